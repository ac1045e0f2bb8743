//! SQL for ticket types, booking items, tickets and door scans; the "by
//! type" report; and the Rust part of migration 0004 (`backfill`).

use super::sales;
use crate::clock::{Clock, SystemClock, from_millis, to_millis};
use crate::domain::ticket::{STANDARD, assign_seats};
use crate::domain::{
    Booking, BookingItem, BookingStatus, DoorCounts, ReportFilter, ScanResult, Ticket, TicketCode, TicketCounts,
    TicketStatus, TicketType, TypeSales,
};
use crate::error::{Error, Result};
use crate::ids::IdGen;
use crate::store::db::{self, Db, Row};
use rusqlite::Connection;
use std::collections::HashMap;

/// A count column: SQLite integers are i64; a negative one (a damaged total) reads as 0.
fn count(r: &Row<'_>, i: usize) -> Result<u64> {
    Ok(u64::try_from(r.get::<i64>(i)?).unwrap_or(0))
}

// ---- ticket types ---------------------------------------------------------------

const TYPE_COLS: &str = "id, event_id, name, price, quota, position, retired_at";

fn type_row(r: &Row<'_>) -> Result<TicketType> {
    Ok(TicketType {
        id: r.get(0)?,
        event_id: r.get(1)?,
        name: r.get(2)?,
        price: r.get(3)?,
        limit: r.get(4)?,
        position: r.get(5)?,
        retired_at: r.get::<Option<i64>>(6)?.map(from_millis),
    })
}

pub fn insert_type(db: &Db, t: &TicketType, now_ms: i64) -> Result<()> {
    db.execute(
        "INSERT INTO ticket_types (id, event_id, name, price, quota, position, retired_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        db::args![t.id, t.event_id, t.name, t.price, t.limit, t.position, t.retired_at.map(to_millis), now_ms],
    )?;
    Ok(())
}

pub fn get_type(db: &Db, id: &str) -> Result<Option<TicketType>> {
    let sql = format!("SELECT {TYPE_COLS} FROM ticket_types WHERE id = ?1");
    db.query_opt(&sql, db::args![id], type_row)
}

/// An event's types, retired ones too, in display order.
pub fn types_of(db: &Db, event_id: &str) -> Result<Vec<TicketType>> {
    let sql = format!("SELECT {TYPE_COLS} FROM ticket_types WHERE event_id = ?1 ORDER BY position");
    db.query_all(&sql, db::args![event_id], type_row)
}

/// The display position after the event's last type.
pub fn next_position(db: &Db, event_id: &str) -> Result<u32> {
    db.query_one(
        "SELECT coalesce(max(position), 0) + 1 FROM ticket_types WHERE event_id = ?1",
        db::args![event_id],
        |r| r.get(0),
    )
}

/// Another type of the event (retired or not) already has this name.
pub fn name_taken(db: &Db, event_id: &str, name: &str, except_id: Option<&str>) -> Result<bool> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM ticket_types WHERE event_id = ?1 AND name = ?2 AND (?3 IS NULL OR id <> ?3) LIMIT 1",
            db::args![event_id, name, except_id],
            |_| Ok(()),
        )?
        .is_some())
}

/// Changes a type's name, price and limit; false if it is retired (or gone).
pub fn update_type(db: &Db, id: &str, name: &str, price: i64, limit: Option<u32>, now_ms: i64) -> Result<bool> {
    let n = db.execute(
        "UPDATE ticket_types SET name = ?2, price = ?3, quota = ?4, updated_at = ?5
             WHERE id = ?1 AND retired_at IS NULL",
        db::args![id, name, price, limit, now_ms],
    )?;
    Ok(n == 1)
}

/// Takes a type off sale; false if it already was.
pub fn retire_type(db: &Db, id: &str, now_ms: i64) -> Result<bool> {
    let n = db.execute(
        "UPDATE ticket_types SET retired_at = ?2, updated_at = ?2 WHERE id = ?1 AND retired_at IS NULL",
        db::args![id, now_ms],
    )?;
    Ok(n == 1)
}

/// Seats of a type in bookings awaiting payment or paid: what its limit counts.
pub fn committed_seats(db: &Db, type_id: &str) -> Result<u64> {
    db.query_one(
        "SELECT coalesce(sum(seats), 0) FROM type_totals
             WHERE type_id = ?1 AND status IN ('PAYMENT_PENDING', 'CONFIRMED')",
        db::args![type_id],
        |r| count(r, 0),
    )
}

/// The event's price follows its first type on sale (what the events list
/// shows and a plain booking charges).
pub fn sync_event_price(db: &Db, event_id: &str) -> Result<()> {
    db.execute(
        "UPDATE events SET price = coalesce((SELECT price FROM ticket_types WHERE event_id = ?1 AND retired_at IS NULL
                                             ORDER BY position LIMIT 1), price)
         WHERE id = ?1",
        db::args![event_id],
    )?;
    Ok(())
}

/// Ids of up to `limit` bookings whose id ends in `suffix` (a short id typed
/// at the command line; a scan of the ids, fine for one look-up).
pub fn bookings_ending(db: &Db, suffix: &str, limit: usize) -> Result<Vec<String>> {
    db.query_all(
        "SELECT id FROM bookings WHERE substr(id, length(id) - length(?1) + 1) = ?1 LIMIT ?2",
        db::args![suffix, limit as i64],
        |r| r.get(0),
    )
}

// ---- booking items --------------------------------------------------------------

pub fn insert_items(db: &Db, booking_id: &str, items: &[BookingItem]) -> Result<()> {
    for i in items {
        db.execute(
            "INSERT INTO booking_items (booking_id, type_id, count, unit_price) VALUES (?1, ?2, ?3, ?4)",
            db::args![booking_id, i.type_id, i.count, i.unit_price],
        )?;
    }
    Ok(())
}

/// A booking's items with their types' names, in the types' display order.
pub fn items_of(db: &Db, booking_id: &str) -> Result<Vec<BookingItem>> {
    db.query_all(
        "SELECT i.type_id, y.name, i.count, i.unit_price FROM booking_items i JOIN ticket_types y ON y.id = i.type_id
         WHERE i.booking_id = ?1 ORDER BY y.position",
        db::args![booking_id],
        |r| Ok(BookingItem { type_id: r.get(0)?, type_name: r.get(1)?, count: r.get(2)?, unit_price: r.get(3)? }),
    )
}

// ---- tickets ----------------------------------------------------------------------

const TICKET_COLS: &str = "t.id, t.code, t.booking_id, t.event_id, t.type_id, y.name, t.number, t.seat, t.price, \
                           t.status, t.issued_at, t.used_at, t.used_door, t.voided_at";

fn ticket_row(r: &Row<'_>) -> Result<Ticket> {
    Ok(Ticket {
        id: r.get(0)?,
        code: r.get(1)?,
        booking_id: r.get(2)?,
        event_id: r.get(3)?,
        type_id: r.get(4)?,
        type_name: r.get(5)?,
        number: r.get(6)?,
        seat: r.get(7)?,
        price: r.get(8)?,
        status: r.get(9)?,
        issued_at: from_millis(r.get(10)?),
        used_at: r.get::<Option<i64>>(11)?.map(from_millis),
        used_door: r.get(12)?,
        voided_at: r.get::<Option<i64>>(13)?.map(from_millis),
    })
}

pub fn insert_ticket(db: &Db, t: &Ticket) -> Result<()> {
    db.execute(
        "INSERT INTO tickets (id, code, booking_id, event_id, type_id, number, seat, price, status, issued_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        db::args![
            t.id,
            t.code,
            t.booking_id,
            t.event_id,
            t.type_id,
            t.number,
            t.seat,
            t.price,
            t.status,
            to_millis(t.issued_at)
        ],
    )?;
    Ok(())
}

pub fn code_taken(db: &Db, code: &TicketCode) -> Result<bool> {
    Ok(db.query_opt("SELECT 1 FROM tickets WHERE code = ?1", db::args![code], |_| Ok(()))?.is_some())
}

/// Issues one VALID ticket per seat of a booking, from its items: seats in
/// label order (GA: as many unlabelled seats) take the items' types in
/// display order. Ids and code bits come from the caller (the clock's id
/// source in the app, the OS in a migration).
pub fn issue(
    db: &Db,
    b: &Booking,
    issued_at_ms: i64,
    mut new_id: impl FnMut() -> String,
    mut code_bits: impl FnMut() -> [u8; 10],
) -> Result<Vec<Ticket>> {
    let items = items_of(db, &b.id)?;
    let labels = sales::hold_labels(db, &b.hold_id)?;
    let seats: Vec<Option<String>> = if labels.is_empty() {
        vec![None; usize::try_from(b.seats).unwrap_or(0)]
    } else {
        labels.into_iter().map(Some).collect()
    };
    let assigned = assign_seats(&seats, &items).ok_or_else(|| {
        Error::Storage(format!(
            "booking {} has {} seat(s) but its ticket types count {}; no tickets were issued",
            b.id,
            seats.len(),
            items.iter().map(|i| i.count).sum::<u32>()
        ))
    })?;
    let mut out = Vec::with_capacity(assigned.len());
    for (n, (seat, item)) in assigned.into_iter().enumerate() {
        let mut code = TicketCode::from_bytes(code_bits());
        // 80 random bits practically never repeat; a repeat draws again.
        let mut tries = 0;
        while code_taken(db, &code)? {
            tries += 1;
            if tries > 16 {
                return Err(Error::Storage("the random source keeps repeating ticket codes".into()));
            }
            code = TicketCode::from_bytes(code_bits());
        }
        let t = Ticket {
            id: new_id(),
            code,
            booking_id: b.id.clone(),
            event_id: b.event_id.clone(),
            type_id: item.type_id.clone(),
            type_name: item.type_name.clone(),
            number: u32::try_from(n + 1).unwrap_or(u32::MAX),
            seat,
            price: item.unit_price,
            status: TicketStatus::Valid,
            issued_at: from_millis(issued_at_ms),
            used_at: None,
            used_door: None,
            voided_at: None,
        };
        insert_ticket(db, &t)?;
        out.push(t);
    }
    Ok(out)
}

/// A booking's tickets in seat order.
pub fn tickets_of(db: &Db, booking_id: &str) -> Result<Vec<Ticket>> {
    let sql = format!(
        "SELECT {TICKET_COLS} FROM tickets t JOIN ticket_types y ON y.id = t.type_id
         WHERE t.booking_id = ?1 ORDER BY t.number"
    );
    db.query_all(&sql, db::args![booking_id], ticket_row)
}

pub fn counts_of(db: &Db, booking_id: &str) -> Result<TicketCounts> {
    db.query_one(
        "SELECT count(CASE WHEN status = 'VALID' THEN 1 END), count(CASE WHEN status = 'USED' THEN 1 END),
                count(CASE WHEN status = 'VOID' THEN 1 END)
             FROM tickets WHERE booking_id = ?1",
        db::args![booking_id],
        |r| Ok(TicketCounts { valid: r.get(0)?, used: r.get(1)?, void: r.get(2)? }),
    )
}

/// Voids a booking's VALID and USED tickets (a used one keeps `used_at`);
/// returns how many of each it voided.
pub fn void_all(db: &Db, booking_id: &str, now_ms: i64) -> Result<TicketCounts> {
    let before = counts_of(db, booking_id)?;
    db.execute(
        "UPDATE tickets SET status = 'VOID', voided_at = ?2 WHERE booking_id = ?1 AND status IN ('VALID', 'USED')",
        db::args![booking_id, now_ms],
    )?;
    Ok(TicketCounts { valid: before.valid, used: before.used, void: 0 })
}

/// A ticket found by its code, with what a door needs to judge it.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub ticket: Ticket,
    pub event_name: String,
    pub booking_status: BookingStatus,
    pub correlation_id: String,
}

pub fn by_code(db: &Db, code: &TicketCode) -> Result<Option<Found>> {
    let sql = format!(
        "SELECT {TICKET_COLS}, e.name, b.status, b.correlation_id
         FROM tickets t JOIN ticket_types y ON y.id = t.type_id JOIN events e ON e.id = t.event_id
              JOIN bookings b ON b.id = t.booking_id
         WHERE t.code = ?1"
    );
    db.query_opt(&sql, db::args![code], |r| {
        Ok(Found {
            ticket: ticket_row(r)?,
            event_name: r.get(14)?,
            booking_status: r.get(15)?,
            correlation_id: r.get(16)?,
        })
    })
}

/// The event the ticket with this code is for (never changes): what a scan locks.
pub fn event_of_code(db: &Db, code: &TicketCode) -> Result<Option<String>> {
    db.query_opt("SELECT event_id FROM tickets WHERE code = ?1", db::args![code], |r| r.get(0))
}

/// VALID → USED at `door`; false if the ticket was not VALID.
pub fn admit(db: &Db, ticket_id: &str, now_ms: i64, door: &str) -> Result<bool> {
    let n = db.execute(
        "UPDATE tickets SET status = 'USED', used_at = ?2, used_door = ?3 WHERE id = ?1 AND status = 'VALID'",
        db::args![ticket_id, now_ms, door],
    )?;
    Ok(n == 1)
}

/// USED → VALID (an admission taken back); false if the ticket was not USED.
pub fn unadmit(db: &Db, ticket_id: &str) -> Result<bool> {
    let n = db.execute(
        "UPDATE tickets SET status = 'VALID', used_at = NULL, used_door = NULL WHERE id = ?1 AND status = 'USED'",
        db::args![ticket_id],
    )?;
    Ok(n == 1)
}

/// One row of `scans`.
#[derive(Debug, Clone)]
pub struct NewScan<'a> {
    pub id: &'a str,
    pub at_ms: i64,
    pub door: &'a str,
    pub typed: &'a str,
    pub ticket_id: Option<&'a str>,
    pub event_id: Option<&'a str>,
    pub result: ScanResult,
    pub note: Option<&'a str>,
    pub actor: &'a str,
}

pub fn insert_scan(db: &Db, s: &NewScan<'_>) -> Result<()> {
    db.execute(
        "INSERT INTO scans (id, at, door, typed, ticket_id, event_id, result, note, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        db::args![s.id, s.at_ms, s.door, s.typed, s.ticket_id, s.event_id, s.result, s.note, s.actor],
    )?;
    Ok(())
}

/// Admitted and sold (seats of CONFIRMED bookings: their valid and used tickets) of one event.
pub fn door_counts(db: &Db, event_id: &str) -> Result<DoorCounts> {
    db.query_one("SELECT coalesce(sum((SELECT count(*) FROM tickets t WHERE t.type_id = y.id AND t.status = 'USED')), 0),
                    coalesce(sum((SELECT seats FROM type_totals k WHERE k.type_id = y.id AND k.status = 'CONFIRMED')), 0)
             FROM ticket_types y WHERE y.event_id = ?1", db::args![event_id], |r| Ok(DoorCounts { admitted: count(r, 0)?, sold: count(r, 1)? }))
}

/// A door's connection stops running WAL checkpoints inside its commits (see `Desk::defer_checkpoints`).
pub fn defer_checkpoints(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(())
}

/// A PASSIVE checkpoint: copies what it can of the WAL into the file without
/// waiting for, or blocking, other connections.
pub fn checkpoint(conn: &Connection) -> Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
    Ok(())
}

// ---- the report's "by type" section ---------------------------------------------------

/// Sales per ticket type for the report's filter (event, booking date range),
/// events in the summary's order, types in display order: `page` (offset,
/// rows) of them, or all. All time reads each type's running totals and used
/// tickets by index; a date range reads the bookings made in it.
pub fn type_sales(db: &Db, f: &ReportFilter, page: Option<(usize, usize)>) -> Result<Vec<TypeSales>> {
    // No page: every row (i64::MAX, as both backends take it; SQLite's `LIMIT -1` is not PostgreSQL's).
    let (offset, rows) = page.map_or((0, i64::MAX), |(o, r)| (o as i64, r as i64));
    let mut out: Vec<TypeSales> = db.query_all(
        // Only the filter in use goes into the SQL: `?1 IS NULL OR event_id = ?1`
        // would read every type; one event's come in order from (event_id, position).
        if f.event_id.is_some() {
            "SELECT y.event_id, e.name, y.id, y.name, CASE WHEN y.retired_at IS NULL THEN 0 ELSE 1 END, y.price,
                    e.currency
             FROM ticket_types y JOIN events e ON e.id = y.event_id
             WHERE y.event_id = ?1 ORDER BY y.position LIMIT ?2 OFFSET ?3"
        } else {
            "SELECT y.event_id, e.name, y.id, y.name, CASE WHEN y.retired_at IS NULL THEN 0 ELSE 1 END, y.price,
                    e.currency
             FROM ticket_types y JOIN events e ON e.id = y.event_id WHERE ?1 IS NULL
             ORDER BY e.starts_at, e.name, e.id, y.position LIMIT ?2 OFFSET ?3"
        },
        db::args![f.event_id, rows, offset],
        |r| {
            Ok(TypeSales {
                event_id: r.get(0)?,
                event_name: r.get(1)?,
                type_id: r.get(2)?,
                type_name: r.get(3)?,
                retired: r.get(4)?,
                price: r.get(5)?,
                currency: r.get(6)?,
                sold: 0,
                revenue: 0,
                pending: 0,
                admitted: 0,
            })
        },
    )?;
    let add = |t: &mut TypeSales, status: BookingStatus, seats: u64, amount: i64| match status {
        BookingStatus::Confirmed => (t.sold, t.revenue) = (t.sold + seats, t.revenue + amount),
        BookingStatus::PaymentPending => t.pending += seats,
        _ => {}
    };
    if f.from.is_none() && f.to.is_none() {
        // All time: only the listed types are read, each by its keys.
        for t in &mut out {
            let id = t.type_id.clone();
            db.for_each(
                "SELECT status, seats, amount FROM type_totals
                 WHERE type_id = ?1 AND status IN ('CONFIRMED', 'PAYMENT_PENDING')",
                db::args![id],
                |r| {
                    add(t, r.get(0)?, count(r, 1)?, r.get(2)?);
                    Ok(())
                },
            )?;
            t.admitted = db.query_one(
                "SELECT count(*) FROM tickets WHERE type_id = ?1 AND status = 'USED'",
                db::args![t.type_id],
                |r| count(r, 0),
            )?;
        }
        return Ok(out);
    }
    // A date range: the bookings made in it (?2 ≤ created_at < ?3) and their tickets.
    let index: HashMap<String, usize> = out.iter().enumerate().map(|(i, t)| (t.type_id.clone(), i)).collect();
    let (from, to) = (f.from.map_or(i64::MIN, to_millis), f.to.map_or(i64::MAX, to_millis));
    db.for_each(
        "SELECT i.type_id, b.status, sum(i.count), sum(i.count * i.unit_price)
         FROM bookings b JOIN booking_items i ON i.booking_id = b.id
         WHERE b.created_at >= ?2 AND b.created_at < ?3 AND (?1 IS NULL OR b.event_id = ?1)
           AND b.status IN ('CONFIRMED', 'PAYMENT_PENDING')
         GROUP BY i.type_id, b.status",
        db::args![f.event_id, from, to],
        |r| {
            if let Some(&i) = r.text(0).and_then(|id| index.get(id)) {
                add(&mut out[i], r.get(1)?, count(r, 2)?, r.get(3)?);
            }
            Ok(())
        },
    )?;
    db.for_each(
        "SELECT t.type_id, count(*) FROM bookings b JOIN tickets t ON t.booking_id = b.id
         WHERE b.created_at >= ?2 AND b.created_at < ?3 AND (?1 IS NULL OR b.event_id = ?1)
           AND b.status = 'CONFIRMED' AND t.status = 'USED'
         GROUP BY t.type_id",
        db::args![f.event_id, from, to],
        |r| {
            if let Some(&i) = r.text(0).and_then(|id| index.get(id)) {
                out[i].admitted = count(r, 1)?;
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// How many ticket types the report's filter lists (retired ones too).
pub fn type_count(db: &Db, f: &ReportFilter) -> Result<u64> {
    db.query_one(
        if f.event_id.is_some() {
            "SELECT count(*) FROM ticket_types WHERE event_id = ?1"
        } else {
            "SELECT count(*) FROM ticket_types WHERE ?1 IS NULL"
        },
        db::args![f.event_id],
        |r| count(r, 0),
    )
}

// ---- migration 0004's Rust part --------------------------------------------------------

/// For a file that had events and bookings before ticket types: a Standard
/// type per event at its price, one item per booking (all its seats at the
/// price it was sold for), and tickets for every CONFIRMED booking, with
/// codes from the OS's random generator. Writes no audit rows: the
/// bookings' own trail stays as it was; `issued_at` is when each was confirmed.
/// A booking read with the columns step 0004 knows (a later step's column
/// is not there yet when an older file runs this step).
fn booking_at_step_4(conn: &Connection, id: &str) -> Result<Booking> {
    Ok(conn.query_row(
        "SELECT id, hold_id, event_id, customer_id, seats, amount, currency, status, correlation_id, created_at,
                payment_expires_at, updated_at FROM bookings WHERE id = ?1",
        [id],
        |r| {
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
                created_at: crate::clock::from_millis(r.get(9)?),
                payment_expires_at: crate::clock::from_millis(r.get(10)?),
                updated_at: crate::clock::from_millis(r.get(11)?),
                clerk_id: None,
            })
        },
    )?)
}

pub fn backfill(conn: &Connection) -> Result<()> {
    db::on_sqlite(conn, backfill_on)
}

fn backfill_on(db: &Db) -> Result<()> {
    let conn = db.sqlite_only("migration 0004")?;
    let ids = IdGen::Random;
    let now = SystemClock.now();
    let events: Vec<(String, i64)> = {
        let mut stmt = conn.prepare(
            "SELECT id, price FROM events e WHERE NOT EXISTS (SELECT 1 FROM ticket_types y WHERE y.event_id = e.id)",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (event_id, price) in &events {
        let t = TicketType {
            id: ids.next_ticket_id(now),
            event_id: event_id.clone(),
            name: STANDARD.into(),
            price: *price,
            limit: None,
            position: 1,
            retired_at: None,
        };
        insert_type(db, &t, to_millis(now))?;
    }
    // Every booking sold all its seats at one price: its amount over its seats.
    conn.execute_batch(
        "INSERT INTO booking_items (booking_id, type_id, count, unit_price)
         SELECT b.id, (SELECT y.id FROM ticket_types y WHERE y.event_id = b.event_id ORDER BY y.position LIMIT 1),
                b.seats, iif(b.amount % b.seats = 0, b.amount / b.seats, e.price)
         FROM bookings b JOIN events e ON e.id = b.event_id
         WHERE NOT EXISTS (SELECT 1 FROM booking_items i WHERE i.booking_id = b.id)",
    )?;
    let confirmed: Vec<String> = {
        let mut stmt = conn.prepare(
            "SELECT id FROM bookings b WHERE status = 'CONFIRMED'
             AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.booking_id = b.id)",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut issued = 0;
    for id in &confirmed {
        let b = booking_at_step_4(conn, id)?;
        issued += issue(db, &b, to_millis(b.updated_at), || ids.next_ticket_id(now), crate::ids::os_random_bits)?.len();
    }
    if !events.is_empty() || issued > 0 {
        tracing::info!(
            types = events.len(),
            bookings = confirmed.len(),
            tickets = issued,
            "issued tickets for the existing sales"
        );
    }
    Ok(())
}
