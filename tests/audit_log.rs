//! The audit trail is never lost: whoever ships a file's rows (the app, a
//! script on the file) writes them to that file's log; a failed write (a full
//! disk) leaves whole lines and moves nothing, and the next batch catches up;
//! a failing job is shown, not hidden behind "tick ok".

mod common;
use boxoffice::domain::PaymentOutcome;
use boxoffice::jobs::{DailyLog, Job, Jobs, RunOutcome, TickThread, audit_log_sink};
use boxoffice::tui::headless::Headless;
use boxoffice::{Config, Context, Desk};
use common::World;
use common::tmpfs::Tmpfs;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// Every line of every `audit.*.jsonl` in `dir`, each checked to be a whole JSON object.
fn log_lines(dir: &Path) -> Vec<serde_json::Value> {
    let mut files: Vec<_> =
        std::fs::read_dir(dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("audit.") && n.ends_with(".jsonl"))
    });
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read the log");
        assert!(text.is_empty() || text.ends_with('\n'), "{} ends in a torn line: {:?}", f.display(), tail(&text));
        for line in text.lines() {
            out.push(
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("{}: not a whole line ({e}): {line}", f.display())),
            );
        }
    }
    out
}

fn tail(text: &str) -> &str {
    &text[text.len().saturating_sub(80)..]
}

fn seqs(lines: &[serde_json::Value]) -> Vec<i64> {
    lines.iter().map(|l| l["seq"].as_i64().expect("each line has its seq")).collect()
}

fn cursor(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("SELECT coalesce((SELECT value FROM meta WHERE key = 'audit_ship_cursor'), '0')", [], |r| {
        r.get::<_, String>(0)
    })
    .expect("cursor")
    .parse()
    .expect("a number")
}

/// `n` paid sales: about five audit rows each.
fn sales(w: &World, n: usize) {
    let e = w.ga(u32::try_from(n).expect("small") * 2, 1_000);
    for i in 0..n {
        let b = w.booking(&e, 1);
        w.desk.pay(&b.id, PaymentOutcome::Success, &format!("pay-{}-{i}", e.id), None).expect("pay");
    }
}

#[test]
fn a_script_on_a_file_ships_to_the_files_log_like_the_app() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("shop.db");
    let script = dir.path().join("sale.script");
    let sale =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scripts/01-payment-success.script"))
            .expect("the shipped script");
    // The sale, without its `clock` line and the checks of dates and times
    // (a script on a file starts at the file's time, the wall clock's now).
    let body: String =
        sale.lines().filter(|l| !l.starts_with("clock ") && !l.contains(" Jun ")).map(|l| format!("{l}\n")).collect();
    std::fs::write(&script, body.replace("09:05:00", "").replace("09:10:00", "")).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_boxoffice")).arg("--db").arg(&db).arg("script").arg(&script).output();
    let out = out.expect("run the script");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    // Then the app's tick on the same file, with the app's log.
    let logs = boxoffice::paths::log_dir_for(&db);
    let desk = Desk::open(&db, Context::system(Config::default()), "job:tick").expect("open");
    let mut jobs = Jobs::new(desk, audit_log_sink(&logs).expect("log"));
    jobs.tick().expect("tick");
    let shipped_to = cursor(jobs.desk().conn());
    assert!(shipped_to >= 10, "the sale's rows were shipped: cursor at {shipped_to}");
    let mut got = seqs(&log_lines(&logs));
    got.sort_unstable();
    got.dedup();
    assert_eq!(got, (1..=shipped_to).collect::<Vec<_>>(), "every row up to the cursor is in the log");
}

#[test]
fn a_failed_write_moves_nothing_and_the_next_batch_ships_each_row_once() {
    let w = World::new();
    sales(&w, 6);
    let rows = w.count("SELECT count(*) FROM audit_log");
    let logs = w.dir.path().join("logs");
    let free = Arc::new(AtomicU64::new(700)); // a line and a half
    let log = DailyLog::new(&logs).with_free_space(free.clone());
    let file = log.path();
    let desk = Desk::open(&w.path(), w.desk.ctx().clone(), "job:tick").expect("open");
    let mut jobs = Jobs::new(desk, Box::new(log));

    let outcome = jobs.run(Job::AuditShipping).expect("the run is recorded");
    assert!(matches!(&outcome, RunOutcome::Failed(e) if e.contains("No space left")), "{outcome:?}");
    assert_eq!(std::fs::read_to_string(&file).expect("log"), "", "the half-written batch is cut back");
    assert_eq!(cursor(w.desk.conn()), 0, "nothing counts as shipped");
    let run: (String, String) = w
        .desk
        .conn()
        .query_row("SELECT status, error FROM job_runs WHERE job = 'audit-shipping'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("the run");
    assert_eq!(run.0, "FAILED");
    assert!(run.1.contains("cannot write the audit log"), "{}", run.1);

    // Space again: everything ships, once, in order.
    free.store(u64::MAX, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(jobs.run(Job::AuditShipping).expect("run"), RunOutcome::Completed(rows as usize));
    assert_eq!(seqs(&log_lines(&logs)), (1..=rows).collect::<Vec<_>>());

    // A crash mid-line (the process died, not the write) leaves a torn tail:
    // the next batch cuts it off before appending.
    let mut text = std::fs::read_to_string(&file).expect("log");
    text.push_str("{\"seq\":451,\"id\":\"0198\",\"at");
    std::fs::write(&file, text).expect("tear the log");
    sales(&w, 1);
    let total = w.count("SELECT count(*) FROM audit_log");
    assert_eq!(jobs.run(Job::AuditShipping).expect("run"), RunOutcome::Completed((total - rows) as usize));
    assert_eq!(seqs(&log_lines(&logs)), (1..=total).collect::<Vec<_>>());
}

/// A real full disk: a 16 KiB tmpfs under the log folder (root and mount
/// needed; skipped, saying so, elsewhere).
#[test]
fn a_full_disk_under_the_log_leaves_whole_lines_then_catches_up() {
    let w = World::new();
    let logs = boxoffice::paths::log_dir_for(&w.path());
    std::fs::create_dir_all(&logs).expect("logs");
    let Some(_disk) = Tmpfs::mount(&logs, "16k") else {
        eprintln!("skipped: cannot mount a small tmpfs here (needs root and mount)");
        return;
    };
    sales(&w, 20); // about 100 rows, some 40 KiB of log
    let rows = w.count("SELECT count(*) FROM audit_log");
    let desk = Desk::open(&w.path(), w.desk.ctx().clone(), "job:tick").expect("open");
    let mut jobs = Jobs::new(desk, audit_log_sink(&logs).expect("log"));
    for _ in 0..3 {
        // Every try fails, and each leaves whole lines only.
        let outcome = jobs.run(Job::AuditShipping).expect("the run is recorded");
        assert!(matches!(outcome, RunOutcome::Failed(_)), "{outcome:?}");
        let shipped = seqs(&log_lines(&logs));
        assert!(shipped.iter().all(|s| *s <= cursor(w.desk.conn())), "lines beyond the cursor: {shipped:?}");
    }
    let ok = Command::new("mount").args(["-o", "remount,size=1m"]).arg(&logs).status().is_ok_and(|s| s.success());
    assert!(ok, "remount the tmpfs bigger");
    assert!(matches!(jobs.run(Job::AuditShipping).expect("run"), RunOutcome::Completed(_)));
    let mut got = seqs(&log_lines(&logs));
    got.sort_unstable();
    got.dedup();
    assert_eq!(got, (1..=rows).collect::<Vec<_>>());
    assert_eq!(cursor(w.desk.conn()), rows);
}

#[test]
fn a_failing_job_shows_on_the_status_bar_and_the_jobs_screen() {
    let w = World::new();
    sales(&w, 2);
    let logs = w.dir.path().join("logs");
    let full = DailyLog::new(&logs).with_free_space(Arc::new(AtomicU64::new(0)));
    let tick =
        TickThread::spawn(w.path(), Context::system(Config::default()), Box::new(full), || {}).expect("tick thread");
    let started = std::time::Instant::now();
    while tick.heartbeat.failing_job().is_none() && started.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let failing = tick.heartbeat.failing_job().expect("the shipping failure reaches the heartbeat");
    assert!(failing.starts_with("Audit shipping: cannot write the audit log"), "{failing}");

    let mut h = Headless::on_file(&w.path(), w.desk.now(), 3, 120, 40).expect("app");
    h.app.heartbeat = Some(tick.heartbeat.clone());
    let s = h.screen_text();
    let status = s.lines().last().expect("status bar");
    assert!(status.contains("✗ job failing: Audit shipping: cannot write the audit log"), "{status}");
    assert!(!status.contains("tick ok"), "{status}");
    while h.app.tab.title() != "Jobs" {
        h.key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Tab));
    }
    let s = h.screen_text();
    assert!(s.contains("✗ Audit shipping failing (") && s.contains("No space left on device"), "{s}");
    drop(tick);
}
