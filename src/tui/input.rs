//! Keys to actions. Which key means what depends on what is on screen; vim
//! keys and arrows both work everywhere a list or map moves.

use crate::domain::PaymentOutcome;
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay, Screen, Stage};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub fn action_for(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('q')) {
        return Some(Action::Quit);
    }
    if ctrl && key.code == KeyCode::Char('r') {
        return Some(Action::Refresh);
    }
    match &app.overlay {
        Some(Overlay::Help) => {
            return matches!(
                key.code,
                KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter | KeyCode::F(1)
            )
            .then_some(Action::ToggleHelp);
        }
        Some(Overlay::EventForm(_) | Overlay::CustomerForm(_)) => return Some(Action::Text(key)),
        Some(Overlay::ConfirmCancel { .. }) => {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => Some(Action::Confirm(true)),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Some(Action::Confirm(false)),
                _ => None,
            };
        }
        None => {}
    }
    let typing = match app.screen {
        Screen::Events => app.event_filter.active,
        Screen::Bookings => app.booking_search.active,
        Screen::Audit => app.office.audit.filter.active,
        _ => false,
    };
    if typing {
        return Some(Action::Text(key));
    }
    let common = match key.code {
        KeyCode::Char('?') | KeyCode::F(1) => Some(Action::ToggleHelp),
        KeyCode::Char('q') => Some(Action::Quit),
        KeyCode::Esc => Some(Action::Back),
        KeyCode::Tab => Some(Action::NextTab),
        KeyCode::BackTab => Some(Action::PrevTab),
        KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
        KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
        KeyCode::Left | KeyCode::Char('h') => Some(Action::Left),
        KeyCode::Right | KeyCode::Char('l') => Some(Action::Right),
        KeyCode::PageUp => Some(Action::PageUp),
        KeyCode::PageDown => Some(Action::PageDown),
        KeyCode::Home | KeyCode::Char('g') => Some(Action::Top),
        KeyCode::End | KeyCode::Char('G') => Some(Action::Bottom),
        _ => None,
    };
    let specific = match app.screen {
        Screen::Events => match key.code {
            KeyCode::Enter => Some(Action::Open),
            KeyCode::Char('/') => Some(Action::StartFilter),
            KeyCode::Char('n') => Some(Action::NewEvent),
            _ => None,
        },
        Screen::Bookings => match key.code {
            KeyCode::Enter => Some(Action::Open),
            KeyCode::Char('/') => Some(Action::StartFilter),
            KeyCode::Char('f') => Some(Action::CycleStatus),
            KeyCode::Char('e') => Some(Action::Export),
            _ => None,
        },
        Screen::Detail if key.code == KeyCode::Char('a') => Some(Action::ShowTrail),
        Screen::Detail => pay_keys(key.code),
        Screen::Reports => match key.code {
            KeyCode::Char('e') | KeyCode::Right => Some(Action::CycleEvent(1)),
            KeyCode::Char('E') | KeyCode::Left => Some(Action::CycleEvent(-1)),
            KeyCode::Char('w') => Some(Action::CycleWindow(1)),
            KeyCode::Char('W') => Some(Action::CycleWindow(-1)),
            _ => None,
        },
        Screen::Audit => match key.code {
            KeyCode::Char('/') => Some(Action::StartFilter),
            KeyCode::Char('f') => Some(Action::CycleField),
            KeyCode::Char('o') => Some(Action::ShowOriginal),
            KeyCode::Char('e') => Some(Action::Export),
            _ => None,
        },
        Screen::Jobs => match key.code {
            KeyCode::Char('r') => Some(Action::RunRecovery),
            KeyCode::Char('s') => Some(Action::RunSweeps),
            _ => None,
        },
        Screen::Sell => {
            let stage = app.sell.as_ref().map(|s| s.stage);
            match (stage, key.code) {
                (Some(Stage::Choose), KeyCode::Char(' ')) => Some(Action::ToggleSeat),
                (Some(Stage::Choose), KeyCode::Char('+') | KeyCode::Char('=')) => Some(Action::Quantity(1)),
                (Some(Stage::Choose), KeyCode::Char('-')) => Some(Action::Quantity(-1)),
                (Some(Stage::Choose), KeyCode::Char(c @ '0'..='9')) => c.to_digit(10).map(Action::Digit),
                (Some(Stage::Choose), KeyCode::Enter | KeyCode::Char('b')) => Some(Action::Hold),
                (Some(Stage::Held), KeyCode::Enter | KeyCode::Char('c')) => Some(Action::Customer),
                (Some(Stage::Held), KeyCode::Char('r')) => Some(Action::Release),
                (Some(Stage::Payment | Stage::Done), code) if pay_keys(code).is_some() => pay_keys(code),
                (Some(Stage::Payment), KeyCode::Enter) => Some(Action::Customer),
                (Some(Stage::Done), KeyCode::Enter | KeyCode::Char('n')) => Some(Action::NewSale),
                _ => None,
            }
        }
    };
    specific.or(common)
}

/// The payment simulator's buttons (and cancel), where a booking is on screen.
fn pay_keys(code: KeyCode) -> Option<Action> {
    match code {
        KeyCode::Char('s') | KeyCode::Char('1') => Some(Action::Pay(PaymentOutcome::Success)),
        KeyCode::Char('f') | KeyCode::Char('2') => Some(Action::Pay(PaymentOutcome::Failure)),
        KeyCode::Char('t') | KeyCode::Char('3') => Some(Action::Pay(PaymentOutcome::Timeout)),
        KeyCode::Char('x') => Some(Action::Cancel),
        _ => None,
    }
}
