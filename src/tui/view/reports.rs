//! The Reports screen: a bar chart of booking statuses, the summary figures,
//! the health panel with its thresholds, a sparkline of sales per hour and a
//! gauge per event's fill. Figures are the same `Report` the CLI prints.

use super::cells;
use crate::domain::{BookingStatus, Money};
use crate::report::{Level, pct, thresholds_text, window_label};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::{ANYWHERE, REPORTS, key};
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
    let spark_rows = if area.height >= fixed + 3 + 3 { 3 } else { 0 };
    let [bar, top, money_area, spark, gauges, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(9),
        Constraint::Length(money.len() as u16 + 2),
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
