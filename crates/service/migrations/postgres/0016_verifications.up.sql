-- Verifications (WSCDC "constatación") of vouchers an account received: what was asked and
-- what ARCA answered, kept only when ARCA answered (an outage stores nothing).
--
-- The request columns are the checked fields as ARCA's ComprobanteConstatar takes them:
-- `cbte_modo` CAE/CAEA/CAI, the issuer's CUIT (11 digits), point of sale, voucher type and
-- number, date, total (an exact decimal with at most 2 decimals, kept as its text), the
-- authorization code and, when given, the receiver's document. `source` says whether the
-- fields came from the request or from a voucher's QR URL. `resultado` is ARCA's A or R;
-- `observaciones`, `errors` and `events` are JSON arrays of {code, message}; `fch_proceso` is
-- ARCA's processing time as it sent it. Limits are the service's
-- (crates/service/src/verifications.rs).
CREATE TABLE verifications (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('fields', 'qr')),
    cbte_modo TEXT NOT NULL CHECK (cbte_modo IN ('CAE', 'CAEA', 'CAI')),
    cuit_emisor TEXT NOT NULL CHECK (length(cuit_emisor) = 11),
    punto_de_venta INTEGER NOT NULL CHECK (punto_de_venta BETWEEN 1 AND 99999),
    tipo_comprobante INTEGER NOT NULL CHECK (tipo_comprobante BETWEEN 1 AND 999),
    numero BIGINT NOT NULL CHECK (numero BETWEEN 1 AND 99999999),
    fecha DATE NOT NULL,
    importe_total TEXT NOT NULL,
    codigo_autorizacion TEXT NOT NULL,
    doc_tipo_receptor TEXT,
    doc_nro_receptor TEXT,
    resultado TEXT NOT NULL CHECK (resultado IN ('A', 'R')),
    observaciones TEXT NOT NULL,
    errors TEXT NOT NULL,
    events TEXT NOT NULL,
    fch_proceso TEXT
);
CREATE INDEX verifications_account_created ON verifications (account_id, created_at DESC);
