//! SQL for the venue's settings: one row per key that is set.

use crate::domain::SettingKey;
use crate::error::Result;
use crate::store::db::{self, Db};

/// Every stored (key, value), keys as text (a newer version's keys included).
pub fn all(db: &Db) -> Result<Vec<(String, String)>> {
    db.query_all("SELECT key, value FROM settings ORDER BY key", db::args![], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// Stores `value` for `key`, replacing what was there.
pub fn put(db: &Db, key: SettingKey, value: &str, now_ms: i64, by: &str) -> Result<()> {
    db.execute(
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by",
        db::args![key.as_str(), value, now_ms, by],
    )?;
    Ok(())
}
