//! An in-memory desk on a manual clock for the capabilities' unit tests, with
//! a reserved theatre (3 rows × 4 seats), a 10-seat general-admission event
//! and a customer, signed in as the supervisor Sue (PIN 1111; PINs hashed
//! cheaply, `PinCost::Fast`).

use super::Desk;
use super::hold::{HoldRequest, SeatPick};
use crate::clock::ManualClock;
use crate::context::{Config, Context, PinCost};
use crate::domain::{AuditAction, AuditRow, Booking, Customer, Event, EventKind, Hold, NewCustomer, NewEvent};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub const START: &str = "2026-06-01T09:00:00Z";

pub struct World {
    pub desk: Desk,
    pub clock: Arc<ManualClock>,
    pub theatre: Event,
    pub ga: Event,
    pub jane: Customer,
}

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("a test time").to_utc()
}

pub fn event(name: &str, kind: EventKind, price: i64) -> NewEvent {
    NewEvent {
        name: name.into(),
        description: String::new(),
        starts_at: at("2026-06-08T19:30:00Z"),
        kind,
        price,
        currency: "INR".into(),
    }
}

pub fn world() -> World {
    let (ctx, clock) = Context::manual(at(START), 7, Config { pin_cost: PinCost::Fast, ..Config::default() });
    let desk = Desk::in_memory(ctx, "clerk:test").expect("desk");
    desk.create_first_supervisor("Sue", "1111").expect("the first supervisor");
    let theatre = desk
        .create_event(event("Theatre", EventKind::Reserved { rows: 3, seats_per_row: 4 }, 50_000))
        .expect("theatre");
    let ga = desk.create_event(event("Gig", EventKind::GeneralAdmission { capacity: 10 }, 20_000)).expect("gig");
    let jane = desk
        .customer(NewCustomer { name: "Jane Doe".into(), email: Some("jane@example.com".into()), phone: None })
        .expect("customer")
        .value;
    World { desk, clock, theatre, ga, jane }
}

/// `n` seats, best available.
pub fn count(n: i64) -> SeatPick {
    SeatPick::Count(n)
}

/// These seat labels.
pub fn seats(labels: &[&str]) -> SeatPick {
    SeatPick::Labels(labels.iter().map(|s| s.to_string()).collect())
}

pub fn request(event: &Event, pick: SeatPick, key: Option<&str>) -> HoldRequest {
    HoldRequest { event_id: event.id.clone(), pick, idempotency_key: key.map(str::to_string), correlation_id: None }
}

impl World {
    /// Adds a clerk (role clerk) with PIN 2222 and signs them in here.
    pub fn as_clerk(&self, name: &str) -> crate::domain::Session {
        if self.desk.clerks().expect("clerks").iter().all(|c| c.name != name) {
            let me = self.desk.clerk();
            self.desk.act_as(Some(self.desk.sign_in("Sue", "1111").expect("sue")));
            self.desk.add_clerk(name, crate::domain::Role::Clerk, "2222").expect("add clerk");
            self.desk.act_as(me);
        }
        self.desk.sign_in(name, "2222").expect("sign in")
    }

    /// Signs Sue (the supervisor) in again.
    pub fn as_supervisor(&self) {
        self.desk.sign_in("Sue", "1111").expect("sue");
    }

    /// A new hold of `pick` on `event`.
    pub fn hold(&self, event: &Event, pick: SeatPick) -> Hold {
        self.desk.hold(request(event, pick, None)).expect("hold").value
    }

    /// A new PAYMENT_PENDING booking of `pick` on `event` for Jane.
    pub fn booked(&self, event: &Event, pick: SeatPick) -> Booking {
        let hold = self.hold(event, pick);
        self.desk.book(&hold.id, &self.jane.id, None).expect("book").value
    }

    /// Every audit row, oldest first.
    pub fn audit(&self) -> Vec<AuditRow> {
        let mut rows =
            self.desk.audit(&crate::domain::AuditFilter { limit: 100_000, ..Default::default() }).expect("audit");
        rows.reverse();
        rows
    }

    /// The audit rows of one action, oldest first.
    pub fn rows_of(&self, action: AuditAction) -> Vec<AuditRow> {
        self.audit().into_iter().filter(|r| r.action == action.as_str()).collect()
    }

    pub fn count(&self, action: AuditAction) -> usize {
        self.rows_of(action).len()
    }

    pub fn available(&self, event: &Event) -> u32 {
        self.desk.event(&event.id).expect("event").available
    }

    pub fn advance_minutes(&self, minutes: i64) {
        self.clock.advance(chrono::Duration::minutes(minutes));
    }

    /// Every invariant holds.
    pub fn verified(&self) {
        assert_eq!(self.desk.verify().expect("verify"), Vec::<String>::new());
    }
}
