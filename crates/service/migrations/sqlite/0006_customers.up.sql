-- SQLite: timestamps are RFC 3339 text, integers INTEGER.
-- Customers (invoice receivers) of each account: ARCA's DocTipo code and the document number
-- as digits (CUIT/CUIL without dashes), the API name of the receiver's IVA condition.
CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    documento_tipo INTEGER NOT NULL,
    documento_numero TEXT NOT NULL,
    razon_social TEXT NOT NULL,
    condicion_iva TEXT NOT NULL,
    email TEXT,
    direccion TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT customers_account_document_key UNIQUE (account_id, documento_tipo, documento_numero)
);
CREATE INDEX customers_account_created ON customers (account_id, created_at DESC);

-- Invoices accepted per account and calendar month (Argentina's, `YYYY-MM`): the quota counter,
-- incremented in the transaction that accepts an invoice.
CREATE TABLE usage (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    month TEXT NOT NULL CHECK (length(month) = 7),
    invoices INTEGER NOT NULL DEFAULT 0 CHECK (invoices >= 0),
    PRIMARY KEY (account_id, month)
);
