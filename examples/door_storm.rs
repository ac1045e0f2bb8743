//! The kill -9 storm of `tests/storm.rs` with as many rounds as you like:
//! two door processes scan while two counters sell, all SIGKILLed at random
//! moments; after every round `verify` must be clean and no ticket admitted twice.
//!
//! ```sh
//! cargo run --release --example door_storm            # 50 rounds
//! cargo run --release --example door_storm -- 200 7   # 200 rounds, seed 7
//! ```

#[path = "../tests/support/storm.rs"]
mod storm;

use std::path::Path;
use std::process::{Command, Stdio};

fn main() {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    // A worker: `door_storm door|counter DB SEED` (started by the storm itself).
    if let Some(role) = first.as_deref().and_then(storm::Role::parse) {
        let db = args.next().expect("the database");
        let seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
        match role {
            storm::Role::Door => storm::door(Path::new(&db), seed),
            storm::Role::Counter => storm::counter(Path::new(&db), seed),
        }
    }
    let rounds: u32 = first.and_then(|a| a.parse().ok()).unwrap_or(50);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(0x5EED);
    let dir = std::env::temp_dir().join(format!("boxoffice-storm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("storm.db");
    let me = std::env::current_exe().expect("this binary");
    let started = std::time::Instant::now();
    let out = storm::storm(&db, rounds, seed, |role, seed| {
        Command::new(&me)
            .arg(role.as_str())
            .arg(&db)
            .arg(seed.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start a worker")
    });
    println!(
        "{rounds} rounds in {:.1} s, seed {seed}: verify clean after every round, no ticket admitted twice",
        started.elapsed().as_secs_f64()
    );
    println!(
        "  tickets {} · admitted now or before a cancel {} · scans {} ({} admissions, net of undos one per used ticket)",
        out.tickets, out.used, out.scans, out.admitted_scans
    );
    let _ = std::fs::remove_dir_all(&dir);
}
