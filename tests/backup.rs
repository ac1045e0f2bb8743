//! Backups that are really backups: `boxoffice backup` writes a verified,
//! consistent copy while four processes keep selling; `boxoffice restore`
//! refuses while another process has the file open, checks the backup first
//! and keeps the replaced file; the tick takes one backup a day and keeps
//! the last N, and an idle box writes nothing else.

mod common;
use boxoffice::jobs::{Job, Jobs, MemorySink, NextDue, RunOutcome, job_statuses};
use boxoffice::{Config, Context, Desk, SeatPick};
use chrono::Duration;
use common::{World, dump, names_in};
use rusqlite::{Connection, OpenFlags};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cli(db: &Path, args: &[&str]) -> (i32, String, String) {
    common::boxoffice(db, args, &[])
}

fn read_only(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open read-only")
}

fn one(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A file with a few sales in every state, closed (no connection left open).
fn sold_file(dir: &Path) -> PathBuf {
    let path = dir.join("venue.db");
    let (ctx, _) = Context::manual(common::t0(), 3, Config::default());
    let desk = Desk::open(&path, ctx, "clerk:test").expect("open");
    assert!(boxoffice::demo::seed_if_empty(&desk).expect("demo"));
    path
}

#[test]
fn backup_writes_a_verified_private_copy_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("dir");
    let db = sold_file(dir.path());
    let dest = dir.path().join("copy.db");
    let (code, out, err) = cli(&db, &["backup", dest.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("5 events, 1 bookings,") && out.contains("verified"), "{out}");
    let bytes = std::fs::metadata(&dest).expect("copy").len();
    assert!(out.contains(&format!("{bytes} bytes")), "the size is printed: {out}");
    assert_eq!(std::fs::metadata(&dest).expect("copy").permissions().mode() & 0o777, 0o600);
    let copy = read_only(&dest);
    let live = read_only(&db);
    assert_eq!(dump(&copy), dump(&live), "the copy holds every row");
    assert_eq!(one(&copy, "PRAGMA application_id"), 0x424F_5846);
    drop((copy, live));

    // Never over an existing file; a folder gets a new name inside it.
    let (code, _, err) = cli(&db, &["backup", dest.to_str().expect("utf8")]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    let folder = dir.path().join("backups");
    std::fs::create_dir(&folder).expect("folder");
    let (code, out, _) = cli(&db, &["backup", folder.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{out}");
    let made: Vec<_> = std::fs::read_dir(&folder).expect("list").collect();
    assert_eq!(made.len(), 1);
    // No database there: exit 2, nothing made.
    let (code, _, err) = cli(&dir.path().join("none.db"), &["backup", dir.path().join("x.db").to_str().expect("utf8")]);
    assert_eq!(code, 2, "{err}");
    assert!(!dir.path().join("x.db").exists());
}

#[test]
fn a_backup_during_a_four_process_sale_storm_opens_verifies_and_is_one_point_in_time() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("storm.db");
    let mut bench = Command::new(env!("CARGO_BIN_EXE_boxoffice-bench"))
        .arg("--db")
        .arg(&db)
        .args(["--processes", "4", "--cycles", "1500", "--synchronous", "normal", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the bench");
    // Wait for the file to hold its event, then back it up again and again while the storm runs.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut copies = Vec::new();
    let has_event = || {
        Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|c| c.query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0)))
            .is_ok_and(|n| n > 0)
    };
    while !has_event() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    while bench.try_wait().expect("bench").is_none() && std::time::Instant::now() < deadline {
        let dest = dir.path().join(format!("copy-{}.db", copies.len()));
        let (code, out, err) = cli(&db, &["backup", dest.to_str().expect("utf8")]);
        assert_eq!(code, 0, "backup {} during the storm: {out}{err}", copies.len());
        copies.push(dest);
    }
    let out = bench.wait_with_output().expect("bench ends");
    assert!(
        out.status.success(),
        "bench: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let final_bookings = one(&read_only(&db), "SELECT count(*) FROM bookings");

    let mut seen = Vec::new();
    for copy in &copies {
        let (code, out, err) = cli(copy, &["verify"]);
        assert_eq!(code, 0, "{}: {out}{err}", copy.display());
        let c = read_only(copy);
        // No half sale either way: every booking has its creation audit row,
        // and every creation audit row its booking.
        assert_eq!(
            one(
                &c,
                "SELECT count(*) FROM bookings b WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.entity_id = b.id AND a.action = 'BOOKING_CREATED')"
            ),
            0
        );
        assert_eq!(
            one(
                &c,
                "SELECT count(*) FROM audit_log a WHERE a.action = 'BOOKING_CREATED' AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.id = a.entity_id)"
            ),
            0
        );
        assert_eq!(
            one(
                &c,
                "SELECT count(*) FROM audit_log a WHERE a.action = 'PAYMENT_ATTEMPT' AND NOT EXISTS (SELECT 1 FROM payment_attempts p WHERE p.id = a.entity_id)"
            ),
            0
        );
        seen.push(one(&c, "SELECT count(*) FROM bookings"));
    }
    println!("{} backups during the storm; bookings in each: {seen:?}; after: {final_bookings}", copies.len());
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "each copy is a later point: {seen:?}");
    assert!(
        seen.iter().any(|&n| n > 0 && n < final_bookings),
        "at least one copy was taken in the middle of the storm: {seen:?} of {final_bookings}"
    );
}

#[test]
fn restore_refuses_while_another_process_has_the_file_open_then_keeps_the_replaced_file() {
    let dir = tempfile::tempdir().expect("dir");
    let db = sold_file(dir.path());
    let backup = dir.path().join("monday.db");
    assert_eq!(cli(&db, &["backup", backup.to_str().expect("utf8")]).0, 0);
    // Sales after the backup: the restore takes the file back to before them.
    let (ctx, _) = Context::manual(common::t0(), 4, Config::default());
    {
        let desk = Desk::open(&db, ctx, "clerk:later").expect("open");
        desk.sign_in("demo", "1234").expect("the demo supervisor");
        let e = desk.events("Pottery", 1).expect("events").remove(0);
        desk.hold(boxoffice::HoldRequest {
            event_id: e.id,
            pick: SeatPick::Count(2),
            idempotency_key: None,
            correlation_id: None,
        })
        .expect("hold");
    }
    let later = dump(&read_only(&db));

    // This test process is "another process": an idle connection, as a counter's.
    let counter = Connection::open(&db).expect("counter");
    assert_eq!(one(&counter, "SELECT count(*) FROM events"), 5);
    let (code, out, err) = cli(&db, &["restore", backup.to_str().expect("utf8")]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("is open in another process") && err.contains("nothing was changed"), "{err}");
    assert_eq!(dump(&counter), later, "nothing changed");
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.contains("restoring") || n.contains("replaced"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    drop(counter);

    let (code, out, err) = cli(&db, &["restore", backup.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("verified") && out.contains("5 events, 1 bookings"), "{out}");
    let kept: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("venue.db.replaced-")))
        .collect();
    assert_eq!(kept.len(), 1, "the replaced file is kept beside it");
    assert!(out.contains(&kept[0].display().to_string()), "{out}");
    assert_eq!(dump(&read_only(&kept[0])), later, "the kept file is complete, WAL included");
    assert_eq!(dump(&read_only(&db)), dump(&read_only(&backup)), "the file is the backup again");
    assert_eq!(cli(&db, &["verify"]).0, 0);
}

#[test]
fn restore_checks_the_backup_first_and_changes_nothing_when_it_fails() {
    let dir = tempfile::tempdir().expect("dir");
    let db = sold_file(dir.path());
    let before = std::fs::read(&db).expect("bytes");
    // Not ours.
    let foreign = dir.path().join("notes.db");
    Connection::open(&foreign)
        .expect("f")
        .execute_batch("CREATE TABLE notes (x); PRAGMA user_version = 1;")
        .expect("f");
    // Ours, but with a broken invariant (seats that belong to nobody).
    let broken = dir.path().join("broken.db");
    assert_eq!(cli(&db, &["backup", broken.to_str().expect("utf8")]).0, 0);
    Connection::open(&broken)
        .expect("b")
        .execute("UPDATE events SET available = available - 1 WHERE available > 0", [])
        .expect("tamper");
    // Not a database at all.
    let text = dir.path().join("text.db");
    std::fs::write(&text, "this is not a database, just text ".repeat(10)).expect("text");
    for (src, says) in [
        (&foreign, "not a boxoffice database"),
        (&broken, "does not verify"),
        (&text, "not"),
        (&dir.path().join("missing.db"), "no backup there"),
        (&db, "the database itself"),
    ] {
        let (code, out, err) = cli(&db, &["restore", src.to_str().expect("utf8")]);
        assert_eq!(code, 2, "{}: {out}{err}", src.display());
        assert!(err.contains(says), "{}: {err}", src.display());
        assert_eq!(std::fs::read(&db).expect("bytes"), before, "{}: nothing changed", src.display());
    }
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).expect("list").filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    assert!(!names.iter().any(|n| n.contains("restoring") || n.contains("replaced")), "{names:?}");
}

#[test]
fn an_older_backup_is_brought_up_to_date_when_restored() {
    let dir = tempfile::tempdir().expect("dir");
    let db = sold_file(dir.path());
    let v1 = dir.path().join("v1.db");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/boxoffice-v1.db"), &v1).expect("fixture");
    let (code, out, err) = cli(&db, &["restore", v1.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{out}{err}");
    let conn = read_only(&db);
    assert_eq!(one(&conn, "PRAGMA user_version"), boxoffice::store::migrate::LATEST);
    assert_eq!(one(&conn, "SELECT count(*) FROM bookings"), one(&read_only(&v1), "SELECT count(*) FROM bookings"));
    assert_eq!(one(&read_only(&v1), "PRAGMA user_version"), 1, "the backup itself is left as it was");
}

fn tick_jobs(w: &World, backups: &Path) -> Jobs {
    let desk = Desk::open(&w.path(), w.desk.ctx().clone(), "job:tick").expect("jobs desk");
    let mut jobs = Jobs::new(desk, Box::new(MemorySink::default()));
    jobs.back_up_daily_into(backups.to_path_buf());
    jobs
}

#[test]
fn the_tick_backs_up_once_a_venue_day_keeps_the_last_n_and_the_jobs_screen_shows_the_last() {
    let w = World::new();
    w.ga(10, 100);
    w.desk.set_setting("backups_kept", "2").expect("set");
    let backups = w.dir.path().join("backups");
    let mut jobs = tick_jobs(&w, &backups);

    let report = jobs.tick().expect("tick");
    assert!(report.ran.contains(&(Job::Backup, RunOutcome::Completed(1))), "{report:?}");
    assert_eq!(names_in(&backups), ["boxoffice-2026-06-01.db"]);
    assert_eq!(std::fs::metadata(&backups).expect("dir").permissions().mode() & 0o777, 0o700);
    w.advance(Duration::hours(3));
    assert!(!jobs.tick().expect("tick").ran.iter().any(|(j, _)| *j == Job::Backup), "once a day");

    for _ in 0..2 {
        w.advance(Duration::days(1));
        jobs.tick().expect("tick");
    }
    assert_eq!(names_in(&backups), ["boxoffice-2026-06-02.db", "boxoffice-2026-06-03.db"], "the last 2 kept");
    let (code, out, _) = cli(&backups.join("boxoffice-2026-06-03.db"), &["verify"]);
    assert_eq!(code, 0, "{out}");

    let status = job_statuses(&w.desk).expect("statuses").into_iter().find(|s| s.job == Job::Backup).expect("row");
    assert_eq!(status.last.as_ref().map(|r| (r.status.as_str(), r.processed)), Some(("COMPLETED", 1)));
    assert!(status.detail.as_deref().is_some_and(|d| d.contains("boxoffice-2026-06-03.db")), "{status:?}");
    assert_eq!(status.next, NextDue::At("2026-06-04T00:00:00Z".parse().expect("t")));

    // The venue's day: in Kolkata 2026-06-03 21:00 UTC is already the 4th.
    w.desk.set_setting("time_zone", "Asia/Kolkata").expect("zone");
    w.clock.set("2026-06-03T21:00:00Z".parse().expect("t"));
    jobs.tick().expect("tick");
    assert!(names_in(&backups).contains(&"boxoffice-2026-06-04.db".to_string()), "{:?}", names_in(&backups));

    // Off: no backup taken.
    w.desk.set_setting("backups_kept", "0").expect("off");
    w.advance(Duration::days(1));
    assert!(!jobs.tick().expect("tick").ran.iter().any(|(j, _)| *j == Job::Backup));
}

#[test]
fn an_idle_box_with_daily_backups_writes_one_backup_a_day_and_nothing_else() {
    let w = World::new();
    let e = w.ga(50, 1_000);
    let backups = w.dir.path().join("backups");
    let mut jobs = tick_jobs(&w, &backups);
    w.hold_req(&e, SeatPick::Count(2), Some("k")).expect("hold");
    jobs.tick().expect("tick");
    w.advance(Duration::days(2));
    for _ in 0..3 {
        jobs.tick().expect("the morning's work is swept and pruned");
        w.advance(Duration::hours(2));
    }
    let skip = |mut d: common::Dump| {
        d.remove("job_runs");
        d.remove("job_leases");
        d
    };
    let before = skip(w.dump());
    let files_before = names_in(&backups).len();

    let mut ran = std::collections::BTreeMap::<&str, usize>::new();
    for _ in 0..(10 * 24) {
        w.advance(Duration::hours(1));
        for (job, outcome) in jobs.tick().expect("tick").ran {
            assert!(matches!(outcome, RunOutcome::Completed(_)), "{job:?}: {outcome:?}");
            *ran.entry(job.name()).or_default() += 1;
        }
    }
    println!("10 idle days with daily backups: job runs {ran:?}");
    assert_eq!(ran.get("backup"), Some(&10), "one backup a day: {ran:?}");
    assert!(ran.keys().all(|j| *j == "backup" || *j == "pruning"), "only the backup and pruning its runs: {ran:?}");
    assert!(ran.get("pruning").copied().unwrap_or(0) <= 10, "{ran:?}");
    assert_eq!(skip(w.dump()), before, "no row outside the job bookkeeping changed");
    assert_eq!(names_in(&backups).len(), 7.max(files_before), "the default keeps 7");
}
