//! `arca-api webhooks listen`: a local webhook receiver for development. It answers every
//! request on every path, checks a delivery's two signatures with the endpoint's secret
//! (`X-ARCA-Signature` and Standard Webhooks' `webhook-signature`, through
//! `arca_service::webhooks::signature`) and its timestamp (at most five minutes off, as the
//! Standard Webhooks libraries allow), and prints one line per request: the event's type, the
//! delivery id, the event id, and `verified` or why not; with `--json`, the body on the next line.
//! It answers 204 to a valid delivery, 400 to a request that is not one (a header missing or
//! malformed), 401 to a bad signature or a stale timestamp, 405 to anything but POST and 413 to a
//! body over 1 MiB. Without `--secret` it checks nothing, prints each event as unverified and
//! answers 204.
//!
//! It never prints, logs or answers the secret, never stores or forwards what it receives, and
//! listens on 127.0.0.1 unless `--host` says otherwise.

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use anyhow::Context as _;
use arca_protocol::secret::Secret;
use arca_service::webhooks::signature::{self, SECRET_PREFIX};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

/// How far a delivery's timestamp may be from this machine's clock, either way, in seconds:
/// the Standard Webhooks libraries' five minutes.
pub const TOLERANCE_SECONDS: i64 = 300;

/// The largest body read: an event body's limit (`webhook_events.body`).
pub const MAX_BODY_BYTES: usize = arca_service::webhooks::events::MAX_BODY_BYTES;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// A local receiver for development: verifies each delivery's signatures and prints it.
    Listen(ListenArgs),
}

#[derive(Debug, clap::Args)]
pub struct ListenArgs {
    /// The port to listen on (0: any free one; the first line printed names it).
    #[arg(long)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// The endpoint's secret (`whsec_…`, shown when the webhook was created or its secret
    /// rotated). Without it, events are printed unverified.
    #[arg(long, env = "ARCA_WEBHOOK_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Also print each request's body (one line of JSON) after its line.
    #[arg(long)]
    json: bool,
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    let Command::Listen(args) = command;
    let secret = args.secret.map(parse_secret).transpose()?;
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    let address = listener.local_addr()?;
    let mode = if secret.is_some() {
        "verifying signatures with the secret given"
    } else {
        "no --secret: events are printed unverified"
    };
    println!("listening on http://{address} (any path); {mode}; Ctrl-C stops");
    let listener_state = Arc::new(Listener {
        secret,
        json: args.json,
    });
    let shutdown = super::shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // A connection that failed before it was accepted: the next one may not.
                Err(_) => continue,
            },
        };
        let state = listener_state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let state = state.clone();
                async move { Ok::<_, std::convert::Infallible>(state.handle(request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// `whsec_` and base64 (what the service shows), or an error that does not repeat it.
fn parse_secret(secret: String) -> anyhow::Result<Secret> {
    let decodes = secret
        .strip_prefix(SECRET_PREFIX)
        .and_then(|encoded| base64::engine::general_purpose::STANDARD.decode(encoded).ok())
        .is_some_and(|bytes| !bytes.is_empty());
    anyhow::ensure!(
        decodes,
        "--secret must be the endpoint's secret as the service showed it: {SECRET_PREFIX} followed by base64"
    );
    Ok(Secret::new(secret))
}

struct Listener {
    secret: Option<Secret>,
    json: bool,
}

impl Listener {
    async fn handle(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let now = chrono::Utc::now().timestamp();
        let (verdict, body) = if parts.method == Method::POST {
            match Limited::new(body, MAX_BODY_BYTES).collect().await {
                Ok(collected) => {
                    let body = collected.to_bytes();
                    (check(self.secret.as_ref(), &parts.headers, &body, now), body)
                }
                Err(_) => (
                    Verdict::Refused(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("the body is over {MAX_BODY_BYTES} bytes, or was cut off"),
                    ),
                    Bytes::new(),
                ),
            }
        } else {
            let reason = format!("{} is not a delivery (deliveries are POSTs)", parts.method);
            (Verdict::Refused(StatusCode::METHOD_NOT_ALLOWED, reason), Bytes::new())
        };
        let line = describe(&parts.headers, &body, &verdict);
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            if self.json && !body.is_empty() {
                let _ = writeln!(out, "{}", one_line(&body));
            }
            let _ = out.flush();
        }
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = verdict.status();
        if let Verdict::Refused(_, reason) = &verdict {
            *response.body_mut() = Full::new(Bytes::from(format!("{reason}\n")));
        }
        response
    }
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Both signatures verify under the secret and the timestamp is fresh.
    Verified,
    /// No secret to check with.
    Unverified,
    /// Refused with this status, for this reason.
    Refused(StatusCode, String),
}

impl Verdict {
    fn status(&self) -> StatusCode {
        match self {
            Verdict::Verified | Verdict::Unverified => StatusCode::NO_CONTENT,
            Verdict::Refused(status, _) => *status,
        }
    }
}

/// The headers a delivery carries, in the pairs that must agree.
const ID_HEADERS: (&str, &str) = ("webhook-id", "x-arca-delivery-id");
const TIMESTAMP_HEADERS: (&str, &str) = ("webhook-timestamp", "x-arca-timestamp");
const STANDARD_SIGNATURE: &str = "webhook-signature";
const ARCA_SIGNATURE: &str = "x-arca-signature";

/// Checks one POST's headers and body against `secret` at `now` (unix seconds).
pub fn check(secret: Option<&Secret>, headers: &HeaderMap, body: &[u8], now: i64) -> Verdict {
    let Some(secret) = secret else {
        return Verdict::Unverified;
    };
    let refuse = |reason: String| Verdict::Refused(StatusCode::BAD_REQUEST, reason);
    let header = |name: &str| -> Result<&str, Verdict> {
        match headers.get(name) {
            None => Err(refuse(format!("the {name} header is missing"))),
            Some(value) => value
                .to_str()
                .map_err(|_| refuse(format!("the {name} header is not ASCII"))),
        }
    };
    let fields = (|| -> Result<_, Verdict> {
        let id = header(ID_HEADERS.0)?;
        if header(ID_HEADERS.1)? != id {
            return Err(refuse("webhook-id and X-ARCA-Delivery-ID differ".into()));
        }
        let timestamp = header(TIMESTAMP_HEADERS.0)?;
        if header(TIMESTAMP_HEADERS.1)? != timestamp {
            return Err(refuse("webhook-timestamp and X-ARCA-Timestamp differ".into()));
        }
        let timestamp: i64 = timestamp
            .parse()
            .map_err(|_| refuse("webhook-timestamp is not a number of seconds".into()))?;
        Ok((id, timestamp, header(STANDARD_SIGNATURE)?, header(ARCA_SIGNATURE)?))
    })();
    let (id, timestamp, standard, arca) = match fields {
        Ok(fields) => fields,
        Err(verdict) => return verdict,
    };
    let unauthorized = |reason: String| Verdict::Refused(StatusCode::UNAUTHORIZED, reason);
    let age = now.saturating_sub(timestamp);
    if age > TOLERANCE_SECONDS {
        return unauthorized(format!(
            "the timestamp is {age} s old (more than {TOLERANCE_SECONDS} s: a replay, or a clock off)"
        ));
    }
    if age < -TOLERANCE_SECONDS {
        return unauthorized(format!(
            "the timestamp is {} s ahead (more than {TOLERANCE_SECONDS} s: a clock off)",
            -age
        ));
    }
    let standard_ok = signature::verify_standard(secret.expose(), id, timestamp, body, standard);
    let arca_ok = signature::verify_arca(secret.expose(), timestamp, body, arca);
    match (standard_ok, arca_ok) {
        (true, true) => Verdict::Verified,
        (false, true) => unauthorized("webhook-signature does not match the secret".into()),
        (true, false) => unauthorized("X-ARCA-Signature does not match the secret".into()),
        (false, false) => unauthorized("neither signature matches the secret".into()),
    }
}

/// One line: the event's type, the delivery id, the event id, the verdict.
pub fn describe(headers: &HeaderMap, body: &[u8], verdict: &Verdict) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let from_body = |field: &str| {
        parsed
            .as_ref()
            .and_then(|value| value.get(field))
            .and_then(serde_json::Value::as_str)
            .map(printable)
    };
    let from_header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(printable);
    let event_type = from_body("type")
        .or_else(|| from_header("x-arca-event"))
        .unwrap_or_else(|| "-".into());
    let delivery = from_header(ID_HEADERS.0)
        .or_else(|| from_header(ID_HEADERS.1))
        .unwrap_or_else(|| "-".into());
    let event = from_body("id").unwrap_or_else(|| "-".into());
    let verdict = match verdict {
        Verdict::Verified => "verified".to_string(),
        Verdict::Unverified => "unverified (no --secret)".to_string(),
        Verdict::Refused(status, reason) => format!("refused {}: {reason}", status.as_u16()),
    };
    format!("{event_type} delivery={delivery} event={event} {verdict}")
}

/// At most 100 characters of `value`, with no control characters or spaces (so a line stays
/// one line with fields separated by spaces, whatever a request carries).
fn printable(value: &str) -> String {
    value
        .chars()
        .take(100)
        .map(|c| if c.is_control() || c.is_whitespace() { '?' } else { c })
        .collect()
}

/// The body as one line: compact JSON when it is JSON, else its text with line breaks escaped.
fn one_line(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => value.to_string(),
        Err(_) => String::from_utf8_lossy(body).replace('\r', "\\r").replace('\n', "\\n"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use arca_service::webhooks::signature::{generate_secret, sign};

    const NOW: i64 = 1_800_000_000;
    const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.approved","created_at":"2027-01-15T08:00:00Z","data":{}}"#;

    fn delivery(secrets: &[&Secret], id: &str, timestamp: i64, body: &[u8]) -> HeaderMap {
        let signatures = sign(secrets, id, timestamp, body);
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("webhook-id", id.to_string()),
            ("x-arca-delivery-id", id.to_string()),
            ("webhook-timestamp", timestamp.to_string()),
            ("x-arca-timestamp", timestamp.to_string()),
            ("webhook-signature", signatures.standard),
            ("x-arca-signature", signatures.arca),
            ("x-arca-event", "invoice.approved".to_string()),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        headers
    }

    fn status(verdict: &Verdict) -> u16 {
        verdict.status().as_u16()
    }

    #[test]
    fn a_signed_fresh_delivery_verifies_and_is_described_on_one_line() {
        let secret = generate_secret();
        let headers = delivery(&[&secret], "msg_1", NOW - 10, BODY);
        let verdict = check(Some(&secret), &headers, BODY, NOW);
        assert_eq!(verdict, Verdict::Verified);
        assert_eq!(status(&verdict), 204);
        assert_eq!(
            describe(&headers, BODY, &verdict),
            "invoice.approved delivery=msg_1 event=evt_1 verified"
        );
    }

    #[test]
    fn during_a_rotation_either_secret_verifies_both_signatures() {
        let (old, new) = (generate_secret(), generate_secret());
        let headers = delivery(&[&new, &old], "msg_1", NOW, BODY);
        assert_eq!(check(Some(&old), &headers, BODY, NOW), Verdict::Verified);
        assert_eq!(check(Some(&new), &headers, BODY, NOW), Verdict::Verified);
    }

    #[test]
    fn a_wrong_secret_a_changed_body_or_a_stale_timestamp_is_401() {
        let secret = generate_secret();
        let headers = delivery(&[&secret], "msg_1", NOW, BODY);
        let other = generate_secret();
        let verdict = check(Some(&other), &headers, BODY, NOW);
        assert_eq!(status(&verdict), 401);
        assert!(describe(&headers, BODY, &verdict).ends_with("refused 401: neither signature matches the secret"));
        let changed = br#"{"id":"evt_1","type":"invoice.approved","data":{"total":"1"}}"#;
        assert_eq!(status(&check(Some(&secret), &headers, changed, NOW)), 401);
        let verdict = check(Some(&secret), &headers, BODY, NOW + TOLERANCE_SECONDS + 1);
        assert!(matches!(&verdict, Verdict::Refused(s, reason) if s.as_u16() == 401 && reason.contains("301 s old")));
        let verdict = check(Some(&secret), &headers, BODY, NOW - TOLERANCE_SECONDS - 1);
        assert!(matches!(&verdict, Verdict::Refused(s, reason) if s.as_u16() == 401 && reason.contains("ahead")));
        // Exactly at the tolerance still verifies.
        assert_eq!(
            check(Some(&secret), &headers, BODY, NOW + TOLERANCE_SECONDS),
            Verdict::Verified
        );
    }

    #[test]
    fn one_signature_alone_is_not_enough() {
        let secret = generate_secret();
        let mut headers = delivery(&[&secret], "msg_1", NOW, BODY);
        let forged = delivery(&[&generate_secret()], "msg_1", NOW, BODY);
        headers.insert("x-arca-signature", forged["x-arca-signature"].clone());
        let verdict = check(Some(&secret), &headers, BODY, NOW);
        assert_eq!(
            verdict,
            Verdict::Refused(
                StatusCode::UNAUTHORIZED,
                "X-ARCA-Signature does not match the secret".into()
            )
        );
    }

    #[test]
    fn missing_or_inconsistent_headers_are_400() {
        let secret = generate_secret();
        let full = delivery(&[&secret], "msg_1", NOW, BODY);
        for name in [
            "webhook-id",
            "x-arca-delivery-id",
            "webhook-timestamp",
            "x-arca-timestamp",
            "webhook-signature",
            "x-arca-signature",
        ] {
            let mut headers = full.clone();
            headers.remove(name);
            let verdict = check(Some(&secret), &headers, BODY, NOW);
            assert_eq!(
                verdict,
                Verdict::Refused(StatusCode::BAD_REQUEST, format!("the {name} header is missing"))
            );
        }
        let mut headers = full.clone();
        headers.insert("x-arca-delivery-id", "msg_2".parse().unwrap());
        assert_eq!(status(&check(Some(&secret), &headers, BODY, NOW)), 400);
        let mut headers = full.clone();
        headers.insert("webhook-timestamp", "soon".parse().unwrap());
        headers.insert("x-arca-timestamp", "soon".parse().unwrap());
        assert_eq!(status(&check(Some(&secret), &headers, BODY, NOW)), 400);
    }

    #[test]
    fn without_a_secret_everything_is_printed_unverified() {
        let verdict = check(None, &HeaderMap::new(), b"not json", NOW);
        assert_eq!(verdict, Verdict::Unverified);
        assert_eq!(status(&verdict), 204);
        assert_eq!(
            describe(&HeaderMap::new(), b"not json", &verdict),
            "- delivery=- event=- unverified (no --secret)"
        );
    }

    #[test]
    fn hostile_values_stay_on_one_line() {
        let body = br#"{"id":"evt 1\nsecond line","type":"x\ty"}"#;
        let line = describe(&HeaderMap::new(), body, &Verdict::Unverified);
        assert_eq!(line, "x?y delivery=- event=evt?1?second?line unverified (no --secret)");
        assert_eq!(one_line(b"a\nb"), "a\\nb");
        assert_eq!(one_line(b"{\n \"a\": 1\n}"), r#"{"a":1}"#);
    }

    #[test]
    fn secrets_must_be_whsec_and_base64_and_are_never_echoed() {
        assert!(parse_secret(generate_secret().expose().to_string()).is_ok());
        for bad in ["", "whsec_", "whsec_!!!", "sk_live_abc", "c2VjcmV0"] {
            let error = parse_secret(bad.to_string()).unwrap_err().to_string();
            assert!(error.contains("whsec_ followed by base64"), "{error}");
            assert!(bad.is_empty() || bad == "whsec_" || !error.contains(bad), "{error}");
        }
    }
}
