//! Where boxoffice keeps its files.

use std::path::PathBuf;

/// The data directory: `$BOXOFFICE_HOME` if set, else the platform's user data
/// dir (e.g. `~/.local/share/boxoffice` on Linux).
pub fn data_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("BOXOFFICE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home);
    }
    directories::ProjectDirs::from("", "", "boxoffice")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".boxoffice"))
}

/// The database: `--db`, else `$BOXOFFICE_DB`, else `boxoffice.db` in the data dir.
pub fn default_db() -> PathBuf {
    match std::env::var_os("BOXOFFICE_DB").filter(|v| !v.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => data_dir().join("boxoffice.db"),
    }
}

/// This host's folder for a PostgreSQL database (the app log, the JSON-lines
/// audit log its shipper writes, CSV exports): `postgres/USER@HOST_PORT_DBNAME`
/// in the data dir. The database is on the server; these files are the host's,
/// one folder per database, named without the password.
pub fn server_dir(url: &str) -> PathBuf {
    let shown = crate::store::pg::redact(url);
    let name: String = shown
        .trim_start_matches("postgres://")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '-' | '_') { c } else { '_' })
        .collect();
    data_dir().join("postgres").join(name)
}

/// Logs (the app log and the JSON-lines audit log) live beside the database
/// (a PostgreSQL database's: in its [`server_dir`] on this host).
pub fn log_dir_for(db: &std::path::Path) -> PathBuf {
    if let Some(url) = url_of(db) {
        return server_dir(url).join("logs");
    }
    db.parent().filter(|p| !p.as_os_str().is_empty()).map(|p| p.join("logs")).unwrap_or_else(|| PathBuf::from("logs"))
}

/// CSV exports go in the database's directory: the data dir unless `--db`
/// says otherwise (a PostgreSQL database's: its [`server_dir`] on this host).
pub fn export_dir_for(db: &std::path::Path) -> PathBuf {
    if let Some(url) = url_of(db) {
        return server_dir(url);
    }
    db.parent().filter(|p| !p.as_os_str().is_empty()).map(|p| p.to_path_buf()).unwrap_or_else(|| PathBuf::from("."))
}

/// `db` as a PostgreSQL URL, if it is one.
fn url_of(db: &std::path::Path) -> Option<&str> {
    db.to_str().filter(|t| crate::store::db::is_postgres_url(t))
}

/// The daily backups the tick takes: `backups/` beside the database.
pub fn backup_dir_for(db: &std::path::Path) -> PathBuf {
    export_dir_for(db).join("backups")
}

// ---- who may read the files that hold customers' data --------------------------

/// The environment variable naming the group that may also read and write the
/// data (several counters run by different users); unset: the owner only.
pub const GROUP_VAR: &str = "BOXOFFICE_GROUP";

/// Who may read the database, its `-wal`/`-shm`, the logs, exports and
/// backups: they hold customers' names, emails and phones. By default the
/// owner only (files 0600, folders 0700); with `$BOXOFFICE_GROUP` set, that
/// group too (files 0660, folders 2770: set-group-id, so what SQLite and the
/// log writer create inside inherits the group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    group: Option<(String, nix::unistd::Gid)>,
}

impl Access {
    /// From `$BOXOFFICE_GROUP`; a group that does not exist is an error.
    pub fn from_env() -> std::io::Result<Access> {
        let Some(name) = std::env::var(GROUP_VAR).ok().filter(|v| !v.trim().is_empty()) else {
            return Ok(Access { group: None });
        };
        let name = name.trim().to_string();
        match nix::unistd::Group::from_name(&name) {
            Ok(Some(g)) => Ok(Access { group: Some((name, g.gid)) }),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{GROUP_VAR}={name}: there is no such group on this computer"),
            )),
        }
    }

    pub fn group(&self) -> Option<&str> {
        self.group.as_ref().map(|(n, _)| n.as_str())
    }

    pub fn file_mode(&self) -> u32 {
        if self.group.is_some() { 0o660 } else { 0o600 }
    }

    pub fn dir_mode(&self) -> u32 {
        if self.group.is_some() { 0o2770 } else { 0o700 }
    }

    /// Sets the process's umask to match, so files made by SQLite (`-wal`,
    /// `-shm`) and by the log writer are no more open than ours.
    pub fn apply_umask(&self) {
        let mask = if self.group.is_some() { 0o007 } else { 0o077 };
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(mask));
    }

    /// Creates `dir` and its missing parents; each folder it makes gets the
    /// folder mode (and the group). Existing folders are left as they are.
    pub fn create_dir(&self, dir: &std::path::Path) -> std::io::Result<()> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if dir.as_os_str().is_empty() || dir.is_dir() {
            return Ok(());
        }
        if let Some(parent) = dir.parent() {
            self.create_dir(parent)?;
        }
        match std::fs::DirBuilder::new().mode(self.dir_mode() & 0o777).create(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
            Err(e) => return Err(e),
        }
        self.give_to_group(dir)?;
        // The mode passed to mkdir is cut by the umask and cannot carry set-group-id.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(self.dir_mode()))
    }

    /// Opens `path` for appending, creating it with the file mode if missing.
    pub fn open_append(&self, path: &std::path::Path) -> std::io::Result<std::fs::File> {
        self.open(path, std::fs::OpenOptions::new().read(true).append(true).create(true))
    }

    /// Creates `path`, which must not exist yet, with the file mode.
    pub fn create_new(&self, path: &std::path::Path) -> std::io::Result<std::fs::File> {
        self.open(path, std::fs::OpenOptions::new().read(true).write(true).create_new(true))
    }

    fn open(&self, path: &std::path::Path, options: &mut std::fs::OpenOptions) -> std::io::Result<std::fs::File> {
        use std::os::unix::fs::OpenOptionsExt;
        let existed = path.exists();
        let file = options.mode(self.file_mode()).open(path)?;
        if !existed {
            self.give_to_group(path)?;
        }
        Ok(file)
    }

    fn give_to_group(&self, path: &std::path::Path) -> std::io::Result<()> {
        if let Some((name, gid)) = &self.group {
            nix::unistd::chown(path, None, Some(*gid)).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!("cannot give {} to the group {name} ({GROUP_VAR}): {e}", path.display()),
                )
            })?;
        }
        Ok(())
    }

    /// Takes away from `path` (if it exists and is ours) what this policy
    /// does not allow: files made world-readable by an earlier version
    /// become private. Never adds a permission. Returns whether it changed it.
    pub fn tighten(&self, path: &std::path::Path) -> std::io::Result<bool> {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let Ok(meta) = std::fs::symlink_metadata(path) else { return Ok(false) };
        if meta.uid() != nix::unistd::geteuid().as_raw() || meta.file_type().is_symlink() {
            return Ok(false);
        }
        let allowed = if self.group.is_some() { 0o7770 } else { 0o7700 };
        let mode = meta.mode() & 0o7777;
        if mode & !allowed == 0 {
            return Ok(false);
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & allowed))?;
        Ok(true)
    }
}
