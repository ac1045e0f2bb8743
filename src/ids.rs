//! UUID v7 ids, time-ordered by the clock's time. Random bits come from the OS
//! normally, or from a seeded counter so a script writes the same ids every run.

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::{Builder, Uuid};

#[derive(Debug)]
pub enum IdGen {
    Random,
    Seeded { seed: u64, counter: AtomicU64 },
}

impl IdGen {
    pub fn seeded(seed: u64) -> Self {
        IdGen::Seeded { seed, counter: AtomicU64::new(0) }
    }

    pub fn next(&self, now: DateTime<Utc>) -> String {
        let ms = now.timestamp_millis().max(0) as u64;
        let mut bytes = [0u8; 10];
        match self {
            IdGen::Random => bytes.copy_from_slice(&Uuid::new_v4().as_bytes()[..10]),
            IdGen::Seeded { seed, counter } => {
                // The counter first keeps ids made in one millisecond in order;
                // the seeded bits after it keep different seeds apart.
                let n = counter.fetch_add(1, Ordering::Relaxed);
                bytes[..4].copy_from_slice(&(n as u32).to_be_bytes());
                bytes[4..].copy_from_slice(&splitmix(seed ^ n).to_be_bytes()[..6]);
            }
        }
        Builder::from_unix_timestamp_millis(ms, &bytes).into_uuid().to_string()
    }
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
}
