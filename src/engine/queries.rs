//! The read side: bookings and audit lists, and the report's aggregates for
//! a checked filter (the figures themselves are `report`'s).

use super::Desk;
use crate::domain::{
    Aggregates, AuditField, AuditFilter, AuditRow, Booking, BookingFilter, EventPage, Invalid, MAX_HOURS, ReportFilter,
};
use crate::error::Result;
use crate::store::{audit, reports, sales};

impl Desk {
    /// Bookings with their customer's and event's names, newest first.
    pub fn bookings(&self, filter: &BookingFilter) -> Result<Vec<(Booking, String, String)>> {
        sales::list_bookings(&self.db, filter)
    }

    /// Audit rows, newest first.
    pub fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
        audit::list(&self.db, filter)
    }

    /// The audit screen's filter: one field (or any) matching `text`.
    pub fn audit_search(&self, field: AuditField, text: &str, limit: usize) -> Result<Vec<AuditRow>> {
        audit::search(&self.db, field, text, limit)
    }

    /// What the booking summary and health metrics at the clock's now are
    /// made from, read in one snapshot. Refuses an unknown event, an empty
    /// date range or a window outside 1..=8784 hours.
    pub fn report_aggregates(&self, filter: &ReportFilter) -> Result<Aggregates> {
        self.report_aggregates_paged(filter, None)
    }

    /// [`Desk::report_aggregates`] with only a `page` of the event rows when
    /// the filter is all events over all time (their totals then come from the
    /// running totals, in `Aggregates::totals`); otherwise every row.
    pub fn report_aggregates_paged(&self, filter: &ReportFilter, page: Option<EventPage>) -> Result<Aggregates> {
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
        reports::aggregates(self.db(), filter, self.now(), page)
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
    fn a_search_gives_the_same_bookings_whichever_plan_reads_them() {
        use crate::domain::{EventKind, NewCustomer};
        use crate::store::sales::Plan;
        let w = world();
        let jazz = w
            .desk
            .create_event(super::super::testing::event(
                "Jazz Night",
                EventKind::GeneralAdmission { capacity: 200 },
                1_000,
            ))
            .expect("jazz");
        let names = ["Zoë Fernandes", "Priya Sharma", "Ravi Kumar", "Sara Shah", "José Núñez", "Asha Rao"];
        let people: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let phone = (i % 2 == 0).then(|| format!("+91 98765 4{i:04}"));
                let email = (i % 2 == 1).then(|| format!("p{i}@example.com"));
                w.desk.customer(NewCustomer { name: (*name).into(), email, phone }).expect("customer").value
            })
            .collect();
        let mut ids = Vec::new();
        for n in 0..60 {
            let event = if n % 7 == 0 { &w.ga } else { &jazz };
            if n % 7 == 0 && n / 7 >= 9 {
                continue; // the gig has 10 seats
            }
            // Bookings a minute apart: the gathering plan reads a window of time.
            w.advance_minutes(1);
            let hold = w.hold(event, count(1));
            let b = w.desk.book(&hold.id, &people[n % people.len()].id, None).expect("book").value;
            if n % 3 == 0 {
                w.desk.pay(&b.id, PaymentOutcome::Success, &format!("pay-{n}"), None).expect("pay");
            }
            ids.push(b.id);
        }
        let id = &ids[17];
        let short = &id[id.len() - 8..];
        let texts = [
            "s",
            "sh",
            "sharma",
            "ZOË",
            "zoe fer",
            "98765",
            "+91 98765 40002",
            "0",
            "jazz",
            "gig",
            "a",
            "e",
            "01",
            &short[..1],
            &short[..3],
            short,
            &id[id.len() - 11..],
            &id[..10],
            id,
        ];
        let mut found = 0;
        for text in texts {
            for status in [None, Some(BookingStatus::Confirmed)] {
                for limit in [3, 500] {
                    let f = BookingFilter { search: text.to_string(), status, limit, ..Default::default() };
                    let by = |plan| -> Vec<String> {
                        crate::store::sales::list_bookings_by(w.desk.db(), &f, Some(plan))
                            .expect("search")
                            .into_iter()
                            .map(|(b, _, _)| b.id)
                            .collect()
                    };
                    let gathered = by(Plan::Gather);
                    assert_eq!(gathered, by(Plan::Walk), "{text:?} {status:?} limit {limit}");
                    assert_eq!(gathered, list(&w, &f), "{text:?} {status:?} limit {limit}: the chosen plan");
                    found += gathered.len();
                }
            }
        }
        assert!(found > 500, "the searches found bookings ({found})");
    }

    fn list(w: &World, f: &BookingFilter) -> Vec<String> {
        w.desk.bookings(f).expect("bookings").into_iter().map(|(b, _, _)| b.id).collect()
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
    fn an_action_search_gives_the_newest_matching_rows_across_actions() {
        let w = world();
        two_bookings(&w);
        w.booked(&w.ga, count(2));
        let all = w.desk.audit(&AuditFilter { limit: 10_000, ..Default::default() }).expect("audit");
        // Limits below and above each action's rows: the newest `limit` of
        // all matching actions, in trail order.
        for (text, limit) in [("e", 3), ("e", 7), ("E", 500), ("created", 2), ("o", 5)] {
            let want: Vec<i64> = all
                .iter()
                .filter(|r| r.action.to_ascii_lowercase().contains(&text.to_ascii_lowercase()))
                .take(limit)
                .map(|r| r.seq)
                .collect();
            let got = w.desk.audit_search(AuditField::Action, text, limit).expect("search");
            assert_eq!(got.iter().map(|r| r.seq).collect::<Vec<_>>(), want, "{text:?} limit {limit}");
            let actions: std::collections::BTreeSet<_> = got.iter().map(|r| r.action.as_str()).collect();
            assert!(text == "created" || actions.len() > 1, "{text:?} limit {limit} spans actions: {actions:?}");
        }
    }

    /// The health window counted the slow way: every hold, attempt and retry
    /// in `[now − hours, now]`, bucketed by hour from the window's start.
    fn health_by_rows(w: &World, event: Option<&str>, hours: u32) -> crate::domain::HealthAgg {
        let to = crate::clock::to_millis(w.desk.now());
        let from = to - i64::from(hours) * 3_600_000;
        let conn = w.desk.conn();
        let one = |sql: &str| -> u64 {
            conn.query_row(sql, rusqlite::params![from, to, event], |r| r.get::<_, i64>(0)).expect(sql) as u64
        };
        let mut agg = crate::domain::HealthAgg {
            holds_made: one(
                "SELECT count(*) FROM holds WHERE created_at BETWEEN ?1 AND ?2 AND coalesce(?3, event_id) = event_id",
            ),
            holds_expired: one(
                "SELECT count(*) FROM holds WHERE created_at BETWEEN ?1 AND ?2 AND coalesce(?3, event_id) = event_id
                 AND status = 'EXPIRED'",
            ),
            retries: one(
                "SELECT count(*) FROM audit_log WHERE at BETWEEN ?1 AND ?2 AND is_retry = 1 AND coalesce(?3, event_id) = event_id",
            ),
            sales_per_hour: vec![0; hours as usize],
            ..Default::default()
        };
        let mut stmt = conn
            .prepare(
                "SELECT p.created_at, p.outcome FROM payment_attempts p JOIN bookings b ON b.id = p.booking_id
                 WHERE p.created_at BETWEEN ?1 AND ?2 AND coalesce(?3, b.event_id) = b.event_id",
            )
            .expect("attempts");
        let rows = stmt
            .query_map(rusqlite::params![from, to, event], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, PaymentOutcome>(1)?))
            })
            .expect("attempts");
        for row in rows {
            let (at, outcome) = row.expect("attempt");
            agg.attempts += 1;
            match outcome {
                PaymentOutcome::Success => {
                    agg.successes += 1;
                    agg.sales_per_hour[((at - from) / 3_600_000).clamp(0, i64::from(hours) - 1) as usize] += 1;
                }
                PaymentOutcome::Failure => agg.failures += 1,
                PaymentOutcome::Timeout => agg.timeouts += 1,
            }
        }
        agg
    }

    #[test]
    fn health_from_the_running_totals_equals_counting_every_row() {
        use crate::domain::EventKind;
        use chrono::Duration;
        let w = world();
        let hall = w
            .desk
            .create_event(super::super::testing::event("Hall", EventKind::GeneralAdmission { capacity: 500 }, 1_000))
            .expect("hall");
        // Five hours of sales at uneven times: paid, failed, timed out then
        // paid (a retry too), left to expire; and holds never booked.
        for n in 0..90i64 {
            w.clock.advance(Duration::milliseconds(97_000 + (n * 7_919) % 180_000));
            let event = if n % 5 == 0 { &w.ga } else { &hall };
            if n % 5 == 0 && n / 5 >= 9 {
                w.hold(&hall, count(1));
                continue;
            }
            let b = w.booked(event, count(1));
            let key = format!("pay-{n}");
            match n % 4 {
                0 => {
                    w.desk.pay(&b.id, PaymentOutcome::Success, &key, None).expect("pay");
                    w.desk.pay(&b.id, PaymentOutcome::Success, &key, None).expect("a retry");
                }
                1 => drop(w.desk.pay(&b.id, PaymentOutcome::Failure, &key, None).expect("fail")),
                2 => {
                    w.desk.pay(&b.id, PaymentOutcome::Timeout, &key, None).expect("timeout");
                    w.desk.pay(&b.id, PaymentOutcome::Success, &format!("{key}-again"), None).expect("pay");
                }
                _ => {}
            }
            w.desk.expire_due().expect("sweep");
        }
        let mut checked = 0;
        for step in 0..6 {
            // `now` at odd seconds and milliseconds, so windows start mid-minute.
            w.clock.advance(Duration::milliseconds(41_333 + step * 12_345));
            w.desk.expire_due().expect("sweep");
            for hours in [1, 2, 3, 5, 24] {
                for event in [None, Some(hall.id.as_str()), Some(w.ga.id.as_str())] {
                    let f = ReportFilter { event_id: event.map(str::to_string), hours, ..Default::default() };
                    let health = w.desk.report_aggregates(&f).expect("aggregates").health;
                    assert_eq!(health, health_by_rows(&w, event, hours), "{hours} h, event {event:?}, step {step}");
                    checked += health.attempts + health.holds_made;
                }
            }
        }
        assert!(checked > 1_000, "the windows held rows ({checked})");
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
