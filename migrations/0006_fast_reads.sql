-- Every screen's reads fast on a big file (10,000 events, 1,000,000 bookings),
-- and a search that finds customers whatever the case, accents or phone
-- punctuation. Everything here is derived from rows already in the file and
-- is filled for them below; triggers keep it in the writer's own transaction.

-- ---- search -----------------------------------------------------------------
-- Words of customers' names and emails, their phones' digits, and events'
-- names, in FTS5 indexes that ignore case and accents and answer a word's
-- start from prefix indexes. `search_keys` gives each customer and event a
-- stable integer for the FTS rowid (a table's own rowid may change on VACUUM;
-- an INTEGER PRIMARY KEY does not).
CREATE TABLE search_keys (
    n   INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE -- a customer's or an event's id
);
-- `phone` holds every ending of the phone's digits (16 positions cover the
-- 15 digits and the + a phone may have), so digits typed anywhere in a number
-- are the start of one word; `number` the whole number without leading zeros.
CREATE VIRTUAL TABLE customer_words USING fts5(name, email, phone, number, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
CREATE VIRTUAL TABLE event_words USING fts5(name, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
-- A customer erased on request (engine::privacy) leaves no word of them in the
-- index: FTS5's secure-delete removes a deleted row's terms at once instead of
-- leaving them behind a tombstone until the segments merge.
INSERT INTO customer_words (customer_words, rank) VALUES ('secure-delete', 1);
INSERT INTO event_words (event_words, rank) VALUES ('secure-delete', 1);
CREATE TRIGGER customer_words_insert AFTER INSERT ON customers
BEGIN
    INSERT INTO search_keys (ref) VALUES (NEW.id);
    INSERT INTO customer_words (rowid, name, email, phone, number)
    VALUES ((SELECT n FROM search_keys WHERE ref = NEW.id), NEW.name, NEW.email,
            substr(NEW.phone, 1) || ' ' || substr(NEW.phone, 2) || ' ' || substr(NEW.phone, 3) || ' ' || substr(NEW.phone, 4)
            || ' ' || substr(NEW.phone, 5) || ' ' || substr(NEW.phone, 6) || ' ' || substr(NEW.phone, 7) || ' '
            || substr(NEW.phone, 8) || ' ' || substr(NEW.phone, 9) || ' ' || substr(NEW.phone, 10) || ' '
            || substr(NEW.phone, 11) || ' ' || substr(NEW.phone, 12) || ' ' || substr(NEW.phone, 13) || ' '
            || substr(NEW.phone, 14) || ' ' || substr(NEW.phone, 15) || ' ' || substr(NEW.phone, 16),
            ltrim(ltrim(NEW.phone, '+'), '0'));
END;
CREATE TRIGGER customer_words_update AFTER UPDATE OF id, name, email, phone ON customers
BEGIN
    UPDATE search_keys SET ref = NEW.id WHERE ref = OLD.id;
    DELETE FROM customer_words WHERE rowid = (SELECT n FROM search_keys WHERE ref = NEW.id);
    INSERT INTO customer_words (rowid, name, email, phone, number)
    VALUES ((SELECT n FROM search_keys WHERE ref = NEW.id), NEW.name, NEW.email,
            substr(NEW.phone, 1) || ' ' || substr(NEW.phone, 2) || ' ' || substr(NEW.phone, 3) || ' ' || substr(NEW.phone, 4)
            || ' ' || substr(NEW.phone, 5) || ' ' || substr(NEW.phone, 6) || ' ' || substr(NEW.phone, 7) || ' '
            || substr(NEW.phone, 8) || ' ' || substr(NEW.phone, 9) || ' ' || substr(NEW.phone, 10) || ' '
            || substr(NEW.phone, 11) || ' ' || substr(NEW.phone, 12) || ' ' || substr(NEW.phone, 13) || ' '
            || substr(NEW.phone, 14) || ' ' || substr(NEW.phone, 15) || ' ' || substr(NEW.phone, 16),
            ltrim(ltrim(NEW.phone, '+'), '0'));
END;
CREATE TRIGGER customer_words_delete AFTER DELETE ON customers
BEGIN
    DELETE FROM customer_words WHERE rowid = (SELECT n FROM search_keys WHERE ref = OLD.id);
    DELETE FROM search_keys WHERE ref = OLD.id;
END;
CREATE TRIGGER event_words_insert AFTER INSERT ON events
BEGIN
    INSERT INTO search_keys (ref) VALUES (NEW.id);
    INSERT INTO event_words (rowid, name) VALUES ((SELECT n FROM search_keys WHERE ref = NEW.id), NEW.name);
END;
CREATE TRIGGER event_words_update AFTER UPDATE OF id, name ON events
BEGIN
    UPDATE search_keys SET ref = NEW.id WHERE ref = OLD.id;
    DELETE FROM event_words WHERE rowid = (SELECT n FROM search_keys WHERE ref = NEW.id);
    INSERT INTO event_words (rowid, name) VALUES ((SELECT n FROM search_keys WHERE ref = NEW.id), NEW.name);
END;
CREATE TRIGGER event_words_delete AFTER DELETE ON events
BEGIN
    DELETE FROM event_words WHERE rowid = (SELECT n FROM search_keys WHERE ref = OLD.id);
    DELETE FROM search_keys WHERE ref = OLD.id;
END;
INSERT INTO search_keys (ref) SELECT id FROM customers ORDER BY rowid;
INSERT INTO customer_words (rowid, name, email, phone, number)
SELECT k.n, c.name, c.email,
       substr(c.phone, 1) || ' ' || substr(c.phone, 2) || ' ' || substr(c.phone, 3) || ' ' || substr(c.phone, 4)
       || ' ' || substr(c.phone, 5) || ' ' || substr(c.phone, 6) || ' ' || substr(c.phone, 7) || ' '
       || substr(c.phone, 8) || ' ' || substr(c.phone, 9) || ' ' || substr(c.phone, 10) || ' '
       || substr(c.phone, 11) || ' ' || substr(c.phone, 12) || ' ' || substr(c.phone, 13) || ' '
       || substr(c.phone, 14) || ' ' || substr(c.phone, 15) || ' ' || substr(c.phone, 16),
       ltrim(ltrim(c.phone, '+'), '0')
FROM customers c JOIN search_keys k ON k.ref = c.id;
INSERT INTO search_keys (ref) SELECT id FROM events ORDER BY rowid;
INSERT INTO event_words (rowid, name) SELECT k.n, e.name FROM events e JOIN search_keys k ON k.ref = e.id;

-- Booking ids by their short form (the last 8 characters, which receipts and
-- lists show): its start, and, written backwards, its end; with the booking
-- time, so a search reading only recent matches skips the others in the index.
CREATE INDEX bookings_by_short_id ON bookings (substr(id, -8), created_at);
CREATE INDEX bookings_by_id_end ON bookings (substr(id, -1, 1) || substr(id, -2, 1) || substr(id, -3, 1)
    || substr(id, -4, 1) || substr(id, -5, 1) || substr(id, -6, 1) || substr(id, -7, 1) || substr(id, -8, 1),
    created_at);
-- An event's bookings by time (the search by event name reads a window of
-- them); by status, `bookings_report` serves, so this replaces `bookings_by_event_status`.
DROP INDEX bookings_by_event_status;
CREATE INDEX bookings_by_event_time ON bookings (event_id, created_at);

-- ---- audit screen -------------------------------------------------------------
-- Its filters: by event, by action, and an entity's or a sale's id by its end
-- (the short ids on screen), written backwards so an ending is a range.
CREATE INDEX audit_by_event ON audit_log (event_id);
CREATE INDEX audit_by_action ON audit_log (action);
CREATE INDEX audit_by_entity_end ON audit_log (substr(entity_id, -1, 1) || substr(entity_id, -2, 1)
    || substr(entity_id, -3, 1) || substr(entity_id, -4, 1) || substr(entity_id, -5, 1) || substr(entity_id, -6, 1)
    || substr(entity_id, -7, 1) || substr(entity_id, -8, 1));
CREATE INDEX audit_by_correlation_end ON audit_log (substr(correlation_id, -1, 1) || substr(correlation_id, -2, 1)
    || substr(correlation_id, -3, 1) || substr(correlation_id, -4, 1) || substr(correlation_id, -5, 1)
    || substr(correlation_id, -6, 1) || substr(correlation_id, -7, 1) || substr(correlation_id, -8, 1));
-- Reports: retries in a health window (few rows, so a small index).
CREATE INDEX audit_retries ON audit_log (at, event_id) WHERE is_retry = 1;

-- ---- reports ------------------------------------------------------------------
-- Reports: `booking_totals` over every event, one row per status, so the
-- Reports screen's header over all events reads five rows, not one per event.
-- Kept by the same triggers' rule; `verify` checks it too.
CREATE TABLE status_totals (
    status TEXT PRIMARY KEY,
    count  INTEGER NOT NULL DEFAULT 0,
    seats  INTEGER NOT NULL DEFAULT 0,
    amount INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TRIGGER status_totals_insert AFTER INSERT ON bookings
BEGIN
    INSERT INTO status_totals (status, count, seats, amount) VALUES (NEW.status, 1, NEW.seats, NEW.amount)
    ON CONFLICT (status) DO UPDATE SET count = count + 1, seats = seats + excluded.seats, amount = amount + excluded.amount;
END;
CREATE TRIGGER status_totals_update AFTER UPDATE OF status, seats, amount ON bookings
BEGIN
    UPDATE status_totals SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
    WHERE status = OLD.status;
    INSERT INTO status_totals (status, count, seats, amount) VALUES (NEW.status, 1, NEW.seats, NEW.amount)
    ON CONFLICT (status) DO UPDATE SET count = count + 1, seats = seats + excluded.seats, amount = amount + excluded.amount;
END;
CREATE TRIGGER status_totals_delete AFTER DELETE ON bookings
BEGIN
    UPDATE status_totals SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
    WHERE status = OLD.status;
END;
INSERT INTO status_totals (status, count, seats, amount)
SELECT status, sum(count), sum(seats), sum(amount) FROM booking_totals GROUP BY status;
-- Health over all events: holds made and expired and payment attempts by
-- outcome per minute (minute = floor(ms / 60000)) of the hold's or attempt's
-- creation, so a window sums its whole minutes here and reads only the edges
-- and the minutes that straddle an hour of `sales_per_hour` from the indexes.
CREATE TABLE health_minutes (
    minute    INTEGER PRIMARY KEY,
    holds     INTEGER NOT NULL DEFAULT 0,
    expired   INTEGER NOT NULL DEFAULT 0,
    attempts  INTEGER NOT NULL DEFAULT 0,
    successes INTEGER NOT NULL DEFAULT 0,
    failures  INTEGER NOT NULL DEFAULT 0,
    timeouts  INTEGER NOT NULL DEFAULT 0
);
CREATE TRIGGER health_minutes_hold_insert AFTER INSERT ON holds
BEGIN
    INSERT INTO health_minutes (minute, holds, expired)
    VALUES ((NEW.created_at - (NEW.created_at % 60000 + 60000) % 60000) / 60000, 1, NEW.status = 'EXPIRED')
    ON CONFLICT (minute) DO UPDATE SET holds = holds + 1, expired = expired + excluded.expired;
END;
CREATE TRIGGER health_minutes_hold_update AFTER UPDATE OF status, created_at ON holds
WHEN (OLD.status = 'EXPIRED') <> (NEW.status = 'EXPIRED') OR OLD.created_at <> NEW.created_at
BEGIN
    UPDATE health_minutes SET holds = holds - 1, expired = expired - (OLD.status = 'EXPIRED')
    WHERE minute = (OLD.created_at - (OLD.created_at % 60000 + 60000) % 60000) / 60000;
    INSERT INTO health_minutes (minute, holds, expired)
    VALUES ((NEW.created_at - (NEW.created_at % 60000 + 60000) % 60000) / 60000, 1, NEW.status = 'EXPIRED')
    ON CONFLICT (minute) DO UPDATE SET holds = holds + 1, expired = expired + excluded.expired;
END;
CREATE TRIGGER health_minutes_hold_delete AFTER DELETE ON holds
BEGIN
    UPDATE health_minutes SET holds = holds - 1, expired = expired - (OLD.status = 'EXPIRED')
    WHERE minute = (OLD.created_at - (OLD.created_at % 60000 + 60000) % 60000) / 60000;
END;
CREATE TRIGGER health_minutes_attempt_insert AFTER INSERT ON payment_attempts
BEGIN
    INSERT INTO health_minutes (minute, attempts, successes, failures, timeouts)
    VALUES ((NEW.created_at - (NEW.created_at % 60000 + 60000) % 60000) / 60000, 1, NEW.outcome = 'SUCCESS',
            NEW.outcome = 'FAILURE', NEW.outcome = 'TIMEOUT')
    ON CONFLICT (minute) DO UPDATE SET attempts = attempts + 1, successes = successes + excluded.successes,
        failures = failures + excluded.failures, timeouts = timeouts + excluded.timeouts;
END;
CREATE TRIGGER health_minutes_attempt_update AFTER UPDATE OF outcome, created_at ON payment_attempts
BEGIN
    UPDATE health_minutes SET attempts = attempts - 1, successes = successes - (OLD.outcome = 'SUCCESS'),
        failures = failures - (OLD.outcome = 'FAILURE'), timeouts = timeouts - (OLD.outcome = 'TIMEOUT')
    WHERE minute = (OLD.created_at - (OLD.created_at % 60000 + 60000) % 60000) / 60000;
    INSERT INTO health_minutes (minute, attempts, successes, failures, timeouts)
    VALUES ((NEW.created_at - (NEW.created_at % 60000 + 60000) % 60000) / 60000, 1, NEW.outcome = 'SUCCESS',
            NEW.outcome = 'FAILURE', NEW.outcome = 'TIMEOUT')
    ON CONFLICT (minute) DO UPDATE SET attempts = attempts + 1, successes = successes + excluded.successes,
        failures = failures + excluded.failures, timeouts = timeouts + excluded.timeouts;
END;
CREATE TRIGGER health_minutes_attempt_delete AFTER DELETE ON payment_attempts
BEGIN
    UPDATE health_minutes SET attempts = attempts - 1, successes = successes - (OLD.outcome = 'SUCCESS'),
        failures = failures - (OLD.outcome = 'FAILURE'), timeouts = timeouts - (OLD.outcome = 'TIMEOUT')
    WHERE minute = (OLD.created_at - (OLD.created_at % 60000 + 60000) % 60000) / 60000;
END;
INSERT INTO health_minutes (minute, holds, expired)
SELECT (created_at - (created_at % 60000 + 60000) % 60000) / 60000 AS m, count(*), sum(status = 'EXPIRED')
FROM holds GROUP BY m;
INSERT INTO health_minutes (minute, attempts, successes, failures, timeouts)
SELECT (created_at - (created_at % 60000 + 60000) % 60000) / 60000 AS m, count(*), sum(outcome = 'SUCCESS'),
       sum(outcome = 'FAILURE'), sum(outcome = 'TIMEOUT')
FROM payment_attempts WHERE true GROUP BY m
ON CONFLICT (minute) DO UPDATE SET attempts = excluded.attempts, successes = excluded.successes,
    failures = excluded.failures, timeouts = excluded.timeouts;
-- Health of one event: its hours of `hold_hours` without reading every event's.
CREATE INDEX hold_hours_by_event ON hold_hours (event_id, hour);
