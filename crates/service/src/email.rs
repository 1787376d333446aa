//! Invoice emails: `POST /v1/invoices/{id}/email` and `GET /v1/invoices/{id}/emails` without
//! HTTP, and the email an approval sends when the account asks for it (`enviar_email_automatico`
//! and the invoice's `cliente.email`).
//!
//! An email is an outbox message ([`crate::outbox`]): written in the transaction of what causes
//! it, delivered by the dispatcher, each attempt recorded. Its payload keeps the recipients, the
//! subject and the text as they will be sent; the PDF is rendered at send time
//! ([`delivery::EmailDelivery`]). [`request`] holds the body's rules, [`message`] the MIME
//! message and the Spanish defaults.
//!
//! It never speaks HTTP and never talks SMTP itself outside [`delivery`].

pub mod delivery;
pub mod message;
pub mod request;

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use delivery::Setup;
use message::{EmailPayload, InvoiceFacts, Origin};
pub use request::SendInvoiceEmail;

use crate::Error;
use crate::documents::Documents;
use crate::outbox::{self, Dispatcher, MessageKind, MessageRow};
use crate::storage::invoices::InvoiceRow;
use crate::storage::outbox::AttemptRow;
use crate::storage::series::Fenced;
use crate::storage::{self, Storage};

/// An invoice email with its attempts, as the API shows it.
#[derive(Debug, Clone)]
pub struct Email {
    pub message: MessageRow,
    pub payload: Option<EmailPayload>,
    pub attempts: Vec<AttemptRow>,
}

/// Invoice emails of every account. Cloning is cheap.
#[derive(Clone)]
pub struct Emails {
    storage: Storage,
    documents: Documents,
    setup: Setup,
    dispatcher: Arc<Dispatcher>,
}

impl Emails {
    pub fn new(storage: Storage, setup: Setup, dispatcher: Arc<Dispatcher>) -> Emails {
        Emails {
            documents: Documents::new(storage.clone()),
            storage,
            setup,
            dispatcher,
        }
    }

    /// Queues the approved invoice's PDF to the request's recipients and wakes the dispatcher.
    /// Checked in this order: email configured (else [`Error::EmailNotConfigured`]), the body
    /// (every problem at once), the invoice the account's (else not found) and approved (else a
    /// conflict), and printable (its issuer profile was kept with the approval, else
    /// [`Error::IssuerProfileRequired`]), so an email that could never carry its PDF is not
    /// queued.
    pub async fn send_invoice(
        &self,
        account_id: &str,
        invoice_id: &str,
        request: &SendInvoiceEmail,
    ) -> Result<Email, Error> {
        if let Setup::NotConfigured(missing) = &self.setup {
            return Err(Error::EmailNotConfigured(missing.clone()));
        }
        let checked = request.check().map_err(Error::Invalid)?;
        let (row, facts) = self.approved_invoice(account_id, invoice_id).await?;
        self.documents.invoice_document(account_id, invoice_id).await?;
        let payload = EmailPayload {
            to: checked.to,
            cc: checked.cc,
            asunto: checked.asunto.unwrap_or_else(|| facts.default_subject()),
            mensaje: checked.mensaje.unwrap_or_else(|| facts.default_text()),
            adjunto: facts.attachment_name(),
            origen: Origin::Api,
        };
        let now = storage::now();
        let mut transaction = self.storage.begin().await?;
        let id = outbox::enqueue(
            &mut transaction,
            &row.account_id,
            MessageKind::Email,
            &row.id,
            &serde_json::to_value(&payload).unwrap_or_default(),
            now,
        )
        .await?;
        transaction.commit().await?;
        self.dispatcher.wake();
        self.find(&id).await
    }

    /// The invoice's emails, newest first, with their attempts, and how many there are.
    pub async fn list_for_invoice(
        &self,
        account_id: &str,
        invoice_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Email>, i64), Error> {
        let _ = account_invoice(&self.storage, account_id, invoice_id).await?;
        let (messages, total) =
            storage::outbox::list_for_subject(&self.storage, account_id, MessageKind::Email, invoice_id, limit, offset)
                .await?;
        let ids: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
        let mut attempts = storage::outbox::attempts(&self.storage, &ids).await?;
        let emails = messages
            .into_iter()
            .map(|message| {
                let mine: Vec<AttemptRow> = attempts.extract_if(.., |a| a.message_id == message.id).collect();
                email(message, mine)
            })
            .collect();
        Ok((emails, total))
    }

    async fn find(&self, id: &str) -> Result<Email, Error> {
        let message = storage::outbox::find(&self.storage, id).await?.ok_or(Error::NotFound)?;
        let attempts = storage::outbox::attempts(&self.storage, &[id.to_string()]).await?;
        Ok(email(message, attempts))
    }

    async fn approved_invoice(&self, account_id: &str, invoice_id: &str) -> Result<(InvoiceRow, InvoiceFacts), Error> {
        let row = account_invoice(&self.storage, account_id, invoice_id).await?;
        if !row.status.is_authorised() {
            return Err(Error::Conflict(format!(
                "invoice {invoice_id} is {}: only approved invoices can be emailed",
                row.status
            )));
        }
        let account = crate::accounts::find(&self.storage, account_id).await?;
        let facts = InvoiceFacts {
            issuer_name: account.name.clone(),
            issuer_cuit: account.cuit.to_string(),
            cbte_tipo: row.cbte_tipo,
            punto_venta: row.punto_venta,
            numero: row.numero.ok_or(Error::NotFound)?,
            cae: row.cae.clone(),
            cae_vencimiento: row.cae_vencimiento,
            caea: row.authorization.tipo_autorizacion == storage::invoices::TipoAutorizacion::Caea,
            total: row.amounts.imp_total.clone(),
        };
        Ok((row, facts))
    }
}

fn email(message: MessageRow, attempts: Vec<AttemptRow>) -> Email {
    let payload = serde_json::from_str(&message.payload).ok();
    Email {
        message,
        payload,
        attempts,
    }
}

async fn account_invoice(storage: &Storage, account_id: &str, invoice_id: &str) -> Result<InvoiceRow, Error> {
    storage::invoices::find(storage, invoice_id)
        .await?
        .filter(|row| row.account_id == account_id)
        .ok_or(Error::NotFound)
}

/// The customer's address an invoice request carried (`cliente.email`), if any.
fn cliente_email(document: Option<&str>) -> Option<String> {
    let document: serde_json::Value = serde_json::from_str(document?).ok()?;
    let address = document.get("cliente")?.get("email")?.as_str()?.trim().to_string();
    request::address_problem(&address).is_ok().then_some(address)
}

/// In the fenced transaction that records the approval of `approved` invoices: queues the
/// default email to `cliente.email` for each whose account has `enviar_email_automatico` on
/// (ARCHITECTURE.md invariant 16: the email exists exactly when the approval does). An invoice
/// without a usable address is skipped; only a database failure is an error (and rolls the
/// approval back with it, as any failed write of the worker does).
pub async fn enqueue_on_approval(
    fenced: &mut Fenced<'_>,
    approved: &[String],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    if approved.is_empty() {
        return Ok(0);
    }
    let candidates = storage::outbox::approved_for_email(fenced, approved).await?;
    let messages = approval_messages(candidates, now);
    for message in &messages {
        storage::outbox::insert_fenced(fenced, message).await?;
    }
    Ok(messages.len())
}

/// [`enqueue_on_approval`] in the transaction that issues an invoice under a CAEA: it holds no
/// series lease (no CAE worker writes a contingency series; its number comes from the
/// `caea_series` row the transaction holds), so it is a plain transaction, not a fenced one.
pub async fn enqueue_on_caea_approval(
    transaction: &mut storage::transaction::Transaction<'_>,
    approved: &[String],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    if approved.is_empty() {
        return Ok(0);
    }
    let candidates = storage::outbox::approved_for_email_in(transaction, approved).await?;
    let messages = approval_messages(candidates, now);
    for message in &messages {
        storage::outbox::insert(transaction, message).await?;
    }
    Ok(messages.len())
}

/// The approval emails of `candidates` (those with a usable `cliente.email`).
fn approval_messages(
    candidates: Vec<storage::outbox::ApprovedInvoice>,
    now: DateTime<Utc>,
) -> Vec<storage::outbox::NewMessage> {
    let mut messages = Vec::new();
    for candidate in candidates {
        let (Some(address), Some(numero)) = (cliente_email(candidate.document.as_deref()), candidate.numero) else {
            continue;
        };
        let facts = InvoiceFacts {
            issuer_name: candidate.account_name.clone(),
            issuer_cuit: candidate.cuit.clone(),
            cbte_tipo: candidate.cbte_tipo,
            punto_venta: candidate.punto_venta,
            numero,
            cae: candidate.cae.clone(),
            cae_vencimiento: candidate.cae_vencimiento,
            caea: candidate.tipo_autorizacion == storage::invoices::TipoAutorizacion::Caea,
            total: candidate.imp_total.clone(),
        };
        let payload = EmailPayload {
            to: vec![address],
            cc: Vec::new(),
            asunto: facts.default_subject(),
            mensaje: facts.default_text(),
            adjunto: facts.attachment_name(),
            origen: Origin::Aprobacion,
        };
        let message = storage::outbox::NewMessage {
            id: storage::new_id("msg"),
            account_id: candidate.account_id.clone(),
            kind: MessageKind::Email,
            subject_id: candidate.id.clone(),
            payload: serde_json::to_value(&payload).unwrap_or_default().to_string(),
            next_attempt_at: now.timestamp_millis(),
            created_at: now,
        };
        messages.push(message);
    }
    messages
}
