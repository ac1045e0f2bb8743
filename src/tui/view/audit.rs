//! The Audit screen: the trail newest first, filtered; retries marked with
//! the row they replayed; the JSON log's path and how far shipping has got.

use crate::ids::short;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::{AUDIT, key};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let a = &app.office.audit;
    let [bar, list, detail, log] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(5), Constraint::Length(3), Constraint::Length(1)])
            .areas(area);
    let text = if a.filter.active || !a.filter.text().is_empty() {
        super::text_line(&a.filter, 60)
    } else {
        format!("({} to type)", key(&AUDIT, Action::StartFilter))
    };
    let mut spans = vec![" Filter ".bold(), Span::raw(format!("{}: ", a.field.label())), Span::raw(text)];
    if a.back.is_some() {
        spans.push(format!("   {}: back to the booking", key(&AUDIT, Action::Back)).fg(Color::Cyan));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), bar);

    // Narrow terminals drop the date and the actor.
    let wide = list.width >= 110;
    let rows = a.rows.iter().map(|r| {
        let change = match (&r.from_status, &r.to_status) {
            (Some(f), Some(t)) => format!("{f} → {t}"),
            (None, Some(t)) => format!("→ {t}"),
            _ => String::new(),
        };
        let action = if r.is_retry {
            format!("↻ {} (retry of {})", r.action, r.original_attempt_id.as_deref().map_or("?", short))
        } else {
            r.action.clone()
        };
        let when = app.local(r.at).format(if wide { "%d %b %H:%M:%S" } else { "%H:%M:%S" }).to_string();
        let mut cells = vec![
            Cell::from(when),
            Cell::from(action),
            Cell::from(format!("{} {}", r.entity, short(&r.entity_id))),
            Cell::from(change),
            Cell::from(r.correlation_id.as_deref().map_or("", short).to_string()),
        ];
        if wide {
            cells.push(Cell::from(r.actor.clone()));
        }
        Row::new(cells).style(if r.is_retry { Style::new().fg(Color::Yellow) } else { Style::new() })
    });
    let (widths, header) = if wide {
        (
            vec![
                Constraint::Length(15),
                Constraint::Min(24),
                Constraint::Length(17),
                Constraint::Length(26),
                Constraint::Length(9),
                Constraint::Length(16),
            ],
            vec!["When", "Action", "Entity", "Change", "Correl.", "By"],
        )
    } else {
        (
            vec![
                Constraint::Length(8),
                Constraint::Min(20),
                Constraint::Length(12),
                Constraint::Length(18),
                Constraint::Length(8),
            ],
            vec!["When", "Action", "Entity", "Change", "Correl."],
        )
    };
    let table = Table::new(rows, widths)
        .header(Row::new(header).bold())
        .block(Block::bordered().title(format!(" Audit trail, newest first ({}) ", a.rows.len())))
        .row_highlight_style(Style::new().reversed())
        .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected((!a.rows.is_empty()).then_some(a.sel));
    frame.render_stateful_widget(table, list, &mut state);

    let mut lines = Vec::new();
    if let Some(r) = a.selected() {
        if r.is_retry {
            let orig = r.original_attempt_id.as_deref().unwrap_or("?");
            lines.push(Line::from(match a.original_of(r) {
                Some((_, o)) => Span::styled(
                    format!(
                        "Retry of {} {} at {} → {} (o selects it)",
                        o.action,
                        short(orig),
                        app.local(o.at).format("%H:%M:%S"),
                        o.to_status.as_deref().unwrap_or("-")
                    ),
                    Style::new().fg(Color::Yellow),
                ),
                None => Span::styled(format!("Retry of {orig} (not in this list)"), Style::new().fg(Color::Yellow)),
            }));
        }
        lines.push(Line::from(format!("#{} {} {}", r.seq, r.id, r.details)));
    }
    frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(" Selected ")), detail);

    let path = match &app.info.audit_log_dir {
        Some(dir) => dir.join(format!("audit.{}.jsonl", app.now.format("%Y-%m-%d"))).display().to_string(),
        None => "(in memory: scripted run)".into(),
    };
    let shipped = if a.backlog == 0 {
        Span::styled("shipped: up to date", Style::new().fg(Color::Green))
    } else {
        Span::styled(format!("shipping: {} rows behind", a.backlog), Style::new().fg(Color::Yellow).bold())
    };
    frame.render_widget(Paragraph::new(Line::from(vec![Span::raw(format!(" JSON log: {path}  ")), shipped])), log);
}
