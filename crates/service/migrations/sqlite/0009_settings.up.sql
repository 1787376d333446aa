-- SQLite: timestamps are RFC 3339 text (sqlx encodes DateTime<Utc> that way).
-- Settings shared by every instance, read with a short cache: one row per name. The first is
-- `maintenance` ('on' | 'off'), set by `arca-api maintenance on|off` and seen by every
-- instance within its cache TTL (MAINTENANCE_CACHE_MS).
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
