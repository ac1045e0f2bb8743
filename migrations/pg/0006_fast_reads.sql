-- SQLite's migrations/0006_fast_reads.sql on PostgreSQL: the same running
-- totals (`status_totals`, `health_minutes`, kept by triggers in the writer's
-- transaction) and the same indexes, spelled PostgreSQL's way.
--
-- Not here: SQLite's customer and event word search (FTS5 tables
-- `customer_words`, `event_words` and their `search_keys`). Those tables are
-- derived from `customers` and `events` and exist only on SQLite; `boxoffice
-- copy` skips them and a SQLite target rebuilds them from the copied rows.

-- The minute a millisecond instant falls in, floor(ms / 60000), as SQLite's
-- triggers spell it.
CREATE FUNCTION minute_of(ms bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (ms - (ms % 60000 + 60000) % 60000) / 60000 $$;

-- Booking ids by their short form (the last 8 characters) and by it written
-- backwards, with the booking time.
CREATE INDEX bookings_by_short_id ON bookings (right(id, 8), created_at);
CREATE INDEX bookings_by_id_end ON bookings (reverse(right(id, 8)), created_at);
DROP INDEX bookings_by_event_status;
CREATE INDEX bookings_by_event_time ON bookings (event_id, created_at);

-- The audit screen's filters.
CREATE INDEX audit_by_event ON audit_log (event_id);
CREATE INDEX audit_by_action ON audit_log (action);
CREATE INDEX audit_by_entity_end ON audit_log (reverse(right(entity_id, 8)));
CREATE INDEX audit_by_correlation_end ON audit_log (reverse(right(correlation_id, 8)));
CREATE INDEX audit_retries ON audit_log (at, event_id) WHERE is_retry = 1;

-- Bookings per status over every event.
CREATE TABLE status_totals (
    status text COLLATE "C" PRIMARY KEY,
    count  bigint NOT NULL DEFAULT 0,
    seats  bigint NOT NULL DEFAULT 0,
    amount bigint NOT NULL DEFAULT 0
);
CREATE FUNCTION status_totals_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE status_totals SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
        WHERE status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO status_totals AS t (status, count, seats, amount) VALUES (NEW.status, 1, NEW.seats, NEW.amount)
        ON CONFLICT (status) DO UPDATE SET count = t.count + 1, seats = t.seats + excluded.seats,
            amount = t.amount + excluded.amount;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER status_totals_insert AFTER INSERT ON bookings FOR EACH ROW EXECUTE FUNCTION status_totals_count();
CREATE TRIGGER status_totals_update AFTER UPDATE OF status, seats, amount ON bookings FOR EACH ROW
    EXECUTE FUNCTION status_totals_count();
CREATE TRIGGER status_totals_delete AFTER DELETE ON bookings FOR EACH ROW EXECUTE FUNCTION status_totals_count();
INSERT INTO status_totals (status, count, seats, amount)
SELECT status, sum(count), sum(seats), sum(amount) FROM booking_totals GROUP BY status;

-- Holds made and expired and payment attempts by outcome per minute of creation.
CREATE TABLE health_minutes (
    minute    bigint PRIMARY KEY,
    holds     bigint NOT NULL DEFAULT 0,
    expired   bigint NOT NULL DEFAULT 0,
    attempts  bigint NOT NULL DEFAULT 0,
    successes bigint NOT NULL DEFAULT 0,
    failures  bigint NOT NULL DEFAULT 0,
    timeouts  bigint NOT NULL DEFAULT 0
);
CREATE FUNCTION health_minutes_holds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE health_minutes SET holds = holds - 1, expired = expired - (OLD.status = 'EXPIRED')::int
        WHERE minute = minute_of(OLD.created_at);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO health_minutes AS t (minute, holds, expired)
        VALUES (minute_of(NEW.created_at), 1, (NEW.status = 'EXPIRED')::int)
        ON CONFLICT (minute) DO UPDATE SET holds = t.holds + 1, expired = t.expired + excluded.expired;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER health_minutes_hold_insert AFTER INSERT ON holds FOR EACH ROW EXECUTE FUNCTION health_minutes_holds();
CREATE TRIGGER health_minutes_hold_update AFTER UPDATE OF status, created_at ON holds FOR EACH ROW
    WHEN ((OLD.status = 'EXPIRED') <> (NEW.status = 'EXPIRED') OR OLD.created_at <> NEW.created_at)
    EXECUTE FUNCTION health_minutes_holds();
CREATE TRIGGER health_minutes_hold_delete AFTER DELETE ON holds FOR EACH ROW EXECUTE FUNCTION health_minutes_holds();
CREATE FUNCTION health_minutes_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE health_minutes SET attempts = attempts - 1, successes = successes - (OLD.outcome = 'SUCCESS')::int,
            failures = failures - (OLD.outcome = 'FAILURE')::int, timeouts = timeouts - (OLD.outcome = 'TIMEOUT')::int
        WHERE minute = minute_of(OLD.created_at);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO health_minutes AS t (minute, attempts, successes, failures, timeouts)
        VALUES (minute_of(NEW.created_at), 1, (NEW.outcome = 'SUCCESS')::int, (NEW.outcome = 'FAILURE')::int,
                (NEW.outcome = 'TIMEOUT')::int)
        ON CONFLICT (minute) DO UPDATE SET attempts = t.attempts + 1, successes = t.successes + excluded.successes,
            failures = t.failures + excluded.failures, timeouts = t.timeouts + excluded.timeouts;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER health_minutes_attempt_insert AFTER INSERT ON payment_attempts FOR EACH ROW
    EXECUTE FUNCTION health_minutes_attempts();
CREATE TRIGGER health_minutes_attempt_update AFTER UPDATE OF outcome, created_at ON payment_attempts FOR EACH ROW
    EXECUTE FUNCTION health_minutes_attempts();
CREATE TRIGGER health_minutes_attempt_delete AFTER DELETE ON payment_attempts FOR EACH ROW
    EXECUTE FUNCTION health_minutes_attempts();
INSERT INTO health_minutes (minute, holds, expired)
SELECT minute_of(created_at) AS m, count(*), sum((status = 'EXPIRED')::int) FROM holds GROUP BY m;
INSERT INTO health_minutes AS t (minute, attempts, successes, failures, timeouts)
SELECT minute_of(created_at) AS m, count(*), sum((outcome = 'SUCCESS')::int), sum((outcome = 'FAILURE')::int),
       sum((outcome = 'TIMEOUT')::int)
FROM payment_attempts GROUP BY m
ON CONFLICT (minute) DO UPDATE SET attempts = excluded.attempts, successes = excluded.successes,
    failures = excluded.failures, timeouts = excluded.timeouts;

-- Health of one event: its hours of `hold_hours`.
CREATE INDEX hold_hours_by_event ON hold_hours (event_id, hour);
