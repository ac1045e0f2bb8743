//! A big, realistic boxoffice file for benchmarks: 10,000 events, 50,000
//! customers and 1,000,000 bookings with their holds, seats, payment attempts,
//! refunds and the audit rows the engine would have written, so `verify` finds
//! nothing wrong with it (and timing it means something). `query_bench` times
//! every read on it, `benches/ui_latency.rs` every key.
//!
//! It is bulk SQL in one transaction, bypassing the engine for speed but not
//! the schema: foreign keys on, every CHECK and unique index, the report
//! triggers fire per row. Secondary indexes are dropped for the load and built
//! again from `schema.sql` (a sort per index instead of a million random
//! inserts). Everything is deterministic: the same file every time, with
//! "now" at [`NOW`] (the benches run on a manual clock there).
//!
//! - Events: every 10th is reserved (10 × 20), named "Hamlet NNNNN"; event 3 is
//!   a 26 × 99 reserved hall whose bookings take 20 seats each; the others are
//!   general admission (200). A tenth of the events are in the past.
//! - Customers: names from two lists (with accents: Zoë, José, Chloé …), an
//!   email each, a phone for two thirds (half with +91). Customer 0 is
//!   "Zoë Fernandes", 9876543210; customer 1 "Priya Sharma", +91 98123 45678.
//! - Bookings: 100 per event, one a second, interleaving the events so the
//!   newest bookings span many events; 20 per customer. By age within an event:
//!   CONFIRMED (7 % after a TIMEOUT), CANCELLED after payment (PARTIAL refund)
//!   or while pending, EXPIRED, PAYMENT_FAILED (FULL refund), and the newest
//!   tenth of a percent per event PAYMENT_PENDING. Every 7th sale also left an
//!   EXPIRED hold without a booking; every 50th payment was replayed (a retry).
//! - Money: by default one bench clerk took every payment in one open shift,
//!   all by card. A [`Shape`] with [`Tills`] (`cashup_bench`) spreads the
//!   sales over counters and shifts instead: the day splits into shifts
//!   (00:00 UTC onwards), each counter has its own clerk per shift of the day,
//!   each shift opens with a float and, once its time is over, closes with a
//!   counted figure a little off the expected one; payments are cash (with
//!   tendered and change), card or UPI, and a refund goes back by the method
//!   paid, from the shift open at that counter when it is made.

use boxoffice::store::{self, Durability};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use std::path::Path;

pub const EVENTS: i64 = 10_000;
pub const BOOKINGS_PER_EVENT: i64 = 100;
/// One customer per this many sales: 50,000 in the default file.
pub const SALES_PER_CUSTOMER: i64 = 20;
/// The event with a 26 × 99 seat map.
pub const BIG_HALL: i64 = 3;
const PRICE: i64 = 50_000;

/// The instant the file's history ends: benches read it with the clock here.
pub fn now() -> DateTime<Utc> {
    "2026-06-01T09:00:00Z".parse().expect("instant")
}

const FIRST: [&str; 40] = [
    "Priya", "Rahul", "Zoë", "José", "Ananya", "Vikram", "Chloé", "Arjun", "Meera", "Sanjay", "Renée", "Kiran", "Sara",
    "Rohan", "Ines", "Aditya", "Nisha", "Sunita", "Farhan", "Lucía", "Deepak", "Kavya", "Noémie", "Amit", "Pooja",
    "Søren", "Ishaan", "Divya", "Manoj", "Léa", "Ravi", "Sneha", "Björn", "Tara", "Gaurav", "Anjali", "Zoe", "Neha",
    "Suresh", "Asha",
];
const LAST: [&str; 40] = [
    "Sharma",
    "Verma",
    "Fernandes",
    "Iyer",
    "Patel",
    "Singh",
    "Müller",
    "Nair",
    "Gupta",
    "Reddy",
    "Das",
    "Shah",
    "Khan",
    "Mehta",
    "Rao",
    "Pillai",
    "Núñez",
    "Kapoor",
    "Joshi",
    "Bose",
    "Menon",
    "Chopra",
    "Dubois",
    "Sethi",
    "Kulkarni",
    "Banerjee",
    "D'Souza",
    "Malhotra",
    "Agarwal",
    "Ghosh",
    "Saxena",
    "Bhat",
    "Hegde",
    "Lefèvre",
    "Mishra",
    "Chauhan",
    "Yadav",
    "Desai",
    "Thomas",
    "Kumar",
];
const TITLES: [&str; 10] = [
    "Jazz Night",
    "Rock Concert",
    "Comedy Hour",
    "Hamlet",
    "Symphony No. 5",
    "Kathak Recital",
    "Opera Gala",
    "Film Screening",
    "Poetry Slam",
    "Folk Festival",
];

/// The customer number `c`'s name, email and phone.
pub fn customer(c: i64) -> (String, String, Option<String>) {
    match c {
        0 => return ("Zoë Fernandes".into(), "zoe.fernandes@example.com".into(), Some("9876543210".into())),
        1 => return ("Priya Sharma".into(), "priya.sharma@example.in".into(), Some("+919812345678".into())),
        _ => {}
    }
    let (first, last) = (FIRST[(c % 40) as usize], LAST[((c / 40) % 40) as usize]);
    let ascii = |s: &str| -> String {
        s.chars()
            .filter_map(|ch| match ch {
                'ë' | 'é' | 'è' => Some('e'),
                'ü' => Some('u'),
                'ú' => Some('u'),
                'í' => Some('i'),
                'ñ' => Some('n'),
                'ø' | 'ö' => Some('o'),
                '\'' => None,
                other => Some(other.to_ascii_lowercase()),
            })
            .collect()
    };
    let email = format!("{}.{}{c}@example.com", ascii(first), ascii(last));
    let phone = match c % 3 {
        0 => None,
        1 => Some(format!("{}", 9_700_000_000 + c * 13)),
        _ => Some(format!("+91{}", 8_700_000_000 + c * 13)),
    };
    (format!("{first} {last}"), email, phone)
}

pub fn event_name(e: i64) -> String {
    format!("{} {e:05}", TITLES[(e % 10) as usize])
}

/// A UUID v7 at `at` whose random part is a hash of (kind, n): ids look like
/// the app's (time-ordered, random tails), so short ids are spread out.
pub fn id(kind: u8, n: i64, at: i64) -> String {
    let mut x = (u64::from(kind) << 56) ^ (n as u64) ^ 0x9E37_79B9_7F4A_7C15;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    let mut rand = [0u8; 10];
    rand[0] = kind;
    rand[2..10].copy_from_slice(&x.to_be_bytes());
    uuid::Builder::from_unix_timestamp_millis(at.max(0) as u64, &rand).into_uuid().to_string()
}

/// What happened to the `j`-th booking (0 = oldest) of an event.
#[derive(Clone, Copy, PartialEq)]
enum Fate {
    Paid { timeout_first: bool },
    CancelledPaid,
    CancelledPending,
    Expired { timeout: bool },
    Failed,
    Pending,
}

fn fate(j: i64) -> Fate {
    match j {
        0..=62 | 96..=98 => Fate::Paid { timeout_first: false },
        63..=69 => Fate::Paid { timeout_first: true },
        70..=77 => Fate::CancelledPaid,
        78..=79 => Fate::CancelledPending,
        80..=87 => Fate::Expired { timeout: j < 82 },
        88..=95 => Fate::Failed,
        _ => Fate::Pending,
    }
}

/// What to build. The default is the file every other bench reads.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Events, each with [`BOOKINGS_PER_EVENT`] sales (98 payment attempts
    /// per 100 sales); one customer per [`SALES_PER_CUSTOMER`] sales.
    pub events: i64,
    /// Time between one sale and the next.
    pub spacing_ms: i64,
    /// Counters and shifts; `None`: one bench clerk, one open shift, all card.
    pub tills: Option<Tills>,
    /// A "Standard" ticket type per event, each booking's item and a VALID
    /// ticket per seat of every CONFIRMED booking. Off by default: the other
    /// benches' file predates tickets (so `verify` finds invariants 6 and 9
    /// broken on it) and keeps its shape.
    pub tickets: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct Tills {
    pub counters: i64,
    pub shifts_per_day: i64,
}

impl Default for Shape {
    fn default() -> Self {
        Shape { events: EVENTS, spacing_ms: 1000, tills: None, tickets: false }
    }
}

/// Payment attempts per 100 sales (see [`fate`]).
#[allow(dead_code)] // not every bench needs it
pub const ATTEMPTS_PER_100: i64 = 98;
/// Every shift's opening float: ₹2,000.
pub const FLOAT: i64 = 200_000;
const DAY_MS: i64 = 86_400_000;

/// Builds the file at `path` (which must not exist).
#[allow(dead_code)] // cashup_bench builds its own shape
pub fn build(path: &Path) {
    build_shaped(path, Shape::default());
}

/// Builds a file of this shape at `path` (which must not exist).
pub fn build_shaped(path: &Path, shape: Shape) {
    drop(store::open(path, Durability::Normal).expect("create"));
    let conn = Connection::open(path).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -1000000; PRAGMA temp_store = MEMORY;",
    )
    .expect("pragmas");
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("indexes");
    for name in &indexes {
        conn.execute_batch(&format!("DROP INDEX \"{name}\"")).expect("drop index");
    }
    conn.execute_batch("BEGIN").expect("begin");
    fill(&conn, shape).expect("fill");
    conn.execute_batch(store::SCHEMA).expect("indexes again");
    conn.execute_batch("COMMIT").expect("commit");
    // No ANALYZE: the app never runs it, so the planner sees what a real file gives it.
    conn.execute_batch("PRAGMA journal_mode = WAL;").expect("wal");
}

struct Audit<'a> {
    stmt: rusqlite::Statement<'a>,
    n: i64,
    /// Clerk names (as actors) and their ids: a row by one names its clerk.
    clerk_ids: std::collections::HashMap<String, String>,
}

impl Audit<'_> {
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        at: i64,
        action: &str,
        entity: &str,
        entity_id: &str,
        event: Option<&str>,
        hold: Option<&str>,
        booking: Option<&str>,
        from_to: (Option<&str>, Option<&str>),
        correlation: Option<&str>,
        retry_of: Option<&str>,
        actor: &str,
    ) -> rusqlite::Result<()> {
        self.n += 1;
        self.stmt.execute(params![
            id(9, self.n, at),
            at,
            action,
            entity,
            entity_id,
            event,
            hold,
            booking,
            from_to.0,
            from_to.1,
            correlation,
            retry_of.is_some(),
            retry_of,
            actor,
            self.clerk_ids.get(actor)
        ])?;
        Ok(())
    }
}

/// Who took the money: one bench clerk and shift, or counters and shifts.
struct Staff<'a> {
    tills: Option<Tills>,
    day0: i64,
    shift_ms: i64,
    /// (clerk id, name) by clerk number: counter + counters × shift of the day.
    clerks: Vec<(String, String)>,
    /// Shifts opened so far: (slot, counter) → (id, opened_at, clerk number).
    shifts: std::collections::BTreeMap<(i64, i64), (String, i64, usize)>,
    insert: rusqlite::Statement<'a>,
}

impl Staff<'_> {
    /// The clerk (id, actor) selling at `counter` at `at`.
    fn clerk(&self, at: i64, counter: i64) -> (String, String) {
        match self.tills {
            None => ("bench-clerk".into(), "clerk:bench".into()),
            Some(t) => {
                let slot = (at - self.day0) / self.shift_ms;
                self.clerks[((slot % t.shifts_per_day) * t.counters + counter % t.counters) as usize].clone()
            }
        }
    }

    /// The shift money taken or paid back at `counter` at `at` belongs to
    /// (opened, and its opening audited, the first time), and its clerk's actor.
    fn shift(&mut self, audit: &mut Audit<'_>, at: i64, counter: i64) -> rusqlite::Result<(String, String)> {
        let Some(t) = self.tills else {
            return Ok(("bench-shift".into(), "clerk:bench".into()));
        };
        let slot = (at - self.day0) / self.shift_ms;
        let counter = counter % t.counters;
        let clerk = ((slot % t.shifts_per_day) * t.counters + counter) as usize;
        let actor = self.clerks[clerk].1.clone();
        if let Some((id, _, _)) = self.shifts.get(&(slot, counter)) {
            return Ok((id.clone(), actor));
        }
        let opened = self.day0 + slot * self.shift_ms;
        let id = id(10, slot * t.counters + counter, opened);
        self.insert.execute(params![id, self.clerks[clerk].0, FLOAT, opened])?;
        audit.row(opened, "SHIFT_OPENED", "shift", &id, None, None, None, (None, None), None, None, &actor)?;
        self.shifts.insert((slot, counter), (id.clone(), opened, clerk));
        Ok((id, actor))
    }

    /// Closes every shift whose time is over by `now`, with the cash counted a
    /// little off what the drawer should hold (a few rupees short or over).
    fn close(&self, conn: &Connection, audit: &mut Audit<'_>, now: i64) -> rusqlite::Result<()> {
        let mut close = conn.prepare(
            "UPDATE shifts SET closed_at = ?2,
                 expected_cash = opening_float + coalesce((SELECT t.sales - t.refunds FROM shift_totals t
                     WHERE t.shift_id = shifts.id AND t.method = 'CASH' AND t.currency = shifts.currency), 0),
                 counted_cash = max(0, opening_float + ?3 + coalesce((SELECT t.sales - t.refunds FROM shift_totals t
                     WHERE t.shift_id = shifts.id AND t.method = 'CASH' AND t.currency = shifts.currency), 0))
             WHERE id = ?1",
        )?;
        for (n, (id, opened, clerk)) in self.shifts.values().enumerate() {
            let closed = opened + self.shift_ms;
            if closed > now {
                continue;
            }
            let off = ((n as i64 * 7) % 5 - 2) * 1_000; // −₹20 … +₹20
            close.execute(params![id, closed, off])?;
            let actor = &self.clerks[*clerk].1;
            audit.row(closed, "SHIFT_CLOSED", "shift", id, None, None, None, (None, None), None, None, actor)?;
        }
        Ok(())
    }
}

/// How sale `n` was paid: cash, card or UPI (2 : 2 : 1 by default with
/// tills); cash never times out or fails, so such sales are by card or UPI.
fn method(n: i64, tills: bool, declined_once: bool) -> &'static str {
    if !tills {
        return "CARD";
    }
    match (n.wrapping_mul(2_654_435_761) >> 8) % 5 {
        0 | 1 if !declined_once => "CASH",
        0 | 2 | 3 => "CARD",
        _ => "UPI",
    }
}

fn fill(conn: &Connection, shape: Shape) -> rusqlite::Result<()> {
    let now = now().timestamp_millis();
    let hour = 3_600_000i64;
    let events = shape.events;
    let total = events * BOOKINGS_PER_EVENT;
    let customers = total / SALES_PER_CUSTOMER;
    let t0 = now - total * shape.spacing_ms - 60_000;
    let mut audit = Audit {
        stmt: conn.prepare(
            "INSERT INTO audit_log (id, at, action, entity, entity_id, event_id, hold_id, booking_id, from_status,
                                    to_status, correlation_id, is_retry, original_attempt_id, actor, clerk_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?,
        n: 0,
        clerk_ids: Default::default(),
    };
    let clerk = "clerk:bench";
    let tick = "job:tick";
    // Every sale names its clerk and every payment its shift (migration 0007).
    // Clerks have no PIN: nobody signs in as them.
    let mut clerks = Vec::new();
    match shape.tills {
        None => {
            // One bench clerk and one open shift.
            conn.execute(
                "INSERT INTO clerks (id, name, role, pin_hash, created_at)
                 VALUES ('bench-clerk', 'bench', 'clerk', NULL, ?1)",
                [t0],
            )?;
            conn.execute(
                "INSERT INTO shifts (id, clerk_id, currency, opening_float, opened_at)
                 VALUES ('bench-shift', 'bench-clerk', 'INR', 0, ?1)",
                [t0],
            )?;
        }
        Some(t) => {
            let mut add = conn.prepare(
                "INSERT INTO clerks (id, name, role, pin_hash, created_at) VALUES (?1, ?2, 'clerk', NULL, ?3)",
            )?;
            for k in 0..t.counters * t.shifts_per_day {
                let (id, name) = (id(11, k, t0), format!("Clerk {:02}", k + 1));
                add.execute(params![id, name, t0])?;
                audit.clerk_ids.insert(name.clone(), id.clone());
                clerks.push((id, name));
            }
        }
    }
    let mut staff = Staff {
        tills: shape.tills,
        day0: t0.div_euclid(DAY_MS) * DAY_MS,
        shift_ms: shape.tills.map_or(DAY_MS, |t| DAY_MS / t.shifts_per_day.max(1)),
        clerks,
        shifts: Default::default(),
        insert: conn.prepare(
            "INSERT INTO shifts (id, clerk_id, currency, opening_float, opened_at) VALUES (?1, ?2, 'INR', ?3, ?4)",
        )?,
    };

    let mut ev = conn.prepare(
        "INSERT INTO events (id, name, description, starts_at, kind, seat_rows, seats_per_row, total, available,
                             price, currency, created_at)
         VALUES (?1, ?2, '', ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'INR', ?10)",
    )?;
    let mut ty = conn.prepare(
        "INSERT INTO ticket_types (id, event_id, name, price, position, created_at, updated_at)
         VALUES (?1, ?2, 'Standard', ?3, 1, ?4, ?4)",
    )?;
    let mut item =
        conn.prepare("INSERT INTO booking_items (booking_id, type_id, count, unit_price) VALUES (?1, ?2, ?3, ?4)")?;
    let mut ticket = conn.prepare(
        "INSERT INTO tickets (id, code, booking_id, event_id, type_id, number, seat, price, status, issued_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, 'VALID', ?8)",
    )?;
    for e in 0..events {
        let (kind, rows, per) = match e {
            BIG_HALL => ("RESERVED", Some(26), Some(99)),
            _ if e % 10 == 3 => ("RESERVED", Some(10), Some(20)),
            _ => ("GA", None, None),
        };
        let total = rows.zip(per).map_or(200, |(r, p)| r * p);
        let seats = if e == BIG_HALL { 20 } else { 1 };
        // Seats owned: CONFIRMED bookings and the ACTIVE holds of pending ones.
        let owned = (0..BOOKINGS_PER_EVENT).filter(|&j| matches!(fate(j), Fate::Paid { .. } | Fate::Pending)).count()
            as i64
            * seats;
        let id = id(1, e, t0);
        ev.execute(params![
            id,
            event_name(e),
            now + (e - events / 10) * hour,
            kind,
            rows,
            per,
            total,
            total - owned,
            PRICE,
            t0
        ])?;
        audit.row(t0, "EVENT_CREATED", "event", &id, Some(&id), None, None, (None, None), None, None, clerk)?;
        if shape.tickets {
            ty.execute(params![self::id(12, e, t0), id, PRICE, t0])?;
        }
    }
    let mut cu =
        conn.prepare("INSERT INTO customers (id, name, email, phone, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for c in 0..customers {
        let (name, email, phone) = customer(c);
        let id = id(2, c, t0);
        cu.execute(params![id, name, email, phone, t0])?;
        audit.row(t0, "CUSTOMER_CREATED", "customer", &id, None, None, None, (None, None), None, None, clerk)?;
    }

    let mut ho = conn.prepare(
        "INSERT INTO holds (id, event_id, seats, status, correlation_id, actor, created_at, expires_at, updated_at,
                            clerk_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut se = conn.prepare("INSERT INTO hold_seats (hold_id, event_id, label, live) VALUES (?1, ?2, ?3, ?4)")?;
    let mut bo = conn.prepare(
        "INSERT INTO bookings (id, hold_id, event_id, customer_id, seats, amount, currency, status, correlation_id,
                               created_at, payment_expires_at, updated_at, clerk_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'INR', ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let mut pa = conn.prepare(
        "INSERT INTO payment_attempts (id, booking_id, idempotency_key, outcome, amount, transaction_id, created_at,
                                       shift_id, method, tendered, change_given)
         VALUES (?1, ?2, 'pay-' || ?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9 - ?4)",
    )?;
    let mut re = conn.prepare(
        "INSERT INTO refunds (id, booking_id, kind, original_amount, percent, amount, fee, status, transaction_id,
                              created_at, completed_at, shift_id, method)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'PROCESSED', 'rfd-' || ?1, ?8, ?9, ?10, ?11)",
    )?;
    for n in 0..total {
        let (e, j) = (n % events, n / events);
        let at = t0 + n * shape.spacing_ms;
        let counter = n;
        let (seller_id, seller) = staff.clerk(at, counter);
        let clerk = seller.as_str();
        let event = id(1, e, t0);
        let corr = id(8, n, at);
        let hold = id(3, n, at);
        let booking = id(4, n, at);
        let customer = id(2, (n * 7919) % customers, t0);
        let fate = fate(j);
        let seats = if e == BIG_HALL { 20 } else { 1 };
        let amount = PRICE * seats;
        let (ev_, ho_, bo_) = (Some(event.as_str()), Some(hold.as_str()), Some(booking.as_str()));
        let c_ = Some(corr.as_str());

        let (hold_status, booking_status) = match fate {
            Fate::Paid { .. } => ("CONSUMED", "CONFIRMED"),
            Fate::CancelledPaid => ("CONSUMED", "CANCELLED"),
            Fate::CancelledPending => ("RELEASED", "CANCELLED"),
            Fate::Expired { .. } => ("EXPIRED", "EXPIRED"),
            Fate::Failed => ("RELEASED", "PAYMENT_FAILED"),
            Fate::Pending => ("ACTIVE", "PAYMENT_PENDING"),
        };
        let (hold_exp, pay_exp) = if fate == Fate::Pending {
            (now + 5 * 60_000, now + 10 * 60_000)
        } else {
            (at + 5 * 60_000, at + 10 * 60_000)
        };
        ho.execute(params![hold, event, seats, hold_status, corr, clerk, at, hold_exp, at + 2_000, seller_id])?;
        audit.row(at, "HOLD_CREATED", "hold", &hold, ev_, ho_, None, (None, Some("ACTIVE")), c_, None, clerk)?;
        if e == BIG_HALL || e % 10 == 3 {
            let live = matches!(fate, Fate::Paid { .. } | Fate::Pending);
            let labels: Vec<String> = if e == BIG_HALL {
                let row = (b'A' + (j / 4) as u8) as char;
                (1..=20).map(|s| format!("{row}{}", (j % 4) * 20 + s)).collect()
            } else {
                vec![format!("{}{}", (b'A' + (j / 20) as u8) as char, j % 20 + 1)]
            };
            for label in labels {
                se.execute(params![hold, event, label, live])?;
            }
        }
        bo.execute(params![
            booking,
            hold,
            event,
            customer,
            seats,
            amount,
            booking_status,
            corr,
            at + 100,
            pay_exp,
            at + 2_000,
            seller_id
        ])?;
        if shape.tickets {
            let ty = id(12, e, t0);
            item.execute(params![booking, ty, seats, PRICE])?;
            if matches!(fate, Fate::Paid { .. }) {
                for k in 1..=seats {
                    // Unique, not random: nobody scans these.
                    let code = format!("B{n:011}{k:05}");
                    ticket.execute(params![id(13, n * 20 + k, at), code, booking, event, ty, k, PRICE, at + 1_000])?;
                }
            }
        }
        audit.row(
            at + 100,
            "BOOKING_CREATED",
            "booking",
            &booking,
            ev_,
            ho_,
            bo_,
            (None, Some("PAYMENT_PENDING")),
            c_,
            None,
            clerk,
        )?;
        let declined_once = matches!(fate, Fate::Paid { timeout_first: true } | Fate::Expired { .. } | Fate::Failed);
        let paid_by = method(n, shape.tills.is_some(), declined_once);
        let mut attempt = |audit: &mut Audit<'_>, k: i64, outcome: &str, when: i64| -> rusqlite::Result<String> {
            let pid = id(5, n * 4 + k, when);
            let txn = (outcome == "SUCCESS").then(|| id(6, n * 4 + k, when));
            let (shift, actor) = staff.shift(audit, when, counter)?;
            // Cash: the exact amount, or a ₹100 or ₹200 note over it.
            let tendered = (paid_by == "CASH").then_some(amount + (n % 3) * 10_000);
            pa.execute(params![pid, booking, outcome, amount, txn, when, shift, paid_by, tendered])?;
            audit.row(
                when,
                "PAYMENT_ATTEMPT",
                "payment",
                &pid,
                ev_,
                ho_,
                bo_,
                (None, Some(outcome)),
                c_,
                None,
                &actor,
            )?;
            Ok(pid)
        };
        let mut paid = None;
        match fate {
            Fate::Paid { timeout_first } | Fate::Expired { timeout: timeout_first } if timeout_first => {
                attempt(&mut audit, 0, "TIMEOUT", at + 500)?;
                if matches!(fate, Fate::Paid { .. }) {
                    paid = Some(attempt(&mut audit, 1, "SUCCESS", at + 1_000)?);
                }
            }
            Fate::Paid { .. } | Fate::CancelledPaid => paid = Some(attempt(&mut audit, 0, "SUCCESS", at + 1_000)?),
            Fate::Failed => {
                attempt(&mut audit, 0, "FAILURE", at + 1_000)?;
            }
            _ => {}
        }
        let moved = |audit: &mut Audit<'_>, when: i64, from: &str, to: &str, actor: &str| -> rusqlite::Result<()> {
            let action = match to {
                "CONFIRMED" => "BOOKING_CONFIRMED",
                "PAYMENT_FAILED" => "BOOKING_PAYMENT_FAILED",
                "EXPIRED" => "BOOKING_EXPIRED",
                _ => "BOOKING_CANCELLED",
            };
            audit.row(when, action, "booking", &booking, ev_, ho_, bo_, (Some(from), Some(to)), c_, None, actor)
        };
        let hold_moved = |audit: &mut Audit<'_>, when: i64, to: &str, actor: &str| -> rusqlite::Result<()> {
            let action = format!("HOLD_{to}");
            audit.row(when, &action, "hold", &hold, ev_, ho_, bo_, (Some("ACTIVE"), Some(to)), c_, None, actor)
        };
        match fate {
            Fate::Paid { .. } | Fate::CancelledPaid => {
                moved(&mut audit, at + 1_000, "PAYMENT_PENDING", "CONFIRMED", clerk)?;
                hold_moved(&mut audit, at + 1_000, "CONSUMED", clerk)?;
            }
            Fate::CancelledPending => {
                moved(&mut audit, at + 1_500, "PAYMENT_PENDING", "CANCELLED", clerk)?;
                hold_moved(&mut audit, at + 1_500, "RELEASED", clerk)?;
            }
            Fate::Expired { .. } => {
                moved(&mut audit, pay_exp, "PAYMENT_PENDING", "EXPIRED", tick)?;
                hold_moved(&mut audit, pay_exp, "EXPIRED", tick)?;
            }
            Fate::Failed => {
                moved(&mut audit, at + 1_000, "PAYMENT_PENDING", "PAYMENT_FAILED", clerk)?;
                hold_moved(&mut audit, at + 1_000, "RELEASED", clerk)?;
            }
            Fate::Pending => {}
        }
        if fate == Fate::CancelledPaid {
            moved(&mut audit, at + 1_800, "CONFIRMED", "CANCELLED", clerk)?;
        }
        let refund = match fate {
            Fate::CancelledPaid => Some(("PARTIAL", 50, at + 1_800)),
            Fate::Failed => Some(("FULL", 100, at + 1_000)),
            _ => None,
        };
        if let Some((kind, percent, when)) = refund {
            let rid = id(7, n, when);
            let back = amount * percent / 100;
            let (shift, refunder) = staff.shift(&mut audit, when, counter)?;
            re.execute(params![
                rid,
                booking,
                kind,
                amount,
                percent,
                back,
                amount - back,
                when,
                when + 1_000,
                shift,
                paid_by
            ])?;
            audit.row(
                when,
                "REFUND_INITIATED",
                "refund",
                &rid,
                ev_,
                None,
                bo_,
                (None, Some("INITIATED")),
                c_,
                None,
                &refunder,
            )?;
            audit.row(
                when + 1_000,
                "REFUND_PROCESSED",
                "refund",
                &rid,
                ev_,
                None,
                bo_,
                (Some("INITIATED"), Some("PROCESSED")),
                c_,
                None,
                tick,
            )?;
        }
        if let Some(pid) = paid.filter(|_| n % 50 == 7) {
            let r = Some(pid.as_str());
            audit.row(
                at + 1_200,
                "PAYMENT_RETRY",
                "payment",
                &pid,
                ev_,
                None,
                bo_,
                (None, Some("SUCCESS")),
                c_,
                r,
                clerk,
            )?;
        }
        if n % 7 == 0 {
            // A hold the customer walked away from.
            let (h, c) = (id(3, total + n, at), id(8, total + n, at));
            ho.execute(params![h, event, 1, "EXPIRED", c, clerk, at, at + 5 * 60_000, at + 5 * 60_000, seller_id])?;
            let (h_, c_) = (Some(h.as_str()), Some(c.as_str()));
            audit.row(at, "HOLD_CREATED", "hold", &h, ev_, h_, None, (None, Some("ACTIVE")), c_, None, clerk)?;
            audit.row(
                at + 300_000,
                "HOLD_EXPIRED",
                "hold",
                &h,
                ev_,
                h_,
                None,
                (Some("ACTIVE"), Some("EXPIRED")),
                c_,
                None,
                tick,
            )?;
        }
    }
    staff.close(conn, &mut audit, now)
}
