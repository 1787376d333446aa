//! `POST /v1/invoices`, `GET /v1/invoices`, `GET /v1/invoices/{id}`: invoices in ARCA's
//! vocabulary (product.md). A request is composed into a voucher (exact amounts), pre-validated
//! with ARCA's rules, counted against the monthly quota and committed as `pending` before any
//! answer; the handler then waits for the engine's result up to a bound.

use std::time::Duration;

use arca_protocol::Cuit;
use arca_protocol::codes::{CbteTipo, Concepto, CondicionIvaReceptor, DocTipo, IvaRate, TributoTipo};
use arca_protocol::compose::{self, InvoiceDraft, Item, ItemIva, Receiver, TributoLine};
use arca_protocol::money::Decimal;
use arca_protocol::money::Money;
use arca_protocol::qr::{AuthorizationKind, QrData};
use arca_protocol::validate::{IssuerIvaCondition, ValidationContext, validate};
use arca_protocol::voucher::{CbteAsoc, PeriodoAsoc};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::auth::Tenant;
use super::error::{ApiError, FieldError, Problem};
use super::json::ApiJson;
use super::pagination::{Page, Pagination};
use crate::app::AppState;
use crate::config::QueueMode;
use crate::issuance::{self, NewInvoice};
use crate::storage::invoices::{InvoiceFilter, InvoiceRow};
use crate::{accounts, storage, usage};

/// `POST /v1/invoices` body (`mode: advanced`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvoice {
    /// `advanced` (structured). `simple` needs an AI provider and is not available here.
    pub mode: String,
    /// ARCA's CbteTipo (1 Factura A, 6 Factura B, 11 Factura C, …); chosen from the issuer's and
    /// the receiver's IVA conditions when omitted.
    pub tipo_comprobante: Option<i32>,
    pub punto_venta: u32,
    /// `productos`, `servicios` or `mixto`.
    pub concepto: String,
    pub cliente: Cliente,
    pub items: Vec<ItemRequest>,
    #[serde(default)]
    pub tributos: Vec<TributoRequest>,
    /// Voucher date (Argentina's calendar day; today when omitted).
    pub fecha: Option<NaiveDate>,
    pub fecha_servicio_desde: Option<NaiveDate>,
    pub fecha_servicio_hasta: Option<NaiveDate>,
    pub fecha_vencimiento_pago: Option<NaiveDate>,
    /// ARCA currency id (`PES`, `DOL`, `060`); `PES` when omitted.
    pub moneda: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "decimal::optional")]
    pub cotizacion: Option<Decimal>,
    /// Vouchers a credit or debit note refers to.
    #[serde(default)]
    pub comprobantes_asociados: Vec<AsociadoRequest>,
    /// The issuer's IVA condition: `responsable_inscripto` (default), `monotributo` or `exento`.
    pub condicion_iva_emisor: Option<String>,
    /// Free data kept with the invoice.
    pub metadata: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cliente {
    /// ARCA DocTipo: 80 CUIT, 86 CUIL, 96 DNI, 99 unidentified consumidor final.
    pub documento_tipo: i32,
    pub documento_numero: String,
    pub razon_social: Option<String>,
    /// ARCA's receiver IVA condition (`responsable_inscripto`, `monotributo`, `exento`,
    /// `consumidor_final`, …).
    pub condicion_iva: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    pub descripcion: String,
    #[schema(value_type = String)]
    #[serde(deserialize_with = "decimal::required")]
    pub cantidad: Decimal,
    /// Unit price net of IVA.
    #[schema(value_type = String)]
    #[serde(deserialize_with = "decimal::required")]
    pub precio_unitario: Decimal,
    /// Discount, percent 0–100.
    #[serde(default, deserialize_with = "decimal::required")]
    #[schema(value_type = Option<String>)]
    pub bonificacion: Decimal,
    /// 0, 2.5, 5, 10.5, 21 or 27; `exento` / `no_gravado` through `iva_condicion`.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "decimal::optional")]
    pub iva_porcentaje: Option<Decimal>,
    /// `gravado` (default), `exento` or `no_gravado`.
    pub iva_condicion: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TributoRequest {
    /// ARCA tributo id (1–9, 13, 99).
    pub id: i16,
    pub descripcion: Option<String>,
    #[schema(value_type = String)]
    #[serde(deserialize_with = "decimal::required")]
    pub base_imponible: Decimal,
    #[schema(value_type = String)]
    #[serde(deserialize_with = "decimal::required")]
    pub alicuota: Decimal,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AsociadoRequest {
    pub tipo_comprobante: i32,
    pub punto_venta: u32,
    pub numero: u64,
    pub cuit: Option<String>,
    pub fecha: Option<NaiveDate>,
}

/// An ARCA code and message.
pub type ArcaMessage = super::error::ArcaErrorView;

/// An invoice as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceView {
    pub id: String,
    /// `pending`, `approved`, `failed`, `pending_retry` or `cancelled`.
    pub status: String,
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
    pub cae: Option<String>,
    pub vencimiento_cae: Option<NaiveDate>,
    /// ARCA's QR URL (RG 4892) once authorised.
    pub qr_data: Option<String>,
    pub observaciones: Vec<ArcaMessage>,
    pub errores: Vec<ArcaMessage>,
    pub metadata: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
}

/// Create and authorize an invoice.
#[utoipa::path(
    post,
    path = "/v1/invoices",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = CreateInvoice,
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the same invoice; another body: 409"),
        ("Prefer" = Option<String>, Header, description = "`respond-async`: answer 202 at once"),
    ),
    responses(
        (status = 201, body = InvoiceView, description = "approved: it has a CAE"),
        (status = 202, body = InvoiceView, description = "accepted, not yet authorised: `pending` with `Prefer: respond-async`, `pending_retry` when ARCA did not answer within the wait or the circuit breaker is open"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 402, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_invoice(
    State(state): State<AppState>,
    tenant: Tenant,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CreateInvoice>,
) -> Result<Response, ApiError> {
    let engine = &state.engine;
    let account = accounts::find(&state.storage, tenant.account_id()).await?;
    let now = Utc::now();
    let voucher = checked_voucher(&request, &account, now)?;
    usage::check_quota(&state.storage, &account, now).await?;
    let deferred_until = deferral(&state, now)?;
    let body = serde_json::to_vec(&request).unwrap_or_default();
    let idempotency_key = header(&headers, "idempotency-key");
    let submitted = engine
        .submit(NewInvoice {
            account_id: account.id.clone(),
            cuit: account.cuit.to_string(),
            voucher,
            document: Some(String::from_utf8_lossy(&body).into_owned()),
            cliente_nombre: request.cliente.razon_social.clone(),
            idempotency_key,
            request_hash: Some(hex(&Sha256::digest(&body))),
            // Counted on accepted invoices, in the transaction that stores the invoice.
            usage: Some((usage::month_of(now), account.monthly_quota)),
            deferred_until,
        })
        .await
        .map_err(issuance_error)?;
    // Queued behind an open breaker: nothing to wait for.
    let respond_async = deferred_until.is_some() || prefers_async(&headers);
    respond(&state, &submitted.id, account.cuit, respond_async, StatusCode::CREATED).await
}

fn prefers_async(headers: &HeaderMap) -> bool {
    header(headers, "prefer").is_some_and(|p| p.contains("respond-async"))
}

/// Waits for the invoice's result (unless the client asked not to) and answers: `approved` with
/// `success`, `failed` 400 with ARCA's codes, anything else 202. An invoice still `pending` when
/// the wait is over is shown, and stored, as `pending_retry` (product.md: "202 `pending_retry`
/// when ARCA is slow or down"); the engine finishes it either way.
async fn respond(
    state: &AppState,
    id: &str,
    issuer: Cuit,
    respond_async: bool,
    success: StatusCode,
) -> Result<Response, ApiError> {
    let wait = if respond_async {
        Duration::ZERO
    } else {
        state.invoice_wait
    };
    let mut row = state.engine.wait(id, wait).await.map_err(issuance_error)?;
    if !respond_async && row.status == "pending" && storage::invoices::mark_slow(&state.storage, id).await? {
        row.status = "pending_retry".into();
    }
    let view = view(&row, issuer);
    Ok(match row.status.as_str() {
        "approved" => (success, Json(view)).into_response(),
        "failed" => ApiError::arca_rejected(
            row.id.clone(),
            view.errores.iter().chain(&view.observaciones).cloned().collect(),
        )
        .into_response(),
        _ => (StatusCode::ACCEPTED, Json(view)).into_response(),
    })
}

/// While the ARCA circuit breaker is open: with `INVOICE_QUEUE_MODE=queue` the time until which
/// a new invoice is deferred (it is accepted as `pending_retry`, 202), with `reject` a 503
/// `ARCA_UNAVAILABLE` with `Retry-After`. `None` when the breaker is closed.
fn deferral(state: &AppState, now: chrono::DateTime<Utc>) -> Result<Option<chrono::DateTime<Utc>>, ApiError> {
    if !state.breaker.is_open() {
        return Ok(None);
    }
    let retry_at = state.breaker.retry_at().unwrap_or(now);
    match state.config.issuance.queue_mode {
        QueueMode::Queue => Ok(Some(retry_at)),
        QueueMode::Reject => {
            let seconds = u64::try_from((retry_at - now).num_seconds()).unwrap_or(0);
            Err(ApiError::circuit_open(seconds))
        }
    }
}

/// Edit a `failed` (or not yet numbered) invoice and resubmit it: the body is the whole invoice
/// again, checked like a new one. Approved, cancelled and in-flight invoices answer 409.
#[utoipa::path(
    patch,
    path = "/v1/invoices/{id}",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = CreateInvoice,
    responses(
        (status = 200, body = InvoiceView, description = "approved after resubmission"),
        (status = 202, body = InvoiceView, description = "resubmitted, not yet authorised"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_invoice(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CreateInvoice>,
) -> Result<Response, ApiError> {
    let account = accounts::find(&state.storage, tenant.account_id()).await?;
    let current = storage::invoices::find(&state.storage, &id)
        .await?
        .filter(|row| row.account_id == account.id)
        .ok_or_else(|| ApiError::not_found("no such invoice"))?;
    let voucher = checked_voucher(&request, &account, Utc::now())?;
    let body = serde_json::to_vec(&request).unwrap_or_default();
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
    };
    match state.engine.resubmit(&id, replacement).await {
        Ok(()) => {}
        Err(issuance::Error::NotFound) => {
            return Err(ApiError::conflict(format!(
                "invoice {id} is {} and can no longer be edited (only failed or not yet numbered ones can)",
                current.status
            )));
        }
        Err(other) => return Err(issuance_error(other)),
    }
    respond(&state, &id, account.cuit, prefers_async(&headers), StatusCode::OK).await
}

/// One invoice.
#[utoipa::path(
    get,
    path = "/v1/invoices/{id}",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    responses(
        (status = 200, body = InvoiceView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_invoice(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<InvoiceView>, ApiError> {
    let account = accounts::find(&state.storage, tenant.account_id()).await?;
    let row = storage::invoices::find(&state.storage, &id)
        .await?
        .filter(|row| row.account_id == account.id)
        .ok_or_else(|| ApiError::not_found("no such invoice"))?;
    Ok(Json(view(&row, account.cuit)))
}

/// Filters of `GET /v1/invoices`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListFilters {
    pub status: Option<String>,
    pub fecha_desde: Option<NaiveDate>,
    pub fecha_hasta: Option<NaiveDate>,
    /// Part of the customer's name, case-insensitive.
    pub cliente_nombre: Option<String>,
    pub cliente_documento: Option<String>,
    pub punto_venta: Option<i32>,
    pub tipo_comprobante: Option<i32>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

/// The account's invoices, newest first.
#[utoipa::path(
    get,
    path = "/v1/invoices",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    params(ListFilters),
    responses(
        (status = 200, body = Page<InvoiceView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_invoices(
    State(state): State<AppState>,
    tenant: Tenant,
    pagination: Pagination,
    Query(filters): Query<ListFilters>,
) -> Result<Json<Page<InvoiceView>>, ApiError> {
    let account = accounts::find(&state.storage, tenant.account_id()).await?;
    let cliente_documento = filters
        .cliente_documento
        .as_deref()
        .map(|d| {
            d.chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
                .parse::<i64>()
        })
        .transpose()
        .map_err(|_| ApiError::field("cliente_documento", "digits only"))?;
    let filter = InvoiceFilter {
        status: filters.status,
        fecha_desde: filters.fecha_desde,
        fecha_hasta: filters.fecha_hasta,
        cliente_nombre: filters.cliente_nombre,
        cliente_documento,
        punto_venta: filters.punto_venta,
        tipo_comprobante: filters.tipo_comprobante,
    };
    let (rows, total) = storage::invoices::list_for_account(
        &state.storage,
        &account.id,
        &filter,
        pagination.limit,
        pagination.offset,
    )
    .await?;
    let views = rows.iter().map(|row| view(row, account.cuit)).collect();
    Ok(Json(pagination.page(views, total)))
}

/// The request as an unnumbered voucher with exact amounts, having passed ARCA's rules locally
/// (400 naming the field and the ARCA code otherwise). Nothing is stored here.
fn checked_voucher(
    request: &CreateInvoice,
    account: &accounts::Account,
    now: DateTime<Utc>,
) -> Result<arca_protocol::voucher::Voucher, ApiError> {
    let today = argentina_today(now);
    let (voucher, issuer) = draft(request, today).and_then(|(draft, issuer)| {
        compose::compose(&draft)
            .map(|voucher| (voucher, issuer))
            .map_err(|errors| {
                ApiError::validation(
                    errors
                        .iter()
                        .map(|e| FieldError {
                            field: e.field(),
                            message: e.to_string(),
                        })
                        .collect(),
                )
            })
    })?;
    // ARCA's rules, before anything is stored (400 naming the field and the ARCA code).
    let context = ValidationContext::new(account.cuit, today).with_issuer_iva_condition(issuer);
    let numbered = compose::numbered(voucher.clone(), 1);
    let request_for_rules =
        arca_protocol::voucher::CaeRequest::new(vec![numbered]).map_err(|e| ApiError::field("items", e.to_string()))?;
    let issues: Vec<FieldError> = validate(&request_for_rules, &context)
        .into_iter()
        // Numbering is the engine's (it assigns the number); everything else is the request's.
        .filter(|issue| issue.code != 10016 || issue.field.contains("CbteFch"))
        .map(|issue| FieldError {
            field: issue.field,
            message: format!("ARCA {}: {}", issue.code, issue.message),
        })
        .collect();
    if !issues.is_empty() {
        return Err(ApiError::validation(issues));
    }
    Ok(voucher)
}

/// The request in the protocol's terms, or every field problem at once.
fn draft(request: &CreateInvoice, today: NaiveDate) -> Result<(InvoiceDraft, IssuerIvaCondition), ApiError> {
    let mut errors = Vec::new();
    let mut problem = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.to_string(),
            message: message.to_string(),
        });
    };
    if request.mode != "advanced" {
        problem("mode", "only `advanced` is available (`simple` needs an AI provider)");
    }
    let cbte_tipo = match request.tipo_comprobante {
        Some(code) => {
            let tipo = CbteTipo::from_code(code);
            if tipo.is_none() {
                problem(
                    "tipo_comprobante",
                    "not a voucher type WSFEv1 authorises (FEParamGetTiposCbte)",
                );
            }
            tipo
        }
        None => None,
    };
    let concepto = match request.concepto.as_str() {
        "productos" => Concepto::Productos,
        "servicios" => Concepto::Servicios,
        "mixto" => Concepto::ProductosYServicios,
        _ => {
            problem("concepto", "one of productos, servicios, mixto");
            Concepto::Productos
        }
    };
    let issuer = match request
        .condicion_iva_emisor
        .as_deref()
        .unwrap_or("responsable_inscripto")
    {
        "responsable_inscripto" => IssuerIvaCondition::ResponsableInscripto,
        "monotributo" => IssuerIvaCondition::Monotributo,
        "exento" => IssuerIvaCondition::Exento,
        _ => {
            problem(
                "condicion_iva_emisor",
                "one of responsable_inscripto, monotributo, exento",
            );
            IssuerIvaCondition::ResponsableInscripto
        }
    };
    let doc_tipo = DocTipo::from_code(request.cliente.documento_tipo);
    if doc_tipo.is_none() {
        problem(
            "cliente.documento_tipo",
            "not an ARCA document type (FEParamGetTiposDoc)",
        );
    }
    let digits: String = request
        .cliente
        .documento_numero
        .chars()
        .filter(|c| *c != '-' && *c != '.')
        .collect();
    let doc_nro = digits.parse::<u64>().unwrap_or_else(|_| {
        problem("cliente.documento_numero", "digits only");
        0
    });
    if matches!(request.cliente.documento_tipo, 80 | 86) && Cuit::parse(&digits).is_err() {
        problem("cliente.documento_numero", "not a valid CUIT/CUIL (check digit)");
    }
    let condicion_iva = CondicionIvaReceptor::from_api_name(&request.cliente.condicion_iva);
    if condicion_iva.is_none() {
        problem(
            "cliente.condicion_iva",
            "not an ARCA receiver IVA condition (e.g. consumidor_final)",
        );
    }
    let mut items = Vec::new();
    for (index, item) in request.items.iter().enumerate() {
        let iva = match item.iva_condicion.as_deref().unwrap_or("gravado") {
            "exento" => Some(ItemIva::Exento),
            "no_gravado" => Some(ItemIva::NoGravado),
            "gravado" => match item.iva_porcentaje.and_then(IvaRate::from_percent) {
                Some(rate) => Some(ItemIva::Gravado(rate)),
                None if issuer != IssuerIvaCondition::ResponsableInscripto && item.iva_porcentaje.is_none() => {
                    // Class C vouchers carry no IVA: the rate is irrelevant.
                    Some(ItemIva::Gravado(IvaRate::Cero))
                }
                None => {
                    problem(
                        &format!("items[{index}].iva_porcentaje"),
                        "one of 0, 2.5, 5, 10.5, 21, 27",
                    );
                    None
                }
            },
            _ => {
                problem(
                    &format!("items[{index}].iva_condicion"),
                    "one of gravado, exento, no_gravado",
                );
                None
            }
        };
        if let Some(iva) = iva {
            items.push(Item {
                descripcion: item.descripcion.clone(),
                cantidad: item.cantidad,
                precio_unitario: Money::from(item.precio_unitario),
                bonificacion: item.bonificacion,
                iva,
            });
        }
    }
    let mut tributos = Vec::new();
    for (index, tributo) in request.tributos.iter().enumerate() {
        match TributoTipo::from_code(tributo.id) {
            Some(tipo) => tributos.push(TributoLine {
                tipo,
                descripcion: tributo.descripcion.clone(),
                base_imponible: Money::from(tributo.base_imponible),
                alicuota: tributo.alicuota,
            }),
            None => problem(
                &format!("tributos[{index}].id"),
                "not an ARCA tributo (FEParamGetTiposTributos)",
            ),
        }
    }
    let cbtes_asoc = request
        .comprobantes_asociados
        .iter()
        .map(|a| CbteAsoc {
            tipo: a.tipo_comprobante,
            pto_vta: a.punto_venta,
            nro: a.numero,
            cuit: a.cuit.as_deref().and_then(|c| c.parse().ok()),
            cbte_fch: a.fecha,
        })
        .collect();
    let (Some(doc_tipo), Some(condicion_iva)) = (doc_tipo, condicion_iva) else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let draft = InvoiceDraft {
        cbte_tipo,
        punto_venta: request.punto_venta,
        concepto,
        issuer,
        receiver: Receiver {
            doc_tipo,
            doc_nro,
            condicion_iva,
        },
        items,
        tributos,
        servicio_desde: request.fecha_servicio_desde,
        servicio_hasta: request.fecha_servicio_hasta,
        vencimiento_pago: request.fecha_vencimiento_pago,
        moneda: request.moneda.clone(),
        cotizacion: request.cotizacion,
        cbtes_asoc,
        periodo_asoc: None::<PeriodoAsoc>,
        fecha: request.fecha.unwrap_or(today),
    };
    Ok((draft, issuer))
}

fn view(row: &InvoiceRow, issuer: Cuit) -> InvoiceView {
    let messages = |json: &Option<String>| -> Vec<ArcaMessage> {
        json.as_deref()
            .and_then(|text| serde_json::from_str::<Vec<serde_json::Value>>(text).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|m| ArcaMessage {
                code: match m.get("code") {
                    Some(serde_json::Value::String(code)) => code.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                },
                message: m
                    .get("msg")
                    .or_else(|| m.get("message"))
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string(),
            })
            .collect()
    };
    let decimal = |text: &str| text.parse::<Decimal>().unwrap_or_default();
    let amounts = &row.amounts;
    let subtotal = decimal(&amounts.imp_neto) + decimal(&amounts.imp_tot_conc) + decimal(&amounts.imp_op_ex);
    let qr_data = match (&row.cae, row.numero, row.fecha) {
        (Some(cae), Some(numero), Some(fecha)) if row.status == "approved" => {
            let detail = storage::invoices::voucher::from_json(&row.voucher).ok();
            let identified = !(row.doc_tipo == 99 && row.doc_nro == 0);
            Some(
                QrData {
                    fecha,
                    cuit: issuer.as_u64(),
                    pto_vta: row.punto_venta.max(0) as u32,
                    tipo_cmp: row.cbte_tipo,
                    nro_cmp: numero.max(0) as u64,
                    importe: decimal(&amounts.imp_total),
                    moneda: detail
                        .as_ref()
                        .and_then(|d| d.mon_id.clone())
                        .unwrap_or_else(|| "PES".into()),
                    ctz: detail.as_ref().and_then(|d| d.mon_cotiz).unwrap_or(Decimal::ONE),
                    tipo_doc_rec: identified.then_some(row.doc_tipo),
                    nro_doc_rec: identified.then_some(row.doc_nro.max(0) as u64),
                    tipo_cod_aut: AuthorizationKind::Cae,
                    cod_aut: cae.parse().unwrap_or_default(),
                }
                .to_url(),
            )
        }
        _ => None,
    };
    let metadata = row
        .document
        .as_deref()
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .and_then(|d| d.get("metadata").cloned())
        .filter(|m| !m.is_null());
    InvoiceView {
        id: row.id.clone(),
        status: row.status.clone(),
        tipo_comprobante: row.cbte_tipo,
        punto_venta: row.punto_venta,
        numero: row.numero,
        numero_completo: row.numero.map(|n| format!("{:05}-{:08}", row.punto_venta, n)),
        fecha: row.fecha,
        cliente_nombre: row.cliente_nombre.clone(),
        cliente_documento_tipo: row.doc_tipo,
        cliente_documento_numero: row.doc_nro.to_string(),
        subtotal: format!("{:.2}", subtotal),
        iva_total: format!("{:.2}", decimal(&amounts.imp_iva)),
        tributos_total: format!("{:.2}", decimal(&amounts.imp_trib)),
        total: format!("{:.2}", decimal(&amounts.imp_total)),
        cae: row.cae.clone(),
        vencimiento_cae: row.cae_vencimiento,
        qr_data,
        observaciones: messages(&row.arca_observaciones),
        errores: messages(&row.arca_errores),
        metadata,
        created_at: row.created_at,
        updated_at: row.updated_at,
        approved_at: row.approved_at,
    }
}

fn issuance_error(error: issuance::Error) -> ApiError {
    match error {
        issuance::Error::IdempotencyConflict { id } => ApiError::conflict(format!(
            "the Idempotency-Key was used for another request (invoice {id})"
        )),
        issuance::Error::NotFound => ApiError::not_found("no such invoice"),
        issuance::Error::Invalid(message) => ApiError::field("invoice", message),
        issuance::Error::Storage(error) => ApiError::from(error),
        other => ApiError::from(crate::Error::Invalid(vec![("invoice".into(), other.to_string())])),
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Argentina's calendar day (ARCA's dates are in UTC−3).
fn argentina_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&arca_protocol::clock::argentina()).date_naive()
}

/// Amounts arrive as decimal strings (exact) or JSON numbers (read through their shortest
/// decimal form, exact for every amount with up to 15 significant digits); never as floats
/// in the computation.
mod decimal {
    use arca_protocol::money::Decimal;
    use serde::Deserialize;
    use serde::de::{Deserializer, Error};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Input {
        Text(String),
        Number(serde_json::Number),
    }

    fn parse<E: Error>(input: Input) -> Result<Decimal, E> {
        let text = match input {
            Input::Text(text) => text,
            Input::Number(number) => number.to_string(),
        };
        text.trim()
            .parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(text.trim()))
            .map_err(|_| E::custom(format!("`{text}` is not a decimal number")))
    }

    pub fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        parse(Input::deserialize(deserializer)?)
    }

    pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
        Option::<Input>::deserialize(deserializer)?.map(parse).transpose()
    }
}
