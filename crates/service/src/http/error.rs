//! The one HTTP error type, rendered as RFC 7807 `application/problem+json`.
//!
//! Every failure the API answers goes through [`ApiError`]: handlers return it with `?`
//! (library errors convert once, in `From<Error>`), extractors reject with it, and the fallbacks
//! and tower layers' bare answers are rewritten into it. Bodies never carry internals: a
//! database or Redis failure is logged here, once, and answered as `INTERNAL_ERROR`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::Error;

/// A problem answer. `code` is stable; `title` and `detail` are for people.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    retryable: bool,
    retry_after: Option<u64>,
    /// ARCA's codes and a hint, for ARCA problems, and a `mode: simple` draft (boxed: most
    /// errors have none).
    arca: Option<Box<ArcaDetails>>,
    /// What went wrong inside, for the log line written when the answer goes out; never sent.
    cause: Option<String>,
}

/// The problem+json body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code: VALIDATION_ERROR, UNAUTHORIZED, API_KEY_MODE_MISMATCH,
    /// NOT_FOUND, CONFLICT, INVOICE_NOT_APPROVED, ISSUER_PROFILE_REQUIRED, NOT_CONFIGURED,
    /// PUBLIC_LINK_INVALID, PUBLIC_LINK_EXPIRED, TAXPAYER_NOT_FOUND, TAXPAYER_LOOKUP_UNAVAILABLE,
    /// TAXPAYER_DATA_INCOMPLETE, ARCA_SERVICE_NOT_AUTHORIZED, ARCA_REFUSED, CERTIFICATE_REJECTED,
    /// ARCA_REQUEST_REJECTED, RATE_LIMIT_EXCEEDED, MAINTENANCE, CONTINGENCY_NOT_ACTIVE,
    /// CONTINGENCY_NOT_CONFIGURED, CAEA_UNAVAILABLE, CAEA_SERIES_EXHAUSTED,
    /// CONFIRMATION_REQUIRED, AI_PROVIDER_UNAVAILABLE, AI_PROVIDER_TIMEOUT, INTERNAL_ERROR, …
    pub code: String,
    /// Whether the same request may succeed later.
    pub retryable: bool,
    /// Per-field problems (validation errors only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// ARCA's own codes and messages, when ARCA refused (WSAA fault codes such as
    /// `cms.cert.untrusted`, WSFEv1 error numbers as text).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arca_errors: Vec<ArcaErrorView>,
    /// What to do about it, in plain words (certificate and ARCA problems).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The invoice ARCA rejected (kept as `failed`, editable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    /// `ARCA_SERVICE_NOT_AUTHORIZED`: the ARCA service to enable (its WSAA name, e.g. `wsfe`,
    /// `ws_sr_constancia_inscripcion`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// `ARCA_SERVICE_NOT_AUTHORIZED`: the CUIT whose relations must change (the account's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cuit: Option<String>,
    /// `mode: simple` with `confirmar: true` refused (`CONFIRMATION_REQUIRED`, or a
    /// `VALIDATION_ERROR` of the draft): the draft, its confidence and its `dudas`, to confirm
    /// or correct. Nothing was issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<super::simple_mode::SimpleDraftView>)]
    pub borrador: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default)]
struct ArcaDetails {
    errors: Vec<ArcaErrorView>,
    hint: Option<String>,
    /// The invoice ARCA rejected (kept as `failed`).
    invoice_id: Option<String>,
    /// The service and CUIT of `ARCA_SERVICE_NOT_AUTHORIZED`.
    service: Option<String>,
    cuit: Option<String>,
    /// A `mode: simple` draft refused for issuing, shown as `borrador`.
    draft: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArcaErrorView {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl ApiError {
    /// 400 `ARCA_VALIDATION_FAILED`: ARCA rejected the invoice, which is kept as `failed`. A
    /// code the catalogue has a fix for (the FCE regime's) gives the `hint`.
    pub fn arca_rejected(invoice_id: String, errors: Vec<ArcaErrorView>) -> ApiError {
        use arca_protocol::wsfe::{ErrorKind, describe_error};
        let hint = errors.iter().find_map(|error| {
            let described = describe_error(error.code.parse().ok()?);
            (described.kind == ErrorKind::FceRegime).then(|| described.hint.to_string())
        });
        ApiError {
            arca: Some(Box::new(ArcaDetails {
                errors,
                hint,
                invoice_id: Some(invoice_id),
                ..ArcaDetails::default()
            })),
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                "ARCA_VALIDATION_FAILED",
                "ARCA rejected the invoice; it is kept as failed and can be corrected",
            )
        }
    }

    fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retryable: false,
            retry_after: None,
            arca: None,
            cause: None,
        }
    }

    /// 400 with one or more field problems.
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let detail = match errors.as_slice() {
            [only] => format!("{}: {}", only.field, only.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        ApiError {
            errors,
            ..ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", detail)
        }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// A request-body problem with a status of its own (413, 415).
    pub fn body(status: StatusCode, field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            ..ApiError::field(field, message)
        }
    }

    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", detail)
    }

    /// 401 for a key of the other mode: names both modes and nothing about the key itself.
    pub fn key_mode_mismatch(key_mode: &str, instance_mode: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "API_KEY_MODE_MISMATCH",
            format!(
                "this is a {key_mode} key (arca_{key_mode}_…) and this instance accepts only {instance_mode} \
                 keys (arca_{instance_mode}_…): test keys work with the simulator and homologation, live \
                 keys with ARCA production"
            ),
        )
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", detail)
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "this path does not accept this method",
        )
    }

    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "CONFLICT", detail)
    }

    pub fn payment_required(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYMENT_REQUIRED, "PAYMENT_REQUIRED", detail)
    }

    pub fn rate_limited(limit: i64, retry_after: i64) -> ApiError {
        ApiError {
            retryable: true,
            retry_after: Some(u64::try_from(retry_after).unwrap_or(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMIT_EXCEEDED",
                format!("more than {limit} requests this minute for this API key"),
            )
        }
    }

    pub fn maintenance(retry_after: u64) -> ApiError {
        ApiError {
            retryable: true,
            retry_after: Some(retry_after),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "MAINTENANCE",
                "the service is in maintenance; try again later",
            )
        }
    }

    /// The ARCA circuit breaker is open and `INVOICE_QUEUE_MODE=reject`.
    pub fn circuit_open(retry_after: u64) -> ApiError {
        ApiError {
            retryable: true,
            retry_after: Some(retry_after.max(1)),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ARCA_UNAVAILABLE",
                "ARCA is failing and the circuit breaker is open; the invoice was not accepted, send it again later",
            )
        }
    }

    /// A request for CAEA (`"contingencia"`) refused, or CAEA not usable now (docs/arca.md §G):
    /// 409 `CONTINGENCY_NOT_ACTIVE`, 422 `CONTINGENCY_NOT_CONFIGURED`, 503 `CAEA_UNAVAILABLE`
    /// (retryable), 409 `CAEA_SERIES_EXHAUSTED`, or 400 naming the field, each with a hint.
    pub fn contingency(refusal: crate::contingency::issue::Refusal) -> ApiError {
        use crate::contingency::issue::Refusal;
        let with_hint = |error: ApiError, hint: &str| ApiError {
            arca: Some(Box::new(ArcaDetails {
                hint: Some(hint.to_string()),
                ..ArcaDetails::default()
            })),
            ..error
        };
        match refusal {
            Refusal::NotActive => with_hint(
                ApiError::new(StatusCode::CONFLICT, "CONTINGENCY_NOT_ACTIVE", refusal.to_string()),
                "CAEA is for contingencies only: ARCA's CAE service answers, so send the invoice without \"contingencia\" (it gets a CAE)",
            ),
            Refusal::NotConfigured => with_hint(
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "CONTINGENCY_NOT_CONFIGURED",
                    refusal.to_string(),
                ),
                "mark a point of sale ARCA registered as CAEA `contingencia` (PATCH /v1/points-of-sale/{id}); the service then obtains a CAEA every fortnight",
            ),
            Refusal::Unavailable(reason) => ApiError::caea_unavailable(reason),
            Refusal::Exhausted(reason) => ApiError::caea_series_exhausted(reason),
            Refusal::Field { field, message } => ApiError::field(field, message),
        }
    }

    /// 503 `CAEA_UNAVAILABLE` (retryable): the account opted in to CAEA, but none can be used now.
    pub fn caea_unavailable(reason: String) -> ApiError {
        ApiError {
            retryable: true,
            retry_after: Some(60),
            arca: Some(Box::new(ArcaDetails {
                hint: Some(
                    "the CAEA of today's fortnight and the primed contingency series come from ARCA while it answers \
                     (GET /v1/contingency shows them); without \"contingencia\" the invoice follows INVOICE_QUEUE_MODE"
                        .into(),
                ),
                ..ArcaDetails::default()
            })),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "CAEA_UNAVAILABLE",
                format!("no CAEA can be used now: {reason}"),
            )
        }
    }

    /// 409 `CAEA_SERIES_EXHAUSTED` (not retryable): the contingency series is at 99999999 and is
    /// never wrapped.
    pub fn caea_series_exhausted(reason: String) -> ApiError {
        ApiError {
            arca: Some(Box::new(ArcaDetails {
                hint: Some(
                    "the series is at 99999999 and is never wrapped: issue on another contingency point of sale (`punto_venta`)"
                        .into(),
                ),
                ..ArcaDetails::default()
            })),
            ..ApiError::new(
                StatusCode::CONFLICT,
                "CAEA_SERIES_EXHAUSTED",
                format!("the contingency series cannot be numbered further: {reason}"),
            )
        }
    }

    /// 422 `NOT_CONFIGURED`: a capability whose settings are missing on this server, each
    /// named in `errors[]`.
    pub fn not_configured(detail: impl Into<String>, missing: &[&str]) -> ApiError {
        ApiError {
            errors: missing
                .iter()
                .map(|name| FieldError {
                    field: (*name).to_string(),
                    message: "setting missing on this server".into(),
                })
                .collect(),
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "NOT_CONFIGURED", detail)
        }
    }

    /// The AI provider failed: 504 `AI_PROVIDER_TIMEOUT` when it did not answer in time, 503
    /// `AI_PROVIDER_UNAVAILABLE` otherwise; retryable as the failure says (a 429 or 5xx, a
    /// network error, an unusable answer are; a refused key or an unknown model are not, the
    /// settings must change). The cause is logged, never the description or the answer.
    pub fn ai_provider(error: &crate::simple_mode::ProviderError) -> ApiError {
        use crate::simple_mode::ProviderError;
        let retryable = error.retryable();
        let retry_after = match error {
            ProviderError::Status {
                retry_after: Some(seconds),
                ..
            } => Some((*seconds).max(1)),
            _ if retryable => Some(5),
            _ => None,
        };
        let (status, code, detail) = match error {
            ProviderError::Timeout(_) => (
                StatusCode::GATEWAY_TIMEOUT,
                "AI_PROVIDER_TIMEOUT",
                format!("{error}; nothing was issued, try again"),
            ),
            ProviderError::Status { .. } if !retryable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "AI_PROVIDER_UNAVAILABLE",
                format!("{error}: check AI_BASE_URL, AI_MODEL and AI_API_KEY; nothing was issued"),
            ),
            _ => (
                StatusCode::SERVICE_UNAVAILABLE,
                "AI_PROVIDER_UNAVAILABLE",
                format!("{error}; nothing was issued, try again"),
            ),
        };
        ApiError {
            retryable,
            retry_after,
            cause: Some(error.to_string()),
            ..ApiError::new(status, code, detail)
        }
    }

    /// This error with a `mode: simple` draft shown as `borrador`.
    pub fn with_draft(mut self, draft: serde_json::Value) -> ApiError {
        self.arca.get_or_insert_with(Box::default).draft = Some(draft);
        self
    }

    /// 422 `CONFIRMATION_REQUIRED`: a `mode: simple` draft under `AI_MIN_CONFIDENCE`; `errors[]`
    /// lists what to confirm (its `dudas`).
    pub fn confirmation_required(detail: impl Into<String>, dudas: Vec<FieldError>) -> ApiError {
        ApiError {
            errors: dudas,
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "CONFIRMATION_REQUIRED", detail)
        }
    }

    pub fn unavailable(detail: impl Into<String>) -> ApiError {
        ApiError {
            retryable: true,
            retry_after: Some(5),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE", detail)
        }
    }

    pub fn internal() -> ApiError {
        ApiError {
            retryable: true,
            ..ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "an unexpected error occurred; it has been logged",
            )
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Logs what went wrong inside, if anything: once, where the failure becomes an answer
    /// (the API's problem+json here, or the dashboard's error page).
    pub fn log_cause(&self) {
        if let Some(cause) = &self.cause {
            tracing::error!(code = self.code, error = %cause, "request failed");
        }
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!(
                "urn:arca-api:problem:{}",
                self.code.to_ascii_lowercase().replace('_', "-")
            ),
            title: self.status.canonical_reason().unwrap_or("Error").to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            retryable: self.retryable,
            errors: self.errors.clone(),
            arca_errors: self.arca.as_ref().map(|arca| arca.errors.clone()).unwrap_or_default(),
            hint: self.arca.as_ref().and_then(|arca| arca.hint.clone()),
            invoice_id: self.arca.as_ref().and_then(|arca| arca.invoice_id.clone()),
            service: self.arca.as_ref().and_then(|arca| arca.service.clone()),
            cuit: self.arca.as_ref().and_then(|arca| arca.cuit.clone()),
            borrador: self.arca.as_ref().and_then(|arca| arca.draft.clone()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The one place a failure is logged: where it becomes the answer.
        self.log_cause();
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> ApiError {
        match error {
            Error::NotFound => ApiError::not_found("no such resource"),
            Error::Conflict(detail) => ApiError::conflict(detail),
            Error::QuotaExceeded { quota, used, month } => ApiError::payment_required(format!(
                "the monthly quota of {quota} invoices is used up ({used} in {month}); \
                 it renews next month, or raise the account's tier"
            )),
            Error::Invalid(problems) => ApiError::validation(
                problems
                    .into_iter()
                    .map(|(field, message)| FieldError { field, message })
                    .collect(),
            ),
            Error::Database(sqlx::Error::PoolTimedOut) => ApiError {
                cause: Some("database pool exhausted".into()),
                ..ApiError::unavailable("the database is busy; try again shortly")
            },
            Error::Database(sqlx::Error::Database(database_error)) if database_error.is_unique_violation() => {
                ApiError::conflict("a resource with these values already exists")
            }
            Error::Arca(error) => ApiError::from_arca(error),
            Error::ServiceNotAuthorized(refusal) => ApiError::not_authorized(&refusal),
            Error::CertificateUntrusted { environment, message } => ApiError {
                arca: Some(Box::new(ArcaDetails {
                    errors: vec![ArcaErrorView {
                        code: "cms.cert.untrusted".into(),
                        message,
                    }],
                    hint: Some(format!(
                        "upload a certificate issued for ARCA {} (this server's environment): homologación \
                         certificates come from WSASS, production ones from \"Administración de Certificados \
                         Digitales\"; neither works in the other environment",
                        environment.as_str()
                    )),
                    ..ArcaDetails::default()
                })),
                ..ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "CERTIFICATE_REJECTED",
                    format!(
                        "WSAA does not trust the certificate (cms.cert.untrusted): it was not issued by ARCA for \
                         the environment this server uses ({}) — a homologación certificate is refused in \
                         production and a production one in homologación — or it is self-signed",
                        environment.as_str()
                    ),
                )
            },
            Error::NoCertificate => ApiError {
                arca: Some(Box::new(ArcaDetails {
                    errors: Vec::new(),
                    hint: Some(
                        "upload one with POST /v1/certificates (or create a CSR with POST /v1/certificates/csr)".into(),
                    ),
                    ..ArcaDetails::default()
                })),
                ..ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "NO_CERTIFICATE",
                    "the account has no active, unexpired ARCA certificate",
                )
            },
            error @ Error::InvoiceNotApproved { .. } => {
                ApiError::new(StatusCode::CONFLICT, "INVOICE_NOT_APPROVED", error.to_string())
            }
            Error::IssuerProfileRequired(fields) => ApiError {
                errors: fields
                    .iter()
                    .map(|field| FieldError {
                        field: (*field).to_string(),
                        message: "required: the issuer profile has none yet".into(),
                    })
                    .collect(),
                ..ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "ISSUER_PROFILE_REQUIRED",
                    format!(
                        "the invoice's issuer data is missing: set the account's issuer profile with \
                         PUT /v1/account/issuer-profile ({})",
                        fields.join(", ")
                    ),
                )
            },
            Error::ArcaNotConfigured => ApiError {
                retryable: true,
                retry_after: Some(60),
                cause: Some("ARCA endpoints not configured".into()),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ARCA_UNAVAILABLE",
                    "ARCA is not configured on this server",
                )
            },
            Error::EmailNotConfigured(missing) => ApiError::not_configured(
                format!("email is not configured on this server: set {}", missing.join(" and ")),
                &missing,
            ),
            other => ApiError {
                cause: Some(other.to_string()),
                ..ApiError::internal()
            },
        }
    }
}

impl From<crate::invoices::Error> for ApiError {
    fn from(error: crate::invoices::Error) -> ApiError {
        use crate::invoices::Error as Invoices;
        match error {
            Invoices::Service(error) => error.into(),
            Invoices::Issuance(error) => error.into(),
            Invoices::Taxpayer(error) => error.into(),
            Invoices::CircuitOpen { retry_after } => ApiError::circuit_open(retry_after),
            Invoices::NotFound => ApiError::not_found("no such invoice"),
            error @ (Invoices::NotEditable { .. } | Invoices::NoteRefused(_)) => ApiError::conflict(error.to_string()),
            Invoices::Contingency(refusal) => ApiError::contingency(refusal),
        }
    }
}

/// A padrón look-up refused: an unknown CUIT 404 `TAXPAYER_NOT_FOUND` (422 naming the field when
/// it filled a request), the padrón down 503
/// `TAXPAYER_LOOKUP_UNAVAILABLE` (retryable), a field the padrón does not settle 422 naming it.
impl From<crate::taxpayers::Error> for ApiError {
    fn from(error: crate::taxpayers::Error) -> ApiError {
        use crate::taxpayers::Error as Taxpayers;
        match error {
            Taxpayers::Service(error) => error.into(),
            Taxpayers::NotFound { cuit, field: None } => ApiError::new(
                StatusCode::NOT_FOUND,
                "TAXPAYER_NOT_FOUND",
                format!("ARCA's padrón has no taxpayer with CUIT {cuit}"),
            ),
            Taxpayers::NotFound {
                cuit,
                field: Some(field),
            } => ApiError {
                errors: vec![FieldError {
                    field,
                    message: format!("ARCA's padrón has no taxpayer with CUIT {cuit}"),
                }],
                ..ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "TAXPAYER_NOT_FOUND",
                    format!("ARCA's padrón has no taxpayer with CUIT {cuit}: check the CUIT"),
                )
            },
            Taxpayers::Unavailable { cause } => ApiError {
                retryable: true,
                retry_after: Some(5),
                cause: Some(cause),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "TAXPAYER_LOOKUP_UNAVAILABLE",
                    "ARCA's padrón did not answer; try again shortly (an invoice or customer given its name and \
                     IVA condition needs no look-up)",
                )
            },
            Taxpayers::Unsettled { field, reason } => ApiError {
                errors: vec![FieldError {
                    field: field.clone(),
                    message: format!("required: ARCA's padrón does not settle it ({reason})"),
                }],
                ..ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "TAXPAYER_DATA_INCOMPLETE",
                    format!("{field} is required: ARCA's padrón does not settle it ({reason})"),
                )
            },
        }
    }
}

/// An FCE operation refused: ARCA's refusal 422 `ARCA_REFUSED` with ARCA's codes (not
/// retryable: ARCA decided), a voucher the account's CUIT did not receive 404; the rest as the
/// service's errors (an outage 503/504 retryable, a certificate not authorized for wsfecred 422
/// `ARCA_SERVICE_NOT_AUTHORIZED`).
impl From<crate::fce::Error> for ApiError {
    fn from(error: crate::fce::Error) -> ApiError {
        use crate::fce::Error as Fce;
        match error {
            Fce::Service(error) => error.into(),
            Fce::NotReceived { id } => {
                ApiError::not_found(format!("ARCA lists no FCE {id} received by this account's CUIT"))
            }
            Fce::Refused { errors } => {
                let summary = errors
                    .iter()
                    .map(|error| format!("{} {}", error.codigo, error.descripcion))
                    .collect::<Vec<_>>()
                    .join("; ");
                ApiError {
                    arca: Some(Box::new(ArcaDetails {
                        errors: errors
                            .into_iter()
                            .map(|error| ArcaErrorView {
                                code: error.codigo.to_string(),
                                message: error.descripcion,
                            })
                            .collect(),
                        ..ArcaDetails::default()
                    })),
                    ..ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "ARCA_REFUSED",
                        format!("ARCA refused the operation: {summary}"),
                    )
                }
            }
        }
    }
}

/// A PDF refused: another account's or a missing invoice 404, one without a CAE 409
/// `INVOICE_NOT_APPROVED`, a public link that fails its checks 403 (`PUBLIC_LINK_INVALID`, or
/// `PUBLIC_LINK_EXPIRED` for a genuine link past its expiry).
impl From<crate::invoice_pdfs::Error> for ApiError {
    fn from(error: crate::invoice_pdfs::Error) -> ApiError {
        use crate::invoice_pdfs::Error as Pdfs;
        use crate::public_links::LinkRefusal;
        match error {
            Pdfs::NotFound => ApiError::not_found("no such invoice"),
            error @ Pdfs::NotApproved { .. } => {
                ApiError::new(StatusCode::CONFLICT, "INVOICE_NOT_APPROVED", error.to_string())
            }
            Pdfs::Link(LinkRefusal::Invalid) => ApiError::new(
                StatusCode::FORBIDDEN,
                "PUBLIC_LINK_INVALID",
                "this link is not valid: it is incomplete or was altered; ask the issuer for the invoice's link again",
            ),
            Pdfs::Link(LinkRefusal::Expired) => ApiError::new(
                StatusCode::FORBIDDEN,
                "PUBLIC_LINK_EXPIRED",
                "this link has expired; ask the issuer for a new one",
            ),
            Pdfs::Service(error) => error.into(),
        }
    }
}

/// Every engine error named: what the caller got wrong is a 4xx, what failed inside is a 500
/// (never a 400 that would blame the request).
impl From<crate::issuance::Error> for ApiError {
    fn from(error: crate::issuance::Error) -> ApiError {
        use crate::issuance::Error as Issuance;
        match error {
            Issuance::Storage(error) => error.into(),
            Issuance::Invalid(message) => ApiError::field("invoice", message),
            Issuance::IdempotencyConflict { id } => ApiError::conflict(format!(
                "the Idempotency-Key was used for another request (invoice {id})"
            )),
            Issuance::NotFound => ApiError::not_found("no such invoice"),
            Issuance::CaeaUnavailable(reason) => ApiError::caea_unavailable(reason),
            Issuance::CaeaSeriesExhausted(reason) => ApiError::caea_series_exhausted(reason),
            Issuance::CaeaDate(message) => ApiError::field("fecha", message),
            Issuance::NotesChanged { id } => ApiError::conflict(format!(
                "invoice {id} got another note while this one was being accepted: send it again"
            )),
            error @ (Issuance::LeaseLost | Issuance::Corrupt { .. }) => ApiError {
                cause: Some(error.to_string()),
                ..ApiError::internal()
            },
        }
    }
}

impl ApiError {
    /// 422 `ARCA_SERVICE_NOT_AUTHORIZED`: the certificate may not use an ARCA service (or not
    /// for this CUIT). Not retryable: a relation must be added in ARCA first. Names the service
    /// and the CUIT as members of their own.
    pub fn not_authorized(refusal: &crate::arca::authorization::NotAuthorized) -> ApiError {
        ApiError {
            arca: Some(Box::new(ArcaDetails {
                errors: vec![ArcaErrorView {
                    code: refusal.arca_code.clone(),
                    message: refusal.arca_message.clone(),
                }],
                hint: Some(refusal.hint()),
                invoice_id: None,
                service: Some(refusal.service.wsaa_name().to_string()),
                cuit: refusal.cuit_to_fix().map(|cuit| cuit.to_string()),
                draft: None,
            })),
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "ARCA_SERVICE_NOT_AUTHORIZED",
                refusal.detail(),
            )
        }
    }

    /// ARCA's failures: refusals of the certificate (422 `CERTIFICATE_REJECTED`, with WSAA's
    /// code and a hint), outages (503 `ARCA_UNAVAILABLE`) and silence (504 `ARCA_TIMEOUT`), the
    /// last two retryable; never a 500. Padrón faults (docs/arca.md §J.3): unknown CUIT 404
    /// `TAXPAYER_NOT_FOUND`, invalid id 400 `INVALID_CUIT`, inactive key 422 `TAXPAYER_INACTIVE`,
    /// not represented 422 `ARCA_SERVICE_NOT_AUTHORIZED`, token or server faults 503 retryable;
    /// a request refused before sending 400 `VALIDATION_ERROR`; a SOAP `Client` fault (ARCA
    /// could not read our request: sending it again fails again) 502 `ARCA_REQUEST_REJECTED`,
    /// not retryable, as `arca_protocol::Error::retryable` says.
    fn from_arca(error: arca_protocol::Error) -> ApiError {
        use arca_protocol::Error as Arca;
        use arca_protocol::wsaa::WsaaFault;
        // WSFEv1's 600 "No apareció CUIT en lista de relaciones" reached here without its CUIT
        // (a direct WSFEv1 call): still the fix-it problem, naming the service.
        if let Some(refusal) =
            crate::arca::authorization::not_authorized(crate::arca::ArcaService::Wsfe, &error, None, None)
        {
            return ApiError::not_authorized(&refusal);
        }
        let cause = Some(error.to_string());
        let unavailable = |detail: String, retry_after: u64| ApiError {
            retryable: true,
            retry_after: Some(retry_after),
            cause: cause.clone(),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "ARCA_UNAVAILABLE", detail)
        };
        match error {
            Arca::Wsaa { fault, message } => {
                let details = Some(Box::new(ArcaDetails {
                    errors: vec![ArcaErrorView {
                        code: fault.code().to_string(),
                        message,
                    }],
                    hint: Some(fault.hint().to_string()),
                    ..ArcaDetails::default()
                }));
                if fault == WsaaFault::AlreadyAuthenticated {
                    ApiError {
                        arca: details,
                        ..unavailable(
                            "WSAA holds a valid ticket for this certificate that this service does not have \
                             (coe.alreadyAuthenticated); a new one can be requested once WSAA's preventive \
                             window (about 10 minutes after the last login) has passed"
                                .into(),
                            600,
                        )
                    }
                } else if fault.retry_policy().is_retryable() {
                    ApiError {
                        arca: details,
                        ..unavailable(format!("WSAA is unavailable ({})", fault.code()), 60)
                    }
                } else {
                    ApiError {
                        detail: format!("WSAA refused the certificate ({}): {}", fault.code(), fault.hint()),
                        arca: details,
                        ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "CERTIFICATE_REJECTED", "")
                    }
                }
            }
            Arca::OutcomeUnknown(_) => ApiError {
                retryable: true,
                retry_after: Some(5),
                cause,
                ..ApiError::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    "ARCA_TIMEOUT",
                    "ARCA did not answer in time; try again",
                )
            },
            Arca::Rejected { errors } => ApiError {
                arca: Some(Box::new(ArcaDetails {
                    errors: errors
                        .into_iter()
                        .map(|error| ArcaErrorView {
                            code: error.code.to_string(),
                            message: error.msg,
                        })
                        .collect(),
                    hint: None,
                    ..ArcaDetails::default()
                })),
                ..ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "ARCA_VALIDATION_FAILED",
                    "ARCA rejected the request",
                )
            },
            Arca::Padron { fault, message } => {
                use arca_protocol::padron::PadronFault;
                let arca = Some(Box::new(ArcaDetails {
                    errors: vec![ArcaErrorView {
                        code: fault.code().to_string(),
                        message,
                    }],
                    hint: None,
                    ..ArcaDetails::default()
                }));
                let (status, code, detail) = match fault {
                    PadronFault::PersonNotFound => (
                        StatusCode::NOT_FOUND,
                        "TAXPAYER_NOT_FOUND",
                        "ARCA's registry has no taxpayer with this CUIT",
                    ),
                    PadronFault::InvalidId => (
                        StatusCode::BAD_REQUEST,
                        "INVALID_CUIT",
                        "ARCA's registry says this is not a valid CUIT/CUIL",
                    ),
                    PadronFault::InactiveKey => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "TAXPAYER_INACTIVE",
                        "the taxpayer's CUIT is inactive in ARCA's registry",
                    ),
                    PadronFault::NotRepresented | PadronFault::MissingCuitRepresentada => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "ARCA_SERVICE_NOT_AUTHORIZED",
                        "the certificate's CUIT may not query ARCA's registry on behalf of this CUIT: \
                         authorize the padrón service for it in ARCA",
                    ),
                    PadronFault::TokenRejected | PadronFault::Other => {
                        return ApiError {
                            arca,
                            ..unavailable("ARCA's registry is unavailable; try again shortly".into(), 5)
                        };
                    }
                };
                ApiError {
                    arca,
                    cause,
                    ..ApiError::new(status, code, detail)
                }
            }
            Arca::InvalidRequest(message) => ApiError {
                cause,
                ..ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
            },
            Arca::Credentials(_) | Arca::Signing(_) => ApiError {
                cause,
                ..ApiError::internal()
            },
            Arca::Http { fault: Some(fault), .. } if fault.is_client() => ApiError {
                cause,
                ..ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "ARCA_REQUEST_REJECTED",
                    format!(
                        "ARCA could not process the request (SOAP fault {}); sending it again unchanged fails again",
                        fault.code
                    ),
                )
            },
            Arca::NotSent(_)
            | Arca::Http { .. }
            | Arca::Malformed(_)
            | Arca::ArcaInternal { .. }
            | Arca::TokenRejected { .. } => unavailable("ARCA is unavailable; try again shortly".into(), 5),
        }
    }
}

#[cfg(test)]
mod padron_tests {
    use arca_protocol::padron::PadronFault;

    use super::*;

    fn mapped(fault: PadronFault) -> ApiError {
        ApiError::from_arca(arca_protocol::Error::Padron {
            fault,
            message: "texto de ARCA".into(),
        })
    }

    #[test]
    fn a_client_fault_is_not_retryable_a_server_fault_is() {
        let fault = |code: &str| {
            ApiError::from_arca(arca_protocol::Error::Http {
                status: 500,
                body_excerpt: String::new(),
                fault: Some(arca_protocol::SoapFault {
                    code: code.into(),
                    message: "texto".into(),
                }),
            })
        };
        let client = fault("soap:Client");
        assert_eq!(
            (client.status.as_u16(), client.code, client.retryable),
            (502, "ARCA_REQUEST_REJECTED", false)
        );
        let server = fault("soap:Server");
        assert_eq!(
            (server.status.as_u16(), server.code, server.retryable),
            (503, "ARCA_UNAVAILABLE", true)
        );
    }

    #[test]
    fn padron_faults_map_to_their_statuses_never_500() {
        let cases = [
            (PadronFault::PersonNotFound, 404, "TAXPAYER_NOT_FOUND", false),
            (PadronFault::InvalidId, 400, "INVALID_CUIT", false),
            (PadronFault::InactiveKey, 422, "TAXPAYER_INACTIVE", false),
            (PadronFault::NotRepresented, 422, "ARCA_SERVICE_NOT_AUTHORIZED", false),
            (
                PadronFault::MissingCuitRepresentada,
                422,
                "ARCA_SERVICE_NOT_AUTHORIZED",
                false,
            ),
            (PadronFault::TokenRejected, 503, "ARCA_UNAVAILABLE", true),
            (PadronFault::Other, 503, "ARCA_UNAVAILABLE", true),
        ];
        for (fault, status, code, retryable) in cases {
            let error = mapped(fault);
            assert_eq!(
                (error.status.as_u16(), error.code, error.retryable),
                (status, code, retryable),
                "{fault:?}"
            );
            let arca = error.arca.as_ref().expect("ARCA's fault is shown");
            assert_eq!(arca.errors[0].code, fault.code());
            assert_eq!(arca.errors[0].message, "texto de ARCA");
        }
        let refused = ApiError::from_arca(arca_protocol::Error::InvalidRequest("251 ids".into()));
        assert_eq!((refused.status.as_u16(), refused.code), (400, "VALIDATION_ERROR"));
        assert!(!refused.retryable);
    }
}
