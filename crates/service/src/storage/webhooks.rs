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

/// Inserts `events` in the caller's transaction, one multi-row INSERT per 200.
pub async fn insert_events(transaction: &mut Transaction<'_>, events: &[NewEvent<'_>]) -> Result<(), Error> {
    for chunk in events.chunks(IN_CHUNK) {
        let sql = format!(
            "INSERT INTO webhook_events (id, account_id, type, body, created_at) VALUES {}",
            super::values_rows(chunk.len(), 5, 1)
        );
        with_transaction!(&mut *transaction, connection => {
            let mut query = sqlx::query(&sql);
            for event in chunk {
                query = query
                    .bind(event.id)
                    .bind(event.account_id)
                    .bind(event.event_type)
                    .bind(event.body)
                    .bind(event.created_at);
            }
            query.execute(connection).await?;
        });
    }
    Ok(())
}

/// The body of event `id` (any account: the dispatcher's view).
pub async fn event_body(storage: &Storage, id: &str) -> Result<Option<String>, Error> {
    const SQL: &str = "SELECT body FROM webhook_events WHERE id = $1";
    Ok(with_pool!(storage, pool => sqlx::query_scalar::<_, String>(SQL).bind(id).fetch_optional(pool).await?))
}

/// The bodies of the events `ids` that exist, as (id, body), in one statement per 200 ids.
pub async fn event_bodies(storage: &Storage, ids: &[&str]) -> Result<Vec<(String, String)>, Error> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT id, body FROM webhook_events WHERE id IN ({})",
            super::placeholders(1, chunk.len())
        );
        let rows = with_pool!(storage, pool => {
            let mut query = sqlx::query_as::<_, (String, String)>(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        });
        found.extend(rows);
    }
    Ok(found)
}

/// The subscriptions `ids` that exist (any account: the dispatcher's view), in one statement
/// per 200 ids.
pub async fn find_subscriptions(storage: &Storage, ids: &[&str]) -> Result<Vec<SubscriptionRow>, Error> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id IN ({})",
            super::placeholders(1, chunk.len())
        );
        let rows = with_pool!(storage, pool => {
            let mut query = sqlx::query_as::<_, SubscriptionRow>(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        });
        found.extend(rows);
    }
    Ok(found)
}

/// Ids per `IN (…)` list: far below either dialect's limit on bound parameters.
const IN_CHUNK: usize = 200;

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

/// Subscription `id` (any account: the dispatcher's view; the API passes its account).
pub async fn find_subscription(storage: &Storage, id: &str) -> Result<Option<SubscriptionRow>, Error> {
    let sql = format!("SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = $1");
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, SubscriptionRow>(&sql).bind(id).fetch_optional(pool).await?
    }))
}

/// A delivery to subscription `id` succeeded: it is no longer failing (no write when it was not).
pub async fn clear_failing(storage: &Storage, id: &str) -> Result<(), Error> {
    const SQL: &str =
        "UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL";
    with_pool!(storage, pool => { sqlx::query(SQL).bind(id).execute(pool).await?; });
    Ok(())
}

/// A delivery to subscription `id` failed at `now`: `failing_since` keeps the first failure
/// since the last success. Returns the row as updated (`None` if it is gone or disabled).
pub async fn mark_failing(
    transaction: &mut Transaction<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<SubscriptionRow>, Error> {
    let sql = format!(
        "UPDATE webhook_subscriptions SET failing_since = COALESCE(failing_since, $2) WHERE id = $1 AND enabled \
         RETURNING {SUBSCRIPTION_COLUMNS}"
    );
    Ok(with_transaction!(transaction, connection => {
        sqlx::query_as::<_, SubscriptionRow>(&sql).bind(id).bind(now).fetch_optional(connection).await?
    }))
}

/// Disables subscription `id` for `reason` (`failing` or `user`) at `now`, if it is enabled;
/// returns the row as updated (`None` if it was not enabled: someone else disabled it first).
pub async fn disable(
    transaction: &mut Transaction<'_>,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Option<SubscriptionRow>, Error> {
    let sql = format!(
        "UPDATE webhook_subscriptions SET enabled = FALSE, disabled_reason = $2, disabled_at = $3, updated_at = $3 \
         WHERE id = $1 AND enabled RETURNING {SUBSCRIPTION_COLUMNS}"
    );
    Ok(with_transaction!(transaction, connection => {
        sqlx::query_as::<_, SubscriptionRow>(&sql)
            .bind(id)
            .bind(reason)
            .bind(now)
            .fetch_optional(connection)
            .await?
    }))
}

/// A new subscription, for [`insert_subscription`].
#[derive(Debug, Clone)]
pub struct NewSubscription<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub url: &'a str,
    pub events: &'a str,
    pub description: Option<&'a str>,
    pub enabled: bool,
    /// Sealed, bound to the subscription's id.
    pub secret: &'a [u8],
    pub now: DateTime<Utc>,
}

/// Inserts a subscription unless the account already has `limit`; `false` when it has.
pub async fn insert_subscription(storage: &Storage, new: &NewSubscription<'_>, limit: i64) -> Result<bool, Error> {
    const SQL: &str = "INSERT INTO webhook_subscriptions (id, account_id, url, events, description, enabled, secret, \
         disabled_reason, disabled_at, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10 \
         WHERE (SELECT COUNT(*) FROM webhook_subscriptions WHERE account_id = $2) < $11";
    let (reason, disabled_at) = if new.enabled {
        (None, None)
    } else {
        (Some("user"), Some(new.now))
    };
    Ok(with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(new.id)
            .bind(new.account_id)
            .bind(new.url)
            .bind(new.events)
            .bind(new.description)
            .bind(new.enabled)
            .bind(new.secret)
            .bind(reason)
            .bind(disabled_at)
            .bind(new.now)
            .bind(limit)
            .execute(pool)
            .await?
            .rows_affected()
            == 1
    }))
}

/// The account's subscription `id` (another account's is `None`).
pub async fn find_for_account(storage: &Storage, account_id: &str, id: &str) -> Result<Option<SubscriptionRow>, Error> {
    let sql = format!("SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE account_id = $1 AND id = $2");
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, SubscriptionRow>(&sql).bind(account_id).bind(id).fetch_optional(pool).await?
    }))
}

/// A page of the account's subscriptions, newest first, and how many it has.
pub async fn list_for_account(
    storage: &Storage,
    account_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SubscriptionRow>, i64), Error> {
    let sql = format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE account_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    const COUNT: &str = "SELECT COUNT(*) FROM webhook_subscriptions WHERE account_id = $1";
    Ok(with_pool!(storage, pool => {
        let rows = sqlx::query_as::<_, SubscriptionRow>(&sql)
            .bind(account_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
        let total = sqlx::query_scalar::<_, i64>(COUNT).bind(account_id).fetch_one(pool).await?;
        (rows, total)
    }))
}

/// Writes a subscription's changeable fields (url, events, description, enabled and the
/// disabled/failing state); `None` if it is not the account's.
pub async fn update_subscription(storage: &Storage, row: &SubscriptionRow) -> Result<Option<SubscriptionRow>, Error> {
    let sql = format!(
        "UPDATE webhook_subscriptions SET url = $3, events = $4, description = $5, enabled = $6, \
         disabled_reason = $7, disabled_at = $8, failing_since = $9, updated_at = $10 \
         WHERE account_id = $1 AND id = $2 RETURNING {SUBSCRIPTION_COLUMNS}"
    );
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, SubscriptionRow>(&sql)
            .bind(&row.account_id)
            .bind(&row.id)
            .bind(&row.url)
            .bind(&row.events)
            .bind(&row.description)
            .bind(row.enabled)
            .bind(&row.disabled_reason)
            .bind(row.disabled_at)
            .bind(row.failing_since)
            .bind(row.updated_at)
            .fetch_optional(pool)
            .await?
    }))
}

/// Replaces the secret: the current one becomes the previous one until `previous_expires_at`.
/// `None` if the subscription is not the account's.
pub async fn rotate_secret(
    storage: &Storage,
    account_id: &str,
    id: &str,
    secret: &[u8],
    previous_expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<SubscriptionRow>, Error> {
    let sql = format!(
        "UPDATE webhook_subscriptions SET previous_secret = secret, previous_secret_expires_at = $4, secret = $3, \
         updated_at = $5 WHERE account_id = $1 AND id = $2 RETURNING {SUBSCRIPTION_COLUMNS}"
    );
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, SubscriptionRow>(&sql)
            .bind(account_id)
            .bind(id)
            .bind(secret)
            .bind(previous_expires_at)
            .bind(now)
            .fetch_optional(pool)
            .await?
    }))
}

/// Deletes the account's subscription `id` and its deliveries not yet final; `false` if it
/// was not the account's.
pub async fn delete_subscription(storage: &Storage, account_id: &str, id: &str) -> Result<bool, Error> {
    const SQL: &str = "DELETE FROM webhook_subscriptions WHERE account_id = $1 AND id = $2";
    const PENDING: &str = "DELETE FROM outbox_messages WHERE account_id = $1 AND kind = 'webhook' AND subject_id = $2 \
         AND status = 'pending'";
    let mut transaction = storage.begin().await?;
    let deleted = with_transaction!(&mut transaction, connection => {
        let deleted = sqlx::query(SQL).bind(account_id).bind(id).execute(&mut *connection).await?.rows_affected();
        if deleted == 1 {
            sqlx::query(PENDING).bind(account_id).bind(id).execute(&mut *connection).await?;
        }
        deleted
    });
    transaction.commit().await?;
    Ok(deleted == 1)
}

/// Makes the delivery `message_id` of the account's subscription `subscription_id` due at
/// `now_ms` if it is `pending` or `failed`; `false` otherwise (delivered, being attempted, or
/// not this subscription's).
pub async fn retry_delivery(
    storage: &Storage,
    account_id: &str,
    subscription_id: &str,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    const SQL: &str = "UPDATE outbox_messages SET status = 'pending', next_attempt_at = $4, updated_at = $5 \
         WHERE id = $1 AND account_id = $2 AND kind = 'webhook' AND subject_id = $3 \
         AND status IN ('pending', 'failed')";
    Ok(with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(message_id)
            .bind(account_id)
            .bind(subscription_id)
            .bind(now.timestamp_millis())
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
            == 1
    }))
}

/// Inserts a subscription row as given (its secret already sealed), with no limit: for tests
/// that need an endpoint in a given state (the API goes through `insert_subscription`).
pub async fn insert_subscription_row(storage: &Storage, row: &SubscriptionRow) -> Result<(), Error> {
    let sql = format!(
        "INSERT INTO webhook_subscriptions ({SUBSCRIPTION_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    );
    with_pool!(storage, pool => {
        sqlx::query(&sql)
            .bind(&row.id)
            .bind(&row.account_id)
            .bind(&row.url)
            .bind(&row.events)
            .bind(&row.description)
            .bind(row.enabled)
            .bind(&row.secret)
            .bind(&row.previous_secret)
            .bind(row.previous_secret_expires_at)
            .bind(row.failing_since)
            .bind(&row.disabled_reason)
            .bind(row.disabled_at)
            .bind(row.created_at)
            .bind(row.updated_at)
            .execute(pool)
            .await?;
    });
    Ok(())
}
