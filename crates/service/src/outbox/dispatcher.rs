//! The dispatcher: takes due outbox messages in batches, one attempt per message at a time across
//! instances, delivers them concurrently within bounds, and records each attempt
//! (ARCHITECTURE.md invariants 17–19, "Outbound deliveries: the outbox").
//!
//! - **Claim**: one transaction takes up to the free capacity of due messages — pending ones
//!   whose time has come, and delivering ones whose lease expired because the instance attempting
//!   them died — with one conditional UPDATE (`storage::outbox::claim_batch`: no row is ever
//!   claimed by two instances), opens their attempts in multi-row INSERTs and closes the dead
//!   instance's attempts as `abandoned`.
//! - **Deliver**: each kind's deliverer first reads what the batch's attempts need at once
//!   ([`Deliver::prepare`]: for webhooks, the subscriptions and the events' bodies); then each
//!   claimed message is attempted in a task of its own through its kind's [`Deliver`]: at most
//!   `endpoint_concurrency` at once to one webhook subscription (a message's `subject_id`, a gate
//!   per subscription), then at most `max_in_flight` attempts at once in this instance (a permit
//!   taken past the gate, so messages waiting for a slow endpoint hold none and the others'
//!   attempts go on). A claim takes up to [`claim_rounds`] rounds of the endpoint's bound per
//!   subscription (it leaves out the subscriptions with a full round in flight), and the instance
//!   holds up to `max_in_flight` × rounds claimed messages: a claimed message waits about that many
//!   rounds of attempts, which the lease (`OUTBOX_LEASE_TTL_MS`) outlasts by one attempt's timeout
//!   (`WEBHOOK_TIMEOUT_MS` or the SMTP timeout, the longer): 4 rounds with the defaults. A message
//!   whose lease runs out first is taken over and may be delivered twice (deliveries are at least
//!   once; the fence keeps the record right).
//! - **Settle**: attempts that ended are recorded together, as [`retry::settle`] decides, in one
//!   transaction of two multi-row statements (`storage::outbox::finish_batch`), each row fenced by
//!   its owner and attempt number.
//!   An attempt frees its endpoint's slot as soon as its answer is in.
//!
//! [`Dispatcher::spawn`] runs this as a pipeline: a settler task records what ended while the
//! claiming loop claims again (at once after a full claim, at most every [`CLAIM_GATHER`] after a
//! short one) as soon as capacity frees and something may be due (woken by [`super::wake_all`] after a commit in this process, by
//! [`Dispatcher::wake`], when the next message is due, or every `OUTBOX_POLL_MS` for what other
//! instances wrote). [`Dispatcher::run_once`] is one deterministic pass for tests: every message
//! due now gets one attempt, and every attempt is recorded before it returns.
//!
//! Time comes from the injected clock, so tests drive passes one at a time and move the clock
//! instead of sleeping. It never builds a message (the kinds do) and never logs a payload.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use arca_protocol::clock::Clock;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

use super::{Attempted, Deliver, MessageKind, Prepared, retry};
use crate::Error;
use crate::storage::outbox::{self as store, AttemptOutcome, ClaimRequest, MessageRow, Settlement};
use crate::storage::{self, Storage};

/// Attempts in flight at once in one instance, every kind together, unless configured.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;

/// A pass of [`Dispatcher::run_once`] stops after this many attempts (the next takes the rest).
const PASS_LIMIT: usize = 1000;

/// At most this many attempts are recorded in one transaction.
const SETTLE_BATCH: usize = 500;

/// After a claim that came back short, the next one waits this long from it: under a stream of
/// commits (each wakes the loop) one claim takes what arrived meanwhile, instead of one claim
/// per message. A delivery waits at most this much more; a full claim is followed at once.
const CLAIM_GATHER: Duration = Duration::from_millis(10);

/// Aborts a task when dropped (the settler goes with the pipeline that feeds it).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The dispatcher's knobs (`OUTBOX_*`, see `config::EmailConfig`, and
/// `WEBHOOK_ENDPOINT_CONCURRENCY`).
#[derive(Debug, Clone, Copy)]
pub struct DispatcherConfig {
    /// Retries after the first attempt on transient failures (a kind may have its own,
    /// [`Deliver::max_retries`]).
    pub max_retries: u32,
    /// How long an attempt holds its message.
    pub lease_ttl: Duration,
    /// The longest idle wait between passes.
    pub poll: Duration,
    /// Attempts in flight at once in this instance.
    pub max_in_flight: usize,
    /// Attempts in flight at once to one webhook subscription in this instance.
    pub endpoint_concurrency: usize,
    /// How many rounds of `endpoint_concurrency` attempts one claim may take for one
    /// subscription ([`claim_rounds`]): the rest of a round waits at the endpoint's gate.
    pub endpoint_rounds: usize,
}

/// The most rounds a claim takes per webhook subscription.
const MAX_ENDPOINT_ROUNDS: usize = 8;

/// How many rounds of attempts one claim may take (per webhook subscription, of its bound; and
/// of `max_in_flight` for the instance), so that the last claimed message still starts before
/// its lease ends: a message of round `k` waits for `k − 1` rounds of attempts, each at most
/// `attempt_timeout` (the longest of any kind's), and then takes one itself, so `k` rounds need
/// `(k + 1) × attempt_timeout` below the lease (one round of margin). At least 1, at most
/// [`MAX_ENDPOINT_ROUNDS`]: 4 with the defaults (300 s lease; 60 s SMTP, 30 s webhook). Pure.
pub fn claim_rounds(lease_ttl: Duration, attempt_timeout: Duration) -> usize {
    let timeout = attempt_timeout.as_millis().max(1);
    let fits = lease_ttl.as_millis() / timeout;
    usize::try_from(fits.saturating_sub(1))
        .unwrap_or(usize::MAX)
        .clamp(1, MAX_ENDPOINT_ROUNDS)
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

    fn add(&mut self, other: &Pass) {
        self.delivered += other.delivered;
        self.transient += other.transient;
        self.permanent += other.permanent;
        self.lease_lost += other.lease_lost;
    }
}

/// One attempt that ended, waiting to be recorded.
struct Ended {
    message: MessageRow,
    attempted: Attempted,
    elapsed: Duration,
}

/// Webhook subscriptions with attempts in flight in this instance: how many, and the gate that
/// holds the rest back.
#[derive(Default)]
struct Endpoints {
    in_flight: HashMap<String, (usize, Arc<Semaphore>)>,
}

impl Endpoints {
    /// Counts one more attempt to `subject` and gives the gate it must pass.
    fn enter(&mut self, subject: &str, bound: usize) -> Arc<Semaphore> {
        let entry = self
            .in_flight
            .entry(subject.to_string())
            .or_insert_with(|| (0, Arc::new(Semaphore::new(bound.max(1)))));
        entry.0 += 1;
        Arc::clone(&entry.1)
    }

    fn leave(&mut self, subject: &str) {
        if let Some(entry) = self.in_flight.get_mut(subject) {
            entry.0 = entry.0.saturating_sub(1);
            if entry.0 == 0 {
                self.in_flight.remove(subject);
            }
        }
    }

    /// The subscriptions at their bound (a claim leaves them out).
    fn busy(&self, bound: usize) -> Vec<String> {
        self.in_flight
            .iter()
            .filter(|(_, (count, _))| *count >= bound)
            .map(|(subject, _)| subject.clone())
            .collect()
    }
}

/// One attempt's place in its endpoint's count, given back when dropped (also when the attempt's
/// task panics or is aborted).
struct Slot {
    endpoints: Arc<Mutex<Endpoints>>,
    subject: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .leave(&self.subject);
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
    endpoints: Arc<Mutex<Endpoints>>,
    /// One permit per attempt in flight in this instance (`max_in_flight`), taken once the
    /// attempt is through its endpoint's gate: messages waiting for a slow endpoint hold none.
    attempting: Arc<Semaphore>,
    wake: Notify,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
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
            endpoints: Arc::new(Mutex::new(Endpoints::default())),
            attempting: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
            wake: Notify::new(),
            task: Mutex::new(None),
        }
    }

    /// This dispatcher's lease owner name.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Runs the pipeline in the background until [`Dispatcher::stop`] (or the runtime ends).
    pub fn spawn(self: &Arc<Self>) {
        let dispatcher = Arc::clone(self);
        let handle = tokio::spawn(async move { dispatcher.run().await });
        if let Some(previous) = self.lock_task().replace(handle) {
            previous.abort();
        }
    }

    /// Stops the background pipeline (attempts under way are dropped; their leases expire and
    /// another instance, or this one's next start, takes the messages over).
    pub fn stop(&self) {
        if let Some(handle) = self.lock_task().take() {
            handle.abort();
        }
    }

    /// Asks for a claim now (a message was just enqueued in this instance).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    fn lock_task(&self) -> std::sync::MutexGuard<'_, Option<tokio::task::JoinHandle<()>>> {
        self.task.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_endpoints(&self) -> std::sync::MutexGuard<'_, Endpoints> {
        self.endpoints.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn max_in_flight(&self) -> usize {
        self.config.max_in_flight.max(1)
    }

    fn endpoint_bound(&self) -> usize {
        self.config.endpoint_concurrency.max(1)
    }

    /// How many messages of one subscription this instance holds at once, attempted or waiting
    /// at its gate: the bound times the rounds a claim may take.
    fn endpoint_share(&self) -> usize {
        self.endpoint_bound().saturating_mul(self.config.endpoint_rounds.max(1))
    }

    /// The pipeline: claim while there is room and something may be due; attempts that end
    /// go to a settler task of their own, which records them in batches while claims go on.
    async fn run(self: Arc<Self>) {
        let mut committed = super::committed();
        let (ended_tx, ended_rx) = tokio::sync::mpsc::unbounded_channel::<Ended>();
        let _settler = AbortOnDrop(tokio::spawn(Arc::clone(&self).settle_continuously(ended_rx)));
        let mut attempts: JoinSet<Ended> = JoinSet::new();
        // Claimed messages held at once: attempting, or waiting at their endpoint's gate.
        let max = self.max_in_flight().saturating_mul(self.config.endpoint_rounds.max(1));
        let mut look = true;
        // When the last claim came back short (the backlog was drained), so none closer together.
        let mut short_claim_at: Option<Instant> = None;
        // The endpoints at their bound after the last claim came back short: while all of them
        // still are, an ended attempt frees nothing a claim could take (it would only read the
        // backlog behind them again); a commit, a wake-up or the poll still look.
        let mut short_while_busy: Option<Vec<String>> = None;
        loop {
            let room = max.saturating_sub(attempts.len());
            if look && room > 0 {
                if let Some(at) = short_claim_at {
                    // Messages trickling in (a commit wakes this loop each) are taken together.
                    tokio::time::sleep_until((at + CLAIM_GATHER).into()).await;
                }
                committed.borrow_and_update();
                let claimed_at = Instant::now();
                match self.claim(room).await {
                    Ok(claimed) => {
                        // A full claim means more may be waiting; a short one that nothing more is
                        // due except for busy endpoints, which an ending attempt frees.
                        look = claimed.len() == room;
                        short_claim_at = (!look).then_some(claimed_at);
                        self.start_all(&mut attempts, claimed).await;
                        // Counted with what this claim took.
                        short_while_busy = (!look).then(|| self.lock_endpoints().busy(self.endpoint_bound()));
                    }
                    Err(error) => {
                        tracing::error!(error = %error, "outbox claim failed");
                        look = false;
                    }
                }
                if look && attempts.len() < max {
                    continue;
                }
            }
            let pause = if attempts.is_empty() {
                self.idle_wait().await
            } else {
                self.config.poll
            };
            tokio::select! {
                Some(joined) = attempts.join_next(), if !attempts.is_empty() => {
                    let mut ended = Vec::new();
                    collect(&mut ended, joined);
                    while let Some(joined) = attempts.try_join_next() {
                        collect(&mut ended, joined);
                    }
                    for end in ended {
                        // The settler lives as long as this loop.
                        let _ = ended_tx.send(end);
                    }
                    look = match &short_while_busy {
                        Some(busy) => self.frees_any(busy),
                        None => true,
                    };
                }
                () = self.wake.notified() => look = true,
                _ = committed.changed() => look = true,
                () = tokio::time::sleep(pause) => look = true,
            }
        }
    }

    /// Records ended attempts as they come, everything that is waiting in one transaction.
    async fn settle_continuously(self: Arc<Self>, mut ended: tokio::sync::mpsc::UnboundedReceiver<Ended>) {
        while let Some(first) = ended.recv().await {
            let mut batch = vec![first];
            while batch.len() < SETTLE_BATCH {
                match ended.try_recv() {
                    Ok(end) => batch.push(end),
                    Err(_) => break,
                }
            }
            if let Err(error) = self.settle(batch).await {
                tracing::error!(error = %error, "outbox attempts could not be recorded; their leases will expire and they will be attempted again");
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

    /// One pass: every message due now that this instance can claim gets one attempt (at most
    /// [`PASS_LIMIT`]), attempted concurrently within the bounds and recorded before it returns.
    pub async fn run_once(&self) -> Result<Pass, Error> {
        let mut pass = Pass::default();
        let mut attempted = 0;
        while attempted < PASS_LIMIT {
            let claimed = self.claim(self.max_in_flight().min(PASS_LIMIT - attempted)).await?;
            if claimed.is_empty() {
                break;
            }
            attempted += claimed.len();
            let mut attempts = JoinSet::new();
            self.start_all(&mut attempts, claimed).await;
            let mut ended = Vec::new();
            while let Some(joined) = attempts.join_next().await {
                collect(&mut ended, joined);
            }
            pass.add(&self.settle(ended).await?);
        }
        Ok(pass)
    }

    /// Whether an endpoint of `busy` (at its bound after the last short claim) no longer is.
    fn frees_any(&self, busy: &[String]) -> bool {
        let now = self.lock_endpoints().busy(self.endpoint_bound());
        busy.iter().any(|subject| !now.contains(subject))
    }

    /// Claims up to `room` due messages, leaving out the endpoints at their bound.
    async fn claim(&self, room: usize) -> Result<Vec<MessageRow>, Error> {
        if room == 0 {
            return Ok(Vec::new());
        }
        // A subscription is left out while a round of its attempts is full; once it is not, the
        // claim takes up to `share` more (its last one waits at most `endpoint_rounds` rounds).
        let busy = self.lock_endpoints().busy(self.endpoint_bound());
        let share = self.endpoint_share();
        let now = self.clock.now();
        let request = ClaimRequest {
            owner: &self.owner,
            now,
            lease_expires_at: now.timestamp_millis().saturating_add(millis(self.config.lease_ttl)),
            limit: i64::try_from(room).unwrap_or(i64::MAX),
            per_subject: i64::try_from(share).unwrap_or(i64::MAX),
            busy_subjects: &busy,
        };
        let (claimed, abandoned) = store::claim_batch(&self.storage, &request).await?;
        crate::metrics::record_webhook_abandoned(abandoned);
        Ok(claimed)
    }

    /// Starts the attempts of a claimed batch, each kind's messages with what its deliverer
    /// prepared for them ([`Deliver::prepare`]: one read for the batch).
    async fn start_all(&self, attempts: &mut JoinSet<Ended>, claimed: Vec<MessageRow>) {
        let mut prepared: HashMap<MessageKind, Prepared> = HashMap::new();
        for (kind, deliverer) in &self.deliverers {
            let batch: Vec<&MessageRow> = claimed.iter().filter(|message| message.kind == *kind).collect();
            if !batch.is_empty() {
                prepared.insert(*kind, deliverer.prepare(&batch).await);
            }
        }
        for message in claimed {
            let batch = prepared.get(&message.kind).cloned().unwrap_or_default();
            self.start(attempts, message, batch);
        }
    }

    /// Starts `message`'s attempt in `attempts`, behind its endpoint's gate for a webhook.
    fn start(&self, attempts: &mut JoinSet<Ended>, message: MessageRow, prepared: Prepared) {
        let gate = (message.kind == MessageKind::Webhook)
            .then(|| self.lock_endpoints().enter(&message.subject_id, self.endpoint_bound()));
        let deliverer = self.deliverers.get(&message.kind).cloned();
        // The endpoint's slot is free once the attempt is over (answered, or the task gone).
        let slot = gate.as_ref().map(|_| Slot {
            endpoints: Arc::clone(&self.endpoints),
            subject: message.subject_id.clone(),
        });
        let attempting = Arc::clone(&self.attempting);
        attempts.spawn(async move {
            // The gates are never closed, so acquiring only waits: the endpoint's first, then one
            // of the instance's attempt permits.
            let _permit = match &gate {
                Some(gate) => gate.acquire().await.ok(),
                None => None,
            };
            let _attempting = attempting.acquire().await.ok();
            let started = Instant::now();
            let attempted = match deliverer {
                Some(deliverer) => deliverer.deliver(&message, &prepared).await,
                None => Attempted {
                    outcome: AttemptOutcome::Transient,
                    reply: format!("this instance cannot deliver {} messages", message.kind.as_str()),
                    http_status: None,
                },
            };
            let elapsed = started.elapsed();
            // Recording comes after: the endpoint may take its next attempt now.
            drop(slot);
            Ended {
                message,
                attempted,
                elapsed,
            }
        });
    }

    /// Records the attempts that ended and settles their messages, in one transaction.
    async fn settle(&self, ended: Vec<Ended>) -> Result<Pass, Error> {
        let mut pass = Pass::default();
        if ended.is_empty() {
            return Ok(pass);
        }
        let now = self.clock.now();
        let replies: Vec<String> = ended
            .iter()
            .map(|end| retry::bounded_reply(&end.attempted.reply))
            .collect();
        let finishes: Vec<store::Finish<'_>> = ended
            .iter()
            .zip(&replies)
            .map(|(end, reply)| {
                let attempt = u32::try_from(end.message.attempts).unwrap_or(u32::MAX);
                let max_retries = self
                    .deliverers
                    .get(&end.message.kind)
                    .and_then(|deliverer| deliverer.max_retries())
                    .unwrap_or(self.config.max_retries);
                store::Finish {
                    id: &end.message.id,
                    number: end.message.attempts,
                    attempt: store::AttemptRecord {
                        outcome: end.attempted.outcome,
                        reply,
                        http_status: end.attempted.http_status,
                        duration_ms: i64::try_from(end.elapsed.as_millis()).unwrap_or(i64::MAX),
                    },
                    settlement: retry::settle(end.attempted.outcome, attempt, max_retries, now),
                }
            })
            .collect();
        let settled = store::finish_batch(&self.storage, &self.owner, &finishes, now).await?;
        for ((end, finish), held) in ended.iter().zip(&finishes).zip(settled) {
            let outcome = end.attempted.outcome;
            match outcome {
                AttemptOutcome::Delivered => pass.delivered += 1,
                AttemptOutcome::Transient | AttemptOutcome::Abandoned => pass.transient += 1,
                AttemptOutcome::Permanent => pass.permanent += 1,
            }
            if end.message.kind == MessageKind::Webhook {
                crate::metrics::record_webhook_attempt(outcome.as_str(), end.elapsed);
            }
            log(&end.message, finish, held);
            if !held {
                pass.lease_lost += 1;
            }
        }
        Ok(pass)
    }
}

/// Adds a finished attempt task's result to `ended` (a task that panicked leaves its message to
/// the lease: it is taken over once the lease expires).
fn collect(ended: &mut Vec<Ended>, joined: Result<Ended, tokio::task::JoinError>) {
    match joined {
        Ok(end) => ended.push(end),
        Err(error) => tracing::error!(error = %error, "an outbox attempt stopped without an outcome"),
    }
}

fn log(message: &MessageRow, finish: &store::Finish<'_>, held: bool) {
    let attempt = finish.number;
    let reply = finish.attempt.reply;
    match (&finish.settlement, held) {
        (_, false) => tracing::warn!(message.id = %message.id, "outbox lease lost before the attempt was recorded"),
        // A webhook delivered is one of many per second under load: the delivery log has it.
        (Settlement::Delivered, true) if message.kind == MessageKind::Webhook => {
            tracing::debug!(message.id = %message.id, kind = message.kind.as_str(), attempt, "outbox message delivered");
        }
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
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_takes_as_many_rounds_as_the_lease_outlasts_plus_one() {
        let secs = Duration::from_secs;
        // The defaults: 300 s lease, 60 s SMTP timeout → 4; a 30 s timeout alone would give 8.
        assert_eq!(claim_rounds(secs(300), secs(60)), 4);
        assert_eq!(claim_rounds(secs(300), secs(30)), 8);
        assert_eq!(claim_rounds(secs(3000), secs(30)), MAX_ENDPOINT_ROUNDS);
        assert_eq!(claim_rounds(secs(120), secs(30)), 3);
        assert_eq!(claim_rounds(secs(90), secs(30)), 2);
        // Two timeouts or less: one round, as the lease allows no more.
        assert_eq!(claim_rounds(secs(60), secs(30)), 1);
        assert_eq!(claim_rounds(secs(31), secs(30)), 1);
        assert_eq!(claim_rounds(secs(10), Duration::ZERO), MAX_ENDPOINT_ROUNDS);
    }
}
