//! `GET /v1/taxpayers/{cuit}`, `POST /v1/taxpayers/lookup`, `GET /v1/taxpayers?dni=…`: who a CUIT
//! or a DNI is, from ARCA's padrón through the account's certificate (`crate::taxpayers` does
//! the work and the caching). A single look-up says how fresh it is with `Cache-Control:
//! private, max-age=<seconds left in the cache>` and `Age`.
//!
//! The handlers never call ARCA or read the cache themselves: they parse, call the domain module
//! and shape its answer.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use super::extract::{ApiPath, ApiQuery};
use super::json::{ApiJson, JsonBody};
use crate::state::AppState;
use crate::taxpayers::{BatchLookup, Taxpayer};

/// A CUIT as the API takes it: 11 digits, dashes anywhere (the check digit is checked too).
const CUIT_PATTERN: &str = r"^-*([0-9]-*){11}$";

/// `POST /v1/taxpayers/lookup` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    /// 1 to 250 CUITs (dashes allowed), each with a valid check digit; duplicates are looked up
    /// once.
    #[schema(schema_with = cuits_schema)]
    pub cuits: Vec<String>,
}

/// `cuits`: 1–250 strings of [`CUIT_PATTERN`].
fn cuits_schema() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(13))
                .pattern(Some(CUIT_PATTERN)),
        )
        .min_items(Some(1))
        .max_items(Some(crate::taxpayers::MAX_CUITS))
        .description(Some(
            "1 to 250 CUITs (dashes allowed), each with a valid check digit; duplicates are looked up once.",
        ))
        .build()
}

/// `GET /v1/taxpayers/{cuit}`'s path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TaxpayerPath {
    /// The CUIT (11 digits, dashes allowed), with a valid check digit.
    #[param(max_length = 13, pattern = r"^-*([0-9]-*){11}$")]
    pub cuit: String,
}

/// `GET /v1/taxpayers` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TaxpayerQuery {
    /// A DNI: 7 or 8 digits, dots allowed.
    #[param(required = true, max_length = 16, pattern = r"^\.*([0-9]\.*){7,8}$")]
    pub dni: Option<String>,
}

/// The taxpayers of a DNI.
#[derive(Debug, Serialize, ToSchema)]
pub struct DniTaxpayers {
    /// The DNI, digits only.
    pub dni: String,
    /// Every CUIT/CUIL the padrón has for it that the constancia de inscripción knows; empty
    /// when none.
    pub taxpayers: Vec<Taxpayer>,
}

/// A taxpayer from ARCA's padrón (constancia de inscripción).
#[utoipa::path(
    get,
    path = "/v1/taxpayers/{cuit}",
    tag = "taxpayers",
    security(("api_key" = []), ("x_api_key" = [])),
    params(TaxpayerPath),
    responses(
        (status = 200, body = Taxpayer, headers(
            ("Cache-Control" = String, description = "`private, max-age=<seconds the answer stays cached>`"),
            ("Age" = u64, description = "Seconds since the padrón answered"),
        )),
        (status = 400, description = "Not a valid CUIT (nothing was asked to ARCA)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "TAXPAYER_NOT_FOUND: the padrón has no taxpayer with this CUIT", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "ARCA_SERVICE_NOT_AUTHORIZED (the certificate lacks ws_sr_constancia_inscripcion), NO_CERTIFICATE", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "TAXPAYER_LOOKUP_UNAVAILABLE: the padrón did not answer; retryable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_taxpayer(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(cuit): ApiPath<String>,
) -> Result<Response, ApiError> {
    let lookup = state.taxpayers.lookup(tenant.account_id(), &cuit).await?;
    let mut response = Json(lookup.taxpayer).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("private, max-age={}", lookup.max_age)) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.insert(header::AGE, HeaderValue::from(lookup.age));
    Ok(response)
}

/// Up to 250 taxpayers at once (one padrón call for those not cached).
#[utoipa::path(
    post,
    path = "/v1/taxpayers/lookup",
    tag = "taxpayers",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = LookupRequest,
    responses(
        (status = 200, description = "The taxpayers found, in the order asked, and the CUITs the padrón does not know", body = BatchLookup),
        (status = 400, description = "No CUIT, more than 250, or one without a valid check digit (`cuits[i]`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "ARCA_SERVICE_NOT_AUTHORIZED, NO_CERTIFICATE", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "TAXPAYER_LOOKUP_UNAVAILABLE; retryable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn lookup_taxpayers(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiJson(request): ApiJson<LookupRequest>,
) -> Result<Json<BatchLookup>, ApiError> {
    Ok(Json(
        state.taxpayers.lookup_many(tenant.account_id(), &request.cuits).await?,
    ))
}

/// The taxpayers of a DNI (padrón A13, then the constancia de inscripción).
#[utoipa::path(
    get,
    path = "/v1/taxpayers",
    tag = "taxpayers",
    security(("api_key" = []), ("x_api_key" = [])),
    params(TaxpayerQuery),
    responses(
        (status = 200, body = DniTaxpayers),
        (status = 400, description = "`dni` missing or not 7–8 digits", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "ARCA_SERVICE_NOT_AUTHORIZED (ws_sr_padron_a13 or ws_sr_constancia_inscripcion), NO_CERTIFICATE", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "TAXPAYER_LOOKUP_UNAVAILABLE; retryable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_taxpayers(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiQuery(query): ApiQuery<TaxpayerQuery>,
) -> Result<Json<DniTaxpayers>, ApiError> {
    let dni = query
        .dni
        .ok_or_else(|| ApiError::field("dni", "required: the DNI whose taxpayers to list"))?;
    let normalised = crate::taxpayers::normalised_dni(&dni).map_err(|message| ApiError::field("dni", message))?;
    let taxpayers = state.taxpayers.by_dni(tenant.account_id(), &dni).await?;
    Ok(Json(DniTaxpayers {
        dni: normalised,
        taxpayers,
    }))
}

impl JsonBody for LookupRequest {}
