//! The clerk's app driven headlessly by key events on a manual clock.

use boxoffice::tui::headless::Headless;
use chrono::{DateTime, Duration, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

fn start() -> DateTime<Utc> {
    "2026-06-01T09:00:00Z".parse().expect("instant")
}

fn press(h: &mut Headless, keys: &[KeyCode]) {
    for k in keys {
        h.key(KeyEvent::from(*k));
    }
}

/// Opens the demo theatre (4th upcoming event by date) and holds 2 best seats.
fn hold_two_in_theatre(h: &mut Headless) {
    let pos = h.app.events.iter().position(|e| e.name.starts_with("Hamlet")).expect("demo theatre");
    for _ in 0..pos {
        press(h, &[KeyCode::Down]);
    }
    press(h, &[KeyCode::Enter, KeyCode::Char('2'), KeyCode::Enter]);
}

fn customer(h: &mut Headless) {
    press(h, &[KeyCode::Enter]);
    h.type_text("Jane Doe");
    press(h, &[KeyCode::Tab]);
    h.type_text("jane@example.com");
    press(h, &[KeyCode::Enter]);
}

#[test]
fn sell_with_success_shows_receipt_and_sold_seats() {
    let mut h = Headless::demo(start(), 1, 120, 40).expect("app");
    hold_two_in_theatre(&mut h);
    let s = h.screen_text();
    assert!(s.contains("Held A10 A11"), "{s}");
    assert!(s.contains("Expires in 05:00"), "{s}");
    customer(&mut h);
    assert!(h.screen_text().contains("PAYMENT_PENDING"));
    press(&mut h, &[KeyCode::Char('s')]);
    let s = h.screen_text();
    assert!(s.contains("CONFIRMED") && s.contains("₹1,000.00"), "{s}");
    assert!(s.contains("Receipt"), "{s}");
    assert!(h.app.desk.verify().expect("verify").is_empty());
}

#[test]
fn hold_expires_on_screen_after_five_minutes() {
    let mut h = Headless::demo(start(), 1, 120, 40).expect("app");
    hold_two_in_theatre(&mut h);
    h.advance(Duration::minutes(4));
    assert!(h.screen_text().contains("Expires in 01:00"));
    h.advance(Duration::minutes(1));
    let s = h.screen_text();
    assert!(s.contains("Hold EXPIRED"), "{s}");
    assert!(s.contains("200/200 left"), "{s}");
}
