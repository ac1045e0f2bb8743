//! What is at a database path, judged without SQLite touching it: nothing yet,
//! an empty file, something that starts like SQLite, or something boxoffice must
//! refuse (a directory, a device such as `/dev/null`, a FIFO, a 1-byte file, a
//! text file). Nothing here writes.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// The first 16 bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// A SQLite file is at least its 100-byte header.
const HEADER_LEN: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDisk {
    Missing,
    /// A regular file of 0 bytes: a new database may be built in it.
    Empty,
    /// A regular file with a SQLite header; SQLite decides the rest.
    Sqlite,
}

/// Looks at `path` (following symlinks) and refuses what can never be a
/// database file. The message does not name the path; the caller adds it.
pub fn look(path: &Path) -> Result<OnDisk> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OnDisk::Missing),
        Err(e) => return Err(Error::Storage(format!("cannot look at the file: {e}"))),
    };
    if !meta.is_file() {
        return Err(Error::Storage(format!(
            "not a regular file ({}); the database must be a regular file",
            kind_of(&meta.file_type())
        )));
    }
    if meta.len() == 0 {
        return Ok(OnDisk::Empty);
    }
    let not_ours = |why: &str| Error::Storage(format!("not a boxoffice database ({why}); it was left unchanged"));
    if meta.len() < HEADER_LEN {
        return Err(not_ours(&format!("not SQLite: only {} byte(s)", meta.len())));
    }
    let mut header = [0u8; HEADER_LEN as usize];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .map_err(|e| Error::Storage(format!("cannot read the file: {e}")))?;
    if &header[..16] != SQLITE_MAGIC {
        return Err(not_ours("not SQLite"));
    }
    // Another application's mark is final: refuse without letting SQLite open
    // the file (which may leave -wal/-shm files beside it).
    let app_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    if app_id != 0 && app_id != super::migrate::APPLICATION_ID {
        return Err(super::migrate::foreign(app_id));
    }
    Ok(OnDisk::Sqlite)
}

fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() { "a directory" } else { "not a regular file" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_sorted_without_opening_them_as_databases() {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name);
        assert_eq!(look(&p("missing.db")).unwrap(), OnDisk::Missing);
        std::fs::write(p("empty.db"), b"").unwrap();
        assert_eq!(look(&p("empty.db")).unwrap(), OnDisk::Empty);
        std::fs::write(p("one.db"), b"x").unwrap();
        assert!(look(&p("one.db")).unwrap_err().to_string().contains("only 1 byte(s)"));
        std::fs::write(p("text.db"), "hello\n".repeat(100)).unwrap();
        assert!(look(&p("text.db")).unwrap_err().to_string().contains("not SQLite"));
        assert!(look(dir.path()).unwrap_err().to_string().contains("a directory"));
        #[cfg(unix)]
        assert!(look(Path::new("/dev/null")).unwrap_err().to_string().contains("a character device"));
        let conn = rusqlite::Connection::open(p("real.db")).unwrap();
        conn.execute_batch("CREATE TABLE t (x)").unwrap();
        assert_eq!(look(&p("real.db")).unwrap(), OnDisk::Sqlite);
        conn.execute_batch("PRAGMA application_id = 7").unwrap();
        assert!(
            look(&p("real.db")).unwrap_err().to_string().contains("another application (application_id 0x00000007)")
        );
    }
}
