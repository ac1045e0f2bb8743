//! The operations of the box office on a [`Desk`], one file per capability.
//! Each write is one `BEGIN IMMEDIATE` transaction (`Desk::write`) that
//! re-reads what it depends on, applies the state machine of
//! `domain::status`, and writes one audit row per state change — or, on any
//! error, rolls back and changes nothing. All SQL is in `store`.
//!
//! - `catalog`: events and customers
//! - `hold`: holding and releasing seats, the seat map, seat picking
//! - `booking`: turning a hold into a booking awaiting payment
//! - `payment`: payment attempts and their replays
//! - `cancel`: cancelling, what it would refund (and void), refund records
//! - `types`: ticket types of an event: add, edit, retire; what a mix costs
//! - `tickets`: issuing and voiding tickets with the booking, listing, printing records
//! - `door`: check-in at a door (admitted once), undoing an admission
//! - `sweeps`: the tick's work: expiry, refund completion, what is due
//! - `recovery`: healing what a crash left behind, and `verify`
//! - `queries`: the read side: bookings and audit lists, report aggregates
//! - `staff`: clerks, signing in (PINs, lock-out), roles and their refusals
//! - `till`: shifts, the cash-up, and the shift every payment and refund belongs to
//!
//! A desk acts as its terminal's identity (`job:tick`, `door:main`,
//! `clerk:user@pid`) until a clerk signs in; from then on as that clerk.
//! Selling needs a signed-in clerk; supervisor-only operations check the
//! clerk's role in their own transaction (re-read from the file).
//! - `privacy`: erasing a customer's personal data on request
//! - `settings`: the venue's settings (the policy each operation reads in its transaction)

mod booking;
mod cancel;
mod catalog;
mod door;
mod hold;
mod payment;
mod privacy;
mod queries;
mod recovery;
mod settings;
mod staff;
mod sweeps;
#[cfg(test)]
mod testing;
mod tickets;
mod till;
mod types;

pub use cancel::{CancelTerms, Cancellation, RefundOverride};
pub use hold::{HoldRequest, SeatMap, SeatPick};
pub use payment::Payment;
pub use privacy::{Erasure, OldCopies, erased_name};
pub use recovery::Violation;
pub use settings::SettingChange;
pub use staff::DEMO_PIN_HASH;
pub use sweeps::Swept;
pub use tickets::printable;
pub use till::CashupQuery;
pub use types::TypeOnSale;

use crate::clock::to_millis;
use crate::context::Context;
use crate::domain::{IdempotencyScope, Invalid, Role, Session};
use crate::error::{Error, Result};
use crate::store::audit::{self, Actor, NewAudit};
use crate::store::db::{self, Db};
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

/// A clerk's (or a job's, or a door's) connection to the box office.
pub struct Desk {
    db: Db,
    ctx: Context,
    /// The terminal's identity: what the trail says when no clerk is signed in.
    actor: String,
    /// The clerk signed in here, if any.
    clerk: std::cell::RefCell<Option<Session>>,
    /// Writes since the last checkpoint, when this desk defers checkpoints
    /// (a door: see `Desk::defer_checkpoints`); `None` when SQLite runs them.
    deferred_writes: std::cell::Cell<Option<u32>>,
}

/// The inside of one write transaction (`db::write_locked`: `BEGIN
/// IMMEDIATE` on SQLite; on PostgreSQL READ COMMITTED, where an operation
/// locks its event's row with [`Tx::lock`] before it reads the event's state).
struct Tx<'a> {
    tx: &'a Db,
    ctx: &'a Context,
    actor: &'a str,
    clerk: Option<Session>,
    now: DateTime<Utc>,
}

impl Tx<'_> {
    /// Locks the events' rows until the write ends (PostgreSQL; SQLite's
    /// write already has the file to itself): an operation calls it as soon
    /// as it knows its events, before it reads what they own, so writes on
    /// one event run one at a time (docs/POSTGRES.md).
    fn lock(&self, events: &[&str]) -> Result<()> {
        db::lock_events(self.tx, events)
    }

    /// Locks the event `find` names (PostgreSQL; nothing on SQLite, which
    /// neither asks): a write on a hold, a booking or a ticket looks up its
    /// event (which never changes) and locks it before it reads the row. An
    /// unknown row locks nothing; the operation then finds none and says so.
    fn lock_event_of(&self, find: impl FnOnce(&Db) -> Result<Option<String>>) -> Result<()> {
        if self.tx.backend() == db::Backend::Sqlite {
            return Ok(());
        }
        match find(self.tx)? {
            Some(event) => self.lock(&[&event]),
            None => Ok(()),
        }
    }

    /// Locks the event `hold_id` is for, before the hold is read.
    fn lock_hold(&self, hold_id: &str) -> Result<()> {
        self.lock_event_of(|db| sales::event_of_hold(db, hold_id))
    }

    /// Locks a booking's event, before the booking is read.
    fn lock_booking(&self, booking_id: &str) -> Result<()> {
        self.lock_event_of(|db| sales::event_of_booking(db, booking_id))
    }

    /// Locks the event of the ticket with this code: a scan reads the ticket
    /// only once it has it, so two doors scanning one code queue and the
    /// second is told where it was used.
    fn lock_ticket(&self, code: &crate::domain::TicketCode) -> Result<()> {
        self.lock_event_of(|db| crate::store::tickets::event_of_code(db, code))
    }

    /// Locks the events of what a sweep found due (PostgreSQL), saying
    /// whether it did: the sweep then reads again and keeps what is still due
    /// on those events (a sale may have moved it before the lock was had).
    fn lock_swept(&self, events: &std::collections::BTreeSet<String>) -> Result<bool> {
        if self.tx.backend() == db::Backend::Sqlite || events.is_empty() {
            return Ok(false);
        }
        let events: Vec<&str> = events.iter().map(String::as_str).collect();
        self.lock(&events)?;
        Ok(true)
    }

    fn now_ms(&self) -> i64 {
        to_millis(self.now)
    }

    fn id(&self) -> String {
        self.ctx.ids.next(self.now)
    }

    /// Who the trail says did it: the signed-in clerk, else the terminal.
    fn who(&self) -> Actor<'_> {
        match &self.clerk {
            Some(c) => Actor { name: c.name(), clerk_id: Some(c.id()) },
            None => Actor { name: self.actor, clerk_id: None },
        }
    }

    fn audit(&self, a: NewAudit<'_>) -> Result<()> {
        audit::insert(self.tx, &self.id(), self.now_ms(), self.who(), &a)
    }

    /// An id from the staff counter (clerks, shifts and their audit rows).
    fn staff_id(&self) -> String {
        self.ctx.ids.next_staff_id(self.now)
    }

    /// An audit row about clerks or shifts (its id from the staff counter).
    fn audit_staff(&self, a: NewAudit<'_>) -> Result<()> {
        audit::insert(self.tx, &self.staff_id(), self.now_ms(), self.who(), &a)
    }

    /// The signed-in clerk, still enabled (re-read here): selling needs one.
    fn signed_in(&self) -> Result<&Session> {
        let Some(session) = &self.clerk else {
            return Err(Error::refused("sign in first: selling is done by a signed-in clerk"));
        };
        staff::still_enabled(self, session)?;
        Ok(session)
    }

    /// The signed-in clerk if their role (as the file says now) allows
    /// `what`; else `Error::NotAllowed`, which `Desk::write` audits once the
    /// operation has rolled back.
    fn require(&self, role: Role, what: &str) -> Result<&Session> {
        let session = self.signed_in()?;
        staff::has_role(self, session, role, what)?;
        Ok(session)
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.tx
    }
}

impl Desk {
    pub fn open(path: &Path, ctx: Context, actor: impl Into<String>) -> Result<Desk> {
        let conn = store::open(path, ctx.config.durability)?;
        Ok(Desk::new(conn, ctx, actor))
    }

    /// A desk on the PostgreSQL database at `url` (its schema built or
    /// brought up to date first). On the system clock its time is the
    /// server's (`store::pg::clock`), so hosts whose clocks differ agree on
    /// deadlines; a manual clock (tests, scripts) stays as it is.
    pub fn open_postgres(url: &str, mut ctx: Context, actor: impl Into<String>) -> Result<Desk> {
        let db = store::pg::open(url)?;
        if ctx.clock.is_system() {
            ctx.clock = std::sync::Arc::new(store::pg::clock::ServerClock::connect(url)?);
        }
        Ok(Desk::new(db, ctx, actor))
    }

    /// A desk on a read-only connection to the PostgreSQL database at `url`
    /// (its schema must be current: nothing is migrated), on the server's
    /// clock as [`Desk::open_postgres`]: `report`, `settings`, `clerk list`.
    pub fn read_postgres(url: &str, mut ctx: Context, actor: impl Into<String>) -> Result<Desk> {
        let db = store::pg::open_read_only(url)?;
        if ctx.clock.is_system() {
            ctx.clock = std::sync::Arc::new(store::pg::clock::ServerClock::connect(url)?);
        }
        Ok(Desk::new(db, ctx, actor))
    }

    /// A desk on `target`: a `postgres://` URL ([`Desk::open_postgres`]) or
    /// a database file ([`Desk::open`]).
    pub fn open_target(target: &Path, ctx: Context, actor: impl Into<String>) -> Result<Desk> {
        let text = target.to_string_lossy();
        if db::is_postgres_url(&text) { Desk::open_postgres(&text, ctx, actor) } else { Desk::open(target, ctx, actor) }
    }

    fn new(db: impl Into<Db>, ctx: Context, actor: impl Into<String>) -> Desk {
        Desk {
            db: db.into(),
            ctx,
            actor: actor.into(),
            clerk: std::cell::RefCell::new(None),
            deferred_writes: std::cell::Cell::new(None),
        }
    }

    /// A desk on a connection opened read-only (`store::open_read_only`):
    /// `verify` and `report`, which must never write to what they check.
    pub fn from_read_only(db: impl Into<Db>, ctx: Context, actor: impl Into<String>) -> Desk {
        Desk::new(db, ctx, actor)
    }

    /// A private in-memory database (tests).
    pub fn in_memory(ctx: Context, actor: impl Into<String>) -> Result<Desk> {
        Ok(Desk::new(store::open_in_memory()?, ctx, actor))
    }

    /// The named in-memory database `name`, shared by every desk of this
    /// process that opens the same name (a script's clerk and its tick); it
    /// lives while one of them is open.
    pub fn open_shared_memory(name: &str, ctx: Context, actor: impl Into<String>) -> Result<Desk> {
        Ok(Desk::new(store::open_shared_memory(name)?, ctx, actor))
    }

    pub fn ctx(&self) -> &Context {
        &self.ctx
    }

    /// The store connection, on either backend.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// SQLite's connection, for tests' raw SQL on a file.
    ///
    /// # Panics
    /// On a PostgreSQL desk. The app's own code never calls it: what is
    /// SQLite's alone asks `db().sqlite_only(what)`, an error on PostgreSQL.
    pub fn conn(&self) -> &Connection {
        match &self.db {
            Db::Sqlite(conn) => conn,
            Db::Pg(_) => panic!("Desk::conn is SQLite's connection; this desk is on PostgreSQL"),
        }
    }

    /// SQLite's connection for store code not yet written for both
    /// backends; on PostgreSQL an error naming `what`.
    fn sql(&self, what: &str) -> Result<&Connection> {
        self.db.sqlite_only(what)
    }

    /// The terminal's identity (`clerk:user@pid`, `job:tick`), whoever signs in.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// The clerk signed in at this desk.
    pub fn clerk(&self) -> Option<Session> {
        self.clerk.borrow().clone()
    }

    /// Acts as `session` from now on (`None`: as the terminal again): how a
    /// session signed in on one connection is handed to the app's others.
    /// Every operation still re-reads the clerk (disabled? role?) in its own
    /// transaction, so a stale session grants nothing the file does not.
    pub fn act_as(&self, session: Option<Session>) {
        *self.clerk.borrow_mut() = session;
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.ctx.now()
    }

    /// A consistent copy of the whole file at `dest` (which must not exist),
    /// taken while others keep writing, then checked read-only.
    pub fn backup_to(&self, dest: &Path) -> Result<store::backup::Checked> {
        store::backup::snapshot(self.sql("backup")?, dest)?;
        store::backup::check(dest)
    }

    /// A bookings-level `PRAGMA data_version`: changes when another connection commits.
    pub fn data_version(&self) -> Result<i64> {
        store::data_version(self.sql("data_version")?)
    }

    /// Runs several operations as one atomic write: they see each other's
    /// changes, and either all commit or none does (e.g. seeding a new file).
    pub fn atomically<T>(&self, mut f: impl FnMut() -> Result<T>) -> Result<T> {
        self.write(|_| f())
    }

    /// Refused (and audited) unless a supervisor is signed in here, as the
    /// file says now: for operations that check before their transaction.
    fn supervisor_only(&self, what: &str) -> Result<()> {
        self.permit(Role::Supervisor, what).map(|_| ())
    }

    /// Runs `f` as one write (`db::write_locked`: an IMMEDIATE transaction
    /// on SQLite, a savepoint inside `atomically`); commits only if it
    /// succeeds. On PostgreSQL a deadlock runs `f` again on a fresh
    /// transaction, so `f` reads everything inside and keeps nothing from a
    /// failed attempt.
    fn write<T>(&self, mut f: impl FnMut(&Tx<'_>) -> Result<T>) -> Result<T> {
        let result = db::write_locked(&self.db, &[], |db| {
            let tx = Tx { tx: db, ctx: &self.ctx, actor: &self.actor, clerk: self.clerk(), now: self.ctx.now() };
            f(&tx)
        });
        let value = match result {
            Ok(value) => value,
            Err(e) => {
                // The refused operation rolled back; its refusal is recorded on
                // its own (inside `atomically`, by the outermost write).
                if let Error::NotAllowed(_) = &e
                    && !self.db.in_transaction()
                {
                    self.record_refusal(&e);
                }
                return Err(e);
            }
        };
        if let Some(n) = self.deferred_writes.get() {
            self.deferred_writes.set(Some(n.saturating_add(1)));
        }
        Ok(value)
    }

    /// Runs `f` inside one IMMEDIATE transaction with this desk's context; for
    /// the jobs module's bookkeeping.
    pub(crate) fn write_raw<T>(&self, mut f: impl FnMut(&Db, Actor<'_>, DateTime<Utc>) -> Result<T>) -> Result<T> {
        self.write(|tx| f(tx, tx.who(), tx.now))
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
    if sales::extension_by_key(tx, key)?.is_some() {
        return Err(Error::refused("that idempotency key was already used to extend a hold"));
    }
    match sales::idempotency_scope(tx, key)? {
        Some(other) => Err(used_for(other)),
        None => Ok(None),
    }
}

fn used_for(scope: IdempotencyScope) -> Error {
    Error::refused(format!("that idempotency key was already used for a {scope}"))
}
