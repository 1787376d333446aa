//! Webhook events: what can happen, and [`emit`], which writes an event and one delivery per
//! matching subscription into the caller's transaction — the transaction of the change that
//! causes it (ARCHITECTURE.md invariant 16): a change that rolls back leaves no event and no
//! delivery; one that commits has both.
//!
//! An event reaches the subscriptions that are enabled and list its type (or `*`) when it is
//! emitted; one with no subscriber is not stored. Each delivery is an outbox message of kind
//! [`MessageKind::Webhook`] whose id (`msg_…`) is the delivery id (`webhook-id`,
//! `X-ARCA-Delivery-ID`) and whose `subject_id` is the subscription's id.
//!
//! It never sends anything (the dispatcher does, after the commit: call
//! [`crate::outbox::wake_all`] once committed) and never reads the clock (callers pass `now`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::outbox::MessageKind;
use crate::storage::outbox::NewMessage;
use crate::storage::{self, Transaction};

/// The longest event body (the `CHECK` on `webhook_events.body`).
pub const MAX_BODY_BYTES: usize = 1_048_576;

/// An event type, as `type` and `X-ARCA-Event` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventType {
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
    /// A fortnight is about to start (`CAEA_ALERT_DAYS`) and the account has no CAEA for it.
    #[serde(rename = "contingency.caea_missing")]
    ContingencyCaeaMissing,
    /// ARCA refused a voucher issued under a CAEA when it was reported (its codes in `data`).
    #[serde(rename = "contingency.report_rejected")]
    ContingencyReportRejected,
    /// `POST /v1/webhooks/{id}/test`: sent to that subscription only, whatever it lists.
    #[serde(rename = "ping")]
    Ping,
}

impl EventType {
    pub const ALL: [EventType; 16] = [
        EventType::InvoiceCreated,
        EventType::InvoiceApproved,
        EventType::InvoiceFailed,
        EventType::InvoicePendingRetry,
        EventType::InvoiceUpdated,
        EventType::InvoiceCancelled,
        EventType::CertificateExpiring,
        EventType::CertificateExpired,
        EventType::QuotaWarning,
        EventType::QuotaExhausted,
        EventType::ArcaUnavailable,
        EventType::ArcaRecovered,
        EventType::WebhookDisabled,
        EventType::ContingencyCaeaMissing,
        EventType::ContingencyReportRejected,
        EventType::Ping,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            EventType::InvoiceCreated => "invoice.created",
            EventType::InvoiceApproved => "invoice.approved",
            EventType::InvoiceFailed => "invoice.failed",
            EventType::InvoicePendingRetry => "invoice.pending_retry",
            EventType::InvoiceUpdated => "invoice.updated",
            EventType::InvoiceCancelled => "invoice.cancelled",
            EventType::CertificateExpiring => "certificate.expiring",
            EventType::CertificateExpired => "certificate.expired",
            EventType::QuotaWarning => "quota.warning",
            EventType::QuotaExhausted => "quota.exhausted",
            EventType::ArcaUnavailable => "arca.unavailable",
            EventType::ArcaRecovered => "arca.recovered",
            EventType::WebhookDisabled => "webhook.disabled",
            EventType::ContingencyCaeaMissing => "contingency.caea_missing",
            EventType::ContingencyReportRejected => "contingency.report_rejected",
            EventType::Ping => "ping",
        }
    }

    pub fn parse(text: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|event| event.as_str() == text)
    }
}

/// Whether a subscription's `events` (a JSON array of types, or `["*"]`) takes `event`.
/// An unreadable list takes nothing.
pub fn subscribed(events_json: &str, event: EventType) -> bool {
    serde_json::from_str::<Vec<String>>(events_json)
        .map(|events| events.iter().any(|listed| listed == "*" || listed == event.as_str()))
        .unwrap_or(false)
}

/// An event to emit: its type, account and `data` (the full resource, the JSON the API answers
/// for it).
#[derive(Debug, Clone)]
pub struct Event {
    pub account_id: String,
    pub event_type: EventType,
    pub data: serde_json::Value,
}

/// What a webhook delivery's outbox payload holds: which event, of which type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryPayload {
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
}

/// The body every delivery of an event sends: `{id, type, created_at, data}`.
pub fn body(id: &str, event_type: EventType, created_at: DateTime<Utc>, data: &serde_json::Value) -> String {
    serde_json::json!({
        "id": id,
        "type": event_type.as_str(),
        "created_at": created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

/// Writes `event` and a delivery to each of the account's enabled subscriptions that takes it,
/// in `transaction`, after the change it is about: on SQLite a transaction whose first statement
/// is a read fails with "database is locked" if another connection writes before its first
/// write, so the change's own write goes first (it then holds the writer's lock). Returns the event's id (`evt_…`), or `None` when no subscription takes it
/// (nothing is written). A body past [`MAX_BODY_BYTES`] is refused.
pub async fn emit(
    transaction: &mut Transaction<'_>,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<Option<String>, Error> {
    let subscriptions = storage::webhooks::enabled_for_account(transaction, &event.account_id).await?;
    emit_with(transaction, &subscriptions, event, now).await
}

/// [`emit`] with the account's enabled subscriptions already read in `transaction` (as
/// [`storage::webhooks::enabled_for_account`] returns them: (id, events JSON)), so a caller that
/// emits several events, or first checks that anyone listens, reads them once.
pub async fn emit_with(
    transaction: &mut Transaction<'_>,
    subscriptions: &[(String, String)],
    event: &Event,
    now: DateTime<Utc>,
) -> Result<Option<String>, Error> {
    let Some(planned) = plan(takers(subscriptions, event), event, now)? else {
        return Ok(None);
    };
    write(transaction, std::slice::from_ref(&planned)).await?;
    Ok(Some(planned.id))
}

/// [`emit_with`] for many events, each with its account's subscriptions, written together: one
/// multi-row INSERT for the events and one for their deliveries (per 200 rows), however many
/// there are. Returns how many events were stored.
pub async fn emit_many(
    transaction: &mut Transaction<'_>,
    events: &[(&[(String, String)], Event)],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let mut planned = Vec::with_capacity(events.len());
    for (subscriptions, event) in events {
        planned.extend(plan(takers(subscriptions, event), event, now)?);
    }
    write(transaction, &planned).await?;
    Ok(planned.len())
}

/// [`emit`] for several events in one transaction; returns how many were stored.
pub async fn emit_all(transaction: &mut Transaction<'_>, events: &[Event], now: DateTime<Utc>) -> Result<usize, Error> {
    let mut stored = 0;
    for event in events {
        if emit(transaction, event, now).await?.is_some() {
            stored += 1;
        }
    }
    Ok(stored)
}

/// Writes `event` with a single delivery to `subscription_id` (the account's), whatever the
/// subscription lists (a `ping`); returns the delivery id.
pub async fn emit_to(
    transaction: &mut Transaction<'_>,
    subscription_id: &str,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let planned = plan(vec![subscription_id], event, now)?;
    write(transaction, planned.as_slice()).await?;
    Ok(planned
        .iter()
        .flat_map(|event| &event.deliveries)
        .map(|message| message.id.clone())
        .next()
        .unwrap_or_default())
}

/// An event ready to be written, with its deliveries.
struct Planned {
    id: String,
    account_id: String,
    event_type: EventType,
    body: String,
    created_at: DateTime<Utc>,
    deliveries: Vec<NewMessage>,
}

/// The ids of the `subscriptions` (id, events JSON) that take `event`.
fn takers<'a>(subscriptions: &'a [(String, String)], event: &Event) -> Vec<&'a str> {
    subscriptions
        .iter()
        .filter(|(_, events)| subscribed(events, event.event_type))
        .map(|(id, _)| id.as_str())
        .collect()
}

/// `event` with a delivery to each of `takers` (subscription ids), or `None` when there are
/// none (nothing is written). A body past [`MAX_BODY_BYTES`] is refused. Pure but for the ids.
fn plan(takers: Vec<&str>, event: &Event, now: DateTime<Utc>) -> Result<Option<Planned>, Error> {
    if takers.is_empty() {
        return Ok(None);
    }
    let id = storage::new_id("evt");
    let body = body(&id, event.event_type, now, &event.data);
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::invalid(
            "data",
            format!("the event's body would exceed {MAX_BODY_BYTES} bytes"),
        ));
    }
    let payload = serde_json::to_string(&DeliveryPayload {
        event_id: id.clone(),
        event_type: event.event_type,
    })
    .unwrap_or_default();
    let deliveries = takers
        .into_iter()
        .map(|subscription| NewMessage {
            id: storage::new_id("msg"),
            account_id: event.account_id.clone(),
            kind: MessageKind::Webhook,
            subject_id: subscription.to_string(),
            payload: payload.clone(),
            next_attempt_at: now.timestamp_millis(),
            created_at: now,
        })
        .collect();
    Ok(Some(Planned {
        id,
        account_id: event.account_id.clone(),
        event_type: event.event_type,
        body,
        created_at: now,
        deliveries,
    }))
}

/// Writes `planned` events and their deliveries in `transaction`, in multi-row INSERTs.
async fn write(transaction: &mut Transaction<'_>, planned: &[Planned]) -> Result<(), Error> {
    if planned.is_empty() {
        return Ok(());
    }
    let events: Vec<storage::webhooks::NewEvent<'_>> = planned
        .iter()
        .map(|event| storage::webhooks::NewEvent {
            id: &event.id,
            account_id: &event.account_id,
            event_type: event.event_type.as_str(),
            body: &event.body,
            created_at: event.created_at,
        })
        .collect();
    storage::webhooks::insert_events(transaction, &events).await?;
    let deliveries: Vec<&NewMessage> = planned.iter().flat_map(|event| &event.deliveries).collect();
    storage::outbox::insert_many(transaction, &deliveries).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_through_its_name() {
        for event in EventType::ALL {
            assert_eq!(EventType::parse(event.as_str()), Some(event));
            assert_eq!(
                serde_json::to_value(event).ok(),
                Some(serde_json::json!(event.as_str()))
            );
        }
        assert_eq!(EventType::parse("invoice.*"), None);
    }

    #[test]
    fn a_subscription_takes_what_it_lists_or_everything_with_a_star() {
        assert!(subscribed(r#"["*"]"#, EventType::QuotaWarning));
        assert!(subscribed(r#"["invoice.approved"]"#, EventType::InvoiceApproved));
        assert!(!subscribed(r#"["invoice.approved"]"#, EventType::InvoiceFailed));
        assert!(!subscribed("not json", EventType::InvoiceApproved));
    }
}
