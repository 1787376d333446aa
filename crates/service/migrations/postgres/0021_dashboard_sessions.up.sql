-- Dashboard sessions (`/dashboard`): opened by signing in with an API key, kept server-side.
-- `id` is the SHA-256 (hex) of the random token in the session cookie: the token itself is
-- never stored. A session belongs to the key it was opened with; it ends when that key is
-- revoked (every read joins `api_keys` and asks `revoked_at IS NULL`), when it is unused for
-- DASHBOARD_SESSION_IDLE_MINUTES (`last_seen_at`), at `expires_at` (sign-in +
-- DASHBOARD_SESSION_MAX_HOURS), or at sign-out (the row is deleted). `csrf_token` (43
-- characters, base64url of 32 random bytes) is the form token of every page of the session.
CREATE TABLE dashboard_sessions (
    id TEXT PRIMARY KEY CHECK (length(id) = 64),
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    api_key_id TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL CHECK (length(csrf_token) = 43),
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at);
CREATE INDEX dashboard_sessions_key ON dashboard_sessions (api_key_id);
