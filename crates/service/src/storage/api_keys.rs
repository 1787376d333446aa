//! The `api_keys` table. Every query that a tenant triggers filters by `account_id`.

use chrono::{DateTime, Utc};

use super::{Storage, with_pool};
use crate::Error;

/// One row of `api_keys`; `hash` is HMAC-SHA256(API_KEY_SALT, key) in hex.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: String,
    pub account_id: String,
    pub prefix: String,
    pub hash: String,
    pub mode: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An active key joined with what authentication needs of its account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyOwnerRow {
    pub key_id: String,
    pub hash: String,
    pub account_id: String,
    pub tier: String,
    pub requests_per_minute: Option<i64>,
}

pub(super) const INSERT_KEY: &str = "INSERT INTO api_keys (id, account_id, prefix, hash, mode, name, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

const COLUMNS: &str = "id, account_id, prefix, hash, mode, name, created_at, last_used_at, revoked_at";

/// Inserts a new key.
pub async fn insert(storage: &Storage, key: &ApiKeyRow) -> Result<(), Error> {
    with_pool!(storage, pool => {
        sqlx::query(INSERT_KEY)
            .bind(&key.id)
            .bind(&key.account_id)
            .bind(&key.prefix)
            .bind(&key.hash)
            .bind(&key.mode)
            .bind(&key.name)
            .bind(key.created_at)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// The active (not revoked) key with this hash, and its account's tier and limit override.
pub async fn find_active_by_hash(storage: &Storage, hash: &str) -> Result<Option<KeyOwnerRow>, Error> {
    const SQL: &str = "SELECT k.id AS key_id, k.hash, k.account_id, a.tier, a.requests_per_minute \
         FROM api_keys k JOIN accounts a ON a.id = k.account_id \
         WHERE k.hash = $1 AND k.revoked_at IS NULL";
    Ok(with_pool!(storage, pool => sqlx::query_as::<_, KeyOwnerRow>(SQL).bind(hash).fetch_optional(pool).await?))
}

/// Records that a key was used (called on authentication cache misses only, so at most about
/// once per cache lifetime per instance).
pub async fn touch(storage: &Storage, key_id: &str, now: DateTime<Utc>) -> Result<(), Error> {
    const SQL: &str = "UPDATE api_keys SET last_used_at = $2 WHERE id = $1";
    with_pool!(storage, pool => {
        sqlx::query(SQL).bind(key_id).bind(now).execute(pool).await?;
    });
    Ok(())
}

/// A page of the account's active keys, newest first.
pub async fn list_active(
    storage: &Storage,
    account_id: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<ApiKeyRow>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM api_keys WHERE account_id = $1 AND revoked_at IS NULL \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, ApiKeyRow>(&sql).bind(account_id).bind(limit).bind(offset).fetch_all(pool).await?
    }))
}

/// How many active keys the account has.
pub async fn count_active(storage: &Storage, account_id: &str) -> Result<i64, Error> {
    const SQL: &str = "SELECT COUNT(*) FROM api_keys WHERE account_id = $1 AND revoked_at IS NULL";
    Ok(with_pool!(storage, pool => sqlx::query_scalar::<_, i64>(SQL).bind(account_id).fetch_one(pool).await?))
}

/// Revokes the account's key `id` and returns its hash (to drop it from caches); `None` when
/// the account has no such active key.
pub async fn revoke(
    storage: &Storage,
    account_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, Error> {
    const SQL: &str = "UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL \
         RETURNING hash";
    // Its dashboard sessions end with it (they are refused anyway: every session read asks that
    // the key is not revoked; this only drops the rows).
    const END_SESSIONS: &str = "DELETE FROM dashboard_sessions WHERE account_id = $1 AND api_key_id = $2";
    Ok(with_pool!(storage, pool => {
        let mut tx = pool.begin().await?;
        let hash = sqlx::query_scalar::<_, String>(SQL).bind(id).bind(account_id).bind(now).fetch_optional(&mut *tx).await?;
        sqlx::query(END_SESSIONS).bind(account_id).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        hash
    }))
}
