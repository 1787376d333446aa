//! Invoices: what `POST /v1/invoices` and its siblings do, without HTTP.
//!
//! A request ([`request`]) is composed into an unnumbered voucher with exact amounts and checked
//! with ARCA's rules ([`compose`]); a Factura to a buyer obliged to receive FCE MiPyMEs becomes
//! one, or is refused when its class was forced (`crate::fce`); the monthly quota and the ARCA circuit breaker decide whether
//! it is accepted now, queued as `pending_retry`, refused, or issued under the CAEA
//! (`crate::contingency::issue` decides; the engine's `issue_caea` commits it `approved` at once,
//! ARCHITECTURE.md invariant 23); otherwise the issuance engine commits it as
//! `pending` before anything is answered (ARCHITECTURE.md invariant 5); then the caller's wait for
//! the result is bounded, and an invoice still `pending` after it is shown, and stored, as
//! `pending_retry` (ARCHITECTURE.md "The API contract"). [`Invoice`] ([`view`]) is the result as
//! the API shows it, QR included. Credit and debit notes and cancellation ([`notes`]) are
//! invoices made against an approved Factura, through the same engine.
//!
//! It never speaks HTTP (the handlers in `http/invoices.rs` map its results to status codes) and
//! never numbers or sends an invoice (the engine does).

pub mod compose;
pub mod filter;
pub mod limits;
pub mod notes;
pub mod receiver;
pub mod request;
pub mod view;

use std::sync::Arc;
use std::time::Duration;

use arca_protocol::money::Decimal;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

pub use filter::ListQuery;
pub use request::{AsociadoRequest, Cliente, CreateInvoice, FceRequest, ItemRequest, TributoRequest};
pub use view::{ArcaMessage, Change, HistoryEntry, Invoice};

use crate::arca::breaker::CircuitBreaker;
use crate::config::QueueMode;
use crate::contingency::issue as contingency;
use crate::fce::Fce;
use crate::issuance::{self, Engine, NewInvoice};
pub use crate::storage::invoices::{InvoiceFilter, InvoiceStatus};
use crate::storage::{self, Storage};
use crate::taxpayers::Taxpayers;
use crate::{accounts, usage};

/// What can keep an invoice from being accepted or shown.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid fields, the quota, a missing invoice, the database.
    #[error(transparent)]
    Service(#[from] crate::Error),
    /// The receiver could not be filled from ARCA's padrón (unknown CUIT, padrón down, a
    /// condition it does not settle, the certificate not authorized for it).
    #[error(transparent)]
    Taxpayer(#[from] crate::taxpayers::Error),
    /// The engine refused it (an idempotency key reused for another body, ...) or failed.
    #[error(transparent)]
    Issuance(#[from] issuance::Error),
    /// The ARCA circuit breaker is open and `INVOICE_QUEUE_MODE=reject`: try again after
    /// `retry_after` seconds.
    #[error("ARCA is unavailable; try again in {retry_after} s")]
    CircuitOpen { retry_after: u64 },
    /// The account has no invoice with that id.
    #[error("no such invoice")]
    NotFound,
    /// The invoice cannot get this note (not approved, already cancelled or being cancelled, a
    /// note itself, no balance left): the message says why.
    #[error("{0}")]
    NoteRefused(String),
    /// A request for CAEA refused, or a contingency point of sale asked for a CAE
    /// (`contingency::issue`).
    #[error(transparent)]
    Contingency(#[from] crate::contingency::issue::Refusal),
    /// Only a failed or not yet numbered invoice can be edited.
    #[error("invoice {id} is {status} and can no longer be edited (only failed or not yet numbered ones can)")]
    NotEditable { id: String, status: InvoiceStatus },
}

/// How the caller wants the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Respond {
    /// Wait for ARCA's result up to the configured bound.
    Wait,
    /// Answer at once (`Prefer: respond-async`).
    Async,
}

/// The invoices of every account, with what accepting one needs. Cloning is cheap.
#[derive(Clone)]
pub struct Invoices {
    storage: Storage,
    /// Fills a receiver given only by its CUIT.
    taxpayers: Taxpayers,
    /// Decides whether an invoice must be an FCE MiPyMEs (wsfecred).
    fce: Fce,
    engine: Engine,
    breaker: Arc<CircuitBreaker>,
    queue_mode: QueueMode,
    /// How long a request waits for ARCA's answer before it is answered as `pending_retry`.
    wait: Duration,
    /// The cached FEDummy and the clock the CAEA decision reads (`None`: FEDummy never asked,
    /// the machine's clock).
    contingency: Option<CaeServiceProbe>,
}

/// What the CAEA decision asks besides the breaker: whether ARCA's FEDummy says its
/// application server is down (the `/health/arca` cache, shared), and the App's clock for
/// Argentina's today and `CbteFchHsGen`.
#[derive(Clone)]
pub struct CaeServiceProbe {
    pub arca: Arc<crate::arca::Arca>,
    pub probe: Arc<crate::arca::probe::ProbeCache>,
    pub timeout: Duration,
    pub clock: Arc<dyn arca_protocol::clock::Clock>,
}

/// A request as [`Invoices::check`] leaves it: the receiver filled (an FCE when the buyer is
/// obliged), and its unnumbered voucher with exact amounts, checked with ARCA's rules.
#[derive(Debug, Clone)]
pub struct Checked {
    pub request: CreateInvoice,
    pub voucher: arca_protocol::voucher::Voucher,
}

impl Checked {
    /// The composed voucher's type and totals.
    pub fn totals(&self) -> Totals {
        let voucher = &self.voucher;
        Totals {
            tipo_comprobante: voucher.cbte_tipo.code(),
            subtotal: voucher.imp_neto.amount() + voucher.imp_tot_conc.amount() + voucher.imp_op_ex.amount(),
            iva_total: voucher.imp_iva.amount(),
            tributos_total: voucher.imp_trib.amount(),
            total: voucher.imp_total.amount(),
        }
    }
}

/// A checked invoice's voucher type and totals, before it is numbered or sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub tipo_comprobante: i32,
    pub subtotal: Decimal,
    pub iva_total: Decimal,
    pub tributos_total: Decimal,
    pub total: Decimal,
}

/// Where a new invoice came from, when not from an advanced request (`mode: simple`).
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The hash its `Idempotency-Key` is checked against: the simple request's.
    pub request_hash: &'a str,
    /// The description and the model's answer, stored with it.
    pub audit: &'a storage::ai_drafts::Audit,
}

/// The decision for one new invoice, with the grant a CAEA one is issued under.
struct Route {
    decision: contingency::Decision,
    grant: Option<storage::contingency::CaeaGrantRow>,
    /// The account's active contingency points of sale.
    points: Vec<i32>,
}

impl Invoices {
    pub fn new(
        storage: Storage,
        taxpayers: Taxpayers,
        fce: Fce,
        engine: Engine,
        breaker: Arc<CircuitBreaker>,
        queue_mode: QueueMode,
        wait: Duration,
    ) -> Invoices {
        Invoices {
            storage,
            taxpayers,
            fce,
            engine,
            breaker,
            queue_mode,
            wait,
            contingency: None,
        }
    }

    /// The App's clock (the machine's without a contingency probe): what `create`, `update` and
    /// the notes date, count and decide with, and what the CAEA issuance reads again once its number is held.
    pub(crate) fn clock(&self) -> Arc<dyn arca_protocol::clock::Clock> {
        match &self.contingency {
            Some(probe) => probe.clock.clone(),
            None => Arc::new(arca_protocol::clock::SystemClock),
        }
    }

    /// With the FEDummy probe and the clock the CAEA decision reads.
    pub fn with_contingency(mut self, probe: CaeServiceProbe) -> Invoices {
        self.contingency = Some(probe);
        self
    }

    /// Composes, checks and submits a new invoice, then waits for its result (see [`Respond`]).
    /// With an idempotency key the account used before for the same body, the invoice it made.
    pub async fn create(
        &self,
        account_id: &str,
        request: &CreateInvoice,
        idempotency_key: Option<String>,
        respond: Respond,
    ) -> Result<Invoice, Error> {
        self.create_from(account_id, request, idempotency_key, respond, None)
            .await
    }

    /// The invoice an idempotency key already made for the account, if any: `request_hash`
    /// must be the one it was made with (another body is a conflict). Answered before anything
    /// else is asked (the padrón, wsfecred, the AI provider): they may be down, or say otherwise
    /// by now. (The engine checks the key again, atomically, when it stores a new invoice.)
    pub async fn repeated(
        &self,
        account_id: &str,
        idempotency_key: Option<&str>,
        request_hash: &str,
        respond: Respond,
    ) -> Result<Option<Invoice>, Error> {
        let Some(key) = idempotency_key else {
            return Ok(None);
        };
        let Some((id, hash)) =
            crate::storage::invoices::find_by_idempotency_key(&self.storage, account_id, key).await?
        else {
            return Ok(None);
        };
        if hash.as_deref() != Some(request_hash) {
            return Err(crate::issuance::Error::IdempotencyConflict { id }.into());
        }
        let account = accounts::find(&self.storage, account_id).await?;
        self.result(&id, account.cuit, respond).await.map(Some)
    }

    /// What a request becomes before anything is stored, as [`Invoices::create`] makes it: the
    /// receiver filled from the padrón, the voucher composed with exact amounts and checked with
    /// ARCA's rules, and a Factura to a buyer obliged to receive FCE MiPyMEs turned into one (or
    /// refused). Nothing is stored, counted or submitted: `mode: simple` drafts are checked
    /// here.
    pub async fn check(&self, account_id: &str, request: &CreateInvoice) -> Result<Checked, Error> {
        let account = accounts::find(&self.storage, account_id).await?;
        let now = self.clock().now();
        self.prepare(&account, request, now, false).await
    }

    /// The steps [`Invoices::check`] and [`Invoices::create`] share; with `quota`, the monthly
    /// quota is checked after composition and before wsfecred is asked anything.
    async fn prepare(
        &self,
        account: &accounts::Account,
        request: &CreateInvoice,
        now: DateTime<Utc>,
        quota: bool,
    ) -> Result<Checked, Error> {
        let filled = receiver::fill(&self.taxpayers, &account.id, request).await?;
        let request = filled.as_ref().unwrap_or(request);
        let fce_defaults = crate::issuer_profiles::fce_defaults(&self.storage, &account.id).await?;
        let voucher = compose::checked_voucher_with(request, account, &fce_defaults, now)?;
        if quota {
            // Refused before wsfecred is asked anything.
            usage::check_quota(&self.storage, account, now).await?;
        }
        // While ARCA fails (or CAEA is asked for), wsfecred's cached answer only.
        let arca_failing = self.breaker.is_open() || request.contingencia == Some(true);
        // An invoice to a buyer obliged to receive FCE MiPyMEs becomes one (or is refused).
        let fce = self
            .fce
            .settle(account, &fce_defaults, arca_failing, request, &voucher, |fce| {
                compose::checked_voucher_with(fce, account, &fce_defaults, now)
            })
            .await?;
        Ok(match fce {
            Some((request, voucher)) => Checked { request, voucher },
            None => Checked {
                request: request.clone(),
                voucher,
            },
        })
    }

    /// [`Invoices::create`] for a request that came from elsewhere: a `mode: simple` invoice is
    /// made idempotent on its own request's hash (the model may draft a repeat differently) and
    /// keeps its audit (the description and the model's answer) in the transaction that stores
    /// it.
    pub async fn create_from(
        &self,
        account_id: &str,
        request: &CreateInvoice,
        idempotency_key: Option<String>,
        respond: Respond,
        origin: Option<Origin<'_>>,
    ) -> Result<Invoice, Error> {
        let account = accounts::find(&self.storage, account_id).await?;
        // The idempotency hash is the request's as sent: a repeat matches even if the padrón's
        // data changed in between.
        let request_hash = match &origin {
            Some(origin) => origin.request_hash.to_string(),
            None => hex(&Sha256::digest(serde_json::to_vec(request).unwrap_or_default())),
        };
        if let Some(invoice) = self
            .repeated(&account.id, idempotency_key.as_deref(), &request_hash, respond)
            .await?
        {
            return Ok(invoice);
        }
        let audit = origin.map(|origin| origin.audit);
        let now = self.clock().now();
        let Checked { request, voucher } = self.prepare(&account, request, now, true).await?;
        let (request, mut voucher) = (&request, voucher);
        // CAE now, queued, refused, or under the CAEA (`contingency::issue`).
        let route = self.route(&account, request, &voucher, now).await?;
        let deferred_until = match &route.decision {
            contingency::Decision::Cae => None,
            contingency::Decision::Queue => Some(self.breaker.retry_at().unwrap_or(now)),
            contingency::Decision::Reject => return Err(self.circuit_open(now)),
            contingency::Decision::Refused(refusal) => return Err(refusal.clone().into()),
            contingency::Decision::Caea { .. } => None,
        };
        let body = serde_json::to_vec(request).unwrap_or_default();
        let mut new_invoice = NewInvoice {
            account_id: account.id.clone(),
            cuit: account.cuit.to_string(),
            voucher: voucher.clone(),
            document: Some(String::from_utf8_lossy(&body).into_owned()),
            cliente_nombre: request.cliente.razon_social.clone(),
            idempotency_key,
            request_hash: Some(request_hash),
            // Counted on accepted invoices, in the transaction that stores the invoice.
            usage: Some((usage::month_of(now), account.monthly_quota)),
            deferred_until,
            note: None,
        };
        if let (contingency::Decision::Caea { punto_venta, .. }, Some(grant)) = (&route.decision, &route.grant) {
            // On the contingency point of sale; the engine dates it (today when omitted) once
            // its number is held, never before the series' previous voucher.
            voucher.punto_venta = u32::try_from(*punto_venta).unwrap_or_default();
            let caea_invoice = NewInvoice {
                voucher,
                ..new_invoice.clone()
            };
            let clock = self.clock();
            let refusal = match self
                .engine
                .issue_caea_with(caea_invoice, grant, clock.as_ref(), audit)
                .await
            {
                // Approved at once: nothing to wait for.
                Ok(issued) => return self.result(&issued.id, account.cuit, Respond::Async).await,
                Err(issuance::Error::CaeaUnavailable(reason)) => contingency::Refusal::Unavailable(reason),
                Err(issuance::Error::CaeaDate(message)) => contingency::Refusal::Field {
                    field: "fecha",
                    message,
                },
                Err(issuance::Error::CaeaSeriesExhausted(reason)) => contingency::Refusal::Exhausted(reason),
                Err(other) => return Err(other.into()),
            };
            // Asked for explicitly, or on a contingency point of sale (never used for a CAE):
            // refused. Otherwise queued as the breaker's open state says.
            if request.contingencia == Some(true) {
                return Err(refusal.into());
            }
            if let Ok(asked) = i32::try_from(request.punto_venta)
                && route.points.contains(&asked)
            {
                return Err(contingency::Refusal::Field {
                    field: "punto_venta",
                    message: format!(
                        "point of sale {asked} is a contingency (CAEA) point of sale; it issues only under CAEA, which cannot issue this invoice now: {refusal}"
                    ),
                }
                .into());
            }
            tracing::warn!(reason = %refusal, "CAEA not usable: the invoice is queued");
            new_invoice.deferred_until = Some(self.breaker.retry_at().unwrap_or(now));
        }
        let deferred_until = new_invoice.deferred_until;
        let submitted = self.engine.submit_with(new_invoice, audit).await?;
        // Queued behind an open breaker: nothing to wait for.
        let respond = if deferred_until.is_some() {
            Respond::Async
        } else {
            respond
        };
        if respond == Respond::Async
            && let Some(row) = submitted.accepted
        {
            // As it was just committed: answered without reading it again.
            return Ok(Invoice::new(*row, account.cuit));
        }
        self.result(&submitted.id, account.cuit, respond).await
    }

    /// Replaces a failed (or not yet numbered) invoice with the request, checked like a new one,
    /// and submits it again; approved, cancelled and in-flight invoices are not editable.
    pub async fn update(
        &self,
        account_id: &str,
        id: &str,
        request: &CreateInvoice,
        respond: Respond,
    ) -> Result<Invoice, Error> {
        let account = accounts::find(&self.storage, account_id).await?;
        let current = self.row(&account.id, id).await?;
        if current.note_kind().is_some() {
            // Its balance was checked against its original when it was made: a note is made
            // again through its original's endpoints, never rewritten.
            return Err(Error::NoteRefused(format!(
                "invoice {id} is a note: notes are not edited; a failed one is made again through its original"
            )));
        }
        if request.contingencia == Some(true) {
            return Err(contingency::Refusal::Field {
                field: "contingencia",
                message: "an edited invoice is issued with a CAE: CAEA is asked for on new invoices only".into(),
            }
            .into());
        }
        let points = storage::contingency::contingency_points(&self.storage, &account.id).await?;
        if let Ok(punto_venta) = i32::try_from(request.punto_venta)
            && points.contains(&punto_venta)
        {
            return Err(contingency::Refusal::Field {
                field: "punto_venta",
                message: format!(
                    "point of sale {punto_venta} is a contingency (CAEA) point of sale; it issues only under CAEA"
                ),
            }
            .into());
        }
        let filled = receiver::fill(&self.taxpayers, &account.id, request).await?;
        let request = filled.as_ref().unwrap_or(request);
        let now = self.clock().now();
        let fce_defaults = crate::issuer_profiles::fce_defaults(&self.storage, &account.id).await?;
        let voucher = compose::checked_voucher_with(request, &account, &fce_defaults, now)?;
        let fce = self
            .fce
            .settle(&account, &fce_defaults, false, request, &voucher, |fce| {
                compose::checked_voucher_with(fce, &account, &fce_defaults, now)
            })
            .await?;
        let (request, voucher) = match &fce {
            Some((fce_request, fce_voucher)) => (fce_request, fce_voucher.clone()),
            None => (request, voucher),
        };
        let body = serde_json::to_vec(request).unwrap_or_default();
        let replacement = NewInvoice {
            account_id: account.id.clone(),
            cuit: account.cuit.to_string(),
            voucher,
            document: Some(String::from_utf8_lossy(&body).into_owned()),
            cliente_nombre: request.cliente.razon_social.clone(),
            idempotency_key: None,
            request_hash: None,
            // Already counted when it was first accepted.
            usage: None,
            deferred_until: None,
            note: None,
        };
        match self.engine.resubmit(id, replacement).await {
            Ok(()) => {}
            Err(issuance::Error::NotFound) => {
                return Err(Error::NotEditable {
                    id: id.to_string(),
                    status: current.status,
                });
            }
            Err(other) => return Err(other.into()),
        }
        self.result(id, account.cuit, respond).await
    }

    /// The account's invoice `id`.
    pub async fn find(&self, account_id: &str, id: &str) -> Result<Invoice, Error> {
        let account = accounts::find(&self.storage, account_id).await?;
        let row = self.row(&account.id, id).await?;
        let mut invoice = Invoice::new(row, account.cuit);
        notes::link(&self.storage, &mut invoice).await?;
        Ok(invoice)
    }

    /// The account's invoices, newest first, and how many match the filter in all.
    pub async fn list(
        &self,
        account_id: &str,
        filter: &InvoiceFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Invoice>, i64), Error> {
        let account = accounts::find(&self.storage, account_id).await?;
        let (rows, total) =
            storage::invoices::list_for_account(&self.storage, &account.id, filter, limit, offset).await?;
        let invoices = rows.into_iter().map(|row| Invoice::new(row, account.cuit)).collect();
        Ok((invoices, total))
    }

    async fn row(&self, account_id: &str, id: &str) -> Result<storage::invoices::InvoiceRow, Error> {
        storage::invoices::find(&self.storage, id)
            .await?
            .filter(|row| row.account_id == account_id)
            .ok_or(Error::NotFound)
    }

    /// The invoice once it left `pending`, or when the wait is over (at once with
    /// [`Respond::Async`]). Still `pending` after a wait: ARCA is slow, and the invoice is shown,
    /// and stored, as `pending_retry`; the engine finishes it either way.
    async fn result(&self, id: &str, issuer: arca_protocol::Cuit, respond: Respond) -> Result<Invoice, Error> {
        let wait = match respond {
            Respond::Wait => self.wait,
            Respond::Async => Duration::ZERO,
        };
        let mut row = self.engine.wait(id, wait).await?;
        if respond == Respond::Wait && row.status == InvoiceStatus::Pending && self.mark_slow(id).await? {
            row.status = InvoiceStatus::PendingRetry;
        }
        Ok(Invoice::new(row, issuer))
    }

    /// Shows a still `pending` invoice as `pending_retry`, with its `invoice.pending_retry`
    /// event in the same transaction; `false` if it is no longer `pending`.
    async fn mark_slow(&self, id: &str) -> Result<bool, Error> {
        let mut transaction = self.storage.begin().await?;
        if !storage::invoices::mark_slow(&mut transaction, id).await? {
            return Ok(false);
        }
        let emitted = crate::webhooks::invoice_events::announce(
            &mut transaction,
            &[(InvoiceStatus::PendingRetry, vec![id.to_string()])],
            self.engine.links(),
            storage::now(),
        )
        .await?;
        transaction.commit().await?;
        if emitted > 0 {
            crate::outbox::wake_all();
        }
        Ok(true)
    }

    /// While the ARCA circuit breaker is open: with `INVOICE_QUEUE_MODE=queue` (or `caea`: notes
    /// are never issued under CAEA) the time until which a new note is deferred (it is accepted
    /// as `pending_retry`), with `reject` [`Error::CircuitOpen`]. `None` when the breaker is
    /// closed.
    fn deferral(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
        if !self.breaker.is_open() {
            return Ok(None);
        }
        match self.queue_mode {
            QueueMode::Queue | QueueMode::Caea => Ok(Some(self.breaker.retry_at().unwrap_or(now))),
            QueueMode::Reject => Err(self.circuit_open(now)),
        }
    }

    /// [`Error::CircuitOpen`] with the seconds until the breaker lets a call through.
    fn circuit_open(&self, now: DateTime<Utc>) -> Error {
        let retry_at = self.breaker.retry_at().unwrap_or(now);
        Error::CircuitOpen {
            retry_after: u64::try_from((retry_at - now).num_seconds()).unwrap_or(0),
        }
    }

    /// Gathers what `contingency::issue::decide` looks at and decides: the breaker, the account's
    /// active contingency points of sale (one query; none for most accounts), and only when CAEA
    /// is possible the grant covering Argentina's today, the primed series and (for an explicit
    /// `contingencia` while the breaker is closed) the cached FEDummy.
    async fn route(
        &self,
        account: &accounts::Account,
        request: &CreateInvoice,
        voucher: &arca_protocol::voucher::Voucher,
        now: DateTime<Utc>,
    ) -> Result<Route, Error> {
        let today = crate::contingency::calendar::argentina_today(now);
        let breaker_open = self.breaker.is_open();
        let points = storage::contingency::contingency_points(&self.storage, &account.id).await?;
        let cbte_tipo = voucher.cbte_tipo.code();
        let caea_possible = !points.is_empty()
            && match request.contingencia {
                Some(true) => true,
                Some(false) => false,
                None => breaker_open && self.queue_mode == QueueMode::Caea,
            };
        let (grant, primed) = if caea_possible {
            let grant = storage::contingency::grant_covering(&self.storage, &account.id, today).await?;
            let primed =
                storage::contingency::primed_points(&self.storage, &account.cuit.to_string(), cbte_tipo, &points)
                    .await?;
            (grant, primed)
        } else {
            (None, Vec::new())
        };
        let dummy_down = match (&self.contingency, request.contingencia) {
            (Some(probe), Some(true)) if caea_possible && !breaker_open => probe
                .probe
                .get_or_probe(crate::arca::probe::fe_dummy(&probe.arca, probe.timeout))
                .await
                .failure
                .is_some(),
            _ => false,
        };
        let window = grant.as_ref().map(|grant| contingency::GrantWindow {
            id: grant.id.clone(),
            fch_vig_desde: grant.fch_vig_desde,
            fch_vig_hasta: grant.fch_vig_hasta,
        });
        let decision = contingency::decide(&contingency::Situation {
            queue_mode: self.queue_mode,
            breaker_open,
            dummy_down,
            requested: request.contingencia,
            punto_venta: i32::try_from(voucher.punto_venta).unwrap_or(i32::MAX),
            cbte_tipo,
            is_note: voucher.cbte_tipo.is_note(),
            is_fce: voucher.cbte_tipo.is_fce(),
            fecha: voucher.cbte_fch,
            today,
            contingency_points: &points,
            primed_points: &primed,
            grant: window.as_ref(),
        });
        Ok(Route {
            decision,
            grant,
            points,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
