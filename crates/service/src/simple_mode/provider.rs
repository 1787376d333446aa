//! The AI provider: one OpenAI-compatible Chat Completions call (`POST {AI_BASE_URL}/chat/completions`)
//! asking for a JSON answer constrained by a schema (`response_format: {type: "json_schema",
//! json_schema: {name, strict: true, schema}}`), the way OpenAI, Ollama and llama.cpp's server
//! all take it. `Authorization: Bearer {AI_API_KEY}` when a key is set.
//!
//! The HTTP client is the hyper stack webhooks deliver with (hyper-util's client over
//! hyper-openssl), without the SSRF guard: the provider's address is the operator's setting,
//! and a local Ollama on 127.0.0.1 is the point. The whole call — connect to last byte — is
//! bounded by `AI_TIMEOUT_MS`.
//!
//! It never logs, stores or puts into an error the messages sent or the answer received (they
//! carry the client's description and the model's draft), nor the key.

use std::time::Duration;

use arca_protocol::secret::Secret;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_openssl::client::legacy::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use openssl::ssl::{SslConnector, SslMethod};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::AiConfig;

/// The most of the model's answer (the message's content) the service takes: 32 KiB.
pub const MAX_ANSWER_BYTES: usize = 32 * 1024;
/// The most of the provider's HTTP answer the service reads (the completion around the content).
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// The `User-Agent` every call sends.
pub const USER_AGENT: &str = "arca-api-simple-mode/1";

type AiClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Why the provider gave no usable answer. No variant carries the description or the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// No complete answer within `AI_TIMEOUT_MS` (504 `AI_PROVIDER_TIMEOUT`, retryable).
    #[error("the AI provider did not answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    /// The provider could not be reached (connection refused, DNS, TLS): retryable.
    #[error("the AI provider could not be reached: {0}")]
    Unreachable(String),
    /// The provider answered an HTTP error: 429 and 5xx are retryable (with its `Retry-After`),
    /// other statuses mean the settings are wrong (a bad key, an unknown model).
    #[error("the AI provider answered HTTP {status}")]
    Status { status: u16, retry_after: Option<u64> },
    /// The answer was not a chat completion carrying a draft of the schema (malformed JSON,
    /// a field of the wrong type, a refusal, a truncated or oversized answer): the reason, never
    /// the answer itself. Retryable: a model may answer well next time.
    #[error("the AI provider's answer is not a usable draft: {0}")]
    Malformed(String),
}

impl ProviderError {
    /// Whether the same request may succeed later.
    pub fn retryable(&self) -> bool {
        match self {
            ProviderError::Timeout(_) | ProviderError::Unreachable(_) | ProviderError::Malformed(_) => true,
            ProviderError::Status { status, .. } => *status == 429 || *status == 408 || *status >= 500,
        }
    }
}

/// A chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `system` or `user`.
    pub role: &'static str,
    pub content: String,
}

/// The configured provider. Cloning shares the client.
#[derive(Clone)]
pub struct Provider {
    endpoint: String,
    api_key: Option<Secret>,
    model: String,
    timeout: Duration,
    client: AiClient,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("endpoint", &self.endpoint)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl Provider {
    pub fn new(config: &AiConfig) -> Result<Provider, crate::Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(config.timeout));
        let tls = SslConnector::builder(SslMethod::tls_client())
            .map_err(|error| crate::Error::Crypto(format!("AI provider TLS setup: {error}")))?;
        let https = HttpsConnector::with_connector(http, tls)
            .map_err(|error| crate::Error::Crypto(format!("AI provider TLS setup: {error}")))?;
        Ok(Provider {
            endpoint: format!("{}/chat/completions", config.base_url.trim_end_matches('/')),
            api_key: config.api_key.clone(),
            model: config.model.clone(),
            timeout: config.timeout,
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    /// The model every request names (`AI_MODEL`).
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The request body of one call: the model, the messages, temperature 0 and the schema.
    pub fn body(&self, messages: &[Message], schema_name: &str, schema: &Value) -> Value {
        json!({
            "model": self.model,
            "temperature": 0,
            "messages": messages
                .iter()
                .map(|message| json!({"role": message.role, "content": message.content}))
                .collect::<Vec<_>>(),
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "strict": true, "schema": schema},
            },
        })
    }

    /// Asks for one completion constrained by `schema`; the model's answer (the first choice's
    /// content, at most [`MAX_ANSWER_BYTES`]) as text, not yet read against the schema.
    pub async fn complete(
        &self,
        messages: &[Message],
        schema_name: &str,
        schema: &Value,
    ) -> Result<String, ProviderError> {
        let body = serde_json::to_vec(&self.body(messages, schema_name, schema))
            .map_err(|error| ProviderError::Malformed(format!("the request could not be written: {error}")))?;
        let mut request = http::Request::post(self.endpoint.as_str())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::USER_AGENT, USER_AGENT);
        if let Some(key) = &self.api_key {
            request = request.header(http::header::AUTHORIZATION, format!("Bearer {}", key.expose()));
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| ProviderError::Unreachable("AI_BASE_URL is not a valid request target".into()))?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|error| describe(&error))?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok());
            if !(200..300).contains(&status) {
                return Err(ProviderError::Status { status, retry_after });
            }
            read_limited(response.into_body()).await
        };
        let bytes = match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result?,
            Err(_) => return Err(ProviderError::Timeout(self.timeout)),
        };
        content_of(&bytes)
    }
}

/// The body, or why it was not read in full: at most [`MAX_RESPONSE_BYTES`].
async fn read_limited(mut body: hyper::body::Incoming) -> Result<Vec<u8>, ProviderError> {
    let mut kept: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| ProviderError::Unreachable(format!("the answer broke off: {error}")))?;
        if let Ok(data) = frame.into_data() {
            if kept.len() + data.len() > MAX_RESPONSE_BYTES {
                return Err(ProviderError::Malformed(format!(
                    "the answer exceeds {} KiB",
                    MAX_RESPONSE_BYTES / 1024
                )));
            }
            kept.extend_from_slice(&data);
        }
    }
    Ok(kept)
}

/// The parts of a chat completion the service reads.
#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

/// The first choice's content from a chat completion's bytes: refused, truncated, empty or
/// oversized answers are [`ProviderError::Malformed`] (naming why, never quoting it).
pub fn content_of(bytes: &[u8]) -> Result<String, ProviderError> {
    let completion: Completion = serde_json::from_slice(bytes)
        .map_err(|_| ProviderError::Malformed("the answer is not a chat completion".into()))?;
    let Some(choice) = completion.choices.into_iter().next() else {
        return Err(ProviderError::Malformed("the completion has no choice".into()));
    };
    if choice.message.refusal.is_some_and(|refusal| !refusal.is_empty()) {
        return Err(ProviderError::Malformed(
            "the model refused to draft the invoice".into(),
        ));
    }
    if choice.finish_reason.as_deref() == Some("length") {
        return Err(ProviderError::Malformed(
            "the answer was cut at the model's length limit".into(),
        ));
    }
    let content = choice.message.content.unwrap_or_default();
    if content.trim().is_empty() {
        return Err(ProviderError::Malformed("the answer is empty".into()));
    }
    if content.len() > MAX_ANSWER_BYTES {
        return Err(ProviderError::Malformed(format!(
            "the model's answer exceeds {} KiB",
            MAX_ANSWER_BYTES / 1024
        )));
    }
    Ok(content)
}

/// A client error with its causes (a refused connection, a TLS failure); never a header.
fn describe(error: &hyper_util::client::legacy::Error) -> ProviderError {
    ProviderError::Unreachable(crate::error::with_causes(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_of_a_completion_and_what_is_refused() {
        let completion = |message: Value, finish: &str| {
            serde_json::to_vec(&json!({"choices": [{"index": 0, "message": message, "finish_reason": finish}]}))
                .unwrap()
        };
        let ok = completion(json!({"role": "assistant", "content": "{\"a\": 1}"}), "stop");
        assert_eq!(content_of(&ok).unwrap(), "{\"a\": 1}");
        for (bytes, why) in [
            (b"not json".to_vec(), "not a chat completion"),
            (serde_json::to_vec(&json!({"choices": []})).unwrap(), "no choice"),
            (completion(json!({"content": null, "refusal": "no"}), "stop"), "refused"),
            (completion(json!({"content": "{\"a\""}), "length"), "cut"),
            (completion(json!({"content": "  "}), "stop"), "empty"),
            (
                completion(json!({"content": "x".repeat(MAX_ANSWER_BYTES + 1)}), "stop"),
                "exceeds 32 KiB",
            ),
        ] {
            let error = content_of(&bytes).unwrap_err();
            assert!(error.to_string().contains(why), "{error}");
            assert!(error.retryable());
        }
    }

    #[test]
    fn which_statuses_are_retryable() {
        for (status, retryable) in [
            (429, true),
            (500, true),
            (503, true),
            (408, true),
            (400, false),
            (401, false),
            (404, false),
        ] {
            assert_eq!(
                ProviderError::Status {
                    status,
                    retry_after: None
                }
                .retryable(),
                retryable,
                "{status}"
            );
        }
        assert!(ProviderError::Timeout(Duration::from_secs(1)).retryable());
    }
}
