-- SQLite: timestamps are RFC 3339 text (sqlx encodes DateTime<Utc> that way).
-- The padrón answers an account received (ARCHITECTURE.md "Taxpayers"): one row per (account,
-- CUIT), never shared between accounts (each looks up with its own certificate and
-- authorization). `persona` is the A5 answer as JSON (arca_protocol::padron::Persona), the IVA
-- condition is derived from it when read; `fetched_at` (the service's clock) against
-- TAXPAYER_CACHE_TTL_SECONDS decides whether it is still used. Only found taxpayers are kept.
CREATE TABLE taxpayer_cache (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    cuit TEXT NOT NULL,
    persona TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (account_id, cuit)
);

-- The CUITs of a DNI as the padrón A13 answered (`getIdPersonaListByDocumento`), per account, as
-- a JSON array of CUIT strings; same TTL.
CREATE TABLE taxpayer_dni_cache (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    dni TEXT NOT NULL,
    cuits TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (account_id, dni)
);
