//! The Sell screen: the seat map (or a quantity), and the panel for the
//! sale's stage: hold countdown, payment buttons, receipt.

use super::cells;
use super::countdown;
use crate::domain::Hold;
use crate::domain::event::row_letter;
use crate::domain::{BookingStatus, Money, PaymentOutcome, SeatState};
use crate::ids::short;
use crate::tui::action::Action;
use crate::tui::app::{App, Outcome, Sell, Stage};
use crate::tui::keymap::{SELL_CLOSED, SELL_DECLINED, SELL_HOLD, SELL_PAYMENT, SELL_QUANTITY, SELL_SEATS, key};
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
    // The title: the name (cut with … to leave room) and the date, whole.
    let when = cells::date_time(app, e.starts_at);
    let room = (left.width as usize).saturating_sub(4 + 3 + cells::width(&when));
    let block = Block::bordered().title(format!(" {} · {when} ", cells::fit(&e.name, room)));
    let inner = block.inner(left);
    frame.render_widget(block, left);
    // The money and seats, whole, on as many lines as they need.
    let parts = [format!("{} a seat", Money(e.price).format(&e.currency)), format!("{}/{} left", e.available, e.total)];
    let mut lines: Vec<Line<'_>> = cells::pack(&parts, inner.width as usize).into_iter().map(Line::from).collect();
    if let Some(why) = closed(app, sell) {
        let back = key(&SELL_CLOSED, Action::Back);
        let banner = format!("✗ {why} · {back} back");
        for l in cells::wrap(&banner, inner.width as usize) {
            lines.push(Line::from(Span::styled(l, Style::new().fg(Color::White).bg(Color::Red).bold())));
        }
    }
    let top = (lines.len() as u16).min(inner.height);
    frame.render_widget(Paragraph::new(lines), Rect { height: top, ..inner });
    let rest = Rect { y: inner.y + top, height: inner.height - top, ..inner };
    // The receipt: the tickets, one at a time with its QR code, where the map was.
    if sell.stage == Stage::Done && !sell.tickets.is_empty() {
        let currency = sell.booking.as_ref().map_or(e.currency.as_str(), |b| b.currency.as_str());
        super::tickets::draw_receipt(frame, app, &sell.tickets, sell.ticket_page, currency, rest);
    } else if sell.map.is_some() {
        draw_map(frame, sell, rest);
    } else {
        draw_quantity(frame, sell, rest);
    }
    draw_panel(frame, app, sell, right);
}

/// Why this sale is read-only, if it is: still choosing, and the event has
/// started or has no free seat (the keymap offers no hold keys then).
pub fn closed(app: &App, sell: &Sell) -> Option<String> {
    (sell.stage == Stage::Choose).then(|| sell.event.closed_reason(app.now)).flatten()
}

fn seat_style(state: SeatState, picked: bool) -> (&'static str, Style) {
    match (state, picked) {
        (SeatState::Free, true) => ("*", Style::new().fg(Color::Black).bg(Color::Yellow)),
        (SeatState::Free, false) => ("o", Style::new().fg(Color::Green)),
        (SeatState::Held, _) => ("h", Style::new().fg(Color::Magenta)),
        (SeatState::Sold, _) => ("x", Style::new().fg(Color::Red)),
    }
}

/// The first of `len` places to show when `shown` fit and the cursor is at
/// `at`: whole pages, the last one ending at the last place, so the cursor
/// is always in view and the window only moves when it leaves it.
pub fn window(at: usize, len: usize, shown: usize) -> usize {
    if shown == 0 || len <= shown { 0 } else { ((at / shown) * shown).min(len - shown) }
}

/// Lines of the map area that are not seat rows: stage, seat numbers, the
/// part shown, the legend, the cursor and picked seats.
const MAP_CHROME: usize = 5;

/// The seat map, scrolled to keep the cursor in view: row letters on the
/// left and seat numbers on top are always drawn for the part shown, and a
/// line says which part that is.
fn draw_map(frame: &mut Frame<'_>, sell: &Sell, area: Rect) {
    let Some(map) = &sell.map else { return };
    let rows = map.rows.len();
    let cols = map.rows.first().map_or(0, Vec::len);
    let room = (area.width as usize).saturating_sub(4);
    // Three columns a seat when every seat fits so, else two (and scroll if need be).
    let w = if cols * 3 <= room { 3 } else { 2 };
    let shown_cols = (room / w).clamp(1, cols.max(1));
    let shown_rows = (area.height as usize).saturating_sub(MAP_CHROME).clamp(1, rows.max(1));
    let c0 = window(sell.cursor.1, cols, shown_cols);
    let r0 = window(sell.cursor.0, rows, shown_rows);
    let (c1, r1) = ((c0 + shown_cols).min(cols), (r0 + shown_rows).min(rows));

    let mut lines = Vec::new();
    lines.push(Line::from(format!("{:^width$}", "── STAGE ──", width = 3 + (c1 - c0) * w)).fg(Color::Gray));
    let mut numbers = String::from("   ");
    for n in c0 + 1..=c1 {
        // Two-column seats have no room between numbers: label 5, 10, … and
        // the first shown, unless a label follows right after it.
        if w >= 3 || n % 5 == 0 || (n == c0 + 1 && (n + 1) % 5 != 0) {
            numbers.push_str(&format!("{n:>w$}"));
        } else {
            numbers.push_str(&" ".repeat(w));
        }
    }
    lines.push(Line::from(numbers).fg(Color::Gray));
    for (r, row) in map.rows.iter().enumerate().take(r1).skip(r0) {
        let mut spans = vec![Span::styled(format!(" {} ", row_letter(r as u32)), Style::new().bold())];
        for (c, state) in row.iter().enumerate().take(c1).skip(c0) {
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
    let last_row = row_letter(rows.saturating_sub(1) as u32);
    let part = if (c0, c1, r0, r1) == (0, cols, 0, rows) {
        format!("All {cols} seats of rows A–{last_row}")
    } else {
        let rows_part = if (r0, r1) == (0, rows) {
            format!("rows A–{last_row}")
        } else {
            format!("rows {}–{} of A–{last_row}", row_letter(r0 as u32), row_letter(r1.saturating_sub(1) as u32))
        };
        format!("Seats {}–{c1} of {cols} · {rows_part}", c0 + 1)
    };
    lines.push(Line::from(cells::fit(&part, area.width as usize)).fg(Color::Cyan));
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
    let picked = if picked.is_empty() { "none".to_string() } else { picked.join(" ") };
    // Picked seats last: a long list is cut (…) at the edge, not the quantity.
    let head = format!("Cursor {cursor} · quantity ");
    let quantity = quantity_span(sell, Style::new());
    let room = (area.width as usize).saturating_sub(head.chars().count() + quantity.width());
    lines.push(Line::from(vec![
        Span::raw(head),
        quantity,
        Span::raw(cells::fit(&format!(" · picked: {picked}"), room)),
    ]));
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_quantity(frame: &mut Frame<'_>, sell: &Sell, area: Rect) {
    let e = &sell.event;
    if sell.sells_types() {
        // The counts are the quantity: one row per type, then the sum (the
        // hold's panel shows them once the places are held).
        let mut lines = vec![Line::from(""), Line::from("General admission: how many of each type.".fg(Color::Gray))];
        lines.push(Line::from(""));
        if sell.stage == Stage::Choose {
            lines.extend(super::types::counter_lines(sell, (area.width as usize).min(60)));
        }
        lines.push(Line::from(vec!["Quantity: ".bold(), quantity_span(sell, Style::new().reversed())]));
        lines.push(Line::from(""));
        lines.push(Line::from(format!("{} of {} places left", e.available, e.total)));
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
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
    let too_many = sell.too_many().is_some();
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
        let hint = if let Some(why) = closed(app, sell) {
            format!("Nothing can be held here. {why}.")
        } else if sell.map.is_some() {
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
        let seats =
            if h.labels.is_empty() { format!("{} (GA)", h.seats) } else { crate::domain::event::label_runs(&h.labels) };
        lines.push(Line::from(vec![label("Seats"), Span::raw(seats)]));
        if live && sell.stage == Stage::Held {
            lines.push(Line::from(vec![label("Expires in"), countdown_span(app, h)]));
            let most = app.policy().hold_extensions;
            let left = most.saturating_sub(h.extensions);
            let extend = key(&SELL_HOLD, Action::ExtendHold);
            let text = match (left, h.extensions) {
                (0, _) => format!("extended {}×: no more", h.extensions),
                (_, 0) => format!("{extend} extends it ({left} left)"),
                (_, n) => format!("extended {n}×; {extend} again ({left} left)"),
            };
            lines.push(Line::from(vec![label(""), Span::styled(text, Style::new().fg(Color::Gray))]));
            // Several types: how many of each, and what they come to, before booking.
            if sell.sells_types() {
                lines.push(Line::from(""));
                lines.push(Line::from(format!("Tickets for {} seat(s)", h.seats).bold()));
                lines.extend(super::types::counter_lines(sell, area.width.saturating_sub(2) as usize));
            }
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
    Span::styled(s.as_str(), status_style(s))
}

/// A booking status's colour, wherever it is shown.
pub fn status_style(s: BookingStatus) -> Style {
    let color = match s {
        BookingStatus::PaymentPending => Color::Yellow,
        BookingStatus::Confirmed => Color::Green,
        BookingStatus::PaymentFailed => Color::Red,
        BookingStatus::Expired => Color::DarkGray,
        BookingStatus::Cancelled => Color::Magenta,
    };
    Style::new().fg(color).bold()
}
