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
    let placeholders = super::placeholders(2, types.len());
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

// --- reports (REPORT) ---
//
// The reporter's reads and writes: CAEA vouchers by series and number, their `informe_estado`
// (written only under the series' fence), the `caea_no_movement` rows, and the reads of
// `GET /v1/contingency/reports`. It never calls ARCA and never decides an outcome
// (`contingency::report` and `contingency::no_movement` do).
// In a module of its own so that its imports never clash with the other sections'.
pub use reports::*;

mod reports {
    use chrono::{DateTime, NaiveDate, Utc};

    use super::ACTIVE_CONTINGENCY;
    use crate::Error;
    use crate::storage::series::{Fenced, SeriesKey};
    use crate::storage::transaction::with_transaction;
    use crate::storage::{Storage, with_pool};
    use crate::webhooks::events::{self, Event};

    /// A series with CAEA vouchers not yet informed, and the account that issues on it.
    #[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
    pub struct UnreportedSeries {
        pub account_id: String,
        pub cuit: String,
        pub punto_venta: i32,
        pub cbte_tipo: i32,
    }

    impl UnreportedSeries {
        pub fn key(&self) -> SeriesKey {
            SeriesKey {
                cuit: self.cuit.clone(),
                punto_venta: self.punto_venta,
                cbte_tipo: self.cbte_tipo,
            }
        }
    }

    /// Every series with a CAEA voucher `pendiente` or `en_curso` (the reporter's queue, index
    /// `invoices_caea_unreported`).
    pub async fn unreported_series(storage: &Storage) -> Result<Vec<UnreportedSeries>, Error> {
        const SQL: &str = "SELECT DISTINCT account_id, cuit, punto_venta, cbte_tipo FROM invoices \
             WHERE informe_estado IN ('pendiente', 'en_curso') ORDER BY cuit, punto_venta, cbte_tipo, account_id";
        Ok(with_pool!(storage, pool => sqlx::query_as::<_, UnreportedSeries>(SQL).fetch_all(pool).await?))
    }

    /// A CAEA voucher not yet informed: its number and report state.
    #[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
    pub struct UnreportedHead {
        pub id: String,
        pub numero: i64,
        pub informe_estado: String,
    }

    /// The series' CAEA vouchers `pendiente` or `en_curso`, by number.
    pub async fn unreported(storage: &Storage, key: &SeriesKey) -> Result<Vec<UnreportedHead>, Error> {
        const SQL: &str = "SELECT id, numero, informe_estado FROM invoices \
             WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3 AND informe_estado IN ('pendiente', 'en_curso') \
             AND numero IS NOT NULL ORDER BY numero";
        Ok(with_pool!(storage, pool => {
            sqlx::query_as::<_, UnreportedHead>(SQL)
                .bind(&key.cuit)
                .bind(key.punto_venta)
                .bind(key.cbte_tipo)
                .fetch_all(pool)
                .await?
        }))
    }

    /// A CAEA voucher as the reporter sends it: the stored unnumbered detail, its number, the CAEA
    /// (`cae`), when it was generated, and its grant's reporting deadline.
    #[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
    pub struct ReportVoucher {
        pub id: String,
        pub account_id: String,
        pub numero: i64,
        pub voucher: String,
        pub cae: Option<String>,
        pub cbte_fch_hs_gen: Option<String>,
        pub informe_estado: String,
        pub fch_tope_inf: Option<NaiveDate>,
        pub periodo: Option<i32>,
        pub orden: Option<i32>,
    }

    /// The series' CAEA vouchers numbered `from..=to` that are still `pendiente` or `en_curso`.
    pub async fn report_vouchers(
        storage: &Storage,
        key: &SeriesKey,
        from: i64,
        to: i64,
    ) -> Result<Vec<ReportVoucher>, Error> {
        const SQL: &str = "SELECT i.id, i.account_id, i.numero, i.voucher, i.cae, i.cbte_fch_hs_gen, i.informe_estado, \
             g.fch_tope_inf, g.periodo, g.orden \
             FROM invoices i LEFT JOIN caea_grants g ON g.id = i.caea_grant_id \
             WHERE i.cuit = $1 AND i.punto_venta = $2 AND i.cbte_tipo = $3 AND i.numero BETWEEN $4 AND $5 \
             AND i.informe_estado IN ('pendiente', 'en_curso') ORDER BY i.numero";
        Ok(with_pool!(storage, pool => {
            sqlx::query_as::<_, ReportVoucher>(SQL)
                .bind(&key.cuit)
                .bind(key.punto_venta)
                .bind(key.cbte_tipo)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Write-ahead: the series' `pendiente` vouchers numbered `from..=to` become `en_curso` before
    /// the request that carries them is sent. Returns how many changed.
    pub async fn mark_in_progress(
        fenced: &mut Fenced<'_>,
        key: &SeriesKey,
        from: i64,
        to: i64,
        now: DateTime<Utc>,
    ) -> Result<u64, Error> {
        const SQL: &str = "UPDATE invoices SET informe_estado = 'en_curso', updated_at = $6 \
             WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3 AND numero BETWEEN $4 AND $5 \
             AND informe_estado = 'pendiente'";
        Ok(with_transaction!(fenced.transaction(), connection => {
            sqlx::query(SQL)
                .bind(&key.cuit)
                .bind(key.punto_venta)
                .bind(key.cbte_tipo)
                .bind(from)
                .bind(to)
                .bind(now)
                .execute(connection)
                .await?
                .rows_affected()
        }))
    }

    /// ARCA accepted the voucher (`informado`), with its observations (JSON, or `None`).
    pub async fn record_informed(
        fenced: &mut Fenced<'_>,
        id: &str,
        observaciones: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        const SQL: &str = "UPDATE invoices SET informe_estado = 'informado', informe_observaciones = $2, \
             informe_errores = NULL, informado_at = $3, updated_at = $3 \
             WHERE id = $1 AND informe_estado IN ('pendiente', 'en_curso')";
        with_transaction!(fenced.transaction(), connection => {
            sqlx::query(SQL).bind(id).bind(observaciones).bind(now).execute(connection).await?;
        });
        Ok(())
    }

    /// ARCA refused the voucher (`rechazado`, its codes in `errores`), and the alert `event` in the
    /// same transaction.
    pub async fn record_rejected(
        fenced: &mut Fenced<'_>,
        id: &str,
        errores: Option<&str>,
        observaciones: Option<&str>,
        event: &Event,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        const SQL: &str = "UPDATE invoices SET informe_estado = 'rechazado', informe_errores = $2, \
             informe_observaciones = $3, updated_at = $4 \
             WHERE id = $1 AND informe_estado IN ('pendiente', 'en_curso')";
        with_transaction!(fenced.transaction(), connection => {
            sqlx::query(SQL)
                .bind(id)
                .bind(errores)
                .bind(observaciones)
                .bind(now)
                .execute(connection)
                .await?;
        });
        events::emit(fenced.transaction(), event, now).await?;
        Ok(())
    }

    /// ARCA did not consume the voucher's number: `pendiente` again, to be sent again unchanged.
    pub async fn record_not_consumed(fenced: &mut Fenced<'_>, id: &str, now: DateTime<Utc>) -> Result<(), Error> {
        const SQL: &str = "UPDATE invoices SET informe_estado = 'pendiente', updated_at = $2 \
             WHERE id = $1 AND informe_estado = 'en_curso'";
        with_transaction!(fenced.transaction(), connection => {
            sqlx::query(SQL).bind(id).bind(now).execute(connection).await?;
        });
        Ok(())
    }

    /// A point of sale that must be informed without movement for a grant: the grant's validity
    /// ended, the point is an active contingency point of sale of the grant's account, no CAEA
    /// invoice of the grant is on it, and it is not yet informed or rejected (`estado` NULL: never
    /// tried; `en_curso`: a call may have reached ARCA).
    #[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
    pub struct NoMovementDue {
        pub grant_id: String,
        pub account_id: String,
        pub caea: String,
        pub periodo: i32,
        pub orden: i32,
        pub fch_tope_inf: NaiveDate,
        pub punto_venta: i32,
        pub estado: Option<String>,
    }

    /// How many days after a grant's `FchTopeInf` its no-movement notices are still sent
    /// automatically; older ones need an operator (the notices are decided from today's points of
    /// sale, which say little about a fortnight long past).
    pub const NO_MOVEMENT_HORIZON_DAYS: i64 = 30;

    /// Every [`NoMovementDue`] whose grant's validity ended before `today` (Argentina's day) and
    /// whose `FchTopeInf` is at most [`NO_MOVEMENT_HORIZON_DAYS`] past. A point of sale counts as
    /// used when the CUIT has a CAEA voucher with that CAEA on it (whichever account issued it);
    /// a notice already sent for the same CUIT, CAEA and point of sale is not sent again.
    pub async fn no_movement_due(storage: &Storage, today: NaiveDate) -> Result<Vec<NoMovementDue>, Error> {
        let sql = format!(
            "SELECT g.id AS grant_id, g.account_id, g.caea, g.periodo, g.orden, g.fch_tope_inf, \
             p.numero AS punto_venta, n.estado \
             FROM caea_grants g \
             JOIN points_of_sale p ON p.account_id = g.account_id AND {ACTIVE_CONTINGENCY} \
             LEFT JOIN caea_no_movement n ON n.grant_id = g.id AND n.punto_venta = p.numero \
             WHERE g.fch_vig_hasta < $1 AND g.fch_tope_inf >= $2 \
             AND (n.estado IS NULL OR n.estado = 'en_curso') \
             AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.cuit = g.cuit AND i.cae = g.caea \
                 AND i.punto_venta = p.numero AND i.tipo_autorizacion = 'CAEA') \
             AND NOT EXISTS (SELECT 1 FROM caea_no_movement n2 JOIN caea_grants g2 ON g2.id = n2.grant_id \
                 WHERE g2.cuit = g.cuit AND g2.caea = g.caea AND g2.id <> g.id AND n2.punto_venta = p.numero) \
             ORDER BY g.periodo, g.orden, g.account_id, p.numero"
        );
        let oldest_deadline = today - chrono::Duration::days(NO_MOVEMENT_HORIZON_DAYS);
        Ok(with_pool!(storage, pool => {
            sqlx::query_as::<_, NoMovementDue>(&sql).bind(today).bind(oldest_deadline).fetch_all(pool).await?
        }))
    }

    /// Write-ahead for `FECAEASinMovimientoInformar`: the row `en_curso`. `false` when a row already
    /// exists (another instance took it meanwhile: the next pass looks at it).
    pub async fn claim_no_movement(
        storage: &Storage,
        grant_id: &str,
        punto_venta: i32,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        const SQL: &str = "INSERT INTO caea_no_movement (grant_id, punto_venta, estado, updated_at) \
             VALUES ($1, $2, 'en_curso', $3) ON CONFLICT (grant_id, punto_venta) DO NOTHING";
        Ok(with_pool!(storage, pool => {
            sqlx::query(SQL).bind(grant_id).bind(punto_venta).bind(now).execute(pool).await?.rows_affected() == 1
        }))
    }

    /// ARCA's verdict on a no-movement notice: `informado` (with `fch_proceso`) or `rechazado`
    /// (with `errores` and the alert `event`, in the same transaction). Only an `en_curso` row
    /// changes.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_no_movement(
        storage: &Storage,
        grant_id: &str,
        punto_venta: i32,
        informed: bool,
        fch_proceso: Option<&str>,
        errores: Option<&str>,
        event: Option<&Event>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        const SQL: &str = "UPDATE caea_no_movement SET estado = $3, fch_proceso = $4, errores = $5, updated_at = $6 \
             WHERE grant_id = $1 AND punto_venta = $2 AND estado = 'en_curso'";
        let estado = if informed { "informado" } else { "rechazado" };
        let mut transaction = storage.begin().await?;
        let changed = with_transaction!(&mut transaction, connection => {
            sqlx::query(SQL)
                .bind(grant_id)
                .bind(punto_venta)
                .bind(estado)
                .bind(fch_proceso)
                .bind(errores)
                .bind(now)
                .execute(connection)
                .await?
                .rows_affected()
        });
        if changed == 1
            && let Some(event) = event
        {
            events::emit(&mut transaction, event, now).await?;
        }
        transaction.commit().await
    }

    /// A grant as `GET /v1/contingency/reports` shows it.
    #[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
    pub struct ReportGrant {
        pub id: String,
        pub periodo: i32,
        pub orden: i32,
        pub caea: String,
        pub fch_vig_desde: NaiveDate,
        pub fch_vig_hasta: NaiveDate,
        pub fch_tope_inf: NaiveDate,
    }

    /// The account's newest `limit` grants (newest fortnight first).
    pub async fn report_grants(storage: &Storage, account_id: &str, limit: i64) -> Result<Vec<ReportGrant>, Error> {
        const SQL: &str = "SELECT id, periodo, orden, caea, fch_vig_desde, fch_vig_hasta, fch_tope_inf FROM caea_grants \
             WHERE account_id = $1 ORDER BY periodo DESC, orden DESC LIMIT $2";
        Ok(with_pool!(storage, pool => {
            sqlx::query_as::<_, ReportGrant>(SQL).bind(account_id).bind(limit).fetch_all(pool).await?
        }))
    }

    /// How many of the grant's vouchers are in each report state: (`informe_estado`, count).
    pub async fn report_counts(
        storage: &Storage,
        account_id: &str,
        grant_id: &str,
    ) -> Result<Vec<(String, i64)>, Error> {
        const SQL: &str = "SELECT informe_estado, COUNT(*) FROM invoices \
             WHERE account_id = $1 AND caea_grant_id = $2 AND informe_estado IS NOT NULL GROUP BY informe_estado";
        Ok(with_pool!(storage, pool => {
            sqlx::query_as::<_, (String, i64)>(SQL).bind(account_id).bind(grant_id).fetch_all(pool).await?
        }))
    }

    /// A voucher ARCA refused when it was reported.
    #[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
    pub struct RejectedVoucher {
        pub id: String,
        pub punto_venta: i32,
        pub cbte_tipo: i32,
        pub numero: i64,
        pub informe_errores: Option<String>,
    }

    /// The grant's first `limit` rejected vouchers, by series and number.
    pub async fn rejected_vouchers(
        storage: &Storage,
        account_id: &str,
        grant_id: &str,
        limit: i64,
    ) -> Result<Vec<RejectedVoucher>, Error> {
        const SQL: &str = "SELECT id, punto_venta, cbte_tipo, numero, informe_errores FROM invoices \
             WHERE account_id = $1 AND caea_grant_id = $2 AND informe_estado = 'rechazado' AND numero IS NOT NULL \
             ORDER BY punto_venta, cbte_tipo, numero LIMIT $3";
        Ok(with_pool!(storage, pool => {
            sqlx::query_as::<_, RejectedVoucher>(SQL)
                .bind(account_id)
                .bind(grant_id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Where the grant's reporting is stuck: the account's first rejected CAEA voucher (of this
    /// grant or an earlier one: numbering runs on across fortnights) with vouchers of this grant
    /// after it in the same series still waiting to be informed (they follow a number ARCA
    /// refused, so none of them can be informed until an operator resolves it).
    /// (punto_venta, numero).
    pub async fn blocked_at(storage: &Storage, account_id: &str, grant_id: &str) -> Result<Option<(i32, i64)>, Error> {
        const SQL: &str = "SELECT r.punto_venta, r.numero FROM invoices r \
             WHERE r.account_id = $1 AND r.tipo_autorizacion = 'CAEA' AND r.informe_estado = 'rechazado' \
             AND r.numero IS NOT NULL \
             AND EXISTS (SELECT 1 FROM invoices p WHERE p.caea_grant_id = $2 AND p.cuit = r.cuit \
                 AND p.punto_venta = r.punto_venta AND p.cbte_tipo = r.cbte_tipo \
                 AND p.informe_estado IN ('pendiente', 'en_curso') AND p.numero > r.numero) \
             ORDER BY r.punto_venta, r.cbte_tipo, r.numero LIMIT 1";
        Ok(with_pool!(storage, pool => {
            sqlx::query_as::<_, (i32, i64)>(SQL).bind(account_id).bind(grant_id).fetch_optional(pool).await?
        }))
    }

    /// A point of sale's no-movement state for a grant (`estado` NULL: not tried yet).
    #[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
    pub struct NoMovementState {
        pub punto_venta: i32,
        pub estado: Option<String>,
        pub fch_proceso: Option<String>,
        pub errores: Option<String>,
    }

    /// The grant's points of sale without movement: the account's active contingency points of sale
    /// with no CAEA invoice of the grant, and every point with a no-movement row, by number.
    pub async fn no_movement_states(
        storage: &Storage,
        account_id: &str,
        grant_id: &str,
    ) -> Result<Vec<NoMovementState>, Error> {
        let unused_sql = format!(
            "SELECT p.numero AS punto_venta, n.estado, n.fch_proceso, n.errores FROM points_of_sale p \
             LEFT JOIN caea_no_movement n ON n.grant_id = $2 AND n.punto_venta = p.numero \
             WHERE p.account_id = $1 AND {ACTIVE_CONTINGENCY} \
             AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.caea_grant_id = $2 AND i.punto_venta = p.numero)"
        );
        const NOTICES: &str = "SELECT n.punto_venta, n.estado, n.fch_proceso, n.errores FROM caea_no_movement n \
             JOIN caea_grants g ON g.id = n.grant_id WHERE g.account_id = $1 AND n.grant_id = $2";
        let (unused, notices) = with_pool!(storage, pool => {
            let unused = sqlx::query_as::<_, NoMovementState>(&unused_sql)
                .bind(account_id)
                .bind(grant_id)
                .fetch_all(pool)
                .await?;
            let notices = sqlx::query_as::<_, NoMovementState>(NOTICES)
                .bind(account_id)
                .bind(grant_id)
                .fetch_all(pool)
                .await?;
            (unused, notices)
        });
        let mut by_point: std::collections::BTreeMap<i32, NoMovementState> =
            unused.into_iter().map(|state| (state.punto_venta, state)).collect();
        for notice in notices {
            by_point.insert(notice.punto_venta, notice);
        }
        Ok(by_point.into_values().collect())
    }
}
