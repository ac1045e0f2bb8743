//! The venue's zone and settings on a real terminal (tmux, as in
//! `real_terminal.rs`): with the terminal in New York, the demo venue in
//! Kolkata still shows Hamlet at 19:30 and its zone on the status bar, and a
//! setting edited on the Settings screen is in the file for the CLI to read.
//! Skipped, with a note, when tmux is not installed.

mod common;
use common::tmux::{start_app_with, tmux_available};
use std::process::Command;

#[test]
fn the_venues_zone_wins_over_the_terminals_and_a_setting_edited_by_keys_reaches_the_file() {
    if !tmux_available() {
        eprintln!("SKIP real_terminal_venue: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("boxoffice.db");
    let tmux = start_app_with(&db, "-venue", "TZ=America/New_York");
    let s = tmux.wait_text("Hamlet at the Grand Theatre");
    let hamlet = s.lines().find(|l| l.contains("Hamlet at the Grand Theatre")).unwrap_or_default();
    assert!(hamlet.contains("19:30"), "Hamlet is at 19:30 in Kolkata, whatever the terminal's TZ:\n{s}");
    assert!(s.contains("+05:30 Asia/Kolkata"), "the status bar names the venue's zone:\n{s}");

    // The Settings screen, from the events list: the demo venue's values, from its file.
    tmux.send(&["S"]);
    let s = tmux.wait_text("Venue settings · Grand Theatre (demo)");
    let zone = s.lines().find(|l| l.contains(" time_zone ")).unwrap_or_default();
    assert!(zone.contains("Asia/Kolkata") && zone.contains("venue file"), "{s}");
    // hold_minutes is the first row: edit it in place.
    tmux.send(&["Enter", "C-u"]);
    tmux.type_text("3");
    tmux.send(&["Enter"]);
    tmux.wait_text("hold_minutes: 5 → 3 (audited");
    tmux.send(&["Escape"]);
    tmux.wait_for("the events list", |s| !s.contains("Venue settings"));
    tmux.send(&["q"]);
    let s = tmux.wait_for("the exit status", |s| s.lines().any(|l| l.starts_with("BOXOFFICE_EXIT=")));
    assert!(s.contains("BOXOFFICE_EXIT=0"), "{s}");

    let bin = env!("CARGO_BIN_EXE_boxoffice");
    let get = Command::new(bin).arg("--db").arg(&db).args(["settings", "get", "hold_minutes"]).output().expect("cli");
    assert_eq!(String::from_utf8_lossy(&get.stdout).trim(), "3");
}
