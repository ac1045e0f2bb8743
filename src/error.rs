//! One error type for the engine. Every variant reads as a sentence a clerk can
//! act on; the CLI maps `Storage` problems to exit code 2. SQLite and I/O
//! errors keep their cause as the error's `source`.

use crate::domain::Invalid;

/// A clerk refused a supervisor's work (boxed: errors stay small).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAllowed {
    pub what: String,
    pub clerk: String,
    pub clerk_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input broke a rule; names the field.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: String },
    /// The state machine says no; the text says why.
    #[error("{0}")]
    Refused(String),
    #[error("not enough seats: asked for {requested}, only {available} left")]
    NotEnoughSeats { requested: u32, available: u32 },
    /// The signed-in clerk's role may not do this. Nothing changed; the
    /// attempt is audited (`ACCESS_REFUSED`) in a transaction of its own.
    #[error("only a supervisor may {}; {} is signed in as a clerk", .0.what, .0.clerk)]
    NotAllowed(Box<NotAllowed>),
    #[error("seat {0} is already taken; pick another")]
    SeatTaken(String),
    #[error("the database stayed busy (another terminal is writing); nothing was changed, try again")]
    Busy,
    /// The file cannot be used at all: not SQLite, damaged, newer schema, read-only, locked.
    #[error("{0}")]
    Storage(String),
    #[error("database error: {0}")]
    Db(#[source] rusqlite::Error),
    /// Reading or writing a file, a pipe or the terminal failed; `context`
    /// says what was being done.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked) => Error::Busy,
            Some(C::ReadOnly) => Error::Storage("the database file is read-only; nothing was changed".into()),
            Some(C::NotADatabase) => Error::Storage("the file is not a boxoffice database (not SQLite)".into()),
            Some(C::DatabaseCorrupt) => Error::Storage(
                "the database file is damaged (SQLite reports it malformed); nothing was changed: \
                 restore it from a backup"
                    .into(),
            ),
            Some(C::DiskFull) => Error::Storage("the disk is full; nothing was changed".into()),
            _ => Error::Db(e),
        }
    }
}

impl Error {
    pub fn refused(why: impl Into<String>) -> Self {
        Error::Refused(why.into())
    }

    pub fn not_found(what: &'static str, id: &str) -> Self {
        Error::NotFound { what, id: id.to_string() }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    /// Whoever read the output went away (`boxoffice report | head`): not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
