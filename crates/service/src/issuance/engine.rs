//! [`Engine`]: the issuance engine's public face.
//!
//! `submit` commits the invoice as `pending` before returning (invariant 5) and wakes its
//! series' worker through an in-process [`Notify`]. Workers of other instances learn about it
//! when they next look at the database (every [`EngineConfig::idle_poll`]); cross-instance
//! wake-ups (PostgreSQL `LISTEN/NOTIFY` or Redis pub/sub) are a follow-up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arca_protocol::compose::UNNUMBERED;
use arca_protocol::voucher::Voucher;
use arca_protocol::wsfe::FECAEDetRequest;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::Error;
use super::notify::Watchers;
use super::port::ArcaPort;
use crate::storage::invoices::{self, Amounts, Inserted, InvoiceRow, NewInvoiceRow};
use crate::storage::series::SeriesKey;
use crate::storage::{self, Storage};

/// Timing knobs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// How long a series lease lasts without renewal. Safety does not depend on it (every write
    /// is fenced, and a takeover re-sends the same content under the same number), but it should
    /// exceed the ARCA call timeout so that a live sender is not taken over mid-call.
    pub lease_ttl: Duration,
    /// How often an idle worker looks at the database for work another instance accepted (and
    /// for deferred invoices whose retry time came).
    pub idle_poll: Duration,
    /// How soon a worker tries again for a lease another instance holds.
    pub lease_retry: Duration,
    /// How often `wait` re-reads the invoice, for results committed by another instance.
    pub wait_recheck: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            lease_ttl: Duration::from_secs(30),
            idle_poll: Duration::from_secs(1),
            lease_retry: Duration::from_millis(100),
            wait_recheck: Duration::from_secs(1),
        }
    }
}

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
}

/// What `submit` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub id: String,
    /// `false` when the idempotency key returned an existing invoice.
    pub created: bool,
}

/// The engine; cloning shares it.
#[derive(Clone)]
pub struct Engine {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    /// The API's side: `submit`, `resubmit` and `wait` (one query per request each).
    pub storage: Storage,
    /// The series workers' side: every query of a worker step. A pool of its own in the service
    /// (see [`Engine::start_with_worker_pool`]), so that a worker's queries never queue behind
    /// the API's requests: a worker step is sequential, and its cycle bounds throughput.
    pub worker_storage: Storage,
    pub port: Arc<dyn ArcaPort>,
    /// This instance's lease owner name.
    pub owner: String,
    pub config: EngineConfig,
    pub watchers: Watchers,
    workers: Mutex<HashMap<SeriesKey, Worker>>,
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
                worker_storage,
                port,
                owner: storage::new_id("engine"),
                config,
                watchers: Watchers::default(),
                workers: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Starts an engine and a worker for every series with a non-final invoice (pending,
    /// in flight, pending_retry): what a restart resumes (invariant 5).
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
        for key in invoices::series_with_open_invoices(&engine.inner.storage).await? {
            engine.wake(&key);
        }
        Ok(engine)
    }

    /// This instance's lease owner name.
    pub fn owner(&self) -> &str {
        &self.inner.owner
    }

    /// Commits the invoice as `pending` and wakes its series' worker. With an idempotency key the
    /// account used before, returns that invoice (same request hash) or refuses (another one).
    pub async fn submit(&self, invoice: NewInvoice) -> Result<Submitted, Error> {
        let row = new_row(&invoice)?;
        let series = row.series.clone();
        match invoices::insert(&self.inner.storage, &row).await? {
            Inserted::Created => {
                self.wake(&series);
                Ok(Submitted {
                    id: row.id,
                    created: true,
                })
            }
            Inserted::Existing { id, request_hash } if request_hash == invoice.request_hash => {
                Ok(Submitted { id, created: false })
            }
            Inserted::Existing { id, .. } => Err(Error::IdempotencyConflict { id }),
        }
    }

    /// Replaces an invoice ARCA never received (failed, or waiting without a number) and queues it
    /// again; `Error::NotFound` when it is not the account's or can no longer be edited (numbered,
    /// in flight, approved, cancelled).
    pub async fn resubmit(&self, id: &str, invoice: NewInvoice) -> Result<(), Error> {
        let row = new_row(&invoice)?;
        if !invoices::replace_unsent(&self.inner.storage, &invoice.account_id, id, &row).await? {
            return Err(Error::NotFound);
        }
        self.wake(&row.series);
        Ok(())
    }

    /// Waits up to `timeout` for the invoice to leave `pending` (approved, failed,
    /// pending_retry or cancelled) and returns it as it then is — still `pending` on timeout.
    /// Woken by the worker's notification, not by polling; results committed by another instance
    /// are seen at the next [`EngineConfig::wait_recheck`].
    pub async fn wait(&self, id: &str, timeout: Duration) -> Result<InvoiceRow, Error> {
        let mut receiver = self.inner.watchers.subscribe(id);
        let settled = |status: &str| status != "pending";
        let result = async {
            let row = invoices::find(&self.inner.storage, id).await?.ok_or(Error::NotFound)?;
            if settled(&row.status) {
                return Ok(row);
            }
            let deadline = tokio::time::Instant::now() + timeout;
            loop {
                let recheck = tokio::time::sleep(self.inner.config.wait_recheck);
                tokio::select! {
                    changed = receiver.changed() => {
                        let published = changed.ok().and_then(|()| receiver.borrow_and_update().clone());
                        if !published.as_deref().is_some_and(settled) {
                            continue;
                        }
                    }
                    () = recheck => {}
                    () = tokio::time::sleep_until(deadline) => {}
                }
                let row = invoices::find(&self.inner.storage, id).await?.ok_or(Error::NotFound)?;
                if settled(&row.status) || tokio::time::Instant::now() >= deadline {
                    return Ok(row);
                }
            }
        }
        .await;
        self.inner.watchers.unsubscribe(id, receiver);
        result
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
            let task = tokio::spawn(super::series::run(self.inner.clone(), key.clone(), wake.clone()));
            Worker { wake, task }
        });
        if worker.task.is_finished() {
            worker.task = tokio::spawn(super::series::run(self.inner.clone(), key.clone(), worker.wake.clone()));
        }
        // A permit is stored when the worker is busy, so a wake-up during a request is not lost:
        // the invoice goes in the next request (invariant 6).
        worker.wake.notify_one();
    }

    /// Stops every worker at its next await point, as a crash would (leases are left to expire).
    pub fn stop(&self) {
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
    let detail = FECAEDetRequest::from(voucher);
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
            imp_total: detail.imp_total.to_string(),
            imp_tot_conc: detail.imp_tot_conc.to_string(),
            imp_neto: detail.imp_neto.to_string(),
            imp_op_ex: detail.imp_op_ex.to_string(),
            imp_trib: detail.imp_trib.to_string(),
            imp_iva: detail.imp_iva.to_string(),
        },
        idempotency_key: invoice.idempotency_key.clone(),
        request_hash: invoice.request_hash.clone(),
        created_at: storage::now(),
    })
}
