//! The demo events a new, empty database gets on first run (`assets/demo-events.json`).
//! Names are fixed so scripts can rely on them; dates are relative to the clock.

use crate::domain::{EventKind, NewCustomer, NewEvent, PaymentOutcome};
use crate::engine::{Desk, HoldRequest, SeatPick};
use crate::error::{Error, Result};
use crate::store::{audit, catalog};
use chrono::{Duration, NaiveTime};
use serde::Deserialize;

const DEMO: &str = include_str!("../assets/demo-events.json");

#[derive(Deserialize)]
struct DemoEvent {
    name: String,
    description: String,
    days_from_now: i64,
    time: String,
    kind: String,
    rows: Option<u32>,
    seats_per_row: Option<u32>,
    capacity: Option<u32>,
    price: i64,
    #[serde(default)]
    sold_out: bool,
}

/// Seeds the demo events if the database has never had any. Returns whether it did.
/// Safe when several processes open a new file at once: the first to take the
/// write lock seeds it, the others then see the mark and the events.
pub fn seed_if_empty(desk: &Desk) -> Result<bool> {
    // Most opens find the file seeded: a read says so without taking the write lock.
    if catalog::count_events(desk.conn())? > 0 || audit::meta_get(desk.conn(), "demo_seeded")?.is_some() {
        return Ok(false);
    }
    // One transaction: another process opening the file meanwhile sees either
    // no demo at all or all of it, and a crash leaves nothing half-seeded.
    desk.atomically(|| {
        let unseeded = desk.write_raw(|conn, _, _| {
            if catalog::count_events(conn)? > 0 || audit::meta_get(conn, "demo_seeded")?.is_some() {
                return Ok(false);
            }
            audit::meta_set(conn, "demo_seeded", "1")?;
            Ok(true)
        })?;
        if unseeded {
            seed(desk)?;
        }
        Ok(unseeded)
    })
}

/// Marks the database as not wanting demo events (`--no-demo`).
pub fn decline(desk: &Desk) -> Result<()> {
    desk.write_raw(|conn, _, _| {
        if audit::meta_get(conn, "demo_seeded")?.is_none() {
            audit::meta_set(conn, "demo_seeded", "declined")?;
        }
        Ok(())
    })
}

fn seed(desk: &Desk) -> Result<()> {
    let events: Vec<DemoEvent> =
        serde_json::from_str(DEMO).map_err(|e| Error::Storage(format!("assets/demo-events.json is broken: {e}")))?;
    let today = desk.now().date_naive();
    for d in events {
        let time = NaiveTime::parse_from_str(&d.time, "%H:%M")
            .map_err(|e| Error::Storage(format!("demo event '{}' has a bad time: {e}", d.name)))?;
        let starts_at = (today + Duration::days(d.days_from_now)).and_time(time).and_utc();
        let kind = match d.kind.as_str() {
            "RESERVED" => {
                EventKind::Reserved { rows: d.rows.unwrap_or(10), seats_per_row: d.seats_per_row.unwrap_or(20) }
            }
            _ => EventKind::GeneralAdmission { capacity: d.capacity.unwrap_or(100) },
        };
        let event = desk.create_event(NewEvent {
            name: d.name,
            description: d.description,
            starts_at,
            kind,
            price: d.price,
            currency: desk.ctx().config.currency.clone(),
        })?;
        if d.sold_out {
            sell_out(desk, &event.id, event.total)?;
        }
    }
    Ok(())
}

/// Sells every seat through the real operations, so the books balance.
fn sell_out(desk: &Desk, event_id: &str, seats: u32) -> Result<()> {
    let customer = desk.customer(NewCustomer {
        name: "Demo Group Booking".into(),
        email: Some("groups@boxoffice.example".into()),
        phone: None,
    })?;
    let hold = desk.hold(HoldRequest {
        event_id: event_id.to_string(),
        pick: SeatPick::Count(i64::from(seats)),
        idempotency_key: None,
        correlation_id: None,
    })?;
    let booking = desk.book(&hold.value.id, &customer.value.id, None)?;
    desk.pay(&booking.value.id, PaymentOutcome::Success, &format!("demo-{}", booking.value.id), None)?;
    Ok(())
}
