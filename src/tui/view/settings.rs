//! The Settings screen: every venue setting, its value and where it comes
//! from; the selected one's meaning and range below, and — while it is being
//! edited — the text box in its Value cell.

use super::cells::{fit, wrap};
use crate::domain::{SettingKey, Source};
use crate::tui::app::App;
use crate::tui::settings::{shown, source_text};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, HighlightSpacing, Paragraph, Row, Table, TableState};

const KEY_WIDTH: usize = 18;

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let s = &app.settings;
    let key = s.selected();
    // Below the table: what the selected setting is, and the engine's word on a refused value.
    let inner = area.width.saturating_sub(2) as usize;
    let mut notes: Vec<Line> = Vec::new();
    notes.push(Line::from(fit(&format!("{key}: {}", key.about()), inner).bold()));
    let from = match app.venue.source(key) {
        Source::Default => "default (the venue file has no value)".to_string(),
        Source::File => "the venue file".to_string(),
        Source::Override => format!("this counter's flag or BOXOFFICE_* variable ({})", source_text(app, key)),
    };
    notes.push(Line::from(fit(&format!("values: {} · from: {from}", key.range()), inner)));
    match s.editing.as_ref().and_then(|e| e.error.as_ref()) {
        Some(why) => notes.extend(wrap(&format!("✗ {why}"), inner).into_iter().map(|l| Line::from(l.red().bold()))),
        None if s.editing.is_some() => notes.push(Line::from(
            fit("Enter saves it (checked, audited, on every counter within a second) · Esc: unchanged", inner)
                .fg(Color::Gray),
        )),
        None => {}
    }
    for p in &app.venue.problems {
        notes.push(Line::from(fit(&format!("! {p}"), inner).yellow()));
    }
    let rows_needed = SettingKey::ALL.len() as u16 + 3;
    let [list, help] =
        Layout::vertical([Constraint::Min(rows_needed.min(8)), Constraint::Length(notes.len() as u16 + 2)]).areas(area);

    let from: Vec<String> = SettingKey::ALL.iter().map(|k| source_text(app, *k)).collect();
    let table_inner = list.width.saturating_sub(2) as usize;
    // Setting | Value | From, with two columns of highlight marker and two of spacing.
    let from_width = from.iter().map(|f| super::cells::width(f)).max().unwrap_or(4).clamp(4, table_inner / 3);
    let value_width = table_inner.saturating_sub(2 + KEY_WIDTH + from_width + 2).max(4);
    let rows = SettingKey::ALL.iter().zip(&from).enumerate().map(|(i, (k, f))| {
        let value = match s.editing.as_ref().filter(|_| i == s.sel) {
            Some(e) => {
                let (before, after) = e.input.window(value_width);
                Cell::from(format!("{before}{}{after}", super::CARET))
                    .style(Style::new().fg(Color::Black).bg(Color::Cyan))
            }
            None => Cell::from(fit(&shown(&app.venue.effective.get(*k)), value_width)),
        };
        let from_style = match app.venue.source(*k) {
            Source::Override => Style::new().fg(Color::Magenta).bold(),
            Source::File => Style::new(),
            Source::Default => Style::new().fg(Color::Gray),
        };
        Row::new([Cell::from(k.as_str()), value, Cell::from(fit(f, from_width)).style(from_style)])
    });
    let title = match app.venue.effective.venue_name.as_str() {
        "" => " Venue settings ".to_string(),
        name => format!(" Venue settings · {name} "),
    };
    let table = Table::new(
        rows,
        [
            Constraint::Length(KEY_WIDTH as u16),
            Constraint::Length(value_width as u16),
            Constraint::Length(from_width as u16),
        ],
    )
    .header(Row::new(["Setting", "Value", "From"]).style(Style::new().bold().underlined()))
    .block(Block::bordered().title(title))
    .row_highlight_style(Style::new().reversed())
    .highlight_spacing(HighlightSpacing::Always)
    .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected(Some(s.sel));
    frame.render_stateful_widget(table, list, &mut state);
    frame.render_widget(Paragraph::new(notes).block(Block::bordered()), help);
}
