//! Payment: an attempt moves a PAYMENT_PENDING booking — cash (always
//! succeeds, with change), or card or UPI through the simulator's outcome;
//! the same idempotency key again replays the stored result. Each attempt
//! records its method and belongs to the paying clerk's open shift.

use super::booking::move_booking;
use super::cancel::start_refund;
use super::hold::{end_hold, set_hold};
use super::till::shift_for_money;
use super::{Desk, Tx, clean_key, used_for};
use crate::domain::{
    AuditAction, AuditEntity, Booking, BookingEvent, HoldStatus, IdempotencyScope, Invalid, PaymentAttempt,
    PaymentOutcome, Refund, RefundKind, Tender, cash_change,
};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::sales;
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    pub attempt: PaymentAttempt,
    pub booking: Booking,
    pub refund: Option<Refund>,
    pub is_retry: bool,
}

impl Desk {
    /// Records a card payment attempt with the simulator's outcome (see
    /// [`pay_with`](Desk::pay_with) for cash and UPI). The same key again
    /// returns the stored result, changes nothing, and is audited as a retry.
    pub fn pay(
        &self,
        booking_id: &str,
        outcome: PaymentOutcome,
        idempotency_key: &str,
        amount: Option<i64>,
    ) -> Result<Payment> {
        self.pay_tender(booking_id, Tender::Card(outcome), idempotency_key, amount)
    }

    /// Takes payment as tendered: cash (at least the amount due; the change
    /// is recorded, and cash always succeeds) in the till's currency, or card
    /// or UPI with the simulator's outcome. As [`pay`](Desk::pay) for replays.
    pub fn pay_with(&self, booking_id: &str, tender: Tender, idempotency_key: &str) -> Result<Payment> {
        self.pay_tender(booking_id, tender, idempotency_key, None)
    }

    fn pay_tender(
        &self,
        booking_id: &str,
        tender: Tender,
        idempotency_key: &str,
        amount: Option<i64>,
    ) -> Result<Payment> {
        let outcome = tender.outcome();
        let key = clean_key(Some(idempotency_key))?
            .ok_or_else(|| Invalid::new("idempotency key", "is required for a payment"))?;
        self.write(|tx| {
            tx.lock_booking(booking_id)?;
            tx.signed_in()?;
            if let Some(original) = stored_attempt(tx, key)? {
                if original.booking_id != booking_id {
                    return Err(Error::refused("that idempotency key was used to pay another booking"));
                }
                let booking =
                    sales::get_booking(tx, booking_id)?.ok_or_else(|| Error::not_found("booking", booking_id))?;
                tx.audit(NewAudit {
                    event_id: Some(&booking.event_id),
                    hold_id: Some(&booking.hold_id),
                    booking_id: Some(&booking.id),
                    to_status: Some(original.outcome.as_str()),
                    correlation_id: Some(&booking.correlation_id),
                    is_retry: true,
                    original_attempt_id: Some(&original.id),
                    details: Some(json!({"idempotency_key": key, "requested_outcome": outcome.as_str()})),
                    ..NewAudit::new(AuditAction::PaymentRetry, AuditEntity::Payment, &original.id)
                })?;
                let refund = sales::refund_for(tx, booking_id)?;
                return Ok(Payment { attempt: original, booking, refund, is_retry: true });
            }
            let booking = sales::get_booking(tx, booking_id)?.ok_or_else(|| Error::not_found("booking", booking_id))?;
            let to = booking
                .status
                .on(BookingEvent::Pay(outcome))
                .map_err(|why| Error::refused(format!("cannot pay: {why}")))?;
            if booking.payment_expires_at <= tx.now {
                return Err(Error::refused(format!(
                    "cannot pay: the payment window closed at {}; the booking is expiring",
                    booking.payment_expires_at.format("%H:%M:%S UTC")
                )));
            }
            if let Some(given) = amount
                && given != booking.amount
            {
                return Err(Invalid::new(
                    "amount",
                    format!("{given} does not match seats × price = {} (minor units)", booking.amount),
                )
                .into());
            }
            let shift = shift_for_money(tx)?;
            let (tendered, change) = match tender {
                Tender::Cash { tendered } => {
                    if booking.currency != shift.currency {
                        return Err(Error::refused(format!(
                            "cash is taken in {} only (the till's currency) and this booking is in {}; take card or UPI",
                            shift.currency, booking.currency
                        )));
                    }
                    (Some(tendered), Some(cash_change(booking.amount, tendered, &booking.currency)?))
                }
                _ => (None, None),
            };
            let id = tx.id();
            let attempt = PaymentAttempt {
                transaction_id: (outcome == PaymentOutcome::Success).then(|| format!("txn_{}", id.replace('-', ""))),
                id,
                booking_id: booking.id.clone(),
                idempotency_key: key.to_string(),
                outcome,
                amount: booking.amount,
                created_at: tx.now,
                method: tender.method(),
                shift_id: Some(shift.id.clone()),
                tendered,
                change,
            };
            sales::insert_attempt(tx, &attempt)?;
            sales::remember(tx, IdempotencyScope::Pay, key, &attempt.id, tx.now_ms())?;
            tx.audit(NewAudit {
                event_id: Some(&booking.event_id),
                hold_id: Some(&booking.hold_id),
                booking_id: Some(&booking.id),
                to_status: Some(outcome.as_str()),
                correlation_id: Some(&booking.correlation_id),
                details: Some(json!({
                    "idempotency_key": key, "amount": attempt.amount, "method": attempt.method.as_str(),
                    "shift_id": shift.id, "tendered": tendered, "change": change,
                })),
                ..NewAudit::new(AuditAction::PaymentAttempt, AuditEntity::Payment, &attempt.id)
            })?;
            let mut refund = None;
            if to != booking.status {
                let hold = sales::get_hold_without_labels(tx, &booking.hold_id)?
                    .ok_or_else(|| Error::not_found("hold", &booking.hold_id))?;
                move_booking(tx, &booking, to)?;
                match outcome {
                    PaymentOutcome::Success => set_hold(tx, &hold, HoldStatus::Consumed, Some(&booking.id))?,
                    PaymentOutcome::Failure => {
                        end_hold(tx, &hold, HoldStatus::Released, Some(&booking.id))?;
                        let paid_back = (attempt.method, shift.id.as_str());
                        refund = Some(start_refund(tx, &booking, RefundKind::Full, 100, paid_back, None)?);
                    }
                    PaymentOutcome::Timeout => {}
                }
            }
            Ok(Payment {
                attempt,
                booking: Booking { status: to, updated_at: tx.now, ..booking },
                refund,
                is_retry: false,
            })
        })
    }

    pub fn attempts(&self, booking_id: &str) -> Result<Vec<PaymentAttempt>> {
        sales::attempts_for(&self.db, booking_id)
    }
}

/// A payment attempt is found by its key for ever (the key is unique on the
/// attempts table), even after the 24 h idempotency record is pruned; a key
/// used for a hold or a booking is refused.
fn stored_attempt(tx: &Tx<'_>, key: &str) -> Result<Option<PaymentAttempt>> {
    if let Some(attempt) = sales::attempt_by_key(tx, key)? {
        return Ok(Some(attempt));
    }
    match sales::idempotency_scope(tx, key)? {
        Some(other) if other != IdempotencyScope::Pay => Err(used_for(other)),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{count, request, world};
    use super::*;
    use crate::domain::{BookingStatus, RefundStatus};

    #[test]
    fn success_confirms_the_booking_and_sells_the_seats() {
        let w = world();
        let b = w.booked(&w.ga, count(2));
        let p = w.desk.pay(&b.id, PaymentOutcome::Success, "pay-1", Some(40_000)).expect("pay");
        assert_eq!((p.booking.status, p.refund, p.is_retry), (BookingStatus::Confirmed, None, false));
        assert!(p.attempt.transaction_id.as_deref().is_some_and(|t| t.starts_with("txn_")));
        assert_eq!(w.desk.get_hold(&b.hold_id).expect("hold").status, HoldStatus::Consumed);
        assert_eq!(w.available(&w.ga), 8, "sold seats stay out of the pool");
        assert_eq!(w.count(AuditAction::BookingConfirmed), 1);
        assert_eq!(w.count(AuditAction::HoldConsumed), 1);
        w.verified();
    }

    #[test]
    fn failure_frees_the_seats_and_records_a_full_refund() {
        let w = world();
        let b = w.booked(&w.ga, count(2));
        let p = w.desk.pay(&b.id, PaymentOutcome::Failure, "pay-1", None).expect("pay");
        assert_eq!(p.booking.status, BookingStatus::PaymentFailed);
        let refund = p.refund.expect("a FULL refund");
        assert_eq!((refund.kind, refund.amount, refund.fee), (RefundKind::Full, 40_000, 0));
        assert_eq!(refund.status, RefundStatus::Initiated);
        assert_eq!(w.desk.get_hold(&b.hold_id).expect("hold").status, HoldStatus::Released);
        assert_eq!(w.available(&w.ga), 10);
        assert_eq!(w.count(AuditAction::BookingPaymentFailed), 1);
        w.verified();
    }

    #[test]
    fn timeout_keeps_the_booking_pending_for_a_retry_with_a_new_key() {
        let w = world();
        let b = w.booked(&w.ga, count(1));
        let p = w.desk.pay(&b.id, PaymentOutcome::Timeout, "pay-1", None).expect("timeout");
        assert_eq!(p.booking.status, BookingStatus::PaymentPending);
        let p = w.desk.pay(&b.id, PaymentOutcome::Success, "pay-2", None).expect("success");
        assert_eq!(p.booking.status, BookingStatus::Confirmed);
        assert_eq!(w.desk.attempts(&b.id).expect("attempts").len(), 2);
        w.verified();
    }

    #[test]
    fn the_same_key_replays_and_a_second_charge_is_refused() {
        let w = world();
        let b = w.booked(&w.ga, count(1));
        let first = w.desk.pay(&b.id, PaymentOutcome::Success, "pay-1", None).expect("pay");
        let again = w.desk.pay(&b.id, PaymentOutcome::Failure, "pay-1", None).expect("replay");
        assert!(again.is_retry);
        assert_eq!((again.attempt.clone(), again.booking.status), (first.attempt, BookingStatus::Confirmed));
        let retry = &w.rows_of(AuditAction::PaymentRetry)[0];
        assert_eq!(retry.details["requested_outcome"], "FAILURE");
        let second = w.desk.pay(&b.id, PaymentOutcome::Success, "pay-2", None);
        assert!(matches!(second, Err(Error::Refused(why)) if why.contains("charged twice")));
        assert_eq!(w.desk.attempts(&b.id).expect("attempts").len(), 1);
        w.verified();
    }

    #[test]
    fn bad_payments_change_nothing() {
        let w = world();
        let b = w.booked(&w.ga, count(1));
        let before = w.audit().len();
        assert!(matches!(w.desk.pay(&b.id, PaymentOutcome::Success, "  ", None), Err(Error::Invalid(_))));
        let wrong = w.desk.pay(&b.id, PaymentOutcome::Success, "pay-1", Some(1));
        assert!(matches!(wrong, Err(Error::Invalid(i)) if i.field == "amount"));
        let other = w.booked(&w.ga, count(1));
        w.desk.hold(request(&w.ga, count(1), Some("hold-key"))).expect("hold with a key");
        let reused = w.desk.pay(&other.id, PaymentOutcome::Success, "hold-key", None);
        assert!(matches!(reused, Err(Error::Refused(why)) if why.contains("already used for a hold")));
        w.advance_minutes(10);
        let late = w.desk.pay(&b.id, PaymentOutcome::Success, "pay-2", None);
        assert!(matches!(late, Err(Error::Refused(why)) if why.contains("window closed")));
        assert_eq!(w.count(AuditAction::PaymentAttempt), 0);
        assert_eq!(w.audit().len(), before + 3, "only the second booking's hold and booking, and the keyed hold");
    }
}
