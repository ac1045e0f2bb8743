//! Bad input: every mistake gets a clear error naming the field (or the
//! missing record), and nothing is written. Bad database files get a one-line
//! message, never a panic, and are left as they were. `verify` exits 0/1/2.

mod common;
use boxoffice::Error;
use boxoffice::SeatPick;
use boxoffice::domain::{EventKind, NewCustomer, NewEvent, PaymentOutcome};
use boxoffice::{Config, Context, Desk};
use chrono::Duration;
use common::{World, t0};
use std::path::Path;
use std::process::Command;

/// The error must be `Invalid` for `field`; returns its message.
fn invalid(e: &Error, field: &str) -> String {
    match e {
        Error::Invalid(i) => {
            assert_eq!(i.field, field, "{e}");
            let text = e.to_string();
            assert!(text.starts_with(field), "the message names the field: {text}");
            text
        }
        other => panic!("expected Invalid({field}), got {other:?}"),
    }
}

fn not_found(e: &Error, what: &str, id: &str) {
    match e {
        Error::NotFound { what: w, id: i } => assert_eq!((*w, i.as_str()), (what, id), "{e}"),
        other => panic!("expected NotFound({what}), got {other:?}"),
    }
    assert_eq!(e.to_string(), format!("no {what} with id {id}"));
}

fn new_event(name: &str, kind: EventKind, price: i64) -> NewEvent {
    NewEvent {
        name: name.into(),
        description: String::new(),
        starts_at: t0() + Duration::days(3),
        kind,
        price,
        currency: "INR".into(),
    }
}

fn ctx() -> Context {
    Context::manual(t0(), 9, Config::default()).0
}

fn boxoffice_cli(db: &Path) -> std::process::Output {
    boxoffice_cmd(db, "verify")
}

fn boxoffice_cmd(db: &Path, command: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .arg("--db")
        .arg(db)
        .arg(command)
        .env_remove("BOXOFFICE_DB")
        .output()
        .expect("run boxoffice")
}

// Bad input through the engine, on a file and on PostgreSQL (`name::sqlite`, `name::postgres`):
// the same refusals, and nothing written on either.
crate::on_both_backends! {
#[test]
fn the_dump_sees_every_write() {
    // The refusal checks below rely on it; make sure it is not blind.
    let w = World::new();
    let before = w.dump();
    w.ga(1, 1);
    assert_ne!(before, w.dump());
    let before = w.dump();
    w.exec("UPDATE meta SET value = value || 'x' WHERE 1 = 1").unwrap();
    w.exec("INSERT INTO meta (key, value) VALUES ('t', 'v')").unwrap();
    assert_ne!(before, w.dump());
}

#[test]
fn event_names_must_be_1_to_120_characters() {
    let w = World::new();
    let ga = EventKind::GeneralAdmission { capacity: 10 };
    for name in ["", "   ", &"x".repeat(121), &"é".repeat(121)] {
        let err = w.refused(|d| d.create_event(new_event(name, ga, 100)));
        invalid(&err, "name");
    }
    let err = w.refused(|d| d.create_event(new_event("bell\u{7}", ga, 100)));
    invalid(&err, "name");
    // The limits themselves are fine.
    assert_eq!(w.desk.create_event(new_event(&"é".repeat(120), ga, 100)).unwrap().name.chars().count(), 120);
    assert_eq!(w.desk.create_event(new_event("  A  ", ga, 100)).unwrap().name, "A");
}

#[test]
fn event_sizes_prices_and_currency_are_checked() {
    let w = World::new();
    let cases = [
        (EventKind::GeneralAdmission { capacity: 0 }, 100, "INR", "capacity"),
        (EventKind::GeneralAdmission { capacity: 1_000_001 }, 100, "INR", "capacity"),
        (EventKind::Reserved { rows: 0, seats_per_row: 5 }, 100, "INR", "rows"),
        (EventKind::Reserved { rows: 27, seats_per_row: 5 }, 100, "INR", "rows"),
        (EventKind::Reserved { rows: 5, seats_per_row: 0 }, 100, "INR", "seats per row"),
        (EventKind::Reserved { rows: 5, seats_per_row: 100 }, 100, "INR", "seats per row"),
        (EventKind::GeneralAdmission { capacity: 5 }, -1, "INR", "price"),
        (EventKind::GeneralAdmission { capacity: 5 }, 100, "RUPEES", "currency"),
        (EventKind::GeneralAdmission { capacity: 5 }, 100, "", "currency"),
    ];
    for (kind, price, currency, field) in cases {
        let err =
            w.refused(|d| d.create_event(NewEvent { currency: currency.into(), ..new_event("Gala", kind, price) }));
        invalid(&err, field);
    }
}

#[test]
fn customers_need_a_valid_name_and_contact() {
    let w = World::new();
    let c = |name: &str, email: Option<&str>, phone: Option<&str>| NewCustomer {
        name: name.into(),
        email: email.map(Into::into),
        phone: phone.map(Into::into),
    };
    let cases = [
        (c("", Some("a@b.co"), None), "name"),
        (c(&"n".repeat(121), Some("a@b.co"), None), "name"),
        (c("Jane", None, None), "email"),
        (c("Jane", Some("  "), Some("")), "email"),
        (c("Jane", Some("jane.example.com"), None), "email"),
        (c("Jane", Some("jane@example"), None), "email"),
        (c("Jane", Some("ja ne@example.com"), None), "email"),
        (c("Jane", Some("@example.com"), None), "email"),
        (c("Jane", None, Some("12345")), "phone"),
        (c("Jane", None, Some("+91 98765 4321x")), "phone"),
        (c("Jane", None, Some("1234567890123456")), "phone"),
        // A good email does not excuse a bad phone.
        (c("Jane", Some("jane@example.com"), Some("call me")), "phone"),
    ];
    for (new, field) in cases {
        let err = w.refused(|d| d.customer(new));
        invalid(&err, field);
    }
    assert_eq!(w.count("SELECT count(*) FROM customers"), 0);
    // Found again by email or by phone, normalised.
    let jane = w.desk.customer(c("Jane", Some("Jane@Example.com"), Some("+91 98765-43210"))).unwrap();
    assert!(!jane.is_retry);
    let again = w.desk.customer(c("J.", None, Some("+919876543210"))).unwrap();
    assert!(again.is_retry);
    assert_eq!(again.value, jane.value);
    assert_eq!(w.desk.find_customer(Some("JANE@example.com"), None).unwrap(), Some(jane.value));
}

#[test]
fn seat_counts_must_be_positive() {
    let w = World::new();
    let ga = w.ga(10, 100);
    let hall = w.reserved(2, 3, 100);
    for e in [&ga, &hall] {
        for n in [0, -1, i64::MIN] {
            let err = w.refused(|_| w.hold_req(e, SeatPick::Count(n), None));
            let text = invalid(&err, "seats");
            assert!(text.contains(&n.to_string()), "{text}");
        }
        let err = w.refused(|_| w.hold_req(e, SeatPick::Labels(vec![]), None));
        invalid(&err, "seats");
    }
    let err = w.refused(|_| w.hold_req(&ga, SeatPick::Count(i64::MAX), None));
    assert!(matches!(err, Error::NotEnoughSeats { available: 10, .. }), "{err:?}");
}

#[test]
fn seat_labels_must_exist_and_be_listed_once() {
    let w = World::new();
    let e = w.reserved(3, 4, 100); // rows A–C, seats 1–4
    for label in ["D1", "A5", "A0", "a", "7C", "", "AA1", "Z99", "A-1"] {
        let err = w.refused(|_| w.hold_req(&e, SeatPick::Labels(vec!["A1".into(), label.into()]), None));
        invalid(&err, "seat");
    }
    let err = w.refused(|_| w.hold_req(&e, SeatPick::Labels(vec!["b2".into(), "B2".into()]), None));
    let text = invalid(&err, "seat");
    assert!(text.contains("B2") && text.contains("twice"), "{text}");
    assert_eq!(w.seats(&e), (12, 0, 0));
}

#[test]
fn unknown_ids_are_named() {
    let w = World::new();
    let e = w.ga(10, 100);
    let c = w.customer();
    let h = w.hold(&e, 1);
    let ghost = "01890000-0000-7000-8000-000000000000";
    let err = w.refused(|d| {
        d.hold(boxoffice::HoldRequest {
            event_id: ghost.into(),
            pick: SeatPick::Count(1),
            idempotency_key: Some("k".into()),
            correlation_id: None,
        })
    });
    not_found(&err, "event", ghost);
    not_found(&w.refused(|d| d.release(ghost)), "hold", ghost);
    not_found(&w.refused(|d| d.book(ghost, &c.id, None)), "hold", ghost);
    not_found(&w.refused(|d| d.book(&h.id, ghost, Some("bk"))), "customer", ghost);
    not_found(&w.refused(|d| d.pay(ghost, PaymentOutcome::Success, "pk", None)), "booking", ghost);
    not_found(&w.refused(|d| d.cancel(ghost)), "booking", ghost);
    not_found(&w.refused(|d| d.cancel("")), "booking", "");
    not_found(&w.refused(|d| d.get_booking(ghost)), "booking", ghost);
    not_found(&w.refused(|d| d.event(ghost)), "event", ghost);
    not_found(&w.refused(|d| d.get_customer(ghost)), "customer", ghost);
}

#[test]
fn a_payment_of_the_wrong_amount_is_refused() {
    let w = World::new();
    let e = w.ga(10, 12_500);
    let b = w.booking(&e, 2); // 25_000
    for given in [24_999, 25_001, 0, -25_000, 250] {
        let err = w.refused(|d| d.pay(&b.id, PaymentOutcome::Success, "p", Some(given)));
        let text = invalid(&err, "amount");
        assert!(text.contains(&given.to_string()) && text.contains("25000"), "{text}");
    }
    assert!(w.desk.attempts(&b.id).unwrap().is_empty());
    // The right amount (or none) is taken.
    w.desk.pay(&b.id, PaymentOutcome::Success, "p", Some(25_000)).unwrap();
    w.assert_verified();
}

#[test]
fn verify_exits_0_when_healthy_and_1_with_each_violation() {
    let w = World::new();
    let e = w.ga(10, 100);
    let b = w.booking(&e, 2);
    w.desk.pay(&b.id, PaymentOutcome::Success, "k", None).unwrap();
    w.hold(&e, 1);
    let out = boxoffice_cli(&w.db_arg());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: every invariant holds"));

    w.exec("UPDATE events SET available = available - 1").unwrap();
    let out = boxoffice_cli(&w.db_arg());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("invariant 1 seat count") && stdout.contains("available 6 + held 1 + sold 2 <> total 10"));
    assert!(stdout.contains("1 violation(s)"), "{stdout}");
    assert_eq!(w.desk.verify().unwrap().len(), 1);
}

#[test]
fn verify_catches_a_seat_sold_twice() {
    let w = World::new();
    let e = w.reserved(2, 2, 100);
    let h = w.hold_labels(&e, &["A1"]);
    w.desk.release(&h.id).unwrap();
    w.hold_labels(&e, &["A1"]);
    // Revive the released hold's label behind the engine's back; the unique
    // index must refuse a second live owner.
    let err = w.exec(&format!("UPDATE hold_seats SET live = 1 WHERE hold_id = '{}'", h.id)).unwrap_err();
    assert!(err.to_lowercase().contains("unique"), "{err}");
    assert_eq!(w.desk.verify().unwrap(), Vec::<String>::new());
}
}

#[test]
fn a_garbage_file_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.db");
    // Deterministic noise that does not start with the SQLite header.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let bytes: Vec<u8> = (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    assert_ne!(&bytes[..6], b"SQLite");
    std::fs::write(&path, &bytes).unwrap();

    let err = Desk::open(&path, ctx(), "clerk:test").err().expect("refused");
    let Error::Storage(msg) = &err else { panic!("expected Storage, got {err:?}") };
    assert!(msg.contains("not a boxoffice database") && msg.contains("garbage.db"), "{msg}");
    assert!(!msg.contains('\n'));
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file is left as it was");

    let out = boxoffice_cli(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("boxoffice: ") && stderr.contains("not a boxoffice database"), "{stderr}");
    assert!(!stderr.contains("panicked"));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the CLI leaves it as it was too");
    let extra: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(extra, vec![std::ffi::OsString::from("garbage.db")], "no -wal/-shm files left behind");
}

#[test]
fn a_file_from_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        // A boxoffice file (it carries our mark) from a later release.
        conn.execute_batch(&format!(
            "CREATE TABLE later (x); PRAGMA user_version = 99; PRAGMA application_id = {};",
            boxoffice::store::migrate::APPLICATION_ID
        ))
        .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let err = Desk::open(&path, ctx(), "clerk:test").err().expect("refused");
    let Error::Storage(msg) = &err else { panic!("expected Storage, got {err:?}") };
    assert!(msg.contains("schema version 99") && msg.contains("newer"), "{msg}");
    let out = boxoffice_cli(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("schema version 99"), "{stderr}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, 99);
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
    assert_eq!(tables, 1, "no schema was applied on top");
}

/// Makes a file read-only in a way root cannot write through (chattr +i), and
/// takes the flag off again when dropped.
struct Immutable<'a>(&'a Path);

impl Drop for Immutable<'_> {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(self.0).status();
    }
}

#[test]
fn a_read_only_database_is_refused_with_one_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("ro.db");
    drop(Desk::open(&db, ctx(), "clerk:test").expect("create"));
    let before = std::fs::read(&db).expect("read");
    let made = Command::new("chattr").arg("+i").arg(&db).status().is_ok_and(|s| s.success());
    if !made {
        eprintln!("skipped: chattr +i is not available here, so a file cannot be made read-only for root");
        return;
    }
    let _guard = Immutable(&db);
    let err = Desk::open(&db, ctx(), "clerk:test").err().expect("refused");
    assert!(matches!(err, Error::Storage(_)) && err.to_string().contains("read-only"), "{err}");
    // `verify` only reads, so a read-only file is fine for it.
    let out = boxoffice_cli(&db);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = boxoffice_cmd(&db, "migrate");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("read-only") && !stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read(&db).expect("read"), before, "nothing written");
}

#[test]
fn a_database_locked_by_another_process_is_refused_with_one_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("locked.db");
    drop(Desk::open(&db, ctx(), "clerk:test").expect("create"));
    // Another process's exclusive lock: in WAL mode nobody else may even read.
    let other = rusqlite::Connection::open(&db).expect("open");
    other
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE meta SET value = value;")
        .expect("lock");
    let out = boxoffice_cli(&db);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("locked") && !stderr.contains("panicked"), "{stderr}");
    drop(other);
}
