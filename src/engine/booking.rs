//! Booking: an ACTIVE hold becomes a PAYMENT_PENDING booking for a customer
//! (one booking per hold, ever), its seats sold as ticket types; and the
//! booking move the other capabilities share, which issues a paid booking's
//! tickets and voids a cancelled one's.

use super::tickets::{issue_tickets, void_tickets};
use super::{Desk, Replayed, Tx, clean_key, replay_id};
use crate::domain::ticket::quote;
use crate::domain::{
    AuditAction, AuditEntity, Booking, BookingItem, BookingStatus, HoldStatus, IdempotencyScope, TypeCount,
};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::{catalog, sales, tickets};
use serde_json::json;

impl Desk {
    /// Turns an ACTIVE hold into a PAYMENT_PENDING booking, every seat at the
    /// event's first ticket type on sale. One booking per hold: asking again
    /// returns the same booking, audited as a retry.
    pub fn book(&self, hold_id: &str, customer_id: &str, idempotency_key: Option<&str>) -> Result<Replayed<Booking>> {
        self.book_with(hold_id, customer_id, None, idempotency_key)
    }

    /// [`book`](Desk::book) with a count per ticket type: the counts must add
    /// up to the hold's seats, each type must be on sale and within its limit
    /// (seats sold + awaiting payment + these), and the amount is Σ count ×
    /// the type's price, all read in the booking's own transaction. Asking
    /// again replays the booking only for the same counts.
    pub fn book_types(
        &self,
        hold_id: &str,
        customer_id: &str,
        counts: &[TypeCount],
        idempotency_key: Option<&str>,
    ) -> Result<Replayed<Booking>> {
        self.book_with(hold_id, customer_id, Some(counts), idempotency_key)
    }

    /// A booking's items: seats per type at the price each was sold for.
    pub fn booking_items(&self, booking_id: &str) -> Result<Vec<BookingItem>> {
        tickets::items_of(&self.db, booking_id)
    }

    fn book_with(
        &self,
        hold_id: &str,
        customer_id: &str,
        counts: Option<&[TypeCount]>,
        idempotency_key: Option<&str>,
    ) -> Result<Replayed<Booking>> {
        let key = clean_key(idempotency_key)?;
        self.write(|tx| {
            tx.lock_hold(hold_id)?;
            let me = tx.signed_in()?;
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
                if let Some(counts) = counts {
                    refuse_other_counts(tx, &b, counts)?;
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
            let types = tickets::types_of(tx, &event.id)?;
            let explicit = counts.is_some();
            let plain;
            let counts = match counts {
                Some(counts) => counts,
                None => {
                    let first = types.iter().find(|t| t.on_sale()).ok_or_else(|| {
                        Error::refused("cannot book: the event has no ticket type on sale; add one to the event")
                    })?;
                    plain = [TypeCount::new(&first.id, hold.seats)];
                    &plain[..]
                }
            };
            let (items, amount) = quote(&types, counts, hold.seats)?;
            for item in &items {
                let t = types.iter().find(|t| t.id == item.type_id);
                if let Some(limit) = t.and_then(|t| t.limit) {
                    let committed = tickets::committed_seats(tx, &item.type_id)?;
                    if committed + u64::from(item.count) > u64::from(limit) {
                        return Err(Error::refused(format!(
                            "cannot book {} {}: only {} left of its limit of {limit}",
                            item.count,
                            item.type_name,
                            u64::from(limit).saturating_sub(committed)
                        )));
                    }
                }
            }
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
                clerk_id: Some(me.id().to_string()),
            };
            sales::insert_booking(tx, &booking)?;
            tickets::insert_items(tx, &booking.id, &items)?;
            if let Some(key) = key {
                sales::remember(tx, IdempotencyScope::Book, key, &booking.id, tx.now_ms())?;
            }
            let mut details = json!({
                "customer_id": customer.id, "seats": booking.seats, "amount": amount,
                "payment_expires_at": booking.payment_expires_at.to_rfc3339(), "idempotency_key": key,
            });
            // A plain booking's row stays as it always was; chosen types are listed.
            if explicit {
                details["types"] = items
                    .iter()
                    .map(|i| json!({"type": i.type_name, "count": i.count, "price": i.unit_price}))
                    .collect();
            }
            tx.audit(NewAudit {
                event_id: Some(&booking.event_id),
                hold_id: Some(&hold.id),
                booking_id: Some(&booking.id),
                to_status: Some(BookingStatus::PaymentPending.as_str()),
                correlation_id: Some(&booking.correlation_id),
                details: Some(details),
                ..NewAudit::new(AuditAction::BookingCreated, AuditEntity::Booking, &booking.id)
            })?;
            Ok(Replayed { value: booking, is_retry: false })
        })
    }

    pub fn get_booking(&self, id: &str) -> Result<Booking> {
        sales::get_booking(&self.db, id)?.ok_or_else(|| Error::not_found("booking", id))
    }

    pub fn booking_for_hold(&self, hold_id: &str) -> Result<Option<Booking>> {
        sales::booking_for_hold(&self.db, hold_id)
    }
}

/// A replay that names other counts than the booking has is refused.
fn refuse_other_counts(tx: &Tx<'_>, b: &Booking, counts: &[TypeCount]) -> Result<()> {
    let mut asked: Vec<(&str, u32)> =
        counts.iter().filter(|c| c.count > 0).map(|c| (c.type_id.as_str(), c.count)).collect();
    let items = tickets::items_of(tx, &b.id)?;
    let mut has: Vec<(&str, u32)> = items.iter().map(|i| (i.type_id.as_str(), i.count)).collect();
    asked.sort_unstable();
    has.sort_unstable();
    if asked != has {
        let listed: Vec<String> = items.iter().map(|i| format!("{} {}", i.count, i.type_name)).collect();
        return Err(Error::refused(format!(
            "this hold is already booked (booking {}) as {}; one booking per hold",
            crate::ids::short(&b.id),
            listed.join(", ")
        )));
    }
    Ok(())
}

/// Moves a booking's state (the caller has checked the state machine) and
/// audits it. Confirming issues its tickets; leaving for a final state voids
/// them — both in this transaction, counted in the same audit row.
pub(super) fn move_booking(tx: &Tx<'_>, b: &Booking, to: BookingStatus) -> Result<()> {
    if !sales::set_booking_status(tx, &b.id, b.status, to, tx.now_ms())? {
        return Err(Error::refused(format!("booking {} changed meanwhile; try again", crate::ids::short(&b.id))));
    }
    let mut details = json!({"seats": b.seats, "amount": b.amount});
    if to == BookingStatus::Confirmed {
        details["tickets"] = issue_tickets(tx, b)?.len().into();
    } else if to.is_final() {
        let voided = void_tickets(tx, b)?;
        if voided.valid + voided.used > 0 {
            details["tickets_voided"] = (voided.valid + voided.used).into();
            details["admitted_voided"] = voided.used.into();
        }
    }
    tx.audit(NewAudit {
        event_id: Some(&b.event_id),
        hold_id: Some(&b.hold_id),
        booking_id: Some(&b.id),
        from_status: Some(b.status.as_str()),
        to_status: Some(to.as_str()),
        correlation_id: Some(&b.correlation_id),
        details: Some(details),
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
