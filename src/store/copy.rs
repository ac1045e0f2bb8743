//! `boxoffice copy --from A --to B`: a whole box office from an SQLite file
//! into an empty PostgreSQL database, or back, or between two of either.
//!
//! - The source is opened read-only and read in one snapshot (a read
//!   transaction on SQLite, REPEATABLE READ READ ONLY on PostgreSQL): nothing
//!   is written to it. It must be at this boxoffice's newest schema version;
//!   an older file is refused with "run `boxoffice migrate` first" rather
//!   than migrated, since copying must not change the source.
//! - The target must hold no rows: a new file, or a database with no tables
//!   (its schema is built first), or boxoffice's empty schema. Anything else
//!   is refused and left as it was.
//! - Every table is copied whole, driven by the schema (the column lists of
//!   both sides must match: same version, same columns), parents before
//!   children (foreign keys), rows in the order of their first column (the
//!   audit trail by `seq`, keeping each row's number), in multi-row inserts,
//!   in ONE transaction on the target: it has all of it or none of it.
//! - The running totals are copied as they are, not rebuilt: the target's
//!   triggers are off during the copy (dropped and recreated from their own
//!   SQL on SQLite; `DISABLE TRIGGER USER` on PostgreSQL), so totals, audit
//!   rows and all are row for row the source's. Afterwards the audit
//!   sequence (PostgreSQL) continues after the highest `seq`.
//! - SQLite's word search (FTS5 tables and `search_keys`, step 0006) is not
//!   copied: it is derived from customers and events and PostgreSQL has no
//!   FTS5. Its triggers stay on in a SQLite target, which indexes the rows as
//!   they arrive.

use super::db::{Backend, Db, Param, Value};
use super::pg::{self, PgConn};
use crate::error::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// A `--from` or `--to`: a file path or a `postgres://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    File(PathBuf),
    Postgres(String),
}

impl Place {
    pub fn parse(text: &str) -> Place {
        if super::db::is_postgres_url(text) { Place::Postgres(text.to_string()) } else { Place::File(text.into()) }
    }
}

/// How a place is shown: a path, or a URL without its password.
impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::File(p) => write!(f, "{}", p.display()),
            Place::Postgres(url) => f.write_str(&pg::redact(url)),
        }
    }
}

/// What a copy moved: rows per table, in the order they were copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub tables: Vec<(String, u64)>,
}

impl Copied {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }

    pub fn of(&self, table: &str) -> u64 {
        self.tables.iter().find(|(t, _)| t == table).map_or(0, |(_, n)| *n)
    }
}

/// A table and its columns, in order.
pub type Table = (String, Vec<String>);

/// The data tables of a box office and their columns, by name: SQLite's
/// `pragma_table_info`, PostgreSQL's `information_schema` (the bookkeeping
/// table of schema steps left out, as SQLite's own tables are).
pub fn tables(db: &Db) -> Result<Vec<Table>> {
    let names: Vec<String> = match db.backend() {
        // Plain tables only: the FTS5 word search (virtual tables, their shadow
        // tables and `search_keys`) is derived from customers and events, exists
        // only on SQLite, and is rebuilt by the target's triggers as rows arrive.
        Backend::Sqlite => db.query_all(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'
             AND name NOT LIKE 'sqlite_%' AND name <> ?1 ORDER BY name",
            super::db::args![SEARCH_KEYS],
            |r| r.get(0),
        )?,
        Backend::Postgres => pg::migrate::tables(db)?.into_iter().filter(|t| t != pg::migrate::BOOKKEEPING).collect(),
    };
    let columns_sql = match db.backend() {
        Backend::Sqlite => "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position"
        }
    };
    names
        .into_iter()
        .map(|t| {
            let cols = db.query_all(columns_sql, super::db::args![t], |r| r.get(0))?;
            Ok((t, cols))
        })
        .collect()
}

/// SQLite's table of stable integers for the word search's rows (derived).
const SEARCH_KEYS: &str = "search_keys";

/// Triggers that keep the word search in step: left on during a copy into
/// SQLite, so the copied customers and events are indexed as they arrive.
fn keeps_search(trigger: &str) -> bool {
    trigger.starts_with("customer_words_") || trigger.starts_with("event_words_")
}

/// (child, parent) for every foreign key between two tables.
fn foreign_keys(db: &Db) -> Result<Vec<(String, String)>> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "SELECT m.name, f.\"table\" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
             WHERE m.type = 'table'"
        }
        Backend::Postgres => {
            "SELECT c.relname::text, p.relname::text FROM pg_constraint k
             JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
             WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace"
        }
    };
    db.query_all(sql, super::db::args![], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// The tables with every parent before its children (ties by name).
fn parents_first(tables: &[Table], keys: &[(String, String)]) -> Result<Vec<Table>> {
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> =
        tables.iter().map(|(t, _)| (t.as_str(), BTreeSet::new())).collect();
    for (child, parent) in keys {
        if child != parent
            && waiting.contains_key(parent.as_str())
            && let Some(parents) = waiting.get_mut(child.as_str())
        {
            parents.insert(parent.as_str());
        }
    }
    let mut order = Vec::with_capacity(tables.len());
    while !waiting.is_empty() {
        let ready: Vec<&str> = waiting.iter().filter(|(_, p)| p.is_empty()).map(|(t, _)| *t).collect();
        if ready.is_empty() {
            return Err(Error::Storage(format!(
                "the tables' foreign keys go round in a circle ({}); cannot order the copy",
                waiting.keys().copied().collect::<Vec<_>>().join(", ")
            )));
        }
        for t in ready {
            waiting.remove(t);
            for parents in waiting.values_mut() {
                parents.remove(t);
            }
            if let Some(table) = tables.iter().find(|(name, _)| name == t) {
                order.push(table.clone());
            }
        }
    }
    Ok(order)
}

/// Quoted for both dialects (`"full"` is a keyword on PostgreSQL).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Copies the box office at `from` into the empty `to`.
pub fn copy(from: &Place, to: &Place) -> Result<Copied> {
    if from == to {
        return Err(Error::Storage(format!("--from and --to are the same ({from}); nothing was copied")));
    }
    let source = open_source(from)?;
    let (target, made) = open_target(to)?;
    let copied = copy_between(&source, &target, from, to);
    if copied.is_err()
        && let Some(path) = made
    {
        // The file was made for this copy: a failed copy leaves nothing behind.
        drop(target);
        for p in [path.clone(), super::sibling(&path, "-wal"), super::sibling(&path, "-shm")] {
            let _ = std::fs::remove_file(p);
        }
    }
    copied
}

/// The source, read-only and at the newest schema version.
fn open_source(from: &Place) -> Result<Db> {
    match from {
        Place::File(path) => super::open_read_only(path).map(Db::Sqlite).map_err(|e| match e {
            Error::Storage(m) => Error::Storage(
                m.replace(
                    "run `boxoffice migrate` (or open it with the app) first",
                    "run `boxoffice migrate` on it first (copy never writes to its source)",
                )
                .replace("check --db or $BOXOFFICE_DB", "check --from"),
            ),
            other => other,
        }),
        Place::Postgres(url) => pg::open_read_only(url),
    }
}

/// The target, its schema built or brought up to date; with the path of a
/// file this call created (to remove it if the copy fails).
fn open_target(to: &Place) -> Result<(Db, Option<PathBuf>)> {
    match to {
        Place::File(path) => {
            let on_disk = super::check_file(path)?;
            if on_disk == super::file::OnDisk::Sqlite {
                // Refuse a file with rows before anything (a migration) writes to it.
                refuse_rows(
                    &Db::Sqlite(super::open_read_only(path).or_else(|_| {
                        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                            .map_err(Error::from)
                    })?),
                    to,
                )?;
            }
            let made = (on_disk == super::file::OnDisk::Missing).then(|| path.clone());
            let conn = super::open(path, super::Durability::Full)?;
            Ok((Db::Sqlite(conn), made))
        }
        Place::Postgres(url) => {
            let db = Db::Pg(PgConn::connect(url)?);
            if super::migrate::Found::Empty != pg::migrate::inspect(&db, pg::migrate::LATEST)? {
                refuse_rows(&db, to)?;
            }
            pg::migrate::migrate(&db)?;
            Ok((db, None))
        }
    }
}

/// Refuses a target that holds any row, naming what it holds.
fn refuse_rows(db: &Db, place: &Place) -> Result<()> {
    let mut held = Vec::new();
    for (table, _) in tables(db)? {
        let n: i64 =
            db.query_one(&format!("SELECT count(*) FROM {}", quoted(&table)), super::db::args![], |r| r.get(0))?;
        if n > 0 {
            held.push(format!("{n} in {table}"));
        }
    }
    if held.is_empty() {
        return Ok(());
    }
    Err(Error::Storage(format!(
        "{place} already holds a box office ({} row(s): {}); copy only into an empty database or a new file. \
         Nothing was changed",
        held.len(),
        held.join(", ")
    )))
}

fn copy_between(source: &Db, target: &Db, from: &Place, to: &Place) -> Result<Copied> {
    let from_tables = tables(source)?;
    let to_tables = tables(target)?;
    if from_tables != to_tables {
        let names = |t: &[Table]| t.iter().map(|(n, c)| format!("{n}({})", c.join(","))).collect::<BTreeSet<_>>();
        let (a, b) = (names(&from_tables), names(&to_tables));
        let differ: Vec<String> = a.symmetric_difference(&b).cloned().collect();
        return Err(Error::Storage(format!(
            "the schemas of {from} and {to} differ ({}); nothing was copied",
            differ.join("; ")
        )));
    }
    let order = parents_first(&to_tables, &foreign_keys(target)?)?;

    // One snapshot of the source.
    match source {
        Db::Sqlite(conn) => conn.execute_batch("BEGIN")?,
        Db::Pg(pg) => pg.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?,
    }
    let copied = write_all(source, target, &order, to);
    match source {
        Db::Sqlite(conn) => {
            let _ = conn.execute_batch("ROLLBACK");
        }
        Db::Pg(pg) => {
            let _ = pg.rollback();
        }
    }
    copied
}

/// The target's side: one transaction, triggers off, every table, sequences.
fn write_all(source: &Db, target: &Db, order: &[Table], to: &Place) -> Result<Copied> {
    let names: Vec<String> = order.iter().map(|(t, _)| quoted(t)).collect();
    let mut triggers: Vec<(String, String)> = Vec::new();
    match target {
        Db::Sqlite(conn) => {
            super::begin_immediate(conn)?;
            triggers = target
                .query_all(
                    "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name",
                    super::db::args![],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .into_iter()
                .filter(|(name, _): &(String, String)| !keeps_search(name))
                .collect();
            for (name, _) in &triggers {
                target.execute_batch(&format!("DROP TRIGGER {}", quoted(name)))?;
            }
        }
        Db::Pg(pg) => {
            pg.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")?;
            // No other host writes (or seeds a demo) while the copy runs.
            target.execute_batch(&format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", names.join(", ")))?;
            for name in &names {
                target.execute_batch(&format!("ALTER TABLE {name} DISABLE TRIGGER USER"))?;
            }
        }
    }
    let result = (|| {
        // Checked again under the lock: another host may have started selling.
        refuse_rows(target, to)?;
        let mut copied = Copied { tables: Vec::new() };
        for (table, columns) in order {
            let n = copy_table(source, target, table, columns)?;
            copied.tables.push((table.clone(), n));
        }
        match target {
            Db::Sqlite(_) => {
                for (_, sql) in &triggers {
                    target.execute_batch(sql)?;
                }
            }
            Db::Pg(_) => {
                for name in &names {
                    target.execute_batch(&format!("ALTER TABLE {name} ENABLE TRIGGER USER"))?;
                }
                restart_sequences(target, order)?;
            }
        }
        Ok(copied)
    })();
    match (target, result) {
        (Db::Sqlite(conn), Ok(copied)) => {
            conn.execute_batch("COMMIT")?;
            Ok(copied)
        }
        (Db::Pg(pg), Ok(copied)) => {
            pg.commit()?;
            pg.forget_statements();
            Ok(copied)
        }
        (Db::Sqlite(conn), Err(e)) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
        (Db::Pg(pg), Err(e)) => {
            let _ = pg.rollback();
            pg.forget_statements();
            Err(e)
        }
    }
}

/// Every row of one table, in the order of its first column, in batches.
fn copy_table(source: &Db, target: &Db, table: &str, columns: &[String]) -> Result<u64> {
    // SQLite numbers at most 32,766 parameters in one statement, PostgreSQL 65,535.
    let per_batch = (30_000 / columns.len().max(1)).clamp(1, 500);
    let select = format!(
        "SELECT {} FROM {} ORDER BY 1",
        columns.iter().map(|c| quoted(c)).collect::<Vec<_>>().join(", "),
        quoted(table)
    );
    let insert = |rows: usize| {
        let width = columns.len();
        let tuples: Vec<String> = (0..rows)
            .map(|r| {
                let marks: Vec<String> = (1..=width).map(|c| format!("?{}", r * width + c)).collect();
                format!("({})", marks.join(", "))
            })
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            quoted(table),
            columns.iter().map(|c| quoted(c)).collect::<Vec<_>>().join(", "),
            tuples.join(", ")
        )
    };
    let full_batch = insert(per_batch);
    let mut batch: Vec<Value> = Vec::with_capacity(per_batch * columns.len());
    let mut count = 0u64;
    let flush = |batch: &mut Vec<Value>| -> Result<()> {
        let rows = batch.len() / columns.len().max(1);
        if rows == 0 {
            return Ok(());
        }
        let sql = if rows == per_batch { full_batch.clone() } else { insert(rows) };
        let params: Vec<Param<'_>> = batch.iter().map(|v| super::db::ToParam::to_param(v)).collect();
        target.execute(&sql, &params)?;
        batch.clear();
        Ok(())
    };
    source.for_each(&select, super::db::args![], |row| {
        for i in 0..columns.len() {
            batch.push(row.get::<Value>(i)?);
        }
        count += 1;
        if batch.len() >= per_batch * columns.len() { flush(&mut batch) } else { Ok(()) }
    })?;
    flush(&mut batch)?;
    Ok(count)
}

/// Each sequence owned by a column (the audit log's `seq`) continues after
/// the highest value copied.
fn restart_sequences(target: &Db, tables: &[Table]) -> Result<()> {
    for (table, columns) in tables {
        for column in columns {
            let sequence: Option<String> = target.query_one(
                "SELECT pg_get_serial_sequence(?1, ?2)",
                super::db::args![quoted(table), column],
                |r| r.get(0),
            )?;
            if sequence.is_some() {
                target.query_one(
                    &format!(
                        "SELECT setval(CAST(pg_get_serial_sequence(?1, ?2) AS regclass), coalesce(max({c}), 0) + 1, false)
                         FROM {t}",
                        c = quoted(column),
                        t = quoted(table)
                    ),
                    super::db::args![quoted(table), column],
                    |_| Ok(()),
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn t(name: &str) -> Table {
        (name.to_string(), vec!["id".to_string()])
    }

    #[test]
    fn parents_come_before_their_children() {
        let tables = vec![t("tickets"), t("bookings"), t("events"), t("holds"), t("meta")];
        let keys: Vec<(String, String)> =
            [("tickets", "bookings"), ("bookings", "holds"), ("holds", "events"), ("tickets", "events")]
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
        let order: Vec<String> = parents_first(&tables, &keys).unwrap().into_iter().map(|(n, _)| n).collect();
        assert_eq!(order, ["events", "meta", "holds", "bookings", "tickets"]);
        let circle = vec![("a".to_string(), "b".to_string()), ("b".to_string(), "a".to_string())];
        assert!(parents_first(&[t("a"), t("b")], &circle).unwrap_err().to_string().contains("circle"));
    }

    #[test]
    fn places_are_files_or_urls_and_urls_show_no_password() {
        assert_eq!(Place::parse("box.db"), Place::File("box.db".into()));
        let url = Place::parse("postgres://bo:secret@db:5432/venue");
        assert_eq!(url.to_string(), "postgres://bo@db:5432/venue");
    }

    #[test]
    fn a_file_is_copied_into_a_new_file_row_for_row_and_the_target_must_be_empty() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("a.db"), dir.path().join("b.db"));
        let (ctx, _clock) =
            crate::Context::manual("2026-06-01T09:00:00Z".parse().unwrap(), 1, crate::Config::default());
        let desk = crate::Desk::open(&from, ctx, "clerk:test").unwrap();
        crate::demo::seed_venue_if_empty(&desk).unwrap();
        drop(desk);
        let done = copy(&Place::File(from.clone()), &Place::File(to.clone())).unwrap();
        assert!(done.of("events") >= 5 && done.of("audit_log") > 0, "{done:?}");
        let dump = |p: &Path| {
            let db = Db::Sqlite(super::super::open_read_only(p).unwrap());
            tables(&db)
                .unwrap()
                .into_iter()
                .map(|(t, _)| {
                    let rows = db
                        .query_all(
                            &format!("SELECT * FROM {} ORDER BY 1", quoted(&t)),
                            super::super::db::args![],
                            |r| (0..r.len()).map(|i| r.get::<Value>(i)).collect::<Result<Vec<_>>>(),
                        )
                        .unwrap();
                    (t, rows)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(dump(&from), dump(&to));
        // Again into the same file: refused, nothing changed.
        let before = std::fs::read(&to).unwrap();
        let again = copy(&Place::File(from.clone()), &Place::File(to.clone())).unwrap_err().to_string();
        assert!(again.contains("already holds a box office") && again.contains("in events"), "{again}");
        assert_eq!(std::fs::read(&to).unwrap(), before);
        let same = copy(&Place::File(from.clone()), &Place::File(from)).unwrap_err().to_string();
        assert!(same.contains("are the same"), "{same}");
    }
}
