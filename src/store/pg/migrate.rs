//! The schema on PostgreSQL: numbered steps in `migrations/pg/`, the same
//! numbers and names as SQLite's (`store::migrate::STEPS`), so "schema
//! version N" means the same tables and columns on both backends (a test
//! compares them). Which steps ran is kept in `boxoffice_schema`, one row per
//! step; that table is also how a database is known as boxoffice's (SQLite
//! files carry `PRAGMA application_id`, PostgreSQL has no such mark; the
//! table's name is ours alone, and step 0002 writes the id in its comment).
//!
//! Each step is one transaction that first takes a transaction-scoped
//! advisory lock and re-reads the version, so several hosts starting at once
//! apply each step exactly once; a step that fails rolls back whole (DDL is
//! transactional on PostgreSQL). A database with tables but no
//! `boxoffice_schema` belongs to someone else: refused, never changed.
//!
//! No step has a Rust part: SQLite's step 0004 issues tickets for the paid
//! bookings of an older file, but a PostgreSQL database is only ever built
//! new (by the app, or by `boxoffice copy` from a file at the newest version),
//! so it never has old rows to fill in.

use super::super::db::{Db, args};
use super::super::migrate::{APPLICATION_ID, Found, Migrated, Step};
use super::PgConn;
use crate::error::{Error, Result};

/// Every PostgreSQL step, in order; step N has version N. Append, never edit.
pub const STEPS: &[Step] = &[
    Step { version: 1, name: "init", sql: include_str!("../../../migrations/pg/0001_init.sql"), rust: None },
    Step {
        version: 2,
        name: "application_id",
        sql: include_str!("../../../migrations/pg/0002_application_id.sql"),
        rust: None,
    },
    Step {
        version: 3,
        name: "hold_extensions",
        sql: include_str!("../../../migrations/pg/0003_hold_extensions.sql"),
        rust: None,
    },
    Step { version: 4, name: "tickets", sql: include_str!("../../../migrations/pg/0004_tickets.sql"), rust: None },
    Step { version: 5, name: "settings", sql: include_str!("../../../migrations/pg/0005_settings.sql"), rust: None },
    Step {
        version: 6,
        name: "fast_reads",
        sql: include_str!("../../../migrations/pg/0006_fast_reads.sql"),
        rust: None,
    },
    Step { version: 7, name: "clerks", sql: include_str!("../../../migrations/pg/0007_clerks.sql"), rust: None },
    Step {
        version: 8,
        name: "shift_times",
        sql: include_str!("../../../migrations/pg/0008_shift_times.sql"),
        rust: None,
    },
    Step {
        version: 9,
        name: "spread_totals",
        sql: include_str!("../../../migrations/pg/0009_spread_totals.sql"),
        rust: None,
    },
    Step {
        version: 10,
        name: "word_search",
        sql: include_str!("../../../migrations/pg/0010_word_search.sql"),
        rust: None,
    },
];

/// The newest schema version on PostgreSQL (equal to SQLite's: a test says so).
pub const LATEST: i64 = STEPS.len() as i64;

/// The table of applied steps, and the mark of a boxoffice database.
pub const BOOKKEEPING: &str = "boxoffice_schema";

/// The tables of the current schema (the `search_path`'s first schema), bookkeeping included.
pub fn tables(db: &Db) -> Result<Vec<String>> {
    db.query_all(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
        args![],
        |r| r.get(0),
    )
}

/// Reads which steps ran and refuses a database that is not ours or is newer
/// than `latest`. Only reads.
pub fn inspect(db: &Db, latest: i64) -> Result<Found> {
    let schema: Option<String> = db.query_one("SELECT current_schema()::text", args![], |r| r.get(0))?;
    if schema.is_none() {
        return Err(Error::Storage(
            "the database has no schema to work in (search_path names none that exists); create one, or use the \
             database's public schema"
                .into(),
        ));
    }
    let tables = tables(db)?;
    if tables.is_empty() {
        return Ok(Found::Empty);
    }
    if !tables.iter().any(|t| t == BOOKKEEPING) {
        return Err(Error::Storage(format!(
            "not a boxoffice database: it has {} table(s) but no {BOOKKEEPING} table; it was left unchanged",
            tables.len()
        )));
    }
    let version: i64 =
        db.query_one(&format!("SELECT coalesce(max(version), 0) FROM {BOOKKEEPING}"), args![], |r| r.get(0))?;
    if version > latest {
        return Err(Error::Storage(format!(
            "the database has schema version {version}, newer than this boxoffice understands ({latest}); use a \
             newer boxoffice"
        )));
    }
    Ok(Found::Ours(version))
}

/// Brings the database up to the newest of [`STEPS`].
pub fn migrate(db: &Db) -> Result<Migrated> {
    migrate_with(db, STEPS)
}

/// Brings the database up to the last of `steps` (injectable for tests), one
/// transaction per step under the advisory lock.
pub fn migrate_with(db: &Db, steps: &[Step]) -> Result<Migrated> {
    let Db::Pg(pg) = db else {
        return Err(Error::Storage("the PostgreSQL schema steps need a PostgreSQL database".into()));
    };
    if let Some((i, s)) = steps.iter().enumerate().find(|(i, s)| s.version != *i as i64 + 1) {
        return Err(Error::Storage(format!("migration {s} is listed at position {}; steps must be 1, 2, 3 …", i + 1)));
    }
    let latest = steps.len() as i64;
    let seen = inspect(db, latest)?.version();
    let mut done = Migrated { from: seen, to: seen, applied: Vec::new() };
    if seen == latest {
        return Ok(done);
    }
    loop {
        pg.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")?;
        let step = apply_next(db, pg, steps, latest, &mut done);
        // A step changes tables the cached statements were planned for.
        pg.forget_statements();
        match step {
            Ok(Some(step)) => {
                pg.commit_quietly()?;
                done.to = step.version;
                done.applied.push(step);
            }
            Ok(None) => {
                pg.commit_quietly()?;
                break;
            }
            Err(e) => {
                let _ = pg.rollback();
                return Err(e);
            }
        }
    }
    if !done.applied.is_empty() {
        let steps: Vec<String> = done.applied.iter().map(ToString::to_string).collect();
        tracing::info!(from = done.from, to = done.to, steps = %steps.join(", "), target = pg.target(),
            "migrated the PostgreSQL schema");
    }
    Ok(done)
}

/// Inside a step's transaction: waits for the lock, re-reads the version and
/// applies the next step, if any.
fn apply_next(db: &Db, pg: &PgConn, steps: &[Step], latest: i64, done: &mut Migrated) -> Result<Option<Step>> {
    db.query_one("SELECT pg_advisory_xact_lock(?1)", args![i64::from(APPLICATION_ID)], |_| Ok(()))?;
    let found = inspect(db, latest)?;
    if found == Found::Empty {
        db.execute_batch(&format!(
            "CREATE TABLE {BOOKKEEPING} (version bigint PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)"
        ))?;
    }
    let version = found.version();
    let Some(step) = super::super::migrate::pending(steps, version).first().copied() else { return Ok(None) };
    if done.applied.is_empty() {
        done.from = version;
    }
    let failed =
        |e: Error| Error::Storage(format!("migration {step} failed: {e}; the database stays at version {version}"));
    pg.execute_batch(step.sql).map_err(failed)?;
    db.execute(
        &format!(
            "INSERT INTO {BOOKKEEPING} (version, name, applied_at)
             VALUES (?1, ?2, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)"
        ),
        args![step.version, step.name],
    )
    .map_err(failed)?;
    Ok(Some(step))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_are_sqlites_steps_number_for_number() {
        let sqlite: Vec<(i64, &str)> = crate::store::migrate::STEPS.iter().map(|s| (s.version, s.name)).collect();
        let pg: Vec<(i64, &str)> = STEPS.iter().map(|s| (s.version, s.name)).collect();
        assert_eq!(pg, sqlite, "a SQLite schema step needs its PostgreSQL twin in migrations/pg/");
        assert_eq!(LATEST, crate::store::migrate::LATEST);
        assert!(STEPS.iter().all(|s| s.rust.is_none()), "PostgreSQL steps are SQL only");
    }
}
