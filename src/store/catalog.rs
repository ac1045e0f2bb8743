//! SQL for events and customers.

use crate::clock::{from_millis, to_millis};
use crate::domain::{Customer, Event, EventKind, SearchText};
use crate::error::Result;
use crate::store::db::{self, Db, Row};

const EVENT_COLS: &str =
    "id, name, description, starts_at, kind, seat_rows, seats_per_row, total, available, price, currency, created_at";

fn event_row(r: &Row<'_>) -> Result<Event> {
    let kind: String = r.get(4)?;
    let total: u32 = r.get(7)?;
    let kind = if kind == "RESERVED" {
        EventKind::Reserved { rows: r.get(5)?, seats_per_row: r.get(6)? }
    } else {
        EventKind::GeneralAdmission { capacity: total }
    };
    Ok(Event {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        starts_at: from_millis(r.get(3)?),
        kind,
        total,
        available: r.get(8)?,
        price: r.get(9)?,
        currency: r.get(10)?,
        created_at: from_millis(r.get(11)?),
    })
}

pub fn insert_event(db: &Db, e: &Event) -> Result<()> {
    let (rows, per_row) = match e.kind {
        EventKind::Reserved { rows, seats_per_row } => (Some(rows), Some(seats_per_row)),
        EventKind::GeneralAdmission { .. } => (None, None),
    };
    db.execute(
        "INSERT INTO events (id, name, description, starts_at, kind, seat_rows, seats_per_row, total, available, price, currency, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        db::args![
        e.id,
        e.name,
        e.description,
        to_millis(e.starts_at),
        e.kind.code(),
        rows,
        per_row,
        e.total,
        e.available,
        e.price,
        e.currency,
        to_millis(e.created_at)
        ],
    )?;
    Ok(())
}

pub fn get_event(db: &Db, id: &str) -> Result<Option<Event>> {
    let sql = format!("SELECT {EVENT_COLS} FROM events WHERE id = ?1");
    db.query_opt(&sql, db::args![id], event_row)
}

/// Events whose name contains `filter` (case-insensitive): upcoming ones
/// soonest first, then past ones most recent first. Each part walks
/// `events_by_start` in its own order and stops at `limit`, so neither sorts
/// every event.
pub fn list_events(db: &Db, filter: &str, now_ms: i64, limit: usize) -> Result<Vec<Event>> {
    let matching = if filter.is_empty() { "" } else { "AND instr(lower(name), lower(?1)) > 0" };
    let mut out = Vec::new();
    for (when, order) in [("starts_at > ?3", "starts_at, name"), ("starts_at <= ?3", "starts_at DESC, name")] {
        let left = limit.saturating_sub(out.len());
        if left == 0 {
            break;
        }
        let sql = format!("SELECT {EVENT_COLS} FROM events WHERE {when} {matching} ORDER BY {order} LIMIT ?2");
        db.for_each(&sql, db::args![filter, left as i64, now_ms], |r| {
            out.push(event_row(r)?);
            Ok(())
        })?;
    }
    Ok(out)
}

pub fn count_events(db: &Db) -> Result<i64> {
    db.query_one("SELECT count(*) FROM events", db::args![], |r| r.get(0))
}

/// Moves `delta` seats into (+) or out of (−) the free pool, only if the
/// result stays within 0..=total. Returns whether it moved.
pub fn adjust_available(db: &Db, event_id: &str, delta: i64) -> Result<bool> {
    let n = db.execute(
        "UPDATE events SET available = available + ?2
         WHERE id = ?1 AND available + ?2 BETWEEN 0 AND total",
        db::args![event_id, delta],
    )?;
    Ok(n == 1)
}

pub fn set_available(db: &Db, event_id: &str, available: i64) -> Result<()> {
    db.execute("UPDATE events SET available = ?2 WHERE id = ?1", db::args![event_id, available])?;
    Ok(())
}

fn customer_row(r: &Row<'_>) -> Result<Customer> {
    Ok(Customer { id: r.get(0)?, name: r.get(1)?, email: r.get(2)?, phone: r.get(3)? })
}

pub fn insert_customer(db: &Db, c: &Customer, now_ms: i64) -> Result<()> {
    db.execute(
        "INSERT INTO customers (id, name, email, phone, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        db::args![c.id, c.name, c.email, c.phone, now_ms],
    )?;
    Ok(())
}

pub fn get_customer(db: &Db, id: &str) -> Result<Option<Customer>> {
    db.query_opt("SELECT id, name, email, phone FROM customers WHERE id = ?1", db::args![id], customer_row)
}

/// The customer with this email or this phone (normalised), if any; the
/// email's match first. (A `CASE`, not `(email = ?1) DESC`: PostgreSQL sorts
/// that comparison's NULL first in descending order, SQLite last.)
pub fn find_customer(db: &Db, email: Option<&str>, phone: Option<&str>) -> Result<Option<Customer>> {
    db.query_opt(
        "SELECT id, name, email, phone FROM customers
         WHERE (?1 IS NOT NULL AND email = ?1) OR (?2 IS NOT NULL AND phone = ?2)
         ORDER BY CASE WHEN email = ?1 THEN 0 ELSE 1 END LIMIT 1",
        db::args![email, phone],
        customer_row,
    )
}

/// The FTS5 query of `customer_words` for a search's readings: every word at
/// the start of a word of the name or email; the phone's digits at the start
/// of an ending of a phone (anywhere in it); or a whole stored number equal to
/// an ending of the typed one. None when nothing can match.
pub fn customer_match(s: &SearchText) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(w) = words_match(&s.words) {
        parts.push(format!("{{name email}} : ({w})"));
    }
    if let Some(d) = &s.phone {
        parts.push(format!("phone : \"{d}\"*"));
        let endings = s.phone_endings();
        if !endings.is_empty() {
            let any: Vec<String> = endings.iter().map(|e| format!("\"{e}\"")).collect();
            parts.push(format!("number : ({})", any.join(" OR ")));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" OR "))
}

/// The FTS5 query of `event_words`: every word at the start of a word of the name.
pub fn event_match(s: &SearchText) -> Option<String> {
    words_match(&s.words)
}

/// Each word as a phrase whose last token is a prefix (`priya.sh` is "priya"
/// then a word starting "sh"), all of them required. Quotes are doubled, so
/// nothing typed is FTS5 syntax.
fn words_match(words: &[String]) -> Option<String> {
    let phrases: Vec<String> = words.iter().map(|w| format!("\"{}\"*", w.replace('"', "\"\""))).collect();
    (!phrases.is_empty()).then(|| phrases.join(" AND "))
}

/// The arguments of step 10's `words_query(words)` and `phone_query(phone,
/// endings)` on PostgreSQL for a search's readings: the words separated by
/// single spaces, the phone's digits, the typed phone's endings separated by
/// spaces (each None when there is no such reading). The same readings as
/// [`customer_match`] and [`event_match`] give FTS5.
pub fn pg_search(s: &SearchText) -> (Option<String>, Option<String>, Option<String>) {
    let words = (!s.words.is_empty()).then(|| s.words.join(" "));
    let endings = s.phone_endings();
    (words, s.phone.clone(), (!endings.is_empty()).then(|| endings.join(" ")))
}

/// Customers matching a search (see `domain::search`), by name: SQLite's
/// FTS5 word index, or PostgreSQL's `customers_by_words` and
/// `customers_by_phone` (step 10), which read text the same way.
pub fn search_customers(db: &Db, text: &str, limit: usize) -> Result<Vec<Customer>> {
    let search = SearchText::parse(text);
    let Some(query) = customer_match(&search) else { return Ok(Vec::new()) };
    match db.backend() {
        db::Backend::Sqlite => db.query_all(
            "SELECT c.id, c.name, c.email, c.phone FROM customer_words w
             JOIN search_keys k ON k.n = w.rowid JOIN customers c ON c.id = k.ref
             WHERE customer_words MATCH ?1 ORDER BY c.name, c.id LIMIT ?2",
            db::args![query, limit as i64],
            customer_row,
        ),
        db::Backend::Postgres => {
            let (words, phone, endings) = pg_search(&search);
            db.query_all(
                "SELECT id, name, email, phone FROM customers
                 WHERE customer_words(name, email) @@ words_query(?1) OR customer_phone(phone) @@ phone_query(?2, ?3)
                 ORDER BY name, id LIMIT ?4",
                db::args![words, phone, endings, limit as i64],
                customer_row,
            )
        }
    }
}
