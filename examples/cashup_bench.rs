//! How long a cash-up takes on a file with 1,000,000 payments, beside the
//! same cash-ups on a small file (10,000 sales) built the same way in the same
//! run. Not a test: run it in release.
//!
//! ```sh
//! cargo run --release --example cashup_bench                 # both files, in a temp dir under /tmp
//! cargo run --release --example cashup_bench -- --runs 20 --no-verify
//! cargo run --release --example cashup_bench -- --small-only   # the small file's checks and verify only
//! BENCH_KEEP=/tmp/cashup cargo run --release --example cashup_bench  # keeps (and reuses) both files there
//! ```
//!
//! Both files come from `common/bigfile.rs` with counters and shifts
//! ([`bigfile::Tills`]): 8 counters, 3 shifts a day (24 clerks), 60 days;
//! payments by cash, card and UPI, refunds by the method paid, every shift but
//! the last ones closed with a counted figure. The big file has 10,205 events
//! × 100 sales: 1,000,090 payment attempts and ~163,000 refunds.
//!
//! Timed through the engine as `boxoffice cashup` calls it (`Desk::cashups`
//! with a `CashupQuery`, signed in as a supervisor): one shift (`--shift`),
//! one whole day of every clerk (`--date`, 24 shifts) and a clerk's newest
//! shift (`--clerk`). Each run opens the file afresh and times its first call
//! ("cold": SQLite's page and statement caches empty; the OS's file cache is
//! not dropped) and then a second ("warm"); median, p99 and max in ms over
//! `--runs` runs (default 50), and big ÷ small by median. Then the checks
//! `verify` adds for the till, one by one, on each file, and the whole of
//! `verify` (which must find nothing: the files keep every invariant; exit 1
//! if it does).

#[path = "common/bigfile.rs"]
mod bigfile;

use bigfile::{Shape, Tills};
use boxoffice::domain::AuditAction;
use boxoffice::engine::CashupQuery;
use boxoffice::{Config, Context, Desk, PinCost};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

const DAYS: i64 = 60;
const TILLS: Tills = Tills { counters: 8, shifts_per_day: 3 };
/// Enough events that the big file has at least 1,000,000 payment attempts.
const BIG_EVENTS: i64 = (1_000_000 + bigfile::ATTEMPTS_PER_100 - 1) / bigfile::ATTEMPTS_PER_100;
const SMALL_EVENTS: i64 = 100;

fn shape(events: i64) -> Shape {
    let sales = events * bigfile::BOOKINGS_PER_EVENT;
    Shape { events, spacing_ms: DAYS * 86_400_000 / sales, tills: Some(TILLS), tickets: true }
}

/// A manual clock at the end of the files' history, with ids seeded apart:
/// each desk signs in at the same instant, in this run and in a run reusing
/// the files (`BENCH_KEEP`), and its audit rows' ids must not repeat.
fn context() -> Context {
    static DESKS: AtomicU64 = AtomicU64::new(0);
    let seed = u64::from(std::process::id()) << 32 | DESKS.fetch_add(1, Ordering::Relaxed);
    Context::manual(bigfile::now(), seed, Config { pin_cost: PinCost::Fast, ..Config::default() }).0
}

struct Args {
    runs: usize,
    verify: bool,
    small_only: bool,
}

fn args() -> Args {
    let mut a = Args { runs: 50, verify: true, small_only: false };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => a.runs = it.next().and_then(|n| n.parse().ok()).unwrap_or(a.runs).max(1),
            "--no-verify" => a.verify = false,
            "--small-only" => a.small_only = true,
            "--bench" => {}
            other => eprintln!("ignored argument {other}"),
        }
    }
    a
}

/// A built file, its supervisor and what to ask of it.
struct File {
    path: PathBuf,
    payments: i64,
    refunds: i64,
    shifts: i64,
    shift_id: String,
    shift_payments: i64,
    day: NaiveDate,
    day_payments: i64,
    clerk: String,
}

fn prepare(path: &Path, events: i64) -> File {
    if path.exists() {
        println!("reusing {}", path.display());
    } else {
        let t = Instant::now();
        bigfile::build_shaped(path, shape(events));
        println!("built {} ({events} events) in {:.1} s", path.display(), t.elapsed().as_secs_f64());
    }
    // Opening applies any pending migration (timed: a new index is built here).
    let t = Instant::now();
    let desk = Desk::open(path, context(), "bench").expect("open");
    println!("  first open (migrations) {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    if desk.sign_in("Boss", "1234").is_err() {
        desk.create_first_supervisor("Boss", "1234").expect("the bench's supervisor");
    }
    drop(desk);
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("read");
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    // A closed shift of counter 0 in the middle of the history, and that day.
    let mid = bigfile::now().timestamp_millis() - DAYS * 86_400_000 / 2;
    let (shift_id, clerk, opened): (String, String, i64) = conn
        .query_row(
            "SELECT s.id, c.name, s.opened_at FROM shifts s JOIN clerks c ON c.id = s.clerk_id
             WHERE s.opened_at <= ?1 AND s.closed_at IS NOT NULL ORDER BY s.opened_at DESC, s.id LIMIT 1",
            [mid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a shift");
    let day = DateTime::<Utc>::from_timestamp_millis(opened).expect("time").date_naive();
    let from = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_millis();
    let count = |sql: &str, p: rusqlite::ParamsFromIter<Vec<rusqlite::types::Value>>| -> i64 {
        conn.query_row(sql, p, |r| r.get(0)).expect(sql)
    };
    let shift_payments = count(
        "SELECT count(*) FROM payment_attempts WHERE shift_id = ?1",
        rusqlite::params_from_iter(vec![shift_id.clone().into()]),
    );
    let day_payments = count(
        "SELECT count(*) FROM payment_attempts p JOIN shifts s ON s.id = p.shift_id
         WHERE s.opened_at >= ?1 AND s.opened_at < ?2",
        rusqlite::params_from_iter(vec![from.into(), (from + 86_400_000).into()]),
    );
    File {
        path: path.to_path_buf(),
        payments: one("SELECT count(*) FROM payment_attempts"),
        refunds: one("SELECT count(*) FROM refunds"),
        shifts: one("SELECT count(*) FROM shifts"),
        shift_id,
        shift_payments,
        day,
        day_payments,
        clerk,
    }
}

struct Stats {
    median: f64,
    p99: f64,
    max: f64,
}

fn stats(mut ms: Vec<f64>) -> Stats {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    Stats { median: at(0.5), p99: at(0.99), max: ms[ms.len() - 1] }
}

/// (kind, cold, warm, shifts returned) for each query on `f`.
fn measure(f: &File, runs: usize) -> Vec<(String, Stats, Stats, usize)> {
    let supervisor = {
        let desk = Desk::open(&f.path, context(), "bench").expect("open");
        desk.sign_in("Boss", "1234").expect("sign in")
    };
    let queries = [
        ("one shift (--shift)", CashupQuery { shift_id: Some(f.shift_id.clone()), ..Default::default() }),
        ("one day, every clerk (--date)", CashupQuery { date: Some(f.day), ..Default::default() }),
        ("a clerk's newest shift (--clerk)", CashupQuery { clerk: Some(f.clerk.clone()), ..Default::default() }),
    ];
    let mut out = Vec::new();
    for (kind, q) in queries {
        let (mut cold, mut warm, mut n) = (Vec::new(), Vec::new(), 0);
        for _ in 0..runs {
            let desk = Desk::open(&f.path, context(), "bench").expect("open");
            desk.act_as(Some(supervisor.clone()));
            let t = Instant::now();
            n = desk.cashups(&q).expect("cash-up").len();
            cold.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let again = desk.cashups(&q).expect("cash-up");
            warm.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(again.len(), n);
        }
        out.push((kind.to_string(), stats(cold), stats(warm), n));
    }
    out
}

/// The checks `verify` adds for the till, each timed once (ms, violations).
fn till_checks(path: &Path) -> Vec<(String, f64, usize)> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("read");
    let mut out = Vec::new();
    for (i, (name, sql)) in boxoffice::store::staff::CHECKS.iter().enumerate() {
        let t = Instant::now();
        let mut stmt = conn.prepare(sql).expect("check");
        for p in 1..=stmt.parameter_count() {
            let action = stmt.parameter_name(p).and_then(|n| AuditAction::parse(n.trim_start_matches(':')));
            stmt.raw_bind_parameter(p, action.expect("an audit action")).expect("bind");
        }
        let mut rows = stmt.raw_query();
        let mut n = 0;
        while rows.next().expect("row").is_some() {
            n += 1;
        }
        out.push((format!("{} ({})", name, i + 1), t.elapsed().as_secs_f64() * 1e3, n));
    }
    out
}

fn verify(path: &Path) -> (f64, Vec<String>) {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("read");
    let desk = Desk::from_read_only(conn, context(), "bench:verify");
    let t = Instant::now();
    let found = desk.verify().expect("verify");
    (t.elapsed().as_secs_f64(), found)
}

/// `verify` on `f`, which must find nothing: whether it did.
fn report_verify(f: &File) -> bool {
    let (secs, found) = verify(&f.path);
    println!("verify {}: {secs:.1} s, {} violations", f.path.display(), found.len());
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for v in &found {
        let n = seen.entry(v.split(':').next().unwrap_or(v)).or_default();
        *n += 1;
        if *n <= 2 {
            println!("  {v}");
        }
    }
    for (invariant, n) in &seen {
        println!("  {n} × {invariant}");
    }
    found.is_empty()
}

/// Exit 1 if `verify` found something (the temp dir, with the big file, is
/// removed either way).
fn main() -> ExitCode {
    let args = args();
    let tmp = tempfile::Builder::new().prefix("cashup-bench").tempdir_in("/tmp").expect("temp dir");
    let dir = std::env::var_os("BENCH_KEEP").map_or_else(|| tmp.path().to_path_buf(), PathBuf::from);
    std::fs::create_dir_all(&dir).expect("BENCH_KEEP directory");
    let small = prepare(&dir.join("small.db"), SMALL_EVENTS);
    if args.small_only {
        for (name, ms, n) in till_checks(&small.path) {
            println!("  {name:<48} {ms:>9.1} ms ({n})");
        }
        return if report_verify(&small) { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }
    let big = prepare(&dir.join("big.db"), BIG_EVENTS);
    for (name, f) in [("small", &small), ("big", &big)] {
        println!(
            "{name}: {} payment attempts, {} refunds, {} shifts; the shift timed took {} payments, the day {} in {} shifts",
            f.payments,
            f.refunds,
            f.shifts,
            f.shift_payments,
            f.day_payments,
            TILLS.counters * TILLS.shifts_per_day
        );
    }

    let s = measure(&small, args.runs);
    let b = measure(&big, args.runs);
    println!(
        "\ncash-up through Desk::cashups, {} runs, release; ms median / p99 / max; cold = first call after opening",
        args.runs
    );
    println!("{:<34} {:>5} {:>26} {:>26} {:>8}", "query", "", "small file", "big file", "big÷small");
    let cell = |s: &Stats| format!("{:>8.3} {:>8.3} {:>8.3}", s.median, s.p99, s.max);
    for ((kind, sc, sw, sn), (_, bc, bw, bn)) in s.iter().zip(&b) {
        println!("{kind:<34} {:>5} {} {} {:>8.2}", "cold", cell(sc), cell(bc), bc.median / sc.median);
        println!(
            "{:<34} {:>5} {} {} {:>8.2}",
            format!("  ({sn} / {bn} shifts)"),
            "warm",
            cell(sw),
            cell(bw),
            bw.median / sw.median
        );
    }

    println!("\nverify's till checks, each once (ms, violations):");
    for ((name, sms, sn), (_, bms, bn)) in till_checks(&small.path).into_iter().zip(till_checks(&big.path)) {
        println!("  {name:<48} small {sms:>9.1} ms ({sn})   big {bms:>9.1} ms ({bn})");
    }
    let clean = !args.verify || (report_verify(&small) & report_verify(&big));
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("\nload average: {}", load.trim());
    }
    if clean { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
