//! Schema migrations, proven on a real old file.
//!
//! `tests/fixtures/boxoffice-v1.db` was written by the version-1 release (every
//! booking state, refunds, jobs, audit rows; `boxoffice-v1.keys` is the script
//! that made it). It is never opened in place: each test works on a copy. Every
//! later schema change adds a migration and keeps these tests green.

use boxoffice::store::migrate::{self, APPLICATION_ID, LATEST, STEPS, Step};
use boxoffice::store::{self, Durability};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/boxoffice-v1.db");

/// A private copy of the version-1 fixture.
fn v1_copy(dir: &Path) -> PathBuf {
    let path = dir.join("v1.db");
    std::fs::copy(FIXTURE, &path).expect("copy the fixture");
    let mut perms = std::fs::metadata(&path).expect("meta").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).expect("writable copy");
    path
}

fn cli(db: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("BOXOFFICE_DB")
        .output()
        .expect("run boxoffice");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Byte comparison without printing a quarter of a megabyte on failure.
fn assert_same_bytes(path: &Path, before: &[u8], what: &str) {
    let now = std::fs::read(path).expect("read the file");
    let first_diff = now.iter().zip(before).position(|(a, b)| a != b);
    assert!(
        now == before,
        "{what}: {} bytes now, {} before, first difference at {first_diff:?}",
        now.len(),
        before.len()
    );
}

fn read_only(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open read-only")
}

fn one(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn cell(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Text(b) => format!("'{}'", String::from_utf8_lossy(b)),
        ValueRef::Blob(b) => format!("x{b:02x?}"),
    }
}

/// Each table's columns, and every row of it on those columns (by rowid or primary key order).
type Rows = BTreeMap<String, (Vec<String>, Vec<String>)>;

fn rows(conn: &Connection) -> Rows {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    tables
        .into_iter()
        .map(|t| {
            let columns: Vec<String> = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{t}') ORDER BY cid"))
                .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                .expect("columns");
            let rows = rows_on(conn, &t, &columns);
            (t, (columns, rows))
        })
        .collect()
}

/// The rows of `table` on `columns` only, sorted (so later migrations may add columns).
fn rows_on(conn: &Connection, table: &str, columns: &[String]) -> Vec<String> {
    let list = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let mut stmt = conn.prepare(&format!("SELECT {list} FROM \"{table}\"")).expect("select");
    let mut out: Vec<String> = stmt
        .query_map([], |r| {
            Ok((0..columns.len()).map(|i| cell(r.get_ref(i).expect("cell"))).collect::<Vec<_>>().join(" | "))
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    out.sort();
    out
}

/// The figures a clerk or an auditor would check: counts per table and per
/// status, and sums of money.
fn figures(conn: &Connection) -> Vec<String> {
    let queries = [
        "SELECT 'events', count(*) FROM events",
        "SELECT 'customers', count(*) FROM customers",
        "SELECT 'holds ' || status, count(*) FROM holds GROUP BY status",
        "SELECT 'bookings ' || status, count(*) || ' / ' || sum(amount) FROM bookings GROUP BY status",
        "SELECT 'refunds ' || kind || ' ' || status, count(*) || ' / ' || sum(amount) || ' + ' || sum(fee) || ' = ' || sum(original_amount)
         FROM refunds GROUP BY kind, status",
        "SELECT 'payments ' || outcome, count(*) || ' / ' || sum(amount) FROM payment_attempts GROUP BY outcome",
        "SELECT 'job runs ' || job || ' ' || status, count(*) FROM job_runs GROUP BY job, status",
        "SELECT 'seats live=' || live, count(*) FROM hold_seats GROUP BY live",
        "SELECT 'idempotency keys', count(*) FROM idempotency_keys",
        "SELECT 'audit rows', count(*) || ' (' || count(DISTINCT action) || ' actions)' FROM audit_log",
        "SELECT 'meta ' || key, value FROM meta",
    ];
    let mut out = Vec::new();
    for q in queries {
        let mut stmt = conn.prepare(q).expect(q);
        let rows = stmt.query_map([], |r| Ok(format!("{}: {}", cell(r.get_ref(0)?), cell(r.get_ref(1)?)))).expect(q);
        out.extend(rows.map(|r| r.expect(q).replace('\'', "")));
    }
    out
}

/// `sqlite_schema` as (type, name, table, SQL), the SQL with whitespace collapsed
/// and `IF NOT EXISTS` dropped (schema.sql is written to be re-runnable).
fn schema_of(conn: &Connection) -> Vec<(String, String, String, String)> {
    let mut stmt = conn
        .prepare("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
        .expect("schema");
    stmt.query_map([], |r| {
        let sql: String = r.get(3)?;
        let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ").replace(" IF NOT EXISTS", "");
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, sql))
    })
    .expect("schema")
    .collect::<rusqlite::Result<_>>()
    .expect("schema")
}

fn header(conn: &Connection) -> (i32, i64) {
    (
        conn.query_row("PRAGMA application_id", [], |r| r.get(0)).expect("application_id"),
        one(conn, "PRAGMA user_version"),
    )
}

#[test]
fn migrations_and_schema_sql_build_the_same_schema() {
    let built = Connection::open_in_memory().unwrap();
    let done = migrate::migrate(&built).expect("migrate a new database");
    assert_eq!((done.from, done.to, done.applied.len()), (0, LATEST, STEPS.len()));
    let read = Connection::open_in_memory().unwrap();
    read.execute_batch(store::SCHEMA).expect("schema.sql runs");
    assert_eq!(schema_of(&built), schema_of(&read), "schema.sql and migrations/ disagree");
    assert!(schema_of(&built).len() > 60, "the whole schema, not an empty one");
    // schema.sql also states the mark and the version the steps end at.
    assert_eq!(header(&built), (APPLICATION_ID, LATEST));
    assert_eq!(header(&read), (APPLICATION_ID, LATEST));
}

#[test]
fn step_1_is_the_version_1_schema_every_old_file_has() {
    let dir = tempfile::tempdir().unwrap();
    let old = read_only(&v1_copy(dir.path()));
    assert_eq!(header(&old), (0, 1), "the fixture is an unmarked version-1 file");
    let step1 = Connection::open_in_memory().unwrap();
    step1.execute_batch(STEPS[0].sql).unwrap();
    assert_eq!(schema_of(&old), schema_of(&step1));
}

#[test]
fn the_v1_fixture_migrates_and_verifies_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = v1_copy(dir.path());
    let (before_rows, before_figures) = {
        let conn = read_only(&db);
        (rows(&conn), figures(&conn))
    };
    // The fixture's known contents: a copy that lost rows would fail here already.
    assert_eq!(
        before_figures,
        [
            "events: 5",
            "customers: 5",
            "holds ACTIVE: 1",
            "holds CONSUMED: 3",
            "holds EXPIRED: 1",
            "holds RELEASED: 1",
            "bookings CANCELLED: 1 / 50000",
            "bookings CONFIRMED: 2 / 4100000",
            "bookings EXPIRED: 1 / 150000",
            "bookings PAYMENT_FAILED: 1 / 100000",
            "refunds FULL PROCESSED: 1 / 100000 + 0 = 100000",
            "refunds PARTIAL PROCESSED: 1 / 25000 + 25000 = 50000",
            "payments FAILURE: 1 / 100000",
            "payments SUCCESS: 3 / 4150000",
            "payments TIMEOUT: 1 / 150000",
            "job runs audit-shipping COMPLETED: 3",
            "job runs booking-expiry COMPLETED: 1",
            "job runs refund-completion COMPLETED: 2",
            "seats live=0: 6",
            "seats live=1: 5",
            "idempotency keys: 14",
            "audit rows: 41 (14 actions)",
            "meta audit_ship_cursor: 40",
            "meta demo_seeded: 1",
        ]
    );

    // verify and report refuse the old file without touching it.
    let bytes = std::fs::read(&db).unwrap();
    let (code, _, err) = cli(&db, &["verify"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("schema version 1") && err.contains("boxoffice migrate"), "{err}");
    assert_same_bytes(&db, &bytes, "refused untouched");

    let (code, out, err) = cli(&db, &["migrate"]);
    assert_eq!(code, 0, "{err}");
    let applied: Vec<String> = STEPS[1..].iter().map(|s| format!("applied: {s}")).collect();
    assert!(applied.iter().all(|a| out.contains(a.as_str())), "{out}");
    assert!(out.contains(&format!("migrated from schema version 1 to {LATEST}")), "{out}");

    let (code, out, err) = cli(&db, &["verify"]);
    assert_eq!((code, out.starts_with("ok: every invariant holds")), (0, true), "{out}{err}");

    let after = read_only(&db);
    assert_eq!(header(&after), (APPLICATION_ID, LATEST), "stamped and at the newest version");
    // Nothing lost; step 0005 adds one mark: the audit rows before it were
    // written before clerks existed (verify asks a clerk only of later ones).
    let mut after_figures = figures(&after);
    let mark = after_figures.iter().position(|f| f == "meta audit_clerks_from_seq: 41").expect("the clerks mark");
    after_figures.remove(mark);
    assert_eq!(after_figures, before_figures);
    for (table, (columns, old_rows)) in &before_rows {
        let mut now = rows_on(&after, table, columns);
        if table == "meta" {
            now.retain(|r| !r.starts_with("'audit_clerks_from_seq'"));
        }
        assert_eq!(&now, old_rows, "table {table} on its version-1 columns");
    }
    // Its sales belong to the disabled legacy clerk, its payments and refunds
    // to one closed legacy shift (all card: cash figures of zero).
    let one_text = |q: &str| after.query_row(q, [], |r| r.get::<_, String>(0)).expect(q);
    assert_eq!(
        one_text(
            "SELECT name || ' ' || role || ' ' || (disabled_at IS NOT NULL) || ' ' || (pin_hash IS NULL) FROM clerks"
        ),
        "legacy clerk 1 1"
    );
    assert_eq!(one(&after, "SELECT count(*) FROM holds WHERE clerk_id = '00000000-0000-7000-8000-000000000001'"), 6);
    assert_eq!(
        one_text(
            "SELECT opening_float || ' ' || counted_cash || ' ' || expected_cash || ' ' || (closed_at IS NOT NULL) FROM shifts"
        ),
        "0 0 0 1"
    );
    assert_eq!(one(&after, "SELECT count(*) FROM payment_attempts WHERE shift_id IS NULL OR method <> 'CARD'"), 0);
    assert_eq!(one(&after, "SELECT sales FROM shift_totals WHERE method = 'CARD'"), 4_150_000);
    assert_eq!(one(&after, "SELECT refunds FROM shift_totals WHERE method = 'CARD'"), 25_000);
    assert_eq!(before_rows["audit_log"].1.len(), 41, "every audit row compared");
    // A migrated file and a new one have the same schema.
    let fresh = Connection::open_in_memory().unwrap();
    migrate::migrate(&fresh).unwrap();
    assert_eq!(schema_of(&after), schema_of(&fresh));
}

#[test]
fn migrate_check_lists_pending_steps_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let db = v1_copy(dir.path());
    let bytes = std::fs::read(&db).unwrap();
    let (code, out, err) = cli(&db, &["migrate", "--check"]);
    assert_eq!(code, 1, "pending steps: exit 1 {err}");
    assert!(out.contains("schema version 1\n"), "{out}");
    assert!(out.contains(&format!("this boxoffice: schema version {LATEST}")), "{out}");
    assert!(out.contains("pending: 0002_application_id"), "{out}");
    assert_same_bytes(&db, &bytes, "--check writes nothing");
    assert_eq!(header(&read_only(&db)), (0, 1));

    assert_eq!(cli(&db, &["migrate"]).0, 0);
    let (code, out, _) = cli(&db, &["migrate", "--check"]);
    assert_eq!(code, 0);
    assert!(out.contains("up to date") && !out.contains("pending"), "{out}");
    let (code, out, _) = cli(&db, &["migrate"]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing to do"), "{out}");
}

/// Tracing caches each call site's interest process-wide, so a log line first reached by another
/// test thread (with no subscriber) can be missed by this thread's scoped one. The check runs in
/// a process of its own: the test re-runs this binary for just itself.
#[test]
fn the_app_migrates_on_open_and_logs_it() {
    if std::env::var_os("BOXOFFICE_LOG_CHILD").is_none() {
        let me = std::env::current_exe().expect("test binary");
        let out = std::process::Command::new(me)
            .args(["--exact", "the_app_migrates_on_open_and_logs_it", "--test-threads=1"])
            .env("BOXOFFICE_LOG_CHILD", "1")
            .output()
            .expect("run the test alone");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("1 passed"), "{text}{}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    #[derive(Clone, Default)]
    struct Log(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Log {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let db = v1_copy(dir.path());
    let log = Log::default();
    let sink = log.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || sink.clone()).with_ansi(false).finish();
    // Global, not `with_default`: the other tests of this file migrate on
    // other threads at the same time, and a callsite they meet first with no
    // subscriber could stay silent for a thread-local one (tracing's interest cache).
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this test binary");
    let conn = store::open(&db, Durability::Full).expect("open");
    assert_eq!(header(&conn), (APPLICATION_ID, LATEST));
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("migrated the database schema"), "{text}");
    assert!(text.contains("from=1") && text.contains(&format!("to={LATEST}")), "{text}");
    assert!(text.contains("0002_application_id"), "{text}");
}

#[test]
fn several_processes_opening_an_old_file_at_once_apply_each_step_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = v1_copy(dir.path());
    let barrier = std::sync::Barrier::new(4);
    let applied: Vec<Vec<Step>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    store::open_migrated(&db, Durability::Full).expect("open").1.applied
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    // One transaction per step: openers may take turns, so put the steps in order.
    let mut all: Vec<Step> = applied.into_iter().flatten().collect();
    all.sort_by_key(|s| s.version);
    assert_eq!(all, STEPS[1..].to_vec(), "each pending step applied by exactly one opener");
    assert_eq!(header(&read_only(&db)), (APPLICATION_ID, LATEST));
}

/// A step that does real work (a new table, a row, a changed booking, the
/// mark) and then fails.
const BROKEN: &str = "CREATE TABLE half_done (id TEXT PRIMARY KEY);
     INSERT INTO half_done VALUES ('t1');
     UPDATE bookings SET amount = amount + 1;
     INSERT INTO meta (key, value) VALUES ('half', 'done');
     PRAGMA application_id = 7;
     SELECT no_such_function();";

/// Runs `steps` on the file as the app's connection would, expects a failure,
/// and checks the file is byte-for-byte what it was, before and after the
/// connection closes (closing checkpoints any committed -wal content into it).
fn fails_leaving_the_file_as_it_was(db: &Path, steps: &[Step], stays_at: i64) {
    let before = std::fs::read(db).unwrap();
    let conn = Connection::open(db).unwrap();
    let err = migrate::migrate_with(&conn, steps).expect_err("the broken step fails").to_string();
    assert!(err.contains("broken") && err.contains(&format!("stays at version {stays_at}")), "{err}");
    assert!(conn.is_autocommit(), "no transaction left open");
    assert_same_bytes(db, &before, "the main file is untouched");
    drop(conn);
    assert_same_bytes(db, &before, "nothing was checkpointed into it on close");
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    assert!(std::fs::metadata(&wal).map_or(true, |m| m.len() == 0), "no -wal content left to replay");
    let after = read_only(db);
    assert_eq!(one(&after, "SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'"), 0);
}

#[test]
fn a_failing_migration_leaves_the_file_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    // An old file whose next step fails: nothing of it remains, not even the mark.
    let db = v1_copy(dir.path());
    let broken = Step { version: 2, name: "broken", sql: BROKEN, rust: None };
    fails_leaving_the_file_as_it_was(&db, &[STEPS[0], broken], 1);
    assert_eq!(header(&read_only(&db)), (0, 1));

    // An up-to-date file and a new step appended after the real ones.
    drop(store::open(&db, Durability::Full).expect("migrate for real"));
    let mut steps = STEPS.to_vec();
    steps.push(Step { version: LATEST + 1, name: "broken", sql: BROKEN, rust: None });
    fails_leaving_the_file_as_it_was(&db, &steps, LATEST);
    let conn = read_only(&db);
    assert_eq!(header(&conn), (APPLICATION_ID, LATEST));
    assert_eq!(one(&conn, "SELECT sum(amount) FROM bookings"), 4_400_000, "no booking was changed");
    // And the app still opens it.
    drop(conn);
    assert_eq!(cli(&db, &["verify"]).0, 0);
}

#[test]
fn a_file_newer_than_the_binary_is_refused_with_exit_2_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = v1_copy(dir.path());
    drop(store::open(&db, Durability::Full).unwrap());
    {
        let conn = Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1).unwrap();
    }
    let bytes = std::fs::read(&db).unwrap();
    for args in [&["verify"][..], &["report"], &["migrate"], &["migrate", "--check"]] {
        let (code, out, err) = cli(&db, args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(&format!("schema version {}, newer", LATEST + 1)), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert!(store::open(&db, Durability::Full).is_err());
    assert_same_bytes(&db, &bytes, "refused untouched");
}
