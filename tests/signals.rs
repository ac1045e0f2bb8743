//! Closing the terminal window (SIGHUP) or a kill (SIGTERM) closes the
//! database as `q` does: the WAL is checkpointed into the main file, so a
//! copy of `boxoffice.db` alone holds every sale. (Before, the hang-up made
//! the terminal's restore panic inside the panic hook: an abort, with every
//! connection left open and the data only in the `-wal` file.)
//!
//! Skipped, with a note, when tmux is not installed (CI installs it).

mod common;
use common::tmux::{Tmux, start_app, tmux_available, wait_ended};
use rusqlite::Connection;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Holds two seats of Hamlet and books them for Jane, paid.
fn sell(tmux: &Tmux) {
    tmux.wait_text("Hamlet at the Grand Theatre");
    tmux.wait_text("tick ok");
    tmux.hold_and_type_jane("2", "Held A10 A11 until");
    tmux.send(&["Enter"]);
    tmux.wait_text("PAYMENT_PENDING");
    tmux.send(&["s"]);
    tmux.wait_text("4 Receipt");
}

/// Copies the main file alone (as a clerk copying `boxoffice.db` would) and
/// counts Jane's confirmed bookings in the copy.
fn confirmed_in_a_copy_of_the_main_file(db: &Path) -> i64 {
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("copy.db");
    std::fs::copy(db, &copy).expect("copy the main file");
    let conn = Connection::open(&copy).expect("open the copy");
    conn.query_row(
        "SELECT count(*) FROM bookings b JOIN customers c ON c.id = b.customer_id
         WHERE c.email = 'jane@example.com' AND b.status = 'CONFIRMED'",
        [],
        |r| r.get(0),
    )
    .expect("the copy is a whole box office")
}

#[test]
fn closing_the_terminal_window_leaves_every_sale_in_the_main_file() {
    if !tmux_available() {
        eprintln!("SKIP signals: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("boxoffice.db");
    let tmux = start_app(&db, "-hup");
    sell(&tmux);
    let pid = tmux.app_pid().expect("the app runs under the shell");
    // The window closes: tmux closes the pty, the kernel hangs it up and
    // sends SIGHUP; every write to the terminal fails from here on.
    let out = tmux.run(&["kill-pane", "-t", "clerk"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    wait_ended(pid);

    assert!(!boxoffice::store::sibling(&db, "-wal").exists(), "the last connection checkpointed and removed the WAL");
    assert_eq!(confirmed_in_a_copy_of_the_main_file(&db), 1);
    // The app log (made only by the app) is private too.
    let logs = dir.path().join("logs");
    assert_eq!(std::fs::metadata(&logs).expect("logs").permissions().mode() & 0o777, 0o700);
    let app_logs: Vec<_> = std::fs::read_dir(&logs)
        .expect("list")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("boxoffice.log"))
        .collect();
    assert!(!app_logs.is_empty());
    for f in app_logs {
        assert_eq!(f.metadata().expect("meta").permissions().mode() & 0o777, 0o600, "{:?}", f.path());
    }
}

#[test]
fn sigterm_closes_the_database_like_q() {
    if !tmux_available() {
        eprintln!("SKIP signals: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("boxoffice.db");
    let tmux = start_app(&db, "-term");
    sell(&tmux);
    let pid = tmux.app_pid().expect("the app runs under the shell");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGTERM).expect("kill");
    let s = tmux.wait_for("the exit status", |s| s.lines().any(|l| l.starts_with("BOXOFFICE_EXIT=")));
    assert!(s.contains("BOXOFFICE_EXIT=0"), "a kill ends the app as q does:\n{s}");
    assert_eq!(tmux.display("#{alternate_on}"), "0", "the terminal was restored");
    wait_ended(pid);
    assert!(!boxoffice::store::sibling(&db, "-wal").exists());
    assert_eq!(confirmed_in_a_copy_of_the_main_file(&db), 1);
}
