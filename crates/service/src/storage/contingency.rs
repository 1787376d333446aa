//! The contingency tables (migration 0020_caea): CAEA grants, contingency series, and the
//! report state of CAEA vouchers and unused points of sale. Every query written once for both
//! dialects. It never decides anything (crates/service/src/contingency.rs does).
//!
//! Sections: grants and priming (grants.rs), issuing (issue), reports (report.rs, no_movement.rs).

// --- grants (GRANTS) ---
// (Paths are written out in each section, so the sections need no shared `use` lines.)

/// An account that opted in to CAEA contingency (at least one active contingency point of
/// sale). Whether it has a certificate to ask ARCA with is found when its session is opened.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OptedInAccount {
    pub account_id: String,
    pub cuit: String,
}
/// One row of `caea_grants`: a CAEA as ARCA granted it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaeaGrantRow {
    pub id: String,
    pub account_id: String,
    pub cuit: String,
    /// yyyymm.
    pub periodo: i32,
    /// 1 (days 1–15) or 2 (16 to the month's end).
    pub orden: i32,
    /// 14 digits.
    pub caea: String,
    pub fch_vig_desde: chrono::NaiveDate,
    pub fch_vig_hasta: chrono::NaiveDate,
    /// ARCA's deadline to report what was issued under it.
    pub fch_tope_inf: chrono::NaiveDate,
    /// ARCA's `FchProceso`, as text.
    pub fch_proceso: Option<String>,
    /// ARCA's observations, JSON `[{"code", "msg"}]` (at most 50).
    pub observaciones: Option<String>,
    pub obtained_at: chrono::DateTime<chrono::Utc>,
}

/// One row of `caea_series`: a contingency series and its last number.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaeaSeriesRow {
    pub cuit: String,
    pub punto_venta: i32,
    pub cbte_tipo: i32,
    pub last_number: i64,
    pub primed_at: chrono::DateTime<chrono::Utc>,
}

const GRANT_COLUMNS: &str = "id, account_id, cuit, periodo, orden, caea, fch_vig_desde, fch_vig_hasta, \
     fch_tope_inf, fch_proceso, observaciones, obtained_at";

/// The SQL condition of an active contingency point of sale (table alias `p`): marked, not
/// blocked, not closed, and not contradicted by ARCA (a row read from ARCA whose `EmisionTipo`
/// does not start with `CAEA` is not one, whatever its flag says: ARCA's word wins without the
/// sync writing the flag). The one definition every part uses (Rust has no twin of it).
pub(crate) const ACTIVE_CONTINGENCY: &str = "p.contingencia AND NOT p.bloqueado AND p.fecha_baja IS NULL \
     AND NOT (p.origin = 'arca' AND upper(ltrim(p.tipo_emision)) NOT LIKE 'CAEA%')";

/// Every opted-in account, by id, with or without a certificate (one without is still alerted
/// about its missing CAEA). Accounts without a contingency point of sale are never listed:
/// nothing asks ARCA for them.
pub async fn opted_in_accounts(storage: &super::Storage) -> Result<Vec<OptedInAccount>, crate::Error> {
    let sql = format!(
        "SELECT a.id AS account_id, a.cuit FROM accounts a \
         WHERE EXISTS (SELECT 1 FROM points_of_sale p WHERE p.account_id = a.id AND {ACTIVE_CONTINGENCY}) \
         ORDER BY a.id"
    );
    Ok(super::with_pool!(storage, pool => sqlx::query_as::<_, OptedInAccount>(&sql).fetch_all(pool).await?))
}

/// The numbers of the account's active contingency points of sale, ascending.
pub async fn contingency_points(storage: &super::Storage, account_id: &str) -> Result<Vec<i32>, crate::Error> {
    let sql = format!(
        "SELECT p.numero FROM points_of_sale p WHERE p.account_id = $1 AND {ACTIVE_CONTINGENCY} ORDER BY p.numero"
    );
    Ok(super::with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i32>(&sql).bind(account_id).fetch_all(pool).await?
    }))
}

/// The account's grant for a fortnight, if stored.
pub async fn find_grant(
    storage: &super::Storage,
    account_id: &str,
    periodo: i32,
    orden: i32,
) -> Result<Option<CaeaGrantRow>, crate::Error> {
    let sql = format!("SELECT {GRANT_COLUMNS} FROM caea_grants WHERE account_id = $1 AND periodo = $2 AND orden = $3");
    Ok(super::with_pool!(storage, pool => {
        sqlx::query_as::<_, CaeaGrantRow>(&sql)
            .bind(account_id)
            .bind(periodo)
            .bind(orden)
            .fetch_optional(pool)
            .await?
    }))
}

/// Stores a grant unless the account already has one for its fortnight (another instance
/// stored it first: ARCA grants one CAEA per fortnight, so it is the same). `true` when
/// this call stored it.
pub async fn insert_grant(storage: &super::Storage, row: &CaeaGrantRow) -> Result<bool, crate::Error> {
    let sql = format!(
        "INSERT INTO caea_grants ({GRANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (account_id, periodo, orden) DO NOTHING"
    );
    let affected = super::with_pool!(storage, pool => {
        sqlx::query(&sql)
            .bind(&row.id)
            .bind(&row.account_id)
            .bind(&row.cuit)
            .bind(row.periodo)
            .bind(row.orden)
            .bind(&row.caea)
            .bind(row.fch_vig_desde)
            .bind(row.fch_vig_hasta)
            .bind(row.fch_tope_inf)
            .bind(&row.fch_proceso)
            .bind(&row.observaciones)
            .bind(row.obtained_at)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(affected == 1)
}

/// The contingency series of a CUIT, by point of sale and type.
pub async fn series_of(storage: &super::Storage, cuit: &str) -> Result<Vec<CaeaSeriesRow>, crate::Error> {
    const SQL: &str = "SELECT cuit, punto_venta, cbte_tipo, last_number, primed_at FROM caea_series \
         WHERE cuit = $1 ORDER BY punto_venta, cbte_tipo";
    Ok(super::with_pool!(storage, pool => sqlx::query_as::<_, CaeaSeriesRow>(SQL).bind(cuit).fetch_all(pool).await?))
}

/// The contingency series an account may show: its CUIT's series on the account's own active
/// contingency points of sale (another account with the same CUIT, or a point no longer
/// marked, shows nothing).
pub async fn account_series(storage: &super::Storage, account_id: &str) -> Result<Vec<CaeaSeriesRow>, crate::Error> {
    let sql = format!(
        "SELECT s.cuit, s.punto_venta, s.cbte_tipo, s.last_number, s.primed_at FROM caea_series s \
         JOIN accounts a ON a.id = $1 AND a.cuit = s.cuit \
         WHERE EXISTS (SELECT 1 FROM points_of_sale p WHERE p.account_id = a.id AND p.numero = s.punto_venta \
         AND {ACTIVE_CONTINGENCY}) ORDER BY s.punto_venta, s.cbte_tipo"
    );
    Ok(super::with_pool!(storage, pool => {
        sqlx::query_as::<_, CaeaSeriesRow>(&sql).bind(account_id).fetch_all(pool).await?
    }))
}

/// The account's grants live on `today` (Argentina's day): their validity began
/// (`fch_vig_desde <= today`) and ARCA's deadline to report under them has not passed
/// (`today <= fch_tope_inf`). While one is live, each of its contingency points of sale owes
/// ARCA a report (its vouchers or no movement). Oldest first.
pub async fn live_grants(
    storage: &super::Storage,
    account_id: &str,
    today: chrono::NaiveDate,
) -> Result<Vec<CaeaGrantRow>, crate::Error> {
    let sql = format!(
        "SELECT {GRANT_COLUMNS} FROM caea_grants WHERE account_id = $1 AND fch_vig_desde <= $2 \
         AND fch_tope_inf >= $2 ORDER BY periodo, orden"
    );
    Ok(super::with_pool!(storage, pool => {
        sqlx::query_as::<_, CaeaGrantRow>(&sql).bind(account_id).bind(today).fetch_all(pool).await?
    }))
}

/// Primes a contingency series with ARCA's last authorised number: the row's `last_number`
/// becomes the higher of the stored one and `last_number` (never lower), `primed_at` `now`.
pub async fn prime_series(
    storage: &super::Storage,
    cuit: &str,
    punto_venta: i32,
    cbte_tipo: i32,
    last_number: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), crate::Error> {
    const SQL: &str = "INSERT INTO caea_series (cuit, punto_venta, cbte_tipo, last_number, primed_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (cuit, punto_venta, cbte_tipo) DO UPDATE SET \
         last_number = CASE WHEN excluded.last_number > caea_series.last_number \
         THEN excluded.last_number ELSE caea_series.last_number END, primed_at = excluded.primed_at";
    super::with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(cuit)
            .bind(punto_venta)
            .bind(cbte_tipo)
            .bind(last_number)
            .bind(now)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Which of `types` the CUIT ever issued (FCE and M classes are primed only then), read from
/// the small `series` table (a row per series the CUIT ever numbered, keyed by CUIT first), not
/// from its invoices.
pub async fn issued_types(storage: &super::Storage, cuit: &str, types: &[i32]) -> Result<Vec<i32>, crate::Error> {
    if types.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = (2..=types.len() + 1)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT DISTINCT cbte_tipo FROM series WHERE cuit = $1 AND cbte_tipo IN ({placeholders}) \
         ORDER BY cbte_tipo"
    );
    Ok(super::with_pool!(storage, pool => {
        let mut query = sqlx::query_scalar::<_, i32>(&sql).bind(cuit);
        for tipo in types {
            query = query.bind(*tipo);
        }
        query.fetch_all(pool).await?
    }))
}

/// Extends job `name`'s lease held by `owner` to `expires_ms`; `false` when `owner` no longer
/// holds it (it expired and another instance took it: the caller stops).
pub async fn renew_job(
    storage: &super::Storage,
    name: &str,
    owner: &str,
    expires_ms: i64,
) -> Result<bool, crate::Error> {
    const SQL: &str = "UPDATE job_leases SET lease_expires_at = $3 WHERE name = $1 AND owner = $2";
    Ok(super::with_pool!(storage, pool => {
        sqlx::query(SQL).bind(name).bind(owner).bind(expires_ms).execute(pool).await?.rows_affected() == 1
    }))
}

// --- issuing (ISSUE) ---
//
// What issuing under a CAEA reads (the account's active contingency points of sale, the grant
// covering a day, the primed series) and writes (the next contingency number, the invoice
// recorded approved under the grant), in the caller's transaction where it writes.

/// The account's grant whose validity (`fch_vig_desde`..=`fch_vig_hasta`) holds `day`.
pub async fn grant_covering(
    storage: &super::Storage,
    account_id: &str,
    day: chrono::NaiveDate,
) -> Result<Option<CaeaGrantRow>, crate::Error> {
    let sql = format!(
        "SELECT {GRANT_COLUMNS} FROM caea_grants \
         WHERE account_id = $1 AND fch_vig_desde <= $2 AND fch_vig_hasta >= $2 ORDER BY fch_vig_desde DESC LIMIT 1"
    );
    Ok(super::with_pool!(storage, pool => {
        sqlx::query_as::<_, CaeaGrantRow>(&sql)
            .bind(account_id)
            .bind(day)
            .fetch_optional(pool)
            .await?
    }))
}

/// A grant by id (the invoice view's `fecha_tope`, the PDF).
pub async fn grant(storage: &super::Storage, id: &str) -> Result<Option<CaeaGrantRow>, crate::Error> {
    let sql = format!("SELECT {GRANT_COLUMNS} FROM caea_grants WHERE id = $1");
    Ok(super::with_pool!(storage, pool => {
        sqlx::query_as::<_, CaeaGrantRow>(&sql).bind(id).fetch_optional(pool).await?
    }))
}

/// Which of `points` have a primed contingency series for `cuit` and `cbte_tipo`, ascending.
pub async fn primed_points(
    storage: &super::Storage,
    cuit: &str,
    cbte_tipo: i32,
    points: &[i32],
) -> Result<Vec<i32>, crate::Error> {
    const SQL: &str = "SELECT punto_venta FROM caea_series WHERE cuit = $1 AND cbte_tipo = $2 ORDER BY punto_venta";
    let primed = super::with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i32>(SQL).bind(cuit).bind(cbte_tipo).fetch_all(pool).await?
    });
    Ok(primed.into_iter().filter(|point| points.contains(point)).collect())
}

/// Takes the next number of a contingency series in the caller's transaction: one
/// `UPDATE … RETURNING`, which holds the row (PostgreSQL's row lock; SQLite's single writer)
/// until the transaction ends, so two transactions never get one number, and a transaction that
/// does not commit gives its number back. `None` when the series was never primed or is at
/// 99999999 (never wrapped).
pub async fn take_number(
    transaction: &mut super::transaction::Transaction<'_>,
    cuit: &str,
    punto_venta: i32,
    cbte_tipo: i32,
) -> Result<Option<i64>, crate::Error> {
    const SQL: &str = "UPDATE caea_series SET last_number = last_number + 1 \
         WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3 AND last_number < 99999999 RETURNING last_number";
    Ok(super::transaction::with_transaction!(transaction, connection => {
        sqlx::query_scalar::<_, i64>(SQL)
            .bind(cuit)
            .bind(punto_venta)
            .bind(cbte_tipo)
            .fetch_optional(connection)
            .await?
    }))
}

/// The account's lowest active point of sale that issues with a CAE (not flagged
/// `contingencia`, nor a CAEA point of sale in ARCA's registry): where a note of a CAEA invoice
/// is issued.
pub async fn lowest_cae_point(storage: &super::Storage, account_id: &str) -> Result<Option<i32>, crate::Error> {
    const SQL: &str = "SELECT p.numero FROM points_of_sale p WHERE p.account_id = $1 AND NOT p.contingencia \
         AND NOT p.bloqueado AND p.fecha_baja IS NULL \
         AND NOT (p.origin = 'arca' AND upper(ltrim(p.tipo_emision)) LIKE 'CAEA%') ORDER BY p.numero LIMIT 1";
    Ok(super::with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i32>(SQL).bind(account_id).fetch_optional(pool).await?
    }))
}

/// The date (`fecha`) of the invoice numbered `numero` on a series, in the caller's
/// transaction (the unique key on the series and number); `None` when that number is not ours
/// (primed from ARCA's last) or undated.
pub async fn number_date(
    transaction: &mut super::transaction::Transaction<'_>,
    cuit: &str,
    punto_venta: i32,
    cbte_tipo: i32,
    numero: i64,
) -> Result<Option<chrono::NaiveDate>, crate::Error> {
    const SQL: &str =
        "SELECT fecha FROM invoices WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3 AND numero = $4";
    let fecha = super::transaction::with_transaction!(transaction, connection => {
        sqlx::query_scalar::<_, Option<chrono::NaiveDate>>(SQL)
            .bind(cuit)
            .bind(punto_venta)
            .bind(cbte_tipo)
            .bind(numero)
            .fetch_optional(connection)
            .await?
    });
    Ok(fecha.flatten())
}

/// The last number issued (or primed) on a contingency series; `None` when it was never primed.
pub async fn last_number(
    storage: &super::Storage,
    cuit: &str,
    punto_venta: i32,
    cbte_tipo: i32,
) -> Result<Option<i64>, crate::Error> {
    const SQL: &str = "SELECT last_number FROM caea_series WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3";
    Ok(super::with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i64>(SQL)
            .bind(cuit)
            .bind(punto_venta)
            .bind(cbte_tipo)
            .fetch_optional(pool)
            .await?
    }))
}

/// What [`record_caea_approved`] writes on an invoice just inserted in the same transaction.
#[derive(Debug, Clone)]
pub struct CaeaApproval<'a> {
    pub id: &'a str,
    pub numero: i64,
    pub grant: &'a CaeaGrantRow,
    /// `CbteFchHsGen` (`yyyymmddhhmiss`, Argentina).
    pub cbte_fch_hs_gen: &'a str,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Records the invoice inserted in this transaction (not yet numbered) as approved under the
/// grant: `tipo_autorizacion` 'CAEA', `cae` the CAEA, `cae_vencimiento` the validity's end, its
/// number, `CbteFchHsGen`, `informe_estado` 'pendiente', and the issuer snapshot the approvals
/// take. `false` when the row is not there as expected.
pub async fn record_caea_approved(
    transaction: &mut super::transaction::Transaction<'_>,
    approval: &CaeaApproval<'_>,
) -> Result<bool, crate::Error> {
    let sql = format!(
        "UPDATE invoices SET status = 'approved', send_state = 'none', numero = $2, cae = $3, cae_vencimiento = $4, \
         tipo_autorizacion = 'CAEA', caea_grant_id = $5, cbte_fch_hs_gen = $6, informe_estado = 'pendiente', \
         arca_observaciones = NULL, arca_errores = NULL, next_attempt_at = NULL, approved_at = $7, updated_at = $7, \
         issuer_snapshot = {} WHERE id = $1 AND numero IS NULL AND status = 'pending'",
        super::issuer_profiles::SNAPSHOT_SUBQUERY
    );
    let affected = super::transaction::with_transaction!(transaction, connection => {
        sqlx::query(&sql)
            .bind(approval.id)
            .bind(approval.numero)
            .bind(&approval.grant.caea)
            .bind(approval.grant.fch_vig_hasta)
            .bind(&approval.grant.id)
            .bind(approval.cbte_fch_hs_gen)
            .bind(approval.now)
            .execute(connection)
            .await?
            .rows_affected()
    });
    Ok(affected == 1)
}
