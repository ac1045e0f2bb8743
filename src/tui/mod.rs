//! The clerk's terminal app, in the Elm shape: a key becomes an [`Action`]
//! (`keymap`, the one table of keys), `update` applies it to the [`App`]
//! state, and `view::draw` renders the state. Database work goes to the
//! workers (`worker`) as requests (`request`) and comes back as a [`Msg`] to
//! `update` (`reply`), like the clock's ticks: the UI thread never waits on
//! the database. `headless` runs the same path on a test backend, each key to
//! idle; `terminal` runs it on a real terminal.

pub mod action;
pub mod app;
pub mod backoffice;
pub mod clerks;
pub mod door;
pub mod form;
pub mod headless;
pub mod keymap;
pub mod office;
pub mod reply;
pub mod request;
pub mod screen;
pub mod settings;
pub mod terminal;
pub mod tickets;
pub mod types;
pub mod update;
pub mod view;
pub mod worker;

pub use action::{Action, Msg};
pub use app::{App, AppInfo};

use ratatui::crossterm::event::KeyEvent;

/// A key, the whole way: input → action → update.
pub fn handle_key(app: &mut App, key: KeyEvent) {
    if let Some(action) = keymap::action_for(app, key) {
        update::update(app, Msg::Action(action));
    }
}
