//! The door: a scanned or typed code gets an answer, and a ticket is
//! admitted once. Each scan is one IMMEDIATE transaction (on PostgreSQL: one
//! that locks the ticket's event first) that reads the
//! ticket and, if it is VALID, moves it to USED with a conditional update —
//! so two doors (two processes) scanning one code at once admit it exactly
//! once; the other is told when and where it was used. Every scan, admitted
//! or refused (a mistyped code too, before any lookup), is a row in `scans`
//! and an audit row (entity `scan`).
//!
//! An admission can be undone (USED → VALID), audited with its reason and
//! kept in `scans` as UNDONE: a ticket's ADMITTED scans minus its UNDONE ones
//! is 1 while it is used (or was used before its booking was cancelled), 0 otherwise.

use super::{Desk, Tx};
use crate::domain::ticket::door_name;
use crate::domain::{
    AuditAction, AuditEntity, DoorAnswer, DoorCounts, Invalid, Role, ScanResult, Ticket, TicketCode, TicketStatus,
};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::catalog;
use crate::store::tickets::{self, Found, NewScan};
use serde_json::json;

/// Deferred writes between two checkpoints: a scan writes about a dozen
/// pages, so this is about SQLite's own 1,000-page rhythm.
pub const TIDY_EVERY: u32 = 64;

/// What a scan keeps of the text as typed: enough for any code, never a page of junk.
const TYPED_KEPT: usize = 64;

impl Desk {
    /// Answers one scanned or typed code at `door`, checking for `event_id`
    /// when the door chose an event (a ticket of another event is refused).
    /// `Err` only for unusable input (a blank door name, an unknown event) or
    /// storage trouble, and then nothing is written.
    pub fn check_in(&self, typed: &str, event_id: Option<&str>, door: &str) -> Result<DoorAnswer> {
        let door = door_name(door)?;
        let typed: String = typed.trim().chars().take(TYPED_KEPT).collect();
        let parsed = TicketCode::parse(&typed);
        self.write(|tx| {
            if let Some(id) = event_id {
                catalog::get_event(tx, id)?.ok_or_else(|| Error::not_found("event", id))?;
            }
            let (answer, found) = match &parsed {
                // Caught before any lookup: nothing about tickets is read.
                Err(e) => (DoorAnswer::mistyped(*e), None),
                Ok(code) => match tx.lock_ticket(code).and_then(|()| tickets::by_code(tx, code))? {
                    None => (DoorAnswer::Unknown, None),
                    Some(f) => (judge(tx, &f, event_id, &door)?, Some(f)),
                },
            };
            record_scan(tx, &typed, event_id, &door, &answer, found.as_ref())?;
            Ok(answer)
        })
    }

    /// Takes a mistaken admission back: the USED ticket is VALID again,
    /// audited with the reason and kept in `scans` as UNDONE.
    pub fn undo_admission(&self, typed: &str, reason: &str) -> Result<Ticket> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(Invalid::new("reason", "say why the admission is undone (1 to 200 characters)").into());
        }
        let code = TicketCode::parse(typed).map_err(|e| Invalid::new("code", e.to_string()))?;
        self.write(|tx| {
            tx.require(Role::Supervisor, "undo a door admission")?;
            tx.lock_ticket(&code)?;
            let f = tickets::by_code(tx, &code)?.ok_or_else(|| Error::not_found("ticket", &code.grouped()))?;
            let t = &f.ticket;
            if t.status != TicketStatus::Used {
                return Err(Error::refused(match t.status {
                    TicketStatus::Valid => "the ticket was not admitted: nothing to undo".to_string(),
                    _ => format!("the ticket is void (booking {}); its admission stays on record", f.booking_status),
                }));
            }
            if !tickets::unadmit(tx, &t.id)? {
                return Err(Error::refused("the ticket changed meanwhile; scan it again"));
            }
            let door = t.used_door.clone().unwrap_or_default();
            let scan_id = tx.id();
            tickets::insert_scan(
                tx,
                &NewScan {
                    id: &scan_id,
                    at_ms: tx.now_ms(),
                    door: &door,
                    typed: code.as_str(),
                    ticket_id: Some(&t.id),
                    event_id: Some(&t.event_id),
                    result: ScanResult::Undone,
                    note: Some(reason),
                    actor: tx.who().name,
                },
            )?;
            tx.audit(NewAudit {
                event_id: Some(&t.event_id),
                booking_id: Some(&t.booking_id),
                from_status: Some(TicketStatus::Used.as_str()),
                to_status: Some(TicketStatus::Valid.as_str()),
                correlation_id: Some(&f.correlation_id),
                details: Some(json!({
                    "ticket_id": t.id, "reason": reason, "door": door,
                    "admitted_at": t.used_at.map(|at| at.to_rfc3339()),
                })),
                ..NewAudit::new(AuditAction::TicketAdmissionUndone, AuditEntity::Scan, &scan_id)
            })?;
            Ok(Ticket { status: TicketStatus::Valid, used_at: None, used_door: None, ..t.clone() })
        })
    }

    /// Admitted so far and sold (valid + used tickets) for one event: the Door screen's running count.
    pub fn door_counts(&self, event_id: &str) -> Result<DoorCounts> {
        self.event(event_id)?;
        tickets::door_counts(&self.db, event_id)
    }

    /// A door answers first and tidies after: from now on this desk's commits
    /// no longer run SQLite's WAL checkpoint (copying the log back into the
    /// file, with its fsyncs, each time about 1,000 pages have been written),
    /// which would otherwise land inside one scan in every ~80. The caller
    /// runs [`tidy`](Desk::tidy) once the answer is out: the Door screen after
    /// showing it, `boxoffice checkin` after printing it.
    /// PostgreSQL has no checkpoints of a client's making: nothing to defer.
    pub fn defer_checkpoints(&self) -> Result<()> {
        if let Some(conn) = self.db.sqlite() {
            tickets::defer_checkpoints(conn)?;
            self.deferred_writes.set(Some(0));
        }
        Ok(())
    }

    /// After a deferred desk's writes: every [`TIDY_EVERY`] of them, a PASSIVE
    /// checkpoint (it never waits for, nor blocks, another terminal). Returns
    /// whether it ran one. Does nothing on a desk that does not defer.
    pub fn tidy(&self) -> Result<bool> {
        match self.deferred_writes.get() {
            Some(n) if n >= TIDY_EVERY => {
                tickets::checkpoint(self.sql("a WAL checkpoint")?)?;
                self.deferred_writes.set(Some(0));
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// The answer for a ticket that has the code, admitting it if it may enter.
fn judge(tx: &Tx<'_>, f: &Found, event_id: Option<&str>, door: &str) -> Result<DoorAnswer> {
    let t = &f.ticket;
    if let Some(wanted) = event_id
        && wanted != t.event_id
    {
        return Ok(DoorAnswer::WrongEvent {
            ticket_id: t.id.clone(),
            event_id: t.event_id.clone(),
            event_name: f.event_name.clone(),
        });
    }
    let already = |at, door: &Option<String>| DoorAnswer::AlreadyUsed {
        ticket_id: t.id.clone(),
        seat: t.seat.clone(),
        type_name: t.type_name.clone(),
        at,
        door: door.clone().unwrap_or_default(),
    };
    Ok(match (t.status, t.used_at) {
        (TicketStatus::Void, _) => DoorAnswer::Voided { ticket_id: t.id.clone(), booking_status: f.booking_status },
        (TicketStatus::Used, Some(at)) => already(at, &t.used_door),
        (TicketStatus::Used, None) => already(tx.now, &t.used_door),
        (TicketStatus::Valid, _) => {
            // Inside this IMMEDIATE transaction nobody else can have moved it;
            // the condition is the database's own guard all the same.
            if !tickets::admit(tx, &t.id, tx.now_ms(), door)? {
                return Err(Error::refused("the ticket changed meanwhile; scan it again"));
            }
            DoorAnswer::Admitted {
                ticket_id: t.id.clone(),
                event_name: f.event_name.clone(),
                seat: t.seat.clone(),
                type_name: t.type_name.clone(),
            }
        }
    })
}

/// The scan's row in `scans` and its audit row.
fn record_scan(
    tx: &Tx<'_>,
    typed: &str,
    event_id: Option<&str>,
    door: &str,
    answer: &DoorAnswer,
    found: Option<&Found>,
) -> Result<()> {
    let result = answer.result();
    let scan_id = tx.id();
    let ticket = found.map(|f| &f.ticket);
    tickets::insert_scan(
        tx,
        &NewScan {
            id: &scan_id,
            at_ms: tx.now_ms(),
            door,
            typed,
            ticket_id: ticket.map(|t| t.id.as_str()),
            event_id,
            result,
            note: None,
            actor: tx.who().name,
        },
    )?;
    let mut details = json!({"door": door, "result": result.as_str()});
    match ticket {
        Some(t) => {
            details["ticket_id"] = t.id.clone().into();
            details["seat"] = t.seat_text().into();
        }
        // What was typed is kept only when no ticket has it: a real code stays out of the log.
        None => details["typed"] = typed.into(),
    }
    if let DoorAnswer::Mistyped { reason } = answer {
        details["reason"] = reason.clone().into();
    }
    let admitted = answer.admitted();
    tx.audit(NewAudit {
        event_id: ticket.map(|t| t.event_id.as_str()).or(event_id),
        booking_id: ticket.map(|t| t.booking_id.as_str()),
        from_status: admitted.then_some(TicketStatus::Valid.as_str()),
        to_status: Some(if admitted { TicketStatus::Used.as_str() } else { result.as_str() }),
        correlation_id: found.map(|f| f.correlation_id.as_str()),
        details: Some(details),
        ..NewAudit::new(
            if admitted { AuditAction::TicketAdmitted } else { AuditAction::TicketRefused },
            AuditEntity::Scan,
            &scan_id,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{World, count, seats, world};
    use super::*;
    use crate::domain::{BookingStatus, PaymentOutcome};

    /// A paid booking of `pick` on the theatre and its tickets.
    fn sold(w: &World, labels: &[&str]) -> (String, Vec<Ticket>) {
        let b = w.booked(&w.theatre, seats(labels));
        w.desk.pay(&b.id, PaymentOutcome::Success, &format!("pay-{}", b.id), None).expect("pay");
        (b.id.clone(), w.desk.tickets(&b.id).expect("tickets"))
    }

    fn scans(w: &World) -> Vec<(String, String, Option<String>)> {
        let mut stmt =
            w.desk.conn().prepare("SELECT result, door, ticket_id FROM scans ORDER BY rowid").expect("scans");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).expect("rows").map(|r| r.expect("row")).collect()
    }

    #[test]
    fn a_ticket_is_admitted_once_and_then_told_when_and_where() {
        let w = world();
        let (_, tickets) = sold(&w, &["A1", "A2"]);
        let code = tickets[0].code.grouped();
        let first = w.desk.check_in(&code, Some(&w.theatre.id), "north").expect("scan");
        assert!(
            matches!(&first, DoorAnswer::Admitted { seat: Some(s), type_name, .. } if s == "A1" && type_name == "Standard")
        );
        let admitted_at = w.desk.now();
        w.advance_minutes(3);
        let again = w.desk.check_in(&code.to_lowercase(), Some(&w.theatre.id), "south").expect("scan");
        assert_eq!(
            again,
            DoorAnswer::AlreadyUsed {
                ticket_id: tickets[0].id.clone(),
                seat: Some("A1".into()),
                type_name: "Standard".into(),
                at: admitted_at,
                door: "north".into()
            }
        );
        let t = &w.desk.tickets(&tickets[0].booking_id).expect("tickets")[0];
        assert_eq!(
            (t.status, t.used_at, t.used_door.as_deref()),
            (TicketStatus::Used, Some(admitted_at), Some("north"))
        );
        assert_eq!(w.desk.door_counts(&w.theatre.id).expect("counts"), DoorCounts { admitted: 1, sold: 2 });
        assert_eq!(
            scans(&w),
            [
                ("ADMITTED".into(), "north".into(), Some(tickets[0].id.clone())),
                ("ALREADY_USED".into(), "south".into(), Some(tickets[0].id.clone()))
            ]
        );
        let admitted = w.rows_of(AuditAction::TicketAdmitted);
        assert_eq!(admitted.len(), 1);
        assert_eq!(
            (admitted[0].from_status.as_deref(), admitted[0].to_status.as_deref()),
            (Some("VALID"), Some("USED"))
        );
        assert_eq!(admitted[0].booking_id.as_deref(), Some(tickets[0].booking_id.as_str()));
        assert!(admitted[0].details.get("typed").is_none(), "a real code stays out of the audit log");
        assert_eq!(w.rows_of(AuditAction::TicketRefused)[0].to_status.as_deref(), Some("ALREADY_USED"));
        w.verified();
    }

    #[test]
    fn every_refusal_says_why_and_is_recorded() {
        let w = world();
        let (_, theatre) = sold(&w, &["B1"]);
        let gig = w.booked(&w.ga, count(1));
        w.desk.pay(&gig.id, PaymentOutcome::Success, "g", None).expect("pay");
        let gig_code = w.desk.tickets(&gig.id).expect("tickets")[0].code.grouped();
        let (cancelled, void) = sold(&w, &["B2"]);
        w.desk.cancel(&cancelled).expect("cancel");

        let at = |code: &str| w.desk.check_in(code, Some(&w.theatre.id), "main").expect("scan");
        assert!(matches!(at(&gig_code), DoorAnswer::WrongEvent { event_name, .. } if event_name == "Gig"));
        assert_eq!(
            at(&void[0].code.grouped()),
            DoorAnswer::Voided { ticket_id: void[0].id.clone(), booking_status: BookingStatus::Cancelled }
        );
        let unknown = TicketCode::from_bytes([9; 10]).grouped();
        assert_eq!(at(&unknown), DoorAnswer::Unknown);
        // One character off: the check character catches it before any lookup.
        let mut typo: Vec<char> = theatre[0].code.grouped().chars().collect();
        typo[2] = if typo[2] == '7' { '8' } else { '7' };
        let typo: String = typo.into_iter().collect();
        assert!(matches!(at(&typo), DoorAnswer::Mistyped { reason } if reason.contains("check character")));
        assert!(matches!(at("thank you"), DoorAnswer::Mistyped { reason } if reason.contains("'u'")));
        // Without an event chosen, the gig's ticket is simply admitted.
        assert!(w.desk.check_in(&gig_code, None, "main").expect("scan").admitted());

        let results: Vec<String> = scans(&w).into_iter().map(|s| s.0).collect();
        assert_eq!(results, ["WRONG_EVENT", "VOIDED", "UNKNOWN", "MISTYPED", "MISTYPED", "ADMITTED"]);
        let refused = w.rows_of(AuditAction::TicketRefused);
        assert_eq!(refused.len(), 5);
        assert_eq!(refused[3].details["typed"].as_str(), Some(typo.as_str()), "a mistyped code is audited as typed");
        assert_eq!(refused[2].details["typed"].as_str(), Some(unknown.as_str()));
        assert_eq!(
            w.desk.ticket_counts(&theatre[0].booking_id).expect("counts").valid,
            1,
            "nothing admitted by a refusal"
        );
        w.verified();
    }

    #[test]
    fn a_door_that_defers_checkpoints_tidies_every_so_many_writes() {
        let dir = tempfile::tempdir().expect("dir");
        let (ctx, _) = crate::context::Context::manual(
            "2026-06-01T09:00:00Z".parse().expect("time"),
            3,
            crate::context::Config::default(),
        );
        let desk = Desk::open(&dir.path().join("door.db"), ctx, "door:test").expect("open");
        assert!(!desk.tidy().expect("tidy"), "a desk that does not defer never tidies");
        desk.defer_checkpoints().expect("defer");
        let autocheckpoint: i64 = desk.conn().query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).expect("pragma");
        assert_eq!(autocheckpoint, 0);
        for i in 1..=TIDY_EVERY {
            desk.check_in("not a code", None, "north").expect("scan");
            assert_eq!(desk.tidy().expect("tidy"), i == TIDY_EVERY, "after {i} writes");
        }
        let scans: i64 = desk.conn().query_row("SELECT count(*) FROM scans", [], |r| r.get(0)).expect("count");
        assert_eq!(scans, i64::from(TIDY_EVERY));
    }

    #[test]
    fn unusable_input_writes_nothing() {
        let w = world();
        let (_, tickets) = sold(&w, &["C1"]);
        let before = w.audit().len();
        let code = tickets[0].code.grouped();
        assert!(matches!(
            w.desk.check_in(&code, Some("no-such-event"), "main"),
            Err(Error::NotFound { what: "event", .. })
        ));
        assert!(matches!(w.desk.check_in(&code, None, "  "), Err(Error::Invalid(i)) if i.field == "door"));
        assert_eq!(w.audit().len(), before);
        assert!(scans(&w).is_empty());
        assert_eq!(w.desk.ticket_counts(&tickets[0].booking_id).expect("counts").valid, 1);
    }

    #[test]
    fn an_admission_can_be_undone_with_a_reason_and_admitted_again() {
        let w = world();
        let (_, tickets) = sold(&w, &["B4"]);
        let code = tickets[0].code.grouped();
        let not_yet = w.desk.undo_admission(&code, "wrong person");
        assert!(matches!(not_yet, Err(Error::Refused(why)) if why.contains("not admitted")));
        w.desk.check_in(&code, None, "north").expect("scan");
        assert!(matches!(w.desk.undo_admission(&code, " "), Err(Error::Invalid(i)) if i.field == "reason"));
        let back = w.desk.undo_admission(&code, "scanned the wrong ticket").expect("undo");
        assert_eq!((back.status, back.used_at), (TicketStatus::Valid, None));
        let undone = w.rows_of(AuditAction::TicketAdmissionUndone);
        assert_eq!(undone[0].details["reason"], "scanned the wrong ticket");
        assert_eq!((undone[0].from_status.as_deref(), undone[0].to_status.as_deref()), (Some("USED"), Some("VALID")));
        w.verified();
        assert!(w.desk.check_in(&code, None, "south").expect("again").admitted());
        assert_eq!(scans(&w).iter().map(|s| s.0.as_str()).collect::<Vec<_>>(), ["ADMITTED", "UNDONE", "ADMITTED"]);
        w.verified();
    }

    #[test]
    fn a_booking_with_an_admitted_ticket_is_cancelled_only_when_agreed() {
        let w = world();
        let (booking, tickets) = sold(&w, &["C1", "C2", "C3"]);
        for t in &tickets[..2] {
            w.desk.check_in(&t.code.grouped(), None, "north").expect("scan");
        }
        let terms = w.desk.cancel_terms(&booking).expect("terms");
        assert!(terms.needs_admitted_agreement());
        assert_eq!(
            terms.tickets.admitted_warning().unwrap(),
            "2 of 3 tickets already used at the door: they will be voided"
        );
        let before = w.audit().len();
        let plain = w.desk.cancel(&booking);
        assert!(matches!(&plain, Err(Error::Refused(why)) if why.contains("2 of 3 tickets already used")), "{plain:?}");
        let stale = w.desk.cancel_admitted(&booking, Some(BookingStatus::Confirmed), 1);
        assert!(matches!(stale, Err(Error::Refused(why)) if why.contains("changed meanwhile")));
        assert_eq!(w.audit().len(), before, "refused: nothing written");
        let c = w.desk.cancel_admitted(&booking, Some(BookingStatus::Confirmed), 2).expect("agreed");
        assert_eq!(c.tickets_voided, crate::domain::TicketCounts { valid: 1, used: 2, void: 0 });
        let after = w.desk.tickets(&booking).expect("tickets");
        assert!(after.iter().all(|t| t.status == TicketStatus::Void));
        assert_eq!(after.iter().filter(|t| t.used_at.is_some()).count(), 2, "used, then voided");
        // The door now refuses them all, the admitted ones too.
        assert!(matches!(
            w.desk.check_in(&tickets[0].code.grouped(), None, "n").expect("scan"),
            DoorAnswer::Voided { .. }
        ));
        let undo = w.desk.undo_admission(&tickets[0].code.grouped(), "oops");
        assert!(matches!(undo, Err(Error::Refused(why)) if why.contains("void")));
        w.verified();
    }
}
