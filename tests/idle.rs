//! An idle box writes nothing: once the first sweep after the last sale has
//! run, days of clock moving on commit not one row (counted as rows changed,
//! not as time).

mod common;
use boxoffice::Desk;
use boxoffice::SeatPick;
use boxoffice::jobs::{Jobs, MemorySink};
use chrono::Duration;
use common::World;

/// Moves the clock `d` forward the way a script's `advance` does: a tick at
/// every second that has work due, jumping between deadlines. Returns how
/// many ticks did any work.
fn advance(w: &World, jobs: &mut Jobs, d: Duration) -> usize {
    let end = w.desk.now() + d;
    let mut busy = 0;
    while w.desk.now() < end {
        let next = jobs.next_deadline().expect("deadline").filter(|n| *n <= end).unwrap_or(end);
        w.clock.set(next.max(w.desk.now() + Duration::seconds(1)).min(end));
        if !jobs.tick().expect("tick").is_idle() {
            busy += 1;
        }
    }
    busy
}

#[test]
fn pruning_never_makes_work_for_itself_so_ten_idle_days_write_nothing() {
    let w = World::new();
    let e = w.ga(50, 1_000);
    let jobs_desk = Desk::open(&w.path(), w.desk.ctx().clone(), "job:tick").expect("jobs desk");
    let mut jobs = Jobs::new(jobs_desk, Box::new(MemorySink::default()));
    // A morning's sales spread over an hour: idempotency keys and job runs of
    // several ages, so pruning comes due more than once within an hour.
    for (i, minutes) in [0, 20, 40, 55].into_iter().enumerate() {
        w.clock.set(common::t0() + Duration::minutes(minutes));
        w.hold_req(&e, SeatPick::Count(1), Some(&format!("key-{i}"))).expect("hold");
        jobs.tick().expect("tick");
        w.advance(Duration::minutes(6));
        jobs.tick().expect("the hold expires");
    }
    // The first day: expiry, shipping and pruning of what the morning left.
    assert!(advance(&w, &mut jobs, Duration::days(2)) > 0, "the morning's keys and runs are pruned");
    let writes = jobs.desk().conn().total_changes();
    let seen = w.desk.data_version().expect("data_version");

    let busy = advance(&w, &mut jobs, Duration::days(10));
    assert_eq!(jobs.desk().conn().total_changes(), writes, "rows written in 10 idle days");
    assert_eq!(busy, 0, "ticks that did work in 10 idle days");
    assert_eq!(w.desk.data_version().expect("data_version"), seen, "no commit reached the file");
    assert_eq!(jobs.next_deadline().expect("deadline"), None, "nothing will ever be due");
}
