//! How long a report takes over 1,000,000 bookings (and, as a baseline in the
//! same run, over 1,000). Not a test: run it in release.
//!
//! ```sh
//! cargo run --release --example report_bench            # 1,000,000 bookings
//! cargo run --release --example report_bench -- 200000  # another size
//! ```
//!
//! Synthetic history is bulk-inserted with plain SQL in one transaction and
//! respects the schema (foreign keys on, one booking per hold, statuses that
//! agree between holds, bookings, payments and refunds). Bookings are spread
//! over the 30 days before "now" across 50 events; the mix is 60 % CONFIRMED,
//! 10 % each PAYMENT_PENDING, PAYMENT_FAILED, EXPIRED and CANCELLED (half of the
//! cancelled ones were paid first and carry a 50 % PARTIAL refund).

use boxoffice::Desk;
use boxoffice::domain::ReportFilter;
use boxoffice::{Config, Context, store};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, params};
use std::path::Path;
use std::time::Instant;

const EVENTS: usize = 50;
const RUNS: usize = 7;

fn now() -> DateTime<Utc> {
    "2026-06-01T12:00:00Z".parse().expect("instant")
}

fn id(kind: char, n: usize) -> String {
    format!("{kind}{n:035}")
}

/// A small deterministic generator (no extra dependency).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn fill(conn: &Connection, bookings: usize) -> rusqlite::Result<()> {
    conn.pragma_update(None, "synchronous", "OFF")?;
    // A page cache big enough for every index being filled: with the default
    // (2 MiB) each of the ~20 indexes evicts the others' pages on every row and
    // the load spends its time re-reading and re-writing them.
    conn.pragma_update(None, "cache_size", -1_048_576)?; // KiB: 1 GiB
    conn.execute_batch("BEGIN")?;
    let now_ms = now().timestamp_millis();
    let span_ms = Duration::days(30).num_milliseconds();
    let capacity = (bookings / EVENTS * 4).max(100) as i64;
    {
        let mut ev = conn.prepare(
            "INSERT INTO events (id, name, description, starts_at, kind, total, available, price, currency, created_at)
             VALUES (?1, ?2, '', ?3, 'GA', ?4, ?4, ?5, 'INR', ?6)",
        )?;
        for e in 0..EVENTS {
            ev.execute(params![
                id('e', e),
                format!("Event {e}"),
                now_ms + Duration::days(10 + e as i64).num_milliseconds(),
                capacity,
                50_000 + (e as i64) * 100,
                now_ms - span_ms - 1
            ])?;
        }
        let mut cu = conn.prepare("INSERT INTO customers (id, name, email, created_at) VALUES (?1, ?2, ?3, ?4)")?;
        for c in 0..1000 {
            cu.execute(params![id('c', c), format!("Customer {c}"), format!("c{c}@example.com"), now_ms - span_ms])?;
        }
        let mut hold = conn.prepare(
            "INSERT INTO holds (id, event_id, seats, status, correlation_id, actor, created_at, expires_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?1, 'bench', ?5, ?6, ?6)",
        )?;
        let mut booking = conn.prepare(
            "INSERT INTO bookings (id, hold_id, event_id, customer_id, seats, amount, currency, status, correlation_id,
                                   created_at, payment_expires_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'INR', ?7, ?2, ?8, ?9, ?9)",
        )?;
        let mut pay = conn.prepare(
            "INSERT INTO payment_attempts (id, booking_id, idempotency_key, outcome, amount, transaction_id, created_at)
             VALUES (?1, ?2, ?1, ?3, ?4, CASE WHEN ?3 = 'SUCCESS' THEN 'txn' || ?1 END, ?5)",
        )?;
        let mut refund = conn.prepare(
            "INSERT INTO refunds (id, booking_id, kind, original_amount, percent, amount, fee, status, transaction_id,
                                  created_at, completed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4 - ?6, 'PROCESSED', 'rfd' || ?1, ?7, ?7)",
        )?;
        let mut audit = conn.prepare(
            "INSERT INTO audit_log (id, at, action, entity, entity_id, event_id, booking_id, correlation_id, is_retry,
                                    original_attempt_id, actor)
             VALUES (?1, ?2, 'PAYMENT_RETRY', 'payment', ?3, ?4, ?5, ?5, 1, ?3, 'bench')",
        )?;
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for n in 0..bookings {
            let e = n % EVENTS;
            let seats = 1 + rng.below(4) as i64;
            let amount = seats * (50_000 + e as i64 * 100);
            let at = now_ms - span_ms + (n as i64 * span_ms) / bookings as i64;
            let roll = rng.below(10);
            let (hs, bs) = match roll {
                0 => ("ACTIVE", "PAYMENT_PENDING"),
                1 => ("RELEASED", "PAYMENT_FAILED"),
                2 => ("EXPIRED", "EXPIRED"),
                3 => ("RELEASED", "CANCELLED"),
                _ => ("CONSUMED", "CONFIRMED"),
            };
            let (h, b) = (id('h', n), id('b', n));
            let e_id = id('e', e);
            hold.execute(params![h, e_id, seats, hs, at - 60_000, at + 240_000])?;
            booking.execute(params![b, h, e_id, id('c', n % 1000), seats, amount, bs, at, at + 600_000])?;
            let outcome = match bs {
                "CONFIRMED" => Some("SUCCESS"),
                "PAYMENT_FAILED" => Some("FAILURE"),
                "CANCELLED" if n % 2 == 0 => Some("SUCCESS"),
                "PAYMENT_PENDING" | "EXPIRED" if n % 3 == 0 => Some("TIMEOUT"),
                _ => None,
            };
            if let Some(o) = outcome {
                pay.execute(params![id('p', n), b, o, amount, at + 30_000])?;
            }
            if bs == "PAYMENT_FAILED" {
                refund.execute(params![id('r', n), b, "FULL", amount, 100, amount, at + 30_000])?;
            } else if bs == "CANCELLED" && n % 2 == 0 {
                refund.execute(params![id('r', n), b, "PARTIAL", amount, 50, amount / 2, at + 90_000])?;
            }
            if n % 100 == 0 {
                audit.execute(params![id('a', n), at + 31_000, id('p', n), e_id, b])?;
            }
        }
    }
    conn.execute_batch("COMMIT; ANALYZE")?;
    Ok(())
}

fn median_ms(desk: &Desk, filter: &ReportFilter) -> (f64, u64) {
    let mut times = Vec::with_capacity(RUNS);
    let mut bookings = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = desk.report(filter).expect("report");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        bookings = r.summary.bookings;
    }
    times.sort_by(f64::total_cmp);
    (times[RUNS / 2], bookings)
}

fn bench(dir: &Path, bookings: usize) {
    let path = dir.join(format!("bench-{bookings}.db"));
    if path.exists() {
        println!("{bookings:>9} bookings: reusing {}", path.display());
    } else {
        let conn = store::open(&path, store::Durability::Normal).expect("open");
        let t = Instant::now();
        fill(&conn, bookings).expect("fill");
        println!("{bookings:>9} bookings: loaded in {:.1} s", t.elapsed().as_secs_f64());
    }
    let (ctx, _) = Context::manual(now(), 1, Config::default());
    let desk = Desk::open(&path, ctx, "bench").expect("open");
    let day = |d: i64| Some(now() - Duration::days(d));
    let cases = [
        ("all events, all time, 24h health", ReportFilter { hours: 24, ..Default::default() }),
        (
            "one event, all time, 24h health",
            ReportFilter { event_id: Some(id('e', 7)), hours: 24, ..Default::default() },
        ),
        (
            "all events, 7-day range, 7d health",
            ReportFilter { from: day(7), to: day(0), hours: 168, ..Default::default() },
        ),
    ];
    for (name, filter) in cases {
        let (ms, n) = median_ms(&desk, &filter);
        println!("  {name:<38} median of {RUNS}: {ms:>8.2} ms  ({n} bookings in scope)");
    }
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    // BENCH_DIR keeps the generated files (and reuses them on the next run).
    let keep = std::env::var_os("BENCH_DIR").map(std::path::PathBuf::from);
    let dir =
        keep.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("boxoffice-bench-{}", std::process::id())));
    std::fs::create_dir_all(&dir).expect("bench dir");
    bench(&dir, 1_000);
    bench(&dir, n);
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
