//! The real app behind the script runner's [`Harness`]: the headless app on a
//! manual clock, its own tick, and read-only SQL for `sql-expect`.

use super::run::Harness;
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

    fn verify(&mut self) -> Vec<String> {
        self.desk().verify().unwrap_or_else(|e| vec![format!("verify could not run: {e}")])
    }

    /// Runs a read-only query (anything that would write is refused) and
    /// renders its single value: NULL as `NULL`, numbers as SQLite prints them.
    fn sql_value(&mut self, sql: &str) -> Result<String, String> {
        let conn = self.desk().conn();
        let mut stmt = conn.prepare(sql).map_err(|e| format!("bad SQL: {e}"))?;
        if !stmt.readonly() {
            return Err("sql-expect runs read-only queries only".into());
        }
        if stmt.column_count() != 1 {
            return Err(format!("the query must return one column, not {}", stmt.column_count()));
        }
        let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
        let Some(row) = rows.next().map_err(|e| e.to_string())? else {
            return Err("the query returned no row".into());
        };
        let value = match row.get_ref(0).map_err(|e| e.to_string())? {
            ValueRef::Null => "NULL".to_string(),
            ValueRef::Integer(i) => i.to_string(),
            ValueRef::Real(f) => f.to_string(),
            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
            ValueRef::Blob(b) => format!("<{} bytes>", b.len()),
        };
        if rows.next().map_err(|e| e.to_string())?.is_some() {
            return Err("the query returned more than one row".into());
        }
        Ok(value)
    }
}
