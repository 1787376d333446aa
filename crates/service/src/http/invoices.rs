//! `POST /v1/invoices`, `GET /v1/invoices`, `GET /v1/invoices/{id}`, `PATCH /v1/invoices/{id}`:
//! the invoices module's operations over HTTP. The handlers read the request (headers, path,
//! body), call [`crate::invoices`], and map its result to a status code: approved 201 (200 after
//! an edit), failed 400 with ARCA's codes, anything else 202.
//!
//! It holds no business rule: composition, ARCA's rules, the quota, the circuit breaker and the
//! wait for ARCA's answer are the invoices module's.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Tenant;
use super::error::{ApiError, ArcaErrorView, Problem};
use super::extract::{ApiPath, ApiQuery};
use super::json::{ApiJson, JsonBody, shape};
use super::pagination::{Page, PageParams, Pagination};
use super::simple_mode::{InvoiceBody, InvoiceRequest, SimpleDraftView};
use crate::invoice_pdfs::InvoiceLinks;
pub use crate::invoices::CreateInvoice;
use crate::invoices::request::{CondicionVenta, ItemRequest};
use crate::invoices::{Invoice, InvoiceFilter, InvoiceStatus, ListQuery, Respond};
use crate::simple_mode::{Outcome, SimpleInvoice};
use crate::state::AppState;
use crate::storage::invoices::{InformeEstado, NoteKind, TipoAutorizacion};
use crate::text;

/// An ARCA code and message.
pub type ArcaMessage = ArcaErrorView;

/// An invoice as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceView {
    pub id: String,
    pub status: InvoiceStatus,
    pub tipo_comprobante: i32,
    pub punto_venta: i32,
    pub numero: Option<i64>,
    /// `PPPPP-NNNNNNNN` once numbered.
    pub numero_completo: Option<String>,
    pub fecha: Option<NaiveDate>,
    pub cliente_nombre: Option<String>,
    pub cliente_documento_tipo: i32,
    pub cliente_documento_numero: String,
    pub subtotal: String,
    pub iva_total: String,
    pub tributos_total: String,
    pub total: String,
    /// The CAE once approved with one; `null` on an invoice issued under a CAEA (its code is in
    /// `caea`), so a client reading `cae` never takes a CAEA for a CAE.
    pub cae: Option<String>,
    /// The CAE's expiry (`null` on a CAEA invoice: see `vencimiento_caea`).
    pub vencimiento_cae: Option<NaiveDate>,
    /// `CAE` (asked for each voucher) or `CAEA` (issued in contingency under the fortnight's
    /// CAEA, docs/arca.md §G), on every invoice.
    pub tipo_autorizacion: TipoAutorizacion,
    /// The CAEA (14 digits) of an invoice issued under one; `null` otherwise.
    pub caea: Option<String>,
    /// The CAEA's validity end (the fortnight's last day); `null` otherwise.
    pub vencimiento_caea: Option<NaiveDate>,
    /// `true` when issued in contingency (under a CAEA, on a contingency point of sale).
    pub contingencia: bool,
    /// A CAEA invoice's report to ARCA (FECAEARegInformativo); `null` for a CAE invoice.
    pub informe_caea: Option<InformeCaeaView>,
    /// ARCA's QR URL (RG 4892) once authorised (`tipoCodAut` `A` and the CAEA for a CAEA invoice).
    pub qr_data: Option<String>,
    /// The PDF's path (`/v1/invoices/{id}/pdf`, with the API key): on every invoice; it answers
    /// 409 `INVOICE_NOT_APPROVED` until the invoice is approved.
    pub pdf_url: String,
    /// A signed link to the PDF that needs no API key, for the customer
    /// (`/v1/public/invoices/{id}/pdf?expires=…&signature=…`, absolute under `API_URL` when it is
    /// set), valid `PUBLIC_LINK_TTL_DAYS` (30) from this answer; approved invoices only.
    pub public_pdf_url: Option<String>,
    pub observaciones: Vec<ArcaMessage>,
    pub errores: Vec<ArcaMessage>,
    /// The request's `metadata`: only on `GET /v1/invoices/{id}` and the answers of `POST` and
    /// `PATCH`, never in lists (so a page stays small); absent when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// The request's `cliente.domicilio`, printed on the invoice (like `metadata`, not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cliente_domicilio: Option<String>,
    /// The request's `condicion_venta` (printed "Contado" when omitted; not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condicion_venta: Option<CondicionVenta>,
    /// The request's items as stored, with their `codigo` and `unidad` (not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ItemRequest>>,
    /// On a note: `anulacion` (a cancellation), `credito` or `debito`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tipo_nota: Option<TipoNota>,
    /// On a note: the invoice it adjusts (`GET /v1/invoices/{id}` and the notes' answers; not in
    /// lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comprobante_original: Option<ComprobanteOriginal>,
    /// On a Factura: its credit and debit notes, oldest first (`GET /v1/invoices/{id}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notas: Option<Vec<NotaView>>,
    /// On an approved or cancelled Factura: what is left to credit, IVA and tributos included
    /// (its total, plus approved debit notes, minus credit notes approved or still waiting for
    /// ARCA), as a decimal string (`GET /v1/invoices/{id}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saldo: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
}

/// A CAEA invoice's report to ARCA.
#[derive(Debug, Serialize, ToSchema)]
pub struct InformeCaeaView {
    /// `pendiente` (not yet informed, or being reconciled), `informado` (ARCA accepted it) or
    /// `rechazado` (ARCA refused it: `errores`; the account is alerted).
    pub estado: EstadoInforme,
    /// ARCA's codes when it refused the report.
    pub errores: Vec<ArcaMessage>,
    /// ARCA's observations on an accepted report.
    pub observaciones: Vec<ArcaMessage>,
    pub informado_at: Option<DateTime<Utc>>,
    /// The reporting deadline ARCA gave with the CAEA (`FchTopeInf`).
    pub fecha_tope: Option<NaiveDate>,
}

/// A CAEA report's state as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EstadoInforme {
    Pendiente,
    Informado,
    Rechazado,
}

/// What a note does to its original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TipoNota {
    /// Cancels the whole remaining balance (`POST /v1/invoices/{id}/cancel`).
    Anulacion,
    Credito,
    Debito,
}

impl From<NoteKind> for TipoNota {
    fn from(kind: NoteKind) -> TipoNota {
        match kind {
            NoteKind::Cancellation => TipoNota::Anulacion,
            NoteKind::Credit => TipoNota::Credito,
            NoteKind::Debit => TipoNota::Debito,
        }
    }
}

/// The invoice a note adjusts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComprobanteOriginal {
    pub id: String,
    pub tipo_comprobante: i32,
    /// `PPPPP-NNNNNNNN`.
    pub numero_completo: Option<String>,
}

/// One note of an invoice.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotaView {
    pub id: String,
    pub tipo_comprobante: i32,
    pub tipo_nota: TipoNota,
    pub status: InvoiceStatus,
    /// `PPPPP-NNNNNNNN` once numbered.
    pub numero_completo: Option<String>,
    pub total: String,
}

impl InvoiceView {
    /// The invoice as shown, with its `links` (`InvoicePdfs::links`).
    pub fn new(invoice: Invoice, links: InvoiceLinks) -> InvoiceView {
        let numero_completo = invoice.numero_completo();
        let messages = |messages: Vec<crate::invoices::ArcaMessage>| -> Vec<ArcaMessage> {
            messages
                .into_iter()
                .map(|m| ArcaMessage {
                    code: m.code,
                    message: m.message,
                })
                .collect()
        };
        let informe_caea = invoice.informe_caea.map(|informe| InformeCaeaView {
            estado: match informe.estado {
                InformeEstado::Informado => EstadoInforme::Informado,
                InformeEstado::Rechazado => EstadoInforme::Rechazado,
                InformeEstado::Pendiente | InformeEstado::EnCurso => EstadoInforme::Pendiente,
            },
            errores: messages(informe.errores),
            observaciones: messages(informe.observaciones),
            informado_at: informe.informado_at,
            fecha_tope: informe.fecha_tope,
        });
        let row = invoice.row;
        let tipo_autorizacion = row.authorization.tipo_autorizacion;
        let caea = tipo_autorizacion == TipoAutorizacion::Caea;
        let printed = invoice.printed.unwrap_or_default();
        let tipo_nota = row.note_kind().map(TipoNota::from);
        let comprobante_original = invoice.original.map(|original| ComprobanteOriginal {
            id: original.id,
            tipo_comprobante: original.tipo_comprobante,
            numero_completo: original.numero_completo,
        });
        let notas = invoice.notes.map(|notes| {
            notes
                .into_iter()
                .map(|note| NotaView {
                    id: note.id,
                    tipo_comprobante: note.tipo_comprobante,
                    tipo_nota: note.kind.into(),
                    status: note.status,
                    numero_completo: note.numero_completo,
                    total: format!("{:.2}", note.total),
                })
                .collect()
        });
        InvoiceView {
            id: row.id,
            status: row.status,
            tipo_comprobante: row.cbte_tipo,
            punto_venta: row.punto_venta,
            numero: row.numero,
            numero_completo,
            fecha: row.fecha,
            cliente_nombre: row.cliente_nombre,
            cliente_documento_tipo: row.doc_tipo,
            cliente_documento_numero: row.doc_nro.to_string(),
            subtotal: format!("{:.2}", invoice.subtotal),
            iva_total: format!("{:.2}", invoice.iva_total),
            tributos_total: format!("{:.2}", invoice.tributos_total),
            total: format!("{:.2}", invoice.total),
            cae: if caea { None } else { row.cae.clone() },
            vencimiento_cae: if caea { None } else { row.cae_vencimiento },
            tipo_autorizacion,
            caea: if caea { row.cae } else { None },
            vencimiento_caea: if caea { row.cae_vencimiento } else { None },
            contingencia: caea,
            informe_caea,
            qr_data: invoice.qr_data,
            pdf_url: links.pdf_url,
            public_pdf_url: links.public_pdf_url,
            observaciones: messages(invoice.observaciones),
            errores: messages(invoice.errores),
            metadata: invoice.metadata,
            cliente_domicilio: printed.cliente_domicilio,
            condicion_venta: printed.condicion_venta,
            items: (!printed.items.is_empty()).then_some(printed.items),
            tipo_nota,
            comprobante_original,
            notas,
            saldo: invoice.saldo.map(|saldo| format!("{saldo:.2}")),
            created_at: row.created_at,
            updated_at: row.updated_at,
            approved_at: row.approved_at,
        }
    }
}

/// Create and authorize an invoice: `mode: advanced` (the structured invoice) or `mode: simple`
/// (a description the configured AI provider drafts; README "Simple mode").
#[utoipa::path(
    post,
    path = "/v1/invoices",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = InvoiceRequest,
    params(
        ("Idempotency-Key" = Option<String>, Header, max_length = 255, min_length = 1, pattern = "^[ -~]{1,255}$", description = "1 to 255 printable ASCII characters. Same key and body: the same invoice; another body: 409 (`mode: simple`: only with `confirmar: true`, on the simple body)"),
        ("Prefer" = Option<String>, Header, description = "`respond-async`: answer 202 at once"),
    ),
    responses(
        (status = 200, body = SimpleDraftView, description = "`mode: simple` with `confirmar: false` (the default): the draft, its `confidence` and its `dudas`; nothing was issued or stored"),
        (status = 201, body = InvoiceView, description = "approved: it has a CAE, or (CAEA contingency) was issued at once under the fortnight's CAEA (`tipo_autorizacion` `CAEA`); `mode: simple` with `confirmar: true` and a confidence at least AI_MIN_CONFIDENCE answers the same"),
        (status = 202, body = InvoiceView, description = "accepted, not yet authorised: `pending` with `Prefer: respond-async`, `pending_retry` when ARCA did not answer within the wait or the circuit breaker is open"),
        (status = 400, description = "VALIDATION_ERROR naming each field (and ARCA's code); for `mode: simple` with `confirmar: true`, the draft's errors with the draft as `borrador`. ARCA_VALIDATION_FAILED when ARCA rejected the invoice (kept as failed)", body = Problem, content_type = "application/problem+json"),
        (status = 402, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "CONFLICT (an Idempotency-Key reused with another body), CONTINGENCY_NOT_ACTIVE (`contingencia: true` while ARCA's CAE service answers), CAEA_SERIES_EXHAUSTED (the contingency series is at 99999999)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A receiver given by its CUIT could not be filled from ARCA's padrón: TAXPAYER_NOT_FOUND, TAXPAYER_DATA_INCOMPLETE (`cliente.condicion_iva`), ARCA_SERVICE_NOT_AUTHORIZED, NO_CERTIFICATE; CONTINGENCY_NOT_CONFIGURED (`contingencia: true` without an active contingency point of sale). `mode: simple`: NOT_CONFIGURED (no AI provider: `errors[]` names AI_BASE_URL and AI_MODEL), CONFIRMATION_REQUIRED (`confirmar: true` and the draft's confidence is under AI_MIN_CONFIDENCE: the draft as `borrador`, what to confirm in `errors[]`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "ARCA_UNAVAILABLE (breaker open, INVOICE_QUEUE_MODE=reject), CAEA_UNAVAILABLE (`contingencia: true` with no usable CAEA); `mode: simple`: AI_PROVIDER_UNAVAILABLE (the provider failed or gave no usable draft; `retryable` says whether to try again); nothing is issued", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "AI_PROVIDER_TIMEOUT: `mode: simple` and the provider did not answer within AI_TIMEOUT_MS; retryable, nothing is issued", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_invoice(
    State(state): State<AppState>,
    tenant: Tenant,
    headers: HeaderMap,
    ApiJson(body): ApiJson<InvoiceBody>,
) -> Result<Response, ApiError> {
    if body.is_simple() {
        let request: SimpleInvoice = shape(body.0)?;
        let outcome = state
            .simple_mode
            .run(
                tenant.account_id(),
                &request,
                idempotency_key(&headers)?,
                respond(&headers),
            )
            .await?;
        return Ok(match outcome {
            Outcome::Draft(draft) => (StatusCode::OK, Json(SimpleDraftView::new(*draft))).into_response(),
            Outcome::Issued(invoice) => answer(&state, *invoice, StatusCode::CREATED),
        });
    }
    let request: CreateInvoice = shape(body.0)?;
    let invoice = state
        .invoices
        .create(
            tenant.account_id(),
            &request,
            idempotency_key(&headers)?,
            respond(&headers),
        )
        .await?;
    Ok(answer(&state, invoice, StatusCode::CREATED))
}

/// An invoice that passed every check `POST /v1/invoices` makes before numbering it: what it
/// would be issued as. Nothing was stored, numbered or sent to ARCA's WSFEv1.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationView {
    /// Always `true`: an invoice that fails a check answers 400 `VALIDATION_ERROR` instead.
    pub valida: bool,
    /// The voucher type it would be issued as (FCE when the buyer is obliged to receive one).
    pub tipo_comprobante: i32,
    /// Decimal strings, as an invoice shows them.
    pub subtotal: String,
    pub iva_total: String,
    pub tributos_total: String,
    pub total: String,
    /// The request as it would be issued: the receiver filled from ARCA's padrón when given by
    /// its CUIT alone.
    pub factura: CreateInvoice,
}

/// Check an advanced invoice without issuing it: the padrón fill, composition and ARCA's rules
/// with their codes, the same checks `POST /v1/invoices` makes. Nothing is stored, numbered or
/// counted against the quota, and ARCA's WSFEv1 is not called.
#[utoipa::path(
    post,
    path = "/v1/invoices/validate",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = CreateInvoice,
    responses(
        (status = 200, body = ValidationView, description = "the invoice passes every check; nothing was issued"),
        (status = 400, description = "VALIDATION_ERROR naming each field and the rule (ARCA's code in the message when it is one of ARCA's rules)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A receiver given by its CUIT could not be filled from ARCA's padrón: TAXPAYER_NOT_FOUND, TAXPAYER_DATA_INCOMPLETE, ARCA_SERVICE_NOT_AUTHORIZED, NO_CERTIFICATE", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn validate_invoice(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiJson(request): ApiJson<CreateInvoice>,
) -> Result<Json<ValidationView>, ApiError> {
    let checked = state.invoices.check(tenant.account_id(), &request).await?;
    let totals = checked.totals();
    Ok(Json(ValidationView {
        valida: true,
        tipo_comprobante: totals.tipo_comprobante,
        subtotal: format!("{:.2}", totals.subtotal),
        iva_total: format!("{:.2}", totals.iva_total),
        tributos_total: format!("{:.2}", totals.tributos_total),
        total: format!("{:.2}", totals.total),
        factura: checked.request,
    }))
}

/// Edit a `failed` (or not yet numbered) invoice and resubmit it: the body is the whole invoice
/// again, checked like a new one. Approved, cancelled and in-flight invoices answer 409.
#[utoipa::path(
    patch,
    path = "/v1/invoices/{id}",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The invoice's id (`inv_…`)")),
    request_body = CreateInvoice,
    responses(
        (status = 200, body = InvoiceView, description = "approved after resubmission"),
        (status = 202, body = InvoiceView, description = "resubmitted, not yet authorised"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A receiver given by its CUIT could not be filled from ARCA's padrón: TAXPAYER_NOT_FOUND, TAXPAYER_DATA_INCOMPLETE (`cliente.condicion_iva`), ARCA_SERVICE_NOT_AUTHORIZED, NO_CERTIFICATE", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_invoice(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CreateInvoice>,
) -> Result<Response, ApiError> {
    let invoice = state
        .invoices
        .update(tenant.account_id(), &id, &request, respond(&headers))
        .await?;
    Ok(answer(&state, invoice, StatusCode::OK))
}

/// One invoice.
#[utoipa::path(
    get,
    path = "/v1/invoices/{id}",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The invoice's id (`inv_…`)")),
    responses(
        (status = 200, body = InvoiceView),
        (status = 400, description = "A path parameter holds a control character or a bidi override", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_invoice(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<InvoiceView>, ApiError> {
    let invoice = state.invoices.find(tenant.account_id(), &id).await?;
    Ok(Json(view(&state, invoice)))
}

/// Filters of `GET /v1/invoices` (with `limit` and `offset`, documented by [`PageParams`]).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListFilters {
    /// Only invoices in this status.
    pub status: Option<InvoiceStatus>,
    /// Only invoices dated this day or later (`YYYY-MM-DD`).
    pub fecha_desde: Option<NaiveDate>,
    /// Only invoices dated this day or earlier (`YYYY-MM-DD`).
    pub fecha_hasta: Option<NaiveDate>,
    /// Part of the customer's name, case-insensitive.
    #[param(max_length = 200)]
    pub cliente_nombre: Option<String>,
    /// The customer's document number, digits only.
    #[param(pattern = r"^[0-9]{1,11}$")]
    pub cliente_documento: Option<String>,
    /// ARCA's point of sale number.
    #[param(minimum = 1, maximum = 99998)]
    pub punto_venta: Option<i32>,
    /// ARCA's voucher type (`CbteTipo`).
    #[param(minimum = 1, maximum = 999)]
    pub tipo_comprobante: Option<i32>,
    #[param(ignore)]
    pub limit: Option<String>,
    #[param(ignore)]
    pub offset: Option<String>,
}

impl ListFilters {
    /// The filters as the invoices module takes them, or every value out of its range named
    /// (the invoices module's check, [`ListQuery::check`]).
    fn into_filter(self) -> Result<InvoiceFilter, ApiError> {
        Ok(ListQuery {
            status: self.status,
            fecha_desde: self.fecha_desde,
            fecha_hasta: self.fecha_hasta,
            cliente_nombre: self.cliente_nombre,
            cliente_documento: self.cliente_documento,
            punto_venta: self.punto_venta,
            tipo_comprobante: self.tipo_comprobante,
        }
        .check()?)
    }
}

/// The account's invoices, newest first.
#[utoipa::path(
    get,
    path = "/v1/invoices",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    params(ListFilters, PageParams),
    responses(
        (status = 200, body = Page<InvoiceView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_invoices(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiQuery(filters): ApiQuery<ListFilters>,
) -> Result<Json<Page<InvoiceView>>, ApiError> {
    let pagination = Pagination::parse(filters.limit.as_deref(), filters.offset.as_deref())?;
    let filter = filters.into_filter()?;
    let (invoices, total) = state
        .invoices
        .list(tenant.account_id(), &filter, pagination.limit, pagination.offset)
        .await?;
    let views = invoices.into_iter().map(|invoice| view(&state, invoice)).collect();
    Ok(Json(pagination.page(views, total)))
}

/// `Prefer: respond-async` answers at once; otherwise the request waits for ARCA's result.
/// The `Idempotency-Key` header, checked (1 to 255 printable ASCII characters).
pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    headers
        .get("idempotency-key")
        .map(|value| text::idempotency_key(value.as_bytes()))
        .transpose()
        .map_err(|message| ApiError::field("Idempotency-Key", message))
}

pub(super) fn respond(headers: &HeaderMap) -> Respond {
    if header(headers, "prefer").is_some_and(|p| p.contains("respond-async")) {
        Respond::Async
    } else {
        Respond::Wait
    }
}

/// The invoice as shown, with the links of `InvoicePdfs`.
fn view(state: &AppState, invoice: Invoice) -> InvoiceView {
    let links = state.invoice_pdfs.links(&invoice.row.id, invoice.status());
    InvoiceView::new(invoice, links)
}

/// `approved` with `success`, `failed` 400 with ARCA's codes, anything else 202.
pub(super) fn answer(state: &AppState, invoice: Invoice, success: StatusCode) -> Response {
    let view = view(state, invoice);
    match view.status {
        InvoiceStatus::Approved => (success, Json(view)).into_response(),
        InvoiceStatus::Failed => ApiError::arca_rejected(
            view.id.clone(),
            view.errores.iter().chain(&view.observaciones).cloned().collect(),
        )
        .into_response(),
        InvoiceStatus::Pending | InvoiceStatus::PendingRetry | InvoiceStatus::Cancelled => {
            (StatusCode::ACCEPTED, Json(view)).into_response()
        }
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl JsonBody for CreateInvoice {
    const MULTI_LINE: &'static [&'static str] = &["items[].descripcion", "metadata"];
}
