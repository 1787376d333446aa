//! Test-only writes: states that production code reaches only through a crash, made directly so
//! a test can start from them. The service's storage API has no such entry points.
//!
//! It never runs in `serve`: only tests call it.

use arca_service::Storage;
use chrono::{DateTime, Utc};

/// Puts an invoice in flight under `numero` without a lease, as a crash right after the
/// write-ahead commit leaves it (ARCHITECTURE.md invariant 2). `false` if it was not waiting.
pub async fn force_in_flight(
    storage: &Storage,
    id: &str,
    numero: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE invoices SET numero = $2, send_state = 'in_flight', status = 'pending', updated_at = $3 \
         WHERE id = $1 AND status IN ('pending', 'pending_retry')";
    // The same statement on either pool (the service's own dialect macro is private to it).
    macro_rules! run {
        ($pool:expr) => {
            sqlx::query(SQL)
                .bind(id)
                .bind(numero)
                .bind(now)
                .execute($pool)
                .await?
                .rows_affected()
        };
    }
    let result = match storage {
        Storage::Postgres(pool) => run!(pool),
        Storage::Sqlite(pool) => run!(pool),
    };
    Ok(result == 1)
}
