use arca_simulator::{FaultAction, FaultRule};
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp, TestResponse};

/// Issues the sample Factura B through the API and returns the approved invoice.
async fn approved_invoice(app: &TestApp, key: &str) -> Value {
    let created = app
        .post_json("/v1/invoices", key, &arca_test_support::samples::invoice_request(1))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let invoice = created.json();
    assert_eq!(invoice["status"], "approved", "{invoice}");
    invoice
}

/// The verification fields of `invoice`, as its receiver would type them.
fn fields_of(invoice: &Value) -> Value {
    json!({
        "cbte_modo": "CAE",
        "cuit_emisor": CUIT_A,
        "punto_de_venta": invoice["punto_venta"],
        "tipo_comprobante": invoice["tipo_comprobante"],
        "numero": invoice["numero"],
        "fecha": invoice["fecha"],
        "importe_total": invoice["total"],
        "codigo_autorizacion": invoice["cae"],
    })
}

async fn verify(app: &TestApp, key: &str, body: &Value) -> TestResponse {
    app.post_json("/v1/verifications", key, body).await
}

fn codes(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item["code"].as_i64().expect("a code"))
        .collect()
}

#[tokio::test]
async fn wscdc_approves_what_arca_authorized_and_rejects_forgeries() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Demo", CUIT_A).await;
    let invoice = approved_invoice(&app, &key).await;

    let genuine = verify(&app, &key, &fields_of(&invoice)).await;
    assert_eq!(genuine.status, 201, "{}", genuine.text());
    let genuine = genuine.json();
    assert_eq!(genuine["resultado"], "A", "{genuine}");
    assert_eq!(genuine["source"], "fields");
    assert_eq!(genuine["observaciones"], json!([]));
    assert_eq!(genuine["importe_total"], invoice["total"]);
    assert_eq!(genuine["cuit_emisor"], CUIT_A);
    assert!(genuine["id"].as_str().unwrap().starts_with("ver_"));

    // From the invoice's QR URL, decoded.
    let from_qr = verify(&app, &key, &json!({"qr_url": invoice["qr_data"]})).await;
    assert_eq!(from_qr.status, 201, "{}", from_qr.text());
    let from_qr = from_qr.json();
    assert_eq!(from_qr["resultado"], "A", "{from_qr}");
    assert_eq!(from_qr["source"], "qr");
    assert_eq!(from_qr["codigo_autorizacion"], invoice["cae"]);
    assert_eq!(from_qr["numero"], invoice["numero"]);

    // A forged CAE: ARCA knows no such code (observation 100).
    let mut forged = fields_of(&invoice);
    let cae = invoice["cae"].as_str().unwrap();
    let last = if cae.ends_with('1') { "2" } else { "1" };
    forged["codigo_autorizacion"] = json!(format!("{}{last}", &cae[..13]));
    let forged = verify(&app, &key, &forged).await.json();
    assert_eq!(forged["resultado"], "R", "{forged}");
    assert!(codes(&forged["observaciones"]).contains(&100), "{forged}");

    // The right CAE with another total.
    let mut wrong_total = fields_of(&invoice);
    wrong_total["importe_total"] = json!("1.00");
    let wrong_total = verify(&app, &key, &wrong_total).await.json();
    assert_eq!(wrong_total["resultado"], "R", "{wrong_total}");
    assert!(!codes(&wrong_total["observaciones"]).is_empty(), "{wrong_total}");

    assert_eq!(app.simulator.calls("ComprobanteConstatar"), 4);

    // Listed newest first, found by id; another account sees none of them.
    let list = app.get("/v1/verifications?limit=2", &key).await;
    assert_eq!(list.status, 200, "{}", list.text());
    let list = list.json();
    assert_eq!(list["pagination"]["total"], 4);
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    assert_eq!(list["data"][0]["id"], wrong_total["id"]);
    let id = genuine["id"].as_str().unwrap();
    let found = app.get(&format!("/v1/verifications/{id}"), &key).await;
    assert_eq!(found.status, 200);
    assert_eq!(found.json(), genuine);

    let (_, other, _) = app.account_with_certificate("Otra", CUIT_B).await;
    app.get(&format!("/v1/verifications/{id}"), &other)
        .await
        .problem(404, "NOT_FOUND");
    assert_eq!(
        app.get("/v1/verifications", &other).await.json()["pagination"]["total"],
        0
    );
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_asked_or_stored() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Demo", CUIT_A).await;
    let invoice = approved_invoice(&app, &key).await;
    let cases = [
        ("cuit_emisor", json!("20267565390")),
        ("cbte_modo", json!("XYZ")),
        ("punto_de_venta", json!(0)),
        ("tipo_comprobante", json!(1000)),
        ("numero", json!(100_000_000)),
        ("fecha", json!("2026-13-01")),
        ("importe_total", json!("3630.001")),
        ("importe_total", json!("1e3")),
        ("importe_total", json!(3630)),
        ("codigo_autorizacion", json!("123")),
    ];
    for (field, value) in cases {
        let mut body = fields_of(&invoice);
        body[field] = value.clone();
        let refused = verify(&app, &key, &body).await;
        refused.problem(400, "VALIDATION_ERROR");
        assert_eq!(refused.error_fields(), [field], "{field} = {value}: {}", refused.text());
    }
    let mut missing = fields_of(&invoice);
    missing.as_object_mut().unwrap().remove("numero");
    assert_eq!(verify(&app, &key, &missing).await.error_fields(), ["numero"]);
    let mut both = fields_of(&invoice);
    both["qr_url"] = invoice["qr_data"].clone();
    assert_eq!(verify(&app, &key, &both).await.error_fields(), ["qr_url"]);
    let garbage = verify(&app, &key, &json!({"qr_url": "https://www.arca.gob.ar/fe/qr/?p=%%%"})).await;
    garbage.problem(400, "VALIDATION_ERROR");
    assert_eq!(garbage.error_fields(), ["qr_url"]);
    let half = json!({"doc_tipo_receptor": 80});
    let mut half_receiver = fields_of(&invoice);
    half_receiver["doc_tipo_receptor"] = half["doc_tipo_receptor"].clone();
    assert_eq!(
        verify(&app, &key, &half_receiver).await.error_fields(),
        ["doc_nro_receptor"]
    );

    assert_eq!(app.simulator.calls("ComprobanteConstatar"), 0);
    assert_eq!(
        app.get("/v1/verifications", &key).await.json()["pagination"]["total"],
        0
    );
}

#[tokio::test]
async fn a_certificate_not_authorized_for_wscdc_gets_the_fix_it_problem() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Demo", CUIT_A).await;
    let invoice = approved_invoice(&app, &key).await;
    let url = format!("{}/_sim/authorizations", app.simulator.base_url());
    let (status, body) = app
        .post_json_to(&url, &json!({"cuit": CUIT_A, "service": "wscdc", "authorized": false}))
        .await;
    assert!((200..300).contains(&status), "{status} {body}");

    let problem = verify(&app, &key, &fields_of(&invoice))
        .await
        .problem(422, "ARCA_SERVICE_NOT_AUTHORIZED");
    assert_eq!(problem["service"], "wscdc");
    assert_eq!(problem["cuit"], CUIT_A);
    assert_eq!(problem["retryable"], false);
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("Constatación de comprobantes (wscdc)"), "{detail}");
    assert!(
        detail.contains("Administrador de Relaciones de Clave Fiscal"),
        "{detail}"
    );
    assert_eq!(app.simulator.calls("ComprobanteConstatar"), 0);
    assert_eq!(
        app.get("/v1/verifications", &key).await.json()["pagination"]["total"],
        0
    );
}

#[tokio::test]
async fn arca_down_is_a_retryable_503_and_nothing_is_stored() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Demo", CUIT_A).await;
    let invoice = approved_invoice(&app, &key).await;
    app.simulator.add_fault(FaultRule {
        operation: "ComprobanteConstatar".into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(FaultAction::Http503),
        probability: 1.0,
        remaining: None,
    });
    let problem = verify(&app, &key, &fields_of(&invoice))
        .await
        .problem(503, "ARCA_UNAVAILABLE");
    assert_eq!(problem["retryable"], true);
    assert_eq!(
        app.get("/v1/verifications", &key).await.json()["pagination"]["total"],
        0
    );
}

/// WSCDC refuses the stored ticket with 600 (ARCA's clock is past its expiry, ours 2 minutes
/// behind is not): it is discarded, one login replaces it, and the call is made once more.
#[tokio::test]
async fn a_ticket_wscdc_refuses_is_replaced_and_the_check_made_once_more() {
    let app = TestApp::builder()
        .env("ARCA_TOKEN_RENEW_BEFORE_SECONDS", "1")
        .start()
        .await;
    app.simulator.set_ticket_lifetime(chrono::Duration::seconds(60));
    let (_, key, _) = app.account_with_certificate("Demo", CUIT_A).await;
    let invoice = approved_invoice(&app, &key).await;
    let first = verify(&app, &key, &fields_of(&invoice)).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let logins_before = app.simulator.calls("loginCms");

    app.simulator.advance_clock(chrono::Duration::seconds(120));
    let second = verify(&app, &key, &fields_of(&invoice)).await;
    assert_eq!(second.status, 201, "{}", second.text());
    assert_eq!(second.json()["resultado"], "A");
    assert_eq!(app.simulator.calls("loginCms"), logins_before + 1, "one new login");
    assert_eq!(
        app.simulator.calls("ComprobanteConstatar"),
        3,
        "the refused call, then once more"
    );
}

/// The document states what the service accepts: one of three shapes, nothing else in them.
#[tokio::test]
async fn the_document_shows_the_three_accepted_shapes() {
    let app = TestApp::start().await;
    let document = app.request("GET", "/openapi.json", &[], None).await.json();
    let body = &document["paths"]["/v1/verifications"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    let name = body["$ref"]
        .as_str()
        .expect("a named schema")
        .rsplit('/')
        .next()
        .unwrap();
    let schemas = &document["components"]["schemas"];
    let shapes = schemas[name]["oneOf"].as_array().expect("oneOf");
    assert_eq!(shapes.len(), 3, "{}", schemas[name]);
    for shape in shapes {
        let shape = &schemas[shape["$ref"].as_str().unwrap().rsplit('/').next().unwrap()];
        assert_eq!(shape["additionalProperties"], false, "{shape}");
        assert!(!shape["required"].as_array().unwrap().is_empty(), "{shape}");
    }
    assert!(
        document["paths"]["/v1/certificates/{id}/services"]["get"].is_object(),
        "the services check is documented"
    );
}
