//! Leases and clocks on a shared file: a lease dated absurdly far ahead or
//! held by a process that is gone binds no one, and the run it left RUNNING
//! is closed on the next tick; a script whose clock is its own (on a `--db`
//! file) takes no lease, prunes nothing and sweeps only its own sales.

mod common;
use boxoffice::domain::{HoldStatus, PaymentOutcome, RefundStatus};
use boxoffice::jobs::{Job, Jobs, MemorySink, RunOutcome};
use boxoffice::{Desk, SeatPick};
use chrono::Duration;
use common::World;
use std::process::Command;

fn jobs(w: &World) -> Jobs {
    let desk = Desk::open(&w.path(), w.desk.ctx().clone(), "job:tick").expect("jobs desk");
    Jobs::new(desk, Box::new(MemorySink::default()))
}

fn host() -> String {
    nix::unistd::gethostname().expect("hostname").into_string().expect("utf-8 hostname")
}

/// A lease on audit shipping and the RUNNING run its owner left behind.
fn left_behind(w: &World, owner: &str, lease_until_ms: i64, started_ms: i64) {
    w.raw()
        .execute_batch(&format!(
            "INSERT INTO job_leases (job, owner, expires_at) VALUES ('audit-shipping', '{owner}', {lease_until_ms});
             INSERT INTO job_runs (id, job, status, owner, started_at) VALUES ('left', 'audit-shipping', 'RUNNING', '{owner}', {started_ms});"
        ))
        .expect("plant the lease");
}

fn run_status(w: &World) -> (String, Option<String>) {
    w.desk
        .conn()
        .query_row("SELECT status, error FROM job_runs WHERE id = 'left'", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("the run")
}

#[test]
fn a_lease_dated_years_ahead_is_not_honoured() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    w.hold(&e, 1);
    // What a killed `clock 2030` script left: a lease and a run dated 2030.
    let y2030 = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:30Z").expect("date").timestamp_millis();
    left_behind(&w, "job:tick:4242", y2030, y2030 - 30_000);
    let mut jobs = jobs(&w);
    let report = jobs.tick().expect("tick");
    assert_eq!(report.ran.first(), Some(&(Job::Recovery, RunOutcome::Completed(1))), "{report:?}");
    assert!(report.processed(Job::AuditShipping) > 0, "shipping runs again: {report:?}");
    assert_eq!(run_status(&w), ("FAILED".into(), Some("abandoned: its process stopped".into())));
    assert_eq!(w.count("SELECT count(*) FROM job_leases"), 0);
    assert_eq!(
        w.count("SELECT count(*) FROM audit_log WHERE action = 'RECOVERY_CLOSED_RUN' AND entity_id = 'left'"),
        1
    );
    assert!(jobs.tick().expect("tick").is_idle(), "and then the box is quiet");
}

#[test]
fn a_lease_whose_process_is_gone_is_taken_over_on_the_next_tick() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    w.hold(&e, 1);
    let mut child = Command::new("true").spawn().expect("a process");
    let dead = child.id();
    child.wait().expect("it ends");
    let now = w.desk.now().timestamp_millis();
    // Its lease has 25 s left: by the clock alone it still binds.
    left_behind(&w, &format!("job:tick@{}:{dead}", host()), now + 25_000, now - 5_000);
    let mut jobs = jobs(&w);
    let report = jobs.tick().expect("tick");
    assert_eq!(report.ran.first(), Some(&(Job::Recovery, RunOutcome::Completed(1))), "{report:?}");
    assert!(report.processed(Job::AuditShipping) > 0, "{report:?}");
    assert_eq!(run_status(&w).0, "FAILED");
    assert_eq!(w.count("SELECT count(*) FROM job_leases"), 0);
}

#[test]
fn a_live_owners_lease_still_binds_and_a_dead_one_is_taken_over_by_the_job_itself() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    w.hold(&e, 1);
    let now = w.desk.now().timestamp_millis();
    // This very process, under another actor: alive, so its lease holds.
    let alive = format!("job:other@{}:{}", host(), std::process::id());
    left_behind(&w, &alive, now + 25_000, now - 5_000);
    let mut jobs = jobs(&w);
    let report = jobs.tick().expect("tick");
    assert!(!report.ran.iter().any(|(j, _)| *j == Job::Recovery), "{report:?}");
    assert!(report.ran.contains(&(Job::AuditShipping, RunOutcome::Skipped)), "{report:?}");
    assert_eq!(run_status(&w).0, "RUNNING");

    // Running the job on demand (the Jobs screen) takes a dead owner's lease
    // and closes its run in the same transaction.
    let mut child = Command::new("true").spawn().expect("a process");
    let dead = child.id();
    child.wait().expect("it ends");
    w.raw()
        .execute_batch(&format!(
            "UPDATE job_leases SET owner = 'job:tick@{h}:{dead}'; UPDATE job_runs SET owner = 'job:tick@{h}:{dead}' WHERE id = 'left';",
            h = host()
        ))
        .expect("the owner dies");
    assert!(matches!(jobs.run(Job::AuditShipping).expect("run"), RunOutcome::Completed(n) if n > 0));
    assert_eq!(run_status(&w).0, "FAILED");
}

fn script(args: &[&str], db: &std::path::Path, body: &str) -> std::process::Output {
    let file = db.with_extension("script");
    std::fs::write(&file, body).expect("write script");
    Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .arg("--db")
        .arg(db)
        .arg("script")
        .arg(&file)
        .args(args)
        .output()
        .expect("run boxoffice")
}

#[test]
fn a_script_with_its_own_clock_on_a_file_touches_only_its_own_sales() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    // The file's own business: a hold due at 09:05, a payment key, a refund waiting.
    let theirs = w.hold_req(&e, SeatPick::Count(1), Some("their-key")).expect("hold");
    let b = w.booking(&e, 1);
    w.desk.pay(&b.id, PaymentOutcome::Failure, "their-pay", None).expect("pay fails: a refund waits");
    let before_keys = w.count("SELECT count(*) FROM idempotency_keys");
    // The script's sales are for an event in 2031 (by its 2030 clock, the Concert is over).
    w.desk
        .create_event(boxoffice::domain::NewEvent {
            name: "Far Future".into(),
            description: String::new(),
            starts_at: chrono::DateTime::parse_from_rfc3339("2031-01-01T20:00:00Z").expect("date").into(),
            kind: boxoffice::domain::EventKind::GeneralAdmission { capacity: 10 },
            price: 1_000,
            currency: "INR".into(),
        })
        .expect("event");
    let db = w.path();

    let sale = "clock 2030-01-01T00:00:00Z\nsignin Sue 1111\n\
                key Enter\nexpect Far Future\nkey 2 Enter\nexpect Held\nkey Enter\ntype Clock Tester\nkey Tab\ntype ct@example.com\n\
                key Enter\nexpect PAYMENT_PENDING\nkey f\nkey y\nexpect FAILED\n\
                key Esc\nkey Enter\nkey 1 Enter\nexpect Held\nadvance 2d\nverify\n";
    // Refused without the flag, before the file is touched.
    let dump = w.dump();
    let out = script(&[], &db, sale);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-clock"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(w.dump(), dump, "a refused script changed the file");

    let out = script(&["--allow-clock"], &db, sale);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // Two days past 2030 on its clock, yet the file's own sales are untouched...
    assert_eq!(w.desk.get_hold(&theirs.id).expect("hold").status, HoldStatus::Active);
    assert_eq!(w.desk.refund(&b.id).expect("refund").expect("one").status, RefundStatus::Initiated);
    assert!(w.count("SELECT count(*) FROM idempotency_keys") >= before_keys, "their keys are kept");
    assert_eq!(w.count("SELECT count(*) FROM idempotency_keys WHERE key LIKE 'their-%'"), 2);
    // ...while its own were swept on its clock: its hold expired, its refund paid out.
    let script_holds = "SELECT count(*) FROM holds WHERE actor LIKE 'clerk:script%'";
    assert_eq!(w.count(script_holds), 2);
    assert_eq!(w.count(&format!("{script_holds} AND status = 'ACTIVE'")), 0);
    assert_eq!(
        w.count(
            "SELECT count(*) FROM refunds r JOIN bookings b ON b.id = r.booking_id JOIN holds h ON h.id = b.hold_id \
                 WHERE h.actor LIKE 'clerk:script%' AND r.status = 'PROCESSED'"
        ),
        1
    );
    // No lease, no recorded run: nothing dated 2030 binds the real app.
    assert_eq!(w.count("SELECT count(*) FROM job_leases"), 0);
    assert_eq!(w.count("SELECT count(*) FROM job_runs"), 0);
    // Its audit rows reached the file's log like anyone's.
    let shipped: i64 = w
        .desk
        .conn()
        .query_row("SELECT value FROM meta WHERE key = 'audit_ship_cursor'", [], |r| r.get::<_, String>(0))
        .expect("cursor")
        .parse()
        .expect("number");
    assert_eq!(shipped, w.count("SELECT max(seq) FROM audit_log"));
    w.assert_verified();

    // The real app's tick then works as ever: expiry of its own hold in its time.
    let mut jobs = jobs(&w);
    w.advance(Duration::minutes(6));
    let report = jobs.tick().expect("tick");
    assert_eq!(report.processed(Job::HoldExpiry), 1, "{report:?}");
    assert_eq!(report.processed(Job::RefundCompletion), 1, "{report:?}");
}

#[test]
fn a_script_on_a_file_without_a_clock_starts_at_the_files_time() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("now.db");
    let before = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let out = script(&[], &db, "key Tab\nverify\n");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let after = chrono::Utc::now().format("%Y-%m-%d").to_string();
    // The demo events were seeded at the file's time, and the script's clock is on that day.
    let conn = rusqlite::Connection::open(&db).expect("open");
    let created: i64 = conn.query_row("SELECT min(created_at) FROM events", [], |r| r.get(0)).expect("events");
    let day = chrono::DateTime::from_timestamp_millis(created).expect("ms").format("%Y-%m-%d").to_string();
    assert!(day == before || day == after, "seeded on {day}, today is {before}");
}
