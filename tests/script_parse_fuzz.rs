//! Property tests ("fuzz") of the script parser: whatever the bytes, `parse` returns
//! and never panics, and an error names a line that exists.
//!
//! Longer runs: `PROPTEST_CASES=100000 cargo test --release --test script_parse_fuzz`.

use boxoffice::script::parse::{Action, parse};
use proptest::prelude::*;

/// How many lines `parse` sees in `bytes` (a final line without a newline counts).
fn line_count(bytes: &[u8]) -> usize {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
}

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let lines = line_count(bytes);
    match parse(bytes) {
        Ok(script) => {
            let mut last = 0;
            for step in script.steps() {
                prop_assert!(step.line > last && step.line <= lines, "step line {} of {}", step.line, lines);
                last = step.line;
            }
            let (w, h) = script.size();
            prop_assert!((20..=1000).contains(&w) && (5..=500).contains(&h));
        }
        Err(e) => {
            prop_assert!(e.line >= 1 && e.line <= lines, "error line {} of {} lines: {}", e.line, lines, e);
            prop_assert!(!e.reason.is_empty());
            prop_assert!(e.reason.len() < 1000, "reason too long: {}", e.reason.len());
            let prefix = format!("line {}: ", e.line);
            prop_assert!(e.to_string().starts_with(&prefix), "display: {}", e);
        }
    }
    Ok(())
}

/// The directives, plus near misses and blanks.
const NOISE: &[&str] = &["Key", "EXPECT", "bogus", "#", "", "  ", "	"];

fn words() -> Vec<&'static str> {
    boxoffice::script::parse::DIRECTIVES.iter().chain(NOISE).copied().collect()
}

const ARGS: &[&str] = &[
    "",
    " ",
    "120x40",
    "20x5",
    "19x5",
    "1000x500",
    "1001x1",
    "0x0",
    "99999999999x9",
    "x",
    "2026-06-01T09:00:00Z",
    "2026-06-01T14:30:00+05:30",
    "2026-13-45T99:99:99Z",
    "j j Enter",
    "Down*5",
    "Down*1000",
    "Down*1001",
    "Down*0",
    "*",
    "**3",
    "*5",
    "Ctrl-",
    "Ctrl-c",
    "Ctrl-Alt-Delete",
    "Alt-X",
    "F0",
    "F12",
    "F13",
    "Entr",
    "6m",
    "1h30m",
    "0s",
    "365d",
    "366d",
    "18446744073709551615d",
    "1.5h",
    "6",
    "m",
    "3 Events",
    "499 x",
    "500 x",
    "-1 x",
    "after-payment",
    "../x",
    "..",
    "SELECT 1 => 1",
    "SELECT 1",
    "=> 1",
    "SELECT 1 =>",
    "=>",
    "Jane Doe",
    "# not a comment",
    "é ü 漢字 🎟",
    "\u{feff}",
    "\u{1b}[2J",
    "\r",
    "\0",
];

/// One line built from directive fragments, glued with blanks or not at all.
fn fragment_line() -> impl Strategy<Value = String> {
    (
        prop::sample::select(words()),
        prop::sample::select(&[" ", "", "\t", "  "][..]),
        prop::collection::vec(prop::sample::select(ARGS), 0..4),
        prop::option::of("\\PC{0,12}"),
        prop::option::of(any::<String>()),
    )
        .prop_map(|(word, sep, args, printable, anything)| {
            let mut line = format!("{word}{sep}{}", args.join(" "));
            if let Some(p) = printable {
                line.push_str(&p);
            }
            if let Some(a) = anything {
                line.push_str(&a);
            }
            line
        })
}

fn script_of(lines: Vec<String>, crlf: bool, final_newline: bool) -> Vec<u8> {
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut s = lines.join(eol);
    if final_newline {
        s.push_str(eol);
    }
    s.into_bytes()
}

/// A line that parses (no header lines, so any order is valid).
fn valid_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("key j j Enter".to_string()),
        Just("key Down*5 Ctrl-c Alt-x F5 BackTab".to_string()),
        "[a-zA-Z0-9 #.,]{0,30}".prop_map(|t| format!("type x{t}")),
        (1u64..=1000).prop_map(|n| format!("advance {n}s")),
        Just("advance 1h30m".to_string()),
        Just("tick".to_string()),
        "[a-zA-Z0-9 #]{0,30}".prop_map(|t| format!("expect x{t}")),
        "[a-zA-Z0-9 ]{0,30}".prop_map(|t| format!("expect-not x{t}")),
        (0u16..500).prop_map(|n| format!("expect-line {n} Events")),
        Just("verify".to_string()),
        Just("sql-expect SELECT count(*) FROM bookings => 0".to_string()),
        Just("# a comment".to_string()),
        Just(String::new()),
    ]
}

/// A line that does not parse, wherever it is.
fn invalid_line() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        &[
            "bogus",
            "key Entr",
            "key Down*1001",
            "advance 0s",
            "advance 6",
            "advance 366d",
            "type",
            "expect",
            "expect-line 3",
            "sql-expect SELECT 1",
            "snapshot ../x",
            "tick now",
            "size 10x2",
            "clock yesterday",
            "expect \u{7}",
        ][..],
    )
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes)?;
    }

    #[test]
    fn mostly_text_bytes_never_panic(
        bytes in prop::collection::vec(prop_oneof![8 => 0x20u8..0x7f, 2 => Just(b'\n'), 1 => any::<u8>()], 0..1024)
    ) {
        check(&bytes)?;
    }

    #[test]
    fn fragment_scripts_never_panic(
        lines in prop::collection::vec(fragment_line(), 0..40),
        crlf in any::<bool>(),
        final_newline in any::<bool>(),
    ) {
        check(&script_of(lines, crlf, final_newline))?;
    }

    #[test]
    fn valid_scripts_parse_with_one_step_per_line(
        lines in prop::collection::vec(valid_line(), 0..40),
        crlf in any::<bool>(),
        final_newline in any::<bool>(),
    ) {
        let steps = lines.iter().filter(|l| !l.is_empty() && !l.starts_with('#')).count();
        let bytes = script_of(lines, crlf, final_newline);
        let script = parse(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(script.steps().len(), steps);
        check(&bytes)?;
    }

    #[test]
    fn one_bad_line_is_reported_at_its_line(
        before in prop::collection::vec(valid_line(), 0..30),
        bad in invalid_line(),
        after in prop::collection::vec(fragment_line(), 0..10),
        crlf in any::<bool>(),
    ) {
        let at = before.len() + 1;
        let mut lines = before;
        lines.push(bad.to_string());
        lines.extend(after);
        let e = parse(&script_of(lines, crlf, true)).err();
        prop_assert_eq!(e.map(|e| e.line), Some(at));
    }

    #[test]
    fn repeats_and_durations_are_bounded(n in any::<u64>(), unit in prop::sample::select(&["s", "m", "h", "d"][..])) {
        if let Ok(script) = parse(format!("advance {n}{unit}").as_bytes()) {
            match &script.steps()[0].action {
                Action::Advance { seconds } => prop_assert!(*seconds >= 1 && *seconds <= 365 * 86_400),
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        if let Ok(script) = parse(format!("key Down*{n}").as_bytes()) {
            match &script.steps()[0].action {
                Action::Key(k) => prop_assert!(k[0].repeat >= 1 && k[0].repeat <= 1000),
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
    }
}
