//! The `series` table: the per-series lease with its fencing token (ARCHITECTURE.md invariant 4) and the last
//! number known to be authorised.
//!
//! Times are unix milliseconds (`now_ms`), passed in by the caller: the lease logic compares
//! integers on both dialects and reads no clock of its own.

use super::transaction::{Transaction, with_transaction};
use super::{Storage, with_pool};
use crate::Error;

/// ARCA's unit of numbering: (CUIT, point of sale, voucher type).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, sqlx::FromRow)]
pub struct SeriesKey {
    pub cuit: String,
    pub punto_venta: i32,
    pub cbte_tipo: i32,
}

/// Makes sure the series row exists (a lease needs a row to live in).
pub async fn ensure(storage: &Storage, key: &SeriesKey) -> Result<(), Error> {
    const SQL: &str = "INSERT INTO series (cuit, punto_venta, cbte_tipo) VALUES ($1, $2, $3) \
         ON CONFLICT (cuit, punto_venta, cbte_tipo) DO NOTHING";
    with_pool!(storage, pool => {
        sqlx::query(SQL).bind(&key.cuit).bind(key.punto_venta).bind(key.cbte_tipo).execute(pool).await?;
    });
    Ok(())
}

/// Takes (or keeps) the lease for `owner` until `expires_ms`, when it is free, expired or already
/// `owner`'s. Returns the fencing token, or `None` while another owner holds a live lease.
///
/// The token grows only when the owner changes: a worker that gets back the same token knows
/// nobody else held the series in between, so what it remembers (the last number) still holds.
pub async fn acquire_lease(
    storage: &Storage,
    key: &SeriesKey,
    owner: &str,
    now_ms: i64,
    expires_ms: i64,
) -> Result<Option<i64>, Error> {
    const SQL: &str = "UPDATE series SET lease_owner = $4, lease_expires_at = $6, \
         fencing_token = CASE WHEN lease_owner = $4 THEN fencing_token ELSE fencing_token + 1 END \
         WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3 \
         AND (lease_owner IS NULL OR lease_owner = $4 OR lease_expires_at <= $5) \
         RETURNING fencing_token";
    Ok(with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i64>(SQL)
            .bind(&key.cuit)
            .bind(key.punto_venta)
            .bind(key.cbte_tipo)
            .bind(owner)
            .bind(now_ms)
            .bind(expires_ms)
            .fetch_optional(pool)
            .await?
    }))
}

/// Lets the lease lapse now, keeping the owner (and so the token) so that the same worker can
/// take it back without a new token if nobody else did in the meantime.
pub async fn release_lease(
    storage: &Storage,
    key: &SeriesKey,
    owner: &str,
    token: i64,
    now_ms: i64,
) -> Result<(), Error> {
    const SQL: &str = "UPDATE series SET lease_expires_at = $6 \
         WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3 AND lease_owner = $4 AND fencing_token = $5";
    with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(&key.cuit)
            .bind(key.punto_venta)
            .bind(key.cbte_tipo)
            .bind(owner)
            .bind(token)
            .bind(now_ms)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// A transaction that began with the fence: this worker still held the series' lease (under its
/// fencing token) when it started, and the lease was extended. Every write of a series worker
/// takes one, and only [`fence`] makes one, so a write that skipped the lease check does not
/// compile (ARCHITECTURE.md invariant 4). On PostgreSQL the row lock the fence took holds until
/// the transaction ends, keeping a competing [`acquire_lease`] waiting.
pub struct Fenced<'c> {
    transaction: Transaction<'c>,
}

impl<'c> Fenced<'c> {
    /// Commits every write made under the fence.
    pub async fn commit(self) -> Result<(), Error> {
        self.transaction.commit().await
    }

    /// The transaction, for the storage functions that add their statements to it.
    pub(in crate::storage) fn transaction(&mut self) -> &mut Transaction<'c> {
        &mut self.transaction
    }

    /// Adds a cross-instance notification, sent when the fenced writes commit.
    pub async fn notify(&mut self, message: &super::notifications::Message) -> Result<(), Error> {
        super::notifications::send(&mut self.transaction, message).await
    }
}

/// The fence: the first statement of every state-changing transaction of a series worker. It
/// succeeds (and extends the lease to `expires_ms`) only while `owner` still holds the lease
/// under `token`. `None` means the lease is lost: the transaction is rolled back.
pub async fn fence<'c>(
    mut transaction: Transaction<'c>,
    key: &SeriesKey,
    owner: &str,
    token: i64,
    expires_ms: i64,
) -> Result<Option<Fenced<'c>>, Error> {
    const SQL: &str = "UPDATE series SET lease_expires_at = $6 \
         WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3 AND lease_owner = $4 AND fencing_token = $5";
    let affected = with_transaction!(&mut transaction, connection => {
        sqlx::query(SQL)
            .bind(&key.cuit)
            .bind(key.punto_venta)
            .bind(key.cbte_tipo)
            .bind(owner)
            .bind(token)
            .bind(expires_ms)
            .execute(connection)
            .await?
            .rows_affected()
    });
    Ok((affected == 1).then_some(Fenced { transaction }))
}

/// Records that ARCA authorised `number` (keeps the highest).
pub async fn record_last_number(fenced: &mut Fenced<'_>, key: &SeriesKey, number: i64) -> Result<(), Error> {
    const SQL: &str = "UPDATE series SET last_number = CASE WHEN last_number < $4 THEN $4 ELSE last_number END \
         WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3";
    with_transaction!(fenced.transaction(), connection => {
        sqlx::query(SQL)
            .bind(&key.cuit)
            .bind(key.punto_venta)
            .bind(key.cbte_tipo)
            .bind(number)
            .execute(connection)
            .await?;
    });
    Ok(())
}
