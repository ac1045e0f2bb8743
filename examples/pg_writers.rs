//! How writers on several connections share a database: sales per second
//! with 1 and 4 writers, on the SQLite file and on PostgreSQL, the two ways a
//! PostgreSQL write can stop an oversell (docs/POSTGRES.md, "One write at a
//! time per event"). A benchmark that prints figures, not a test.
//!
//! ```sh
//! cargo run --release --example pg_writers -- postgres://user@host/db [--seconds 3]
//! ```
//!
//! Each sale is the engine's hold in miniature, one transaction through the
//! store's boundary (`db::write` or a row lock): read the event's free seats,
//! refuse when too few, take 2, insert the hold and its audit row. Each writer
//! has its own connection and sells from its own event ("different events",
//! the bench's shape: counters selling different shows), or all from one
//! ("one event", an on-sale rush). Printed per backend and way: sales/s,
//! the 4 ÷ 1 ratio, retries (SERIALIZABLE transactions run again after a
//! serialization failure), and a check that no seat was sold twice.
//!
//! The PostgreSQL database must be empty or a boxoffice database; the bench
//! adds events named `writers-…` and their holds and audit rows (audit rows
//! are append-only: use a scratch database).

use boxoffice::store::db::{self, Db, args};
use boxoffice::store::{self, Durability, pg};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq)]
enum Way {
    /// `db::write`: SERIALIZABLE, run again on a serialization failure.
    Serializable,
    /// `db::write_locked`: READ COMMITTED after `SELECT … FOR UPDATE` on the event row.
    RowLock,
}

const SEATS: i64 = 10_000_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut url = None;
    let mut seconds = 3u64;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(seconds),
            other => url = Some(other.to_string()),
        }
    }
    let Some(url) = url else {
        eprintln!("usage: pg_writers postgres://user@host/db [--seconds N]");
        std::process::exit(2);
    };
    let run = Duration::from_secs(seconds);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("writers.db");
    drop(store::open(&file, Durability::Full).expect("sqlite file"));
    drop(pg::open(&url).expect("postgres"));

    println!(
        "{:<44} {:>10} {:>11} {:>6} {:>8} {:>11} {:>8}",
        "backend, way, events (4 writers: retries, …)",
        "1 writer/s",
        "4 writers/s",
        "4 ÷ 1",
        "retries",
        "most tries",
        "gave up"
    );
    let sqlite = || Db::Sqlite(store::open(&file, Durability::Full).expect("open file"));
    let postgres = || Db::Pg(pg::PgConn::connect(&url).expect("connect"));
    for shared in [false, true] {
        let events = if shared { "one event" } else { "different events" };
        report(&format!("SQLite file, BEGIN IMMEDIATE, {events}"), &sqlite, Way::Serializable, shared, run);
        report(&format!("PostgreSQL, SERIALIZABLE, {events}"), &postgres, Way::Serializable, shared, run);
        report(&format!("PostgreSQL, FOR UPDATE, {events}"), &postgres, Way::RowLock, shared, run);
    }
}

fn report(label: &str, open: &(dyn Fn() -> Db + Sync), way: Way, shared: bool, run: Duration) {
    let (one, _) = sell(open, way, 1, shared, run);
    let (four, [retries, most, gave_up]) = sell(open, way, 4, shared, run);
    println!("{label:<44} {one:>10.0} {four:>11.0} {:>6.2} {retries:>8} {most:>11} {gave_up:>8}", four / one);
}

/// Sales per second of `writers` connections selling for `run`; the retries
/// they needed, the most attempts one sale took, and the sales given up as
/// busy after `db::WRITE_ATTEMPTS`. Panics if a seat was sold twice.
fn sell(open: &(dyn Fn() -> Db + Sync), way: Way, writers: usize, shared: bool, run: Duration) -> (f64, [u64; 3]) {
    let tag = format!("writers-{}", uuid::Uuid::now_v7().simple());
    let setup = open();
    let events: Vec<String> = (0..if shared { 1 } else { writers }).map(|w| format!("{tag}-{w}")).collect();
    for e in &events {
        setup
            .execute(
                "INSERT INTO events (id, name, starts_at, kind, total, available, price, created_at)
                 VALUES (?1, ?1, 0, 'GA', ?2, ?2, 100, 0)",
                args![e, SEATS],
            )
            .expect("event");
    }
    let (retries, most, gave_up) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    let start = Instant::now();
    let sold: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let event = events[if shared { 0 } else { w }].clone();
                let (retries, most, gave_up, tag) = (&retries, &most, &gave_up, &tag);
                s.spawn(move || {
                    let db = open();
                    let mut sold = 0u64;
                    while start.elapsed() < run {
                        let id = format!("{tag}-h{w}-{sold}");
                        let mut attempts = 0;
                        let sale = |db: &Db| {
                            attempts += 1;
                            sell_one(db, &event, &id)
                        };
                        let took = match way {
                            Way::RowLock => db::write_locked(&db, &[event.as_str()], sale),
                            Way::Serializable => db::write(&db, sale),
                        };
                        retries.fetch_add(attempts - 1, Ordering::Relaxed);
                        most.fetch_max(attempts, Ordering::Relaxed);
                        match took {
                            Ok(true) => sold += 1,
                            Ok(false) => break,
                            // What a clerk would see: "busy, try again".
                            Err(boxoffice::Error::Busy) => {
                                gave_up.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => panic!("sale: {e}"),
                        }
                    }
                    sold
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("writer")).sum()
    });
    let elapsed = start.elapsed().as_secs_f64();
    let left: i64 = setup
        .query_one(
            &format!(
                "SELECT sum(available) FROM events WHERE id IN ({})",
                (1..=events.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
            ),
            &events.iter().map(|e| db::ToParam::to_param(e)).collect::<Vec<_>>(),
            |r| r.get(0),
        )
        .expect("left");
    let held: i64 = setup
        .query_one("SELECT coalesce(sum(seats), 0) FROM holds WHERE id LIKE ?1", args![format!("{tag}-%")], |r| {
            r.get(0)
        })
        .expect("held");
    assert_eq!(held, 2 * sold as i64, "every sale made one hold");
    assert_eq!(left + held, SEATS * events.len() as i64, "no seat sold twice");
    let counts = [&retries, &most, &gave_up].map(|n| n.load(Ordering::Relaxed));
    (sold as f64 / elapsed, counts)
}

/// One sale: 2 seats of `event`, or `false` when too few are left.
fn sell_one(db: &Db, event: &str, hold: &str) -> boxoffice::Result<bool> {
    let available: i64 = db.query_one("SELECT available FROM events WHERE id = ?1", args![event], |r| r.get(0))?;
    if available < 2 {
        return Ok(false);
    }
    db.execute("UPDATE events SET available = ?1 WHERE id = ?2", args![available - 2, event])?;
    db.execute(
        "INSERT INTO holds (id, event_id, seats, status, correlation_id, actor, created_at, expires_at, updated_at)
         VALUES (?1, ?2, 2, 'ACTIVE', ?1, 'bench', 0, 1, 0)",
        args![hold, event],
    )?;
    db.execute(
        "INSERT INTO audit_log (id, at, action, entity, entity_id, event_id, hold_id, actor)
         VALUES (?1, 0, 'HOLD_CREATED', 'hold', ?1, ?2, ?1, 'bench')",
        args![hold, event],
    )?;
    Ok(true)
}
