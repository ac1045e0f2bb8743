-- Step 9: the running totals over every event (`status_totals`,
-- `health_minutes`) were one row per status and one per minute that every
-- write on every event updated, so writers on different events, which
-- PostgreSQL commits side by side, queued on that row until the one ahead
-- committed. Each total is now spread over 16 slots, the last character of
-- the counted row's id (random in a UUIDv7), so two writers meet on a row one
-- time in 16; readers sum the slots. Same tables as SQLite's step 9.
DROP TABLE status_totals;
DROP FUNCTION status_totals_count() CASCADE;
DROP TABLE health_minutes;
DROP FUNCTION health_minutes_holds() CASCADE;
DROP FUNCTION health_minutes_attempts() CASCADE;
CREATE TABLE status_totals (
    status text COLLATE "C" NOT NULL,
    slot   text COLLATE "C" NOT NULL,
    count  bigint NOT NULL DEFAULT 0,
    seats  bigint NOT NULL DEFAULT 0,
    amount bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (status, slot)
);
CREATE FUNCTION status_totals_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE status_totals SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
        WHERE status = OLD.status AND slot = right(OLD.id, 1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO status_totals AS t (status, slot, count, seats, amount)
        VALUES (NEW.status, right(NEW.id, 1), 1, NEW.seats, NEW.amount)
        ON CONFLICT (status, slot) DO UPDATE SET count = t.count + 1, seats = t.seats + excluded.seats,
            amount = t.amount + excluded.amount;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER status_totals_insert AFTER INSERT ON bookings FOR EACH ROW EXECUTE FUNCTION status_totals_count();
CREATE TRIGGER status_totals_update AFTER UPDATE OF status, seats, amount ON bookings FOR EACH ROW
    EXECUTE FUNCTION status_totals_count();
CREATE TRIGGER status_totals_delete AFTER DELETE ON bookings FOR EACH ROW EXECUTE FUNCTION status_totals_count();
INSERT INTO status_totals (status, slot, count, seats, amount)
SELECT status, right(id, 1) AS s, count(*), sum(seats), sum(amount) FROM bookings GROUP BY status, s;

-- Holds made and expired and payment attempts by outcome per minute of creation.
CREATE TABLE health_minutes (
    minute    bigint NOT NULL,
    slot      text COLLATE "C" NOT NULL,
    holds     bigint NOT NULL DEFAULT 0,
    expired   bigint NOT NULL DEFAULT 0,
    attempts  bigint NOT NULL DEFAULT 0,
    successes bigint NOT NULL DEFAULT 0,
    failures  bigint NOT NULL DEFAULT 0,
    timeouts  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, slot)
);
CREATE FUNCTION health_minutes_holds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE health_minutes SET holds = holds - 1, expired = expired - (OLD.status = 'EXPIRED')::int
        WHERE minute = minute_of(OLD.created_at) AND slot = right(OLD.id, 1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO health_minutes AS t (minute, slot, holds, expired)
        VALUES (minute_of(NEW.created_at), right(NEW.id, 1), 1, (NEW.status = 'EXPIRED')::int)
        ON CONFLICT (minute, slot) DO UPDATE SET holds = t.holds + 1, expired = t.expired + excluded.expired;
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
        WHERE minute = minute_of(OLD.created_at) AND slot = right(OLD.id, 1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO health_minutes AS t (minute, slot, attempts, successes, failures, timeouts)
        VALUES (minute_of(NEW.created_at), right(NEW.id, 1), 1, (NEW.outcome = 'SUCCESS')::int, (NEW.outcome = 'FAILURE')::int,
                (NEW.outcome = 'TIMEOUT')::int)
        ON CONFLICT (minute, slot) DO UPDATE SET attempts = t.attempts + 1, successes = t.successes + excluded.successes,
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
INSERT INTO health_minutes (minute, slot, holds, expired)
SELECT minute_of(created_at) AS m, right(id, 1) AS s, count(*), sum((status = 'EXPIRED')::int) FROM holds GROUP BY m, s;
INSERT INTO health_minutes AS t (minute, slot, attempts, successes, failures, timeouts)
SELECT minute_of(created_at) AS m, right(id, 1) AS s, count(*), sum((outcome = 'SUCCESS')::int),
       sum((outcome = 'FAILURE')::int), sum((outcome = 'TIMEOUT')::int)
FROM payment_attempts GROUP BY m, s
ON CONFLICT (minute, slot) DO UPDATE SET attempts = excluded.attempts, successes = excluded.successes,
    failures = excluded.failures, timeouts = excluded.timeouts;
