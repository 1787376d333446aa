//! The webhooks section: the account's subscriptions (URL, events, state, creation; never the
//! secret), the form that creates one (the signing secret shown once, on the answer to the
//! post, as `POST /v1/webhooks` shows it), enabling, disabling, deleting and sending a test
//! `ping`, and each subscription's delivery log, a page at a time, with a retry button on the
//! deliveries that may be retried.
//!
//! Every operation is `crate::webhooks::subscriptions`' — the functions the API's handlers call
//! (the SSRF guard, the event list, the per-account limit, the retry rule, tenant isolation) —
//! with the session's account. It never stores or shows a secret again after the answer that
//! created it, and never reaches another account's subscription or delivery (404).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::format;
use super::page::{FieldErrors, Layout, Nav, Notice, PageError, redirect, redirect_with, render};
use super::session::{Posted, Session};
use crate::outbox::{AttemptOutcome, MessageStatus};
use crate::state::AppState;
use crate::webhooks::EventType;
use crate::webhooks::subscriptions::{self, Context, Delivery, DisabledReason, NewSubscription, Subscription};

/// Deliveries per page of the log.
pub const DELIVERIES_PER_PAGE: i64 = 20;
/// The longest part of an endpoint's answer a log row shows (the API keeps 1 KiB).
const REPLY_SHOWN_CHARS: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard/webhooks", get(list_page).post(create))
        .route("/dashboard/webhooks/{id}", get(detail_page))
        .route("/dashboard/webhooks/{id}/enabled", post(set_enabled))
        .route("/dashboard/webhooks/{id}/delete", post(delete))
        .route("/dashboard/webhooks/{id}/test", post(send_test))
        .route("/dashboard/webhooks/{id}/deliveries/{delivery_id}/retry", post(retry))
}

fn context(state: &AppState) -> Context<'_> {
    Context {
        storage: &state.storage,
        secrets: &state.secrets,
        allow_private_urls: state.config.webhooks.allow_private_urls,
    }
}

/// An event type in plain Spanish, for the form and the log.
pub fn event_label(event: EventType) -> &'static str {
    match event {
        EventType::InvoiceCreated => "comprobante recibido",
        EventType::InvoiceApproved => "comprobante aprobado",
        EventType::InvoiceFailed => "comprobante rechazado por ARCA",
        EventType::InvoicePendingRetry => "comprobante esperando a ARCA",
        EventType::InvoiceUpdated => "comprobante editado",
        EventType::InvoiceCancelled => "comprobante anulado",
        EventType::CertificateExpiring => "certificado por vencer",
        EventType::CertificateExpired => "certificado vencido",
        EventType::QuotaWarning => "90 % del cupo mensual usado",
        EventType::QuotaExhausted => "cupo mensual agotado",
        EventType::ArcaUnavailable => "ARCA no responde",
        EventType::ArcaRecovered => "ARCA volvió a responder",
        EventType::WebhookDisabled => "webhook desactivado por fallas",
        EventType::ContingencyCaeaMissing => "falta el CAEA de la quincena",
        EventType::ContingencyReportRejected => "ARCA rechazó un comprobante informado",
        EventType::Ping => "prueba",
    }
}

/// A delivery's state in Spanish and its badge class.
pub fn status_label(status: MessageStatus, attempts: i32) -> (&'static str, &'static str) {
    match status {
        MessageStatus::Pending if attempts > 0 => ("Reintento pendiente", "warn"),
        MessageStatus::Pending => ("Pendiente", ""),
        MessageStatus::Delivering => ("Enviando", ""),
        MessageStatus::Delivered => ("Entregada", "ok"),
        MessageStatus::Failed => ("Fallida", "bad"),
    }
}

fn outcome_label(outcome: AttemptOutcome) -> &'static str {
    match outcome {
        AttemptOutcome::Delivered => "entregada",
        AttemptOutcome::Transient => "error transitorio, se reintenta",
        AttemptOutcome::Permanent => "rechazo definitivo",
        AttemptOutcome::Abandoned => "intento interrumpido",
    }
}

/// One checkbox of the events fieldset.
struct EventChoice {
    value: &'static str,
    /// The input's id (`events-<n>`).
    id: String,
    label: &'static str,
    checked: bool,
}

/// What the create form shows again after a refusal.
#[derive(Default)]
struct FormValues {
    url: String,
    description: String,
    events: Vec<String>,
    enabled: bool,
}

fn event_choices(selected: &[String]) -> Vec<EventChoice> {
    let mut choices = vec![EventChoice {
        value: "*",
        id: "events-0".into(),
        label: "todos los eventos",
        checked: selected.iter().any(|event| event == "*"),
    }];
    choices.extend(
        EventType::ALL
            .iter()
            .filter(|event| **event != EventType::Ping)
            .enumerate()
            .map(|(index, event)| EventChoice {
                value: event.as_str(),
                id: format!("events-{}", index + 1),
                label: event_label(*event),
                checked: selected.iter().any(|chosen| chosen == event.as_str()),
            }),
    );
    choices
}

/// A subscription as a row of the list and the facts of its page.
struct SubscriptionRow {
    id: String,
    url: String,
    events: String,
    description: String,
    enabled: bool,
    state: &'static str,
    state_class: &'static str,
    created: String,
    failing_since: Option<String>,
}

impl From<&Subscription> for SubscriptionRow {
    fn from(subscription: &Subscription) -> SubscriptionRow {
        let (state, state_class) = match (subscription.enabled, subscription.disabled_reason) {
            (true, _) if subscription.failing_since.is_some() => ("Activo, con fallas", "warn"),
            (true, _) => ("Activo", "ok"),
            (false, Some(DisabledReason::Failing)) => ("Desactivado por fallas", "bad"),
            (false, _) => ("Desactivado", ""),
        };
        SubscriptionRow {
            id: subscription.id.clone(),
            url: subscription.url.clone(),
            events: if subscription.events.iter().any(|event| event == "*") {
                "todos".into()
            } else {
                subscription.events.join(", ")
            },
            description: subscription.description.clone().unwrap_or_default(),
            enabled: subscription.enabled,
            state,
            state_class,
            created: format::datetime(&subscription.created_at),
            failing_since: subscription.failing_since.as_ref().map(format::datetime),
        }
    }
}

/// The secret of the subscription just created: shown on this answer only.
struct Created {
    url: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "dashboard/webhooks.html")]
struct ListPage {
    layout: Layout,
    subscriptions: Vec<SubscriptionRow>,
    created: Option<Created>,
    form: FormValues,
    choices: Vec<EventChoice>,
    errors: FieldErrors,
    /// The form's error that is not one field's (the per-account limit).
    form_error: Option<String>,
    max: i64,
}

impl ListPage {
    fn events_error(&self) -> Option<String> {
        let messages: Vec<&str> = self
            .errors
            .0
            .iter()
            .filter(|error| error.field == "events" || error.field.starts_with("events["))
            .map(|error| error.message.as_str())
            .collect();
        (!messages.is_empty()).then(|| messages.join("; "))
    }
}

async fn list_page(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let page = list(
        &state,
        &session,
        None,
        FormValues {
            enabled: true,
            ..FormValues::default()
        },
    )
    .await?;
    render(&page)
}

async fn list(
    state: &AppState,
    session: &Session,
    created: Option<Created>,
    form: FormValues,
) -> Result<ListPage, PageError> {
    let (subscriptions, _) =
        subscriptions::list(&state.storage, &session.account_id, subscriptions::MAX_PER_ACCOUNT, 0).await?;
    let choices = event_choices(&form.events);
    Ok(ListPage {
        layout: Layout::new(session, Nav::Webhooks, "Webhooks"),
        subscriptions: subscriptions.iter().map(SubscriptionRow::from).collect(),
        created,
        form,
        choices,
        errors: FieldErrors::default(),
        form_error: None,
        max: subscriptions::MAX_PER_ACCOUNT,
    })
}

/// Creates the subscription with the API's rules; the answer shows its secret once. A refused
/// form comes back (422) with each message next to its field.
async fn create(State(state): State<AppState>, posted: Posted<Vec<(String, String)>>) -> Result<Response, PageError> {
    let Posted { session, form } = posted;
    let mut values = FormValues::default();
    for (name, value) in form {
        match name.as_str() {
            "url" => values.url = value.trim().to_string(),
            "description" => values.description = value,
            "events" => values.events.push(value),
            "enabled" => values.enabled = true,
            _ => {}
        }
    }
    let new = NewSubscription {
        url: values.url.clone(),
        events: values.events.clone(),
        description: (!values.description.trim().is_empty()).then(|| values.description.clone()),
        enabled: values.enabled,
    };
    match subscriptions::create(context(&state), &session.account_id, new, state.clock.now()).await {
        Ok(created) => {
            let created = Created {
                url: created.subscription.url.clone(),
                secret: created.secret.expose().to_string(),
            };
            let mut session = session;
            session.notice = Some(Notice::WebhookCreated);
            let page = list(
                &state,
                &session,
                Some(created),
                FormValues {
                    enabled: true,
                    ..FormValues::default()
                },
            )
            .await?;
            render(&page)
        }
        Err(error @ (crate::Error::Invalid(_) | crate::Error::Conflict(_))) => {
            let refused = PageError::from(error);
            let mut page = list(&state, &session, None, values).await?;
            if refused.fields.is_empty() {
                page.form_error = Some(refused.detail);
            }
            page.errors = refused.fields;
            let mut response = render(&page)?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(error) => Err(error.into()),
    }
}

/// One row of the delivery log.
struct DeliveryRow {
    id: String,
    event: String,
    event_label: &'static str,
    status: &'static str,
    status_class: &'static str,
    attempts: usize,
    last: String,
    next: String,
    created: String,
    delivered: String,
    retryable: bool,
}

fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(REPLY_SHOWN_CHARS).collect();
    if chars.next().is_some() {
        format!("{short}…")
    } else {
        short
    }
}

impl From<Delivery> for DeliveryRow {
    fn from(delivery: Delivery) -> DeliveryRow {
        let message = &delivery.message;
        let event = delivery.payload.as_ref().map(|payload| payload.event_type);
        let (status, status_class) = status_label(message.status, message.attempts);
        let last_attempt = delivery.attempts.iter().max_by_key(|attempt| attempt.number);
        let last = match last_attempt {
            Some(attempt) => {
                let mut parts = Vec::new();
                if let Some(status) = attempt.http_status {
                    parts.push(format!("HTTP {status}"));
                }
                if let Some(outcome) = attempt
                    .outcome
                    .clone()
                    .and_then(|text| AttemptOutcome::try_from(text).ok())
                {
                    parts.push(outcome_label(outcome).to_string());
                } else if attempt.finished_at.is_none() {
                    parts.push("en curso".into());
                }
                if let Some(reply) = attempt.reply.as_deref().filter(|reply| !reply.trim().is_empty()) {
                    parts.push(shorten(reply));
                }
                parts.join(" · ")
            }
            None => message.last_error.as_deref().map(shorten).unwrap_or_default(),
        };
        let pending = message.status == MessageStatus::Pending;
        DeliveryRow {
            id: message.id.clone(),
            event: event
                .map(|event| event.as_str().to_string())
                .unwrap_or_else(|| "?".into()),
            event_label: event.map(event_label).unwrap_or(""),
            status,
            status_class,
            attempts: delivery.attempts.len(),
            last,
            next: if pending {
                DateTime::<Utc>::from_timestamp_millis(message.next_attempt_at)
                    .map(|at| format::datetime(&at))
                    .unwrap_or_default()
            } else {
                String::new()
            },
            created: format::datetime(&message.created_at),
            delivered: message.delivered_at.as_ref().map(format::datetime).unwrap_or_default(),
            retryable: matches!(message.status, MessageStatus::Pending | MessageStatus::Failed),
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/webhook.html")]
struct DetailPage {
    layout: Layout,
    subscription: SubscriptionRow,
    deliveries: Vec<DeliveryRow>,
    total: i64,
    page: i64,
    pages: i64,
}

#[derive(Deserialize)]
struct PageQuery {
    pagina: Option<String>,
}

/// The subscription and a page of its deliveries, newest first.
async fn detail_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let row = subscriptions::find(&state.storage, &session.account_id, &id).await?;
    let subscription = Subscription::from(&row);
    let requested = query
        .pagina
        .as_deref()
        .and_then(|text| text.parse::<i64>().ok())
        .filter(|page| *page >= 1)
        .unwrap_or(1);
    let page = requested.min(i64::MAX / DELIVERIES_PER_PAGE);
    let (deliveries, total) = subscriptions::deliveries(
        &state.storage,
        &session.account_id,
        &id,
        DELIVERIES_PER_PAGE,
        (page - 1) * DELIVERIES_PER_PAGE,
    )
    .await?;
    let pages = ((total + DELIVERIES_PER_PAGE - 1) / DELIVERIES_PER_PAGE).max(1);
    let title = format!("Webhook {}", subscription.url);
    render(&DetailPage {
        layout: Layout::new(&session, Nav::Webhooks, title),
        subscription: SubscriptionRow::from(&subscription),
        deliveries: deliveries.into_iter().map(DeliveryRow::from).collect(),
        total,
        page,
        pages,
    })
}

#[derive(Deserialize)]
struct EnabledForm {
    enabled: bool,
}

/// Enables or disables the subscription (`PATCH {"enabled": …}`'s rule: disabling records the
/// account as the reason; enabling clears the failure state).
async fn set_enabled(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<EnabledForm>,
) -> Result<Response, PageError> {
    let changes = subscriptions::SubscriptionChanges {
        enabled: Some(posted.form.enabled),
        ..Default::default()
    };
    subscriptions::update(
        context(&state),
        &posted.session.account_id,
        &id,
        changes,
        state.clock.now(),
    )
    .await?;
    Ok(redirect_with(&format!("/dashboard/webhooks/{id}"), Notice::Saved))
}

/// Deletes the subscription (its deliveries not yet attempted go with it).
async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    subscriptions::delete(&state.storage, &posted.session.account_id, &id).await?;
    Ok(redirect_with("/dashboard/webhooks", Notice::Deleted))
}

/// Sends a `ping` to this subscription; its delivery appears at the top of the log.
async fn send_test(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    subscriptions::test(&state.storage, &posted.session.account_id, &id, state.clock.now()).await?;
    Ok(redirect(&format!("/dashboard/webhooks/{id}")))
}

/// Attempts a pending or failed delivery now, with the same delivery id
/// (`POST /v1/webhooks/{id}/deliveries/{delivery_id}/retry`'s operation).
async fn retry(
    State(state): State<AppState>,
    Path((id, delivery_id)): Path<(String, String)>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    subscriptions::retry_delivery(
        &state.storage,
        &posted.session.account_id,
        &id,
        &delivery_id,
        state.clock.now(),
    )
    .await?;
    Ok(redirect_with(
        &format!("/dashboard/webhooks/{id}"),
        Notice::DeliveryRetried,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subscribable_event_has_a_checkbox_and_a_label() {
        let choices = event_choices(&["invoice.approved".to_string()]);
        assert_eq!(choices.len(), EventType::ALL.len());
        assert_eq!(choices[0].value, "*");
        assert!(choices.iter().all(|choice| !choice.label.is_empty()));
        assert!(
            choices
                .iter()
                .any(|choice| choice.value == "invoice.approved" && choice.checked)
        );
        assert!(!choices.iter().any(|choice| choice.value == "ping"));
    }

    #[test]
    fn long_replies_are_shortened() {
        assert_eq!(shorten("ok"), "ok");
        let long = "x".repeat(REPLY_SHOWN_CHARS + 5);
        assert_eq!(shorten(&long).chars().count(), REPLY_SHOWN_CHARS + 1);
    }
}
