//! `POST /v1/invoices/{id}/email` and `GET /v1/invoices/{id}/emails`: the email module's
//! operations over HTTP. The handlers read the path and body, call [`crate::email::Emails`], and
//! answer 202 with the queued email, or the page of the invoice's emails with their attempts.
//!
//! It holds no business rule: the body's limits, the approved-only rule, the configuration
//! check and the outbox are the email module's.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use super::extract::ApiPath;
use super::json::{ApiJson, JsonBody};
use super::pagination::{Page, PageParams, Pagination};
use crate::email::message::Origin;
use crate::email::{Email, SendInvoiceEmail};
use crate::outbox::{AttemptOutcome, MessageStatus};
use crate::state::AppState;

/// An invoice email and its delivery so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailView {
    /// The delivery id (`msg_…`): the message's `Message-ID` is `<id@arca-api>` on every attempt.
    pub id: String,
    pub invoice_id: String,
    /// `pending` (waiting for an attempt), `delivering`, `delivered` or `failed` (final, with the
    /// server's last reply in `last_error`).
    pub status: MessageStatus,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub asunto: String,
    pub mensaje: String,
    /// The PDF's file name (`factura-00001-00000042.pdf`).
    pub adjunto: String,
    /// `api` (this endpoint) or `aprobacion` (sent on approval, `enviar_email_automatico`).
    pub origen: Origin,
    /// When the next attempt goes, while `pending`.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The remote server's last refusal (at most 2000 characters; a longer one is cut and ends
    /// with `[…truncated]`).
    pub last_error: Option<String>,
    /// Every attempt, oldest first.
    pub attempts: Vec<AttemptView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// One attempt to deliver an email.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// 1 for the first attempt.
    pub number: i32,
    pub started_at: DateTime<Utc>,
    /// Absent while the attempt runs.
    pub finished_at: Option<DateTime<Utc>>,
    /// `delivered`, `transient` (retried), `permanent`, or `abandoned` (its instance stopped
    /// before recording an outcome; another took over). Absent while it runs.
    pub outcome: Option<AttemptOutcome>,
    /// The SMTP server's reply (`250 …`, `451 …`, `550 …`) or why none came; at most 2000
    /// characters, a longer one cut with `[…truncated]`.
    pub reply: Option<String>,
}

impl From<Email> for EmailView {
    fn from(email: Email) -> EmailView {
        let message = email.message;
        let payload = email.payload;
        let pending = message.status == MessageStatus::Pending;
        EmailView {
            id: message.id,
            invoice_id: message.subject_id,
            status: message.status,
            to: payload.as_ref().map(|p| p.to.clone()).unwrap_or_default(),
            cc: payload.as_ref().map(|p| p.cc.clone()).unwrap_or_default(),
            asunto: payload.as_ref().map(|p| p.asunto.clone()).unwrap_or_default(),
            mensaje: payload.as_ref().map(|p| p.mensaje.clone()).unwrap_or_default(),
            adjunto: payload.as_ref().map(|p| p.adjunto.clone()).unwrap_or_default(),
            origen: payload.as_ref().map_or(Origin::Api, |p| p.origen),
            next_attempt_at: pending
                .then(|| DateTime::from_timestamp_millis(message.next_attempt_at))
                .flatten(),
            last_error: message.last_error,
            attempts: email
                .attempts
                .into_iter()
                .map(|attempt| AttemptView {
                    number: attempt.number,
                    started_at: attempt.started_at,
                    finished_at: attempt.finished_at,
                    outcome: attempt.outcome.and_then(|text| AttemptOutcome::try_from(text).ok()),
                    reply: attempt.reply,
                })
                .collect(),
            created_at: message.created_at,
            updated_at: message.updated_at,
            delivered_at: message.delivered_at,
        }
    }
}

/// Email an approved invoice's PDF: queued at once (202), sent by the outbox's dispatcher,
/// retried on temporary SMTP refusals; follow it with `GET /v1/invoices/{id}/emails`.
#[utoipa::path(
    post,
    path = "/v1/invoices/{id}/email",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The invoice's id (`inv_…`)")),
    request_body = SendInvoiceEmail,
    responses(
        (status = 202, body = EmailView, description = "queued; `status` is `pending`"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the invoice is not approved", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`NOT_CONFIGURED`: no `SMTP_URL`/`EMAIL_FROM` outside simulator mode; `errors[]` names them", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn send_invoice_email(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<SendInvoiceEmail>,
) -> Result<(StatusCode, Json<EmailView>), ApiError> {
    let email = state.emails.send_invoice(tenant.account_id(), &id, &request).await?;
    Ok((StatusCode::ACCEPTED, Json(email.into())))
}

/// The invoice's emails, newest first, each with its attempts.
#[utoipa::path(
    get,
    path = "/v1/invoices/{id}/emails",
    tag = "invoices",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The invoice's id (`inv_…`)"), PageParams),
    responses(
        (status = 200, body = Page<EmailView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_invoice_emails(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    pagination: Pagination,
) -> Result<Json<Page<EmailView>>, ApiError> {
    let (emails, total) = state
        .emails
        .list_for_invoice(tenant.account_id(), &id, pagination.limit, pagination.offset)
        .await?;
    Ok(Json(
        pagination.page(emails.into_iter().map(EmailView::from).collect(), total),
    ))
}

impl JsonBody for SendInvoiceEmail {
    const MULTI_LINE: &'static [&'static str] = &["mensaje"];
}
