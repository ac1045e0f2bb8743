//! Issue 10, through keys: the counter does only what the clerk means and
//! never throws their work away. Each test drives the headless app (the real
//! terminal's part is in tests/real_terminal.rs) and checks the screen the
//! clerk sees and the data behind it.

mod common;
use boxoffice::domain::{BookingStatus, HoldStatus};
use boxoffice::tui::app::{Overlay, Screen, Stage};
use boxoffice::tui::headless::Headless;
use boxoffice::tui::view;
use chrono::Duration;
use common::tui::{app, open_theatre, press, start};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

fn ctrl(h: &mut Headless, c: char) {
    h.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

fn clean(h: &Headless) {
    let v = h.desk().verify().expect("verify");
    assert!(v.is_empty(), "invariants broken: {v:?}");
}

fn count(h: &Headless, sql: &str) -> i64 {
    h.desk().conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

fn text(h: &Headless, sql: &str) -> String {
    h.desk().conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// The message line (row 37 of 40).
fn message(h: &mut Headless) -> String {
    h.screen()[37].clone()
}

fn footer(h: &mut Headless) -> String {
    h.screen()[38].clone()
}

fn hold_two(h: &mut Headless) {
    open_theatre(h);
    press(h, &[KeyCode::Char('2'), KeyCode::Enter]);
    assert_eq!(h.app.sell.as_ref().map(|s| s.stage), Some(Stage::Held));
}

fn fill_customer(h: &mut Headless, name: &str, email: &str) {
    press(h, &[KeyCode::Enter]);
    h.type_text(name);
    press(h, &[KeyCode::Tab]);
    h.type_text(email);
}

fn booked(h: &mut Headless) -> String {
    hold_two(h);
    fill_customer(h, "Jane Doe", "jane@example.com");
    press(h, &[KeyCode::Enter]);
    assert_eq!(h.app.sell.as_ref().map(|s| s.stage), Some(Stage::Payment));
    h.app.sell.as_ref().and_then(|s| s.booking.as_ref()).expect("booking").id.clone()
}

fn open_workshop(h: &mut Headless) {
    let pos = h.app.events.iter().position(|e| e.name.starts_with("Pottery")).expect("demo workshop");
    press(h, &[KeyCode::Home]);
    for _ in 0..pos {
        press(h, &[KeyCode::Down]);
    }
    press(h, &[KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Sell);
}

// ---- keys never act as something the clerk did not mean --------------------------

#[test]
fn ending_a_sale_asks_first_and_says_what_happens_success_and_timeout_do_not() {
    let mut h = app();
    let id = booked(&mut h);
    // Timeout acts at once, marked neither ✓ nor ✗.
    press(&mut h, &[KeyCode::Char('t')]);
    assert!(h.app.overlay.is_none());
    assert!(message(&mut h).starts_with("• Payment TIMED OUT"), "{}", message(&mut h));
    // Failure asks, naming the consequence; n records nothing.
    press(&mut h, &[KeyCode::Char('f')]);
    let s = h.screen_text();
    assert!(s.contains("Record a FAILED payment for booking"), "{s}");
    assert!(s.contains("The booking ends PAYMENT_FAILED and its seats go back on sale."), "{s}");
    press(&mut h, &[KeyCode::Char('n')]);
    assert!(message(&mut h).contains("No payment recorded"));
    assert_eq!(count(&h, &format!("SELECT count(*) FROM payment_attempts WHERE booking_id = '{id}'")), 1);
    // Cancel asks too; Esc keeps the booking.
    press(&mut h, &[KeyCode::Char('x')]);
    assert!(h.screen_text().contains("Nothing was charged: no refund."));
    press(&mut h, &[KeyCode::Esc]);
    assert_eq!(h.desk().get_booking(&id).expect("booking").status, BookingStatus::PaymentPending);
    // Success needs no question.
    press(&mut h, &[KeyCode::Char('s')]);
    assert!(h.app.overlay.is_none());
    assert_eq!(h.desk().get_booking(&id).expect("booking").status, BookingStatus::Confirmed);
    clean(&h);
}

#[test]
fn a_failure_from_the_booking_detail_asks_too() {
    let mut h = app();
    let id = booked(&mut h);
    press(&mut h, &[KeyCode::Esc, KeyCode::Tab, KeyCode::Home, KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Detail);
    press(&mut h, &[KeyCode::Char('f')]);
    assert!(matches!(h.app.overlay, Some(Overlay::Confirm(_))));
    assert_eq!(h.desk().get_booking(&id).expect("booking").status, BookingStatus::PaymentPending);
    press(&mut h, &[KeyCode::Char('Y')]);
    assert_eq!(h.desk().get_booking(&id).expect("booking").status, BookingStatus::PaymentFailed);
    clean(&h);
}

#[test]
fn a_quantity_is_shown_as_typed_and_more_than_the_event_allows_is_refused() {
    let mut h = app();
    // The workshop has 5 places: 1 0 0 is 100, said and refused, never 1.
    open_workshop(&mut h);
    press(&mut h, &[KeyCode::Char('1'), KeyCode::Char('0'), KeyCode::Char('0')]);
    let s = h.screen_text();
    assert!(s.contains("Quantity:  100"), "{s}");
    assert!(message(&mut h).contains("100 is more than the 5 seat(s) left"), "{}", message(&mut h));
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).starts_with("✗ Not held: 100 is more than"), "{}", message(&mut h));
    let workshop_holds = "SELECT count(*) FROM holds h JOIN events e ON e.id = h.event_id WHERE e.name LIKE 'Pottery%'";
    assert_eq!(count(&h, workshop_holds), 0);
    // Backspace deletes digits: 100 → 10 → 1, which holds.
    press(&mut h, &[KeyCode::Backspace, KeyCode::Backspace]);
    assert_eq!(h.app.sell.as_ref().map(|s| s.quantity), Some(1));
    // + stops at what is left, and says so.
    press(&mut h, &[KeyCode::Char('+'); 5]);
    assert_eq!(h.app.sell.as_ref().map(|s| s.quantity), Some(5));
    assert!(message(&mut h).contains("No more: 5 is the most"), "{}", message(&mut h));
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).contains("Held 5 seat(s)"), "{}", message(&mut h));
    press(&mut h, &[KeyCode::Esc]);
    // The theatre has 200 left, but one sale is at most 99: 9 9 9 is refused as 999.
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('9'), KeyCode::Char('9'), KeyCode::Char('9')]);
    assert!(h.screen_text().contains("quantity 999"));
    assert!(message(&mut h).contains("999 is more than the 200 seat(s) left"), "{}", message(&mut h));
    press(&mut h, &[KeyCode::Right, KeyCode::Char('1'), KeyCode::Char('5'), KeyCode::Char('0')]);
    assert!(message(&mut h).contains("150 is more than 99 seats in one sale"), "{}", message(&mut h));
    press(&mut h, &[KeyCode::Enter]);
    assert_eq!(h.app.sell.as_ref().map(|s| s.stage), Some(Stage::Choose));
    clean(&h);
}

#[test]
fn text_fields_edit_at_a_visible_caret_and_printable_keys_are_never_commands() {
    let mut h = app();
    hold_two(&mut h);
    press(&mut h, &[KeyCode::Enter]);
    h.type_text("Jhon");
    assert!(h.screen_text().contains("Jhon▏"), "the caret is on screen");
    press(&mut h, &[KeyCode::Left, KeyCode::Left, KeyCode::Left]);
    h.type_text("X");
    assert!(h.screen_text().contains("JX▏hon"), "{}", h.screen_text());
    // Fix it in place: Backspace the X, Delete the h, End, and on.
    press(&mut h, &[KeyCode::Backspace, KeyCode::Delete, KeyCode::Right, KeyCode::Char('h'), KeyCode::End]);
    h.type_text(" Doe");
    let form = match &h.app.overlay {
        Some(Overlay::CustomerForm(f)) => f.clone(),
        other => panic!("no form: {other:?}"),
    };
    assert_eq!(form.value("Name"), "John Doe");
    // Ctrl-W deletes a word, Ctrl-U the field; Home goes to the start.
    ctrl(&mut h, 'w');
    ctrl(&mut h, 'w');
    h.type_text("Jane");
    press(&mut h, &[KeyCode::Home]);
    h.type_text("Ms ");
    press(&mut h, &[KeyCode::Tab]);
    // Printable keys are text here: s, x, q, f take nothing and quit nothing.
    h.type_text("sxqf");
    ctrl(&mut h, 'u');
    h.type_text("jane@example.com");
    assert!(!h.app.quit);
    press(&mut h, &[KeyCode::Enter]);
    let s = h.screen_text();
    assert!(s.contains("Ms Jane <jane@example.com>"), "{s}");
    assert_eq!(count(&h, "SELECT count(*) FROM payment_attempts WHERE outcome <> 'SUCCESS'"), 0);
    // The bookings search edits the same way, and Ctrl-U clears it.
    press(&mut h, &[KeyCode::Tab, KeyCode::Char('/')]);
    h.type_text("jnae");
    press(&mut h, &[KeyCode::Left, KeyCode::Left, KeyCode::Backspace, KeyCode::Right, KeyCode::Char('n')]);
    assert_eq!(h.app.booking_search.text(), "jane");
    assert!(h.screen_text().contains("Customer: jan▏e"), "{}", h.screen_text());
    assert_eq!(h.app.bookings.len(), 1);
    ctrl(&mut h, 'u');
    assert_eq!(h.app.booking_search.text(), "");
    assert!(h.app.booking_search.active, "still typing after Ctrl-U");
    assert_eq!(h.app.bookings.len(), 2, "every booking again");
    clean(&h);
}

// ---- work is never thrown away -------------------------------------------------------

/// The countdown cell's colour on the hold panel.
fn countdown_colour(h: &Headless) -> Color {
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| view::draw(f, &h.app)).expect("draw");
    let buf = t.backend().buffer();
    for y in 0..40u16 {
        let row: String = (0..120u16).filter_map(|x| buf.cell((x, y))).map(|c| c.symbol()).collect();
        if let Some(col) = row.find("Expires in") {
            let x = row[..col].chars().count() as u16 + 11;
            return buf.cell((x, y)).expect("cell").fg;
        }
    }
    panic!("no countdown on screen");
}

#[test]
fn the_countdown_turns_amber_then_red_and_plus_extends_the_hold_twice() {
    let mut h = app();
    hold_two(&mut h);
    let hold = h.app.sell.as_ref().and_then(|s| s.hold.clone()).expect("hold");
    assert_eq!(countdown_colour(&h), Color::Green);
    assert!(h.screen_text().contains("+ extends it (2 left)"));
    h.advance(Duration::seconds(240));
    h.refresh();
    assert!(h.screen_text().contains("Expires in 01:00"));
    assert_eq!(countdown_colour(&h), Color::Yellow, "amber from 60 s");
    h.advance(Duration::seconds(40));
    h.refresh();
    assert!(h.screen_text().contains("Expires in 00:20"));
    assert_eq!(countdown_colour(&h), Color::Red, "red from 20 s");
    press(&mut h, &[KeyCode::Char('+')]);
    assert!(message(&mut h).contains("Hold extended until 09:10:00 (extension 1 of 2)"), "{}", message(&mut h));
    assert!(h.screen_text().contains("Expires in 05:20"));
    assert_eq!(countdown_colour(&h), Color::Green);
    press(&mut h, &[KeyCode::Char('=')]);
    assert!(message(&mut h).contains("until 09:15:00 (extension 2 of 2)"), "{}", message(&mut h));
    assert!(h.screen_text().contains("extended 2×: no more"));
    press(&mut h, &[KeyCode::Char('+')]);
    assert!(message(&mut h).contains("Not extended: cannot extend: the hold was already extended 2 time(s)"));
    let stored = h.desk().get_hold(&hold.id).expect("hold");
    assert_eq!((stored.extensions, stored.expires_at), (2, hold.expires_at + Duration::minutes(10)));
    assert_eq!(count(&h, "SELECT count(*) FROM audit_log WHERE action = 'HOLD_EXTENDED' AND is_retry = 0"), 2);
    // It expires at the new deadline, not the old one.
    h.advance(Duration::seconds(10 * 60 - 1));
    assert_eq!(h.desk().get_hold(&hold.id).expect("hold").status, HoldStatus::Active);
    h.advance(Duration::seconds(21));
    assert_eq!(h.desk().get_hold(&hold.id).expect("hold").status, HoldStatus::Expired);
    clean(&h);
}

#[test]
fn a_hold_expiring_under_the_customer_form_says_so_and_keeps_what_was_typed() {
    let mut h = app();
    hold_two(&mut h);
    fill_customer(&mut h, "Jane Doe", "jane@example.com");
    assert!(h.screen_text().contains("Customer · hold expires in 05:00"), "the form shows the countdown");
    h.advance(Duration::minutes(5));
    let s = h.screen_text();
    assert!(s.contains("Hold EXPIRED: the seats went back on sale"), "{s}");
    assert!(s.contains("What you typed for the customer is kept for the next hold."), "{s}");
    assert!(matches!(h.app.overlay, Some(Overlay::Notice { .. })));
    // The notice waits for Enter: other keys do nothing.
    press(&mut h, &[KeyCode::Char('x'), KeyCode::Esc, KeyCode::Char('2')]);
    assert!(matches!(h.app.overlay, Some(Overlay::Notice { .. })));
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.app.overlay.is_none());
    // Hold again: the form comes back as it was left.
    press(&mut h, &[KeyCode::Char('2'), KeyCode::Enter, KeyCode::Enter]);
    let form = match &h.app.overlay {
        Some(Overlay::CustomerForm(f)) => f.clone(),
        other => panic!("no form: {other:?}"),
    };
    assert_eq!((form.value("Name"), form.value("Email")), ("Jane Doe", "jane@example.com"));
    press(&mut h, &[KeyCode::Enter]);
    assert_eq!(h.app.sell.as_ref().map(|s| s.stage), Some(Stage::Payment));
    // Esc keeps what was typed too (for this sale's next form).
    clean(&h);
}

#[test]
fn another_terminal_changing_the_sale_on_screen_is_a_notice_that_waits_for_enter() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shared.db");
    let mut a = Headless::on_file(&path, start(), 1, 120, 40).expect("clerk A");
    let mut b = Headless::on_file(&path, start(), 2, 120, 40).expect("clerk B");
    let id = booked(&mut a);
    b.refresh();
    press(&mut b, &[KeyCode::Tab, KeyCode::Home, KeyCode::Enter, KeyCode::Char('s')]);
    assert_eq!(b.desk().get_booking(&id).expect("booking").status, BookingStatus::Confirmed);
    let s = a.screen_text();
    assert!(s.contains("Booking changed") && s.contains("became CONFIRMED at another terminal"), "{s}");
    // s typed for the payment panel does nothing: the notice waits for Enter.
    press(&mut a, &[KeyCode::Char('s')]);
    assert_eq!(a.desk().attempts(&id).expect("attempts").len(), 1);
    press(&mut a, &[KeyCode::Enter]);
    assert!(a.app.overlay.is_none());
    assert_eq!(a.app.sell.as_ref().map(|s| s.stage), Some(Stage::Done));
    clean(&a);
}

#[test]
fn a_declined_payment_offers_the_same_seats_to_the_same_customer_again() {
    let mut h = app();
    let first = booked(&mut h);
    press(&mut h, &[KeyCode::Char('f'), KeyCode::Char('y')]);
    let f = footer(&mut h);
    assert!(f.contains("a sell again") && f.contains("Enter next sale"), "{f}");
    assert!(!f.contains("x cancel") && !f.contains("s success"), "no refused keys offered: {f}");
    press(&mut h, &[KeyCode::Char('a')]);
    let s = h.screen_text();
    assert!(s.contains("3 Payment") && s.contains("PAYMENT_PENDING"), "{s}");
    assert!(s.contains("Customer   Jane Doe <jane@example.com>") && s.contains("A10 A11"), "{s}");
    let again = h.app.sell.as_ref().and_then(|s| s.booking.clone()).expect("a new booking");
    assert_ne!(again.id, first);
    let old = h.desk().get_booking(&first).expect("old booking");
    assert_eq!(old.status, BookingStatus::PaymentFailed, "the state machine is unchanged");
    assert_eq!((again.customer_id.as_str(), again.seats), (old.customer_id.as_str(), 2));
    assert_eq!(again.correlation_id, old.correlation_id, "one story for the customer's sale");
    press(&mut h, &[KeyCode::Char('s')]);
    assert_eq!(h.desk().get_booking(&again.id).expect("booking").status, BookingStatus::Confirmed);
    clean(&h);
}

#[test]
fn selling_again_when_the_seats_went_meanwhile_is_refused_and_the_customer_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shared.db");
    let mut a = Headless::on_file(&path, start(), 1, 120, 40).expect("clerk A");
    let mut b = Headless::on_file(&path, start(), 2, 120, 40).expect("clerk B");
    booked(&mut a);
    press(&mut a, &[KeyCode::Char('f'), KeyCode::Char('y')]);
    // Clerk B holds A10 (the cursor starts on A11; one left).
    b.refresh();
    open_theatre(&mut b);
    press(&mut b, &[KeyCode::Left, KeyCode::Char(' '), KeyCode::Enter]);
    press(&mut a, &[KeyCode::Char('a')]);
    let m = message(&mut a);
    assert!(m.contains("Cannot sell them again") && m.contains("A10"), "{m}");
    assert_eq!(count(&a, "SELECT count(*) FROM bookings WHERE status = 'PAYMENT_PENDING'"), 0);
    // The next sale's customer form starts with the same customer.
    press(&mut a, &[KeyCode::Enter, KeyCode::Char('1'), KeyCode::Enter, KeyCode::Enter]);
    match &a.app.overlay {
        Some(Overlay::CustomerForm(f)) => assert_eq!(f.value("Email"), "jane@example.com"),
        other => panic!("no form: {other:?}"),
    }
    clean(&a);
}

#[test]
fn quitting_with_a_hold_or_unpaid_booking_asks_what_becomes_of_it() {
    // Nothing open: q quits at once.
    let mut h = app();
    press(&mut h, &[KeyCode::Char('q')]);
    assert!(h.app.quit);
    // A hold: q asks, n stays, k quits keeping it.
    let mut h = app();
    hold_two(&mut h);
    let hold = h.app.sell.as_ref().and_then(|s| s.hold.clone()).expect("hold");
    press(&mut h, &[KeyCode::Char('q')]);
    let s = h.screen_text();
    assert!(s.contains("is still yours") && s.contains("quit; it is kept until 09:05"), "{s}");
    assert!(s.contains("release it now: the seats go back on sale, then quit"), "{s}");
    press(&mut h, &[KeyCode::Char('n')]);
    assert!(!h.app.quit && h.app.overlay.is_none());
    press(&mut h, &[KeyCode::Char('q'), KeyCode::Char('k')]);
    assert!(h.app.quit);
    assert_eq!(h.desk().get_hold(&hold.id).expect("hold").status, HoldStatus::Active);
    // Ctrl-C asks too (over the customer form, whose text is kept); r releases, then quits.
    let mut h = app();
    hold_two(&mut h);
    let hold = h.app.sell.as_ref().and_then(|s| s.hold.clone()).expect("hold");
    fill_customer(&mut h, "Jane Doe", "jane@example.com");
    ctrl(&mut h, 'c');
    press(&mut h, &[KeyCode::Esc, KeyCode::Enter]);
    match &h.app.overlay {
        Some(Overlay::CustomerForm(f)) => assert_eq!(f.value("Name"), "Jane Doe", "the typed form survived"),
        other => panic!("no form: {other:?}"),
    }
    ctrl(&mut h, 'c');
    assert!(matches!(h.app.overlay, Some(Overlay::Quit(_))) && !h.app.quit);
    press(&mut h, &[KeyCode::Char('r')]);
    assert!(h.app.quit);
    assert_eq!(h.desk().get_hold(&hold.id).expect("hold").status, HoldStatus::Released);
    clean(&h);
    // An unpaid booking: kept until the payment deadline, or cancelled (nothing charged).
    let mut h = app();
    let id = booked(&mut h);
    press(&mut h, &[KeyCode::Char('q')]);
    let s = h.screen_text();
    assert!(s.contains("awaits payment (₹1,000.00)") && s.contains("kept until 09:10"), "{s}");
    // Ctrl-C again quits, keeping it.
    ctrl(&mut h, 'c');
    assert!(h.app.quit);
    assert_eq!(h.desk().get_booking(&id).expect("booking").status, BookingStatus::PaymentPending);
    let mut h = app();
    let id = booked(&mut h);
    press(&mut h, &[KeyCode::Char('q'), KeyCode::Char('r')]);
    assert!(h.app.quit);
    assert_eq!(h.desk().get_booking(&id).expect("booking").status, BookingStatus::Cancelled);
    assert_eq!(h.desk().refund(&id).expect("refund"), None);
    clean(&h);
}

#[test]
fn an_email_on_file_under_another_name_is_shown_before_booking() {
    let mut h = app();
    booked(&mut h);
    press(&mut h, &[KeyCode::Char('s'), KeyCode::Enter, KeyCode::Char('1'), KeyCode::Enter]);
    fill_customer(&mut h, "J. Doe", "JANE@example.com");
    press(&mut h, &[KeyCode::Enter]);
    let s = h.screen_text();
    assert!(s.contains("jane@example.com is on file as Jane Doe"), "{s}");
    assert!(s.contains("(you typed \"J. Doe\"). The name on file is kept."), "{s}");
    assert_eq!(count(&h, "SELECT count(*) FROM bookings WHERE status = 'PAYMENT_PENDING'"), 0, "not booked yet");
    // n: back to the form as typed.
    press(&mut h, &[KeyCode::Char('n')]);
    match &h.app.overlay {
        Some(Overlay::CustomerForm(f)) => assert_eq!(f.value("Name"), "J. Doe"),
        other => panic!("no form: {other:?}"),
    }
    // y: booked for the customer on file, whose name stays.
    press(&mut h, &[KeyCode::Enter, KeyCode::Char('y')]);
    assert!(h.screen_text().contains("Customer   Jane Doe <jane@example.com>"));
    assert_eq!(count(&h, "SELECT count(*) FROM customers WHERE email = 'jane@example.com'"), 1);
    assert_eq!(text(&h, "SELECT name FROM customers WHERE email = 'jane@example.com'"), "Jane Doe");
    assert_eq!(
        count(
            &h,
            "SELECT count(*) FROM bookings b JOIN customers c ON c.id = b.customer_id
             WHERE c.email = 'jane@example.com' AND b.status = 'PAYMENT_PENDING'"
        ),
        1
    );
    // The same name in another case books at once.
    press(&mut h, &[KeyCode::Char('s'), KeyCode::Enter, KeyCode::Char('1'), KeyCode::Enter]);
    fill_customer(&mut h, "jane  doe", "jane@example.com");
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.app.overlay.is_none());
    assert_eq!(h.app.sell.as_ref().map(|s| s.stage), Some(Stage::Payment));
    clean(&h);
}

// ---- smaller things -------------------------------------------------------------------

#[test]
fn the_footer_offers_only_keys_that_act_and_pay_within_has_its_space() {
    let mut h = app();
    let id = booked(&mut h);
    // Cancelled: the next sale or back, nothing else.
    press(&mut h, &[KeyCode::Char('x'), KeyCode::Char('y')]);
    let f = footer(&mut h);
    assert!(f.starts_with(" Enter next sale · Esc back"), "{f}");
    assert!(!f.contains("cancel") && !f.contains("success") && !f.contains("sell again"), "{f}");
    // A booking awaiting payment on its detail: "Pay within 09:…" with a space.
    press(&mut h, &[KeyCode::Enter, KeyCode::Char('1'), KeyCode::Enter]);
    fill_customer(&mut h, "Jane Doe", "jane@example.com");
    press(&mut h, &[KeyCode::Enter, KeyCode::Esc, KeyCode::Tab, KeyCode::Home, KeyCode::Enter]);
    let s = h.screen_text();
    assert!(s.contains("Pay within 10:00"), "{s}");
    assert!(footer(&mut h).contains("s success"));
    // The cancelled one's detail offers its trail only.
    let _ = id;
    clean(&h);
}

/// A CSV export of a fresh (in-memory) run goes to that run's own folder,
/// so two runs say the same thing; the folder goes with the run.
#[test]
fn an_export_of_a_fresh_run_reads_the_same_every_run() {
    let export = |h: &mut Headless| {
        press(h, &[KeyCode::Tab, KeyCode::Char('e')]);
        message(h)
    };
    let mut a = app();
    let mut b = app();
    let (first, second) = (export(&mut a), export(&mut b));
    assert_eq!(first, "✓ Exported 1 bookings row(s) to <run>/bookings-20260601-090000.csv");
    assert_eq!(second, first, "no -2 from a folder shared with another run");
    let dir = a.app.info.data_dir.clone();
    assert!(dir.join("bookings-20260601-090000.csv").is_file());
    drop(a);
    assert!(!dir.exists(), "the run's folder goes with it");
}
