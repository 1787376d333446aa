//! The `customers` table. Every query filters by `account_id`.

use chrono::{DateTime, Utc};

use super::{Storage, conflict_if_duplicate, with_pool};
use crate::Error;

/// One row of `customers`: `documento_numero` is stored normalised (digits only for CUIT, CUIL
/// and DNI), `condicion_iva` is the API name (`consumidor_final`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: String,
    pub account_id: String,
    pub documento_tipo: i32,
    pub documento_numero: String,
    pub razon_social: String,
    pub condicion_iva: String,
    pub email: Option<String>,
    pub direccion: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a list is narrowed to; `None` is no filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFilter {
    /// Part of `razon_social`, case-insensitive (ASCII case only on SQLite, whose `LOWER`
    /// ignores accented letters).
    pub name_contains: Option<String>,
    /// The exact, normalised document number.
    pub documento_numero: Option<String>,
}

const COLUMNS: &str = "id, account_id, documento_tipo, documento_numero, razon_social, condicion_iva, \
     email, direccion, created_at, updated_at";

/// The filter clauses shared by [`list`] and [`count`]: `$2` name pattern, `$3` number. A NULL
/// parameter disables its clause.
const FILTER: &str = "account_id = $1 \
     AND ($2 IS NULL OR LOWER(razon_social) LIKE $2 ESCAPE '\\') \
     AND ($3 IS NULL OR documento_numero = $3)";

fn duplicate(row: &CustomerRow) -> impl FnOnce() -> String + '_ {
    move || {
        format!(
            "the account already has a customer with documento_tipo {} and documento_numero {}",
            row.documento_tipo, row.documento_numero
        )
    }
}

/// `%text%` in lower case, with LIKE's wildcards in `text` escaped.
fn contains_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Inserts a customer; [`Error::Conflict`] when the account already has this document.
pub async fn insert(storage: &Storage, row: &CustomerRow) -> Result<(), Error> {
    const SQL: &str = "INSERT INTO customers (id, account_id, documento_tipo, documento_numero, razon_social, \
         condicion_iva, email, direccion, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(&row.id)
            .bind(&row.account_id)
            .bind(row.documento_tipo)
            .bind(&row.documento_numero)
            .bind(&row.razon_social)
            .bind(&row.condicion_iva)
            .bind(&row.email)
            .bind(&row.direccion)
            .bind(row.created_at)
            .bind(row.updated_at)
            .execute(pool)
            .await
            .map_err(|error| conflict_if_duplicate(error, duplicate(row)))?;
    });
    Ok(())
}

/// The account's customer `id`.
pub async fn find(storage: &Storage, account_id: &str, id: &str) -> Result<Option<CustomerRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM customers WHERE account_id = $1 AND id = $2");
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, CustomerRow>(&sql).bind(account_id).bind(id).fetch_optional(pool).await?
    }))
}

/// A page of the account's customers matching `filter`, newest first.
pub async fn list(
    storage: &Storage,
    account_id: &str,
    filter: &CustomerFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<CustomerRow>, Error> {
    let sql =
        format!("SELECT {COLUMNS} FROM customers WHERE {FILTER} ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5");
    let pattern = filter.name_contains.as_deref().map(contains_pattern);
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, CustomerRow>(&sql)
            .bind(account_id)
            .bind(&pattern)
            .bind(&filter.documento_numero)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?
    }))
}

/// How many of the account's customers match `filter`.
pub async fn count(storage: &Storage, account_id: &str, filter: &CustomerFilter) -> Result<i64, Error> {
    let sql = format!("SELECT COUNT(*) FROM customers WHERE {FILTER}");
    let pattern = filter.name_contains.as_deref().map(contains_pattern);
    Ok(with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i64>(&sql)
            .bind(account_id)
            .bind(&pattern)
            .bind(&filter.documento_numero)
            .fetch_one(pool)
            .await?
    }))
}

/// Writes every editable column of the account's customer `row.id` and `updated_at`; false
/// when the account has no such customer; [`Error::Conflict`] when the new document is taken.
pub async fn update(storage: &Storage, row: &CustomerRow) -> Result<bool, Error> {
    const SQL: &str = "UPDATE customers SET documento_tipo = $3, documento_numero = $4, razon_social = $5, \
         condicion_iva = $6, email = $7, direccion = $8, updated_at = $9 WHERE account_id = $1 AND id = $2";
    let affected = with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(&row.account_id)
            .bind(&row.id)
            .bind(row.documento_tipo)
            .bind(&row.documento_numero)
            .bind(&row.razon_social)
            .bind(&row.condicion_iva)
            .bind(&row.email)
            .bind(&row.direccion)
            .bind(row.updated_at)
            .execute(pool)
            .await
            .map_err(|error| conflict_if_duplicate(error, duplicate(row)))?
            .rows_affected()
    });
    Ok(affected == 1)
}

/// Deletes the account's customer `id`; false when the account has no such customer.
pub async fn delete(storage: &Storage, account_id: &str, id: &str) -> Result<bool, Error> {
    const SQL: &str = "DELETE FROM customers WHERE account_id = $1 AND id = $2";
    let affected = with_pool!(storage, pool => {
        sqlx::query(SQL).bind(account_id).bind(id).execute(pool).await?.rows_affected()
    });
    Ok(affected == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(contains_pattern("ACME"), "%acme%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
