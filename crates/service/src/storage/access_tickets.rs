//! The `access_tickets` table: WSAA tickets shared by every instance, and the database lock
//! under which exactly one instance renews one.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, Sqlite, Transaction};

use super::{Storage, with_pool};
use crate::Error;

/// One row of `access_tickets`; `token_encrypted` and `sign_encrypted` are sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccessTicketRow {
    pub environment: String,
    pub certificate_fingerprint: String,
    pub service: String,
    pub token_encrypted: Vec<u8>,
    pub sign_encrypted: Vec<u8>,
    pub generation_time: DateTime<Utc>,
    pub expiration_time: DateTime<Utc>,
    pub unique_id: i64,
    pub source: String,
    pub destination: String,
    pub updated_at: DateTime<Utc>,
}

const FIND: &str = "SELECT environment, certificate_fingerprint, service, token_encrypted, sign_encrypted, \
     generation_time, expiration_time, unique_id, source, destination, updated_at \
     FROM access_tickets WHERE environment = $1 AND certificate_fingerprint = $2 AND service = $3";

const UPSERT: &str = "INSERT INTO access_tickets (environment, certificate_fingerprint, service, token_encrypted, \
     sign_encrypted, generation_time, expiration_time, unique_id, source, destination, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
     ON CONFLICT (environment, certificate_fingerprint, service) DO UPDATE SET \
     token_encrypted = excluded.token_encrypted, sign_encrypted = excluded.sign_encrypted, \
     generation_time = excluded.generation_time, expiration_time = excluded.expiration_time, \
     unique_id = excluded.unique_id, source = excluded.source, destination = excluded.destination, \
     updated_at = excluded.updated_at";

/// Binds a row's columns to [`UPSERT`], in order.
macro_rules! upsert_query {
    ($row:expr) => {
        sqlx::query(UPSERT)
            .bind(&$row.environment)
            .bind(&$row.certificate_fingerprint)
            .bind(&$row.service)
            .bind(&$row.token_encrypted)
            .bind(&$row.sign_encrypted)
            .bind($row.generation_time)
            .bind($row.expiration_time)
            .bind($row.unique_id)
            .bind(&$row.source)
            .bind(&$row.destination)
            .bind($row.updated_at)
    };
}

/// The stored ticket for (environment, certificate, service).
pub async fn find(
    storage: &Storage,
    environment: &str,
    fingerprint: &str,
    service: &str,
) -> Result<Option<AccessTicketRow>, Error> {
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, AccessTicketRow>(FIND)
            .bind(environment)
            .bind(fingerprint)
            .bind(service)
            .fetch_optional(pool)
            .await?
    }))
}

/// Deletes the stored ticket for the key if it is the one generated at `generation_time` (a
/// ticket WSFEv1 refused); a newer one another instance stored meanwhile stays.
pub async fn delete_generation(
    storage: &Storage,
    environment: &str,
    fingerprint: &str,
    service: &str,
    generation_time: DateTime<Utc>,
) -> Result<bool, Error> {
    const SQL: &str = "DELETE FROM access_tickets \
         WHERE environment = $1 AND certificate_fingerprint = $2 AND service = $3 AND generation_time = $4";
    let deleted = with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(environment)
            .bind(fingerprint)
            .bind(service)
            .bind(generation_time)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(deleted > 0)
}

/// Stores a ticket, replacing the previous one for the same key.
pub async fn upsert(storage: &Storage, row: &AccessTicketRow) -> Result<(), Error> {
    with_pool!(storage, pool => {
        upsert_query!(row).execute(pool).await?;
    });
    Ok(())
}

/// A database lock held until [`RenewalLock::release`] (or drop, which rolls back).
pub enum RenewalLock {
    /// `pg_advisory_xact_lock(hashtext(key))`, held by this open transaction.
    Postgres(Transaction<'static, Postgres>),
    /// SQLite's write lock (`BEGIN IMMEDIATE`): one writer per database file, across processes.
    Sqlite(Transaction<'static, Sqlite>),
}

/// Waits for the renewal lock named `key` (other instances renewing the same ticket wait here).
pub async fn lock(storage: &Storage, key: &str) -> Result<RenewalLock, Error> {
    match storage {
        Storage::Postgres(pool) => {
            const SQL: &str = "SELECT pg_advisory_xact_lock(hashtext($1))";
            let mut transaction = pool.begin().await?;
            sqlx::query(SQL).bind(key).execute(&mut *transaction).await?;
            Ok(RenewalLock::Postgres(transaction))
        }
        Storage::Sqlite(pool) => Ok(RenewalLock::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?)),
    }
}

impl RenewalLock {
    /// Ends the transaction, releasing the lock.
    pub async fn release(self) -> Result<(), Error> {
        match self {
            RenewalLock::Postgres(transaction) => transaction.commit().await?,
            RenewalLock::Sqlite(transaction) => transaction.commit().await?,
        }
        Ok(())
    }

    /// The stored ticket, read inside the lock.
    pub async fn find(
        &mut self,
        environment: &str,
        fingerprint: &str,
        service: &str,
    ) -> Result<Option<AccessTicketRow>, Error> {
        macro_rules! query {
            ($transaction:expr) => {
                sqlx::query_as::<_, AccessTicketRow>(FIND)
                    .bind(environment)
                    .bind(fingerprint)
                    .bind(service)
                    .fetch_optional(&mut **$transaction)
                    .await?
            };
        }
        Ok(match self {
            RenewalLock::Postgres(transaction) => query!(transaction),
            RenewalLock::Sqlite(transaction) => query!(transaction),
        })
    }

    /// Stores a ticket inside the lock (SQLite's write lock admits no other writer meanwhile).
    pub async fn upsert(&mut self, row: &AccessTicketRow) -> Result<(), Error> {
        match self {
            RenewalLock::Postgres(transaction) => {
                upsert_query!(row).execute(&mut **transaction).await?;
            }
            RenewalLock::Sqlite(transaction) => {
                upsert_query!(row).execute(&mut **transaction).await?;
            }
        }
        Ok(())
    }
}
