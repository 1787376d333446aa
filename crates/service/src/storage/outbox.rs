//! The `outbox_messages` and `outbox_attempts` tables: outbound messages and each attempt to
//! deliver them (ARCHITECTURE.md invariants 16–19).
//!
//! A message is inserted by [`insert`] inside the caller's transaction — the one that records the
//! change causing it — so it exists exactly when that change does. The dispatcher takes a due
//! message with [`claim`], a conditional UPDATE that only one instance can win (the same text on
//! both dialects), and settles it with [`finish`], which changes the message only while the
//! attempt that claimed it still holds the lease (its owner and attempt number are the fence).
//!
//! Times the dispatcher compares are unix milliseconds; it never reads the clock here (the caller
//! passes `now`).

use chrono::{DateTime, Utc};

use super::series::Fenced;
use super::transaction::{Transaction, with_transaction};
use super::{Storage, with_pool};
use crate::Error;

/// What an outbound message is; the `kind` column's `CHECK` lists the same values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// An invoice's PDF by email.
    Email,
    /// An event to one webhook subscription (`subject_id` is the subscription's id).
    Webhook,
}

impl MessageKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            MessageKind::Email => "email",
            MessageKind::Webhook => "webhook",
        }
    }
}

impl TryFrom<String> for MessageKind {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        match text.as_str() {
            "email" => Ok(MessageKind::Email),
            "webhook" => Ok(MessageKind::Webhook),
            _ => Err(format!("unknown outbox message kind {text:?}")),
        }
    }
}

/// Where a message is; the `status` column's `CHECK` lists the same values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Waiting for its first attempt, or for its next one after a transient failure.
    Pending,
    /// An attempt holds the lease (or held it and died: another takes over once it expires).
    Delivering,
    /// The remote server accepted it. Final.
    Delivered,
    /// Refused for good, or out of retries; the last reply is kept. Final.
    Failed,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 4] = [
        MessageStatus::Pending,
        MessageStatus::Delivering,
        MessageStatus::Delivered,
        MessageStatus::Failed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::Delivering => "delivering",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Failed => "failed",
        }
    }
}

impl TryFrom<String> for MessageStatus {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        MessageStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| format!("unknown outbox message status {text:?}"))
    }
}

/// How one attempt ended; the `outcome` column's `CHECK` lists the same values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// Accepted by the remote server.
    Delivered,
    /// Refused for now (SMTP 4xx, a network or TLS failure): tried again later, within the bound.
    Transient,
    /// Refused for good (SMTP 5xx, a message that cannot be built).
    Permanent,
    /// The instance holding the lease died before recording an outcome; closed by the next holder.
    Abandoned,
}

impl AttemptOutcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Transient => "transient",
            AttemptOutcome::Permanent => "permanent",
            AttemptOutcome::Abandoned => "abandoned",
        }
    }
}

impl TryFrom<String> for AttemptOutcome {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        [
            AttemptOutcome::Delivered,
            AttemptOutcome::Transient,
            AttemptOutcome::Permanent,
            AttemptOutcome::Abandoned,
        ]
        .into_iter()
        .find(|outcome| outcome.as_str() == text)
        .ok_or_else(|| format!("unknown outbox attempt outcome {text:?}"))
    }
}

/// A new message, for [`insert`].
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub id: String,
    pub account_id: String,
    pub kind: MessageKind,
    /// What the message is about (an invoice's id).
    pub subject_id: String,
    /// The kind's JSON.
    pub payload: String,
    /// When it may first be attempted (unix ms): at once, normally.
    pub next_attempt_at: i64,
    pub created_at: DateTime<Utc>,
}

/// One row of `outbox_messages`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub id: String,
    pub account_id: String,
    #[sqlx(try_from = "String")]
    pub kind: MessageKind,
    pub subject_id: String,
    pub payload: String,
    #[sqlx(try_from = "String")]
    pub status: MessageStatus,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// One row of `outbox_attempts`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub message_id: String,
    pub number: i32,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// [`AttemptOutcome`]'s text; NULL while the attempt runs.
    pub outcome: Option<String>,
    pub reply: Option<String>,
    /// The HTTP status a webhook endpoint answered (NULL for emails and for no answer).
    pub http_status: Option<i32>,
    /// How long the attempt took, in milliseconds (NULL while it runs).
    pub duration_ms: Option<i64>,
}

const COLUMNS: &str = "id, account_id, kind, subject_id, payload, status, attempts, next_attempt_at, lease_owner, \
     lease_expires_at, last_error, created_at, updated_at, delivered_at";

/// Inserts a `pending` message in the caller's transaction (ARCHITECTURE.md invariant 16).
pub async fn insert(transaction: &mut Transaction<'_>, message: &NewMessage) -> Result<(), Error> {
    insert_many(transaction, &[message]).await
}

/// [`insert`] for many messages: one multi-row INSERT per [`CHUNK`].
pub async fn insert_many(transaction: &mut Transaction<'_>, messages: &[&NewMessage]) -> Result<(), Error> {
    for chunk in messages.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO outbox_messages (id, account_id, kind, subject_id, payload, status, attempts, \
             next_attempt_at, created_at, updated_at) \
             SELECT column1, column2, column3, column4, column5, 'pending', 0, column6, column7, column7 \
             FROM (VALUES {}) AS v",
            super::values_rows(chunk.len(), 7, 1)
        );
        with_transaction!(&mut *transaction, connection => {
            let mut query = sqlx::query(&sql);
            for message in chunk {
                query = query
                    .bind(&message.id)
                    .bind(&message.account_id)
                    .bind(message.kind.as_str())
                    .bind(&message.subject_id)
                    .bind(&message.payload)
                    .bind(message.next_attempt_at)
                    .bind(message.created_at);
            }
            query.execute(connection).await?;
        });
    }
    Ok(())
}

/// The ids of up to `limit` messages an attempt may take at `now_ms`: pending ones whose time has
/// come and delivering ones whose lease expired, oldest due first. Only a hint: [`claim`] decides.
pub async fn due(storage: &Storage, now_ms: i64, limit: i64) -> Result<Vec<String>, Error> {
    const SQL: &str = "SELECT id FROM outbox_messages \
         WHERE (status = 'pending' AND next_attempt_at <= $1) \
         OR (status = 'delivering' AND lease_expires_at <= $1) \
         ORDER BY next_attempt_at, id LIMIT $2";
    Ok(with_pool!(storage, pool => {
        sqlx::query_scalar::<_, String>(SQL).bind(now_ms).bind(limit).fetch_all(pool).await?
    }))
}

/// The earliest time (unix ms) something becomes due: a pending message's next attempt or a
/// running attempt's lease expiry. `None` when nothing is waiting.
pub async fn next_due_at(storage: &Storage) -> Result<Option<i64>, Error> {
    const SQL: &str = "SELECT MIN(CASE WHEN status = 'pending' THEN next_attempt_at ELSE lease_expires_at END) \
         FROM outbox_messages WHERE status IN ('pending', 'delivering')";
    Ok(with_pool!(storage, pool => sqlx::query_scalar::<_, Option<i64>>(SQL).fetch_one(pool).await?))
}

/// Takes message `id` for one attempt if it is still due at `now`: one conditional UPDATE that
/// only one instance can win (ARCHITECTURE.md invariant 17). The attempt is numbered and recorded
/// as started in the same transaction; an earlier attempt left open by an instance that died is
/// closed as `abandoned`. `None` if another instance took it first or it is no longer due.
pub async fn claim(
    storage: &Storage,
    id: &str,
    owner: &str,
    now: DateTime<Utc>,
    lease_expires_at: i64,
) -> Result<Option<MessageRow>, Error> {
    let claim_sql = format!(
        "UPDATE outbox_messages SET status = 'delivering', attempts = attempts + 1, lease_owner = $2, \
         lease_expires_at = $3, updated_at = $4 \
         WHERE id = $1 AND ((status = 'pending' AND next_attempt_at <= $5) \
         OR (status = 'delivering' AND lease_expires_at <= $5)) \
         RETURNING {COLUMNS}"
    );
    const ABANDON: &str = "UPDATE outbox_attempts SET finished_at = $2, outcome = 'abandoned', \
         reply = 'the instance attempting it stopped before recording an outcome (its lease expired)' \
         WHERE message_id = $1 AND finished_at IS NULL";
    const START: &str = "INSERT INTO outbox_attempts (message_id, number, started_at) VALUES ($1, $2, $3)";
    let now_ms = now.timestamp_millis();
    let mut transaction = storage.begin().await?;
    let claimed = with_transaction!(&mut transaction, connection => {
        sqlx::query_as::<_, MessageRow>(&claim_sql)
            .bind(id)
            .bind(owner)
            .bind(lease_expires_at)
            .bind(now)
            .bind(now_ms)
            .fetch_optional(&mut *connection)
            .await?
    });
    let Some(message) = claimed else {
        return Ok(None);
    };
    with_transaction!(&mut transaction, connection => {
        sqlx::query(ABANDON).bind(id).bind(now).execute(&mut *connection).await?;
        sqlx::query(START)
            .bind(id)
            .bind(message.attempts)
            .bind(now)
            .execute(&mut *connection)
            .await?;
    });
    transaction.commit().await?;
    Ok(Some(message))
}

/// What [`claim_batch`] may take.
#[derive(Debug, Clone)]
pub struct ClaimRequest<'a> {
    /// The claiming instance's lease owner name.
    pub owner: &'a str,
    pub now: DateTime<Utc>,
    /// When the leases taken expire (unix ms).
    pub lease_expires_at: i64,
    /// At most this many messages.
    pub limit: i64,
    /// At most this many messages of one kind about one subject (a webhook endpoint's bound).
    pub per_subject: i64,
    /// Webhook subscriptions (subjects) to leave out: this instance has as many deliveries to
    /// them in flight as it allows.
    pub busy_subjects: &'a [String],
}

/// How far ahead in the due order [`claim_batch`] looks, in multiples of its limit: enough for
/// several endpoints' messages when one endpoint's crowd the front.
const CLAIM_WINDOW: i64 = 8;

/// Rows per multi-row statement: far below either dialect's limit on bound parameters.
const CHUNK: usize = 200;

/// Takes up to `request.limit` due messages (pending ones whose time has come, delivering ones
/// whose lease expired), oldest due first, for one attempt each by `request.owner`, in one
/// transaction: a conditional UPDATE by key (ARCHITECTURE.md invariant 17), the attempts opened in
/// multi-row INSERTs, and the attempts of instances that died closed as `abandoned`.
///
/// The look at what is due is two index-ordered scans, pending ones by due time and expired
/// leases, each bounded, joined with `UNION ALL` (one `OR` would make the database sort every due
/// row on each claim, which a backlog of thousands makes slow).
///
/// Two statements, the same text on both dialects: a read that picks the ids (the ranking over a
/// bounded look at what is due), then an UPDATE of those ids with the due condition repeated on
/// each row (by key: one statement doing both let the planner read every due message for a
/// handful of ids). Two instances may pick the same ids; on PostgreSQL the second blocks on the
/// first's row locks and, once the first commits, re-reads each row, finds it no longer due, and
/// leaves it; on SQLite the second's UPDATE runs after the first's commit and finds the same (so
/// no row is ever claimed twice, at the cost of a smaller batch).
///
/// Returns the claimed messages (with their new attempt numbers) and how many open attempts of
/// webhook messages were closed as abandoned.
pub async fn claim_batch(storage: &Storage, request: &ClaimRequest<'_>) -> Result<(Vec<MessageRow>, usize), Error> {
    const DUE: &str = "((status = 'pending' AND next_attempt_at <= $4) \
         OR (status = 'delivering' AND lease_expires_at <= $4))";
    let busy = if request.busy_subjects.is_empty() {
        String::new()
    } else {
        format!(
            " AND NOT (kind = 'webhook' AND subject_id IN ({}))",
            super::placeholders(5, request.busy_subjects.len())
        )
    };
    // First the ids (the ranking reads the due window through `outbox_messages_due_order`),
    // then each of them taken by its key if it is still due: one statement would let the
    // planner read every due message (the whole backlog) for a handful of ids.
    let pick_sql = format!(
        "SELECT id FROM (SELECT id, next_attempt_at, \
         ROW_NUMBER() OVER (PARTITION BY kind, subject_id ORDER BY next_attempt_at, id) AS subject_rank \
         FROM (SELECT * FROM (SELECT id, kind, subject_id, next_attempt_at FROM outbox_messages \
         WHERE status = 'pending' AND next_attempt_at <= $1{busy} ORDER BY next_attempt_at, id LIMIT $2) AS pending_window \
         UNION ALL SELECT * FROM (SELECT id, kind, subject_id, next_attempt_at FROM outbox_messages \
         WHERE status = 'delivering' AND lease_expires_at <= $1{busy} ORDER BY next_attempt_at, id LIMIT $2) AS expired_window \
         ) AS due_window) AS ranked \
         WHERE subject_rank <= $3 ORDER BY next_attempt_at, id LIMIT $4"
    );
    let now_ms = request.now.timestamp_millis();
    let limit = request.limit.max(0);
    // Read before the transaction: its first statement then writes (SQLite takes the writer's
    // lock at once instead of upgrading a read).
    let picked = with_pool!(storage, pool => {
        let mut query = sqlx::query_scalar::<_, String>(&pick_sql)
            .bind(now_ms)
            .bind(limit.saturating_mul(CLAIM_WINDOW))
            .bind(request.per_subject.max(1))
            .bind(limit);
        for subject in request.busy_subjects {
            query = query.bind(subject);
        }
        query.fetch_all(pool).await?
    });
    if picked.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let mut transaction = storage.begin().await?;
    let mut claimed: Vec<MessageRow> = Vec::with_capacity(picked.len());
    for chunk in picked.chunks(CHUNK) {
        // Still due: another instance may have taken one since it was picked (on PostgreSQL
        // this waits for that instance's commit and then sees it taken).
        let claim_sql = format!(
            "UPDATE outbox_messages SET status = 'delivering', attempts = attempts + 1, lease_owner = $1, \
             lease_expires_at = $2, updated_at = $3 \
             WHERE id IN ({}) AND {DUE} RETURNING {COLUMNS}",
            super::placeholders(5, chunk.len())
        );
        let taken = with_transaction!(&mut transaction, connection => {
            let mut query = sqlx::query_as::<_, MessageRow>(&claim_sql)
                .bind(request.owner)
                .bind(request.lease_expires_at)
                .bind(request.now)
                .bind(now_ms);
            for id in chunk {
                query = query.bind(id);
            }
            query.fetch_all(&mut *connection).await?
        });
        claimed.extend(taken);
    }
    // In due order, as the ids were picked.
    claimed.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
    if claimed.is_empty() {
        transaction.commit().await?;
        return Ok((Vec::new(), 0));
    }
    // Only a message attempted before can have an attempt left open by an instance that died.
    let retried: Vec<&MessageRow> = claimed.iter().filter(|message| message.attempts > 1).collect();
    let mut abandoned = 0;
    for chunk in retried.chunks(CHUNK) {
        let sql = format!(
            "UPDATE outbox_attempts SET finished_at = $1, outcome = 'abandoned', \
             reply = 'the instance attempting it stopped before recording an outcome (its lease expired)' \
             WHERE finished_at IS NULL AND message_id IN ({}) RETURNING message_id",
            super::placeholders(2, chunk.len())
        );
        let closed = with_transaction!(&mut transaction, connection => {
            let mut query = sqlx::query_scalar::<_, String>(&sql).bind(request.now);
            for message in chunk {
                query = query.bind(&message.id);
            }
            query.fetch_all(&mut *connection).await?
        });
        abandoned += closed
            .iter()
            .filter(|id| chunk.iter().any(|m| &m.id == *id && m.kind == MessageKind::Webhook))
            .count();
    }
    for chunk in claimed.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO outbox_attempts (message_id, number, started_at) VALUES {}",
            super::values_rows(chunk.len(), 3, 1)
        );
        with_transaction!(&mut transaction, connection => {
            let mut query = sqlx::query(&sql);
            for message in chunk {
                query = query.bind(&message.id).bind(message.attempts).bind(request.now);
            }
            query.execute(&mut *connection).await?;
        });
    }
    transaction.commit().await?;
    Ok((claimed, abandoned))
}

/// How an attempt settles its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    Delivered,
    /// Pending again, not before this time (unix ms).
    RetryAt(i64),
    Failed,
}

/// What an attempt came to, as [`finish`] records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord<'a> {
    pub outcome: AttemptOutcome,
    /// The remote server's reply, already bounded.
    pub reply: &'a str,
    pub http_status: Option<u16>,
    pub duration_ms: i64,
}

/// Records attempt `number` of message `id` (its outcome, the remote server's reply, the HTTP
/// status and duration) and settles the message, if `owner` still holds it under that attempt.
/// The attempt row is completed either way (it happened); `false` when the lease was lost
/// meanwhile and the message was left to whoever took it. [`finish_batch`] of one.
pub async fn finish(
    storage: &Storage,
    id: &str,
    owner: &str,
    number: i32,
    attempt: &AttemptRecord<'_>,
    settlement: &Settlement,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let item = Finish {
        id,
        number,
        attempt: attempt.clone(),
        settlement: settlement.clone(),
    };
    let settled = finish_batch(storage, owner, std::slice::from_ref(&item), now).await?;
    Ok(settled.first().copied().unwrap_or(false))
}

/// One attempt's end, for [`finish_batch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finish<'a> {
    pub id: &'a str,
    /// The attempt's number (the fence, with the owner).
    pub number: i32,
    pub attempt: AttemptRecord<'a>,
    pub settlement: Settlement,
}

/// [`finish`] for several attempts of `owner`, in one transaction (one commit for the lot) of two
/// multi-row statements per [`CHUNK`] of attempts: the attempts completed, then the messages
/// settled, each row fenced as in [`finish`] (its message's owner and attempt number). For each
/// attempt, whether it still held its message.
///
/// Both statements join a `VALUES` list (`UPDATE … FROM (VALUES …) AS v`, whose columns both
/// dialects name `column1`, `column2`, …), so one text serves PostgreSQL and SQLite.
pub async fn finish_batch(
    storage: &Storage,
    owner: &str,
    finished: &[Finish<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<bool>, Error> {
    if finished.is_empty() {
        return Ok(Vec::new());
    }
    let mut transaction = storage.begin().await?;
    let mut held = std::collections::HashSet::new();
    for chunk in finished.chunks(CHUNK) {
        complete_attempts(&mut transaction, chunk, now).await?;
        held.extend(settle_messages(&mut transaction, owner, chunk, now).await?);
    }
    transaction.commit().await?;
    Ok(finished.iter().map(|item| held.contains(item.id)).collect())
}

/// Completes the attempt rows of `chunk` (only those still open).
async fn complete_attempts(
    transaction: &mut Transaction<'_>,
    chunk: &[Finish<'_>],
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let sql = format!(
        "UPDATE outbox_attempts SET finished_at = $1, outcome = v.column3, reply = v.column4, \
         http_status = v.column5, duration_ms = v.column6 FROM (VALUES {}) AS v \
         WHERE outbox_attempts.message_id = v.column1 AND outbox_attempts.number = v.column2 \
         AND outbox_attempts.finished_at IS NULL",
        super::values_rows(chunk.len(), 6, 2)
    );
    with_transaction!(transaction, connection => {
        let mut query = sqlx::query(&sql).bind(now);
        for item in chunk {
            query = query
                .bind(item.id)
                .bind(item.number)
                .bind(item.attempt.outcome.as_str())
                .bind(item.attempt.reply)
                .bind(item.attempt.http_status.map(i32::from))
                .bind(item.attempt.duration_ms.max(0));
        }
        query.execute(&mut *connection).await?;
    });
    Ok(())
}

/// Settles the messages of `chunk` still held by `owner` under their attempt; returns their ids.
async fn settle_messages(
    transaction: &mut Transaction<'_>,
    owner: &str,
    chunk: &[Finish<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<String>, Error> {
    let sql = format!(
        "UPDATE outbox_messages SET status = v.column3, next_attempt_at = COALESCE(v.column4, next_attempt_at), \
         last_error = v.column5, delivered_at = v.column6, lease_owner = NULL, lease_expires_at = NULL, updated_at = $1 \
         FROM (VALUES {}) AS v \
         WHERE outbox_messages.id = v.column1 AND outbox_messages.attempts = v.column2 \
         AND outbox_messages.lease_owner = $2 AND outbox_messages.status = 'delivering' \
         RETURNING outbox_messages.id",
        super::values_rows(chunk.len(), 6, 3)
    );
    Ok(with_transaction!(transaction, connection => {
        let mut query = sqlx::query_scalar::<_, String>(&sql).bind(now).bind(owner);
        for item in chunk {
            let (status, retry_at, last_error, delivered_at) = settlement_columns(item, now);
            query = query
                .bind(item.id)
                .bind(item.number)
                .bind(status.as_str())
                .bind(retry_at)
                .bind(last_error)
                .bind(delivered_at);
        }
        query.fetch_all(&mut *connection).await?
    }))
}

/// The message's new status, next attempt time, last error and delivery time for `item`.
fn settlement_columns<'a>(
    item: &Finish<'a>,
    now: DateTime<Utc>,
) -> (MessageStatus, Option<i64>, Option<&'a str>, Option<DateTime<Utc>>) {
    let reply = item.attempt.reply;
    match item.settlement {
        Settlement::Delivered => (MessageStatus::Delivered, None, None, Some(now)),
        Settlement::RetryAt(at) => (MessageStatus::Pending, Some(at), Some(reply), None),
        Settlement::Failed => (MessageStatus::Failed, None, Some(reply), None),
    }
}

/// The account's messages about `subject_id` of `kind`, newest first, at most `limit`.
pub async fn list_for_subject(
    storage: &Storage,
    account_id: &str,
    kind: MessageKind,
    subject_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<MessageRow>, i64), Error> {
    let rows_sql = format!(
        "SELECT {COLUMNS} FROM outbox_messages WHERE account_id = $1 AND kind = $2 AND subject_id = $3 \
         ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"
    );
    const COUNT: &str = "SELECT COUNT(*) FROM outbox_messages WHERE account_id = $1 AND kind = $2 AND subject_id = $3";
    Ok(with_pool!(storage, pool => {
        let rows = sqlx::query_as::<_, MessageRow>(&rows_sql)
            .bind(account_id)
            .bind(kind.as_str())
            .bind(subject_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
        let total = sqlx::query_scalar::<_, i64>(COUNT)
            .bind(account_id)
            .bind(kind.as_str())
            .bind(subject_id)
            .fetch_one(pool)
            .await?;
        (rows, total)
    }))
}

/// The message `id` (any account: the dispatcher's view; the API filters by account).
pub async fn find(storage: &Storage, id: &str) -> Result<Option<MessageRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM outbox_messages WHERE id = $1");
    Ok(with_pool!(storage, pool => sqlx::query_as::<_, MessageRow>(&sql).bind(id).fetch_optional(pool).await?))
}

/// The attempts of the messages `ids`, by message then number.
pub async fn attempts(storage: &Storage, ids: &[String]) -> Result<Vec<AttemptRow>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT message_id, number, started_at, finished_at, outcome, reply, http_status, duration_ms FROM outbox_attempts \
         WHERE message_id IN ({}) ORDER BY message_id, number",
        super::placeholders(1, ids.len())
    );
    Ok(with_pool!(storage, pool => {
        let mut query = sqlx::query_as::<_, AttemptRow>(&sql);
        for id in ids {
            query = query.bind(id);
        }
        query.fetch_all(pool).await?
    }))
}

/// How many messages are in each status (every account), for `/metrics`.
pub async fn count_by_status(storage: &Storage) -> Result<Vec<(MessageStatus, i64)>, Error> {
    const SQL: &str = "SELECT status, COUNT(*) FROM outbox_messages GROUP BY status";
    let counts = with_pool!(storage, pool => sqlx::query_as::<_, (String, i64)>(SQL).fetch_all(pool).await?);
    Ok(counts
        .into_iter()
        .filter_map(|(status, count)| MessageStatus::try_from(status).ok().map(|status| (status, count)))
        .collect())
}

/// Webhook deliveries by where they are, for `arca_webhooks_queue`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookQueue {
    /// Waiting for their first attempt.
    pub pending: i64,
    /// Waiting for a retry (pending after at least one attempt).
    pub retrying: i64,
    /// An attempt holds them.
    pub delivering: i64,
    /// Failed for good (until the retention purge).
    pub failed: i64,
}

/// Every account's webhook deliveries counted by [`WebhookQueue`]'s statuses.
pub async fn webhook_queue(storage: &Storage) -> Result<WebhookQueue, Error> {
    const SQL: &str = "SELECT status, CASE WHEN attempts > 0 THEN 1 ELSE 0 END AS retried, COUNT(*) \
         FROM outbox_messages WHERE kind = 'webhook' AND status IN ('pending', 'delivering', 'failed') \
         GROUP BY status, CASE WHEN attempts > 0 THEN 1 ELSE 0 END";
    let rows = with_pool!(storage, pool => sqlx::query_as::<_, (String, i32, i64)>(SQL).fetch_all(pool).await?);
    let mut queue = WebhookQueue::default();
    for (status, retried, count) in rows {
        match (MessageStatus::try_from(status), retried) {
            (Ok(MessageStatus::Pending), 0) => queue.pending += count,
            (Ok(MessageStatus::Pending), _) => queue.retrying += count,
            (Ok(MessageStatus::Delivering), _) => queue.delivering += count,
            (Ok(MessageStatus::Failed), _) => queue.failed += count,
            _ => {}
        }
    }
    Ok(queue)
}

/// Whether any webhook delivery is still to be made (pending, or held by an attempt): one index
/// look-up that stops at the first, where [`webhook_queue`] counts them all.
pub async fn webhooks_outstanding(storage: &Storage) -> Result<bool, Error> {
    const SQL: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM outbox_messages \
         WHERE status IN ('pending', 'delivering') AND kind = 'webhook' LIMIT 1) AS outstanding";
    let found = with_pool!(storage, pool => sqlx::query_scalar::<_, i64>(SQL).fetch_one(pool).await?);
    Ok(found > 0)
}

/// Deletes up to `limit` webhook deliveries that are final (delivered or failed) and were
/// created before `before`, oldest first, with their attempts (`ON DELETE CASCADE`). A pending
/// or delivering message is never touched. Returns how many went.
pub async fn purge_webhook_deliveries(storage: &Storage, before: DateTime<Utc>, limit: i64) -> Result<u64, Error> {
    const SQL: &str = "DELETE FROM outbox_messages WHERE id IN (SELECT id FROM outbox_messages \
         WHERE kind = 'webhook' AND status IN ('delivered', 'failed') AND created_at < $1 \
         ORDER BY created_at, id LIMIT $2) AND status IN ('delivered', 'failed')";
    Ok(with_pool!(storage, pool => {
        sqlx::query(SQL).bind(before).bind(limit).execute(pool).await?.rows_affected()
    }))
}

/// An approved invoice whose account sends emails on approval, read in the approval's fenced
/// transaction (what the default email needs).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApprovedInvoice {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub cuit: String,
    pub cbte_tipo: i32,
    pub punto_venta: i32,
    pub numero: Option<i64>,
    pub cae: Option<String>,
    pub cae_vencimiento: Option<chrono::NaiveDate>,
    /// CAE, or CAEA (issued in contingency: `cae` holds the CAEA).
    #[sqlx(try_from = "String")]
    pub tipo_autorizacion: super::invoices::TipoAutorizacion,
    /// The request as accepted (its `cliente.email`).
    pub document: Option<String>,
    /// The total as decimal text.
    pub imp_total: String,
}

/// Among `ids`, the approved invoices whose account has `send_email_on_approval` on, read in the
/// fenced transaction that approves them (so their number and CAE are the ones being recorded).
pub async fn approved_for_email(fenced: &mut Fenced<'_>, ids: &[String]) -> Result<Vec<ApprovedInvoice>, Error> {
    approved_for_email_in(fenced.transaction(), ids).await
}

/// [`approved_for_email`] in a plain transaction: the one that issues an invoice under a CAEA,
/// which holds no series lease (its number comes from the `caea_series` row it holds).
pub async fn approved_for_email_in(
    transaction: &mut Transaction<'_>,
    ids: &[String],
) -> Result<Vec<ApprovedInvoice>, Error> {
    let mut found = Vec::new();
    // Chunks keep the bound parameters far below either dialect's limit.
    for chunk in ids.chunks(250) {
        let sql = format!(
            "SELECT invoices.id, invoices.account_id, accounts.name AS account_name, invoices.cuit, invoices.cbte_tipo, \
             invoices.punto_venta, invoices.numero, invoices.cae, invoices.cae_vencimiento, invoices.tipo_autorizacion, invoices.document, \
             CAST(invoices.imp_total AS TEXT) AS imp_total \
             FROM invoices JOIN accounts ON accounts.id = invoices.account_id \
             WHERE accounts.send_email_on_approval AND invoices.status = 'approved' AND invoices.id IN ({}) \
             ORDER BY invoices.id",
            super::placeholders(1, chunk.len())
        );
        let rows = with_transaction!(transaction, connection => {
            let mut query = sqlx::query_as::<_, ApprovedInvoice>(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            query.fetch_all(connection).await?
        });
        found.extend(rows);
    }
    Ok(found)
}

/// [`insert`] in a series worker's fenced transaction (the approval's).
pub async fn insert_fenced(fenced: &mut Fenced<'_>, message: &NewMessage) -> Result<(), Error> {
    insert(fenced.transaction(), message).await
}
