//! The clerk's app driven headlessly by key events on a manual clock. Each
//! flow asserts on the screen the clerk sees *and* on the data behind it, and
//! ends with `verify()` clean.

mod common;
use boxoffice::domain::{BookingStatus, HoldStatus, PaymentOutcome, RefundKind, RefundStatus, SeatState};
use boxoffice::tui::app::{Overlay, Screen, Stage};
use boxoffice::tui::headless::Headless;
use boxoffice::tui::view;
use chrono::Duration;
use common::tui::{app, open_theatre, press, start};
use proptest::prelude::*;
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

fn hamlet_id(h: &Headless) -> String {
    h.app.events.iter().find(|e| e.name.starts_with("Hamlet")).expect("demo theatre").id.clone()
}

fn available(h: &Headless, event_id: &str) -> u32 {
    h.desk().event(event_id).expect("event").available
}

/// The state of a seat of the demo theatre, by row index and seat number.
fn seat(h: &Headless, row: usize, number: usize) -> SeatState {
    let e = h.desk().event(&hamlet_id(h)).expect("event");
    h.desk().seat_map(&e).expect("map").expect("reserved").rows[row][number - 1]
}

/// Opens the demo theatre and holds 2 best seats (A10 A11).
fn hold_two_in_theatre(h: &mut Headless) {
    open_theatre(h);
    press(h, &[KeyCode::Char('2'), KeyCode::Enter]);
}

fn customer(h: &mut Headless) {
    press(h, &[KeyCode::Enter]);
    h.type_text("Jane Doe");
    press(h, &[KeyCode::Tab]);
    h.type_text("jane@example.com");
    press(h, &[KeyCode::Enter]);
}

/// Hold, customer, book: the sale waits on the payment panel.
fn booked(h: &mut Headless) -> String {
    hold_two_in_theatre(h);
    customer(h);
    let s = h.screen_text();
    assert!(s.contains("3 Payment") && s.contains("PAYMENT_PENDING"), "{s}");
    h.app.sell.as_ref().and_then(|s| s.booking.as_ref()).expect("booking").id.clone()
}

#[test]
fn sell_with_success_shows_receipt_and_sold_seats() {
    let mut h = app();
    hold_two_in_theatre(&mut h);
    let s = h.screen_text();
    assert!(s.contains("Held A10 A11"), "{s}");
    assert!(s.contains("Expires in 05:00"), "{s}");
    customer(&mut h);
    assert!(h.screen_text().contains("PAYMENT_PENDING"));
    press(&mut h, &[KeyCode::Char('s')]);
    let s = h.screen_text();
    let b = h.app.sell.as_ref().and_then(|s| s.booking.clone()).expect("booking");
    // The receipt: booking id, seats, amount and correlation id, all on screen.
    assert!(s.contains("4 Receipt"), "{s}");
    assert!(s.contains("CONFIRMED") && s.contains("₹1,000.00"), "{s}");
    assert!(s.contains("A10 A11"), "{s}");
    assert!(s.contains(&b.id), "booking id {} not on the receipt:\n{s}", b.id);
    assert!(s.contains(&b.correlation_id), "correlation id not on the receipt:\n{s}");
    assert!(s.contains("Payment of ₹1,000.00 succeeded"), "{s}");
    // The data: confirmed, paid once, seats sold.
    assert_eq!(h.desk().get_booking(&b.id).expect("booking").status, BookingStatus::Confirmed);
    let attempts = h.desk().attempts(&b.id).expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, PaymentOutcome::Success);
    assert_eq!(h.desk().get_hold(&b.hold_id).expect("hold").status, HoldStatus::Consumed);
    assert_eq!((seat(&h, 0, 10), seat(&h, 0, 11)), (SeatState::Sold, SeatState::Sold));
    assert_eq!(available(&h, &b.event_id), 198);
    // Pressing success again replays: nothing charged twice.
    press(&mut h, &[KeyCode::Char('s')]);
    assert!(h.screen_text().contains("nothing charged again"));
    assert_eq!(h.desk().attempts(&b.id).expect("attempts").len(), 1);
    clean(&h);
}

#[test]
fn payment_failure_puts_seats_back_with_a_full_refund() {
    let mut h = app();
    let id = booked(&mut h);
    // A failure ends the sale: y/n first, saying what will happen.
    press(&mut h, &[KeyCode::Char('f')]);
    let s = h.screen_text();
    assert!(s.contains("Record a FAILED payment") && s.contains("A full refund of ₹1,000.00 is recorded."), "{s}");
    assert_eq!(h.desk().attempts(&id).expect("attempts").len(), 0, "nothing recorded before yes");
    press(&mut h, &[KeyCode::Char('y')]);
    let s = h.screen_text();
    assert!(s.contains("Payment FAILED: seats released; full refund of ₹1,000.00 initiated"), "{s}");
    assert!(s.contains("PAYMENT_FAILED"), "{s}");
    assert!(s.contains("FULL ₹1,000.00 INITIATED"), "{s}");
    assert!(s.contains("200/200 left"), "{s}");
    let b = h.desk().get_booking(&id).expect("booking");
    assert_eq!(b.status, BookingStatus::PaymentFailed);
    let r = h.desk().refund(&id).expect("refund").expect("a refund");
    assert_eq!((r.kind, r.amount, r.fee), (RefundKind::Full, 100_000, 0));
    assert_eq!(h.desk().get_hold(&b.hold_id).expect("hold").status, HoldStatus::Released);
    assert_eq!((seat(&h, 0, 10), seat(&h, 0, 11)), (SeatState::Free, SeatState::Free));
    assert_eq!(available(&h, &b.event_id), 200);
    clean(&h);
}

#[test]
fn timeout_keeps_the_booking_pending_then_it_expires_after_the_deadline() {
    let mut h = app();
    let id = booked(&mut h);
    assert!(h.screen_text().contains("Pay within 10:00"));
    press(&mut h, &[KeyCode::Char('t')]);
    let s = h.screen_text();
    assert!(s.contains("Payment TIMED OUT: still pending; retry before 09:10:00"), "{s}");
    assert!(s.contains("1 attempt(s) so far"), "{s}");
    assert_eq!(h.desk().get_booking(&id).expect("booking").status, BookingStatus::PaymentPending);
    // The hold's own 5 minutes pass: the pending booking keeps the seats.
    h.advance(Duration::minutes(6));
    let s = h.screen_text();
    assert!(s.contains("Pay within 04:00"), "{s}");
    assert_eq!(seat(&h, 0, 10), SeatState::Held);
    // Past the 10-minute payment deadline: EXPIRED on screen, seats free again.
    h.advance(Duration::minutes(4));
    let s = h.screen_text();
    assert!(s.contains("Booking EXPIRED: the payment window closed; seats released"), "{s}");
    assert!(s.contains("200/200 left"), "{s}");
    let b = h.desk().get_booking(&id).expect("booking");
    assert_eq!(b.status, BookingStatus::Expired);
    assert_eq!(h.desk().get_hold(&b.hold_id).expect("hold").status, HoldStatus::Expired);
    assert_eq!((seat(&h, 0, 10), seat(&h, 0, 11)), (SeatState::Free, SeatState::Free));
    assert_eq!(h.desk().refund(&id).expect("refund"), None, "nothing was taken, nothing to refund");
    assert_eq!(h.app.sell.as_ref().map(|s| s.stage), Some(Stage::Choose));
    clean(&h);
}

#[test]
fn hold_expires_on_screen_after_five_minutes() {
    let mut h = app();
    hold_two_in_theatre(&mut h);
    let hold = h.app.sell.as_ref().and_then(|s| s.hold.clone()).expect("hold");
    assert_eq!(available(&h, &hold.event_id), 198);
    h.advance(Duration::minutes(4));
    assert!(h.screen_text().contains("Expires in 01:00"));
    h.advance(Duration::minutes(1));
    let s = h.screen_text();
    assert!(s.contains("Hold EXPIRED"), "{s}");
    assert!(s.contains("200/200 left"), "{s}");
    assert_eq!(h.desk().get_hold(&hold.id).expect("hold").status, HoldStatus::Expired);
    assert_eq!(available(&h, &hold.event_id), 200);
    assert_eq!(seat(&h, 0, 10), SeatState::Free);
    clean(&h);
}

#[test]
fn releasing_a_hold_puts_the_seats_back() {
    let mut h = app();
    hold_two_in_theatre(&mut h);
    let hold = h.app.sell.as_ref().and_then(|s| s.hold.clone()).expect("hold");
    press(&mut h, &[KeyCode::Char('r')]);
    let s = h.screen_text();
    assert!(s.contains("Release hold") && s.contains("A10 A11 go back on sale now."), "{s}");
    press(&mut h, &[KeyCode::Char('n')]);
    assert!(h.screen_text().contains("Not released: the hold is still yours"));
    assert_eq!(h.desk().get_hold(&hold.id).expect("hold").status, HoldStatus::Active);
    press(&mut h, &[KeyCode::Char('r'), KeyCode::Char('y')]);
    let s = h.screen_text();
    assert!(s.contains("Released 2 seat(s); they are back on sale"), "{s}");
    assert!(s.contains("200/200 left"), "{s}");
    assert_eq!(h.desk().get_hold(&hold.id).expect("hold").status, HoldStatus::Released);
    clean(&h);
}

#[test]
fn cancelling_a_confirmed_booking_shows_the_refund_first_then_processes_it() {
    let mut h = app();
    let id = booked(&mut h);
    press(&mut h, &[KeyCode::Char('s')]);
    press(&mut h, &[KeyCode::Char('x')]);
    // The y/n prompt shows the 50% refund before anything happens.
    let s = h.screen_text();
    assert!(s.contains("Cancel booking"), "{s}");
    assert!(s.contains("Refund ₹500.00 of ₹1,000.00 (fee ₹500.00, 50% policy)."), "{s}");
    assert!(s.contains("y  cancel it") && s.contains("n  keep it"), "{s}");
    assert_eq!(h.desk().get_booking(&id).expect("booking").status, BookingStatus::Confirmed);
    // n keeps it.
    press(&mut h, &[KeyCode::Char('n')]);
    assert!(h.screen_text().contains("Not cancelled"));
    assert_eq!(h.desk().get_booking(&id).expect("booking").status, BookingStatus::Confirmed);
    // x, y cancels.
    press(&mut h, &[KeyCode::Char('x'), KeyCode::Char('y')]);
    let s = h.screen_text();
    assert!(s.contains("Cancelled: refund ₹500.00 INITIATED (fee ₹500.00); seats back on sale"), "{s}");
    assert!(s.contains("200/200 left"), "{s}");
    let r = h.desk().refund(&id).expect("refund").expect("a refund");
    assert_eq!((r.kind, r.status, r.amount, r.fee), (RefundKind::Partial, RefundStatus::Initiated, 50_000, 50_000));
    // The booking's detail: INITIATED, then PROCESSED after a tick.
    press(&mut h, &[KeyCode::Tab, KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Detail);
    let s = h.screen_text();
    assert!(s.contains("PARTIAL INITIATED 50% → ₹500.00") && s.contains("fee ₹500.00"), "{s}");
    assert!(!s.contains("completed"), "{s}");
    h.tick();
    let s = h.screen_text();
    assert!(s.contains("PARTIAL PROCESSED 50% → ₹500.00"), "{s}");
    assert!(s.contains("fee ₹500.00 · completed 09:00:00"), "{s}");
    // The correlation id is shown whole (wrapped), not cut at the border.
    let correlation = h.app.detail.as_ref().expect("detail").booking.correlation_id.clone();
    assert!(s.contains(&correlation), "{s}");
    let r = h.desk().refund(&id).expect("refund").expect("a refund");
    assert_eq!(r.status, RefundStatus::Processed);
    assert!(r.transaction_id.is_some() && r.completed_at.is_some());
    assert_eq!(h.desk().get_booking(&id).expect("booking").status, BookingStatus::Cancelled);
    assert_eq!((seat(&h, 0, 10), seat(&h, 0, 11)), (SeatState::Free, SeatState::Free));
    // A cancelled booking's detail no longer offers cancelling (or paying): x does nothing.
    let s = h.screen_text();
    assert!(!s.contains("x cancel") && !s.contains("s success"), "{s}");
    press(&mut h, &[KeyCode::Char('x')]);
    assert!(h.app.overlay.is_none());
    clean(&h);
}

#[test]
fn cancelling_a_pending_booking_refunds_nothing() {
    let mut h = app();
    let id = booked(&mut h);
    press(&mut h, &[KeyCode::Char('x')]);
    assert!(h.screen_text().contains("Nothing was charged: no refund."));
    press(&mut h, &[KeyCode::Char('y')]);
    assert!(h.screen_text().contains("Cancelled: nothing was charged, no refund; seats back on sale"));
    assert_eq!(h.desk().get_booking(&id).expect("booking").status, BookingStatus::Cancelled);
    assert_eq!(h.desk().refund(&id).expect("refund"), None);
    clean(&h);
}

/// Two clerks on one file both pick A10. B holds it first; A, who still has
/// it picked (and whose screen has refreshed meanwhile, as the real terminal
/// does every 250 ms), presses Enter and is told plainly — nothing else is held.
#[test]
fn a_second_terminal_taking_the_seat_first_is_a_plain_refusal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shared.db");
    let mut a = Headless::on_file(&path, start(), 1, 120, 40).expect("clerk A");
    let mut b = Headless::on_file(&path, start(), 2, 120, 40).expect("clerk B");
    for h in [&mut a, &mut b] {
        open_theatre(h);
        // The cursor starts on A11; one left is A10.
        press(h, &[KeyCode::Left, KeyCode::Char(' ')]);
        assert!(h.screen_text().contains("picked: A10"));
    }
    press(&mut b, &[KeyCode::Enter]);
    assert!(b.screen_text().contains("Held A10 until"));
    let event = hamlet_id(&a);
    // A's screen refreshes: A10 now shows as held there too.
    let s = a.screen_text();
    assert!(s.contains("199/200 left"), "{s}");
    press(&mut a, &[KeyCode::Enter]);
    let s = a.screen_text();
    let msg = s.lines().find(|l| l.starts_with("✗ ")).unwrap_or_else(|| panic!("no refusal:\n{s}"));
    assert!(msg.contains("A10") && msg.contains("taken"), "{msg}");
    // Nothing half-applied: A has no hold, only B's hold exists, one seat gone.
    let sell = a.app.sell.as_ref().expect("sell");
    assert!(sell.hold.is_none(), "clerk A got a hold anyway: {:?}", sell.hold);
    assert_eq!(sell.stage, Stage::Choose);
    assert!(sell.picked.is_empty(), "the taken seat stays picked: {:?}", sell.picked);
    let holds = a.desk().active_holds(&event).expect("holds");
    assert_eq!(holds.len(), 1, "{holds:?}");
    let theirs = a.desk().get_hold(&holds[0].id).expect("hold");
    assert_eq!(theirs.labels, vec!["A10".to_string()]);
    assert_eq!(Some(theirs.id), b.app.sell.as_ref().and_then(|s| s.hold.as_ref()).map(|h| h.id.clone()));
    assert_eq!(available(&a, &event), 199);
    // A picks another seat and holds it: the refusal left A able to carry on.
    press(&mut a, &[KeyCode::Char(' '), KeyCode::Left, KeyCode::Char(' '), KeyCode::Enter]);
    let s = a.screen_text();
    assert!(s.contains("Held A9 until"), "{s}");
    assert_eq!(available(&a, &event), 198);
    clean(&a);
    clean(&b);
}

/// Makes two bookings: Jane's CONFIRMED (A10 A11), Ravi's PAYMENT_PENDING.
fn two_bookings(h: &mut Headless) -> (String, String) {
    let jane = booked(h);
    press(h, &[KeyCode::Char('s'), KeyCode::Enter]); // pay, next sale
    press(h, &[KeyCode::Char('3'), KeyCode::Enter, KeyCode::Enter]);
    h.type_text("Ravi Kumar");
    press(h, &[KeyCode::Tab, KeyCode::Tab]);
    h.type_text("+91 98765 43210");
    press(h, &[KeyCode::Enter]);
    let ravi = h.app.sell.as_ref().and_then(|s| s.booking.as_ref()).expect("second booking").id.clone();
    (jane, ravi)
}

#[test]
fn bookings_list_filters_by_status_and_searches_by_customer() {
    let mut h = app();
    let (jane, ravi) = two_bookings(&mut h);
    press(&mut h, &[KeyCode::Tab]);
    assert_eq!(h.app.screen, Screen::Bookings);
    let s = h.screen_text();
    // The demo's sold-out show has one group booking too.
    assert!(s.contains("Bookings (3)") && s.contains("Status: all"), "{s}");
    assert!(s.contains("Jane Doe") && s.contains("Ravi Kumar"), "{s}");
    // f cycles the status filter: PAYMENT_PENDING, then CONFIRMED.
    press(&mut h, &[KeyCode::Char('f')]);
    let s = h.screen_text();
    assert!(s.contains("Status: PAYMENT_PENDING") && s.contains("Bookings (1)"), "{s}");
    assert!(s.contains("Ravi Kumar") && !s.contains("Jane Doe"), "{s}");
    assert_eq!(h.app.bookings.iter().map(|(b, _, _)| b.id.clone()).collect::<Vec<_>>(), vec![ravi.clone()]);
    press(&mut h, &[KeyCode::Char('f')]);
    let s = h.screen_text();
    assert!(s.contains("Status: CONFIRMED") && s.contains("Jane Doe") && !s.contains("Ravi Kumar"), "{s}");
    assert!(h.app.bookings.iter().all(|(b, _, _)| b.status == BookingStatus::Confirmed));
    press(&mut h, &[KeyCode::Char('f')]);
    let s = h.screen_text();
    assert!(s.contains("Status: PAYMENT_FAILED") && s.contains("Bookings (0)"), "{s}");
    // Esc clears the filter.
    press(&mut h, &[KeyCode::Esc]);
    assert!(h.screen_text().contains("Status: all"));
    assert_eq!(h.app.bookings.len(), 3);
    // / searches by customer: name, case-insensitive, or phone.
    press(&mut h, &[KeyCode::Char('/')]);
    h.type_text("JANE");
    let s = h.screen_text();
    assert!(s.contains("Customer: JANE") && s.contains("Bookings (1)") && !s.contains("Ravi Kumar"), "{s}");
    assert_eq!(h.app.bookings[0].0.id, jane);
    press(&mut h, &[KeyCode::Enter]); // keep the search, back to moving
    assert!(!h.app.booking_search.active);
    press(&mut h, &[KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Detail);
    assert_eq!(h.app.detail.as_ref().map(|d| d.booking.id.clone()), Some(jane));
    press(&mut h, &[KeyCode::Esc, KeyCode::Esc, KeyCode::Char('/')]);
    h.type_text("98765");
    let s = h.screen_text();
    assert!(s.contains("Ravi Kumar") && !s.contains("Jane Doe"), "{s}");
    press(&mut h, &[KeyCode::Backspace; 5]);
    h.type_text("nobody");
    assert!(h.screen_text().contains("Bookings (0)"));
    clean(&h);
}

#[test]
fn booking_detail_shows_the_state_machine_and_audit_timeline() {
    let mut h = app();
    let id = booked(&mut h);
    press(&mut h, &[KeyCode::Char('t'), KeyCode::Char('s')]);
    press(&mut h, &[KeyCode::Tab, KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Detail);
    let s = h.screen_text();
    let short = &id[id.len() - 8..];
    assert!(s.contains(&format!("Booking {short}")), "{s}");
    // Every state of the machine, and the path this booking took.
    for state in ["PAYMENT_PENDING", "CONFIRMED", "PAYMENT_FAILED", "EXPIRED", "CANCELLED"] {
        assert!(s.contains(state), "{state} missing:\n{s}");
    }
    assert!(s.contains("path: PAYMENT_PENDING → CONFIRMED"), "{s}");
    assert!(s.contains("Payments (2)") && s.contains("TIMEOUT") && s.contains("SUCCESS"), "{s}");
    // The audit timeline: the whole sale under one correlation id.
    let d = h.app.detail.as_ref().expect("detail");
    assert!(s.contains(&format!("Audit trail ({})", d.audit.len())), "{s}");
    for a in &d.audit {
        assert!(s.contains(&a.action), "audit action {} not shown:\n{s}", a.action);
        assert_eq!(a.correlation_id.as_deref(), Some(d.booking.correlation_id.as_str()));
    }
    for action in ["HOLD_CREATED", "BOOKING_CREATED"] {
        assert!(d.audit.iter().any(|a| a.action == action), "{action} not in the trail");
    }
    // The current state is the highlighted one.
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| view::draw(f, &h.app)).expect("draw");
    let buf = t.backend().buffer();
    let highlighted: String = (0..120u16)
        .flat_map(|x| (0..6u16).map(move |y| (x, y)))
        .filter_map(|(x, y)| buf.cell((x, y)))
        .filter(|c| c.bg == Color::Yellow)
        .map(|c| c.symbol().to_string())
        .collect::<String>();
    assert!(highlighted.contains("CONFIRMED") || highlighted.replace(' ', "").contains("CONFIRMED"));
    assert!(!highlighted.contains("PENDING"), "only the current state is highlighted: {highlighted}");
    clean(&h);
}

#[test]
fn paying_from_the_booking_detail() {
    let mut h = app();
    let id = booked(&mut h);
    press(&mut h, &[KeyCode::Esc, KeyCode::Tab, KeyCode::Enter]);
    assert!(h.screen_text().contains("Pay within"));
    press(&mut h, &[KeyCode::Char('s')]);
    let s = h.screen_text();
    assert!(s.contains("Payment of ₹1,000.00 succeeded: booking CONFIRMED"), "{s}");
    assert_eq!(h.desk().get_booking(&id).expect("booking").status, BookingStatus::Confirmed);
    clean(&h);
}

fn event_form_message(h: &mut Headless) -> (String, String) {
    let s = h.screen_text();
    let msg = s.lines().find(|l| l.starts_with("✗ ")).unwrap_or("").to_string();
    (s, msg)
}

#[test]
fn event_form_validates_field_by_field_then_creates() {
    let mut h = app();
    press(&mut h, &[KeyCode::Char('n')]);
    let s = h.screen_text();
    assert!(s.contains("New event") && s.contains("1–120 characters"), "{s}");
    // Empty name.
    press(&mut h, &[KeyCode::Enter]);
    let (s, msg) = event_form_message(&mut h);
    assert_eq!(msg, "✗ name: is required", "{s}");
    assert!(s.contains("✗ is required"), "{s}");
    // 121 characters.
    h.type_text(&"x".repeat(121));
    press(&mut h, &[KeyCode::Enter]);
    let (s, msg) = event_form_message(&mut h);
    assert_eq!(msg, "✗ name: must be at most 120 characters (got 121)", "{s}");
    assert!(s.contains("✗ must be at most 120 characters (got 121)"), "{s}");
    ctrl(&mut h, 'u');
    h.type_text("Test Show");
    // A bad date.
    press(&mut h, &[KeyCode::Tab, KeyCode::Tab]);
    ctrl(&mut h, 'u');
    h.type_text("next friday");
    press(&mut h, &[KeyCode::Enter]);
    let (s, msg) = event_form_message(&mut h);
    assert_eq!(msg, "✗ Starts: must look like 2026-12-31 19:30", "{s}");
    ctrl(&mut h, 'u');
    h.type_text("2026-05-01 19:30");
    press(&mut h, &[KeyCode::Enter]);
    let (_, msg) = event_form_message(&mut h);
    assert_eq!(msg, "✗ Starts: must be in the future");
    ctrl(&mut h, 'u');
    h.type_text("2026-06-20 19:30");
    // Zero rows.
    press(&mut h, &[KeyCode::Tab, KeyCode::Tab]);
    ctrl(&mut h, 'u');
    h.type_text("0");
    press(&mut h, &[KeyCode::Enter]);
    let (s, msg) = event_form_message(&mut h);
    assert_eq!(msg, "✗ rows: must be 1 to 26 (rows are lettered A–Z)", "{s}");
    assert!(s.contains("✗ must be 1 to 26"), "{s}");
    // Nothing was created by any of that.
    assert_eq!(h.app.events.len(), 5);
    assert!(matches!(h.app.overlay, Some(Overlay::EventForm(_))));
    // Fixed: created, selected, form closed.
    press(&mut h, &[KeyCode::Backspace]);
    h.type_text("5");
    press(&mut h, &[KeyCode::Enter]);
    let s = h.screen_text();
    assert!(s.contains("✓ Created 'Test Show' (100 seats)"), "{s}");
    assert!(s.contains("Events (6)") && s.contains("Test Show"), "{s}");
    assert!(h.app.overlay.is_none());
    let e = h.app.selected_event().expect("selected").clone();
    assert_eq!((e.name.as_str(), e.total, e.available, e.price), ("Test Show", 100, 100, 50_000));
    // Esc on a form changes nothing.
    press(&mut h, &[KeyCode::Char('n')]);
    h.type_text("Abandoned");
    press(&mut h, &[KeyCode::Esc]);
    assert!(h.app.overlay.is_none());
    assert_eq!(h.app.events.len(), 6);
    clean(&h);
}

#[test]
fn events_filter_narrows_the_list_and_esc_clears_it() {
    let mut h = app();
    assert!(h.screen_text().contains("Events (5)"));
    press(&mut h, &[KeyCode::Char('/')]);
    h.type_text("ham");
    let s = h.screen_text();
    assert!(s.contains("Filter: ham") && s.contains("Events (1)") && s.contains("Hamlet"), "{s}");
    assert!(!s.contains("Pottery"), "{s}");
    // Enter keeps the filter and goes back to moving; Enter again opens the match.
    press(&mut h, &[KeyCode::Enter, KeyCode::Enter]);
    assert_eq!(h.app.sell.as_ref().map(|s| s.event.name.as_str()), Some("Hamlet at the Grand Theatre"));
    press(&mut h, &[KeyCode::Esc]);
    assert!(h.screen_text().contains("Events (1)"));
    press(&mut h, &[KeyCode::Esc]);
    assert!(h.screen_text().contains("Events (5)"));
    press(&mut h, &[KeyCode::Char('/')]);
    h.type_text("zzz");
    let s = h.screen_text();
    assert!(s.contains("No event matches the filter"), "{s}");
    press(&mut h, &[KeyCode::Enter, KeyCode::Enter]);
    assert!(h.screen_text().contains("No event selected"));
    assert_eq!(h.app.screen, Screen::Events);
}

/// At the smallest size the help is longer than its box: it scrolls, says
/// so, and keys other than its own do nothing while it is open.
#[test]
fn help_overlay_opens_scrolls_and_closes() {
    let mut h = Headless::demo(start(), 1, 80, 24).expect("app");
    press(&mut h, &[KeyCode::Char('?')]);
    let s = h.screen_text();
    assert!(s.contains("Help · ↑↓ scroll · PgUp/PgDn page · Esc close"), "{s}");
    assert!(s.contains("sell seats for this event") && s.contains(" 1–18 of "), "{s}");
    assert!(!s.contains("Ctrl-C"), "the global keys come last: {s}");
    press(&mut h, &[KeyCode::End]);
    let s = h.screen_text();
    assert!(s.contains("Ctrl-C") && s.contains("reload what the screen shows"), "{s}");
    assert!(!s.contains("sell seats for this event"), "{s}");
    press(&mut h, &[KeyCode::Up, KeyCode::Char('g')]);
    assert!(h.screen_text().contains("sell seats for this event"));
    // q closes the help rather than quitting; other keys do nothing.
    press(&mut h, &[KeyCode::Char('x'), KeyCode::Char('n'), KeyCode::Char('q')]);
    assert!(h.app.overlay.is_none() && !h.app.quit);
    assert_eq!(h.app.screen, Screen::Events);
    assert!(!h.screen_text().contains("Help ·"));
}

#[test]
fn a_small_terminal_gets_a_too_small_notice() {
    let mut h = Headless::demo(start(), 1, 60, 20).expect("app");
    let s = h.screen_text();
    assert!(s.contains("Terminal too small"), "{s}");
    assert!(s.contains("boxoffice needs 80×24; this is 60×20."), "{s}");
    assert!(!s.contains("Events ("), "{s}");
    press(&mut h, &[KeyCode::Char('q')]);
    assert!(h.app.quit);
    // Exactly the minimum draws the app.
    let mut h = Headless::demo(start(), 1, 80, 24).expect("app");
    assert!(h.screen_text().contains("Events (5)"));
}

// ---- no key panics, anywhere ------------------------------------------------

const KEYS: &[KeyCode] = &[
    KeyCode::Enter,
    KeyCode::Esc,
    KeyCode::Tab,
    KeyCode::BackTab,
    KeyCode::Up,
    KeyCode::Down,
    KeyCode::Left,
    KeyCode::Right,
    KeyCode::PageUp,
    KeyCode::PageDown,
    KeyCode::Home,
    KeyCode::End,
    KeyCode::Backspace,
    KeyCode::Delete,
    KeyCode::Insert,
    KeyCode::F(1),
    KeyCode::F(5),
    KeyCode::F(12),
    KeyCode::Null,
    KeyCode::CapsLock,
    KeyCode::Char(' '),
    KeyCode::Char('/'),
    KeyCode::Char('?'),
    KeyCode::Char('+'),
    KeyCode::Char('-'),
    KeyCode::Char('0'),
    KeyCode::Char('1'),
    KeyCode::Char('2'),
    KeyCode::Char('3'),
    KeyCode::Char('9'),
    KeyCode::Char('b'),
    KeyCode::Char('c'),
    KeyCode::Char('f'),
    KeyCode::Char('g'),
    KeyCode::Char('G'),
    KeyCode::Char('h'),
    KeyCode::Char('j'),
    KeyCode::Char('k'),
    KeyCode::Char('l'),
    KeyCode::Char('n'),
    KeyCode::Char('r'),
    KeyCode::Char('s'),
    KeyCode::Char('t'),
    KeyCode::Char('x'),
    KeyCode::Char('y'),
    KeyCode::Char('N'),
    KeyCode::Char('@'),
    KeyCode::Char('é'),
    KeyCode::Char('界'),
];

/// Drives a fresh app to one of the screens (and overlays) a clerk can reach.
fn at_screen(which: usize) -> Headless {
    let mut h = app();
    match which {
        0 => {}                                    // events list
        1 => press(&mut h, &[KeyCode::Char('/')]), // events filter typing
        2 => press(&mut h, &[KeyCode::Char('n')]), // new event form
        3 => press(&mut h, &[KeyCode::Char('?')]), // help
        4 => open_theatre(&mut h),                 // seat map
        5 => press(&mut h, &[KeyCode::Enter]),     // GA quantity (the workshop)
        6 => hold_two_in_theatre(&mut h),          // hold panel
        7 => {
            hold_two_in_theatre(&mut h);
            press(&mut h, &[KeyCode::Enter]); // customer form
        }
        8 => {
            booked(&mut h); // payment panel
        }
        9 => {
            booked(&mut h);
            press(&mut h, &[KeyCode::Char('s')]); // receipt
        }
        10 => {
            booked(&mut h);
            press(&mut h, &[KeyCode::Char('s'), KeyCode::Char('x')]); // cancel prompt
        }
        11 => {
            booked(&mut h);
            press(&mut h, &[KeyCode::Tab]); // bookings list
        }
        12 => {
            booked(&mut h);
            press(&mut h, &[KeyCode::Tab, KeyCode::Char('/')]); // bookings search typing
        }
        13 => {
            booked(&mut h);
            press(&mut h, &[KeyCode::Tab, KeyCode::Enter]); // booking detail
        }
        14 => {
            // A past event and a sold-out one: refusals, not panics.
            press(&mut h, &[KeyCode::End, KeyCode::Enter]);
        }
        _ => unreachable!(),
    }
    h
}

const SCREENS: usize = 15;

/// Where the app stands: screen, overlay, sale stage, text box focus.
fn signature(h: &Headless) -> String {
    let overlay = match &h.app.overlay {
        None => "-",
        Some(Overlay::Help { .. }) => "help",
        Some(Overlay::EventForm(_)) => "event form",
        Some(Overlay::CustomerForm(_)) => "customer form",
        Some(Overlay::Form(..)) => "form",
        Some(Overlay::Confirm(_)) => "confirm",
        Some(Overlay::Notice { .. }) => "notice",
        Some(Overlay::Quit(_)) => "quit",
        Some(Overlay::Prompt(..)) => "prompt",
    };
    format!(
        "{:?} {overlay} {:?} {} {} {}",
        h.app.screen,
        h.app.sell.as_ref().map(|s| s.stage),
        h.app.event_filter.active,
        h.app.booking_search.active,
        h.app.quit
    )
}

/// Every key of the list, pressed on every screen, with and without
/// modifiers: the screen still draws and every invariant still holds. (A
/// fresh app is driven to the screen again only when a key moved it away.)
#[test]
fn every_key_on_every_screen_is_harmless() {
    for which in 0..SCREENS {
        let mut h = at_screen(which);
        let home = signature(&h);
        for (i, code) in KEYS.iter().enumerate() {
            if signature(&h) != home {
                h = at_screen(which);
            }
            let mods = [KeyModifiers::NONE, KeyModifiers::SHIFT, KeyModifiers::ALT, KeyModifiers::CONTROL][i % 4];
            h.key(KeyEvent::from(*code));
            h.key(KeyEvent::new(*code, mods));
            let s = h.screen_text();
            assert!(s.contains("boxoffice"), "screen {which}, key {code:?}: {s}");
            clean(&h);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random walks of keys (and clock moves) from any screen never panic and
    /// never break an invariant.
    #[test]
    fn random_keys_never_panic_or_corrupt(
        which in 0..SCREENS,
        steps in proptest::collection::vec((0..KEYS.len(), 0u8..4, 0u8..20), 1..120),
    ) {
        let mut h = at_screen(which);
        for (k, m, clock) in steps {
            let mods = [KeyModifiers::NONE, KeyModifiers::SHIFT, KeyModifiers::ALT, KeyModifiers::CONTROL][m as usize];
            // Ctrl-C / Ctrl-Q quit: fine, but keep walking the app regardless.
            h.key(KeyEvent::new(KEYS[k], mods));
            if clock == 0 {
                // A jump of 90 s and one tick: holds and bookings fall due mid-walk.
                h.clock.advance(Duration::seconds(90));
                h.tick();
            }
            let s = h.screen_text();
            prop_assert!(s.contains("boxoffice"));
        }
        let v = h.desk().verify().expect("verify");
        prop_assert!(v.is_empty(), "{:?}", v);
    }
}

/// Opens the bookings tab and the newest booking's detail.
fn open_newest_booking(h: &mut Headless) {
    while h.app.screen != Screen::Bookings {
        press(h, &[KeyCode::Tab]);
    }
    press(h, &[KeyCode::Home, KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Detail);
}

#[test]
fn a_cancel_prompt_made_stale_by_another_terminal_closes_instead_of_keeping_a_fee() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shared.db");
    let mut a = Headless::on_file(&path, start(), 1, 120, 40).expect("clerk A");
    let mut b = Headless::on_file(&path, start(), 2, 120, 40).expect("clerk B");
    let id = booked(&mut a);
    press(&mut a, &[KeyCode::Char('x')]);
    assert!(a.screen_text().contains("Nothing was charged: no refund."));
    // Meanwhile clerk B takes the payment from the booking's detail.
    b.refresh();
    open_newest_booking(&mut b);
    press(&mut b, &[KeyCode::Char('s')]);
    assert_eq!(b.desk().get_booking(&id).expect("booking").status, BookingStatus::Confirmed);
    // A's prompt promised "no refund" for a pending booking: it closes and says why.
    let s = a.screen_text();
    assert!(!s.contains("Nothing was charged"), "{s}");
    assert!(s.contains("is now CONFIRMED: press x again"), "{s}");
    press(&mut a, &[KeyCode::Char('y')]);
    assert_eq!(a.desk().get_booking(&id).expect("booking").status, BookingStatus::Confirmed);
    assert!(a.desk().refund(&id).expect("refund").is_none());
    // And the engine refuses a cancel agreed for a state that no longer holds.
    let err = a.desk().cancel_seen(&id, Some(BookingStatus::PaymentPending)).expect_err("stale");
    assert!(err.to_string().contains("changed from PAYMENT_PENDING to CONFIRMED"), "{err}");
    assert_eq!(a.desk().get_booking(&id).expect("booking").status, BookingStatus::Confirmed);
    clean(&a);
}

#[test]
fn two_terminals_paying_one_booking_never_take_each_other_for_a_replay() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shared.db");
    let mut a = Headless::on_file(&path, start(), 1, 120, 40).expect("clerk A");
    let mut b = Headless::on_file(&path, start(), 2, 120, 40).expect("clerk B");
    let id = booked(&mut a);
    press(&mut a, &[KeyCode::Esc]);
    a.refresh();
    b.refresh();
    open_newest_booking(&mut a);
    open_newest_booking(&mut b);
    press(&mut a, &[KeyCode::Char('t')]);
    press(&mut b, &[KeyCode::Char('s')]);
    let s = b.screen_text();
    assert!(s.contains("succeeded: booking CONFIRMED"), "{s}");
    assert_eq!(b.desk().get_booking(&id).expect("booking").status, BookingStatus::Confirmed);
    assert_eq!(b.desk().attempts(&id).expect("attempts").len(), 2);
    clean(&b);
}

#[test]
fn digits_typed_in_a_row_make_one_quantity() {
    let mut h = app();
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('1'), KeyCode::Char('2')]);
    assert_eq!(h.app.sell.as_ref().map(|s| s.quantity), Some(12));
    press(&mut h, &[KeyCode::Right, KeyCode::Char('3')]);
    assert_eq!(h.app.sell.as_ref().map(|s| s.quantity), Some(3), "another key ends the number");
    press(&mut h, &[KeyCode::Left, KeyCode::Char('4'), KeyCode::Char('5'), KeyCode::Char('6')]);
    assert_eq!(h.app.sell.as_ref().map(|s| s.quantity), Some(456), "shown as typed, never cut to two digits");
}

#[test]
fn leaving_a_hold_and_coming_back_resumes_it() {
    let mut h = app();
    hold_two_in_theatre(&mut h);
    press(&mut h, &[KeyCode::Esc]);
    assert!(h.screen_text().contains("kept"));
    open_theatre(&mut h);
    let s = h.screen_text();
    assert!(s.contains("Back to your hold of A10 A11"), "{s}");
    assert_eq!(h.app.sell.as_ref().map(|s| s.stage), Some(Stage::Held));
    customer(&mut h);
    press(&mut h, &[KeyCode::Char('s')]);
    assert!(h.screen_text().contains("CONFIRMED"));
    clean(&h);
}
