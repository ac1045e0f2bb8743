//! Idempotency: the same key twice for hold, book and pay gives one record,
//! returns the same entity marked as a retry, and audits the retry against the
//! original; a key reused for something else is refused and changes nothing.

mod common;
use boxoffice::Error;
use boxoffice::SeatPick;
use boxoffice::domain::{AuditRow, BookingStatus, HoldStatus, PaymentOutcome};
use common::World;

fn retry_rows(w: &World, action: &str) -> Vec<AuditRow> {
    w.all_audit().into_iter().filter(|r| r.action == action).collect()
}

fn refused_text(e: &Error) -> String {
    match e {
        Error::Refused(why) => why.clone(),
        other => panic!("expected Error::Refused, got {other:?}"),
    }
}

// Each test runs on a file and on PostgreSQL (`name::sqlite`, `name::postgres`).
crate::on_both_backends! {
#[test]
fn hold_twice_with_one_key_makes_one_hold() {
    let w = World::new();
    let e = w.reserved(3, 4, 1_000);
    let req = || boxoffice::HoldRequest {
        event_id: e.id.clone(),
        pick: SeatPick::Count(2),
        idempotency_key: Some("hold-key".into()),
        correlation_id: None,
    };
    let first = w.desk.hold(req()).unwrap();
    let second = w.desk.hold(req()).unwrap();
    assert!(!first.is_retry && second.is_retry);
    assert_eq!(first.value, second.value);
    assert_eq!(w.count("SELECT count(*) FROM holds"), 1);
    assert_eq!(w.count("SELECT count(*) FROM hold_seats"), 2);
    assert_eq!(w.count("SELECT count(*) FROM idempotency_keys"), 1);
    assert_eq!(w.seats(&e), (10, 2, 0), "seats taken once");
    let retries = retry_rows(&w, "HOLD_RETRY");
    assert_eq!(retries.len(), 1);
    let r = &retries[0];
    assert!(r.is_retry);
    assert_eq!(r.original_attempt_id.as_deref(), Some(first.value.id.as_str()));
    assert_eq!(r.correlation_id.as_deref(), Some(first.value.correlation_id.as_str()));
    assert_eq!(r.from_status, None, "a retry is not a state change");
    w.assert_verified();
}

#[test]
fn a_hold_retry_returns_the_hold_as_it_is_now() {
    let w = World::new();
    let e = w.ga(5, 1_000);
    let first = w.hold_req(&e, SeatPick::Count(1), Some("k")).unwrap();
    w.desk.release(&first.id).unwrap();
    let again = w.desk.hold(boxoffice::HoldRequest {
        event_id: e.id.clone(),
        pick: SeatPick::Count(1),
        idempotency_key: Some("k".into()),
        correlation_id: None,
    });
    let again = again.unwrap();
    assert!(again.is_retry);
    assert_eq!(again.value.id, first.id);
    assert_eq!(again.value.status, HoldStatus::Released, "a replay does not re-hold released seats");
    assert_eq!(w.seats(&e), (5, 0, 0));
    w.assert_verified();
}

#[test]
fn a_hold_key_reused_for_another_event_is_refused() {
    let w = World::new();
    let a = w.ga(5, 1_000);
    let b = w.ga(5, 1_000);
    w.hold_req(&a, SeatPick::Count(1), Some("k")).unwrap();
    let err = w.refused(|_| w.hold_req(&b, SeatPick::Count(1), Some("k")));
    assert!(refused_text(&err).contains("another event"), "{err}");
    assert_eq!(w.seats(&b), (5, 0, 0));
}

#[test]
fn book_twice_with_one_key_makes_one_booking() {
    let w = World::new();
    let e = w.ga(5, 1_000);
    let h = w.hold(&e, 2);
    let c = w.customer();
    let first = w.desk.book(&h.id, &c.id, Some("book-key")).unwrap();
    let second = w.desk.book(&h.id, &c.id, Some("book-key")).unwrap();
    assert!(!first.is_retry && second.is_retry);
    assert_eq!(first.value, second.value);
    assert_eq!(w.count("SELECT count(*) FROM bookings"), 1);
    let retries = retry_rows(&w, "BOOKING_RETRY");
    assert_eq!(retries.len(), 1);
    assert!(retries[0].is_retry);
    assert_eq!(retries[0].original_attempt_id.as_deref(), Some(first.value.id.as_str()));
    assert_eq!(retries[0].booking_id.as_deref(), Some(first.value.id.as_str()));
    assert_eq!(retries[0].correlation_id.as_deref(), Some(h.correlation_id.as_str()));
    w.assert_verified();
}

#[test]
fn book_twice_without_a_key_returns_the_one_booking_of_the_hold() {
    let w = World::new();
    let e = w.ga(5, 1_000);
    let h = w.hold(&e, 1);
    let c = w.customer();
    let first = w.desk.book(&h.id, &c.id, None).unwrap();
    let second = w.desk.book(&h.id, &c.id, None).unwrap();
    let third = w.desk.book(&h.id, &c.id, Some("a-new-key")).unwrap();
    assert!(!first.is_retry && second.is_retry && third.is_retry);
    assert_eq!(first.value, second.value);
    assert_eq!(first.value, third.value);
    assert_eq!(w.count("SELECT count(*) FROM bookings"), 1);
    assert_eq!(retry_rows(&w, "BOOKING_RETRY").len(), 2);
    // Still one booking per hold once the sale has ended.
    w.desk.pay(&first.value.id, PaymentOutcome::Failure, "f", None).unwrap();
    let after = w.desk.book(&h.id, &c.id, None).unwrap();
    assert!(after.is_retry);
    assert_eq!(after.value.status, BookingStatus::PaymentFailed);
    assert_eq!(w.count("SELECT count(*) FROM bookings"), 1);
    w.assert_verified();
}

#[test]
fn a_book_key_reused_for_another_hold_is_refused() {
    let w = World::new();
    let e = w.ga(5, 1_000);
    let c = w.customer();
    let h1 = w.hold(&e, 1);
    let h2 = w.hold(&e, 1);
    w.desk.book(&h1.id, &c.id, Some("bk")).unwrap();
    let err = w.refused(|d| d.book(&h2.id, &c.id, Some("bk")));
    assert!(refused_text(&err).contains("another hold"), "{err}");
    assert!(w.desk.booking_for_hold(&h2.id).unwrap().is_none());
}

#[test]
fn pay_twice_with_one_key_charges_once() {
    for outcome in [PaymentOutcome::Success, PaymentOutcome::Failure, PaymentOutcome::Timeout] {
        let w = World::new();
        let e = w.ga(5, 2_500);
        let b = w.booking(&e, 2);
        let first = w.desk.pay(&b.id, outcome, "pay-key", Some(5_000)).unwrap();
        let second = w.desk.pay(&b.id, outcome, "pay-key", Some(5_000)).unwrap();
        assert!(!first.is_retry && second.is_retry, "{outcome}");
        assert_eq!(first.attempt, second.attempt, "{outcome}");
        assert_eq!(first.booking.status, second.booking.status);
        assert_eq!(first.refund, second.refund);
        assert_eq!(w.count("SELECT count(*) FROM payment_attempts"), 1, "{outcome}");
        let refunds = if outcome == PaymentOutcome::Failure { 1 } else { 0 };
        assert_eq!(w.count("SELECT count(*) FROM refunds"), refunds, "{outcome}");
        let retries = retry_rows(&w, "PAYMENT_RETRY");
        assert_eq!(retries.len(), 1);
        assert!(retries[0].is_retry);
        assert_eq!(retries[0].original_attempt_id.as_deref(), Some(first.attempt.id.as_str()));
        assert_eq!(retries[0].entity_id, first.attempt.id);
        assert_eq!(retries[0].correlation_id.as_deref(), Some(b.correlation_id.as_str()));
        assert_eq!(w.count("SELECT count(*) FROM audit_log WHERE action = 'PAYMENT_ATTEMPT'"), 1);
        w.assert_verified();
    }
}

#[test]
fn a_pay_retry_with_another_outcome_returns_the_stored_result() {
    let w = World::new();
    let e = w.ga(5, 2_500);
    let b = w.booking(&e, 1);
    let first = w.desk.pay(&b.id, PaymentOutcome::Success, "k", None).unwrap();
    let second = w.desk.pay(&b.id, PaymentOutcome::Failure, "k", None).unwrap();
    assert!(second.is_retry);
    assert_eq!(second.attempt, first.attempt);
    assert_eq!(second.booking.status, BookingStatus::Confirmed);
    assert!(second.refund.is_none());
    assert_eq!(w.count("SELECT count(*) FROM payment_attempts"), 1);
    // After the sale is cancelled, the replay still finds the original attempt.
    w.desk.cancel(&b.id).unwrap();
    let third = w.desk.pay(&b.id, PaymentOutcome::Success, "k", None).unwrap();
    assert!(third.is_retry);
    assert_eq!(third.attempt, first.attempt);
    assert_eq!(third.booking.status, BookingStatus::Cancelled);
    assert_eq!(w.count("SELECT count(*) FROM payment_attempts"), 1);
    w.assert_verified();
}

#[test]
fn a_pay_key_reused_for_another_booking_is_refused() {
    let w = World::new();
    let e = w.ga(5, 2_500);
    let b1 = w.booking(&e, 1);
    let b2 = w.booking(&e, 1);
    w.desk.pay(&b1.id, PaymentOutcome::Success, "k", None).unwrap();
    let err = w.refused(|d| d.pay(&b2.id, PaymentOutcome::Success, "k", None));
    assert!(refused_text(&err).contains("another booking"), "{err}");
    assert_eq!(w.desk.get_booking(&b2.id).unwrap().status, BookingStatus::PaymentPending);
    assert!(w.desk.attempts(&b2.id).unwrap().is_empty());
}

#[test]
fn keys_do_not_cross_operations() {
    let w = World::new();
    let e = w.ga(5, 2_500);
    let h = w.hold_req(&e, SeatPick::Count(1), Some("hold-k")).unwrap();
    let c = w.customer();
    let b = w.desk.book(&h.id, &c.id, Some("book-k")).unwrap().value;
    w.desk.pay(&b.id, PaymentOutcome::Timeout, "pay-k", None).unwrap();

    let err = w.refused(|d| d.pay(&b.id, PaymentOutcome::Success, "hold-k", None));
    assert!(refused_text(&err).contains("already used for a hold"), "{err}");
    let err = w.refused(|d| d.pay(&b.id, PaymentOutcome::Success, "book-k", None));
    assert!(refused_text(&err).contains("already used for a book"), "{err}");
    let err = w.refused(|_| w.hold_req(&e, SeatPick::Count(1), Some("pay-k")));
    assert!(refused_text(&err).contains("already used for a pay"), "{err}");
    let err = w.refused(|_| w.hold_req(&e, SeatPick::Count(1), Some("book-k")));
    assert!(refused_text(&err).contains("already used for a book"), "{err}");
    let h2 = w.hold(&e, 1);
    let err = w.refused(|d| d.book(&h2.id, &c.id, Some("hold-k")));
    assert!(refused_text(&err).contains("already used for a hold"), "{err}");
    assert_eq!(w.desk.get_booking(&b.id).unwrap().status, BookingStatus::PaymentPending);
    w.assert_verified();
}

#[test]
fn blank_keys_mean_no_key_and_long_keys_are_refused() {
    let w = World::new();
    let e = w.ga(5, 2_500);
    // A blank hold key is no key: two holds.
    w.hold_req(&e, SeatPick::Count(1), Some("  ")).unwrap();
    w.hold_req(&e, SeatPick::Count(1), Some("")).unwrap();
    assert_eq!(w.count("SELECT count(*) FROM holds"), 2);
    assert_eq!(w.count("SELECT count(*) FROM idempotency_keys"), 0);
    // A payment needs a key.
    let b = w.booking(&e, 1);
    let err = w.refused(|d| d.pay(&b.id, PaymentOutcome::Success, " ", None));
    assert!(matches!(&err, Error::Invalid(i) if i.field == "idempotency key"), "{err:?}");
    let long = "k".repeat(201);
    let err = w.refused(|d| d.pay(&b.id, PaymentOutcome::Success, &long, None));
    assert!(matches!(&err, Error::Invalid(i) if i.field == "idempotency key"), "{err:?}");
    // Keys are trimmed: " k " and "k" are one key.
    w.desk.pay(&b.id, PaymentOutcome::Success, " k ", None).unwrap();
    assert!(w.desk.pay(&b.id, PaymentOutcome::Success, "k", None).unwrap().is_retry);
    w.assert_verified();
}

#[test]
fn booking_a_booked_hold_for_another_customer_is_refused() {
    let w = World::new();
    let e = w.ga(5, 1_000);
    let b = w.booking(&e, 1);
    let other = w
        .desk
        .customer(boxoffice::domain::NewCustomer {
            name: "Raj".into(),
            email: None,
            phone: Some("+91 99999 12345".into()),
        })
        .expect("customer")
        .value;
    let err = w.refused(|d| d.book(&b.hold_id, &other.id, None));
    assert!(err.to_string().contains("already booked"), "{err}");
}
}
