//! The bookings list and a booking's detail: its state machine, payments,
//! refund and audit timeline.

use super::sell::status_span;
use crate::domain::{BookingStatus, Money};
use crate::ids::short;
use crate::tui::action::Action;
use crate::tui::app::{App, STATUS_FILTERS};
use crate::tui::keymap::{BOOKINGS, key};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};

pub fn draw_list(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let [bar, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    let status = STATUS_FILTERS[app.status_filter % STATUS_FILTERS.len()].map_or("all", |s| s.as_str());
    let s = &app.booking_search;
    let search = if s.active || !s.text().is_empty() {
        super::text_line(s, 60)
    } else {
        format!("({} to search)", key(&BOOKINGS, Action::StartFilter))
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![" Status: ".bold(), status.into(), "   Customer: ".bold(), search.into()])),
        bar,
    );
    let header =
        Row::new(["Booking", "Made", "Customer", "Event", "Seats", "Amount", "Status"]).style(Style::new().bold());
    let rows = app.bookings.iter().map(|(b, customer, event)| {
        Row::new(vec![
            Cell::from(short(&b.id).to_string()),
            Cell::from(app.local(b.created_at).format("%d %b %H:%M").to_string()),
            Cell::from(customer.clone()),
            Cell::from(event.clone()),
            Cell::from(b.seats.to_string()),
            Cell::from(Money(b.amount).format(&b.currency)),
            Cell::from(status_span(b.status)),
        ])
    });
    let widths = [
        Constraint::Length(9),
        Constraint::Length(13),
        Constraint::Min(14),
        Constraint::Min(18),
        Constraint::Length(5),
        Constraint::Length(13),
        Constraint::Length(15),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::bordered().title(format!(" Bookings ({}) ", app.bookings.len())))
        .row_highlight_style(Style::new().reversed())
        .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected((!app.bookings.is_empty()).then_some(app.booking_sel));
    frame.render_stateful_widget(table, list, &mut state);
}

pub fn draw_detail(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(d) = &app.detail else { return };
    let b = &d.booking;
    let [machine, rest] = Layout::vertical([Constraint::Length(4), Constraint::Min(6)]).areas(area);
    let [facts, trail] = Layout::horizontal([Constraint::Length(44), Constraint::Min(30)]).areas(rest);

    // The state machine: every state, the current one highlighted, the path taken marked.
    let path: Vec<String> = d
        .audit
        .iter()
        .rev()
        .filter(|a| a.entity == "booking" && a.entity_id == b.id && !a.is_retry)
        .filter_map(|a| a.to_status.clone())
        .collect();
    let mut spans = Vec::new();
    for (i, s) in BookingStatus::DIAGRAM.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(if i == 1 { " → " } else { " | " }));
        }
        let text = format!(" {} ", s.as_str());
        let style = if *s == b.status {
            Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else if path.iter().any(|p| p == s.as_str()) {
            Style::new().fg(Color::Cyan).add_modifier(Modifier::UNDERLINED)
        } else {
            Style::new().fg(Color::DarkGray)
        };
        spans.push(Span::styled(text, style));
    }
    let path_line = format!("path: {}", if path.is_empty() { "-".into() } else { path.join(" → ") });
    frame.render_widget(
        Paragraph::new(vec![Line::from(spans), Line::from(path_line.fg(Color::Cyan))])
            .block(Block::bordered().title(format!(" Booking {} ", short(&b.id)))),
        machine,
    );

    let label = |s: &'static str| Span::styled(format!("{s:<11}"), Style::new().fg(Color::Gray));
    let mut lines = vec![
        Line::from(vec![label("Status"), status_span(b.status)]),
        Line::from(vec![label("Event"), Span::raw(d.event.as_ref().map_or("?".into(), |e| e.name.clone()))]),
        Line::from(vec![
            label("Customer"),
            Span::raw(d.customer.as_ref().map_or("?".into(), |c| {
                format!("{} {}", c.name, c.email.clone().or_else(|| c.phone.clone()).unwrap_or_default())
            })),
        ]),
        Line::from(vec![
            label("Seats"),
            Span::raw(match &d.hold {
                Some(h) if !h.labels.is_empty() => h.labels.join(" "),
                _ => b.seats.to_string(),
            }),
        ]),
        Line::from(vec![label("Amount"), Span::raw(Money(b.amount).format(&b.currency))]),
        Line::from(vec![label("Made"), Span::raw(app.local(b.created_at).format("%Y-%m-%d %H:%M:%S").to_string())]),
        Line::from(vec![
            label("Hold"),
            Span::raw(d.hold.as_ref().map_or("?".into(), |h| format!("{} {}", short(&h.id), h.status))),
        ]),
        Line::from(vec![label("Correl."), Span::raw(b.correlation_id.clone())]),
    ];
    if b.status == BookingStatus::PaymentPending {
        lines.push(Line::from(vec![
            label("Pay within"),
            Span::raw(super::countdown(app, b.payment_expires_at)).yellow(),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(format!("Payments ({})", d.attempts.len()).bold()));
    for a in &d.attempts {
        lines.push(Line::from(format!(
            "  {} {} {}",
            app.local(a.created_at).format("%H:%M:%S"),
            a.outcome,
            Money(a.amount).format(&b.currency)
        )));
    }
    lines.push(Line::from("Refund".bold()));
    match &d.refund {
        Some(r) => {
            // Two short lines: one long line was cut at the panel's border.
            lines.push(Line::from(format!(
                "  {} {} {}% → {}",
                r.kind,
                r.status,
                r.percent,
                Money(r.amount).format(&b.currency)
            )));
            let done = r.completed_at.map(|at| format!(" · completed {}", app.local(at).format("%H:%M:%S")));
            lines.push(Line::from(format!("  fee {}{}", Money(r.fee).format(&b.currency), done.unwrap_or_default())));
        }
        None => lines.push(Line::from("  none".fg(Color::Gray))),
    }
    // Wrapped: a correlation id or a large refund line is shown whole, not cut at the border.
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(Block::bordered().title(" Facts ")),
        facts,
    );

    let rows = d.audit.iter().map(|a| {
        let change = match (&a.from_status, &a.to_status) {
            (Some(f), Some(t)) => format!("{f} → {t}"),
            (None, Some(t)) => format!("→ {t}"),
            _ => String::new(),
        };
        let action = if a.is_retry { format!("{} (retry)", a.action) } else { a.action.clone() };
        Row::new(vec![
            Cell::from(app.local(a.at).format("%H:%M:%S").to_string()),
            Cell::from(action),
            Cell::from(change),
            Cell::from(a.actor.clone()),
        ])
        .style(if a.is_retry { Style::new().fg(Color::Yellow) } else { Style::new() })
    });
    let table =
        Table::new(rows, [Constraint::Length(8), Constraint::Min(18), Constraint::Min(32), Constraint::Min(12)])
            .header(Row::new(["When", "Action", "Change", "By"]).bold())
            .block(Block::bordered().title(format!(" Audit trail ({}) ", d.audit.len())));
    frame.render_widget(table, trail);
}
