//! `GET /v1/account/issuer-profile` and `PUT /v1/account/issuer-profile`: the caller's issuer
//! profile, the fiscal data its printed invoices show. The handlers read and format;
//! [`crate::issuer_profiles`] checks and stores.

use axum::Json;
use axum::extract::State;
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use super::json::{ApiJson, JsonBody};
use crate::issuer_profiles::{
    self, CondicionIva, FceProfile, IssuerProfile, LogoFormat, LogoInput, ProfileInput, Transferencia,
};
use crate::state::AppState;

/// The whole profile: a `PUT` replaces every field (a logo left out or `null` removes it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssuerProfileRequest {
    /// The issuer's name as registered: 1 to 200 characters, single line.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub razon_social: String,
    /// The domicilio comercial: 1 to 300 characters, single line. A point of sale's own
    /// `domicilio`, when it has one, is printed instead on its invoices.
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub domicilio_comercial: String,
    /// The issuer's condición frente al IVA.
    pub condicion_iva: CondicionIva,
    /// The Ingresos Brutos number (1 to 30 digits, `.`, `/` or `-`, starting and ending with a
    /// digit), or `exento`, or `convenio_multilateral`.
    #[schema(
        min_length = 1,
        max_length = 30,
        pattern = "^(exento|convenio_multilateral|[0-9]([0-9./-]{0,28}[0-9])?)$"
    )]
    pub ingresos_brutos: String,
    /// Fecha de inicio de actividades (`YYYY-MM-DD`).
    pub inicio_actividades: NaiveDate,
    /// A PNG or JPEG printed in the header, or `null`.
    #[serde(default)]
    pub logo: Option<LogoRequest>,
    /// FCE MiPyMEs defaults, or `null`: what an FCE invoice takes when its request's `fce` leaves
    /// a value out.
    #[serde(default, deserialize_with = "crate::invoices::request::object::optional")]
    pub fce: Option<FceDefaults>,
}

/// The FCE MiPyMEs defaults of the issuer profile (docs/arca.md §M.1): shown to the account
/// only, like the rest of the profile.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FceDefaults {
    /// The issuer's CBU (opcional 2101): 22 digits whose two check digits hold.
    #[schema(min_length = 22, max_length = 22, pattern = "^[0-9]{22}$")]
    #[serde(default)]
    pub cbu: Option<String>,
    /// The CBU's alias (opcional 2102): 6 to 20 characters of `A–Z a–z 0–9 . -`.
    #[schema(min_length = 6, max_length = 20, pattern = "^[A-Za-z0-9.-]{6,20}$")]
    #[serde(default)]
    pub alias: Option<String>,
    /// The transfer option (opcional 27); `SCA` when left out.
    #[serde(default)]
    pub transferencia: Option<Transferencia>,
}

/// A logo: at most 256 KiB and 4096 × 4096 pixels; its content must be the format it names.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoRequest {
    pub tipo: LogoFormat,
    /// The image in standard base64 with padding (at most 349528 characters: 256 KiB).
    #[schema(
        min_length = 4,
        max_length = 349528,
        pattern = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
    )]
    pub contenido_base64: String,
}

/// The account's issuer profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuerProfileView {
    pub razon_social: String,
    pub domicilio_comercial: String,
    pub condicion_iva: CondicionIva,
    /// The number, `exento` or `convenio_multilateral`.
    pub ingresos_brutos: String,
    pub inicio_actividades: NaiveDate,
    pub logo: Option<LogoView>,
    /// FCE MiPyMEs defaults, or `null` when none are set.
    pub fce: Option<FceDefaults>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogoView {
    pub tipo: LogoFormat,
    pub contenido_base64: String,
    /// SHA-256 of the image (hex): how an approved invoice's snapshot names its logo.
    pub sha256: String,
}

/// The account's issuer profile (404 until one is set).
#[utoipa::path(
    get,
    path = "/v1/account/issuer-profile",
    tag = "accounts",
    security(("api_key" = []), ("x_api_key" = [])),
    responses(
        (status = 200, body = IssuerProfileView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The account has no issuer profile yet", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_issuer_profile(
    State(state): State<AppState>,
    tenant: Tenant,
) -> Result<Json<IssuerProfileView>, ApiError> {
    let profile = issuer_profiles::find(&state.storage, tenant.account_id())
        .await
        .map_err(|error| match error {
            crate::Error::NotFound => {
                ApiError::not_found("the account has no issuer profile yet: set it with PUT /v1/account/issuer-profile")
            }
            other => other.into(),
        })?;
    Ok(Json(IssuerProfileView::from(profile)))
}

/// Set the account's issuer profile, replacing the whole of it. Invoices already approved keep
/// the profile they were approved with.
#[utoipa::path(
    put,
    path = "/v1/account/issuer-profile",
    tag = "accounts",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = IssuerProfileRequest,
    responses(
        (status = 200, body = IssuerProfileView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_issuer_profile(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiJson(request): ApiJson<IssuerProfileRequest>,
) -> Result<Json<IssuerProfileView>, ApiError> {
    let input = ProfileInput {
        razon_social: request.razon_social,
        domicilio_comercial: request.domicilio_comercial,
        condicion_iva: request.condicion_iva,
        ingresos_brutos: request.ingresos_brutos,
        inicio_actividades: request.inicio_actividades,
        logo: request.logo.map(|logo| LogoInput {
            tipo: logo.tipo,
            contenido_base64: logo.contenido_base64,
        }),
        fce: request.fce.map(|fce| FceProfile {
            cbu: fce.cbu,
            alias: fce.alias,
            transferencia: fce.transferencia,
        }),
    };
    let profile = issuer_profiles::put(&state.storage, tenant.account_id(), input).await?;
    Ok(Json(IssuerProfileView::from(profile)))
}

impl From<IssuerProfile> for IssuerProfileView {
    fn from(profile: IssuerProfile) -> IssuerProfileView {
        IssuerProfileView {
            razon_social: profile.razon_social,
            domicilio_comercial: profile.domicilio_comercial,
            condicion_iva: profile.condicion_iva,
            ingresos_brutos: profile.ingresos_brutos.as_str().to_string(),
            inicio_actividades: profile.inicio_actividades,
            logo: profile.logo.map(|logo| LogoView {
                tipo: logo.format,
                contenido_base64: base64::engine::general_purpose::STANDARD.encode(&logo.bytes),
                sha256: logo.sha256,
            }),
            fce: profile.fce.map(|fce| FceDefaults {
                cbu: fce.cbu,
                alias: fce.alias,
                transferencia: fce.transferencia,
            }),
            created_at: profile.created_at,
            updated_at: profile.updated_at,
        }
    }
}

impl JsonBody for IssuerProfileRequest {}
