//! CAEA reporting against the in-process simulator over HTTP and a real database (SQLite, or
//! PostgreSQL with `TEST_DATABASE=postgres`): vouchers informed with `FECAEARegInformativo` in
//! batches of the simulator's `FECompTotXRequest`, ARCA holding them under the CAEA; a rejection
//! surfacing with ARCA's codes and its webhook event; a lost answer reconciled with no
//! duplicate; ARCA down and back; unused points of sale informed without movement once, a lost
//! answer checked with `FECAEASinMovimientoConsultar`; `GET /v1/contingency/reports`.
//!
//! The CAEA is granted by the simulator (`FECAEASolicitar` on its clock, today); the grant row
//! and the vouchers are written with `arca_test_support::hooks` exactly as the contingency
//! issuing path records them. Passes run with `Reporter::run_once(now)`, `now` chosen by the
//! test; the app's own background reporter and CAEA pass are stopped before anything is
//! written, so no pass but the test's runs. Nothing sleeps.

use std::time::Duration;

use arca_protocol::voucher::Voucher;
use arca_service::Storage;
use arca_service::contingency::calendar::{self, Fortnight};
use arca_service::contingency::report::{Pass, Reporter, ReporterConfig};
use arca_service::storage::webhooks::SubscriptionRow;
use arca_simulator::{FaultAction, FaultRule};
use chrono::{DateTime, Duration as Days, NaiveDate, Utc};
use serde_json::{Value, json};

use arca_test_support::hooks::{self, CaeaVoucher};
use arca_test_support::samples::factura_b_of;
use arca_test_support::{CUIT_A, CUIT_B, TestApp};

/// The contingency point of sale the vouchers are on, and one left unused.
const USED: u32 = 3;
const UNUSED: i32 = 4;

/// An account with a CAEA for today's fortnight (granted by the simulator) and two contingency
/// points of sale, and a reporter of its own.
struct World {
    app: TestApp,
    account: String,
    key: String,
    grant_id: String,
    caea: String,
    vigencia: (NaiveDate, NaiveDate),
    tope: NaiveDate,
    reporter: Reporter,
}

impl World {
    async fn start() -> World {
        let app = TestApp::builder()
            .env("CAEA_REPORT_INTERVAL_MS", "3600000")
            .start()
            .await;
        // Only the test's passes report (the counts below are exact), and no CAEA pass of the
        // app's own asks for a grant or writes one beside the test's (its start-up pass could
        // otherwise run late, once the points of sale below exist).
        app.state.caea_reporter.stop();
        app.state.caea_grants.stop().await;
        let (account, key, _) = app.account_with_certificate("Kiosco", CUIT_A).await;
        let points = json!([
            {"nro": 1, "emision_tipo": "CAE - Ri Iva"},
            {"nro": USED, "emision_tipo": "CAEA - Ri Iva - Contingencias"},
            {"nro": UNUSED, "emision_tipo": "CAEA - Ri Iva - Contingencias"},
        ]);
        let url = format!("{}/_sim/points-of-sale", app.simulator.base_url());
        let (status, _) = app.send_json_to("PUT", &url, &points).await;
        assert_eq!(status, 204);
        let now = Utc::now();
        for point in [USED as i32, UNUSED] {
            hooks::contingency_point_of_sale(&app.storage, &account, point, now)
                .await
                .expect("contingency point of sale");
        }
        let fortnight = Fortnight::containing(calendar::argentina_today(now));
        let session = app.state.arca.session(&account).await.expect("a WSFEv1 session");
        let granted = session
            .client
            .fe_caea_solicitar(&session.auth, fortnight.periodo(), fortnight.orden())
            .await
            .expect("the simulator grants a CAEA for today's fortnight");
        let caea = granted.caea.expect("CAEA");
        let vigencia = (
            granted.fch_vig_desde.expect("FchVigDesde"),
            granted.fch_vig_hasta.expect("FchVigHasta"),
        );
        let tope = granted.fch_tope_inf.expect("FchTopeInf");
        let grant_id = hooks::caea_grant(
            &app.storage,
            &account,
            CUIT_A,
            fortnight.periodo(),
            i32::from(fortnight.orden()),
            &caea,
            vigencia,
            tope,
            now,
        )
        .await
        .expect("grant row");
        let reporter = Reporter::new(
            app.storage.clone(),
            app.state.arca.clone(),
            app.state.clock.clone(),
            ReporterConfig {
                report_interval: Duration::from_secs(3600),
                lease_ttl: Duration::from_secs(30),
            },
        );
        World {
            app,
            account,
            key,
            grant_id,
            caea,
            vigencia,
            tope,
            reporter,
        }
    }

    /// Vouchers `numbers` on the used point of sale under the grant's CAEA (or `caea`).
    async fn vouchers(&self, numbers: std::ops::RangeInclusive<i64>, caea: Option<&str>) -> Vec<String> {
        let mut ids = Vec::new();
        for numero in numbers {
            let voucher: Voucher = factura_b_of(USED, 0, "1000.00", "210.00");
            let now = Utc::now();
            let id = hooks::caea_voucher(
                &self.app.storage,
                &CaeaVoucher {
                    account_id: &self.account,
                    cuit: CUIT_A,
                    grant_id: &self.grant_id,
                    caea: caea.unwrap_or(&self.caea),
                    vencimiento: self.vigencia.1,
                    numero,
                    voucher: &voucher,
                    cbte_fch_hs_gen: &calendar::generation_stamp(now),
                    now,
                },
            )
            .await
            .expect("CAEA voucher");
            ids.push(id);
        }
        ids
    }

    /// A pass during the fortnight.
    async fn pass(&self) -> Pass {
        self.reporter.run_once(Utc::now()).await.expect("a pass")
    }

    /// A pass the day after the fortnight (noon, Argentina).
    async fn pass_after_fortnight(&self) -> Pass {
        self.reporter.run_once(after(self.vigencia.1)).await.expect("a pass")
    }

    async fn states(&self) -> Vec<(i64, String)> {
        let sql = "SELECT numero, informe_estado FROM invoices WHERE caea_grant_id = $1 ORDER BY numero";
        match &self.app.storage {
            Storage::Postgres(pool) => sqlx::query_as(sql).bind(&self.grant_id).fetch_all(pool).await,
            Storage::Sqlite(pool) => sqlx::query_as(sql).bind(&self.grant_id).fetch_all(pool).await,
        }
        .expect("states")
    }

    /// What the simulator holds on the used point of sale: (number, authorisation code, type).
    async fn arca_vouchers(&self) -> Vec<(u64, String, String)> {
        let url = format!(
            "{}/_sim/vouchers?cuit={CUIT_A}&pto_vta={USED}&cbte_tipo=6",
            self.app.simulator.base_url()
        );
        let (status, listing) = self.app.send_json_to("GET", &url, &Value::Null).await;
        assert_eq!(status, 200);
        listing["series"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|series| series["vouchers"].as_array().cloned().unwrap_or_default())
            .map(|v| {
                (
                    v["cbte_desde"].as_u64().expect("number"),
                    v["cod_autorizacion"].as_str().unwrap_or_default().to_string(),
                    v["emision_tipo"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    async fn reports(&self) -> Value {
        let response = self.app.get("/v1/contingency/reports", &self.key).await;
        assert_eq!(response.status, 200, "{}", response.text());
        response.json()
    }

    fn fault(&self, operation: &str, action: FaultAction, remaining: Option<u32>) {
        self.app.simulator.add_fault(FaultRule {
            operation: operation.into(),
            latency_ms: 0,
            jitter_ms: 0,
            action: Some(action),
            probability: 1.0,
            remaining,
        });
    }
}

/// Noon in Argentina the day after `day`.
fn after(day: NaiveDate) -> DateTime<Utc> {
    let noon = (day + Days::days(1)).and_hms_opt(15, 0, 0).expect("a time");
    DateTime::from_naive_utc_and_offset(noon, Utc)
}

fn estados(states: &[(i64, String)]) -> Vec<&str> {
    states.iter().map(|(_, estado)| estado.as_str()).collect()
}

#[tokio::test]
async fn vouchers_are_informed_in_one_request_and_arca_holds_them_under_the_caea() {
    let world = World::start().await;
    world.vouchers(1..=3, None).await;
    let pass = world.pass().await;
    assert_eq!(pass.informed, 3, "{pass:?}");
    assert_eq!(world.app.simulator.calls("FECAEARegInformativo"), 1);
    assert_eq!(estados(&world.states().await), ["informado"; 3]);
    let held = world.arca_vouchers().await;
    assert_eq!(held.len(), 3);
    for (index, (number, code, kind)) in held.iter().enumerate() {
        assert_eq!(*number, index as u64 + 1);
        assert_eq!(code, &world.caea);
        assert_eq!(kind, "CAEA");
    }
    // Nothing is sent twice.
    let again = world.pass().await;
    assert_eq!(again.informed, 0);
    assert_eq!(world.app.simulator.calls("FECAEARegInformativo"), 1);
    let reports = world.reports().await;
    let fortnight = &reports["data"][0];
    assert_eq!(fortnight["caea"], world.caea.as_str());
    assert_eq!(
        fortnight["comprobantes"],
        json!({"pendientes": 0, "informados": 3, "rechazados": 0})
    );
    assert_eq!(fortnight["fecha_tope_informe"], world.tope.to_string());
    assert_eq!(fortnight["vigencia_hasta"], world.vigencia.1.to_string());
    assert_eq!(fortnight["vencido"], false);
    assert_eq!(fortnight["bloqueado_en"], Value::Null);
}

#[tokio::test]
async fn batches_are_capped_by_the_simulators_records_per_request() {
    let world = World::start().await;
    let url = format!("{}/_sim/wsfe", world.app.simulator.base_url());
    let (status, _) = world.app.post_json_to(&url, &json!({"reg_x_req": 2})).await;
    assert_eq!(status, 200);
    world.vouchers(1..=5, None).await;
    let pass = world.pass().await;
    assert_eq!(pass.informed, 5, "{pass:?}");
    assert_eq!(world.app.simulator.calls("FECAEARegInformativo"), 3);
    assert_eq!(world.arca_vouchers().await.len(), 5);
}

/// A subscription of the account to every event, written straight to the table.
async fn subscribe(app: &TestApp, account_id: &str) {
    let now = Utc::now();
    let row = SubscriptionRow {
        id: arca_service::storage::new_id("wh"),
        account_id: account_id.to_string(),
        url: "https://example.com/hooks".into(),
        events: "[\"*\"]".into(),
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
    arca_service::storage::webhooks::insert_subscription_row(&app.storage, &row)
        .await
        .expect("insert a subscription");
}

async fn event_bodies(storage: &Storage, event_type: &str) -> Vec<Value> {
    let sql = "SELECT body FROM webhook_events WHERE type = $1 ORDER BY created_at, id";
    let bodies: Vec<(String,)> = match storage {
        Storage::Postgres(pool) => sqlx::query_as(sql).bind(event_type).fetch_all(pool).await,
        Storage::Sqlite(pool) => sqlx::query_as(sql).bind(event_type).fetch_all(pool).await,
    }
    .expect("events");
    bodies
        .into_iter()
        .map(|(body,)| serde_json::from_str(&body).expect("JSON"))
        .collect()
}

#[tokio::test]
async fn a_rejected_report_surfaces_with_arcas_codes_and_an_event() {
    let world = World::start().await;
    subscribe(&world.app, &world.account).await;
    // A CAEA the simulator never granted to this CUIT: 705, an Err of the request.
    let ids = world.vouchers(1..=2, Some("11111111111111")).await;
    let pass = world.pass().await;
    assert_eq!(pass.rejected, 1, "{pass:?}");
    // The first is rejected; the second was refused only because it follows it.
    assert_eq!(estados(&world.states().await), ["rechazado", "pendiente"]);
    assert!(world.arca_vouchers().await.is_empty());
    let events = event_bodies(&world.app.storage, "contingency.report_rejected").await;
    assert_eq!(events.len(), 1);
    let data = &events[0]["data"];
    assert_eq!(data["id"], ids[0].as_str());
    assert_eq!(data["numero_completo"], "00003-00000001");
    assert_eq!(data["tipo_comprobante"], 6);
    assert_eq!(data["punto_venta"], 3);
    assert_eq!(data["caea"], "11111111111111");
    assert_eq!(data["errores"][0]["code"], "705");
    // The series is blocked at the rejected number: the next pass sends nothing.
    let again = world.pass().await;
    assert_eq!((again.informed, again.rejected), (0, 0));
    assert_eq!(world.app.simulator.calls("FECAEARegInformativo"), 1);
    let fortnight = &world.reports().await["data"][0];
    assert_eq!(
        fortnight["comprobantes"],
        json!({"pendientes": 1, "informados": 0, "rechazados": 1})
    );
    assert_eq!(fortnight["rechazados_total"], 1);
    assert_eq!(fortnight["rechazados"][0]["id"], ids[0].as_str());
    assert_eq!(fortnight["rechazados"][0]["errores"][0]["code"], "705");
    assert_eq!(fortnight["bloqueado_en"], "00003-00000001");
}

#[tokio::test]
async fn a_voucher_dated_outside_the_caea_is_rejected_with_an_observation() {
    let world = World::start().await;
    let mut voucher: Voucher = factura_b_of(USED, 0, "1000.00", "210.00");
    voucher.cbte_fch = Some(world.vigencia.0 - Days::days(1));
    let now = Utc::now();
    hooks::caea_voucher(
        &world.app.storage,
        &CaeaVoucher {
            account_id: &world.account,
            cuit: CUIT_A,
            grant_id: &world.grant_id,
            caea: &world.caea,
            vencimiento: world.vigencia.1,
            numero: 1,
            voucher: &voucher,
            cbte_fch_hs_gen: &calendar::generation_stamp(now),
            now,
        },
    )
    .await
    .expect("voucher");
    let pass = world.pass().await;
    assert_eq!(pass.rejected, 1, "{pass:?}");
    let fortnight = &world.reports().await["data"][0];
    assert_eq!(fortnight["rechazados"][0]["errores"][0]["code"], "702");
}

#[tokio::test]
async fn a_lost_answer_is_reconciled_without_a_duplicate() {
    let world = World::start().await;
    world.vouchers(1..=2, None).await;
    world.fault("FECAEARegInformativo", FaultAction::CommitThenDrop, Some(1));
    let pass = world.pass().await;
    assert_eq!((pass.informed, pass.unknown), (0, 2), "{pass:?}");
    assert_eq!(estados(&world.states().await), ["en_curso", "en_curso"]);
    // ARCA has them; the next pass finds them there and sends nothing again.
    let pass = world.pass().await;
    assert_eq!(pass.informed, 2, "{pass:?}");
    assert_eq!(estados(&world.states().await), ["informado", "informado"]);
    assert_eq!(world.app.simulator.calls("FECAEARegInformativo"), 1);
    assert_eq!(world.app.simulator.calls("FECompConsultar"), 2);
    assert_eq!(world.arca_vouchers().await.len(), 2);
}

#[tokio::test]
async fn arca_down_keeps_the_vouchers_and_they_are_reported_after_recovery() {
    let world = World::start().await;
    world.vouchers(1..=2, None).await;
    // Down before anything is sent: they stay pendiente.
    world.fault("FECompUltimoAutorizado", FaultAction::Http503, None);
    let pass = world.pass().await;
    assert_eq!(pass.failed_series, 1, "{pass:?}");
    assert_eq!(estados(&world.states().await), ["pendiente", "pendiente"]);
    world.app.simulator.clear_faults();
    // Down while the report is on its way: they stay en_curso, ARCA did not take them.
    world.fault("FECAEARegInformativo", FaultAction::Http503, None);
    let pass = world.pass().await;
    assert_eq!(pass.unknown, 2, "{pass:?}");
    assert_eq!(estados(&world.states().await), ["en_curso", "en_curso"]);
    world.app.simulator.clear_faults();
    // Back: reconciled (not consumed) and sent.
    let pass = world.pass().await;
    assert_eq!(pass.informed, 2, "{pass:?}");
    assert_eq!(estados(&world.states().await), ["informado", "informado"]);
    assert_eq!(world.arca_vouchers().await.len(), 2);
}

#[tokio::test]
async fn the_unused_point_of_sale_is_informed_without_movement_once() {
    let world = World::start().await;
    world.vouchers(1..=1, None).await;
    // During the fortnight nothing is declared yet.
    let pass = world.pass().await;
    assert_eq!((pass.informed, pass.no_movement_informed), (1, 0), "{pass:?}");
    let fortnight = &world.reports().await["data"][0];
    assert_eq!(
        fortnight["sin_movimiento"],
        json!([{"punto_venta": UNUSED, "estado": "pendiente", "fch_proceso": null, "errores": []}])
    );
    let pass = world.pass_after_fortnight().await;
    assert_eq!(pass.no_movement_informed, 1, "{pass:?}");
    assert_eq!(world.app.simulator.calls("FECAEASinMovimientoInformar"), 1);
    let again = world.pass_after_fortnight().await;
    assert_eq!(again.no_movement_informed, 0);
    assert_eq!(world.app.simulator.calls("FECAEASinMovimientoInformar"), 1);
    let fortnight = &world.reports().await["data"][0];
    let points = fortnight["sin_movimiento"].as_array().expect("points");
    assert_eq!(points.len(), 1, "only the unused point of sale: {points:?}");
    assert_eq!(points[0]["punto_venta"], UNUSED);
    assert_eq!(points[0]["estado"], "informado");
    assert!(points[0]["fch_proceso"].is_string());
}

#[tokio::test]
async fn a_lost_no_movement_answer_is_checked_before_sending_again() {
    let world = World::start().await;
    world.vouchers(1..=1, None).await;
    world.fault("FECAEASinMovimientoInformar", FaultAction::CommitThenDrop, Some(1));
    let pass = world.pass_after_fortnight().await;
    assert_eq!(pass.no_movement_failed, 1, "{pass:?}");
    let pass = world.pass_after_fortnight().await;
    assert_eq!(pass.no_movement_informed, 1, "{pass:?}");
    assert_eq!(world.app.simulator.calls("FECAEASinMovimientoConsultar"), 1);
    assert_eq!(world.app.simulator.calls("FECAEASinMovimientoInformar"), 1);
    let fortnight = &world.reports().await["data"][0];
    assert_eq!(fortnight["sin_movimiento"][0]["estado"], "informado");
}

#[tokio::test]
async fn reports_are_the_callers_own_and_limit_is_checked() {
    let world = World::start().await;
    world.vouchers(1..=1, None).await;
    let (_, other_key) = world.app.create_account("Otro", CUIT_B, json!({})).await;
    let response = world.app.get("/v1/contingency/reports", &other_key).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["data"], json!([]));
    assert_eq!(world.reports().await["data"].as_array().map(Vec::len), Some(1));
    for bad in ["0", "25", "x"] {
        let response = world
            .app
            .get(&format!("/v1/contingency/reports?limit={bad}"), &world.key)
            .await;
        assert_eq!(response.error_fields(), ["limit"], "{}", response.text());
    }
    let response = world.app.get("/v1/contingency/reports?page=2", &world.key).await;
    assert_eq!(response.status, 400);
    let response = world.app.get("/v1/contingency/reports?limit=24", &world.key).await;
    assert_eq!(response.status, 200);
}

/// This process's count of CAEA reports sent after their deadline.
fn late_reports() -> f64 {
    arca_service::metrics::render(&[])
        .lines()
        .find_map(|line| line.strip_prefix("arca_caea_late_reports_total "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn a_report_after_the_deadline_is_still_sent_and_counted() {
    let world = World::start().await;
    world.vouchers(1..=1, None).await;
    let before = late_reports();
    // The day after FchTopeInf.
    let pass = world.reporter.run_once(after(world.tope)).await.expect("a pass");
    assert_eq!(pass.informed, 1, "{pass:?}");
    assert!(late_reports() > before, "the late report is counted");
    assert_eq!(world.arca_vouchers().await.len(), 1);
}

#[tokio::test]
async fn two_reporters_never_send_a_voucher_twice() {
    let world = World::start().await;
    let url = format!("{}/_sim/wsfe", world.app.simulator.base_url());
    let (status, _) = world.app.post_json_to(&url, &json!({"reg_x_req": 1})).await;
    assert_eq!(status, 200);
    world.vouchers(1..=4, None).await;
    // Another instance's reporter: its own lease owner, the same database and ARCA.
    let other = Reporter::new(
        world.app.storage.clone(),
        world.app.state.arca.clone(),
        world.app.state.clock.clone(),
        ReporterConfig {
            report_interval: Duration::from_secs(3600),
            lease_ttl: Duration::from_secs(30),
        },
    );
    let now = Utc::now();
    let (first, second) = tokio::join!(world.reporter.run_once(now), other.run_once(now));
    let (first, second) = (first.expect("a pass"), second.expect("a pass"));
    assert_eq!(first.informed + second.informed, 4, "{first:?} {second:?}");
    assert_eq!(world.app.simulator.calls("FECAEARegInformativo"), 4);
    assert_eq!(estados(&world.states().await), ["informado"; 4]);
    let held: Vec<u64> = world.arca_vouchers().await.into_iter().map(|(n, _, _)| n).collect();
    assert_eq!(held, [1, 2, 3, 4]);
}
