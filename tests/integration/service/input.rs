//! Hostile input (issue 11, classes 2, 3, 5, 6 and 10): every value that cannot be stored or
//! sent exactly is a 400 naming the field, before anything is stored, on both dialects.

use serde_json::{Value, json};

use arca_test_support::{CUIT_A, TestApp, TestResponse};

fn factura_b() -> Value {
    arca_test_support::samples::invoice_request(1)
}

async fn post_invoice(app: &TestApp, key: &str, body: &Value, extra: &[(&str, &str)]) -> TestResponse {
    let bearer = format!("Bearer {key}");
    let mut headers = vec![("authorization", bearer.as_str()), ("content-type", "application/json")];
    headers.extend_from_slice(extra);
    app.request(
        "POST",
        "/v1/invoices",
        &headers,
        Some(serde_json::to_vec(body).unwrap()),
    )
    .await
}

/// 400 `VALIDATION_ERROR` whose errors name `field`.
fn refused(response: &TestResponse, field: &str) {
    response.problem(400, "VALIDATION_ERROR");
    let fields = response.error_fields();
    assert!(
        fields.iter().any(|f| f == field),
        "expected {field} in {fields:?}: {}",
        response.text()
    );
}

async fn invoices_stored(app: &TestApp, key: &str) -> Value {
    app.get("/v1/invoices", key).await.json()["pagination"]["total"].clone()
}

#[tokio::test]
async fn numbers_arca_cannot_carry_exactly_are_refused_never_clamped() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;

    let cases: Vec<(Value, &str)> = vec![
        // The fuzzer's DNI (u64::MAX), an 11-digit DNI, a 12-digit number for another type.
        (
            json!({"documento_tipo": 96, "documento_numero": "18446744073709551615"}),
            "cliente.documento_numero",
        ),
        (
            json!({"documento_tipo": 96, "documento_numero": "12345678901"}),
            "cliente.documento_numero",
        ),
        (
            json!({"documento_tipo": 94, "documento_numero": "123456789012"}),
            "cliente.documento_numero",
        ),
        (
            json!({"documento_tipo": 80, "documento_numero": "20267565390"}),
            "cliente.documento_numero",
        ),
    ];
    for (cliente, field) in cases {
        let mut body = factura_b();
        body["cliente"]["documento_tipo"] = cliente["documento_tipo"].clone();
        body["cliente"]["documento_numero"] = cliente["documento_numero"].clone();
        refused(&post_invoice(&app, &key, &body, &[]).await, field);
    }

    // An associated voucher's point of sale and number beyond ARCA's fields (5 and 8 digits).
    let mut note = factura_b();
    note["tipo_comprobante"] = json!(8);
    note["comprobantes_asociados"] = json!([
        {"tipo_comprobante": 6, "punto_venta": 4_294_967_295_u64, "numero": 18_446_744_073_709_551_615_u64},
        {"tipo_comprobante": 6, "punto_venta": 0, "numero": 100_000_000, "cuit": "20-26756539-0"},
    ]);
    let response = post_invoice(&app, &key, &note, &[]).await;
    for field in [
        "comprobantes_asociados[0].punto_venta",
        "comprobantes_asociados[0].numero",
        "comprobantes_asociados[1].punto_venta",
        "comprobantes_asociados[1].numero",
        "comprobantes_asociados[1].cuit",
    ] {
        refused(&response, field);
    }
    assert_eq!(invoices_stored(&app, &key).await, 0, "nothing stored");

    // A DNI is sent exactly as given (dots dropped), and shown so.
    let mut body = factura_b();
    body["cliente"]["documento_tipo"] = json!(96);
    body["cliente"]["documento_numero"] = json!("1.234.567");
    let approved = post_invoice(&app, &key, &body, &[]).await;
    assert_eq!(approved.status, 201, "{}", approved.text());
    assert_eq!(approved.json()["cliente_documento_numero"], "1234567");
    let qr = arca_protocol::qr::QrData::from_url(approved.json()["qr_data"].as_str().unwrap()).unwrap();
    assert_eq!(qr.nro_doc_rec, Some(1_234_567), "the QR carries the number as given");
}

#[tokio::test]
async fn control_characters_are_refused_in_every_text_filter_and_id() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;

    // Customers: NUL, an ANSI escape, a bidi override, a line break in a one-line field.
    for (field, text) in [
        ("razon_social", "A\u{0}B"),
        ("razon_social", "\u{1b}[31mACME"),
        ("razon_social", "ACME\u{202E}AS"),
        ("direccion", "Calle 1\nPiso 2"),
        ("email", "a\u{0}@b.co"),
    ] {
        let mut body = json!({"documento_tipo": 80, "documento_numero": "20267565393",
                              "razon_social": "ACME SA", "condicion_iva": "responsable_inscripto"});
        body[field] = json!(text);
        refused(&app.post_json("/v1/customers", &key, &body).await, field);
    }
    assert_eq!(app.get("/v1/customers", &key).await.json()["pagination"]["total"], 0);

    // Invoices: the receiver's name, a tributo's description, metadata keys and values.
    let mut body = factura_b();
    body["cliente"]["razon_social"] = json!("A\u{0}B");
    refused(&post_invoice(&app, &key, &body, &[]).await, "cliente.razon_social");
    let mut body = factura_b();
    body["metadata"] = json!({"pedido": "\u{1b}[2J"});
    refused(&post_invoice(&app, &key, &body, &[]).await, "metadata.pedido");
    let mut body = factura_b();
    body["metadata"] = json!({"bad\u{0}key": "x"});
    refused(&post_invoice(&app, &key, &body, &[]).await, "metadata");
    let mut body = factura_b();
    body["items"][0]["descripcion"] = json!("Yerba\u{0}");
    refused(&post_invoice(&app, &key, &body, &[]).await, "items[0].descripcion");
    // API key names, points of sale.
    refused(
        &app.post_json("/v1/api-keys", &key, &json!({"name": "ci\u{7}"})).await,
        "name",
    );
    refused(
        &app.post_json(
            "/v1/points-of-sale",
            &key,
            &json!({"numero": 3, "descripcion": "a\u{0}"}),
        )
        .await,
        "descripcion",
    );

    // Path ids and filters: a 400 naming the parameter on both dialects, never a 500.
    refused(&app.get("/v1/invoices/inv_%00", &key).await, "id");
    refused(&app.get("/v1/customers/cus_%1B", &key).await, "id");
    refused(&app.get("/v1/customers?q=A%00B", &key).await, "q");
    refused(
        &app.get("/v1/invoices?cliente_nombre=%E2%80%AE", &key).await,
        "cliente_nombre",
    );
    refused(&app.get("/v1/invoices?status=%00", &key).await, "status");

    // Idempotency-Key: 1 to 255 printable ASCII characters.
    let long = "k".repeat(3000);
    refused(
        &post_invoice(&app, &key, &factura_b(), &[("idempotency-key", &long)]).await,
        "Idempotency-Key",
    );
    assert_eq!(invoices_stored(&app, &key).await, 0, "nothing stored");
    let longest = "k".repeat(255);
    let created = post_invoice(&app, &key, &factura_b(), &[("idempotency-key", &longest)]).await;
    assert_eq!(created.status, 201, "{}", created.text());

    // Several lines where several lines are meant: an item's description, metadata values.
    let mut body = factura_b();
    body["items"][0]["descripcion"] = json!("Yerba 1kg\n\tcon palo");
    body["metadata"] = json!({"nota": "línea 1\r\nlínea 2"});
    let created = post_invoice(&app, &key, &body, &[]).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["metadata"]["nota"], "línea 1\r\nlínea 2");
}

#[tokio::test]
async fn every_stored_field_and_array_is_bounded_and_lists_carry_no_metadata() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let item = factura_b()["items"][0].clone();
    let tributo = json!({"id": 99, "descripcion": "Otro", "base_imponible": "100.00", "alicuota": "1"});
    let asociado = json!({"tipo_comprobante": 6, "punto_venta": 1, "numero": 1});
    let many_keys: serde_json::Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!("v"))).collect();

    let cases: Vec<(&str, Value)> = vec![
        ("items", json!(vec![item.clone(); 201])),
        ("tributos", json!(vec![tributo; 21])),
        ("comprobantes_asociados", json!(vec![asociado; 51])),
        (
            "items[0].descripcion",
            json!([{"descripcion": "x".repeat(501), "cantidad": 1, "precio_unitario": "1", "iva_porcentaje": 21}]),
        ),
        ("cliente.razon_social", json!("x".repeat(201))),
        ("metadata", json!(many_keys)),
        ("metadata", json!({"k".repeat(41): "v"})),
        ("metadata.nota", json!({"nota": "x".repeat(501)})),
        ("metadata.anidado", json!({"anidado": {"a": 1}})),
        ("metadata", json!([1, 2])),
    ];
    for (field, value) in cases {
        let mut body = factura_b();
        match field {
            "cliente.razon_social" => body["cliente"]["razon_social"] = value,
            "items[0].descripcion" => body["items"] = value,
            _ if field.starts_with("metadata") => body["metadata"] = value,
            _ => body[field] = value,
        }
        refused(&post_invoice(&app, &key, &body, &[]).await, field);
    }
    assert_eq!(invoices_stored(&app, &key).await, 0, "nothing stored");

    // At the limits: accepted.
    let mut body = factura_b();
    body["items"] = json!(vec![item; 200]);
    body["metadata"] = json!({"pedido": "x".repeat(500), "k".repeat(40): 1, "ok": true});
    let created = post_invoice(&app, &key, &body, &[]).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    assert_eq!(created.json()["metadata"]["ok"], true);

    // The single read shows metadata; a list never does.
    let found = app.get(&format!("/v1/invoices/{id}"), &key).await.json();
    assert_eq!(found["metadata"]["pedido"].as_str().map(str::len), Some(500));
    let list = app.get("/v1/invoices", &key).await.json();
    assert_eq!(list["data"][0]["id"], id.as_str());
    assert!(list["data"][0].get("metadata").is_none(), "{}", list["data"][0]);
}

#[tokio::test]
async fn decimals_are_strict_and_lines_worth_zero_are_refused() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    for (field, value) in [
        ("cantidad", json!("1_000")),
        ("cantidad", json!("1e3")),
        ("cantidad", json!(1e-7)),
        ("cantidad", json!(" 2")),
        ("cantidad", json!("+2")),
        ("precio_unitario", json!("-0.00")),
        ("precio_unitario", json!("1.")),
        ("precio_unitario", json!("12345678901234")),
        ("precio_unitario", json!("1.0000001")),
    ] {
        let mut body = factura_b();
        body["items"][0][field] = value;
        refused(
            &post_invoice(&app, &key, &body, &[]).await,
            &format!("items[0].{field}"),
        );
    }
    // Amounts that round to 0.00 on a Factura B: the line is refused, naming the rule.
    for (cantidad, precio) in [("0.000001", "1500.00"), ("1", "0.001"), ("1", "0")] {
        let mut body = factura_b();
        body["items"][0]["cantidad"] = json!(cantidad);
        body["items"][0]["precio_unitario"] = json!(precio);
        let response = post_invoice(&app, &key, &body, &[]).await;
        refused(&response, "items[0]");
        assert!(response.text().contains("rounds to 0.00"), "{}", response.text());
    }
    assert_eq!(invoices_stored(&app, &key).await, 0, "nothing stored");
    // Strict, not stingy: a number, and six decimals.
    let mut body = factura_b();
    body["items"][0]["cantidad"] = json!(1.5);
    body["items"][0]["precio_unitario"] = json!("1000.123456");
    let created = post_invoice(&app, &key, &body, &[]).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["subtotal"], "1500.19");
}

#[tokio::test]
async fn a_body_that_is_not_an_object_is_refused_naming_body() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let customer = app
        .post_json(
            "/v1/customers",
            &key,
            &json!({"documento_tipo": 96, "documento_numero": "12345678", "razon_social": "Ana",
                    "condicion_iva": "consumidor_final"}),
        )
        .await;
    assert_eq!(customer.status, 201, "{}", customer.text());
    let id = customer.json()["id"].as_str().unwrap().to_string();
    for body in [
        json!([]),
        json!(1),
        json!("x"),
        json!(null),
        json!([{"razon_social": "B"}]),
    ] {
        refused(
            &app.patch_json(&format!("/v1/customers/{id}"), &key, &body).await,
            "body",
        );
        refused(&post_invoice(&app, &key, &body, &[]).await, "body");
    }
    assert_eq!(
        app.get(&format!("/v1/customers/{id}"), &key).await.json()["razon_social"],
        "Ana",
        "unchanged"
    );
}
