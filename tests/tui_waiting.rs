//! The app while another process holds the database's write lock: the
//! clerk's write waits on the write worker, the UI keeps answering, Esc
//! stops the wait, and nothing is ever applied twice. Headless, on a file
//! (WAL, where readers are not blocked by a writer), with a second raw
//! connection holding `BEGIN IMMEDIATE` as a long job or a `sqlite3` shell would.

mod common;
use boxoffice::clock::Clock;
use boxoffice::store;
use boxoffice::tui::Msg;
use boxoffice::tui::app::{Screen, Stage};
use boxoffice::tui::headless::Headless;
use chrono::Duration;
use common::tui::{open_theatre, press, start};
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Another process's connection holding the write lock until dropped or released.
struct Lock(Connection);

impl Lock {
    fn take(path: &Path) -> Lock {
        let conn = Connection::open(path).expect("locker");
        conn.execute_batch("BEGIN IMMEDIATE").expect("the lock");
        Lock(conn)
    }

    fn release(self) {
        self.0.execute_batch("COMMIT").expect("release");
    }
}

fn count(h: &Headless, sql: &str) -> i64 {
    h.desk().conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// Live holds on the theatre (the demo data sold out another show with one).
fn holds(h: &Headless) -> i64 {
    count(h, "SELECT count(*) FROM holds h JOIN events e ON e.id = h.event_id WHERE e.name LIKE 'Hamlet%'")
}

/// The audit actions written after row `seq`, oldest first.
fn audit_since(h: &Headless, seq: i64) -> Vec<String> {
    let mut st = h.desk().conn().prepare("SELECT action FROM audit_log WHERE seq > ?1 ORDER BY seq").expect("audit");
    st.query_map([seq], |r| r.get(0)).expect("audit").collect::<Result<_, _>>().expect("audit")
}

fn last_seq(h: &Headless) -> i64 {
    count(h, "SELECT coalesce(max(seq), 0) FROM audit_log")
}

fn message(h: &Headless) -> String {
    h.app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default()
}

/// The theatre open with N = 2, on a file of its own.
fn theatre(dir: &Path) -> Headless {
    let mut h = Headless::on_file(&dir.join("box.db"), start(), 1, 120, 40).expect("app");
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('2')]);
    h
}

/// Shows what has arrived for a while and checks the write is still waiting:
/// with the lock held it cannot have finished.
fn still_waiting(h: &mut Headless) {
    for _ in 0..20 {
        std::thread::sleep(std::time::Duration::from_millis(10));
        h.pump();
        assert!(h.app.write.is_some(), "the write finished while the lock was held: {}", message(h));
    }
}

#[test]
fn esc_stops_waiting_for_a_locked_hold_and_nothing_is_applied() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = theatre(dir.path());
    let seq = last_seq(&h);
    let lock = Lock::take(&dir.path().join("box.db"));
    h.send_key(KeyEvent::from(KeyCode::Enter));
    still_waiting(&mut h);
    let key = h.app.write.as_ref().and_then(|p| p.retry.clone()).expect("the hold's key").1;

    // The screen says what it waits for, and for how long, as the clock moves.
    let s = h.render().join("\n");
    assert!(s.contains("waiting for the database: holding 2 seat(s)… 0 s · Esc stops waiting"), "{s}");
    h.clock.advance(Duration::seconds(3));
    h.send(Msg::Tick { now: h.clock.now() });
    let s = h.render().join("\n");
    assert!(s.contains("holding 2 seat(s)… 3 s"), "{s}");
    assert!(s.contains("Expires in") || s.contains("STAGE"), "the sale is still on screen:\n{s}");

    // Other keys keep working: the help opens and closes, the cursor moves.
    h.send_key(KeyEvent::from(KeyCode::Char('?')));
    let s = h.render().join("\n");
    assert!(s.contains("Waiting for the database"), "the help lists the Esc key:\n{s}");
    assert!(!s.contains("Esc stops waiting"), "with the help open, Esc closes it:\n{s}");
    h.send_key(KeyEvent::from(KeyCode::Esc));
    assert!(h.app.overlay.is_none() && h.app.write.as_ref().is_some_and(|p| !p.gave_up), "Esc closed the help only");
    let cursor = h.app.sell.as_ref().map(|s| s.cursor);
    h.send_key(KeyEvent::from(KeyCode::Right));
    assert_ne!(h.app.sell.as_ref().map(|s| s.cursor), cursor, "the seat map cursor moves while waiting");
    // A second write is refused, naming what is still on its way.
    h.send_key(KeyEvent::from(KeyCode::Char('b')));
    assert_eq!(message(&h), "Still waiting for the database: holding 2 seat(s) (Esc stops waiting)");
    still_waiting(&mut h);

    // Esc: the worker stops waiting at once; the hold never began.
    h.key(KeyEvent::from(KeyCode::Esc));
    assert!(h.app.write.is_none());
    assert_eq!(
        message(&h),
        "Stopped waiting: holding 2 seat(s) did not happen, nothing changed; try again when the database is free"
    );
    assert_eq!(h.app.screen, Screen::Sell, "Esc stopped the wait, it did not leave the sale");
    assert_eq!(h.app.sell.as_ref().map(|s| s.stage), Some(Stage::Choose));
    assert_eq!(holds(&h), 0);
    assert_eq!(audit_since(&h, seq), Vec::<String>::new(), "no audit row: nothing happened");
    let s = h.screen_text();
    assert!(!s.contains("waiting for the database"), "{s}");

    // Once the lock is free, trying again holds the seats, with the same key.
    lock.release();
    h.key(KeyEvent::from(KeyCode::Enter));
    assert!(message(&h).starts_with("Held A10 A11 until"), "{}", message(&h));
    assert_eq!(holds(&h), 1);
    let stored: String = h
        .desk()
        .conn()
        .query_row("SELECT key FROM idempotency_keys WHERE scope = 'hold' AND key LIKE 'hold-%'", [], |r| r.get(0))
        .expect("the hold's key");
    assert_eq!(stored, key, "the retry reused the key of the hold given up on");
    assert!(h.desk().verify().expect("verify").is_empty());
}

#[test]
fn a_hold_waits_for_the_lock_and_is_applied_once_when_it_frees() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = theatre(dir.path());
    let seq = last_seq(&h);
    let lock = Lock::take(&dir.path().join("box.db"));
    h.send_key(KeyEvent::from(KeyCode::Enter));
    still_waiting(&mut h);
    lock.release();
    h.settle();
    assert!(message(&h).starts_with("Held A10 A11 until"), "{}", message(&h));
    assert_eq!(h.app.sell.as_ref().map(|s| s.stage), Some(Stage::Held));
    assert_eq!(holds(&h), 1);
    assert_eq!(audit_since(&h, seq), ["HOLD_CREATED"], "applied once");
    let s = h.screen_text();
    assert!(s.contains("Held A10 A11") && !s.contains("waiting for the database"), "{s}");
    assert!(h.desk().verify().expect("verify").is_empty());
}

#[test]
fn a_hold_that_went_through_before_esc_is_shown_as_done() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = theatre(dir.path());
    let lock = Lock::take(&dir.path().join("box.db"));
    h.send_key(KeyEvent::from(KeyCode::Enter));
    still_waiting(&mut h);
    lock.release();
    // The hold commits on the worker; the clerk presses Esc before the answer is shown.
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    while holds(&h) == 0 {
        assert!(Instant::now() < deadline, "the hold never committed");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    h.key(KeyEvent::from(KeyCode::Esc));
    assert!(message(&h).starts_with("Went through after all: Held A10 A11 until"), "{}", message(&h));
    assert_eq!(h.app.sell.as_ref().map(|s| s.stage), Some(Stage::Held), "the database is the truth");
    assert_eq!(holds(&h), 1);
    // Pressing on is the hold's next step, not a second hold.
    press(&mut h, &[KeyCode::Char('c')]);
    assert!(h.screen_text().contains("email or phone"));
    assert_eq!(holds(&h), 1);
}

#[test]
fn a_payment_given_up_on_is_sent_again_with_the_same_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = theatre(dir.path());
    press(&mut h, &[KeyCode::Enter, KeyCode::Enter]);
    h.type_text("Jane Doe");
    press(&mut h, &[KeyCode::Tab]);
    h.type_text("jane@example.com");
    press(&mut h, &[KeyCode::Enter]);
    assert_eq!(h.app.sell.as_ref().map(|s| s.stage), Some(Stage::Payment));
    let lock = Lock::take(&dir.path().join("box.db"));
    h.send_key(KeyEvent::from(KeyCode::Char('s')));
    still_waiting(&mut h);
    h.key(KeyEvent::from(KeyCode::Esc));
    assert!(message(&h).starts_with("Stopped waiting: recording the payment (success)"), "{}", message(&h));
    assert_eq!(count(&h, "SELECT count(*) FROM payment_attempts WHERE idempotency_key LIKE 'pay-%'"), 0);
    let key = h.app.retry.clone().expect("kept for a retry").1;
    lock.release();
    h.key(KeyEvent::from(KeyCode::Char('s')));
    assert!(message(&h).contains("succeeded: booking CONFIRMED"), "{}", message(&h));
    let stored: String = h
        .desk()
        .conn()
        .query_row("SELECT idempotency_key FROM payment_attempts WHERE idempotency_key LIKE 'pay-%'", [], |r| r.get(0))
        .expect("attempt");
    assert_eq!(stored, key);
    assert!(h.desk().verify().expect("verify").is_empty());
}

/// The mechanism under Esc: a lock wait on a thread whose flag is set ends
/// while the lock is still held (without it, `begin` waits until the lock is
/// released and then succeeds).
#[test]
fn a_lock_wait_ends_when_its_thread_is_told_to_stop_waiting() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("box.db");
    drop(store::open(&path, store::Durability::Full).expect("create"));
    let lock = Lock::take(&path);
    let flag = Arc::new(AtomicBool::new(false));
    let (started_tx, started) = std::sync::mpsc::channel();
    let (result_tx, result) = std::sync::mpsc::channel();
    let (p, f) = (path.clone(), flag.clone());
    let waiter = std::thread::spawn(move || {
        let conn = store::open(&p, store::Durability::Full).expect("open");
        let _stop = store::stop_waiting_when(f);
        started_tx.send(()).expect("started");
        let began = store::begin(&conn).map(|tx| tx.rollback().is_ok()).map_err(|e| e.to_string());
        result_tx.send((began, store::waits_cancelled())).expect("result");
    });
    started.recv().expect("the waiter started");
    std::thread::sleep(std::time::Duration::from_millis(100));
    flag.store(true, Ordering::Relaxed);
    // The answer must come while the lock is still held, and sooner than
    // SQLite's own 5 s busy timeout would end the wait; only then is it released.
    let answer = result.recv_timeout(std::time::Duration::from_secs(4));
    lock.release();
    let (began, cancelled) = answer.unwrap_or_else(|_| {
        let late = result.recv().expect("result");
        panic!("still waiting 4 s after the flag was set; once the lock was free: {late:?}")
    });
    waiter.join().expect("waiter");
    let err = began.expect_err("the wait stopped before the lock was free");
    assert!(err.contains("busy"), "{err}");
    assert!(cancelled, "the waiter's thread saw its flag");
    assert!(!store::waits_cancelled(), "the flag belongs to the waiter's thread only");
}
