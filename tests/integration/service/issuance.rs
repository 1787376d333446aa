//! The issuance engine against the in-process simulator over HTTP and a real database (SQLite,
//! or PostgreSQL with `TEST_DATABASE=postgres`): batching, partial batches, lost answers,
//! crashes, and two instances competing for one series. Tests await the engine's notifications
//! (`Engine::wait`); none sleeps to synchronise.

use std::sync::Arc;
use std::time::Duration;

use arca_protocol::money::Money;
use arca_protocol::voucher::Voucher;
use arca_protocol::wsfe::{FECAERequest, FECAEResponse, FECompConsResponse};
use arca_service::issuance::{ArcaFuture, ArcaPort, DirectArca, Engine, EngineConfig, NewInvoice};
use arca_service::storage::invoices::{self, InvoiceRow};
use arca_service::storage::invoices::{InvoiceStatus, SendState};
use arca_service::storage::series::SeriesKey;
use arca_simulator::{FaultAction, FaultRule};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use serde_json::{Value, json};

use crate::integration::support::{TestEnv, wsfe_client};
use arca_test_support::{CUIT_A, TestApp, uses_postgres};

const WAIT: Duration = Duration::from_secs(30);

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

/// An unnumbered Factura B to an unidentified consumidor final: 1000 + 21 % IVA.
fn factura_b() -> Voucher {
    crate::integration::support::factura_b(0)
}

fn series() -> SeriesKey {
    SeriesKey {
        cuit: CUIT_A.into(),
        punto_venta: 1,
        cbte_tipo: 6,
    }
}

fn fault(operation: &str, action: FaultAction) -> FaultRule {
    FaultRule {
        operation: operation.into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(action),
        probability: 1.0,
        remaining: Some(1),
    }
}

struct Setup {
    env: TestEnv,
    app: TestApp,
    account_id: String,
    port: Arc<dyn ArcaPort>,
}

async fn setup() -> Setup {
    let env = TestEnv::start().await;
    // The engines under test are the only instances.
    let app = TestApp::builder().without_engine().start().await;
    let (account_id, _key) = app.create_account("Issuer", CUIT_A, json!({})).await;
    let port: Arc<dyn ArcaPort> = Arc::new(DirectArca::from(wsfe_client(&env).await));
    Setup {
        env,
        app,
        account_id,
        port,
    }
}

fn invoice(account_id: &str, voucher: Voucher) -> NewInvoice {
    NewInvoice {
        account_id: account_id.into(),
        cuit: CUIT_A.into(),
        voucher,
        document: None,
        cliente_nombre: Some("Consumidor Final".into()),
        idempotency_key: None,
        request_hash: None,
        usage: None,
        deferred_until: None,
        note: None,
    }
}

/// A port whose ARCA never answers: an engine over it accepts invoices and sends nothing, as an
/// instance that crashed right after accepting them.
struct Unreachable;

impl ArcaPort for Unreachable {
    fn last_authorized<'a>(&'a self, _: &'a SeriesKey) -> ArcaFuture<'a, u64> {
        Box::pin(std::future::pending())
    }
    fn authorize<'a>(&'a self, _: &'a SeriesKey, _: FECAERequest) -> ArcaFuture<'a, FECAEResponse> {
        Box::pin(std::future::pending())
    }
    fn consult<'a>(&'a self, _: &'a SeriesKey, _: u64) -> ArcaFuture<'a, Option<FECompConsResponse>> {
        Box::pin(std::future::pending())
    }
    fn records_per_request<'a>(&'a self, _: &'a SeriesKey) -> ArcaFuture<'a, u32> {
        Box::pin(std::future::pending())
    }
}

/// Accepts `vouchers` (in this order) through an engine that then "crashes" before sending.
async fn accept_without_sending(setup: &Setup, vouchers: Vec<Voucher>) -> Vec<String> {
    // Its worker takes the series' lease and never renews it: a short lease, so the next engine
    // takes over (with a new fencing token) without a long wait.
    let config = EngineConfig {
        lease_ttl: Duration::from_millis(300),
        ..EngineConfig::default()
    };
    let engine = Engine::new(setup.app.storage.clone(), Arc::new(Unreachable), config);
    let mut ids = Vec::new();
    for voucher in vouchers {
        ids.push(engine.submit(invoice(&setup.account_id, voucher)).await.unwrap().id);
    }
    engine.stop();
    ids
}

async fn wait_all(engine: &Engine, ids: &[String]) -> Vec<InvoiceRow> {
    let mut rows = Vec::new();
    for id in ids {
        rows.push(engine.wait(id, WAIT).await.unwrap());
    }
    rows
}

/// What ARCA (the simulator) stores for the series: (number, CAE) per voucher.
async fn arca_vouchers(env: &TestEnv) -> Vec<(u64, String)> {
    let client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let uri = format!(
        "{}/_sim/vouchers?cuit={CUIT_A}&pto_vta=1&cbte_tipo=6",
        env.simulator.base_url()
    );
    let response = client.get(uri.parse().unwrap()).await.expect("simulator answers");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let listing: Value = serde_json::from_slice(&body).unwrap();
    listing["series"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|series| series["vouchers"].as_array().cloned().unwrap_or_default())
        .map(|v| {
            (
                v["cbte_desde"].as_u64().unwrap(),
                v["cod_autorizacion"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every approved invoice matches ARCA's voucher under its number, one to one.
async fn assert_one_voucher_per_invoice(env: &TestEnv, rows: &[InvoiceRow]) {
    let stored = arca_vouchers(env).await;
    let approved: Vec<&InvoiceRow> = rows.iter().filter(|r| r.status == InvoiceStatus::Approved).collect();
    assert_eq!(stored.len(), approved.len(), "ARCA holds {stored:?}");
    for row in approved {
        let number = u64::try_from(row.numero.unwrap()).unwrap();
        let at_arca = stored.iter().find(|(n, _)| *n == number).expect("voucher at ARCA");
        assert_eq!(Some(&at_arca.1), row.cae.as_ref(), "invoice {} number {number}", row.id);
    }
}

fn numbers(rows: &[InvoiceRow]) -> Vec<i64> {
    let mut numbers: Vec<i64> = rows.iter().filter_map(|r| r.numero).collect();
    numbers.sort_unstable();
    numbers
}

#[tokio::test]
async fn two_hundred_concurrent_invoices_are_numbered_without_gaps_in_few_requests() {
    let setup = setup().await;
    // A realistic round trip, so invoices accepted meanwhile queue up for the next request.
    setup.env.simulator.add_fault(FaultRule {
        operation: "FECAESolicitar".into(),
        latency_ms: 100,
        jitter_ms: 0,
        action: None,
        probability: 1.0,
        remaining: None,
    });
    let engine = Engine::start(setup.app.storage.clone(), setup.port.clone(), EngineConfig::default())
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let engine = engine.clone();
        let account_id = setup.account_id.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for _ in 0..10 {
                ids.push(engine.submit(invoice(&account_id, factura_b())).await.unwrap().id);
            }
            wait_all(&engine, &ids).await
        }));
    }
    let mut rows = Vec::new();
    for task in tasks {
        rows.extend(task.await.unwrap());
    }
    assert_eq!(rows.len(), 200);
    assert!(
        rows.iter()
            .all(|r| r.status == InvoiceStatus::Approved && r.cae.is_some()),
        "{rows:#?}"
    );
    assert_eq!(numbers(&rows), (1..=200).collect::<Vec<i64>>());
    let requests = setup.env.simulator.calls("FECAESolicitar");
    assert!(
        requests < 50,
        "{requests} FECAESolicitar calls for 200 invoices: no batching"
    );
    assert_one_voucher_per_invoice(&setup.env, &rows).await;
    assert_eq!(rows[0].amounts.imp_total, "1210.00");
    engine.stop();
}

#[tokio::test]
async fn an_invoice_arca_rejects_fails_alone_and_the_rest_get_consecutive_numbers() {
    let setup = setup().await;
    let mut bad = factura_b();
    // Does not add up (10048): only ARCA's rules see it, the engine does not pre-validate.
    bad.imp_total = money("1300.00");
    let vouchers = vec![factura_b(), factura_b(), bad, factura_b(), factura_b()];
    let ids = accept_without_sending(&setup, vouchers).await;
    let engine = Engine::start(setup.app.storage.clone(), setup.port.clone(), EngineConfig::default())
        .await
        .unwrap();
    let rows = wait_all(&engine, &ids).await;
    let failed = &rows[2];
    assert_eq!(failed.status, InvoiceStatus::Failed);
    assert_eq!(failed.numero, None);
    assert!(
        failed
            .arca_observaciones
            .as_deref()
            .unwrap_or_default()
            .contains("10048"),
        "{failed:?}"
    );
    let approved: Vec<InvoiceRow> = rows
        .iter()
        .filter(|r| r.status == InvoiceStatus::Approved)
        .cloned()
        .collect();
    assert_eq!(approved.len(), 4);
    assert_eq!(numbers(&approved), vec![1, 2, 3, 4]);
    // One request with all five (the third rejected, the last two not processed), one with the two.
    assert_eq!(setup.env.simulator.calls("FECAESolicitar"), 2);
    assert_one_voucher_per_invoice(&setup.env, &rows).await;
    engine.stop();
}

#[tokio::test]
async fn a_lost_answer_is_reconciled_and_the_cae_recorded_once() {
    let setup = setup().await;
    setup
        .env
        .simulator
        .add_fault(fault("FECAESolicitar", FaultAction::CommitThenDrop));
    let engine = Engine::start(setup.app.storage.clone(), setup.port.clone(), EngineConfig::default())
        .await
        .unwrap();
    let id = engine.submit(invoice(&setup.account_id, factura_b())).await.unwrap().id;
    let row = engine.wait(&id, WAIT).await.unwrap();
    assert_eq!(row.status, InvoiceStatus::Approved, "{row:?}");
    assert_eq!(row.numero, Some(1));
    assert_eq!(setup.env.simulator.calls("FECAESolicitar"), 1, "never re-sent");
    assert!(setup.env.simulator.calls("FECompConsultar") >= 1);
    assert_one_voucher_per_invoice(&setup.env, &[row]).await;
    // The next invoice continues the series.
    let next = engine.submit(invoice(&setup.account_id, factura_b())).await.unwrap().id;
    assert_eq!(engine.wait(&next, WAIT).await.unwrap().numero, Some(2));
    engine.stop();
}

#[tokio::test]
async fn a_request_cut_before_arca_stored_it_is_resent_with_the_same_number() {
    let setup = setup().await;
    setup
        .env
        .simulator
        .add_fault(fault("FECAESolicitar", FaultAction::Drop));
    let engine = Engine::start(setup.app.storage.clone(), setup.port.clone(), EngineConfig::default())
        .await
        .unwrap();
    let id = engine.submit(invoice(&setup.account_id, factura_b())).await.unwrap().id;
    let row = engine.wait(&id, WAIT).await.unwrap();
    assert_eq!(row.status, InvoiceStatus::Approved, "{row:?}");
    assert_eq!(row.numero, Some(1));
    assert_eq!(setup.env.simulator.calls("FECAESolicitar"), 2);
    // Above the last authorised number: not consumed, so nothing to look up.
    assert_eq!(setup.env.simulator.calls("FECompConsultar"), 0);
    assert_one_voucher_per_invoice(&setup.env, &[row]).await;
    engine.stop();
}

#[tokio::test]
async fn a_crash_between_numbering_and_sending_is_resumed_on_start() {
    let setup = setup().await;
    let ids = accept_without_sending(&setup, vec![factura_b(), factura_b()]).await;
    // The crash: the first invoice's number was committed in flight, the request never left.
    assert!(
        arca_test_support::hooks::force_in_flight(&setup.app.storage, &ids[0], 1, arca_service::storage::now())
            .await
            .unwrap()
    );
    let engine = Engine::start(setup.app.storage.clone(), setup.port.clone(), EngineConfig::default())
        .await
        .unwrap();
    let rows = wait_all(&engine, &ids).await;
    assert!(rows.iter().all(|r| r.status == InvoiceStatus::Approved), "{rows:#?}");
    assert_eq!(rows[0].numero, Some(1), "re-sent under the number it had");
    assert_eq!(rows[1].numero, Some(2));
    assert_one_voucher_per_invoice(&setup.env, &rows).await;
    let listed = invoices::list_series(&setup.app.storage, &series()).await.unwrap();
    assert!(listed.iter().all(|r| r.send_state == SendState::None));
    engine.stop();
}

#[tokio::test]
async fn two_instances_on_one_postgresql_database_never_duplicate_a_number() {
    if !uses_postgres() {
        eprintln!(
            "skipped: two instances need a shared PostgreSQL database (TEST_DATABASE=postgres); \
             SQLite is single-instance"
        );
        return;
    }
    let setup = setup().await;
    setup.env.simulator.add_fault(FaultRule {
        operation: "FECAESolicitar".into(),
        latency_ms: 20,
        jitter_ms: 20,
        action: None,
        probability: 1.0,
        remaining: None,
    });
    let config = EngineConfig {
        wait_recheck: Duration::from_millis(200),
        idle_poll: Duration::from_millis(200),
        ..EngineConfig::default()
    };
    // Instances share the access ticket (WSAA refuses a second login while one is valid).
    let second_port = setup.port.clone();
    let first = Engine::start(setup.app.storage.clone(), setup.port.clone(), config.clone())
        .await
        .unwrap();
    let second = Engine::start(setup.app.storage.clone(), second_port, config)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for task in 0..10 {
        let engine = if task % 2 == 0 { first.clone() } else { second.clone() };
        let account_id = setup.account_id.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for _ in 0..10 {
                ids.push(engine.submit(invoice(&account_id, factura_b())).await.unwrap().id);
            }
            wait_all(&engine, &ids).await
        }));
    }
    let mut rows = Vec::new();
    for task in tasks {
        rows.extend(task.await.unwrap());
    }
    assert!(rows.iter().all(|r| r.status == InvoiceStatus::Approved), "{rows:#?}");
    assert_eq!(numbers(&rows), (1..=100).collect::<Vec<i64>>());
    assert_one_voucher_per_invoice(&setup.env, &rows).await;
    first.stop();
    second.stop();
}

/// Cross-instance notifications (PostgreSQL `LISTEN/NOTIFY`): with every poll set to an hour,
/// an invoice accepted by an instance whose ARCA hangs is issued by the other instance, woken
/// by the work notification, and the first instance's waiter learns the result from the status
/// notification.
#[tokio::test]
async fn instances_wake_each_other_through_notifications() {
    if !uses_postgres() {
        eprintln!("skipped: notifications between instances need PostgreSQL (TEST_DATABASE=postgres)");
        return;
    }
    let setup = setup().await;
    let hour = Duration::from_secs(3600);
    let quiet = EngineConfig {
        idle_poll: hour,
        wait_recheck: hour,
        ..EngineConfig::default()
    };
    let worker = Engine::start(setup.app.storage.clone(), setup.port.clone(), quiet.clone())
        .await
        .unwrap();
    // The accepting instance's own worker takes the lease and hangs on ARCA; a short lease lets
    // the other instance take over once woken.
    let hanging = EngineConfig {
        lease_ttl: Duration::from_millis(300),
        ..quiet
    };
    let accepting = Engine::start(setup.app.storage.clone(), Arc::new(Unreachable), hanging)
        .await
        .unwrap();
    let id = accepting
        .submit(invoice(&setup.account_id, factura_b()))
        .await
        .unwrap()
        .id;
    let row = accepting.wait(&id, WAIT).await.unwrap();
    assert_eq!(row.status, InvoiceStatus::Approved, "{row:#?}");
    assert_eq!(row.numero, Some(1));
    assert_one_voucher_per_invoice(&setup.env, &[row]).await;
    worker.stop();
    accepting.stop();
}

/// The usage count commits with the invoice, and a count past the quota (two requests that
/// passed the HTTP layer's check together) stores nothing.
#[tokio::test]
async fn the_quota_is_enforced_in_the_transaction_that_stores_the_invoice() {
    let setup = setup().await;
    let engine = Engine::new(
        setup.app.storage.clone(),
        Arc::new(Unreachable),
        EngineConfig::default(),
    );
    let within_quota = |month: &str| NewInvoice {
        usage: Some((month.to_string(), Some(1))),
        ..invoice(&setup.account_id, factura_b())
    };
    let first = engine.submit(within_quota("2026-11")).await.unwrap();
    assert!(first.created);
    let refused = engine.submit(within_quota("2026-11")).await.unwrap_err();
    assert!(
        matches!(
            refused,
            arca_service::issuance::Error::Storage(arca_service::Error::QuotaExceeded { quota: 1, used: 1, .. })
        ),
        "{refused:?}"
    );
    let stored = invoices::list_series(&setup.app.storage, &series()).await.unwrap();
    assert_eq!(stored.len(), 1, "the refused invoice must not be stored");
    let used = arca_service::usage::usage(&setup.app.storage, &setup.account_id, "2026-11")
        .await
        .unwrap();
    assert_eq!(used, 1, "the refused invoice must not be counted");
    engine.stop();
}

/// ARCA answers with an internal error (501, its database) and processes nothing: the invoice
/// waits as `pending_retry` with ARCA's code, is sent again after the back-off without any
/// reconciliation (ARCA answered, so nothing can be at ARCA), and gets the same number 1.
#[tokio::test]
async fn an_arca_internal_error_defers_the_invoice_and_it_is_sent_again() {
    let setup = setup().await;
    setup
        .env
        .simulator
        .add_fault(fault("FECAESolicitar", FaultAction::ArcaError { code: 501 }));
    let engine = Engine::start(setup.app.storage.clone(), setup.port.clone(), EngineConfig::default())
        .await
        .unwrap();
    let id = engine.submit(invoice(&setup.account_id, factura_b())).await.unwrap().id;
    let deferred = engine.wait(&id, WAIT).await.unwrap();
    assert_eq!(deferred.status, InvoiceStatus::PendingRetry, "{deferred:?}");
    assert_eq!(deferred.numero, None, "ARCA consumed nothing: the number is released");
    assert!(
        deferred.arca_errores.as_deref().is_some_and(|e| e.contains("501")),
        "{deferred:?}"
    );
    let row = engine.wait_final(&id, WAIT).await.unwrap();
    assert_eq!(row.status, InvoiceStatus::Approved, "{row:?}");
    assert_eq!(row.numero, Some(1));
    assert_eq!(setup.env.simulator.calls("FECAESolicitar"), 2);
    assert_eq!(setup.env.simulator.calls("FECompConsultar"), 0);
    assert_one_voucher_per_invoice(&setup.env, &[row]).await;
    engine.stop();
}

/// A `respond-async` answer shows the row `submit` committed without reading it again: that row
/// must be exactly what a read returns (the columns the insert leaves to their defaults too), on
/// both dialects, for an invoice accepted to send now and one deferred behind the breaker.
#[tokio::test]
async fn the_row_submit_reports_is_the_row_stored() {
    let setup = setup().await;
    let engine = Engine::new(
        setup.app.storage.clone(),
        Arc::new(Unreachable),
        EngineConfig::default(),
    );
    let deferred = NewInvoice {
        deferred_until: Some(chrono::Utc::now() + chrono::Duration::minutes(5)),
        idempotency_key: Some("clave-1".into()),
        request_hash: Some("hash".into()),
        document: Some(r#"{"punto_venta": 1}"#.into()),
        ..invoice(&setup.account_id, factura_b())
    };
    for new in [invoice(&setup.account_id, factura_b()), deferred] {
        let submitted = engine.submit(new).await.unwrap();
        let reported = submitted.accepted.expect("a created invoice reports its row");
        let stored = invoices::find(&setup.app.storage, &submitted.id)
            .await
            .unwrap()
            .expect("stored");
        assert_eq!(format!("{reported:?}"), format!("{stored:?}"));
    }
    let repeat = engine
        .submit(NewInvoice {
            idempotency_key: Some("clave-1".into()),
            request_hash: Some("hash".into()),
            ..invoice(&setup.account_id, factura_b())
        })
        .await
        .unwrap();
    assert!(!repeat.created && repeat.accepted.is_none(), "{repeat:?}");
    engine.stop();
}
