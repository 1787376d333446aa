-- The audit of an invoice made from a free-text description (`mode: simple`, README "Simple
-- mode"): the description as the client sent it and the model's answer as the AI provider gave
-- it (the JSON draft, before the service checked it), the model named, and the confidence the
-- service computed. One row per invoice, written in the transaction that stores the invoice (a
-- draft that was not issued stores nothing). The limits are the service's: a description of 1
-- to 2,000 characters, an answer of at most 32 KiB (bytes). Neither is ever logged at info level.
CREATE TABLE invoice_ai_drafts (
    invoice_id TEXT PRIMARY KEY REFERENCES invoices (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    descripcion TEXT NOT NULL CHECK (length(descripcion) BETWEEN 1 AND 2000),
    modelo TEXT NOT NULL CHECK (length(modelo) BETWEEN 1 AND 200),
    respuesta TEXT NOT NULL CHECK (length(CAST(respuesta AS BLOB)) <= 32768),
    confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    created_at TEXT NOT NULL
);
CREATE INDEX invoice_ai_drafts_account ON invoice_ai_drafts (account_id, created_at);
