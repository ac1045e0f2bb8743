//! `boxoffice-bench`: sale cycles through the real engine (`Desk`) against one
//! general-admission event, beside a raw SQLite floor (the minimal equivalent
//! writes, no app logic) on a separate file with the same pragmas.
//!
//! A sale cycle is hold → book → pay, in a fixed, deterministic mix per 10
//! cycles: 7 × pay SUCCESS, 1 × pay FAILURE (seats back, FULL refund record),
//! 1 × pay TIMEOUT then SUCCESS on retry with a new key, 1 × cancel while the
//! payment is pending (seats back, no refund). Every hold takes
//! `SEATS_PER_SALE` seats. The event is sized so that it sells out after about
//! `--cycles` cycles; the workers sell until it does.
//!
//! With `--processes N > 1` the bench spawns N copies of itself (the hidden
//! `--worker` flag) that sell from the same event (or, with `--events
//! per-process`, each from an event of its own) in the same database at once;
//! the parent starts them together and adds up what they did. The raw floor
//! runs the same way, with the same number of processes, on its own file.
//!
//! `--db postgres://…` runs the engine on PostgreSQL (each worker opens its own
//! `Desk::open_postgres`); the raw floor is SQLite's and is skipped there.

use boxoffice::domain::{
    AuditAction, AuditEntity, BookingStatus, EventKind, HoldStatus, NewCustomer, NewEvent, PaymentOutcome,
};
use boxoffice::store::{self, Durability};
use boxoffice::{Config, Context, Error};
use boxoffice::{Desk, HoldRequest, SeatPick};
use clap::{Parser, ValueEnum};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Seats each hold takes (the event's capacity is a multiple of it, so the
/// free pool always runs out exactly).
const SEATS_PER_SALE: u32 = 2;
/// Price per seat, minor units.
const PRICE: i64 = 25_000;
/// How long a worker waits for other workers' holds to settle once the pool
/// is empty before it gives up (something leaked a hold).
const STALL_LIMIT: Duration = Duration::from_secs(20);
/// Escaped errors after which a worker stops rather than spin.
const MAX_ESCAPED: u64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// hold → book → pay SUCCESS (3 transactions)
    Success,
    /// hold → book → pay FAILURE (3 transactions)
    Failure,
    /// hold → book → pay TIMEOUT → pay SUCCESS with a new key (4 transactions)
    Timeout,
    /// hold → book → cancel the pending booking (3 transactions)
    Cancel,
}

impl Kind {
    /// Whether the cycle ends with its seats sold.
    fn sells(self) -> bool {
        matches!(self, Kind::Success | Kind::Timeout)
    }
}

/// The deterministic mix: 70 % SUCCESS, 10 % FAILURE, 10 % TIMEOUT, 10 % cancel.
const PATTERN: [Kind; 10] = [
    Kind::Success,
    Kind::Success,
    Kind::Success,
    Kind::Failure,
    Kind::Success,
    Kind::Success,
    Kind::Timeout,
    Kind::Success,
    Kind::Cancel,
    Kind::Success,
];

/// Which event each worker process sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Events {
    /// All processes sell one event: an on-sale rush, every write on one event lock.
    Shared,
    /// Each process sells an event of its own: counters on different events,
    /// which PostgreSQL can commit side by side.
    PerProcess,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Role {
    Engine,
    Raw,
}

#[derive(Parser, Debug)]
#[command(
    name = "boxoffice-bench",
    version,
    about = "Sale cycles per second through the boxoffice engine, beside a raw SQLite floor"
)]
struct Cli {
    /// The engine's database: a file (the raw floor uses PATH.raw-floor.db beside it), or a
    /// postgres://user@host/dbname URL (an empty database or a boxoffice one: the bench adds its
    /// events and a clerk 'bench' and leaves them; no raw floor) [default: a file in a temp dir]
    #[arg(long, value_name = "PATH|URL")]
    db: Option<String>,
    /// OS processes selling at once, each with its own connection
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    processes: u32,
    /// Which event the processes sell: one shared event, or one event per process (each sized
    /// for its share of --cycles)
    #[arg(long, value_enum, default_value = "shared")]
    events: Events,
    /// Sale cycles in the run (all processes together); the event is sized to sell out after about this many
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(10..=1_000_000))]
    cycles: u32,
    /// Print one JSON object instead of a table
    #[arg(long)]
    json: bool,
    /// Commit durability of a SQLite file, for both the engine and the raw floor: full (default)
    /// or normal (on PostgreSQL the server's settings decide)
    #[arg(long, default_value = "full")]
    synchronous: Durability,
    /// Internal: run as a worker process of this kind
    #[arg(long, hide = true, value_enum)]
    worker: Option<Role>,
    /// Internal: the event a worker sells from
    #[arg(long, hide = true)]
    event: Option<String>,
    /// Internal: the worker's number
    #[arg(long, hide = true, default_value_t = 0)]
    index: u32,
    /// Internal: the clerk a worker signs in as
    #[arg(long, hide = true, default_value = BENCH_CLERK)]
    clerk: String,
}

/// What one worker did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct WorkerReport {
    cycles: u64,
    transactions: u64,
    seats_sold: u64,
    /// Clean "not enough seats" refusals (the pool was empty at that moment).
    refusals: u64,
    escaped_errors: u64,
    error_samples: Vec<String>,
    start_us: u64,
    end_us: u64,
    /// CPU time (user + system) the worker spent selling, when the OS tells.
    cpu_us: Option<u64>,
}

impl WorkerReport {
    fn escaped(&mut self, what: &str, e: impl std::fmt::Display) {
        self.escaped_errors += 1;
        if self.error_samples.len() < 5 {
            self.error_samples.push(format!("{what}: {e}"));
        }
    }
}

/// Both phases' figures, added up over the processes.
#[derive(Debug, Clone, Default)]
struct Phase {
    cycles: u64,
    transactions: u64,
    seats_sold: u64,
    refusals: u64,
    escaped_errors: u64,
    error_samples: Vec<String>,
    seconds: f64,
    cpu_us: Option<u64>,
}

impl Phase {
    fn from_reports(reports: &[WorkerReport]) -> Phase {
        let start = reports.iter().map(|r| r.start_us).min().unwrap_or(0);
        let end = reports.iter().map(|r| r.end_us).max().unwrap_or(0);
        Phase {
            cycles: reports.iter().map(|r| r.cycles).sum(),
            transactions: reports.iter().map(|r| r.transactions).sum(),
            seats_sold: reports.iter().map(|r| r.seats_sold).sum(),
            refusals: reports.iter().map(|r| r.refusals).sum(),
            escaped_errors: reports.iter().map(|r| r.escaped_errors).sum(),
            error_samples: reports.iter().flat_map(|r| r.error_samples.iter().cloned()).take(10).collect(),
            seconds: end.saturating_sub(start).max(1) as f64 / 1e6,
            cpu_us: reports.iter().map(|r| r.cpu_us).sum(),
        }
    }

    fn per_s(&self) -> f64 {
        self.cycles as f64 / self.seconds
    }

    fn tx_per_s(&self) -> f64 {
        self.transactions as f64 / self.seconds
    }

    /// CPU microseconds per cycle: robust to a machine shared with others.
    fn cpu_us_per_cycle(&self) -> Option<f64> {
        self.cpu_us.map(|c| round1(c as f64 / self.cycles.max(1) as f64))
    }
}

#[derive(Debug, Serialize)]
struct Summary {
    sale_cycles_per_s: f64,
    /// `None` on PostgreSQL: the floor is raw SQLite.
    raw_floor_per_s: Option<f64>,
    ratio: Option<f64>,
    processes: u32,
    /// "sqlite" or "postgres".
    backend: &'static str,
    /// "shared" or "per-process".
    events: &'static str,
    /// SQLite's commit mode; on PostgreSQL the server's settings decide.
    synchronous: &'static str,
    total_seats: u64,
    sold: u64,
    oversold: u64,
    escaped_errors: u64,
    verify_ok: bool,
    violations: Vec<String>,
    cycles: u64,
    sale_tx_per_s: f64,
    sale_seconds: f64,
    sold_out_refusals: u64,
    raw_cycles: Option<u64>,
    raw_tx_per_s: Option<f64>,
    raw_seconds: Option<f64>,
    raw_sold: Option<u64>,
    raw_escaped_errors: Option<u64>,
    sale_cpu_us_per_cycle: Option<f64>,
    raw_cpu_us_per_cycle: Option<f64>,
    seats_per_sale: u32,
    mix: &'static str,
    db: String,
    raw_db: Option<String>,
    error_samples: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.worker {
        Some(role) => worker_main(&cli, role),
        None => parent_main(&cli),
    };
    match result {
        Ok(code) => code,
        Err(e) => boxoffice::output::fail("boxoffice-bench", &e),
    }
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

/// This process's CPU time (user + system) in microseconds, from
/// `/proc/self/stat` (Linux); `None` elsewhere.
fn cpu_time_us() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which sits in parentheses): utime is the
    // 12th and stime the 13th, in clock ticks (100 per second on Linux).
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let mut fields = rest.split_whitespace().skip(11);
    let ticks = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    Some(ticks * 10_000)
}

fn config(durability: Durability) -> Config {
    Config { durability, ..Config::default() }
}

fn is_postgres(db: &str) -> bool {
    store::db::is_postgres_url(db)
}

/// A desk on the file or the PostgreSQL database `db` names.
fn open_desk(db: &str, durability: Durability, actor: String) -> Result<Desk, Error> {
    let ctx = Context::system(config(durability));
    if is_postgres(db) { Desk::open_postgres(db, ctx, actor) } else { Desk::open(Path::new(db), ctx, actor) }
}

/// How `db` is shown: a URL without its password.
fn shown(db: &str) -> String {
    if is_postgres(db) { store::pg::redact(db) } else { db.to_string() }
}

// ---- the parent: set up, run both phases, check, report ---------------------

fn parent_main(cli: &Cli) -> Result<ExitCode, Error> {
    let (db, temp_dir) = match &cli.db {
        Some(p) => (p.clone(), None),
        None => {
            let dir = std::env::temp_dir().join(format!("boxoffice-bench-{}-{}", std::process::id(), now_us()));
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
            (dir.join("bench.db").to_string_lossy().into_owned(), Some(dir))
        }
    };
    // The raw floor is raw SQLite: on PostgreSQL there is none.
    let raw_db = (!is_postgres(&db)).then(|| PathBuf::from(format!("{db}.raw-floor.db")));
    let result = run_bench(cli, &db, raw_db.as_deref());
    if let Some(dir) = temp_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    let mut summary = result?;
    if cli.db.is_none() {
        summary.db.push_str(" (temporary, removed)");
        if let Some(raw) = &mut summary.raw_db {
            raw.push_str(" (temporary, removed)");
        }
    }
    let text = if cli.json {
        serde_json::to_string(&summary).map_err(|e| Error::Storage(format!("cannot write the summary: {e}")))? + "\n"
    } else {
        table(&summary)
    };
    let ok = summary.verify_ok
        && summary.oversold == 0
        && summary.escaped_errors == 0
        && summary.sold == summary.total_seats;
    boxoffice::output::stdout(&text)?;
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The event's capacity: the seats the sold-ending cycles among the first
/// `cycles` of the mix take, so one process sells out after `cycles` cycles.
fn total_seats(cycles: u32) -> u32 {
    let sold_cycles = (0..cycles as usize).filter(|c| PATTERN[c % PATTERN.len()].sells()).count() as u32;
    sold_cycles.max(1) * SEATS_PER_SALE
}

/// The events the workers sell and the seats each has: one event sized for
/// all `--cycles`, or one per process sized for its share.
fn event_plan(cli: &Cli) -> (usize, u32) {
    match cli.events {
        Events::Shared => (1, total_seats(cli.cycles)),
        Events::PerProcess => (cli.processes as usize, total_seats((cli.cycles / cli.processes).max(1))),
    }
}

fn run_bench(cli: &Cli, db: &str, raw_db: Option<&Path>) -> Result<Summary, Error> {
    let (n_events, seats) = event_plan(cli);
    let durability = cli.synchronous;

    // The engine's events, made by the bench's supervisor.
    let setup = open_desk(db, durability, "bench:setup".into())?;
    sign_in_bench(&setup)?;
    add_bench_clerks(&setup, cli)?;
    let mut events = Vec::new();
    for i in 0..n_events {
        let event = setup.create_event(NewEvent {
            name: format!("Bench GA {} #{i}", now_us()),
            description: "boxoffice-bench sale cycles".into(),
            starts_at: setup.now() + chrono::Duration::days(30),
            kind: EventKind::GeneralAdmission { capacity: seats },
            price: PRICE,
            currency: "INR".into(),
        })?;
        events.push(event.id);
    }

    // The raw floor's file: same schema and pragmas (store::open), a fresh file.
    let raw_events = match raw_db {
        Some(raw_db) => {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", raw_db.display()));
            }
            Some(raw_setup(raw_db, durability, n_events, seats)?)
        }
        None => None,
    };

    let engine = run_phase(cli, Role::Engine, db, &events)?;
    let raw = match (raw_db, &raw_events) {
        (Some(raw_db), Some(raw_events)) => Some(run_phase(cli, Role::Raw, &raw_db.to_string_lossy(), raw_events)?),
        _ => None,
    };

    // What the database says, whatever the workers believe.
    let total = u64::from(seats) * n_events as u64;
    let mut sold = 0;
    let mut oversold = 0;
    for event in &events {
        let (_, owned) = store::sales::seats_owned(setup.db(), event)?;
        let owned = owned.max(0) as u64;
        sold += owned;
        oversold += owned.saturating_sub(u64::from(seats));
    }
    // More seats sold than exist, by the database's count or by what the
    // workers were told (a CHECK constraint should make both impossible).
    let oversold = oversold.max(engine.seats_sold.saturating_sub(total));
    let violations = setup.verify()?;
    let raw_sold = match raw_db {
        Some(raw_db) => Some(store::open(raw_db, durability)?.query_row(
            "SELECT coalesce(sum(total - available), 0) FROM events",
            [],
            |r| r.get::<_, i64>(0),
        )?),
        None => None,
    };

    Ok(Summary {
        sale_cycles_per_s: round1(engine.per_s()),
        raw_floor_per_s: raw.as_ref().map(|r| round1(r.per_s())),
        ratio: raw.as_ref().map(|r| (engine.per_s() / r.per_s() * 1000.0).round() / 1000.0),
        processes: cli.processes,
        backend: if is_postgres(db) { "postgres" } else { "sqlite" },
        events: match cli.events {
            Events::Shared => "shared",
            Events::PerProcess => "per-process",
        },
        synchronous: if is_postgres(db) { "server" } else { durability.pragma() },
        total_seats: total,
        sold,
        oversold,
        escaped_errors: engine.escaped_errors,
        verify_ok: violations.is_empty(),
        violations: violations.into_iter().take(20).collect(),
        cycles: engine.cycles,
        sale_tx_per_s: round1(engine.tx_per_s()),
        sale_seconds: (engine.seconds * 1000.0).round() / 1000.0,
        sold_out_refusals: engine.refusals,
        raw_cycles: raw.as_ref().map(|r| r.cycles),
        raw_tx_per_s: raw.as_ref().map(|r| round1(r.tx_per_s())),
        raw_seconds: raw.as_ref().map(|r| (r.seconds * 1000.0).round() / 1000.0),
        raw_sold: raw_sold.map(|s| s.max(0) as u64),
        raw_escaped_errors: raw.as_ref().map(|r| r.escaped_errors),
        sale_cpu_us_per_cycle: engine.cpu_us_per_cycle(),
        raw_cpu_us_per_cycle: raw.as_ref().and_then(|r| r.cpu_us_per_cycle()),
        seats_per_sale: SEATS_PER_SALE,
        mix: "70% pay SUCCESS, 10% FAILURE, 10% TIMEOUT then SUCCESS, 10% cancel pending",
        db: shown(db),
        raw_db: raw_db.map(|p| p.display().to_string()),
        error_samples: engine.error_samples.into_iter().chain(raw.into_iter().flat_map(|r| r.error_samples)).collect(),
    })
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// One phase: in this process for one process, else N spawned workers that
/// start together.
fn run_phase(cli: &Cli, role: Role, db: &str, events: &[String]) -> Result<Phase, Error> {
    let event_of = |i: u32| &events[i as usize % events.len()];
    if cli.processes == 1 {
        let mut worker = Worker::open(role, db, event_of(0), &clerk_of(cli, 0), 0, cli.synchronous)?;
        let report = worker.run();
        return Ok(Phase::from_reports(&[report]));
    }
    let exe = std::env::current_exe().map_err(|e| Error::io("cannot find the bench binary", e))?;
    let mut children = Vec::new();
    for i in 0..cli.processes {
        let child = Command::new(&exe)
            .arg("--worker")
            .arg(match role {
                Role::Engine => "engine",
                Role::Raw => "raw",
            })
            .arg("--db")
            .arg(db)
            .arg("--event")
            .arg(event_of(i))
            .arg("--index")
            .arg(i.to_string())
            .arg("--clerk")
            .arg(clerk_of(cli, i))
            .arg("--synchronous")
            .arg(cli.synchronous.pragma().to_ascii_lowercase())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| Error::io("cannot start a worker process", e))?;
        children.push(child);
    }
    // Wait until every worker has opened its connection, then start them together.
    let mut outs = Vec::new();
    for child in &mut children {
        let stdout = child.stdout.take().ok_or_else(|| Error::Storage("a worker has no stdout".into()))?;
        let mut out = BufReader::new(stdout);
        let mut line = String::new();
        out.read_line(&mut line).map_err(|e| Error::io("worker did not start", e))?;
        if line.trim() != "ready" {
            let why = match line.trim().strip_prefix("failed: ") {
                Some(why) => why.to_string(),
                None => match child.wait() {
                    Ok(status) => format!("it exited ({status}) before it was ready"),
                    Err(e) => format!("it stopped before it was ready ({e})"),
                },
            };
            return Err(Error::Storage(format!("worker did not start: {why}")));
        }
        outs.push(out);
    }
    for child in &mut children {
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(b"go\n");
        }
    }
    let mut reports = Vec::new();
    for (child, mut out) in children.iter_mut().zip(outs) {
        let mut line = String::new();
        let _ = out.read_line(&mut line);
        let status = child.wait().map_err(|e| Error::io("worker failed", e))?;
        match serde_json::from_str::<WorkerReport>(line.trim()) {
            Ok(r) => reports.push(r),
            Err(_) => {
                let mut r = WorkerReport { start_us: now_us(), end_us: now_us(), ..Default::default() };
                r.escaped("worker", format!("exited with {status} without a report"));
                reports.push(r);
            }
        }
    }
    Ok(Phase::from_reports(&reports))
}

/// `writeln!` into a String, which cannot fail.
macro_rules! wl {
    ($t:expr, $($arg:tt)*) => {
        let _ = writeln!($t, $($arg)*);
    };
}

fn table(s: &Summary) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    wl!(
        t,
        "boxoffice-bench — {}, synchronous={}, {} process(es), events {}, {} seats per sale",
        s.backend,
        s.synchronous,
        s.processes,
        s.events,
        s.seats_per_sale
    );
    wl!(t, "mix: {}", s.mix);
    t.push('\n');
    wl!(t, "{:<22} {:>8} {:>10} {:>12} {:>10}", "", "cycles", "seconds", "cycles/s", "tx/s");
    wl!(
        t,
        "{:<22} {:>8} {:>10.3} {:>12.1} {:>10.1}",
        "sale cycle (engine)",
        s.cycles,
        s.sale_seconds,
        s.sale_cycles_per_s,
        s.sale_tx_per_s
    );
    match (s.raw_cycles, s.raw_seconds, s.raw_floor_per_s, s.raw_tx_per_s, s.ratio) {
        (Some(cycles), Some(seconds), Some(per_s), Some(tx), Some(ratio)) => {
            wl!(t, "{:<22} {:>8} {:>10.3} {:>12.1} {:>10.1}", "raw SQLite floor", cycles, seconds, per_s, tx);
            wl!(t, "{:<22} {:>8} {:>10} {:>12.3}", "ratio (engine/raw)", "", "", ratio);
        }
        _ => {
            wl!(t, "{:<22} {:>8}", "raw SQLite floor", "n/a (SQLite only)");
        }
    }
    if let (Some(e), Some(r)) = (s.sale_cpu_us_per_cycle, s.raw_cpu_us_per_cycle) {
        wl!(t, "CPU per cycle: engine {e:.0} µs, raw floor {r:.0} µs");
    }
    t.push('\n');
    wl!(t, "total seats        {}", s.total_seats);
    wl!(t, "sold               {}", s.sold);
    wl!(t, "oversold           {}", s.oversold);
    wl!(t, "escaped errors     {}", s.escaped_errors);
    wl!(t, "sold-out refusals  {}", s.sold_out_refusals);
    wl!(t, "verify             {}", if s.verify_ok { "ok" } else { "VIOLATIONS" });
    for v in &s.violations {
        wl!(t, "  {v}");
    }
    for e in &s.error_samples {
        wl!(t, "  error: {e}");
    }
    wl!(t, "db                 {}", s.db);
    if let Some(raw) = &s.raw_db {
        wl!(t, "raw floor db       {raw}");
    }
    t
}

// ---- a worker: sells until the event is sold out ----------------------------

fn worker_main(cli: &Cli, role: Role) -> Result<ExitCode, Error> {
    let db = cli.db.as_deref().ok_or_else(|| Error::Storage("--worker needs --db".into()))?;
    let event = cli.event.as_ref().ok_or_else(|| Error::Storage("--worker needs --event".into()))?;
    // The parent reads one line: "ready", or why not.
    let mut worker = match Worker::open(role, db, event, &cli.clerk, cli.index, cli.synchronous) {
        Ok(w) => w,
        Err(e) => {
            boxoffice::output::stdout(&format!("failed: {e}\n"))?;
            return Ok(ExitCode::from(2));
        }
    };
    boxoffice::output::stdout("ready\n")?;
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).ok();
    let report = worker.run();
    boxoffice::output::stdout(&format!("{}\n", serde_json::to_string(&report).unwrap_or_default()))?;
    Ok(ExitCode::SUCCESS)
}

// One per worker process, for its life: boxing the desk saves nothing.
#[allow(clippy::large_enum_variant)]
enum Seller {
    Engine { desk: Desk, customer_id: String },
    Raw(Raw),
}

struct Worker {
    seller: Seller,
    event_id: String,
    index: u32,
}

/// A hold outcome: seats held, or the pool was empty.
enum Held {
    Yes(String),
    SoldOut,
}

impl Worker {
    fn open(
        role: Role,
        db: &str,
        event_id: &str,
        clerk: &str,
        index: u32,
        durability: Durability,
    ) -> Result<Worker, Error> {
        let seller = match role {
            Role::Engine => {
                let desk = open_desk(db, durability, format!("bench:{}:{index}", std::process::id()))?;
                if clerk == BENCH_CLERK {
                    sign_in_bench(&desk)?;
                } else {
                    desk.sign_in(clerk, BENCH_PIN).map_err(|e| {
                        Error::Storage(format!(
                            "the bench signs in as '{clerk}' (PIN {BENCH_PIN}); here it cannot: {e}"
                        ))
                    })?;
                }
                let customer = desk.customer(NewCustomer {
                    name: format!("Bench Worker {index}"),
                    email: Some(format!("bench-{index}@bench.example")),
                    phone: None,
                })?;
                Seller::Engine { desk, customer_id: customer.value.id }
            }
            Role::Raw => Seller::Raw(Raw::open(Path::new(db), durability, index)?),
        };
        Ok(Worker { seller, event_id: event_id.to_string(), index })
    }

    fn run(&mut self) -> WorkerReport {
        let cpu_start = cpu_time_us();
        let mut report = WorkerReport { start_us: now_us(), ..Default::default() };
        let mut cycle = (self.index as usize * 3) % PATTERN.len();
        let mut stalled_since: Option<Instant> = None;
        while report.escaped_errors < MAX_ESCAPED {
            let kind = PATTERN[cycle % PATTERN.len()];
            match self.hold() {
                Ok(Held::Yes(hold_id)) => {
                    stalled_since = None;
                    report.transactions += 1;
                    match self.finish(kind, &hold_id, &mut report) {
                        Ok(()) => {
                            report.cycles += 1;
                            if kind.sells() {
                                report.seats_sold += u64::from(SEATS_PER_SALE);
                            }
                        }
                        Err(e) => {
                            report.escaped("sale", e);
                            self.clean_up(&hold_id);
                        }
                    }
                    cycle += 1;
                }
                Ok(Held::SoldOut) => {
                    report.refusals += 1;
                    match self.settled() {
                        Ok(true) => break,
                        Ok(false) => {
                            // Other workers still hold seats that may come back.
                            let since = *stalled_since.get_or_insert_with(Instant::now);
                            if since.elapsed() > STALL_LIMIT {
                                report.escaped("stall", "the pool stayed empty with seats still held");
                                break;
                            }
                            std::thread::sleep(Duration::from_micros(200));
                        }
                        Err(e) => report.escaped("sold-out check", e),
                    }
                }
                Err(e) => report.escaped("hold", e),
            }
        }
        report.end_us = now_us();
        report.cpu_us = cpu_time_us().zip(cpu_start).map(|(end, start)| end.saturating_sub(start));
        report
    }

    fn hold(&mut self) -> Result<Held, Error> {
        match &mut self.seller {
            Seller::Engine { desk, .. } => {
                let req = HoldRequest {
                    event_id: self.event_id.clone(),
                    pick: SeatPick::Count(i64::from(SEATS_PER_SALE)),
                    idempotency_key: None,
                    correlation_id: None,
                };
                match desk.hold(req) {
                    Ok(h) => Ok(Held::Yes(h.value.id)),
                    Err(Error::NotEnoughSeats { .. }) => Ok(Held::SoldOut),
                    Err(e) => Err(e),
                }
            }
            Seller::Raw(raw) => raw.hold(&self.event_id),
        }
    }

    /// The rest of the cycle after the hold; counts its transactions.
    fn finish(&mut self, kind: Kind, hold_id: &str, report: &mut WorkerReport) -> Result<(), Error> {
        match &mut self.seller {
            Seller::Engine { desk, customer_id } => {
                let booking = desk.book(hold_id, customer_id, None)?.value;
                report.transactions += 1;
                let key = format!("pay-{hold_id}");
                match kind {
                    Kind::Success => {
                        expect(desk.pay(&booking.id, PaymentOutcome::Success, &key, None)?.booking.status, "CONFIRMED")?
                    }
                    Kind::Failure => expect(
                        desk.pay(&booking.id, PaymentOutcome::Failure, &key, None)?.booking.status,
                        "PAYMENT_FAILED",
                    )?,
                    Kind::Timeout => {
                        expect(
                            desk.pay(&booking.id, PaymentOutcome::Timeout, &key, None)?.booking.status,
                            "PAYMENT_PENDING",
                        )?;
                        report.transactions += 1;
                        let retry = format!("{key}-retry");
                        expect(
                            desk.pay(&booking.id, PaymentOutcome::Success, &retry, None)?.booking.status,
                            "CONFIRMED",
                        )?
                    }
                    Kind::Cancel => expect(desk.cancel(&booking.id)?.booking.status, "CANCELLED")?,
                }
                report.transactions += 1;
                Ok(())
            }
            Seller::Raw(raw) => raw.finish(kind, &self.event_id, hold_id, report),
        }
    }

    /// Whether the event is sold out for good: no free seats and no live holds.
    fn settled(&self) -> Result<bool, Error> {
        // The raw floor's own connection is rusqlite's; the engine's a store::db::Db.
        const SQL: &str = "SELECT available, (SELECT coalesce(sum(seats), 0) FROM holds
                                              WHERE event_id = ?1 AND status = 'ACTIVE')
                           FROM events WHERE id = ?1";
        let (available, held): (i64, i64) = match &self.seller {
            Seller::Engine { desk, .. } => {
                desk.db().query_one(SQL, store::db::args![self.event_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            }
            Seller::Raw(raw) => raw.conn.query_row(SQL, [&self.event_id], |r| Ok((r.get(0)?, r.get(1)?)))?,
        };
        Ok(available == 0 && held == 0)
    }

    /// After an escaped error: give the hold's seats back so the run can end.
    fn clean_up(&self, hold_id: &str) {
        if let Seller::Engine { desk, .. } = &self.seller {
            if let Ok(Some(b)) = desk.booking_for_hold(hold_id) {
                let _ = desk.cancel(&b.id);
            }
            let _ = desk.release(hold_id);
        }
    }
}

fn expect<T: std::fmt::Display>(got: T, want: &str) -> Result<(), Error> {
    let got = got.to_string();
    if got == want { Ok(()) } else { Err(Error::refused(format!("expected {want}, got {got}"))) }
}

// ---- the raw SQLite floor ----------------------------------------------------

/// The minimal equivalent writes of a sale cycle, with no app logic: the same
/// transactions per cycle as the engine, each `BEGIN IMMEDIATE`, statements
/// prepared once and cached, on the app's schema with the app's pragmas.
struct Raw {
    conn: Connection,
    actor: String,
    customer_id: String,
    clerk_id: String,
    shift_id: String,
}

/// The bench's clerk: a supervisor `bench` (PIN 000000) on a file with no
/// clerks yet; on a file that has clerks, `bench` must sign in with that PIN.
fn sign_in_bench(desk: &Desk) -> Result<(), Error> {
    if desk.needs_first_supervisor()? {
        // Several processes may race to make it: the loser signs in instead.
        match desk.create_first_supervisor(BENCH_CLERK, BENCH_PIN) {
            Ok(_) => return Ok(()),
            Err(Error::Refused(_)) => {}
            Err(e) => return Err(e),
        }
    }
    desk.sign_in(BENCH_CLERK, BENCH_PIN).map(|_| ()).map_err(|e| {
        Error::Storage(format!("the bench signs in as '{BENCH_CLERK}' (PIN {BENCH_PIN}); on this file it cannot: {e}"))
    })
}

const BENCH_CLERK: &str = "bench";
const BENCH_PIN: &str = "000000";

/// The clerk worker `i` sells as: with an event per process, a clerk per
/// process too (counters on different PCs are different clerks, and one
/// clerk's payments on several terminals queue on the clerk's row for the
/// shift they share); with one shared event, `bench` on every worker.
fn clerk_of(cli: &Cli, i: u32) -> String {
    match cli.events {
        Events::Shared => BENCH_CLERK.to_string(),
        Events::PerProcess => format!("{BENCH_CLERK}-{i}"),
    }
}

/// Makes the per-process clerks the workers sign in as, unless they exist.
fn add_bench_clerks(setup: &Desk, cli: &Cli) -> Result<(), Error> {
    let existing: Vec<String> = setup.clerks()?.into_iter().map(|c| c.name).collect();
    for i in 0..cli.processes {
        let name = clerk_of(cli, i);
        if name != BENCH_CLERK && !existing.iter().any(|e| e.eq_ignore_ascii_case(&name)) {
            setup.add_clerk(&name, boxoffice::domain::Role::Clerk, BENCH_PIN)?;
        }
    }
    Ok(())
}

fn raw_setup(path: &Path, durability: Durability, n_events: usize, total: u32) -> Result<Vec<String>, Error> {
    let conn = store::open(path, durability)?;
    let id = uuid::Uuid::now_v7().to_string();
    let now = now_us() as i64 / 1000;
    // The raw floor's clerk and open shift: its rows carry them as the engine's do.
    conn.execute(
        "INSERT INTO clerks (id, name, role, created_at) VALUES (?1, 'raw', 'clerk', ?2)",
        params![format!("{id}-c"), now],
    )?;
    conn.execute(
        "INSERT INTO shifts (id, clerk_id, currency, opening_float, opened_at) VALUES (?1, ?2, 'INR', 0, ?3)",
        params![format!("{id}-s"), format!("{id}-c"), now],
    )?;
    let mut events = Vec::new();
    for i in 0..n_events {
        let event = uuid::Uuid::now_v7().to_string();
        conn.execute(
            "INSERT INTO events (id, name, starts_at, kind, total, available, price, currency, created_at)
             VALUES (?1, ?2, ?3, 'GA', ?4, ?4, ?5, 'INR', ?6)",
            params![event, format!("Raw floor GA #{i}"), now + 30 * 86_400_000, total, PRICE, now],
        )?;
        events.push(event);
    }
    Ok(events)
}

impl Raw {
    fn open(path: &Path, durability: Durability, index: u32) -> Result<Raw, Error> {
        let conn = store::open(path, durability)?;
        let customer_id = uuid::Uuid::now_v7().to_string();
        let tx = store::begin(&conn)?;
        tx.execute(
            "INSERT INTO customers (id, name, email, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![customer_id, format!("Raw Worker {index}"), format!("raw-{index}-{customer_id}@bench.example"), 0],
        )?;
        let (clerk_id, shift_id) =
            tx.query_row("SELECT clerk_id, id FROM shifts WHERE closed_at IS NULL", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        tx.commit()?;
        Ok(Raw { conn, actor: format!("raw:{}:{index}", std::process::id()), customer_id, clerk_id, shift_id })
    }

    fn audit(
        &self,
        action: AuditAction,
        entity: AuditEntity,
        entity_id: &str,
        event_id: &str,
        now: i64,
    ) -> Result<(), Error> {
        self.conn
            .prepare_cached(
                "INSERT INTO audit_log (id, at, action, entity, entity_id, event_id, correlation_id, actor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?7)",
            )?
            .execute(params![uuid::Uuid::now_v7().to_string(), now, action, entity, entity_id, event_id, self.actor])?;
        Ok(())
    }

    /// Hold tx: conditional seat update + hold row + audit row.
    fn hold(&self, event_id: &str) -> Result<Held, Error> {
        let now = now_us() as i64 / 1000;
        let tx = store::begin(&self.conn)?;
        let moved = tx
            .prepare_cached("UPDATE events SET available = available - ?2 WHERE id = ?1 AND available >= ?2")?
            .execute(params![event_id, SEATS_PER_SALE])?;
        if moved == 0 {
            return Ok(Held::SoldOut); // dropping the transaction rolls it back
        }
        let id = uuid::Uuid::now_v7().to_string();
        tx.prepare_cached(
            "INSERT INTO holds (id, event_id, seats, status, correlation_id, actor, created_at, expires_at, updated_at,
                                clerk_id)
             VALUES (?1, ?2, ?3, 'ACTIVE', ?1, ?4, ?5, ?6, ?5, ?7)",
        )?
        .execute(params![id, event_id, SEATS_PER_SALE, self.actor, now, now + 300_000, self.clerk_id])?;
        self.audit(AuditAction::HoldCreated, AuditEntity::Hold, &id, event_id, now)?;
        tx.commit()?;
        Ok(Held::Yes(id))
    }

    fn finish(&self, kind: Kind, event_id: &str, hold_id: &str, report: &mut WorkerReport) -> Result<(), Error> {
        let now = now_us() as i64 / 1000;
        let amount = PRICE * i64::from(SEATS_PER_SALE);
        // Book tx: booking row + audit row.
        let booking_id = uuid::Uuid::now_v7().to_string();
        let tx = store::begin(&self.conn)?;
        tx.prepare_cached(
            "INSERT INTO bookings (id, hold_id, event_id, customer_id, seats, amount, currency, status, correlation_id,
                                   created_at, payment_expires_at, updated_at, clerk_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'INR', 'PAYMENT_PENDING', ?2, ?7, ?8, ?7, ?9)",
        )?
        .execute(params![
            booking_id,
            hold_id,
            event_id,
            self.customer_id,
            SEATS_PER_SALE,
            amount,
            now,
            now + 600_000,
            self.clerk_id
        ])?;
        self.audit(AuditAction::BookingCreated, AuditEntity::Booking, &booking_id, event_id, now)?;
        tx.commit()?;
        report.transactions += 1;
        match kind {
            Kind::Success => self.pay(event_id, hold_id, &booking_id, PaymentOutcome::Success, now)?,
            Kind::Failure => self.pay(event_id, hold_id, &booking_id, PaymentOutcome::Failure, now)?,
            Kind::Timeout => {
                self.pay(event_id, hold_id, &booking_id, PaymentOutcome::Timeout, now)?;
                report.transactions += 1;
                self.pay(event_id, hold_id, &booking_id, PaymentOutcome::Success, now)?;
            }
            Kind::Cancel => {
                // Cancel tx: booking + hold status, seats back, audit rows.
                let tx = store::begin(&self.conn)?;
                self.set_booking(&booking_id, BookingStatus::Cancelled, now)?;
                self.set_hold(hold_id, HoldStatus::Released, now)?;
                self.seats_back(event_id)?;
                self.audit(AuditAction::BookingCancelled, AuditEntity::Booking, &booking_id, event_id, now)?;
                self.audit(AuditAction::HoldReleased, AuditEntity::Hold, hold_id, event_id, now)?;
                tx.commit()?;
            }
        }
        report.transactions += 1;
        Ok(())
    }

    /// Pay tx: attempt row + booking and hold updates + audit rows (FAILURE
    /// also puts the seats back and records the refund).
    fn pay(
        &self,
        event_id: &str,
        hold_id: &str,
        booking_id: &str,
        outcome: PaymentOutcome,
        now: i64,
    ) -> Result<(), Error> {
        let amount = PRICE * i64::from(SEATS_PER_SALE);
        let tx = store::begin(&self.conn)?;
        let attempt_id = uuid::Uuid::now_v7().to_string();
        tx.prepare_cached(
            "INSERT INTO payment_attempts (id, booking_id, idempotency_key, outcome, amount, transaction_id, created_at,
                                           shift_id)
             VALUES (?1, ?2, ?1, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            attempt_id,
            booking_id,
            outcome,
            amount,
            (outcome == PaymentOutcome::Success).then_some(&attempt_id),
            now,
            self.shift_id
        ])?;
        self.audit(AuditAction::PaymentAttempt, AuditEntity::Payment, &attempt_id, event_id, now)?;
        match outcome {
            PaymentOutcome::Success => {
                self.set_booking(booking_id, BookingStatus::Confirmed, now)?;
                self.set_hold(hold_id, HoldStatus::Consumed, now)?;
                self.audit(AuditAction::BookingConfirmed, AuditEntity::Booking, booking_id, event_id, now)?;
                self.audit(AuditAction::HoldConsumed, AuditEntity::Hold, hold_id, event_id, now)?;
            }
            PaymentOutcome::Failure => {
                self.set_booking(booking_id, BookingStatus::PaymentFailed, now)?;
                self.set_hold(hold_id, HoldStatus::Released, now)?;
                self.seats_back(event_id)?;
                let refund_id = uuid::Uuid::now_v7().to_string();
                tx.prepare_cached(
                    "INSERT INTO refunds (id, booking_id, kind, original_amount, percent, amount, fee, status, created_at,
                                          shift_id)
                     VALUES (?1, ?2, 'FULL', ?3, 100, ?3, 0, 'INITIATED', ?4, ?5)",
                )?
                .execute(params![refund_id, booking_id, amount, now, self.shift_id])?;
                self.audit(AuditAction::BookingPaymentFailed, AuditEntity::Booking, booking_id, event_id, now)?;
                self.audit(AuditAction::HoldReleased, AuditEntity::Hold, hold_id, event_id, now)?;
                self.audit(AuditAction::RefundInitiated, AuditEntity::Refund, &refund_id, event_id, now)?;
            }
            PaymentOutcome::Timeout => {}
        }
        tx.commit()?;
        Ok(())
    }

    fn set_booking(&self, id: &str, to: BookingStatus, now: i64) -> Result<(), Error> {
        self.conn
            .prepare_cached("UPDATE bookings SET status = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![id, to, now])?;
        Ok(())
    }

    fn set_hold(&self, id: &str, to: HoldStatus, now: i64) -> Result<(), Error> {
        self.conn
            .prepare_cached("UPDATE holds SET status = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![id, to, now])?;
        Ok(())
    }

    fn seats_back(&self, event_id: &str) -> Result<(), Error> {
        self.conn
            .prepare_cached("UPDATE events SET available = available + ?2 WHERE id = ?1")?
            .execute(params![event_id, SEATS_PER_SALE])?;
        Ok(())
    }
}
