//! UUID v7 ids, time-ordered by the clock's time, and the random bits of
//! ticket codes. Random bits come from the OS normally, or from a seeded
//! counter so a script writes the same ids and codes every run.
//!
//! Seeded, tickets and ticket types draw from a second counter of their own:
//! issuing tickets or adding a type never shifts the ids of everything after
//! it, so a script written before tickets existed still shows the same ids.
//! Clerks, shifts and their audit rows (signing in, opening a shift) draw
//! from a third, for the same reason.

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::{Builder, Uuid};

#[derive(Debug)]
pub enum IdGen {
    Random,
    Seeded { seed: u64, counter: AtomicU64, tickets: AtomicU64, staff: AtomicU64 },
}

/// Keeps the ticket counter's bits apart from the main counter's.
const TICKET_SALT: u64 = 0x7469_636B_6574_7321;
/// Keeps the staff counter's bits apart from the others.
const STAFF_SALT: u64 = 0x7374_6166_6621_2121;

impl IdGen {
    pub fn seeded(seed: u64) -> Self {
        IdGen::Seeded { seed, counter: AtomicU64::new(0), tickets: AtomicU64::new(0), staff: AtomicU64::new(0) }
    }

    pub fn next(&self, now: DateTime<Utc>) -> String {
        match self {
            IdGen::Random => random_v7(now),
            IdGen::Seeded { seed, counter, .. } => seeded_v7(now, *seed, counter.fetch_add(1, Ordering::Relaxed)),
        }
    }

    /// An id for a ticket or a ticket type (seeded: from the ticket counter).
    pub fn next_ticket_id(&self, now: DateTime<Utc>) -> String {
        match self {
            IdGen::Random => random_v7(now),
            IdGen::Seeded { seed, tickets, .. } => {
                seeded_v7(now, seed ^ TICKET_SALT, tickets.fetch_add(1, Ordering::Relaxed))
            }
        }
    }

    /// An id for a clerk, a shift or an audit row about them (seeded: from
    /// the staff counter, so signing in never shifts a sale's ids).
    pub fn next_staff_id(&self, now: DateTime<Utc>) -> String {
        match self {
            IdGen::Random => random_v7(now),
            IdGen::Seeded { seed, staff, .. } => {
                seeded_v7(now, seed ^ STAFF_SALT, staff.fetch_add(1, Ordering::Relaxed))
            }
        }
    }

    /// 80 bits for a ticket code: the OS's random generator, or (seeded)
    /// the ticket counter's next value, so scripts replay the same codes.
    pub fn code_bits(&self) -> [u8; 10] {
        match self {
            IdGen::Random => os_random_bits(),
            IdGen::Seeded { seed, tickets, .. } => {
                let n = tickets.fetch_add(1, Ordering::Relaxed);
                let hi = splitmix(seed ^ TICKET_SALT ^ n.rotate_left(32));
                let lo = splitmix(hi ^ n);
                let mut bytes = [0u8; 10];
                bytes[..8].copy_from_slice(&hi.to_be_bytes());
                bytes[8..].copy_from_slice(&lo.to_be_bytes()[..2]);
                bytes
            }
        }
    }
}

/// 80 bits from the operating system's random generator. If the OS cannot
/// give any (it practically never fails), a fresh v4 UUID's random bytes,
/// which come from the same source by another route, stand in.
pub fn os_random_bits() -> [u8; 10] {
    let mut bytes = [0u8; 10];
    if getrandom::fill(&mut bytes).is_err() {
        // Bytes 0–5 and 9–15 of a v4 UUID are random (6 and 8 carry the version and variant).
        let u = *Uuid::new_v4().as_bytes();
        bytes[..6].copy_from_slice(&u[..6]);
        bytes[6..].copy_from_slice(&u[9..13]);
    }
    bytes
}

fn random_v7(now: DateTime<Utc>) -> String {
    let mut bytes = [0u8; 10];
    bytes.copy_from_slice(&Uuid::new_v4().as_bytes()[..10]);
    Builder::from_unix_timestamp_millis(now.timestamp_millis().max(0) as u64, &bytes).into_uuid().to_string()
}

fn seeded_v7(now: DateTime<Utc>, seed: u64, n: u64) -> String {
    // The counter first keeps ids made in one millisecond in order; the
    // seeded bits after it keep different seeds apart.
    let mut bytes = [0u8; 10];
    bytes[..4].copy_from_slice(&(n as u32).to_be_bytes());
    bytes[4..].copy_from_slice(&splitmix(seed ^ n).to_be_bytes()[..6]);
    Builder::from_unix_timestamp_millis(now.timestamp_millis().max(0) as u64, &bytes).into_uuid().to_string()
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The last 8 characters of an id: enough to tell rows apart on screen. (The
/// first characters of a v7 id are its timestamp, shared by ids made together.)
pub fn short(id: &str) -> &str {
    id.get(id.len().saturating_sub(8)..).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_repeat_and_are_v7() {
        let t = DateTime::from_timestamp_millis(1_780_000_000_000).unwrap();
        let a = IdGen::seeded(7);
        let b = IdGen::seeded(7);
        let (a1, a2) = (a.next(t), a.next(t));
        assert_eq!(a1, b.next(t));
        assert_ne!(a1, a2);
        assert_eq!(Uuid::parse_str(&a1).unwrap().get_version_num(), 7);
        assert!(a1 < a2, "ids made in one millisecond stay in order");
        assert_ne!(short(&a1), short(&a2));
        assert_ne!(a1, IdGen::seeded(8).next(t));
    }

    #[test]
    fn ticket_ids_and_codes_replay_without_moving_the_main_ids() {
        let t = DateTime::from_timestamp_millis(1_780_000_000_000).unwrap();
        let (a, b) = (IdGen::seeded(7), IdGen::seeded(7));
        let plain = a.next(t);
        let _ = (b.next_ticket_id(t), b.code_bits(), b.code_bits());
        assert_eq!(b.next(t), plain, "tickets drew from their own counter");
        let (c, d) = (IdGen::seeded(7), IdGen::seeded(7));
        assert_eq!(c.code_bits(), d.code_bits(), "the same codes every run");
        assert_ne!(c.code_bits(), c.code_bits());
        assert_ne!(IdGen::seeded(8).code_bits(), IdGen::seeded(7).code_bits());
        assert_ne!(IdGen::seeded(7).next_ticket_id(t), plain);
        assert_ne!(IdGen::Random.code_bits(), IdGen::Random.code_bits(), "80 bits from the OS");
    }
}
