-- Hold extension (SQLite's migrations/0003_hold_extensions.sql): an ACTIVE
-- hold's deadline moves on by the hold period a limited number of times;
-- each extension is kept with the idempotency key it was asked with.
ALTER TABLE holds ADD COLUMN extensions bigint NOT NULL DEFAULT 0 CHECK (extensions >= 0);
CREATE TABLE hold_extensions (
    id              text COLLATE "C" PRIMARY KEY,
    hold_id         text COLLATE "C" NOT NULL REFERENCES holds (id),
    n               bigint NOT NULL CHECK (n > 0),
    idempotency_key text COLLATE "C" UNIQUE,
    from_expires_at bigint NOT NULL,
    to_expires_at   bigint NOT NULL CHECK (to_expires_at > from_expires_at),
    created_at      bigint NOT NULL,
    UNIQUE (hold_id, n)
);
