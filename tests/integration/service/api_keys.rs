use serde_json::json;

use arca_test_support::{CUIT_A, CUIT_B, TestApp};

#[tokio::test]
async fn create_list_and_revoke_keys() {
    let app = TestApp::start().await;
    let (_, first) = app.create_account("A", CUIT_A, json!({})).await;

    let created = app.post_json("/v1/api-keys", &first, &json!({"name": "ci"})).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json();
    let second = created["key"].as_str().unwrap().to_string();
    let second_id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["name"], "ci");
    assert_eq!(created["mode"], "test");
    assert_eq!(app.get("/v1/account", &second).await.status, 200);

    let list = app.get("/v1/api-keys", &first).await;
    assert_eq!(list.status, 200);
    assert!(!list.text().contains(&second), "a listed key never shows the full key");
    assert!(!list.text().contains(&first));
    let list = list.json();
    assert_eq!(list["pagination"], json!({"total": 2, "limit": 20, "offset": 0}));
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ci", "default"], "newest first");
    assert!(list["data"][0]["key"].is_null());
    assert!(second.starts_with(list["data"][0]["prefix"].as_str().unwrap()));

    // Revoked: the very next request with it is refused.
    let revoked = app.delete(&format!("/v1/api-keys/{second_id}"), &first).await;
    assert_eq!(revoked.status, 204, "{}", revoked.text());
    app.get("/v1/account", &second).await.problem(401, "UNAUTHORIZED");
    app.delete(&format!("/v1/api-keys/{second_id}"), &first)
        .await
        .problem(404, "NOT_FOUND");
    assert_eq!(app.get("/v1/api-keys", &first).await.json()["pagination"]["total"], 1);
}

#[tokio::test]
async fn a_key_can_revoke_itself() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    let id = app.get("/v1/api-keys", &key).await.json()["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.delete(&format!("/v1/api-keys/{id}"), &key).await.status, 204);
    app.get("/v1/api-keys", &key).await.problem(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn lists_paginate_newest_first() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    for name in ["k1", "k2", "k3", "k4"] {
        assert_eq!(
            app.post_json("/v1/api-keys", &key, &json!({"name": name})).await.status,
            201
        );
    }
    let page = app.get("/v1/api-keys?limit=2&offset=1", &key).await.json();
    assert_eq!(page["pagination"], json!({"total": 5, "limit": 2, "offset": 1}));
    let names: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["k3", "k2"]);
    let past_the_end = app.get("/v1/api-keys?offset=10", &key).await.json();
    assert_eq!(past_the_end["data"], json!([]));

    let bad = app.get("/v1/api-keys?limit=0&offset=-1", &key).await;
    bad.problem(400, "VALIDATION_ERROR");
    assert_eq!(bad.error_fields(), ["limit", "offset"]);
    app.get("/v1/api-keys?limit=101", &key)
        .await
        .problem(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn tenants_cannot_see_or_touch_each_others_keys() {
    let app = TestApp::start().await;
    let (account_a, key_a) = app.create_account("A", CUIT_A, json!({})).await;
    let (account_b, key_b) = app.create_account("B", CUIT_B, json!({})).await;
    let b_key_id = app.get("/v1/api-keys", &key_b).await.json()["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A cannot revoke B's key: to A it does not exist.
    app.delete(&format!("/v1/api-keys/{b_key_id}"), &key_a)
        .await
        .problem(404, "NOT_FOUND");
    assert_eq!(app.get("/v1/account", &key_b).await.status, 200, "B's key still works");

    // Each sees only its own keys and its own account.
    let a_list = app.get("/v1/api-keys", &key_a).await.json();
    assert_eq!(a_list["pagination"]["total"], 1);
    assert!(!a_list.to_string().contains(&b_key_id));
    assert_eq!(app.get("/v1/account", &key_a).await.json()["id"], account_a.as_str());
    assert_eq!(app.get("/v1/account", &key_b).await.json()["id"], account_b.as_str());
}

#[tokio::test]
async fn key_names_are_validated() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    let response = app.post_json("/v1/api-keys", &key, &json!({"name": "  "})).await;
    response.problem(400, "VALIDATION_ERROR");
    assert_eq!(response.error_fields(), ["name"]);
}

/// Requests that arrive together with a key no cache holds read it from the database once (one
/// look-up, one `last_used_at` write), with the in-process cache and with Redis; the key is
/// refused on the request after its revocation all the same.
#[tokio::test]
async fn concurrent_requests_with_an_uncached_key_read_the_database_once() {
    for redis in [false, true] {
        let app = if redis {
            TestApp::builder().redis().start().await
        } else {
            TestApp::start().await
        };
        let (_, admin) = app.create_account("A", CUIT_A, json!({})).await;
        let created = app
            .post_json("/v1/api-keys", &admin, &json!({"name": "pos"}))
            .await
            .json();
        let key = created["key"].as_str().unwrap().to_string();
        let id = created["id"].as_str().unwrap().to_string();

        let app = std::sync::Arc::new(app);
        let before = app.state.keys.database_lookups();
        let mut requests = tokio::task::JoinSet::new();
        for _ in 0..40 {
            let (app, key) = (app.clone(), key.clone());
            requests.spawn(async move { app.get("/v1/account", &key).await.status });
        }
        while let Some(status) = requests.join_next().await {
            assert_eq!(status.unwrap(), 200, "redis: {redis}");
        }
        assert_eq!(app.state.keys.database_lookups() - before, 1, "redis: {redis}");
        let listed = app.get("/v1/api-keys", &admin).await.json();
        let used = listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id.as_str());
        assert!(used.unwrap()["last_used_at"].is_string(), "{listed}");

        assert_eq!(app.delete(&format!("/v1/api-keys/{id}"), &admin).await.status, 204);
        app.get("/v1/account", &key).await.problem(401, "UNAUTHORIZED");
    }
}
