//! Reports never add different currencies together. Seen: a $500 sale added
//! into the rupee revenue. Now each currency has its own figures in the
//! library, the CLI's JSON, CSV and table, and on the Reports screen; the
//! summary's own money figures are those of the one currency, or null when
//! there are several. Refunds of failed payments (money never collected) are
//! shown apart from refunds of money that was taken.

mod common;

use boxoffice::domain::{EventKind, NewEvent, PaymentOutcome, ReportFilter};
use boxoffice::tui::headless::Headless;
use chrono::Duration;
use common::{World, t0};
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::process::Command;

fn event(w: &World, name: &str, price: i64, currency: &str) -> boxoffice::domain::Event {
    w.desk
        .create_event(NewEvent {
            name: name.into(),
            description: String::new(),
            starts_at: t0() + Duration::days(7),
            kind: EventKind::GeneralAdmission { capacity: 100 },
            price,
            currency: currency.into(),
        })
        .expect("event")
}

/// A ₹1,000 sale, a ₹300 sale whose payment failed and a $500 sale.
fn world() -> World {
    let w = World::new();
    let rupees = event(&w, "Raga Night", 100_000, "INR");
    let dollars = event(&w, "Jazz Brunch", 50_000, "USD");
    let paid = w.booking(&rupees, 1);
    w.desk.pay(&paid.id, PaymentOutcome::Success, "k1", None).expect("pay");
    let failed = w.booking(&event(&w, "Sitar Morning", 30_000, "INR"), 1);
    w.desk.pay(&failed.id, PaymentOutcome::Failure, "k2", None).expect("pay");
    let usd = w.booking(&dollars, 1);
    w.desk.pay(&usd.id, PaymentOutcome::Success, "k3", None).expect("pay");
    w
}

fn all() -> ReportFilter {
    ReportFilter { hours: 24, ..Default::default() }
}

fn cli(w: &World, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .arg("--db")
        .arg(w.path())
        .args(["report", "--now", &w.desk.now().to_rfc3339(), "--format", format])
        .output()
        .expect("run boxoffice");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn figures_are_per_currency_and_never_added() {
    let w = world();
    let s = w.desk.report(&all()).expect("report").summary;
    assert_eq!(s.currency, "MIXED");
    assert_eq!((s.revenue, s.refunds, s.confirmed_amount), (None, None, None), "no figure adds ₹ and $");
    let by: Vec<(&str, i64, i64, i64)> = s
        .by_currency
        .iter()
        .map(|t| (t.currency.as_str(), t.revenue, t.refunds_failed_payments, t.refunds_paid_back()))
        .collect();
    assert_eq!(by, [("INR", 100_000, 30_000, 0), ("USD", 50_000, 0, 0)]);
    assert_eq!((s.by_currency[0].events, s.by_currency[0].bookings, s.by_currency[1].bookings), (2, 2, 1));

    // One currency: the summary's figures are that currency's, as before.
    let rupees = w.desk.events("Raga", 10).expect("events")[0].id.clone();
    let one = ReportFilter { event_id: Some(rupees), ..all() };
    let s = w.desk.report(&one).expect("report").summary;
    assert_eq!((s.currency.as_str(), s.revenue, s.by_currency.len()), ("INR", Some(100_000), 1));
}

#[test]
fn the_cli_says_each_currency_apart() {
    let w = world();
    let json: serde_json::Value = serde_json::from_str(&cli(&w, "json")).expect("json");
    let sum = &json["summary"];
    assert_eq!(sum["currency"], "MIXED");
    assert!(sum["revenue"].is_null() && sum["refunds"].is_null(), "{sum}");
    assert_eq!(sum["by_currency"][0]["currency"], "INR");
    assert_eq!(sum["by_currency"][0]["revenue"], 100_000, "minor units, as a number");
    assert_eq!(sum["by_currency"][0]["refunds_failed_payments"], 30_000);
    assert_eq!(sum["by_currency"][1]["currency"], "USD");
    assert_eq!(sum["by_currency"][1]["revenue"], 50_000);

    let csv = cli(&w, "csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    let value = |section: &str, metric: &str| {
        rows.iter().find(|r| &r[0] == section && &r[3] == metric).map(|r| r[4].to_string())
    };
    assert_eq!(value("summary", "revenue").as_deref(), Some(""), "no summed figure");
    assert_eq!(value("currency", "INR/revenue").as_deref(), Some("100000"));
    assert_eq!(value("currency", "USD/revenue").as_deref(), Some("50000"));
    assert_eq!(value("currency", "INR/refunds_failed_payments").as_deref(), Some("30000"));

    let table = cli(&w, "table");
    assert!(table.contains("revenue INR") && table.contains("₹1,000.00"), "{table}");
    assert!(table.contains("revenue USD") && table.contains("$500.00"), "{table}");
    assert!(table.contains("failed payments, never collected ₹300.00"), "{table}");
    assert!(!table.contains("1,500"), "₹1,000 and $500 are never added:\n{table}");
}

#[test]
fn the_reports_screen_shows_each_currency_and_failed_payments_apart() {
    let w = world();
    let mut h = Headless::on_file(&w.path(), w.desk.now(), 7, 80, 24).expect("app");
    for _ in 0..2 {
        h.key(KeyEvent::from(KeyCode::Tab));
    }
    let s = h.screen_text();
    assert!(s.contains("INR revenue ₹1,000.00"), "{s}");
    assert!(s.contains("refunded ₹0.00"), "{s}");
    assert!(s.contains("failed payments, never collected ₹300.00"), "{s}");
    assert!(s.contains("USD revenue $500.00"), "{s}");
    assert!(!s.contains("1,500"), "never added:\n{s}");
}
