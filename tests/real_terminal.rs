//! The built binary on a real terminal: tmux gives it a 120×40 pty, keys go in
//! with `send-keys`, the screen comes out with `capture-pane`. Every step waits
//! for content to appear (polling with a deadline), never a fixed sleep.
//!
//! Skipped, with a note, when tmux is not installed (CI installs it). Each run
//! uses its own tmux server socket (`tmux -L`), so parallel runs don't collide.
//! `cargo test --release --test real_terminal` runs it on the release binary.
//!
//! The second test holds the database's write lock from another connection
//! (as a long job, a backup or a `sqlite3` shell would) and measures how long
//! each key takes to show on screen meanwhile; it prints every latency.

mod common;
use common::tmux::{Tmux, WAIT, start_app, tmux_available};
use common::tui::decode_screen_qr;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn sells_a_seat_in_a_real_terminal_and_quits_cleanly() {
    if !tmux_available() {
        eprintln!("SKIP real_terminal: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("boxoffice.db");
    let bin = env!("CARGO_BIN_EXE_boxoffice");
    let tmux = start_app(&db, "");

    // The app is up on its alternate screen with the demo events.
    let s = tmux.wait_text("Hamlet at the Grand Theatre");
    assert!(s.contains("Events (5)"), "{s}");
    assert_eq!(tmux.display("#{alternate_on}"), "1", "the app draws on the alternate screen");
    tmux.wait_text("tick ok");

    // Sell two seats of the theatre (the third upcoming event), paid with success.
    tmux.hold_and_type_jane("2", "Held A10 A11 until");
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
    // Quitting ended the demo supervisor's session, and the trail says so.
    let conn = rusqlite::Connection::open(&db).expect("file");
    let out: Vec<String> = conn
        .prepare(
            "SELECT c.name FROM audit_log a JOIN clerks c ON c.id = a.clerk_id \
             WHERE a.action = 'CLERK_SIGNED_OUT' ORDER BY a.seq",
        )
        .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
        .expect("sign-outs");
    assert_eq!(out, ["demo"]);
}

/// Issue 11 on a real terminal: the receipt's QR code is drawn in half
/// blocks that read back as the ticket's code, black on white; the Door
/// screen's answers show large, ADMITTED then REFUSED for the same code.
#[test]
fn the_receipts_qr_code_and_the_doors_answers_show_in_a_real_terminal() {
    if !tmux_available() {
        eprintln!("SKIP real_terminal: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("boxoffice.db");
    let tmux = start_app(&db, "-door");
    tmux.wait_text("Hamlet at the Grand Theatre");
    tmux.hold_and_type_jane("1", "Held A10 until");
    tmux.send(&["Enter"]);
    tmux.wait_text("PAYMENT_PENDING");
    tmux.send(&["s"]);
    // Waits for the whole frame: a capture may catch the terminal mid-draw.
    let s = tmux.wait_for("the receipt's QR code", |s| s.contains("· VALID") && common_qr(s).is_some());
    assert!(s.contains("Ticket 1 of 1 · A10 · Adult"), "{s}");
    let code_line = s.lines().find(|l| l.contains(" · VALID")).expect("the code line");
    let code: String = code_line.trim_start_matches('│').chars().take(21).collect();
    let compact: String = code.chars().filter(|c| *c != '-').collect();
    assert_eq!(common_qr(&s).as_deref(), Some(compact.as_str()), "the QR drawn in the terminal reads as the code");
    // Black on white: the drawing's cells carry a white background.
    let styled = String::from_utf8_lossy(&tmux.run(&["capture-pane", "-p", "-e", "-t", "clerk"]).stdout).into_owned();
    let qr_line = styled.lines().find(|l| l.contains('▀')).expect("a styled QR line");
    let white = ["48;5;15m", "48;5;7m", "[107m", "[47m", ";47m", ";107m"].iter().any(|w| qr_line.contains(w));
    let black = ["38;5;0m", "[30m", "[30;"].iter().any(|b| qr_line.contains(b));
    assert!(white && black, "the QR is drawn black on white: {qr_line:?}");

    // The Door screen for the theatre: the code admitted, then refused.
    tmux.send(&["Escape"]);
    tmux.wait_text("Events (5)");
    tmux.send(&["d"]);
    tmux.wait_text("Door main · Hamlet at the Grand Theatre");
    tmux.type_text(&code);
    tmux.send(&["Enter"]);
    let s = tmux.wait_text("ADMITTED · seat A10 · Adult");
    assert!(s.contains("███  ████  █   █ █████ █████ █████ █████ ████"), "large letters:\n{s}");
    // The count is the screen's next reload (the read worker's), which may
    // land a frame after the door's answer.
    tmux.wait_text("Admitted 1 / sold 1");
    tmux.type_text(&code);
    tmux.send(&["Enter"]);
    let s = tmux.wait_text("REFUSED · already used");
    assert!(s.contains("████  █████ █████ █   █  ████ █████ ████"), "large letters:\n{s}");
    // Ctrl-C quits (q is text in the code field).
    tmux.send(&["q", "C-c"]);
    let s = tmux.wait_for("the exit status", |s| s.lines().any(|l| l.starts_with("BOXOFFICE_EXIT=")));
    assert!(s.contains("BOXOFFICE_EXIT=0"), "{s}");
}

/// The QR code in a terminal capture (the receipt's, one column in from the border).
fn common_qr(screen: &str) -> Option<String> {
    let rows: Vec<String> = screen.lines().map(str::to_string).collect();
    decode_screen_qr(&rows, 1)
}

/// Keys typed ahead of a change are dropped: one `send-keys` carries the
/// customer form's Enter and more text (`r` would open the release prompt,
/// `s` take a payment, `x` open the cancel prompt). Nothing after Enter acts:
/// the sale reaches the payment panel untouched, and no payment is recorded.
#[test]
fn keys_typed_after_the_customer_forms_enter_are_dropped_not_run() {
    if !tmux_available() {
        eprintln!("SKIP real_terminal: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("boxoffice.db");
    let tmux = start_app(&db, "-typeahead");
    tmux.wait_text("Hamlet at the Grand Theatre");
    tmux.hold_and_type_jane("2", "Held A10 A11 until");
    // Enter and the rest of a fast typist's keys, in one write to the terminal.
    tmux.send(&["Enter", "rsxsy"]);
    tmux.wait_text("PAYMENT_PENDING");
    // A marker key: once the help shows, every key before it has been read.
    tmux.send(&["?"]);
    let s = tmux.wait_text("Help ·");
    for prompt in ["Release hold", "Cancel booking", "Record a FAILED payment"] {
        assert!(!s.contains(prompt), "a key typed after Enter opened {prompt:?}:\n{s}");
    }
    let conn = rusqlite::Connection::open(&db).expect("open");
    let one = |sql: &str| -> String { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    let jane =
        "(SELECT b.id FROM bookings b JOIN customers c ON c.id = b.customer_id WHERE c.email = 'jane@example.com')";
    assert_eq!(one(&format!("SELECT status FROM bookings WHERE id = {jane}")), "PAYMENT_PENDING");
    assert_eq!(one(&format!("SELECT count(*) || '' FROM payment_attempts WHERE booking_id = {jane}")), "0");
    assert_eq!(
        one(&format!("SELECT h.status FROM holds h JOIN bookings b ON b.hold_id = h.id WHERE b.id = {jane}")),
        "ACTIVE"
    );
    // Quitting with the unpaid booking asks first; k keeps it.
    // (Esc and q in one write would read as Alt-q.)
    tmux.send(&["Escape"]);
    tmux.wait_for("the help closed", |s| !s.contains("Help ·"));
    tmux.send(&["q"]);
    tmux.wait_text("kept until");
    tmux.send(&["k"]);
    let s = tmux.wait_for("the exit status", |s| s.lines().any(|l| l.starts_with("BOXOFFICE_EXIT=")));
    assert!(s.contains("BOXOFFICE_EXIT=0"), "{s}");
}

/// How long a key took to show: from `send-keys` to the first capture that
/// shows `shown` (polled a couple of milliseconds apart).
fn latency(tmux: &Tmux, keys: &[&str], what: &str, shown: impl Fn(&str) -> bool) -> Duration {
    let sent = Instant::now();
    tmux.send(keys);
    loop {
        let screen = tmux.capture();
        if shown(&screen) {
            return sent.elapsed();
        }
        if sent.elapsed() > WAIT {
            panic!("{what}: not drawn after {WAIT:?}; the pane shows:\n{screen}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The status bar: the last row of the app's screen.
fn status_bar(screen: &str) -> &str {
    screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("")
}

#[test]
fn keys_are_drawn_within_100_ms_while_another_process_holds_the_write_lock() {
    if !tmux_available() {
        eprintln!("SKIP real_terminal: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("boxoffice.db");
    let tmux = start_app(&db, "-lock");
    tmux.wait_text("Hamlet at the Grand Theatre");
    tmux.wait_text("tick ok");
    tmux.send(&["Down", "Down", "Enter"]);
    tmux.wait_text("── STAGE ──");
    tmux.send(&["2"]);
    tmux.wait_text("quantity 2");

    // Another process takes the write lock and keeps it for 10 s.
    let locker = rusqlite::Connection::open(&db).expect("locker");
    locker.execute_batch("BEGIN IMMEDIATE").expect("the write lock");
    let locked = Instant::now();
    let mut latencies: Vec<(String, Duration)> = Vec::new();
    let mut measure = |keys: &[&str], what: &str, shown: &dyn Fn(&str) -> bool| {
        let took = latency(&tmux, keys, what, shown);
        println!("{:>7.1} ms  {what}", took.as_secs_f64() * 1000.0);
        latencies.push((what.to_string(), took));
    };

    // Enter holds: the write waits for the lock, and the status bar says so.
    measure(&["Enter"], "Enter: hold, waiting shown", &|s| {
        status_bar(s).contains("waiting for the database: holding 2 seat(s)…")
    });
    // Keys keep answering while it waits: the seat map, the help, the tabs,
    // typing a search (its list is read meanwhile: readers are not blocked).
    while locked.elapsed() < Duration::from_secs(8) {
        measure(&["Right"], "Right: cursor A12", &|s| s.contains("Cursor A12"));
        measure(&["Left"], "Left: cursor A11", &|s| s.contains("Cursor A11"));
        measure(&["?"], "?: help opens", &|s| s.contains("Help ·"));
        measure(&["?"], "?: help closes", &|s| !s.contains("Help ·"));
        measure(&["Tab"], "Tab: bookings", &|s| s.contains(" Bookings ("));
        measure(&["/"], "/: search", &|s| s.contains("Customer: ▏"));
        measure(&["j"], "j: typed", &|s| s.contains("Customer: j▏"));
        measure(&["BSpace"], "Backspace: deleted", &|s| s.contains("Customer: ▏"));
        measure(&["Enter"], "Enter: search kept", &|s| s.contains("Customer: (/ to search)"));
        measure(&["BTab"], "Shift-Tab: back to the sale", &|s| s.contains("Cursor A11"));
    }
    // It shows how long it has waited, and a second write is refused.
    let s = tmux.wait_for("the wait counted in seconds", |s| {
        status_bar(s).contains("holding 2 seat(s)… ") && !status_bar(s).contains("… 0 s")
    });
    assert!(status_bar(&s).contains("Esc stops waiting"), "{s}");
    measure(&["b"], "b: second hold refused", &|s| {
        s.contains("Still waiting for the database: holding 2 seat(s) (Esc stops waiting)")
    });

    // Esc gives up waiting, with the lock still held: nothing was done.
    measure(&["Escape"], "Esc: stopped waiting", &|s| {
        s.contains("Stopped waiting: holding 2 seat(s) did not happen, nothing changed")
    });
    let s = tmux.capture();
    assert!(!status_bar(&s).contains("waiting for the database"), "{s}");
    assert!(s.contains("── STAGE ──"), "still on the sale:\n{s}");

    let held_on_hamlet = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row(
            "SELECT count(*) FROM holds h JOIN events e ON e.id = h.event_id
             WHERE e.name LIKE 'Hamlet%' AND h.actor LIKE 'clerk:%'",
            [],
            |r| r.get(0),
        )
        .expect("holds")
    };
    assert_eq!(held_on_hamlet(&locker), 0, "Esc: no hold was made");
    while locked.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    locker.execute_batch("ROLLBACK").expect("release the lock");

    // With the lock free, Enter holds the seats, once.
    tmux.send(&["Enter"]);
    tmux.wait_text("Held A10 A11 until");
    let check = rusqlite::Connection::open(&db).expect("check");
    assert_eq!(held_on_hamlet(&check), 1, "exactly one hold");
    let created: i64 = check
        .query_row(
            "SELECT count(*) FROM audit_log a JOIN holds h ON h.id = a.entity_id JOIN events e ON e.id = h.event_id
             WHERE a.action = 'HOLD_CREATED' AND e.name LIKE 'Hamlet%'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(created, 1, "one HOLD_CREATED audit row");

    // Quitting while a write waits does not hang: the write stops waiting
    // (the hold stays, the release never began) and the terminal is restored.
    check.execute_batch("BEGIN IMMEDIATE").expect("the lock again");
    tmux.send(&["r"]);
    tmux.wait_text("Release hold");
    tmux.send(&["y"]);
    tmux.wait_for("the release waiting", |s| status_bar(s).contains("waiting for the database: releasing the hold"));
    let quit = Instant::now();
    // A hold is open: quitting asks what becomes of it; k keeps it.
    tmux.send(&["q"]);
    tmux.wait_text("kept until");
    tmux.send(&["k"]);
    let s = tmux.wait_for("the exit status", |s| s.lines().any(|l| l.starts_with("BOXOFFICE_EXIT=")));
    println!("{:>7.1} ms  q: quit with a write waiting for the lock", quit.elapsed().as_secs_f64() * 1000.0);
    assert!(s.contains("BOXOFFICE_EXIT=0"), "{s}");
    assert_eq!(tmux.display("#{alternate_on}"), "0", "the alternate screen was left");
    let status: String = check
        .query_row(
            "SELECT h.status FROM holds h JOIN events e ON e.id = h.event_id WHERE e.name LIKE 'Hamlet%'",
            [],
            |r| r.get(0),
        )
        .expect("hold");
    check.execute_batch("ROLLBACK").expect("release");
    assert_eq!(status, "ACTIVE", "the release waiting at quit never happened");

    let slow: Vec<String> = latencies
        .iter()
        .filter(|(_, t)| *t > Duration::from_millis(100))
        .map(|(w, t)| format!("{w}: {:.1} ms", t.as_secs_f64() * 1000.0))
        .collect();
    println!("{} keys while the lock was held; slowest {:.1} ms", latencies.len(), {
        latencies.iter().map(|(_, t)| t.as_secs_f64() * 1000.0).fold(0.0, f64::max)
    });
    assert!(slow.is_empty(), "keys drawn later than 100 ms while the lock was held:\n{}", slow.join("\n"));
    let verify =
        Command::new(env!("CARGO_BIN_EXE_boxoffice")).arg("--db").arg(&db).arg("verify").output().expect("verify");
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}
