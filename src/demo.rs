//! The demo events a new, empty database gets on first run (`assets/demo-events.json`).
//! Names are fixed so scripts can rely on them; dates are relative to the clock,
//! times (`19:30`) are the venue's local time in its zone.
//!
//! The app's first run on a new file also makes it the demo venue: a theatre
//! in India (`Asia/Kolkata`), so Hamlet is at 19:30 in Kolkata whatever the
//! terminal's `TZ`. The script runner's in-memory demo sets no venue: its
//! zone is the default, UTC, so scripts read `Mon 08 Jun 19:30` anywhere.

use crate::domain::settings::local_instant;
use crate::domain::{EventKind, NewCustomer, NewEvent, PaymentOutcome, SettingKey};
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

/// The demo venue's settings, written on the app's first run with the demo.
pub const DEMO_VENUE: [(SettingKey, &str); 3] = [
    (SettingKey::VenueName, "Grand Theatre (demo)"),
    (SettingKey::VenueAddress, "1 Mahatma Gandhi Road, Bengaluru 560001, India"),
    (SettingKey::TimeZone, "Asia/Kolkata"),
];

/// Seeds the demo events, at their local times in the venue's zone as the
/// file has it, if the database has never had any. Returns whether it did.
/// Safe when several processes open a new file at once: the first to take the
/// write lock seeds it, the others then see the mark and the events.
pub fn seed_if_empty(desk: &Desk) -> Result<bool> {
    seed_with(desk, false)
}

/// The app's first run: as [`seed_if_empty`], and a file it seeds becomes the
/// demo venue ([`DEMO_VENUE`], in the same transaction) first.
pub fn seed_venue_if_empty(desk: &Desk) -> Result<bool> {
    seed_with(desk, true)
}

fn seed_with(desk: &Desk, venue: bool) -> Result<bool> {
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
            if venue {
                for (key, value) in DEMO_VENUE {
                    desk.set_setting_if_unset(key, value)?;
                }
            }
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
    let venue = desk.policy()?;
    let today = desk.now().with_timezone(&venue.time_zone).date_naive();
    for d in events {
        let time = NaiveTime::parse_from_str(&d.time, "%H:%M")
            .map_err(|e| Error::Storage(format!("demo event '{}' has a bad time: {e}", d.name)))?;
        let starts_at = local_instant((today + Duration::days(d.days_from_now)).and_time(time), venue.time_zone)
            .map_err(|e| Error::Storage(format!("demo event '{}': {e}", d.name)))?;
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
            currency: venue.currency.clone(),
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
