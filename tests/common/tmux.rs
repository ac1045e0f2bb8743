//! The built binary on a real terminal: tmux gives it a 120×40 pty, keys go in
//! with `send-keys`, the screen comes out with `capture-pane`. Every step waits
//! for content to appear (polling with a deadline), never a fixed sleep. Each
//! run uses its own tmux server socket (`tmux -L`), so parallel runs don't collide.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const WAIT: Duration = Duration::from_secs(20);

pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("run tmux")
    }

    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "clerk"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys {keys:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Types text literally (no key-name lookup).
    pub fn type_text(&self, text: &str) {
        let out = self.run(&["send-keys", "-t", "clerk", "-l", text]);
        assert!(out.status.success());
    }

    pub fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "clerk"]).stdout).into_owned()
    }

    pub fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(&self.run(&["display-message", "-p", "-t", "clerk", format]).stdout).trim().to_string()
    }

    /// Polls the pane until `pred` holds; panics with the last screen after `WAIT`.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
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

    pub fn wait_text(&self, text: &str) -> String {
        self.wait_for(text, |s| s.contains(text))
    }

    /// From the events list: holds `seats` (a digit) of Hamlet, the third
    /// upcoming event, waits for `held` ("Held A10 A11 until"), and types Jane
    /// into the customer form, leaving its `Enter` to the caller.
    #[allow(dead_code)] // not every test binary sells
    pub fn hold_and_type_jane(&self, seats: &str, held: &str) {
        self.send(&["Down", "Down", "Enter"]);
        self.wait_text("── STAGE ──");
        self.send(&[seats, "Enter"]);
        self.wait_text(held);
        self.send(&["Enter"]);
        self.wait_text("email or phone");
        self.type_text("Jane Doe");
        self.send(&["Tab"]);
        self.type_text("jane@example.com");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

pub fn tmux_available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}

pub fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

/// A plain shell in a 120×40 pane running the app on `db`, so that after
/// quitting we can see the shell again and the app's exit status.
/// `tag` tells the tmux servers of several tests apart.
pub fn start_app(db: &Path, tag: &str) -> Tmux {
    start_app_with(db, tag, "")
}

/// As [`start_app`], with `env` (`NAME=value …`) before the command.
pub fn start_app_with(db: &Path, tag: &str, env: &str) -> Tmux {
    let bin = env!("CARGO_BIN_EXE_boxoffice");
    let tmux = start_shell(tag);
    let command =
        format!("{env} BOXOFFICE_DB={} {}; echo BOXOFFICE_EXIT=$?", shell_quote(db), shell_quote(Path::new(bin)));
    tmux.type_text(&command);
    tmux.send(&["Enter"]);
    // The app opens on the sign-in; a demo file's names the demo supervisor
    // (prefilled) and their PIN, typed here. Another file's waits for its test.
    // (The typed command line holds the exit marker too: an exit is a line starting with it.)
    let shown =
        tmux.wait_for("the sign-in", |s| s.contains("Sign in") || s.lines().any(|l| l.starts_with("BOXOFFICE_EXIT=")));
    if shown.contains("with PIN 1234") {
        // Keys typed before the form is drawn are dropped (typeahead): the
        // PIN goes in once its dots show, then Enter.
        tmux.type_text("1234");
        tmux.wait_text("••••");
        tmux.send(&["Enter"]);
        tmux.wait_text("Signed in as demo");
    }
    tmux
}

/// A plain shell (`$ ` prompt, a clean environment) in a 120×40 pane of a
/// tmux server of its own, for a test to type a command into.
pub fn start_shell(tag: &str) -> Tmux {
    let tmux = Tmux { socket: format!("boxoffice-test-{}{tag}", std::process::id()) };
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
    tmux
}

impl Tmux {
    /// The app's process: the child of the pane's shell (None once it ended).
    pub fn app_pid(&self) -> Option<i32> {
        let shell: i32 = self.display("#{pane_pid}").parse().ok()?;
        std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            // pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
            let ppid: i32 = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == shell).then_some(pid)
        })
    }
}

/// Whether process `pid` has ended (and been reaped, or is a zombie).
pub fn ended(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()) == Some("Z"),
    }
}

/// Polls until `pid` has ended; panics after `WAIT`.
pub fn wait_ended(pid: i32) {
    let deadline = Instant::now() + WAIT;
    while !ended(pid) {
        assert!(Instant::now() < deadline, "process {pid} did not end within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
