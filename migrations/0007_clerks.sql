-- Clerks, roles, tender and the till (issue 12): who did what, and does the
-- cash add up. A file from before this step keeps every row as it was; its
-- sales are attributed to a disabled "legacy" clerk (no PIN: nobody signs in
-- as it) and its payments and refunds to one closed legacy shift (all card:
-- the simulator was the only way to pay, so its cash figures are all zero).

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

-- Who made each hold and booking (a clerk resumes their own after a restart);
-- how each payment was taken and in which shift; which shift paid each refund;
-- which clerk each audit row was written by (NULL for a job, a door or the
-- command line, and for rows written before this step).
ALTER TABLE holds ADD COLUMN clerk_id TEXT REFERENCES clerks (id);
ALTER TABLE bookings ADD COLUMN clerk_id TEXT REFERENCES clerks (id);
ALTER TABLE payment_attempts ADD COLUMN shift_id TEXT REFERENCES shifts (id);
ALTER TABLE payment_attempts ADD COLUMN method TEXT NOT NULL DEFAULT 'CARD' CHECK (method IN ('CASH', 'CARD', 'UPI'));
ALTER TABLE payment_attempts ADD COLUMN tendered INTEGER CHECK (tendered IS NULL OR (method = 'CASH' AND tendered >= amount));
ALTER TABLE payment_attempts ADD COLUMN change_given INTEGER CHECK (change_given IS NULL OR change_given = tendered - amount);
ALTER TABLE refunds ADD COLUMN shift_id TEXT REFERENCES shifts (id);
ALTER TABLE refunds ADD COLUMN method TEXT NOT NULL DEFAULT 'CARD' CHECK (method IN ('CASH', 'CARD', 'UPI'));
ALTER TABLE audit_log ADD COLUMN clerk_id TEXT REFERENCES clerks (id);
CREATE INDEX IF NOT EXISTS holds_by_clerk ON holds (clerk_id, status);
CREATE INDEX IF NOT EXISTS payment_attempts_by_shift ON payment_attempts (shift_id);
CREATE INDEX IF NOT EXISTS refunds_by_shift ON refunds (shift_id);

-- An older file's rows: the legacy clerk and shift, only if it has any.
INSERT INTO clerks (id, name, role, pin_hash, created_at, disabled_at)
SELECT '00000000-0000-7000-8000-000000000001', 'legacy', 'clerk', NULL, m, m
FROM (SELECT coalesce((SELECT min(created_at) FROM holds), 0) m)
WHERE EXISTS (SELECT 1 FROM holds) OR EXISTS (SELECT 1 FROM payment_attempts) OR EXISTS (SELECT 1 FROM refunds);
UPDATE holds SET clerk_id = '00000000-0000-7000-8000-000000000001';
UPDATE bookings SET clerk_id = '00000000-0000-7000-8000-000000000001';
INSERT INTO shifts (id, clerk_id, currency, opening_float, opened_at, closed_at, counted_cash, expected_cash)
SELECT '00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-000000000001',
       coalesce((SELECT currency FROM bookings GROUP BY currency ORDER BY count(*) DESC, currency LIMIT 1), 'INR'),
       0, min(at), max(at), 0, 0
FROM (SELECT created_at at FROM payment_attempts UNION ALL SELECT created_at FROM refunds)
HAVING count(*) > 0;
UPDATE payment_attempts SET shift_id = '00000000-0000-7000-8000-000000000002';
UPDATE refunds SET shift_id = '00000000-0000-7000-8000-000000000002';
INSERT INTO shift_totals (shift_id, method, currency, sales, payments, tickets, declined, timeouts)
SELECT p.shift_id, p.method, b.currency, sum(iif(p.outcome = 'SUCCESS', p.amount, 0)), sum(p.outcome = 'SUCCESS'),
       sum(iif(p.outcome = 'SUCCESS', b.seats, 0)), sum(p.outcome = 'FAILURE'), sum(p.outcome = 'TIMEOUT')
FROM payment_attempts p JOIN bookings b ON b.id = p.booking_id GROUP BY 1, 2, 3;
INSERT INTO shift_totals (shift_id, method, currency, refunds, refund_count, refunded_tickets)
SELECT r.shift_id, r.method, b.currency, sum(r.amount), count(*), sum(b.seats)
FROM refunds r JOIN bookings b ON b.id = r.booking_id WHERE r.kind = 'PARTIAL' GROUP BY 1, 2, 3
ON CONFLICT (shift_id, method, currency) DO UPDATE SET refunds = refunds + excluded.refunds,
    refund_count = refund_count + excluded.refund_count, refunded_tickets = refunded_tickets + excluded.refunded_tickets;
-- Audit rows up to here were written before clerks existed: `verify` asks a
-- clerk (or a job's, a door's or the command line's identity) only of later ones.
-- (Only a file with audit rows needs it: a new file stays empty for `copy`.)
INSERT INTO meta (key, value) SELECT 'audit_clerks_from_seq', max(seq) FROM audit_log HAVING count(*) > 0;

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
