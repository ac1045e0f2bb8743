//! Clerks, roles, tender and the till (issue 12), as pure rules: who may sign
//! in, what a PIN and a name look like, how cash is tendered and what a
//! shift's cash-up adds up to. No I/O and no clock: callers pass `now`.

use super::{Invalid, Money, PaymentOutcome};
use chrono::{DateTime, Duration, Utc};

text_enum!(
    /// What a clerk may do: sell (`clerk`), or also manage events, clerks and
    /// refunds (`supervisor`).
    Role("role") {
        Clerk => "clerk",
        Supervisor => "supervisor",
    }
);

text_enum!(
    /// How a payment was taken.
    PaymentMethod("payment method") {
        Cash => "CASH",
        Card => "CARD",
        Upi => "UPI",
    }
);

/// The demo supervisor a new file with demo data gets; the sign-in screen
/// shows its name and PIN, so the demo leads straight into selling.
pub const DEMO_SUPERVISOR: &str = "demo";
pub const DEMO_PIN: &str = "1234";
/// The demo's clerk (role clerk), to show what a clerk may not do.
pub const DEMO_CLERK: &str = "asha";
pub const DEMO_CLERK_PIN: &str = "2222";

/// The clerk that sales made before clerks existed (a migrated version-1
/// file) belong to. It has no PIN and is disabled: nobody signs in as it.
pub const LEGACY_CLERK: &str = "legacy";
pub const LEGACY_CLERK_ID: &str = "00000000-0000-7000-8000-000000000001";
/// The closed shift that a migrated file's payments and refunds belong to.
pub const LEGACY_SHIFT_ID: &str = "00000000-0000-7000-8000-000000000002";

/// Wrong PINs in a row that lock a clerk out, and for how long.
pub const MAX_WRONG_PINS: u32 = 5;
pub fn lock_period() -> Duration {
    Duration::minutes(5)
}

/// A clerk's name as typed: trimmed, 1–32 characters, starting with a letter;
/// letters, digits, spaces and `. - _ '` after it. No `:`, so a clerk's name
/// can never read as a job's or a door's identity (`job:tick`, `door:main`).
pub fn clerk_name(text: &str) -> Result<String, Invalid> {
    let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let count = name.chars().count();
    if count == 0 {
        return Err(Invalid::new("name", "is required"));
    }
    if count > 32 {
        return Err(Invalid::new("name", format!("must be at most 32 characters (got {count})")));
    }
    if !name.chars().next().is_some_and(char::is_alphabetic) {
        return Err(Invalid::new("name", "must start with a letter"));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_' | '\''))) {
        return Err(Invalid::new("name", format!("may hold letters, digits, spaces and . - _ ' (not '{c}')")));
    }
    Ok(name)
}

/// A PIN: 4 to 12 digits (ASCII), nothing else.
pub fn pin(text: &str) -> Result<&str, Invalid> {
    let n = text.chars().count();
    if !(4..=12).contains(&n) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new("PIN", "must be 4 to 12 digits"));
    }
    Ok(text)
}

/// A clerk account as stored (never its PIN hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clerk {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Whether a PIN is set (the legacy clerk has none and cannot sign in).
    pub has_pin: bool,
    pub failed_pins: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Clerk {
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }

    pub fn is_enabled(&self) -> bool {
        self.disabled_at.is_none() && self.has_pin
    }
}

/// Who is signed in at a desk. Made only by the engine (signing in, or a
/// first supervisor): the rest of the app can hand it on, never forge it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    id: String,
    name: String,
    role: Role,
}

impl Session {
    pub(crate) fn new(id: String, name: String, role: Role) -> Session {
        Session { id, name, role }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn is_supervisor(&self) -> bool {
        self.role == Role::Supervisor
    }
}

/// How the customer pays: cash (the amount handed over), or card or UPI
/// through the payment simulator's three outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tender {
    Cash { tendered: i64 },
    Card(PaymentOutcome),
    Upi(PaymentOutcome),
}

impl Tender {
    pub fn method(self) -> PaymentMethod {
        match self {
            Tender::Cash { .. } => PaymentMethod::Cash,
            Tender::Card(_) => PaymentMethod::Card,
            Tender::Upi(_) => PaymentMethod::Upi,
        }
    }

    /// Cash always succeeds: the money is on the counter.
    pub fn outcome(self) -> PaymentOutcome {
        match self {
            Tender::Cash { .. } => PaymentOutcome::Success,
            Tender::Card(o) | Tender::Upi(o) => o,
        }
    }
}

/// The change due when `tendered` is handed over for `due` (both minor units
/// of `currency`); less than is due is refused, saying how much is missing.
pub fn cash_change(due: i64, tendered: i64, currency: &str) -> Result<i64, Invalid> {
    if tendered < 0 {
        return Err(Invalid::new("tendered", "must not be negative"));
    }
    if tendered < due {
        return Err(Invalid::new(
            "tendered",
            format!(
                "{} is less than the {} due ({} short)",
                Money(tendered).format(currency),
                Money(due).format(currency),
                Money(due - tendered).format(currency)
            ),
        ));
    }
    Ok(tendered - due)
}

/// A clerk's shift at the till: opened with a float, closed with the counted cash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Shift {
    pub id: String,
    pub clerk_id: String,
    pub clerk_name: String,
    /// The till's currency: cash is taken and counted in it.
    pub currency: String,
    pub opening_float: i64,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub counted_cash: Option<i64>,
    /// Fixed when the shift closes (float + cash sales − cash refunds then).
    pub expected_cash: Option<i64>,
}

impl Shift {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// A shift's takings by method and currency (kept by triggers as each payment
/// and refund is written; frozen when the shift closes).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MethodTotals {
    pub method: String,
    pub currency: String,
    /// Successful payments: their sum, their count and the tickets they sold.
    pub sales: i64,
    pub payments: i64,
    pub tickets: i64,
    /// Refunds of money taken (cancelled paid bookings): sum, count, tickets.
    pub refunds: i64,
    pub refund_count: i64,
    pub refunded_tickets: i64,
    /// Attempts that failed (money never collected) or timed out.
    pub declined: i64,
    pub timeouts: i64,
}

/// The cash-up (Z report) of one shift.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CashUp {
    pub shift: Shift,
    pub lines: Vec<MethodTotals>,
}

impl CashUp {
    fn cash_line(&self) -> impl Iterator<Item = &MethodTotals> {
        self.lines.iter().filter(|l| l.method == PaymentMethod::Cash.as_str() && l.currency == self.shift.currency)
    }

    pub fn cash_sales(&self) -> i64 {
        self.cash_line().map(|l| l.sales).sum()
    }

    pub fn cash_refunds(&self) -> i64 {
        self.cash_line().map(|l| l.refunds).sum()
    }

    /// float + cash sales − cash refunds: what the drawer should hold.
    pub fn expected_cash(&self) -> i64 {
        self.shift.opening_float + self.cash_sales() - self.cash_refunds()
    }

    /// counted − expected (negative: cash missing); `None` while open.
    pub fn difference(&self) -> Option<i64> {
        self.shift.counted_cash.map(|c| c - self.shift.expected_cash.unwrap_or_else(|| self.expected_cash()))
    }

    pub fn tickets_sold(&self) -> i64 {
        self.lines.iter().map(|l| l.tickets).sum()
    }

    pub fn tickets_refunded(&self) -> i64 {
        self.lines.iter().map(|l| l.refunded_tickets).sum()
    }

    /// Totals per currency (methods added up; currencies never are).
    pub fn by_currency(&self) -> Vec<(String, i64, i64)> {
        let mut out: Vec<(String, i64, i64)> = Vec::new();
        for l in &self.lines {
            match out.iter_mut().find(|(c, _, _)| *c == l.currency) {
                Some(t) => {
                    t.1 += l.sales;
                    t.2 += l.refunds;
                }
                None => out.push((l.currency.clone(), l.sales, l.refunds)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_pins_follow_their_rules() {
        assert_eq!(clerk_name("  Asha   Rao ").unwrap(), "Asha Rao");
        assert_eq!(clerk_name("O'Neil-2_b.").unwrap(), "O'Neil-2_b.");
        assert!(clerk_name("").is_err());
        assert!(clerk_name("9lives").unwrap_err().rule.contains("start with a letter"));
        assert!(clerk_name("job:tick").unwrap_err().rule.contains("':'"));
        assert!(clerk_name(&"a".repeat(33)).is_err());
        assert_eq!(pin("0042").unwrap(), "0042");
        for bad in ["123", "1234567890123", "12a4", "", "١٢٣٤", "12 34"] {
            assert!(pin(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cash_gives_change_and_refuses_too_little() {
        assert_eq!(cash_change(50_000, 100_000, "INR"), Ok(50_000));
        assert_eq!(cash_change(50_000, 50_000, "INR"), Ok(0));
        let short = cash_change(50_000, 40_000, "INR").unwrap_err();
        assert_eq!(short.rule, "₹400.00 is less than the ₹500.00 due (₹100.00 short)");
        assert!(cash_change(0, -1, "INR").is_err());
        assert_eq!(Tender::Cash { tendered: 1 }.outcome(), PaymentOutcome::Success);
        assert_eq!(Tender::Upi(PaymentOutcome::Timeout).method(), PaymentMethod::Upi);
    }

    #[test]
    fn a_cash_up_adds_float_and_cash_and_keeps_other_methods_apart() {
        let shift = Shift {
            id: "s".into(),
            clerk_id: "c".into(),
            clerk_name: "asha".into(),
            currency: "INR".into(),
            opening_float: 10_000,
            opened_at: DateTime::UNIX_EPOCH,
            closed_at: None,
            counted_cash: None,
            expected_cash: None,
        };
        let line = |method: &str, currency: &str, sales, refunds| MethodTotals {
            method: method.into(),
            currency: currency.into(),
            sales,
            refunds,
            tickets: 2,
            ..Default::default()
        };
        let mut up = CashUp {
            shift,
            lines: vec![
                line("CASH", "INR", 100_000, 25_000),
                line("CARD", "INR", 50_000, 0),
                line("CASH", "USD", 9, 0),
            ],
        };
        assert_eq!((up.cash_sales(), up.cash_refunds(), up.expected_cash()), (100_000, 25_000, 85_000));
        assert_eq!(up.difference(), None);
        up.shift.counted_cash = Some(84_000);
        assert_eq!(up.difference(), Some(-1_000));
        assert_eq!(up.tickets_sold(), 6);
        assert_eq!(up.by_currency(), [("INR".to_string(), 150_000, 25_000), ("USD".to_string(), 9, 0)]);
    }
}
