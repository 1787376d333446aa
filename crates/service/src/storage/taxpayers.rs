//! The `taxpayer_cache` and `taxpayer_dni_cache` tables: padrón answers kept per (account, CUIT)
//! and per (account, DNI). Every query filters by `account_id`: one account never reads another's
//! answers. Freshness is the caller's decision (`fetched_at` against its TTL); these queries
//! read and write rows, and [`purge_before`] drops rows too old for any TTL.

use chrono::{DateTime, Utc};

use super::{Storage, with_pool};
use crate::Error;

/// One row of `taxpayer_cache`: `persona` is the padrón A5 answer as JSON.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CachedPersonaRow {
    pub account_id: String,
    pub cuit: String,
    pub persona: String,
    pub fetched_at: DateTime<Utc>,
}

/// One row of `taxpayer_dni_cache`: `cuits` is a JSON array of CUIT strings.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CachedDniRow {
    pub account_id: String,
    pub dni: String,
    pub cuits: String,
    pub fetched_at: DateTime<Utc>,
}

/// The account's cached answers for `cuits` (any age; those it has none for are absent).
pub async fn find_many(storage: &Storage, account_id: &str, cuits: &[String]) -> Result<Vec<CachedPersonaRow>, Error> {
    if cuits.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT account_id, cuit, persona, fetched_at FROM taxpayer_cache WHERE account_id = $1 AND cuit IN ({})",
        super::placeholders(2, cuits.len())
    );
    Ok(with_pool!(storage, pool => {
        let mut query = sqlx::query_as::<_, CachedPersonaRow>(&sql).bind(account_id);
        for cuit in cuits {
            query = query.bind(cuit);
        }
        query.fetch_all(pool).await?
    }))
}

/// Stores `row`, replacing the account's earlier answer for the CUIT.
pub async fn upsert(storage: &Storage, row: &CachedPersonaRow) -> Result<(), Error> {
    const SQL: &str = "INSERT INTO taxpayer_cache (account_id, cuit, persona, fetched_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, cuit) DO UPDATE SET persona = excluded.persona, fetched_at = excluded.fetched_at";
    with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(&row.account_id)
            .bind(&row.cuit)
            .bind(&row.persona)
            .bind(row.fetched_at)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// The account's cached A13 answer for `dni`, if any (any age).
pub async fn find_dni(storage: &Storage, account_id: &str, dni: &str) -> Result<Option<CachedDniRow>, Error> {
    const SQL: &str =
        "SELECT account_id, dni, cuits, fetched_at FROM taxpayer_dni_cache WHERE account_id = $1 AND dni = $2";
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, CachedDniRow>(SQL).bind(account_id).bind(dni).fetch_optional(pool).await?
    }))
}

/// Stores `row`, replacing the account's earlier answer for the DNI.
pub async fn upsert_dni(storage: &Storage, row: &CachedDniRow) -> Result<(), Error> {
    const SQL: &str = "INSERT INTO taxpayer_dni_cache (account_id, dni, cuits, fetched_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, dni) DO UPDATE SET cuits = excluded.cuits, fetched_at = excluded.fetched_at";
    with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(&row.account_id)
            .bind(&row.dni)
            .bind(&row.cuits)
            .bind(row.fetched_at)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Deletes the cached answers (by CUIT and by DNI) fetched before `before`, of every account:
/// the scheduled job passes the longest TTL the configuration allows, so no row it drops could
/// still be fresh. Returns how many rows went.
pub async fn purge_before(storage: &Storage, before: DateTime<Utc>) -> Result<u64, Error> {
    const BY_CUIT: &str = "DELETE FROM taxpayer_cache WHERE fetched_at < $1";
    const BY_DNI: &str = "DELETE FROM taxpayer_dni_cache WHERE fetched_at < $1";
    let mut purged = 0;
    for sql in [BY_CUIT, BY_DNI] {
        purged += with_pool!(storage, pool => {
            sqlx::query(sql).bind(before).execute(pool).await?.rows_affected()
        });
    }
    Ok(purged)
}
