use base64::Engine as _;
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp};

const PATH: &str = "/v1/account/issuer-profile";

/// A 1 × 1 grey PNG, valid down to its CRCs.
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==";

fn profile() -> Value {
    json!({
        "razon_social": "Almacén Don Pepe S.R.L.",
        "domicilio_comercial": "Av. Rivadavia 1000, CABA",
        "condicion_iva": "responsable_inscripto",
        "ingresos_brutos": "901-123456-7",
        "inicio_actividades": "2019-04-01",
        "logo": {"tipo": "image/png", "contenido_base64": PNG_1X1}
    })
}

fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

#[tokio::test]
async fn a_profile_is_set_read_and_replaced_whole() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;

    let none = app.get(PATH, &key).await.problem(404, "NOT_FOUND");
    assert!(
        none["detail"]
            .as_str()
            .unwrap()
            .contains("PUT /v1/account/issuer-profile")
    );

    let put = app.put_json(PATH, &key, &profile()).await;
    assert_eq!(put.status, 200, "{}", put.text());
    let stored = put.json();
    assert_eq!(stored["razon_social"], "Almacén Don Pepe S.R.L.");
    assert_eq!(stored["condicion_iva"], "responsable_inscripto");
    assert_eq!(stored["ingresos_brutos"], "901-123456-7");
    assert_eq!(stored["inicio_actividades"], "2019-04-01");
    assert_eq!(stored["logo"]["tipo"], "image/png");
    assert_eq!(stored["logo"]["contenido_base64"], PNG_1X1);
    assert_eq!(stored["logo"]["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(app.get(PATH, &key).await.json(), stored);

    // A PUT replaces everything: no logo, other words.
    let replacement = json!({
        "razon_social": "  Don Pepe  ",
        "domicilio_comercial": "Calle 7 nº 1, La Plata",
        "condicion_iva": "monotributo",
        "ingresos_brutos": "convenio_multilateral",
        "inicio_actividades": "2021-01-15"
    });
    let replaced = app.put_json(PATH, &key, &replacement).await;
    assert_eq!(replaced.status, 200, "{}", replaced.text());
    let replaced = replaced.json();
    assert_eq!(replaced["razon_social"], "Don Pepe", "trimmed");
    assert_eq!(replaced["logo"], Value::Null);
    assert_eq!(replaced["ingresos_brutos"], "convenio_multilateral");
    assert_eq!(replaced["created_at"], stored["created_at"]);
    assert_eq!(app.get(PATH, &key).await.json(), replaced);

    // Tenants never see each other's profile.
    let (_, other) = app.create_account("B", CUIT_B, json!({})).await;
    app.get(PATH, &other).await.problem(404, "NOT_FOUND");
    let others = app
        .put_json(PATH, &other, &with(profile(), "razon_social", json!("Otro")))
        .await;
    assert_eq!(others.status, 200);
    assert_eq!(app.get(PATH, &key).await.json()["razon_social"], "Don Pepe");
}

#[tokio::test]
async fn bad_profiles_are_refused_naming_the_field_and_change_nothing() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    assert_eq!(app.put_json(PATH, &key, &profile()).await.status, 200);
    let before = app.get(PATH, &key).await.json();

    let cases: Vec<(Value, &str)> = vec![
        (with(profile(), "razon_social", json!("")), "razon_social"),
        (with(profile(), "razon_social", json!("x".repeat(201))), "razon_social"),
        (with(profile(), "razon_social", json!("A\u{202E}B")), "razon_social"),
        (
            with(profile(), "domicilio_comercial", json!("Calle 1\nPiso 2")),
            "domicilio_comercial",
        ),
        (
            with(profile(), "domicilio_comercial", json!("x".repeat(301))),
            "domicilio_comercial",
        ),
        (
            with(profile(), "condicion_iva", json!("consumidor_final")),
            "condicion_iva",
        ),
        (with(profile(), "ingresos_brutos", json!("Exento")), "ingresos_brutos"),
        (
            with(profile(), "ingresos_brutos", json!("1".repeat(31))),
            "ingresos_brutos",
        ),
        (
            with(profile(), "inicio_actividades", json!("2020-02-30")),
            "inicio_actividades",
        ),
        (
            with(
                profile(),
                "logo",
                json!({"tipo": "image/gif", "contenido_base64": PNG_1X1}),
            ),
            "logo.tipo",
        ),
        (
            with(
                profile(),
                "logo",
                json!({"tipo": "image/jpeg", "contenido_base64": PNG_1X1}),
            ),
            "logo.tipo",
        ),
        (
            with(
                profile(),
                "logo",
                json!({"tipo": "image/png", "contenido_base64": "R0lGODlhAQABAAAAACw="}),
            ),
            "logo.contenido_base64",
        ),
        (
            with(
                profile(),
                "logo",
                json!({"tipo": "image/png", "contenido_base64": "not base64!"}),
            ),
            "logo.contenido_base64",
        ),
        (with(profile(), "extra", json!(1)), "extra"),
    ];
    for (body, field) in cases {
        let response = app.put_json(PATH, &key, &body).await;
        response.problem(400, "VALIDATION_ERROR");
        assert!(
            response.error_fields().iter().any(|f| f == field),
            "{field}: {}",
            response.text()
        );
    }
    let mut missing = profile();
    missing.as_object_mut().unwrap().remove("ingresos_brutos");
    app.put_json(PATH, &key, &missing)
        .await
        .problem(400, "VALIDATION_ERROR");

    // A logo over 256 KiB, even one that starts like a PNG.
    let mut big = base64::engine::general_purpose::STANDARD.decode(PNG_1X1).unwrap();
    big.resize(256 * 1024 + 1, 0);
    let big = base64::engine::general_purpose::STANDARD.encode(big);
    let response = app
        .put_json(
            PATH,
            &key,
            &with(profile(), "logo", json!({"tipo": "image/png", "contenido_base64": big})),
        )
        .await;
    response.problem(400, "VALIDATION_ERROR");
    assert_eq!(response.error_fields(), ["logo.contenido_base64"]);
    assert!(response.text().contains("256 KiB"), "{}", response.text());

    assert_eq!(app.get(PATH, &key).await.json(), before, "nothing changed");
}

#[tokio::test]
async fn a_point_of_sale_has_an_optional_domicilio() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    let created = app
        .post_json(
            "/v1/points-of-sale",
            &key,
            &json!({"numero": 2, "domicilio": " Sucursal Norte, Av. Cabildo 2000 "}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json();
    assert_eq!(created["domicilio"], "Sucursal Norte, Av. Cabildo 2000");
    let path = format!("/v1/points-of-sale/{}", created["id"].as_str().unwrap());
    assert_eq!(app.get(&path, &key).await.json()["domicilio"], created["domicilio"]);

    let cleared = app.patch_json(&path, &key, &json!({"domicilio": null})).await.json();
    assert_eq!(cleared["domicilio"], Value::Null);
    let without = app
        .post_json("/v1/points-of-sale", &key, &json!({"numero": 3}))
        .await
        .json();
    assert_eq!(without["domicilio"], Value::Null);

    for bad in [json!("x".repeat(301)), json!("Calle\n1")] {
        let response = app.patch_json(&path, &key, &json!({"domicilio": bad})).await;
        response.problem(400, "VALIDATION_ERROR");
        assert_eq!(response.error_fields(), ["domicilio"]);
    }
}

#[tokio::test]
async fn the_printed_fields_of_a_request_round_trip_within_their_limits() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("A", CUIT_A).await;
    let mut request = arca_test_support::samples::invoice_request(1);
    request["cliente"]["domicilio"] = json!("Av. Santa Fe 1234, CABA");
    request["condicion_venta"] = json!("cuenta_corriente");
    request["items"][0]["codigo"] = json!("YER-1");
    request["items"][0]["unidad"] = json!("paquetes");
    let created = app.post_json("/v1/invoices", &key, &request).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json();
    assert_eq!(created["cliente_domicilio"], "Av. Santa Fe 1234, CABA");
    assert_eq!(created["condicion_venta"], "cuenta_corriente");
    assert_eq!(created["items"][0]["codigo"], "YER-1");
    assert_eq!(created["items"][0]["unidad"], "paquetes");
    let id = created["id"].as_str().unwrap();
    let found = app.get(&format!("/v1/invoices/{id}"), &key).await.json();
    assert_eq!(found["condicion_venta"], "cuenta_corriente");
    assert_eq!(found["items"], created["items"]);
    let listed = app.get("/v1/invoices", &key).await.json();
    assert!(listed["data"][0].get("items").is_none(), "lists stay small");

    // Omitted, they are absent (printed as "Contado" and "unidades").
    let plain = app
        .post_json("/v1/invoices", &key, &arca_test_support::samples::invoice_request(1))
        .await
        .json();
    assert!(plain.get("condicion_venta").is_none() && plain.get("cliente_domicilio").is_none());
    assert!(plain["items"][0].get("unidad").is_none());

    let cases: Vec<(&str, Value, &str)> = vec![
        ("/cliente/domicilio", json!("x".repeat(301)), "cliente.domicilio"),
        ("/cliente/domicilio", json!("Calle\n1"), "cliente.domicilio"),
        ("/cliente/domicilio", json!("  "), "cliente.domicilio"),
        ("/condicion_venta", json!("trueque"), "condicion_venta"),
        ("/items/0/codigo", json!("x".repeat(51)), "items[0].codigo"),
        ("/items/0/codigo", json!("A\tB"), "items[0].codigo"),
        ("/items/0/unidad", json!("x".repeat(31)), "items[0].unidad"),
        ("/items/0/unidad", json!(""), "items[0].unidad"),
    ];
    for (pointer, value, field) in cases {
        let mut body = arca_test_support::samples::invoice_request(1);
        let (parent, name) = pointer.rsplit_once('/').unwrap();
        body.pointer_mut(parent).unwrap()[name] = value;
        let response = app.post_json("/v1/invoices", &key, &body).await;
        response.problem(400, "VALIDATION_ERROR");
        assert!(
            response.error_fields().iter().any(|f| f == field),
            "{field}: {}",
            response.text()
        );
    }
    // Boundaries are accepted.
    let mut longest = arca_test_support::samples::invoice_request(1);
    longest["cliente"]["domicilio"] = json!("d".repeat(300));
    longest["items"][0]["codigo"] = json!("c".repeat(50));
    longest["items"][0]["unidad"] = json!("u".repeat(30));
    assert_eq!(app.post_json("/v1/invoices", &key, &longest).await.status, 201);
}
