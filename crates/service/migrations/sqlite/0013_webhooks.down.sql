-- Back to emails only: webhook deliveries go, the attempts lose their HTTP columns.
CREATE TABLE outbox_messages_new (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('email')),
    subject_id TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (length(payload) <= 65536),
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    last_error TEXT CHECK (length(last_error) <= 2000),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE TABLE outbox_attempts_new (
    message_id TEXT NOT NULL REFERENCES outbox_messages_new (id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number >= 1),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT CHECK (outcome IN ('delivered', 'transient', 'permanent', 'abandoned')),
    reply TEXT CHECK (length(reply) <= 2000),
    PRIMARY KEY (message_id, number)
);
INSERT INTO outbox_messages_new (id, account_id, kind, subject_id, payload, status, attempts, next_attempt_at, lease_owner, lease_expires_at, last_error, created_at, updated_at, delivered_at)
    SELECT id, account_id, kind, subject_id, payload, status, attempts, next_attempt_at, lease_owner, lease_expires_at, last_error, created_at, updated_at, delivered_at FROM outbox_messages WHERE kind = 'email';
INSERT INTO outbox_attempts_new (message_id, number, started_at, finished_at, outcome, reply)
    SELECT message_id, number, started_at, finished_at, outcome, reply FROM outbox_attempts WHERE message_id IN (SELECT id FROM outbox_messages_new);
-- Attempts first: dropping the messages would otherwise cascade into them.
DROP TABLE outbox_attempts;
DROP TABLE outbox_messages;
ALTER TABLE outbox_messages_new RENAME TO outbox_messages;
ALTER TABLE outbox_attempts_new RENAME TO outbox_attempts;
CREATE INDEX outbox_messages_due ON outbox_messages (status, next_attempt_at);
CREATE INDEX outbox_messages_subject ON outbox_messages (account_id, subject_id, created_at);
DROP TABLE job_leases;
DROP TABLE arca_availability;
DROP TABLE alert_marks;
DROP TABLE webhook_events;
DROP TABLE webhook_subscriptions;
