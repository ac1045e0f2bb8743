//! Events and their seating: reserved (rows × seats, labels like `C7`) or
//! general admission (a capacity).

use super::Invalid;
use chrono::{DateTime, Utc};

pub const MAX_ROWS: u32 = 26;
pub const MAX_SEATS_PER_ROW: u32 = 99;
pub const MAX_CAPACITY: u32 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Reserved { rows: u32, seats_per_row: u32 },
    GeneralAdmission { capacity: u32 },
}

impl EventKind {
    pub fn total(self) -> u32 {
        match self {
            EventKind::Reserved { rows, seats_per_row } => rows * seats_per_row,
            EventKind::GeneralAdmission { capacity } => capacity,
        }
    }

    pub fn is_reserved(self) -> bool {
        matches!(self, EventKind::Reserved { .. })
    }

    pub fn code(self) -> &'static str {
        match self {
            EventKind::Reserved { .. } => "RESERVED",
            EventKind::GeneralAdmission { .. } => "GA",
        }
    }
}

/// An event as the clerk types it in, before validation.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub name: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub kind: EventKind,
    /// Price per seat in minor units.
    pub price: i64,
    pub currency: String,
}

impl NewEvent {
    /// Trims the text fields and checks every rule; the first broken rule is returned.
    pub fn validate(mut self) -> Result<NewEvent, Invalid> {
        self.name = self.name.trim().to_string();
        self.description = self.description.trim().to_string();
        self.currency = self.currency.trim().to_ascii_uppercase();
        let chars = self.name.chars().count();
        if chars == 0 {
            return Err(Invalid::new("name", "is required"));
        }
        if chars > 120 {
            return Err(Invalid::new("name", format!("must be at most 120 characters (got {chars})")));
        }
        if self.name.chars().any(char::is_control) {
            return Err(Invalid::new("name", "must not contain control characters"));
        }
        if self.description.chars().count() > 2000 {
            return Err(Invalid::new("description", "must be at most 2000 characters"));
        }
        match self.kind {
            EventKind::Reserved { rows, seats_per_row } => {
                if rows == 0 || rows > MAX_ROWS {
                    return Err(Invalid::new("rows", format!("must be 1 to {MAX_ROWS} (rows are lettered A–Z)")));
                }
                if seats_per_row == 0 || seats_per_row > MAX_SEATS_PER_ROW {
                    return Err(Invalid::new("seats per row", format!("must be 1 to {MAX_SEATS_PER_ROW}")));
                }
            }
            EventKind::GeneralAdmission { capacity } => {
                if capacity == 0 || capacity > MAX_CAPACITY {
                    return Err(Invalid::new("capacity", format!("must be 1 to {MAX_CAPACITY}")));
                }
            }
        }
        if self.price < 0 {
            return Err(Invalid::new("price", "must not be negative"));
        }
        if self.price > 10_000_000_000 {
            return Err(Invalid::new("price", "must be at most 100,000,000.00 per seat"));
        }
        if self.currency.len() != 3 || !self.currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(Invalid::new("currency", "must be a three-letter code such as INR"));
        }
        Ok(self)
    }
}

/// Row letter for a 0-based row index: 0 → A.
pub fn row_letter(row: u32) -> char {
    char::from(b'A' + (row.min(25) as u8))
}

/// `C7` for row index 2, seat number 7.
pub fn seat_label(row: u32, number: u32) -> String {
    format!("{}{}", row_letter(row), number)
}

/// Parses a label like `c7` or `C07` into (row index, seat number), checking it
/// exists in a `rows × seats_per_row` hall.
pub fn parse_seat_label(text: &str, rows: u32, seats_per_row: u32) -> Result<(u32, u32), Invalid> {
    let t = text.trim().to_ascii_uppercase();
    let mut chars = t.chars();
    let bad = || Invalid::new("seat", format!("'{}' is not a seat label like C7", text.trim()));
    let letter = chars.next().ok_or_else(bad)?;
    if !letter.is_ascii_uppercase() {
        return Err(bad());
    }
    let digits = chars.as_str();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let number: u32 = digits.parse().map_err(|_| bad())?;
    let row = u32::from(letter as u8 - b'A');
    if row >= rows || number == 0 || number > seats_per_row {
        return Err(Invalid::new(
            "seat",
            format!("{letter}{number} is not in this hall (rows A–{}, seats 1–{seats_per_row})", row_letter(rows - 1)),
        ));
    }
    Ok((row, number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, kind: EventKind, price: i64) -> NewEvent {
        NewEvent {
            name: name.into(),
            description: String::new(),
            starts_at: DateTime::UNIX_EPOCH,
            kind,
            price,
            currency: "inr".into(),
        }
    }

    #[test]
    fn validation_names_the_field() {
        let ga = EventKind::GeneralAdmission { capacity: 10 };
        assert_eq!(event("  ", ga, 1).validate().unwrap_err().field, "name");
        assert_eq!(event(&"x".repeat(121), ga, 1).validate().unwrap_err().field, "name");
        assert!(event(&"x".repeat(120), ga, 1).validate().is_ok());
        assert_eq!(event("a", ga, -1).validate().unwrap_err().field, "price");
        let zero = EventKind::GeneralAdmission { capacity: 0 };
        assert_eq!(event("a", zero, 1).validate().unwrap_err().field, "capacity");
        let wide = EventKind::Reserved { rows: 27, seats_per_row: 1 };
        assert_eq!(event("a", wide, 1).validate().unwrap_err().field, "rows");
        assert_eq!(event(" Gala ", ga, 1).validate().unwrap().currency, "INR");
    }

    #[test]
    fn labels_round_trip() {
        assert_eq!(seat_label(2, 7), "C7");
        assert_eq!(parse_seat_label("c7", 10, 20).unwrap(), (2, 7));
        assert!(parse_seat_label("K1", 10, 20).is_err());
        assert!(parse_seat_label("A21", 10, 20).is_err());
        assert!(parse_seat_label("A0", 10, 20).is_err());
        assert!(parse_seat_label("7C", 10, 20).is_err());
        assert!(parse_seat_label("A+7", 10, 20).is_err());
        assert!(parse_seat_label("", 10, 20).is_err());
    }
}
