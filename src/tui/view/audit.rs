//! The Audit screen: the trail newest first, filtered; retries marked with
//! the row they replayed; the JSON log's path and how far shipping has got.

use super::cells::{self, Change, Col};
use crate::ids::short;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::{AUDIT, key};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, HighlightSpacing, Paragraph, TableState};

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

    // Columns give way in this order when the terminal is narrow: the actor,
    // then the date (the time alone today), then booking statuses take their
    // short forms (legend under the table), then the correlation id, then only
    // the status reached is shown; the action shrinks (cut with …) down to 12
    // columns. Statuses are never cut.
    let block = Block::bordered().title(format!(" Audit trail, newest first ({}) ", a.rows.len()));
    let avail = block.inner(list).width.saturating_sub(2) as usize;
    let fixed: Vec<[String; 4]> = a
        .rows
        .iter()
        .map(|r| {
            let action = if r.is_retry {
                format!("↻ {} (retry of {})", r.action, r.original_attempt_id.as_deref().map_or("?", short))
            } else {
                r.action.clone()
            };
            let entity = format!("{} {}", r.entity, short(&r.entity_id));
            [action, entity, r.correlation_id.as_deref().map_or("", short).to_string(), r.actor.clone()]
        })
        .collect();
    let whens = |long: bool| -> Vec<String> {
        a.rows
            .iter()
            .map(|r| {
                if long {
                    format!("{}:{}", cells::day_time(app, r.at), app.local(r.at).format("%S"))
                } else {
                    cells::when_short(app, r.at)
                }
            })
            .collect()
    };
    let changes = |mode| -> Vec<String> {
        a.rows.iter().map(|r| cells::change_text(r.from_status.as_deref(), r.to_status.as_deref(), mode)).collect()
    };
    let variants: [(bool, Change, &[usize]); 6] = [
        (true, Change::Full, &[0, 1, 2, 3, 4, 5]),
        (true, Change::Full, &[0, 1, 2, 3, 4]),
        (false, Change::Full, &[0, 1, 2, 3, 4]),
        (false, Change::Short, &[0, 1, 2, 3, 4]),
        (false, Change::Short, &[0, 1, 2, 3]),
        (false, Change::To, &[0, 1, 2, 3]),
    ];
    let mut chosen = None;
    for (long, mode, keep) in variants {
        let (when, change) = (whens(long), changes(mode));
        let all = [
            Col::whole("When", when.iter().map(String::as_str)),
            Col::flex("Action", 12, fixed.iter().map(|f| f[0].as_str())),
            Col::whole("Entity", fixed.iter().map(|f| f[1].as_str())),
            Col::whole("Change", change.iter().map(String::as_str)),
            Col::whole("Correl.", fixed.iter().map(|f| f[2].as_str())),
            Col::flex("By", 8, fixed.iter().map(|f| f[3].as_str())),
        ];
        let (keep, cols, widths) = cells::give_way(&all, &[keep], avail);
        let fits = cells::widths(&cols, avail).is_some();
        chosen = Some((mode, when, change, keep, cols, widths));
        if fits {
            break;
        }
    }
    let Some((mode, when, change, keep, cols, widths)) = chosen else { return };
    let body = a
        .rows
        .iter()
        .zip(fixed)
        .zip(when.into_iter().zip(change))
        .map(|((r, [action, entity, correl, by]), (when, change))| {
            let all = [when, action, entity, change, correl, by];
            let cells = keep.iter().map(|i| (all[*i].clone(), Style::new())).collect();
            (cells, if r.is_retry { Style::new().fg(Color::Yellow) } else { Style::new() })
        })
        .collect();
    let block = if mode == Change::Full {
        block
    } else {
        block.title_bottom(Line::from(format!(" {} ", cells::LEGEND)).fg(Color::Gray))
    };
    let table = cells::table(&cols, &widths, body)
        .block(block)
        .row_highlight_style(Style::new().reversed())
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
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
