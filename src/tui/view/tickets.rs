//! Tickets on screen: the receipt's ticket with its QR code (one at a time,
//! paged), and the booking detail's list of tickets and their states.

use super::cells::{self, Col};
use crate::domain::{Money, Ticket, TicketStatus};
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

/// A ticket's state as the clerk reads it: `VALID`, `USED 19:02:11 north`, `VOID`.
pub fn state_text(app: &App, t: &Ticket) -> String {
    match (t.status, t.used_at) {
        (TicketStatus::Used, Some(at)) => {
            format!("USED {} {}", cells::when_short(app, at), t.used_door.as_deref().unwrap_or(""))
        }
        (TicketStatus::Void, Some(at)) => format!("VOID (used {})", cells::when_short(app, at)),
        (s, _) => s.as_str().to_string(),
    }
}

pub fn state_style(s: TicketStatus) -> Style {
    match s {
        TicketStatus::Valid => Style::new().fg(Color::Green).bold(),
        TicketStatus::Used => Style::new().fg(Color::Cyan).bold(),
        TicketStatus::Void => Style::new().fg(Color::Magenta).bold(),
    }
}

/// The receipt's left side: ticket `page` of the booking, its code and its
/// QR code (dark modules drawn black on white, so a phone reads it on any
/// terminal theme). A void ticket shows no QR code: it would not get in.
pub fn draw_receipt(frame: &mut Frame<'_>, app: &App, tickets: &[Ticket], page: usize, currency: &str, area: Rect) {
    let Some(t) = tickets.get(page) else { return };
    let w = area.width as usize;
    let parts = [
        format!("Ticket {} of {}", page + 1, tickets.len()),
        t.seat_text().to_string(),
        cells::fit(&t.type_name, w),
        Money(t.price).format(currency),
    ];
    // The code first: a long door name is what gets cut at the edge.
    let mut lines: Vec<Line<'_>> = cells::pack(&parts, w).into_iter().map(Line::from).collect();
    lines.push(Line::from(vec![
        Span::raw(t.code.grouped()).bold(),
        Span::raw(" · "),
        Span::styled(state_text(app, t), state_style(t.status)),
    ]));
    if t.status == TicketStatus::Void {
        lines.push(Line::from(""));
        lines.push(Line::from(" VOID: the booking was cancelled; the door refuses it ".white().on_red().bold()));
    } else {
        let qr = Style::new().fg(Color::Black).bg(Color::White);
        lines.extend(crate::print::qr_half_blocks(&t.code).into_iter().map(|l| Line::from(Span::styled(l, qr))));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The booking detail's tickets: number, seat, type, price and state.
pub fn draw_list(frame: &mut Frame<'_>, app: &App, tickets: &[Ticket], currency: &str, area: Rect) {
    let block = Block::bordered().title(format!(" Tickets ({}) ", tickets.len()));
    let avail = block.inner(area).width as usize;
    let rows: Vec<[String; 5]> = tickets
        .iter()
        .map(|t| {
            [
                t.number.to_string(),
                t.seat_text().to_string(),
                t.type_name.clone(),
                Money(t.price).format(currency),
                state_text(app, t),
            ]
        })
        .collect();
    let col = |i: usize| rows.iter().map(move |r| r[i].as_str());
    let all = [
        Col::whole("#", col(0)).right(),
        Col::whole("Seat", col(1)),
        Col::flex("Type", 6, col(2)),
        Col::whole("Price", col(3)).right(),
        Col::whole("State", col(4)),
    ];
    let (keep, cols, widths) = cells::give_way(&all, &[&[0, 1, 2, 3, 4], &[1, 2, 3, 4], &[1, 3, 4]], avail);
    let body = tickets
        .iter()
        .zip(&rows)
        .map(|(t, r)| {
            let cells = keep
                .iter()
                .map(|i| (r[*i].clone(), if *i == 4 { state_style(t.status) } else { Style::new() }))
                .collect();
            (cells, Style::new())
        })
        .collect();
    frame.render_widget(cells::table(&cols, &widths, body).block(block), area);
}
