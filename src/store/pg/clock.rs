//! The database server's time. Hosts whose clocks are a few seconds apart
//! must agree on when a hold expires and when a job's lease runs out; on
//! PostgreSQL they all ask the server. Asking on every `now()` would add a
//! round trip to every tick of the status bar's countdown, so the clock
//! measures the offset between the server's time and this host's once and
//! again every [`RESYNC`], and adds it to the local clock in between (exact
//! to about half a round trip, a millisecond on a LAN).
//!
//! Phase 2 wires it: `SystemClock` becomes `ServerClock` when the database is
//! PostgreSQL; a `ManualClock` (tests, scripts) stays as it is.

use super::PgConn;
use crate::clock::Clock;
use crate::error::Result;
use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

/// The server's clock in unix milliseconds: `clock_timestamp()`, the time at
/// the moment of asking (`now()` is the start of the transaction).
pub const NOW_MS: &str = "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/// How often the offset is measured again (clocks drift; NTP steps them).
pub const RESYNC: std::time::Duration = std::time::Duration::from_secs(30);

/// The server's time, read through this host's clock and a measured offset.
pub struct ServerClock {
    conn: Mutex<PgConn>,
    offset_ms: AtomicI64,
    synced: Mutex<Instant>,
}

impl ServerClock {
    /// Connects (its own connection) and measures the offset once.
    pub fn connect(url: &str) -> Result<ServerClock> {
        let conn = PgConn::connect(url)?;
        let offset = measure(&conn)?;
        Ok(ServerClock {
            conn: Mutex::new(conn),
            offset_ms: AtomicI64::new(offset),
            synced: Mutex::new(Instant::now()),
        })
    }

    /// Server time minus this host's time, as last measured.
    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Measures the offset again now.
    pub fn sync(&self) -> Result<()> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        self.offset_ms.store(measure(&conn)?, Ordering::Relaxed);
        *self.synced.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        Ok(())
    }

    fn due(&self) -> bool {
        self.synced.try_lock().is_ok_and(|at| at.elapsed() >= RESYNC)
    }
}

impl Clock for ServerClock {
    fn now(&self) -> DateTime<Utc> {
        // A failed resync keeps the last offset (the server may be away for
        // a moment; the next write will say so) and tries again next time.
        if self.due()
            && let Err(e) = self.sync()
        {
            tracing::warn!(error = %e, "could not read the database server's time; using the last offset");
        }
        Utc::now() + self.offset()
    }
}

/// Server time minus local time, taking the local time halfway through the
/// round trip.
fn measure(conn: &PgConn) -> Result<i64> {
    let before = Utc::now();
    let server = conn.server_now_ms()?;
    let after = Utc::now();
    let local = before.timestamp_millis() + (after - before).num_milliseconds() / 2;
    Ok(server - local)
}
