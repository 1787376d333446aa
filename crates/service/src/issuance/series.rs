//! The series worker: the one sender of a series (ARCHITECTURE.md invariant 4). Each step takes
//! the lease (or keeps the one it holds) and goes through three stages, each a method below:
//!
//! 1. `reconcile`: if anything is in flight (or the last number is
//!    unknown), ask `FECompUltimoAutorizado`; for each in-flight number at or below it ask
//!    `FECompConsultar` and [`reconcile::resolve`]: same voucher → approved with its CAE;
//!    another → failed `INCONSISTENT`, never overwritten. Numbers above it were not consumed
//!    (ARCHITECTURE.md invariant 3).
//! 2. `number_and_commit` ([`batch::plan`]): unconsumed
//!    in-flight invoices keep their number and go first; then waiting invoices in creation order
//!    get `last + 1, …` up to RegXReq (1 for FCE). The numbers are committed, `in_flight`, before
//!    sending (ARCHITECTURE.md invariant 2).
//! 3. `send_and_record`: one `FECAESolicitar`, and its answer
//!    recorded ([`batch::apply_response`], [`batch::classify_failure`]): approved keep their CAE;
//!    the first rejected fails with ARCA's codes (ARCHITECTURE.md invariant 7); those after it and those refused
//!    with 10016 are released and wait again; no result → not processed (release, back off) or
//!    unknown (stay in flight, back to 1).
//!
//! Invoices accepted while a request is in flight wait in the database and go together in the
//! next request (ARCHITECTURE.md invariant 6). Every write takes a [`Fenced`] transaction, which only the lease
//! check makes. The worker sees its engine only through a `WorkerContext`; it never serves
//! HTTP and never composes or validates an invoice.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arca_protocol::wsfe::{FECAEDetRequest, FECAERequest, FECabRequest};
use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::batch::{self, ArcaMessage, Failure, Outcome};
use super::notify::Watchers;
use super::port::ArcaPort;
use super::reconcile::{self, Resolution};
use super::{EngineConfig, Error, retry};
use crate::storage::invoices::{self, InvoiceStatus, QueuedRow, voucher};
use crate::storage::series::{self, Fenced, SeriesKey};
use crate::storage::{self as store, Storage, notifications};

/// What a series worker needs from its engine, and nothing more.
pub(super) struct WorkerContext {
    /// Every query of a worker step (a pool of the workers' own in the service).
    pub storage: Storage,
    pub port: Arc<dyn ArcaPort>,
    /// This instance's lease owner name.
    pub owner: String,
    pub config: EngineConfig,
    /// Whoever waits for an invoice in this instance.
    pub watchers: Watchers,
}

impl WorkerContext {
    /// Tells the other instances that these invoices reached `status`, in the fenced
    /// transaction that records it.
    async fn announce(&self, fenced: &mut Fenced<'_>, status: InvoiceStatus, ids: Vec<String>) -> Result<(), Error> {
        if ids.is_empty() {
            return Ok(());
        }
        let message = notifications::Message::Status {
            from: self.owner.clone(),
            status,
            ids,
        };
        Ok(fenced.notify(&message).await?)
    }
}

/// Runs the worker of `key` until the task is aborted.
pub(super) async fn run(context: Arc<WorkerContext>, key: SeriesKey, wake: Arc<Notify>) {
    let mut worker = SeriesWorker {
        context,
        key,
        token: None,
        last: None,
        capacity: None,
        failures: 0,
        ensured: false,
    };
    loop {
        let pause = match worker.step().await {
            Ok(Next::Again) => continue,
            Ok(Next::Wait(pause)) => pause,
            Err(error) => {
                worker.failures = worker.failures.saturating_add(1);
                // A lost lease is routine (another instance took over); anything else is logged once
                // here, where it is handled.
                if !matches!(error, Error::LeaseLost) {
                    tracing::error!(series = ?worker.key, error = %error, "series worker step failed");
                }
                worker.token = None;
                worker.last = None;
                retry::delay(worker.failures)
            }
        };
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(pause) => {}
        }
    }
}

enum Next {
    /// More to do now.
    Again,
    /// Nothing to do for now: wait for a wake-up or this long.
    Wait(Duration),
}

struct SeriesWorker {
    context: Arc<WorkerContext>,
    key: SeriesKey,
    /// The fencing token of the lease last held.
    token: Option<i64>,
    /// The last number ARCA authorised, as known under the current token.
    last: Option<u64>,
    capacity: Option<usize>,
    /// Consecutive failures to reach ARCA, for back-off.
    failures: u32,
    ensured: bool,
}

/// An invoice in the worker's hands, with its stored detail read back.
struct Queued {
    id: String,
    number: Option<u64>,
    detail: FECAEDetRequest,
}

/// What stage 1 leaves for stage 2.
struct Reconciled {
    /// The last number ARCA authorised.
    last: u64,
    /// In-flight invoices read back (the resolved ones included: their detail is not needed again,
    /// the unconsumed ones' is).
    in_flight: Vec<Queued>,
    /// In-flight invoices whose number ARCA has not consumed: they are sent again under it.
    unconsumed: Vec<(String, u64)>,
}

/// What stage 2 leaves for stage 3: the committed numbers and the request carrying them.
struct Batch {
    last: u64,
    /// (invoice id, number), in request order.
    numbers: Vec<(String, u64)>,
    request: FECAERequest,
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// The stored detail under `number`; a number beyond ARCA's 8 digits is refused, never clamped.
fn numbered(detail: &FECAEDetRequest, number: u64) -> Result<FECAEDetRequest, Error> {
    let number = db_number(number)?;
    Ok(FECAEDetRequest {
        cbte_desde: number,
        cbte_hasta: number,
        ..detail.clone()
    })
}

fn read(row: QueuedRow) -> Result<Queued, Error> {
    let detail = voucher::from_json(&row.voucher).map_err(|reason| Error::Corrupt {
        id: row.id.clone(),
        reason,
    })?;
    Ok(Queued {
        id: row.id,
        number: row.numero.and_then(|n| u64::try_from(n).ok()),
        detail,
    })
}

/// A voucher number as stored and sent: at most ARCA's 8 digits (`CbteDesde`); a series that
/// ran out of numbers is an error, never a clamped number.
fn db_number(number: u64) -> Result<i64, Error> {
    if number > arca_protocol::wsfe::MAX_CBTE_NRO {
        return Err(Error::Invalid(format!(
            "voucher number {number} exceeds ARCA's {} (8 digits)",
            arca_protocol::wsfe::MAX_CBTE_NRO
        )));
    }
    i64::try_from(number).map_err(|_| Error::Invalid(format!("voucher number {number}")))
}

fn ids_of<'a>(ids: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    ids.into_iter().cloned().collect()
}

impl SeriesWorker {
    async fn step(&mut self) -> Result<Next, Error> {
        // For the step's timing in the debug log (where the time of a batch goes; see `bench`).
        let started = Instant::now();
        let storage = &self.context.storage;
        let now = store::now();
        if !invoices::has_work(storage, &self.key, millis(now)).await? {
            if let Some(token) = self.token {
                series::release_lease(storage, &self.key, &self.context.owner, token, millis(now)).await?;
            }
            return Ok(Next::Wait(self.idle_wait(millis(now)).await?));
        }
        if !self.ensured {
            series::ensure(storage, &self.key).await?;
            self.ensured = true;
        }
        // Resuming: this worker held the series last and knows the last number, so it does not
        // take the lease here. The transaction that commits the numbers starts with the fence,
        // which succeeds only if owner and token are still this worker's — they change only when
        // another instance takes the series — and extends the lease before anything is sent.
        // That saves a commit before the request of a lone invoice on an idle series.
        let resuming = self.token.is_some() && self.last.is_some();
        if !resuming {
            let Some(token) =
                series::acquire_lease(storage, &self.key, &self.context.owner, millis(now), self.expiry(now)).await?
            else {
                return Ok(Next::Wait(self.context.config.lease_retry));
            };
            if self.token != Some(token) {
                // Someone else may have issued since we last held the series.
                self.token = Some(token);
                self.last = None;
            }
        }
        let reconciled = match self.reconcile(resuming).await? {
            ControlFlow::Continue(reconciled) => reconciled,
            ControlFlow::Break(next) => return Ok(next),
        };
        let batch = match self.number_and_commit(reconciled, now, resuming).await? {
            ControlFlow::Continue(batch) => batch,
            ControlFlow::Break(next) => return Ok(next),
        };
        self.send_and_record(batch, started).await
    }

    /// Stage 1: settles what may be at ARCA (ARCHITECTURE.md invariant 3) and learns the last number.
    async fn reconcile(&mut self, resuming: bool) -> Result<ControlFlow<Next, Reconciled>, Error> {
        let in_flight = invoices::in_flight(&self.context.storage, &self.key)
            .await?
            .into_iter()
            .map(read)
            .collect::<Result<Vec<_>, _>>()?;
        if resuming && !in_flight.is_empty() {
            // Only another instance leaves invoices in flight behind a worker that knows the
            // last number: take the lease the ordinary way before asking ARCA anything.
            self.token = None;
            self.last = None;
            return Ok(ControlFlow::Break(Next::Again));
        }
        let last = match self.last {
            Some(last) if in_flight.is_empty() => last,
            _ => match self.context.port.last_authorized(&self.key).await {
                Ok(last) => last,
                Err(error) => return self.defer_in_flight(&in_flight, &error).await.map(ControlFlow::Break),
            },
        };
        self.last = Some(last);
        let mut unconsumed = Vec::new();
        for invoice in &in_flight {
            let Some(number) = invoice.number else { continue };
            if !reconcile::needs_consult(number, last) {
                unconsumed.push((invoice.id.clone(), number));
                continue;
            }
            let stored = match self.context.port.consult(&self.key, number).await {
                Ok(stored) => stored,
                Err(error) => return self.defer_in_flight(&in_flight, &error).await.map(ControlFlow::Break),
            };
            let sent = numbered(&invoice.detail, number)?;
            let resolution = reconcile::resolve(number, last, &sent, stored.as_ref());
            crate::metrics::record_reconciliation();
            self.record_resolution(&invoice.id, number, resolution).await?;
        }
        Ok(ControlFlow::Continue(Reconciled {
            last,
            in_flight,
            unconsumed,
        }))
    }

    /// Stage 2: plans the next request and commits its numbers, in flight, before it is sent
    /// (ARCHITECTURE.md invariant 2).
    async fn number_and_commit(
        &mut self,
        reconciled: Reconciled,
        now: DateTime<Utc>,
        resuming: bool,
    ) -> Result<ControlFlow<Next, Batch>, Error> {
        let Reconciled {
            last,
            in_flight,
            unconsumed,
        } = reconciled;
        let capacity = self.capacity().await;
        let waiting_rows = invoices::waiting(
            &self.context.storage,
            &self.key,
            millis(now),
            i64::try_from(capacity).unwrap_or(i64::MAX),
        )
        .await?;
        let mut waiting = Vec::with_capacity(waiting_rows.len());
        for row in waiting_rows {
            match read(row) {
                Ok(queued) => waiting.push(queued),
                // One unreadable row must not stop the series: it stays pending for an operator.
                Err(error) => tracing::error!(series = ?self.key, error = %error, "skipping unreadable invoice"),
            }
        }
        let waiting_ids = ids_of(waiting.iter().map(|q| &q.id));
        let plan = batch::plan(last, &unconsumed, &waiting_ids, capacity);
        if plan.is_empty() && plan.release.is_empty() {
            return Ok(ControlFlow::Break(Next::Wait(self.idle_wait(millis(now)).await?)));
        }
        let mut fenced = match self.fenced().await {
            Err(Error::LeaseLost) if resuming => {
                // Another instance took the series meanwhile: nothing was written; take the
                // lease the ordinary way (or wait for it) in the next step.
                self.token = None;
                self.last = None;
                return Ok(ControlFlow::Break(Next::Again));
            }
            other => other?,
        };
        for id in &plan.release {
            invoices::release_number(&mut fenced, id, now).await?;
        }
        let assignments: Vec<(String, i64)> = plan
            .assign
            .iter()
            .map(|(id, number)| Ok((id.clone(), db_number(*number)?)))
            .collect::<Result<_, Error>>()?;
        if invoices::assign_numbers(&mut fenced, &assignments, now).await? != assignments.len() {
            // One changed under us (cancelled, edited): roll back and plan again without it.
            return Ok(ControlFlow::Break(Next::Again));
        }
        fenced.commit().await?;
        if plan.is_empty() {
            return Ok(ControlFlow::Break(Next::Again));
        }
        let numbers = plan.request();
        let details: Vec<FECAEDetRequest> = numbers
            .iter()
            .filter_map(|(id, number)| {
                in_flight
                    .iter()
                    .chain(&waiting)
                    .find(|q| &q.id == id)
                    .map(|q| numbered(&q.detail, *number))
            })
            .collect::<Result<_, Error>>()?;
        let request = FECAERequest {
            fe_cab_req: FECabRequest {
                cant_reg: i32::try_from(details.len())
                    .map_err(|_| Error::Invalid(format!("{} vouchers in one request", details.len())))?,
                pto_vta: self.key.punto_venta,
                cbte_tipo: self.key.cbte_tipo,
            },
            fe_det_req: details,
        };
        Ok(ControlFlow::Continue(Batch { last, numbers, request }))
    }

    /// Stage 3: sends the request and records ARCA's answer, or what its absence means.
    async fn send_and_record(&mut self, batch: Batch, started: Instant) -> Result<Next, Error> {
        let Batch { last, numbers, request } = batch;
        tracing::debug!(series = ?self.key, count = numbers.len(), "sending FECAESolicitar");
        crate::metrics::record_batch(numbers.len());
        let prepared = started.elapsed();
        match self.context.port.authorize(&self.key, request).await {
            Ok(response) => {
                let answered = started.elapsed();
                self.failures = 0;
                let applied = batch::apply_response(&numbers, &response);
                self.record_applied(last, applied).await?;
                tracing::debug!(
                    series = ?self.key,
                    count = numbers.len(),
                    prepare_ms = prepared.as_millis(),
                    arca_ms = (answered - prepared).as_millis(),
                    record_ms = (started.elapsed() - answered).as_millis(),
                    "batch recorded"
                );
                Ok(Next::Again)
            }
            Err(error) => self.record_failure(&numbers, &error).await,
        }
    }

    /// Until the next deferred invoice's retry time, at most `idle_poll`; new work wakes the
    /// worker sooner (in process, or through a notification from another instance).
    async fn idle_wait(&self, now_ms: i64) -> Result<Duration, Error> {
        let idle = self.context.config.idle_poll;
        Ok(match invoices::next_retry_at(&self.context.storage, &self.key).await? {
            Some(at) => Duration::from_millis(u64::try_from(at.saturating_sub(now_ms)).unwrap_or(0)).min(idle),
            None => idle,
        })
    }

    fn expiry(&self, now: DateTime<Utc>) -> i64 {
        let ttl = i64::try_from(self.context.config.lease_ttl.as_millis()).unwrap_or(i64::MAX);
        millis(now).saturating_add(ttl)
    }

    async fn capacity(&mut self) -> usize {
        if let Some(capacity) = self.capacity {
            return capacity;
        }
        match self.context.port.records_per_request(&self.key).await {
            Ok(records) => {
                let capacity = batch::capacity(self.key.cbte_tipo, records);
                self.capacity = Some(capacity);
                capacity
            }
            // One per request is always allowed; ask again next time.
            Err(error) => {
                tracing::warn!(series = ?self.key, error = %error, "FECompTotXRequest failed; sending one");
                1
            }
        }
    }

    /// A transaction that holds the fence (and extends the lease), or `LeaseLost`.
    async fn fenced(&self) -> Result<Fenced<'static>, Error> {
        let token = self.token.ok_or(Error::LeaseLost)?;
        let transaction = self.context.storage.begin().await?;
        let expires = self.expiry(store::now());
        series::fence(transaction, &self.key, &self.context.owner, token, expires)
            .await?
            .ok_or(Error::LeaseLost)
    }

    /// Announces `ids` as having reached `status` (with the fenced writes), commits, and tells
    /// this instance's waiters.
    async fn commit_statuses(
        &self,
        mut fenced: Fenced<'_>,
        statuses: &[(InvoiceStatus, Vec<String>)],
    ) -> Result<(), Error> {
        for (status, ids) in statuses {
            self.context.announce(&mut fenced, *status, ids.clone()).await?;
        }
        // The `invoice.*` webhook events, in the same fenced transaction (ARCHITECTURE.md
        // "Webhook events"); one query when none of the batch's accounts listens.
        let emitted =
            store::alerts::announce_statuses(&mut fenced, statuses, &self.context.config.links, store::now()).await?;
        fenced.commit().await?;
        if emitted > 0 {
            crate::outbox::wake_all();
        }
        for (status, ids) in statuses {
            for id in ids {
                self.context.watchers.publish(id, *status);
            }
        }
        Ok(())
    }

    async fn record_resolution(&mut self, id: &str, number: u64, resolution: Resolution) -> Result<(), Error> {
        let now = store::now();
        let mut fenced = self.fenced().await?;
        let status = match resolution {
            Resolution::Approved {
                cae,
                cae_vencimiento,
                observations,
            } => {
                let observations = ArcaMessage::to_json(&observations);
                invoices::record_approved(
                    &mut fenced,
                    id,
                    db_number(number)?,
                    &cae,
                    cae_vencimiento,
                    observations.as_deref(),
                    now,
                )
                .await?;
                series::record_last_number(&mut fenced, &self.key, db_number(number)?).await?;
                // The approval's email, if the account wants one, in the same transaction
                // (ARCHITECTURE.md invariant 16).
                crate::email::enqueue_on_approval(&mut fenced, &[id.to_string()], now).await?;
                tracing::info!(invoice.id = id, number, "reconciled: ARCA had authorised it");
                // A note's original cancelled with it (ARCHITECTURE.md invariant 22).
                let cancelled = crate::invoices::notes::settle(&mut fenced, &self.key, &[id.to_string()], now).await?;
                return self
                    .commit_statuses(
                        fenced,
                        &[
                            (InvoiceStatus::Approved, vec![id.to_string()]),
                            (InvoiceStatus::Cancelled, cancelled),
                        ],
                    )
                    .await;
            }
            Resolution::Inconsistent(message) => {
                tracing::error!(invoice.id = id, number, detail = %message.message, "reconcile found another voucher");
                let errors = ArcaMessage::to_json(&[message]).unwrap_or_default();
                invoices::record_failed(&mut fenced, id, true, &errors, None, now).await?;
                InvoiceStatus::Failed
            }
            Resolution::NotConsumed => return Ok(()),
        };
        self.commit_statuses(fenced, &[(status, vec![id.to_string()])]).await
    }

    async fn record_applied(&mut self, last_before: u64, applied: batch::Applied) -> Result<(), Error> {
        let now = store::now();
        let mut fenced = self.fenced().await?;
        let mut approved = Vec::new();
        let mut failed = Vec::new();
        let mut approvals = Vec::new();
        let mut highest = last_before;
        let mut unknown = false;
        for (id, number, outcome) in &applied.outcomes {
            if applied.numbering_mismatch.as_ref() == Some(id) {
                // Decided below, after asking ARCA for the last number.
                continue;
            }
            match outcome {
                Outcome::Approved {
                    cae,
                    cae_vencimiento,
                    observations,
                } => {
                    // Recorded together below: one statement for the batch, not one per invoice.
                    approvals.push(invoices::Approval {
                        id,
                        numero: db_number(*number)?,
                        cae,
                        cae_vencimiento: *cae_vencimiento,
                        observaciones: ArcaMessage::to_json(observations),
                    });
                    highest = highest.max(*number);
                    approved.push(id.clone());
                }
                Outcome::Rejected { errors, observations } => {
                    let errors = ArcaMessage::to_json(errors).unwrap_or_else(|| "[]".into());
                    let observations = ArcaMessage::to_json(observations);
                    invoices::record_failed(&mut fenced, id, false, &errors, observations.as_deref(), now).await?;
                    failed.push(id.clone());
                }
                Outcome::NotProcessed => {
                    invoices::release_number(&mut fenced, id, now).await?;
                }
                Outcome::Unknown => unknown = true,
            }
        }
        if !approvals.is_empty() {
            invoices::record_approved_batch(&mut fenced, &approvals, now).await?;
            // `record_last_number` keeps the highest, so once with the batch's highest is enough.
            series::record_last_number(&mut fenced, &self.key, db_number(highest)?).await?;
            // The approvals' emails, if their accounts want them, in the same transaction
            // (ARCHITECTURE.md invariant 16).
            crate::email::enqueue_on_approval(&mut fenced, &approved, now).await?;
        }
        // Originals whose balance the approved notes zeroed are cancelled with them
        // (ARCHITECTURE.md invariant 22).
        let cancelled = crate::invoices::notes::settle(&mut fenced, &self.key, &approved, now).await?;
        self.commit_statuses(
            fenced,
            &[
                (InvoiceStatus::Approved, approved),
                (InvoiceStatus::Failed, failed),
                (InvoiceStatus::Cancelled, cancelled),
            ],
        )
        .await?;
        self.last = (!unknown).then_some(highest);
        if let Some(id) = applied.numbering_mismatch {
            self.resolve_numbering_mismatch(&id, highest).await?;
        }
        Ok(())
    }

    /// ARCA refused `id` with 10016 and no observation. If its idea of the last number is ours,
    /// the number was right and the date is what ARCA refused (before the last voucher's): the
    /// invoice fails. Otherwise our last number was stale: release and continue from ARCA's.
    async fn resolve_numbering_mismatch(&mut self, id: &str, believed_last: u64) -> Result<(), Error> {
        let arca_last = self.context.port.last_authorized(&self.key).await;
        let now = store::now();
        let mut fenced = self.fenced().await?;
        match arca_last {
            Ok(last) if last == believed_last => {
                let message = ArcaMessage::new(
                    batch::NUMBERING_ERROR,
                    "El numero o fecha del comprobante no se corresponde con el proximo a autorizar: the number \
                     was the next one, so the date is before the last authorised voucher's",
                );
                let errors = ArcaMessage::to_json(&[message]).unwrap_or_default();
                invoices::record_failed(&mut fenced, id, false, &errors, None, now).await?;
                self.commit_statuses(fenced, &[(InvoiceStatus::Failed, vec![id.to_string()])])
                    .await?;
                self.last = Some(last);
            }
            Ok(last) => {
                invoices::release_number(&mut fenced, id, now).await?;
                fenced.commit().await?;
                self.last = Some(last);
            }
            Err(_) => {
                invoices::release_number(&mut fenced, id, now).await?;
                fenced.commit().await?;
                self.last = None;
            }
        }
        Ok(())
    }

    async fn record_failure(&mut self, request: &[(String, u64)], error: &arca_protocol::Error) -> Result<Next, Error> {
        let failure = batch::classify_failure(error);
        tracing::warn!(series = ?self.key, error = %error, ?failure, "FECAESolicitar brought no result");
        let now = store::now();
        let ids = ids_of(request.iter().map(|(id, _)| id));
        match failure {
            Failure::Unknown => {
                // Stay in flight; the next step reconciles before anything else.
                self.last = None;
                self.failures = self.failures.saturating_add(1);
                Ok(if self.failures > 1 {
                    Next::Wait(retry::delay(self.failures - 1))
                } else {
                    Next::Again
                })
            }
            Failure::Rejected(errors) => {
                let errors = ArcaMessage::to_json(&errors).unwrap_or_else(|| "[]".into());
                let mut fenced = self.fenced().await?;
                for id in &ids {
                    invoices::record_failed(&mut fenced, id, false, &errors, None, now).await?;
                }
                self.commit_statuses(fenced, &[(InvoiceStatus::Failed, ids)]).await?;
                Ok(Next::Again)
            }
            Failure::NotProcessed | Failure::TicketRejected => {
                // 600: the ticket itself is bad (expired, revoked): a new login fixes it. 601 (the
                // CUIT is not among the ticket's relations) needs ARCA-side action; discarding a
                // valid ticket would only earn coe.alreadyAuthenticated.
                if failure == Failure::TicketRejected && error.arca_errors().iter().any(|e| e.code == 600) {
                    self.context.port.ticket_rejected(&self.key);
                }
                self.defer(&ids, false, error, now).await
            }
        }
    }

    /// ARCA could not be asked about in-flight invoices: they keep their number and stay in
    /// flight, shown as `pending_retry`, and the worker backs off.
    async fn defer_in_flight(&mut self, in_flight: &[Queued], error: &arca_protocol::Error) -> Result<Next, Error> {
        tracing::warn!(series = ?self.key, error = %error, "cannot reconcile now");
        self.last = None;
        let ids = ids_of(in_flight.iter().map(|invoice| &invoice.id));
        self.defer(&ids, true, error, store::now()).await
    }

    /// Backs off and, when there are invoices, makes them `pending_retry` until then, with the
    /// error that deferred them (`keep_in_flight`: their outcome is unknown, so they keep their
    /// number for reconciliation).
    async fn defer(
        &mut self,
        ids: &[String],
        keep_in_flight: bool,
        error: &arca_protocol::Error,
        now: DateTime<Utc>,
    ) -> Result<Next, Error> {
        self.failures = self.failures.saturating_add(1);
        let delay = retry::delay(self.failures);
        if ids.is_empty() {
            return Ok(Next::Wait(delay));
        }
        let retry_at = millis(now).saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
        let errors = ArcaMessage::to_json(&transport_message(error));
        let mut fenced = self.fenced().await?;
        for id in ids {
            invoices::defer(&mut fenced, id, keep_in_flight, retry_at, errors.as_deref(), now).await?;
        }
        self.commit_statuses(fenced, &[(InvoiceStatus::PendingRetry, ids.to_vec())])
            .await?;
        Ok(Next::Wait(delay))
    }
}

/// The error shown on a `pending_retry` invoice: ARCA's codes when it answered, else the cause.
fn transport_message(error: &arca_protocol::Error) -> Vec<ArcaMessage> {
    let codes = error.arca_errors();
    if codes.is_empty() {
        vec![ArcaMessage::new("ARCA_UNAVAILABLE", error.to_string())]
    } else {
        codes.iter().map(|e| ArcaMessage::new(e.code, e.msg.clone())).collect()
    }
}
