//! Booking: an ACTIVE hold becomes a PAYMENT_PENDING booking for a customer
//! (one booking per hold, ever); and the booking move the other capabilities share.

use super::{Desk, Replayed, Tx, clean_key, replay_id};
use crate::domain::{AuditAction, AuditEntity, Booking, BookingStatus, HoldStatus, IdempotencyScope};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::{catalog, sales};
use serde_json::json;

impl Desk {
    /// Turns an ACTIVE hold into a PAYMENT_PENDING booking. One booking per
    /// hold: asking again returns the same booking, audited as a retry.
    pub fn book(&self, hold_id: &str, customer_id: &str, idempotency_key: Option<&str>) -> Result<Replayed<Booking>> {
        let key = clean_key(idempotency_key)?;
        self.write(|tx| {
            let existing = match key {
                Some(key) => replay_id(tx, IdempotencyScope::Book, key)?,
                None => None,
            };
            let existing = match existing {
                Some(id) => sales::get_booking(tx, &id)?,
                None => sales::booking_for_hold(tx, hold_id)?,
            };
            if let Some(b) = existing {
                if b.hold_id != hold_id {
                    return Err(Error::refused("that idempotency key was used for another hold's booking"));
                }
                if b.customer_id != customer_id {
                    return Err(Error::refused(format!(
                        "this hold is already booked (booking {}) for another customer; one booking per hold",
                        crate::ids::short(&b.id)
                    )));
                }
                tx.audit(NewAudit {
                    event_id: Some(&b.event_id),
                    hold_id: Some(&b.hold_id),
                    booking_id: Some(&b.id),
                    correlation_id: Some(&b.correlation_id),
                    is_retry: true,
                    original_attempt_id: Some(&b.id),
                    details: Some(json!({"idempotency_key": key})),
                    ..NewAudit::new(AuditAction::BookingRetry, AuditEntity::Booking, &b.id)
                })?;
                return Ok(Replayed { value: b, is_retry: true });
            }
            let hold = sales::get_hold_without_labels(tx, hold_id)?.ok_or_else(|| Error::not_found("hold", hold_id))?;
            if hold.status != HoldStatus::Active {
                return Err(Error::refused(format!("cannot book: {}", hold.status.refusal())));
            }
            if hold.expires_at <= tx.now {
                return Err(Error::refused(format!(
                    "cannot book: the hold expired at {}; hold the seats again",
                    hold.expires_at.format("%H:%M:%S UTC")
                )));
            }
            let customer =
                catalog::get_customer(tx, customer_id)?.ok_or_else(|| Error::not_found("customer", customer_id))?;
            let event =
                catalog::get_event(tx, &hold.event_id)?.ok_or_else(|| Error::not_found("event", &hold.event_id))?;
            let amount = event
                .price
                .checked_mul(i64::from(hold.seats))
                .ok_or_else(|| Error::refused("the amount is too large to charge"))?;
            let booking = Booking {
                id: tx.id(),
                hold_id: hold.id.clone(),
                event_id: event.id.clone(),
                customer_id: customer.id.clone(),
                seats: hold.seats,
                amount,
                currency: event.currency.clone(),
                status: BookingStatus::PaymentPending,
                correlation_id: hold.correlation_id.clone(),
                created_at: tx.now,
                payment_expires_at: tx.now + tx.policy()?.payment_window(),
                updated_at: tx.now,
            };
            sales::insert_booking(tx, &booking)?;
            if let Some(key) = key {
                sales::remember(tx, IdempotencyScope::Book, key, &booking.id, tx.now_ms())?;
            }
            tx.audit(NewAudit {
                event_id: Some(&booking.event_id),
                hold_id: Some(&hold.id),
                booking_id: Some(&booking.id),
                to_status: Some(BookingStatus::PaymentPending.as_str()),
                correlation_id: Some(&booking.correlation_id),
                details: Some(json!({
                    "customer_id": customer.id, "seats": booking.seats, "amount": amount,
                    "payment_expires_at": booking.payment_expires_at.to_rfc3339(), "idempotency_key": key,
                })),
                ..NewAudit::new(AuditAction::BookingCreated, AuditEntity::Booking, &booking.id)
            })?;
            Ok(Replayed { value: booking, is_retry: false })
        })
    }

    pub fn get_booking(&self, id: &str) -> Result<Booking> {
        sales::get_booking(&self.conn, id)?.ok_or_else(|| Error::not_found("booking", id))
    }

    pub fn booking_for_hold(&self, hold_id: &str) -> Result<Option<Booking>> {
        sales::booking_for_hold(&self.conn, hold_id)
    }
}

/// Moves a booking's state (the caller has checked the state machine) and audits it.
pub(super) fn move_booking(tx: &Tx<'_>, b: &Booking, to: BookingStatus) -> Result<()> {
    if !sales::set_booking_status(tx, &b.id, b.status, to, tx.now_ms())? {
        return Err(Error::refused(format!("booking {} changed meanwhile; try again", crate::ids::short(&b.id))));
    }
    tx.audit(NewAudit {
        event_id: Some(&b.event_id),
        hold_id: Some(&b.hold_id),
        booking_id: Some(&b.id),
        from_status: Some(b.status.as_str()),
        to_status: Some(to.as_str()),
        correlation_id: Some(&b.correlation_id),
        details: Some(json!({"seats": b.seats, "amount": b.amount})),
        ..NewAudit::new(AuditAction::booking_moved(to), AuditEntity::Booking, &b.id)
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{count, world};
    use super::*;
    use crate::domain::NewCustomer;

    #[test]
    fn a_booking_charges_seats_times_price_and_waits_for_payment() {
        let w = world();
        let h = w.hold(&w.ga, count(3));
        let b = w.desk.book(&h.id, &w.jane.id, None).expect("book");
        assert!(!b.is_retry);
        let b = b.value;
        assert_eq!((b.status, b.seats, b.amount), (BookingStatus::PaymentPending, 3, 60_000));
        assert_eq!(b.payment_expires_at, b.created_at + chrono::Duration::minutes(10));
        assert_eq!(b.correlation_id, h.correlation_id, "one story from the hold on");
        assert_eq!(w.desk.get_booking(&b.id).expect("stored"), b);
        assert_eq!(w.desk.get_hold(&h.id).expect("hold").status, HoldStatus::Active, "the hold stays ACTIVE");
        assert_eq!(w.count(AuditAction::BookingCreated), 1);
        w.verified();
    }

    #[test]
    fn one_booking_per_hold_replayed_for_its_customer_refused_for_another() {
        let w = world();
        let h = w.hold(&w.ga, count(1));
        let first = w.desk.book(&h.id, &w.jane.id, None).expect("book").value;
        let again = w.desk.book(&h.id, &w.jane.id, None).expect("replay");
        assert!(again.is_retry);
        assert_eq!(again.value, first);
        let bob = w
            .desk
            .customer(NewCustomer { name: "Bob".into(), email: None, phone: Some("+91 98765 43210".into()) })
            .expect("bob")
            .value;
        assert!(
            matches!(w.desk.book(&h.id, &bob.id, None), Err(Error::Refused(why)) if why.contains("one booking per hold"))
        );
        assert_eq!((w.count(AuditAction::BookingCreated), w.count(AuditAction::BookingRetry)), (1, 1));
        w.verified();
    }

    #[test]
    fn an_expired_or_released_hold_cannot_be_booked() {
        let w = world();
        let released = w.hold(&w.ga, count(1));
        w.desk.release(&released.id).expect("release");
        assert!(
            matches!(w.desk.book(&released.id, &w.jane.id, None), Err(Error::Refused(why)) if why.contains("released"))
        );
        let late = w.hold(&w.ga, count(1));
        w.advance_minutes(5);
        assert!(matches!(w.desk.book(&late.id, &w.jane.id, None), Err(Error::Refused(why)) if why.contains("expired")));
        assert_eq!(w.count(AuditAction::BookingCreated), 0);
        assert!(matches!(w.desk.book("no-hold", &w.jane.id, None), Err(Error::NotFound { what: "hold", .. })));
    }
}
