//! Modals: help, forms and the cancel confirmation.

use crate::domain::{Money, TicketStatus};
use crate::ids::short;
use crate::tui::action::Action;
use crate::tui::app::{App, Confirm, Open, Overlay};
use crate::tui::form::Form;
use crate::tui::keymap::{self, HELP_KEYS, HELP_ROWS, HELP_WIDTH, HelpRow};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn draw(frame: &mut Frame<'_>, app: &App, overlay: &Overlay, area: Rect) {
    match overlay {
        Overlay::Help { scroll } => draw_help(frame, app, *scroll, area),
        Overlay::EventForm(form) | Overlay::Form(_, form) | Overlay::Prompt(_, form) => {
            draw_form(frame, form, None, area)
        }
        Overlay::CustomerForm(form) => {
            // The hold's countdown stays in view while the clerk types.
            let left = app.sell.as_ref().and_then(|s| s.live_hold()).map(|h| super::sell::countdown_span(app, h));
            draw_form(frame, form, left, area)
        }
        Overlay::Confirm(prompt) => draw_confirm(frame, app, prompt, area),
        Overlay::Notice { title, lines } => {
            let enter = keymap::key(&keymap::NOTICE, Action::Dismiss);
            let mut text: Vec<Line<'_>> = lines.iter().map(|l| Line::from(l.as_str())).collect();
            if let Some(first) = text.first_mut() {
                *first = first.clone().bold();
            }
            text.push(Line::from(""));
            text.push(Line::from(vec![
                Span::styled(format!(" {enter} "), Style::new().fg(Color::Black).bg(Color::Yellow)),
                Span::raw(" OK"),
            ]));
            let r = centered(area, 70, text.len() as u16 + 2);
            frame.render_widget(Clear, r);
            let block = Block::bordered().title(format!(" {title} ")).border_style(Style::new().fg(Color::Yellow));
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }).block(block), r);
        }
        Overlay::Quit(open) => {
            let (what, keep_until, release) = match open {
                Open::Hold(h) => (
                    format!("Hold {} of {} is still yours.", short(&h.id), seats(&h.labels, h.seats)),
                    app.local(h.expires_at).format("%H:%M").to_string(),
                    "release it now: the seats go back on sale",
                ),
                Open::Booking(b) => (
                    format!("Booking {} awaits payment ({}).", short(&b.id), Money(b.amount).format(&b.currency)),
                    app.local(b.payment_expires_at).format("%H:%M").to_string(),
                    "cancel it now: nothing was charged, seats back",
                ),
            };
            let key = |a| keymap::key(&keymap::QUIT, a);
            let lines = vec![
                Line::from(what.bold()),
                Line::from(""),
                Line::from(vec![
                    Span::styled(
                        format!(" {} ", key(Action::QuitKeeping)),
                        Style::new().fg(Color::Black).bg(Color::Yellow),
                    ),
                    Span::raw(format!(" quit; it is kept until {keep_until}")),
                ]),
                Line::from(vec![
                    Span::styled(
                        format!(" {} ", key(Action::QuitReleasing)),
                        Style::new().fg(Color::White).bg(Color::Red),
                    ),
                    Span::raw(format!(" {release}, then quit")),
                ]),
                Line::from(vec![
                    Span::styled(format!(" {} ", key(Action::Back)), Style::new().fg(Color::Black).bg(Color::Green)),
                    Span::raw(" stay"),
                ]),
            ];
            let r = centered(area, 66, lines.len() as u16 + 2);
            frame.render_widget(Clear, r);
            frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(" Quit? ")), r);
        }
    }
}

/// The tickets on screen of booking `id` (the sale's or the detail's).
fn tickets_of<'a>(app: &'a App, id: &'a str) -> impl Iterator<Item = &'a crate::domain::Ticket> {
    let sale = app.sell.iter().flat_map(|s| &s.tickets);
    let detail = app.detail.iter().flat_map(|d| &d.tickets);
    let tickets: Vec<_> = match app.screen {
        crate::tui::app::Screen::Detail => detail.collect(),
        _ => sale.collect(),
    };
    tickets.into_iter().filter(move |t| t.booking_id == id)
}

fn seats(labels: &[String], n: u32) -> String {
    if labels.is_empty() { format!("{n} place(s)") } else { labels.join(" ") }
}

/// A y/n prompt: what will happen, then the two keys.
fn draw_confirm(frame: &mut Frame<'_>, app: &App, prompt: &Confirm, area: Rect) {
    let money = |m: i64, currency: &str| Money(m).format(currency);
    let (title, yes_text, no_text, lines): (&str, &str, &str, Vec<Line<'_>>) = match prompt {
        Confirm::Cancel { booking, refund, refund_override } => {
            let share = match refund_override {
                Some(o) => format!("override {}%, policy {}%", o.percent, app.policy().refund_percent),
                None => format!("{}% policy", app.policy().refund_percent),
            };
            let what = match refund {
                Some(s) => format!(
                    "Refund {} of {} (fee {}, {share}).",
                    money(s.refund, &booking.currency),
                    money(booking.amount, &booking.currency),
                    money(s.fee, &booking.currency),
                ),
                None => "Nothing was charged: no refund.".to_string(),
            };
            let mut lines = vec![
                Line::from(format!("Cancel booking {} ({})?", short(&booking.id), booking.status)),
                Line::from(format!("{} seat(s) go back on sale.", booking.seats)),
                Line::from(what.bold()),
            ];
            match refund_override {
                Some(o) => lines.push(Line::from(format!("Reason: {}", o.reason))),
                None if refund.is_some() => {
                    let o = keymap::key(&keymap::CANCEL_CONFIRM, Action::OverrideRefund);
                    lines.push(Line::from(format!("{o}: another share, with a reason (supervisor)").fg(Color::Gray)));
                }
                None => {}
            }
            let live = tickets_of(app, &booking.id).filter(|t| t.status != TicketStatus::Void).count();
            if live > 0 {
                lines.push(Line::from(format!("Its {live} ticket(s) are voided: the door refuses them.")));
            }
            (" Cancel booking ", "cancel it", "keep it", lines)
        }
        Confirm::CancelAdmitted { booking, warning, .. } => {
            let lines = vec![
                Line::from(format!("Booking {} was already at the door.", short(&booking.id))),
                Line::from(Span::styled(format!("{warning}."), Style::new().fg(Color::Red).bold())),
                Line::from("They keep when and where they were used; nobody gets in on them again."),
                Line::from("Cancel it anyway?"),
            ];
            (" Tickets used at the door ", "cancel, void them", "keep it", lines)
        }
        Confirm::Undo { what, reason, .. } => {
            let lines = vec![
                Line::from(format!("Take back the admission of ticket {what}?").bold()),
                Line::from("It becomes VALID again: it can be admitted once more."),
                Line::from(format!("Reason: {reason}")),
            ];
            (" Undo an admission ", "undo it", "keep it admitted", lines)
        }
        Confirm::Retire { ticket_type } => {
            let currency = app.types.as_ref().map_or("", |t| t.event.currency.as_str());
            let lines = vec![
                Line::from(format!("Retire {} ({})?", ticket_type.name, money(ticket_type.price, currency)).bold()),
                Line::from("It is no longer sold; bookings already made keep it."),
                Line::from("A retired type is never deleted and cannot be put back on sale."),
            ];
            (" Retire a ticket type ", "retire it", "keep it on sale", lines)
        }
        Confirm::DisableClerk { clerk } => {
            let lines = vec![
                Line::from(format!("Disable {} ({})?", clerk.name, clerk.role).bold()),
                Line::from("They can no longer sign in; a terminal where they are signed in"),
                Line::from("can do nothing more. Their sales and audit rows stay."),
            ];
            (" Disable a clerk ", "disable", "keep them", lines)
        }
        Confirm::Fail { booking } => {
            let lines = vec![
                Line::from(format!("Record a FAILED payment for booking {}?", short(&booking.id))),
                Line::from("The booking ends PAYMENT_FAILED and its seats go back on sale."),
                Line::from(
                    format!("A full refund of {} is recorded.", money(booking.amount, &booking.currency)).bold(),
                ),
            ];
            (" Payment failed? ", "it failed", "not yet", lines)
        }
        Confirm::Release { hold } => {
            let lines = vec![
                Line::from(format!("Release hold {}?", short(&hold.id))),
                Line::from(format!("{} go back on sale now.", seats(&hold.labels, hold.seats)).bold()),
            ];
            (" Release hold ", "release", "keep it", lines)
        }
        Confirm::Erase { customer } => {
            let contact: Vec<&str> =
                [customer.email.as_deref(), customer.phone.as_deref()].into_iter().flatten().collect();
            let lines = vec![
                Line::from(format!("Erase customer {}?", customer.name).bold()),
                Line::from(contact.join(" · ")),
                Line::from(format!(
                    "Name, email and phone are replaced by \"{}\".",
                    crate::engine::erased_name(&customer.id)
                )),
                Line::from("Their bookings, amounts and tickets stay for the accounts;"),
                Line::from("the erasure is audited (by id only)."),
                Line::from("It cannot be undone; older backups still hold the details.".fg(Color::Yellow)),
            ];
            (" Erase customer ", "erase", "keep them", lines)
        }
        Confirm::Existing { customer, typed, .. } => {
            let contact = customer.email.clone().or_else(|| customer.phone.clone()).unwrap_or_default();
            let lines = vec![
                Line::from(format!("{contact} is on file as {}", customer.name).bold()),
                Line::from(format!("(you typed \"{typed}\"). The name on file is kept.")),
                Line::from("For someone else, go back and change the email or phone."),
            ];
            (" Customer on file ", "book for them", "back to the form", lines)
        }
    };
    let (yes, no) =
        (keymap::key(&keymap::CONFIRM, Action::Confirm(true)), keymap::key(&keymap::CONFIRM, Action::Confirm(false)));
    let mut lines = lines;
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled(format!(" {yes} "), Style::new().fg(Color::Black).bg(Color::Red)),
        Span::raw(format!(" {yes_text}    ")),
        Span::styled(format!(" {no} "), Style::new().fg(Color::Black).bg(Color::Green)),
        Span::raw(format!(" {no_text}")),
    ]));
    // Long amounts wrap onto another row rather than being cut.
    let inner = 66usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let r = centered(area, inner as u16 + 2, rows as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(Block::bordered().title(title)), r);
}

fn draw_form(frame: &mut Frame<'_>, form: &Form, countdown: Option<Span<'static>>, area: Rect) {
    let height = (form.fields.len() as u16) * 2 + 4;
    let r = centered(area, 74, height.min(area.height));
    frame.render_widget(Clear, r);
    let mut lines = Vec::new();
    for (i, f) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let marker = if focused { "▶ " } else { "  " };
        let value_style = if focused { Style::new().reversed() } else { Style::new() };
        let (mut before, mut after) = f.input.window(FIELD_WIDTH);
        if f.secret {
            // A PIN never shows: a dot a digit.
            (before, after) = ("•".repeat(before.chars().count()), "•".repeat(after.chars().count()));
        }
        let value = if focused {
            // The caret shows where the next key edits; long text scrolls with it.
            format!("{before}{}{after}", super::CARET)
        } else {
            before
        };
        lines.push(Line::from(vec![
            Span::raw(marker),
            Span::styled(format!("{:<14}", f.label), Style::new().bold()),
            Span::styled(format!("{value:<FIELD_WIDTH$}"), value_style),
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
    let mut title = vec![Span::raw(format!(" {} ", form.title))];
    if let Some(left) = countdown {
        title.extend([Span::raw("· hold expires in "), left, Span::raw(" ")]);
    }
    // A form taller than the screen (the event form at 80×24) scrolls to
    // keep the focused field and its hint in view.
    let inner = r.height.saturating_sub(2);
    let offset = (2 * (form.focus as u16 + 1)).saturating_sub(inner);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((offset, 0))
            .block(Block::bordered().title(Line::from(title))),
        r,
    );
}

/// Columns a form field's text takes.
const FIELD_WIDTH: usize = 40;

/// The help: the rows of `keymap::help_rows` from `scroll`, in a box that
/// fits the smallest terminal and scrolls.
fn draw_help(frame: &mut Frame<'_>, app: &App, scroll: usize, area: Rect) {
    let rows = keymap::help_rows(app);
    let shown = rows.len().min(HELP_ROWS);
    let top = scroll.min(rows.len() - shown);
    let lines: Vec<Line<'_>> = rows[top..top + shown].iter().map(help_line).collect();
    let keys: Vec<String> =
        keymap::HELP.entries.iter().filter(|e| e.footer).map(|e| format!("{} {}", e.footer_keys(), e.label)).collect();
    let mut block = Block::bordered().title(format!(" Help · {} ", keys.join(" · ")));
    if shown < rows.len() {
        block =
            block.title_bottom(Line::from(format!(" {}–{} of {} ", top + 1, top + shown, rows.len())).right_aligned());
    }
    let r = centered(area, HELP_WIDTH as u16, shown as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}

fn help_line(row: &HelpRow) -> Line<'static> {
    match row {
        HelpRow::Title(t) => Line::from(t.bold().fg(Color::Yellow)),
        HelpRow::Entry(e) => Line::from(vec![
            Span::styled(format!("  {:<w$}", e.keys_text(), w = HELP_KEYS - 2), Style::new().fg(Color::Cyan)),
            Span::raw(e.help),
        ]),
        HelpRow::Blank => Line::default(),
    }
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [r] = Layout::horizontal([Constraint::Length(width.min(area.width))]).flex(Flex::Center).areas(area);
    let [r] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(r);
    r
}
