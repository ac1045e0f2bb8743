//! The schema as numbered migrations, and what a file on disk is.
//!
//! Each step is one SQL file in `migrations/`, embedded in the binary. On open
//! every pending step runs in its own `BEGIN IMMEDIATE` transaction that first
//! re-reads the file's version (so several processes opening one file at once
//! apply each step exactly once), then sets `PRAGMA user_version` to the step's
//! number. A step that fails rolls back: the file stays byte-for-byte as it was
//! after the previous step. Steps run with foreign keys off (so a step may rebuild
//! a table the way SQLite documents) and must leave `foreign_key_check` clean.
//!
//! Why not the `rusqlite_migration` crate: its current release (2.6) pins
//! rusqlite 0.40 while boxoffice is on 0.43 (two bundled `libsqlite3-sys` cannot
//! link into one binary), and the only release that accepts our rusqlite is
//! 1.0.1 from 2022. What we need is this page of code.
//!
//! Which files are ours: a file carrying [`APPLICATION_ID`] (stamped by step
//! 0002); a version-1 file from before the stamp (application_id 0, user_version
//! 1, our tables); or a new, empty one. Anything else is refused and left alone.

use crate::error::{Error, Result};
use rusqlite::Connection;

/// `PRAGMA application_id` of a boxoffice file: "BOXF".
pub const APPLICATION_ID: i32 = 0x424F_5846;

/// One migration: it takes a file from `version - 1` to `version`.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
    /// Work plain SQL cannot do well (random ticket codes, UUIDs), run after
    /// `sql` in the same transaction: the step still commits whole or not at all.
    pub rust: Option<fn(&Connection) -> Result<()>>,
}

/// Steps are the same step when their number, name and SQL are (the Rust
/// part is code: it goes with the name).
impl PartialEq for Step {
    fn eq(&self, other: &Step) -> bool {
        (self.version, self.name, self.sql) == (other.version, other.name, other.sql)
    }
}

impl Eq for Step {}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}_{}", self.version, self.name)
    }
}

/// Every migration, in order; step N has version N. Append, never edit: files
/// in the field already ran the old ones.
pub const STEPS: &[Step] = &[
    Step { version: 1, name: "init", sql: include_str!("../../migrations/0001_init.sql"), rust: None },
    Step {
        version: 2,
        name: "application_id",
        sql: include_str!("../../migrations/0002_application_id.sql"),
        rust: None,
    },
    Step {
        version: 3,
        name: "hold_extensions",
        sql: include_str!("../../migrations/0003_hold_extensions.sql"),
        rust: None,
    },
    Step {
        version: 4,
        name: "tickets",
        sql: include_str!("../../migrations/0004_tickets.sql"),
        rust: Some(super::tickets::backfill),
    },
    Step { version: 5, name: "settings", sql: include_str!("../../migrations/0005_settings.sql"), rust: None },
    Step { version: 6, name: "fast_reads", sql: include_str!("../../migrations/0006_fast_reads.sql"), rust: None },
    Step { version: 7, name: "clerks", sql: include_str!("../../migrations/0007_clerks.sql"), rust: None },
    Step { version: 8, name: "shift_times", sql: include_str!("../../migrations/0008_shift_times.sql"), rust: None },
    Step {
        version: 9,
        name: "spread_totals",
        sql: include_str!("../../migrations/0009_spread_totals.sql"),
        rust: None,
    },
    Step { version: 10, name: "word_search", sql: include_str!("../../migrations/0010_word_search.sql"), rust: None },
];

/// The newest schema version this binary knows.
pub const LATEST: i64 = STEPS.len() as i64;

/// The tables every version-1 file has: how an unstamped file is known as ours.
pub const V1_TABLES: &[&str] = &[
    "audit_log",
    "booking_hours",
    "booking_totals",
    "bookings",
    "customers",
    "events",
    "hold_hours",
    "hold_seats",
    "holds",
    "idempotency_keys",
    "job_leases",
    "job_runs",
    "meta",
    "payment_attempts",
    "refund_hours",
    "refund_totals",
    "refunds",
];

/// What a database file is, judged from its header fields and its tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// No tables, no version, no mark: a new file to build.
    Empty,
    /// A boxoffice file at this schema version (a version-1 file may be unmarked).
    Ours(i64),
}

impl Found {
    pub fn version(self) -> i64 {
        match self {
            Found::Empty => 0,
            Found::Ours(v) => v,
        }
    }
}

/// Reads the mark, the version and the tables; refuses a file that is not ours
/// or is newer than `latest`. Only reads.
pub fn inspect(conn: &Connection, latest: i64) -> Result<Found> {
    let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let mut stmt = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?;
    let tables = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    let found = match app_id {
        APPLICATION_ID => Found::Ours(version),
        0 if version == 0 && objects == 0 => Found::Empty,
        0 if version == 1 && V1_TABLES.iter().all(|t| tables.iter().any(|have| have == t)) => Found::Ours(1),
        0 => {
            return Err(Error::Storage(format!(
                "not a boxoffice database: it has {} table(s) and schema version {version} but no boxoffice mark; \
                 it was left unchanged",
                tables.len()
            )));
        }
        other => return Err(foreign(other)),
    };
    if found.version() > latest {
        return Err(Error::Storage(format!(
            "the file has schema version {}, newer than this boxoffice understands ({latest}); use a newer boxoffice",
            found.version()
        )));
    }
    Ok(found)
}

/// The refusal of a file marked by another application.
pub fn foreign(app_id: i32) -> Error {
    Error::Storage(format!(
        "not a boxoffice database: it belongs to another application (application_id {app_id:#010x}); \
         it was left unchanged"
    ))
}

/// The steps a file at `version` still needs.
pub fn pending(steps: &[Step], version: i64) -> &[Step] {
    let done = usize::try_from(version).unwrap_or(0).min(steps.len());
    &steps[done..]
}

/// What [`migrate_with`] did: the version it found and the steps it applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    pub from: i64,
    pub to: i64,
    pub applied: Vec<Step>,
}

/// Brings the file up to the newest of [`STEPS`].
pub fn migrate(conn: &Connection) -> Result<Migrated> {
    migrate_with(conn, STEPS)
}

/// Brings the file up to the last of `steps` (injectable so tests can add a
/// step that fails), one IMMEDIATE transaction per step.
pub fn migrate_with(conn: &Connection, steps: &[Step]) -> Result<Migrated> {
    if let Some((i, s)) = steps.iter().enumerate().find(|(i, s)| s.version != *i as i64 + 1) {
        return Err(Error::Storage(format!("migration {s} is listed at position {}; steps must be 1, 2, 3 …", i + 1)));
    }
    let latest = steps.len() as i64;
    // Refuse (or find nothing to do) before asking for the write lock.
    let seen = inspect(conn, latest)?.version();
    let mut done = Migrated { from: seen, to: seen, applied: Vec::new() };
    if seen == latest {
        return Ok(done);
    }
    loop {
        super::begin_immediate(conn)?;
        let step = (|| -> Result<Option<Step>> {
            let version = inspect(conn, latest)?.version();
            let Some(step) = pending(steps, version).first().copied() else { return Ok(None) };
            if done.applied.is_empty() {
                done.from = version;
            }
            conn.execute_batch(step.sql).map_err(|e| {
                Error::Storage(format!("migration {step} failed: {e}; the file stays at version {version}"))
            })?;
            if let Some(rust) = step.rust {
                rust(conn).map_err(|e| {
                    Error::Storage(format!("migration {step} failed: {e}; the file stays at version {version}"))
                })?;
            }
            let dangling: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
            if dangling > 0 {
                return Err(Error::Storage(format!(
                    "migration {step} left {dangling} row(s) pointing at missing rows; the file stays at version {version}"
                )));
            }
            conn.pragma_update(None, "user_version", step.version)?;
            Ok(Some(step))
        })();
        match step {
            Ok(Some(step)) => {
                conn.execute_batch("COMMIT")?;
                done.to = step.version;
                done.applied.push(step);
            }
            Ok(None) => {
                conn.execute_batch("COMMIT")?;
                break;
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    if !done.applied.is_empty() {
        let steps: Vec<String> = done.applied.iter().map(ToString::to_string).collect();
        tracing::info!(from = done.from, to = done.to, steps = %steps.join(", "), "migrated the database schema");
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables_of(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    #[test]
    fn steps_are_numbered_in_order_and_latest_is_the_last() {
        for (i, s) in STEPS.iter().enumerate() {
            assert_eq!(s.version, i as i64 + 1, "{s}");
        }
        assert_eq!(LATEST, STEPS.last().unwrap().version);
        assert_eq!(STEPS[1].to_string(), "0002_application_id");
    }

    #[test]
    fn v1_tables_are_exactly_what_step_1_creates() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(STEPS[0].sql).unwrap();
        assert_eq!(tables_of(&conn), V1_TABLES.iter().map(ToString::to_string).collect::<Vec<_>>());
    }

    #[test]
    fn a_new_file_is_built_and_stamped_in_one_step_per_transaction() {
        let conn = Connection::open_in_memory().unwrap();
        assert_eq!(inspect(&conn, LATEST).unwrap(), Found::Empty);
        let done = migrate(&conn).unwrap();
        assert_eq!((done.from, done.to), (0, LATEST));
        assert_eq!(done.applied, STEPS.to_vec());
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap();
        assert_eq!(app_id, APPLICATION_ID);
        assert_eq!(inspect(&conn, LATEST).unwrap(), Found::Ours(LATEST));
        // Again: nothing to do.
        assert_eq!(migrate(&conn).unwrap(), Migrated { from: LATEST, to: LATEST, applied: vec![] });
    }

    #[test]
    fn a_failing_step_rolls_back_and_keeps_the_version() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        let mut steps = STEPS.to_vec();
        steps.push(Step {
            version: LATEST + 1,
            name: "broken",
            sql: "CREATE TABLE half_done (id TEXT); INSERT INTO meta VALUES ('x', 'y'); SELECT no_such_function();",
            rust: None,
        });
        let err = migrate_with(&conn, &steps).unwrap_err().to_string();
        assert!(err.contains("broken") && err.contains(&format!("stays at version {LATEST}")), "{err}");
        assert!(!tables_of(&conn).contains(&"half_done".to_string()));
        let meta: i64 = conn.query_row("SELECT count(*) FROM meta WHERE key = 'x'", [], |r| r.get(0)).unwrap();
        assert_eq!(meta, 0);
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, LATEST);
        assert!(conn.is_autocommit(), "no transaction left open");
    }

    #[test]
    fn a_failing_rust_part_rolls_back_its_step_sql_too() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        fn fails(conn: &Connection) -> Result<()> {
            conn.execute_batch("INSERT INTO meta VALUES ('rust', 'ran')")?;
            Err(Error::Storage("no codes today".into()))
        }
        let mut steps = STEPS.to_vec();
        steps.push(Step {
            version: LATEST + 1,
            name: "rusty",
            sql: "CREATE TABLE half_done (id TEXT);",
            rust: Some(fails),
        });
        let err = migrate_with(&conn, &steps).unwrap_err().to_string();
        assert!(err.contains("rusty") && err.contains("no codes today"), "{err}");
        assert!(!tables_of(&conn).contains(&"half_done".to_string()));
        let meta: i64 = conn.query_row("SELECT count(*) FROM meta WHERE key = 'rust'", [], |r| r.get(0)).unwrap();
        assert_eq!(meta, 0);
        assert!(conn.is_autocommit());
    }

    #[test]
    fn steps_out_of_order_are_refused_before_anything_runs() {
        let conn = Connection::open_in_memory().unwrap();
        let err = migrate_with(&conn, &[STEPS[1]]).unwrap_err().to_string();
        assert!(err.contains("0002_application_id"), "{err}");
        let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0)).unwrap();
        assert_eq!(objects, 0);
    }

    #[test]
    fn files_that_are_not_ours_are_refused() {
        let other = Connection::open_in_memory().unwrap();
        other.execute_batch("CREATE TABLE notes (x); PRAGMA user_version = 1;").unwrap();
        assert!(inspect(&other, LATEST).unwrap_err().to_string().contains("no boxoffice mark"));
        let stamped = Connection::open_in_memory().unwrap();
        stamped.execute_batch("PRAGMA application_id = 1234;").unwrap();
        assert!(
            inspect(&stamped, LATEST)
                .unwrap_err()
                .to_string()
                .contains("another application (application_id 0x000004d2)")
        );
        let newer = Connection::open_in_memory().unwrap();
        newer.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 99;")).unwrap();
        assert!(inspect(&newer, LATEST).unwrap_err().to_string().contains("schema version 99, newer"));
        assert_eq!(pending(STEPS, 99), &[] as &[Step]);
        assert_eq!(pending(STEPS, 1), &STEPS[1..]);
    }
}
