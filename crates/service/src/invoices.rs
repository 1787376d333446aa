//! Invoices: what `POST /v1/invoices` and its siblings do, without HTTP.
//!
//! A request ([`request`]) is composed into an unnumbered voucher with exact amounts and checked
//! with ARCA's rules ([`compose`]); a Factura to a buyer obliged to receive FCE MiPyMEs becomes
//! one, or is refused when its class was forced (`crate::fce`); the monthly quota and the ARCA circuit breaker decide whether
//! it is accepted now, queued as `pending_retry`, or refused; the issuance engine commits it as
//! `pending` before anything is answered (ARCHITECTURE.md invariant 5); then the caller's wait for
//! the result is bounded, and an invoice still `pending` after it is shown, and stored, as
//! `pending_retry` (ARCHITECTURE.md "The API contract"). [`Invoice`] ([`view`]) is the result as
//! the API shows it, QR included. Credit and debit notes and cancellation ([`notes`]) are
//! invoices made against an approved Factura, through the same engine.
//!
//! It never speaks HTTP (the handlers in `http/invoices.rs` map its results to status codes) and
//! never numbers or sends an invoice (the engine does).

pub mod compose;
pub mod limits;
pub mod notes;
pub mod receiver;
pub mod request;
pub mod view;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

pub use request::{AsociadoRequest, Cliente, CreateInvoice, FceRequest, ItemRequest, TributoRequest};
pub use view::{ArcaMessage, Invoice};

use crate::arca::breaker::CircuitBreaker;
use crate::config::QueueMode;
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
        }
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
        let account = accounts::find(&self.storage, account_id).await?;
        // The idempotency hash is the request's as sent: a repeat matches even if the padrón's
        // data changed in between.
        let sent = serde_json::to_vec(request).unwrap_or_default();
        let request_hash = hex(&Sha256::digest(&sent));
        // A repeat is answered before the padrón is asked again: it may be down, or say otherwise
        // by now. (The engine checks the key again, atomically, when it stores a new invoice.)
        if let Some(key) = &idempotency_key
            && let Some((id, hash)) =
                crate::storage::invoices::find_by_idempotency_key(&self.storage, &account.id, key).await?
        {
            if hash.as_deref() != Some(request_hash.as_str()) {
                return Err(crate::issuance::Error::IdempotencyConflict { id }.into());
            }
            return self.result(&id, account.cuit, respond).await;
        }
        let filled = receiver::fill(&self.taxpayers, &account.id, request).await?;
        let request = filled.as_ref().unwrap_or(request);
        let now = Utc::now();
        let fce_defaults = crate::issuer_profiles::fce_defaults(&self.storage, &account.id).await?;
        let voucher = compose::checked_voucher_with(request, &account, &fce_defaults, now)?;
        // Refused or deferred before wsfecred is asked anything.
        usage::check_quota(&self.storage, &account, now).await?;
        let deferred_until = self.deferral(now)?;
        // An invoice to a buyer obliged to receive FCE MiPyMEs becomes one (or is refused).
        let fce = self
            .fce
            .settle(
                &account,
                &fce_defaults,
                deferred_until.is_some(),
                request,
                &voucher,
                |fce| compose::checked_voucher_with(fce, &account, &fce_defaults, now),
            )
            .await?;
        let (request, voucher) = match &fce {
            Some((fce_request, fce_voucher)) => (fce_request, fce_voucher.clone()),
            None => (request, voucher),
        };
        let body = serde_json::to_vec(request).unwrap_or_default();
        let submitted = self
            .engine
            .submit(NewInvoice {
                account_id: account.id.clone(),
                cuit: account.cuit.to_string(),
                voucher,
                document: Some(String::from_utf8_lossy(&body).into_owned()),
                cliente_nombre: request.cliente.razon_social.clone(),
                idempotency_key,
                request_hash: Some(request_hash),
                // Counted on accepted invoices, in the transaction that stores the invoice.
                usage: Some((usage::month_of(now), account.monthly_quota)),
                deferred_until,
                note: None,
            })
            .await?;
        // Queued behind an open breaker: nothing to wait for.
        let respond = if deferred_until.is_some() {
            Respond::Async
        } else {
            respond
        };
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
        let filled = receiver::fill(&self.taxpayers, &account.id, request).await?;
        let request = filled.as_ref().unwrap_or(request);
        let now = Utc::now();
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

    /// While the ARCA circuit breaker is open: with `INVOICE_QUEUE_MODE=queue` the time until
    /// which a new invoice is deferred (it is accepted as `pending_retry`), with `reject`
    /// [`Error::CircuitOpen`]. `None` when the breaker is closed.
    fn deferral(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
        if !self.breaker.is_open() {
            return Ok(None);
        }
        let retry_at = self.breaker.retry_at().unwrap_or(now);
        match self.queue_mode {
            QueueMode::Queue | QueueMode::Caea => Ok(Some(retry_at)),
            QueueMode::Reject => Err(Error::CircuitOpen {
                retry_after: u64::try_from((retry_at - now).num_seconds()).unwrap_or(0),
            }),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
