//! The `certificates` table. Every query filters by `account_id`.

use chrono::{DateTime, Utc};

use super::{Storage, with_pool};
use crate::Error;

/// One row of `certificates`; `private_key_encrypted` is sealed (see `crypto.rs`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRow {
    pub id: String,
    pub account_id: String,
    /// `active` (a certificate and its key) or `pending` (a key awaiting its certificate).
    pub status: String,
    pub cuit: String,
    pub subject: Option<String>,
    pub fingerprint: Option<String>,
    pub public_key_sha256: String,
    pub certificate_pem: Option<String>,
    pub csr_pem: Option<String>,
    pub private_key_encrypted: Vec<u8>,
    pub not_before: Option<DateTime<Utc>>,
    pub not_after: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub(super) const COLUMNS: &str = "id, account_id, status, cuit, subject, fingerprint, public_key_sha256, certificate_pem, \
     csr_pem, private_key_encrypted, not_before, not_after, created_at";

/// Inserts a certificate (active or pending).
pub async fn insert(storage: &Storage, row: &CertificateRow) -> Result<(), Error> {
    const SQL: &str = "INSERT INTO certificates (id, account_id, status, cuit, subject, fingerprint, \
         public_key_sha256, certificate_pem, csr_pem, private_key_encrypted, not_before, not_after, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
    with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(&row.id)
            .bind(&row.account_id)
            .bind(&row.status)
            .bind(&row.cuit)
            .bind(&row.subject)
            .bind(&row.fingerprint)
            .bind(&row.public_key_sha256)
            .bind(&row.certificate_pem)
            .bind(&row.csr_pem)
            .bind(&row.private_key_encrypted)
            .bind(row.not_before)
            .bind(row.not_after)
            .bind(row.created_at)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Turns the account's pending row `id` into an active certificate; false if it is no longer
/// pending (completed or deleted meanwhile).
pub async fn complete(storage: &Storage, row: &CertificateRow) -> Result<bool, Error> {
    const SQL: &str = "UPDATE certificates SET status = 'active', subject = $3, fingerprint = $4, \
         certificate_pem = $5, not_before = $6, not_after = $7 \
         WHERE id = $1 AND account_id = $2 AND status = 'pending'";
    let affected = with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(&row.id)
            .bind(&row.account_id)
            .bind(&row.subject)
            .bind(&row.fingerprint)
            .bind(&row.certificate_pem)
            .bind(row.not_before)
            .bind(row.not_after)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(affected == 1)
}

/// The account's certificate `id`.
pub async fn find(storage: &Storage, account_id: &str, id: &str) -> Result<Option<CertificateRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM certificates WHERE id = $1 AND account_id = $2");
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, CertificateRow>(&sql).bind(id).bind(account_id).fetch_optional(pool).await?
    }))
}

/// The account's newest pending key whose public key hashes to `public_key_sha256`.
pub async fn find_pending_by_public_key(
    storage: &Storage,
    account_id: &str,
    public_key_sha256: &str,
) -> Result<Option<CertificateRow>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM certificates \
         WHERE account_id = $1 AND public_key_sha256 = $2 AND status = 'pending' \
         ORDER BY created_at DESC, id DESC LIMIT 1"
    );
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, CertificateRow>(&sql).bind(account_id).bind(public_key_sha256).fetch_optional(pool).await?
    }))
}

/// The account's newest active certificate still valid at `now` (by `not_after`, then upload).
pub async fn find_usable(
    storage: &Storage,
    account_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<CertificateRow>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM certificates \
         WHERE account_id = $1 AND status = 'active' AND not_before <= $2 AND not_after > $2 \
         ORDER BY not_after DESC, created_at DESC LIMIT 1"
    );
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, CertificateRow>(&sql).bind(account_id).bind(now).fetch_optional(pool).await?
    }))
}

/// A page of the account's certificates, newest first.
pub async fn list(storage: &Storage, account_id: &str, limit: i64, offset: i64) -> Result<Vec<CertificateRow>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM certificates WHERE account_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, CertificateRow>(&sql).bind(account_id).bind(limit).bind(offset).fetch_all(pool).await?
    }))
}

/// How many certificates the account has.
pub async fn count(storage: &Storage, account_id: &str) -> Result<i64, Error> {
    const SQL: &str = "SELECT COUNT(*) FROM certificates WHERE account_id = $1";
    Ok(with_pool!(storage, pool => sqlx::query_scalar::<_, i64>(SQL).bind(account_id).fetch_one(pool).await?))
}

/// Deletes the account's certificate `id`; false when the account has no such certificate.
pub async fn delete(storage: &Storage, account_id: &str, id: &str) -> Result<bool, Error> {
    const SQL: &str = "DELETE FROM certificates WHERE id = $1 AND account_id = $2";
    let affected = with_pool!(storage, pool => {
        sqlx::query(SQL).bind(id).bind(account_id).execute(pool).await?.rows_affected()
    });
    Ok(affected == 1)
}

/// The CUIT and expiry (`not_after`) of every active certificate of every account, for health
/// and metrics.
pub async fn active_expiries(storage: &Storage) -> Result<Vec<(String, DateTime<Utc>)>, Error> {
    const SQL: &str = "SELECT cuit, not_after FROM certificates WHERE status = 'active' AND not_after IS NOT NULL";
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, (String, DateTime<Utc>)>(SQL).fetch_all(pool).await?
    }))
}
