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

/// Logs (the app log and the JSON-lines audit log) live beside the database.
pub fn log_dir_for(db: &std::path::Path) -> PathBuf {
    db.parent().filter(|p| !p.as_os_str().is_empty()).map(|p| p.join("logs")).unwrap_or_else(|| PathBuf::from("logs"))
}

/// CSV exports go in the database's directory: the data dir unless `--db` says otherwise.
pub fn export_dir_for(db: &std::path::Path) -> PathBuf {
    db.parent().filter(|p| !p.as_os_str().is_empty()).map(|p| p.to_path_buf()).unwrap_or_else(|| PathBuf::from("."))
}
