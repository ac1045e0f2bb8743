//! The venue's settings, its time zone and customer erasure, driven through
//! keys on the headless app: the Settings screen (values, where they come
//! from, edits in place checked by the engine), a change at another counter
//! reaching this one with the next poll, times shown and entered in the
//! venue's zone whatever the terminal's `TZ`, the live policy in the event
//! form, the cancel prompt and hold extensions, and erasing a customer from
//! a booking's detail.

mod common;
use boxoffice::Config;
use boxoffice::domain::{AuditAction, AuditFilter, AuditRow, BookingStatus, SettingKey, Source};
use boxoffice::tui::app::{Confirm, Overlay, Screen};
use boxoffice::tui::headless::Headless;
use chrono::Duration;
use common::tui::{app, open_theatre, press, start};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn ctrl(h: &mut Headless, c: char) {
    h.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

fn audit_of(h: &Headless, action: AuditAction) -> Vec<AuditRow> {
    h.desk().audit(&AuditFilter { action: Some(action), limit: 100, ..Default::default() }).expect("audit")
}

/// The screen row that shows `key`'s setting.
fn row(screen: &str, key: SettingKey) -> &str {
    screen
        .lines()
        .find(|l| l.contains(&format!(" {} ", key.as_str())))
        .unwrap_or_else(|| panic!("no {key} row:\n{screen}"))
}

fn status_bar(h: &mut Headless) -> String {
    h.screen().last().cloned().unwrap_or_default()
}

/// From the events list: the Settings screen, `key` selected, Enter, the
/// value replaced by `value`, Enter.
fn set_by_keys(h: &mut Headless, key: SettingKey, value: &str) {
    if h.app.screen != Screen::Settings {
        press(h, &[KeyCode::Char('S')]);
    }
    assert_eq!(h.app.screen, Screen::Settings);
    press(h, &[KeyCode::Home]);
    let i = SettingKey::ALL.iter().position(|k| *k == key).expect("key");
    for _ in 0..i {
        press(h, &[KeyCode::Down]);
    }
    press(h, &[KeyCode::Enter]);
    ctrl(h, 'u');
    h.type_text(value);
    press(h, &[KeyCode::Enter]);
}

/// Hold two seats of the theatre, book them for Jane Doe and pay.
fn sell_to_jane(h: &mut Headless) -> String {
    open_theatre(h);
    press(h, &[KeyCode::Char('2'), KeyCode::Enter, KeyCode::Enter]);
    h.type_text("Jane Doe");
    press(h, &[KeyCode::Tab]);
    h.type_text("jane@example.com");
    press(h, &[KeyCode::Tab]);
    h.type_text("+91 98765 43210");
    press(h, &[KeyCode::Enter, KeyCode::Char('s')]);
    let b = h.app.sell.as_ref().and_then(|s| s.booking.clone()).expect("booking");
    assert_eq!(b.status, BookingStatus::Confirmed);
    b.id
}

fn clean(h: &Headless) {
    let v = h.desk().verify().expect("verify");
    assert!(v.is_empty(), "invariants broken: {v:?}");
}

#[test]
fn the_settings_screen_lists_every_setting_with_its_value_and_source() {
    let mut h = app();
    press(&mut h, &[KeyCode::Char('S')]);
    let s = h.screen_text();
    assert_eq!(h.app.screen, Screen::Settings, "{s}");
    for &key in SettingKey::ALL {
        let r = row(&s, key);
        assert!(r.contains("default"), "{key} is not set in the demo's file: {r}");
    }
    assert!(row(&s, SettingKey::HoldMinutes).contains(" 5 "), "{s}");
    assert!(row(&s, SettingKey::TimeZone).contains("UTC"), "{s}");
    // The selected setting's meaning and range, below the list.
    assert!(s.contains("hold_minutes: minutes a new hold keeps its seats") && s.contains("values: 1–1440"), "{s}");
    press(&mut h, &[KeyCode::Down]);
    assert!(h.screen_text().contains("payment_minutes: minutes a new booking waits for payment"));

    // A value set in the file says so; Esc goes back to the events.
    set_by_keys(&mut h, SettingKey::VenueName, "Grand Theatre");
    let s = h.screen_text();
    assert!(
        row(&s, SettingKey::VenueName).contains("Grand Theatre")
            && row(&s, SettingKey::VenueName).contains("venue file")
    );
    assert!(s.contains("Venue settings · Grand Theatre"), "{s}");
    press(&mut h, &[KeyCode::Esc]);
    assert_eq!(h.app.screen, Screen::Events);
}

#[test]
fn a_flag_override_shows_on_the_status_bar_and_its_row_names_the_file_value() {
    let config = Config { refund_percent: Some(100), ..Config::default() };
    let mut h = Headless::demo_with(config, start(), 1, 120, 40).expect("app");
    let bar = status_bar(&mut h);
    assert!(bar.contains("override: refund_percent 100"), "{bar}");
    press(&mut h, &[KeyCode::Char('S')]);
    let s = h.screen_text();
    let r = row(&s, SettingKey::RefundPercent);
    assert!(r.contains("100") && r.contains("flag/env; venue file: 50"), "{r}");
    // Editing it changes the venue's file (the other counters), and says this one keeps its flag.
    set_by_keys(&mut h, SettingKey::RefundPercent, "60");
    let v = h.desk().settings().expect("settings");
    assert_eq!((v.file.refund_percent, v.source(SettingKey::RefundPercent)), (60, Source::Override));
    let s = h.screen_text();
    assert!(s.contains("refund_percent: 50 → 60") && s.contains("this counter keeps its flag's value"), "{s}");
    assert!(row(&s, SettingKey::RefundPercent).contains("venue file: 60"), "{s}");
    // Without overrides, nothing is flagged.
    let bar = status_bar(&mut app());
    assert!(!bar.contains("override"), "{bar}");
}

#[test]
fn a_value_is_edited_in_place_stored_and_audited_with_old_and_new() {
    let mut h = app();
    press(&mut h, &[KeyCode::Char('S'), KeyCode::Enter]);
    // The text box sits in the row, with the file's value and the caret.
    let s = h.screen_text();
    assert!(row(&s, SettingKey::HoldMinutes).contains("5▏"), "{s}");
    assert!(s.contains("Enter save") && s.contains("Esc cancel"), "the editing keys in the footer:\n{s}");
    press(&mut h, &[KeyCode::Backspace]);
    h.type_text("7");
    press(&mut h, &[KeyCode::Enter]);
    let v = h.desk().settings().expect("settings");
    assert_eq!((v.file.hold_minutes, v.source(SettingKey::HoldMinutes)), (7, Source::File));
    let rows = audit_of(&h, AuditAction::SettingChanged);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].details["old"].as_str(), rows[0].details["new"].as_str()), (Some("5"), Some("7")));
    assert_eq!(rows[0].actor, "demo", "the signed-in supervisor");
    let s = h.screen_text();
    assert!(h.app.settings.editing.is_none());
    assert!(s.contains("✓ hold_minutes: 5 → 7 (audited"), "{s}");
    assert!(
        row(&s, SettingKey::HoldMinutes).contains(" 7 ") && row(&s, SettingKey::HoldMinutes).contains("venue file")
    );

    // The next hold keeps its seats for 7 minutes.
    press(&mut h, &[KeyCode::Esc]);
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('1'), KeyCode::Enter]);
    assert!(h.screen_text().contains("Expires in 07:00"), "{}", h.screen_text());

    // The same value again writes nothing.
    press(&mut h, &[KeyCode::Esc]);
    set_by_keys(&mut h, SettingKey::HoldMinutes, "7");
    assert!(h.screen_text().contains("hold_minutes is already 7: nothing changed"));
    assert_eq!(audit_of(&h, AuditAction::SettingChanged).len(), 1);
    clean(&h);
}

#[test]
fn bad_values_are_refused_with_the_engines_message_and_change_nothing() {
    let mut h = app();
    let before = h.desk().settings().expect("settings");
    for (key, bad, why) in [
        (SettingKey::RefundPercent, "150", "must be a whole number 0–100 (got '150')"),
        (SettingKey::HoldMinutes, "0", "must be a whole number 1–1440 (got '0')"),
        (SettingKey::TimeZone, "Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not an IANA time zone"),
        (SettingKey::Currency, "RUPEES", "three-letter currency code"),
    ] {
        set_by_keys(&mut h, key, bad);
        let s = h.screen_text();
        assert!(s.contains("✗ Not changed:") && s.contains(why), "{key}={bad}:\n{s}");
        // The editor stays open with what was typed, the reason below it.
        let e = h.app.settings.editing.as_ref().expect("still editing");
        assert_eq!((e.key, e.input.value()), (key, bad));
        assert!(e.error.as_deref().is_some_and(|m| m.contains(why)));
        // Esc leaves it as it was.
        press(&mut h, &[KeyCode::Esc]);
        assert!(h.app.settings.editing.is_none());
        assert!(h.screen_text().contains(&format!("{key}: not changed")));
    }
    assert_eq!(h.desk().settings().expect("settings"), before, "nothing stored");
    assert!(audit_of(&h, AuditAction::SettingChanged).is_empty(), "nothing audited");
}

#[test]
fn a_change_at_another_counter_shows_here_with_the_next_poll_and_applies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("boxoffice.db");
    let mut a = Headless::on_file(&db, start(), 1, 120, 40).expect("counter a");
    let mut b = Headless::on_file(&db, start(), 2, 120, 40).expect("counter b");
    assert!(status_bar(&mut b).contains("+00:00 UTC"), "{}", status_bar(&mut b));
    let hamlet = b.screen_text();
    assert!(hamlet.contains("Mon 08 Jun 19:30"), "{hamlet}");

    // The venue moves to India at counter A: B's clock, list and Settings follow.
    set_by_keys(&mut a, SettingKey::TimeZone, "asia/kolkata");
    assert!(a.screen_text().contains("time_zone: UTC → Asia/Kolkata"));
    let s = b.screen_text();
    assert!(s.lines().last().is_some_and(|l| l.contains("2026-06-01 14:30:00 +05:30 Asia/Kolkata")), "{s}");
    assert!(s.contains("Tue 09 Jun 01:00") && !s.contains("Mon 08 Jun 19:30"), "{s}");

    // Policy: B's cancel prompt follows a refund change made at A while it is open.
    let booking = sell_to_jane(&mut b);
    press(&mut b, &[KeyCode::Char('x')]);
    assert!(b.screen_text().contains("Refund ₹500.00 of ₹1,000.00 (fee ₹500.00, 50% policy)"));
    press(&mut a, &[KeyCode::Char('S')]);
    set_by_keys(&mut a, SettingKey::RefundPercent, "80");
    let s = b.screen_text();
    assert!(s.contains("Refund ₹800.00 of ₹1,000.00 (fee ₹200.00, 80% policy)"), "{s}");
    assert!(s.contains("The venue's refund policy changed: cancelling now refunds 80%"), "{s}");
    press(&mut b, &[KeyCode::Char('y')]);
    let refund = b.desk().refund(&booking).expect("read").expect("refund");
    assert_eq!((refund.percent, refund.amount, refund.fee), (80, 80_000, 20_000));

    // The extension limit and the new event's currency, as the venue has them now.
    set_by_keys(&mut a, SettingKey::HoldExtensions, "1");
    set_by_keys(&mut a, SettingKey::Currency, "usd");
    press(&mut b, &[KeyCode::Enter]); // the next sale
    press(&mut b, &[KeyCode::Char('1'), KeyCode::Enter, KeyCode::Char('+')]);
    assert!(b.screen_text().contains("(extension 1 of 1)"), "{}", b.screen_text());
    press(&mut b, &[KeyCode::Char('+')]);
    assert!(b.screen_text().contains("✗ Not extended"), "{}", b.screen_text());
    press(&mut b, &[KeyCode::Char('r'), KeyCode::Char('y'), KeyCode::Esc, KeyCode::Char('n')]);
    let Some(Overlay::EventForm(form)) = &b.app.overlay else { panic!("the event form: {}", b.screen_text()) };
    assert_eq!(form.value("Currency"), "USD");
    clean(&b);
}

#[test]
fn event_times_are_entered_and_shown_in_the_venue_zone_whatever_the_terminals() {
    // The terminal's zone is nowhere near the venue's; the app never reads it.
    // SAFETY: every test in this file leaves TZ alone or sets this same value.
    unsafe { std::env::set_var("TZ", "Pacific/Auckland") };
    let mut h = app();
    set_by_keys(&mut h, SettingKey::TimeZone, "Europe/London");
    press(&mut h, &[KeyCode::Esc]);
    // June: British Summer Time, one hour ahead of UTC.
    assert!(status_bar(&mut h).contains("2026-06-01 10:00:00 +01:00 Europe/London"), "{}", status_bar(&mut h));
    let create = |h: &mut Headless, name: &str, starts: &str| {
        press(h, &[KeyCode::Char('n')]);
        h.type_text(name);
        press(h, &[KeyCode::Tab, KeyCode::Tab]);
        ctrl(h, 'u');
        h.type_text(starts);
        press(h, &[KeyCode::Enter]);
    };
    // The form's default start is a week on at 19:30 in London.
    press(&mut h, &[KeyCode::Char('n')]);
    let Some(Overlay::EventForm(form)) = &h.app.overlay else { panic!("event form") };
    assert_eq!(form.value("Starts"), "2026-06-08 19:30");
    assert!(h.screen_text().contains("YYYY-MM-DD HH:MM, venue time: Europe/London"));
    press(&mut h, &[KeyCode::Esc]);

    create(&mut h, "Summer Gala", "2026-06-20 19:30");
    create(&mut h, "Winter Gala", "2026-12-20 19:30");
    let at = |h: &Headless, name: &str| {
        h.app.events.iter().find(|e| e.name == name).map(|e| e.starts_at.to_rfc3339()).expect("created")
    };
    // The same wall-clock time, each with its own date's offset.
    assert_eq!(at(&h, "Summer Gala"), "2026-06-20T18:30:00+00:00");
    assert_eq!(at(&h, "Winter Gala"), "2026-12-20T19:30:00+00:00");
    let s = h.screen_text();
    let line = |name: &str| s.lines().find(|l| l.contains(name)).unwrap_or_default().to_string();
    assert!(line("Summer Gala").contains("20 Jun 19:30"), "{s}");
    assert!(line("Winter Gala").contains("20 Dec 19:30"), "{s}");

    // A time the clocks skip does not exist: refused on the form, nothing created.
    let events = h.app.events.len();
    create(&mut h, "Spring Gala", "2027-03-28 01:30");
    let s = h.screen_text();
    assert!(s.contains("2027-03-28 01:30 does not exist in Europe/London"), "{s}");
    assert!(matches!(h.app.overlay, Some(Overlay::EventForm(_))));
    press(&mut h, &[KeyCode::Esc]);
    assert_eq!(h.app.events.len(), events);

    // A hold's deadline is said in the venue's time too.
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('1'), KeyCode::Enter]);
    assert!(h.screen_text().contains("until 10:05:00"), "{}", h.screen_text());
    h.advance(Duration::seconds(1));
    clean(&h);
}

#[test]
fn a_customer_is_erased_from_a_bookings_detail_after_a_prompt_that_says_what_happens() {
    let mut h = app();
    let booking = sell_to_jane(&mut h);
    let before = h.desk().get_booking(&booking).expect("booking");
    let tickets = h.desk().tickets(&booking).expect("tickets").len();
    press(&mut h, &[KeyCode::Tab, KeyCode::Char('/')]);
    h.type_text("jane");
    press(&mut h, &[KeyCode::Enter, KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Detail);
    assert_eq!(h.app.detail.as_ref().map(|d| d.booking.id.clone()), Some(booking.clone()));

    press(&mut h, &[KeyCode::Char('E')]);
    let s = h.screen_text();
    assert!(matches!(h.app.overlay, Some(Overlay::Confirm(Confirm::Erase { .. }))), "{s}");
    for said in [
        "Erase customer Jane Doe?",
        "jane@example.com · +919876543210",
        "Name, email and phone are replaced by \"erased customer ",
        "bookings, amounts and tickets stay for the accounts",
        "It cannot be undone; older backups still hold the details.",
    ] {
        assert!(s.contains(said), "the prompt lacks {said:?}:\n{s}");
    }
    // No: nothing changes.
    press(&mut h, &[KeyCode::Char('n')]);
    assert!(h.screen_text().contains("Not erased: nothing changed"));
    assert_eq!(h.desk().get_customer(&before.customer_id).expect("customer").name, "Jane Doe");
    assert!(audit_of(&h, AuditAction::CustomerErased).is_empty());

    // Yes: the personal data goes; the booking, its amount and tickets stay.
    press(&mut h, &[KeyCode::Char('E'), KeyCode::Char('y')]);
    let c = h.desk().get_customer(&before.customer_id).expect("customer");
    assert!(c.name.starts_with("erased customer "), "{c:?}");
    assert!(c.phone.is_none() && !c.email.as_deref().unwrap_or_default().contains("jane"), "{c:?}");
    let after = h.desk().get_booking(&booking).expect("booking");
    assert_eq!((after.status, after.amount, after.seats), (before.status, before.amount, before.seats));
    assert_eq!(h.desk().tickets(&booking).expect("tickets").len(), tickets);
    let rows = audit_of(&h, AuditAction::CustomerErased);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].entity_id, before.customer_id);
    let s = h.screen_text();
    assert!(s.contains("✓ Erased customer") && s.contains("1 booking(s), amounts and tickets kept"), "{s}");
    assert!(s.contains(&c.name) && !s.contains("Jane Doe") && !s.contains("jane@example.com"), "{s}");
    // Again: nothing to do, said without a prompt.
    press(&mut h, &[KeyCode::Char('E')]);
    assert!(h.app.overlay.is_none());
    assert!(h.screen_text().contains("is already erased: nothing to do"));
    clean(&h);
}

fn snap(name: &str, h: &mut Headless) {
    let screen = h.screen_text();
    insta::with_settings!({
        filters => vec![
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
            (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{2}:\d{2}", "[clock]"),
        ],
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, screen);
    });
}

/// The smallest terminal: every row, a value being edited and the engine's refusal under it.
#[test]
fn settings_screen_at_80x24_snapshot() {
    let config = Config { hold_minutes: Some(2), ..Config::default() };
    let mut h = Headless::demo_with(config, start(), 1, 80, 24).expect("app");
    set_by_keys(&mut h, SettingKey::RefundPercent, "150");
    snap("settings_screen_80x24", &mut h);
}

#[test]
fn erase_prompt_snapshot() {
    let mut h = app();
    sell_to_jane(&mut h);
    press(&mut h, &[KeyCode::Tab, KeyCode::Char('/')]);
    h.type_text("jane");
    press(&mut h, &[KeyCode::Enter, KeyCode::Enter, KeyCode::Char('E')]);
    snap("erase_prompt", &mut h);
}
