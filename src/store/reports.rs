//! SQL for reports: a handful of aggregate queries read in one snapshot. No
//! query per booking or per event, and no sort of the rows in scope.
//!
//! - all time (no date range): the running totals `booking_totals` and
//!   `refund_totals` that triggers keep — one row per event and status;
//! - a date range: its whole hours from the hourly running totals
//!   `booking_hours` and `refund_hours`, its partial first and last hour from
//!   the covering index `bookings_report` (refunds joined only for
//!   PAYMENT_FAILED and CANCELLED bookings there) — so a week costs about as
//!   little as an hour;
//! - the health window: holds from the hourly totals `hold_hours` plus the
//!   partial first and last hour from `holds_by_time`; attempts by
//!   `payment_attempts_report` (covering, one pass in time order), or for one
//!   event with fewer bookings than the window has attempts, by its bookings
//!   (`payment_attempts_by_booking`); retries by `audit_by_time`.

use crate::clock::{from_millis, to_millis};
use crate::domain::{
    Aggregates, BookingStatus, EventAgg, HealthAgg, MAX_HOURS, PaymentOutcome, RefundAgg, ReportFilter, StatusAgg,
    window_start,
};
use crate::error::Result;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, Transaction, TransactionBehavior, params};
use std::collections::HashMap;

/// What the summary and the health of `filter` at `now` are made from, read
/// in one snapshot.
pub fn aggregates(conn: &Connection, filter: &ReportFilter, now: DateTime<Utc>) -> Result<Aggregates> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Deferred)?;
    let events = event_aggs(&tx, filter)?;
    let health = health_agg(&tx, filter, now)?;
    tx.finish()?;
    Ok(Aggregates { now, events, health })
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

    let mut add_status = |event_id: String, status: BookingStatus, agg: StatusAgg| {
        if let Some(&i) = index.get(&event_id) {
            let slot = BookingStatus::DIAGRAM.iter().position(|x| *x == status).unwrap_or(0);
            let to = &mut events[i].by_status[slot];
            (to.count, to.seats, to.amount) = (to.count + agg.count, to.seats + agg.seats, to.amount + agg.amount);
        }
    };
    let all_time = f.from.is_none() && f.to.is_none();
    let (hours, edges) = if all_time { (None, Vec::new()) } else { split_hours(from, to) };
    // All time: the running totals, one row per event and status. A date range:
    // its whole hours from `booking_hours`, its partial first and last hour from
    // `bookings_report`. Both are driven by `booking_totals` (a row for every
    // event and status that ever had a booking) so each is one seek per event
    // and status, read in group order: no sort, no pass over the whole range.
    let mut read = |sql: &str, a: i64, b: i64| -> Result<()> {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params![f.event_id, a, b])?;
        while let Some(r) = rows.next()? {
            add_status(r.get(0)?, r.get(1)?, StatusAgg { count: n(r, 2)?, seats: n(r, 3)?, amount: r.get(4)? });
        }
        Ok(())
    };
    if all_time {
        read(
            "SELECT event_id, status, count, seats, amount FROM booking_totals
             WHERE (?1 IS NULL OR event_id = ?1) AND ?2 <= ?3 AND count <> 0",
            from,
            to,
        )?;
    }
    if let Some((h0, h1)) = hours {
        read(
            "SELECT k.event_id, k.status, sum(h.count), sum(h.seats), sum(h.amount)
             FROM booking_totals k JOIN booking_hours h ON h.event_id = k.event_id AND h.status = k.status
             WHERE (?1 IS NULL OR k.event_id = ?1) AND h.hour >= ?2 AND h.hour < ?3
             GROUP BY k.event_id, k.status",
            h0,
            h1,
        )?;
    }
    for &(a, b) in &edges {
        read(
            "SELECT k.event_id, k.status, count(*), sum(b.seats), sum(b.amount)
             FROM booking_totals k JOIN bookings b INDEXED BY bookings_report
                  ON b.event_id = k.event_id AND b.status = k.status
             WHERE (?1 IS NULL OR k.event_id = ?1) AND b.created_at >= ?2 AND b.created_at < ?3
             GROUP BY k.event_id, k.status",
            a,
            b,
        )?;
    }

    // Refunds, by the refunded booking's event and booking time, the same way.
    // Only PAYMENT_FAILED and CANCELLED bookings can have refunds.
    let mut read = |sql: &str, a: i64, b: i64| -> Result<()> {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params![f.event_id, a, b])?;
        while let Some(r) = rows.next()? {
            let event_id: String = r.get(0)?;
            if let Some(&i) = index.get(&event_id) {
                let to = &mut events[i].refunds;
                to.refunds += r.get::<_, i64>(1)?;
                to.full += r.get::<_, i64>(2)?;
                to.pending += r.get::<_, i64>(3)?;
                to.fees_kept += r.get::<_, i64>(4)?;
            }
        }
        Ok(())
    };
    if all_time {
        read(
            "SELECT event_id, refunds, full, pending, fees_kept FROM refund_totals
             WHERE (?1 IS NULL OR event_id = ?1) AND ?2 <= ?3",
            from,
            to,
        )?;
    }
    if let Some((h0, h1)) = hours {
        read(
            "SELECT k.event_id, sum(h.refunds), sum(h.full), sum(h.pending), sum(h.fees_kept)
             FROM refund_totals k JOIN refund_hours h ON h.event_id = k.event_id
             WHERE (?1 IS NULL OR k.event_id = ?1) AND h.hour >= ?2 AND h.hour < ?3
             GROUP BY k.event_id",
            h0,
            h1,
        )?;
    }
    for &(a, b) in &edges {
        read(
            "SELECT k.event_id, sum(r.amount), sum(iif(r.kind = 'FULL', r.amount, 0)),
                    sum(iif(r.status = 'INITIATED', r.amount, 0)), sum(iif(r.kind = 'PARTIAL', r.fee, 0))
             FROM booking_totals k JOIN bookings b INDEXED BY bookings_report
                  ON b.event_id = k.event_id AND b.status = k.status
             JOIN refunds r ON r.booking_id = b.id
             WHERE (?1 IS NULL OR k.event_id = ?1) AND k.status IN ('PAYMENT_FAILED', 'CANCELLED')
               AND b.created_at >= ?2 AND b.created_at < ?3
             GROUP BY k.event_id",
            a,
            b,
        )?;
    }
    Ok(events)
}

/// The health window's counts: `[now − hours, now]`.
pub fn health_agg(conn: &Connection, f: &ReportFilter, now: DateTime<Utc>) -> Result<HealthAgg> {
    let hours = f.hours.clamp(1, MAX_HOURS);
    let to = to_millis(now);
    let from = to_millis(window_start(now, hours));
    let mut agg = HealthAgg { sales_per_hour: vec![0; hours as usize], ..Default::default() };

    // Holds in `[from, to]`: whole hours from `hold_hours`, the partial first
    // and last hour from the covering `holds_by_time`.
    let (hours_in, edges) = split_hours(from, to.saturating_add(1));
    if let Some((h0, h1)) = hours_in {
        let (made, expired) = conn
            .prepare_cached(
                "SELECT coalesce(sum(made), 0), coalesce(sum(expired), 0) FROM hold_hours
                 WHERE hour >= ?1 AND hour < ?2 AND (?3 IS NULL OR event_id = ?3)",
            )?
            .query_row(params![h0, h1, f.event_id], |r| Ok((n(r, 0)?, n(r, 1)?)))?;
        (agg.holds_made, agg.holds_expired) = (agg.holds_made + made, agg.holds_expired + expired);
    }
    for (a, b) in edges {
        let (made, expired) = conn
            .prepare_cached(
                "SELECT count(*), coalesce(sum(status = 'EXPIRED'), 0) FROM holds
                 WHERE created_at >= ?1 AND created_at < ?2 AND (?3 IS NULL OR event_id = ?3)",
            )?
            .query_row(params![a, b, f.event_id], |r| Ok((n(r, 0)?, n(r, 1)?)))?;
        (agg.holds_made, agg.holds_expired) = (agg.holds_made + made, agg.holds_expired + expired);
    }

    // Attempts are counted here, in any order: grouping by (outcome, hour) in
    // SQL would sort every attempt in the window. All events: one pass over the
    // covering index in time order. One event: the same pass would look up the
    // booking of every attempt in the window (tens of thousands on a big file)
    // to keep a few, so when the event has fewer bookings than the window has
    // attempts, its attempts are read by its bookings instead. Either way the
    // same rows: only the cost differs.
    let by_event = match &f.event_id {
        None => false,
        Some(id) => {
            let bookings: i64 = conn
                .prepare_cached("SELECT coalesce(sum(count), 0) FROM booking_totals WHERE event_id = ?1")?
                .query_row(params![id], |r| r.get(0))?;
            let in_window: i64 = conn
                .prepare_cached(
                    "SELECT count(*) FROM (SELECT 1 FROM payment_attempts INDEXED BY payment_attempts_report
                     WHERE created_at >= ?1 AND created_at <= ?2 LIMIT ?3)",
                )?
                .query_row(params![from, to, bookings.saturating_add(1)], |r| r.get(0))?;
            bookings < in_window
        }
    };
    let mut stmt = if by_event {
        conn.prepare_cached(
            "SELECT p.created_at, p.outcome FROM bookings b INDEXED BY bookings_by_event_status
             JOIN payment_attempts p INDEXED BY payment_attempts_by_booking ON p.booking_id = b.id
             WHERE b.event_id = ?3 AND p.created_at >= ?1 AND p.created_at <= ?2",
        )?
    } else {
        conn.prepare_cached(
            "SELECT p.created_at, p.outcome FROM payment_attempts p INDEXED BY payment_attempts_report
             WHERE p.created_at >= ?1 AND p.created_at <= ?2
               AND (?3 IS NULL OR EXISTS (SELECT 1 FROM bookings b WHERE b.id = p.booking_id AND b.event_id = ?3))",
        )?
    };
    let mut rows = stmt.query(params![from, to, f.event_id])?;
    let last = agg.sales_per_hour.len() as i64 - 1;
    while let Some(r) = rows.next()? {
        let at: i64 = r.get(0)?;
        agg.attempts += 1;
        match r.get(1)? {
            PaymentOutcome::Success => {
                agg.successes += 1;
                agg.sales_per_hour[((at - from) / HOUR_MS).clamp(0, last) as usize] += 1;
            }
            PaymentOutcome::Failure => agg.failures += 1,
            PaymentOutcome::Timeout => agg.timeouts += 1,
        }
    }
    drop(rows);

    agg.retries = conn
        .prepare_cached(
            "SELECT count(*) FROM audit_log
             WHERE at >= ?1 AND at <= ?2 AND is_retry = 1 AND (?3 IS NULL OR event_id = ?3)",
        )?
        .query_row(params![from, to, f.event_id], |r| n(r, 0))?;
    Ok(agg)
}

const HOUR_MS: i64 = 3_600_000;

/// A half-open `[start, end)`, of hours or of milliseconds.
type Span = (i64, i64);

/// `[from, to)` in milliseconds as the whole hours inside it, `[h0, h1)` with
/// hour = floor(ms / HOUR_MS) as in `booking_hours`, and the partial edges
/// left over (at most two, each under an hour; the whole range if it holds no
/// whole hour).
fn split_hours(from: i64, to: i64) -> (Option<Span>, Vec<Span>) {
    if from >= to {
        return (None, Vec::new());
    }
    let h0 = from.div_euclid(HOUR_MS) + i64::from(from.rem_euclid(HOUR_MS) != 0);
    let h1 = to.div_euclid(HOUR_MS);
    if h0 >= h1 {
        return (None, vec![(from, to)]);
    }
    let (a, b) = (h0 * HOUR_MS, h1 * HOUR_MS);
    let edges = [(from, a), (b, to)].into_iter().filter(|(x, y)| x < y).collect();
    (Some((h0, h1)), edges)
}

/// A count or sum column as u64 (never negative here).
fn n(r: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    Ok(r.get::<_, i64>(i)?.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_hours_covers_the_range_exactly_once() {
        const H: i64 = HOUR_MS;
        assert_eq!(split_hours(5, 5), (None, vec![]));
        assert_eq!(split_hours(9, 5), (None, vec![]));
        assert_eq!(split_hours(5, H), (None, vec![(5, H)]));
        assert_eq!(split_hours(0, H), (Some((0, 1)), vec![]));
        assert_eq!(split_hours(H + 1, 3 * H - 1), (None, vec![(H + 1, 3 * H - 1)]));
        assert_eq!(split_hours(H - 1, 3 * H + 1), (Some((1, 3)), vec![(H - 1, H), (3 * H, 3 * H + 1)]));
        assert_eq!(split_hours(-H - 1, 0), (Some((-1, 0)), vec![(-H - 1, -H)]));
        let (hours, edges) = split_hours(i64::MIN, i64::MAX);
        let (h0, h1) = hours.expect("whole hours");
        assert_eq!(edges, vec![(i64::MIN, h0 * H), (h1 * H, i64::MAX)]);
        // Every millisecond of a range falls in exactly one part.
        for (from, to) in [(0, 1), (7, 2 * H + 3), (H, 2 * H), (-5 * H + 9, 4 * H - 2)] {
            let (hours, edges) = split_hours(from, to);
            for t in (from..to).step_by(997).chain([from, to - 1]) {
                let in_hours = hours.is_some_and(|(a, b)| t.div_euclid(H) >= a && t.div_euclid(H) < b);
                let in_edges = edges.iter().filter(|(a, b)| *a <= t && t < *b).count();
                assert_eq!(usize::from(in_hours) + in_edges, 1, "{t} in [{from}, {to})");
            }
        }
    }
}
