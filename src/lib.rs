//! boxoffice: a terminal box office on one SQLite file.
//!
//! - [`domain`]: pure types and rules (state machine, money, validation, seat choice)
//! - [`store`]: every SQL statement, the schema and transactions
//! - [`engine`]: the operations on a [`Desk`], one file per capability, each write one IMMEDIATE transaction + audit
//! - [`jobs`]: the background tick (expiry, refunds, audit shipping, pruning, recovery)
//! - [`report`]: booking summary and health metrics from the engine's aggregates
//! - [`tui`]: the clerk's terminal app (and its headless twin)
//! - [`script`]: the testers' script language (parser and headless runner)

pub mod cashup;
pub mod clock;
pub mod context;
pub mod demo;
pub mod domain;
pub mod engine;
pub mod error;
pub mod export;
pub mod ids;
pub mod jobs;
pub mod output;
pub mod paths;
pub mod print;
pub mod report;
pub mod script;
pub mod store;
pub mod tui;
pub mod type_report;

pub use context::{Config, Context, PinCost};
pub use engine::{Desk, HoldRequest, SeatPick};
pub use error::{Error, Result};
