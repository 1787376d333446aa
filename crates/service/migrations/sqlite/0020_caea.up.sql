-- CAEA contingency (docs/arca.md §G; ARCHITECTURE.md invariants 23–26).
--
-- Contingency points of sale: an account marks which of its points of sale ARCA registered as
-- CAEA points of sale. An account with at least one has opted in: the service asks ARCA for a
-- CAEA every fortnight for it, and reports every fortnight (vouchers, or no movement).
ALTER TABLE points_of_sale ADD COLUMN contingencia BOOLEAN NOT NULL DEFAULT FALSE;

-- One CAEA per account, period (yyyymm) and fortnight (orden 1: days 1–15, 2: 16–end), as ARCA
-- granted it (FECAEASolicitar, or FECAEAConsultar after a lost answer). The dates are ARCA's:
-- the validity (fch_vig_desde..fch_vig_hasta) and the reporting deadline (fch_tope_inf).
-- `observaciones` is ARCA's Obs list as JSON [{"code", "msg"}] (at most 50 entries).
CREATE TABLE caea_grants (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    cuit TEXT NOT NULL CHECK (length(cuit) = 11),
    periodo INTEGER NOT NULL CHECK (periodo BETWEEN 200001 AND 299912),
    orden INTEGER NOT NULL CHECK (orden IN (1, 2)),
    caea TEXT NOT NULL CHECK (length(caea) = 14),
    fch_vig_desde TEXT NOT NULL,
    fch_vig_hasta TEXT NOT NULL,
    fch_tope_inf TEXT NOT NULL,
    fch_proceso TEXT,
    observaciones TEXT,
    obtained_at TEXT NOT NULL,
    CONSTRAINT caea_grants_account_period_key UNIQUE (account_id, periodo, orden)
);

-- Contingency numbering, per (CUIT, CAEA point of sale, voucher type). `last_number` is the
-- last number issued under a CAEA here, or ARCA's last authorised number for the series when
-- it was primed (FECompUltimoAutorizado while ARCA answered), whichever is higher. A series with
-- no row was never primed: nothing is issued on it under CAEA (invariant 23). Issuing takes the
-- next number with one UPDATE … RETURNING in the transaction that records the invoice.
CREATE TABLE caea_series (
    cuit TEXT NOT NULL CHECK (length(cuit) = 11),
    punto_venta INTEGER NOT NULL CHECK (punto_venta BETWEEN 1 AND 99998),
    cbte_tipo INTEGER NOT NULL,
    last_number BIGINT NOT NULL CHECK (last_number BETWEEN 0 AND 99999999),
    primed_at TEXT NOT NULL,
    PRIMARY KEY (cuit, punto_venta, cbte_tipo)
);

-- An invoice issued under a CAEA: `tipo_autorizacion` 'CAEA', its code in `cae` and the
-- fortnight's end in `cae_vencimiento`, the grant it used, `cbte_fch_hs_gen` (when it was
-- generated, Argentina time, yyyymmddhhmiss: ARCA's CbteFchHsGen), and its report to ARCA:
-- `informe_estado` 'pendiente' (not yet informed), 'en_curso' (a FECAEARegInformativo carrying
-- it may have reached ARCA: reconcile before sending again), 'informado' (ARCA accepted it,
-- observations in `informe_observaciones`), 'rechazado' (ARCA refused it: its codes in
-- `informe_errores`, JSON [{"code", "msg"}]). All NULL on a CAE invoice.
ALTER TABLE invoices ADD COLUMN tipo_autorizacion TEXT NOT NULL DEFAULT 'CAE' CHECK (tipo_autorizacion IN ('CAE', 'CAEA'));
ALTER TABLE invoices ADD COLUMN caea_grant_id TEXT REFERENCES caea_grants (id);
ALTER TABLE invoices ADD COLUMN cbte_fch_hs_gen TEXT CHECK (cbte_fch_hs_gen IS NULL OR length(cbte_fch_hs_gen) = 14);
ALTER TABLE invoices ADD COLUMN informe_estado TEXT CHECK (informe_estado IN ('pendiente', 'en_curso', 'informado', 'rechazado'));
ALTER TABLE invoices ADD COLUMN informe_errores TEXT;
ALTER TABLE invoices ADD COLUMN informe_observaciones TEXT;
ALTER TABLE invoices ADD COLUMN informado_at TEXT;
-- The reporter's queue: CAEA vouchers not yet informed, per series, by number.
CREATE INDEX invoices_caea_unreported ON invoices (cuit, punto_venta, cbte_tipo, numero)
    WHERE informe_estado IN ('pendiente', 'en_curso');
-- A grant's vouchers (the reports page, no-movement decisions).
CREATE INDEX invoices_caea_grant ON invoices (caea_grant_id, punto_venta) WHERE caea_grant_id IS NOT NULL;

-- FECAEASinMovimientoInformar per grant and contingency point of sale that issued nothing in
-- the fortnight. 'en_curso': the call may have reached ARCA (FECAEASinMovimientoConsultar
-- before sending again); 'informado' (`fch_proceso` ARCA's); 'rechazado' (`errores` JSON).
CREATE TABLE caea_no_movement (
    grant_id TEXT NOT NULL REFERENCES caea_grants (id) ON DELETE CASCADE,
    punto_venta INTEGER NOT NULL CHECK (punto_venta BETWEEN 1 AND 99998),
    estado TEXT NOT NULL CHECK (estado IN ('en_curso', 'informado', 'rechazado')),
    fch_proceso TEXT,
    errores TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (grant_id, punto_venta)
);
