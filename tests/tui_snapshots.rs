//! A snapshot of every screen at 120×40, from the demo database on a manual
//! clock with seeded ids: the same keys draw the same screen, byte for byte.
//! Full UUIDs and the status bar's clock are filtered anyway, so a change in
//! how ids or the start instant are made does not churn every snapshot; short
//! ids and countdowns stay, since they are part of what the clerk reads.
//!
//! Update after an intended UI change: `INSTA_UPDATE=always cargo test --test
//! tui_snapshots` (or `cargo insta review`), then read the `.snap` diffs.

mod common;
use boxoffice::tui::headless::Headless;
use common::tui::{app, open_theatre, press, start};
use ratatui::crossterm::event::KeyCode;

fn hold_two(h: &mut Headless) {
    open_theatre(h);
    press(h, &[KeyCode::Char('2'), KeyCode::Enter]);
}

fn customer_form_filled(h: &mut Headless) {
    press(h, &[KeyCode::Enter]);
    h.type_text("Jane Doe");
    press(h, &[KeyCode::Tab]);
    h.type_text("jane@example.com");
}

fn booked(h: &mut Headless) {
    hold_two(h);
    customer_form_filled(h);
    press(h, &[KeyCode::Enter]);
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

#[test]
fn events_list() {
    snap("events", &mut app());
}

#[test]
fn sell_seat_map() {
    let mut h = app();
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Down, KeyCode::Char(' '), KeyCode::Right, KeyCode::Char(' ')]);
    snap("sell_seat_map", &mut h);
}

#[test]
fn sell_general_admission() {
    let mut h = app();
    press(&mut h, &[KeyCode::Enter, KeyCode::Char('3')]);
    snap("sell_general_admission", &mut h);
}

#[test]
fn hold_panel() {
    let mut h = app();
    hold_two(&mut h);
    h.advance(chrono::Duration::seconds(75));
    snap("hold_panel", &mut h);
}

#[test]
fn customer_form() {
    let mut h = app();
    hold_two(&mut h);
    customer_form_filled(&mut h);
    snap("customer_form", &mut h);
}

#[test]
fn payment_panel() {
    let mut h = app();
    booked(&mut h);
    press(&mut h, &[KeyCode::Char('t')]);
    snap("payment_panel", &mut h);
}

#[test]
fn receipt() {
    let mut h = app();
    booked(&mut h);
    press(&mut h, &[KeyCode::Char('s')]);
    snap("receipt", &mut h);
}

#[test]
fn cancel_prompt() {
    let mut h = app();
    booked(&mut h);
    press(&mut h, &[KeyCode::Char('s'), KeyCode::Char('x')]);
    snap("cancel_prompt", &mut h);
}

#[test]
fn bookings_list() {
    let mut h = app();
    booked(&mut h);
    press(&mut h, &[KeyCode::Tab]);
    snap("bookings_list", &mut h);
}

#[test]
fn booking_detail() {
    let mut h = app();
    booked(&mut h);
    press(&mut h, &[KeyCode::Char('t'), KeyCode::Char('s'), KeyCode::Tab, KeyCode::Enter]);
    snap("booking_detail", &mut h);
}

#[test]
fn event_form_with_errors() {
    let mut h = app();
    press(&mut h, &[KeyCode::Char('n'), KeyCode::Enter]);
    snap("event_form", &mut h);
}

#[test]
fn help_overlay() {
    let mut h = app();
    press(&mut h, &[KeyCode::Char('?')]);
    snap("help", &mut h);
}

#[test]
fn too_small() {
    let mut h = Headless::demo(start(), 1, 60, 20).expect("app");
    snap("too_small", &mut h);
}

#[test]
fn clerks_screen() {
    let mut h = app();
    press(&mut h, &[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Char('c')]);
    snap("clerks_screen", &mut h);
}

#[test]
fn add_clerk_form() {
    let mut h = app();
    press(&mut h, &[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Char('c')]);
    press(&mut h, &[KeyCode::Char('a')]);
    h.type_text("Ravi");
    press(&mut h, &[KeyCode::Tab, KeyCode::Tab]);
    h.type_text("4321");
    press(&mut h, &[KeyCode::Tab]);
    h.type_text("4312");
    press(&mut h, &[KeyCode::Enter]);
    snap("add_clerk_form", &mut h);
}

#[test]
fn cancel_prompt_with_an_override() {
    let mut h = app();
    booked(&mut h);
    press(&mut h, &[KeyCode::Char('s'), KeyCode::Char('x'), KeyCode::Char('o')]);
    h.key(ratatui::crossterm::event::KeyEvent::new(
        KeyCode::Char('u'),
        ratatui::crossterm::event::KeyModifiers::CONTROL,
    ));
    h.type_text("100");
    press(&mut h, &[KeyCode::Tab]);
    h.type_text("the show was cancelled");
    press(&mut h, &[KeyCode::Enter]);
    snap("cancel_prompt_override", &mut h);
}
