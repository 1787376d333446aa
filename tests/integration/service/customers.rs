use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp};

fn acme() -> Value {
    json!({
        "documento_tipo": 80,
        "documento_numero": "30-71407534-5",
        "razon_social": "ACME Argentina SA",
        "condicion_iva": "responsable_inscripto",
        "email": "compras@acme.com.ar",
        "direccion": "Av. Corrientes 1234, CABA"
    })
}

async fn create(app: &TestApp, key: &str, body: &Value) -> Value {
    let response = app.post_json("/v1/customers", key, body).await;
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()
}

fn names(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|customer| customer["razon_social"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn create_read_update_and_delete() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;

    let created = create(&app, &key, &acme()).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("cus_"), "{id}");
    assert_eq!(created["documento_tipo"], 80);
    assert_eq!(created["documento_numero"], "30714075345", "stored as digits");
    assert_eq!(created["condicion_iva"], "responsable_inscripto");
    assert_eq!(created["email"], "compras@acme.com.ar");

    let path = format!("/v1/customers/{id}");
    assert_eq!(app.get(&path, &key).await.json(), created);

    let updated = app.patch_json(&path, &key, &json!({"razon_social": "ACME SA"})).await;
    assert_eq!(updated.status, 200, "{}", updated.text());
    let updated = updated.json();
    assert_eq!(updated["razon_social"], "ACME SA");
    for unchanged in [
        "documento_tipo",
        "documento_numero",
        "condicion_iva",
        "email",
        "direccion",
        "created_at",
    ] {
        assert_eq!(updated[unchanged], created[unchanged], "{unchanged}");
    }

    // null clears; the document can change as a whole.
    let changed = app
        .patch_json(
            &path,
            &key,
            &json!({"email": null, "documento_tipo": 96, "documento_numero": "26.756.539", "condicion_iva": "consumidor_final"}),
        )
        .await
        .json();
    assert_eq!(changed["email"], Value::Null);
    assert_eq!(changed["direccion"], created["direccion"]);
    assert_eq!(changed["documento_tipo"], 96);
    assert_eq!(changed["documento_numero"], "26756539");
    assert_eq!(changed["condicion_iva"], "consumidor_final");

    // A new type re-checks the stored number: a DNI is not a CUIT.
    let bad = app.patch_json(&path, &key, &json!({"documento_tipo": 80})).await;
    bad.problem(400, "VALIDATION_ERROR");
    assert_eq!(bad.error_fields(), ["documento_numero"]);
    let null = app.patch_json(&path, &key, &json!({"razon_social": null})).await;
    null.problem(400, "VALIDATION_ERROR");
    assert_eq!(null.error_fields(), ["razon_social"], "null is refused, not ignored");

    assert_eq!(app.delete(&path, &key).await.status, 204);
    app.get(&path, &key).await.problem(404, "NOT_FOUND");
    app.delete(&path, &key).await.problem(404, "NOT_FOUND");
}

#[tokio::test]
async fn consumidor_final_without_identification() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    let body = json!({"documento_tipo": 99, "documento_numero": "0", "razon_social": "Consumidor Final",
                      "condicion_iva": "consumidor_final"});
    let created = create(&app, &key, &body).await;
    assert_eq!(created["email"], Value::Null);
    assert_eq!(created["direccion"], Value::Null);
    let not_zero = json!({"documento_tipo": 99, "documento_numero": "123", "razon_social": "X",
                          "condicion_iva": "consumidor_final"});
    let response = app.post_json("/v1/customers", &key, &not_zero).await;
    response.problem(400, "VALIDATION_ERROR");
    assert_eq!(response.error_fields(), ["documento_numero"]);
}

#[tokio::test]
async fn fields_are_validated_naming_field_and_rule() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    let with = |field: &str, value: Value| {
        let mut body = acme();
        body[field] = value;
        body
    };

    // A CUIT whose check digit is wrong (…345 is right).
    let response = app
        .post_json("/v1/customers", &key, &with("documento_numero", json!("30714075346")))
        .await;
    let problem = response.problem(400, "VALIDATION_ERROR");
    assert_eq!(response.error_fields(), ["documento_numero"]);
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("check digit"), "{message}");

    let response = app
        .post_json("/v1/customers", &key, &with("documento_tipo", json!(15)))
        .await;
    let problem = response.problem(400, "VALIDATION_ERROR");
    assert_eq!(response.error_fields(), ["documento_tipo"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("document type")
    );

    let response = app
        .post_json("/v1/customers", &key, &with("condicion_iva", json!("inscripto")))
        .await;
    let problem = response.problem(400, "VALIDATION_ERROR");
    assert_eq!(response.error_fields(), ["condicion_iva"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("responsable_inscripto")
    );

    for (field, value) in [
        ("documento_numero", json!("20-1234")),
        ("razon_social", json!("  ")),
        ("email", json!("not-an-email")),
        ("direccion", json!("x".repeat(301))),
        ("documento_tipo", json!("80")),
    ] {
        let response = app.post_json("/v1/customers", &key, &with(field, value.clone())).await;
        response.problem(400, "VALIDATION_ERROR");
        assert_eq!(response.error_fields(), [field], "{field} = {value}");
    }

    let mut missing = acme();
    missing.as_object_mut().unwrap().remove("razon_social");
    let response = app.post_json("/v1/customers", &key, &missing).await;
    response.problem(400, "VALIDATION_ERROR");
    assert_eq!(response.error_fields(), ["razon_social"]);

    let everything = json!({"documento_tipo": 80, "documento_numero": "1", "razon_social": "",
                            "condicion_iva": "?", "email": "@"});
    let response = app.post_json("/v1/customers", &key, &everything).await;
    response.problem(400, "VALIDATION_ERROR");
    assert_eq!(
        response.error_fields(),
        ["documento_numero", "razon_social", "condicion_iva", "email"],
        "every problem at once"
    );
    assert_eq!(app.get("/v1/customers", &key).await.json()["pagination"]["total"], 0);
}

#[tokio::test]
async fn a_document_is_one_customer_per_account() {
    let app = TestApp::start().await;
    let (_, key_a) = app.create_account("A", CUIT_A, json!({})).await;
    let (_, key_b) = app.create_account("B", CUIT_B, json!({})).await;
    create(&app, &key_a, &acme()).await;

    // The same CUIT written without dashes is the same document.
    let mut again = acme();
    again["documento_numero"] = json!("30714075345");
    let problem = app
        .post_json("/v1/customers", &key_a, &again)
        .await
        .problem(409, "CONFLICT");
    assert!(problem["detail"].as_str().unwrap().contains("30714075345"), "{problem}");

    // A PATCH onto a taken document is a conflict too.
    let other = create(
        &app,
        &key_a,
        &json!({"documento_tipo": 80, "documento_numero": "20267565393", "razon_social": "Otro",
                "condicion_iva": "monotributo"}),
    )
    .await;
    let path = format!("/v1/customers/{}", other["id"].as_str().unwrap());
    app.patch_json(&path, &key_a, &json!({"documento_numero": "30714075345"}))
        .await
        .problem(409, "CONFLICT");

    // The same number under another type, or in another account, is another customer.
    let mut as_cuil = acme();
    as_cuil["documento_tipo"] = json!(86);
    create(&app, &key_a, &as_cuil).await;
    create(&app, &key_b, &acme()).await;
}

#[tokio::test]
async fn tenants_cannot_see_or_touch_each_others_customers() {
    let app = TestApp::start().await;
    let (_, key_a) = app.create_account("A", CUIT_A, json!({})).await;
    let (_, key_b) = app.create_account("B", CUIT_B, json!({})).await;
    let a_customer = create(&app, &key_a, &acme()).await;
    let path = format!("/v1/customers/{}", a_customer["id"].as_str().unwrap());

    app.get(&path, &key_b).await.problem(404, "NOT_FOUND");
    app.patch_json(&path, &key_b, &json!({"razon_social": "B was here"}))
        .await
        .problem(404, "NOT_FOUND");
    app.delete(&path, &key_b).await.problem(404, "NOT_FOUND");
    let b_list = app
        .get("/v1/customers?documento_numero=30714075345", &key_b)
        .await
        .json();
    assert_eq!(b_list["pagination"]["total"], 0);
    assert_eq!(app.get(&path, &key_a).await.json(), a_customer, "untouched");
}

#[tokio::test]
async fn lists_filter_and_paginate_newest_first() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    for (numero, name) in [
        ("20267565393", "Kiosco Don Pepe"),
        ("30714075345", "ACME Argentina SA"),
        ("27000000006", "Almacén La Esquina"),
        ("20111111112", "acme services srl"),
        ("23000000019", "100% Natural_SA"),
    ] {
        create(
            &app,
            &key,
            &json!({"documento_tipo": 80, "documento_numero": numero, "razon_social": name,
                    "condicion_iva": "responsable_inscripto"}),
        )
        .await;
    }
    let all = app.get("/v1/customers", &key).await.json();
    assert_eq!(all["pagination"], json!({"total": 5, "limit": 20, "offset": 0}));
    assert_eq!(names(&all)[0], "100% Natural_SA", "newest first");

    let page = app.get("/v1/customers?limit=2&offset=1", &key).await.json();
    assert_eq!(page["pagination"], json!({"total": 5, "limit": 2, "offset": 1}));
    assert_eq!(names(&page), ["acme services srl", "Almacén La Esquina"]);

    let acme = app.get("/v1/customers?q=AcMe", &key).await.json();
    assert_eq!(acme["pagination"]["total"], 2);
    assert_eq!(names(&acme), ["acme services srl", "ACME Argentina SA"]);
    let one = app.get("/v1/customers?q=acme&limit=1&offset=1", &key).await.json();
    assert_eq!(one["pagination"], json!({"total": 2, "limit": 1, "offset": 1}));
    assert_eq!(names(&one), ["ACME Argentina SA"]);

    // LIKE wildcards in q are literal characters.
    assert_eq!(
        app.get("/v1/customers?q=%25", &key).await.json()["pagination"]["total"],
        1
    );
    assert_eq!(
        app.get("/v1/customers?q=_", &key).await.json()["pagination"]["total"],
        1
    );
    assert_eq!(
        app.get("/v1/customers?q=pepe", &key).await.json()["pagination"]["total"],
        1
    );

    let by_number = app
        .get("/v1/customers?documento_numero=30-71407534-5", &key)
        .await
        .json();
    assert_eq!(names(&by_number), ["ACME Argentina SA"]);
    let both = app
        .get("/v1/customers?q=kiosco&documento_numero=30714075345", &key)
        .await
        .json();
    assert_eq!(both["pagination"]["total"], 0);
    let none = app.get("/v1/customers?q=zzz", &key).await.json();
    assert_eq!(
        none,
        json!({"data": [], "pagination": {"total": 0, "limit": 20, "offset": 0}})
    );

    app.get("/v1/customers?offset=-1", &key)
        .await
        .problem(400, "VALIDATION_ERROR");
}
