//! SQL for the venue's settings: one row per key that is set.

use crate::domain::SettingKey;
use crate::error::Result;
use rusqlite::{Connection, params};

/// Every stored (key, value), keys as text (a newer version's keys included).
pub fn all(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached("SELECT key, value FROM settings ORDER BY key")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Stores `value` for `key`, replacing what was there.
pub fn put(conn: &Connection, key: SettingKey, value: &str, now_ms: i64, by: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by",
    )?
    .execute(params![key.as_str(), value, now_ms, by])?;
    Ok(())
}
