//! A kill -9 storm: two door processes scanning while two counter processes
//! sell, all killed with SIGKILL at random moments, a few rounds (the example
//! `door_storm` runs more). After every round `verify` is clean and no ticket
//! has two admissions. The workers are this test binary run again with the
//! ignored `storm_worker` test selected and its role in the environment.

#[path = "support/storm.rs"]
mod storm;

use std::path::Path;
use std::process::{Command, Stdio};

fn spawn(db: &Path, role: storm::Role, seed: u64) -> std::process::Child {
    Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--exact", "storm_worker", "--ignored", "--nocapture", "--test-threads", "1"])
        .env("STORM_ROLE", role.as_str())
        .env("STORM_DB", db)
        .env("STORM_SEED", seed.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start a worker")
}

#[test]
fn doors_and_counters_killed_at_random_leave_a_clean_file_and_single_admissions() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("storm.db");
    let seed = std::env::var("STORM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED);
    let out = storm::storm(&db, 4, seed, |role, seed| spawn(&db, role, seed));
    eprintln!("storm: {out:?}");
    assert!(out.tickets > 0 && out.admitted_scans > 0, "the workers sold and scanned: {out:?}");
    assert!(out.scans >= out.admitted_scans);
    assert!(out.used <= out.tickets);
}

/// Not a test: the worker process the storm starts (it runs until killed).
#[test]
#[ignore = "run by the storm test as a worker process"]
fn storm_worker() {
    let (Some(role), Some(db), seed) = (
        std::env::var("STORM_ROLE").ok().and_then(|r| storm::Role::parse(&r)),
        std::env::var_os("STORM_DB"),
        std::env::var("STORM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1),
    ) else {
        return;
    };
    match role {
        storm::Role::Door => storm::door(Path::new(&db), seed),
        storm::Role::Counter => storm::counter(Path::new(&db), seed),
    }
}
