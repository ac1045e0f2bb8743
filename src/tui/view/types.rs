//! Ticket types on screen: an event's types screen, and the counter's
//! count per type (general admission's quantity, or a hold's seats).

use super::cells::{self, Col};
use crate::domain::Money;
use crate::tui::action::Action;
use crate::tui::app::{App, Sell, Stage};
use crate::tui::keymap::{TYPES, key};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, HighlightSpacing, Paragraph, TableState};

/// The counter's rows: one per type on sale (`▶` on the one the keys set),
/// its count, its price, what its limit leaves (red when the count is over
/// it), then the amount — or why the counts cannot be booked — in `width` columns.
pub fn counter_lines(sell: &Sell, width: usize) -> Vec<Line<'static>> {
    let currency = &sell.event.currency;
    let held = sell.stage == Stage::Held;
    let sel = sell.selected_type();
    let mut lines = Vec::new();
    let mut notes = Vec::new();
    for (i, t) in sell.types.iter().enumerate() {
        let n = sell.count(i);
        let name = &t.ticket_type.name;
        let over = t.left.is_some_and(|left| u64::from(n) > left);
        let marker = if i == sel { "▶ " } else { "  " };
        let fixed = format!("{marker}{n:>2} × ");
        let price = format!(" {}", Money(t.ticket_type.price).format(currency));
        let suffix = match t.left {
            Some(l) => format!(" · {l} left"),
            None if i == 0 && held => " · the rest".to_string(),
            None => String::new(),
        };
        // The name whole if it can be: what its limit leaves goes under the list instead.
        let fits = cells::width(&fixed) + cells::width(name) + cells::width(&price) + cells::width(&suffix) <= width;
        let tail = if fits { format!("{price}{suffix}") } else { price };
        if !fits && !suffix.is_empty() && (i == sel || over || i == 0) {
            notes.push((format!("{name}{}", suffix.replacen(" ·", ":", 1)), over));
        }
        let room = width.saturating_sub(cells::width(&fixed) + cells::width(&tail)).max(4);
        let style = if over {
            Style::new().fg(Color::Red).bold()
        } else if i == sel {
            Style::new().bold()
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(fixed, style),
            Span::styled(cells::fit(name, room), style),
            Span::styled(tail, if over { style } else { Style::new().fg(Color::Gray) }),
        ]));
    }
    for (note, over) in notes {
        let style = if over { Style::new().fg(Color::Red).bold() } else { Style::new().fg(Color::Gray) };
        lines.push(Line::from(Span::styled(cells::fit(&format!("  {note}"), width), style)));
    }
    match (sell.mix_problem(), sell.amount()) {
        (None, Some(amount)) => lines.push(Line::from(vec![
            Span::styled(format!("{:<11}", "Amount"), Style::new().fg(Color::Gray)),
            Span::raw(Money(amount).format(currency)).bold(),
        ])),
        (Some(why), _) => {
            for l in cells::wrap(&format!("✗ {why}"), width) {
                lines.push(Line::from(l.red()));
            }
        }
        (None, None) => {}
    }
    lines
}

/// The types screen: every type of the event, retired ones dimmed.
pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(t) = &app.types else { return };
    let [bar, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    let hint = format!(
        " {} · {} retires: a type is never deleted, past sales keep it",
        cells::date_time(app, t.event.starts_at),
        key(&TYPES, Action::RetireType)
    );
    frame.render_widget(Paragraph::new(cells::fit(&hint, bar.width as usize).fg(Color::Gray)), bar);
    let currency = &t.event.currency;
    let rows: Vec<[String; 5]> = t
        .rows
        .iter()
        .map(|r| {
            let tt = &r.ticket_type;
            [
                tt.name.clone(),
                Money(tt.price).format(currency),
                tt.limit.map_or("none".to_string(), |l| l.to_string()),
                match (tt.on_sale(), tt.limit, r.left) {
                    (false, ..) => "-".to_string(),
                    (true, Some(_), Some(left)) => left.to_string(),
                    _ => "no limit".to_string(),
                },
                if tt.on_sale() { "on sale" } else { "retired" }.to_string(),
            ]
        })
        .collect();
    let col = |i: usize| rows.iter().map(move |r| r[i].as_str());
    let cols = [
        Col::flex("Type", 10, col(0)),
        Col::whole("Price", col(1)).right(),
        Col::whole("Limit", col(2)).right(),
        Col::whole("Left", col(3)).right(),
        Col::whole("", col(4)),
    ];
    let block = Block::bordered().title(format!(" Ticket types · {} ", cells::fit(&t.event.name, 60)));
    let avail = block.inner(list).width.saturating_sub(2) as usize;
    let (keep, cols, widths) = cells::give_way(&cols, &[&[0, 1, 2, 3, 4]], avail);
    let body = t
        .rows
        .iter()
        .zip(&rows)
        .map(|(r, cells)| {
            let style = if r.ticket_type.on_sale() { Style::new() } else { Style::new().fg(Color::DarkGray) };
            (keep.iter().map(|i| (cells[*i].clone(), Style::new())).collect(), style)
        })
        .collect();
    let table = cells::table(&cols, &widths, body)
        .block(block)
        .row_highlight_style(Style::new().reversed())
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default().with_selected((!t.rows.is_empty()).then_some(t.sel));
    frame.render_stateful_widget(table, list, &mut state);
}
