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
