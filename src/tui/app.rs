//! The app's state: what every screen shows, as the database workers last
//! read it, and the requests on their way. Changed only by `update`; drawn by
//! `view`. The app holds no connection: it asks (`outbox`) and is answered.

use crate::context::Context;
use crate::domain::{Booking, BookingStatus, Customer, Event, Hold, Refund, RefundSplit};
use crate::engine::SeatMap;
use crate::jobs::Heartbeat;
use crate::tui::form::{Form, LineInput};
use crate::tui::office::BackOffice;
pub use crate::tui::request::Detail;
use crate::tui::request::{Command, LoadSpec, Read, RequestId, SellSpec, Write};
// The screens live in `screen` (so `office` can use them without importing
// this file); they are named from here as before.
pub use crate::tui::screen::{LIST_LIMIT, Screen, Tab};
use chrono::{DateTime, FixedOffset, Utc};
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
    /// How many seats "best available" (or general admission) asks for.
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
        }
    }
}

/// A modal on top of the screen.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// `scroll`: the first help row shown.
    Help {
        scroll: usize,
    },
    EventForm(Form),
    CustomerForm(Form),
    /// "Cancel this booking? refund shown" — y/n.
    ConfirmCancel {
        booking: Booking,
        refund: Option<RefundSplit>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
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
    /// The offset times are shown in (the clerk's local zone; UTC in scripts).
    pub offset: FixedOffset,
    /// The directory of the JSON-lines audit log (`audit.YYYY-MM-DD.jsonl`, daily);
    /// None when shipped audit goes to memory (scripts, tests).
    pub audit_log_dir: Option<PathBuf>,
    /// Where CSV exports go (the database's directory: the data dir by default).
    pub data_dir: PathBuf,
}

pub struct App {
    /// Ids for new idempotency keys and the settings (currency, refund
    /// policy). Its clock is read by the drivers, which send `Msg::Tick`.
    pub ctx: Context,
    pub info: AppInfo,
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
    /// The Reports, Audit and Jobs screens.
    pub office: BackOffice,

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
            office: BackOffice::default(),
            outbox: Vec::new(),
            next_id: 0,
            write: None,
            load: Loading::default(),
            opening: None,
            lookup: None,
            retry: None,
        };
        app.want_load();
        app.flush_load();
        app
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), error: false });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), error: true });
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

    /// Books the hold for the customer (key `book-{hold}`: again is a replay).
    pub fn book(&mut self, hold_id: &str, customer_id: &str, name: &str) {
        let write = Write::Book { hold_id: hold_id.to_string(), customer_id: customer_id.to_string() };
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
            event_filter: self.event_filter.text.clone(),
            status: STATUS_FILTERS[self.status_filter % STATUS_FILTERS.len()],
            search: self.booking_search.text.trim().to_string(),
            sell: self.sell.as_ref().map(|s| SellSpec {
                event_id: s.event.id.clone(),
                hold_id: s.hold.as_ref().map(|h| h.id.clone()),
                booking_id: s.booking.as_ref().map(|b| b.id.clone()),
            }),
            detail: self.detail.as_ref().map(|d| d.booking.id.clone()),
            office: self.office.spec(self.screen),
            prompt: match &self.overlay {
                Some(Overlay::ConfirmCancel { booking, .. }) => Some(booking.id.clone()),
                _ => None,
            },
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

    /// Shows a time in the clerk's zone.
    pub fn local(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.info.offset)
    }
}
