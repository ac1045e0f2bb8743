//! SQL for background job bookkeeping: leases, runs, pruning.

use crate::clock::from_millis;
use crate::domain::{JobRun, JobRunStatus};
use crate::error::Result;
use crate::store::db::{self, Db, Row};

/// Every lease: (job, owner, expires_at).
pub fn leases(db: &Db) -> Result<Vec<(String, String, i64)>> {
    db.query_all("SELECT job, owner, expires_at FROM job_leases", db::args![], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
}

/// Gives the lease on `job` to `owner` until `until_ms`, whoever had it (the
/// caller decided, inside the same transaction, that it was free).
pub fn set_lease(db: &Db, job: &str, owner: &str, until_ms: i64) -> Result<()> {
    db.execute(
        "INSERT INTO job_leases (job, owner, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (job) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at",
        db::args![job, owner, until_ms],
    )?;
    Ok(())
}

/// The RUNNING runs of `job` that `owner` started.
pub fn running_runs(db: &Db, job: &str, owner: &str) -> Result<Vec<JobRun>> {
    let sql = format!("SELECT {RUN_COLS} FROM job_runs WHERE job = ?1 AND owner = ?2 AND status = 'RUNNING'");
    db.query_all(&sql, db::args![job, owner], run_row)
}

pub fn release_lease(db: &Db, job: &str, owner: &str) -> Result<()> {
    db.execute("DELETE FROM job_leases WHERE job = ?1 AND owner = ?2", db::args![job, owner])?;
    Ok(())
}

/// Records a run starting (RUNNING) or, for any other status, one that
/// finished as it started (a SKIPPED run never runs).
pub fn start_run(db: &Db, id: &str, job: &str, owner: &str, status: JobRunStatus, now_ms: i64) -> Result<()> {
    let finished = (status != JobRunStatus::Running).then_some(now_ms);
    db.execute(
        "INSERT INTO job_runs (id, job, status, owner, started_at, finished_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        db::args![id, job, status, owner, now_ms, finished],
    )?;
    Ok(())
}

pub fn finish_run(
    db: &Db,
    id: &str,
    status: JobRunStatus,
    processed: i64,
    error: Option<&str>,
    now_ms: i64,
) -> Result<()> {
    db.execute(
        "UPDATE job_runs SET status = ?2, processed = ?3, error = ?4, finished_at = ?5 WHERE id = ?1",
        db::args![id, status, processed, error, now_ms],
    )?;
    Ok(())
}

fn run_row(r: &Row<'_>) -> Result<JobRun> {
    Ok(JobRun {
        id: r.get(0)?,
        job: r.get(1)?,
        status: r.get(2)?,
        owner: r.get(3)?,
        started_at: from_millis(r.get(4)?),
        finished_at: r.get::<Option<i64>>(5)?.map(from_millis),
        processed: r.get(6)?,
        error: r.get(7)?,
    })
}

const RUN_COLS: &str = "id, job, status, owner, started_at, finished_at, processed, error";

/// RUNNING runs left behind by a process that died: started before
/// `before_ms`, or whose owner no longer holds an unexpired lease on the job.
/// (A live run always holds its lease, so a run without one is abandoned even
/// if it is young: recovery runs once at start-up, and a crash followed by a
/// quick restart would otherwise leave the run RUNNING for ever.)
pub fn stale_runs(db: &Db, before_ms: i64, now_ms: i64) -> Result<Vec<JobRun>> {
    let sql = format!(
        "SELECT {RUN_COLS} FROM job_runs r WHERE status = 'RUNNING'
         AND (started_at < ?1 OR NOT EXISTS (SELECT 1 FROM job_leases l
                                             WHERE l.job = r.job AND l.owner = r.owner AND l.expires_at > ?2))"
    );
    db.query_all(&sql, db::args![before_ms, now_ms], run_row)
}

/// The newest runs of a job.
pub fn recent_runs(db: &Db, job: &str, limit: usize) -> Result<Vec<JobRun>> {
    let sql = format!("SELECT {RUN_COLS} FROM job_runs WHERE job = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2");
    db.query_all(&sql, db::args![job, limit as i64], run_row)
}

/// How many runs of `job` ended SKIPPED since `since_ms`.
pub fn skipped_since(db: &Db, job: &str, since_ms: i64) -> Result<i64> {
    db.query_one(
        "SELECT count(*) FROM job_runs WHERE job = ?1 AND status = 'SKIPPED' AND started_at >= ?2",
        db::args![job, since_ms],
        |r| r.get(0),
    )
}

pub fn count_old_idempotency(db: &Db, before_ms: i64) -> Result<i64> {
    db.query_one("SELECT count(*) FROM idempotency_keys WHERE created_at < ?1", db::args![before_ms], |r| r.get(0))
}

pub fn prune_idempotency(db: &Db, before_ms: i64) -> Result<usize> {
    db.execute("DELETE FROM idempotency_keys WHERE created_at < ?1", db::args![before_ms])
}

/// Finished runs older than the cut-off, except each job's newest run: the
/// Jobs screen keeps its "last run".
const PRUNABLE_RUN: &str = "r.started_at < ?1 AND r.status <> 'RUNNING'
    AND r.id <> (SELECT n.id FROM job_runs n WHERE n.job = r.job ORDER BY n.started_at DESC, n.id DESC LIMIT 1)";

/// The runs that make pruning due: prunable runs of the other jobs. Pruning's
/// own old runs go when it runs for something else, but never make it due —
/// else each run would make the one before it due an hour later, for ever.
const PRUNING_DUE: &str = "r.job <> 'pruning' AND r.status <> 'RUNNING'
    AND r.id <> (SELECT n.id FROM job_runs n WHERE n.job = r.job ORDER BY n.started_at DESC, n.id DESC LIMIT 1)";

pub fn count_old_runs(db: &Db, before_ms: i64) -> Result<i64> {
    db.query_one(
        &format!("SELECT count(*) FROM job_runs r WHERE r.started_at < ?1 AND {PRUNING_DUE}"),
        db::args![before_ms],
        |r| r.get(0),
    )
}

pub fn prune_runs(db: &Db, before_ms: i64) -> Result<usize> {
    db.execute(&format!("DELETE FROM job_runs AS r WHERE {PRUNABLE_RUN}"), db::args![before_ms])
}

/// The newest run of a job that actually ran (not SKIPPED), if any is kept.
pub fn last_run(db: &Db, job: &str) -> Result<Option<JobRun>> {
    let sql = format!(
        "SELECT {RUN_COLS} FROM job_runs WHERE job = ?1 AND status <> 'SKIPPED' ORDER BY started_at DESC, id DESC LIMIT 1"
    );
    db.query_opt(&sql, db::args![job], run_row)
}

/// When each sweep next has work, read in one statement (unix ms; None = nothing waiting):
/// (earliest ACTIVE hold deadline without a pending booking, earliest pending booking
/// deadline, INITIATED refunds, oldest idempotency key, oldest run that makes pruning due).
pub type Deadlines = (Option<i64>, Option<i64>, i64, Option<i64>, Option<i64>);

/// The hold deadline walks the ACTIVE holds in deadline order and stops at the
/// first without a booking awaiting payment, a lookup per hold skipped. Every
/// such booking keeps its hold ACTIVE (one booking per hold), so when there are
/// no more ACTIVE holds than pending bookings none is left to find, and two
/// counts of partial index entries answer instead of the walk: a file with
/// 10,000 bookings awaiting payment took 10–50 ms here, the counts under 1 ms.
pub fn deadlines(db: &Db) -> Result<Deadlines> {
    db.query_one(
        &format!(
            "SELECT (SELECT expires_at FROM holds h WHERE status = 'ACTIVE'
                       AND (SELECT count(*) FROM holds WHERE status = 'ACTIVE')
                           > (SELECT count(*) FROM bookings WHERE status = 'PAYMENT_PENDING')
                       AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.hold_id = h.id AND b.status = 'PAYMENT_PENDING')
                       ORDER BY expires_at LIMIT 1),
                    (SELECT min(payment_expires_at) FROM bookings WHERE status = 'PAYMENT_PENDING'),
                    (SELECT count(*) FROM refunds WHERE status = 'INITIATED'),
                    (SELECT min(created_at) FROM idempotency_keys),
                    (SELECT min(started_at) FROM job_runs r WHERE {PRUNING_DUE})",
        ),
        db::args![],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
}

/// The earliest deadline after `now_ms`: a hold or payment window closing, or
/// (with `pruning`) the oldest idempotency record or finished job run
/// reaching pruning age. With `made_by`, only that actor's holds and bookings.
pub fn next_deadline(
    db: &Db,
    now_ms: i64,
    idempotency_ttl_ms: i64,
    run_ttl_ms: i64,
    made_by: Option<&str>,
    pruning: bool,
) -> Result<Option<i64>> {
    db.query_one(&format!(
            "SELECT min(t) FROM (
                 SELECT min(expires_at) AS t FROM holds WHERE status = 'ACTIVE' AND expires_at > ?1
                     AND (?4 IS NULL OR actor = ?4)
                 UNION ALL SELECT min(payment_expires_at) FROM bookings
                     WHERE status = 'PAYMENT_PENDING' AND payment_expires_at > ?1
                     AND (?4 IS NULL OR EXISTS (SELECT 1 FROM holds h WHERE h.id = bookings.hold_id AND h.actor = ?4))
                 UNION ALL SELECT min(created_at) + ?2 FROM idempotency_keys WHERE ?5 AND created_at > ?1 - ?2
                 UNION ALL SELECT min(started_at) + ?3 FROM job_runs r WHERE ?5 AND started_at > ?1 - ?3 AND {PRUNING_DUE}
             ) AS due",
        ), db::args![now_ms, idempotency_ttl_ms, run_ttl_ms, made_by, pruning], |r| r.get(0))
}
