//! [`Engine`]: the issuance engine's public face.
//!
//! `submit` commits the invoice as `pending` before returning (ARCHITECTURE.md invariant 5), counted in the
//! account's usage in the same transaction — with the invoices other requests submit meanwhile
//! (`engine/acceptor.rs`, group commit) —, and wakes its series' worker: in process through a
//! [`Notify`], in the other instances through a PostgreSQL notification sent by that
//! transaction ([`notifications`]). Workers publish the statuses they commit the same two ways,
//! so `wait` on any instance returns as soon as the result is stored. The database is still
//! looked at now and then ([`EngineConfig::idle_poll`], [`EngineConfig::wait_recheck`]), for a
//! notification lost while a listener reconnected.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use arca_protocol::compose::UNNUMBERED;
use arca_protocol::voucher::Voucher;
use arca_protocol::wsfe::FECAEDetRequest;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use self::acceptor::Acceptor;
use super::notify::Watchers;
use super::port::ArcaPort;
use super::series::WorkerContext;
use super::{EngineConfig, Error};
use crate::storage::invoices::{self, Amounts, Inserted, InvoiceRow, InvoiceStatus, NewInvoiceRow, NoteKind};
use crate::storage::series::SeriesKey;
use crate::storage::{self, Storage, notifications, usage};
use crate::webhooks::EventType;
use crate::webhooks::invoice_events;

mod acceptor;

/// An invoice to issue: the composed, pre-validated voucher (unnumbered) and its account.
#[derive(Debug, Clone)]
pub struct NewInvoice {
    pub account_id: String,
    /// The issuer's CUIT (11 digits).
    pub cuit: String,
    pub voucher: Voucher,
    /// The API's view of the invoice (JSON), kept for rendering.
    pub document: Option<String>,
    pub cliente_nombre: Option<String>,
    pub idempotency_key: Option<String>,
    /// A hash of the request body, compared when the idempotency key comes again.
    pub request_hash: Option<String>,
    /// The month (`YYYY-MM`) whose usage counts the invoice, and the account's monthly quota
    /// (`None`: unlimited). `None` counts nothing.
    pub usage: Option<(String, Option<i64>)>,
    /// Accept it as `pending_retry`, not to be sent before this time (the ARCA circuit breaker
    /// is open); `None`: send it now.
    pub deferred_until: Option<chrono::DateTime<chrono::Utc>>,
    /// For a credit or debit note (`invoices::notes`): the invoice it adjusts; `None` otherwise.
    pub note: Option<NoteOf>,
}

/// What makes an invoice a note: its original, what it does to it, and the original's live
/// notes its balance was computed from. `submit` locks the original and refuses the note with
/// [`Error::NotesChanged`] when they are no longer exactly those (another note was accepted, or
/// one failed, in between): the caller computes the balance again. So two concurrent notes
/// never together exceed it.
#[derive(Debug, Clone)]
pub struct NoteOf {
    pub original_id: String,
    pub kind: NoteKind,
    /// The ids of the original's notes that were not `failed`, sorted.
    pub seen: Vec<String>,
}

/// What `submit` did.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub id: String,
    /// `false` when the idempotency key returned an existing invoice.
    pub created: bool,
    /// The invoice as this submit committed it (`pending`, or `pending_retry` when deferred),
    /// so an answer that does not wait needs no read; `None` for an existing invoice and for
    /// one issued under CAEA (approved in the same transaction).
    pub accepted: Option<Box<InvoiceRow>>,
}

impl Submitted {
    /// The invoice an idempotency key (or a live cancellation) already made.
    fn existing(id: String) -> Submitted {
        Submitted {
            id,
            created: false,
            accepted: None,
        }
    }

    /// `row`, just committed.
    fn accepted(row: &NewInvoiceRow) -> Submitted {
        Submitted {
            id: row.id.clone(),
            created: true,
            accepted: Some(Box::new(row.as_accepted())),
        }
    }
}

/// The engine; cloning shares it.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    /// The API's side: `submit`, `resubmit` and `wait` (one query per request each).
    storage: Storage,
    /// What the series workers share: their own pool (see [`Engine::start_with_worker_pool`]:
    /// a worker's queries never queue behind the API's requests — a worker step is sequential,
    /// and its cycle bounds throughput), the ARCA port, the lease owner name, the timing knobs,
    /// and the waiters they publish statuses to.
    context: Arc<WorkerContext>,
    workers: Mutex<HashMap<SeriesKey, Worker>>,
    /// The task relaying other instances' notifications (PostgreSQL only).
    listener: Mutex<Option<JoinHandle<()>>>,
    /// Group commit of accepted invoices ([`acceptor`]), started by the first `submit`.
    acceptor: OnceLock<Acceptor>,
}

struct Worker {
    wake: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Engine {
    /// An engine with no worker running yet (see [`Engine::start`]).
    pub fn new(storage: Storage, port: Arc<dyn ArcaPort>, config: EngineConfig) -> Engine {
        Engine::with_worker_pool(storage.clone(), storage, port, config)
    }

    /// An engine whose series workers use `worker_storage` (the same database through another
    /// pool) and whose `submit`, `resubmit` and `wait` use `storage`.
    pub fn with_worker_pool(
        storage: Storage,
        worker_storage: Storage,
        port: Arc<dyn ArcaPort>,
        config: EngineConfig,
    ) -> Engine {
        Engine {
            inner: Arc::new(Inner {
                storage,
                context: Arc::new(WorkerContext {
                    storage: worker_storage,
                    port,
                    owner: storage::new_id("engine"),
                    config,
                    watchers: Watchers::default(),
                }),
                workers: Mutex::new(HashMap::new()),
                listener: Mutex::new(None),
                acceptor: OnceLock::new(),
            }),
        }
    }

    /// Starts an engine, its listener for the other instances' notifications (PostgreSQL), and
    /// a worker for every series with a non-final invoice (pending, in flight, pending_retry):
    /// what a restart resumes (ARCHITECTURE.md invariant 5).
    pub async fn start(storage: Storage, port: Arc<dyn ArcaPort>, config: EngineConfig) -> Result<Engine, Error> {
        Engine::start_with_worker_pool(storage.clone(), storage, port, config).await
    }

    /// [`Engine::start`] with [`Engine::with_worker_pool`]'s two pools.
    pub async fn start_with_worker_pool(
        storage: Storage,
        worker_storage: Storage,
        port: Arc<dyn ArcaPort>,
        config: EngineConfig,
    ) -> Result<Engine, Error> {
        let engine = Engine::with_worker_pool(storage, worker_storage, port, config);
        // Listening before looking at the database: work queued in between is not missed.
        if let Some(listener) = notifications::listen(&engine.inner.storage).await? {
            let task = tokio::spawn(listen(Arc::downgrade(&engine.inner), listener));
            *engine.inner.lock_listener() = Some(task);
        }
        for key in invoices::series_with_open_invoices(&engine.inner.storage).await? {
            engine.wake(&key);
        }
        Ok(engine)
    }

    /// This instance's lease owner name.
    pub fn owner(&self) -> &str {
        &self.inner.context.owner
    }

    /// The links its `invoice.*` events carry.
    pub fn links(&self) -> &crate::webhooks::data::InvoiceLinker {
        &self.inner.context.config.links
    }

    /// Commits the invoice as `pending` and wakes its series' worker. With an idempotency key the
    /// account used before, returns that invoice (same request hash) or refuses (another one).
    /// The invoice and its usage count commit together; when the count passes the quota (two
    /// requests raced past the HTTP layer's check) nothing is stored and the quota error returns.
    pub async fn submit(&self, invoice: NewInvoice) -> Result<Submitted, Error> {
        self.submit_with(invoice, None).await
    }

    /// [`Engine::submit`], storing `audit` (a `mode: simple` invoice's description and model
    /// answer, `storage::ai_drafts`) in the transaction that stores a new invoice; a repeat of
    /// an idempotent request stores nothing more.
    pub async fn submit_with(
        &self,
        invoice: NewInvoice,
        audit: Option<&storage::ai_drafts::Audit>,
    ) -> Result<Submitted, Error> {
        let row = new_row(&invoice)?;
        if invoice.note.is_none() && audit.is_none() {
            // Stored by a writer, with what other requests submit meanwhile (group commit).
            let inner = &self.inner;
            let acceptor = inner.acceptor.get_or_init(|| Acceptor::start(Arc::downgrade(inner)));
            return acceptor.submit(invoice, row).await;
        }
        self.submit_alone(invoice, row, audit).await
    }

    /// [`Engine::submit_with`] in a transaction of its own: what a note, an audited invoice, a
    /// lone acceptance and each invoice of a group that could not be committed as one go
    /// through.
    async fn submit_alone(
        &self,
        invoice: NewInvoice,
        row: NewInvoiceRow,
        audit: Option<&storage::ai_drafts::Audit>,
    ) -> Result<Submitted, Error> {
        let series = row.series.clone();
        let now = row.created_at;
        let mut transaction = self.inner.storage.begin().await?;
        if let Some(note) = &invoice.note {
            // Notes of one original are accepted one at a time (a row lock on PostgreSQL, the
            // write lock on SQLite), each against the notes it saw.
            let live = invoices::lock_original(&mut transaction, &note.original_id).await?;
            // A repeat of a note already accepted is answered before the notes it saw are
            // compared: the note it repeats is among them now.
            if let Some(key) = &invoice.idempotency_key
                && let Some((id, hash)) =
                    invoices::find_by_idempotency_key_in(&mut transaction, &invoice.account_id, key).await?
            {
                if hash == invoice.request_hash {
                    return Ok(Submitted::existing(id));
                }
                return Err(Error::IdempotencyConflict { id });
            }
            if live.as_ref() != Some(&note.seen) {
                return Err(Error::NotesChanged {
                    id: note.original_id.clone(),
                });
            }
        }
        match invoices::insert(&mut transaction, &row).await? {
            Inserted::Created => {}
            Inserted::Existing { id, request_hash } if request_hash == invoice.request_hash => {
                return Ok(Submitted::existing(id));
            }
            Inserted::Existing { id, .. } => return Err(Error::IdempotencyConflict { id }),
            // A second cancellation of one invoice is the first one, whatever its key.
            Inserted::LiveCancellation { id } => return Ok(Submitted::existing(id)),
        }
        if let Some(audit) = audit {
            let audit = storage::ai_drafts::AiDraftRow::new(audit, &row.id, &invoice.account_id, now);
            storage::ai_drafts::insert(&mut transaction, &audit).await?;
        }
        // `invoice.created` right after the insert, in its transaction, and before the quota
        // check: a submit refused for quota rolls both back (ARCHITECTURE.md "Webhook events").
        // With no subscription this costs the one query that finds none.
        let subscriptions = storage::webhooks::enabled_for_account(&mut transaction, &invoice.account_id).await?;
        let mut emitted = invoice_events::emit_one(
            &mut transaction,
            &subscriptions,
            EventType::InvoiceCreated,
            &row.id,
            &self.inner.context.config.links,
            now,
        )
        .await?;
        emitted |= self
            .count_usage(&mut transaction, &invoice, &subscriptions, now)
            .await?;
        let work = notifications::Message::Work {
            from: self.inner.context.owner.clone(),
            series: series.clone(),
        };
        notifications::send(&mut transaction, &work).await?;
        transaction.commit().await?;
        if emitted {
            crate::outbox::wake_all();
        }
        self.wake(&series);
        Ok(Submitted::accepted(&row))
    }

    /// Counts the accepted invoice in its month's usage, in its transaction: a quota passed is
    /// `QuotaExceeded` (the caller's transaction rolls back); crossing 90 % or 100 % stores its
    /// alert. `true` when an alert was stored for delivery.
    async fn count_usage(
        &self,
        transaction: &mut storage::transaction::Transaction<'_>,
        invoice: &NewInvoice,
        subscriptions: &[(String, String)],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, Error> {
        let Some((month, quota)) = &invoice.usage else {
            return Ok(false);
        };
        let Some(quota) = *quota else {
            // No quota to compare with: counted on a shard of the month, so this account's
            // concurrent acceptances do not queue on one row.
            usage::count_usage(transaction, &invoice.account_id, month, 1).await?;
            return Ok(false);
        };
        let used = usage::increment_usage(transaction, &invoice.account_id, month, 1).await?;
        if used > quota {
            return Err(Error::Storage(crate::Error::QuotaExceeded {
                quota,
                used: used - 1,
                month: month.clone(),
            }));
        }
        // Crossing 90 % or 100 % of the quota: its alert, in the transaction that counts it.
        if used == crate::alerts::warning_at(quota) || used == quota {
            let stored = crate::alerts::quota_crossed(
                transaction,
                Some(subscriptions),
                &invoice.account_id,
                month,
                used,
                quota,
                now,
            )
            .await?;
            return Ok(stored > 0);
        }
        Ok(false)
    }

    /// Issues the invoice under the CAEA of `grant` on its (contingency) point of sale, in ONE
    /// transaction (ARCHITECTURE.md invariant 23): the next number of the contingency series
    /// (`UPDATE caea_series … RETURNING`, the row held until commit, so no two transactions share
    /// a number and one that does not commit leaves no gap), the voucher's date checked against
    /// the previous number's (dates never go backwards along a series, ARCA 10016), the invoice
    /// inserted and recorded `approved` with the CAEA, `CbteFchHsGen` and `informe_estado`
    /// 'pendiente', its usage count (a quota passed rolls everything back), `invoice.created` and
    /// `invoice.approved` (both read the approved row), and the approval email. ARCA is not
    /// called. An idempotency key the account used before returns that invoice (same hash; its
    /// number was not taken) or refuses (another body).
    ///
    /// The date: `clock` is read again once the number is held, so an undated voucher is dated
    /// Argentina's today as of its number (never before the previous number's date); a dated one
    /// later than that today or before the previous number's date is [`Error::CaeaDate`].
    /// [`Error::CaeaUnavailable`] when the series was never primed or the grant no longer covers
    /// the date; [`Error::CaeaSeriesExhausted`] at 99999999.
    pub async fn issue_caea(
        &self,
        invoice: NewInvoice,
        grant: &crate::storage::contingency::CaeaGrantRow,
        clock: &dyn arca_protocol::clock::Clock,
    ) -> Result<Submitted, Error> {
        self.issue_caea_with(invoice, grant, clock, None).await
    }

    /// [`Engine::issue_caea`], storing `audit` with the new invoice in its transaction (as
    /// [`Engine::submit_with`]).
    pub async fn issue_caea_with(
        &self,
        mut invoice: NewInvoice,
        grant: &crate::storage::contingency::CaeaGrantRow,
        clock: &dyn arca_protocol::clock::Clock,
        audit: Option<&storage::ai_drafts::Audit>,
    ) -> Result<Submitted, Error> {
        use crate::storage::contingency;
        if invoice.note.is_some() || invoice.deferred_until.is_some() {
            return Err(Error::Invalid(
                "a note or a deferred invoice is not issued under CAEA".into(),
            ));
        }
        let cuit = invoice.cuit.clone();
        let punto_venta = i32::try_from(invoice.voucher.punto_venta)
            .map_err(|_| Error::Invalid(format!("punto de venta {}", invoice.voucher.punto_venta)))?;
        let cbte_tipo = invoice.voucher.cbte_tipo.code();
        let mut transaction = self.inner.storage.begin().await?;
        // The number first: the first statement writes, so SQLite's writer lock is taken at once.
        let Some(numero) = contingency::take_number(&mut transaction, &cuit, punto_venta, cbte_tipo).await? else {
            drop(transaction);
            let last = contingency::last_number(&self.inner.storage, &cuit, punto_venta, cbte_tipo).await?;
            return Err(match last {
                None => Error::CaeaUnavailable(format!(
                    "the contingency series of point of sale {punto_venta} and voucher type {cbte_tipo} was never primed with ARCA's last number"
                )),
                Some(_) => Error::CaeaSeriesExhausted(format!(
                    "the contingency series of point of sale {punto_venta} and voucher type {cbte_tipo} reached 99999999"
                )),
            });
        };
        // Read with the series row held: no later number can be dated before this one.
        let now = clock.now();
        let today = crate::contingency::calendar::argentina_today(now);
        let previous = contingency::number_date(&mut transaction, &cuit, punto_venta, cbte_tipo, numero - 1).await?;
        let fecha =
            crate::contingency::issue::caea_date(invoice.voucher.cbte_fch, previous, today).map_err(Error::CaeaDate)?;
        if !(grant.fch_vig_desde..=grant.fch_vig_hasta).contains(&fecha) {
            return Err(Error::CaeaUnavailable(format!(
                "{fecha} is outside the CAEA's validity ({} to {}): its fortnight ended",
                grant.fch_vig_desde, grant.fch_vig_hasta
            )));
        }
        invoice.voucher.cbte_fch = Some(fecha);
        let mut row = new_row(&invoice)?;
        row.created_at = now;
        match invoices::insert(&mut transaction, &row).await? {
            Inserted::Created => {}
            // A repeat: the number taken above goes back with the rollback.
            Inserted::Existing { id, request_hash } if request_hash == invoice.request_hash => {
                return Ok(Submitted::existing(id));
            }
            Inserted::Existing { id, .. } => return Err(Error::IdempotencyConflict { id }),
            Inserted::LiveCancellation { id } => return Ok(Submitted::existing(id)),
        }
        if let Some(audit) = audit {
            let audit = storage::ai_drafts::AiDraftRow::new(audit, &row.id, &invoice.account_id, now);
            storage::ai_drafts::insert(&mut transaction, &audit).await?;
        }
        let generated = crate::contingency::calendar::generation_stamp(now);
        let approval = contingency::CaeaApproval {
            id: &row.id,
            numero,
            grant,
            cbte_fch_hs_gen: &generated,
            now,
        };
        if !contingency::record_caea_approved(&mut transaction, &approval).await? {
            return Err(Error::Corrupt {
                id: row.id.clone(),
                reason: "the invoice inserted in this transaction could not be recorded under CAEA".into(),
            });
        }
        let subscriptions = storage::webhooks::enabled_for_account(&mut transaction, &invoice.account_id).await?;
        let mut emitted = self
            .count_usage(&mut transaction, &invoice, &subscriptions, now)
            .await?;
        // Both events read the row as approved under the CAEA (never a CAE `pending` snapshot).
        let links = &self.inner.context.config.links;
        for event in [EventType::InvoiceCreated, EventType::InvoiceApproved] {
            emitted |= invoice_events::emit_one(&mut transaction, &subscriptions, event, &row.id, links, now).await?;
        }
        // The approval's email, in the same transaction (ARCHITECTURE.md invariant 16).
        let emails =
            crate::email::enqueue_on_caea_approval(&mut transaction, std::slice::from_ref(&row.id), now).await?;
        transaction.commit().await?;
        if emitted || emails > 0 {
            crate::outbox::wake_all();
        }
        crate::metrics::record_caea_invoice();
        tracing::info!(invoice.id = %row.id, numero, punto_venta, "issued under CAEA");
        self.inner.context.watchers.publish(&row.id, InvoiceStatus::Approved);
        Ok(Submitted {
            id: row.id,
            created: true,
            accepted: None,
        })
    }

    /// Replaces an invoice ARCA never received (failed, or waiting without a number) and queues it
    /// again; `Error::NotFound` when it is not the account's or can no longer be edited (numbered,
    /// in flight, approved, cancelled).
    pub async fn resubmit(&self, id: &str, invoice: NewInvoice) -> Result<(), Error> {
        let row = new_row(&invoice)?;
        let mut transaction = self.inner.storage.begin().await?;
        if !invoices::replace_unsent(&mut transaction, &invoice.account_id, id, &row).await? {
            return Err(Error::NotFound);
        }
        let subscriptions = storage::webhooks::enabled_for_account(&mut transaction, &invoice.account_id).await?;
        let emitted = invoice_events::emit_one(
            &mut transaction,
            &subscriptions,
            EventType::InvoiceUpdated,
            id,
            &self.inner.context.config.links,
            row.created_at,
        )
        .await?;
        let work = notifications::Message::Work {
            from: self.inner.context.owner.clone(),
            series: row.series.clone(),
        };
        notifications::send(&mut transaction, &work).await?;
        transaction.commit().await?;
        if emitted {
            crate::outbox::wake_all();
        }
        self.wake(&row.series);
        Ok(())
    }

    /// Waits up to `timeout` for the invoice to leave `pending` (approved, failed,
    /// pending_retry or cancelled) and returns it as it then is — still `pending` on timeout.
    /// Woken by the worker's notification (from this instance or, through PostgreSQL, another),
    /// not by polling.
    pub async fn wait(&self, id: &str, timeout: Duration) -> Result<InvoiceRow, Error> {
        self.wait_until(id, timeout, |status| status != InvoiceStatus::Pending)
            .await
    }

    /// Waits up to `timeout` for the invoice to be final (approved, failed or cancelled), through
    /// any number of `pending_retry` rounds.
    pub async fn wait_final(&self, id: &str, timeout: Duration) -> Result<InvoiceRow, Error> {
        self.wait_until(id, timeout, InvoiceStatus::is_final).await
    }

    async fn wait_until(
        &self,
        id: &str,
        timeout: Duration,
        settled: fn(InvoiceStatus) -> bool,
    ) -> Result<InvoiceRow, Error> {
        let mut receiver = self.inner.context.watchers.subscribe(id);
        let result = async {
            let row = invoices::find(&self.inner.storage, id).await?.ok_or(Error::NotFound)?;
            if settled(row.status) {
                return Ok(row);
            }
            let deadline = tokio::time::Instant::now() + timeout;
            loop {
                let recheck = tokio::time::sleep(self.inner.context.config.wait_recheck);
                tokio::select! {
                    changed = receiver.changed() => {
                        let published = changed.ok().and_then(|()| *receiver.borrow_and_update());
                        if !published.is_some_and(settled) {
                            continue;
                        }
                    }
                    () = recheck => {}
                    () = tokio::time::sleep_until(deadline) => {}
                }
                let row = invoices::find(&self.inner.storage, id).await?.ok_or(Error::NotFound)?;
                if settled(row.status) || tokio::time::Instant::now() >= deadline {
                    return Ok(row);
                }
            }
        }
        .await;
        self.inner.context.watchers.unsubscribe(id, receiver);
        result
    }

    /// Makes every deferred invoice due now and wakes the series that have them (the ARCA
    /// circuit breaker closed: what it held back goes now, not at each invoice's retry time).
    pub async fn retry_deferred_now(&self) -> Result<(), Error> {
        let series = invoices::make_deferred_due(&self.inner.storage, storage::now()).await?;
        for key in &series {
            self.wake(key);
        }
        Ok(())
    }

    /// Wakes (starting it if needed) the worker of a series.
    pub fn wake(&self, key: &SeriesKey) {
        let mut workers = self
            .inner
            .workers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let worker = workers.entry(key.clone()).or_insert_with(|| {
            let wake = Arc::new(Notify::new());
            let task = tokio::spawn(super::series::run(
                self.inner.context.clone(),
                key.clone(),
                wake.clone(),
            ));
            Worker { wake, task }
        });
        if worker.task.is_finished() {
            worker.task = tokio::spawn(super::series::run(
                self.inner.context.clone(),
                key.clone(),
                worker.wake.clone(),
            ));
        }
        // A permit is stored when the worker is busy, so a wake-up during a request is not lost:
        // the invoice goes in the next request (ARCHITECTURE.md invariant 6).
        worker.wake.notify_one();
    }

    /// Stops every worker at its next await point, as a crash would (leases are left to expire),
    /// and the listener.
    pub fn stop(&self) {
        if let Some(listener) = self.inner.lock_listener().take() {
            listener.abort();
        }
        if let Some(acceptor) = self.inner.acceptor.get() {
            acceptor.stop();
        }
        let workers = self
            .inner
            .workers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for worker in workers.values() {
            worker.task.abort();
        }
    }
}

impl Inner {
    fn lock_listener(&self) -> std::sync::MutexGuard<'_, Option<JoinHandle<()>>> {
        self.listener.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Relays the other instances' notifications: work wakes the series' worker here too (only one
/// gets the lease), statuses reach this instance's `wait`ers. Holds the engine weakly, so a
/// dropped engine ends it.
async fn listen(inner: std::sync::Weak<Inner>, mut listener: sqlx::postgres::PgListener) {
    loop {
        // `recv` reconnects by itself after a lost connection; an error is a failed reconnect.
        let notification = match listener.recv().await {
            Ok(notification) => notification,
            Err(error) => {
                tracing::warn!(error = %error, "issuance notifications: listener failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let Some(inner) = inner.upgrade() else { return };
        match notifications::Message::parse(notification.payload()) {
            Some(notifications::Message::Work { from, series }) if from != inner.context.owner => {
                Engine { inner }.wake(&series);
            }
            Some(notifications::Message::Status { from, status, ids }) if from != inner.context.owner => {
                for id in &ids {
                    inner.context.watchers.publish(id, status);
                }
            }
            _ => {}
        }
    }
}

/// The row to store for an unnumbered voucher.
fn new_row(invoice: &NewInvoice) -> Result<NewInvoiceRow, Error> {
    let voucher = &invoice.voucher;
    if voucher.cbte_desde != UNNUMBERED || voucher.cbte_hasta != UNNUMBERED {
        return Err(Error::Invalid(
            "the engine assigns numbers: submit an unnumbered voucher".into(),
        ));
    }
    if invoice.cuit.len() != 11 || !invoice.cuit.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Invalid(format!("CUIT {:?} is not 11 digits", invoice.cuit)));
    }
    let series = SeriesKey {
        cuit: invoice.cuit.clone(),
        punto_venta: i32::try_from(voucher.punto_venta)
            .map_err(|_| Error::Invalid(format!("punto de venta {}", voucher.punto_venta)))?,
        cbte_tipo: voucher.cbte_tipo.code(),
    };
    // Checked: a value ARCA cannot carry exactly is refused here, never clamped.
    let detail = FECAEDetRequest::try_from(voucher).map_err(|error| Error::Invalid(error.to_string()))?;
    Ok(NewInvoiceRow {
        id: storage::new_id("inv"),
        account_id: invoice.account_id.clone(),
        series: series.clone(),
        voucher: invoices::voucher::to_json(&detail),
        document: invoice.document.clone(),
        fecha: voucher.cbte_fch,
        doc_tipo: voucher.doc_tipo,
        doc_nro: detail.doc_nro,
        cliente_nombre: invoice.cliente_nombre.clone(),
        amounts: Amounts {
            imp_total: stored_amount("ImpTotal", detail.imp_total)?,
            imp_tot_conc: stored_amount("ImpTotConc", detail.imp_tot_conc)?,
            imp_neto: stored_amount("ImpNeto", detail.imp_neto)?,
            imp_op_ex: stored_amount("ImpOpEx", detail.imp_op_ex)?,
            imp_trib: stored_amount("ImpTrib", detail.imp_trib)?,
            imp_iva: stored_amount("ImpIVA", detail.imp_iva)?,
        },
        idempotency_key: invoice.idempotency_key.clone(),
        request_hash: invoice.request_hash.clone(),
        deferred_until_ms: invoice.deferred_until.map(|at| at.timestamp_millis()),
        created_at: storage::now(),
        original_id: invoice.note.as_ref().map(|note| note.original_id.clone()),
        note_kind: invoice.note.as_ref().map(|note| note.kind),
    })
}

/// An amount as `invoices` keeps it: with two decimals, as PostgreSQL's `NUMERIC(15, 2)` reads it
/// back, so the text is the same on both dialects and in the row `submit` reports. Never rounded:
/// an amount with more decimals (which the checks before `submit` refuse) is refused here too.
fn stored_amount(field: &str, value: rust_decimal::Decimal) -> Result<String, Error> {
    if value.normalize().scale() > 2 {
        return Err(Error::Invalid(format!("{field} {value} has more than two decimals")));
    }
    Ok(format!("{value:.2}"))
}
