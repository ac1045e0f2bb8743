-- boxoffice schema: the whole current schema, for readers. The app builds and
-- upgrades files with the numbered steps in migrations/ (src/store/migrate.rs);
-- a test keeps this file and those steps giving the same schema.
-- Timestamps are unix milliseconds (UTC). Money is integer minor units.
-- Ids are UUID v7 text (time-ordered, so primary-key order is creation order).

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS events (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description   TEXT NOT NULL DEFAULT '',
    starts_at     INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('RESERVED', 'GA')),
    seat_rows     INTEGER CHECK (seat_rows IS NULL OR seat_rows BETWEEN 1 AND 26),
    seats_per_row INTEGER CHECK (seats_per_row IS NULL OR seats_per_row BETWEEN 1 AND 99),
    total         INTEGER NOT NULL CHECK (total > 0),
    available     INTEGER NOT NULL,
    price         INTEGER NOT NULL CHECK (price >= 0),
    currency      TEXT NOT NULL DEFAULT 'INR' CHECK (length(currency) = 3),
    created_at    INTEGER NOT NULL,
    CHECK (available BETWEEN 0 AND total),
    CHECK (kind = 'GA' OR total = seat_rows * seats_per_row)
);
CREATE INDEX IF NOT EXISTS events_by_start ON events (starts_at);

CREATE TABLE IF NOT EXISTS customers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    email      TEXT UNIQUE,
    phone      TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
);

-- Search: words of customers' names and emails, their phones' digits, and events'
-- names, in FTS5 indexes that ignore case and accents and answer a word's
-- start from prefix indexes. `search_keys` gives each customer and event a
-- stable integer for the FTS rowid (a table's own rowid may change on VACUUM;
-- an INTEGER PRIMARY KEY does not).
CREATE TABLE IF NOT EXISTS search_keys (
    n   INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE -- a customer's or an event's id
);
-- `phone` holds every ending of the phone's digits (16 positions cover the
-- 15 digits and the + a phone may have), so digits typed anywhere in a number
-- are the start of one word; `number` the whole number without leading zeros.
CREATE VIRTUAL TABLE IF NOT EXISTS customer_words USING fts5(name, email, phone, number, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
CREATE VIRTUAL TABLE IF NOT EXISTS event_words USING fts5(name, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
-- Erased customers leave no word behind (FTS5 secure-delete; see migration 0006).
INSERT INTO customer_words (customer_words, rank) VALUES ('secure-delete', 1);
INSERT INTO event_words (event_words, rank) VALUES ('secure-delete', 1);
CREATE TRIGGER IF NOT EXISTS customer_words_insert AFTER INSERT ON customers
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
CREATE TRIGGER IF NOT EXISTS customer_words_update AFTER UPDATE OF id, name, email, phone ON customers
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
CREATE TRIGGER IF NOT EXISTS customer_words_delete AFTER DELETE ON customers
BEGIN
    DELETE FROM customer_words WHERE rowid = (SELECT n FROM search_keys WHERE ref = OLD.id);
    DELETE FROM search_keys WHERE ref = OLD.id;
END;
CREATE TRIGGER IF NOT EXISTS event_words_insert AFTER INSERT ON events
BEGIN
    INSERT INTO search_keys (ref) VALUES (NEW.id);
    INSERT INTO event_words (rowid, name) VALUES ((SELECT n FROM search_keys WHERE ref = NEW.id), NEW.name);
END;
CREATE TRIGGER IF NOT EXISTS event_words_update AFTER UPDATE OF id, name ON events
BEGIN
    UPDATE search_keys SET ref = NEW.id WHERE ref = OLD.id;
    DELETE FROM event_words WHERE rowid = (SELECT n FROM search_keys WHERE ref = NEW.id);
    INSERT INTO event_words (rowid, name) VALUES ((SELECT n FROM search_keys WHERE ref = NEW.id), NEW.name);
END;
CREATE TRIGGER IF NOT EXISTS event_words_delete AFTER DELETE ON events
BEGIN
    DELETE FROM event_words WHERE rowid = (SELECT n FROM search_keys WHERE ref = OLD.id);
    DELETE FROM search_keys WHERE ref = OLD.id;
END;

CREATE TABLE IF NOT EXISTS holds (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events (id),
    seats          INTEGER NOT NULL CHECK (seats > 0),
    status         TEXT NOT NULL CHECK (status IN ('ACTIVE', 'CONSUMED', 'RELEASED', 'EXPIRED')),
    correlation_id TEXT NOT NULL,
    actor          TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
    , extensions INTEGER NOT NULL DEFAULT 0 CHECK (extensions >= 0), clerk_id TEXT REFERENCES clerks (id));
-- `extensions` (added by 0005, spelt as ALTER TABLE leaves it) counts the
-- times the deadline was moved on. Each extension of a hold (0005): its idempotency key, kept for ever so a
-- replay finds it, and the deadline before and after.
CREATE TABLE IF NOT EXISTS hold_extensions (
    id          TEXT PRIMARY KEY,
    hold_id     TEXT NOT NULL REFERENCES holds (id),
    n           INTEGER NOT NULL CHECK (n > 0),
    idempotency_key TEXT UNIQUE,
    from_expires_at INTEGER NOT NULL,
    to_expires_at   INTEGER NOT NULL CHECK (to_expires_at > from_expires_at),
    created_at  INTEGER NOT NULL,
    UNIQUE (hold_id, n)
);
-- The hold-expiry sweep reads only live holds, by deadline.
CREATE INDEX IF NOT EXISTS holds_active_by_expiry ON holds (expires_at) WHERE status = 'ACTIVE';
CREATE INDEX IF NOT EXISTS holds_by_event ON holds (event_id, status);
-- Reports: holds made in a time window (covering event and status).
CREATE INDEX IF NOT EXISTS holds_by_time ON holds (created_at, event_id, status);
-- Reports: holds made and expired per (hour of creation, event), hour =
-- floor(created_at / 3600000), so a health window reads whole hours here and
-- only its partial first and last hour from `holds_by_time`. Kept by triggers;
-- an update costs a statement only when a hold becomes or stops being EXPIRED.
CREATE TABLE IF NOT EXISTS hold_hours (
    hour     INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    made     INTEGER NOT NULL DEFAULT 0,
    expired  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, event_id)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS hold_hours_insert AFTER INSERT ON holds
BEGIN
    INSERT INTO hold_hours (hour, event_id, made, expired)
    VALUES ((NEW.created_at - (NEW.created_at % 3600000 + 3600000) % 3600000) / 3600000, NEW.event_id, 1,
            NEW.status = 'EXPIRED')
    ON CONFLICT (hour, event_id) DO UPDATE SET made = made + 1, expired = expired + excluded.expired;
END;
CREATE TRIGGER IF NOT EXISTS hold_hours_update AFTER UPDATE OF status, event_id, created_at ON holds
WHEN (OLD.status = 'EXPIRED') <> (NEW.status = 'EXPIRED') OR OLD.event_id <> NEW.event_id
  OR OLD.created_at <> NEW.created_at
BEGIN
    UPDATE hold_hours SET made = made - 1, expired = expired - (OLD.status = 'EXPIRED')
    WHERE hour = (OLD.created_at - (OLD.created_at % 3600000 + 3600000) % 3600000) / 3600000
      AND event_id = OLD.event_id;
    INSERT INTO hold_hours (hour, event_id, made, expired)
    VALUES ((NEW.created_at - (NEW.created_at % 3600000 + 3600000) % 3600000) / 3600000, NEW.event_id, 1,
            NEW.status = 'EXPIRED')
    ON CONFLICT (hour, event_id) DO UPDATE SET made = made + 1, expired = expired + excluded.expired;
END;
CREATE TRIGGER IF NOT EXISTS hold_hours_delete AFTER DELETE ON holds
BEGIN
    UPDATE hold_hours SET made = made - 1, expired = expired - (OLD.status = 'EXPIRED')
    WHERE hour = (OLD.created_at - (OLD.created_at % 3600000 + 3600000) % 3600000) / 3600000
      AND event_id = OLD.event_id;
END;

-- Health of one event: its hours of `hold_hours` without reading every event's.
CREATE INDEX IF NOT EXISTS hold_hours_by_event ON hold_hours (event_id, hour);

-- Reserved seating: which labels a hold owns. `live` is 1 while the hold is
-- ACTIVE or its booking is CONFIRMED; the partial unique index makes
-- "one live owner per seat" a database rule, not only a code rule.
CREATE TABLE IF NOT EXISTS hold_seats (
    hold_id  TEXT NOT NULL REFERENCES holds (id),
    event_id TEXT NOT NULL REFERENCES events (id),
    label    TEXT NOT NULL,
    live     INTEGER NOT NULL DEFAULT 1 CHECK (live IN (0, 1)),
    PRIMARY KEY (hold_id, label)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS hold_seats_one_live_owner ON hold_seats (event_id, label) WHERE live = 1;

CREATE TABLE IF NOT EXISTS bookings (
    id                 TEXT PRIMARY KEY,
    hold_id            TEXT NOT NULL UNIQUE REFERENCES holds (id), -- one booking per hold, ever
    event_id           TEXT NOT NULL REFERENCES events (id),
    customer_id        TEXT NOT NULL REFERENCES customers (id),
    seats              INTEGER NOT NULL CHECK (seats > 0),
    amount             INTEGER NOT NULL CHECK (amount >= 0),
    currency           TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('PAYMENT_PENDING', 'CONFIRMED', 'PAYMENT_FAILED', 'EXPIRED', 'CANCELLED')),
    correlation_id     TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    payment_expires_at INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
    , clerk_id TEXT REFERENCES clerks (id)); -- who booked it (0007, as ALTER TABLE leaves it)
CREATE INDEX IF NOT EXISTS bookings_pending_by_deadline ON bookings (payment_expires_at) WHERE status = 'PAYMENT_PENDING';
CREATE INDEX IF NOT EXISTS bookings_by_status_time ON bookings (status, created_at);
CREATE INDEX IF NOT EXISTS bookings_by_time ON bookings (created_at);
-- Covers "a customer's bookings, newest first" (the bookings search) without reading rows.
CREATE INDEX IF NOT EXISTS bookings_by_customer ON bookings (customer_id, created_at, id);
-- Booking ids by their short form (the last 8 characters, which receipts and
-- lists show): its start, and, written backwards, its end; with the booking
-- time, so a search reading only recent matches skips the others in the index.
CREATE INDEX IF NOT EXISTS bookings_by_short_id ON bookings (substr(id, -8), created_at);
CREATE INDEX IF NOT EXISTS bookings_by_id_end ON bookings (substr(id, -1, 1) || substr(id, -2, 1) || substr(id, -3, 1)
    || substr(id, -4, 1) || substr(id, -5, 1) || substr(id, -6, 1) || substr(id, -7, 1) || substr(id, -8, 1),
    created_at);
-- An event's bookings by time (the search by event name reads a window of
-- them); an event's bookings by status are in `bookings_report`.
CREATE INDEX IF NOT EXISTS bookings_by_event_time ON bookings (event_id, created_at);

-- Reports: bookings by (event, status) over booking time, covering the summed
-- columns, so a summary is one pass over this index and never reads the table.
-- A date range reads whole hours from `booking_hours` (below) and only its
-- partial first and last hour from this index, one seek per event and status.
CREATE INDEX IF NOT EXISTS bookings_report ON bookings (event_id, status, created_at, seats, amount);

-- Reports: running totals per (event, status), kept by triggers inside the same
-- transaction as the booking change, so an all-time report reads one row per
-- event and status instead of every booking. `verify` checks they agree.
CREATE TABLE IF NOT EXISTS booking_totals (
    event_id TEXT NOT NULL,
    status   TEXT NOT NULL,
    count    INTEGER NOT NULL DEFAULT 0,
    seats    INTEGER NOT NULL DEFAULT 0,
    amount   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, status)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS booking_totals_insert AFTER INSERT ON bookings
BEGIN
    INSERT INTO booking_totals (event_id, status, count, seats, amount) VALUES (NEW.event_id, NEW.status, 1, NEW.seats, NEW.amount)
    ON CONFLICT (event_id, status) DO UPDATE SET count = count + 1, seats = seats + excluded.seats, amount = amount + excluded.amount;
END;
CREATE TRIGGER IF NOT EXISTS booking_totals_update AFTER UPDATE OF event_id, status, seats, amount ON bookings
BEGIN
    UPDATE booking_totals SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
    WHERE event_id = OLD.event_id AND status = OLD.status;
    INSERT INTO booking_totals (event_id, status, count, seats, amount) VALUES (NEW.event_id, NEW.status, 1, NEW.seats, NEW.amount)
    ON CONFLICT (event_id, status) DO UPDATE SET count = count + 1, seats = seats + excluded.seats, amount = amount + excluded.amount;
END;
CREATE TRIGGER IF NOT EXISTS booking_totals_delete AFTER DELETE ON bookings
BEGIN
    UPDATE booking_totals SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
    WHERE event_id = OLD.event_id AND status = OLD.status;
END;

-- Reports: `booking_totals` over every event, per status, so the Reports
-- screen's header over all events reads a few rows, not one per event. Spread
-- over 16 slots (the booking id's last character), summed by the reader, so
-- writers on different events rarely update the same row (step 9). Kept by the
-- same triggers' rule; `verify` checks it too.
CREATE TABLE IF NOT EXISTS status_totals (
    status TEXT NOT NULL,
    slot   TEXT NOT NULL,
    count  INTEGER NOT NULL DEFAULT 0,
    seats  INTEGER NOT NULL DEFAULT 0,
    amount INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (status, slot)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS status_totals_insert AFTER INSERT ON bookings
BEGIN
    INSERT INTO status_totals (status, slot, count, seats, amount)
    VALUES (NEW.status, substr(NEW.id, -1), 1, NEW.seats, NEW.amount)
    ON CONFLICT (status, slot) DO UPDATE SET count = count + 1, seats = seats + excluded.seats, amount = amount + excluded.amount;
END;
CREATE TRIGGER IF NOT EXISTS status_totals_update AFTER UPDATE OF status, seats, amount ON bookings
BEGIN
    UPDATE status_totals SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
    WHERE status = OLD.status AND slot = substr(OLD.id, -1);
    INSERT INTO status_totals (status, slot, count, seats, amount)
    VALUES (NEW.status, substr(NEW.id, -1), 1, NEW.seats, NEW.amount)
    ON CONFLICT (status, slot) DO UPDATE SET count = count + 1, seats = seats + excluded.seats, amount = amount + excluded.amount;
END;
CREATE TRIGGER IF NOT EXISTS status_totals_delete AFTER DELETE ON bookings
BEGIN
    UPDATE status_totals SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
    WHERE status = OLD.status AND slot = substr(OLD.id, -1);
END;

-- Reports: the same totals per (event, status, hour of booking time), hour =
-- floor(created_at / 3600000), so a date range sums a few rows per event and
-- status per day instead of reading every booking in it. Same triggers' rule.
CREATE TABLE IF NOT EXISTS booking_hours (
    event_id TEXT NOT NULL,
    status   TEXT NOT NULL,
    hour     INTEGER NOT NULL,
    count    INTEGER NOT NULL DEFAULT 0,
    seats    INTEGER NOT NULL DEFAULT 0,
    amount   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, status, hour)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS booking_hours_insert AFTER INSERT ON bookings
BEGIN
    INSERT INTO booking_hours (event_id, status, hour, count, seats, amount)
    VALUES (NEW.event_id, NEW.status, (NEW.created_at - (NEW.created_at % 3600000 + 3600000) % 3600000) / 3600000,
            1, NEW.seats, NEW.amount)
    ON CONFLICT (event_id, status, hour) DO UPDATE SET count = count + 1, seats = seats + excluded.seats,
        amount = amount + excluded.amount;
END;
CREATE TRIGGER IF NOT EXISTS booking_hours_update AFTER UPDATE OF event_id, status, seats, amount, created_at ON bookings
BEGIN
    UPDATE booking_hours SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
    WHERE event_id = OLD.event_id AND status = OLD.status
      AND hour = (OLD.created_at - (OLD.created_at % 3600000 + 3600000) % 3600000) / 3600000;
    INSERT INTO booking_hours (event_id, status, hour, count, seats, amount)
    VALUES (NEW.event_id, NEW.status, (NEW.created_at - (NEW.created_at % 3600000 + 3600000) % 3600000) / 3600000,
            1, NEW.seats, NEW.amount)
    ON CONFLICT (event_id, status, hour) DO UPDATE SET count = count + 1, seats = seats + excluded.seats,
        amount = amount + excluded.amount;
END;
CREATE TRIGGER IF NOT EXISTS booking_hours_delete AFTER DELETE ON bookings
BEGIN
    UPDATE booking_hours SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
    WHERE event_id = OLD.event_id AND status = OLD.status
      AND hour = (OLD.created_at - (OLD.created_at % 3600000 + 3600000) % 3600000) / 3600000;
END;

CREATE TABLE IF NOT EXISTS payment_attempts (
    id              TEXT PRIMARY KEY,
    booking_id      TEXT NOT NULL REFERENCES bookings (id),
    idempotency_key TEXT NOT NULL UNIQUE,
    outcome         TEXT NOT NULL CHECK (outcome IN ('SUCCESS', 'FAILURE', 'TIMEOUT')),
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    transaction_id  TEXT,
    created_at      INTEGER NOT NULL
    , shift_id TEXT REFERENCES shifts (id), method TEXT NOT NULL DEFAULT 'CARD' CHECK (method IN ('CASH', 'CARD', 'UPI')), tendered INTEGER CHECK (tendered IS NULL OR (method = 'CASH' AND tendered >= amount)), change_given INTEGER CHECK (change_given IS NULL OR change_given = tendered - amount));
-- 0007 added the shift an attempt belongs to, how it was paid, and for cash what was handed over and the change.
CREATE INDEX IF NOT EXISTS payment_attempts_by_booking ON payment_attempts (booking_id);
CREATE INDEX IF NOT EXISTS payment_attempts_by_time ON payment_attempts (created_at);
-- Reports: attempts in a window by outcome without reading the table.
CREATE INDEX IF NOT EXISTS payment_attempts_report ON payment_attempts (created_at, outcome, booking_id);

-- Health over all events: holds made and expired and payment attempts by
-- outcome per minute (minute = floor(ms / 60000)) of the hold's or attempt's
-- creation, so a window sums its whole minutes here and reads only the edges
-- and the minutes that straddle an hour of `sales_per_hour` from the indexes.
-- Spread over 16 slots (the hold's or attempt's id's last character) as
-- `status_totals` is; readers sum a minute's slots.
CREATE TABLE IF NOT EXISTS health_minutes (
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
CREATE TRIGGER IF NOT EXISTS health_minutes_hold_insert AFTER INSERT ON holds
BEGIN
    INSERT INTO health_minutes (minute, slot, holds, expired)
    VALUES ((NEW.created_at - (NEW.created_at % 60000 + 60000) % 60000) / 60000, substr(NEW.id, -1), 1, NEW.status = 'EXPIRED')
    ON CONFLICT (minute, slot) DO UPDATE SET holds = holds + 1, expired = expired + excluded.expired;
END;
CREATE TRIGGER IF NOT EXISTS health_minutes_hold_update AFTER UPDATE OF status, created_at ON holds
WHEN (OLD.status = 'EXPIRED') <> (NEW.status = 'EXPIRED') OR OLD.created_at <> NEW.created_at
BEGIN
    UPDATE health_minutes SET holds = holds - 1, expired = expired - (OLD.status = 'EXPIRED')
    WHERE minute = (OLD.created_at - (OLD.created_at % 60000 + 60000) % 60000) / 60000 AND slot = substr(OLD.id, -1);
    INSERT INTO health_minutes (minute, slot, holds, expired)
    VALUES ((NEW.created_at - (NEW.created_at % 60000 + 60000) % 60000) / 60000, substr(NEW.id, -1), 1, NEW.status = 'EXPIRED')
    ON CONFLICT (minute, slot) DO UPDATE SET holds = holds + 1, expired = expired + excluded.expired;
END;
CREATE TRIGGER IF NOT EXISTS health_minutes_hold_delete AFTER DELETE ON holds
BEGIN
    UPDATE health_minutes SET holds = holds - 1, expired = expired - (OLD.status = 'EXPIRED')
    WHERE minute = (OLD.created_at - (OLD.created_at % 60000 + 60000) % 60000) / 60000 AND slot = substr(OLD.id, -1);
END;
CREATE TRIGGER IF NOT EXISTS health_minutes_attempt_insert AFTER INSERT ON payment_attempts
BEGIN
    INSERT INTO health_minutes (minute, slot, attempts, successes, failures, timeouts)
    VALUES ((NEW.created_at - (NEW.created_at % 60000 + 60000) % 60000) / 60000, substr(NEW.id, -1), 1, NEW.outcome = 'SUCCESS',
            NEW.outcome = 'FAILURE', NEW.outcome = 'TIMEOUT')
    ON CONFLICT (minute, slot) DO UPDATE SET attempts = attempts + 1, successes = successes + excluded.successes,
        failures = failures + excluded.failures, timeouts = timeouts + excluded.timeouts;
END;
CREATE TRIGGER IF NOT EXISTS health_minutes_attempt_update AFTER UPDATE OF outcome, created_at ON payment_attempts
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
CREATE TRIGGER IF NOT EXISTS health_minutes_attempt_delete AFTER DELETE ON payment_attempts
BEGIN
    UPDATE health_minutes SET attempts = attempts - 1, successes = successes - (OLD.outcome = 'SUCCESS'),
        failures = failures - (OLD.outcome = 'FAILURE'), timeouts = timeouts - (OLD.outcome = 'TIMEOUT')
    WHERE minute = (OLD.created_at - (OLD.created_at % 60000 + 60000) % 60000) / 60000 AND slot = substr(OLD.id, -1);
END;

-- Idempotency records for hold/book/pay: one stored result per key (pruned after 24 h).
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key        TEXT PRIMARY KEY,
    scope      TEXT NOT NULL CHECK (scope IN ('hold', 'book', 'pay')),
    entity_id  TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_keys_by_time ON idempotency_keys (created_at);

CREATE TABLE IF NOT EXISTS refunds (
    id              TEXT PRIMARY KEY,
    booking_id      TEXT NOT NULL UNIQUE REFERENCES bookings (id),
    kind            TEXT NOT NULL CHECK (kind IN ('FULL', 'PARTIAL')),
    original_amount INTEGER NOT NULL CHECK (original_amount >= 0),
    percent         INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    fee             INTEGER NOT NULL CHECK (fee >= 0),
    status          TEXT NOT NULL CHECK (status IN ('INITIATED', 'PROCESSED')),
    transaction_id  TEXT,
    created_at      INTEGER NOT NULL,
    completed_at    INTEGER, shift_id TEXT REFERENCES shifts (id), method TEXT NOT NULL DEFAULT 'CARD' CHECK (method IN ('CASH', 'CARD', 'UPI')),
    CHECK (amount + fee = original_amount),
    CHECK (status = 'INITIATED' OR (completed_at IS NOT NULL AND transaction_id IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS refunds_initiated ON refunds (created_at) WHERE status = 'INITIATED';

-- Reports: refund totals per event (of the refunded booking), kept by triggers.
CREATE TABLE IF NOT EXISTS refund_totals (
    event_id  TEXT PRIMARY KEY,
    refunds   INTEGER NOT NULL DEFAULT 0,
    full      INTEGER NOT NULL DEFAULT 0,
    pending   INTEGER NOT NULL DEFAULT 0,
    fees_kept INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS refund_totals_insert AFTER INSERT ON refunds
BEGIN
    INSERT INTO refund_totals (event_id, refunds, full, pending, fees_kept)
    SELECT b.event_id, NEW.amount, iif(NEW.kind = 'FULL', NEW.amount, 0), iif(NEW.status = 'INITIATED', NEW.amount, 0),
           iif(NEW.kind = 'PARTIAL', NEW.fee, 0)
    FROM bookings b WHERE b.id = NEW.booking_id
    ON CONFLICT (event_id) DO UPDATE SET refunds = refunds + excluded.refunds, full = full + excluded.full,
        pending = pending + excluded.pending, fees_kept = fees_kept + excluded.fees_kept;
END;
CREATE TRIGGER IF NOT EXISTS refund_totals_update AFTER UPDATE OF amount, fee, kind, status ON refunds
BEGIN
    UPDATE refund_totals SET
        refunds = refunds - OLD.amount + NEW.amount,
        full = full - iif(OLD.kind = 'FULL', OLD.amount, 0) + iif(NEW.kind = 'FULL', NEW.amount, 0),
        pending = pending - iif(OLD.status = 'INITIATED', OLD.amount, 0) + iif(NEW.status = 'INITIATED', NEW.amount, 0),
        fees_kept = fees_kept - iif(OLD.kind = 'PARTIAL', OLD.fee, 0) + iif(NEW.kind = 'PARTIAL', NEW.fee, 0)
    WHERE event_id = (SELECT event_id FROM bookings WHERE id = NEW.booking_id);
END;
CREATE TRIGGER IF NOT EXISTS refund_totals_delete AFTER DELETE ON refunds
BEGIN
    UPDATE refund_totals SET
        refunds = refunds - OLD.amount,
        full = full - iif(OLD.kind = 'FULL', OLD.amount, 0),
        pending = pending - iif(OLD.status = 'INITIATED', OLD.amount, 0),
        fees_kept = fees_kept - iif(OLD.kind = 'PARTIAL', OLD.fee, 0)
    WHERE event_id = (SELECT event_id FROM bookings WHERE id = OLD.booking_id);
END;

-- Reports: refund totals per (event, hour of the refunded booking's booking
-- time), for date ranges, as `booking_hours` is for bookings. Kept by triggers.
CREATE TABLE IF NOT EXISTS refund_hours (
    event_id  TEXT NOT NULL,
    hour      INTEGER NOT NULL,
    refunds   INTEGER NOT NULL DEFAULT 0,
    full      INTEGER NOT NULL DEFAULT 0,
    pending   INTEGER NOT NULL DEFAULT 0,
    fees_kept INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, hour)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS refund_hours_insert AFTER INSERT ON refunds
BEGIN
    INSERT INTO refund_hours (event_id, hour, refunds, full, pending, fees_kept)
    SELECT b.event_id, (b.created_at - (b.created_at % 3600000 + 3600000) % 3600000) / 3600000, NEW.amount,
           iif(NEW.kind = 'FULL', NEW.amount, 0), iif(NEW.status = 'INITIATED', NEW.amount, 0),
           iif(NEW.kind = 'PARTIAL', NEW.fee, 0)
    FROM bookings b WHERE b.id = NEW.booking_id
    ON CONFLICT (event_id, hour) DO UPDATE SET refunds = refunds + excluded.refunds, full = full + excluded.full,
        pending = pending + excluded.pending, fees_kept = fees_kept + excluded.fees_kept;
END;
CREATE TRIGGER IF NOT EXISTS refund_hours_update AFTER UPDATE OF amount, fee, kind, status ON refunds
BEGIN
    UPDATE refund_hours SET
        refunds = refunds - OLD.amount + NEW.amount,
        full = full - iif(OLD.kind = 'FULL', OLD.amount, 0) + iif(NEW.kind = 'FULL', NEW.amount, 0),
        pending = pending - iif(OLD.status = 'INITIATED', OLD.amount, 0) + iif(NEW.status = 'INITIATED', NEW.amount, 0),
        fees_kept = fees_kept - iif(OLD.kind = 'PARTIAL', OLD.fee, 0) + iif(NEW.kind = 'PARTIAL', NEW.fee, 0)
    WHERE (event_id, hour) = (SELECT event_id, (created_at - (created_at % 3600000 + 3600000) % 3600000) / 3600000
                              FROM bookings WHERE id = NEW.booking_id);
END;
CREATE TRIGGER IF NOT EXISTS refund_hours_delete AFTER DELETE ON refunds
BEGIN
    UPDATE refund_hours SET
        refunds = refunds - OLD.amount,
        full = full - iif(OLD.kind = 'FULL', OLD.amount, 0),
        pending = pending - iif(OLD.status = 'INITIATED', OLD.amount, 0),
        fees_kept = fees_kept - iif(OLD.kind = 'PARTIAL', OLD.fee, 0)
    WHERE (event_id, hour) = (SELECT event_id, (created_at - (created_at % 3600000 + 3600000) % 3600000) / 3600000
                              FROM bookings WHERE id = OLD.booking_id);
END;

-- Append-only audit trail; `seq` is the shipping cursor's position.
CREATE TABLE IF NOT EXISTS audit_log (
    seq                 INTEGER PRIMARY KEY, -- no AUTOINCREMENT: rows are never deleted (trigger below), so seq never repeats
    id                  TEXT NOT NULL UNIQUE,
    at                  INTEGER NOT NULL,
    action              TEXT NOT NULL,
    entity              TEXT NOT NULL,
    entity_id           TEXT NOT NULL,
    event_id            TEXT,
    hold_id             TEXT,
    booking_id          TEXT,
    from_status         TEXT,
    to_status           TEXT,
    correlation_id      TEXT,
    is_retry            INTEGER NOT NULL DEFAULT 0 CHECK (is_retry IN (0, 1)),
    original_attempt_id TEXT,
    actor               TEXT NOT NULL,
    details             TEXT NOT NULL DEFAULT '{}'
    , clerk_id TEXT REFERENCES clerks (id)); -- the clerk who did it (0007; NULL for jobs, doors, the CLI, older rows)
CREATE INDEX IF NOT EXISTS audit_by_correlation ON audit_log (correlation_id);
CREATE INDEX IF NOT EXISTS audit_by_entity ON audit_log (entity_id);
CREATE INDEX IF NOT EXISTS audit_by_booking ON audit_log (booking_id);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_log (at);
-- The Audit screen's filters: by event, by action, and an entity's or a sale's id by its end
-- (the short ids on screen), written backwards so an ending is a range.
CREATE INDEX IF NOT EXISTS audit_by_event ON audit_log (event_id);
CREATE INDEX IF NOT EXISTS audit_by_action ON audit_log (action);
CREATE INDEX IF NOT EXISTS audit_by_entity_end ON audit_log (substr(entity_id, -1, 1) || substr(entity_id, -2, 1)
    || substr(entity_id, -3, 1) || substr(entity_id, -4, 1) || substr(entity_id, -5, 1) || substr(entity_id, -6, 1)
    || substr(entity_id, -7, 1) || substr(entity_id, -8, 1));
CREATE INDEX IF NOT EXISTS audit_by_correlation_end ON audit_log (substr(correlation_id, -1, 1) || substr(correlation_id, -2, 1)
    || substr(correlation_id, -3, 1) || substr(correlation_id, -4, 1) || substr(correlation_id, -5, 1)
    || substr(correlation_id, -6, 1) || substr(correlation_id, -7, 1) || substr(correlation_id, -8, 1));
-- Reports: retries in a health window (few rows, so a small index).
CREATE INDEX IF NOT EXISTS audit_retries ON audit_log (at, event_id) WHERE is_retry = 1;
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;

CREATE TABLE IF NOT EXISTS job_runs (
    id          TEXT PRIMARY KEY,
    job         TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'SKIPPED', 'FAILED')),
    owner       TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    processed   INTEGER NOT NULL DEFAULT 0,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS job_runs_by_job ON job_runs (job, started_at);
CREATE INDEX IF NOT EXISTS job_runs_by_time ON job_runs (started_at);

-- One lease per job: a process runs a job only while it holds the unexpired lease.
CREATE TABLE IF NOT EXISTS job_leases (
    job        TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Ticket types, booking items, tickets and scans (migration 0004).
-- Priced kinds of ticket of an event (Adult, Child …). Never deleted: a
-- retired type is off sale and keeps its past sales. `quota` is the type's
-- optional limit (seats sold or awaiting payment).
CREATE TABLE IF NOT EXISTS ticket_types (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events (id),
    name       TEXT NOT NULL,
    price      INTEGER NOT NULL CHECK (price >= 0),
    quota      INTEGER CHECK (quota IS NULL OR quota > 0),
    position   INTEGER NOT NULL,
    retired_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (event_id, name),
    UNIQUE (event_id, position)
);

-- What a booking bought: seats per type at the price each had then (editing
-- a type's price never changes a booking). Σ count = seats, Σ count × price = amount.
CREATE TABLE IF NOT EXISTS booking_items (
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    type_id    TEXT NOT NULL REFERENCES ticket_types (id),
    count      INTEGER NOT NULL CHECK (count > 0),
    unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (booking_id, type_id)
) WITHOUT ROWID;
-- A type's limit: its seats in live bookings, found by type.
CREATE INDEX IF NOT EXISTS booking_items_by_type ON booking_items (type_id, booking_id);

-- Reports: seats and amounts per (type, booking status), kept by triggers in
-- the booking's own transaction, as booking_totals is. `verify` checks them.
CREATE TABLE IF NOT EXISTS type_totals (
    type_id TEXT NOT NULL,
    status  TEXT NOT NULL,
    seats   INTEGER NOT NULL DEFAULT 0,
    amount  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (type_id, status)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS type_totals_item_insert AFTER INSERT ON booking_items
BEGIN
    INSERT INTO type_totals (type_id, status, seats, amount)
    SELECT NEW.type_id, b.status, NEW.count, NEW.count * NEW.unit_price FROM bookings b WHERE b.id = NEW.booking_id
    ON CONFLICT (type_id, status) DO UPDATE SET seats = seats + excluded.seats, amount = amount + excluded.amount;
END;
CREATE TRIGGER IF NOT EXISTS type_totals_item_delete AFTER DELETE ON booking_items
BEGIN
    UPDATE type_totals SET seats = seats - OLD.count, amount = amount - OLD.count * OLD.unit_price
    WHERE type_id = OLD.type_id AND status = (SELECT status FROM bookings WHERE id = OLD.booking_id);
END;
CREATE TRIGGER IF NOT EXISTS type_totals_booking_status AFTER UPDATE OF status ON bookings WHEN OLD.status <> NEW.status
BEGIN
    INSERT INTO type_totals (type_id, status, seats, amount)
    SELECT type_id, OLD.status, -count, -count * unit_price FROM booking_items WHERE booking_id = NEW.id
    ON CONFLICT (type_id, status) DO UPDATE SET seats = seats + excluded.seats, amount = amount + excluded.amount;
    INSERT INTO type_totals (type_id, status, seats, amount)
    SELECT type_id, NEW.status, count, count * unit_price FROM booking_items WHERE booking_id = NEW.id
    ON CONFLICT (type_id, status) DO UPDATE SET seats = seats + excluded.seats, amount = amount + excluded.amount;
END;

-- One ticket per seat of a CONFIRMED booking, issued in the transaction that
-- confirms it. `code` is the 17-character canonical code (16 random base32
-- characters and a check character, no dashes). VALID → USED (admitted once)
-- → VALID only by an undone admission; VOID when the booking is cancelled: an
-- admitted ticket voided keeps its `used_at`.
CREATE TABLE IF NOT EXISTS tickets (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    event_id   TEXT NOT NULL REFERENCES events (id),
    type_id    TEXT NOT NULL REFERENCES ticket_types (id),
    number     INTEGER NOT NULL CHECK (number > 0),
    seat       TEXT, -- the seat label; NULL for general admission
    price      INTEGER NOT NULL CHECK (price >= 0),
    status     TEXT NOT NULL CHECK (status IN ('VALID', 'USED', 'VOID')),
    issued_at  INTEGER NOT NULL,
    used_at    INTEGER,
    used_door  TEXT,
    voided_at  INTEGER,
    CHECK (status <> 'USED' OR (used_at IS NOT NULL AND used_door IS NOT NULL)),
    CHECK ((status = 'VOID') = (voided_at IS NOT NULL)),
    UNIQUE (booking_id, number)
);
-- The door's lookup, and "codes are unique" as a database rule.
CREATE UNIQUE INDEX IF NOT EXISTS tickets_by_code ON tickets (code);
-- Admitted / sold per type (and so per event): the Door screen's count and the report.
CREATE INDEX IF NOT EXISTS tickets_by_type_status ON tickets (type_id, status);

-- Every scan at a door, admitted or refused, and every undone admission.
-- `typed` is the text as scanned or typed (kept for mistyped and unknown
-- codes too); `ticket_id` is set when a ticket has the code.
CREATE TABLE IF NOT EXISTS scans (
    id        TEXT PRIMARY KEY,
    at        INTEGER NOT NULL,
    door      TEXT NOT NULL,
    typed     TEXT NOT NULL,
    ticket_id TEXT REFERENCES tickets (id),
    event_id  TEXT, -- the event the door was checking, if it chose one
    result    TEXT NOT NULL CHECK (result IN ('ADMITTED', 'ALREADY_USED', 'VOIDED', 'WRONG_EVENT', 'UNKNOWN', 'MISTYPED', 'UNDONE')),
    note      TEXT, -- why an admission was undone
    actor     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS scans_by_ticket ON scans (ticket_id, result) WHERE ticket_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS scans_by_time ON scans (at);

-- The venue's settings (migration 0005): one row per key that is set; a key
-- with no row has its default (src/domain/settings.rs). Each change is audited.
CREATE TABLE IF NOT EXISTS settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
) WITHOUT ROWID;


-- Clerks, roles, tender and the till (0007). The new columns of holds,
-- bookings, payment_attempts, refunds and audit_log are in those tables above.
-- Clerk accounts. `pin_hash` is an argon2 PHC string (salted, slow); the PIN
-- itself is never stored. `failed_pins` counts wrong PINs in a row; the fifth
-- sets `locked_until`. Names are unique ignoring ASCII case.
CREATE TABLE IF NOT EXISTS clerks (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 32),
    role         TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor')),
    pin_hash     TEXT,
    failed_pins  INTEGER NOT NULL DEFAULT 0 CHECK (failed_pins >= 0),
    locked_until INTEGER,
    disabled_at  INTEGER,
    created_at   INTEGER NOT NULL
);

-- A clerk's shift at the till: opened with a float, closed with the counted
-- cash, when the expected cash is fixed beside it. A closed shift never
-- changes (triggers below); a clerk has at most one open shift.
CREATE TABLE IF NOT EXISTS shifts (
    id            TEXT PRIMARY KEY,
    clerk_id      TEXT NOT NULL REFERENCES clerks (id),
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    opening_float INTEGER NOT NULL CHECK (opening_float >= 0),
    opened_at     INTEGER NOT NULL,
    closed_at     INTEGER,
    counted_cash  INTEGER CHECK (counted_cash >= 0),
    expected_cash INTEGER,
    CHECK ((closed_at IS NULL) = (counted_cash IS NULL) AND (closed_at IS NULL) = (expected_cash IS NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS shifts_one_open_per_clerk ON shifts (clerk_id) WHERE closed_at IS NULL;
CREATE INDEX IF NOT EXISTS shifts_by_clerk ON shifts (clerk_id, opened_at);
-- A day's cash-up: the shifts opened that day.
CREATE INDEX IF NOT EXISTS shifts_by_time ON shifts (opened_at);

-- A shift's takings per (method, currency), kept by triggers in the same
-- transaction as each payment attempt and refund, so a cash-up reads a few
-- rows however many payments the shift took. `verify` recounts them.
CREATE TABLE IF NOT EXISTS shift_totals (
    shift_id         TEXT NOT NULL REFERENCES shifts (id),
    method           TEXT NOT NULL CHECK (method IN ('CASH', 'CARD', 'UPI')),
    currency         TEXT NOT NULL,
    sales            INTEGER NOT NULL DEFAULT 0,
    payments         INTEGER NOT NULL DEFAULT 0,
    tickets          INTEGER NOT NULL DEFAULT 0,
    refunds          INTEGER NOT NULL DEFAULT 0,
    refund_count     INTEGER NOT NULL DEFAULT 0,
    refunded_tickets INTEGER NOT NULL DEFAULT 0,
    declined         INTEGER NOT NULL DEFAULT 0,
    timeouts         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (shift_id, method, currency)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS holds_by_clerk ON holds (clerk_id, status);
-- By shift in time order (migration 0008): verify's "nothing dated after its
-- shift closed" is one seek per closed shift.
CREATE INDEX IF NOT EXISTS payment_attempts_by_shift ON payment_attempts (shift_id, created_at);
CREATE INDEX IF NOT EXISTS refunds_by_shift ON refunds (shift_id, created_at);


-- From here on, the database itself refuses what the engine never does.
CREATE TRIGGER IF NOT EXISTS holds_name_their_clerk BEFORE INSERT ON holds WHEN NEW.clerk_id IS NULL
BEGIN SELECT RAISE(ABORT, 'a hold needs the clerk who made it'); END;
CREATE TRIGGER IF NOT EXISTS bookings_name_their_clerk BEFORE INSERT ON bookings WHEN NEW.clerk_id IS NULL
BEGIN SELECT RAISE(ABORT, 'a booking needs the clerk who made it'); END;
CREATE TRIGGER IF NOT EXISTS payments_need_an_open_shift BEFORE INSERT ON payment_attempts
WHEN NEW.shift_id IS NULL OR (SELECT closed_at FROM shifts WHERE id = NEW.shift_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a payment belongs to an open shift'); END;
CREATE TRIGGER IF NOT EXISTS refunds_need_an_open_shift BEFORE INSERT ON refunds
WHEN NEW.shift_id IS NULL OR (SELECT closed_at FROM shifts WHERE id = NEW.shift_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a refund belongs to an open shift'); END;
CREATE TRIGGER IF NOT EXISTS payments_never_change BEFORE UPDATE OF booking_id, outcome, amount, shift_id, method,
    tendered, change_given ON payment_attempts
BEGIN SELECT RAISE(ABORT, 'a payment attempt never changes'); END;
CREATE TRIGGER IF NOT EXISTS payments_of_closed_shifts_stay BEFORE DELETE ON payment_attempts
WHEN (SELECT closed_at FROM shifts WHERE id = OLD.shift_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a closed shift cannot change'); END;
CREATE TRIGGER IF NOT EXISTS refunds_keep_their_figures BEFORE UPDATE OF booking_id, kind, original_amount, amount, fee,
    shift_id, method ON refunds
BEGIN SELECT RAISE(ABORT, 'a refund''s figures never change'); END;
CREATE TRIGGER IF NOT EXISTS refunds_of_closed_shifts_stay BEFORE DELETE ON refunds
WHEN (SELECT closed_at FROM shifts WHERE id = OLD.shift_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a closed shift cannot change'); END;
CREATE TRIGGER IF NOT EXISTS closed_shifts_never_change BEFORE UPDATE ON shifts WHEN OLD.closed_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a closed shift cannot change'); END;
CREATE TRIGGER IF NOT EXISTS shifts_are_kept BEFORE DELETE ON shifts
BEGIN SELECT RAISE(ABORT, 'shifts are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS closed_shift_totals_insert BEFORE INSERT ON shift_totals
WHEN (SELECT closed_at FROM shifts WHERE id = NEW.shift_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a closed shift cannot change'); END;
CREATE TRIGGER IF NOT EXISTS closed_shift_totals_update BEFORE UPDATE ON shift_totals
WHEN (SELECT closed_at FROM shifts WHERE id = OLD.shift_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a closed shift cannot change'); END;
CREATE TRIGGER IF NOT EXISTS closed_shift_totals_delete BEFORE DELETE ON shift_totals
WHEN (SELECT closed_at FROM shifts WHERE id = OLD.shift_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a closed shift cannot change'); END;

-- The running totals.
CREATE TRIGGER IF NOT EXISTS shift_totals_payment AFTER INSERT ON payment_attempts
BEGIN
    INSERT INTO shift_totals (shift_id, method, currency, sales, payments, tickets, declined, timeouts)
    SELECT NEW.shift_id, NEW.method, b.currency, iif(NEW.outcome = 'SUCCESS', NEW.amount, 0), NEW.outcome = 'SUCCESS',
           iif(NEW.outcome = 'SUCCESS', b.seats, 0), NEW.outcome = 'FAILURE', NEW.outcome = 'TIMEOUT'
    FROM bookings b WHERE b.id = NEW.booking_id
    ON CONFLICT (shift_id, method, currency) DO UPDATE SET sales = sales + excluded.sales,
        payments = payments + excluded.payments, tickets = tickets + excluded.tickets,
        declined = declined + excluded.declined, timeouts = timeouts + excluded.timeouts;
END;
CREATE TRIGGER IF NOT EXISTS shift_totals_refund AFTER INSERT ON refunds WHEN NEW.kind = 'PARTIAL'
BEGIN
    INSERT INTO shift_totals (shift_id, method, currency, refunds, refund_count, refunded_tickets)
    SELECT NEW.shift_id, NEW.method, b.currency, NEW.amount, 1, b.seats FROM bookings b WHERE b.id = NEW.booking_id
    ON CONFLICT (shift_id, method, currency) DO UPDATE SET refunds = refunds + excluded.refunds,
        refund_count = refund_count + 1, refunded_tickets = refunded_tickets + excluded.refunded_tickets;
END;

-- Marks the file as boxoffice's (migration 0002; "BOXF"), so a file that is not
-- ours is refused and never changed; user_version is the newest migration.
PRAGMA application_id = 1112496198;
PRAGMA user_version = 10;
