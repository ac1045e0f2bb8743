//! Tickets as a PDF for an 80 mm ticket printer: one ticket per page, 80 mm
//! wide and as tall as its content. Built-in Courier fonts (monospaced, as a
//! ticket printer's are, and nothing to embed), so text is WinAnsi: a
//! character outside it prints as `?`; money is written with the currency
//! code (`INR 500.00`), as ₹ is not in the font.

use super::qr::{Modules, qr_modules};
use crate::domain::{Money, Settings, Ticket, TicketSheet};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// 80 mm in PDF points (1/72 inch).
pub const PAGE_WIDTH: f32 = 80.0 / 25.4 * 72.0;
const MARGIN: f32 = 12.0;
/// Courier's every glyph is 0.6 em wide: text is measured exactly.
const COURIER_EM: f32 = 0.6;
/// The QR's module size and quiet zone on paper (the standard's 4 modules).
const MODULE: f32 = 5.0;
const PAPER_QUIET: usize = 4;

/// One piece of a ticket's layout, top to bottom.
enum Block {
    Text { font: Font, size: f32, text: String },
    Gap(f32),
    Qr(Modules),
}

#[derive(Clone, Copy)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }
}

impl Block {
    fn height(&self) -> f32 {
        match self {
            Block::Text { size, .. } => size * 1.3,
            Block::Gap(h) => *h,
            Block::Qr(m) => (m.width + 2 * PAPER_QUIET) as f32 * MODULE,
        }
    }
}

/// The PDF of `tickets` (one page each) of a booking: the venue's name and
/// address on top, times in the venue's zone.
pub fn tickets_pdf(sheet: &TicketSheet, tickets: &[&Ticket], venue: &Settings) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first = 6;
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    let pages: Vec<Ref> = (0..tickets.len()).map(|i| Ref::new(first + 2 * i as i32)).collect();
    pdf.pages(tree).kids(pages.iter().copied()).count(pages.len() as i32);
    pdf.type1_font(regular).base_font(Name(b"Courier")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Courier-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    let title = format!("Tickets for booking {}", crate::ids::short(&sheet.booking_id));
    pdf.document_info(info).title(TextStr(&title)).creator(TextStr("boxoffice"));
    for (i, ticket) in tickets.iter().enumerate() {
        let blocks = layout(sheet, ticket, i + 1, tickets.len(), venue);
        let height = MARGIN * 2.0 + blocks.iter().map(Block::height).sum::<f32>();
        let content_id = Ref::new(first + 2 * i as i32 + 1);
        let mut page = pdf.page(pages[i]);
        page.parent(tree).media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, height)).contents(content_id);
        page.resources().fonts().pair(Font::Regular.name(), regular).pair(Font::Bold.name(), bold);
        page.finish();
        pdf.stream(content_id, &draw(&blocks, height).finish());
    }
    pdf.finish()
}

/// Top to bottom: venue, event, date, seat, type and price, the QR, the code
/// (large), which ticket of the booking, the customer.
fn layout(sheet: &TicketSheet, t: &Ticket, n: usize, of: usize, venue: &Settings) -> Vec<Block> {
    let text = |font, size: f32, s: &str| {
        wrap(s, size).into_iter().map(move |line| Block::Text { font, size, text: line }).collect::<Vec<_>>()
    };
    let mut blocks = Vec::new();
    // A venue with no name set prints none (the address alone says little).
    if !venue.venue_name.trim().is_empty() {
        blocks.extend(text(Font::Bold, 9.0, venue.venue_name.trim()));
        if !venue.venue_address.trim().is_empty() {
            blocks.extend(text(Font::Regular, 8.0, venue.venue_address.trim()));
        }
        blocks.push(Block::Gap(2.0));
    }
    blocks.extend(text(Font::Bold, 12.0, &sheet.event_name));
    let when = sheet.starts_at.with_timezone(&venue.time_zone).format("%a %d %b %Y %H:%M").to_string();
    blocks.extend(text(Font::Regular, 10.0, &when));
    blocks.push(Block::Gap(6.0));
    let seat = match &t.seat {
        Some(label) => format!("Seat {label}"),
        None => "General admission".into(),
    };
    blocks.extend(text(Font::Bold, 14.0, &seat));
    let price = Money(t.price).coded(&sheet.currency);
    blocks.extend(text(Font::Regular, 10.0, &format!("{} {price}", t.type_name)));
    blocks.push(Block::Gap(4.0));
    if let Some(m) = qr_modules(&t.code) {
        blocks.push(Block::Qr(m));
    }
    blocks.push(Block::Gap(2.0));
    blocks.extend(text(Font::Bold, 15.0, &t.code.grouped()));
    blocks.push(Block::Gap(4.0));
    let which = format!("Ticket {n} of {of} - booking {}", crate::ids::short(&sheet.booking_id));
    blocks.extend(text(Font::Regular, 8.0, &which));
    if !sheet.customer_name.is_empty() {
        blocks.extend(text(Font::Regular, 8.0, &sheet.customer_name));
    }
    blocks
}

fn draw(blocks: &[Block], height: f32) -> Content {
    let mut c = Content::new();
    let mut top = height - MARGIN;
    for b in blocks {
        match b {
            Block::Text { font, size, text } => {
                let baseline = top - size;
                c.begin_text();
                c.set_font(font.name(), *size);
                c.next_line(MARGIN, baseline);
                c.show(Str(&win_ansi(text)));
                c.end_text();
            }
            Block::Gap(_) => {}
            Block::Qr(m) => {
                let side = (m.width + 2 * PAPER_QUIET) as f32 * MODULE;
                let left = (PAGE_WIDTH - side) / 2.0 + PAPER_QUIET as f32 * MODULE;
                let code_top = top - PAPER_QUIET as f32 * MODULE;
                c.set_fill_gray(0.0);
                for y in 0..m.width {
                    for x in 0..m.width {
                        if m.is_dark(x as isize, y as isize) {
                            c.rect(left + x as f32 * MODULE, code_top - (y + 1) as f32 * MODULE, MODULE, MODULE);
                        }
                    }
                }
                c.fill_nonzero();
            }
        }
        top -= b.height();
    }
    c
}

/// Lines of at most what fits across the page at `size`, broken at spaces
/// (a word longer than a line is cut).
fn wrap(text: &str, size: f32) -> Vec<String> {
    let per_line = (((PAGE_WIDTH - 2.0 * MARGIN) / (size * COURIER_EM)) as usize).max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: String = word.to_string();
        while word.chars().count() > per_line {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(per_line).collect();
            word = word.chars().skip(per_line).collect();
            lines.push(head);
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > per_line {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Text in the fonts' WinAnsi encoding: Latin-1 as itself, the few
/// Windows-1252 extras by their codes, anything else as `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '–' => 0x96,
            '—' => 0x97,
            '…' => 0x85,
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_within_the_page_and_encodes_as_win_ansi() {
        let lines = wrap("Indie Night: Open Air Concert under the stars of a long summer", 12.0);
        let per_line = ((PAGE_WIDTH - 2.0 * MARGIN) / (12.0 * COURIER_EM)) as usize;
        assert!(lines.len() > 1 && lines.iter().all(|l| l.chars().count() <= per_line), "{lines:?}");
        assert_eq!(lines.join(" "), "Indie Night: Open Air Concert under the stars of a long summer");
        assert_eq!(wrap(&"x".repeat(60), 12.0).concat(), "x".repeat(60), "a long word is cut, not lost");
        assert_eq!(wrap("", 10.0), [""]);
        assert_eq!(win_ansi("Café ₹5 – ok"), b"Caf\xe9 ?5 \x96 ok");
        // The code at its size fits across the page.
        assert_eq!(wrap("7K3M-Q9XA-2BHD-F0PZ-R", 15.0).len(), 1);
    }
}
