//! Webhook signatures checked by code that is not ours: the official Standard Webhooks library
//! (`standardwebhooks` from PyPI) and Python's own `hmac` in `tests/webhooks/receiver.py`; the
//! README's snippets (`docs/examples/webhooks/verify.{py,mjs,rs}`) run by python3 and node (the
//! Rust one compiled in); and `arca-api webhooks listen`, the binary, over HTTP.
//!
//! First on requests built with `arca_service::webhooks::signature::sign`, the function every
//! delivery is signed with, then on real deliveries from a `TestApp` (a ping, a rotation's
//! overlap, an approved invoice's `invoice.approved`: the README's newcomer path), always at the
//! machine's time (the receivers check it is within five minutes, as the Standard Webhooks
//! libraries do).
//!
//! The receiver's virtual environment (`scripts/python-venv.sh webhooks`: `WEBHOOKS_TEST_VENV`, else
//! `<target dir>/webhooks-venv`) is created on first use. If the script fails the tests fail with
//! its output, except when pip cannot reach its index at all (exit 75): then they print why and
//! skip. node must be installed (`.ci/run`'s packages stage installs `nodejs`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use arca_protocol::secret::Secret;
use arca_service::webhooks::signature::{generate_secret, sign};
use arca_test_support::{CUIT_A, TestApp};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

/// The README's Rust snippet, compiled into this test.
#[path = "../../../docs/examples/webhooks/verify.rs"]
mod verify_rs;

const WAIT: Duration = Duration::from_secs(30);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An event body as the service writes them: compact JSON, non-ASCII kept as UTF-8.
fn sample_body(event_type: &str) -> Vec<u8> {
    let body = json!({
        "id": "evt_0123456789abcdef",
        "type": event_type,
        "created_at": "2027-01-15T08:00:00Z",
        "data": {"id": "inv_1", "status": "approved", "receptor": {"razon_social": "Almacén Ñandú"}},
    });
    serde_json::to_vec(&body).unwrap()
}

/// The headers of one delivery: both id and timestamp pairs, both signatures.
fn delivery_headers(secrets: &[&Secret], id: &str, timestamp: i64, body: &[u8]) -> Vec<(String, String)> {
    let signatures = sign(secrets, id, timestamp, body);
    vec![
        ("content-type".into(), "application/json".into()),
        ("x-arca-event".into(), "invoice.approved".into()),
        ("x-arca-delivery-id".into(), id.into()),
        ("x-arca-timestamp".into(), timestamp.to_string()),
        ("x-arca-signature".into(), signatures.arca),
        ("webhook-id".into(), id.into()),
        ("webhook-timestamp".into(), timestamp.to_string()),
        ("webhook-signature".into(), signatures.standard),
    ]
}

/// POSTs `body` with `headers` to `url`; the answer's status.
async fn post(url: &str, headers: &[(String, String)], body: &[u8]) -> u16 {
    let client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut request = hyper::Request::post(url);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request.body(Full::new(Bytes::copy_from_slice(body))).unwrap();
    let response = tokio::time::timeout(WAIT, client.request(request))
        .await
        .expect("the receiver answers in time")
        .expect("the receiver answers");
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    status
}

async fn get(url: &str) -> u16 {
    let client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = hyper::Request::get(url).body(Full::new(Bytes::new())).unwrap();
    client.request(request).await.unwrap().status().as_u16()
}

async fn next_line(lines: &mut Lines<BufReader<ChildStdout>>, what: &str) -> String {
    tokio::time::timeout(WAIT, lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("{what} printed nothing in {WAIT:?}"))
        .unwrap()
        .unwrap_or_else(|| panic!("{what} closed its output"))
}

// --- The Python receiver: the official Standard Webhooks library and Python's hmac. ---------------

/// The receiver's virtual environment (`WEBHOOKS_TEST_VENV`, else `<target dir>/webhooks-venv`),
/// created on first use; `Err(why)` when pip cannot reach its index.
fn ensure_venv() -> Result<PathBuf, String> {
    crate::integration::support::python_venv("webhooks", "WEBHOOKS_TEST_VENV")
}

/// `tests/webhooks/receiver.py`, verifying with `secrets`; `None` (after printing why) when its
/// library cannot be installed because pip is unreachable.
struct PyReceiver {
    url: String,
    lines: Lines<BufReader<ChildStdout>>,
    secrets_file: PathBuf,
    _child: Child,
    _dir: tempfile::TempDir,
}

impl PyReceiver {
    #[allow(clippy::print_stderr)]
    async fn start(secrets: &[&Secret]) -> Option<PyReceiver> {
        let venv = match ensure_venv() {
            Ok(venv) => venv,
            Err(why) => {
                eprintln!("SKIPPED: the Standard Webhooks library cannot be installed, pip is unreachable:\n{why}");
                return None;
            }
        };
        let python = venv.join("bin/python");
        let dir = tempfile::tempdir().unwrap();
        let secrets_file = dir.path().join("secrets");
        write_secrets(&secrets_file, secrets);
        let mut child = tokio::process::Command::new(python)
            .arg(root().join("tests/webhooks/receiver.py"))
            .arg(&secrets_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start tests/webhooks/receiver.py");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = next_line(&mut lines, "receiver.py").await;
        let port: u16 = ready
            .strip_prefix("READY ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("receiver.py did not start: {ready:?}"));
        Some(PyReceiver {
            url: format!("http://127.0.0.1:{port}/hooks"),
            lines,
            secrets_file,
            _child: child,
            _dir: dir,
        })
    }

    /// From the next request on, the receiver verifies with `secrets`.
    fn set_secrets(&self, secrets: &[&Secret]) {
        write_secrets(&self.secrets_file, secrets);
    }

    /// The record of the next request (written before its answer went out).
    async fn next(&mut self) -> Value {
        let line = next_line(&mut self.lines, "receiver.py").await;
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("not a JSON record: {line}"))
    }
}

/// Replaces `path` whole (a request never reads half of it).
fn write_secrets(path: &Path, secrets: &[&Secret]) {
    let text: Vec<&str> = secrets.iter().map(|secret| secret.expose()).collect();
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text.join("\n")).unwrap();
    std::fs::rename(&partial, path).unwrap();
}

#[tokio::test]
async fn the_standard_webhooks_library_and_pythons_hmac_verify_our_signatures() {
    let secret = generate_secret();
    let Some(mut receiver) = PyReceiver::start(&[&secret]).await else {
        return;
    };
    let body = sample_body("invoice.approved");
    let timestamp = now();
    let headers = delivery_headers(&[&secret], "msg_0000000000000001", timestamp, &body);
    assert_eq!(post(&receiver.url, &headers, &body).await, 204);
    let record = receiver.next().await;
    assert_eq!(record["verified"], true, "{record}");
    assert_eq!(record["standard"], json!(["ok"]));
    assert_eq!(record["arca"], json!(["ok"]));
    assert_eq!(record["body"]["data"]["receptor"]["razon_social"], "Almacén Ñandú");
    assert_eq!(record["headers"]["webhook-id"], record["headers"]["x-arca-delivery-id"]);

    // One byte changed in the body: both refuse.
    let mut changed = body.clone();
    let last = changed.len() - 2;
    changed[last] = b'X';
    assert_eq!(post(&receiver.url, &headers, &changed).await, 400);
    let record = receiver.next().await;
    assert_eq!(record["verified"], false);
    assert_eq!(
        record["standard"],
        json!(["WebhookVerificationError: No matching signature found"])
    );
    assert_eq!(record["arca"], json!(["no sha256= value matches"]));

    // Another delivery id under the same signature (a replay under a new id): the library refuses;
    // X-ARCA-Signature does not cover the id, so it still matches.
    let mut replayed = headers.clone();
    for (name, value) in &mut replayed {
        if name == "webhook-id" {
            *value = "msg_0000000000000002".into();
        }
    }
    assert_eq!(post(&receiver.url, &replayed, &body).await, 400);
    let record = receiver.next().await;
    assert_eq!(
        record["standard"],
        json!(["WebhookVerificationError: No matching signature found"])
    );
    assert_eq!(record["arca"], json!(["ok"]));

    // Signed ten minutes ago: the library's five minutes refuse it, and so does our hmac check.
    let stale = delivery_headers(&[&secret], "msg_0000000000000003", timestamp - 600, &body);
    assert_eq!(post(&receiver.url, &stale, &body).await, 400);
    let record = receiver.next().await;
    assert_eq!(
        record["standard"],
        json!(["WebhookVerificationError: Message timestamp too old"])
    );
    assert_eq!(
        record["arca"],
        json!(["X-ARCA-Timestamp is more than five minutes off"])
    );

    // Signed with another endpoint's secret.
    let other = generate_secret();
    let forged = delivery_headers(&[&other], "msg_0000000000000004", timestamp, &body);
    assert_eq!(post(&receiver.url, &forged, &body).await, 400);
    let record = receiver.next().await;
    assert_eq!(record["verified"], false);
    assert_eq!(
        record["standard"],
        json!(["WebhookVerificationError: No matching signature found"])
    );
}

#[tokio::test]
async fn during_a_rotation_the_library_accepts_both_the_old_and_the_new_secret() {
    let (old, new) = (generate_secret(), generate_secret());
    // The receiver checks every check under each secret: both must pass.
    let Some(mut receiver) = PyReceiver::start(&[&old, &new]).await else {
        return;
    };
    let body = sample_body("invoice.approved");
    let headers = delivery_headers(&[&new, &old], "msg_0000000000000010", now(), &body);
    let standard = &headers.iter().find(|(name, _)| name == "webhook-signature").unwrap().1;
    assert_eq!(standard.split(' ').count(), 2, "two v1, entries: {standard}");
    let arca = &headers.iter().find(|(name, _)| name == "x-arca-signature").unwrap().1;
    assert_eq!(arca.matches("sha256=").count(), 2, "two sha256= values: {arca}");
    assert_eq!(post(&receiver.url, &headers, &body).await, 204);
    let record = receiver.next().await;
    assert_eq!(record["standard"], json!(["ok", "ok"]));
    assert_eq!(record["arca"], json!(["ok", "ok"]));
    assert_eq!(record["verified"], true);

    // After the overlap only the new secret signs: the old one no longer verifies.
    let headers = delivery_headers(&[&new], "msg_0000000000000011", now(), &body);
    assert_eq!(post(&receiver.url, &headers, &body).await, 400);
    let record = receiver.next().await;
    assert_eq!(
        record["standard"],
        json!(["WebhookVerificationError: No matching signature found", "ok"])
    );
    assert_eq!(record["arca"], json!(["no sha256= value matches", "ok"]));
}

// --- The README's snippets. ---------------------------------------------------------------------

/// A request to send: its headers.
type Headers = [(String, String)];

/// Runs one snippet file on a sample (`{"headers", "body"}`) with `secret`: (exit 0, its output).
fn run_snippet(
    program: &str,
    file: &str,
    secret: &Secret,
    headers: &[(String, String)],
    body: &[u8],
) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample.json");
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    let body = String::from_utf8(body.to_vec()).unwrap();
    std::fs::write(&sample, json!({"headers": headers, "body": body}).to_string()).unwrap();
    let output = std::process::Command::new(program)
        .arg(root().join("docs/examples/webhooks").join(file))
        .arg(&sample)
        .env("ARCA_WEBHOOK_SECRET", secret.expose())
        .output()
        .unwrap_or_else(|error| {
            panic!("{program} is needed to run docs/examples/webhooks/{file} ({error}); .ci/run installs it")
        });
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), said.trim().to_string())
}

#[test]
fn the_readme_snippets_verify_signed_deliveries_and_refuse_others() {
    let (secret, old) = (generate_secret(), generate_secret());
    let body = sample_body("invoice.approved");
    let timestamp = now();
    let single = delivery_headers(&[&secret], "msg_0000000000000020", timestamp, &body);
    let rotation = delivery_headers(&[&secret, &old], "msg_0000000000000021", timestamp, &body);
    let stale = delivery_headers(&[&secret], "msg_0000000000000022", timestamp - 600, &body);
    let mut changed = body.clone();
    changed.extend_from_slice(b" ");
    let other = generate_secret();

    // (headers, body, secret, verifies)
    let cases: [(&Headers, &[u8], &Secret, bool); 6] = [
        (&single, &body, &secret, true),
        (&rotation, &body, &secret, true),
        (&rotation, &body, &old, true),
        (&single, &changed, &secret, false),
        (&stale, &body, &secret, false),
        (&single, &body, &other, false),
    ];
    for (index, (headers, body, key, verifies)) in cases.iter().enumerate() {
        for (program, file) in [("python3", "verify.py"), ("node", "verify.mjs")] {
            let (ok, said) = run_snippet(program, file, key, headers, body);
            assert_eq!(ok, *verifies, "case {index}: {file} said {said:?}");
            assert_eq!(
                said,
                if *verifies { "verified" } else { "refused" },
                "case {index}: {file}"
            );
        }
        let header = |name: &str| headers.iter().find(|(n, _)| n == name).unwrap().1.as_str();
        assert_eq!(
            verify_rs::verify(
                key.expose(),
                header("x-arca-timestamp"),
                header("x-arca-signature"),
                body,
                now()
            ),
            *verifies,
            "case {index}: verify.rs"
        );
    }
    // The Rust snippet's tolerance is the five minutes the others use.
    assert_eq!(verify_rs::TOLERANCE_SECONDS, 300);
    assert!(!verify_rs::verify(secret.expose(), "12x", "sha256=00", &body, now()));
}

/// Each snippet the README's "Verifying signatures" shows is in the file it names, word for word
/// (paragraph by paragraph).
#[test]
fn the_readme_shows_the_tested_snippets() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("### Verifying signatures")
        .nth(1)
        .expect("README has a \"Verifying signatures\" subsection");
    let section = section.split("\n## ").next().unwrap();
    let mut checked = 0;
    for (fence, file) in [
        ("```python\n", "verify.py"),
        ("```js\n", "verify.mjs"),
        ("```rust\n", "verify.rs"),
    ] {
        let source = std::fs::read_to_string(root().join("docs/examples/webhooks").join(file)).unwrap();
        for block in section.split(fence).skip(1) {
            let code = block.split("```").next().unwrap();
            if code.contains("def verify(") || code.contains("function verify(") || code.contains("fn verify(") {
                // Each paragraph of the snippet (the file has its test harness in between).
                for paragraph in code.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
                    assert!(
                        source.contains(paragraph),
                        "README's {file} snippet is not in docs/examples/webhooks/{file}:\n{paragraph}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3, "one snippet each for Python, Node and Rust");
}

// --- `arca-api webhooks listen`. ----------------------------------------------------------------

/// The binary's `webhooks listen --port 0` (plus `args`), with `secret` in `ARCA_WEBHOOK_SECRET`:
/// (its URL, its output lines, the child).
async fn listen(secret: Option<&Secret>, args: &[&str]) -> (String, Lines<BufReader<ChildStdout>>, Child) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_arca-api"));
    command
        .args(["webhooks", "listen", "--port", "0"])
        .args(args)
        .env_remove("ARCA_WEBHOOK_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if let Some(secret) = secret {
        command.env("ARCA_WEBHOOK_SECRET", secret.expose());
    }
    let mut child = command.spawn().expect("run arca-api webhooks listen");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner = next_line(&mut lines, "webhooks listen").await;
    let address = banner
        .strip_prefix("listening on http://")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no address in {banner:?}"));
    assert!(address.starts_with("127.0.0.1:"), "{banner}");
    if secret.is_some() {
        assert!(banner.contains("verifying signatures"), "{banner}");
    } else {
        assert!(banner.contains("unverified"), "{banner}");
    }
    (format!("http://{address}/webhooks"), lines, child)
}

#[tokio::test]
async fn webhooks_listen_verifies_prints_and_refuses() {
    let secret = generate_secret();
    let (url, mut lines, _child) = listen(Some(&secret), &["--json"]).await;
    let body = sample_body("invoice.approved");
    let id = "msg_0000000000000030";
    let headers = delivery_headers(&[&secret], id, now(), &body);
    assert_eq!(post(&url, &headers, &body).await, 204);
    assert_eq!(
        next_line(&mut lines, "listen").await,
        format!("invoice.approved delivery={id} event=evt_0123456789abcdef verified")
    );
    let printed: Value = serde_json::from_str(&next_line(&mut lines, "listen").await).unwrap();
    assert_eq!(printed, serde_json::from_slice::<Value>(&body).unwrap());

    // During a rotation, the old secret verifies the two-signature headers.
    let new = generate_secret();
    let headers = delivery_headers(&[&new, &secret], "msg_0000000000000031", now(), &body);
    assert_eq!(post(&url, &headers, &body).await, 204);
    assert!(next_line(&mut lines, "listen").await.ends_with(" verified"));
    next_line(&mut lines, "listen").await;

    // Each refusal: its status and its line's reason.
    let other = generate_secret();
    let forged = delivery_headers(&[&other], "msg_0000000000000032", now(), &body);
    let stale = delivery_headers(&[&secret], "msg_0000000000000033", now() - 600, &body);
    let mut changed = body.clone();
    changed.push(b' ');
    let without_arca: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| name != "x-arca-signature")
        .cloned()
        .collect();
    let cases: [(&Headers, &[u8], u16, &str); 4] = [
        (&forged, &body, 401, "refused 401: neither signature matches the secret"),
        (&stale, &body, 401, "refused 401: the timestamp is"),
        (
            &headers,
            &changed,
            401,
            "refused 401: neither signature matches the secret",
        ),
        (
            &without_arca,
            &body,
            400,
            "refused 400: the x-arca-signature header is missing",
        ),
    ];
    for (headers, body, status, reason) in cases {
        assert_eq!(post(&url, headers, body).await, status, "{reason}");
        let line = next_line(&mut lines, "listen").await;
        assert!(line.starts_with("invoice.approved delivery=msg_"), "{line}");
        assert!(line.contains(reason), "{line} lacks {reason}");
        next_line(&mut lines, "listen").await; // the body
    }
    assert_eq!(get(&url).await, 405);
    let line = next_line(&mut lines, "listen").await;
    assert!(
        line.ends_with("refused 405: GET is not a delivery (deliveries are POSTs)"),
        "{line}"
    );
}

#[tokio::test]
async fn webhooks_listen_without_a_secret_prints_events_as_unverified() {
    let (url, mut lines, _child) = listen(None, &[]).await;
    let body = sample_body("ping");
    let headers = delivery_headers(&[&generate_secret()], "msg_0000000000000040", now(), &body);
    assert_eq!(post(&url, &headers, &body).await, 204);
    assert_eq!(
        next_line(&mut lines, "listen").await,
        "ping delivery=msg_0000000000000040 event=evt_0123456789abcdef unverified (no --secret)"
    );
}

#[tokio::test]
async fn webhooks_listen_refuses_a_malformed_secret_without_echoing_it() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_arca-api"))
        .args(["webhooks", "listen", "--port", "0", "--secret", "hunter2-not-a-secret"])
        .env_remove("ARCA_WEBHOOK_SECRET")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(said.contains("whsec_ followed by base64"), "{said}");
    assert!(!said.contains("hunter2"), "{said}");
}

// --- Real deliveries: the service's own HTTP delivery, to the same receivers. --------------------

/// An app whose dispatcher the test drives (`run_once`), on the machine's clock (the receivers
/// check the timestamp against it), in simulator mode (loopback `http://` URLs allowed).
async fn driven_app() -> TestApp {
    TestApp::builder().without_dispatcher().start().await
}

/// Subscribes `url` to `events`: (the subscription's id, its secret).
async fn subscribe(app: &TestApp, key: &str, url: &str, events: Value) -> (String, Secret) {
    let created = app
        .post_json("/v1/webhooks", key, &json!({"url": url, "events": events}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json();
    let secret = created["secret"].as_str().unwrap().to_string();
    (created["id"].as_str().unwrap().to_string(), Secret::new(secret))
}

/// Queues a `ping` to subscription `id` and runs one dispatcher pass: the delivery id.
async fn ping_and_deliver(app: &TestApp, key: &str, id: &str) -> String {
    let response = app.post_json(&format!("/v1/webhooks/{id}/test"), key, &json!({})).await;
    assert_eq!(response.status, 202, "{}", response.text());
    let delivery_id = response.json()["delivery_id"].as_str().unwrap().to_string();
    app.state.dispatcher.run_once().await.expect("a dispatcher pass");
    delivery_id
}

/// Issues the sample invoice (approved at once by the in-process simulator), checks that its
/// `invoice.approved` delivery is queued (the event is written in the approval's transaction, so
/// by the 201 it is in the subscription's log) and runs one dispatcher pass; the invoice.
async fn approve_invoice_and_deliver(app: &TestApp, key: &str, subscription: &str) -> Value {
    let created = app
        .post_json("/v1/invoices", key, &arca_test_support::samples::invoice_request(1))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let invoice = created.json();
    assert_eq!(invoice["status"], "approved", "{invoice}");
    let log = app.get(&format!("/v1/webhooks/{subscription}/deliveries"), key).await;
    assert_eq!(log.status, 200, "{}", log.text());
    let queued = log.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|delivery| delivery["type"] == "invoice.approved");
    assert!(
        queued,
        "the approval queued no invoice.approved delivery: {}",
        log.text()
    );
    app.state.dispatcher.run_once().await.expect("a dispatcher pass");
    invoice
}

#[tokio::test]
async fn real_deliveries_verify_with_the_official_library_also_across_a_rotation() {
    let Some(mut receiver) = PyReceiver::start(&[]).await else {
        return;
    };
    let app = driven_app().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let (id, secret) = subscribe(&app, &key, &receiver.url, json!(["invoice.approved"])).await;
    receiver.set_secrets(&[&secret]);

    let delivery_id = ping_and_deliver(&app, &key, &id).await;
    let record = receiver.next().await;
    assert_eq!(record["verified"], true, "{record}");
    assert_eq!(record["standard"], json!(["ok"]));
    assert_eq!(record["arca"], json!(["ok"]));
    assert_eq!(record["headers"]["webhook-id"], delivery_id.as_str());
    assert_eq!(record["headers"]["x-arca-delivery-id"], delivery_id.as_str());
    assert_eq!(record["headers"]["x-arca-event"], "ping");
    assert_eq!(record["body"]["type"], "ping");
    assert_eq!(record["body"]["data"]["webhook_id"], id.as_str());

    // A rotation: both secrets sign for 24 hours, and the library accepts either.
    let rotated = app
        .post_json(&format!("/v1/webhooks/{id}/rotate-secret"), &key, &json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text());
    let new = Secret::new(rotated.json()["secret"].as_str().unwrap());
    receiver.set_secrets(&[&secret, &new]);
    ping_and_deliver(&app, &key, &id).await;
    let record = receiver.next().await;
    assert_eq!(record["standard"], json!(["ok", "ok"]), "{record}");
    assert_eq!(record["arca"], json!(["ok", "ok"]), "{record}");
    let signatures = record["headers"]["webhook-signature"].as_str().unwrap();
    assert_eq!(signatures.split(' ').count(), 2, "{signatures}");

    // An invoice approved: its invoice.approved arrives signed, with the invoice in `data`.
    receiver.set_secrets(&[&new]);
    let invoice = approve_invoice_and_deliver(&app, &key, &id).await;
    let record = receiver.next().await;
    assert_eq!(record["verified"], true, "{record}");
    assert_eq!(record["body"]["type"], "invoice.approved");
    assert_eq!(record["headers"]["x-arca-event"], "invoice.approved");
    assert_eq!(record["body"]["data"]["id"], invoice["id"]);
    assert_eq!(record["body"]["data"]["cae"], invoice["cae"]);
}

/// The README's "Try webhooks locally", with the service in process: subscribe, start
/// `arca-api webhooks listen` with the secret the answer showed, point the subscription at it,
/// ping, issue an invoice, and see each arrive verified.
#[tokio::test]
async fn the_newcomer_path_webhooks_listen_shows_a_signed_invoice_approved() {
    let app = driven_app().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    // The secret comes with the subscription, the listener's port after it starts: subscribe
    // first (nothing is delivered yet), then point the subscription at the listener.
    let (id, secret) = subscribe(&app, &key, "http://127.0.0.1:9/hooks", json!(["invoice.approved"])).await;
    let (url, mut lines, _child) = listen(Some(&secret), &[]).await;
    let patched = app
        .patch_json(&format!("/v1/webhooks/{id}"), &key, &json!({"url": url}))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());

    let delivery_id = ping_and_deliver(&app, &key, &id).await;
    let line = next_line(&mut lines, "listen").await;
    assert!(
        line.starts_with(&format!("ping delivery={delivery_id} event=evt_")) && line.ends_with(" verified"),
        "{line}"
    );

    approve_invoice_and_deliver(&app, &key, &id).await;
    let line = next_line(&mut lines, "listen").await;
    assert!(
        line.starts_with("invoice.approved delivery=msg_") && line.ends_with(" verified"),
        "{line}"
    );
    let log = app.get(&format!("/v1/webhooks/{id}/deliveries"), &key).await.json();
    let approved = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|delivery| delivery["type"] == "invoice.approved")
        .unwrap()
        .clone();
    assert_eq!(approved["status"], "delivered", "{approved}");
    assert_eq!(approved["attempts"][0]["http_status"], 204, "{approved}");
}
