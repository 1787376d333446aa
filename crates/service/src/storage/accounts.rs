//! The `accounts` table.

use chrono::{DateTime, Utc};

use super::api_keys::ApiKeyRow;
use super::{Storage, with_pool};
use crate::Error;

/// One row of `accounts`. `monthly_quota` and `requests_per_minute` are overrides (NULL = the
/// tier's value).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: String,
    pub name: String,
    pub cuit: String,
    pub tier: String,
    pub monthly_quota: Option<i64>,
    pub requests_per_minute: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// `enviar_email_automatico`: an approval enqueues the invoice's email to `cliente.email`.
    pub send_email_on_approval: bool,
}

const INSERT_ACCOUNT: &str = "INSERT INTO accounts (id, name, cuit, tier, monthly_quota, requests_per_minute, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Inserts an account together with its first API key, in one transaction: an account is never
/// left without a way in.
pub async fn insert_with_key(storage: &Storage, account: &AccountRow, key: &ApiKeyRow) -> Result<(), Error> {
    with_pool!(storage, pool => {
        let mut transaction = pool.begin().await?;
        sqlx::query(INSERT_ACCOUNT)
            .bind(&account.id)
            .bind(&account.name)
            .bind(&account.cuit)
            .bind(&account.tier)
            .bind(account.monthly_quota)
            .bind(account.requests_per_minute)
            .bind(account.created_at)
            .execute(&mut *transaction)
            .await?;
        sqlx::query(super::api_keys::INSERT_KEY)
            .bind(&key.id)
            .bind(&key.account_id)
            .bind(&key.prefix)
            .bind(&key.hash)
            .bind(&key.mode)
            .bind(&key.name)
            .bind(key.created_at)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
    });
    Ok(())
}

/// The account with this id.
pub async fn find(storage: &Storage, id: &str) -> Result<Option<AccountRow>, Error> {
    const SQL: &str = "SELECT id, name, cuit, tier, monthly_quota, requests_per_minute, created_at, \
         send_email_on_approval FROM accounts WHERE id = $1";
    Ok(with_pool!(storage, pool => sqlx::query_as::<_, AccountRow>(SQL).bind(id).fetch_optional(pool).await?))
}

/// The oldest account issuing under `cuit` (the issuance engine's series name a CUIT).
pub async fn find_by_cuit(storage: &Storage, cuit: &str) -> Result<Option<AccountRow>, Error> {
    const SQL: &str = "SELECT id, name, cuit, tier, monthly_quota, requests_per_minute, created_at, \
         send_email_on_approval FROM accounts WHERE cuit = $1 ORDER BY created_at, id LIMIT 1";
    Ok(with_pool!(storage, pool => sqlx::query_as::<_, AccountRow>(SQL).bind(cuit).fetch_optional(pool).await?))
}

/// Sets the account's `send_email_on_approval`; `false` when there is no such account.
pub async fn set_send_email_on_approval(storage: &Storage, id: &str, on: bool) -> Result<bool, Error> {
    const SQL: &str = "UPDATE accounts SET send_email_on_approval = $2 WHERE id = $1";
    let affected = with_pool!(storage, pool => sqlx::query(SQL).bind(id).bind(on).execute(pool).await?.rows_affected());
    Ok(affected == 1)
}

/// How many accounts exist (the zero-setup start creates a demo account when none does).
pub async fn count(storage: &Storage) -> Result<i64, Error> {
    const SQL: &str = "SELECT COUNT(*) FROM accounts";
    Ok(with_pool!(storage, pool => sqlx::query_scalar::<_, i64>(SQL).fetch_one(pool).await?))
}
