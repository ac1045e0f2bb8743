//! Hostile data: names that a spreadsheet would run as formulas are exported
//! inert in every CSV the app writes; script queries are plain reads within a
//! time and memory budget.

mod common;
use boxoffice::domain::{AuditFilter, BookingFilter, EventKind, NewCustomer, NewEvent, PaymentOutcome, ReportFilter};
use boxoffice::export::{audit_csv, bookings_csv, report_csv};
use boxoffice::{Desk, HoldRequest, SeatPick};
use chrono::Duration;
use common::World;
use std::process::Command;

const FORMULAS: [&str; 4] = [
    "=HYPERLINK(\"http://evil.example/\",\"click\")",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
];

/// Every cell of a CSV, parsed back.
fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes);
    r.records().map(|rec| rec.expect("a CSV record").iter().map(str::to_string).collect()).collect()
}

/// No cell would be run by a spreadsheet, and each hostile name is there, inert.
fn assert_inert(what: &str, bytes: &[u8], names: &[&str]) {
    let rows = cells(bytes);
    for row in &rows {
        for cell in row {
            let live = cell.starts_with(['=', '+', '@', '\t', '\r'])
                || (cell.starts_with('-') && cell[1..].parse::<f64>().is_err());
            assert!(!live, "{what}: a live formula cell {cell:?} in {row:?}");
        }
    }
    for name in names {
        let inert = format!("'{name}");
        assert!(rows.iter().flatten().any(|c| *c == inert), "{what}: {inert:?} is not among the cells:\n{rows:?}");
    }
}

#[test]
fn formula_names_are_exported_inert_in_bookings_audit_and_report_csv() {
    let w = World::new();
    // A terminal's identity comes from $USER (or a door's name): it reaches the
    // audit CSV as the actor of what it does with no clerk signed in (a door's scans).
    let desk = Desk::open(&w.path(), w.desk.ctx().clone(), FORMULAS[3]).expect("a desk with a hostile actor");
    desk.sign_in("Sue", "1111").expect("sue sells");
    let mut events = Vec::new();
    for (i, name) in FORMULAS.iter().enumerate() {
        let event = desk
            .create_event(NewEvent {
                name: name.to_string(),
                description: String::new(),
                starts_at: common::t0() + Duration::days(7),
                kind: EventKind::GeneralAdmission { capacity: 10 },
                price: 1_000,
                currency: "INR".into(),
            })
            .expect("an event named like a formula");
        let hold = desk
            .hold(HoldRequest {
                event_id: event.id.clone(),
                pick: SeatPick::Count(1),
                idempotency_key: None,
                correlation_id: None,
            })
            .expect("hold")
            .value;
        let customer = desk
            .customer(NewCustomer { name: name.to_string(), email: Some(format!("c{i}@example.com")), phone: None })
            .expect("a customer named like a formula")
            .value;
        let booking = desk.book(&hold.id, &customer.id, None).expect("book").value;
        desk.pay(&booking.id, PaymentOutcome::Success, &format!("pay-{i}"), None).expect("pay");
        events.push(event);
    }

    let rows = desk.bookings(&BookingFilter { limit: 100, ..Default::default() }).expect("bookings");
    assert_eq!(rows.len(), 4);
    let mut out = Vec::new();
    bookings_csv(&rows, &mut out).expect("bookings csv");
    assert_inert("bookings", &out, &FORMULAS);
    // The money stays a number a spreadsheet can add up.
    assert!(cells(&out).iter().skip(1).all(|r| r[6] == "1000"), "{:?}", cells(&out));

    desk.act_as(None);
    desk.check_in("7K3M-Q9XA-2BHD-F0PZ-R", None, "main").expect("a door's scan as the hostile terminal");
    let audit = desk.audit(&AuditFilter { limit: 1000, ..Default::default() }).expect("audit");
    let mut out = Vec::new();
    audit_csv(&audit, &mut out).expect("audit csv");
    assert_inert("audit", &out, &[FORMULAS[3]]);

    let mut out = Vec::new();
    report_csv(&desk.report(&ReportFilter { hours: 24, ..Default::default() }).expect("report"), &mut out)
        .expect("report csv");
    assert_inert("report", &out, &FORMULAS);
    assert!(events.iter().all(|e| out.windows(e.id.len()).any(|w| w == e.id.as_bytes())));
}

// ---- script queries ------------------------------------------------------------------

fn script(dir: &std::path::Path, body: &str) -> std::process::Output {
    let file = dir.join("q.script");
    std::fs::write(&file, body).expect("write script");
    Command::new(env!("CARGO_BIN_EXE_boxoffice")).arg("script").arg(&file).output().expect("run boxoffice")
}

#[test]
fn sql_expect_runs_plain_reads_only_within_a_budget() {
    let dir = tempfile::tempdir().expect("dir");
    // A query that never ends, and one that eats memory: both stopped, exit 1.
    for (query, says) in [
        ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", "budget"),
        (
            "WITH RECURSIVE c(x, s) AS (SELECT 1, '' UNION ALL SELECT x + 1, s || hex(randomblob(1000)) FROM c) \
             SELECT max(length(s)) FROM c",
            "budget",
        ),
    ] {
        let started = std::time::Instant::now();
        let out = script(dir.path(), &format!("sql-expect {query} => 1\n"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{query}: {err}");
        assert!(err.contains("line 1") && err.contains(says), "{query}: {err}");
        // Not a timed assertion on speed: a guard that the run did end.
        assert!(started.elapsed() < std::time::Duration::from_secs(120));
    }
    // Statements that are not plain reads: refused before they run.
    for query in [
        "PRAGMA hard_heap_limit=1",
        "PRAGMA locking_mode=EXCLUSIVE",
        "PRAGMA busy_timeout=0",
        "PRAGMA user_version",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "DELETE FROM events",
        "SELECT 1; DELETE FROM events",
        "BEGIN",
        "VACUUM",
        "EXPLAIN SELECT 1",
    ] {
        let out = script(dir.path(), &format!("sql-expect {query} => 1\nverify\n"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{query}: {err}");
        assert!(err.contains("only a single SELECT or WITH"), "{query}: {err}");
    }
    // Plain reads still work, WITH included.
    let out = script(
        dir.path(),
        "sql-expect SELECT count(*) FROM events => 5\n\
         sql-expect WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) SELECT sum(x) FROM c => 55\n\
         sql-expect   select name from events where name like 'Hamlet%'   => Hamlet at the Grand Theatre\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
