//! The bookings list and a booking's detail: its state machine, payments,
//! refund and audit timeline.

use super::cells::{self, Change, Col};
use super::sell::{status_span, status_style};
use crate::domain::{BookingStatus, Money};
use crate::ids::short;
use crate::tui::action::Action;
use crate::tui::app::{App, STATUS_FILTERS};
use crate::tui::keymap::{BOOKINGS, key};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, HighlightSpacing, Paragraph, TableState, Wrap};

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
    // Columns give way in this order when the terminal is narrow: statuses
    // take their short forms (the legend shows under the table), then the
    // event column goes, then the date made; customer and event names shrink
    // (cut with …) down to 10 columns. Ids, seats, amounts and statuses are never cut.
    let rows: Vec<[String; 6]> = app
        .bookings
        .iter()
        .map(|(b, customer, event)| {
            [
                short(&b.id).to_string(),
                cells::day_time(app, b.created_at),
                customer.clone(),
                event.clone(),
                b.seats.to_string(),
                Money(b.amount).format(&b.currency),
            ]
        })
        .collect();
    let block = Block::bordered().title(format!(" Bookings ({}) ", app.bookings.len()));
    let avail = block.inner(list).width.saturating_sub(2) as usize;
    let col = |i: usize| rows.iter().map(move |r| r[i].as_str());
    let columns = |short_status: bool| {
        let status = app.bookings.iter().map(move |(b, ..)| cells::status_text(b.status, short_status));
        [
            Col::whole("Booking", col(0)),
            Col::whole("Made", col(1)),
            Col::flex("Customer", 10, col(2)),
            Col::flex("Event", 10, col(3)),
            Col::whole("Seats", col(4)).right(),
            Col::whole("Amount", col(5)).right(),
            Col::whole("Status", status),
        ]
    };
    let full: [&[usize]; 1] = [&[0, 1, 2, 3, 4, 5, 6]];
    let narrow: [&[usize]; 3] = [&[0, 1, 2, 3, 4, 5, 6], &[0, 1, 2, 4, 5, 6], &[0, 2, 4, 5, 6]];
    let short_status = cells::widths(&columns(false), avail).is_none();
    let (keep, cols, widths) = if short_status {
        cells::give_way(&columns(true), &narrow, avail)
    } else {
        cells::give_way(&columns(false), &full, avail)
    };
    let body = app
        .bookings
        .iter()
        .zip(&rows)
        .map(|((b, ..), r)| {
            let cells = keep
                .iter()
                .map(|i| match r.get(*i) {
                    Some(text) => (text.clone(), Style::new()),
                    None => (cells::status_text(b.status, short_status).to_string(), status_style(b.status)),
                })
                .collect();
            (cells, Style::new())
        })
        .collect();
    let block = if short_status {
        block.title_bottom(Line::from(format!(" {} ", cells::LEGEND)).fg(Color::Gray))
    } else {
        block
    };
    let table = cells::table(&cols, &widths, body)
        .block(block)
        .row_highlight_style(Style::new().reversed())
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default().with_selected((!app.bookings.is_empty()).then_some(app.booking_sel));
    frame.render_stateful_widget(table, list, &mut state);
}

pub fn draw_detail(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(d) = &app.detail else { return };
    let b = &d.booking;
    let [machine, rest] = Layout::vertical([Constraint::Length(4), Constraint::Min(6)]).areas(area);
    let [facts, trail] = Layout::horizontal([Constraint::Length(44), Constraint::Min(30)]).areas(rest);
    // Its tickets above the trail: as many rows as fit, the trail keeps at least 5.
    let trail = if d.tickets.is_empty() {
        trail
    } else {
        let rows = (d.tickets.len() as u16 + 3).min(trail.height.saturating_sub(5)).max(4);
        let [tickets, trail] = Layout::vertical([Constraint::Length(rows), Constraint::Min(0)]).areas(trail);
        super::tickets::draw_list(frame, app, &d.tickets, &b.currency, tickets);
        trail
    };

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
                Some(h) if !h.labels.is_empty() => crate::domain::event::label_runs(&h.labels),
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

    // The trail gives way in this order: the actor, then booking statuses
    // take their short forms (legend above), then only the status reached is
    // shown (the row before says where it came from); the action shrinks
    // (cut with …) down to 8 columns. Statuses are never cut.
    let trail_block = Block::bordered().title(format!(" Audit trail ({}) ", d.audit.len()));
    let avail = trail_block.inner(trail).width as usize;
    let rows: Vec<[String; 3]> = d
        .audit
        .iter()
        .map(|a| {
            let action = if a.is_retry { format!("{} (retry)", a.action) } else { a.action.clone() };
            [cells::when_short(app, a.at), action, a.actor.clone()]
        })
        .collect();
    let changes = |mode| -> Vec<String> {
        d.audit.iter().map(|a| cells::change_text(a.from_status.as_deref(), a.to_status.as_deref(), mode)).collect()
    };
    let columns = |changes: &[String]| {
        [
            Col::whole("When", rows.iter().map(|r| r[0].as_str())),
            Col::flex("Action", 8, rows.iter().map(|r| r[1].as_str())),
            Col::whole("Change", changes.iter().map(String::as_str)),
            Col::flex("By", 8, rows.iter().map(|r| r[2].as_str())),
        ]
    };
    let mut layout = None;
    for (mode, variants) in [
        (Change::Full, &[&[0usize, 1, 2, 3][..], &[0, 1, 2]][..]),
        (Change::Short, &[&[0, 1, 2][..]]),
        (Change::To, &[&[0, 1, 2][..]]),
    ] {
        let texts = changes(mode);
        let (keep, cols, widths) = cells::give_way(&columns(&texts), variants, avail);
        let fits = cells::widths(&cols, avail).is_some();
        layout = Some((mode, texts, keep, cols, widths));
        if fits {
            break;
        }
    }
    let Some((mode, texts, keep, cols, widths)) = layout else { return };
    let body = d
        .audit
        .iter()
        .zip(rows)
        .zip(texts)
        .map(|((a, [when, action, by]), change)| {
            let all = [when, action, change, by];
            let cells = keep.iter().map(|i| (all[*i].clone(), Style::new())).collect();
            (cells, if a.is_retry { Style::new().fg(Color::Yellow) } else { Style::new() })
        })
        .collect();
    let table = cells::table(&cols, &widths, body).block(trail_block);
    frame.render_widget(table, trail);

    // Drawn last: it names the short forms if the trail had to use them.
    let mut machine_block = Block::bordered().title(format!(" Booking {} ", short(&b.id)));
    if mode != Change::Full {
        machine_block = machine_block.title_bottom(Line::from(format!(" {} ", cells::LEGEND)));
    }
    frame.render_widget(
        Paragraph::new(vec![Line::from(spans), Line::from(path_line.fg(Color::Cyan))]).block(machine_block),
        machine,
    );
}
