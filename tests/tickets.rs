//! Ticket types and tickets end to end: the PDF opened and read page by page,
//! the version-1 fixture's paid bookings getting their tickets on migration,
//! the report's "by type" section in every format, type limits under racing
//! clerks, codes that replay under a seed, and `verify` catching broken tickets.

mod common;
use boxoffice::domain::{
    AuditAction, AuditFilter, Booking, Event, EventKind, NewEvent, NewTicketType, PaymentOutcome, Ticket, TicketCode,
    TicketStatus, TypeCount,
};
use boxoffice::print::{PAGE_WIDTH, print_tickets};
use boxoffice::store::{self, Durability};
use boxoffice::{Config, Context, Desk, Error, HoldRequest, SeatPick};
use chrono::Duration;
use common::{World, t0};
use std::process::Command;

fn theatre_with_types(w: &World) -> Event {
    w.desk
        .create_event_with_types(
            NewEvent {
                name: "Hamlet at the Grand Theatre".into(),
                description: String::new(),
                starts_at: t0() + Duration::days(7),
                kind: EventKind::Reserved { rows: 3, seats_per_row: 12 },
                price: 0,
                currency: "INR".into(),
            },
            vec![
                NewTicketType::new("Adult", 50_000),
                NewTicketType::new("Child", 25_000),
                NewTicketType { limit: Some(4), ..NewTicketType::new("Complimentary", 0) },
            ],
        )
        .expect("theatre")
}

fn hold_labels(w: &World, e: &Event, labels: &[&str]) -> String {
    w.hold_labels(e, labels).id
}

/// A paid booking of these seats as (type name, count) and its tickets.
fn sell(w: &World, e: &Event, labels: &[&str], mix: &[(&str, u32)]) -> (Booking, Vec<Ticket>) {
    let types = w.desk.ticket_types(&e.id).expect("types");
    let counts: Vec<TypeCount> = mix
        .iter()
        .map(|(name, n)| TypeCount::new(&types.iter().find(|t| t.name == *name).expect("type").id, *n))
        .collect();
    let hold = hold_labels(w, e, labels);
    let c = w.customer();
    let b = w.desk.book_types(&hold, &c.id, &counts, None).expect("book").value;
    w.desk.pay(&b.id, PaymentOutcome::Success, &format!("p-{}", b.id), None).expect("pay");
    let t = w.desk.tickets(&b.id).expect("tickets");
    (b, t)
}

#[test]
fn the_pdf_has_one_80mm_page_per_ticket_with_its_event_seat_type_price_and_code() {
    let w = World::new();
    let theatre = theatre_with_types(&w);
    let (b, tickets) = sell(&w, &theatre, &["B3", "B1", "B2"], &[("Child", 1), ("Adult", 2)]);
    assert_eq!(b.amount, 125_000);
    // One admitted ticket still prints; a void one would not.
    w.desk.check_in(&tickets[0].code.grouped(), None, "north").expect("scan");
    // The venue's name and address from its settings head every ticket, and
    // its zone sets the time (Asia/Kolkata: 09:00 UTC is 14:30 there).
    w.desk.set_setting("venue_name", "Grand Theatre").expect("name");
    w.desk.set_setting("venue_address", "1 MG Road, Bengaluru").expect("address");
    w.desk.set_setting("time_zone", "Asia/Kolkata").expect("zone");
    let path = w.dir.path().join("tickets.pdf");
    let printed = print_tickets(&w.desk, &b.id, &path).expect("print");
    assert_eq!(printed.tickets, 3);
    let doc = lopdf::Document::load_mem(&std::fs::read(&path).expect("pdf")).expect("a PDF");
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 3);
    let want = [("B1", "Adult", "INR 500.00"), ("B2", "Adult", "INR 500.00"), ("B3", "Child", "INR 250.00")];
    for ((n, page_id), (t, (seat, ty, price))) in pages.iter().zip(tickets.iter().zip(want)) {
        let text = doc.extract_text(&[*n]).expect("text");
        for part in [
            "Hamlet at the Grand Theatre",
            "Mon 08 Jun 2026 14:30",
            &format!("Seat {seat}"),
            &format!("{ty} {price}"),
            &t.code.grouped(),
            &format!("Ticket {n} of 3"),
            "Grand Theatre",
            "1 MG Road, Bengaluru",
        ] {
            assert!(text.contains(part), "page {n} lacks {part:?}: {text}");
        }
        let media = doc.get_dictionary(*page_id).expect("page").get(b"MediaBox").expect("media box");
        let media: Vec<f32> = media.as_array().expect("array").iter().map(|v| v.as_float().expect("number")).collect();
        assert_eq!(media[0], 0.0);
        assert!((media[2] - 226.77).abs() < 0.01, "80 mm wide: {media:?}");
        assert!((media[2] - PAGE_WIDTH).abs() < 0.001);
        assert!(media[3] > media[2] && media[3] < 600.0, "as tall as its content: {media:?}");
    }
    // Nothing half-written is left beside it, and the print is audited.
    assert!(!w.dir.path().join("tickets.pdf.part").exists());
    let rows = w.desk.audit(&AuditFilter { action: Some(AuditAction::TicketsPrinted), ..Default::default() }).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].details["file"], path.display().to_string());
    // A general-admission ticket says so.
    let gig = w.ga(10, 20_000);
    let ga = w.booking(&gig, 1);
    w.desk.pay(&ga.id, PaymentOutcome::Success, "ga", None).expect("pay");
    let ga_pdf = w.dir.path().join("ga.pdf");
    print_tickets(&w.desk, &ga.id, &ga_pdf).expect("print");
    let doc = lopdf::Document::load_mem(&std::fs::read(&ga_pdf).expect("pdf")).expect("a PDF");
    assert!(doc.extract_text(&[1]).expect("text").contains("General admission"));
    // Once cancelled, there is nothing to print; the old file stays as it was.
    w.desk.cancel(&ga.id).expect("cancel");
    let before = std::fs::read(&ga_pdf).expect("pdf");
    let refused = print_tickets(&w.desk, &ga.id, &ga_pdf);
    assert!(matches!(refused, Err(Error::Refused(why)) if why.contains("no valid tickets")));
    assert_eq!(std::fs::read(&ga_pdf).expect("pdf"), before);
}

// Ticket types through the engine, on a file and on PostgreSQL (`name::sqlite`, `name::postgres`).
crate::on_both_backends! {
#[test]
fn a_mix_of_types_is_priced_in_the_transaction_and_limits_hold() {
    let w = World::new();
    let theatre = theatre_with_types(&w);
    let types = w.desk.ticket_types(&theatre.id).expect("types");
    let (adult, comp) = (&types[0], &types[2]);
    let c = w.customer();
    // The counts must cover the hold's seats exactly.
    let hold = hold_labels(&w, &theatre, &["A1", "A2"]);
    let err = w.refused(|d| d.book_types(&hold, &c.id, &[TypeCount::new(&adult.id, 1)], None));
    assert!(err.to_string().contains("add up to 1 but the hold has 2"), "{err}");
    // Complimentary: 4 at most, pending or paid.
    let b = w.desk.book_types(&hold, &c.id, &[TypeCount::new(&comp.id, 2)], Some("k")).expect("book").value;
    assert_eq!(b.amount, 0);
    let replay = w.desk.book_types(&hold, &c.id, &[TypeCount::new(&comp.id, 2)], Some("k")).expect("replay");
    assert!(replay.is_retry);
    let other = w.refused(|d| d.book_types(&hold, &c.id, &[TypeCount::new(&adult.id, 2)], Some("k")));
    assert!(other.to_string().contains("already booked") && other.to_string().contains("2 Complimentary"), "{other}");
    let three = hold_labels(&w, &theatre, &["A3", "A4", "A5"]);
    let over = w.refused(|d| d.book_types(&three, &c.id, &[TypeCount::new(&comp.id, 3)], None));
    assert!(over.to_string().contains("only 2 left of its limit of 4"), "{over}");
    let mix = [TypeCount::new(&comp.id, 2), TypeCount::new(&adult.id, 1)];
    assert_eq!(w.desk.quote(&theatre.id, &mix, 3).expect("quote").1, 50_000, "what the counter shows first");
    let ok = w.desk.book_types(&three, &c.id, &mix, None).expect("book").value;
    assert_eq!(ok.amount, 50_000);
    assert_eq!(w.desk.types_on_sale(&theatre.id).expect("on sale")[2].left, Some(0));
    // Expiry gives the limit back.
    w.advance(Duration::minutes(11));
    w.desk.expire_due().expect("sweep");
    assert_eq!(w.desk.types_on_sale(&theatre.id).expect("on sale")[2].left, Some(4));
    w.assert_verified();
}

#[test]
fn clerks_racing_for_a_limited_type_never_sell_past_its_limit() {
    let w = World::new();
    let theatre = theatre_with_types(&w);
    let comp = w.desk.ticket_types(&theatre.id).expect("types")[2].id.clone();
    let db = w.target();
    let start = std::sync::Barrier::new(6);
    let sold: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let (db, start, comp, event) = (&db, &start, &comp, &theatre.id);
                s.spawn(move || {
                    let config = Config { durability: Durability::Normal, ..Config::default() };
                    let (ctx, _) = Context::manual(t0(), 50 + i, config);
                    let desk = db.open(ctx, format!("clerk:{i}")).expect("open");
                    desk.sign_in("Sue", "1111").expect("sign in");
                    let c = desk
                        .customer(boxoffice::domain::NewCustomer {
                            name: format!("C{i}"),
                            email: Some(format!("c{i}@example.com")),
                            phone: None,
                        })
                        .expect("customer")
                        .value;
                    start.wait();
                    let mut sold = 0;
                    for _ in 0..3 {
                        let hold = desk
                            .hold(HoldRequest {
                                event_id: event.clone(),
                                pick: SeatPick::Count(1),
                                idempotency_key: None,
                                correlation_id: None,
                            })
                            .expect("hold")
                            .value;
                        match desk.book_types(&hold.id, &c.id, &[TypeCount::new(comp, 1)], None) {
                            Ok(b) => {
                                desk.pay(&b.value.id, PaymentOutcome::Success, &format!("p{i}-{sold}"), None)
                                    .expect("pay");
                                sold += 1;
                            }
                            Err(Error::Refused(why)) => {
                                assert!(why.contains("limit"), "{why}");
                                desk.release(&hold.id).expect("release");
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                    sold
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    assert_eq!(sold, 4, "exactly the limit");
    assert_eq!(w.count(&format!("SELECT count(*) FROM tickets WHERE type_id = '{comp}' AND status = 'VALID'")), 4);
    w.assert_verified();
}
}

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/boxoffice-v1.db");

#[test]
fn the_v1_fixtures_paid_bookings_get_their_tickets_when_it_migrates() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("v1.db");
    std::fs::copy(FIXTURE, &db).expect("copy");
    let mut perms = std::fs::metadata(&db).expect("meta").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&db, perms).expect("writable");
    let before: Vec<(String, i64, i64)> = {
        let conn = rusqlite::Connection::open(&db).expect("open");
        let mut stmt = conn.prepare("SELECT id, seats, amount FROM bookings ORDER BY id").expect("sql");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).expect("rows").map(Result::unwrap).collect()
    };
    store::migrate_file(&db, Durability::Full).expect("migrate");
    let desk = Desk::open(&db, Context::system(Config::default()), "door:test").expect("open");
    assert_eq!(desk.verify().expect("verify"), Vec::<String>::new());
    let conn = desk.conn();
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    // Every event has one Standard type at its price; every booking one item with its own amount.
    assert_eq!(one("SELECT count(*) FROM events"), one("SELECT count(*) FROM ticket_types WHERE name = 'Standard'"));
    assert_eq!(
        one("SELECT count(*) FROM ticket_types y JOIN events e ON e.id = y.event_id WHERE y.price <> e.price"),
        0
    );
    for (id, seats, amount) in &before {
        let items = desk.booking_items(id).expect("items");
        assert_eq!(items.len(), 1, "{id}");
        assert_eq!((i64::from(items[0].count), i64::from(items[0].count) * items[0].unit_price), (*seats, *amount));
        let b = desk.get_booking(id).expect("booking");
        assert_eq!((i64::from(b.seats), b.amount), (*seats, *amount), "amounts kept");
        let tickets = desk.tickets(id).expect("tickets");
        if b.status == boxoffice::domain::BookingStatus::Confirmed {
            assert_eq!(tickets.len() as i64, *seats);
            assert!(tickets.iter().all(|t| t.status == TicketStatus::Valid && t.issued_at == b.updated_at));
            assert!(tickets.iter().all(|t| TicketCode::parse(&t.code.grouped()).as_ref() == Ok(&t.code)));
            let labels = desk.get_hold(&b.hold_id).expect("hold").labels;
            let seats: Vec<String> = tickets.iter().map(|t| t.seat_text().to_string()).collect();
            if labels.is_empty() {
                assert!(seats.iter().all(|s| s == "GA"));
            } else {
                assert_eq!(seats, labels, "seats in label order");
            }
        } else {
            assert!(tickets.is_empty(), "{id} is {}", b.status);
        }
    }
    assert_eq!(one("SELECT count(*) FROM tickets"), one("SELECT sum(seats) FROM bookings WHERE status = 'CONFIRMED'"));
    // The migrated tickets work at the door.
    let code = desk.tickets(&before.iter().find(|b| !desk.tickets(&b.0).unwrap().is_empty()).unwrap().0).unwrap()[0]
        .code
        .grouped();
    assert!(desk.check_in(&code, None, "north").expect("scan").admitted());
    assert_eq!(desk.verify().expect("verify"), Vec::<String>::new());
}

fn cli(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("BOXOFFICE_DB")
        .output()
        .expect("run")
}

// The type report and `tickets` through the library and the CLI, on a file and on a URL.
crate::on_both_backends! {
    #[test]
    fn the_report_breaks_sales_down_by_type_in_every_format() {
        let w = World::new();
        let theatre = theatre_with_types(&w);
        let (first, tickets) = sell(&w, &theatre, &["A1", "A2", "A3"], &[("Adult", 2), ("Child", 1)]);
        sell(&w, &theatre, &["B1"], &[("Child", 1)]);
        w.desk.check_in(&tickets[0].code.grouped(), None, "north").expect("scan");
        let pending = hold_labels(&w, &theatre, &["C1", "C2"]);
        let c = w.customer();
        let comp = w.desk.ticket_types(&theatre.id).expect("types")[2].id.clone();
        w.desk.book_types(&pending, &c.id, &[TypeCount::new(&comp, 2)], None).expect("book");
        // A price change later leaves the revenue at the prices sold.
        let adult = w.desk.ticket_types(&theatre.id).expect("types")[0].id.clone();
        w.desk.edit_ticket_type(&adult, NewTicketType::new("Adult", 60_000)).expect("edit");

        let report = w.desk.report(&boxoffice::domain::ReportFilter { hours: 24, ..Default::default() }).expect("report");
        let row = |name: &str| report.by_type.iter().find(|t| t.type_name == name).expect(name).clone();
        let (a, ch, co) = (row("Adult"), row("Child"), row("Complimentary"));
        assert_eq!((a.sold, a.revenue, a.pending, a.admitted, a.price), (2, 100_000, 0, 1, 60_000));
        assert_eq!((ch.sold, ch.revenue, ch.pending, ch.admitted), (2, 50_000, 0, 0));
        assert_eq!((co.sold, co.revenue, co.pending), (0, 0, 2));
        assert_eq!(
            report.summary.confirmed_amount,
            Some(a.revenue + ch.revenue),
            "the types add up to the confirmed sales"
        );

        let json = cli(&w.db_arg(), &["report", "--format", "json"]);
        assert!(json.status.success());
        let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
        let by_type = json["by_type"].as_array().expect("by_type");
        assert_eq!(by_type.len(), 3);
        assert_eq!((by_type[1]["type_name"].as_str(), by_type[1]["sold"].as_u64()), (Some("Child"), Some(2)));
        let csv = String::from_utf8(cli(&w.db_arg(), &["report", "--format", "csv"]).stdout).expect("utf8");
        assert!(csv.contains(&format!("type,{},Hamlet at the Grand Theatre,Adult/revenue,100000", theatre.id)), "{csv}");
        assert!(csv.contains("Complimentary/pending,2"), "{csv}");
        let table = String::from_utf8(cli(&w.db_arg(), &["report"]).stdout).expect("utf8");
        assert!(table.contains("SALES BY TICKET TYPE"), "{table}");
        let line = table.lines().find(|l| l.contains("Child")).expect("a Child line");
        assert!(line.contains("₹250.00") && line.contains("₹500.00"), "{line}");
        // A date range that holds none of the bookings sells nothing of any type.
        let later =
            boxoffice::domain::ReportFilter { from: Some(t0() + Duration::days(1)), hours: 24, ..Default::default() };
        let report = w.desk.report(&later).expect("report");
        assert!(report.by_type.iter().all(|t| t.sold == 0 && t.pending == 0 && t.admitted == 0));
        let today = boxoffice::domain::ReportFilter {
            from: Some(t0()),
            to: Some(t0() + Duration::days(1)),
            hours: 24,
            ..Default::default()
        };
        let ranged = w.desk.report(&today).expect("report");
        assert_eq!(
            ranged.by_type,
            w.desk.report(&boxoffice::domain::ReportFilter { hours: 24, ..Default::default() }).unwrap().by_type
        );

        // `tickets` lists a booking's tickets: the first booking's three, the one scanned USED.
        let out = cli(&w.db_arg(), &["tickets", &first.id, "--format", "json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!((json["booking_id"].as_str(), json["status"].as_str()), (Some(first.id.as_str()), Some("CONFIRMED")));
        let listed: Vec<(&str, &str)> = json["tickets"]
            .as_array()
            .expect("tickets")
            .iter()
            .map(|t| (t["code"].as_str().unwrap_or("?"), t["status"].as_str().unwrap_or("?")))
            .collect();
        let codes: Vec<String> = tickets.iter().map(|t| t.code.grouped()).collect();
        assert_eq!(listed.len(), 3, "{json:#}");
        assert_eq!(listed.iter().map(|(c, _)| c.to_string()).collect::<Vec<_>>(), codes);
        assert_eq!(listed.iter().filter(|(_, s)| *s == "USED").count(), 1, "{json:#}");
        let table = String::from_utf8(cli(&w.db_arg(), &["tickets", &first.id]).stdout).expect("utf8");
        assert!(table.contains(&format!("booking {} · CONFIRMED", first.id)), "{table}");
        // A booking that is not there: exit 1 or 2 with a message, on both.
        let out = cli(&w.db_arg(), &["tickets", "nope"]);
        assert!(!out.status.success() && !out.stderr.is_empty());
    }
}

#[test]
fn seeded_runs_issue_the_same_codes() {
    let run = || {
        let (ctx, _) = Context::manual(t0(), 42, Config { pin_cost: boxoffice::PinCost::Fast, ..Config::default() });
        let desk = Desk::in_memory(ctx, "clerk:seeded").expect("desk");
        desk.create_first_supervisor("Sue", "1111").expect("supervisor");
        let e = desk
            .create_event(NewEvent {
                name: "Gig".into(),
                description: String::new(),
                starts_at: t0() + Duration::days(1),
                kind: EventKind::GeneralAdmission { capacity: 10 },
                price: 100,
                currency: "INR".into(),
            })
            .expect("event");
        let c = desk
            .customer(boxoffice::domain::NewCustomer { name: "A".into(), email: Some("a@b.c".into()), phone: None })
            .expect("c")
            .value;
        let h = desk
            .hold(HoldRequest { event_id: e.id, pick: SeatPick::Count(3), idempotency_key: None, correlation_id: None })
            .expect("hold")
            .value;
        let b = desk.book(&h.id, &c.id, None).expect("book").value;
        desk.pay(&b.id, PaymentOutcome::Success, "p", None).expect("pay");
        let codes: Vec<String> = desk.tickets(&b.id).expect("t").into_iter().map(|t| t.code.grouped()).collect();
        (b.id, codes)
    };
    let (first, second) = (run(), run());
    assert_eq!(first, second);
    assert_eq!(first.1.len(), 3);
}

#[test]
fn verify_names_broken_tickets() {
    let w = World::new();
    let gig = w.ga(10, 20_000);
    let b = w.booking(&gig, 2);
    w.desk.pay(&b.id, PaymentOutcome::Success, "p", None).expect("pay");
    let tickets = w.desk.tickets(&b.id).expect("tickets");
    w.assert_verified();
    // Each break is made inside a transaction on the desk's own connection,
    // checked, and rolled back.
    let raw = w.desk.conn();
    let broken = |sql: &str, expect: &str| {
        raw.execute_batch(&format!("BEGIN; {sql}")).expect(sql);
        let v = w.desk.verify().expect("verify");
        raw.execute_batch("ROLLBACK").expect("rollback");
        assert!(v.iter().any(|x| x.contains(expect)), "{sql}: {v:#?}");
    };
    let t0_id = &tickets[0].id;
    broken(&format!("DELETE FROM tickets WHERE id = '{t0_id}'"), "but 1 valid or used ticket(s)");
    broken(
        &format!("UPDATE tickets SET status = 'USED', used_at = 1, used_door = 'x' WHERE id = '{t0_id}'"),
        "with 0 admission(s) net of undos",
    );
    broken(
        &format!("UPDATE bookings SET status = 'CANCELLED' WHERE id = '{}'", b.id),
        "CANCELLED with 2 seat(s) but 2 valid",
    );
    broken(
        &format!("UPDATE booking_items SET unit_price = 1 WHERE booking_id = '{}'", b.id),
        "its ticket types 2 for 2",
    );
    // A second admission of one ticket, whatever its state says.
    w.desk.check_in(&tickets[1].code.grouped(), None, "a").expect("scan");
    broken(
        &format!(
            "INSERT INTO scans (id, at, door, typed, ticket_id, result, actor) VALUES ('s2', 1, 'b', 'x', '{}', 'ADMITTED', 't');
             INSERT INTO audit_log (id, at, action, entity, entity_id, actor) VALUES ('a2', 1, 'TICKET_ADMITTED', 'scan', 's2', 't')",
            tickets[1].id
        ),
        "with 2 admission(s) net of undos",
    );
    // Codes are unique by the database's own rule, too.
    let dup =
        w.raw().execute(&format!("UPDATE tickets SET code = '{}' WHERE id = '{t0_id}'", tickets[1].code.as_str()), []);
    assert!(dup.is_err(), "the unique index refuses a second ticket with one code");
    w.assert_verified();
}
