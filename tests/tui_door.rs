//! Issue 11 at the door, through keys: the Door screen (`d` on an event)
//! answers each code large — ADMITTED with seat and type, or REFUSED with
//! the reason — keeps the running count admitted / sold, records the door's
//! name, takes codes a scanner sends faster than the answers come, undoes a
//! mistaken admission (a reason, y/n, audited); and a cancel at the counter
//! of a booking already at the door asks a second, explicit time.

mod common;
use boxoffice::domain::{Ticket, TicketStatus};
use boxoffice::tui::app::{Overlay, Screen};
use boxoffice::tui::headless::Headless;
use common::tui::{app, open_theatre, press};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn count(h: &Headless, sql: &str) -> i64 {
    h.desk().conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

fn text(h: &Headless, sql: &str) -> String {
    h.desk().conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

fn clean(h: &Headless) {
    let v = h.desk().verify().expect("verify");
    assert!(v.is_empty(), "invariants broken: {v:?}");
}

fn ctrl(h: &mut Headless, c: char) {
    h.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

fn message(h: &mut Headless) -> String {
    let rows = h.screen();
    rows[rows.len() - 3].clone()
}

fn select(h: &mut Headless, name: &str) {
    let pos = h.app.events.iter().position(|e| e.name.starts_with(name)).expect("event listed");
    press(h, &[KeyCode::Home]);
    for _ in 0..pos {
        press(h, &[KeyCode::Down]);
    }
}

/// Sells `n` seats (or places) of the event `name`, paid; back on the events list.
fn sold(h: &mut Headless, name: &str, n: char, who: &str) -> Vec<Ticket> {
    select(h, name);
    // n seats (or n of general admission's first type), held, then the customer.
    press(h, &[KeyCode::Enter, KeyCode::Char(n), KeyCode::Enter, KeyCode::Enter]);
    h.type_text(who);
    press(h, &[KeyCode::Tab]);
    h.type_text(&format!("{}@example.com", who.to_lowercase().replace(' ', ".")));
    press(h, &[KeyCode::Enter, KeyCode::Char('s')]);
    let tickets = h.app.sell.as_ref().expect("sale").tickets.clone();
    assert_eq!(tickets.len(), n.to_digit(10).expect("digit") as usize, "paid: {}", h.screen_text());
    press(h, &[KeyCode::Esc]);
    tickets
}

fn door(h: &mut Headless, event: &str) {
    select(h, event);
    press(h, &[KeyCode::Char('d')]);
    assert_eq!(h.app.screen, Screen::Door);
}

fn scan(h: &mut Headless, code: &str) -> String {
    h.type_text(code);
    press(h, &[KeyCode::Enter]);
    h.screen_text()
}

#[test]
fn each_code_gets_a_large_answer_and_the_count_runs() {
    let mut h = app();
    let theatre = sold(&mut h, "Hamlet", '2', "Jane Doe");
    let concert = sold(&mut h, "Indie", '1', "Ravi Kumar");
    let cancelled = sold(&mut h, "Hamlet", '1', "Meera Shah");
    h.desk().cancel(&cancelled[0].booking_id).expect("cancel");
    door(&mut h, "Hamlet");
    let s = h.screen_text();
    assert!(s.contains("Door main · Hamlet at the Grand Theatre"), "{s}");
    assert!(s.contains("Admitted 0 / sold 2"), "{s}");

    // Admitted: the word large, then plain with the seat and type; the count moves.
    let s = scan(&mut h, &theatre[0].code.grouped());
    assert!(s.contains("███  ████  █   █ █████ █████ █████ █████ ████"), "large letters: {s}");
    assert!(s.contains("ADMITTED · seat A10 · Adult"), "{s}");
    assert!(s.contains("Admitted 1 / sold 2"), "{s}");
    assert_eq!(h.desk().tickets(&theatre[0].booking_id).expect("tickets")[0].status, TicketStatus::Used);

    // Refused, each with its reason (the code as a scanner or a clerk types it).
    let refusals = [
        (
            theatre[0].code.as_str().to_lowercase(),
            "REFUSED · already used: admitted at 09:00:00 at door main (seat A10)",
        ),
        (cancelled[0].code.grouped(), "REFUSED · voided: booking cancelled"),
        (concert[0].code.grouped(), "REFUSED · another event's ticket: Indie Night: Open Air Concert"),
        ("0000-0000-0000-0000-0".to_string(), "REFUSED · unknown code: no ticket has it"),
        (
            format!("{}X", &theatre[1].code.grouped()[..20]),
            "REFUSED · mistyped code: the check character does not match",
        ),
        ("hello".to_string(), "REFUSED · mistyped code: a ticket code has 17 characters"),
    ];
    for (code, answer) in &refusals {
        let s = scan(&mut h, code);
        assert!(s.contains("████  █████ █████ █   █  ████ █████ ████"), "large REFUSED for {code}: {s}");
        assert!(s.contains(answer), "{code}: {s}");
        assert!(s.contains("Admitted 1 / sold 2"), "{s}");
    }
    // The answers before the last are listed under it, newest first.
    let s = h.screen_text();
    assert!(s.contains("09:00:00 REFUSED unknown code: no ticket has it"), "{s}");
    assert!(s.contains("09:00:00 ADMITTED seat A10 · Adult"), "{s}");
    let results = text(&h, "SELECT group_concat(result, ' ') FROM (SELECT result FROM scans ORDER BY rowid)");
    assert_eq!(results, "ADMITTED ALREADY_USED VOIDED WRONG_EVENT UNKNOWN MISTYPED MISTYPED");
    assert_eq!(count(&h, "SELECT count(*) FROM audit_log WHERE action IN ('TICKET_ADMITTED', 'TICKET_REFUSED')"), 7);
    // An empty Enter is not a scan.
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).contains("Type or scan a ticket code"));
    assert_eq!(count(&h, "SELECT count(*) FROM scans"), 7);
    clean(&h);
}

#[test]
fn the_door_is_named_with_f2_and_every_scan_records_it() {
    let mut h = app();
    let tickets = sold(&mut h, "Hamlet", '1', "Jane Doe");
    door(&mut h, "Hamlet");
    press(&mut h, &[KeyCode::F(2)]);
    assert!(matches!(h.app.overlay, Some(Overlay::Form(..))));
    ctrl(&mut h, 'u');
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).contains("Door: is required"), "{}", message(&mut h));
    h.type_text("north gate");
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.screen_text().contains("Door north gate · Hamlet"));
    scan(&mut h, &tickets[0].code.grouped());
    assert_eq!(text(&h, "SELECT door FROM scans"), "north gate");
    assert_eq!(text(&h, "SELECT used_door FROM tickets WHERE status = 'USED'"), "north gate");
    // The name stays for the session: leaving and coming back keeps it.
    press(&mut h, &[KeyCode::Esc]);
    assert_eq!(h.app.screen, Screen::Events);
    door(&mut h, "Hamlet");
    assert!(h.screen_text().contains("Door north gate"));
    // Another door (another process) scanning it again is told where it went in.
    let s = scan(&mut h, &tickets[0].code.grouped());
    assert!(s.contains("at door north gate"), "{s}");
}

#[test]
fn codes_scanned_faster_than_the_answers_are_each_answered_in_order() {
    let mut h = app();
    let tickets = sold(&mut h, "Hamlet", '3', "Jane Doe");
    door(&mut h, "Hamlet");
    // Three codes and Enters with no waiting in between, as a scanner sends them.
    for t in &tickets {
        for c in t.code.grouped().chars() {
            h.send_key(KeyEvent::from(KeyCode::Char(c)));
        }
        h.send_key(KeyEvent::from(KeyCode::Enter));
    }
    assert!(h.outstanding() > 0 || !h.app.door.open.as_ref().expect("door").queue.is_empty());
    h.settle();
    let results = text(&h, "SELECT group_concat(result, ' ') FROM (SELECT result FROM scans ORDER BY rowid)");
    assert_eq!(results, "ADMITTED ADMITTED ADMITTED", "none lost to a write on its way");
    assert!(h.screen_text().contains("Admitted 3 / sold 3"));
    clean(&h);
}

#[test]
fn a_mistaken_admission_is_undone_with_a_reason_after_y() {
    let mut h = app();
    let tickets = sold(&mut h, "Hamlet", '1', "Jane Doe");
    door(&mut h, "Hamlet");
    // Nothing admitted yet: nothing to undo.
    ctrl(&mut h, 'z');
    assert!(message(&mut h).contains("Nothing to undo"));
    assert!(h.app.overlay.is_none());
    scan(&mut h, &tickets[0].code.grouped());
    ctrl(&mut h, 'z');
    assert!(matches!(h.app.overlay, Some(Overlay::Form(..))), "a reason first");
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).contains("Reason: say why"), "{}", message(&mut h));
    h.type_text("let the wrong person in");
    press(&mut h, &[KeyCode::Enter]);
    let s = h.screen_text();
    assert!(s.contains("Take back the admission of ticket A10 · Adult?"), "{s}");
    assert!(s.contains("Reason: let the wrong person in"), "{s}");
    // n: nothing changes.
    press(&mut h, &[KeyCode::Char('n')]);
    assert!(message(&mut h).contains("Not undone"));
    assert_eq!(count(&h, "SELECT count(*) FROM audit_log WHERE action = 'TICKET_ADMISSION_UNDONE'"), 0);
    // y: VALID again, audited with the reason, the count goes back.
    ctrl(&mut h, 'z');
    h.type_text("let the wrong person in");
    press(&mut h, &[KeyCode::Enter, KeyCode::Char('y')]);
    assert!(message(&mut h).contains("Admission undone: ticket A10 · Adult is VALID again"), "{}", message(&mut h));
    let s = h.screen_text();
    assert!(s.contains("UNDONE ·") && s.contains("Admitted 0 / sold 1"), "{s}");
    assert_eq!(h.desk().tickets(&tickets[0].booking_id).expect("tickets")[0].status, TicketStatus::Valid);
    let row = text(&h, "SELECT details FROM audit_log WHERE action = 'TICKET_ADMISSION_UNDONE'");
    assert!(row.contains("let the wrong person in"), "{row}");
    assert_eq!(text(&h, "SELECT note FROM scans WHERE result = 'UNDONE'"), "let the wrong person in");
    // Undone already: nothing more to undo; the ticket gets in once more.
    ctrl(&mut h, 'z');
    assert!(message(&mut h).contains("Nothing to undo"));
    assert!(scan(&mut h, &tickets[0].code.grouped()).contains("ADMITTED · seat A10"));
    clean(&h);
}

#[test]
fn cancelling_a_booking_already_at_the_door_asks_twice_and_voids_its_tickets() {
    let mut h = app();
    let tickets = sold(&mut h, "Hamlet", '3', "Jane Doe");
    door(&mut h, "Hamlet");
    scan(&mut h, &tickets[0].code.grouped());
    scan(&mut h, &tickets[1].code.grouped());
    press(&mut h, &[KeyCode::Esc, KeyCode::Tab, KeyCode::Home, KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Detail);
    // The first prompt: the refund, and the tickets it voids.
    press(&mut h, &[KeyCode::Char('x')]);
    assert!(h.screen_text().contains("Its 3 ticket(s) are voided: the door refuses them."));
    press(&mut h, &[KeyCode::Char('y')]);
    // The second, explicit prompt: what happens to the admitted ones.
    let s = h.screen_text();
    assert!(s.contains("2 of 3 tickets already used at the door: they will be voided."), "{s}");
    assert!(s.contains("cancel, void them"), "{s}");
    press(&mut h, &[KeyCode::Char('n')]);
    assert!(message(&mut h).contains("Not cancelled"));
    assert_eq!(
        text(&h, "SELECT status FROM bookings WHERE id = (SELECT booking_id FROM tickets LIMIT 1)"),
        "CONFIRMED"
    );
    press(&mut h, &[KeyCode::Char('x'), KeyCode::Char('y'), KeyCode::Char('y')]);
    assert!(message(&mut h).contains("Cancelled: refund ₹750.00 INITIATED"), "{}", message(&mut h));
    let after = h.desk().tickets(&tickets[0].booking_id).expect("tickets");
    assert!(after.iter().all(|t| t.status == TicketStatus::Void));
    assert_eq!(after.iter().filter(|t| t.used_at.is_some()).count(), 2, "used, then voided: when and where kept");
    let row = text(&h, "SELECT details FROM audit_log WHERE action = 'BOOKING_CANCELLED'");
    assert!(row.contains("\"admitted_voided\":2"), "{row}");
    // The door now refuses them, the admitted ones too.
    press(&mut h, &[KeyCode::Esc, KeyCode::Esc, KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Tab]);
    assert_eq!(h.app.screen, Screen::Events);
    door(&mut h, "Hamlet");
    assert!(scan(&mut h, &tickets[0].code.grouped()).contains("REFUSED · voided: booking cancelled"));
    clean(&h);
}

#[test]
fn a_ticket_admitted_after_the_prompt_opened_stops_the_cancel() {
    let mut h = app();
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('2'), KeyCode::Enter, KeyCode::Enter]);
    h.type_text("Jane Doe");
    press(&mut h, &[KeyCode::Tab]);
    h.type_text("jane@example.com");
    press(&mut h, &[KeyCode::Enter, KeyCode::Char('s')]);
    let tickets = h.app.sell.as_ref().expect("sale").tickets.clone();
    // The receipt's cancel prompt opens with no ticket used...
    press(&mut h, &[KeyCode::Char('x')]);
    // ...and meanwhile a door (another process) admits one.
    h.desk().check_in(&tickets[0].code.grouped(), None, "north").expect("scan");
    press(&mut h, &[KeyCode::Char('y')]);
    assert!(
        message(&mut h).contains("cannot cancel yet: 1 of 2 tickets already used at the door"),
        "{}",
        message(&mut h)
    );
    assert_eq!(h.desk().tickets(&tickets[0].booking_id).expect("tickets")[1].status, TicketStatus::Valid);
    // Looking again: the second prompt says so, and y cancels.
    press(&mut h, &[KeyCode::Char('x'), KeyCode::Char('y')]);
    assert!(h.screen_text().contains("1 of 2 tickets already used at the door: they will be voided."));
    press(&mut h, &[KeyCode::Char('y')]);
    assert!(message(&mut h).contains("Cancelled"), "{}", message(&mut h));
    assert!(h.screen_text().contains("VOID (used 09:00:00)"), "the receipt's ticket says so: {}", h.screen_text());
    clean(&h);
}

#[test]
fn the_door_reads_whole_at_80x24() {
    let mut h = Headless::demo(common::tui::start(), 1, 80, 24).expect("app");
    let tickets = sold(&mut h, "Hamlet", '1', "Jane Doe");
    door(&mut h, "Hamlet");
    scan(&mut h, &tickets[0].code.grouped());
    let s = scan(&mut h, &tickets[0].code.grouped());
    // The reason wraps onto a second row of the block rather than being cut.
    assert!(s.contains("REFUSED · already used: admitted at 09:00:00 at door main (seat"), "{s}");
    assert!(s.contains("A10)"), "{s}");
    assert!(s.contains("Admitted 1 / sold 1"), "{s}");
    assert!(s.contains("F1 help"), "{s}");
}
