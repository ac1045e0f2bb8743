//! Cancelling a booking, what it would refund, and refund records. A refund
//! is paid back the way the sale was paid, from the till (shift) of the clerk
//! who cancels: cash from their drawer. Cancelling another clerk's booking,
//! and refunding another share than the policy's, are for supervisors.

use super::booking::move_booking;
use super::hold::{end_hold, give_back_seats};
use super::till::shift_for_money;
use super::{Desk, Tx};
use crate::domain::{
    AuditAction, AuditEntity, Booking, BookingEvent, BookingStatus, HoldStatus, Invalid, PaymentMethod, Refund,
    RefundKind, RefundSplit, RefundStatus, Role, TicketCounts, refund_split,
};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::{sales, staff, tickets};
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

/// A supervisor's refund share for one cancellation instead of the policy's,
/// with the reason (audited).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOverride {
    pub percent: u8,
    pub reason: String,
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
            tickets: tickets::counts_of(&self.db, booking_id)?,
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
        self.cancel_inner(booking_id, seen, admitted, None)
    }

    /// [`cancel_admitted`](Desk::cancel_admitted) refunding `refund.percent`
    /// of a CONFIRMED booking instead of the policy's share: supervisors only,
    /// with a reason, both kept in the refund's audit row.
    pub fn cancel_overriding(
        &self,
        booking_id: &str,
        seen: Option<BookingStatus>,
        admitted: u32,
        refund: &RefundOverride,
    ) -> Result<Cancellation> {
        let reason = refund.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(
                Invalid::new("reason", "say why the refund differs from the policy (1 to 200 characters)").into()
            );
        }
        if refund.percent > 100 {
            return Err(Invalid::new("refund percent", "must be 0 to 100").into());
        }
        let refund = RefundOverride { percent: refund.percent, reason: reason.to_string() };
        self.cancel_inner(booking_id, seen, admitted, Some(&refund))
    }

    fn cancel_inner(
        &self,
        booking_id: &str,
        seen: Option<BookingStatus>,
        admitted: u32,
        refund_override: Option<&RefundOverride>,
    ) -> Result<Cancellation> {
        self.write(|tx| {
            tx.lock_booking(booking_id)?;
            let me = tx.signed_in()?;
            if refund_override.is_some() {
                tx.require(Role::Supervisor, "override the refund percentage")?;
            }
            let booking = sales::get_booking(tx, booking_id)?.ok_or_else(|| Error::not_found("booking", booking_id))?;
            if booking.clerk_id.as_deref() != Some(me.id()) {
                tx.require(Role::Supervisor, "cancel another clerk's booking")?;
            }
            if refund_override.is_some() && booking.status != BookingStatus::Confirmed {
                return Err(Error::refused(format!(
                    "the booking is {}: nothing was paid, so there is no refund to set",
                    booking.status
                )));
            }
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
                let shift = shift_for_money(tx)?;
                let method = staff::paid_method(tx, &booking.id)?.unwrap_or(PaymentMethod::Card);
                let policy = tx.policy()?.refund_percent;
                let (percent, why) = match refund_override {
                    Some(o) => (o.percent, Some((policy, o.reason.as_str()))),
                    None => (policy, None),
                };
                Some(start_refund(tx, &booking, RefundKind::Partial, percent, (method, &shift.id), why)?)
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
        sales::refund_for(&self.db, booking_id)
    }
}

/// Records an INITIATED refund of `percent` of a booking's amount (floored;
/// the rest is the fee kept), paid back by `method` from `shift`'s till, and
/// audits it (with the policy's share and the reason when a supervisor set
/// another). The refund job completes it.
pub(super) fn start_refund(
    tx: &Tx<'_>,
    b: &Booking,
    kind: RefundKind,
    percent: u8,
    (method, shift_id): (PaymentMethod, &str),
    overridden: Option<(u8, &str)>,
) -> Result<Refund> {
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
        method,
        shift_id: Some(shift_id.to_string()),
    };
    sales::insert_refund(tx, &refund)?;
    let mut details = json!({"kind": kind.as_str(), "amount": split.refund, "fee": split.fee, "percent": percent,
               "method": method.as_str(), "shift_id": shift_id});
    if let Some((policy, reason)) = overridden {
        details["policy_percent"] = policy.into();
        details["override_reason"] = reason.into();
    }
    tx.audit(NewAudit {
        event_id: Some(&b.event_id),
        hold_id: Some(&b.hold_id),
        booking_id: Some(&b.id),
        to_status: Some(RefundStatus::Initiated.as_str()),
        correlation_id: Some(&b.correlation_id),
        details: Some(details),
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
