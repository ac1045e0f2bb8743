//! The venue's settings: the policy every counter on one file sells by (hold
//! and payment windows, refund share …), the venue's name, address and time
//! zone, and housekeeping (backups, logs). Stored in the file one row per key
//! (absent: the default); a process may put explicit overrides over them
//! (flags, `BOXOFFICE_*` variables, tests). Pure: parsing and rules only.

use super::Invalid;
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

text_enum!(
    /// A setting's name, as stored and as typed in `boxoffice settings set KEY VALUE`.
    SettingKey("setting") {
        HoldMinutes => "hold_minutes",
        PaymentMinutes => "payment_minutes",
        RefundPercent => "refund_percent",
        HoldExtensions => "hold_extensions",
        IdleLockMinutes => "idle_lock_minutes",
        Currency => "currency",
        VenueName => "venue_name",
        VenueAddress => "venue_address",
        TimeZone => "time_zone",
        BackupsKept => "backups_kept",
        LogDays => "log_days",
    }
);

impl SettingKey {
    /// What it is, in a few words (the settings list and the README table).
    pub fn about(self) -> &'static str {
        match self {
            SettingKey::HoldMinutes => "minutes a new hold keeps its seats",
            SettingKey::PaymentMinutes => "minutes a new booking waits for payment",
            SettingKey::RefundPercent => "percent of a confirmed booking refunded on cancellation",
            SettingKey::HoldExtensions => "times a hold may be extended by the hold period",
            SettingKey::IdleLockMinutes => "minutes of no keys before a counter locks (0: never)",
            SettingKey::Currency => "currency of new events (ISO 4217 code)",
            SettingKey::VenueName => "the venue's name, for tickets",
            SettingKey::VenueAddress => "the venue's address, for tickets",
            SettingKey::TimeZone => "the venue's time zone (IANA name): event times are entered and shown in it",
            SettingKey::BackupsKept => "daily backups the tick keeps in backups/ (0: none taken)",
            SettingKey::LogDays => "days of daily log files kept (app log and JSON audit log)",
        }
    }

    /// The values it takes, in words.
    pub fn range(self) -> &'static str {
        match self {
            SettingKey::HoldMinutes | SettingKey::PaymentMinutes => "1–1440",
            SettingKey::RefundPercent => "0–100",
            SettingKey::HoldExtensions => "0–10",
            SettingKey::IdleLockMinutes => "0–1440",
            SettingKey::Currency => "three letters, e.g. INR",
            SettingKey::VenueName => "0–100 characters",
            SettingKey::VenueAddress => "0–300 characters",
            SettingKey::TimeZone => "an IANA zone, e.g. Asia/Kolkata",
            SettingKey::BackupsKept => "0–365",
            SettingKey::LogDays => "1–3650",
        }
    }

    /// The key named `text`, or why not (listing the keys there are).
    pub fn named(text: &str) -> Result<SettingKey, Invalid> {
        SettingKey::parse(text.trim()).ok_or_else(|| {
            let keys: Vec<&str> = SettingKey::ALL.iter().map(|k| k.as_str()).collect();
            Invalid::new("setting", format!("no setting '{}'; the settings are: {}", text.trim(), keys.join(", ")))
        })
    }
}

/// Every setting, typed. `Default` is what a file with no rows sells by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub hold_minutes: u32,
    pub payment_minutes: u32,
    pub refund_percent: u8,
    pub hold_extensions: u32,
    pub idle_lock_minutes: u32,
    pub currency: String,
    pub venue_name: String,
    pub venue_address: String,
    pub time_zone: Tz,
    pub backups_kept: u32,
    pub log_days: u32,
}

impl Default for Settings {
    /// DESIGN.md's seed figures. A file with no zone is in UTC: the same on
    /// every counter, whatever their `TZ` (the app's first run on a new file
    /// writes one: the demo venue's, or the computer's).
    fn default() -> Self {
        Settings {
            hold_minutes: 5,
            payment_minutes: 10,
            refund_percent: 50,
            hold_extensions: 2,
            idle_lock_minutes: 5,
            currency: "INR".into(),
            venue_name: String::new(),
            venue_address: String::new(),
            time_zone: Tz::UTC,
            backups_kept: 7,
            log_days: 30,
        }
    }
}

/// Where the value a process uses comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Not set in the file: the default.
    Default,
    /// The venue's file.
    File,
    /// This process's flag or environment variable, over the file's value.
    Override,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File => "file",
            Source::Override => "override",
        }
    }
}

impl Settings {
    pub fn hold_window(&self) -> Duration {
        Duration::minutes(i64::from(self.hold_minutes))
    }

    pub fn payment_window(&self) -> Duration {
        Duration::minutes(i64::from(self.payment_minutes))
    }

    /// The value of `key` as text: what is stored and shown.
    pub fn get(&self, key: SettingKey) -> String {
        match key {
            SettingKey::HoldMinutes => self.hold_minutes.to_string(),
            SettingKey::PaymentMinutes => self.payment_minutes.to_string(),
            SettingKey::RefundPercent => self.refund_percent.to_string(),
            SettingKey::HoldExtensions => self.hold_extensions.to_string(),
            SettingKey::IdleLockMinutes => self.idle_lock_minutes.to_string(),
            SettingKey::Currency => self.currency.clone(),
            SettingKey::VenueName => self.venue_name.clone(),
            SettingKey::VenueAddress => self.venue_address.clone(),
            SettingKey::TimeZone => self.time_zone.name().to_string(),
            SettingKey::BackupsKept => self.backups_kept.to_string(),
            SettingKey::LogDays => self.log_days.to_string(),
        }
    }

    /// Sets `key` from `text` if it is a valid value; otherwise says why and
    /// changes nothing. Text is trimmed; a zone or currency in any case is
    /// stored in its proper one (`asia/kolkata` → `Asia/Kolkata`).
    pub fn set(&mut self, key: SettingKey, text: &str) -> Result<(), Invalid> {
        let text = text.trim();
        let field = key.as_str();
        let number = |lo: u32, hi: u32| -> Result<u32, Invalid> {
            text.parse::<u32>()
                .ok()
                .filter(|n| (lo..=hi).contains(n))
                .ok_or_else(|| Invalid::new(field, format!("must be a whole number {lo}–{hi} (got '{text}')")))
        };
        let words = |max: usize| -> Result<String, Invalid> {
            let chars = text.chars().count();
            if chars > max {
                return Err(Invalid::new(field, format!("must be at most {max} characters (got {chars})")));
            }
            if text.chars().any(char::is_control) {
                return Err(Invalid::new(field, "must be one line without control characters"));
            }
            Ok(text.to_string())
        };
        match key {
            SettingKey::HoldMinutes => self.hold_minutes = number(1, 1440)?,
            SettingKey::PaymentMinutes => self.payment_minutes = number(1, 1440)?,
            SettingKey::RefundPercent => self.refund_percent = number(0, 100)? as u8,
            SettingKey::HoldExtensions => self.hold_extensions = number(0, 10)?,
            SettingKey::IdleLockMinutes => self.idle_lock_minutes = number(0, 1440)?,
            SettingKey::Currency => self.currency = currency(text)?,
            SettingKey::VenueName => self.venue_name = words(100)?,
            SettingKey::VenueAddress => self.venue_address = words(300)?,
            SettingKey::TimeZone => self.time_zone = zone(text)?,
            SettingKey::BackupsKept => self.backups_kept = number(0, 365)?,
            SettingKey::LogDays => self.log_days = number(1, 3650)?,
        }
        Ok(())
    }

    /// The settings a file's rows give: each row over the default. Unknown
    /// keys (a newer boxoffice's) are skipped; a value that does not parse
    /// (a hand edit) keeps the default and is named in the second list, for
    /// `verify`.
    pub fn from_rows(rows: &[(String, String)]) -> (Settings, Vec<String>) {
        let mut settings = Settings::default();
        let mut problems = Vec::new();
        for (key, value) in rows {
            let Some(key) = SettingKey::parse(key) else { continue };
            if let Err(why) = settings.set(key, value) {
                problems.push(format!("{why}; the default {} is used", Settings::default().get(key)));
            }
        }
        (settings, problems)
    }
}

/// What one process sells by: the file's settings with its overrides over
/// them, and where each value comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsView {
    /// The file's settings (defaults where it has no row).
    pub file: Settings,
    /// What this process uses: `file` with the overrides applied.
    pub effective: Settings,
    /// Keys the file has a row for.
    pub stored: Vec<SettingKey>,
    /// Keys this process overrides.
    pub overridden: Vec<SettingKey>,
    /// Stored values that do not parse (the default is used instead).
    pub problems: Vec<String>,
}

impl SettingsView {
    /// `rows` from the file, then `overrides` (key, value) over them; an
    /// override that is not a valid value is refused.
    pub fn build(rows: &[(String, String)], overrides: &[(SettingKey, String)]) -> Result<SettingsView, Invalid> {
        let (file, problems) = Settings::from_rows(rows);
        let mut effective = file.clone();
        for (key, value) in overrides {
            effective.set(*key, value)?;
        }
        let stored = SettingKey::ALL.iter().copied().filter(|k| rows.iter().any(|(r, _)| r == k.as_str())).collect();
        Ok(SettingsView { file, effective, stored, overridden: overrides.iter().map(|(k, _)| *k).collect(), problems })
    }

    pub fn source(&self, key: SettingKey) -> Source {
        if self.overridden.contains(&key) {
            Source::Override
        } else if self.stored.contains(&key) {
            Source::File
        } else {
            Source::Default
        }
    }
}

/// An ISO 4217-looking code: three letters, stored upper-case.
// TODO(issue 13 merge): use the ISO 4217 check the ticket-types branch adds to
// src/domain/money.rs (a known currency, not only three letters).
fn currency(text: &str) -> Result<String, Invalid> {
    let code = text.to_ascii_uppercase();
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(Invalid::new("currency", format!("must be a three-letter currency code like INR (got '{text}')")))
    }
}

/// An IANA time zone by name, in any case.
pub fn zone(text: &str) -> Result<Tz, Invalid> {
    let text = text.trim();
    text.parse::<Tz>()
        .ok()
        .or_else(|| chrono_tz::TZ_VARIANTS.iter().copied().find(|z| z.name().eq_ignore_ascii_case(text)))
        .ok_or_else(|| {
            Invalid::new("time_zone", format!("'{text}' is not an IANA time zone; use a name like Asia/Kolkata or UTC"))
        })
}

// ---- times in the venue's zone --------------------------------------------------

/// The instant a wall-clock time in `zone` names. On the hour the clocks go
/// back (a fold: the time happens twice) it is the first of the two; a time
/// the clocks skip (a gap) does not exist and is refused.
pub fn local_instant(naive: NaiveDateTime, zone: Tz) -> Result<DateTime<Utc>, Invalid> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.to_utc()),
        LocalResult::Ambiguous(first, _) => Ok(first.to_utc()),
        LocalResult::None => Err(Invalid::new(
            "time",
            format!(
                "{} does not exist in {} (the clocks go forward then); pick another time",
                naive.format("%Y-%m-%d %H:%M"),
                zone.name()
            ),
        )),
    }
}

/// Parses a local `YYYY-MM-DD HH:MM` in the venue's `zone` (see [`local_instant`]).
pub fn parse_local(text: &str, zone: Tz) -> Result<DateTime<Utc>, Invalid> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M")
        .map_err(|_| Invalid::new("time", format!("'{}' must look like 2026-12-31 19:30", text.trim())))?;
    local_instant(naive, zone)
}

/// When `day` begins in `zone`: its midnight, or — where the clocks skip
/// midnight — the first minute that exists.
pub fn start_of_day(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    (0..=24 * 60)
        .find_map(|m| match zone.from_local_datetime(&(midnight + Duration::minutes(m))) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.to_utc()),
            LocalResult::None => None,
        })
        .unwrap_or_else(|| midnight.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_round_trips_its_default_and_has_words() {
        let d = Settings::default();
        for &k in SettingKey::ALL {
            let mut s = Settings::default();
            s.set(k, &d.get(k)).unwrap_or_else(|e| panic!("{k}: {e}"));
            assert_eq!(s, d, "{k}");
            assert!(!k.about().is_empty() && !k.range().is_empty());
            assert_eq!(SettingKey::named(k.as_str()), Ok(k));
        }
        assert!(SettingKey::named("hold").unwrap_err().rule.contains("hold_minutes, payment_minutes"));
    }

    #[test]
    fn bad_values_are_refused_with_the_rule_and_change_nothing() {
        let mut s = Settings::default();
        for (k, bad) in [
            (SettingKey::RefundPercent, "150"),
            (SettingKey::RefundPercent, "-1"),
            (SettingKey::HoldMinutes, "0"),
            (SettingKey::HoldMinutes, "1441"),
            (SettingKey::PaymentMinutes, "ten"),
            (SettingKey::TimeZone, "Mars/Olympus_Mons"),
            (SettingKey::TimeZone, "+05:30"),
            (SettingKey::Currency, "RUPEES"),
            (SettingKey::Currency, "R1S"),
            (SettingKey::LogDays, "0"),
            (SettingKey::VenueName, "two\nlines"),
        ] {
            let err = s.set(k, bad).unwrap_err();
            assert_eq!(err.field, k.as_str(), "{k} {bad}");
            assert_eq!(s, Settings::default(), "{k} {bad} changed nothing");
        }
        let long = "x".repeat(101);
        assert!(s.set(SettingKey::VenueName, &long).unwrap_err().rule.contains("at most 100"));
    }

    #[test]
    fn good_values_are_stored_in_their_proper_form() {
        let mut s = Settings::default();
        s.set(SettingKey::TimeZone, " asia/kolkata ").unwrap();
        s.set(SettingKey::Currency, "usd").unwrap();
        s.set(SettingKey::RefundPercent, "100").unwrap();
        s.set(SettingKey::VenueName, "  Grand Theatre ").unwrap();
        assert_eq!(s.get(SettingKey::TimeZone), "Asia/Kolkata");
        assert_eq!(s.get(SettingKey::Currency), "USD");
        assert_eq!((s.refund_percent, s.venue_name.as_str()), (100, "Grand Theatre"));
        assert_eq!(s.hold_window(), Duration::minutes(5));
    }

    #[test]
    fn rows_over_defaults_then_overrides_over_rows() {
        let rows = vec![
            ("hold_minutes".to_string(), "7".to_string()),
            ("refund_percent".to_string(), "banana".to_string()),
            ("from_a_newer_version".to_string(), "1".to_string()),
        ];
        let v = SettingsView::build(&rows, &[(SettingKey::PaymentMinutes, "3".into())]).unwrap();
        assert_eq!((v.file.hold_minutes, v.file.payment_minutes, v.file.refund_percent), (7, 10, 50));
        assert_eq!((v.effective.hold_minutes, v.effective.payment_minutes), (7, 3));
        assert_eq!(v.source(SettingKey::HoldMinutes), Source::File);
        assert_eq!(v.source(SettingKey::PaymentMinutes), Source::Override);
        assert_eq!(v.source(SettingKey::TimeZone), Source::Default);
        assert_eq!(v.problems.len(), 1, "{:?}", v.problems);
        assert!(v.problems[0].starts_with("refund_percent:") && v.problems[0].contains("default 50"));
        assert!(SettingsView::build(&rows, &[(SettingKey::RefundPercent, "101".into())]).is_err());
    }

    #[test]
    fn local_times_in_the_venue_zone_whatever_the_terminal() {
        let kolkata = zone("Asia/Kolkata").unwrap();
        let t = parse_local("2026-06-08 19:30", kolkata).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-06-08T14:00:00+00:00");
        assert_eq!(parse_local("2026-06-08 19:30", Tz::UTC).unwrap().to_rfc3339(), "2026-06-08T19:30:00+00:00");
        assert_eq!(parse_local("8 June", kolkata).unwrap_err().field, "time");
    }

    #[test]
    fn a_skipped_hour_is_refused_and_a_repeated_one_is_its_first_time() {
        let london = zone("Europe/London").unwrap();
        // 29 March 2026: 01:00 GMT → 02:00 BST; 01:30 never happens.
        let gap = parse_local("2026-03-29 01:30", london).unwrap_err();
        assert!(gap.rule.contains("does not exist in Europe/London"), "{gap}");
        // 25 October 2026: 02:00 BST → 01:00 GMT; 01:30 happens twice: the first (BST) counts.
        let fold = parse_local("2026-10-25 01:30", london).unwrap();
        assert_eq!(fold.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        // A day that starts at 01:00 (Santiago, clocks forward at midnight on 6 Sep 2026).
        let santiago = zone("America/Santiago").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        assert_eq!(start_of_day(day, santiago).to_rfc3339(), "2026-09-06T04:00:00+00:00");
        let kolkata = zone("Asia/Kolkata").unwrap();
        assert_eq!(start_of_day(day, kolkata).to_rfc3339(), "2026-09-05T18:30:00+00:00");
    }
}
