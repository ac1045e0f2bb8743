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

#[cfg(test)]
mod tests {
    use super::super::testing::{World, count, world};
    use super::*;
    use crate::domain::{AuditAction, BookingStatus, PaymentOutcome};
    use crate::error::Error;

    /// Two bookings of the gig: one paid, one still pending.
    fn two_bookings(w: &World) -> (Booking, Booking) {
        let first = w.booked(&w.ga, count(1));
        let pending = w.booked(&w.ga, count(1));
        let paid = w.desk.pay(&first.id, PaymentOutcome::Success, "pay-1", None).expect("pay").booking;
        (paid, pending)
    }

    #[test]
    fn bookings_filter_by_status_and_by_customer_text() {
        let w = world();
        let (paid, pending) = two_bookings(&w);
        let list = |filter: BookingFilter| -> Vec<String> {
            w.desk.bookings(&filter).expect("bookings").into_iter().map(|(b, _, _)| b.id).collect()
        };
        assert_eq!(list(BookingFilter::default()), [pending.id.as_str(), paid.id.as_str()], "newest first");
        let confirmed = BookingFilter { status: Some(BookingStatus::Confirmed), ..Default::default() };
        assert_eq!(list(confirmed), [paid.id.as_str()]);
        assert_eq!(list(BookingFilter { search: "jane".into(), ..Default::default() }).len(), 2);
        assert!(list(BookingFilter { search: "nobody".into(), ..Default::default() }).is_empty());
        let (_, customer, event) = w.desk.bookings(&BookingFilter::default()).expect("bookings").remove(0);
        assert_eq!((customer.as_str(), event.as_str()), ("Jane Doe", "Gig"));
    }

    #[test]
    fn audit_filters_by_typed_action_and_searches_by_text() {
        let w = world();
        let (paid, _) = two_bookings(&w);
        let holds =
            w.desk.audit(&AuditFilter { action: Some(AuditAction::HoldCreated), ..Default::default() }).expect("audit");
        assert_eq!(holds.len(), 2);
        assert!(holds.iter().all(|r| r.action == AuditAction::HoldCreated.as_str()));
        let story = w
            .desk
            .audit(&AuditFilter { correlation_id: Some(paid.correlation_id.clone()), ..Default::default() })
            .expect("story");
        let mut actions: Vec<_> = story.iter().rev().map(|r| AuditAction::parse(&r.action).expect("known")).collect();
        actions.sort_by_key(|a| a.as_str());
        assert_eq!(
            actions,
            [
                AuditAction::BookingConfirmed,
                AuditAction::BookingCreated,
                AuditAction::HoldConsumed,
                AuditAction::HoldCreated,
                AuditAction::PaymentAttempt,
            ]
        );
        let by_text = w.desk.audit_search(AuditField::Action, "consumed", 100).expect("search");
        assert_eq!(by_text.len(), 1);
        let short = &paid.id[paid.id.len() - 8..];
        assert_eq!(w.desk.audit_search(AuditField::Booking, short, 100).expect("by short id").len(), 4);
    }

    #[test]
    fn report_aggregates_refuse_a_bad_filter_and_read_one_snapshot() {
        let w = world();
        two_bookings(&w);
        let hours = |h| ReportFilter { hours: h, ..Default::default() };
        assert!(matches!(w.desk.report_aggregates(&hours(0)), Err(Error::Invalid(i)) if i.field == "hours"));
        assert!(matches!(w.desk.report_aggregates(&hours(MAX_HOURS + 1)), Err(Error::Invalid(_))));
        let now = w.desk.now();
        let empty = ReportFilter { from: Some(now), to: Some(now), hours: 24, ..Default::default() };
        assert!(matches!(w.desk.report_aggregates(&empty), Err(Error::Invalid(i)) if i.field == "dates"));
        let unknown = ReportFilter { event_id: Some("nope".into()), hours: 24, ..Default::default() };
        assert!(matches!(w.desk.report_aggregates(&unknown), Err(Error::NotFound { what: "event", .. })));

        let aggs = w.desk.report_aggregates(&hours(24)).expect("aggregates");
        assert_eq!(aggs.now, now);
        let gig = aggs.events.iter().find(|e| e.event_id == w.ga.id).expect("the gig");
        let slot = |s: BookingStatus| BookingStatus::DIAGRAM.iter().position(|x| *x == s).expect("in the diagram");
        assert_eq!(gig.by_status[slot(BookingStatus::Confirmed)].count, 1);
        assert_eq!(gig.by_status[slot(BookingStatus::PaymentPending)].amount, 20_000);
        assert_eq!((aggs.health.holds_made, aggs.health.attempts, aggs.health.successes), (2, 1, 1));
    }
}
