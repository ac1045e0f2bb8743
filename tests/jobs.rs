//! The background jobs: a tick expires and refunds and records its runs; an
//! idle tick writes nothing; a lease held elsewhere skips the job; recovery
//! heals drift, orphan labels and abandoned runs (each fix audited); audit
//! shipping writes each row once from a cursor; pruning keeps pay replays working.

mod common;
use boxoffice::SeatPick;
use boxoffice::db_args;
use boxoffice::domain::{BookingStatus, HoldStatus, PaymentOutcome, RefundStatus};
use boxoffice::jobs::{Job, Jobs, MemorySink, NextDue, RunOutcome};
use chrono::Duration;
use common::World;

fn jobs(w: &World) -> (Jobs, MemorySink) {
    let desk = w.target().open(w.desk.ctx().clone(), "job:tick").expect("jobs desk");
    let sink = MemorySink::default();
    (Jobs::new(desk, Box::new(sink.clone())), sink)
}

fn lines(sink: &MemorySink) -> Vec<serde_json::Value> {
    sink.0.lock().unwrap().iter().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
}

/// (status, processed) of a job's runs, oldest first.
fn runs(w: &World, job: Job) -> Vec<(String, i64)> {
    let sql = "SELECT status, processed FROM job_runs WHERE job = ?1 ORDER BY started_at, id";
    w.desk.db().query_all(sql, db_args![job.name()], |r| Ok((r.get(0)?, r.get(1)?))).unwrap()
}

fn cursor(w: &World) -> Option<i64> {
    let sql = "SELECT value FROM meta WHERE key = 'audit_ship_cursor'";
    w.desk.db().query_opt(sql, db_args![], |r| r.get::<String>(0)).unwrap().map(|v| v.parse().unwrap())
}

/// Raw SQL on the world's database (either backend), as a crash or another process might leave it.
fn raw(w: &World, sql: &str, args: &[boxoffice::store::db::Param<'_>]) {
    w.desk.db().execute(sql, args).unwrap();
}

/// What another terminal sees of commits: SQLite's `data_version` on a file,
/// PostgreSQL's change notices (which arrive a moment after the commit).
struct Watch(Option<boxoffice::store::pg::listen::Listener>);

impl Watch {
    fn new(w: &World) -> Watch {
        Watch(w.pg.as_ref().map(|db| boxoffice::store::pg::listen::Listener::connect(&db.url).unwrap()))
    }

    /// The count now, having waited up to `wait` for a notice on its way.
    fn seen(&self, w: &World, wait: std::time::Duration) -> i64 {
        match &self.0 {
            None => w.desk.data_version().unwrap(),
            Some(l) => l.wait(wait).unwrap() as i64,
        }
    }
}

fn audit_count(w: &World, action: &str) -> i64 {
    w.count(&format!("SELECT count(*) FROM audit_log WHERE action = '{action}'"))
}

on_both_backends! {
#[test]
fn a_tick_expires_due_sales_completes_refunds_and_records_its_runs() {
    let w = World::new();
    let e = w.ga(20, 10_000);
    let left_alone = w.hold(&e, 2);
    let unpaid = w.booking(&e, 3);
    let cancelled = w.booking(&e, 1);
    w.desk.pay(&cancelled.id, PaymentOutcome::Success, "c", None).unwrap();
    w.desk.cancel(&cancelled.id).unwrap();
    let failed = w.booking(&e, 1);
    w.desk.pay(&failed.id, PaymentOutcome::Failure, "f", None).unwrap();
    let paid = w.booking(&e, 4);
    w.desk.pay(&paid.id, PaymentOutcome::Success, "p", None).unwrap();
    assert_eq!(w.seats(&e), (11, 5, 4));

    let (mut jobs, sink) = jobs(&w);
    w.advance(Duration::minutes(10));
    let report = jobs.tick().unwrap();
    assert_eq!(report.processed(Job::BookingExpiry), 1);
    assert_eq!(report.processed(Job::HoldExpiry), 1);
    assert_eq!(report.processed(Job::RefundCompletion), 2);
    let audit_rows = w.count("SELECT count(*) FROM audit_log") as usize;
    assert_eq!(report.processed(Job::AuditShipping), audit_rows);
    assert!(!report.ran.iter().any(|(j, _)| *j == Job::Pruning), "nothing old enough to prune");

    assert_eq!(w.desk.get_hold(&left_alone.id).unwrap().status, HoldStatus::Expired);
    assert_eq!(w.desk.get_booking(&unpaid.id).unwrap().status, BookingStatus::Expired);
    assert_eq!(w.desk.get_booking(&paid.id).unwrap().status, BookingStatus::Confirmed);
    for b in [&cancelled, &failed] {
        let r = w.desk.refund(&b.id).unwrap().unwrap();
        assert_eq!(r.status, RefundStatus::Processed);
        assert_eq!(r.completed_at, Some(w.desk.now()));
        assert!(r.transaction_id.as_deref().is_some_and(|t| t.starts_with("rfd_")));
    }
    assert_eq!(w.seats(&e), (16, 0, 4));
    assert_eq!(runs(&w, Job::BookingExpiry), vec![("COMPLETED".into(), 1)]);
    assert_eq!(runs(&w, Job::HoldExpiry), vec![("COMPLETED".into(), 1)]);
    assert_eq!(runs(&w, Job::RefundCompletion), vec![("COMPLETED".into(), 2)]);
    assert_eq!(runs(&w, Job::AuditShipping), vec![("COMPLETED".into(), audit_rows as i64)]);
    assert_eq!(w.count("SELECT count(*) FROM job_runs WHERE finished_at IS NULL"), 0);
    assert_eq!(w.count("SELECT count(*) FROM job_leases"), 0, "leases are given back after each run");
    // The sweep's audit rows are the job's, and carry each sale's correlation id.
    let expiry = w.story(&unpaid.correlation_id);
    assert!(expiry.iter().any(|r| r.action == "BOOKING_EXPIRED" && r.actor == "job:tick"));
    assert_eq!(lines(&sink).len(), audit_rows);
    w.assert_verified();
}
}

on_both_backends! {
#[test]
fn an_idle_tick_writes_nothing() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    w.hold(&e, 1);
    let (mut jobs, sink) = jobs(&w);
    w.advance(Duration::minutes(5));
    assert!(!jobs.tick().unwrap().is_idle());
    let shipped = sink.0.lock().unwrap().len();

    let watch = Watch::new(&w);
    let quiet = std::time::Duration::from_millis(300);
    let seen_from_outside = watch.seen(&w, quiet);
    let changes = jobs.desk().db().sqlite().map(|c| c.total_changes());
    let before = w.dump();
    for _ in 0..3 {
        w.advance(Duration::seconds(1));
        let report = jobs.tick().unwrap();
        assert!(report.is_idle(), "{report:?}");
    }
    assert_eq!(watch.seen(&w, quiet), seen_from_outside, "no commit reached the database");
    assert_eq!(jobs.desk().db().sqlite().map(|c| c.total_changes()), changes);
    assert_eq!(before, w.dump());
    assert_eq!(sink.0.lock().unwrap().len(), shipped);

    // The moment there is work again, a tick does it (and is seen from outside).
    w.hold(&e, 1);
    let seen = watch.seen(&w, quiet);
    let report = jobs.tick().unwrap();
    assert_eq!(report.processed(Job::AuditShipping), 1);
    assert_ne!(watch.seen(&w, std::time::Duration::from_secs(1)), seen, "{report:?}");
}
}

on_both_backends! {
#[test]
fn a_lease_held_by_another_process_skips_the_job() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let h = w.hold(&e, 2);
    let (mut jobs, _sink) = jobs(&w);
    w.advance(Duration::minutes(5));
    let until = (w.desk.now() + Duration::seconds(20)).timestamp_millis();
    raw(
        &w,
        "INSERT INTO job_leases (job, owner, expires_at) VALUES ('hold-expiry', 'other:4242', ?1)",
        db_args![until],
    );

    let report = jobs.tick().unwrap();
    assert!(report.ran.contains(&(Job::HoldExpiry, RunOutcome::Skipped)), "{report:?}");
    assert_eq!(w.desk.get_hold(&h.id).unwrap().status, HoldStatus::Active, "no work was done");
    assert_eq!(w.seats(&e), (8, 2, 0));
    assert_eq!(runs(&w, Job::HoldExpiry), vec![("SKIPPED".into(), 0)]);
    assert_eq!(audit_count(&w, "HOLD_EXPIRED"), 0);
    let lease: (String, i64) = w
        .desk
        .db()
        .query_one("SELECT owner, expires_at FROM job_leases", db_args![], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(lease, ("other:4242".into(), until), "the other owner's lease is untouched");

    // Once that lease runs out, its owner is taken for gone: the next tick
    // recovers first (the lease is cleared, what came due is swept).
    w.advance(Duration::seconds(20));
    let report = jobs.tick().unwrap();
    assert_eq!(report.ran.first(), Some(&(Job::Recovery, RunOutcome::Completed(1))), "{report:?}");
    assert_eq!(w.desk.get_hold(&h.id).unwrap().status, HoldStatus::Expired);
    assert_eq!(runs(&w, Job::HoldExpiry), vec![("SKIPPED".into(), 0)]);
    assert_eq!(w.count("SELECT count(*) FROM job_leases"), 0);
    w.assert_verified();
}

#[test]
fn recovery_heals_drift_orphan_labels_and_abandoned_runs() {
    let w = World::new();
    let ga = w.ga(10, 1_000);
    let hall = w.reserved(2, 3, 1_000);
    let kept = w.hold(&ga, 2);
    let released = w.hold_labels(&hall, &["A1", "A2"]);
    w.desk.release(&released.id).unwrap();
    w.hold_labels(&hall, &["B1"]);
    let now = w.desk.now().timestamp_millis();
    // What a crash (or a bug) might leave: a drifted pool, a label still marked
    // live for a released hold, a run whose process died, and one still alive.
    raw(&w, "UPDATE events SET available = available - 3 WHERE id = ?1", db_args![ga.id]);
    raw(&w, "UPDATE hold_seats SET live = 1 WHERE hold_id = ?1 AND label = 'A2'", db_args![released.id]);
    // `just-crashed` died seconds ago (a quick restart): its lease is gone, so
    // it is abandoned even though it is younger than a lease. `live-run`'s
    // owner still holds its lease: another process is running it right now.
    raw(
        &w,
        "INSERT INTO job_runs (id, job, status, owner, started_at) VALUES
           ('dead-run', 'hold-expiry', 'RUNNING', 'crashed:1', ?1),
           ('just-crashed', 'booking-expiry', 'RUNNING', 'crashed:3', ?2),
           ('live-run', 'refund-completion', 'RUNNING', 'busy:2', ?2)",
        db_args![now - 5 * 60_000, now - 5_000],
    );
    raw(
        &w,
        "INSERT INTO job_leases (job, owner, expires_at) VALUES ('refund-completion', 'busy:2', ?1)",
        db_args![now + 25_000],
    );
    let broken = w.desk.verify().unwrap();
    assert_eq!(broken.len(), 2, "{broken:#?}");

    let (mut jobs, _sink) = jobs(&w);
    assert_eq!(jobs.recover().unwrap(), RunOutcome::Completed(4));
    assert_eq!(w.available(&ga), 8);
    assert_eq!(w.count("SELECT count(*) FROM hold_seats WHERE live = 1"), 1);
    let dead: (String, Option<String>) = w
        .desk
        .db()
        .query_one("SELECT status, error FROM job_runs WHERE id = 'dead-run'", db_args![], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(dead.0, "FAILED");
    assert!(dead.1.unwrap().contains("abandoned"));
    assert_eq!(w.count("SELECT count(*) FROM job_runs WHERE id = 'just-crashed' AND status = 'FAILED'"), 1);
    assert_eq!(w.count("SELECT count(*) FROM job_runs WHERE id = 'live-run' AND status = 'RUNNING'"), 1);
    assert_eq!(runs(&w, Job::Recovery), vec![("COMPLETED".into(), 4)]);

    let healed = w.desk.db().query_one(
        "SELECT entity_id, details FROM audit_log WHERE action = 'RECOVERY_HEALED_AVAILABLE'",
        db_args![],
        |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?)),
    );
    let (entity, details) = healed.unwrap();
    assert_eq!(entity, ga.id);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&details).unwrap(), serde_json::json!({"was": 5, "now": 8}));
    let freed: (String, String) = w
        .desk
        .db()
        .query_one("SELECT hold_id, details FROM audit_log WHERE action = 'RECOVERY_FREED_SEAT'", db_args![], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(freed.0, released.id);
    assert!(freed.1.contains("A2"));
    assert_eq!(
        w.count("SELECT count(*) FROM audit_log WHERE action = 'RECOVERY_CLOSED_RUN' AND entity_id = 'dead-run'"),
        1
    );
    assert_eq!(w.count("SELECT count(*) FROM audit_log WHERE action = 'RECOVERY_CLOSED_RUN'"), 2);
    assert_eq!(w.count("SELECT count(*) FROM audit_log WHERE action LIKE 'RECOVERY_%'"), 4);
    w.assert_verified();
    assert_eq!(w.desk.get_hold(&kept.id).unwrap().status, HoldStatus::Active);

    // A second pass finds nothing to fix and audits nothing.
    let audit_rows = w.count("SELECT count(*) FROM audit_log");
    assert_eq!(jobs.recover().unwrap(), RunOutcome::Completed(0));
    assert_eq!(w.count("SELECT count(*) FROM audit_log"), audit_rows);
}

#[test]
fn recovery_also_sweeps_what_came_due_while_down() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let h = w.hold(&e, 2);
    let b = w.booking(&e, 1);
    w.advance(Duration::hours(2));
    let (mut jobs, _sink) = jobs(&w);
    assert_eq!(jobs.recover().unwrap(), RunOutcome::Completed(2));
    assert_eq!(w.desk.get_hold(&h.id).unwrap().status, HoldStatus::Expired);
    assert_eq!(w.desk.get_booking(&b.id).unwrap().status, BookingStatus::Expired);
    assert_eq!(w.seats(&e), (10, 0, 0));
    w.assert_verified();
}
}

on_both_backends! {
#[test]
fn audit_shipping_writes_each_row_once_and_moves_the_cursor() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let b = w.booking(&e, 2);
    w.desk.pay(&b.id, PaymentOutcome::Success, "k", None).unwrap();
    w.desk.pay(&b.id, PaymentOutcome::Success, "k", None).unwrap(); // a retry row too
    let (mut jobs, sink) = jobs(&w);
    assert_eq!(cursor(&w), None);
    let first = w.count("SELECT count(*) FROM audit_log");
    assert_eq!(jobs.ship_backlog().unwrap(), first);

    assert_eq!(jobs.run(Job::AuditShipping).unwrap(), RunOutcome::Completed(first as usize));
    let shipped = lines(&sink);
    let seqs: Vec<i64> = shipped.iter().map(|l| l["seq"].as_i64().expect("seq")).collect();
    assert_eq!(seqs, (1..=first).collect::<Vec<_>>(), "every row, in order, once");
    assert_eq!(cursor(&w), Some(first));
    assert_eq!(jobs.ship_backlog().unwrap(), 0);
    // Lines carry the audit row itself.
    let db_rows = w.all_audit();
    for (line, row) in shipped.iter().zip(&db_rows) {
        assert_eq!(line["id"], row.id);
        assert_eq!(line["action"], row.action);
        assert_eq!(line["correlation_id"].as_str(), row.correlation_id.as_deref());
        assert_eq!(line["is_retry"], row.is_retry);
    }
    assert!(shipped.iter().any(|l| l["action"] == "PAYMENT_RETRY" && l["is_retry"] == true));

    // Nothing new: nothing shipped, and the tick does not even run the job.
    assert_eq!(jobs.run(Job::AuditShipping).unwrap(), RunOutcome::Completed(0));
    assert!(jobs.tick().unwrap().is_idle());
    assert_eq!(lines(&sink).len(), first as usize);

    // New rows: only those are shipped.
    w.desk.cancel(&b.id).unwrap();
    let report = jobs.tick().unwrap();
    // Cancelled + refund initiated, and the refund the same tick completed first.
    assert_eq!(report.processed(Job::RefundCompletion), 1);
    let total = w.count("SELECT count(*) FROM audit_log");
    assert_eq!(total - first, 3);
    assert_eq!(report.processed(Job::AuditShipping), 3);
    let seqs: Vec<i64> = lines(&sink).iter().map(|l| l["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>());
    assert_eq!(cursor(&w), Some(total));

    // A crash between writing and moving the cursor ships those rows again
    // (at least once, never lost); `seq` lets the reader drop the repeats.
    raw(&w, "UPDATE meta SET value = ?1 WHERE key = 'audit_ship_cursor'", db_args![(total - 2).to_string()]);
    assert_eq!(jobs.run(Job::AuditShipping).unwrap(), RunOutcome::Completed(2));
    let seqs: Vec<i64> = lines(&sink).iter().map(|l| l["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs[seqs.len() - 2..], [total - 1, total]);
    assert_eq!(cursor(&w), Some(total));
}
}

on_both_backends! {
#[test]
fn pruning_drops_old_keys_and_runs_but_pay_replays_still_work() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    let h = w.hold_req(&e, SeatPick::Count(1), Some("old-hold")).unwrap();
    let c = w.customer();
    let b = w.desk.book(&h.id, &c.id, Some("old-book")).unwrap().value;
    let paid = w.desk.pay(&b.id, PaymentOutcome::Success, "old-pay", None).unwrap();
    let (mut jobs, _sink) = jobs(&w);
    jobs.tick().unwrap(); // leaves an audit-shipping run behind
    assert_eq!(w.count("SELECT count(*) FROM job_runs"), 1);

    w.advance(Duration::hours(2));
    let young = w.hold_req(&e, SeatPick::Count(1), Some("young-hold")).unwrap();
    // 1 h later: the first run is old, no key is.
    let report = jobs.tick().unwrap();
    assert_eq!(report.processed(Job::Pruning), 1, "{report:?}");
    assert_eq!(w.count("SELECT count(*) FROM idempotency_keys"), 4);

    w.advance(Duration::hours(22) + Duration::minutes(1)); // the first three keys are now over 24 h old
    let report = jobs.tick().unwrap();
    // Three old keys, and the previous tick's two runs (audit shipping, pruning).
    assert_eq!(report.processed(Job::Pruning), 3 + 2, "{report:?}");
    let keys: Vec<String> =
        w.desk.db().query_all("SELECT key FROM idempotency_keys ORDER BY key", db_args![], |r| r.get(0)).unwrap();
    assert_eq!(keys, vec!["young-hold"]);
    let cutoff = (w.desk.now() - Duration::hours(1)).timestamp_millis();
    assert_eq!(w.count(&format!("SELECT count(*) FROM job_runs WHERE started_at < {cutoff}")), 0);
    assert!(w.count("SELECT count(*) FROM job_runs") > 0, "this tick's own runs stay");

    // The payment is still found by its key: a replay, not a second charge.
    let again = w.desk.pay(&b.id, PaymentOutcome::Success, "old-pay", None).unwrap();
    assert!(again.is_retry);
    assert_eq!(again.attempt, paid.attempt);
    assert_eq!(w.count("SELECT count(*) FROM payment_attempts"), 1);
    // And the booking is still the hold's one booking.
    let rebook = w.desk.book(&h.id, &c.id, Some("old-book")).unwrap();
    assert!(rebook.is_retry);
    assert_eq!(rebook.value.id, b.id);
    assert_eq!(w.count("SELECT count(*) FROM bookings"), 1);
    assert_eq!(w.desk.get_hold(&young.id).unwrap().status, HoldStatus::Expired);
    w.assert_verified();
}
}

on_both_backends! {
#[test]
fn pruning_keeps_each_jobs_last_run_so_an_idle_box_goes_quiet() {
    let w = World::new();
    let e = w.ga(10, 1_000);
    w.hold(&e, 2);
    let (mut jobs, _) = jobs(&w);
    w.advance(Duration::minutes(6));
    assert!(!jobs.tick().expect("tick").is_idle(), "the hold expires and the trail ships");
    w.hold(&e, 1);
    w.advance(Duration::minutes(6));
    jobs.tick().expect("a second expiry: two runs of each");
    assert_eq!(runs(&w, Job::HoldExpiry).len(), 2);
    // Hours later: old runs are pruned once, but each job's newest run stays...
    for _ in 0..3 {
        w.advance(Duration::hours(2));
        jobs.tick().expect("tick");
    }
    for job in [Job::HoldExpiry, Job::AuditShipping, Job::Pruning] {
        assert_eq!(runs(&w, job).len(), 1, "{job:?} keeps its last run for the Jobs screen");
    }
    // ...so nothing is ever due again: the tick only reads.
    w.advance(Duration::hours(5));
    assert!(jobs.tick().expect("tick").is_idle());
    assert_eq!(jobs.next_deadline().expect("deadline"), None);
}
}

// The Jobs screen's "next" for hold expiry: the earliest ACTIVE hold without
// a booking awaiting payment (that booking's own deadline decides), whether
// or not there are more such bookings than plain holds, and idle when every
// ACTIVE hold is booked.
on_both_backends! {
#[test]
fn hold_expiry_next_due_skips_holds_whose_booking_awaits_payment() {
    let w = World::new();
    let e = w.ga(50, 10_000);
    let hold_expiry = |w: &World| {
        boxoffice::jobs::job_statuses(&w.desk)
            .unwrap()
            .into_iter()
            .find(|s| s.job == Job::HoldExpiry)
            .expect("hold expiry row")
            .next
    };
    assert_eq!(hold_expiry(&w), NextDue::Idle("no active holds"));
    let booked = w.booking(&e, 1);
    assert_eq!(hold_expiry(&w), NextDue::Idle("no active holds"), "only a booked hold: its booking decides");
    w.advance(Duration::minutes(1));
    let plain = w.hold(&e, 1);
    assert_eq!(hold_expiry(&w), NextDue::At(plain.expires_at), "the booked hold expires first but is skipped");
    // More bookings awaiting payment than plain holds, the plain one still found.
    w.advance(Duration::minutes(1));
    for _ in 0..3 {
        w.booking(&e, 1);
    }
    assert_eq!(hold_expiry(&w), NextDue::At(plain.expires_at));
    w.desk.release(&plain.id).unwrap();
    assert_eq!(hold_expiry(&w), NextDue::Idle("no active holds"), "{booked:?}");
}
}

// A server is backed up with pg_dump, not by the tick: the Jobs screen says so
// rather than pretending (and no runner on PostgreSQL ever takes a file copy).
#[test]
fn the_daily_backup_on_postgres_says_pg_dump_is_its_tool() {
    common::on_postgres(|| {
        let w = World::new();
        let statuses = boxoffice::jobs::job_statuses(&w.desk).unwrap();
        let backup = statuses.iter().find(|s| s.job == Job::Backup).expect("the backup row");
        assert_eq!(backup.next, NextDue::Idle("not here: pg_dump"));
        let why = backup.detail.as_deref().expect("the note under the table");
        assert!(why.contains("pg_dump --format=custom") && why.contains("boxoffice copy"), "{why}");
        let (mut jobs, _) = jobs(&w);
        assert!(!jobs.due(Job::Backup).unwrap());
        assert_eq!(jobs.run(Job::Backup).unwrap(), RunOutcome::Completed(0), "no copy, no file");
    });
}
