//! Issuing under a CAEA (docs/arca.md §G.4, ARCHITECTURE.md "CAEA contingency"), black-box over
//! HTTP with the real simulator: the breaker opened by simulator faults (or forced), the grant
//! and the primed series written by the test-support hook (obtaining them is part GRANTS').
//! Time moves on the app's `ManualClock`, never by sleeping.

use std::sync::Arc;

use arca_protocol::clock::ManualClock;
use arca_protocol::qr::{AuthorizationKind, QrData};
use arca_service::contingency::calendar::{Fortnight, argentina_today};
use arca_service::storage::invoices::InvoiceStatus;
use arca_simulator::{FaultAction, FaultRule};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp, TestResponse, hooks};

const CAEA: &str = "36123456789012";
/// The contingency point of sale of the tests, and the last number its series was primed with.
const CONTINGENCY_POS: i32 = 5;
const PRIMED: i64 = 100;

fn factura_b(price: &str) -> Value {
    json!({"mode": "advanced", "tipo_comprobante": 6, "punto_venta": 1, "concepto": "productos",
           "cliente": {"documento_tipo": 99, "documento_numero": "0", "condicion_iva": "consumidor_final"},
           "items": [{"descripcion": "Yerba", "cantidad": 1, "precio_unitario": price, "iva_porcentaje": 21}]})
}

fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

async fn post(app: &TestApp, key: &str, body: &Value) -> TestResponse {
    app.post_json("/v1/invoices", key, body).await
}

/// Today's fortnight (Argentina's day at `now`): validity and a deadline 8 days after it.
fn fortnight_at(now: chrono::DateTime<Utc>) -> (NaiveDate, NaiveDate, NaiveDate) {
    let fortnight = Fortnight::containing(argentina_today(now));
    (
        fortnight.first_day(),
        fortnight.last_day(),
        fortnight.last_day() + Duration::days(8),
    )
}

/// An account on `cuit` with a contingency point of sale, today's CAEA and its Factura A/B
/// series primed at [`PRIMED`]: (account id, key).
async fn opted_in(app: &TestApp, cuit: &str, now: chrono::DateTime<Utc>) -> (String, String) {
    opted_in_for(app, cuit, now, &[1, 6]).await
}

/// [`opted_in`] with only the series of `cbte_tipos` primed.
async fn opted_in_for(app: &TestApp, cuit: &str, now: chrono::DateTime<Utc>, cbte_tipos: &[i32]) -> (String, String) {
    opted_in_with(app, cuit, fortnight_at(now), cbte_tipos).await
}

/// [`opted_in`] with a grant valid `desde..=hasta` (deadline `tope`).
async fn opted_in_with(
    app: &TestApp,
    cuit: &str,
    validity: (NaiveDate, NaiveDate, NaiveDate),
    cbte_tipos: &[i32],
) -> (String, String) {
    // The grant is the test's: the app's own CAEA pass asks for none (its start-up pass could
    // otherwise run late, once the account is opted in).
    app.state.caea_grants.stop().await;
    let (account, key, _) = app.account_with_certificate("Almacén", cuit).await;
    hooks::caea_ready(
        &app.storage,
        &account,
        cuit,
        CONTINGENCY_POS,
        CAEA,
        validity,
        cbte_tipos,
        PRIMED,
    )
    .await
    .expect("the CAEA is written");
    (account, key)
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

fn fault_on(operation: &str) -> FaultRule {
    FaultRule {
        operation: operation.into(),
        ..outage()
    }
}

/// Checks a CAEA invoice as answered: approved at once, the CAEA (not in `cae`), the
/// contingency point of sale, the report pending, and a QR with `tipoCodAut` A. Its number.
fn assert_caea(response: &TestResponse, tope: NaiveDate) -> i64 {
    assert_eq!(response.status, 201, "{}", response.text());
    let invoice = response.json();
    assert_eq!(invoice["status"], "approved", "{invoice}");
    assert_eq!(invoice["tipo_autorizacion"], "CAEA");
    assert_eq!(invoice["caea"], CAEA);
    assert_eq!(invoice["cae"], Value::Null, "a CAEA is never shown as a CAE");
    assert_eq!(invoice["contingencia"], true);
    assert_eq!(invoice["punto_venta"], CONTINGENCY_POS);
    assert_eq!(invoice["informe_caea"]["estado"], "pendiente");
    assert_eq!(invoice["informe_caea"]["fecha_tope"], tope.to_string());
    let qr = QrData::from_url(invoice["qr_data"].as_str().expect("a QR")).expect("a valid QR");
    assert_eq!(qr.tipo_cod_aut, AuthorizationKind::Caea);
    assert_eq!(qr.cod_aut.to_string(), CAEA);
    assert_eq!(i64::from(qr.pto_vta), i64::from(CONTINGENCY_POS));
    let numero = invoice["numero"].as_i64().expect("numbered");
    assert_eq!(u64::try_from(numero).ok(), Some(qr.nro_cmp));
    numero
}

/// Noon in Argentina (15:00 UTC) in the middle of the current fortnight (the 8th or the 23rd):
/// a `ManualClock` there keeps a test's "today" and fortnight from changing during the run.
fn mid_fortnight() -> chrono::DateTime<Utc> {
    let today = argentina_today(Utc::now());
    let day = if Fortnight::containing(today).first_day().day() == 1 {
        8
    } else {
        23
    };
    today
        .with_day(day)
        .expect("a day of the month")
        .and_hms_opt(15, 0, 0)
        .expect("a time")
        .and_utc()
}

fn fixed_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(mid_fortnight()))
}

fn cae_calls(app: &TestApp) -> u64 {
    app.simulator.calls("FECAESolicitar")
}

#[tokio::test]
async fn an_open_breaker_in_caea_mode_issues_under_the_caea_and_a_closed_one_with_a_cae_again() {
    let start = Utc::now();
    let clock = Arc::new(ManualClock::new(start));
    let app = TestApp::builder()
        .clock(clock.clone())
        .env("INVOICE_QUEUE_MODE", "caea")
        .env("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "2")
        .env("CIRCUIT_BREAKER_OPEN_SECONDS", "60")
        .env("INVOICE_WAIT_TIMEOUT_MS", "15000")
        .start()
        .await;
    let (_, key) = opted_in(&app, CUIT_A, start).await;
    let (_, _, tope) = fortnight_at(start);
    let before = post(&app, &key, &factura_b("100.00")).await;
    assert_eq!(before.status, 201, "{}", before.text());
    assert_eq!(before.json()["tipo_autorizacion"], "CAE");
    assert_eq!(before.json()["contingencia"], false);
    assert_eq!(before.json()["informe_caea"], Value::Null);
    assert!(before.json()["caea"].is_null());

    // ARCA fails: the invoice in flight is deferred and two failures open the breaker.
    app.simulator.add_fault(outage());
    let during = post(&app, &key, &factura_b("200.00")).await;
    assert_eq!(during.status, 202, "{}", during.text());
    let deferred_id = during.json()["id"].as_str().unwrap().to_string();
    let row = app
        .state
        .engine
        .wait(&deferred_id, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(row.status, InvoiceStatus::PendingRetry);
    assert!(app.state.breaker.is_open());

    // Open: approved at once under the CAEA, numbered after the primed number, ARCA not called.
    let calls = cae_calls(&app);
    let mut numbers = Vec::new();
    for price in ["300.00", "301.00", "302.00"] {
        numbers.push(assert_caea(&post(&app, &key, &factura_b(price)).await, tope));
    }
    assert_eq!(numbers, [PRIMED + 1, PRIMED + 2, PRIMED + 3]);
    assert_eq!(cae_calls(&app), calls, "issuing under CAEA does not call ARCA");
    let stored = app.get("/v1/invoices?status=approved", &key).await.json();
    let caea_count = stored["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|invoice| invoice["tipo_autorizacion"] == "CAEA")
        .count();
    assert_eq!(caea_count, 3, "listed with their authorisation: {stored}");

    // ARCA back and the open period over: the next invoice gets a CAE (the breaker's probe).
    app.simulator.clear_faults();
    clock.advance(Duration::seconds(61));
    let after = post(&app, &key, &factura_b("400.00")).await;
    assert_eq!(after.status, 201, "{}", after.text());
    assert_eq!(after.json()["tipo_autorizacion"], "CAE");
    assert_eq!(after.json()["punto_venta"], 1);
    assert!(after.json()["cae"].is_string());
    assert_eq!(app.state.breaker.state().as_str(), "closed");
    let drained = app
        .state
        .engine
        .wait_final(&deferred_id, std::time::Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(drained.status, InvoiceStatus::Approved, "the queued one got its CAE");
    assert_eq!(drained.authorization.tipo_autorizacion.as_str(), "CAE");
}

#[tokio::test]
async fn queue_and_reject_modes_keep_their_meaning_and_explicit_contingency_works_in_both() {
    for (mode, status) in [("queue", 202), ("reject", 503)] {
        let app = TestApp::builder()
            .clock(fixed_clock())
            .env("ARCA_CIRCUIT_BREAKER", "true")
            .env("INVOICE_QUEUE_MODE", mode)
            .start()
            .await;
        let now = mid_fortnight();
        let (_, key) = opted_in(&app, CUIT_A, now).await;
        let (_, _, tope) = fortnight_at(now);
        let usual = post(&app, &key, &factura_b("100.00")).await;
        assert_eq!(usual.status, status, "{mode}: {}", usual.text());
        let explicit = post(&app, &key, &with(factura_b("100.00"), "contingencia", json!(true))).await;
        assert_eq!(assert_caea(&explicit, tope), PRIMED + 1, "{mode}");
        let never = post(&app, &key, &with(factura_b("100.00"), "contingencia", json!(false))).await;
        assert_eq!(never.status, status, "{mode}: `false` never uses CAEA");
    }
}

#[tokio::test]
async fn without_a_usable_caea_an_invoice_is_queued_and_an_explicit_request_refused() {
    let app = TestApp::builder()
        .clock(fixed_clock())
        .env("ARCA_CIRCUIT_BREAKER", "true")
        .env("INVOICE_QUEUE_MODE", "caea")
        .start()
        .await;
    let now = mid_fortnight();
    // No contingency point of sale: queued; asked for explicitly, 422.
    let (_, plain_key, _) = app.account_with_certificate("Kiosco", CUIT_B).await;
    let queued = post(&app, &plain_key, &factura_b("100.00")).await;
    assert_eq!(queued.status, 202, "{}", queued.text());
    assert_eq!(queued.json()["status"], "pending_retry");
    assert_eq!(queued.json()["tipo_autorizacion"], "CAE");
    let refused = post(
        &app,
        &plain_key,
        &with(factura_b("100.00"), "contingencia", json!(true)),
    )
    .await;
    let problem = refused.problem(422, "CONTINGENCY_NOT_CONFIGURED");
    assert_eq!(problem["retryable"], false);
    assert!(problem["hint"].as_str().unwrap().contains("contingencia"), "{problem}");

    // Opted in (a CAEA valid today only), but the Factura B series was never primed (only
    // Factura A's): queued; explicit, 503 retryable.
    let today = argentina_today(now);
    let (_, key) = opted_in_with(&app, CUIT_A, (today, today, today + Duration::days(8)), &[1]).await;
    let unprimed = post(&app, &key, &factura_b("100.00")).await;
    assert_eq!(unprimed.status, 202, "{}", unprimed.text());
    assert_eq!(unprimed.json()["status"], "pending_retry");
    let refused = post(&app, &key, &with(factura_b("100.00"), "contingencia", json!(true))).await;
    let problem = refused.problem(503, "CAEA_UNAVAILABLE");
    assert_eq!(problem["retryable"], true);
    assert!(problem["detail"].as_str().unwrap().contains("primed"), "{problem}");

    // A date outside the CAEA's validity (ARCA 702): 400 naming `fecha` when explicit.
    let outside = with(
        with(factura_b("100.00"), "contingencia", json!(true)),
        "fecha",
        json!((today - Duration::days(1)).to_string()),
    );
    let refused = post(&app, &key, &outside).await;
    refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["fecha"], "{}", refused.text());

    // The contingency point of sale asked for a CAE: 400 naming `punto_venta`.
    let on_contingency = with(
        with(factura_b("100.00"), "contingencia", json!(false)),
        "punto_venta",
        json!(CONTINGENCY_POS),
    );
    let refused = post(&app, &key, &on_contingency).await;
    refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["punto_venta"], "{}", refused.text());
}

#[tokio::test]
async fn explicit_contingency_is_refused_while_arca_answers_and_accepted_when_fedummy_fails() {
    let start = Utc::now();
    let clock = Arc::new(ManualClock::new(start));
    let app = TestApp::builder()
        .clock(clock.clone())
        .env("ARCA_HEALTH_CACHE_MS", "1000")
        .start()
        .await;
    let (_, key) = opted_in(&app, CUIT_A, start).await;
    let (_, _, tope) = fortnight_at(start);
    let explicit = with(factura_b("100.00"), "contingencia", json!(true));
    let refused = post(&app, &key, &explicit).await;
    let problem = refused.problem(409, "CONTINGENCY_NOT_ACTIVE");
    assert_eq!(problem["retryable"], false);
    assert!(
        problem["hint"].as_str().unwrap().contains("contingencies only"),
        "{problem}"
    );
    // The contingency point of sale never gets a CAE.
    let refused = post(
        &app,
        &key,
        &with(factura_b("100.00"), "punto_venta", json!(CONTINGENCY_POS)),
    )
    .await;
    refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["punto_venta"]);

    // FEDummy fails (the breaker is still closed): the cached probe, once stale, says so.
    app.simulator.add_fault(fault_on("FEDummy"));
    clock.advance(Duration::seconds(2));
    let accepted = post(&app, &key, &explicit).await;
    assert_eq!(assert_caea(&accepted, tope), PRIMED + 1);
    assert!(!app.state.breaker.is_open());
}

#[tokio::test]
async fn an_idempotent_repeat_returns_the_same_caea_invoice_without_a_new_number() {
    let app = TestApp::builder()
        .clock(fixed_clock())
        .env("ARCA_CIRCUIT_BREAKER", "true")
        .env("INVOICE_QUEUE_MODE", "caea")
        .start()
        .await;
    let now = mid_fortnight();
    let (_, key) = opted_in(&app, CUIT_A, now).await;
    let (_, _, tope) = fortnight_at(now);
    let body = factura_b("100.00");
    let headers = [("idempotency-key", "caea-1")];
    let first = app.post_json_with("/v1/invoices", &key, &body, &headers).await;
    assert_eq!(assert_caea(&first, tope), PRIMED + 1);
    let again = app.post_json_with("/v1/invoices", &key, &body, &headers).await;
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(again.json()["numero"], PRIMED + 1);
    let other = app
        .post_json_with("/v1/invoices", &key, &factura_b("999.00"), &headers)
        .await;
    other.problem(409, "CONFLICT");
    // Concurrent first requests with one key: all pass the pre-check, and every one but the
    // first meets the key in the engine's transaction, after taking a number it gives back.
    let app = Arc::new(app);
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (app, key, body) = (app.clone(), key.clone(), body.clone());
        requests.spawn(async move {
            app.post_json_with("/v1/invoices", &key, &body, &[("idempotency-key", "caea-2")])
                .await
        });
    }
    let mut ids = std::collections::BTreeSet::new();
    while let Some(response) = requests.join_next().await {
        let response = response.unwrap();
        assert_eq!(response.status, 201, "{}", response.text());
        ids.insert(response.json()["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 1, "one invoice for the key");
    let last = arca_service::storage::contingency::last_number(&app.storage, CUIT_A, CONTINGENCY_POS, 6)
        .await
        .unwrap();
    assert_eq!(last, Some(PRIMED + 2), "the repeats gave their numbers back");
    let next = post(&app, &key, &body).await;
    assert_eq!(
        assert_caea(&next, tope),
        PRIMED + 3,
        "no number was used by the repeats"
    );
}

#[tokio::test]
async fn a_number_taken_by_a_transaction_that_never_committed_is_the_next_one_issued() {
    let app = TestApp::builder()
        .clock(fixed_clock())
        .env("ARCA_CIRCUIT_BREAKER", "true")
        .env("INVOICE_QUEUE_MODE", "caea")
        .start()
        .await;
    let now = mid_fortnight();
    let (account, key) = opted_in(&app, CUIT_A, now).await;
    let (_, _, tope) = fortnight_at(now);
    // A crash between numbering and committing: the number taken, the invoice inserted and
    // recorded approved under the CAEA (what `issue_caea` does), the transaction gone.
    use arca_service::storage::{contingency, invoices};
    let grant = contingency::grant_covering(&app.storage, &account, argentina_today(now))
        .await
        .unwrap()
        .expect("today's grant");
    let mut transaction = app.storage.begin().await.unwrap();
    let taken = contingency::take_number(&mut transaction, CUIT_A, CONTINGENCY_POS, 6)
        .await
        .unwrap();
    assert_eq!(taken, Some(PRIMED + 1));
    let id = arca_service::storage::new_id("inv");
    let zero = || "0.00".to_string();
    let row = invoices::NewInvoiceRow {
        id: id.clone(),
        account_id: account.clone(),
        series: arca_service::storage::series::SeriesKey {
            cuit: CUIT_A.to_string(),
            punto_venta: CONTINGENCY_POS,
            cbte_tipo: 6,
        },
        voucher: "{}".into(),
        document: None,
        fecha: Some(argentina_today(now)),
        doc_tipo: 99,
        doc_nro: 0,
        cliente_nombre: None,
        amounts: invoices::Amounts {
            imp_total: "121.00".into(),
            imp_tot_conc: zero(),
            imp_neto: "100.00".into(),
            imp_op_ex: zero(),
            imp_trib: zero(),
            imp_iva: "21.00".into(),
        },
        idempotency_key: None,
        request_hash: None,
        deferred_until_ms: None,
        created_at: now,
        original_id: None,
        note_kind: None,
    };
    assert!(matches!(
        invoices::insert(&mut transaction, &row).await.unwrap(),
        invoices::Inserted::Created
    ));
    let approval = contingency::CaeaApproval {
        id: &id,
        numero: PRIMED + 1,
        grant: &grant,
        cbte_fch_hs_gen: "20261208120000",
        now,
    };
    assert!(
        contingency::record_caea_approved(&mut transaction, &approval)
            .await
            .unwrap()
    );
    drop(transaction);
    assert!(invoices::find(&app.storage, &id).await.unwrap().is_none(), "no invoice");
    let last = arca_service::storage::contingency::last_number(&app.storage, CUIT_A, CONTINGENCY_POS, 6)
        .await
        .unwrap();
    assert_eq!(last, Some(PRIMED), "nothing of it remains");
    let listed = app.get("/v1/invoices", &key).await.json();
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(0), "and no invoice");
    let issued = post(&app, &key, &factura_b("100.00")).await;
    assert_eq!(assert_caea(&issued, tope), PRIMED + 1, "no gap");
}

#[tokio::test]
async fn concurrent_requests_get_distinct_contiguous_numbers() {
    let app = TestApp::builder()
        .clock(fixed_clock())
        .env("ARCA_CIRCUIT_BREAKER", "true")
        .env("INVOICE_QUEUE_MODE", "caea")
        .start()
        .await;
    let now = mid_fortnight();
    let (_, key) = opted_in(&app, CUIT_A, now).await;
    let (_, _, tope) = fortnight_at(now);
    const N: usize = 12;
    let app = Arc::new(app);
    let mut requests = tokio::task::JoinSet::new();
    for n in 0..N {
        let (app, key) = (app.clone(), key.clone());
        requests.spawn(async move { post(&app, &key, &factura_b(&format!("{}.00", 100 + n))).await });
    }
    let mut numbers = Vec::new();
    while let Some(response) = requests.join_next().await {
        numbers.push(assert_caea(&response.unwrap(), tope));
    }
    numbers.sort_unstable();
    let expected: Vec<i64> = (1..=i64::try_from(N).unwrap()).map(|n| PRIMED + n).collect();
    assert_eq!(numbers, expected);
    let last = arca_service::storage::contingency::last_number(&app.storage, CUIT_A, CONTINGENCY_POS, 6)
        .await
        .unwrap();
    assert_eq!(last, Some(PRIMED + i64::try_from(N).unwrap()));
}

#[tokio::test]
async fn the_pdf_of_a_caea_invoice_says_caea_and_contingency() {
    let app = TestApp::builder()
        .clock(fixed_clock())
        .env("ARCA_CIRCUIT_BREAKER", "true")
        .env("INVOICE_QUEUE_MODE", "caea")
        .start()
        .await;
    let now = mid_fortnight();
    let (_, key) = opted_in(&app, CUIT_A, now).await;
    let (_, hasta, tope) = fortnight_at(now);
    let profile = json!({
        "razon_social": "Almacén Don Pepe S.R.L.",
        "domicilio_comercial": "Av. Rivadavia 1000, CABA",
        "condicion_iva": "responsable_inscripto",
        "ingresos_brutos": "901-123456-7",
        "inicio_actividades": "2019-04-01"
    });
    let put = app.put_json("/v1/account/issuer-profile", &key, &profile).await;
    assert_eq!(put.status, 200, "{}", put.text());
    let issued = post(&app, &key, &factura_b("100.00")).await;
    assert_caea(&issued, tope);
    let id = issued.json()["id"].as_str().unwrap().to_string();
    let pdf = app.get(&format!("/v1/invoices/{id}/pdf"), &key).await;
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("invoice.pdf");
    std::fs::write(&path, &pdf.body).unwrap();
    let output = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (apt-get install poppler-utils)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("CAEA N°"), "{text}");
    assert!(text.contains(CAEA), "{text}");
    assert!(text.contains("Comprobante emitido en contingencia (CAEA)"), "{text}");
    assert!(text.contains("Fecha de Vto. de CAEA"), "{text}");
    assert!(text.contains(&hasta.format("%d/%m/%Y").to_string()), "{text}");
}

#[tokio::test]
async fn dates_never_go_backwards_along_a_contingency_series() {
    let clock = fixed_clock();
    let app = TestApp::builder()
        .clock(clock.clone())
        .env("ARCA_CIRCUIT_BREAKER", "true")
        .env("INVOICE_QUEUE_MODE", "caea")
        .start()
        .await;
    let now = mid_fortnight();
    let today = argentina_today(now);
    let (_, key) = opted_in(&app, CUIT_A, now).await;
    let (_, _, tope) = fortnight_at(now);
    let issued = post(&app, &key, &factura_b("100.00")).await;
    assert_eq!(assert_caea(&issued, tope), PRIMED + 1);
    assert_eq!(issued.json()["fecha"], today.to_string());
    // An explicit earlier date (inside the grant): 400 naming `fecha`, no number consumed.
    let earlier = with(
        with(factura_b("100.00"), "contingencia", json!(true)),
        "fecha",
        json!((today - Duration::days(1)).to_string()),
    );
    let refused = post(&app, &key, &earlier).await;
    refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["fecha"], "{}", refused.text());
    // Without `contingencia` it is queued (a CAE later), never numbered under the CAEA.
    let queued = post(
        &app,
        &key,
        &with(
            factura_b("100.00"),
            "fecha",
            json!((today - Duration::days(1)).to_string()),
        ),
    )
    .await;
    assert_eq!(queued.status, 202, "{}", queued.text());
    assert_eq!(queued.json()["tipo_autorizacion"], "CAE");
    // A later date than today: refused as well (every later voucher would go backwards).
    let later = with(
        with(factura_b("100.00"), "contingencia", json!(true)),
        "fecha",
        json!((today + Duration::days(1)).to_string()),
    );
    let refused = post(&app, &key, &later).await;
    refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["fecha"], "{}", refused.text());
    let last = arca_service::storage::contingency::last_number(&app.storage, CUIT_A, CONTINGENCY_POS, 6)
        .await
        .unwrap();
    assert_eq!(last, Some(PRIMED + 1), "no number consumed by the refusals");
    // The clock moves on a day: the next voucher is dated the new today.
    clock.advance(Duration::days(1));
    let next = post(&app, &key, &factura_b("100.00")).await;
    assert_eq!(assert_caea(&next, tope), PRIMED + 2);
    assert_eq!(next.json()["fecha"], (today + Duration::days(1)).to_string());
}

#[tokio::test]
async fn the_quota_and_an_exhausted_series_refuse_without_consuming_a_number() {
    let app = TestApp::builder()
        .clock(fixed_clock())
        .env("ARCA_CIRCUIT_BREAKER", "true")
        .env("INVOICE_QUEUE_MODE", "caea")
        .start()
        .await;
    let now = mid_fortnight();
    let (account, key) = opted_in(&app, CUIT_A, now).await;
    let (_, _, tope) = fortnight_at(now);
    assert_eq!(
        assert_caea(&post(&app, &key, &factura_b("100.00")).await, tope),
        PRIMED + 1
    );
    execute(
        &app.storage,
        &format!("UPDATE accounts SET monthly_quota = 1 WHERE id = '{account}'"),
    )
    .await;
    let over = post(&app, &key, &factura_b("100.00")).await;
    assert_eq!(over.status, 402, "{}", over.text());
    let last = arca_service::storage::contingency::last_number(&app.storage, CUIT_A, CONTINGENCY_POS, 6)
        .await
        .unwrap();
    assert_eq!(last, Some(PRIMED + 1), "the quota rolled the number back");

    // A series at 99999999 is never wrapped: 409, not retryable, and it stays there.
    let (_, other) = opted_in_at(&app, CUIT_B, now, 99_999_999).await;
    let refused = post(&app, &other, &with(factura_b("100.00"), "contingencia", json!(true))).await;
    let problem = refused.problem(409, "CAEA_SERIES_EXHAUSTED");
    assert_eq!(problem["retryable"], false);
    let last = arca_service::storage::contingency::last_number(&app.storage, CUIT_B, CONTINGENCY_POS, 6)
        .await
        .unwrap();
    assert_eq!(last, Some(99_999_999));
    // Not asked for: queued for a CAE on the point of sale it named.
    let queued = post(&app, &other, &factura_b("100.00")).await;
    assert_eq!(queued.status, 202, "{}", queued.text());
    assert_eq!(queued.json()["punto_venta"], 1);
}

#[tokio::test]
async fn a_note_of_a_caea_invoice_is_issued_on_a_cae_point_of_sale() {
    let app = TestApp::builder()
        .clock(fixed_clock())
        .env("ARCA_CIRCUIT_BREAKER", "true")
        .env("INVOICE_QUEUE_MODE", "caea")
        .start()
        .await;
    let now = mid_fortnight();
    let (_, key) = opted_in(&app, CUIT_A, now).await;
    let (_, _, tope) = fortnight_at(now);
    let issued = post(&app, &key, &with(factura_b("100.00"), "punto_venta", json!(3))).await;
    let numero = assert_caea(&issued, tope);
    let id = issued.json()["id"].as_str().unwrap().to_string();
    let cancel = app
        .post_json(&format!("/v1/invoices/{id}/cancel"), &key, &json!({}))
        .await;
    assert!(cancel.status == 201 || cancel.status == 202, "{}", cancel.text());
    let note = cancel.json();
    assert_eq!(
        note["punto_venta"], 3,
        "the point of sale the original asked for: {note}"
    );
    assert_eq!(note["tipo_autorizacion"], "CAE");
    let row = arca_service::storage::invoices::find(&app.storage, note["id"].as_str().unwrap())
        .await
        .unwrap()
        .expect("the note");
    assert!(
        row.voucher
            .contains(&format!("\"pto_vta\":{CONTINGENCY_POS},\"nro\":{numero}")),
        "CbtesAsoc names the original on its contingency point of sale: {}",
        row.voucher
    );
}

/// [`opted_in`] with the series primed at `last`.
async fn opted_in_at(app: &TestApp, cuit: &str, now: chrono::DateTime<Utc>, last: i64) -> (String, String) {
    // The grant is the test's: the app's own CAEA pass asks for none (its start-up pass could
    // otherwise run late, once the account is opted in).
    app.state.caea_grants.stop().await;
    let (account, key, _) = app.account_with_certificate("Almacén", cuit).await;
    hooks::caea_ready(
        &app.storage,
        &account,
        cuit,
        CONTINGENCY_POS,
        CAEA,
        fortnight_at(now),
        &[1, 6],
        last,
    )
    .await
    .expect("the CAEA is written");
    (account, key)
}

async fn execute(storage: &arca_service::Storage, sql: &str) {
    match storage {
        arca_service::Storage::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()).unwrap(),
        arca_service::Storage::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()).unwrap(),
    }
}

#[tokio::test]
async fn the_created_event_and_the_approval_email_of_a_caea_invoice_name_the_caea() {
    let app = TestApp::builder()
        .clock(fixed_clock())
        .env("ARCA_CIRCUIT_BREAKER", "true")
        .env("INVOICE_QUEUE_MODE", "caea")
        .start()
        .await;
    let now = mid_fortnight();
    let (account, key) = opted_in(&app, CUIT_A, now).await;
    let (_, hasta, tope) = fortnight_at(now);
    let subscribed = arca_service::storage::webhooks::SubscriptionRow {
        id: arca_service::storage::new_id("wh"),
        account_id: account.clone(),
        url: "https://example.com/hooks".into(),
        events: json!(["*"]).to_string(),
        description: None,
        enabled: true,
        secret: b"sealed elsewhere".to_vec(),
        previous_secret: None,
        previous_secret_expires_at: None,
        failing_since: None,
        disabled_reason: None,
        disabled_at: None,
        created_at: now,
        updated_at: now,
    };
    arca_service::storage::webhooks::insert_subscription_row(&app.storage, &subscribed)
        .await
        .expect("a subscription");
    let changed = app
        .patch_json("/v1/account", &key, &json!({"enviar_email_automatico": true}))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    let mut body = factura_b("100.00");
    body["cliente"]["email"] = json!("cliente@example.com");
    let issued = post(&app, &key, &body).await;
    assert_caea(&issued, tope);
    let id = issued.json()["id"].as_str().unwrap().to_string();

    // Both events show the invoice approved under the CAEA, never a CAE `pending` one.
    let events = outbox(&app.storage, "webhook").await;
    let mut types = Vec::new();
    for payload in events {
        let event_id = payload["event_id"].as_str().unwrap();
        let event = arca_service::storage::webhooks::event_body(&app.storage, event_id)
            .await
            .unwrap()
            .expect("the event");
        let event: Value = serde_json::from_str(&event).unwrap();
        if event["data"]["id"] != id.as_str() {
            continue;
        }
        assert_eq!(event["data"]["tipo_autorizacion"], "CAEA", "{event}");
        assert_eq!(event["data"]["status"], "approved", "{event}");
        assert_eq!(event["data"]["contingencia"], true, "{event}");
        types.push(event["type"].as_str().unwrap().to_string());
    }
    types.sort();
    assert_eq!(types, ["invoice.approved", "invoice.created"]);

    // The approval email names the CAEA as such.
    let emails = outbox(&app.storage, "email").await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    let text = emails[0]["mensaje"].as_str().unwrap();
    assert!(
        text.contains(&format!(
            "emitida en contingencia con el CAEA {CAEA} (vigente hasta el {})",
            hasta.format("%d/%m/%Y")
        )),
        "{text}"
    );
    assert!(!text.contains("con el CAE "), "{text}");
}

/// The payloads of the outbox's messages of `kind`.
async fn outbox(storage: &arca_service::Storage, kind: &str) -> Vec<Value> {
    let sql = format!("SELECT payload FROM outbox_messages WHERE kind = '{kind}' ORDER BY created_at, id");
    let rows: Vec<String> = match storage {
        arca_service::Storage::Postgres(pool) => sqlx::query_scalar(&sql).fetch_all(pool).await.unwrap(),
        arca_service::Storage::Sqlite(pool) => sqlx::query_scalar(&sql).fetch_all(pool).await.unwrap(),
    };
    rows.iter().map(|row| serde_json::from_str(row).unwrap()).collect()
}
