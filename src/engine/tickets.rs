//! Tickets: issued one per seat in the transaction that confirms a booking,
//! voided in the one that cancels (or expires) it; listed, and their
//! printing audited.
//!
//! Which type each seat gets: the hold's seats in seat-label order (A1, A2 …
//! A10, B1; GA seats have no label) take the booking's types in the types'
//! display order — 2 Adult + 1 Child on A1 A2 A3 gives A1 Adult, A2 Adult,
//! A3 Child.

use super::{Desk, Tx};
use crate::domain::{AuditAction, AuditEntity, Booking, Ticket, TicketCounts, TicketSheet, TicketStatus};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::{catalog, sales, tickets};
use serde_json::json;
use std::path::Path;

impl Desk {
    /// A booking's tickets in seat order (none until it is paid).
    pub fn tickets(&self, booking_id: &str) -> Result<Vec<Ticket>> {
        self.get_booking(booking_id)?;
        tickets::tickets_of(&self.db, booking_id)
    }

    /// How a booking's tickets stand (valid, used, void).
    pub fn ticket_counts(&self, booking_id: &str) -> Result<TicketCounts> {
        tickets::counts_of(&self.db, booking_id)
    }

    /// A booking by its full id or by the end of it (the short id screens
    /// show, at least 8 characters); refuses an ending two bookings share.
    pub fn find_booking(&self, text: &str) -> Result<Booking> {
        let text = text.trim();
        if let Some(b) = sales::get_booking(&self.db, text)? {
            return Ok(b);
        }
        if text.len() < 8 {
            return Err(Error::not_found("booking", text));
        }
        match tickets::bookings_ending(&self.db, &text.to_ascii_lowercase(), 2)?.as_slice() {
            [one] => self.get_booking(one),
            [] => Err(Error::not_found("booking", text)),
            _ => Err(Error::refused(format!("more than one booking id ends in {text}; give more of it"))),
        }
    }

    /// What a booking's tickets look like on paper (every ticket, void ones too;
    /// a printer leaves those out).
    pub fn ticket_sheet(&self, booking_id: &str) -> Result<TicketSheet> {
        let b = self.get_booking(booking_id)?;
        let event = self.event(&b.event_id)?;
        let customer = catalog::get_customer(&self.db, &b.customer_id)?;
        Ok(TicketSheet {
            event_name: event.name,
            starts_at: event.starts_at,
            currency: b.currency,
            booking_id: b.id.clone(),
            customer_name: customer.map(|c| c.name).unwrap_or_default(),
            tickets: tickets::tickets_of(&self.db, &b.id)?,
        })
    }

    /// Records that `printed` tickets of a booking were written to `file`
    /// (every print and reprint is an audit row). Refuses a booking with no
    /// ticket that can be printed.
    pub fn record_printing(&self, booking_id: &str, file: &Path, printed: &[Ticket]) -> Result<()> {
        self.write(|tx| {
            let b = sales::get_booking(tx, booking_id)?.ok_or_else(|| Error::not_found("booking", booking_id))?;
            if printed.is_empty() {
                return Err(Error::refused(format!(
                    "booking {} has no valid tickets to print",
                    crate::ids::short(&b.id)
                )));
            }
            let numbers: Vec<u32> = printed.iter().map(|t| t.number).collect();
            tx.audit(NewAudit {
                event_id: Some(&b.event_id),
                hold_id: Some(&b.hold_id),
                booking_id: Some(&b.id),
                correlation_id: Some(&b.correlation_id),
                details: Some(json!({"file": file.display().to_string(), "tickets": numbers})),
                ..NewAudit::new(AuditAction::TicketsPrinted, AuditEntity::Booking, &b.id)
            })
        })
    }
}

/// Tickets a printer should print: all but the void ones.
pub fn printable(sheet: &TicketSheet) -> Vec<&Ticket> {
    sheet.tickets.iter().filter(|t| t.status != TicketStatus::Void).collect()
}

/// One VALID ticket per seat of a booking being confirmed.
pub(super) fn issue_tickets(tx: &Tx<'_>, b: &Booking) -> Result<Vec<Ticket>> {
    // Seeded runs draw ticket ids and codes from the ticket counter: see `IdGen`.
    tickets::issue(tx, b, tx.now_ms(), || tx.ctx.ids.next_ticket_id(tx.now), || tx.ctx.ids.code_bits())
}

/// Voids a booking's valid and used tickets; returns how many of each.
pub(super) fn void_tickets(tx: &Tx<'_>, b: &Booking) -> Result<TicketCounts> {
    tickets::void_all(tx, &b.id, tx.now_ms())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{count, seats, world};
    use super::*;
    use crate::domain::{BookingStatus, NewTicketType, PaymentOutcome, TicketCode, TypeCount};

    #[test]
    fn paying_issues_one_valid_ticket_per_seat_in_seat_order() {
        let w = world();
        let kind = crate::domain::EventKind::Reserved { rows: 2, seats_per_row: 12 };
        let hall = w.desk.create_event(super::super::testing::event("Hall", kind, 50_000)).expect("hall");
        let b = w.booked(&hall, seats(&["B2", "A10", "A2"]));
        assert!(w.desk.tickets(&b.id).expect("none yet").is_empty(), "no tickets before payment");
        w.desk.pay(&b.id, PaymentOutcome::Success, "p", None).expect("pay");
        let tickets = w.desk.tickets(&b.id).expect("tickets");
        let got: Vec<_> =
            tickets.iter().map(|t| (t.number, t.seat_text(), t.type_name.as_str(), t.price, t.status)).collect();
        assert_eq!(
            got,
            [
                (1, "A2", "Standard", 50_000, TicketStatus::Valid),
                (2, "A10", "Standard", 50_000, TicketStatus::Valid),
                (3, "B2", "Standard", 50_000, TicketStatus::Valid)
            ]
        );
        assert!(tickets.iter().all(|t| TicketCode::parse(&t.code.grouped()).as_ref() == Ok(&t.code)));
        assert!(tickets.iter().all(|t| t.issued_at == w.desk.now()));
        let confirmed = w.rows_of(AuditAction::BookingConfirmed).pop().expect("row");
        assert_eq!(confirmed.details["tickets"], 3, "the confirmation's audit row counts them");
        assert_eq!(w.desk.ticket_counts(&b.id).expect("counts"), TicketCounts { valid: 3, used: 0, void: 0 });
        w.verified();
    }

    #[test]
    fn types_go_to_seats_in_label_order_and_ga_tickets_have_no_seat() {
        let w = world();
        let child = w.desk.add_ticket_type(&w.theatre.id, NewTicketType::new("Child", 25_000)).expect("child");
        let adult = w.desk.ticket_types(&w.theatre.id).expect("types").remove(0);
        let hold = w.hold(&w.theatre, seats(&["C3", "C1", "C2"]));
        let counts = [TypeCount::new(&child.id, 1), TypeCount::new(&adult.id, 2)];
        let b = w.desk.book_types(&hold.id, &w.jane.id, &counts, None).expect("book").value;
        assert_eq!(b.amount, 125_000);
        w.desk.pay(&b.id, PaymentOutcome::Success, "p", None).expect("pay");
        let got: Vec<_> = w
            .desk
            .tickets(&b.id)
            .expect("tickets")
            .into_iter()
            .map(|t| (t.seat_text().to_string(), t.type_name, t.price))
            .collect();
        assert_eq!(
            got,
            [
                ("C1".into(), "Standard".into(), 50_000),
                ("C2".into(), "Standard".into(), 50_000),
                ("C3".into(), "Child".into(), 25_000)
            ]
        );
        let ga = w.booked(&w.ga, count(2));
        w.desk.pay(&ga.id, PaymentOutcome::Success, "q", None).expect("pay");
        assert!(w.desk.tickets(&ga.id).expect("tickets").iter().all(|t| t.seat.is_none() && t.seat_text() == "GA"));
        w.verified();
    }

    #[test]
    fn cancelling_voids_every_ticket_in_the_same_transaction() {
        let w = world();
        let b = w.booked(&w.ga, count(2));
        w.desk.pay(&b.id, PaymentOutcome::Success, "p", None).expect("pay");
        let c = w.desk.cancel(&b.id).expect("cancel");
        assert_eq!(c.tickets_voided, TicketCounts { valid: 2, used: 0, void: 0 });
        let tickets = w.desk.tickets(&b.id).expect("tickets");
        assert!(tickets.iter().all(|t| t.status == TicketStatus::Void && t.voided_at == Some(w.desk.now())));
        let row = w.rows_of(AuditAction::BookingCancelled).pop().expect("row");
        assert_eq!(
            (row.details["tickets_voided"].as_u64(), row.details["admitted_voided"].as_u64()),
            (Some(2), Some(0))
        );
        // A pending booking that expires or fails has no tickets to void.
        let pending = w.booked(&w.ga, count(1));
        w.desk.pay(&pending.id, PaymentOutcome::Failure, "f", None).expect("fail");
        assert!(w.desk.tickets(&pending.id).expect("none").is_empty());
        assert_eq!(w.desk.get_booking(&pending.id).expect("b").status, BookingStatus::PaymentFailed);
        w.verified();
    }

    #[test]
    fn a_booking_is_found_by_its_short_id() {
        let w = world();
        let b = w.booked(&w.ga, count(1));
        assert_eq!(w.desk.find_booking(&b.id).expect("full").id, b.id);
        assert_eq!(w.desk.find_booking(crate::ids::short(&b.id)).expect("short").id, b.id);
        assert_eq!(w.desk.find_booking(&crate::ids::short(&b.id).to_uppercase()).expect("any case").id, b.id);
        assert!(matches!(w.desk.find_booking("1234"), Err(Error::NotFound { .. })));
        assert!(matches!(w.desk.find_booking("ffffffffff"), Err(Error::NotFound { .. })));
    }

    #[test]
    fn printing_is_audited_every_time_and_needs_a_valid_ticket() {
        let w = world();
        let b = w.booked(&w.ga, count(2));
        let none = w.desk.record_printing(&b.id, Path::new("x.pdf"), &[]);
        assert!(matches!(none, Err(Error::Refused(why)) if why.contains("no valid tickets")));
        w.desk.pay(&b.id, PaymentOutcome::Success, "p", None).expect("pay");
        let sheet = w.desk.ticket_sheet(&b.id).expect("sheet");
        assert_eq!(
            (sheet.event_name.as_str(), sheet.customer_name.as_str(), sheet.tickets.len()),
            ("Gig", "Jane Doe", 2)
        );
        let print = printable(&sheet).into_iter().cloned().collect::<Vec<_>>();
        w.desk.record_printing(&b.id, Path::new("a.pdf"), &print).expect("print");
        w.desk.record_printing(&b.id, Path::new("a.pdf"), &print[..1]).expect("reprint");
        let rows = w.rows_of(AuditAction::TicketsPrinted);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[1].details["tickets"][0].as_u64(), rows[1].booking_id.as_deref()),
            (Some(1), Some(b.id.as_str()))
        );
        w.desk.cancel(&b.id).expect("cancel");
        assert!(printable(&w.desk.ticket_sheet(&b.id).expect("sheet")).is_empty());
        w.verified();
    }
}
