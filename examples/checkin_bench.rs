//! Check-in latency, code → answer, through the real engine (`Desk::check_in`:
//! one IMMEDIATE transaction, the lookup by code, the conditional update, the
//! scan row and its audit row, the commit), on a file with 1,000,000 tickets
//! and, as a baseline in the same run, on one with 1,000. Not a test: run it
//! in release.
//!
//! ```sh
//! cargo run --release --example checkin_bench                      # 1,000,000 tickets, synchronous=FULL
//! cargo run --release --example checkin_bench -- 200000 normal     # another size, synchronous=NORMAL
//! BENCH_DIR=/tmp/cb cargo run --release --example checkin_bench    # keep (and reuse) the files
//! ```
//!
//! Each file is bulk-loaded with plain SQL in one transaction, respecting the
//! schema: 20 general-admission events, a ticket type each, CONFIRMED
//! bookings of 4 seats with their holds, items, successful payments and
//! tickets with real codes. The timed scans are codes picked at random over
//! the whole file, in three rounds: first scans (ADMITTED), the same codes
//! again (ALREADY_USED), and mistyped codes (MISTYPED: no lookup).
//!
//! The desk works as a door does (`Desk::defer_checkpoints`): it answers,
//! then tidies (`Desk::tidy`: a WAL checkpoint every 64 writes). The answer is
//! timed; the tidying, which comes after it, is timed apart and printed too.

use boxoffice::domain::TicketCode;
use boxoffice::store::{self, Durability};
use boxoffice::{Config, Context, Desk};
use rusqlite::{Connection, params};
use std::path::Path;
use std::time::Instant;

const EVENTS: usize = 20;
const SEATS: usize = 4;
const SCANS: usize = 2_000;
/// The last row: the checkpoints run after answers (median and max, not p99).
const TIDY: &str = "after: checkpoint (max)";

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
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn code(&mut self) -> TicketCode {
        let (a, b) = (self.next().to_be_bytes(), self.next().to_be_bytes());
        TicketCode::from_bytes([a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1]])
    }
}

fn fill(conn: &Connection, tickets: usize) -> rusqlite::Result<()> {
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "cache_size", -1_048_576)?; // KiB: 1 GiB, so the indexes load without thrashing
    conn.execute_batch("BEGIN")?;
    let now_ms = 1_780_000_000_000i64;
    let bookings = tickets.div_ceil(SEATS);
    let capacity = ((bookings / EVENTS + 1) * SEATS) as i64;
    let mut ev = conn.prepare(
        "INSERT INTO events (id, name, description, starts_at, kind, total, available, price, currency, created_at)
         VALUES (?1, ?2, '', ?3, 'GA', ?4, ?5, 50000, 'INR', ?6)",
    )?;
    let mut ty = conn.prepare(
        "INSERT INTO ticket_types (id, event_id, name, price, position, created_at, updated_at)
         VALUES (?1, ?2, 'Standard', 50000, 1, ?3, ?3)",
    )?;
    for e in 0..EVENTS {
        let sold = ((bookings / EVENTS + usize::from(e < bookings % EVENTS)) * SEATS) as i64;
        ev.execute(params![id('e', e), format!("Event {e}"), now_ms + 86_400_000, capacity, capacity - sold, now_ms])?;
        ty.execute(params![id('y', e), id('e', e), now_ms])?;
    }
    conn.execute(
        "INSERT INTO customers (id, name, email, created_at) VALUES ('c', 'Bench', 'b@example.com', ?1)",
        [now_ms],
    )?;
    let mut hold = conn.prepare(
        "INSERT INTO holds (id, event_id, seats, status, correlation_id, actor, created_at, expires_at, updated_at)
         VALUES (?1, ?2, ?3, 'CONSUMED', ?1, 'bench', ?4, ?4, ?4)",
    )?;
    let mut booking = conn.prepare(
        "INSERT INTO bookings (id, hold_id, event_id, customer_id, seats, amount, currency, status, correlation_id,
                               created_at, payment_expires_at, updated_at)
         VALUES (?1, ?2, ?3, 'c', ?4, ?4 * 50000, 'INR', 'CONFIRMED', ?2, ?5, ?5, ?5)",
    )?;
    let mut item =
        conn.prepare("INSERT INTO booking_items (booking_id, type_id, count, unit_price) VALUES (?1, ?2, ?3, 50000)")?;
    let mut pay = conn.prepare(
        "INSERT INTO payment_attempts (id, booking_id, idempotency_key, outcome, amount, transaction_id, created_at)
         VALUES (?1, ?2, ?1, 'SUCCESS', ?3 * 50000, 'txn' || ?1, ?4)",
    )?;
    let mut ticket = conn.prepare(
        "INSERT INTO tickets (id, code, booking_id, event_id, type_id, number, seat, price, status, issued_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, 50000, 'VALID', ?7)",
    )?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ tickets as u64);
    let mut n = 0;
    for b in 0..bookings {
        let e = b % EVENTS;
        let seats = SEATS.min(tickets - n) as i64;
        let (h, bid) = (id('h', b), id('b', b));
        hold.execute(params![h, id('e', e), seats, now_ms])?;
        booking.execute(params![bid, h, id('e', e), seats, now_ms])?;
        item.execute(params![bid, id('y', e), seats])?;
        pay.execute(params![id('p', b), bid, seats, now_ms])?;
        for k in 1..=seats {
            ticket.execute(params![id('t', n), rng.code(), bid, id('e', e), id('y', e), k, now_ms])?;
            n += 1;
        }
    }
    conn.execute_batch("COMMIT; ANALYZE")?;
    Ok(())
}

/// Median and 99th percentile in milliseconds.
fn stats(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

fn bench(dir: &Path, tickets: usize, durability: Durability) -> Vec<(&'static str, f64, f64)> {
    let path = dir.join(format!("checkin-{tickets}.db"));
    // A kept file whose tickets an earlier run already scanned is built anew.
    if path.exists() {
        let conn = store::open(&path, Durability::Normal).expect("open");
        let valid: i64 =
            conn.query_row("SELECT count(*) FROM tickets WHERE status = 'VALID'", [], |r| r.get(0)).expect("count");
        if (valid as usize) < SCANS.min(tickets) {
            drop(conn);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
    if path.exists() {
        println!("{tickets:>9} tickets: reusing {}", path.display());
    } else {
        let conn = store::open(&path, Durability::Normal).expect("open");
        let t = Instant::now();
        fill(&conn, tickets).expect("fill");
        println!("{tickets:>9} tickets: loaded in {:.1} s", t.elapsed().as_secs_f64());
    }
    // Codes not yet scanned (a kept file may have scans from an earlier run), picked at random.
    let mut codes: Vec<(String, String)> = {
        let conn = store::open(&path, Durability::Normal).expect("open");
        let mut stmt = conn.prepare("SELECT code, event_id FROM tickets WHERE status = 'VALID'").expect("sql");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("rows").map(|r| r.expect("row")).collect()
    };
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for i in (1..codes.len()).rev() {
        codes.swap(i, rng.below(i + 1));
    }
    codes.truncate(SCANS.min(codes.len()));
    let config = Config { durability, ..Config::default() };
    let desk = Desk::open(&path, Context::system(config), "bench:door").expect("open");
    desk.defer_checkpoints().expect("a door's desk");
    let mut tidy = Vec::new();
    let mut timed_tidy = |desk: &Desk| {
        let t = Instant::now();
        if desk.tidy().expect("tidy") {
            tidy.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    };
    let mut rounds = Vec::new();
    for (round, want) in [("first scan (ADMITTED)", "ADMITTED"), ("again (ALREADY_USED)", "ALREADY_USED")] {
        let mut ms = Vec::with_capacity(codes.len());
        for (code, event) in &codes {
            let t = Instant::now();
            let answer = desk.check_in(code, Some(event), "bench").expect("an answer");
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(answer.result().as_str(), want, "{code}");
            timed_tidy(&desk);
        }
        let (median, p99) = stats(ms);
        rounds.push((round, median, p99));
    }
    let mut ms = Vec::with_capacity(codes.len());
    for (code, _) in &codes {
        let typo = format!("{}{}", if code.starts_with('A') { 'B' } else { 'A' }, &code[1..]);
        let t = Instant::now();
        let answer = desk.check_in(&typo, None, "bench").expect("an answer");
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(answer.result().as_str(), "MISTYPED");
        timed_tidy(&desk);
    }
    let (median, p99) = stats(ms);
    rounds.push(("mistyped (MISTYPED)", median, p99));
    let runs = tidy.len();
    let (median, _) = if tidy.is_empty() { (0.0, 0.0) } else { stats(tidy.clone()) };
    let max = tidy.iter().copied().fold(0.0, f64::max);
    rounds.push((TIDY, median, max));
    eprintln!("  {tickets} tickets: {runs} checkpoints after answers");
    rounds
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let durability: Durability = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or_default();
    let keep = std::env::var_os("BENCH_DIR").map(std::path::PathBuf::from);
    let dir =
        keep.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("boxoffice-checkin-{}", std::process::id())));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let small = bench(&dir, 1_000, durability);
    let large = bench(&dir, n, durability);
    println!();
    println!("check-in latency, code → answer, {SCANS} scans per round, synchronous={}", durability.pragma());
    println!("  {:<24} {:>22} {:>22}", "", "1,000 tickets", format!("{n} tickets"));
    println!("  {:<24} {:>10} {:>11} {:>10} {:>11}", "round", "median ms", "p99 ms", "median ms", "p99 ms");
    for ((round, m1, p1), (_, m2, p2)) in small.iter().zip(&large) {
        println!("  {round:<24} {m1:>10.3} {p1:>11.3} {m2:>10.3} {p2:>11.3}");
    }
    let worst = large.iter().filter(|r| r.0 != TIDY).map(|r| r.2).fold(0.0, f64::max);
    println!("  target: p99 under 5 ms on the large file: {}", if worst < 5.0 { "met" } else { "MISSED" });
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
