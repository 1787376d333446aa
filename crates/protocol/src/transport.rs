//! Outbound HTTP(S) to ARCA over OpenSSL.
//!
//! ARCA's production WSFEv1 still negotiates 1024-bit Diffie-Hellman, which OpenSSL's default
//! security level refuses (`dh key too small`, docs/arca.md §A.4). The lowered level
//! (`DEFAULT:@SECLEVEL=1`) is applied only to the hosts listed as legacy, through a second
//! client; every other host keeps the default.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper_openssl::client::legacy::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use openssl::ssl::{SslConnector, SslMethod};

use crate::Error;

type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// How long to wait, per call.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP connect (and TLS handshake) bound; failing here means *not sent*.
    pub connect: Duration,
    /// The whole exchange; failing after the connection is up means *outcome unknown*.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            total: Duration::from_secs(10),
        }
    }
}

/// A response as the SOAP layer needs it.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// One finished ARCA call, as an [`Observer`] sees it: no bodies, no credentials.
#[derive(Debug, Clone)]
pub struct CallRecord<'a> {
    /// The SOAP operation (the `SOAPAction`'s last segment: `FEDummy`, `LoginCms`, …).
    pub operation: &'a str,
    pub elapsed: Duration,
    /// `None` when an HTTP answer below 500 came back; otherwise why the call failed:
    /// `not_sent`, `outcome_unknown` or `http_5xx`.
    pub failure: Option<&'static str>,
}

/// Called after every call (for metrics): the library knows nothing of how it is exported.
pub type Observer = Arc<dyn Fn(&CallRecord<'_>) + Send + Sync>;

/// The HTTP client used for every ARCA call. Cheap to clone (connection pools are shared).
#[derive(Clone)]
pub struct HttpTransport {
    default: HttpsClient,
    legacy: HttpsClient,
    legacy_hosts: HashSet<String>,
    timeouts: Timeouts,
    observer: Option<Observer>,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTransport")
            .field("legacy_hosts", &self.legacy_hosts)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl HttpTransport {
    /// A transport whose lowered TLS security level applies only to `legacy_hosts`.
    pub fn new(timeouts: Timeouts, legacy_hosts: impl IntoIterator<Item = String>) -> Result<HttpTransport, Error> {
        HttpTransport::with_trusted_certificate(timeouts, legacy_hosts, None)
    }

    /// Like [`HttpTransport::new`], additionally trusting `certificate_pem` as a root: for a
    /// private CA in front of a mirror, and for tests against local TLS servers.
    pub fn with_trusted_certificate(
        timeouts: Timeouts,
        legacy_hosts: impl IntoIterator<Item = String>,
        certificate_pem: Option<&[u8]>,
    ) -> Result<HttpTransport, Error> {
        let root = certificate_pem
            .map(openssl::x509::X509::from_pem)
            .transpose()
            .map_err(|_| Error::Credentials("the trusted certificate is not PEM X.509".into()))?;
        Ok(HttpTransport {
            default: build_client(timeouts, false, root.as_ref())?,
            legacy: build_client(timeouts, true, root.as_ref())?,
            legacy_hosts: legacy_hosts.into_iter().map(|h| h.to_ascii_lowercase()).collect(),
            timeouts,
            observer: None,
        })
    }

    /// The same transport, reporting every call to `observer`.
    pub fn with_observer(mut self, observer: Observer) -> HttpTransport {
        self.observer = Some(observer);
        self
    }

    /// `POST`s a SOAP 1.1 `envelope` to `url` with `SOAPAction: action` (quoted by the caller,
    /// as each service spells it) and returns the HTTP status and the body, for the service's
    /// own interpretation (its faults, its errors).
    pub async fn post_soap(&self, url: &str, action: &str, envelope: String) -> Result<(u16, String), Error> {
        let headers = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", action)];
        let response = self.post(url, &headers, envelope).await?;
        Ok((response.status.as_u16(), response.body))
    }

    /// POSTs `body` and reads the whole answer, whatever its status; reports the call to the
    /// observer, if any, under the operation named by the `SOAPAction` header's last segment.
    pub async fn post(&self, url: &str, headers: &[(&str, &str)], body: String) -> Result<HttpResponse, Error> {
        let action = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("soapaction"))
            .map_or("", |(_, value)| value.trim_matches('"'));
        let operation = action.rsplit(['/', ':']).next().unwrap_or(action);
        self.post_operation(operation, url, headers, body).await
    }

    /// Like [`HttpTransport::post`], reporting the call under `operation`: for services whose
    /// `SOAPAction` is empty (the padrón's is `""`), the operation is not in the headers.
    pub async fn post_operation(
        &self,
        operation: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Result<HttpResponse, Error> {
        let started = Instant::now();
        let result = self.exchange(url, headers, body).await;
        if let Some(observer) = &self.observer {
            let failure = match &result {
                Ok(response) if response.status.is_server_error() => Some("http_5xx"),
                Ok(_) => None,
                Err(Error::NotSent(_)) => Some("not_sent"),
                Err(_) => Some("outcome_unknown"),
            };
            observer(&CallRecord {
                operation,
                elapsed: started.elapsed(),
                failure,
            });
        }
        result
    }

    async fn exchange(&self, url: &str, headers: &[(&str, &str)], body: String) -> Result<HttpResponse, Error> {
        let uri: Uri = url
            .parse()
            .map_err(|e| Error::NotSent(format!("invalid URL {url}: {e}")))?;
        let host = uri.host().unwrap_or_default().to_ascii_lowercase();
        let client = if self.legacy_hosts.contains(&host) {
            &self.legacy
        } else {
            &self.default
        };
        let mut request = Request::post(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Error::NotSent(format!("invalid request: {e}")))?;

        let exchange = async {
            let response = client.request(request).await.map_err(|e| {
                // A connect error (refused, DNS, TLS handshake) happens before a byte of the
                // request is written; anything later may have reached ARCA.
                if e.is_connect() {
                    Error::NotSent(describe(&e))
                } else {
                    Error::OutcomeUnknown(describe(&e))
                }
            })?;
            let (parts, body) = response.into_parts();
            let bytes = body
                .collect()
                .await
                .map_err(|e| Error::OutcomeUnknown(format!("response body cut: {e}")))?
                .to_bytes();
            Ok(HttpResponse {
                status: parts.status,
                headers: parts.headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            })
        };
        tokio::time::timeout(self.timeouts.total, exchange)
            .await
            .map_err(|_| Error::OutcomeUnknown(format!("no answer within {:?}", self.timeouts.total)))?
    }
}

fn build_client(timeouts: Timeouts, legacy: bool, root: Option<&openssl::x509::X509>) -> Result<HttpsClient, Error> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(timeouts.connect));
    let mut tls = SslConnector::builder(SslMethod::tls_client())?;
    if let Some(root) = root {
        tls.cert_store_mut().add_cert(root.clone())?;
    }
    if legacy {
        // Accepts the 1024-bit DH group of ARCA's production WSFEv1 (§A.4); only for listed hosts.
        tls.set_cipher_list("DEFAULT:@SECLEVEL=1")?;
    }
    let https = HttpsConnector::with_connector(http, tls)?;
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

fn describe(error: &hyper_util::client::legacy::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
