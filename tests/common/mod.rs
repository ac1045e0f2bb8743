//! Shared set-up for the integration tests: a desk on a manual clock, signed
//! in as the supervisor Sue (PIN 1111; PINs hashed cheaply in tests).
#![allow(dead_code)]

pub mod pg;
pub mod tmpfs;
pub mod tmux;
pub mod tui;

use boxoffice::clock::ManualClock;
use boxoffice::domain::AuditFilter;
use boxoffice::domain::{AuditRow, Booking, Customer, Event, EventKind, Hold, NewCustomer, NewEvent};
use boxoffice::{Config, Context, Error, PinCost};
use boxoffice::{Desk, HoldRequest, SeatPick};
use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

/// Every row of every table (sqlite_sequence included), as text, sorted: two
/// dumps are equal exactly when nothing was written in between.
pub type Dump = BTreeMap<String, Vec<String>>;

pub fn dump(conn: &Connection) -> Dump {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("list tables");
    let mut out = Dump::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).expect("select");
        let cols = stmt.column_count();
        let mut rows = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..cols)
                    .map(|i| match r.get_ref(i) {
                        Ok(ValueRef::Null) => "NULL".to_string(),
                        Ok(ValueRef::Integer(n)) => n.to_string(),
                        Ok(ValueRef::Real(x)) => x.to_string(),
                        Ok(ValueRef::Text(b)) => format!("'{}'", String::from_utf8_lossy(b)),
                        Ok(ValueRef::Blob(b)) => format!("x{b:02x?}"),
                        Err(e) => format!("<{e}>"),
                    })
                    .collect();
                Ok(cells.join(" | "))
            })
            .expect("query")
            .collect::<rusqlite::Result<Vec<_>>>()
            .expect("rows");
        rows.sort();
        out.insert(t, rows);
    }
    out
}

pub fn t0() -> DateTime<Utc> {
    "2026-06-01T09:00:00Z".parse().expect("valid instant")
}

pub struct World {
    pub desk: Desk,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
    /// The PostgreSQL database the desk is on (dropped with the world), when
    /// the test runs on PostgreSQL (`on_both_backends!`).
    pub pg: Option<pg::TestDb>,
}

/// Where a world's data lives: what another desk (a thread's, a terminal's) opens.
#[derive(Debug, Clone)]
pub enum Target {
    File(std::path::PathBuf),
    Postgres(String),
}

impl Target {
    pub fn open(&self, ctx: Context, actor: impl Into<String>) -> boxoffice::Result<Desk> {
        match self {
            Target::File(path) => Desk::open(path, ctx, actor),
            Target::Postgres(url) => Desk::open_postgres(url, ctx, actor),
        }
    }
}

std::thread_local! {
    /// Set while a test body runs on PostgreSQL: `World::new()` then makes a
    /// fresh PostgreSQL database instead of a file.
    static ON_POSTGRES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this test body runs on PostgreSQL (inside `on_both_backends!`'s
/// `postgres` half): for what differs by backend, e.g. a proptest's case count.
pub fn on_pg() -> bool {
    ON_POSTGRES.with(|p| p.get())
}

/// Runs `body` with `World::new()` on PostgreSQL, when there is a server
/// (`BOXOFFICE_TEST_PG`); else skips, saying so once.
pub fn on_postgres(body: impl FnOnce()) {
    if pg::server().is_none() {
        return;
    }
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            ON_POSTGRES.with(|p| p.set(false));
        }
    }
    ON_POSTGRES.with(|p| p.set(true));
    let _reset = Reset;
    body();
}

/// Each `#[test] fn name() { … }` inside becomes `name::sqlite` and
/// `name::postgres`: the same body, its `World::new()` on a file and on a
/// fresh PostgreSQL database (skipped without `BOXOFFICE_TEST_PG`).
#[macro_export]
macro_rules! on_both_backends {
    ($( #[test] $(#[$meta:meta])* fn $name:ident() $body:block )*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            $(#[$meta])*
            fn sqlite() $body

            #[test]
            $(#[$meta])*
            fn postgres() {
                $crate::common::on_postgres(|| $body)
            }
        }
    )*};
}

impl World {
    /// A fresh file database on a manual clock at `t0()`.
    pub fn new() -> World {
        World::with_config(Config::default())
    }

    pub fn with_config(config: Config) -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let (ctx, clock) = Context::manual(t0(), 1, Config { pin_cost: PinCost::Fast, ..config });
        let pg = if ON_POSTGRES.with(|p| p.get()) { pg::TestDb::new() } else { None };
        let desk = match &pg {
            Some(db) => Desk::open_postgres(&db.url, ctx, "clerk:test").expect("open on PostgreSQL"),
            None => Desk::open(&dir.path().join("test.db"), ctx, "clerk:test").expect("open"),
        };
        desk.create_first_supervisor("Sue", "1111").expect("the first supervisor");
        World { desk, clock, dir, pg }
    }

    /// What another desk opens to share this world's data.
    pub fn target(&self) -> Target {
        match &self.pg {
            Some(db) => Target::Postgres(db.url.clone()),
            None => Target::File(self.path()),
        }
    }

    /// What `--db` names for the `boxoffice` binary: the file, or the URL.
    pub fn db_arg(&self) -> std::path::PathBuf {
        match self.target() {
            Target::File(path) => path,
            Target::Postgres(url) => url.into(),
        }
    }

    /// Runs one statement behind the engine's back (to tamper) on a raw
    /// connection of the world's backend: the rows changed, or the error's text.
    pub fn exec(&self, sql: &str) -> Result<u64, String> {
        match &self.pg {
            Some(db) => db.client().execute(sql, &[]).map_err(|e| match e.as_db_error() {
                Some(d) => d.message().to_string(),
                None => e.to_string(),
            }),
            None => self.raw().execute(sql, []).map(|n| n as u64).map_err(|e| e.to_string()),
        }
    }

    /// A private in-memory database (fast; `path()` and `raw()` do not reach it).
    pub fn in_memory(config: Config) -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let (ctx, clock) = Context::manual(t0(), 1, Config { pin_cost: PinCost::Fast, ..config });
        let desk = Desk::in_memory(ctx, "clerk:test").expect("open in memory");
        desk.create_first_supervisor("Sue", "1111").expect("the first supervisor");
        World { desk, clock, dir, pg: None }
    }

    /// Signs `name` in at this world's desk with PIN 2222, adding them as a
    /// clerk (role clerk) first if there is none of that name.
    pub fn as_clerk(&self, name: &str) -> boxoffice::domain::Session {
        if self.desk.clerks().expect("clerks").iter().all(|c| c.name != name) {
            self.as_supervisor();
            self.desk.add_clerk(name, boxoffice::domain::Role::Clerk, "2222").expect("add clerk");
        }
        self.desk.sign_in(name, "2222").expect("sign in")
    }

    /// Signs Sue, the supervisor, in again.
    pub fn as_supervisor(&self) -> boxoffice::domain::Session {
        self.desk.sign_in("Sue", "1111").expect("sue signs in")
    }

    /// Another desk on this world's file (another terminal), signed in as
    /// `name` with `pin`.
    pub fn terminal(&self, name: &str, pin: &str) -> Desk {
        let desk = self.target().open(self.desk.ctx().clone(), "clerk:other").expect("open");
        desk.sign_in(name, pin).expect("sign in");
        desk
    }

    /// The world's file (SQLite only).
    pub fn path(&self) -> std::path::PathBuf {
        assert!(self.pg.is_none(), "path(): this world is on PostgreSQL, not a file");
        self.dir.path().join("test.db")
    }

    pub fn advance(&self, d: Duration) {
        self.clock.advance(d);
    }

    /// A general-admission event a week after t0.
    pub fn ga(&self, capacity: u32, price: i64) -> Event {
        self.event("Concert", EventKind::GeneralAdmission { capacity }, price)
    }

    pub fn reserved(&self, rows: u32, seats_per_row: u32, price: i64) -> Event {
        self.event("Theatre", EventKind::Reserved { rows, seats_per_row }, price)
    }

    pub fn event(&self, name: &str, kind: EventKind, price: i64) -> Event {
        self.desk
            .create_event(NewEvent {
                name: name.into(),
                description: String::new(),
                starts_at: t0() + Duration::days(7),
                kind,
                price,
                currency: "INR".into(),
            })
            .expect("event")
    }

    pub fn customer(&self) -> Customer {
        self.desk
            .customer(NewCustomer { name: "Jane Doe".into(), email: Some("jane@example.com".into()), phone: None })
            .expect("customer")
            .value
    }

    pub fn hold(&self, event: &Event, n: i64) -> Hold {
        self.desk
            .hold(HoldRequest {
                event_id: event.id.clone(),
                pick: SeatPick::Count(n),
                idempotency_key: None,
                correlation_id: None,
            })
            .expect("hold")
            .value
    }

    pub fn booking(&self, event: &Event, n: i64) -> Booking {
        let hold = self.hold(event, n);
        let c = self.customer();
        self.desk.book(&hold.id, &c.id, None).expect("book").value
    }

    pub fn available(&self, event: &Event) -> u32 {
        self.desk.event(&event.id).expect("event").available
    }

    pub fn assert_verified(&self) {
        let v = self.desk.verify().expect("verify runs");
        assert!(v.is_empty(), "invariants broken: {v:#?}");
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.desk.db().query_one(sql, &[], |r| r.get(0)).expect("count query")
    }

    /// A second, raw connection to the same file (to tamper, or to watch).
    pub fn raw(&self) -> Connection {
        Connection::open(self.path()).expect("raw connection")
    }

    pub fn dump(&self) -> Dump {
        match &self.pg {
            Some(db) => pg::dump(&db.url),
            None => dump(self.desk.conn()),
        }
    }

    /// Runs an operation that must be refused: returns its error after checking
    /// that not one row of any table changed.
    pub fn refused<T: Debug>(&self, op: impl FnOnce(&Desk) -> boxoffice::Result<T>) -> Error {
        let before = self.dump();
        let result = op(&self.desk);
        let after = self.dump();
        let err = match result {
            Ok(v) => panic!("expected a refusal, got Ok({v:?})"),
            Err(e) => e,
        };
        assert_eq!(before, after, "a refused operation changed the database ({err})");
        err
    }

    /// Runs an operation that the signed-in clerk's role may not do: returns
    /// its error after checking that nothing changed but one new audit row,
    /// the ACCESS_REFUSED of that clerk naming the operation.
    pub fn not_allowed<T: Debug>(&self, what: &str, op: impl FnOnce(&Desk) -> boxoffice::Result<T>) -> Error {
        let mut before = self.dump();
        let result = op(&self.desk);
        let mut after = self.dump();
        let err = match result {
            Ok(v) => panic!("expected a refusal of {what}, got Ok({v:?})"),
            Err(e) => e,
        };
        assert!(matches!(&err, Error::NotAllowed(n) if n.what == what), "{what}: {err:?}");
        let old = before.remove("audit_log").unwrap_or_default();
        let new: Vec<String> =
            after.remove("audit_log").unwrap_or_default().into_iter().filter(|r| !old.contains(r)).collect();
        assert_eq!(before, after, "a refused {what} changed the database ({err})");
        assert_eq!(new.len(), 1, "one audit row for the refusal of {what}: {new:?}");
        assert!(new[0].contains("'ACCESS_REFUSED'") && new[0].contains(what), "{}", new[0]);
        let me = self.desk.clerk().expect("a clerk is signed in");
        assert!(new[0].contains(&format!("'{}'", me.id())), "the row names the clerk: {}", new[0]);
        err
    }

    pub fn hold_req(&self, event: &Event, pick: SeatPick, key: Option<&str>) -> boxoffice::Result<Hold> {
        self.desk
            .hold(HoldRequest {
                event_id: event.id.clone(),
                pick,
                idempotency_key: key.map(Into::into),
                correlation_id: None,
            })
            .map(|r| r.value)
    }

    pub fn hold_labels(&self, event: &Event, labels: &[&str]) -> Hold {
        self.hold_req(event, SeatPick::Labels(labels.iter().map(|l| l.to_string()).collect()), None)
            .expect("hold labels")
    }

    /// (available, seats in ACTIVE holds, seats in CONFIRMED bookings) of an
    /// event, counted from the rows; asserts they add up to the total.
    pub fn seats(&self, event: &Event) -> (i64, i64, i64) {
        let e = self.desk.event(&event.id).expect("event");
        let held = self.count(&format!(
            "SELECT coalesce(sum(seats), 0) FROM holds WHERE event_id = '{}' AND status = 'ACTIVE'",
            event.id
        ));
        let sold = self.count(&format!(
            "SELECT coalesce(sum(seats), 0) FROM bookings WHERE event_id = '{}' AND status = 'CONFIRMED'",
            event.id
        ));
        let avail = i64::from(e.available);
        assert_eq!(avail + held + sold, i64::from(e.total), "seat arithmetic of {}", e.name);
        (avail, held, sold)
    }

    /// A sale's audit story, oldest first.
    pub fn story(&self, correlation_id: &str) -> Vec<AuditRow> {
        let mut rows = self
            .desk
            .audit(&AuditFilter { correlation_id: Some(correlation_id.into()), limit: 10_000, ..Default::default() })
            .expect("audit");
        rows.reverse();
        rows
    }

    /// Every audit row, oldest first.
    pub fn all_audit(&self) -> Vec<AuditRow> {
        let mut rows = self.desk.audit(&AuditFilter { limit: 100_000, ..Default::default() }).expect("audit");
        rows.reverse();
        rows
    }
}

/// (action, from, to) of audit rows: easy to compare against an expected story.
pub fn steps(rows: &[AuditRow]) -> Vec<(String, Option<String>, Option<String>)> {
    rows.iter().map(|r| (r.action.clone(), r.from_status.clone(), r.to_status.clone())).collect()
}

pub fn step(action: &str, from: Option<&str>, to: Option<&str>) -> (String, Option<String>, Option<String>) {
    (action.to_string(), from.map(Into::into), to.map(Into::into))
}

/// Runs the built `boxoffice` on `db` with `args` (and `env` set; the
/// variables that would point it elsewhere or override the venue removed):
/// (exit code, stdout, stderr).
pub fn boxoffice(db: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_boxoffice"));
    cmd.arg("--db").arg(db).args(args);
    for var in [
        "BOXOFFICE_DB",
        "BOXOFFICE_GROUP",
        "BOXOFFICE_HOLD_MINUTES",
        "BOXOFFICE_PAYMENT_MINUTES",
        "BOXOFFICE_REFUND_PERCENT",
        "BOXOFFICE_CLERK",
        "BOXOFFICE_PIN",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd.envs(env.iter().copied()).output().expect("run boxoffice");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The names of the files in `dir`, sorted.
pub fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).expect("list").filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    names.sort();
    names
}
