//! The testers' script language (issue 4): a line-based script of keys, typed text,
//! virtual-clock moves and expectations, run headless against the app.
//!
//! - [`parse`]: bytes → [`Script`] or a [`ParseError`] naming the line (pure, no I/O)
//! - [`run`]: drives a [`Harness`] (the app behind a trait) through a [`Script`],
//!   checking every expectation and writing snapshots
//!
//! The language itself is documented in `docs/script-language.md`.

pub mod cli;
pub mod harness;
pub mod parse;
pub mod run;

pub use parse::{Action, KeyPress, ParseError, Script, Step, parse};
pub use run::{Failure, Harness, RunReport, run};
