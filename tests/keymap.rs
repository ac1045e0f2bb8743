//! One keymap (src/tui/keymap.rs) answers every key. On every screen, sale
//! stage and overlay, every key of the keyboard is pressed on a fresh copy of
//! that state; a key that changes the screen (clock aside), any database row
//! or quits, without an entry in the tables that apply there, fails the test.
//! README's key table must be exactly the keymap's.
//!
//! After changing the keymap: `BOXOFFICE_UPDATE_README=1 cargo test --test
//! keymap` rewrites README's table; read the diff.

mod common;

use boxoffice::tui::app::{Pending, Screen};
use boxoffice::tui::headless::Headless;
use boxoffice::tui::keymap::{self, ALL, Table};
use common::tui::{open_theatre, press, start};
use common::{Dump, dump};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeSet;

/// Every key a keyboard sends: printable ASCII, the named keys, F1–F12,
/// Ctrl-a…z and Alt-a…z.
fn keyboard() -> Vec<KeyEvent> {
    let mut keys: Vec<KeyEvent> = (' '..='~')
        .map(|c| {
            // Terminals report Shift with capitals.
            let mods = if c.is_ascii_uppercase() { KeyModifiers::SHIFT } else { KeyModifiers::NONE };
            KeyEvent::new(KeyCode::Char(c), mods)
        })
        .collect();
    keys.extend(
        [
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::Backspace,
            KeyCode::Delete,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::PageUp,
            KeyCode::PageDown,
        ]
        .map(KeyEvent::from),
    );
    keys.push(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    keys.extend((1..=12).map(|n| KeyEvent::from(KeyCode::F(n))));
    keys.extend(('a'..='z').map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
    keys.extend(('a'..='z').map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)));
    keys
}

fn key_name(k: &KeyEvent) -> String {
    let code = match k.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{code}")
    } else if k.modifiers.contains(KeyModifiers::ALT) {
        format!("Alt-{code}")
    } else {
        code
    }
}

// ---- the states -----------------------------------------------------------------

/// A place the clerk can be, how to get there from a fresh demo app, and the
/// tables that must apply there (which proves the place was reached).
struct State {
    name: &'static str,
    tables: &'static [&'static str],
    size: (u16, u16),
    setup: fn(&mut Headless),
}

const BIG: (u16, u16) = (120, 40);

fn hold_two(h: &mut Headless) {
    open_theatre(h);
    press(h, &[KeyCode::Char('2'), KeyCode::Enter]);
}

fn booked(h: &mut Headless) {
    hold_two(h);
    press(h, &[KeyCode::Enter]);
    h.type_text("Jane Doe");
    press(h, &[KeyCode::Tab]);
    h.type_text("jane@example.com");
    press(h, &[KeyCode::Enter]);
}

fn paid(h: &mut Headless) {
    booked(h);
    press(h, &[KeyCode::Char('s')]);
}

/// A paid sale, then the Bookings tab (there are rows to move over).
fn bookings(h: &mut Headless) {
    paid(h);
    press(h, &[KeyCode::Tab]);
    assert_eq!(h.app.screen, Screen::Bookings);
}

fn audit(h: &mut Headless) {
    bookings(h);
    press(h, &[KeyCode::Tab, KeyCode::Tab]);
    assert_eq!(h.app.screen, Screen::Audit);
}

fn open_ga(h: &mut Headless) {
    let pos = h.app.events.iter().position(|e| e.name.starts_with("Indie")).expect("demo concert");
    press(h, &[KeyCode::Home]);
    for _ in 0..pos {
        press(h, &[KeyCode::Down]);
    }
    press(h, &[KeyCode::Enter]);
}

/// Opens the demo event whose name starts with `name`.
fn open_event(h: &mut Headless, name: &str) {
    let pos = h.app.events.iter().position(|e| e.name.starts_with(name)).expect("demo event");
    press(h, &[KeyCode::Home]);
    for _ in 0..pos {
        press(h, &[KeyCode::Down]);
    }
    press(h, &[KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Sell);
}

const CLOSED: &[&str] = &["Sell: sold out or started (read-only)", "Every screen", "Anywhere"];

/// The demo theatre's hold: it sells four ticket types.
const HELD_TYPES: &[&str] =
    &["Sell: hold", "Sell: hold, ticket types (the first type takes the rest)", "Every screen", "Anywhere"];

/// Selects the demo event whose name starts with `name` on the Events list.
fn select(h: &mut Headless, name: &str) {
    let pos = h.app.events.iter().position(|e| e.name.starts_with(name)).expect("demo event");
    press(h, &[KeyCode::Home]);
    for _ in 0..pos {
        press(h, &[KeyCode::Down]);
    }
}

/// A paid sale of two theatre seats, then the Door screen for the theatre,
/// its first ticket admitted.
fn at_the_door(h: &mut Headless) {
    paid(h);
    let code = h.app.sell.as_ref().expect("sale").tickets[0].code.grouped();
    press(h, &[KeyCode::Esc]);
    select(h, "Hamlet");
    press(h, &[KeyCode::Char('d')]);
    h.type_text(&code);
    press(h, &[KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Door);
}

const STATES: &[State] = &[
    State { name: "Events", tables: &["Events", "Lists", "Every screen", "Anywhere"], size: BIG, setup: |_| {} },
    State {
        name: "Events, typing a filter",
        tables: &["Typing a filter or search", "Anywhere"],
        size: BIG,
        setup: |h| press(h, &[KeyCode::Char('/'), KeyCode::Char('a')]),
    },
    State {
        name: "Sell: choose (reserved)",
        tables: &["Sell: choose seats", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| open_theatre(h),
    },
    State {
        name: "Sell: choose (general admission)",
        tables: &["Sell: choose how many (general admission)", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| open_event(h, "Pottery"),
    },
    // The demo concert sells two ticket types: a count for each.
    State {
        name: "Sell: choose (general admission, ticket types)",
        tables: &["Sell: how many of each type (general admission)", "Every screen", "Anywhere"],
        size: BIG,
        setup: open_ga,
    },
    // Read-only sales: no key holds, picks or counts seats there.
    State { name: "Sell: sold out", tables: CLOSED, size: BIG, setup: |h| open_event(h, "Sold Out") },
    State { name: "Sell: past event", tables: CLOSED, size: BIG, setup: |h| open_event(h, "Last Week") },
    State { name: "Sell: held", tables: HELD_TYPES, size: BIG, setup: hold_two },
    State {
        name: "Sell: held (one ticket type)",
        tables: &["Sell: hold", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| {
            open_event(h, "Pottery");
            press(h, &[KeyCode::Char('2'), KeyCode::Enter]);
        },
    },
    State { name: "Sell: payment", tables: &["Sell: payment", "Every screen", "Anywhere"], size: BIG, setup: booked },
    State { name: "Sell: receipt", tables: &["Sell: receipt", "Every screen", "Anywhere"], size: BIG, setup: paid },
    State { name: "Bookings", tables: &["Bookings", "Lists", "Every screen", "Anywhere"], size: BIG, setup: bookings },
    State {
        name: "Bookings, typing a search",
        tables: &["Typing a filter or search", "Anywhere"],
        size: BIG,
        setup: |h| {
            bookings(h);
            press(h, &[KeyCode::Char('/'), KeyCode::Char('j')]);
        },
    },
    State {
        name: "Booking detail (confirmed)",
        tables: &["Booking detail (confirmed)", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| {
            bookings(h);
            press(h, &[KeyCode::Enter]);
        },
    },
    State {
        name: "Booking detail (awaiting payment)",
        tables: &["Booking detail (awaiting payment)", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| {
            booked(h);
            press(h, &[KeyCode::Tab, KeyCode::Home, KeyCode::Enter]);
        },
    },
    State {
        name: "Booking detail (ended)",
        tables: &["Booking detail (ended)", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| {
            booked(h);
            press(h, &[KeyCode::Char('x'), KeyCode::Char('y'), KeyCode::Tab, KeyCode::Home, KeyCode::Enter]);
        },
    },
    State {
        name: "Sell: payment declined",
        tables: &["Sell: payment declined", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| {
            booked(h);
            press(h, &[KeyCode::Char('f'), KeyCode::Char('y')]);
        },
    },
    State {
        name: "Sell: sale ended",
        tables: &["Sell: sale ended (cancelled or expired)", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| {
            booked(h);
            press(h, &[KeyCode::Char('x'), KeyCode::Char('y')]);
        },
    },
    State {
        name: "Notice",
        tables: &["Notice", "Anywhere"],
        size: BIG,
        setup: |h| {
            hold_two(h);
            h.advance(chrono::Duration::minutes(5));
        },
    },
    State {
        name: "Quit with a sale open",
        tables: &["Quit with a sale open", "Anywhere"],
        size: BIG,
        setup: |h| {
            hold_two(h);
            press(h, &[KeyCode::Char('q')]);
        },
    },
    State {
        name: "Reports",
        tables: &["Reports", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| {
            bookings(h);
            press(h, &[KeyCode::Tab]);
        },
    },
    State { name: "Audit", tables: &["Audit", "Lists", "Every screen", "Anywhere"], size: BIG, setup: audit },
    State {
        name: "Audit, typing a filter",
        tables: &["Typing a filter or search", "Anywhere"],
        size: BIG,
        setup: |h| {
            audit(h);
            press(h, &[KeyCode::Char('/'), KeyCode::Char('H')]);
        },
    },
    State {
        name: "Jobs",
        tables: &["Jobs", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| {
            audit(h);
            press(h, &[KeyCode::Tab]);
        },
    },
    State {
        name: "Till",
        tables: &["Till", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| {
            paid(h);
            press(h, &[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Tab]);
        },
    },
    State {
        name: "Cash prompt",
        tables: &["Forms", "Anywhere"],
        size: BIG,
        setup: |h| {
            booked(h);
            press(h, &[KeyCode::Char('c')]);
            h.type_text("5");
        },
    },
    State { name: "Door", tables: &["Door (checking tickets in)", "Anywhere"], size: BIG, setup: at_the_door },
    State {
        name: "Ticket types",
        tables: &["Ticket types", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| {
            select(h, "Hamlet");
            press(h, &[KeyCode::Char('t')]);
        },
    },
    // 80×24, the smallest screen: the help is longer than its box and scrolls.
    State {
        name: "Help",
        tables: &["Help", "Anywhere"],
        size: (80, 24),
        setup: |h| press(h, &[KeyCode::Char('?'), KeyCode::Down]),
    },
    State {
        name: "Event form",
        tables: &["Forms", "Anywhere"],
        size: BIG,
        setup: |h| {
            press(h, &[KeyCode::Char('n')]);
            h.type_text("Matinee");
        },
    },
    State {
        name: "Customer form",
        tables: &["Forms", "Anywhere"],
        size: BIG,
        setup: |h| {
            hold_two(h);
            press(h, &[KeyCode::Enter]);
            h.type_text("Jane");
        },
    },
    State {
        name: "Yes/no prompt",
        tables: &["Yes/no prompt", "Anywhere"],
        size: BIG,
        setup: |h| {
            hold_two(h);
            press(h, &[KeyCode::Char('r')]);
        },
    },
    State {
        name: "Cancel prompt",
        tables: &["Cancel prompt", "Anywhere"],
        size: BIG,
        setup: |h| {
            paid(h);
            press(h, &[KeyCode::Char('x')]);
        },
    },
    State {
        name: "Clerks",
        tables: &["Clerks (supervisor)", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| {
            press(h, &[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Char('c')]);
            assert_eq!(h.app.screen, Screen::Clerks);
        },
    },
    State {
        name: "Settings",
        tables: &["Settings", "Lists", "Every screen", "Anywhere"],
        size: BIG,
        setup: |h| press(h, &[KeyCode::Char('S'), KeyCode::Down]),
    },
    State {
        name: "Settings, editing a value",
        tables: &["Editing a setting", "Anywhere"],
        size: BIG,
        setup: |h| press(h, &[KeyCode::Char('S'), KeyCode::Enter, KeyCode::Char('1')]),
    },
    // A write the database keeps waiting. The walk runs every key to idle,
    // so the wait is the app's state alone here (no request behind it);
    // tests/tui_waiting.rs and tests/real_terminal.rs wait on a real lock.
    State {
        name: "Waiting for the database",
        tables: &[
            "Waiting for the database",
            "Sell: hold",
            "Sell: hold, ticket types (the first type takes the rest)",
            "Every screen",
            "Anywhere",
        ],
        size: BIG,
        setup: |h| {
            hold_two(h);
            h.app.write = Some(Pending {
                id: u64::MAX,
                what: "releasing the hold".into(),
                since: h.app.now,
                gave_up: false,
                form: None,
                retry: None,
            });
        },
    },
];

// ---- observing a key ------------------------------------------------------------------

/// What a key may change: the screen (the status bar's clock aside), every
/// row in the database, and whether the app quits.
#[derive(PartialEq)]
struct Seen {
    screen: Vec<String>,
    db: Dump,
    quit: bool,
}

fn observe(h: &mut Headless) -> Seen {
    let clock = h.app.local(h.app.now).format("%Y-%m-%d %H:%M:%S %:z").to_string();
    let screen = h.screen().into_iter().map(|l| l.replace(&clock, "[clock]")).collect();
    Seen { screen, db: dump(h.desk().conn()), quit: h.app.quit }
}

fn what_changed(a: &Seen, b: &Seen) -> String {
    if a.quit != b.quit {
        return "quit the app".into();
    }
    let tables: Vec<&String> = b.db.keys().filter(|t| a.db.get(*t) != b.db.get(*t)).collect();
    if !tables.is_empty() {
        return format!("database rows in {tables:?}");
    }
    let row = a.screen.iter().zip(&b.screen).position(|(x, y)| x != y).unwrap_or(0);
    format!("screen row {row}: {:?} → {:?}", a.screen.get(row).map(|s| s.trim()), b.screen.get(row).map(|s| s.trim()))
}

fn reach(state: &State, exports: &std::path::Path) -> Headless {
    reach_at(state, state.size, exports)
}

fn reach_at(state: &State, (width, height): (u16, u16), exports: &std::path::Path) -> Headless {
    let mut h = Headless::demo(start(), 1, width, height).expect("app");
    h.app.info.data_dir = exports.to_path_buf();
    (state.setup)(&mut h);
    let titles: Vec<&str> = keymap::tables_for(&h.app).iter().map(|t| t.title).collect();
    assert_eq!(titles, state.tables, "{}: not where the walk meant to be", state.name);
    h
}

/// Presses every key in `state`, each on a fresh copy of it.
fn walk(name: &str) {
    let state = STATES.iter().find(|s| s.name == name).expect("state");
    let exports = tempfile::tempdir().expect("temp dir");
    // The same keys on the same seeded demo and clock reach the same state, so
    // "before" is observed once (and checked to be the same on a second copy).
    let before = observe(&mut reach(state, exports.path()));
    assert!(before == observe(&mut reach(state, exports.path())), "{name}: reaching the state is not deterministic");
    // Hints on screen name keys through `keymap::key`; a hint for an action
    // the table does not bind would read "(unbound)".
    assert!(!before.screen.iter().any(|l| l.contains("(unbound)")), "{name}: {:#?}", before.screen);
    let mut unmapped = Vec::new();
    let mut acted = 0;
    for key in keyboard() {
        let mut h = reach(state, exports.path());
        let answering: Vec<&str> = keymap::tables_for(&h.app)
            .into_iter()
            .flat_map(|t| t.entries.iter().filter(|e| e.action(&key).is_some()).map(|_| t.title))
            .collect();
        // Only the waiting table may take a key from another (Esc stops waiting).
        let below = answering.iter().filter(|t| **t != keymap::WAITING.title).count();
        assert!(below <= 1, "{name}: {} answered by more than one entry: {answering:?}", key_name(&key));
        h.key(key);
        let after = observe(&mut h);
        if before != after {
            acted += 1;
            if answering.is_empty() {
                unmapped.push(format!("{}: {}", key_name(&key), what_changed(&before, &after)));
            }
        }
    }
    assert!(acted > 0, "{name}: no key changed anything; the walk is not seeing the app");
    assert!(unmapped.is_empty(), "{name}: keys that acted without a keymap entry:\n  {}", unmapped.join("\n  "));
}

macro_rules! walks {
    ($($test:ident => $state:expr),* $(,)?) => {
        $(#[test] fn $test() { walk($state); })*
        const WALKED: &[&str] = &[$($state),*];
    };
}

walks! {
    events => "Events",
    events_filter => "Events, typing a filter",
    sell_choose_reserved => "Sell: choose (reserved)",
    sell_choose_ga => "Sell: choose (general admission)",
    sell_choose_ga_types => "Sell: choose (general admission, ticket types)",
    sell_sold_out => "Sell: sold out",
    sell_past => "Sell: past event",
    sell_held => "Sell: held",
    sell_held_one_type => "Sell: held (one ticket type)",
    sell_payment => "Sell: payment",
    sell_receipt => "Sell: receipt",
    bookings_list => "Bookings",
    bookings_search => "Bookings, typing a search",
    booking_detail => "Booking detail (confirmed)",
    booking_detail_pending => "Booking detail (awaiting payment)",
    booking_detail_ended => "Booking detail (ended)",
    sell_declined => "Sell: payment declined",
    sell_ended => "Sell: sale ended",
    notice => "Notice",
    quit_prompt => "Quit with a sale open",
    reports => "Reports",
    audit_list => "Audit",
    audit_filter => "Audit, typing a filter",
    jobs => "Jobs",
    till => "Till",
    cash_prompt => "Cash prompt",
    door_screen => "Door",
    ticket_types => "Ticket types",
    help => "Help",
    event_form => "Event form",
    customer_form => "Customer form",
    yes_no_prompt => "Yes/no prompt",
    cancel_prompt => "Cancel prompt",
    clerks => "Clerks",
    waiting => "Waiting for the database",
    settings => "Settings",
    settings_editing => "Settings, editing a value",
}

/// Every state is walked, and every table applies in some walked state.
#[test]
fn the_walk_covers_every_state_and_table() {
    let names: BTreeSet<&str> = STATES.iter().map(|s| s.name).collect();
    assert_eq!(names, WALKED.iter().copied().collect(), "a state without a walk, or a walk without a state");
    let seen: BTreeSet<&str> = STATES.iter().flat_map(|s| s.tables.iter().copied()).collect();
    let all: BTreeSet<&str> = ALL.iter().map(|t| t.title).collect();
    assert_eq!(seen, all, "tables no walked state reaches (or walked tables missing from keymap::ALL)");
}

/// At the smallest terminal the footer still fits, is never cut mid-entry,
/// and keeps the way to the help (or, in an overlay, the way out).
#[test]
fn the_footer_fits_80_columns_and_keeps_help() {
    let exports = tempfile::tempdir().expect("temp dir");
    for state in STATES {
        let mut h = reach_at(state, (80, 24), exports.path());
        let footer = keymap::footer(&h.app, 80);
        let row = h.screen()[22].clone();
        assert_eq!(row, footer.trim_end(), "{}: the footer row is not the whole footer", state.name);
        assert!(ratatui::text::Span::raw(&footer).width() <= 80, "{}: {footer}", state.name);
        let way = match state.tables[0] {
            "Help" => "Esc close",
            "Forms" | "Typing a filter or search" | "Editing a setting" => "Esc ",
            "Yes/no prompt" | "Cancel prompt" => "n no",
            "Notice" => "Enter OK",
            "Quit with a sale open" => "n stay",
            "Door (checking tickets in)" => "F1 help",
            _ => "? help",
        };
        assert!(footer.contains(way), "{}: {footer:?} lacks {way:?}", state.name);
    }
}

// ---- README ----------------------------------------------------------------------------

const BEGIN: &str = "<!-- keymap:begin";
const END: &str = "<!-- keymap:end -->";

/// README's key table as (where, [entries]) rows.
fn parse_readme_table(block: &str) -> Vec<(String, Vec<String>)> {
    block
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| where") && !l.starts_with("| ---"))
        .map(|l| {
            let cells: Vec<&str> = l.trim().trim_matches('|').split(" | ").map(str::trim).collect();
            let items = cells.get(1).map_or(vec![], |c| c.split(" · ").map(str::to_string).collect());
            (cells.first().unwrap_or(&"").to_string(), items)
        })
        .collect()
}

fn missing_from_readme(rows: &[(String, Vec<String>)], table: &Table) -> Vec<String> {
    let Some((_, items)) = rows.iter().find(|(w, _)| w == table.title) else {
        return vec![format!("no row for \"{}\"", table.title)];
    };
    table
        .entries
        .iter()
        .map(keymap::readme_item)
        .filter(|item| !items.contains(item))
        .map(|item| format!("{}: {item}", table.title))
        .collect()
}

#[test]
fn readme_key_table_is_the_keymap() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README");
    let start = readme.find(BEGIN).expect("README marks its key table with <!-- keymap:begin … -->");
    let start = start + readme[start..].find('\n').expect("line end") + 1;
    let end = readme.find(END).expect("README ends its key table with <!-- keymap:end -->");
    let block = &readme[start..end];
    let generated = keymap::readme_table();

    for t in ALL {
        for e in t.entries {
            assert!(!e.help.contains(" · "), "{}: \" · \" separates README entries; reword {:?}", t.title, e.help);
        }
    }
    if std::env::var_os("BOXOFFICE_UPDATE_README").is_some() && block != generated {
        std::fs::write(path, format!("{}{generated}{}", &readme[..start], &readme[end..])).expect("write README");
        return;
    }
    let rows = parse_readme_table(block);
    let missing: Vec<String> = ALL.iter().flat_map(|t| missing_from_readme(&rows, t)).collect();
    assert!(missing.is_empty(), "keymap entries missing from README's key table:\n  {}", missing.join("\n  "));
    assert_eq!(
        block, generated,
        "README's key table differs from the keymap; BOXOFFICE_UPDATE_README=1 cargo test --test keymap rewrites it"
    );
}

/// The parse above really reads README rows (a check that cannot pass vacuously).
#[test]
fn readme_parse_finds_a_missing_entry() {
    let rows = parse_readme_table(&keymap::readme_table());
    assert_eq!(rows.len(), ALL.len());
    assert!(ALL.iter().all(|t| missing_from_readme(&rows, t).is_empty()));
    let mut cut = rows.clone();
    cut[0].1.pop();
    assert_eq!(missing_from_readme(&cut, ALL[0]).len(), 1);
}
