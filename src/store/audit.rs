//! SQL for the append-only audit trail and the small `meta` table.

use crate::clock::from_millis;
use crate::domain::{AuditAction, AuditEntity, AuditField, AuditFilter, AuditRow};
use crate::error::Result;
use crate::store::db::{self, Db, Param};
use rusqlite::{Connection, ToSql};

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

pub fn insert(db: &Db, id: &str, at_ms: i64, actor: Actor<'_>, a: &NewAudit<'_>) -> Result<()> {
    let details = a.details.as_ref().map_or_else(|| "{}".to_string(), |d| d.to_string());
    db.execute(
        "INSERT INTO audit_log (id, at, action, entity, entity_id, event_id, hold_id, booking_id, from_status, to_status,
                                correlation_id, is_retry, original_attempt_id, actor, details, clerk_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        db::args![
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
        ],
    )?;
    Ok(())
}

const COLS: &str = "seq, id, at, action, entity, entity_id, event_id, hold_id, booking_id, from_status, to_status, \
                    correlation_id, is_retry, original_attempt_id, actor, details, clerk_id";

fn row(r: &db::Row<'_>) -> Result<AuditRow> {
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

/// Audit rows, newest first. Only the filters in use go into the SQL (a
/// `?1 IS NULL OR …` clause keeps SQLite off its indexes), so a filter reads
/// its index backwards (`seq` is the rowid each index ends with) and stops at
/// `limit`.
pub fn list(db: &Db, f: &AuditFilter) -> Result<Vec<AuditRow>> {
    let limit = if f.limit == 0 { 500 } else { f.limit } as i64;
    let mut conds = String::new();
    let mut args: Vec<Param<'_>> = vec![Param::Int(limit)];
    for (col, value) in [
        ("correlation_id", f.correlation_id.as_deref()),
        ("booking_id", f.booking_id.as_deref()),
        ("event_id", f.event_id.as_deref()),
        ("action", f.action.map(|a| a.as_str())),
    ] {
        if let Some(value) = value {
            args.push(Param::Text(value));
            conds.push_str(&format!(" AND {col} = ?{}", args.len()));
        }
    }
    let sql = format!("SELECT {COLS} FROM audit_log WHERE 1 = 1{conds} ORDER BY seq DESC LIMIT ?1");
    db.query_all(&sql, &args, row)
}

/// Rows after `seq`, oldest first (the shipping cursor's view).
pub fn after(db: &Db, seq: i64, limit: usize) -> Result<Vec<AuditRow>> {
    let sql = format!("SELECT {COLS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    db.query_all(&sql, db::args![seq, limit as i64], row)
}

pub fn max_seq(db: &Db) -> Result<i64> {
    db.query_one("SELECT coalesce(max(seq), 0) FROM audit_log", db::args![], |r| r.get(0))
}

pub fn meta_get(db: &Db, key: &str) -> Result<Option<String>> {
    db.query_opt("SELECT value FROM meta WHERE key = ?1", db::args![key], |r| r.get(0))
}

pub fn meta_set(db: &Db, key: &str, value: &str) -> Result<()> {
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        db::args![key, value],
    )?;
    Ok(())
}

/// Audit rows newest first whose `field` matches `text`: an id matches whole
/// or by its end (the short ids the screens show); an action by any part,
/// ignoring case. Empty text matches everything.
///
/// Each way to match has an index: a correlation or entity id by its end
/// (`audit_by_correlation_end`, `audit_by_entity_end`), a booking's or an
/// event's rows through the bookings (`bookings_by_id_end`) or events whose id
/// ends so (`audit_by_booking`, `audit_by_event`), an action through the
/// actions in the file containing the text (`audit_by_action`, newest `limit`
/// of each). An action's text first reads the newest `4 × limit` rows in
/// place, which answer when they hold `limit` matches (a letter typed). When
/// the ways match few rows, the newest `limit` of their index entries are
/// picked and only those rows read; when one matches many (a character or
/// two of an id), walking the trail newest first finds `limit` matches sooner.
pub fn search(db: &Db, field: AuditField, text: &str, limit: usize) -> Result<Vec<AuditRow>> {
    let text = text.trim();
    let limit = if limit == 0 { 500 } else { limit } as i64;
    if text.is_empty() {
        return list(db, &AuditFilter { limit: limit as usize, ..Default::default() });
    }
    if text.len() == 36 && field == AuditField::Correlation {
        // A whole correlation id (the jump from a booking): the index answers.
        let f = AuditFilter { correlation_id: Some(text.to_string()), limit: limit as usize, ..Default::default() };
        return list(db, &f);
    }
    let conn = match db {
        Db::Sqlite(conn) => conn,
        Db::Pg(_) => return search_pg(db, field, text, limit),
    };
    let any = field == AuditField::Any;
    let rev: String = text.chars().rev().take(8).collect();
    let mut ways: Vec<String> = Vec::new();
    if any || field == AuditField::Correlation {
        ways.push(ends_with("audit_log", "correlation_id"));
    }
    if any {
        ways.push(ends_with("audit_log", "entity_id"));
    }
    if any || field == AuditField::Booking {
        ways.push(format!("SELECT seq FROM audit_log WHERE booking_id IN ({})", ends_with("bookings", "id")));
    }
    if any || field == AuditField::Event {
        ways.push("SELECT seq FROM audit_log WHERE event_id IN (SELECT id FROM events WHERE substr(id, -length(:text)) = :text)".into());
    }
    let actions = if any || field == AuditField::Action { actions_containing(db, text)? } else { Vec::new() };
    let mut args: Vec<(&str, &dyn ToSql)> = vec![(":limit", &limit), (":text", &text), (":rev", &rev)];
    let names: Vec<String> = (0..actions.len()).map(|i| format!(":action{i}")).collect();
    for (name, action) in names.iter().zip(&actions) {
        args.push((name, action));
    }
    ways.extend(names.iter().map(|n| {
        format!("SELECT * FROM (SELECT seq FROM audit_log WHERE action = {n} ORDER BY seq DESC LIMIT :limit)")
    }));

    // The walk's test: the same matches, row by row (no index).
    let id_match = |col: &str| format!("({col} = :text OR substr({col}, -length(:text)) = :text)");
    let cond = match field {
        AuditField::Any => format!(
            "({} OR {} OR {} OR {} OR instr(lower(action), lower(:text)) > 0)",
            id_match("correlation_id"),
            id_match("booking_id"),
            id_match("event_id"),
            id_match("entity_id")
        ),
        AuditField::Correlation => id_match("correlation_id"),
        AuditField::Booking => id_match("booking_id"),
        AuditField::Event => id_match("event_id"),
        AuditField::Action => "instr(lower(action), lower(:text)) > 0".to_string(),
    };
    let rows: i64 = conn.prepare_cached("SELECT coalesce(max(seq), 0) FROM audit_log")?.query_row([], |r| r.get(0))?;
    if !actions.is_empty() {
        // A letter of an action (`e`) matches most of the trail: the newest
        // 4 × limit rows, read in place, then hold `limit` matches, and those
        // are the answer (every older row is older than them).
        let floor = rows - 4 * limit;
        let sql = format!("SELECT {COLS} FROM audit_log WHERE seq > :floor AND {cond} ORDER BY seq DESC LIMIT :limit");
        let mut with_floor = args.clone();
        with_floor.push((":floor", &floor));
        let newest = read(conn, &sql, &with_floor)?;
        if newest.len() as i64 == limit {
            return Ok(newest);
        }
    }
    // Gather while no id way matches more rows than walking would read:
    // walking reads about limit × rows ÷ matches, gathering about matches.
    let most = ((limit * rows.max(1)) as f64).sqrt() as i64 + 1;
    let mut gather = true;
    for way in ways.iter().filter(|w| !w.contains(":action")) {
        let mut stmt = conn.prepare_cached(&format!("SELECT count(*) FROM ({way} LIMIT :most)"))?;
        super::bind_named(&mut stmt, &args)?;
        super::bind_named(&mut stmt, &[(":most", &most)])?;
        let n: i64 = stmt.raw_query().next()?.map(|r| r.get(0)).transpose()?.unwrap_or(0);
        if n >= most {
            gather = false;
            break;
        }
    }
    let sql = if gather {
        // The newest `limit` seqs are picked from the ways' index entries
        // (`seq` is the rowid every index ends with) before any row is read:
        // only the rows shown are read, not every row a way gathered.
        format!(
            "SELECT {COLS} FROM audit_log WHERE seq IN (SELECT seq FROM ({}) ORDER BY seq DESC LIMIT :limit)
             ORDER BY seq DESC",
            if ways.is_empty() { "SELECT NULL AS seq".to_string() } else { ways.join(" UNION ") }
        )
    } else {
        format!("SELECT {COLS} FROM audit_log WHERE {cond} ORDER BY seq DESC LIMIT :limit")
    };
    read(conn, &sql, &args)
}

/// [`search`] on PostgreSQL: the same ways to match, each by its index
/// (`audit_by_correlation_end`, `audit_by_entity_end`, `audit_by_booking`
/// through `bookings_by_id_end`, `audit_by_event`, `audit_by_action`), the
/// newest `limit` of each gathered in one statement whose planner picks; the
/// newest `limit` of them are the answer, the rows SQLite's plans give.
fn search_pg(db: &Db, field: AuditField, text: &str, limit: i64) -> Result<Vec<AuditRow>> {
    let any = field == AuditField::Any;
    let rev: String = text.chars().rev().take(8).collect();
    let actions = if any || field == AuditField::Action { actions_containing(db, text)? } else { Vec::new() };
    // ?1 limit, ?2 the text, ?3 its last 8 characters backwards, ?4 its length, then the actions.
    let mut args: Vec<Param<'_>> =
        vec![Param::Int(limit), Param::Text(text), Param::Text(&rev), Param::Int(text.chars().count() as i64)];
    let ends = |col: &str| {
        format!(
            "reverse(right({col}, 8)) >= ?3 AND reverse(right({col}, 8)) < ?3 || chr(1114111) AND right({col}, CAST(?4 AS integer)) = ?2"
        )
    };
    let mut ways: Vec<String> = Vec::new();
    if any || field == AuditField::Correlation {
        ways.push(format!("SELECT seq FROM audit_log WHERE {}", ends("correlation_id")));
    }
    if any {
        ways.push(format!("SELECT seq FROM audit_log WHERE {}", ends("entity_id")));
    }
    if any || field == AuditField::Booking {
        ways.push(format!(
            "SELECT seq FROM audit_log WHERE booking_id IN (SELECT id FROM bookings WHERE {})",
            ends("id")
        ));
    }
    if any || field == AuditField::Event {
        ways.push("SELECT seq FROM audit_log WHERE event_id IN (SELECT id FROM events WHERE right(id, CAST(?4 AS integer)) = ?2)".into());
    }
    for action in &actions {
        args.push(Param::Text(action));
        ways.push(format!("SELECT seq FROM audit_log WHERE action = ?{}", args.len()));
    }
    if ways.is_empty() {
        return Ok(Vec::new());
    }
    let each: Vec<String> = ways.iter().map(|w| format!("({w} ORDER BY seq DESC LIMIT ?1)")).collect();
    let sql = format!(
        "SELECT {COLS} FROM audit_log WHERE seq IN (SELECT m.seq FROM ({}) AS m ORDER BY m.seq DESC LIMIT ?1)
         ORDER BY seq DESC",
        each.join(" UNION ")
    );
    db.query_all(&sql, &args, row)
}

fn read(conn: &Connection, sql: &str, args: &[(&str, &dyn ToSql)]) -> Result<Vec<AuditRow>> {
    let mut stmt = conn.prepare_cached(sql)?;
    super::bind_named(&mut stmt, args)?;
    let mut out = Vec::new();
    let mut found = stmt.raw_query();
    while let Some(r) = found.next()? {
        out.push(row(&db::Row::sqlite(r))?);
    }
    Ok(out)
}

/// `SELECT seq` (or `id` of `bookings`) of the rows of `table` whose `col`
/// ends with `:text`, by the index of its last 8 characters backwards
/// (`:rev`); the whole end is checked too, for text longer than 8.
fn ends_with(table: &str, col: &str) -> String {
    let backwards = (1..=8).map(|i| format!("substr({col}, -{i}, 1)")).collect::<Vec<_>>().join(" || ");
    let what = if table == "bookings" { "id" } else { "seq" };
    format!(
        "SELECT {what} FROM {table} WHERE {backwards} >= :rev AND {backwards} < :rev || char(1114111)
         AND substr({col}, -length(:text)) = :text"
    )
}

/// The actions in the trail whose name contains `text`, ignoring case: the
/// distinct actions are read by skipping through `audit_by_action`, one seek
/// each, not by reading the trail.
fn actions_containing(db: &Db, text: &str) -> Result<Vec<String>> {
    let all: Vec<String> = db.query_all(
        "WITH RECURSIVE a(action) AS (
             SELECT min(action) FROM audit_log
             UNION ALL SELECT (SELECT min(action) FROM audit_log WHERE action > a.action) FROM a WHERE a.action IS NOT NULL
         ) SELECT action FROM a WHERE action IS NOT NULL",
        &[],
        |r| r.get(0),
    )?;
    // SQLite's lower() folds ASCII only; so does this, as the walk's instr() does.
    let text = text.to_ascii_lowercase();
    Ok(all.into_iter().filter(|a| a.to_ascii_lowercase().contains(&text)).collect())
}
