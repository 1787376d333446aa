-- wsfecred's answers to consultarMontoObligadoRecepcion an account received (ARCHITECTURE.md
-- "FCE MiPyMEs"): whether the buyer `cuit` (11 digits) is obliged to receive FCE MiPyMEs on
-- the voucher date `fecha`, and from which total in pesos (`monto_desde`, an exact decimal kept
-- as its text; NULL when ARCA named none). One row per (account, CUIT, date), never shared
-- between accounts (each asks with its own certificate). `fetched_at` (the service's clock)
-- decides whether it is still used (crates/service/src/fce.rs); a scheduled job deletes the
-- rows past that time.
CREATE TABLE fce_obligations (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    cuit TEXT NOT NULL CHECK (length(cuit) = 11),
    fecha DATE NOT NULL,
    obligado BOOLEAN NOT NULL,
    monto_desde TEXT,
    fetched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, cuit, fecha)
);
CREATE INDEX fce_obligations_fetched ON fce_obligations (fetched_at);
