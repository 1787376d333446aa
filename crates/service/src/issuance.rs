//! The issuance engine: exactly one CAE per accepted invoice, under concurrency, crashes and lost
//! responses, with batching for throughput (ARCHITECTURE.md invariants 1–7).
//!
//! - [`Engine`] ([`engine`]): `submit` commits an invoice as `pending` and wakes its series'
//!   worker; `wait` awaits its result without polling; `start` resumes every non-final invoice.
//! - [`series`]: one worker per series (CUIT, point of sale, voucher type) — lease with fencing
//!   token, reconcile what is in flight, number and send a batch, record the answer.
//! - Pure decisions, tested without sockets or databases: [`batch`] (what goes in a request, what
//!   an answer means), [`reconcile`] (what an in-flight invoice is once ARCA was asked),
//!   [`retry`] (back-off).
//! - [`ArcaPort`] ([`port`]): the four WSFEv1 questions, behind a trait object.
//!
//! It never serves HTTP and never validates invoices (the invoices module composes and pre-validates
//! before `submit`).

use std::time::Duration;

pub mod batch;
pub mod engine;
mod notify;
pub mod port;
pub mod reconcile;
pub mod retry;
pub mod series;

pub use engine::{Engine, NewInvoice, NoteOf, Submitted};
pub use port::{ArcaFuture, ArcaPort, DirectArca};

/// The engine's timing knobs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// How long a series lease lasts without renewal. Safety does not depend on it (every write
    /// is fenced, and a takeover re-sends the same content under the same number), but it should
    /// exceed the ARCA call timeout so that a live sender is not taken over mid-call.
    pub lease_ttl: Duration,
    /// How often an idle worker looks at the database anyway, in case a notification was lost.
    /// (Deferred invoices are retried at their own time, not at this pace.)
    pub idle_poll: Duration,
    /// How soon a worker tries again for a lease another instance holds.
    pub lease_retry: Duration,
    /// How often `wait` re-reads the invoice anyway, in case a notification was lost.
    pub wait_recheck: Duration,
    /// The links an `invoice.*` event's `data` carries (the app's PDFs and public links).
    pub links: crate::webhooks::data::InvoiceLinker,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            lease_ttl: Duration::from_secs(30),
            idle_poll: Duration::from_secs(10),
            lease_retry: Duration::from_millis(100),
            wait_recheck: Duration::from_secs(5),
            links: crate::webhooks::data::InvoiceLinker::default(),
        }
    }
}

/// What the engine's callers can get wrong or meet.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] crate::Error),
    /// The invoice cannot be queued as given (already numbered, bad CUIT, ...).
    #[error("invalid invoice: {0}")]
    Invalid(String),
    /// The idempotency key was used before with a different request: the existing invoice's id.
    #[error("idempotency key already used for another request (invoice {id})")]
    IdempotencyConflict { id: String },
    /// No invoice with that id.
    #[error("invoice not found")]
    NotFound,
    /// Another instance took the series' lease: this worker's writes were refused (fencing).
    #[error("lease lost")]
    LeaseLost,
    /// A note's original changed while the note was being accepted (another note, or no longer
    /// approved): nothing was stored; its balance is computed again.
    #[error("the notes of invoice {id} changed meanwhile")]
    NotesChanged { id: String },
    /// The invoice cannot be issued under CAEA now (its contingency series was never primed, or
    /// is at 99999999): why.
    #[error("no CAEA can be used now: {0}")]
    CaeaUnavailable(String),
    /// The contingency series is at 99999999: never wrapped, and no retry helps (another
    /// contingency point of sale does).
    #[error("the contingency series is exhausted: {0}")]
    CaeaSeriesExhausted(String),
    /// The voucher's date cannot be numbered next on its contingency series (before the previous
    /// number's date, or after Argentina's today): why. Nothing was stored.
    #[error("fecha: {0}")]
    CaeaDate(String),
    /// A stored voucher could not be read back.
    #[error("invoice {id}: stored voucher unreadable: {reason}")]
    Corrupt { id: String, reason: String },
}
