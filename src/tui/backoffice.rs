//! The update steps of the supervisor's screens — Reports, Audit and Jobs —
//! and the CSV exports. Their state is in `office` (which `app` holds);
//! `update` calls in here, and `reply` shows what the workers answer.

use crate::domain::AuditField;
use crate::jobs::RunOutcome;
use crate::report::WINDOWS;
use crate::tui::app::{App, Screen, Tab, Then};
use crate::tui::office::AuditReturn;
use crate::tui::request::{ExportRows, Write};

fn reload(app: &mut App) {
    app.want_load();
}

// ---- reports ----------------------------------------------------------------------

pub fn cycle_event(app: &mut App, delta: i64) {
    let r = &mut app.office.reports;
    let n = r.events.len() as i64 + 1;
    r.event = (r.event as i64 + delta).rem_euclid(n) as usize;
    r.type_top = 0;
    reload(app);
}

/// ↑↓ PgUp PgDn Home End: the sales by type scroll; a page around the new
/// first row is read (the screen shows what it has meanwhile).
pub fn scroll_types(app: &mut App, delta: i64) {
    if app.office.reports.scroll_types(delta) {
        reload(app);
    }
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
        a.back = Some(AuditReturn { field: a.field, text: a.filter.text().to_string() });
    }
    a.field = AuditField::Correlation;
    a.filter.set_text(corr);
    a.filter.active = false;
    a.sel = 0;
    app.tab = Tab::Audit;
    app.screen = Screen::Audit;
    // The message counts the rows, so it waits for them.
    app.want_load_then(Then::TrailCount(booking));
}

/// Esc on the Audit screen: back to the booking it was opened from, else clear the filter.
pub fn back(app: &mut App) {
    let a = &mut app.office.audit;
    if let Some(ret) = a.back.take() {
        a.field = ret.field;
        a.filter.set_text(ret.text);
        a.sel = 0;
        app.tab = Tab::Bookings;
        app.screen = if app.detail.is_some() { Screen::Detail } else { Screen::Bookings };
        reload(app);
    } else if !a.filter.text().is_empty() || a.field != AuditField::Any {
        a.filter.clear();
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

pub fn outcome_text(o: &RunOutcome) -> String {
    match o {
        RunOutcome::Completed(n) => format!("done ({n})"),
        RunOutcome::Skipped => "skipped (lease held elsewhere)".into(),
        RunOutcome::Failed(e) => format!("FAILED: {e}"),
    }
}

pub fn run_recovery(app: &mut App) {
    if !app.write_refused() {
        app.write(Write::Recovery, "running recovery");
    }
}

pub fn run_sweeps(app: &mut App) {
    if !app.write_refused() {
        app.write(Write::Sweeps, "running the sweeps");
    }
}

// ---- exports --------------------------------------------------------------------------

/// Writes what the bookings or audit screen shows (after its filters) to a new
/// CSV in the data directory; the answer says where.
pub fn export(app: &mut App) {
    let rows = match app.screen {
        Screen::Bookings => ExportRows::Bookings(app.bookings.clone()),
        Screen::Audit => ExportRows::Audit(app.office.audit.rows.clone()),
        _ => return,
    };
    if app.write_refused() {
        return;
    }
    let what = format!("exporting {} {} row(s)", rows.len(), rows.what());
    let write = Write::Export { rows, dir: app.info.data_dir.clone(), now: app.now };
    app.write(write, what);
}
