//! What SQLite itself finds damaged in a file: `PRAGMA integrity_check` and
//! `PRAGMA foreign_key_check`. `verify` runs these before the invariants, since
//! a query over a damaged b-tree can miss rows and report "ok". They read every
//! page, so they are for `verify`, not for every open.

use crate::error::Result;
use rusqlite::Connection;
use std::collections::BTreeMap;

/// At most this many problems are listed (SQLite's own default).
const MAX_PROBLEMS: u32 = 100;

/// Every problem SQLite finds, one line each, naming the table or index it is
/// in where SQLite gives a page or tree number; empty when the file is sound.
/// Foreign keys are checked only once the b-trees are sound.
pub fn damage(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA integrity_check({MAX_PROBLEMS})"))?;
    let mut rows = Vec::new();
    let mut found = stmt.query([])?;
    loop {
        match found.next() {
            Ok(Some(row)) => rows.push(row.get::<_, String>(0)?),
            Ok(None) => break,
            // SQLite can list some damage and then meet a page it cannot read at all.
            Err(e) if is_damage(&e) => {
                rows.push(format!("the check stopped early: {}", e.to_string().trim()));
                break;
            }
            Err(e) => return Err(e.into()),
        }
    }
    if rows.iter().any(|r| r != "ok") {
        let names = page_names(conn, &rows);
        return Ok(rows
            .iter()
            .flat_map(|r| r.lines())
            .filter(|l| !l.trim().is_empty() && !l.starts_with("***"))
            .map(|l| match pages_in(l).iter().filter_map(|p| names.get(p)).next() {
                Some(name) => format!("damaged: {name}: {l}"),
                None => format!("damaged: {l}"),
            })
            .collect());
    }
    let mut stmt = conn.prepare("SELECT \"table\", rowid, parent, fkid FROM pragma_foreign_key_check")?;
    let rows = stmt.query_map([], |r| {
        let (table, rowid, parent) = (r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?);
        let row = rowid.map_or_else(|| "a row".to_string(), |id| format!("row {id}"));
        Ok(format!("damaged: table {table}: {row} refers to a missing row of {parent}"))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase))
}

/// Page and tree numbers in one of SQLite's messages ("Page 9: …",
/// "Tree 9 page 12 cell 3: …", "On tree page 12 cell 3: …").
fn pages_in(line: &str) -> Vec<i64> {
    let words: Vec<&str> = line.split(|c: char| c.is_whitespace() || c == ':' || c == ',').collect();
    words
        .windows(2)
        .filter(|w| w[0].eq_ignore_ascii_case("page") || w[0].eq_ignore_ascii_case("tree"))
        .filter_map(|w| w[1].parse().ok())
        .collect()
}

/// "table holds" / "index holds_by_event" for each page mentioned, from the
/// schema's root pages and, for other pages, from `dbstat` (which lists a
/// damaged page under the tree that points at it). Best effort: a page it
/// cannot place is simply not named.
fn page_names(conn: &Connection, messages: &[String]) -> BTreeMap<i64, String> {
    let wanted: Vec<i64> = messages.iter().flat_map(|m| pages_in(m)).collect();
    let mut names = BTreeMap::new();
    let described = |kind: &str, name: &str, table: &str| match kind {
        "index" => format!("index {name} (on {table})"),
        _ => format!("{kind} {name}"),
    };
    if let Ok(mut stmt) = conn.prepare("SELECT rootpage, type, name, tbl_name FROM sqlite_schema WHERE rootpage > 0")
        && let Ok(rows) =
            stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?)))
    {
        let schema: Vec<(i64, String, String, String)> = rows.flatten().collect();
        for (page, kind, name, table) in &schema {
            if wanted.contains(page) {
                names.insert(*page, described(kind, name, table));
            }
        }
        if wanted.iter().any(|p| !names.contains_key(p))
            && let Ok(mut stmt) = conn.prepare("SELECT pageno, name FROM dbstat")
            && let Ok(rows) = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        {
            for (page, name) in rows.map_while(|r| r.ok()) {
                if wanted.contains(&page) && !names.contains_key(&page) {
                    let (kind, table) = schema
                        .iter()
                        .find(|s| s.2 == name)
                        .map_or(("table", name.as_str()), |s| (s.1.as_str(), s.3.as_str()));
                    names.insert(page, described(kind, &name, table));
                }
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_read_from_sqlite_messages() {
        assert_eq!(pages_in("Page 9: btreeInitPage() returns error code 11"), vec![9]);
        assert_eq!(pages_in("Tree 9 page 12 cell 3: invalid page number 99"), vec![9, 12]);
        assert_eq!(pages_in("row 3 missing from index holds_by_time"), Vec::<i64>::new());
    }

    #[test]
    fn a_sound_file_has_no_damage_and_a_dangling_key_is_named() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY, a REFERENCES a (id));
             INSERT INTO a VALUES (1); INSERT INTO b VALUES (1, 1);",
        )
        .unwrap();
        assert_eq!(damage(&conn).unwrap(), Vec::<String>::new());
        conn.execute_batch("PRAGMA foreign_keys = OFF; INSERT INTO b VALUES (2, 7)").unwrap();
        assert_eq!(damage(&conn).unwrap(), vec!["damaged: table b: row 2 refers to a missing row of a"]);
    }
}
