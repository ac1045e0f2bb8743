//! The operations of the box office on a [`Desk`], one file per capability.
//! Each write is one `BEGIN IMMEDIATE` transaction ([`Desk::write`]) that
//! re-reads what it depends on, applies the state machine of
//! `domain::status`, and writes one audit row per state change — or, on any
//! error, rolls back and changes nothing. All SQL is in `store`.
//!
//! - `catalog`: events and customers
//! - `hold`: holding and releasing seats, the seat map, seat picking
//! - `booking`: turning a hold into a booking awaiting payment
//! - `payment`: payment attempts and their replays
//! - `cancel`: cancelling, what it would refund, refund records
//! - `sweeps`: the tick's work: expiry, refund completion, what is due
//! - `recovery`: healing what a crash left behind, and `verify`
//! - `queries`: the read side: bookings and audit lists, report aggregates

mod booking;
mod cancel;
mod catalog;
mod hold;
mod payment;
mod queries;
mod recovery;
mod sweeps;

pub use cancel::Cancellation;
pub use hold::{HoldRequest, SeatMap, SeatPick};
pub use payment::Payment;
pub use recovery::Violation;
pub use sweeps::Swept;

use crate::clock::to_millis;
use crate::context::Context;
use crate::domain::{IdempotencyScope, Invalid};
use crate::error::{Error, Result};
use crate::store::audit::{self, NewAudit};
use crate::store::{self, sales};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::path::Path;

/// A result and whether it was a replay of an earlier request.
#[derive(Debug, Clone, PartialEq)]
pub struct Replayed<T> {
    pub value: T,
    pub is_retry: bool,
}

/// A clerk's (or a job's) connection to the box office.
pub struct Desk {
    conn: Connection,
    ctx: Context,
    actor: String,
}

/// The inside of one write transaction.
struct Tx<'a> {
    tx: store::WriteScope<'a>,
    ctx: &'a Context,
    actor: &'a str,
    now: DateTime<Utc>,
}

impl Tx<'_> {
    fn now_ms(&self) -> i64 {
        to_millis(self.now)
    }

    fn id(&self) -> String {
        self.ctx.ids.next(self.now)
    }

    fn audit(&self, a: NewAudit<'_>) -> Result<()> {
        audit::insert(&self.tx, &self.id(), self.now_ms(), self.actor, &a)
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.tx
    }
}

impl Desk {
    pub fn open(path: &Path, ctx: Context, actor: impl Into<String>) -> Result<Desk> {
        let conn = store::open(path, ctx.config.durability)?;
        Ok(Desk { conn, ctx, actor: actor.into() })
    }

    /// A private in-memory database (tests).
    pub fn in_memory(ctx: Context, actor: impl Into<String>) -> Result<Desk> {
        Ok(Desk { conn: store::open_in_memory()?, ctx, actor: actor.into() })
    }

    /// The named in-memory database `name`, shared by every desk of this
    /// process that opens the same name (a script's clerk and its tick); it
    /// lives while one of them is open.
    pub fn open_shared_memory(name: &str, ctx: Context, actor: impl Into<String>) -> Result<Desk> {
        Ok(Desk { conn: store::open_shared_memory(name)?, ctx, actor: actor.into() })
    }

    pub fn from_connection(conn: Connection, ctx: Context, actor: impl Into<String>) -> Desk {
        Desk { conn, ctx, actor: actor.into() }
    }

    pub fn ctx(&self) -> &Context {
        &self.ctx
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.ctx.now()
    }

    /// A bookings-level `PRAGMA data_version`: changes when another connection commits.
    pub fn data_version(&self) -> Result<i64> {
        store::data_version(&self.conn)
    }

    /// Runs several operations as one atomic write: they see each other's
    /// changes, and either all commit or none does (e.g. seeding a new file).
    pub fn atomically<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.write(|_| f())
    }

    /// Runs `f` in one IMMEDIATE transaction (a savepoint inside `atomically`);
    /// commits only if it succeeds.
    fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let tx =
            Tx { tx: store::WriteScope::begin(&self.conn)?, ctx: &self.ctx, actor: &self.actor, now: self.ctx.now() };
        let value = f(&tx)?;
        tx.tx.commit()?;
        Ok(value)
    }

    /// Runs `f` inside one IMMEDIATE transaction with this desk's context; for
    /// the jobs module's bookkeeping.
    pub(crate) fn write_raw<T>(&self, f: impl FnOnce(&Connection, &str, DateTime<Utc>) -> Result<T>) -> Result<T> {
        self.write(|tx| f(tx, tx.actor, tx.now))
    }
}

// ---- idempotency keys, shared by hold, book and pay ---------------------------

/// A key as the clerk (or the app) sent it: blank means none.
fn clean_key(key: Option<&str>) -> Result<Option<&str>> {
    match key.map(str::trim) {
        None | Some("") => Ok(None),
        Some(k) if k.len() > 200 => Err(Invalid::new("idempotency key", "must be at most 200 characters").into()),
        Some(k) => Ok(Some(k)),
    }
}

/// The entity a key already made in `scope`; refuses a key made in another scope.
fn replay_id(tx: &Tx<'_>, scope: IdempotencyScope, key: &str) -> Result<Option<String>> {
    if let Some(id) = sales::idempotent(tx, scope, key)? {
        return Ok(Some(id));
    }
    match sales::idempotency_scope(tx, key)? {
        Some(other) => Err(used_for(other)),
        None => Ok(None),
    }
}

fn used_for(scope: IdempotencyScope) -> Error {
    Error::refused(format!("that idempotency key was already used for a {scope}"))
}

/// An in-memory desk on a manual clock for the capabilities' unit tests, with
/// a reserved theatre (3 rows × 4 seats), a 10-seat general-admission event
/// and a customer.
#[cfg(test)]
pub(crate) mod testing {
    use super::Desk;
    use super::{HoldRequest, SeatPick};
    use crate::clock::ManualClock;
    use crate::domain::{AuditAction, AuditRow, Booking, Customer, Event, EventKind, Hold, NewCustomer, NewEvent};
    use crate::{Config, Context};
    use chrono::{DateTime, Utc};
    use std::sync::Arc;

    pub const START: &str = "2026-06-01T09:00:00Z";

    pub struct World {
        pub desk: Desk,
        pub clock: Arc<ManualClock>,
        pub theatre: Event,
        pub ga: Event,
        pub jane: Customer,
    }

    pub fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("a test time").to_utc()
    }

    pub fn event(name: &str, kind: EventKind, price: i64) -> NewEvent {
        NewEvent {
            name: name.into(),
            description: String::new(),
            starts_at: at("2026-06-08T19:30:00Z"),
            kind,
            price,
            currency: "INR".into(),
        }
    }

    pub fn world() -> World {
        let (ctx, clock) = Context::manual(at(START), 7, Config::default());
        let desk = Desk::in_memory(ctx, "clerk:test").expect("desk");
        let theatre = desk
            .create_event(event("Theatre", EventKind::Reserved { rows: 3, seats_per_row: 4 }, 50_000))
            .expect("theatre");
        let ga = desk.create_event(event("Gig", EventKind::GeneralAdmission { capacity: 10 }, 20_000)).expect("gig");
        let jane = desk
            .customer(NewCustomer { name: "Jane Doe".into(), email: Some("jane@example.com".into()), phone: None })
            .expect("customer")
            .value;
        World { desk, clock, theatre, ga, jane }
    }

    /// `n` seats, best available.
    pub fn count(n: i64) -> SeatPick {
        SeatPick::Count(n)
    }

    /// These seat labels.
    pub fn seats(labels: &[&str]) -> SeatPick {
        SeatPick::Labels(labels.iter().map(|s| s.to_string()).collect())
    }

    pub fn request(event: &Event, pick: SeatPick, key: Option<&str>) -> HoldRequest {
        HoldRequest { event_id: event.id.clone(), pick, idempotency_key: key.map(str::to_string), correlation_id: None }
    }

    impl World {
        /// A new hold of `pick` on `event`.
        pub fn hold(&self, event: &Event, pick: SeatPick) -> Hold {
            self.desk.hold(request(event, pick, None)).expect("hold").value
        }

        /// A new PAYMENT_PENDING booking of `pick` on `event` for Jane.
        pub fn booked(&self, event: &Event, pick: SeatPick) -> Booking {
            let hold = self.hold(event, pick);
            self.desk.book(&hold.id, &self.jane.id, None).expect("book").value
        }

        /// Every audit row, oldest first.
        pub fn audit(&self) -> Vec<AuditRow> {
            let mut rows =
                self.desk.audit(&crate::domain::AuditFilter { limit: 100_000, ..Default::default() }).expect("audit");
            rows.reverse();
            rows
        }

        /// The audit rows of one action, oldest first.
        pub fn rows_of(&self, action: AuditAction) -> Vec<AuditRow> {
            self.audit().into_iter().filter(|r| r.action == action.as_str()).collect()
        }

        pub fn count(&self, action: AuditAction) -> usize {
            self.rows_of(action).len()
        }

        pub fn available(&self, event: &Event) -> u32 {
            self.desk.event(&event.id).expect("event").available
        }

        pub fn advance_minutes(&self, minutes: i64) {
            self.clock.advance(chrono::Duration::minutes(minutes));
        }

        /// Every invariant holds.
        pub fn verified(&self) {
            assert_eq!(self.desk.verify().expect("verify"), Vec::<String>::new());
        }
    }
}
