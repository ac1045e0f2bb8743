//! The app's state: what every screen shows, as the database workers last
//! read it, and the requests on their way. Changed only by `update`; drawn by
//! `view`. The app holds no connection: it asks (`outbox`) and is answered.

use crate::context::Context;
use crate::domain::BookingStatus::{Cancelled, Confirmed, Expired, PaymentFailed, PaymentPending};
use crate::domain::{
    Booking, BookingStatus, Customer, Event, Hold, Refund, RefundSplit, SettingKey, Settings, SettingsView, Ticket,
    TicketType,
};
use crate::engine::{RefundOverride, SeatMap, TypeOnSale};
use crate::jobs::Heartbeat;
use crate::tui::form::{Form, LineInput, TextBox};
use crate::tui::office::BackOffice;
pub use crate::tui::request::Detail;
use crate::tui::request::{Command, LoadSpec, Read, RequestId, SellSpec, Write};
use crate::tui::tickets::{Door, TypesScreen};
// The screens live in `screen` (so `office` can use them without importing
// this file); they are named from here as before.
pub use crate::tui::screen::{LIST_LIMIT, Screen, Tab};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a sale stands on the Sell screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Picking seats (or a quantity).
    Choose,
    /// Seats held; next: the customer.
    Held,
    /// Booked; waiting for the payment buttons.
    Payment,
    /// Paid: the receipt.
    Done,
}

#[derive(Debug, Clone)]
pub struct Sell {
    pub event: Event,
    pub map: Option<SeatMap>,
    /// (row index, seat index) of the cursor on the seat map.
    pub cursor: (usize, usize),
    /// Seats toggled by the clerk: (row index, seat number).
    pub picked: BTreeSet<(u32, u32)>,
    /// How many seats "best available" (or general admission) asks for, as
    /// typed: more than the event allows is shown and refused, never cut.
    pub quantity: u32,
    /// Whether the last key was a quantity digit (so the next one appends: 1 2 → 12).
    pub typing_quantity: bool,
    pub stage: Stage,
    pub hold: Option<Hold>,
    pub customer: Option<Customer>,
    pub booking: Option<Booking>,
    pub refund: Option<Refund>,
    /// Payment attempts so far: the next attempt's idempotency key is built from it.
    pub pay_seq: u32,
    /// The key of the last attempt, sent again by a repeated button press.
    pub last_pay_key: Option<String>,
    pub transaction_id: Option<String>,
    /// Selling again after a declined payment: book the next hold for this
    /// customer as soon as it is made.
    pub resell: Option<Customer>,
    /// The event's ticket types on sale, in display order, with what their
    /// limits leave. With more than one, the clerk sets a count per type (`types.rs`).
    pub types: Vec<TypeOnSale>,
    /// Seats per type id as the clerk set them; while a hold is live the
    /// first type takes the seats no other type has.
    pub counts: std::collections::BTreeMap<String, u32>,
    /// The type the count keys change (an index into `types`).
    pub type_sel: usize,
    /// The paid booking's tickets, and which one the receipt shows.
    pub tickets: Vec<Ticket>,
    pub ticket_page: usize,
}

impl Sell {
    pub fn new(event: Event, map: Option<SeatMap>) -> Self {
        let cursor = map.as_ref().map_or((0, 0), |m| (0, m.rows.first().map_or(0, |r| r.len() / 2)));
        Sell {
            event,
            map,
            cursor,
            picked: BTreeSet::new(),
            quantity: 1,
            typing_quantity: false,
            stage: Stage::Choose,
            hold: None,
            customer: None,
            booking: None,
            refund: None,
            pay_seq: 0,
            last_pay_key: None,
            transaction_id: None,
            resell: None,
            types: Vec::new(),
            counts: std::collections::BTreeMap::new(),
            type_sel: 0,
            tickets: Vec::new(),
            ticket_page: 0,
        }
    }

    /// Why the quantity on screen cannot be held, if it cannot: shown and
    /// refused as typed, never cut.
    pub fn too_many(&self) -> Option<String> {
        let (q, left) = (self.quantity, self.event.available);
        if q == 0 {
            Some("0 seats: type how many, at least 1".to_string())
        } else if q > left {
            Some(format!("{q} is more than the {left} seat(s) left: type a smaller number (Backspace deletes a digit)"))
        } else if q > MAX_SEATS_PER_SALE {
            Some(format!("{q} is more than {MAX_SEATS_PER_SALE} seats in one sale: type a smaller number"))
        } else {
            None
        }
    }

    /// The most seats this sale may ask for: what is left, and never more
    /// than [`MAX_SEATS_PER_SALE`].
    pub fn most_seats(&self) -> u32 {
        self.event.available.min(MAX_SEATS_PER_SALE)
    }

    /// The hold on screen, if it still holds its seats.
    pub fn live_hold(&self) -> Option<&Hold> {
        self.hold.as_ref().filter(|h| h.status.is_live())
    }

    /// What the stage's keys can do to the booking on screen.
    pub fn outcome(&self) -> Outcome {
        match self.booking.as_ref().map(|b| b.status) {
            Some(Confirmed) => Outcome::Paid,
            Some(PaymentFailed) => Outcome::Declined,
            Some(Cancelled | Expired) => Outcome::Ended,
            Some(PaymentPending) | None => Outcome::Paid,
        }
    }
}

/// How a finished sale ended (the receipt stage's keys depend on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Paid,
    /// The payment failed: the same seats may be sold to the customer again.
    Declined,
    /// Cancelled or expired: nothing more to do but the next sale.
    Ended,
}

/// The most seats one sale asks for: a typo like `1 0 0 0` is refused, not held.
pub const MAX_SEATS_PER_SALE: u32 = 99;

/// A modal on top of the screen.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// `scroll`: the first help row shown.
    Help {
        scroll: usize,
    },
    EventForm(Form),
    CustomerForm(Form),
    /// A small form of the door or the ticket types screen.
    Form(FormKind, Form),
    /// A y/n before something that cannot be undone; it says what will happen.
    Confirm(Confirm),
    /// What happened under the clerk (a hold expired, another terminal moved
    /// the sale); it stays until Enter.
    Notice {
        title: String,
        lines: Vec<String>,
    },
    /// Quitting with a live hold or an unpaid booking on screen.
    Quit(Open),
    /// A small form the app asks before going on: signing in, the idle
    /// lock, cash tendered, a shift's float or counted cash.
    Prompt(Prompt, Form),
}

/// What a [`Overlay::Prompt`] asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// Name and PIN (the app opens on it; Esc does not close it).
    SignIn,
    /// A file with no clerks: its first supervisor's name and PIN, twice.
    FirstSupervisor,
    /// The idle lock: the signed-in clerk's PIN again.
    Unlock,
    /// Cash handed over for the booking.
    Cash { booking_id: String, amount: i64, currency: String },
    /// The float a new shift starts with.
    OpenShift,
    /// The cash counted in the drawer, closing this shift.
    CloseShift { shift_id: String },
}

impl Prompt {
    /// Whether Esc may close it (not the sign-in, nor the lock).
    pub fn closable(&self) -> bool {
        !matches!(self, Prompt::SignIn | Prompt::FirstSupervisor | Prompt::Unlock)
    }
}

/// What a small form overlay is for.
#[derive(Debug, Clone, PartialEq)]
pub enum FormKind {
    /// The Door screen's name for this door.
    DoorName,
    /// Why an admission is undone (a y/n follows): the ticket's code and what it is.
    UndoReason { code: String, what: String },
    /// A new ticket type for the types screen's event.
    AddType,
    /// The selected type's name, price and limit.
    EditType { type_id: String },
    /// A new clerk: name, role and PIN (twice).
    AddClerk,
    /// A supervisor's refund percentage and reason for cancelling `booking`
    /// (Esc goes back to the cancel prompt).
    RefundOverride { booking: Box<Booking>, was: Option<RefundOverride> },
}

/// What a y/n prompt asks about.
#[derive(Debug, Clone)]
pub enum Confirm {
    /// Cancel the booking, with the refund shown: by the policy, or by a
    /// supervisor's override (`o` on the prompt).
    Cancel { booking: Booking, refund: Option<RefundSplit>, refund_override: Option<RefundOverride> },
    /// The second, explicit prompt: `used` of its tickets were admitted at
    /// the door, and cancelling voids them too (`warning` says so).
    CancelAdmitted { booking: Booking, warning: String, used: u32, refund_override: Option<RefundOverride> },
    /// Disable a clerk account (the engine refuses oneself and the last supervisor).
    DisableClerk { clerk: crate::domain::Clerk },
    /// Take a mistaken admission back (the ticket is VALID again).
    Undo { code: String, what: String, reason: String },
    /// Take a ticket type off sale for good.
    Retire { ticket_type: TicketType },
    /// Record a failed payment: the booking ends, its seats go back on sale.
    Fail { booking: Booking },
    /// Let the hold go: its seats go back on sale.
    Release { hold: Hold },
    /// Forget a customer: name, email and phone replaced; bookings stay.
    Erase { customer: Customer },
    /// The email or phone typed belongs to a customer on file under another
    /// name: book for them (the name on file stays) or go back to the form.
    Existing { customer: Customer, typed: String, form: Form },
}

/// The sale still open when the clerk asks to quit.
#[derive(Debug, Clone)]
pub enum Open {
    Hold(Hold),
    Booking(Booking),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub tone: Tone,
}

/// How the message line marks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// ✓: done as asked.
    Done,
    /// •: neither success nor refusal (a timeout, a note).
    Note,
    /// ✗: refused or failed, with the reason.
    Refused,
}

/// The status filters the bookings list cycles through.
pub const STATUS_FILTERS: [Option<BookingStatus>; 6] = [
    None,
    Some(BookingStatus::PaymentPending),
    Some(BookingStatus::Confirmed),
    Some(BookingStatus::PaymentFailed),
    Some(BookingStatus::Expired),
    Some(BookingStatus::Cancelled),
];

/// Facts about where the app runs, shown in the status bar.
#[derive(Debug, Clone)]
pub struct AppInfo {
    pub db_label: String,
    /// The directory of the JSON-lines audit log (`audit.YYYY-MM-DD.jsonl`, daily);
    /// None when shipped audit goes to memory (scripts, tests).
    pub audit_log_dir: Option<PathBuf>,
    /// Where CSV exports go (the database's directory: the data dir by default).
    pub data_dir: PathBuf,
    /// How messages name `data_dir` (None: its full path). A script run on
    /// a fresh database exports to a folder of its own, named `<run>`, so its
    /// messages read the same every run.
    pub data_dir_label: Option<String>,
    /// Whether the app opens on the sign-in and locks after the venue's
    /// idle minutes (the real terminal). Off in scripts and headless tests,
    /// which sign in by directive and move the clock on without keys.
    pub gate: bool,
}

pub struct App {
    /// Ids for new idempotency keys. Its clock is read by the drivers,
    /// which send `Msg::Tick`.
    pub ctx: Context,
    pub info: AppInfo,
    /// The venue's settings as this process sells by them (the file's, with
    /// its flag overrides), read again with every load: a change made at
    /// another counter shows within a poll. Times are shown and entered in
    /// its zone, whatever the terminal's `TZ`.
    pub venue: SettingsView,
    /// The Settings screen: the selected row and the value being edited.
    pub settings: SettingsScreen,
    pub now: DateTime<Utc>,
    pub tab: Tab,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub message: Option<Message>,
    pub quit: bool,

    pub events: Vec<Event>,
    pub event_sel: usize,
    pub event_filter: LineInput,

    pub sell: Option<Sell>,

    pub bookings: Vec<(Booking, String, String)>,
    pub booking_sel: usize,
    pub booking_search: LineInput,
    pub status_filter: usize,

    pub detail: Option<Detail>,

    pub heartbeat: Option<Arc<Heartbeat>>,
    /// The clerk signed in (the Till and the status bar say who).
    pub clerk: Option<crate::domain::Session>,
    /// Whether the signed-in clerk has a shift open (read with every load;
    /// the status bar says so).
    pub shift_open: bool,
    /// Minutes without a key before the screen locks (the venue's
    /// `idle_lock_minutes`, read at each sign-in; 0: never).
    pub idle_lock_minutes: u32,
    /// When the clerk last pressed a key (the idle lock counts from it).
    pub last_key_at: DateTime<Utc>,
    /// What was open when the screen locked, shown again on unlocking.
    pub under_lock: Option<Box<Overlay>>,
    /// Locked after the idle minutes: the clerk's PIN unlocks.
    pub locked: bool,
    /// The file has no clerk yet: the sign-in asks for its first supervisor.
    pub needs_first_supervisor: bool,
    /// The sign-in shows the demo supervisor's name and PIN (a demo file).
    pub demo_sign_in: bool,
    /// Card or UPI: which the simulator's s/f/t buttons pay by.
    pub pay_method: crate::domain::PaymentMethod,
    /// The Reports, Audit and Jobs screens.
    pub office: BackOffice,
    /// This door's name, and the Door screen when it is open.
    pub door: Door,
    /// An event's ticket types screen, when open.
    pub types: Option<TypesScreen>,

    /// Requests made by `update`, for the driver to hand to the workers.
    pub outbox: Vec<Command>,
    next_id: RequestId,
    /// The write on its way (one at a time).
    pub write: Option<Pending>,
    /// The screens' load.
    pub load: Loading,
    /// The latest sale or booking being opened (an older answer is dropped).
    pub opening: Option<RequestId>,
    /// The latest customer lookup of the customer form.
    pub lookup: Option<RequestId>,
    /// (what, key) of a write the clerk stopped waiting for before it began.
    pub retry: Option<(String, String)>,
    /// The customer form as the clerk left it (its hold expired, or Esc):
    /// the next customer form of a sale starts from it.
    pub customer_draft: Option<Form>,
    /// Quit once the write on its way has ended well (quitting with "release").
    pub quit_after_write: bool,
}

/// Where the clerk's keys go: what a key typed ahead was meant for. When it
/// changes under the clerk, keys already typed are dropped (`terminal.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Focus {
    pub screen: Screen,
    pub stage: Option<Stage>,
    /// Which overlay is open (its kind).
    pub overlay: Option<&'static str>,
    /// A filter, search or form field takes the printable keys.
    pub typing: bool,
}

impl Focus {
    /// Whether keys typed ahead of this change must be dropped. A key the
    /// clerk pressed may move them on (Tab, opening a form): typing ahead of
    /// what they asked for is theirs to do — except when it ends typing
    /// (a form submitted or closed, a filter left): the rest of fast-typed
    /// text would otherwise run as commands. Anything else that moves them
    /// (an answer from the database, the clock, another terminal) drops
    /// what was typed for the screen that was there.
    pub fn drops_typeahead(before: Focus, after: Focus, by_key: bool) -> bool {
        if by_key { before.typing && !after.typing } else { before != after }
    }
}

/// A write sent to the database and not answered yet.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: RequestId,
    /// What the status bar says it waits for: "holding 2 seats".
    pub what: String,
    pub since: DateTime<Utc>,
    /// The clerk pressed Esc: the answer, when it comes, says what became of it.
    pub gave_up: bool,
    /// The form it was submitted from, shown again if it fails.
    pub form: Option<Overlay>,
    /// (what, key): the idempotency key it used, offered again if the clerk
    /// stops waiting and tries the same thing again ([`App::reuse_key`]).
    pub retry: Option<(String, String)>,
}

/// The screens' load: at most one on its way; asking again while one is out
/// marks it stale, and the current state is read when it comes back.
#[derive(Debug, Clone, Default)]
pub struct Loading {
    /// Raised each time the screens must be read again: an older load is stale.
    pub generation: u64,
    /// A load is wanted (sent when none is on its way).
    pub wanted: bool,
    /// The load on its way and since when.
    pub in_flight: Option<(RequestId, DateTime<Utc>)>,
    /// What to do once the wanted load is shown.
    pub then: Vec<Then>,
}

/// A step that needs the screens read first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    /// Select this event in the list (a new event).
    SelectEvent(String),
    /// Say how many audit rows a booking's trail has.
    TrailCount(String),
    /// Drop picked seats someone else took (after a refused hold).
    PrunePicked,
}

impl App {
    /// A new app; its first request (reading every screen) is in the outbox.
    pub fn new(ctx: Context, info: AppInfo) -> App {
        let now = ctx.now();
        let mut app = App {
            // The defaults (UTC) until the first load: the drivers read the
            // file's settings before the first draw.
            venue: SettingsView::build(&[], &ctx.config.overrides()).unwrap_or_default(),
            settings: SettingsScreen::default(),
            ctx,
            info,
            now,
            tab: Tab::Events,
            screen: Screen::Events,
            overlay: None,
            message: None,
            quit: false,
            events: Vec::new(),
            event_sel: 0,
            event_filter: LineInput::default(),
            sell: None,
            bookings: Vec::new(),
            booking_sel: 0,
            booking_search: LineInput::default(),
            status_filter: 0,
            detail: None,
            heartbeat: None,
            clerk: None,
            shift_open: false,
            idle_lock_minutes: 0,
            last_key_at: now,
            under_lock: None,
            locked: false,
            needs_first_supervisor: false,
            demo_sign_in: false,
            pay_method: crate::domain::PaymentMethod::Card,
            office: BackOffice::default(),
            door: Door::default(),
            types: None,
            outbox: Vec::new(),
            next_id: 0,
            write: None,
            load: Loading::default(),
            opening: None,
            lookup: None,
            retry: None,
            customer_draft: None,
            quit_after_write: false,
        };
        app.want_load();
        app.flush_load();
        app
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), tone: Tone::Done });
    }

    /// A message that is neither a success nor a refusal.
    pub fn note(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), tone: Tone::Note });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), tone: Tone::Refused });
    }

    /// Where the clerk's keys go now.
    pub fn focus(&self) -> Focus {
        let overlay = self.overlay.as_ref().map(|o| match o {
            Overlay::Help { .. } => "help",
            Overlay::EventForm(_) => "event form",
            Overlay::CustomerForm(_) => "customer form",
            Overlay::Form(..) => "form",
            Overlay::Confirm(_) => "confirm",
            Overlay::Notice { .. } => "notice",
            Overlay::Quit(_) => "quit",
            Overlay::Prompt(..) => "prompt",
        });
        let filter = match self.screen {
            Screen::Events => self.event_filter.active,
            Screen::Bookings => self.booking_search.active,
            Screen::Audit => self.office.audit.filter.active,
            Screen::Settings => self.settings.editing.is_some(),
            _ => false,
        };
        // The Door screen's code field always takes the printable keys (a scanner types).
        let filter = filter || self.screen == Screen::Door;
        let typing = matches!(
            self.overlay,
            Some(Overlay::EventForm(_) | Overlay::CustomerForm(_) | Overlay::Form(..) | Overlay::Prompt(..))
        ) || (self.overlay.is_none() && filter);
        Focus { screen: self.screen, stage: self.sell.as_ref().map(|s| s.stage), overlay, typing }
    }

    /// Shows a notice that waits for Enter (and says it in the message line
    /// too). A notice already open takes the new lines below its own: one
    /// Enter reads everything that happened.
    pub fn notice(&mut self, title: impl Into<String>, lines: Vec<String>) {
        if let Some(Overlay::Notice { lines: open, .. }) = self.overlay.as_mut() {
            open.extend(lines);
            return;
        }
        if let Some(first) = lines.first() {
            self.error(first.clone());
        }
        self.overlay = Some(Overlay::Notice { title: title.into(), lines });
    }

    pub fn selected_event(&self) -> Option<&Event> {
        self.events.get(self.event_sel)
    }

    pub fn selected_booking(&self) -> Option<&Booking> {
        self.bookings.get(self.booking_sel).map(|(b, _, _)| b)
    }

    /// Whether requests are on their way or waiting to be sent.
    pub fn busy(&self) -> bool {
        !self.outbox.is_empty() || self.write.is_some() || self.load.in_flight.is_some() || self.load.wanted
    }

    fn next_id(&mut self) -> RequestId {
        self.next_id += 1;
        self.next_id
    }

    pub fn read(&mut self, read: Read) -> RequestId {
        let id = self.next_id();
        self.outbox.push(Command::Read(id, read));
        id
    }

    /// Sends a write, saying `what` it does while it waits. Callers check
    /// [`App::write_refused`] first: one write at a time.
    pub fn write(&mut self, write: Write, what: impl Into<String>) -> &mut Pending {
        let id = self.next_id();
        self.outbox.push(Command::Write(id, write));
        let pending = Pending { id, what: what.into(), since: self.now, gave_up: false, form: None, retry: None };
        self.write.insert(pending)
    }

    /// Books the hold for the customer (key `book-{hold}`: again is a
    /// replay), as many seats of each type as the clerk set when the event
    /// sells several; refused, saying why, when those counts cannot be booked.
    pub fn book(&mut self, hold_id: &str, customer_id: &str, name: &str) {
        let counts = match self.sell.as_ref().filter(|s| s.sells_types()).map(|s| s.mix()) {
            None => None,
            Some(Ok(mix)) => Some(mix),
            Some(Err(why)) => {
                self.error(format!("Not booked: {why}"));
                return;
            }
        };
        let write = Write::Book { hold_id: hold_id.to_string(), customer_id: customer_id.to_string(), counts };
        self.write(write, format!("booking for {name}"));
    }

    /// The key of a write the clerk stopped waiting for, if `what` is that
    /// same write again: sending it with the same key can never apply twice.
    pub fn reuse_key(&mut self, what: &str) -> Option<String> {
        self.retry.take_if(|(w, _)| w == what).map(|(_, key)| key)
    }

    /// True (and says why) when a write is still on its way: a second one
    /// waits its turn at the clerk's hands, not in a queue they cannot see.
    pub fn write_refused(&mut self) -> bool {
        let Some(p) = &self.write else { return false };
        let text = if p.gave_up {
            format!("Still finishing {}: try again in a moment", p.what)
        } else {
            format!("Still waiting for the database: {} (Esc stops waiting)", p.what)
        };
        self.error(text);
        true
    }

    /// The screens must be read again (after a write, or a filter or screen change).
    pub fn want_load(&mut self) {
        self.load.generation += 1;
        self.load.wanted = true;
    }

    /// [`App::want_load`], then `then` once that load is shown.
    pub fn want_load_then(&mut self, then: Then) {
        self.want_load();
        self.load.then.push(then);
    }

    /// Sends the wanted load, unless one is still on its way (it is sent when
    /// that one comes back).
    pub fn flush_load(&mut self) {
        if self.load.wanted && self.load.in_flight.is_none() {
            self.load.wanted = false;
            self.send_load(false);
        }
    }

    /// The periodic refresh: reads the screens again if the file changed.
    pub fn poll(&mut self) {
        if !self.load.wanted && self.load.in_flight.is_none() {
            self.send_load(true);
        }
    }

    fn send_load(&mut self, if_changed: bool) {
        let read = Read::Screens { spec: self.load_spec(), generation: self.load.generation, if_changed };
        let id = self.read(read);
        self.load.in_flight = Some((id, self.now));
    }

    /// What the screens show now: the filters and the ids on screen.
    pub fn load_spec(&self) -> LoadSpec {
        LoadSpec {
            // Only the lists on show: a key on Reports, Audit or Jobs does
            // not read 500 events and 500 bookings it does not draw.
            events: self.screen == Screen::Events,
            event_filter: self.event_filter.text().to_string(),
            bookings: self.screen == Screen::Bookings,
            status: STATUS_FILTERS[self.status_filter % STATUS_FILTERS.len()],
            search: self.booking_search.text().trim().to_string(),
            sell: self.sell.as_ref().map(|s| SellSpec {
                event_id: s.event.id.clone(),
                hold_id: s.hold.as_ref().map(|h| h.id.clone()),
                booking_id: s.booking.as_ref().map(|b| b.id.clone()),
            }),
            detail: self.detail.as_ref().map(|d| d.booking.id.clone()),
            office: self.office.spec(self.screen),
            prompt: match &self.overlay {
                Some(Overlay::Confirm(
                    Confirm::Cancel { booking, .. }
                    | Confirm::CancelAdmitted { booking, .. }
                    | Confirm::Fail { booking },
                )) => Some(booking.id.clone()),
                _ => None,
            },
            event: (self.door.open.as_ref().map(|d| &d.event))
                .or(self.types.as_ref().map(|t| &t.event))
                .map(|e| e.id.as_str().into()),
        }
    }

    /// What the status bar says while the database keeps the clerk waiting.
    pub fn waiting(&self) -> Option<String> {
        if let Some(p) = &self.write {
            let secs = (self.now - p.since).num_seconds().max(0);
            return Some(if p.gave_up {
                format!("stopping: {}… {secs} s", p.what)
            } else {
                format!("waiting for the database: {}… {secs} s", p.what)
            });
        }
        // A read shows only once it is slow: most take milliseconds.
        let (_, since) = self.load.in_flight?;
        let secs = (self.now - since).num_seconds();
        (secs >= 1).then(|| format!("reading the database… {secs} s"))
    }

    /// The venue's time zone: every time is shown and entered in it.
    pub fn zone(&self) -> Tz {
        self.venue.effective.time_zone
    }

    /// The policy this counter sells by now (the engine reads the same
    /// inside each operation): the currency of new events, the refund share,
    /// how many extensions a hold gets.
    pub fn policy(&self) -> &Settings {
        &self.venue.effective
    }

    /// Shows a time in the venue's zone (with the offset of that date: DST).
    pub fn local(&self, t: DateTime<Utc>) -> DateTime<Tz> {
        t.with_timezone(&self.zone())
    }
}

// The Settings screen's state lives here, beside App, so its update steps
// (tui/settings.rs) import app and not the other way round.
/// The Settings screen's own state (its values are `App::venue`).
#[derive(Debug, Clone, Default)]
pub struct SettingsScreen {
    /// The selected row: `SettingKey::ALL[sel]`.
    pub sel: usize,
    /// The value being edited in place, if any.
    pub editing: Option<Editing>,
}

/// A value being typed over the selected row.
#[derive(Debug, Clone)]
pub struct Editing {
    pub key: SettingKey,
    pub input: TextBox,
    /// Why the engine refused the last Enter (the row shows it).
    pub error: Option<String>,
}

impl SettingsScreen {
    pub fn selected(&self) -> SettingKey {
        SettingKey::ALL[self.sel.min(SettingKey::ALL.len() - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(screen: Screen, stage: Option<Stage>, overlay: Option<&'static str>, typing: bool) -> Focus {
        Focus { screen, stage, overlay, typing }
    }

    #[test]
    fn typeahead_is_dropped_when_typing_ends_or_the_screen_moves_under_the_clerk() {
        let form = at(Screen::Sell, Some(Stage::Held), Some("customer form"), true);
        let held = at(Screen::Sell, Some(Stage::Held), None, false);
        let paying = at(Screen::Sell, Some(Stage::Payment), None, false);
        // Enter in the form: the rest of the email must not run as commands.
        assert!(Focus::drops_typeahead(form, held, true));
        // The booking arrives: what was typed for the hold panel is dropped.
        assert!(Focus::drops_typeahead(held, paying, false));
        // The clerk's own moves keep their typeahead (Tab Tab, x y).
        let events = at(Screen::Events, None, None, false);
        let bookings = at(Screen::Bookings, None, None, false);
        assert!(!Focus::drops_typeahead(events, bookings, true));
        assert!(!Focus::drops_typeahead(paying, at(Screen::Sell, Some(Stage::Payment), Some("confirm"), false), true));
        // Opening a form by key: what follows is typed into it.
        assert!(!Focus::drops_typeahead(held, form, true));
        // Nothing moved: nothing dropped (the clock's ticks).
        assert!(!Focus::drops_typeahead(paying, paying, false));
    }
}
