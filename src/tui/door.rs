//! The Door screen: a steward opens it on an event (`d` on the Events list)
//! and scans or types codes into its one field (a scanner types the code and
//! Enter). Each code gets a large answer — ADMITTED with the seat and type,
//! or REFUSED with the reason — and the running count admitted / sold is on
//! screen. A mistaken admission is taken back with a reason and a y/n.
//!
//! Scans are writes (each one audited) on the door's own connection, which
//! answers first and checkpoints after (`worker.rs`). Codes entered while a
//! write is on its way wait in order and are sent one by one: a fast scanner
//! never loses a code to "still waiting".

use crate::domain::ticket::door_name;
use crate::domain::{DoorAnswer, DoorCounts, TicketCode};
use crate::tui::action::Edit;
use crate::tui::app::{App, Confirm, FormKind, Overlay, Screen};
use crate::tui::form::{Field, Form};
use crate::tui::request::Write;
use crate::tui::tickets::{DoorState, KEPT, Scan};

/// `d` on the Events list: the Door screen for the selected event.
pub fn open(app: &mut App) {
    let Some(event) = app.selected_event().cloned() else {
        app.error("No event selected: choose the event to check tickets in for");
        return;
    };
    app.note(format!("Door {}: scan or type a ticket code, then Enter", app.door.name));
    app.door.open = Some(DoorState::new(event));
    app.screen = Screen::Door;
    app.want_load();
}

/// Esc: clears a code being typed; on an empty field, back to the events.
pub fn back(app: &mut App) {
    let Some(d) = app.door.open.as_mut() else { return };
    if !d.input.value().is_empty() {
        d.input.clear();
        return;
    }
    app.door.open = None;
    app.screen = Screen::Events;
    app.want_load();
}

/// A key into the code field.
pub fn edit(app: &mut App, edit: Edit) {
    if let Some(d) = app.door.open.as_mut() {
        d.input.edit(edit);
    }
}

/// Enter: the code goes to the door (after any still waiting).
pub fn check_in(app: &mut App) {
    let Some(d) = app.door.open.as_mut() else { return };
    let code = d.input.value().trim().to_string();
    if code.is_empty() {
        app.error("Type or scan a ticket code, then Enter");
        return;
    }
    d.input.clear();
    d.queue.push_back(code);
    pump(app);
}

/// Sends the next waiting code if no write is on its way. `update` calls
/// this after every message, so the queue drains as answers come.
pub fn pump(app: &mut App) {
    if app.write.is_some() {
        return;
    }
    let door = app.door.name.clone();
    let Some(d) = app.door.open.as_mut() else { return };
    let Some(code) = d.queue.pop_front() else { return };
    let event_id = d.event.id.clone();
    app.write(Write::CheckIn { code, event_id, door }, "checking a ticket in");
}

/// The door's answer: shown large, and said on the message line.
pub fn answered(app: &mut App, code: String, result: crate::error::Result<DoorAnswer>) {
    let answer = match result {
        Ok(a) => a,
        Err(e) => return app.error(format!("Not checked in: {e}")),
    };
    let line = format!("{}: {}", answer.headline(), answer_text(app, &answer));
    if answer.admitted() {
        app.info(line)
    } else {
        app.error(line)
    }
    let now = app.now;
    if let Some(d) = app.door.open.as_mut() {
        d.scans.insert(0, Scan { code, answer, at: now, undone: false });
        d.scans.truncate(KEPT);
    }
    app.want_load();
}

/// Why an answer is what it is, in the steward's words and the clerk's time zone.
pub fn answer_text(app: &App, answer: &DoorAnswer) -> String {
    match answer {
        DoorAnswer::AlreadyUsed { at, door, seat, .. } => format!(
            "already used: admitted at {} at door {door} (seat {})",
            app.local(*at).format("%H:%M:%S"),
            seat.as_deref().unwrap_or("GA")
        ),
        other => other.detail(),
    }
}

/// `Ctrl-Z`: take back the admission the last answer shows (a reason, then
/// y/n). Any clerk may until clerks have roles; then the engine refuses
/// those who may not (issue 12), and the refusal is shown like any other.
pub fn ask_undo(app: &mut App) {
    let last = app.door.open.as_ref().and_then(|d| d.scans.first());
    let Some((code, what)) = last.and_then(|s| s.undoable().map(|w| (s.code.clone(), w))) else {
        app.error("Nothing to undo: the last answer must be ADMITTED (or already used); scan the ticket first");
        return;
    };
    let form = Form::new("Undo an admission", vec![Field::new("Reason", "why it was a mistake (1–200 characters)")]);
    app.overlay = Some(Overlay::Form(FormKind::UndoReason { code, what }, form));
}

/// The reason is given: the y/n says what will happen.
pub fn submit_reason(app: &mut App, code: String, what: String, mut form: Form) {
    let reason = form.value("Reason").to_string();
    if reason.is_empty() {
        form.fail("Reason", "say why the admission is undone");
        app.error("Reason: say why the admission is undone");
        app.overlay = Some(Overlay::Form(FormKind::UndoReason { code, what }, form));
        return;
    }
    app.overlay = Some(Overlay::Confirm(Confirm::Undo { code, what, reason }));
}

pub fn undo(app: &mut App, code: String, reason: String) {
    app.write(Write::Undo { code, reason }, "undoing an admission");
}

pub fn undone(app: &mut App, result: crate::error::Result<crate::domain::Ticket>) {
    match result {
        Ok(t) => {
            app.info(format!(
                "Admission undone: ticket {} · {} is VALID again (audited with the reason)",
                t.seat_text(),
                t.type_name
            ));
            // The answers that let this ticket in no longer hold: they say so.
            if let Some(d) = app.door.open.as_mut() {
                for s in d.scans.iter_mut().filter(|s| TicketCode::parse(&s.code).as_ref() == Ok(&t.code)) {
                    s.undone = s.undoable().is_some();
                }
            }
        }
        Err(e) => app.error(format!("Not undone: {e}")),
    }
    app.want_load();
}

/// `F2`: this door's name (a form).
pub fn ask_name(app: &mut App) {
    let field = Field::new("Door", "1–40 characters: the entrance this terminal scans at").max(40);
    let form = Form::new("Door name", vec![field.with_value(app.door.name.clone())]);
    app.overlay = Some(Overlay::Form(FormKind::DoorName, form));
}

pub fn submit_name(app: &mut App, mut form: Form) {
    match door_name(form.value("Door")) {
        Ok(name) => {
            app.info(format!("This is door {name}: scans are recorded at it"));
            app.door.name = name;
        }
        Err(e) => {
            form.fail("Door", e.rule.clone());
            app.error(format!("Door: {}", e.rule));
            app.overlay = Some(Overlay::Form(FormKind::DoorName, form));
        }
    }
}

/// The running count, as read.
pub fn show_counts(app: &mut App, counts: Option<DoorCounts>) {
    if let (Some(d), Some(c)) = (app.door.open.as_mut(), counts) {
        d.counts = Some(c);
    }
}
