//! Storage: one [`Storage`] holding a PostgreSQL or a SQLite pool.
//!
//! Not `sqlx::Any`, which lacks dates and decimals. The SQL is identical on both dialects —
//! `$N` placeholders, `RETURNING` and `ON CONFLICT` work on both — so each query is written once,
//! as visible text in a small documented function per resource (`storage/accounts.rs`,
//! `storage/api_keys.rs`, `storage/points_of_sale.rs`, `storage/customers.rs`,
//! `storage/usage.rs`), and [`with_pool!`] runs it on whichever pool is there. Where the
//! dialects differ (column types) the migrations differ: `migrations/postgres/` and
//! `migrations/sqlite/`, see [`migrations`].

pub mod access_tickets;
pub mod accounts;
pub mod ai_drafts;
pub mod alerts;
pub mod api_keys;
pub mod certificates;
pub mod contingency;
pub mod customers;
pub mod dashboard_sessions;
pub mod fce;
pub mod invoices;
pub mod issuer_profiles;
pub mod migrations;
pub mod notifications;
pub mod outbox;
pub mod points_of_sale;
pub mod series;
pub mod settings;
pub mod taxpayers;
pub mod transaction;
pub mod verifications;
pub mod webhooks;

pub use transaction::Transaction;
pub mod usage;

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::Error;
use crate::config::{DatabaseConfig, DatabaseSsl};

/// A connection pool to one of the two supported databases. Cloning shares the pool.
#[derive(Debug, Clone)]
pub enum Storage {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// Runs `$body` with `$pool` bound to the PostgreSQL or the SQLite pool. The body is the same
/// text in both arms and is type-checked once per dialect, so a query that binds or decodes a
/// type one dialect lacks does not compile. Its duration is recorded in
/// `database_query_duration_seconds` (early `?` returns included).
macro_rules! with_pool {
    ($storage:expr, $pool:ident => $body:expr) => {{
        let _timer = $crate::metrics::QueryTimer::start();
        match $storage {
            $crate::storage::Storage::Postgres($pool) => $body,
            $crate::storage::Storage::Sqlite($pool) => $body,
        }
    }};
}
pub(crate) use with_pool;

/// How long a caller waits for a free connection before the request fails (503).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Creates an empty SQLite file with mode 0600 (as the generated secrets are), which SQLite takes
/// as a new database and whose mode it gives its `-wal` and `-shm` files. An existing file is
/// left as it is.
fn create_private_file(path: &std::path::Path) -> Result<(), Error> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(Error::Io {
            context: format!("creating {}", path.display()),
            source,
        }),
    }
}

impl Storage {
    /// Connects to `postgres://…` or `sqlite://FILE`; a SQLite file (and its folder) is created
    /// if missing — readable by its owner only, it holds customer data — in WAL mode so readers
    /// do not wait for the writer.
    pub async fn connect(config: &DatabaseConfig) -> Result<Storage, Error> {
        Storage::connect_with(config, true).await
    }

    /// [`Storage::connect`] for the issuance engine's own pool: connections are handed out
    /// without the ping sqlx otherwise sends first. A worker step is a chain of short queries
    /// whose round trips add up to a lone invoice's latency, and a query on a dead connection
    /// fails the step, which the worker retries anyway (the connection is then dropped).
    pub async fn connect_unchecked(config: &DatabaseConfig) -> Result<Storage, Error> {
        Storage::connect_with(config, false).await
    }

    async fn connect_with(config: &DatabaseConfig, test_before_acquire: bool) -> Result<Storage, Error> {
        let url = config.url.expose();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = postgres_options(config)?;
            // One plain connection first: the pool would retry a refused connection until its
            // acquire timeout and report only "timed out"; this reports why.
            sqlx::PgConnection::connect_with(&options).await?.close().await?;
            let pool = PgPoolOptions::new()
                .max_connections(config.pool_size)
                .test_before_acquire(test_before_acquire)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await?;
            return Ok(Storage::Postgres(pool));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(ACQUIRE_TIMEOUT);
        if let Some(parent) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                context: format!("creating {}", parent.display()),
                source,
            })?;
        }
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if !in_memory {
            create_private_file(options.get_filename())?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(config.pool_size)
            .test_before_acquire(test_before_acquire)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        Ok(Storage::Sqlite(pool))
    }

    pub fn dialect(&self) -> &'static str {
        match self {
            Storage::Postgres(_) => "postgres",
            Storage::Sqlite(_) => "sqlite",
        }
    }

    /// One trivial query (`SELECT 1`): whether the database answers, for health checks.
    pub async fn ping(&self) -> Result<(), Error> {
        with_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// The pool's connections: (open, idle).
    pub fn pool_usage(&self) -> (u32, u32) {
        // Not `with_pool!`: no query runs, so nothing is timed.
        let (size, idle) = match self {
            Storage::Postgres(pool) => (pool.size(), pool.num_idle()),
            Storage::Sqlite(pool) => (pool.size(), pool.num_idle()),
        };
        (size, u32::try_from(idle).unwrap_or(u32::MAX))
    }

    /// Closes every connection (waits for those in use to come back).
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

/// Timestamps are kept to the microsecond, PostgreSQL's precision, so a value reads back equal
/// on both dialects.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}

/// `$first, $first+1, …` for `count` bound parameters: an `IN (…)` list written the same way on
/// both dialects.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `rows` rows of a `VALUES` list, `width` bound parameters each, numbered from `$first`:
/// `($1, $2), ($3, $4)` for 2, 2, 1.
pub(crate) fn values_rows(rows: usize, width: usize, first: usize) -> String {
    (0..rows)
        .map(|row| format!("({})", placeholders(first + row * width, width)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A fresh random identifier such as `acct_3f9a…`: a type prefix and 96 bits of OS randomness,
/// so identifiers reveal neither order nor count.
pub fn new_id(prefix: &str) -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}_{}", hex(&bytes))
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

/// `error` as [`Error::Conflict`] with `message` when it is a unique-constraint violation (the
/// caller knows which constraint its statement can break), otherwise as a database error.
pub(crate) fn conflict_if_duplicate(error: sqlx::Error, message: impl FnOnce() -> String) -> Error {
    match &error {
        sqlx::Error::Database(database_error) if database_error.is_unique_violation() => Error::Conflict(message()),
        _ => Error::Database(error),
    }
}

/// The PostgreSQL connection options: the URL's (`sslmode`, `sslrootcert` and the rest), with
/// `DATABASE_SSL` and `DATABASE_SSL_ROOT_CERT` laid over them when set. TLS runs on the OpenSSL
/// the build already links for WSAA (sqlx's native-tls backend).
pub fn postgres_options(config: &DatabaseConfig) -> Result<PgConnectOptions, Error> {
    let mut options = PgConnectOptions::from_str(config.url.expose())?;
    if let Some(mode) = config.ssl_mode {
        options = options.ssl_mode(match mode {
            DatabaseSsl::Disable => PgSslMode::Disable,
            DatabaseSsl::Prefer => PgSslMode::Prefer,
            DatabaseSsl::Require => PgSslMode::Require,
            DatabaseSsl::VerifyCa => PgSslMode::VerifyCa,
            DatabaseSsl::VerifyFull => PgSslMode::VerifyFull,
        });
    }
    if let Some(path) = &config.ssl_root_cert {
        options = options.ssl_root_cert(path);
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_lists_and_values_lists_number_their_parameters() {
        assert_eq!(placeholders(2, 3), "$2, $3, $4");
        assert_eq!(placeholders(1, 1), "$1");
        assert_eq!(values_rows(2, 2, 2), "($2, $3), ($4, $5)");
        assert_eq!(values_rows(1, 3, 1), "($1, $2, $3)");
        assert_eq!(values_rows(0, 2, 2), "");
    }
}
