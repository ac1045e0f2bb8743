//! The Jobs screen: each background job's last run, result, records
//! processed, runs skipped for another process's lease, and when it is next due.

use crate::domain::JobRunStatus;
use crate::jobs::NextDue;
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let j = &app.office.jobs;
    // A job whose last run failed is said in words under the table, whole:
    // the Result column is too narrow for the reason; then what a job's last
    // run left (the daily backup's file).
    let notes: Vec<Line> = j
        .rows
        .iter()
        .filter_map(|s| {
            let run = s.last.as_ref().filter(|r| r.status == JobRunStatus::Failed)?;
            let why = run.error.as_deref().unwrap_or("no reason recorded");
            let since = app.local(run.started_at).format("%H:%M:%S");
            Some(Line::from(format!(" ✗ {} failing ({since}): {why}", s.job.title()).fg(Color::Red).bold()))
        })
        .chain(j.rows.iter().filter_map(|s| Some(Line::from(format!(" {}: {}", s.job.title(), s.detail.as_ref()?)))))
        .collect();
    let [list, help] = Layout::vertical([Constraint::Min(5), Constraint::Length(3 + notes.len() as u16)]).areas(area);
    let rows = j.rows.iter().map(|s| {
        let (when, result, processed) = match &s.last {
            Some(run) => {
                let color = match run.status {
                    JobRunStatus::Completed => Color::Green,
                    JobRunStatus::Failed => Color::Red,
                    JobRunStatus::Running | JobRunStatus::Skipped => Color::Yellow,
                };
                let result = match &run.error {
                    Some(e) => format!("{} {e}", run.status),
                    None => run.status.to_string(),
                };
                (
                    app.local(run.started_at).format("%H:%M:%S").to_string(),
                    Cell::from(result).style(Style::new().fg(color)),
                    run.processed.to_string(),
                )
            }
            None => ("never".into(), Cell::from("-"), "-".into()),
        };
        let next = match &s.next {
            NextDue::Now => "now (next tick)".to_string(),
            NextDue::At(t) => format!("{} (in {})", app.local(*t).format("%H:%M:%S"), super::countdown(app, *t)),
            NextDue::Idle(why) => why.to_string(),
        };
        Row::new(vec![
            Cell::from(s.job.title()),
            Cell::from(when),
            result,
            Cell::from(processed),
            Cell::from(s.skipped.to_string()).style(if s.skipped > 0 {
                Style::new().fg(Color::Yellow)
            } else {
                Style::new()
            }),
            Cell::from(next),
        ])
    });
    let widths = [
        Constraint::Length(18),
        Constraint::Length(8),
        Constraint::Min(9),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Min(20),
    ];
    let table = Table::new(rows, widths)
        .header(Row::new(["Job", "Last run", "Result", "Processed", "Skip 1h", "Next due"]).bold())
        .block(Block::bordered().title(" Background jobs "))
        .row_highlight_style(Style::new().reversed());
    let mut state = TableState::default().with_selected((!j.rows.is_empty()).then_some(j.sel));
    frame.render_stateful_widget(table, list, &mut state);
    frame.render_widget(
        Paragraph::new(
            notes
                .into_iter()
                .chain([
                    Line::from(" r  run recovery now      s  run the sweeps now (expiry, refunds, shipping, pruning)"),
                    Line::from(
                        " Skip 1h = runs skipped in the last hour: another process held the job's lease."
                            .fg(Color::Gray),
                    ),
                ])
                .collect::<Vec<_>>(),
        )
        .block(Block::bordered()),
        help,
    );
}
