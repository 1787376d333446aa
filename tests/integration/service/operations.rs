use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use arca_simulator::{FaultAction, FaultRule};
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, TestApp, TestResponse, uses_postgres};

/// The minimal request (ARCHITECTURE.md "The API contract"): Factura B to an unidentified
/// consumidor final.
pub fn factura_b() -> Value {
    arca_test_support::samples::invoice_request(1)
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

async fn health(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.request("GET", path, &[], None).await;
    assert_eq!(response.header("content-type"), Some("application/json"), "{path}");
    (response.status, response.json())
}

/// The value of one sample line (`name{labels} value`) of a Prometheus exposition, 0 if absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.parse().unwrap())
}

async fn metrics(app: &TestApp) -> String {
    let response = app.request("GET", "/metrics", &[], None).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    response.text()
}

#[tokio::test]
async fn health_endpoints_answer_200_with_the_documented_keys() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    assert_eq!(app.get("/v1/account", &key).await.status, 200);

    let (status, body) = health(&app, "/health").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        keys(&body),
        set(&[
            "status",
            "environment",
            "version",
            "uptime",
            "timestamp",
            "services",
            "maintenance"
        ])
    );
    assert_eq!(body["status"], "ok");
    assert_eq!(body["environment"], "development");
    assert_eq!(body["maintenance"], false);
    assert!(body["uptime"].is_u64());
    assert_eq!(keys(&body["services"]), set(&["database", "redis"]));
    assert_eq!(body["services"]["database"], "ok");
    let redis_expected = if app.redis.is_some() { "ok" } else { "not_configured" };
    assert_eq!(body["services"]["redis"], redis_expected);

    let (status, body) = health(&app, "/health/database").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        keys(&body),
        set(&["status", "connection", "pool", "latency_ms", "last_query"])
    );
    assert_eq!(body["connection"], "connected");
    assert_eq!(keys(&body["pool"]), set(&["total", "idle", "active"]));
    assert!(body["pool"]["total"].as_u64().unwrap() >= 1);
    assert!(body["latency_ms"].is_number());

    let (status, body) = health(&app, "/health/redis").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        keys(&body),
        set(&[
            "status",
            "connection",
            "latency_ms",
            "memory_used_mb",
            "memory_max_mb",
            "hit_rate",
            "keys_count"
        ])
    );
    assert_eq!(body["status"], "ok");

    let (status, body) = health(&app, "/health/arca").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        keys(&body),
        set(&[
            "status",
            "arca_reachable",
            "arca_environment",
            "token_cached",
            "last_auth_success",
            "response_time_ms",
            "circuit_breaker",
            "certificates"
        ])
    );
    assert_eq!(body["arca_reachable"], true);
    assert_eq!(body["arca_environment"], "simulator");
    assert_eq!(body["token_cached"], true, "the upload's test login stored a ticket");
    assert!(body["last_auth_success"].is_string());
    assert_eq!(body["circuit_breaker"], "closed");
    assert_eq!(body["certificates"]["active"], 1);
    let days = body["certificates"]["min_days_to_expiry"].as_i64().unwrap();
    assert!((690..=700).contains(&days), "{days}");
}

#[tokio::test]
async fn health_redis_when_not_configured_and_when_connected() {
    if !uses_postgres() {
        let app = TestApp::start().await;
        let (status, body) = health(&app, "/health/redis").await;
        assert_eq!(status, 200);
        assert_eq!(body["status"], "ok");
        assert_eq!(body["connection"], "not_configured");
        assert!(body["latency_ms"].is_null() && body["keys_count"].is_null(), "{body}");
    }
    let app = TestApp::builder().redis().start().await;
    let (status, body) = health(&app, "/health/redis").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["connection"], "connected");
    assert!(body["memory_used_mb"].as_f64().unwrap() > 0.0, "{body}");
    assert!(body["keys_count"].is_u64(), "{body}");
    assert!(body["latency_ms"].is_number());
}

#[tokio::test]
async fn health_arca_answers_503_quickly_when_fedummy_hangs() {
    let app = TestApp::builder()
        .env("ARCA_HEALTH_TIMEOUT_MS", "300")
        // Every probe asks ARCA: the recovery below shows at once.
        .env("ARCA_HEALTH_CACHE_MS", "0")
        .start()
        .await;
    app.simulator.add_fault(FaultRule {
        operation: "FEDummy".into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(FaultAction::Timeout),
        probability: 1.0,
        remaining: None,
    });
    let started = Instant::now();
    let (status, body) = health(&app, "/health/arca").await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "unhealthy");
    assert_eq!(body["arca_reachable"], false);
    assert_eq!(body["retry_recommended"], true);
    assert!(body["error"].as_str().unwrap().contains("300 ms"), "{body}");
    assert!(body["response_time_ms"].is_null());
    assert_eq!(body["circuit_breaker"], "closed");

    // The liveness check does not depend on ARCA.
    assert_eq!(health(&app, "/health").await.0, 200);
    app.simulator.clear_faults();
    assert_eq!(health(&app, "/health/arca").await.0, 200);
}

#[tokio::test]
async fn metrics_name_every_family_and_count_requests() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let created = app.post_json("/v1/invoices", &key, &factura_b()).await;
    assert_eq!(created.status, 201, "{}", created.text());

    let before = metrics(&app).await;
    for name in [
        "http_requests_total",
        "http_requests_failed_total",
        "http_request_duration_seconds",
        "arca_api_duration_seconds",
        "arca_api_errors_total",
        "database_query_duration_seconds",
        "database_errors_total",
        "arca_invoices_queue",
        "arca_issuance_batch_size",
        "arca_reconciliations_total",
        "arca_webhooks_queue",
        "arca_webhook_deliveries_total",
        "arca_webhook_delivery_duration_seconds",
        "arca_outbox_messages",
        "arca_maintenance_mode",
        "arca_circuit_breaker_state",
        "arca_certificate_min_expiry_days",
        "arca_certificates_expiring_soon",
        "arca_certificates_expired",
    ] {
        assert!(before.contains(&format!("# TYPE {name} ")), "{name} missing:\n{before}");
    }
    // Gauges read from this app's own database.
    assert_eq!(sample(&before, "arca_invoices_queue{status=\"approved\"}"), 1.0);
    assert_eq!(sample(&before, "arca_invoices_queue{status=\"pending\"}"), 0.0);
    assert_eq!(sample(&before, "arca_maintenance_mode"), 0.0);
    for status in ["pending", "retrying", "delivering", "failed"] {
        assert!(
            before.contains(&format!("arca_webhooks_queue{{status=\"{status}\"}} 0\n")),
            "{status}:\n{before}"
        );
    }
    // Process-wide families: at least what this test did.
    assert!(sample(&before, "arca_issuance_batch_size_count") >= 1.0);
    assert!(sample(&before, "arca_api_duration_seconds_count{operation=\"FECAESolicitar\"}") >= 1.0);
    assert!(sample(&before, "arca_api_duration_seconds_count{operation=\"LoginCms\"}") >= 1.0);
    assert!(sample(&before, "database_query_duration_seconds_count") >= 1.0);
    assert!(
        sample(
            &before,
            "http_requests_total{method=\"POST\",path=\"/v1/invoices\",status=\"201\"}"
        ) >= 1.0
    );

    let series = "http_requests_total{method=\"GET\",path=\"/v1/invoices/{id}\",status=\"404\"}";
    let counted = sample(&before, series);
    app.get("/v1/invoices/inv_nope", &key).await.problem(404, "NOT_FOUND");
    let after = metrics(&app).await;
    // Other tests in this process may count too: at least this one request was.
    assert!(sample(&after, series) >= counted + 1.0, "{series}");
    assert!(
        sample(
            &after,
            "http_request_duration_seconds_count{method=\"GET\",path=\"/v1/invoices/{id}\"}"
        ) >= 1.0
    );
    // Unknown paths share one series, whatever the path.
    app.request("GET", "/no/such/path/7f3a", &[], None).await;
    let after = metrics(&app).await;
    assert!(!after.contains("7f3a"));
    assert!(
        sample(
            &after,
            "http_requests_total{method=\"GET\",path=\"unmatched\",status=\"404\"}"
        ) >= 1.0
    );
}

/// `arca-api maintenance …` against the app's database.
async fn maintenance_cli(app: &TestApp, command: &str) -> String {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_arca-api"))
        .args(["maintenance", command])
        .env("DATABASE_URL", &app.database_url)
        .env("DATA_DIR", &app.data_dir)
        .output()
        .await
        .expect("run arca-api maintenance");
    assert!(
        output.status.success(),
        "maintenance {command}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Polls `check` every 50 ms for at most `bound`; the instance caches the flag for up to
/// its MAINTENANCE_CACHE_MS.
async fn eventually(bound: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + bound;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn maintenance_switched_from_the_cli_reaches_every_instance() {
    // The first instance reads the flag on every request; the second caches it for 200 ms.
    let first = TestApp::builder()
        .env("MAINTENANCE_CACHE_MS", "0")
        .env("MAINTENANCE_RETRY_AFTER", "45")
        .start()
        .await;
    let second = TestApp::builder()
        .instance_of(&first)
        .env("MAINTENANCE_CACHE_MS", "200")
        .start()
        .await;
    let (_, key) = first.create_account("A", CUIT_A, json!({})).await;
    assert_eq!(second.get("/v1/account", &key).await.status, 200);
    assert!(maintenance_cli(&first, "status").await.starts_with("maintenance off"));

    assert!(maintenance_cli(&first, "on").await.starts_with("maintenance on"));
    let refused = first.get("/v1/account", &key).await;
    refused.problem(503, "MAINTENANCE");
    assert_eq!(refused.header("retry-after"), Some("45"));
    assert!(
        eventually(Duration::from_secs(5), async || second
            .get("/v1/account", &key)
            .await
            .status
            == 503)
        .await,
        "the second instance never saw maintenance"
    );
    // Health and metrics keep answering, and say so.
    for app in [&first, &second] {
        let (status, body) = health(app, "/health").await;
        assert_eq!(status, 200);
        assert_eq!(body["maintenance"], true);
        assert_eq!(sample(&metrics(app).await, "arca_maintenance_mode"), 1.0);
        assert_eq!(health(app, "/health/database").await.0, 200);
    }
    assert!(
        maintenance_cli(&second, "status")
            .await
            .starts_with("maintenance on since ")
    );

    assert!(maintenance_cli(&second, "off").await.starts_with("maintenance off"));
    assert_eq!(first.get("/v1/account", &key).await.status, 200);
    assert!(
        eventually(Duration::from_secs(5), async || second
            .get("/v1/account", &key)
            .await
            .status
            == 200)
        .await,
        "the second instance stayed in maintenance"
    );
}

#[tokio::test]
async fn maintenance_mode_at_start_is_reported_by_health_and_metrics() {
    let app = TestApp::builder().env("MAINTENANCE_MODE", "true").start().await;
    app.request("GET", "/v1/account", &[], None)
        .await
        .problem(503, "MAINTENANCE");
    let (status, body) = health(&app, "/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["maintenance"], true);
    assert_eq!(health(&app, "/health/arca").await.0, 200);
    assert_eq!(sample(&metrics(&app).await, "arca_maintenance_mode"), 1.0);
}

/// `arca-api smoke` with `args`.
async fn smoke(args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_arca-api"))
        .arg("smoke")
        .args(args)
        .env_remove("ARCA_API_KEY")
        .output()
        .await
        .expect("run arca-api smoke")
}

#[tokio::test]
async fn smoke_issues_a_sandbox_invoice_and_refuses_live_keys() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;

    let output = smoke(&["--url", &app.base_url, "--api-key", &key]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("smoke: ok: invoice inv_"), "{stdout}");
    let cae = stdout.split("CAE ").nth(1).unwrap().split(',').next().unwrap();
    assert_eq!(cae.len(), 14, "{stdout}");
    let list: TestResponse = app.get("/v1/invoices?status=approved", &key).await;
    assert_eq!(list.json()["pagination"]["total"], 1);

    let refused = smoke(&["--url", &app.base_url, "--api-key", "arca_live_0123456789abcdef"]).await;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("only sandbox keys"));
    assert_eq!(
        app.get("/v1/invoices", &key).await.json()["pagination"]["total"],
        1,
        "nothing was sent"
    );

    let wrong_key = smoke(&["--url", &app.base_url, "--api-key", "arca_test_not-a-key"]).await;
    assert!(!wrong_key.status.success());
    assert!(String::from_utf8_lossy(&wrong_key.stderr).contains("401"));
}

#[tokio::test]
async fn health_and_metrics_report_the_circuit_breaker() {
    let app = TestApp::builder().env("ARCA_CIRCUIT_BREAKER", "true").start().await;
    let (status, body) = health(&app, "/health/arca").await;
    // ARCA itself answers: the breaker being held open is reported, not a 503.
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["circuit_breaker"], "open");
    assert_eq!(sample(&metrics(&app).await, "arca_circuit_breaker_state"), 2.0);

    let closed = TestApp::start().await;
    assert_eq!(health(&closed, "/health/arca").await.1["circuit_breaker"], "closed");
    assert_eq!(sample(&metrics(&closed).await, "arca_circuit_breaker_state"), 0.0);
}
