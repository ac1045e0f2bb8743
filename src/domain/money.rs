//! Money in integer minor units (paise for INR); never floats.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub i64);

impl Money {
    /// Shows `amount` as major.minor with thousands separators, e.g. `₹1,250.00`.
    pub fn format(self, currency: &str) -> String {
        let symbol = match currency {
            "INR" => "₹",
            "USD" => "$",
            "EUR" => "€",
            "GBP" => "£",
            _ => "",
        };
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let major = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in major.chars().enumerate() {
            if i > 0 && (major.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let body = format!("{grouped}.{:02}", abs % 100);
        if symbol.is_empty() { format!("{sign}{currency} {body}") } else { format!("{sign}{symbol}{body}") }
    }

    /// Parses `500`, `500.5` or `1,250.00` into minor units.
    pub fn parse_major(text: &str) -> Option<Money> {
        let t: String = text.trim().chars().filter(|c| *c != ',' && *c != '_').collect();
        let (major, minor) = match t.split_once('.') {
            Some((a, b)) => (a, b),
            None => (t.as_str(), ""),
        };
        if major.is_empty() || !major.chars().all(|c| c.is_ascii_digit()) || minor.len() > 2 {
            return None;
        }
        if !minor.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let major: i64 = major.parse().ok()?;
        let minor: i64 = if minor.is_empty() { 0 } else { format!("{minor:0<2}").parse().ok()? };
        major.checked_mul(100)?.checked_add(minor).map(Money)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, (self.0 % 100).abs())
    }
}

/// How a refund divides the original amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundSplit {
    pub refund: i64,
    pub fee: i64,
}

/// refund = floor(amount × percent / 100), fee = amount − refund.
/// `percent` is clamped to 0..=100 so a refund never exceeds what was paid.
pub fn refund_split(amount: i64, percent: u8) -> RefundSplit {
    let amount = amount.max(0);
    let percent = i128::from(percent.min(100));
    let refund = (i128::from(amount) * percent / 100) as i64;
    RefundSplit { refund, fee: amount - refund }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn half_of_five_hundred_rupees() {
        assert_eq!(refund_split(50_000, 50), RefundSplit { refund: 25_000, fee: 25_000 });
    }

    #[test]
    fn refund_floors_to_minor_units() {
        assert_eq!(refund_split(333, 50), RefundSplit { refund: 166, fee: 167 });
        assert_eq!(refund_split(999, 33), RefundSplit { refund: 329, fee: 670 });
    }

    #[test]
    fn formats_and_parses() {
        assert_eq!(Money(123_456_789).format("INR"), "₹1,234,567.89");
        assert_eq!(Money(5).format("INR"), "₹0.05");
        assert_eq!(Money(100).format("JPY"), "JPY 1.00");
        assert_eq!(Money::parse_major("1,250.5"), Some(Money(125_050)));
        assert_eq!(Money::parse_major("12"), Some(Money(1200)));
        assert_eq!(Money::parse_major("1.234"), None);
        assert_eq!(Money::parse_major("-4"), None);
        assert_eq!(Money::parse_major(""), None);
    }

    proptest! {
        #[test]
        fn refund_adds_up_and_never_exceeds_paid(amount in 0i64..i64::MAX / 2, percent in 0u8..=255) {
            let s = refund_split(amount, percent);
            prop_assert_eq!(s.refund + s.fee, amount);
            prop_assert!(s.refund >= 0 && s.refund <= amount);
        }
    }
}
