//! Printing tickets: the PDF for an 80 mm ticket printer and the QR code in
//! a terminal. Pure renderers (`qr_half_blocks`, `tickets_pdf`) for the UI
//! to call, and `print_tickets`, which writes a booking's PDF and audits it.

mod pdf;
mod qr;

pub use pdf::{PAGE_WIDTH, tickets_pdf};
pub use qr::{Modules, QUIET_ZONE, qr_half_blocks, qr_modules};

use crate::engine::{Desk, printable};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// What `print_tickets` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    pub path: PathBuf,
    /// Pages: one per ticket (valid and used ones; void ones are left out).
    pub tickets: usize,
}

/// Writes a booking's tickets to a PDF at `path` (times in `tz`) and records
/// the printing in the audit trail; printing again is allowed and audited
/// again. The file appears whole or not at all: it is written beside `path`
/// first and renamed into place once the audit row is committed.
pub fn print_tickets(desk: &Desk, booking_id: &str, path: &Path) -> Result<Printed> {
    // Name, address and times on a ticket are the venue's, whichever machine prints it.
    let venue = desk.settings()?.effective;
    let sheet = desk.ticket_sheet(booking_id)?;
    let tickets = printable(&sheet);
    if tickets.is_empty() {
        let status = desk.get_booking(booking_id)?.status;
        return Err(Error::refused(format!(
            "booking {} has no valid tickets to print (it is {status}; tickets are issued when it is paid)",
            crate::ids::short(booking_id)
        )));
    }
    let bytes = tickets_pdf(&sheet, &tickets, &venue);
    let part = PathBuf::from(format!("{}.part", path.display()));
    std::fs::write(&part, &bytes).map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    let owned: Vec<_> = tickets.into_iter().cloned().collect();
    let done = desk.record_printing(booking_id, path, &owned).and_then(|()| {
        std::fs::rename(&part, path).map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
    });
    if let Err(e) = done {
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    Ok(Printed { path: path.to_path_buf(), tickets: owned.len() })
}

/// Where the app writes a booking's tickets: `tickets-<short id>.pdf` beside the database.
pub fn default_pdf_path(db: &Path, booking_id: &str) -> PathBuf {
    let dir = db.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    pdf_path_in(dir, booking_id)
}

/// A booking's tickets' PDF in `dir` (the app passes the database's directory,
/// or a script run's own folder): `tickets-<short id>.pdf`.
pub fn pdf_path_in(dir: &Path, booking_id: &str) -> PathBuf {
    dir.join(format!("tickets-{}.pdf", crate::ids::short(booking_id)))
}
