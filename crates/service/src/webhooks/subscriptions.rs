//! Webhook subscriptions: an account's endpoints — creating, listing, reading, changing and
//! deleting them, rotating their secret — and the view the API (and `webhook.disabled`'s
//! `data`) shows of one.
//!
//! Every rule lives here: the URL passes the SSRF guard ([`super::ssrf::check_url`]), `events`
//! lists known subscribable types or `*`, `description` follows `crate::text`, an account has at
//! most [`MAX_PER_ACCOUNT`] subscriptions. The secret is sealed at rest bound to the
//! subscription's id and shown only in the answers to create and rotate-secret.
//!
//! It never shows a secret in a [`Subscription`] view, never logs one, and never reaches another
//! account's subscription (every query takes the caller's account: another's id is "not found").

use arca_protocol::secret::Secret;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::events::{self, DeliveryPayload, Event, EventType};
use super::{delivery, signature, ssrf};
use crate::Error;
use crate::crypto::Secrets;
use crate::outbox::MessageKind;
use crate::storage::outbox::{AttemptRow, MessageRow};
use crate::storage::webhooks::SubscriptionRow;
use crate::storage::{self, Storage};
use crate::text::{self, Lines};

/// Why a subscription is disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisabledReason {
    /// Every delivery failed for `WEBHOOK_DISABLE_AFTER_HOURS`: disabled by the service.
    Failing,
    /// Disabled with `PATCH {"enabled": false}`.
    User,
}

impl DisabledReason {
    pub const fn as_str(self) -> &'static str {
        match self {
            DisabledReason::Failing => "failing",
            DisabledReason::User => "user",
        }
    }

    fn parse(text: &str) -> Option<DisabledReason> {
        match text {
            "failing" => Some(DisabledReason::Failing),
            "user" => Some(DisabledReason::User),
            _ => None,
        }
    }
}

/// A webhook subscription as the API shows it (never with its secret).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Subscription {
    /// `whk_…`.
    pub id: String,
    pub url: String,
    /// The event types it receives, or `["*"]` for all.
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    /// Why it is disabled, while it is.
    pub disabled_reason: Option<DisabledReason>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// The first failed delivery since the last successful one; absent while deliveries succeed.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&SubscriptionRow> for Subscription {
    fn from(row: &SubscriptionRow) -> Subscription {
        Subscription {
            id: row.id.clone(),
            url: row.url.clone(),
            events: serde_json::from_str(&row.events).unwrap_or_default(),
            description: row.description.clone(),
            enabled: row.enabled,
            disabled_reason: row.disabled_reason.as_deref().and_then(DisabledReason::parse),
            disabled_at: row.disabled_at,
            failing_since: row.failing_since,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The most subscriptions an account may have.
pub const MAX_PER_ACCOUNT: i64 = 20;

/// The longest `description`.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// The most entries in `events` (every subscribable type and `*`).
pub const MAX_EVENTS: usize = 16;

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;

/// A subscription to create.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
}

/// Changes to a subscription: only the fields present change; `description: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionChanges {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// A subscription and its secret, as create and rotate-secret answer (the only times the
/// secret is shown).
#[derive(Debug)]
pub struct WithSecret {
    pub subscription: Subscription,
    pub secret: Secret,
}

/// What the subscription operations need.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub storage: &'a Storage,
    pub secrets: &'a Secrets,
    pub allow_private_urls: bool,
}

/// `events` checked: 1 to [`MAX_EVENTS`] entries, each a subscribable type or `*`; stored as
/// JSON with a repeated entry kept once.
pub fn check_events(events: &[String]) -> Result<String, (String, String)> {
    if events.is_empty() || events.len() > MAX_EVENTS {
        return Err((
            "events".into(),
            format!("must list 1 to {MAX_EVENTS} event types (or [\"*\"])"),
        ));
    }
    for (index, event) in events.iter().enumerate() {
        let field = format!("events[{index}]");
        if event == "*" {
            continue;
        }
        match EventType::parse(event) {
            Some(EventType::Ping) => {
                return Err((
                    field,
                    "ping is not subscribable (POST /v1/webhooks/{id}/test sends it)".into(),
                ));
            }
            Some(_) => {}
            None => return Err((field, "not a known event type".into())),
        }
    }
    let mut distinct: Vec<&String> = Vec::new();
    for event in events {
        if !distinct.contains(&event) {
            distinct.push(event);
        }
    }
    Ok(serde_json::to_string(&distinct).unwrap_or_else(|_| "[]".into()))
}

fn check_description(description: Option<&str>) -> Result<(), (String, String)> {
    match description {
        Some(text) => text::check_length("description", text, MAX_DESCRIPTION_CHARS)
            .and_then(|()| text::check("description", text, Lines::Multi)),
        None => Ok(()),
    }
}

async fn check_url(url: &str, allow_private: bool) -> Result<(), Error> {
    ssrf::check_url(url, allow_private)
        .await
        .map(|_| ())
        .map_err(|refusal| Error::invalid("url", refusal.message(allow_private)))
}

/// Creates a subscription with a new secret (shown in the answer only).
pub async fn create(
    context: Context<'_>,
    account_id: &str,
    new: NewSubscription,
    now: DateTime<Utc>,
) -> Result<WithSecret, Error> {
    let events = match (check_events(&new.events), check_description(new.description.as_deref())) {
        (Ok(events), Ok(())) => events,
        (events, description) => {
            return Err(Error::Invalid(
                events.err().into_iter().chain(description.err()).collect(),
            ));
        }
    };
    check_url(&new.url, context.allow_private_urls).await?;
    let id = storage::new_id("whk");
    let secret = signature::generate_secret();
    let sealed = context
        .secrets
        .seal(secret.expose().as_bytes(), &delivery::binding(&id))?;
    let inserted = storage::webhooks::insert_subscription(
        context.storage,
        &storage::webhooks::NewSubscription {
            id: &id,
            account_id,
            url: &new.url,
            events: &events,
            description: new.description.as_deref(),
            enabled: new.enabled,
            secret: &sealed,
            now,
        },
        MAX_PER_ACCOUNT,
    )
    .await?;
    if !inserted {
        return Err(Error::Conflict(format!(
            "the account already has {MAX_PER_ACCOUNT} webhook subscriptions, the most it may have: delete one first"
        )));
    }
    let row = find(context.storage, account_id, &id).await?;
    Ok(WithSecret {
        subscription: Subscription::from(&row),
        secret,
    })
}

/// The account's subscription `id` (another account's: not found).
pub async fn find(storage: &Storage, account_id: &str, id: &str) -> Result<SubscriptionRow, Error> {
    storage::webhooks::find_for_account(storage, account_id, id)
        .await?
        .ok_or(Error::NotFound)
}

/// A page of the account's subscriptions, newest first, and their total.
pub async fn list(
    storage: &Storage,
    account_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Subscription>, i64), Error> {
    let (rows, total) = storage::webhooks::list_for_account(storage, account_id, limit, offset).await?;
    Ok((rows.iter().map(Subscription::from).collect(), total))
}

/// Changes a subscription. Disabling records `user` as the reason; enabling clears the
/// disabled state and `failing_since`.
pub async fn update(
    context: Context<'_>,
    account_id: &str,
    id: &str,
    changes: SubscriptionChanges,
    now: DateTime<Utc>,
) -> Result<Subscription, Error> {
    let mut row = find(context.storage, account_id, id).await?;
    let mut problems = Vec::new();
    if let Some(events) = &changes.events {
        match check_events(events) {
            Ok(json) => row.events = json,
            Err(problem) => problems.push(problem),
        }
    }
    if let Some(description) = &changes.description {
        if let Err(problem) = check_description(description.as_deref()) {
            problems.push(problem);
        }
        row.description.clone_from(description);
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    if let Some(url) = changes.url {
        check_url(&url, context.allow_private_urls).await?;
        row.url = url;
    }
    match changes.enabled {
        Some(true) if !row.enabled => {
            row.enabled = true;
            row.disabled_reason = None;
            row.disabled_at = None;
            row.failing_since = None;
        }
        Some(false) if row.enabled => {
            row.enabled = false;
            row.disabled_reason = Some(DisabledReason::User.as_str().to_string());
            row.disabled_at = Some(now);
        }
        _ => {}
    }
    row.updated_at = now;
    let updated = storage::webhooks::update_subscription(context.storage, &row)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Subscription::from(&updated))
}

/// Deletes a subscription (its deliveries not yet attempted go with it).
pub async fn delete(storage: &Storage, account_id: &str, id: &str) -> Result<(), Error> {
    if storage::webhooks::delete_subscription(storage, account_id, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// A new secret; the current one keeps signing beside it for [`ROTATION_OVERLAP_HOURS`] (a
/// second rotation within that time drops the oldest).
pub async fn rotate_secret(
    context: Context<'_>,
    account_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<WithSecret, Error> {
    // The id must be the account's before anything is sealed with it.
    find(context.storage, account_id, id).await?;
    let secret = signature::generate_secret();
    let sealed = context
        .secrets
        .seal(secret.expose().as_bytes(), &delivery::binding(id))?;
    let expires = now + chrono::Duration::hours(ROTATION_OVERLAP_HOURS);
    let row = storage::webhooks::rotate_secret(context.storage, account_id, id, &sealed, expires, now)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(WithSecret {
        subscription: Subscription::from(&row),
        secret,
    })
}

/// Sends a `ping` (data `{"webhook_id": id}`) to this subscription only; returns the delivery
/// id. A disabled subscription is refused (409): nothing would be sent.
pub async fn test(storage: &Storage, account_id: &str, id: &str, now: DateTime<Utc>) -> Result<String, Error> {
    let row = find(storage, account_id, id).await?;
    if !row.enabled {
        return Err(Error::Conflict(
            "the webhook subscription is disabled: enable it (PATCH {\"enabled\": true}) to test it".into(),
        ));
    }
    let event = Event {
        account_id: account_id.to_string(),
        event_type: EventType::Ping,
        data: serde_json::json!({ "webhook_id": row.id }),
    };
    let mut transaction = storage.begin().await?;
    let delivery_id = events::emit_to(&mut transaction, &row.id, &event, now).await?;
    transaction.commit().await?;
    crate::outbox::wake_all();
    Ok(delivery_id)
}

/// One delivery and its attempts, as the delivery log shows it.
#[derive(Debug)]
pub struct Delivery {
    pub message: MessageRow,
    pub payload: Option<DeliveryPayload>,
    pub attempts: Vec<AttemptRow>,
}

/// A page of subscription `id`'s deliveries, newest first, each with its attempts.
pub async fn deliveries(
    storage: &Storage,
    account_id: &str,
    id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Delivery>, i64), Error> {
    find(storage, account_id, id).await?;
    let (messages, total) =
        storage::outbox::list_for_subject(storage, account_id, MessageKind::Webhook, id, limit, offset).await?;
    let ids: Vec<String> = messages.iter().map(|message| message.id.clone()).collect();
    let mut attempts = storage::outbox::attempts(storage, &ids).await?;
    let deliveries = messages
        .into_iter()
        .map(|message| {
            let (own, rest): (Vec<AttemptRow>, Vec<AttemptRow>) =
                attempts.drain(..).partition(|attempt| attempt.message_id == message.id);
            attempts = rest;
            Delivery {
                payload: serde_json::from_str(&message.payload).ok(),
                message,
                attempts: own,
            }
        })
        .collect();
    Ok((deliveries, total))
}

/// Makes a pending or failed delivery of subscription `id` due now and wakes the dispatcher;
/// a delivered (or being attempted) one is a conflict, another account's not found.
pub async fn retry_delivery(
    storage: &Storage,
    account_id: &str,
    id: &str,
    delivery_id: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    find(storage, account_id, id).await?;
    let message = storage::outbox::find(storage, delivery_id)
        .await?
        .filter(|message| {
            message.account_id == account_id && message.kind == MessageKind::Webhook && message.subject_id == id
        })
        .ok_or(Error::NotFound)?;
    if !storage::webhooks::retry_delivery(storage, account_id, id, delivery_id, now).await? {
        return Err(Error::Conflict(format!(
            "delivery {} is {}: only a pending or failed delivery can be retried",
            message.id,
            message.status.as_str()
        )));
    }
    crate::outbox::wake_all();
    Ok(())
}
