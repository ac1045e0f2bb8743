//! Every read a screen does, timed through the engine on the demo database and
//! on a big file (10,000 events, 1,000,000 bookings, 50,000 customers, ~6
//! million audit rows) in one run; then `verify` on the big file. A benchmark
//! that prints figures, not a test: run it in release.
//!
//! ```sh
//! cargo run --release --example query_bench                      # builds the big file in a temp dir
//! BENCH_KEEP=/tmp/big.db cargo run --release --example query_bench   # keeps (and reuses) it
//! cargo run --release --example query_bench -- --runs 50 --no-verify
//! cargo run --release --example query_bench -- --big-only --only search --no-verify
//! ```
//!
//! Each query kind runs `--runs` times (default 25; a kind slower than 2 s in
//! all stops after 3 runs) on a connection opened for
//! the run, the first run included (the clerk meets a cold statement cache
//! too); median, p99 and max in ms per kind, and how many rows it returned.
//! Opening the big file also applies any pending migration: its time is shown.
//! The clock is manual, at the end of the big file's history, so the health
//! windows hold the same rows every run.

#[path = "common/bigfile.rs"]
mod bigfile;

use boxoffice::domain::{AuditField, AuditFilter, BookingFilter, BookingStatus, ReportFilter};
use boxoffice::{Config, Context, Desk};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What the screens ask for at most (the UI's `LIST_LIMIT`).
const LIST: usize = 500;

struct Args {
    runs: usize,
    verify: bool,
    only_big: bool,
}

/// `--only TEXT`: time only the query kinds whose name contains TEXT.
static ONLY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn args() -> Args {
    let mut a = Args { runs: 25, verify: true, only_big: false };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => a.runs = it.next().and_then(|n| n.parse().ok()).unwrap_or(a.runs).max(1),
            "--no-verify" => a.verify = false,
            "--big-only" => a.only_big = true,
            "--only" => {
                let _ = ONLY.set(it.next().unwrap_or_default());
            }
            "--bench" => {} // `cargo bench` style flag: harmless
            other => eprintln!("ignored argument {other}"),
        }
    }
    a
}

fn main() {
    let args = args();
    let tmp = tempfile::tempdir().expect("temp dir");
    let big = std::env::var_os("BENCH_KEEP").map_or_else(|| tmp.path().join("big.db"), PathBuf::from);
    if big.exists() {
        println!("reusing {}", big.display());
    } else {
        let t = Instant::now();
        bigfile::build(&big);
        println!("built {} in {:.1} s", big.display(), t.elapsed().as_secs_f64());
    }
    let demo = tmp.path().join("demo.db");
    {
        let desk = Desk::open(&demo, context(), "bench").expect("demo db");
        boxoffice::demo::seed_if_empty(&desk).expect("demo events");
    }

    let d = if args.only_big { Vec::new() } else { measure(&demo, args.runs) };
    let b = measure(&big, args.runs);

    println!();
    println!(
        "up to {} runs per query kind (at least 3, then while under 2 s), release; ms (median / p99 / max), rows returned",
        args.runs
    );
    println!("{:<46} {:>26} {:>6}   {:>26} {:>7}", "query", "demo DB", "rows", "big DB", "rows");
    let cell = |s: &Stats| format!("{:>7.2} {:>8.2} {:>8.2}", s.median, s.p99, s.max);
    for big in &b {
        let demo = d
            .iter()
            .find(|s| s.kind == big.kind)
            .map_or_else(|| format!("{:>26} {:>6}", "-", "-"), |s| format!("{} {:>6}", cell(s), s.rows));
        println!("{:<46} {demo}   {} {:>7}", big.kind, cell(big), big.rows);
    }
    let mut slowest: Vec<&Stats> = b.iter().collect();
    slowest.sort_by(|x, y| y.max.total_cmp(&x.max));
    println!("\nslowest on the big DB (by max):");
    for s in slowest.iter().take(10) {
        println!("  {:>8.2} ms max  {:>8.2} ms p99  {}", s.max, s.p99, s.kind);
    }
    let over: Vec<&&Stats> = slowest.iter().filter(|s| s.p99 >= 16.0 || s.max >= 33.0).collect();
    println!("{} query kind(s) over p99 16 ms or max 33 ms on the big DB", over.len());

    if args.verify {
        verify(&big);
    }
}

fn context() -> Context {
    Context::manual(bigfile::now(), 7, Config::default()).0
}

struct Stats {
    kind: String,
    median: f64,
    p99: f64,
    max: f64,
    rows: usize,
}

/// Runs `f` `runs` times, or at least 3 times and then until a query kind
/// has had 2 s (a slow query needs no 25 samples to be seen slow); `f`
/// returns how many rows it read.
fn time(out: &mut Vec<Stats>, runs: usize, kind: impl Into<String>, mut f: impl FnMut() -> usize) {
    let kind = kind.into();
    if ONLY.get().is_some_and(|only| !kind.contains(only.as_str())) {
        return;
    }
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0;
    let started = Instant::now();
    while times.len() < runs && (times.len() < 3 || started.elapsed().as_secs() < 2) {
        let t = Instant::now();
        rows = f();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    eprintln!("  {kind}: {} run(s), {:.0} ms", times.len(), started.elapsed().as_secs_f64() * 1000.0);
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    out.push(Stats { kind, median: pct(0.5), p99: pct(0.99), max: times[times.len() - 1], rows });
}

fn measure(path: &Path, runs: usize) -> Vec<Stats> {
    let t = Instant::now();
    let desk = Desk::open(path, context(), "bench").expect("open");
    println!("opened {} in {:.1} s (pending migrations applied)", path.display(), t.elapsed().as_secs_f64());
    let mut out = Vec::new();
    let o = &mut out;

    // Events: the list, a filter typed letter by letter, one that matches nothing.
    time(o, runs, "events: list", || desk.events("", LIST).expect("events").len());
    for f in ["h", "ha", "ham", "hamlet 0001", "zzz"] {
        time(o, runs, format!("events: filter {f:?}"), || desk.events(f, LIST).expect("events").len());
    }

    // Sell: the seat map of the biggest reserved event (26 × 99 on the big file).
    let hall = desk
        .events("", 100_000)
        .expect("events")
        .into_iter()
        .max_by_key(|e| (e.kind.is_reserved(), e.total))
        .expect("an event");
    time(o, runs, format!("sell: event + seat map ({})", hall.total), || {
        let e = desk.event(&hall.id).expect("event");
        desk.seat_map(&e).expect("map").map_or(0, |m| m.free_grid().len())
    });

    // Bookings: each status filter, then searches typed a key at a time.
    let statuses = [
        None,
        Some(BookingStatus::PaymentPending),
        Some(BookingStatus::Confirmed),
        Some(BookingStatus::PaymentFailed),
        Some(BookingStatus::Expired),
        Some(BookingStatus::Cancelled),
    ];
    for status in statuses {
        let name = status.map_or("all".to_string(), |s| s.as_str().to_string());
        time(o, runs, format!("bookings: {name}"), || {
            desk.bookings(&BookingFilter { status, limit: LIST, ..Default::default() }).expect("bookings").len()
        });
    }
    let newest = desk.bookings(&BookingFilter { limit: 2000, ..Default::default() }).expect("bookings");
    // A booking well inside the list, and its ids as a clerk would type them.
    let (sample, _, _) = newest.get(newest.len() / 2).cloned().unwrap_or_else(|| {
        // The demo file has no bookings: search for an id that is not there.
        let b = boxoffice::domain::Booking {
            id: "01900000-0000-7000-8000-00000000beef".into(),
            hold_id: String::new(),
            event_id: String::new(),
            customer_id: String::new(),
            seats: 1,
            amount: 0,
            currency: "INR".into(),
            status: BookingStatus::Confirmed,
            correlation_id: String::new(),
            created_at: bigfile::now(),
            payment_expires_at: bigfile::now(),
            updated_at: bigfile::now(),
            clerk_id: None,
        };
        (b, String::new(), String::new())
    });
    let short = &sample.id[sample.id.len() - 8..];
    // (label, text): the label names what was typed, the same on both files.
    let mut searches: Vec<(String, String)> =
        ["s", "sh", "sha", "shar", "sharm", "sharma", "p", "pr", "priya sh", "priya sharma", "z", "ZOË", "zoe", "Zoë"]
            .iter()
            .chain(&["9", "0", "98765", "98765 43210", "+91 98765-43210", "9876543210", "+91 98123 45678"])
            .chain(&["priya.sharma@example.in", "hamlet", "hamlet 00013"])
            .map(|t| (format!("{t:?}"), t.to_string()))
            .collect();
    for n in [1, 2, 4] {
        searches.push((format!("short id's first {n}"), short[..n].to_string()));
    }
    searches.push(("short id (last 8 of the id)".into(), short.to_string()));
    searches.push(("the id's last 12".into(), sample.id[sample.id.len() - 12..].to_string()));
    searches.push(("the id's first 13".into(), sample.id[..13].to_string()));
    searches.push(("the whole id".into(), sample.id.clone()));
    for (label, text) in &searches {
        time(o, runs, format!("bookings: search {label}"), || {
            desk.bookings(&BookingFilter { search: text.clone(), limit: LIST, ..Default::default() })
                .expect("search")
                .len()
        });
    }
    for s in ["sharma", "9876543210", "zoe"] {
        time(o, runs, format!("customers: search {s:?}"), || desk.search_customers(s, 50).expect("customers").len());
    }

    // Booking detail: what opening one reads.
    if !newest.is_empty() {
        time(o, runs, "booking detail", || {
            let b = desk.get_booking(&sample.id).expect("booking");
            let _ = desk.event(&b.event_id);
            let _ = desk.get_customer(&b.customer_id);
            let _ = desk.get_hold(&b.hold_id);
            let n = desk.attempts(&b.id).expect("attempts").len();
            let _ = desk.refund(&b.id).expect("refund");
            n + desk
                .audit(&AuditFilter {
                    correlation_id: Some(b.correlation_id.clone()),
                    limit: 200,
                    ..Default::default()
                })
                .expect("audit")
                .len()
        });
    }

    // Reports: what a load of the screen reads today (the event list, then the
    // whole report, a row per event).
    let report = |event_id: Option<String>, hours: u32| {
        let events = desk.events("", LIST).expect("events").len();
        let r = desk.report(&ReportFilter { event_id, hours, ..Default::default() }).expect("report");
        events + r.summary.events.len()
    };
    time(o, runs, "reports: all events, 24 h (screen load)", || report(None, 24));
    for h in [1, 12, 168] {
        time(o, runs, format!("reports: all events, {h} h"), || report(None, h));
    }
    let one = desk.events("", 1).expect("events").remove(0).id;
    for h in [1, 24, 168] {
        time(o, runs, format!("reports: one event, {h} h"), || report(Some(one.clone()), h));
    }
    // What the screen needs: the figures and the event rows it has room for.
    let page = |event_id: Option<String>, hours: u32| {
        let events = desk.events("", LIST).expect("events").len();
        let r = desk.report_page(&ReportFilter { event_id, hours, ..Default::default() }, 0, 40).expect("report");
        events + r.summary.events.len()
    };
    for h in [1, 12, 24, 168] {
        time(o, runs, format!("reports, 40 event rows: all events, {h} h"), || page(None, h));
    }
    time(o, runs, "reports, 40 event rows: one event, 24 h", || page(Some(one.clone()), 24));
    time(o, runs, "report CLI: all events, 24 h (whole report)", || {
        desk.report(&ReportFilter { hours: 24, ..Default::default() }).expect("report").summary.events.len()
    });

    // Audit: the list, the backlog line, each filter field, a jump from a booking.
    time(o, runs, "audit: list + backlog", || {
        boxoffice::jobs::ship_backlog_of(&desk).expect("backlog") as usize
            + desk.audit_search(AuditField::Any, "", LIST).expect("audit").len()
    });
    let tail = |id: &str| id[id.len().saturating_sub(8)..].to_string();
    let audit_searches = [
        (AuditField::Any, "a booking's short id", short.to_string()),
        (AuditField::Any, "a short id's first 4", short[..4].to_string()),
        (AuditField::Booking, "its short id", short.to_string()),
        (AuditField::Correlation, "a whole id (the jump from a booking)", sample.correlation_id.clone()),
        (AuditField::Correlation, "its short id", tail(&sample.correlation_id)),
        (AuditField::Event, "its short id", tail(&sample.event_id)),
        (AuditField::Any, "\"e\"", "e".to_string()),
        (AuditField::Any, "\"ex\"", "ex".to_string()),
        (AuditField::Action, "\"e\" (a letter: most actions)", "e".to_string()),
        (AuditField::Action, "\"ex\"", "ex".to_string()),
        (AuditField::Action, "\"expired\"", "expired".to_string()),
        (AuditField::Action, "\"recovery\"", "recovery".to_string()),
    ];
    for (field, label, text) in audit_searches {
        time(o, runs, format!("audit: {}, {label}", field.label()), || {
            desk.audit_search(field, &text, LIST).expect("audit").len()
        });
    }

    // Jobs: every job's status.
    time(o, runs, "jobs: statuses", || boxoffice::jobs::job_statuses(&desk).expect("jobs").len());
    out
}

/// `boxoffice verify` on the big file: SQLite's own checks, then the invariants.
fn verify(path: &Path) {
    println!("\nverify on {}:", path.display());
    let t = Instant::now();
    let conn = boxoffice::store::open_read_only(path).expect("read-only");
    let damage = boxoffice::store::integrity::damage(&conn).expect("integrity");
    let integrity = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let desk = Desk::from_read_only(conn, context(), "bench:verify");
    let violations = desk.verify().expect("verify");
    let invariants = t.elapsed().as_secs_f64();
    println!("  integrity + foreign keys: {integrity:.1} s ({} problem(s))", damage.len());
    println!("  invariants:               {invariants:.1} s ({} violation(s))", violations.len());
    for v in violations.iter().take(5) {
        println!("    {v}");
    }
}
