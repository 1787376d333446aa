//! What a note request carries: the bodies of `POST /v1/invoices/{id}/cancel` and of
//! `…/credit-notes` / `…/debit-notes`, and their simple checks. Amounts are exact decimals from the
//! first byte, as an invoice's.
//!
//! It never composes a voucher (`notes::compose` does) and never touches storage.

use arca_protocol::money::Decimal;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::invoices::request::{ItemRequest, TributoRequest, decimal};
use crate::invoices::{Error, hex};
use crate::storage::invoices::NoteKind;

/// `motivo`, in characters.
pub const MOTIVO_MAX: usize = 200;

/// `POST /v1/invoices/{id}/cancel` body (optional: an empty body is `{}`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInvoice {
    /// Why the invoice is cancelled, kept with the note: 1 to 200 characters, single line.
    #[schema(min_length = 1, max_length = 200)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motivo: Option<String>,
    /// The note's date (Argentina's calendar day; today when omitted), never before the
    /// invoice's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha: Option<NaiveDate>,
}

/// `POST /v1/invoices/{id}/credit-notes` and `…/debit-notes` body: exactly one of `items` and
/// `importe`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNote {
    /// The note's lines, as an invoice's (1 to 200). A credit note's lines may only use the IVA
    /// rates and treatments the invoice has, and never more of any than is left.
    #[schema(min_items = 1, max_items = 200)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ItemRequest>>,
    /// With `items` only: at most 20, as an invoice's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 20)]
    pub tributos: Vec<TributoRequest>,
    /// Instead of `items`: the note's total, IVA included, as one line with the invoice's only
    /// IVA rate or treatment (an invoice with several needs `items`). Refused, naming the nearest
    /// totals, when no net amount makes it exactly.
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,13}(\\.[0-9]{1,2})?$")]
    #[serde(
        default,
        deserialize_with = "decimal::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub importe: Option<Decimal>,
    /// With `importe`: the line's text (1 to 500 characters); "Crédito/Débito sobre Factura …"
    /// when omitted.
    #[schema(min_length = 1, max_length = 500)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descripcion: Option<String>,
    /// The note's date (Argentina's calendar day; today when omitted), never before the
    /// invoice's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha: Option<NaiveDate>,
    /// Why, kept with the note: 1 to 200 characters, single line.
    #[schema(min_length = 1, max_length = 200)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motivo: Option<String>,
    /// Free data kept with the note, as an invoice's `metadata` (same limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}

/// What a note request asks for.
#[derive(Debug, Clone, Copy)]
pub enum NoteRequest<'a> {
    Cancel(&'a CancelInvoice),
    Credit(&'a CreateNote),
    Debit(&'a CreateNote),
}

impl NoteRequest<'_> {
    pub fn kind(self) -> NoteKind {
        match self {
            NoteRequest::Cancel(_) => NoteKind::Cancellation,
            NoteRequest::Credit(_) => NoteKind::Credit,
            NoteRequest::Debit(_) => NoteKind::Debit,
        }
    }

    pub fn fecha(self) -> Option<NaiveDate> {
        match self {
            NoteRequest::Cancel(cancel) => cancel.fecha,
            NoteRequest::Credit(note) | NoteRequest::Debit(note) => note.fecha,
        }
    }

    /// The request as hashed for its idempotency key: the kind, the original and the body.
    pub fn hash(self, original_id: &str) -> String {
        let body = match self {
            NoteRequest::Cancel(cancel) => serde_json::to_value(cancel),
            NoteRequest::Credit(note) | NoteRequest::Debit(note) => serde_json::to_value(note),
        }
        .unwrap_or_default();
        let sent = serde_json::json!({"kind": self.kind().as_str(), "original": original_id, "body": body});
        hex(&Sha256::digest(sent.to_string().as_bytes()))
    }
}

pub(super) fn check_motivo(motivo: Option<&str>) -> Result<(), Error> {
    if let Some(motivo) = motivo
        && (motivo.trim().is_empty() || motivo.chars().count() > MOTIVO_MAX)
    {
        return Err(crate::Error::invalid(
            "motivo",
            format!("must be 1 to {MOTIVO_MAX} characters (leave it out when there is none)"),
        )
        .into());
    }
    Ok(())
}
