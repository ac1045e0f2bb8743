//! Clerks at the keyboard (issue 12): the app opens on the sign-in (a demo
//! file's names its demo supervisor and PIN; a file with no clerks asks for
//! its first supervisor), locks after the venue's idle minutes while holds
//! keep counting down behind it, and a clerk's own sale is theirs to resume
//! after a restart. A supervisor's Clerks screen (add, disable, the engine's
//! refusals for a clerk), the refund override on a cancel prompt, and the
//! status bar's clerk and shift. Tender and the Till by keys:
//! assets/scripts/11-clerk-and-till.script; the supervisor's: 12-supervisor.script.

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

// ---- the supervisor's Clerks screen and the refund override (keys) -----------------

use boxoffice::tui::app::Screen;

fn count(h: &Headless, sql: &str) -> i64 {
    h.desk().conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// Tab to the Till, then `c`.
fn open_clerks(h: &mut Headless) {
    while h.app.screen != Screen::Till {
        press(h, &[KeyCode::Tab]);
    }
    press(h, &[KeyCode::Char('c')]);
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

#[test]
fn a_supervisor_adds_and_disables_clerks_on_the_clerks_screen() {
    let mut h = common::tui::app();
    open_clerks(&mut h);
    assert_eq!(h.app.screen, Screen::Clerks);
    let s = h.screen_text();
    assert!(s.contains("demo (you)") && s.contains("asha") && s.contains("supervisor"), "{s}");
    assert!(s.lines().any(|l| l.contains("asha") && l.contains("clerk") && l.contains("active")), "{s}");
    let clerks = count(&h, "SELECT count(*) FROM clerks");

    // Bad input: said at the field, nothing written.
    press(&mut h, &[KeyCode::Char('a')]);
    h.type_text("Ravi");
    press(&mut h, &[KeyCode::Tab]);
    h.key(ctrl('u'));
    h.type_text("boss");
    press(&mut h, &[KeyCode::Tab]);
    h.type_text("4321");
    press(&mut h, &[KeyCode::Tab]);
    h.type_text("4321");
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.screen_text().contains("Role must be clerk or supervisor"), "{}", h.screen_text());
    h.key(ctrl('u'));
    h.type_text("clerk");
    press(&mut h, &[KeyCode::Tab]);
    h.key(ctrl('u'));
    h.type_text("12");
    press(&mut h, &[KeyCode::Tab]);
    h.key(ctrl('u'));
    h.type_text("12");
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.screen_text().contains("PIN must be 4 to 12 digits"), "{}", h.screen_text());
    // The PIN is typed again; twice, differently.
    h.type_text("4321");
    press(&mut h, &[KeyCode::Tab]);
    h.type_text("4312");
    let s = h.screen_text();
    assert!(s.contains("••••") && !s.contains("4321") && !s.contains("4312"), "PINs are masked:\n{s}");
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.screen_text().contains("PIN again differs from the PIN"), "{}", h.screen_text());
    assert_eq!(count(&h, "SELECT count(*) FROM clerks"), clerks, "nothing added yet");
    h.type_text("4321");
    press(&mut h, &[KeyCode::Tab]);
    h.type_text("4321");
    press(&mut h, &[KeyCode::Enter]);
    let s = h.screen_text();
    assert!(s.contains("Added Ravi (clerk)"), "{s}");
    assert!(s.lines().any(|l| l.contains("Ravi") && l.contains("clerk") && l.contains("active")), "{s}");
    assert_eq!(count(&h, "SELECT count(*) FROM clerks WHERE name = 'Ravi' AND role = 'clerk'"), 1);
    assert_eq!(
        count(
            &h,
            "SELECT count(*) FROM audit_log WHERE action = 'CLERK_ADDED' AND actor = 'demo' AND json_extract(details, '$.name') = 'Ravi'"
        ),
        1
    );

    // A name already taken (whatever its case): the engine's word, at the field.
    press(&mut h, &[KeyCode::Char('a')]);
    h.type_text("ASHA");
    press(&mut h, &[KeyCode::Tab, KeyCode::Tab]);
    h.type_text("9876");
    press(&mut h, &[KeyCode::Tab]);
    h.type_text("9876");
    press(&mut h, &[KeyCode::Enter]);
    let s = h.screen_text();
    assert!(s.contains("Not added: there is already a clerk named 'ASHA'") && s.contains("Add a clerk"), "{s}");
    assert_eq!(count(&h, "SELECT count(*) FROM clerks"), clerks + 1, "only Ravi");
    press(&mut h, &[KeyCode::Esc]);

    // Nor the last supervisor, nor themself: y/n, then the engine's refusal.
    let me = h.app.office.clerks.rows.iter().position(|c| c.name == "demo").expect("demo listed");
    press(&mut h, &[KeyCode::Home]);
    for _ in 0..me {
        press(&mut h, &[KeyCode::Down]);
    }
    press(&mut h, &[KeyCode::Char('d')]);
    assert!(h.screen_text().contains("Disable demo (supervisor)?"), "{}", h.screen_text());
    press(&mut h, &[KeyCode::Char('y')]);
    assert!(h.screen_text().contains("Not disabled: demo is the last supervisor"), "{}", h.screen_text());
    h.desk().add_clerk("Meera", boxoffice::domain::Role::Supervisor, "5678").expect("a second supervisor");
    h.refresh();
    assert_eq!(h.app.office.clerks.selected().map(|c| c.name.as_str()), Some("demo"), "the same row stays selected");
    press(&mut h, &[KeyCode::Char('d'), KeyCode::Char('y')]);
    assert!(h.screen_text().contains("Not disabled: demo cannot disable their own account"), "{}", h.screen_text());
    assert_eq!(count(&h, "SELECT count(*) FROM clerks WHERE disabled_at IS NOT NULL"), 0);

    // Ravi is disabled: y/n first (n keeps him), then y.
    let ravi = h.app.office.clerks.rows.iter().position(|c| c.name == "Ravi").expect("Ravi listed");
    press(&mut h, &[KeyCode::Home]);
    for _ in 0..ravi {
        press(&mut h, &[KeyCode::Down]);
    }
    press(&mut h, &[KeyCode::Char('d'), KeyCode::Char('n')]);
    assert!(h.screen_text().contains("Ravi stays enabled"));
    press(&mut h, &[KeyCode::Char('d'), KeyCode::Char('y')]);
    let s = h.screen_text();
    assert!(s.contains("Disabled Ravi (clerk)"), "{s}");
    assert!(s.lines().any(|l| l.contains("Ravi") && l.contains("disabled since")), "{s}");
    assert_eq!(count(&h, "SELECT count(*) FROM audit_log WHERE action = 'CLERK_DISABLED' AND actor = 'demo'"), 1);

    // A clerk locked out by wrong PINs shows until when.
    for _ in 0..5 {
        assert!(h.desk().sign_in("asha", "0000").is_err());
    }
    let s = h.screen_text();
    assert!(s.lines().any(|l| l.contains("asha") && l.contains("locked until 09:05:00")), "{s}");
    press(&mut h, &[KeyCode::Esc]);
    assert_eq!(h.app.screen, Screen::Till);
}

#[test]
fn a_clerk_opening_or_acting_on_the_clerks_screen_sees_the_engines_refusal_and_nothing_changes() {
    let mut h = common::tui::app();
    h.sign_in("asha", "2222");
    let before = count(&h, "SELECT count(*) FROM clerks");
    open_clerks(&mut h);
    assert_eq!(h.app.screen, Screen::Till, "the screen does not open");
    let s = h.screen_text();
    assert!(s.contains("Clerks: only a supervisor may manage clerks; asha is signed in as a clerk"), "{s}");
    assert_eq!(count(&h, "SELECT count(*) FROM audit_log WHERE action = 'ACCESS_REFUSED' AND actor = 'asha'"), 1);
    assert_eq!(count(&h, "SELECT count(*) FROM clerks"), before);

    // A supervisor with the screen open is made a clerk at another terminal:
    // disabling, adding and reading it again are refused by the engine, the
    // screen closes, and nothing changes.
    h.sign_in("demo", "1234");
    h.desk().add_clerk("Meera", boxoffice::domain::Role::Supervisor, "5678").expect("another supervisor");
    let demote = |h: &Headless, role: &str| {
        h.desk().conn().execute("UPDATE clerks SET role = ?1 WHERE name = 'demo'", [role]).expect("role");
    };
    open_clerks(&mut h);
    assert_eq!(h.app.screen, Screen::Clerks);
    demote(&h, "clerk");
    let asha = h.app.office.clerks.rows.iter().position(|c| c.name == "asha").expect("asha listed");
    press(&mut h, &[KeyCode::Home]);
    for _ in 0..asha {
        press(&mut h, &[KeyCode::Down]);
    }
    press(&mut h, &[KeyCode::Char('d'), KeyCode::Char('y')]);
    assert!(
        h.screen_text().contains("Not disabled: only a supervisor may manage clerks; demo is signed in as a clerk")
    );
    assert_eq!(h.app.screen, Screen::Till);
    assert_eq!(count(&h, "SELECT count(*) FROM clerks WHERE disabled_at IS NOT NULL"), 0);

    demote(&h, "supervisor");
    open_clerks(&mut h);
    demote(&h, "clerk");
    press(&mut h, &[KeyCode::Char('a')]);
    h.type_text("Ravi");
    press(&mut h, &[KeyCode::Tab, KeyCode::Tab]);
    h.type_text("4321");
    press(&mut h, &[KeyCode::Tab]);
    h.type_text("4321");
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.screen_text().contains("Not added: only a supervisor may manage clerks; demo is signed in as a clerk"));
    assert_eq!((h.app.screen, h.app.overlay.is_none()), (Screen::Till, true), "no form to try again");
    assert_eq!(count(&h, "SELECT count(*) FROM clerks WHERE name = 'Ravi'"), 0);

    demote(&h, "supervisor");
    open_clerks(&mut h);
    demote(&h, "clerk");
    h.key(ctrl('r'));
    assert_eq!(h.app.screen, Screen::Till);
    assert!(h.screen_text().contains("Clerks: only a supervisor may manage clerks; demo is signed in as a clerk"));
    // One ACCESS_REFUSED row per refused attempt.
    assert_eq!(count(&h, "SELECT count(*) FROM audit_log WHERE action = 'ACCESS_REFUSED' AND actor = 'demo'"), 3);
    assert_eq!(count(&h, "SELECT count(*) FROM clerks"), before + 1, "only Meera, added by the test");
}

/// One seat of the theatre (₹500.00) sold and paid by card: the receipt.
fn sold_one(h: &mut Headless) {
    while h.app.screen != Screen::Events {
        press(h, &[KeyCode::Tab]);
    }
    open_theatre(h);
    press(h, &[KeyCode::Char('1'), KeyCode::Enter, KeyCode::Enter]);
    h.type_text("Anita Rao");
    press(h, &[KeyCode::Tab]);
    h.type_text("anita@example.com");
    press(h, &[KeyCode::Enter, KeyCode::Char('s')]);
    assert!(h.screen_text().contains("booking CONFIRMED"), "{}", h.screen_text());
}

#[test]
fn a_supervisor_overrides_the_refund_on_a_cancel_with_a_reason_previewed_before_yes() {
    let mut h = common::tui::app();
    sold_one(&mut h);
    press(&mut h, &[KeyCode::Char('x')]);
    let s = h.screen_text();
    assert!(
        s.contains("Refund ₹250.00 of ₹500.00 (fee ₹250.00, 50% policy).") && s.contains("o: another share"),
        "{s}"
    );
    // o: the engine agrees (a supervisor), then the percentage and the reason.
    press(&mut h, &[KeyCode::Char('o')]);
    assert!(h.screen_text().contains("Override the refund"), "{}", h.screen_text());
    h.key(ctrl('u'));
    h.type_text("150");
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.screen_text().contains("Percent must be a whole number 0 to 100"), "{}", h.screen_text());
    h.key(ctrl('u'));
    h.type_text("80");
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.screen_text().contains("say why the refund differs from the policy"), "{}", h.screen_text());
    h.type_text("the lights failed in act two");
    press(&mut h, &[KeyCode::Enter]);
    let s = h.screen_text();
    assert!(s.contains("Refund ₹400.00 of ₹500.00 (fee ₹100.00, override 80%, policy 50%)."), "{s}");
    assert!(s.contains("Reason: the lights failed in act two"), "{s}");
    // Esc in the form keeps what the prompt showed; n changes nothing.
    press(&mut h, &[KeyCode::Char('o'), KeyCode::Esc]);
    assert!(h.screen_text().contains("Refund ₹400.00 of ₹500.00 (fee ₹100.00, override 80%"));
    assert_eq!(count(&h, "SELECT count(*) FROM refunds"), 0, "nothing refunded before y");
    press(&mut h, &[KeyCode::Char('y')]);
    let s = h.screen_text();
    assert!(s.contains("Cancelled: refund ₹400.00 INITIATED (fee ₹100.00, 80% by override, audited)"), "{s}");
    assert_eq!(count(&h, "SELECT amount * 1000 + percent FROM refunds"), 40_000_080);
    assert_eq!(count(&h, "SELECT fee FROM refunds"), 10_000);
    let (reason, policy): (String, i64) = h
        .desk()
        .conn()
        .query_row(
            "SELECT json_extract(details, '$.override_reason'), json_extract(details, '$.policy_percent') \
             FROM audit_log WHERE action = 'REFUND_INITIATED' AND actor = 'demo'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the refund's audit row");
    assert_eq!((reason.as_str(), policy), ("the lights failed in act two", 50));
    let violations = h.desk().verify().expect("verify");
    assert!(violations.is_empty(), "{violations:?}");
}

#[test]
fn a_clerk_pressing_the_override_gets_the_engines_refusal_and_cancels_by_policy() {
    let mut h = common::tui::app();
    h.sign_in("asha", "2222");
    sold_one(&mut h);
    press(&mut h, &[KeyCode::Char('x'), KeyCode::Char('o')]);
    let s = h.screen_text();
    assert!(
        s.contains("No override: only a supervisor may override the refund percentage; asha is signed in as a clerk"),
        "{s}"
    );
    assert!(s.contains("Refund ₹250.00 of ₹500.00 (fee ₹250.00, 50% policy)."), "the prompt stays, by policy:\n{s}");
    assert_eq!(count(&h, "SELECT count(*) FROM audit_log WHERE action = 'ACCESS_REFUSED' AND actor = 'asha'"), 1);
    assert_eq!(count(&h, "SELECT count(*) FROM refunds"), 0);
    press(&mut h, &[KeyCode::Char('y')]);
    assert!(h.screen_text().contains("Cancelled: refund ₹250.00 INITIATED (fee ₹250.00); seats back on sale"));
    assert_eq!(count(&h, "SELECT percent FROM refunds"), 50);
    assert_eq!(
        count(&h, "SELECT count(*) FROM audit_log WHERE json_extract(details, '$.override_reason') IS NOT NULL"),
        0
    );
}

#[test]
fn the_status_bar_names_the_clerk_their_role_and_an_open_shift_at_80x24() {
    let mut h = Headless::demo(start(), 1, 80, 24).expect("app");
    let status = |h: &mut Headless| h.screen().last().cloned().unwrap_or_default();
    let s = status(&mut h);
    assert!(s.contains(" demo · supervisor ") && !s.contains("shift open"), "{s}");
    h.sign_in("asha", "2222");
    assert!(status(&mut h).contains(" asha · clerk "), "{}", status(&mut h));
    while h.app.screen != Screen::Till {
        press(&mut h, &[KeyCode::Tab]);
    }
    press(&mut h, &[KeyCode::Char('o')]);
    h.type_text("2000");
    press(&mut h, &[KeyCode::Enter]);
    let s = status(&mut h);
    assert!(s.contains(" asha · clerk · shift open ") && s.contains("tick: script"), "{s}");
    press(&mut h, &[KeyCode::Char('z')]);
    h.type_text("2000");
    press(&mut h, &[KeyCode::Enter]);
    assert!(!status(&mut h).contains("shift open"), "closed: {}", status(&mut h));
    // A long name: the text gets shorter, the clock and the heartbeat stay whole.
    let long = "Maximiliana Alexandrova-Ivanova";
    h.sign_in("demo", "1234");
    h.desk().add_clerk(long, boxoffice::domain::Role::Supervisor, "5678").expect("add");
    h.sign_in(long, "5678");
    let s = status(&mut h);
    assert!(s.contains(&format!(" {long} ")) && s.ends_with("tick: script"), "{s}");
}
