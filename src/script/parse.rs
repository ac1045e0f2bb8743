//! The script parser: bytes in, a [`Script`] or a [`ParseError`] out. Pure: no I/O,
//! no clock, no app. Every malformed input is an error carrying its 1-based line
//! number; nothing here panics, whatever the bytes (the parser is fuzzed).
//!
//! Decisions where issue 4 is silent (also in `docs/script-language.md`):
//! - Comments are whole lines only: a line whose first non-blank character is `#`.
//!   A `#` anywhere else is literal text (`type Seat #4`, `expect #12`, `key #`).
//! - Directive names are lowercase and exact; named keys are case-insensitive.
//! - Leading blanks on a line are ignored. A free-text argument (`type`, `expect`,
//!   `expect-not`, the TEXT of `expect-line`) is everything after the one blank that
//!   follows the directive, inner and trailing spaces kept; it must contain something
//!   other than blanks. Other arguments are trimmed.
//! - `size` and `clock` may each appear once, before the first `key`, `type`,
//!   `advance` or `tick`.
//! - A snapshot name may be used once per script.
//! - Keys mimic what crossterm reports from a real terminal: an uppercase character
//!   carries SHIFT, `BackTab` carries SHIFT, `Ctrl-X` is sent as `Ctrl-x`.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;

/// Longest line accepted, in bytes, not counting the line ending.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Largest repeat count in `key Down*N`.
pub const MAX_REPEAT: u32 = 1000;
/// Smallest screen accepted by `size` (columns, rows).
pub const MIN_SIZE: (u16, u16) = (20, 5);
/// Largest screen accepted by `size` (columns, rows).
pub const MAX_SIZE: (u16, u16) = (1000, 500);
/// Screen size when the script does not say.
pub const DEFAULT_SIZE: (u16, u16) = (120, 40);
/// Longest single `advance`, in seconds (365 days).
pub const MAX_ADVANCE_SECS: u64 = 365 * 24 * 60 * 60;
/// Longest snapshot name, in characters.
pub const MAX_SNAPSHOT_NAME: usize = 100;

/// Why a script does not parse, and where. Displays as `line N: reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    pub reason: String,
}

/// One key of a `key` line, pressed `repeat` times (1 unless written `Down*5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPress {
    pub event: KeyEvent,
    pub repeat: u32,
}

/// What one script line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `key …`: the keys in order, each with its repeat count.
    Key(Vec<KeyPress>),
    /// `type …`: the text, typed one character at a time (see [`char_event`]).
    Type(String),
    /// `advance …`: move the virtual clock this many seconds, one second at a time.
    Advance { seconds: u64 },
    /// `tick`: run one background tick now.
    Tick,
    /// `expect …`: some screen row contains the text.
    Expect(String),
    /// `expect-not …`: no screen row contains the text.
    ExpectNot(String),
    /// `expect-line N …`: screen row `row` (0-based) contains the text.
    ExpectLine { row: u16, text: String },
    /// `snapshot NAME`: write the screen to `DIR/NAME.txt`.
    Snapshot(String),
    /// `verify`: the invariant check finds nothing broken.
    Verify,
    /// `sql-expect SQL => VALUE`: the query's single value, as text, equals `value`.
    SqlExpect { sql: String, value: String },
    /// `signin NAME PIN`: the clerk NAME signs in (the app acts as them from then on).
    SignIn { name: String, pin: String },
}

/// An action and the 1-based line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub line: usize,
    pub action: Action,
}

/// A parsed script: the header (size, clock) and the steps in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    size: Option<(u16, u16)>,
    clock: Option<DateTime<Utc>>,
    steps: Vec<Step>,
}

impl Script {
    /// Screen size (columns, rows): the script's `size`, else [`DEFAULT_SIZE`].
    pub fn size(&self) -> (u16, u16) {
        self.size.unwrap_or(DEFAULT_SIZE)
    }

    /// The `size` line's value, if the script has one (lets a caller tell a
    /// `--size` flag apart from a size the script insists on).
    pub fn declared_size(&self) -> Option<(u16, u16)> {
        self.size
    }

    /// Start of the virtual clock, if the script sets one; the caller picks the
    /// default (a fixed demo instant) otherwise.
    pub fn clock(&self) -> Option<DateTime<Utc>> {
        self.clock
    }

    /// The steps, in script order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }
}

/// Parse a whole script. The first problem found ends the parse.
pub fn parse(bytes: &[u8]) -> Result<Script, ParseError> {
    let mut parser = Parser::default();
    let mut rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut line = 0usize;
    while !rest.is_empty() {
        line += 1;
        // Look for the newline only within the longest legal line (+ "\r\n"), so a
        // 10 MB line is refused after reading 64 KiB of it.
        let window = &rest[..rest.len().min(MAX_LINE_BYTES + 2)];
        let (raw, next) = match window.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None if rest.len() > window.len() => {
                return Err(ParseError {
                    line,
                    reason: format!(
                        "line is longer than {MAX_LINE_BYTES} bytes (64 KiB), the most a script line may be"
                    ),
                });
            }
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = decode_line(raw).map_err(|reason| ParseError { line, reason })?;
        parser.line(line, text).map_err(|reason| ParseError { line, reason })?;
    }
    Ok(parser.script)
}

/// Check one raw line (without its line ending) and turn it into text.
fn decode_line(raw: &[u8]) -> Result<&str, String> {
    if raw.len() > MAX_LINE_BYTES {
        return Err(format!(
            "line is {} bytes long; the most a script line may be is {MAX_LINE_BYTES} bytes (64 KiB)",
            raw.len()
        ));
    }
    if let Some(i) = raw.iter().position(|&b| b == 0) {
        return Err(format!("NUL byte at column {}: a script is text, not binary data", i + 1));
    }
    let text = std::str::from_utf8(raw)
        .map_err(|e| format!("not valid UTF-8 (bad byte at column {}): a script is UTF-8 text", e.valid_up_to() + 1))?;
    if let Some((i, c)) = text.char_indices().find(|&(_, c)| c.is_control() && c != '\t') {
        return Err(format!(
            "control character U+{:04X} at column {}: a script is printable text",
            c as u32,
            text[..i].chars().count() + 1
        ));
    }
    Ok(text)
}

/// Every directive of the language.
pub const DIRECTIVES: [&str; 13] = [
    "size",
    "clock",
    "key",
    "type",
    "advance",
    "tick",
    "expect",
    "expect-not",
    "expect-line",
    "snapshot",
    "verify",
    "sql-expect",
    "signin",
];

#[derive(Default)]
struct Parser {
    script: Script,
    /// Line of the first key/type/advance/tick: `size` and `clock` must come before.
    started: Option<usize>,
    size_line: Option<usize>,
    clock_line: Option<usize>,
    snapshots: HashMap<String, usize>,
}

impl Parser {
    fn line(&mut self, line: usize, text: &str) -> Result<(), String> {
        let text = text.trim_start_matches([' ', '\t']);
        if text.is_empty() || text.starts_with('#') {
            return Ok(());
        }
        let (word, arg) = match text.find([' ', '\t']) {
            // Exactly one blank separates the directive from a free-text argument.
            Some(i) => (&text[..i], &text[i + 1..]),
            None => (text, ""),
        };
        let action = match word {
            "size" => {
                let size = parse_size(need(word, arg.trim(), "a size like 120x40")?)?;
                self.header(word, line, Header::Size)?;
                self.script.size = Some(size);
                return Ok(());
            }
            "clock" => {
                let at = parse_clock(need(word, arg.trim(), "an RFC 3339 instant like 2026-06-01T09:00:00Z")?)?;
                self.header(word, line, Header::Clock)?;
                self.script.clock = Some(at);
                return Ok(());
            }
            "key" => {
                let arg = need(word, arg.trim(), "one or more key names, like `key j j Enter`")?;
                let keys = arg.split_ascii_whitespace().map(parse_key).collect::<Result<Vec<_>, _>>()?;
                Action::Key(keys)
            }
            "type" => Action::Type(free_text(word, arg, "the text to type")?.to_string()),
            "advance" => {
                Action::Advance { seconds: parse_duration(need(word, arg.trim(), "a duration like 6m or 1h30m")?)? }
            }
            "tick" => no_arg(word, arg, Action::Tick)?,
            "verify" => no_arg(word, arg, Action::Verify)?,
            "expect" => Action::Expect(free_text(word, arg, "the text to look for")?.to_string()),
            "expect-not" => Action::ExpectNot(free_text(word, arg, "the text that must not be on screen")?.to_string()),
            "expect-line" => {
                let arg = arg.trim_start_matches([' ', '\t']);
                let (n, text) = match arg.find([' ', '\t']) {
                    Some(i) => (&arg[..i], &arg[i + 1..]),
                    None => (arg, ""),
                };
                let n = need(word, n, "a row number and text, like `expect-line 3 Events`")?;
                let row = parse_row(n)?;
                let text = free_text(word, text, "the text to look for after the row number")?;
                Action::ExpectLine { row, text: text.to_string() }
            }
            "snapshot" => {
                let name = need(word, arg.trim(), "a name like after-payment")?;
                check_snapshot_name(name)?;
                if let Some(first) = self.snapshots.get(name) {
                    return Err(format!("snapshot name `{name}` is already used at line {first}"));
                }
                self.snapshots.insert(name.to_string(), line);
                Action::Snapshot(name.to_string())
            }
            "sql-expect" => {
                let (sql, value) = parse_sql_expect(arg)?;
                Action::SqlExpect { sql, value }
            }
            "signin" => {
                let arg = need(word, arg.trim(), "a clerk's name and PIN, like `signin Asha 4821`")?;
                // The PIN is the last word; the name (which may hold spaces) is the rest.
                let Some((name, pin)) = arg.rsplit_once([' ', '\t']) else {
                    return Err(format!("unterminated `signin`: expected a name and a PIN after `{}`", show(arg)));
                };
                let (name, pin) = (name.trim(), pin.trim());
                if name.is_empty() || pin.is_empty() || !pin.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("`signin` takes a name and a PIN of digits, found `{}`", show(arg)));
                }
                Action::SignIn { name: name.to_string(), pin: pin.to_string() }
            }
            other => {
                let lower = other.to_ascii_lowercase();
                return Err(if DIRECTIVES.contains(&lower.as_str()) {
                    format!("unknown directive `{}`: directives are lowercase, write `{lower}`", show(other))
                } else {
                    format!("unknown directive `{}` (known: {})", show(other), DIRECTIVES.join(", "))
                });
            }
        };
        if matches!(action, Action::Key(_) | Action::Type(_) | Action::Advance { .. } | Action::Tick)
            && self.started.is_none()
        {
            self.started = Some(line);
        }
        self.script.steps.push(Step { line, action });
        Ok(())
    }

    fn header(&mut self, word: &str, line: usize, which: Header) -> Result<(), String> {
        if let Some(first) = self.started {
            return Err(format!("`{word}` must come before the first key, type, advance or tick (line {first})"));
        }
        let slot = match which {
            Header::Size => &mut self.size_line,
            Header::Clock => &mut self.clock_line,
        };
        if let Some(first) = *slot {
            return Err(format!("`{word}` is already set at line {first}; give it once"));
        }
        *slot = Some(line);
        Ok(())
    }
}

enum Header {
    Size,
    Clock,
}

/// An argument that must be present: otherwise the line is "unterminated".
fn need<'a>(word: &str, arg: &'a str, what: &str) -> Result<&'a str, String> {
    if arg.is_empty() { Err(format!("unterminated `{word}`: expected {what}")) } else { Ok(arg) }
}

/// A free-text argument, kept verbatim, that must hold something besides blanks.
fn free_text<'a>(word: &str, arg: &'a str, what: &str) -> Result<&'a str, String> {
    if arg.trim_matches([' ', '\t']).is_empty() {
        Err(format!("unterminated `{word}`: expected {what}"))
    } else {
        Ok(arg)
    }
}

fn no_arg(word: &str, arg: &str, action: Action) -> Result<Action, String> {
    let arg = arg.trim();
    if arg.is_empty() { Ok(action) } else { Err(format!("`{word}` takes no argument, found `{}`", show(arg))) }
}

/// At most 40 characters of user text for an error message.
fn show(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}…")
    }
}

fn small_number(s: &str, max_digits: usize) -> Option<u32> {
    if s.is_empty() || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `WxH` (columns x rows), within [`MIN_SIZE`]..=[`MAX_SIZE`]. Also for a `--size` flag.
pub fn parse_size(s: &str) -> Result<(u16, u16), String> {
    let bad = || format!("bad size `{}`: write columns x rows, like 120x40", show(s));
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h) = (small_number(w, 6).ok_or_else(bad)?, small_number(h, 6).ok_or_else(bad)?);
    let (min_w, min_h) = MIN_SIZE;
    let (max_w, max_h) = MAX_SIZE;
    if w < u32::from(min_w) || h < u32::from(min_h) {
        return Err(format!("size {w}x{h} is too small: the least is {min_w}x{min_h}"));
    }
    if w > u32::from(max_w) || h > u32::from(max_h) {
        return Err(format!("size {w}x{h} is too large: the most is {max_w}x{max_h}"));
    }
    Ok((w as u16, h as u16))
}

fn parse_clock(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("bad clock `{}` ({e}): write an RFC 3339 instant like 2026-06-01T09:00:00Z", show(s)))
}

/// A duration like `90s`, `6m`, `1h30m`, `2d`: numbers each followed by a unit
/// (s, m, h, d), summed. More than zero, at most [`MAX_ADVANCE_SECS`].
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let hint = "write numbers with units s, m, h, d, like 90s, 6m or 1h30m";
    let too_long = || format!("duration `{}` is longer than 365d, the most one advance may move", show(s));
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    for c in s.chars() {
        match c {
            '0'..='9' => {
                let digit = u64::from(c as u8 - b'0');
                let n = number.unwrap_or(0).checked_mul(10).and_then(|n| n.checked_add(digit));
                number = Some(n.filter(|&n| n <= MAX_ADVANCE_SECS).ok_or_else(too_long)?);
            }
            's' | 'm' | 'h' | 'd' => {
                let n = number
                    .take()
                    .ok_or_else(|| format!("bad duration `{}`: unit `{c}` has no number before it; {hint}", show(s)))?;
                let unit = match c {
                    's' => 1,
                    'm' => 60,
                    'h' => 3600,
                    _ => 86_400,
                };
                total = n
                    .checked_mul(unit)
                    .and_then(|secs| total.checked_add(secs))
                    .filter(|&t| t <= MAX_ADVANCE_SECS)
                    .ok_or_else(too_long)?;
            }
            other => {
                return Err(format!("bad duration `{}`: unexpected `{other}`; {hint}", show(s)));
            }
        }
    }
    if number.is_some() {
        return Err(format!("bad duration `{}`: the last number has no unit; {hint}", show(s)));
    }
    if total == 0 {
        return Err(format!("bad duration `{}`: it must be more than zero", show(s)));
    }
    Ok(total)
}

fn parse_row(s: &str) -> Result<u16, String> {
    let max = MAX_SIZE.1;
    match small_number(s, 6) {
        Some(n) if n < u32::from(max) => Ok(n as u16),
        Some(n) => Err(format!("row {n} is past the largest screen ({max} rows, numbered from 0)")),
        None => Err(format!("bad row number `{}`: expected a row number from 0, like `expect-line 3 Events`", show(s))),
    }
}

fn check_snapshot_name(name: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if let Some(c) = name.chars().find(|&c| !ok_char(c)) {
        return Err(format!(
            "bad snapshot name `{}`: `{c}` is not allowed; use letters, digits, `_`, `.` and `-`",
            show(name)
        ));
    }
    if name.starts_with('.') {
        return Err(format!("bad snapshot name `{}`: it must not start with `.`", show(name)));
    }
    if name.len() > MAX_SNAPSHOT_NAME {
        return Err(format!("bad snapshot name `{}`: longer than {MAX_SNAPSHOT_NAME} characters", show(name)));
    }
    Ok(())
}

/// `SQL => VALUE`, split at the last `=>`; both sides trimmed and required.
fn parse_sql_expect(arg: &str) -> Result<(String, String), String> {
    let (sql, value) = arg
        .rsplit_once("=>")
        .ok_or_else(|| "unterminated `sql-expect`: expected `SQL => VALUE`, found no `=>`".to_string())?;
    let (sql, value) = (sql.trim(), value.trim());
    if sql.is_empty() {
        return Err("unterminated `sql-expect`: the query before `=>` is missing".to_string());
    }
    if value.is_empty() {
        return Err("unterminated `sql-expect`: the expected value after `=>` is missing".to_string());
    }
    Ok((sql.to_string(), value.to_string()))
}

/// One key token: `j`, `Enter`, `Ctrl-c`, `Alt-x`, `F5`, with an optional `*N` repeat.
pub fn parse_key(token: &str) -> Result<KeyPress, String> {
    let (name, repeat) = match token.rsplit_once('*') {
        Some((name, count)) if !name.is_empty() && !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) => {
            match small_number(count, 6) {
                Some(n) if (1..=MAX_REPEAT).contains(&n) => (name, n),
                _ => {
                    return Err(format!("bad repeat in `{}`: a key repeats 1 to {MAX_REPEAT} times", show(token)));
                }
            }
        }
        _ => (token, 1),
    };
    let event = parse_key_name(name).ok_or_else(|| {
        format!(
            "bad key name `{}`: use a single character, Enter Esc Tab BackTab Space Backspace Delete \
             Up Down Left Right Home End PageUp PageDown F1..F12, Ctrl-x or Alt-x (repeat: Down*5)",
            show(token)
        )
    })?;
    Ok(KeyPress { event, repeat })
}

fn parse_key_name(name: &str) -> Option<KeyEvent> {
    let mut mods = KeyModifiers::NONE;
    let mut rest = name;
    loop {
        // A single character is always the character itself (`-`, `C`, …).
        if single_char(rest).is_some() {
            break;
        }
        let (prefix, m) = match rest.find('-') {
            Some(i) if i > 0 && i + 1 < rest.len() => (&rest[..i], &rest[i + 1..]),
            _ => break,
        };
        let modifier = match prefix.to_ascii_lowercase().as_str() {
            "ctrl" => KeyModifiers::CONTROL,
            "alt" => KeyModifiers::ALT,
            "shift" => KeyModifiers::SHIFT,
            _ => break,
        };
        mods |= modifier;
        rest = m;
    }
    if let Some(c) = single_char(rest) {
        let mut event = char_event(c);
        if mods.contains(KeyModifiers::CONTROL) && c.is_ascii_alphabetic() {
            // A terminal cannot tell Ctrl-X from Ctrl-x; crossterm reports lowercase.
            event = KeyEvent::new(KeyCode::Char(c.to_ascii_lowercase()), KeyModifiers::NONE);
        }
        event.modifiers |= mods;
        return Some(event);
    }
    let lower = rest.to_ascii_lowercase();
    let (code, extra) = match lower.as_str() {
        "enter" => (KeyCode::Enter, KeyModifiers::NONE),
        "esc" => (KeyCode::Esc, KeyModifiers::NONE),
        "tab" => (KeyCode::Tab, KeyModifiers::NONE),
        "backtab" => (KeyCode::BackTab, KeyModifiers::SHIFT),
        "space" => (KeyCode::Char(' '), KeyModifiers::NONE),
        "backspace" => (KeyCode::Backspace, KeyModifiers::NONE),
        "delete" => (KeyCode::Delete, KeyModifiers::NONE),
        "up" => (KeyCode::Up, KeyModifiers::NONE),
        "down" => (KeyCode::Down, KeyModifiers::NONE),
        "left" => (KeyCode::Left, KeyModifiers::NONE),
        "right" => (KeyCode::Right, KeyModifiers::NONE),
        "home" => (KeyCode::Home, KeyModifiers::NONE),
        "end" => (KeyCode::End, KeyModifiers::NONE),
        "pageup" => (KeyCode::PageUp, KeyModifiers::NONE),
        "pagedown" => (KeyCode::PageDown, KeyModifiers::NONE),
        f if f.starts_with('f') => {
            let n = small_number(&f[1..], 2)?;
            if !(1..=12).contains(&n) {
                return None;
            }
            (KeyCode::F(n as u8), KeyModifiers::NONE)
        }
        _ => return None,
    };
    Some(KeyEvent::new(code, mods | extra))
}

fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// The key event for one typed character, as crossterm reports it from a terminal:
/// uppercase characters carry SHIFT, a tab is the Tab key.
pub fn char_event(c: char) -> KeyEvent {
    match c {
        '\t' => KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
        c if c.is_uppercase() => KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT),
        c => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
