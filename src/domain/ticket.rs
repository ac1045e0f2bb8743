//! Ticket types (priced kinds of seat: Adult, Child …), the tickets a paid
//! booking gets, and what a door answers when a code is scanned. Pure rules:
//! validation, the amount of a mix of types, which seat gets which type.

use super::code::{CodeError, TicketCode};
use super::{BookingStatus, Invalid};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The most a price may be per seat (100,000,000.00), as for events.
pub const MAX_PRICE: i64 = 10_000_000_000;
/// The name an event's only type gets when none is given (and on migration).
pub const STANDARD: &str = "Standard";

text_enum!(
    /// A ticket is VALID when issued, USED once admitted, VOID when its
    /// booking is cancelled (an admitted ticket too: it keeps `used_at`).
    TicketStatus("ticket status") {
        Valid => "VALID",
        Used => "USED",
        Void => "VOID",
    }
);

text_enum!(
    /// What a door did with one scan (`scans.result`); UNDONE is a
    /// supervisor taking an admission back.
    ScanResult("scan result") {
        Admitted => "ADMITTED",
        AlreadyUsed => "ALREADY_USED",
        Voided => "VOIDED",
        WrongEvent => "WRONG_EVENT",
        Unknown => "UNKNOWN",
        Mistyped => "MISTYPED",
        Undone => "UNDONE",
    }
);

/// A priced kind of ticket of one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketType {
    pub id: String,
    pub event_id: String,
    pub name: String,
    /// Per seat, minor units.
    pub price: i64,
    /// At most this many seats of this type, sold or awaiting payment.
    pub limit: Option<u32>,
    /// Display order within the event (1 first); the first type on sale is
    /// what a plain booking sells.
    pub position: u32,
    pub retired_at: Option<DateTime<Utc>>,
}

impl TicketType {
    pub fn on_sale(&self) -> bool {
        self.retired_at.is_none()
    }
}

/// A type as the clerk types it in (add or edit), before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicketType {
    pub name: String,
    pub price: i64,
    pub limit: Option<u32>,
}

impl NewTicketType {
    pub fn new(name: &str, price: i64) -> Self {
        NewTicketType { name: name.into(), price, limit: None }
    }

    /// Whether `types` are just what creating an event gives: one Standard
    /// type at the event's price, with no limit.
    pub fn are_default(types: &[NewTicketType], price: i64) -> bool {
        matches!(types, [t] if t.name == STANDARD && t.price == price && t.limit.is_none())
    }

    /// Trims the name and checks every rule; the first broken one is returned.
    pub fn validate(mut self) -> Result<NewTicketType, Invalid> {
        self.name = self.name.trim().to_string();
        let chars = self.name.chars().count();
        if chars == 0 {
            return Err(Invalid::new("type name", "is required"));
        }
        if chars > 40 {
            return Err(Invalid::new("type name", format!("must be at most 40 characters (got {chars})")));
        }
        if self.name.chars().any(char::is_control) {
            return Err(Invalid::new("type name", "must not contain control characters"));
        }
        if self.price < 0 {
            return Err(Invalid::new("type price", "must not be negative"));
        }
        if self.price > MAX_PRICE {
            return Err(Invalid::new("type price", "must be at most 100,000,000.00 per seat"));
        }
        if self.limit == Some(0) {
            return Err(Invalid::new("type limit", "must be at least 1 (or none)"));
        }
        Ok(self)
    }
}

/// How many seats of one type a booking asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeCount {
    pub type_id: String,
    pub count: u32,
}

impl TypeCount {
    pub fn new(type_id: &str, count: u32) -> Self {
        TypeCount { type_id: type_id.into(), count }
    }
}

/// One line of a booking: `count` seats of a type at the price it had then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BookingItem {
    pub type_id: String,
    pub type_name: String,
    pub count: u32,
    pub unit_price: i64,
}

/// Checks a mix of types against the event's types and the hold's seats and
/// prices it: the items in display order and the amount. Zero counts are
/// dropped; a type named twice, a type of another event, a retired type or a
/// total that is not `seats` is refused, saying which.
pub fn quote(types: &[TicketType], counts: &[TypeCount], seats: u32) -> Result<(Vec<BookingItem>, i64), Invalid> {
    let mut items: Vec<(u32, BookingItem)> = Vec::new();
    for c in counts.iter().filter(|c| c.count > 0) {
        let t = types
            .iter()
            .find(|t| t.id == c.type_id)
            .ok_or_else(|| Invalid::new("ticket type", format!("{} is not a ticket type of this event", c.type_id)))?;
        if !t.on_sale() {
            return Err(Invalid::new("ticket type", format!("{} is retired: no longer on sale", t.name)));
        }
        if items.iter().any(|(_, i)| i.type_id == t.id) {
            return Err(Invalid::new("ticket type", format!("{} is named twice; give one count per type", t.name)));
        }
        items.push((
            t.position,
            BookingItem { type_id: t.id.clone(), type_name: t.name.clone(), count: c.count, unit_price: t.price },
        ));
    }
    let total: u64 = items.iter().map(|(_, i)| u64::from(i.count)).sum();
    if total != u64::from(seats) {
        return Err(Invalid::new(
            "ticket types",
            format!("the counts add up to {total} but the hold has {seats} seat(s); give a type to every seat"),
        ));
    }
    items.sort_by_key(|(position, _)| *position);
    let mut amount: i64 = 0;
    for (_, i) in &items {
        amount = i
            .unit_price
            .checked_mul(i64::from(i.count))
            .and_then(|a| a.checked_add(amount))
            .ok_or_else(|| Invalid::new("amount", "is too large to charge"))?;
    }
    Ok((items.into_iter().map(|(_, i)| i).collect(), amount))
}

/// Which type each seat gets: the seats in seat-label order (as the hold
/// lists them; `None` for general admission) take the items' types in their
/// display order — 2 Adult + 1 Child on A1 A2 A3 gives A1 Adult, A2 Adult,
/// A3 Child. `None` if the counts do not add up to the seats.
pub fn assign_seats<'a>(
    seats: &[Option<String>],
    items: &'a [BookingItem],
) -> Option<Vec<(Option<String>, &'a BookingItem)>> {
    let per_seat: Vec<&BookingItem> =
        items.iter().flat_map(|i| std::iter::repeat_n(i, usize::try_from(i.count).unwrap_or(0))).collect();
    (per_seat.len() == seats.len()).then(|| seats.iter().cloned().zip(per_seat).collect())
}

/// One ticket as stored, with its type's name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ticket {
    pub id: String,
    #[serde(serialize_with = "grouped")]
    pub code: TicketCode,
    pub booking_id: String,
    pub event_id: String,
    pub type_id: String,
    pub type_name: String,
    /// 1, 2, … within the booking, in seat order.
    pub number: u32,
    /// The seat label; `None` for general admission.
    pub seat: Option<String>,
    pub price: i64,
    #[serde(serialize_with = "ticket_status_text")]
    pub status: TicketStatus,
    pub issued_at: DateTime<Utc>,
    /// When and where it was admitted (kept when an admitted ticket is voided).
    pub used_at: Option<DateTime<Utc>>,
    pub used_door: Option<String>,
    pub voided_at: Option<DateTime<Utc>>,
}

impl Ticket {
    /// `A10`, or `GA` for general admission.
    pub fn seat_text(&self) -> &str {
        self.seat.as_deref().unwrap_or("GA")
    }
}

fn ticket_status_text<S: serde::Serializer>(s: &TicketStatus, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.as_str())
}

fn grouped<S: serde::Serializer>(code: &TicketCode, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(&code.grouped())
}

/// How a booking's tickets stand: what a cancel prompt shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TicketCounts {
    pub valid: u32,
    pub used: u32,
    pub void: u32,
}

impl TicketCounts {
    pub fn total(self) -> u32 {
        self.valid + self.used + self.void
    }

    /// The warning a cancel must show before it voids admitted tickets, e.g.
    /// "2 of 3 tickets already used: they will be voided"; `None` when none was used.
    pub fn admitted_warning(self) -> Option<String> {
        (self.used > 0).then(|| {
            let live = self.valid + self.used;
            let noun = if live == 1 { "ticket" } else { "tickets" };
            format!("{} of {live} {noun} already used at the door: they will be voided", self.used)
        })
    }
}

/// Admitted so far and sold (valid + used) for one event: the Door screen's count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DoorCounts {
    pub admitted: u64,
    pub sold: u64,
}

/// A door's answer to one scanned or typed code.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "answer", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DoorAnswer {
    /// Let them in.
    Admitted { ticket_id: String, event_name: String, seat: Option<String>, type_name: String },
    /// Admitted before: when and at which door.
    AlreadyUsed { ticket_id: String, seat: Option<String>, type_name: String, at: DateTime<Utc>, door: String },
    /// The booking was cancelled (or expired): the ticket is void.
    Voided {
        ticket_id: String,
        #[serde(serialize_with = "status_text")]
        booking_status: BookingStatus,
    },
    /// A real ticket, for another event.
    WrongEvent { ticket_id: String, event_id: String, event_name: String },
    /// A well-formed code no ticket has.
    Unknown,
    /// Not a code at all, or its check character disagrees: caught before any lookup.
    Mistyped { reason: String },
}

fn status_text<S: serde::Serializer>(s: &BookingStatus, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.as_str())
}

impl DoorAnswer {
    pub fn admitted(&self) -> bool {
        matches!(self, DoorAnswer::Admitted { .. })
    }

    /// The scan result stored for this answer.
    pub fn result(&self) -> ScanResult {
        match self {
            DoorAnswer::Admitted { .. } => ScanResult::Admitted,
            DoorAnswer::AlreadyUsed { .. } => ScanResult::AlreadyUsed,
            DoorAnswer::Voided { .. } => ScanResult::Voided,
            DoorAnswer::WrongEvent { .. } => ScanResult::WrongEvent,
            DoorAnswer::Unknown => ScanResult::Unknown,
            DoorAnswer::Mistyped { .. } => ScanResult::Mistyped,
        }
    }

    /// The big word: ADMITTED or REFUSED.
    pub fn headline(&self) -> &'static str {
        if self.admitted() { "ADMITTED" } else { "REFUSED" }
    }

    /// One line saying why, with times in UTC (a screen formats its own).
    pub fn detail(&self) -> String {
        let seat = |s: &Option<String>| s.clone().unwrap_or_else(|| "GA".into());
        match self {
            DoorAnswer::Admitted { seat: s, type_name, .. } => format!("seat {} · {type_name}", seat(s)),
            DoorAnswer::AlreadyUsed { at, door, seat: s, .. } => format!(
                "already used: admitted at {} at door {door} (seat {})",
                at.format("%Y-%m-%d %H:%M:%S UTC"),
                seat(s)
            ),
            DoorAnswer::Voided { booking_status, .. } => {
                let why = match booking_status {
                    BookingStatus::Expired => "booking expired",
                    _ => "booking cancelled",
                };
                format!("voided: {why}")
            }
            DoorAnswer::WrongEvent { event_name, .. } => format!("another event's ticket: {event_name}"),
            DoorAnswer::Unknown => "unknown code: no ticket has it".into(),
            DoorAnswer::Mistyped { reason } => format!("mistyped code: {reason}"),
        }
    }

    /// The answer to text that is not a code.
    pub fn mistyped(e: CodeError) -> DoorAnswer {
        DoorAnswer::Mistyped { reason: e.to_string() }
    }
}

/// What a booking's tickets look like on paper: the PDF's and the receipt's source.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketSheet {
    pub event_name: String,
    pub starts_at: DateTime<Utc>,
    pub currency: String,
    pub booking_id: String,
    pub customer_name: String,
    pub tickets: Vec<Ticket>,
}

/// Sales of one ticket type: the report's "by type" section. `sold` and
/// `revenue` count CONFIRMED bookings (at the price each was sold for),
/// `pending` seats awaiting payment, `admitted` tickets used at the door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeSales {
    pub event_id: String,
    pub event_name: String,
    pub type_id: String,
    pub type_name: String,
    pub retired: bool,
    /// Today's price (past sales keep theirs).
    pub price: i64,
    pub currency: String,
    pub sold: u64,
    pub revenue: i64,
    pub pending: u64,
    pub admitted: u64,
}

/// A page of the report's "by type" rows: `rows` from `offset` of `total`
/// (the Reports screen reads what it shows, not every event's types).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeSalesPage {
    pub offset: usize,
    pub total: u64,
    pub rows: Vec<TypeSales>,
}

/// A door's name as typed: trimmed, 1–40 printable characters.
pub fn door_name(text: &str) -> Result<String, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Invalid::new("door", "is required (e.g. north)"));
    }
    if t.chars().count() > 40 || t.chars().any(char::is_control) {
        return Err(Invalid::new("door", "must be at most 40 printable characters"));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(id: &str, name: &str, price: i64, position: u32) -> TicketType {
        TicketType {
            id: id.into(),
            event_id: "e".into(),
            name: name.into(),
            price,
            limit: None,
            position,
            retired_at: None,
        }
    }

    fn theatre() -> Vec<TicketType> {
        vec![t("adult", "Adult", 50_000, 1), t("child", "Child", 25_000, 2), t("comp", "Complimentary", 0, 4)]
    }

    #[test]
    fn the_amount_is_the_sum_over_types_in_display_order() {
        let counts = [TypeCount::new("child", 1), TypeCount::new("adult", 2), TypeCount::new("comp", 0)];
        let (items, amount) = quote(&theatre(), &counts, 3).unwrap();
        assert_eq!(amount, 125_000);
        let names: Vec<_> = items.iter().map(|i| (i.type_name.as_str(), i.count)).collect();
        assert_eq!(names, [("Adult", 2), ("Child", 1)], "display order, zero counts dropped");
        let (_, free) = quote(&theatre(), &[TypeCount::new("comp", 2)], 2).unwrap();
        assert_eq!(free, 0);
    }

    #[test]
    fn a_mix_that_does_not_fit_is_refused_saying_why() {
        let err = |counts: &[TypeCount], seats| quote(&theatre(), counts, seats).unwrap_err().rule;
        assert!(err(&[TypeCount::new("adult", 2)], 3).contains("add up to 2 but the hold has 3"));
        assert!(err(&[TypeCount::new("adult", 4)], 3).contains("add up to 4"));
        assert!(err(&[], 1).contains("add up to 0"));
        assert!(err(&[TypeCount::new("gold", 1)], 1).contains("not a ticket type of this event"));
        assert!(err(&[TypeCount::new("adult", 1), TypeCount::new("adult", 1)], 2).contains("named twice"));
        let mut retired = theatre();
        retired[1].retired_at = Some(DateTime::UNIX_EPOCH);
        assert!(quote(&retired, &[TypeCount::new("child", 1)], 1).unwrap_err().rule.contains("Child is retired"));
        let huge = vec![t("x", "X", MAX_PRICE, 1)];
        assert_eq!(quote(&huge, &[TypeCount::new("x", u32::MAX)], u32::MAX).unwrap_err().field, "amount");
    }

    #[test]
    fn seats_in_label_order_take_types_in_display_order() {
        let (items, _) = quote(&theatre(), &[TypeCount::new("child", 1), TypeCount::new("adult", 2)], 3).unwrap();
        let seats: Vec<Option<String>> = ["A1", "A2", "A3"].iter().map(|s| Some(s.to_string())).collect();
        let assigned = assign_seats(&seats, &items).unwrap();
        let got: Vec<_> = assigned.iter().map(|(s, i)| (s.as_deref().unwrap(), i.type_name.as_str())).collect();
        assert_eq!(got, [("A1", "Adult"), ("A2", "Adult"), ("A3", "Child")]);
        assert!(assign_seats(&seats[..2], &items).is_none());
        let ga = assign_seats(&[None, None, None], &items).unwrap();
        assert!(ga.iter().all(|(s, _)| s.is_none()));
    }

    #[test]
    fn type_validation_names_the_field() {
        assert_eq!(NewTicketType::new("  ", 1).validate().unwrap_err().field, "type name");
        assert_eq!(NewTicketType::new("Adult", -1).validate().unwrap_err().field, "type price");
        assert_eq!(NewTicketType::new("Adult", MAX_PRICE + 1).validate().unwrap_err().field, "type price");
        let zero = NewTicketType { limit: Some(0), ..NewTicketType::new("Adult", 1) };
        assert_eq!(zero.validate().unwrap_err().field, "type limit");
        assert_eq!(NewTicketType::new(" Child ", 0).validate().unwrap().name, "Child");
        assert_eq!(NewTicketType::new(&"x".repeat(41), 0).validate().unwrap_err().field, "type name");
    }

    #[test]
    fn answers_say_admitted_or_refused_and_why() {
        let a = DoorAnswer::Admitted {
            ticket_id: "t".into(),
            event_name: "Hamlet".into(),
            seat: Some("A10".into()),
            type_name: "Adult".into(),
        };
        assert_eq!(
            (a.headline(), a.detail(), a.result()),
            ("ADMITTED", "seat A10 · Adult".into(), ScanResult::Admitted)
        );
        let used = DoorAnswer::AlreadyUsed {
            ticket_id: "t".into(),
            seat: None,
            type_name: "Adult".into(),
            at: "2026-06-08T19:02:11Z".parse().unwrap(),
            door: "north".into(),
        };
        assert_eq!(used.headline(), "REFUSED");
        assert_eq!(used.detail(), "already used: admitted at 2026-06-08 19:02:11 UTC at door north (seat GA)");
        let json = serde_json::to_value(&used).unwrap();
        assert_eq!((json["answer"].as_str(), json["door"].as_str()), (Some("ALREADY_USED"), Some("north")));
        let void = DoorAnswer::Voided { ticket_id: "t".into(), booking_status: BookingStatus::Cancelled };
        assert_eq!(serde_json::to_value(&void).unwrap()["booking_status"], "CANCELLED");
        assert_eq!(void.detail(), "voided: booking cancelled");
        assert!(DoorAnswer::mistyped(CodeError::Check).detail().contains("check character"));
        assert_eq!(serde_json::to_value(DoorAnswer::Unknown).unwrap()["answer"], "UNKNOWN");
    }

    #[test]
    fn the_cancel_warning_counts_the_admitted_tickets() {
        let counts = TicketCounts { valid: 1, used: 2, void: 0 };
        assert_eq!(counts.admitted_warning().unwrap(), "2 of 3 tickets already used at the door: they will be voided");
        assert_eq!(TicketCounts { valid: 3, used: 0, void: 0 }.admitted_warning(), None);
        assert_eq!(door_name("  north ").unwrap(), "north");
        assert!(door_name(" ").is_err());
    }
}
