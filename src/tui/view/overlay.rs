//! Modals: help, forms and the cancel confirmation.

use crate::domain::Money;
use crate::ids::short;
use crate::tui::app::{App, Overlay};
use crate::tui::form::Form;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn draw(frame: &mut Frame<'_>, app: &App, overlay: &Overlay, area: Rect) {
    match overlay {
        Overlay::Help => {
            // Wide enough for the longest line; on a narrower terminal the
            // lines wrap (a taller box) rather than being cut off.
            let lines = help_lines().len() as u16;
            let height = if area.width >= 102 { lines + 2 } else { lines * 2 + 2 };
            let r = centered(area, 102, height);
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(help_lines())
                    .wrap(Wrap { trim: false })
                    .block(Block::bordered().title(" Help (Esc closes) ")),
                r,
            );
        }
        Overlay::EventForm(form) | Overlay::CustomerForm(form) => draw_form(frame, form, area),
        Overlay::ConfirmCancel { booking, refund } => {
            let r = centered(area, 60, 8);
            frame.render_widget(Clear, r);
            let money = |m: i64| Money(m).format(&booking.currency);
            let what = match refund {
                Some(s) => format!(
                    "Refund {} of {} (fee {}, {}% policy).",
                    money(s.refund),
                    money(booking.amount),
                    money(s.fee),
                    app.desk.ctx().config.refund_percent
                ),
                None => "Nothing was charged: no refund.".to_string(),
            };
            let lines = vec![
                Line::from(format!("Cancel booking {} ({})?", short(&booking.id), booking.status)),
                Line::from(format!("{} seat(s) go back on sale.", booking.seats)),
                Line::from(what.bold()),
                Line::from(""),
                Line::from(vec![
                    Span::styled(" y ", Style::new().fg(Color::Black).bg(Color::Red)),
                    Span::raw(" cancel it    "),
                    Span::styled(" n ", Style::new().fg(Color::Black).bg(Color::Green)),
                    Span::raw(" keep it"),
                ]),
            ];
            frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(" Cancel booking ")), r);
        }
    }
}

fn draw_form(frame: &mut Frame<'_>, form: &Form, area: Rect) {
    let height = (form.fields.len() as u16) * 2 + 4;
    let r = centered(area, 74, height.min(area.height));
    frame.render_widget(Clear, r);
    let mut lines = Vec::new();
    for (i, f) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let marker = if focused { "▶ " } else { "  " };
        let value_style = if focused { Style::new().reversed() } else { Style::new() };
        let shown: String = {
            // Long input scrolls: show its tail so the cursor end is visible.
            let n = f.value.chars().count();
            f.value.chars().skip(n.saturating_sub(40)).collect()
        };
        lines.push(Line::from(vec![
            Span::raw(marker),
            Span::styled(format!("{:<14}", f.label), Style::new().bold()),
            Span::styled(format!("{shown:<40}"), value_style),
        ]));
        let below = match &f.error {
            Some(e) => Span::styled(format!("                ✗ {e}"), Style::new().fg(Color::Red)),
            None => Span::styled(format!("                {}", f.hint), Style::new().fg(Color::DarkGray)),
        };
        lines.push(Line::from(below));
    }
    if let Some(n) = &form.note {
        lines.push(Line::from(n.clone().fg(Color::Cyan)));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(Block::bordered().title(format!(" {} ", form.title))),
        r,
    );
}

fn help_lines() -> Vec<Line<'static>> {
    [
        "Everywhere   Tab/⇧Tab next/previous screen · ? help · Esc back · q or Ctrl-C quit · Ctrl-R reload",
        "Lists        ↑↓ or j/k move · PgUp/PgDn · g/G or Home/End · Enter open · / filter · Esc clear",
        "Events       n new event (form: Tab between fields, Enter saves, Esc cancels)",
        "Sell         ←↑↓→ or h/j/k/l move on the seat map · Space pick/unpick a seat",
        "             digits or +/- set how many · Enter holds the picked seats,",
        "             or the best available N together (nearest the front-centre)",
        "Hold         Enter: customer form, then book · r release the hold · Esc back (hold kept)",
        "Payment      s success · f failure · t timeout (retry before the deadline) · x cancel",
        "             pressing a button again after a result replays it: nothing charged twice",
        "Receipt      Enter or n: next sale · x cancel (refund shown before y/n)",
        "Bookings     f cycle status filter · / search by customer · Enter detail · e export CSV",
        "Detail       the state machine, payments, refund and audit trail · s/f/t pay · x cancel · a trail",
        "Reports      e/E event · w/W window 1h/12h/24h/7d · bars, fill gauges, sales sparkline",
        "Audit        / filter · f field (any/correlation/booking/event/action) · o original of a retry",
        "             e export CSV · Esc clears or returns to the booking",
        "Jobs         r run recovery now · s run the sweeps now",
        "Seat map     o free · * picked · h held · x sold (colour and symbol)",
        "Status bar   clock · tick thread heartbeat (red if it stalls) · data file",
    ]
    .into_iter()
    .map(Line::from)
    .collect()
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [r] = Layout::horizontal([Constraint::Length(width.min(area.width))]).flex(Flex::Center).areas(area);
    let [r] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(r);
    r
}
