//! What an idle box writes: a file with a morning's sales, its first sweep,
//! then `advance 10d` and `advance 365d` of nothing happening, with the app's
//! jobs (leases, runs, pruning) ticking whenever work is due, as a script's
//! `advance` does. Prints rows written, ticks that did work, fsyncs (counted
//! by `strace -f -c` when it is installed) and the wall time of each advance.
//!
//!     cargo run --release --example idle_fsyncs
//!
//! Target: 0 rows, 0 busy ticks and 0 fsyncs after the first sweep.

use boxoffice::domain::{EventKind, NewEvent};
use boxoffice::jobs::{Jobs, MemorySink};
use boxoffice::{Config, Context, Desk, HoldRequest, SeatPick};
use chrono::{DateTime, Duration, Utc};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn start() -> DateTime<Utc> {
    "2026-06-01T09:00:00Z".parse().unwrap_or(DateTime::UNIX_EPOCH)
}

fn open(
    db: &Path,
    at: DateTime<Utc>,
    actor: &str,
) -> Result<(Desk, std::sync::Arc<boxoffice::clock::ManualClock>), String> {
    let (ctx, clock) = Context::manual(at, 7, Config::default());
    Ok((Desk::open(db, ctx, actor).map_err(|e| e.to_string())?, clock))
}

/// Ticks at every second with work due up to `now + d`; (rows written, busy ticks).
fn advance(jobs: &mut Jobs, clock: &boxoffice::clock::ManualClock, d: Duration) -> Result<(u64, usize), String> {
    let now = || jobs_now(clock);
    let end = now() + d;
    let before = jobs_changes(jobs);
    let mut busy = 0;
    while now() < end {
        let next = jobs.next_deadline().map_err(|e| e.to_string())?.filter(|n| *n <= end).unwrap_or(end);
        clock.set(next.max(now() + Duration::seconds(1)).min(end));
        if !jobs.tick().map_err(|e| e.to_string())?.is_idle() {
            busy += 1;
        }
    }
    Ok((jobs_changes(jobs) - before, busy))
}

fn jobs_now(clock: &boxoffice::clock::ManualClock) -> DateTime<Utc> {
    use boxoffice::clock::Clock;
    clock.now()
}

fn jobs_changes(jobs: &Jobs) -> u64 {
    jobs.desk().conn().total_changes()
}

/// A morning's sales spread over an hour (keys and job runs of several ages),
/// then the first two days of sweeps. Returns the clock after them.
fn setup(db: &Path) -> Result<DateTime<Utc>, String> {
    let (desk, clock) = open(db, start(), "clerk:bench")?;
    let (jobs_desk, _) = (Desk::open(db, desk.ctx().clone(), "job:tick").map_err(|e| e.to_string())?, ());
    let mut jobs = Jobs::new(jobs_desk, Box::new(MemorySink::default()));
    let event = desk
        .create_event(NewEvent {
            name: "Idle GA".into(),
            description: String::new(),
            starts_at: start() + Duration::days(400),
            kind: EventKind::GeneralAdmission { capacity: 100 },
            price: 1_000,
            currency: "INR".into(),
        })
        .map_err(|e| e.to_string())?;
    for (i, minutes) in [0, 20, 40, 55].into_iter().enumerate() {
        clock.set(start() + Duration::minutes(minutes));
        desk.hold(HoldRequest {
            event_id: event.id.clone(),
            pick: SeatPick::Count(1),
            idempotency_key: Some(format!("key-{i}")),
            correlation_id: None,
        })
        .map_err(|e| e.to_string())?;
        jobs.tick().map_err(|e| e.to_string())?;
        clock.advance(Duration::minutes(6));
        jobs.tick().map_err(|e| e.to_string())?;
    }
    advance(&mut jobs, &clock, Duration::days(2))?;
    Ok(jobs_now(&clock))
}

/// The measured part, run in a child process (so strace counts only it).
fn idle(db: &Path, at_ms: i64, days: i64) -> Result<(), String> {
    let at = DateTime::from_timestamp_millis(at_ms).ok_or("bad instant")?;
    let (desk, clock) = open(db, at, "job:tick")?;
    let mut jobs = Jobs::new(desk, Box::new(MemorySink::default()));
    let t = Instant::now();
    let (rows, busy) = advance(&mut jobs, &clock, Duration::days(days))?;
    println!("advance {days}d: {rows} rows written, {busy} ticks did work, {:.3} s", t.elapsed().as_secs_f64());
    Ok(())
}

fn fsyncs(strace_out: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(strace_out).ok()?;
    let count = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().last() == Some(name))
            .and_then(|l| l.split_whitespace().nth(3)?.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Some(count("fsync") + count("fdatasync"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 5 && args[1] == "--idle" {
        let run = || -> Result<(), String> {
            idle(Path::new(&args[2]), args[3].parse().map_err(|_| "bad ms")?, args[4].parse().map_err(|_| "bad days")?)
        };
        return match run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("idle_fsyncs: {e}");
                ExitCode::from(2)
            }
        };
    }
    let dir = match tempfile_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("idle_fsyncs: {e}");
            return ExitCode::from(2);
        }
    };
    let result = (|| -> Result<(), String> {
        let db = dir.join("idle.db");
        let at = setup(&db)?;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let strace = Command::new("strace").arg("-V").output().is_ok_and(|o| o.status.success());
        for days in [10, 365] {
            // Each measure starts from the same file state: a copy of it.
            let copy = dir.join(format!("idle-{days}.db"));
            std::fs::copy(&db, &copy).map_err(|e| e.to_string())?;
            let child_args =
                ["--idle".to_string(), copy.display().to_string(), at.timestamp_millis().to_string(), days.to_string()];
            let trace = dir.join(format!("strace-{days}.txt"));
            let status = if strace {
                Command::new("strace")
                    .args(["-f", "-c", "-e", "trace=fsync,fdatasync", "-o"])
                    .arg(&trace)
                    .arg(&exe)
                    .args(&child_args)
                    .status()
            } else {
                Command::new(&exe).args(&child_args).status()
            }
            .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("the measured run failed: {status}"));
            }
            match fsyncs(&trace).filter(|_| strace) {
                Some(n) => println!("advance {days}d: {n} fsyncs (strace -f -c)"),
                None => println!("advance {days}d: fsyncs not counted (strace is not installed)"),
            }
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("idle_fsyncs: {e}");
            ExitCode::from(2)
        }
    }
}

fn tempfile_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("boxoffice-idle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}
