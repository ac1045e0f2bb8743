//! The new-event form, through keys: real ISO currencies only, each
//! currency's own decimals, "too large" for a count over the limit, a start
//! between now and five years ahead, and a warning (not a refusal) for an
//! event typed twice. A refused form changes nothing in the database.

mod common;

use boxoffice::tui::app::Overlay;
use boxoffice::tui::headless::Headless;
use common::tui::{app, press};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn events(h: &Headless) -> i64 {
    h.desk().conn().query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("count")
}

/// Tabs to the field `label` of the open form and types `value` over it.
fn set(h: &mut Headless, label: &str, value: &str) {
    for _ in 0..20 {
        let Some(Overlay::EventForm(f)) = &h.app.overlay else { panic!("the event form is not open") };
        if f.fields[f.focus].label == label {
            h.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
            h.type_text(value);
            return;
        }
        press(h, &[KeyCode::Tab]);
    }
    panic!("no field {label}");
}

/// The form opened, `fields` typed in, Enter.
fn submit(h: &mut Headless, fields: &[(&str, &str)]) {
    if !matches!(h.app.overlay, Some(Overlay::EventForm(_))) {
        press(h, &[KeyCode::Char('n')]);
    }
    for (label, value) in fields {
        set(h, label, value);
    }
    press(h, &[KeyCode::Enter]);
}

fn field_error(h: &Headless, label: &str) -> Option<String> {
    let Some(Overlay::EventForm(f)) = &h.app.overlay else { return None };
    f.fields.iter().find(|x| x.label == label).and_then(|x| x.error.clone())
}

fn message(h: &Headless) -> String {
    h.app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default()
}

#[test]
fn only_real_iso_currency_codes_are_taken() {
    let mut h = app();
    let before = events(&h);
    submit(&mut h, &[("Name", "Gala"), ("Currency", "XYZ")]);
    let err = field_error(&h, "Currency").expect("the currency is refused");
    assert!(err.contains("'XYZ' is not an ISO 4217 currency code"), "{err}");
    assert!(h.screen_text().contains("is not an ISO 4217 currency code"));
    for code in ["XXX", "XAU"] {
        submit(&mut h, &[("Currency", code)]);
        assert!(field_error(&h, "Currency").expect("refused").contains("not a currency to price tickets in"));
    }
    assert_eq!(events(&h), before, "nothing was created");
    submit(&mut h, &[("Currency", "usd"), ("Price", "12.50")]);
    assert!(h.app.overlay.is_none(), "created: {}", message(&h));
    let gala = h.app.events.iter().find(|e| e.name == "Gala").expect("listed");
    assert_eq!((gala.currency.as_str(), gala.price), ("USD", 1250));
    assert!(h.screen_text().contains("$12.50"));
}

#[test]
fn each_currency_takes_its_own_decimals() {
    let mut h = app();
    let before = events(&h);
    submit(&mut h, &[("Name", "Kabuki"), ("Currency", "JPY"), ("Price", "499.50")]);
    let err = field_error(&h, "Price").expect("refused");
    assert!(err.contains("JPY has no minor unit: whole amounts only"), "{err}");
    submit(&mut h, &[("Currency", "BHD"), ("Price", "1.2345")]);
    assert!(field_error(&h, "Price").expect("refused").contains("BHD has 3 decimal place(s)"));
    assert_eq!(events(&h), before);
    submit(&mut h, &[("Currency", "JPY"), ("Price", "12,000")]);
    assert!(h.app.overlay.is_none(), "created: {}", message(&h));
    let kabuki = h.app.events.iter().find(|e| e.name == "Kabuki").expect("listed");
    assert_eq!(kabuki.price, 12_000, "yen have no minor unit: ¥12,000 is 12000");
    assert!(h.screen_text().contains("¥12,000"));
}

#[test]
fn a_count_over_the_limit_is_too_large_not_a_bad_number() {
    let mut h = app();
    let before = events(&h);
    submit(&mut h, &[("Name", "Mega"), ("Seating", "G"), ("Capacity", "99999999999")]);
    assert_eq!(field_error(&h, "Capacity").as_deref(), Some("is too large: at most 1,000,000"));
    submit(&mut h, &[("Seating", "R"), ("Seats per row", "100")]);
    assert_eq!(field_error(&h, "Seats per row").as_deref(), Some("is too large: at most 99"));
    submit(&mut h, &[("Seats per row", "lots")]);
    assert_eq!(field_error(&h, "Seats per row").as_deref(), Some("must be a whole number"));
    assert_eq!(events(&h), before);
}

#[test]
fn a_start_in_the_past_or_over_five_years_ahead_is_refused() {
    let mut h = app();
    let before = events(&h);
    // The clock is 2026-06-01 09:00 UTC.
    submit(&mut h, &[("Name", "Matinee"), ("Starts", "2026-06-01 08:59")]);
    assert_eq!(field_error(&h, "Starts").as_deref(), Some("must be in the future"));
    submit(&mut h, &[("Starts", "2062-06-01 19:30")]);
    assert!(field_error(&h, "Starts").expect("refused").contains("more than 5 years ahead"));
    assert_eq!(events(&h), before);
    submit(&mut h, &[("Starts", "2031-05-31 19:30")]);
    assert!(h.app.overlay.is_none(), "within five years: {}", message(&h));
    // Not this year: the list says which year.
    assert!(h.screen_text().contains("Sat 31 May 2031 19:30"), "{}", h.screen_text());
}

#[test]
fn an_event_typed_twice_is_warned_about_and_made_on_a_second_enter() {
    let mut h = app();
    let before = events(&h);
    // The demo's Hamlet starts 2026-06-08 19:30.
    submit(&mut h, &[("Name", "hamlet at the  Grand Theatre"), ("Starts", "2026-06-08 19:30")]);
    assert!(matches!(h.app.overlay, Some(Overlay::EventForm(_))), "the form stays open");
    let msg = message(&h);
    assert!(msg.contains("'Hamlet at the Grand Theatre' already starts at 2026-06-08 19:30"), "{msg}");
    assert!(h.screen_text().contains("Enter again to create another"));
    assert_eq!(events(&h), before, "a warning: nothing created yet");
    // Changing the start clears it (another showing is fine).
    set(&mut h, "Starts", "2026-06-08 14:00");
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.app.overlay.is_none(), "another showing: {}", message(&h));
    assert_eq!(events(&h), before + 1);
    // The same again, confirmed with a second Enter.
    submit(&mut h, &[("Name", "Hamlet at the Grand Theatre"), ("Starts", "2026-06-08 19:30")]);
    assert_eq!(events(&h), before + 1);
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.app.overlay.is_none(), "confirmed: {}", message(&h));
    assert_eq!(events(&h), before + 2);
}
