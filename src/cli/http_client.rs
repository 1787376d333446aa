//! [`HttpClient`]: a small JSON-over-HTTP/1.1 client for the CLI's tools (the benchmark, the
//! chaos checker, the smoke test) that talk to a running arca-api or to the simulator's `/_sim/`
//! control API.
//!
//! `http://`, and `https://` through OpenSSL (`arca-api smoke` checks real deployments), one
//! connection pool shared by every clone, and a bound on every request so a stuck server fails
//! the tool instead of hanging it. Answers of any status are returned, not turned into errors: the caller decides
//! what a 4xx means. Bodies that are not JSON come back as a JSON string holding the text, so a
//! problem page can still be printed. It never logs headers (they carry API keys).

use std::time::Duration;

use anyhow::{Context, anyhow};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_openssl::client::legacy::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// How long one request may take, from sending to the last byte of the answer, by default. Long
/// enough for `POST /v1/invoices`, which waits up to 10 s for ARCA before answering 202.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A JSON client bound to one base URL (`http://127.0.0.1:3000`). Cloning shares the pool.
#[derive(Clone, Debug)]
pub struct HttpClient {
    base_url: String,
    timeout: Duration,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl HttpClient {
    /// A client for `base_url` (scheme, host and port; a trailing `/` is ignored) with
    /// [`DEFAULT_TIMEOUT`] per request.
    pub fn new(base_url: &str) -> anyhow::Result<HttpClient> {
        let base_url = base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(anyhow!("{base_url}: only http:// and https:// URLs are supported"));
        }
        let mut http = HttpConnector::new();
        // Many small requests on short-lived exchanges: Nagle's delay would show up as latency.
        http.set_nodelay(true);
        // The TLS layer takes https:// URLs; plain http:// passes through it untouched.
        http.enforce_http(false);
        let tls = openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls_client())?;
        let connector = HttpsConnector::with_connector(http, tls)?;
        let client = Client::builder(TokioExecutor::new())
            // A load generator keeps as many connections as it has requests in flight.
            .pool_max_idle_per_host(usize::MAX)
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Ok(HttpClient {
            base_url,
            timeout: DEFAULT_TIMEOUT,
            client,
        })
    }

    /// The same client (and pool) with another per-request bound.
    pub fn with_timeout(mut self, timeout: Duration) -> HttpClient {
        self.timeout = timeout;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `POST {base}{path}` with `body` as JSON: (status, answer as JSON).
    pub async fn post_json(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> anyhow::Result<(u16, Value)> {
        let bytes = serde_json::to_vec(body).context("encoding the request body")?;
        self.send("POST", path, headers, Some(Bytes::from(bytes))).await
    }

    /// `PUT {base}{path}` with `body` as JSON: (status, answer as JSON).
    pub async fn put_json(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> anyhow::Result<(u16, Value)> {
        let bytes = serde_json::to_vec(body).context("encoding the request body")?;
        self.send("PUT", path, headers, Some(Bytes::from(bytes))).await
    }

    /// `GET {base}{path}`: (status, answer as JSON).
    pub async fn get_json(&self, path: &str, headers: &[(&str, &str)]) -> anyhow::Result<(u16, Value)> {
        self.send("GET", path, headers, None).await
    }

    /// `DELETE {base}{path}`: (status, answer as JSON).
    pub async fn delete(&self, path: &str, headers: &[(&str, &str)]) -> anyhow::Result<(u16, Value)> {
        self.send("DELETE", path, headers, None).await
    }

    /// Sends one request and reads the whole answer within the timeout.
    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Bytes>,
    ) -> anyhow::Result<(u16, Value)> {
        let url = format!("{}{path}", self.base_url);
        let mut builder = Request::builder().method(method).uri(&url);
        if body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        builder = builder.header("accept", "application/json");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder
            .body(Full::new(body.unwrap_or_default()))
            .with_context(|| format!("building {method} {url}"))?;
        let exchange = async {
            let response = self.client.request(request).await?;
            let status = response.status().as_u16();
            let bytes = response.into_body().collect().await?.to_bytes();
            Ok::<_, anyhow::Error>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| anyhow!("{method} {url}: no answer within {:?}", self.timeout))?
            .with_context(|| format!("{method} {url}"))?;
        Ok((status, parse_body(&bytes)))
    }
}

/// The answer as JSON; an empty body is `null` and anything else a JSON string of its text.
fn parse_body(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_become_json_whatever_they_are() {
        assert_eq!(parse_body(b""), Value::Null);
        assert_eq!(parse_body(br#"{"a":1}"#), serde_json::json!({"a": 1}));
        assert_eq!(
            parse_body(b"<html>oops</html>"),
            Value::String("<html>oops</html>".into())
        );
    }

    #[test]
    fn only_http_and_https_are_accepted() {
        assert!(HttpClient::new("ftp://example.com").is_err());
        assert!(HttpClient::new("https://example.com").is_ok());
        let client = HttpClient::new("http://127.0.0.1:3000/").unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:3000");
    }

    #[tokio::test]
    async fn a_server_that_is_not_there_is_an_error_not_a_hang() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let client = HttpClient::new(&format!("http://{address}"))
            .unwrap()
            .with_timeout(Duration::from_secs(2));
        assert!(client.get_json("/health", &[]).await.is_err());
    }
}
