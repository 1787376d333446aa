-- Points of sale (ARCA's PtoVta) of each account. `origin` says who wrote the row: `manual`
-- (the API) or `arca` (read from FEParamGetPtosVenta by the sync, which never touches
-- `descripcion`). `fecha_baja` is ARCA's FchBaja (the day it was closed), NULL while open.
CREATE TABLE points_of_sale (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    numero INTEGER NOT NULL CHECK (numero BETWEEN 1 AND 99998),
    descripcion TEXT,
    tipo_emision TEXT NOT NULL,
    bloqueado BOOLEAN NOT NULL DEFAULT FALSE,
    fecha_baja DATE,
    origin TEXT NOT NULL CHECK (origin IN ('manual', 'arca')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT points_of_sale_account_numero_key UNIQUE (account_id, numero)
);
CREATE INDEX points_of_sale_account_created ON points_of_sale (account_id, created_at DESC);
