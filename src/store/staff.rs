//! SQL for clerks, their shifts and the cash-up (issue 12), and the checks
//! `verify` adds for them.

use crate::clock::{from_millis, to_millis};
use crate::domain::{Clerk, MethodTotals, PaymentMethod, Role, Shift};
use crate::error::Result;
use crate::store::db::{self, Db, Row};

// ---- clerks ----------------------------------------------------------------

const CLERK_COLS: &str = "id, name, role, pin_hash IS NOT NULL, failed_pins, locked_until, disabled_at, created_at";

fn clerk_row(r: &Row<'_>) -> Result<Clerk> {
    Ok(Clerk {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        has_pin: r.get(3)?,
        failed_pins: r.get(4)?,
        locked_until: r.get::<Option<i64>>(5)?.map(from_millis),
        disabled_at: r.get::<Option<i64>>(6)?.map(from_millis),
        created_at: from_millis(r.get(7)?),
    })
}

pub fn insert_clerk(db: &Db, id: &str, name: &str, role: Role, pin_hash: &str, now_ms: i64) -> Result<()> {
    db.execute(
        "INSERT INTO clerks (id, name, role, pin_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        db::args![id, name, role, pin_hash, now_ms],
    )?;
    Ok(())
}

/// The clerk with this name (any ASCII case) and their PIN hash. (`lower()`
/// on both sides: SQLite's column is NOCASE, PostgreSQL's has an index on
/// `lower(name)`; both fold ASCII only, the columns being byte-ordered.)
pub fn clerk_by_name(db: &Db, name: &str) -> Result<Option<(Clerk, Option<String>)>> {
    let sql = format!("SELECT {CLERK_COLS}, pin_hash FROM clerks WHERE lower(name) = lower(?1)");
    db.query_opt(&sql, db::args![name], |r| Ok((clerk_row(r)?, r.get(8)?)))
}

pub fn clerk_by_id(db: &Db, id: &str) -> Result<Option<(Clerk, Option<String>)>> {
    let sql = format!("SELECT {CLERK_COLS}, pin_hash FROM clerks WHERE id = ?1");
    db.query_opt(&sql, db::args![id], |r| Ok((clerk_row(r)?, r.get(8)?)))
}

/// Locks a clerk's row until the write ends (PostgreSQL alone: `FOR UPDATE`
/// is not SQLite's, whose write already has the file to itself). A write on
/// the clerk's shift takes it before it reads which shift is open, so two
/// terminals of one clerk never open two shifts (one is refused by the
/// unique index otherwise) nor pay into a shift being closed.
pub fn lock_clerk(db: &Db, id: &str) -> Result<()> {
    if db.backend() == db::Backend::Postgres {
        db.query_all("SELECT id FROM clerks WHERE id = ?1 FOR NO KEY UPDATE", db::args![id], |_| Ok(()))?;
    }
    Ok(())
}

pub fn clerks(db: &Db) -> Result<Vec<Clerk>> {
    let sql = format!("SELECT {CLERK_COLS} FROM clerks ORDER BY disabled_at IS NOT NULL, lower(name)");
    db.query_all(&sql, db::args![], clerk_row)
}

/// How many clerks could ever sign in (have a PIN), disabled or not: none
/// means the file asks for its first supervisor.
pub fn clerks_with_pins(db: &Db) -> Result<i64> {
    db.query_one("SELECT count(*) FROM clerks WHERE pin_hash IS NOT NULL", db::args![], |r| r.get(0))
}

/// Enabled supervisors who can sign in.
pub fn active_supervisors(db: &Db) -> Result<i64> {
    db.query_one(
        "SELECT count(*) FROM clerks WHERE role = ?1 AND disabled_at IS NULL AND pin_hash IS NOT NULL",
        db::args![Role::Supervisor],
        |r| r.get(0),
    )
}

/// Records a sign-in attempt's verdict: the count of wrong PINs in a row and
/// the lock, as the engine decided them.
pub fn set_pin_failures(db: &Db, id: &str, failed: u32, locked_until: Option<i64>) -> Result<()> {
    db.execute(
        "UPDATE clerks SET failed_pins = ?2, locked_until = ?3 WHERE id = ?1",
        db::args![id, failed, locked_until],
    )?;
    Ok(())
}

pub fn disable_clerk(db: &Db, id: &str, now_ms: i64) -> Result<bool> {
    let n =
        db.execute("UPDATE clerks SET disabled_at = ?2 WHERE id = ?1 AND disabled_at IS NULL", db::args![id, now_ms])?;
    Ok(n == 1)
}

// ---- shifts ----------------------------------------------------------------

const SHIFT_COLS: &str = "s.id, s.clerk_id, c.name, s.currency, s.opening_float, s.opened_at, s.closed_at, \
                          s.counted_cash, s.expected_cash";

fn shift_row(r: &Row<'_>) -> Result<Shift> {
    Ok(Shift {
        id: r.get(0)?,
        clerk_id: r.get(1)?,
        clerk_name: r.get(2)?,
        currency: r.get(3)?,
        opening_float: r.get(4)?,
        opened_at: from_millis(r.get(5)?),
        closed_at: r.get::<Option<i64>>(6)?.map(from_millis),
        counted_cash: r.get(7)?,
        expected_cash: r.get(8)?,
    })
}

pub fn insert_shift(db: &Db, s: &Shift) -> Result<()> {
    db.execute(
        "INSERT INTO shifts (id, clerk_id, currency, opening_float, opened_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        db::args![s.id, s.clerk_id, s.currency, s.opening_float, to_millis(s.opened_at)],
    )?;
    Ok(())
}

pub fn get_shift(db: &Db, id: &str) -> Result<Option<Shift>> {
    let sql = format!("SELECT {SHIFT_COLS} FROM shifts s JOIN clerks c ON c.id = s.clerk_id WHERE s.id = ?1");
    db.query_opt(&sql, db::args![id], shift_row)
}

/// Ids of shifts ending in `tail` (the short ids screens show), at most `limit`.
pub fn shifts_ending(db: &Db, tail: &str, limit: usize) -> Result<Vec<String>> {
    db.query_all(
        "SELECT id FROM shifts WHERE substr(id, length(id) - length(?1) + 1) = ?1 LIMIT ?2",
        db::args![tail, limit as i64],
        |r| r.get(0),
    )
}

/// A clerk's open shift, if any (at most one: a unique index says so).
pub fn open_shift_of(db: &Db, clerk_id: &str) -> Result<Option<Shift>> {
    let sql = format!(
        "SELECT {SHIFT_COLS} FROM shifts s JOIN clerks c ON c.id = s.clerk_id
         WHERE s.clerk_id = ?1 AND s.closed_at IS NULL"
    );
    db.query_opt(&sql, db::args![clerk_id], shift_row)
}

/// A clerk's newest shift, open or closed.
pub fn latest_shift_of(db: &Db, clerk_id: &str) -> Result<Option<Shift>> {
    let sql = format!(
        "SELECT {SHIFT_COLS} FROM shifts s JOIN clerks c ON c.id = s.clerk_id
         WHERE s.clerk_id = ?1 ORDER BY s.opened_at DESC, s.id DESC LIMIT 1"
    );
    db.query_opt(&sql, db::args![clerk_id], shift_row)
}

/// Shifts opened in [from, to), oldest first; with `clerk_id`, only theirs.
pub fn shifts_opened(db: &Db, from_ms: i64, to_ms: i64, clerk_id: Option<&str>) -> Result<Vec<Shift>> {
    let sql = format!(
        "SELECT {SHIFT_COLS} FROM shifts s JOIN clerks c ON c.id = s.clerk_id
         WHERE s.opened_at >= ?1 AND s.opened_at < ?2 AND (?3 IS NULL OR s.clerk_id = ?3)
         ORDER BY s.opened_at, s.id"
    );
    db.query_all(&sql, db::args![from_ms, to_ms, clerk_id], shift_row)
}

/// Closes an open shift with its figures; false if it was closed meanwhile.
pub fn close_shift(db: &Db, id: &str, now_ms: i64, counted: i64, expected: i64) -> Result<bool> {
    let n = db.execute(
        "UPDATE shifts SET closed_at = ?2, counted_cash = ?3, expected_cash = ?4
             WHERE id = ?1 AND closed_at IS NULL",
        db::args![id, now_ms, counted, expected],
    )?;
    Ok(n == 1)
}

/// A shift's takings per method and currency, cash first.
pub fn shift_lines(db: &Db, shift_id: &str) -> Result<Vec<MethodTotals>> {
    db.query_all(
        "SELECT method, currency, sales, payments, tickets, refunds, refund_count, refunded_tickets, declined, timeouts
         FROM shift_totals WHERE shift_id = ?1
         ORDER BY CASE method WHEN ?2 THEN 0 WHEN ?3 THEN 1 ELSE 2 END, currency",
        db::args![shift_id, PaymentMethod::Cash, PaymentMethod::Card],
        |r| {
            Ok(MethodTotals {
                method: r.get(0)?,
                currency: r.get(1)?,
                sales: r.get(2)?,
                payments: r.get(3)?,
                tickets: r.get(4)?,
                refunds: r.get(5)?,
                refund_count: r.get(6)?,
                refunded_tickets: r.get(7)?,
                declined: r.get(8)?,
                timeouts: r.get(9)?,
            })
        },
    )
}

/// The method a booking was paid with (its successful attempt), if it was paid.
pub fn paid_method(db: &Db, booking_id: &str) -> Result<Option<PaymentMethod>> {
    db.query_opt(
        "SELECT method FROM payment_attempts WHERE booking_id = ?1 AND outcome = 'SUCCESS' LIMIT 1",
        db::args![booking_id],
        |r| r.get(0),
    )
}

/// ACTIVE holds a clerk made, soonest deadline first (the sales they may resume).
pub fn live_holds_of(db: &Db, clerk_id: &str) -> Result<Vec<(String, String)>> {
    db.query_all(
        "SELECT id, event_id FROM holds WHERE clerk_id = ?1 AND status = 'ACTIVE' ORDER BY expires_at, id",
        db::args![clerk_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

// ---- verify ----------------------------------------------------------------

/// (invariant, query returning one text per violation); audit names bind as
/// parameters, as in `checks`.
pub const CHECKS: &[(&str, &str)] = &[
    (
        "11 payments and refunds belong to a shift",
        "SELECT printf('payment attempt %s belongs to no shift', p.id) FROM payment_attempts p
         WHERE p.shift_id IS NULL OR NOT EXISTS (SELECT 1 FROM shifts s WHERE s.id = p.shift_id)
         UNION ALL
         SELECT printf('refund %s belongs to no shift', r.id) FROM refunds r
         WHERE r.shift_id IS NULL OR NOT EXISTS (SELECT 1 FROM shifts s WHERE s.id = r.shift_id)",
    ),
    (
        "11 payments and refunds belong to a shift",
        "SELECT printf('cash payment %s: tendered %d, change %d for %d', id, coalesce(tendered, -1),
                       coalesce(change_given, -1), amount)
         FROM payment_attempts
         WHERE (method = 'CASH' AND (tendered IS NULL OR change_given IS NULL OR tendered - change_given <> amount
                                     OR outcome <> 'SUCCESS'))
            OR (method <> 'CASH' AND (tendered IS NOT NULL OR change_given IS NOT NULL))",
    ),
    (
        "12 shift totals add up",
        "WITH p AS (SELECT p.shift_id, p.method, b.currency, sum(iif(p.outcome = 'SUCCESS', p.amount, 0)) sales,
                           sum(p.outcome = 'SUCCESS') payments, sum(iif(p.outcome = 'SUCCESS', b.seats, 0)) tickets,
                           sum(p.outcome = 'FAILURE') declined, sum(p.outcome = 'TIMEOUT') timeouts
                    FROM payment_attempts p JOIN bookings b ON b.id = p.booking_id GROUP BY 1, 2, 3),
              r AS (SELECT r.shift_id, r.method, b.currency, sum(r.amount) refunds, count(*) n, sum(b.seats) tickets
                    FROM refunds r JOIN bookings b ON b.id = r.booking_id WHERE r.kind = 'PARTIAL' GROUP BY 1, 2, 3),
              keys AS (SELECT shift_id, method, currency FROM p UNION SELECT shift_id, method, currency FROM r
                       UNION SELECT shift_id, method, currency FROM shift_totals)
         SELECT printf('shift %s %s %s: kept %d sold/%d refunded, its payments and refunds %d/%d', k.shift_id, k.method,
                       k.currency, coalesce(t.sales, 0), coalesce(t.refunds, 0), coalesce(p.sales, 0),
                       coalesce(r.refunds, 0))
         FROM keys k
         LEFT JOIN shift_totals t ON t.shift_id = k.shift_id AND t.method = k.method AND t.currency = k.currency
         LEFT JOIN p ON p.shift_id = k.shift_id AND p.method = k.method AND p.currency = k.currency
         LEFT JOIN r ON r.shift_id = k.shift_id AND r.method = k.method AND r.currency = k.currency
         WHERE coalesce(t.sales, 0) <> coalesce(p.sales, 0) OR coalesce(t.payments, 0) <> coalesce(p.payments, 0)
            OR coalesce(t.tickets, 0) <> coalesce(p.tickets, 0) OR coalesce(t.declined, 0) <> coalesce(p.declined, 0)
            OR coalesce(t.timeouts, 0) <> coalesce(p.timeouts, 0) OR coalesce(t.refunds, 0) <> coalesce(r.refunds, 0)
            OR coalesce(t.refund_count, 0) <> coalesce(r.n, 0)
            OR coalesce(t.refunded_tickets, 0) <> coalesce(r.tickets, 0)",
    ),
    (
        "12 shift totals add up",
        "SELECT printf('closed shift %s expects %d cash but float %d + cash sales %d - cash refunds %d = %d', s.id,
                       s.expected_cash, s.opening_float, coalesce(t.sales, 0), coalesce(t.refunds, 0),
                       s.opening_float + coalesce(t.sales, 0) - coalesce(t.refunds, 0))
         FROM shifts s LEFT JOIN shift_totals t ON t.shift_id = s.id AND t.method = 'CASH' AND t.currency = s.currency
         WHERE s.closed_at IS NOT NULL
           AND s.expected_cash <> s.opening_float + coalesce(t.sales, 0) - coalesce(t.refunds, 0)",
    ),
    (
        "12 shift totals add up",
        "SELECT printf('shift %s has a payment or refund dated after it closed', s.id) FROM shifts s
         WHERE s.closed_at IS NOT NULL
           AND (EXISTS (SELECT 1 FROM payment_attempts p WHERE p.shift_id = s.id AND p.created_at > s.closed_at)
                OR EXISTS (SELECT 1 FROM refunds r WHERE r.shift_id = s.id AND r.created_at > s.closed_at))",
    ),
    (
        "13 every audit row has a clerk",
        "SELECT printf('audit row %d (%s) names no clerk (actor %s)', a.seq, a.action, a.actor) FROM audit_log a
         WHERE a.seq > coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'audit_clerks_from_seq'), 0)
           AND ((a.clerk_id IS NULL AND instr(a.actor, ':') = 0)
                OR (a.clerk_id IS NOT NULL
                    AND a.actor IS DISTINCT FROM (SELECT c.name FROM clerks c WHERE c.id = a.clerk_id)))",
    ),
    (
        "13 every audit row has a clerk",
        "SELECT printf('hold %s names no clerk', id) FROM holds
         WHERE clerk_id IS NULL OR NOT EXISTS (SELECT 1 FROM clerks c WHERE c.id = holds.clerk_id)
         UNION ALL
         SELECT printf('booking %s names no clerk', id) FROM bookings
         WHERE clerk_id IS NULL OR NOT EXISTS (SELECT 1 FROM clerks c WHERE c.id = bookings.clerk_id)",
    ),
    (
        "4 one audit row per state change",
        // One pass over the shifts' audit rows, counted per shift (asked per
        // shift, the planner read every shift's rows for each shift).
        "WITH a AS (SELECT entity_id, count(*) FILTER (WHERE action = :SHIFT_OPENED) opened,
                           count(*) FILTER (WHERE action = :SHIFT_CLOSED) closed
                    FROM audit_log WHERE action IN (:SHIFT_OPENED, :SHIFT_CLOSED) GROUP BY entity_id)
         SELECT printf('shift %s has %d opening and %d closing audit rows', s.id, coalesce(a.opened, 0),
                       coalesce(a.closed, 0))
         FROM shifts s LEFT JOIN a ON a.entity_id = s.id
         WHERE s.id <> '00000000-0000-7000-8000-000000000002'
           AND (coalesce(a.opened, 0) <> 1 OR coalesce(a.closed, 0) <> CASE WHEN s.closed_at IS NOT NULL THEN 1 ELSE 0 END)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legacy_ids_in_the_sql_are_the_domains() {
        let sql = crate::store::migrate::STEPS[6].sql;
        assert!(sql.contains(crate::domain::staff::LEGACY_CLERK_ID));
        assert!(sql.contains(crate::domain::staff::LEGACY_SHIFT_ID));
        assert!(CHECKS.iter().any(|(_, q)| q.contains(crate::domain::staff::LEGACY_SHIFT_ID)));
    }
}
