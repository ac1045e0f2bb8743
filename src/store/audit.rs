//! SQL for the append-only audit trail and the small `meta` table.

use crate::clock::from_millis;
use crate::domain::{AuditAction, AuditEntity, AuditField, AuditFilter, AuditRow};
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, Row, params};

/// Who wrote an audit row: a clerk (their name and id), or a job's, a door's
/// or the command line's identity (`job:tick`, `door:main`: no clerk id).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub name: &'a str,
    pub clerk_id: Option<&'a str>,
}

/// One audit row to write; `id`, `at` and the actor come from the caller's context.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    pub action: AuditAction,
    pub entity: AuditEntity,
    pub entity_id: &'a str,
    pub event_id: Option<&'a str>,
    pub hold_id: Option<&'a str>,
    pub booking_id: Option<&'a str>,
    pub from_status: Option<&'a str>,
    pub to_status: Option<&'a str>,
    pub correlation_id: Option<&'a str>,
    pub is_retry: bool,
    pub original_attempt_id: Option<&'a str>,
    pub details: Option<serde_json::Value>,
}

impl<'a> NewAudit<'a> {
    /// `action` on `entity` `entity_id`; the other fields are filled in with
    /// struct update syntax (`..NewAudit::new(…)`).
    pub fn new(action: AuditAction, entity: AuditEntity, entity_id: &'a str) -> Self {
        NewAudit {
            action,
            entity,
            entity_id,
            event_id: None,
            hold_id: None,
            booking_id: None,
            from_status: None,
            to_status: None,
            correlation_id: None,
            is_retry: false,
            original_attempt_id: None,
            details: None,
        }
    }
}

pub fn insert(conn: &Connection, id: &str, at_ms: i64, actor: Actor<'_>, a: &NewAudit<'_>) -> Result<()> {
    let details = a.details.as_ref().map_or_else(|| "{}".to_string(), |d| d.to_string());
    conn.prepare_cached(
        "INSERT INTO audit_log (id, at, action, entity, entity_id, event_id, hold_id, booking_id, from_status, to_status,
                                correlation_id, is_retry, original_attempt_id, actor, details, clerk_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        id,
        at_ms,
        a.action,
        a.entity,
        a.entity_id,
        a.event_id,
        a.hold_id,
        a.booking_id,
        a.from_status,
        a.to_status,
        a.correlation_id,
        a.is_retry,
        a.original_attempt_id,
        actor.name,
        details,
        actor.clerk_id
    ])?;
    Ok(())
}

const COLS: &str = "seq, id, at, action, entity, entity_id, event_id, hold_id, booking_id, from_status, to_status, \
                    correlation_id, is_retry, original_attempt_id, actor, details, clerk_id";

fn row(r: &Row<'_>) -> rusqlite::Result<AuditRow> {
    let details: String = r.get(15)?;
    Ok(AuditRow {
        seq: r.get(0)?,
        id: r.get(1)?,
        at: from_millis(r.get(2)?),
        action: r.get(3)?,
        entity: r.get(4)?,
        entity_id: r.get(5)?,
        event_id: r.get(6)?,
        hold_id: r.get(7)?,
        booking_id: r.get(8)?,
        from_status: r.get(9)?,
        to_status: r.get(10)?,
        correlation_id: r.get(11)?,
        is_retry: r.get(12)?,
        original_attempt_id: r.get(13)?,
        actor: r.get(14)?,
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::String(details)),
        clerk_id: r.get(16)?,
    })
}

/// Audit rows, newest first.
pub fn list(conn: &Connection, f: &AuditFilter) -> Result<Vec<AuditRow>> {
    let sql = format!(
        "SELECT {COLS} FROM audit_log
         WHERE (?1 IS NULL OR correlation_id = ?1) AND (?2 IS NULL OR booking_id = ?2)
           AND (?3 IS NULL OR event_id = ?3) AND (?4 IS NULL OR action = ?4)
         ORDER BY seq DESC LIMIT ?5"
    );
    let limit = if f.limit == 0 { 500 } else { f.limit } as i64;
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![f.correlation_id, f.booking_id, f.event_id, f.action, limit], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Rows after `seq`, oldest first (the shipping cursor's view).
pub fn after(conn: &Connection, seq: i64, limit: usize) -> Result<Vec<AuditRow>> {
    let sql = format!("SELECT {COLS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![seq, limit as i64], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn max_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.prepare_cached("SELECT coalesce(max(seq), 0) FROM audit_log")?.query_row([], |r| r.get(0))?)
}

pub fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?)
}

pub fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2")?
        .execute(params![key, value])?;
    Ok(())
}

/// Audit rows newest first whose `field` matches `text`: an id matches whole
/// or by its end (the short ids the screens show); an action by any part,
/// ignoring case. Empty text matches everything.
pub fn search(conn: &Connection, field: AuditField, text: &str, limit: usize) -> Result<Vec<AuditRow>> {
    let text = text.trim();
    if text.is_empty() {
        return list(conn, &AuditFilter { limit, ..Default::default() });
    }
    if text.len() == 36 && field == AuditField::Correlation {
        // A whole correlation id (the jump from a booking): the index answers.
        return list(conn, &AuditFilter { correlation_id: Some(text.to_string()), limit, ..Default::default() });
    }
    // Full id, or its ending (the short ids on screen); compared as text so
    // `%` and `_` typed by the clerk are not wildcards.
    let id_match = |col: &str| format!("({col} = ?1 OR substr({col}, -length(?1)) = ?1)");
    let cond = match field {
        AuditField::Any => format!(
            "({} OR {} OR {} OR {} OR instr(lower(action), lower(?1)) > 0)",
            id_match("correlation_id"),
            id_match("booking_id"),
            id_match("event_id"),
            id_match("entity_id")
        ),
        AuditField::Correlation => id_match("correlation_id"),
        AuditField::Booking => id_match("booking_id"),
        AuditField::Event => id_match("event_id"),
        AuditField::Action => "instr(lower(action), lower(?1)) > 0".to_string(),
    };
    let sql = format!("SELECT {COLS} FROM audit_log WHERE {cond} ORDER BY seq DESC LIMIT ?2");
    let limit = if limit == 0 { 500 } else { limit } as i64;
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![text, limit], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
