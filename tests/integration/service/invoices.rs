use arca_service::storage::invoices::InvoiceStatus;
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp};

/// The minimal request (ARCHITECTURE.md "The API contract"): Factura B to an unidentified
/// consumidor final.
fn factura_b() -> Value {
    arca_test_support::samples::invoice_request(1)
}

async fn post(app: &TestApp, key: &str, body: &Value, extra: &[(&str, &str)]) -> arca_test_support::TestResponse {
    app.post_json_with("/v1/invoices", key, body, extra).await
}

#[tokio::test]
async fn an_invoice_is_computed_authorised_and_found() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;

    let created = post(&app, &key, &factura_b(), &[]).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let invoice = created.json();
    assert_eq!(invoice["status"], "approved");
    assert_eq!(invoice["numero_completo"], "00001-00000001");
    assert_eq!(invoice["subtotal"], "3000.00");
    assert_eq!(invoice["iva_total"], "630.00");
    assert_eq!(invoice["total"], "3630.00");
    assert_eq!(invoice["cae"].as_str().map(str::len), Some(14));
    let qr = invoice["qr_data"].as_str().unwrap();
    assert!(qr.starts_with("https://www.afip.gob.ar/fe/qr/?p="), "{qr}");
    let payload = arca_protocol::qr::QrData::from_url(qr).expect("a decodable QR");
    assert_eq!(payload.nro_cmp, 1);
    assert_eq!(payload.cod_aut.to_string(), invoice["cae"].as_str().unwrap());

    let id = invoice["id"].as_str().unwrap();
    let found = app.get(&format!("/v1/invoices/{id}"), &key).await;
    assert_eq!(found.status, 200);
    assert_eq!(found.json()["cae"], invoice["cae"]);
    let second = post(&app, &key, &factura_b(), &[]).await.json();
    assert_eq!(second["numero"], 2, "numbers follow");

    let list = app
        .get("/v1/invoices?status=approved&cliente_nombre=consumidor&limit=1", &key)
        .await
        .json();
    assert_eq!(list["pagination"]["total"], 2);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["numero"], 2, "newest first");
    let none = app.get("/v1/invoices?punto_venta=2", &key).await.json();
    assert_eq!(none["pagination"]["total"], 0);

    // Another account sees none of it.
    let (_, other, _) = app.account_with_certificate("Otro", CUIT_B).await;
    assert_eq!(app.get(&format!("/v1/invoices/{id}"), &other).await.status, 404);
    assert_eq!(app.get("/v1/invoices", &other).await.json()["pagination"]["total"], 0);
}

#[tokio::test]
async fn idempotency_keys_return_the_same_invoice_or_conflict() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let first = post(&app, &key, &factura_b(), &[("idempotency-key", "order-1")]).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let again = post(&app, &key, &factura_b(), &[("idempotency-key", "order-1")]).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json()["id"], first.json()["id"]);
    let mut other = factura_b();
    other["items"][0]["cantidad"] = json!(3);
    let conflict = post(&app, &key, &other, &[("idempotency-key", "order-1")]).await;
    assert_eq!(conflict.status, 409, "{}", conflict.text());
    assert_eq!(conflict.json()["code"], "CONFLICT");
    let list = app.get("/v1/invoices", &key).await.json();
    assert_eq!(list["pagination"]["total"], 1, "one invoice for one key");
}

#[tokio::test]
async fn bad_invoices_are_refused_before_anything_is_stored() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let mut body = factura_b();
    body["items"][0]["iva_porcentaje"] = json!(19);
    body["cliente"]["condicion_iva"] = json!("marciano");
    let refused = post(&app, &key, &body, &[]).await;
    assert_eq!(refused.status, 400, "{}", refused.text());
    let problem = refused.json();
    assert_eq!(problem["code"], "VALIDATION_ERROR");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"items[0].iva_porcentaje") && fields.contains(&"cliente.condicion_iva"),
        "{fields:?}"
    );

    // DocTipo 99 with a number (ARCA's 10015), refused by the customers' document rule.
    let mut body = factura_b();
    body["cliente"]["documento_numero"] = json!("123");
    let refused = post(&app, &key, &body, &[]).await;
    assert_eq!(refused.status, 400, "{}", refused.text());
    assert_eq!(
        refused.json()["errors"][0]["field"],
        "cliente.documento_numero",
        "{}",
        refused.text()
    );
    assert!(refused.text().contains("must be 0"), "{}", refused.text());
    assert_eq!(app.get("/v1/invoices", &key).await.json()["pagination"]["total"], 0);
}

#[tokio::test]
async fn respond_async_answers_202_and_the_invoice_completes() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let accepted = post(&app, &key, &factura_b(), &[("prefer", "respond-async")]).await;
    assert_eq!(accepted.status, 202, "{}", accepted.text());
    let id = accepted.json()["id"].as_str().unwrap().to_string();
    let done = app
        .state
        .engine
        .wait(&id, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(done.status, InvoiceStatus::Approved);
}

#[tokio::test]
async fn a_failed_invoice_is_corrected_with_patch_and_an_approved_one_is_not_editable() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let first = post(&app, &key, &factura_b(), &[]).await.json();
    assert_eq!(first["status"], "approved");

    // Dated before the last authorised voucher: only ARCA knows, and rejects it (10016).
    let yesterday = (chrono::Utc::now() - chrono::Duration::hours(3)).date_naive() - chrono::Duration::days(1);
    let mut late = factura_b();
    late["fecha"] = json!(yesterday);
    let rejected = post(&app, &key, &late, &[]).await;
    assert_eq!(rejected.status, 400, "{}", rejected.text());
    let problem = rejected.json();
    assert_eq!(problem["code"], "ARCA_VALIDATION_FAILED");
    assert!(
        problem["arca_errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "10016"),
        "{problem}"
    );
    let id = problem["invoice_id"].as_str().unwrap().to_string();
    assert_eq!(
        app.get(&format!("/v1/invoices/{id}"), &key).await.json()["status"],
        "failed"
    );

    let bearer = format!("Bearer {key}");
    let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];
    let body = serde_json::to_vec(&factura_b()).unwrap();
    let fixed = app
        .request("PATCH", &format!("/v1/invoices/{id}"), &headers, Some(body.clone()))
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.text());
    assert_eq!(fixed.json()["status"], "approved");
    assert_eq!(fixed.json()["numero"], 2);

    let first_id = first["id"].as_str().unwrap();
    let refused = app
        .request("PATCH", &format!("/v1/invoices/{first_id}"), &headers, Some(body))
        .await;
    assert_eq!(refused.status, 409, "{}", refused.text());
}

#[tokio::test]
async fn the_monthly_quota_counts_accepted_invoices_and_then_answers_402() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Chico", CUIT_A, json!({"monthly_quota": 1})).await;
    let (certificate_pem, private_key_pem) = app.issue_certificate(CUIT_A, "chico");
    let uploaded = app
        .post_json(
            "/v1/certificates",
            &key,
            &json!({"certificate_pem": certificate_pem, "private_key_pem": private_key_pem}),
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    assert_eq!(post(&app, &key, &factura_b(), &[]).await.status, 201);
    let refused = post(&app, &key, &factura_b(), &[]).await;
    assert_eq!(refused.status, 402, "{}", refused.text());
    assert_eq!(refused.json()["code"], "PAYMENT_REQUIRED");
    let account = app.get("/v1/account", &key).await.json();
    assert_eq!(account["usage"]["invoices"], 1, "{account}");
    assert_eq!(account["usage"]["remaining"], 0, "{account}");
}

/// ARCA is slow: once the request's wait is over, the answer is 202 `pending_retry`
/// (ARCHITECTURE.md "The API contract"), the invoice says so when read, and the engine still
/// finishes it.
#[tokio::test]
async fn when_arca_is_slower_than_the_wait_the_answer_is_202_pending_retry() {
    let app = TestApp::builder().env("INVOICE_WAIT_TIMEOUT_MS", "300").start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    app.simulator
        .add_fault(arca_simulator::FaultRule::latency("FECAESolicitar", 1500));
    let slow = post(&app, &key, &factura_b(), &[]).await;
    assert_eq!(slow.status, 202, "{}", slow.text());
    let body = slow.json();
    assert_eq!(body["status"], "pending_retry");
    let id = body["id"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {key}");
    let read = app
        .request(
            "GET",
            &format!("/v1/invoices/{id}"),
            &[("authorization", bearer.as_str())],
            None,
        )
        .await
        .json();
    // Still ARCA's to answer: shown as pending_retry, or as pending again if the series' worker
    // numbered and sent it only after the wait had ended (a loaded machine), or approved already.
    assert!(
        ["pending_retry", "pending", "approved"].contains(&read["status"].as_str().unwrap_or_default()),
        "{read}"
    );
    let row = app
        .state
        .engine
        .wait_final(&id, std::time::Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(row.status, InvoiceStatus::Approved, "{row:?}");
    assert_eq!(row.numero, Some(1));
}

#[tokio::test]
async fn validate_checks_like_create_and_issues_nothing() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let checked = app.post_json("/v1/invoices/validate", &key, &factura_b()).await;
    assert_eq!(checked.status, 200, "{}", checked.text());
    let checked = checked.json();
    assert_eq!(checked["valida"], true);
    assert_eq!(checked["tipo_comprobante"], 6);
    assert_eq!(
        (&checked["subtotal"], &checked["iva_total"], &checked["total"]),
        (&json!("3000.00"), &json!("630.00"), &json!("3630.00"))
    );
    assert_eq!(checked["factura"]["cliente"]["documento_tipo"], 99);

    // The refusals `POST /v1/invoices` gives, field by field.
    let mut body = factura_b();
    body["cliente"]["documento_numero"] = json!("123");
    body["items"][0]["iva_porcentaje"] = json!(19);
    let refused = app.post_json("/v1/invoices/validate", &key, &body).await;
    let problem = refused.problem(400, "VALIDATION_ERROR");
    let created = post(&app, &key, &body, &[]).await.problem(400, "VALIDATION_ERROR");
    assert_eq!(problem["errors"], created["errors"]);
    let mut unknown = factura_b();
    unknown["descuento"] = json!("10");
    let refused = app.post_json("/v1/invoices/validate", &key, &unknown).await;
    assert_eq!(
        refused.problem(400, "VALIDATION_ERROR")["errors"][0]["field"],
        "descuento"
    );

    // Nothing stored, numbered, or asked of ARCA's WSFEv1.
    assert_eq!(app.get("/v1/invoices", &key).await.json()["pagination"]["total"], 0);
    assert_eq!(app.simulator.calls("FECAESolicitar"), 0);
    assert_eq!(app.get("/v1/account", &key).await.json()["usage"]["invoices"], 0);
    let issued = post(&app, &key, &factura_b(), &[]).await.json();
    assert_eq!(issued["numero"], 1, "validating took no number");
}
