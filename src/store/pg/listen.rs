//! Other terminals' changes, as PostgreSQL announces them: every write
//! transaction is followed by a `pg_notify('boxoffice', '')` (see
//! `PgConn::commit`), and a [`Listener`] on its own connection counts the
//! notices. The UI's read worker polls [`Listener::version`] where on SQLite
//! it polls `PRAGMA data_version`: a different number means "something was
//! written since you last looked; refresh". Its own writes count too (SQLite's
//! `data_version` leaves them out): a needless refresh, never a missed one.

use super::{CHANNEL, PgConn};
use crate::error::{Error, Result};
use postgres::fallible_iterator::FallibleIterator;
use std::cell::Cell;
use std::time::Duration;

/// How long [`Listener::version`] looks for notices that have arrived.
const LOOK: Duration = Duration::from_millis(2);

/// A connection that listens for change notices.
pub struct Listener {
    conn: PgConn,
    seen: Cell<u64>,
}

impl Listener {
    pub fn connect(url: &str) -> Result<Listener> {
        Listener::on(PgConn::connect(url)?)
    }

    /// A listener on a new connection to `conn`'s database.
    pub fn like(conn: &PgConn) -> Result<Listener> {
        Listener::on(conn.connect_again()?)
    }

    fn on(conn: PgConn) -> Result<Listener> {
        conn.execute_batch(&format!("LISTEN {CHANNEL}"))?;
        Ok(Listener { conn, seen: Cell::new(0) })
    }

    /// How many change notices have arrived since this listener connected,
    /// reading those waiting (a wait of at most [`LOOK`]). Compare it with
    /// the last value seen, as `PRAGMA data_version`.
    pub fn version(&self) -> Result<u64> {
        let mut client = self.conn.client.borrow_mut();
        {
            // Not `notifications().iter()`: it never lets the client's event
            // loop turn, so a notice that reached the socket after the last
            // query is not read (every poll said "nothing new"). A wait that
            // may park, however short, reads the socket.
            let mut notices = client.notifications();
            let mut iter = notices.timeout_iter(LOOK);
            while iter.next().map_err(|e| self.conn.error(e))?.is_some() {
                self.seen.set(self.seen.get() + 1);
            }
        }
        if client.is_closed() {
            return Err(Error::Storage(format!(
                "lost the connection to PostgreSQL at {}; changes by other terminals are not seen",
                self.conn.target()
            )));
        }
        Ok(self.seen.get())
    }

    /// Waits up to `timeout` for a notice (then reads all that are waiting);
    /// the count as [`Listener::version`] gives it.
    pub fn wait(&self, timeout: Duration) -> Result<u64> {
        {
            let mut client = self.conn.client.borrow_mut();
            let mut notices = client.notifications();
            if notices.timeout_iter(timeout).next().map_err(|e| self.conn.error(e))?.is_some() {
                self.seen.set(self.seen.get() + 1);
            }
        }
        self.version()
    }
}
