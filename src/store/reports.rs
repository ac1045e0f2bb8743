//! SQL for reports: a handful of aggregate queries, each one pass over an
//! index, read in one snapshot. No query per booking or per event.
//!
//! - all time (no date range): the running totals `booking_totals` and
//!   `refund_totals` that triggers keep — one row per event and status;
//! - a date range: one pass over a covering index (`bookings_report` when one
//!   event is asked for, else `bookings_report_by_time`), so the booking rows
//!   themselves are never read; refunds are joined only for PAYMENT_FAILED and
//!   CANCELLED bookings in range;
//! - the health window: holds by `holds_by_time`, attempts by
//!   `payment_attempts_report` (both covering), retries by `audit_by_time`.

use crate::clock::{from_millis, to_millis};
use crate::domain::BookingStatus;
use crate::error::Result;
use crate::report::{self, EventAgg, HealthAgg, RefundAgg, Report, ReportFilter, StatusAgg};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, Transaction, TransactionBehavior, params};
use std::collections::HashMap;

/// The summary and the health of `filter`, at `now`, from one read snapshot.
pub fn report(conn: &Connection, filter: &ReportFilter, now: DateTime<Utc>) -> Result<Report> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Deferred)?;
    let summary = report::summarize(filter, event_aggs(&tx, filter)?);
    let health = report::assess(filter, now, health_agg(&tx, filter, now)?);
    tx.finish()?;
    Ok(Report { summary, health })
}

/// Per-event booking and refund totals for the summary.
pub fn event_aggs(conn: &Connection, f: &ReportFilter) -> Result<Vec<EventAgg>> {
    let from = f.from.map_or(i64::MIN, to_millis);
    let to = f.to.map_or(i64::MAX, to_millis);
    let mut events: Vec<EventAgg> = {
        let mut stmt = conn.prepare_cached(
            "SELECT id, name, starts_at, total, currency FROM events WHERE ?1 IS NULL OR id = ?1
             ORDER BY starts_at, name, id",
        )?;
        let rows = stmt.query_map(params![f.event_id], |r| {
            Ok(EventAgg {
                event_id: r.get(0)?,
                name: r.get(1)?,
                starts_at: from_millis(r.get(2)?),
                capacity: n(r, 3)?,
                currency: r.get(4)?,
                by_status: Default::default(),
                refunds: RefundAgg::default(),
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let index: HashMap<String, usize> = events.iter().enumerate().map(|(i, e)| (e.event_id.clone(), i)).collect();

    let mut put_status = |event_id: String, status: String, agg: StatusAgg| {
        if let (Some(&i), Some(s)) = (index.get(&event_id), BookingStatus::parse(&status)) {
            let slot = BookingStatus::DIAGRAM.iter().position(|x| *x == s).unwrap_or(0);
            events[i].by_status[slot] = agg;
        }
    };
    let all_time = f.from.is_none() && f.to.is_none();
    // All time: the running totals (one row per event and status). A date range:
    // one pass over the covering index that starts with what narrows most.
    let bookings_sql = match (all_time, f.event_id.is_some()) {
        (true, _) => {
            "SELECT event_id, status, count, seats, amount FROM booking_totals
             WHERE (?1 IS NULL OR event_id = ?1) AND ?2 <= ?3 AND count <> 0"
        }
        (false, true) => {
            "SELECT event_id, status, count(*), coalesce(sum(seats), 0), coalesce(sum(amount), 0)
             FROM bookings INDEXED BY bookings_report
             WHERE event_id = ?1 AND created_at >= ?2 AND created_at < ?3 GROUP BY event_id, status"
        }
        (false, false) => {
            "SELECT event_id, status, count(*), coalesce(sum(seats), 0), coalesce(sum(amount), 0)
             FROM bookings INDEXED BY bookings_report_by_time
             WHERE ?1 IS NULL AND created_at >= ?2 AND created_at < ?3 GROUP BY event_id, status"
        }
    };
    let mut stmt = conn.prepare_cached(bookings_sql)?;
    let mut rows = stmt.query(params![f.event_id, from, to])?;
    while let Some(r) = rows.next()? {
        put_status(r.get(0)?, r.get(1)?, StatusAgg { count: n(r, 2)?, seats: n(r, 3)?, amount: r.get(4)? });
    }
    drop(rows);

    // Only PAYMENT_FAILED and CANCELLED bookings can have refunds.
    let refunds_sql = match (all_time, f.event_id.is_some()) {
        (true, _) => {
            "SELECT event_id, refunds, full, pending, fees_kept FROM refund_totals
             WHERE (?1 IS NULL OR event_id = ?1) AND ?2 <= ?3"
        }
        (false, true) => {
            "SELECT b.event_id, sum(r.amount), sum(iif(r.kind = 'FULL', r.amount, 0)),
                    sum(iif(r.status = 'INITIATED', r.amount, 0)), sum(iif(r.kind = 'PARTIAL', r.fee, 0))
             FROM bookings b INDEXED BY bookings_report JOIN refunds r ON r.booking_id = b.id
             WHERE b.event_id = ?1 AND b.status IN ('PAYMENT_FAILED', 'CANCELLED')
               AND b.created_at >= ?2 AND b.created_at < ?3
             GROUP BY b.event_id"
        }
        (false, false) => {
            "SELECT b.event_id, sum(r.amount), sum(iif(r.kind = 'FULL', r.amount, 0)),
                    sum(iif(r.status = 'INITIATED', r.amount, 0)), sum(iif(r.kind = 'PARTIAL', r.fee, 0))
             FROM bookings b INDEXED BY bookings_report_by_time JOIN refunds r ON r.booking_id = b.id
             WHERE ?1 IS NULL AND b.created_at >= ?2 AND b.created_at < ?3
               AND b.status IN ('PAYMENT_FAILED', 'CANCELLED')
             GROUP BY b.event_id"
        }
    };
    let mut stmt = conn.prepare_cached(refunds_sql)?;
    let mut rows = stmt.query(params![f.event_id, from, to])?;
    while let Some(r) = rows.next()? {
        let event_id: String = r.get(0)?;
        if let Some(&i) = index.get(&event_id) {
            events[i].refunds =
                RefundAgg { refunds: r.get(1)?, full: r.get(2)?, pending: r.get(3)?, fees_kept: r.get(4)? };
        }
    }
    Ok(events)
}

/// The health window's counts: `[now − hours, now]`.
pub fn health_agg(conn: &Connection, f: &ReportFilter, now: DateTime<Utc>) -> Result<HealthAgg> {
    let hours = f.hours.clamp(1, report::MAX_HOURS);
    let to = to_millis(now);
    let from = to_millis(report::window_start(now, hours));
    let mut agg = HealthAgg { sales_per_hour: vec![0; hours as usize], ..Default::default() };

    (agg.holds_made, agg.holds_expired) = conn
        .prepare_cached(
            "SELECT count(*), coalesce(sum(status = 'EXPIRED'), 0) FROM holds
             WHERE created_at >= ?1 AND created_at <= ?2 AND (?3 IS NULL OR event_id = ?3)",
        )?
        .query_row(params![from, to, f.event_id], |r| Ok((n(r, 0)?, n(r, 1)?)))?;

    let mut stmt = conn.prepare_cached(
        "SELECT p.outcome, (p.created_at - ?1) / 3600000, count(*) FROM payment_attempts p INDEXED BY payment_attempts_report
         WHERE p.created_at >= ?1 AND p.created_at <= ?2
           AND (?3 IS NULL OR EXISTS (SELECT 1 FROM bookings b WHERE b.id = p.booking_id AND b.event_id = ?3))
         GROUP BY 1, 2",
    )?;
    let mut rows = stmt.query(params![from, to, f.event_id])?;
    while let Some(r) = rows.next()? {
        let outcome: String = r.get(0)?;
        let bucket: i64 = r.get(1)?;
        let count = n(r, 2)?;
        agg.attempts += count;
        match outcome.as_str() {
            "SUCCESS" => {
                agg.successes += count;
                let last = agg.sales_per_hour.len() as i64 - 1;
                agg.sales_per_hour[bucket.clamp(0, last) as usize] += count;
            }
            "FAILURE" => agg.failures += count,
            _ => agg.timeouts += count,
        }
    }

    agg.retries = conn
        .prepare_cached(
            "SELECT count(*) FROM audit_log
             WHERE at >= ?1 AND at <= ?2 AND is_retry = 1 AND (?3 IS NULL OR event_id = ?3)",
        )?
        .query_row(params![from, to, f.event_id], |r| n(r, 0))?;
    Ok(agg)
}

/// A count or sum column as u64 (never negative here).
fn n(r: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    Ok(r.get::<_, i64>(i)?.max(0) as u64)
}
