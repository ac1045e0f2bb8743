//! Ticket codes: 80 random bits written as 16 Crockford base32 characters in
//! groups of four, plus one check character: `7K3M-Q9XA-2BHD-F0PZ-R`.
//!
//! - The alphabet (`0-9 A-Z` without `I L O U`) survives reading aloud and
//!   handwriting; parsing is forgiving the way Crockford's base32 is: any
//!   case, dashes and spaces anywhere, `O` read as `0`, `I` and `L` as `1`.
//! - The check character is a weighted sum over GF(32): each character's
//!   value times its own power of a generator of the field, so that any two
//!   positions have different weights. That catches every single wrong
//!   character and every swap of two characters (adjacent or not) — which
//!   Luhn mod 32 does not quite: it misses swapping `0` and `Z` next to each
//!   other, as its values 0 and 31 double to the same digit sum (a test below
//!   shows the pair). A mistyped code is refused before any lookup.
//! - The check character is part of the stored code, so a lookup is one
//!   exact match on the canonical 17-character form.

use std::fmt;

/// Crockford's base32 alphabet: value i is `ALPHABET[i]`.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Data characters (80 bits / 5).
pub const DATA_CHARS: usize = 16;
/// Random bits in a code.
pub const RANDOM_BYTES: usize = 10;

/// A well-formed ticket code (its check character agrees).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketCode(String);

/// Why typed text is not a ticket code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Not 17 characters once dashes and spaces are dropped.
    Length(usize),
    /// A character outside the alphabet (and not one it reads as another).
    Character(char),
    /// All characters are possible but the check character disagrees: a typo.
    Check,
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeError::Length(n) => {
                write!(f, "a ticket code has {} characters (XXXX-XXXX-XXXX-XXXX-X), this has {n}", DATA_CHARS + 1)
            }
            CodeError::Character(c) => write!(f, "'{c}' is not used in ticket codes"),
            CodeError::Check => write!(f, "the check character does not match: a character is mistyped"),
        }
    }
}

impl std::error::Error for CodeError {}

impl TicketCode {
    /// The code of 80 random bits.
    pub fn from_bytes(bytes: [u8; RANDOM_BYTES]) -> TicketCode {
        let mut acc: u128 = 0;
        for b in bytes {
            acc = (acc << 8) | u128::from(b);
        }
        let mut values = [0u8; DATA_CHARS];
        for (i, v) in values.iter_mut().enumerate() {
            *v = ((acc >> (5 * (DATA_CHARS - 1 - i))) & 31) as u8;
        }
        let mut text: String = values.iter().map(|&v| char::from(ALPHABET[usize::from(v)])).collect();
        text.push(char::from(ALPHABET[usize::from(check_value(&values))]));
        TicketCode(text)
    }

    /// Reads a code as typed or scanned: any case, dashes and spaces
    /// anywhere, `O` → `0`, `I`/`L` → `1`. Refuses a wrong length, a
    /// character no code has, or a check character that disagrees.
    pub fn parse(text: &str) -> Result<TicketCode, CodeError> {
        let mut values = Vec::with_capacity(DATA_CHARS + 1);
        for c in text.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            values.push(value_of(c).ok_or(CodeError::Character(c))?);
        }
        if values.len() != DATA_CHARS + 1 {
            return Err(CodeError::Length(values.len()));
        }
        if check_value(&values[..DATA_CHARS]) != values[DATA_CHARS] {
            return Err(CodeError::Check);
        }
        Ok(TicketCode(values.iter().map(|&v| char::from(ALPHABET[usize::from(v)])).collect()))
    }

    /// The stored form: 17 characters, no dashes (what the QR code holds).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The human form: `XXXX-XXXX-XXXX-XXXX-C`.
    pub fn grouped(&self) -> String {
        let mut out = String::with_capacity(self.0.len() + 4);
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    /// A code read back from the store; `None` if it is not well formed.
    pub fn from_stored(text: &str) -> Option<TicketCode> {
        TicketCode::parse(text).ok().filter(|c| c.0 == text)
    }
}

impl fmt::Display for TicketCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

/// The value of a typed character, forgiving case and Crockford's look-alikes.
fn value_of(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    ALPHABET.iter().position(|&a| char::from(a) == c).map(|i| i as u8)
}

/// GF(32) with the primitive polynomial x⁵ + x² + 1: multiplication.
fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        b >>= 1;
        a <<= 1;
        if a & 0x20 != 0 {
            a ^= 0x25;
        }
    }
    product & 31
}

/// The check value: Σ αⁱ⁺¹ · dᵢ over GF(32) (α = 2 generates the field's 31
/// non-zero elements, so the 16 data weights and the check's weight 1 are
/// all different). A code is valid when the check equals this sum.
fn check_value(data: &[u8]) -> u8 {
    let mut weight = 1u8;
    let mut sum = 0u8;
    for &d in data {
        weight = gf_mul(weight, 2);
        sum ^= gf_mul(weight, d);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The code whose 16 data characters have these values.
    fn from_values(values: [u8; 16]) -> TicketCode {
        let acc = values.iter().fold(0u128, |acc, &v| (acc << 5) | u128::from(v));
        TicketCode::from_bytes(std::array::from_fn(|i| (acc >> (8 * (9 - i))) as u8))
    }

    fn sample() -> TicketCode {
        TicketCode::from_bytes([0x3a, 0x91, 0x07, 0xff, 0x10, 0x42, 0x99, 0xc3, 0x5e, 0x01])
    }

    #[test]
    fn a_code_is_16_data_characters_and_a_check_in_groups_of_four() {
        let code = sample();
        assert_eq!(code.as_str().len(), 17);
        let grouped = code.grouped();
        assert_eq!(grouped.len(), 21);
        assert_eq!(grouped.matches('-').count(), 4);
        assert_eq!(grouped.split('-').map(str::len).collect::<Vec<_>>(), [4, 4, 4, 4, 1]);
        assert_eq!(TicketCode::parse(&grouped), Ok(code.clone()));
        assert_eq!(code.to_string(), grouped);
        // All 80 bits are kept: the first and last bytes show in the first and last data characters.
        assert_eq!(TicketCode::from_bytes([0; 10]).as_str()[..16], *"0000000000000000");
        assert_eq!(TicketCode::from_bytes([0xff; 10]).as_str()[..16], *"ZZZZZZZZZZZZZZZZ");
        assert_eq!(&TicketCode::from_bytes([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).as_str()[..16], "0000000000000001");
        assert_eq!(&TicketCode::from_bytes([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0]).as_str()[..16], "G000000000000000");
    }

    #[test]
    fn parsing_forgives_case_dashes_spaces_and_look_alikes() {
        let code = TicketCode::parse("0000-0000-0000-0001-").err();
        assert_eq!(code, Some(CodeError::Length(16)));
        // Data characters all 0 and 1: the ones with look-alikes.
        let base = from_values(std::array::from_fn(|i| (i % 2) as u8));
        assert_eq!(&base.as_str()[..16], "0101010101010101");
        let typed: String = base
            .grouped()
            .chars()
            .enumerate()
            .map(|(i, c)| match (c, i % 3) {
                ('0', 0) => 'O',
                ('0', 1) => 'o',
                ('1', 0) => 'I',
                ('1', 1) => 'l',
                ('1', 2) => 'L',
                (c, _) => c.to_ascii_lowercase(),
            })
            .collect();
        assert_eq!(TicketCode::parse(&typed), Ok(base.clone()), "{typed}");
        let spaced = base.as_str().chars().map(|c| format!("{c} ")).collect::<String>();
        assert_eq!(TicketCode::parse(&format!("  {spaced} ")), Ok(base));
    }

    #[test]
    fn bad_text_says_why() {
        assert_eq!(TicketCode::parse(""), Err(CodeError::Length(0)));
        assert_eq!(TicketCode::parse("hello"), Err(CodeError::Length(5)), "h, e, l, l, o are all readable");
        assert_eq!(TicketCode::parse("ABCU-0000-0000-0000-0"), Err(CodeError::Character('U')));
        assert_eq!(TicketCode::parse("ABC*"), Err(CodeError::Character('*')));
        let code = sample();
        let long = format!("{}0", code.as_str());
        assert_eq!(TicketCode::parse(&long), Err(CodeError::Length(18)));
        assert!(CodeError::Check.to_string().contains("mistyped"));
        assert!(CodeError::Length(3).to_string().contains("has 3"));
        assert_eq!(TicketCode::from_stored(code.as_str()), Some(code.clone()));
        assert_eq!(TicketCode::from_stored(&code.grouped()), None, "stored codes have no dashes");
    }

    /// Every code with one character changed to any other is refused, and so
    /// is every code with two different characters swapped, next to each
    /// other or not (including the check character itself).
    fn assert_every_single_error_and_swap_is_caught(code: &TicketCode) {
        let chars: Vec<u8> = code.as_str().bytes().collect();
        for i in 0..chars.len() {
            for &other in ALPHABET.iter().filter(|&&a| a != chars[i]) {
                let mut typo = chars.clone();
                typo[i] = other;
                let typo = String::from_utf8(typo).unwrap();
                assert_eq!(TicketCode::parse(&typo), Err(CodeError::Check), "{typo} (from {code})");
            }
            for j in i + 1..chars.len() {
                if chars[i] == chars[j] {
                    continue;
                }
                let mut swapped = chars.clone();
                swapped.swap(i, j);
                let swapped = String::from_utf8(swapped).unwrap();
                assert_eq!(TicketCode::parse(&swapped), Err(CodeError::Check), "{swapped} (from {code})");
            }
        }
    }

    #[test]
    fn every_single_character_error_and_every_swap_is_caught() {
        assert_every_single_error_and_swap_is_caught(&sample());
        // The pair Luhn mod 32 cannot tell apart when swapped: 0 and Z side by side.
        let zero_z = TicketCode::from_bytes([0x07, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(zero_z.as_str().starts_with("0Z"), "{zero_z}");
        assert_every_single_error_and_swap_is_caught(&zero_z);
    }

    /// Luhn mod N as Wikipedia gives it, over the same alphabet: here only to
    /// show why the codes do not use it.
    fn luhn_mod_32_valid(text: &str) -> bool {
        let mut factor = 1;
        let mut sum = 0;
        for c in text.chars().rev() {
            let addend = factor * u32::from(value_of(c).unwrap());
            factor = if factor == 2 { 1 } else { 2 };
            sum += addend / 32 + addend % 32;
        }
        sum % 32 == 0
    }

    #[test]
    fn luhn_mod_32_would_miss_swapping_0_and_z() {
        // "0Z" + a check that makes it Luhn-valid, and the same with the pair swapped.
        let valid = (0..32).map(|v| format!("0Z{}", char::from(ALPHABET[v]))).find(|t| luhn_mod_32_valid(t)).unwrap();
        let swapped = format!("Z0{}", &valid[2..]);
        assert!(luhn_mod_32_valid(&swapped), "Luhn mod 32 accepts {swapped} for {valid}");
    }

    proptest! {
        #[test]
        fn any_code_round_trips_and_catches_single_typos(bytes in any::<[u8; 10]>(), pos in 0usize..17, to in 0usize..32) {
            let code = TicketCode::from_bytes(bytes);
            prop_assert_eq!(TicketCode::parse(&code.grouped().to_lowercase()), Ok(code.clone()));
            let mut chars: Vec<u8> = code.as_str().bytes().collect();
            prop_assume!(chars[pos] != ALPHABET[to]);
            chars[pos] = ALPHABET[to];
            prop_assert_eq!(TicketCode::parse(std::str::from_utf8(&chars).unwrap()), Err(CodeError::Check));
        }

        #[test]
        fn different_bits_make_different_codes(a in any::<[u8; 10]>(), b in any::<[u8; 10]>()) {
            prop_assume!(a != b);
            prop_assert_ne!(TicketCode::from_bytes(a), TicketCode::from_bytes(b));
        }
    }
}
