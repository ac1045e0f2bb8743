//! The Reports screen: a bar chart of booking statuses, the summary figures,
//! the health panel with its thresholds, a sparkline of sales per hour and a
//! gauge per event's fill. Figures are the same `Report` the CLI prints.

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

fn short_status(s: BookingStatus) -> &'static str {
    match s {
        BookingStatus::PaymentPending => "PEND",
        BookingStatus::Confirmed => "CONF",
        BookingStatus::PaymentFailed => "FAIL",
        BookingStatus::Expired => "EXP",
        BookingStatus::Cancelled => "CANC",
    }
}

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let r = &app.office.reports;
    let [bar, top, spark, gauges, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(11),
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let Some(report) = &r.report else {
        let reload = key(&ANYWHERE, Action::Refresh);
        frame.render_widget(Paragraph::new(format!(" No report loaded ({reload} reloads)")), bar);
        return;
    };
    let (s, h) = (&report.summary, &report.health);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            " Event: ".bold(),
            Span::raw(r.event_name().to_string()),
            format!("  ({}/{})", key(&REPORTS, Action::CycleEvent(1)), key(&REPORTS, Action::CycleEvent(-1)))
                .fg(Color::Gray),
            "   Window: ".bold(),
            Span::raw(format!("last {}", window_label(r.hours()))),
            format!("  ({}/{})", key(&REPORTS, Action::CycleWindow(1)), key(&REPORTS, Action::CycleWindow(-1)))
                .fg(Color::Gray),
            "   Health: ".bold(),
            Span::styled(format!(" {} ", h.status), level_style(h.status)),
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
        .map(|(st, c)| Bar::with_label(short_status(st.status), st.count).style(Style::new().fg(c)))
        .collect();
    frame.render_widget(
        BarChart::default()
            .data(BarGroup::new(bars))
            .bar_width(5)
            .bar_gap(1)
            .max(s.by_status.iter().map(|x| x.count).max().unwrap_or(0).max(1))
            .block(Block::bordered().title(" Bookings by status ")),
        chart,
    );
    let money = |m: i64| Money(m).format(if s.currency == "MIXED" { "" } else { &s.currency });
    let mut lines = vec![Line::from(vec!["Bookings ".bold(), Span::raw(s.bookings.to_string())])];
    for st in &s.by_status {
        lines.push(Line::from(format!(" {:<4} {:>6} {:>6}", short_status(st.status), st.count, pct(st.share))));
    }
    lines.push(Line::from(format!("Sold {}/{} ({})", s.seats_sold, s.capacity, pct(s.utilisation))));
    lines.push(Line::from(vec!["Revenue ".bold(), Span::raw(money(s.revenue))]));
    lines.push(Line::from(vec!["Refunds ".bold(), Span::raw(money(s.refunds))]));
    frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(" Summary ")), figures);

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

    // The newest hours that fit, oldest on the left.
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

    let block = Block::bordered().title(" Fill per event (seats sold ÷ capacity) ");
    let inner = block.inner(gauges);
    frame.render_widget(block, gauges);
    let rows = inner.height as usize;
    let shown = s.events.iter().take(rows);
    let areas = Layout::vertical(vec![Constraint::Length(1); rows]).split(inner);
    for (e, a) in shown.zip(areas.iter()) {
        let name: String = e.name.chars().take(24).collect();
        let color = if e.utilisation >= 0.9 { Color::Red } else { Color::Green };
        frame.render_widget(
            LineGauge::default()
                .ratio(e.utilisation.clamp(0.0, 1.0))
                .label(format!("{name:<24} {:>5}/{:<5} {:>6}", e.seats_sold, e.capacity, pct(e.utilisation)))
                .filled_style(Style::new().fg(color))
                .unfilled_style(Style::new().fg(Color::DarkGray)),
            *a,
        );
    }
    if s.events.len() > rows {
        let more = s.events.len() - rows;
        frame.render_widget(
            Paragraph::new(format!("… {more} more (e picks one)")).right_aligned().fg(Color::Gray),
            Rect { y: gauges.y + gauges.height - 1, height: 1, ..inner },
        );
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
