-- Hold extension: an ACTIVE hold's deadline moves on by the hold period, a
-- limited number of times (Config::hold_extensions). `holds.extensions` counts
-- them; `hold_extensions` keeps each one with the idempotency key it was asked
-- with (kept for ever, like payment keys: a replay finds its extension), and
-- the deadline before and after, for the audit trail and `verify`.
ALTER TABLE holds ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0 CHECK (extensions >= 0);
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
