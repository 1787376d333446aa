use arca_simulator::{FaultAction, FaultRule};
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, TestApp};

fn rows(body: &Value) -> &Vec<Value> {
    body["data"].as_array().expect("data")
}

fn row<'a>(body: &'a Value, id: &Value) -> &'a Value {
    rows(body)
        .iter()
        .find(|row| &row["id"] == id)
        .unwrap_or_else(|| panic!("no row {id} in {body}"))
}

#[tokio::test]
async fn tables_come_from_arca_through_the_accounts_session_and_are_cached() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Demo", CUIT_A).await;

    let invoice_types = app.get("/v1/reference-data/invoice-types", &key).await;
    assert_eq!(invoice_types.status, 200, "{}", invoice_types.text());
    let invoice_types = invoice_types.json();
    let factura_b = row(&invoice_types, &json!(6));
    assert_eq!(factura_b["description"], "Factura B");
    assert!(factura_b["valid_from"].as_str().unwrap().len() == 10, "ISO date");
    assert!(factura_b["valid_to"].is_null());

    let iva = app.get("/v1/reference-data/iva-rates", &key).await.json();
    assert_eq!(row(&iva, &json!(5))["description"], "21%");
    let currencies = app.get("/v1/reference-data/currencies", &key).await.json();
    assert_eq!(row(&currencies, &json!("DOL"))["description"], "Dólar Estadounidense");
    for table in ["document-types", "iva-conditions", "concept-types", "tax-types"] {
        let response = app.get(&format!("/v1/reference-data/{table}"), &key).await;
        assert_eq!(response.status, 200, "{table}: {}", response.text());
        assert!(!rows(&response.json()).is_empty(), "{table}");
    }
    let conditions = app.get("/v1/reference-data/iva-conditions", &key).await.json();
    assert!(rows(&conditions).iter().all(|row| row["voucher_classes"].is_string()));

    // Cached: a second read does not ask ARCA; one login served every call (the upload's).
    app.get("/v1/reference-data/invoice-types", &key).await;
    assert_eq!(app.simulator.calls("FEParamGetTiposCbte"), 1);
    assert_eq!(app.simulator.calls("loginCms"), 1);

    app.get("/v1/reference-data/planets", &key)
        .await
        .problem(404, "NOT_FOUND");
}

#[tokio::test]
async fn exchange_rates_and_unknown_currencies() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Demo", CUIT_A).await;
    let rate = app.get("/v1/reference-data/exchange-rates/DOL", &key).await;
    assert_eq!(rate.status, 200, "{}", rate.text());
    let rate = rate.json();
    assert_eq!(rate["currency"], "DOL");
    assert_eq!(rate["rate"], "1050.5");
    assert!(rate["date"].is_string());
    for unknown in ["XYZ", "PES", "TOOLONG"] {
        app.get(&format!("/v1/reference-data/exchange-rates/{unknown}"), &key)
            .await
            .problem(404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn arca_failures_are_retryable_problems_never_500() {
    let app = TestApp::builder().env("ARCA_TIMEOUT_MS", "500").start().await;
    let (_, key, _) = app.account_with_certificate("Demo", CUIT_A).await;
    app.simulator.add_fault(FaultRule {
        operation: "FEParamGetTiposIva".into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(FaultAction::Http503),
        probability: 1.0,
        remaining: None,
    });
    let problem = app
        .get("/v1/reference-data/iva-rates", &key)
        .await
        .problem(503, "ARCA_UNAVAILABLE");
    assert_eq!(problem["retryable"], true);
    app.simulator.clear_faults();
    app.simulator.add_fault(FaultRule {
        operation: "FEParamGetTiposDoc".into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(FaultAction::Timeout),
        probability: 1.0,
        remaining: None,
    });
    let problem = app
        .get("/v1/reference-data/document-types", &key)
        .await
        .problem(504, "ARCA_TIMEOUT");
    assert_eq!(problem["retryable"], true);
}
