//! Issue 11 at the counter, through keys: ticket types (a count per type, the
//! amount before booking, limits shown and enforced; one type sells as it
//! always did), the receipt's tickets with a QR code each (the drawing on
//! screen decodes to the ticket's code), printing (a PDF beside the
//! database, audited, again allowed), the booking detail's tickets, and
//! ticket types in the new-event form and on an event's types screen.

mod common;
use boxoffice::domain::TicketStatus;
use boxoffice::tui::app::{Overlay, Screen, Stage};
use boxoffice::tui::headless::Headless;
use common::tui::{app, decode_screen_qr, open_theatre, press};
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

/// The message line (row 37 of 40).
fn message(h: &mut Headless) -> String {
    h.screen()[37].clone()
}

fn select(h: &mut Headless, name: &str) {
    let pos = h.app.events.iter().position(|e| e.name.starts_with(name)).expect("event listed");
    press(h, &[KeyCode::Home]);
    for _ in 0..pos {
        press(h, &[KeyCode::Down]);
    }
}

fn open_event(h: &mut Headless, name: &str) {
    select(h, name);
    press(h, &[KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Sell);
}

/// The customer form filled in and sent: the booking awaits payment.
fn book(h: &mut Headless, name: &str, email: &str) {
    press(h, &[KeyCode::Enter]);
    h.type_text(name);
    press(h, &[KeyCode::Tab]);
    h.type_text(email);
    press(h, &[KeyCode::Enter]);
}

fn digits(h: &mut Headless, n: &str) {
    for c in n.chars() {
        press(h, &[KeyCode::Char(c)]);
    }
}

/// The last booking's items as `name×count@price`, in display order.
fn items(h: &Headless) -> String {
    text(
        h,
        "SELECT group_concat(item, ' ') FROM (SELECT t.name || '×' || i.count || '@' || i.unit_price AS item \
         FROM booking_items i JOIN ticket_types t ON t.id = i.type_id \
         WHERE i.booking_id = (SELECT id FROM bookings ORDER BY rowid DESC LIMIT 1) ORDER BY t.position)",
    )
}

#[test]
fn reserved_seats_take_a_count_per_type_with_the_amount_before_booking() {
    let mut h = app();
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('3'), KeyCode::Enter]);
    // Held: every seat is an Adult (the first type takes the rest) until the clerk says otherwise.
    let s = h.screen_text();
    assert!(s.contains("Tickets for 3 seat(s)"), "{s}");
    assert!(s.contains("3 × Adult ₹500.00 · the rest"), "{s}");
    assert!(s.contains("Amount     ₹1,500.00"), "{s}");
    // The keys start on the second type: 1 Child, then ↓ and 1 Concession.
    digits(&mut h, "1");
    press(&mut h, &[KeyCode::Down]);
    digits(&mut h, "1");
    let s = h.screen_text();
    assert!(s.contains("1 × Adult") && s.contains("1 × Child") && s.contains("1 × Concession"), "{s}");
    assert!(s.contains("Amount     ₹1,100.00"), "500 + 250 + 350: {s}");
    // → one more Concession: 3 seats of other types leave no Adult; − takes it back.
    press(&mut h, &[KeyCode::Right]);
    assert!(h.screen_text().contains("0 × Adult"));
    press(&mut h, &[KeyCode::Char('-')]);
    book(&mut h, "Jane Doe", "jane@example.com");
    assert!(message(&mut h).contains("Booked ₹1,100.00"), "{}", message(&mut h));
    assert_eq!(items(&h), "Adult×1@50000 Child×1@25000 Concession×1@35000");
    let created =
        text(&h, "SELECT details FROM audit_log WHERE action = 'BOOKING_CREATED' ORDER BY rowid DESC LIMIT 1");
    assert!(created.contains("\"types\""), "chosen types are listed in the audit row: {created}");
    // Paid: the tickets take the types in seat order.
    press(&mut h, &[KeyCode::Char('s')]);
    let tickets = &h.app.sell.as_ref().expect("sale").tickets;
    let got: Vec<_> = tickets.iter().map(|t| (t.seat_text().to_string(), t.type_name.clone())).collect();
    assert_eq!(
        got,
        [("A9".into(), "Adult".into()), ("A10".into(), "Child".into()), ("A11".into(), "Concession".into())]
    );
    clean(&h);
}

#[test]
fn counts_that_do_not_fit_the_hold_or_a_limit_are_said_and_refused() {
    let mut h = app();
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('2'), KeyCode::Enter]);
    // 3 Children on 2 seats: said in red, and Enter does not open the customer form.
    digits(&mut h, "3");
    assert!(message(&mut h).contains("3 seat(s) given other types than Adult, but 2 held"), "{}", message(&mut h));
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.app.overlay.is_none(), "no customer form for counts that do not fit");
    assert!(message(&mut h).contains("Tickets: 3 seat(s) given other types"));
    // A limit: the demo's Complimentary has 10 left.
    press(&mut h, &[KeyCode::Backspace, KeyCode::Down, KeyCode::Down]);
    assert!(h.screen_text().contains("Complimentary ₹0.00 · 10 left"), "{}", h.screen_text());
    // Eleven seats, all complimentary: over the limit, refused before anything is booked.
    press(&mut h, &[KeyCode::Char('r'), KeyCode::Char('y')]);
    assert_eq!(count(&h, "SELECT count(*) FROM holds WHERE status = 'ACTIVE'"), 0);
    press(&mut h, &[KeyCode::Char('1'), KeyCode::Char('1'), KeyCode::Enter]);
    press(&mut h, &[KeyCode::Down, KeyCode::Down]);
    digits(&mut h, "11");
    assert!(message(&mut h).contains("only 10 Complimentary left (its limit)"), "{}", message(&mut h));
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.app.overlay.is_none());
    assert_eq!(
        count(&h, "SELECT count(*) FROM bookings WHERE customer_id IN (SELECT id FROM customers)"),
        1,
        "nothing booked (the demo's sold-out show has one)"
    );
    // Ten is the limit: that books (₹0.00 for ten, ₹500.00 for the one Adult).
    press(&mut h, &[KeyCode::Backspace, KeyCode::Backspace]);
    digits(&mut h, "10");
    book(&mut h, "Ravi Kumar", "ravi@example.com");
    assert!(message(&mut h).contains("Booked ₹500.00"), "{}", message(&mut h));
    assert_eq!(items(&h), "Adult×1@50000 Complimentary×10@0");
    // Leaving the sale and coming back: Enter books again with the same counts, a replay.
    press(&mut h, &[KeyCode::Esc]);
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).contains("was already made: same booking returned"), "{}", message(&mut h));
    // The limit is used up: the next sale shows 0 left.
    press(&mut h, &[KeyCode::Char('s'), KeyCode::Enter]);
    press(&mut h, &[KeyCode::Char('1'), KeyCode::Enter]);
    assert!(h.screen_text().contains("Complimentary ₹0.00 · 0 left"), "{}", h.screen_text());
    clean(&h);
}

#[test]
fn general_admission_counts_per_type_are_the_quantity() {
    let mut h = app();
    open_event(&mut h, "Indie");
    let s = h.screen_text();
    assert!(s.contains("General admission: how many of each type."), "{s}");
    assert!(s.contains("1 × General ₹1,200.00") && s.contains("0 × Student ₹800.00 · 100 left"), "{s}");
    // 2 General, ↓, 3 Students: 5 places, ₹4,800.00.
    digits(&mut h, "2");
    press(&mut h, &[KeyCode::Down]);
    digits(&mut h, "3");
    let s = h.screen_text();
    assert!(s.contains("Amount     ₹4,800.00") && s.contains("Quantity:  5"), "{s}");
    press(&mut h, &[KeyCode::Enter]);
    assert_eq!(h.app.sell.as_ref().map(|s| s.stage), Some(Stage::Held));
    assert_eq!(text(&h, "SELECT CAST(seats AS TEXT) FROM holds WHERE status = 'ACTIVE'"), "5");
    book(&mut h, "Meera Shah", "meera@example.com");
    assert!(message(&mut h).contains("Booked ₹4,800.00"), "{}", message(&mut h));
    assert_eq!(items(&h), "General×2@120000 Student×3@80000");
    // More Students than the limit leaves: refused before holding.
    press(&mut h, &[KeyCode::Char('s'), KeyCode::Enter]);
    press(&mut h, &[KeyCode::Down]);
    digits(&mut h, "98");
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).contains("Not held: only 97 Student left"), "{}", message(&mut h));
    assert_eq!(count(&h, "SELECT count(*) FROM holds WHERE status = 'ACTIVE'"), 0);
    clean(&h);
}

#[test]
fn an_event_with_one_type_sells_exactly_as_before() {
    let mut h = app();
    open_event(&mut h, "Pottery");
    let s = h.screen_text();
    assert!(s.contains("Quantity:") && !s.contains("of each type"), "{s}");
    press(&mut h, &[KeyCode::Char('2'), KeyCode::Enter]);
    assert!(!h.screen_text().contains("Tickets for"), "no types step");
    book(&mut h, "Jane Doe", "jane@example.com");
    assert!(message(&mut h).contains("Booked ₹5,000.00"));
    let created =
        text(&h, "SELECT details FROM audit_log WHERE action = 'BOOKING_CREATED' ORDER BY rowid DESC LIMIT 1");
    assert!(!created.contains("\"types\""), "a plain booking's audit row is as it always was: {created}");
    assert_eq!(items(&h), "Standard×2@250000");
}

#[test]
fn the_receipt_pages_through_tickets_each_with_a_qr_code_that_reads_as_its_code() {
    let mut h = app();
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('2'), KeyCode::Enter]);
    digits(&mut h, "1");
    book(&mut h, "Jane Doe", "jane@example.com");
    press(&mut h, &[KeyCode::Char('s')]);
    let tickets = h.app.sell.as_ref().expect("sale").tickets.clone();
    assert_eq!(tickets.len(), 2);
    for (i, t) in tickets.iter().enumerate() {
        let screen = h.screen();
        let s = screen.join("\n");
        assert!(s.contains(&format!("Ticket {} of 2 · {} · {}", i + 1, t.seat_text(), t.type_name)), "{s}");
        assert!(s.contains(&format!("{} · VALID", t.code.grouped())), "{s}");
        assert_eq!(decode_screen_qr(&screen, 1).as_deref(), Some(t.code.as_str()), "ticket {}'s QR code", i + 1);
        press(&mut h, &[KeyCode::Right]);
    }
    // → past the last comes back to the first; ← goes back.
    assert!(h.screen_text().contains("Ticket 1 of 2"));
    press(&mut h, &[KeyCode::Left]);
    assert!(h.screen_text().contains("Ticket 2 of 2"));
}

#[test]
fn p_prints_a_pdf_beside_the_database_and_again_each_time_audited() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("box.db");
    let mut h = Headless::on_file(&db, common::tui::start(), 7, 120, 40).expect("app");
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('2'), KeyCode::Enter]);
    book(&mut h, "Jane Doe", "jane@example.com");
    press(&mut h, &[KeyCode::Char('s')]);
    let booking = h.app.sell.as_ref().and_then(|s| s.booking.clone()).expect("booking");
    let pdf = dir.path().join(format!("tickets-{}.pdf", boxoffice::ids::short(&booking.id)));
    press(&mut h, &[KeyCode::Char('p')]);
    assert!(message(&mut h).contains(&format!("Printed 2 ticket(s) to {}", pdf.display())), "{}", message(&mut h));
    let bytes = std::fs::read(&pdf).expect("the PDF is beside the database");
    let doc = lopdf::Document::load_mem(&bytes).expect("a PDF");
    assert_eq!(doc.get_pages().len(), 2, "one page per ticket");
    let page1 = doc.extract_text(&[1]).expect("text");
    assert!(page1.contains(&h.app.sell.as_ref().expect("sale").tickets[0].code.grouped()), "{page1}");
    // Again: allowed, and audited again.
    press(&mut h, &[KeyCode::Char('p')]);
    assert_eq!(count(&h, "SELECT count(*) FROM audit_log WHERE action = 'TICKETS_PRINTED'"), 2);
    // From the booking detail too.
    press(&mut h, &[KeyCode::Tab, KeyCode::Home, KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Detail);
    press(&mut h, &[KeyCode::Char('p')]);
    assert_eq!(count(&h, "SELECT count(*) FROM audit_log WHERE action = 'TICKETS_PRINTED'"), 3);
    assert!(message(&mut h).contains("Printed 2 ticket(s)"));
}

#[test]
fn a_script_run_prints_to_its_own_folder_named_run() {
    let mut h = app();
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('1'), KeyCode::Enter]);
    book(&mut h, "Jane Doe", "jane@example.com");
    press(&mut h, &[KeyCode::Char('s'), KeyCode::Char('p')]);
    let booking = h.app.sell.as_ref().and_then(|s| s.booking.clone()).expect("booking");
    let name = format!("tickets-{}.pdf", boxoffice::ids::short(&booking.id));
    assert!(message(&mut h).contains(&format!("Printed 1 ticket(s) to <run>/{name}")), "{}", message(&mut h));
    assert!(h.app.info.data_dir.join(&name).exists());
}

#[test]
fn the_booking_detail_lists_its_tickets_and_their_states() {
    let mut h = app();
    open_theatre(&mut h);
    press(&mut h, &[KeyCode::Char('3'), KeyCode::Enter]);
    book(&mut h, "Jane Doe", "jane@example.com");
    press(&mut h, &[KeyCode::Char('s')]);
    let tickets = h.app.sell.as_ref().expect("sale").tickets.clone();
    // The first admitted at the north door (another terminal), the rest valid.
    h.desk().check_in(&tickets[0].code.grouped(), None, "north").expect("scan");
    press(&mut h, &[KeyCode::Tab, KeyCode::Home, KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Detail);
    let s = h.screen_text();
    assert!(s.contains("Tickets (3)"), "{s}");
    assert!(s.contains("A9   Adult ₹500.00 USED 09:00:00 north"), "{s}");
    assert!(s.contains("A10  Adult ₹500.00 VALID"), "{s}");
    // Cancelled: void, and the admitted one says when it was used.
    press(&mut h, &[KeyCode::Char('x'), KeyCode::Char('y'), KeyCode::Char('y')]);
    let s = h.screen_text();
    assert!(s.contains("A9   Adult ₹500.00 VOID (used 09:00:00)"), "{s}");
    assert!(s.contains("A11  Adult ₹500.00 VOID"), "{s}");
    assert!(h.desk().tickets(&tickets[0].booking_id).expect("tickets").iter().all(|t| t.status == TicketStatus::Void));
}

/// Tabs to the event form's field `label` and types `value` over it.
fn set_field(h: &mut Headless, label: &str, value: &str) {
    for _ in 0..20 {
        let Some(Overlay::EventForm(f) | Overlay::Form(_, f)) = &h.app.overlay else { panic!("no form open") };
        if f.fields[f.focus].label == label {
            h.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
            h.type_text(value);
            return;
        }
        press(h, &[KeyCode::Tab]);
    }
    panic!("no field {label}");
}

#[test]
fn the_new_event_form_takes_several_types_with_limits() {
    let mut h = app();
    press(&mut h, &[KeyCode::Char('n')]);
    set_field(&mut h, "Name", "Gala");
    set_field(&mut h, "Types", "Adult 500; Child");
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).contains("'Child': give a name and a price"), "{}", message(&mut h));
    assert_eq!(count(&h, "SELECT count(*) FROM events WHERE name = 'Gala'"), 0);
    // At 80×24 the form scrolls to the field being typed.
    set_field(&mut h, "Types", "Adult 500; Senior Citizen 1,250.50 limit 40; Comp 0 limit 10");
    press(&mut h, &[KeyCode::Enter]);
    assert!(h.app.overlay.is_none(), "created: {}", message(&mut h));
    let types = text(
        &h,
        "SELECT group_concat(name || ' ' || price || ' ' || ifnull(quota, '-'), '; ') FROM \
         (SELECT * FROM ticket_types WHERE event_id = (SELECT id FROM events WHERE name = 'Gala') ORDER BY position)",
    );
    assert_eq!(types, "Adult 50000 -; Senior Citizen 125050 40; Comp 0 10");
    assert_eq!(
        text(&h, "SELECT CAST(price AS TEXT) FROM events WHERE name = 'Gala'"),
        "50000",
        "the first type's price"
    );
    let row = text(&h, "SELECT details FROM audit_log WHERE action = 'EVENT_CREATED' ORDER BY rowid DESC LIMIT 1");
    assert!(row.contains("Senior Citizen"), "the audit row lists the types: {row}");
    clean(&h);
}

#[test]
fn the_event_form_scrolls_to_its_last_field_at_80x24() {
    let mut h = Headless::demo(common::tui::start(), 1, 80, 24).expect("app");
    press(&mut h, &[KeyCode::Char('n')]);
    set_field(&mut h, "Types", "Adult 500");
    let s = h.screen_text();
    assert!(s.contains("▶ Types") && s.contains("Adult 500▏"), "{s}");
}

#[test]
fn an_events_types_are_added_edited_and_retired_from_its_types_screen() {
    let mut h = app();
    select(&mut h, "Pottery");
    press(&mut h, &[KeyCode::Char('t')]);
    assert_eq!(h.app.screen, Screen::Types);
    assert!(h.screen_text().contains("Ticket types · Pottery Workshop"));
    // Add: Senior at ₹1,500.00, at most 2.
    press(&mut h, &[KeyCode::Char('a')]);
    set_field(&mut h, "Name", "Senior");
    set_field(&mut h, "Price", "1500.555");
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).contains("Price: INR has 2 decimal place(s)"), "{}", message(&mut h));
    set_field(&mut h, "Price", "1500");
    set_field(&mut h, "Limit", "2");
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).contains("Ticket type Senior added: ₹1,500.00, limit 2 (audited)"), "{}", message(&mut h));
    let row = h.screen().into_iter().find(|l| l.contains("Senior")).expect("listed");
    let cells: Vec<&str> = row.trim_matches(|c| c == '│' || c == ' ').split_whitespace().collect();
    assert_eq!(cells, ["▶", "Senior", "₹1,500.00", "2", "2", "on", "sale"], "{row}");
    // Edit: a name taken is refused in the form (the engine's rule), then the price changes.
    press(&mut h, &[KeyCode::Enter]);
    set_field(&mut h, "Name", "Standard");
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).contains("already has a type called Standard"), "{}", message(&mut h));
    assert!(matches!(h.app.overlay, Some(Overlay::Form(..))), "the form stays open");
    set_field(&mut h, "Name", "Senior");
    set_field(&mut h, "Price", "1,400");
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).contains("Ticket type Senior changed: ₹1,400.00, limit 2"), "{}", message(&mut h));
    // Sell one Senior, then the limit cannot go below it.
    press(&mut h, &[KeyCode::Esc]);
    open_event(&mut h, "Pottery");
    press(&mut h, &[KeyCode::Backspace, KeyCode::Char('0'), KeyCode::Down, KeyCode::Char('1'), KeyCode::Enter]);
    book(&mut h, "Jane Doe", "jane@example.com");
    assert!(message(&mut h).contains("Booked ₹1,400.00"), "{}", message(&mut h));
    press(&mut h, &[KeyCode::Esc]);
    select(&mut h, "Pottery");
    press(&mut h, &[KeyCode::Char('t'), KeyCode::Down, KeyCode::Char('e')]);
    set_field(&mut h, "Limit", "0");
    press(&mut h, &[KeyCode::Enter]);
    assert!(message(&mut h).contains("must be at least 1 (or none)"), "{}", message(&mut h));
    press(&mut h, &[KeyCode::Esc]);
    // Retire: y/n first; n keeps it, y retires it (never deleted: the booking keeps it).
    press(&mut h, &[KeyCode::Char('r')]);
    assert!(h.screen_text().contains("Retire Senior (₹1,400.00)?"));
    press(&mut h, &[KeyCode::Char('n')]);
    assert!(message(&mut h).contains("Senior stays on sale"));
    press(&mut h, &[KeyCode::Char('r'), KeyCode::Char('y')]);
    assert!(message(&mut h).contains("Ticket type Senior retired"), "{}", message(&mut h));
    assert!(h.screen_text().contains("retired"));
    // The last type on sale stays.
    press(&mut h, &[KeyCode::Up, KeyCode::Char('r'), KeyCode::Char('y')]);
    assert!(message(&mut h).contains("is the event's last type on sale"), "{}", message(&mut h));
    let audited = |action: &str| count(&h, &format!("SELECT count(*) FROM audit_log WHERE action = '{action}'"));
    assert_eq!(
        (audited("TICKET_TYPE_ADDED"), audited("TICKET_TYPE_CHANGED"), audited("TICKET_TYPE_RETIRED")),
        (1, 1, 1)
    );
    assert_eq!(count(&h, "SELECT count(*) FROM ticket_types WHERE name = 'Senior'"), 1);
    clean(&h);
}
