//! What every operation needs besides the database: the clock, the id source
//! and the business settings.

use crate::clock::{Clock, ManualClock, SystemClock};
use crate::ids::IdGen;
use crate::store::Durability;
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// Business settings; the defaults are DESIGN.md's seed figures.
#[derive(Debug, Clone)]
pub struct Config {
    pub hold_window: Duration,
    pub payment_window: Duration,
    /// Share of a CONFIRMED booking refunded on cancellation.
    pub refund_percent: u8,
    /// How many times an ACTIVE hold may be extended by `hold_window`.
    pub hold_extensions: u32,
    pub currency: String,
    pub durability: Durability,
    /// Minutes without a key before the app locks its screen (0: never).
    pub idle_lock_minutes: u32,
    /// How hard new PINs are hashed. Only tests lower it (`PinCost::Fast`).
    #[doc(hidden)]
    pub pin_cost: PinCost,
}

/// The cost of hashing a new PIN with argon2id. A stored hash carries its own
/// parameters, so a PIN hashed at either cost verifies at that cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PinCost {
    /// The argon2 crate's defaults (argon2id, 19 MiB, 2 passes: OWASP's advice).
    #[default]
    Standard,
    /// 8 KiB and one pass: for test suites that make many clerks. Never for real PINs.
    Fast,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            hold_window: Duration::minutes(5),
            payment_window: Duration::minutes(10),
            refund_percent: 50,
            hold_extensions: 2,
            currency: "INR".into(),
            durability: Durability::Full,
            idle_lock_minutes: 5,
            pin_cost: PinCost::Standard,
        }
    }
}

#[derive(Clone)]
pub struct Context {
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<IdGen>,
    pub config: Config,
}

impl Context {
    /// Wall clock, random ids.
    pub fn system(config: Config) -> Self {
        Context { clock: Arc::new(SystemClock), ids: Arc::new(IdGen::Random), config }
    }

    /// A manual clock starting at `start` and seeded ids: everything replays exactly.
    pub fn manual(start: DateTime<Utc>, seed: u64, config: Config) -> (Self, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(start));
        let ctx = Context { clock: clock.clone(), ids: Arc::new(IdGen::seeded(seed)), config };
        (ctx, clock)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn new_id(&self) -> String {
        self.ids.next(self.clock.now())
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("now", &self.now()).field("config", &self.config).finish()
    }
}
