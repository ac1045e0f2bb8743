//! The tick thread's work: expiring holds and unpaid bookings whose deadline
//! passed, completing refunds, and cheap checks of whether any is due.

use super::booking::move_booking;
use super::hold::end_hold;
use super::{Desk, Tx};
use crate::clock::to_millis;
use crate::domain::{AuditAction, AuditEntity, BookingStatus, HoldStatus, RefundStatus};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::sales;
use serde_json::json;
use std::collections::BTreeSet;

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub holds: usize,
    pub bookings: usize,
}

/// Rows a sweep handles per transaction.
const BATCH: usize = 200;

impl Desk {
    /// Expires, at the clock's now, every hold and unpaid booking whose deadline
    /// has passed.
    pub fn expire_due(&self) -> Result<Swept> {
        let bookings = self.expire_bookings()?;
        Ok(Swept { bookings, holds: self.expire_holds()? })
    }

    pub fn expire_bookings(&self) -> Result<usize> {
        self.expire_bookings_made_by(None)
    }

    pub fn expire_holds(&self) -> Result<usize> {
        self.expire_holds_made_by(None)
    }

    pub fn process_refunds(&self) -> Result<usize> {
        self.process_refunds_made_by(None)
    }

    pub fn bookings_due(&self) -> Result<bool> {
        self.bookings_due_made_by(None)
    }

    pub fn holds_due(&self) -> Result<bool> {
        self.holds_due_made_by(None)
    }

    pub fn refunds_due(&self) -> Result<bool> {
        self.refunds_due_made_by(None)
    }

    /// PAYMENT_PENDING bookings past their payment deadline → EXPIRED, and
    /// their holds with them; seats back to the pool. Batches of 200, each one
    /// transaction, so a long backlog never holds the write lock for long.
    /// With `made_by`, only sales whose hold that actor made (each sweep here
    /// takes it: a script on a shared file sweeps only its own sales).
    pub fn expire_bookings_made_by(&self, made_by: Option<&str>) -> Result<usize> {
        self.in_batches(|tx| {
            let mut due = sales::due_bookings(tx, tx.now_ms(), BATCH, made_by)?;
            let events: BTreeSet<String> = due.iter().map(|b| b.event_id.clone()).collect();
            if tx.lock_swept(&events)? {
                due = sales::due_bookings(tx, tx.now_ms(), BATCH, made_by)?;
                due.retain(|b| events.contains(&b.event_id));
            }
            for b in &due {
                let hold = sales::get_hold_without_labels(tx, &b.hold_id)?
                    .ok_or_else(|| Error::not_found("hold", &b.hold_id))?;
                move_booking(tx, b, BookingStatus::Expired)?;
                end_hold(tx, &hold, HoldStatus::Expired, Some(&b.id))?;
            }
            Ok(due.len())
        })
    }

    /// ACTIVE holds past their deadline with no booking awaiting payment → EXPIRED.
    pub fn expire_holds_made_by(&self, made_by: Option<&str>) -> Result<usize> {
        self.in_batches(|tx| {
            let mut due = sales::due_holds(tx, tx.now_ms(), BATCH, made_by)?;
            let events: BTreeSet<String> = due.iter().map(|h| h.event_id.clone()).collect();
            if tx.lock_swept(&events)? {
                due = sales::due_holds(tx, tx.now_ms(), BATCH, made_by)?;
                due.retain(|h| events.contains(&h.event_id));
            }
            for h in &due {
                end_hold(tx, h, HoldStatus::Expired, None)?;
            }
            Ok(due.len())
        })
    }

    fn in_batches(&self, mut f: impl FnMut(&Tx<'_>) -> Result<usize>) -> Result<usize> {
        let mut total = 0;
        loop {
            let n = self.write(&mut f)?;
            total += n;
            if n < BATCH {
                return Ok(total);
            }
        }
    }

    pub fn bookings_due_made_by(&self, made_by: Option<&str>) -> Result<bool> {
        Ok(!sales::due_bookings(&self.db, to_millis(self.now()), 1, made_by)?.is_empty())
    }

    pub fn holds_due_made_by(&self, made_by: Option<&str>) -> Result<bool> {
        Ok(!sales::due_holds(&self.db, to_millis(self.now()), 1, made_by)?.is_empty())
    }

    pub fn refunds_due_made_by(&self, made_by: Option<&str>) -> Result<bool> {
        Ok(!sales::initiated_refunds(&self.db, 1, made_by)?.is_empty())
    }

    /// Completes INITIATED refunds (the simulated gateway always pays out).
    pub fn process_refunds_made_by(&self, made_by: Option<&str>) -> Result<usize> {
        self.write(|tx| {
            let refunds = sales::initiated_refunds(tx, 500, made_by)?;
            for r in &refunds {
                let txn = format!("rfd_{}", tx.id().replace('-', ""));
                sales::complete_refund(tx, &r.id, &txn, tx.now_ms())?;
                let b = sales::get_booking(tx, &r.booking_id)?;
                tx.audit(NewAudit {
                    event_id: b.as_ref().map(|b| b.event_id.as_str()),
                    booking_id: Some(&r.booking_id),
                    from_status: Some(RefundStatus::Initiated.as_str()),
                    to_status: Some(RefundStatus::Processed.as_str()),
                    correlation_id: b.as_ref().map(|b| b.correlation_id.as_str()),
                    details: Some(json!({"amount": r.amount, "transaction_id": txn})),
                    ..NewAudit::new(AuditAction::RefundProcessed, AuditEntity::Refund, &r.id)
                })?;
            }
            Ok(refunds.len())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{count, event, world};
    use super::*;
    use crate::domain::{EventKind, PaymentOutcome};

    #[test]
    fn a_hold_expires_at_its_deadline_not_before() {
        let w = world();
        let h = w.hold(&w.ga, count(4));
        w.clock.set(h.expires_at - chrono::Duration::milliseconds(1));
        assert!(!w.desk.holds_due().expect("due"));
        assert_eq!(w.desk.expire_due().expect("sweep"), Swept::default(), "an idle sweep does nothing");
        w.clock.set(h.expires_at);
        assert!(w.desk.holds_due().expect("due"));
        assert_eq!(w.desk.expire_due().expect("sweep"), Swept { holds: 1, bookings: 0 });
        assert_eq!(w.desk.get_hold(&h.id).expect("hold").status, HoldStatus::Expired);
        assert_eq!(w.available(&w.ga), 10);
        // The desk that swept is signed in as Sue: the trail says so (the app's
        // tick sweeps on a desk of its own, as `job:tick`).
        assert_eq!(w.rows_of(AuditAction::HoldExpired)[0].actor, "Sue");
        w.verified();
    }

    #[test]
    fn a_booking_awaiting_payment_keeps_its_hold_until_its_own_deadline() {
        let w = world();
        let h = w.hold(&w.ga, count(2));
        let b = w.desk.book(&h.id, &w.jane.id, None).expect("book").value;
        w.clock.set(h.expires_at);
        assert_eq!(w.desk.expire_due().expect("sweep"), Swept::default(), "the payment deadline decides");
        w.clock.set(b.payment_expires_at);
        assert!(w.desk.bookings_due().expect("due"));
        assert_eq!(w.desk.expire_due().expect("sweep"), Swept { holds: 0, bookings: 1 });
        assert_eq!(w.desk.get_booking(&b.id).expect("booking").status, BookingStatus::Expired);
        let hold = w.desk.get_hold(&h.id).expect("hold");
        assert_eq!(hold.status, HoldStatus::Expired);
        assert_eq!(w.rows_of(AuditAction::HoldExpired)[0].booking_id.as_deref(), Some(b.id.as_str()));
        assert_eq!(w.available(&w.ga), 10);
        w.verified();
    }

    #[test]
    fn more_than_a_batch_expires_in_one_call() {
        let w = world();
        let big =
            w.desk.create_event(event("Big", EventKind::GeneralAdmission { capacity: 1000 }, 100)).expect("event");
        for _ in 0..(BATCH + 5) {
            w.hold(&big, count(1));
        }
        w.advance_minutes(5);
        assert_eq!(w.desk.expire_holds().expect("sweep"), BATCH + 5);
        assert_eq!(w.available(&big), 1000);
        w.verified();
    }

    #[test]
    fn initiated_refunds_are_paid_out_once() {
        let w = world();
        let h = w.hold(&w.ga, count(1));
        let b = w.desk.book(&h.id, &w.jane.id, None).expect("book").value;
        w.desk.pay(&b.id, PaymentOutcome::Failure, "pay-1", None).expect("pay");
        assert!(w.desk.refunds_due().expect("due"));
        assert_eq!(w.desk.process_refunds().expect("refunds"), 1);
        let r = w.desk.refund(&b.id).expect("refund").expect("one");
        assert_eq!(r.status, RefundStatus::Processed);
        assert!(r.transaction_id.as_deref().is_some_and(|t| t.starts_with("rfd_")));
        assert_eq!(r.completed_at, Some(w.desk.now()));
        assert!(!w.desk.refunds_due().expect("due"));
        assert_eq!(w.desk.process_refunds().expect("refunds"), 0);
        assert_eq!(w.count(AuditAction::RefundProcessed), 1);
        w.verified();
    }
}
