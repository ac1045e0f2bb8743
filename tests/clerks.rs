//! Clerks, roles, tender and the till (issue 12), at the engine: sign-in and
//! the lock-out, every supervisor-only operation refused for a clerk (nothing
//! changed, the attempt audited), tender, shifts, a cash-up figure by figure,
//! a clerk's own sale resumed after a restart, and what `verify` adds.

mod common;

use boxoffice::domain::{
    AuditAction, BookingStatus, EventKind, NewEvent, NewTicketType, PaymentMethod, PaymentOutcome, RefundKind, Role,
    Tender,
};
use boxoffice::engine::{CashupQuery, RefundOverride};
use boxoffice::jobs::{Jobs, MemorySink};
use boxoffice::{Error, HoldRequest, SeatPick};
use chrono::Duration;
use common::World;

fn event(name: &str) -> NewEvent {
    NewEvent {
        name: name.into(),
        description: String::new(),
        starts_at: common::t0() + Duration::days(7),
        kind: EventKind::GeneralAdmission { capacity: 50 },
        price: 50_000,
        currency: "INR".into(),
    }
}

fn actions(w: &World, action: AuditAction) -> usize {
    w.all_audit().iter().filter(|r| r.action == action.as_str()).count()
}

// On a file and on PostgreSQL (`name::sqlite`, `name::postgres`).
crate::on_both_backends! {
#[test]
fn five_wrong_pins_lock_a_clerk_out_for_five_minutes_at_every_terminal() {
    let w = World::new();
    w.as_clerk("Asha");
    let other = w.target().open(w.desk.ctx().clone(), "clerk:other").expect("another terminal");
    for _ in 0..4 {
        assert!(other.sign_in("asha", "9999").expect_err("wrong").to_string().starts_with("wrong name or PIN"));
    }
    let locked = w.desk.sign_in("Asha", "9999").expect_err("the fifth, at the first terminal");
    assert!(locked.to_string().contains("Asha is locked after 5 wrong PINs until 09:05:00"), "{locked}");
    assert_eq!((actions(&w, AuditAction::ClerkPinWrong), actions(&w, AuditAction::ClerkLocked)), (5, 1));
    let row = w.all_audit().into_iter().find(|r| r.action == AuditAction::ClerkLocked.as_str()).expect("lock row");
    assert_eq!((row.actor.as_str(), row.details["locked_until"].as_str()), ("Asha", Some("2026-06-01T09:05:00+00:00")));
    // Locked everywhere, even with the right PIN; a refusal writes nothing.
    let dump = w.dump();
    assert!(other.sign_in("Asha", "2222").expect_err("locked").to_string().contains("locked"));
    assert_eq!(w.dump(), dump);
    // An unknown name reads like a wrong PIN and writes nothing either.
    assert_eq!(other.sign_in("Nobody", "2222").expect_err("unknown").to_string(), "wrong name or PIN");
    w.advance(Duration::minutes(4) + Duration::seconds(59));
    assert!(other.sign_in("Asha", "2222").is_err(), "still locked at 09:04:59");
    w.advance(Duration::seconds(1));
    let asha = other.sign_in("Asha", "2222").expect("the lock ran out at 09:05:00");
    assert_eq!((asha.name(), asha.role()), ("Asha", Role::Clerk));
    // The count starts again: four wrong ones do not lock.
    for _ in 0..4 {
        assert!(!other.sign_in("Asha", "0000").expect_err("wrong").to_string().contains("locked after"));
    }
    other.sign_in("Asha", "2222").expect("a right PIN clears the count");
    w.assert_verified();
}

#[test]
fn every_supervisor_only_operation_is_refused_to_a_clerk_changes_nothing_and_is_audited() {
    let w = World::new();
    // As Sue (supervisor): an event with two types, a sale by Sue, a ticket admitted.
    let e = w
        .desk
        .create_event_with_types(
            event("Gig"),
            vec![NewTicketType::new("Adult", 50_000), NewTicketType::new("Child", 20_000)],
        )
        .expect("event");
    let types = w.desk.ticket_types(&e.id).expect("types");
    let sues = w.booking(&e, 1);
    w.desk.pay(&sues.id, PaymentOutcome::Success, "sue-pay", None).expect("pay");
    let sue_hold = w.hold(&e, 1);
    let code = w.desk.tickets(&sues.id).expect("tickets")[0].code.grouped();
    w.desk.check_in(&code, None, "main").expect("admitted");
    let sue_shift = w.desk.current_shift().expect("shift").expect("Sue's payment opened her shift");
    let mut jobs = Jobs::new(
        w.target().open(w.desk.ctx().clone(), "job:manual").expect("jobs"),
        Box::new(MemorySink::default()),
    );

    let asha = w.as_clerk("Asha");
    let mine = w.booking(&e, 1);
    w.desk.pay(&mine.id, PaymentOutcome::Success, "asha-pay", None).expect("a clerk sells");
    w.not_allowed("create events", |d| d.create_event(event("Mine")));
    w.not_allowed("create events", |d| d.create_event_with_types(event("Mine"), vec![NewTicketType::new("A", 1)]));
    w.not_allowed("add ticket types", |d| d.add_ticket_type(&e.id, NewTicketType::new("Senior", 30_000)));
    w.not_allowed("edit ticket types", |d| d.edit_ticket_type(&types[1].id, NewTicketType::new("Child", 1)));
    w.not_allowed("retire ticket types", |d| d.retire_ticket_type(&types[1].id));
    let cheaper = RefundOverride { percent: 100, reason: "the show was cancelled".into() };
    w.not_allowed("override the refund percentage", |d| d.cancel_overriding(&mine.id, None, 0, &cheaper));
    w.not_allowed("cancel another clerk's booking", |d| d.cancel(&sues.id));
    w.not_allowed("release another clerk's hold", |d| d.release(&sue_hold.id));
    w.not_allowed("manage clerks", |d| d.add_clerk("Ravi", Role::Clerk, "1234"));
    w.not_allowed("manage clerks", |d| d.disable_clerk("Sue"));
    w.not_allowed("see another clerk's cash-up", |d| d.cashup(&sue_shift.id));
    w.not_allowed("see another clerk's cash-up", |d| {
        d.cashups(&CashupQuery { clerk: Some("Sue".into()), ..Default::default() })
    });
    w.not_allowed("close another clerk's shift", |d| d.close_shift(&sue_shift.id, 0));
    w.not_allowed("undo a door admission", |d| d.undo_admission(&code, "let in by mistake"));
    w.not_allowed("run jobs by hand", |_| jobs.by_hand(&asha, |j| j.run_sweeps()));
    assert_eq!(actions(&w, AuditAction::AccessRefused), 15);

    // What a clerk may do: cancel their own sale at the policy's share, see their own cash-up.
    let c = w.desk.cancel(&mine.id).expect("their own booking");
    assert_eq!(c.refund.expect("refund").percent, 50);
    assert_eq!(w.desk.cashups(&CashupQuery::default()).expect("own").len(), 1);
    // A clerk's day is their own shifts only.
    let day = CashupQuery { date: Some(common::t0().date_naive()), ..Default::default() };
    assert!(w.desk.cashups(&day).expect("day").iter().all(|u| u.shift.clerk_name == "Asha"));

    // The same operations as Sue go through.
    let sue = w.as_supervisor();
    let two = w.booking(&e, 1);
    w.desk.pay(&two.id, PaymentOutcome::Success, "sue-pay-2", None).expect("pay");
    let over = w.desk.cancel_overriding(&two.id, Some(BookingStatus::Confirmed), 0, &cheaper).expect("override");
    let refund = over.refund.expect("refund");
    assert_eq!((refund.kind, refund.percent, refund.amount, refund.fee), (RefundKind::Partial, 100, 50_000, 0));
    let row = w.all_audit().into_iter().rfind(|r| r.action == AuditAction::RefundInitiated.as_str()).expect("row");
    assert_eq!(row.details["policy_percent"], 50);
    assert_eq!(row.details["override_reason"], "the show was cancelled");
    w.desk.undo_admission(&code, "let in by mistake").expect("a supervisor undoes an admission");
    assert!(jobs.by_hand(&sue, |j| j.run_sweeps()).is_ok());
    assert_eq!(w.desk.cashups(&day).expect("everyone's day").len(), 2);
    w.desk.disable_clerk("Asha").expect("disable");
    // Asha's terminal can do nothing more, and she cannot sign in.
    let hers = w.target().open(w.desk.ctx().clone(), "clerk:hers").expect("open");
    assert!(hers.sign_in("Asha", "2222").expect_err("disabled").to_string().contains("disabled"));
    hers.act_as(Some(asha));
    assert!(
        hers.hold(HoldRequest {
            event_id: e.id.clone(),
            pick: SeatPick::Count(1),
            idempotency_key: None,
            correlation_id: None
        })
        .expect_err("disabled")
        .to_string()
        .contains("disabled")
    );
    // The last supervisor stays.
    assert!(w.desk.disable_clerk("Sue").expect_err("last").to_string().contains("last supervisor"));
    w.assert_verified();
}

#[test]
fn nobody_signed_in_sells_nothing() {
    let w = World::new();
    let e = w.ga(10, 100);
    let desk = w.target().open(w.desk.ctx().clone(), "clerk:nobody").expect("open");
    let err = w.refused(|_| {
        desk.hold(HoldRequest {
            event_id: e.id.clone(),
            pick: SeatPick::Count(1),
            idempotency_key: None,
            correlation_id: None,
        })
    });
    assert!(err.to_string().starts_with("sign in first"), "{err}");
    assert!(desk.create_event(event("X")).expect_err("no clerk").to_string().starts_with("sign in first"));
    assert!(desk.open_shift(0).is_err());
    // A door identity still scans (it is a door, not a clerk).
    assert!(!desk.check_in("7K3M-Q9XA-2BHD-F0PZ-R", None, "main").expect("a scan").admitted());
    // The first supervisor of a file that has clerks is refused.
    assert!(
        desk.create_first_supervisor("Eve", "1234").expect_err("has clerks").to_string().contains("already has clerks")
    );
}

#[test]
fn cash_gives_change_and_never_takes_less_than_due_card_and_upi_go_through_the_simulator() {
    let w = World::new();
    let e = w.ga(10, 50_000);
    let b = w.booking(&e, 2);
    let short = w.refused(|d| d.pay_with(&b.id, Tender::Cash { tendered: 99_999 }, "cash-1"));
    assert!(short.to_string().contains("₹999.99 is less than the ₹1,000.00 due (₹0.01 short)"), "{short}");
    let paid = w.desk.pay_with(&b.id, Tender::Cash { tendered: 150_000 }, "cash-2").expect("cash");
    assert_eq!(paid.booking.status, BookingStatus::Confirmed);
    let a = &paid.attempt;
    assert_eq!(
        (a.method, a.tendered, a.change, a.outcome),
        (PaymentMethod::Cash, Some(150_000), Some(50_000), PaymentOutcome::Success)
    );
    // The same key again is a replay, whatever is tendered now.
    let again = w.desk.pay_with(&b.id, Tender::Cash { tendered: 1 }, "cash-2").expect("replay");
    assert!(again.is_retry && again.attempt == *a);
    let row = w.all_audit().into_iter().find(|r| r.action == AuditAction::PaymentAttempt.as_str()).expect("row");
    assert_eq!(
        (row.details["method"].as_str(), row.details["tendered"].as_i64(), row.details["change"].as_i64()),
        (Some("CASH"), Some(150_000), Some(50_000))
    );

    let upi = w.booking(&e, 1);
    assert_eq!(
        w.desk.pay_with(&upi.id, Tender::Upi(PaymentOutcome::Timeout), "upi-1").expect("t").booking.status,
        BookingStatus::PaymentPending
    );
    let failed = w.desk.pay_with(&upi.id, Tender::Upi(PaymentOutcome::Failure), "upi-2").expect("f");
    assert_eq!(failed.refund.as_ref().map(|r| (r.method, r.kind)), Some((PaymentMethod::Upi, RefundKind::Full)));
    let card = w.booking(&e, 1);
    let p = w.desk.pay(&card.id, PaymentOutcome::Success, "card-1", None).expect("pay() is card");
    assert_eq!((p.attempt.method, p.attempt.tendered), (PaymentMethod::Card, None));
    // Cash is taken in the till's currency only.
    let usd = w.desk.create_event(NewEvent { currency: "USD".into(), ..event("Abroad") }).expect("usd event");
    let b = w.booking(&usd, 1);
    let err = w.refused(|d| d.pay_with(&b.id, Tender::Cash { tendered: 100_000 }, "usd-cash"));
    assert!(err.to_string().contains("cash is taken in INR only"), "{err}");
    w.desk.pay_with(&b.id, Tender::Card(PaymentOutcome::Success), "usd-card").expect("card in USD");
    w.assert_verified();
}

// A known history, and its cash-up figure by figure.
#[test]
fn a_cash_up_over_a_known_history_adds_up_figure_by_figure() {
    let w = World::new();
    let e = w.ga(100, 50_000); // ₹500 a seat
    let asha = w.as_clerk("Asha");
    let shift = w.desk.open_shift(200_000).expect("a ₹2,000 float");
    assert!(w.desk.open_shift(0).expect_err("one open shift").to_string().contains("already has a shift open"));
    let sale = |n: i64, tender: Tender, key: &str| {
        let b = w.booking(&e, n);
        w.desk.pay_with(&b.id, tender, key).expect("pay").booking
    };
    let cash1 = sale(2, Tender::Cash { tendered: 100_000 }, "c1"); // ₹1,000 exact
    let _cash2 = sale(1, Tender::Cash { tendered: 200_000 }, "c2"); // ₹500, change ₹1,500
    let card = sale(3, Tender::Card(PaymentOutcome::Success), "k1"); // ₹1,500
    let _upi = sale(1, Tender::Upi(PaymentOutcome::Success), "u1"); // ₹500
    let declined = w.booking(&e, 1);
    w.desk.pay_with(&declined.id, Tender::Card(PaymentOutcome::Timeout), "k2").expect("timeout");
    w.desk.pay_with(&declined.id, Tender::Card(PaymentOutcome::Failure), "k3").expect("failure");
    // Asha cancels her cash sale of two: ₹500 back in cash from her till; and
    // her card sale: ₹750 back to the card.
    let c = w.desk.cancel(&cash1.id).expect("cancel cash");
    let r = c.refund.expect("refund");
    assert_eq!((r.method, r.amount, r.shift_id.as_deref()), (PaymentMethod::Cash, 50_000, Some(shift.id.as_str())));
    w.desk.cancel(&card.id).expect("cancel card");
    w.advance(Duration::hours(8));
    let up = w.desk.close_shift(&shift.id, 249_000).expect("close: ₹10 short");

    let line = |m: &str| up.lines.iter().find(|l| l.method == m).cloned().expect(m);
    let (cash, card_l, upi) = (line("CASH"), line("CARD"), line("UPI"));
    assert_eq!(
        (cash.sales, cash.payments, cash.tickets, cash.refunds, cash.refund_count, cash.refunded_tickets),
        (150_000, 2, 3, 50_000, 1, 2)
    );
    assert_eq!(
        (card_l.sales, card_l.payments, card_l.tickets, card_l.refunds, card_l.refund_count),
        (150_000, 1, 3, 75_000, 1)
    );
    assert_eq!((card_l.declined, card_l.timeouts), (1, 1));
    assert_eq!((upi.sales, upi.payments, upi.tickets, upi.refunds), (50_000, 1, 1, 0));
    assert_eq!((up.tickets_sold(), up.tickets_refunded()), (7, 5));
    assert_eq!((up.cash_sales(), up.cash_refunds()), (150_000, 50_000));
    assert_eq!(up.expected_cash(), 200_000 + 150_000 - 50_000);
    assert_eq!(
        (up.shift.expected_cash, up.shift.counted_cash, up.difference()),
        (Some(300_000), Some(249_000), Some(-51_000))
    );
    let closed = w.all_audit().into_iter().find(|r| r.action == AuditAction::ShiftClosed.as_str()).expect("audited");
    assert_eq!((closed.actor.as_str(), closed.details["difference"].as_i64()), ("Asha", Some(-51_000)));
    // The CLI's table says the same.
    let text = boxoffice::cashup::table(std::slice::from_ref(&up), chrono::FixedOffset::east_opt(0).expect("utc"));
    assert!(
        text.contains("float ₹2,000.00 + cash sales ₹1,500.00 − cash refunds ₹500.00 = expected cash ₹3,000.00"),
        "{text}"
    );
    assert!(text.contains("counted ₹2,490.00 · difference -₹510.00 (short)"), "{text}");

    // Closed: the engine refuses, and so does the file itself.
    assert!(w.desk.close_shift(&shift.id, 0).expect_err("closed").to_string().contains("never changes"));
    for sql in [
        "UPDATE shifts SET counted_cash = 300000",
        "DELETE FROM shifts",
        "UPDATE shift_totals SET sales = 0",
        "UPDATE payment_attempts SET method = 'CARD'",
        "DELETE FROM payment_attempts",
    ] {
        let err = w.exec(sql).expect_err(sql);
        assert!(
            err.contains("never change") || err.contains("cannot change") || err.contains("never deleted"),
            "{sql}: {err}"
        );
    }
    // The next sale opens a new shift with a float of 0 (audited as such).
    let b = w.booking(&e, 1);
    let p = w.desk.pay_with(&b.id, Tender::Cash { tendered: 50_000 }, "c3").expect("pay");
    let next = w.desk.current_shift().expect("shift").expect("opened by the payment");
    assert_ne!(next.id, shift.id);
    assert_eq!((next.opening_float, p.attempt.shift_id.as_deref()), (0, Some(next.id.as_str())));
    let opened = w.all_audit().into_iter().rfind(|r| r.action == AuditAction::ShiftOpened.as_str()).expect("row");
    assert!(opened.details["opened_by"].as_str().is_some_and(|s| s.contains("first payment")));
    // A supervisor refunding Asha's cash sale pays it from the supervisor's own till.
    w.as_supervisor();
    let c = w.desk.cancel(&b.id).expect("cancel another's");
    let r = c.refund.expect("refund");
    let sues = w.desk.current_shift().expect("shift").expect("Sue's till");
    assert_eq!((r.method, r.shift_id.as_deref()), (PaymentMethod::Cash, Some(sues.id.as_str())));
    assert_eq!(w.desk.cashup(&sues.id).expect("Sue's").cash_refunds(), 25_000);
    assert_eq!(w.desk.cashup(&next.id).expect("Asha's").cash_refunds(), 0);
    drop(asha);
    w.assert_verified();
}

#[test]
fn a_clerk_resumes_their_own_hold_after_a_restart_and_nobody_else_does() {
    let w = World::new();
    let e = w.reserved(2, 5, 10_000);
    w.as_clerk("Asha");
    w.as_clerk("Ravi");
    w.as_clerk("Asha");
    let held = w.hold_labels(&e, &["A1", "A2"]);
    let booked = w.booking(&e, 1);
    let target = w.target();
    let ctx = w.desk.ctx().clone();
    drop(w.desk.sign_out());
    // A restart: a new process (another terminal name), Asha signs in again.
    let desk = target.open(ctx.clone(), "clerk:asha@4242").expect("reopen");
    desk.sign_in("Asha", "2222").expect("sign in");
    let mine = desk.own_live_sales().expect("sales");
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0].0.id, held.id);
    assert_eq!(mine[0].0.labels, ["A1", "A2"]);
    assert_eq!(mine[1].1.as_ref().map(|b| b.id.as_str()), Some(booked.id.as_str()));
    // Ravi at his counter sees none of them, and may not release hers.
    let ravi = target.open(ctx, "clerk:ravi@7").expect("open");
    ravi.sign_in("Ravi", "2222").expect("ravi");
    assert!(ravi.own_live_sales().expect("none").is_empty());
    assert!(matches!(ravi.release(&held.id), Err(Error::NotAllowed(_))));
    // Asha resumes: releases one, pays the other.
    desk.release(&held.id).expect("her own hold");
    desk.pay(&booked.id, PaymentOutcome::Success, "resumed", None).expect("her own booking");
    assert!(desk.own_live_sales().expect("none left").is_empty());
    assert_eq!(desk.verify().expect("verify"), Vec::<String>::new());
}
}

#[test]
fn verify_finds_money_outside_a_shift_totals_that_drifted_and_rows_without_a_clerk() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let b = w.booking(&e, 1);
    w.desk.pay(&b.id, PaymentOutcome::Success, "p", None).expect("pay");
    w.assert_verified();
    let raw = w.raw();
    raw.execute_batch(
        "DROP TRIGGER payments_never_change; UPDATE payment_attempts SET shift_id = NULL;
         DROP TRIGGER closed_shift_totals_update; UPDATE shift_totals SET sales = sales + 1;
         INSERT INTO audit_log (id, at, action, entity, entity_id, actor) VALUES ('x', 0, 'X', 'x', 'x', 'mallory');",
    )
    .expect("tamper");
    let found = w.desk.verify().expect("verify").join("\n");
    assert!(found.contains("invariant 11 payments and refunds belong to a shift: payment attempt"), "{found}");
    assert!(found.contains("invariant 12 shift totals add up"), "{found}");
    assert!(found.contains("invariant 13 every audit row has a clerk") && found.contains("actor mallory"), "{found}");
}

// On a file and on PostgreSQL.
crate::on_both_backends! {
// Each shift has one opening audit row, and one closing row once closed:
// `verify` counts them per shift (in one pass over the shifts' audit rows).
#[test]
fn verify_finds_a_shift_opened_or_closed_without_exactly_one_audit_row() {
    let w = World::new();
    w.as_clerk("Asha");
    let open = w.desk.open_shift(0).expect("open");
    w.as_supervisor();
    let closed = w.desk.open_shift(0).expect("Sue's");
    w.desk.close_shift(&closed.id, 0).expect("close");
    w.assert_verified();
    // A second opening row for Asha's shift, and a closed shift nobody audited.
    w.exec(&format!(
        "INSERT INTO audit_log (id, at, action, entity, entity_id, actor) VALUES ('dup', 0, 'SHIFT_OPENED', 'shift', '{}',
         'job:x')",
        open.id
    ))
    .expect("a second opening row");
    w.exec(
        "INSERT INTO shifts (id, clerk_id, currency, opening_float, opened_at, closed_at, counted_cash, expected_cash)
         SELECT 'unaudited', clerk_id, 'INR', 0, 0, 1, 0, 0 FROM shifts LIMIT 1",
    )
    .expect("an unaudited shift");
    let found = w.desk.verify().expect("verify");
    let shifts: Vec<&String> = found.iter().filter(|v| v.contains("opening and")).collect();
    assert_eq!(shifts.len(), 2, "{found:?}");
    assert!(shifts.iter().any(|v| v.ends_with(&format!("shift {} has 2 opening and 0 closing audit rows", open.id))));
    assert!(shifts.iter().any(|v| v.ends_with("shift unaudited has 0 opening and 0 closing audit rows")), "{shifts:?}");
}
}

// `boxoffice clerk` and `cashup` on a file and on a server's URL (`name::sqlite`, `name::postgres`).
crate::on_both_backends! {
#[test]
fn the_cli_adds_clerks_and_prints_a_cash_up_that_adds_up_for_whoever_may_see_it() {
    let w = World::new();
    let db = w.db_arg();
    let e = w.ga(100, 50_000);
    let sue = [("BOXOFFICE_CLERK", "Sue"), ("BOXOFFICE_PIN", "1111")];
    // clerk add with the PIN on stdin, as a supervisor; a clerk may not.
    let add = |name: &str, env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_boxoffice"));
        cmd.arg("--db").arg(&db).args(["clerk", "add", name, "--pin-stdin"]).envs(env.iter().copied());
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("clerk add");
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), b"3333\n").expect("pin");
        child.wait_with_output().expect("ran")
    };
    let out = add("Ravi", &sue);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let refused = add("Mallory", &[("BOXOFFICE_CLERK", "Ravi"), ("BOXOFFICE_PIN", "3333")]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("only a supervisor may manage clerks"));
    // Bad input: a PIN too short, a name nobody has; exit 2 and nothing written.
    let before = w.dump();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_boxoffice"));
    cmd.arg("--db").arg(&db).args(["clerk", "add", "Shorty", "--pin-stdin"]).envs(sue.iter().copied());
    cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("clerk add");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), b"12\n").expect("pin");
    let short = child.wait_with_output().expect("ran");
    let err = String::from_utf8_lossy(&short.stderr);
    assert_eq!(short.status.code(), Some(2), "{err}");
    assert!(err.starts_with("boxoffice: ") && err.contains("PIN"), "{err}");
    let (code, _, err) = common::boxoffice(&db, &["clerk", "disable", "Nobody"], &sue);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Nobody"), "{err}");
    // Nothing written but Sue's two sign-ins (audited, as every sign-in is).
    let (mut before, mut after) = (before, w.dump());
    let old = before.remove("audit_log").unwrap_or_default();
    let new: Vec<String> =
        after.remove("audit_log").unwrap_or_default().into_iter().filter(|r| !old.contains(r)).collect();
    assert_eq!(after, before, "the refused commands wrote nothing");
    assert_eq!(new.len(), 2, "{new:?}");
    assert!(new.iter().all(|r| r.contains("'CLERK_SIGNED_IN'") && r.contains("'Sue'")), "{new:?}");
    let (code, list, _) = common::boxoffice(&db, &["clerk", "list"], &[]);
    assert_eq!(code, 0);
    assert!(list.contains("Ravi") && list.contains("clerk") && !list.contains("Mallory"), "{list}");

    // Ravi's shift: a ₹1,000 float, two cash sales and a card sale, one cash sale cancelled.
    w.desk.sign_in("Ravi", "3333").expect("Ravi");
    let shift = w.desk.open_shift(100_000).expect("float");
    let sale = |n: i64, tender: Tender, key: &str| {
        let b = w.booking(&e, n);
        w.desk.pay_with(&b.id, tender, key).expect("pay").booking
    };
    let cash = sale(2, Tender::Cash { tendered: 100_000 }, "c1");
    sale(1, Tender::Cash { tendered: 60_000 }, "c2");
    sale(1, Tender::Card(PaymentOutcome::Success), "k1");
    w.desk.cancel(&cash.id).expect("cancel");
    w.desk.close_shift(&shift.id, 150_000).expect("close");
    let ravi = [("BOXOFFICE_CLERK", "Ravi"), ("BOXOFFICE_PIN", "3333")];
    let (code, table, err) = common::boxoffice(&db, &["cashup"], &ravi);
    assert_eq!(code, 0, "{err}");
    // 100,000 float + 150,000 cash − 50,000 refunded = 200,000 expected; 150,000 counted.
    assert!(table.contains("float ₹1,000.00 + cash sales ₹1,500.00 − cash refunds ₹500.00 = expected cash ₹2,000.00"));
    assert!(table.contains("counted ₹1,500.00 · difference -₹500.00 (short)"), "{table}");
    let (code, json, _) = common::boxoffice(&db, &["cashup", "--format", "json"], &ravi);
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(&json).expect("json");
    let s = &j["shifts"][0];
    assert_eq!((s["expected_cash"].as_i64(), s["counted_cash"].as_i64()), (Some(200_000), Some(150_000)));
    assert_eq!(
        (s["cash_sales"].as_i64(), s["cash_refunds"].as_i64(), s["difference"].as_i64()),
        (Some(150_000), Some(50_000), Some(-50_000))
    );
    // Another clerk's cash-up is a supervisor's to see.
    let (code, _, err) = common::boxoffice(&db, &["cashup", "--clerk", "Sue"], &ravi);
    assert_eq!(code, 2);
    assert!(err.contains("only a supervisor may see another clerk's cash-up"), "{err}");
    let (code, table, err) = common::boxoffice(&db, &["cashup", "--clerk", "Ravi"], &sue);
    assert_eq!(code, 0, "{err}");
    assert!(table.contains("· Ravi ·"), "{table}");
    w.assert_verified();
}
}
