//! `POST /v1/invoices/{id}/cancel`, `POST /v1/invoices/{id}/credit-notes` and
//! `POST /v1/invoices/{id}/debit-notes`: the notes module's operations over HTTP. The handlers
//! read the request (headers, path, body), call [`crate::invoices::notes`], and answer like
//! `POST /v1/invoices`: the note approved 201, failed 400 with ARCA's codes, anything else 202.
//!
//! It holds no business rule: which invoices get notes, the balance, the note's class and
//! associations are the notes module's.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use super::extract::ApiPath;
use super::invoices::{InvoiceView, answer, idempotency_key, respond};
use super::json::{ApiJson, JsonBody};
use crate::invoices::notes::{CancelInvoice, CreateNote, NoteRequest};
use crate::state::AppState;

/// Cancel an approved invoice: one credit note of its class for its whole remaining balance
/// (the invoice and its approved debit notes, less what was credited), associated with them.
/// The invoice becomes `cancelled` when ARCA approves the note. A second cancel answers the
/// same note (201 approved, 202 still pending), whatever its `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/v1/invoices/{id}/cancel",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    params(
        ("id" = String, Path, description = "The invoice's id (`inv_…`)"),
        ("Idempotency-Key" = Option<String>, Header, max_length = 255, min_length = 1, pattern = "^[ -~]{1,255}$", description = "1 to 255 printable ASCII characters. Same key and body: the same note; another body: 409"),
        ("Prefer" = Option<String>, Header, description = "`respond-async`: answer 202 at once"),
    ),
    request_body(content = Option<CancelInvoice>, description = "Optional: an empty body cancels today, with no `motivo`"),
    responses(
        (status = 201, body = InvoiceView, description = "the credit note, approved: it has a CAE, and the invoice is `cancelled`"),
        (status = 202, body = InvoiceView, description = "the credit note, accepted, not yet authorised (`pending`, `pending_retry`)"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 402, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The invoice gets no cancellation: not approved, already cancelled, a note itself, another of its notes still waiting for ARCA, no balance left; or the Idempotency-Key was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel_invoice(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Option<ApiJson<CancelInvoice>>,
) -> Result<Response, ApiError> {
    let request = body.map(|ApiJson(request)| request).unwrap_or_default();
    let note = state
        .invoices
        .cancel(
            tenant.account_id(),
            &id,
            &request,
            idempotency_key(&headers)?,
            respond(&headers),
        )
        .await?;
    Ok(answer(&state, note, StatusCode::CREATED))
}

/// Credit part of an approved invoice: a credit note of its class, from `items` (composed like
/// an invoice's, with the invoice's IVA rates only) or an `importe`. It never credits more of
/// any component (each IVA rate's base and IVA, exempt, untaxed, each tributo) than is left:
/// 400 naming the component otherwise. A note that brings the balance to zero cancels the
/// invoice when ARCA approves it.
#[utoipa::path(
    post,
    path = "/v1/invoices/{id}/credit-notes",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    params(
        ("id" = String, Path, description = "The invoice's id (`inv_…`)"),
        ("Idempotency-Key" = Option<String>, Header, max_length = 255, min_length = 1, pattern = "^[ -~]{1,255}$", description = "1 to 255 printable ASCII characters. Same key and body: the same note; another body: 409"),
        ("Prefer" = Option<String>, Header, description = "`respond-async`: answer 202 at once"),
    ),
    request_body = CreateNote,
    responses(
        (status = 201, body = InvoiceView, description = "the credit note, approved: it has a CAE"),
        (status = 202, body = InvoiceView, description = "the credit note, accepted, not yet authorised (`pending`, `pending_retry`)"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 402, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The invoice gets no note: not approved, cancelled or being cancelled, a note itself, another of its notes still waiting for ARCA (named); or the Idempotency-Key was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_credit_note(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CreateNote>,
) -> Result<Response, ApiError> {
    create_note(&state, &tenant, &id, &headers, NoteRequest::Credit(&request)).await
}

/// Debit an approved invoice: a debit note of its class, from `items` or an `importe`, which
/// raises the balance a later cancellation credits.
#[utoipa::path(
    post,
    path = "/v1/invoices/{id}/debit-notes",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    params(
        ("id" = String, Path, description = "The invoice's id (`inv_…`)"),
        ("Idempotency-Key" = Option<String>, Header, max_length = 255, min_length = 1, pattern = "^[ -~]{1,255}$", description = "1 to 255 printable ASCII characters. Same key and body: the same note; another body: 409"),
        ("Prefer" = Option<String>, Header, description = "`respond-async`: answer 202 at once"),
    ),
    request_body = CreateNote,
    responses(
        (status = 201, body = InvoiceView, description = "the debit note, approved: it has a CAE"),
        (status = 202, body = InvoiceView, description = "the debit note, accepted, not yet authorised (`pending`, `pending_retry`)"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 402, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The invoice gets no note: not approved, cancelled or being cancelled, a note itself, another of its notes still waiting for ARCA (named); or the Idempotency-Key was used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_debit_note(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CreateNote>,
) -> Result<Response, ApiError> {
    create_note(&state, &tenant, &id, &headers, NoteRequest::Debit(&request)).await
}

/// A credit or debit note of the account's invoice `id`, answered like a new invoice.
async fn create_note(
    state: &AppState,
    tenant: &Tenant,
    id: &str,
    headers: &HeaderMap,
    request: NoteRequest<'_>,
) -> Result<Response, ApiError> {
    let note = state
        .invoices
        .note(
            tenant.account_id(),
            id,
            request,
            idempotency_key(headers)?,
            respond(headers),
        )
        .await?;
    Ok(answer(state, note, StatusCode::CREATED))
}

impl JsonBody for CancelInvoice {}

impl JsonBody for CreateNote {
    const MULTI_LINE: &'static [&'static str] = &["items[].descripcion", "descripcion", "metadata"];
}
