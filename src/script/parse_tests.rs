use super::*;
use chrono::TimeZone;

fn ok(src: &str) -> Script {
    parse(src.as_bytes()).unwrap_or_else(|e| panic!("{src:?} should parse, got {e}"))
}

fn actions(src: &str) -> Vec<Action> {
    ok(src).steps().iter().map(|s| s.action.clone()).collect()
}

fn one(src: &str) -> Action {
    let mut a = actions(src);
    assert_eq!(a.len(), 1, "{src:?}");
    a.remove(0)
}

/// The error for `src`, asserting its line number and that its reason mentions `needle`.
fn err_at(src: impl AsRef<[u8]>, line: usize, needle: &str) -> ParseError {
    let e = parse(src.as_ref()).expect_err("should not parse");
    assert_eq!(e.line, line, "wrong line in {e}");
    assert!(e.reason.contains(needle), "{e:?} should mention {needle:?}");
    e
}

fn key(code: KeyCode, m: KeyModifiers) -> KeyPress {
    KeyPress { event: KeyEvent::new(code, m), repeat: 1 }
}

fn keys(src: &str) -> Vec<KeyPress> {
    match one(src) {
        Action::Key(k) => k,
        other => panic!("{other:?}"),
    }
}

const N: KeyModifiers = KeyModifiers::NONE;

// ---- header ----

#[test]
fn defaults_without_header() {
    let s = ok("tick\n");
    assert_eq!(s.size(), (120, 40));
    assert_eq!(s.declared_size(), None);
    assert_eq!(s.clock(), None);
}

#[test]
fn size_and_clock() {
    let s = ok("size 80x24\nclock 2026-06-01T09:00:00Z\nkey j\n");
    assert_eq!(s.size(), (80, 24));
    assert_eq!(s.declared_size(), Some((80, 24)));
    assert_eq!(s.clock(), Some(Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()));
    assert_eq!(s.steps().len(), 1);
    assert_eq!(s.steps()[0].line, 3);
}

#[test]
fn clock_with_offset_is_converted_to_utc() {
    let s = ok("clock 2026-06-01T14:30:00+05:30");
    assert_eq!(s.clock(), Some(Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()));
}

#[test]
fn size_bounds() {
    assert_eq!(ok("size 20x5").size(), (20, 5));
    assert_eq!(ok("size 1000x500").size(), (1000, 500));
    assert_eq!(ok("size 100X30").size(), (100, 30));
    err_at("size 19x5", 1, "too small");
    err_at("size 20x4", 1, "too small");
    err_at("size 1001x40", 1, "too large");
    err_at("size 80x501", 1, "too large");
    err_at("size 0x0", 1, "too small");
    err_at("tick\n\nsize 99999999999999999999x1", 3, "bad size");
    err_at("size 80", 1, "bad size");
    err_at("size -80x24", 1, "bad size");
    err_at("size 80 x 24", 1, "bad size");
    err_at("size", 1, "unterminated");
}

#[test]
fn size_and_clock_only_before_the_first_input() {
    for input in ["key j", "type x", "advance 1s", "tick"] {
        err_at(format!("# c\n{input}\nsize 80x24\n"), 3, "before the first");
        err_at(format!("{input}\n\nclock 2026-06-01T09:00:00Z\n"), 3, "(line 1)");
    }
    // expectations and verify do not start the script
    ok("expect x\nverify\nsnapshot a\nsql-expect SELECT 1 => 1\nsize 80x24\nclock 2026-06-01T09:00:00Z\nkey j");
}

#[test]
fn header_given_twice() {
    err_at("size 80x24\nsize 80x25", 2, "already set at line 1");
    err_at("clock 2026-06-01T09:00:00Z\n\nclock 2026-06-01T09:00:00Z", 3, "already set at line 1");
}

#[test]
fn bad_clock() {
    err_at("clock tomorrow", 1, "bad clock");
    err_at("clock 2026-06-01", 1, "RFC 3339");
    err_at("clock 2026-13-01T09:00:00Z", 1, "bad clock");
    err_at("clock", 1, "unterminated");
}

// ---- keys ----

#[test]
fn single_characters() {
    assert_eq!(
        keys("key j 1 / - # *"),
        vec![
            key(KeyCode::Char('j'), N),
            key(KeyCode::Char('1'), N),
            key(KeyCode::Char('/'), N),
            key(KeyCode::Char('-'), N),
            key(KeyCode::Char('#'), N),
            key(KeyCode::Char('*'), N),
        ]
    );
    assert_eq!(keys("key J"), vec![key(KeyCode::Char('J'), KeyModifiers::SHIFT)]);
    assert_eq!(keys("key é"), vec![key(KeyCode::Char('é'), N)]);
}

#[test]
fn named_keys() {
    let got =
        keys("key Enter Esc Tab BackTab Space Backspace Delete Up Down Left Right Home End PageUp PageDown F1 F12");
    let want = vec![
        key(KeyCode::Enter, N),
        key(KeyCode::Esc, N),
        key(KeyCode::Tab, N),
        key(KeyCode::BackTab, KeyModifiers::SHIFT),
        key(KeyCode::Char(' '), N),
        key(KeyCode::Backspace, N),
        key(KeyCode::Delete, N),
        key(KeyCode::Up, N),
        key(KeyCode::Down, N),
        key(KeyCode::Left, N),
        key(KeyCode::Right, N),
        key(KeyCode::Home, N),
        key(KeyCode::End, N),
        key(KeyCode::PageUp, N),
        key(KeyCode::PageDown, N),
        key(KeyCode::F(1), N),
        key(KeyCode::F(12), N),
    ];
    assert_eq!(got, want);
    // named keys ignore case
    assert_eq!(keys("key enter ESC pagedown f5"), {
        vec![key(KeyCode::Enter, N), key(KeyCode::Esc, N), key(KeyCode::PageDown, N), key(KeyCode::F(5), N)]
    });
}

#[test]
fn modifiers() {
    assert_eq!(keys("key Ctrl-c"), vec![key(KeyCode::Char('c'), KeyModifiers::CONTROL)]);
    assert_eq!(keys("key Ctrl-C"), vec![key(KeyCode::Char('c'), KeyModifiers::CONTROL)]);
    assert_eq!(keys("key ctrl-c"), vec![key(KeyCode::Char('c'), KeyModifiers::CONTROL)]);
    assert_eq!(keys("key Alt-x"), vec![key(KeyCode::Char('x'), KeyModifiers::ALT)]);
    assert_eq!(keys("key Alt-X"), vec![key(KeyCode::Char('X'), KeyModifiers::ALT | KeyModifiers::SHIFT)]);
    assert_eq!(keys("key Ctrl-Alt-Delete"), vec![key(KeyCode::Delete, KeyModifiers::CONTROL | KeyModifiers::ALT)]);
    assert_eq!(keys("key Shift-Up"), vec![key(KeyCode::Up, KeyModifiers::SHIFT)]);
    assert_eq!(keys("key Ctrl--"), vec![key(KeyCode::Char('-'), KeyModifiers::CONTROL)]);
}

#[test]
fn repeats() {
    assert_eq!(
        keys("key Down*5 j*1 **3 Ctrl-n*1000"),
        vec![
            KeyPress { event: KeyEvent::new(KeyCode::Down, N), repeat: 5 },
            KeyPress { event: KeyEvent::new(KeyCode::Char('j'), N), repeat: 1 },
            KeyPress { event: KeyEvent::new(KeyCode::Char('*'), N), repeat: 3 },
            KeyPress { event: KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL), repeat: 1000 },
        ]
    );
}

#[test]
fn absurd_repeats() {
    err_at("key Down*1001", 1, "1 to 1000");
    err_at("key j\nkey Down*0", 2, "1 to 1000");
    err_at("key Down*99999999999999999999999", 1, "bad repeat");
}

#[test]
fn bad_key_names() {
    err_at("key j\nkey Entr", 2, "bad key name `Entr`");
    err_at("key F0", 1, "bad key name");
    err_at("key F13", 1, "bad key name");
    err_at("key Ctrl-", 1, "bad key name");
    err_at("key Meta-x", 1, "bad key name");
    err_at("key Down*", 1, "bad key name");
    err_at("key *5", 1, "bad key name");
    err_at("key jj", 1, "bad key name `jj`");
    err_at("key Down*5x", 1, "bad key name");
    err_at("key", 1, "unterminated");
    err_at("key   ", 1, "unterminated");
}

#[test]
fn long_bad_key_is_shortened_in_the_message() {
    let e = err_at(format!("key {}", "x".repeat(5000)), 1, "bad key name");
    assert!(e.reason.len() < 400, "{}", e.reason.len());
}

// ---- type ----

#[test]
fn type_keeps_spaces_and_hashes() {
    assert_eq!(one("type Jane Doe"), Action::Type("Jane Doe".into()));
    assert_eq!(one("type  two  spaces  "), Action::Type(" two  spaces  ".into()));
    assert_eq!(one("type Seat #4 # not a comment"), Action::Type("Seat #4 # not a comment".into()));
    assert_eq!(one("type a\tb"), Action::Type("a\tb".into()));
    assert_eq!(one("  type indented"), Action::Type("indented".into()));
    assert_eq!(one("type x\r\n"), Action::Type("x".into()));
    err_at("type", 1, "unterminated `type`");
    err_at("type    ", 1, "unterminated `type`");
}

#[test]
fn char_events() {
    assert_eq!(char_event('a'), KeyEvent::new(KeyCode::Char('a'), N));
    assert_eq!(char_event('A'), KeyEvent::new(KeyCode::Char('A'), KeyModifiers::SHIFT));
    assert_eq!(char_event(' '), KeyEvent::new(KeyCode::Char(' '), N));
    assert_eq!(char_event('\t'), KeyEvent::new(KeyCode::Tab, N));
}

// ---- advance / tick ----

#[test]
fn durations() {
    for (src, secs) in [
        ("1s", 1),
        ("90s", 90),
        ("6m", 360),
        ("2h", 7200),
        ("1d", 86_400),
        ("1h30m", 5400),
        ("1d2h3m4s", 93_784),
        ("365d", MAX_ADVANCE_SECS),
        ("0m5s", 5),
    ] {
        assert_eq!(one(&format!("advance {src}")), Action::Advance { seconds: secs }, "{src}");
    }
    assert_eq!(one("advance   6m  "), Action::Advance { seconds: 360 });
}

#[test]
fn bad_durations() {
    err_at("advance 0s", 1, "more than zero");
    err_at("advance 0m0s", 1, "more than zero");
    err_at("advance 6", 1, "no unit");
    err_at("advance m", 1, "no number");
    err_at("advance 1h30", 1, "no unit");
    err_at("advance 6M", 1, "unexpected `M`");
    err_at("advance 1h 30m", 1, "unexpected ` `");
    err_at("advance -5s", 1, "unexpected `-`");
    err_at("advance 1.5h", 1, "unexpected `.`");
    err_at("advance 366d", 1, "longer than 365d");
    err_at("advance 364d25h", 1, "longer than 365d");
    err_at("advance 99999999999999999999999999s", 1, "longer than 365d");
    err_at("advance 18446744073709551615d", 1, "longer than 365d");
    err_at("tick\nadvance", 2, "unterminated");
}

#[test]
fn tick_and_verify() {
    assert_eq!(actions("tick\nverify\n"), vec![Action::Tick, Action::Verify]);
    assert_eq!(actions("tick   \nverify\t"), vec![Action::Tick, Action::Verify]);
    err_at("tick now", 1, "takes no argument");
    err_at("tick\nverify all", 2, "takes no argument");
}

// ---- expectations ----

#[test]
fn expect_forms() {
    assert_eq!(one("expect CONFIRMED"), Action::Expect("CONFIRMED".into()));
    assert_eq!(one("expect Row #3 "), Action::Expect("Row #3 ".into()));
    assert_eq!(one("expect-not Sold out"), Action::ExpectNot("Sold out".into()));
    assert_eq!(one("expect-line 3 Events"), Action::ExpectLine { row: 3, text: "Events".into() });
    assert_eq!(one("expect-line  0 two  words"), Action::ExpectLine { row: 0, text: "two  words".into() });
    assert_eq!(one("expect-line 499 x"), Action::ExpectLine { row: 499, text: "x".into() });
}

#[test]
fn unterminated_expectations() {
    err_at("expect", 1, "unterminated `expect`");
    err_at("expect   ", 1, "unterminated `expect`");
    err_at("tick\nexpect-not", 2, "unterminated `expect-not`");
    err_at("expect-line", 1, "unterminated `expect-line`");
    err_at("expect-line 3", 1, "unterminated `expect-line`");
    err_at("expect-line 3   ", 1, "unterminated `expect-line`");
    err_at("expect-line three x", 1, "bad row number");
    err_at("expect-line -1 x", 1, "bad row number");
    err_at("expect-line 500 x", 1, "past the largest screen");
}

#[test]
fn snapshots() {
    assert_eq!(one("snapshot after-payment"), Action::Snapshot("after-payment".into()));
    assert_eq!(one("snapshot v1.2_final "), Action::Snapshot("v1.2_final".into()));
    err_at("snapshot", 1, "unterminated");
    err_at("snapshot ../etc/passwd", 1, "`/` is not allowed");
    err_at("snapshot a\\b", 1, "`\\` is not allowed");
    err_at("snapshot two words", 1, "` ` is not allowed");
    err_at("snapshot ..", 1, "must not start with `.`");
    err_at("snapshot .hidden", 1, "must not start with `.`");
    err_at("snapshot ünï", 1, "not allowed");
    err_at(format!("snapshot {}", "a".repeat(101)), 1, "longer than 100");
    err_at("snapshot a\ntick\nsnapshot a", 3, "already used at line 1");
}

#[test]
fn sql_expect() {
    assert_eq!(
        one("sql-expect SELECT count(*) FROM bookings WHERE status='CONFIRMED' => 1"),
        Action::SqlExpect { sql: "SELECT count(*) FROM bookings WHERE status='CONFIRMED'".into(), value: "1".into() }
    );
    // split at the last `=>`
    assert_eq!(
        one("sql-expect SELECT '=>' || 'x'   =>   x y  "),
        Action::SqlExpect { sql: "SELECT '=>' || 'x'".into(), value: "x y".into() }
    );
    err_at("sql-expect SELECT 1", 1, "found no `=>`");
    err_at("sql-expect", 1, "unterminated `sql-expect`");
    err_at("sql-expect => 1", 1, "query before `=>` is missing");
    err_at("tick\nsql-expect SELECT 1 =>  ", 2, "value after `=>` is missing");
}

// ---- lines, comments, encodings ----

#[test]
fn comments_and_blank_lines() {
    let s = ok("# a comment\n\n   # indented comment\n\t\nkey j #\n");
    // `#` inside a key line is the key `#`: comments are whole lines only
    assert_eq!(s.steps().len(), 1);
    assert_eq!(s.steps()[0].line, 5);
    assert_eq!(s.steps()[0].action, Action::Key(vec![key(KeyCode::Char('j'), N), key(KeyCode::Char('#'), N)]));
}

#[test]
fn whole_line_comments_only() {
    err_at("# ok\nkey j # a comment?", 2, "bad key name `comment?`");
    err_at("advance 6m # wait", 1, "unexpected ` `");
}

#[test]
fn line_numbers_with_crlf_and_no_final_newline() {
    let s = ok("# c\r\nkey j\r\n\r\nexpect Events\r\ntick");
    let lines: Vec<usize> = s.steps().iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![2, 4, 5]);
    assert_eq!(s.steps()[1].action, Action::Expect("Events".into()));
    err_at("tick\r\ntick\r\nbogus\r\n", 3, "unknown directive `bogus`");
}

#[test]
fn bom_is_skipped() {
    assert_eq!(actions("\u{feff}tick"), vec![Action::Tick]);
}

#[test]
fn empty_script() {
    assert_eq!(ok("").steps().len(), 0);
    assert_eq!(ok("\n\n# only comments\n").steps().len(), 0);
}

#[test]
fn unknown_directives() {
    err_at("tick\nfrobnicate 3", 2, "unknown directive `frobnicate`");
    err_at("Key j", 1, "lowercase, write `key`");
    err_at("EXPECT x", 1, "lowercase, write `expect`");
    err_at("expect_not x", 1, "unknown directive");
    err_at("sleep 5s", 1, "unknown directive `sleep`");
}

#[test]
fn long_lines() {
    // exactly 64 KiB is fine
    let text = "x".repeat(MAX_LINE_BYTES - "type ".len());
    assert_eq!(one(&format!("type {text}")), Action::Type(text.clone()));
    assert_eq!(one(&format!("type {text}\r\n")), Action::Type(text));
    // one byte more is not, with or without a newline after it
    let over = format!("tick\ntype {}", "x".repeat(MAX_LINE_BYTES - "type ".len() + 1));
    err_at(&over, 2, "64 KiB");
    err_at(format!("{over}\ntick\n"), 2, "64 KiB");
}

#[test]
fn ten_megabyte_line_is_refused_quickly() {
    let mut src = b"tick\nexpect ok\n".to_vec();
    src.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024));
    src.extend(b"\ntick\n");
    let started = std::time::Instant::now();
    err_at(&src, 3, "longer than 65536 bytes");
    assert!(started.elapsed() < std::time::Duration::from_millis(200), "{:?}", started.elapsed());
}

#[test]
fn nul_bytes() {
    err_at(b"tick\nexpect a\0b\n", 2, "NUL byte at column 9");
    err_at(b"\0", 1, "NUL");
}

#[test]
fn invalid_utf8() {
    err_at(b"tick\ntick\ntype caf\xe9\n", 3, "not valid UTF-8");
    err_at(b"\xff\xfe\x00\x01", 1, "NUL"); // NUL is reported before the encoding
    err_at(b"\xff\xfe garbage", 1, "UTF-8");
    err_at(b"# comment \xc3\n", 1, "UTF-8"); // even in a comment
}

#[test]
fn control_characters() {
    err_at("tick\ntype a\u{1b}[2J", 2, "U+001B at column 7");
    err_at("expect a\rb", 1, "U+000D");
    err_at("expect \u{7f}", 1, "U+007F");
}

#[test]
fn binary_garbage() {
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let e = parse(&garbage).expect_err("garbage");
    assert!(e.line >= 1);
    let mut src = b"size 80x24\n# fine\n".to_vec();
    src.extend(&garbage);
    let e = parse(&src).expect_err("garbage");
    assert!(e.line >= 3, "{e}");
}

#[test]
fn error_display() {
    let e = err_at("tick\nbogus", 2, "bogus");
    assert!(e.to_string().starts_with("line 2: unknown directive `bogus`"), "{e}");
}

#[test]
fn steps_keep_their_lines() {
    let s = ok(
        "size 80x24\nkey j\n# c\ntype x\nadvance 1s\ntick\nexpect a\nexpect-not b\nexpect-line 1 c\nsnapshot s\nverify\nsql-expect SELECT 1 => 1\n",
    );
    let lines: Vec<usize> = s.steps().iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![2, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
}

#[test]
fn the_documented_example_is_the_shipped_script_and_parses() {
    let doc = include_str!("../../docs/script-language.md");
    let shipped = include_str!("../../assets/scripts/01-payment-success.script");
    assert!(doc.contains(shipped), "docs/script-language.md shows assets/scripts/01-payment-success.script verbatim");
    let readme = include_str!("../../README.md");
    assert!(readme.contains(shipped), "README.md shows assets/scripts/01-payment-success.script verbatim");
    let s = ok(shipped);
    assert_eq!(s.size(), (120, 40));
    assert!(s.clock().is_some());
    assert_eq!(s.steps().last().map(|s| &s.action), Some(&Action::Verify));
}
