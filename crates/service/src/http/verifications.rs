//! `POST /v1/verifications`, `GET /v1/verifications`, `GET /v1/verifications/{id}`: vouchers the
//! caller received, checked with ARCA's WSCDC, and ARCA's answers. `verifications.rs` does the work.
//! The handlers never call ARCA or write a verification themselves.

use arca_protocol::money::Decimal;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use super::extract::ApiPath;
use super::json::{ApiJson, JsonBody};
use super::pagination::{Page, PageParams, Pagination};
use crate::invoices::request::decimal;
use crate::state::AppState;
use crate::verifications::{self, ArcaMessage, NewVerification, Resultado, Source, Verification};

/// What the handler reads: every field optional, so that each missing or bad one is named
/// (`verifications::check` decides). The document shows [`VerificationBody`] instead: the same
/// fields in the three shapes the service accepts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVerificationRequest {
    /// How the voucher was authorized: `CAE`, `CAEA` or `CAI`.
    #[schema(value_type = Option<String>, pattern = "^(CAE|CAEA|CAI)$")]
    pub cbte_modo: Option<String>,
    /// The issuer's CUIT: 11 digits with a valid check digit, dashes allowed.
    #[schema(pattern = r"^-*([0-9]-*){11}$")]
    pub cuit_emisor: Option<String>,
    /// The voucher's point of sale, 1–99999.
    #[schema(minimum = 1, maximum = 99999)]
    pub punto_de_venta: Option<i64>,
    /// ARCA's CbteTipo (1 Factura A, 6 Factura B, 11 Factura C, …), 1–999.
    #[schema(minimum = 1, maximum = 999)]
    pub tipo_comprobante: Option<i64>,
    /// The voucher's number, 1–99999999.
    #[schema(minimum = 1, maximum = 99_999_999)]
    pub numero: Option<i64>,
    /// The voucher's date.
    pub fecha: Option<NaiveDate>,
    /// The voucher's total as printed: a decimal string (`"3630.00"`, never a JSON number, which
    /// may not be exact), at most 13 integer digits and 2 decimals — more decimals are refused,
    /// never rounded.
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,13}(\\.[0-9]{1,2})?$")]
    #[serde(default, deserialize_with = "decimal_text")]
    pub importe_total: Option<Decimal>,
    /// The CAE, CAEA or CAI: 14 digits.
    #[schema(pattern = "^[0-9]{14}$")]
    pub codigo_autorizacion: Option<String>,
    /// The receiver's document type (ARCA's DocTipo, 0–99), with `doc_nro_receptor`.
    #[schema(minimum = 0, maximum = 99)]
    pub doc_tipo_receptor: Option<i64>,
    /// The receiver's document number, 1–20 digits, with `doc_tipo_receptor`.
    #[schema(pattern = "^[0-9]{1,20}$")]
    pub doc_nro_receptor: Option<String>,
    /// The voucher's QR URL (`https://www.arca.gob.ar/fe/qr/?p=…`, at most 2048 characters),
    /// instead of the fields.
    #[schema(max_length = 2048)]
    pub qr_url: Option<String>,
}

impl JsonBody for CreateVerificationRequest {}

/// `importe_total`: a string in the strict decimal syntax (`invoices::request::decimal`); a JSON
/// number is refused, as the document says.
fn decimal_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) => decimal::strict(&text).map(Some).map_err(serde::de::Error::custom),
    }
}

/// The body of `POST /v1/verifications`, as documented: the voucher's fields (without or with the
/// receiver's document), or `qr_url` alone — the URL its QR code holds.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // Documentation only: requests are read as `CreateVerificationRequest`.
pub enum VerificationBody {
    Fields(VerificationFields),
    FieldsWithReceiver(VerificationFieldsWithReceiver),
    Qr(VerificationQr),
}

/// A voucher's fields.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Documentation only.
pub struct VerificationFields {
    /// How the voucher was authorized.
    #[schema(pattern = "^(CAE|CAEA|CAI)$")]
    pub cbte_modo: String,
    /// The issuer's CUIT: 11 digits with a valid check digit, dashes allowed.
    #[schema(pattern = r"^-*([0-9]-*){11}$")]
    pub cuit_emisor: String,
    #[schema(minimum = 1, maximum = 99999)]
    pub punto_de_venta: i64,
    /// ARCA's CbteTipo (1 Factura A, 6 Factura B, 11 Factura C, …).
    #[schema(minimum = 1, maximum = 999)]
    pub tipo_comprobante: i64,
    #[schema(minimum = 1, maximum = 99_999_999)]
    pub numero: i64,
    pub fecha: NaiveDate,
    /// An exact decimal: at most 13 integer digits and 2 decimals (more are refused, never rounded).
    #[schema(pattern = "^[0-9]{1,13}(\\.[0-9]{1,2})?$")]
    pub importe_total: String,
    /// The CAE, CAEA or CAI.
    #[schema(pattern = "^[0-9]{14}$")]
    pub codigo_autorizacion: String,
}

/// A voucher's fields with its receiver's document.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Documentation only.
pub struct VerificationFieldsWithReceiver {
    #[schema(pattern = "^(CAE|CAEA|CAI)$")]
    pub cbte_modo: String,
    #[schema(pattern = r"^-*([0-9]-*){11}$")]
    pub cuit_emisor: String,
    #[schema(minimum = 1, maximum = 99999)]
    pub punto_de_venta: i64,
    #[schema(minimum = 1, maximum = 999)]
    pub tipo_comprobante: i64,
    #[schema(minimum = 1, maximum = 99_999_999)]
    pub numero: i64,
    pub fecha: NaiveDate,
    #[schema(pattern = "^[0-9]{1,13}(\\.[0-9]{1,2})?$")]
    pub importe_total: String,
    #[schema(pattern = "^[0-9]{14}$")]
    pub codigo_autorizacion: String,
    /// The receiver's document type (ARCA's DocTipo).
    #[schema(minimum = 0, maximum = 99)]
    pub doc_tipo_receptor: i64,
    /// The receiver's document number.
    #[schema(pattern = "^[0-9]{1,20}$")]
    pub doc_nro_receptor: String,
}

/// A voucher's QR URL (`https://www.arca.gob.ar/fe/qr/?p=…`), decoded by the service.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Documentation only.
pub struct VerificationQr {
    #[schema(
        min_length = 1,
        max_length = 2048,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub qr_url: String,
}

/// A verification: what was checked and what ARCA answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationView {
    pub id: String,
    pub created_at: DateTime<Utc>,
    /// Whether the checked fields came from the request (`fields`) or a QR URL (`qr`).
    pub source: Source,
    pub cbte_modo: String,
    pub cuit_emisor: String,
    pub punto_de_venta: i32,
    pub tipo_comprobante: i32,
    pub numero: i64,
    pub fecha: NaiveDate,
    /// Exact decimal, 2 decimals.
    #[schema(value_type = String)]
    pub importe_total: String,
    pub codigo_autorizacion: String,
    pub doc_tipo_receptor: Option<String>,
    pub doc_nro_receptor: Option<String>,
    /// ARCA's verdict: `A` (ARCA authorized a voucher with exactly these data) or `R`.
    pub resultado: Resultado,
    /// ARCA's observations: why `R` (e.g. 100 the authorization code is unknown, 102–105 a field
    /// differs).
    pub observaciones: Vec<ArcaMessage>,
    /// ARCA's errors, when it answered some with the result.
    pub errors: Vec<ArcaMessage>,
    /// ARCA's announcements.
    pub events: Vec<ArcaMessage>,
    /// When ARCA processed the check, as ARCA wrote it.
    pub fch_proceso: Option<String>,
}

/// Verify a received voucher with ARCA (WSCDC); the answer is stored.
#[utoipa::path(
    post,
    path = "/v1/verifications",
    tag = "verifications",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = VerificationBody,
    responses(
        (status = 201, description = "ARCA answered; `resultado` says whether the voucher is genuine", body = VerificationView),
        (status = 400, description = "A field is missing or out of its limits (named), or the QR URL does not decode", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "NO_CERTIFICATE, or ARCA_SERVICE_NOT_AUTHORIZED: the certificate is not authorized for wscdc (the problem says what to enable, for which CUIT)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "ARCA is unavailable (retryable); nothing is stored", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "ARCA did not answer in time (retryable); nothing is stored", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_verification(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiJson(request): ApiJson<CreateVerificationRequest>,
) -> Result<(StatusCode, Json<VerificationView>), ApiError> {
    let new = NewVerification {
        cbte_modo: request.cbte_modo,
        cuit_emisor: request.cuit_emisor,
        punto_de_venta: request.punto_de_venta,
        tipo_comprobante: request.tipo_comprobante,
        numero: request.numero,
        fecha: request.fecha,
        importe_total: request.importe_total,
        codigo_autorizacion: request.codigo_autorizacion,
        doc_tipo_receptor: request.doc_tipo_receptor,
        doc_nro_receptor: request.doc_nro_receptor,
        qr_url: request.qr_url,
    };
    let verification = verifications::create(&state.arca, &state.storage, tenant.account_id(), new).await?;
    Ok((StatusCode::CREATED, Json(VerificationView::from(verification))))
}

/// The account's verifications, newest first.
#[utoipa::path(
    get,
    path = "/v1/verifications",
    tag = "verifications",
    security(("api_key" = []), ("x_api_key" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Page<VerificationView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_verifications(
    State(state): State<AppState>,
    tenant: Tenant,
    pagination: Pagination,
) -> Result<Json<Page<VerificationView>>, ApiError> {
    let (rows, total) =
        verifications::list(&state.storage, tenant.account_id(), pagination.limit, pagination.offset).await?;
    Ok(Json(
        pagination.page(rows.into_iter().map(VerificationView::from).collect(), total),
    ))
}

/// One verification.
#[utoipa::path(
    get,
    path = "/v1/verifications/{id}",
    tag = "verifications",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The verification's id (`ver_…`)")),
    responses(
        (status = 200, body = VerificationView),
        (status = 400, description = "A path parameter holds a control character or a bidi override", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_verification(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<VerificationView>, ApiError> {
    let verification = verifications::find(&state.storage, tenant.account_id(), &id).await?;
    Ok(Json(VerificationView::from(verification)))
}

impl From<Verification> for VerificationView {
    fn from(verification: Verification) -> VerificationView {
        VerificationView {
            id: verification.id,
            created_at: verification.created_at,
            source: verification.source,
            cbte_modo: verification.cbte_modo.code().to_string(),
            cuit_emisor: verification.cuit_emisor,
            punto_de_venta: verification.punto_de_venta,
            tipo_comprobante: verification.tipo_comprobante,
            numero: verification.numero,
            fecha: verification.fecha,
            importe_total: verification.importe_total.to_string(),
            codigo_autorizacion: verification.codigo_autorizacion,
            doc_tipo_receptor: verification.doc_tipo_receptor,
            doc_nro_receptor: verification.doc_nro_receptor,
            resultado: verification.resultado,
            observaciones: verification.observaciones,
            errors: verification.errors,
            events: verification.events,
            fch_proceso: verification.fch_proceso,
        }
    }
}
