//! A closed or full output is a message and an exit code, never a panic:
//! exit 0 (or the command's own verdict) when the reader went away, 2 when
//! the output could not be written, through the built binaries.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn boxoffice() -> Command {
    Command::new(env!("CARGO_BIN_EXE_boxoffice"))
}

fn bench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_boxoffice-bench"))
}

fn full() -> Stdio {
    Stdio::from(std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full"))
}

fn no_panic(what: &str, out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked") && out.status.code() != Some(101), "{what}: {:?}\n{err}", out.status);
}

/// A database with the demo events, and a script that passes on it.
fn setup(dir: &Path) -> (String, String) {
    let db = dir.join("out.db").display().to_string();
    let script = dir.join("ok.script");
    std::fs::write(&script, "expect Hamlet\nverify\n").expect("write script");
    let script = script.display().to_string();
    let out = boxoffice().args(["--db", &db, "script", &script]).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    (db, script)
}

/// The command with its stdout a pipe whose reader has already gone.
fn closed_pipe(mut cmd: Command) -> Output {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait")
}

#[test]
fn a_reader_gone_early_keeps_the_verdict() {
    let dir = tempfile::tempdir().expect("dir");
    let (db, script) = setup(dir.path());
    for (args, code) in [
        (vec!["--db", &db, "verify"], 0),
        (vec!["--db", &db, "report"], 0),
        (vec!["--db", &db, "report", "--format", "csv"], 0),
        (vec!["--db", &db, "script", &script], 0),
    ] {
        let mut cmd = boxoffice();
        cmd.args(&args);
        let out = closed_pipe(cmd);
        no_panic(&format!("{args:?} | head -c0"), &out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    // A verdict of violations stays 1 when nobody reads it.
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute("UPDATE events SET available = available - 1 WHERE name LIKE 'Hamlet%'", []).expect("drift");
    drop(conn);
    let mut cmd = boxoffice();
    cmd.args(["--db", &db, "verify"]);
    let out = closed_pipe(cmd);
    no_panic("verify with violations | head -c0", &out);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_full_output_is_exit_2_with_a_message() {
    let dir = tempfile::tempdir().expect("dir");
    let (db, script) = setup(dir.path());
    for args in [
        vec!["--db", &db, "verify"],
        vec!["--db", &db, "report"],
        vec!["--db", &db, "report", "--format", "json"],
        vec!["--db", &db, "script", &script],
    ] {
        let out = boxoffice().args(&args).stdout(full()).output().expect("run");
        no_panic(&format!("{args:?} >/dev/full"), &out);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("boxoffice: cannot write") && err.contains("No space left"), "{args:?}: {err}");
    }
    let out = bench().args(["--cycles", "10"]).stdout(full()).output().expect("run the bench");
    no_panic("boxoffice-bench >/dev/full", &out);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("boxoffice-bench: cannot write to standard output"));
}

#[test]
fn an_error_that_cannot_be_written_still_exits_2() {
    let dir = tempfile::tempdir().expect("dir");
    let (db, script) = setup(dir.path());
    let missing = dir.path().join("no/such/dir/x.db").display().to_string();
    let bad_script = dir.path().join("missing.script").display().to_string();
    for args in [
        vec!["--db", &missing, "report"],
        vec!["--db", &db, "report", "--event", "nope", "--hours", "0"],
        vec!["--db", &db, "script", &bad_script],
        vec!["--db", &db, "script", &script],
    ] {
        let out = boxoffice().args(&args).stdout(full()).stderr(full()).output().expect("run");
        no_panic(&format!("{args:?} >/dev/full 2>/dev/full"), &out);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    // A failed expectation still says 1, even with nowhere to say why.
    let failing = dir.path().join("fail.script");
    std::fs::write(&failing, "expect Nothing like this\n").expect("write");
    let out = boxoffice().args(["--db", &db, "script"]).arg(&failing).stderr(full()).output().expect("run");
    no_panic("a failing script 2>/dev/full", &out);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_bench_worker_that_cannot_start_says_why() {
    let dir = tempfile::tempdir().expect("dir");
    // A "directory" that is a file: nothing can be created under it.
    std::fs::write(dir.path().join("a-file"), "").expect("write");
    let missing = dir.path().join("a-file/bench.db");
    let out = bench()
        .args(["--worker", "engine", "--event", "e", "--db"])
        .arg(&missing)
        .stdin(Stdio::null())
        .output()
        .expect("run a worker");
    no_panic("a worker under a file", &out);
    assert_eq!(out.status.code(), Some(2));
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(
        line.starts_with("failed: ") && line.trim().len() > "failed:".len(),
        "the reason, for the parent: {line:?}"
    );

    // The parent on a file it cannot use gives the reason too, never an empty one.
    let out = bench().args(["--processes", "2", "--cycles", "10", "--db"]).arg(&missing).output().expect("run");
    no_panic("the bench under a file", &out);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("boxoffice-bench: ") && !err.trim_end().ends_with(':'), "{err}");
}

/// A real full disk (a 512 KiB tmpfs, full mid-run) under the bench's database: needs root
/// and mount; skipped, saying so, where they are missing.
#[test]
fn the_bench_on_a_full_disk_is_a_message() {
    let dir = tempfile::tempdir().expect("dir");
    let Some(_mount) = common_tmpfs::Tmpfs::mount(dir.path(), "512k") else {
        eprintln!("skipped: cannot mount a small tmpfs here (needs root and mount)");
        return;
    };
    let out = bench()
        .args(["--cycles", "20000", "--processes", "2", "--db"])
        .arg(dir.path().join("bench.db"))
        .output()
        .expect("run the bench");
    no_panic("the bench on a full disk", &out);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("disk is full") || err.contains("No space left"), "{err}");
}

mod common_tmpfs {
    include!("common/tmpfs.rs");
}
