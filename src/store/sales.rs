//! SQL for the sale itself: holds and their seats, bookings, payment attempts,
//! idempotency records and refunds.

use crate::clock::{from_millis, to_millis};
use crate::domain::search::SHORT_ID;
use crate::domain::{
    Booking, BookingFilter, BookingStatus, Hold, HoldStatus, IdempotencyScope, PaymentAttempt, Refund, RefundStatus,
    SearchText, SeatState,
};
use crate::error::Result;
use crate::store::catalog;
use crate::store::db::{self, Db, Row};
use rusqlite::Connection;

// ---- holds -----------------------------------------------------------------

/// The event a hold is for (never changes): what a write on the hold locks.
pub fn event_of_hold(db: &Db, hold_id: &str) -> Result<Option<String>> {
    db.query_opt("SELECT event_id FROM holds WHERE id = ?1", db::args![hold_id], |r| r.get(0))
}

/// The event a booking is for (never changes): what a write on it locks.
pub fn event_of_booking(db: &Db, booking_id: &str) -> Result<Option<String>> {
    db.query_opt("SELECT event_id FROM bookings WHERE id = ?1", db::args![booking_id], |r| r.get(0))
}

const HOLD_COLS: &str =
    "id, event_id, seats, status, correlation_id, actor, created_at, expires_at, extensions, clerk_id";

fn hold_row(r: &Row<'_>) -> Result<Hold> {
    Ok(Hold {
        id: r.get(0)?,
        event_id: r.get(1)?,
        seats: r.get(2)?,
        labels: Vec::new(),
        status: r.get(3)?,
        correlation_id: r.get(4)?,
        actor: r.get(5)?,
        created_at: from_millis(r.get(6)?),
        expires_at: from_millis(r.get(7)?),
        extensions: r.get(8)?,
        clerk_id: r.get(9)?,
    })
}

pub fn insert_hold(db: &Db, h: &Hold) -> Result<()> {
    db.execute(
        "INSERT INTO holds (id, event_id, seats, status, correlation_id, actor, created_at, expires_at, updated_at,
                            clerk_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?9)",
        db::args![
            h.id,
            h.event_id,
            h.seats,
            h.status,
            h.correlation_id,
            h.actor,
            to_millis(h.created_at),
            to_millis(h.expires_at),
            h.clerk_id
        ],
    )?;
    Ok(())
}

/// Writes the labels a hold owns. Fails with a constraint error if another
/// live hold or booking owns one of them (the unique index says no).
pub fn insert_hold_seats(db: &Db, hold_id: &str, event_id: &str, labels: &[String]) -> Result<()> {
    for label in labels {
        db.execute(
            "INSERT INTO hold_seats (hold_id, event_id, label, live) VALUES (?1, ?2, ?3, 1)",
            db::args![hold_id, event_id, label],
        )?;
    }
    Ok(())
}

/// Frees (live = 0) one label a hold owned (recovery of a seat left marked).
pub fn free_seat(db: &Db, hold_id: &str, label: &str) -> Result<()> {
    db.execute("UPDATE hold_seats SET live = 0 WHERE hold_id = ?1 AND label = ?2", db::args![hold_id, label])?;
    Ok(())
}

/// Frees (live = 0) the labels a hold owned.
pub fn free_hold_seats(db: &Db, hold_id: &str) -> Result<()> {
    db.execute("UPDATE hold_seats SET live = 0 WHERE hold_id = ?1 AND live = 1", db::args![hold_id])?;
    Ok(())
}

pub fn hold_labels(db: &Db, hold_id: &str) -> Result<Vec<String>> {
    let mut labels: Vec<String> =
        db.query_all("SELECT label FROM hold_seats WHERE hold_id = ?1", db::args![hold_id], |r| r.get(0))?;
    labels.sort_by_key(|a| label_order(a));
    Ok(labels)
}

fn label_order(label: &str) -> (String, u32) {
    let (row, num) = label.split_at(label.find(|c: char| c.is_ascii_digit()).unwrap_or(label.len()));
    (row.to_string(), num.parse().unwrap_or(0))
}

pub fn get_hold(db: &Db, id: &str) -> Result<Option<Hold>> {
    match get_hold_without_labels(db, id)? {
        Some(mut h) => {
            h.labels = hold_labels(db, &h.id)?;
            Ok(Some(h))
        }
        None => Ok(None),
    }
}

/// A hold with `labels` left empty: one query instead of two, for the
/// operations that only move a hold's state and seat count (seat labels are
/// freed by hold id). Never hand the result to a caller that shows labels.
pub fn get_hold_without_labels(db: &Db, id: &str) -> Result<Option<Hold>> {
    let sql = format!("SELECT {HOLD_COLS} FROM holds WHERE id = ?1");
    db.query_opt(&sql, db::args![id], hold_row)
}

/// Moves a hold from `from` to `to`; false if it was not in `from`.
pub fn set_hold_status(db: &Db, id: &str, from: HoldStatus, to: HoldStatus, now_ms: i64) -> Result<bool> {
    let n = db.execute(
        "UPDATE holds SET status = ?3, updated_at = ?4 WHERE id = ?1 AND status = ?2",
        db::args![id, from, to, now_ms],
    )?;
    Ok(n == 1)
}

/// Moves an ACTIVE hold's deadline to `to` and counts the extension; false
/// if the hold is no longer ACTIVE with `extensions` made so far.
pub fn extend_hold(db: &Db, id: &str, extensions: u32, to: i64, now_ms: i64) -> Result<bool> {
    let n = db.execute(
        "UPDATE holds SET expires_at = ?3, extensions = extensions + 1, updated_at = ?4
             WHERE id = ?1 AND status = 'ACTIVE' AND extensions = ?2",
        db::args![id, extensions, to, now_ms],
    )?;
    Ok(n == 1)
}

/// One extension of a hold, as `hold_extensions` keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub id: String,
    pub hold_id: String,
    pub n: u32,
}

pub fn insert_extension(
    db: &Db,
    e: &Extension,
    key: Option<&str>,
    from_ms: i64,
    to_ms: i64,
    now_ms: i64,
) -> Result<()> {
    db.execute(
        "INSERT INTO hold_extensions (id, hold_id, n, idempotency_key, from_expires_at, to_expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        db::args![e.id, e.hold_id, e.n, key, from_ms, to_ms, now_ms],
    )?;
    Ok(())
}

/// The extension made with this idempotency key, if any.
pub fn extension_by_key(db: &Db, key: &str) -> Result<Option<Extension>> {
    db.query_opt("SELECT id, hold_id, n FROM hold_extensions WHERE idempotency_key = ?1", db::args![key], |r| {
        Ok(Extension { id: r.get(0)?, hold_id: r.get(1)?, n: r.get(2)? })
    })
}

/// ACTIVE holds past their deadline that have no booking awaiting payment
/// (such a booking's own deadline decides).
/// ACTIVE holds past their deadline with no booking awaiting payment; with
/// `made_by`, only holds that actor made (a script on a shared file sweeps
/// only its own sales).
pub fn due_holds(db: &Db, now_ms: i64, limit: usize, made_by: Option<&str>) -> Result<Vec<Hold>> {
    let sql = format!(
        "SELECT {HOLD_COLS} FROM holds h WHERE status = 'ACTIVE' AND expires_at <= ?1
         AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.hold_id = h.id AND b.status = 'PAYMENT_PENDING')
         AND (?3 IS NULL OR h.actor = ?3)
         ORDER BY expires_at LIMIT ?2"
    );
    db.query_all(&sql, db::args![now_ms, limit as i64, made_by], hold_row)
}

/// Every label of an event that a live hold or confirmed booking owns.
pub fn seat_owners(db: &Db, event_id: &str) -> Result<Vec<(String, SeatState)>> {
    db.query_all(
        "SELECT s.label, h.status FROM hold_seats s JOIN holds h ON h.id = s.hold_id
         WHERE s.event_id = ?1 AND s.live = 1",
        db::args![event_id],
        |r| {
            let status: HoldStatus = r.get(1)?;
            Ok((r.get(0)?, if status.is_live() { SeatState::Held } else { SeatState::Sold }))
        },
    )
}

/// Seats of an event in ACTIVE holds and in CONFIRMED bookings.
pub fn seats_owned(db: &Db, event_id: &str) -> Result<(i64, i64)> {
    let held: i64 = db.query_one(
        "SELECT coalesce(sum(seats), 0) FROM holds WHERE event_id = ?1 AND status = 'ACTIVE'",
        db::args![event_id],
        |r| r.get(0),
    )?;
    let sold: i64 = db.query_one(
        "SELECT coalesce(sum(seats), 0) FROM bookings WHERE event_id = ?1 AND status = 'CONFIRMED'",
        db::args![event_id],
        |r| r.get(0),
    )?;
    Ok((held, sold))
}

/// Active holds of one event, soonest deadline first.
pub fn active_holds(db: &Db, event_id: &str) -> Result<Vec<Hold>> {
    let sql = format!("SELECT {HOLD_COLS} FROM holds WHERE event_id = ?1 AND status = 'ACTIVE' ORDER BY expires_at");
    db.query_all(&sql, db::args![event_id], hold_row)
}

// ---- bookings --------------------------------------------------------------

const BOOKING_COLS: &str = "id, hold_id, event_id, customer_id, seats, amount, currency, status, correlation_id, \
                            created_at, payment_expires_at, updated_at, clerk_id";
/// [`BOOKING_COLS`] of the table aliased `b`.
const BOOKING_COLS_B: &str = "b.id, b.hold_id, b.event_id, b.customer_id, b.seats, b.amount, b.currency, b.status, \
                              b.correlation_id, b.created_at, b.payment_expires_at, b.updated_at, b.clerk_id";

fn booking_row(r: &Row<'_>) -> Result<Booking> {
    Ok(Booking {
        id: r.get(0)?,
        hold_id: r.get(1)?,
        event_id: r.get(2)?,
        customer_id: r.get(3)?,
        seats: r.get(4)?,
        amount: r.get(5)?,
        currency: r.get(6)?,
        status: r.get(7)?,
        correlation_id: r.get(8)?,
        created_at: from_millis(r.get(9)?),
        payment_expires_at: from_millis(r.get(10)?),
        updated_at: from_millis(r.get(11)?),
        clerk_id: r.get(12)?,
    })
}

pub fn insert_booking(db: &Db, b: &Booking) -> Result<()> {
    db.execute(
        "INSERT INTO bookings (id, hold_id, event_id, customer_id, seats, amount, currency, status, correlation_id,
                               created_at, payment_expires_at, updated_at, clerk_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        db::args![
            b.id,
            b.hold_id,
            b.event_id,
            b.customer_id,
            b.seats,
            b.amount,
            b.currency,
            b.status,
            b.correlation_id,
            to_millis(b.created_at),
            to_millis(b.payment_expires_at),
            to_millis(b.updated_at),
            b.clerk_id
        ],
    )?;
    Ok(())
}

pub fn get_booking(db: &Db, id: &str) -> Result<Option<Booking>> {
    let sql = format!("SELECT {BOOKING_COLS} FROM bookings WHERE id = ?1");
    db.query_opt(&sql, db::args![id], booking_row)
}

pub fn booking_for_hold(db: &Db, hold_id: &str) -> Result<Option<Booking>> {
    let sql = format!("SELECT {BOOKING_COLS} FROM bookings WHERE hold_id = ?1");
    db.query_opt(&sql, db::args![hold_id], booking_row)
}

pub fn set_booking_status(db: &Db, id: &str, from: BookingStatus, to: BookingStatus, now_ms: i64) -> Result<bool> {
    let n = db.execute(
        "UPDATE bookings SET status = ?3, updated_at = ?4 WHERE id = ?1 AND status = ?2",
        db::args![id, from, to, now_ms],
    )?;
    Ok(n == 1)
}

/// PAYMENT_PENDING bookings past their deadline; with `made_by`, only those
/// whose hold that actor made.
pub fn due_bookings(db: &Db, now_ms: i64, limit: usize, made_by: Option<&str>) -> Result<Vec<Booking>> {
    let sql = format!(
        "SELECT {BOOKING_COLS} FROM bookings WHERE status = 'PAYMENT_PENDING' AND payment_expires_at <= ?1
         AND (?3 IS NULL OR EXISTS (SELECT 1 FROM holds h WHERE h.id = bookings.hold_id AND h.actor = ?3))
         ORDER BY payment_expires_at LIMIT ?2"
    );
    db.query_all(&sql, db::args![now_ms, limit as i64, made_by], booking_row)
}

/// Bookings newest first, with the customer's and event's names for display.
///
/// A search (see `domain::search`) matches a booking by its customer (the
/// `customer_words` index), its event (`event_words`) or its id (the primary
/// key, `bookings_by_short_id`, `bookings_by_id_end`). Only the filters in use
/// go into the SQL (a `?1 IS NULL OR …` clause keeps SQLite off its indexes).
/// Then one of two plans, whichever [`Plan::choose`] expects to read less:
/// - [`Plan::Gather`] (a few hundred customers match, say): each way by its
///   index, only bookings made since a moment chosen to hold about twice
///   `limit` matches (moved back if it held too few), the newest `limit` kept;
/// - [`Plan::Walk`] (a letter or two typed: thousands match): the bookings
///   newest first, kept while they match, which stops after about
///   `limit ÷ share matching` rows; the matching customers and events are
///   never listed, only their search keys.
pub fn list_bookings(db: &Db, f: &BookingFilter) -> Result<Vec<(Booking, String, String)>> {
    list_bookings_by(db, f, None)
}

/// How a search's bookings are read (see [`list_bookings`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    Gather,
    Walk,
}

/// Most matches counted of each way; a way that reaches it means [`Plan::Walk`].
const COUNT_CAP: i64 = 20_000;

impl Plan {
    /// Reading a match by index costs about a row; walking reads about
    /// `limit ÷ share` bookings at some four rows' cost each (the row and
    /// two key lookups). `matches` estimates the bookings that match.
    fn choose(counted: &Counted, limit: i64, bookings: i64) -> Plan {
        if counted.capped {
            return Plan::Walk;
        }
        let gather = 2 * (counted.customers + counted.events) + counted.ids + 2 * limit;
        let walk = 4 * limit * bookings.max(1) / counted.matches.max(1);
        if gather <= walk { Plan::Gather } else { Plan::Walk }
    }
}

/// A search's matches counted way by way (each up to [`COUNT_CAP`]), and the
/// bookings they add up to: a customer's or an event's share of all bookings each.
#[derive(Debug, Default)]
struct Counted {
    customers: i64,
    events: i64,
    ids: i64,
    matches: i64,
    capped: bool,
}

/// [`booking_row`] inside rusqlite's own row callbacks (the bookings list:
/// SQLite's alone for now).
fn booking_row_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<Booking> {
    booking_row(&Row::sqlite(r)).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// [`list_bookings`] with the plan forced (tests check that both give the
/// same rows) or chosen (`None`).
pub(crate) fn list_bookings_by(
    db: &Db,
    f: &BookingFilter,
    plan: Option<Plan>,
) -> Result<Vec<(Booking, String, String)>> {
    use rusqlite::ToSql;
    let conn = match db {
        Db::Sqlite(conn) => conn,
        Db::Pg(_) => return list_bookings_pg(db, f),
    };
    let limit = if f.limit == 0 { 500 } else { f.limit } as i64;
    let mut args: Vec<(&str, &dyn ToSql)> = vec![(":limit", &limit)];
    let mut conds = Vec::new();
    if let Some(status) = &f.status {
        conds.push("{b}.status = :status");
        args.push((":status", status));
    }
    if let Some(event_id) = &f.event_id {
        conds.push("{b}.event_id = :event");
        args.push((":event", event_id));
    }
    let filters = |b: &str| conds.iter().map(|c| format!(" AND {}", c.replace("{b}", b))).collect::<String>();
    let search = SearchText::parse(&f.search);
    let customers = catalog::customer_match(&search);
    let events = catalog::event_match(&search);
    if let Some(q) = &customers {
        args.push((":customers", q));
    }
    if let Some(q) = &events {
        args.push((":events", q));
    }
    // The booking id ways, each a condition on `{b}` that one index serves; a
    // start is a range up to the text followed by the highest code point.
    let id = search.id.as_deref().unwrap_or_default();
    let id_end: String = id.chars().rev().take(SHORT_ID).collect();
    let id_last: String = id.chars().skip(id.len().saturating_sub(SHORT_ID)).collect();
    let mut id_ways: Vec<String> = Vec::new();
    if !id.is_empty() {
        id_ways.push("({b}.id >= :id AND {b}.id < :id || char(1114111))".into());
        if id.len() <= SHORT_ID {
            id_ways.push("(substr({b}.id, -8) >= :id AND substr({b}.id, -8) < :id || char(1114111))".into());
            id_ways.push(format!("({ID_END} >= :id_end AND {ID_END} < :id_end || char(1114111))"));
            args.push((":id_end", &id_end));
        } else {
            id_ways.push("(substr({b}.id, -8) = :id_last AND substr({b}.id, -length(:id)) = :id)".into());
            args.push((":id_last", &id_last));
        }
        args.push((":id", &id));
    }
    let read = |matching: &str, args: &[(&str, &dyn ToSql)]| -> Result<Vec<(Booking, String, String)>> {
        let sql = format!(
            "SELECT {BOOKING_COLS_B}, c.name, e.name FROM bookings b
             JOIN customers c ON c.id = b.customer_id JOIN events e ON e.id = b.event_id
             WHERE 1{}{matching} ORDER BY b.created_at DESC, b.id DESC LIMIT :limit",
            filters("b")
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(args, |r| Ok((booking_row_sqlite(r)?, r.get(13)?, r.get(14)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    // Blank text, or punctuation alone, filters nothing.
    if customers.is_none() && events.is_none() && id_ways.is_empty() {
        return read("", &args);
    }
    let bookings: i64 =
        conn.prepare_cached("SELECT coalesce(max(rowid), 0) FROM bookings")?.query_row([], |r| r.get(0))?;
    let counted = count_matches(conn, &customers, &events, &id_ways, &args, bookings)?;
    match plan.unwrap_or_else(|| Plan::choose(&counted, limit, bookings)) {
        Plan::Walk => {
            // The matching customers' and events' search keys, sorted (FTS5
            // gives them in rowid order): a binary search per booking walked.
            let keys = |sql: &str, q: &Option<String>| -> Result<Option<Vec<i64>>> {
                if q.is_none() {
                    return Ok(None);
                }
                let mut stmt = conn.prepare_cached(sql)?;
                super::bind_named(&mut stmt, &args)?;
                let mut keys = Vec::new();
                let mut rows = stmt.raw_query();
                while let Some(r) = rows.next()? {
                    keys.push(r.get::<_, i64>(0)?);
                }
                keys.sort_unstable();
                Ok(Some(keys))
            };
            // A way that matches nothing is left out of the walk (no key lookups for it).
            let people = keys(CUSTOMER_KEYS, &customers)?.filter(|k| !k.is_empty());
            let shows = keys(EVENT_KEYS, &events)?.filter(|k| !k.is_empty());
            let has = |keys: &Option<Vec<i64>>, key: Option<i64>| matches!((keys, key), (Some(keys), Some(key)) if keys.binary_search(&key).is_ok());
            // The same ends as `id_ways`: the id's start, its short id's start, its end.
            let id_matches = |b: &str| {
                !id.is_empty()
                    && (b.starts_with(id)
                        || (id.len() <= SHORT_ID && crate::ids::short(b).starts_with(id))
                        || b.ends_with(id))
            };
            let key = |keys: &Option<Vec<i64>>, col: &str| match keys {
                Some(_) => format!("(SELECT k.n FROM search_keys k WHERE k.ref = b.{col})"),
                None => "NULL".to_string(),
            };
            let sql = format!(
                "SELECT b.rowid, b.id, {}, {} FROM bookings b WHERE 1{} ORDER BY b.created_at DESC, b.id DESC",
                key(&people, "customer_id"),
                key(&shows, "event_id"),
                filters("b")
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            super::bind_named(&mut stmt, &args)?;
            let mut found: Vec<i64> = Vec::new();
            let mut rows = stmt.raw_query();
            while (found.len() as i64) < limit
                && let Some(r) = rows.next()?
            {
                let id: String = r.get(1)?;
                if has(&people, r.get(2)?) || has(&shows, r.get(3)?) || id_matches(&id) {
                    found.push(r.get(0)?);
                }
            }
            drop(rows);
            let mut one = conn.prepare_cached(&format!(
                "SELECT {BOOKING_COLS_B}, c.name, e.name FROM bookings b
                 JOIN customers c ON c.id = b.customer_id JOIN events e ON e.id = b.event_id WHERE b.rowid = ?1"
            ))?;
            found
                .into_iter()
                .map(|rowid| Ok(one.query_row([rowid], |r| Ok((booking_row_sqlite(r)?, r.get(13)?, r.get(14)?)))?))
                .collect()
        }
        Plan::Gather => {
            let mut ways: Vec<String> = Vec::new();
            if customers.is_some() {
                ways.push(format!("x.customer_id IN ({CUSTOMER_IDS})"));
            }
            if events.is_some() {
                ways.push(format!("x.event_id IN ({EVENT_IDS})"));
            }
            ways.extend(id_ways.iter().map(|w| w.replace("{b}", "x")));
            let each: Vec<String> = ways
                .iter()
                .map(|w| {
                    format!(
                        "SELECT x.rowid, x.created_at, x.id FROM bookings x WHERE {w} AND x.created_at >= :since{}",
                        filters("x")
                    )
                })
                .collect();
            let matching = format!(
                " AND b.rowid IN (SELECT rowid FROM ({}) ORDER BY created_at DESC, id DESC LIMIT :limit)",
                each.join(" UNION ")
            );
            // Since when the matches are likely `2 × limit`, if bookings were
            // made evenly over time; further back while that finds too few.
            let (first, last): (Option<i64>, Option<i64>) = conn
                // Two subqueries: SQLite reads a lone min() or max() from the index end.
                .prepare_cached(
                    "SELECT (SELECT min(created_at) FROM bookings), (SELECT max(created_at) FROM bookings)",
                )?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let (first, last) = (first.unwrap_or(0), last.unwrap_or(0));
            let mut share = 2.0 * limit as f64 / counted.matches.max(1) as f64;
            loop {
                let since = if share >= 1.0 { i64::MIN } else { last - (share * (last - first) as f64) as i64 };
                let mut with_since = args.clone();
                with_since.push((":since", &since));
                let rows = read(&matching, &with_since)?;
                if rows.len() as i64 >= limit || since == i64::MIN {
                    return Ok(rows);
                }
                share *= 8.0;
            }
        }
    }
}

/// Adds a parameter; its placeholder.
fn push<'a>(args: &mut Vec<db::Param<'a>>, p: db::Param<'a>) -> String {
    args.push(p);
    format!("?{}", args.len())
}

/// [`list_bookings`] on PostgreSQL: its planner picks among the ways' indexes
/// (step 10's `customers_by_words`, `customers_by_phone` and `events_by_words` through
/// `bookings_by_customer` and `bookings_by_event_time`; step 6's id
/// indexes), so one statement gathers the newest `limit` of each way and
/// keeps the newest `limit` of them, the same rows as SQLite's plans.
fn list_bookings_pg(db: &Db, f: &BookingFilter) -> Result<Vec<(Booking, String, String)>> {
    let limit = if f.limit == 0 { 500 } else { f.limit } as i64;
    let search = SearchText::parse(&f.search);
    let (words, phone, endings) = catalog::pg_search(&search);
    let id = search.id.as_deref().unwrap_or_default();
    let id_end: String = id.chars().rev().take(SHORT_ID).collect();
    let id_last: String = id.chars().skip(id.len().saturating_sub(SHORT_ID)).collect();
    let id_len = id.chars().count() as i64;
    let status = f.status.map(|s| s.as_str());
    // Numbered as they are used: a parameter PostgreSQL never sees in the SQL has no type.
    let mut args: Vec<db::Param<'_>> = vec![db::Param::Int(limit)];
    let mut filters = String::new();
    if let Some(status) = status {
        filters.push_str(&format!(" AND x.status = {}", push(&mut args, db::Param::Text(status))));
    }
    if let Some(event_id) = &f.event_id {
        filters.push_str(&format!(" AND x.event_id = {}", push(&mut args, db::Param::Text(event_id))));
    }
    let mut ways: Vec<String> = Vec::new();
    if catalog::customer_match(&search).is_some() {
        let (w, p, e) = (
            push(&mut args, words.as_deref().map_or(db::Param::Null, db::Param::Text)),
            push(&mut args, phone.as_deref().map_or(db::Param::Null, db::Param::Text)),
            push(&mut args, endings.as_deref().map_or(db::Param::Null, db::Param::Text)),
        );
        ways.push(format!(
            "x.customer_id IN (SELECT id FROM customers
                               WHERE customer_words(name, email) @@ words_query({w})
                                  OR customer_phone(phone) @@ phone_query({p}, {e}))"
        ));
    }
    if let (Some(w), Some(_)) = (&words, catalog::event_match(&search)) {
        let w = push(&mut args, db::Param::Text(w));
        ways.push(format!("x.event_id IN (SELECT id FROM events WHERE event_words(name) @@ words_query({w}))"));
    }
    if !id.is_empty() {
        let i = push(&mut args, db::Param::Text(id));
        // A start is a range up to the text followed by the highest code point (text compares byte by byte).
        ways.push(format!("(x.id >= {i} AND x.id < {i} || chr(1114111))"));
        if id.len() <= SHORT_ID {
            let end = push(&mut args, db::Param::Text(&id_end));
            ways.push(format!("(right(x.id, 8) >= {i} AND right(x.id, 8) < {i} || chr(1114111))"));
            ways.push(format!(
                "(reverse(right(x.id, 8)) >= {end} AND reverse(right(x.id, 8)) < {end} || chr(1114111))"
            ));
        } else {
            let (last, n) = (push(&mut args, db::Param::Text(&id_last)), push(&mut args, db::Param::Int(id_len)));
            ways.push(format!("(right(x.id, 8) = {last} AND right(x.id, CAST({n} AS integer)) = {i})"));
        }
    }
    let read = |matching: &str| {
        format!(
            "SELECT {BOOKING_COLS_B}, c.name, e.name FROM bookings b
             JOIN customers c ON c.id = b.customer_id JOIN events e ON e.id = b.event_id
             WHERE {matching} ORDER BY b.created_at DESC, b.id DESC LIMIT ?1"
        )
    };
    // Blank text, or punctuation alone, filters nothing.
    let sql = if ways.is_empty() {
        read(&format!("true{}", filters.replace("x.", "b.")))
    } else {
        let each: Vec<String> = ways
            .iter()
            .map(|w| {
                format!(
                    "(SELECT x.id, x.created_at FROM bookings x WHERE {w}{filters}
                      ORDER BY x.created_at DESC, x.id DESC LIMIT ?1)"
                )
            })
            .collect();
        read(&format!(
            "b.id IN (SELECT m.id FROM ({}) AS m ORDER BY m.created_at DESC, m.id DESC LIMIT ?1)",
            each.join(" UNION ")
        ))
    };
    db.query_all(&sql, &args, |r| Ok((booking_row(r)?, r.get(13)?, r.get(14)?)))
}

/// Search keys of the customers a `customer_words` query (`:customers`) matches.
const CUSTOMER_KEYS: &str = "SELECT rowid FROM customer_words WHERE customer_words MATCH :customers";
/// Search keys of the events an `event_words` query (`:events`) matches.
const EVENT_KEYS: &str = "SELECT rowid FROM event_words WHERE event_words MATCH :events";
/// Ids of the customers a `customer_words` query matches.
const CUSTOMER_IDS: &str =
    "SELECT k.ref FROM customer_words w JOIN search_keys k ON k.n = w.rowid WHERE customer_words MATCH :customers";
/// Ids of the events an `event_words` query matches.
const EVENT_IDS: &str =
    "SELECT k.ref FROM event_words w JOIN search_keys k ON k.n = w.rowid WHERE event_words MATCH :events";
/// A booking id's last 8 characters backwards: the expression `bookings_by_id_end` indexes.
const ID_END: &str = "(substr({b}.id, -1, 1) || substr({b}.id, -2, 1) || substr({b}.id, -3, 1) || substr({b}.id, -4, 1) \
                      || substr({b}.id, -5, 1) || substr({b}.id, -6, 1) || substr({b}.id, -7, 1) || substr({b}.id, -8, 1))";

/// Counts a search's matching customers, events and booking ids (each up to
/// [`COUNT_CAP`]) and estimates the bookings they match from the file's
/// bookings per customer and per event (highest rowids: no table scan).
fn count_matches(
    conn: &Connection,
    customers: &Option<String>,
    events: &Option<String>,
    id_ways: &[String],
    args: &[(&str, &dyn rusqlite::ToSql)],
    bookings: i64,
) -> Result<Counted> {
    let (people, shows): (i64, i64) = conn
        .prepare_cached(
            "SELECT (SELECT coalesce(max(rowid), 0) FROM customers), (SELECT coalesce(max(rowid), 0) FROM events)",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let count = |from: String| -> Result<i64> {
        let mut stmt = conn.prepare_cached(&format!("SELECT count(*) FROM ({from} LIMIT :cap)"))?;
        super::bind_named(&mut stmt, args)?;
        super::bind_named(&mut stmt, &[(":cap", &COUNT_CAP)])?;
        let mut rows = stmt.raw_query();
        Ok(rows.next()?.map(|r| r.get(0)).transpose()?.unwrap_or(0))
    };
    // A way that reaches the cap settles the plan (a walk): the ways after it
    // are not counted (on a letter or a digit typed, each is thousands of rows).
    let mut c = Counted::default();
    if customers.is_some() {
        c.customers = count(CUSTOMER_KEYS.to_string())?;
    }
    if events.is_some() && c.customers < COUNT_CAP {
        c.events = count(EVENT_KEYS.to_string())?;
    }
    if !id_ways.is_empty() && c.customers.max(c.events) < COUNT_CAP {
        let each: Vec<String> =
            id_ways.iter().map(|w| format!("SELECT x.rowid FROM bookings x WHERE {}", w.replace("{b}", "x"))).collect();
        // UNION ALL: an id matched two ways counts twice, but nothing is
        // gathered to drop duplicates before the cap stops the count.
        c.ids = count(each.join(" UNION ALL "))?;
    }
    c.capped = [c.customers, c.events, c.ids].contains(&COUNT_CAP);
    c.matches = c.customers * (bookings / people.max(1)).max(1) + c.events * (bookings / shows.max(1)).max(1) + c.ids;
    Ok(c)
}

// ---- payments and idempotency ---------------------------------------------

const ATTEMPT_COLS: &str = "id, booking_id, idempotency_key, outcome, amount, transaction_id, created_at, method, shift_id, tendered, change_given";

fn attempt_row(r: &Row<'_>) -> Result<PaymentAttempt> {
    Ok(PaymentAttempt {
        id: r.get(0)?,
        booking_id: r.get(1)?,
        idempotency_key: r.get(2)?,
        outcome: r.get(3)?,
        amount: r.get(4)?,
        transaction_id: r.get(5)?,
        created_at: from_millis(r.get(6)?),
        method: r.get(7)?,
        shift_id: r.get(8)?,
        tendered: r.get(9)?,
        change: r.get(10)?,
    })
}

pub fn insert_attempt(db: &Db, a: &PaymentAttempt) -> Result<()> {
    db.execute(
        "INSERT INTO payment_attempts (id, booking_id, idempotency_key, outcome, amount, transaction_id, created_at,
                                       method, shift_id, tendered, change_given)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        db::args![
            a.id,
            a.booking_id,
            a.idempotency_key,
            a.outcome,
            a.amount,
            a.transaction_id,
            to_millis(a.created_at),
            a.method,
            a.shift_id,
            a.tendered,
            a.change
        ],
    )?;
    Ok(())
}

pub fn get_attempt(db: &Db, id: &str) -> Result<Option<PaymentAttempt>> {
    let sql = format!("SELECT {ATTEMPT_COLS} FROM payment_attempts WHERE id = ?1");
    db.query_opt(&sql, db::args![id], attempt_row)
}

/// The attempt made with this idempotency key, if any. Payment keys are
/// unique on the attempts table for ever, so this outlives the 24 h record.
pub fn attempt_by_key(db: &Db, key: &str) -> Result<Option<PaymentAttempt>> {
    let sql = format!("SELECT {ATTEMPT_COLS} FROM payment_attempts WHERE idempotency_key = ?1");
    db.query_opt(&sql, db::args![key], attempt_row)
}

pub fn attempts_for(db: &Db, booking_id: &str) -> Result<Vec<PaymentAttempt>> {
    let sql = format!("SELECT {ATTEMPT_COLS} FROM payment_attempts WHERE booking_id = ?1 ORDER BY created_at, id");
    db.query_all(&sql, db::args![booking_id], attempt_row)
}

/// The entity a key already produced in this scope, if any.
pub fn idempotent(db: &Db, scope: IdempotencyScope, key: &str) -> Result<Option<String>> {
    db.query_opt("SELECT entity_id FROM idempotency_keys WHERE key = ?1 AND scope = ?2", db::args![key, scope], |r| {
        r.get(0)
    })
}

/// Whether a key is stored under any scope (a key reused across scopes is refused).
pub fn idempotency_scope(db: &Db, key: &str) -> Result<Option<IdempotencyScope>> {
    db.query_opt("SELECT scope FROM idempotency_keys WHERE key = ?1", db::args![key], |r| r.get(0))
}

pub fn remember(db: &Db, scope: IdempotencyScope, key: &str, entity_id: &str, now_ms: i64) -> Result<()> {
    db.execute(
        "INSERT INTO idempotency_keys (key, scope, entity_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        db::args![key, scope, entity_id, now_ms],
    )?;
    Ok(())
}

// ---- refunds ---------------------------------------------------------------

const REFUND_COLS: &str = "id, booking_id, kind, original_amount, percent, amount, fee, status, transaction_id, \
                           created_at, completed_at, method, shift_id";

fn refund_row(r: &Row<'_>) -> Result<Refund> {
    Ok(Refund {
        id: r.get(0)?,
        booking_id: r.get(1)?,
        kind: r.get(2)?,
        original_amount: r.get(3)?,
        percent: r.get(4)?,
        amount: r.get(5)?,
        fee: r.get(6)?,
        status: r.get(7)?,
        transaction_id: r.get(8)?,
        created_at: from_millis(r.get(9)?),
        completed_at: r.get::<Option<i64>>(10)?.map(from_millis),
        method: r.get(11)?,
        shift_id: r.get(12)?,
    })
}

pub fn insert_refund(db: &Db, f: &Refund) -> Result<()> {
    db.execute(
        "INSERT INTO refunds (id, booking_id, kind, original_amount, percent, amount, fee, status, transaction_id,
                              created_at, completed_at, method, shift_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        db::args![
            f.id,
            f.booking_id,
            f.kind,
            f.original_amount,
            f.percent,
            f.amount,
            f.fee,
            f.status,
            f.transaction_id,
            to_millis(f.created_at),
            f.completed_at.map(to_millis),
            f.method,
            f.shift_id
        ],
    )?;
    Ok(())
}

pub fn refund_for(db: &Db, booking_id: &str) -> Result<Option<Refund>> {
    let sql = format!("SELECT {REFUND_COLS} FROM refunds WHERE booking_id = ?1");
    db.query_opt(&sql, db::args![booking_id], refund_row)
}

/// INITIATED refunds; with `made_by`, only those of sales whose hold that actor made.
pub fn initiated_refunds(db: &Db, limit: usize, made_by: Option<&str>) -> Result<Vec<Refund>> {
    let sql = format!(
        "SELECT {REFUND_COLS} FROM refunds WHERE status = 'INITIATED'
         AND (?2 IS NULL OR EXISTS (SELECT 1 FROM bookings b JOIN holds h ON h.id = b.hold_id
                                    WHERE b.id = refunds.booking_id AND h.actor = ?2))
         ORDER BY created_at LIMIT ?1"
    );
    db.query_all(&sql, db::args![limit as i64, made_by], refund_row)
}

pub fn complete_refund(db: &Db, id: &str, transaction_id: &str, now_ms: i64) -> Result<bool> {
    let n = db.execute(
        "UPDATE refunds SET status = ?4, transaction_id = ?2, completed_at = ?3 WHERE id = ?1 AND status = ?5",
        db::args![id, transaction_id, now_ms, RefundStatus::Processed, RefundStatus::Initiated],
    )?;
    Ok(n == 1)
}
