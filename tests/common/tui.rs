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

/// The QR code a screen shows (a receipt's), read back from its half-block
/// rows and decoded: the text it carries. The drawing is the run of rows
/// with blocks in the 25 columns from `left` (its quiet zone included).
/// `None` when no single QR code reads there.
pub fn decode_screen_qr(screen: &[String], left: usize) -> Option<String> {
    let cut: Vec<Vec<char>> = screen.iter().map(|l| l.chars().skip(left).take(25).collect()).collect();
    let inked = |r: &Vec<char>| r.iter().any(|c| "▀▄█".contains(*c));
    let rows: Vec<Vec<char>> = cut.iter().skip_while(|r| !inked(r)).take_while(|r| inked(r)).cloned().collect();
    if rows.len() < 10 {
        return None;
    }
    let scale = 4;
    let (w, h) = (27 * scale, (rows.len() + 2) * 2 * scale);
    let dark = |x: usize, y: usize| -> bool {
        // A light margin of one text row above and below, one column either side.
        let (col, row) = (x / scale, y / (2 * scale));
        if row == 0 || row > rows.len() || col == 0 {
            return false;
        }
        let c = rows[row - 1].get(col - 1).copied().unwrap_or(' ');
        let top = (y / scale).is_multiple_of(2);
        matches!((c, top), ('█', _) | ('▀', true) | ('▄', false))
    };
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| if dark(x, y) { 0 } else { 255 });
    match img.detect_grids().as_slice() {
        [one] => one.decode().ok().map(|(_, text)| text),
        _ => None,
    }
}
