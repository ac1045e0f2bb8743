//! Modals: help, forms and the cancel confirmation.

use crate::domain::Money;
use crate::ids::short;
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay};
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
                    app.ctx.config.over_defaults().refund_percent
                ),
                None => "Nothing was charged: no refund.".to_string(),
            };
            let (yes, no) = (
                keymap::key(&keymap::CONFIRM, Action::Confirm(true)),
                keymap::key(&keymap::CONFIRM, Action::Confirm(false)),
            );
            let lines = vec![
                Line::from(format!("Cancel booking {} ({})?", short(&booking.id), booking.status)),
                Line::from(format!("{} seat(s) go back on sale.", booking.seats)),
                Line::from(what.bold()),
                Line::from(""),
                Line::from(vec![
                    Span::styled(format!(" {yes} "), Style::new().fg(Color::Black).bg(Color::Red)),
                    Span::raw(" cancel it    "),
                    Span::styled(format!(" {no} "), Style::new().fg(Color::Black).bg(Color::Green)),
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
