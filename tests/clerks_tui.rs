//! Clerks at the keyboard (issue 12): the app opens on the sign-in (a demo
//! file's names its demo supervisor and PIN; a file with no clerks asks for
//! its first supervisor), locks after the venue's idle minutes while holds
//! keep counting down behind it, and a clerk's own sale is theirs to resume
//! after a restart. Tender and the Till by keys: assets/scripts/11-clerk-and-till.script.

mod common;

use boxoffice::tui::app::{Overlay, Prompt};
use boxoffice::tui::headless::Headless;
use common::tui::{open_theatre, press, start};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A demo app as the real terminal runs it: gated, nobody signed in yet.
fn gated_demo() -> Headless {
    let mut h = Headless::demo(start(), 1, 120, 40).expect("app");
    h.app.info.gate = true;
    h.app.clerk = None;
    h.app.demo_sign_in = true;
    h.refresh();
    h
}

fn prompt(h: &Headless) -> Option<Prompt> {
    match &h.app.overlay {
        Some(Overlay::Prompt(kind, _)) => Some(kind.clone()),
        _ => None,
    }
}

#[test]
fn the_app_opens_on_the_sign_in_and_a_demo_file_names_its_supervisor() {
    let mut h = gated_demo();
    assert_eq!(prompt(&h), Some(Prompt::SignIn));
    let s = h.screen_text();
    assert!(s.contains("Sign in") && s.contains("Demo file: sign in as demo with PIN 1234"), "{s}");
    // Keys are typed into the form, not obeyed: q does not quit, Esc does not close it.
    press(&mut h, &[KeyCode::Char('q'), KeyCode::Esc]);
    assert!(!h.app.quit);
    assert_eq!(prompt(&h), Some(Prompt::SignIn));
    // A wrong PIN: refused, counted, the PIN field emptied for another try.
    h.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    h.type_text("9999");
    press(&mut h, &[KeyCode::Enter]);
    assert_eq!(prompt(&h), Some(Prompt::SignIn));
    assert!(h.screen_text().contains("wrong name or PIN (4 more wrong PINs"), "{}", h.screen_text());
    let wrong: i64 = h
        .desk()
        .conn()
        .query_row("SELECT failed_pins FROM clerks WHERE name = 'demo'", [], |r| r.get(0))
        .expect("count");
    assert_eq!(wrong, 1);
    h.type_text("1234");
    press(&mut h, &[KeyCode::Enter]);
    assert_eq!(h.app.overlay.as_ref().map(|_| "open"), None, "signed in: the form is gone");
    assert!(h.screen_text().contains("Signed in as demo (supervisor)"));
    assert_eq!(h.app.clerk.as_ref().map(|c| c.name().to_string()), Some("demo".into()));
}

#[test]
fn a_file_with_no_clerks_asks_for_its_first_supervisor() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("venue.db");
    {
        let (ctx, _) = boxoffice::Context::manual(start(), 1, boxoffice::Config::default());
        let desk = boxoffice::Desk::open(&path, ctx, "clerk:setup").expect("open");
        boxoffice::demo::decline(&desk).expect("no demo");
    }
    let mut h = Headless::on_file(&path, start(), 1, 120, 40).expect("app");
    assert!(h.app.clerk.is_none(), "no demo supervisor to start as");
    h.app.info.gate = true;
    h.app.needs_first_supervisor = true;
    h.refresh();
    assert_eq!(prompt(&h), Some(Prompt::FirstSupervisor));
    assert!(h.screen_text().contains("This file has no clerks yet"));
    h.type_text("Meera");
    press(&mut h, &[KeyCode::Tab]);
    h.type_text("4321");
    press(&mut h, &[KeyCode::Tab]);
    h.type_text("4312");
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.screen_text().contains("the two PINs differ"), "{}", h.screen_text());
    let none: i64 = h.desk().conn().query_row("SELECT count(*) FROM clerks", [], |r| r.get(0)).expect("count");
    assert_eq!(none, 0, "nothing written");
    for _ in 0..4 {
        press(&mut h, &[KeyCode::Backspace]);
    }
    h.type_text("4321");
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.screen_text().contains("Signed in as Meera (supervisor)"), "{}", h.screen_text());
    let role: String =
        h.desk().conn().query_row("SELECT role FROM clerks WHERE name = 'Meera'", [], |r| r.get(0)).expect("Meera");
    assert_eq!(role, "supervisor");
    assert_eq!(prompt(&h), None);
}

#[test]
fn the_screen_locks_after_the_idle_minutes_holds_keep_running_and_the_notice_waits() {
    let mut h = Headless::demo(start(), 1, 120, 40).expect("app");
    h.app.info.gate = true;
    // The venue's setting, read when the clerk signs in.
    h.desk().set_setting("idle_lock_minutes", "3").expect("setting");
    h.sign_in("demo", "1234");
    assert_eq!(h.app.idle_lock_minutes, 3);
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('2'), KeyCode::Enter]);
    assert!(h.screen_text().contains("Held A10 A11"));
    h.advance(chrono::Duration::minutes(2));
    assert_eq!(prompt(&h), None, "2 idle minutes: not yet");
    h.advance(chrono::Duration::minutes(1));
    assert_eq!(prompt(&h), Some(Prompt::Unlock));
    assert!(h.screen_text().contains("Locked after 3 idle minute(s): demo's PIN unlocks"), "{}", h.screen_text());
    // Behind the lock the hold runs out; its notice waits for the clerk.
    h.advance(chrono::Duration::minutes(3));
    assert_eq!(prompt(&h), Some(Prompt::Unlock));
    let expired: i64 =
        h.desk().conn().query_row("SELECT count(*) FROM holds WHERE status = 'EXPIRED'", [], |r| r.get(0)).expect("n");
    assert_eq!(expired, 1);
    press(&mut h, &[KeyCode::Char('q')]);
    assert!(!h.app.quit, "q is a PIN character here");
    press(&mut h, &[KeyCode::Backspace]);
    h.type_text("1234");
    press(&mut h, &[KeyCode::Enter]);
    match &h.app.overlay {
        Some(Overlay::Notice { lines, .. }) => assert!(lines.iter().any(|l| l.contains("expired")), "{lines:?}"),
        other => panic!("the expiry's notice after unlocking, not {other:?}"),
    }
}

#[test]
fn a_clerk_resumes_their_own_hold_after_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("venue.db");
    {
        let mut h = Headless::on_file(&path, start(), 1, 120, 40).expect("app");
        open_theatre(&mut h);
        press(&mut h, &[KeyCode::Char('2'), KeyCode::Enter]);
        assert!(h.screen_text().contains("Held A10 A11"));
    }
    // The app restarts (a new terminal name): the demo supervisor's hold is theirs.
    let mut h = Headless::on_file(&path, start(), 2, 120, 40).expect("app again");
    open_theatre(&mut h);
    let s = h.screen_text();
    assert!(s.contains("A10 A11") && !s.contains("held by another sale"), "{s}");
    assert!(h.app.sell.as_ref().is_some_and(|s| s.hold.is_some()), "the hold is resumed");
}
