//! Two instances of the service on one database and one Redis: revoking a key through one is
//! refused by the other on its very next request (the look-up cache is shared in Redis).
//! These tests use Redis on SQLite too (`TEST_REDIS_URL`, default `redis://127.0.0.1:6379`):
//! several instances without Redis is not a supported deployment.

use serde_json::json;

use arca_test_support::{CUIT_A, TestApp};

#[tokio::test]
async fn a_key_revoked_on_one_instance_is_refused_by_the_other_at_once() {
    let first = TestApp::builder().redis().start().await;
    let second = TestApp::builder().instance_of(&first).start().await;
    let (_, admin_key) = first.create_account("A", CUIT_A, json!({})).await;

    for (revoking, other) in [(&first, &second), (&second, &first)] {
        let created = revoking
            .post_json("/v1/api-keys", &admin_key, &json!({"name": "pos-terminal"}))
            .await
            .json();
        let key = created["key"].as_str().unwrap().to_string();
        let id = created["id"].as_str().unwrap().to_string();
        // Both instances have accepted (and so cached) the key.
        assert_eq!(other.get("/v1/account", &key).await.status, 200);
        assert_eq!(revoking.get("/v1/account", &key).await.status, 200);
        assert_eq!(other.get("/v1/account", &key).await.status, 200);

        let revoked = revoking.delete(&format!("/v1/api-keys/{id}"), &admin_key).await;
        assert_eq!(revoked.status, 204, "{}", revoked.text());
        other.get("/v1/account", &key).await.problem(401, "UNAUTHORIZED");
        revoking.get("/v1/account", &key).await.problem(401, "UNAUTHORIZED");
        other.get("/v1/account", &key).await.problem(401, "UNAUTHORIZED");
    }
    // The key that did the revoking still works on both.
    assert_eq!(first.get("/v1/account", &admin_key).await.status, 200);
    assert_eq!(second.get("/v1/account", &admin_key).await.status, 200);
}

#[tokio::test]
async fn instances_share_accounts_and_keys() {
    let first = TestApp::builder().redis().start().await;
    let second = TestApp::builder().instance_of(&first).start().await;
    let (account, key) = second.create_account("A", CUIT_A, json!({})).await;
    assert_eq!(first.get("/v1/account", &key).await.json()["id"], account.as_str());
    let created = first
        .post_json(
            "/v1/customers",
            &key,
            &json!({"documento_tipo": 99, "documento_numero": "0",
            "razon_social": "Consumidor Final", "condicion_iva": "consumidor_final"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(second.get("/v1/customers", &key).await.json()["pagination"]["total"], 1);
}
