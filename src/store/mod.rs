//! SQLite: opening a file, pragmas, the schema version, transactions — and,
//! in the submodules, every SQL statement the app runs.

pub mod audit;
pub mod catalog;
pub mod checks;
pub mod jobs;
pub mod reports;
pub mod sales;
pub mod types;

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub const SCHEMA: &str = include_str!("../../schema.sql");
pub const SCHEMA_VERSION: i64 = 1;
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// `BEGIN IMMEDIATE` can still meet SQLITE_BUSY after the busy handler's
/// timeout under long saturation; nothing has happened yet, so trying again is
/// safe (unless the thread was told to stop waiting: [`stop_waiting_when`]).
const BEGIN_RETRIES: u32 = 20;

/// How hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL`: a paid sale survives a power cut. The default.
    #[default]
    Full,
    /// `synchronous=NORMAL`: faster; the last commits may be lost on power loss (never corrupted).
    Normal,
}

impl Durability {
    pub fn pragma(self) -> &'static str {
        match self {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        }
    }
}

/// `full` or `normal` (any case): what `--synchronous` takes.
impl std::str::FromStr for Durability {
    type Err = String;
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "full" => Ok(Durability::Full),
            "normal" => Ok(Durability::Normal),
            _ => Err(format!("'{text}' is not full or normal")),
        }
    }
}

/// Opens (creating if needed) a boxoffice database and brings its schema up
/// to date. Every failure is a one-line `Error::Storage` naming the file.
pub fn open(path: &Path, durability: Durability) -> Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Storage(format!("cannot create the data directory {}: {e}", dir.display())))?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| storage(path, e))?;
    prepare(conn, durability).map_err(|e| match e {
        Error::Storage(m) => Error::Storage(format!("{}: {m}", path.display())),
        other => storage_err(path, other),
    })
}

/// A private in-memory database (tests).
pub fn open_in_memory() -> Result<Connection> {
    prepare(Connection::open_in_memory()?, Durability::Full)
}

/// A named in-memory database that several connections of this process share
/// (a script's clerk and its tick). It lives while one connection is open.
pub fn open_shared_memory(name: &str) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let uri = format!("file:{name}?mode=memory&cache=shared");
    prepare(Connection::open_with_flags(uri, flags)?, Durability::Full)
}

fn prepare(mut conn: Connection, durability: Durability) -> Result<Connection> {
    conn.busy_handler(Some(wait_while_busy as fn(i32) -> bool))?;
    // Reading the schema version first turns "not a database" into a clear error.
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Error::Storage(format!(
            "the file has schema version {version}, newer than this boxoffice understands ({SCHEMA_VERSION}); use a newer boxoffice"
        )));
    }
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        return Err(Error::Storage("the file is read-only; boxoffice needs to write to it".into()));
    }
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
        return Err(Error::Storage(format!("cannot switch the file to WAL mode (got {mode})")));
    }
    conn.pragma_update(None, "synchronous", durability.pragma())?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.set_prepared_statement_cache_capacity(64);
    migrate(&conn)?;
    Ok(conn)
}

/// Applies `schema.sql` once, inside one IMMEDIATE transaction that re-reads
/// the version, so several processes opening a new file at once are safe.
fn migrate(conn: &Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| -> Result<()> {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version < SCHEMA_VERSION {
            conn.execute_batch(SCHEMA)?;
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(conn.execute_batch("COMMIT")?),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// One unit of writing: a `BEGIN IMMEDIATE` transaction or — when the
/// connection is already inside one — a savepoint in it, so operations compose
/// into a larger atomic write. Rolls back on drop unless committed.
pub struct WriteScope<'a> {
    conn: &'a Connection,
    nested: bool,
    open: bool,
}

impl<'a> WriteScope<'a> {
    pub fn begin(conn: &'a Connection) -> Result<WriteScope<'a>> {
        let nested = !conn.is_autocommit();
        if nested {
            conn.execute_batch("SAVEPOINT op")?;
        } else {
            begin_immediate(conn)?;
        }
        Ok(WriteScope { conn, nested, open: true })
    }

    pub fn commit(mut self) -> Result<()> {
        self.conn.execute_batch(if self.nested { "RELEASE op" } else { "COMMIT" })?;
        self.open = false;
        Ok(())
    }
}

impl Drop for WriteScope<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch(if self.nested { "ROLLBACK TO op; RELEASE op" } else { "ROLLBACK" });
        }
    }
}

impl std::ops::Deref for WriteScope<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

/// `BEGIN IMMEDIATE` on a bare connection, retried like [`begin`].
fn begin_immediate(conn: &Connection) -> Result<()> {
    let mut attempt = 0;
    loop {
        match conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => return Ok(()),
            Err(e) if is_busy(&e) && attempt < BEGIN_RETRIES && !waits_cancelled() => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(1 + u64::from(attempt) * 2));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// `BEGIN IMMEDIATE`, retried a bounded number of times if the write lock
/// stays busy beyond the busy handler's timeout.
pub fn begin(conn: &Connection) -> Result<Transaction<'_>> {
    let mut attempt = 0;
    loop {
        match Transaction::new_unchecked(conn, TransactionBehavior::Immediate) {
            Ok(tx) => return Ok(tx),
            Err(e) if is_busy(&e) && attempt < BEGIN_RETRIES && !waits_cancelled() => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(1 + u64::from(attempt) * 2));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

// ---- lock waits the UI can stop ------------------------------------------------

thread_local! {
    /// Set by a thread that runs work someone may stop waiting for (the UI's
    /// workers, one flag per request): lock waits on this thread end when it is set.
    static CANCEL: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// While the guard lives, every lock wait on this thread (the busy handler and
/// the `BEGIN IMMEDIATE` retries) gives up as soon as `flag` is set: the
/// statement fails with SQLITE_BUSY and its transaction changes nothing.
pub fn stop_waiting_when(flag: Arc<AtomicBool>) -> StopWaitingGuard {
    CANCEL.with(|c| *c.borrow_mut() = Some(flag));
    StopWaitingGuard(())
}

/// Ends [`stop_waiting_when`] for this thread.
pub struct StopWaitingGuard(());

impl Drop for StopWaitingGuard {
    fn drop(&mut self) {
        CANCEL.with(|c| *c.borrow_mut() = None);
    }
}

/// Whether this thread was told to stop waiting for the lock.
pub fn waits_cancelled() -> bool {
    CANCEL.with(|c| c.borrow().as_ref().is_some_and(|f| f.load(Ordering::Relaxed)))
}

/// The busy handler of every connection: SQLite's own `busy_timeout` schedule
/// (the same delays, up to [`BUSY_TIMEOUT`] in all), but slept in slices of at
/// most 5 ms that look at the thread's cancel flag, so a clerk's Esc stops the
/// wait at once. `tries` is how often it was called for this lock already.
fn wait_while_busy(tries: i32) -> bool {
    const DELAYS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    let tries = usize::try_from(tries).unwrap_or(0);
    let waited: u64 = DELAYS.iter().take(tries).sum::<u64>() + 100 * tries.saturating_sub(DELAYS.len()) as u64;
    let budget = BUSY_TIMEOUT.as_millis() as u64;
    if waited >= budget || waits_cancelled() {
        return false;
    }
    let mut delay = DELAYS.get(tries).copied().unwrap_or(100).min(budget - waited);
    while delay > 0 {
        let slice = delay.min(5);
        std::thread::sleep(Duration::from_millis(slice));
        delay -= slice;
        if waits_cancelled() {
            return false;
        }
    }
    true
}

pub fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

/// Whether another connection (another terminal) committed since the last look.
pub fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

fn storage(path: &Path, e: rusqlite::Error) -> Error {
    storage_err(path, e.into())
}

fn storage_err(path: &Path, e: Error) -> Error {
    let what = match e {
        Error::Busy => "the database is locked by another process; try again".to_string(),
        Error::Storage(m) => m,
        other => other.to_string(),
    };
    Error::Storage(format!("{}: {what}", path.display()))
}
