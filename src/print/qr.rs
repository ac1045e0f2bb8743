//! A ticket code's QR code: its module matrix, and that matrix drawn with
//! Unicode half blocks for a terminal (two module rows per text line).

use crate::domain::TicketCode;
use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code in the terminal drawing. The standard asks
/// for 4 on paper (the PDF keeps 4); 2 is what phones need on a lit screen
/// and keeps the drawing small enough for a receipt panel.
pub const QUIET_ZONE: usize = 2;

/// A QR code's modules: `width × width`, row by row, `true` = dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modules {
    pub width: usize,
    pub dark: Vec<bool>,
}

impl Modules {
    /// Whether the module at (x, y) is dark; outside the code (the quiet zone) is light.
    pub fn is_dark(&self, x: isize, y: isize) -> bool {
        let w = self.width as isize;
        (0..w).contains(&x) && (0..w).contains(&y) && self.dark[(y * w + x) as usize]
    }
}

/// The QR code of a ticket code: its 17-character compact form (no dashes;
/// the door's parser takes it as typed) at error correction level M, which
/// fits in the smallest QR version (21 × 21).
pub fn qr_modules(code: &TicketCode) -> Option<Modules> {
    let qr = QrCode::with_error_correction_level(code.as_str(), EcLevel::M).ok()?;
    let dark = qr.to_colors().into_iter().map(|c| c == Color::Dark).collect();
    Some(Modules { width: qr.width(), dark })
}

/// The QR code drawn with `█ ▀ ▄` and spaces, [`QUIET_ZONE`] modules of light
/// margin included: each line is two module rows, each character one module
/// column. The blocks are the *dark* modules: draw the lines dark on light
/// (e.g. black on white) so phones read them on any terminal theme. All lines
/// have the same number of characters (25 for a ticket code: 25 × 13).
pub fn qr_half_blocks(code: &TicketCode) -> Vec<String> {
    let Some(m) = qr_modules(code) else { return Vec::new() };
    let q = QUIET_ZONE as isize;
    let side = m.width as isize + 2 * q;
    (0..side)
        .step_by(2)
        .map(|y| {
            (0..side)
                .map(|x| match (m.is_dark(x - q, y - q), m.is_dark(x - q, y + 1 - q)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> TicketCode {
        TicketCode::from_bytes([0x3a, 0x91, 0x07, 0xff, 0x10, 0x42, 0x99, 0xc3, 0x5e, 0x01])
    }

    /// The drawing back to pixels (`scale` per module; dark = 0) and read by a QR decoder.
    fn decode(lines: &[String], scale: usize) -> String {
        let cells: Vec<Vec<(bool, bool)>> = lines
            .iter()
            .map(|l| {
                l.chars()
                    .map(|c| match c {
                        '█' => (true, true),
                        '▀' => (true, false),
                        '▄' => (false, true),
                        ' ' => (false, false),
                        other => panic!("unexpected {other:?}"),
                    })
                    .collect()
            })
            .collect();
        let (w, h) = (cells[0].len() * scale, cells.len() * 2 * scale);
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
            let (top, bottom) = cells[y / (2 * scale)][x / scale];
            let dark = if (y / scale).is_multiple_of(2) { top } else { bottom };
            if dark { 0 } else { 255 }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code found");
        grids[0].decode().expect("decodes").1
    }

    #[test]
    fn the_drawing_is_a_square_with_a_quiet_zone_and_decodes_to_the_code() {
        let lines = qr_half_blocks(&code());
        let m = qr_modules(&code()).expect("modules");
        assert_eq!(m.width, 21, "the smallest QR version");
        let side = 21 + 2 * QUIET_ZONE;
        assert_eq!(lines.len(), side.div_ceil(2));
        assert!(lines.iter().all(|l| l.chars().count() == side), "every line {side} wide");
        // The quiet zone: the first line and the first and last columns are blank.
        assert!(lines[0].chars().all(|c| c == ' '));
        assert!(lines.iter().all(|l| l.starts_with("  ") && l.ends_with("  ")));
        assert!(lines.iter().flat_map(|l| l.chars()).all(|c| " ▀▄█".contains(c)));
        assert_eq!(decode(&lines, 4), code().as_str());
    }

    #[test]
    fn the_drawing_holds_every_module_of_the_matrix() {
        let m = qr_modules(&code()).expect("modules");
        let lines = qr_half_blocks(&code());
        let q = QUIET_ZONE as isize;
        for (row, line) in lines.iter().enumerate() {
            for (col, c) in line.chars().enumerate() {
                let (x, y) = (col as isize - q, 2 * row as isize - q);
                let top = c == '█' || c == '▀';
                let bottom = c == '█' || c == '▄';
                assert_eq!((top, bottom), (m.is_dark(x, y), m.is_dark(x, y + 1)), "line {row} column {col}");
            }
        }
        // The finder pattern's corner: the top-left module is dark.
        assert!(m.is_dark(0, 0) && !m.is_dark(-1, 0));
    }

    #[test]
    fn different_codes_draw_differently() {
        let other = TicketCode::from_bytes([1; 10]);
        assert_ne!(qr_half_blocks(&code()), qr_half_blocks(&other));
        assert_eq!(decode(&qr_half_blocks(&other), 3), other.as_str());
    }
}
