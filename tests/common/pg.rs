//! PostgreSQL for the tests: a fresh database per test on the server named by
//! `BOXOFFICE_TEST_PG` (`.ci/run` starts one: `.ci/postgres start`), dropped
//! when the test ends, so tests run in parallel; and a dump of every table in
//! the same form as `common::dump` gives for SQLite, to compare the two.
//!
//! Without the variable the PostgreSQL tests skip, saying so once.

use super::Dump;
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};

static SKIPPED: Once = Once::new();
static NEXT: AtomicU32 = AtomicU32::new(0);

/// The test server's URL, or `None` (after one line on stderr) when there is
/// none to use. A server that is named but does not answer fails the test
/// under CI (something broke there) and skips elsewhere.
pub fn server() -> Option<String> {
    let url = std::env::var("BOXOFFICE_TEST_PG").ok().filter(|u| !u.trim().is_empty());
    let Some(url) = url else {
        say_once("PostgreSQL tests skipped: set BOXOFFICE_TEST_PG (see .ci/run)".into());
        return None;
    };
    match postgres::Client::connect(&url, postgres::NoTls) {
        Ok(_) => Some(url),
        Err(e) if std::env::var_os("CI").is_some() => panic!("BOXOFFICE_TEST_PG={url} does not answer: {e}"),
        Err(e) => {
            say_once(format!("PostgreSQL tests skipped: BOXOFFICE_TEST_PG={url} does not answer ({e})"));
            None
        }
    }
}

/// Straight to the terminal: the test harness captures `eprintln!`.
fn say_once(line: String) {
    use std::io::Write;
    SKIPPED.call_once(|| {
        let _ = writeln!(std::io::stderr(), "{line}");
    });
}

/// A database of its own for one test, dropped at the end of it.
pub struct TestDb {
    pub url: String,
    admin: String,
    name: String,
}

impl TestDb {
    /// A new, empty database; `None` when there is no server (the test skips).
    pub fn new() -> Option<TestDb> {
        let admin = server()?;
        let name = format!(
            "bo_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos())
        );
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("connect to the test server");
        client.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a test database");
        Some(TestDb { url: with_dbname(&admin, &name), admin, name })
    }

    /// A raw client on this database (for the test's own checks).
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// `url` with its database name replaced.
pub fn with_dbname(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Every row of every table (the schema-steps table left out), as text,
/// sorted, in `common::dump`'s form: integers bare, text quoted, NULL.
pub fn dump(url: &str) -> Dump {
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    let tables: Vec<String> = client
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'boxoffice_schema'
             ORDER BY 1",
            &[],
        )
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Dump::new();
    for t in tables {
        let rows = client.query(&format!("SELECT * FROM \"{t}\""), &[]).expect("rows");
        let mut lines: Vec<String> = rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        let ty = r.columns()[i].type_();
                        if *ty == postgres::types::Type::INT8 {
                            r.get::<_, Option<i64>>(i).map_or("NULL".into(), |n| n.to_string())
                        } else if *ty == postgres::types::Type::TEXT {
                            r.get::<_, Option<String>>(i).map_or("NULL".into(), |s| format!("'{s}'"))
                        } else {
                            panic!("{t}: a column of type {ty}; the schema has only bigint and text")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect();
        lines.sort();
        out.insert(t, lines);
    }
    out
}

/// A SQLite dump without the word search (FTS5 tables and `search_keys`):
/// derived from customers and events, SQLite's alone, rebuilt, not copied.
pub fn without_search(mut dump: Dump) -> Dump {
    dump.retain(|t, _| t != "search_keys" && !t.starts_with("customer_words") && !t.starts_with("event_words"));
    dump
}
