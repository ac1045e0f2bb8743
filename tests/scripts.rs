//! The shipped scripts in assets/scripts, run through the real CLI; and four
//! script processes racing as clerks at four counters on one file.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn boxoffice() -> Command {
    Command::new(env!("CARGO_BIN_EXE_boxoffice"))
}

fn shipped_scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scripts");
    let scripts = boxoffice::script::cli::scripts_in(&dir);
    assert!(scripts.len() >= 7, "the seed scenarios ship as scripts: {scripts:?}");
    scripts
}

fn run(args: &[&str]) -> Output {
    boxoffice().args(args).output().expect("run boxoffice")
}

fn snapshots(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| {
                    (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("read snapshot"))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_shipped_script_passes_twice_with_identical_snapshots() {
    for script in shipped_scripts() {
        let name = script.display().to_string();
        let text = std::fs::read_to_string(&script).expect("read script");
        assert!(text.trim_end().ends_with("verify"), "{name} should end in verify");
        let (a, b) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
        for dir in [a.path(), b.path()] {
            let out = run(&[
                "script",
                script.to_str().expect("utf-8 path"),
                "--snapshots",
                dir.to_str().expect("utf-8 path"),
            ]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{name} failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert_eq!(snapshots(a.path()), snapshots(b.path()), "{name}: two runs wrote different snapshots");
    }
}

/// The supervisor's script (issue 12): its snapshots show the new clerk's
/// PIN hidden in the form and the overridden refund before y.
#[test]
fn the_supervisor_script_hides_the_pin_and_previews_the_override() {
    let script = shipped_scripts().into_iter().find(|s| s.ends_with("12-supervisor.script")).expect("shipped");
    let dir = tempfile::tempdir().expect("dir");
    let out = run(&["script", script.to_str().expect("path"), "--snapshots", dir.path().to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let form = std::fs::read_to_string(dir.path().join("add-clerk-form.txt")).expect("snapshot");
    assert!(form.contains("PIN again     ••••") && !form.contains("4321"), "{form}");
    let prompt = std::fs::read_to_string(dir.path().join("override-prompt.txt")).expect("snapshot");
    assert!(prompt.contains("Refund ₹400.00 of ₹500.00 (fee ₹100.00, override 80%, policy 50%)."), "{prompt}");
    assert!(prompt.contains("Reason: performance stopped after act one"), "{prompt}");
}

#[test]
fn a_failed_expectation_exits_1_naming_the_line_and_showing_the_screen() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("bad.script");
    std::fs::write(&file, "# a comment\nexpect Hamlet\nexpect No such thing\nverify\n").expect("write");
    let out = run(&["script", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3") && err.contains("No such thing"), "{err}");
    assert!(err.contains("Hamlet at the Grand Theatre"), "the screen is shown: {err}");
}

#[test]
fn a_script_that_does_not_parse_exits_2_with_line_and_reason() {
    let dir = tempfile::tempdir().expect("dir");
    for (body, line) in [
        ("key j\nfrobnicate now\n", "line 2"),
        ("key Hyper-q\n", "line 1"),
        ("advance 5 fortnights\n", "line 1"),
        ("\n\nsql-expect SELECT 1\n", "line 3"),
    ] {
        let file = dir.path().join("bad.script");
        std::fs::write(&file, body).expect("write");
        let out = run(&["script", file.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(2), "{body:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(line), "{body:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let file = dir.path().join("binary.script");
    std::fs::write(&file, [0u8, 159, 146, 150, 255, 10, 1, 2]).expect("write");
    let out = run(&["script", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
}

/// Four clerks at four counters: four `boxoffice script` processes on one file
/// go for the same seat at once. One wins; the others see the refusal on their
/// screens; the file stays consistent.
#[test]
fn four_script_processes_race_for_one_seat() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("counter.db");
    let db = db.to_str().expect("path");
    // One run first creates the file with the demo events, so every racer
    // opens the same events list.
    let setup = dir.path().join("setup.script");
    std::fs::write(&setup, "expect Hamlet at the Grand Theatre\nverify\n").expect("write");
    assert_eq!(run(&["--db", db, "script", setup.to_str().expect("path")]).status.code(), Some(0));
    // Four clerks, each at their own counter (the demo supervisor adds them).
    for i in 0..4 {
        let mut add = boxoffice()
            .args(["--db", db, "clerk", "add", &format!("Counter{i}"), "--pin-stdin", "--as", "demo"])
            .env("BOXOFFICE_PIN", "1234")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("clerk add");
        std::io::Write::write_all(&mut add.stdin.take().expect("stdin"), format!("{}\n", 4000 + i).as_bytes())
            .expect("pin");
        let out = add.wait_with_output().expect("clerk add ran");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    let race = dir.path().join("race.script");
    std::fs::write(
        &race,
        "# Open the theatre, pick A11 (the cursor starts there) and hold it.\n\
         key j j Enter\nexpect Hamlet at the Grand Theatre\nkey Space Enter\nsnapshot after-hold\nverify\n",
    )
    .expect("write");
    let children: Vec<_> = (0..4)
        .map(|i| {
            let snaps = dir.path().join(format!("clerk{i}"));
            boxoffice()
                .args(["--db", db, "script", race.to_str().expect("path"), "--snapshots"])
                .arg(&snaps)
                .args(["--seed", &(100 + i).to_string()])
                .args(["--clerk", &format!("Counter{i}")])
                .env("BOXOFFICE_PIN", (4000 + i).to_string())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn clerk")
        })
        .collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().expect("clerk ran")).collect();
    for out in &outputs {
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let screens: Vec<String> = (0..4)
        .map(|i| std::fs::read_to_string(dir.path().join(format!("clerk{i}/after-hold.txt"))).expect("snapshot"))
        .collect();
    let winners = screens.iter().filter(|s| s.contains("Held A11 ")).count();
    assert_eq!(winners, 1, "exactly one clerk holds A11:\n{}", screens.join("\n----\n"));
    for s in screens.iter().filter(|s| !s.contains("Held A11 ")) {
        // A loser who pressed Enter after the winner committed is refused by
        // name; one whose map already showed A11 held was told so at Space,
        // and Enter then held the best free seat instead (never A11).
        let refused = s.contains("seat A11 is already taken");
        let other_seat = s.contains("Held A") && s.lines().any(|l| l.contains(" A ") && l.contains(" h "));
        assert!(refused || other_seat, "a loser is told plainly or sells another seat:\n{s}");
    }
    let conn = rusqlite::Connection::open(db).expect("open");
    let owners: i64 = conn
        .query_row("SELECT count(*) FROM hold_seats WHERE label = 'A11' AND live = 1", [], |r| r.get(0))
        .expect("count");
    assert_eq!(owners, 1);
    let verify = run(&["--db", db, "verify"]);
    assert_eq!(verify.status.code(), Some(0), "{}", String::from_utf8_lossy(&verify.stdout));
}

/// The shipped scripts on PostgreSQL: each on a new database, through the
/// same headless app as `boxoffice script` (the demo, its clock the only
/// one), and its snapshots the same screens as the in-memory run's.
#[test]
fn every_shipped_script_passes_on_postgres_with_the_same_screens() {
    if common::pg::server().is_none() {
        return;
    }
    let mut failed = Vec::new();
    for script in shipped_scripts() {
        let name = script.display().to_string();
        let (on_file, on_server) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
        let out =
            run(&["script", script.to_str().expect("path"), "--snapshots", on_file.path().to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(0), "{name} in memory: {}", String::from_utf8_lossy(&out.stderr));

        let parsed = boxoffice::script::parse(&std::fs::read(&script).expect("read")).expect("parses");
        let start = parsed.clock().unwrap_or_else(|| boxoffice::script::cli::DEMO_INSTANT.parse().expect("instant"));
        let (w, h) = parsed.size();
        let db = common::pg::TestDb::new().expect("a database");
        let mut app = boxoffice::tui::headless::Headless::demo_on_url(&db.url, Default::default(), start, 0, w, h)
            .expect("the demo on PostgreSQL");
        let report = boxoffice::script::run(&parsed, &mut app, Some(on_server.path()));
        drop(app);
        match report {
            Err(f) => failed.push(format!("{name} on PostgreSQL: {f}")),
            Ok(_) if snapshots(on_server.path()) != snapshots(on_file.path()) => {
                failed.push(format!("{name}: other screens on PostgreSQL"))
            }
            Ok(_) => {}
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}
