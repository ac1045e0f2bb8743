//! A kill -9 storm at the door, shared by `tests/storm.rs` (a few rounds) and
//! `examples/door_storm.rs` (as many as you like): two door processes scan
//! codes while two counter processes sell, and every few hundred
//! milliseconds all four are killed with SIGKILL at random moments. After
//! each round the file must verify clean, and no ticket may have two
//! admissions. The caller says how to start a worker process (the test
//! re-runs its own binary, the example itself).

use boxoffice::domain::{
    DoorAnswer, EventKind, NewCustomer, NewEvent, NewTicketType, PaymentOutcome, TicketCode, TypeCount,
};
use boxoffice::store::Durability;
use boxoffice::{Config, Context, Desk, Error, HoldRequest, SeatPick};
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

/// Which worker a process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Door,
    Counter,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Door => "door",
            Role::Counter => "counter",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "door" => Some(Role::Door),
            "counter" => Some(Role::Counter),
            _ => None,
        }
    }
}

/// A small deterministic generator (no extra dependency).
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn config() -> Config {
    Config { durability: Durability::Normal, pin_cost: boxoffice::PinCost::Fast, ..Config::default() }
}

fn desk(db: &Path, who: &str) -> Desk {
    Desk::open(db, Context::system(config()), who).expect("open the storm's file")
}

/// A new file: a general-admission event with two types (one limited) and a
/// reserved hall, and a first few paid bookings so the doors have codes.
pub fn setup(db: &Path) {
    let d = desk(db, "storm:setup");
    d.create_first_supervisor("Storm", "1111").expect("the storm's supervisor");
    let starts_at = d.now() + chrono::Duration::days(7);
    let event = |name: &str, kind| NewEvent {
        name: name.into(),
        description: String::new(),
        starts_at,
        kind,
        price: 10_000,
        currency: "INR".into(),
    };
    let types = vec![
        NewTicketType::new("Adult", 10_000),
        NewTicketType { limit: Some(40), ..NewTicketType::new("Child", 5_000) },
    ];
    d.create_event_with_types(event("Storm Arena", EventKind::GeneralAdmission { capacity: 100_000 }), types)
        .expect("arena");
    d.create_event(event("Storm Hall", EventKind::Reserved { rows: 26, seats_per_row: 40 })).expect("hall");
    let mut rng = Rng(7);
    for _ in 0..10 {
        sell_one(&d, &mut rng, 0);
    }
}

/// One sale by a counter: hold 1–3 seats of either event, book (the arena with
/// a mix of types), then mostly pay; now and then fail a payment, cancel a
/// pending booking, or cancel a paid one — agreeing to void what the doors admitted.
fn sell_one(d: &Desk, rng: &mut Rng, worker: u64) {
    let events = d.events("Storm", 10).expect("events");
    let e = &events[rng.below(events.len() as u64) as usize];
    let n = 1 + rng.below(3) as i64;
    let hold = match d.hold(HoldRequest {
        event_id: e.id.clone(),
        pick: SeatPick::Count(n),
        idempotency_key: None,
        correlation_id: None,
    }) {
        Ok(h) => h.value,
        Err(Error::NotEnoughSeats { .. }) => return,
        Err(other) => panic!("hold: {other}"),
    };
    let customer = d
        .customer(NewCustomer {
            name: format!("Storm {worker}"),
            email: Some(format!("storm{worker}@example.com")),
            phone: None,
        })
        .expect("customer")
        .value;
    let types = d.ticket_types(&e.id).expect("types");
    let booked = if types.len() > 1 && rng.below(2) == 0 {
        let child = rng.below(hold.seats as u64 + 1) as u32;
        let counts = [TypeCount::new(&types[0].id, hold.seats - child), TypeCount::new(&types[1].id, child)];
        d.book_types(&hold.id, &customer.id, &counts, None)
    } else {
        d.book(&hold.id, &customer.id, None)
    };
    let b = match booked {
        Ok(b) => b.value,
        // The Child limit: the seats go back.
        Err(Error::Refused(_)) => {
            d.release(&hold.id).expect("release");
            return;
        }
        Err(other) => panic!("book: {other}"),
    };
    let key = format!("storm-{worker}-{}", b.id);
    match rng.below(10) {
        0 => {
            d.pay(&b.id, PaymentOutcome::Failure, &key, None).expect("fail");
        }
        1 => {
            d.cancel(&b.id).expect("cancel pending");
        }
        _ => {
            d.pay(&b.id, PaymentOutcome::Success, &key, None).expect("pay");
        }
    }
    // Now and then cancel an older paid booking, whatever the doors did to it.
    if rng.below(8) == 0 {
        let ids: Vec<String> = d
            .conn()
            .prepare("SELECT id FROM bookings WHERE status = 'CONFIRMED' ORDER BY random() LIMIT 1")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("a paid booking");
        if let Some(id) = ids.first() {
            let terms = d.cancel_terms(id).expect("terms");
            match d.cancel_admitted(id, Some(terms.status), terms.tickets.used) {
                // Refused: another process cancelled it, or a door admitted one, between the look and the cancel.
                Ok(_) | Err(Error::Refused(_)) => {}
                Err(other) => panic!("cancel: {other}"),
            }
        }
    }
}

/// A counter: sells until killed.
pub fn counter(db: &Path, seed: u64) -> ! {
    let d = desk(db, &format!("storm:counter:{seed}"));
    d.sign_in("Storm", "1111").expect("a counter signs in");
    let mut rng = Rng(seed | 1);
    loop {
        sell_one(&d, &mut rng, seed);
    }
}

/// A door: scans codes of sold tickets (a few twice, some mistyped, some
/// unknown), now and then undoes an admission, until killed.
pub fn door(db: &Path, seed: u64) -> ! {
    let d = desk(db, &format!("storm:door:{seed}"));
    // As a real door: answer first, checkpoint after (and be killed in between).
    d.defer_checkpoints().expect("defer");
    let mut rng = Rng(seed | 1);
    let name = format!("gate-{seed}");
    let mut codes: Vec<String> = Vec::new();
    for i in 0u64.. {
        if i % 40 == 0 || codes.is_empty() {
            codes = d
                .conn()
                .prepare("SELECT code FROM tickets ORDER BY random() LIMIT 400")
                .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                .expect("codes");
        }
        let code = match rng.below(20) {
            0 => {
                let (a, b) = (rng.next().to_be_bytes(), rng.next().to_be_bytes());
                TicketCode::from_bytes([a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1]]).grouped()
            }
            1 if !codes.is_empty() => {
                let c = &codes[rng.below(codes.len() as u64) as usize];
                format!("{}{}", if c.starts_with('A') { 'B' } else { 'A' }, &c[1..])
            }
            _ if !codes.is_empty() => codes[rng.below(codes.len() as u64) as usize].clone(),
            _ => continue,
        };
        let answer = d.check_in(&code, None, &name).expect("an answer");
        d.tidy().expect("tidy");
        if matches!(answer, DoorAnswer::Admitted { .. }) && rng.below(15) == 0 {
            match d.undo_admission(&code, "storm: let in by mistake") {
                Ok(_) => {}
                // The booking was cancelled (or another door undid it) meanwhile.
                Err(Error::Refused(_)) => {}
                Err(other) => panic!("undo: {other}"),
            }
        }
    }
    unreachable!()
}

/// What the file looks like after a round.
#[derive(Debug, Default)]
pub struct Outcome {
    pub violations: Vec<String>,
    /// Tickets with more than one admission net of undos.
    pub double_admissions: i64,
    pub tickets: i64,
    pub used: i64,
    pub scans: i64,
    pub admitted_scans: i64,
}

pub fn check(db: &Path) -> Outcome {
    let d = desk(db, "storm:check");
    let one = |sql: &str| -> i64 { d.conn().query_row(sql, [], |r| r.get(0)).expect(sql) };
    Outcome {
        violations: d.verify().expect("verify runs"),
        double_admissions: one(
            "SELECT count(*) FROM (SELECT ticket_id FROM scans WHERE ticket_id IS NOT NULL GROUP BY ticket_id
             HAVING sum(result = 'ADMITTED') - sum(result = 'UNDONE') > 1)",
        ),
        tickets: one("SELECT count(*) FROM tickets"),
        used: one("SELECT count(*) FROM tickets WHERE used_at IS NOT NULL"),
        scans: one("SELECT count(*) FROM scans"),
        admitted_scans: one("SELECT count(*) FROM scans WHERE result = 'ADMITTED'"),
    }
}

/// Runs `rounds` rounds: start two doors and two counters with `spawn`, let
/// them run 150–650 ms, SIGKILL each at its own random moment, check the
/// file. Returns the last check; panics on the first round that breaks.
pub fn storm(db: &Path, rounds: u32, seed: u64, spawn: impl Fn(Role, u64) -> Child) -> Outcome {
    setup(db);
    let mut rng = Rng(seed | 1);
    let mut last = Outcome::default();
    for round in 0..rounds {
        let roles = [Role::Door, Role::Door, Role::Counter, Role::Counter];
        let mut children: Vec<(Child, Instant)> = roles
            .iter()
            .enumerate()
            .map(|(i, &role)| {
                let life = Duration::from_millis(150 + rng.below(500));
                (
                    spawn(role, seed.wrapping_mul(31).wrapping_add(u64::from(round) * 8 + i as u64)),
                    Instant::now() + life,
                )
            })
            .collect();
        children.sort_by_key(|c| c.1);
        for (mut child, at) in children {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            if let Ok(Some(status)) = child.try_wait() {
                panic!("round {round}: a worker died by itself ({status}); its stderr says why");
            }
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
        }
        last = check(db);
        assert!(last.violations.is_empty(), "round {round}: {:#?}", last.violations);
        assert_eq!(last.double_admissions, 0, "round {round}: a ticket was admitted twice");
    }
    last
}
