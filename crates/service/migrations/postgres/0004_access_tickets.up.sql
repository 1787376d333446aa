-- WSAA access tickets, one per (environment, certificate fingerprint, service), shared by every
-- instance. `token` and `sign` are credentials: sealed with AES-256-GCM (nonce ‖ ciphertext ‖
-- tag), the ticket's key and the column name as associated data.
CREATE TABLE access_tickets (
    environment TEXT NOT NULL,
    certificate_fingerprint TEXT NOT NULL,
    service TEXT NOT NULL,
    token_encrypted BYTEA NOT NULL,
    sign_encrypted BYTEA NOT NULL,
    generation_time TIMESTAMPTZ NOT NULL,
    expiration_time TIMESTAMPTZ NOT NULL,
    unique_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    destination TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (environment, certificate_fingerprint, service)
);
