//! What the lists and reports can be narrowed by: plain data the screens and
//! the CLI fill in, the engine checks and the store turns into SQL.

use super::{AuditAction, BookingStatus};
use chrono::{DateTime, Duration, Utc};

/// What the bookings list can be narrowed by.
#[derive(Debug, Clone, Default)]
pub struct BookingFilter {
    pub status: Option<BookingStatus>,
    pub event_id: Option<String>,
    /// Matches the customer's name, email or phone, or the booking id's start.
    pub search: String,
    pub limit: usize,
}

/// What the audit trail can be narrowed by; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub correlation_id: Option<String>,
    pub booking_id: Option<String>,
    pub event_id: Option<String>,
    pub action: Option<AuditAction>,
    pub limit: usize,
}

/// Which column the audit screen's filter text matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuditField {
    /// Any of the ids, or the action.
    #[default]
    Any,
    Correlation,
    Booking,
    Event,
    Action,
}

impl AuditField {
    pub const ALL: [AuditField; 5] =
        [AuditField::Any, AuditField::Correlation, AuditField::Booking, AuditField::Event, AuditField::Action];

    pub fn label(self) -> &'static str {
        match self {
            AuditField::Any => "any",
            AuditField::Correlation => "correlation id",
            AuditField::Booking => "booking",
            AuditField::Event => "event",
            AuditField::Action => "action",
        }
    }
}

/// Longest health window (a year of hours).
pub const MAX_HOURS: u32 = 24 * 366;

/// What a report covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    /// One event, or all.
    pub event_id: Option<String>,
    /// Bookings made at or after this (summary only).
    pub from: Option<DateTime<Utc>>,
    /// Bookings made before this (summary only).
    pub to: Option<DateTime<Utc>>,
    /// The health window in hours before now (1..=MAX_HOURS).
    pub hours: u32,
}

/// A page of a report's event rows: `rows` of them from `offset`, in report
/// order (the screen shows a page of them, not every event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPage {
    pub offset: usize,
    pub rows: usize,
}

/// The start of a health window of `hours` (clamped to 1..=MAX_HOURS) ending at `now`.
pub fn window_start(now: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
    now - Duration::hours(i64::from(hours.clamp(1, MAX_HOURS)))
}
