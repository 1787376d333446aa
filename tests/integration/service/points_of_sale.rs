use arca_service::points_of_sale::{ArcaPointOfSale, upsert_points_of_sale_from_arca};
use chrono::NaiveDate;
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp};

async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    let response = app.post_json("/v1/points-of-sale", key, &body).await;
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()
}

fn numeros(list: &Value) -> Vec<i64> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|point| point["numero"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn create_read_update_and_delete() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;

    let created = create(&app, &key, json!({"numero": 3, "descripcion": " Local centro "})).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("pos_"), "{id}");
    assert_eq!(created["numero"], 3);
    assert_eq!(created["descripcion"], "Local centro");
    assert_eq!(created["tipo_emision"], "CAE", "the default");
    assert_eq!(created["bloqueado"], false);
    assert_eq!(created["fecha_baja"], Value::Null);
    assert_eq!(created["origin"], "manual");
    assert_eq!(created["created_at"], created["updated_at"]);

    let path = format!("/v1/points-of-sale/{id}");
    assert_eq!(app.get(&path, &key).await.json(), created);

    // Only the fields sent change.
    let updated = app
        .patch_json(&path, &key, &json!({"bloqueado": true, "fecha_baja": "2026-05-31"}))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text());
    let updated = updated.json();
    assert_eq!(updated["bloqueado"], true);
    assert_eq!(updated["fecha_baja"], "2026-05-31");
    assert_eq!(updated["descripcion"], "Local centro");
    assert_eq!(updated["numero"], 3);
    assert_eq!(updated["created_at"], created["created_at"]);

    // null clears a nullable field; an empty PATCH changes nothing.
    let cleared = app
        .patch_json(
            &path,
            &key,
            &json!({"fecha_baja": null, "descripcion": null, "numero": 4}),
        )
        .await
        .json();
    assert_eq!(cleared["fecha_baja"], Value::Null);
    assert_eq!(cleared["descripcion"], Value::Null);
    assert_eq!(cleared["numero"], 4);
    assert_eq!(cleared["bloqueado"], true);
    let unchanged = app.patch_json(&path, &key, &json!({})).await.json();
    assert_eq!(unchanged["numero"], 4);

    let list = app.get("/v1/points-of-sale", &key).await.json();
    assert_eq!(list["pagination"], json!({"total": 1, "limit": 20, "offset": 0}));
    assert_eq!(list["data"][0]["id"], id.as_str());

    assert_eq!(app.delete(&path, &key).await.status, 204);
    app.get(&path, &key).await.problem(404, "NOT_FOUND");
    app.delete(&path, &key).await.problem(404, "NOT_FOUND");
    app.patch_json(&path, &key, &json!({"bloqueado": false}))
        .await
        .problem(404, "NOT_FOUND");
}

#[tokio::test]
async fn fields_are_validated() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    for (body, field) in [
        (json!({"numero": 0}), "numero"),
        (json!({"numero": 99999}), "numero"),
        (json!({"numero": "1"}), "numero"),
        (json!({}), "numero"),
        (json!({"numero": 1, "tipo_emision": " "}), "tipo_emision"),
        (json!({"numero": 1, "descripcion": "x".repeat(201)}), "descripcion"),
        (json!({"numero": 1, "fecha_baja": "31/05/2026"}), "fecha_baja"),
        (json!({"numero": 1, "origin": "arca"}), "body"),
    ] {
        let response = app.post_json("/v1/points-of-sale", &key, &body).await;
        let problem = response.problem(400, "VALIDATION_ERROR");
        let fields = response.error_fields();
        assert!(
            fields.iter().any(|f| f == field) || (field == "body" && !fields.is_empty()),
            "{body} → {problem}"
        );
    }
    let both = app
        .post_json(
            "/v1/points-of-sale",
            &key,
            &json!({"numero": 100000, "tipo_emision": ""}),
        )
        .await;
    both.problem(400, "VALIDATION_ERROR");
    assert_eq!(both.error_fields(), ["numero", "tipo_emision"], "every problem at once");

    let id = create(&app, &key, json!({"numero": 1})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/points-of-sale/{id}");
    let bad = app.patch_json(&path, &key, &json!({"numero": -5})).await;
    bad.problem(400, "VALIDATION_ERROR");
    assert_eq!(bad.error_fields(), ["numero"]);
    assert_eq!(app.get(&path, &key).await.json()["numero"], 1, "nothing written");
    for field in ["numero", "tipo_emision", "bloqueado"] {
        let null = app.patch_json(&path, &key, &json!({field: null})).await;
        null.problem(400, "VALIDATION_ERROR");
        assert_eq!(null.error_fields(), [field], "null is refused, not ignored");
    }
}

#[tokio::test]
async fn numbers_are_unique_per_account() {
    let app = TestApp::start().await;
    let (_, key_a) = app.create_account("A", CUIT_A, json!({})).await;
    let (_, key_b) = app.create_account("B", CUIT_B, json!({})).await;
    create(&app, &key_a, json!({"numero": 1})).await;
    let second = create(&app, &key_a, json!({"numero": 2})).await;

    let duplicate = app.post_json("/v1/points-of-sale", &key_a, &json!({"numero": 1})).await;
    let problem = duplicate.problem(409, "CONFLICT");
    assert!(problem["detail"].as_str().unwrap().contains('1'), "{problem}");
    let path = format!("/v1/points-of-sale/{}", second["id"].as_str().unwrap());
    app.patch_json(&path, &key_a, &json!({"numero": 1}))
        .await
        .problem(409, "CONFLICT");

    // Another account may use the same number.
    create(&app, &key_b, json!({"numero": 1})).await;
}

#[tokio::test]
async fn tenants_cannot_see_or_touch_each_others_points_of_sale() {
    let app = TestApp::start().await;
    let (_, key_a) = app.create_account("A", CUIT_A, json!({})).await;
    let (_, key_b) = app.create_account("B", CUIT_B, json!({})).await;
    let a_point = create(&app, &key_a, json!({"numero": 7, "descripcion": "A's"})).await;
    let path = format!("/v1/points-of-sale/{}", a_point["id"].as_str().unwrap());

    app.get(&path, &key_b).await.problem(404, "NOT_FOUND");
    app.patch_json(&path, &key_b, &json!({"descripcion": "B was here"}))
        .await
        .problem(404, "NOT_FOUND");
    app.delete(&path, &key_b).await.problem(404, "NOT_FOUND");
    assert_eq!(
        app.get("/v1/points-of-sale", &key_b).await.json()["pagination"]["total"],
        0
    );
    assert_eq!(app.get(&path, &key_a).await.json(), a_point, "untouched");
}

#[tokio::test]
async fn lists_paginate_newest_first() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    for numero in [10, 20, 30, 40, 50] {
        create(&app, &key, json!({"numero": numero})).await;
    }
    let page = app.get("/v1/points-of-sale?limit=2&offset=1", &key).await.json();
    assert_eq!(page["pagination"], json!({"total": 5, "limit": 2, "offset": 1}));
    assert_eq!(numeros(&page), [40, 30]);
    let bad = app.get("/v1/points-of-sale?limit=500", &key).await;
    bad.problem(400, "VALIDATION_ERROR");
    assert_eq!(bad.error_fields(), ["limit"]);
}

/// The storage function the sync endpoint calls with FEParamGetPtosVenta's answer.
#[tokio::test]
async fn points_of_sale_read_from_arca_are_upserted() {
    let app = TestApp::start().await;
    let (account, key) = app.create_account("A", CUIT_A, json!({})).await;
    let manual = create(&app, &key, json!({"numero": 1, "descripcion": "Mostrador"})).await;

    let closed = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    let from_arca = [
        ArcaPointOfSale {
            numero: 1,
            tipo_emision: "CAE - Ri Iva".into(),
            bloqueado: true,
            fecha_baja: Some(closed),
        },
        ArcaPointOfSale {
            numero: 2,
            tipo_emision: "CAEA".into(),
            bloqueado: false,
            fecha_baja: None,
        },
    ];
    for _ in 0..2 {
        let written = upsert_points_of_sale_from_arca(&app.storage, &account, &from_arca, chrono::Utc::now())
            .await
            .expect("upsert");
        assert_eq!(written, 2, "idempotent");
    }

    let list = app.get("/v1/points-of-sale", &key).await.json();
    assert_eq!(list["pagination"]["total"], 2);
    let by_numero = |numero: i64| {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|point| point["numero"] == numero)
            .cloned()
            .unwrap()
    };
    let first = by_numero(1);
    assert_eq!(first["id"], manual["id"], "same row, updated in place");
    assert_eq!(first["descripcion"], "Mostrador", "the sync keeps the description");
    assert_eq!(first["tipo_emision"], "CAE - Ri Iva");
    assert_eq!(first["bloqueado"], true);
    assert_eq!(first["fecha_baja"], "2025-12-31");
    assert_eq!(first["origin"], "arca");
    let second = by_numero(2);
    assert_eq!(second["origin"], "arca");
    assert_eq!(second["tipo_emision"], "CAEA");
    assert!(second["id"].as_str().unwrap().starts_with("pos_"));

    // Another account's numbers are its own.
    let (_, key_b) = app.create_account("B", CUIT_B, json!({})).await;
    assert_eq!(
        app.get("/v1/points-of-sale", &key_b).await.json()["pagination"]["total"],
        0
    );
}

#[tokio::test]
async fn sync_reads_the_points_of_sale_arca_lists() {
    let app = arca_test_support::TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Sync", arca_test_support::CUIT_A).await;
    let synced = app
        .post_json("/v1/points-of-sale/sync", &key, &serde_json::json!({}))
        .await;
    assert_eq!(synced.status, 200, "{}", synced.text());
    assert_eq!(synced.json()["listed_by_arca"], 3, "the simulator lists 1, 2 and 3");
    let listed = app.get("/v1/points-of-sale", &key).await.json();
    assert_eq!(listed["pagination"]["total"], 3);
    assert!(
        listed["data"].as_array().unwrap().iter().all(|p| p["origin"] == "arca"),
        "{listed}"
    );
    // Again: nothing new, nothing duplicated.
    app.post_json("/v1/points-of-sale/sync", &key, &serde_json::json!({}))
        .await;
    assert_eq!(
        app.get("/v1/points-of-sale", &key).await.json()["pagination"]["total"],
        3
    );
}
