//! `GET /v1/fce/received`, `POST /v1/fce/received/{id}/accept`, `POST /v1/fce/received/{id}/reject`:
//! the FCE MiPyMEs the account's CUIT received, from ARCA's wsfecred account, and the buyer's
//! acceptance or rejection of one. `fce.rs` does the work; the handlers read the request and
//! shape the answer. They never call ARCA or store anything themselves.

use arca_protocol::money::Decimal;
use arca_protocol::wsfecred::{EstadoCmp, ResultadoOperacion};
use axum::Json;
use axum::extract::{FromRequest, Request, State};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Tenant;
use super::error::{ApiError, ArcaErrorView, Problem};
use super::extract::{ApiPath, ApiQuery};
use super::json::{ApiJson, JsonBody};
use super::pagination::{Page, PageParams, Pagination};
use crate::fce::{NewMotivo, Outcome, ReceivedFce, ReceivedFilter};
use crate::invoices::request::decimal;
use crate::state::AppState;

/// Where a received FCE stands, in ARCA's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum EstadoFce {
    /// Authorised; the buyer has not acted yet.
    PendienteRecepcion,
    Recepcionado,
    Aceptado,
    Rechazado,
    /// Transferred to a collective-deposit agent.
    InformadaAgDpto,
}

impl From<EstadoCmp> for EstadoFce {
    fn from(estado: EstadoCmp) -> EstadoFce {
        match estado {
            EstadoCmp::PendienteRecepcion => EstadoFce::PendienteRecepcion,
            EstadoCmp::Recepcionado => EstadoFce::Recepcionado,
            EstadoCmp::Aceptado => EstadoFce::Aceptado,
            EstadoCmp::Rechazado => EstadoFce::Rechazado,
            EstadoCmp::InformadaAgDpto => EstadoFce::InformadaAgDpto,
        }
    }
}

/// Filters of `GET /v1/fce/received` (with `limit` and `offset`, documented by [`PageParams`]).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReceivedQuery {
    /// Only FCEs in this state (ARCA's name: `PendienteRecepcion`, `Recepcionado`, `Aceptado`,
    /// `Rechazado`, `InformadaAgDpto`).
    #[param(value_type = Option<EstadoFce>)]
    pub estado: Option<String>,
    /// Only FCEs issued on this day or later (`YYYY-MM-DD`); alone, until today.
    pub desde: Option<NaiveDate>,
    /// Only FCEs issued on this day or earlier (`YYYY-MM-DD`); needs `desde`.
    pub hasta: Option<NaiveDate>,
    /// Only FCEs of this issuer: a CUIT, 11 digits (dashes allowed).
    #[param(pattern = r"^-*[1-9]-*([0-9]-*){10}$")]
    pub cuit_emisor: Option<String>,
    #[param(ignore)]
    pub limit: Option<String>,
    #[param(ignore)]
    pub offset: Option<String>,
}

/// An FCE the account's CUIT received, as ARCA's account shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedFceView {
    /// `{cuit_emisor}-{tipo_comprobante}-{punto_de_venta:05}-{numero:08}`: the id the accept and
    /// reject routes take.
    #[schema(example = "30712345671-201-00002-00000015")]
    pub id: String,
    pub cuit_emisor: String,
    pub razon_social_emisor: String,
    /// 201–213.
    pub tipo_comprobante: i32,
    pub punto_de_venta: u32,
    pub numero: u64,
    /// `CAE` or `CAEA`.
    pub tipo_codigo_autorizacion: String,
    pub codigo_autorizacion: String,
    pub fecha_emision: NaiveDate,
    pub fecha_vencimiento_pago: Option<NaiveDate>,
    /// The last day to accept or reject it; ARCA takes it as accepted after that.
    pub fecha_vencimiento_aceptacion: Option<NaiveDate>,
    /// Exact decimal, as ARCA sent it.
    #[schema(value_type = String)]
    pub importe_total: String,
    /// ARCA's currency id (`PES`, `DOL`, …).
    pub moneda: String,
    #[schema(value_type = String)]
    pub cotizacion: String,
    /// A note that cancels (anulación) the voucher it refers to.
    pub es_anulacion: bool,
    /// ARCA's current account (cuenta corriente) of the voucher, once it has one.
    pub cod_cta_cte: Option<i64>,
    pub estado: Option<EstadoFce>,
    /// `Expresa` (the buyer accepted) or `Tacita` (the term passed), when accepted.
    pub tipo_aceptacion: Option<String>,
}

impl From<ReceivedFce> for ReceivedFceView {
    fn from(received: ReceivedFce) -> ReceivedFceView {
        let c = received.comprobante;
        ReceivedFceView {
            id: received.id,
            cuit_emisor: format!("{:011}", c.id.cuit_emisor),
            razon_social_emisor: c.razon_social_emisor,
            tipo_comprobante: c.id.cod_tipo_cmp,
            punto_de_venta: c.id.pto_vta,
            numero: c.id.nro_cmp,
            tipo_codigo_autorizacion: match c.tipo_cod_auto.as_str() {
                "E" => "CAE".into(),
                "A" => "CAEA".into(),
                other => other.to_string(),
            },
            codigo_autorizacion: c.cod_autorizacion,
            fecha_emision: c.fecha_emision,
            fecha_vencimiento_pago: c.fecha_vencimiento_pago,
            fecha_vencimiento_aceptacion: c.fecha_vencimiento_aceptacion,
            importe_total: c.importe_total.to_string(),
            moneda: c.cod_moneda,
            cotizacion: c.cotizacion.to_string(),
            es_anulacion: c.es_anulacion,
            cod_cta_cte: c.cod_cta_cte,
            estado: c.estado.map(EstadoFce::from),
            tipo_aceptacion: c.tipo_aceptacion,
        }
    }
}

/// The body of `POST /v1/fce/received/{id}/accept` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// The balance accepted: a decimal string, positive, up to 9999999999999.99 with at most 2
    /// decimals (more is refused, never rounded); when omitted, the FCE account's balance (the
    /// invoice plus its debit notes less its credit notes, as ARCA lists them).
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,13}(\\.[0-9]{1,2})?$")]
    #[serde(default, deserialize_with = "decimal::optional")]
    pub saldo_aceptado: Option<Decimal>,
}

impl JsonBody for AcceptRequest {}

/// One rejection reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MotivoRequest {
    /// ARCA's reason code (`consultarTiposMotivosRechazo`), from 1.
    #[schema(minimum = 1, maximum = 32767)]
    pub codigo: i64,
    /// 3 to 250 characters, single line, not blank.
    #[schema(
        min_length = 3,
        max_length = 250,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub descripcion: String,
    /// 3 to 250 characters, single line, not blank.
    #[schema(
        min_length = 3,
        max_length = 250,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub justificacion: String,
}

/// The body of `POST /v1/fce/received/{id}/reject`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    /// 1 to 10 reasons.
    #[schema(min_items = 1, max_items = 10)]
    pub motivos: Vec<MotivoRequest>,
}

impl JsonBody for RejectRequest {}

/// ARCA's verdict: `A` done, `O` done with observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum ResultadoFce {
    A,
    O,
}

/// What ARCA answered to an acceptance or a rejection it did not refuse.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperationView {
    pub id: String,
    pub resultado: ResultadoFce,
    /// The voucher's state now: `Aceptado` or `Rechazado`.
    pub estado: EstadoFce,
    pub cod_cta_cte: Option<i64>,
    /// ARCA's observations.
    pub observaciones: Vec<ArcaErrorView>,
}

impl From<Outcome> for OperationView {
    fn from(outcome: Outcome) -> OperationView {
        OperationView {
            id: outcome.id,
            resultado: match outcome.operacion.resultado {
                ResultadoOperacion::ConObservaciones => ResultadoFce::O,
                _ => ResultadoFce::A,
            },
            estado: outcome.estado.into(),
            cod_cta_cte: outcome.operacion.cod_cta_cte,
            observaciones: outcome
                .operacion
                .observaciones
                .into_iter()
                .map(|observacion| ArcaErrorView {
                    code: observacion.codigo.to_string(),
                    message: observacion.descripcion,
                })
                .collect(),
        }
    }
}

/// The FCEs the account's CUIT received, in ARCA's order.
#[utoipa::path(
    get,
    path = "/v1/fce/received",
    tag = "fce",
    security(("api_key" = []), ("x_api_key" = [])),
    params(ReceivedQuery, PageParams),
    responses(
        (status = 200, description = "A page of ARCA's list (read from ARCA on every call; at most 500 vouchers match one query)", body = Page<ReceivedFceView>),
        (status = 400, description = "A filter is invalid (named), or more than 500 vouchers match (narrow with desde/hasta)", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "NO_CERTIFICATE; ARCA_SERVICE_NOT_AUTHORIZED (the certificate may not use wsfecred for the account's CUIT); ARCA_REFUSED with ARCA's codes", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "ARCA is unavailable (retryable)", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "ARCA did not answer in time (retryable)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_received(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiQuery(query): ApiQuery<ReceivedQuery>,
) -> Result<Json<Page<ReceivedFceView>>, ApiError> {
    let pagination = Pagination::parse(query.limit.as_deref(), query.offset.as_deref())?;
    let filter = filter_of(&query)?;
    let (received, total) = state
        .fce
        .received(tenant.account_id(), &filter, pagination.limit, pagination.offset)
        .await?;
    Ok(Json(pagination.page(
        received.into_iter().map(ReceivedFceView::from).collect(),
        total,
    )))
}

/// Accept a received FCE (ARCA's `aceptarFECred`).
#[utoipa::path(
    post,
    path = "/v1/fce/received/{id}/accept",
    tag = "fce",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, pattern = "^[1-9][0-9]{10}-(201|206|211)-[0-9]{1,5}-[0-9]{1,8}$", description = "`{cuit_emisor}-{tipo}-{punto_de_venta}-{numero}` of an FCE invoice (201, 206, 211: its notes are accepted with it), e.g. `30712345671-201-00002-00000015` (the CUIT with a valid check digit; the point of sale and the number from 1)")),
    request_body(content = Option<AcceptRequest>, description = "Optional: without a body the FCE account's balance is accepted (invoice + debit notes − credit notes)"),
    responses(
        (status = 200, description = "ARCA accepted it", body = OperationView),
        (status = 400, description = "The id (or a note's id: only FCE invoices 201/206/211 are accepted) or `saldo_aceptado` is invalid (named)", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ARCA lists no such FCE received by the account's CUIT", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "ARCA_REFUSED with ARCA's codes (already accepted or rejected, …); NO_CERTIFICATE; ARCA_SERVICE_NOT_AUTHORIZED", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "ARCA is unavailable (retryable)", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "ARCA did not answer in time (retryable: list the voucher to see whether it was accepted)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn accept_received(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    request: Request,
) -> Result<Json<OperationView>, ApiError> {
    let body = optional_body(request).await?;
    let outcome = state.fce.accept(tenant.account_id(), &id, body.saldo_aceptado).await?;
    Ok(Json(OperationView::from(outcome)))
}

/// Reject a received FCE with reasons (ARCA's `rechazarFECred`).
#[utoipa::path(
    post,
    path = "/v1/fce/received/{id}/reject",
    tag = "fce",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, pattern = "^[1-9][0-9]{10}-(20[1-3]|20[6-8]|21[1-3])-[0-9]{1,5}-[0-9]{1,8}$", description = "`{cuit_emisor}-{tipo}-{punto_de_venta}-{numero}`, e.g. `30712345671-201-00002-00000015` (the CUIT with a valid check digit; the point of sale and the number from 1)")),
    request_body = RejectRequest,
    responses(
        (status = 200, description = "ARCA rejected the voucher as asked", body = OperationView),
        (status = 400, description = "The id or a reason is invalid (named)", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "ARCA_REFUSED with ARCA's codes (already accepted or rejected, not addressed to the account's CUIT, …); NO_CERTIFICATE; ARCA_SERVICE_NOT_AUTHORIZED", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "ARCA is unavailable (retryable)", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "ARCA did not answer in time (retryable: list the voucher to see whether it was rejected)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn reject_received(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<RejectRequest>,
) -> Result<Json<OperationView>, ApiError> {
    let motivos: Vec<NewMotivo> = request
        .motivos
        .into_iter()
        .map(|motivo| NewMotivo {
            codigo: motivo.codigo,
            descripcion: motivo.descripcion,
            justificacion: motivo.justificacion,
        })
        .collect();
    let outcome = state.fce.reject(tenant.account_id(), &id, &motivos).await?;
    Ok(Json(OperationView::from(outcome)))
}

/// The accept body: none (or JSON `null`) is the defaults; anything else is read as
/// [`ApiJson`] reads every body (its media type, limits and errors).
async fn optional_body(request: Request) -> Result<AcceptRequest, ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, super::json::BODY_LIMIT_BYTES)
        .await
        .map_err(|_| super::json::too_large())?;
    let text = std::str::from_utf8(&bytes).map(str::trim).unwrap_or("-");
    if text.is_empty() || text == "null" {
        return Ok(AcceptRequest::default());
    }
    let request = Request::from_parts(parts, axum::body::Body::from(bytes));
    Ok(ApiJson::<AcceptRequest>::from_request(request, &()).await?.0)
}

/// The query's filters, each bad one named.
fn filter_of(query: &ReceivedQuery) -> Result<ReceivedFilter, ApiError> {
    let mut problems = Vec::new();
    let estado = match query.estado.as_deref() {
        None => None,
        Some(text) => {
            let estado = EstadoCmp::from_wire(text);
            if estado.is_none() {
                problems.push((
                    "estado".to_string(),
                    "one of PendienteRecepcion, Recepcionado, Aceptado, Rechazado, InformadaAgDpto".to_string(),
                ));
            }
            estado
        }
    };
    let cuit_emisor = match query.cuit_emisor.as_deref() {
        None => None,
        Some(text) => match arca_protocol::Cuit::parse(text.trim()) {
            // A CUIT starts with its type (20, 23, 27, 30, …): never 0.
            Ok(cuit) if cuit.as_u64() < 10_000_000_000 => {
                problems.push((
                    "cuit_emisor".to_string(),
                    "not a CUIT: a CUIT starts with its type (20, 23, 27, 30, …), never 0".to_string(),
                ));
                None
            }
            Ok(cuit) => Some(cuit),
            Err(error) => {
                problems.push(("cuit_emisor".to_string(), format!("not a valid CUIT: {error}")));
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(crate::Error::Invalid(problems).into());
    }
    Ok(ReceivedFilter {
        estado,
        desde: query.desde,
        hasta: query.hasta,
        cuit_emisor,
    })
}
