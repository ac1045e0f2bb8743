//! The Sell screen: the seat map (or a quantity), and the panel for the
//! sale's stage: hold countdown, payment buttons, receipt.

use super::countdown;
use crate::domain::Hold;
use crate::domain::event::row_letter;
use crate::domain::{BookingStatus, Money, PaymentOutcome, SeatState};
use crate::ids::short;
use crate::tui::action::Action;
use crate::tui::app::{App, Outcome, Sell, Stage};
use crate::tui::keymap::{SELL_DECLINED, SELL_HOLD, SELL_PAYMENT, SELL_QUANTITY, SELL_SEATS, key};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(sell) = &app.sell else { return };
    // A narrower panel on narrow terminals leaves the seat map room for 20 seats at 80 columns.
    let panel = if area.width >= 110 { 42 } else { 34 };
    let [left, right] = Layout::horizontal([Constraint::Min(40), Constraint::Length(panel)]).areas(area);
    let e = &sell.event;
    let title = format!(
        " {} · {} · {} · {}/{} left ",
        e.name,
        app.local(e.starts_at).format("%a %d %b %H:%M"),
        Money(e.price).format(&e.currency),
        e.available,
        e.total
    );
    let block = Block::bordered().title(title);
    let inner = block.inner(left);
    frame.render_widget(block, left);
    if sell.map.is_some() {
        draw_map(frame, sell, inner);
    } else {
        draw_quantity(frame, sell, inner);
    }
    draw_panel(frame, app, sell, right);
}

fn seat_style(state: SeatState, picked: bool) -> (&'static str, Style) {
    match (state, picked) {
        (SeatState::Free, true) => ("*", Style::new().fg(Color::Black).bg(Color::Yellow)),
        (SeatState::Free, false) => ("o", Style::new().fg(Color::Green)),
        (SeatState::Held, _) => ("h", Style::new().fg(Color::Magenta)),
        (SeatState::Sold, _) => ("x", Style::new().fg(Color::Red)),
    }
}

fn draw_map(frame: &mut Frame<'_>, sell: &Sell, area: Rect) {
    let Some(map) = &sell.map else { return };
    let cols = map.rows.first().map_or(0, Vec::len);
    // Three columns a seat when they fit, else two.
    let w = if 4 + cols * 3 <= area.width as usize { 3 } else { 2 };
    let mut lines = Vec::new();
    lines.push(Line::from(format!("{:^width$}", "── STAGE ──", width = 3 + cols * w)).fg(Color::Gray));
    let mut numbers = String::from("   ");
    for n in 1..=cols {
        // Two-column seats have no room between numbers: label 1, 5, 10, …
        if w >= 3 || n == 1 || n % 5 == 0 {
            numbers.push_str(&format!("{n:>w$}"));
        } else {
            numbers.push_str(&" ".repeat(w));
        }
    }
    lines.push(Line::from(numbers).fg(Color::Gray));
    for (r, row) in map.rows.iter().enumerate() {
        let mut spans = vec![Span::styled(format!(" {} ", row_letter(r as u32)), Style::new().bold())];
        for (c, state) in row.iter().enumerate() {
            let picked = sell.picked.contains(&(r as u32, c as u32 + 1));
            let (sym, mut style) = seat_style(*state, picked);
            if sell.stage == Stage::Choose && sell.cursor == (r, c) {
                style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
            }
            spans.push(Span::raw(" ".repeat(w - 1)));
            spans.push(Span::styled(sym, style));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    let legend = |sym: &'static str, state, picked, text: &'static str| {
        let (_, style) = seat_style(state, picked);
        vec![Span::styled(sym, style), Span::raw(format!(" {text}   "))]
    };
    let mut legend_line = Vec::new();
    legend_line.extend(legend("o", SeatState::Free, false, "free"));
    legend_line.extend(legend("*", SeatState::Free, true, "picked"));
    legend_line.extend(legend("h", SeatState::Held, false, "held"));
    legend_line.extend(legend("x", SeatState::Sold, false, "sold"));
    lines.push(Line::from(legend_line));
    let cursor = format!("{}{}", row_letter(sell.cursor.0 as u32), sell.cursor.1 + 1);
    let picked: Vec<String> = sell.picked.iter().map(|(r, n)| crate::domain::event::seat_label(*r, *n)).collect();
    lines.push(Line::from(vec![
        Span::raw(format!(
            "Cursor {cursor} · picked: {} · quantity ",
            if picked.is_empty() { "none".to_string() } else { picked.join(" ") }
        )),
        quantity_span(sell, Style::new()),
    ]));
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_quantity(frame: &mut Frame<'_>, sell: &Sell, area: Rect) {
    let e = &sell.event;
    let lines = vec![
        Line::from(""),
        Line::from("General admission: no seat numbers.".fg(Color::Gray)),
        Line::from(""),
        Line::from(vec!["Quantity: ".bold(), quantity_span(sell, Style::new().reversed())]),
        Line::from(format!("Total: {}", Money(e.price * i64::from(sell.quantity)).format(&e.currency))),
        Line::from(""),
        Line::from(format!("{} of {} places left", e.available, e.total)),
    ];
    frame.render_widget(Paragraph::new(lines), area);
}

/// The quantity as typed; red when the event cannot give that many.
fn quantity_span(sell: &Sell, style: Style) -> Span<'static> {
    let text = if style == Style::new() { sell.quantity.to_string() } else { format!(" {} ", sell.quantity) };
    let too_many = crate::tui::update::too_many(sell).is_some();
    Span::styled(text, if too_many { style.fg(Color::Red).bold() } else { style })
}

/// Time left on a hold, in the colour of its urgency: amber from a minute
/// left, red from 20 seconds.
pub fn countdown_span(app: &App, hold: &Hold) -> Span<'static> {
    let secs = (hold.expires_at - app.now).num_seconds();
    let color = if secs <= 20 {
        Color::Red
    } else if secs <= 60 {
        Color::Yellow
    } else {
        Color::Green
    };
    Span::styled(countdown(app, hold.expires_at), Style::new().fg(color).bold())
}

fn draw_panel(frame: &mut Frame<'_>, app: &App, sell: &Sell, area: Rect) {
    let mut lines: Vec<Line<'_>> = Vec::new();
    let label = |s: &'static str| Span::styled(format!("{s:<11}"), Style::new().fg(Color::Gray));
    let title = match sell.stage {
        Stage::Choose => " 1 Choose seats ",
        Stage::Held => " 2 Hold ",
        Stage::Payment => " 3 Payment ",
        Stage::Done => " 4 Receipt ",
    };
    if sell.stage == Stage::Choose {
        let hint = if sell.map.is_some() {
            let hold = key(&SELL_SEATS, Action::Hold);
            let pick = key(&SELL_SEATS, Action::ToggleSeat);
            format!("Pick seats with {pick}, or type a number and press {hold} for the best available together.")
        } else {
            format!("Type the number of places and press {}.", key(&SELL_QUANTITY, Action::Hold))
        };
        lines.push(Line::from(hint));
        lines.push(Line::from(""));
    }
    if let Some(h) = &sell.hold {
        let live = h.status.is_live();
        lines.push(Line::from(vec![
            label("Hold"),
            Span::raw(short(&h.id).to_string()),
            Span::raw(format!(" {}", h.status)),
        ]));
        let seats = if h.labels.is_empty() { format!("{} (GA)", h.seats) } else { h.labels.join(" ") };
        lines.push(Line::from(vec![label("Seats"), Span::raw(seats)]));
        if live && sell.stage == Stage::Held {
            lines.push(Line::from(vec![label("Expires in"), countdown_span(app, h)]));
            let most = app.ctx.config.hold_extensions;
            let left = most.saturating_sub(h.extensions);
            let extend = key(&SELL_HOLD, Action::ExtendHold);
            let text = match (left, h.extensions) {
                (0, _) => format!("extended {}×: no more", h.extensions),
                (_, 0) => format!("{extend} extends it ({left} left)"),
                (_, n) => format!("extended {n}×; {extend} again ({left} left)"),
            };
            lines.push(Line::from(vec![label(""), Span::styled(text, Style::new().fg(Color::Gray))]));
        }
    }
    if let Some(c) = &sell.customer {
        let contact = c.email.clone().or_else(|| c.phone.clone()).unwrap_or_default();
        lines.push(Line::from(vec![label("Customer"), Span::raw(format!("{} <{contact}>", c.name))]));
    }
    if let Some(b) = &sell.booking {
        lines.push(Line::from(""));
        lines.push(Line::from(vec![label("Booking"), Span::raw(short(&b.id).to_string())]));
        lines.push(Line::from(vec![label("Status"), status_span(b.status)]));
        lines.push(Line::from(vec![label("Amount"), Span::raw(Money(b.amount).format(&b.currency)).bold()]));
        if b.status == BookingStatus::PaymentPending {
            let left = countdown(app, b.payment_expires_at);
            lines
                .push(Line::from(vec![label("Pay within"), Span::styled(left, Style::new().fg(Color::Yellow).bold())]));
            lines.push(Line::from(""));
            let button = |outcome, text| format!(" {} {text} ", key(&SELL_PAYMENT, Action::Pay(outcome)));
            lines.push(Line::from(vec![
                Span::styled(
                    button(PaymentOutcome::Success, "SUCCESS"),
                    Style::new().fg(Color::Black).bg(Color::Green),
                ),
                Span::raw(" "),
                Span::styled(button(PaymentOutcome::Failure, "FAILURE"), Style::new().fg(Color::White).bg(Color::Red)),
                Span::raw(" "),
                Span::styled(
                    button(PaymentOutcome::Timeout, "TIMEOUT"),
                    Style::new().fg(Color::Black).bg(Color::Yellow),
                ),
            ]));
            if sell.pay_seq > 0 {
                lines.push(Line::from(format!("{} attempt(s) so far", sell.pay_seq)).fg(Color::Gray));
            }
        }
        if sell.stage == Stage::Done {
            if let Some(t) = &sell.transaction_id {
                lines.push(Line::from(vec![label("Txn"), Span::raw(t.clone())]));
            }
            lines.push(Line::from(vec![label("Booking id"), Span::raw(b.id.clone())]));
            lines.push(Line::from(vec![label("Correl. id"), Span::raw(b.correlation_id.clone())]));
        }
        if sell.stage == Stage::Done && sell.outcome() == Outcome::Declined && sell.customer.is_some() {
            let again = key(&SELL_DECLINED, Action::SellAgain);
            lines.push(Line::from(""));
            lines.push(
                Line::from(format!("{again}: the same seats to the same customer again, if still free"))
                    .fg(Color::Cyan),
            );
        }
        if let Some(r) = &sell.refund {
            lines.push(Line::from(vec![
                label("Refund"),
                Span::raw(format!("{} {} {}", r.kind, Money(r.amount).format(&b.currency), r.status)),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(Block::bordered().title(title)), area);
}

pub fn status_span(s: BookingStatus) -> Span<'static> {
    let color = match s {
        BookingStatus::PaymentPending => Color::Yellow,
        BookingStatus::Confirmed => Color::Green,
        BookingStatus::PaymentFailed => Color::Red,
        BookingStatus::Expired => Color::DarkGray,
        BookingStatus::Cancelled => Color::Magenta,
    };
    Span::styled(s.as_str(), Style::new().fg(color).bold())
}
