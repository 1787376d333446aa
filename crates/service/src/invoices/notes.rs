//! Credit and debit notes against an approved invoice, and its cancellation: what
//! `POST /v1/invoices/{id}/cancel`, `…/credit-notes` and `…/debit-notes` do, without HTTP
//! (docs/arca.md §D.9).
//!
//! A note is an invoice in every other respect: composed, checked with ARCA's rules, submitted
//! to the same engine (idempotency key, quota, circuit breaker, the wait), with its PDF and
//! email. What it adds:
//!
//! - Only an `approved` Factura (1, 6, 11, 51, 201, 206, 211) gets notes; the note is of the
//!   matching class ([`note_type`]), on the same point of sale, to the same receiver, with the
//!   same concepto, currency and rate, and lists the original in `CbtesAsoc` with its issuer
//!   `Cuit` and `CbteFch` (mandatory on FCE notes, harmless elsewhere). A cancellation also lists
//!   the original's approved debit notes. FCE notes carry Opcional 22 (`S` on a cancellation,
//!   `N` otherwise) and, unless they annul the invoice, no `FchVtoPago` (10175).
//! - A credit never exceeds the balance ([`balance`]): the cancellation credits exactly what is
//!   left, component by component; a partial credit is refused (400, naming the component) when
//!   any of its components goes beyond what is left, or would leave at an IVA rate what no note
//!   could credit ([`balance::unbalanced_remainder`]). The engine accepts notes of one original
//!   one at a time, each against the notes it saw (`issuance::NoteOf`), and while one waits for
//!   ARCA (pending, pending_retry) no other is accepted (409 naming it): a cancellation approved
//!   before an earlier debit note would leave that debit on a cancelled invoice.
//! - A note is never dated before its original, a cancellation never before the approved debit
//!   notes it lists.
//! - An original has at most one live cancellation: a second cancel answers the first
//!   (the unique index `invoices_one_live_cancellation` decides races).
//! - The original becomes `cancelled` in the transaction that records the note's CAE when its
//!   settled balance reaches zero ([`settle`], the engine's hook; ARCHITECTURE.md invariant 22).
//!
//! It never speaks HTTP, never numbers or sends a voucher (the engine does) and never makes a
//! note of a note.

pub mod balance;
pub mod compose;
pub mod request;

use arca_protocol::Cuit;
use arca_protocol::codes::CbteTipo;
use arca_protocol::voucher::Voucher;
use arca_protocol::wsfe::FECAEDetRequest;
use chrono::{DateTime, Utc};

use self::balance::{Balance, Note};
pub use self::compose::note_type;
use self::compose::{Context, check_rules};
use self::request::check_motivo;
pub use self::request::{CancelInvoice, CreateNote, NoteRequest};
use super::{Error, Invoice, Invoices, Respond, compose as invoice_compose};
use crate::accounts::Account;
use crate::issuance::{self, NewInvoice, NoteOf};
use crate::storage::invoices::{self as stored, InvoiceRow, InvoiceStatus, NoteKind};
use crate::storage::series::{Fenced, SeriesKey};
use crate::{accounts, usage};

/// How many times a note is composed again when another note of the same invoice was accepted
/// while it was being composed.
const ATTEMPTS: usize = 3;

/// What composing a note found.
enum Prepared {
    /// A cancellation that already exists (live): answered as it is.
    Existing(String),
    /// A new note to submit.
    Note(Box<NewNote>),
}

struct NewNote {
    voucher: Voucher,
    document: serde_json::Value,
    cliente_nombre: Option<String>,
    seen: Vec<String>,
}

impl Invoices {
    /// Cancels the account's invoice `original_id`: a credit note for its whole remaining
    /// balance. A second cancel answers the live cancellation (whatever its key).
    pub async fn cancel(
        &self,
        account_id: &str,
        original_id: &str,
        request: &CancelInvoice,
        idempotency_key: Option<String>,
        respond: Respond,
    ) -> Result<Invoice, Error> {
        self.note(
            account_id,
            original_id,
            NoteRequest::Cancel(request),
            idempotency_key,
            respond,
        )
        .await
    }

    /// A note against the account's invoice `original_id`: its cancellation, or a partial
    /// credit or debit note. Answered like `create`: the note once it left `pending`, or when the
    /// wait is over.
    pub async fn note(
        &self,
        account_id: &str,
        original_id: &str,
        request: NoteRequest<'_>,
        idempotency_key: Option<String>,
        respond: Respond,
    ) -> Result<Invoice, Error> {
        let account = accounts::find(&self.storage, account_id).await?;
        let request_hash = request.hash(original_id);
        for _ in 0..ATTEMPTS {
            let original = self.row(&account.id, original_id).await?;
            let notes = stored::notes_of(&self.storage, &original.id).await?;
            // The key is looked up after the notes, on every pass: a retry that raced the first
            // request either finds its note here, or read notes without it and is sent round
            // again by the engine (`NotesChanged`) — never refused for the note it created.
            if let Some(key) = &idempotency_key
                && let Some((id, hash)) = stored::find_by_idempotency_key(&self.storage, &account.id, key).await?
            {
                if hash.as_deref() != Some(request_hash.as_str()) {
                    return Err(issuance::Error::IdempotencyConflict { id }.into());
                }
                return self.note_result(&id, account.cuit, respond).await;
            }
            let now = self.clock().now();
            let mut note = match prepare(&account, &original, &notes, request, now)? {
                Prepared::Existing(id) => return self.note_result(&id, account.cuit, respond).await,
                Prepared::Note(note) => note,
            };
            if original.authorization.tipo_autorizacion == stored::TipoAutorizacion::Caea {
                // Never a CAE on the contingency point of sale: the note gets its CAE on a CAE
                // one (its `CbtesAsoc` still names the original's point of sale).
                note.voucher.punto_venta = self.note_point_of_sale(&account, &original).await?;
            }
            usage::check_quota(&self.storage, &account, now).await?;
            let deferred_until = self.deferral(now)?;
            let submitted = self
                .engine
                .submit(NewInvoice {
                    account_id: account.id.clone(),
                    cuit: account.cuit.to_string(),
                    voucher: note.voucher,
                    document: Some(note.document.to_string()),
                    cliente_nombre: note.cliente_nombre,
                    idempotency_key: idempotency_key.clone(),
                    request_hash: Some(request_hash.clone()),
                    usage: Some((usage::month_of(now), account.monthly_quota)),
                    deferred_until,
                    note: Some(NoteOf {
                        original_id: original.id.clone(),
                        kind: request.kind(),
                        seen: note.seen,
                    }),
                })
                .await;
            match submitted {
                Ok(submitted) => {
                    let respond = if deferred_until.is_some() {
                        Respond::Async
                    } else {
                        respond
                    };
                    return self.note_result(&submitted.id, account.cuit, respond).await;
                }
                // Another note of this invoice was accepted meanwhile: compose against it.
                Err(issuance::Error::NotesChanged { .. }) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(Error::NoteRefused(format!(
            "invoice {original_id} kept getting other notes while this one was composed: send it again"
        )))
    }

    /// The point of sale a note of a CAEA invoice is issued on with a CAE (a contingency point
    /// of sale never gets one, and ARCA refuses it, docs/arca.md §G): the point of sale the
    /// original's request named when it is not a contingency one (the invoice went to CAEA
    /// because ARCA failed), else the account's lowest active point of sale that is not, else a
    /// 409 saying why.
    async fn note_point_of_sale(&self, account: &Account, original: &InvoiceRow) -> Result<u32, Error> {
        let contingency = crate::storage::contingency::contingency_points(&self.storage, &account.id).await?;
        let requested = original
            .document
            .as_deref()
            .and_then(|document| serde_json::from_str::<serde_json::Value>(document).ok())
            .and_then(|document| document.get("punto_venta").and_then(serde_json::Value::as_i64))
            .and_then(|punto_venta| i32::try_from(punto_venta).ok())
            .filter(|punto_venta| (1..=99998).contains(punto_venta))
            .filter(|punto_venta| *punto_venta != original.punto_venta && !contingency.contains(punto_venta));
        let point = match requested {
            Some(point) => Some(point),
            None => crate::storage::contingency::lowest_cae_point(&self.storage, &account.id).await?,
        };
        point.and_then(|point| u32::try_from(point).ok()).ok_or_else(|| {
            Error::NoteRefused(format!(
                "invoice {} was issued under CAEA on contingency point of sale {}, which never issues with a CAE, \
                 and the account has no other active point of sale to issue its note on: add one (POST /v1/points-of-sale)",
                original.id, original.punto_venta
            ))
        })
    }

    /// The note as [`Invoices::result`] shows it, with its original linked.
    async fn note_result(&self, id: &str, issuer: Cuit, respond: Respond) -> Result<Invoice, Error> {
        let mut invoice = self.result(id, issuer, respond).await?;
        link(&self.storage, &mut invoice).await?;
        Ok(invoice)
    }
}

impl Invoice {
    /// Whether `POST /v1/invoices/{id}/cancel` would make a new cancellation of it now, as
    /// [`prepare`] decides before the date and ARCA's rules: an approved Factura, not a note,
    /// with a balance left, no live cancellation and no note waiting for ARCA. Needs the single
    /// read's notes and balance ([`link`]); `false` without them.
    pub fn cancellable(&self) -> bool {
        let (Some(notes), Some(saldo)) = (&self.notes, self.saldo) else {
            return false;
        };
        self.row.status == InvoiceStatus::Approved
            && self.row.original_id.is_none()
            && note_type(self.row.cbte_tipo, NoteKind::Cancellation).is_some()
            && !saldo.is_zero()
            && !notes.iter().any(|note| {
                (note.kind == NoteKind::Cancellation && note.status != InvoiceStatus::Failed)
                    || matches!(note.status, InvoiceStatus::Pending | InvoiceStatus::PendingRetry)
            })
    }
}

/// Fills what the single-invoice read shows besides the row: a note's original, an invoice's
/// notes and remaining balance (`saldo`). Lists leave them out (one query per page).
pub async fn link(storage: &crate::Storage, invoice: &mut Invoice) -> Result<(), Error> {
    if let Some(original_id) = &invoice.row.original_id {
        invoice.original = stored::find(storage, original_id)
            .await?
            .map(|row| super::view::OriginalLink {
                numero_completo: row.numero.map(|n| format!("{:05}-{:08}", row.punto_venta, n)),
                id: row.id,
                tipo_comprobante: row.cbte_tipo,
            });
        return Ok(());
    }
    if note_type(invoice.row.cbte_tipo, NoteKind::Credit).is_none() {
        return Ok(());
    }
    let notes = stored::notes_of(storage, &invoice.row.id).await?;
    if invoice.row.status.is_authorised()
        && let Ok(detail) = stored::voucher::from_json(&invoice.row.voucher)
    {
        invoice.saldo = Some(balance::remaining(&Balance::of(&detail), &balance_notes(&notes)).total());
    }
    invoice.notes = Some(
        notes
            .into_iter()
            .filter_map(|row| {
                Some(super::view::NoteLink {
                    kind: row.note_kind()?,
                    total: row.amounts.imp_total.parse().unwrap_or_default(),
                    numero_completo: row.numero.map(|n| format!("{:05}-{:08}", row.punto_venta, n)),
                    status: row.status,
                    tipo_comprobante: row.cbte_tipo,
                    created_at: row.created_at,
                    approved_at: row.approved_at,
                    id: row.id,
                })
            })
            .collect(),
    );
    Ok(())
}

/// The engine's hook, in the fenced transaction that records approvals: of the invoices of
/// `series` just approved, the notes whose original's settled balance is now zero move that
/// original to `cancelled`; returns the originals moved (for `invoice.cancelled`). Nothing is
/// read for a series of invoices, which holds no notes.
pub async fn settle(
    fenced: &mut Fenced<'_>,
    series: &SeriesKey,
    approved: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<String>, crate::Error> {
    if approved.is_empty() || !CbteTipo::from_code(series.cbte_tipo).is_some_and(CbteTipo::is_note) {
        return Ok(Vec::new());
    }
    let mut zeroed = Vec::new();
    for (original, notes) in stored::originals_of_notes_in(fenced, approved).await? {
        let Ok(detail) = stored::voucher::from_json(&original.voucher) else {
            tracing::error!(invoice.id = original.id, "stored voucher unreadable: not settled");
            continue;
        };
        if balance::settled(&Balance::of(&detail), &balance_notes(&notes)).is_zero() {
            zeroed.push(original.id);
        }
    }
    if zeroed.is_empty() {
        return Ok(zeroed);
    }
    stored::mark_cancelled(fenced, &zeroed, now).await
}

/// The notes as the balance sees them (one whose voucher cannot be read counts for nothing).
fn balance_notes(rows: &[InvoiceRow]) -> Vec<Note> {
    rows.iter()
        .filter_map(|row| {
            Some(Note {
                kind: row.note_kind()?,
                status: row.status,
                amounts: Balance::of(&stored::voucher::from_json(&row.voucher).ok()?),
            })
        })
        .collect()
}

/// Everything a note needs decided before it is submitted: whether the original may get it,
/// the voucher, checked with ARCA's rules, and the document it is printed from.
fn prepare(
    account: &Account,
    original: &InvoiceRow,
    notes: &[InvoiceRow],
    request: NoteRequest<'_>,
    now: DateTime<Utc>,
) -> Result<Prepared, Error> {
    let kind = request.kind();
    if let Some(of) = &original.original_id {
        return Err(Error::NoteRefused(format!(
            "invoice {} is a note itself: notes are made against its original, {of}",
            original.id
        )));
    }
    let Some(tipo) = note_type(original.cbte_tipo, kind) else {
        return Err(Error::NoteRefused(format!(
            "invoice {} is of type {}: only Facturas (1, 6, 11, 51, 201, 206, 211) get notes",
            original.id, original.cbte_tipo
        )));
    };
    let live_cancellation = notes
        .iter()
        .find(|note| note.note_kind() == Some(NoteKind::Cancellation) && note.status != InvoiceStatus::Failed);
    if kind == NoteKind::Cancellation
        && let Some(cancellation) = live_cancellation
    {
        return Ok(Prepared::Existing(cancellation.id.clone()));
    }
    match original.status {
        InvoiceStatus::Approved => {}
        InvoiceStatus::Cancelled => {
            return Err(Error::NoteRefused(format!(
                "invoice {} is already cancelled: its balance is zero",
                original.id
            )));
        }
        status => {
            return Err(Error::NoteRefused(format!(
                "invoice {} is {status}: only approved invoices get notes",
                original.id
            )));
        }
    }
    if let Some(cancellation) = live_cancellation {
        return Err(Error::NoteRefused(format!(
            "invoice {} is being cancelled by note {} ({})",
            original.id, cancellation.id, cancellation.status
        )));
    }
    // One note of an original waits for ARCA at a time: otherwise a cancellation approved
    // before a debit note accepted earlier would leave that debit on a cancelled invoice.
    if let Some(waiting) = notes
        .iter()
        .find(|note| matches!(note.status, InvoiceStatus::Pending | InvoiceStatus::PendingRetry))
    {
        return Err(Error::NoteRefused(format!(
            "note {} of invoice {} is still {}: send this note once ARCA has answered it",
            waiting.id, original.id, waiting.status
        )));
    }
    let detail = stored::voucher::from_json(&original.voucher).map_err(|reason| issuance::Error::Corrupt {
        id: original.id.clone(),
        reason,
    })?;
    let today = invoice_compose::argentina_today(now);
    let fecha = request.fecha().unwrap_or(today);
    if let Some(invoiced) = original.fecha
        && fecha < invoiced
    {
        return Err(
            crate::Error::invalid("fecha", format!("must not be before the invoice's date ({invoiced})")).into(),
        );
    }
    // A cancellation lists the approved debit notes too: it is not dated before any of them.
    if kind == NoteKind::Cancellation
        && let Some(debit) = notes
            .iter()
            .filter(|note| note.note_kind() == Some(NoteKind::Debit) && note.status == InvoiceStatus::Approved)
            .filter(|note| note.fecha.is_some_and(|debited| fecha < debited))
            .max_by_key(|note| note.fecha)
    {
        return Err(crate::Error::invalid(
            "fecha",
            format!(
                "must not be before the date of debit note {} ({}), which the cancellation lists",
                debit.id,
                debit.fecha.unwrap_or(fecha)
            ),
        )
        .into());
    }
    let counted = balance_notes(notes);
    let original_balance = Balance::of(&detail);
    let remaining = balance::remaining(&original_balance, &counted);
    let creditable = balance::creditable(&original_balance, &counted);
    let context = Context::new(account, original, &detail, tipo, kind, notes, fecha)?;
    let mut seen: Vec<String> = notes
        .iter()
        .filter(|note| note.status != InvoiceStatus::Failed)
        .map(|note| note.id.clone())
        .collect();
    seen.sort();
    let (voucher, document) = match request {
        NoteRequest::Cancel(cancel) => {
            if remaining.is_zero() {
                return Err(Error::NoteRefused(format!(
                    "invoice {} has no balance left to cancel",
                    original.id
                )));
            }
            check_motivo(cancel.motivo.as_deref())?;
            // Nothing credited or debited before: printed with the invoice's own lines.
            let untouched = counted.iter().all(|note| note.status == InvoiceStatus::Failed);
            context.cancellation(&remaining, untouched, cancel.motivo.as_deref())?
        }
        NoteRequest::Credit(note) | NoteRequest::Debit(note) => {
            let (items, field) = context.lines(note, &creditable)?;
            let (voucher, document) = context.partial(note, items, today)?;
            if kind == NoteKind::Credit {
                let credited =
                    FECAEDetRequest::try_from(&voucher).map_err(|e| crate::Error::invalid(field, e.to_string()))?;
                let credit = Balance::of(&credited);
                let mut problems = balance::excess(&creditable, &remaining, &credit);
                if problems.is_empty() {
                    problems = balance::unbalanced_remainder(&remaining, &credit, tipo.is_fce());
                }
                if !problems.is_empty() {
                    return Err(crate::Error::Invalid(
                        problems
                            .into_iter()
                            .map(|problem| (field.to_string(), problem))
                            .collect(),
                    )
                    .into());
                }
            }
            (voucher, document)
        }
    };
    check_rules(&voucher, account.cuit, context.issuer, today)?;
    Ok(Prepared::Note(Box::new(NewNote {
        voucher,
        document,
        cliente_nombre: original.cliente_nombre.clone(),
        seen,
    })))
}
