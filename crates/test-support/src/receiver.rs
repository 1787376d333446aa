//! A real HTTP receiver for webhook tests: listens on 127.0.0.1:0, records every request
//! (headers and body), answers with the statuses it was told to (then 200), and lets a test
//! wait for a number of requests without sleeping (a `watch` counter wakes the waiter).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use tokio::sync::watch;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// What the receiver answers: a status, optional extra headers and a body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Held this long before answering (a slow endpoint, for timeouts).
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
        }
    }
}

struct State {
    received: Mutex<Vec<Received>>,
    replies: Mutex<VecDeque<Reply>>,
    count: watch::Sender<usize>,
    /// Per path: requests being answered now, and the most there ever were at once.
    concurrency: Mutex<std::collections::HashMap<String, (usize, usize)>>,
}

/// The receiver; dropped, it stops listening.
pub struct Receiver {
    address: std::net::SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let state = Arc::new(State {
            received: Mutex::new(Vec::new()),
            replies: Mutex::new(VecDeque::new()),
            count: watch::channel(0).0,
            concurrency: Mutex::new(std::collections::HashMap::new()),
        });
        let shared = state.clone();
        let task = crate::http_server::serve(listener, move |request| handle(shared.clone(), request));
        Receiver { address, state, task }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }

    /// The next requests get these replies, in order; after them, 200.
    pub fn reply_with(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.replies.lock().unwrap().extend(replies);
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// The most requests to `path` that were being answered at the same time.
    pub fn max_concurrent(&self, path: &str) -> usize {
        self.state
            .concurrency
            .lock()
            .unwrap()
            .get(path)
            .map_or(0, |(_, most)| *most)
    }

    /// Waits until at least `count` requests arrived, at most `timeout`; panics with what did
    /// arrive otherwise.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let mut changes = self.state.count.subscribe();
        let reached = tokio::time::timeout(timeout, changes.wait_for(|n| *n >= count)).await;
        let received = self.received();
        assert!(
            reached.is_ok(),
            "expected {count} webhook requests within {timeout:?}, got {}: {:?}",
            received.len(),
            received
                .iter()
                .map(|r| r.header("x-arca-event").unwrap_or("?").to_string())
                .collect::<Vec<_>>()
        );
        received
    }
}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    {
        let mut concurrency = state.concurrency.lock().unwrap();
        let entry = concurrency.entry(path.clone()).or_default();
        entry.0 += 1;
        entry.1 = entry.1.max(entry.0);
    }
    let answered = answer(&state, headers, method, path.clone(), request).await;
    if let Some(entry) = state.concurrency.lock().unwrap().get_mut(&path) {
        entry.0 -= 1;
    }
    answered
}

async fn answer(
    state: &Arc<State>,
    headers: Vec<(String, String)>,
    method: String,
    path: String,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let body = request.into_body().collect().await?.to_bytes().to_vec();
    let reply = state
        .replies
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| Reply::status(200));
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    state.received.lock().unwrap().push(Received {
        method,
        path,
        headers,
        body,
    });
    state.count.send_modify(|n| *n += 1);
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    Ok(response.body(Full::new(Bytes::from(reply.body))).unwrap())
}
