//! `POST /v1/invoices` with `mode: simple`, over HTTP: the draft as the API shows it
//! ([`SimpleDraftView`]), the body that is either request ([`InvoiceBody`], documented as
//! [`InvoiceRequest`]), and simple mode's refusals as problems.
//!
//! It holds no rule: drafting, checking and the confidence are `crate::simple_mode`'s.

use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, FieldError};
use super::json::JsonBody;
use crate::invoices::CreateInvoice;
use crate::simple_mode::{self, Draft, Duda, SimpleInvoice};

/// The body of `POST /v1/invoices`: an advanced invoice ([`CreateInvoice`]) or a described one
/// ([`SimpleInvoice`]), told apart by `mode` (documentation only: the handler reads
/// [`InvoiceBody`]).
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum InvoiceRequest {
    Advanced(Box<CreateInvoice>),
    Simple(SimpleInvoice),
}

/// The body of `POST /v1/invoices` as read: a JSON object whose `mode` says which request it is.
pub struct InvoiceBody(pub serde_json::Value);

impl<'de> serde::Deserialize<'de> for InvoiceBody {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<InvoiceBody, D::Error> {
        serde_json::Value::deserialize(deserializer).map(InvoiceBody)
    }
}

impl JsonBody for InvoiceBody {
    // An advanced invoice's multi-line fields, and a simple one's description.
    const MULTI_LINE: &'static [&'static str] = &["items[].descripcion", "metadata", "descripcion"];
}

impl InvoiceBody {
    /// Whether the body asks for `mode: simple`.
    pub fn is_simple(&self) -> bool {
        self.0.get("mode").and_then(serde_json::Value::as_str) == Some("simple")
    }
}

/// A `mode: simple` draft (`confirmar: false`, or refused with `confirmar: true`): the advanced
/// invoice the description became, its totals, and how sure the service is. Nothing is issued.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SimpleDraftView {
    /// `simple`.
    #[schema(value_type = crate::simple_mode::SimpleModeName)]
    pub mode: &'static str,
    /// Always `false`: a draft issues nothing.
    pub emitida: bool,
    /// The invoice as an advanced request, the receiver filled from ARCA's padrón: correct it if
    /// needed and send it as `mode: advanced`, or send the description again with
    /// `confirmar: true`.
    pub borrador: CreateInvoice,
    /// The voucher type the service chose or kept (`null` when the draft did not compose).
    pub tipo_comprobante: Option<i32>,
    /// Decimal strings, as an invoice shows them (`null` when the draft did not compose).
    pub subtotal: Option<String>,
    pub iva_total: Option<String>,
    pub tributos_total: Option<String>,
    pub total: Option<String>,
    /// 0–1: the model's per-field certainty and the service's checks (README "Simple mode").
    #[schema(minimum = 0, maximum = 1)]
    pub confidence: f64,
    /// `AI_MIN_CONFIDENCE`: what `confirmar: true` needs.
    #[schema(minimum = 0, maximum = 1)]
    pub min_confidence: f64,
    /// What to confirm before issuing: fields the model was unsure of or inferred, a receiver
    /// not found, totals that do not add up.
    pub dudas: Vec<Duda>,
    /// Why the draft cannot be issued as it is: each field and the rule (ARCA's code in the
    /// message); empty when it can.
    pub errores: Vec<FieldError>,
    /// The model that drafted it (`AI_MODEL`).
    pub modelo: String,
}

impl SimpleDraftView {
    pub fn new(draft: Draft) -> SimpleDraftView {
        let totals = draft.totals;
        SimpleDraftView {
            mode: "simple",
            emitida: false,
            borrador: draft.request,
            tipo_comprobante: totals.as_ref().map(|totals| totals.tipo_comprobante),
            subtotal: totals.as_ref().map(|totals| format!("{:.2}", totals.subtotal)),
            iva_total: totals.as_ref().map(|totals| format!("{:.2}", totals.iva_total)),
            tributos_total: totals.as_ref().map(|totals| format!("{:.2}", totals.tributos_total)),
            total: totals.as_ref().map(|totals| format!("{:.2}", totals.total)),
            confidence: draft.assessment.confidence,
            min_confidence: draft.min_confidence,
            dudas: draft.assessment.dudas,
            errores: draft
                .errors
                .into_iter()
                .map(|(field, message)| FieldError { field, message })
                .collect(),
            modelo: draft.model,
        }
    }

    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Simple mode's refusals: 422 `NOT_CONFIGURED` naming the settings, the provider's 503/504,
/// a draft that does not pass the invoice's checks 400 `VALIDATION_ERROR` (with ARCA's codes),
/// a draft under `AI_MIN_CONFIDENCE` 422 `CONFIRMATION_REQUIRED` — both with the draft as
/// `borrador` — and the invoices module's own.
impl From<simple_mode::Error> for ApiError {
    fn from(error: simple_mode::Error) -> ApiError {
        use simple_mode::Error as Simple;
        match error {
            error @ Simple::NotConfigured => {
                ApiError::not_configured(error.to_string(), &crate::config::AI_REQUIRED_SETTINGS)
            }
            Simple::Provider(error) => ApiError::ai_provider(&error),
            Simple::DraftInvalid(draft) => {
                let view = SimpleDraftView::new(*draft);
                ApiError::validation(view.errores.clone()).with_draft(view.json())
            }
            Simple::NeedsConfirmation(draft) => {
                let view = SimpleDraftView::new(*draft);
                let dudas = view
                    .dudas
                    .iter()
                    .map(|duda| FieldError {
                        field: duda.campo.clone(),
                        message: duda.motivo.clone(),
                    })
                    .collect();
                let detail = format!(
                    "the draft's confidence {:.2} is under AI_MIN_CONFIDENCE {:.2}: nothing was issued; confirm what \
                     `errors` lists and send the corrected `borrador` as an advanced invoice",
                    view.confidence, view.min_confidence
                );
                ApiError::confirmation_required(detail, dudas).with_draft(view.json())
            }
            Simple::Invoices(error) => error.into(),
        }
    }
}
