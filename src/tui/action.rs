//! What the clerk asked for, whatever key they used ([`Action`]), and
//! everything else that reaches `update` ([`Msg`]): the clock, the tick
//! thread's wake-ups and the database workers' answers.

use crate::domain::PaymentOutcome;
use crate::tui::request::{Done, Loaded};
use chrono::{DateTime, Utc};

/// Whatever reaches `update`, the one place the app's state changes.
#[derive(Debug)]
pub enum Msg {
    /// A key's action.
    Action(Action),
    /// The clock moved (the timer in a terminal, the script's clock headless):
    /// countdowns move, and the screens are read again if the file changed.
    Tick { now: DateTime<Utc> },
    /// The tick thread changed something: read the screens again.
    DataChanged,
    /// A background tick run by the script harness failed.
    TickFailed(String),
    /// The read worker's answer.
    Loaded(Loaded),
    /// The write worker's answer.
    Done(Done),
}

impl From<Action> for Msg {
    fn from(a: Action) -> Msg {
        Msg::Action(a)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    ToggleHelp,
    /// Esc: close what is open, or go back a screen.
    Back,
    NextTab,
    PrevTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Enter on a list: open the selected row.
    Open,
    /// An edit to the focused text box (filter, search or form).
    Edit(Edit),
    /// Help: scroll by this many lines (negative: up).
    ScrollHelp(i32),
    StartFilter,
    NewEvent,
    ToggleSeat,
    /// Change the quantity by this much.
    Quantity(i32),
    /// A digit typed on the Sell screen: sets the quantity.
    Digit(u32),
    /// Backspace on the Sell screen: the quantity loses its last digit.
    DigitBack,
    /// Hold the picked seats, or `quantity` best available.
    Hold,
    /// Ask to release the hold (a y/n follows).
    Release,
    /// Move the hold's deadline on by the hold period.
    ExtendHold,
    /// On to the customer form.
    Customer,
    Pay(PaymentOutcome),
    /// Ask to cancel the booking on screen (a y/n with the refund follows).
    Cancel,
    Confirm(bool),
    CycleStatus,
    /// Start another sale of the same event after a receipt.
    NewSale,
    /// After a declined payment: the same seats for the same customer again.
    SellAgain,
    /// Close a notice (it waits for Enter).
    Dismiss,
    /// The quit prompt: quit, keeping the hold or booking on screen.
    QuitKeeping,
    /// The quit prompt: release the hold (or cancel the unpaid booking), then quit.
    QuitReleasing,
    Refresh,
    /// Reports: the next (+1) or previous (−1) event filter.
    CycleEvent(i64),
    /// Reports: the next (+1) or previous (−1) health window.
    CycleWindow(i64),
    /// Audit: which column the filter text matches.
    CycleField,
    /// Booking detail → its audit trail (Esc comes back).
    ShowTrail,
    /// Audit: select the row a retry replayed.
    ShowOriginal,
    /// Bookings and Audit: write what is shown to a CSV file.
    Export,
    /// Jobs: run start-up recovery now.
    RunRecovery,
    /// Jobs: run the tick's sweeps now.
    RunSweeps,
    /// Esc while the database keeps a write waiting: stop waiting for it.
    StopWaiting,
    /// Events: the Door screen for the selected event.
    OpenDoor,
    /// Events: the selected event's ticket types.
    OpenTypes,
    /// Door: check the code typed in.
    CheckIn,
    /// Door: take back the admission the last answer shows (a reason, y/n).
    UndoAdmission,
    /// Door: this door's name (a form).
    DoorName,
    /// Sell: the next (+1) or previous (−1) ticket type the count keys set.
    PickType(i32),
    /// Receipt: the next (+1) or previous (−1) ticket and its QR code.
    NextTicket(i32),
    /// Receipt and booking detail: the tickets to a PDF beside the database.
    Print,
    /// Types screen: add a type, edit the selected one, retire it.
    AddType,
    EditType,
    RetireType,
    /// Take cash: asks for the amount tendered (the change is shown).
    PayCash,
    /// Card ↔ UPI for the simulator's buttons.
    CycleMethod,
    /// Open a shift at the till (asks for the float).
    OpenShift,
    /// Close the shift (asks for the counted cash): the cash-up.
    CloseShift,
    /// Events list → the venue's Settings screen.
    OpenSettings,
    /// Booking detail: forget its customer (a y/n saying what happens first).
    EraseCustomer,
    /// Till → the supervisor's Clerks screen.
    OpenClerks,
    /// Clerks: a new clerk (a form: name, role, PIN twice).
    AddClerk,
    /// Clerks: disable the selected clerk (a y/n first).
    DisableClerk,
    /// Cancel prompt: a supervisor sets the refund's percentage, with a reason.
    OverrideRefund,
}

/// What a key does to a text box. The keymap decides which key is which
/// edit; the boxes (`form.rs`) only apply them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Insert(char),
    /// Backspace: the character before the caret.
    DeleteBack,
    /// Delete: the character under the caret.
    DeleteForward,
    /// Caret moves.
    Left,
    Right,
    Home,
    End,
    /// Empty the focused field.
    Clear,
    /// Ctrl-W: the word before the caret.
    DeleteWord,
    NextField,
    PrevField,
    /// Enter: submit a form, or keep a filter and stop typing.
    Submit,
    /// Esc: close a form, or clear a filter and stop typing.
    Cancel,
}
