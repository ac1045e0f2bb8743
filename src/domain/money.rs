//! Money in integer minor units, per the currency's ISO 4217 exponent (paise
//! for INR, yen for JPY, fils for BHD); never floats. [`Money::format`] is the
//! one formatter: the screens, the CLI's table and the messages all show
//! amounts through it.
//!
//! - The currency list, exponents and symbols are ISO 4217's, from
//!   `iso_currency`; grouping is `num-format`'s: Indian (lakh, crore) for INR
//!   (`₹12,34,567.89`), thousands for every other currency (`$1,234,567.89`).
//! - A symbol is shown when it is a plain left-to-right sign (`₹`, `$`, `¥`, `€`,
//!   `£`; `kr 12.00` with a space after a letter); otherwise, and for a code ISO
//!   does not know, the code leads: `BHD 1.250`, `XYZ 12.00`.
//! - A code ISO does not know (only older files hold one: events are now
//!   refused it) keeps the two decimals such amounts were always stored with.

use iso_currency::Currency;
use num_format::{Locale, ToFormattedString};
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub i64);

/// The most one seat may cost: 10^10 minor units (₹10,00,00,000.00).
pub const MAX_PRICE: i64 = 10_000_000_000;

/// The currency an event may be priced in: a real, current ISO 4217 code —
/// not a fund (`BOV`), a special code (`XXX`, `XAU`, `XTS`) or a superseded one.
pub fn currency(code: &str) -> Result<Currency, String> {
    let c = Currency::from_code(code)
        .ok_or_else(|| format!("'{code}' is not an ISO 4217 currency code (e.g. INR, USD, EUR, JPY)"))?;
    if c.is_special() || c.is_fund() || c.exponent().is_none() {
        return Err(format!("{code} ({}) is not a currency to price tickets in", c.name()));
    }
    if let Some(now) = c.is_superseded() {
        return Err(format!("{code} ({}) is no longer current: use {}", c.name(), now.code()));
    }
    Ok(c)
}

/// Digits after the point: the ISO exponent (0 for JPY, 3 for BHD), or 2 for
/// a code ISO does not know.
pub fn exponent(code: &str) -> u32 {
    Currency::from_code(code).and_then(Currency::exponent).map_or(2, u32::from)
}

/// What goes before the number: `₹`, `kr `, or the code and a space.
fn prefix(code: &str) -> String {
    let Some(symbol) = Currency::from_code(code).map(|c| c.symbol().symbol) else {
        return if code.is_empty() { String::new() } else { format!("{code} ") };
    };
    // Right-to-left signs (د.ك) would reorder the cell around them, and a
    // generic ¤ says nothing: the code reads right in any terminal.
    let plain = !symbol.is_empty()
        && symbol != "¤"
        && symbol.width() == symbol.chars().count()
        && !symbol.chars().any(|c| ('\u{0590}'..='\u{08FF}').contains(&c) || ('\u{FB1D}'..='\u{FEFF}').contains(&c));
    match symbol.chars().last() {
        _ if !plain => format!("{code} "),
        Some(c) if c.is_alphabetic() || c == '.' => format!("{symbol} "),
        _ => symbol,
    }
}

impl Money {
    /// The amount as the clerk reads it: `₹12,34,567.89`, `¥1,234`, `BHD 1.250`.
    pub fn format(self, currency: &str) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let locale = if currency == "INR" { &Locale::en_IN } else { &Locale::en };
        let (major, minor) = self.split(currency);
        format!("{sign}{}{}{minor}", prefix(currency), major.to_formatted_string(locale))
    }

    /// The amount led by its ISO code instead of a sign, grouped as on screen:
    /// `INR 12,34,567.89`, `JPY 1,234`; for where only ASCII prints (the PDF font).
    pub fn coded(self, currency: &str) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let locale = if currency == "INR" { &Locale::en_IN } else { &Locale::en };
        let (major, minor) = self.split(currency);
        format!("{currency} {sign}{}{minor}", major.to_formatted_string(locale))
    }

    /// The amount as a plain decimal in major units, for files: `1234567.89`,
    /// `1234` (JPY), `-1.250` (BHD). No symbol, no grouping.
    pub fn decimal(self, currency: &str) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (major, minor) = self.split(currency);
        format!("{sign}{major}{minor}")
    }

    /// The whole major units of the absolute amount, and `.` with the minor
    /// digits (empty for a currency without them).
    fn split(self, currency: &str) -> (u64, String) {
        let exp = exponent(currency);
        let abs = self.0.unsigned_abs();
        let unit = 10u64.pow(exp);
        let minor = if exp == 0 { String::new() } else { format!(".{:0w$}", abs % unit, w = exp as usize) };
        (abs / unit, minor)
    }

    /// Parses what a clerk types (`500`, `499.50`, `12,34,567.89`) into minor
    /// units of `currency`. More decimals than the currency has are refused
    /// (`499.50` for JPY), unless they are zeros; so are signs and letters.
    pub fn parse_major(text: &str, currency: &str) -> Result<Money, String> {
        let exp = exponent(currency) as usize;
        let example = match exp {
            0 => "500".to_string(),
            n => format!("500 or 499.{}", &"505"[..n.min(3)]),
        };
        let t: String = text.trim().chars().filter(|c| *c != ',' && *c != '_').collect();
        let (major, minor) = t.split_once('.').unwrap_or((&t, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if major.is_empty() || !digits(major) || !digits(minor) {
            return Err(format!("must be an amount like {example} (not negative)"));
        }
        let extra = minor.get(exp..).unwrap_or("");
        if !extra.chars().all(|c| c == '0') {
            return Err(match exp {
                0 => format!("{currency} has no minor unit: whole amounts only, like {example}"),
                n => format!("{currency} has {n} decimal place(s): {} has {}", text.trim(), minor.len()),
            });
        }
        let minor = &minor[..minor.len().min(exp)];
        let too_large = || "is too large".to_string();
        let major: i64 = major.parse().map_err(|_| too_large())?;
        let minor: i64 = if exp == 0 { 0 } else { format!("{minor:0<exp$}").parse().map_err(|_| too_large())? };
        major.checked_mul(10i64.pow(exp as u32)).and_then(|m| m.checked_add(minor)).map(Money).ok_or_else(too_large)
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
    fn rupees_group_in_lakhs_and_crores() {
        assert_eq!(Money(123_456_789).format("INR"), "₹12,34,567.89");
        assert_eq!(Money(100_000_000_000).format("INR"), "₹1,00,00,00,000.00");
        assert_eq!(Money(MAX_PRICE).format("INR"), "₹10,00,00,000.00");
        assert_eq!(Money(99 * MAX_PRICE).format("INR"), "₹9,90,00,00,000.00");
        // A thousand reads the same in both systems: shipped scripts expect it.
        assert_eq!(Money(100_000).format("INR"), "₹1,000.00");
        assert_eq!(Money(5).format("INR"), "₹0.05");
        assert_eq!(Money(0).format("INR"), "₹0.00");
        assert_eq!(Money(-2_500_000).format("INR"), "-₹25,000.00");
    }

    #[test]
    fn each_currency_has_its_own_minor_units_and_sign() {
        assert_eq!(Money(1234).format("JPY"), "¥1,234");
        assert_eq!(Money(123_456_789).format("USD"), "$1,234,567.89");
        assert_eq!(Money(1250).format("BHD"), "BHD 1.250");
        assert_eq!(Money(1_234_567).format("KWD"), "KWD 1,234.567");
        assert_eq!(Money(1999).format("EUR"), "€19.99");
        assert_eq!(Money(1200).format("XYZ"), "XYZ 12.00", "a code ISO does not know keeps two decimals");
        assert_eq!(Money(1234).decimal("JPY"), "1234");
        assert_eq!(Money(-1250).decimal("BHD"), "-1.250");
        assert_eq!(Money(123_456_789).decimal("INR"), "1234567.89");
    }

    #[test]
    fn only_real_current_codes_price_an_event() {
        for ok in ["INR", "USD", "JPY", "BHD", "EUR"] {
            assert!(currency(ok).is_ok(), "{ok}");
        }
        for bad in ["XYZ", "XXX", "XAU", "XTS", "BOV", "inr", "", "RUPEE"] {
            assert!(currency(bad).is_err(), "{bad}");
        }
        assert!(currency("XYZ").unwrap_err().contains("not an ISO 4217 currency code"));
    }

    #[test]
    fn parses_what_a_clerk_types_per_currency() {
        assert_eq!(Money::parse_major("1,250.5", "INR"), Ok(Money(125_050)));
        assert_eq!(Money::parse_major("12,34,567.89", "INR"), Ok(Money(123_456_789)));
        assert_eq!(Money::parse_major("12", "INR"), Ok(Money(1200)));
        assert_eq!(Money::parse_major("500", "JPY"), Ok(Money(500)));
        assert_eq!(Money::parse_major("500.00", "JPY"), Ok(Money(500)), "zeros add nothing");
        assert_eq!(Money::parse_major("1.25", "BHD"), Ok(Money(1250)));
        assert_eq!(Money::parse_major("1.234", "INR"), Err("INR has 2 decimal place(s): 1.234 has 3".into()));
        let yen = Money::parse_major("499.50", "JPY").unwrap_err();
        assert!(yen.contains("JPY has no minor unit"), "{yen}");
        for bad in ["-4", "", "1e3", "4.-5", "₹5"] {
            assert!(Money::parse_major(bad, "INR").unwrap_err().starts_with("must be an amount"), "{bad}");
        }
        assert_eq!(Money::parse_major("99999999999999999999", "INR"), Err("is too large".into()));
    }

    proptest! {
        #[test]
        fn refund_adds_up_and_never_exceeds_paid(amount in 0i64..i64::MAX / 2, percent in 0u8..=255) {
            let s = refund_split(amount, percent);
            prop_assert_eq!(s.refund + s.fee, amount);
            prop_assert!(s.refund >= 0 && s.refund <= amount);
        }

        /// What is shown parses back to the same minor units, in every exponent.
        #[test]
        fn format_and_parse_round_trip(amount in 0i64..=i64::MAX / 1000, code in "(INR|USD|JPY|BHD|KWD|EUR)") {
            let shown = Money(amount).format(&code);
            let digits: String = shown.chars().skip_while(|c| !c.is_ascii_digit()).collect();
            prop_assert_eq!(Money::parse_major(&digits, &code), Ok(Money(amount)));
            prop_assert_eq!(Money::parse_major(&Money(amount).decimal(&code), &code), Ok(Money(amount)));
        }
    }
}
