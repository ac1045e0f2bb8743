//! PostgreSQL's word search (step 0010's `search_words`) reads text the way
//! SQLite's FTS5 `unicode61 remove_diacritics 2` tokenizer does, character
//! for character. The tables in migrations/pg/0010_word_search.sql are made
//! from the bundled SQLite by `print_the_fold_tables` (ignored: run it with
//! `cargo test --test search_fold -- --ignored --nocapture` after a SQLite
//! upgrade), and `every_character_reads_the_same_on_both_backends` checks
//! them against a PostgreSQL server.

mod common;

use rusqlite::Connection;
use std::collections::BTreeMap;

/// How FTS5 reads each character `c` between two letters (`a{c}b`): a
/// letter of its own (folded to `Some(f)`), or `None` for a separator (two
/// tokens) or a mark it drops (`ab`). Every code point but ASCII and surrogates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    Letter(char),
    Separator,
    Dropped,
}

fn fts5_reads(range: impl Iterator<Item = u32>) -> BTreeMap<u32, Read> {
    let conn = Connection::open_in_memory().expect("memory");
    conn.execute_batch(
        "CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2');
         CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');
         BEGIN",
    )
    .expect("fts5");
    {
        let mut ins = conn.prepare("INSERT INTO t (rowid, x) VALUES (?1, ?2)").expect("insert");
        for cp in range {
            if let Some(c) = char::from_u32(cp) {
                ins.execute(rusqlite::params![cp, format!("a{c}b")]).expect("row");
            }
        }
    }
    let mut terms: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT doc, term FROM v ORDER BY doc, offset").expect("vocab");
    let rows = stmt.query_map([], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?))).expect("rows");
    for row in rows {
        let (doc, term) = row.expect("row");
        terms.entry(doc).or_default().push(term);
    }
    terms
        .into_iter()
        .map(|(cp, t)| {
            let read = match t.as_slice() {
                [one] if one == "ab" => Read::Dropped,
                [a, b] if a == "a" && b == "b" => Read::Separator,
                [one] if one.chars().count() == 3 => Read::Letter(one.chars().nth(1).expect("middle")),
                other => panic!("U+{cp:04X} reads as {other:?}"),
            };
            (cp, read)
        })
        .collect()
}

fn all_but_ascii() -> impl Iterator<Item = u32> {
    (0x80..0xD800).chain(0xE000..0x11_0000)
}

/// `U&'…'` escapes of these code points.
fn escaped(cps: impl Iterator<Item = u32>) -> String {
    cps.map(|cp| if cp <= 0xFFFF { format!("\\{cp:04X}") } else { format!("\\+{cp:06X}") }).collect()
}

/// A regex bracket's ranges of these (sorted) code points, as `\uXXXX` / `\UXXXXXXXX` escapes.
fn ranges(cps: &[u32]) -> String {
    let esc = |cp: u32| if cp <= 0xFFFF { format!("\\u{cp:04x}") } else { format!("\\U{cp:08x}") };
    let mut out = String::new();
    let mut i = 0;
    while i < cps.len() {
        let mut j = i;
        while j + 1 < cps.len() && cps[j + 1] == cps[j] + 1 {
            j += 1;
        }
        out.push_str(&esc(cps[i]));
        if j > i {
            out.push('-');
            out.push_str(&esc(cps[j]));
        }
        i = j + 1;
    }
    out
}

#[test]
#[ignore = "prints the tables of migrations/pg/0010_word_search.sql"]
fn print_the_fold_tables() {
    let reads = fts5_reads(all_but_ascii());
    let folds: Vec<(u32, char)> = reads
        .iter()
        .filter_map(|(&cp, r)| match r {
            Read::Letter(f) if *f as u32 != cp => Some((cp, *f)),
            _ => None,
        })
        .collect();
    let dropped: Vec<u32> = reads.iter().filter(|(_, r)| **r == Read::Dropped).map(|(&cp, _)| cp).collect();
    let separators: Vec<u32> = reads.iter().filter(|(_, r)| **r == Read::Separator).map(|(&cp, _)| cp).collect();
    println!("-- {} folded, {} dropped, {} separators", folds.len(), dropped.len(), separators.len());
    println!("FROM U&'{}{}'", escaped(folds.iter().map(|f| f.0)), escaped(dropped.iter().copied()));
    println!("TO U&'{}'", escaped(folds.iter().map(|f| f.1 as u32)));
    println!("SEPARATORS [\\x01-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f{}]", ranges(&separators));
}

/// PostgreSQL's reading of `a{c}b` through `search_words`, as a [`Read`].
fn pg_read(words: &str) -> Option<Read> {
    let mut chars = words.chars();
    Some(match (chars.next(), chars.next(), chars.next(), chars.next()) {
        (Some('a'), Some('b'), None, None) => Read::Dropped,
        (Some('a'), Some(' '), Some('b'), None) => Read::Separator,
        (Some('a'), Some(c), Some('b'), None) => Read::Letter(c),
        _ => return None,
    })
}

/// Every character of the first two planes (the letters people type, the
/// folds of step 10's table, the separators) reads the same on PostgreSQL
/// as in SQLite's FTS5, and ASCII's too.
#[test]
fn every_character_reads_the_same_on_both_backends() {
    let Some(db) = common::pg::TestDb::new() else { return };
    boxoffice::store::pg::open(&db.url).expect("migrate");
    let range = || (0x01..0xD800).chain(0xE000..0x2_0000);
    let fts5 = fts5_reads(range().filter(|&cp| cp >= 0x80 || char::from_u32(cp).is_some_and(|c| c != 'a' && c != 'b')));
    let mut client = db.client();
    let rows = client
        .query(
            "SELECT cp, search_words('a' || chr(cp) || 'b') FROM generate_series(1, 131071) AS cp
             WHERE cp NOT BETWEEN 55296 AND 57343",
            &[],
        )
        .expect("search_words");
    let mut differ = Vec::new();
    for row in rows {
        let (cp, words): (i32, String) = (row.get(0), row.get(1));
        let cp = cp as u32;
        let Some(want) = fts5.get(&cp) else { continue };
        let got = pg_read(&words);
        if got != Some(*want) {
            differ.push(format!("U+{cp:04X}: FTS5 {want:?}, PostgreSQL {words:?}"));
        }
    }
    assert!(fts5.len() > 120_000, "{} characters compared", fts5.len());
    assert!(differ.is_empty(), "{} differ: {:#?}", differ.len(), &differ[..differ.len().min(20)]);
}
