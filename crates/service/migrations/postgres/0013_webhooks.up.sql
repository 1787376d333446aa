-- Webhooks (ARCHITECTURE.md "Webhooks"): subscriptions, the events they receive, and the marks
-- that make alerts fire once. A delivery is an outbox message of kind 'webhook' (one per event
-- and subscription; its id is the delivery id), delivered by the same dispatcher as emails.

-- An account's endpoints. `events` is a JSON array of event types, or ["*"] (at most 4 KiB).
-- `secret` is the signing secret sealed with SECRETS_ENCRYPTION_KEY (crypto::Secrets, bound to
-- the subscription's id); after a rotation `previous_secret` keeps signing alongside it until
-- `previous_secret_expires_at`. `failing_since`: the first failed attempt since the last
-- delivered one (NULL while deliveries succeed); past WEBHOOK_DISABLE_AFTER_HOURS the endpoint
-- is disabled (`enabled` false, `disabled_reason` 'failing', `disabled_at`).
CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    url TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    events TEXT NOT NULL CHECK (length(events) <= 4096),
    description TEXT CHECK (length(description) <= 500),
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    secret BYTEA NOT NULL,
    previous_secret BYTEA,
    previous_secret_expires_at TIMESTAMPTZ,
    failing_since TIMESTAMPTZ,
    disabled_reason TEXT CHECK (disabled_reason IN ('failing', 'user')),
    disabled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_subscriptions_account ON webhook_subscriptions (account_id, created_at);

-- One row per event that had at least one subscriber: `body` is the exact JSON every delivery
-- of it sends ({id, type, created_at, data}; at most 1 MiB).
CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type TEXT NOT NULL CHECK (length(type) <= 64),
    body TEXT NOT NULL CHECK (length(body) <= 1048576),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_events_created ON webhook_events (created_at);

-- Facts that must happen once across instances: an alert already raised (a certificate's
-- 30/15/7/1-day warning, a month's quota warning) or a state transition already announced.
-- The first INSERT wins; `key` names the fact (at most 200 characters).
CREATE TABLE alert_marks (
    key TEXT PRIMARY KEY CHECK (length(key) <= 200),
    created_at TIMESTAMPTZ NOT NULL
);

-- ARCA's availability as every instance agrees on it (each has its own circuit breaker): a
-- transition is announced (arca.unavailable / arca.recovered) by whoever changes this row.
CREATE TABLE arca_availability (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    available BOOLEAN NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);
INSERT INTO arca_availability (id, available, changed_at) VALUES (1, TRUE, CURRENT_TIMESTAMP);

-- Scheduled jobs run by one instance at a time (certificate expiry, quota, retention): a lease
-- taken by a conditional UPDATE, like the series' and the outbox's. Times are unix ms.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY CHECK (length(name) <= 64),
    owner TEXT,
    lease_expires_at BIGINT NOT NULL DEFAULT 0,
    last_run_at BIGINT
);

-- The outbox learns webhook deliveries, and each attempt keeps the HTTP status and how long it
-- took (the delivery log).
ALTER TABLE outbox_messages DROP CONSTRAINT outbox_messages_kind_check;
ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_kind_check CHECK (kind IN ('email', 'webhook'));
ALTER TABLE outbox_attempts ADD COLUMN http_status INTEGER CHECK (http_status BETWEEN 100 AND 999);
ALTER TABLE outbox_attempts ADD COLUMN duration_ms BIGINT CHECK (duration_ms >= 0);
-- Retention purges by age.
CREATE INDEX outbox_messages_created ON outbox_messages (kind, created_at);
