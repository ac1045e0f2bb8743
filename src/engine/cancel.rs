//! Cancelling a booking, what it would refund, and refund records.

use super::booking::move_booking;
use super::hold::{end_hold, give_back_seats};
use super::{Desk, Tx};
use crate::domain::{
    AuditAction, AuditEntity, Booking, BookingEvent, BookingStatus, HoldStatus, Refund, RefundKind, RefundSplit,
    RefundStatus, TicketCounts, refund_split,
};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::{sales, tickets};
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub struct Cancellation {
    pub booking: Booking,
    pub refund: Option<Refund>,
    /// The tickets it voided: `valid` ones, and `used` ones (admitted at a door).
    pub tickets_voided: TicketCounts,
}

/// What cancelling a booking would do now: what a cancel prompt shows
/// before y/n, and what the clerk agrees to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelTerms {
    pub status: BookingStatus,
    /// The refund of a CONFIRMED booking by policy; `None` for a pending one.
    pub refund: Option<RefundSplit>,
    /// Its tickets now: all valid and used ones will be voided. When some
    /// are used, `tickets.admitted_warning()` is the second confirmation's text.
    pub tickets: TicketCounts,
}

impl CancelTerms {
    /// Whether cancelling needs the clerk to agree, explicitly, to void
    /// tickets already used at the door.
    pub fn needs_admitted_agreement(&self) -> bool {
        self.tickets.used > 0
    }
}

impl Desk {
    /// What cancelling would refund now, by the venue's policy, without
    /// doing it (for the y/n prompt).
    pub fn cancel_preview(&self, booking: &Booking) -> Result<Option<RefundSplit>> {
        let percent = self.policy()?.refund_percent;
        Ok((booking.status == BookingStatus::Confirmed).then(|| refund_split(booking.amount, percent)))
    }

    /// What cancelling would do now: the refund and the tickets it would void.
    pub fn cancel_terms(&self, booking_id: &str) -> Result<CancelTerms> {
        let booking = self.get_booking(booking_id)?;
        Ok(CancelTerms {
            status: booking.status,
            refund: self.cancel_preview(&booking)?,
            tickets: tickets::counts_of(&self.conn, booking_id)?,
        })
    }

    /// The clerk cancels: a pending booking gives its seats back with no
    /// refund; a confirmed one gives them back with a partial refund by
    /// policy, and its tickets are voided. Refused if a ticket was already
    /// used at the door: see [`cancel_admitted`](Desk::cancel_admitted).
    pub fn cancel(&self, booking_id: &str) -> Result<Cancellation> {
        self.cancel_seen(booking_id, None)
    }

    /// Cancels only if the booking is still in the state the clerk saw (and
    /// agreed a refund for); if another terminal moved it meanwhile, refuses.
    pub fn cancel_seen(&self, booking_id: &str, seen: Option<BookingStatus>) -> Result<Cancellation> {
        self.cancel_admitted(booking_id, seen, 0)
    }

    /// Cancels a booking some of whose tickets were already used at the door,
    /// the clerk having agreed (a second confirmation) that `admitted` used
    /// tickets will be voided. Refused unless exactly that many are used now:
    /// if a door admitted or an admission was undone meanwhile, the clerk
    /// looks again. The admitted tickets become VOID and keep when and where
    /// they were used.
    pub fn cancel_admitted(
        &self,
        booking_id: &str,
        seen: Option<BookingStatus>,
        admitted: u32,
    ) -> Result<Cancellation> {
        self.write(|tx| {
            let booking = sales::get_booking(tx, booking_id)?.ok_or_else(|| Error::not_found("booking", booking_id))?;
            if let Some(seen) = seen.filter(|s| *s != booking.status) {
                return Err(Error::refused(format!(
                    "the booking changed from {seen} to {} meanwhile; look at the refund again before cancelling",
                    booking.status
                )));
            }
            let counts = tickets::counts_of(tx, booking_id)?;
            if counts.used != admitted {
                return Err(Error::refused(match (counts.admitted_warning(), admitted) {
                    (Some(warning), 0) => format!("cannot cancel yet: {warning}; confirm that to cancel"),
                    _ => format!(
                        "the tickets changed meanwhile: {} used at the door now, {admitted} when agreed; look again before cancelling",
                        counts.used
                    ),
                }));
            }
            let to = booking
                .status
                .on(BookingEvent::Cancel)
                .map_err(|why| Error::refused(format!("cannot cancel: {why}")))?;
            let hold = sales::get_hold_without_labels(tx, &booking.hold_id)?
                .ok_or_else(|| Error::not_found("hold", &booking.hold_id))?;
            move_booking(tx, &booking, to)?;
            let refund = if booking.status == BookingStatus::Confirmed {
                give_back_seats(tx, &hold)?;
                Some(start_refund(tx, &booking, RefundKind::Partial, tx.policy()?.refund_percent)?)
            } else {
                end_hold(tx, &hold, HoldStatus::Released, Some(&booking.id))?;
                None
            };
            Ok(Cancellation {
                booking: Booking { status: to, updated_at: tx.now, ..booking },
                refund,
                tickets_voided: TicketCounts { valid: counts.valid, used: counts.used, void: 0 },
            })
        })
    }

    /// The refund of a booking, if it has one.
    pub fn refund(&self, booking_id: &str) -> Result<Option<Refund>> {
        sales::refund_for(&self.conn, booking_id)
    }
}

/// Records an INITIATED refund of `percent` of a booking's amount (floored;
/// the rest is the fee kept) and audits it. The refund job pays it out.
pub(super) fn start_refund(tx: &Tx<'_>, b: &Booking, kind: RefundKind, percent: u8) -> Result<Refund> {
    let split = refund_split(b.amount, percent);
    let refund = Refund {
        id: tx.id(),
        booking_id: b.id.clone(),
        kind,
        original_amount: b.amount,
        percent: percent.min(100),
        amount: split.refund,
        fee: split.fee,
        status: RefundStatus::Initiated,
        transaction_id: None,
        created_at: tx.now,
        completed_at: None,
    };
    sales::insert_refund(tx, &refund)?;
    tx.audit(NewAudit {
        event_id: Some(&b.event_id),
        hold_id: Some(&b.hold_id),
        booking_id: Some(&b.id),
        to_status: Some(RefundStatus::Initiated.as_str()),
        correlation_id: Some(&b.correlation_id),
        details: Some(json!({"kind": kind.as_str(), "amount": split.refund, "fee": split.fee, "percent": percent})),
        ..NewAudit::new(AuditAction::RefundInitiated, AuditEntity::Refund, &refund.id)
    })?;
    Ok(refund)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{World, seats, world};
    use super::*;
    use crate::domain::PaymentOutcome;

    /// A PAYMENT_PENDING booking of seats C1 C2 of the theatre (₹500 each).
    fn booked(w: &World) -> Booking {
        w.booked(&w.theatre, seats(&["C1", "C2"]))
    }

    #[test]
    fn cancelling_a_pending_booking_frees_the_seats_without_a_refund() {
        let w = world();
        let b = booked(&w);
        assert_eq!(w.desk.cancel_preview(&b).expect("preview"), None);
        let c = w.desk.cancel(&b.id).expect("cancel");
        assert_eq!((c.booking.status, c.refund), (BookingStatus::Cancelled, None));
        assert_eq!(w.desk.get_hold(&b.hold_id).expect("hold").status, HoldStatus::Released);
        assert_eq!(w.available(&w.theatre), 12);
        assert_eq!(w.desk.refund(&b.id).expect("refund"), None);
        assert_eq!((w.count(AuditAction::BookingCancelled), w.count(AuditAction::HoldReleased)), (1, 1));
        w.verified();
    }

    #[test]
    fn cancelling_a_confirmed_booking_refunds_by_policy_as_previewed() {
        let w = world();
        let b = booked(&w);
        let paid = w.desk.pay(&b.id, PaymentOutcome::Success, "pay-1", None).expect("pay").booking;
        let preview = w.desk.cancel_preview(&paid).expect("preview").expect("a refund is due");
        let c = w.desk.cancel_seen(&b.id, Some(BookingStatus::Confirmed)).expect("cancel");
        let refund = c.refund.expect("PARTIAL refund");
        assert_eq!((refund.kind, refund.percent, refund.amount, refund.fee), (RefundKind::Partial, 50, 50_000, 50_000));
        assert_eq!((preview.refund, preview.fee), (refund.amount, refund.fee));
        assert_eq!(w.desk.refund(&b.id).expect("stored"), Some(refund));
        // The sold seats are back on sale; the hold stays CONSUMED (it was paid for).
        assert_eq!(w.available(&w.theatre), 12);
        assert_eq!(w.desk.get_hold(&b.hold_id).expect("hold").status, HoldStatus::Consumed);
        w.verified();
    }

    #[test]
    fn a_cancel_agreed_for_another_state_or_a_final_booking_is_refused() {
        let w = world();
        let b = booked(&w);
        let stale = w.desk.cancel_seen(&b.id, Some(BookingStatus::Confirmed));
        assert!(matches!(stale, Err(Error::Refused(why)) if why.contains("meanwhile")));
        w.desk.cancel(&b.id).expect("cancel");
        let before = w.audit().len();
        assert!(matches!(w.desk.cancel(&b.id), Err(Error::Refused(why)) if why.starts_with("cannot cancel")));
        assert_eq!(w.audit().len(), before);
        w.verified();
    }
}
