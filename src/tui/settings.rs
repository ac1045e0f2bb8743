//! The venue's Settings screen and erasing a customer: a supervisor's
//! actions. The screen lists every setting with its value and where it comes
//! from; Enter edits the selected value in place (a [`TextBox`]), and the
//! engine checks, stores and audits it (`Desk::set_setting`) or refuses with
//! its rule, changing nothing. Erasing a customer is asked from a booking's
//! detail with a y/n that says what happens (`Desk::erase_customer`).
//!
//! Roles: any clerk may open the screen and read the venue's policy (it is
//! what they sell by); saving a value and erasing a customer are the
//! supervisor's, and the engine refuses (and audits) a clerk's attempt in its
//! own transaction, so the refusal shown is the engine's.

use crate::domain::{SettingKey, Source};
use crate::engine::{Erasure, SettingChange, erased_name};
use crate::error::Result;
use crate::ids::short;
use crate::tui::action::Edit;
use crate::tui::app::{App, Confirm, Editing, Overlay, Screen, Tab};
use crate::tui::form::TextBox;
use crate::tui::request::Write;

/// The most characters a value takes (the address's limit, and some more so
/// the engine's message can say what is too long).
const MAX_VALUE: usize = 400;

/// Where a setting's value comes from, in the clerk's words.
pub fn source_text(app: &App, key: SettingKey) -> String {
    match app.venue.source(key) {
        Source::Default => "default".into(),
        Source::File => "venue file".into(),
        Source::Override => format!("flag/env; venue file: {}", shown(&app.venue.file.get(key))),
    }
}

/// A value as shown: an empty one says so.
pub fn shown(value: &str) -> String {
    if value.is_empty() { "(not set)".into() } else { value.to_string() }
}

/// The overridden settings as the status bar says them: `refund_percent 100`.
pub fn overrides_text(app: &App) -> Option<String> {
    let v = &app.venue;
    let items: Vec<String> = v.overridden.iter().map(|k| format!("{k} {}", v.effective.get(*k))).collect();
    (!items.is_empty()).then(|| items.join(", "))
}

/// `S` on the events list.
pub fn open(app: &mut App) {
    app.tab = Tab::Events;
    app.screen = Screen::Settings;
    app.settings.editing = None;
    app.want_load();
}

/// Enter: edit the selected value in place, starting from the venue file's
/// value (what Enter changes), even where this counter overrides it.
pub fn start_edit(app: &mut App) {
    let key = app.settings.selected();
    let input = TextBox::new(MAX_VALUE).with_value(app.venue.file.get(key));
    app.settings.editing = Some(Editing { key, input, error: None });
    if app.venue.source(key) == Source::Override {
        app.note(format!(
            "This counter overrides {key} with a flag or BOXOFFICE_* variable: a new value reaches the other counters, not this one"
        ));
    }
}

pub fn move_sel(app: &mut App, delta: i64) {
    let n = SettingKey::ALL.len() as i64;
    app.settings.sel = (app.settings.sel as i64 + delta).clamp(0, n - 1) as usize;
}

/// A key while a value is being edited.
pub fn edit(app: &mut App, key: Edit) {
    match key {
        Edit::Cancel => {
            if let Some(e) = app.settings.editing.take() {
                app.note(format!("{}: not changed", e.key));
            }
        }
        Edit::Submit => submit(app),
        other => {
            if let Some(e) = app.settings.editing.as_mut()
                && e.input.edit(other)
            {
                e.error = None;
            }
        }
    }
}

/// Enter: the engine checks the value; the editor stays open until it answers.
fn submit(app: &mut App) {
    // Only a supervisor saves a setting: the engine refuses a clerk's write.
    if app.write_refused() {
        return;
    }
    let Some(e) = app.settings.editing.as_ref() else { return };
    let (key, value) = (e.key, e.input.value().to_string());
    app.write(Write::SetSetting { key, value }, format!("saving {key}"));
}

/// The engine's answer to a setting.
pub fn saved(app: &mut App, r: Result<SettingChange>) {
    match r {
        Ok(c) => {
            app.settings.editing = None;
            let mut text = if c.changed {
                format!(
                    "{}: {} → {} (audited; every counter uses it from its next operation)",
                    c.key,
                    shown(&c.old),
                    shown(&c.new)
                )
            } else {
                format!("{} is already {}: nothing changed", c.key, shown(&c.new))
            };
            if c.overridden {
                text.push_str("; this counter keeps its flag's value");
            }
            app.info(text);
        }
        Err(err) => {
            let text = err.to_string();
            if let Some(e) = app.settings.editing.as_mut() {
                e.error = Some(text.clone());
            }
            app.error(format!("Not changed: {text}"));
        }
    }
    app.want_load();
}

// ---- erasing a customer ---------------------------------------------------------

/// `E` on a booking's detail: ask first, saying what happens.
pub fn ask_erase(app: &mut App) {
    // Only a supervisor erases a customer: the engine refuses a clerk's write.
    let Some(customer) = app.detail.as_ref().and_then(|d| d.customer.clone()) else {
        app.error("This booking's customer could not be read: nothing to erase");
        return;
    };
    if customer.name == erased_name(&customer.id) {
        app.note(format!("Customer {} is already erased: nothing to do", short(&customer.id)));
        return;
    }
    app.overlay = Some(Overlay::Confirm(Confirm::Erase { customer }));
}

pub fn erase(app: &mut App, customer_id: String) {
    let what = format!("erasing customer {}", short(&customer_id));
    app.write(Write::EraseCustomer { customer_id }, what);
}

pub fn erased(app: &mut App, r: Result<Erasure>) {
    match r {
        Ok(e) if e.already => {
            app.note(format!("Customer {} was already erased: nothing changed", short(&e.customer_id)))
        }
        Ok(e) => app.info(format!(
            "Erased customer {}: name, email and phone replaced; {} booking(s), amounts and tickets kept",
            short(&e.customer_id),
            e.bookings
        )),
        Err(e) => app.error(format!("Not erased: {e}")),
    }
    app.want_load();
}
