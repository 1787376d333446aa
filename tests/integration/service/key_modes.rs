//! API key modes: an instance accepts only keys of the mode its ARCA environment gives
//! (`arca_test_…` for the simulator and homologation, `arca_live_…` for production), refuses
//! the other mode with 401 `API_KEY_MODE_MISMATCH` before anything else, and creates keys of its
//! own mode only. Two instances of one database, one in each mode, as after a restart with
//! `ARCA_ENVIRONMENT=production` on the data of a sandbox.

use serde_json::json;

use arca_test_support::samples::invoice_request;
use arca_test_support::{CUIT_A, CUIT_B, TestApp};

#[tokio::test]
async fn a_test_key_is_refused_by_a_production_instance() {
    let sandbox = TestApp::start().await;
    let production = TestApp::builder()
        .instance_of(&sandbox)
        .env("ARCA_ENVIRONMENT", "production")
        .start()
        .await;
    let (_, test_key) = sandbox.create_account("A", CUIT_A, json!({})).await;
    assert!(test_key.starts_with("arca_test_"), "{test_key}");
    assert_eq!(sandbox.get("/v1/account", &test_key).await.status, 200);

    let refused = production.get("/v1/account", &test_key).await;
    let problem = refused.problem(401, "API_KEY_MODE_MISMATCH");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("test key") && detail.contains("only live"), "{detail}");
    assert!(!refused.text().contains(&test_key), "the key is never echoed");
    // Whatever the route and however the key is sent.
    production
        .request("GET", "/v1/account", &[("x-api-key", &test_key)], None)
        .await
        .problem(401, "API_KEY_MODE_MISMATCH");
    production
        .post_json("/v1/invoices", &test_key, &invoice_request(1))
        .await
        .problem(401, "API_KEY_MODE_MISMATCH");
    production
        .post_json("/v1/api-keys", &test_key, &json!({"name": "escalate"}))
        .await
        .problem(401, "API_KEY_MODE_MISMATCH");
    let keys = sandbox.get("/v1/api-keys", &test_key).await.json();
    assert_eq!(keys["pagination"]["total"], 1, "no key was created: {keys}");
}

#[tokio::test]
async fn a_live_key_is_refused_by_a_sandbox_instance() {
    let production = TestApp::builder().env("ARCA_ENVIRONMENT", "production").start().await;
    let sandbox = TestApp::builder().instance_of(&production).start().await;
    let (_, live_key) = production.create_account("B", CUIT_B, json!({})).await;
    assert!(live_key.starts_with("arca_live_"), "{live_key}");
    assert_eq!(production.get("/v1/account", &live_key).await.status, 200);

    let problem = sandbox
        .get("/v1/account", &live_key)
        .await
        .problem(401, "API_KEY_MODE_MISMATCH");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("live key") && detail.contains("only test"), "{detail}");
    sandbox
        .post_json("/v1/api-keys", &live_key, &json!({"name": "downgrade"}))
        .await
        .problem(401, "API_KEY_MODE_MISMATCH");
    // A key of the other mode that does not exist gets the same answer: the refusal says
    // nothing about what is stored.
    let forged = format!("arca_test_{}", "A".repeat(43));
    production
        .get("/v1/account", &forged)
        .await
        .problem(401, "API_KEY_MODE_MISMATCH");
}

#[tokio::test]
async fn keys_create_keys_of_their_own_mode_only() {
    let sandbox = TestApp::start().await;
    let production = TestApp::builder()
        .instance_of(&sandbox)
        .env("ARCA_ENVIRONMENT", "production")
        .start()
        .await;
    let (_, test_key) = sandbox.create_account("A", CUIT_A, json!({})).await;
    let (_, live_key) = production.create_account("B", CUIT_B, json!({})).await;

    for (app, key, mode) in [(&sandbox, &test_key, "test"), (&production, &live_key, "live")] {
        let created = app.post_json("/v1/api-keys", key, &json!({"name": "second"})).await;
        assert_eq!(created.status, 201, "{}", created.text());
        let created = created.json();
        assert_eq!(created["mode"], mode);
        let new_key = created["key"].as_str().unwrap();
        assert!(new_key.starts_with(&format!("arca_{mode}_")), "{new_key}");
        assert_eq!(app.get("/v1/account", new_key).await.status, 200);
        let listed = app.get("/v1/api-keys", key).await.json();
        for listed in listed["data"].as_array().unwrap() {
            assert_eq!(listed["mode"], mode, "{listed}");
        }
    }
}
