//! The supervisor's Clerks screen: every account with its role and whether
//! it can sign in now (active, locked until when, disabled since when).

use super::cells::{fit, width};
use crate::domain::Clerk;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, HighlightSpacing, Paragraph, Row, Table, TableState};

/// Whether the clerk can sign in now, in the venue's time, with its colour.
fn state(app: &App, c: &Clerk) -> (String, Color) {
    if !c.has_pin {
        ("never signs in (sales before clerks)".into(), Color::Gray)
    } else if let Some(at) = c.disabled_at {
        (format!("disabled since {}", super::cells::date_time(app, at)), Color::Gray)
    } else if let Some(until) = c.locked_until.filter(|u| *u > app.now) {
        (format!("locked until {} (wrong PINs)", app.local(until).format("%H:%M:%S")), Color::Red)
    } else {
        ("active".into(), Color::Green)
    }
}

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let c = &app.office.clerks;
    let [list, help] = Layout::vertical([Constraint::Min(5), Constraint::Length(3)]).areas(area);
    let inner = list.width.saturating_sub(2) as usize;
    let states: Vec<(String, Color)> = c.rows.iter().map(|k| state(app, k)).collect();
    // Role and state are whole; the name gives way (names are at most 32).
    let role_w = "supervisor".len();
    let state_w = states.iter().map(|(s, _)| width(s)).max().unwrap_or(5).max(5);
    let names: Vec<String> = c
        .rows
        .iter()
        .map(|k| match app.clerk.as_ref().is_some_and(|m| m.id() == k.id) {
            true => format!("{} (you)", k.name),
            false => k.name.clone(),
        })
        .collect();
    let name_w = names.iter().map(|n| width(n)).max().unwrap_or(4).max(4);
    let name_w = name_w.min(inner.saturating_sub(2 + role_w + state_w + 2).max(4));
    let rows = c.rows.iter().zip(&states).zip(&names).map(|((k, (s, color)), name)| {
        Row::new([
            Cell::from(fit(name, name_w)),
            Cell::from(k.role.as_str()),
            Cell::from(s.clone()).style(Style::new().fg(*color)),
        ])
    });
    let active = c.rows.iter().filter(|k| k.is_enabled()).count();
    let table = Table::new(
        rows,
        [Constraint::Length(name_w as u16), Constraint::Length(role_w as u16), Constraint::Min(state_w as u16)],
    )
    .header(Row::new(["Name", "Role", "State"]).style(Style::new().bold().underlined()))
    .block(Block::bordered().title(format!(" Clerks · {} account(s), {active} active ", c.rows.len())))
    .row_highlight_style(Style::new().reversed())
    .highlight_spacing(HighlightSpacing::Always)
    .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected((!c.rows.is_empty()).then_some(c.sel));
    frame.render_stateful_widget(table, list, &mut state);
    let key = |a| keymap::key(&keymap::CLERKS, a);
    let hint = format!(
        "{} add (PIN typed twice, hidden) · {} disable the selected clerk · {} the till",
        key(Action::AddClerk),
        key(Action::DisableClerk),
        key(Action::Back)
    );
    let text = Line::from(fit(&hint, help.width.saturating_sub(2) as usize).fg(Color::Cyan));
    frame.render_widget(Paragraph::new(text).block(Block::bordered()), help);
}
