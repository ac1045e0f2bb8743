//! Reports: the booking summary and the health metrics, as plain data, and the
//! pure arithmetic that turns the engine's aggregates (typed in
//! `domain::aggregates`, read by `store::reports`) into shares, rates and an
//! overall GREEN / AMBER / RED. Only [`Desk::report`] touches the desk: the
//! rest does no I/O and never reads the clock.
//!
//! ## Definitions
//!
//! - **Bookings in scope**: bookings whose `created_at` (booking time) is in
//!   `[from, to)`, of one event or all. Shares are `count ÷ bookings`.
//! - **Seats sold**: seats of CONFIRMED bookings. **Capacity**: the total seats of
//!   the events in scope (every event, or the one asked for). **Utilisation**:
//!   `seats sold ÷ capacity`.
//! - **Revenue** (money the box office keeps): amounts of CONFIRMED bookings plus
//!   the cancellation fees kept on CONFIRMED → CANCELLED bookings (the PARTIAL
//!   refund's `fee`). A pending booking cancelled, a failed or expired payment
//!   earns nothing.
//! - **Refunds**: every refund record's amount (PARTIAL refunds of cancellations
//!   and the FULL refunds recorded when a payment fails), of which
//!   `refunds_failed_payments` are the FULL ones and `refunds_pending` are still
//!   INITIATED (not yet paid out by the refund job).
//! - Money is integer minor units of its currency, and amounts of different
//!   currencies are never added: `by_currency` holds the money figures per
//!   currency (sorted by code). The summary's own money figures are that one
//!   currency's when the events in scope use one (or none); with several,
//!   `currency` reads `MIXED` and they are `null` (read `by_currency`). Each
//!   event row keeps its own currency.
//!
//! ## Health
//!
//! Over the `hours` before now (`[now − hours, now)`):
//! - **Holds made**: holds created in the window; **holds expired**: those of
//!   them now EXPIRED (by their own deadline or with their unpaid booking).
//!   **Expiry rate** = expired ÷ made.
//! - **Payment attempts** made in the window by outcome (replays of a key are not
//!   new attempts); success / failure / timeout rates are ÷ attempts.
//! - **Retries**: audit rows in the window marked `is_retry` (replayed holds,
//!   bookings and payments).
//! - **Sales per hour**: successful payments per hour of the window, oldest first.
//! - **Status**: the worst level of the three rates against the thresholds below;
//!   a rate is judged only once its denominator reaches [`MIN_SAMPLE`].

use crate::domain::{
    BookingStatus, EventAgg, EventPage, HealthAgg, MAX_HOURS, ReportFilter, ScopeTotals, window_start,
};
use crate::engine::Desk;
use crate::error::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Hold expiry rate (%) at or above which health is AMBER.
pub const HOLD_EXPIRY_AMBER_PCT: u64 = 25;
/// Hold expiry rate (%) at or above which health is RED.
pub const HOLD_EXPIRY_RED_PCT: u64 = 50;
/// Payment failure rate (%) at or above which health is AMBER.
pub const PAYMENT_FAILURE_AMBER_PCT: u64 = 10;
/// Payment failure rate (%) at or above which health is RED.
pub const PAYMENT_FAILURE_RED_PCT: u64 = 25;
/// Payment timeout rate (%) at or above which health is AMBER.
pub const PAYMENT_TIMEOUT_AMBER_PCT: u64 = 10;
/// Payment timeout rate (%) at or above which health is RED.
pub const PAYMENT_TIMEOUT_RED_PCT: u64 = 25;
/// A rate is judged only when its denominator (holds made, payment attempts)
/// is at least this; fewer is too little to call a trend.
pub const MIN_SAMPLE: u64 = 5;

/// The windows the Reports screen cycles through.
pub const WINDOWS: [u32; 4] = [1, 12, 24, 168];

/// Overall health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Green,
    Amber,
    Red,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Green => "GREEN",
            Level::Amber => "AMBER",
            Level::Red => "RED",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---- what a report says ---------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusShare {
    #[serde(serialize_with = "status_text")]
    pub status: BookingStatus,
    pub count: u64,
    /// count ÷ bookings, 0..=1 (0 when there are none).
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    pub event_id: String,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub currency: String,
    pub bookings: u64,
    pub by_status: Vec<StatusShare>,
    pub capacity: u64,
    pub seats_sold: u64,
    pub utilisation: f64,
    pub revenue: i64,
    pub fees_kept: i64,
    pub refunds: i64,
}

/// The money figures of the bookings in scope priced in one currency
/// (minor units of it), and what they come from.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CurrencyTotals {
    pub currency: String,
    /// Events in scope priced in it.
    pub events: u64,
    pub bookings: u64,
    pub seats_sold: u64,
    /// Confirmed amounts + cancellation fees kept.
    pub revenue: i64,
    pub confirmed_amount: i64,
    pub fees_kept: i64,
    /// All refund records' amounts.
    pub refunds: i64,
    /// Of `refunds`: FULL refunds of failed payments (money never collected).
    pub refunds_failed_payments: i64,
    /// Of `refunds`: not yet processed.
    pub refunds_pending: i64,
}

impl CurrencyTotals {
    /// Refunds of money that was collected: `refunds` less those of failed payments.
    pub fn refunds_paid_back(&self) -> i64 {
        self.refunds - self.refunds_failed_payments
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub event_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub currency: String,
    pub bookings: u64,
    pub by_status: Vec<StatusShare>,
    pub capacity: u64,
    pub seats_sold: u64,
    pub utilisation: f64,
    /// Confirmed amounts + cancellation fees kept (minor units); `None` when
    /// the events in scope use several currencies (see `by_currency`).
    pub revenue: Option<i64>,
    pub confirmed_amount: Option<i64>,
    pub fees_kept: Option<i64>,
    /// All refund records' amounts (minor units).
    pub refunds: Option<i64>,
    /// Of `refunds`: FULL refunds of failed payments.
    pub refunds_failed_payments: Option<i64>,
    /// Of `refunds`: not yet processed.
    pub refunds_pending: Option<i64>,
    /// The money figures per currency, by code.
    pub by_currency: Vec<CurrencyTotals>,
    /// One row per event in scope, or a page of them ([`Desk::report_page`]).
    pub events: Vec<EventRow>,
    /// How many event rows the whole report has (more than `events` holds
    /// when it is a page). Not in the JSON: the CLI prints whole reports.
    #[serde(skip)]
    pub event_count: u64,
}

impl Summary {
    pub fn count(&self, status: BookingStatus) -> u64 {
        self.by_status.iter().find(|s| s.status == status).map_or(0, |s| s.count)
    }
}

/// A threshold pair as ratios (0..=1), for showing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Threshold {
    pub amber: f64,
    pub red: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub hold_expiry: Threshold,
    pub payment_failure: Threshold,
    pub payment_timeout: Threshold,
    pub min_sample: u64,
}

pub const THRESHOLDS: Thresholds = Thresholds {
    hold_expiry: Threshold { amber: HOLD_EXPIRY_AMBER_PCT as f64 / 100.0, red: HOLD_EXPIRY_RED_PCT as f64 / 100.0 },
    payment_failure: Threshold {
        amber: PAYMENT_FAILURE_AMBER_PCT as f64 / 100.0,
        red: PAYMENT_FAILURE_RED_PCT as f64 / 100.0,
    },
    payment_timeout: Threshold {
        amber: PAYMENT_TIMEOUT_AMBER_PCT as f64 / 100.0,
        red: PAYMENT_TIMEOUT_RED_PCT as f64 / 100.0,
    },
    min_sample: MIN_SAMPLE,
};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    pub event_id: Option<String>,
    pub hours: u32,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub holds_made: u64,
    pub holds_expired: u64,
    pub expiry_rate: f64,
    pub payment_attempts: u64,
    pub payment_successes: u64,
    pub payment_failures: u64,
    pub payment_timeouts: u64,
    pub success_rate: f64,
    pub failure_rate: f64,
    pub timeout_rate: f64,
    pub retries: u64,
    pub status: Level,
    /// Why the status is not GREEN (empty when it is).
    pub reasons: Vec<String>,
    pub thresholds: Thresholds,
    pub sales_per_hour: Vec<u64>,
}

/// The whole report: what `report --format json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub summary: Summary,
    pub health: Health,
    /// Sales per ticket type for the same filter (`crate::type_report`).
    pub by_type: Vec<crate::domain::TypeSales>,
}

impl Desk {
    /// The booking summary and health metrics at the clock's now. The engine
    /// checks the filter and reads the aggregates; the figures are made here,
    /// above it, so the engine never depends on what a report shows.
    pub fn report(&self, filter: &ReportFilter) -> Result<Report> {
        let aggs = self.report_aggregates(filter)?;
        let by_type = self.type_sales(filter)?;
        Ok(Report {
            summary: summarize(filter, aggs.events, None),
            health: assess(filter, aggs.now, aggs.health),
            by_type,
        })
    }

    /// The same report with only `rows` of its per-event rows, from `offset`
    /// in report order: every figure is the whole report's (`event_count`
    /// says how many event rows it has). Over all events and all time the
    /// other events are never read: the totals are the running totals —
    /// unless the events use several currencies, whose amounts the running
    /// totals would add together: then every event is read and the page cut here.
    pub fn report_page(&self, filter: &ReportFilter, offset: usize, rows: usize) -> Result<Report> {
        let mut aggs = self.report_aggregates_paged(filter, Some(EventPage { offset, rows }))?;
        if aggs.totals.as_ref().is_some_and(|t| t.currencies.len() > 1) {
            aggs = self.report_aggregates(filter)?;
        }
        let cut = aggs.totals.is_some();
        let mut summary = summarize(filter, aggs.events, aggs.totals);
        if !cut {
            // The store read every row (one event, a date range, several currencies): cut here.
            summary.events = summary.events.into_iter().skip(offset).take(rows).collect();
        }
        let by_type = self.type_sales(filter)?;
        Ok(Report { summary, health: assess(filter, aggs.now, aggs.health), by_type })
    }
}

fn status_text<S: serde::Serializer>(s: &BookingStatus, ser: S) -> std::result::Result<S::Ok, S::Error> {
    ser.serialize_str(s.as_str())
}

// ---- arithmetic -------------------------------------------------------------------

/// `part ÷ whole` as a ratio, 0 when `whole` is 0.
pub fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// The level of one rate: integer arithmetic, so 1 of 4 is exactly 25 %.
pub fn level_of(part: u64, whole: u64, amber_pct: u64, red_pct: u64) -> Level {
    if whole < MIN_SAMPLE {
        return Level::Green;
    }
    let pct100 = u128::from(part) * 100;
    if pct100 >= u128::from(red_pct) * u128::from(whole) {
        Level::Red
    } else if pct100 >= u128::from(amber_pct) * u128::from(whole) {
        Level::Amber
    } else {
        Level::Green
    }
}

fn shares(counts: [u64; 5]) -> Vec<StatusShare> {
    let total: u64 = counts.iter().sum();
    BookingStatus::DIAGRAM
        .iter()
        .zip(counts)
        .map(|(&status, count)| StatusShare { status, count, share: ratio(count, total) })
        .collect()
}

fn status_index(s: BookingStatus) -> usize {
    BookingStatus::DIAGRAM.iter().position(|x| *x == s).unwrap_or(0)
}

/// Turns per-event aggregates into the summary. The totals are the events'
/// sums, or `totals` when the events are a page of the report.
pub fn summarize(filter: &ReportFilter, events: Vec<EventAgg>, totals: Option<ScopeTotals>) -> Summary {
    let confirmed = status_index(BookingStatus::Confirmed);
    let mut total_counts = [0u64; 5];
    let (mut capacity, mut sold) = (0u64, 0u64);
    let mut by_currency: BTreeMap<String, CurrencyTotals> = BTreeMap::new();
    let rows: Vec<EventRow> = events
        .into_iter()
        .map(|e| {
            let counts: [u64; 5] = std::array::from_fn(|i| e.by_status[i].count);
            for (t, c) in total_counts.iter_mut().zip(counts) {
                *t += c;
            }
            let c = e.by_status[confirmed];
            capacity += e.capacity;
            sold += c.seats;
            let t = by_currency
                .entry(e.currency.clone())
                .or_insert_with(|| CurrencyTotals { currency: e.currency.clone(), ..Default::default() });
            t.events += 1;
            t.bookings += counts.iter().sum::<u64>();
            t.seats_sold += c.seats;
            t.confirmed_amount += c.amount;
            t.fees_kept += e.refunds.fees_kept;
            t.revenue += c.amount + e.refunds.fees_kept;
            t.refunds += e.refunds.refunds;
            t.refunds_failed_payments += e.refunds.full;
            t.refunds_pending += e.refunds.pending;
            EventRow {
                event_id: e.event_id,
                name: e.name,
                starts_at: e.starts_at,
                currency: e.currency,
                bookings: counts.iter().sum(),
                by_status: shares(counts),
                capacity: e.capacity,
                seats_sold: c.seats,
                utilisation: ratio(c.seats, e.capacity),
                revenue: c.amount + e.refunds.fees_kept,
                fees_kept: e.refunds.fees_kept,
                refunds: e.refunds.refunds,
            }
        })
        .collect();
    let mut event_count = rows.len() as u64;
    // A page of the report: the whole scope's figures are the running totals,
    // which hold one currency (`Desk::report_page` reads every event otherwise).
    if let Some(t) = totals {
        total_counts = std::array::from_fn(|i| t.by_status[i].count);
        let c = t.by_status[confirmed];
        (capacity, sold) = (t.capacity, c.seats);
        event_count = t.events;
        by_currency.clear();
        if let Some(code) = t.currencies.first() {
            let whole = CurrencyTotals {
                currency: code.clone(),
                events: t.events,
                bookings: total_counts.iter().sum(),
                seats_sold: c.seats,
                confirmed_amount: c.amount,
                fees_kept: t.refunds.fees_kept,
                revenue: c.amount + t.refunds.fees_kept,
                refunds: t.refunds.refunds,
                refunds_failed_payments: t.refunds.full,
                refunds_pending: t.refunds.pending,
            };
            by_currency.insert(code.clone(), whole);
        }
    }
    let by_currency: Vec<CurrencyTotals> = by_currency.into_values().collect();
    // One currency (or none): its figures are the summary's. Several: none
    // of them is, and no figure adds them up.
    let (currency, one) = match by_currency.as_slice() {
        [] => ("INR".to_string(), Some(CurrencyTotals::default())),
        [t] => (t.currency.clone(), Some(t.clone())),
        _ => ("MIXED".to_string(), None),
    };
    let of = |f: fn(&CurrencyTotals) -> i64| one.as_ref().map(f);
    Summary {
        event_id: filter.event_id.clone(),
        from: filter.from,
        to: filter.to,
        currency,
        bookings: total_counts.iter().sum(),
        by_status: shares(total_counts),
        capacity,
        seats_sold: sold,
        utilisation: ratio(sold, capacity),
        revenue: of(|t| t.revenue),
        confirmed_amount: of(|t| t.confirmed_amount),
        fees_kept: of(|t| t.fees_kept),
        refunds: of(|t| t.refunds),
        refunds_failed_payments: of(|t| t.refunds_failed_payments),
        refunds_pending: of(|t| t.refunds_pending),
        by_currency,
        events: rows,
        event_count,
    }
}

/// Turns the window's counts into rates and a level.
pub fn assess(filter: &ReportFilter, now: DateTime<Utc>, agg: HealthAgg) -> Health {
    let hours = filter.hours.clamp(1, MAX_HOURS);
    let checks = [
        ("hold expiry", agg.holds_expired, agg.holds_made, HOLD_EXPIRY_AMBER_PCT, HOLD_EXPIRY_RED_PCT, "holds expired"),
        (
            "payment failure",
            agg.failures,
            agg.attempts,
            PAYMENT_FAILURE_AMBER_PCT,
            PAYMENT_FAILURE_RED_PCT,
            "payments failed",
        ),
        (
            "payment timeout",
            agg.timeouts,
            agg.attempts,
            PAYMENT_TIMEOUT_AMBER_PCT,
            PAYMENT_TIMEOUT_RED_PCT,
            "payments timed out",
        ),
    ];
    let mut status = Level::Green;
    let mut reasons = Vec::new();
    for (name, part, whole, amber, red, what) in checks {
        let level = level_of(part, whole, amber, red);
        if level > Level::Green {
            let limit = if level == Level::Red { red } else { amber };
            reasons.push(format!("{name} {level}: {part} of {whole} {what} (≥ {limit}%)"));
        }
        status = status.max(level);
    }
    Health {
        event_id: filter.event_id.clone(),
        hours,
        from: window_start(now, hours),
        to: now,
        holds_made: agg.holds_made,
        holds_expired: agg.holds_expired,
        expiry_rate: ratio(agg.holds_expired, agg.holds_made),
        payment_attempts: agg.attempts,
        payment_successes: agg.successes,
        payment_failures: agg.failures,
        payment_timeouts: agg.timeouts,
        success_rate: ratio(agg.successes, agg.attempts),
        failure_rate: ratio(agg.failures, agg.attempts),
        timeout_rate: ratio(agg.timeouts, agg.attempts),
        retries: agg.retries,
        status,
        reasons,
        thresholds: THRESHOLDS,
        sales_per_hour: agg.sales_per_hour,
    }
}

/// A window's label: `1h`, `12h`, `24h`, `7d`, `36h`.
pub fn window_label(hours: u32) -> String {
    if hours >= 48 && hours.is_multiple_of(24) { format!("{}d", hours / 24) } else { format!("{hours}h") }
}

/// A ratio as a percentage with one decimal: `33.3%`.
pub fn pct(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

/// A date as typed for `--from`/`--to`/`--now`: an instant, or a day whose
/// start depends on the venue's time zone (known once the file is open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateArg {
    Instant(DateTime<Utc>),
    Day(chrono::NaiveDate),
}

impl DateArg {
    /// `YYYY-MM-DD` or RFC 3339.
    pub fn parse(text: &str) -> std::result::Result<DateArg, String> {
        let t = text.trim();
        if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
            return Ok(DateArg::Instant(dt.to_utc()));
        }
        chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").map(DateArg::Day).map_err(|_| {
            format!("'{t}' is not a date: use YYYY-MM-DD (a day in the venue's time zone) or RFC 3339 like 2026-06-01T09:00:00Z")
        })
    }

    /// The instant: a day starts at its midnight in `zone`; with
    /// `end_of_day` (as `--to`) the whole day is included, so it ends at the next one's.
    pub fn resolve(self, end_of_day: bool, zone: chrono_tz::Tz) -> std::result::Result<DateTime<Utc>, String> {
        match self {
            DateArg::Instant(t) => Ok(t),
            DateArg::Day(d) => {
                let d =
                    if end_of_day { d.succ_opt().ok_or_else(|| format!("{d} is too far in the future"))? } else { d };
                Ok(crate::domain::settings::start_of_day(d, zone))
            }
        }
    }
}

/// Parses a date for `--from`/`--to`: `YYYY-MM-DD` (a UTC day) or RFC 3339.
/// A bare date as `--to` means the end of that day (`end_of_day`). The CLI
/// reads days in the venue's zone ([`DateArg`]); this is the UTC case.
pub fn parse_date(text: &str, end_of_day: bool) -> std::result::Result<DateTime<Utc>, String> {
    DateArg::parse(text)?.resolve(end_of_day, chrono_tz::Tz::UTC)
}

// ---- the text table (`report --format table`) -------------------------------------

impl Report {
    /// A readable plain-text rendering; money in major units with the
    /// currency, times in the venue's `zone`.
    pub fn table(&self, zone: chrono_tz::Tz) -> String {
        use crate::domain::Money;
        use std::fmt::Write;
        let s = &self.summary;
        let h = &self.health;
        let secs = |t: DateTime<Utc>| t.with_timezone(&zone).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let day = |t: Option<DateTime<Utc>>| t.map_or("-".to_string(), secs);
        let mut out = String::new();
        let _ = writeln!(out, "BOOKING SUMMARY   (times in {})", zone.name());
        let _ = writeln!(
            out,
            "  event: {}   booked from: {}   to: {}",
            s.event_id.as_deref().unwrap_or("all"),
            day(s.from),
            day(s.to)
        );
        let _ = writeln!(out, "  bookings          {:>10}", s.bookings);
        for st in &s.by_status {
            let _ = writeln!(out, "    {:<15} {:>10}  {:>6}", st.status.as_str(), st.count, pct(st.share));
        }
        let _ = writeln!(out, "  seats sold        {:>10} of {} ({})", s.seats_sold, s.capacity, pct(s.utilisation));
        // Per currency: amounts of different currencies are never added.
        for t in &s.by_currency {
            let money = |m: i64| Money(m).format(&t.currency);
            let _ = writeln!(
                out,
                "  revenue {:<9} {:>14}  (confirmed {} + fees kept {})",
                t.currency,
                money(t.revenue),
                money(t.confirmed_amount),
                money(t.fees_kept)
            );
            let _ = writeln!(
                out,
                "  refunds {:<9} {:>14}  (failed payments, never collected {}; pending {})",
                t.currency,
                money(t.refunds),
                money(t.refunds_failed_payments),
                money(t.refunds_pending)
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "  {:<28} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>11} {:>18} {:>18}",
            "EVENT", "BOOKINGS", "PENDING", "CONFIRM", "FAILED", "EXPIRED", "CANCEL", "SOLD", "REVENUE", "REFUNDS"
        );
        for e in &s.events {
            let c = |st: BookingStatus| e.by_status.iter().find(|x| x.status == st).map_or(0, |x| x.count);
            let name = crate::domain::width::pad(&e.name, 28);
            let _ = writeln!(
                out,
                "  {} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>11} {:>18} {:>18}",
                name,
                e.bookings,
                c(BookingStatus::PaymentPending),
                c(BookingStatus::Confirmed),
                c(BookingStatus::PaymentFailed),
                c(BookingStatus::Expired),
                c(BookingStatus::Cancelled),
                format!("{}/{} {}", e.seats_sold, e.capacity, pct(e.utilisation)),
                Money(e.revenue).format(&e.currency),
                Money(e.refunds).format(&e.currency)
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "HEALTH  last {} ({} → {})   status: {}",
            window_label(h.hours),
            secs(h.from),
            secs(h.to),
            h.status
        );
        for r in &h.reasons {
            let _ = writeln!(out, "  ! {r}");
        }
        let _ = writeln!(
            out,
            "  holds made        {:>10}   expired {} ({})",
            h.holds_made,
            h.holds_expired,
            pct(h.expiry_rate)
        );
        let _ = writeln!(
            out,
            "  payment attempts  {:>10}   success {} ({})  failure {} ({})  timeout {} ({})",
            h.payment_attempts,
            h.payment_successes,
            pct(h.success_rate),
            h.payment_failures,
            pct(h.failure_rate),
            h.payment_timeouts,
            pct(h.timeout_rate)
        );
        let _ = writeln!(out, "  retries seen      {:>10}", h.retries);
        let _ = writeln!(
            out,
            "  sales per hour    {}",
            h.sales_per_hour.iter().map(u64::to_string).collect::<Vec<_>>().join(" ")
        );
        let _ = writeln!(out, "  {}", thresholds_text());
        out.push_str(&crate::type_report::table(&self.by_type));
        out
    }
}

/// The thresholds in one line, as the screen and the table show them.
pub fn thresholds_text() -> String {
    format!(
        "thresholds (AMBER/RED, judged from {MIN_SAMPLE} samples): hold expiry {HOLD_EXPIRY_AMBER_PCT}%/{HOLD_EXPIRY_RED_PCT}% · \
         payment failure {PAYMENT_FAILURE_AMBER_PCT}%/{PAYMENT_FAILURE_RED_PCT}% · payment timeout {PAYMENT_TIMEOUT_AMBER_PCT}%/{PAYMENT_TIMEOUT_RED_PCT}%"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_use_exact_integer_thresholds() {
        assert_eq!(level_of(1, 4, 25, 50), Level::Green, "below the minimum sample");
        assert_eq!(level_of(1, 5, 25, 50), Level::Green);
        assert_eq!(level_of(2, 8, 25, 50), Level::Amber, "exactly 25% is AMBER");
        assert_eq!(level_of(3, 8, 25, 50), Level::Amber);
        assert_eq!(level_of(4, 8, 25, 50), Level::Red, "exactly 50% is RED");
        assert_eq!(level_of(0, 0, 25, 50), Level::Green);
    }

    #[test]
    fn dates_parse_as_utc_days_or_instants() {
        let from = parse_date("2026-06-01", false).unwrap();
        assert_eq!(from.to_rfc3339(), "2026-06-01T00:00:00+00:00");
        let to = parse_date("2026-06-01", true).unwrap();
        assert_eq!(to.to_rfc3339(), "2026-06-02T00:00:00+00:00");
        let t = parse_date("2026-06-01T10:30:00+05:30", false).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-06-01T05:00:00+00:00");
        assert!(parse_date("yesterday", false).unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("2026-13-01", false).is_err());
    }

    #[test]
    fn window_labels() {
        assert_eq!(window_label(1), "1h");
        assert_eq!(window_label(24), "24h");
        assert_eq!(window_label(168), "7d");
        assert_eq!(window_label(36), "36h");
    }
}
