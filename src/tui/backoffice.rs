//! The supervisor's screens — Reports, Audit and Jobs — and the CSV exports:
//! their state, how they load, and the update steps their actions take. Kept
//! apart from the clerk's screens; `app`, `update` and `input` only call in.

use crate::domain::{AuditField, AuditRow, ReportFilter};
use crate::error::Result;
use crate::export;
use crate::jobs::{self, JobStatus, RunOutcome};
use crate::report::{Report, WINDOWS};
use crate::tui::app::{App, LIST_LIMIT, Screen, Tab};
use crate::tui::form::LineInput;

/// The Reports screen: which event (0 = all, i = `events[i - 1]`) and which
/// window (`WINDOWS[window]`, 24 h to start), and the report last read.
#[derive(Debug, Clone)]
pub struct ReportsState {
    pub event: usize,
    pub window: usize,
    /// (id, name) of every event, in the order the report lists them.
    pub events: Vec<(String, String)>,
    pub report: Option<Report>,
}

impl Default for ReportsState {
    fn default() -> Self {
        ReportsState { event: 0, window: 2, events: Vec::new(), report: None }
    }
}

impl ReportsState {
    pub fn hours(&self) -> u32 {
        WINDOWS[self.window % WINDOWS.len()]
    }

    pub fn event_id(&self) -> Option<&str> {
        self.event.checked_sub(1).and_then(|i| self.events.get(i)).map(|(id, _)| id.as_str())
    }

    pub fn event_name(&self) -> &str {
        self.event.checked_sub(1).and_then(|i| self.events.get(i)).map_or("All events", |(_, n)| n.as_str())
    }

    pub fn filter(&self) -> ReportFilter {
        ReportFilter { event_id: self.event_id().map(str::to_string), hours: self.hours(), ..Default::default() }
    }
}

/// Where Esc on the Audit screen goes back to after a jump from a booking.
#[derive(Debug, Clone)]
pub struct AuditReturn {
    pub field: AuditField,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct AuditState {
    pub rows: Vec<AuditRow>,
    pub sel: usize,
    pub field: AuditField,
    pub filter: LineInput,
    /// Set when the trail was opened from a booking's detail.
    pub back: Option<AuditReturn>,
    /// Audit rows not yet shipped to the JSON log.
    pub backlog: i64,
}

impl AuditState {
    pub fn selected(&self) -> Option<&AuditRow> {
        self.rows.get(self.sel)
    }

    /// The first (non-retry) row a retry replayed, if it is in the list.
    pub fn original_of(&self, retry: &AuditRow) -> Option<(usize, &AuditRow)> {
        let orig = retry.original_attempt_id.as_deref()?;
        self.rows.iter().enumerate().rev().find(|(_, r)| !r.is_retry && r.entity_id == orig)
    }
}

#[derive(Debug, Clone, Default)]
pub struct JobsState {
    pub rows: Vec<JobStatus>,
    pub sel: usize,
}

#[derive(Debug, Clone, Default)]
pub struct BackOffice {
    pub reports: ReportsState,
    pub audit: AuditState,
    pub jobs: JobsState,
}

/// Loads what the current back-office screen shows (only that one: a report
/// over a big file is not read while the clerk sells).
pub fn load(app: &mut App) -> Result<()> {
    match app.screen {
        Screen::Reports => load_reports(app),
        Screen::Audit => load_audit(app),
        Screen::Jobs => load_jobs(app),
        _ => Ok(()),
    }
}

pub fn load_reports(app: &mut App) -> Result<()> {
    let r = &mut app.office.reports;
    let current = r.event_id().map(str::to_string);
    r.events = app.desk.events("", LIST_LIMIT)?.into_iter().map(|e| (e.id, e.name)).collect();
    // Keep the same event selected if the list moved.
    r.event = current.and_then(|id| r.events.iter().position(|(e, _)| *e == id).map(|i| i + 1)).unwrap_or(0);
    r.report = Some(app.desk.report(&r.filter())?);
    Ok(())
}

pub fn load_audit(app: &mut App) -> Result<()> {
    let a = &mut app.office.audit;
    a.rows = app.desk.audit_search(a.field, &a.filter.text, LIST_LIMIT)?;
    a.sel = a.sel.min(a.rows.len().saturating_sub(1));
    a.backlog = jobs::ship_backlog_of(&app.desk)?;
    Ok(())
}

pub fn load_jobs(app: &mut App) -> Result<()> {
    app.office.jobs.rows = jobs::job_statuses(&app.desk)?;
    let n = app.office.jobs.rows.len();
    app.office.jobs.sel = app.office.jobs.sel.min(n.saturating_sub(1));
    Ok(())
}

fn reload(app: &mut App) {
    if let Err(e) = app.reload() {
        app.error(format!("could not reload: {e}"));
    }
}

// ---- reports ----------------------------------------------------------------------

pub fn cycle_event(app: &mut App, delta: i64) {
    let r = &mut app.office.reports;
    let n = r.events.len() as i64 + 1;
    r.event = (r.event as i64 + delta).rem_euclid(n) as usize;
    reload(app);
}

pub fn cycle_window(app: &mut App, delta: i64) {
    let r = &mut app.office.reports;
    r.window = (r.window as i64 + delta).rem_euclid(WINDOWS.len() as i64) as usize;
    reload(app);
}

// ---- audit --------------------------------------------------------------------------

pub fn cycle_field(app: &mut App) {
    let a = &mut app.office.audit;
    let i = AuditField::ALL.iter().position(|f| *f == a.field).unwrap_or(0);
    a.field = AuditField::ALL[(i + 1) % AuditField::ALL.len()];
    a.sel = 0;
    reload(app);
}

/// From a booking's detail: its whole story, by correlation id. Esc comes back.
pub fn show_trail(app: &mut App) {
    let Some(d) = app.detail.as_ref() else { return };
    let (corr, booking) = (d.booking.correlation_id.clone(), d.booking.id.clone());
    let a = &mut app.office.audit;
    if a.back.is_none() {
        a.back = Some(AuditReturn { field: a.field, text: a.filter.text.clone() });
    }
    a.field = AuditField::Correlation;
    a.filter.text = corr;
    a.filter.active = false;
    a.sel = 0;
    app.tab = Tab::Audit;
    app.screen = Screen::Audit;
    reload(app);
    let n = app.office.audit.rows.len();
    app.info(format!("Audit trail of booking {}: {n} row(s) · Esc back to the booking", crate::ids::short(&booking)));
}

/// Esc on the Audit screen: back to the booking it was opened from, else clear the filter.
pub fn back(app: &mut App) {
    let a = &mut app.office.audit;
    if let Some(ret) = a.back.take() {
        a.field = ret.field;
        a.filter.text = ret.text;
        a.sel = 0;
        app.tab = Tab::Bookings;
        app.screen = if app.detail.is_some() { Screen::Detail } else { Screen::Bookings };
        reload(app);
    } else if !a.filter.text.is_empty() || a.field != AuditField::Any {
        a.filter.text.clear();
        a.field = AuditField::Any;
        a.sel = 0;
        reload(app);
    }
}

/// Moves the selection to the row a selected retry replayed.
pub fn show_original(app: &mut App) {
    let a = &app.office.audit;
    let Some(row) = a.selected() else { return };
    if !row.is_retry {
        app.info("This row is not a retry");
        return;
    }
    let orig_id = row.original_attempt_id.clone().unwrap_or_default();
    match a.original_of(row).map(|(i, _)| i) {
        Some(i) => {
            app.office.audit.sel = i;
            app.info(format!("Original of the retry: {}", crate::ids::short(&orig_id)));
        }
        None => app.error(format!(
            "The original ({}) is not in this list; filter by its correlation id",
            crate::ids::short(&orig_id)
        )),
    }
}

// ---- jobs ---------------------------------------------------------------------------

fn outcome_text(o: &RunOutcome) -> String {
    match o {
        RunOutcome::Completed(n) => format!("done ({n})"),
        RunOutcome::Skipped => "skipped (lease held elsewhere)".into(),
        RunOutcome::Failed(e) => format!("FAILED: {e}"),
    }
}

pub fn run_recovery(app: &mut App) {
    let Some(jobs) = app.jobs.as_mut() else {
        app.error("No job runner in this app");
        return;
    };
    match jobs.recover() {
        Ok(o @ RunOutcome::Failed(_)) => app.error(format!("Recovery {}", outcome_text(&o))),
        Ok(o) => app.info(format!("Recovery ran now: {}", outcome_text(&o))),
        Err(e) => app.error(format!("Recovery could not run: {e}")),
    }
    reload(app);
}

pub fn run_sweeps(app: &mut App) {
    let Some(jobs) = app.jobs.as_mut() else {
        app.error("No job runner in this app");
        return;
    };
    match jobs.run_sweeps() {
        Ok(ran) => {
            let failed = ran.iter().any(|(_, o)| matches!(o, RunOutcome::Failed(_)));
            let text = ran.iter().map(|(j, o)| format!("{} {}", j.name(), outcome_text(o))).collect::<Vec<_>>();
            let text = format!("Sweeps ran now: {}", text.join(" · "));
            if failed { app.error(text) } else { app.info(text) }
        }
        Err(e) => app.error(format!("Sweeps could not run: {e}")),
    }
    reload(app);
}

// ---- exports --------------------------------------------------------------------------

/// Writes what the bookings or audit screen shows (after its filters) to a new
/// CSV in the data directory and says where.
pub fn export(app: &mut App) {
    let (what, result) = match app.screen {
        Screen::Bookings => {
            ("bookings", write_export(app, "bookings", |f, app| export::bookings_csv(&app.bookings, f)))
        }
        Screen::Audit => ("audit", write_export(app, "audit", |f, app| export::audit_csv(&app.office.audit.rows, f))),
        _ => return,
    };
    match result {
        Ok((path, n)) => app.info(format!("Exported {n} {what} row(s) to {}", path.display())),
        Err(e) => app.error(format!("Export failed: {e}")),
    }
}

fn write_export(
    app: &App,
    what: &str,
    write: impl FnOnce(&mut std::fs::File, &App) -> Result<()>,
) -> Result<(std::path::PathBuf, usize)> {
    let (path, mut file) = export::create_export(&app.info.data_dir, what, app.now)?;
    let n = if what == "bookings" { app.bookings.len() } else { app.office.audit.rows.len() };
    if let Err(e) = write(&mut file, app) {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok((path, n))
}
