-- Ticket types, booking items, tickets and the door's scans (SQLite's
-- migrations/0004_tickets.sql). SQLite's step also issues tickets for the
-- paid bookings of an older file (its Rust part); a PostgreSQL database is
-- always built new, so it has none to fill in (src/store/pg/migrate.rs).

-- Priced kinds of ticket of an event; never deleted, only retired.
CREATE TABLE ticket_types (
    id         text COLLATE "C" PRIMARY KEY,
    event_id   text COLLATE "C" NOT NULL REFERENCES events (id),
    name       text COLLATE "C" NOT NULL,
    price      bigint NOT NULL CHECK (price >= 0),
    quota      bigint CHECK (quota IS NULL OR quota > 0),
    position   bigint NOT NULL,
    retired_at bigint,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    UNIQUE (event_id, name),
    UNIQUE (event_id, position)
);

-- What a booking bought: seats per type at the price each had then.
CREATE TABLE booking_items (
    booking_id text COLLATE "C" NOT NULL REFERENCES bookings (id),
    type_id    text COLLATE "C" NOT NULL REFERENCES ticket_types (id),
    count      bigint NOT NULL CHECK (count > 0),
    unit_price bigint NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (booking_id, type_id)
);
CREATE INDEX booking_items_by_type ON booking_items (type_id, booking_id);

-- Seats and amounts per (type, booking status), kept by triggers.
CREATE TABLE type_totals (
    type_id text COLLATE "C" NOT NULL,
    status  text COLLATE "C" NOT NULL,
    seats   bigint NOT NULL DEFAULT 0,
    amount  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (type_id, status)
);
CREATE FUNCTION type_totals_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO type_totals AS t (type_id, status, seats, amount)
        SELECT NEW.type_id, b.status, NEW.count, NEW.count * NEW.unit_price FROM bookings b WHERE b.id = NEW.booking_id
        ON CONFLICT (type_id, status) DO UPDATE SET seats = t.seats + excluded.seats, amount = t.amount + excluded.amount;
    ELSE
        UPDATE type_totals SET seats = seats - OLD.count, amount = amount - OLD.count * OLD.unit_price
        WHERE type_id = OLD.type_id AND status = (SELECT status FROM bookings WHERE id = OLD.booking_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER type_totals_item_insert AFTER INSERT ON booking_items FOR EACH ROW EXECUTE FUNCTION type_totals_item();
CREATE TRIGGER type_totals_item_delete AFTER DELETE ON booking_items FOR EACH ROW EXECUTE FUNCTION type_totals_item();
CREATE FUNCTION type_totals_booking_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO type_totals AS t (type_id, status, seats, amount)
    SELECT type_id, OLD.status, -count, -count * unit_price FROM booking_items WHERE booking_id = NEW.id
    ON CONFLICT (type_id, status) DO UPDATE SET seats = t.seats + excluded.seats, amount = t.amount + excluded.amount;
    INSERT INTO type_totals AS t (type_id, status, seats, amount)
    SELECT type_id, NEW.status, count, count * unit_price FROM booking_items WHERE booking_id = NEW.id
    ON CONFLICT (type_id, status) DO UPDATE SET seats = t.seats + excluded.seats, amount = t.amount + excluded.amount;
    RETURN NULL;
END $$;
CREATE TRIGGER type_totals_booking_status AFTER UPDATE OF status ON bookings FOR EACH ROW
    WHEN (OLD.status <> NEW.status) EXECUTE FUNCTION type_totals_booking_status();

-- One ticket per seat of a CONFIRMED booking; `code` is the canonical 17 characters.
CREATE TABLE tickets (
    id         text COLLATE "C" PRIMARY KEY,
    code       text COLLATE "C" NOT NULL,
    booking_id text COLLATE "C" NOT NULL REFERENCES bookings (id),
    event_id   text COLLATE "C" NOT NULL REFERENCES events (id),
    type_id    text COLLATE "C" NOT NULL REFERENCES ticket_types (id),
    number     bigint NOT NULL CHECK (number > 0),
    seat       text COLLATE "C", -- the seat label; NULL for general admission
    price      bigint NOT NULL CHECK (price >= 0),
    status     text COLLATE "C" NOT NULL CHECK (status IN ('VALID', 'USED', 'VOID')),
    issued_at  bigint NOT NULL,
    used_at    bigint,
    used_door  text COLLATE "C",
    voided_at  bigint,
    CHECK (status <> 'USED' OR (used_at IS NOT NULL AND used_door IS NOT NULL)),
    CHECK ((status = 'VOID') = (voided_at IS NOT NULL)),
    UNIQUE (booking_id, number)
);
CREATE UNIQUE INDEX tickets_by_code ON tickets (code);
CREATE INDEX tickets_by_type_status ON tickets (type_id, status);

-- Every scan at a door, admitted or refused, and every undone admission.
CREATE TABLE scans (
    id        text COLLATE "C" PRIMARY KEY,
    at        bigint NOT NULL,
    door      text COLLATE "C" NOT NULL,
    typed     text COLLATE "C" NOT NULL,
    ticket_id text COLLATE "C" REFERENCES tickets (id),
    event_id  text COLLATE "C", -- the event the door was checking, if it chose one
    result    text COLLATE "C" NOT NULL
              CHECK (result IN ('ADMITTED', 'ALREADY_USED', 'VOIDED', 'WRONG_EVENT', 'UNKNOWN', 'MISTYPED', 'UNDONE')),
    note      text COLLATE "C", -- why an admission was undone
    actor     text COLLATE "C" NOT NULL
);
CREATE INDEX scans_by_ticket ON scans (ticket_id, result) WHERE ticket_id IS NOT NULL;
CREATE INDEX scans_by_time ON scans (at);
