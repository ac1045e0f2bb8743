-- The venue's settings (issue 13): one row per key that is set; a key with no
-- row has its default (src/domain/settings.rs). Written only by
-- Desk::set_setting, each change audited (SETTING_CHANGED, old and new value).
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
) WITHOUT ROWID;
