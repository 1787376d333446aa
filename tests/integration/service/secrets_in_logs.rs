//! No secret reaches a log line or an answer while a whole invoice flow runs at debug level:
//! API keys, the admin token, WSAA tokens and signs, private keys, PKCS#12 passphrases, the
//! encryption key, the key-hash pepper and webhook secrets (through creation, deliveries and
//! rotation).

use std::sync::{Arc, Mutex};

use base64::Engine;
use openssl::pkcs12::Pkcs12;
use serde_json::{Value, json};
use tracing_subscriber::EnvFilter;

use super::operations::factura_b;
use arca_test_support::{ADMIN_TOKEN, CUIT_A, CUIT_B, TestApp, TestResponse};

/// A log sink the test reads back.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The strings that must never appear, with what they are; each long secret also by a prefix
/// (a truncated secret is still a leak).
fn secret_needles(secrets: &[(&str, String)]) -> Vec<(String, String)> {
    let mut needles = Vec::new();
    for (what, secret) in secrets {
        assert!(secret.len() >= 12, "{what} is too short to search for");
        needles.push((what.to_string(), secret.clone()));
        if secret.len() > 48 {
            needles.push((format!("{what} (prefix)"), secret[..32].to_string()));
        }
    }
    needles
}

fn key_lines(key_pem: &str) -> Vec<String> {
    key_pem
        .lines()
        .filter(|line| !line.starts_with("-----") && line.len() >= 32)
        .map(String::from)
        .collect()
}

#[tokio::test]
async fn no_secret_reaches_the_logs_or_an_answer_during_an_invoice_flow() {
    // With a single registered dispatcher, tracing-core decides whether a callsite is enabled
    // by asking the default of whichever thread hits it first: a callsite first hit by a test
    // running concurrently (no subscriber there) would be switched off for this one too. A
    // second registered dispatcher makes it ask every dispatcher instead.
    let _second_dispatcher = tracing::Dispatch::new(tracing_subscriber::registry());
    let captured = Captured::default();
    let sink = captured.clone();
    // Thread-local, and #[tokio::test] runs the app, its engine and the simulator on this
    // thread: everything they log is captured, at debug level.
    let subscriber = arca_service::logging::json_subscriber(EnvFilter::new("debug"), move || sink.clone());
    let _logging = tracing::subscriber::set_default(subscriber);

    let app = TestApp::start().await;
    let mut answers: Vec<TestResponse> = Vec::new();

    // Account A: a PEM certificate and key.
    let (account_a, key_a) = app.create_account("A", CUIT_A, json!({})).await;
    let (certificate_pem, key_pem_a) = app.issue_certificate(CUIT_A, "pem");
    let uploaded = app
        .post_json(
            "/v1/certificates",
            &key_a,
            &json!({"certificate_pem": certificate_pem, "private_key_pem": key_pem_a}),
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    answers.push(uploaded);

    // Account B: a PKCS#12 bundle with a passphrase (one wrong try first).
    let (account_b, key_b) = app.create_account("B", CUIT_B, json!({})).await;
    let passphrase = "correct-horse-battery-staple-42";
    let (certificate, private_key) = app
        .simulator
        .ca()
        .issue(CUIT_B, "p12", chrono::Utc::now() - chrono::Duration::days(1))
        .unwrap();
    let key_pem_b = String::from_utf8(private_key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let bundle = Pkcs12::builder()
        .name("arca")
        .pkey(&private_key)
        .cert(&certificate)
        .build2(passphrase)
        .unwrap()
        .to_der()
        .unwrap();
    let bundle = base64::engine::general_purpose::STANDARD.encode(bundle);
    let wrong_passphrase = "wrong-passphrase-0123456789";
    answers.push(
        app.post_json(
            "/v1/certificates",
            &key_b,
            &json!({"pkcs12_base64": bundle, "passphrase": wrong_passphrase}),
        )
        .await,
    );
    let uploaded = app
        .post_json(
            "/v1/certificates",
            &key_b,
            &json!({"pkcs12_base64": bundle, "passphrase": passphrase}),
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    answers.push(uploaded);

    // Invoices through both, then every read an integrator makes.
    for key in [&key_a, &key_b] {
        let created = app.post_json("/v1/invoices", key, &factura_b()).await;
        assert_eq!(created.status, 201, "{}", created.text());
        let id = created.json()["id"].as_str().unwrap().to_string();
        answers.push(created);
        for path in [
            format!("/v1/invoices/{id}"),
            "/v1/invoices".to_string(),
            "/v1/certificates".to_string(),
            "/v1/account".to_string(),
            "/v1/api-keys".to_string(),
        ] {
            let answer = app.get(&path, key).await;
            assert_eq!(answer.status, 200, "{path}: {}", answer.text());
            answers.push(answer);
        }
        answers.push(app.get("/v1/invoices/inv_missing", key).await);
    }
    answers.push(
        app.request(
            "GET",
            "/v1/account",
            &[("x-api-key", "arca_test_wrong-key-0123456789")],
            None,
        )
        .await,
    );
    for path in [
        "/health",
        "/health/arca",
        "/health/database",
        "/health/redis",
        "/metrics",
    ] {
        answers.push(app.request("GET", path, &[], None).await);
    }

    // A webhook: created (its secret shown once), pinged and delivered by the app's dispatcher,
    // its secret rotated and pinged again (both secrets sign), then every read of it.
    let receiver = arca_test_support::receiver::Receiver::start().await;
    let created = app
        .post_json(
            "/v1/webhooks",
            &key_a,
            &json!({"url": receiver.url("/hooks"), "events": ["*"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let webhook = created.json()["id"].as_str().unwrap().to_string();
    let webhook_secret = created.json()["secret"].as_str().unwrap().to_string();
    let ping = format!("/v1/webhooks/{webhook}/test");
    assert_eq!(app.post_json(&ping, &key_a, &json!({})).await.status, 202);
    receiver.wait_for(1, std::time::Duration::from_secs(10)).await;
    let rotated = app
        .post_json(&format!("/v1/webhooks/{webhook}/rotate-secret"), &key_a, &json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text());
    let rotated_secret = rotated.json()["secret"].as_str().unwrap().to_string();
    assert_eq!(app.post_json(&ping, &key_a, &json!({})).await.status, 202);
    receiver.wait_for(2, std::time::Duration::from_secs(10)).await;
    for path in [
        format!("/v1/webhooks/{webhook}"),
        "/v1/webhooks".to_string(),
        format!("/v1/webhooks/{webhook}/deliveries"),
    ] {
        let answer = app.get(&path, &key_a).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text());
        answers.push(answer);
    }

    // The tickets WSAA granted, as the service holds them.
    let mut secrets: Vec<(&str, String)> = vec![
        ("API key A", key_a.clone()),
        ("API key B", key_b.clone()),
        ("admin token", ADMIN_TOKEN.to_string()),
        ("passphrase", passphrase.to_string()),
        ("wrong passphrase", wrong_passphrase.to_string()),
        ("SECRETS_ENCRYPTION_KEY", app.secrets_encryption_key.clone()),
        ("API_KEY_SALT", app.api_key_salt.clone()),
        ("webhook secret", webhook_secret.clone()),
        (
            "webhook secret (base64 part)",
            webhook_secret["whsec_".len()..].to_string(),
        ),
        ("rotated webhook secret", rotated_secret.clone()),
    ];
    for account in [&account_a, &account_b] {
        let session = app.state.arca.session(account).await.expect("a session");
        secrets.push(("WSAA token", session.auth.token.expose().to_string()));
        secrets.push(("WSAA sign", session.auth.sign.expose().to_string()));
    }
    for line in key_lines(&key_pem_a).into_iter().chain(key_lines(&key_pem_b)) {
        secrets.push(("a line of a private key", line));
    }
    let needles = secret_needles(&secrets);

    drop(_logging);
    let logs = captured.text();
    let lines: Vec<Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}")))
        .collect();
    assert!(lines.len() > 20, "too few log lines to mean anything:\n{logs}");
    for line in &lines {
        for field in ["timestamp", "level", "service", "trace_id", "message"] {
            assert!(line.get(field).is_some(), "{field} missing: {line}");
        }
        assert_eq!(line["service"], "arca-api");
    }
    assert!(
        lines.iter().any(|line| line["level"] == "debug"),
        "debug lines were captured"
    );
    assert!(
        lines.iter().any(|line| line["trace_id"].is_string()),
        "request lines carry the request id"
    );
    for (what, needle) in &needles {
        assert!(!logs.contains(needle.as_str()), "{what} appears in the logs");
        for answer in &answers {
            assert!(
                !answer.text().contains(needle.as_str()),
                "{what} appears in an answer: {}",
                answer.text()
            );
        }
    }
    assert!(!logs.contains("PRIVATE KEY"));
}
