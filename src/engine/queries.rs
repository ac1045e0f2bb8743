//! The read side: bookings and audit lists, and the report's aggregates for
//! a checked filter (the figures themselves are `report`'s).

use super::Desk;
use crate::domain::{
    Aggregates, AuditField, AuditFilter, AuditRow, Booking, BookingFilter, Invalid, MAX_HOURS, ReportFilter,
};
use crate::error::Result;
use crate::store::{audit, reports, sales};

impl Desk {
    /// Bookings with their customer's and event's names, newest first.
    pub fn bookings(&self, filter: &BookingFilter) -> Result<Vec<(Booking, String, String)>> {
        sales::list_bookings(&self.conn, filter)
    }

    /// Audit rows, newest first.
    pub fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
        audit::list(&self.conn, filter)
    }

    /// The audit screen's filter: one field (or any) matching `text`.
    pub fn audit_search(&self, field: AuditField, text: &str, limit: usize) -> Result<Vec<AuditRow>> {
        audit::search(&self.conn, field, text, limit)
    }

    /// What the booking summary and health metrics at the clock's now are
    /// made from, read in one snapshot. Refuses an unknown event, an empty
    /// date range or a window outside 1..=8784 hours.
    pub fn report_aggregates(&self, filter: &ReportFilter) -> Result<Aggregates> {
        if filter.hours == 0 || filter.hours > MAX_HOURS {
            return Err(Invalid::new("hours", format!("must be 1 to {MAX_HOURS} (got {})", filter.hours)).into());
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from >= to
        {
            return Err(Invalid::new(
                "dates",
                format!("--from {} is not before --to {}", from.to_rfc3339(), to.to_rfc3339()),
            )
            .into());
        }
        if let Some(id) = &filter.event_id {
            self.event(id)?;
        }
        reports::aggregates(&self.conn, filter, self.now())
    }
}
