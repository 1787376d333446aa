//! The `usage` table: invoices accepted per account and month (`YYYY-MM`, Argentina's calendar).

use super::transaction::{Transaction, with_transaction};
use super::{Storage, with_pool};
use crate::Error;

/// Counts one accepted invoice for the account in `month`, inside the caller's transaction (the
/// one that stores the invoice, so the count and the invoice commit together); returns the
/// month's count including this one, which the caller may compare with the quota to close the
/// race between two concurrent [`crate::usage::check_quota`] calls.
pub async fn increment_usage(transaction: &mut Transaction<'_>, account_id: &str, month: &str) -> Result<i64, Error> {
    const SQL: &str = "INSERT INTO usage (account_id, month, invoices) VALUES ($1, $2, 1) \
         ON CONFLICT (account_id, month) DO UPDATE SET invoices = usage.invoices + 1 \
         RETURNING invoices";
    Ok(with_transaction!(transaction, connection => {
        sqlx::query_scalar::<_, i64>(SQL).bind(account_id).bind(month).fetch_one(connection).await?
    }))
}

/// Invoices the account had accepted in `month` (0 when none).
pub async fn usage(storage: &Storage, account_id: &str, month: &str) -> Result<i64, Error> {
    const SQL: &str = "SELECT invoices FROM usage WHERE account_id = $1 AND month = $2";
    let count = with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i64>(SQL).bind(account_id).bind(month).fetch_optional(pool).await?
    });
    Ok(count.unwrap_or(0))
}
