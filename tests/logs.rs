//! Log files roll daily and are kept for the venue's `log_days`: the JSON
//! audit log's own writer removes older days; the app log keeps its newest
//! `log_days` files (tracing-appender's `max_log_files`).

mod common;
use boxoffice::clock::{Clock, ManualClock};
use boxoffice::jobs::{AuditSink, DailyLog};
use boxoffice::{Config, Context, Desk};
use common::tmux::{start_app, tmux_available};
use std::sync::Arc;

#[test]
fn the_audit_log_keeps_the_last_n_days_and_nothing_else_is_touched() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("notes.txt"), "mine").expect("a file that is not a log");
    std::fs::write(dir.path().join("audit.someday.jsonl"), "not dated").expect("odd name");
    let clock = Arc::new(ManualClock::new(common::t0()));
    let mut log = DailyLog::new(dir.path()).with_clock(clock.clone());
    log.keep_days(3);
    for day in 0..6 {
        log.append(&[format!("{{\"seq\":{day}}}")]).expect("append");
        clock.advance(chrono::Duration::days(1));
    }
    assert_eq!(
        common::names_in(dir.path()),
        [
            "audit.2026-06-04.jsonl",
            "audit.2026-06-05.jsonl",
            "audit.2026-06-06.jsonl",
            "audit.someday.jsonl",
            "notes.txt"
        ]
    );
    // Raising the setting keeps more from then on; lowering it removes at once.
    log.keep_days(1);
    log.append(&["{\"seq\":6}".into()]).expect("append");
    let today = format!("audit.{}.jsonl", clock.now().format("%Y-%m-%d"));
    assert_eq!(common::names_in(dir.path()), [today.as_str(), "audit.someday.jsonl", "notes.txt"]);
}

#[test]
fn the_app_log_keeps_the_newest_log_days_files() {
    if !tmux_available() {
        eprintln!("SKIP logs: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("boxoffice.db");
    {
        let config = Config { pin_cost: boxoffice::PinCost::Fast, ..Config::default() };
        let desk = Desk::open(&db, Context::system(config), "clerk:setup").expect("open");
        desk.create_first_supervisor("Sue", "1111").expect("a supervisor");
        desk.set_setting("log_days", "3").expect("set");
    }
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).expect("logs");
    for d in 1..=9 {
        std::fs::write(logs.join(format!("boxoffice.log.2026-01-0{d}")), "old\n").expect("old log");
        // tracing-appender orders files by creation time, which the kernel
        // keeps in ticks of a few ms: days apart in real life.
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let tmux = start_app(&db, "-logs");
    tmux.wait_text("tick ok");
    // The app waits on its sign-in (the file has a clerk, no demo): Ctrl-C quits anywhere.
    tmux.send(&["C-c"]);
    let s = tmux.wait_for("the exit status", |s| s.lines().any(|l| l.starts_with("BOXOFFICE_EXIT=")));
    assert!(s.contains("BOXOFFICE_EXIT=0"), "{s}");
    let app_logs: Vec<String> =
        common::names_in(&logs).into_iter().filter(|n| n.starts_with("boxoffice.log")).collect();
    assert_eq!(app_logs.len(), 3, "today's and the two newest old ones: {app_logs:?}");
    assert!(app_logs.contains(&"boxoffice.log.2026-01-09".to_string()), "{app_logs:?}");
}
