//! Holding seats (best available, a count, or named labels), releasing them,
//! and the seat map; and the hold moves the other capabilities share.

use super::{Desk, Replayed, Tx, clean_key, replay_id, used_for};
use crate::domain::event::{parse_seat_label, seat_label};
use crate::domain::seats::best_available;
use crate::domain::{
    AuditAction, AuditEntity, BookingStatus, Event, EventKind, Hold, HoldStatus, IdempotencyScope, Invalid, SeatState,
};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::{catalog, sales};
use serde_json::json;

/// How the clerk asks for seats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeatPick {
    /// Best available (reserved) or simply a count (general admission).
    Count(i64),
    /// These labels, e.g. `["C7", "C8"]` (reserved seating only).
    Labels(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct HoldRequest {
    pub event_id: String,
    pub pick: SeatPick,
    pub idempotency_key: Option<String>,
    /// Continue an existing sale's story; a new one is started when absent.
    pub correlation_id: Option<String>,
}

/// A reserved hall's seats, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct SeatMap {
    pub rows: Vec<Vec<SeatState>>,
}

impl SeatMap {
    pub fn free_grid(&self) -> Vec<Vec<bool>> {
        self.rows.iter().map(|r| r.iter().map(|s| *s == SeatState::Free).collect()).collect()
    }
}

impl Desk {
    pub fn seat_map(&self, event: &Event) -> Result<Option<SeatMap>> {
        seat_map(&self.db, event)
    }

    /// Holds seats: a count (best available) or named labels.
    pub fn hold(&self, req: HoldRequest) -> Result<Replayed<Hold>> {
        if let SeatPick::Count(n) = req.pick
            && n < 1
        {
            return Err(Invalid::new("seats", format!("must be at least 1 (got {n})")).into());
        }
        if let SeatPick::Labels(l) = &req.pick
            && l.is_empty()
        {
            return Err(Invalid::new("seats", "pick at least one seat").into());
        }
        let key = clean_key(req.idempotency_key.as_deref())?;
        self.write(|tx| {
            tx.lock(&[&req.event_id])?;
            let me = tx.signed_in()?;
            if let Some(key) = key
                && let Some(id) = replay_id(tx, IdempotencyScope::Hold, key)?
            {
                let hold = sales::get_hold(tx, &id)?.ok_or_else(|| Error::not_found("hold", &id))?;
                // Like book and pay: a key names one request. Replaying it for
                // another event would hand the clerk seats at the wrong show.
                if hold.event_id != req.event_id {
                    return Err(Error::refused("that idempotency key was used to hold seats for another event"));
                }
                tx.audit(NewAudit {
                    event_id: Some(&hold.event_id),
                    hold_id: Some(&hold.id),
                    correlation_id: Some(&hold.correlation_id),
                    is_retry: true,
                    original_attempt_id: Some(&hold.id),
                    details: Some(json!({"idempotency_key": key})),
                    ..NewAudit::new(AuditAction::HoldRetry, AuditEntity::Hold, &hold.id)
                })?;
                return Ok(Replayed { value: hold, is_retry: true });
            }
            let event =
                catalog::get_event(tx, &req.event_id)?.ok_or_else(|| Error::not_found("event", &req.event_id))?;
            if event.starts_at <= tx.now {
                return Err(Error::refused(format!("'{}' has already started; sales are closed", event.name)));
            }
            let labels = pick_labels(tx, &event, &req.pick)?;
            // The venue's hold period now; the hold keeps the deadline it is given.
            let hold_window = tx.policy()?.hold_window();
            let seats = match &req.pick {
                SeatPick::Count(n) => u32::try_from(*n).unwrap_or(u32::MAX),
                SeatPick::Labels(_) => labels.len() as u32,
            };
            if seats > event.available {
                return Err(Error::NotEnoughSeats { requested: seats, available: event.available });
            }
            if !catalog::adjust_available(tx, &event.id, -i64::from(seats))? {
                return Err(Error::NotEnoughSeats { requested: seats, available: event.available });
            }
            let id = tx.id();
            let hold = Hold {
                correlation_id: req.correlation_id.clone().unwrap_or_else(|| id.clone()),
                id,
                event_id: event.id.clone(),
                seats,
                labels,
                status: HoldStatus::Active,
                actor: tx.actor.to_string(),
                clerk_id: Some(me.id().to_string()),
                created_at: tx.now,
                expires_at: tx.now + hold_window,
                extensions: 0,
            };
            sales::insert_hold(tx, &hold)?;
            if let Err(e) = sales::insert_hold_seats(tx, &hold.id, &event.id, &hold.labels) {
                return Err(taken_or(e, &hold.labels));
            }
            if let Some(key) = key {
                sales::remember(tx, IdempotencyScope::Hold, key, &hold.id, tx.now_ms())?;
            }
            tx.audit(NewAudit {
                event_id: Some(&event.id),
                hold_id: Some(&hold.id),
                to_status: Some(HoldStatus::Active.as_str()),
                correlation_id: Some(&hold.correlation_id),
                details: Some(json!({
                    "seats": seats, "labels": hold.labels, "expires_at": hold.expires_at.to_rfc3339(),
                    "idempotency_key": key,
                })),
                ..NewAudit::new(AuditAction::HoldCreated, AuditEntity::Hold, &hold.id)
            })?;
            Ok(Replayed { value: hold, is_retry: false })
        })
    }

    pub fn get_hold(&self, id: &str) -> Result<Hold> {
        sales::get_hold(&self.db, id)?.ok_or_else(|| Error::not_found("hold", id))
    }

    pub fn active_holds(&self, event_id: &str) -> Result<Vec<Hold>> {
        sales::active_holds(&self.db, event_id)
    }

    /// The clerk lets a hold go: its seats go back on sale. Another clerk's
    /// hold only a supervisor may release.
    pub fn release(&self, hold_id: &str) -> Result<Hold> {
        self.write(|tx| {
            tx.lock_hold(hold_id)?;
            let me = tx.signed_in()?;
            let hold = sales::get_hold(tx, hold_id)?.ok_or_else(|| Error::not_found("hold", hold_id))?;
            if hold.clerk_id.as_deref() != Some(me.id()) {
                tx.require(crate::domain::Role::Supervisor, "release another clerk's hold")?;
            }
            if hold.status != HoldStatus::Active {
                return Err(Error::refused(format!("cannot release: {}", hold.status.refusal())));
            }
            if let Some(b) = sales::booking_for_hold(tx, hold_id)?
                && b.status == BookingStatus::PaymentPending
            {
                return Err(Error::refused(format!(
                    "cannot release: booking {} is awaiting payment; cancel the booking instead",
                    crate::ids::short(&b.id)
                )));
            }
            end_hold(tx, &hold, HoldStatus::Released, None)?;
            Ok(Hold { status: HoldStatus::Released, ..hold })
        })
    }
}

impl Desk {
    /// Moves an ACTIVE hold's deadline on by the hold period, at most
    /// `Config::hold_extensions` times, audited as `HOLD_EXTENDED` (the hold
    /// stays ACTIVE: no state change). Refused once the hold has expired (even
    /// before the sweep has marked it), at the limit, after the event started,
    /// and while its booking awaits payment: then the booking's payment
    /// deadline decides the seats' fate (DESIGN.md), and extending the hold
    /// would change nothing. The same key again returns the hold as it is,
    /// extends nothing more, and is audited as a retry.
    pub fn extend_hold(&self, hold_id: &str, idempotency_key: Option<&str>) -> Result<Replayed<Hold>> {
        let key = clean_key(idempotency_key)?;
        self.write(|tx| {
            tx.signed_in()?;
            tx.lock_hold(hold_id)?;
            if let Some(key) = key {
                if let Some(done) = sales::extension_by_key(tx, key)? {
                    if done.hold_id != hold_id {
                        return Err(Error::refused("that idempotency key extended another hold"));
                    }
                    let hold = sales::get_hold(tx, hold_id)?.ok_or_else(|| Error::not_found("hold", hold_id))?;
                    tx.audit(NewAudit {
                        event_id: Some(&hold.event_id),
                        hold_id: Some(&hold.id),
                        correlation_id: Some(&hold.correlation_id),
                        is_retry: true,
                        original_attempt_id: Some(&done.id),
                        details: Some(json!({"extension": done.n, "idempotency_key": key})),
                        ..NewAudit::new(AuditAction::HoldExtended, AuditEntity::Hold, &hold.id)
                    })?;
                    return Ok(Replayed { value: hold, is_retry: true });
                }
                if let Some(scope) = sales::idempotency_scope(tx, key)? {
                    return Err(used_for(scope));
                }
            }
            let hold = sales::get_hold(tx, hold_id)?.ok_or_else(|| Error::not_found("hold", hold_id))?;
            if hold.status != HoldStatus::Active {
                return Err(Error::refused(format!("cannot extend: {}", hold.status.refusal())));
            }
            if hold.expires_at <= tx.now {
                return Err(Error::refused(format!(
                    "cannot extend: the hold expired at {}; hold the seats again",
                    hold.expires_at.format("%H:%M:%S UTC")
                )));
            }
            if let Some(b) = sales::booking_for_hold(tx, hold_id)? {
                return Err(Error::refused(format!(
                    "cannot extend: booking {} is {}; its payment deadline ({}) decides, not the hold's",
                    crate::ids::short(&b.id),
                    b.status,
                    b.payment_expires_at.format("%H:%M:%S UTC")
                )));
            }
            let policy = tx.policy()?;
            let most = policy.hold_extensions;
            if hold.extensions >= most {
                return Err(Error::refused(format!(
                    "cannot extend: the hold was already extended {} time(s), the most allowed",
                    hold.extensions
                )));
            }
            let event =
                catalog::get_event(tx, &hold.event_id)?.ok_or_else(|| Error::not_found("event", &hold.event_id))?;
            if event.starts_at <= tx.now {
                return Err(Error::refused(format!("'{}' has already started; sales are closed", event.name)));
            }
            let to = hold.expires_at + policy.hold_window();
            let (from_ms, to_ms) = (crate::clock::to_millis(hold.expires_at), crate::clock::to_millis(to));
            if !sales::extend_hold(tx, &hold.id, hold.extensions, to_ms, tx.now_ms())? {
                return Err(Error::refused(format!(
                    "hold {} changed meanwhile; try again",
                    crate::ids::short(&hold.id)
                )));
            }
            let n = hold.extensions + 1;
            let extension = sales::Extension { id: tx.id(), hold_id: hold.id.clone(), n };
            sales::insert_extension(tx, &extension, key, from_ms, to_ms, tx.now_ms())?;
            tx.audit(NewAudit {
                event_id: Some(&hold.event_id),
                hold_id: Some(&hold.id),
                correlation_id: Some(&hold.correlation_id),
                details: Some(json!({
                    "extension": n, "of": most, "extension_id": extension.id,
                    "from_expires_at": hold.expires_at.to_rfc3339(), "to_expires_at": to.to_rfc3339(),
                    "idempotency_key": key,
                })),
                ..NewAudit::new(AuditAction::HoldExtended, AuditEntity::Hold, &hold.id)
            })?;
            Ok(Replayed { value: Hold { expires_at: to, extensions: n, ..hold }, is_retry: false })
        })
    }
}

pub(crate) fn seat_map(conn: &crate::store::db::Db, event: &Event) -> Result<Option<SeatMap>> {
    let EventKind::Reserved { rows, seats_per_row } = event.kind else {
        return Ok(None);
    };
    let mut grid = vec![vec![SeatState::Free; seats_per_row as usize]; rows as usize];
    for (label, state) in sales::seat_owners(conn, &event.id)? {
        if let Ok((r, s)) = parse_seat_label(&label, rows, seats_per_row) {
            grid[r as usize][s as usize - 1] = state;
        }
    }
    Ok(Some(SeatMap { rows: grid }))
}

/// The labels a hold will own (empty for general admission).
fn pick_labels(tx: &Tx<'_>, event: &Event, pick: &SeatPick) -> Result<Vec<String>> {
    let EventKind::Reserved { rows, seats_per_row } = event.kind else {
        return match pick {
            SeatPick::Count(_) => Ok(Vec::new()),
            SeatPick::Labels(_) => {
                Err(Error::refused(format!("'{}' is general admission; ask for a number of seats", event.name)))
            }
        };
    };
    let map = seat_map(tx, event)?.unwrap_or(SeatMap { rows: Vec::new() });
    match pick {
        SeatPick::Count(n) => {
            let n = usize::try_from(*n).unwrap_or(usize::MAX);
            let free = event.available as usize;
            let seats = best_available(&map.free_grid(), n)
                .ok_or(Error::NotEnoughSeats { requested: n.min(u32::MAX as usize) as u32, available: free as u32 })?;
            Ok(seats.into_iter().map(|(r, s)| seat_label(r, s)).collect())
        }
        SeatPick::Labels(labels) => {
            let mut out: Vec<String> = Vec::with_capacity(labels.len());
            for l in labels {
                let (r, s) = parse_seat_label(l, rows, seats_per_row)?;
                let label = seat_label(r, s);
                if out.contains(&label) {
                    return Err(Invalid::new("seat", format!("{label} is listed twice")).into());
                }
                if map.rows[r as usize][s as usize - 1] != SeatState::Free {
                    return Err(Error::SeatTaken(label));
                }
                out.push(label);
            }
            Ok(out)
        }
    }
}

/// A unique-index failure on seat labels means another terminal took one.
fn taken_or(e: Error, labels: &[String]) -> Error {
    match e {
        Error::Db(ref inner) if inner.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
            Error::SeatTaken(labels.join(", "))
        }
        other => other,
    }
}

/// Moves an ACTIVE hold to `to` and audits it (for `booking_id` when a
/// booking's fate moved it).
pub(super) fn set_hold(tx: &Tx<'_>, hold: &Hold, to: HoldStatus, booking_id: Option<&str>) -> Result<()> {
    if !hold.status.can_become(to) || !sales::set_hold_status(tx, &hold.id, hold.status, to, tx.now_ms())? {
        return Err(Error::refused(format!("hold {} is {}, not ACTIVE", crate::ids::short(&hold.id), hold.status)));
    }
    tx.audit(NewAudit {
        event_id: Some(&hold.event_id),
        hold_id: Some(&hold.id),
        booking_id,
        from_status: Some(hold.status.as_str()),
        to_status: Some(to.as_str()),
        correlation_id: Some(&hold.correlation_id),
        details: Some(json!({"seats": hold.seats})),
        ..NewAudit::new(AuditAction::hold_moved(to), AuditEntity::Hold, &hold.id)
    })
}

/// Ends a hold (released or expired) and puts its seats back in the pool.
pub(super) fn end_hold(tx: &Tx<'_>, hold: &Hold, to: HoldStatus, booking_id: Option<&str>) -> Result<()> {
    set_hold(tx, hold, to, booking_id)?;
    give_back_seats(tx, hold)
}

/// Puts a hold's seats (its count and its labels) back in the event's pool.
pub(super) fn give_back_seats(tx: &Tx<'_>, hold: &Hold) -> Result<()> {
    sales::free_hold_seats(tx, &hold.id)?;
    if !catalog::adjust_available(tx, &hold.event_id, i64::from(hold.seats))? {
        return Err(Error::Storage(format!(
            "returning {} seats would overfill event {}; run `boxoffice verify`",
            hold.seats, hold.event_id
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{count, request as pick, seats as labels, world};
    use super::*;

    #[test]
    fn best_available_takes_the_front_centre_and_the_seats_leave_the_pool() {
        let w = world();
        let hold = w.desk.hold(pick(&w.theatre, count(2), None)).expect("hold").value;
        assert_eq!(hold.labels, ["A2", "A3"]);
        assert_eq!((hold.status, hold.seats), (HoldStatus::Active, 2));
        assert_eq!(hold.expires_at, hold.created_at + chrono::Duration::minutes(5));
        assert_eq!(w.available(&w.theatre), 10);
        let map = w.desk.seat_map(&w.desk.event(&w.theatre.id).expect("event")).expect("map").expect("reserved");
        assert_eq!(map.rows[0], [SeatState::Free, SeatState::Held, SeatState::Held, SeatState::Free]);
        let created = w.rows_of(AuditAction::HoldCreated);
        assert_eq!(created.len(), 1);
        assert_eq!((created[0].to_status.as_deref(), created[0].details["seats"].as_u64()), (Some("ACTIVE"), Some(2)));
        w.verified();
    }

    #[test]
    fn named_seats_must_be_free_distinct_and_on_a_reserved_hall() {
        let w = world();
        w.desk.hold(pick(&w.theatre, labels(&["b1", "B2"]), None)).expect("hold");
        let before = w.audit().len();
        let taken = w.desk.hold(pick(&w.theatre, labels(&["B2", "B3"]), None));
        assert!(matches!(taken, Err(Error::SeatTaken(l)) if l == "B2"));
        let twice = w.desk.hold(pick(&w.theatre, labels(&["C1", "C1"]), None));
        assert!(matches!(twice, Err(Error::Invalid(i)) if i.rule.contains("twice")));
        assert!(matches!(w.desk.hold(pick(&w.ga, labels(&["A1"]), None)), Err(Error::Refused(_))));
        assert!(matches!(w.desk.hold(pick(&w.ga, count(11), None)), Err(Error::NotEnoughSeats { .. })));
        assert!(matches!(w.desk.hold(pick(&w.ga, count(0), None)), Err(Error::Invalid(_))));
        assert_eq!(w.audit().len(), before, "refusals write nothing");
        assert_eq!((w.available(&w.theatre), w.available(&w.ga)), (10, 10));
        w.verified();
    }

    #[test]
    fn a_started_event_sells_nothing() {
        let w = world();
        w.clock.set(w.theatre.starts_at);
        let refused = w.desk.hold(pick(&w.theatre, count(1), None));
        assert!(matches!(refused, Err(Error::Refused(why)) if why.contains("already started")));
        assert_eq!(w.available(&w.theatre), 12);
    }

    #[test]
    fn a_key_replays_its_hold_and_only_for_the_same_event() {
        let w = world();
        let first = w.desk.hold(pick(&w.ga, count(3), Some("k1"))).expect("hold");
        let again = w.desk.hold(pick(&w.ga, count(3), Some("k1"))).expect("replay");
        assert!(!first.is_retry && again.is_retry);
        assert_eq!(again.value.id, first.value.id);
        assert_eq!(w.available(&w.ga), 7, "seats taken once");
        let retry = w.rows_of(AuditAction::HoldRetry);
        assert_eq!(retry.len(), 1);
        assert_eq!(retry[0].original_attempt_id.as_deref(), Some(first.value.id.as_str()));
        assert!(matches!(w.desk.hold(pick(&w.theatre, count(1), Some("k1"))), Err(Error::Refused(_))));
        w.verified();
    }

    #[test]
    fn release_gives_the_seats_back_once() {
        let w = world();
        let hold = w.desk.hold(pick(&w.theatre, labels(&["C4"]), None)).expect("hold").value;
        let released = w.desk.release(&hold.id).expect("release");
        assert_eq!(released.status, HoldStatus::Released);
        assert_eq!(w.desk.get_hold(&hold.id).expect("hold").status, HoldStatus::Released);
        assert_eq!(w.available(&w.theatre), 12);
        let row = &w.rows_of(AuditAction::HoldReleased)[0];
        assert_eq!((row.from_status.as_deref(), row.to_status.as_deref()), (Some("ACTIVE"), Some("RELEASED")));
        assert!(matches!(w.desk.release(&hold.id), Err(Error::Refused(why)) if why.contains("released")));
        // C4 is free again: it can be held anew.
        w.desk.hold(pick(&w.theatre, labels(&["C4"]), None)).expect("C4 again");
        w.verified();
    }

    #[test]
    fn a_hold_awaiting_payment_cannot_be_released() {
        let w = world();
        let hold = w.desk.hold(pick(&w.ga, count(1), None)).expect("hold").value;
        w.desk.book(&hold.id, &w.jane.id, None).expect("book");
        assert!(matches!(w.desk.release(&hold.id), Err(Error::Refused(why)) if why.contains("cancel the booking")));
        assert_eq!(w.desk.get_hold(&hold.id).expect("hold").status, HoldStatus::Active);
    }

    // ---- extending a hold ------------------------------------------------------

    #[test]
    fn a_hold_extends_by_the_hold_period_at_most_twice_each_time_audited() {
        let w = world();
        let hold = w.hold(&w.theatre, labels(&["B2"]));
        let once = w.desk.extend_hold(&hold.id, Some("x1")).expect("first extension");
        assert!(!once.is_retry);
        assert_eq!((once.value.expires_at, once.value.extensions), (hold.expires_at + chrono::Duration::minutes(5), 1));
        assert_eq!(once.value.labels, ["B2"], "the hold as the clerk sees it");
        w.advance_minutes(4);
        let twice = w.desk.extend_hold(&hold.id, Some("x2")).expect("second extension").value;
        assert_eq!(twice.expires_at, hold.expires_at + chrono::Duration::minutes(10));
        let stored = w.desk.get_hold(&hold.id).expect("hold");
        assert_eq!((stored.status, stored.extensions, stored.expires_at), (HoldStatus::Active, 2, twice.expires_at));
        let before = w.audit().len();
        let third = w.desk.extend_hold(&hold.id, Some("x3"));
        assert!(matches!(&third, Err(Error::Refused(why)) if why.contains("already extended 2 time(s)")), "{third:?}");
        assert_eq!(w.audit().len(), before, "a refusal writes nothing");
        let rows = w.rows_of(AuditAction::HoldExtended);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].from_status.as_deref(), rows[0].to_status.as_deref()), (None, None), "no state change");
        assert_eq!(rows[1].details["extension"].as_u64(), Some(2));
        assert_eq!(rows[1].details["of"].as_u64(), Some(2));
        assert_eq!(rows[1].details["to_expires_at"].as_str(), Some(twice.expires_at.to_rfc3339().as_str()));
        assert_eq!(rows[1].correlation_id.as_deref(), Some(hold.correlation_id.as_str()));
        assert_eq!(w.available(&w.theatre), 11, "the seat stays held, once");
        w.verified();
    }

    #[test]
    fn the_same_key_replays_an_extension_and_keys_stay_unique_across_operations() {
        let w = world();
        let hold = w.hold(&w.ga, count(2));
        let first = w.desk.extend_hold(&hold.id, Some("ext-1")).expect("extend").value;
        let again = w.desk.extend_hold(&hold.id, Some("ext-1")).expect("replay");
        assert!(again.is_retry);
        assert_eq!((again.value.expires_at, again.value.extensions), (first.expires_at, 1), "extended once");
        let retries: Vec<_> = w.rows_of(AuditAction::HoldExtended).into_iter().filter(|r| r.is_retry).collect();
        assert_eq!(retries.len(), 1);
        assert!(retries[0].original_attempt_id.is_some());
        let other = w.hold(&w.ga, count(1));
        let refused = w.desk.extend_hold(&other.id, Some("ext-1"));
        assert!(matches!(&refused, Err(Error::Refused(why)) if why.contains("another hold")), "{refused:?}");
        // A hold's key cannot extend, and an extension's key cannot hold.
        w.desk.hold(pick(&w.ga, count(1), Some("hold-key"))).expect("hold");
        assert!(matches!(w.desk.extend_hold(&hold.id, Some("hold-key")), Err(Error::Refused(_))));
        assert!(matches!(w.desk.hold(pick(&w.ga, count(1), Some("ext-1"))), Err(Error::Refused(_))));
        assert_eq!(w.desk.get_hold(&other.id).expect("hold").extensions, 0);
        w.verified();
    }

    #[test]
    fn an_expired_released_or_booked_hold_is_not_extended() {
        let w = world();
        // Past its deadline, before the sweep has marked it: refused.
        let late = w.hold(&w.ga, count(1));
        w.advance_minutes(5);
        let refused = w.desk.extend_hold(&late.id, None);
        assert!(matches!(&refused, Err(Error::Refused(why)) if why.contains("expired at 09:05:00")), "{refused:?}");
        let released = w.hold(&w.ga, count(1));
        w.desk.release(&released.id).expect("release");
        assert!(matches!(w.desk.extend_hold(&released.id, None), Err(Error::Refused(why)) if why.contains("released")));
        // A booking awaiting payment: its own deadline decides.
        let booked = w.booked(&w.ga, count(1));
        let refused = w.desk.extend_hold(&booked.hold_id, None);
        assert!(
            matches!(&refused, Err(Error::Refused(why)) if why.contains("PAYMENT_PENDING") && why.contains("payment deadline")),
            "{refused:?}"
        );
        assert_eq!(w.count(AuditAction::HoldExtended), 0);
        assert!(matches!(w.desk.extend_hold("no-such-hold", None), Err(Error::NotFound { what: "hold", .. })));
        w.verified();
    }

    #[test]
    fn an_extended_hold_expires_at_its_new_deadline_and_verify_accepts_it() {
        let w = world();
        let hold = w.hold(&w.theatre, labels(&["C1", "C2"]));
        w.desk.extend_hold(&hold.id, None).expect("extend");
        w.advance_minutes(5);
        assert_eq!(w.desk.expire_holds().expect("sweep"), 0, "the old deadline no longer applies");
        assert_eq!(w.available(&w.theatre), 10);
        w.verified();
        w.advance_minutes(5);
        assert_eq!(w.desk.expire_holds().expect("sweep"), 1);
        assert_eq!(w.desk.get_hold(&hold.id).expect("hold").status, HoldStatus::Expired);
        assert_eq!(w.available(&w.theatre), 12);
        // One HOLD_EXPIRED transition row, one HOLD_EXTENDED row: invariant 4 holds.
        w.verified();
        // An extension without its audit row is caught.
        w.desk.conn().execute("UPDATE holds SET extensions = 2 WHERE id = ?1", [&hold.id]).expect("damage the count");
        let found = w.desk.verify().expect("verify");
        assert!(found.iter().any(|v| v.contains("was extended 2 time(s)")), "{found:?}");
    }

    #[test]
    fn extensions_are_configurable() {
        let (ctx, _clock) = crate::context::Context::manual(
            super::super::testing::at(super::super::testing::START),
            7,
            crate::context::Config { pin_cost: crate::context::PinCost::Fast, ..Default::default() },
        );
        let desk = Desk::in_memory(ctx, "clerk:test").expect("desk");
        desk.create_first_supervisor("Sue", "1111").expect("supervisor");
        // The venue allows none: a setting of the file, not of the process.
        desk.set_setting("hold_extensions", "0").expect("setting");
        let ga = desk
            .create_event(super::super::testing::event(
                "Gig",
                crate::domain::EventKind::GeneralAdmission { capacity: 3 },
                100,
            ))
            .expect("event");
        let hold = desk.hold(pick(&ga, count(1), None)).expect("hold").value;
        assert!(matches!(desk.extend_hold(&hold.id, None), Err(Error::Refused(why)) if why.contains("most allowed")));
    }
}
