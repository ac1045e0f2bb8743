//! Shared set-up for the app's headless tests: the demo on a manual clock.

use boxoffice::tui::app::Screen;
use boxoffice::tui::headless::Headless;
use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

pub fn start() -> DateTime<Utc> {
    "2026-06-01T09:00:00Z".parse().expect("instant")
}

/// The demo database, 120×40, ids seeded with 1.
pub fn app() -> Headless {
    Headless::demo(start(), 1, 120, 40).expect("app")
}

pub fn press(h: &mut Headless, keys: &[KeyCode]) {
    for k in keys {
        h.key(KeyEvent::from(*k));
    }
}

/// Opens the demo theatre from the events list.
pub fn open_theatre(h: &mut Headless) {
    let pos = h.app.events.iter().position(|e| e.name.starts_with("Hamlet")).expect("demo theatre");
    press(h, &[KeyCode::Home]);
    for _ in 0..pos {
        press(h, &[KeyCode::Down]);
    }
    press(h, &[KeyCode::Enter]);
    assert_eq!(h.app.screen, Screen::Sell);
}
