//! Test-only writes: states that production code reaches only through a crash, made directly so
//! a test can start from them. The service's storage API has no such entry points.
//!
//! It never runs in `serve`: only tests call it.

use arca_service::Storage;
use chrono::{DateTime, Utc};

/// Puts an invoice in flight under `numero` without a lease, as a crash right after the
/// write-ahead commit leaves it (ARCHITECTURE.md invariant 2). `false` if it was not waiting.
pub async fn force_in_flight(
    storage: &Storage,
    id: &str,
    numero: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE invoices SET numero = $2, send_state = 'in_flight', status = 'pending', updated_at = $3 \
         WHERE id = $1 AND status IN ('pending', 'pending_retry')";
    // The same statement on either pool (the service's own dialect macro is private to it).
    macro_rules! run {
        ($pool:expr) => {
            sqlx::query(SQL)
                .bind(id)
                .bind(numero)
                .bind(now)
                .execute($pool)
                .await?
                .rows_affected()
        };
    }
    let result = match storage {
        Storage::Postgres(pool) => run!(pool),
        Storage::Sqlite(pool) => run!(pool),
    };
    Ok(result == 1)
}

/// A CAEA ready to issue under, written directly (part ISSUE's tests; GRANTS obtains them from
/// ARCA in production): point of sale `punto_venta` of the account marked as an active
/// contingency point of sale (created as a manual one when missing), a `caea_grants` row with
/// `caea` valid `desde..=hasta` (reporting deadline `tope`), and a primed contingency series
/// at `last_number` for each of `cbte_tipos`. Returns the grant's id.
#[allow(clippy::too_many_arguments)]
pub async fn caea_ready(
    storage: &Storage,
    account_id: &str,
    cuit: &str,
    punto_venta: i32,
    caea: &str,
    (desde, hasta, tope): (chrono::NaiveDate, chrono::NaiveDate, chrono::NaiveDate),
    cbte_tipos: &[i32],
    last_number: i64,
) -> Result<String, sqlx::Error> {
    const POINT: &str = "INSERT INTO points_of_sale (id, account_id, numero, descripcion, tipo_emision, bloqueado, \
         fecha_baja, origin, created_at, updated_at, contingencia) \
         VALUES ($1, $2, $3, 'contingencia', 'CAEA - Ri Iva - Contingencias', $4, NULL, 'manual', $5, $5, $6) \
         ON CONFLICT (account_id, numero) DO UPDATE SET contingencia = excluded.contingencia";
    const GRANT: &str = "INSERT INTO caea_grants (id, account_id, cuit, periodo, orden, caea, fch_vig_desde, \
         fch_vig_hasta, fch_tope_inf, fch_proceso, observaciones, obtained_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, $10)";
    const SERIES: &str = "INSERT INTO caea_series (cuit, punto_venta, cbte_tipo, last_number, primed_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (cuit, punto_venta, cbte_tipo) DO UPDATE SET last_number = excluded.last_number";
    use chrono::Datelike;
    let now = Utc::now();
    let grant_id = format!("caea_{}", uuid_like());
    let periodo = desde.year() * 100 + i32::try_from(desde.month()).unwrap_or(1);
    let orden = if desde.day() <= 15 { 1 } else { 2 };
    macro_rules! run {
        ($pool:expr) => {{
            sqlx::query(POINT)
                .bind(format!("pos_{}", uuid_like()))
                .bind(account_id)
                .bind(punto_venta)
                .bind(false)
                .bind(now)
                .bind(true)
                .execute($pool)
                .await?;
            sqlx::query(GRANT)
                .bind(&grant_id)
                .bind(account_id)
                .bind(cuit)
                .bind(periodo)
                .bind(orden)
                .bind(caea)
                .bind(desde)
                .bind(hasta)
                .bind(tope)
                .bind(now)
                .execute($pool)
                .await?;
            for cbte_tipo in cbte_tipos {
                sqlx::query(SERIES)
                    .bind(cuit)
                    .bind(punto_venta)
                    .bind(cbte_tipo)
                    .bind(last_number)
                    .bind(now)
                    .execute($pool)
                    .await?;
            }
        }};
    }
    match storage {
        Storage::Postgres(pool) => run!(pool),
        Storage::Sqlite(pool) => run!(pool),
    }
    Ok(grant_id)
}

/// A unique enough suffix for the ids `caea_ready` writes.
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!("{nanos:x}{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

// --- CAEA reports (REPORT) ---

/// A CAEA grant row as ARCA granted it (the test asked the simulator's `FECAEASolicitar`): the
/// row the contingency module writes from ARCA's answer. Returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn caea_grant(
    storage: &Storage,
    account_id: &str,
    cuit: &str,
    periodo: i32,
    orden: i32,
    caea: &str,
    vigencia: (chrono::NaiveDate, chrono::NaiveDate),
    fch_tope_inf: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    const SQL: &str = "INSERT INTO caea_grants (id, account_id, cuit, periodo, orden, caea, fch_vig_desde, \
         fch_vig_hasta, fch_tope_inf, obtained_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    let id = arca_service::storage::new_id("caea");
    macro_rules! run {
        ($pool:expr) => {
            sqlx::query(SQL)
                .bind(&id)
                .bind(account_id)
                .bind(cuit)
                .bind(periodo)
                .bind(orden)
                .bind(caea)
                .bind(vigencia.0)
                .bind(vigencia.1)
                .bind(fch_tope_inf)
                .bind(now)
                .execute($pool)
                .await?
                .rows_affected()
        };
    }
    match storage {
        Storage::Postgres(pool) => run!(pool),
        Storage::Sqlite(pool) => run!(pool),
    };
    Ok(id)
}

/// Makes `numero` an active contingency point of sale of the account (a manual row when the
/// account has none with that number).
pub async fn contingency_point_of_sale(
    storage: &Storage,
    account_id: &str,
    numero: i32,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "INSERT INTO points_of_sale (id, account_id, numero, tipo_emision, origin, contingencia, \
         created_at, updated_at) VALUES ($1, $2, $3, 'CAEA - Ri Iva - Contingencias', 'manual', TRUE, $4, $4) \
         ON CONFLICT (account_id, numero) DO UPDATE SET contingencia = TRUE";
    let id = arca_service::storage::new_id("pos");
    macro_rules! run {
        ($pool:expr) => {
            sqlx::query(SQL)
                .bind(&id)
                .bind(account_id)
                .bind(numero)
                .bind(now)
                .execute($pool)
                .await?
                .rows_affected()
        };
    }
    match storage {
        Storage::Postgres(pool) => run!(pool),
        Storage::Sqlite(pool) => run!(pool),
    };
    Ok(())
}

/// An invoice issued under a CAEA, as the issuing transaction records it (contract item 4):
/// `approved`, `tipo_autorizacion` 'CAEA', `cae` the CAEA, `cae_vencimiento` the grant's
/// validity end, `numero`, `cbte_fch_hs_gen`, `informe_estado` 'pendiente', the unnumbered
/// voucher JSON; the contingency series' `last_number` raised to `numero`.
pub struct CaeaVoucher<'a> {
    pub account_id: &'a str,
    pub cuit: &'a str,
    pub grant_id: &'a str,
    pub caea: &'a str,
    pub vencimiento: chrono::NaiveDate,
    pub numero: i64,
    /// The voucher as the API composes it (its number is ignored).
    pub voucher: &'a arca_protocol::voucher::Voucher,
    /// `yyyymmddhhmiss`, Argentina time.
    pub cbte_fch_hs_gen: &'a str,
    pub now: DateTime<Utc>,
}

/// Writes a [`CaeaVoucher`]; returns the invoice id.
pub async fn caea_voucher(storage: &Storage, voucher: &CaeaVoucher<'_>) -> Result<String, sqlx::Error> {
    let mut unnumbered = voucher.voucher.clone();
    unnumbered.cbte_desde = 0;
    unnumbered.cbte_hasta = 0;
    let detail = arca_protocol::wsfe::FECAEDetRequest::try_from(&unnumbered)
        .map_err(|error| sqlx::Error::Protocol(error.to_string()))?;
    let json = arca_service::storage::invoices::voucher::to_json(&detail);
    let id = arca_service::storage::new_id("inv");
    let numeric = match storage {
        Storage::Postgres(_) => "::numeric",
        Storage::Sqlite(_) => "",
    };
    let sql = format!(
        "INSERT INTO invoices (id, account_id, status, cuit, punto_venta, cbte_tipo, numero, voucher, fecha, \
         doc_tipo, doc_nro, imp_total, imp_tot_conc, imp_neto, imp_op_ex, imp_trib, imp_iva, cae, cae_vencimiento, \
         send_state, created_at, updated_at, approved_at, tipo_autorizacion, caea_grant_id, cbte_fch_hs_gen, \
         informe_estado) VALUES ($1, $2, 'approved', $3, $4, $5, $6, $7, $8, $9, $10, $11{numeric}, $12{numeric}, \
         $13{numeric}, $14{numeric}, $15{numeric}, $16{numeric}, $17, $18, 'none', $19, $19, $19, 'CAEA', $20, $21, \
         'pendiente')"
    );
    const SERIES: &str = "INSERT INTO caea_series (cuit, punto_venta, cbte_tipo, last_number, primed_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (cuit, punto_venta, cbte_tipo) DO UPDATE SET last_number = \
         CASE WHEN excluded.last_number > caea_series.last_number THEN excluded.last_number \
         ELSE caea_series.last_number END";
    let v = &unnumbered;
    let punto_venta = i32::try_from(v.punto_venta).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let doc_nro = i64::try_from(v.doc_nro).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    macro_rules! run {
        ($pool:expr) => {{
            sqlx::query(&sql)
                .bind(&id)
                .bind(voucher.account_id)
                .bind(voucher.cuit)
                .bind(punto_venta)
                .bind(v.cbte_tipo.code())
                .bind(voucher.numero)
                .bind(&json)
                .bind(v.cbte_fch)
                .bind(v.doc_tipo)
                .bind(doc_nro)
                .bind(v.imp_total.to_string())
                .bind(v.imp_tot_conc.to_string())
                .bind(v.imp_neto.to_string())
                .bind(v.imp_op_ex.to_string())
                .bind(v.imp_trib.to_string())
                .bind(v.imp_iva.to_string())
                .bind(voucher.caea)
                .bind(voucher.vencimiento)
                .bind(voucher.now)
                .bind(voucher.grant_id)
                .bind(voucher.cbte_fch_hs_gen)
                .execute($pool)
                .await?;
            sqlx::query(SERIES)
                .bind(voucher.cuit)
                .bind(punto_venta)
                .bind(v.cbte_tipo.code())
                .bind(voucher.numero)
                .bind(voucher.now)
                .execute($pool)
                .await?;
        }};
    }
    match storage {
        Storage::Postgres(pool) => run!(pool),
        Storage::Sqlite(pool) => run!(pool),
    };
    Ok(id)
}
