-- SQLite: timestamps are RFC 3339 text (sqlx encodes DateTime<Utc> that way), bytes BLOB.
-- ARCA certificates per account. `private_key_encrypted` is the PKCS#8 PEM key sealed with
-- AES-256-GCM (nonce ‖ ciphertext ‖ tag, the row id as associated data); passphrases are never
-- stored. A `pending` row holds a key whose CSR awaits ARCA's certificate: its certificate
-- columns are NULL until the signed certificate is uploaded. `public_key_sha256` matches that
-- upload to the pending key.
CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('active', 'pending')),
    cuit TEXT NOT NULL CHECK (length(cuit) = 11),
    subject TEXT,
    fingerprint TEXT,
    public_key_sha256 TEXT NOT NULL,
    certificate_pem TEXT,
    csr_pem TEXT,
    private_key_encrypted BLOB NOT NULL,
    not_before TEXT,
    not_after TEXT,
    created_at TEXT NOT NULL,
    CONSTRAINT certificates_account_fingerprint_key UNIQUE (account_id, fingerprint)
);
CREATE INDEX certificates_account_created ON certificates (account_id, created_at DESC);
CREATE INDEX certificates_pending_public_key ON certificates (account_id, public_key_sha256);
