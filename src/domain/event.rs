//! Events and their seating: reserved (rows × seats, labels like `C7`) or
//! general admission (a capacity).

use super::money::{self, MAX_PRICE, Money};
use super::{Event, Invalid};
use chrono::{DateTime, Months, Utc};

pub const MAX_ROWS: u32 = 26;
pub const MAX_SEATS_PER_ROW: u32 = 99;
pub const MAX_CAPACITY: u32 = 1_000_000;
/// The event form takes starts up to this many years ahead.
pub const MAX_YEARS_AHEAD: u32 = 5;

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
                check_count("rows", rows, MAX_ROWS, " (rows are lettered A–Z)")?;
                check_count("seats per row", seats_per_row, MAX_SEATS_PER_ROW, "")?;
            }
            EventKind::GeneralAdmission { capacity } => check_count("capacity", capacity, MAX_CAPACITY, "")?,
        }
        money::currency(&self.currency).map_err(|why| Invalid::new("currency", why))?;
        if self.price < 0 {
            return Err(Invalid::new("price", "must not be negative"));
        }
        if self.price > MAX_PRICE {
            let max = Money(MAX_PRICE).format(&self.currency);
            return Err(Invalid::new("price", format!("is too large: at most {max} per seat")));
        }
        Ok(self)
    }
}

/// 1 to `max`: over the limit says "too large" (`note` says why the limit).
fn check_count(field: &'static str, n: u32, max: u32, note: &str) -> Result<(), Invalid> {
    let grouped = num_format::ToFormattedString::to_formatted_string(&max, &num_format::Locale::en);
    match n {
        0 => Err(Invalid::new(field, format!("must be 1 to {grouped}{note}"))),
        n if n > max => Err(Invalid::new(field, format!("is too large: at most {grouped}{note}"))),
        _ => Ok(()),
    }
}

/// A count as the clerk types it (`1,000` allowed). Digits are a number
/// however many there are: one past `u32` reads as `u32::MAX`, so the limit
/// check says "too large", not "must be a whole number".
pub fn parse_count(field: &'static str, text: &str) -> Result<u32, Invalid> {
    let t: String = text.trim().chars().filter(|c| *c != ',' && *c != '_').collect();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
        return Err(Invalid::new(field, "must be a whole number"));
    }
    Ok(t.parse::<u32>().unwrap_or(u32::MAX))
}

/// The start a clerk may give a new event at `now`: in the future, and at
/// most [`MAX_YEARS_AHEAD`] years ahead (a typo like 2062 for 2026 is caught).
/// Only the event form asks this: files, the demo and imports may hold past events.
pub fn check_start(starts_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Invalid> {
    if starts_at <= now {
        return Err(Invalid::new("starts", "must be in the future"));
    }
    let limit = now.checked_add_months(Months::new(12 * MAX_YEARS_AHEAD)).unwrap_or(DateTime::<Utc>::MAX_UTC);
    if starts_at > limit {
        return Err(Invalid::new("starts", format!("is more than {MAX_YEARS_AHEAD} years ahead: check the year")));
    }
    Ok(())
}

/// Whether two events are the same one typed twice: the same start and the
/// same name, ignoring case and spacing.
pub fn same_event(a: &str, a_start: DateTime<Utc>, b: &str, b_start: DateTime<Utc>) -> bool {
    let words = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
    a_start == b_start && words(a) == words(b)
}

impl Event {
    /// Why nothing can be sold for this event at `now`, if so: it has started
    /// (or is over), or every seat is sold or held.
    pub fn closed_reason(&self, now: DateTime<Utc>) -> Option<String> {
        if self.starts_at <= now {
            Some("Sales closed: this event has started or is over".into())
        } else if self.available == 0 {
            Some("Sold out: no seat is free (seats held by other sales may come back)".into())
        } else {
            None
        }
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

/// Seat labels as the clerk reads them: three or more neighbours in a row
/// become a run (`C1–C99`), the rest stay as they are (`A10 A11`), in row
/// and seat order. A label that is not one (never stored) is kept, last.
pub fn label_runs(labels: &[String]) -> String {
    let mut seats: Vec<(u32, u32)> = Vec::new();
    let mut other: Vec<&str> = Vec::new();
    for l in labels {
        match parse_seat_label(l, MAX_ROWS, u32::MAX) {
            Ok(seat) => seats.push(seat),
            Err(_) => other.push(l),
        }
    }
    seats.sort_unstable();
    seats.dedup();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < seats.len() {
        let (row, first) = seats[i];
        let mut j = i;
        while j + 1 < seats.len() && seats[j + 1] == (row, seats[j].1 + 1) {
            j += 1;
        }
        if j - i >= 2 {
            out.push(format!("{}–{}", seat_label(row, first), seat_label(row, seats[j].1)));
        } else {
            out.extend(seats[i..=j].iter().map(|(r, n)| seat_label(*r, *n)));
        }
        i = j + 1;
    }
    out.extend(other.into_iter().map(str::to_string));
    out.join(" ")
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
    fn currency_must_be_a_real_iso_code() {
        let ga = EventKind::GeneralAdmission { capacity: 10 };
        for bad in ["XYZ", "XXX", "RS", "rupees"] {
            let e = NewEvent { currency: bad.into(), ..event("a", ga, 1) };
            assert_eq!(e.validate().unwrap_err().field, "currency", "{bad}");
        }
        let yen = NewEvent { currency: "jpy".into(), ..event("a", ga, 1) };
        assert_eq!(yen.validate().unwrap().currency, "JPY");
    }

    #[test]
    fn over_the_limit_is_too_large_not_a_bad_number() {
        let big = EventKind::GeneralAdmission { capacity: MAX_CAPACITY + 1 };
        assert_eq!(event("a", big, 1).validate().unwrap_err().rule, "is too large: at most 1,000,000");
        let price = event("a", EventKind::GeneralAdmission { capacity: 1 }, MAX_PRICE + 1).validate().unwrap_err();
        assert_eq!(price.rule, "is too large: at most ₹10,00,00,000.00 per seat");
        let rows = EventKind::Reserved { rows: 27, seats_per_row: 1 };
        assert_eq!(
            event("a", rows, 1).validate().unwrap_err().rule,
            "is too large: at most 26 (rows are lettered A–Z)"
        );
        assert_eq!(parse_count("capacity", "1,000"), Ok(1000));
        for huge in ["1000001", "99999999999", "999999999999999999999999"] {
            let capacity = parse_count("capacity", huge).expect("a number");
            let e = event("a", EventKind::GeneralAdmission { capacity }, 1);
            assert_eq!(e.validate().unwrap_err().rule, "is too large: at most 1,000,000", "{huge}");
        }
        for bad in ["", "ten", "-3", "1.5"] {
            assert_eq!(parse_count("rows", bad).unwrap_err().rule, "must be a whole number", "{bad}");
        }
    }

    #[test]
    fn the_same_event_twice_ignores_case_and_spacing() {
        let t: DateTime<Utc> = "2026-06-08T19:30:00Z".parse().unwrap();
        assert!(same_event("Hamlet  at the Grand", t, " hamlet at the grand", t));
        assert!(!same_event("Hamlet", t, "Hamlet", t + chrono::Duration::hours(3)), "another showing");
        assert!(!same_event("Hamlet", t, "Macbeth", t));
    }

    #[test]
    fn a_start_is_in_the_future_and_within_five_years() {
        let now: DateTime<Utc> = "2026-06-01T09:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert!(check_start(at("2026-06-01T09:00:01Z"), now).is_ok());
        assert!(check_start(at("2031-06-01T09:00:00Z"), now).is_ok(), "exactly five years");
        assert_eq!(check_start(now, now).unwrap_err().rule, "must be in the future");
        assert!(check_start(at("2031-06-01T09:00:01Z"), now).unwrap_err().rule.contains("5 years"));
        assert!(check_start(at("9999-12-31T00:00:00Z"), now).is_err());
    }

    #[test]
    fn neighbours_read_as_runs() {
        let labels = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let row: Vec<String> = (1..=99).map(|n| seat_label(2, n)).collect();
        assert_eq!(label_runs(&row), "C1–C99");
        assert_eq!(label_runs(&labels(&["A11", "A10"])), "A10 A11", "two stay as they are");
        assert_eq!(label_runs(&labels(&["B2", "A7", "A5", "A6", "A3", "B3", "B4"])), "A3 A5–A7 B2–B4");
        assert_eq!(label_runs(&[]), "");
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
