//! PostgreSQL's side of [`Db`](super::db::Db): a connection that takes the
//! store's SQLite-dialect SQL, rewrites its `?N` placeholders to `$N`,
//! prepares each statement once, binds [`Param`]s to whatever type the server
//! inferred, reads every column as a [`ValueRef`], and turns the server's
//! errors into the crate's [`Error`] the way SQLite's are today.
//!
//! - `migrate`: the PostgreSQL schema steps (`migrations/pg/`), applied one
//!   transaction per step under an advisory lock
//! - `listen`: change notices (`LISTEN`/`NOTIFY`), the UI's "has anything changed"
//! - `clock`: the server's time, which every host judges deadlines and leases by

pub mod clock;
pub mod listen;
pub mod migrate;

use super::db::{Param, Row, ValueRef};
use crate::error::{Error, Result};
use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// The channel every write announces itself on (see [`listen::Listener`]).
pub const CHANNEL: &str = "boxoffice";
/// How long a statement waits for a row or table lock before giving up with
/// [`Error::Busy`]: SQLite's busy timeout, the same 5 s.
const LOCK_TIMEOUT: &str = "5s";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Prepared statements kept per connection; past this the cache starts over
/// (only SQL built with values in its text could get there).
const CACHE_LIMIT: usize = 512;

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// Why a `sql-expect` read ([`PgConn::script_read`]) gave no value.
#[derive(Debug, Clone, PartialEq)]
pub enum ScriptRead {
    /// Not a single plain read (several statements, or one that writes).
    NotARead,
    /// It ran past its budget and was cancelled.
    OverTime,
    /// The server refused the SQL: its message.
    Bad(String),
    /// What is wrong with the result (no row, two columns …).
    Answer(String),
}

/// One connection to a PostgreSQL database.
pub struct PgConn {
    client: RefCell<Client>,
    cache: RefCell<Cache>,
    in_tx: Cell<bool>,
    /// `user@host:port/dbname`, for messages (never the password).
    target: String,
    /// The settings it connected with, for another connection to the same
    /// database (a listener); never shown (it holds the password).
    config: postgres::Config,
}

#[derive(Default)]
struct Cache {
    /// By the SQL as the store wrote it (SQLite dialect).
    plain: HashMap<String, Statement>,
    /// SQL whose parameters the server cannot type from the text alone (`?1
    /// IS NULL OR …` first, `?1 - ?2`): prepared with the values' types,
    /// keyed by those types and the SQL.
    needs_types: HashSet<String>,
    typed: HashMap<(Vec<Type>, String), Statement>,
}

impl PgConn {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/dbname`).
    /// A refused connection, a wrong password or a missing database is one
    /// line naming the server, without the password.
    pub fn connect(url: &str) -> Result<PgConn> {
        let mut config: postgres::Config = url.parse().map_err(|e| {
            Error::Storage(format!("{} is not a PostgreSQL URL boxoffice understands: {e}", redact(url)))
        })?;
        let target = describe(&config);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("boxoffice");
        }
        PgConn::connect_with(config, target)
    }

    fn connect_with(config: postgres::Config, target: String) -> Result<PgConn> {
        let mut client = config.connect(NoTls).map_err(|e| connect_error(&target, e))?;
        client.batch_execute(&format!("SET lock_timeout = '{LOCK_TIMEOUT}'")).map_err(|e| error_at(&target, e))?;
        Ok(PgConn { client: RefCell::new(client), cache: RefCell::default(), in_tx: Cell::new(false), target, config })
    }

    /// Another connection to the same database, with the same settings.
    pub fn connect_again(&self) -> Result<PgConn> {
        PgConn::connect_with(self.config.clone(), self.target.clone())
    }

    /// A handle that cancels whatever this connection's server process is
    /// running, from any thread (the query ends with an error; the
    /// connection stays usable): PostgreSQL's SQLite `interrupt()`.
    pub fn cancel_token(&self) -> postgres::CancelToken {
        self.client.borrow().cancel_token()
    }

    /// A connection that refuses every write (`verify`, `report`, the source of `copy`).
    pub fn connect_read_only(url: &str) -> Result<PgConn> {
        let conn = PgConn::connect(url)?;
        conn.execute_batch("SET default_transaction_read_only = on")?;
        Ok(conn)
    }

    /// `user@host:port/dbname`: which database this is, for messages.
    pub fn target(&self) -> &str {
        &self.target
    }

    pub(crate) fn error(&self, e: postgres::Error) -> Error {
        error_at(&self.target, e)
    }

    pub fn execute(&self, sql: &str, args: &[Param<'_>]) -> Result<usize> {
        let stmt = self.statement(sql, args)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let n = self.client.borrow_mut().execute(&stmt, &params).map_err(|e| self.error(e))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub fn query_opt<T>(
        &self,
        sql: &str,
        args: &[Param<'_>],
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        let stmt = self.statement(sql, args)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        // Not `query_opt`: it fails on a second row, SQLite's `query_row` takes the first.
        let rows = self.client.borrow_mut().query(&stmt, &params).map_err(|e| self.error(e))?;
        rows.first().map(|r| f(&Row::pg(r))).transpose()
    }

    /// Every row, mapped by `f` once the whole result has arrived (so `f` may
    /// use this connection again).
    pub fn query_all<T>(
        &self,
        sql: &str,
        args: &[Param<'_>],
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let stmt = self.statement(sql, args)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self.client.borrow_mut().query(&stmt, &params).map_err(|e| self.error(e))?;
        rows.iter().map(|r| f(&Row::pg(r))).collect()
    }

    /// Each row as it arrives, without holding the whole result; `f` must not
    /// use this connection (it is busy streaming).
    pub fn for_each(&self, sql: &str, args: &[Param<'_>], mut f: impl FnMut(&Row<'_>) -> Result<()>) -> Result<()> {
        use postgres::fallible_iterator::FallibleIterator;
        let stmt = self.statement(sql, args)?;
        let mut client = self.client.borrow_mut();
        let mut rows = client.query_raw(&stmt, args.iter()).map_err(|e| error_at(&self.target, e))?;
        while let Some(row) = rows.next().map_err(|e| error_at(&self.target, e))? {
            f(&Row::pg(&row))?;
        }
        Ok(())
    }

    /// Statements with no parameters, sent as one simple query (several may
    /// be separated by `;`). After a schema change call [`PgConn::forget_statements`].
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        self.client.borrow_mut().batch_execute(sql).map_err(|e| self.error(e))
    }

    /// Drops every prepared statement (a schema step changed the tables they read).
    pub fn forget_statements(&self) {
        *self.cache.borrow_mut() = Cache::default();
    }

    pub fn in_transaction(&self) -> bool {
        self.in_tx.get()
    }

    /// A tester's `sql-expect` read: `sql` prepared (so one statement only),
    /// of one column, run in a READ ONLY transaction that is rolled back, and
    /// cancelled once `budget` has passed. Its single value, rendered as
    /// SQLite prints it (`NULL`, integers, reals, text, `<N bytes>`).
    pub fn script_read(&self, sql: &str, budget: Duration) -> std::result::Result<String, ScriptRead> {
        let mut client = self.client.borrow_mut();
        let db_error = |e: &postgres::Error| e.as_db_error().map(|d| (d.code().clone(), d.message().to_string()));
        let failed = |e: postgres::Error| match db_error(&e) {
            Some((code, _)) if code == SqlState::READ_ONLY_SQL_TRANSACTION => ScriptRead::NotARead,
            Some((code, _)) if code == SqlState::QUERY_CANCELED => ScriptRead::OverTime,
            Some((_, message)) if message.contains("multiple commands") => ScriptRead::NotARead,
            Some((_, message)) => ScriptRead::Bad(message),
            None => ScriptRead::Bad(error_at(&self.target, e).to_string()),
        };
        client.batch_execute("BEGIN READ ONLY").map_err(failed)?;
        let token = client.cancel_token();
        let (done, stop) = std::sync::mpsc::channel::<()>();
        let timer = std::thread::spawn(move || {
            if stop.recv_timeout(budget) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                let _ = token.cancel_query(NoTls);
            }
        });
        let read = (|| {
            let stmt = client.prepare(sql).map_err(failed)?;
            if stmt.columns().len() != 1 {
                return Err(ScriptRead::Answer(format!(
                    "the query must return one column, not {}",
                    stmt.columns().len()
                )));
            }
            let rows = client.query(&stmt, &[]).map_err(failed)?;
            let row = match rows.as_slice() {
                [] => return Err(ScriptRead::Answer("the query returned no row".into())),
                [row] => row,
                _ => return Err(ScriptRead::Answer("the query returned more than one row".into())),
            };
            Ok(match value_at(row, 0).map_err(|e| ScriptRead::Answer(e.to_string()))? {
                ValueRef::Null => "NULL".to_string(),
                ValueRef::Int(i) => i.to_string(),
                ValueRef::Real(f) => f.to_string(),
                ValueRef::Text(t) => t.to_string(),
                ValueRef::Blob(b) => format!("<{} bytes>", b.len()),
            })
        })();
        drop(done);
        let _ = timer.join();
        // A cancel that arrived after the query ended hits nothing (or this ROLLBACK: then once more).
        if client.batch_execute("ROLLBACK").is_err() {
            client.batch_execute("ROLLBACK").map_err(failed)?;
        }
        read
    }

    /// `BEGIN ISOLATION LEVEL SERIALIZABLE`: every write (see `db::write`).
    pub fn begin_serializable(&self) -> Result<()> {
        self.begin_with("BEGIN ISOLATION LEVEL SERIALIZABLE")
    }

    /// `sql` opens a transaction of another kind (a schema step's READ
    /// COMMITTED, a copy's REPEATABLE READ READ ONLY).
    pub fn begin_with(&self, sql: &str) -> Result<()> {
        self.execute_batch(sql)?;
        self.in_tx.set(true);
        Ok(())
    }

    /// Commits, then tells listeners (other terminals) that something changed.
    /// A serialization failure found at commit is [`Error::Busy`], like one
    /// found earlier: the transaction is gone and can be run again.
    pub fn commit(&self) -> Result<()> {
        // Whatever COMMIT answers, the transaction is over (a failed one rolled back).
        self.in_tx.set(false);
        self.execute_batch("COMMIT")?;
        self.announce();
        Ok(())
    }

    /// Commits without announcing (schema steps, which change no data).
    pub(crate) fn commit_quietly(&self) -> Result<()> {
        self.in_tx.set(false);
        self.execute_batch("COMMIT")
    }

    pub fn rollback(&self) -> Result<()> {
        self.in_tx.set(false);
        self.execute_batch("ROLLBACK")
    }

    /// `pg_notify` in a little transaction of its own, after the write has
    /// committed: a NOTIFY inside the write would take PostgreSQL's global
    /// notify lock from its commit until the commit is on disk, so writers on
    /// different events would commit one at a time (docs/POSTGRES.md). With
    /// `synchronous_commit` off this one waits for no disk; a notice lost in a
    /// crash only delays a refresh. Best effort: the write itself has committed.
    fn announce(&self) {
        let sql = format!("BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_notify('{CHANNEL}', ''); COMMIT");
        if let Err(e) = self.client.borrow_mut().batch_execute(&sql) {
            tracing::warn!(error = %e, "could not announce a change to other terminals");
        }
    }

    /// The server's clock, in unix milliseconds.
    pub fn server_now_ms(&self) -> Result<i64> {
        let row = self.client.borrow_mut().query_one(clock::NOW_MS, &[]).map_err(|e| self.error(e))?;
        row.try_get::<_, i64>(0).map_err(|e| self.error(e))
    }

    /// The prepared statement for `sql` (SQLite dialect), preparing it on
    /// first use. A statement is first prepared untyped, so the server types
    /// each parameter from where it is used and [`Param`] adapts to it (a
    /// flag into a `bigint` column goes in as 0/1). Only SQL the server cannot
    /// type alone is prepared with the values' types (a NULL counts as text):
    /// whether that is needed depends on the SQL, never on the first values.
    fn statement(&self, sql: &str, args: &[Param<'_>]) -> Result<Statement> {
        if !self.cache.borrow().needs_types.contains(sql) {
            if let Some(s) = self.cache.borrow().plain.get(sql) {
                return Ok(s.clone());
            }
            match self.prepare(sql, &[])? {
                Ok(s) => {
                    let mut cache = self.cache.borrow_mut();
                    if cache.plain.len() >= CACHE_LIMIT {
                        cache.plain.clear();
                    }
                    cache.plain.insert(sql.to_string(), s.clone());
                    return Ok(s);
                }
                Err(_) => {
                    self.cache.borrow_mut().needs_types.insert(sql.to_string());
                }
            }
        }
        let types: Vec<Type> = args.iter().map(type_of).collect();
        let key = (types, sql.to_string());
        if let Some(s) = self.cache.borrow().typed.get(&key) {
            return Ok(s.clone());
        }
        match self.prepare(sql, &key.0)? {
            Ok(s) => {
                let mut cache = self.cache.borrow_mut();
                if cache.typed.len() >= CACHE_LIMIT {
                    cache.typed.clear();
                }
                cache.typed.insert(key, s.clone());
                Ok(s)
            }
            Err(e) => Err(Error::Storage(format!(
                "PostgreSQL cannot tell the type of a parameter ({}) in: {}; write CAST(?N AS BIGINT) or \
                 CAST(?N AS TEXT) there",
                e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_string()),
                sql.split_whitespace().collect::<Vec<_>>().join(" ")
            ))),
        }
    }

    /// Prepares `sql`: `Ok(Err(e))` when the server could not type a
    /// parameter (`e` says why), any other failure is an error. Inside a
    /// transaction the attempt runs in a savepoint, since a statement that
    /// fails to prepare would otherwise abort the whole transaction.
    fn prepare(&self, sql: &str, types: &[Type]) -> Result<std::result::Result<Statement, postgres::Error>> {
        let text = placeholders(sql);
        let guarded = self.in_tx.get();
        let mut client = self.client.borrow_mut();
        if guarded {
            client.batch_execute("SAVEPOINT boxoffice_prepare").map_err(|e| self.error(e))?;
        }
        let prepared = client.prepare_typed(&text, types);
        let untypable = |e: &postgres::Error| {
            matches!(e.code(), Some(c) if *c == SqlState::AMBIGUOUS_PARAMETER
                || *c == SqlState::INDETERMINATE_DATATYPE
                || *c == SqlState::AMBIGUOUS_FUNCTION)
        };
        match prepared {
            Ok(s) => {
                if guarded {
                    client.batch_execute("RELEASE SAVEPOINT boxoffice_prepare").map_err(|e| self.error(e))?;
                }
                Ok(Ok(s))
            }
            Err(e) => {
                if guarded {
                    client
                        .batch_execute("ROLLBACK TO SAVEPOINT boxoffice_prepare; RELEASE SAVEPOINT boxoffice_prepare")
                        .map_err(|e| self.error(e))?;
                }
                if untypable(&e) { Ok(Err(e)) } else { Err(self.error(e)) }
            }
        }
    }
}

/// Connects to the PostgreSQL database at `url` and brings its schema up to
/// date (building it in an empty database): what `store::open` is for a file.
pub fn open(url: &str) -> Result<super::db::Db> {
    let db = super::db::Db::Pg(PgConn::connect(url)?);
    migrate::migrate(&db)?;
    Ok(db)
}

/// Connects to an existing, up-to-date boxoffice database for reading only:
/// never builds, migrates or writes it (`verify`, `report`, `copy`'s source).
pub fn open_read_only(url: &str) -> Result<super::db::Db> {
    let db = super::db::Db::Pg(PgConn::connect_read_only(url)?);
    match migrate::inspect(&db, migrate::LATEST)? {
        super::migrate::Found::Ours(v) if v == migrate::LATEST => Ok(db),
        super::migrate::Found::Empty => Err(Error::Storage(format!(
            "no boxoffice data in {} yet (no tables)",
            db.pg().map_or("the database", PgConn::target)
        ))),
        super::migrate::Found::Ours(v) => Err(Error::Storage(format!(
            "{} has schema version {v} and this boxoffice uses {}; open it with this boxoffice's app first, \
             which brings it up to date",
            db.pg().map_or("the database", PgConn::target),
            migrate::LATEST
        ))),
    }
}

/// Which schema version the database at `url` has and which steps it lacks,
/// for `migrate --check`: reads only (an empty database has version 0).
pub fn schema_status(url: &str) -> Result<(super::migrate::Found, &'static [super::migrate::Step])> {
    let db = super::db::Db::Pg(PgConn::connect_read_only(url)?);
    let found = migrate::inspect(&db, migrate::LATEST)?;
    Ok((found, super::migrate::pending(migrate::STEPS, found.version())))
}

/// The type a value asks for when the SQL alone cannot say.
fn type_of(p: &Param<'_>) -> Type {
    match p {
        Param::Int(_) => Type::INT8,
        Param::Real(_) => Type::FLOAT8,
        Param::Bool(_) => Type::BOOL,
        Param::Blob(_) => Type::BYTEA,
        Param::Text(_) | Param::Null => Type::TEXT,
    }
}

/// `?N` → `$N` (and a bare `?` → the next number, as SQLite counts) outside
/// string literals, quoted names and comments.
pub fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut highest = 0u32;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' => {
                out.push(c);
                // To the closing quote; a doubled quote inside is an escaped one
                // and simply closes and reopens.
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                out.push(c);
                let mut prev = ' ';
                for d in chars.by_ref() {
                    out.push(d);
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                let n = if digits.is_empty() { highest + 1 } else { digits.parse().unwrap_or(u32::MAX) };
                highest = highest.max(n);
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

// ---- binding parameters ------------------------------------------------------------

fn texty(ty: &Type) -> bool {
    [Type::TEXT, Type::VARCHAR, Type::BPCHAR, Type::NAME, Type::UNKNOWN].contains(ty)
}

/// A parameter goes in as whatever type the server gave its place: an
/// integer into `bigint`, `integer`, `smallint`, `boolean`, `numeric`, a
/// float or text; a flag into `boolean` or an integer (0/1); text into text.
/// A value that cannot be that type is an error naming both.
impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
        let int = |n: i64, out: &mut BytesMut| -> std::result::Result<IsNull, BoxError> {
            if *ty == Type::INT8 {
                n.to_sql(ty, out)
            } else if *ty == Type::INT4 {
                i32::try_from(n)?.to_sql(ty, out)
            } else if *ty == Type::INT2 {
                i16::try_from(n)?.to_sql(ty, out)
            } else if *ty == Type::BOOL {
                (n != 0).to_sql(ty, out)
            } else if *ty == Type::FLOAT8 {
                (n as f64).to_sql(ty, out)
            } else if *ty == Type::NUMERIC {
                Decimal::from(n).to_sql(ty, out)
            } else if texty(ty) {
                n.to_string().as_str().to_sql(ty, out)
            } else {
                Err(format!("cannot bind the integer {n} as PostgreSQL type {ty}").into())
            }
        };
        match *self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(n) => int(n, out),
            Param::Bool(b) if *ty == Type::BOOL => b.to_sql(ty, out),
            Param::Bool(b) => int(i64::from(b), out),
            Param::Real(x) if *ty == Type::FLOAT8 => x.to_sql(ty, out),
            Param::Real(x) if *ty == Type::FLOAT4 => (x as f32).to_sql(ty, out),
            Param::Real(x) if *ty == Type::NUMERIC => {
                Decimal::try_from(x).map_err(|e| format!("cannot bind {x} as numeric: {e}"))?.to_sql(ty, out)
            }
            Param::Real(x) => Err(format!("cannot bind the number {x} as PostgreSQL type {ty}").into()),
            Param::Text(t) if texty(ty) => t.to_sql(ty, out),
            Param::Text(t) => Err(format!("cannot bind the text '{t}' as PostgreSQL type {ty}").into()),
            Param::Blob(b) if *ty == Type::BYTEA => b.to_sql(ty, out),
            Param::Blob(_) => Err(format!("cannot bind bytes as PostgreSQL type {ty}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

// ---- reading columns ------------------------------------------------------------------

/// Every column reads as SQLite's kinds of value: integers of any width and
/// booleans as integers; `numeric` (what `sum()` of integers gives) as an
/// integer when it is whole, else as a real; text; bytes.
impl<'a> FromSql<'a> for ValueRef<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, BoxError> {
        Ok(if *ty == Type::INT8 {
            ValueRef::Int(i64::from_sql(ty, raw)?)
        } else if *ty == Type::INT4 {
            ValueRef::Int(i32::from_sql(ty, raw)?.into())
        } else if *ty == Type::INT2 {
            ValueRef::Int(i16::from_sql(ty, raw)?.into())
        } else if *ty == Type::OID {
            ValueRef::Int(u32::from_sql(ty, raw)?.into())
        } else if *ty == Type::BOOL {
            ValueRef::Int(bool::from_sql(ty, raw)?.into())
        } else if *ty == Type::NUMERIC {
            let d = Decimal::from_sql(ty, raw)?;
            match d.fract().is_zero() {
                true => ValueRef::Int(d.to_i64().ok_or_else(|| format!("{d} does not fit a 64-bit integer"))?),
                false => ValueRef::Real(d.to_f64().ok_or_else(|| format!("{d} is not a number boxoffice reads"))?),
            }
        } else if *ty == Type::FLOAT8 {
            ValueRef::Real(f64::from_sql(ty, raw)?)
        } else if *ty == Type::FLOAT4 {
            ValueRef::Real(f32::from_sql(ty, raw)?.into())
        } else if texty(ty) {
            ValueRef::Text(<&str>::from_sql(ty, raw)?)
        } else if let Kind::Domain(base) = ty.kind() {
            // information_schema's names are domains over `name`.
            return ValueRef::from_sql(base, raw);
        } else if *ty == Type::BYTEA {
            ValueRef::Blob(raw)
        } else {
            return Err(format!("PostgreSQL type {ty} is not one boxoffice reads").into());
        })
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, BoxError> {
        Ok(ValueRef::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

pub(crate) fn value_at(row: &postgres::Row, i: usize) -> Result<ValueRef<'_>> {
    row.try_get::<_, ValueRef<'_>>(i).map_err(|e| {
        let name = row.columns().get(i).map_or("?", |c| c.name());
        Error::Storage(format!(
            "column {i} ({name}): {}",
            std::error::Error::source(&e).map_or(e.to_string(), |s| s.to_string())
        ))
    })
}

// ---- errors -----------------------------------------------------------------------------

/// An error as SQLite reports a constraint, so the engine's existing checks
/// (`Error::Db` with `ErrorCode::ConstraintViolation`: a seat taken, a key
/// used twice) work unchanged on PostgreSQL. The message is PostgreSQL's.
/// Phase 2 may give `Error` a backend-neutral constraint variant instead.
fn constraint(code: std::os::raw::c_int, message: String) -> Error {
    Error::Db(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some(message)))
}

/// Whether `e` is a constraint failure (unique, check, foreign key, not
/// null, or an append-only trigger) on either backend.
pub fn is_constraint(e: &Error) -> bool {
    matches!(e, Error::Db(inner) if inner.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation))
}

/// The crate's error for a PostgreSQL error on the database `target`.
pub(crate) fn error_at(target: &str, e: postgres::Error) -> Error {
    let Some(db) = e.as_db_error() else {
        if e.is_closed() {
            return Error::Storage(format!("lost the connection to PostgreSQL at {target}; nothing more was written"));
        }
        let cause = std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string());
        return Error::Storage(format!("PostgreSQL at {target}: {cause}"));
    };
    let code = db.code();
    let message = format!("{} (PostgreSQL {})", db.message(), code.code());
    use rusqlite::ffi;
    if *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::LOCK_NOT_AVAILABLE
        || *code == SqlState::QUERY_CANCELED
    {
        // Nothing happened; the transaction can be run again (`db::write` does).
        Error::Busy
    } else if *code == SqlState::UNIQUE_VIOLATION || *code == SqlState::EXCLUSION_VIOLATION {
        constraint(ffi::SQLITE_CONSTRAINT_UNIQUE, message)
    } else if *code == SqlState::CHECK_VIOLATION {
        constraint(ffi::SQLITE_CONSTRAINT_CHECK, message)
    } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
        constraint(ffi::SQLITE_CONSTRAINT_FOREIGNKEY, message)
    } else if *code == SqlState::NOT_NULL_VIOLATION {
        constraint(ffi::SQLITE_CONSTRAINT_NOTNULL, message)
    } else if *code == SqlState::RAISE_EXCEPTION {
        // Our triggers' refusals (audit rows are append-only), as SQLite's RAISE(ABORT).
        constraint(ffi::SQLITE_CONSTRAINT_TRIGGER, message)
    } else if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
        Error::Storage(format!("the database {target} is open read-only; nothing was changed"))
    } else if *code == SqlState::DISK_FULL {
        Error::Storage(format!("the PostgreSQL server's disk is full ({target}); nothing was changed"))
    } else if *code == SqlState::INVALID_PASSWORD || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
        Error::Storage(format!("PostgreSQL at {target} refused the login: {}", db.message()))
    } else if *code == SqlState::INVALID_CATALOG_NAME {
        Error::Storage(format!(
            "PostgreSQL at {target}: {}; create it first (createdb, or CREATE DATABASE)",
            db.message()
        ))
    } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        Error::Storage(format!("PostgreSQL at {target}: {}; the role needs more rights", db.message()))
    } else if *code == SqlState::TOO_MANY_CONNECTIONS
        || *code == SqlState::ADMIN_SHUTDOWN
        || *code == SqlState::CANNOT_CONNECT_NOW
    {
        Error::Storage(format!("PostgreSQL at {target} cannot take the connection: {}", db.message()))
    } else {
        Error::Storage(format!("PostgreSQL at {target}: {message}"))
    }
}

/// A failed connection as one line: refused, timed out, unknown host, login.
fn connect_error(target: &str, e: postgres::Error) -> Error {
    if e.as_db_error().is_some() {
        return error_at(target, e);
    }
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            let why = match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    "connection refused; is the server running there, on that port?"
                }
                std::io::ErrorKind::TimedOut => "no answer within 5 s; check the host, the port and the firewall",
                std::io::ErrorKind::NotFound => "no server socket there; is the server running?",
                _ => return Error::Storage(format!("cannot connect to PostgreSQL at {target}: {io}")),
            };
            return Error::Storage(format!("cannot connect to PostgreSQL at {target}: {why}"));
        }
        source = s.source();
    }
    let cause = std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string());
    Error::Storage(format!("cannot connect to PostgreSQL at {target}: {cause}"))
}

/// `user@host:port/dbname` of a connection's settings (no password).
fn describe(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    let db = config.get_dbname().or(config.get_user()).unwrap_or("");
    format!("{user}{host}:{port}/{db}")
}

/// A URL as it may be shown: `postgres://user@host:port/dbname`, no password.
pub fn redact(url: &str) -> String {
    match url.parse::<postgres::Config>() {
        Ok(config) => format!("postgres://{}", describe(&config)),
        Err(_) => match url.split_once('@') {
            Some((_, rest)) => format!("postgres://…@{rest}"),
            None => url.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes_and_comments() {
        assert_eq!(placeholders("SELECT ?1, ?2 FROM t WHERE a = ?1"), "SELECT $1, $2 FROM t WHERE a = $1");
        assert_eq!(placeholders("VALUES (?, ?, ?5, ?)"), "VALUES ($1, $2, $5, $6)");
        assert_eq!(
            placeholders("SELECT '?1 it''s ?2', \"col?3\" FROM t WHERE x = ?4"),
            "SELECT '?1 it''s ?2', \"col?3\" FROM t WHERE x = $4"
        );
        assert_eq!(placeholders("SELECT 1 -- why ?1\n, ?2 /* ?3 */ , ?12"), "SELECT 1 -- why ?1\n, $2 /* ?3 */ , $12");
        assert_eq!(placeholders("SELECT '%' || ?3"), "SELECT '%' || $3");
        assert_eq!(placeholders("SELECT 'unterminated ?1"), "SELECT 'unterminated ?1");
        assert_eq!(placeholders("SELECT 5 - ?1 FROM t"), "SELECT 5 - $1 FROM t");
    }

    #[test]
    fn urls_are_shown_without_their_password() {
        assert_eq!(redact("postgres://bo:s3cret@db.example:6543/venue"), "postgres://bo@db.example:6543/venue");
        assert_eq!(redact("postgresql://db.example/venue"), "postgres://db.example:5432/venue");
        assert!(!redact("postgres://bo:s3cret@[bad").contains("s3cret"));
    }

    #[test]
    fn a_refused_connection_is_one_line_naming_the_server() {
        // Port 1 on localhost: nothing listens there.
        let err = PgConn::connect("postgres://bo:pw@127.0.0.1:1/venue").err().expect("refused");
        let text = err.to_string();
        assert!(matches!(err, Error::Storage(_)), "{err:?}");
        assert_eq!(
            text,
            "cannot connect to PostgreSQL at bo@127.0.0.1:1/venue: connection refused; is the server running there, on that port?"
        );
        assert!(!text.contains("pw"));
        let bad = PgConn::connect("postgres://h/db?sslmode=nonsense").err().expect("bad url").to_string();
        assert!(bad.contains("is not a PostgreSQL URL boxoffice understands"), "{bad}");
    }
}
