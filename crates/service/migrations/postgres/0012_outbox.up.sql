-- The outbox (ARCHITECTURE.md invariants 16-19): outbound messages (invoice emails now, webhook
-- deliveries next) written in the transaction of the change that causes them, and delivered by
-- the dispatcher (`crates/service/src/outbox/dispatcher.rs`), one attempt at a time per message
-- across instances, under a lease taken by a conditional UPDATE.
--
-- `id` is the stable delivery id (an email's Message-ID), the same on every attempt, so a
-- receiver can drop a duplicate of an at-least-once delivery. `payload` is the kind's JSON (an
-- email's recipients, subject and text: at most 64 KiB, checked by the service). Times the
-- dispatcher compares (`next_attempt_at`, `lease_expires_at`) are unix milliseconds.
CREATE TABLE outbox_messages (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('email')),
    subject_id TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (length(payload) <= 65536),
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    last_error TEXT CHECK (length(last_error) <= 2000),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ
);
-- The dispatcher's question: what is due (pending and its time has come, or delivering under an
-- expired lease).
CREATE INDEX outbox_messages_due ON outbox_messages (status, next_attempt_at);
-- An invoice's emails, newest first.
CREATE INDEX outbox_messages_subject ON outbox_messages (account_id, subject_id, created_at);

-- One row per attempt: written when the lease is taken (`finished_at` NULL while it runs, and
-- left so by an instance that died: the next holder closes it as `abandoned`), completed with the
-- outcome and the remote server's reply (at most 2000 characters, a longer one cut with a visible
-- marker).
CREATE TABLE outbox_attempts (
    message_id TEXT NOT NULL REFERENCES outbox_messages (id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number >= 1),
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    outcome TEXT CHECK (outcome IN ('delivered', 'transient', 'permanent', 'abandoned')),
    reply TEXT CHECK (length(reply) <= 2000),
    PRIMARY KEY (message_id, number)
);

-- `enviar_email_automatico`: an approval enqueues the invoice's email to the customer's address.
ALTER TABLE accounts ADD COLUMN send_email_on_approval BOOLEAN NOT NULL DEFAULT FALSE;
