//! The outbox: outbound messages (invoice emails now, webhook deliveries next) written in the
//! transaction of the change that causes them, and delivered at least once by the
//! [`dispatcher::Dispatcher`] (ARCHITECTURE.md invariants 16–19).
//!
//! - [`enqueue`] adds a message to the caller's transaction: nothing is sent for a change that
//!   rolled back, and nothing committed is forgotten.
//! - [`Deliver`] is one kind's way out (`email::EmailDelivery` for [`MessageKind::Email`]); it
//!   reports an [`Attempted`]: the outcome and the remote server's reply.
//! - [`retry`] decides, purely, what an outcome means and when the next attempt goes.
//! - [`dispatcher`] takes due messages one at a time under a lease, attempts them and records
//!   every attempt.
//!
//! It never builds a message's content (each kind's module does) and never reads the clock
//! itself: the dispatcher is given one.

pub mod dispatcher;
pub mod retry;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

use crate::storage::outbox::{self as store, NewMessage};
pub use crate::storage::outbox::{AttemptOutcome, MessageKind, MessageRow, MessageStatus};
use crate::storage::{self, Transaction};
pub use dispatcher::Dispatcher;

/// The longest payload a message may carry (the `CHECK` on `outbox_messages.payload`).
pub const MAX_PAYLOAD_BYTES: usize = 65_536;

/// What one delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempted {
    pub outcome: AttemptOutcome,
    /// The remote server's reply (or why nothing reached it), bounded when stored.
    pub reply: String,
}

/// One kind's way out: delivers a message once and says how it went. It never retries by
/// itself (the dispatcher does) and never panics on a bad payload (that is a permanent outcome).
pub trait Deliver: Send + Sync {
    fn deliver<'a>(&'a self, message: &'a MessageRow) -> Pin<Box<dyn Future<Output = Attempted> + Send + 'a>>;
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
