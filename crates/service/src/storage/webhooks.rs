//! The `webhook_subscriptions`, `webhook_events`, `alert_marks`, `arca_availability` and
//! `job_leases` tables (migration 0013; ARCHITECTURE.md "Webhooks").
//!
//! Deliveries are not here: each is an outbox message of kind `webhook` (`storage/outbox.rs`).
//! Every function takes the caller's transaction or the pool explicitly; none reads the clock
//! (the caller passes `now`), and no query is written twice for the two dialects.

use chrono::{DateTime, Utc};

use super::transaction::{Transaction, with_transaction};
use super::{Storage, with_pool};
use crate::Error;

/// One row of `webhook_subscriptions`. The secrets stay sealed (`crypto::Secrets`, bound to
/// the subscription's id) until a delivery signs with them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: String,
    pub account_id: String,
    pub url: String,
    /// A JSON array of event types, or `["*"]`.
    pub events: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub secret: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub failing_since: Option<DateTime<Utc>>,
    /// `failing` (disabled by us after WEBHOOK_DISABLE_AFTER_HOURS) or `user` (PATCH).
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub const SUBSCRIPTION_COLUMNS: &str = "id, account_id, url, events, description, enabled, secret, previous_secret, \
     previous_secret_expires_at, failing_since, disabled_reason, disabled_at, created_at, updated_at";

/// The account's enabled subscriptions as (id, events JSON), read in the transaction that emits
/// an event, so a subscription created or disabled concurrently is seen consistently.
pub async fn enabled_for_account(
    transaction: &mut Transaction<'_>,
    account_id: &str,
) -> Result<Vec<(String, String)>, Error> {
    const SQL: &str = "SELECT id, events FROM webhook_subscriptions WHERE account_id = $1 AND enabled ORDER BY id";
    Ok(with_transaction!(transaction, connection => {
        sqlx::query_as::<_, (String, String)>(SQL).bind(account_id).fetch_all(connection).await?
    }))
}

/// A new row of `webhook_events`.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub event_type: &'a str,
    /// The exact JSON body every delivery sends.
    pub body: &'a str,
    pub created_at: DateTime<Utc>,
}

/// Inserts an event in the caller's transaction.
pub async fn insert_event(transaction: &mut Transaction<'_>, event: &NewEvent<'_>) -> Result<(), Error> {
    const SQL: &str = "INSERT INTO webhook_events (id, account_id, type, body, created_at) VALUES ($1, $2, $3, $4, $5)";
    with_transaction!(transaction, connection => {
        sqlx::query(SQL)
            .bind(event.id)
            .bind(event.account_id)
            .bind(event.event_type)
            .bind(event.body)
            .bind(event.created_at)
            .execute(connection)
            .await?;
    });
    Ok(())
}

/// The body of event `id` (any account: the dispatcher's view).
pub async fn event_body(storage: &Storage, id: &str) -> Result<Option<String>, Error> {
    const SQL: &str = "SELECT body FROM webhook_events WHERE id = $1";
    Ok(with_pool!(storage, pool => sqlx::query_scalar::<_, String>(SQL).bind(id).fetch_optional(pool).await?))
}

/// Records the fact `key` in the caller's transaction; `true` if this call recorded it first
/// (the alert fires), `false` if it was already there (another instance, or an earlier run).
pub async fn mark_once(transaction: &mut Transaction<'_>, key: &str, now: DateTime<Utc>) -> Result<bool, Error> {
    const SQL: &str = "INSERT INTO alert_marks (key, created_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
    Ok(with_transaction!(transaction, connection => {
        sqlx::query(SQL).bind(key).bind(now).execute(connection).await?.rows_affected() == 1
    }))
}

/// Deletes up to `limit` events created before `before`, oldest first, unless their account still
/// has a webhook delivery pending or delivering that was created no later than the event (a
/// delivery is created with its event, at the same instant, so an event whose delivery is still
/// under way is kept). Returns how many went.
pub async fn purge_events(storage: &Storage, before: DateTime<Utc>, limit: i64) -> Result<u64, Error> {
    const SQL: &str = "DELETE FROM webhook_events WHERE id IN (SELECT events.id FROM webhook_events AS events \
         WHERE events.created_at < $1 AND NOT EXISTS (SELECT 1 FROM outbox_messages AS messages \
         WHERE messages.kind = 'webhook' AND messages.status IN ('pending', 'delivering') \
         AND messages.account_id = events.account_id AND messages.created_at <= events.created_at) \
         ORDER BY events.created_at, events.id LIMIT $2)";
    Ok(with_pool!(storage, pool => {
        sqlx::query(SQL).bind(before).bind(limit).execute(pool).await?.rows_affected()
    }))
}
