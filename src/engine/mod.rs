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
mod sweeps;
#[cfg(test)]
mod testing;
mod tickets;
mod types;

pub use cancel::{CancelTerms, Cancellation};
pub use hold::{HoldRequest, SeatMap, SeatPick};
pub use payment::Payment;
pub use privacy::{Erasure, erased_name};
pub use recovery::Violation;
pub use settings::SettingChange;
pub use sweeps::Swept;
pub use tickets::printable;
pub use types::TypeOnSale;

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
    /// Writes since the last checkpoint, when this desk defers checkpoints
    /// (a door: see `Desk::defer_checkpoints`); `None` when SQLite runs them.
    deferred_writes: std::cell::Cell<Option<u32>>,
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
        Ok(Desk::new(conn, ctx, actor))
    }

    fn new(conn: Connection, ctx: Context, actor: impl Into<String>) -> Desk {
        Desk { conn, ctx, actor: actor.into(), deferred_writes: std::cell::Cell::new(None) }
    }

    /// A desk on a connection opened read-only (`store::open_read_only`):
    /// `verify` and `report`, which must never write to what they check.
    pub fn from_read_only(conn: Connection, ctx: Context, actor: impl Into<String>) -> Desk {
        Desk::new(conn, ctx, actor)
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

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.ctx.now()
    }

    /// A consistent copy of the whole file at `dest` (which must not exist),
    /// taken while others keep writing, then checked read-only.
    pub fn backup_to(&self, dest: &Path) -> Result<store::backup::Checked> {
        store::backup::snapshot(&self.conn, dest)?;
        store::backup::check(dest)
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

    /// Where an operation only a supervisor may do asks who is signed in.
    /// Everyone may today: the hook for the clerks feature (sign-in, roles
    /// `clerk`/`supervisor`), which makes this refuse a clerk with
    /// `Error::Refused("only a supervisor may {what}")`.
    fn supervisor_only(&self, what: &str) -> Result<()> {
        let _ = what;
        Ok(())
    }

    /// Runs `f` in one IMMEDIATE transaction (a savepoint inside `atomically`);
    /// commits only if it succeeds.
    fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let tx =
            Tx { tx: store::WriteScope::begin(&self.conn)?, ctx: &self.ctx, actor: &self.actor, now: self.ctx.now() };
        let value = f(&tx)?;
        tx.tx.commit()?;
        if let Some(n) = self.deferred_writes.get() {
            self.deferred_writes.set(Some(n.saturating_add(1)));
        }
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
