//! `POST /v1/certificates`, `POST /v1/certificates/csr`, `GET /v1/certificates`,
//! `GET /v1/certificates/{id}`, `DELETE /v1/certificates/{id}`: the caller's ARCA certificates;
//! `GET /v1/certificates/{id}/services`: which ARCA services each may use.
//!
//! No answer ever carries a private key or a passphrase. The request types have no `Debug`, so
//! a key cannot reach a log line through them.

use arca_protocol::secret::Secret;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use super::extract::ApiPath;
use super::json::{ApiJson, JsonBody};
use super::pagination::{Page, PageParams, Pagination};
use crate::arca::ArcaService;
use crate::arca::authorization::CheckOutcome;
use crate::certificates::{self, Certificate, Upload};
use crate::state::AppState;

/// Either `pkcs12_base64` (with `passphrase`), or `certificate_pem` with `private_key_pem`.
/// `certificate_pem` alone completes a pending CSR of the account whose key it matches.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadCertificateRequest {
    /// A PKCS#12 bundle (`.p12`/`.pfx`), base64 (standard alphabet).
    pub pkcs12_base64: Option<String>,
    /// The bundle's passphrase (omit when it has none). Used once, never stored.
    pub passphrase: Option<String>,
    /// The certificate ARCA issued, PEM.
    pub certificate_pem: Option<String>,
    /// Its private key, unencrypted PEM (PKCS#8 or PKCS#1); stored encrypted.
    pub private_key_pem: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCsrRequest {
    /// The CUIT the certificate will speak for (`serialNumber=CUIT …`): 11 digits with a
    /// valid check digit, dashes allowed.
    #[schema(pattern = r"^-*([0-9]-*){11}$")]
    pub cuit: String,
    /// Company name (O), 1–64 characters, one line, not blank.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub organization: String,
    /// The certificate's alias in ARCA (CN), 1–64 characters, one line, not blank.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub common_name: String,
}

/// A certificate. Never its key.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    pub id: String,
    /// `active`, `expired` or `pending` (a CSR awaiting ARCA's certificate).
    pub status: String,
    pub cuit: String,
    pub subject: Option<String>,
    /// SHA-256 of the certificate (DER), hex.
    pub fingerprint: Option<String>,
    pub not_before: Option<DateTime<Utc>>,
    pub not_after: Option<DateTime<Utc>>,
    /// Whole days until `not_after` (negative once expired).
    pub days_to_expiry: Option<i64>,
    /// While pending: the CSR to paste into ARCA's certificate self-service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csr_pem: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Upload a certificate; a WSAA test login must succeed before it is stored.
#[utoipa::path(
    post,
    path = "/v1/certificates",
    tag = "certificates",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = UploadCertificateRequest,
    responses(
        (status = 201, description = "Stored; WSAA accepted it", body = CertificateView),
        (status = 400, description = "Unreadable certificate, key or bundle", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account already has this certificate", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "WSAA refused it (`CERTIFICATE_REJECTED`, WSAA's code in `arca_errors`, a `hint`); nothing stored", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "ARCA unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn upload_certificate(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiJson(request): ApiJson<UploadCertificateRequest>,
) -> Result<(StatusCode, Json<CertificateView>), ApiError> {
    let upload = match request {
        UploadCertificateRequest {
            pkcs12_base64: Some(bundle),
            passphrase,
            certificate_pem: None,
            private_key_pem: None,
        } => Upload::Pkcs12 {
            der: certificates::decode_pkcs12(&bundle)?,
            passphrase: Secret::new(passphrase.unwrap_or_default()),
        },
        UploadCertificateRequest {
            pkcs12_base64: None,
            passphrase: None,
            certificate_pem: Some(certificate_pem),
            private_key_pem,
        } => Upload::Pem {
            certificate_pem,
            private_key_pem: private_key_pem.map(Secret::new),
        },
        _ => {
            return Err(ApiError::field(
                "body",
                "send pkcs12_base64 (with passphrase), or certificate_pem (with private_key_pem unless it completes a CSR)",
            ));
        }
    };
    let certificate = certificates::upload(
        &state.storage,
        &state.secrets,
        state.arca.as_ref(),
        tenant.account_id(),
        upload,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CertificateView::from(certificate))))
}

/// Generate an RSA key (kept here, encrypted) and the CSR to paste into ARCA.
#[utoipa::path(
    post,
    path = "/v1/certificates/csr",
    tag = "certificates",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = CreateCsrRequest,
    responses(
        (status = 201, description = "A pending certificate with its `csr_pem`; upload ARCA's certificate_pem to complete it", body = CertificateView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_csr(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiJson(request): ApiJson<CreateCsrRequest>,
) -> Result<(StatusCode, Json<CertificateView>), ApiError> {
    let pending = certificates::request_csr(
        &state.storage,
        &state.secrets,
        tenant.account_id(),
        &request.cuit,
        &request.organization,
        &request.common_name,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CertificateView::from(pending))))
}

/// The account's certificates, newest first.
#[utoipa::path(
    get,
    path = "/v1/certificates",
    tag = "certificates",
    security(("api_key" = []), ("x_api_key" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Page<CertificateView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_certificates(
    State(state): State<AppState>,
    tenant: Tenant,
    pagination: Pagination,
) -> Result<Json<Page<CertificateView>>, ApiError> {
    let (certificates, total) =
        certificates::list(&state.storage, tenant.account_id(), pagination.limit, pagination.offset).await?;
    Ok(Json(pagination.page(
        certificates.into_iter().map(CertificateView::from).collect(),
        total,
    )))
}

/// One certificate, with its days to expiry.
#[utoipa::path(
    get,
    path = "/v1/certificates/{id}",
    tag = "certificates",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The certificate's id (`cert_…`)")),
    responses(
        (status = 200, body = CertificateView),
        (status = 400, description = "A path parameter holds a control character or a bidi override", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_certificate(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CertificateView>, ApiError> {
    let certificate = certificates::find(&state.storage, tenant.account_id(), &id).await?;
    Ok(Json(CertificateView::from(certificate)))
}

/// Delete a certificate and its key.
#[utoipa::path(
    delete,
    path = "/v1/certificates/{id}",
    tag = "certificates",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The certificate's id (`cert_…`)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A path parameter holds a control character or a bidi override", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_certificate(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    certificates::delete(&state.storage, tenant.account_id(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether the certificate may use each ARCA service the product uses.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateServicesView {
    pub certificate_id: String,
    /// One entry per service: `wsfe`, `ws_sr_constancia_inscripcion`, `ws_sr_padron_a13`, `wscdc`, `wsfecred`.
    pub services: Vec<ServiceAuthorizationView>,
}

/// One ARCA service and whether the certificate is authorized for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAuthorizationView {
    /// The service's WSAA name.
    pub service: ArcaService,
    /// What the product uses it for.
    pub purpose: &'static str,
    /// How ARCA's "Administrador de Relaciones de Clave Fiscal" names it.
    pub arca_label: &'static str,
    /// `true` (a ticket proves it), `false` (ARCA refused: `problem` says what to enable, for
    /// which CUIT) or `null` (could not be told: `problem` says why, and whether to retry).
    pub authorized: Option<bool>,
    /// When the ticket held for this certificate and service expires (`null` without one).
    pub ticket_expires_at: Option<DateTime<Utc>>,
    /// How it is known, when that needs saying (`coe.alreadyAuthenticated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Why not, or why unknown: the problem a call of this service would answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// Which ARCA services the certificate may use: each from the ticket held for it or, without
/// one, a WSAA login whose ticket is kept for later calls (never thrown away).
#[utoipa::path(
    get,
    path = "/v1/certificates/{id}/services",
    tag = "certificates",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The certificate's id (`cert_…`)")),
    responses(
        (status = 200, body = CertificateServicesView),
        (status = 400, description = "A path parameter holds a control character or a bidi override", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The certificate is pending or expired: nothing to log in with", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "ARCA is not configured on this server", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_certificate_services(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CertificateServicesView>, ApiError> {
    let checks = state.arca.check_services(tenant.account_id(), &id).await?;
    let services = checks
        .into_iter()
        .map(|check| {
            let authorized = check.outcome.authorized();
            let (ticket_expires_at, note, problem) = match check.outcome {
                CheckOutcome::Authorized { ticket_expires_at } => (Some(ticket_expires_at), None, None),
                CheckOutcome::AuthorizedElsewhere => (
                    None,
                    Some(
                        "WSAA holds a valid ticket for this certificate and service that this server did not \
                         obtain (coe.alreadyAuthenticated): WSAA issues one only to an authorized certificate; \
                         calls of this service can start once it expires (at most 12 h)"
                            .to_string(),
                    ),
                    None,
                ),
                CheckOutcome::NotAuthorized(error) | CheckOutcome::Unknown(error) => {
                    (None, None, Some(ApiError::from(error).problem()))
                }
            };
            ServiceAuthorizationView {
                service: check.service,
                purpose: check.service.purpose(),
                arca_label: check.service.arca_label(),
                authorized,
                ticket_expires_at,
                note,
                problem,
            }
        })
        .collect();
    Ok(Json(CertificateServicesView {
        certificate_id: id,
        services,
    }))
}

impl From<Certificate> for CertificateView {
    fn from(certificate: Certificate) -> CertificateView {
        CertificateView {
            id: certificate.id,
            status: certificate.status.as_str().to_string(),
            cuit: certificate.cuit,
            subject: certificate.subject,
            fingerprint: certificate.fingerprint,
            not_before: certificate.not_before,
            not_after: certificate.not_after,
            days_to_expiry: certificate.days_to_expiry,
            csr_pem: certificate.csr_pem,
            created_at: certificate.created_at,
        }
    }
}

impl JsonBody for UploadCertificateRequest {
    const MULTI_LINE: &'static [&'static str] = &["pkcs12_base64", "passphrase", "certificate_pem", "private_key_pem"];
}
impl JsonBody for CreateCsrRequest {}
