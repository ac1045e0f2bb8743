//! What a clerk's search text can mean, read every way at once: words of a
//! name, an email or an event's name; a phone number, or part of one; a
//! booking id, or part of one. The store looks each reading up by index and a
//! booking matches if any reading does.
//!
//! - **Words** match the start of a word, ignoring case and accents (`zoe`,
//!   `ZOË` and `Zoë` find "Zoë"; `shar` finds "Sharma"). Every word typed must
//!   match, all in the customer's name and email, or all in the event's name.
//!   A word with punctuation (`priya.sharma@ex`) is those words in a row.
//! - **Phone**: text of digits with spaces, dashes, dots, brackets and `+`
//!   is also a phone number, compared on its digits alone. Digits
//!   typed find every phone that contains them (`98765` finds 98765 43210). A
//!   whole number typed with a country code or a trunk `0` finds the same
//!   number stored without it: a phone matches when the typed digits end with
//!   all of its digits (at least [`MIN_PHONE`] of them), so `+91 98765-43210`
//!   finds 9876543210. Leading zeros are dropped on both sides.
//! - **Booking id**: hex digits and dashes are also a piece of a booking id:
//!   the start of the id, the start of the short id that receipts and lists
//!   show (its last 8 characters), or the end of the id.

/// Fewest digits a stored phone may have (the customer form's rule), and so
/// the shortest stored number a longer typed one can end with.
pub const MIN_PHONE: usize = 7;

/// Characters a booking's short id has: the last 8 of its UUID.
pub const SHORT_ID: usize = 8;

/// The readings of one search text; all empty when the text is blank.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchText {
    /// The words as typed (trimmed, split at whitespace), with at least one
    /// letter or digit each.
    pub words: Vec<String>,
    /// The digits without leading zeros, when the text reads as a phone number
    /// (digits, spaces, dashes, dots, brackets and `+`).
    pub phone: Option<String>,
    /// Lower-cased, when the text reads as a piece of a booking id.
    pub id: Option<String>,
}

impl SearchText {
    pub fn parse(text: &str) -> SearchText {
        let text = text.trim();
        let words =
            text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).map(String::from).collect();
        let phone_like = text.chars().any(|c| c.is_ascii_digit())
            && text.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '+'));
        let phone = phone_like
            .then(|| text.chars().filter(char::is_ascii_digit).collect::<String>().trim_start_matches('0').to_string())
            .filter(|d| !d.is_empty());
        let id_like = !text.is_empty()
            && text.chars().any(|c| c.is_ascii_hexdigit())
            && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        let id = id_like.then(|| text.to_ascii_lowercase());
        SearchText { words, phone, id }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phone.is_none() && self.id.is_none()
    }

    /// The typed phone's endings a whole stored number may equal: its digits
    /// from each position that leaves at least [`MIN_PHONE`], longest first.
    pub fn phone_endings(&self) -> Vec<&str> {
        let Some(d) = self.phone.as_deref() else { return Vec::new() };
        (0..=d.len().saturating_sub(MIN_PHONE))
            .map(|i| &d[i..])
            .filter(|e| e.len() >= MIN_PHONE && !e.starts_with('0'))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> SearchText {
        SearchText::parse(t)
    }

    #[test]
    fn names_are_words_and_nothing_else() {
        let s = parse("  Priya   Sharma ");
        assert_eq!(s.words, ["Priya", "Sharma"]);
        assert_eq!((s.phone, s.id), (None, None));
        assert_eq!(parse("ZOË").words, ["ZOË"]);
        assert!(parse("   ").is_empty());
        assert!(parse(" - ").is_empty(), "punctuation alone means nothing");
    }

    #[test]
    fn phones_are_their_digits_without_leading_zeros() {
        assert_eq!(parse("98765 43210").phone.as_deref(), Some("9876543210"));
        assert_eq!(parse("+91 98765-43210").phone.as_deref(), Some("919876543210"));
        assert_eq!(parse("(0) 98765.43210").phone.as_deref(), Some("9876543210"));
        assert_eq!(parse("(+91) 98765 43210").phone.as_deref(), Some("919876543210"));
        assert_eq!(parse("0").phone, None);
        assert_eq!(parse("98a65").phone, None);
        assert_eq!(
            parse("+91 98765-43210").phone_endings(),
            ["919876543210", "19876543210", "9876543210", "876543210", "76543210", "6543210"]
        );
        assert!(parse("98765").phone_endings().is_empty(), "too short to be a whole number");
    }

    #[test]
    fn hex_and_dashes_are_a_booking_id_piece() {
        assert_eq!(parse("A1B2").id.as_deref(), Some("a1b2"));
        assert_eq!(parse("0190a1b2-c3d4").id.as_deref(), Some("0190a1b2-c3d4"));
        let digits = parse("98765");
        assert_eq!((digits.id.as_deref(), digits.phone.as_deref()), (Some("98765"), Some("98765")));
        assert_eq!(parse("face").id.as_deref(), Some("face"), "also a word");
        assert_eq!(parse("face").words, ["face"]);
        assert_eq!(parse("98765 43210").id, None, "a space is not in an id");
        assert_eq!(parse("--").id, None);
    }
}
