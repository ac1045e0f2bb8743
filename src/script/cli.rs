//! `boxoffice script FILE`: parse, build the headless app, run, report.

use super::parse::{parse, parse_size};
use super::run::run;
use crate::clock::{Clock, SystemClock};
use crate::context::Config;
use crate::tui::headless::Headless;
use chrono::{DateTime, Timelike, Utc};
use std::path::{Path, PathBuf};

/// Where the virtual clock starts when a script has no `clock` line.
pub const DEMO_INSTANT: &str = "2026-06-01T09:00:00Z";

pub struct ScriptRun<'a> {
    pub file: &'a Path,
    /// None: a fresh in-memory database with the demo events.
    pub db: Option<&'a Path>,
    pub snapshots: Option<&'a Path>,
    /// `--size WxH`: wins over the script's `size` line.
    pub size: Option<&'a str>,
    /// Seed for ids; default 0 in memory (byte-identical reruns), random on a
    /// file (so several clerks, or reruns, on one file never make the same id).
    pub seed: Option<u64>,
    /// `--allow-clock`: honour the script's `clock` line on a `--db` file.
    pub allow_clock: bool,
    /// `--clerk NAME` and the PIN (from `BOXOFFICE_PIN`): sign in as NAME
    /// before the first line. Without it, a script acts as the demo
    /// supervisor where the file has one (the in-memory demo always does).
    pub clerk: Option<(&'a str, Option<String>)>,
    pub config: Config,
}

/// How a script run ended, with what to print; the exit code is 0, 1 or 2.
pub struct Outcome {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    fn usage(file: &Path, msg: impl std::fmt::Display) -> Outcome {
        Outcome { code: 2, stdout: String::new(), stderr: format!("boxoffice script: {}: {msg}\n", file.display()) }
    }
}

pub fn run_script(opts: ScriptRun<'_>) -> Outcome {
    let bytes = match std::fs::read(opts.file) {
        Ok(b) => b,
        Err(e) => return Outcome::usage(opts.file, format!("cannot read the script: {e}")),
    };
    let script = match parse(&bytes) {
        Ok(s) => s,
        Err(e) => return Outcome::usage(opts.file, e),
    };
    let (w, h) = match opts.size.map(parse_size).transpose() {
        Ok(size) => size.unwrap_or_else(|| script.size()),
        Err(e) => return Outcome::usage(opts.file, format!("--size: {e}")),
    };
    // In memory the script's clock is the only one. On a shared file it starts
    // at the file's time, the wall clock's now; a `clock` line would date what
    // the script makes elsewhere, so it needs --allow-clock.
    let start: DateTime<Utc> = match (opts.db, script.clock()) {
        (None, clock) => clock.unwrap_or_else(|| DEMO_INSTANT.parse().unwrap_or(DateTime::UNIX_EPOCH)),
        // Whole seconds, so deadlines and countdowns read as in the app's examples.
        (Some(_), None) => {
            let now = SystemClock.now();
            now.with_nanosecond(0).unwrap_or(now)
        }
        (Some(_), Some(_)) if !opts.allow_clock => {
            return Outcome::usage(
                opts.file,
                "a `clock` line on a --db file would date this script's sales away from the file's real time; \
                 drop the line (the script then starts at the wall clock's now), or pass --allow-clock",
            );
        }
        (Some(_), Some(clock)) => clock,
    };
    let headless = match opts.db {
        None => Headless::demo_with(opts.config, start, opts.seed.unwrap_or(0), w, h),
        Some(db) => {
            let seed = opts.seed.unwrap_or_else(|| {
                u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().unwrap_or([0; 8]))
            });
            Headless::script_on_file(opts.config, db, start, seed, w, h)
        }
    };
    let mut app = match headless {
        Ok(a) => a,
        Err(e) => return Outcome::usage(opts.file, e),
    };
    if let Some((name, pin)) = opts.clerk {
        let Some(pin) = pin else {
            return Outcome::usage(opts.file, format!("--clerk {name}: put the clerk's PIN in BOXOFFICE_PIN"));
        };
        app.sign_in(name, &pin);
        if app.app.clerk.as_ref().is_none_or(|c| !c.name().eq_ignore_ascii_case(name.trim())) {
            let why = app.app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
            return Outcome::usage(opts.file, format!("--clerk {name}: {why}"));
        }
    }
    match run(&script, &mut app, opts.snapshots) {
        Ok(report) => {
            let mut out = format!(
                "ok: {} steps, {} checks, {} keys, {}s advanced\n",
                report.steps, report.checks, report.keys, report.seconds_advanced
            );
            for p in &report.snapshots_written {
                out.push_str(&format!("snapshot: {}\n", p.display()));
            }
            if !report.snapshots_skipped.is_empty() {
                out.push_str(&format!(
                    "snapshots skipped (no --snapshots DIR): {}\n",
                    report.snapshots_skipped.join(", ")
                ));
            }
            Outcome { code: 0, stdout: out, stderr: String::new() }
        }
        Err(failure) => Outcome {
            code: 1,
            stdout: String::new(),
            stderr: format!("boxoffice script: {}: {failure}", opts.file.display()),
        },
    }
}

/// Every `*.script` file in a directory, sorted (the shipped scripts).
pub fn scripts_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "script"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}
