//! An OpenAI-compatible stand-in for `mode: simple` tests: a real HTTP server on 127.0.0.1:0
//! answering `POST …/chat/completions` with the answers a test queued — a completion whose
//! content is a draft (or anything else: malformed JSON, a schema violation), an HTTP error (a
//! 429 with `Retry-After`, a 500), or no answer at all until the test releases it (a slow
//! provider, past the service's timeout, without a sleep). It records every request (headers
//! and body) so a test checks what the service sent: the model, the bearer key, the schema in
//! `response_format`, the account's context.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;

pub use crate::receiver::Received;

/// What the stand-in answers to the next request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 200 with a chat completion whose first choice's content is this text.
    Content(String),
    /// This status, headers and raw body.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// No answer until [`AiProvider::release`] (then a 200 nobody waits for any more).
    Hang,
}

impl Answer {
    /// A completion whose content is `draft` as JSON text.
    pub fn draft(draft: &Value) -> Answer {
        Answer::Content(draft.to_string())
    }

    /// A bare status with a JSON error body, as OpenAI answers errors.
    pub fn status(status: u16) -> Answer {
        Answer::Http {
            status,
            headers: Vec::new(),
            body: json!({"error": {"message": "stand-in error", "type": "server_error"}}).to_string(),
        }
    }
}

struct State {
    received: Mutex<Vec<Received>>,
    answers: Mutex<VecDeque<Answer>>,
    release: Notify,
}

/// The stand-in; dropped, it stops listening.
pub struct AiProvider {
    address: std::net::SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for AiProvider {
    fn drop(&mut self) {
        self.state.release.notify_waiters();
        self.task.abort();
    }
}

impl AiProvider {
    pub async fn start() -> AiProvider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let state = Arc::new(State {
            received: Mutex::new(Vec::new()),
            answers: Mutex::new(VecDeque::new()),
            release: Notify::new(),
        });
        let shared = state.clone();
        let task = crate::http_server::serve(listener, move |request| handle(shared.clone(), request));
        AiProvider { address, state, task }
    }

    /// The base URL to configure as `AI_BASE_URL` (`http://127.0.0.1:<port>/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.address)
    }

    /// The next requests get these answers, in order; after them, 500.
    pub fn answer_with(&self, answers: impl IntoIterator<Item = Answer>) {
        self.state.answers.lock().unwrap().extend(answers);
    }

    /// Every request received so far (a hung one is recorded when it arrives).
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Lets every hung request answer.
    pub fn release(&self) {
        self.state.release.notify_waiters();
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
    let body = request.into_body().collect().await?.to_bytes().to_vec();
    let answer = state.answers.lock().unwrap().pop_front();
    // Registered before the request is recorded: a test that saw it recorded and then
    // releases it cannot miss the wake-up.
    let mut released = std::pin::pin!(state.release.notified());
    released.as_mut().enable();
    state.received.lock().unwrap().push(Received {
        method,
        path,
        headers,
        body,
    });
    let answer = answer.unwrap_or_else(|| Answer::status(500));
    let (status, headers, body) = match answer {
        Answer::Content(content) => (200, Vec::new(), completion(&content)),
        Answer::Http { status, headers, body } => (status, headers, body),
        Answer::Hang => {
            released.await;
            (200, Vec::new(), completion("{}"))
        }
    };
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    for (name, value) in &headers {
        response = response.header(name, value);
    }
    Ok(response.body(Full::new(Bytes::from(body))).unwrap())
}

/// A chat completion as OpenAI's API answers one, its content `content`.
pub fn completion(content: &str) -> String {
    json!({
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "created": 1_767_225_600,
        "model": "stand-in",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    })
    .to_string()
}
