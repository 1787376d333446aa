//! The `fce_obligations` table: wsfecred's answers to `consultarMontoObligadoRecepcion`, kept
//! per (account, CUIT, voucher date). Every query filters by `account_id`: one account never
//! reads another's answers. Freshness is the caller's decision (`fetched_at` against its TTL,
//! `fce.rs`); these queries read and write rows, and [`purge_before`] drops old ones.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Storage, with_pool};
use crate::Error;

/// One row of `fce_obligations`: `monto_desde` is the exact decimal's text.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ObligationRow {
    pub account_id: String,
    pub cuit: String,
    pub fecha: NaiveDate,
    pub obligado: bool,
    pub monto_desde: Option<String>,
    pub fetched_at: DateTime<Utc>,
}

/// The account's cached answer for `cuit` on `fecha`, if any (any age).
pub async fn find(
    storage: &Storage,
    account_id: &str,
    cuit: &str,
    fecha: NaiveDate,
) -> Result<Option<ObligationRow>, Error> {
    const SQL: &str = "SELECT account_id, cuit, fecha, obligado, monto_desde, fetched_at FROM fce_obligations \
         WHERE account_id = $1 AND cuit = $2 AND fecha = $3";
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, ObligationRow>(SQL)
            .bind(account_id)
            .bind(cuit)
            .bind(fecha)
            .fetch_optional(pool)
            .await?
    }))
}

/// Stores `row`, replacing the account's earlier answer for the CUIT and date.
pub async fn upsert(storage: &Storage, row: &ObligationRow) -> Result<(), Error> {
    const SQL: &str = "INSERT INTO fce_obligations (account_id, cuit, fecha, obligado, monto_desde, fetched_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (account_id, cuit, fecha) DO UPDATE SET obligado = excluded.obligado, \
         monto_desde = excluded.monto_desde, fetched_at = excluded.fetched_at";
    with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(&row.account_id)
            .bind(&row.cuit)
            .bind(row.fecha)
            .bind(row.obligado)
            .bind(&row.monto_desde)
            .bind(row.fetched_at)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// How many answers the account has cached (tests and diagnostics).
pub async fn count(storage: &Storage, account_id: &str) -> Result<i64, Error> {
    const SQL: &str = "SELECT COUNT(*) FROM fce_obligations WHERE account_id = $1";
    Ok(with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i64>(SQL).bind(account_id).fetch_one(pool).await?
    }))
}

/// Deletes the answers fetched before `before`, of every account (the scheduled job passes the
/// TTL, so no row it drops could still be used). Returns how many rows went.
pub async fn purge_before(storage: &Storage, before: DateTime<Utc>) -> Result<u64, Error> {
    const SQL: &str = "DELETE FROM fce_obligations WHERE fetched_at < $1";
    Ok(with_pool!(storage, pool => {
        sqlx::query(SQL).bind(before).execute(pool).await?.rows_affected()
    }))
}
