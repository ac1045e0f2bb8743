//! Copies of a database file: a consistent snapshot taken while counters
//! keep selling, the checks a copy must pass, and restoring one in place.
//!
//! The snapshot is `VACUUM INTO`, not the online backup API: it copies the
//! database as of one read transaction (in WAL mode readers never block
//! writers, and writers never make it start over, as they do the backup API
//! copying step by step), it writes only live rows — free pages, which may
//! still hold a customer's erased details, stay behind — and the copy comes
//! out compact. SQLite does not sync the copy; [`snapshot`] does, before the
//! copy gets its name.
//!
//! Restoring writes the checked copy into the live file through the backup
//! API on a connection holding the file's exclusive lock: no other process
//! can have it open meanwhile (an idle WAL connection holds a shared lock on
//! the file, so the exclusive one is refused while any counter, script or
//! job is connected), and the pages go in through SQLite's own journal, so
//! a crash half-way leaves the old file, never a mix.

use super::file::OnDisk;
use super::{Durability, at, checks, integrity, migrate, open_migrated, open_read_only, sibling};
use crate::error::{Error, Result};
use crate::paths::Access;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a copy holds, for the backup and restore reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub bytes: u64,
    pub version: i64,
    pub events: i64,
    pub bookings: i64,
    pub audit_rows: i64,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bytes, schema version {}: {} events, {} bookings, {} audit rows",
            self.bytes, self.version, self.events, self.bookings, self.audit_rows
        )
    }
}

/// What checking a file found: its figures, and every problem (SQLite's own
/// integrity checks, then each broken invariant); none means it verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub figures: Figures,
    pub problems: Vec<String>,
}

/// Writes `conn`'s database, as of one read transaction, to the new file
/// `dest` (private, like the database), and syncs it. `dest` must not exist;
/// on failure nothing is left there.
pub fn snapshot(conn: &Connection, dest: &Path) -> Result<()> {
    let access = Access::from_env().map_err(|e| Error::Storage(e.to_string()))?;
    let target =
        dest.to_str().ok_or_else(|| Error::Storage(format!("{}: the backup's path must be UTF-8", dest.display())))?;
    // VACUUM INTO accepts an empty file: made first, it has our mode.
    access.create_new(dest).map_err(|e| Error::io(format!("cannot create {}", dest.display()), e))?;
    let written = (|| {
        conn.execute("VACUUM INTO ?1", [target])?;
        let file = std::fs::File::open(dest).map_err(|e| Error::io(format!("cannot open {}", dest.display()), e))?;
        file.sync_all().map_err(|e| Error::io(format!("cannot sync {}", dest.display()), e))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(dest);
    }
    written
}

/// A read-only connection that can run `VACUUM INTO` (`query_only` would
/// refuse it) and never checkpoints: a backup of a file in use changes nothing in it.
pub fn connect_snapshot(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    conn.busy_timeout(super::BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Checks the file at `path` read-only: SQLite's integrity and foreign-key
/// checks, then (if it is sound and of this version's schema) every
/// invariant; and counts what it holds. A file of an older schema (a backup
/// taken before an upgrade) gets SQLite's checks only.
pub fn check(path: &Path) -> Result<Checked> {
    let latest = match super::check_file(path)? {
        OnDisk::Sqlite => {
            migrate::inspect(&super::connect_read_only(path).map_err(|e| at(path, e))?, migrate::LATEST)
                .map_err(|e| at(path, e))?
                .version()
                == migrate::LATEST
        }
        _ => return Err(at(path, Error::Storage("no boxoffice data there (missing or empty)".into()))),
    };
    let conn = if latest { open_read_only(path)? } else { super::connect_read_only(path).map_err(|e| at(path, e))? };
    let mut problems = integrity::damage(&conn).map_err(|e| at(path, e))?;
    // A damaged b-tree can hide rows from the invariant queries.
    if problems.is_empty() && latest {
        problems = checks::verify_sqlite(&conn).map_err(|e| at(path, e))?;
    }
    Ok(Checked { figures: figures(&conn, path).map_err(|e| at(path, e))?, problems })
}

fn figures(conn: &Connection, path: &Path) -> Result<Figures> {
    let count = |table: &str| -> Result<i64> {
        Ok(conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
    };
    Ok(Figures {
        bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        version: conn.query_row("PRAGMA user_version", [], |r| r.get(0))?,
        events: count("events")?,
        bookings: count("bookings")?,
        audit_rows: count("audit_log")?,
    })
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// Where the file that was replaced is kept (None: there was none).
    pub replaced: Option<PathBuf>,
    /// The restored file, checked after.
    pub after: Checked,
}

/// Replaces the database at `db` with the backup `src`:
/// 1. `src` is copied beside `db`, brought up to this version's schema and
///    checked; a copy that does not verify is refused, nothing changed.
/// 2. `db` is locked exclusively; if any other process has it open, refused.
/// 3. The file being replaced is kept as `<db>.replaced-<stamp>` (complete:
///    a snapshot through the locked connection, WAL included).
/// 4. The checked copy is written into `db` through SQLite's backup API (one
///    journaled transaction), then `db` is checked again.
pub fn restore(db: &Path, src: &Path, durability: Durability, stamp: &str) -> Result<Restored> {
    match super::check_file(src)? {
        OnDisk::Sqlite => {}
        _ => return Err(Error::Storage(format!("{}: no backup there (missing or empty)", src.display()))),
    }
    if let (Ok(a), Ok(b)) = (src.canonicalize(), db.canonicalize())
        && a == b
    {
        return Err(Error::Storage(format!("{}: that is the database itself; name a backup", src.display())));
    }
    let on_disk = super::check_file(db)?;
    let temp = sibling(db, &format!(".restoring-{}", std::process::id()));
    remove_with_journals(&temp);
    let prepared = (|| {
        snapshot(&connect_snapshot(src).map_err(|e| super::at(src, e))?, &temp)?;
        // An older backup is brought up to this version, as the app would on open.
        drop(open_migrated(&temp, durability)?);
        let checked = check(&temp)?;
        if !checked.problems.is_empty() {
            return Err(Error::Storage(format!(
                "{} does not verify, so it was not restored (nothing changed):\n  {}",
                src.display(),
                checked.problems.join("\n  ")
            )));
        }
        Ok(())
    })();
    if let Err(e) = prepared {
        remove_with_journals(&temp);
        return Err(e);
    }
    let replaced = match on_disk {
        OnDisk::Sqlite => {
            let kept = sibling(db, &format!(".replaced-{stamp}"));
            let swapped = replace_locked(db, &temp, &kept);
            remove_with_journals(&temp);
            swapped?;
            Some(kept)
        }
        // Nothing to keep: the checked copy becomes the file.
        _ => {
            std::fs::rename(&temp, db)
                .map_err(|e| Error::io(format!("cannot move the backup to {}", db.display()), e))?;
            sync_dir(db);
            None
        }
    };
    Ok(Restored { replaced, after: check(db)? })
}

/// Under `db`'s exclusive lock: keeps it as `kept`, then writes `from` into it.
fn replace_locked(db: &Path, from: &Path, kept: &Path) -> Result<()> {
    let mut lock = lock_exclusive(db)?;
    snapshot(&lock, kept)?;
    let source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let backup = rusqlite::backup::Backup::new(&source, &mut lock)?;
    // All pages in one step: one transaction on the locked file.
    let copied = match backup.step(-1) {
        Ok(rusqlite::backup::StepResult::Done) => Ok(()),
        Ok(other) => Err(format!("the copy stopped early ({other:?})")),
        Err(e) => Err(e.to_string()),
    };
    copied.map_err(|why| {
        Error::Storage(format!(
            "cannot write the backup into {} ({why}); the file is unchanged and kept as {}",
            db.display(),
            kept.display()
        ))
    })?;
    drop(backup);
    // Closing the only connection checkpoints the WAL into the file.
    lock.close().map_err(|(_, e)| Error::from(e))
}

/// A connection holding `db`'s exclusive lock until it closes, or — when any
/// other connection (another process) has the file open — a refusal.
pub fn lock_exclusive(db: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_millis(500))?;
    // Set before the first read: the lock, once taken, is kept after COMMIT,
    // and the WAL index lives in this process's memory, not in -shm.
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    match conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;") {
        Ok(()) => Ok(conn),
        Err(e) if super::is_busy(&e) => Err(Error::Storage(format!(
            "{} is open in another process (a counter, a script, a job or a backup); close every \
             boxoffice on it and try again; nothing was changed",
            db.display()
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Removes `path` and its -wal/-shm, if there.
fn remove_with_journals(path: &Path) {
    for p in [path.to_path_buf(), sibling(path, "-wal"), sibling(path, "-shm"), sibling(path, "-journal")] {
        let _ = std::fs::remove_file(p);
    }
}

/// Makes a rename in `path`'s folder durable (best effort: not every file
/// system can sync a folder).
pub fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().map(|d| if d.as_os_str().is_empty() { Path::new(".") } else { d })
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}
