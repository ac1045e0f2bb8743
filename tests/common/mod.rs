//! Shared set-up for the integration tests: a desk on a manual clock.
#![allow(dead_code)]

use boxoffice::booking::{Desk, HoldRequest, SeatPick};
use boxoffice::clock::ManualClock;
use boxoffice::domain::{Booking, Customer, Event, EventKind, Hold, NewCustomer, NewEvent};
use boxoffice::{Config, Context};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

pub fn t0() -> DateTime<Utc> {
    "2026-06-01T09:00:00Z".parse().expect("valid instant")
}

pub struct World {
    pub desk: Desk,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
}

impl World {
    /// A fresh file database on a manual clock at `t0()`.
    pub fn new() -> World {
        World::with_config(Config::default())
    }

    pub fn with_config(config: Config) -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let (ctx, clock) = Context::manual(t0(), 1, config);
        let desk = Desk::open(&dir.path().join("test.db"), ctx, "clerk:test").expect("open");
        World { desk, clock, dir }
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("test.db")
    }

    pub fn advance(&self, d: Duration) {
        self.clock.advance(d);
    }

    /// A general-admission event a week after t0.
    pub fn ga(&self, capacity: u32, price: i64) -> Event {
        self.event("Concert", EventKind::GeneralAdmission { capacity }, price)
    }

    pub fn reserved(&self, rows: u32, seats_per_row: u32, price: i64) -> Event {
        self.event("Theatre", EventKind::Reserved { rows, seats_per_row }, price)
    }

    pub fn event(&self, name: &str, kind: EventKind, price: i64) -> Event {
        self.desk
            .create_event(NewEvent {
                name: name.into(),
                description: String::new(),
                starts_at: t0() + Duration::days(7),
                kind,
                price,
                currency: "INR".into(),
            })
            .expect("event")
    }

    pub fn customer(&self) -> Customer {
        self.desk
            .customer(NewCustomer { name: "Jane Doe".into(), email: Some("jane@example.com".into()), phone: None })
            .expect("customer")
            .value
    }

    pub fn hold(&self, event: &Event, n: i64) -> Hold {
        self.desk
            .hold(HoldRequest {
                event_id: event.id.clone(),
                pick: SeatPick::Count(n),
                idempotency_key: None,
                correlation_id: None,
            })
            .expect("hold")
            .value
    }

    pub fn booking(&self, event: &Event, n: i64) -> Booking {
        let hold = self.hold(event, n);
        let c = self.customer();
        self.desk.book(&hold.id, &c.id, None).expect("book").value
    }

    pub fn available(&self, event: &Event) -> u32 {
        self.desk.event(&event.id).expect("event").available
    }

    pub fn assert_verified(&self) {
        let v = self.desk.verify().expect("verify runs");
        assert!(v.is_empty(), "invariants broken: {v:#?}");
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.desk.conn().query_row(sql, [], |r| r.get(0)).expect("count query")
    }
}
