//! The store's boundary over its two backends: one connection type, [`Db`],
//! used from `&self` whether it is an embedded SQLite file or a PostgreSQL
//! server, and the few operations the store's SQL needs.
//!
//! SQL is written once, in SQLite's dialect with numbered placeholders
//! (`?1`, `?2` …); on PostgreSQL they become `$1`, `$2` … (outside string
//! literals, quoted names and comments: [`super::pg::placeholders`]) and each
//! statement is prepared once per connection. Parameters go in with
//! [`db_args!`](crate::db_args) (`db::args![id, now_ms, status]`), a slice of
//! [`Param`] both backends bind; rows come back as [`Row`], read with
//! `row.get::<T>(i)` for any [`FromValue`] type (integers, `bool`, `String`,
//! `Option<…>`, the domain's text enums, ticket codes).
//!
//! Writes go through [`write_locked`] or [`write`]: one `BEGIN IMMEDIATE`
//! transaction on SQLite. On PostgreSQL a write on events (a sale, a sweep of
//! one event's holds) is [`write_locked`]: READ COMMITTED after locking the
//! events' rows, so writes on one event queue and writes on different events
//! run side by side; any other write is one SERIALIZABLE transaction. Both
//! run again (a bounded number of times) when the server reports a
//! serialization failure or deadlock, which is why they take an `FnMut`.
//! docs/POSTGRES.md says why row locks for the sale, with figures.
//!
//! What differs between the dialects and how to write SQL for both is in
//! docs/POSTGRES.md ("Writing SQL for both"): `sum()` of integers is read back
//! as an integer on both (PostgreSQL's `numeric` is decoded), a bare `?N IS
//! NULL` is typed from the value bound, `"full"` must be quoted, and so on.

use crate::error::{Error, Result};
use std::time::Duration;

pub use super::pg::PgConn;
/// `db::args![a, b, c]`: the parameters of one statement (see [`db_args!`](crate::db_args)).
pub use crate::db_args as args;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether `target` (a `--db` value) names a PostgreSQL database rather than a file.
pub fn is_postgres_url(target: &str) -> bool {
    let lower = target.get(..13).unwrap_or(target).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

// ---- parameters ------------------------------------------------------------------

/// One bound parameter, as both backends take it. Booleans are bound as 0/1
/// where the column is an integer (SQLite's way, and the PostgreSQL schema's:
/// its flag columns are `bigint` like SQLite's, so copies are exact).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Bool(bool),
    Blob(&'a [u8]),
}

/// A value that can be bound as a [`Param`].
pub trait ToParam {
    fn to_param(&self) -> Param<'_>;
}

/// The parameters of one statement: `db_args![id, now_ms, status]` is a
/// `&[Param]` (each argument is borrowed, as `rusqlite::params!` does).
#[macro_export]
macro_rules! db_args {
    () => { &[] as &[$crate::store::db::Param<'_>] };
    ($($x:expr),+ $(,)?) => {
        &[$($crate::store::db::ToParam::to_param(&$x)),+] as &[$crate::store::db::Param<'_>]
    };
}

impl ToParam for Param<'_> {
    fn to_param(&self) -> Param<'_> {
        *self
    }
}

impl<T: ToParam + ?Sized> ToParam for &T {
    fn to_param(&self) -> Param<'_> {
        (**self).to_param()
    }
}

impl<T: ToParam> ToParam for Option<T> {
    fn to_param(&self) -> Param<'_> {
        self.as_ref().map_or(Param::Null, ToParam::to_param)
    }
}

impl ToParam for str {
    fn to_param(&self) -> Param<'_> {
        Param::Text(self)
    }
}

impl ToParam for String {
    fn to_param(&self) -> Param<'_> {
        Param::Text(self)
    }
}

impl ToParam for bool {
    fn to_param(&self) -> Param<'_> {
        Param::Bool(*self)
    }
}

impl ToParam for f64 {
    fn to_param(&self) -> Param<'_> {
        Param::Real(*self)
    }
}

impl ToParam for [u8] {
    fn to_param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}

macro_rules! int_param {
    ($($t:ty),+) => {$(
        impl ToParam for $t {
            fn to_param(&self) -> Param<'_> {
                Param::Int(i64::from(*self))
            }
        }
    )+};
}

// Only the integer types that always fit an i64: a `usize` or `u64` is
// converted where it is bound (`limit as i64`), as today.
int_param!(i64, i32, i16, i8, u32, u16, u8);

// ---- values read back --------------------------------------------------------------

/// A value of one column of one row, borrowed from the row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// An owned [`ValueRef`]: what `copy` moves from one database to another.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl ToParam for Value {
    fn to_param(&self) -> Param<'_> {
        match self {
            Value::Null => Param::Null,
            Value::Int(n) => Param::Int(*n),
            Value::Real(x) => Param::Real(*x),
            Value::Text(s) => Param::Text(s),
            Value::Blob(b) => Param::Blob(b),
        }
    }
}

impl ValueRef<'_> {
    fn kind(&self) -> &'static str {
        match self {
            ValueRef::Null => "NULL",
            ValueRef::Int(_) => "an integer",
            ValueRef::Real(_) => "a real number",
            ValueRef::Text(_) => "text",
            ValueRef::Blob(_) => "a blob",
        }
    }
}

/// A type a column can be read as, on either backend. The error is a short
/// sentence; [`Row::get`] adds which column.
pub trait FromValue: Sized {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String>;
}

fn expected(what: &str, v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Text(t) => format!("expected {what}, found text '{t}'"),
        ValueRef::Int(n) => format!("expected {what}, found the integer {n}"),
        other => format!("expected {what}, found {}", other.kind()),
    }
}

impl FromValue for i64 {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Int(n) => Ok(n),
            other => Err(expected("an integer", other)),
        }
    }
}

macro_rules! narrow_int {
    ($($t:ty),+) => {$(
        impl FromValue for $t {
            fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
                let n = i64::from_value(v)?;
                <$t>::try_from(n).map_err(|_| format!("{n} is out of range for {}", stringify!($t)))
            }
        }
    )+};
}

narrow_int!(i32, u32, u16, u8, u64, usize);

/// SQLite keeps flags as 0/1 integers; so does the PostgreSQL schema (a
/// `boolean` expression's result reads as one too).
impl FromValue for bool {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Int(n) => Ok(n != 0),
            other => Err(expected("a flag (0 or 1)", other)),
        }
    }
}

impl FromValue for f64 {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Real(x) => Ok(x),
            ValueRef::Int(n) => Ok(n as f64),
            other => Err(expected("a number", other)),
        }
    }
}

impl FromValue for String {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Text(t) => Ok(t.to_string()),
            other => Err(expected("text", other)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            other => Err(expected("a blob", other)),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl FromValue for Value {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        Ok(match v {
            ValueRef::Null => Value::Null,
            ValueRef::Int(n) => Value::Int(n),
            ValueRef::Real(x) => Value::Real(x),
            ValueRef::Text(t) => Value::Text(t.to_string()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        })
    }
}

/// The domain's text enums bind as their text and read back only from a text
/// they know (as `store::types` does for rusqlite alone today).
macro_rules! text_values {
    ($($t:ty),+ $(,)?) => {$(
        impl ToParam for $t {
            fn to_param(&self) -> Param<'_> {
                Param::Text(self.as_str())
            }
        }

        impl FromValue for $t {
            fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
                match v {
                    ValueRef::Text(t) => <$t>::parse(t).ok_or_else(|| format!("'{t}' is not a known {}", <$t>::WHAT)),
                    other => Err(expected(<$t>::WHAT, other)),
                }
            }
        }
    )+};
}

use crate::domain::{
    AuditAction, AuditEntity, BookingStatus, HoldStatus, IdempotencyScope, JobRunStatus, PaymentMethod, PaymentOutcome,
    RefundKind, RefundStatus, Role, ScanResult, SettingKey, TicketCode, TicketStatus,
};

text_values!(
    HoldStatus,
    BookingStatus,
    PaymentOutcome,
    RefundStatus,
    RefundKind,
    JobRunStatus,
    AuditAction,
    AuditEntity,
    IdempotencyScope,
    TicketStatus,
    ScanResult,
    Role,
    PaymentMethod,
);

impl ToParam for SettingKey {
    fn to_param(&self) -> Param<'_> {
        Param::Text(self.as_str())
    }
}

impl ToParam for TicketCode {
    fn to_param(&self) -> Param<'_> {
        Param::Text(self.as_str())
    }
}

/// Stored in its canonical 17-character form; anything else is an error naming it.
impl FromValue for TicketCode {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Text(t) => TicketCode::from_stored(t).ok_or_else(|| format!("'{t}' is not a known ticket code")),
            other => Err(expected("a ticket code", other)),
        }
    }
}

// ---- rows --------------------------------------------------------------------------

/// One row of a result, on either backend.
pub struct Row<'a>(RowInner<'a>);

enum RowInner<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Pg(&'a postgres::Row),
}

impl<'a> Row<'a> {
    /// A row read with rusqlite directly (store code not yet on [`Db`]).
    pub(crate) fn sqlite(row: &'a rusqlite::Row<'a>) -> Row<'a> {
        Row(RowInner::Sqlite(row))
    }

    pub(crate) fn pg(row: &'a postgres::Row) -> Row<'a> {
        Row(RowInner::Pg(row))
    }

    /// Column `i` (from 0) as a `T`; a value that is not a `T` (a damaged
    /// row, a mistyped query) is an error naming the column.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let v = self.value_ref(i)?;
        T::from_value(v).map_err(|why| Error::Storage(format!("column {i} ({}): {why}", self.name(i))))
    }

    /// How many columns the row has.
    pub fn len(&self) -> usize {
        match &self.0 {
            RowInner::Sqlite(r) => r.as_ref().column_count(),
            RowInner::Pg(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Column `i` as text read in place (no `String` per row), None if it is not text.
    pub fn text(&self, i: usize) -> Option<&str> {
        match self.value_ref(i) {
            Ok(ValueRef::Text(t)) => Some(t),
            _ => None,
        }
    }

    /// The name of column `i` (for messages).
    pub fn name(&self, i: usize) -> &str {
        match &self.0 {
            RowInner::Sqlite(r) => r.as_ref().column_name(i).unwrap_or("?"),
            RowInner::Pg(r) => r.columns().get(i).map_or("?", |c| c.name()),
        }
    }

    fn value_ref(&self, i: usize) -> Result<ValueRef<'_>> {
        match &self.0 {
            RowInner::Sqlite(r) => Ok(match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => ValueRef::Null,
                rusqlite::types::ValueRef::Integer(n) => ValueRef::Int(n),
                rusqlite::types::ValueRef::Real(x) => ValueRef::Real(x),
                rusqlite::types::ValueRef::Text(t) => ValueRef::Text(std::str::from_utf8(t).map_err(|_| {
                    Error::Storage(format!("column {i} ({}): the text is not valid UTF-8", self.name(i)))
                })?),
                rusqlite::types::ValueRef::Blob(b) => ValueRef::Blob(b),
            }),
            RowInner::Pg(r) => super::pg::value_at(r, i),
        }
    }
}

// ---- SQLite's side of parameters -----------------------------------------------------

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as V};
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Null => V::Null,
            Param::Int(n) => V::Integer(n),
            Param::Real(x) => V::Real(x),
            Param::Text(t) => V::Text(t.as_bytes()),
            Param::Bool(b) => V::Integer(i64::from(b)),
            Param::Blob(b) => V::Blob(b),
        }))
    }
}

// ---- the connection --------------------------------------------------------------------

/// A connection to a box office: an SQLite file or a PostgreSQL database.
/// Every method takes `&self` (PostgreSQL's client sits in a `RefCell`), as
/// the store's functions take `&rusqlite::Connection` today.
// One per connection, held for its life: boxing the bigger variant saves nothing.
#[allow(clippy::large_enum_variant)]
pub enum Db {
    Sqlite(rusqlite::Connection),
    Pg(PgConn),
}

/// Runs `f` with `conn` seen as a [`Db`]: for SQLite-only code that holds a
/// bare connection and needs store code written for both backends (migration
/// 0004's Rust part issues tickets inside the migration's transaction).
pub(crate) fn on_sqlite<T>(conn: &rusqlite::Connection, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
    // SAFETY: the second `Connection` shares `conn`'s handle and its open
    // transaction; `from_handle` makes one that never closes the handle, and
    // it is dropped before this returns, while `conn` is still borrowed, so
    // the handle outlives it and no other code uses it meanwhile (`conn` is
    // not `Sync`, and this thread is inside `f`).
    #[allow(unsafe_code)]
    let borrowed = unsafe { rusqlite::Connection::from_handle(conn.handle())? };
    f(&Db::Sqlite(borrowed))
}

impl From<rusqlite::Connection> for Db {
    fn from(conn: rusqlite::Connection) -> Db {
        Db::Sqlite(conn)
    }
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Pg(_) => Backend::Postgres,
        }
    }

    /// The SQLite connection, for what only SQLite has (pragmas, the backup
    /// API, integrity checks); `None` on PostgreSQL.
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Db::Sqlite(conn) => Some(conn),
            Db::Pg(_) => None,
        }
    }

    /// The SQLite connection for store code not yet written for both
    /// backends; on PostgreSQL a clear error naming `what`, so nothing
    /// half-works there silently.
    pub fn sqlite_only(&self, what: &str) -> Result<&rusqlite::Connection> {
        match self {
            Db::Sqlite(conn) => Ok(conn),
            Db::Pg(_) => Err(Error::Storage(format!("{what} is not available on PostgreSQL yet"))),
        }
    }

    pub fn pg(&self) -> Option<&PgConn> {
        match self {
            Db::Pg(pg) => Some(pg),
            Db::Sqlite(_) => None,
        }
    }

    /// Runs one statement; how many rows it changed.
    pub fn execute(&self, sql: &str, args: &[Param<'_>]) -> Result<usize> {
        match self {
            Db::Sqlite(conn) => Ok(conn.prepare_cached(sql)?.execute(rusqlite::params_from_iter(args))?),
            Db::Pg(pg) => pg.execute(sql, args),
        }
    }

    /// The first row of a query mapped by `f`, if there is one.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        args: &[Param<'_>],
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        match self {
            Db::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
                match rows.next()? {
                    Some(r) => f(&Row(RowInner::Sqlite(r))).map(Some),
                    None => Ok(None),
                }
            }
            Db::Pg(pg) => pg.query_opt(sql, args, f),
        }
    }

    /// The first row of a query that always returns one (`count(*)`, `max(…)`).
    pub fn query_one<T>(&self, sql: &str, args: &[Param<'_>], f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        self.query_opt(sql, args, f)?.ok_or(Error::Db(rusqlite::Error::QueryReturnedNoRows))
    }

    /// Every row of a query, mapped by `f`.
    pub fn query_all<T>(
        &self,
        sql: &str,
        args: &[Param<'_>],
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        match self {
            Db::Sqlite(_) => {
                let mut out = Vec::new();
                self.for_each(sql, args, |r| {
                    out.push(f(r)?);
                    Ok(())
                })?;
                Ok(out)
            }
            Db::Pg(pg) => pg.query_all(sql, args, f),
        }
    }

    /// Calls `f` on each row as it arrives (PostgreSQL streams them), without
    /// holding the whole result: `copy` reads big tables this way. On
    /// PostgreSQL `f` must not use this connection while it streams.
    pub fn for_each(&self, sql: &str, args: &[Param<'_>], mut f: impl FnMut(&Row<'_>) -> Result<()>) -> Result<()> {
        match self {
            Db::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
                while let Some(r) = rows.next()? {
                    f(&Row(RowInner::Sqlite(r)))?;
                }
                Ok(())
            }
            Db::Pg(pg) => pg.for_each(sql, args, f),
        }
    }

    /// Runs several statements with no parameters (schema steps, pragmas).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Db::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Db::Pg(pg) => pg.execute_batch(sql),
        }
    }

    /// `sql` as this backend takes it: on PostgreSQL SQLite's `INDEXED BY
    /// name` hints go (its planner picks the index; the hint is not SQL there).
    pub fn unhinted<'s>(&self, sql: &'s str) -> std::borrow::Cow<'s, str> {
        match self {
            Db::Sqlite(_) => std::borrow::Cow::Borrowed(sql),
            Db::Pg(_) => std::borrow::Cow::Owned(strip_hints(sql)),
        }
    }

    /// Whether a transaction is open on this connection.
    pub fn in_transaction(&self) -> bool {
        match self {
            Db::Sqlite(conn) => !conn.is_autocommit(),
            Db::Pg(pg) => pg.in_transaction(),
        }
    }
}

// ---- transactions ------------------------------------------------------------------------

/// One unit of writing: a transaction (`BEGIN IMMEDIATE` on SQLite, `BEGIN
/// ISOLATION LEVEL SERIALIZABLE` on PostgreSQL) or, when one is already open,
/// a savepoint in it. Rolls back on drop unless committed. Prefer [`write`],
/// which also retries serialization failures.
pub struct Scope<'a> {
    db: &'a Db,
    nested: bool,
    open: bool,
}

impl<'a> Scope<'a> {
    pub fn begin(db: &'a Db) -> Result<Scope<'a>> {
        Scope::open(db, false)
    }

    /// `read_committed`: on PostgreSQL the transaction is READ COMMITTED (for
    /// [`write_locked`], whose row locks do what SERIALIZABLE's checks do).
    fn open(db: &'a Db, read_committed: bool) -> Result<Scope<'a>> {
        let nested = db.in_transaction();
        match (db, nested) {
            (_, true) => db.execute_batch("SAVEPOINT op")?,
            (Db::Sqlite(conn), false) => super::begin_immediate(conn)?,
            (Db::Pg(pg), false) if read_committed => pg.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")?,
            (Db::Pg(pg), false) => pg.begin_serializable()?,
        }
        Ok(Scope { db, nested, open: true })
    }

    /// Whether this scope is a savepoint inside an outer transaction.
    pub fn is_nested(&self) -> bool {
        self.nested
    }

    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        match (self.db, self.nested) {
            (db, true) => db.execute_batch("RELEASE SAVEPOINT op"),
            (Db::Sqlite(conn), false) => Ok(conn.execute_batch("COMMIT")?),
            (Db::Pg(pg), false) => pg.commit(),
        }
    }
}

impl Drop for Scope<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = match (self.db, self.nested) {
                (db, true) => db.execute_batch("ROLLBACK TO SAVEPOINT op; RELEASE SAVEPOINT op"),
                (Db::Sqlite(conn), false) => conn.execute_batch("ROLLBACK").map_err(Error::from),
                (Db::Pg(pg), false) => pg.rollback(),
            };
        }
    }
}

impl std::ops::Deref for Scope<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

/// `sql` without SQLite's `INDEXED BY name` hints.
pub fn strip_hints(sql: &str) -> String {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut sql = sql.to_string();
    while let Some(at) = sql.find("INDEXED BY ") {
        let end = sql[at + 11..].find(|c: char| !word(c)).map_or(sql.len(), |n| at + 11 + n);
        sql.replace_range(at..end, "");
    }
    sql
}

/// Runs `f`'s reads in one snapshot: a deferred transaction on SQLite, a
/// `REPEATABLE READ READ ONLY` one on PostgreSQL (whose READ COMMITTED would
/// let each statement see later commits), or the transaction already open.
pub fn read<T>(db: &Db, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
    if db.in_transaction() {
        return f(db);
    }
    match db {
        Db::Sqlite(conn) => conn.execute_batch("BEGIN DEFERRED")?,
        Db::Pg(pg) => pg.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?,
    }
    let out = f(db);
    let end = match (db, out.is_ok()) {
        (Db::Sqlite(conn), true) => conn.execute_batch("COMMIT").map_err(Error::from),
        (Db::Sqlite(conn), false) => conn.execute_batch("ROLLBACK").map_err(Error::from),
        // Nothing was written: ending it quietly tells no listener of a change.
        (Db::Pg(pg), _) => pg.rollback(),
    };
    let out = out?;
    end?;
    Ok(out)
}

/// How many times [`write`] runs a PostgreSQL transaction that keeps meeting
/// serialization failures before it gives up with [`Error::Busy`].
pub const WRITE_ATTEMPTS: u32 = 25;

/// Runs `f` as one write: a transaction (or a savepoint inside an open one)
/// that commits only if `f` succeeds. On PostgreSQL a serialization failure
/// or deadlock (reported as [`Error::Busy`]) rolls the transaction back and
/// runs `f` again on a fresh snapshot, up to [`WRITE_ATTEMPTS`] times with a
/// short random pause; so `f` must do all its reading inside, keep nothing
/// from a failed attempt, and may not have effects outside the database.
/// A savepoint is never retried alone: the error reaches the outer write.
pub fn write<T>(db: &Db, f: impl FnMut(&Db) -> Result<T>) -> Result<T> {
    run(db, None, f)
}

/// Runs `f` as one write on what `events` (event ids) own, the way the
/// engine's operations on an event write on PostgreSQL: a READ COMMITTED
/// transaction that first locks those events' rows (`SELECT … FOR UPDATE`,
/// in id order, so two writes on the same events queue instead of
/// deadlocking), then runs `f`. Every statement of `f` reads what was
/// committed before it, and no other write that locks one of these events
/// commits until this one has: writes on one event run one at a time, writes
/// on different events side by side, and none is thrown away and run again
/// as SERIALIZABLE's would be (docs/POSTGRES.md has the figures). So `f` must
/// change only what these events own; a deadlock (locks taken outside this
/// order) is retried as [`write`] retries. On SQLite it is [`write`]: `BEGIN
/// IMMEDIATE` already has the whole file to itself.
pub fn write_locked<T>(db: &Db, events: &[&str], f: impl FnMut(&Db) -> Result<T>) -> Result<T> {
    run(db, Some(events), f)
}

/// [`write`] and [`write_locked`]: `lock` is the events to lock first, if any.
fn run<T>(db: &Db, lock: Option<&[&str]>, mut f: impl FnMut(&Db) -> Result<T>) -> Result<T> {
    let mut attempt = 1;
    loop {
        let scope = Scope::open(db, lock.is_some())?;
        let nested = scope.is_nested();
        let result = lock_events(db, lock.unwrap_or_default())
            .and_then(|()| f(db))
            .and_then(|value| scope.commit().map(|()| value));
        match result {
            Err(Error::Busy)
                if db.backend() == Backend::Postgres
                    && !nested
                    && attempt < WRITE_ATTEMPTS
                    && !super::waits_cancelled() =>
            {
                std::thread::sleep(backoff(attempt));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Locks the rows of `events` in id order (PostgreSQL; SQLite's write
/// transaction already excludes every other writer). Inside a write it is
/// how an operation that learns its event on the way (pay: the booking's
/// event) takes that event's lock before it reads the event's state.
pub fn lock_events(db: &Db, events: &[&str]) -> Result<()> {
    if events.is_empty() || db.backend() == Backend::Sqlite {
        return Ok(());
    }
    let marks: Vec<String> = (1..=events.len()).map(|i| format!("?{i}")).collect();
    let params: Vec<Param<'_>> = events.iter().map(ToParam::to_param).collect();
    db.query_all(
        &format!("SELECT id FROM events WHERE id IN ({}) ORDER BY id FOR UPDATE", marks.join(", ")),
        &params,
        |_| Ok(()),
    )
    .map(drop)
}

/// A random pause that grows with the attempt (1 ms … 64 ms), so two
/// transactions that collided do not collide again in step.
fn backoff(attempt: u32) -> Duration {
    let ceiling = 1u64 << attempt.min(6);
    let mut bytes = [0u8; 8];
    let noise = getrandom::fill(&mut bytes).map_or(0, |()| u64::from_le_bytes(bytes));
    Duration::from_micros(500 + noise % (ceiling * 1000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{HoldStatus, TicketCode};

    fn memory() -> Db {
        Db::Sqlite(rusqlite::Connection::open_in_memory().expect("sqlite"))
    }

    #[test]
    fn parameters_bind_and_read_back_typed_on_sqlite() {
        let db = memory();
        let code = TicketCode::from_bytes([7; 10]);
        let none: Option<&str> = None;
        let (n, b, s, status, c, missing): (i64, bool, String, HoldStatus, TicketCode, Option<String>) = db
            .query_one(
                "SELECT ?1, ?2, ?3, ?4, ?5, ?6",
                args![42i64, true, "text", HoldStatus::Active, code, none],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .expect("row");
        assert_eq!((n, b, s.as_str(), status, missing), (42, true, "text", HoldStatus::Active, None));
        assert_eq!(c, code);
    }

    #[test]
    fn a_value_of_the_wrong_kind_names_the_column() {
        let db = memory();
        let err = db.query_one("SELECT 'ACTIV' AS status", args![], |r| r.get::<HoldStatus>(0)).unwrap_err();
        assert_eq!(err.to_string(), "column 0 (status): 'ACTIV' is not a known hold status");
        let err = db.query_one("SELECT -1 AS seats", args![], |r| r.get::<u32>(0)).unwrap_err();
        assert!(err.to_string().contains("column 0 (seats): -1 is out of range for u32"), "{err}");
        let err = db.query_one("SELECT 'x' AS n", args![], |r| r.get::<i64>(0)).unwrap_err();
        assert!(err.to_string().contains("expected an integer, found text 'x'"), "{err}");
    }

    #[test]
    fn write_commits_on_success_and_changes_nothing_on_error() {
        let db = memory();
        db.execute_batch("CREATE TABLE t (x INTEGER)").expect("table");
        write(&db, |db| db.execute("INSERT INTO t VALUES (?1)", args![1]).map(drop)).expect("write");
        let failed: Result<()> = write(&db, |db| {
            db.execute("INSERT INTO t VALUES (?1)", args![2])?;
            Err(Error::refused("no"))
        });
        assert!(failed.is_err());
        // A savepoint inside a write rolls back alone.
        write(&db, |db| {
            db.execute("INSERT INTO t VALUES (3)", args![])?;
            let inner: Result<()> = write(db, |db| {
                db.execute("INSERT INTO t VALUES (4)", args![])?;
                Err(Error::refused("inner"))
            });
            assert!(inner.is_err());
            Ok(())
        })
        .expect("outer");
        let rows = db.query_all("SELECT x FROM t ORDER BY x", args![], |r| r.get::<i64>(0)).expect("rows");
        assert_eq!(rows, vec![1, 3]);
        assert!(!db.in_transaction());
    }

    #[test]
    fn write_locked_on_sqlite_is_a_write() {
        let db = memory();
        db.execute_batch("CREATE TABLE t (x INTEGER)").expect("table");
        write_locked(&db, &["e1", "e2"], |db| db.execute("INSERT INTO t VALUES (1)", args![]).map(drop))
            .expect("write");
        let failed: Result<()> = write_locked(&db, &["e1"], |db| {
            db.execute("INSERT INTO t VALUES (2)", args![])?;
            Err(Error::refused("no"))
        });
        assert!(failed.is_err());
        let rows = db.query_all("SELECT x FROM t", args![], |r| r.get::<i64>(0)).expect("rows");
        assert_eq!(rows, vec![1]);
        assert!(!db.in_transaction());
    }

    #[test]
    fn postgres_urls_are_told_from_paths() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("PostgreSQL://h/db"));
        assert!(!is_postgres_url("postgres.db"));
        assert!(!is_postgres_url("/var/lib/boxoffice/postgres://x"));
    }
}
