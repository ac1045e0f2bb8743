//! CSV files: the report (`report --format csv`) and the exports of the
//! bookings and audit screens. Quoting is the `csv` crate's; times are
//! RFC 3339 UTC; money is integer minor units.
//!
//! Columns:
//! - report: `section,event_id,event_name,metric,value` — one figure per row
//!   ("long" format). Sections: `summary`, `status` (metric = status, value =
//!   count; then `<STATUS>_share`), `event` (per-event figures), `health`,
//!   `sales_per_hour` (metric = the hour's start, value = successful payments),
//!   `threshold` (metric = `<rate>_amber`/`<rate>_red`, value = ratio), `type`
//!   (per ticket type: metric = `<type name>/<figure>`, see `type_report`),
//!   `currency` (money per currency: metric = `<CODE>/<figure>`, e.g.
//!   `INR/revenue`). The `summary` money rows are empty when the events in
//!   scope use several currencies (`currency` = `MIXED`): amounts of
//!   different currencies are never added.
//! - bookings: `booking_id,created_at,customer,event,event_id,seats,amount_minor,currency,status,correlation_id,amount`
//! - audit: `seq,at,action,entity,entity_id,event_id,hold_id,booking_id,from_status,to_status,correlation_id,is_retry,original_attempt_id,actor,details`
//!
//! Every cell goes through [`neutralise`] (the OWASP rule against CSV formula
//! injection): text that a spreadsheet would run as a formula — it starts with
//! `=`, `+`, `-`, `@`, a tab or a carriage return — is written with a `'`
//! in front. Plain decimal numbers (`-12`, `0.5`) are left alone: they are
//! the app's figures, not formulas, and must stay numbers in a spreadsheet.

use crate::domain::{AuditRow, Booking, Money};
use crate::error::{Error, Result};
use crate::report::Report;
use chrono::{DateTime, Utc};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A CSV write failure; an I/O error inside it stays itself (a broken pipe
/// is still one), anything else is carried as its message.
fn io(e: csv::Error) -> Error {
    let source = if e.is_io_error() {
        match e.into_kind() {
            csv::ErrorKind::Io(source) => source,
            other => std::io::Error::other(format!("{other:?}")),
        }
    } else {
        std::io::Error::other(e)
    };
    Error::io("cannot write the CSV", source)
}

/// A cell as written: a `'` in front of text a spreadsheet would run as a
/// formula; plain decimal numbers unchanged.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) { format!("'{cell}").into() } else { cell.into() }
}

/// An optional sign, digits, and optionally a point and more digits.
fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !int.is_empty() && !frac.is_empty() && (int.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit())
}

/// A CSV writer that neutralises every cell: the one way this module writes rows.
struct Sheet<W: Write>(csv::Writer<W>);

impl<W: Write> Sheet<W> {
    fn new(w: W) -> Self {
        Sheet(csv::Writer::from_writer(w))
    }

    fn row<I: IntoIterator<Item = T>, T: AsRef<str>>(&mut self, cells: I) -> Result<()> {
        let cells: Vec<T> = cells.into_iter().collect();
        self.0.write_record(cells.iter().map(|c| neutralise(c.as_ref()).into_owned())).map_err(io)
    }

    fn flush(&mut self) -> Result<()> {
        self.0.flush().map_err(|e| Error::io("cannot write the CSV", e))
    }
}

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub const REPORT_HEADER: [&str; 5] = ["section", "event_id", "event_name", "metric", "value"];

pub fn report_csv<W: Write>(r: &Report, w: W) -> Result<()> {
    let mut out = Sheet::new(w);
    out.row(REPORT_HEADER)?;
    let mut row = |section: &str, event_id: &str, name: &str, metric: &str, value: String| {
        out.row([section, event_id, name, metric, value.as_str()])
    };
    let s = &r.summary;
    row("summary", "", "", "event_filter", s.event_id.clone().unwrap_or_default())?;
    row("summary", "", "", "from", s.from.map(rfc).unwrap_or_default())?;
    row("summary", "", "", "to", s.to.map(rfc).unwrap_or_default())?;
    row("summary", "", "", "currency", s.currency.clone())?;
    row("summary", "", "", "bookings", s.bookings.to_string())?;
    for st in &s.by_status {
        row("status", "", "", st.status.as_str(), st.count.to_string())?;
        row("status", "", "", &format!("{}_share", st.status.as_str()), st.share.to_string())?;
    }
    row("summary", "", "", "capacity", s.capacity.to_string())?;
    row("summary", "", "", "seats_sold", s.seats_sold.to_string())?;
    // Empty when the events in scope use several currencies: see `currency`.
    for (metric, v) in [
        ("revenue", s.revenue),
        ("confirmed_amount", s.confirmed_amount),
        ("fees_kept", s.fees_kept),
        ("refunds", s.refunds),
        ("refunds_failed_payments", s.refunds_failed_payments),
        ("refunds_pending", s.refunds_pending),
    ] {
        row("summary", "", "", metric, v.map(|v| v.to_string()).unwrap_or_default())?;
    }
    row("summary", "", "", "utilisation", s.utilisation.to_string())?;
    for t in &s.by_currency {
        for (metric, v) in [
            ("events", t.events as i64),
            ("bookings", t.bookings as i64),
            ("seats_sold", t.seats_sold as i64),
            ("revenue", t.revenue),
            ("confirmed_amount", t.confirmed_amount),
            ("fees_kept", t.fees_kept),
            ("refunds", t.refunds),
            ("refunds_failed_payments", t.refunds_failed_payments),
            ("refunds_pending", t.refunds_pending),
        ] {
            row("currency", "", "", &format!("{}/{metric}", t.currency), v.to_string())?;
        }
    }
    for e in &s.events {
        let mut ev = |metric: &str, v: String| row("event", &e.event_id, &e.name, metric, v);
        ev("starts_at", rfc(e.starts_at))?;
        ev("currency", e.currency.clone())?;
        ev("bookings", e.bookings.to_string())?;
        for st in &e.by_status {
            ev(st.status.as_str(), st.count.to_string())?;
        }
        ev("capacity", e.capacity.to_string())?;
        ev("seats_sold", e.seats_sold.to_string())?;
        ev("utilisation", e.utilisation.to_string())?;
        ev("revenue", e.revenue.to_string())?;
        ev("fees_kept", e.fees_kept.to_string())?;
        ev("refunds", e.refunds.to_string())?;
    }
    let h = &r.health;
    row("health", "", "", "event_filter", h.event_id.clone().unwrap_or_default())?;
    row("health", "", "", "hours", h.hours.to_string())?;
    row("health", "", "", "from", rfc(h.from))?;
    row("health", "", "", "to", rfc(h.to))?;
    for (metric, v) in [
        ("holds_made", h.holds_made),
        ("holds_expired", h.holds_expired),
        ("payment_attempts", h.payment_attempts),
        ("payment_successes", h.payment_successes),
        ("payment_failures", h.payment_failures),
        ("payment_timeouts", h.payment_timeouts),
        ("retries", h.retries),
    ] {
        row("health", "", "", metric, v.to_string())?;
    }
    for (metric, v) in [
        ("expiry_rate", h.expiry_rate),
        ("success_rate", h.success_rate),
        ("failure_rate", h.failure_rate),
        ("timeout_rate", h.timeout_rate),
    ] {
        row("health", "", "", metric, v.to_string())?;
    }
    row("health", "", "", "status", h.status.as_str().to_string())?;
    for (i, n) in h.sales_per_hour.iter().enumerate() {
        let start = h.from + chrono::Duration::hours(i as i64);
        row("sales_per_hour", "", "", &rfc(start), n.to_string())?;
    }
    let t = &h.thresholds;
    for (name, th) in
        [("hold_expiry", t.hold_expiry), ("payment_failure", t.payment_failure), ("payment_timeout", t.payment_timeout)]
    {
        row("threshold", "", "", &format!("{name}_amber"), th.amber.to_string())?;
        row("threshold", "", "", &format!("{name}_red"), th.red.to_string())?;
    }
    row("threshold", "", "", "min_sample", t.min_sample.to_string())?;
    for t in &r.by_type {
        for (metric, value) in crate::type_report::csv_metrics(t) {
            row("type", &t.event_id, &t.event_name, &metric, value)?;
        }
    }
    out.flush()
}

/// `amount` (last, so the columns before it stay where they were) is the
/// amount in major units as a plain decimal with the currency's own decimals
/// (`1000.00`, `12345` for JPY): `amount_minor` is the exact figure.
pub const BOOKINGS_HEADER: [&str; 11] = [
    "booking_id",
    "created_at",
    "customer",
    "event",
    "event_id",
    "seats",
    "amount_minor",
    "currency",
    "status",
    "correlation_id",
    "amount",
];

/// Bookings as the bookings screen lists them: (booking, customer name, event name).
pub fn bookings_csv<W: Write>(rows: &[(Booking, String, String)], w: W) -> Result<()> {
    let mut out = Sheet::new(w);
    out.row(BOOKINGS_HEADER)?;
    for (b, customer, event) in rows {
        out.row([
            b.id.as_str(),
            &rfc(b.created_at),
            customer,
            event,
            &b.event_id,
            &b.seats.to_string(),
            &b.amount.to_string(),
            &b.currency,
            b.status.as_str(),
            &b.correlation_id,
            &Money(b.amount).decimal(&b.currency),
        ])?;
    }
    out.flush()
}

pub const AUDIT_HEADER: [&str; 15] = [
    "seq",
    "at",
    "action",
    "entity",
    "entity_id",
    "event_id",
    "hold_id",
    "booking_id",
    "from_status",
    "to_status",
    "correlation_id",
    "is_retry",
    "original_attempt_id",
    "actor",
    "details",
];

pub fn audit_csv<W: Write>(rows: &[AuditRow], w: W) -> Result<()> {
    let mut out = Sheet::new(w);
    out.row(AUDIT_HEADER)?;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    for a in rows {
        out.row([
            a.seq.to_string(),
            rfc(a.at),
            a.action.clone(),
            a.entity.clone(),
            a.entity_id.clone(),
            opt(&a.event_id),
            opt(&a.hold_id),
            opt(&a.booking_id),
            opt(&a.from_status),
            opt(&a.to_status),
            opt(&a.correlation_id),
            u8::from(a.is_retry).to_string(),
            opt(&a.original_attempt_id),
            a.actor.clone(),
            a.details.to_string(),
        ])?;
    }
    out.flush()
}

pub const CASHUP_HEADER: [&str; 8] =
    ["shift_id", "clerk", "opened_at", "closed_at", "currency", "metric", "method", "value"];

/// Cash-ups as CSV, one figure per row: per method `sales`, `payments`,
/// `tickets`, `refunds`, `refund_count`, `refunded_tickets`, `declined`,
/// `timeouts` (in the line's currency); per shift `float`, `expected_cash`,
/// `counted_cash` and `difference` (the till's currency; the last two empty
/// while the shift is open). Money in minor units.
pub fn cashup_csv<W: Write>(ups: &[crate::domain::CashUp], w: W) -> Result<()> {
    let mut out = Sheet::new(w);
    out.row(CASHUP_HEADER)?;
    for up in ups {
        let s = &up.shift;
        let closed = s.closed_at.map(rfc).unwrap_or_default();
        let row = |out: &mut Sheet<W>, currency: &str, metric: &str, method: &str, value: String| {
            out.row([
                s.id.as_str(),
                s.clerk_name.as_str(),
                &rfc(s.opened_at),
                &closed,
                currency,
                metric,
                method,
                &value,
            ])
        };
        row(&mut out, &s.currency, "float", "", s.opening_float.to_string())?;
        for l in &up.lines {
            for (metric, v) in [
                ("sales", l.sales),
                ("payments", l.payments),
                ("tickets", l.tickets),
                ("refunds", l.refunds),
                ("refund_count", l.refund_count),
                ("refunded_tickets", l.refunded_tickets),
                ("declined", l.declined),
                ("timeouts", l.timeouts),
            ] {
                row(&mut out, &l.currency, metric, &l.method, v.to_string())?;
            }
        }
        let cash = crate::domain::PaymentMethod::Cash.as_str();
        let expected = s.expected_cash.unwrap_or_else(|| up.expected_cash());
        row(&mut out, &s.currency, "expected_cash", cash, expected.to_string())?;
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        row(&mut out, &s.currency, "counted_cash", cash, opt(s.counted_cash))?;
        row(&mut out, &s.currency, "difference", cash, opt(up.difference()))?;
    }
    out.flush()
}

/// A new file `<what>-YYYYMMDD-HHMMSS.csv` in `dir` (then `-2`, `-3`… if that
/// second already has one); never overwrites.
pub fn create_export(dir: &Path, what: &str, now: DateTime<Utc>) -> Result<(PathBuf, std::fs::File)> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create the export directory {}", dir.display()), e))?;
    let stamp = now.format("%Y%m%d-%H%M%S");
    for n in 1..1000 {
        let name = if n == 1 { format!("{what}-{stamp}.csv") } else { format!("{what}-{stamp}-{n}.csv") };
        let path = dir.join(name);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(format!("cannot create {}", path.display()), e)),
        }
    }
    Err(Error::Storage(format!("too many exports this second in {}", dir.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::BookingStatus;

    /// A pipe whose reader has gone.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn bookings_carry_the_amount_in_each_currency_s_own_decimals() {
        let t = DateTime::UNIX_EPOCH;
        let b = |amount, currency: &str| Booking {
            id: "b".into(),
            hold_id: "h".into(),
            event_id: "e".into(),
            customer_id: "c".into(),
            seats: 1,
            amount,
            currency: currency.into(),
            status: BookingStatus::Confirmed,
            correlation_id: "x".into(),
            created_at: t,
            payment_expires_at: t,
            updated_at: t,
            clerk_id: None,
        };
        let rows = [(b(100_000, "INR"), "A".into(), "E".into()), (b(12_345, "JPY"), "B".into(), "F".into())];
        let mut out = Vec::new();
        bookings_csv(&rows, &mut out).expect("csv");
        let mut r = csv::Reader::from_reader(out.as_slice());
        let amounts: Vec<(String, String)> = r
            .records()
            .map(|x| x.map(|x| (x[6].to_string(), x[10].to_string())))
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(amounts, [("100000".into(), "1000.00".into()), ("12345".into(), "12345".into())]);
    }

    #[test]
    fn a_broken_pipe_stays_one_through_the_csv_writer() {
        let t = DateTime::UNIX_EPOCH;
        let booking = Booking {
            id: "b".repeat(36),
            hold_id: "h".into(),
            event_id: "e".into(),
            customer_id: "c".into(),
            seats: 2,
            amount: 1000,
            currency: "INR".into(),
            status: BookingStatus::Confirmed,
            correlation_id: "x".repeat(36),
            created_at: t,
            payment_expires_at: t,
            updated_at: t,
            clerk_id: None,
        };
        // Past the writer's buffer (the error comes from a record), and within
        // it (the error comes from the final flush).
        for n in [500, 1] {
            let rows = vec![(booking.clone(), "Jane".to_string(), "Gig".to_string()); n];
            let err = bookings_csv(&rows, Closed).expect_err("the reader is gone");
            assert!(err.is_broken_pipe(), "{n} rows: {err:?}");
            assert_eq!(err.to_string(), "cannot write the CSV: broken pipe", "{n} rows");
        }
    }

    #[test]
    fn the_rule_is_the_owasp_one_and_numbers_stay_numbers() {
        for (cell, written) in [
            ("=1+1", "'=1+1"),
            ("+1+1", "'+1+1"),
            ("-1+1", "'-1+1"),
            ("@A1", "'@A1"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-", "'-"),
            ("-.5", "'-.5"),
            ("Jane", "Jane"),
            ("a=b", "a=b"),
            ("", ""),
            ("1000", "1000"),
            ("-1000", "-1000"),
            ("-0.25", "-0.25"),
            ("+3", "+3"),
        ] {
            assert_eq!(neutralise(cell), written, "{cell:?}");
        }
    }
}
