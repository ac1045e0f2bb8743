//! The real app behind the script runner's [`Harness`]: the headless app on a
//! manual clock, its own tick, and read-only SQL for `sql-expect`.

use super::run::Harness;
use crate::store::db::Db;
use crate::store::pg::ScriptRead;
use crate::tui::headless::Headless;
use chrono::Duration;
use crossterm::event::KeyEvent;
use rusqlite::types::ValueRef;

impl Harness for Headless {
    fn key(&mut self, key: KeyEvent) {
        Headless::key(self, key);
    }

    fn screen(&mut self) -> Vec<String> {
        Headless::screen(self)
    }

    fn advance(&mut self, seconds: u64) {
        Headless::advance(self, Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1000)));
    }

    fn tick(&mut self) {
        Headless::tick(self);
    }

    fn sign_in(&mut self, name: &str, pin: &str) {
        Headless::sign_in(self, name, pin);
    }

    fn verify(&mut self) -> Vec<String> {
        self.desk().verify().unwrap_or_else(|e| vec![format!("verify could not run: {e}")])
    }

    /// Runs one plain read (a single `SELECT` or `WITH` query; anything else,
    /// PRAGMA and ATTACH included, is refused unrun) within a budget of time
    /// and memory, and renders its single value: NULL as `NULL`, numbers as
    /// SQLite prints them.
    fn sql_value(&mut self, sql: &str) -> Result<String, String> {
        let refused =
            || "sql-expect takes only a single SELECT or WITH query (no PRAGMA, ATTACH, EXPLAIN or writes)".to_string();
        let first = sql.trim_start().split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("");
        if !(first.eq_ignore_ascii_case("select") || first.eq_ignore_ascii_case("with")) {
            return Err(refused());
        }
        let conn = match self.desk().db() {
            Db::Sqlite(conn) => conn,
            // The server keeps to the time budget (its memory is its own settings').
            Db::Pg(pg) => {
                return pg.script_read(sql, QUERY_TIME).map_err(|e| match e {
                    ScriptRead::NotARead => refused(),
                    ScriptRead::OverTime => over_time(),
                    ScriptRead::Bad(why) => format!("bad SQL: {why}"),
                    ScriptRead::Answer(why) => why,
                });
            }
        };
        let mut stmt = match conn.prepare(sql) {
            Ok(stmt) => stmt,
            Err(rusqlite::Error::MultipleStatement) => return Err(refused()),
            Err(e) => return Err(format!("bad SQL: {e}")),
        };
        // `WITH … DELETE` starts like a read: SQLite's own verdict decides.
        if !stmt.readonly() {
            return Err(refused());
        }
        if stmt.column_count() != 1 {
            return Err(format!("the query must return one column, not {}", stmt.column_count()));
        }
        let over = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::OperationInterrupted) => over_time(),
            Some(rusqlite::ErrorCode::OutOfMemory) => {
                format!("the query went over its memory budget of {} MiB and was stopped", QUERY_HEAP >> 20)
            }
            _ => e.to_string(),
        };
        within_budget(conn, || {
            let mut rows = stmt.query([]).map_err(over)?;
            let Some(row) = rows.next().map_err(over)? else {
                return Err("the query returned no row".into());
            };
            let value = match row.get_ref(0).map_err(|e| e.to_string())? {
                ValueRef::Null => "NULL".to_string(),
                ValueRef::Integer(i) => i.to_string(),
                ValueRef::Real(f) => f.to_string(),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                ValueRef::Blob(b) => format!("<{} bytes>", b.len()),
            };
            if rows.next().map_err(over)?.is_some() {
                return Err("the query returned more than one row".into());
            }
            Ok(value)
        })
    }
}

fn over_time() -> String {
    format!("the query went over its time budget of {} s and was stopped", QUERY_TIME.as_secs())
}

/// How long one `sql-expect` query may run.
const QUERY_TIME: std::time::Duration = std::time::Duration::from_secs(5);
/// SQLite's heap while one `sql-expect` query runs (the process's connections
/// together: the limit is SQLite's, process-wide, and this process is the script).
const QUERY_HEAP: i64 = 256 << 20;

/// Runs `f` within the budget: a timer interrupts the connection when time is
/// up (the interrupt handle works through the shared `&Connection`, where a
/// progress handler would need it `&mut`), and SQLite's hard heap limit is
/// lowered for the while, then put back.
fn within_budget<T>(conn: &rusqlite::Connection, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    let budget = |e: rusqlite::Error| format!("cannot set the query's budget: {e}");
    let heap_before: i64 = conn.query_row("PRAGMA hard_heap_limit", [], |r| r.get(0)).map_err(budget)?;
    conn.execute_batch(&format!("PRAGMA hard_heap_limit = {QUERY_HEAP}")).map_err(budget)?;
    let handle = conn.get_interrupt_handle();
    let (cancel, stop) = std::sync::mpsc::channel::<()>();
    let timer = std::thread::spawn(move || {
        if stop.recv_timeout(QUERY_TIME) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
            handle.interrupt();
        }
    });
    let out = f();
    drop(cancel);
    let _ = timer.join();
    conn.execute_batch(&format!("PRAGMA hard_heap_limit = {heap_before}")).map_err(budget)?;
    out
}
