//! The Jobs screen: each background job's last run, result, records
//! processed, runs skipped for another process's lease, and when it is next due.

use super::cells::{self, Col};
use crate::domain::JobRunStatus;
use crate::jobs::NextDue;
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, HighlightSpacing, Paragraph, TableState};

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
    // Every column stays; when narrow, "Next due" and then the failure's
    // reason after a Result's status shrink (cut with …). A status is never cut.
    let rows: Vec<([String; 6], Color)> = j
        .rows
        .iter()
        .map(|s| {
            let (when, result, processed, color) = match &s.last {
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
                    (cells::when_short(app, run.started_at), result, run.processed.to_string(), color)
                }
                None => ("never".into(), "-".into(), "-".into(), Color::Reset),
            };
            let next = match &s.next {
                NextDue::Now => "now (next tick)".to_string(),
                NextDue::At(t) => format!("{} (in {})", app.local(*t).format("%H:%M:%S"), super::countdown(app, *t)),
                NextDue::Idle(why) => why.to_string(),
            };
            ([s.job.title().to_string(), when, result, processed, s.skipped.to_string(), next], color)
        })
        .collect();
    let col = |i: usize| rows.iter().map(move |(r, _)| r[i].as_str());
    let statuses = j.rows.iter().filter_map(|s| s.last.as_ref()).map(|run| run.status.as_str());
    let status_width = statuses.map(cells::width).max().unwrap_or(1);
    let all = [
        Col::whole("Job", col(0)),
        Col::whole("Last run", col(1)),
        Col::flex("Result", status_width, col(2)),
        Col::whole("Processed", col(3)).right(),
        Col::whole("Skip 1h", col(4)).right(),
        Col::flex("Next due", 10, col(5)),
    ];
    let block = Block::bordered().title(" Background jobs ");
    let avail = block.inner(list).width.saturating_sub(2) as usize;
    let (_, cols, widths) = cells::give_way(&all, &[&[0, 1, 2, 3, 4, 5]], avail);
    let body = j
        .rows
        .iter()
        .zip(rows)
        .map(|(s, (r, color))| {
            let skip = if s.skipped > 0 { Style::new().fg(Color::Yellow) } else { Style::new() };
            let styles = [Style::new(), Style::new(), Style::new().fg(color), Style::new(), skip, Style::new()];
            (r.into_iter().zip(styles).collect(), Style::new())
        })
        .collect();
    let table = cells::table(&cols, &widths, body)
        .block(block)
        .row_highlight_style(Style::new().reversed())
        .highlight_spacing(HighlightSpacing::Always);
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
