//! What every operation needs besides the database: the clock, the id source
//! and this process's overrides of the venue's settings.

use crate::clock::{Clock, ManualClock, SystemClock};
use crate::domain::SettingKey;
use crate::ids::IdGen;
use crate::store::Durability;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// What one process is told besides the file: overrides of the venue's
/// settings (flags, `BOXOFFICE_*` variables, tests) and the commit durability.
/// A `None` override means "the venue's setting", read from the file inside
/// each operation's transaction, so every counter sells by the same policy
/// within a second of a change; a `Some` wins over the file for this process
/// only (`Desk::settings` says which are overridden, for the status bar).
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub hold_minutes: Option<u32>,
    pub payment_minutes: Option<u32>,
    /// Share of a CONFIRMED booking refunded on cancellation.
    pub refund_percent: Option<u8>,
    pub durability: Durability,
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

impl Config {
    /// The overrides as (setting, value), in the settings' order.
    pub fn overrides(&self) -> Vec<(SettingKey, String)> {
        let mut out = Vec::new();
        if let Some(m) = self.hold_minutes {
            out.push((SettingKey::HoldMinutes, m.to_string()));
        }
        if let Some(m) = self.payment_minutes {
            out.push((SettingKey::PaymentMinutes, m.to_string()));
        }
        if let Some(p) = self.refund_percent {
            out.push((SettingKey::RefundPercent, p.to_string()));
        }
        out
    }

    /// The settings this process overrides (the status bar's indicator).
    pub fn overridden(&self) -> Vec<SettingKey> {
        self.overrides().into_iter().map(|(k, _)| k).collect()
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
