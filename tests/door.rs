//! The door from the command line, as a scanner or a script would use it:
//! sell, print, admit, refuse a second scan, cancel another booking and
//! refuse its code. And two doors racing on one code: threads with their own
//! connections, and separate `boxoffice checkin` processes — each code is
//! admitted exactly once.

mod common;
use boxoffice::domain::{
    AuditAction, AuditFilter, Booking, BookingStatus, DoorAnswer, PaymentOutcome, Ticket, TicketStatus,
};
use boxoffice::store::Durability;
use boxoffice::{Config, Context};
use common::World;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Barrier;

fn cli(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("BOXOFFICE_DB")
        .output()
        .expect("run boxoffice")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A paid booking of `n` seats and its tickets.
fn paid(w: &World, event: &boxoffice::domain::Event, n: i64) -> (Booking, Vec<Ticket>) {
    let b = w.booking(event, n);
    w.desk.pay(&b.id, PaymentOutcome::Success, &format!("pay-{}", b.id), None).expect("pay");
    let tickets = w.desk.tickets(&b.id).expect("tickets");
    assert_eq!(tickets.len(), n as usize);
    (b, tickets)
}

fn audit_count(w: &World, action: AuditAction) -> usize {
    w.desk.audit(&AuditFilter { action: Some(action), limit: 10_000, ..Default::default() }).expect("audit").len()
}

#[test]
fn sell_print_admit_refuse_a_second_scan_cancel_and_refuse_its_code() {
    let w = World::new();
    let db = w.path();
    let theatre = w.reserved(2, 5, 50_000);
    let (group, tickets) = paid(&w, &theatre, 2);
    let (other, other_tickets) = paid(&w, &theatre, 1);

    // Print: the CLI finds the booking by its short id and writes one page per ticket.
    let pdf = w.dir.path().join("group.pdf");
    let short = &group.id[group.id.len() - 8..];
    let out = cli(&db, &["tickets", short, "--pdf", pdf.to_str().expect("utf8 path")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    for t in &tickets {
        assert!(listing.contains(&t.code.grouped()) && listing.contains(t.seat_text()), "{listing}");
    }
    assert!(listing.contains("VALID") && listing.contains("wrote 2 ticket(s)"), "{listing}");
    let doc = lopdf::Document::load_mem(&std::fs::read(&pdf).expect("the PDF")).expect("a PDF");
    assert_eq!(doc.get_pages().len(), 2);
    assert!(doc.extract_text(&[1]).expect("text").contains(&tickets[0].code.grouped()));
    assert_eq!(audit_count(&w, AuditAction::TicketsPrinted), 1);

    // Admit at the north door; the same code at the south door is refused, saying where and when.
    let code = tickets[0].code.grouped();
    let out = cli(&db, &["checkin", &code, "--event", &theatre.id, "--door", "north"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).starts_with("ADMITTED") && text(&out).contains("seat A"), "{}", text(&out));
    let out = cli(&db, &["checkin", &code.to_lowercase().replace('-', " "), "--door", "south"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).starts_with("REFUSED") && text(&out).contains("already used"), "{}", text(&out));
    assert!(text(&out).contains("door north"), "{}", text(&out));

    // Cancel the other booking: its code is refused as void.
    w.desk.cancel(&other.id).expect("cancel");
    let out = cli(&db, &["checkin", &other_tickets[0].code.grouped(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!((json["answer"].as_str(), json["admitted"].as_bool()), (Some("VOIDED"), Some(false)));
    assert_eq!(json["booking_status"], "CANCELLED");
    assert_eq!(json["detail"], "voided: booking cancelled");

    // A typo is caught by the check character; nothing is admitted.
    let mut typo: Vec<char> = tickets[1].code.grouped().chars().collect();
    typo[0] = if typo[0] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let out = cli(&db, &["checkin", &typo, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["answer"], "MISTYPED");

    // The booking's tickets now: one used at the north door, one still valid.
    let out = cli(&db, &["tickets", &group.id, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let states: Vec<(&str, Option<&str>)> = json["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| (t["status"].as_str().expect("status"), t["used_door"].as_str()))
        .collect();
    assert_eq!(states, [("USED", Some("north")), ("VALID", None)]);
    assert_eq!(json["items"][0]["count"], 2);

    // Every scan was recorded and audited; the file is consistent.
    assert_eq!(w.count("SELECT count(*) FROM scans"), 4);
    assert_eq!((audit_count(&w, AuditAction::TicketAdmitted), audit_count(&w, AuditAction::TicketRefused)), (1, 3));
    let out = cli(&db, &["verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Reprinting is allowed and audited again.
    let out = cli(&db, &["tickets", &group.id, "--pdf", pdf.to_str().expect("utf8 path")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(audit_count(&w, AuditAction::TicketsPrinted), 2);
}

#[test]
fn unusable_input_exits_2_and_changes_nothing() {
    let w = World::new();
    let db = w.path();
    let gig = w.ga(10, 20_000);
    let pending = w.booking(&gig, 1);
    let (_, tickets) = paid(&w, &gig, 1);
    let code = tickets[0].code.grouped();
    let before = common::dump(&w.raw());
    for args in [
        vec!["checkin", &code, "--event", "no-such-event"],
        vec!["checkin", &code, "--door", "  "],
        vec!["checkin"],
        vec!["checkin", &code, "--format", "xml"],
        vec!["tickets", "no-such-booking"],
        vec!["tickets", "1234"],
    ] {
        let out = cli(&db, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(!out.stderr.is_empty(), "{args:?} says why");
    }
    // A booking awaiting payment has no tickets to print.
    let pdf = w.dir.path().join("none.pdf");
    let out = cli(&db, &["tickets", &pending.id, "--pdf", pdf.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("no valid tickets to print"), "{}", text(&out));
    assert!(!pdf.exists() && !w.dir.path().join("none.pdf.part").exists());
    assert_eq!(common::dump(&w.raw()), before, "nothing was written");
    // A missing file is not created.
    let missing = w.dir.path().join("nope.db");
    let out = cli(&missing, &["checkin", &code]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no database"), "{}", text(&out));
    assert!(!missing.exists());
    // The ticket is still valid.
    assert_eq!(w.desk.tickets(&tickets[0].booking_id).expect("tickets")[0].status, TicketStatus::Valid);
}

/// Admitted answers for `code` from `threads` desks (each its own connection) scanning at once.
fn race_threads(db: &common::Target, code: &str, threads: usize) -> usize {
    let start = Barrier::new(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let start = &start;
                s.spawn(move || {
                    let config = Config { durability: Durability::Normal, ..Config::default() };
                    let desk = db.open(Context::system(config), format!("door:{i}")).expect("open");
                    start.wait();
                    desk.check_in(code, None, &format!("door-{i}")).expect("an answer, never an error")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).filter(|a| a.admitted()).count()
    })
}

// Threads and processes at two doors, on a file and on PostgreSQL.
crate::on_both_backends! {
#[test]
fn two_doors_scanning_one_code_at_once_admit_it_exactly_once() {
    let w = World::new();
    let (db, target) = (w.db_arg(), w.target());
    let gig = w.ga(50, 20_000);
    let (_, tickets) = paid(&w, &gig, 12);
    // Threads, each with its own connection, released together.
    for t in &tickets[..6] {
        assert_eq!(race_threads(&target, &t.code.grouped(), 6), 1, "{}", t.code);
    }
    // Processes: four `boxoffice checkin` of the same code started together.
    for t in &tickets[6..] {
        let children: Vec<_> = (0..4)
            .map(|i| {
                Command::new(env!("CARGO_BIN_EXE_boxoffice"))
                    .arg("--db")
                    .arg(&db)
                    .args(["checkin", &t.code.grouped(), "--door", &format!("gate-{i}"), "--synchronous", "normal"])
                    .env_remove("BOXOFFICE_DB")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        let codes: Vec<Option<i32>> =
            children.into_iter().map(|c| c.wait_with_output().expect("wait").status.code()).collect();
        assert_eq!(codes.iter().filter(|c| **c == Some(0)).count(), 1, "{}: {codes:?}", t.code);
        assert_eq!(codes.iter().filter(|c| **c == Some(1)).count(), 3, "{}: {codes:?}", t.code);
    }
    assert_eq!(w.count("SELECT count(*) FROM scans WHERE result = 'ADMITTED'"), 12);
    assert_eq!(w.count("SELECT count(*) FROM scans WHERE result = 'ALREADY_USED'"), 6 * 5 + 6 * 3);
    assert_eq!(w.count("SELECT count(*) FROM tickets WHERE status = 'USED'"), 12);
    w.assert_verified();
}
}

// The door through the engine, on a file and on PostgreSQL (`name::sqlite`, `name::postgres`).
crate::on_both_backends! {
#[test]
fn the_checkin_and_cashup_commands_answer_on_the_file_or_the_server() {
    let w = World::new();
    let db: std::path::PathBuf = match w.target() {
        common::Target::File(path) => path,
        common::Target::Postgres(url) => url.into(),
    };
    let theatre = w.reserved(2, 5, 50_000);
    let (_, tickets) = paid(&w, &theatre, 2);
    let code = tickets[0].code.grouped();
    let out = cli(&db, &["checkin", &code, "--event", &theatre.id, "--door", "north"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).starts_with("ADMITTED"), "{}", text(&out));
    let out = cli(&db, &["checkin", &code, "--door", "south", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!((json["answer"].as_str(), json["door"].as_str()), (Some("ALREADY_USED"), Some("south")));
    assert_eq!(w.count("SELECT count(*) FROM scans"), 2);
    assert_eq!((audit_count(&w, AuditAction::TicketAdmitted), audit_count(&w, AuditAction::TicketRefused)), (1, 1));

    // The supervisor's cash-up of their shift: the sale, paid by card.
    let out = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .arg("--db")
        .arg(&db)
        .args(["cashup", "--as", "Sue", "--format", "json"])
        .env_remove("BOXOFFICE_DB")
        .env("BOXOFFICE_PIN", "1111")
        .output()
        .expect("run boxoffice");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let shifts = json["shifts"].as_array().expect("the shifts");
    assert_eq!(shifts.len(), 1, "{json:#}");
    assert_eq!(shifts[0]["shift"]["clerk_name"], "Sue", "{json:#}");
    assert_eq!(shifts[0]["tickets_sold"], 2, "{json:#}");
    let total = &json["totals"][0];
    assert_eq!((total["currency"].as_str(), total["sales"].as_i64()), (Some("INR"), Some(100_000)), "{json:#}");
    w.assert_verified();
}

#[test]
fn tickets_are_issued_admitted_once_and_voided_with_the_booking() {
    let w = World::new();
    let theatre = w.reserved(2, 5, 50_000);
    let (group, tickets) = paid(&w, &theatre, 2);
    assert!(tickets.iter().all(|t| t.status == TicketStatus::Valid));
    let code = tickets[0].code.grouped();
    let first = w.desk.check_in(&code, Some(&theatre.id), "north").expect("first scan");
    assert!(matches!(first, DoorAnswer::Admitted { .. }), "{first:?}");
    let again = w.desk.check_in(&code, Some(&theatre.id), "south").expect("second scan");
    assert!(matches!(&again, DoorAnswer::AlreadyUsed { door, .. } if door == "north"), "{again:?}");
    w.desk.cancel_admitted(&group.id, Some(BookingStatus::Confirmed), 1).expect("cancel with one admitted");
    let counts = w.desk.ticket_counts(&group.id).expect("counts");
    assert_eq!((counts.valid, counts.used, counts.void), (0, 0, 2));
    let void = w.desk.check_in(&tickets[1].code.grouped(), None, "north").expect("a void code");
    assert!(matches!(void, DoorAnswer::Voided { booking_status: BookingStatus::Cancelled, .. }), "{void:?}");
    assert_eq!(w.count("SELECT count(*) FROM scans"), 3);
    assert_eq!((audit_count(&w, AuditAction::TicketAdmitted), audit_count(&w, AuditAction::TicketRefused)), (1, 2));
    assert_eq!(w.seats(&theatre), (10, 0, 0));
    w.assert_verified();
}
}
