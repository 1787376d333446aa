-- SQLite: timestamps are RFC 3339 text (sqlx encodes DateTime<Utc> that way), bytes BLOB.
-- WSAA access tickets, one per (environment, certificate fingerprint, service), shared by every
-- instance. `token` and `sign` are credentials: sealed with AES-256-GCM (nonce ‖ ciphertext ‖
-- tag), the ticket's key and the column name as associated data.
CREATE TABLE access_tickets (
    environment TEXT NOT NULL,
    certificate_fingerprint TEXT NOT NULL,
    service TEXT NOT NULL,
    token_encrypted BLOB NOT NULL,
    sign_encrypted BLOB NOT NULL,
    generation_time TEXT NOT NULL,
    expiration_time TEXT NOT NULL,
    unique_id INTEGER NOT NULL,
    source TEXT NOT NULL,
    destination TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (environment, certificate_fingerprint, service)
);
