//! The operations of a sale. Each write is one `BEGIN IMMEDIATE` transaction
//! that re-reads what it depends on, applies the state machine of
//! `domain::status`, and writes one audit row per state change — or, on any
//! error, rolls back and changes nothing.

use crate::clock::to_millis;
use crate::context::Context;
use crate::domain::event::{parse_seat_label, seat_label};
use crate::domain::seats::best_available;
use crate::domain::{
    AuditRow, Booking, BookingEvent, BookingStatus, Customer, Event, EventKind, Hold, HoldStatus, Invalid, NewCustomer,
    NewEvent, PaymentAttempt, PaymentOutcome, Refund, RefundKind, RefundSplit, RefundStatus, SeatState, refund_split,
};
use crate::error::{Error, Result};
use crate::store::audit::{AuditFilter, NewAudit};
use crate::store::sales::BookingFilter;
use crate::store::{self, audit, catalog, sales};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde_json::json;
use std::path::Path;

/// How the clerk asks for seats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeatPick {
    /// Best available (reserved) or simply a count (general admission).
    Count(i64),
    /// These labels, e.g. `["C7", "C8"]` (reserved seating only).
    Labels(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct HoldRequest {
    pub event_id: String,
    pub pick: SeatPick,
    pub idempotency_key: Option<String>,
    /// Continue an existing sale's story; a new one is started when absent.
    pub correlation_id: Option<String>,
}

/// A result and whether it was a replay of an earlier request.
#[derive(Debug, Clone, PartialEq)]
pub struct Replayed<T> {
    pub value: T,
    pub is_retry: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    pub attempt: PaymentAttempt,
    pub booking: Booking,
    pub refund: Option<Refund>,
    pub is_retry: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cancellation {
    pub booking: Booking,
    pub refund: Option<Refund>,
}

/// A reserved hall's seats, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct SeatMap {
    pub rows: Vec<Vec<SeatState>>,
}

impl SeatMap {
    pub fn free_grid(&self) -> Vec<Vec<bool>> {
        self.rows.iter().map(|r| r.iter().map(|s| *s == SeatState::Free).collect()).collect()
    }
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub holds: usize,
    pub bookings: usize,
}

/// Rows a sweep handles per transaction.
const BATCH: usize = 200;

/// One violated invariant, in words.
pub type Violation = String;

/// A clerk's (or a job's) connection to the box office.
pub struct Desk {
    conn: Connection,
    ctx: Context,
    actor: String,
}

/// The inside of one write transaction.
struct Tx<'a> {
    tx: store::WriteScope<'a>,
    ctx: &'a Context,
    actor: &'a str,
    now: DateTime<Utc>,
}

impl Tx<'_> {
    fn now_ms(&self) -> i64 {
        to_millis(self.now)
    }

    fn id(&self) -> String {
        self.ctx.ids.next(self.now)
    }

    fn audit(&self, a: NewAudit<'_>) -> Result<()> {
        audit::insert(&self.tx, &self.id(), self.now_ms(), self.actor, &a)
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.tx
    }
}

impl Desk {
    pub fn open(path: &Path, ctx: Context, actor: impl Into<String>) -> Result<Desk> {
        let conn = store::open(path, ctx.config.durability)?;
        Ok(Desk { conn, ctx, actor: actor.into() })
    }

    pub fn in_memory(ctx: Context, actor: impl Into<String>) -> Result<Desk> {
        Ok(Desk { conn: store::open_in_memory()?, ctx, actor: actor.into() })
    }

    pub fn from_connection(conn: Connection, ctx: Context, actor: impl Into<String>) -> Desk {
        Desk { conn, ctx, actor: actor.into() }
    }

    pub fn ctx(&self) -> &Context {
        &self.ctx
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.ctx.now()
    }

    /// Runs several operations as one atomic write: they see each other's
    /// changes, and either all commit or none does (e.g. seeding a new file).
    pub fn atomically<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.write(|_| f())
    }

    /// Runs `f` in one IMMEDIATE transaction (a savepoint inside `atomically`);
    /// commits only if it succeeds.
    fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let tx =
            Tx { tx: store::WriteScope::begin(&self.conn)?, ctx: &self.ctx, actor: &self.actor, now: self.ctx.now() };
        let value = f(&tx)?;
        tx.tx.commit()?;
        Ok(value)
    }

    // ---- events and customers ---------------------------------------------

    pub fn create_event(&self, new: NewEvent) -> Result<Event> {
        let new = new.validate()?;
        self.write(|tx| {
            let total = new.kind.total();
            let event = Event {
                id: tx.id(),
                name: new.name,
                description: new.description,
                starts_at: new.starts_at,
                kind: new.kind,
                total,
                available: total,
                price: new.price,
                currency: new.currency,
                created_at: tx.now,
            };
            catalog::insert_event(tx, &event)?;
            tx.audit(NewAudit {
                action: "EVENT_CREATED",
                entity: "event",
                entity_id: &event.id,
                event_id: Some(&event.id),
                details: Some(json!({"name": event.name, "total": total, "price": event.price})),
                ..Default::default()
            })?;
            Ok(event)
        })
    }

    pub fn event(&self, id: &str) -> Result<Event> {
        catalog::get_event(&self.conn, id)?.ok_or_else(|| Error::not_found("event", id))
    }

    pub fn events(&self, filter: &str, limit: usize) -> Result<Vec<Event>> {
        catalog::list_events(&self.conn, filter, to_millis(self.now()), limit)
    }

    /// The customer with this email or phone if there is one, else a new one.
    /// An existing customer keeps their stored name.
    pub fn customer(&self, new: NewCustomer) -> Result<Replayed<Customer>> {
        let new = new.validate()?;
        self.write(|tx| {
            if let Some(c) = catalog::find_customer(tx, new.email.as_deref(), new.phone.as_deref())? {
                return Ok(Replayed { value: c, is_retry: true });
            }
            let c = Customer { id: tx.id(), name: new.name, email: new.email, phone: new.phone };
            catalog::insert_customer(tx, &c, tx.now_ms())?;
            tx.audit(NewAudit {
                action: "CUSTOMER_CREATED",
                entity: "customer",
                entity_id: &c.id,
                ..Default::default()
            })?;
            Ok(Replayed { value: c, is_retry: false })
        })
    }

    pub fn find_customer(&self, email: Option<&str>, phone: Option<&str>) -> Result<Option<Customer>> {
        let email = email.map(crate::domain::customer::normalize_email).transpose()?;
        let phone = phone.map(crate::domain::customer::normalize_phone).transpose()?;
        catalog::find_customer(&self.conn, email.as_deref(), phone.as_deref())
    }

    pub fn get_customer(&self, id: &str) -> Result<Customer> {
        catalog::get_customer(&self.conn, id)?.ok_or_else(|| Error::not_found("customer", id))
    }

    pub fn search_customers(&self, text: &str, limit: usize) -> Result<Vec<Customer>> {
        catalog::search_customers(&self.conn, text, limit)
    }

    // ---- holds ------------------------------------------------------------

    pub fn seat_map(&self, event: &Event) -> Result<Option<SeatMap>> {
        seat_map(&self.conn, event)
    }

    /// Holds seats: a count (best available) or named labels.
    pub fn hold(&self, req: HoldRequest) -> Result<Replayed<Hold>> {
        if let SeatPick::Count(n) = req.pick
            && n < 1
        {
            return Err(Invalid::new("seats", format!("must be at least 1 (got {n})")).into());
        }
        if let SeatPick::Labels(l) = &req.pick
            && l.is_empty()
        {
            return Err(Invalid::new("seats", "pick at least one seat").into());
        }
        let key = clean_key(req.idempotency_key.as_deref())?;
        self.write(|tx| {
            if let Some(key) = key
                && let Some(id) = replay_id(tx, "hold", key)?
            {
                let hold = sales::get_hold(tx, &id)?.ok_or_else(|| Error::not_found("hold", &id))?;
                // Like book and pay: a key names one request. Replaying it for
                // another event would hand the clerk seats at the wrong show.
                if hold.event_id != req.event_id {
                    return Err(Error::refused("that idempotency key was used to hold seats for another event"));
                }
                tx.audit(NewAudit {
                    action: "HOLD_RETRY",
                    entity: "hold",
                    entity_id: &hold.id,
                    event_id: Some(&hold.event_id),
                    hold_id: Some(&hold.id),
                    correlation_id: Some(&hold.correlation_id),
                    is_retry: true,
                    original_attempt_id: Some(&hold.id),
                    details: Some(json!({"idempotency_key": key})),
                    ..Default::default()
                })?;
                return Ok(Replayed { value: hold, is_retry: true });
            }
            let event =
                catalog::get_event(tx, &req.event_id)?.ok_or_else(|| Error::not_found("event", &req.event_id))?;
            if event.starts_at <= tx.now {
                return Err(Error::refused(format!("'{}' has already started; sales are closed", event.name)));
            }
            let labels = pick_labels(tx, &event, &req.pick)?;
            let seats = match &req.pick {
                SeatPick::Count(n) => u32::try_from(*n).unwrap_or(u32::MAX),
                SeatPick::Labels(_) => labels.len() as u32,
            };
            if seats > event.available {
                return Err(Error::NotEnoughSeats { requested: seats, available: event.available });
            }
            if !catalog::adjust_available(tx, &event.id, -i64::from(seats))? {
                return Err(Error::NotEnoughSeats { requested: seats, available: event.available });
            }
            let id = tx.id();
            let hold = Hold {
                correlation_id: req.correlation_id.clone().unwrap_or_else(|| id.clone()),
                id,
                event_id: event.id.clone(),
                seats,
                labels,
                status: HoldStatus::Active,
                actor: tx.actor.to_string(),
                created_at: tx.now,
                expires_at: tx.now + tx.ctx.config.hold_window,
            };
            sales::insert_hold(tx, &hold)?;
            if let Err(e) = sales::insert_hold_seats(tx, &hold.id, &event.id, &hold.labels) {
                return Err(taken_or(e, &hold.labels));
            }
            if let Some(key) = key {
                sales::remember(tx, "hold", key, &hold.id, tx.now_ms())?;
            }
            tx.audit(NewAudit {
                action: "HOLD_CREATED",
                entity: "hold",
                entity_id: &hold.id,
                event_id: Some(&event.id),
                hold_id: Some(&hold.id),
                to_status: Some(HoldStatus::Active.as_str()),
                correlation_id: Some(&hold.correlation_id),
                details: Some(json!({
                    "seats": seats, "labels": hold.labels, "expires_at": hold.expires_at.to_rfc3339(),
                    "idempotency_key": key,
                })),
                ..Default::default()
            })?;
            Ok(Replayed { value: hold, is_retry: false })
        })
    }

    pub fn get_hold(&self, id: &str) -> Result<Hold> {
        sales::get_hold(&self.conn, id)?.ok_or_else(|| Error::not_found("hold", id))
    }

    pub fn active_holds(&self, event_id: &str) -> Result<Vec<Hold>> {
        sales::active_holds(&self.conn, event_id)
    }

    /// The clerk lets a hold go: its seats go back on sale.
    pub fn release(&self, hold_id: &str) -> Result<Hold> {
        self.write(|tx| {
            let hold = sales::get_hold(tx, hold_id)?.ok_or_else(|| Error::not_found("hold", hold_id))?;
            if hold.status != HoldStatus::Active {
                return Err(Error::refused(format!("cannot release: {}", hold.status.refusal())));
            }
            if let Some(b) = sales::booking_for_hold(tx, hold_id)?
                && b.status == BookingStatus::PaymentPending
            {
                return Err(Error::refused(format!(
                    "cannot release: booking {} is awaiting payment; cancel the booking instead",
                    crate::ids::short(&b.id)
                )));
            }
            end_hold(tx, &hold, HoldStatus::Released, "HOLD_RELEASED", None)?;
            Ok(Hold { status: HoldStatus::Released, ..hold })
        })
    }

    // ---- bookings ---------------------------------------------------------

    /// Turns an ACTIVE hold into a PAYMENT_PENDING booking. One booking per
    /// hold: asking again returns the same booking, audited as a retry.
    pub fn book(&self, hold_id: &str, customer_id: &str, idempotency_key: Option<&str>) -> Result<Replayed<Booking>> {
        let key = clean_key(idempotency_key)?;
        self.write(|tx| {
            let existing = match key {
                Some(key) => replay_id(tx, "book", key)?,
                None => None,
            };
            let existing = match existing {
                Some(id) => sales::get_booking(tx, &id)?,
                None => sales::booking_for_hold(tx, hold_id)?,
            };
            if let Some(b) = existing {
                if b.hold_id != hold_id {
                    return Err(Error::refused("that idempotency key was used for another hold's booking"));
                }
                if b.customer_id != customer_id {
                    return Err(Error::refused(format!(
                        "this hold is already booked (booking {}) for another customer; one booking per hold",
                        crate::ids::short(&b.id)
                    )));
                }
                tx.audit(NewAudit {
                    action: "BOOKING_RETRY",
                    entity: "booking",
                    entity_id: &b.id,
                    event_id: Some(&b.event_id),
                    hold_id: Some(&b.hold_id),
                    booking_id: Some(&b.id),
                    correlation_id: Some(&b.correlation_id),
                    is_retry: true,
                    original_attempt_id: Some(&b.id),
                    details: Some(json!({"idempotency_key": key})),
                    ..Default::default()
                })?;
                return Ok(Replayed { value: b, is_retry: true });
            }
            let hold = sales::get_hold_without_labels(tx, hold_id)?.ok_or_else(|| Error::not_found("hold", hold_id))?;
            if hold.status != HoldStatus::Active {
                return Err(Error::refused(format!("cannot book: {}", hold.status.refusal())));
            }
            if hold.expires_at <= tx.now {
                return Err(Error::refused(format!(
                    "cannot book: the hold expired at {}; hold the seats again",
                    hold.expires_at.format("%H:%M:%S UTC")
                )));
            }
            let customer =
                catalog::get_customer(tx, customer_id)?.ok_or_else(|| Error::not_found("customer", customer_id))?;
            let event =
                catalog::get_event(tx, &hold.event_id)?.ok_or_else(|| Error::not_found("event", &hold.event_id))?;
            let amount = event
                .price
                .checked_mul(i64::from(hold.seats))
                .ok_or_else(|| Error::refused("the amount is too large to charge"))?;
            let booking = Booking {
                id: tx.id(),
                hold_id: hold.id.clone(),
                event_id: event.id.clone(),
                customer_id: customer.id.clone(),
                seats: hold.seats,
                amount,
                currency: event.currency.clone(),
                status: BookingStatus::PaymentPending,
                correlation_id: hold.correlation_id.clone(),
                created_at: tx.now,
                payment_expires_at: tx.now + tx.ctx.config.payment_window,
                updated_at: tx.now,
            };
            sales::insert_booking(tx, &booking)?;
            if let Some(key) = key {
                sales::remember(tx, "book", key, &booking.id, tx.now_ms())?;
            }
            tx.audit(NewAudit {
                action: "BOOKING_CREATED",
                entity: "booking",
                entity_id: &booking.id,
                event_id: Some(&booking.event_id),
                hold_id: Some(&hold.id),
                booking_id: Some(&booking.id),
                to_status: Some(BookingStatus::PaymentPending.as_str()),
                correlation_id: Some(&booking.correlation_id),
                details: Some(json!({
                    "customer_id": customer.id, "seats": booking.seats, "amount": amount,
                    "payment_expires_at": booking.payment_expires_at.to_rfc3339(), "idempotency_key": key,
                })),
                ..Default::default()
            })?;
            Ok(Replayed { value: booking, is_retry: false })
        })
    }

    pub fn get_booking(&self, id: &str) -> Result<Booking> {
        sales::get_booking(&self.conn, id)?.ok_or_else(|| Error::not_found("booking", id))
    }

    pub fn booking_for_hold(&self, hold_id: &str) -> Result<Option<Booking>> {
        sales::booking_for_hold(&self.conn, hold_id)
    }

    /// Bookings with their customer's and event's names, newest first.
    pub fn bookings(&self, filter: &BookingFilter) -> Result<Vec<(Booking, String, String)>> {
        sales::list_bookings(&self.conn, filter)
    }

    pub fn attempts(&self, booking_id: &str) -> Result<Vec<PaymentAttempt>> {
        sales::attempts_for(&self.conn, booking_id)
    }

    pub fn refund(&self, booking_id: &str) -> Result<Option<Refund>> {
        sales::refund_for(&self.conn, booking_id)
    }

    // ---- payment ----------------------------------------------------------

    /// Records a payment attempt with the simulator's outcome. The same key
    /// again returns the stored result, changes nothing, and is audited as a retry.
    pub fn pay(
        &self,
        booking_id: &str,
        outcome: PaymentOutcome,
        idempotency_key: &str,
        amount: Option<i64>,
    ) -> Result<Payment> {
        let key = clean_key(Some(idempotency_key))?
            .ok_or_else(|| Invalid::new("idempotency key", "is required for a payment"))?;
        self.write(|tx| {
            if let Some(original) = stored_attempt(tx, key)? {
                if original.booking_id != booking_id {
                    return Err(Error::refused("that idempotency key was used to pay another booking"));
                }
                let booking =
                    sales::get_booking(tx, booking_id)?.ok_or_else(|| Error::not_found("booking", booking_id))?;
                tx.audit(NewAudit {
                    action: "PAYMENT_RETRY",
                    entity: "payment",
                    entity_id: &original.id,
                    event_id: Some(&booking.event_id),
                    hold_id: Some(&booking.hold_id),
                    booking_id: Some(&booking.id),
                    to_status: Some(original.outcome.as_str()),
                    correlation_id: Some(&booking.correlation_id),
                    is_retry: true,
                    original_attempt_id: Some(&original.id),
                    details: Some(json!({"idempotency_key": key, "requested_outcome": outcome.as_str()})),
                    ..Default::default()
                })?;
                let refund = sales::refund_for(tx, booking_id)?;
                return Ok(Payment { attempt: original, booking, refund, is_retry: true });
            }
            let booking = sales::get_booking(tx, booking_id)?.ok_or_else(|| Error::not_found("booking", booking_id))?;
            let to = booking
                .status
                .on(BookingEvent::Pay(outcome))
                .map_err(|why| Error::refused(format!("cannot pay: {why}")))?;
            if booking.payment_expires_at <= tx.now {
                return Err(Error::refused(format!(
                    "cannot pay: the payment window closed at {}; the booking is expiring",
                    booking.payment_expires_at.format("%H:%M:%S UTC")
                )));
            }
            if let Some(given) = amount
                && given != booking.amount
            {
                return Err(Invalid::new(
                    "amount",
                    format!("{given} does not match seats × price = {} (minor units)", booking.amount),
                )
                .into());
            }
            let id = tx.id();
            let attempt = PaymentAttempt {
                transaction_id: (outcome == PaymentOutcome::Success).then(|| format!("txn_{}", id.replace('-', ""))),
                id,
                booking_id: booking.id.clone(),
                idempotency_key: key.to_string(),
                outcome,
                amount: booking.amount,
                created_at: tx.now,
            };
            sales::insert_attempt(tx, &attempt)?;
            sales::remember(tx, "pay", key, &attempt.id, tx.now_ms())?;
            tx.audit(NewAudit {
                action: "PAYMENT_ATTEMPT",
                entity: "payment",
                entity_id: &attempt.id,
                event_id: Some(&booking.event_id),
                hold_id: Some(&booking.hold_id),
                booking_id: Some(&booking.id),
                to_status: Some(outcome.as_str()),
                correlation_id: Some(&booking.correlation_id),
                details: Some(json!({"idempotency_key": key, "amount": attempt.amount})),
                ..Default::default()
            })?;
            let mut refund = None;
            if to != booking.status {
                let hold = sales::get_hold_without_labels(tx, &booking.hold_id)?
                    .ok_or_else(|| Error::not_found("hold", &booking.hold_id))?;
                move_booking(tx, &booking, to, "PAYMENT")?;
                match outcome {
                    PaymentOutcome::Success => {
                        set_hold(tx, &hold, HoldStatus::Consumed, "HOLD_CONSUMED", Some(&booking.id))?;
                    }
                    PaymentOutcome::Failure => {
                        end_hold(tx, &hold, HoldStatus::Released, "HOLD_RELEASED", Some(&booking.id))?;
                        refund = Some(start_refund(tx, &booking, RefundKind::Full, 100)?);
                    }
                    PaymentOutcome::Timeout => {}
                }
            }
            Ok(Payment {
                attempt,
                booking: Booking { status: to, updated_at: tx.now, ..booking },
                refund,
                is_retry: false,
            })
        })
    }

    /// What cancelling would refund now, without doing it (for the y/n prompt).
    pub fn cancel_preview(&self, booking: &Booking) -> Option<RefundSplit> {
        (booking.status == BookingStatus::Confirmed)
            .then(|| refund_split(booking.amount, self.ctx.config.refund_percent))
    }

    /// The clerk cancels: a pending booking gives its seats back with no
    /// refund; a confirmed one gives them back with a partial refund by policy.
    pub fn cancel(&self, booking_id: &str) -> Result<Cancellation> {
        self.cancel_seen(booking_id, None)
    }

    /// Cancels only if the booking is still in the state the clerk saw (and
    /// agreed a refund for); if another terminal moved it meanwhile, refuses.
    pub fn cancel_seen(&self, booking_id: &str, seen: Option<BookingStatus>) -> Result<Cancellation> {
        self.write(|tx| {
            let booking = sales::get_booking(tx, booking_id)?.ok_or_else(|| Error::not_found("booking", booking_id))?;
            if let Some(seen) = seen.filter(|s| *s != booking.status) {
                return Err(Error::refused(format!(
                    "the booking changed from {seen} to {} meanwhile; look at the refund again before cancelling",
                    booking.status
                )));
            }
            let to = booking
                .status
                .on(BookingEvent::Cancel)
                .map_err(|why| Error::refused(format!("cannot cancel: {why}")))?;
            let hold = sales::get_hold_without_labels(tx, &booking.hold_id)?
                .ok_or_else(|| Error::not_found("hold", &booking.hold_id))?;
            move_booking(tx, &booking, to, "BOOKING_CANCELLED")?;
            let refund = if booking.status == BookingStatus::Confirmed {
                give_back_seats(tx, &hold)?;
                Some(start_refund(tx, &booking, RefundKind::Partial, tx.ctx.config.refund_percent)?)
            } else {
                end_hold(tx, &hold, HoldStatus::Released, "HOLD_RELEASED", Some(&booking.id))?;
                None
            };
            Ok(Cancellation { booking: Booking { status: to, updated_at: tx.now, ..booking }, refund })
        })
    }

    // ---- sweeps (the tick thread's work) -----------------------------------

    /// Expires, at the clock's now, every hold and unpaid booking whose deadline
    /// has passed.
    pub fn expire_due(&self) -> Result<Swept> {
        let bookings = self.expire_bookings()?;
        Ok(Swept { bookings, holds: self.expire_holds()? })
    }

    /// PAYMENT_PENDING bookings past their payment deadline → EXPIRED, and
    /// their holds with them; seats back to the pool. Batches of 200, each one
    /// transaction, so a long backlog never holds the write lock for long.
    pub fn expire_bookings(&self) -> Result<usize> {
        self.in_batches(|tx| {
            let due = sales::due_bookings(tx, tx.now_ms(), BATCH)?;
            for b in &due {
                let hold = sales::get_hold_without_labels(tx, &b.hold_id)?
                    .ok_or_else(|| Error::not_found("hold", &b.hold_id))?;
                move_booking(tx, b, BookingStatus::Expired, "BOOKING_EXPIRED")?;
                end_hold(tx, &hold, HoldStatus::Expired, "HOLD_EXPIRED", Some(&b.id))?;
            }
            Ok(due.len())
        })
    }

    /// ACTIVE holds past their deadline with no booking awaiting payment → EXPIRED.
    pub fn expire_holds(&self) -> Result<usize> {
        self.in_batches(|tx| {
            let due = sales::due_holds(tx, tx.now_ms(), BATCH)?;
            for h in &due {
                end_hold(tx, h, HoldStatus::Expired, "HOLD_EXPIRED", None)?;
            }
            Ok(due.len())
        })
    }

    fn in_batches(&self, mut f: impl FnMut(&Tx<'_>) -> Result<usize>) -> Result<usize> {
        let mut total = 0;
        loop {
            let n = self.write(&mut f)?;
            total += n;
            if n < BATCH {
                return Ok(total);
            }
        }
    }

    pub fn bookings_due(&self) -> Result<bool> {
        Ok(!sales::due_bookings(&self.conn, to_millis(self.now()), 1)?.is_empty())
    }

    pub fn holds_due(&self) -> Result<bool> {
        Ok(!sales::due_holds(&self.conn, to_millis(self.now()), 1)?.is_empty())
    }

    pub fn refunds_due(&self) -> Result<bool> {
        Ok(!sales::initiated_refunds(&self.conn, 1)?.is_empty())
    }

    /// Completes INITIATED refunds (the simulated gateway always pays out).
    pub fn process_refunds(&self) -> Result<usize> {
        self.write(|tx| {
            let refunds = sales::initiated_refunds(tx, 500)?;
            for r in &refunds {
                let txn = format!("rfd_{}", tx.id().replace('-', ""));
                sales::complete_refund(tx, &r.id, &txn, tx.now_ms())?;
                let b = sales::get_booking(tx, &r.booking_id)?;
                tx.audit(NewAudit {
                    action: "REFUND_PROCESSED",
                    entity: "refund",
                    entity_id: &r.id,
                    event_id: b.as_ref().map(|b| b.event_id.as_str()),
                    booking_id: Some(&r.booking_id),
                    from_status: Some(RefundStatus::Initiated.as_str()),
                    to_status: Some(RefundStatus::Processed.as_str()),
                    correlation_id: b.as_ref().map(|b| b.correlation_id.as_str()),
                    details: Some(json!({"amount": r.amount, "transaction_id": txn})),
                    ..Default::default()
                })?;
            }
            Ok(refunds.len())
        })
    }

    /// Heals what a crash could leave behind; each fix is audited. Returns the
    /// number of fixes.
    pub fn recover(&self) -> Result<usize> {
        self.write(|tx| {
            let mut fixes = 0;
            // Seat labels still marked live whose owner is gone.
            let orphans: Vec<(String, String, String)> = {
                let mut stmt = tx.prepare_cached(crate::store::checks::ORPHAN_SEATS)?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for (hold_id, event_id, label) in orphans {
                tx.prepare_cached("UPDATE hold_seats SET live = 0 WHERE hold_id = ?1 AND label = ?2")?
                    .execute([&hold_id, &label])?;
                tx.audit(NewAudit {
                    action: "RECOVERY_FREED_SEAT",
                    entity: "hold",
                    entity_id: &hold_id,
                    event_id: Some(&event_id),
                    hold_id: Some(&hold_id),
                    details: Some(json!({"label": label})),
                    ..Default::default()
                })?;
                fixes += 1;
            }
            // Free-pool counts that drifted from what holds and bookings own.
            for (event_id, available, expected) in crate::store::checks::drift(tx)? {
                catalog::set_available(tx, &event_id, expected)?;
                tx.audit(NewAudit {
                    action: "RECOVERY_HEALED_AVAILABLE",
                    entity: "event",
                    entity_id: &event_id,
                    event_id: Some(&event_id),
                    details: Some(json!({"was": available, "now": expected})),
                    ..Default::default()
                })?;
                fixes += 1;
            }
            Ok(fixes)
        })
    }

    /// Every broken invariant of DESIGN.md, in words; empty when all hold.
    pub fn verify(&self) -> Result<Vec<Violation>> {
        crate::store::checks::verify(&self.conn)
    }

    pub fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
        audit::list(&self.conn, filter)
    }

    /// The audit screen's filter: one field (or any) matching `text`.
    pub fn audit_search(&self, field: audit::AuditField, text: &str, limit: usize) -> Result<Vec<AuditRow>> {
        audit::search(&self.conn, field, text, limit)
    }

    /// The booking summary and health metrics at the clock's now (see `report`).
    /// Refuses an unknown event, an empty date range or a window outside 1..=8784 hours.
    pub fn report(&self, filter: &crate::report::ReportFilter) -> Result<crate::report::Report> {
        if filter.hours == 0 || filter.hours > crate::report::MAX_HOURS {
            return Err(Invalid::new(
                "hours",
                format!("must be 1 to {} (got {})", crate::report::MAX_HOURS, filter.hours),
            )
            .into());
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from >= to
        {
            return Err(Invalid::new(
                "dates",
                format!("--from {} is not before --to {}", from.to_rfc3339(), to.to_rfc3339()),
            )
            .into());
        }
        if let Some(id) = &filter.event_id {
            self.event(id)?;
        }
        store::reports::report(&self.conn, filter, self.now())
    }

    /// A bookings-level `PRAGMA data_version`: changes when another connection commits.
    pub fn data_version(&self) -> Result<i64> {
        store::data_version(&self.conn)
    }

    /// Runs `f` inside one IMMEDIATE transaction with this desk's context; for
    /// the jobs module's bookkeeping.
    pub(crate) fn write_raw<T>(&self, f: impl FnOnce(&Connection, &str, DateTime<Utc>) -> Result<T>) -> Result<T> {
        self.write(|tx| f(tx, tx.actor, tx.now))
    }
}

// ---- helpers shared by the operations -----------------------------------------

fn clean_key(key: Option<&str>) -> Result<Option<&str>> {
    match key.map(str::trim) {
        None | Some("") => Ok(None),
        Some(k) if k.len() > 200 => Err(Invalid::new("idempotency key", "must be at most 200 characters").into()),
        Some(k) => Ok(Some(k)),
    }
}

/// The entity a key already made in `scope`; refuses a key made in another scope.
fn replay_id(tx: &Tx<'_>, scope: &str, key: &str) -> Result<Option<String>> {
    if let Some(id) = sales::idempotent(tx, scope, key)? {
        return Ok(Some(id));
    }
    match sales::idempotency_scope(tx, key)? {
        Some(other) => Err(Error::refused(format!("that idempotency key was already used for a {other}"))),
        None => Ok(None),
    }
}

/// A payment attempt is found by its key for ever (the key is unique on the
/// attempts table), even after the 24 h idempotency record is pruned.
fn stored_attempt(tx: &Tx<'_>, key: &str) -> Result<Option<PaymentAttempt>> {
    use rusqlite::OptionalExtension;
    let id: Option<String> = tx
        .prepare_cached("SELECT id FROM payment_attempts WHERE idempotency_key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => sales::get_attempt(tx, &id),
        None => match sales::idempotency_scope(tx, key)? {
            Some(other) if other != "pay" => {
                Err(Error::refused(format!("that idempotency key was already used for a {other}")))
            }
            _ => Ok(None),
        },
    }
}

pub(crate) fn seat_map(conn: &Connection, event: &Event) -> Result<Option<SeatMap>> {
    let EventKind::Reserved { rows, seats_per_row } = event.kind else {
        return Ok(None);
    };
    let mut grid = vec![vec![SeatState::Free; seats_per_row as usize]; rows as usize];
    for (label, state) in sales::seat_owners(conn, &event.id)? {
        if let Ok((r, s)) = parse_seat_label(&label, rows, seats_per_row) {
            grid[r as usize][s as usize - 1] = state;
        }
    }
    Ok(Some(SeatMap { rows: grid }))
}

/// The labels a hold will own (empty for general admission).
fn pick_labels(tx: &Tx<'_>, event: &Event, pick: &SeatPick) -> Result<Vec<String>> {
    let EventKind::Reserved { rows, seats_per_row } = event.kind else {
        return match pick {
            SeatPick::Count(_) => Ok(Vec::new()),
            SeatPick::Labels(_) => {
                Err(Error::refused(format!("'{}' is general admission; ask for a number of seats", event.name)))
            }
        };
    };
    let map = seat_map(tx, event)?.unwrap_or(SeatMap { rows: Vec::new() });
    match pick {
        SeatPick::Count(n) => {
            let n = usize::try_from(*n).unwrap_or(usize::MAX);
            let free = event.available as usize;
            let seats = best_available(&map.free_grid(), n)
                .ok_or(Error::NotEnoughSeats { requested: n.min(u32::MAX as usize) as u32, available: free as u32 })?;
            Ok(seats.into_iter().map(|(r, s)| seat_label(r, s)).collect())
        }
        SeatPick::Labels(labels) => {
            let mut out: Vec<String> = Vec::with_capacity(labels.len());
            for l in labels {
                let (r, s) = parse_seat_label(l, rows, seats_per_row)?;
                let label = seat_label(r, s);
                if out.contains(&label) {
                    return Err(Invalid::new("seat", format!("{label} is listed twice")).into());
                }
                if map.rows[r as usize][s as usize - 1] != SeatState::Free {
                    return Err(Error::SeatTaken(label));
                }
                out.push(label);
            }
            Ok(out)
        }
    }
}

/// A unique-index failure on seat labels means another terminal took one.
fn taken_or(e: Error, labels: &[String]) -> Error {
    match e {
        Error::Db(ref inner) if inner.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
            Error::SeatTaken(labels.join(", "))
        }
        other => other,
    }
}

/// Moves a hold's state and audits it.
fn set_hold(tx: &Tx<'_>, hold: &Hold, to: HoldStatus, action: &str, booking_id: Option<&str>) -> Result<()> {
    if !hold.status.can_become(to) || !sales::set_hold_status(tx, &hold.id, hold.status, to, tx.now_ms())? {
        return Err(Error::refused(format!("hold {} is {}, not ACTIVE", crate::ids::short(&hold.id), hold.status)));
    }
    tx.audit(NewAudit {
        action,
        entity: "hold",
        entity_id: &hold.id,
        event_id: Some(&hold.event_id),
        hold_id: Some(&hold.id),
        booking_id,
        from_status: Some(hold.status.as_str()),
        to_status: Some(to.as_str()),
        correlation_id: Some(&hold.correlation_id),
        details: Some(json!({"seats": hold.seats})),
        ..Default::default()
    })
}

/// Ends a hold (released or expired) and puts its seats back in the pool.
fn end_hold(tx: &Tx<'_>, hold: &Hold, to: HoldStatus, action: &str, booking_id: Option<&str>) -> Result<()> {
    set_hold(tx, hold, to, action, booking_id)?;
    give_back_seats(tx, hold)
}

fn give_back_seats(tx: &Tx<'_>, hold: &Hold) -> Result<()> {
    sales::free_hold_seats(tx, &hold.id)?;
    if !catalog::adjust_available(tx, &hold.event_id, i64::from(hold.seats))? {
        return Err(Error::Storage(format!(
            "returning {} seats would overfill event {}; run `boxoffice verify`",
            hold.seats, hold.event_id
        )));
    }
    Ok(())
}

/// Moves a booking's state (the caller has checked the state machine) and audits it.
fn move_booking(tx: &Tx<'_>, b: &Booking, to: BookingStatus, action: &str) -> Result<()> {
    if !sales::set_booking_status(tx, &b.id, b.status, to, tx.now_ms())? {
        return Err(Error::refused(format!("booking {} changed meanwhile; try again", crate::ids::short(&b.id))));
    }
    let action = match (action, to) {
        ("PAYMENT", BookingStatus::Confirmed) => "BOOKING_CONFIRMED",
        ("PAYMENT", BookingStatus::PaymentFailed) => "BOOKING_PAYMENT_FAILED",
        (a, _) => a,
    };
    tx.audit(NewAudit {
        action,
        entity: "booking",
        entity_id: &b.id,
        event_id: Some(&b.event_id),
        hold_id: Some(&b.hold_id),
        booking_id: Some(&b.id),
        from_status: Some(b.status.as_str()),
        to_status: Some(to.as_str()),
        correlation_id: Some(&b.correlation_id),
        details: Some(json!({"seats": b.seats, "amount": b.amount})),
        ..Default::default()
    })
}

fn start_refund(tx: &Tx<'_>, b: &Booking, kind: RefundKind, percent: u8) -> Result<Refund> {
    let split = refund_split(b.amount, percent);
    let refund = Refund {
        id: tx.id(),
        booking_id: b.id.clone(),
        kind,
        original_amount: b.amount,
        percent: percent.min(100),
        amount: split.refund,
        fee: split.fee,
        status: RefundStatus::Initiated,
        transaction_id: None,
        created_at: tx.now,
        completed_at: None,
    };
    sales::insert_refund(tx, &refund)?;
    tx.audit(NewAudit {
        action: "REFUND_INITIATED",
        entity: "refund",
        entity_id: &refund.id,
        event_id: Some(&b.event_id),
        hold_id: Some(&b.hold_id),
        booking_id: Some(&b.id),
        to_status: Some(RefundStatus::Initiated.as_str()),
        correlation_id: Some(&b.correlation_id),
        details: Some(json!({"kind": kind.as_str(), "amount": split.refund, "fee": split.fee, "percent": percent})),
        ..Default::default()
    })?;
    Ok(refund)
}
