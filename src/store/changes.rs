//! What the UI's read worker asks of its connection, each backend's way:
//! whether anything was committed since it last looked, and ending a long
//! read from another thread. The worker holds one of each and never matches
//! on the backend itself.

use super::db::Db;
use super::pg::listen::Listener;
use crate::error::Result;

/// "Has anything changed since the screens were last read?": SQLite's
/// `PRAGMA data_version` on the connection, or on PostgreSQL the change
/// notices a [`Listener`] of its own counts (every write notifies after its
/// commit).
pub enum Changes {
    Sqlite,
    Postgres(Box<Listener>),
}

impl Changes {
    /// Starts watching what `db` is on (on PostgreSQL: a listening connection).
    pub fn watch(db: &Db) -> Result<Changes> {
        Ok(match db {
            Db::Sqlite(_) => Changes::Sqlite,
            Db::Pg(pg) => Changes::Postgres(Box::new(Listener::like(pg)?)),
        })
    }

    /// A number that differs from the last one read when something was
    /// written since; `db` is the connection [`Changes::watch`] was given.
    pub fn version(&self, db: &Db) -> Result<i64> {
        match (self, db) {
            (Changes::Postgres(listener), _) => Ok(i64::try_from(listener.version()?).unwrap_or(i64::MAX)),
            (Changes::Sqlite, db) => super::data_version(db.sqlite_only("data_version")?),
        }
    }
}

/// Ends a long read on a connection, from another thread: SQLite's interrupt
/// handle, or PostgreSQL's cancel request (sent from a thread of its own: it
/// opens a connection to the server, and the caller never waits on that).
pub enum Interrupt {
    Sqlite(rusqlite::InterruptHandle),
    Postgres(postgres::CancelToken),
}

impl Interrupt {
    pub fn of(db: &Db) -> Interrupt {
        match db {
            Db::Sqlite(conn) => Interrupt::Sqlite(conn.get_interrupt_handle()),
            Db::Pg(pg) => Interrupt::Postgres(pg.cancel_token()),
        }
    }

    pub fn fire(&self) {
        match self {
            Interrupt::Sqlite(handle) => handle.interrupt(),
            Interrupt::Postgres(token) => {
                let token = token.clone();
                let sent = std::thread::Builder::new().name("boxoffice-cancel".into()).spawn(move || {
                    if let Err(e) = token.cancel_query(postgres::NoTls) {
                        tracing::info!(%e, "could not cancel the read in flight");
                    }
                });
                if let Err(e) = sent {
                    tracing::info!(%e, "could not start the cancel thread");
                }
            }
        }
    }
}
