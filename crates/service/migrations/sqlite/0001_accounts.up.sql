-- SQLite: timestamps are RFC 3339 text (sqlx encodes DateTime<Utc> that way), integers INTEGER.
-- Accounts: one tenant each. `monthly_quota` and `requests_per_minute` override the tier's
-- limits when set (NULL = the tier's value).
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    cuit TEXT NOT NULL CHECK (length(cuit) = 11),
    tier TEXT NOT NULL CHECK (tier IN ('free', 'pro', 'enterprise')),
    monthly_quota INTEGER CHECK (monthly_quota >= 0),
    requests_per_minute INTEGER CHECK (requests_per_minute > 0),
    created_at TEXT NOT NULL
);
