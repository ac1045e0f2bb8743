//! The demo events a new, empty database gets on first run (`assets/demo-events.json`),
//! and the demo supervisor who makes them (name and PIN shown on the sign-in
//! screen). Names are fixed so scripts can rely on them; dates are relative to the clock,
//! times (`19:30`) are the venue's local time in its zone.
//!
//! The app's first run on a new file also makes it the demo venue: a theatre
//! in India (`Asia/Kolkata`), so Hamlet is at 19:30 in Kolkata whatever the
//! terminal's `TZ`. The script runner's in-memory demo sets no venue: its
//! zone is the default, UTC, so scripts read `Mon 08 Jun 19:30` anywhere.

use crate::domain::settings::local_instant;
use crate::domain::ticket::STANDARD;
use crate::domain::{EventKind, NewCustomer, NewEvent, NewTicketType, PaymentOutcome, SettingKey};
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
    /// Ticket types in display order; the first costs `price` (so a plain
    /// booking costs what it always did). None: one Standard type.
    #[serde(default)]
    types: Vec<DemoType>,
}

#[derive(Deserialize)]
struct DemoType {
    name: String,
    price: i64,
    limit: Option<u32>,
}

impl DemoEvent {
    fn ticket_types(&self) -> Result<Vec<NewTicketType>> {
        if self.types.is_empty() {
            return Ok(vec![NewTicketType::new(STANDARD, self.price)]);
        }
        if self.types[0].price != self.price {
            return Err(Error::Storage(format!(
                "demo event '{}': its first ticket type must cost its price, {}",
                self.name, self.price
            )));
        }
        Ok(self.types.iter().map(|t| NewTicketType { name: t.name.clone(), price: t.price, limit: t.limit }).collect())
    }
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
    // A file that already has clerks is a venue's, not a demo: no demo for it.
    if catalog::count_events(desk.db())? > 0
        || audit::meta_get(desk.db(), "demo_seeded")?.is_some()
        || !desk.needs_first_supervisor()?
    {
        return Ok(false);
    }
    // One transaction: another process opening the file meanwhile sees either
    // no demo at all or all of it, and a crash leaves nothing half-seeded.
    desk.atomically(|| {
        let unseeded = desk.write_raw(|conn, _, _| {
            if catalog::count_events(conn)? > 0
                || audit::meta_get(conn, "demo_seeded")?.is_some()
                || crate::store::staff::clerks_with_pins(conn)? > 0
            {
                return Ok(false);
            }
            audit::meta_set(conn, "demo_seeded", "1")?;
            Ok(true)
        })?;
        if unseeded {
            // The demo supervisor makes the demo (events and settings are a
            // supervisor's); the desk is handed back to whoever it was before.
            let before = desk.clerk();
            desk.act_as(Some(desk.add_demo_supervisor()?));
            let seeded = (|| {
                desk.add_demo_clerk()?;
                if venue {
                    for (key, value) in DEMO_VENUE {
                        desk.set_setting_if_unset(key, value)?;
                    }
                }
                seed(desk)
            })();
            desk.act_as(before);
            seeded?;
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
        let types = d.ticket_types()?;
        let event = desk.create_event_with_types(
            NewEvent {
                name: d.name,
                description: d.description,
                starts_at,
                kind,
                price: d.price,
                currency: venue.currency.clone(),
            },
            types,
        )?;
        if d.sold_out {
            sell_out(desk, &event.id, event.total)?;
        }
    }
    // The sold-out show's card payment opened the demo supervisor's shift:
    // it is closed (no cash in it), so the demo's first sale opens a fresh one.
    if let Some(shift) = desk.current_shift()? {
        desk.close_shift(&shift.id, 0)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Config, Context};

    #[test]
    fn the_demo_sells_types_whose_first_costs_what_the_event_always_did() {
        let events: Vec<DemoEvent> = serde_json::from_str(DEMO).expect("demo json");
        for d in &events {
            assert_eq!(d.ticket_types().expect("types")[0].price, d.price, "{}", d.name);
        }
        let (ctx, _) = Context::manual("2026-06-01T09:00:00Z".parse().expect("time"), 0, Config::default());
        let desk = Desk::in_memory(ctx, "clerk:test").expect("desk");
        assert!(seed_if_empty(&desk).expect("seed"));
        let theatre = desk.events("Hamlet", 1).expect("events").remove(0);
        let types: Vec<_> =
            desk.ticket_types(&theatre.id).expect("types").into_iter().map(|t| (t.name, t.price, t.limit)).collect();
        assert_eq!(
            types,
            [
                ("Adult".into(), 50_000, None),
                ("Child".into(), 25_000, None),
                ("Concession".into(), 35_000, None),
                ("Complimentary".into(), 0, Some(10))
            ]
        );
        assert_eq!(theatre.price, 50_000);
        let sold_out = desk.events("Sold Out", 1).expect("events").remove(0);
        assert_eq!(desk.door_counts(&sold_out.id).expect("counts").sold, 50, "its group booking has 50 tickets");
        assert_eq!(desk.verify().expect("verify"), Vec::<String>::new());
    }

    #[test]
    fn a_first_type_that_changes_the_price_is_refused() {
        let bad: Vec<DemoEvent> = serde_json::from_str(
            r#"[{"name": "X", "description": "", "days_from_now": 1, "time": "10:00", "kind": "GA", "price": 100,
                 "types": [{"name": "A", "price": 90}]}]"#,
        )
        .expect("json");
        assert!(bad[0].ticket_types().is_err());
    }
}
