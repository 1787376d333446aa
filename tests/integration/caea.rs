//! The simulator's CAEA side end to end (docs/arca.md §G): the protocol's WSFEv1 client over
//! real SOAP against the in-process simulator, whose clock is set through `/_sim/clock` to
//! fixed dates around the first fortnight of January 2027. Points of sale are registered
//! through `/_sim/points-of-sale`, the outage switch through `/_sim/outage`, and what the
//! simulator recorded is read back from `GET /_sim/caea`.

use arca_protocol::Error;
use arca_protocol::voucher::Voucher;
use arca_protocol::wsfe::{
    Auth, FECAEADetRequest, FECAEARegInformativo, FECAEARequest, FECAEDetRequest, FECAERequest, FECabRequest,
    Resultado, WsfeClient, request_envelope,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Value, json};

use super::support::{TestEnv, post_raw, transport};
use arca_test_support::samples::factura_b_of;

/// The CAE point of sale (the main modality) and the CAEA (contingency) ones.
const CAE_POINT: u32 = 1;
const CAEA_POINT: u32 = 5;
const UNUSED_CAEA_POINT: u32 = 6;
const BLOCKED_CAEA_POINT: u32 = 7;

/// `hour`:00 in Argentina (UTC−3) on `date`, as UTC.
fn argentina(date: &str, hour: u32) -> DateTime<Utc> {
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    (day.and_hms_opt(hour, 0, 0).unwrap() + Duration::hours(3)).and_utc()
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A simulator whose clock reads noon of 2026-12-26 in Argentina (one day before the request
/// window of 202701/1 opens), without WSAA's preventive window (every clock move logs in again).
async fn start() -> TestEnv {
    TestEnv::start_at(Some(argentina("2026-12-26", 12)), |s| {
        s.preventive_window(Duration::zero())
    })
    .await
}

/// A control-API call with any method: raw HTTP/1.1.
async fn control(env: &TestEnv, method: &str, path: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(env.simulator.addr()).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

async fn control_json(env: &TestEnv, method: &str, path: &str, body: &Value) -> Value {
    let (status, text) = control(env, method, path, &body.to_string()).await;
    assert!((200..300).contains(&status), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Registers `points` as the CUIT's points of sale.
async fn register(env: &TestEnv, points: Value) {
    let (status, body) = control(env, "PUT", "/_sim/points-of-sale", &points.to_string()).await;
    assert_eq!(status, 204, "{body}");
}

/// The usual registry: CAE point 1, CAEA points 5 and 6, and CAEA point 7 blocked.
async fn register_usual(env: &TestEnv) {
    register(
        env,
        json!([
            {"nro": CAE_POINT, "emision_tipo": "CAE - Ri Iva"},
            {"nro": CAEA_POINT, "emision_tipo": "CAEA - Ri Iva - Contingencias"},
            {"nro": UNUSED_CAEA_POINT, "emision_tipo": "CAEA - Ri Iva - Contingencias"},
            {"nro": BLOCKED_CAEA_POINT, "emision_tipo": "CAEA - Ri Iva - Contingencias", "bloqueado": true},
        ]),
    )
    .await;
}

/// Sets the simulator's clock to `when` and logs in then: a client and its auth.
async fn at(env: &TestEnv, when: DateTime<Utc>) -> (WsfeClient, Auth) {
    let offset = (when - Utc::now()).num_seconds();
    control_json(env, "POST", "/_sim/clock", &json!({"offset_seconds": offset})).await;
    let wsaa = arca_protocol::wsaa::WsaaClient::new(env.simulator.wsaa_url(), transport());
    let ticket = wsaa.login(&env.credentials, "wsfe", when).await.expect("ticket");
    let auth = Auth::from_ticket(&ticket, env.credentials.cuit());
    (WsfeClient::new(env.simulator.wsfe_url(), transport()), auth)
}

fn codes(error: &Error) -> Vec<i32> {
    error.arca_errors().iter().map(|e| e.code).collect()
}

/// A Factura B numbered `number` on `punto_venta`, dated `cbte_fch`.
fn voucher(punto_venta: u32, number: u64, cbte_fch: NaiveDate) -> Voucher {
    Voucher {
        cbte_fch: Some(cbte_fch),
        ..factura_b_of(punto_venta, number, "1000.00", "210.00")
    }
}

/// A one-voucher `FECAEARegInformativo` request (the vouchers here are all Facturas B).
fn report(caea: &str, voucher: &Voucher, generated: Option<NaiveDateTime>) -> FECAEARequest {
    FECAEARequest {
        fe_cab_req: FECabRequest {
            cant_reg: 1,
            pto_vta: i32::try_from(voucher.punto_venta).unwrap(),
            cbte_tipo: 6,
        },
        fe_det_req: vec![FECAEADetRequest {
            detail: FECAEDetRequest::try_from(voucher).unwrap(),
            caea: caea.to_string(),
            cbte_fch_hs_gen: generated,
        }],
    }
}

fn generated(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
}

/// The verdict of a one-voucher report: (Resultado, error codes, observation codes).
fn verdict(response: &arca_protocol::wsfe::FECAEAResponse) -> (Resultado, Vec<i32>, Vec<i32>) {
    let detail = &response.fe_det_resp[0].detail;
    (
        detail.resultado,
        response.errors.iter().map(|e| e.code).collect(),
        detail.observaciones.iter().map(|o| o.code).collect(),
    )
}

#[tokio::test]
async fn the_request_window_opens_five_days_before_the_fortnight_and_closes_on_its_last_day() {
    let env = start().await;
    register_usual(&env).await;

    // 202701/1 is January 1–15: the window opens on 2026-12-27 (Argentina's day).
    let (client, auth) = at(&env, argentina("2026-12-26", 12)).await;
    let early = client.fe_caea_solicitar(&auth, 202_701, 1).await.unwrap_err();
    assert_eq!(codes(&early), [15006]);
    assert!(
        early.arca_errors()[0].msg.contains("Del 12/27/2026 hasta 1/15/2027"),
        "{early}"
    );
    // 23:30 in Argentina is already the 27th in UTC: still too early.
    let (client, auth) = at(&env, argentina("2026-12-26", 23) + Duration::minutes(30)).await;
    let late_evening = client.fe_caea_solicitar(&auth, 202_701, 1).await.unwrap_err();
    assert_eq!(codes(&late_evening), [15006]);

    // The first allowed day: granted, the fortnight's bounds, FchTopeInf 8 days after its end,
    // and the reminder to inform the generation time.
    let (client, auth) = at(&env, argentina("2026-12-27", 0) + Duration::minutes(5)).await;
    let granted = client.fe_caea_solicitar(&auth, 202_701, 1).await.expect("a CAEA");
    let caea = granted.caea.clone().expect("a CAEA code");
    assert_eq!(caea.len(), 14);
    assert_eq!(granted.fch_vig_desde, Some(date("2027-01-01")));
    assert_eq!(granted.fch_vig_hasta, Some(date("2027-01-15")));
    assert_eq!(granted.fch_tope_inf, Some(date("2027-01-23")));
    let observed: Vec<i32> = granted.observaciones.iter().map(|o| o.code).collect();
    assert_eq!(observed, [15018]);

    // A second request: 15008, and FECAEAConsultar answers the same CAEA.
    let again = client.fe_caea_solicitar(&auth, 202_701, 1).await.unwrap_err();
    assert_eq!(codes(&again), [15008]);
    let consulted = client
        .fe_caea_consultar(&auth, 202_701, 1)
        .await
        .unwrap()
        .expect("granted");
    assert_eq!(consulted.caea.as_deref(), Some(caea.as_str()));
    assert_eq!(consulted.fch_tope_inf, Some(date("2027-01-23")));

    // The reporting deadline follows the configured days for grants made from then on.
    let settings = control_json(&env, "POST", "/_sim/wsfe", &json!({"caea_report_days": 10})).await;
    assert_eq!(settings["caea_report_days"], 10);
    // 202701/2 (January 16–31) on its last day: granted, FchTopeInf = 31 + 10 days.
    let (client, auth) = at(&env, argentina("2027-01-31", 23)).await;
    let last_day = client.fe_caea_solicitar(&auth, 202_701, 2).await.expect("last day");
    assert_eq!(last_day.fch_vig_desde, Some(date("2027-01-16")));
    assert_eq!(last_day.fch_vig_hasta, Some(date("2027-01-31")));
    assert_eq!(last_day.fch_tope_inf, Some(date("2027-02-10")));
    // The day after the fortnight: too late (202702/1 is then open).
    let (client, auth) = at(&env, argentina("2027-02-01", 1)).await;
    let late = client.fe_caea_solicitar(&auth, 202_701, 2).await.unwrap_err();
    assert_eq!(codes(&late), [15006]);
    client
        .fe_caea_solicitar(&auth, 202_702, 1)
        .await
        .expect("current fortnight");

    let listed = control_json(&env, "GET", "/_sim/caea", &Value::Null).await;
    let grants = listed["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 3, "{listed}");
    assert_eq!(grants[0]["caea"], caea.as_str());
    assert_eq!(grants[0]["periodo"], 202_701);
    assert_eq!(grants[0]["orden"], 1);
    assert_eq!(grants[0]["fch_vig_desde"], "20270101");
    assert_eq!(grants[0]["fch_vig_hasta"], "20270115");
    assert_eq!(grants[0]["fch_tope_inf"], "20270123");
    assert_eq!(grants[0]["fch_proceso"], "20261227");
    assert_eq!(grants[0]["cuit"], env.credentials.cuit().as_u64());
    let cuit = env.credentials.cuit().as_u64();
    let own = control_json(&env, "GET", &format!("/_sim/caea?cuit={cuit}"), &Value::Null).await;
    assert_eq!(own["grants"].as_array().unwrap().len(), 3);
    let other = control_json(&env, "GET", "/_sim/caea?cuit=30000000007", &Value::Null).await;
    assert_eq!(other, json!({"grants": [], "no_movement": [], "vouchers": []}));
}

#[tokio::test]
async fn a_caea_needs_an_active_caea_point_of_sale_and_a_main_cae_one() {
    let env = start().await;
    let (client, auth) = at(&env, argentina("2026-12-28", 10)).await;

    // The default registry has only CAE points of sale: 15003.
    let none = client.fe_caea_solicitar(&auth, 202_701, 1).await.unwrap_err();
    assert_eq!(codes(&none), [15003]);
    // A blocked CAEA point and one given a FchBaja do not count; nor one of another CUIT.
    register(
        &env,
        json!([
            {"nro": 1},
            {"nro": 5, "emision_tipo": "CAEA - Ri Iva - Contingencias", "bloqueado": true},
            {"nro": 6, "emision_tipo": "CAEA - Ri Iva - Contingencias", "fch_baja": "20261201"},
            {"nro": 8, "emision_tipo": "CAEA - Ri Iva - Contingencias", "cuit": 30_000_000_007_i64},
        ]),
    )
    .await;
    let inactive = client.fe_caea_solicitar(&auth, 202_701, 1).await.unwrap_err();
    assert_eq!(codes(&inactive), [15003]);
    // Only CAEA points of sale: no main modality (RG 5782/2025), 15016.
    register(
        &env,
        json!([{"nro": 5, "emision_tipo": "CAEA - Ri Iva - Contingencias"}]),
    )
    .await;
    let no_main = client.fe_caea_solicitar(&auth, 202_701, 1).await.unwrap_err();
    assert_eq!(codes(&no_main), [15016]);
    // Neither: both.
    register(
        &env,
        json!([{"nro": 5, "emision_tipo": "CAEA - Ri Iva - Contingencias", "bloqueado": true}]),
    )
    .await;
    let neither = client.fe_caea_solicitar(&auth, 202_701, 1).await.unwrap_err();
    assert_eq!(codes(&neither), [15003, 15016]);
    assert!(
        client.fe_caea_consultar(&auth, 202_701, 1).await.unwrap().is_none(),
        "nothing granted"
    );

    // A CAEA point without a linked domicile: granted with Obs 15017 naming it, then 15018.
    register(
        &env,
        json!([
            {"nro": 1},
            {"nro": 5, "emision_tipo": "CAEA - Ri Iva - Contingencias", "domicilio": false},
            {"nro": 6, "emision_tipo": "CAEA - Ri Iva - Contingencias"},
        ]),
    )
    .await;
    let granted = client.fe_caea_solicitar(&auth, 202_701, 1).await.expect("granted");
    let observed: Vec<(i32, bool)> = granted
        .observaciones
        .iter()
        .map(|o| (o.code, o.msg.contains(" 5 ")))
        .collect();
    assert_eq!(observed, [(15017, true), (15018, false)]);

    // FEParamGetPtosVenta lists the CAEA points of sale of this CUIT only.
    let listed = client.fe_param_get_ptos_venta(&auth).await.unwrap();
    let kinds: Vec<(i32, String)> = listed
        .iter()
        .map(|p| (p.nro, p.emision_tipo.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        kinds,
        [
            (1, "CAE - Ri Iva".to_string()),
            (5, "CAEA - Ri Iva - Contingencias".to_string()),
            (6, "CAEA - Ri Iva - Contingencias".to_string()),
        ]
    );
}

#[tokio::test]
async fn reports_need_a_caea_point_of_sale_the_generation_time_and_the_next_number() {
    let env = start().await;
    register_usual(&env).await;
    let (client, auth) = at(&env, argentina("2026-12-30", 10)).await;
    let caea = client.fe_caea_solicitar(&auth, 202_701, 1).await.unwrap().caea.unwrap();
    let (client, auth) = at(&env, argentina("2027-01-05", 15)).await;
    let day = date("2027-01-05");
    let made = Some(generated("2027-01-05 11:20:00"));

    // CAE is refused on a CAEA point of sale (10005) but reporting on one works.
    let cae = client
        .fe_cae_solicitar(
            &auth,
            FECAERequest {
                fe_cab_req: FECabRequest {
                    cant_reg: 1,
                    pto_vta: 5,
                    cbte_tipo: 6,
                },
                fe_det_req: vec![FECAEDetRequest::try_from(&voucher(CAEA_POINT, 1, day)).unwrap()],
            },
        )
        .await
        .unwrap();
    assert_eq!(cae.errors.iter().map(|e| e.code).collect::<Vec<_>>(), [10005]);
    assert_eq!(cae.fe_det_resp[0].detail.resultado, Resultado::R);

    // A CAE point of sale, or one not registered: 701.
    for pto_vta in [CAE_POINT, 9] {
        let refused = client
            .fe_caea_reg_informativo(&auth, report(&caea, &voucher(pto_vta, 1, day), made))
            .await
            .unwrap();
        assert_eq!(verdict(&refused), (Resultado::R, vec![701], vec![]), "point {pto_vta}");
    }
    // No CbteFchHsGen: 1440; one after the report's processing time: 1441; one outside the
    // CAEA's validity: 702.
    let missing = client
        .fe_caea_reg_informativo(&auth, report(&caea, &voucher(CAEA_POINT, 1, day), None))
        .await
        .unwrap();
    assert_eq!(verdict(&missing), (Resultado::R, vec![], vec![1440]));
    let future = Some(generated("2027-01-05 15:30:00"));
    let ahead = client
        .fe_caea_reg_informativo(&auth, report(&caea, &voucher(CAEA_POINT, 1, day), future))
        .await
        .unwrap();
    assert_eq!(verdict(&ahead), (Resultado::R, vec![], vec![1441]));
    let before = Some(generated("2026-12-31 23:59:59"));
    let outside = client
        .fe_caea_reg_informativo(&auth, report(&caea, &voucher(CAEA_POINT, 1, day), before))
        .await
        .unwrap();
    assert_eq!(verdict(&outside), (Resultado::R, vec![], vec![702]));
    // A CbteFchHsGen that is not yyyymmddhhmiss (sent raw: the client cannot write one): 1441.
    let request = FECAEARegInformativo {
        fe_caea_reg_inf_req: report(&caea, &voucher(CAEA_POINT, 1, day), made),
    };
    let envelope = request_envelope(&request, Some(&auth)).replace("20270105112000", "202701051120");
    let headers = [
        ("Content-Type", "text/xml; charset=utf-8"),
        ("SOAPAction", "\"http://ar.gov.afip.dif.FEV1/FECAEARegInformativo\""),
    ];
    let (status, body) = post_raw(&env.simulator.wsfe_url(), &headers, envelope).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<Code>1441</Code>") && body.contains("<Resultado>R</Resultado>"),
        "{body}"
    );

    // Numbering: 1 is accepted, 3 is not the next (703), 2 is; then 3 dated before 2 is 704.
    let first = client
        .fe_caea_reg_informativo(&auth, report(&caea, &voucher(CAEA_POINT, 1, day), made))
        .await
        .unwrap();
    assert_eq!(verdict(&first), (Resultado::A, vec![], vec![]));
    assert_eq!(first.fe_det_resp[0].caea.as_deref(), Some(caea.as_str()));
    let skipped = client
        .fe_caea_reg_informativo(&auth, report(&caea, &voucher(CAEA_POINT, 3, day), made))
        .await
        .unwrap();
    assert_eq!(verdict(&skipped), (Resultado::R, vec![703], vec![]));
    let (client, auth) = at(&env, argentina("2027-01-06", 9)).await;
    let second = client
        .fe_caea_reg_informativo(&auth, report(&caea, &voucher(CAEA_POINT, 2, day), made))
        .await
        .unwrap();
    assert_eq!(verdict(&second), (Resultado::A, vec![], vec![]));
    // The next number dated before the last reported voucher: 704.
    let earlier = client
        .fe_caea_reg_informativo(&auth, report(&caea, &voucher(CAEA_POINT, 3, date("2027-01-04")), made))
        .await
        .unwrap();
    assert_eq!(verdict(&earlier), (Resultado::R, vec![704], vec![]));
    let last = client.fe_comp_ultimo_autorizado(&auth, 5, 6).await.unwrap();
    assert_eq!(last.cbte_nro, 2);

    // The simulator's records: each voucher with its generation time and when it was informed.
    let listed = control_json(&env, "GET", "/_sim/caea", &Value::Null).await;
    let vouchers = listed["vouchers"].as_array().unwrap();
    assert_eq!(vouchers.len(), 2, "{listed}");
    assert_eq!(vouchers[0]["pto_vta"], 5);
    assert_eq!(vouchers[0]["cbte_tipo"], 6);
    assert_eq!(vouchers[0]["numero"], 1);
    assert_eq!(vouchers[0]["caea"], caea.as_str());
    assert_eq!(vouchers[0]["cbte_fch"], "20270105");
    assert_eq!(vouchers[0]["cbte_fch_hs_gen"], "20270105112000");
    // As it came on the wire (a double: 1210).
    assert_eq!(vouchers[0]["imp_total"], "1210");
    let informed = |v: &Value| DateTime::parse_from_rfc3339(v["informed_at"].as_str().unwrap()).unwrap();
    let first_informed = informed(&vouchers[0]).with_timezone(&Utc);
    assert!(
        (first_informed - argentina("2027-01-05", 15)).num_seconds().abs() < 60,
        "{first_informed}"
    );
    let second_informed = informed(&vouchers[1]).with_timezone(&Utc);
    assert!(
        (second_informed - argentina("2027-01-06", 9)).num_seconds().abs() < 60,
        "{second_informed}"
    );
    // /_sim/vouchers still lists them, with the kind of authorisation.
    let series = control_json(&env, "GET", "/_sim/vouchers?pto_vta=5&cbte_tipo=6", &Value::Null).await;
    assert_eq!(series["series"][0]["vouchers"][1]["emision_tipo"], "CAEA", "{series}");
    assert_eq!(series["series"][0]["vouchers"][1]["cod_autorizacion"], caea.as_str());
}

#[tokio::test]
async fn the_cae_front_and_the_caea_operations_go_down_independently() {
    let env = start().await;
    register_usual(&env).await;
    let (client, auth) = at(&env, argentina("2026-12-30", 10)).await;
    let caea = client.fe_caea_solicitar(&auth, 202_701, 1).await.unwrap().caea.unwrap();
    let (client, auth) = at(&env, argentina("2027-01-05", 15)).await;
    let day = date("2027-01-05");
    let made = Some(generated("2027-01-05 11:20:00"));
    let cae_request = |number| FECAERequest {
        fe_cab_req: FECabRequest {
            cant_reg: 1,
            pto_vta: 1,
            cbte_tipo: 6,
        },
        fe_det_req: vec![FECAEDetRequest::try_from(&voucher(CAE_POINT, number, day)).unwrap()],
    };

    // CAE down: FECAESolicitar answers 503 and stores nothing; FEDummy says the application
    // server is not OK; numbering queries, parameters and the CAEA operations work.
    let state = control_json(&env, "POST", "/_sim/outage", &json!({"cae": true})).await;
    assert_eq!(state, json!({"cae": true, "caea": false}));
    let down = client.fe_cae_solicitar(&auth, cae_request(1)).await.unwrap_err();
    assert!(matches!(down, Error::Http { status: 503, .. }), "{down:?}");
    let dummy = client.fe_dummy().await.unwrap();
    assert_ne!(dummy.app_server.as_deref(), Some("OK"));
    assert_eq!(dummy.db_server.as_deref(), Some("OK"));
    assert_eq!(dummy.auth_server.as_deref(), Some("OK"));
    assert_eq!(client.fe_comp_ultimo_autorizado(&auth, 1, 6).await.unwrap().cbte_nro, 0);
    assert!(client.fe_comp_consultar(&auth, 6, 1, 1).await.unwrap().is_none());
    assert!(!client.fe_param_get_ptos_venta(&auth).await.unwrap().is_empty());
    let reported = client
        .fe_caea_reg_informativo(&auth, report(&caea, &voucher(CAEA_POINT, 1, day), made))
        .await
        .unwrap();
    assert_eq!(verdict(&reported), (Resultado::A, vec![], vec![]));
    assert!(client.fe_caea_consultar(&auth, 202_701, 1).await.unwrap().is_some());

    // The reverse: CAEA down, CAE up.
    let state = control_json(&env, "POST", "/_sim/outage", &json!({"cae": false, "caea": true})).await;
    assert_eq!(state, json!({"cae": false, "caea": true}));
    let approved = client.fe_cae_solicitar(&auth, cae_request(1)).await.unwrap();
    assert_eq!(approved.fe_det_resp[0].detail.resultado, Resultado::A);
    assert_eq!(client.fe_dummy().await.unwrap().app_server.as_deref(), Some("OK"));
    let caea_down = [
        client
            .fe_caea_reg_informativo(&auth, report(&caea, &voucher(CAEA_POINT, 2, day), made))
            .await
            .map(|_| ()),
        client.fe_caea_solicitar(&auth, 202_701, 2).await.map(|_| ()),
        client.fe_caea_consultar(&auth, 202_701, 1).await.map(|_| ()),
        client
            .fe_caea_sin_movimiento_informar(&auth, 6, &caea)
            .await
            .map(|_| ()),
        client
            .fe_caea_sin_movimiento_consultar(&auth, Some(&caea), 6)
            .await
            .map(|_| ()),
    ];
    for outcome in caea_down {
        assert!(matches!(outcome, Err(Error::Http { status: 503, .. })), "{outcome:?}");
    }
    assert_eq!(client.fe_comp_ultimo_autorizado(&auth, 5, 6).await.unwrap().cbte_nro, 1);
    let (_, body) = control(&env, "GET", "/_sim/outage", "").await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"cae": false, "caea": true})
    );

    // Both up again: nothing was processed while down.
    control_json(&env, "POST", "/_sim/outage", &json!({"caea": false})).await;
    let listed = control_json(&env, "GET", "/_sim/caea", &Value::Null).await;
    assert_eq!(listed["vouchers"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["grants"].as_array().unwrap().len(), 1);
    assert!(listed["no_movement"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn points_of_sale_without_movement_are_informed_once_after_the_caea_starts() {
    let env = start().await;
    register_usual(&env).await;
    let (client, auth) = at(&env, argentina("2026-12-28", 10)).await;
    let caea = client.fe_caea_solicitar(&auth, 202_701, 1).await.unwrap().caea.unwrap();

    // Before the CAEA's validity starts: 1203.
    let early = client
        .fe_caea_sin_movimiento_informar(&auth, 6, &caea)
        .await
        .unwrap_err();
    assert_eq!(codes(&early), [1203]);

    let (client, auth) = at(&env, argentina("2027-01-16", 10)).await;
    let made = Some(generated("2027-01-10 08:00:00"));
    let reported = client
        .fe_caea_reg_informativo(&auth, report(&caea, &voucher(CAEA_POINT, 1, date("2027-01-10")), made))
        .await
        .unwrap();
    assert_eq!(verdict(&reported), (Resultado::A, vec![], vec![]));

    // Not a CAEA (1200); a CAE point (1204); one not registered (1204); a blocked one (1205);
    // out of range (1206); one that reported vouchers (1202).
    let refused = [
        (
            client.fe_caea_sin_movimiento_informar(&auth, 6, "71234567890123").await,
            1200,
        ),
        (client.fe_caea_sin_movimiento_informar(&auth, 1, &caea).await, 1204),
        (client.fe_caea_sin_movimiento_informar(&auth, 9, &caea).await, 1204),
        (client.fe_caea_sin_movimiento_informar(&auth, 7, &caea).await, 1205),
        (client.fe_caea_sin_movimiento_informar(&auth, 99_999, &caea).await, 1206),
        (client.fe_caea_sin_movimiento_informar(&auth, 5, &caea).await, 1202),
    ];
    for (outcome, code) in refused {
        let error = outcome.unwrap_err();
        assert_eq!(codes(&error), [code], "{error}");
    }
    // The unused point: informed once (1209 the second time), then consulted.
    let informed = client.fe_caea_sin_movimiento_informar(&auth, 6, &caea).await.unwrap();
    assert_eq!(informed.resultado, Some(Resultado::A));
    let twice = client
        .fe_caea_sin_movimiento_informar(&auth, 6, &caea)
        .await
        .unwrap_err();
    assert_eq!(codes(&twice), [1209]);
    let consulted = client
        .fe_caea_sin_movimiento_consultar(&auth, Some(&caea), 6)
        .await
        .unwrap();
    assert_eq!(consulted.len(), 1);

    let listed = control_json(&env, "GET", "/_sim/caea", &Value::Null).await;
    let notices = listed["no_movement"].as_array().unwrap();
    assert_eq!(notices.len(), 1, "{listed}");
    assert_eq!(notices[0]["caea"], caea.as_str());
    assert_eq!(notices[0]["pto_vta"], 6);
    assert_eq!(notices[0]["fch_proceso"], "20270116");
}
