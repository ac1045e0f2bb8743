use super::*;
use crate::script::parse::parse;
use crossterm::event::{KeyCode, KeyModifiers};

/// A tiny in-memory app: it records keys and shows what it saw on its screen.
#[derive(Default)]
struct Fake {
    height: usize,
    keys: Vec<KeyEvent>,
    typed: String,
    seconds: u64,
    ticks: u64,
    broken: Vec<String>,
    calls: Vec<&'static str>,
}

impl Fake {
    fn new() -> Self {
        Fake { height: 8, ..Fake::default() }
    }
}

impl Harness for Fake {
    fn key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => self.typed.push(c),
            KeyCode::Backspace => {
                self.typed.pop();
            }
            _ => {}
        }
        self.keys.push(key);
    }

    fn screen(&mut self) -> Vec<String> {
        self.calls.push("screen");
        let last = self.keys.last().map(|k| format!("{:?}", k.code)).unwrap_or_default();
        let mut rows = vec![
            "FAKE APP".to_string(),
            format!("keys {}", self.keys.len()),
            format!("typed {}", self.typed).trim_end().to_string(),
            format!("clock +{}s", self.seconds),
            format!("ticks {}", self.ticks),
            format!("last {last}").trim_end().to_string(),
        ];
        rows.resize(self.height, String::new());
        rows
    }

    fn advance(&mut self, seconds: u64) {
        self.seconds += seconds;
    }

    fn tick(&mut self) {
        self.ticks += 1;
    }

    fn verify(&mut self) -> Vec<String> {
        self.broken.clone()
    }

    fn sign_in(&mut self, name: &str, pin: &str) {
        self.typed.push_str(&format!("[{name}:{pin}]"));
    }

    fn sql_value(&mut self, sql: &str) -> Result<String, String> {
        match sql {
            "SELECT keys" => Ok(self.keys.len().to_string()),
            "SELECT typed" => Ok(self.typed.clone()),
            "SELECT NULL" => Ok("NULL".to_string()),
            _ => Err(format!("no such table in {sql:?}")),
        }
    }
}

fn run_src(src: &str, fake: &mut Fake, dir: Option<&Path>) -> Result<RunReport, Failure> {
    let script = parse(src.as_bytes()).expect("parses");
    run(&script, fake, dir)
}

fn fails_at(src: &str, line: usize, needle: &str) -> Failure {
    let mut fake = Fake::new();
    let f = run_src(src, &mut fake, None).expect_err("should fail");
    assert_eq!(f.line, line, "{f}");
    assert!(f.expectation.contains(needle), "{:?} should mention {needle:?}", f.expectation);
    assert_eq!(f.screen.len(), 8, "the failure carries the screen");
    f
}

#[test]
fn keys_type_advance_tick_reach_the_harness() {
    let mut fake = Fake::new();
    let report =
        run_src("key j Down*3 Ctrl-c\ntype Jane Doe\nkey Backspace\nadvance 1m30s\ntick\ntick\n", &mut fake, None)
            .unwrap();
    assert_eq!(fake.keys.len(), 5 + 8 + 1);
    assert_eq!(fake.keys[1], KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    assert_eq!(fake.keys[4], KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(fake.keys[5], KeyEvent::new(KeyCode::Char('J'), KeyModifiers::SHIFT));
    assert_eq!(fake.typed, "jJane Do");
    assert_eq!(fake.seconds, 90);
    assert_eq!(fake.ticks, 2);
    assert_eq!(report, RunReport { steps: 6, keys: 14, seconds_advanced: 90, ticks: 2, ..RunReport::default() });
}

#[test]
fn advance_six_minutes_is_360_seconds() {
    let mut fake = Fake::new();
    run_src("advance 6m", &mut fake, None).unwrap();
    assert_eq!(fake.seconds, 360);
}

#[test]
fn expectations_that_hold() {
    let mut fake = Fake::new();
    let report = run_src(
        "type hi there\nexpect typed hi there\nexpect keys 8\nexpect-not Sold out\nexpect-line 0 FAKE\nexpect-line 2 hi\nverify\nsql-expect SELECT keys => 8\nsql-expect SELECT NULL => NULL\n",
        &mut fake,
        None,
    )
    .unwrap();
    assert_eq!(report.checks, 8);
    assert_eq!(report.steps, 9);
}

#[test]
fn expect_fails_with_line_and_screen() {
    let f = fails_at("key j\n# comment\n\nexpect CONFIRMED\n", 4, "expect \"CONFIRMED\": not found");
    assert_eq!(f.screen[1], "keys 1");
    let shown = f.to_string();
    assert!(shown.starts_with("line 4: expect \"CONFIRMED\": not found on the screen\n"), "{shown}");
    assert!(shown.contains("screen (8 rows, numbered from 0):\n0 | FAKE APP\n1 | keys 1\n"), "{shown}");
}

#[test]
fn expect_does_not_match_across_rows() {
    fails_at("expect FAKE APP keys", 1, "not found");
}

#[test]
fn expect_not_fails_naming_the_row() {
    fails_at("type Sold out\nexpect-not Sold out", 2, "found on row 2");
}

#[test]
fn expect_line_fails() {
    fails_at("key j\nexpect-line 1 keys 2", 2, "row 1 is \"keys 1\"");
    fails_at("expect-line 8 x", 1, "has no row 8 (it has 8 rows");
}

#[test]
fn verify_fails_listing_violations() {
    let mut fake = Fake::new();
    fake.broken = vec!["event e1: 3 + 2 + 0 != 6".into(), "seat A1 owned twice".into()];
    let script = parse(b"tick\nverify\n").unwrap();
    let f = run(&script, &mut fake, None).unwrap_err();
    assert_eq!(f.line, 2);
    assert_eq!(
        f.expectation,
        "verify: 2 invariant violation(s):\n  - event e1: 3 + 2 + 0 != 6\n  - seat A1 owned twice"
    );
    assert_eq!(f.screen[4], "ticks 1");
}

#[test]
fn sql_expect_fails_on_mismatch_and_on_error() {
    fails_at("key a b\nsql-expect SELECT keys => 3", 2, "got \"2\"");
    fails_at("sql-expect SELECT nope => 1", 1, "the query failed: no such table");
}

#[test]
fn the_run_stops_at_the_first_failure() {
    let mut fake = Fake::new();
    let f = run_src("key a\nexpect zzz\nkey b\n", &mut fake, None).unwrap_err();
    assert_eq!(f.line, 2);
    assert_eq!(fake.keys.len(), 1, "nothing after the failing line ran");
}

#[test]
fn snapshots_are_written_to_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snaps/nested");
    let mut fake = Fake::new();
    let report = run_src("type ab\nsnapshot first\nkey c\nsnapshot second.v2\n", &mut fake, Some(&dir)).unwrap();
    assert_eq!(report.snapshots_written, vec![dir.join("first.txt"), dir.join("second.v2.txt")]);
    assert!(report.snapshots_skipped.is_empty());
    let first = std::fs::read_to_string(dir.join("first.txt")).unwrap();
    assert_eq!(first, "FAKE APP\nkeys 2\ntyped ab\nclock +0s\nticks 0\nlast Char('b')\n\n\n");
    let second = std::fs::read_to_string(dir.join("second.v2.txt")).unwrap();
    assert!(second.contains("typed abc\n"));
}

#[test]
fn snapshots_are_skipped_without_a_directory() {
    let mut fake = Fake::new();
    let report = run_src("snapshot a\nsnapshot b\n", &mut fake, None).unwrap();
    assert!(report.snapshots_written.is_empty());
    assert_eq!(report.snapshots_skipped, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(report.steps, 2);
    assert!(fake.calls.is_empty(), "the screen is not even rendered");
}

#[test]
fn an_unwritable_snapshot_fails_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let mut fake = Fake::new();
    let f = run_src("tick\nsnapshot s\n", &mut fake, Some(&file)).unwrap_err();
    assert_eq!(f.line, 2);
    assert!(f.expectation.starts_with("snapshot s: cannot write"), "{}", f.expectation);
}

#[test]
fn two_runs_write_identical_snapshots() {
    let tmp = tempfile::tempdir().unwrap();
    let src = "type x\nadvance 10s\nsnapshot s\n";
    for d in ["a", "b"] {
        run_src(src, &mut Fake::new(), Some(&tmp.path().join(d))).unwrap();
    }
    assert_eq!(std::fs::read(tmp.path().join("a/s.txt")).unwrap(), std::fs::read(tmp.path().join("b/s.txt")).unwrap());
}
