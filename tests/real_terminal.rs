//! The built binary on a real terminal: tmux gives it a 120×40 pty, keys go in
//! with `send-keys`, the screen comes out with `capture-pane`. Every step waits
//! for content to appear (polling with a deadline), never a fixed sleep.
//!
//! Skipped, with a note, when tmux is not installed (CI installs it). Each run
//! uses its own tmux server socket (`tmux -L`), so parallel runs don't collide.
//! `cargo test --release --test real_terminal` runs it on the release binary.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("run tmux")
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "clerk"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys {keys:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Types text literally (no key-name lookup).
    fn type_text(&self, text: &str) {
        let out = self.run(&["send-keys", "-t", "clerk", "-l", text]);
        assert!(out.status.success());
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "clerk"]).stdout).into_owned()
    }

    fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(&self.run(&["display-message", "-p", "-t", "clerk", format]).stdout).trim().to_string()
    }

    /// Polls the pane until `pred` holds; panics with the last screen after `WAIT`.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the pane shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_text(&self, text: &str) -> String {
        self.wait_for(text, |s| s.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

#[test]
fn sells_a_seat_in_a_real_terminal_and_quits_cleanly() {
    if !tmux_available() {
        eprintln!("SKIP real_terminal: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("boxoffice.db");
    let bin = env!("CARGO_BIN_EXE_boxoffice");
    let tmux = Tmux { socket: format!("boxoffice-test-{}", std::process::id()) };

    // A plain shell in a 120×40 pane; the app runs inside it so that after
    // quitting we can see the shell again and the app's exit status.
    let out = tmux.run(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "clerk",
        "-x",
        "120",
        "-y",
        "40",
        "env",
        "-i",
        &format!("PATH={}", std::env::var("PATH").unwrap_or_default()),
        "HOME=/nonexistent",
        "TERM=xterm-256color",
        "PS1=$ ",
        "sh",
    ]);
    assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    let command = format!("BOXOFFICE_DB={} {}; echo BOXOFFICE_EXIT=$?", shell_quote(&db), shell_quote(Path::new(bin)));
    tmux.type_text(&command);
    tmux.send(&["Enter"]);

    // The app is up on its alternate screen with the demo events.
    let s = tmux.wait_text("Hamlet at the Grand Theatre");
    assert!(s.contains("Events (5)"), "{s}");
    assert_eq!(tmux.display("#{alternate_on}"), "1", "the app draws on the alternate screen");
    tmux.wait_text("tick ok");

    // Sell two seats of the theatre (the third upcoming event), paid with success.
    tmux.send(&["Down", "Down", "Enter"]);
    tmux.wait_text("── STAGE ──");
    tmux.send(&["2", "Enter"]);
    tmux.wait_text("Held A10 A11 until");
    tmux.send(&["Enter"]);
    tmux.wait_text("email or phone");
    tmux.type_text("Jane Doe");
    tmux.send(&["Tab"]);
    tmux.type_text("jane@example.com");
    tmux.send(&["Enter"]);
    tmux.wait_text("PAYMENT_PENDING");
    tmux.send(&["s"]);
    let s = tmux.wait_text("4 Receipt");
    assert!(s.contains("Payment of ₹1,000.00 succeeded: booking CONFIRMED"), "{s}");
    assert!(s.contains("198/200 left"), "{s}");

    // q quits: the app exits 0 and the terminal is back to the shell's screen.
    tmux.send(&["q"]);
    // (The typed command line contains the marker too: wait for the echoed line.)
    let s = tmux.wait_for("the exit status", |s| s.lines().any(|l| l.starts_with("BOXOFFICE_EXIT=")));
    assert!(s.contains("BOXOFFICE_EXIT=0"), "{s}");
    assert!(!s.contains("Hamlet at the Grand Theatre") && !s.contains("4 Receipt"), "app screen left over:\n{s}");
    assert_eq!(tmux.display("#{alternate_on}"), "0", "the alternate screen was left");
    // The pane's own process is still the shell: the app ended, not the pane.
    assert_eq!(tmux.display("#{pane_dead}"), "0");

    // The sale is in the file, and every invariant holds.
    let verify = Command::new(bin).arg("--db").arg(&db).arg("verify").output().expect("verify");
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    let logs = std::fs::read_dir(dir.path().join("logs")).expect("log dir").count();
    assert!(logs >= 1, "the app log goes to a file beside the database");
}
