//! The supervisor's screens' state — Reports, Audit and Jobs — what they ask
//! the read worker for and how its answer is shown. Their update steps are in
//! `backoffice`.

use crate::domain::{AuditField, AuditRow, ReportFilter, TypeSalesPage};
use crate::jobs::JobStatus;
use crate::report::{Report, WINDOWS};
use crate::tui::form::LineInput;
use crate::tui::request::{OfficeFound, OfficeSpec};
use crate::tui::screen::Screen;

/// The Reports screen: which event (0 = all, i = `events[i - 1]`) and which
/// window (`WINDOWS[window]`, 24 h to start), the report last read, and its
/// sales by type: the first row shown and a page read around it.
#[derive(Debug, Clone)]
pub struct ReportsState {
    pub event: usize,
    pub window: usize,
    /// (id, name) of every event, in the order the report lists them.
    pub events: Vec<(String, String)>,
    pub report: Option<Report>,
    pub type_top: usize,
    pub types: TypeSalesPage,
}

impl Default for ReportsState {
    fn default() -> Self {
        ReportsState {
            event: 0,
            window: 2,
            events: Vec::new(),
            report: None,
            type_top: 0,
            types: TypeSalesPage::default(),
        }
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

    /// The "by type" rows read from `type_top` on (fewer while a page is on its way).
    pub fn shown_types(&self) -> &[crate::domain::TypeSales] {
        let rows = &self.types.rows;
        let skip = self.type_top.checked_sub(self.types.offset).unwrap_or(rows.len()).min(rows.len());
        &rows[skip..]
    }

    /// Moves the first "by type" row shown by `delta` (within the rows there
    /// are); true when it moved and a page around it should be read.
    pub fn scroll_types(&mut self, delta: i64) -> bool {
        let last = self.types.total.saturating_sub(1) as i64;
        let top = (self.type_top as i64).saturating_add(delta).clamp(0, last.max(0)) as usize;
        let moved = top != self.type_top;
        self.type_top = top;
        moved
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
    pub till: TillState,
    pub clerks: ClerksState,
}

/// The supervisor's Clerks screen: every account and the selected row.
#[derive(Debug, Clone, Default)]
pub struct ClerksState {
    pub rows: Vec<crate::domain::Clerk>,
    pub sel: usize,
}

impl ClerksState {
    pub fn selected(&self) -> Option<&crate::domain::Clerk> {
        self.rows.get(self.sel)
    }

    /// Shows the accounts read, keeping the same clerk selected if the list moved.
    pub fn show(&mut self, rows: Vec<crate::domain::Clerk>) {
        let current = self.selected().map(|c| c.id.clone());
        self.rows = rows;
        self.sel = current
            .and_then(|id| self.rows.iter().position(|c| c.id == id))
            .unwrap_or(self.sel)
            .min(self.rows.len().saturating_sub(1));
    }
}

/// The Till: the signed-in clerk's newest shift and their live sales.
#[derive(Debug, Clone, Default)]
pub struct TillState {
    pub cashup: Option<Box<crate::domain::CashUp>>,
    pub live: Vec<(crate::domain::Hold, Option<crate::domain::Booking>)>,
    /// Whether it was read at least once (before: "reading…").
    pub read: bool,
}

impl BackOffice {
    /// What the current back-office screen needs read (only that one: a
    /// report over a big file is not read while the clerk sells).
    pub fn spec(&self, screen: Screen) -> OfficeSpec {
        match screen {
            Screen::Reports => OfficeSpec::Reports {
                event_id: self.reports.event_id().map(Box::from),
                hours: self.reports.hours(),
                type_top: u32::try_from(self.reports.type_top).unwrap_or(u32::MAX),
            },
            Screen::Audit => OfficeSpec::Audit { field: self.audit.field, text: self.audit.filter.text().to_string() },
            Screen::Jobs => OfficeSpec::Jobs,
            Screen::Till => OfficeSpec::Till,
            Screen::Clerks => OfficeSpec::Clerks,
            _ => OfficeSpec::None,
        }
    }

    /// Shows what was read for [`BackOffice::spec`] (a refused clerks list
    /// is the caller's to show: `reply::show`).
    pub fn apply(&mut self, found: OfficeFound) {
        match found {
            OfficeFound::None | OfficeFound::Clerks(Err(_)) => {}
            OfficeFound::Clerks(Ok(rows)) => self.clerks.show(rows),
            OfficeFound::Reports { events, report, types } => {
                let r = &mut self.reports;
                let current = r.event_id().map(str::to_string);
                r.events = events;
                // Keep the same event selected if the list moved (all events if it went).
                r.event =
                    current.and_then(|id| r.events.iter().position(|(e, _)| *e == id).map(|i| i + 1)).unwrap_or(0);
                r.report = Some(*report);
                r.type_top = r.type_top.min(types.total.saturating_sub(1) as usize);
                r.types = types;
            }
            OfficeFound::Audit { rows, backlog } => {
                let a = &mut self.audit;
                a.rows = rows;
                a.sel = a.sel.min(a.rows.len().saturating_sub(1));
                a.backlog = backlog;
            }
            OfficeFound::Jobs(rows) => {
                self.jobs.rows = rows;
                self.jobs.sel = self.jobs.sel.min(self.jobs.rows.len().saturating_sub(1));
            }
            OfficeFound::Till { cashup, live } => self.till = TillState { cashup, live, read: true },
        }
    }
}
