//! UI latency on a big file: a benchmark, not a test (`harness = false`).
//!
//! ```sh
//! cargo bench --bench ui_latency            # release build; prints a table
//! BENCH_KEEP=/tmp/big.db cargo bench --bench ui_latency   # keep (and reuse) the big file
//! ```
//!
//! It builds a file database with 10,000 events and 1,000,000 bookings by bulk
//! SQL inside one transaction — bypassing the booking engine for speed but
//! keeping every schema constraint (foreign keys on, CHECKs, the one-live-owner
//! seat index) and the seat arithmetic (`available = total − held − sold`)
//! consistent. It writes no audit rows, so `verify` would report invariant 4;
//! nothing else here depends on them.
//!
//! Then, on that file and on the small demo database as the baseline, it measures
//! (a) start to first frame: opening the connections and starting the
//! database workers, `App::new`, the first draw on a 120×40 `TestBackend`
//! (an empty frame: the lists are still being read), and then the first
//! frame with the lists drawn; and, over 2,000 keys across the screens (move
//! in the events list, open Sell, move on the seat map, Tab to Bookings, move,
//! open a detail, back, cycle the status filter, search by customer):
//! (b) key → frame: `handle_key` + draw on the UI thread, what the clerk waits
//! for before the screen answers; (c) key → settled frame: the same, then
//! every database request the key caused answered and shown, and drawn again
//! (the result on screen). Median, p99 and max in ms, and the big/demo ratio.

use boxoffice::store::{self, Durability};
use boxoffice::tui::app::{App, AppInfo};
use boxoffice::tui::worker::Workers;
use boxoffice::tui::{handle_key, view};
use boxoffice::{Config, Context, Desk};
use chrono::{FixedOffset, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use rusqlite::params;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const EVENTS: i64 = 10_000;
const BOOKINGS_PER_EVENT: i64 = 100;
const CUSTOMERS: i64 = 50_000;
const KEYS: usize = 2_000;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would too: with no
    // `--bench` flag (a plain test run) do nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let big = match std::env::var_os("BENCH_KEEP") {
        Some(p) => PathBuf::from(p),
        None => tmp.path().join("big.db"),
    };
    if !big.exists() {
        let t = Instant::now();
        build_big(&big);
        println!("built {} in {:.1} s", big.display(), t.elapsed().as_secs_f64());
    } else {
        println!("reusing {}", big.display());
    }
    let demo = tmp.path().join("demo.db");
    {
        let desk = Desk::open(&demo, Context::system(Config::default()), "bench").expect("demo db");
        boxoffice::demo::seed_if_empty(&desk).expect("demo events");
    }

    let d = measure(&demo);
    let b = measure(&big);
    println!();
    println!("{:<34} {:>12} {:>12} {:>8}", "120x40, release", "demo DB", "big DB", "ratio");
    let row = |name: &str, x: f64, y: f64| println!("{name:<34} {x:>9.3} ms {y:>9.3} ms {:>7.1}x", y / x.max(1e-9));
    row("start → first frame (empty)", d.first_frame, b.first_frame);
    row("start → first frame with lists", d.first_loaded, b.first_loaded);
    row("key → frame, median", d.frame.median, b.frame.median);
    row("key → frame, p99", d.frame.p99, b.frame.p99);
    row("key → frame, max", d.frame.max, b.frame.max);
    row("key → settled frame, median", d.settled.median, b.settled.median);
    row("key → settled frame, p99", d.settled.p99, b.settled.p99);
    row("key → settled frame, max", d.settled.max, b.settled.max);
    println!("({KEYS} keys each; slowest keys → frame on the big DB:)");
    for (ms, what) in &b.frame.slowest {
        println!("  {ms:>8.3} ms  {what}");
    }
    println!("(slowest keys → settled frame on the big DB:)");
    for (ms, what) in &b.settled.slowest {
        println!("  {ms:>8.3} ms  {what}");
    }
}

struct Figures {
    first_frame: f64,
    first_loaded: f64,
    frame: Latency,
    settled: Latency,
}

struct Latency {
    median: f64,
    p99: f64,
    max: f64,
    slowest: Vec<(f64, String)>,
}

impl Latency {
    fn of(mut labelled: Vec<(f64, String)>) -> Latency {
        let mut sorted: Vec<f64> = labelled.iter().map(|(t, _)| *t).collect();
        sorted.sort_by(f64::total_cmp);
        let pct = |p: f64| sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1];
        labelled.sort_by(|a, b| b.0.total_cmp(&a.0));
        labelled.dedup_by(|a, b| a.1 == b.1);
        labelled.truncate(6);
        Latency { median: pct(0.5), p99: pct(0.99), max: sorted[sorted.len() - 1], slowest: labelled }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn measure(path: &Path) -> Figures {
    let info = AppInfo {
        db_label: path.display().to_string(),
        offset: FixedOffset::east_opt(0).expect("utc"),
        audit_log_dir: None,
        data_dir: std::env::temp_dir(),
        data_dir_label: None,
        gate: false,
    };
    let t0 = Instant::now();
    let ctx = Context::system(Config::default());
    let desk = Desk::open(path, ctx.clone(), "bench").expect("open");
    let read = Desk::open(path, ctx.clone(), "bench").expect("open");
    let mut workers = Workers::spawn(desk, read, None, None, false).expect("workers");
    let mut app = App::new(ctx, info);
    workers.dispatch(&mut app);
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    term.draw(|f| view::draw(f, &app)).expect("draw");
    let first_frame = t0.elapsed();
    workers.settle(&mut app);
    term.draw(|f| view::draw(f, &app)).expect("draw");
    let first_loaded = t0.elapsed();

    let script = key_script();
    let mut frame = Vec::with_capacity(KEYS);
    let mut settled = Vec::with_capacity(KEYS);
    for code in script.iter().cycle().take(KEYS) {
        let what = format!("{code:?} on {:?}", app.screen);
        let t = Instant::now();
        handle_key(&mut app, KeyEvent::from(*code));
        workers.dispatch(&mut app);
        term.draw(|f| view::draw(f, &app)).expect("draw");
        frame.push((ms(t.elapsed()), what.clone()));
        // The key's work, answered and drawn (the next key acts on it, as a
        // clerk's would once they see it).
        workers.settle(&mut app);
        term.draw(|f| view::draw(f, &app)).expect("draw");
        settled.push((ms(t.elapsed()), what));
    }
    Figures {
        first_frame: ms(first_frame),
        first_loaded: ms(first_loaded),
        frame: Latency::of(frame),
        settled: Latency::of(settled),
    }
}

/// One round trip through the screens; repeated until `KEYS` keys.
fn key_script() -> Vec<KeyCode> {
    use KeyCode::*;
    let mut k = vec![Home];
    k.extend([Down; 6]);
    k.extend([Up; 3]);
    k.push(Enter); // Sell (the 4th upcoming event: a GA one or the theatre)
    k.extend([Right, Right, Down, Left, Down, Up]);
    k.push(Esc); // back to events
    k.extend([Down, Down, Down, Down, Down, Down, Enter]); // a reserved event every 10th: likely one here
    k.extend([Right, Down, Right, Down]);
    k.push(Esc);
    k.push(Tab); // Bookings
    k.extend([Down; 8]);
    k.extend([PageDown, Up, Enter]); // a detail
    k.push(Esc);
    k.push(Char('f')); // status filter: PAYMENT_PENDING
    k.push(Char('f')); // CONFIRMED
    k.extend([Down, Down]);
    k.push(Esc); // clears it
    k.push(Char('/')); // search by customer
    k.extend([Char('c'), Char('u'), Char('s'), Char('t'), Char('4'), Char('2')]);
    k.push(Enter);
    k.push(Esc);
    k.push(Tab); // back to Events
    k
}

/// The big file: 10,000 events (every 10th reserved 10×20, the rest GA of 200,
/// a tenth in the past), 50,000 customers, and 100 one-seat bookings per event:
/// 70% CONFIRMED (hold CONSUMED, seat live, a SUCCESS payment), 10% CANCELLED
/// after payment (hold CONSUMED, seat freed, PARTIAL refund processed), 10%
/// EXPIRED (hold EXPIRED), 10% PAYMENT_FAILED (hold RELEASED, a FAILURE payment,
/// FULL refund processed). available = total − 70.
fn build_big(path: &Path) {
    let conn = store::open(path, Durability::Normal).expect("create");
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -400000;").expect("pragmas");
    // Secondary indexes are dropped for the bulk load and built again from
    // schema.sql at the end (a sort per index instead of a million random
    // inserts): the same indexes, and unique ones still checked when rebuilt.
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        .expect("indexes")
        .query_map([], |r| r.get(0))
        .expect("indexes")
        .collect::<Result<_, _>>()
        .expect("indexes");
    for name in &indexes {
        conn.execute_batch(&format!("DROP INDEX \"{name}\"")).expect("drop index");
    }
    let tx = rusqlite::Transaction::new_unchecked(&conn, rusqlite::TransactionBehavior::Immediate).expect("tx");
    let now = Utc::now().timestamp_millis();
    let hour = 3_600_000i64;
    let price = 50_000i64;
    let id = |kind: u8, n: i64, at: i64| -> String {
        let mut rand = [0u8; 10];
        rand[0] = kind;
        rand[2..10].copy_from_slice(&n.to_be_bytes());
        uuid::Builder::from_unix_timestamp_millis(at.max(0) as u64, &rand).into_uuid().to_string()
    };
    let started = now - 1_000_000 * 1000;
    {
        let mut ev = tx
            .prepare(
                "INSERT INTO events (id, name, description, starts_at, kind, seat_rows, seats_per_row, total, available,
                                     price, currency, created_at)
                 VALUES (?1, ?2, '', ?3, ?4, ?5, ?6, 200, ?7, ?8, 'INR', ?9)",
            )
            .expect("events");
        for e in 0..EVENTS {
            let reserved = e % 10 == 3;
            let (kind, rows, per) = if reserved { ("RESERVED", Some(10), Some(20)) } else { ("GA", None, None) };
            let sold = BOOKINGS_PER_EVENT * 7 / 10;
            ev.execute(params![
                id(1, e, started),
                format!("Event {e:05} {}", if reserved { "Theatre" } else { "Concert" }),
                now + (e - EVENTS / 10) * hour,
                kind,
                rows,
                per,
                200 - sold,
                price,
                started
            ])
            .expect("event");
        }
        let mut cu = tx
            .prepare("INSERT INTO customers (id, name, email, phone, created_at) VALUES (?1, ?2, ?3, NULL, ?4)")
            .expect("customers");
        for c in 0..CUSTOMERS {
            cu.execute(params![id(2, c, started), format!("Customer {c}"), format!("cust{c}@example.com"), started])
                .expect("customer");
        }
        let mut ho = tx
            .prepare(
                "INSERT INTO holds (id, event_id, seats, status, correlation_id, actor, created_at, expires_at, updated_at)
                 VALUES (?1, ?2, 1, ?3, ?1, 'bench', ?4, ?5, ?4)",
            )
            .expect("holds");
        let mut se = tx
            .prepare("INSERT INTO hold_seats (hold_id, event_id, label, live) VALUES (?1, ?2, ?3, ?4)")
            .expect("seats");
        let mut bo = tx
            .prepare(
                "INSERT INTO bookings (id, hold_id, event_id, customer_id, seats, amount, currency, status, correlation_id,
                                       created_at, payment_expires_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5, 'INR', ?6, ?2, ?7, ?8, ?7)",
            )
            .expect("bookings");
        let mut pa = tx
            .prepare(
                "INSERT INTO payment_attempts (id, booking_id, idempotency_key, outcome, amount, transaction_id, created_at)
                 VALUES (?1, ?2, ?1, ?3, ?4, ?5, ?6)",
            )
            .expect("attempts");
        let mut re = tx
            .prepare(
                "INSERT INTO refunds (id, booking_id, kind, original_amount, percent, amount, fee, status, transaction_id,
                                      created_at, completed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'PROCESSED', ?1, ?8, ?8)",
            )
            .expect("refunds");
        let total = EVENTS * BOOKINGS_PER_EVENT;
        for n in 0..total {
            // Interleave events so the newest bookings span many events.
            let (e, j) = (n % EVENTS, n / EVENTS);
            let at = started + n * 1000;
            let event = id(1, e, started);
            let hold = id(3, n, at);
            let booking = id(4, n, at);
            let customer = id(2, (n * 7919) % CUSTOMERS, started);
            let (status, hold_status) = match j % 10 {
                0..=6 => ("CONFIRMED", "CONSUMED"),
                7 => ("CANCELLED", "CONSUMED"),
                8 => ("EXPIRED", "EXPIRED"),
                _ => ("PAYMENT_FAILED", "RELEASED"),
            };
            ho.execute(params![hold, event, hold_status, at, at + 5 * 60_000]).expect("hold");
            if e % 10 == 3 {
                let label = format!("{}{}", (b'A' + (j / 20) as u8) as char, j % 20 + 1);
                se.execute(params![hold, event, label, i64::from(status == "CONFIRMED")]).expect("seat");
            }
            bo.execute(params![booking, hold, event, customer, price, status, at, at + 10 * 60_000]).expect("booking");
            let paid = match status {
                "CONFIRMED" | "CANCELLED" => Some(("SUCCESS", Some(id(6, n, at)))),
                "PAYMENT_FAILED" => Some(("FAILURE", None)),
                _ => None,
            };
            if let Some((outcome, txn)) = paid {
                pa.execute(params![id(5, n, at), booking, outcome, price, txn, at + 1000]).expect("attempt");
            }
            let refund = match status {
                "CANCELLED" => Some(("PARTIAL", 50)),
                "PAYMENT_FAILED" => Some(("FULL", 100)),
                _ => None,
            };
            if let Some((kind, percent)) = refund {
                let amount = price * percent / 100;
                re.execute(params![id(7, n, at), booking, kind, price, percent, amount, price - amount, at + 2000])
                    .expect("refund");
            }
        }
    }
    tx.execute_batch(store::SCHEMA).expect("indexes again");
    tx.commit().expect("commit");
    // No ANALYZE: the app never runs it, so the planner sees what a real file gives it.
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
    // The seat arithmetic holds (invariant 1) — checked, not assumed.
    let drift: i64 = conn
        .query_row(
            "WITH sold AS (SELECT event_id, sum(seats) n FROM bookings WHERE status = 'CONFIRMED' GROUP BY event_id)
             SELECT count(*) FROM events e LEFT JOIN sold ON sold.event_id = e.id
             WHERE e.available + coalesce(sold.n, 0) <> e.total",
            [],
            |r| r.get(0),
        )
        .expect("drift");
    assert_eq!(drift, 0, "seat arithmetic broken in the generated data");
}
