//! Reports, the back-office screens and exports, against a known history on a
//! manual clock: every figure is checked, and the CLI and the screen agree.

mod common;

use boxoffice::domain::{BookingStatus, PaymentOutcome, ReportFilter};
use boxoffice::report::{Level, Report};
use boxoffice::tui::headless::Headless;
use chrono::{DateTime, Duration, Utc};
use common::{World, t0};
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::process::Command;

/// The history every test reads. Times are from t0 = 2026-06-01 09:00 UTC.
struct History {
    w: World,
    concert: String,
    theatre: String,
    /// b1..b8 (no b7: that one is a hold never booked).
    b: std::collections::HashMap<&'static str, boxoffice::domain::Booking>,
}

/// - 09:00 Theatre: b6 (1 seat) booked, never paid; h7 (2 seats) held, never booked.
/// - 09:11 the sweep expires b6 (and its hold) and h7.
/// - 09:12 Concert: b1 2 seats paid (SUCCESS); b2 1 seat paid, then cancelled (50 % refund,
///   processed at once); b3 3 seats payment FAILURE (full refund, left INITIATED);
///   b8 1 seat cancelled while pending. Theatre: b5 2 seats paid, then the same
///   payment key sent again (a retry).
/// - 10:11 Concert: b4 1 seat, payment TIMEOUT, the same key again (a retry); still pending.
fn history() -> History {
    let w = World::new();
    let concert = w.ga(100, 50_000);
    let theatre = w.reserved(5, 10, 20_000);
    let mut b = std::collections::HashMap::new();
    b.insert("b6", w.booking(&theatre, 1));
    w.hold(&theatre, 2);
    w.advance(Duration::minutes(11));
    let swept = w.desk.expire_due().expect("sweep");
    assert_eq!((swept.bookings, swept.holds), (1, 1));
    w.advance(Duration::minutes(1));
    let pay = |id: &str, o: PaymentOutcome, key: &str| w.desk.pay(id, o, key, None).expect("pay");
    let b1 = w.booking(&concert, 2);
    pay(&b1.id, PaymentOutcome::Success, "k1");
    let b2 = w.booking(&concert, 1);
    pay(&b2.id, PaymentOutcome::Success, "k2");
    w.desk.cancel(&b2.id).expect("cancel b2");
    assert_eq!(w.desk.process_refunds().expect("refunds"), 1);
    let b3 = w.booking(&concert, 3);
    pay(&b3.id, PaymentOutcome::Failure, "k3");
    let b5 = w.booking(&theatre, 2);
    pay(&b5.id, PaymentOutcome::Success, "k5");
    assert!(pay(&b5.id, PaymentOutcome::Success, "k5").is_retry);
    let b8 = w.booking(&concert, 1);
    w.desk.cancel(&b8.id).expect("cancel b8");
    w.advance(Duration::minutes(59));
    let b4 = w.booking(&concert, 1);
    pay(&b4.id, PaymentOutcome::Timeout, "k4");
    assert!(pay(&b4.id, PaymentOutcome::Timeout, "k4").is_retry);
    for (k, v) in [("b1", b1), ("b2", b2), ("b3", b3), ("b4", b4), ("b5", b5), ("b8", b8)] {
        b.insert(k, v);
    }
    w.assert_verified();
    History { w, concert: concert.id, theatre: theatre.id, b }
}

fn now() -> DateTime<Utc> {
    t0() + Duration::minutes(71)
}

fn all(hours: u32) -> ReportFilter {
    ReportFilter { hours, ..Default::default() }
}

fn counts(r: &Report) -> [u64; 5] {
    std::array::from_fn(|i| r.summary.by_status[i].count)
}

// The figures on both backends: the same history on a file and on PostgreSQL.
crate::on_both_backends! {
    #[test]
    fn summary_figures_of_all_events() {
        let h = history();
        let r = h.w.desk.report(&all(24)).expect("report");
        let s = &r.summary;
        assert_eq!(s.bookings, 7);
        // PAYMENT_PENDING, CONFIRMED, PAYMENT_FAILED, EXPIRED, CANCELLED
        assert_eq!(counts(&r), [1, 2, 1, 1, 2]);
        let shares: Vec<f64> = s.by_status.iter().map(|x| x.share).collect();
        assert_eq!(shares, vec![1.0 / 7.0, 2.0 / 7.0, 1.0 / 7.0, 1.0 / 7.0, 2.0 / 7.0]);
        assert_eq!(s.capacity, 150);
        assert_eq!(s.seats_sold, 4);
        assert_eq!(s.utilisation, 4.0 / 150.0);
        assert_eq!(s.confirmed_amount, Some(140_000), "b1 ₹1,000 + b5 ₹400");
        assert_eq!(s.fees_kept, Some(25_000), "half of b2's ₹500");
        assert_eq!(s.revenue, Some(165_000));
        assert_eq!(s.refunds, Some(175_000), "b2's ₹250 + b3's full ₹1,500");
        assert_eq!(s.refunds_failed_payments, Some(150_000));
        assert_eq!(s.refunds_pending, Some(150_000), "b3's refund is not processed yet");
        assert_eq!(s.currency, "INR");

        let concert = s.events.iter().find(|e| e.event_id == h.concert).expect("concert row");
        assert_eq!(concert.bookings, 5);
        assert_eq!(concert.by_status.iter().map(|x| x.count).collect::<Vec<_>>(), vec![1, 1, 1, 0, 2]);
        assert_eq!((concert.seats_sold, concert.capacity), (2, 100));
        assert_eq!(concert.utilisation, 0.02);
        assert_eq!((concert.revenue, concert.fees_kept, concert.refunds), (125_000, 25_000, 175_000));
        let theatre = s.events.iter().find(|e| e.event_id == h.theatre).expect("theatre row");
        assert_eq!(theatre.bookings, 2);
        assert_eq!(theatre.by_status.iter().map(|x| x.count).collect::<Vec<_>>(), vec![0, 1, 0, 1, 0]);
        assert_eq!((theatre.seats_sold, theatre.capacity, theatre.revenue, theatre.refunds), (2, 50, 40_000, 0));
    }
    #[test]
    fn health_figures_over_a_day_and_an_hour() {
        let h = history();
        assert_eq!(h.w.desk.now(), now());
        let r = h.w.desk.report(&all(24)).expect("report");
        let x = &r.health;
        assert_eq!((x.hours, x.from, x.to), (24, now() - Duration::hours(24), now()));
        assert_eq!((x.holds_made, x.holds_expired), (8, 2));
        assert_eq!(x.expiry_rate, 0.25);
        assert_eq!((x.payment_attempts, x.payment_successes, x.payment_failures, x.payment_timeouts), (5, 3, 1, 1));
        assert_eq!((x.success_rate, x.failure_rate, x.timeout_rate), (0.6, 0.2, 0.2));
        assert_eq!(x.retries, 2, "b5's and b4's replayed payment keys");
        assert_eq!(x.status, Level::Amber, "expiry 25 %, failures 20 %, timeouts 20 %: all AMBER, none RED");
        assert_eq!(x.reasons.len(), 3, "{:?}", x.reasons);
        assert_eq!(x.sales_per_hour.len(), 24);
        let mut sales = vec![0; 24];
        sales[23] = 3; // 09:12 falls in the last hour [09:11, 10:11]
        assert_eq!(x.sales_per_hour, sales);

        let r = h.w.desk.report(&all(1)).expect("report");
        let x = &r.health;
        assert_eq!((x.holds_made, x.holds_expired), (6, 0), "the 09:00 holds are outside [09:11, 10:11]");
        assert_eq!((x.payment_attempts, x.payment_successes, x.payment_failures, x.payment_timeouts), (5, 3, 1, 1));
        assert_eq!(x.sales_per_hour, vec![3]);
        assert_eq!(x.status, Level::Amber);

        // 2 h, [08:11, 10:11]: the whole hour 09:00–10:00 (the 09:00 holds, one of
        // them expired later) comes from the hourly totals, 10:00–10:11 inclusive
        // (b4's hold at 10:11 = now) from the holds themselves.
        let x = h.w.desk.report(&all(2)).expect("report").health;
        assert_eq!((x.holds_made, x.holds_expired), (8, 2));
        assert_eq!(x.sales_per_hour, vec![0, 3]);
    }
    #[test]
    fn filters_by_event_and_booking_time() {
        let h = history();
        let one = |event: &str| ReportFilter { event_id: Some(event.to_string()), hours: 24, ..Default::default() };
        let r = h.w.desk.report(&one(&h.concert)).expect("report");
        assert_eq!(r.summary.events.len(), 1);
        assert_eq!((r.summary.bookings, r.summary.capacity, r.summary.seats_sold), (5, 100, 2));
        assert_eq!((r.summary.revenue, r.summary.refunds), (Some(125_000), Some(175_000)));
        let x = &r.health;
        assert_eq!((x.holds_made, x.holds_expired, x.payment_attempts, x.retries), (5, 0, 4, 1));
        assert_eq!(x.status, Level::Green, "4 attempts is below the minimum sample of 5");

        let r = h.w.desk.report(&one(&h.theatre)).expect("report");
        assert_eq!((r.summary.bookings, r.summary.revenue), (2, Some(40_000)));
        let x = &r.health;
        assert_eq!((x.holds_made, x.holds_expired, x.payment_attempts, x.payment_successes, x.retries), (3, 2, 1, 1, 1));
        assert_eq!(x.status, Level::Green, "3 holds is below the minimum sample");

        // By booking time: 09:05–10:00 leaves out b6 (09:00) and b4 (10:11).
        let range = ReportFilter {
            from: Some(t0() + Duration::minutes(5)),
            to: Some(t0() + Duration::minutes(60)),
            hours: 24,
            ..Default::default()
        };
        let r = h.w.desk.report(&range).expect("report");
        assert_eq!(r.summary.bookings, 5);
        assert_eq!(counts(&r), [0, 2, 1, 0, 2]);
        assert_eq!((r.summary.revenue, r.summary.refunds, r.summary.seats_sold), (Some(165_000), Some(175_000), 4));
        assert_eq!(r.health.payment_attempts, 5, "the date range narrows the summary, not the health window");

        let day = |d: &str, end| boxoffice::report::parse_date(d, end).expect("date");
        let whole_day = ReportFilter {
            from: Some(day("2026-06-01", false)),
            to: Some(day("2026-06-01", true)),
            hours: 24,
            ..Default::default()
        };
        assert_eq!(h.w.desk.report(&whole_day).expect("report").summary.bookings, 7);
        let next_day = ReportFilter { from: Some(day("2026-06-02", false)), hours: 24, ..Default::default() };
        let r = h.w.desk.report(&next_day).expect("report");
        assert_eq!((r.summary.bookings, r.summary.revenue, r.summary.utilisation), (0, Some(0), 0.0));

        assert!(h.w.desk.report(&one("no-such-event")).is_err());
        assert!(h.w.desk.report(&all(0)).is_err());
    }
    // A date range is read as whole hours from the hourly running totals plus its
    // partial first and last hour from the bookings: `from` is inclusive and `to`
    // exclusive at every split, and the hourly totals follow status changes.
    #[test]
    fn date_range_bounds_hold_across_whole_hours_and_edges() {
        let h = history();
        let ms = Duration::milliseconds;
        let at = |m: i64| t0() + Duration::minutes(m);
        let range = |from: DateTime<Utc>, to: DateTime<Utc>| {
            let f = ReportFilter { from: Some(from), to: Some(to), hours: 24, ..Default::default() };
            let s = h.w.desk.report(&f).expect("report").summary;
            (counts_of(&s), s.revenue.expect("one currency"), s.refunds.expect("one currency"), s.seats_sold)
        };
        // b6 was booked at 09:00:00.000 exactly (an hour boundary) and then expired;
        // b1 b2 b3 b5 b8 at 09:12; b4 at 10:11.
        let b6 = [0, 0, 0, 1, 0];
        let at_0912 = ([0, 2, 1, 0, 2], 165_000, 175_000, 4);
        let add = |a: [u64; 5], b: [u64; 5]| std::array::from_fn::<u64, 5, _>(|i| a[i] + b[i]);
        // A whole hour, from inclusive: b6 in.
        assert_eq!(range(at(0), at(60)), (add(at_0912.0, b6), 165_000, 175_000, 4));
        // To exclusive: a range ending at b6's instant leaves it out, whole hour or not.
        assert_eq!(range(at(-60), at(0)), ([0; 5], 0, 0, 0));
        assert_eq!(range(at(-30), at(0)), ([0; 5], 0, 0, 0));
        // Starting one millisecond after b6 (an edge, then no whole hour) leaves it out.
        assert_eq!(range(at(0) + ms(1), at(60)), at_0912);
        // Edges only, bounded exactly at the 09:12 bookings.
        assert_eq!(range(at(12), at(12) + ms(1)), at_0912);
        assert_eq!(range(at(11), at(12)), ([0; 5], 0, 0, 0));
        // Edge + whole hour + edge: everything, refunds included.
        let everything = (add(add(at_0912.0, b6), [1, 0, 0, 0, 0]), 165_000, 175_000, 4);
        assert_eq!(range(at(-30), at(90)), everything);
        assert_eq!(range(at(-30), at(71) + ms(1)), everything);
        // Several whole hours and an edge that ends just before b4.
        assert_eq!(range(at(-180), at(71)), (add(at_0912.0, b6), 165_000, 175_000, 4));
        // An open start is read as whole hours since the epoch.
        let open = ReportFilter { to: Some(at(60)), hours: 24, ..Default::default() };
        assert_eq!(counts_of(&h.w.desk.report(&open).expect("report").summary), add(at_0912.0, b6));
        h.w.assert_verified();
    }
    #[test]
    fn status_turns_red_past_the_thresholds_and_green_below() {
        let w = World::new();
        let e = w.ga(100, 1_000);
        for _ in 0..4 {
            w.hold(&e, 1);
        }
        w.advance(Duration::minutes(6));
        w.desk.expire_due().expect("sweep");
        let b = w.booking(&e, 1);
        for i in 0..4 {
            w.desk.pay(&b.id, PaymentOutcome::Timeout, &format!("t{i}"), None).expect("timeout");
        }
        w.desk.pay(&b.id, PaymentOutcome::Success, "ok", None).expect("success");
        let r = w.desk.report(&all(1)).expect("report").health;
        assert_eq!((r.holds_made, r.holds_expired), (5, 4));
        assert_eq!((r.payment_attempts, r.payment_timeouts), (5, 4));
        assert_eq!(r.status, Level::Red);
        assert!(r.reasons.iter().any(|x| x.starts_with("hold expiry RED: 4 of 5")), "{:?}", r.reasons);
        assert!(r.reasons.iter().any(|x| x.starts_with("payment timeout RED: 4 of 5")), "{:?}", r.reasons);

        // An hour later the window is empty again: GREEN.
        w.advance(Duration::hours(2));
        let r = w.desk.report(&all(1)).expect("report").health;
        assert_eq!((r.holds_made, r.payment_attempts, r.status), (0, 0, Level::Green));
    }
    #[test]
    fn running_totals_agree_with_a_scan() {
        let h = history();
        let wide = ReportFilter {
            from: Some("2000-01-01T00:00:00Z".parse().expect("instant")),
            to: Some("2100-01-01T00:00:00Z".parse().expect("instant")),
            hours: 24,
            ..Default::default()
        };
        let totals = h.w.desk.report(&all(24)).expect("totals").summary;
        let scan = h.w.desk.report(&wide).expect("scan").summary;
        assert_eq!((totals.by_status.clone(), totals.events.clone()), (scan.by_status.clone(), scan.events.clone()));
        assert_eq!(
            (totals.revenue, totals.refunds, totals.refunds_pending),
            (scan.revenue, scan.refunds, scan.refunds_pending)
        );
    }
    // The Reports screen shows a page of the event rows: a page has every
    // figure of the whole report (from the running totals over all events and
    // all time, without reading the other events) and those rows of it; its
    // sales by type are the same rows as the whole report's, a page at a time.
    #[test]
    fn a_page_of_event_rows_has_the_whole_reports_figures() {
        let h = history();
        // A third event, with no bookings, in another currency: the totals say MIXED.
        let yen = h.w.ga(10, 100);
        h.w.desk.db().execute("UPDATE events SET currency = 'JPY' WHERE id = ?1", boxoffice::db_args![yen.id]).expect("currency");
        assert_eq!(h.w.desk.event(&yen.id).expect("event").currency, "JPY");
        let one = ReportFilter { event_id: Some(h.concert.clone()), hours: 24, ..Default::default() };
        let range = ReportFilter { from: Some(t0() + Duration::minutes(5)), hours: 1, ..Default::default() };
        for filter in [all(24), all(1), one, range] {
            let whole = h.w.desk.report(&filter).expect("report");
            assert_eq!(whole.summary.event_count, whole.summary.events.len() as u64);
            for (offset, rows) in [(0, 1), (1, 1), (0, 2), (2, 5), (0, 50), (7, 3)] {
                let page = h.w.desk.report_page(&filter, offset, rows).expect("page");
                let mut expected = whole.clone();
                expected.summary.events = whole.summary.events.iter().skip(offset).take(rows).cloned().collect();
                // The sales by type are read apart, a page at a time.
                expected.by_type = Vec::new();
                assert_eq!(page, expected, "{filter:?} rows {offset}..+{rows}");
                let types = h.w.desk.type_sales_page(&filter, offset, rows).expect("types page");
                let n = whole.by_type.len();
                assert_eq!(types.total, n as u64, "{filter:?}");
                assert_eq!(
                    types.rows,
                    whole.by_type[offset.min(n)..(offset + rows).min(n)],
                    "{filter:?} types {offset}..+{rows}"
                );
            }
        }
        let page = h.w.desk.report_page(&all(24), 0, 1).expect("page").summary;
        assert_eq!((page.event_count, page.events.len(), page.currency.as_str()), (3, 1, "MIXED"));
        // Several currencies: no money figure adds them; each has its own.
        assert_eq!((page.bookings, page.revenue, page.capacity), (7, None, 160));
        let by: Vec<(&str, i64)> = page.by_currency.iter().map(|c| (c.currency.as_str(), c.revenue)).collect();
        assert_eq!(by, vec![("INR", 165_000), ("JPY", 0)]);
    }
}

fn counts_of(s: &boxoffice::report::Summary) -> [u64; 5] {
    std::array::from_fn(|i| s.by_status[i].count)
}

/// `boxoffice --db FILE-or-URL report --now NOW ARGS…` on the history's database.
fn cli(h: &History, args: &[&str]) -> std::process::Output {
    let now = h.w.desk.now().to_rfc3339();
    let db = h.w.db_arg();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_boxoffice"));
    cmd.arg("--db").arg(&db).arg("report").arg("--now").arg(&now).args(args).env_remove("BOXOFFICE_DB");
    cmd.output().expect("run boxoffice")
}

fn cli_json(h: &History, args: &[&str]) -> serde_json::Value {
    let out = cli(h, &[args, &["--format", "json"]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

// `report` on a file and on a `postgres://` URL: the library's figures, as JSON.
crate::on_both_backends! {
    #[test]
    fn cli_json_equals_the_library() {
        let h = history();
        let json = cli_json(&h, &[]);
        let lib = serde_json::to_value(h.w.desk.report(&all(24)).expect("report")).expect("to json");
        assert_eq!(json, lib);
        assert_eq!(json["summary"]["revenue"], 165_000, "money in minor units, as a number");
        assert_eq!(json["health"]["status"], "AMBER");
        assert_eq!(json["summary"]["by_status"][1]["status"], "CONFIRMED");

        let json = cli_json(&h, &["--event", &h.theatre, "--hours", "1", "--from", "2026-06-01", "--to", "2026-06-01"]);
        let filter = ReportFilter {
            event_id: Some(h.theatre.clone()),
            from: Some("2026-06-01T00:00:00Z".parse().expect("instant")),
            to: Some("2026-06-02T00:00:00Z".parse().expect("instant")),
            hours: 1,
        };
        let lib = serde_json::to_value(h.w.desk.report(&filter).expect("report")).expect("to json");
        assert_eq!(json, lib);

        let json = cli_json(&h, &["--from", "2026-06-01T09:05:00Z", "--to", "2026-06-01T10:00:00+00:00"]);
        assert_eq!(json["summary"]["bookings"], 5);
    }
}

#[test]
fn cli_table_and_csv_run_and_bad_input_exits_2() {
    let h = history();
    let out = cli(&h, &[]);
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).expect("utf8");
    assert!(table.contains("revenue") && table.contains("₹1,650.00"), "{table}");
    assert!(table.contains("status: AMBER"), "{table}");

    let out = cli(&h, &["--format", "csv"]);
    assert!(out.status.success());
    let mut rows = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = rows.headers().expect("header").clone();
    assert_eq!(headers.iter().collect::<Vec<_>>(), ["section", "event_id", "event_name", "metric", "value"]);
    let rows: Vec<csv::StringRecord> = rows.records().collect::<Result<_, _>>().expect("rows");
    let get = |section: &str, metric: &str| {
        rows.iter().find(|r| &r[0] == section && &r[3] == metric).map(|r| r[4].to_string()).expect(metric)
    };
    assert_eq!(get("summary", "revenue"), "165000");
    assert_eq!(get("status", "CONFIRMED"), "2");
    assert_eq!(get("health", "retries"), "2");
    assert_eq!(get("health", "status"), "AMBER");
    assert!(rows.iter().any(|r| &r[0] == "event" && r[1] == *h.concert && &r[3] == "revenue" && &r[4] == "125000"));

    for bad in [
        vec!["--from", "last week"],
        vec!["--to", "2026-02-30"],
        vec!["--hours", "0"],
        vec!["--format", "xml"],
        vec!["--event", "nope"],
        vec!["--from", "2026-06-02", "--to", "2026-06-01"],
    ] {
        let out = cli(&h, &bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(!out.stderr.is_empty(), "{bad:?} says why");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .args(["--db", "/nonexistent/dir/x.db", "report"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database"));
}

#[test]
fn a_reader_that_goes_away_ends_the_report_quietly() {
    let h = history();
    for format in ["table", "json", "csv"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
            .arg("--db")
            .arg(h.w.path())
            .args(["report", "--format", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run boxoffice");
        // `boxoffice report | head -0`: the reader is gone before the first byte.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

// ---- the screens ------------------------------------------------------------------------

fn app(h: &History) -> Headless {
    let mut app = Headless::on_file(&h.w.path(), h.w.desk.now(), 9, 140, 44).expect("app");
    // Running jobs by hand is a supervisor's.
    app.sign_in("Sue", "1111");
    app
}

fn press(h: &mut Headless, keys: &[KeyCode]) {
    for k in keys {
        h.key(KeyEvent::from(*k));
    }
}

fn tab_to(h: &mut Headless, title: &str) {
    for _ in 0..6 {
        if h.app.tab.title() == title {
            return;
        }
        press(h, &[KeyCode::Tab]);
    }
    panic!("no tab {title}");
}

#[test]
fn reports_screen_shows_the_cli_figures() {
    let hist = history();
    let mut h = app(&hist);
    tab_to(&mut h, "Reports");
    let json = cli_json(&hist, &["--hours", "24"]);
    let s = h.screen_text();
    let money = |v: &serde_json::Value| boxoffice::domain::Money(v.as_i64().expect("int")).format("INR");
    let pct = |v: &serde_json::Value| boxoffice::report::pct(v.as_f64().expect("float"));
    let (sum, hl) = (&json["summary"], &json["health"]);
    for want in [
        format!("Bookings {}", sum["bookings"]),
        format!("INR revenue {}", money(&sum["revenue"])),
        // Refunds of money collected, and apart from them those of failed payments.
        format!(
            "refunded {}",
            money(
                &(sum["refunds"].as_i64().expect("int") - sum["refunds_failed_payments"].as_i64().expect("int")).into()
            )
        ),
        format!("failed payments, never collected {}", money(&sum["refunds_failed_payments"])),
        format!("Sold {}/{} ({})", sum["seats_sold"], sum["capacity"], pct(&sum["utilisation"])),
        format!("Holds {} made · {} expired ({})", hl["holds_made"], hl["holds_expired"], pct(&hl["expiry_rate"])),
        format!(
            "Payments {}: {} ok ({}) · {} failed ({})",
            hl["payment_attempts"],
            hl["payment_successes"],
            pct(&hl["success_rate"]),
            hl["payment_failures"],
            pct(&hl["failure_rate"])
        ),
        format!("{} timed out ({}) · Retries {}", hl["payment_timeouts"], pct(&hl["timeout_rate"]), hl["retries"]),
        "Health, last 24h  AMBER".to_string(),
        "hold expiry 25%/50%".to_string(),
        "Bookings by status".to_string(),
        "Sales per hour, last 24h (total 3, peak 3/h)".to_string(),
    ] {
        assert!(s.contains(&want), "missing {want:?} in\n{s}");
    }
    for st in &sum["by_status"].as_array().expect("statuses")[..] {
        let short = match st["status"].as_str().expect("status") {
            "PAYMENT_PENDING" => "PEND",
            "CONFIRMED" => "CONF",
            "PAYMENT_FAILED" => "FAIL",
            "EXPIRED" => "EXP",
            _ => "CANC",
        };
        let line = format!("{:<4} {:>6} {:>6}", short, st["count"].as_u64().expect("count"), pct(&st["share"]));
        assert!(s.contains(&line), "missing {line:?} in\n{s}");
    }
    assert!(s.contains("Concert") && s.contains("2/100") && s.contains("2.0%"), "{s}");

    // One event and a 1-hour window: the CLI with the same filters agrees.
    let theatre_pos = h.app.office.reports.events.iter().position(|(id, _)| *id == hist.theatre).expect("theatre");
    for _ in 0..=theatre_pos {
        press(&mut h, &[KeyCode::Char('e')]);
    }
    press(&mut h, &[KeyCode::Char('W'), KeyCode::Char('W')]);
    assert_eq!(h.app.office.reports.hours(), 1);
    let json = cli_json(&hist, &["--hours", "1", "--event", &hist.theatre]);
    let s = h.screen_text();
    assert!(s.contains("Event: Theatre") && s.contains("last 1h"), "{s}");
    assert!(s.contains(&format!("Bookings {}", json["summary"]["bookings"])), "{s}");
    assert!(s.contains(&format!("INR revenue {}", money(&json["summary"]["revenue"]))), "{s}");
    assert!(s.contains(&format!("Holds {} made", json["health"]["holds_made"])), "{s}");
    // Its sales by type are read apart, a page at a time (here all of them).
    let mut shown = h.app.office.reports.report.clone().expect("report");
    shown.by_type = h.app.office.reports.types.rows.clone();
    assert_eq!(serde_json::to_value(shown).expect("json"), json, "the screen's report is the CLI's");
}

#[test]
fn audit_screen_filters_marks_retries_and_links_to_the_original() {
    let hist = history();
    let mut h = app(&hist);
    tab_to(&mut h, "Audit");
    let all_rows = h.app.office.audit.rows.len();
    assert!(all_rows > 20);
    let seqs: Vec<i64> = h.app.office.audit.rows.iter().map(|r| r.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first");

    // Filter by action: Any → correlation → booking → event → action.
    press(&mut h, &[KeyCode::Char('f'), KeyCode::Char('f'), KeyCode::Char('f'), KeyCode::Char('f')]);
    press(&mut h, &[KeyCode::Char('/')]);
    h.type_text("payment_retry");
    press(&mut h, &[KeyCode::Enter]);
    let s = h.screen_text();
    assert_eq!(h.app.office.audit.rows.len(), 2);
    assert!(s.contains("Filter action: payment_retry"), "{s}");
    assert!(s.contains("↻ PAYMENT_RETRY (retry of"), "{s}");

    // By booking (its short id, as screens show it): b5's payment, retry and original.
    let b5 = &hist.b["b5"];
    press(&mut h, &[KeyCode::Esc]);
    press(&mut h, &[KeyCode::Char('f'), KeyCode::Char('f'), KeyCode::Char('/')]);
    h.type_text(boxoffice::ids::short(&b5.id));
    press(&mut h, &[KeyCode::Enter]);
    let rows = &h.app.office.audit.rows;
    assert!(rows.iter().all(|r| r.booking_id.as_deref() == Some(b5.id.as_str())), "{rows:#?}");
    let retry = rows.iter().position(|r| r.is_retry).expect("a retry row");
    for _ in 0..retry {
        press(&mut h, &[KeyCode::Down]);
    }
    let s = h.screen_text();
    assert!(s.contains("Retry of PAYMENT_ATTEMPT"), "{s}");
    press(&mut h, &[KeyCode::Char('o')]);
    let sel = h.app.office.audit.selected().expect("selected").clone();
    assert_eq!(sel.action, "PAYMENT_ATTEMPT");
    assert!(!sel.is_retry);
    assert_eq!(Some(sel.entity_id.clone()), h.app.office.audit.rows[retry].original_attempt_id);

    // The backlog: nothing shipped yet, so every row is behind; a sweep ships them.
    let s = h.screen_text();
    assert!(s.contains(&format!("shipping: {} rows behind", h.app.office.audit.backlog)), "{s}");
    h.tick();
    assert!(h.screen_text().contains("shipped: up to date"));

    // From a booking's detail, a jumps to its trail; Esc comes back.
    press(&mut h, &[KeyCode::Esc]);
    tab_to(&mut h, "Bookings");
    let pos = h.app.bookings.iter().position(|(b, _, _)| b.id == b5.id).expect("b5 listed");
    for _ in 0..pos {
        press(&mut h, &[KeyCode::Down]);
    }
    press(&mut h, &[KeyCode::Enter, KeyCode::Char('a')]);
    assert_eq!(h.app.tab.title(), "Audit");
    let rows = &h.app.office.audit.rows;
    assert!(!rows.is_empty() && rows.iter().all(|r| r.correlation_id.as_deref() == Some(b5.correlation_id.as_str())));
    assert!(rows.iter().any(|r| r.action == "HOLD_CREATED"), "the whole story, from the hold");
    assert!(h.screen_text().contains("Esc: back to the booking"));
    press(&mut h, &[KeyCode::Esc]);
    assert_eq!(h.app.screen, boxoffice::tui::app::Screen::Detail);
    assert_eq!(h.app.detail.as_ref().map(|d| d.booking.id.clone()), Some(b5.id.clone()));
    // And the trail's filter was put back as it was before the jump (cleared by the Esc above).
    tab_to(&mut h, "Audit");
    assert_eq!(h.app.office.audit.filter.text(), "");
    assert_eq!(
        h.app.office.audit.rows.len(),
        boxoffice::jobs::ship_backlog_of(h.desk()).map(|_| h.app.office.audit.rows.len()).unwrap_or(0)
    );
}

#[test]
fn jobs_screen_shows_runs_and_runs_jobs_now() {
    let hist = history();
    let mut h = app(&hist);
    tab_to(&mut h, "Jobs");
    let s = h.screen_text();
    for title in ["Booking expiry", "Hold expiry", "Refund completion", "Audit shipping", "Pruning", "Recovery"] {
        assert!(s.contains(title), "{title} in\n{s}");
    }
    assert!(s.contains("never"), "no runs yet: {s}");
    let backlog = boxoffice::jobs::ship_backlog_of(h.desk()).expect("backlog");
    assert!(backlog > 0);

    press(&mut h, &[KeyCode::Char('s')]);
    let msg = h.app.message.clone().expect("message").text;
    assert!(msg.starts_with("Sweeps ran now"), "{msg}");
    // Refund completion runs before shipping and audits one more row.
    assert!(msg.contains(&format!("audit-shipping done ({})", backlog + 1)), "{msg}");
    assert!(msg.contains("refund-completion done (1)"), "b3's refund: {msg}");
    let rows = &h.app.office.jobs.rows;
    let ship = rows.iter().find(|r| r.job == boxoffice::jobs::Job::AuditShipping).expect("shipping");
    assert_eq!(ship.last.as_ref().map(|r| (r.status.as_str(), r.processed)), Some(("COMPLETED", backlog + 1)));
    // b4 is pending until 10:21: booking expiry is next due then.
    let exp = rows.iter().find(|r| r.job == boxoffice::jobs::Job::BookingExpiry).expect("expiry");
    assert_eq!(exp.next, boxoffice::jobs::NextDue::At(hist.b["b4"].payment_expires_at));
    assert!(h.screen_text().contains("COMPLETED"));

    press(&mut h, &[KeyCode::Char('r')]);
    assert_eq!(h.app.message.clone().expect("message").text, "Recovery ran now: done (0)");

    // Another process holds recovery's lease: the run is skipped and counted.
    // (A lease dated beyond any sane bound would not be honoured: 20 s is a real one.)
    let until = h.desk().now().timestamp_millis() + 20_000;
    h.desk()
        .conn()
        .execute("INSERT INTO job_leases (job, owner, expires_at) VALUES ('recovery', 'elsewhere', ?1)", [until])
        .expect("lease");
    press(&mut h, &[KeyCode::Char('r')]);
    assert!(h.app.message.clone().expect("message").text.contains("skipped"));
    let rec = h.app.office.jobs.rows.iter().find(|r| r.job == boxoffice::jobs::Job::Recovery).expect("recovery");
    assert_eq!(rec.skipped, 1);
    assert_eq!(rec.last.as_ref().map(|r| r.status.as_str()), Some("COMPLETED"), "the last real run");
}

#[test]
fn exports_write_what_the_screen_shows() {
    let hist = history();
    let mut h = app(&hist);
    tab_to(&mut h, "Bookings");
    // Only CONFIRMED bookings shown: f cycles to PAYMENT_PENDING, then CONFIRMED.
    press(&mut h, &[KeyCode::Char('f'), KeyCode::Char('f')]);
    assert_eq!(h.app.bookings.len(), 2);
    press(&mut h, &[KeyCode::Char('e')]);
    let msg = h.app.message.clone().expect("message").text;
    let path = msg.split(" to ").nth(1).expect("path in the message").to_string();
    assert!(msg.starts_with("Exported 2 bookings row(s)"), "{msg}");
    assert!(path.starts_with(&hist.w.dir.path().display().to_string()), "beside the db: {path}");
    assert!(path.ends_with(".csv") && path.contains("bookings-20260601-"), "{path}");
    let mut r = csv::Reader::from_path(&path).expect("csv");
    assert_eq!(r.headers().expect("header").iter().collect::<Vec<_>>(), boxoffice::export::BOOKINGS_HEADER);
    let rows: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), h.app.bookings.len());
    for (row, (b, customer, event)) in rows.iter().zip(&h.app.bookings) {
        assert_eq!(
            (&row[0], &row[2], &row[3], &row[6], &row[8]),
            (b.id.as_str(), customer.as_str(), event.as_str(), b.amount.to_string().as_str(), "CONFIRMED")
        );
        assert_eq!(b.status, BookingStatus::Confirmed);
    }
    // A second export in the same second gets its own file.
    press(&mut h, &[KeyCode::Char('e')]);
    let second = h.app.message.clone().expect("message").text;
    assert!(second.ends_with("-2.csv"), "{second}");

    tab_to(&mut h, "Audit");
    press(&mut h, &[KeyCode::Char('/')]);
    h.type_text("refund");
    press(&mut h, &[KeyCode::Enter, KeyCode::Char('e')]);
    let msg = h.app.message.clone().expect("message").text;
    let path = msg.split(" to ").nth(1).expect("path").to_string();
    let mut r = csv::Reader::from_path(&path).expect("csv");
    let rows: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>().expect("rows");
    let shown = &h.app.office.audit.rows;
    assert_eq!(rows.len(), shown.len());
    assert_eq!(rows.len(), 3, "REFUND_INITIATED ×2 and REFUND_PROCESSED ×1");
    for (row, a) in rows.iter().zip(shown) {
        assert_eq!((&row[0], &row[2], &row[4]), (a.seq.to_string().as_str(), a.action.as_str(), a.entity_id.as_str()));
    }
}

/// `verify` counts every running total again from its rows: a total that
/// drifted (here, changed by hand) is named, and put back it passes again.
#[test]
fn verify_names_a_running_total_that_disagrees_with_its_rows() {
    let h = history();
    let raw = h.w.raw();
    let concert = &h.concert;
    let cases = [
        (
            "booking_totals SET count = count + {d} WHERE status = 'CONFIRMED' AND event_id = '{e}'",
            "booking totals of event",
        ),
        ("status_totals SET amount = amount + {d} WHERE status = 'CONFIRMED'", "status totals of CONFIRMED"),
        ("refund_totals SET fees_kept = fees_kept + {d} WHERE event_id = '{e}'", "refund totals of event"),
        (
            "booking_hours SET seats = seats + {d} WHERE status = 'CANCELLED' AND event_id = '{e}'",
            "booking hours of event",
        ),
        ("refund_hours SET full = full + {d} WHERE event_id = '{e}'", "refund hours of event"),
        ("hold_hours SET expired = expired + {d} WHERE event_id = '{e}'", "hold hours of event"),
        (
            "health_minutes SET timeouts = timeouts + {d} WHERE minute = (SELECT max(minute) FROM health_minutes)",
            "health minute",
        ),
    ];
    for (change, says) in cases {
        assert_eq!(h.w.desk.verify().expect("verify"), Vec::<String>::new());
        let by = |d: i64| format!("UPDATE {}", change.replace("{d}", &d.to_string()).replace("{e}", concert));
        assert!(raw.execute(&by(1), []).expect(says) >= 1, "{says}: a row changed");
        let found = h.w.desk.verify().expect("verify");
        assert!(found.iter().any(|v| v.contains(says)), "{says}: {found:#?}");
        raw.execute(&by(-1), []).expect("put back");
    }
    h.w.assert_verified();
}
