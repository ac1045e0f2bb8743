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
//! - the health window of all events: whole minutes from the per-minute
//!   totals `health_minutes`, the partial first and last minute (and the
//!   minutes that straddle an hour of the sales sparkline) from the covering
//!   `holds_by_time` and `payment_attempts_report`;
//! - of one event: holds from `hold_hours` (by `hold_hours_by_event`) plus
//!   the partial first and last hour from `holds_by_time`; attempts by its
//!   bookings (`bookings_by_event_time`, `payment_attempts_by_booking`) or,
//!   if the window has fewer attempts than the event has bookings, by the
//!   window's; retries from the small partial index `audit_retries`.

use crate::clock::{from_millis, to_millis};
use crate::domain::{
    Aggregates, BookingStatus, EventAgg, EventPage, HealthAgg, MAX_HOURS, PaymentOutcome, RefundAgg, ReportFilter,
    ScopeTotals, StatusAgg, window_start,
};
use crate::error::Result;
use crate::store::db::{self, Db, Row};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What the summary and the health of `filter` at `now` are made from, read
/// in one snapshot. With a `page`, over all events and all time, only that
/// page's event rows are read and the totals come from the running totals
/// (`status_totals`, `refund_totals`, one pass over `events` for capacity
/// and currency); otherwise every event row is read (a page of a date range
/// is cut from them by the caller: the totals need them all anyway).
pub fn aggregates(db: &Db, filter: &ReportFilter, now: DateTime<Utc>, page: Option<EventPage>) -> Result<Aggregates> {
    db::read(db, |db| {
        let paged = page.filter(|_| filter.event_id.is_none() && filter.from.is_none() && filter.to.is_none());
        let events = event_aggs(db, filter, paged)?;
        let totals = match paged {
            Some(_) => Some(scope_totals(db)?),
            None => None,
        };
        let health = health_agg(db, filter, now)?;
        Ok(Aggregates { now, events, totals, health })
    })
}

/// Totals over every event, all time, from the running totals.
fn scope_totals(db: &Db) -> Result<ScopeTotals> {
    let (events, capacity, low, high): (i64, i64, Option<String>, Option<String>) =
        db.query_one("SELECT count(*), coalesce(sum(total), 0), min(currency), max(currency) FROM events", &[], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let mut totals = ScopeTotals {
        events: events.max(0) as u64,
        capacity: capacity.max(0) as u64,
        currencies: low.into_iter().chain(high).collect(),
        ..Default::default()
    };
    totals.currencies.dedup();
    db.for_each("SELECT status, sum(count), sum(seats), sum(amount) FROM status_totals GROUP BY status", &[], |r| {
        let status: BookingStatus = r.get(0)?;
        let slot = BookingStatus::DIAGRAM.iter().position(|x| *x == status).unwrap_or(0);
        totals.by_status[slot] = StatusAgg { count: n(r, 1)?, seats: n(r, 2)?, amount: r.get(3)? };
        Ok(())
    })?;
    totals.refunds = db.query_one(
        "SELECT coalesce(sum(refunds), 0), coalesce(sum(\"full\"), 0), coalesce(sum(pending), 0),
                coalesce(sum(fees_kept), 0) FROM refund_totals",
        &[],
        |r| Ok(RefundAgg { refunds: r.get(0)?, full: r.get(1)?, pending: r.get(2)?, fees_kept: r.get(3)? }),
    )?;
    Ok(totals)
}

/// Per-event booking and refund totals for the summary: every event in
/// scope, or one `page` of them (all time only), whose totals are then read
/// event by event.
pub fn event_aggs(db: &Db, f: &ReportFilter, page: Option<EventPage>) -> Result<Vec<EventAgg>> {
    let from = f.from.map_or(i64::MIN, to_millis);
    let to = f.to.map_or(i64::MAX, to_millis);
    let mut events: Vec<EventAgg> = {
        // Only the filter in use goes into the SQL: `?1 IS NULL OR id = ?1` reads every event.
        let sql = match (&f.event_id, page) {
            (Some(_), _) => "SELECT id, name, starts_at, total, currency FROM events WHERE id = ?1",
            // Every event: read in table order and sorted below, cheaper than
            // walking `events_by_start` and fetching each row from there.
            (None, None) => "SELECT id, name, starts_at, total, currency FROM events WHERE ?1 IS NULL",
            (None, Some(_)) => {
                "SELECT id, name, starts_at, total, currency FROM events WHERE ?1 IS NULL
                 ORDER BY starts_at, name, id LIMIT ?2 OFFSET ?3"
            }
        };
        let window = page.unwrap_or(EventPage { offset: 0, rows: usize::MAX });
        let limit = i64::try_from(window.rows).unwrap_or(i64::MAX);
        let offset = i64::try_from(window.offset).unwrap_or(i64::MAX);
        let args = match page {
            Some(_) => db::args![f.event_id, limit, offset],
            None => db::args![f.event_id],
        };
        let mut out = db.query_all(sql, args, |r| {
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
        if page.is_none() {
            // ORDER BY starts_at, name, id: text compares as SQLite's BINARY does.
            out.sort_by(|a, b| (a.starts_at, &a.name, &a.event_id).cmp(&(b.starts_at, &b.name, &b.event_id)));
        }
        out
    };
    let index: HashMap<String, usize> = events.iter().enumerate().map(|(i, e)| (e.event_id.clone(), i)).collect();
    // Which events each read covers: the one asked for, every event, or the page's one by one.
    let scopes: Vec<Option<String>> = match page {
        Some(_) => events.iter().map(|e| Some(e.event_id.clone())).collect(),
        None => vec![f.event_id.clone()],
    };
    let mut add_status = |event_id: Option<&str>, status: BookingStatus, agg: StatusAgg| {
        if let Some(&i) = event_id.and_then(|id| index.get(id)) {
            let slot = BookingStatus::DIAGRAM.iter().position(|x| *x == status).unwrap_or(0);
            let to = &mut events[i].by_status[slot];
            (to.count, to.seats, to.amount) = (to.count + agg.count, to.seats + agg.seats, to.amount + agg.amount);
        }
    };
    let all_time = f.from.is_none() && f.to.is_none();
    let (hours, edges) = if all_time { (None, Vec::new()) } else { split(from, to, HOUR_MS) };
    // All time: the running totals, one row per event and status. A date range:
    // its whole hours from `booking_hours`, its partial first and last hour from
    // `bookings_report`. Both are driven by `booking_totals` (a row for every
    // event and status that ever had a booking) so each is one seek per event
    // and status, read in group order: no sort, no pass over the whole range.
    let mut read = |sql: &str, scope: &Option<String>, a: i64, b: i64| -> Result<()> {
        let sql = in_scope(sql, scope);
        db.for_each(&db.unhinted(&sql), db::args![scope, a, b], |r| {
            add_status(r.text(0), r.get(1)?, StatusAgg { count: n(r, 2)?, seats: n(r, 3)?, amount: r.get(4)? });
            Ok(())
        })
    };
    if all_time {
        for scope in &scopes {
            read(
                "SELECT event_id, status, count, seats, amount FROM booking_totals
                 WHERE (?1 IS NULL OR event_id = ?1) AND ?2 <= ?3 AND count <> 0",
                scope,
                from,
                to,
            )?;
        }
    }
    if let Some((h0, h1)) = hours {
        for scope in &scopes {
            read(
                "SELECT k.event_id, k.status, sum(h.count), sum(h.seats), sum(h.amount)
                 FROM booking_totals k JOIN booking_hours h ON h.event_id = k.event_id AND h.status = k.status
                 WHERE (?1 IS NULL OR k.event_id = ?1) AND h.hour >= ?2 AND h.hour < ?3
                 GROUP BY k.event_id, k.status",
                scope,
                h0,
                h1,
            )?;
        }
    }
    for &(a, b) in &edges {
        for scope in &scopes {
            read(
                "SELECT k.event_id, k.status, count(*), sum(b.seats), sum(b.amount)
                 FROM booking_totals k JOIN bookings b INDEXED BY bookings_report
                      ON b.event_id = k.event_id AND b.status = k.status
                 WHERE (?1 IS NULL OR k.event_id = ?1) AND b.created_at >= ?2 AND b.created_at < ?3
                 GROUP BY k.event_id, k.status",
                scope,
                a,
                b,
            )?;
        }
    }

    // Refunds, by the refunded booking's event and booking time, the same way.
    // Only PAYMENT_FAILED and CANCELLED bookings can have refunds.
    let mut read = |sql: &str, scope: &Option<String>, a: i64, b: i64| -> Result<()> {
        let sql = in_scope(sql, scope);
        db.for_each(&db.unhinted(&sql), db::args![scope, a, b], |r| {
            if let Some(&i) = r.text(0).and_then(|id| index.get(id)) {
                let to = &mut events[i].refunds;
                to.refunds += r.get::<i64>(1)?;
                to.full += r.get::<i64>(2)?;
                to.pending += r.get::<i64>(3)?;
                to.fees_kept += r.get::<i64>(4)?;
            }
            Ok(())
        })
    };
    if all_time {
        for scope in &scopes {
            read(
                "SELECT event_id, refunds, \"full\", pending, fees_kept FROM refund_totals
                 WHERE (?1 IS NULL OR event_id = ?1) AND ?2 <= ?3",
                scope,
                from,
                to,
            )?;
        }
    }
    if let Some((h0, h1)) = hours {
        for scope in &scopes {
            read(
                "SELECT k.event_id, sum(h.refunds), sum(h.\"full\"), sum(h.pending), sum(h.fees_kept)
                 FROM refund_totals k JOIN refund_hours h ON h.event_id = k.event_id
                 WHERE (?1 IS NULL OR k.event_id = ?1) AND h.hour >= ?2 AND h.hour < ?3
                 GROUP BY k.event_id",
                scope,
                h0,
                h1,
            )?;
        }
    }
    for &(a, b) in &edges {
        for scope in &scopes {
            read(
                "SELECT k.event_id, sum(r.amount), sum(iif(r.kind = 'FULL', r.amount, 0)),
                        sum(iif(r.status = 'INITIATED', r.amount, 0)), sum(iif(r.kind = 'PARTIAL', r.fee, 0))
                 FROM booking_totals k JOIN bookings b INDEXED BY bookings_report
                      ON b.event_id = k.event_id AND b.status = k.status
                 JOIN refunds r ON r.booking_id = b.id
                 WHERE (?1 IS NULL OR k.event_id = ?1) AND k.status IN ('PAYMENT_FAILED', 'CANCELLED')
                   AND b.created_at >= ?2 AND b.created_at < ?3
                 GROUP BY k.event_id",
                scope,
                a,
                b,
            )?;
        }
    }
    Ok(events)
}

/// `sql` for one event (`?1` its id) or every event (`?1` NULL): the clause
/// `(?1 IS NULL OR event_id = ?1)` would keep SQLite off the event's index,
/// so only the part in use stays.
fn in_scope(sql: &str, scope: &Option<String>) -> String {
    let (one, all) = match scope {
        Some(_) => ("event_id = ?1", "k.event_id = ?1"),
        None => ("?1 IS NULL", "?1 IS NULL"),
    };
    sql.replace("(?1 IS NULL OR event_id = ?1)", one).replace("(?1 IS NULL OR k.event_id = ?1)", all)
}

/// The health window's counts: `[now − hours, now]`.
pub fn health_agg(db: &Db, f: &ReportFilter, now: DateTime<Utc>) -> Result<HealthAgg> {
    let hours = f.hours.clamp(1, MAX_HOURS);
    let to = to_millis(now);
    let from = to_millis(window_start(now, hours));
    let mut agg = HealthAgg { sales_per_hour: vec![0; hours as usize], ..Default::default() };
    match &f.event_id {
        None => all_events_health(db, from, to, &mut agg)?,
        Some(id) => event_health(db, id, from, to, &mut agg)?,
    }
    agg.retries = db.query_one(
        if f.event_id.is_some() {
            "SELECT count(*) FROM audit_log WHERE at >= ?1 AND at <= ?2 AND is_retry = 1 AND event_id = ?3"
        } else {
            "SELECT count(*) FROM audit_log WHERE at >= ?1 AND at <= ?2 AND is_retry = 1 AND ?3 IS NULL"
        },
        db::args![from, to, f.event_id],
        |r| n(r, 0),
    )?;
    Ok(agg)
}

/// One payment attempt at `at` into the window's counts (`from` is its start).
fn count_attempt(agg: &mut HealthAgg, from: i64, at: i64, outcome: PaymentOutcome) {
    agg.attempts += 1;
    match outcome {
        PaymentOutcome::Success => {
            agg.successes += 1;
            let last = agg.sales_per_hour.len() as i64 - 1;
            agg.sales_per_hour[((at - from) / HOUR_MS).clamp(0, last) as usize] += 1;
        }
        PaymentOutcome::Failure => agg.failures += 1,
        PaymentOutcome::Timeout => agg.timeouts += 1,
    }
}

/// Every event's health: whole minutes of the window from `health_minutes`;
/// its partial first and last minute, and the minutes that straddle an hour
/// of `sales_per_hour`, from the covering indexes `holds_by_time` and
/// `payment_attempts_report`. Some 60 rows a window hour instead of every
/// hold and attempt in it.
fn all_events_health(db: &Db, from: i64, to: i64, agg: &mut HealthAgg) -> Result<()> {
    let hours = agg.sales_per_hour.len() as i64;
    let raw_holds = |a: i64, b: i64, agg: &mut HealthAgg| -> Result<()> {
        let (made, expired) = db.query_one(
            "SELECT count(*), coalesce(sum(CASE WHEN status = 'EXPIRED' THEN 1 ELSE 0 END), 0) FROM holds
             WHERE created_at >= ?1 AND created_at < ?2",
            db::args![a, b],
            |r| Ok((n(r, 0)?, n(r, 1)?)),
        )?;
        (agg.holds_made, agg.holds_expired) = (agg.holds_made + made, agg.holds_expired + expired);
        Ok(())
    };
    // Attempts in [a, b); `only_sales`: the minute's counts are already in, only place its sales.
    let raw_attempts = |a: i64, b: i64, only_sales: bool, agg: &mut HealthAgg| -> Result<()> {
        let sql = "SELECT created_at, outcome FROM payment_attempts INDEXED BY payment_attempts_report
                   WHERE created_at >= ?1 AND created_at < ?2";
        db.for_each(&db.unhinted(sql), db::args![a, b], |r| {
            let (at, outcome): (i64, PaymentOutcome) = (r.get(0)?, r.get(1)?);
            if !only_sales {
                count_attempt(agg, from, at, outcome);
            } else if outcome == PaymentOutcome::Success {
                let last = agg.sales_per_hour.len() as i64 - 1;
                agg.sales_per_hour[((at - from) / HOUR_MS).clamp(0, last) as usize] += 1;
            }
            Ok(())
        })
    };
    let (minutes, edges) = split(from, to.saturating_add(1), MINUTE_MS);
    for &(a, b) in &edges {
        raw_holds(a, b, agg)?;
        raw_attempts(a, b, false, agg)?;
    }
    let Some((m0, m1)) = minutes else { return Ok(()) };
    // The bucket of an instant, as `count_attempt` places it.
    let bucket = |at: i64| ((at - from) / HOUR_MS).clamp(0, hours - 1);
    let mut straddling = Vec::new();
    db.for_each(
        "SELECT minute, sum(holds), sum(expired), sum(attempts), sum(successes), sum(failures), sum(timeouts)
         FROM health_minutes WHERE minute >= ?1 AND minute < ?2 GROUP BY minute",
        db::args![m0, m1],
        |r| {
            let minute: i64 = r.get(0)?;
            agg.holds_made += n(r, 1)?;
            agg.holds_expired += n(r, 2)?;
            agg.attempts += n(r, 3)?;
            let sales = n(r, 4)?;
            agg.successes += sales;
            agg.failures += n(r, 5)?;
            agg.timeouts += n(r, 6)?;
            let (start, end) = (minute * MINUTE_MS, minute * MINUTE_MS + MINUTE_MS - 1);
            if bucket(start) == bucket(end) {
                agg.sales_per_hour[bucket(start) as usize] += sales;
            } else if sales > 0 {
                straddling.push(start);
            }
            Ok(())
        },
    )?;
    for start in straddling {
        raw_attempts(start, start + MINUTE_MS, true, agg)?;
    }
    Ok(())
}

/// One event's health: its holds from `hold_hours` (by `hold_hours_by_event`)
/// and the partial first and last hour from `holds_by_time`; its attempts by
/// its bookings, or, when the window has fewer attempts than the event has
/// bookings, by the window's attempts. Either way the same rows: only the
/// cost differs.
fn event_health(db: &Db, event_id: &str, from: i64, to: i64, agg: &mut HealthAgg) -> Result<()> {
    let (hours_in, edges) = split(from, to.saturating_add(1), HOUR_MS);
    if let Some((h0, h1)) = hours_in {
        let (made, expired) = db.query_one(
            "SELECT coalesce(sum(made), 0), coalesce(sum(expired), 0) FROM hold_hours
             WHERE event_id = ?3 AND hour >= ?1 AND hour < ?2",
            db::args![h0, h1, event_id],
            |r| Ok((n(r, 0)?, n(r, 1)?)),
        )?;
        (agg.holds_made, agg.holds_expired) = (agg.holds_made + made, agg.holds_expired + expired);
    }
    for (a, b) in edges {
        let (made, expired) = db.query_one(
            "SELECT count(*), coalesce(sum(CASE WHEN status = 'EXPIRED' THEN 1 ELSE 0 END), 0) FROM holds
             WHERE created_at >= ?1 AND created_at < ?2 AND event_id = ?3",
            db::args![a, b, event_id],
            |r| Ok((n(r, 0)?, n(r, 1)?)),
        )?;
        (agg.holds_made, agg.holds_expired) = (agg.holds_made + made, agg.holds_expired + expired);
    }
    let bookings: i64 = db.query_one(
        "SELECT coalesce(sum(count), 0) FROM booking_totals WHERE event_id = ?1",
        db::args![event_id],
        |r| r.get(0),
    )?;
    let in_window: i64 = db.query_one(
        &db.unhinted(
            "SELECT count(*) FROM (SELECT 1 FROM payment_attempts INDEXED BY payment_attempts_report
             WHERE created_at >= ?1 AND created_at <= ?2 LIMIT ?3) AS w",
        ),
        db::args![from, to, bookings.saturating_add(1)],
        |r| r.get(0),
    )?;
    let sql = if bookings < in_window {
        "SELECT p.created_at, p.outcome FROM bookings b INDEXED BY bookings_by_event_time
         JOIN payment_attempts p INDEXED BY payment_attempts_by_booking ON p.booking_id = b.id
         WHERE b.event_id = ?3 AND p.created_at >= ?1 AND p.created_at <= ?2"
    } else {
        "SELECT p.created_at, p.outcome FROM payment_attempts p INDEXED BY payment_attempts_report
         WHERE p.created_at >= ?1 AND p.created_at <= ?2
           AND EXISTS (SELECT 1 FROM bookings b WHERE b.id = p.booking_id AND b.event_id = ?3)"
    };
    db.for_each(&db.unhinted(sql), db::args![from, to, event_id], |r| {
        count_attempt(agg, from, r.get(0)?, r.get(1)?);
        Ok(())
    })
}

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;

/// A half-open `[start, end)`, of hours or of milliseconds.
type Span = (i64, i64);

/// `[from, to)` in milliseconds as the whole units (hours or minutes) inside
/// it, `[u0, u1)` with unit = floor(ms / unit_ms) as in `booking_hours` and
/// `health_minutes`, and the partial edges left over (at most two, each under
/// a unit; the whole range if it holds no whole unit).
fn split(from: i64, to: i64, unit_ms: i64) -> (Option<Span>, Vec<Span>) {
    if from >= to {
        return (None, Vec::new());
    }
    let u0 = from.div_euclid(unit_ms) + i64::from(from.rem_euclid(unit_ms) != 0);
    let u1 = to.div_euclid(unit_ms);
    if u0 >= u1 {
        return (None, vec![(from, to)]);
    }
    let (a, b) = (u0 * unit_ms, u1 * unit_ms);
    let edges = [(from, a), (b, to)].into_iter().filter(|(x, y)| x < y).collect();
    (Some((u0, u1)), edges)
}

/// A count or sum column as u64 (never negative here).
fn n(r: &Row<'_>, i: usize) -> Result<u64> {
    Ok(r.get::<i64>(i)?.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_h(from: i64, to: i64) -> (Option<Span>, Vec<Span>) {
        split(from, to, HOUR_MS)
    }

    #[test]
    fn split_covers_the_range_exactly_once() {
        const H: i64 = HOUR_MS;
        assert_eq!(split_h(5, 5), (None, vec![]));
        assert_eq!(split_h(9, 5), (None, vec![]));
        assert_eq!(split_h(5, H), (None, vec![(5, H)]));
        assert_eq!(split_h(0, H), (Some((0, 1)), vec![]));
        assert_eq!(split_h(H + 1, 3 * H - 1), (None, vec![(H + 1, 3 * H - 1)]));
        assert_eq!(split_h(H - 1, 3 * H + 1), (Some((1, 3)), vec![(H - 1, H), (3 * H, 3 * H + 1)]));
        assert_eq!(split_h(-H - 1, 0), (Some((-1, 0)), vec![(-H - 1, -H)]));
        let (hours, edges) = split_h(i64::MIN, i64::MAX);
        let (h0, h1) = hours.expect("whole hours");
        assert_eq!(edges, vec![(i64::MIN, h0 * H), (h1 * H, i64::MAX)]);
        // Every millisecond of a range falls in exactly one part.
        for (from, to) in [(0, 1), (7, 2 * H + 3), (H, 2 * H), (-5 * H + 9, 4 * H - 2)] {
            let (hours, edges) = split(from, to, HOUR_MS);
            for t in (from..to).step_by(997).chain([from, to - 1]) {
                let in_hours = hours.is_some_and(|(a, b)| t.div_euclid(H) >= a && t.div_euclid(H) < b);
                let in_edges = edges.iter().filter(|(a, b)| *a <= t && t < *b).count();
                assert_eq!(usize::from(in_hours) + in_edges, 1, "{t} in [{from}, {to})");
            }
        }
    }
}
