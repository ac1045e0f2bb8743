//! `boxoffice cashup` as a supervisor or a script runs it: the built binary on
//! a known history, its CSV and JSON read figure by figure; `--date` as a day
//! in the venue's time zone; a clerk refused another clerk's shift; bad input
//! refused with a clear message, exit 2 and nothing written. The history is
//! made through the engine (the CLI has no sale commands); the cash-up is read
//! only through the CLI.

mod common;

use boxoffice::domain::{AuditAction, PaymentOutcome, Tender};
use chrono::{DateTime, Duration, Utc};
use common::{Dump, World};
use std::collections::BTreeMap;

const SUE: [(&str, &str); 2] = [("BOXOFFICE_CLERK", "Sue"), ("BOXOFFICE_PIN", "1111")];
const ASHA: [(&str, &str); 2] = [("BOXOFFICE_CLERK", "Asha"), ("BOXOFFICE_PIN", "2222")];
const RAVI: [(&str, &str); 2] = [("BOXOFFICE_CLERK", "Ravi"), ("BOXOFFICE_PIN", "2222")];

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("instant")
}

/// One shift's CSV rows as (metric, method) → value, after checking the
/// header and that every row names this shift, clerk and times.
fn csv_figures(csv: &str, shift_id: &str, clerk: &str) -> BTreeMap<(String, String), String> {
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("shift_id,clerk,opened_at,closed_at,currency,metric,method,value"), "{csv}");
    let mut out = BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 8, "{line}");
        assert_eq!((cells[0], cells[1], cells[4]), (shift_id, clerk, "INR"), "{line}");
        let key = (cells[5].to_string(), cells[6].to_string());
        assert!(out.insert(key, cells[7].to_string()).is_none(), "one row per figure: {line}");
    }
    out
}

fn figure<'a>(f: &'a BTreeMap<(String, String), String>, metric: &str, method: &str) -> &'a str {
    f.get(&(metric.to_string(), method.to_string())).map(String::as_str).unwrap_or_else(|| panic!("{metric} {method}"))
}

/// Every table as it is, but the sign-in rows a CLI run writes (a clerk
/// signing in is audited, even to read).
fn dump_but_sign_ins(w: &World) -> Dump {
    let mut d = w.dump();
    if let Some(rows) = d.get_mut("audit_log") {
        rows.retain(|r| !r.contains(AuditAction::ClerkSignedIn.as_str()));
    }
    d
}

// `boxoffice cashup` on a file and on a server's URL (`name::sqlite`, `name::postgres`).
crate::on_both_backends! {
// Asha's shift: a ₹1,500 float; cash ₹1,000 (2 seats, exact) and ₹500 (1
// seat, ₹600 tendered), card ₹1,500 (3 seats), UPI ₹500 (1 seat), a card
// payment timed out then declined; she cancels the ₹1,000 cash sale (₹500
// back in cash) and the card sale (₹750 back to the card); counted ₹2,510.
#[test]
fn csv_and_json_give_every_figure_of_a_known_shift() {
    let w = World::new();
    let e = w.ga(100, 50_000);
    w.as_clerk("Asha");
    let shift = w.desk.open_shift(150_000).expect("float");
    let sale = |n: i64, tender: Tender, key: &str| {
        let b = w.booking(&e, n);
        w.desk.pay_with(&b.id, tender, key).expect("pay").booking
    };
    let cash = sale(2, Tender::Cash { tendered: 100_000 }, "c1");
    let paid = w.desk.pay_with(&w.booking(&e, 1).id, Tender::Cash { tendered: 60_000 }, "c2").expect("cash");
    assert_eq!(paid.attempt.change, Some(10_000));
    let card = sale(3, Tender::Card(PaymentOutcome::Success), "k1");
    sale(1, Tender::Upi(PaymentOutcome::Success), "u1");
    let declined = w.booking(&e, 1);
    w.desk.pay_with(&declined.id, Tender::Card(PaymentOutcome::Timeout), "k2").expect("timeout");
    w.desk.pay_with(&declined.id, Tender::Card(PaymentOutcome::Failure), "k3").expect("failure");
    w.desk.cancel(&cash.id).expect("cancel cash");
    w.desk.cancel(&card.id).expect("cancel card");
    w.advance(Duration::hours(8));
    w.desk.close_shift(&shift.id, 251_000).expect("close");
    let db = w.db_arg();

    let (code, csv, err) = common::boxoffice(&db, &["cashup", "--shift", &shift.id, "--format", "csv"], &ASHA);
    assert_eq!(code, 0, "{err}");
    let f = csv_figures(&csv, &shift.id, "Asha");
    let expect = [
        ("float", "", "150000"),
        ("sales", "CASH", "150000"),
        ("payments", "CASH", "2"),
        ("tickets", "CASH", "3"),
        ("refunds", "CASH", "50000"),
        ("refund_count", "CASH", "1"),
        ("refunded_tickets", "CASH", "2"),
        ("declined", "CASH", "0"),
        ("timeouts", "CASH", "0"),
        ("sales", "CARD", "150000"),
        ("payments", "CARD", "1"),
        ("tickets", "CARD", "3"),
        ("refunds", "CARD", "75000"),
        ("refund_count", "CARD", "1"),
        ("refunded_tickets", "CARD", "3"),
        ("declined", "CARD", "1"),
        ("timeouts", "CARD", "1"),
        ("sales", "UPI", "50000"),
        ("payments", "UPI", "1"),
        ("tickets", "UPI", "1"),
        ("refunds", "UPI", "0"),
        ("refund_count", "UPI", "0"),
        ("refunded_tickets", "UPI", "0"),
        ("declined", "UPI", "0"),
        ("timeouts", "UPI", "0"),
        // 150,000 float + 150,000 cash sales − 50,000 cash refunds.
        ("expected_cash", "CASH", "250000"),
        ("counted_cash", "CASH", "251000"),
        ("difference", "CASH", "1000"),
    ];
    for (metric, method, value) in expect {
        assert_eq!(figure(&f, metric, method), value, "{metric} {method}");
    }
    assert_eq!(f.len(), expect.len(), "no figure more: {f:?}");
    // Times are UTC instants in the CSV.
    let first = csv.lines().nth(1).expect("a row");
    assert!(first.contains(",2026-06-01T09:00:00.000Z,2026-06-01T17:00:00.000Z,"), "{first}");

    // The same figures in JSON, by the clerk's name (her newest shift).
    let (code, json, err) = common::boxoffice(&db, &["cashup", "--clerk", "Asha", "--format", "json"], &SUE);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&json).expect("json");
    let s = &j["shifts"][0];
    assert_eq!(j["shifts"].as_array().map(Vec::len), Some(1));
    assert_eq!((s["shift"]["id"].as_str(), s["shift"]["clerk_name"].as_str()), (Some(shift.id.as_str()), Some("Asha")));
    assert_eq!(s["shift"]["opening_float"], 150_000);
    let line = |m: &str| {
        s["lines"]
            .as_array()
            .and_then(|l| l.iter().find(|l| l["method"] == m))
            .cloned()
            .unwrap_or_else(|| panic!("{m}"))
    };
    let (c, k, u) = (line("CASH"), line("CARD"), line("UPI"));
    let nums = |l: &serde_json::Value| {
        ["sales", "payments", "tickets", "refunds", "refund_count", "refunded_tickets", "declined", "timeouts"]
            .map(|k| l[k].as_i64().unwrap_or(-1))
    };
    assert_eq!(nums(&c), [150_000, 2, 3, 50_000, 1, 2, 0, 0]);
    assert_eq!(nums(&k), [150_000, 1, 3, 75_000, 1, 3, 1, 1]);
    assert_eq!(nums(&u), [50_000, 1, 1, 0, 0, 0, 0, 0]);
    let drawer = ["tickets_sold", "tickets_refunded", "cash_sales", "cash_refunds"].map(|k| s[k].as_i64());
    assert_eq!(drawer, [Some(7), Some(5), Some(150_000), Some(50_000)]);
    let cash_up = ["expected_cash", "counted_cash", "difference"].map(|k| s[k].as_i64());
    assert_eq!(cash_up, [Some(250_000), Some(251_000), Some(1_000)]);
    let t = &j["totals"][0];
    assert_eq!(
        ["shifts", "sales", "refunds", "expected_cash", "counted_cash", "difference"].map(|k| t[k].as_i64()),
        [Some(1), Some(350_000), Some(125_000), Some(250_000), Some(251_000), Some(1_000)]
    );
    w.assert_verified();
}

// A refund of a cash sale comes out of the drawer of the clerk who makes it:
// Sue cancels Asha's cash sale, and Sue's cash-up (not Asha's) shows the
// cash paid back and expects that much less in her drawer.
#[test]
fn a_cash_refund_is_in_the_cash_up_of_the_clerk_who_paid_it() {
    let w = World::new();
    let e = w.ga(100, 50_000);
    w.as_clerk("Asha");
    let asha = w.desk.open_shift(100_000).expect("float");
    let b = w.booking(&e, 1);
    w.desk.pay_with(&b.id, Tender::Cash { tendered: 50_000 }, "c1").expect("cash");
    w.as_supervisor();
    let sue = w.desk.open_shift(20_000).expect("Sue's float");
    let refund = w.desk.cancel(&b.id).expect("a supervisor cancels another's sale").refund.expect("refund");
    assert_eq!(refund.shift_id.as_deref(), Some(sue.id.as_str()));
    let db = w.db_arg();

    let read = |id: &str| {
        let (code, csv, err) = common::boxoffice(&db, &["cashup", "--shift", id, "--format", "csv"], &SUE);
        assert_eq!(code, 0, "{err}");
        csv
    };
    let s = csv_figures(&read(&sue.id), &sue.id, "Sue");
    assert_eq!(
        ["sales", "refunds", "refund_count", "refunded_tickets", "expected_cash"].map(|m| figure(&s, m, "CASH")),
        ["0", "25000", "1", "1", "-5000"],
        "₹200 float − ₹250 paid back: the drawer is ₹50 short of the float"
    );
    let a = csv_figures(&read(&asha.id), &asha.id, "Asha");
    assert_eq!(
        ["sales", "refunds", "refund_count", "expected_cash"].map(|m| figure(&a, m, "CASH")),
        ["50000", "0", "0", "150000"]
    );
    // The table says whose drawer it is and what went out of it.
    let (code, table, _) = common::boxoffice(&db, &["cashup", "--shift", &sue.id], &SUE);
    assert_eq!(code, 0);
    assert!(table.contains("· Sue ·"), "{table}");
    assert!(
        table.contains("float ₹200.00 + cash sales ₹0.00 − cash refunds ₹250.00 = expected cash -₹50.00"),
        "{table}"
    );
    w.assert_verified();
}

// `--date` is a day at the venue (Asia/Kolkata, UTC+05:30): a shift opened
// at 20:00 UTC on 31 May is the venue's 1 June, one opened at 19:00 UTC on
// 1 June its 2 June; the table shows the venue's times.
#[test]
fn date_is_a_day_in_the_venues_time_zone() {
    let w = World::new();
    w.desk.set_setting("time_zone", "Asia/Kolkata").expect("zone");
    w.as_clerk("Ravi");
    w.as_clerk("Asha");
    let shift = |who: &str, opened: &str| {
        w.clock.set(at(opened));
        w.desk.sign_in(who, "2222").expect("sign in");
        let s = w.desk.open_shift(10_000).expect("open");
        w.advance(Duration::hours(2));
        w.desk.close_shift(&s.id, 10_000).expect("close");
        s.id
    };
    let early = shift("Asha", "2026-05-31T20:00:00Z"); // 01:30 on 1 June at the venue
    let day = shift("Ravi", "2026-06-01T09:00:00Z"); // 14:30 on 1 June
    let late = shift("Asha", "2026-06-01T19:00:00Z"); // 00:30 on 2 June
    let db = w.db_arg();
    let ids = |date: &str, env: &[(&str, &str)]| -> Vec<String> {
        let (code, json, err) = common::boxoffice(&db, &["cashup", "--date", date, "--format", "json"], env);
        assert_eq!(code, 0, "{err}");
        let j: serde_json::Value = serde_json::from_str(&json).expect("json");
        j["shifts"].as_array().expect("shifts").iter().map(|s| s["shift"]["id"].as_str().expect("id").into()).collect()
    };
    assert_eq!(ids("2026-06-01", &SUE), [early.as_str(), day.as_str()]);
    assert_eq!(ids("2026-06-02", &SUE), [late.as_str()]);
    assert_eq!(ids("2026-05-31", &SUE), Vec::<String>::new());
    // A clerk's day is their own shifts of it.
    assert_eq!(ids("2026-06-01", &ASHA), [early.as_str()]);
    let (code, table, _) = common::boxoffice(&db, &["cashup", "--date", "2026-06-01"], &SUE);
    assert_eq!(code, 0);
    assert!(table.contains("· Asha · opened 2026-06-01 01:30 · closed 2026-06-01 03:30 ·"), "{table}");
    assert!(table.contains("All 2 shift(s) in INR:"), "{table}");
}

#[test]
fn another_clerks_shift_and_bad_input_are_refused_with_exit_2_and_nothing_written() {
    let w = World::new();
    let e = w.ga(10, 50_000);
    w.as_clerk("Ravi");
    w.as_clerk("Asha");
    let shift = w.desk.open_shift(10_000).expect("open");
    let b = w.booking(&e, 1);
    w.desk.pay_with(&b.id, Tender::Cash { tendered: 50_000 }, "c1").expect("cash");
    let db = w.db_arg();
    let refusals = |w: &World| w.all_audit().iter().filter(|r| r.action == AuditAction::AccessRefused.as_str()).count();

    // Ravi asks for Asha's shift: refused, and the attempt audited (only that).
    let before = dump_but_sign_ins(&w);
    let (code, out, err) = common::boxoffice(&db, &["cashup", "--shift", &shift.id, "--format", "csv"], &RAVI);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("only a supervisor may see another clerk's cash-up; Ravi is signed in as a clerk"), "{err}");
    assert_eq!(refusals(&w), 1);
    let mut after = dump_but_sign_ins(&w);
    after.get_mut("audit_log").expect("audit").retain(|r| !r.contains(AuditAction::AccessRefused.as_str()));
    assert_eq!(after, before, "a refusal writes nothing but its audit row");
    // By the last 8 characters of the id too.
    let tail = &shift.id[shift.id.len() - 8..];
    let (code, _, err) = common::boxoffice(&db, &["cashup", "--shift", tail], &RAVI);
    assert_eq!(code, 2);
    assert!(err.contains("only a supervisor may see another clerk's cash-up"), "{err}");

    let before = dump_but_sign_ins(&w);
    let bad: [(&[&str], &str); 5] = [
        (
            &["cashup", "--shift", "0190aaaa-0000-7000-8000-000000000000"],
            "no shift with id 0190aaaa-0000-7000-8000-000000000000",
        ),
        (&["cashup", "--shift", "zz"], "no shift with id zz"),
        (&["cashup", "--date", "2026-13-01", "--format", "csv"], "invalid value '2026-13-01' for '--date <DAY>'"),
        (&["cashup", "--date", "yesterday"], "invalid value 'yesterday' for '--date <DAY>'"),
        (&["cashup", "--clerk", "Nobody", "--format", "json"], "no clerk named 'Nobody'"),
    ];
    for (args, message) in bad {
        let (code, out, err) = common::boxoffice(&db, args, &SUE);
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(dump_but_sign_ins(&w), before, "{args:?} wrote something");
    }
    // Not signed in at all: told how, nothing written.
    let (code, out, err) = common::boxoffice(&db, &["cashup"], &[("BOXOFFICE_PIN", "1111")]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("sign in first: --as NAME (or BOXOFFICE_CLERK)"), "{err}");
    assert_eq!(dump_but_sign_ins(&w), before);
    w.assert_verified();
}
}
