use serde_json::json;

use arca_test_support::{CUIT_A, TestApp, TestResponse};

fn number(response: &TestResponse, header: &str) -> i64 {
    response
        .header(header)
        .unwrap_or_else(|| panic!("{header} missing"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn requests_over_the_limit_get_429_with_retry_after() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({"requests_per_minute": 3})).await;
    // A fixed window can roll over between two requests; then the count starts again, so the
    // sequence is retried from the start in the new window (no sleeping, no flakiness).
    'window: for _attempt in 0..3 {
        let mut reset = None;
        for expected_remaining in [2, 1, 0] {
            let response = app.get("/v1/account", &key).await;
            if response.status == 429 || reset.is_some_and(|reset| reset != number(&response, "x-ratelimit-reset")) {
                continue 'window;
            }
            assert_eq!(response.status, 200);
            assert_eq!(number(&response, "x-ratelimit-limit"), 3);
            assert_eq!(number(&response, "x-ratelimit-remaining"), expected_remaining);
            reset = Some(number(&response, "x-ratelimit-reset"));
        }
        let refused = app.get("/v1/account", &key).await;
        if reset != Some(number(&refused, "x-ratelimit-reset")) {
            continue 'window;
        }
        let problem = refused.problem(429, "RATE_LIMIT_EXCEEDED");
        assert_eq!(problem["retryable"], true);
        assert_eq!(number(&refused, "x-ratelimit-limit"), 3);
        assert_eq!(number(&refused, "x-ratelimit-remaining"), 0);
        let retry_after = number(&refused, "retry-after");
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let reset = reset.unwrap();
        assert!(reset > now - 1 && reset <= now + 61, "reset {reset} vs now {now}");
        return;
    }
    panic!("three window roll-overs in a row");
}

#[tokio::test]
async fn each_key_has_its_own_counter() {
    let app = TestApp::start().await;
    let (_, first) = app
        .create_account("A", CUIT_A, json!({"requests_per_minute": 50}))
        .await;
    let second = app
        .post_json("/v1/api-keys", &first, &json!({"name": "b"}))
        .await
        .json()["key"]
        .as_str()
        .unwrap()
        .to_string();
    let response = app.get("/v1/account", &second).await;
    assert_eq!(number(&response, "x-ratelimit-limit"), 50);
    // Only this request counted against the new key (unless the window just rolled over).
    assert_eq!(number(&response, "x-ratelimit-remaining"), 49);
}

#[tokio::test]
async fn rate_limiting_can_be_disabled() {
    let app = TestApp::builder().env("RATE_LIMIT_ENABLED", "false").start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({"requests_per_minute": 1})).await;
    for _ in 0..3 {
        let response = app.get("/v1/account", &key).await;
        assert_eq!(response.status, 200);
        assert!(response.header("x-ratelimit-limit").is_none());
    }
}
