-- API keys: only HMAC-SHA256(API_KEY_SALT, key) is stored (hex), looked up by that hash;
-- `prefix` is the displayable start of the key.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    CONSTRAINT api_keys_hash_key UNIQUE (hash)
);
CREATE INDEX api_keys_account_created ON api_keys (account_id, created_at DESC);
