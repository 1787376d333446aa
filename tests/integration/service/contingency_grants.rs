//! CAEA contingency, obtaining the CAEA (docs/arca.md §G): the contingency flag of points of
//! sale, the pass that asks ARCA for each fortnight's CAEA inside its window and stores it as
//! granted, the lost answer recovered with `FECAEAConsultar`, priming the contingency series
//! from ARCA's last numbers, the `contingency.caea_missing` alert (once), and
//! `GET /v1/contingency` (shape, tenant isolation).
//!
//! Real simulator over HTTP and SOAP. The app's background pass is stopped: each test calls
//! `caea_grants.pass(now)` at the time it set on the app's `ManualClock`, having moved the
//! simulator's clock (`/_sim/clock`) to the same instant. WSAA tickets are made to last 90 days
//! so the simulator accepts them across the moves (a ticket is checked against its clock).

use std::sync::Arc;

use arca_protocol::clock::ManualClock;
use arca_service::contingency::calendar::{self, Fortnight};
use arca_service::contingency::grants::PassReport;
use arca_service::storage::webhooks::SubscriptionRow;
use arca_service::{Storage, storage};
use arca_simulator::{FaultAction, FaultRule};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp};

/// Two more valid CUITs.
const CUIT_C: &str = "20333333334";
const CUIT_D: &str = "20444444445";
/// The simulator's CAE and CAEA points of sale.
const CAE_POINT: i64 = 1;
const CAEA_POINT: i64 = 5;

/// An app whose CAEA pass and outbox the test drives, on `clock`.
async fn start(clock: &Arc<ManualClock>) -> TestApp {
    let app = TestApp::builder()
        .without_dispatcher()
        .clock(clock.clone())
        .env("CAEA_CHECK_INTERVAL_MS", "3600000")
        .start()
        .await;
    app.state.caea_grants.stop();
    app.simulator.set_ticket_lifetime(Duration::days(90));
    let points = json!([
        {"nro": CAE_POINT, "emision_tipo": "CAE - Ri Iva"},
        {"nro": CAEA_POINT, "emision_tipo": "CAEA - Ri Iva - Contingencias"},
    ]);
    let url = format!("{}/_sim/points-of-sale", app.simulator.base_url());
    let (status, _) = app.send_json_to("PUT", &url, &points).await;
    assert_eq!(status, 204);
    app
}

/// Noon in Argentina on `day`.
fn noon(day: NaiveDate) -> DateTime<Utc> {
    arca_protocol::clock::argentina()
        .from_local_datetime(&day.and_hms_opt(12, 0, 0).expect("noon"))
        .single()
        .expect("one instant")
        .with_timezone(&Utc)
}

/// Moves the app's clock and the simulator's to `when` (at or after the machine's time).
async fn at(app: &TestApp, clock: &ManualClock, when: DateTime<Utc>) {
    clock.set(when);
    let offset = (when - Utc::now()).num_seconds();
    let url = format!("{}/_sim/clock", app.simulator.base_url());
    let (status, _) = app.post_json_to(&url, &json!({"offset_seconds": offset})).await;
    assert_eq!(status, 200);
}

/// The fortnight after next: far enough ahead that every day of its window is in the future.
fn ahead() -> Fortnight {
    Fortnight::containing(calendar::argentina_today(Utc::now()))
        .next()
        .next()
}

/// An account with a certificate whose simulator points of sale are synchronised and the CAEA
/// one marked `contingencia`: (account id, key).
async fn opted_in(app: &TestApp, name: &str, cuit: &str) -> (String, String) {
    let (account, key, _) = app.account_with_certificate(name, cuit).await;
    let synced = app.post_json("/v1/points-of-sale/sync", &key, &json!({})).await;
    assert_eq!(synced.status, 200, "{}", synced.text());
    let id = point_id(app, &key, CAEA_POINT).await;
    let marked = app
        .patch_json(
            &format!("/v1/points-of-sale/{id}"),
            &key,
            &json!({"contingencia": true}),
        )
        .await;
    assert_eq!(marked.status, 200, "{}", marked.text());
    assert_eq!(marked.json()["contingencia_verificada"], true);
    (account, key)
}

async fn point_id(app: &TestApp, key: &str, numero: i64) -> String {
    let list = app.get("/v1/points-of-sale", key).await.json();
    list["data"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|point| point["numero"] == numero)
        .and_then(|point| point["id"].as_str())
        .unwrap_or_else(|| panic!("no point of sale {numero}: {list}"))
        .to_string()
}

async fn pass(app: &TestApp, clock: &ManualClock) -> PassReport {
    use arca_protocol::clock::Clock;
    app.state
        .caea_grants
        .pass(clock.now())
        .await
        .expect("the pass runs")
        .expect("no other instance holds the lease")
}

fn only(account: &str, fortnights: &[Fortnight]) -> Vec<(String, Fortnight)> {
    fortnights.iter().map(|f| (account.to_string(), *f)).collect()
}

async fn grant(app: &TestApp, account: &str, fortnight: Fortnight) -> Option<storage::contingency::CaeaGrantRow> {
    storage::contingency::find_grant(&app.storage, account, fortnight.periodo(), i32::from(fortnight.orden()))
        .await
        .expect("read")
}

/// What the simulator holds for the fortnight (`FECAEAConsultar` through the account's session).
async fn arca_grant(app: &TestApp, account: &str, fortnight: Fortnight) -> arca_protocol::wsfe::FECAEAGet {
    let session = app.state.arca.session(account).await.expect("a session");
    session
        .client
        .fe_caea_consultar(&session.auth, fortnight.periodo(), fortnight.orden())
        .await
        .expect("ARCA answers")
        .expect("ARCA granted it")
}

#[tokio::test]
async fn the_caea_is_asked_for_inside_arcas_window_and_stored_as_granted() {
    let target = ahead();
    let clock = Arc::new(ManualClock::new(noon(target.request_opens() - Duration::days(1))));
    let app = start(&clock).await;
    let (account, key) = opted_in(&app, "Almacén", CUIT_A).await;

    // The day before the next fortnight's window: only the current fortnight is asked for.
    at(&app, &clock, noon(target.request_opens() - Duration::days(1))).await;
    let report = pass(&app, &clock).await;
    assert_eq!(report.accounts, 1);
    assert_eq!(report.granted, only(&account, &[target.previous()]));
    assert_eq!(app.simulator.calls("FECAEASolicitar"), 1);
    assert!(grant(&app, &account, target).await.is_none());

    // The window's first day: granted, stored as ARCA answered (dates, FchTopeInf).
    at(&app, &clock, noon(target.request_opens())).await;
    let report = pass(&app, &clock).await;
    assert_eq!(report.granted, only(&account, &[target]));
    assert_eq!(app.simulator.calls("FECAEASolicitar"), 2);
    let stored = grant(&app, &account, target).await.expect("stored");
    let arca = arca_grant(&app, &account, target).await;
    assert_eq!(Some(stored.caea.clone()), arca.caea);
    assert_eq!(Some(stored.fch_vig_desde), arca.fch_vig_desde);
    assert_eq!(Some(stored.fch_vig_hasta), arca.fch_vig_hasta);
    assert_eq!(Some(stored.fch_tope_inf), arca.fch_tope_inf);
    assert_eq!(
        (stored.fch_vig_desde, stored.fch_vig_hasta),
        (target.first_day(), target.last_day())
    );
    assert_eq!(stored.cuit, CUIT_A);

    // Stored grants are not asked for again.
    let report = pass(&app, &clock).await;
    assert!(report.granted.is_empty() && report.recovered.is_empty(), "{report:?}");
    assert_eq!(app.simulator.calls("FECAEASolicitar"), 2);

    // The fortnight's last day (late evening in Argentina): the next one is granted too.
    let late = noon(target.last_day()) + Duration::hours(11);
    assert_eq!(calendar::argentina_today(late), target.last_day());
    at(&app, &clock, late).await;
    let report = pass(&app, &clock).await;
    assert_eq!(report.granted, only(&account, &[target.next()]));

    // GET /v1/contingency shows the current and next grants.
    let view = app.get("/v1/contingency", &key).await;
    assert_eq!(view.status, 200, "{}", view.text());
    let view = view.json();
    assert_eq!(view["habilitada"], true);
    assert_eq!(view["modo_cola"], "queue");
    assert_eq!(view["puntos_de_venta"], json!([CAEA_POINT]));
    assert_eq!(view["caea_actual"]["caea"], stored.caea.as_str());
    assert_eq!(view["caea_actual"]["periodo"], target.periodo());
    assert_eq!(view["caea_actual"]["orden"], target.orden());
    assert_eq!(view["caea_actual"]["vigencia_desde"], target.first_day().to_string());
    assert_eq!(view["caea_actual"]["vigencia_hasta"], target.last_day().to_string());
    assert_eq!(
        view["caea_actual"]["fecha_tope_informe"],
        stored.fch_tope_inf.to_string()
    );
    assert_eq!(view["caea_actual"]["observaciones"], json!([]));
    assert_eq!(view["caea_siguiente"]["periodo"], target.next().periodo());
    assert_eq!(view["ultimo_error"], Value::Null);
}

#[tokio::test]
async fn a_lost_grant_is_recovered_with_fecaeaconsultar() {
    let target = ahead();
    let clock = Arc::new(ManualClock::new(noon(target.first_day())));
    let app = start(&clock).await;
    let (account, _) = opted_in(&app, "Almacén", CUIT_A).await;
    at(&app, &clock, noon(target.first_day())).await;
    app.simulator.add_fault(FaultRule {
        operation: "FECAEASolicitar".into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(FaultAction::CommitThenDrop),
        probability: 1.0,
        remaining: Some(1),
    });

    // ARCA granted it but the answer was lost: nothing stored.
    let report = pass(&app, &clock).await;
    assert_eq!(report.failed, 1, "{report:?}");
    assert!(report.granted.is_empty() && report.recovered.is_empty(), "{report:?}");
    assert!(grant(&app, &account, target).await.is_none());

    // The next pass meets 15008 and stores what FECAEAConsultar returns: ARCA's one grant.
    let report = pass(&app, &clock).await;
    assert_eq!(report.recovered, only(&account, &[target]));
    assert_eq!(app.simulator.calls("FECAEASolicitar"), 2);
    assert_eq!(app.simulator.calls("FECAEAConsultar"), 1);
    let stored = grant(&app, &account, target).await.expect("recovered");
    assert_eq!(Some(stored.caea), arca_grant(&app, &account, target).await.caea);
}

#[tokio::test]
async fn accounts_without_an_active_contingency_point_of_sale_are_never_asked() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = start(&clock).await;
    // B synchronised its points of sale but marked none; C marked a blocked one.
    let (_, key_b, _) = app.account_with_certificate("B", CUIT_B).await;
    let synced = app.post_json("/v1/points-of-sale/sync", &key_b, &json!({})).await;
    assert_eq!(synced.status, 200, "{}", synced.text());
    let (_, key_c, _) = app.account_with_certificate("C", CUIT_C).await;
    let body = json!({"numero": 9, "tipo_emision": "CAEA", "contingencia": true, "bloqueado": true});
    assert_eq!(app.post_json("/v1/points-of-sale", &key_c, &body).await.status, 201);
    // An account with a contingency point of sale but no certificate.
    let (_, key_d) = app.create_account("D", CUIT_D, json!({})).await;
    let body = json!({"numero": 9, "tipo_emision": "CAEA", "contingencia": true});
    assert_eq!(app.post_json("/v1/points-of-sale", &key_d, &body).await.status, 201);

    let report = pass(&app, &clock).await;
    assert_eq!(report, PassReport::default());
    assert_eq!(app.simulator.calls("FECAEASolicitar"), 0);
    assert_eq!(app.simulator.calls("FECAEAConsultar"), 0);

    let view = app.get("/v1/contingency", &key_c).await.json();
    assert_eq!(view["habilitada"], false);
    assert_eq!(view["puntos_de_venta"], json!([]));

    // While another instance holds the pass's lease, this one does not run it.
    let now = clock_now(&clock);
    let ms = now.timestamp_millis();
    let claimed = storage::alerts::claim_job(&app.storage, "caea_grants", "another-instance", ms, ms + 60_000, ms)
        .await
        .expect("claim");
    assert!(claimed);
    let skipped = app.state.caea_grants.pass(now).await.expect("no error");
    assert!(skipped.is_none(), "{skipped:?}");
}

#[tokio::test]
async fn the_contingency_flag_is_validated_and_survives_the_sync() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = start(&clock).await;
    let (_, key, _) = app.account_with_certificate("A", CUIT_A).await;
    assert_eq!(
        app.post_json("/v1/points-of-sale/sync", &key, &json!({})).await.status,
        200
    );

    // ARCA's CAE point of sale cannot be a contingency point of sale.
    let cae = point_id(&app, &key, CAE_POINT).await;
    let refused = app
        .patch_json(
            &format!("/v1/points-of-sale/{cae}"),
            &key,
            &json!({"contingencia": true}),
        )
        .await;
    let problem = refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["contingencia"], "{problem}");
    assert!(problem.to_string().contains("CAEA"), "{problem}");
    assert_eq!(
        app.get(&format!("/v1/points-of-sale/{cae}"), &key).await.json()["contingencia"],
        false
    );
    // null is not a value for it.
    let refused = app
        .patch_json(
            &format!("/v1/points-of-sale/{cae}"),
            &key,
            &json!({"contingencia": null}),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.text());

    // ARCA's CAEA one can; a sync keeps the flag.
    let caea = point_id(&app, &key, CAEA_POINT).await;
    let path = format!("/v1/points-of-sale/{caea}");
    let marked = app.patch_json(&path, &key, &json!({"contingencia": true})).await.json();
    assert_eq!(
        (
            marked["contingencia"].clone(),
            marked["contingencia_verificada"].clone()
        ),
        (json!(true), json!(true))
    );
    assert_eq!(
        app.post_json("/v1/points-of-sale/sync", &key, &json!({})).await.status,
        200
    );
    assert_eq!(app.get(&path, &key).await.json()["contingencia"], true);

    // A manual point may be marked: the account vouches, the view says ARCA did not.
    let manual = app
        .post_json(
            "/v1/points-of-sale",
            &key,
            &json!({"numero": 20, "tipo_emision": "CAE", "contingencia": true}),
        )
        .await;
    assert_eq!(manual.status, 201, "{}", manual.text());
    assert_eq!(manual.json()["contingencia"], true);
    assert_eq!(manual.json()["contingencia_verificada"], false);
    let plain = app
        .post_json("/v1/points-of-sale", &key, &json!({"numero": 21}))
        .await
        .json();
    assert_eq!(plain["contingencia"], false);
    let list = app.get("/v1/points-of-sale", &key).await.json();
    let marked: Vec<i64> = list["data"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|point| point["contingencia"] == true)
        .map(|point| point["numero"].as_i64().expect("a number"))
        .collect();
    assert_eq!(marked, [20, CAEA_POINT]);
}

#[tokio::test]
async fn priming_takes_arcas_last_numbers_and_never_lowers_them() {
    let target = ahead();
    let clock = Arc::new(ManualClock::new(noon(target.first_day())));
    let app = start(&clock).await;
    let (_, key) = opted_in(&app, "Almacén", CUIT_A).await;
    let profile = json!({
        "razon_social": "Almacén Demo S.A.",
        "domicilio_comercial": "Av. Rivadavia 1000, CABA",
        "condicion_iva": "responsable_inscripto",
        "ingresos_brutos": "exento",
        "inicio_actividades": "2019-04-01"
    });
    assert_eq!(
        app.put_json("/v1/account/issuer-profile", &key, &profile).await.status,
        200
    );
    let seed =
        json!({"cuit": CUIT_A.parse::<i64>().expect("digits"), "pto_vta": CAEA_POINT, "cbte_tipo": 6, "last": 41});
    let url = format!("{}/_sim/series", app.simulator.base_url());
    assert_eq!(app.post_json_to(&url, &seed).await.0, 204);
    // Another account (another CUIT) that opted in too: never shown to the first.
    let (_, key_b) = opted_in(&app, "Otro", CUIT_B).await;

    at(&app, &clock, noon(target.first_day())).await;
    let report = pass(&app, &clock).await;
    assert_eq!(report.granted.len(), 2, "{report:?}");
    // A Responsable Inscripto's A and B invoices and notes on point 5 (B has no profile: A, B and C).
    assert_eq!(report.primed, 6 + 9);
    let series = storage::contingency::series_of(&app.storage, CUIT_A)
        .await
        .expect("read");
    let numbers: Vec<(i32, i64)> = series.iter().map(|row| (row.cbte_tipo, row.last_number)).collect();
    assert_eq!(numbers, [(1, 0), (2, 0), (3, 0), (6, 41), (7, 0), (8, 0)]);
    assert!(series.iter().all(|row| row.punto_venta == 5));

    // Primed series are not asked for again within the fortnight.
    let asked = app.simulator.calls("FECompUltimoAutorizado");
    at(&app, &clock, noon(target.first_day() + Duration::days(1))).await;
    assert_eq!(pass(&app, &clock).await.primed, 0);
    assert_eq!(app.simulator.calls("FECompUltimoAutorizado"), asked);

    // Numbers issued under the CAEA meanwhile stay: the next fortnight primes again, never lower.
    storage::contingency::prime_series(&app.storage, CUIT_A, 5, 6, 45, clock_now(&clock))
        .await
        .expect("write");
    at(&app, &clock, noon(target.next().first_day())).await;
    let report = pass(&app, &clock).await;
    assert_eq!(report.primed, 6 + 9);
    let series = storage::contingency::series_of(&app.storage, CUIT_A)
        .await
        .expect("read");
    let six = series.iter().find(|row| row.cbte_tipo == 6).expect("type 6");
    assert_eq!(six.last_number, 45);
    assert_eq!(six.primed_at, clock_now(&clock));

    // GET /v1/contingency: the caller's series only.
    let view = app.get("/v1/contingency", &key).await.json();
    assert_eq!(view["series"].as_array().map(Vec::len), Some(6), "{view}");
    assert_eq!(view["series"][3]["punto_venta"], 5);
    assert_eq!(view["series"][3]["tipo_comprobante"], 6);
    assert_eq!(view["series"][3]["ultimo_numero"], 45);
    let other = app.get("/v1/contingency", &key_b).await.json();
    assert_eq!(other["series"].as_array().map(Vec::len), Some(9), "{other}");
    assert_ne!(other["caea_actual"]["caea"], view["caea_actual"]["caea"]);
}

fn clock_now(clock: &ManualClock) -> DateTime<Utc> {
    use arca_protocol::clock::Clock;
    clock.now()
}

/// A subscription of `account_id` to every event, written straight to the table.
async fn subscribe(app: &TestApp, account_id: &str) {
    let now = Utc::now();
    let row = SubscriptionRow {
        id: storage::new_id("wh"),
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
    storage::webhooks::insert_subscription_row(&app.storage, &row)
        .await
        .expect("insert a subscription");
}

/// The bodies of the `contingency.caea_missing` events in the outbox.
async fn missing_events(storage: &Storage) -> Vec<Value> {
    const SQL: &str = "SELECT payload FROM outbox_messages WHERE kind = 'webhook' ORDER BY created_at, id";
    let rows: Vec<String> = match storage {
        Storage::Postgres(pool) => sqlx::query_scalar(SQL).fetch_all(pool).await.expect("read"),
        Storage::Sqlite(pool) => sqlx::query_scalar(SQL).fetch_all(pool).await.expect("read"),
    };
    let mut found = Vec::new();
    for payload in rows {
        let payload: Value = serde_json::from_str(&payload).expect("json");
        if payload["type"] != "contingency.caea_missing" {
            continue;
        }
        let event_id = payload["event_id"].as_str().expect("an event id");
        let body = storage::webhooks::event_body(storage, event_id)
            .await
            .expect("read")
            .expect("stored");
        found.push(serde_json::from_str(&body).expect("json"));
    }
    found
}

#[tokio::test]
async fn a_missing_caea_alerts_once_with_arcas_codes() {
    // The app's clock is in a fortnight that has begun; the simulator's is still today, so
    // ARCA refuses the request (15006: outside its window) and the fortnight has no CAEA.
    let target = ahead();
    let clock = Arc::new(ManualClock::new(noon(target.first_day() + Duration::days(1))));
    let app = start(&clock).await;
    let (account, key) = opted_in(&app, "Almacén", CUIT_A).await;
    subscribe(&app, &account).await;

    let report = pass(&app, &clock).await;
    assert_eq!(report.refused, only(&account, &[target]));
    assert_eq!(report.alerts, 1);
    let events = missing_events(&app.storage).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let data = &events[0]["data"];
    assert_eq!(data["periodo"], target.periodo());
    assert_eq!(data["orden"], target.orden());
    assert_eq!(data["fecha_inicio"], target.first_day().to_string());
    assert_eq!(data["errores"][0]["code"], 15006, "{data}");

    // Again: refused again, but the alert fired already.
    let report = pass(&app, &clock).await;
    assert_eq!(report.alerts, 0);
    assert_eq!(missing_events(&app.storage).await.len(), 1);

    let view = app.get("/v1/contingency", &key).await.json();
    assert_eq!(view["caea_actual"], Value::Null);
    assert_eq!(view["ultimo_error"]["periodo"], target.periodo());
    assert_eq!(view["ultimo_error"]["errores"][0]["code"], 15006);
    let metrics = app.get("/metrics", "").await.text();
    assert!(metrics.contains("arca_caea_missing_total "), "{metrics}");
}
