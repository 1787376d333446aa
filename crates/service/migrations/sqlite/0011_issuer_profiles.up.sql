-- SQLite: timestamps are RFC 3339 text, dates YYYY-MM-DD text, the logo a BLOB.
-- The issuer profile: the fiscal data a printed invoice shows and ARCA does not return (docs/arca.md
-- §N.5), one per account, replaced whole by `PUT /v1/account/issuer-profile`.
--
-- `condicion_iva` is the issuer's IVA condition; `ingresos_brutos` is the Ingresos Brutos number,
-- or 'exento' / 'convenio_multilateral'. `logo_sha256` names the logo in `issuer_logos`, which
-- keeps every logo a profile ever had (by content, per account): an approved invoice's snapshot
-- names its logo by hash, so a later logo never reprints an old invoice. `snapshot` is the
-- profile as JSON, written by the service with the row: what an approval copies into
-- `invoices.issuer_snapshot`. Limits (razón social 200, domicilio 300, Ingresos Brutos 30
-- characters; a logo at most 256 KiB) are the service's (crates/service/src/issuer_profiles.rs).
CREATE TABLE issuer_logos (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    format TEXT NOT NULL CHECK (format IN ('png', 'jpeg')),
    content BLOB NOT NULL CHECK (length(content) <= 262144),
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, sha256)
);
CREATE TABLE issuer_profiles (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    razon_social TEXT NOT NULL,
    domicilio_comercial TEXT NOT NULL,
    condicion_iva TEXT NOT NULL CHECK (condicion_iva IN ('responsable_inscripto', 'monotributo', 'exento')),
    ingresos_brutos TEXT NOT NULL,
    inicio_actividades TEXT NOT NULL,
    logo_sha256 TEXT,
    snapshot TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (account_id, logo_sha256) REFERENCES issuer_logos (account_id, sha256)
);
-- A point of sale's own address, printed instead of the profile's domicilio comercial (at most
-- 300 characters, single line).
ALTER TABLE points_of_sale ADD COLUMN domicilio TEXT;
-- The issuer profile as it was when the invoice was approved (JSON: the profile's snapshot and
-- its point of sale's domicilio), written with the approval, or at the first rendering of an
-- invoice approved before its account had a profile; never changed once written.
ALTER TABLE invoices ADD COLUMN issuer_snapshot TEXT;
