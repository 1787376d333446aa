//! The benches' webhook endpoint: a real HTTP/1 server on 127.0.0.1:0, on the runtime of the
//! caller (the bench's, not the service's), that answers every request 204 at once and notes when
//! each event (the body's `id`) first arrived; and [`subscribe`], which subscribes it for an
//! account through the service's own subscriptions module (the same rules as `POST /v1/webhooks`,
//! with private URLs allowed).
//!
//! It never checks a signature (the benches measure delivery, not verification), never answers
//! anything but 204 and never keeps a body.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tokio::sync::watch;

use super::setup::World;

/// A local HTTP receiver: answers 204 at once and notes when each event (the body's `id`) first
/// arrived.
pub struct Receiver {
    address: std::net::SocketAddr,
    state: Arc<ReceiverState>,
    task: tokio::task::JoinHandle<()>,
}

struct ReceiverState {
    first: Mutex<HashMap<String, Instant>>,
    requests: std::sync::atomic::AtomicUsize,
    count: watch::Sender<usize>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start() -> anyhow::Result<Receiver> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let state = Arc::new(ReceiverState {
            first: Mutex::new(HashMap::new()),
            requests: std::sync::atomic::AtomicUsize::new(0),
            count: watch::channel(0).0,
        });
        let shared = state.clone();
        let task = arca_test_support::http_server::serve(listener, move |request| receive(shared.clone(), request));
        Ok(Receiver { address, state, task })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Requests received (every delivery attempt, duplicates included).
    pub fn requests(&self) -> usize {
        self.state.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Distinct events received.
    pub fn events(&self) -> usize {
        *self.state.count.borrow()
    }

    /// When each event first arrived, once `count` distinct events did or `timeout` passed.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> HashMap<String, Instant> {
        let mut changes = self.state.count.subscribe();
        let _ = tokio::time::timeout(timeout, changes.wait_for(|n| *n >= count)).await;
        self.state.first.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

async fn receive(
    state: Arc<ReceiverState>,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let at = Instant::now();
    state.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let id = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|value| value.get("id").and_then(|id| id.as_str()).map(str::to_string));
    if let Some(id) = id {
        let distinct = {
            let mut first = state.first.lock().unwrap_or_else(PoisonError::into_inner);
            first.entry(id).or_insert(at);
            first.len()
        };
        state.count.send_replace(distinct);
    }
    let mut response = hyper::Response::new(Full::new(Bytes::new()));
    *response.status_mut() = hyper::StatusCode::NO_CONTENT;
    Ok(response)
}

/// Subscribes `url` to `events` (event types, or `*`) for the account `account_id`.
pub async fn subscribe(world: &World, account_id: &str, url: &str, events: &[&str]) -> anyhow::Result<()> {
    let state = &world.state;
    let context = arca_service::webhooks::subscriptions::Context {
        storage: &state.storage,
        secrets: &state.secrets,
        allow_private_urls: true,
    };
    let new = arca_service::webhooks::subscriptions::NewSubscription {
        url: url.to_string(),
        events: events.iter().map(|event| event.to_string()).collect(),
        description: Some("bench".to_string()),
        enabled: true,
    };
    arca_service::webhooks::subscriptions::create(context, account_id, new, chrono::Utc::now()).await?;
    Ok(())
}
