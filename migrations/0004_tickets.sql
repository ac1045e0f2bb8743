-- Ticket types, the tickets a paid booking gets, and the door's scans.
-- The rows for files that already have events and bookings (a Standard type
-- per event at its price, the booking items, and tickets for CONFIRMED
-- bookings with random codes) are written by this step's Rust part
-- (store::tickets::backfill), in the same transaction.

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
