//! The background tick: expiry sweeps, refund completion, audit shipping,
//! pruning and the daily backup, each a job with a lease (so two processes
//! never run one job at once) and a recorded run. An idle tick only reads
//! (the one write of an idle day is its backup and the runs recording it).

use crate::clock::{Clock, SystemClock, to_millis};
use crate::context::Context;
use crate::domain::{AuditAction, AuditEntity, JobRunStatus, Role, Session};
use crate::engine::Desk;
use crate::error::{Error, Result};
use crate::store::audit::{self as audit_sql, NewAudit};
use crate::store::jobs as sql;
use chrono::Duration;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The jobs, in the order a tick runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    BookingExpiry,
    HoldExpiry,
    RefundCompletion,
    AuditShipping,
    Pruning,
    Recovery,
    /// A copy of the file into `backups/`, once a day (venue's day), keeping the last N.
    Backup,
}

impl Job {
    pub const ALL: [Job; 7] = [
        Job::BookingExpiry,
        Job::HoldExpiry,
        Job::RefundCompletion,
        Job::AuditShipping,
        Job::Pruning,
        Job::Recovery,
        Job::Backup,
    ];

    /// The screen's name for it.
    pub fn title(self) -> &'static str {
        match self {
            Job::BookingExpiry => "Booking expiry",
            Job::HoldExpiry => "Hold expiry",
            Job::RefundCompletion => "Refund completion",
            Job::AuditShipping => "Audit shipping",
            Job::Pruning => "Pruning",
            Job::Recovery => "Recovery",
            Job::Backup => "Daily backup",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Job::BookingExpiry => "booking-expiry",
            Job::HoldExpiry => "hold-expiry",
            Job::RefundCompletion => "refund-completion",
            Job::AuditShipping => "audit-shipping",
            Job::Pruning => "pruning",
            Job::Recovery => "recovery",
            Job::Backup => "backup",
        }
    }
}

const LEASE: Duration = Duration::seconds(30);
/// A lease never runs further ahead than LEASE; one dated beyond this was not
/// set by a process on this file's time (a script's clock, say) and is not honoured.
const LEASE_SANE_AHEAD: Duration = Duration::minutes(5);
const IDEMPOTENCY_TTL: Duration = Duration::hours(24);
const JOB_RUN_TTL: Duration = Duration::hours(1);
const CURSOR_KEY: &str = "audit_ship_cursor";
/// A backup that failed is tried again after this, not every second.
const BACKUP_RETRY: Duration = Duration::minutes(10);

/// Where shipped audit rows go: one JSON object per line.
pub trait AuditSink: Send {
    /// Appends `lines` (each without its newline) as one batch, durably: all
    /// of them, or — on error — none, the log left ending in a whole line.
    fn append(&mut self, lines: &[String]) -> std::io::Result<()>;

    /// How many days of log files to keep (the `log_days` setting); a sink
    /// without files ignores it.
    fn keep_days(&mut self, _days: u32) {}
}

/// The JSON-lines audit log in `dir` (see [`DailyLog`]).
pub fn audit_log_sink(dir: &Path) -> Result<Box<dyn AuditSink>> {
    crate::paths::Access::from_env()
        .and_then(|a| a.create_dir(dir))
        .map_err(|e| Error::io(format!("cannot create the audit log folder {}", dir.display()), e))?;
    Ok(Box::new(DailyLog::new(dir)))
}

/// The audit log: `audit.YYYY-MM-DD.jsonl` in its folder, a new file each UTC
/// day of the wall clock (the day a line was written, as a rolling log does).
///
/// Our own few lines rather than tracing-appender's rolling writer, which
/// keeps its file to itself: after a failed write (a full disk) the log must
/// be cut back to its last whole line before anything else is appended, or
/// the next batch is glued to half a line. Each batch opens the day's file,
/// first cuts off a torn last line (a crash or an earlier failure), appends,
/// and syncs before the shipping cursor may move; on error it cuts the file
/// back to where the batch began. Shipping holds the database's write lock
/// meanwhile, so no other process appends at the same time.
///
/// Files are private (see `paths::Access`); once a day the files older
/// than the kept days are removed.
pub struct DailyLog {
    dir: PathBuf,
    clock: Arc<dyn Clock>,
    free: Option<Arc<AtomicU64>>,
    keep_days: u32,
    /// The day old files were last removed on.
    pruned_on: Option<chrono::NaiveDate>,
}

impl DailyLog {
    pub fn new(dir: &Path) -> DailyLog {
        DailyLog {
            dir: dir.to_path_buf(),
            clock: Arc::new(SystemClock),
            free: None,
            keep_days: crate::domain::Settings::default().log_days,
            pruned_on: None,
        }
    }

    /// Names files by this clock's day instead of the wall clock's (tests).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> DailyLog {
        DailyLog { clock, ..self }
    }

    /// Behaves as a disk with only `free` bytes left: a write beyond them
    /// writes what fits, then fails as a full disk does (tests; the counter is
    /// shared, so a test can free space again).
    pub fn with_free_space(self, free: Arc<AtomicU64>) -> DailyLog {
        DailyLog { free: Some(free), ..self }
    }

    /// Today's file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(format!("audit.{}.jsonl", self.clock.now().format("%Y-%m-%d")))
    }

    /// Removes `audit.YYYY-MM-DD.jsonl` files dated before the kept days
    /// (today counts as one). Returns how many went.
    pub fn prune(&self) -> std::io::Result<usize> {
        let today = self.clock.now().date_naive();
        let oldest = today - chrono::Days::new(u64::from(self.keep_days.max(1)) - 1);
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(day) = name
                .to_str()
                .and_then(|n| n.strip_prefix("audit.")?.strip_suffix(".jsonl"))
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            else {
                continue;
            };
            if day < oldest {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    fn write(&self, file: &mut std::fs::File, bytes: &[u8]) -> std::io::Result<()> {
        let Some(free) = &self.free else { return file.write_all(bytes) };
        let fits = usize::try_from(free.load(Ordering::Relaxed)).unwrap_or(usize::MAX).min(bytes.len());
        file.write_all(&bytes[..fits])?;
        free.fetch_sub(fits as u64, Ordering::Relaxed);
        if fits < bytes.len() {
            return Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device"));
        }
        Ok(())
    }
}

/// The length of `file` up to and including its last newline (0 if it has none).
fn whole_lines_len(file: &mut std::fs::File, len: u64) -> std::io::Result<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut end = len;
    let mut buf = [0u8; 4096];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

impl AuditSink for DailyLog {
    fn keep_days(&mut self, days: u32) {
        if days != self.keep_days {
            self.keep_days = days;
            self.pruned_on = None;
        }
    }

    fn append(&mut self, lines: &[String]) -> std::io::Result<()> {
        let access = crate::paths::Access::from_env()?;
        access.create_dir(&self.dir)?;
        let today = self.clock.now().date_naive();
        if self.pruned_on != Some(today) {
            // Old days go first; a failure to remove one must not stop shipping.
            if let Err(e) = self.prune() {
                tracing::warn!(error = %e, "cannot remove old audit log files");
            }
            self.pruned_on = Some(today);
        }
        let mut file = access.open_append(&self.path())?;
        let len = file.metadata()?.len();
        let whole = whole_lines_len(&mut file, len)?;
        if whole < len {
            file.set_len(whole)?;
        }
        let mut batch = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for line in lines {
            batch.push_str(line);
            batch.push('\n');
        }
        let written = self.write(&mut file, batch.as_bytes()).and_then(|()| file.sync_data());
        if written.is_err() {
            // Best effort: if even this fails, the next batch cuts the torn line first.
            let _ = file.set_len(whole);
        }
        written
    }
}

/// A sink that keeps lines in memory (scripts, tests).
#[derive(Clone, Default)]
pub struct MemorySink(pub Arc<Mutex<Vec<String>>>);

impl AuditSink for MemorySink {
    fn append(&mut self, lines: &[String]) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(lines);
        Ok(())
    }
}

/// What one tick did, job by job (jobs with nothing due are absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    pub ran: Vec<(Job, RunOutcome)>,
}

impl TickReport {
    pub fn processed(&self, job: Job) -> usize {
        self.ran
            .iter()
            .filter(|(j, _)| *j == job)
            .map(|(_, o)| if let RunOutcome::Completed(n) = o { *n } else { 0 })
            .sum()
    }
    pub fn is_idle(&self) -> bool {
        self.ran.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    Completed(usize),
    /// Another process held the lease.
    Skipped,
    Failed(String),
}

/// Runs the jobs on its own connection.
pub struct Jobs {
    desk: Desk,
    /// `actor@host:pid`: who holds a lease, and whether that process still lives.
    owner: String,
    sink: Box<dyn AuditSink>,
    /// Set for a process whose clock is not the file's real time (a script on
    /// a shared file): it sweeps only the sales this actor made, never takes
    /// a lease, records no runs, never prunes and never recovers.
    own_rows_of: Option<String>,
    /// Where the daily backup goes (None: this process takes none).
    backups: Option<PathBuf>,
}

impl Jobs {
    pub fn new(desk: Desk, sink: Box<dyn AuditSink>) -> Self {
        let owner = format!("{}@{}:{}", desk.actor(), host(), std::process::id());
        Jobs { desk, owner, sink, own_rows_of: None, backups: None }
    }

    /// Takes the daily backup into `dir` (the app's tick: `backups/` beside
    /// the file). Other job runners (scripts, tests, the Jobs screen's keys) take none.
    pub fn back_up_daily_into(&mut self, dir: PathBuf) {
        self.backups = Some(dir);
    }

    /// Confines these jobs to the sales `actor` made: for a process whose
    /// clock is its own (a script on a shared file). Leases, job runs and
    /// pruning are about the file's real time, so it leaves them alone; its
    /// audit rows still ship to the file's log like anyone's.
    pub fn only_rows_made_by(&mut self, actor: &str) {
        self.own_rows_of = Some(actor.to_string());
    }

    pub fn desk(&self) -> &Desk {
        &self.desk
    }

    /// One tick: recovery first if a process died holding a lease, then every
    /// sweep that has work due.
    pub fn tick(&mut self) -> Result<TickReport> {
        let mut report = TickReport::default();
        for job in std::iter::once(Job::Recovery).chain(SWEEPS).chain([Job::Backup]) {
            if self.due(job)? {
                // One job's trouble (say the lock stayed busy) must not stop the others.
                let outcome = self.run(job).unwrap_or_else(|e| RunOutcome::Failed(e.to_string()));
                report.ran.push((job, outcome));
            }
        }
        Ok(report)
    }

    /// Runs one job now, whether or not it looks due (the jobs screen's keys).
    pub fn run(&mut self, job: Job) -> Result<RunOutcome> {
        if self.own_rows_of.is_some() {
            // No lease and no recorded run: those are the file's real time's.
            if matches!(job, Job::Pruning | Job::Recovery | Job::Backup) {
                return Ok(RunOutcome::Skipped);
            }
            return Ok(match self.work(job) {
                Ok(n) => RunOutcome::Completed(n),
                Err(e) => RunOutcome::Failed(e.to_string()),
            });
        }
        let run_id = self.desk.ctx().new_id();
        let owner = self.owner.clone();
        let got = self.desk.write_raw(|conn, actor, now| {
            let ms = to_millis(now);
            let held = sql::leases(conn)?.into_iter().find(|(j, _, _)| j == job.name());
            let free = match &held {
                None => true,
                Some((_, by, until)) => by == &owner || lease_abandoned(by, *until, now),
            };
            if !free {
                sql::start_run(conn, &run_id, job.name(), &owner, JobRunStatus::Skipped, ms)?;
                return Ok(false);
            }
            // Taking over from a process that died: its run ends here, not at the next start-up.
            if let Some((_, by, _)) = held.filter(|(_, by, _)| by != &owner) {
                let runs = sql::running_runs(conn, job.name(), &by)?;
                close_abandoned(conn, &self.desk, actor, &runs, &owner, now)?;
            }
            sql::set_lease(conn, job.name(), &owner, to_millis(now + LEASE))?;
            sql::start_run(conn, &run_id, job.name(), &owner, JobRunStatus::Running, ms)?;
            Ok(true)
        })?;
        if !got {
            return Ok(RunOutcome::Skipped);
        }
        let result = self.work(job);
        let (status, processed, error) = match &result {
            Ok(n) => (JobRunStatus::Completed, *n as i64, None),
            Err(e) => (JobRunStatus::Failed, 0, Some(e.to_string())),
        };
        self.desk.write_raw(|conn, _, now| {
            sql::finish_run(conn, &run_id, status, processed, error.as_deref(), to_millis(now))?;
            sql::release_lease(conn, job.name(), &owner)
        })?;
        Ok(match result {
            Ok(n) => RunOutcome::Completed(n),
            Err(e) => {
                tracing::warn!(job = job.name(), error = %e, "job failed");
                RunOutcome::Failed(e.to_string())
            }
        })
    }

    /// Whether `job` has anything to do — reads only.
    pub fn due(&self, job: Job) -> Result<bool> {
        let conn = self.desk.db();
        let now = self.desk.now();
        let mine = self.own_rows_of.as_deref();
        Ok(match job {
            Job::BookingExpiry => self.desk.bookings_due_made_by(mine)?,
            Job::HoldExpiry => self.desk.holds_due_made_by(mine)?,
            Job::RefundCompletion => self.desk.refunds_due_made_by(mine)?,
            Job::AuditShipping => audit_sql::max_seq(conn)? > self.cursor()?,
            Job::Pruning if mine.is_some() => false,
            Job::Pruning => {
                sql::count_old_idempotency(conn, to_millis(now - IDEMPOTENCY_TTL))? > 0
                    || sql::count_old_runs(conn, to_millis(now - JOB_RUN_TTL))? > 0
            }
            Job::Backup => match (&self.backups, mine) {
                (Some(dir), None) => self.backup_due(dir)?,
                _ => false,
            },
            // A lease left by a process that died (or dated absurdly far ahead).
            Job::Recovery => {
                mine.is_none()
                    && sql::leases(conn)?
                        .iter()
                        .any(|(_, by, until)| *by != self.owner && lease_abandoned(by, *until, now))
            }
        })
    }

    /// The earliest instant after now at which a job will have work due
    /// (a deadline, or a record coming of pruning age); None if nothing waits.
    /// Work due now (refunds, unshipped audit rows) is the current tick's.
    pub fn next_deadline(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let now = to_millis(self.desk.now());
        let ms = sql::next_deadline(
            self.desk.db(),
            now,
            IDEMPOTENCY_TTL.num_milliseconds(),
            JOB_RUN_TTL.num_milliseconds(),
            self.own_rows_of.as_deref(),
            self.own_rows_of.is_none(),
        )?;
        Ok(ms.map(crate::clock::from_millis))
    }

    fn work(&mut self, job: Job) -> Result<usize> {
        let mine = self.own_rows_of.as_deref();
        match job {
            Job::BookingExpiry => self.desk.expire_bookings_made_by(mine),
            Job::HoldExpiry => self.desk.expire_holds_made_by(mine),
            Job::RefundCompletion => self.desk.process_refunds_made_by(mine),
            Job::AuditShipping => self.ship_audit(),
            Job::Pruning => self.prune(),
            Job::Recovery => self.recover_inner(),
            Job::Backup => self.back_up(),
        }
    }

    /// Today's backup (the venue's day) is missing, backups are on, and the
    /// last attempt did not fail within the last few minutes. Reads only.
    fn backup_due(&self, dir: &Path) -> Result<bool> {
        let policy = self.desk.policy()?;
        if policy.backups_kept == 0 || daily_backup_path(dir, &self.desk, &policy).exists() {
            return Ok(false);
        }
        let failed_lately = sql::last_run(self.desk.db(), Job::Backup.name())?
            .is_some_and(|r| r.status == JobRunStatus::Failed && r.started_at > self.desk.now() - BACKUP_RETRY);
        Ok(!failed_lately)
    }

    /// Writes today's backup (a checked copy; see `store::backup`), then
    /// removes the oldest beyond `backups_kept`. A copy that does not verify
    /// is kept but fails the run, so the Jobs screen shows why.
    fn back_up(&mut self) -> Result<usize> {
        let Some(dir) = self.backups.clone() else { return Ok(0) };
        let policy = self.desk.policy()?;
        crate::paths::Access::from_env()
            .and_then(|a| a.create_dir(&dir))
            .map_err(|e| Error::io(format!("cannot create the backup folder {}", dir.display()), e))?;
        let path = daily_backup_path(&dir, &self.desk, &policy);
        let partial = crate::store::sibling(&path, &format!(".partial-{}", std::process::id()));
        let _ = std::fs::remove_file(&partial);
        let checked = match self.desk.backup_to(&partial) {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        std::fs::rename(&partial, &path)
            .map_err(|e| Error::io(format!("cannot name the backup {}", path.display()), e))?;
        crate::store::backup::sync_dir(&path);
        let removed = prune_backups(&dir, policy.backups_kept as usize)?;
        tracing::info!(path = %path.display(), figures = %checked.figures, removed, "daily backup written");
        if !checked.problems.is_empty() {
            return Err(Error::Storage(format!(
                "{} was written but does not verify: {}",
                path.display(),
                checked.problems.join("; ")
            )));
        }
        Ok(1)
    }

    /// The start-up recovery pass, recorded as a run of the recovery job.
    pub fn recover(&mut self) -> Result<RunOutcome> {
        self.run(Job::Recovery)
    }

    fn recover_inner(&mut self) -> Result<usize> {
        let owner = self.owner.clone();
        let closed = self.desk.write_raw(|conn, actor, now| {
            // Leases of processes that died go first, so their runs show as abandoned.
            for (job, by, until) in sql::leases(conn)? {
                if by != owner && lease_abandoned(&by, until, now) {
                    sql::release_lease(conn, &job, &by)?;
                }
            }
            // A RUNNING run older than a lease, or whose lease is gone, belongs
            // to a process that died.
            let stale = sql::stale_runs(conn, to_millis(now - LEASE), to_millis(now))?;
            close_abandoned(conn, &self.desk, actor, &stale, &owner, now)?;
            Ok(stale.len())
        })?;
        let healed = self.desk.recover()?;
        let swept = self.desk.expire_due()?;
        Ok(closed + healed + swept.holds + swept.bookings)
    }

    fn cursor(&self) -> Result<i64> {
        cursor_of(self.desk.db())
    }

    /// Audit rows in the log file but not yet shipped (for the audit screen).
    pub fn ship_backlog(&self) -> Result<i64> {
        Ok(audit_sql::max_seq(self.desk.db())? - self.cursor()?)
    }

    /// Writes audit rows after the cursor to the sink, then moves the cursor,
    /// batch by batch, each inside one write transaction: shippers in every
    /// process take turns on the database's lock, so each line is written
    /// once, and a failed write moves nothing. A crash after the sink synced
    /// but before the commit ships that batch again on restart: at least
    /// once, never lost; each line carries its `seq` to drop the repeat.
    fn ship_audit(&mut self) -> Result<usize> {
        let mut shipped = 0;
        self.sink.keep_days(self.desk.policy()?.log_days);
        loop {
            let sink = &mut self.sink;
            let n = self.desk.write_raw(|conn, _, _| {
                let cursor = cursor_of(conn)?;
                let rows = audit_sql::after(conn, cursor, 1000)?;
                let Some(last) = rows.last().map(|r| r.seq) else { return Ok(0) };
                let lines = rows
                    .iter()
                    .map(serde_json::to_string)
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| Error::Storage(e.to_string()))?;
                sink.append(&lines).map_err(|e| Error::io("cannot write the audit log", e))?;
                audit_sql::meta_set(conn, CURSOR_KEY, &last.to_string())?;
                Ok(rows.len())
            })?;
            if n == 0 {
                return Ok(shipped);
            }
            shipped += n;
        }
    }

    fn prune(&mut self) -> Result<usize> {
        self.desk.write_raw(|conn, _, now| {
            let keys = sql::prune_idempotency(conn, to_millis(now - IDEMPOTENCY_TTL))?;
            let runs = sql::prune_runs(conn, to_millis(now - JOB_RUN_TTL))?;
            Ok(keys + runs)
        })
    }
}

/// When a job will next have work, for the jobs screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextDue {
    /// Work is waiting: the next tick (about a second) runs it.
    Now,
    /// The earliest deadline it waits for.
    At(chrono::DateTime<chrono::Utc>),
    /// Nothing waiting; says what would make it due.
    Idle(&'static str),
}

/// One job's line on the jobs screen.
#[derive(Debug, Clone, PartialEq)]
pub struct JobStatus {
    pub job: Job,
    /// The newest run that was not skipped (runs are kept for an hour).
    pub last: Option<crate::domain::JobRun>,
    /// Runs skipped in the last hour because another process held the lease.
    pub skipped: i64,
    pub next: NextDue,
    /// What its last run left, in words (the daily backup: the newest file and its size).
    pub detail: Option<String>,
}

/// Every job's status, read from `desk`'s connection (no lease, no writes).
pub fn job_statuses(desk: &Desk) -> Result<Vec<JobStatus>> {
    let conn = desk.db();
    let now = desk.now();
    let since = to_millis(now - JOB_RUN_TTL);
    let (hold_at, booking_at, refunds, oldest_key, oldest_run) = sql::deadlines(conn)?;
    let backlog = ship_backlog_of(desk)?;
    let at = |ms: Option<i64>, idle: &'static str| match ms {
        Some(ms) if ms <= to_millis(now) => NextDue::Now,
        Some(ms) => NextDue::At(crate::clock::from_millis(ms)),
        None => NextDue::Idle(idle),
    };
    Job::ALL
        .iter()
        .map(|&job| {
            let next = match job {
                Job::HoldExpiry => at(hold_at, "no active holds"),
                Job::BookingExpiry => at(booking_at, "no booking awaits payment"),
                Job::RefundCompletion if refunds > 0 => NextDue::Now,
                Job::RefundCompletion => NextDue::Idle("no refund waiting"),
                Job::AuditShipping if backlog > 0 => NextDue::Now,
                Job::AuditShipping => NextDue::Idle("log up to date"),
                Job::Pruning => {
                    let key = oldest_key.map(|ms| ms + IDEMPOTENCY_TTL.num_milliseconds());
                    let run = oldest_run.map(|ms| ms + JOB_RUN_TTL.num_milliseconds());
                    at(key.into_iter().chain(run).min(), "nothing to prune")
                }
                Job::Recovery => NextDue::Idle("at start-up, or when a process dies mid-job"),
                Job::Backup => backup_next(desk)?,
            };
            let detail = match job {
                Job::Backup if desk.db().pg().is_some() => Some(PG_BACKUP.to_string()),
                Job::Backup => last_backup(desk)
                    .map(|(path, bytes)| format!("last backup {} ({} KiB)", path.display(), bytes.div_ceil(1024))),
                _ => None,
            };
            Ok(JobStatus {
                job,
                last: sql::last_run(conn, job.name())?,
                skipped: sql::skipped_since(conn, job.name(), since)?,
                next,
                detail,
            })
        })
        .collect()
}

/// `boxoffice-YYYY-MM-DD.db` for today in the venue's zone.
fn daily_backup_path(dir: &Path, desk: &Desk, policy: &crate::domain::Settings) -> PathBuf {
    let day = desk.now().with_timezone(&policy.time_zone).date_naive();
    dir.join(format!("boxoffice-{}.db", day.format("%Y-%m-%d")))
}

/// The daily backups in `dir`, newest first: (path, bytes).
pub fn backups_in(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut found: Vec<(PathBuf, u64)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| {
                    e.file_name().to_str().is_some_and(|n| {
                        n.strip_prefix("boxoffice-")
                            .and_then(|d| d.strip_suffix(".db"))
                            .is_some_and(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
                    })
                })
                .map(|e| (e.path(), e.metadata().map(|m| m.len()).unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found
}

/// Removes the daily backups beyond the newest `keep`; returns how many.
fn prune_backups(dir: &Path, keep: usize) -> Result<usize> {
    let mut removed = 0;
    for (path, _) in backups_in(dir).into_iter().skip(keep) {
        std::fs::remove_file(&path).map_err(|e| Error::io(format!("cannot remove {}", path.display()), e))?;
        removed += 1;
    }
    Ok(removed)
}

/// The Jobs screen's daily backup on PostgreSQL: not this app's to take
/// (its "next due", and the note under the table saying why).
pub const PG_BACKUP_NEXT: &str = "not here: pg_dump";
pub const PG_BACKUP: &str = "not taken by boxoffice on a PostgreSQL server: back it up with `pg_dump \
     --format=custom`, or copy it to a file with `boxoffice copy --from URL --to FILE` (docs/POSTGRES.md)";

/// When the daily backup is next due, as the Jobs screen shows it.
fn backup_next(desk: &Desk) -> Result<NextDue> {
    if desk.db().pg().is_some() {
        return Ok(NextDue::Idle(PG_BACKUP_NEXT));
    }
    let Some(db) = desk.db().sqlite().and_then(|c| c.path()).filter(|p| !p.is_empty()).map(PathBuf::from) else {
        return Ok(NextDue::Idle("none: the database is in memory"));
    };
    let policy = desk.policy()?;
    if policy.backups_kept == 0 {
        return Ok(NextDue::Idle("off (backups_kept is 0)"));
    }
    if !daily_backup_path(&crate::paths::backup_dir_for(&db), desk, &policy).exists() {
        return Ok(NextDue::Now);
    }
    let tomorrow = desk.now().with_timezone(&policy.time_zone).date_naive() + chrono::Days::new(1);
    Ok(NextDue::At(crate::domain::settings::start_of_day(tomorrow, policy.time_zone)))
}

/// The newest daily backup beside the database `desk` is on, if any: for the Jobs screen.
pub fn last_backup(desk: &Desk) -> Option<(PathBuf, u64)> {
    let db = desk.db().sqlite().and_then(|c| c.path()).filter(|p| !p.is_empty()).map(PathBuf::from)?;
    backups_in(&crate::paths::backup_dir_for(&db)).into_iter().next()
}

/// Audit rows not yet shipped to the JSON log, read from any connection.
pub fn ship_backlog_of(desk: &Desk) -> Result<i64> {
    let conn = desk.db();
    Ok((audit_sql::max_seq(conn)? - cursor_of(conn)?).max(0))
}

/// Ends runs whose process died: FAILED, each with an audit row.
fn close_abandoned(
    conn: &crate::store::db::Db,
    desk: &Desk,
    actor: audit_sql::Actor<'_>,
    runs: &[crate::domain::JobRun],
    by: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    for run in runs {
        sql::finish_run(
            conn,
            &run.id,
            JobRunStatus::Failed,
            run.processed,
            Some("abandoned: its process stopped"),
            to_millis(now),
        )?;
        audit_sql::insert(
            conn,
            &desk.ctx().new_id(),
            to_millis(now),
            actor,
            &NewAudit {
                details: Some(json!({"job": run.job, "owner": run.owner, "by": by})),
                ..NewAudit::new(AuditAction::RecoveryClosedRun, AuditEntity::JobRun, &run.id)
            },
        )?;
    }
    Ok(())
}

/// Whether a lease held by `owner` until `until_ms` binds no one: it ran out,
/// it is dated beyond any lease this file's time could have set, or its owner
/// is a process on this host that is gone.
fn lease_abandoned(owner: &str, until_ms: i64, now: chrono::DateTime<chrono::Utc>) -> bool {
    until_ms <= to_millis(now) || until_ms > to_millis(now + LEASE_SANE_AHEAD) || owner_gone(owner)
}

/// An owner is `actor@host:pid`; gone when the host is this one and no
/// process has that pid. (A pid reused since only delays the take-over until
/// the lease runs out.) Owners in another form, or on another host, are
/// judged by their lease's expiry alone.
fn owner_gone(owner: &str) -> bool {
    let Some((rest, pid)) = owner.rsplit_once(':') else { return false };
    let Some((_, on)) = rest.rsplit_once('@') else { return false };
    let Ok(pid) = pid.parse::<i32>() else { return false };
    if on != host() || pid <= 0 {
        return false;
    }
    // Signal 0 checks that the process exists without touching it.
    matches!(nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None), Err(nix::errno::Errno::ESRCH))
}

/// This machine's name, for lease owners.
fn host() -> String {
    nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "localhost".into())
}

/// The last `seq` shipped to the audit log.
fn cursor_of(conn: &crate::store::db::Db) -> Result<i64> {
    Ok(audit_sql::meta_get(conn, CURSOR_KEY)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// The sweeps a tick runs, run now regardless of what looks due (the jobs
/// screen's key): each job and what it did.
pub const SWEEPS: [Job; 5] =
    [Job::BookingExpiry, Job::HoldExpiry, Job::RefundCompletion, Job::AuditShipping, Job::Pruning];

impl Jobs {
    pub fn run_sweeps(&mut self) -> Result<Vec<(Job, RunOutcome)>> {
        SWEEPS.iter().map(|&j| self.run(j).map(|o| (j, o))).collect()
    }

    /// Runs `work` as jobs run by hand at `by`'s request (the Jobs screen's
    /// keys): supervisors only, a clerk's attempt refused and audited. The
    /// runs' audit rows name the supervisor; the lease stays this runner's.
    pub fn by_hand<T>(&mut self, by: &Session, work: impl FnOnce(&mut Jobs) -> Result<T>) -> Result<T> {
        self.desk.act_as(Some(by.clone()));
        let done = self.desk.permit(Role::Supervisor, "run jobs by hand").and_then(|_| work(self));
        self.desk.act_as(None);
        done
    }
}

/// What the status bar shows of the tick thread.
#[derive(Debug, Default)]
pub struct Heartbeat {
    /// Clock time of the last finished tick, unix ms (0 = none yet).
    pub last_tick_ms: AtomicI64,
    pub ticks: AtomicU64,
    pub last_error: Mutex<Option<String>>,
    /// Jobs whose last run failed, with why: a tick that runs is not a tick
    /// that works (audit shipping on a full disk fails every second).
    pub failing: Mutex<Vec<(Job, String)>>,
    pub stopped: AtomicBool,
}

impl Heartbeat {
    pub fn error(&self) -> Option<String> {
        self.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Records what a tick's jobs did: a failure stays until that job next completes.
    pub fn note(&self, ran: &[(Job, RunOutcome)]) {
        let mut failing = self.failing.lock().unwrap_or_else(|p| p.into_inner());
        for (job, outcome) in ran {
            match outcome {
                RunOutcome::Completed(_) => failing.retain(|(j, _)| j != job),
                RunOutcome::Failed(why) => match failing.iter_mut().find(|(j, _)| j == job) {
                    Some(entry) => entry.1.clone_from(why),
                    None => failing.push((*job, why.clone())),
                },
                RunOutcome::Skipped => {}
            }
        }
    }

    /// The first failing job, as "Audit shipping: why".
    pub fn failing_job(&self) -> Option<String> {
        let failing = self.failing.lock().unwrap_or_else(|p| p.into_inner());
        failing.first().map(|(job, why)| format!("{}: {why}", job.title()))
    }
}

/// The tick thread's name (the app's panic hook tells its panics apart by it).
pub const TICK_THREAD: &str = "boxoffice-tick";

/// Handle of a running tick thread; stops it on drop.
pub struct TickThread {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
    pub heartbeat: Arc<Heartbeat>,
}

impl TickThread {
    /// Opens its own connection to `db` (a file or a PostgreSQL URL) and ticks about once a second: recovery
    /// first, then the sweeps. `on_change` is called after a tick that did work.
    pub fn spawn(
        db: PathBuf,
        ctx: Context,
        sink: Box<dyn AuditSink>,
        on_change: impl Fn() + Send + 'static,
    ) -> Result<TickThread> {
        let desk = Desk::open_target(&db, ctx, "job:tick")?;
        let mut jobs = Jobs::new(desk, sink);
        // A file's daily copy; a server is backed up by its own tools (`backup_next` says so).
        if jobs.desk.db().sqlite().is_some() {
            jobs.back_up_daily_into(crate::paths::backup_dir_for(&db));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let heartbeat = Arc::new(Heartbeat::default());
        let (stop2, beat) = (stop.clone(), heartbeat.clone());
        let handle = std::thread::Builder::new()
            .name(TICK_THREAD.into())
            .spawn(move || {
                // Stopping (the app quits) ends a wait for the write lock too.
                let _stop_waiting = crate::store::stop_waiting_when(stop2.clone());
                let clock = jobs.desk().ctx().clock.clone();
                let record = |r: Result<bool>| match r {
                    Ok(worked) => {
                        *beat.last_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
                        beat.last_tick_ms.store(to_millis(clock.now()), Ordering::Relaxed);
                        beat.ticks.fetch_add(1, Ordering::Relaxed);
                        if worked {
                            on_change();
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "tick failed");
                        *beat.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                    }
                };
                // A panic must not take the clerk's terminal with it: it stops
                // the thread, and the status bar shows "tick STOPPED" with why.
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let r = jobs.recover().map(|o| {
                        beat.note(&[(Job::Recovery, o.clone())]);
                        matches!(o, RunOutcome::Completed(n) if n > 0)
                    });
                    record(r);
                    while !stop2.load(Ordering::Relaxed) {
                        std::thread::sleep(std::time::Duration::from_millis(250));
                        let now = clock.now().timestamp_millis();
                        if now - beat.last_tick_ms.load(Ordering::Relaxed) < 1000 {
                            continue;
                        }
                        let r = jobs.tick().map(|report| {
                            beat.note(&report.ran);
                            !report.is_idle()
                        });
                        record(r);
                    }
                }));
                if let Err(panic) = run {
                    let why = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    tracing::error!(%why, "the tick thread panicked");
                    *beat.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(format!("panicked: {why}"));
                }
                beat.stopped.store(true, Ordering::Relaxed);
            })
            .map_err(|e| Error::io("cannot start the tick thread", e))?;
        Ok(TickThread { stop, handle: Some(handle), heartbeat })
    }
}

impl Drop for TickThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
