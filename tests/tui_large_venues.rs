//! Large venues and closed sales, through keys. A 26×99 hall's seat map
//! scrolls with the cursor (rulers of row letters and seat numbers always
//! drawn for the part shown, and a line saying which part), at 120×40 and at
//! 80×24; picked seats off screen stay listed and are held. Sold-out and
//! past events open read-only: a banner says why, and no key holds anything.

mod common;

use boxoffice::domain::{EventKind, NewEvent};
use boxoffice::tui::app::Screen;
use boxoffice::tui::headless::{Headless, buffer_lines};
use boxoffice::tui::{keymap, view};
use chrono::Duration;
use common::tui::{press, start};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode::{self, Char, Down, Enter, Esc, Left, Right, Up};
use ratatui::style::Modifier;

const HALL: &str = "Arena";

fn arena(width: u16, height: u16) -> Headless {
    let mut h = Headless::demo(start(), 1, width, height).expect("app");
    h.desk()
        .create_event(NewEvent {
            name: HALL.into(),
            description: String::new(),
            starts_at: start() + Duration::days(7),
            kind: EventKind::Reserved { rows: 26, seats_per_row: 99 },
            price: 50_000,
            currency: "INR".into(),
        })
        .expect("arena");
    h.refresh();
    open(&mut h, HALL);
    h
}

fn open(h: &mut Headless, name: &str) {
    let pos = h.app.events.iter().position(|e| e.name.starts_with(name)).expect("listed");
    press(h, &[KeyCode::Home]);
    for _ in 0..pos {
        press(h, &[Down]);
    }
    press(h, &[Enter]);
    assert_eq!(h.app.screen, Screen::Sell);
}

fn times(h: &mut Headless, key: KeyCode, n: usize) {
    for _ in 0..n {
        press(h, &[key]);
    }
}

/// What the map shows, read from a fresh frame: the screen's rows, and the
/// position of the one seat drawn reversed (the cursor).
struct Map {
    rows: Vec<String>,
    cursor: (usize, usize),
}

fn map(h: &mut Headless, width: u16, height: u16) -> Map {
    h.refresh();
    let mut t = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    t.draw(|f| view::draw(f, &h.app)).expect("draw");
    let buf = t.backend().buffer();
    // The map is the left panel; the right one starts where the panel does.
    let panel = if width >= 110 { 42 } else { 34 };
    let mut reversed = Vec::new();
    // Below the header (whose title is drawn reversed).
    for y in 1..height {
        for x in 0..width - panel {
            if buf[(x, y)].modifier.contains(Modifier::REVERSED) && buf[(x, y)].symbol().trim() != "" {
                reversed.push((x as usize, y as usize));
            }
        }
    }
    assert_eq!(reversed.len(), 1, "one cursor on the map: {reversed:?}");
    Map { rows: buffer_lines(buf), cursor: reversed[0] }
}

/// The seat-number ruler: the row just above row letter `first_row`'s line.
fn ruler(m: &Map, first_row: char) -> (usize, &str) {
    let y = m.rows.iter().position(|l| l.starts_with(&format!("│ {first_row} "))).expect("the first row shown");
    (y - 1, &m.rows[y - 1])
}

/// The seat number printed in the ruler ending at column `x`.
fn number_at(line: &str, x: usize) -> String {
    let cells: Vec<char> = line.chars().collect();
    let mut digits = String::new();
    let mut i = x as isize;
    while i >= 0 && cells.get(i as usize).is_some_and(|c| c.is_ascii_digit()) {
        digits.insert(0, cells[i as usize]);
        i -= 1;
    }
    digits
}

fn screen_has(m: &Map, text: &str) -> bool {
    m.rows.iter().any(|l| l.contains(text))
}

fn scrolls_with_the_cursor(width: u16, height: u16) {
    let mut h = arena(width, height);
    // The cursor starts mid-row (seat 50): the part around it is shown.
    let m = map(&mut h, width, height);
    let part = m.rows.iter().find(|l| l.contains("Seats ") && l.contains(" of 99")).expect("which part is shown");
    assert!(part.contains("rows A–"), "{part}");
    assert!(screen_has(&m, "Cursor A50"));
    // To seat 75 (labelled on either ruler): the number above the cursor is 75.
    times(&mut h, Right, 25);
    let m = map(&mut h, width, height);
    let (ruler_y, line) = ruler(&m, 'A');
    assert!(m.cursor.1 > ruler_y, "the cursor is below the ruler");
    assert_eq!(number_at(line, m.cursor.0), "75", "ruler: {line:?}");
    // The far end: seat 99, row Z.
    times(&mut h, Right, 30);
    times(&mut h, Down, 30);
    let m = map(&mut h, width, height);
    assert!(screen_has(&m, "Cursor Z99"), "{:#?}", m.rows);
    let part = m.rows.iter().find(|l| l.contains("–99 of 99")).expect("the last seats are shown");
    let row_z = m.rows.iter().position(|l| l.starts_with("│ Z ")).expect("row Z is shown");
    assert_eq!(m.cursor.1, row_z, "the cursor is on row Z's line");
    // 26 rows fit at 120×40; at 80×24 the rows scroll too and the line says which.
    let all_rows = part.contains("rows A–Z");
    assert_eq!(all_rows, height >= 40, "{part}");
    assert_eq!(m.rows.iter().any(|l| l.starts_with("│ A ")), all_rows, "row A has scrolled away unless all fit");
    if !all_rows {
        assert!(part.contains("–Z of A–Z"), "{part}");
    }
    // Pick Z99, go back to seat 1 of row A: Z99 is off screen and still listed.
    press(&mut h, &[Char(' ')]);
    times(&mut h, Left, 98);
    times(&mut h, Up, 25);
    let m = map(&mut h, width, height);
    assert!(screen_has(&m, "Cursor A1 ") && screen_has(&m, "picked: Z99"), "{:#?}", m.rows);
    assert!(m.rows.iter().any(|l| l.contains("Seats 1–")), "{:#?}", m.rows);
    let (_, line) = ruler(&m, 'A');
    assert_eq!(number_at(line, m.cursor.0), "1", "seat 1 is labelled: {line:?}");
    // Enter holds the picked seat, off screen or not.
    press(&mut h, &[Enter]);
    let held = h.app.sell.as_ref().and_then(|s| s.hold.clone()).expect("held");
    assert_eq!(held.labels, ["Z99"]);
    assert_eq!(h.desk().get_hold(&held.id).expect("stored").labels, ["Z99"]);
}

#[test]
fn a_large_venue_scrolls_with_the_cursor_at_120x40() {
    scrolls_with_the_cursor(120, 40);
}

#[test]
fn a_large_venue_scrolls_with_the_cursor_at_80x24() {
    scrolls_with_the_cursor(80, 24);
}

fn holds(h: &Headless) -> i64 {
    h.desk().conn().query_row("SELECT count(*) FROM holds", [], |r| r.get(0)).expect("count")
}

#[test]
fn sold_out_and_past_events_open_read_only_with_the_reason() {
    for (name, reason) in [
        ("Sold Out Comedy Special", "Sold out: no seat is free"),
        ("Last Week's Jazz Evening", "Sales closed: this event has started or is over"),
    ] {
        for (width, height) in [(120, 40), (80, 24)] {
            let mut h = Headless::demo(start(), 1, width, height).expect("app");
            open(&mut h, name);
            let screen = h.screen_text();
            assert!(screen.contains(&format!("✗ {}", &reason[..10])), "{name}: a banner\n{screen}");
            assert!(screen.replace('\n', " ").contains(reason.split(':').next().unwrap_or(reason)), "{screen}");
            let titles: Vec<&str> = keymap::tables_for(&h.app).iter().map(|t| t.title).collect();
            assert_eq!(titles[0], "Sell: sold out or started (read-only)");
            let footer = keymap::footer(&h.app, width as usize);
            assert!(!footer.contains("hold") && !footer.contains("quantity"), "{footer}");
            let before = (holds(&h), h.app.sell.as_ref().map(|s| s.quantity));
            press(&mut h, &[Enter, Char('b'), Char('5'), Char('+'), Char(' '), Char('=')]);
            assert_eq!((holds(&h), h.app.sell.as_ref().map(|s| s.quantity)), before, "{name}: nothing held or counted");
            assert!(!h.screen_text().contains("Held"), "{name}");
            press(&mut h, &[Esc]);
            assert_eq!(h.app.screen, Screen::Events, "Esc goes back");
        }
    }
}

#[test]
fn a_sale_that_sells_out_turns_read_only_and_back_when_a_seat_comes_back() {
    let mut h = Headless::demo(start(), 1, 120, 40).expect("app");
    open(&mut h, "Pottery Workshop");
    // Five places: another terminal takes them all.
    let event = h.app.sell.as_ref().expect("sale").event.id.clone();
    let other = h
        .desk()
        .hold(boxoffice::HoldRequest {
            event_id: event,
            pick: boxoffice::SeatPick::Count(5),
            idempotency_key: None,
            correlation_id: None,
        })
        .expect("hold")
        .value;
    h.refresh();
    assert!(h.screen_text().contains("✗ Sold out"), "{}", h.screen_text());
    h.desk().release(&other.id).expect("release");
    h.refresh();
    assert!(!h.screen_text().contains("✗ Sold out"));
    assert_eq!(keymap::tables_for(&h.app)[0].title, "Sell: choose how many (general admission)");
}
