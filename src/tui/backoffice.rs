//! The update steps of the supervisor's screens — Reports, Audit and Jobs —
//! and the CSV exports. Their state and loading are in `office` (which `app`
//! holds); `update` calls in here.

use crate::domain::AuditField;
use crate::error::Result;
use crate::export;
use crate::jobs::RunOutcome;
use crate::report::WINDOWS;
use crate::tui::app::{App, Screen, Tab};
use crate::tui::office::AuditReturn;

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
