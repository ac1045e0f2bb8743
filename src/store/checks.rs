//! SQL for `verify` and recovery: each invariant of DESIGN.md as a query that
//! returns the rows breaking it.
//!
//! Audit actions and entities are never spelled out here: a check names them
//! as parameters (`:HOLD_CREATED`, `:hold`) and `bind_names` binds each to
//! the enum value with that text, refusing a name no enum knows. Statuses stay
//! literal (the planner needs them to use the partial indexes); a test checks
//! each one against the status enums.

use crate::domain::{AuditAction, AuditEntity};
use crate::error::{Error, Result};
use rusqlite::{Connection, Statement};

/// Live seat labels whose owner no longer owns seats: the hold is not ACTIVE,
/// and it is not a CONSUMED hold whose booking is CONFIRMED.
const ORPHAN_SEATS: &str = "
    SELECT s.hold_id, s.event_id, s.label FROM hold_seats s JOIN holds h ON h.id = s.hold_id
    WHERE s.live = 1 AND h.status <> 'ACTIVE'
      AND NOT (h.status = 'CONSUMED'
               AND EXISTS (SELECT 1 FROM bookings b WHERE b.hold_id = h.id AND b.status = 'CONFIRMED'))";

/// (hold id, event id, label) of every live seat label whose hold no longer owns it.
pub fn orphan_seats(conn: &Connection) -> Result<Vec<(String, String, String)>> {
    let mut stmt = conn.prepare_cached(ORPHAN_SEATS)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Events whose free pool disagrees with what holds and bookings own:
/// (event id, available, what it should be).
pub fn drift(conn: &Connection) -> Result<Vec<(String, i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "WITH held AS (SELECT event_id, sum(seats) n FROM holds WHERE status = 'ACTIVE' GROUP BY event_id),
              sold AS (SELECT event_id, sum(seats) n FROM bookings WHERE status = 'CONFIRMED' GROUP BY event_id)
         SELECT e.id, e.available, e.total - coalesce(held.n, 0) - coalesce(sold.n, 0) AS expected
         FROM events e LEFT JOIN held ON held.event_id = e.id LEFT JOIN sold ON sold.event_id = e.id
         WHERE e.available <> expected AND expected BETWEEN 0 AND e.total",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// (invariant, query returning one text column per violation).
const CHECKS: &[(&str, &str)] = &[
    (
        "1 seat count",
        "WITH held AS (SELECT event_id, sum(seats) n FROM holds WHERE status = 'ACTIVE' GROUP BY event_id),
              sold AS (SELECT event_id, sum(seats) n FROM bookings WHERE status = 'CONFIRMED' GROUP BY event_id)
         SELECT printf('event %s (%s): available %d + held %d + sold %d <> total %d',
                       e.id, e.name, e.available, coalesce(held.n, 0), coalesce(sold.n, 0), e.total)
         FROM events e LEFT JOIN held ON held.event_id = e.id LEFT JOIN sold ON sold.event_id = e.id
         WHERE e.available + coalesce(held.n, 0) + coalesce(sold.n, 0) <> e.total
            OR e.available < 0 OR e.available > e.total",
    ),
    (
        "2 one owner per seat",
        "SELECT printf('seat %s of event %s has %d live owners', label, event_id, count(*))
         FROM hold_seats WHERE live = 1 GROUP BY event_id, label HAVING count(*) > 1",
    ),
    ("2 one owner per seat", "SELECT printf('seat %s of event %s is marked taken by hold %s, which no longer owns it', label, event_id, hold_id) FROM (ORPHAN)"),
    (
        "2 one owner per seat",
        "SELECT printf('hold %s owns %d seats but %d live labels', h.id, h.seats, count(s.label))
         FROM holds h JOIN events e ON e.id = h.event_id AND e.kind = 'RESERVED'
         LEFT JOIN hold_seats s ON s.hold_id = h.id AND s.live = 1
         WHERE h.status = 'ACTIVE' OR EXISTS (SELECT 1 FROM bookings b WHERE b.hold_id = h.id AND b.status = 'CONFIRMED')
         GROUP BY h.id HAVING count(s.label) <> h.seats",
    ),
    (
        "3 one booking per hold",
        "SELECT printf('hold %s has %d bookings', hold_id, count(*)) FROM bookings GROUP BY hold_id HAVING count(*) > 1",
    ),
    (
        "3 one result per idempotency key",
        "SELECT printf('idempotency key %s has %d payment attempts', idempotency_key, count(*))
         FROM payment_attempts GROUP BY idempotency_key HAVING count(*) > 1",
    ),
    (
        "state consistency",
        "SELECT printf('booking %s is %s but its hold %s is %s', b.id, b.status, h.id, h.status)
         FROM bookings b JOIN holds h ON h.id = b.hold_id
         WHERE (b.status = 'PAYMENT_PENDING' AND h.status <> 'ACTIVE')
            OR (b.status = 'CONFIRMED' AND h.status <> 'CONSUMED')
            OR (b.status = 'PAYMENT_FAILED' AND h.status <> 'RELEASED')
            OR (b.status = 'EXPIRED' AND h.status <> 'EXPIRED')",
    ),
    (
        "state consistency",
        "SELECT printf('booking %s is CONFIRMED without a successful payment', b.id) FROM bookings b
         WHERE b.status = 'CONFIRMED'
           AND NOT EXISTS (SELECT 1 FROM payment_attempts p WHERE p.booking_id = b.id AND p.outcome = 'SUCCESS')",
    ),
    (
        "4 one audit row per state change",
        "SELECT printf('hold %s (%s) has %d creation and %d transition audit rows', h.id, h.status,
                       (SELECT count(*) FROM audit_log a WHERE a.entity_id = h.id AND a.action = :HOLD_CREATED),
                       (SELECT count(*) FROM audit_log a WHERE a.entity_id = h.id AND a.entity = :hold
                          AND a.from_status = 'ACTIVE' AND a.to_status = h.status AND a.is_retry = 0))
         FROM holds h
         WHERE (SELECT count(*) FROM audit_log a WHERE a.entity_id = h.id AND a.action = :HOLD_CREATED) <> 1
            OR (h.status <> 'ACTIVE' AND (SELECT count(*) FROM audit_log a WHERE a.entity_id = h.id AND a.entity = :hold
                  AND a.from_status = 'ACTIVE' AND a.is_retry = 0) <> 1)",
    ),
    (
        "4 one audit row per state change",
        "SELECT printf('booking %s (%s) has %d creation and %d transition audit rows', b.id, b.status,
                       (SELECT count(*) FROM audit_log a WHERE a.entity_id = b.id AND a.action = :BOOKING_CREATED),
                       (SELECT count(*) FROM audit_log a WHERE a.entity_id = b.id AND a.entity = :booking
                          AND a.from_status IS NOT NULL AND a.is_retry = 0))
         FROM bookings b
         WHERE (SELECT count(*) FROM audit_log a WHERE a.entity_id = b.id AND a.action = :BOOKING_CREATED) <> 1
            OR (SELECT count(*) FROM audit_log a WHERE a.entity_id = b.id AND a.entity = :booking
                  AND a.from_status IS NOT NULL AND a.is_retry = 0)
               <> (CASE b.status WHEN 'PAYMENT_PENDING' THEN 0
                                 WHEN 'CANCELLED' THEN (SELECT count(*) FROM audit_log a WHERE a.entity_id = b.id
                                      AND a.from_status = 'CONFIRMED') + 1
                                 ELSE 1 END)",
    ),
    (
        "4 one audit row per state change",
        "SELECT printf('payment attempt %s has %d audit rows', p.id,
                       (SELECT count(*) FROM audit_log a WHERE a.entity_id = p.id AND a.action = :PAYMENT_ATTEMPT))
         FROM payment_attempts p
         WHERE (SELECT count(*) FROM audit_log a WHERE a.entity_id = p.id AND a.action = :PAYMENT_ATTEMPT) <> 1",
    ),
    (
        "4 one audit row per state change",
        "SELECT printf('refund %s (%s) is missing its audit rows', r.id, r.status) FROM refunds r
         WHERE (SELECT count(*) FROM audit_log a WHERE a.entity_id = r.id AND a.action = :REFUND_INITIATED) <> 1
            OR (r.status = 'PROCESSED'
                AND (SELECT count(*) FROM audit_log a WHERE a.entity_id = r.id AND a.action = :REFUND_PROCESSED) <> 1)",
    ),
    (
        "4 one audit row per state change",
        "SELECT printf('hold %s was extended %d time(s) but has %d extension record(s) and %d HOLD_EXTENDED audit row(s)',
                       h.id, h.extensions,
                       (SELECT count(*) FROM hold_extensions x WHERE x.hold_id = h.id),
                       (SELECT count(*) FROM audit_log a WHERE a.entity_id = h.id AND a.action = :HOLD_EXTENDED
                          AND a.is_retry = 0))
         FROM holds h
         WHERE h.extensions <> (SELECT count(*) FROM hold_extensions x WHERE x.hold_id = h.id)
            OR h.extensions <> (SELECT count(*) FROM audit_log a WHERE a.entity_id = h.id
                                  AND a.action = :HOLD_EXTENDED AND a.is_retry = 0)",
    ),
    (
        "5 refunds add up",
        "SELECT printf('refund %s: %d + fee %d <> %d, or more than booking %s paid (%d)', r.id, r.amount, r.fee,
                       r.original_amount, b.id, b.amount)
         FROM refunds r JOIN bookings b ON b.id = r.booking_id
         WHERE r.amount + r.fee <> r.original_amount OR r.amount > b.amount OR r.original_amount <> b.amount
            OR r.amount < 0 OR r.fee < 0",
    ),
    (
        "5 refunds add up",
        "SELECT printf('refund %s is %s but booking %s is %s', r.id, r.kind, b.id, b.status)
         FROM refunds r JOIN bookings b ON b.id = r.booking_id
         WHERE NOT ((r.kind = 'FULL' AND b.status = 'PAYMENT_FAILED') OR (r.kind = 'PARTIAL' AND b.status = 'CANCELLED'))",
    ),
];

/// The report totals kept by triggers agree with the rows they total.
const TOTALS_CHECKS: &[(&str, &str)] = &[
    (
        "report totals",
        "WITH actual AS (SELECT event_id, status, count(*) n, sum(seats) s, sum(amount) a FROM bookings GROUP BY 1, 2)
         SELECT printf('booking totals of event %s %s: kept %d/%d/%d, actual %d/%d/%d', coalesce(t.event_id, x.event_id),
                       coalesce(t.status, x.status), coalesce(t.count, 0), coalesce(t.seats, 0), coalesce(t.amount, 0),
                       coalesce(x.n, 0), coalesce(x.s, 0), coalesce(x.a, 0))
         FROM booking_totals t FULL JOIN actual x ON x.event_id = t.event_id AND x.status = t.status
         WHERE coalesce(t.count, 0) <> coalesce(x.n, 0) OR coalesce(t.seats, 0) <> coalesce(x.s, 0)
            OR coalesce(t.amount, 0) <> coalesce(x.a, 0)",
    ),
    (
        "report totals",
        "WITH actual AS (SELECT b.event_id, sum(r.amount) f, sum(r.fee) fee FROM refunds r JOIN bookings b ON b.id = r.booking_id
                         GROUP BY 1)
         SELECT printf('refund totals of event %s disagree with its refunds', coalesce(t.event_id, x.event_id))
         FROM refund_totals t FULL JOIN actual x ON x.event_id = t.event_id
         WHERE coalesce(t.refunds, 0) <> coalesce(x.f, 0)",
    ),
    (
        "report totals",
        "WITH actual AS (SELECT event_id, status, (created_at - (created_at % 3600000 + 3600000) % 3600000) / 3600000 hour,
                                count(*) n, sum(seats) s, sum(amount) a FROM bookings GROUP BY 1, 2, 3)
         SELECT printf('booking hours of event %s %s hour %d: kept %d/%d/%d, actual %d/%d/%d',
                       coalesce(t.event_id, x.event_id), coalesce(t.status, x.status), coalesce(t.hour, x.hour),
                       coalesce(t.count, 0), coalesce(t.seats, 0), coalesce(t.amount, 0),
                       coalesce(x.n, 0), coalesce(x.s, 0), coalesce(x.a, 0))
         FROM booking_hours t FULL JOIN actual x ON x.event_id = t.event_id AND x.status = t.status AND x.hour = t.hour
         WHERE coalesce(t.count, 0) <> coalesce(x.n, 0) OR coalesce(t.seats, 0) <> coalesce(x.s, 0)
            OR coalesce(t.amount, 0) <> coalesce(x.a, 0)",
    ),
    (
        "report totals",
        "WITH actual AS (SELECT b.event_id, (b.created_at - (b.created_at % 3600000 + 3600000) % 3600000) / 3600000 hour,
                                sum(r.amount) f, sum(iif(r.status = 'INITIATED', r.amount, 0)) p
                         FROM refunds r JOIN bookings b ON b.id = r.booking_id GROUP BY 1, 2)
         SELECT printf('refund hours of event %s hour %d disagree with its refunds', coalesce(t.event_id, x.event_id),
                       coalesce(t.hour, x.hour))
         FROM refund_hours t FULL JOIN actual x ON x.event_id = t.event_id AND x.hour = t.hour
         WHERE coalesce(t.refunds, 0) <> coalesce(x.f, 0) OR coalesce(t.pending, 0) <> coalesce(x.p, 0)",
    ),
    (
        "report totals",
        "WITH actual AS (SELECT (created_at - (created_at % 3600000 + 3600000) % 3600000) / 3600000 hour, event_id,
                                count(*) n, sum(status = 'EXPIRED') x FROM holds GROUP BY 1, 2)
         SELECT printf('hold hours of event %s hour %d: kept %d/%d, actual %d/%d', coalesce(t.event_id, a.event_id),
                       coalesce(t.hour, a.hour), coalesce(t.made, 0), coalesce(t.expired, 0), coalesce(a.n, 0),
                       coalesce(a.x, 0))
         FROM hold_hours t FULL JOIN actual a ON a.hour = t.hour AND a.event_id = t.event_id
         WHERE coalesce(t.made, 0) <> coalesce(a.n, 0) OR coalesce(t.expired, 0) <> coalesce(a.x, 0)",
    ),
];

/// Ticket types, tickets and the door (issue 11).
const TICKET_CHECKS: &[(&str, &str)] = &[
    (
        "6 tickets per booking",
        "WITH live AS (SELECT booking_id, count(*) n FROM tickets WHERE status IN ('VALID', 'USED') GROUP BY booking_id)
         SELECT printf('booking %s is %s with %d seat(s) but %d valid or used ticket(s)', b.id, b.status, b.seats,
                       coalesce(live.n, 0))
         FROM bookings b LEFT JOIN live ON live.booking_id = b.id
         WHERE (b.status = 'CONFIRMED' AND coalesce(live.n, 0) <> b.seats)
            OR (b.status <> 'CONFIRMED' AND coalesce(live.n, 0) <> 0)",
    ),
    (
        "6 tickets per booking",
        "SELECT printf('ticket %s of booking %s is for event %s, its booking for %s', t.id, b.id, t.event_id, b.event_id)
         FROM tickets t JOIN bookings b ON b.id = t.booking_id JOIN ticket_types y ON y.id = t.type_id
         WHERE t.event_id <> b.event_id OR y.event_id <> b.event_id",
    ),
    (
        "6 tickets per booking",
        "SELECT printf('booking %s has %d ticket(s) of type %s but bought %d', booking_id, n, type_id, count)
         FROM (SELECT i.booking_id, i.type_id, i.count,
                      (SELECT count(*) FROM tickets t WHERE t.booking_id = i.booking_id AND t.type_id = i.type_id) n
               FROM booking_items i
               WHERE EXISTS (SELECT 1 FROM tickets t WHERE t.booking_id = i.booking_id))
         WHERE n <> count",
    ),
    (
        "7 codes unique",
        "SELECT printf('ticket code %s is on %d tickets', code, count(*)) FROM tickets GROUP BY code HAVING count(*) > 1",
    ),
    (
        "8 one admission per used ticket",
        "WITH s AS (SELECT ticket_id, sum(result = 'ADMITTED') - sum(result = 'UNDONE') net FROM scans
                    WHERE ticket_id IS NOT NULL GROUP BY ticket_id)
         SELECT printf('ticket %s is %s%s with %d admission(s) net of undos', t.id, t.status,
                       iif(t.used_at IS NULL, '', ' (admitted)'), coalesce(s.net, 0))
         FROM tickets t LEFT JOIN s ON s.ticket_id = t.id
         WHERE coalesce(s.net, 0) <> (t.used_at IS NOT NULL)",
    ),
    (
        "4 one audit row per state change",
        "SELECT printf('scan %s (%s) has %d audit rows', s.id, s.result,
                       (SELECT count(*) FROM audit_log a WHERE a.entity_id = s.id AND a.entity = :scan))
         FROM scans s WHERE (SELECT count(*) FROM audit_log a WHERE a.entity_id = s.id AND a.entity = :scan) <> 1",
    ),
    (
        "9 booking items add up",
        "WITH i AS (SELECT booking_id, sum(count) n, sum(count * unit_price) a FROM booking_items GROUP BY booking_id)
         SELECT printf('booking %s: %d seat(s) for %d, its ticket types %d for %d', b.id, b.seats, b.amount,
                       coalesce(i.n, 0), coalesce(i.a, 0))
         FROM bookings b LEFT JOIN i ON i.booking_id = b.id
         WHERE coalesce(i.n, 0) <> b.seats OR coalesce(i.a, 0) <> b.amount",
    ),
    (
        "10 type limits",
        "SELECT printf('type %s (%s) of event %s has %d seat(s) sold or awaiting payment, over its limit of %d',
                       id, name, event_id, n, quota)
         FROM (SELECT y.id, y.name, y.event_id, y.quota,
                      (SELECT coalesce(sum(i.count), 0) FROM booking_items i JOIN bookings b ON b.id = i.booking_id
                       WHERE i.type_id = y.id AND b.status IN ('PAYMENT_PENDING', 'CONFIRMED')) n
               FROM ticket_types y WHERE y.quota IS NOT NULL)
         WHERE n > quota",
    ),
    (
        "report totals",
        "WITH actual AS (SELECT i.type_id, b.status, sum(i.count) s, sum(i.count * i.unit_price) a
                         FROM bookings b CROSS JOIN booking_items i ON i.booking_id = b.id GROUP BY 1, 2)
         SELECT printf('type totals of %s %s: kept %d/%d, actual %d/%d', coalesce(t.type_id, x.type_id),
                       coalesce(t.status, x.status), coalesce(t.seats, 0), coalesce(t.amount, 0), coalesce(x.s, 0),
                       coalesce(x.a, 0))
         FROM type_totals t FULL JOIN actual x ON x.type_id = t.type_id AND x.status = t.status
         WHERE coalesce(t.seats, 0) <> coalesce(x.s, 0) OR coalesce(t.amount, 0) <> coalesce(x.a, 0)",
    ),
];

pub fn verify(conn: &Connection) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (name, sql) in CHECKS.iter().chain(TOTALS_CHECKS).chain(TICKET_CHECKS).chain(super::staff::CHECKS) {
        let sql = sql.replace("(ORPHAN)", &format!("({ORPHAN_SEATS})"));
        let mut stmt = conn.prepare_cached(&sql)?;
        bind_names(&mut stmt)?;
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            out.push(format!("invariant {name}: {}", row.get::<_, String>(0)?));
        }
    }
    Ok(out)
}

/// Binds every `:NAME` parameter of `stmt` to the audit action or entity whose
/// text is NAME; a name neither knows is an error, never a silent NULL.
fn bind_names(stmt: &mut Statement<'_>) -> Result<()> {
    for i in 1..=stmt.parameter_count() {
        let name = stmt.parameter_name(i).unwrap_or_default().trim_start_matches(':').to_string();
        if let Some(action) = AuditAction::parse(&name) {
            stmt.raw_bind_parameter(i, action)?;
        } else if let Some(entity) = AuditEntity::parse(&name) {
            stmt.raw_bind_parameter(i, entity)?;
        } else {
            return Err(Error::Storage(format!("a verify check names ':{name}', which is no audit action or entity")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_binds_its_names_and_a_clean_file_passes() {
        let conn = crate::store::open_in_memory().expect("db");
        assert_eq!(verify(&conn).expect("every check prepares and binds"), Vec::<String>::new());
    }

    #[test]
    fn a_name_no_enum_knows_is_refused_not_bound_as_null() {
        let conn = crate::store::open_in_memory().expect("db");
        let mut stmt = conn.prepare("SELECT count(*) FROM audit_log WHERE action = :HOLD_CRAETED").expect("prepare");
        let err = bind_names(&mut stmt).expect_err("a typo");
        assert!(err.to_string().contains(":HOLD_CRAETED"), "{err}");
        let mut stmt = conn.prepare("SELECT :HOLD_CREATED, :hold").expect("prepare");
        bind_names(&mut stmt).expect("known names");
        let mut rows = stmt.raw_query();
        let row = rows.next().expect("step").expect("a row");
        assert_eq!(
            (row.get::<_, String>(0).expect("action"), row.get::<_, String>(1).expect("entity")),
            ("HOLD_CREATED".into(), "hold".into())
        );
    }
}
