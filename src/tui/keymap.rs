//! The keymap: every key the app answers, in one table per screen, sale stage
//! and overlay. Each entry holds its keys, the action they send, a short label
//! for the footer and a description for the `?` help and the README. Input
//! looks keys up here ([`action_for`]), the footer and the help are drawn from
//! here, and `tests/keymap.rs` fails when a key acts without an entry here or
//! when README's key table differs from [`readme_table`].

use crate::domain::BookingStatus;
use crate::domain::PaymentOutcome::{Failure, Success, Timeout};
use crate::tui::action::{Action, Edit};
use crate::tui::app::{App, Confirm, Outcome, Overlay, Screen, Stage};
use ratatui::crossterm::event::KeyCode::{
    BackTab, Backspace, Char, Delete, Down, End, Enter, Esc, F, Home, Left, PageDown, PageUp, Right, Tab, Up,
};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Which key presses an entry answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// The key without Ctrl or Alt (Shift is already in the character: `G`, `?`, Shift-Tab).
    Plain(KeyCode),
    /// Ctrl and a letter (either case).
    Ctrl(char),
    /// Any digit; the action is sent with the digit typed (see [`Key::bind`]).
    Digit,
    /// Any printable character, for a text box; the action is sent with it.
    Printable,
}

impl Key {
    pub fn matches(self, key: &KeyEvent) -> bool {
        let mods = key.modifiers - KeyModifiers::SHIFT;
        match (self, key.code) {
            (Key::Plain(code), pressed) => mods.is_empty() && code == pressed,
            (Key::Ctrl(c), Char(pressed)) => mods == KeyModifiers::CONTROL && pressed.eq_ignore_ascii_case(&c),
            (Key::Digit, Char(c)) => mods.is_empty() && c.is_ascii_digit(),
            (Key::Printable, Char(c)) => mods.is_empty() && !c.is_control(),
            _ => false,
        }
    }

    /// The action for `key` (which matched): digits and typed characters
    /// carry what was typed in place of the table's placeholder.
    pub fn bind(self, action: Action, key: &KeyEvent) -> Action {
        match (self, action, key.code) {
            (Key::Digit, Action::Digit(_), Char(c)) => c.to_digit(10).map_or(action, Action::Digit),
            (Key::Printable, Action::Edit(Edit::Insert(_)), Char(c)) => Action::Edit(Edit::Insert(c)),
            _ => action,
        }
    }

    /// How the key is written on screen and in the README.
    pub fn name(self) -> String {
        match self {
            Key::Plain(code) => match code {
                Char(' ') => "Space".into(),
                Char(c) => c.to_string(),
                Enter => "Enter".into(),
                Esc => "Esc".into(),
                Tab => "Tab".into(),
                BackTab => "Shift-Tab".into(),
                Backspace => "Backspace".into(),
                Delete => "Delete".into(),
                Up => "↑".into(),
                Down => "↓".into(),
                Left => "←".into(),
                Right => "→".into(),
                Home => "Home".into(),
                End => "End".into(),
                PageUp => "PgUp".into(),
                PageDown => "PgDn".into(),
                F(n) => format!("F{n}"),
                other => format!("{other:?}"),
            },
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Digit => "0–9".into(),
            Key::Printable => "abc…".into(),
        }
    }
}

/// One line of a table: keys that do one thing (or a pair of opposites, like ↑↓).
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub keys: &'static [(Key, Action)],
    /// Short, for the footer: "sell".
    pub label: &'static str,
    /// For the help and the README: "sell seats for this event".
    pub help: &'static str,
    /// Shown in the footer (in table order, as many as fit).
    pub footer: bool,
}

impl Entry {
    pub fn key_names(&self) -> Vec<String> {
        names(self.keys.iter().map(|(k, _)| *k))
    }

    pub fn keys_text(&self) -> String {
        self.key_names().join("/")
    }

    /// For the footer: the first key for each action (`↑↓` for `↑↓/j/k`,
    /// `Enter` for `Enter/b`); the help and the README list them all.
    pub fn footer_keys(&self) -> String {
        let mut seen: Vec<Action> = Vec::new();
        let first = self.keys.iter().filter(|(_, a)| {
            let new = !seen.contains(a);
            seen.push(*a);
            new
        });
        names(first.map(|(k, _)| *k)).join("/")
    }

    /// The action this entry sends for `key`, if it answers it.
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        self.keys.iter().find(|(k, _)| k.matches(key)).map(|(k, a)| k.bind(*a, key))
    }
}

/// Key names; neighbouring arrows run together (`↑↓`, `←↑↓→`).
fn names(keys: impl Iterator<Item = Key>) -> Vec<String> {
    let arrow = |s: &str| !s.is_empty() && s.chars().all(|c| "←↑↓→".contains(c));
    let mut out: Vec<String> = Vec::new();
    for n in keys.map(Key::name) {
        match out.last_mut() {
            Some(last) if arrow(last) && arrow(&n) => last.push_str(&n),
            _ => out.push(n),
        }
    }
    out
}

#[derive(Debug)]
pub struct Table {
    /// Where it applies, as the help and the README name it.
    pub title: &'static str,
    pub entries: &'static [Entry],
}

const fn plain(code: KeyCode) -> Key {
    Key::Plain(code)
}

const fn ch(c: char) -> Key {
    Key::Plain(Char(c))
}

// ---- shared entries -------------------------------------------------------------

const MOVE: Entry = Entry {
    keys: &[(plain(Up), Action::Up), (plain(Down), Action::Down), (ch('j'), Action::Down), (ch('k'), Action::Up)],
    label: "move",
    help: "move the selection",
    footer: true,
};

const PAY: [Entry; 3] = [
    Entry { keys: &[(ch('s'), Action::Pay(Success))], label: "success", help: "payment succeeds", footer: true },
    Entry {
        keys: &[(ch('f'), Action::Pay(Failure))],
        label: "failure",
        help: "payment fails: y/n first (the sale ends, seats back)",
        footer: true,
    },
    Entry {
        keys: &[(ch('t'), Action::Pay(Timeout))],
        label: "timeout",
        help: "payment times out (retry before the deadline)",
        footer: true,
    },
];

/// Tender: cash (with change), or card/UPI for the simulator's buttons.
const TENDER: [Entry; 2] = [
    Entry {
        keys: &[(ch('c'), Action::PayCash)],
        label: "cash",
        help: "take cash: the amount handed over; shows the change",
        footer: false,
    },
    Entry {
        keys: &[(ch('m'), Action::CycleMethod)],
        label: "card/UPI",
        help: "s/f/t pay by card or by UPI (switches)",
        footer: false,
    },
];

const CANCEL: Entry = Entry {
    keys: &[(ch('x'), Action::Cancel)],
    label: "cancel booking",
    help: "cancel the booking (the refund is shown before y/n)",
    footer: true,
};

const QUANTITY: Entry = Entry {
    keys: &[(Key::Digit, Action::Digit(0))],
    label: "quantity",
    help: "set N, the number of seats (typed in a row: 1 2 = 12)",
    footer: true,
};

const QUANTITY_BACK: Entry = Entry {
    keys: &[(plain(Backspace), Action::DigitBack)],
    label: "delete digit",
    help: "delete the last digit of N",
    footer: false,
};

/// Editing inside a text box, at the caret (filters, searches, forms).
const EDITING: [Entry; 5] = [
    Entry {
        keys: &[(plain(Left), Action::Edit(Edit::Left)), (plain(Right), Action::Edit(Edit::Right))],
        label: "caret",
        help: "move the caret",
        footer: false,
    },
    Entry {
        keys: &[(plain(Home), Action::Edit(Edit::Home)), (plain(End), Action::Edit(Edit::End))],
        label: "start/end",
        help: "caret to the start/end",
        footer: false,
    },
    Entry {
        keys: &[(plain(Backspace), Action::Edit(Edit::DeleteBack)), (plain(Delete), Action::Edit(Edit::DeleteForward))],
        label: "delete",
        help: "delete before/at the caret",
        footer: false,
    },
    Entry {
        keys: &[(Key::Ctrl('u'), Action::Edit(Edit::Clear))],
        label: "clear",
        help: "clear the text",
        footer: true,
    },
    Entry {
        keys: &[(Key::Ctrl('w'), Action::Edit(Edit::DeleteWord))],
        label: "delete word",
        help: "delete the word before the caret",
        footer: false,
    },
];

/// Choosing the ticket type the count keys set.
const PICK_TYPE: Entry = Entry {
    keys: &[
        (plain(Up), Action::PickType(-1)),
        (plain(Down), Action::PickType(1)),
        (ch('j'), Action::PickType(1)),
        (ch('k'), Action::PickType(-1)),
    ],
    label: "type",
    help: "choose a ticket type",
    footer: true,
};

const TYPE_COUNT: Entry = Entry {
    keys: &[(Key::Digit, Action::Digit(0))],
    label: "count",
    help: "set its count (typed in a row: 1 2 = 12)",
    footer: true,
};

const TYPE_COUNT_BACK: Entry = Entry {
    keys: &[(plain(Backspace), Action::DigitBack)],
    label: "delete digit",
    help: "delete the last digit of its count",
    footer: false,
};

const PRINT: Entry = Entry {
    keys: &[(ch('p'), Action::Print)],
    label: "print",
    help: "print the tickets: a PDF beside the database",
    footer: true,
};

/// Next sale and back, after a sale has ended one way or another.
const NEXT_SALE: Entry = Entry {
    keys: &[(plain(Enter), Action::NewSale), (ch('n'), Action::NewSale)],
    label: "next sale",
    help: "next sale of this event",
    footer: true,
};

const BACK_TO_EVENTS: Entry =
    Entry { keys: &[(plain(Esc), Action::Back)], label: "back", help: "back to the events", footer: true };

const AUDIT_TRAIL: Entry = Entry {
    keys: &[(ch('a'), Action::ShowTrail)],
    label: "audit trail",
    help: "its audit trail (Esc comes back)",
    footer: true,
};

const BACK_TO_BOOKINGS: Entry =
    Entry { keys: &[(plain(Esc), Action::Back)], label: "back", help: "back to the bookings", footer: true };

const ERASE: Entry = Entry {
    keys: &[(ch('E'), Action::EraseCustomer)],
    label: "erase customer",
    help: "erase the customer's name, email, phone (y/n first)",
    footer: false,
};

const EXPORT: Entry =
    Entry { keys: &[(ch('e'), Action::Export)], label: "export", help: "export the listed rows to CSV", footer: true };

// ---- the tables ---------------------------------------------------------------------

/// Answered wherever the clerk is, even in a form or a prompt.
pub static ANYWHERE: Table = Table {
    title: "Anywhere",
    entries: &[
        Entry { keys: &[(Key::Ctrl('c'), Action::Quit)], label: "quit", help: "quit", footer: false },
        Entry {
            keys: &[(Key::Ctrl('r'), Action::Refresh)],
            label: "reload",
            help: "reload what the screen shows",
            footer: false,
        },
    ],
};

/// On every screen, when no overlay is open and no text box has focus.
pub static SCREENS: Table = Table {
    title: "Every screen",
    entries: &[
        Entry {
            keys: &[(plain(Tab), Action::NextTab)],
            label: "next screen",
            help: "next screen (the tabs along the top)",
            footer: true,
        },
        Entry { keys: &[(plain(BackTab), Action::PrevTab)], label: "previous", help: "previous screen", footer: false },
        Entry {
            keys: &[(ch('?'), Action::ToggleHelp), (plain(F(1)), Action::ToggleHelp)],
            label: "help",
            help: "this help: every key that works where you are",
            footer: true,
        },
        Entry { keys: &[(ch('q'), Action::Quit)], label: "quit", help: "quit", footer: true },
    ],
};

/// The Events, Bookings and Audit lists.
pub static LISTS: Table = Table {
    title: "Lists",
    entries: &[
        MOVE,
        Entry {
            keys: &[(plain(PageUp), Action::PageUp), (plain(PageDown), Action::PageDown)],
            label: "page",
            help: "ten rows up/down",
            footer: false,
        },
        Entry {
            keys: &[(plain(Home), Action::Top), (ch('g'), Action::Top)],
            label: "first",
            help: "first row",
            footer: false,
        },
        Entry {
            keys: &[(plain(End), Action::Bottom), (ch('G'), Action::Bottom)],
            label: "last",
            help: "last row",
            footer: false,
        },
    ],
};

pub static EVENTS: Table = Table {
    title: "Events",
    entries: &[
        Entry { keys: &[(plain(Enter), Action::Open)], label: "sell", help: "sell seats for this event", footer: true },
        Entry { keys: &[(ch('/'), Action::StartFilter)], label: "filter", help: "filter by name", footer: true },
        Entry { keys: &[(ch('n'), Action::NewEvent)], label: "new event", help: "new event (a form)", footer: true },
        Entry {
            keys: &[(ch('d'), Action::OpenDoor)],
            label: "door",
            help: "the door for this event: check tickets in",
            footer: true,
        },
        Entry {
            keys: &[(ch('t'), Action::OpenTypes)],
            label: "ticket types",
            help: "its ticket types: add, edit, retire",
            footer: true,
        },
        Entry {
            keys: &[(ch('S'), Action::OpenSettings)],
            label: "settings",
            help: "the venue's settings (supervisor)",
            footer: true,
        },
        Entry { keys: &[(plain(Esc), Action::Back)], label: "clear filter", help: "clear the filter", footer: false },
    ],
};

/// The venue's settings (a supervisor's screen, opened from the events).
pub static SETTINGS: Table = Table {
    title: "Settings",
    entries: &[
        Entry {
            keys: &[(plain(Enter), Action::Open)],
            label: "edit",
            help: "edit the selected value in place",
            footer: true,
        },
        BACK_TO_EVENTS,
    ],
};

/// Editing a setting's value in place.
pub static SETTING_EDIT: Table = Table {
    title: "Editing a setting",
    entries: &[
        Entry {
            keys: &[(Key::Printable, Action::Edit(Edit::Insert(' ')))],
            label: "type",
            help: "type the new value, at the caret",
            footer: false,
        },
        EDITING[0],
        EDITING[1],
        EDITING[2],
        EDITING[3],
        EDITING[4],
        Entry {
            keys: &[(plain(Enter), Action::Edit(Edit::Submit))],
            label: "save",
            help: "save it (checked, audited, reaches every counter)",
            footer: true,
        },
        Entry {
            keys: &[(plain(Esc), Action::Edit(Edit::Cancel))],
            label: "cancel",
            help: "stop editing: the setting is not changed",
            footer: true,
        },
    ],
};

/// A filter or search box with focus (Events, Bookings, Audit).
pub static TEXT: Table = Table {
    title: "Typing a filter or search",
    entries: &[
        Entry {
            keys: &[(Key::Printable, Action::Edit(Edit::Insert(' ')))],
            label: "type",
            help: "type (every printable key is text here)",
            footer: true,
        },
        EDITING[0],
        EDITING[1],
        EDITING[2],
        EDITING[3],
        EDITING[4],
        Entry {
            keys: &[(plain(Enter), Action::Edit(Edit::Submit))],
            label: "keep",
            help: "keep the text, stop typing",
            footer: true,
        },
        Entry {
            keys: &[(plain(Esc), Action::Edit(Edit::Cancel))],
            label: "clear",
            help: "clear the text, stop typing",
            footer: true,
        },
    ],
};

/// The new-event and customer forms.
pub static FORM: Table = Table {
    title: "Forms",
    entries: &[
        Entry {
            keys: &[(plain(Tab), Action::Edit(Edit::NextField)), (plain(Down), Action::Edit(Edit::NextField))],
            label: "next field",
            help: "next field",
            footer: true,
        },
        Entry {
            keys: &[(plain(BackTab), Action::Edit(Edit::PrevField)), (plain(Up), Action::Edit(Edit::PrevField))],
            label: "previous",
            help: "previous field",
            footer: true,
        },
        Entry { keys: &[(plain(Enter), Action::Edit(Edit::Submit))], label: "submit", help: "submit", footer: true },
        Entry {
            keys: &[(plain(Esc), Action::Edit(Edit::Cancel))],
            label: "cancel",
            help: "close the form: nothing is written",
            footer: true,
        },
        Entry {
            keys: &[(Key::Printable, Action::Edit(Edit::Insert(' ')))],
            label: "type",
            help: "type into the field, at the caret",
            footer: false,
        },
        EDITING[0],
        EDITING[1],
        EDITING[2],
        EDITING[3],
        EDITING[4],
    ],
};

pub static SELL_SEATS: Table = Table {
    title: "Sell: choose seats",
    entries: &[
        Entry {
            keys: &[
                (plain(Left), Action::Left),
                (plain(Up), Action::Up),
                (plain(Down), Action::Down),
                (plain(Right), Action::Right),
                (ch('h'), Action::Left),
                (ch('j'), Action::Down),
                (ch('k'), Action::Up),
                (ch('l'), Action::Right),
            ],
            label: "move",
            help: "move on the seat map",
            footer: true,
        },
        Entry {
            keys: &[(ch(' '), Action::ToggleSeat)],
            label: "pick seat",
            help: "pick or unpick the seat",
            footer: true,
        },
        Entry {
            keys: &[(plain(Enter), Action::Hold), (ch('b'), Action::Hold)],
            label: "hold",
            help: "hold the picked seats, or the best N together",
            footer: true,
        },
        QUANTITY,
        QUANTITY_BACK,
        Entry {
            keys: &[(ch('+'), Action::Quantity(1)), (ch('='), Action::Quantity(1))],
            label: "more",
            help: "one more seat (= is + without Shift)",
            footer: false,
        },
        Entry { keys: &[(ch('-'), Action::Quantity(-1))], label: "fewer", help: "one fewer seat", footer: false },
        Entry { keys: &[(plain(Esc), Action::Back)], label: "back", help: "back to the events", footer: true },
    ],
};

/// A sale that cannot be made: the event has started, or no seat is free.
/// Read-only: the banner says why; no key holds, picks or counts seats.
pub static SELL_CLOSED: Table = Table {
    title: "Sell: sold out or started (read-only)",
    entries: &[
        Entry {
            keys: &[
                (plain(Left), Action::Left),
                (plain(Up), Action::Up),
                (plain(Down), Action::Down),
                (plain(Right), Action::Right),
            ],
            label: "look",
            help: "look around the seat map (reserved seating)",
            footer: false,
        },
        Entry { keys: &[(plain(Esc), Action::Back)], label: "back", help: "back to the events", footer: true },
    ],
};

/// General admission: no seat map, only a number of places.
pub static SELL_QUANTITY: Table = Table {
    title: "Sell: choose how many (general admission)",
    entries: &[
        QUANTITY,
        QUANTITY_BACK,
        Entry {
            keys: &[
                (ch('+'), Action::Quantity(1)),
                (ch('='), Action::Quantity(1)),
                (plain(Up), Action::Quantity(1)),
                (ch('k'), Action::Quantity(1)),
            ],
            label: "more",
            help: "one more place (= is + without Shift)",
            footer: true,
        },
        Entry {
            keys: &[
                (ch('-'), Action::Quantity(-1)),
                (plain(Down), Action::Quantity(-1)),
                (ch('j'), Action::Quantity(-1)),
            ],
            label: "fewer",
            help: "one fewer place",
            footer: true,
        },
        Entry {
            keys: &[(plain(Enter), Action::Hold), (ch('b'), Action::Hold)],
            label: "hold",
            help: "hold N places",
            footer: true,
        },
        Entry { keys: &[(plain(Esc), Action::Back)], label: "back", help: "back to the events", footer: true },
    ],
};

/// General admission with several ticket types: the counts are the quantity.
pub static SELL_QUANTITY_TYPES: Table = Table {
    title: "Sell: how many of each type (general admission)",
    entries: &[
        PICK_TYPE,
        TYPE_COUNT,
        TYPE_COUNT_BACK,
        Entry {
            keys: &[
                (ch('+'), Action::Quantity(1)),
                (ch('='), Action::Quantity(1)),
                (plain(Right), Action::Quantity(1)),
                (ch('l'), Action::Quantity(1)),
            ],
            label: "more",
            help: "one more of it (= is + without Shift)",
            footer: false,
        },
        Entry {
            keys: &[
                (ch('-'), Action::Quantity(-1)),
                (plain(Left), Action::Quantity(-1)),
                (ch('h'), Action::Quantity(-1)),
            ],
            label: "fewer",
            help: "one fewer of it",
            footer: false,
        },
        Entry {
            keys: &[(plain(Enter), Action::Hold), (ch('b'), Action::Hold)],
            label: "hold",
            help: "hold the places counted",
            footer: true,
        },
        Entry { keys: &[(plain(Esc), Action::Back)], label: "back", help: "back to the events", footer: true },
    ],
};

/// A live hold of an event with several ticket types: how many of each
/// (with the hold's keys, `SELL_HOLD`). `+` stays the hold's extension.
pub static SELL_HOLD_TYPES: Table = Table {
    title: "Sell: hold, ticket types (the first type takes the rest)",
    entries: &[
        PICK_TYPE,
        TYPE_COUNT,
        TYPE_COUNT_BACK,
        Entry {
            keys: &[(plain(Right), Action::Quantity(1)), (ch('l'), Action::Quantity(1))],
            label: "more",
            help: "one more of it",
            footer: false,
        },
        Entry {
            keys: &[
                (ch('-'), Action::Quantity(-1)),
                (plain(Left), Action::Quantity(-1)),
                (ch('h'), Action::Quantity(-1)),
            ],
            label: "fewer",
            help: "one fewer of it",
            footer: false,
        },
    ],
};

pub static SELL_HOLD: Table = Table {
    title: "Sell: hold",
    entries: &[
        Entry {
            keys: &[(plain(Enter), Action::Customer), (ch('c'), Action::Customer)],
            label: "customer & book",
            help: "the customer form, then book",
            footer: true,
        },
        Entry {
            keys: &[(ch('+'), Action::ExtendHold), (ch('='), Action::ExtendHold)],
            label: "extend",
            help: "extend the hold by another hold period (limited)",
            footer: true,
        },
        Entry {
            keys: &[(ch('r'), Action::Release)],
            label: "release",
            help: "release the hold: y/n first, then the seats go back",
            footer: true,
        },
        Entry {
            keys: &[(plain(Esc), Action::Back)],
            label: "back (hold kept)",
            help: "back to the events; the hold is kept until it expires",
            footer: true,
        },
    ],
};

pub static SELL_PAYMENT: Table = Table {
    title: "Sell: payment",
    entries: &[
        PAY[0],
        PAY[1],
        PAY[2],
        TENDER[0],
        TENDER[1],
        CANCEL,
        Entry {
            keys: &[(plain(Enter), Action::Customer)],
            label: "book again",
            help: "book again with the same key: a replay, nothing changes",
            footer: false,
        },
        Entry {
            keys: &[(plain(Esc), Action::Back)],
            label: "back",
            help: "back to the events; the booking awaits payment",
            footer: true,
        },
    ],
};

pub static SELL_RECEIPT: Table = Table {
    title: "Sell: receipt",
    entries: &[
        NEXT_SALE,
        Entry {
            keys: &[(plain(Left), Action::NextTicket(-1)), (plain(Right), Action::NextTicket(1))],
            label: "ticket",
            help: "previous/next ticket and its QR code",
            footer: true,
        },
        PRINT,
        CANCEL,
        Entry {
            keys: &[(ch('s'), Action::Pay(Success)), (ch('f'), Action::Pay(Failure)), (ch('t'), Action::Pay(Timeout))],
            label: "replay payment",
            help: "send the last payment again (a replay: no second charge)",
            footer: false,
        },
        BACK_TO_EVENTS,
    ],
};

/// The payment was declined: the booking is over, but the customer is still
/// at the counter.
pub static SELL_DECLINED: Table = Table {
    title: "Sell: payment declined",
    entries: &[
        Entry {
            keys: &[(ch('a'), Action::SellAgain)],
            label: "sell again",
            help: "the same seats to the same customer again, if free",
            footer: true,
        },
        NEXT_SALE,
        BACK_TO_EVENTS,
    ],
};

/// Cancelled or expired: nothing left to do with this booking.
pub static SELL_ENDED: Table =
    Table { title: "Sell: sale ended (cancelled or expired)", entries: &[NEXT_SALE, BACK_TO_EVENTS] };

/// The y/n prompts before what cannot be undone (cancel, failed payment,
/// release) and before booking for a customer on file under another name.
pub static CONFIRM: Table = Table {
    title: "Yes/no prompt",
    entries: &[
        Entry {
            keys: &[(ch('y'), Action::Confirm(true)), (ch('Y'), Action::Confirm(true))],
            label: "yes",
            help: "yes: do what the prompt says",
            footer: true,
        },
        Entry {
            keys: &[
                (ch('n'), Action::Confirm(false)),
                (ch('N'), Action::Confirm(false)),
                (plain(Esc), Action::Confirm(false)),
            ],
            label: "no",
            help: "no: nothing changes",
            footer: true,
        },
    ],
};

/// The cancel prompt: yes/no, and a supervisor's refund override.
pub static CANCEL_CONFIRM: Table = Table {
    title: "Cancel prompt",
    entries: &[
        CONFIRM.entries[0],
        CONFIRM.entries[1],
        Entry {
            keys: &[(ch('o'), Action::OverrideRefund)],
            label: "override refund",
            help: "refund another %, with a reason (supervisor)",
            footer: true,
        },
    ],
};

/// A notice of what happened under the clerk: it waits for Enter.
pub static NOTICE: Table = Table {
    title: "Notice",
    entries: &[Entry {
        keys: &[(plain(Enter), Action::Dismiss)],
        label: "OK",
        help: "read it: close the notice",
        footer: true,
    }],
};

/// Quitting with a live hold or an unpaid booking on screen.
pub static QUIT: Table = Table {
    title: "Quit with a sale open",
    entries: &[
        Entry {
            keys: &[(ch('k'), Action::QuitKeeping)],
            label: "quit, keep it",
            help: "quit; the hold or booking is kept until its deadline",
            footer: true,
        },
        Entry {
            keys: &[(ch('r'), Action::QuitReleasing)],
            label: "release & quit",
            help: "release it now (seats back on sale), then quit",
            footer: true,
        },
        Entry {
            keys: &[(ch('n'), Action::Back), (plain(Esc), Action::Back)],
            label: "stay",
            help: "do not quit",
            footer: true,
        },
    ],
};

pub static BOOKINGS: Table = Table {
    title: "Bookings",
    entries: &[
        Entry { keys: &[(plain(Enter), Action::Open)], label: "detail", help: "open the booking", footer: true },
        Entry {
            keys: &[(ch('/'), Action::StartFilter)],
            label: "search",
            help: "search by customer name, email, phone or booking id",
            footer: true,
        },
        Entry {
            keys: &[(ch('f'), Action::CycleStatus)],
            label: "status filter",
            help: "next status filter",
            footer: true,
        },
        EXPORT,
        Entry {
            keys: &[(plain(Esc), Action::Back)],
            label: "clear",
            help: "clear the search and the status filter",
            footer: false,
        },
    ],
};

pub static DETAIL: Table = Table {
    title: "Booking detail (awaiting payment)",
    entries: &[PAY[0], PAY[1], PAY[2], TENDER[0], TENDER[1], CANCEL, AUDIT_TRAIL, ERASE, BACK_TO_BOOKINGS],
};

pub static DETAIL_PAID: Table =
    Table { title: "Booking detail (confirmed)", entries: &[PRINT, CANCEL, AUDIT_TRAIL, ERASE, BACK_TO_BOOKINGS] };

/// An event's ticket types (from Events, `t`).
pub static TYPES: Table = Table {
    title: "Ticket types",
    entries: &[
        MOVE,
        Entry {
            keys: &[(ch('a'), Action::AddType)],
            label: "add",
            help: "add a type (a form: name, price, limit)",
            footer: true,
        },
        Entry {
            keys: &[(plain(Enter), Action::EditType), (ch('e'), Action::EditType)],
            label: "edit",
            help: "edit the selected type's name, price or limit",
            footer: true,
        },
        Entry {
            keys: &[(ch('r'), Action::RetireType)],
            label: "retire",
            help: "retire the selected type: y/n first (past sales keep it)",
            footer: true,
        },
        BACK_TO_EVENTS,
    ],
};

/// The Door screen (from Events, `d`): its code field takes every printable
/// key (a scanner types the code, then Enter), so only other keys command.
pub static DOOR: Table = Table {
    title: "Door (checking tickets in)",
    entries: &[
        Entry {
            keys: &[(plain(Enter), Action::CheckIn)],
            label: "check in",
            help: "check the code in: a large ADMITTED or REFUSED",
            footer: true,
        },
        Entry {
            keys: &[(Key::Printable, Action::Edit(Edit::Insert(' ')))],
            label: "type",
            help: "type the code (a scanner types it, then Enter)",
            footer: false,
        },
        EDITING[0],
        EDITING[1],
        EDITING[2],
        EDITING[3],
        EDITING[4],
        Entry {
            keys: &[(Key::Ctrl('z'), Action::UndoAdmission)],
            label: "undo admission",
            help: "undo the admission shown: a reason, then y/n",
            footer: true,
        },
        Entry { keys: &[(plain(F(2)), Action::DoorName)], label: "door name", help: "this door's name", footer: true },
        Entry {
            keys: &[(plain(Esc), Action::Back)],
            label: "clear/back",
            help: "clear the code; on an empty field, back to the events",
            footer: true,
        },
        Entry { keys: &[(plain(Tab), Action::NextTab)], label: "next screen", help: "next screen", footer: false },
        Entry { keys: &[(plain(BackTab), Action::PrevTab)], label: "previous", help: "previous screen", footer: false },
        Entry {
            keys: &[(plain(F(1)), Action::ToggleHelp)],
            label: "help",
            help: "this help: every key that works here",
            footer: true,
        },
    ],
};

/// A booking that can no longer change: only its story is left to read
/// (and its customer may still ask to be forgotten).
pub static DETAIL_ENDED: Table =
    Table { title: "Booking detail (ended)", entries: &[AUDIT_TRAIL, ERASE, BACK_TO_BOOKINGS] };

pub static REPORTS: Table = Table {
    title: "Reports",
    entries: &[
        Entry {
            keys: &[(ch('e'), Action::CycleEvent(1)), (plain(Right), Action::CycleEvent(1))],
            label: "next event",
            help: "next event (all events first)",
            footer: true,
        },
        Entry {
            keys: &[(ch('E'), Action::CycleEvent(-1)), (plain(Left), Action::CycleEvent(-1))],
            label: "previous",
            help: "previous event",
            footer: true,
        },
        Entry {
            keys: &[(ch('w'), Action::CycleWindow(1)), (ch('W'), Action::CycleWindow(-1))],
            label: "window",
            help: "health window: next/previous of 1 h, 12 h, 24 h, 7 d",
            footer: true,
        },
        Entry {
            keys: &[
                (plain(Up), Action::Up),
                (plain(Down), Action::Down),
                (ch('j'), Action::Down),
                (ch('k'), Action::Up),
            ],
            label: "scroll",
            help: "sales by ticket type: one row up/down",
            footer: true,
        },
        Entry {
            keys: &[(plain(PageUp), Action::PageUp), (plain(PageDown), Action::PageDown)],
            label: "page",
            help: "sales by ticket type: ten rows up/down",
            footer: false,
        },
        Entry {
            keys: &[
                (plain(Home), Action::Top),
                (ch('g'), Action::Top),
                (plain(End), Action::Bottom),
                (ch('G'), Action::Bottom),
            ],
            label: "first/last",
            help: "sales by ticket type: first/last row",
            footer: false,
        },
    ],
};

pub static AUDIT: Table = Table {
    title: "Audit",
    entries: &[
        Entry { keys: &[(ch('/'), Action::StartFilter)], label: "filter", help: "type a filter", footer: true },
        Entry {
            keys: &[(ch('f'), Action::CycleField)],
            label: "filter on",
            help: "filter on: any, correlation id, booking, event, action",
            footer: true,
        },
        Entry {
            keys: &[(ch('o'), Action::ShowOriginal)],
            label: "original",
            help: "jump from a retry to its original",
            footer: true,
        },
        EXPORT,
        Entry {
            keys: &[(plain(Esc), Action::Back)],
            label: "back/clear",
            help: "back to the booking it came from, else clear the filter",
            footer: true,
        },
    ],
};

pub static JOBS: Table = Table {
    title: "Jobs",
    entries: &[
        MOVE,
        Entry { keys: &[(ch('r'), Action::RunRecovery)], label: "recovery", help: "run recovery now", footer: true },
        Entry { keys: &[(ch('s'), Action::RunSweeps)], label: "sweeps", help: "run the sweeps now", footer: true },
    ],
};

/// The signed-in clerk's shift.
pub static TILL: Table = Table {
    title: "Till",
    entries: &[
        Entry {
            keys: &[(ch('o'), Action::OpenShift)],
            label: "open shift",
            help: "open a shift: type the float in the drawer",
            footer: true,
        },
        Entry {
            keys: &[(ch('z'), Action::CloseShift)],
            label: "close shift",
            help: "close the shift with the cash counted (the cash-up)",
            footer: true,
        },
        Entry {
            keys: &[(ch('c'), Action::OpenClerks)],
            label: "clerks",
            help: "the clerk accounts: list, add, disable (supervisor)",
            footer: true,
        },
    ],
};

/// A supervisor's clerk accounts (from the Till, `c`).
pub static CLERKS: Table = Table {
    title: "Clerks (supervisor)",
    entries: &[
        MOVE,
        Entry {
            keys: &[(ch('a'), Action::AddClerk)],
            label: "add",
            help: "add a clerk: name, role, PIN typed twice (hidden)",
            footer: true,
        },
        Entry {
            keys: &[(ch('d'), Action::DisableClerk)],
            label: "disable",
            help: "disable the selected clerk: y/n first",
            footer: true,
        },
        Entry { keys: &[(plain(Esc), Action::Back)], label: "back", help: "back to the till", footer: true },
    ],
};

/// While a write waits for the database lock: Esc gives up waiting. The rest
/// of the tables keep working (a second write is refused until this one ends).
pub static WAITING: Table = Table {
    title: "Waiting for the database",
    entries: &[Entry {
        keys: &[(plain(Esc), Action::StopWaiting)],
        label: "stop waiting",
        help: "stop waiting for the write; nothing is applied twice",
        footer: true,
    }],
};

/// Lines one ↑↓ moves the help by, and a page.
const PAGE: i32 = HELP_ROWS as i32 - 2;

pub static HELP: Table = Table {
    title: "Help",
    entries: &[
        Entry {
            keys: &[
                (plain(Up), Action::ScrollHelp(-1)),
                (plain(Down), Action::ScrollHelp(1)),
                (ch('j'), Action::ScrollHelp(1)),
                (ch('k'), Action::ScrollHelp(-1)),
            ],
            label: "scroll",
            help: "scroll a line",
            footer: true,
        },
        Entry {
            keys: &[(plain(PageUp), Action::ScrollHelp(-PAGE)), (plain(PageDown), Action::ScrollHelp(PAGE))],
            label: "page",
            help: "scroll a page",
            footer: true,
        },
        Entry {
            keys: &[(plain(Home), Action::ScrollHelp(i32::MIN)), (ch('g'), Action::ScrollHelp(i32::MIN))],
            label: "top",
            help: "the top",
            footer: false,
        },
        Entry {
            keys: &[(plain(End), Action::ScrollHelp(i32::MAX)), (ch('G'), Action::ScrollHelp(i32::MAX))],
            label: "end",
            help: "the end",
            footer: false,
        },
        Entry {
            keys: &[
                (plain(Esc), Action::ToggleHelp),
                (ch('?'), Action::ToggleHelp),
                (ch('q'), Action::ToggleHelp),
                (plain(Enter), Action::ToggleHelp),
                (plain(F(1)), Action::ToggleHelp),
            ],
            label: "close",
            help: "close the help",
            footer: true,
        },
    ],
};

/// Every table, in the order the README lists them.
pub static ALL: [&Table; 35] = [
    &SCREENS,
    &ANYWHERE,
    &LISTS,
    &EVENTS,
    &SETTINGS,
    &SETTING_EDIT,
    &TEXT,
    &FORM,
    &SELL_SEATS,
    &SELL_QUANTITY,
    &SELL_QUANTITY_TYPES,
    &SELL_CLOSED,
    &SELL_HOLD,
    &SELL_HOLD_TYPES,
    &SELL_PAYMENT,
    &SELL_RECEIPT,
    &SELL_DECLINED,
    &SELL_ENDED,
    &TYPES,
    &DOOR,
    &CONFIRM,
    &CANCEL_CONFIRM,
    &NOTICE,
    &QUIT,
    &BOOKINGS,
    &DETAIL,
    &DETAIL_PAID,
    &DETAIL_ENDED,
    &REPORTS,
    &AUDIT,
    &JOBS,
    &TILL,
    &CLERKS,
    &HELP,
    &WAITING,
];

// ---- where the clerk is -----------------------------------------------------------

/// Whether a filter or search box on the current screen has focus.
fn typing(app: &App) -> bool {
    match app.screen {
        Screen::Events => app.event_filter.active,
        Screen::Bookings => app.booking_search.active,
        Screen::Audit => app.office.audit.filter.active,
        Screen::Settings => app.settings.editing.is_some(),
        _ => false,
    }
}

/// The tables of the screen (and sale stage) itself, most specific first.
fn screen_tables(app: &App) -> Vec<&'static Table> {
    match app.screen {
        Screen::Events => vec![&EVENTS, &LISTS],
        Screen::Bookings => vec![&BOOKINGS, &LISTS],
        Screen::Audit => vec![&AUDIT, &LISTS],
        Screen::Detail => match app.detail.as_ref().map(|d| d.booking.status) {
            Some(BookingStatus::PaymentPending) => vec![&DETAIL],
            Some(BookingStatus::Confirmed) => vec![&DETAIL_PAID],
            _ => vec![&DETAIL_ENDED],
        },
        Screen::Reports => vec![&REPORTS],
        Screen::Jobs => vec![&JOBS],
        Screen::Till => vec![&TILL],
        Screen::Clerks => vec![&CLERKS],
        Screen::Door => vec![&DOOR],
        Screen::Types => vec![&TYPES],
        Screen::Settings => vec![&SETTINGS, &LISTS],
        Screen::Sell => match app.sell.as_ref().map(|s| (s.stage, s.map.is_some())) {
            Some((Stage::Choose, _)) if app.sell.as_ref().is_some_and(|s| s.event.closed_reason(app.now).is_some()) => {
                vec![&SELL_CLOSED]
            }
            Some((Stage::Choose, true)) => vec![&SELL_SEATS],
            Some((Stage::Choose, false)) if app.sell.as_ref().is_some_and(|s| s.types_panel()) => {
                vec![&SELL_QUANTITY_TYPES]
            }
            Some((Stage::Choose, false)) => vec![&SELL_QUANTITY],
            Some((Stage::Held, _)) if app.sell.as_ref().is_some_and(|s| s.types_panel()) => {
                vec![&SELL_HOLD, &SELL_HOLD_TYPES]
            }
            Some((Stage::Held, _)) => vec![&SELL_HOLD],
            Some((Stage::Payment, _)) => vec![&SELL_PAYMENT],
            Some((Stage::Done, _)) => match app.sell.as_ref().map(|s| s.outcome()) {
                Some(Outcome::Declined) => vec![&SELL_DECLINED],
                Some(Outcome::Ended) => vec![&SELL_ENDED],
                _ => vec![&SELL_RECEIPT],
            },
            None => vec![],
        },
    }
}

/// Whether the clerk waits for a write (and has not given up on it).
fn waiting(app: &App) -> bool {
    app.write.as_ref().is_some_and(|p| !p.gave_up)
}

/// The tables that answer keys right now, in lookup (and footer) order.
/// While a write waits, Esc stops the wait — once nothing is open above the
/// screen: an overlay or a text box takes Esc first, as it would anyway.
pub fn tables_for(app: &App) -> Vec<&'static Table> {
    let mut tables = match &app.overlay {
        Some(Overlay::Help { .. }) => vec![&HELP],
        Some(Overlay::EventForm(_) | Overlay::CustomerForm(_) | Overlay::Form(..) | Overlay::Prompt(..)) => vec![&FORM],
        Some(Overlay::Confirm(Confirm::Cancel { .. })) => vec![&CANCEL_CONFIRM],
        Some(Overlay::Confirm(_)) => vec![&CONFIRM],
        Some(Overlay::Notice { .. }) => vec![&NOTICE],
        Some(Overlay::Quit(_)) => vec![&QUIT],
        None if typing(app) && app.screen == Screen::Settings => vec![&SETTING_EDIT],
        None if typing(app) => vec![&TEXT],
        None => {
            let mut t = if waiting(app) { vec![&WAITING] } else { vec![] };
            t.extend(screen_tables(app));
            // The door's code field takes `?` and `q` as text: its table has
            // the screen keys that are not printable.
            if app.screen != Screen::Door {
                t.push(&SCREENS);
            }
            t
        }
    };
    tables.push(&ANYWHERE);
    tables
}

/// Whether Esc stops the wait for a write right now (the status bar says so).
pub fn esc_stops_waiting(app: &App) -> bool {
    tables_for(app).first().is_some_and(|t| std::ptr::eq(*t, &WAITING))
}

/// What `key` does here, if anything: the first entry that answers it.
pub fn action_for(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    tables_for(app).into_iter().flat_map(|t| t.entries).find_map(|e| e.action(&key))
}

/// The first key that sends `action` in `table`, for hints inside views ("/
/// to filter"), so a hint names the key the table really binds.
pub fn key(table: &Table, action: Action) -> String {
    table.entries.iter().flat_map(|e| e.keys).find(|(_, a)| *a == action).map_or("(unbound)".into(), |(k, _)| k.name())
}

// ---- footer ---------------------------------------------------------------------------

/// The footer: the current tables' footer entries in table order, as many as
/// fit in `width` columns, most specific first; the help key always stays.
pub fn footer(app: &App, width: usize) -> String {
    // An entry whose keys an earlier table takes (Esc while a write waits)
    // cannot act now: it is not offered.
    let mut taken: Vec<Key> = Vec::new();
    let mut entries: Vec<&Entry> = Vec::new();
    for e in tables_for(app).into_iter().flat_map(|t| t.entries) {
        if e.footer && e.keys.iter().any(|(k, _)| !taken.contains(k)) {
            entries.push(e);
        }
        taken.extend(e.keys.iter().map(|(k, _)| *k));
    }
    let items: Vec<String> = entries.iter().map(|e| format!("{} {}", e.footer_keys(), e.label)).collect();
    let pinned: Vec<bool> = entries.iter().map(|e| e.keys.iter().any(|(_, a)| *a == Action::ToggleHelp)).collect();
    let sep = " · ";
    let cols = |s: &str| ratatui::text::Span::raw(s).width();
    let width_of = |s: &str| cols(s) + cols(sep);
    // One leading space; n items need n − 1 separators.
    let mut budget = width.saturating_sub(1) + cols(sep);
    for (item, _) in items.iter().zip(&pinned).filter(|(_, p)| **p) {
        budget = budget.saturating_sub(width_of(item));
    }
    let mut shown = pinned.clone();
    for (i, item) in items.iter().enumerate().filter(|(i, _)| !pinned[*i]) {
        if width_of(item) > budget {
            break;
        }
        budget -= width_of(item);
        shown[i] = true;
    }
    let kept: Vec<&str> = items.iter().zip(shown).filter(|(_, s)| *s).map(|(i, _)| i.as_str()).collect();
    format!(" {}", kept.join(sep))
}

// ---- help -------------------------------------------------------------------------------

/// Rows of help text the help box shows at once: what fits at the smallest
/// terminal (80×24 leaves a 20-row body; 2 rows of border). The box is this
/// size on every terminal, so a scroll position means the same everywhere.
pub const HELP_ROWS: usize = 18;
/// The help box's width (border included): fits an 80-column terminal.
pub const HELP_WIDTH: usize = 78;
/// Columns for the keys before each description.
pub const HELP_KEYS: usize = 19;

/// One row of the help.
#[derive(Debug, Clone, Copy)]
pub enum HelpRow {
    Title(&'static str),
    Entry(&'static Entry),
    Blank,
}

/// The tables the help shows for the screen under it: that screen's, the
/// boxes and prompts it opens, the help's own keys and the global ones.
pub fn help_tables(app: &App) -> Vec<&'static Table> {
    let mut tables = screen_tables(app);
    let stage = app.sell.as_ref().map(|s| s.stage);
    match app.screen {
        Screen::Events => tables.extend([&TEXT, &FORM]),
        Screen::Bookings | Screen::Audit => tables.push(&TEXT),
        Screen::Sell if stage == Some(Stage::Held) => tables.extend([&FORM, &CONFIRM]),
        Screen::Sell if matches!(stage, Some(Stage::Payment | Stage::Done)) => {
            tables.extend([&CONFIRM, &CANCEL_CONFIRM])
        }
        Screen::Detail => tables.extend([&CONFIRM, &CANCEL_CONFIRM]),
        Screen::Types | Screen::Door | Screen::Clerks => tables.extend([&FORM, &CONFIRM]),
        Screen::Settings => tables.push(&SETTING_EDIT),
        _ => {}
    }
    if app.screen != Screen::Door {
        tables.push(&SCREENS);
    }
    tables.extend([&ANYWHERE, &HELP]);
    if waiting(app) {
        tables.insert(0, &WAITING);
    }
    tables
}

pub fn help_rows(app: &App) -> Vec<HelpRow> {
    let mut rows = Vec::new();
    for t in help_tables(app) {
        if !rows.is_empty() {
            rows.push(HelpRow::Blank);
        }
        rows.push(HelpRow::Title(t.title));
        rows.extend(t.entries.iter().map(HelpRow::Entry));
    }
    rows
}

/// The furthest the help scrolls: its last row at the bottom of the box.
pub fn help_max_scroll(app: &App) -> usize {
    help_rows(app).len().saturating_sub(HELP_ROWS)
}

// ---- README ----------------------------------------------------------------------------

/// README's key table, generated: one row per table, every entry in it.
pub fn readme_table() -> String {
    let mut out = String::from("| where | keys |\n| --- | --- |\n");
    for t in ALL {
        let items: Vec<String> = t.entries.iter().map(readme_item).collect();
        out.push_str(&format!("| {} | {} |\n", t.title, items.join(" · ")));
    }
    out
}

/// One entry as README writes it: `` `↑↓`/`j`/`k` move the selection ``.
pub fn readme_item(e: &Entry) -> String {
    let keys: Vec<String> = e.key_names().iter().map(|k| format!("`{k}`")).collect();
    format!("{} {}", keys.join("/"), e.help.replace('|', "\\|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width(s: &str) -> usize {
        ratatui::text::Span::raw(s).width()
    }

    /// Help rows are never wrapped (a row is a line, so scrolling is exact):
    /// every entry must fit the help box at 80 columns.
    #[test]
    fn every_entry_fits_a_help_row() {
        let mut long = Vec::new();
        for t in ALL {
            if width(t.title) > HELP_WIDTH - 2 {
                long.push(t.title.to_string());
            }
            for e in t.entries {
                if width(&e.keys_text()) > HELP_KEYS - 3 {
                    long.push(format!("{}: keys {:?}", t.title, e.keys_text()));
                }
                if width(e.help) > HELP_WIDTH - 2 - HELP_KEYS {
                    long.push(format!("{}: {:?} ({})", t.title, e.help, width(e.help)));
                }
            }
        }
        assert!(long.is_empty(), "too wide for a help row:\n{}", long.join("\n"));
    }

    #[test]
    fn keys_match_their_modifiers() {
        let plain = |c| KeyEvent::new(Char(c), KeyModifiers::NONE);
        assert!(ch('s').matches(&plain('s')));
        assert!(ch('G').matches(&KeyEvent::new(Char('G'), KeyModifiers::SHIFT)));
        assert!(!ch('s').matches(&KeyEvent::new(Char('s'), KeyModifiers::CONTROL)));
        assert!(!ch('s').matches(&KeyEvent::new(Char('s'), KeyModifiers::ALT)));
        assert!(Key::Ctrl('c').matches(&KeyEvent::new(Char('c'), KeyModifiers::CONTROL)));
        assert!(Key::Ctrl('c').matches(&KeyEvent::new(Char('C'), KeyModifiers::CONTROL | KeyModifiers::SHIFT)));
        assert!(!Key::Ctrl('c').matches(&plain('c')));
        assert!(!Key::Ctrl('c').matches(&KeyEvent::new(Char('c'), KeyModifiers::CONTROL | KeyModifiers::ALT)));
        assert!(Key::Digit.matches(&plain('7')) && !Key::Digit.matches(&plain('x')));
        assert!(Key::Printable.matches(&plain('é')) && !Key::Printable.matches(&KeyEvent::from(Enter)));
        assert_eq!(Key::Digit.bind(Action::Digit(0), &plain('7')), Action::Digit(7));
        assert_eq!(Key::Printable.bind(Action::Edit(Edit::Insert(' ')), &plain('é')), Action::Edit(Edit::Insert('é')));
    }

    #[test]
    fn names_run_arrows_together() {
        assert_eq!(MOVE.keys_text(), "↑↓/j/k");
        assert_eq!(SELL_SEATS.entries[0].keys_text(), "←↑↓→/h/j/k/l");
        assert_eq!(SCREENS.entries[1].keys_text(), "Shift-Tab");
    }

    /// No table lists one key twice: the second entry could never act.
    #[test]
    fn no_key_is_listed_twice_in_a_table() {
        for t in ALL {
            let keys: Vec<Key> = t.entries.iter().flat_map(|e| e.keys.iter().map(|(k, _)| *k)).collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(k), "{}: {k:?} twice", t.title);
            }
        }
    }
}
