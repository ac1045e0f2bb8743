//! SQLite: opening a file, pragmas, the schema version, transactions — and,
//! in the submodules, every SQL statement the app runs.

pub mod audit;
pub mod backup;
pub mod catalog;
pub mod changes;
pub mod checks;
pub mod copy;
pub mod db;
pub mod file;
pub mod integrity;
pub mod jobs;
pub mod migrate;
pub mod pg;
pub mod privacy;
pub mod reports;
pub mod sales;
pub mod settings;
pub mod staff;
pub mod tickets;
pub mod types;

use crate::error::{Error, Result};
use file::OnDisk;
use migrate::{Found, Migrated};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The whole current schema (`schema.sql`), for readers and for tools that
/// rebuild indexes; files themselves are built by [`migrate::STEPS`].
pub const SCHEMA: &str = include_str!("../../schema.sql");
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Page cache per connection, in KiB as `PRAGMA cache_size` takes it when
/// negative: 64 MiB, so the pages a screen reads again (indexes of a big file,
/// the search indexes) stay in memory instead of SQLite's default 2 MiB.
const CACHE_KIB: i64 = -65_536;
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

/// Binds the named arguments `stmt` has, skipping the others: a statement
/// built from optional parts names only some of them, and binding a name it
/// lacks is an error.
pub(crate) fn bind_named(stmt: &mut rusqlite::Statement<'_>, args: &[(&str, &dyn rusqlite::ToSql)]) -> Result<()> {
    for (name, value) in args {
        if let Some(i) = stmt.parameter_index(name)? {
            stmt.raw_bind_parameter(i, value)?;
        }
    }
    Ok(())
}

/// Opens (creating if needed) a boxoffice database and brings its schema up
/// to date. Every failure is a one-line `Error::Storage` naming the file.
pub fn open(path: &Path, durability: Durability) -> Result<Connection> {
    open_migrated(path, durability).map(|(conn, _)| conn)
}

/// [`open`], also saying which migrations it applied (`boxoffice migrate`).
pub fn open_migrated(path: &Path, durability: Durability) -> Result<(Connection, Migrated)> {
    (|| {
        // Judge what is there before SQLite may write to it: a file that is not
        // ours is refused untouched (no journal, no WAL switch, no checkpoint).
        let access = crate::paths::Access::from_env().map_err(|e| Error::Storage(e.to_string()))?;
        if check_file(path)? == OnDisk::Missing {
            if let Some(dir) = path.parent() {
                access
                    .create_dir(dir)
                    .map_err(|e| Error::Storage(format!("cannot create the data directory {}: {e}", dir.display())))?;
            }
            // Customers' data: the file (and so its -wal and -shm, which SQLite
            // creates with the file's mode) is the owner's (or the group's) only.
            match access.create_new(path) {
                // Another counter opening the new file at the same moment made it first.
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                    return Err(Error::Storage(format!("cannot create the database: {e}")));
                }
                _ => {}
            }
        }
        for p in [path.to_path_buf(), sibling(path, "-wal"), sibling(path, "-shm")] {
            // A file made world-readable by an earlier version becomes private.
            access.tighten(&p).map_err(|e| Error::Storage(format!("cannot make {} private: {e}", p.display())))?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        prepare(Connection::open_with_flags(path, flags)?, durability)
    })()
    .map_err(|e| at(path, e))
}

/// Refuses, without writing anything, a path the app must not open: not a
/// regular file, not SQLite, another application's database, a newer schema.
/// A missing path or an empty file is fine (the app builds a new database).
pub fn check_file(path: &Path) -> Result<OnDisk> {
    (|| {
        let on_disk = file::look(path)?;
        if on_disk == OnDisk::Sqlite {
            migrate::inspect(&connect_read_only(path)?, migrate::LATEST)?;
        }
        Ok(on_disk)
    })()
    .map_err(|e| at(path, e))
}

/// `boxoffice migrate`: [`open_migrated`], for an existing file only.
pub fn migrate_file(path: &Path, durability: Durability) -> Result<Migrated> {
    if check_file(path)? == OnDisk::Missing {
        return Err(no_database(path));
    }
    open_migrated(path, durability).map(|(_, done)| done)
}

/// What `boxoffice migrate --check` reports: the file's version and the
/// steps it still needs. Opens read-only; never creates or changes anything.
pub fn schema_status(path: &Path) -> Result<(Found, &'static [migrate::Step])> {
    if file::look(path).map_err(|e| at(path, e))? == OnDisk::Missing {
        return Err(no_database(path));
    }
    let found =
        connect_read_only(path).and_then(|conn| migrate::inspect(&conn, migrate::LATEST)).map_err(|e| at(path, e))?;
    Ok((found, migrate::pending(migrate::STEPS, found.version())))
}

/// Opens an existing, up-to-date boxoffice database for reading only (`verify`,
/// `report`): never creates, migrates or checkpoints it, and refuses any write.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    match file::look(path).map_err(|e| at(path, e))? {
        OnDisk::Missing => return Err(no_database(path)),
        OnDisk::Empty => return Err(at(path, Error::Storage("the file is empty: no boxoffice data in it yet".into()))),
        OnDisk::Sqlite => {}
    }
    (|| {
        let conn = connect_read_only(path)?;
        match migrate::inspect(&conn, migrate::LATEST)? {
            Found::Ours(v) if v == migrate::LATEST => Ok(conn),
            Found::Empty => Err(Error::Storage("no boxoffice data in it yet (no tables)".into())),
            Found::Ours(v) => Err(Error::Storage(format!(
                "the file has schema version {v} and this boxoffice uses {}; run `boxoffice migrate` \
                 (or open it with the app) first",
                migrate::LATEST
            ))),
        }
    })()
    .map_err(|e| at(path, e))
}

/// A read-only connection that also never checkpoints on close: a `-wal`
/// beside the file (even a stale one from another file) is read, never
/// written back into it.
fn connect_read_only(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "query_only", true)?;
    conn.pragma_update(None, "cache_size", CACHE_KIB)?;
    Ok(conn)
}

/// `path` with `suffix` appended to its file name (`boxoffice.db-wal`).
pub fn sibling(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

fn no_database(path: &Path) -> Error {
    Error::Storage(format!("no database at {}; check --db or $BOXOFFICE_DB", path.display()))
}

/// A private in-memory database (tests).
pub fn open_in_memory() -> Result<Connection> {
    prepare(Connection::open_in_memory()?, Durability::Full).map(|(conn, _)| conn)
}

/// A named in-memory database that several connections of this process share
/// (a script's clerk and its tick). It lives while one connection is open.
pub fn open_shared_memory(name: &str) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let uri = format!("file:{name}?mode=memory&cache=shared");
    prepare(Connection::open_with_flags(uri, flags)?, Durability::Full).map(|(conn, _)| conn)
}

fn prepare(mut conn: Connection, durability: Durability) -> Result<(Connection, Migrated)> {
    conn.busy_handler(Some(wait_while_busy as fn(i32) -> bool))?;
    // Only reads: refuses a file that is not ours, or is newer, before any write.
    migrate::inspect(&conn, migrate::LATEST)?;
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        return Err(Error::Storage("the file is read-only; boxoffice needs to write to it".into()));
    }
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
        return Err(Error::Storage(format!("cannot switch the file to WAL mode (got {mode})")));
    }
    conn.pragma_update(None, "synchronous", durability.pragma())?;
    // What is deleted or replaced is overwritten with zeros, never left in
    // free space: an erased customer (engine::privacy) leaves no copy behind,
    // not even from a row moved when a b-tree page split long before.
    conn.pragma_update(None, "secure_delete", true)?;
    conn.pragma_update(None, "cache_size", CACHE_KIB)?;
    // Migrations run with foreign keys off (the bundled SQLite defaults them on),
    // as SQLite's table-rebuild recipe needs; each step is checked instead.
    conn.pragma_update(None, "foreign_keys", false)?;
    let migrated = migrate::migrate(&conn)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok((conn, migrated))
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
pub(crate) fn begin_immediate(conn: &Connection) -> Result<()> {
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

/// The error as one line that names the file.
pub fn at(path: &Path, e: Error) -> Error {
    let what = match e {
        Error::Busy => "the database is locked by another process; try again".to_string(),
        Error::Storage(m) => m,
        other => other.to_string(),
    };
    Error::Storage(format!("{}: {what}", path.display()))
}
