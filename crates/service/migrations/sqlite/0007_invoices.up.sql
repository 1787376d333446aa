-- SQLite: timestamps are RFC 3339 text, dates yyyy-mm-dd text, amounts decimal text (never REAL:
-- exactness matters more than arithmetic in SQL), integers INTEGER.
-- Invoices and their way through the issuance engine (architecture "Issuance engine").
--
-- `status` is what the API shows; `send_state` is the engine's write-ahead marker: `in_flight`
-- means a FECAESolicitar carrying `numero` may have reached ARCA, so the invoice must be
-- reconciled (FECompUltimoAutorizado + FECompConsultar) before it is sent under any other number.
-- `voucher` is the composed FECAEDetRequest as JSON, without its number (CbteDesde/CbteHasta 0):
-- the exact content that is sent, re-sent and compared. The amount columns repeat its totals as
-- exact decimals for listing. `document` is the API's own view of the invoice (items,
-- descriptions, customer), opaque to the engine. Retry times are unix milliseconds so that both
-- dialects compare them as integers.
CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'failed', 'pending_retry', 'cancelled')),
    cuit TEXT NOT NULL CHECK (length(cuit) = 11),
    punto_venta INTEGER NOT NULL CHECK (punto_venta BETWEEN 1 AND 99998),
    cbte_tipo INTEGER NOT NULL,
    numero INTEGER CHECK (numero BETWEEN 1 AND 99999999),
    voucher TEXT NOT NULL,
    document TEXT,
    fecha TEXT,
    doc_tipo INTEGER NOT NULL,
    doc_nro INTEGER NOT NULL,
    cliente_nombre TEXT,
    imp_total TEXT NOT NULL,
    imp_tot_conc TEXT NOT NULL,
    imp_neto TEXT NOT NULL,
    imp_op_ex TEXT NOT NULL,
    imp_trib TEXT NOT NULL,
    imp_iva TEXT NOT NULL,
    cae TEXT,
    cae_vencimiento TEXT,
    arca_observaciones TEXT,
    arca_errores TEXT,
    send_state TEXT NOT NULL DEFAULT 'none' CHECK (send_state IN ('none', 'in_flight')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    idempotency_key TEXT,
    request_hash TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    approved_at TEXT,
    -- Invariant 1, enforced by the database as well: one invoice per series number.
    CONSTRAINT invoices_series_number_key UNIQUE (cuit, punto_venta, cbte_tipo, numero),
    CONSTRAINT invoices_idempotency_key UNIQUE (account_id, idempotency_key),
    CONSTRAINT invoices_in_flight_has_number CHECK (send_state = 'none' OR numero IS NOT NULL),
    CONSTRAINT invoices_approved_has_cae CHECK (status <> 'approved' OR (cae IS NOT NULL AND numero IS NOT NULL))
);
-- The series worker's queue: waiting and in-flight invoices of one series in creation order.
CREATE INDEX invoices_series_queue ON invoices (cuit, punto_venta, cbte_tipo, status, created_at);
CREATE INDEX invoices_account_created ON invoices (account_id, created_at DESC);
