//! Concurrency: 8 threads (each its own connection) and 4 OS processes race
//! for the last seats of one event. Exactly the capacity is sold, counts never
//! go negative, no SQLITE_BUSY escapes, each seat label has one owner, and
//! `verify` stays clean.

mod common;
use boxoffice::domain::{Event, EventKind, NewCustomer, PaymentOutcome};
use boxoffice::store::{self, Durability};
use boxoffice::{Config, Context, Error};
use boxoffice::{HoldRequest, SeatPick};

use std::collections::HashSet;
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const THREADS: usize = 8;

/// What one racing thread saw.
#[derive(Default)]
struct Tally {
    seats_sold: u64,
    labels_sold: Vec<String>,
    refusals: u64,
    escaped: Vec<String>,
}

fn config() -> Config {
    // NORMAL keeps the test fast; the locking is the same as with FULL.
    Config { durability: Durability::Normal, ..Config::default() }
}

/// One thread's sales: hold (a count or explicit labels) → book → pay, until
/// the event has no free seats and no live holds. Every fifth payment fails,
/// so seats come back and are raced for again.
fn race(target: &common::Target, event: &Event, thread: usize, start: &Barrier) -> Tally {
    // Each clerk's own manual clock at t0 (the event is a week later); seeded
    // ids, distinct per thread.
    let (ctx, _clock) = Context::manual(common::t0(), 100 + thread as u64, config());
    let desk = target.open(ctx, format!("clerk:{thread}")).expect("open");
    desk.sign_in("Sue", "1111").expect("sign in");
    let customer = desk
        .customer(NewCustomer {
            name: format!("Clerk {thread}"),
            email: Some(format!("c{thread}@example.com")),
            phone: None,
        })
        .expect("customer")
        .value;
    let mut tally = Tally::default();
    let deadline = Instant::now() + Duration::from_secs(60);
    start.wait();
    for i in 0.. {
        assert!(
            Instant::now() < deadline,
            "thread {thread} did not finish: {:?}",
            &tally.escaped[..tally.escaped.len().min(3)]
        );
        let now = match desk.event(&event.id) {
            Ok(e) => e,
            Err(e) => {
                tally.escaped.push(format!("read event: {e}"));
                continue;
            }
        };
        assert!(now.available <= now.total, "available out of range: {now:?}");
        if now.available == 0 {
            let (held, _) = store::sales::seats_owned(desk.db(), &event.id).expect("seats owned");
            assert!(held >= 0);
            if held == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
            continue;
        }
        let want = 1 + (i + thread) % 3;
        let pick = match (event.kind, (i + thread) % 3) {
            (EventKind::Reserved { .. }, 0) | (EventKind::Reserved { .. }, 1) => {
                // The first free labels of the map: every thread wants the same ones.
                let map = desk.seat_map(&now).expect("seat map").expect("reserved");
                let free: Vec<String> = map
                    .free_grid()
                    .iter()
                    .enumerate()
                    .flat_map(|(r, row)| {
                        row.iter()
                            .enumerate()
                            .filter(|(_, f)| **f)
                            .map(move |(s, _)| boxoffice::domain::event::seat_label(r as u32, s as u32 + 1))
                    })
                    .take(want)
                    .collect();
                if free.is_empty() {
                    continue;
                }
                SeatPick::Labels(free)
            }
            _ => SeatPick::Count(want.min(now.available as usize) as i64),
        };
        let hold = match desk.hold(HoldRequest {
            event_id: event.id.clone(),
            pick,
            idempotency_key: None,
            correlation_id: None,
        }) {
            Ok(h) => h.value,
            Err(Error::NotEnoughSeats { .. } | Error::SeatTaken(_)) => {
                tally.refusals += 1;
                continue;
            }
            Err(e) => {
                tally.escaped.push(format!("hold: {e:?}"));
                continue;
            }
        };
        let outcome = if i % 5 == 4 { PaymentOutcome::Failure } else { PaymentOutcome::Success };
        let paid = desk
            .book(&hold.id, &customer.id, None)
            .and_then(|b| desk.pay(&b.value.id, outcome, &format!("pay-{}", hold.id), None));
        match paid {
            Ok(_) if outcome == PaymentOutcome::Success => {
                tally.seats_sold += u64::from(hold.seats);
                tally.labels_sold.extend(hold.labels);
            }
            Ok(_) => {}
            Err(e) => {
                tally.escaped.push(format!("book/pay: {e:?}"));
                let _ = desk.release(&hold.id);
            }
        }
    }
    tally
}

fn race_to_sold_out(w: &common::World, event: &Event) -> Vec<Tally> {
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (target, event, start) = (w.target(), event.clone(), start.clone());
            std::thread::spawn(move || race(&target, &event, t, &start))
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("thread panicked")).collect()
}

fn assert_sold_exactly(w: &common::World, event: &Event, tallies: &[Tally]) {
    let escaped: Vec<&String> = tallies.iter().flat_map(|t| &t.escaped).collect();
    assert!(escaped.is_empty(), "errors escaped: {escaped:#?}");
    let total = u64::from(event.total);
    assert_eq!(tallies.iter().map(|t| t.seats_sold).sum::<u64>(), total, "threads sold exactly the capacity");
    let after = w.desk.event(&event.id).unwrap();
    assert_eq!(after.available, 0);
    let (held, sold) = store::sales::seats_owned(w.desk.db(), &event.id).unwrap();
    assert_eq!((held, sold), (0, total as i64));
    let min: i64 = w.count(&format!("SELECT min(available) FROM events WHERE id = '{}'", event.id));
    assert!(min >= 0);
    w.assert_verified();
}

// The two thread races run on a file and on PostgreSQL (`name::sqlite`, `name::postgres`).
crate::on_both_backends! {
#[test]
fn eight_threads_sell_exactly_the_capacity_of_a_ga_event() {
    let w = common::World::with_config(config());
    let event = w.ga(90, 10_000);
    let tallies = race_to_sold_out(&w, &event);
    assert_sold_exactly(&w, &event, &tallies);
}

#[test]
fn one_clerk_on_four_terminals_sells_four_events_at_once_into_one_shift() {
    // Each terminal sells a different event, so no event lock orders them:
    // their first payments race to open the clerk's shift (on PostgreSQL the
    // clerk's row lock makes one open it and the others pay into it).
    let w = common::World::with_config(config());
    let events: Vec<Event> = (0..4).map(|_| w.ga(12, 1_000)).collect();
    let start = Arc::new(Barrier::new(events.len()));
    let handles: Vec<_> = events
        .iter()
        .enumerate()
        .map(|(t, e)| {
            let (target, event, start) = (w.target(), e.clone(), start.clone());
            std::thread::spawn(move || race(&target, &event, t, &start))
        })
        .collect();
    let tallies: Vec<Tally> = handles.into_iter().map(|h| h.join().expect("thread panicked")).collect();
    for (event, tally) in events.iter().zip(&tallies) {
        assert!(tally.escaped.is_empty(), "errors escaped: {:#?}", tally.escaped);
        assert_eq!(tally.seats_sold, 12);
        assert_eq!(store::sales::seats_owned(w.desk.db(), &event.id).unwrap(), (0, 12));
    }
    assert_eq!(w.count("SELECT count(*) FROM shifts WHERE closed_at IS NULL"), 1, "one open shift for Sue");
    w.assert_verified();
}

#[test]
fn eight_threads_sell_each_reserved_seat_once() {
    let w = common::World::with_config(config());
    let event = w.reserved(6, 8, 10_000);
    let tallies = race_to_sold_out(&w, &event);
    assert_sold_exactly(&w, &event, &tallies);
    let labels: Vec<&String> = tallies.iter().flat_map(|t| &t.labels_sold).collect();
    let unique: HashSet<&String> = labels.iter().copied().collect();
    assert_eq!(labels.len(), 48, "every seat label sold");
    assert_eq!(unique.len(), 48, "no seat label sold twice");
    let (live, distinct): (i64, i64) = w
        .desk
        .db()
        .query_one(
            "SELECT count(*), count(DISTINCT label) FROM hold_seats WHERE event_id = ?1 AND live = 1",
            boxoffice::store::db::args![event.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((live, distinct), (48, 48), "each label owned by exactly one live hold");
}
}

// 4 OS processes (the bench's workers), each its own connection, on one file
// or one PostgreSQL database (a fresh one: the bench makes its schema and
// clerks), racing for one event's seats.
crate::on_both_backends! {
#[test]
fn four_processes_sell_out_one_event_with_nothing_oversold() {
    let dir = tempfile::tempdir().unwrap();
    let pg = if common::on_pg() { common::pg::TestDb::new() } else { None };
    let db: std::path::PathBuf = match &pg {
        Some(t) => t.url.clone().into(),
        None => dir.path().join("bench.db"),
    };
    let out = Command::new(env!("CARGO_BIN_EXE_boxoffice-bench"))
        .args(["--processes", "4", "--events", "shared", "--cycles", "100", "--synchronous", "normal", "--json"])
        .arg("--db")
        .arg(&db)
        .current_dir(dir.path())
        .output()
        .expect("run boxoffice-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "bench failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!((v["processes"].as_u64(), v["events"].as_str()), (Some(4), Some("shared")), "{v}");
    assert!(v["total_seats"].as_u64().unwrap() > 0);
    assert_eq!(v["sold"], v["total_seats"], "{v}");
    assert_eq!(v["oversold"], 0, "{v}");
    assert_eq!(v["escaped_errors"], 0, "{v}");
    assert_eq!(v["verify_ok"], true, "{v}");
    assert!(v["sale_cycles_per_s"].as_f64().unwrap() > 0.0, "{v}");
    if pg.is_some() {
        // The server's own durability; no raw floor (it is raw SQLite).
        assert_eq!((v["backend"].as_str(), v["synchronous"].as_str()), (Some("postgres"), Some("server")), "{v}");
        assert!(v["raw_floor_per_s"].is_null(), "{v}");
    } else {
        assert_eq!(v["synchronous"], "NORMAL");
        for key in ["raw_floor_per_s", "ratio"] {
            assert!(v[key].as_f64().unwrap() > 0.0, "{key} in {v}");
        }
    }
    let verify = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .arg("--db")
        .arg(&db)
        .arg("verify")
        .env_remove("BOXOFFICE_DB")
        .output()
        .unwrap();
    assert!(verify.status.success(), "verify: {}", String::from_utf8_lossy(&verify.stdout));
    // The database says it too: one event, every seat sold once, none below zero.
    let rows = match &pg {
        Some(t) => {
            let row = t
                .client()
                .query_one("SELECT count(*), sum(total - available)::bigint, min(available) FROM events", &[])
                .unwrap();
            (row.get::<_, i64>(0), row.get::<_, i64>(1), row.get::<_, i64>(2))
        }
        None => rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT count(*), sum(total - available), min(available) FROM events", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap(),
    };
    assert_eq!(rows, (1, v["total_seats"].as_i64().unwrap(), 0), "{v}");
}
}
