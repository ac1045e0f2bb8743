//! The events list: date, price, seats left and a fill bar.

use super::cells::{self, Col};
use super::fill_bar;
use crate::domain::Money;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::{EVENTS, key};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, HighlightSpacing, Paragraph, TableState};

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let [filter, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    let f = &app.event_filter;
    let filter_line = if f.active || !f.text().is_empty() {
        Line::from(vec![" Filter: ".bold(), super::text_line(f, filter.width.saturating_sub(9) as usize).into()])
    } else {
        Line::from(format!(" {} to filter by name", key(&EVENTS, Action::StartFilter)).fg(Color::Gray))
    };
    frame.render_widget(Paragraph::new(filter_line), filter);

    // Columns give way in this order when the terminal is narrow: the fill
    // bar, then the seating kind; the name shrinks (cut with …) down to 12
    // columns. Start, price and seats left are never cut.
    let rows: Vec<[String; 6]> = app
        .events
        .iter()
        .map(|e| {
            let state = if e.starts_at <= app.now {
                "past".to_string()
            } else if e.available == 0 {
                "SOLD OUT".to_string()
            } else {
                format!("{} / {}", e.available, e.total)
            };
            [
                e.name.clone(),
                cells::date_time(app, e.starts_at),
                Money(e.price).format(&e.currency),
                state,
                fill_bar(e.total - e.available, e.total, 10),
                if e.kind.is_reserved() { "reserved" } else { "GA" }.to_string(),
            ]
        })
        .collect();
    let col = |i: usize| rows.iter().map(move |r| r[i].as_str());
    let all = [
        Col::flex("Event", 12, col(0)),
        Col::whole("Starts", col(1)),
        Col::whole("Price", col(2)).right(),
        Col::whole("Seats left", col(3)).right(),
        Col::whole("Sold", col(4)),
        Col::whole("", col(5)),
    ];
    let block = Block::bordered().title(format!(" Events ({}) ", app.events.len()));
    let avail = block.inner(list).width.saturating_sub(2) as usize;
    let variants: [&[usize]; 3] = [&[0, 1, 2, 3, 4, 5], &[0, 1, 2, 3, 5], &[0, 1, 2, 3]];
    let (keep, cols, widths) = cells::give_way(&all, &variants, avail);
    let body = app
        .events
        .iter()
        .zip(&rows)
        .map(|(e, r)| {
            let style = if e.starts_at <= app.now {
                Style::new().fg(Color::DarkGray)
            } else if e.available == 0 {
                Style::new().fg(Color::Red)
            } else {
                Style::new()
            };
            let cells = keep
                .iter()
                .map(|i| (r[*i].clone(), if *i == 4 { Style::new().fg(Color::Cyan) } else { Style::new() }))
                .collect();
            (cells, style)
        })
        .collect();
    let table = cells::table(&cols, &widths, body)
        .block(block)
        .row_highlight_style(Style::new().reversed())
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
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
