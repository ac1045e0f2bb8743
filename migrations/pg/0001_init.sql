-- boxoffice schema on PostgreSQL, step 1: the tables of SQLite's
-- migrations/0001_init.sql, column for column (a test compares them).
-- Timestamps are unix milliseconds (UTC) and every integer is a bigint, as
-- SQLite keeps them, so a copy between the two is exact. Text compares and
-- sorts byte by byte (COLLATE "C"), as SQLite's does, whatever the
-- database's locale. Running totals are kept by triggers in the same
-- transaction as the change, as on SQLite.

-- Helpers the triggers (and the store's SQL) use on both backends.
-- The hour a millisecond instant falls in, floor(ms / 3600000), as SQLite's
-- triggers spell it.
CREATE FUNCTION hour_of(ms bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (ms - (ms % 3600000 + 3600000) % 3600000) / 3600000 $$;
-- SQLite's iif() and instr(), so the store's SQL reads the same on both.
CREATE FUNCTION iif(cond boolean, a anycompatible, b anycompatible) RETURNS anycompatible
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN cond THEN a ELSE b END $$;
CREATE FUNCTION instr(haystack text, needle text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT strpos(haystack, needle) $$;

CREATE TABLE meta (
    key   text COLLATE "C" PRIMARY KEY,
    value text COLLATE "C" NOT NULL
);

CREATE TABLE events (
    id            text COLLATE "C" PRIMARY KEY,
    name          text COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description   text COLLATE "C" NOT NULL DEFAULT '',
    starts_at     bigint NOT NULL,
    kind          text COLLATE "C" NOT NULL CHECK (kind IN ('RESERVED', 'GA')),
    seat_rows     bigint CHECK (seat_rows IS NULL OR seat_rows BETWEEN 1 AND 26),
    seats_per_row bigint CHECK (seats_per_row IS NULL OR seats_per_row BETWEEN 1 AND 99),
    total         bigint NOT NULL CHECK (total > 0),
    available     bigint NOT NULL,
    price         bigint NOT NULL CHECK (price >= 0),
    currency      text COLLATE "C" NOT NULL DEFAULT 'INR' CHECK (length(currency) = 3),
    created_at    bigint NOT NULL,
    CHECK (available BETWEEN 0 AND total),
    CHECK (kind = 'GA' OR total = seat_rows * seats_per_row)
);
CREATE INDEX events_by_start ON events (starts_at);

CREATE TABLE customers (
    id         text COLLATE "C" PRIMARY KEY,
    name       text COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    email      text COLLATE "C" UNIQUE,
    phone      text COLLATE "C" UNIQUE,
    created_at bigint NOT NULL,
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
);

CREATE TABLE holds (
    id             text COLLATE "C" PRIMARY KEY,
    event_id       text COLLATE "C" NOT NULL REFERENCES events (id),
    seats          bigint NOT NULL CHECK (seats > 0),
    status         text COLLATE "C" NOT NULL CHECK (status IN ('ACTIVE', 'CONSUMED', 'RELEASED', 'EXPIRED')),
    correlation_id text COLLATE "C" NOT NULL,
    actor          text COLLATE "C" NOT NULL,
    created_at     bigint NOT NULL,
    expires_at     bigint NOT NULL,
    updated_at     bigint NOT NULL
);
CREATE INDEX holds_active_by_expiry ON holds (expires_at) WHERE status = 'ACTIVE';
CREATE INDEX holds_by_event ON holds (event_id, status);
CREATE INDEX holds_by_time ON holds (created_at, event_id, status);

-- Holds made and expired per (hour of creation, event), kept by triggers.
CREATE TABLE hold_hours (
    hour     bigint NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    made     bigint NOT NULL DEFAULT 0,
    expired  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, event_id)
);
CREATE FUNCTION hold_hours_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE hold_hours SET made = made - 1, expired = expired - (OLD.status = 'EXPIRED')::int
        WHERE hour = hour_of(OLD.created_at) AND event_id = OLD.event_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO hold_hours AS t (hour, event_id, made, expired)
        VALUES (hour_of(NEW.created_at), NEW.event_id, 1, (NEW.status = 'EXPIRED')::int)
        ON CONFLICT (hour, event_id) DO UPDATE SET made = t.made + 1, expired = t.expired + excluded.expired;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER hold_hours_insert AFTER INSERT ON holds FOR EACH ROW EXECUTE FUNCTION hold_hours_count();
CREATE TRIGGER hold_hours_update AFTER UPDATE OF status, event_id, created_at ON holds FOR EACH ROW
    WHEN ((OLD.status = 'EXPIRED') <> (NEW.status = 'EXPIRED') OR OLD.event_id <> NEW.event_id
          OR OLD.created_at <> NEW.created_at)
    EXECUTE FUNCTION hold_hours_count();
CREATE TRIGGER hold_hours_delete AFTER DELETE ON holds FOR EACH ROW EXECUTE FUNCTION hold_hours_count();

-- Reserved seating: which labels a hold owns; one live owner per seat is a
-- database rule (the partial unique index).
CREATE TABLE hold_seats (
    hold_id  text COLLATE "C" NOT NULL REFERENCES holds (id),
    event_id text COLLATE "C" NOT NULL REFERENCES events (id),
    label    text COLLATE "C" NOT NULL,
    live     bigint NOT NULL DEFAULT 1 CHECK (live IN (0, 1)),
    PRIMARY KEY (hold_id, label)
);
CREATE UNIQUE INDEX hold_seats_one_live_owner ON hold_seats (event_id, label) WHERE live = 1;

CREATE TABLE bookings (
    id                 text COLLATE "C" PRIMARY KEY,
    hold_id            text COLLATE "C" NOT NULL UNIQUE REFERENCES holds (id), -- one booking per hold, ever
    event_id           text COLLATE "C" NOT NULL REFERENCES events (id),
    customer_id        text COLLATE "C" NOT NULL REFERENCES customers (id),
    seats              bigint NOT NULL CHECK (seats > 0),
    amount             bigint NOT NULL CHECK (amount >= 0),
    currency           text COLLATE "C" NOT NULL,
    status             text COLLATE "C" NOT NULL
                       CHECK (status IN ('PAYMENT_PENDING', 'CONFIRMED', 'PAYMENT_FAILED', 'EXPIRED', 'CANCELLED')),
    correlation_id     text COLLATE "C" NOT NULL,
    created_at         bigint NOT NULL,
    payment_expires_at bigint NOT NULL,
    updated_at         bigint NOT NULL
);
CREATE INDEX bookings_pending_by_deadline ON bookings (payment_expires_at) WHERE status = 'PAYMENT_PENDING';
CREATE INDEX bookings_by_event_status ON bookings (event_id, status);
CREATE INDEX bookings_by_status_time ON bookings (status, created_at);
CREATE INDEX bookings_by_time ON bookings (created_at);
CREATE INDEX bookings_by_customer ON bookings (customer_id, created_at, id);
CREATE INDEX bookings_report ON bookings (event_id, status, created_at, seats, amount);

-- Running totals per (event, status), kept by triggers.
CREATE TABLE booking_totals (
    event_id text COLLATE "C" NOT NULL,
    status   text COLLATE "C" NOT NULL,
    count    bigint NOT NULL DEFAULT 0,
    seats    bigint NOT NULL DEFAULT 0,
    amount   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, status)
);
CREATE FUNCTION booking_totals_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE booking_totals SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
        WHERE event_id = OLD.event_id AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO booking_totals AS t (event_id, status, count, seats, amount)
        VALUES (NEW.event_id, NEW.status, 1, NEW.seats, NEW.amount)
        ON CONFLICT (event_id, status) DO UPDATE SET count = t.count + 1, seats = t.seats + excluded.seats,
            amount = t.amount + excluded.amount;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER booking_totals_insert AFTER INSERT ON bookings FOR EACH ROW EXECUTE FUNCTION booking_totals_count();
CREATE TRIGGER booking_totals_update AFTER UPDATE OF event_id, status, seats, amount ON bookings FOR EACH ROW
    EXECUTE FUNCTION booking_totals_count();
CREATE TRIGGER booking_totals_delete AFTER DELETE ON bookings FOR EACH ROW EXECUTE FUNCTION booking_totals_count();

-- The same totals per (event, status, hour of booking time).
CREATE TABLE booking_hours (
    event_id text COLLATE "C" NOT NULL,
    status   text COLLATE "C" NOT NULL,
    hour     bigint NOT NULL,
    count    bigint NOT NULL DEFAULT 0,
    seats    bigint NOT NULL DEFAULT 0,
    amount   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, status, hour)
);
CREATE FUNCTION booking_hours_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE booking_hours SET count = count - 1, seats = seats - OLD.seats, amount = amount - OLD.amount
        WHERE event_id = OLD.event_id AND status = OLD.status AND hour = hour_of(OLD.created_at);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO booking_hours AS t (event_id, status, hour, count, seats, amount)
        VALUES (NEW.event_id, NEW.status, hour_of(NEW.created_at), 1, NEW.seats, NEW.amount)
        ON CONFLICT (event_id, status, hour) DO UPDATE SET count = t.count + 1, seats = t.seats + excluded.seats,
            amount = t.amount + excluded.amount;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER booking_hours_insert AFTER INSERT ON bookings FOR EACH ROW EXECUTE FUNCTION booking_hours_count();
CREATE TRIGGER booking_hours_update AFTER UPDATE OF event_id, status, seats, amount, created_at ON bookings
    FOR EACH ROW EXECUTE FUNCTION booking_hours_count();
CREATE TRIGGER booking_hours_delete AFTER DELETE ON bookings FOR EACH ROW EXECUTE FUNCTION booking_hours_count();

CREATE TABLE payment_attempts (
    id              text COLLATE "C" PRIMARY KEY,
    booking_id      text COLLATE "C" NOT NULL REFERENCES bookings (id),
    idempotency_key text COLLATE "C" NOT NULL UNIQUE,
    outcome         text COLLATE "C" NOT NULL CHECK (outcome IN ('SUCCESS', 'FAILURE', 'TIMEOUT')),
    amount          bigint NOT NULL CHECK (amount >= 0),
    transaction_id  text COLLATE "C",
    created_at      bigint NOT NULL
);
CREATE INDEX payment_attempts_by_booking ON payment_attempts (booking_id);
CREATE INDEX payment_attempts_by_time ON payment_attempts (created_at);
CREATE INDEX payment_attempts_report ON payment_attempts (created_at, outcome, booking_id);

-- Idempotency records for hold/book/pay: one stored result per key.
CREATE TABLE idempotency_keys (
    key        text COLLATE "C" PRIMARY KEY,
    scope      text COLLATE "C" NOT NULL CHECK (scope IN ('hold', 'book', 'pay')),
    entity_id  text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL
);
CREATE INDEX idempotency_keys_by_time ON idempotency_keys (created_at);

CREATE TABLE refunds (
    id              text COLLATE "C" PRIMARY KEY,
    booking_id      text COLLATE "C" NOT NULL UNIQUE REFERENCES bookings (id),
    kind            text COLLATE "C" NOT NULL CHECK (kind IN ('FULL', 'PARTIAL')),
    original_amount bigint NOT NULL CHECK (original_amount >= 0),
    percent         bigint NOT NULL CHECK (percent BETWEEN 0 AND 100),
    amount          bigint NOT NULL CHECK (amount >= 0),
    fee             bigint NOT NULL CHECK (fee >= 0),
    status          text COLLATE "C" NOT NULL CHECK (status IN ('INITIATED', 'PROCESSED')),
    transaction_id  text COLLATE "C",
    created_at      bigint NOT NULL,
    completed_at    bigint,
    CHECK (amount + fee = original_amount),
    CHECK (status = 'INITIATED' OR (completed_at IS NOT NULL AND transaction_id IS NOT NULL))
);
CREATE INDEX refunds_initiated ON refunds (created_at) WHERE status = 'INITIATED';

-- Refund totals per event of the refunded booking, kept by triggers. `full`
-- is a keyword on PostgreSQL: SQL naming the column quotes it ("full"),
-- which SQLite reads the same.
CREATE TABLE refund_totals (
    event_id  text COLLATE "C" PRIMARY KEY,
    refunds   bigint NOT NULL DEFAULT 0,
    "full"    bigint NOT NULL DEFAULT 0,
    pending   bigint NOT NULL DEFAULT 0,
    fees_kept bigint NOT NULL DEFAULT 0
);
-- Refund totals per (event, hour of the refunded booking's booking time).
CREATE TABLE refund_hours (
    event_id  text COLLATE "C" NOT NULL,
    hour      bigint NOT NULL,
    refunds   bigint NOT NULL DEFAULT 0,
    "full"    bigint NOT NULL DEFAULT 0,
    pending   bigint NOT NULL DEFAULT 0,
    fees_kept bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, hour)
);
-- One function keeps both tables, as SQLite's six triggers do: it adds a
-- refund's part (sign 1) or takes it out (sign -1) on the rows of a booking's
-- event and hour; an insert may create those rows, an update or delete only
-- changes them (SQLite's UPDATE triggers never insert either).
CREATE FUNCTION refund_totals_apply(booking text, r_amount bigint, r_fee bigint, r_kind text, r_status text,
                                    sign bigint, upsert boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    b_event text;
    b_hour bigint;
    d_refunds bigint := sign * r_amount;
    d_full bigint := sign * CASE WHEN r_kind = 'FULL' THEN r_amount ELSE 0 END;
    d_pending bigint := sign * CASE WHEN r_status = 'INITIATED' THEN r_amount ELSE 0 END;
    d_fees bigint := sign * CASE WHEN r_kind = 'PARTIAL' THEN r_fee ELSE 0 END;
BEGIN
    SELECT b.event_id, hour_of(b.created_at) INTO b_event, b_hour FROM bookings b WHERE b.id = booking;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF upsert THEN
        INSERT INTO refund_totals AS t (event_id, refunds, "full", pending, fees_kept)
        VALUES (b_event, d_refunds, d_full, d_pending, d_fees)
        ON CONFLICT (event_id) DO UPDATE SET refunds = t.refunds + excluded.refunds,
            "full" = t."full" + excluded."full", pending = t.pending + excluded.pending,
            fees_kept = t.fees_kept + excluded.fees_kept;
        INSERT INTO refund_hours AS t (event_id, hour, refunds, "full", pending, fees_kept)
        VALUES (b_event, b_hour, d_refunds, d_full, d_pending, d_fees)
        ON CONFLICT (event_id, hour) DO UPDATE SET refunds = t.refunds + excluded.refunds,
            "full" = t."full" + excluded."full", pending = t.pending + excluded.pending,
            fees_kept = t.fees_kept + excluded.fees_kept;
    ELSE
        UPDATE refund_totals SET refunds = refunds + d_refunds, "full" = "full" + d_full,
            pending = pending + d_pending, fees_kept = fees_kept + d_fees
        WHERE event_id = b_event;
        UPDATE refund_hours SET refunds = refunds + d_refunds, "full" = "full" + d_full,
            pending = pending + d_pending, fees_kept = fees_kept + d_fees
        WHERE event_id = b_event AND hour = b_hour;
    END IF;
END $$;
CREATE FUNCTION refund_totals_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM refund_totals_apply(NEW.booking_id, NEW.amount, NEW.fee, NEW.kind, NEW.status, 1, true);
    ELSIF TG_OP = 'UPDATE' THEN
        -- Both parts on the rows of the new row's booking, as SQLite's trigger does.
        PERFORM refund_totals_apply(NEW.booking_id, OLD.amount, OLD.fee, OLD.kind, OLD.status, -1, false);
        PERFORM refund_totals_apply(NEW.booking_id, NEW.amount, NEW.fee, NEW.kind, NEW.status, 1, false);
    ELSE
        PERFORM refund_totals_apply(OLD.booking_id, OLD.amount, OLD.fee, OLD.kind, OLD.status, -1, false);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER refund_totals_insert AFTER INSERT ON refunds FOR EACH ROW EXECUTE FUNCTION refund_totals_count();
CREATE TRIGGER refund_totals_update AFTER UPDATE OF amount, fee, kind, status ON refunds FOR EACH ROW
    EXECUTE FUNCTION refund_totals_count();
CREATE TRIGGER refund_totals_delete AFTER DELETE ON refunds FOR EACH ROW EXECUTE FUNCTION refund_totals_count();

-- Append-only audit trail; `seq` is the shipping cursor's position. On
-- PostgreSQL it comes from a sequence, so numbers are unique and rising but
-- may have gaps (a rolled-back write keeps its number), and concurrent
-- writers may commit out of number order: docs/POSTGRES.md says how the
-- shipper stays exact. A transaction takes its id before its number, which
-- is what lets the shipper tell a gap that can still fill from one that never will.
CREATE TABLE audit_log (
    seq                 bigint PRIMARY KEY,
    id                  text COLLATE "C" NOT NULL UNIQUE,
    at                  bigint NOT NULL,
    action              text COLLATE "C" NOT NULL,
    entity              text COLLATE "C" NOT NULL,
    entity_id           text COLLATE "C" NOT NULL,
    event_id            text COLLATE "C",
    hold_id             text COLLATE "C",
    booking_id          text COLLATE "C",
    from_status         text COLLATE "C",
    to_status           text COLLATE "C",
    correlation_id      text COLLATE "C",
    is_retry            bigint NOT NULL DEFAULT 0 CHECK (is_retry IN (0, 1)),
    original_attempt_id text COLLATE "C",
    actor               text COLLATE "C" NOT NULL,
    details             text COLLATE "C" NOT NULL DEFAULT '{}'
);
CREATE SEQUENCE audit_log_seq OWNED BY audit_log.seq;
CREATE FUNCTION audit_log_next_seq() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_current_xact_id();
    RETURN nextval('audit_log_seq');
END $$;
ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT audit_log_next_seq();
CREATE INDEX audit_by_correlation ON audit_log (correlation_id);
CREATE INDEX audit_by_entity ON audit_log (entity_id);
CREATE INDEX audit_by_booking ON audit_log (booking_id);
CREATE INDEX audit_by_time ON audit_log (at);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT
    EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE job_runs (
    id          text COLLATE "C" PRIMARY KEY,
    job         text COLLATE "C" NOT NULL,
    status      text COLLATE "C" NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'SKIPPED', 'FAILED')),
    owner       text COLLATE "C" NOT NULL,
    started_at  bigint NOT NULL,
    finished_at bigint,
    processed   bigint NOT NULL DEFAULT 0,
    error       text COLLATE "C"
);
CREATE INDEX job_runs_by_job ON job_runs (job, started_at);
CREATE INDEX job_runs_by_time ON job_runs (started_at);

-- One lease per job: a process runs a job only while it holds the unexpired lease.
CREATE TABLE job_leases (
    job        text COLLATE "C" PRIMARY KEY,
    owner      text COLLATE "C" NOT NULL,
    expires_at bigint NOT NULL
);
