//! The app's state: what every screen shows, loaded from the desk. Changed
//! only by `update`; drawn by `view`.

use crate::domain::{
    AuditFilter, AuditRow, Booking, BookingFilter, BookingStatus, Customer, Event, Hold, PaymentAttempt, Refund,
    RefundSplit,
};
use crate::engine::{Desk, SeatMap};
use crate::error::Result;
use crate::jobs::{Heartbeat, Jobs};
use crate::tui::form::{Form, LineInput};
use crate::tui::office::BackOffice;
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

#[derive(Debug, Clone)]
pub struct Detail {
    pub booking: Booking,
    pub event: Option<Event>,
    pub customer: Option<Customer>,
    pub hold: Option<Hold>,
    pub attempts: Vec<PaymentAttempt>,
    pub refund: Option<Refund>,
    pub audit: Vec<AuditRow>,
    pub pay_seq: u32,
    pub last_pay_key: Option<String>,
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
    pub desk: Desk,
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
    /// Runs jobs on demand from the Jobs screen (its own connection).
    pub jobs: Option<Jobs>,
    /// `PRAGMA data_version` at the last load: a change means another process wrote.
    pub data_version: i64,
}

impl App {
    pub fn new(desk: Desk, info: AppInfo) -> Result<App> {
        let now = desk.now();
        let mut app = App {
            desk,
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
            jobs: None,
            data_version: 0,
        };
        app.reload()?;
        Ok(app)
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

    /// Reads the clock and, if anything in the file changed (this process or
    /// another), reloads what the screen shows. Errors go to the message line.
    pub fn refresh(&mut self) {
        self.now = self.desk.now();
        let changed = match self.desk.data_version() {
            Ok(v) => v != self.data_version,
            Err(_) => true,
        };
        if changed && let Err(e) = self.reload() {
            self.error(format!("could not reload: {e}"));
        }
    }

    /// Loads every visible list and panel again.
    pub fn reload(&mut self) -> Result<()> {
        self.now = self.desk.now();
        self.data_version = self.desk.data_version()?;
        self.events = self.desk.events(&self.event_filter.text, LIST_LIMIT)?;
        self.event_sel = self.event_sel.min(self.events.len().saturating_sub(1));
        self.load_bookings()?;
        self.reload_sell()?;
        self.reload_detail()?;
        self.office.load(&self.desk, self.screen)?;
        self.drop_stale_prompt()?;
        Ok(())
    }

    /// A cancel prompt shows the refund for the state the booking was in; if
    /// another terminal moved it meanwhile, the prompt would promise the wrong
    /// refund, so it closes and says why.
    fn drop_stale_prompt(&mut self) -> Result<()> {
        let Some(Overlay::ConfirmCancel { booking, .. }) = &self.overlay else { return Ok(()) };
        let now = self.desk.get_booking(&booking.id)?;
        if now.status != booking.status {
            self.overlay = None;
            self.error(format!(
                "Booking {} is now {}: press x again to see what cancelling refunds",
                crate::ids::short(&now.id),
                now.status
            ));
        }
        Ok(())
    }

    pub fn load_bookings(&mut self) -> Result<()> {
        let filter = BookingFilter {
            status: STATUS_FILTERS[self.status_filter % STATUS_FILTERS.len()],
            event_id: None,
            search: self.booking_search.text.trim().to_string(),
            limit: LIST_LIMIT,
        };
        self.bookings = self.desk.bookings(&filter)?;
        self.booking_sel = self.booking_sel.min(self.bookings.len().saturating_sub(1));
        Ok(())
    }

    /// Re-reads the sale in progress and tells the clerk when the tick thread
    /// (or another terminal) moved it: a hold that expired, a booking that lapsed.
    fn reload_sell(&mut self) -> Result<()> {
        let Some(sell) = self.sell.as_mut() else { return Ok(()) };
        sell.event = self.desk.event(&sell.event.id)?;
        sell.map = self.desk.seat_map(&sell.event)?;
        let mut notice = None;
        if let Some(h) = &sell.hold {
            let h = self.desk.get_hold(&h.id)?;
            if sell.stage == Stage::Held && !h.status.is_live() {
                notice = Some(format!("Hold {}: the seats went back on sale", h.status));
                sell.stage = Stage::Choose;
                // The customer form belonged to that hold.
                if matches!(self.overlay, Some(Overlay::CustomerForm(_))) {
                    self.overlay = None;
                }
            }
            sell.hold = Some(h);
        }
        if let Some(b) = &sell.booking {
            let b = self.desk.get_booking(&b.id)?;
            if sell.stage == Stage::Payment && b.status != BookingStatus::PaymentPending {
                notice = Some(match b.status {
                    BookingStatus::Expired => "Booking EXPIRED: the payment window closed; seats released".to_string(),
                    other => format!("Booking is now {other}"),
                });
                sell.stage = if b.status == BookingStatus::Confirmed { Stage::Done } else { Stage::Choose };
            }
            sell.refund = self.desk.refund(&b.id)?;
            sell.booking = Some(b);
        }
        // Picked seats another terminal took meanwhile stay picked (the map
        // shows them held or sold): dropping them here silently would make the
        // next Enter hold the best available instead, seats the clerk never chose.
        // The hold is refused naming the seat, and `update` drops it then.
        if let Some(n) = notice {
            self.error(n);
        }
        Ok(())
    }

    fn reload_detail(&mut self) -> Result<()> {
        let Some(d) = self.detail.as_ref() else { return Ok(()) };
        let (id, pay_seq, last) = (d.booking.id.clone(), d.pay_seq, d.last_pay_key.clone());
        let mut d = self.load_detail(&id)?;
        d.pay_seq = pay_seq;
        d.last_pay_key = last;
        self.detail = Some(d);
        Ok(())
    }

    pub fn load_detail(&self, booking_id: &str) -> Result<Detail> {
        let booking = self.desk.get_booking(booking_id)?;
        Ok(Detail {
            event: self.desk.event(&booking.event_id).ok(),
            customer: self.desk.get_customer(&booking.customer_id).ok(),
            hold: self.desk.get_hold(&booking.hold_id).ok(),
            attempts: self.desk.attempts(&booking.id)?,
            refund: self.desk.refund(&booking.id)?,
            audit: self.desk.audit(&AuditFilter {
                correlation_id: Some(booking.correlation_id.clone()),
                limit: 200,
                ..Default::default()
            })?,
            pay_seq: 0,
            last_pay_key: None,
            booking,
        })
    }

    /// Shows a time in the clerk's zone.
    pub fn local(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.info.offset)
    }
}
