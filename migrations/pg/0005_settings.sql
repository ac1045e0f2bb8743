-- The venue's settings (SQLite's migrations/0005_settings.sql): one row per
-- key that is set; a key with no row has its default.
CREATE TABLE settings (
    key        text COLLATE "C" PRIMARY KEY,
    value      text COLLATE "C" NOT NULL,
    updated_at bigint NOT NULL,
    updated_by text COLLATE "C" NOT NULL
);
