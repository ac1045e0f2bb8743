//! The seed scenarios of DESIGN.md, end to end on a manual clock.

mod common;
use boxoffice::domain::{BookingStatus, HoldStatus, PaymentOutcome, RefundKind, RefundStatus};
use boxoffice::jobs::{Jobs, MemorySink};
use chrono::Duration;
use common::World;

// The scenarios on a file and on PostgreSQL (`name::sqlite`, `name::postgres`).
crate::on_both_backends! {
#[test]
fn payment_success_confirms_and_keeps_seats_sold() {
    let w = World::new();
    let e = w.ga(10, 25_000);
    let b = w.booking(&e, 2);
    assert_eq!(b.amount, 50_000);
    let p = w.desk.pay(&b.id, PaymentOutcome::Success, "k1", Some(50_000)).unwrap();
    assert_eq!(p.booking.status, BookingStatus::Confirmed);
    assert_eq!(w.desk.get_booking(&b.id).unwrap().status, BookingStatus::Confirmed);
    assert_eq!(w.desk.get_hold(&b.hold_id).unwrap().status, HoldStatus::Consumed);
    assert_eq!(w.available(&e), 8);
    w.advance(Duration::hours(1));
    w.desk.expire_due().unwrap();
    assert_eq!(w.available(&e), 8, "sold seats never expire");
    w.assert_verified();
}

#[test]
fn payment_failure_releases_and_records_full_refund() {
    let w = World::new();
    let e = w.reserved(3, 4, 10_000);
    let b = w.booking(&e, 2);
    let p = w.desk.pay(&b.id, PaymentOutcome::Failure, "k1", None).unwrap();
    assert_eq!(p.booking.status, BookingStatus::PaymentFailed);
    assert_eq!(w.desk.get_hold(&b.hold_id).unwrap().status, HoldStatus::Released);
    assert_eq!(w.available(&e), 12);
    let r = p.refund.unwrap();
    assert_eq!((r.kind, r.amount, r.fee, r.status), (RefundKind::Full, 20_000, 0, RefundStatus::Initiated));
    w.assert_verified();
}

#[test]
fn cancel_confirmed_refunds_half_then_processed_after_tick() {
    let w = World::new();
    let e = w.ga(10, 50_000);
    let b = w.booking(&e, 1);
    w.desk.pay(&b.id, PaymentOutcome::Success, "k", None).unwrap();
    let c = w.desk.cancel(&b.id).unwrap();
    let r = c.refund.unwrap();
    assert_eq!((r.amount, r.fee, r.status), (25_000, 25_000, RefundStatus::Initiated));
    assert_eq!(w.available(&e), 10);
    let desk2 = w.target().open(w.desk.ctx().clone(), "job:test").unwrap();
    let mut jobs = Jobs::new(desk2, Box::new(MemorySink::default()));
    jobs.tick().unwrap();
    let r = w.desk.refund(&b.id).unwrap().unwrap();
    assert_eq!(r.status, RefundStatus::Processed);
    assert!(r.completed_at.is_some() && r.transaction_id.is_some());
    w.assert_verified();
}

#[test]
fn timeout_stays_pending_then_expires_after_deadline() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let b = w.booking(&e, 3);
    let p = w.desk.pay(&b.id, PaymentOutcome::Timeout, "k1", None).unwrap();
    assert_eq!(p.booking.status, BookingStatus::PaymentPending);
    w.advance(Duration::minutes(6)); // past the hold's 5 min, inside the 10 min payment window
    w.desk.expire_due().unwrap();
    assert_eq!(w.desk.get_hold(&b.hold_id).unwrap().status, HoldStatus::Active);
    assert_eq!(w.available(&e), 7);
    w.advance(Duration::minutes(5));
    let s = w.desk.expire_due().unwrap();
    assert_eq!(s.bookings, 1);
    assert_eq!(w.desk.get_booking(&b.id).unwrap().status, BookingStatus::Expired);
    assert_eq!(w.desk.get_hold(&b.hold_id).unwrap().status, HoldStatus::Expired);
    assert_eq!(w.available(&e), 10);
    w.assert_verified();
}

#[test]
fn hold_left_alone_expires() {
    let w = World::new();
    let e = w.reserved(2, 5, 1_000);
    let h = w.hold(&e, 3);
    assert_eq!(h.labels, vec!["A2", "A3", "A4"]);
    w.advance(Duration::minutes(5));
    assert_eq!(w.desk.expire_due().unwrap().holds, 1);
    assert_eq!(w.desk.get_hold(&h.id).unwrap().status, HoldStatus::Expired);
    assert_eq!(w.available(&e), 10);
    w.assert_verified();
}
}
