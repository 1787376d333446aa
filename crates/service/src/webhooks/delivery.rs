//! Webhook delivery: [`WebhookDelivery`] is the outbox's way out for
//! [`MessageKind::Webhook`](crate::outbox::MessageKind::Webhook) messages. One call is one signed
//! HTTP POST of the event's stored body to the subscription's URL.
//!
//! For a claimed batch it reads the subscriptions and the events' bodies once (one statement
//! each, [`Deliver::prepare`]: a subscription is as the claim found it); for a message it takes
//! its subscription (gone or disabled: a permanent "subscription disabled") and its event's body
//! from there, opens the secret (and the previous one while its rotation
//! overlap lasts), signs with [`super::signature::sign`] at the injected clock's time, and POSTs
//! with the `X-ARCA-*` and Standard Webhooks headers through a client whose connector resolves
//! names through the SSRF guard ([`super::ssrf::GuardedResolver`]); a literal IP host is checked
//! before connecting. Redirects are never followed (a 3xx is a permanent failure).
//!
//! Outcome: 2xx delivered; 408, 429, 5xx, a timeout (`WEBHOOK_TIMEOUT_MS`, the whole attempt) or
//! a network error transient; any other status permanent; `X-ARCA-No-Retry: true` on any answer
//! makes a failure permanent. The reply kept is the first 1 KiB of the answer's body (or why
//! there was none). After the attempt the subscription's `failing_since` is cleared (delivered)
//! or set (failed); an endpoint failing for `WEBHOOK_DISABLE_AFTER_HOURS` is disabled and the
//! account's other endpoints get `webhook.disabled` in the same transaction.
//!
//! It never retries by itself (the dispatcher does), never sends our credentials (no
//! `Authorization`, no cookies) and never puts a secret in a reply, error or log.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use arca_protocol::clock::Clock;
use arca_protocol::secret::Secret;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full};
use hyper_openssl::client::legacy::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use openssl::ssl::{SslConnector, SslMethod};

use super::events::{DeliveryPayload, Event, EventType};
use super::signature;
use super::ssrf::{self, GuardedResolver};
use super::subscriptions::{DisabledReason, Subscription};
use crate::Error;
use crate::config::WebhookConfig;
use crate::crypto::Secrets;
use crate::outbox::{Attempted, Deliver, Prepared};
use crate::storage::outbox::{AttemptOutcome, MessageRow};
use crate::storage::{self, Storage};

/// What `User-Agent` every delivery sends.
pub const USER_AGENT: &str = "arca-api-webhooks/1";

/// The most of an answer's body an attempt keeps.
pub const MAX_REPLY_BYTES: usize = 1024;

type WebhookClient = Client<HttpsConnector<HttpConnector<GuardedResolver>>, Full<Bytes>>;

/// The webhook deliverer (one per dispatcher).
pub struct WebhookDelivery {
    storage: Storage,
    secrets: Secrets,
    clock: Arc<dyn Clock>,
    config: WebhookConfig,
    client: WebhookClient,
}

impl WebhookDelivery {
    /// A deliverer over `storage`, opening secrets with `secrets`, reading time from `clock` (the
    /// dispatcher's), bounded by `config`.
    pub fn new(
        storage: Storage,
        secrets: Secrets,
        clock: Arc<dyn Clock>,
        config: WebhookConfig,
    ) -> Result<WebhookDelivery, Error> {
        let client = build_client(&config)?;
        Ok(WebhookDelivery {
            storage,
            secrets,
            clock,
            config,
            client,
        })
    }

    /// Reads the subscriptions and event bodies of a claimed batch, one statement each. A failed
    /// read prepares nothing: each attempt then reads for itself (and meets the same failure).
    async fn load(&self, messages: &[&MessageRow]) -> Prepared {
        let mut subjects: Vec<&str> = messages.iter().map(|message| message.subject_id.as_str()).collect();
        subjects.sort_unstable();
        subjects.dedup();
        let payloads: Vec<DeliveryPayload> = messages
            .iter()
            .filter_map(|message| serde_json::from_str(&message.payload).ok())
            .collect();
        let mut events: Vec<&str> = payloads.iter().map(|payload| payload.event_id.as_str()).collect();
        events.sort_unstable();
        events.dedup();
        let read = async {
            let subscriptions = storage::webhooks::find_subscriptions(&self.storage, &subjects).await?;
            let bodies = storage::webhooks::event_bodies(&self.storage, &events).await?;
            Ok::<_, Error>(Loaded {
                subscriptions: subscriptions.into_iter().map(|row| (row.id.clone(), row)).collect(),
                bodies: bodies.into_iter().collect(),
            })
        };
        match read.await {
            Ok(loaded) => Prepared::new(loaded),
            Err(error) => {
                tracing::warn!(error = %error, "could not read a batch's webhook subscriptions and events; each attempt reads its own");
                Prepared::default()
            }
        }
    }

    /// One attempt, and whether the subscription was failing when it was read (so a delivery
    /// clears `failing_since` only when it was set: one statement less per delivered event).
    async fn attempt(&self, message: &MessageRow, loaded: Option<&Loaded>) -> (Attempted, bool) {
        let found = match loaded {
            Some(loaded) => Ok(loaded.subscriptions.get(&message.subject_id).cloned()),
            None => storage::webhooks::find_subscription(&self.storage, &message.subject_id).await,
        };
        let subscription = match found {
            Ok(Some(row)) if row.enabled && row.account_id == message.account_id => row,
            Ok(_) => {
                return (
                    Attempted::new(AttemptOutcome::Permanent, "subscription disabled"),
                    false,
                );
            }
            Err(error) => {
                return (
                    Attempted::new(AttemptOutcome::Transient, format!("storage: {error}")),
                    false,
                );
            }
        };
        let failing = subscription.failing_since.is_some();
        (self.attempt_with(message, &subscription, loaded).await, failing)
    }

    async fn attempt_with(
        &self,
        message: &MessageRow,
        subscription: &storage::webhooks::SubscriptionRow,
        loaded: Option<&Loaded>,
    ) -> Attempted {
        let Ok(payload) = serde_json::from_str::<DeliveryPayload>(&message.payload) else {
            return Attempted::new(AttemptOutcome::Permanent, "the delivery's payload is unreadable");
        };
        let found = match loaded {
            Some(loaded) => Ok(loaded.bodies.get(&payload.event_id).cloned()),
            None => storage::webhooks::event_body(&self.storage, &payload.event_id).await,
        };
        let body = match found {
            Ok(Some(body)) => body,
            Ok(None) => return Attempted::new(AttemptOutcome::Permanent, "the event no longer exists"),
            Err(error) => return Attempted::new(AttemptOutcome::Transient, format!("storage: {error}")),
        };
        let now = self.clock.now();
        let secrets = match self.open_secrets(subscription, now) {
            Ok(secrets) => secrets,
            Err(error) => return Attempted::new(AttemptOutcome::Permanent, error.to_string()),
        };
        let secret_refs: Vec<&Secret> = secrets.iter().collect();
        let timestamp = now.timestamp();
        let signatures = signature::sign(&secret_refs, &message.id, timestamp, body.as_bytes());
        let request = Outgoing {
            url: &subscription.url,
            event_type: payload.event_type,
            delivery_id: &message.id,
            timestamp,
            signatures: &signatures,
            body,
        };
        self.post(&request).await
    }

    /// The current secret, then the previous one while its overlap lasts.
    fn open_secrets(&self, row: &storage::webhooks::SubscriptionRow, now: DateTime<Utc>) -> Result<Vec<Secret>, Error> {
        let bound = binding(&row.id);
        let mut secrets = vec![self.secrets.open(&row.secret, &bound)?];
        if let (Some(previous), Some(expires)) = (&row.previous_secret, row.previous_secret_expires_at)
            && expires > now
        {
            secrets.push(self.secrets.open(previous, &bound)?);
        }
        Ok(secrets)
    }

    async fn post(&self, outgoing: &Outgoing<'_>) -> Attempted {
        let allow_private = self.config.allow_private_urls;
        let url = match ssrf::check_syntax(outgoing.url, allow_private) {
            Ok(url) => url,
            Err(refusal) => {
                return Attempted::new(
                    AttemptOutcome::Permanent,
                    format!("url {}", refusal.message(allow_private)),
                );
            }
        };
        if let Some(host) = url.host_str()
            && let Err(rule) = ssrf::check_literal_host(host, allow_private)
        {
            return Attempted::new(
                AttemptOutcome::Permanent,
                format!("refused by the SSRF guard: {}", rule.describe()),
            );
        }
        let request = match build_request(outgoing) {
            Ok(request) => request,
            Err(reason) => return Attempted::new(AttemptOutcome::Permanent, reason),
        };
        let exchange = async {
            let response = self.client.request(request).await.map_err(|error| describe(&error))?;
            let status = response.status().as_u16();
            let no_retry = response
                .headers()
                .get("x-arca-no-retry")
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
            let reply = read_prefix(response.into_body()).await;
            Ok::<_, String>((status, no_retry, reply))
        };
        match tokio::time::timeout(self.config.timeout, exchange).await {
            Ok(Ok((status, no_retry, reply))) => Attempted {
                outcome: outcome_for(status, no_retry),
                reply,
                http_status: Some(status),
            },
            Ok(Err(error)) => Attempted::new(AttemptOutcome::Transient, error),
            Err(_) => Attempted::new(
                AttemptOutcome::Transient,
                format!("no answer within {} ms", self.config.timeout.as_millis()),
            ),
        }
    }

    /// Updates the subscription after an attempt: delivered clears `failing_since` when the
    /// subscription was failing as the attempt read it (a failure another instance records
    /// meanwhile is cleared by the next delivery, which reads it); a failure sets it (if unset)
    /// and disables an endpoint failing for `WEBHOOK_DISABLE_AFTER_HOURS`, telling the account's
    /// other endpoints (`webhook.disabled`).
    async fn after_attempt(&self, message: &MessageRow, attempted: &Attempted, failing: bool) -> Result<(), Error> {
        match attempted.outcome {
            AttemptOutcome::Delivered if !failing => Ok(()),
            AttemptOutcome::Delivered => storage::webhooks::clear_failing(&self.storage, &message.subject_id).await,
            AttemptOutcome::Transient | AttemptOutcome::Permanent | AttemptOutcome::Abandoned => {
                let now = self.clock.now();
                let mut transaction = self.storage.begin().await?;
                let Some(row) = storage::webhooks::mark_failing(&mut transaction, &message.subject_id, now).await?
                else {
                    transaction.commit().await?;
                    return Ok(());
                };
                let limit = chrono::Duration::hours(i64::from(self.config.disable_after_hours));
                let failing_long = row.failing_since.is_some_and(|since| now - since >= limit);
                let mut emitted = false;
                let disabled = if failing_long {
                    storage::webhooks::disable(&mut transaction, &row.id, DisabledReason::Failing.as_str(), now).await?
                } else {
                    None
                };
                if let Some(disabled) = disabled {
                    let view = Subscription::from(&disabled);
                    let event = Event {
                        account_id: disabled.account_id.clone(),
                        event_type: EventType::WebhookDisabled,
                        data: serde_json::to_value(&view).unwrap_or_default(),
                    };
                    emitted = super::events::emit(&mut transaction, &event, now).await?.is_some();
                    tracing::warn!(webhook.id = %disabled.id, "webhook endpoint disabled after failing for WEBHOOK_DISABLE_AFTER_HOURS");
                }
                transaction.commit().await?;
                if emitted {
                    crate::outbox::wake_all();
                }
                Ok(())
            }
        }
    }
}

/// A claimed batch's subscriptions (by id) and event bodies (by event id), as
/// [`WebhookDelivery::load`] read them. A subscription or event absent here does not exist.
struct Loaded {
    subscriptions: HashMap<String, storage::webhooks::SubscriptionRow>,
    bodies: HashMap<String, String>,
}

impl Deliver for WebhookDelivery {
    fn prepare<'a>(&'a self, messages: &'a [&'a MessageRow]) -> Pin<Box<dyn Future<Output = Prepared> + Send + 'a>> {
        Box::pin(self.load(messages))
    }

    fn deliver<'a>(
        &'a self,
        message: &'a MessageRow,
        prepared: &'a Prepared,
    ) -> Pin<Box<dyn Future<Output = Attempted> + Send + 'a>> {
        Box::pin(async move {
            let (attempted, failing) = self.attempt(message, prepared.get::<Loaded>()).await;
            if let Err(error) = self.after_attempt(message, &attempted, failing).await {
                tracing::warn!(message.id = %message.id, error = %error, "could not update the webhook subscription after an attempt");
            }
            attempted
        })
    }

    fn max_retries(&self) -> Option<u32> {
        Some(self.config.max_retries)
    }
}

/// The associated data a subscription's secrets are sealed with.
pub fn binding(subscription_id: &str) -> String {
    format!("webhook:{subscription_id}")
}

/// What an answer's status (and `X-ARCA-No-Retry`) means for the delivery.
pub fn outcome_for(status: u16, no_retry: bool) -> AttemptOutcome {
    match status {
        200..=299 => AttemptOutcome::Delivered,
        _ if no_retry => AttemptOutcome::Permanent,
        408 | 429 | 500..=599 => AttemptOutcome::Transient,
        _ => AttemptOutcome::Permanent,
    }
}

/// One request to send.
struct Outgoing<'a> {
    url: &'a str,
    event_type: EventType,
    delivery_id: &'a str,
    timestamp: i64,
    signatures: &'a signature::Signatures,
    body: String,
}

fn build_request(outgoing: &Outgoing<'_>) -> Result<http::Request<Full<Bytes>>, String> {
    let uri: http::Uri = outgoing
        .url
        .parse()
        .map_err(|_| "the subscription's url is not a valid request target".to_string())?;
    let timestamp = outgoing.timestamp.to_string();
    http::Request::post(uri)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, USER_AGENT)
        .header("x-arca-event", outgoing.event_type.as_str())
        .header("x-arca-delivery-id", outgoing.delivery_id)
        .header("x-arca-timestamp", &timestamp)
        .header("x-arca-signature", &outgoing.signatures.arca)
        .header("webhook-id", outgoing.delivery_id)
        .header("webhook-timestamp", &timestamp)
        .header("webhook-signature", &outgoing.signatures.standard)
        .body(Full::new(Bytes::from(outgoing.body.clone())))
        .map_err(|_| "the request could not be built".to_string())
}

/// The first [`MAX_REPLY_BYTES`] of a body (cut at a character boundary); the rest is not read.
async fn read_prefix(mut body: hyper::body::Incoming) -> String {
    let mut kept: Vec<u8> = Vec::new();
    while kept.len() < MAX_REPLY_BYTES {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    let room = MAX_REPLY_BYTES - kept.len();
                    kept.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            Some(Err(_)) | None => break,
        }
    }
    let mut text = String::from_utf8_lossy(&kept).into_owned();
    // A multi-byte character cut at the limit decodes to U+FFFD: drop it.
    if kept.len() >= MAX_REPLY_BYTES && text.ends_with('\u{FFFD}') {
        text.pop();
    }
    text
}

fn build_client(config: &WebhookConfig) -> Result<WebhookClient, Error> {
    let mut http = HttpConnector::new_with_resolver(GuardedResolver {
        allow_private: config.allow_private_urls,
    });
    http.enforce_http(false);
    http.set_connect_timeout(Some(config.timeout.min(Duration::from_secs(30))));
    let tls = SslConnector::builder(SslMethod::tls_client())
        .map_err(|error| Error::Crypto(format!("webhook TLS setup: {error}")))?;
    let https = HttpsConnector::with_connector(http, tls)
        .map_err(|error| Error::Crypto(format!("webhook TLS setup: {error}")))?;
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// A client error with its causes (a refused connection, the SSRF guard's refusal, a TLS
/// failure); never the URL or a header.
fn describe(error: &hyper_util::client::legacy::Error) -> String {
    crate::error::with_causes(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_outcomes() {
        assert_eq!(outcome_for(200, false), AttemptOutcome::Delivered);
        assert_eq!(outcome_for(204, true), AttemptOutcome::Delivered);
        for status in [408, 429, 500, 502, 503, 599] {
            assert_eq!(outcome_for(status, false), AttemptOutcome::Transient, "{status}");
            assert_eq!(outcome_for(status, true), AttemptOutcome::Permanent, "{status}");
        }
        for status in [301, 302, 400, 401, 403, 404, 410, 422] {
            assert_eq!(outcome_for(status, false), AttemptOutcome::Permanent, "{status}");
        }
    }
}
