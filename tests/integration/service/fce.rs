use std::sync::Arc;

use arca_protocol::clock::ManualClock;
use arca_simulator::{FaultAction, FaultRule};
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp, TestResponse};

/// A company CUIT of the simulator's padrón, made obliged to receive FCE in these tests.
const BUYER: &str = "30712345671";
/// A total above the simulator's default threshold ($3.958.316,00) once IVA is added.
const ABOVE: &str = "4000000.00";
/// Far below it.
const BELOW: &str = "1000.00";

/// The seller's issuer profile, with what FCE needs (the CBU and the transfer option).
async fn seller_profile(app: &TestApp, key: &str) {
    let profile = json!({
        "razon_social": "Pyme Vendedora S.A.",
        "domicilio_comercial": "Av. Rivadavia 1000, CABA",
        "condicion_iva": "responsable_inscripto",
        "ingresos_brutos": "exento",
        "inicio_actividades": "2019-04-01",
        "fce": {"cbu": "2850590940090418135201", "transferencia": "SCA"}
    });
    let response = app.put_json("/v1/account/issuer-profile", key, &profile).await;
    assert_eq!(response.status, 200, "{}", response.text());
}

/// A seller account (CUIT_A) with its certificate and FCE profile: (account id, key).
async fn seller(app: &TestApp) -> (String, String) {
    let (account, key, _) = app.account_with_certificate("Vendedora", CUIT_A).await;
    seller_profile(app, &key).await;
    (account, key)
}

/// Makes `cuit` obliged to receive FCE in the simulator (from 2019).
async fn oblige(app: &TestApp, cuit: &str) {
    let url = format!("{}/_sim/fce/obligados/{cuit}", app.simulator.base_url());
    let (status, body) = app
        .send_json_to("PUT", &url, &json!({"obligado": true, "desde": "2019-01-01"}))
        .await;
    assert!((200..300).contains(&status), "{status} {body}");
}

/// An invoice to the CUIT `buyer` (a responsable inscripto) of one item at `price` + 21 % IVA,
/// with `tipo` as the class (`None`: the service picks it).
fn invoice_to(buyer: &str, price: &str, tipo: Option<i32>) -> Value {
    let mut body = json!({
        "mode": "advanced", "punto_venta": 1, "concepto": "productos",
        "cliente": {"cuit": buyer, "razon_social": "Compradora Grande S.A.",
                    "condicion_iva": "responsable_inscripto"},
        "items": [{"descripcion": "Acero laminado", "cantidad": 1, "precio_unitario": price, "iva_porcentaje": 21}]
    });
    if let Some(tipo) = tipo {
        body["tipo_comprobante"] = json!(tipo);
    }
    body
}

async fn create(app: &TestApp, key: &str, body: &Value) -> TestResponse {
    app.post_json("/v1/invoices", key, body).await
}

/// An approved invoice's JSON, asserting it was approved.
async fn approved(app: &TestApp, key: &str, body: &Value) -> Value {
    let created = create(app, key, body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let invoice = created.json();
    assert_eq!(invoice["status"], "approved", "{invoice}");
    assert!(invoice["cae"].as_str().is_some_and(|cae| cae.len() == 14), "{invoice}");
    invoice
}

/// Grants or withdraws the simulator's `wsfecred` relation of `cuit`.
async fn authorize_wsfecred(app: &TestApp, cuit: &str, authorized: bool) {
    let url = format!("{}/_sim/authorizations", app.simulator.base_url());
    let body = json!({"cuit": cuit, "service": "wsfecred", "authorized": authorized});
    let (status, answer) = app.post_json_to(&url, &body).await;
    assert!((200..300).contains(&status), "{status} {answer}");
}

fn obligation_calls(app: &TestApp) -> u64 {
    app.simulator.calls("consultarMontoObligadoRecepcion")
}

#[tokio::test]
async fn an_obliged_buyer_above_the_threshold_gets_an_fce_and_the_answer_is_cached() {
    let app = TestApp::start().await;
    let (account_id, key) = seller(&app).await;
    oblige(&app, BUYER).await;

    let invoice = approved(&app, &key, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(invoice["tipo_comprobante"], 201, "{invoice}");
    assert_eq!(obligation_calls(&app), 1);
    // The stored request is the filled one: the class and the default payment due date.
    let id = invoice["id"].as_str().unwrap();
    let found = app.get(&format!("/v1/invoices/{id}"), &key).await.json();
    assert_eq!(found["tipo_comprobante"], 201, "{found}");

    // The same buyer, the same day: the cached answer, no second question to ARCA.
    let second = approved(&app, &key, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(second["tipo_comprobante"], 201);
    let below = approved(&app, &key, &invoice_to(BUYER, BELOW, None)).await;
    assert_eq!(
        below["tipo_comprobante"], 1,
        "below the threshold: an ordinary Factura A"
    );
    assert_eq!(obligation_calls(&app), 1, "asked once per CUIT and day");
    assert_eq!(
        arca_service::storage::fce::count(&app.storage, &account_id)
            .await
            .unwrap(),
        1
    );

    // A buyer not obliged: an ordinary Factura A whatever the total; asked once.
    let ordinary = approved(&app, &key, &invoice_to(CUIT_B, ABOVE, None)).await;
    assert_eq!(ordinary["tipo_comprobante"], 1);
    assert_eq!(obligation_calls(&app), 2);

    // A receiver without a CUIT never asks.
    let consumer = approved(&app, &key, &arca_test_support::samples::invoice_request(1)).await;
    assert_eq!(consumer["tipo_comprobante"], 6);
    assert_eq!(obligation_calls(&app), 2);

    // The scheduled job drops answers older than a day.
    let later = chrono::Utc::now() + chrono::Duration::days(2);
    app.state.jobs.run_once(later).await.unwrap();
    assert_eq!(
        arca_service::storage::fce::count(&app.storage, &account_id)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_forced_ordinary_class_to_an_obliged_buyer_is_refused_naming_the_rule() {
    let app = TestApp::start().await;
    let (_, key) = seller(&app).await;
    oblige(&app, BUYER).await;

    let refused = create(&app, &key, &invoice_to(BUYER, ABOVE, Some(1))).await;
    let problem = refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["tipo_comprobante"], "{problem}");
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(BUYER), "{message}");
    assert!(message.contains("Ley 27.440"), "{message}");
    assert!(message.contains("$3958316.00"), "{message}");
    assert!(message.contains("201/206/211"), "{message}");
    assert_eq!(
        app.get("/v1/invoices", &key).await.json()["pagination"]["total"],
        0,
        "nothing stored"
    );

    // Forced, but below the threshold: an ordinary Factura A.
    let below = approved(&app, &key, &invoice_to(BUYER, BELOW, Some(1))).await;
    assert_eq!(below["tipo_comprobante"], 1);
    // Forced FCE (with the due date an explicit FCE needs): kept, and nothing asked.
    let calls = obligation_calls(&app);
    let mut forced = invoice_to(BUYER, ABOVE, Some(201));
    forced["fecha_vencimiento_pago"] = json!(arca_test_support::samples::today() + chrono::Days::new(30));
    let fce = approved(&app, &key, &forced).await;
    assert_eq!(fce["tipo_comprobante"], 201);
    assert_eq!(obligation_calls(&app), calls);
}

#[tokio::test]
async fn an_account_without_fce_keeps_its_class_and_arca_refuses_it_with_10192() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Vendedora", CUIT_A).await;
    let profile = json!({
        "razon_social": "Pyme Vendedora S.A.",
        "domicilio_comercial": "Av. Rivadavia 1000, CABA",
        "condicion_iva": "responsable_inscripto",
        "ingresos_brutos": "exento",
        "inicio_actividades": "2019-04-01"
    });
    let response = app.put_json("/v1/account/issuer-profile", &key, &profile).await;
    assert_eq!(response.status, 200, "{}", response.text());
    oblige(&app, BUYER).await;

    // Not opted in (no fce.cbu in the profile): wsfecred is never asked, the class is kept,
    // forced or not, and WSFEv1 refuses it with ARCA's own text; the hint says what to do.
    for tipo in [None, Some(1)] {
        let refused = create(&app, &key, &invoice_to(BUYER, ABOVE, tipo)).await;
        let problem = refused.problem(400, "ARCA_VALIDATION_FAILED");
        let errors = problem["arca_errors"].as_array().unwrap();
        assert!(
            errors.iter().any(|error| error["code"] == "10192"
                && error["message"]
                    .as_str()
                    .is_some_and(|text| text.contains("Ley n° 27.440"))),
            "{problem}"
        );
        assert!(problem["hint"].as_str().unwrap().contains("fce.cbu"), "{problem}");
        let id = problem["invoice_id"].as_str().unwrap();
        let failed = app.get(&format!("/v1/invoices/{id}"), &key).await.json();
        assert_eq!(failed["status"], "failed", "{failed}");
        assert_eq!(failed["tipo_comprobante"], 1, "{failed}");
    }
    assert_eq!(obligation_calls(&app), 0, "not opted in: no question to wsfecred");

    // An issuer that is not a MiPyME may invoice the obliged buyer with an ordinary Factura.
    let url = format!("{}/_sim/fce/no-mipyme/{CUIT_A}", app.simulator.base_url());
    let (status, body) = app.send_json_to("PUT", &url, &json!({})).await;
    assert!((200..300).contains(&status), "{status} {body}");
    let ordinary = approved(&app, &key, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(ordinary["tipo_comprobante"], 1);
    assert_eq!(obligation_calls(&app), 0);
}

#[tokio::test]
async fn a_corrupt_cached_answer_is_an_error_not_a_guess() {
    let app = TestApp::start().await;
    let (account_id, key) = seller(&app).await;
    let row = arca_service::storage::fce::ObligationRow {
        account_id: account_id.clone(),
        cuit: BUYER.to_string(),
        fecha: arca_test_support::samples::today(),
        obligado: true,
        monto_desde: Some("no es un monto".into()),
        fetched_at: chrono::Utc::now(),
    };
    arca_service::storage::fce::upsert(&app.storage, &row).await.unwrap();
    let failed = create(&app, &key, &invoice_to(BUYER, ABOVE, None)).await;
    failed.problem(400, "VALIDATION_ERROR");
    assert_eq!(failed.error_fields(), ["fce_obligation"]);
    assert_eq!(obligation_calls(&app), 0);
    assert_eq!(app.get("/v1/invoices", &key).await.json()["pagination"]["total"], 0);
}

#[tokio::test]
async fn each_account_asks_for_itself() {
    let app = TestApp::start().await;
    let (_, first) = seller(&app).await;
    let (_, second, _) = app.account_with_certificate("Otra Vendedora", CUIT_A).await;
    seller_profile(&app, &second).await;
    oblige(&app, BUYER).await;
    approved(&app, &first, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(obligation_calls(&app), 1);
    // The other account's answer is not this one's: it asks (and caches) its own.
    let other = approved(&app, &second, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(other["tipo_comprobante"], 201);
    assert_eq!(obligation_calls(&app), 2);
    approved(&app, &second, &invoice_to(BUYER, ABOVE, None)).await;
    approved(&app, &first, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(obligation_calls(&app), 2);
}

#[tokio::test]
async fn quota_is_checked_before_wsfecred_is_asked() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Chica", CUIT_A, json!({"monthly_quota": 1})).await;
    let (certificate_pem, private_key_pem) = app.issue_certificate(CUIT_A, "Chica");
    let body = json!({"certificate_pem": certificate_pem, "private_key_pem": private_key_pem});
    assert_eq!(app.post_json("/v1/certificates", &key, &body).await.status, 201);
    seller_profile(&app, &key).await;
    approved(&app, &key, &invoice_to(CUIT_B, BELOW, Some(1))).await;
    let calls = obligation_calls(&app);
    let refused = create(&app, &key, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(refused.status, 402, "{}", refused.text());
    assert_eq!(obligation_calls(&app), calls, "refused before asking wsfecred");
}

#[tokio::test]
async fn a_failed_invoice_corrected_with_patch_is_decided_again() {
    let app = TestApp::start().await;
    let (_, key) = seller(&app).await;
    oblige(&app, BUYER).await;
    approved(&app, &key, &invoice_to(CUIT_B, BELOW, Some(1))).await;
    // Dated before the last Factura A: ARCA rejects it (10016), and it is kept as failed.
    let yesterday = arca_test_support::samples::today() - chrono::Days::new(1);
    let mut late = invoice_to(BUYER, BELOW, None);
    late["fecha"] = json!(yesterday);
    let rejected = create(&app, &key, &late).await;
    let problem = rejected.problem(400, "ARCA_VALIDATION_FAILED");
    let id = problem["invoice_id"].as_str().unwrap().to_string();

    // Corrected to today and above the threshold, the class still left to the service.
    let bearer = format!("Bearer {key}");
    let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];
    let body = serde_json::to_vec(&invoice_to(BUYER, ABOVE, None)).unwrap();
    let fixed = app
        .request("PATCH", &format!("/v1/invoices/{id}"), &headers, Some(body))
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.text());
    let fixed = fixed.json();
    assert_eq!(fixed["status"], "approved", "{fixed}");
    assert_eq!(fixed["tipo_comprobante"], 201, "{fixed}");
}

#[tokio::test]
async fn a_repeat_under_its_idempotency_key_asks_wsfecred_nothing() {
    let app = TestApp::start().await;
    let (_, key) = seller(&app).await;
    oblige(&app, BUYER).await;
    let body = invoice_to(BUYER, ABOVE, None);
    let headers = [("idempotency-key", "fce-once")];
    let first = app.post_json_with("/v1/invoices", &key, &body, &headers).await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(obligation_calls(&app), 1);
    // The cached answer gone, wsfecred down: the repeat is answered from the stored invoice.
    app.state
        .jobs
        .run_once(chrono::Utc::now() + chrono::Duration::days(2))
        .await
        .unwrap();
    app.simulator.add_fault(FaultRule {
        operation: "consultarMontoObligadoRecepcion".into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(FaultAction::Http503),
        probability: 1.0,
        remaining: None,
    });
    let repeat = app.post_json_with("/v1/invoices", &key, &body, &headers).await;
    assert_eq!(repeat.status, 201, "{}", repeat.text());
    assert_eq!(repeat.json()["id"], first.json()["id"]);
    assert_eq!(repeat.json()["tipo_comprobante"], 201);
    assert_eq!(obligation_calls(&app), 1);
}

/// The value of `arca_fce_undecided_total{reason}` (the registry is the process's: other tests
/// may add to it, so tests compare increases).
async fn undecided(app: &TestApp, reason: &str) -> u64 {
    let metrics = app.request("GET", "/metrics", &[], None).await.text();
    let series = format!("arca_fce_undecided_total{{reason=\"{reason}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series.as_str()))
        .map_or(0, |value| value.trim().parse::<f64>().expect("a counter") as u64)
}

/// An app on a clock the test moves, with a seller (CUIT_A, not a MiPyME, so WSFEv1 lets an
/// ordinary Factura to the obliged BUYER through: the class shows whether the service decided).
async fn undecided_app() -> (TestApp, Arc<ManualClock>, String, String) {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = TestApp::builder().clock(clock.clone()).start().await;
    let (account_id, key) = seller(&app).await;
    oblige(&app, BUYER).await;
    let url = format!("{}/_sim/fce/no-mipyme/{CUIT_A}", app.simulator.base_url());
    let (status, body) = app.send_json_to("PUT", &url, &json!({})).await;
    assert!((200..300).contains(&status), "{status} {body}");
    (app, clock, account_id, key)
}

fn obligation_fault(action: Option<FaultAction>, latency_ms: u64) -> FaultRule {
    FaultRule {
        operation: "consultarMontoObligadoRecepcion".into(),
        latency_ms,
        jitter_ms: 0,
        action,
        probability: 1.0,
        remaining: None,
    }
}

#[tokio::test]
async fn wsfecred_not_authorized_does_not_block_issuance_and_is_not_asked_again_for_a_while() {
    let (app, clock, account_id, key) = undecided_app().await;
    authorize_wsfecred(&app, CUIT_A, false).await;
    let before = undecided(&app, "not_authorized").await;
    let invoice = approved(&app, &key, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(invoice["tipo_comprobante"], 1, "undecided: the default class");
    assert_eq!(obligation_calls(&app), 0);
    assert!(undecided(&app, "not_authorized").await > before);
    let logins = app.simulator.calls("loginCms");

    // Backed off: the next invoices neither log in nor ask, and are counted.
    let counted = undecided(&app, "not_authorized").await;
    approved(&app, &key, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(
        app.simulator.calls("loginCms"),
        logins,
        "no WSAA login while backed off"
    );
    assert!(undecided(&app, "not_authorized").await > counted);

    // Authorized, and the back-off over: decided again.
    authorize_wsfecred(&app, CUIT_A, true).await;
    clock.advance(past_backoff());
    let fce = approved(&app, &key, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(fce["tipo_comprobante"], 201);
    assert_eq!(obligation_calls(&app), 1);
    assert_eq!(
        arca_service::storage::fce::count(&app.storage, &account_id)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn wsfecred_down_or_slow_does_not_block_issuance() {
    let (app, clock, account_id, key) = undecided_app().await;
    app.simulator.add_fault(obligation_fault(Some(FaultAction::Http503), 0));
    let before = undecided(&app, "unavailable").await;
    let invoice = approved(&app, &key, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(invoice["tipo_comprobante"], 1);
    assert_eq!(obligation_calls(&app), 1);
    assert!(undecided(&app, "unavailable").await > before);
    // Nothing cached from an answer ARCA did not give; not asked again for a while.
    assert_eq!(
        arca_service::storage::fce::count(&app.storage, &account_id)
            .await
            .unwrap(),
        0
    );
    approved(&app, &key, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(obligation_calls(&app), 1);

    // Slower than the bound: the invoice does not wait for it.
    app.simulator.clear_faults();
    app.simulator.add_fault(obligation_fault(None, 20_000));
    clock.advance(past_backoff());
    let started = std::time::Instant::now();
    let slow = approved(&app, &key, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(slow["tipo_comprobante"], 1);
    assert!(
        started.elapsed() < arca_service::fce::OBLIGATION_TIMEOUT + std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // Answering again, after the back-off: decided.
    app.simulator.clear_faults();
    clock.advance(past_backoff());
    let fce = approved(&app, &key, &invoice_to(BUYER, ABOVE, None)).await;
    assert_eq!(fce["tipo_comprobante"], 201);
}

/// A buyer account (CUIT_B, obliged) and a seller account (CUIT_A) that issued it two FCEs:
/// (buyer key, seller key, the two invoices).
async fn two_received(app: &TestApp) -> (String, String, Value, Value) {
    let (_, buyer, _) = app.account_with_certificate("Compradora", CUIT_B).await;
    let (_, seller) = seller(app).await;
    oblige(app, CUIT_B).await;
    let first = approved(app, &seller, &invoice_to(CUIT_B, ABOVE, None)).await;
    let second = approved(app, &seller, &invoice_to(CUIT_B, "5000000.00", None)).await;
    assert_eq!(first["tipo_comprobante"], 201);
    assert_eq!(second["tipo_comprobante"], 201);
    (buyer, seller, first, second)
}

fn received_id(invoice: &Value) -> String {
    format!(
        "{CUIT_A}-201-{:05}-{:08}",
        invoice["punto_venta"].as_i64().unwrap(),
        invoice["numero"].as_i64().unwrap()
    )
}

fn reject_body() -> Value {
    json!({"motivos": [{"codigo": 1, "descripcion": "Mercadería no recibida",
                        "justificacion": "El remito no fue firmado por el depósito"}]})
}

#[tokio::test]
async fn the_buyer_lists_accepts_and_rejects_what_it_received() {
    let app = TestApp::start().await;
    let (buyer, _, first, second) = two_received(&app).await;
    let first_id = received_id(&first);
    let second_id = received_id(&second);

    let list = app.get("/v1/fce/received", &buyer).await;
    assert_eq!(list.status, 200, "{}", list.text());
    let list = list.json();
    assert_eq!(list["pagination"]["total"], 2, "{list}");
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|fce| fce["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&first_id.as_str()) && ids.contains(&second_id.as_str()),
        "{list}"
    );
    let listed = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|fce| fce["id"] == first_id.as_str())
        .unwrap();
    assert_eq!(listed["estado"], "PendienteRecepcion", "{listed}");
    // An automatic FCE is due 30 days after its date.
    let fecha: chrono::NaiveDate = serde_json::from_value(listed["fecha_emision"].clone()).unwrap();
    assert_eq!(
        listed["fecha_vencimiento_pago"],
        json!(fecha + chrono::Days::new(30)),
        "{listed}"
    );
    assert_eq!(listed["importe_total"], first["total"], "{listed}");
    assert_eq!(listed["codigo_autorizacion"], first["cae"], "{listed}");
    assert_eq!(listed["cuit_emisor"], CUIT_A);

    // The API's pagination over ARCA's pages.
    let page = app.get("/v1/fce/received?limit=1&offset=1", &buyer).await.json();
    assert_eq!(page["pagination"]["total"], 2);
    assert_eq!(page["data"].as_array().unwrap().len(), 1);

    // Accept the first, without a body (its balance), by an id without zero padding: ARCA's
    // account says Aceptado, and the answer names the canonical id.
    let bearer = format!("Bearer {buyer}");
    let unpadded = format!(
        "{CUIT_A}-201-{}-{}",
        first["punto_venta"].as_i64().unwrap(),
        first["numero"].as_i64().unwrap()
    );
    let accepted = app
        .request(
            "POST",
            &format!("/v1/fce/received/{unpadded}/accept"),
            &[("authorization", &bearer)],
            None,
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text());
    let accepted = accepted.json();
    assert_eq!(accepted["estado"], "Aceptado", "{accepted}");
    assert_eq!(accepted["id"], first_id.as_str(), "{accepted}");
    let aceptados = app.get("/v1/fce/received?estado=Aceptado", &buyer).await.json();
    assert_eq!(aceptados["pagination"]["total"], 1, "{aceptados}");
    assert_eq!(aceptados["data"][0]["id"], first_id.as_str());
    assert_eq!(aceptados["data"][0]["estado"], "Aceptado");

    // Accepting it again (a `null` body is no body): ARCA refuses, with its code.
    let again = app
        .post_json(&format!("/v1/fce/received/{first_id}/accept"), &buyer, &Value::Null)
        .await;
    let problem = again.problem(422, "ARCA_REFUSED");
    assert!(
        problem["arca_errors"][0]["code"]
            .as_str()
            .is_some_and(|code| !code.is_empty()),
        "{problem}"
    );
    assert_eq!(problem["retryable"], false);

    // Reject the second with a reason.
    let rejected = app
        .post_json(&format!("/v1/fce/received/{second_id}/reject"), &buyer, &reject_body())
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.text());
    assert_eq!(rejected.json()["estado"], "Rechazado");
    let rechazados = app.get("/v1/fce/received?estado=Rechazado", &buyer).await.json();
    assert_eq!(rechazados["pagination"]["total"], 1, "{rechazados}");
    assert_eq!(rechazados["data"][0]["id"], second_id.as_str());
}

#[tokio::test]
async fn nobody_accepts_or_rejects_what_was_not_addressed_to_them() {
    let app = TestApp::start().await;
    let (buyer, seller, first, _) = two_received(&app).await;
    let id = received_id(&first);

    // The seller lists nothing as received and cannot act as the buyer.
    let list = app.get("/v1/fce/received", &seller).await.json();
    assert_eq!(list["pagination"]["total"], 0, "{list}");
    app.post_json(&format!("/v1/fce/received/{id}/accept"), &seller, &json!({}))
        .await
        .problem(404, "NOT_FOUND");
    let refused = app
        .post_json(&format!("/v1/fce/received/{id}/reject"), &seller, &reject_body())
        .await;
    let problem = refused.problem(422, "ARCA_REFUSED");
    assert!(!problem["arca_errors"].as_array().unwrap().is_empty(), "{problem}");

    // Still pending for its buyer.
    let pending = app
        .get("/v1/fce/received?estado=PendienteRecepcion", &buyer)
        .await
        .json();
    assert_eq!(pending["pagination"]["total"], 2, "{pending}");
}

#[tokio::test]
async fn bad_ids_filters_and_reasons_are_named_and_nothing_is_asked() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Compradora", CUIT_B).await;
    let before = app.simulator.calls("consultarComprobantes");
    for id in ["1", "30712345671-1-00002-00000015", "30712345670-201-00002-00000015"] {
        let refused = app
            .post_json(&format!("/v1/fce/received/{id}/accept"), &key, &json!({}))
            .await;
        refused.problem(400, "VALIDATION_ERROR");
        assert_eq!(refused.error_fields(), ["id"], "{id}");
    }
    let id = "30712345671-201-00002-00000015";
    let cases = [
        (json!({"motivos": []}), vec!["motivos"]),
        (
            json!({"motivos": [{"codigo": 0, "descripcion": "no", "justificacion": "Sin remito firmado"}]}),
            vec!["motivos[0].codigo", "motivos[0].descripcion"],
        ),
    ];
    for (body, fields) in cases {
        let refused = app
            .post_json(&format!("/v1/fce/received/{id}/reject"), &key, &body)
            .await;
        refused.problem(400, "VALIDATION_ERROR");
        assert_eq!(refused.error_fields(), fields, "{body}");
    }
    let refused = app
        .post_json(
            &format!("/v1/fce/received/{id}/accept"),
            &key,
            &json!({"saldo_aceptado": "10.001"}),
        )
        .await;
    refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["saldo_aceptado"]);
    let refused = app
        .post_json(
            &format!("/v1/fce/received/{id}/accept"),
            &key,
            &json!({"saldo_aceptado": "10000000000000.00"}),
        )
        .await;
    refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["saldo_aceptado"]);
    // A note is accepted with its invoice, never by itself.
    let refused = app
        .post_json(
            "/v1/fce/received/30712345671-203-00002-00000015/accept",
            &key,
            &json!({}),
        )
        .await;
    refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["id"]);
    for (query, field) in [
        ("estado=aceptado", "estado"),
        ("cuit_emisor=30712345670", "cuit_emisor"),
        ("hasta=2026-01-01", "desde"),
        ("desde=2026-02-01&hasta=2026-01-01", "hasta"),
        ("limit=0", "limit"),
    ] {
        let refused = app.get(&format!("/v1/fce/received?{query}"), &key).await;
        refused.problem(400, "VALIDATION_ERROR");
        assert_eq!(refused.error_fields(), [field], "{query}");
    }
    assert_eq!(app.simulator.calls("consultarComprobantes"), before);
    assert_eq!(app.simulator.calls("rechazarFECred"), 0);
}

#[tokio::test]
async fn received_fces_when_arca_is_down_or_the_certificate_is_not_authorized() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Compradora", CUIT_B).await;
    authorize_wsfecred(&app, CUIT_B, false).await;
    let problem = app
        .get("/v1/fce/received", &key)
        .await
        .problem(422, "ARCA_SERVICE_NOT_AUTHORIZED");
    assert_eq!(problem["service"], "wsfecred");
    assert_eq!(problem["cuit"], CUIT_B);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("Factura de Crédito Electrónica MiPyMEs (wsfecred)"),
        "{detail}"
    );
    assert_eq!(app.simulator.calls("consultarComprobantes"), 0);

    authorize_wsfecred(&app, CUIT_B, true).await;
    app.simulator.add_fault(FaultRule {
        operation: "consultarComprobantes".into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(FaultAction::Http503),
        probability: 1.0,
        remaining: None,
    });
    let problem = app.get("/v1/fce/received", &key).await.problem(503, "ARCA_UNAVAILABLE");
    assert_eq!(problem["retryable"], true);
}

#[tokio::test]
async fn accepting_without_an_amount_accepts_the_balance_after_a_credit_note() {
    let app = TestApp::start().await;
    let (buyer, seller, first, _) = two_received(&app).await;
    let invoice_id = first["id"].as_str().unwrap();
    let note = app
        .post_json(
            &format!("/v1/invoices/{invoice_id}/credit-notes"),
            &seller,
            &json!({"importe": "121000.00"}),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.text());
    assert_eq!(note.json()["tipo_comprobante"], 203);
    let id = received_id(&first);
    let accepted = app
        .post_json(&format!("/v1/fce/received/{id}/accept"), &buyer, &json!({}))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text());
    assert_eq!(accepted.json()["estado"], "Aceptado");
}

#[tokio::test]
async fn the_received_list_reads_past_arcas_ten_per_page() {
    let app = TestApp::start().await;
    let (_, buyer, _) = app.account_with_certificate("Compradora", CUIT_B).await;
    let (_, seller) = seller(&app).await;
    oblige(&app, CUIT_B).await;
    let mut ids = Vec::new();
    for _ in 0..12 {
        let invoice = approved(&app, &seller, &invoice_to(CUIT_B, ABOVE, None)).await;
        assert_eq!(invoice["tipo_comprobante"], 201);
        ids.push(received_id(&invoice));
    }
    let before = app.simulator.calls("consultarComprobantes");
    let list = app.get("/v1/fce/received?limit=100", &buyer).await.json();
    assert_eq!(list["pagination"]["total"], 12, "{list}");
    assert_eq!(
        app.simulator.calls("consultarComprobantes") - before,
        2,
        "two of ARCA's pages"
    );
    let tail = app.get("/v1/fce/received?limit=5&offset=10", &buyer).await.json();
    assert_eq!(tail["data"].as_array().unwrap().len(), 2, "{tail}");
    let listed: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|fce| fce["id"].as_str().unwrap())
        .collect();
    for id in &ids {
        assert!(listed.contains(&id.as_str()), "{id}: {list}");
    }
    // The last one, on ARCA's second page, is found and accepted.
    let last = ids.last().unwrap();
    let accepted = app
        .post_json(&format!("/v1/fce/received/{last}/accept"), &buyer, &json!({}))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text());
}

/// A second more than the back-off.
fn past_backoff() -> chrono::Duration {
    chrono::Duration::from_std(arca_service::fce::UNDECIDED_BACKOFF).unwrap() + chrono::Duration::seconds(1)
}
