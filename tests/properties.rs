//! A property test: random sequences of sale operations, door scans and clock
//! moves, on a general-admission and a reserved event (two ticket types, one
//! with a limit), never break an invariant. After every step `verify` is empty
//! (tickets per booking, one admission per used ticket, type limits …) and
//! each event's seats add up; a refused step changes nothing and fails with a
//! rule's message, never a database error.

mod common;
use boxoffice::SeatPick;
use boxoffice::domain::{
    BookingStatus, DoorAnswer, Event, NewTicketType, PaymentOutcome, Tender, TicketStatus, TypeCount, cash_change,
};
use boxoffice::{Config, Error};
use chrono::Duration;
use common::World;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

#[derive(Debug, Clone)]
enum Op {
    /// Hold `n` seats of event 0 (GA) or 1 (reserved), maybe with a key from a small pool.
    HoldCount {
        event: usize,
        n: i64,
        key: Option<u8>,
    },
    /// Hold labels (row index, seat number); some fall outside the 3 × 4 hall.
    HoldLabels {
        event: usize,
        seats: Vec<(u8, u8)>,
    },
    Release {
        hold: usize,
    },
    Book {
        hold: usize,
        key: Option<u8>,
    },
    /// Keys come from a small pool, so replays (and keys reused for another booking) happen.
    /// `outcome` 0–2: card (success, failure, timeout); 3: cash, handing
    /// over the amount plus `extra` (refused when that is less); 4: UPI success.
    Pay {
        booking: usize,
        outcome: u8,
        key: u8,
        wrong_amount: bool,
        extra: i64,
    },
    /// Cancel; with `agree`, agreeing to void however many tickets were used at the door.
    Cancel {
        booking: usize,
        agree: bool,
    },
    /// Book a hold of the reserved event as Child (limit 3) tickets for `child` of its seats, the rest Standard.
    BookTypes {
        hold: usize,
        child: u8,
    },
    /// Scan a ticket of a booking at a door (or the code with one character changed).
    Scan {
        booking: usize,
        ticket: u8,
        typo: bool,
    },
    Undo {
        booking: usize,
        ticket: u8,
    },
    Advance {
        seconds: i64,
    },
    Expire,
    Refunds,
    /// Close the clerk's open shift with this much cash counted (the next
    /// payment opens a new one).
    CloseShift {
        counted: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..2usize, prop_oneof![9 => 1..4i64, 1 => -1..1i64], proptest::option::of(0..4u8))
            .prop_map(|(event, n, key)| Op::HoldCount { event, n, key }),
        2 => (0..2usize, proptest::collection::vec((0..4u8, 0..6u8), 1..4))
            .prop_map(|(event, seats)| Op::HoldLabels { event, seats }),
        2 => recent().prop_map(|hold| Op::Release { hold }),
        5 => (recent(), proptest::option::of(0..4u8)).prop_map(|(hold, key)| Op::Book { hold, key }),
        6 => (recent(), 0..5u8, 0..8u8, proptest::bool::weighted(0.1), -2_000..50_000i64)
            .prop_map(|(booking, outcome, key, wrong_amount, extra)| Op::Pay { booking, outcome, key, wrong_amount, extra }),
        1 => (0..200_000i64).prop_map(|counted| Op::CloseShift { counted }),
        2 => (recent(), proptest::bool::ANY).prop_map(|(booking, agree)| Op::Cancel { booking, agree }),
        2 => (recent(), 0..4u8).prop_map(|(hold, child)| Op::BookTypes { hold, child }),
        4 => (recent(), 0..4u8, proptest::bool::weighted(0.15))
            .prop_map(|(booking, ticket, typo)| Op::Scan { booking, ticket, typo }),
        1 => (recent(), 0..4u8).prop_map(|(booking, ticket)| Op::Undo { booking, ticket }),
        2 => prop_oneof![3 => 0..200i64, 1 => 200..900i64].prop_map(|seconds| Op::Advance { seconds }),
        2 => Just(Op::Expire),
        1 => Just(Op::Refunds),
    ]
}

/// The `back`-th newest id (wrapping), so steps mostly act on live sales.
fn nth(ids: &[String], back: usize) -> Option<&str> {
    (!ids.is_empty()).then(|| ids[ids.len() - 1 - back % ids.len()].as_str())
}

fn recent() -> impl Strategy<Value = usize> {
    prop_oneof![6 => Just(0usize), 3 => 1..3usize, 1 => 3..20usize]
}

/// Runs one op; Ok(true) if it succeeded, Ok(false) if it was refused.
fn apply(
    w: &World,
    events: &[Event],
    holds: &mut Vec<String>,
    bookings: &mut Vec<String>,
    customer: &str,
    op: &Op,
) -> bool {
    let result: boxoffice::Result<()> = match op {
        Op::HoldCount { event, n, key } => {
            let key = key.map(|k| format!("h{k}"));
            w.hold_req(&events[*event], SeatPick::Count(*n), key.as_deref()).map(|h| {
                if !holds.contains(&h.id) {
                    holds.push(h.id)
                }
            })
        }
        Op::HoldLabels { event, seats } => {
            let labels = seats.iter().map(|(r, s)| format!("{}{}", char::from(b'A' + r), s)).collect();
            w.hold_req(&events[*event], SeatPick::Labels(labels), None).map(|h| holds.push(h.id))
        }
        Op::Release { hold } => match nth(holds, *hold) {
            Some(id) => w.desk.release(id).map(drop),
            None => return false,
        },
        Op::Book { hold, key } => match nth(holds, *hold) {
            Some(id) => {
                let key = key.map(|k| format!("b{k}"));
                w.desk.book(id, customer, key.as_deref()).map(|b| {
                    assert_eq!(b.value.hold_id, id);
                    if !bookings.contains(&b.value.id) {
                        assert!(!b.is_retry, "a new booking is not a retry");
                        bookings.push(b.value.id)
                    }
                })
            }
            None => return false,
        },
        Op::Pay { booking, outcome, key, wrong_amount, extra } => match nth(bookings, *booking) {
            Some(id) => {
                let before = w.desk.attempts(id).unwrap().len();
                let due = w.desk.get_booking(id).unwrap().amount;
                let paid = match *outcome {
                    o @ 0..=2 => {
                        let outcome =
                            [PaymentOutcome::Success, PaymentOutcome::Failure, PaymentOutcome::Timeout][o as usize];
                        let amount = wrong_amount.then_some(due + 1);
                        w.desk.pay(id, outcome, &format!("p{key}"), amount)
                    }
                    3 => w.desk.pay_with(id, Tender::Cash { tendered: due + extra }, &format!("p{key}")),
                    _ => w.desk.pay_with(id, Tender::Upi(PaymentOutcome::Success), &format!("p{key}")),
                };
                paid.map(|p| {
                    let after = w.desk.attempts(id).unwrap().len();
                    assert_eq!(after, before + usize::from(!p.is_retry), "a retry records no new attempt");
                    assert_eq!(p.booking.status, w.desk.get_booking(id).unwrap().status);
                    if !p.is_retry && *outcome == 3 {
                        // Cash: the change is what was handed over less what was due.
                        assert!(*extra >= 0, "less than due was taken");
                        assert_eq!((p.attempt.tendered, p.attempt.change), (Some(due + extra), Some(*extra)));
                    }
                })
            }
            None => return false,
        },
        Op::Cancel { booking, agree } => match nth(bookings, *booking) {
            Some(id) => {
                let was = w.desk.get_booking(id).unwrap();
                let terms = w.desk.cancel_terms(id).unwrap();
                let agreed = if *agree { terms.tickets.used } else { 0 };
                w.desk.cancel_admitted(id, None, agreed).map(|c| {
                    assert_eq!(c.booking.status, BookingStatus::Cancelled);
                    let want = (was.status == BookingStatus::Confirmed).then_some(was.amount / 2);
                    assert_eq!(c.refund.map(|r| r.amount), want);
                    assert_eq!(
                        (c.tickets_voided.valid, c.tickets_voided.used),
                        (terms.tickets.valid, terms.tickets.used)
                    );
                })
            }
            None => return false,
        },
        Op::BookTypes { hold, child } => match nth(holds, *hold) {
            Some(id) => {
                let h = w.desk.get_hold(id).unwrap();
                let types = w.desk.ticket_types(&h.event_id).unwrap();
                let child_type = types.iter().find(|t| t.name == "Child").map(|t| t.id.clone());
                let child_n = u32::from(*child).min(h.seats);
                let mut counts = vec![TypeCount::new(&types[0].id, h.seats - child_n)];
                if let Some(c) = child_type {
                    counts.push(TypeCount::new(&c, child_n));
                }
                w.desk.book_types(id, customer, &counts, None).map(|b| {
                    let items = w.desk.booking_items(&b.value.id).unwrap();
                    let amount: i64 = items.iter().map(|i| i64::from(i.count) * i.unit_price).sum();
                    assert_eq!(b.value.amount, amount, "the amount is the sum over types");
                    if !bookings.contains(&b.value.id) {
                        bookings.push(b.value.id)
                    }
                })
            }
            None => return false,
        },
        Op::Scan { booking, ticket, typo } => {
            let tickets = nth(bookings, *booking).map(|id| w.desk.tickets(id).unwrap()).unwrap_or_default();
            let Some(t) = (!tickets.is_empty()).then(|| tickets[usize::from(*ticket) % tickets.len()].clone()) else {
                return false;
            };
            let mut code = t.code.grouped();
            if *typo {
                let first = if code.starts_with('A') { "B" } else { "A" };
                code.replace_range(0..1, first);
            }
            let answer = w.desk.check_in(&code, None, "door").unwrap();
            let now = w.desk.tickets(&t.booking_id).unwrap().into_iter().find(|x| x.id == t.id).unwrap();
            match (&answer, t.status) {
                (DoorAnswer::Mistyped { .. }, _) => assert!(*typo && now.status == t.status),
                (DoorAnswer::Admitted { .. }, TicketStatus::Valid) => assert_eq!(now.status, TicketStatus::Used),
                (DoorAnswer::AlreadyUsed { .. }, TicketStatus::Used)
                | (DoorAnswer::Voided { .. }, TicketStatus::Void) => {
                    assert_eq!(now, t, "a refusal changes no ticket")
                }
                other => panic!("{other:?} for a {} ticket", t.status),
            }
            Ok(())
        }
        Op::Undo { booking, ticket } => {
            let tickets = nth(bookings, *booking).map(|id| w.desk.tickets(id).unwrap()).unwrap_or_default();
            let Some(t) = (!tickets.is_empty()).then(|| &tickets[usize::from(*ticket) % tickets.len()]) else {
                return false;
            };
            w.desk
                .undo_admission(&t.code.grouped(), "a test undo")
                .map(|back| assert_eq!(back.status, TicketStatus::Valid))
        }
        Op::Advance { seconds } => {
            w.advance(Duration::seconds(*seconds));
            Ok(())
        }
        Op::Expire => w.desk.expire_due().map(drop),
        Op::Refunds => w.desk.process_refunds().map(drop),
        Op::CloseShift { counted } => match w.desk.current_shift().unwrap() {
            Some(shift) => w.desk.close_shift(&shift.id, *counted).map(|up| {
                assert_eq!(up.difference(), Some(counted - up.expected_cash()));
            }),
            None => return false,
        },
    };
    match result {
        Ok(()) => true,
        Err(e @ (Error::Db(_) | Error::Storage(_) | Error::Busy)) => panic!("{op:?} escaped as a storage error: {e}"),
        Err(e) => {
            assert!(!e.to_string().is_empty());
            false
        }
    }
}

fn check(w: &World, events: &[Event], step: usize, op: &Op) {
    let v = w.desk.verify().unwrap();
    assert!(v.is_empty(), "after step {step} ({op:?}): {v:#?}");
    for e in events {
        w.seats(e); // asserts available + held + sold == total
        let seats_live = w.count(&format!("SELECT count(*) FROM hold_seats WHERE event_id = '{}' AND live = 1", e.id));
        if e.kind.is_reserved() {
            let (available, _, _) = w.seats(e);
            assert_eq!(seats_live, i64::from(e.total) - available, "every owned seat has one live label");
        } else {
            assert_eq!(seats_live, 0);
        }
    }
}

/// One case: a new box office (in memory on SQLite, a fresh database on
/// PostgreSQL), `ops` applied one by one, each checked.
fn random_sales(ops: &[Op]) -> Result<(), TestCaseError> {
    let w = if common::on_pg() { World::new() } else { World::in_memory(Config::default()) };
    let events = vec![w.ga(8, 1_001), w.reserved(3, 4, 2_500)];
    let child = NewTicketType { limit: Some(3), ..NewTicketType::new("Child", 1_250) };
    w.desk.add_ticket_type(&events[1].id, child).unwrap();
    let customer = w.customer().id;
    let (mut holds, mut bookings) = (Vec::new(), Vec::new());
    let mut audit_rows = w.count("SELECT count(*) FROM audit_log");
    for (i, op) in ops.iter().enumerate() {
        let before = w.dump();
        let ok = apply(&w, &events, &mut holds, &mut bookings, &customer, op);
        if !ok {
            prop_assert_eq!(&before, &w.dump(), "refused step {} ({:?}) changed the database", i, op);
        }
        check(&w, &events, i, op);
        let now = w.count("SELECT count(*) FROM audit_log");
        prop_assert!(now >= audit_rows, "audit rows are never deleted");
        audit_rows = now;
    }
    // Run the clock out: everything unpaid ends, every refund completes, and
    // only confirmed sales keep seats.
    w.advance(Duration::hours(1));
    w.desk.expire_due().unwrap();
    w.desk.process_refunds().unwrap();
    check(&w, &events, ops.len(), &Op::Expire);
    prop_assert_eq!(w.count("SELECT count(*) FROM holds WHERE status = 'ACTIVE'"), 0);
    prop_assert_eq!(w.count("SELECT count(*) FROM bookings WHERE status = 'PAYMENT_PENDING'"), 0);
    prop_assert_eq!(w.count("SELECT count(*) FROM refunds WHERE status = 'INITIATED'"), 0);
    // Tickets only for paid bookings; every admission once.
    prop_assert_eq!(
        w.count(
            "SELECT count(*) FROM tickets t JOIN bookings b ON b.id = t.booking_id
                 WHERE t.status <> 'VOID' AND b.status <> 'CONFIRMED'"
        ),
        0
    );
    for e in &events {
        let (_, held, _) = w.seats(e);
        prop_assert_eq!(held, 0);
    }
    Ok(())
}

// On both backends. PostgreSQL runs 12 cases, not 64: each case there makes
// a database (about 0.3 s) and every step dumps every table twice over a new
// connection, so a case costs seconds, not milliseconds; 12 cases of 10–40
// steps still cover each kind of step many times over. PROPTEST_CASES sets
// both counts.
crate::on_both_backends! {
#[test]
fn random_sales_never_break_an_invariant() {
    let cases = if common::on_pg() { 12 } else { 64 };
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    // Integration tests have no lib.rs beside them for a regressions file; a failure prints its seed instead.
    let config = ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let ops = proptest::collection::vec(op(), 10..40);
    if let Err(e) = runner.run(&ops, |ops| random_sales(&ops)) {
        panic!("{e}");
    }
}
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Cash: any amount handed over that covers what is due gives back exactly
    /// the rest; anything less is refused, saying how much is missing.
    #[test]
    fn cash_change_is_what_was_handed_over_less_what_was_due(due in 0..=10_000_000_000i64, tendered in 0..=20_000_000_000i64) {
        match cash_change(due, tendered, "INR") {
            Ok(change) => {
                prop_assert!(tendered >= due);
                prop_assert_eq!(change + due, tendered);
                prop_assert!(change >= 0);
            }
            Err(short) => {
                prop_assert!(tendered < due);
                prop_assert_eq!(short.field, "tendered");
                let missing = boxoffice::domain::Money(due - tendered).format("INR");
                prop_assert!(short.rule.ends_with(&format!("({missing} short)")), "{}", short.rule);
            }
        }
    }
}
