-- SQLite's migrations/0007_clerks.sql on PostgreSQL: clerks, shifts and the
-- till's running totals, the same columns and the same refusals (triggers
-- raise instead of SQLite's RAISE(ABORT)). A new PostgreSQL database has no
-- older rows, so the legacy clerk and shift are made only if rows exist
-- (as on SQLite).

CREATE TABLE clerks (
    id           text COLLATE "C" PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 32),
    role         text COLLATE "C" NOT NULL CHECK (role IN ('clerk', 'supervisor')),
    pin_hash     text COLLATE "C",
    failed_pins  bigint NOT NULL DEFAULT 0 CHECK (failed_pins >= 0),
    locked_until bigint,
    disabled_at  bigint,
    created_at   bigint NOT NULL
);
-- SQLite's `UNIQUE COLLATE NOCASE`: names unique ignoring case.
CREATE UNIQUE INDEX clerks_name_nocase ON clerks (lower(name));

CREATE TABLE shifts (
    id            text COLLATE "C" PRIMARY KEY,
    clerk_id      text COLLATE "C" NOT NULL REFERENCES clerks (id),
    currency      text COLLATE "C" NOT NULL CHECK (length(currency) = 3),
    opening_float bigint NOT NULL CHECK (opening_float >= 0),
    opened_at     bigint NOT NULL,
    closed_at     bigint,
    counted_cash  bigint CHECK (counted_cash >= 0),
    expected_cash bigint,
    CHECK ((closed_at IS NULL) = (counted_cash IS NULL) AND (closed_at IS NULL) = (expected_cash IS NULL))
);
CREATE UNIQUE INDEX shifts_one_open_per_clerk ON shifts (clerk_id) WHERE closed_at IS NULL;
CREATE INDEX shifts_by_clerk ON shifts (clerk_id, opened_at);
CREATE INDEX shifts_by_time ON shifts (opened_at);

CREATE TABLE shift_totals (
    shift_id         text COLLATE "C" NOT NULL REFERENCES shifts (id),
    method           text COLLATE "C" NOT NULL CHECK (method IN ('CASH', 'CARD', 'UPI')),
    currency         text COLLATE "C" NOT NULL,
    sales            bigint NOT NULL DEFAULT 0,
    payments         bigint NOT NULL DEFAULT 0,
    tickets          bigint NOT NULL DEFAULT 0,
    refunds          bigint NOT NULL DEFAULT 0,
    refund_count     bigint NOT NULL DEFAULT 0,
    refunded_tickets bigint NOT NULL DEFAULT 0,
    declined         bigint NOT NULL DEFAULT 0,
    timeouts         bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (shift_id, method, currency)
);

ALTER TABLE holds ADD COLUMN clerk_id text COLLATE "C" REFERENCES clerks (id);
ALTER TABLE bookings ADD COLUMN clerk_id text COLLATE "C" REFERENCES clerks (id);
ALTER TABLE payment_attempts ADD COLUMN shift_id text COLLATE "C" REFERENCES shifts (id);
ALTER TABLE payment_attempts ADD COLUMN method text COLLATE "C" NOT NULL DEFAULT 'CARD'
    CHECK (method IN ('CASH', 'CARD', 'UPI'));
ALTER TABLE payment_attempts ADD COLUMN tendered bigint;
ALTER TABLE payment_attempts ADD COLUMN change_given bigint;
ALTER TABLE payment_attempts ADD CONSTRAINT payment_attempts_tendered
    CHECK (tendered IS NULL OR (method = 'CASH' AND tendered >= amount));
ALTER TABLE payment_attempts ADD CONSTRAINT payment_attempts_change
    CHECK (change_given IS NULL OR change_given = tendered - amount);
ALTER TABLE refunds ADD COLUMN shift_id text COLLATE "C" REFERENCES shifts (id);
ALTER TABLE refunds ADD COLUMN method text COLLATE "C" NOT NULL DEFAULT 'CARD'
    CHECK (method IN ('CASH', 'CARD', 'UPI'));
ALTER TABLE audit_log ADD COLUMN clerk_id text COLLATE "C" REFERENCES clerks (id);
CREATE INDEX holds_by_clerk ON holds (clerk_id, status);
CREATE INDEX payment_attempts_by_shift ON payment_attempts (shift_id);
CREATE INDEX refunds_by_shift ON refunds (shift_id);

-- An older database's rows: the legacy clerk and shift, only if it has any.
INSERT INTO clerks (id, name, role, pin_hash, created_at, disabled_at)
SELECT '00000000-0000-7000-8000-000000000001', 'legacy', 'clerk', NULL, m, m
FROM (SELECT coalesce((SELECT min(created_at) FROM holds), 0) m) x
WHERE EXISTS (SELECT 1 FROM holds) OR EXISTS (SELECT 1 FROM payment_attempts) OR EXISTS (SELECT 1 FROM refunds);
UPDATE holds SET clerk_id = '00000000-0000-7000-8000-000000000001';
UPDATE bookings SET clerk_id = '00000000-0000-7000-8000-000000000001';
INSERT INTO shifts (id, clerk_id, currency, opening_float, opened_at, closed_at, counted_cash, expected_cash)
SELECT '00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-000000000001',
       coalesce((SELECT currency FROM bookings GROUP BY currency ORDER BY count(*) DESC, currency LIMIT 1), 'INR'),
       0, min(at), max(at), 0, 0
FROM (SELECT created_at AS at FROM payment_attempts UNION ALL SELECT created_at FROM refunds) x
HAVING count(*) > 0;
UPDATE payment_attempts SET shift_id = '00000000-0000-7000-8000-000000000002';
UPDATE refunds SET shift_id = '00000000-0000-7000-8000-000000000002';
INSERT INTO shift_totals (shift_id, method, currency, sales, payments, tickets, declined, timeouts)
SELECT p.shift_id, p.method, b.currency,
       sum(CASE WHEN p.outcome = 'SUCCESS' THEN p.amount ELSE 0 END), sum((p.outcome = 'SUCCESS')::int),
       sum(CASE WHEN p.outcome = 'SUCCESS' THEN b.seats ELSE 0 END), sum((p.outcome = 'FAILURE')::int),
       sum((p.outcome = 'TIMEOUT')::int)
FROM payment_attempts p JOIN bookings b ON b.id = p.booking_id GROUP BY 1, 2, 3;
INSERT INTO shift_totals AS t (shift_id, method, currency, refunds, refund_count, refunded_tickets)
SELECT r.shift_id, r.method, b.currency, sum(r.amount), count(*), sum(b.seats)
FROM refunds r JOIN bookings b ON b.id = r.booking_id WHERE r.kind = 'PARTIAL' GROUP BY 1, 2, 3
ON CONFLICT (shift_id, method, currency) DO UPDATE SET refunds = t.refunds + excluded.refunds,
    refund_count = t.refund_count + excluded.refund_count, refunded_tickets = t.refunded_tickets + excluded.refunded_tickets;
INSERT INTO meta (key, value) SELECT 'audit_clerks_from_seq', max(seq)::text FROM audit_log HAVING count(*) > 0;

-- The refusals.
CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0];
END $$;
CREATE TRIGGER holds_name_their_clerk BEFORE INSERT ON holds FOR EACH ROW WHEN (NEW.clerk_id IS NULL)
    EXECUTE FUNCTION refuse('a hold needs the clerk who made it');
CREATE TRIGGER bookings_name_their_clerk BEFORE INSERT ON bookings FOR EACH ROW WHEN (NEW.clerk_id IS NULL)
    EXECUTE FUNCTION refuse('a booking needs the clerk who made it');

CREATE FUNCTION shift_is_closed(shift text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT closed_at IS NOT NULL FROM shifts WHERE id = shift), false)
$$;
CREATE FUNCTION needs_open_shift() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.shift_id IS NULL OR shift_is_closed(NEW.shift_id) THEN
        RAISE EXCEPTION '%', TG_ARGV[0];
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payments_need_an_open_shift BEFORE INSERT ON payment_attempts FOR EACH ROW
    EXECUTE FUNCTION needs_open_shift('a payment belongs to an open shift');
CREATE TRIGGER refunds_need_an_open_shift BEFORE INSERT ON refunds FOR EACH ROW
    EXECUTE FUNCTION needs_open_shift('a refund belongs to an open shift');
CREATE TRIGGER payments_never_change BEFORE UPDATE OF booking_id, outcome, amount, shift_id, method, tendered,
    change_given ON payment_attempts FOR EACH ROW EXECUTE FUNCTION refuse('a payment attempt never changes');
CREATE TRIGGER payments_of_closed_shifts_stay BEFORE DELETE ON payment_attempts FOR EACH ROW
    WHEN (shift_is_closed(OLD.shift_id)) EXECUTE FUNCTION refuse('a closed shift cannot change');
CREATE TRIGGER refunds_keep_their_figures BEFORE UPDATE OF booking_id, kind, original_amount, amount, fee, shift_id,
    method ON refunds FOR EACH ROW EXECUTE FUNCTION refuse('a refund''s figures never change');
CREATE TRIGGER refunds_of_closed_shifts_stay BEFORE DELETE ON refunds FOR EACH ROW
    WHEN (shift_is_closed(OLD.shift_id)) EXECUTE FUNCTION refuse('a closed shift cannot change');
CREATE TRIGGER closed_shifts_never_change BEFORE UPDATE ON shifts FOR EACH ROW WHEN (OLD.closed_at IS NOT NULL)
    EXECUTE FUNCTION refuse('a closed shift cannot change');
CREATE TRIGGER shifts_are_kept BEFORE DELETE ON shifts FOR EACH ROW EXECUTE FUNCTION refuse('shifts are never deleted');
CREATE TRIGGER closed_shift_totals_insert BEFORE INSERT ON shift_totals FOR EACH ROW
    WHEN (shift_is_closed(NEW.shift_id)) EXECUTE FUNCTION refuse('a closed shift cannot change');
CREATE TRIGGER closed_shift_totals_update BEFORE UPDATE ON shift_totals FOR EACH ROW
    WHEN (shift_is_closed(OLD.shift_id)) EXECUTE FUNCTION refuse('a closed shift cannot change');
CREATE TRIGGER closed_shift_totals_delete BEFORE DELETE ON shift_totals FOR EACH ROW
    WHEN (shift_is_closed(OLD.shift_id)) EXECUTE FUNCTION refuse('a closed shift cannot change');

-- The running totals, in the writer's transaction.
CREATE FUNCTION shift_totals_payment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO shift_totals AS t (shift_id, method, currency, sales, payments, tickets, declined, timeouts)
    SELECT NEW.shift_id, NEW.method, b.currency, CASE WHEN NEW.outcome = 'SUCCESS' THEN NEW.amount ELSE 0 END,
           (NEW.outcome = 'SUCCESS')::int, CASE WHEN NEW.outcome = 'SUCCESS' THEN b.seats ELSE 0 END,
           (NEW.outcome = 'FAILURE')::int, (NEW.outcome = 'TIMEOUT')::int
    FROM bookings b WHERE b.id = NEW.booking_id
    ON CONFLICT (shift_id, method, currency) DO UPDATE SET sales = t.sales + excluded.sales,
        payments = t.payments + excluded.payments, tickets = t.tickets + excluded.tickets,
        declined = t.declined + excluded.declined, timeouts = t.timeouts + excluded.timeouts;
    RETURN NULL;
END $$;
CREATE TRIGGER shift_totals_payment AFTER INSERT ON payment_attempts FOR EACH ROW
    EXECUTE FUNCTION shift_totals_payment();
CREATE FUNCTION shift_totals_refund() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO shift_totals AS t (shift_id, method, currency, refunds, refund_count, refunded_tickets)
    SELECT NEW.shift_id, NEW.method, b.currency, NEW.amount, 1, b.seats FROM bookings b WHERE b.id = NEW.booking_id
    ON CONFLICT (shift_id, method, currency) DO UPDATE SET refunds = t.refunds + excluded.refunds,
        refund_count = t.refund_count + 1, refunded_tickets = t.refunded_tickets + excluded.refunded_tickets;
    RETURN NULL;
END $$;
CREATE TRIGGER shift_totals_refund AFTER INSERT ON refunds FOR EACH ROW WHEN (NEW.kind = 'PARTIAL')
    EXECUTE FUNCTION shift_totals_refund();
