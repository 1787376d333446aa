//! The dispatcher: takes due outbox messages, one attempt per message at a time across instances,
//! and records each attempt (ARCHITECTURE.md invariants 17–19).
//!
//! A pass ([`Dispatcher::run_once`]) lists what is due at the clock's `now` — pending messages
//! whose time has come, and delivering ones whose lease expired because the instance attempting
//! them died — and, for each, claims it with a conditional UPDATE (`storage::outbox::claim`: only
//! one instance wins), delivers it through its kind's [`Deliver`], and settles it as
//! [`retry::settle`] decides. [`Dispatcher::spawn`] runs passes until stopped: at once when woken
//! ([`Dispatcher::wake`], after an enqueue in this instance), otherwise when the next message is
//! due or every `OUTBOX_POLL_MS`.
//!
//! Time comes from the injected clock, so tests drive passes one at a time and move the clock
//! instead of sleeping. It never builds a message (the kinds do) and never logs a payload.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use arca_protocol::clock::Clock;
use tokio::sync::Notify;

use super::{Attempted, Deliver, MessageKind, retry};
use crate::Error;
use crate::storage::outbox::{self as store, AttemptOutcome, MessageRow, Settlement};
use crate::storage::{self, Storage};

/// At most this many messages are looked at per pass (the next pass takes the rest).
const PASS_SIZE: i64 = 50;

/// The dispatcher's knobs (`OUTBOX_*`, see `config::EmailConfig`).
#[derive(Debug, Clone, Copy)]
pub struct DispatcherConfig {
    /// Retries after the first attempt on transient failures.
    pub max_retries: u32,
    /// How long an attempt holds its message.
    pub lease_ttl: Duration,
    /// The longest idle wait between passes.
    pub poll: Duration,
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// Attempts made, by outcome.
    pub delivered: usize,
    pub transient: usize,
    pub permanent: usize,
    /// Attempts whose lease was lost before they were recorded (another instance took over).
    pub lease_lost: usize,
}

impl Pass {
    pub fn attempts(&self) -> usize {
        self.delivered + self.transient + self.permanent
    }
}

/// Delivers the outbox. Cloning is not needed: share it in an `Arc`.
pub struct Dispatcher {
    storage: Storage,
    /// This instance's lease owner name.
    owner: String,
    clock: Arc<dyn Clock>,
    deliverers: HashMap<MessageKind, Arc<dyn Deliver>>,
    config: DispatcherConfig,
    wake: Notify,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Dispatcher {
    pub fn new(
        storage: Storage,
        clock: Arc<dyn Clock>,
        deliverers: HashMap<MessageKind, Arc<dyn Deliver>>,
        config: DispatcherConfig,
    ) -> Dispatcher {
        Dispatcher {
            storage,
            owner: storage::new_id("dispatcher"),
            clock,
            deliverers,
            config,
            wake: Notify::new(),
            task: std::sync::Mutex::new(None),
        }
    }

    /// This dispatcher's lease owner name.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Runs passes in the background until [`Dispatcher::stop`] (or the runtime ends).
    pub fn spawn(self: &Arc<Self>) {
        let dispatcher = Arc::clone(self);
        let handle = tokio::spawn(async move { dispatcher.run().await });
        if let Some(previous) = self.lock_task().replace(handle) {
            previous.abort();
        }
    }

    /// Stops the background passes (an attempt under way is dropped; its lease expires and
    /// another instance, or this one's next start, takes the message over).
    pub fn stop(&self) {
        if let Some(handle) = self.lock_task().take() {
            handle.abort();
        }
    }

    /// Asks for a pass now (a message was just enqueued in this instance).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    fn lock_task(&self) -> std::sync::MutexGuard<'_, Option<tokio::task::JoinHandle<()>>> {
        self.task.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn run(&self) {
        let mut committed = super::committed();
        loop {
            committed.borrow_and_update();
            if let Err(error) = self.run_once().await {
                tracing::error!(error = %error, "outbox pass failed");
            }
            let pause = self.idle_wait().await;
            tokio::select! {
                () = self.wake.notified() => {}
                _ = committed.changed() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Until the next message is due, at most `poll`.
    async fn idle_wait(&self) -> Duration {
        let poll = self.config.poll;
        match store::next_due_at(&self.storage).await {
            Ok(Some(at)) => {
                let wait = at.saturating_sub(self.clock.now().timestamp_millis());
                Duration::from_millis(u64::try_from(wait).unwrap_or(0)).min(poll)
            }
            Ok(None) => poll,
            Err(error) => {
                tracing::warn!(error = %error, "could not read the outbox's next due time");
                poll
            }
        }
    }

    /// One pass: every message due now that this instance can claim gets one attempt.
    pub async fn run_once(&self) -> Result<Pass, Error> {
        let mut pass = Pass::default();
        let due = store::due(&self.storage, self.clock.now().timestamp_millis(), PASS_SIZE).await?;
        for id in due {
            let now = self.clock.now();
            let expires = now.timestamp_millis().saturating_add(millis(self.config.lease_ttl));
            let Some(message) = store::claim(&self.storage, &id, &self.owner, now, expires).await? else {
                // Another instance took it, or it is no longer due.
                continue;
            };
            let started = std::time::Instant::now();
            let attempted = self.attempt(&message).await;
            let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
            match attempted.outcome {
                AttemptOutcome::Delivered => pass.delivered += 1,
                AttemptOutcome::Transient | AttemptOutcome::Abandoned => pass.transient += 1,
                AttemptOutcome::Permanent => pass.permanent += 1,
            }
            if !self.record(&message, &attempted, duration_ms).await? {
                pass.lease_lost += 1;
            }
        }
        Ok(pass)
    }

    async fn attempt(&self, message: &MessageRow) -> Attempted {
        match self.deliverers.get(&message.kind) {
            Some(deliverer) => deliverer.deliver(message).await,
            None => Attempted {
                outcome: AttemptOutcome::Transient,
                reply: format!("this instance cannot deliver {} messages", message.kind.as_str()),
                http_status: None,
            },
        }
    }

    /// Records the attempt and settles the message; `false` if the lease was lost meanwhile.
    async fn record(&self, message: &MessageRow, attempted: &Attempted, duration_ms: i64) -> Result<bool, Error> {
        let now = self.clock.now();
        let attempt = u32::try_from(message.attempts).unwrap_or(u32::MAX);
        let max_retries = self
            .deliverers
            .get(&message.kind)
            .and_then(|deliverer| deliverer.max_retries())
            .unwrap_or(self.config.max_retries);
        let settlement = retry::settle(attempted.outcome, attempt, max_retries, now);
        let reply = retry::bounded_reply(&attempted.reply);
        let record = store::AttemptRecord {
            outcome: attempted.outcome,
            reply: &reply,
            http_status: attempted.http_status,
            duration_ms,
        };
        let settled = store::finish(
            &self.storage,
            &message.id,
            &self.owner,
            message.attempts,
            &record,
            &settlement,
            now,
        )
        .await?;
        match (&settlement, settled) {
            (_, false) => tracing::warn!(message.id = %message.id, "outbox lease lost before the attempt was recorded"),
            (Settlement::Delivered, true) => {
                tracing::info!(message.id = %message.id, kind = message.kind.as_str(), attempt, "outbox message delivered");
            }
            (Settlement::RetryAt(at), true) => {
                tracing::warn!(message.id = %message.id, attempt, retry_at_ms = at, reply = %reply, "outbox attempt failed; will retry");
            }
            (Settlement::Failed, true) => {
                tracing::warn!(message.id = %message.id, attempt, reply = %reply, "outbox message failed for good");
            }
        }
        Ok(settled)
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
