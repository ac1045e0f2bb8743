//! The events list: date, price, seats left and a fill bar.

use super::fill_bar;
use crate::domain::Money;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::{EVENTS, key};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let [filter, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    let f = &app.event_filter;
    let filter_line = if f.active || !f.text().is_empty() {
        Line::from(vec![" Filter: ".bold(), super::text_line(f, filter.width.saturating_sub(9) as usize).into()])
    } else {
        Line::from(format!(" {} to filter by name", key(&EVENTS, Action::StartFilter)).fg(Color::Gray))
    };
    frame.render_widget(Paragraph::new(filter_line), filter);

    let header = Row::new(["Event", "Starts", "Price", "Seats left", "Sold", ""]).style(Style::new().bold());
    let rows = app.events.iter().map(|e| {
        let used = e.total - e.available;
        let past = e.starts_at <= app.now;
        let state = if past {
            "past".to_string()
        } else if e.available == 0 {
            "SOLD OUT".to_string()
        } else {
            format!("{} / {}", e.available, e.total)
        };
        let style = if past {
            Style::new().fg(Color::DarkGray)
        } else if e.available == 0 {
            Style::new().fg(Color::Red)
        } else {
            Style::new()
        };
        Row::new(vec![
            Cell::from(e.name.clone()),
            Cell::from(app.local(e.starts_at).format("%a %d %b %H:%M").to_string()),
            Cell::from(Money(e.price).format(&e.currency)),
            Cell::from(state),
            Cell::from(fill_bar(used, e.total, 10)).style(Style::new().fg(Color::Cyan)),
            Cell::from(if e.kind.is_reserved() { "reserved" } else { "GA" }),
        ])
        .style(style)
    });
    let widths = [
        Constraint::Min(24),
        Constraint::Length(17),
        Constraint::Length(13),
        Constraint::Length(12),
        Constraint::Length(10),
        Constraint::Length(8),
    ];
    let title = format!(" Events ({}) ", app.events.len());
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::bordered().title(title))
        .row_highlight_style(Style::new().reversed())
        .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected((!app.events.is_empty()).then_some(app.event_sel));
    frame.render_stateful_widget(table, list, &mut state);
    if app.events.is_empty() {
        let inner = list.inner(ratatui::layout::Margin { horizontal: 2, vertical: 2 });
        let text = if app.event_filter.text().is_empty() {
            format!("No events yet. Press {} to create one.", key(&EVENTS, Action::NewEvent))
        } else {
            format!("No event matches the filter ({} clears it).", key(&EVENTS, Action::Back))
        };
        frame.render_widget(Paragraph::new(text.fg(Color::Gray)), inner);
    }
}
