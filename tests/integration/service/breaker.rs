//! The ARCA circuit breaker driven by the simulator's faults: consecutive outages open it;
//! while open, invoices are accepted as `pending_retry` (queue mode) or refused with 503 and
//! `Retry-After` (reject mode), and ARCA is not called; once ARCA is back, the probe closes it
//! and the queued invoices are issued. Business rejections never open it.

use arca_service::storage::invoices::InvoiceStatus;
use arca_simulator::{FaultAction, FaultRule};
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, TestApp, TestResponse};

fn factura_b(price: &str) -> Value {
    json!({"mode": "advanced", "tipo_comprobante": 6, "punto_venta": 1, "concepto": "productos",
           "cliente": {"documento_tipo": 99, "documento_numero": "0", "condicion_iva": "consumidor_final"},
           "items": [{"descripcion": "Yerba", "cantidad": 1, "precio_unitario": price, "iva_porcentaje": 21}]})
}

async fn post(app: &TestApp, key: &str, body: &Value) -> TestResponse {
    app.post_json("/v1/invoices", key, body).await
}

/// Every WSFEv1 operation answers HTTP 500.
fn outage() -> FaultRule {
    FaultRule {
        operation: "*".into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(FaultAction::Http500),
        probability: 1.0,
        remaining: None,
    }
}

fn wsfe_calls(app: &TestApp) -> u64 {
    [
        "FECAESolicitar",
        "FECompUltimoAutorizado",
        "FECompConsultar",
        "FECompTotXRequest",
    ]
    .iter()
    .map(|operation| app.simulator.calls(operation))
    .sum()
}

#[tokio::test]
async fn an_outage_opens_the_breaker_invoices_queue_and_are_issued_when_arca_is_back() {
    let app = TestApp::builder()
        .env("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "2")
        .env("CIRCUIT_BREAKER_OPEN_SECONDS", "1")
        .env("INVOICE_WAIT_TIMEOUT_MS", "15000")
        .start()
        .await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    assert_eq!(post(&app, &key, &factura_b("100.00")).await.status, 201);
    assert_eq!(app.state.breaker.state().as_str(), "closed");

    app.simulator.add_fault(outage());
    // ARCA fails: FECAESolicitar (500, outcome unknown), then FECompUltimoAutorizado to
    // reconcile (500): the invoice is deferred, and two consecutive failures open the breaker.
    let during = post(&app, &key, &factura_b("200.00")).await;
    assert_eq!(during.status, 202, "{}", during.json());
    let first_id = during.json()["id"].as_str().unwrap().to_string();
    let opened = app
        .state
        .engine
        .wait(&first_id, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(opened.status, InvoiceStatus::PendingRetry);
    assert!(app.state.breaker.is_open(), "two consecutive failures open it");

    // While open: accepted at once as pending_retry, and ARCA is not called for it.
    let calls_before = wsfe_calls(&app);
    let queued = post(&app, &key, &factura_b("300.00")).await;
    assert_eq!(queued.status, 202);
    assert_eq!(queued.json()["status"], "pending_retry");
    let queued_id = queued.json()["id"].as_str().unwrap().to_string();
    assert_eq!(wsfe_calls(&app), calls_before, "an open breaker does not call ARCA");

    // ARCA is back: the probe after the open period closes the breaker and the queue drains.
    app.simulator.clear_faults();
    for id in [&first_id, &queued_id] {
        let row = app
            .state
            .engine
            .wait_final(id, std::time::Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(row.status, InvoiceStatus::Approved, "{row:#?}");
    }
    assert_eq!(app.state.breaker.state().as_str(), "closed");
}

#[tokio::test]
async fn in_reject_mode_an_open_breaker_answers_503_with_retry_after() {
    let app = TestApp::builder()
        .env("ARCA_CIRCUIT_BREAKER", "true")
        .env("INVOICE_QUEUE_MODE", "reject")
        .env("CIRCUIT_BREAKER_OPEN_SECONDS", "120")
        .start()
        .await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let refused = post(&app, &key, &factura_b("100.00")).await;
    let problem = refused.problem(503, "ARCA_UNAVAILABLE");
    assert_eq!(problem["retryable"], true);
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=120).contains(&retry_after), "{retry_after}");
    let listed = app
        .request(
            "GET",
            "/v1/invoices",
            &[("authorization", &format!("Bearer {key}"))],
            None,
        )
        .await
        .json();
    assert_eq!(
        listed["data"].as_array().map(Vec::len),
        Some(0),
        "nothing was stored: {listed}"
    );
}

#[tokio::test]
async fn business_rejections_never_open_the_breaker() {
    let app = TestApp::builder()
        .env("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "2")
        .start()
        .await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    // ARCA rejects FECAESolicitar with a business error (10016-style refusal of the whole
    // request): it answered, so nothing counts against it.
    app.simulator.add_fault(FaultRule {
        operation: "FECAESolicitar".into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(FaultAction::ArcaError { code: 10015 }),
        probability: 1.0,
        remaining: Some(3),
    });
    for price in ["100.00", "200.00", "300.00"] {
        let answer = post(&app, &key, &factura_b(price)).await;
        answer.problem(400, "ARCA_VALIDATION_FAILED");
    }
    assert_eq!(app.state.breaker.state().as_str(), "closed");
}
