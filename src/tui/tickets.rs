//! The state of the screens issue 11 added: the Door screen (this door's
//! name, the event, the answers) and an event's ticket types. Their update
//! steps are in `door` and `types`; `app` holds this state without importing them.

use crate::domain::{DoorAnswer, DoorCounts, Event, TicketType};
use crate::engine::TypeOnSale;
use crate::tui::form::TextBox;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;

/// The door's name until the steward gives another.
pub const DEFAULT_DOOR: &str = "main";

/// How many answers the screen keeps (newest first).
pub const KEPT: usize = 50;

/// The longest text the code field takes: a code with dashes is 21
/// characters; more is junk a scanner sent, kept whole for the answer.
const CODE_FIELD: usize = 64;

/// This terminal's door: its name (for the whole session) and the screen.
#[derive(Debug, Clone)]
pub struct Door {
    pub name: String,
    pub open: Option<DoorState>,
}

impl Default for Door {
    fn default() -> Self {
        Door { name: DEFAULT_DOOR.to_string(), open: None }
    }
}

/// One scan and its answer.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The code as typed or scanned (trimmed).
    pub code: String,
    pub answer: DoorAnswer,
    pub at: DateTime<Utc>,
    /// Its admission was taken back since.
    pub undone: bool,
}

impl Scan {
    /// The ticket this scan found used (admitted now or before): what an undo takes back.
    pub fn undoable(&self) -> Option<String> {
        if self.undone {
            return None;
        }
        match &self.answer {
            DoorAnswer::Admitted { seat, type_name, .. } | DoorAnswer::AlreadyUsed { seat, type_name, .. } => {
                Some(format!("{} · {type_name}", seat.as_deref().unwrap_or("GA")))
            }
            _ => None,
        }
    }
}

/// The Door screen of one event.
#[derive(Debug, Clone)]
pub struct DoorState {
    pub event: Event,
    /// The code being typed (a scanner types it, then Enter).
    pub input: TextBox,
    /// Admitted / sold, as last read.
    pub counts: Option<DoorCounts>,
    /// Answers, newest first: the first is the big one.
    pub scans: Vec<Scan>,
    /// Codes entered while a write was on its way, sent in order.
    pub queue: VecDeque<String>,
}

impl DoorState {
    pub fn new(event: Event) -> Self {
        DoorState { event, input: TextBox::new(CODE_FIELD), counts: None, scans: Vec::new(), queue: VecDeque::new() }
    }
}

/// An event's ticket types, retired ones too, as last read.
#[derive(Debug, Clone)]
pub struct TypesScreen {
    pub event: Event,
    pub rows: Vec<TypeOnSale>,
    pub sel: usize,
}

impl TypesScreen {
    pub fn selected(&self) -> Option<&TicketType> {
        self.rows.get(self.sel).map(|r| &r.ticket_type)
    }
}
