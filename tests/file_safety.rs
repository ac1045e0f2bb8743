//! Files are never damaged, and checks do not lie.
//!
//! - `verify` runs SQLite's integrity and foreign-key checks before the
//!   invariants: a damaged page is reported (exit 1, naming the table or index),
//!   never "ok"; a file SQLite cannot read at all is refused with exit 2.
//! - Every command refuses a damaged file with one line naming it, exit 2.
//! - `verify`, `report` and `migrate --check` only read: a mistyped path
//!   creates nothing, an old file is not migrated, a stale `-wal` beside the
//!   file is never written into it.
//! - A file that is not ours (another application's database, a 1-byte file,
//!   a text file, a device, a directory, a FIFO) is refused and left as it was.
//!
//! Everything here drives the real binary, as a user would.

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FIXTURE_KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/boxoffice-v1.keys");
const FIXTURE_DB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/boxoffice-v1.db");
/// boxoffice's `PRAGMA application_id` ("BOXF").
const OUR_MARK: i32 = 0x424F_5846;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `boxoffice --db DB ARGS…`, killing it after 30 s (opening a FIFO, say,
/// would block for ever): a killed run has no exit code.
fn boxoffice(db: &Path, args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("BOXOFFICE_DB")
        .env("BOXOFFICE_HOME", db.parent().unwrap_or(Path::new(".")))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start boxoffice");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("output");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Byte comparison without printing the file on failure.
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

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A small, real, current boxoffice file: the fixture's script run on a new
/// file, then copied with VACUUM INTO so that every page is in use (a damaged
/// free page would not be damage at all).
fn small_real_file(dir: &Path) -> PathBuf {
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let made = work.join("made.db");
    let run = boxoffice(&made, &["script", FIXTURE_KEYS, "--allow-clock"]);
    assert_eq!(run.code, Some(0), "{}", run.all());
    let base = dir.join("base.db");
    let conn = Connection::open(&made).unwrap();
    conn.execute("VACUUM INTO ?1", [base.to_str().unwrap()]).unwrap();
    drop(conn);
    let conn = Connection::open_with_flags(&base, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0)).unwrap();
    assert_eq!(free, 0);
    base
}

fn pages(path: &Path) -> (usize, usize) {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    let count: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    (size as usize, count as usize)
}

/// Page numbers (1-based) of the b-tree named `name`.
fn pages_of(path: &Path, name: &str) -> Vec<usize> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut stmt = conn.prepare("SELECT pageno FROM dbstat WHERE name = ?1 ORDER BY pageno").unwrap();
    stmt.query_map([name], |r| r.get::<_, i64>(0).map(|p| p as usize))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn root_page(path: &Path, name: &str) -> usize {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row("SELECT rootpage FROM sqlite_schema WHERE name = ?1", [name], |r| r.get::<_, i64>(0)).unwrap()
        as usize
}

/// Deterministic noise (xorshift), different for each page.
fn noise(seed: usize, len: usize) -> Vec<u8> {
    let mut x = 0x2545_F491_4F6C_DD1D_u64 ^ (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A copy of `base` at `to` with page `page` (1-based) overwritten by noise.
fn damaged_copy(base: &Path, to: &Path, page: usize) {
    let (size, _) = pages(base);
    let mut bytes = std::fs::read(base).unwrap();
    bytes[(page - 1) * size..page * size].copy_from_slice(&noise(page, size));
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
    }
    std::fs::write(to, bytes).unwrap();
}

#[test]
fn verify_never_says_ok_about_a_damaged_page() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_real_file(dir.path());
    let clean = boxoffice(&base, &["verify"]);
    assert_eq!(clean.code, Some(0), "the undamaged file verifies: {}", clean.all());
    let (_, count) = pages(&base);
    let copy = dir.path().join("damaged.db");
    let (mut caught, mut named) = (0, 0);
    let mut missed = Vec::new();
    for page in 1..=count {
        damaged_copy(&base, &copy, page);
        let run = boxoffice(&copy, &["verify"]);
        let text = run.all();
        let refused = matches!(run.code, Some(1 | 2))
            && !run.stdout.contains("ok:")
            && (text.contains("damaged") || text.contains("not a boxoffice database"));
        if refused {
            caught += 1;
            named += usize::from(text.contains("damaged: table ") || text.contains("damaged: index "));
        } else {
            missed.push(format!("page {page}: exit {:?}: {}", run.code, text.trim()));
        }
        assert!(!text.contains("panicked"), "page {page}: {text}");
    }
    println!("verify caught {caught} of {count} single-page corruptions ({named} naming the table or index)");
    assert!(missed.is_empty(), "verify missed {} of {count}:\n{}", missed.len(), missed.join("\n"));
}

#[test]
fn verify_names_the_damaged_index_table_and_job_table() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_real_file(dir.path());
    let copy = dir.path().join("damaged.db");
    for (name, kind) in
        [("holds_by_event", "index"), ("meta", "table"), ("job_runs", "table"), ("idempotency_keys", "table")]
    {
        damaged_copy(&base, &copy, root_page(&base, name));
        let run = boxoffice(&copy, &["verify"]);
        assert_eq!(run.code, Some(1), "{name}: {}", run.all());
        assert!(run.stdout.contains(&format!("damaged: {kind} {name}")), "{name}: {}", run.stdout);
        assert!(run.stdout.contains("is damaged; restore it from a backup"), "{}", run.stdout);
        assert!(!run.stdout.contains("ok:"), "{}", run.stdout);
    }
}

#[test]
fn every_command_refuses_a_file_sqlite_reports_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let base = small_real_file(dir.path());
    let copy = dir.path().join("damaged.db");
    let script = dir.path().join("look.script");
    std::fs::write(&script, "expect Events\n").unwrap();
    let script = script.to_str().unwrap();
    // The schema itself unreadable: nothing can use the file.
    let schema_page = *pages_of(&base, "sqlite_schema").iter().find(|&&p| p > 1).expect("a second schema page");
    for args in [&[][..], &["verify"], &["report"], &["migrate"], &["migrate", "--check"], &["script", script]] {
        damaged_copy(&base, &copy, schema_page);
        let before = std::fs::read(&copy).unwrap();
        let run = boxoffice(&copy, args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.all());
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: one line: {}", run.stderr);
        assert!(run.stderr.contains("damaged.db") && run.stderr.contains("damaged"), "{args:?}: {}", run.stderr);
        assert!(!run.stdout.contains("ok"), "{args:?}: {}", run.stdout);
        assert_same_bytes(&copy, &before, &format!("{args:?} leaves the damaged file as it was"));
    }
    // A damaged table the report reads: refused when SQLite meets it.
    for table in ["events", "booking_totals"] {
        damaged_copy(&base, &copy, root_page(&base, table));
        let run = boxoffice(&copy, &["report"]);
        assert_eq!(run.code, Some(2), "{table}: {}", run.all());
        assert!(run.stderr.contains("damaged.db: the database file is damaged"), "{table}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
}

#[test]
fn a_mistyped_path_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("no").join("such").join("boxofice.db");
    for args in [&["verify"][..], &["report"], &["migrate"], &["migrate", "--check"]] {
        let run = boxoffice(&typo, args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.all());
        assert_eq!(
            run.stderr.trim(),
            format!("boxoffice: no database at {}; check --db or $BOXOFFICE_DB", typo.display())
        );
        assert!(listing(dir.path()).is_empty(), "{args:?} created {:?}", listing(dir.path()));
    }
}

#[test]
fn verify_and_report_refuse_an_older_file_and_say_to_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    std::fs::write(&db, std::fs::read(FIXTURE_DB).unwrap()).unwrap();
    let before = std::fs::read(&db).unwrap();
    for args in [&["verify"][..], &["report"]] {
        let run = boxoffice(&db, args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.all());
        assert!(
            run.stderr.contains("schema version 1") && run.stderr.contains("run `boxoffice migrate`"),
            "{}",
            run.stderr
        );
        assert_same_bytes(&db, &before, &format!("{args:?} does not migrate"));
    }
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 1);
}

#[test]
fn a_stale_wal_from_another_file_is_never_written_into_the_main_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = small_real_file(dir.path());
    let run = boxoffice(&good, &["verify"]);
    assert_eq!(run.code, Some(0), "{}", run.all());
    // Another boxoffice file with committed changes still in its -wal: every
    // booking cancelled behind the engine's back.
    let other = dir.path().join("other.db");
    std::fs::copy(&good, &other).unwrap();
    let conn = Connection::open(&other).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;").unwrap();
    conn.execute_batch("UPDATE bookings SET status = 'EXPIRED'; INSERT INTO meta VALUES ('stale', 'wal');").unwrap();
    let stale = std::fs::read(format!("{}-wal", other.display())).unwrap();
    assert!(stale.len() > 32, "the other file's -wal has frames");
    drop(conn);

    let before = std::fs::read(&good).unwrap();
    for args in [&["verify"][..], &["report"], &["migrate", "--check"]] {
        std::fs::write(format!("{}-wal", good.display()), &stale).unwrap();
        let _ = std::fs::remove_file(format!("{}-shm", good.display()));
        let run = boxoffice(&good, args);
        assert!(!run.all().contains("panicked"), "{}", run.all());
        assert_same_bytes(&good, &before, &format!("{args:?} with a stale -wal beside the file"));
    }
}

/// Files that are not boxoffice databases: each must be refused by every
/// command, with one line naming it, and stay byte-for-byte as it was.
fn not_ours(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let mut files = Vec::new();
    let p = dir.join("notes.sqlite");
    Connection::open(&p)
        .unwrap()
        .execute_batch(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me');",
        )
        .unwrap();
    files.push(("another application's SQLite file", p));
    let p = dir.join("geo.gpkg");
    Connection::open(&p)
        .unwrap()
        .execute_batch("PRAGMA application_id = 1196444487; CREATE TABLE gpkg_contents (table_name TEXT);")
        .unwrap();
    files.push(("a file marked by another application", p));
    let p = dir.join("wal-notes.sqlite");
    let conn = Connection::open(&p).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x');")
        .unwrap();
    drop(conn);
    files.push(("another application's WAL-mode file", p));
    let p = dir.join("version1-lookalike.db");
    Connection::open(&p).unwrap().execute_batch("CREATE TABLE meta (key, value); PRAGMA user_version = 1;").unwrap();
    files.push(("a version-1 lookalike without our tables", p));
    let p = dir.join("one-byte.db");
    std::fs::write(&p, b"x").unwrap();
    files.push(("a 1-byte file", p));
    let p = dir.join("readme.txt");
    std::fs::write(&p, "These are my notes.\n".repeat(20)).unwrap();
    files.push(("a text file", p));
    files
}

#[test]
fn a_file_that_is_not_ours_is_refused_by_every_command_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("look.script");
    std::fs::write(&script, "expect Events\n").unwrap();
    let script = script.to_str().unwrap().to_string();
    let files_dir = dir.path().join("files");
    std::fs::create_dir(&files_dir).unwrap();
    for (what, path) in not_ours(&files_dir) {
        for args in
            [&[][..], &["verify"], &["report"], &["migrate"], &["migrate", "--check"], &["script", script.as_str()]]
        {
            let before = std::fs::read(&path).unwrap();
            let around = listing(&files_dir);
            let run = boxoffice(&path, args);
            assert_eq!(run.code, Some(2), "{what} {args:?}: {}", run.all());
            assert_eq!(run.stderr.lines().count(), 1, "{what} {args:?}: {}", run.stderr);
            let name = path.file_name().unwrap().to_string_lossy();
            assert!(
                run.stderr.contains(&*name) && run.stderr.contains("not a boxoffice database"),
                "{what} {args:?}: {}",
                run.stderr
            );
            assert_same_bytes(&path, &before, &format!("{what} {args:?}"));
            if !what.contains("WAL") {
                assert_eq!(
                    listing(&files_dir),
                    around,
                    "{what} {args:?}: nothing made beside it (no journal, no logs)"
                );
            }
        }
    }
}

#[test]
fn an_empty_file_or_an_empty_database_becomes_a_new_boxoffice_file() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    // The read-only commands have nothing to read in it, and leave it empty.
    for args in [&["verify"][..], &["report"]] {
        let run = boxoffice(&empty, args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.all());
        assert!(run.stderr.contains("empty.db") && run.stderr.contains("empty"), "{}", run.stderr);
        assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
    }
    // A SQLite file with no tables and version 0 is new too.
    let bare = dir.path().join("bare.db");
    Connection::open(&bare).unwrap().execute_batch("PRAGMA journal_mode = WAL").unwrap();
    for db in [&empty, &bare] {
        let run = boxoffice(db, &["migrate"]);
        assert_eq!(run.code, Some(0), "{}", run.all());
        assert!(
            run.stdout.contains("applied: 0001_init") && run.stdout.contains("applied: 0002_application_id"),
            "{}",
            run.stdout
        );
        let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let mark: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap();
        assert_eq!(mark, OUR_MARK, "a new file is stamped");
        drop(conn);
        let run = boxoffice(db, &["verify"]);
        assert_eq!(run.code, Some(0), "{}", run.all());
    }
}

#[test]
fn only_regular_files_are_databases() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.db");
    let made = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let mut paths = vec![(PathBuf::from("/dev/null"), "a character device"), (dir.path().to_path_buf(), "a directory")];
    if made {
        paths.push((fifo.clone(), "a FIFO"));
    } else {
        eprintln!("skipped the FIFO: mkfifo is not available here");
    }
    for (path, kind) in &paths {
        for args in [&[][..], &["verify"], &["report"], &["migrate"], &["migrate", "--check"]] {
            let run = boxoffice(path, args);
            assert_eq!(run.code, Some(2), "{kind} {args:?}: {}", run.all());
            assert_eq!(
                run.stderr.trim(),
                format!(
                    "boxoffice: {}: not a regular file ({kind}); the database must be a regular file",
                    path.display()
                ),
                "{args:?}"
            );
        }
    }
    let scripts = tempfile::tempdir().unwrap();
    let script = scripts.path().join("look.script");
    std::fs::write(&script, "expect Events\n").unwrap();
    for (path, kind) in &paths {
        let run = boxoffice(path, &["script", script.to_str().unwrap()]);
        assert_eq!(run.code, Some(2), "{kind}: {}", run.all());
        assert!(run.stderr.contains(&format!("not a regular file ({kind})")), "{}", run.stderr);
    }
    for made_by_mistake in ["/dev/null-journal", "/dev/null-wal", "/dev/null-shm", "/dev/logs"] {
        assert!(!Path::new(made_by_mistake).exists(), "{made_by_mistake} was created");
    }
    let expected: Vec<String> = if made { vec!["pipe.db".into()] } else { vec![] };
    assert_eq!(listing(dir.path()), expected, "nothing made beside the FIFO or in the directory");
}
