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
use crate::store::db::{Db, Param};
use rusqlite::{Connection, Statement};

/// Live seat labels whose owner no longer owns seats: the hold is not ACTIVE,
/// and it is not a CONSUMED hold whose booking is CONFIRMED.
const ORPHAN_SEATS: &str = "
    SELECT s.hold_id, s.event_id, s.label FROM hold_seats s JOIN holds h ON h.id = s.hold_id
    WHERE s.live = 1 AND h.status <> 'ACTIVE'
      AND NOT (h.status = 'CONSUMED'
               AND EXISTS (SELECT 1 FROM bookings b WHERE b.hold_id = h.id AND b.status = 'CONFIRMED'))";

/// (hold id, event id, label) of every live seat label whose hold no longer owns it.
pub fn orphan_seats(db: &Db) -> Result<Vec<(String, String, String)>> {
    db.query_all(ORPHAN_SEATS, &[], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
}

/// Events whose free pool disagrees with what holds and bookings own:
/// (event id, available, what it should be). (`expected` is computed in a
/// subquery: PostgreSQL takes no output alias in `WHERE`.)
pub fn drift(db: &Db) -> Result<Vec<(String, i64, i64)>> {
    db.query_all(
        &db.unhinted(
            "WITH held AS (SELECT event_id, sum(seats) n FROM holds WHERE status = 'ACTIVE' GROUP BY event_id),
                  sold AS (SELECT event_id, sum(seats) n FROM bookings INDEXED BY bookings_report
                           WHERE status = 'CONFIRMED' GROUP BY event_id)
             SELECT id, available, expected FROM
                 (SELECT e.id, e.available, e.total, e.total - coalesce(held.n, 0) - coalesce(sold.n, 0) AS expected
                  FROM events e LEFT JOIN held ON held.event_id = e.id LEFT JOIN sold ON sold.event_id = e.id) AS d
             WHERE available <> expected AND expected BETWEEN 0 AND total",
        ),
        &[],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
}

/// (invariant, query returning one text column per violation).
const CHECKS: &[(&str, &str)] = &[
    (
        "1 seat count",
        "WITH held AS (SELECT event_id, sum(seats) n FROM holds WHERE status = 'ACTIVE' GROUP BY event_id),
              sold AS (SELECT event_id, sum(seats) n FROM bookings INDEXED BY bookings_report
                       WHERE status = 'CONFIRMED' GROUP BY event_id)
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
    ("2 one owner per seat", "SELECT printf('seat %s of event %s is marked taken by hold %s, which no longer owns it', label, event_id, hold_id) FROM (ORPHAN) AS o"),
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
                       (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = h.id AND a.action = :HOLD_CREATED),
                       (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = h.id AND a.entity = :hold
                          AND a.from_status = 'ACTIVE' AND a.to_status = h.status AND a.is_retry = 0))
         FROM holds h
         WHERE (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = h.id AND a.action = :HOLD_CREATED) <> 1
            OR (h.status <> 'ACTIVE' AND (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = h.id AND a.entity = :hold
                  AND a.from_status = 'ACTIVE' AND a.is_retry = 0) <> 1)",
    ),
    (
        "4 one audit row per state change",
        "SELECT printf('booking %s (%s) has %d creation and %d transition audit rows', b.id, b.status,
                       (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = b.id AND a.action = :BOOKING_CREATED),
                       (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = b.id AND a.entity = :booking
                          AND a.from_status IS NOT NULL AND a.is_retry = 0))
         FROM bookings b
         WHERE (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = b.id AND a.action = :BOOKING_CREATED) <> 1
            OR (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = b.id AND a.entity = :booking
                  AND a.from_status IS NOT NULL AND a.is_retry = 0)
               <> (CASE b.status WHEN 'PAYMENT_PENDING' THEN 0
                                 WHEN 'CANCELLED' THEN (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = b.id
                                      AND a.from_status = 'CONFIRMED') + 1
                                 ELSE 1 END)",
    ),
    (
        "4 one audit row per state change",
        "SELECT printf('payment attempt %s has %d audit rows', p.id,
                       (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = p.id AND a.action = :PAYMENT_ATTEMPT))
         FROM payment_attempts p
         WHERE (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = p.id AND a.action = :PAYMENT_ATTEMPT) <> 1",
    ),
    (
        "4 one audit row per state change",
        "SELECT printf('refund %s (%s) is missing its audit rows', r.id, r.status) FROM refunds r
         WHERE (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = r.id AND a.action = :REFUND_INITIATED) <> 1
            OR (r.status = 'PROCESSED'
                AND (SELECT count(*) FROM audit_log a INDEXED BY audit_by_entity WHERE a.entity_id = r.id AND a.action = :REFUND_PROCESSED) <> 1)",
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

/// The running totals kept by triggers agree with the rows they total. Each
/// check groups the kept rows and the counted rows together (one sort of
/// both, `UNION ALL` then `GROUP BY`) rather than joining one to the other,
/// which SQLite would do row by row: linear in the rows, not quadratic.
const TOTALS_CHECKS: &[(&str, &str)] = &[
    (
        "report totals",
        "SELECT printf('booking totals of event %s %s: kept %d/%d/%d, actual %d/%d/%d', event_id, status, kc, ks, ka, n, s, a)
         FROM (SELECT event_id, status, sum(kc) kc, sum(ks) ks, sum(ka) ka, sum(n) n, sum(s) s, sum(a) a
               FROM (SELECT event_id, status, count kc, seats ks, amount ka, 0 n, 0 s, 0 a FROM booking_totals
                     UNION ALL
                     SELECT event_id, status, 0, 0, 0, count(*), sum(seats), sum(amount)
                     FROM bookings INDEXED BY bookings_report GROUP BY event_id, status) AS u
               GROUP BY event_id, status) AS g
         WHERE kc <> n OR ks <> s OR ka <> a",
    ),
    (
        "report totals",
        "SELECT printf('status totals of %s: kept %d/%d/%d, the events'' totals %d/%d/%d', status, kc, ks, ka, n, s, a)
         FROM (SELECT status, sum(kc) kc, sum(ks) ks, sum(ka) ka, sum(n) n, sum(s) s, sum(a) a
               FROM (SELECT status, count kc, seats ks, amount ka, 0 n, 0 s, 0 a FROM status_totals
                     UNION ALL
                     SELECT status, 0, 0, 0, count, seats, amount FROM booking_totals) AS u
               GROUP BY status) AS g
         WHERE kc <> n OR ks <> s OR ka <> a",
    ),
    (
        "report totals",
        "SELECT printf('refund totals of event %s disagree with its refunds', event_id)
         FROM (SELECT event_id, sum(kr) kr, sum(kf) kf, sum(kp) kp, sum(kk) kk, sum(r) r, sum(f) f, sum(p) p, sum(k) k
               FROM (SELECT event_id, refunds kr, \"full\" kf, pending kp, fees_kept kk, 0 r, 0 f, 0 p, 0 k FROM refund_totals
                     UNION ALL
                     SELECT b.event_id, 0, 0, 0, 0, r.amount, iif(r.kind = 'FULL', r.amount, 0),
                            iif(r.status = 'INITIATED', r.amount, 0), iif(r.kind = 'PARTIAL', r.fee, 0)
                     FROM refunds r JOIN bookings b ON b.id = r.booking_id) AS u
               GROUP BY event_id) AS g
         WHERE kr <> r OR kf <> f OR kp <> p OR kk <> k",
    ),
    (
        "report totals",
        "SELECT printf('booking hours of event %s %s hour %d: kept %d/%d/%d, actual %d/%d/%d',
                       event_id, status, hour, kc, ks, ka, n, s, a)
         FROM (SELECT event_id, status, hour, sum(kc) kc, sum(ks) ks, sum(ka) ka, sum(n) n, sum(s) s, sum(a) a
               FROM (SELECT event_id, status, hour, count kc, seats ks, amount ka, 0 n, 0 s, 0 a FROM booking_hours
                     UNION ALL
                     SELECT event_id, status, (created_at - (created_at % 3600000 + 3600000) % 3600000) / 3600000,
                            0, 0, 0, 1, seats, amount
                     FROM bookings INDEXED BY bookings_report) AS u
               GROUP BY event_id, status, hour) AS g
         WHERE kc <> n OR ks <> s OR ka <> a",
    ),
    (
        "report totals",
        "SELECT printf('refund hours of event %s hour %d disagree with its refunds', event_id, hour)
         FROM (SELECT event_id, hour, sum(kr) kr, sum(kf) kf, sum(kp) kp, sum(kk) kk, sum(r) r, sum(f) f, sum(p) p, sum(k) k
               FROM (SELECT event_id, hour, refunds kr, \"full\" kf, pending kp, fees_kept kk, 0 r, 0 f, 0 p, 0 k
                     FROM refund_hours
                     UNION ALL
                     SELECT b.event_id, (b.created_at - (b.created_at % 3600000 + 3600000) % 3600000) / 3600000,
                            0, 0, 0, 0, r.amount, iif(r.kind = 'FULL', r.amount, 0),
                            iif(r.status = 'INITIATED', r.amount, 0), iif(r.kind = 'PARTIAL', r.fee, 0)
                     FROM refunds r JOIN bookings b ON b.id = r.booking_id) AS u
               GROUP BY event_id, hour) AS g
         WHERE kr <> r OR kf <> f OR kp <> p OR kk <> k",
    ),
    (
        "report totals",
        "SELECT printf('hold hours of event %s hour %d: kept %d/%d, actual %d/%d', event_id, hour, km, kx, n, x)
         FROM (SELECT hour, event_id, sum(km) km, sum(kx) kx, sum(n) n, sum(x) x
               FROM (SELECT hour, event_id, made km, expired kx, 0 n, 0 x FROM hold_hours
                     UNION ALL
                     SELECT (created_at - (created_at % 3600000 + 3600000) % 3600000) / 3600000, event_id,
                            0, 0, 1, CASE WHEN status = 'EXPIRED' THEN 1 ELSE 0 END
                     FROM holds INDEXED BY holds_by_time) AS u
               GROUP BY hour, event_id) AS g
         WHERE km <> n OR kx <> x",
    ),
    (
        "report totals",
        "SELECT printf('health minute %d: kept %d/%d holds, %d/%d/%d/%d attempts; actual %d/%d, %d/%d/%d/%d',
                       minute, kh, kx, ka, ks, kf, kt, h, x, a, s, f, t)
         FROM (SELECT minute, sum(kh) kh, sum(kx) kx, sum(ka) ka, sum(ks) ks, sum(kf) kf, sum(kt) kt,
                      sum(h) h, sum(x) x, sum(a) a, sum(s) s, sum(f) f, sum(t) t
               FROM (SELECT minute, holds kh, expired kx, attempts ka, successes ks, failures kf, timeouts kt,
                            0 h, 0 x, 0 a, 0 s, 0 f, 0 t FROM health_minutes
                     UNION ALL
                     SELECT (created_at - (created_at % 60000 + 60000) % 60000) / 60000, 0, 0, 0, 0, 0, 0,
                            1, CASE WHEN status = 'EXPIRED' THEN 1 ELSE 0 END, 0, 0, 0, 0
                     FROM holds INDEXED BY holds_by_time
                     UNION ALL
                     SELECT (created_at - (created_at % 60000 + 60000) % 60000) / 60000, 0, 0, 0, 0, 0, 0,
                            0, 0, 1, CASE WHEN outcome = 'SUCCESS' THEN 1 ELSE 0 END,
                            CASE WHEN outcome = 'FAILURE' THEN 1 ELSE 0 END, CASE WHEN outcome = 'TIMEOUT' THEN 1 ELSE 0 END
                     FROM payment_attempts INDEXED BY payment_attempts_report) AS u
               GROUP BY minute) AS g
         WHERE kh <> h OR kx <> x OR ka <> a OR ks <> s OR kf <> f OR kt <> t",
    ),
    (
        "search index",
        "SELECT printf('customer %s (%s) is not in the search index', c.id, c.name) FROM customers c
         WHERE NOT EXISTS (SELECT 1 FROM search_keys k JOIN customer_words_docsize d ON d.id = k.n WHERE k.ref = c.id)
         UNION ALL
         SELECT printf('event %s (%s) is not in the search index', e.id, e.name) FROM events e
         WHERE NOT EXISTS (SELECT 1 FROM search_keys k JOIN event_words_docsize d ON d.id = k.n WHERE k.ref = e.id)
         UNION ALL
         SELECT printf('search key %d names %s, which is no customer or event', k.n, k.ref) FROM search_keys k
         WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = k.ref)
           AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = k.ref)
         UNION ALL
         SELECT printf('the customer search index holds %d, which is no customer''s key', d.id) FROM customer_words_docsize d
         WHERE NOT EXISTS (SELECT 1 FROM search_keys k JOIN customers c ON c.id = k.ref WHERE k.n = d.id)
         UNION ALL
         SELECT printf('the event search index holds %d, which is no event''s key', d.id) FROM event_words_docsize d
         WHERE NOT EXISTS (SELECT 1 FROM search_keys k JOIN events e ON e.id = k.ref WHERE k.n = d.id)",
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
               WHERE EXISTS (SELECT 1 FROM tickets t WHERE t.booking_id = i.booking_id)) AS x
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
         WHERE coalesce(s.net, 0) <> CASE WHEN t.used_at IS NOT NULL THEN 1 ELSE 0 END",
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
               FROM ticket_types y WHERE y.quota IS NOT NULL) AS x
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

/// Every check's violations, on either backend.
pub fn verify(db: &Db) -> Result<Vec<String>> {
    match db {
        Db::Sqlite(conn) => verify_sqlite(conn),
        Db::Pg(_) => verify_pg(db),
    }
}

/// PostgreSQL's word search (step 10) is an expression index over the rows
/// themselves, which the server keeps in each writer's transaction: there
/// is no second copy of the words to fall behind or to hold a stale key, as
/// SQLite's FTS5 tables can. What can go wrong is the index itself: dropped,
/// or left invalid by a failed `CREATE INDEX CONCURRENTLY` or `REINDEX`
/// (searches then still answer, by reading every row).
const PG_SEARCH_INDEX: &str = "
    SELECT format('the word index %s is missing or not valid (searches then read every row): make it again as \
                   migrations/pg/0010_word_search.sql does', w.n)
    FROM (VALUES ('customers_by_words'), ('customers_by_phone'), ('events_by_words')) AS w(n)
    WHERE NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                      JOIN pg_namespace s ON s.oid = c.relnamespace
                      WHERE c.relname = w.n AND s.nspname = current_schema() AND i.indisvalid AND i.indisready)";

/// The checks on PostgreSQL: the same texts, with what SQLite alone has put
/// the way PostgreSQL says it (see [`for_postgres`]); the word-search check is
/// PostgreSQL's own ([`PG_SEARCH_INDEX`]).
fn verify_pg(db: &Db) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (name, sql) in CHECKS.iter().chain(TOTALS_CHECKS).chain(TICKET_CHECKS).chain(super::staff::CHECKS) {
        let sql = if *name == "search index" { PG_SEARCH_INDEX } else { sql };
        let (sql, names) = for_postgres(&sql.replace("(ORPHAN)", &format!("({ORPHAN_SEATS})")))?;
        let args: Vec<Param<'_>> = names.iter().map(|n| Param::Text(n)).collect();
        let found = db
            .query_all(&sql, &args, |r| r.get::<String>(0))
            .map_err(|e| Error::Storage(format!("verify check {name}: {e}")))?;
        out.extend(found.into_iter().map(|v| format!("invariant {name}: {v}")));
    }
    Ok(out)
}

/// A check's SQLite text as PostgreSQL takes it, and the audit names its
/// `?N` stand for. The checks were written for SQLite; rather than keep a
/// second copy of each, the few differences are rewritten here, each a plain
/// text substitution: `printf` is `format` (whose `%s` prints numbers too),
/// `INDEXED BY` hints go, `CROSS JOIN … ON` (SQLite's join-order hint) is a
/// `JOIN`, a flag summed (`sum(x = <text>)`) is summed as 0/1, and `:NAME`
/// parameters become numbered ones bound to the action or entity NAME.
fn for_postgres(sql: &str) -> Result<(String, Vec<&'static str>)> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut sql =
        super::db::strip_hints(&sql.replace("printf(", "format(").replace("%d", "%s").replace("CROSS JOIN", "JOIN"));
    // A flag summed, `sum(col = <a quoted text>)`, becomes `sum(CASE WHEN … THEN 1 ELSE 0 END)`.
    let mut from = 0;
    while let Some(at) = sql[from..].find("sum(").map(|n| from + n) {
        let inner = &sql[at + 4..];
        let close = inner.find(')').unwrap_or(0);
        let cond = &inner[..close];
        if let Some((col, value)) = cond.split_once(" = ")
            && col.chars().all(|c| word(c) || c == '.')
            && value.starts_with('\'')
            && value.ends_with('\'')
        {
            let rewritten = format!("sum(CASE WHEN {cond} THEN 1 ELSE 0 END)");
            sql.replace_range(at..at + 4 + close + 1, &rewritten);
            from = at + rewritten.len();
        } else {
            from = at + 4;
        }
    }
    let mut names: Vec<&'static str> = Vec::new();
    let mut out = String::new();
    let mut rest = sql.as_str();
    while let Some(at) = rest.find(':') {
        let after = &rest[at + 1..];
        let len = after.find(|c: char| !word(c)).unwrap_or(after.len());
        if len == 0 || after.starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str(&rest[..=at]);
            rest = after;
            continue;
        }
        let name = &after[..len];
        let text = match (AuditAction::parse(name), AuditEntity::parse(name)) {
            (Some(a), _) => a.as_str(),
            (None, Some(e)) => e.as_str(),
            (None, None) => {
                return Err(Error::Storage(format!(
                    "a verify check names ':{name}', which is no audit action or entity"
                )));
            }
        };
        let n = match names.iter().position(|t| *t == text) {
            Some(i) => i + 1,
            None => {
                names.push(text);
                names.len()
            }
        };
        out.push_str(&rest[..at]);
        out.push_str(&format!("?{n}"));
        rest = &after[len..];
    }
    out.push_str(rest);
    Ok((out, names))
}

/// [`verify`] on SQLite (also what `backup` checks a copied file with).
pub fn verify_sqlite(conn: &Connection) -> Result<Vec<String>> {
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
        assert_eq!(verify_sqlite(&conn).expect("every check prepares and binds"), Vec::<String>::new());
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
