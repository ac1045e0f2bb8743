//! The Reports screen: a bar chart of booking statuses, the summary figures,
//! the health panel with its thresholds, a sparkline of sales per hour and a
//! gauge per event's fill. Figures are the same `Report` the CLI prints.

use super::cells::{self, Col};
use crate::domain::{BookingStatus, Money};
use crate::report::{Level, pct, thresholds_text, window_label};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::{ANYWHERE, REPORTS, key};
use crate::tui::office::ReportsState;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, LineGauge, Paragraph, Sparkline};

pub fn level_style(l: Level) -> Style {
    match l {
        Level::Green => Style::new().fg(Color::Black).bg(Color::Green).bold(),
        Level::Amber => Style::new().fg(Color::Black).bg(Color::Yellow).bold(),
        Level::Red => Style::new().fg(Color::White).bg(Color::Red).bold(),
    }
}

/// What each short form stands for, beside it in the summary (the legend).
fn meaning(s: BookingStatus) -> &'static str {
    match s {
        BookingStatus::PaymentPending => "pending",
        BookingStatus::Confirmed => "confirmed",
        BookingStatus::PaymentFailed => "failed",
        BookingStatus::Expired => "expired",
        BookingStatus::Cancelled => "cancelled",
    }
}

/// The money lines: per currency (never added across currencies), revenue,
/// refunds paid back, and apart from them the refunds of failed payments
/// (money never collected), packed into `width` columns without cutting one.
pub fn money_lines(s: &crate::report::Summary, width: usize) -> Vec<String> {
    if s.by_currency.is_empty() {
        return vec!["No bookings in scope".into()];
    }
    let mut lines = Vec::new();
    for t in &s.by_currency {
        let m = |v: i64| Money(v).format(&t.currency);
        let mut parts = vec![
            format!("{} revenue {}", t.currency, m(t.revenue)),
            format!("refunded {}", m(t.refunds_paid_back())),
            format!("failed payments, never collected {}", m(t.refunds_failed_payments)),
        ];
        if t.refunds_pending > 0 {
            parts.push(format!("refunds pending {}", m(t.refunds_pending)));
        }
        lines.extend(cells::pack(&parts, width));
    }
    lines
}

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let r = &app.office.reports;
    let Some(report) = &r.report else {
        let reload = key(&ANYWHERE, Action::Refresh);
        frame.render_widget(Paragraph::new(format!(" No report loaded ({reload} reloads)")), area);
        return;
    };
    let (s, h) = (&report.summary, &report.health);
    // On a short terminal the sparkline gives way first, then the fill
    // gauges; the money lines come whole (with many currencies, as many
    // whole lines as fit and a pointer to the rest).
    let mut money = money_lines(s, area.width.saturating_sub(2) as usize);
    let room = area.height.saturating_sub(1 + 9 + 1 + 2).max(1) as usize;
    if money.len() > room {
        let more = money.len() - (room - 1);
        money.truncate(room - 1);
        money.push(format!("… {more} more line(s): e picks one event; boxoffice report lists them all"));
    }
    let fixed = 1 + 9 + money.len() as u16 + 2 + 1;
    let lower = area.height.saturating_sub(fixed);
    let (types_rows, spark_rows) = lower_rows(r, s.event_count, lower);
    let [bar, top, money_area, types_area, spark, gauges, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(9),
        Constraint::Length(money.len() as u16 + 2),
        Constraint::Length(types_rows),
        Constraint::Length(spark_rows),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let keys = |a, b| format!("  ({}/{})", key(&REPORTS, a), key(&REPORTS, b));
    let rest = [
        keys(Action::CycleEvent(1), Action::CycleEvent(-1)),
        "   Window: ".to_string(),
        format!("last {}", window_label(r.hours())),
        keys(Action::CycleWindow(1), Action::CycleWindow(-1)),
        "   Health: ".to_string(),
        format!(" {} ", h.status),
    ];
    let rest_width: usize = rest.iter().map(|t| cells::width(t)).sum::<usize>() + cells::width(" Event: ");
    let name = cells::fit(r.event_name(), (bar.width as usize).saturating_sub(rest_width));
    let [k1, w1, w2, k2, h1, h2] = rest;
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            " Event: ".bold(),
            Span::raw(name),
            k1.fg(Color::Gray),
            w1.bold(),
            Span::raw(w2),
            k2.fg(Color::Gray),
            h1.bold(),
            Span::styled(h2, level_style(h.status)),
        ])),
        bar,
    );

    // The bar chart needs room; on a narrow terminal the figures and health come first.
    let chart_width = if top.width >= 110 { 31 } else { 0 };
    let [chart, figures, right] =
        Layout::horizontal([Constraint::Length(chart_width), Constraint::Length(30), Constraint::Min(20)]).areas(top);
    let colors = [Color::Yellow, Color::Green, Color::Red, Color::DarkGray, Color::Magenta];
    let bars: Vec<Bar<'_>> = s
        .by_status
        .iter()
        .zip(colors)
        .map(|(st, c)| Bar::with_label(cells::short_status(st.status), st.count).style(Style::new().fg(c)))
        .collect();
    if chart_width > 0 {
        frame.render_widget(
            BarChart::default()
                .data(BarGroup::new(bars))
                .bar_width(5)
                .bar_gap(1)
                .max(s.by_status.iter().map(|x| x.count).max().unwrap_or(0).max(1))
                .block(Block::bordered().title(" Bookings by status ")),
            chart,
        );
    }
    let mut lines = vec![Line::from(vec!["Bookings ".bold(), Span::raw(s.bookings.to_string())])];
    for st in &s.by_status {
        lines.push(Line::from(format!(
            "{:<4} {:>6} {:>6} {}",
            cells::short_status(st.status),
            st.count,
            pct(st.share),
            meaning(st.status)
        )));
    }
    lines.push(Line::from(format!("Sold {}/{} ({})", s.seats_sold, s.capacity, pct(s.utilisation))));
    frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(" Summary ")), figures);
    frame.render_widget(
        Paragraph::new(money.into_iter().map(Line::from).collect::<Vec<_>>())
            .block(Block::bordered().title(" Money, per currency (never added together) ")),
        money_area,
    );

    let mut hl = vec![
        Line::from(format!("Holds {} made · {} expired ({})", h.holds_made, h.holds_expired, pct(h.expiry_rate))),
        Line::from(format!(
            "Payments {}: {} ok ({}) · {} failed ({})",
            h.payment_attempts,
            h.payment_successes,
            pct(h.success_rate),
            h.payment_failures,
            pct(h.failure_rate)
        )),
        Line::from(format!("  {} timed out ({}) · Retries {}", h.payment_timeouts, pct(h.timeout_rate), h.retries)),
    ];
    if h.reasons.is_empty() {
        hl.push(Line::from("All rates within thresholds".fg(Color::Green)));
    }
    for reason in &h.reasons {
        let color = if reason.contains("RED") { Color::Red } else { Color::Yellow };
        hl.push(Line::from(Span::styled(format!("! {reason}"), Style::new().fg(color))));
    }
    frame.render_widget(
        Paragraph::new(hl).wrap(ratatui::widgets::Wrap { trim: true }).block(Block::bordered().title(Line::from(
            vec![
                Span::raw(format!(" Health, last {} ", window_label(h.hours))),
                Span::styled(format!(" {} ", h.status), level_style(h.status)),
                Span::raw(" "),
            ],
        ))),
        right,
    );

    if types_rows > 0 {
        draw_types(frame, r, types_area);
    }
    if spark_rows > 0 {
        draw_sales(frame, h, spark);
    }
    if gauges.height >= 3 {
        draw_fill(frame, s, gauges);
    }
    let thresholds = if foot.width >= 110 {
        thresholds_text()
    } else {
        use crate::report::*;
        format!(
            "AMBER/RED at: expiry {HOLD_EXPIRY_AMBER_PCT}/{HOLD_EXPIRY_RED_PCT}% · failure \
             {PAYMENT_FAILURE_AMBER_PCT}/{PAYMENT_FAILURE_RED_PCT}% · timeout {PAYMENT_TIMEOUT_AMBER_PCT}/\
             {PAYMENT_TIMEOUT_RED_PCT}% · from {MIN_SAMPLE} samples"
        )
    };
    frame.render_widget(Paragraph::new(format!(" {thresholds}")).fg(Color::Gray), foot);
}

/// Rows for the sales by type and the sparkline out of the `lower` rows
/// below the money (the fill gauges take the rest). The sparkline gives way
/// first, then the gauges down to one event; the sales by type come whole
/// if they can, and scroll.
fn lower_rows(r: &ReportsState, events: u64, lower: u16) -> (u16, u16) {
    if r.types.total == 0 {
        return (0, if lower >= 3 + 3 { 3 } else { 0 });
    }
    let wanted = r.types.total.min(u64::from(lower)) as u16 + 3;
    let gauges = events.min(u64::from(lower)) as u16 + 2;
    if lower >= wanted + gauges + 3 {
        return (wanted, 3);
    }
    // The gauges keep one event when the sales by type can still show one row.
    let types = if lower >= 4 { wanted.min(lower.saturating_sub(3).max(4)) } else { 0 };
    (types, 0)
}

/// Sales by ticket type from the first row scrolled to: seats sold (paid
/// bookings), their revenue in the event's own currency (never added across
/// currencies), seats awaiting payment and tickets admitted. Today's price
/// gives way first, then Pending, then Admitted; with one event chosen its
/// name is not repeated on each row.
fn draw_types(frame: &mut Frame<'_>, r: &ReportsState, area: Rect) {
    let shown = r.shown_types();
    let room = area.height.saturating_sub(3) as usize;
    let rows: Vec<[String; 7]> = shown
        .iter()
        .take(room)
        .map(|t| {
            let m = |v: i64| Money(v).format(&t.currency);
            let name = if t.retired { format!("{}*", t.type_name) } else { t.type_name.clone() };
            let count = |n: u64| n.to_string();
            [t.event_name.clone(), name, m(t.price), count(t.sold), m(t.revenue), count(t.pending), count(t.admitted)]
        })
        .collect();
    let col = |i: usize| rows.iter().map(move |r| r[i].as_str());
    let cols = [
        Col::flex("Event", 8, col(0)),
        Col::flex("Type", 6, col(1)),
        Col::whole("Price", col(2)).right(),
        Col::whole("Sold", col(3)).right(),
        Col::whole("Revenue", col(4)).right(),
        Col::whole("Pending", col(5)).right(),
        Col::whole("Admitted", col(6)).right(),
    ];
    let first = r.type_top + 1;
    let last = r.type_top + rows.len();
    let retired = if rows.iter().any(|x| x[1].ends_with('*')) { " · * retired" } else { "" };
    let span = if rows.is_empty() { String::new() } else { format!("{first}–{last} of ") };
    let block = Block::bordered().title(format!(" Sales by ticket type · {span}{}{retired} ", r.types.total));
    let variants: [&[usize]; 4] = [&[0, 1, 2, 3, 4, 5, 6], &[0, 1, 3, 4, 5, 6], &[0, 1, 3, 4, 6], &[0, 1, 3, 4]];
    let one_event: Vec<Vec<usize>> = variants.iter().map(|v| v[1..].to_vec()).collect();
    let variants: Vec<&[usize]> =
        if r.event == 0 { variants.to_vec() } else { one_event.iter().map(Vec::as_slice).collect() };
    let (keep, cols, widths) = cells::give_way(&cols, &variants, block.inner(area).width as usize);
    let body = rows.iter().map(|row| (keep.iter().map(|i| (row[*i].clone(), Style::new())).collect(), Style::new()));
    frame.render_widget(cells::table(&cols, &widths, body.collect()).block(block), area);
}

/// Successful payments per hour: the newest hours that fit, oldest on the left.
fn draw_sales(frame: &mut Frame<'_>, h: &crate::report::Health, spark: Rect) {
    let width = spark.width.saturating_sub(2) as usize;
    let data: Vec<u64> = h.sales_per_hour.iter().skip(h.sales_per_hour.len().saturating_sub(width)).copied().collect();
    let peak = data.iter().max().copied().unwrap_or(0);
    frame.render_widget(
        Sparkline::default().data(&data).style(Style::new().fg(Color::Cyan)).block(Block::bordered().title(format!(
            " Sales per hour, last {} (total {}, peak {peak}/h) ",
            window_label(h.hours),
            h.sales_per_hour.iter().sum::<u64>()
        ))),
        spark,
    );
}

/// A gauge per event: seats sold ÷ capacity.
fn draw_fill(frame: &mut Frame<'_>, s: &crate::report::Summary, gauges: Rect) {
    let block = Block::bordered().title(" Fill per event (seats sold ÷ capacity) ");
    let inner = block.inner(gauges);
    frame.render_widget(block, gauges);
    let rows = inner.height as usize;
    let shown = s.events.iter().take(rows);
    let areas = Layout::vertical(vec![Constraint::Length(1); rows]).split(inner);
    for (e, a) in shown.zip(areas.iter()) {
        let name = crate::domain::width::pad(&e.name, 24);
        let color = if e.utilisation >= 0.9 { Color::Red } else { Color::Green };
        frame.render_widget(
            LineGauge::default()
                .ratio(e.utilisation.clamp(0.0, 1.0))
                .label(format!("{name} {:>5}/{:<5} {:>6}", e.seats_sold, e.capacity, pct(e.utilisation)))
                .filled_style(Style::new().fg(color))
                .unfilled_style(Style::new().fg(Color::DarkGray)),
            *a,
        );
    }
    if s.event_count as usize > rows {
        let more = s.event_count as usize - rows;
        frame.render_widget(
            Paragraph::new(format!("… {more} more (e picks one)")).right_aligned().fg(Color::Gray),
            Rect { y: gauges.y + gauges.height - 1, height: 1, ..inner },
        );
    }
}
