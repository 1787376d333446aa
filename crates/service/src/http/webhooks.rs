//! `/v1/webhooks`: the caller's webhook subscriptions (create, list, read, change, delete,
//! rotate the secret, send a test `ping`) and each one's delivery log (list, retry).
//!
//! The handlers read the path and body, call [`crate::webhooks::subscriptions`] and shape the
//! answer; every rule (the SSRF guard, `events`, the per-account limit, tenant isolation) is
//! the domain module's. The secret appears only in the answers to create and rotate-secret.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use super::extract::ApiPath;
use super::json::{ApiJson, JsonBody, not_null, nullable};
use super::pagination::{Page, PageParams, Pagination};
use crate::outbox::{AttemptOutcome, MessageStatus};
use crate::state::AppState;
use crate::webhooks::subscriptions::{
    self, Context, Delivery, NewSubscription, Subscription, SubscriptionChanges, WithSecret,
};

/// What `events` may list: a subscribable event type, or `*` for every type (`ping` is not
/// subscribable: `POST /v1/webhooks/{id}/test` sends it).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[allow(dead_code)]
pub enum SubscribableEvent {
    #[serde(rename = "*")]
    All,
    #[serde(rename = "invoice.created")]
    InvoiceCreated,
    #[serde(rename = "invoice.approved")]
    InvoiceApproved,
    #[serde(rename = "invoice.failed")]
    InvoiceFailed,
    #[serde(rename = "invoice.pending_retry")]
    InvoicePendingRetry,
    #[serde(rename = "invoice.updated")]
    InvoiceUpdated,
    #[serde(rename = "invoice.cancelled")]
    InvoiceCancelled,
    #[serde(rename = "certificate.expiring")]
    CertificateExpiring,
    #[serde(rename = "certificate.expired")]
    CertificateExpired,
    #[serde(rename = "quota.warning")]
    QuotaWarning,
    #[serde(rename = "quota.exhausted")]
    QuotaExhausted,
    #[serde(rename = "arca.unavailable")]
    ArcaUnavailable,
    #[serde(rename = "arca.recovered")]
    ArcaRecovered,
    #[serde(rename = "webhook.disabled")]
    WebhookDisabled,
    #[serde(rename = "contingency.caea_missing")]
    ContingencyCaeaMissing,
    #[serde(rename = "contingency.report_rejected")]
    ContingencyReportRejected,
}

/// A new subscription. `url` must be `https://` (`http://` too in simulator mode or with
/// `WEBHOOK_ALLOW_PRIVATE_URLS=true`), with no user name, password or `#fragment`, and its host
/// must not resolve to a loopback, private, link-local, metadata or other reserved address
/// (loopback and private are accepted in simulator mode or with that flag; metadata never).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    #[schema(
        max_length = 2048,
        pattern = "^https?://[^\\s/?#@\\\\\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]+([/?][^\\s#\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*)?$"
    )]
    pub url: String,
    /// The event types to receive (1–16 entries; a repeated one counts once), or `["*"]` for all.
    #[schema(value_type = Vec<SubscribableEvent>, min_items = 1, max_items = 16)]
    pub events: Vec<String>,
    /// What the endpoint is for (at most 500 characters; line breaks and tabs allowed).
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub description: Option<String>,
    /// Whether deliveries go out (default true).
    #[serde(default = "enabled_by_default")]
    #[schema(default = true)]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// Only the fields present change; `description: null` clears it. `enabled: true` on a
/// disabled subscription clears `disabled_reason`, `disabled_at` and `failing_since`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(
        max_length = 2048,
        pattern = "^https?://[^\\s/?#@\\\\\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]+([/?][^\\s#\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*)?$",
        nullable = false
    )]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Vec<SubscribableEvent>>, min_items = 1, max_items = 16, nullable = false)]
    pub events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(
        value_type = Option<String>,
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
}

/// A subscription with its signing secret: the only answers that show it (create and
/// rotate-secret). Keep it: it cannot be read again.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub subscription: Subscription,
    /// `whsec_` and the base64 of 32 random bytes. `X-ARCA-Signature` is keyed with this whole
    /// string; Standard Webhooks' `webhook-signature` with the bytes the part after `whsec_`
    /// decodes to.
    pub secret: String,
}

impl From<WithSecret> for WebhookWithSecret {
    fn from(created: WithSecret) -> WebhookWithSecret {
        WebhookWithSecret {
            subscription: created.subscription,
            secret: created.secret.expose().to_string(),
        }
    }
}

/// A delivery queued (test ping, retry).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryQueued {
    /// The delivery's id (`msg_…`): `X-ARCA-Delivery-ID` and `webhook-id` on every attempt.
    pub delivery_id: String,
}

/// One delivery of an event to the subscription, with its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// `msg_…`: `X-ARCA-Delivery-ID` and `webhook-id`, the same on every attempt.
    pub id: String,
    /// The event (`evt_…`, the body's `id`).
    pub event_id: Option<String>,
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// `pending` (waiting for an attempt), `delivering`, `delivered` or `failed` (final).
    pub status: MessageStatus,
    /// Every attempt, oldest first.
    pub attempts: Vec<DeliveryAttemptView>,
    /// When the next attempt goes; absent once final.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// One attempt to deliver.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttemptView {
    /// 1 for the first attempt.
    pub number: i32,
    pub started_at: DateTime<Utc>,
    /// Absent while the attempt runs.
    pub finished_at: Option<DateTime<Utc>>,
    /// `delivered` (2xx), `transient` (408, 429, 5xx, timeout, network error: retried),
    /// `permanent` (another status, or `X-ARCA-No-Retry: true`), or `abandoned` (its instance
    /// stopped; another took over). Absent while it runs.
    pub outcome: Option<AttemptOutcome>,
    /// The endpoint's HTTP status, if it answered.
    pub http_status: Option<i32>,
    /// How long the attempt took.
    pub duration_ms: Option<i64>,
    /// The first 1 KiB of the endpoint's answer, or why there was none.
    pub response: Option<String>,
}

impl From<Delivery> for DeliveryView {
    fn from(delivery: Delivery) -> DeliveryView {
        let message = delivery.message;
        let pending = message.status == MessageStatus::Pending;
        DeliveryView {
            id: message.id,
            event_id: delivery.payload.as_ref().map(|payload| payload.event_id.clone()),
            event_type: delivery
                .payload
                .as_ref()
                .map(|payload| payload.event_type.as_str().to_string()),
            status: message.status,
            attempts: delivery
                .attempts
                .into_iter()
                .map(|attempt| DeliveryAttemptView {
                    number: attempt.number,
                    started_at: attempt.started_at,
                    finished_at: attempt.finished_at,
                    outcome: attempt.outcome.and_then(|text| AttemptOutcome::try_from(text).ok()),
                    http_status: attempt.http_status,
                    duration_ms: attempt.duration_ms,
                    response: attempt.reply,
                })
                .collect(),
            next_attempt_at: pending
                .then(|| DateTime::from_timestamp_millis(message.next_attempt_at))
                .flatten(),
            created_at: message.created_at,
        }
    }
}

fn context(state: &AppState) -> Context<'_> {
    Context {
        storage: &state.storage,
        secrets: &state.secrets,
        allow_private_urls: state.config.webhooks.allow_private_urls,
    }
}

/// Subscribe an endpoint to events. The answer carries the signing secret, shown only here
/// (and on rotate-secret). An account has at most 20 subscriptions.
#[utoipa::path(
    post,
    path = "/v1/webhooks",
    tag = "webhooks",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, body = WebhookWithSecret),
        (status = 400, description = "A field breaks its rule (`url`: the SSRF guard's rules; `events`: known types)", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account already has 20 subscriptions", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_webhook(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiJson(request): ApiJson<CreateWebhookRequest>,
) -> Result<(StatusCode, Json<WebhookWithSecret>), ApiError> {
    let new = NewSubscription {
        url: request.url,
        events: request.events,
        description: request.description,
        enabled: request.enabled,
    };
    let created = subscriptions::create(context(&state), tenant.account_id(), new, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// The account's webhook subscriptions, newest first (never their secrets).
#[utoipa::path(
    get,
    path = "/v1/webhooks",
    tag = "webhooks",
    security(("api_key" = []), ("x_api_key" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Page<Subscription>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    tenant: Tenant,
    pagination: Pagination,
) -> Result<Json<Page<Subscription>>, ApiError> {
    let (subscriptions, total) =
        subscriptions::list(&state.storage, tenant.account_id(), pagination.limit, pagination.offset).await?;
    Ok(Json(pagination.page(subscriptions, total)))
}

/// One webhook subscription (never its secret).
#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The subscription's id (`whk_…`)")),
    responses(
        (status = 200, body = Subscription),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_webhook(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Subscription>, ApiError> {
    let row = subscriptions::find(&state.storage, tenant.account_id(), &id).await?;
    Ok(Json(Subscription::from(&row)))
}

/// Change a subscription: its URL (checked again by the SSRF guard), events, description, or
/// whether it is enabled.
#[utoipa::path(
    patch,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The subscription's id (`whk_…`)")),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, body = Subscription),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_webhook(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<UpdateWebhookRequest>,
) -> Result<Json<Subscription>, ApiError> {
    let changes = SubscriptionChanges {
        url: request.url,
        events: request.events,
        description: request.description,
        enabled: request.enabled,
    };
    let updated = subscriptions::update(context(&state), tenant.account_id(), &id, changes, state.clock.now()).await?;
    Ok(Json(updated))
}

/// Delete a subscription; its deliveries not yet attempted are dropped.
#[utoipa::path(
    delete,
    path = "/v1/webhooks/{id}",
    tag = "webhooks",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The subscription's id (`whk_…`)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_webhook(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    subscriptions::delete(&state.storage, tenant.account_id(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret, shown once in the answer. The old one keeps signing beside it for
/// 24 hours (two `sha256=` values in `X-ARCA-Signature`, two `v1,` entries in
/// `webhook-signature`), so receivers can switch without losing deliveries.
#[utoipa::path(
    post,
    path = "/v1/webhooks/{id}/rotate-secret",
    tag = "webhooks",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The subscription's id (`whk_…`)")),
    responses(
        (status = 200, body = WebhookWithSecret),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn rotate_webhook_secret(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<WebhookWithSecret>, ApiError> {
    let rotated = subscriptions::rotate_secret(context(&state), tenant.account_id(), &id, state.clock.now()).await?;
    Ok(Json(rotated.into()))
}

/// Send a `ping` event (data `{"webhook_id": …}`) to this subscription only, whatever events
/// it lists; follow it in the delivery log.
#[utoipa::path(
    post,
    path = "/v1/webhooks/{id}/test",
    tag = "webhooks",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The subscription's id (`whk_…`)")),
    responses(
        (status = 202, body = DeliveryQueued),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The subscription is disabled", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn test_webhook(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, Json<DeliveryQueued>), ApiError> {
    let delivery_id = subscriptions::test(&state.storage, tenant.account_id(), &id, state.clock.now()).await?;
    Ok((StatusCode::ACCEPTED, Json(DeliveryQueued { delivery_id })))
}

/// The subscription's deliveries, newest first, each with its attempts (HTTP status,
/// duration, the first 1 KiB of the answer) and next retry time.
#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}/deliveries",
    tag = "webhooks",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The subscription's id (`whk_…`)"), PageParams),
    responses(
        (status = 200, body = Page<DeliveryView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_webhook_deliveries(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    pagination: Pagination,
) -> Result<Json<Page<DeliveryView>>, ApiError> {
    let (deliveries, total) = subscriptions::deliveries(
        &state.storage,
        tenant.account_id(),
        &id,
        pagination.limit,
        pagination.offset,
    )
    .await?;
    Ok(Json(
        pagination.page(deliveries.into_iter().map(DeliveryView::from).collect(), total),
    ))
}

/// Attempt a failed or pending delivery now (same delivery id). A delivered one, or one being
/// attempted, is a conflict.
#[utoipa::path(
    post,
    path = "/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
    tag = "webhooks",
    security(("api_key" = []), ("x_api_key" = [])),
    params(
        ("id" = String, Path, description = "The subscription's id (`whk_…`)"),
        ("delivery_id" = String, Path, description = "The delivery's id (`msg_…`)"),
    ),
    responses(
        (status = 202, body = DeliveryQueued),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The delivery was delivered, or is being attempted", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn retry_webhook_delivery(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath((id, delivery_id)): ApiPath<(String, String)>,
) -> Result<(StatusCode, Json<DeliveryQueued>), ApiError> {
    subscriptions::retry_delivery(
        &state.storage,
        tenant.account_id(),
        &id,
        &delivery_id,
        state.clock.now(),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(DeliveryQueued { delivery_id })))
}

impl JsonBody for CreateWebhookRequest {
    const MULTI_LINE: &'static [&'static str] = &["description"];
}

impl JsonBody for UpdateWebhookRequest {
    const MULTI_LINE: &'static [&'static str] = &["description"];
}

#[cfg(test)]
mod tests {
    use super::SubscribableEvent;
    use crate::webhooks::EventType;
    use crate::webhooks::subscriptions::check_events;

    /// The documented `events` values are exactly what the service accepts: `*` and every
    /// event type but `ping`.
    #[test]
    fn documented_events_are_the_subscribable_ones() {
        let schema = serde_json::to_value(<SubscribableEvent as utoipa::PartialSchema>::schema()).unwrap();
        let documented: Vec<String> = schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|value| value.as_str().unwrap().to_string())
            .collect();
        let mut expected = vec!["*".to_string()];
        expected.extend(
            EventType::ALL
                .iter()
                .filter(|event| **event != EventType::Ping)
                .map(|event| event.as_str().to_string()),
        );
        assert_eq!(documented, expected);
        for value in &documented {
            assert!(check_events(std::slice::from_ref(value)).is_ok(), "{value}");
        }
        assert!(check_events(&["ping".to_string()]).is_err());
    }
}
