//! Webhook subscriptions and their signed deliveries, against a real HTTP receiver
//! (`arca_test_support::receiver`): CRUD and validation problems, the secret shown once, the
//! SSRF guard in both modes, both signatures checked with an independent HMAC (computed here
//! with hmac + sha2, not with the service's functions), the rotation overlap, 4xx final vs 5xx
//! retried with the same delivery id, `X-ARCA-No-Retry`, an endpoint disabled after
//! `WEBHOOK_DISABLE_AFTER_HOURS` of failures with `webhook.disabled` sent to another, the
//! delivery log and its retry, and tenant isolation.
//!
//! The app's own dispatcher is stopped: each test drives passes (`run_once`) and moves the
//! app's clock between them, so nothing waits on time.

use std::sync::Arc;
use std::time::Duration;

use arca_protocol::clock::{Clock, ManualClock};
use arca_service::outbox::dispatcher::Pass;
use arca_test_support::receiver::{Received, Receiver, Reply};
use arca_test_support::{CUIT_A, CUIT_B, TestApp, TestAppBuilder};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

fn clock() -> Arc<ManualClock> {
    let ahead = (chrono::Utc::now() + chrono::Duration::hours(1)).timestamp_millis();
    Arc::new(ManualClock::new(
        chrono::DateTime::from_timestamp_millis(ahead).unwrap(),
    ))
}

/// An app (simulator mode: private URLs allowed) whose dispatcher the test drives, on `clock`.
fn builder(clock: &Arc<ManualClock>) -> TestAppBuilder {
    TestApp::builder().without_dispatcher().clock(clock.clone())
}

async fn pass(app: &TestApp) -> Pass {
    app.state.dispatcher.run_once().await.expect("a dispatcher pass")
}

async fn create(app: &TestApp, key: &str, body: &Value) -> Value {
    let response = app.post_json("/v1/webhooks", key, body).await;
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()
}

async fn subscribe(app: &TestApp, key: &str, url: &str, events: Value) -> (String, String) {
    let created = create(app, key, &json!({"url": url, "events": events})).await;
    (
        created["id"].as_str().unwrap().to_string(),
        created["secret"].as_str().unwrap().to_string(),
    )
}

async fn ping(app: &TestApp, key: &str, id: &str) -> String {
    let response = app.post_json(&format!("/v1/webhooks/{id}/test"), key, &json!({})).await;
    assert_eq!(response.status, 202, "{}", response.text());
    response.json()["delivery_id"].as_str().unwrap().to_string()
}

async fn deliveries(app: &TestApp, key: &str, id: &str) -> Vec<Value> {
    let response = app.get(&format!("/v1/webhooks/{id}/deliveries"), key).await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()["data"].as_array().unwrap().clone()
}

/// `X-ARCA-Signature`'s `sha256=` values that verify: hex HMAC-SHA256 of "{timestamp}.{body}"
/// keyed with the whole `whsec_…` string.
fn arca_signature_verifies(secret: &str, request: &Received) -> bool {
    let timestamp = request.header("x-arca-timestamp").unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&request.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    request
        .header("x-arca-signature")
        .unwrap()
        .split(',')
        .any(|value| value == format!("sha256={expected}"))
}

/// Standard Webhooks: base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}" keyed with
/// the bytes the part after `whsec_` decodes to.
fn standard_signature_verifies(secret: &str, request: &Received) -> bool {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(request.header("webhook-id").unwrap().as_bytes());
    mac.update(b".");
    mac.update(request.header("webhook-timestamp").unwrap().as_bytes());
    mac.update(b".");
    mac.update(&request.body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    request
        .header("webhook-signature")
        .unwrap()
        .split(' ')
        .any(|value| value == format!("v1,{expected}"))
}

#[tokio::test]
async fn subscriptions_are_created_read_changed_and_deleted_and_the_secret_is_shown_once() {
    let app = builder(&clock()).start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;

    let created = create(
        &app,
        &key,
        &json!({"url": "http://127.0.0.1:9/hooks", "events": ["invoice.approved", "invoice.failed"], "description": "ERP\nproduction"}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("whk_"), "{created}");
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{created}");
    assert_eq!(STANDARD.decode(&secret[6..]).unwrap().len(), 32);
    assert_eq!(created["enabled"], true);
    assert_eq!(created["events"], json!(["invoice.approved", "invoice.failed"]));
    assert_eq!(created["disabled_reason"], Value::Null);

    let read = app.get(&format!("/v1/webhooks/{id}"), &key).await;
    assert_eq!(read.status, 200, "{}", read.text());
    assert!(read.json().get("secret").is_none(), "{}", read.text());
    assert!(!read.text().contains(secret));
    let list = app.get("/v1/webhooks", &key).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["pagination"]["total"], 1, "{}", list.text());
    assert!(!list.text().contains(secret));

    let changed = app
        .patch_json(
            &format!("/v1/webhooks/{id}"),
            &key,
            &json!({"events": ["*"], "description": null, "enabled": false}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    let changed = changed.json();
    assert_eq!(changed["events"], json!(["*"]));
    assert_eq!(changed["description"], Value::Null);
    assert_eq!(changed["enabled"], false);
    assert_eq!(changed["disabled_reason"], "user");
    assert!(changed["disabled_at"].is_string());
    assert!(changed.get("secret").is_none());

    let enabled = app
        .patch_json(&format!("/v1/webhooks/{id}"), &key, &json!({"enabled": true}))
        .await
        .json();
    assert_eq!(enabled["enabled"], true);
    assert_eq!(enabled["disabled_reason"], Value::Null);
    assert_eq!(enabled["disabled_at"], Value::Null);

    let rotated = app
        .post_json(&format!("/v1/webhooks/{id}/rotate-secret"), &key, &json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text());
    let new_secret = rotated.json()["secret"].as_str().unwrap().to_string();
    assert!(new_secret.starts_with("whsec_"));
    assert_ne!(new_secret, secret);
    assert!(
        !app.get(&format!("/v1/webhooks/{id}"), &key)
            .await
            .text()
            .contains(&new_secret)
    );

    assert_eq!(app.delete(&format!("/v1/webhooks/{id}"), &key).await.status, 204);
    app.get(&format!("/v1/webhooks/{id}"), &key)
        .await
        .problem(404, "NOT_FOUND");
}

#[tokio::test]
async fn bad_subscriptions_are_refused_naming_the_field_and_the_count_is_bounded() {
    let app = builder(&clock()).start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let url = "http://127.0.0.1:9/hooks";
    for (body, field) in [
        (json!({"url": url, "events": []}), "events"),
        (json!({"url": url, "events": ["invoice.exploded"]}), "events[0]"),
        (json!({"url": url, "events": ["invoice.approved", "ping"]}), "events[1]"),
        (
            json!({"url": url, "events": ["*"], "description": "x".repeat(501)}),
            "description",
        ),
        (
            json!({"url": url, "events": ["*"], "description": "bell\u{7}"}),
            "description",
        ),
        (json!({"url": "http://user:pw@127.0.0.1:9/", "events": ["*"]}), "url"),
        (json!({"url": "http://127.0.0.1:9/#top", "events": ["*"]}), "url"),
        (json!({"url": "ftp://127.0.0.1/", "events": ["*"]}), "url"),
        (json!({"url": "not a url", "events": ["*"]}), "url"),
        (
            json!({"url": format!("http://127.0.0.1:9/{}", "a".repeat(2048)), "events": ["*"]}),
            "url",
        ),
        (json!({"events": ["*"]}), "url"),
    ] {
        let response = app.post_json("/v1/webhooks", &key, &body).await;
        response.problem(400, "VALIDATION_ERROR");
        assert_eq!(
            response.error_fields(),
            vec![field.to_string()],
            "{body}: {}",
            response.text()
        );
    }
    let (_, id) = {
        let created = create(&app, &key, &json!({"url": url, "events": ["*"]})).await;
        ((), created["id"].as_str().unwrap().to_string())
    };
    let response = app
        .patch_json(&format!("/v1/webhooks/{id}"), &key, &json!({"events": ["ping"]}))
        .await;
    response.problem(400, "VALIDATION_ERROR");
    let response = app
        .patch_json(&format!("/v1/webhooks/{id}"), &key, &json!({"enabled": null}))
        .await;
    assert_eq!(response.status, 400, "{}", response.text());

    for _ in 1..20 {
        create(&app, &key, &json!({"url": url, "events": ["*"]})).await;
    }
    let response = app
        .post_json("/v1/webhooks", &key, &json!({"url": url, "events": ["*"]}))
        .await;
    assert_eq!(response.status, 409, "{}", response.text());
}

#[tokio::test]
async fn the_ssrf_guard_refuses_internal_addresses_and_requires_https_outside_development() {
    // Simulator mode allows http:// and loopback/private addresses (local development), but
    // never metadata, link-local or other reserved addresses.
    let simulator = builder(&clock()).start().await;
    let (_, key) = simulator.create_account("Almacén", CUIT_A, json!({})).await;
    create(
        &simulator,
        &key,
        &json!({"url": "http://127.0.0.1:9/", "events": ["*"]}),
    )
    .await;
    create(&simulator, &key, &json!({"url": "http://10.1.2.3/", "events": ["*"]})).await;
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://[::ffff:169.254.169.254]/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://169.254.10.10/",
        "http://0.0.0.0:8080/",
        "http://224.0.0.1/",
    ] {
        let response = simulator
            .post_json("/v1/webhooks", &key, &json!({"url": url, "events": ["*"]}))
            .await;
        response.problem(400, "VALIDATION_ERROR");
        assert_eq!(response.error_fields(), vec!["url".to_string()], "{url}");
    }

    // Outside the simulator: https:// only, and no loopback or private address.
    let homologation = TestApp::builder()
        .without_dispatcher()
        .env("ARCA_ENVIRONMENT", "homologacion")
        .start()
        .await;
    let (_, key) = homologation.create_account("Almacén", CUIT_A, json!({})).await;
    for (url, rule) in [
        ("http://hooks.example.com/", "https://"),
        ("https://127.0.0.1/", "loopback"),
        ("https://[::1]/", "loopback"),
        ("https://localhost/", ""),
        ("https://10.0.0.5/", "private"),
        ("https://172.16.1.1/", "private"),
        ("https://192.168.1.1/", "private"),
        ("https://100.64.0.1/", "private"),
        ("https://[fd12::1]/", "private"),
        ("https://[::ffff:127.0.0.1]/", "loopback"),
        ("https://169.254.169.254/", "metadata"),
        ("https://192.0.2.10/", "documentation"),
    ] {
        let response = homologation
            .post_json("/v1/webhooks", &key, &json!({"url": url, "events": ["*"]}))
            .await;
        let problem = response.problem(400, "VALIDATION_ERROR");
        assert_eq!(response.error_fields(), vec!["url".to_string()], "{url}");
        assert!(problem.to_string().contains(rule), "{url}: {problem}");
    }

    // WEBHOOK_ALLOW_PRIVATE_URLS=true lifts https:// and loopback/private, never metadata.
    let allowed = TestApp::builder()
        .without_dispatcher()
        .env("ARCA_ENVIRONMENT", "homologacion")
        .env("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
        .start()
        .await;
    let (_, key) = allowed.create_account("Almacén", CUIT_A, json!({})).await;
    create(&allowed, &key, &json!({"url": "http://127.0.0.1:9/", "events": ["*"]})).await;
    for url in ["http://169.254.169.254/", "http://[fd00:ec2::254]/"] {
        let response = allowed
            .post_json("/v1/webhooks", &key, &json!({"url": url, "events": ["*"]}))
            .await;
        response.problem(400, "VALIDATION_ERROR");
        assert_eq!(response.error_fields(), vec!["url".to_string()], "{url}");
    }
}

#[tokio::test]
async fn a_ping_arrives_signed_twice_and_both_signatures_verify_independently() {
    let clock = clock();
    let app = builder(&clock).start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let receiver = Receiver::start().await;
    let (id, secret) = subscribe(&app, &key, &receiver.url("/hooks"), json!(["invoice.approved"])).await;

    let delivery_id = ping(&app, &key, &id).await;
    assert!(delivery_id.starts_with("msg_"));
    assert_eq!(pass(&app).await.delivered, 1);
    let received = receiver.wait_for(1, Duration::from_secs(5)).await;
    let request = &received[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hooks");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("user-agent"), Some("arca-api-webhooks/1"));
    assert_eq!(request.header("x-arca-event"), Some("ping"));
    assert_eq!(request.header("x-arca-delivery-id"), Some(delivery_id.as_str()));
    assert_eq!(request.header("webhook-id"), Some(delivery_id.as_str()));
    let timestamp = clock.now().timestamp().to_string();
    assert_eq!(request.header("x-arca-timestamp"), Some(timestamp.as_str()));
    assert_eq!(request.header("webhook-timestamp"), Some(timestamp.as_str()));
    assert!(request.header("authorization").is_none());
    let body = request.json();
    assert!(body["id"].as_str().unwrap().starts_with("evt_"), "{body}");
    assert_eq!(body["type"], "ping");
    assert_eq!(body["data"]["webhook_id"], id.as_str());
    assert!(body["created_at"].is_string());

    assert!(arca_signature_verifies(&secret, request), "{request:?}");
    assert!(standard_signature_verifies(&secret, request), "{request:?}");
    // One secret, one signature each; a wrong secret verifies neither.
    assert_eq!(request.header("x-arca-signature").unwrap().split(',').count(), 1);
    assert_eq!(request.header("webhook-signature").unwrap().split(' ').count(), 1);
    let other = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    assert!(!arca_signature_verifies(other, request));
    assert!(!standard_signature_verifies(other, request));

    let log = deliveries(&app, &key, &id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["id"], delivery_id.as_str());
    assert_eq!(log[0]["event_id"], body["id"]);
    assert_eq!(log[0]["type"], "ping");
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["next_attempt_at"], Value::Null);
    let attempt = &log[0]["attempts"][0];
    assert_eq!(attempt["number"], 1);
    assert_eq!(attempt["outcome"], "delivered");
    assert_eq!(attempt["http_status"], 200);
    assert!(attempt["duration_ms"].is_number());
}

#[tokio::test]
async fn after_a_rotation_both_secrets_sign_for_24_hours_then_only_the_new_one() {
    let clock = clock();
    let app = builder(&clock).start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let receiver = Receiver::start().await;
    let (id, old) = subscribe(&app, &key, &receiver.url("/hooks"), json!(["*"])).await;
    let rotated = app
        .post_json(&format!("/v1/webhooks/{id}/rotate-secret"), &key, &json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text());
    let new = rotated.json()["secret"].as_str().unwrap().to_string();

    ping(&app, &key, &id).await;
    pass(&app).await;
    let received = receiver.wait_for(1, Duration::from_secs(5)).await;
    let during = &received[0];
    assert_eq!(during.header("x-arca-signature").unwrap().split(',').count(), 2);
    assert_eq!(during.header("webhook-signature").unwrap().split(' ').count(), 2);
    for secret in [&old, &new] {
        assert!(arca_signature_verifies(secret, during));
        assert!(standard_signature_verifies(secret, during));
    }

    clock.advance(chrono::Duration::seconds(24 * 3600 + 1));
    ping(&app, &key, &id).await;
    pass(&app).await;
    let received = receiver.wait_for(2, Duration::from_secs(5)).await;
    let after = &received[1];
    assert_eq!(after.header("x-arca-signature").unwrap().split(',').count(), 1);
    assert_eq!(after.header("webhook-signature").unwrap().split(' ').count(), 1);
    assert!(arca_signature_verifies(&new, after));
    assert!(standard_signature_verifies(&new, after));
    assert!(!arca_signature_verifies(&old, after));
    assert!(!standard_signature_verifies(&old, after));
}

#[tokio::test]
async fn a_5xx_is_retried_with_the_same_delivery_id_and_a_4xx_is_final_until_retried_by_hand() {
    let clock = clock();
    let app = builder(&clock).start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let receiver = Receiver::start().await;
    let (id, secret) = subscribe(&app, &key, &receiver.url("/hooks"), json!(["*"])).await;

    let mut failing = Reply::status(503);
    failing.body = "down for maintenance".into();
    receiver.reply_with([failing]);
    let delivery_id = ping(&app, &key, &id).await;
    assert_eq!(pass(&app).await.transient, 1);
    let log = deliveries(&app, &key, &id).await;
    assert_eq!(log[0]["status"], "pending");
    assert!(log[0]["next_attempt_at"].is_string());
    assert_eq!(log[0]["attempts"][0]["http_status"], 503);
    assert_eq!(log[0]["attempts"][0]["outcome"], "transient");
    assert_eq!(log[0]["attempts"][0]["response"], "down for maintenance");
    let subscription = app.get(&format!("/v1/webhooks/{id}"), &key).await.json();
    assert!(subscription["failing_since"].is_string(), "{subscription}");

    // Not before the retry delay (1 minute).
    assert_eq!(pass(&app).await.attempts(), 0);
    clock.advance(chrono::Duration::seconds(61));
    assert_eq!(pass(&app).await.delivered, 1);
    let received = receiver.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(received[0].header("webhook-id"), Some(delivery_id.as_str()));
    assert_eq!(received[1].header("webhook-id"), Some(delivery_id.as_str()));
    assert_eq!(received[1].header("x-arca-delivery-id"), Some(delivery_id.as_str()));
    assert_eq!(received[0].json()["id"], received[1].json()["id"]);
    assert!(standard_signature_verifies(&secret, &received[1]));
    let log = deliveries(&app, &key, &id).await;
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["attempts"].as_array().unwrap().len(), 2);
    let subscription = app.get(&format!("/v1/webhooks/{id}"), &key).await.json();
    assert_eq!(subscription["failing_since"], Value::Null, "{subscription}");

    // A 4xx is final: no attempt after the delay.
    receiver.reply_with([Reply::status(410)]);
    let gone = ping(&app, &key, &id).await;
    assert_eq!(pass(&app).await.permanent, 1);
    clock.advance(chrono::Duration::seconds(3600));
    assert_eq!(pass(&app).await.attempts(), 0);
    let log = deliveries(&app, &key, &id).await;
    assert_eq!(log[0]["id"], gone.as_str());
    assert_eq!(log[0]["status"], "failed");
    assert_eq!(log[0]["next_attempt_at"], Value::Null);
    assert_eq!(log[0]["attempts"][0]["http_status"], 410);

    // Retried by hand: due at once, the same delivery id.
    let retried = app
        .post_json(&format!("/v1/webhooks/{id}/deliveries/{gone}/retry"), &key, &json!({}))
        .await;
    assert_eq!(retried.status, 202, "{}", retried.text());
    assert_eq!(pass(&app).await.delivered, 1);
    let received = receiver.wait_for(4, Duration::from_secs(5)).await;
    assert_eq!(received[3].header("webhook-id"), Some(gone.as_str()));
    // A delivered one cannot be retried; an unknown one is not found.
    let again = app
        .post_json(&format!("/v1/webhooks/{id}/deliveries/{gone}/retry"), &key, &json!({}))
        .await;
    again.problem(409, "CONFLICT");
    app.post_json(
        &format!("/v1/webhooks/{id}/deliveries/msg_nope/retry"),
        &key,
        &json!({}),
    )
    .await
    .problem(404, "NOT_FOUND");
}

#[tokio::test]
async fn x_arca_no_retry_makes_any_failure_final() {
    let clock = clock();
    let app = builder(&clock).start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let receiver = Receiver::start().await;
    let (id, _) = subscribe(&app, &key, &receiver.url("/hooks"), json!(["*"])).await;
    let mut refusal = Reply::status(503);
    refusal.headers.push(("X-ARCA-No-Retry".into(), "true".into()));
    receiver.reply_with([refusal]);
    ping(&app, &key, &id).await;
    assert_eq!(pass(&app).await.permanent, 1);
    clock.advance(chrono::Duration::seconds(3600));
    assert_eq!(pass(&app).await.attempts(), 0);
    let log = deliveries(&app, &key, &id).await;
    assert_eq!(log[0]["status"], "failed");
    assert_eq!(log[0]["attempts"][0]["http_status"], 503);
    assert_eq!(log[0]["attempts"][0]["outcome"], "permanent");
}

#[tokio::test]
async fn an_endpoint_failing_for_72_hours_is_disabled_and_the_account_told_on_another() {
    let clock = clock();
    let app = builder(&clock).start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let broken = Receiver::start().await;
    broken.reply_with((0..50).map(|_| Reply::status(500)));
    let watcher = Receiver::start().await;
    let (failing, _) = subscribe(&app, &key, &broken.url("/hooks"), json!(["*"])).await;
    let (other, other_secret) = subscribe(&app, &key, &watcher.url("/alerts"), json!(["webhook.disabled"])).await;

    ping(&app, &key, &failing).await;
    assert_eq!(pass(&app).await.transient, 1);
    let subscription = app.get(&format!("/v1/webhooks/{failing}"), &key).await.json();
    assert!(subscription["failing_since"].is_string());
    assert_eq!(subscription["enabled"], true);

    clock.advance(chrono::Duration::seconds(71 * 3600));
    ping(&app, &key, &failing).await;
    pass(&app).await;
    assert_eq!(
        app.get(&format!("/v1/webhooks/{failing}"), &key).await.json()["enabled"],
        true
    );

    clock.advance(chrono::Duration::seconds(3600));
    ping(&app, &key, &failing).await;
    pass(&app).await;
    let subscription = app.get(&format!("/v1/webhooks/{failing}"), &key).await.json();
    assert_eq!(subscription["enabled"], false, "{subscription}");
    assert_eq!(subscription["disabled_reason"], "failing");
    assert!(subscription["disabled_at"].is_string());

    // The other endpoint hears of it (possibly in the same pass).
    pass(&app).await;
    let told = watcher.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].header("x-arca-event"), Some("webhook.disabled"));
    assert!(arca_signature_verifies(&other_secret, &told[0]));
    let body = told[0].json();
    assert_eq!(body["type"], "webhook.disabled");
    assert_eq!(body["data"]["id"], failing.as_str());
    assert_eq!(body["data"]["enabled"], false);
    assert_eq!(body["data"]["disabled_reason"], "failing");
    assert!(body["data"].get("secret").is_none());
    assert_ne!(other, failing);

    // Testing a disabled endpoint is refused; re-enabling clears the failure.
    app.post_json(&format!("/v1/webhooks/{failing}/test"), &key, &json!({}))
        .await
        .problem(409, "CONFLICT");
    let enabled = app
        .patch_json(&format!("/v1/webhooks/{failing}"), &key, &json!({"enabled": true}))
        .await
        .json();
    assert_eq!(enabled["enabled"], true);
    assert_eq!(enabled["disabled_reason"], Value::Null);
    assert_eq!(enabled["failing_since"], Value::Null);
}

#[tokio::test]
async fn another_account_never_sees_or_triggers_a_webhook_or_its_deliveries() {
    let clock = clock();
    let app = builder(&clock).start().await;
    let (_, owner) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let (_, stranger) = app.create_account("Otro", CUIT_B, json!({})).await;
    let receiver = Receiver::start().await;
    receiver.reply_with([Reply::status(404)]);
    let (id, _) = subscribe(&app, &owner, &receiver.url("/hooks"), json!(["*"])).await;
    let delivery = ping(&app, &owner, &id).await;
    pass(&app).await;

    let list = app.get("/v1/webhooks", &stranger).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["pagination"]["total"], 0, "{}", list.text());
    app.get(&format!("/v1/webhooks/{id}"), &stranger)
        .await
        .problem(404, "NOT_FOUND");
    app.patch_json(&format!("/v1/webhooks/{id}"), &stranger, &json!({"enabled": false}))
        .await
        .problem(404, "NOT_FOUND");
    app.get(&format!("/v1/webhooks/{id}/deliveries"), &stranger)
        .await
        .problem(404, "NOT_FOUND");
    for path in [
        format!("/v1/webhooks/{id}/test"),
        format!("/v1/webhooks/{id}/rotate-secret"),
        format!("/v1/webhooks/{id}/deliveries/{delivery}/retry"),
    ] {
        app.post_json(&path, &stranger, &json!({}))
            .await
            .problem(404, "NOT_FOUND");
    }
    // The stranger's own webhook cannot reach the owner's delivery either.
    let (own, _) = subscribe(&app, &stranger, &receiver.url("/other"), json!(["*"])).await;
    app.post_json(
        &format!("/v1/webhooks/{own}/deliveries/{delivery}/retry"),
        &stranger,
        &json!({}),
    )
    .await
    .problem(404, "NOT_FOUND");
    assert_eq!(app.delete(&format!("/v1/webhooks/{id}"), &stranger).await.status, 404);

    // Nothing was triggered: one request (the owner's ping), the delivery still failed.
    assert_eq!(pass(&app).await.attempts(), 0);
    assert_eq!(receiver.received().len(), 1);
    let log = deliveries(&app, &owner, &id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "failed");
}

#[tokio::test]
async fn the_guard_is_applied_again_when_a_delivery_connects() {
    // Subscribed where private addresses are allowed; delivered by an instance where they are
    // not (as if the name now resolved inward): nothing reaches the receiver.
    let clock = clock();
    let allowing = builder(&clock).start().await;
    let (_, key) = allowing.create_account("Almacén", CUIT_A, json!({})).await;
    let receiver = Receiver::start().await;
    let port = receiver.address().port();
    let (by_name, _) = subscribe(
        &allowing,
        &key,
        &format!("https://localhost:{port}/hooks"),
        json!(["*"]),
    )
    .await;
    let (by_address, _) = subscribe(
        &allowing,
        &key,
        &format!("https://127.0.0.1:{port}/hooks"),
        json!(["*"]),
    )
    .await;

    let guarded = builder(&clock)
        .instance_of(&allowing)
        .env("ARCA_ENVIRONMENT", "homologacion")
        .start()
        .await;
    ping(&allowing, &key, &by_name).await;
    ping(&allowing, &key, &by_address).await;
    let pass = guarded.state.dispatcher.run_once().await.unwrap();
    assert_eq!(pass.delivered, 0, "{pass:?}");
    assert_eq!(pass.attempts(), 2, "{pass:?}");
    assert!(receiver.received().is_empty());

    // The name: its resolved addresses are all dropped by the guarded resolver.
    let log = deliveries(&allowing, &key, &by_name).await;
    let response = log[0]["attempts"][0]["response"].as_str().unwrap();
    assert!(response.contains("SSRF guard"), "{response}");
    assert_eq!(log[0]["attempts"][0]["http_status"], Value::Null);
    // The literal address: refused before connecting, for good.
    let log = deliveries(&allowing, &key, &by_address).await;
    let response = log[0]["attempts"][0]["response"].as_str().unwrap();
    assert!(response.contains("SSRF guard"), "{response}");
    assert_eq!(log[0]["status"], "failed");
}

#[tokio::test]
async fn a_slow_endpoint_times_out_and_a_long_answer_is_kept_to_1_kib() {
    let clock = clock();
    let app = builder(&clock).env("WEBHOOK_TIMEOUT_MS", "300").start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let receiver = Receiver::start().await;
    let (id, _) = subscribe(&app, &key, &receiver.url("/hooks"), json!(["*"])).await;

    // WEBHOOK_TIMEOUT_MS bounds the whole attempt: a timeout is transient.
    let mut slow = Reply::status(200);
    slow.delay = Duration::from_secs(5);
    receiver.reply_with([slow]);
    ping(&app, &key, &id).await;
    assert_eq!(pass(&app).await.transient, 1);
    let log = deliveries(&app, &key, &id).await;
    let attempt = &log[0]["attempts"][0];
    assert_eq!(attempt["outcome"], "transient");
    assert_eq!(attempt["http_status"], Value::Null);
    assert_eq!(attempt["response"], "no answer within 300 ms", "{attempt}");
    assert_eq!(log[0]["status"], "pending");

    // Only the first 1 KiB of an answer is kept.
    let mut long = Reply::status(500);
    long.body = "é".repeat(2000);
    receiver.reply_with([long]);
    let second = ping(&app, &key, &id).await;
    pass(&app).await;
    let log = deliveries(&app, &key, &id).await;
    let delivery = log.iter().find(|delivery| delivery["id"] == second.as_str()).unwrap();
    assert_eq!(delivery["attempts"][0]["http_status"], 500);
    let response = delivery["attempts"][0]["response"].as_str().unwrap();
    assert_eq!(response.len(), 1024, "{response}");
    assert!(response.chars().all(|c| c == 'é'));
}
