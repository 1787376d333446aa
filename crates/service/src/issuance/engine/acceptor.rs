//! Group commit of accepted invoices (ARCHITECTURE.md "The request path").
//!
//! Every accepted invoice costs one transaction of its own — the insert, its `invoice.created`
//! event and delivery, its usage count, the notification, the commit — and under load those
//! transactions, not the checks before them, are most of the database's work. So the invoices
//! that requests submit while the [`WRITERS`] are busy wait in one queue, and a writer that comes
//! free takes all of them (up to [`MAX_GROUP`]) and stores them in one transaction: one
//! multi-row insert, one read of the accounts' subscriptions, one insert of the events and one of
//! their deliveries, one usage update per account and month, one notification per series and one
//! commit. A lone request waits for no one: it is taken at once and stored as before.
//!
//! A group is all or nothing, and only the common case: an idempotency key the account already
//! used, a quota passed or one of its alerts' thresholds crossed, or any error, rolls the whole
//! group back, and each of its invoices is then submitted alone, through the one-invoice
//! transaction that decides each of those cases. So grouping changes how many commits the
//! invoices took, never what any of them is answered.
//!
//! It never validates, numbers or sends an invoice, and never stores a note or a `mode: simple`
//! audit (those are submitted alone: a note locks its original first).

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

use super::{Engine, Error, Inner, NewInvoice, Submitted};
use crate::alerts::warning_at;
use crate::storage::invoices::{self, NewInvoiceRow};
use crate::storage::series::SeriesKey;
use crate::storage::{notifications, usage};
use crate::webhooks::invoice_events;

/// The most invoices one group stores.
pub const MAX_GROUP: usize = 64;

/// Groups stored at once, each on a connection of the API's pool.
pub const WRITERS: usize = 4;

/// Invoices waiting for a writer, at most; a request past it waits for room. (The HTTP layer's
/// connection cap bounds the requests anyway.)
const QUEUE: usize = 2 * MAX_GROUP * WRITERS;

/// An invoice waiting to be stored, and where its answer goes.
pub(super) struct Entry {
    invoice: NewInvoice,
    row: NewInvoiceRow,
    reply: oneshot::Sender<Result<Submitted, Error>>,
}

/// The queue and its writers.
pub(super) struct Acceptor {
    sender: mpsc::Sender<Entry>,
    writers: Vec<JoinHandle<()>>,
}

impl Acceptor {
    /// Starts the writers. They hold the engine weakly: a dropped engine closes the queue and
    /// ends them.
    pub(super) fn start(engine: Weak<Inner>) -> Acceptor {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let receiver = Arc::new(Mutex::new(receiver));
        let writers = (0..WRITERS)
            .map(|_| tokio::spawn(write_groups(engine.clone(), receiver.clone())))
            .collect();
        Acceptor { sender, writers }
    }

    /// Stores the invoice (alone or in a group) and answers as [`Engine::submit`] does. The
    /// writer, not the request, runs the transaction: a request given up half-way does not
    /// roll back the others of its group.
    pub(super) async fn submit(&self, invoice: NewInvoice, row: NewInvoiceRow) -> Result<Submitted, Error> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Entry { invoice, row, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Stops the writers at their next await point, as a crash would.
    pub(super) fn stop(&self) {
        for writer in &self.writers {
            writer.abort();
        }
    }
}

/// The engine was stopped: whether the invoice was stored is not known (its idempotency key
/// tells, when the request comes again).
fn stopped() -> Error {
    Error::Storage(crate::Error::Database(sqlx::Error::PoolClosed))
}

/// A writer: takes what is queued (waiting only when nothing is), stores it, and again.
async fn write_groups(engine: Weak<Inner>, receiver: Arc<Mutex<mpsc::Receiver<Entry>>>) {
    loop {
        let mut group = Vec::new();
        {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else {
                return;
            };
            group.push(first);
            while group.len() < MAX_GROUP {
                match receiver.try_recv() {
                    Ok(entry) => group.push(entry),
                    Err(_) => break,
                }
            }
        }
        let Some(inner) = engine.upgrade() else {
            return;
        };
        Engine { inner }.store(group).await;
    }
}

/// An answer of [`Engine::submit_group`]: known at once, or from the group.
enum Answer {
    Now(Result<Submitted, Error>),
    Later(oneshot::Receiver<Result<Submitted, Error>>),
}

/// Why a group was not committed as one: each of its invoices is then submitted alone.
#[derive(Debug)]
enum Fallback {
    /// An insert met a unique constraint (an idempotency key used before).
    Conflict,
    /// An account with a quota passed it, or crossed one of its alerts' thresholds.
    Quota,
    Failed(Error),
}

impl Engine {
    /// Submits `invoices` as one group, as a writer stores what was queued meanwhile (a note or
    /// an invoice the engine cannot queue is answered alone): one answer per invoice, in order,
    /// each what [`Engine::submit`] would have answered it.
    pub async fn submit_group(&self, invoices: Vec<NewInvoice>) -> Vec<Result<Submitted, Error>> {
        let mut group = Vec::new();
        let mut answers = Vec::with_capacity(invoices.len());
        for invoice in invoices {
            let row = match super::new_row(&invoice) {
                Ok(row) => row,
                Err(error) => {
                    answers.push(Answer::Now(Err(error)));
                    continue;
                }
            };
            if invoice.note.is_some() {
                answers.push(Answer::Now(self.submit_alone(invoice, row, None).await));
                continue;
            }
            let (reply, answer) = oneshot::channel();
            group.push(Entry { invoice, row, reply });
            answers.push(Answer::Later(answer));
        }
        self.store(group).await;
        let mut results = Vec::with_capacity(answers.len());
        for answer in answers {
            results.push(match answer {
                Answer::Now(result) => result,
                Answer::Later(answer) => answer.await.unwrap_or_else(|_| Err(stopped())),
            });
        }
        results
    }

    /// Stores a group: one transaction when it holds more than one invoice and nothing in it is
    /// out of the ordinary, otherwise each invoice alone.
    async fn store(&self, group: Vec<Entry>) {
        if group.is_empty() {
            return;
        }
        if let [_] = group.as_slice() {
            let Some(entry) = group.into_iter().next() else { return };
            let answer = self.submit_alone(entry.invoice, entry.row, None).await;
            let _ = entry.reply.send(answer);
            return;
        }
        match self.commit_group(&group).await {
            Ok(()) => {
                crate::metrics::record_acceptance_group(group.len());
                for entry in group {
                    let _ = entry.reply.send(Ok(Submitted::accepted(&entry.row)));
                }
            }
            Err(fallback) => {
                if let Fallback::Failed(error) = &fallback {
                    tracing::warn!(error = %error, invoices = group.len(), "a group of acceptances failed: each is stored alone");
                } else {
                    tracing::debug!(reason = ?fallback, invoices = group.len(), "a group of acceptances is stored one by one");
                }
                let mut alone = JoinSet::new();
                for entry in group {
                    let engine = self.clone();
                    alone.spawn(async move {
                        let answer = engine.submit_alone(entry.invoice, entry.row, None).await;
                        let _ = entry.reply.send(answer);
                    });
                }
                while alone.join_next().await.is_some() {}
            }
        }
    }

    /// The group's one transaction; rolled back (dropped) on any [`Fallback`].
    async fn commit_group(&self, group: &[Entry]) -> Result<(), Fallback> {
        let storage = &self.inner.storage;
        let context = &self.inner.context;
        let mut transaction = storage.begin().await.map_err(failed)?;
        // Sorted by idempotency key: two groups holding the same keys wait for each other in
        // one order, never in a cycle.
        let mut rows: Vec<&NewInvoiceRow> = group.iter().map(|entry| &entry.row).collect();
        rows.sort_by(|a, b| (&a.account_id, &a.idempotency_key).cmp(&(&b.account_id, &b.idempotency_key)));
        let inserted = invoices::insert_many(&mut transaction, &rows).await.map_err(failed)?;
        if inserted.len() != rows.len() {
            return Err(Fallback::Conflict);
        }
        let ids: Vec<String> = group.iter().map(|entry| entry.row.id.clone()).collect();
        let now = group
            .iter()
            .map(|entry| entry.row.created_at)
            .max()
            .unwrap_or_else(crate::storage::now);
        let emitted = invoice_events::announce_created(&mut transaction, &ids, &context.config.links, now)
            .await
            .map_err(failed)?;
        // Usage last (its rows are the contended ones), in one order: (account, month).
        let mut counts: BTreeMap<(&str, &str), (i64, Option<i64>)> = BTreeMap::new();
        for entry in group {
            if let Some((month, quota)) = &entry.invoice.usage {
                counts
                    .entry((entry.invoice.account_id.as_str(), month.as_str()))
                    .or_insert((0, *quota))
                    .0 += 1;
            }
        }
        for ((account_id, month), (count, quota)) in counts {
            match quota {
                None => usage::count_usage(&mut transaction, account_id, month, count)
                    .await
                    .map_err(failed)?,
                Some(quota) => {
                    let used = usage::increment_usage(&mut transaction, account_id, month, count)
                        .await
                        .map_err(failed)?;
                    let before = used - count;
                    let crossed = |mark: i64| before < mark && mark <= used;
                    if used > quota || crossed(warning_at(quota)) || crossed(quota) {
                        return Err(Fallback::Quota);
                    }
                }
            }
        }
        let series: Vec<&SeriesKey> = {
            let mut series: Vec<&SeriesKey> = rows.iter().map(|row| &row.series).collect();
            series.sort();
            series.dedup();
            series
        };
        for key in &series {
            let work = notifications::Message::Work {
                from: context.owner.clone(),
                series: (*key).clone(),
            };
            notifications::send(&mut transaction, &work).await.map_err(failed)?;
        }
        transaction.commit().await.map_err(failed)?;
        if emitted > 0 {
            crate::outbox::wake_all();
        }
        for key in series {
            self.wake(key);
        }
        Ok(())
    }
}

fn failed(error: impl Into<Error>) -> Fallback {
    Fallback::Failed(error.into())
}
