//! The clerk's terminal app, in the Elm shape: a key becomes an [`Action`]
//! (`keymap`, the one table of keys), `update` applies it to the [`App`] state (calling the engine),
//! and `view::draw` renders the state. `headless` runs the same path on a
//! test backend; `terminal` runs it on a real terminal.

pub mod action;
pub mod app;
pub mod backoffice;
pub mod form;
pub mod headless;
pub mod keymap;
pub mod office;
pub mod screen;
pub mod terminal;
pub mod update;
pub mod view;

pub use action::Action;
pub use app::{App, AppInfo};

use ratatui::crossterm::event::KeyEvent;

/// A key, the whole way: input → action → update.
pub fn handle_key(app: &mut App, key: KeyEvent) {
    if let Some(action) = keymap::action_for(app, key) {
        update::update(app, action);
    }
}
