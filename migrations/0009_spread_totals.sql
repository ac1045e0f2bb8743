-- Step 9: the running totals over every event (`status_totals`,
-- `health_minutes`) were one row per status and one per minute that every
-- write on every event updated. On PostgreSQL, where writes on different
-- events commit side by side, that row serialised them (each waited for the
-- one ahead to commit). Each total is now spread over 16 slots, the last
-- character of the counted row's id (random in a UUIDv7), so two writers
-- meet on a row one time in 16; readers sum the slots (at most 16 rows per
-- status or minute). SQLite keeps the same tables so the schemas stay alike.
DROP TRIGGER status_totals_insert;
DROP TRIGGER status_totals_update;
DROP TRIGGER status_totals_delete;
DROP TABLE status_totals;
DROP TRIGGER health_minutes_hold_insert;
DROP TRIGGER health_minutes_hold_update;
DROP TRIGGER health_minutes_hold_delete;
DROP TRIGGER health_minutes_attempt_insert;
DROP TRIGGER health_minutes_attempt_update;
DROP TRIGGER health_minutes_attempt_delete;
DROP TABLE health_minutes;
CREATE TABLE status_totals (
    status TEXT NOT NULL,
    slot   TEXT NOT NULL,
    count  INTEGER NOT NULL DEFAULT 0,
    seats  INTEGER NOT NULL DEFAULT 0,
    amount INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (status, slot)
) WITHOUT ROWID;
CREATE TRIGGER status_totals_insert AFTER INSERT ON bookings
BEGIN
    INSERT INTO status_totals (status, slot, count, seats, amount)
    VALUES (NEW.status, substr(NEW.id, -1), 1, NEW.seats, NEW.amount)
    ON CONFLICT (status, slot) DO UPDATE SET count = count + 1, seats = seats + excluded.seats, amount = amount + excluded.amount;
END;
CREATE TRIGGER status_totals_update AFTER UPDATE OF status, seats, amount ON bookings
BEGIN
    UPDATE status_totals SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
    WHERE status = OLD.status AND slot = substr(OLD.id, -1);
    INSERT INTO status_totals (status, slot, count, seats, amount)
    VALUES (NEW.status, substr(NEW.id, -1), 1, NEW.seats, NEW.amount)
    ON CONFLICT (status, slot) DO UPDATE SET count = count + 1, seats = seats + excluded.seats, amount = amount + excluded.amount;
END;
CREATE TRIGGER status_totals_delete AFTER DELETE ON bookings
BEGIN
    UPDATE status_totals SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
    WHERE status = OLD.status AND slot = substr(OLD.id, -1);
END;
INSERT INTO status_totals (status, slot, count, seats, amount)
SELECT status, substr(id, -1) AS s, count(*), sum(seats), sum(amount) FROM bookings GROUP BY status, s;
-- Health over all events: holds made and expired and payment attempts by
-- outcome per minute (minute = floor(ms / 60000)) of the hold's or attempt's
-- creation, so a window sums its whole minutes here and reads only the edges
-- and the minutes that straddle an hour of `sales_per_hour` from the indexes.
CREATE TABLE health_minutes (
    minute    INTEGER NOT NULL,
    slot      TEXT NOT NULL,
    holds     INTEGER NOT NULL DEFAULT 0,
    expired   INTEGER NOT NULL DEFAULT 0,
    attempts  INTEGER NOT NULL DEFAULT 0,
    successes INTEGER NOT NULL DEFAULT 0,
    failures  INTEGER NOT NULL DEFAULT 0,
    timeouts  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, slot)
);
CREATE TRIGGER health_minutes_hold_insert AFTER INSERT ON holds
BEGIN
    INSERT INTO health_minutes (minute, slot, holds, expired)
    VALUES ((NEW.created_at - (NEW.created_at % 60000 + 60000) % 60000) / 60000, substr(NEW.id, -1), 1, NEW.status = 'EXPIRED')
    ON CONFLICT (minute, slot) DO UPDATE SET holds = holds + 1, expired = expired + excluded.expired;
END;
CREATE TRIGGER health_minutes_hold_update AFTER UPDATE OF status, created_at ON holds
WHEN (OLD.status = 'EXPIRED') <> (NEW.status = 'EXPIRED') OR OLD.created_at <> NEW.created_at
BEGIN
    UPDATE health_minutes SET holds = holds - 1, expired = expired - (OLD.status = 'EXPIRED')
    WHERE minute = (OLD.created_at - (OLD.created_at % 60000 + 60000) % 60000) / 60000 AND slot = substr(OLD.id, -1);
    INSERT INTO health_minutes (minute, slot, holds, expired)
    VALUES ((NEW.created_at - (NEW.created_at % 60000 + 60000) % 60000) / 60000, substr(NEW.id, -1), 1, NEW.status = 'EXPIRED')
    ON CONFLICT (minute, slot) DO UPDATE SET holds = holds + 1, expired = expired + excluded.expired;
END;
CREATE TRIGGER health_minutes_hold_delete AFTER DELETE ON holds
BEGIN
    UPDATE health_minutes SET holds = holds - 1, expired = expired - (OLD.status = 'EXPIRED')
    WHERE minute = (OLD.created_at - (OLD.created_at % 60000 + 60000) % 60000) / 60000 AND slot = substr(OLD.id, -1);
END;
CREATE TRIGGER health_minutes_attempt_insert AFTER INSERT ON payment_attempts
BEGIN
    INSERT INTO health_minutes (minute, slot, attempts, successes, failures, timeouts)
    VALUES ((NEW.created_at - (NEW.created_at % 60000 + 60000) % 60000) / 60000, substr(NEW.id, -1), 1, NEW.outcome = 'SUCCESS',
            NEW.outcome = 'FAILURE', NEW.outcome = 'TIMEOUT')
    ON CONFLICT (minute, slot) DO UPDATE SET attempts = attempts + 1, successes = successes + excluded.successes,
        failures = failures + excluded.failures, timeouts = timeouts + excluded.timeouts;
END;
CREATE TRIGGER health_minutes_attempt_update AFTER UPDATE OF outcome, created_at ON payment_attempts
BEGIN
    UPDATE health_minutes SET attempts = attempts - 1, successes = successes - (OLD.outcome = 'SUCCESS'),
        failures = failures - (OLD.outcome = 'FAILURE'), timeouts = timeouts - (OLD.outcome = 'TIMEOUT')
    WHERE minute = (OLD.created_at - (OLD.created_at % 60000 + 60000) % 60000) / 60000 AND slot = substr(OLD.id, -1);
    INSERT INTO health_minutes (minute, slot, attempts, successes, failures, timeouts)
    VALUES ((NEW.created_at - (NEW.created_at % 60000 + 60000) % 60000) / 60000, substr(NEW.id, -1), 1, NEW.outcome = 'SUCCESS',
            NEW.outcome = 'FAILURE', NEW.outcome = 'TIMEOUT')
    ON CONFLICT (minute, slot) DO UPDATE SET attempts = attempts + 1, successes = successes + excluded.successes,
        failures = failures + excluded.failures, timeouts = timeouts + excluded.timeouts;
END;
CREATE TRIGGER health_minutes_attempt_delete AFTER DELETE ON payment_attempts
BEGIN
    UPDATE health_minutes SET attempts = attempts - 1, successes = successes - (OLD.outcome = 'SUCCESS'),
        failures = failures - (OLD.outcome = 'FAILURE'), timeouts = timeouts - (OLD.outcome = 'TIMEOUT')
    WHERE minute = (OLD.created_at - (OLD.created_at % 60000 + 60000) % 60000) / 60000 AND slot = substr(OLD.id, -1);
END;
INSERT INTO health_minutes (minute, slot, holds, expired)
SELECT (created_at - (created_at % 60000 + 60000) % 60000) / 60000 AS m, substr(id, -1) AS s, count(*),
       sum(status = 'EXPIRED')
FROM holds GROUP BY m, s;
INSERT INTO health_minutes (minute, slot, attempts, successes, failures, timeouts)
SELECT (created_at - (created_at % 60000 + 60000) % 60000) / 60000 AS m, substr(id, -1) AS s, count(*),
       sum(outcome = 'SUCCESS'), sum(outcome = 'FAILURE'), sum(outcome = 'TIMEOUT')
FROM payment_attempts WHERE true GROUP BY m, s
ON CONFLICT (minute, slot) DO UPDATE SET attempts = excluded.attempts, successes = excluded.successes,
    failures = excluded.failures, timeouts = excluded.timeouts;
