//! What `/metrics` exposes, and to whom: label values stay bounded whatever methods clients
//! make up, no tenant identifier reaches an anonymous scrape, and with `METRICS_TOKEN` only a
//! scrape presenting it is answered, and only that one sees the per-CUIT series.

use serde_json::json;

use arca_test_support::{CUIT_A, TestApp};

const METRICS_TOKEN: &str = "metrics-token-0123456789abcdef";

async fn scrape(app: &TestApp, headers: &[(&str, &str)]) -> String {
    let response = app.request("GET", "/metrics", headers, None).await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.text()
}

/// Sample lines (not `#` comments) whose labels include `method="OTHER"`.
fn other_method_series(text: &str) -> usize {
    text.lines()
        .filter(|line| !line.starts_with('#') && line.contains("method=\"OTHER\""))
        .count()
}

async fn send_junk_methods(app: &TestApp, round: &str, count: usize) {
    for index in 0..count {
        let method = format!("XYZ{round}{index}");
        for path in ["/health", "/no/such/path", "/v1/invoices"] {
            let response = app.request(&method, path, &[], None).await;
            assert!(response.status < 500, "{method} {path}: {}", response.status);
        }
    }
}

#[tokio::test]
async fn made_up_methods_do_not_grow_the_series() {
    let app = TestApp::start().await;
    // Every (path, status) a made-up method can reach, once.
    send_junk_methods(&app, "warmup", 1).await;
    let before = scrape(&app, &[]).await;
    let series_before = other_method_series(&before);
    assert!(series_before >= 1, "made-up methods are counted as OTHER:\n{before}");

    send_junk_methods(&app, "burst", 100).await;
    let after = scrape(&app, &[]).await;
    assert_eq!(
        other_method_series(&after),
        series_before,
        "100 new methods, no new series"
    );
    assert!(!after.contains("XYZ"), "a made-up method reached a label");
    assert!(!after.contains("/no/such/path"), "an unmatched path reached a label");
}

#[tokio::test]
async fn an_anonymous_scrape_names_no_tenant() {
    let app = TestApp::start().await;
    app.account_with_certificate("Almacén", CUIT_A).await;
    let text = scrape(&app, &[]).await;
    assert!(!text.contains(CUIT_A), "a CUIT on the open /metrics:\n{text}");
    assert!(!text.contains("cuit="), "{text}");
    assert!(!text.contains("arca_certificate_expiry_days"), "{text}");
    // The aggregates carry what the alerts need.
    let min_days = text
        .lines()
        .find_map(|line| line.strip_prefix("arca_certificate_min_expiry_days "))
        .unwrap_or_else(|| panic!("no minimum expiry:\n{text}"));
    assert!(min_days.parse::<f64>().unwrap() > 30.0, "{min_days}");
    assert!(text.contains("\narca_certificates_expiring_soon 0\n"), "{text}");
    assert!(text.contains("\narca_certificates_expired 0\n"), "{text}");
}

#[tokio::test]
async fn with_metrics_token_only_its_bearer_is_answered_and_sees_each_cuit() {
    let app = TestApp::builder().env("METRICS_TOKEN", METRICS_TOKEN).start().await;
    app.account_with_certificate("Almacén", CUIT_A).await;

    let missing = app.request("GET", "/metrics", &[], None).await;
    let problem = missing.problem(401, "UNAUTHORIZED");
    assert!(
        problem["detail"].as_str().unwrap().contains("METRICS_TOKEN"),
        "{problem}"
    );
    assert!(!missing.text().contains("http_requests_total"));
    let wrong = format!("Bearer {}x", METRICS_TOKEN);
    app.request("GET", "/metrics", &[("authorization", &wrong)], None)
        .await
        .problem(401, "UNAUTHORIZED");
    // An API key is not the metrics token.
    let (_, key) = app.create_account("B", "30714075345", json!({})).await;
    let as_key = format!("Bearer {key}");
    app.request("GET", "/metrics", &[("authorization", &as_key)], None)
        .await
        .problem(401, "UNAUTHORIZED");

    let bearer = format!("Bearer {METRICS_TOKEN}");
    let text = scrape(&app, &[("authorization", &bearer)]).await;
    assert!(
        text.contains(&format!("arca_certificate_expiry_days{{cuit=\"{CUIT_A}\"}} ")),
        "{text}"
    );
    assert!(text.contains("arca_certificate_min_expiry_days "), "{text}");
}
