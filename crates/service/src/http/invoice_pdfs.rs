//! `GET /v1/invoices/{id}/pdf` (with the API key) and `GET /v1/public/invoices/{id}/pdf` (with a
//! signed link instead): an approved invoice's PDF, `inline` with its file name and
//! `Cache-Control: private`. The handlers read the path and query, call
//! [`crate::invoice_pdfs`], and write the headers.
//!
//! The public route runs outside the API-key layers. Its link is checked before anything is read
//! (a malformed, tampered or expired link is 403 whether or not the invoice exists), then counted
//! against the invoice's own budget of [`PUBLIC_LINK_REQUESTS_PER_MINUTE`], so a leaked link
//! cannot make the service render without bound. It holds no business rule.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use super::extract::{ApiPath, ApiQuery};
use super::rate_limit;
use crate::invoice_pdfs::{self, InvoicePdf, MAX_COPIES};
use crate::state::AppState;

/// Requests per minute one invoice's PDF may be fetched through its public links, across
/// every instance when Redis is configured.
pub const PUBLIC_LINK_REQUESTS_PER_MINUTE: i64 = 60;

/// A PDF document (PDF/A-2b, A4).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfDocument(#[allow(dead_code)] Vec<u8>);

/// The query of `GET /v1/invoices/{id}/pdf`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PdfParams {
    /// Copies in the one PDF: 1 the ORIGINAL (the default), 2 adds the DUPLICADO, 3 the
    /// TRIPLICADO.
    #[param(value_type = Option<u8>, minimum = 1, maximum = 3, default = 1)]
    pub copias: Option<String>,
}

impl PdfParams {
    /// `copias` as a number of copies, or a 400 naming it.
    fn copies(&self) -> Result<&'static [arca_pdf::Copy], ApiError> {
        let Some(text) = self.copias.as_deref() else {
            return Ok(invoice_pdfs::copies(1).unwrap_or(&[]));
        };
        text.parse::<u8>()
            .ok()
            .filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
            .and_then(invoice_pdfs::copies)
            .ok_or_else(|| ApiError::field("copias", format!("must be a whole number from 1 to {MAX_COPIES}")))
    }
}

/// The query of a public link.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PublicLinkParams {
    /// When the link stops working, in unix seconds (as the link carries it).
    #[param(value_type = i64, minimum = 0, maximum = 999_999_999_999_i64, required = true)]
    pub expires: Option<String>,
    /// HMAC-SHA256 of the invoice id and `expires`, 64 lower-case hexadecimal digits.
    #[param(value_type = String, pattern = "^[0-9a-f]{64}$", required = true)]
    pub signature: Option<String>,
}

/// An approved invoice's PDF: ARCA's printed representation with its QR.
#[utoipa::path(
    get,
    path = "/v1/invoices/{id}/pdf",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The invoice's id (`inv_…`)"), PdfParams),
    responses(
        (status = 200, body = PdfDocument, content_type = "application/pdf",
         description = "The PDF, `Content-Disposition: inline; filename=\"factura-00001-00000042.pdf\"`, `Cache-Control: private`"),
        (status = 400, description = "`VALIDATION_ERROR`: `copias` is not 1, 2 or 3, or an unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`NOT_FOUND`: no such invoice in the caller's account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`INVOICE_NOT_APPROVED`: the invoice has no CAE (yet)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`ISSUER_PROFILE_REQUIRED`: approved while the account had no issuer profile, and it still has none (`PUT /v1/account/issuer-profile`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_invoice_pdf(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<PdfParams>,
) -> Result<Response, ApiError> {
    let copies = params.copies()?;
    let pdf = state.invoice_pdfs.for_account(tenant.account_id(), &id, copies).await?;
    Ok(pdf_response(pdf, HeaderMap::new()))
}

/// An approved invoice's PDF (its ORIGINAL) through the signed link of its `public_pdf_url`:
/// no API key. A malformed, tampered or expired link is 403.
#[utoipa::path(
    get,
    path = "/v1/public/invoices/{id}/pdf",
    tag = "public",
    params(("id" = String, Path, description = "The invoice's id (`inv_…`)"), PublicLinkParams),
    responses(
        (status = 200, body = PdfDocument, content_type = "application/pdf",
         description = "The PDF, `Content-Disposition: inline; filename=\"factura-00001-00000042.pdf\"`, `Cache-Control: private`"),
        (status = 400, description = "`VALIDATION_ERROR`: a parameter the link does not carry, or one given twice", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`PUBLIC_LINK_INVALID` (missing, malformed or tampered with) or `PUBLIC_LINK_EXPIRED`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`NOT_FOUND`: a genuine link to an invoice this service no longer holds", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`ISSUER_PROFILE_REQUIRED`: the issuer has not yet given the fiscal data the invoice prints", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`RATE_LIMIT_EXCEEDED`: this invoice's PDF was fetched too often this minute (`Retry-After`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_public_invoice_pdf(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<PublicLinkParams>,
) -> Result<Response, ApiError> {
    let link = state
        .invoice_pdfs
        .verify(&id, params.expires.as_deref(), params.signature.as_deref())?;
    let mut headers = HeaderMap::new();
    if let Some(decision) = rate_limit::public_link(&state, link.invoice_id(), PUBLIC_LINK_REQUESTS_PER_MINUTE).await {
        rate_limit::add_headers(&mut headers, &decision);
        if !decision.allowed {
            let mut refused = ApiError::rate_limited(decision.limit, decision.retry_after).into_response();
            refused.headers_mut().extend(headers);
            return Ok(refused);
        }
    }
    // A link is for people and their mail: keep it out of search engines.
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    let pdf = state.invoice_pdfs.for_link(&link).await?;
    Ok(pdf_response(pdf, headers))
}

pub(crate) fn pdf_response(pdf: InvoicePdf, mut headers: HeaderMap) -> Response {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    // The file name is ASCII letters, digits and dashes (`invoice_pdfs::filename`).
    if let Ok(disposition) = HeaderValue::from_str(&format!("inline; filename=\"{}\"", pdf.filename)) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    (headers, pdf.bytes).into_response()
}
