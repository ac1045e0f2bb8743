//! SQL for erasing a customer's personal data and leaving no copy of it
//! behind in the file (with `secure_delete`, set on every connection, and a
//! truncating WAL checkpoint).

use crate::domain::AuditAction;
use crate::error::Result;
use crate::store::db::{self, Db};
use rusqlite::Connection;

/// Replaces the customer's name, email and phone. Returns whether a row changed.
pub fn erase_customer(db: &Db, id: &str, name: &str, email: &str) -> Result<bool> {
    // `email` stands in for both contacts: a customer must keep one (a CHECK).
    let n = db.execute(
        "UPDATE customers SET name = ?2, email = ?3, phone = NULL WHERE id = ?1",
        db::args![id, name, email],
    )?;
    // The search index drops the row's words at once (FTS5 secure-delete),
    // but a term can stay in its segment until the segments are merged:
    // merging them now leaves no word of the customer in the index.
    // (SQLite's alone: PostgreSQL has no word index yet.)
    if let Some(conn) = db.sqlite() {
        conn.execute_batch("INSERT INTO customer_words (customer_words) VALUES ('optimize')")?;
    }
    Ok(n == 1)
}

/// Whether the customer was erased before (the audit trail says so).
pub fn was_erased(db: &Db, id: &str) -> Result<bool> {
    db.query_one(
        "SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity_id = ?1 AND action = ?2)",
        db::args![id, AuditAction::CustomerErased],
        |r| r.get(0),
    )
}

/// How many bookings the customer has (they stay, for the accounts).
pub fn bookings_of(db: &Db, id: &str) -> Result<i64> {
    db.query_one("SELECT count(*) FROM bookings WHERE customer_id = ?1", db::args![id], |r| r.get(0))
}

/// Copies the WAL into the file and truncates it to nothing, so old page
/// images (which still hold what was erased) are gone from the `-wal` too.
/// Returns false if a reader in another process kept it from finishing.
pub fn checkpoint_truncate(conn: &Connection) -> Result<bool> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(busy == 0)
}
