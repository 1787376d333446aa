//! [`Transaction`]: an open transaction on either dialect, for atomic writes that span several
//! queries (write-ahead numbering under a fenced lease). The caller begins and commits it; the
//! storage functions that take one only add their statements.

use super::Storage;
use crate::Error;

/// A transaction on the PostgreSQL or the SQLite pool. Dropping it uncommitted rolls it back.
pub enum Transaction<'a> {
    Postgres(sqlx::Transaction<'a, sqlx::Postgres>),
    Sqlite(sqlx::Transaction<'a, sqlx::Sqlite>),
}

/// Runs `$body` with `$connection` bound to the transaction's connection (`&mut` either dialect's
/// connection), like [`with_pool!`] does for pools.
macro_rules! with_transaction {
    ($transaction:expr, $connection:ident => $body:expr) => {
        match $transaction {
            $crate::storage::transaction::Transaction::Postgres(transaction) => {
                let $connection = &mut **transaction;
                $body
            }
            $crate::storage::transaction::Transaction::Sqlite(transaction) => {
                let $connection = &mut **transaction;
                $body
            }
        }
    };
}
pub(crate) use with_transaction;

impl Storage {
    /// Begins a transaction.
    pub async fn begin(&self) -> Result<Transaction<'static>, Error> {
        Ok(match self {
            Storage::Postgres(pool) => Transaction::Postgres(pool.begin().await?),
            Storage::Sqlite(pool) => Transaction::Sqlite(pool.begin().await?),
        })
    }
}

impl Transaction<'_> {
    /// Commits every statement of the transaction.
    pub async fn commit(self) -> Result<(), Error> {
        match self {
            Transaction::Postgres(transaction) => transaction.commit().await?,
            Transaction::Sqlite(transaction) => transaction.commit().await?,
        }
        Ok(())
    }
}
