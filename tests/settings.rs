//! The venue's settings live in the file: every counter sells by them from
//! its next operation, a hold keeps the deadline it was given, a process's
//! override wins for that process only, bad values change nothing, and
//! times are the venue's whatever the terminal's zone.

mod common;
use boxoffice::domain::{AuditAction, SettingKey, Source};
use boxoffice::{Config, Context, Desk, Error};
use chrono::Duration;
use common::{World, t0};
use std::path::Path;
use std::process::Command;

/// The command line as the supervisor Sue (settings are a supervisor's to change).
fn cli(db: &Path, args: &[&str]) -> (i32, String, String) {
    common::boxoffice(db, args, &[("BOXOFFICE_CLERK", "Sue"), ("BOXOFFICE_PIN", "1111")])
}

/// One seat of `e`, held at `desk`.
fn hold_one(desk: &Desk, e: &boxoffice::domain::Event) -> boxoffice::domain::Hold {
    desk.hold(boxoffice::HoldRequest {
        event_id: e.id.clone(),
        pick: boxoffice::SeatPick::Count(1),
        idempotency_key: None,
        correlation_id: None,
    })
    .expect("hold")
    .value
}

/// A second counter on the same file (or server), on the same clock.
fn counter(w: &World, config: Config, actor: &str) -> Desk {
    let ctx = Context { config, ..w.desk.ctx().clone() };
    let desk = w.target().open(ctx, actor).expect("second counter");
    desk.sign_in("Sue", "1111").expect("Sue signs in there too");
    desk
}

// On a file and on PostgreSQL (`name::sqlite`, `name::postgres`).
crate::on_both_backends! {
#[test]
fn a_change_reaches_every_counter_at_its_next_hold_and_a_hold_keeps_its_deadline() {
    let w = World::new();
    let e = w.ga(100, 1_000);
    let other = counter(&w, Config::default(), "clerk:other");
    let before = w.hold(&e, 1);
    assert_eq!(before.expires_at, t0() + Duration::minutes(5), "the default");

    // A supervisor at the first counter changes the policy…
    let c = w.desk.set_setting("hold_minutes", "7").expect("set");
    assert!(c.changed);
    // … and the other counter's very next hold uses it, with no restart.
    let h = hold_one(&other, &e);
    assert_eq!(h.expires_at, t0() + Duration::minutes(7));
    // The hold made before the change keeps the deadline it was given.
    assert_eq!(w.desk.get_hold(&before.id).expect("hold").expires_at, t0() + Duration::minutes(5));

    // Payment window and refund share the same way.
    other.set_setting("payment_minutes", "3").expect("set");
    other.set_setting("refund_percent", "80").expect("set");
    let b = w.booking(&e, 2);
    assert_eq!(b.payment_expires_at, t0() + Duration::minutes(3));
    w.desk.pay(&b.id, boxoffice::domain::PaymentOutcome::Success, "pay-1", None).expect("pay");
    let cancelled = other.cancel(&b.id).expect("cancel");
    let refund = cancelled.refund.expect("refund");
    assert_eq!((refund.percent, refund.amount, refund.fee), (80, 1_600, 400));
    assert_eq!(w.count("SELECT count(*) FROM audit_log WHERE action = 'SETTING_CHANGED'"), 3);
    w.assert_verified();
}

#[test]
fn an_override_wins_for_its_process_only_and_says_so() {
    let w = World::new();
    let e = w.ga(100, 1_000);
    w.desk.set_setting("hold_minutes", "7").expect("set");
    let script = counter(&w, Config { hold_minutes: Some(2), ..Config::default() }, "clerk:script");
    let v = script.settings().expect("settings");
    assert_eq!((v.file.hold_minutes, v.effective.hold_minutes), (7, 2));
    assert_eq!(v.source(SettingKey::HoldMinutes), Source::Override);
    assert_eq!(v.overridden, vec![SettingKey::HoldMinutes]);
    assert_eq!(script.ctx().config.overridden(), vec![SettingKey::HoldMinutes], "the status bar needs no query");
    let h = hold_one(&script, &e);
    assert_eq!(h.expires_at, t0() + Duration::minutes(2));
    assert_eq!(w.hold(&e, 1).expires_at, t0() + Duration::minutes(7), "the other counter keeps the file's");
    // A change made by the overriding process still goes to the file, for the others.
    let c = script.set_setting("hold_minutes", "9").expect("set");
    assert!(c.changed && c.overridden);
    assert_eq!(w.hold(&e, 1).expires_at, t0() + Duration::minutes(9));
}

#[test]
fn bad_values_are_refused_with_the_rule_and_change_nothing() {
    let w = World::new();
    for (key, value, says) in [
        ("refund_percent", "150", "0–100"),
        ("hold_minutes", "0", "1–1440"),
        ("payment_minutes", "1441", "1–1440"),
        ("time_zone", "Mars/Olympus", "IANA"),
        ("currency", "RUPEE", "three-letter"),
        ("hold_extensions", "lots", "0–10"),
        ("refund", "50", "no setting 'refund'"),
    ] {
        let err = w.refused(|d| d.set_setting(key, value));
        assert!(matches!(err, Error::Invalid(_)), "{key}={value}: {err}");
        assert!(err.to_string().contains(says), "{key}={value}: {err}");
    }
}
}

// `boxoffice settings` on a file and on a server's URL (`name::sqlite`, `name::postgres`).
crate::on_both_backends! {
#[test]
fn the_cli_lists_gets_and_sets_and_exits_2_on_a_bad_value() {
    let w = World::new();
    let db = w.db_arg();
    w.desk.set_setting("venue_name", "Grand Theatre").expect("set");

    let (code, out, err) = common::boxoffice(&db, &["settings"], &[("BOXOFFICE_PAYMENT_MINUTES", "3")]);
    assert_eq!(code, 0, "{err}");
    let line = |key: &str| out.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("{key} in\n{out}"));
    assert!(line("venue_name").contains("file") && line("venue_name").ends_with("Grand Theatre"), "{out}");
    assert!(line("hold_minutes").contains("default") && line("hold_minutes").ends_with(" 5"), "{out}");
    let place = if w.pg.is_some() { "the database has 10" } else { "the file has 10" };
    assert!(line("payment_minutes").contains("override") && line("payment_minutes").contains(place), "{out}");
    assert_eq!(out.lines().count(), 1 + SettingKey::ALL.len(), "a header and every setting:\n{out}");

    assert_eq!(cli(&db, &["settings", "get", "venue_name"]).1, "Grand Theatre\n");
    assert_eq!(cli(&db, &["--refund-percent", "10", "settings", "get", "refund_percent"]).1, "10\n");

    let (code, out, _) = cli(&db, &["settings", "set", "time_zone", "asia/kolkata"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("time_zone: UTC → Asia/Kolkata"), "{out}");
    let place = if w.pg.is_some() { "every counter on the database" } else { "every counter on the file" };
    assert!(out.contains(place), "{out}");
    let (code, out, _) = cli(&db, &["settings", "set", "time_zone", "Asia/Kolkata"]);
    assert_eq!((code, out.contains("nothing changed")), (0, true), "{out}");

    let before = w.dump();
    for bad in [
        vec!["settings", "set", "refund_percent", "150"],
        vec!["settings", "set", "hold_minutes", "0"],
        vec!["settings", "set", "time_zone", "Nowhere"],
        vec!["settings", "set", "nope", "1"],
        vec!["settings", "get", "nope"],
    ] {
        let (code, out, err) = cli(&db, &bad);
        assert_eq!(code, 2, "{bad:?}: {out}{err}");
        assert!(err.starts_with("boxoffice: ") && err.len() > 20, "{bad:?} says why: {err}");
    }
    assert_eq!(w.dump(), before, "refused changes wrote nothing");
    let rows = w.all_audit();
    let changes: Vec<_> = rows.iter().filter(|r| r.action == AuditAction::SettingChanged.as_str()).collect();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1].details["old"], "UTC");
    assert_eq!(changes[1].details["new"], "Asia/Kolkata");
    assert_eq!(changes[1].actor, "Sue", "who did it: the supervisor signed in at the command line");
}
}

#[test]
fn help_says_the_flags_override_the_venue() {
    let out = Command::new(env!("CARGO_BIN_EXE_boxoffice")).arg("--help").output().expect("help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Override, for this process only, the venue's hold_minutes"), "{help}");
    assert!(help.contains("boxoffice settings"), "{help}");
    assert!(help.contains("BOXOFFICE_GROUP"), "{help}");
}

#[test]
fn a_venue_in_india_seeds_its_demo_at_local_times_and_reports_local_days() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("venue.db");
    // 2026-06-01 20:00 UTC is already 2 June in Kolkata.
    let (ctx, _) = Context::manual("2026-06-01T20:00:00Z".parse().expect("t"), 1, Config::default());
    let desk = Desk::open(&db, ctx, "clerk:test").expect("open");
    assert!(boxoffice::demo::seed_venue_if_empty(&desk).expect("seed"));
    assert_eq!(desk.zone().expect("zone").name(), "Asia/Kolkata");
    let hamlet = desk.events("Hamlet", 1).expect("events").remove(0);
    // Seven days after 2 June (Kolkata's today), 19:30 in Kolkata = 14:00 UTC.
    assert_eq!(hamlet.starts_at.to_rfc3339(), "2026-06-09T14:00:00+00:00");
    assert_eq!(desk.settings().expect("settings").file.venue_name, "Grand Theatre (demo)");

    // A bare date on the command line is a day in the venue's zone.
    let at = "2026-06-02T12:00:00Z";
    let (code, out, err) = cli(&db, &["report", "--now", at, "--from", "2026-06-01", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["summary"]["from"], "2026-05-31T18:30:00Z");
    let (code, out, _) = cli(&db, &["report", "--now", at, "--from", "2026-06-01", "--to", "2026-06-01"]);
    assert_eq!(code, 0);
    assert!(out.contains("times in Asia/Kolkata"), "{out}");
    assert!(out.contains("booked from: 2026-06-01T00:00:00+05:30   to: 2026-06-02T00:00:00+05:30"), "{out}");
}

#[test]
fn the_script_runners_demo_venue_is_in_utc() {
    // Scripts read the same screens in any TZ: the in-memory demo has no zone.
    let mut h = boxoffice::tui::headless::Headless::demo(t0(), 0, 120, 40).expect("demo");
    let zone = h.desk().zone().expect("zone");
    assert_eq!(zone, chrono_tz::Tz::UTC);
    let hamlet = h.desk().events("Hamlet", 1).expect("events").remove(0);
    assert_eq!(hamlet.starts_at.to_rfc3339(), "2026-06-08T19:30:00+00:00");
    assert!(h.screen_text().contains("Mon 08 Jun 19:30"));
}

// On a file and on PostgreSQL.
crate::on_both_backends! {
#[test]
fn a_file_with_a_bad_stored_value_sells_by_the_default_and_verify_says_so() {
    let w = World::new();
    let e = w.ga(10, 100);
    w.exec("INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('hold_minutes', 'soon', 0, 'sqlite3')")
        .expect("hand edit");
    assert_eq!(w.hold(&e, 1).expires_at, t0() + Duration::minutes(5));
    let problems = w.desk.settings().expect("settings").problems;
    assert_eq!(problems.len(), 1);
    let v = w.desk.verify().expect("verify");
    assert!(v.iter().any(|p| p.contains("hold_minutes") && p.contains("default 5")), "{v:?}");
}
}
