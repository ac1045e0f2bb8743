//! Writing a command's output without panicking: `println!` panics when
//! stdout is closed (`| head -c0`) or full (`>/dev/full`). Here a reader that
//! went away is not a failure (the command keeps its exit code), any other
//! write error is one (exit 2), and a message that cannot be written to
//! stderr is dropped — the exit code still says it failed.

use crate::error::{Error, Result};
use std::io::Write;
use std::process::ExitCode;

/// Writes `text` to stdout and flushes it; a broken pipe counts as written
/// (whoever read the output has seen all they wanted).
pub fn stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("cannot write to standard output", e)),
        _ => Ok(()),
    }
}

/// Best effort: stderr may itself be closed or full.
pub fn stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Reports `e` on stderr as `program: e` and returns exit code 2; a broken
/// pipe is no failure (exit 0).
pub fn fail(program: &str, e: &Error) -> ExitCode {
    if e.is_broken_pipe() {
        return ExitCode::SUCCESS;
    }
    stderr(&format!("{program}: {e}\n"));
    ExitCode::from(2)
}
