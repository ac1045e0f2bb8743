//! Text measured in terminal columns, as a terminal draws it: an emoji or a
//! CJK character takes two. Cutting and padding by this width (not by
//! characters) keeps the columns after a wide character where they belong.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Display width in terminal columns.
pub fn width(s: &str) -> usize {
    s.width()
}

/// `s` in at most `w` columns: whole if it fits, else cut between
/// characters with `…` at the end. Never wider than `w`, whatever the script.
pub fn fit(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let gw = width(g);
        if used + gw > w - 1 {
            break;
        }
        out.push_str(g);
        used += gw;
    }
    out.push('…');
    out
}

/// `s` in exactly `w` columns: [`fit`], then spaces.
pub fn pad(s: &str, w: usize) -> String {
    let out = fit(s, w);
    let fill = w.saturating_sub(width(&out));
    out + &" ".repeat(fill)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_by_display_width_with_an_ellipsis() {
        assert_eq!(fit("Hamlet", 10), "Hamlet");
        assert_eq!(fit("Hamlet at the Grand", 8), "Hamlet …");
        assert_eq!(fit("東京の夜コンサート", 7), "東京の…");
        assert_eq!(width(&fit("東京の夜コンサート", 6)), 5, "a wide character never straddles the edge");
        assert_eq!(fit("🎭🎭🎭", 4), "🎭…");
        assert_eq!(fit("abc", 0), "");
        for w in 0..12 {
            assert!(width(&fit("Zoë 🎉 東京 party", w)) <= w);
            assert_eq!(width(&pad("Zoë 🎉 東京 party", w)), w);
        }
        assert_eq!(pad("東京", 6), "東京  ");
    }
}
