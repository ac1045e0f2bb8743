//! The script runner: walks a [`Script`] step by step against a [`Harness`] (the app,
//! headless, behind a trait) and stops at the first expectation that does not hold.
//!
//! Decisions where issue 4 is silent (also in `docs/script-language.md`):
//! - `expect`, `expect-not` and `expect-line` look within single rows: text never
//!   matches across a row break. Matching is exact and case-sensitive.
//! - `snapshot` without a snapshot directory is skipped (listed in
//!   [`RunReport::snapshots_skipped`]); with one, the directory is created if needed
//!   and `NAME.txt` is overwritten. A snapshot that cannot be written fails the run
//!   at its line, like an expectation.
//! - `sql-expect` compares the harness's text for the value with the expected text,
//!   exactly; a query error fails the line.

use super::parse::{Action, Script, char_event};
use crossterm::event::KeyEvent;
use std::fmt;
use std::path::{Path, PathBuf};

/// The app as a script sees it. The real implementation wraps the TUI's state,
/// renders to an in-memory terminal of the script's size and owns a manual clock.
pub trait Harness {
    /// Deliver one key press to the app.
    fn key(&mut self, key: KeyEvent);
    /// The screen as text, one String per row (exactly `height` rows, each trimmed
    /// of trailing spaces).
    fn screen(&mut self) -> Vec<String>;
    /// Move the virtual clock `seconds` forward, running the background tick at
    /// every second crossed that has work due.
    fn advance(&mut self, seconds: u64);
    /// Run one background tick now.
    fn tick(&mut self);
    /// Invariant violations, one line each; empty = all hold.
    fn verify(&mut self) -> Vec<String>;
    /// The single value of a read-only query, as text (a suggestion for the real
    /// harness: SQL NULL as `NULL`, integers in decimal, reals as SQLite prints them).
    fn sql_value(&mut self, sql: &str) -> Result<String, String>;
    /// Signs the clerk `name` in with `pin`, as the sign-in screen would; a
    /// refusal shows on the app's message line (a script `expect`s it).
    fn sign_in(&mut self, name: &str, pin: &str);
}

/// What a run that passed did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Steps executed (every non-header, non-comment line).
    pub steps: usize,
    /// Key events delivered (repeats and typed characters counted one by one).
    pub keys: u64,
    /// Virtual seconds advanced.
    pub seconds_advanced: u64,
    /// Explicit `tick` lines run.
    pub ticks: u64,
    /// Checks that held: expect, expect-not, expect-line, verify, sql-expect.
    pub checks: usize,
    /// Snapshot files written, in script order.
    pub snapshots_written: Vec<PathBuf>,
    /// Snapshot names skipped because no snapshot directory was given.
    pub snapshots_skipped: Vec<String>,
}

/// The first expectation that did not hold: its line, what it expected (and what
/// was found), and the screen at that moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// 1-based script line.
    pub line: usize,
    pub expectation: String,
    pub screen: Vec<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "line {}: {}", self.line, self.expectation)?;
        writeln!(f, "screen ({} rows, numbered from 0):", self.screen.len())?;
        let width = self.screen.len().saturating_sub(1).to_string().len();
        for (i, row) in self.screen.iter().enumerate() {
            if row.is_empty() {
                writeln!(f, "{i:>width$} |")?;
            } else {
                writeln!(f, "{i:>width$} | {row}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

/// Run `script` against `harness`. Snapshots go to `snapshots` (created if missing);
/// with `None` they are skipped. Stops at the first failing line.
pub fn run<H: Harness>(script: &Script, harness: &mut H, snapshots: Option<&Path>) -> Result<RunReport, Failure> {
    let mut report = RunReport::default();
    for step in script.steps() {
        let line = step.line;
        report.steps += 1;
        let fail = |harness: &mut H, expectation: String| Failure { line, expectation, screen: harness.screen() };
        match &step.action {
            Action::Key(keys) => {
                for press in keys {
                    for _ in 0..press.repeat {
                        harness.key(press.event);
                        report.keys += 1;
                    }
                }
            }
            Action::Type(text) => {
                for c in text.chars() {
                    harness.key(char_event(c));
                    report.keys += 1;
                }
            }
            Action::Advance { seconds } => {
                harness.advance(*seconds);
                report.seconds_advanced += seconds;
            }
            Action::Tick => {
                harness.tick();
                report.ticks += 1;
            }
            Action::Expect(text) => {
                let screen = harness.screen();
                if !screen.iter().any(|row| row.contains(text.as_str())) {
                    return Err(Failure {
                        line,
                        expectation: format!("expect {text:?}: not found on the screen"),
                        screen,
                    });
                }
                report.checks += 1;
            }
            Action::ExpectNot(text) => {
                let screen = harness.screen();
                if let Some(row) = screen.iter().position(|row| row.contains(text.as_str())) {
                    return Err(Failure {
                        line,
                        expectation: format!("expect-not {text:?}: found on row {row}"),
                        screen,
                    });
                }
                report.checks += 1;
            }
            Action::ExpectLine { row, text } => {
                let screen = harness.screen();
                let expectation = match screen.get(usize::from(*row)) {
                    Some(found) if found.contains(text.as_str()) => None,
                    Some(found) => Some(format!("expect-line {row} {text:?}: row {row} is {found:?}")),
                    None => Some(format!(
                        "expect-line {row} {text:?}: the screen has no row {row} (it has {} rows, numbered from 0)",
                        screen.len()
                    )),
                };
                if let Some(expectation) = expectation {
                    return Err(Failure { line, expectation, screen });
                }
                report.checks += 1;
            }
            Action::Snapshot(name) => {
                let Some(dir) = snapshots else {
                    report.snapshots_skipped.push(name.clone());
                    continue;
                };
                let screen = harness.screen();
                let path = dir.join(format!("{name}.txt"));
                let mut text = screen.join("\n");
                text.push('\n');
                if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, text)) {
                    return Err(Failure {
                        line,
                        expectation: format!("snapshot {name}: cannot write {}: {e}", path.display()),
                        screen,
                    });
                }
                report.snapshots_written.push(path);
            }
            Action::Verify => {
                let broken = harness.verify();
                if !broken.is_empty() {
                    let mut expectation = format!("verify: {} invariant violation(s):", broken.len());
                    for v in &broken {
                        expectation.push_str("\n  - ");
                        expectation.push_str(v);
                    }
                    return Err(fail(harness, expectation));
                }
                report.checks += 1;
            }
            Action::SignIn { name, pin } => harness.sign_in(name, pin),
            Action::SqlExpect { sql, value } => {
                let expectation = match harness.sql_value(sql) {
                    Ok(got) if got == *value => None,
                    Ok(got) => Some(format!("sql-expect {sql} => {value}: got {got:?}")),
                    Err(e) => Some(format!("sql-expect {sql} => {value}: the query failed: {e}")),
                };
                if let Some(expectation) = expectation {
                    return Err(fail(harness, expectation));
                }
                report.checks += 1;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
