//! The outbox: outbound messages (invoice emails and webhook deliveries) written in the
//! transaction of the change that causes them, and delivered at least once by the
//! [`dispatcher::Dispatcher`] (ARCHITECTURE.md invariants 16–19).
//!
//! - [`enqueue`] adds a message to the caller's transaction: nothing is sent for a change that
//!   rolled back, and nothing committed is forgotten.
//! - [`Deliver`] is one kind's way out (`email::EmailDelivery` for [`MessageKind::Email`], `webhooks::delivery` for
//!   [`MessageKind::Webhook`]); it
//!   reports an [`Attempted`]: the outcome and the remote server's reply.
//! - [`retry`] decides, purely, what an outcome means and when the next attempt goes.
//! - [`dispatcher`] takes due messages in batches under a lease, attempts them concurrently
//!   (bounded overall and per webhook endpoint) and records every attempt.
//! - [`retention`] purges webhook deliveries and events past `WEBHOOK_RETENTION_DAYS`.
//!
//! It never builds a message's content (each kind's module does) and never reads the clock
//! itself: the dispatcher is given one.

pub mod dispatcher;
pub mod retention;
pub mod retry;

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::storage::outbox::{self as store, NewMessage};
pub use crate::storage::outbox::{AttemptOutcome, MessageKind, MessageRow, MessageStatus};
use crate::storage::{self, Transaction};
pub use dispatcher::Dispatcher;
pub use retention::purge;

/// Every dispatcher of this process is told when a transaction that wrote outbox messages
/// commits ([`wake_all`]); a counter, not a one-shot signal, so a dispatcher busy with a pass
/// still sees, when it finishes, that something came in meanwhile.
static COMMITTED: std::sync::LazyLock<tokio::sync::watch::Sender<u64>> =
    std::sync::LazyLock::new(|| tokio::sync::watch::channel(0).0);

/// Tells this process's dispatchers that messages were committed (call it after the commit of a
/// transaction that called [`enqueue`] or `webhooks::events::emit`). Other instances find them
/// by polling (`OUTBOX_POLL_MS`).
pub fn wake_all() {
    COMMITTED.send_modify(|count| *count = count.wrapping_add(1));
}

/// A receiver of [`wake_all`]'s signal, for a dispatcher (and for tests that wait for a commit).
pub fn committed() -> tokio::sync::watch::Receiver<u64> {
    COMMITTED.subscribe()
}

/// The longest payload a message may carry (the `CHECK` on `outbox_messages.payload`).
pub const MAX_PAYLOAD_BYTES: usize = 65_536;

/// What one delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempted {
    pub outcome: AttemptOutcome,
    /// The remote server's reply (or why nothing reached it), bounded when stored.
    pub reply: String,
    /// The HTTP status the remote server answered (webhooks), if it answered.
    pub http_status: Option<u16>,
}

impl Attempted {
    /// An attempt that got no HTTP status (emails, network failures).
    pub fn new(outcome: AttemptOutcome, reply: impl Into<String>) -> Attempted {
        Attempted {
            outcome,
            reply: reply.into(),
            http_status: None,
        }
    }
}

/// What a kind read once for a claimed batch of its messages ([`Deliver::prepare`]), handed to
/// each of their attempts: one statement for many messages instead of one per message.
#[derive(Clone, Default)]
pub struct Prepared(Option<Arc<dyn Any + Send + Sync>>);

impl Prepared {
    pub fn new<T: Any + Send + Sync>(value: T) -> Prepared {
        Prepared(Some(Arc::new(value)))
    }

    /// What the kind prepared, if it was a `T` (nothing when the kind prepares nothing or its read
    /// failed: each attempt then reads for itself).
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.as_deref().and_then(|value| value.downcast_ref::<T>())
    }
}

/// One kind's way out: delivers a message once and says how it went. It never retries by
/// itself (the dispatcher does) and never panics on a bad payload (that is a permanent outcome).
pub trait Deliver: Send + Sync {
    /// Reads what the attempts of `messages` (a claimed batch of this kind) need, at once.
    /// Nothing by default.
    fn prepare<'a>(&'a self, messages: &'a [&'a MessageRow]) -> Pin<Box<dyn Future<Output = Prepared> + Send + 'a>> {
        let _ = messages;
        Box::pin(std::future::ready(Prepared::default()))
    }

    /// One attempt at `message`, with what [`Deliver::prepare`] read for its batch.
    fn deliver<'a>(
        &'a self,
        message: &'a MessageRow,
        prepared: &'a Prepared,
    ) -> Pin<Box<dyn Future<Output = Attempted> + Send + 'a>>;

    /// Retries after the first attempt for this kind; `None` takes the dispatcher's
    /// (`OUTBOX_MAX_RETRIES`). Webhooks answer `WEBHOOK_MAX_RETRIES`.
    fn max_retries(&self) -> Option<u32> {
        None
    }
}

/// Adds a message of `kind` about `subject_id` to `transaction`, due at once; returns its id
/// (`msg_…`, the stable delivery id). A payload past [`MAX_PAYLOAD_BYTES`] is refused.
pub async fn enqueue(
    transaction: &mut Transaction<'_>,
    account_id: &str,
    kind: MessageKind,
    subject_id: &str,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<String, crate::Error> {
    let payload = payload.to_string();
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(crate::Error::invalid(
            "body",
            format!("the message would exceed {MAX_PAYLOAD_BYTES} bytes"),
        ));
    }
    let id = storage::new_id("msg");
    store::insert(
        transaction,
        &NewMessage {
            id: id.clone(),
            account_id: account_id.to_string(),
            kind,
            subject_id: subject_id.to_string(),
            payload,
            next_attempt_at: now.timestamp_millis(),
            created_at: now,
        },
    )
    .await?;
    Ok(id)
}
