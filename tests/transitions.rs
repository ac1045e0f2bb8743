//! Every transition of DESIGN.md's state machine, driven through `Desk`: the
//! allowed ones land in the right states with the seats where they belong and
//! one audit row each; the refused ones say why and change not one row.

mod common;
use boxoffice::Error;
use boxoffice::SeatPick;
use boxoffice::domain::{
    BookingStatus, EventKind, HoldStatus, NewEvent, PaymentOutcome, RefundKind, RefundStatus, SeatState,
};
use chrono::Duration;
use common::{World, step, steps, t0};

fn refused_text(e: &Error) -> String {
    match e {
        Error::Refused(why) => why.clone(),
        other => panic!("expected Error::Refused, got {other:?}"),
    }
}

fn seat_state(w: &World, event: &boxoffice::domain::Event, label: &str) -> SeatState {
    let row = (label.as_bytes()[0] - b'A') as usize;
    let n: usize = label[1..].parse().unwrap();
    w.desk.seat_map(event).unwrap().unwrap().rows[row][n - 1]
}

// ---- allowed ----------------------------------------------------------------

// Each test runs on a file and on PostgreSQL (`name::sqlite`, `name::postgres`).
crate::on_both_backends! {
#[test]
fn hold_takes_seats_from_the_pool() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let h = w.hold(&e, 4);
    assert_eq!(h.status, HoldStatus::Active);
    assert_eq!(h.seats, 4);
    assert!(h.labels.is_empty());
    assert_eq!(h.expires_at, t0() + Duration::minutes(5));
    assert_eq!(w.seats(&e), (6, 4, 0));
    assert_eq!(steps(&w.story(&h.correlation_id)), vec![step("HOLD_CREATED", None, Some("ACTIVE"))]);

    let r = w.reserved(3, 4, 1_000);
    let h = w.hold_labels(&r, &["b2", "B3"]);
    assert_eq!(h.labels, vec!["B2", "B3"]);
    assert_eq!(seat_state(&w, &r, "B2"), SeatState::Held);
    assert_eq!(seat_state(&w, &r, "B1"), SeatState::Free);
    assert_eq!(w.seats(&r), (10, 2, 0));
    w.assert_verified();
}

#[test]
fn release_puts_seats_back() {
    let w = World::new();
    let e = w.reserved(2, 5, 1_000);
    let h = w.hold_labels(&e, &["A1", "A2"]);
    let r = w.desk.release(&h.id).unwrap();
    assert_eq!(r.status, HoldStatus::Released);
    assert_eq!(w.desk.get_hold(&h.id).unwrap().status, HoldStatus::Released);
    assert_eq!(w.seats(&e), (10, 0, 0));
    assert_eq!(seat_state(&w, &e, "A1"), SeatState::Free);
    // The same labels can be held again at once.
    w.hold_labels(&e, &["A1", "A2"]);
    assert_eq!(
        steps(&w.story(&h.correlation_id)),
        vec![step("HOLD_CREATED", None, Some("ACTIVE")), step("HOLD_RELEASED", Some("ACTIVE"), Some("RELEASED"))]
    );
    w.assert_verified();
}

#[test]
fn hold_expires_at_its_deadline_not_before() {
    let w = World::new();
    let e = w.reserved(2, 5, 1_000);
    let h = w.hold(&e, 2);
    w.advance(Duration::minutes(5) - Duration::milliseconds(1));
    assert_eq!(w.desk.expire_due().unwrap().holds, 0);
    assert_eq!(w.desk.get_hold(&h.id).unwrap().status, HoldStatus::Active);
    w.advance(Duration::milliseconds(1));
    assert_eq!(w.desk.expire_due().unwrap().holds, 1);
    assert_eq!(w.desk.get_hold(&h.id).unwrap().status, HoldStatus::Expired);
    assert_eq!(w.seats(&e), (10, 0, 0));
    assert_eq!(seat_state(&w, &e, &h.labels[0]), SeatState::Free);
    assert_eq!(
        steps(&w.story(&h.correlation_id)),
        vec![step("HOLD_CREATED", None, Some("ACTIVE")), step("HOLD_EXPIRED", Some("ACTIVE"), Some("EXPIRED"))]
    );
    w.assert_verified();
}

#[test]
fn book_makes_a_pending_booking_and_the_hold_stays_active() {
    let w = World::new();
    let e = w.ga(10, 12_345);
    let b = w.booking(&e, 3);
    assert_eq!(b.status, BookingStatus::PaymentPending);
    assert_eq!((b.seats, b.amount, b.currency.as_str()), (3, 37_035, "INR"));
    assert_eq!(b.payment_expires_at, t0() + Duration::minutes(10));
    assert_eq!(w.desk.get_hold(&b.hold_id).unwrap().status, HoldStatus::Active);
    assert_eq!(w.seats(&e), (7, 3, 0));
    // Past the hold's deadline, the pending booking's deadline decides.
    w.advance(Duration::minutes(7));
    assert_eq!(w.desk.expire_due().unwrap(), Default::default());
    assert_eq!(w.desk.get_hold(&b.hold_id).unwrap().status, HoldStatus::Active);
    assert_eq!(w.seats(&e), (7, 3, 0));
    w.assert_verified();
}

#[test]
fn pay_success_confirms_consumes_and_sells() {
    let w = World::new();
    let e = w.reserved(2, 5, 10_000);
    let b = w.booking(&e, 2);
    let p = w.desk.pay(&b.id, PaymentOutcome::Success, "k1", Some(20_000)).unwrap();
    assert!(!p.is_retry);
    assert_eq!(p.attempt.outcome, PaymentOutcome::Success);
    assert_eq!(p.attempt.amount, 20_000);
    assert!(p.attempt.transaction_id.as_deref().is_some_and(|t| t.starts_with("txn_")));
    assert!(p.refund.is_none());
    assert_eq!(w.desk.get_booking(&b.id).unwrap().status, BookingStatus::Confirmed);
    let hold = w.desk.get_hold(&b.hold_id).unwrap();
    assert_eq!(hold.status, HoldStatus::Consumed);
    assert_eq!(w.seats(&e), (8, 0, 2));
    assert_eq!(seat_state(&w, &e, &hold.labels[0]), SeatState::Sold);
    // Sold seats never expire.
    w.advance(Duration::days(1));
    assert_eq!(w.desk.expire_due().unwrap(), Default::default());
    assert_eq!(w.seats(&e), (8, 0, 2));
    w.assert_verified();
}

#[test]
fn pay_failure_fails_the_booking_releases_seats_and_records_a_full_refund() {
    let w = World::new();
    let e = w.reserved(2, 5, 10_000);
    let b = w.booking(&e, 3);
    let labels = w.desk.get_hold(&b.hold_id).unwrap().labels;
    let p = w.desk.pay(&b.id, PaymentOutcome::Failure, "k1", None).unwrap();
    assert_eq!(p.booking.status, BookingStatus::PaymentFailed);
    assert_eq!(p.attempt.transaction_id, None);
    assert_eq!(w.desk.get_hold(&b.hold_id).unwrap().status, HoldStatus::Released);
    assert_eq!(w.seats(&e), (10, 0, 0));
    assert_eq!(seat_state(&w, &e, &labels[0]), SeatState::Free);
    let r = w.desk.refund(&b.id).unwrap().unwrap();
    assert_eq!(r, p.refund.unwrap());
    assert_eq!((r.kind, r.percent, r.original_amount, r.amount, r.fee), (RefundKind::Full, 100, 30_000, 30_000, 0));
    assert_eq!(r.status, RefundStatus::Initiated);
    w.assert_verified();
}

#[test]
fn pay_timeout_keeps_it_pending_then_a_new_key_can_succeed() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let b = w.booking(&e, 2);
    let p = w.desk.pay(&b.id, PaymentOutcome::Timeout, "t1", None).unwrap();
    assert_eq!(p.booking.status, BookingStatus::PaymentPending);
    assert_eq!(w.desk.get_booking(&b.id).unwrap().status, BookingStatus::PaymentPending);
    assert_eq!(w.desk.get_hold(&b.hold_id).unwrap().status, HoldStatus::Active);
    assert_eq!(w.seats(&e), (8, 2, 0));
    assert_eq!(w.desk.attempts(&b.id).unwrap().len(), 1);
    w.advance(Duration::minutes(9));
    let p = w.desk.pay(&b.id, PaymentOutcome::Success, "t2", None).unwrap();
    assert_eq!(p.booking.status, BookingStatus::Confirmed);
    let outcomes: Vec<_> = w.desk.attempts(&b.id).unwrap().into_iter().map(|a| a.outcome).collect();
    assert_eq!(outcomes, vec![PaymentOutcome::Timeout, PaymentOutcome::Success]);
    assert_eq!(w.seats(&e), (8, 0, 2));
    w.assert_verified();
}

#[test]
fn unpaid_booking_expires_at_its_deadline_with_its_hold() {
    let w = World::new();
    let e = w.reserved(2, 5, 1_000);
    let b = w.booking(&e, 2);
    w.advance(Duration::minutes(10) - Duration::milliseconds(1));
    assert_eq!(w.desk.expire_due().unwrap().bookings, 0);
    w.advance(Duration::milliseconds(1));
    let s = w.desk.expire_due().unwrap();
    assert_eq!((s.bookings, s.holds), (1, 0), "the hold ends with its booking, not on its own");
    assert_eq!(w.desk.get_booking(&b.id).unwrap().status, BookingStatus::Expired);
    assert_eq!(w.desk.get_hold(&b.hold_id).unwrap().status, HoldStatus::Expired);
    assert_eq!(w.seats(&e), (10, 0, 0));
    assert!(w.desk.refund(&b.id).unwrap().is_none());
    w.assert_verified();
}

#[test]
fn cancel_pending_gives_seats_back_without_refund() {
    let w = World::new();
    let e = w.reserved(2, 5, 1_000);
    let b = w.booking(&e, 2);
    let c = w.desk.cancel(&b.id).unwrap();
    assert_eq!(c.booking.status, BookingStatus::Cancelled);
    assert!(c.refund.is_none());
    assert!(w.desk.refund(&b.id).unwrap().is_none());
    assert_eq!(w.desk.get_booking(&b.id).unwrap().status, BookingStatus::Cancelled);
    assert_eq!(w.desk.get_hold(&b.hold_id).unwrap().status, HoldStatus::Released);
    assert_eq!(w.seats(&e), (10, 0, 0));
    assert_eq!(w.count("SELECT count(*) FROM hold_seats WHERE live = 1"), 0);
    w.assert_verified();
}

#[test]
fn cancel_confirmed_gives_seats_back_with_partial_refund() {
    let w = World::new();
    let e = w.reserved(2, 5, 33_333);
    let b = w.booking(&e, 3); // 99_999
    w.desk.pay(&b.id, PaymentOutcome::Success, "k", None).unwrap();
    let c = w.desk.cancel(&b.id).unwrap();
    assert_eq!(c.booking.status, BookingStatus::Cancelled);
    let r = c.refund.unwrap();
    // floor(99_999 × 50 / 100) = 49_999; the fee keeps the rest.
    assert_eq!(
        (r.kind, r.percent, r.original_amount, r.amount, r.fee),
        (RefundKind::Partial, 50, 99_999, 49_999, 50_000)
    );
    assert_eq!(r.status, RefundStatus::Initiated);
    assert_eq!(w.desk.get_hold(&b.hold_id).unwrap().status, HoldStatus::Consumed, "the hold was used up by the sale");
    assert_eq!(w.seats(&e), (10, 0, 0));
    assert_eq!(w.count("SELECT count(*) FROM hold_seats WHERE live = 1"), 0);
    assert_eq!(w.desk.process_refunds().unwrap(), 1);
    let r = w.desk.refund(&b.id).unwrap().unwrap();
    assert_eq!(r.status, RefundStatus::Processed);
    assert_eq!(r.completed_at, Some(t0()));
    assert!(r.transaction_id.is_some());
    w.assert_verified();
}

#[test]
fn refund_percent_comes_from_the_config() {
    let w = World::with_config(boxoffice::Config { refund_percent: Some(30), ..Default::default() });
    let e = w.ga(5, 1_001);
    let b = w.booking(&e, 1);
    w.desk.pay(&b.id, PaymentOutcome::Success, "k", None).unwrap();
    let r = w.desk.cancel(&b.id).unwrap().refund.unwrap();
    assert_eq!((r.percent, r.amount, r.fee), (30, 300, 701));
    w.assert_verified();
}

// ---- refused -----------------------------------------------------------------

#[test]
fn a_confirmed_booking_cannot_be_paid_again() {
    let w = World::new();
    let e = w.ga(10, 5_000);
    let b = w.booking(&e, 1);
    w.desk.pay(&b.id, PaymentOutcome::Success, "first", None).unwrap();
    for (i, outcome) in
        [PaymentOutcome::Success, PaymentOutcome::Failure, PaymentOutcome::Timeout].into_iter().enumerate()
    {
        let err = w.refused(|d| d.pay(&b.id, outcome, &format!("second-{i}"), None));
        assert!(refused_text(&err).contains("already paid"), "{err}");
    }
    let attempts = w.desk.attempts(&b.id).unwrap();
    assert_eq!(attempts.len(), 1, "no double charge");
    assert_eq!(w.count("SELECT count(*) FROM payment_attempts WHERE outcome = 'SUCCESS'"), 1);
    assert_eq!(w.desk.get_booking(&b.id).unwrap().status, BookingStatus::Confirmed);
    w.assert_verified();
}

#[test]
fn ended_bookings_cannot_be_paid() {
    let w = World::new();
    let e = w.ga(10, 5_000);
    let failed = w.booking(&e, 1);
    w.desk.pay(&failed.id, PaymentOutcome::Failure, "f", None).unwrap();
    let cancelled = w.booking(&e, 1);
    w.desk.cancel(&cancelled.id).unwrap();
    let expired = w.booking(&e, 1);
    w.advance(Duration::minutes(10));
    w.desk.expire_due().unwrap();
    for (b, status) in [(&failed, "PAYMENT_FAILED"), (&cancelled, "CANCELLED"), (&expired, "EXPIRED")] {
        assert_eq!(w.desk.get_booking(&b.id).unwrap().status.as_str(), status);
        let err = w.refused(|d| d.pay(&b.id, PaymentOutcome::Success, &format!("late-{status}"), None));
        let why = refused_text(&err);
        assert!(why.contains(status) && why.contains("only a PAYMENT_PENDING"), "{why}");
    }
    w.assert_verified();
}

#[test]
fn paying_after_the_deadline_is_refused_even_before_the_sweep() {
    let w = World::new();
    let e = w.ga(10, 5_000);
    let b = w.booking(&e, 2);
    w.advance(Duration::minutes(10));
    for outcome in [PaymentOutcome::Success, PaymentOutcome::Failure, PaymentOutcome::Timeout] {
        let err = w.refused(|d| d.pay(&b.id, outcome, "late", None));
        assert!(refused_text(&err).contains("payment window closed"), "{err}");
    }
    assert_eq!(w.desk.get_booking(&b.id).unwrap().status, BookingStatus::PaymentPending);
    assert_eq!(w.desk.expire_due().unwrap().bookings, 1);
    assert_eq!(w.seats(&e), (10, 0, 0));
    w.assert_verified();
}

#[test]
fn booking_an_expired_or_released_hold_is_refused_with_the_reason() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let c = w.customer();

    let released = w.hold(&e, 1);
    w.desk.release(&released.id).unwrap();
    let err = w.refused(|d| d.book(&released.id, &c.id, None));
    assert!(refused_text(&err).contains("released"), "{err}");

    let expired = w.hold(&e, 1);
    w.advance(Duration::minutes(5));
    // Past its deadline but not yet swept: still refused, and says it expired.
    let err = w.refused(|d| d.book(&expired.id, &c.id, Some("b1")));
    assert!(refused_text(&err).contains("expired"), "{err}");
    w.desk.expire_due().unwrap();
    let err = w.refused(|d| d.book(&expired.id, &c.id, None));
    assert!(refused_text(&err).contains("expired"), "{err}");
    assert_eq!(w.count("SELECT count(*) FROM bookings"), 0);
    w.assert_verified();
}

#[test]
fn releasing_a_hold_with_a_pending_booking_is_refused() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let b = w.booking(&e, 2);
    let err = w.refused(|d| d.release(&b.hold_id));
    assert!(refused_text(&err).contains("awaiting payment"), "{err}");
    assert_eq!(w.seats(&e), (8, 2, 0));
    w.assert_verified();
}

#[test]
fn releasing_an_ended_hold_is_refused() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let released = w.hold(&e, 1);
    w.desk.release(&released.id).unwrap();
    let consumed = w.booking(&e, 1);
    w.desk.pay(&consumed.id, PaymentOutcome::Success, "k", None).unwrap();
    let expired = w.hold(&e, 1);
    w.advance(Duration::minutes(5));
    w.desk.expire_due().unwrap();
    for (id, word) in [(&released.id, "released"), (&consumed.hold_id, "paid for"), (&expired.id, "expired")] {
        let err = w.refused(|d| d.release(id));
        let why = refused_text(&err);
        assert!(why.starts_with("cannot release") && why.contains(word), "{why}");
    }
    w.assert_verified();
}

#[test]
fn cancelling_an_ended_booking_is_refused() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let failed = w.booking(&e, 1);
    w.desk.pay(&failed.id, PaymentOutcome::Failure, "f", None).unwrap();
    let cancelled = w.booking(&e, 1);
    w.desk.pay(&cancelled.id, PaymentOutcome::Success, "s", None).unwrap();
    w.desk.cancel(&cancelled.id).unwrap();
    let expired = w.booking(&e, 1);
    w.advance(Duration::minutes(10));
    w.desk.expire_due().unwrap();
    for (b, status) in [(&failed, "PAYMENT_FAILED"), (&cancelled, "CANCELLED"), (&expired, "EXPIRED")] {
        let err = w.refused(|d| d.cancel(&b.id));
        let why = refused_text(&err);
        assert!(why.starts_with("cannot cancel") && why.contains(status), "{why}");
    }
    // The cancelled sale was refunded once, not twice.
    assert_eq!(w.count("SELECT count(*) FROM refunds"), 2);
    w.assert_verified();
}

#[test]
fn the_sweep_leaves_confirmed_and_ended_records_alone() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let paid = w.booking(&e, 1);
    w.desk.pay(&paid.id, PaymentOutcome::Success, "s", None).unwrap();
    let failed = w.booking(&e, 1);
    w.desk.pay(&failed.id, PaymentOutcome::Failure, "f", None).unwrap();
    let released = w.hold(&e, 1);
    w.desk.release(&released.id).unwrap();
    w.advance(Duration::days(2));
    let before = w.dump();
    assert_eq!(w.desk.expire_due().unwrap(), Default::default());
    assert_eq!(before, w.dump());
}

#[test]
fn holding_for_an_event_that_has_started_is_refused() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let past = w
        .desk
        .create_event(NewEvent {
            name: "Yesterday".into(),
            description: String::new(),
            starts_at: t0() - Duration::hours(1),
            kind: EventKind::GeneralAdmission { capacity: 5 },
            price: 100,
            currency: "INR".into(),
        })
        .unwrap();
    let err = w.refused(|_| w.hold_req(&past, SeatPick::Count(1), None));
    assert!(refused_text(&err).contains("already started"), "{err}");
    // And the first event once its start time comes.
    w.advance(Duration::days(7));
    let err = w.refused(|_| w.hold_req(&e, SeatPick::Count(1), None));
    assert!(refused_text(&err).contains("already started"), "{err}");
    assert_eq!(w.seats(&e), (10, 0, 0));
}

#[test]
fn holding_a_taken_seat_is_refused() {
    let w = World::new();
    let e = w.reserved(2, 5, 1_000);
    w.hold_labels(&e, &["A3"]);
    let sold = w.hold_labels(&e, &["B1"]);
    let c = w.customer();
    let b = w.desk.book(&sold.id, &c.id, None).unwrap().value;
    w.desk.pay(&b.id, PaymentOutcome::Success, "k", None).unwrap();
    for (labels, taken) in [(vec!["A3"], "A3"), (vec!["A4", "a3"], "A3"), (vec!["B1"], "B1")] {
        let pick = SeatPick::Labels(labels.iter().map(|l| l.to_string()).collect());
        let err = w.refused(|_| w.hold_req(&e, pick, None));
        assert!(matches!(&err, Error::SeatTaken(l) if l == taken), "{err:?}");
        assert!(err.to_string().contains("already taken"));
    }
    assert_eq!(w.seats(&e), (8, 1, 1));
    w.assert_verified();
}

#[test]
fn holding_more_than_is_left_is_refused() {
    let w = World::new();
    let ga = w.ga(5, 1_000);
    w.hold(&ga, 3);
    let err = w.refused(|_| w.hold_req(&ga, SeatPick::Count(3), None));
    assert!(matches!(err, Error::NotEnoughSeats { requested: 3, available: 2 }), "{err:?}");
    let r = w.reserved(2, 2, 1_000);
    w.hold(&r, 3);
    let err = w.refused(|_| w.hold_req(&r, SeatPick::Count(2), None));
    assert!(matches!(err, Error::NotEnoughSeats { requested: 2, available: 1 }), "{err:?}");
    assert_eq!(w.seats(&ga), (2, 3, 0));
}

#[test]
fn general_admission_cannot_be_held_by_label() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let err = w.refused(|_| w.hold_req(&e, SeatPick::Labels(vec!["A1".into()]), None));
    assert!(refused_text(&err).contains("general admission"), "{err}");
    assert_eq!(w.seats(&e), (10, 0, 0));
}

// ---- audit and correlation ---------------------------------------------------

#[test]
fn one_sale_tells_its_whole_story_under_one_correlation_id() {
    let w = World::new();
    let e = w.reserved(3, 4, 50_000);
    let other = w.booking(&e, 1); // a second sale in between must not leak in
    let h = w.hold(&e, 1);
    let c = w.customer();
    let b = w.desk.book(&h.id, &c.id, Some("book-1")).unwrap().value;
    w.desk.book(&h.id, &c.id, Some("book-1")).unwrap(); // a retry
    w.desk.pay(&b.id, PaymentOutcome::Timeout, "p0", None).unwrap();
    w.desk.pay(&b.id, PaymentOutcome::Success, "p1", None).unwrap();
    w.desk.pay(&b.id, PaymentOutcome::Success, "p1", None).unwrap(); // a retry
    w.desk.pay(&other.id, PaymentOutcome::Success, "other", None).unwrap();
    let refund = w.desk.cancel(&b.id).unwrap().refund.unwrap();
    w.desk.process_refunds().unwrap();

    assert_eq!(b.correlation_id, h.correlation_id);
    assert_ne!(other.correlation_id, h.correlation_id);
    let story = w.story(&h.correlation_id);
    assert_eq!(
        steps(&story),
        vec![
            step("HOLD_CREATED", None, Some("ACTIVE")),
            step("BOOKING_CREATED", None, Some("PAYMENT_PENDING")),
            step("BOOKING_RETRY", None, None),
            step("PAYMENT_ATTEMPT", None, Some("TIMEOUT")),
            step("PAYMENT_ATTEMPT", None, Some("SUCCESS")),
            step("BOOKING_CONFIRMED", Some("PAYMENT_PENDING"), Some("CONFIRMED")),
            step("HOLD_CONSUMED", Some("ACTIVE"), Some("CONSUMED")),
            step("PAYMENT_RETRY", None, Some("SUCCESS")),
            step("BOOKING_CANCELLED", Some("CONFIRMED"), Some("CANCELLED")),
            step("REFUND_INITIATED", None, Some("INITIATED")),
            step("REFUND_PROCESSED", Some("INITIATED"), Some("PROCESSED")),
        ]
    );
    // Every audit row touching this sale's records carries its correlation id.
    let ids = [h.id.as_str(), b.id.as_str(), refund.id.as_str()];
    for row in w.all_audit() {
        let touches = ids.contains(&row.entity_id.as_str())
            || row.hold_id.as_deref() == Some(&h.id)
            || row.booking_id.as_deref() == Some(&b.id);
        assert_eq!(touches, row.correlation_id.as_deref() == Some(h.correlation_id.as_str()), "{row:?}");
    }
    // Every step names the clerk who did it (the tick's refund completion on
    // this desk too: the app's tick runs on a desk of its own, as `job:tick`).
    assert!(story.iter().all(|r| r.actor == "Sue" && r.clerk_id.is_some()), "{story:?}");
    w.assert_verified();
}

#[test]
fn expiry_and_failure_are_part_of_the_sale_story() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let failed = w.booking(&e, 1);
    w.desk.pay(&failed.id, PaymentOutcome::Failure, "f", None).unwrap();
    assert_eq!(
        steps(&w.story(&failed.correlation_id)),
        vec![
            step("HOLD_CREATED", None, Some("ACTIVE")),
            step("BOOKING_CREATED", None, Some("PAYMENT_PENDING")),
            step("PAYMENT_ATTEMPT", None, Some("FAILURE")),
            step("BOOKING_PAYMENT_FAILED", Some("PAYMENT_PENDING"), Some("PAYMENT_FAILED")),
            step("HOLD_RELEASED", Some("ACTIVE"), Some("RELEASED")),
            step("REFUND_INITIATED", None, Some("INITIATED")),
        ]
    );
    let expired = w.booking(&e, 2);
    w.advance(Duration::minutes(10));
    w.desk.expire_due().unwrap();
    assert_eq!(
        steps(&w.story(&expired.correlation_id)),
        vec![
            step("HOLD_CREATED", None, Some("ACTIVE")),
            step("BOOKING_CREATED", None, Some("PAYMENT_PENDING")),
            step("BOOKING_EXPIRED", Some("PAYMENT_PENDING"), Some("EXPIRED")),
            step("HOLD_EXPIRED", Some("ACTIVE"), Some("EXPIRED")),
        ]
    );
    let pending_cancel = w.booking(&e, 1);
    w.desk.cancel(&pending_cancel.id).unwrap();
    assert_eq!(
        steps(&w.story(&pending_cancel.correlation_id))[2..],
        [
            step("BOOKING_CANCELLED", Some("PAYMENT_PENDING"), Some("CANCELLED")),
            step("HOLD_RELEASED", Some("ACTIVE"), Some("RELEASED")),
        ]
    );
    w.assert_verified();
}

#[test]
fn every_state_change_has_exactly_one_audit_row() {
    let w = World::new();
    let e = w.ga(20, 1_000);
    let paid = w.booking(&e, 1);
    w.desk.pay(&paid.id, PaymentOutcome::Success, "a", None).unwrap();
    w.desk.cancel(&paid.id).unwrap();
    let failed = w.booking(&e, 1);
    w.desk.pay(&failed.id, PaymentOutcome::Failure, "b", None).unwrap();
    w.desk.pay(&failed.id, PaymentOutcome::Failure, "b", None).unwrap(); // retry: no new change
    let released = w.hold(&e, 2);
    w.desk.release(&released.id).unwrap();
    let _expired = w.booking(&e, 1);
    w.advance(Duration::minutes(10));
    w.desk.expire_due().unwrap();
    w.desk.process_refunds().unwrap();

    // Each (entity, from → to) transition appears exactly once per entity.
    let rows = w.all_audit();
    let mut seen = std::collections::HashMap::new();
    for r in rows.iter().filter(|r| r.from_status.is_some() || r.action.ends_with("_CREATED")) {
        *seen.entry((r.entity_id.clone(), r.from_status.clone(), r.to_status.clone())).or_insert(0) += 1;
    }
    assert!(seen.values().all(|n| *n == 1), "{seen:#?}");
    // Hold transitions: HOLD_CREATED ×4, then one leaving ACTIVE per hold (all four ended).
    assert_eq!(w.count("SELECT count(*) FROM audit_log WHERE action = 'HOLD_CREATED'"), 4);
    assert_eq!(w.count("SELECT count(*) FROM audit_log WHERE entity = 'hold' AND from_status = 'ACTIVE'"), 4);
    // Bookings: pending→confirmed→cancelled, pending→failed, pending→expired.
    assert_eq!(w.count("SELECT count(*) FROM audit_log WHERE entity = 'booking' AND from_status IS NOT NULL"), 4);
    // Refunds: two initiated, two processed.
    assert_eq!(w.count("SELECT count(*) FROM audit_log WHERE entity = 'refund'"), 4);
    // The status columns agree with the last audit row of each record.
    for (table, entity) in [("holds", "hold"), ("bookings", "booking"), ("refunds", "refund")] {
        let mismatched = w.count(&format!(
            "SELECT count(*) FROM {table} t WHERE t.status <> (SELECT a.to_status FROM audit_log a
               WHERE a.entity = '{entity}' AND a.entity_id = t.id AND a.is_retry = 0 AND a.to_status IS NOT NULL
               ORDER BY a.seq DESC LIMIT 1)"
        ));
        assert_eq!(mismatched, 0, "{table}");
    }
    w.assert_verified();
}
}

#[test]
fn audit_rows_are_append_only_in_the_database_itself() {
    let w = World::new();
    let e = w.ga(5, 1_000);
    w.hold(&e, 1);
    let before = w.dump();
    let raw = w.raw();
    for sql in ["UPDATE audit_log SET action = 'X'", "DELETE FROM audit_log"] {
        let err = raw.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(before, w.dump());
}
