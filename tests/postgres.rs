//! PostgreSQL, phase 1: the store boundary on a real server (types, errors,
//! SERIALIZABLE writes and their retry), the schema steps, the schema equal to
//! SQLite's, the running-total triggers doing what SQLite's do, the server's
//! clock, change notices, and `boxoffice copy` round-tripping the version-1
//! fixture SQLite → PostgreSQL → SQLite with every row intact.
//!
//! Each test gets a database of its own on the server `BOXOFFICE_TEST_PG`
//! names (`.ci/run` starts one); without it they skip, saying so once.

mod common;

use boxoffice::Error;
use boxoffice::domain::{AuditAction, BookingStatus, HoldStatus, IdempotencyScope, TicketCode};
use boxoffice::store::copy;
use boxoffice::store::db::{self, Db, FromValue, ToParam, Value, args};
use boxoffice::store::migrate::{Found, LATEST, Step};
use boxoffice::store::pg::{self, PgConn};
use common::pg::TestDb;
use std::fmt::Debug;
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// This test's own database, or return (skipped) when there is no server.
macro_rules! test_db {
    () => {
        match TestDb::new() {
            Some(t) => t,
            None => return,
        }
    };
}

fn sqlite() -> Db {
    Db::Sqlite(boxoffice::store::open_in_memory().expect("sqlite"))
}

fn postgres(t: &TestDb) -> Db {
    pg::open(&t.url).expect("open the test database")
}

fn round_trip<T: ToParam + FromValue + PartialEq + Debug>(db: &Db, value: T) {
    let back: T = db.query_one("SELECT ?1", args![value], |r| r.get(0)).expect("round trip");
    assert_eq!(back, value);
}

/// The same statements on either backend, and what came back, as text.
fn scenario(db: &Db) -> Vec<String> {
    let mut out = Vec::new();
    db.execute_batch("CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT NOT NULL, flag BIGINT NOT NULL, note TEXT)")
        .expect("table");
    let none: Option<&str> = None;
    for (id, n, flag, note) in [("a", 5i64, true, none), ("b", 7, false, Some("x?1")), ("c", -3, true, Some("y"))] {
        let changed = db.execute("INSERT INTO t (id, n, flag, note) VALUES (?1, ?2, ?3, ?4)", args![id, n, flag, note]);
        out.push(format!("insert {id}: {changed:?}"));
    }
    let sums = db.query_one("SELECT sum(n), avg(n), count(*), max(n), min(n) FROM t", args![], |r| {
        Ok((r.get::<i64>(0)?, r.get::<f64>(1)?, r.get::<i64>(2)?, r.get::<i64>(3)?, r.get::<i64>(4)?))
    });
    out.push(format!("aggregates: {sums:?}"));
    let flagged = db.query_all("SELECT id FROM t WHERE flag = ?1 ORDER BY id", args![true], |r| r.get::<String>(0));
    out.push(format!("flagged: {flagged:?}"));
    for note in [None, Some("x?1"), Some("nothing")] {
        let found = db.query_all("SELECT id FROM t WHERE (?1 IS NULL OR note = ?1) ORDER BY id", args![note], |r| {
            r.get::<String>(0)
        });
        out.push(format!("note {note:?}: {found:?}"));
    }
    let shapes = db.query_all(
        "SELECT id, n > 4, iif(n > 6, 'big', 'small'), instr(coalesce(note, ''), '?'), '?1 stays' FROM t ORDER BY id",
        args![],
        |r| Ok((r.get::<String>(0)?, r.get::<bool>(1)?, r.get::<String>(2)?, r.get::<i64>(3)?, r.get::<String>(4)?)),
    );
    out.push(format!("shapes: {shapes:?}"));
    let limited = db.query_all("SELECT id FROM t ORDER BY n DESC LIMIT ?1", args![2i64], |r| r.get::<String>(0));
    out.push(format!("limit: {limited:?}"));
    let missing = db.query_opt("SELECT id FROM t WHERE id = ?1", args!["zz"], |r| r.get::<String>(0));
    out.push(format!("missing: {missing:?}"));
    let negative = db
        .query_one("SELECT n AS seats FROM t WHERE id = 'c'", args![], |r| r.get::<u32>(0))
        .map_err(|e| e.to_string());
    out.push(format!("u32 of {negative:?}"));
    let updated = db.execute("UPDATE t SET n = n + ?2 WHERE id <> ?1", args!["a", 10i64]);
    out.push(format!("updated: {updated:?}"));
    let values =
        db.query_all("SELECT id, note FROM t ORDER BY id", args![], |r| Ok((r.get::<Value>(0)?, r.get::<Value>(1)?)));
    out.push(format!("values: {values:?}"));
    out
}

#[test]
fn parameters_rows_and_aggregates_read_the_same_on_both_backends() {
    let t = test_db!();
    let pg = postgres(&t);
    let (on_sqlite, on_pg) = (scenario(&sqlite()), scenario(&pg));
    assert!(on_sqlite.iter().any(|l| l.contains("aggregates: Ok((9, 3.0, 3, 7, -3))")), "{on_sqlite:#?}");
    assert_eq!(on_pg, on_sqlite);
    for s in HoldStatus::ALL {
        round_trip(&pg, *s);
    }
    for s in BookingStatus::ALL {
        round_trip(&pg, *s);
    }
    for a in AuditAction::ALL {
        round_trip(&pg, *a);
    }
    for s in IdempotencyScope::ALL {
        round_trip(&pg, *s);
    }
    round_trip(&pg, TicketCode::from_bytes([9; 10]));
    round_trip(&pg, "text with 'quotes' and ?2".to_string());
    let unknown = pg.query_one("SELECT 'ACTIV' AS status", args![], |r| r.get::<HoldStatus>(0)).unwrap_err();
    assert_eq!(unknown.to_string(), "column 0 (status): 'ACTIV' is not a known hold status");
}

#[test]
fn constraint_failures_look_like_sqlites_to_the_engine() {
    let t = test_db!();
    let pg = postgres(&t);
    let file = sqlite();
    for db in [&file, &pg] {
        db.execute_batch(
            "INSERT INTO events (id, name, starts_at, kind, seat_rows, seats_per_row, total, available, price, created_at)
             VALUES ('e1', 'Hamlet', 0, 'RESERVED', 2, 2, 4, 4, 100, 0);
             INSERT INTO clerks (id, name, role, created_at) VALUES ('k', 'kim', 'clerk', 0);
             INSERT INTO holds (id, event_id, seats, status, correlation_id, actor, created_at, expires_at, updated_at, clerk_id)
             VALUES ('h1', 'e1', 1, 'ACTIVE', 'c1', 'clerk', 0, 1, 0, 'k'), ('h2', 'e1', 1, 'ACTIVE', 'c2', 'clerk', 0, 1, 0, 'k');
             INSERT INTO hold_seats (hold_id, event_id, label) VALUES ('h1', 'e1', 'A1');",
        )
        .expect("rows");
        // One live owner per seat: the partial unique index, as the engine's `taken_or` expects it.
        let taken = db.execute("INSERT INTO hold_seats (hold_id, event_id, label) VALUES ('h2', 'e1', 'A1')", args![]);
        let err = taken.unwrap_err();
        assert!(
            matches!(&err, Error::Db(inner) if inner.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)),
            "{err:?}"
        );
        // A seat given back (live = 0) may be taken again.
        db.execute("UPDATE hold_seats SET live = 0 WHERE hold_id = 'h1'", args![]).expect("free");
        db.execute("INSERT INTO hold_seats (hold_id, event_id, label) VALUES ('h2', 'e1', 'A1')", args![])
            .expect("retake");
        let over = db.execute("UPDATE events SET available = 5 WHERE id = 'e1'", args![]).unwrap_err();
        assert!(pg::is_constraint(&over), "a CHECK: {over:?}");
        db.execute(
            "INSERT INTO audit_log (id, at, action, entity, entity_id, actor) VALUES ('a1', 0, 'X', 'hold', 'h1', 'clerk')",
            args![],
        )
        .expect("audit");
        let rewrite = db.execute("UPDATE audit_log SET actor = 'someone else'", args![]).unwrap_err();
        assert!(pg::is_constraint(&rewrite) && rewrite.to_string().contains("append-only"), "{rewrite}");
        let erase = db.execute("DELETE FROM audit_log", args![]).unwrap_err();
        assert!(pg::is_constraint(&erase), "{erase}");
        db.execute("INSERT INTO idempotency_keys VALUES ('k', 'hold', 'h1', 0)", args![]).expect("key");
        let twice = db.execute("INSERT INTO idempotency_keys VALUES ('k', 'book', 'b1', 0)", args![]).unwrap_err();
        assert!(pg::is_constraint(&twice), "{twice}");
    }
    let audit_truncate = pg.execute_batch("TRUNCATE audit_log").unwrap_err();
    assert!(pg::is_constraint(&audit_truncate), "{audit_truncate}");
    let typo = pg.query_one("SELECT nope FROM events", args![], |r| r.get::<i64>(0)).unwrap_err().to_string();
    assert!(
        typo.starts_with("PostgreSQL at ") && typo.contains("column \"nope\" does not exist (PostgreSQL 42703)"),
        "{typo}"
    );
}

#[test]
fn a_lost_update_race_is_retried_on_a_fresh_snapshot_never_applied_twice() {
    let t = test_db!();
    let setup = postgres(&t);
    setup
        .execute_batch(
            "INSERT INTO events (id, name, starts_at, kind, total, available, price, created_at)
             VALUES ('e1', 'Concert', 0, 'GA', 10, 10, 100, 0)",
        )
        .expect("event");
    // Both writers read `available`, wait for each other, then write what
    // they read minus 2: without SERIALIZABLE one sale would be lost.
    let barrier = Arc::new(Barrier::new(2));
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let (url, barrier) = (t.url.clone(), barrier.clone());
            std::thread::spawn(move || {
                let db = Db::Pg(PgConn::connect(&url).expect("connect"));
                let mut attempts = 0;
                db::write(&db, |db| {
                    attempts += 1;
                    let available: i64 =
                        db.query_one("SELECT available FROM events WHERE id = 'e1'", args![], |r| r.get(0))?;
                    if attempts == 1 {
                        barrier.wait();
                    }
                    db.execute("UPDATE events SET available = ?1 WHERE id = 'e1'", args![available - 2])?;
                    Ok(())
                })
                .expect("the write goes through in the end");
                attempts
            })
        })
        .collect();
    let mut attempts: Vec<u32> = writers.into_iter().map(|w| w.join().expect("writer")).collect();
    attempts.sort();
    assert_eq!(attempts, [1, 2], "one writer ran once, the other was run again after a serialization failure");
    let available: i64 = setup.query_one("SELECT available FROM events", args![], |r| r.get(0)).expect("read");
    assert_eq!(available, 6, "both sales counted");
    assert!(!setup.in_transaction());
}

/// A sale of 2 seats of event e1 as hold `id`, read then written (with a
/// `pause` between); `false` when fewer than 2 are left.
fn take_two(db: &Db, id: &str, pause: Duration) -> boxoffice::Result<bool> {
    let available: i64 = db.query_one("SELECT available FROM events WHERE id = 'e1'", args![], |r| r.get(0))?;
    if available < 2 {
        return Ok(false);
    }
    std::thread::sleep(pause);
    db.execute("UPDATE events SET available = ?1 WHERE id = 'e1'", args![available - 2])?;
    db.execute(
        "INSERT INTO holds (id, event_id, seats, status, correlation_id, actor, created_at, expires_at, updated_at, clerk_id)
         VALUES (?1, 'e1', 2, 'ACTIVE', ?1, 'clerk', 0, 1, 0, 'k')",
        args![id],
    )?;
    Ok(true)
}

#[test]
fn four_hosts_selling_with_read_then_write_never_oversell() {
    let t = test_db!();
    let setup = postgres(&t);
    setup
        .execute_batch(
            "INSERT INTO events (id, name, starts_at, kind, total, available, price, created_at)
             VALUES ('e1', 'Concert', 0, 'GA', 40, 40, 100, 0);
             INSERT INTO clerks (id, name, role, created_at) VALUES ('k', 'kim', 'clerk', 0);",
        )
        .expect("event");
    let hosts: Vec<_> = (0..4)
        .map(|host| {
            let url = t.url.clone();
            std::thread::spawn(move || {
                let db = Db::Pg(PgConn::connect(&url).expect("connect"));
                let mut sold = 0;
                for i in 0.. {
                    let id = format!("h{host}-{i}");
                    let took = db::write(&db, |db| take_two(db, &id, Duration::ZERO)).expect("write");
                    if !took {
                        break;
                    }
                    sold += 2;
                }
                sold
            })
        })
        .collect();
    let sold: i64 = hosts.into_iter().map(|h| h.join().expect("host")).sum();
    let (available, held): (i64, i64) = setup
        .query_one("SELECT available, (SELECT sum(seats) FROM holds) FROM events", args![], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("read");
    assert_eq!((sold, available, held), (40, 0, 40), "every seat sold once");
}

#[test]
fn four_hosts_selling_one_event_under_its_row_lock_queue_and_never_run_twice() {
    let t = test_db!();
    let setup = postgres(&t);
    setup
        .execute_batch(
            "INSERT INTO events (id, name, starts_at, kind, total, available, price, created_at)
             VALUES ('e1', 'Concert', 0, 'GA', 40, 40, 100, 0), ('e2', 'Play', 0, 'GA', 10, 10, 100, 0);
             INSERT INTO clerks (id, name, role, created_at) VALUES ('k', 'kim', 'clerk', 0);",
        )
        .expect("events");
    let start = Arc::new(Barrier::new(4));
    let hosts: Vec<_> = (0..4)
        .map(|host| {
            let (url, start) = (t.url.clone(), start.clone());
            std::thread::spawn(move || {
                let db = Db::Pg(PgConn::connect(&url).expect("connect"));
                let (mut sold, mut runs, mut writes) = (0, 0, 0);
                start.wait();
                for i in 0.. {
                    let id = format!("h{host}-{i}");
                    writes += 1;
                    // A pause between reading and writing: without the lock,
                    // another host's sale would commit in it.
                    let took = db::write_locked(&db, &["e1"], |db| {
                        runs += 1;
                        take_two(db, &id, Duration::from_millis(2))
                    })
                    .expect("write");
                    if !took {
                        break;
                    }
                    sold += 2;
                }
                (sold, runs, writes)
            })
        })
        .collect();
    // Meanwhile a write on another event (named twice: locked once) commits.
    let other = postgres(&t);
    db::write_locked(&other, &["e2", "e2"], |db| {
        db.execute("UPDATE events SET available = 8 WHERE id = 'e2'", args![])
    })
    .expect("another event");
    let results: Vec<(i64, u32, u32)> = hosts.into_iter().map(|h| h.join().expect("host")).collect();
    let sold: i64 = results.iter().map(|r| r.0).sum();
    let (available, held): (i64, i64) = setup
        .query_one("SELECT available, (SELECT sum(seats) FROM holds) FROM events WHERE id = 'e1'", args![], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("read");
    assert_eq!((sold, available, held), (40, 0, 40), "every seat sold once");
    assert!(results.iter().all(|(_, runs, writes)| runs == writes), "no write ran twice: {results:?}");
    let e2: i64 = setup.query_one("SELECT available FROM events WHERE id = 'e2'", args![], |r| r.get(0)).expect("e2");
    assert_eq!(e2, 8);
    assert!(!setup.in_transaction() && !other.in_transaction());
}

#[test]
fn a_failed_write_changes_nothing_and_a_savepoint_rolls_back_alone() {
    let t = test_db!();
    let db = postgres(&t);
    let failed: boxoffice::Result<()> = db::write(&db, |db| {
        db.execute("INSERT INTO meta (key, value) VALUES ('a', '1')", args![])?;
        Err(Error::refused("not today"))
    });
    assert!(matches!(failed, Err(Error::Refused(_))));
    db::write(&db, |db| {
        db.execute("INSERT INTO meta (key, value) VALUES ('b', '2')", args![])?;
        // A statement that fails inside a savepoint leaves the outer write usable.
        let inner: boxoffice::Result<()> = db::write(db, |db| {
            db.execute("INSERT INTO meta (key, value) VALUES ('c', '3')", args![])?;
            db.execute("INSERT INTO meta (key, value) VALUES ('b', 'twice')", args![]).map(drop)
        });
        assert!(inner.as_ref().is_err_and(pg::is_constraint), "{inner:?}");
        db.execute("INSERT INTO meta (key, value) VALUES ('d', '4')", args![]).map(drop)
    })
    .expect("outer write");
    let keys = db.query_all("SELECT key FROM meta ORDER BY key", args![], |r| r.get::<String>(0)).expect("keys");
    assert_eq!(keys, ["b", "d"]);
}

#[test]
fn a_new_database_gets_each_step_once_even_when_four_hosts_start_together() {
    let t = test_db!();
    let barrier = Arc::new(Barrier::new(4));
    let hosts: Vec<_> = (0..4)
        .map(|_| {
            let (url, barrier) = (t.url.clone(), barrier.clone());
            std::thread::spawn(move || {
                let db = Db::Pg(PgConn::connect(&url).expect("connect"));
                barrier.wait();
                pg::migrate::migrate(&db).expect("migrate").applied.len()
            })
        })
        .collect();
    let applied: usize = hosts.into_iter().map(|h| h.join().expect("host")).sum();
    assert_eq!(applied as i64, LATEST, "each step applied by exactly one host");
    let db = Db::Pg(PgConn::connect(&t.url).expect("connect"));
    let versions = db.query_all("SELECT version FROM boxoffice_schema ORDER BY version", args![], |r| r.get::<i64>(0));
    assert_eq!(versions.expect("versions"), (1..=LATEST).collect::<Vec<_>>());
    assert_eq!(pg::migrate::inspect(&db, LATEST).expect("inspect"), Found::Ours(LATEST));
    assert!(pg::migrate::migrate(&db).expect("again").applied.is_empty());
}

#[test]
fn a_database_that_is_not_ours_or_is_newer_is_refused_untouched() {
    let t = test_db!();
    let mut raw = t.client();
    raw.batch_execute("CREATE TABLE notes (x text); INSERT INTO notes VALUES ('mine')").expect("foreign");
    let err = pg::open(&t.url).err().expect("refused").to_string();
    assert!(err.contains("not a boxoffice database") && err.contains("left unchanged"), "{err}");
    let tables: Vec<String> = raw
        .query("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'", &[])
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tables, ["notes"]);
    raw.batch_execute("DROP TABLE notes").expect("drop");
    postgres(&t);
    raw.batch_execute("INSERT INTO boxoffice_schema VALUES (99, 'future', 0)").expect("newer");
    let newer = pg::open(&t.url).err().expect("refused").to_string();
    assert!(newer.contains("schema version 99, newer than this boxoffice"), "{newer}");
}

#[test]
fn a_failing_step_rolls_back_whole_and_keeps_the_version() {
    let t = test_db!();
    let db = postgres(&t);
    let mut steps = pg::migrate::STEPS.to_vec();
    steps.push(Step {
        version: LATEST + 1,
        name: "broken",
        sql: "CREATE TABLE half_done (id text); INSERT INTO meta VALUES ('x', 'y'); SELECT no_such_function();",
        rust: None,
    });
    let err = pg::migrate::migrate_with(&db, &steps).unwrap_err().to_string();
    assert!(
        err.contains(&format!("{:04}_broken", LATEST + 1)) && err.contains(&format!("stays at version {LATEST}")),
        "{err}"
    );
    assert!(!pg::migrate::tables(&db).expect("tables").contains(&"half_done".to_string()));
    let meta: i64 = db.query_one("SELECT count(*) FROM meta", args![], |r| r.get(0)).expect("meta");
    assert_eq!(meta, 0);
    assert_eq!(pg::migrate::inspect(&db, LATEST + 1).expect("inspect"), Found::Ours(LATEST));
}

#[test]
fn the_schema_has_the_same_tables_and_columns_on_both_backends() {
    let t = test_db!();
    let on_sqlite = copy::tables(&sqlite()).expect("sqlite tables");
    let on_pg = copy::tables(&postgres(&t)).expect("postgres tables");
    assert!(on_sqlite.len() >= 20, "{on_sqlite:?}");
    assert_eq!(on_pg, on_sqlite);
}

/// Inserts, updates and deletes that every running-total trigger reacts to.
const CHANGES: &str = "
    INSERT INTO events (id, name, starts_at, kind, total, available, price, created_at)
        VALUES ('e1', 'Concert', 0, 'GA', 100, 80, 500, 0), ('e2', 'Play', 0, 'GA', 50, 50, 300, 0);
    INSERT INTO customers (id, name, email, created_at) VALUES ('c1', 'Jane', 'jane@example.com', 0);
    INSERT INTO ticket_types (id, event_id, name, price, position, created_at, updated_at)
        VALUES ('t1', 'e1', 'Adult', 500, 1, 0, 0), ('t2', 'e1', 'Child', 250, 2, 0, 0);
    INSERT INTO clerks (id, name, role, created_at) VALUES ('k', 'kim', 'clerk', 0);
    INSERT INTO shifts (id, clerk_id, currency, opening_float, opened_at) VALUES ('s1', 'k', 'INR', 0, 0);
    INSERT INTO holds (id, event_id, seats, status, correlation_id, actor, created_at, expires_at, updated_at, clerk_id)
    VALUES
        ('h1', 'e1', 2, 'ACTIVE', 'k1', 'clerk', 3600000, 1, 0, 'k'),
        ('h2', 'e1', 3, 'ACTIVE', 'k2', 'clerk', 7300000, 1, 0, 'k'),
        ('h3', 'e1', 1, 'ACTIVE', 'k3', 'clerk', -5, 1, 0, 'k');
    UPDATE holds SET status = 'EXPIRED' WHERE id = 'h3';
    UPDATE holds SET created_at = 10 WHERE id = 'h2';
    INSERT INTO bookings (id, hold_id, event_id, customer_id, seats, amount, currency, status, correlation_id,
                          created_at, payment_expires_at, updated_at, clerk_id) VALUES
        ('b1', 'h1', 'e1', 'c1', 2, 750, 'INR', 'PAYMENT_PENDING', 'k1', 3600000, 1, 0, 'k'),
        ('b2', 'h2', 'e1', 'c1', 3, 1500, 'INR', 'PAYMENT_PENDING', 'k2', 7300000, 1, 0, 'k');
    INSERT INTO booking_items (booking_id, type_id, count, unit_price) VALUES
        ('b1', 't1', 1, 500), ('b1', 't2', 1, 250), ('b2', 't1', 3, 500);
    UPDATE bookings SET status = 'CONFIRMED' WHERE id IN ('b1', 'b2');
    UPDATE bookings SET status = 'CANCELLED' WHERE id = 'b2';
    INSERT INTO refunds (id, booking_id, kind, original_amount, percent, amount, fee, status, created_at, shift_id)
    VALUES ('r1', 'b2', 'PARTIAL', 1500, 50, 750, 750, 'INITIATED', 9000000, 's1');
    UPDATE refunds SET status = 'PROCESSED', completed_at = 9000001, transaction_id = 'tx' WHERE id = 'r1';
    UPDATE bookings SET event_id = 'e2', amount = 1400 WHERE id = 'b1';
    DELETE FROM booking_items WHERE booking_id = 'b1' AND type_id = 't2';
    DELETE FROM refunds WHERE id = 'r1';
    INSERT INTO refunds (id, booking_id, kind, original_amount, percent, amount, fee, status, created_at, shift_id)
    VALUES ('r2', 'b2', 'FULL', 1500, 100, 1500, 0, 'INITIATED', 9000000, 's1');
    DELETE FROM holds WHERE id = 'h3';
";

#[test]
fn the_running_totals_follow_the_same_changes_exactly_as_on_sqlite() {
    let t = test_db!();
    let pg = postgres(&t);
    let file = sqlite();
    file.execute_batch(CHANGES).expect("changes on sqlite");
    pg.execute_batch(CHANGES).expect("changes on postgres");
    let on_sqlite = common::pg::without_search(common::dump(file.sqlite().expect("sqlite")));
    let on_pg = common::pg::dump(&t.url);
    for table in [
        "hold_hours",
        "booking_totals",
        "booking_hours",
        "refund_totals",
        "refund_hours",
        "type_totals",
        "status_totals",
        "health_minutes",
    ] {
        assert!(!on_sqlite[table].is_empty(), "{table} was kept");
        assert_eq!(on_pg[table], on_sqlite[table], "{table}");
    }
    assert_eq!(on_pg, on_sqlite, "every table");
}

#[test]
fn the_servers_clock_is_what_the_hosts_agree_on() {
    let t = test_db!();
    let clock = pg::clock::ServerClock::connect(&t.url).expect("clock");
    let conn = PgConn::connect(&t.url).expect("connect");
    use boxoffice::clock::Clock;
    let ours = clock.now().timestamp_millis();
    let server = conn.server_now_ms().expect("server time");
    assert!((ours - server).abs() < 1000, "clock {ours} vs server {server}");
    // On one machine the offset is a round trip's worth, not seconds.
    assert!(clock.offset().num_milliseconds().abs() < 1000, "{}", clock.offset());
}

#[test]
fn a_listener_sees_each_committed_write_of_another_connection_and_no_failed_one() {
    let t = test_db!();
    let writer = postgres(&t);
    let listener = pg::listen::Listener::connect(&t.url).expect("listen");
    let before = listener.version().expect("version");
    db::write(&writer, |db| db.execute("INSERT INTO meta VALUES ('a', '1')", args![]).map(drop)).expect("write");
    let after = listener.wait(Duration::from_secs(5)).expect("wait");
    assert_eq!(after, before + 1, "one write, one notice");
    let failed: boxoffice::Result<()> = db::write(&writer, |db| {
        db.execute("INSERT INTO meta VALUES ('b', '2')", args![])?;
        Err(Error::refused("no"))
    });
    assert!(failed.is_err());
    assert_eq!(
        listener.wait(Duration::from_millis(300)).expect("wait"),
        after,
        "a rolled-back write announces nothing"
    );
}

/// The UI's change check reads the count without waiting for a notice: one
/// that reached the socket after the listener's last query must still count
/// (the client's non-blocking iterator never read the socket: this failed).
#[test]
fn a_listeners_version_counts_a_notice_that_arrived_since_it_last_looked() {
    let t = test_db!();
    let writer = postgres(&t);
    let listener = pg::listen::Listener::connect(&t.url).expect("listen");
    let before = listener.version().expect("version");
    db::write(&writer, |db| db.execute("INSERT INTO meta VALUES ('a', '1')", args![]).map(drop)).expect("write");
    let began = std::time::Instant::now();
    while listener.version().expect("version") == before {
        assert!(began.elapsed() < Duration::from_secs(1), "no notice counted within a second");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(listener.version().expect("version"), before + 1);
}

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/boxoffice-v1.db");

#[test]
fn copy_round_trips_the_version_1_file_through_postgres_with_every_row() {
    let t = test_db!();
    let dir = tempfile::tempdir().expect("dir");
    let (v1, first, back) = (dir.path().join("v1.db"), dir.path().join("first.db"), dir.path().join("back.db"));
    std::fs::copy(FIXTURE, &v1).expect("fixture");
    // An old file is refused, never migrated by copy: its bytes stay.
    let old = std::fs::read(&v1).expect("read");
    let (code, _, err) = common::boxoffice(&v1, &["copy", "--from", v1.to_str().unwrap(), "--to", &t.url], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("run `boxoffice migrate` on it first"), "{err}");
    assert_eq!(std::fs::read(&v1).expect("read"), old, "the source was not written");
    assert!(common::pg::dump(&t.url).is_empty(), "nothing was made in the target either");

    std::fs::copy(FIXTURE, &first).expect("fixture");
    let (code, out, err) = common::boxoffice(&first, &["migrate"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    let source = common::pg::without_search(common::dump(&rusqlite::Connection::open(&first).expect("open")));
    let source_bytes = std::fs::read(&first).expect("read");

    let (code, out, err) = common::boxoffice(&first, &["copy", "--from", first.to_str().unwrap(), "--to", &t.url], &[]);
    assert_eq!(code, 0, "{out}{err}");
    let audit_rows = source["audit_log"].len();
    assert!(out.contains(&format!("{audit_rows} audit row(s)")) && out.contains("to   postgres://"), "{out}");
    assert!(!out.contains("password"), "{out}");
    assert_eq!(std::fs::read(&first).expect("read"), source_bytes, "copy never writes to its source");
    let in_pg = common::pg::dump(&t.url);
    assert!(source["bookings"].len() > 3 && source["tickets"].len() > 3 && audit_rows > 10, "a real box office");
    assert_eq!(in_pg, source, "every row of every table in PostgreSQL");

    let (code, out, err) = common::boxoffice(&back, &["copy", "--from", &t.url, "--to", back.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{out}{err}");
    let returned = common::pg::without_search(common::dump(&rusqlite::Connection::open(&back).expect("open")));
    assert_eq!(returned, source, "every row back in a new file");
    let (code, out, err) = common::boxoffice(&back, &["verify"], &[]);
    assert_eq!(code, 0, "the round-tripped file verifies: {out}{err}");

    // The audit trail goes on after the highest seq copied.
    let db = Db::Pg(PgConn::connect(&t.url).expect("connect"));
    let max: i64 = db.query_one("SELECT max(seq) FROM audit_log", args![], |r| r.get(0)).expect("max");
    db.execute(
        "INSERT INTO audit_log (id, at, action, entity, entity_id, actor) VALUES ('after-copy', 0, 'X', 'hold', 'h', 'me')",
        args![],
    )
    .expect("insert");
    let seq: i64 =
        db.query_one("SELECT seq FROM audit_log WHERE id = 'after-copy'", args![], |r| r.get(0)).expect("seq");
    assert_eq!(seq, max + 1);
}

#[test]
fn copy_refuses_a_target_that_holds_anything_and_changes_nothing() {
    let t = test_db!();
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("box.db");
    std::fs::copy(FIXTURE, &file).expect("fixture");
    let (code, _, err) = common::boxoffice(&file, &["migrate"], &[]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = common::boxoffice(&file, &["copy", "--from", file.to_str().unwrap(), "--to", &t.url], &[]);
    assert_eq!(code, 0, "{err}");
    let before = common::pg::dump(&t.url);
    let (code, out, err) = common::boxoffice(&file, &["copy", "--from", file.to_str().unwrap(), "--to", &t.url], &[]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("already holds a box office") && err.contains("Nothing was changed"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(common::pg::dump(&t.url), before);
    // Back into the file, which has rows: refused too, the file untouched.
    let bytes = std::fs::read(&file).expect("read");
    let (code, _, err) = common::boxoffice(&file, &["copy", "--from", &t.url, "--to", file.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already holds a box office"), "{err}");
    assert_eq!(std::fs::read(&file).expect("read"), bytes);
}

#[test]
fn verify_on_a_url_checks_the_invariants_of_a_sale_made_through_the_engine() {
    let Some(t) = TestDb::new() else { return };
    let (ctx, _clock) = boxoffice::Context::manual(
        "2026-06-01T09:00:00Z".parse().expect("instant"),
        1,
        boxoffice::Config { pin_cost: boxoffice::PinCost::Fast, ..Default::default() },
    );
    let desk = boxoffice::Desk::open_postgres(&t.url, ctx, "clerk:test").expect("a desk on PostgreSQL");
    desk.create_first_supervisor("Sue", "1111").expect("supervisor");
    let event = desk
        .create_event(boxoffice::domain::NewEvent {
            name: "Gig".into(),
            description: String::new(),
            starts_at: "2026-06-08T19:00:00Z".parse().expect("instant"),
            kind: boxoffice::domain::EventKind::GeneralAdmission { capacity: 10 },
            price: 1_000,
            currency: "INR".into(),
        })
        .expect("event");
    let hold = desk
        .hold(boxoffice::HoldRequest {
            event_id: event.id.clone(),
            pick: boxoffice::SeatPick::Count(2),
            idempotency_key: None,
            correlation_id: None,
        })
        .expect("hold")
        .value;
    let verify = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_boxoffice"))
            .arg("--db")
            .arg(&t.url)
            .arg("verify")
            .env_remove("BOXOFFICE_DB")
            .output()
            .expect("run");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, out) = verify();
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("ok: every invariant holds"), "{out}");
    // The free pool drifts by one seat: invariant 1 names the event.
    t.client().execute("UPDATE events SET available = available - 1 WHERE id = $1", &[&event.id]).expect("drift");
    let (code, out) = verify();
    assert_eq!(code, Some(1), "{out}");
    assert!(out.starts_with("invariant 1 seat count") && out.contains("Gig"), "{out}");
    assert!(!out.contains(&hold.id), "only the event is named: {out}");
}

#[test]
fn a_server_that_is_not_there_is_one_line_without_the_password() {
    let dir = tempfile::tempdir().expect("dir");
    let url = "postgres://bo:secret@127.0.0.1:1/venue";
    // A server that is not there is one line, without the password.
    for args in [&["verify"][..], &["report"], &["tickets", "X"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_boxoffice"))
            .arg("--db")
            .arg(url)
            .args(args)
            .env_remove("BOXOFFICE_DB")
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!((out.status.code(), err.lines().count()), (Some(2), 1), "{args:?}: {err}");
        assert!(!err.contains("secret") && !err.contains("needs an SQLite file"), "{args:?}: {err}");
    }
    // The app takes a URL (here from the environment): a server that is not there is one line, and no folder is made for it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .env("BOXOFFICE_DB", url)
        .env("BOXOFFICE_HOME", dir.path())
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), err.lines().count()), (Some(2), 1), "{err}");
    assert!(err.contains("cannot connect to PostgreSQL at bo@127.0.0.1:1/venue") && !err.contains("secret"), "{err}");
    assert!(!dir.path().join("postgres").exists(), "no log folder for a server that did not answer");
    // copy to a server that is not there: one line, and no file is left behind.
    let file = dir.path().join("new.db");
    let (code, _, err) = common::boxoffice(&file, &["copy", "--from", FIXTURE, "--to", url], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("run `boxoffice migrate` on it first"), "the source is judged first: {err}");
    let (code, _, err) = common::boxoffice(&file, &["copy", "--from", url, "--to", file.to_str().unwrap()], &[]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        "boxoffice: cannot connect to PostgreSQL at bo@127.0.0.1:1/venue: connection refused; is the server running there, on that port?"
    );
    assert!(!file.exists(), "nothing was made");
    // The bench too: one line without the password, and nothing made (no raw floor file).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_boxoffice-bench"))
        .args(["--db", url, "--processes", "1", "--cycles", "10"])
        .current_dir(dir.path())
        .output()
        .expect("run the bench");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), err.lines().count()), (Some(2), 1), "{err}");
    assert!(err.contains("cannot connect to PostgreSQL at bo@127.0.0.1:1/venue") && !err.contains("secret"), "{err}");
    assert_eq!(common::names_in(dir.path()), Vec::<String>::new(), "nothing made");
    // backup and restore say what to use instead, and touch nothing.
    let dest = dir.path().join("backup.db");
    let (code, _, err) = common::boxoffice(Path::new(url), &["backup", dest.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pg_dump --format=custom") && err.contains("No copy was made") && !err.contains("secret"));
    assert!(!dest.exists(), "no backup file");
    let (code, _, err) = common::boxoffice(Path::new(url), &["restore", FIXTURE], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pg_restore") && err.contains("Nothing was changed"), "{err}");
}

#[test]
fn migrate_builds_a_postgres_schema_step_by_step_and_check_reads_only() {
    let t = test_db!();
    let url = Path::new(&t.url);
    let (code, out, err) = common::boxoffice(url, &["migrate", "--check"], &[]);
    assert_eq!(code, 1, "steps pending: {out}{err}");
    assert!(out.contains("schema version 0") && out.contains("pending: 0001_init"), "{out}");
    assert!(common::pg::dump(&t.url).is_empty(), "--check built nothing");
    let (code, out, err) = common::boxoffice(url, &["migrate"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches("applied: ").count() as i64, LATEST, "{out}");
    assert!(out.contains(&format!("migrated from schema version 0 to {LATEST}")) && out.contains("postgres://"));
    let (code, out, _) = common::boxoffice(url, &["migrate"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains(&format!("already at schema version {LATEST}; nothing to do")), "{out}");
    let (code, out, _) = common::boxoffice(url, &["migrate", "--check"], &[]);
    assert_eq!((code, out.contains("up to date")), (0, true), "{out}");
    assert_eq!(copy::tables(&postgres(&t)).expect("tables"), copy::tables(&sqlite()).expect("tables"));
}

#[test]
fn test_urls_get_their_database_name_replaced() {
    use common::pg::with_dbname;
    assert_eq!(with_dbname("postgres://bo@127.0.0.1:5/boxoffice_test", "x"), "postgres://bo@127.0.0.1:5/x");
    assert_eq!(with_dbname("postgres://bo@h/db?sslmode=disable", "x"), "postgres://bo@h/x?sslmode=disable");
    assert_eq!(with_dbname("postgres://h", "x"), "postgres://h/x");
}

/// The bench on PostgreSQL: two worker processes, each with its own desk and
/// its own event, sell both out; nothing oversold, and `verify` on the URL is
/// clean afterwards. A run again on the same database adds its own events.
#[test]
fn the_bench_sells_out_an_event_per_process_on_postgres_with_nothing_oversold() {
    let t = test_db!();
    for _ in 0..2 {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_boxoffice-bench"))
            .args(["--db", &t.url, "--processes", "2", "--events", "per-process", "--cycles", "40", "--json"])
            .output()
            .expect("run the bench");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "bench failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
        assert_eq!(
            (v["backend"].as_str(), v["events"].as_str(), v["processes"].as_u64()),
            (Some("postgres"), Some("per-process"), Some(2))
        );
        // 20 cycles per event, 16 of which end sold, 2 seats each.
        assert_eq!((v["total_seats"].as_u64(), v["sold"].as_u64()), (Some(64), Some(64)), "{v}");
        assert_eq!((v["oversold"].as_u64(), v["escaped_errors"].as_u64()), (Some(0), Some(0)), "{v}");
        assert_eq!(v["verify_ok"], true, "{v}");
        assert!(v["sale_cycles_per_s"].as_f64().unwrap() > 0.0 && v["raw_floor_per_s"].is_null(), "{v}");
    }
    let mut client = t.client();
    let events: i64 = client.query_one("SELECT count(*) FROM events", &[]).unwrap().get(0);
    let sold: i64 = client.query_one("SELECT sum(total - available)::bigint FROM events", &[]).unwrap().get(0);
    assert_eq!((events, sold), (4, 4 * 32), "four events sold out by two runs");
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .args(["--db", &t.url, "verify"])
        .env_remove("BOXOFFICE_DB")
        .output()
        .unwrap();
    assert!(verify.status.success(), "verify: {}", String::from_utf8_lossy(&verify.stdout));
}

/// The kill -9 storm on PostgreSQL: 4 bench worker processes, each selling
/// its own event as its own clerk, SIGKILLed at random moments (mid-write,
/// often), 20 rounds. After every round `verify` is clean and no event has
/// sold more seats than it has; across the storm sales were made.
#[test]
fn four_bench_workers_killed_at_random_leave_postgres_clean_after_every_round() {
    use std::io::{BufRead, BufReader, Write};
    let t = test_db!();
    // The bench makes the schema, its supervisor and its clerks bench-0…3.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_boxoffice-bench"))
        .args(["--db", &t.url, "--processes", "4", "--events", "per-process", "--cycles", "40"])
        .output()
        .expect("run the bench");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let desk = boxoffice::Desk::open_postgres(&t.url, boxoffice::Context::system(Default::default()), "storm:setup")
        .expect("desk");
    desk.sign_in("bench", "000000").expect("the bench's supervisor");
    let events: Vec<String> = (0..4)
        .map(|i| {
            desk.create_event(boxoffice::domain::NewEvent {
                name: format!("Storm {i}"),
                description: String::new(),
                starts_at: desk.now() + chrono::Duration::days(30),
                kind: boxoffice::domain::EventKind::GeneralAdmission { capacity: 100_000 },
                price: 1_000,
                currency: "INR".into(),
            })
            .expect("event")
            .id
        })
        .collect();
    let mut rng = 0x5EED_u64;
    let mut next = move |below: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % below
    };
    let mut client = t.client();
    let sold = |client: &mut postgres::Client| -> i64 {
        client.query_one("SELECT coalesce(sum(total - available), 0)::bigint FROM events", &[]).unwrap().get(0)
    };
    let before = sold(&mut client);
    for round in 0..20 {
        let mut workers: Vec<_> = (0..4)
            .map(|i| {
                std::process::Command::new(env!("CARGO_BIN_EXE_boxoffice-bench"))
                    .args(["--worker", "engine", "--db", &t.url, "--event", &events[i], "--index", &i.to_string()])
                    .args(["--clerk", &format!("bench-{i}")])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .expect("start a worker")
            })
            .collect();
        for w in &mut workers {
            let mut line = String::new();
            BufReader::new(w.stdout.as_mut().unwrap()).read_line(&mut line).expect("ready");
            assert_eq!(line.trim(), "ready", "round {round}");
            w.stdin.as_mut().unwrap().write_all(b"go\n").expect("go");
        }
        // Each killed at its own random moment, 20–400 ms in.
        let mut deadlines: Vec<_> = workers.iter_mut().map(|w| (20 + next(380), w)).collect();
        deadlines.sort_by_key(|(ms, _)| *ms);
        let start = std::time::Instant::now();
        for (ms, w) in deadlines {
            std::thread::sleep(Duration::from_millis(ms).saturating_sub(start.elapsed()));
            w.kill().expect("SIGKILL");
            w.wait().expect("reap");
        }
        let violations = desk.verify().expect("verify");
        assert!(violations.is_empty(), "round {round}: {violations:?}");
        let over: i64 = client
            .query_one("SELECT count(*) FROM events WHERE available < 0 OR available > total", &[])
            .unwrap()
            .get(0);
        assert_eq!(over, 0, "round {round}: an event's free pool left its range");
    }
    assert!(sold(&mut client) > before, "the workers sold between the kills");
}
