//! What the store hands over for a report: totals per event and status, and
//! the health window's raw counts. `report` turns them into shares, rates and
//! levels.

use chrono::{DateTime, Utc};

/// Totals of one event's bookings in one status (from one GROUP BY).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusAgg {
    pub count: u64,
    pub seats: u64,
    pub amount: i64,
}

/// Refund totals of one event's bookings in scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefundAgg {
    pub refunds: i64,
    pub full: i64,
    pub pending: i64,
    /// Fees kept on PARTIAL (cancellation) refunds.
    pub fees_kept: i64,
}

/// One event with its aggregates, as the store reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct EventAgg {
    pub event_id: String,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub capacity: u64,
    pub currency: String,
    /// Indexed like [`BookingStatus::DIAGRAM`](super::BookingStatus::DIAGRAM).
    pub by_status: [StatusAgg; 5],
    pub refunds: RefundAgg,
}

/// The window's raw counts, as the store reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthAgg {
    pub holds_made: u64,
    pub holds_expired: u64,
    pub attempts: u64,
    pub successes: u64,
    pub failures: u64,
    pub timeouts: u64,
    pub retries: u64,
    /// Successful payments per hour bucket, oldest first (`hours` long).
    pub sales_per_hour: Vec<u64>,
}

/// Totals over every event in scope, for a report whose `events` hold only a
/// page of them (the screen shows a page, not 10,000 events).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeTotals {
    /// Event rows of the whole report.
    pub events: u64,
    pub capacity: u64,
    /// The events' distinct currencies, at most two (enough to tell one from several).
    pub currencies: Vec<String>,
    /// Indexed like [`BookingStatus::DIAGRAM`](super::BookingStatus::DIAGRAM).
    pub by_status: [StatusAgg; 5],
    pub refunds: RefundAgg,
}

/// Everything a report is made from, read in one snapshot as of `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregates {
    pub now: DateTime<Utc>,
    pub events: Vec<EventAgg>,
    /// Set when `events` is a page: the totals of all of them.
    pub totals: Option<ScopeTotals>,
    pub health: HealthAgg,
}
