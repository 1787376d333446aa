//! The contingency tables (migration 0020_caea): CAEA grants, contingency series, and the
//! report state of CAEA vouchers and unused points of sale. Every query written once for both
//! dialects. It never decides anything (crates/service/src/contingency.rs does).
//!
//! Sections: grants and priming (grants.rs), issuing (issue), reports (report.rs, no_movement.rs).

// --- issuing (ISSUE) ---
//
// What issuing under a CAEA reads (the account's active contingency points of sale, the grant
// covering a day, the primed series) and writes (the next contingency number, the invoice
// recorded approved under the grant), in the caller's transaction where it writes.

/// The grant of `account_id` whose validity holds `day`, as the decision needs it, with its code.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaeaGrantRow {
    pub id: String,
    pub caea: String,
    pub fch_vig_desde: chrono::NaiveDate,
    pub fch_vig_hasta: chrono::NaiveDate,
    pub fch_tope_inf: chrono::NaiveDate,
}

/// The numbers of the account's active contingency points of sale (`contingencia`, not
/// blocked, no `fecha_baja`), ascending.
pub async fn active_contingency_points(storage: &super::Storage, account_id: &str) -> Result<Vec<i32>, crate::Error> {
    const SQL: &str = "SELECT numero FROM points_of_sale WHERE account_id = $1 AND contingencia = $2 \
         AND bloqueado = $3 AND fecha_baja IS NULL ORDER BY numero";
    Ok(super::with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i32>(SQL)
            .bind(account_id)
            .bind(true)
            .bind(false)
            .fetch_all(pool)
            .await?
    }))
}

/// The account's grant whose validity (`fch_vig_desde`..=`fch_vig_hasta`) holds `day`.
pub async fn grant_covering(
    storage: &super::Storage,
    account_id: &str,
    day: chrono::NaiveDate,
) -> Result<Option<CaeaGrantRow>, crate::Error> {
    const SQL: &str = "SELECT id, caea, fch_vig_desde, fch_vig_hasta, fch_tope_inf FROM caea_grants \
         WHERE account_id = $1 AND fch_vig_desde <= $2 AND fch_vig_hasta >= $2 ORDER BY fch_vig_desde DESC LIMIT 1";
    Ok(super::with_pool!(storage, pool => {
        sqlx::query_as::<_, CaeaGrantRow>(SQL)
            .bind(account_id)
            .bind(day)
            .fetch_optional(pool)
            .await?
    }))
}

/// A grant by id (the invoice view's `fecha_tope`, the PDF).
pub async fn grant(storage: &super::Storage, id: &str) -> Result<Option<CaeaGrantRow>, crate::Error> {
    const SQL: &str = "SELECT id, caea, fch_vig_desde, fch_vig_hasta, fch_tope_inf FROM caea_grants WHERE id = $1";
    Ok(super::with_pool!(storage, pool => {
        sqlx::query_as::<_, CaeaGrantRow>(SQL).bind(id).fetch_optional(pool).await?
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
