//! Personal data: the files that hold customers' names, emails and phones are
//! the owner's only (or a named group's); an erased customer leaves no trace
//! in the database file, its WAL or the logs; audit rows and the JSON audit
//! log carry ids, never personal data.

mod common;
use boxoffice::domain::{NewCustomer, PaymentOutcome};
use boxoffice::jobs::{Jobs, audit_log_sink};
use boxoffice::{Config, Context, Desk, HoldRequest, SeatPick};
use common::boxoffice;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o7777
}

/// A sale on a new file through the real binary: the script's jobs ship its
/// audit rows to the file's JSON log.
fn sell_with_a_script(db: &Path, env: &[(&str, &str)]) {
    let script = db.parent().and_then(Path::parent).expect("a folder above the data").join("sale.script");
    std::fs::write(
        &script,
        "key j j Enter\nkey 2 Enter\nkey Enter\ntype Jane Doe\nkey Tab\ntype jane@example.com\nkey Enter\nkey s\n\
         expect CONFIRMED\ntick\n",
    )
    .expect("script");
    let (code, out, err) = boxoffice(db, &["script", script.to_str().expect("utf8")], env);
    assert_eq!(code, 0, "{out}{err}");
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("list").flatten() {
        let p = entry.path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn the_database_its_wal_and_the_audit_log_are_the_owners_only() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let db = data.join("boxoffice.db");
    sell_with_a_script(&db, &[]);
    assert_eq!(mode(&data), 0o700, "the data folder");
    assert_eq!(mode(&db), 0o600, "the database");
    let logs = data.join("logs");
    assert_eq!(mode(&logs), 0o700);
    let audit: Vec<PathBuf> = files_under(&logs);
    assert!(!audit.is_empty(), "the script shipped its audit rows");
    for f in &audit {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    // While a connection is open the WAL and its index exist: SQLite makes
    // them with the database's mode, whatever this process's umask.
    let conn = rusqlite::Connection::open(&db).expect("open");
    let _: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("read");
    for suffix in ["-wal", "-shm"] {
        let p = boxoffice::store::sibling(&db, suffix);
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
}

#[test]
fn a_file_left_world_readable_by_an_earlier_version_becomes_private_on_open() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("old.db");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/boxoffice-v1.db"), &db).expect("fixture");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (code, out, err) = boxoffice(&db, &["migrate"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(mode(&db), 0o600);
}

#[test]
fn with_boxoffice_group_the_named_group_may_read_and_write() {
    let gid = nix::unistd::getegid();
    let Ok(Some(group)) = nix::unistd::Group::from_gid(gid) else {
        eprintln!("SKIP: this user's group has no name");
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("shared");
    let db = data.join("boxoffice.db");
    sell_with_a_script(&db, &[("BOXOFFICE_GROUP", &group.name)]);
    assert_eq!(mode(&data), 0o2770, "set-group-id: what is made inside keeps the group");
    assert_eq!(mode(&db), 0o660);
    assert_eq!(std::fs::metadata(&db).expect("meta").gid(), gid.as_raw());
    for f in files_under(&data.join("logs")) {
        assert_eq!(mode(&f), 0o660, "{}", f.display());
    }
    // A group that does not exist: refused before anything is made.
    let other = dir.path().join("other.db");
    let (code, _, err) = boxoffice(&other, &["settings"], &[("BOXOFFICE_GROUP", "no-such-group-xyz")]);
    assert_eq!(code, 2);
    assert!(err.contains("BOXOFFICE_GROUP=no-such-group-xyz: there is no such group"), "{err}");
    assert!(!other.exists());
}

/// Everything that identifies the customer to be erased, as stored (the
/// email lower-cased, the phone as digits).
/// The command line as the supervisor Sue (erasing is a supervisor's).
const SUE: &[(&str, &str)] = &[("BOXOFFICE_CLERK", "Sue"), ("BOXOFFICE_PIN", "1111")];

const TRACES: [&str; 4] = ["Zebulon", "Quixote", "zebulon.q@example.org", "447700900123"];

fn traces_in(path: &Path) -> Vec<&'static str> {
    let bytes = std::fs::read(path).unwrap_or_default();
    TRACES.iter().copied().filter(|t| bytes.windows(t.len()).any(|w| w == t.as_bytes())).collect()
}

#[test]
fn an_erased_customer_leaves_no_trace_in_the_file_its_wal_or_the_logs() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("boxoffice.db");
    let logs = boxoffice::paths::log_dir_for(&db);
    let (ctx, clock) = Context::manual(common::t0(), 5, Config::default());
    let (customer_id, amounts) = {
        let desk = Desk::open(&db, ctx.clone(), "clerk:test").expect("open");
        desk.create_first_supervisor("Sue", "1111").expect("a supervisor");
        let mut jobs = Jobs::new(Desk::open(&db, ctx, "job:tick").expect("jobs"), audit_log_sink(&logs).expect("log"));
        let e = desk
            .create_event(boxoffice::domain::NewEvent {
                name: "Concert".into(),
                description: String::new(),
                starts_at: common::t0() + chrono::Duration::days(7),
                kind: boxoffice::domain::EventKind::GeneralAdmission { capacity: 5_000 },
                price: 1_000,
                currency: "INR".into(),
            })
            .expect("event");
        let sell = |name: &str, email: &str, phone: Option<&str>, pay: Option<PaymentOutcome>| {
            let c = desk
                .customer(NewCustomer { name: name.into(), email: Some(email.into()), phone: phone.map(Into::into) })
                .expect("customer")
                .value;
            let h = desk
                .hold(HoldRequest {
                    event_id: e.id.clone(),
                    pick: SeatPick::Count(2),
                    idempotency_key: None,
                    correlation_id: None,
                })
                .expect("hold")
                .value;
            let b = desk.book(&h.id, &c.id, None).expect("book").value;
            if let Some(outcome) = pay {
                desk.pay(&b.id, outcome, &format!("pay-{}", b.id), None).expect("pay");
            }
            (c, b)
        };
        let (zeb, paid) =
            sell("Zebulon Quixote", "Zebulon.Q@example.org", Some("+44 7700 900123"), Some(PaymentOutcome::Success));
        let (_, failed) = sell("Zebulon Quixote", "zebulon.q@example.org", None, Some(PaymentOutcome::Failure));
        desk.cancel(&paid.id).expect("cancel: a refund record");
        // Many customers after, so the b-trees split and move the rows around.
        for i in 0..400 {
            sell(
                &format!("Customer {i:04} Example"),
                &format!("c{i}@example.com"),
                None,
                Some(PaymentOutcome::Success),
            );
        }
        clock.advance(chrono::Duration::minutes(20));
        jobs.tick().expect("tick: expiry, refunds, audit shipped to the log");
        let amounts: Vec<i64> = desk
            .conn()
            .prepare("SELECT amount FROM bookings WHERE customer_id = ?1 ORDER BY created_at")
            .and_then(|mut s| s.query_map([&zeb.id], |r| r.get(0))?.collect())
            .expect("amounts");
        assert_eq!(amounts, [paid.amount, failed.amount]);
        (zeb.id, amounts)
    };
    // The audit trail never held them: ids only, in the table and the JSON log.
    let conn = rusqlite::Connection::open(&db).expect("open");
    let details: Vec<String> = conn
        .prepare("SELECT details || actor || entity_id FROM audit_log")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("details");
    assert!(details.iter().all(|d| TRACES.iter().all(|t| !d.contains(t))), "an audit row carries personal data");
    let shipped = files_under(&logs);
    assert!(!shipped.is_empty());
    for f in &shipped {
        assert_eq!(traces_in(f), Vec::<&str>::new(), "{} carries personal data", f.display());
    }
    drop(conn);
    // Before: the file does hold them (so the search below can find them).
    let before = dir.path().join("before.db");
    assert_eq!(boxoffice(&db, &["backup", before.to_str().expect("utf8")], &[]).0, 0);
    assert_eq!(traces_in(&before), TRACES.to_vec(), "the customer is in a backup made before");

    let (code, out, err) = boxoffice(&db, &["customer", "erase", "ZEBULON.Q@example.org"], SUE);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 booking(s) kept") && out.contains("write-ahead log was emptied"), "{out}");

    for f in files_under(dir.path()).iter().filter(|f| **f != before) {
        assert_eq!(traces_in(f), Vec::<&str>::new(), "{} still holds the erased customer", f.display());
    }
    let conn = rusqlite::Connection::open(&db).expect("open");
    let (name, phone): (String, Option<String>) = conn
        .query_row("SELECT name, phone FROM customers WHERE id = ?1", [&customer_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("the customer row stays");
    assert_eq!((name, phone), (boxoffice::engine::erased_name(&customer_id), None));
    let kept: Vec<i64> = conn
        .prepare("SELECT amount FROM bookings WHERE customer_id = ?1 ORDER BY created_at")
        .and_then(|mut s| s.query_map([&customer_id], |r| r.get(0))?.collect())
        .expect("amounts");
    assert_eq!(kept, amounts, "bookings and amounts stay for the accounts");
    let erased: (String, String) = conn
        .query_row("SELECT entity_id, details FROM audit_log WHERE action = 'CUSTOMER_ERASED'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("audited");
    assert_eq!(erased, (customer_id.clone(), "{}".to_string()));
    drop(conn);
    let (code, out, _) = boxoffice(&db, &["verify"], &[]);
    assert_eq!(code, 0, "{out}");
    // Asking again changes nothing; a stranger is refused with exit 2.
    let (code, out, _) = boxoffice(&db, &["customer", "erase", &customer_id], SUE);
    assert_eq!((code, out.contains("already erased")), (0, true), "{out}");
    let (code, _, err) = boxoffice(&db, &["customer", "erase", "nobody@example.org"], SUE);
    assert_eq!(code, 2);
    assert!(err.contains("no customer has"), "{err}");
}

// `boxoffice customer erase` on a file and on a server's URL (`name::sqlite`,
// `name::postgres`): the details replaced, the bookings kept, the answer
// saying where old copies may remain; bad input refused with nothing changed.
crate::on_both_backends! {
#[test]
fn the_customer_command_erases_on_the_file_or_the_server() {
    let w = common::World::new();
    let db = w.db_arg();
    let e = w.ga(10, 1_000);
    let zeb = w
        .desk
        .customer(NewCustomer {
            name: "Zebulon Quixote".into(),
            email: Some("Zebulon.Q@example.org".into()),
            phone: Some("+44 7700 900123".into()),
        })
        .expect("customer")
        .value;
    let hold = w.hold(&e, 2);
    let booking = w.desk.book(&hold.id, &zeb.id, None).expect("book").value;
    w.desk.pay(&booking.id, PaymentOutcome::Success, "pay-zeb", None).expect("pay");
    let other = w.customer();
    let traces = || {
        w.count(
            "SELECT count(*) FROM customers WHERE name LIKE '%Zebulon%' OR email LIKE '%zebulon%' \
             OR phone LIKE '%7700900123%'",
        )
    };
    assert_eq!(traces(), 1);

    // Bad input: nobody by that email, not an id/email/phone; exit 2, nothing written.
    let before = w.dump();
    for (who, says) in [("nobody@example.org", "no customer has"), ("hello", "is not a customer id")] {
        let (code, out, err) = boxoffice(&db, &["customer", "erase", who], SUE);
        assert_eq!(code, 2, "{who}: {out}{err}");
        assert!(err.starts_with("boxoffice: ") && err.contains(says), "{who}: {err}");
    }
    let strip = |mut d: common::Dump| {
        // Sue's sign-ins are audited: the only rows a refused erase adds.
        d.remove("audit_log");
        d
    };
    assert_eq!(strip(w.dump()), strip(before.clone()), "a refused erase changed nothing");

    let (code, out, err) = boxoffice(&db, &["customer", "erase", "ZEBULON.Q@example.org"], SUE);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("erased customer {}", boxoffice::ids::short(&zeb.id))), "{out}");
    assert!(out.contains("1 booking(s) kept"), "{out}");
    if w.pg.is_some() {
        assert!(out.contains("until VACUUM reclaims it"), "says what PostgreSQL keeps: {out}");
    } else {
        assert!(out.contains("write-ahead log was emptied"), "{out}");
    }
    assert_eq!(traces(), 0, "no live row holds the details");
    let now = w.desk.get_customer(&zeb.id).expect("the row stays");
    assert_eq!((now.name, now.phone), (boxoffice::engine::erased_name(&zeb.id), None));
    assert_eq!(w.desk.get_customer(&other.id).expect("the other customer"), other, "only the one erased");
    assert_eq!(w.desk.get_booking(&booking.id).expect("kept").amount, 2_000, "the booking and its amount stay");
    let erased = w.count(&format!(
        "SELECT count(*) FROM audit_log WHERE action = 'CUSTOMER_ERASED' AND entity_id = '{}' AND details = '{{}}'",
        zeb.id
    ));
    assert_eq!(erased, 1, "audited by id only");

    // Again: already erased, nothing changed.
    let before = w.dump();
    let (code, out, _) = boxoffice(&db, &["customer", "erase", &zeb.id], SUE);
    assert_eq!((code, out.contains("already erased")), (0, true), "{out}");
    assert_eq!(strip(w.dump()), strip(before));
    let (code, out, _) = boxoffice(&db, &["verify"], &[]);
    assert_eq!(code, 0, "{out}");
}
}
