//! What the app asks of the database, and what comes back: plain data.
//! `update` puts [`Command`]s in the app's outbox; the workers (`worker.rs`)
//! run them on their own connections and answer with a [`Loaded`] or a
//! [`Done`], which reach `update` as messages like keys do.

use crate::domain::{
    AuditField, AuditRow, Booking, BookingStatus, Clerk, Customer, DoorAnswer, DoorCounts, Event, Hold, NewCustomer,
    NewEvent, NewTicketType, PaymentAttempt, Refund, Role, Session, SettingKey, SettingsView, Ticket, TicketType,
    TypeCount,
};
use crate::engine::{
    Cancellation, Erasure, HoldRequest, Payment, RefundOverride, Replayed, SeatMap, SettingChange, TypeOnSale,
};
use crate::error::{Error, Result};
use crate::jobs::{Job, JobStatus, RunOutcome};
use crate::report::Report;
use crate::tui::screen::Screen;
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// Each request's number, unique in one app: answers are matched by it.
pub type RequestId = u64;

/// An entry of the app's outbox.
#[derive(Debug)]
pub enum Command {
    Read(RequestId, Read),
    Write(RequestId, Write),
    /// The clerk stopped waiting for this request (Esc): its lock wait ends.
    Cancel(RequestId),
}

/// Work for the read worker: what the screens show.
#[derive(Debug, Clone)]
pub enum Read {
    /// Everything the screens show, as `spec` says. With `if_changed` (the
    /// periodic refresh) only if the database changed since the last load
    /// (`PRAGMA data_version`; PostgreSQL's change notices), else [`Found::Unchanged`].
    Screens { spec: LoadSpec, generation: u64, if_changed: bool },
    /// An event opened for sale: its seat map, and the clerk's own live hold
    /// on it to resume.
    Sale { event: Event },
    /// A booking opened from the list.
    Detail { booking_id: String },
    /// An existing customer with this email or phone (the customer form's note).
    Customer { email: Option<String>, phone: Option<String> },
    /// Every clerk account, opening the Clerks screen (a supervisor's: the
    /// engine refuses a clerk, and audits it).
    Clerks,
}

/// What a screens load reads: the filters and the ids on screen. A load is
/// applied only if the app still shows the same (else it is read again).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadSpec {
    /// Read the events list (on the Events screen; another screen reads it
    /// when the clerk comes back to Events, as every screen change loads).
    pub events: bool,
    pub event_filter: String,
    /// Read the bookings list (on the Bookings screen, likewise).
    pub bookings: bool,
    pub status: Option<BookingStatus>,
    pub search: String,
    pub sell: Option<SellSpec>,
    /// The booking whose detail is open.
    pub detail: Option<String>,
    pub office: OfficeSpec,
    /// The booking a cancel prompt is about (closed if it moved meanwhile).
    pub prompt: Option<String>,
    /// The event of the Door screen (its running count) or of the ticket
    /// types screen (its types), whichever is open. (A boxed `str`: a load's
    /// answer stays small enough to pass by value.)
    pub event: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellSpec {
    pub event_id: String,
    pub hold_id: Option<String>,
    pub booking_id: Option<String>,
}

/// The back-office screen on show (only that one is read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum OfficeSpec {
    #[default]
    None,
    Reports {
        /// (Boxed `str`s keep the spec, which travels in every load, small.)
        event_id: Option<Box<str>>,
        hours: u32,
        /// The first "by type" row the screen shows.
        type_top: u32,
    },
    Audit {
        field: AuditField,
        text: String,
    },
    Jobs,
    Till,
    Clerks,
}

/// Work for the write worker: what the clerk does. Each is one transaction
/// (or, for exports, one new file).
#[derive(Debug, Clone)]
pub enum Write {
    Hold(HoldRequest),
    Release {
        hold_id: String,
    },
    /// Moves the hold's deadline on (`key`: again is a replay).
    Extend {
        hold_id: String,
        key: String,
    },
    Customer(NewCustomer),
    /// Books with the key `book-{hold_id}`: again is a replay. `counts`:
    /// seats per ticket type (an event with several on sale); `None` books
    /// every seat as the event's first type, as a plain booking always has.
    Book {
        hold_id: String,
        customer_id: String,
        counts: Option<Vec<TypeCount>>,
    },
    /// `on`: the screen the clerk paid from.
    Pay {
        booking_id: String,
        tender: crate::domain::Tender,
        key: String,
        on: Screen,
    },
    /// Cancels only if the booking is still as the clerk saw it, with
    /// `admitted` tickets used at the door (agreed in a second prompt).
    Cancel {
        booking: Booking,
        admitted: u32,
        /// A supervisor's refund percentage and reason instead of the policy's.
        refund: Option<RefundOverride>,
    },
    /// A new event with its ticket types (empty: one Standard type at its price).
    CreateEvent(NewEvent, Vec<NewTicketType>),
    /// Writes a booking's tickets to a PDF at `path` (times in the venue's zone).
    Print {
        booking_id: String,
        path: PathBuf,
    },
    /// A code scanned or typed at `door`, for `event_id`.
    CheckIn {
        code: String,
        event_id: String,
        door: String,
    },
    /// Takes a mistaken admission back.
    Undo {
        code: String,
        reason: String,
    },
    AddType {
        event_id: String,
        new: NewTicketType,
    },
    EditType {
        type_id: String,
        new: NewTicketType,
    },
    RetireType {
        type_id: String,
    },
    /// Writes the rows on screen to a new CSV in `dir`.
    Export {
        rows: ExportRows,
        dir: PathBuf,
        now: DateTime<Utc>,
    },
    Recovery,
    Sweeps,
    /// Signs a clerk in: from then on both workers act as them.
    SignIn {
        name: String,
        pin: String,
    },
    /// A file with no clerks: its first supervisor, signed in.
    FirstSupervisor {
        name: String,
        pin: String,
    },
    /// Opens the signed-in clerk's shift with this float (minor units).
    OpenShift {
        float: i64,
    },
    /// Closes a shift with the cash counted: its cash-up comes back.
    CloseShift {
        shift_id: String,
        counted: i64,
    },
    /// Stores a venue setting (the engine checks the value and audits it).
    SetSetting {
        key: SettingKey,
        value: String,
    },
    /// Erases a customer's name, email and phone.
    EraseCustomer {
        customer_id: String,
    },
    /// A new clerk account (the engine: supervisors only).
    AddClerk {
        name: String,
        role: Role,
        pin: String,
    },
    /// Disables a clerk account (the engine: supervisors only).
    DisableClerk {
        name: String,
    },
    /// Asks the engine whether the signed-in clerk may override the refund
    /// of cancelling `booking` (a clerk's refusal is audited) before the
    /// percentage is asked for.
    MayOverride {
        booking: Booking,
    },
}

#[derive(Debug, Clone)]
pub enum ExportRows {
    Bookings(Vec<(Booking, String, String)>),
    Audit(Vec<AuditRow>),
}

impl ExportRows {
    pub fn what(&self) -> &'static str {
        match self {
            ExportRows::Bookings(_) => "bookings",
            ExportRows::Audit(_) => "audit",
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ExportRows::Bookings(r) => r.len(),
            ExportRows::Audit(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// ---- answers ---------------------------------------------------------------------

/// The read worker's answer to request `id`.
#[derive(Debug)]
pub struct Loaded {
    pub id: RequestId,
    pub found: Found,
}

#[derive(Debug)]
pub enum Found {
    /// `generation` and `spec` as asked, to tell a current load from a stale one.
    Screens {
        generation: u64,
        spec: LoadSpec,
        result: Result<Box<Snapshot>>,
    },
    /// The periodic refresh found nothing changed.
    Unchanged {
        generation: u64,
    },
    Sale {
        event: Box<Event>,
        result: Result<Box<Sale>>,
    },
    Detail(Result<Box<Detail>>),
    /// The customer the form's email or phone belongs to, if any.
    Customer(Option<Customer>),
    /// The clerk accounts, or the engine's refusal.
    Clerks(Result<Vec<Clerk>>),
}

/// Everything the screens show, read for a [`LoadSpec`].
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// `None` where the spec did not ask for the list: the app keeps its own.
    pub events: Option<Vec<Event>>,
    pub bookings: Option<Vec<(Booking, String, String)>>,
    pub sell: Option<SellFound>,
    pub detail: Option<Detail>,
    pub office: OfficeFound,
    /// The cancel prompt's booking as it is now.
    pub prompt: Option<Booking>,
    /// The Door screen's running count.
    pub door: Option<DoorCounts>,
    /// Every type of the types screen's event (retired ones too), with what
    /// its limit leaves (on sale only), and their sales.
    pub types: Option<EventTypes>,
    /// The venue's settings as this process sells by them.
    pub venue: SettingsView,
    /// Whether the signed-in clerk has a shift open.
    pub shift_open: bool,
}

/// The types screen's rows: every type, and each one's sales (all time).
#[derive(Debug, Clone)]
pub struct EventTypes {
    pub types: Vec<TypeOnSale>,
    pub sales: Vec<crate::domain::TypeSales>,
}

/// The sale in progress as the file has it now.
#[derive(Debug, Clone)]
pub struct SellFound {
    pub event: Event,
    pub map: Option<SeatMap>,
    pub hold: Option<Hold>,
    pub booking: Option<Booking>,
    pub refund: Option<Refund>,
    /// The types on sale now, with what their limits leave.
    pub types: Vec<TypeOnSale>,
    /// The booking's tickets (none until it is paid).
    pub tickets: Vec<Ticket>,
}

#[derive(Debug, Clone, Default)]
pub enum OfficeFound {
    #[default]
    None,
    /// (id, name) of every event, and the report for the asked event (all
    /// events if it is gone).
    Reports {
        events: Vec<(String, String)>,
        report: Box<Report>,
        /// Its "by type" rows from about the first shown.
        types: crate::domain::TypeSalesPage,
    },
    Audit {
        rows: Vec<AuditRow>,
        backlog: i64,
    },
    Jobs(Vec<JobStatus>),
    /// The signed-in clerk's newest shift's cash-up, and their live sales
    /// (holds, and bookings awaiting payment) to resume or release.
    Till {
        cashup: Option<Box<crate::domain::CashUp>>,
        live: Vec<(Hold, Option<Booking>)>,
    },
    /// The clerk accounts, or why the engine refused them (the screen closes).
    Clerks(std::result::Result<Vec<Clerk>, String>),
}

/// An event opened for sale.
#[derive(Debug, Clone)]
pub struct Sale {
    pub map: Option<SeatMap>,
    /// The types on sale, with what their limits leave.
    pub types: Vec<TypeOnSale>,
    /// The clerk's own live hold on the event (and its booking awaiting payment).
    pub resume: Option<Resume>,
}

#[derive(Debug, Clone)]
pub struct Resume {
    pub hold: Hold,
    pub booking: Option<Booking>,
    pub customer: Option<Customer>,
    /// The booking's seats per type (so booking again is the same booking).
    pub items: Vec<crate::domain::BookingItem>,
}

/// A booking's detail screen.
#[derive(Debug, Clone)]
pub struct Detail {
    pub booking: Booking,
    pub event: Option<Event>,
    pub customer: Option<Customer>,
    pub hold: Option<Hold>,
    pub attempts: Vec<PaymentAttempt>,
    pub refund: Option<Refund>,
    pub audit: Vec<AuditRow>,
    /// Its tickets in seat order (none until it is paid).
    pub tickets: Vec<Ticket>,
    pub pay_seq: u32,
    pub last_pay_key: Option<String>,
}

/// The write worker's answer to request `id`. `stopped`: the clerk had
/// stopped waiting by the time it ended (an error then is that stop).
#[derive(Debug)]
pub struct Done {
    pub id: RequestId,
    pub stopped: bool,
    pub answer: Answer,
}

#[derive(Debug)]
pub enum Answer {
    Hold(Result<Replayed<Hold>>),
    Release(Result<Hold>),
    Extend(Result<Replayed<Hold>>),
    Customer(Result<Replayed<Customer>>),
    Book(Result<Replayed<Booking>>),
    Pay {
        on: Screen,
        result: Result<Box<Payment>>,
    },
    Cancel {
        booking_id: String,
        /// Refunded by a supervisor's override, not the policy.
        overridden: bool,
        result: Result<Cancellation>,
    },
    Event(Result<Event>),
    Print(Result<crate::print::Printed>),
    CheckIn {
        code: String,
        result: Result<DoorAnswer>,
    },
    Undo(Result<Ticket>),
    /// A type added, edited or retired (`what` says which).
    Type {
        what: &'static str,
        result: Result<TicketType>,
    },
    Export {
        what: &'static str,
        result: Result<(PathBuf, usize)>,
    },
    /// `None`: this app has no job runner.
    Recovery(Option<Result<RunOutcome>>),
    Sweeps(Option<Result<Vec<(Job, RunOutcome)>>>),
    /// The clerk signed in, and the venue's idle-lock minutes.
    SignedIn(Result<(Session, u32)>),
    ShiftOpened(Result<Box<crate::domain::Shift>>),
    ShiftClosed(Result<Box<crate::domain::CashUp>>),
    Setting(Result<SettingChange>),
    Erase(Result<Erasure>),
    ClerkAdded(Result<Clerk>),
    ClerkDisabled(Result<Clerk>),
    /// Whether the clerk may override the refund of cancelling `booking`.
    MayOverride {
        booking: Booking,
        result: Result<Session>,
    },
}

impl Answer {
    /// The error, if the request failed (and so changed nothing).
    pub fn error(&self) -> Option<&Error> {
        fn err<T>(r: &Result<T>) -> Option<&Error> {
            r.as_ref().err()
        }
        match self {
            Answer::Hold(r) => err(r),
            Answer::Release(r) => err(r),
            Answer::Extend(r) => err(r),
            Answer::Customer(r) => err(r),
            Answer::Book(r) => err(r),
            Answer::Pay { result, .. } => err(result),
            Answer::Cancel { result, .. } => err(result),
            Answer::Event(r) => err(r),
            Answer::Print(r) => err(r),
            Answer::CheckIn { result, .. } => err(result),
            Answer::Undo(r) => err(r),
            Answer::Type { result, .. } => err(result),
            Answer::Export { result, .. } => err(result),
            Answer::Recovery(r) => r.as_ref().and_then(err),
            Answer::Sweeps(r) => r.as_ref().and_then(err),
            Answer::SignedIn(r) => err(r),
            Answer::ShiftOpened(r) => err(r),
            Answer::ShiftClosed(r) => err(r),
            Answer::Setting(r) => err(r),
            Answer::Erase(r) => err(r),
            Answer::ClerkAdded(r) => err(r),
            Answer::ClerkDisabled(r) => err(r),
            Answer::MayOverride { result, .. } => err(result),
        }
    }
}
