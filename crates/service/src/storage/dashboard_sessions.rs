//! The `dashboard_sessions` table: the dashboard's server-side sessions. A session is found by
//! the SHA-256 of its cookie's token and is live only while its API key is not revoked, it was
//! used within the idle window and its absolute expiry has not passed; every read says so in
//! its `WHERE`, so an expired or orphaned row is never taken for a live one.
//!
//! It never stores the cookie's token, and never reads another account's rows: every query
//! names the session id, or the account with the key.

use chrono::{DateTime, Utc};

use super::{Storage, with_pool};
use crate::Error;

/// Live sessions kept per API key at most: signing in once more ends the oldest.
pub const MAX_SESSIONS_PER_KEY: i64 = 20;

/// A live session, with the name of its account (the pages' header shows it).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub account_id: String,
    pub api_key_id: String,
    pub csrf_token: String,
    pub last_seen_at: DateTime<Utc>,
    pub account_name: String,
}

/// Opens a session, ends the key's oldest ones beyond [`MAX_SESSIONS_PER_KEY`], and purges
/// every session that is over (idle since before `idle_since`, or expired by `now`).
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    storage: &Storage,
    id: &str,
    account_id: &str,
    api_key_id: &str,
    csrf_token: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<(), Error> {
    const PURGE: &str = "DELETE FROM dashboard_sessions WHERE expires_at <= $1 OR last_seen_at <= $2";
    const INSERT: &str = "INSERT INTO dashboard_sessions \
         (id, account_id, api_key_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $5, $6)";
    const TRIM: &str = "DELETE FROM dashboard_sessions WHERE api_key_id = $1 AND id NOT IN \
         (SELECT id FROM dashboard_sessions WHERE api_key_id = $1 \
          ORDER BY created_at DESC, id DESC LIMIT $2)";
    with_pool!(storage, pool => {
        let mut tx = pool.begin().await?;
        sqlx::query(PURGE).bind(now).bind(idle_since).execute(&mut *tx).await?;
        sqlx::query(INSERT)
            .bind(id)
            .bind(account_id)
            .bind(api_key_id)
            .bind(csrf_token)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(TRIM).bind(api_key_id).bind(MAX_SESSIONS_PER_KEY).execute(&mut *tx).await?;
        tx.commit().await?;
    });
    Ok(())
}

/// The session with this id if it is live at `now`: its key not revoked, used after
/// `idle_since`, not expired.
pub async fn find_live(
    storage: &Storage,
    id: &str,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<Option<SessionRow>, Error> {
    const SQL: &str = "SELECT s.id, s.account_id, s.api_key_id, s.csrf_token, s.last_seen_at, \
         a.name AS account_name \
         FROM dashboard_sessions s \
         JOIN api_keys k ON k.id = s.api_key_id AND k.account_id = s.account_id \
         JOIN accounts a ON a.id = s.account_id \
         WHERE s.id = $1 AND k.revoked_at IS NULL AND s.expires_at > $2 AND s.last_seen_at > $3";
    Ok(with_pool!(storage, pool => sqlx::query_as::<_, SessionRow>(SQL)
        .bind(id)
        .bind(now)
        .bind(idle_since)
        .fetch_optional(pool)
        .await?))
}

/// Records that the session was used at `now` (keeps it from going idle).
pub async fn touch(storage: &Storage, id: &str, now: DateTime<Utc>) -> Result<(), Error> {
    const SQL: &str = "UPDATE dashboard_sessions SET last_seen_at = $2 WHERE id = $1";
    with_pool!(storage, pool => { sqlx::query(SQL).bind(id).bind(now).execute(pool).await?; });
    Ok(())
}

/// Ends a session (sign-out).
pub async fn delete(storage: &Storage, id: &str) -> Result<(), Error> {
    const SQL: &str = "DELETE FROM dashboard_sessions WHERE id = $1";
    with_pool!(storage, pool => { sqlx::query(SQL).bind(id).execute(pool).await?; });
    Ok(())
}
