use arca_protocol::Error;
use arca_protocol::voucher::{CaeRequest, Voucher};
use arca_protocol::wsfe::{FECAERequest, Resultado};
use arca_simulator::{FaultAction, FaultRule};

use super::support::{TestEnv, factura_b, money, today, transport, wsfe_client};

fn request(vouchers: Vec<Voucher>) -> FECAERequest {
    FECAERequest::try_from(&CaeRequest::new(vouchers).unwrap()).unwrap()
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

#[tokio::test]
async fn a_batch_of_250_is_approved_and_a_resent_voucher_gets_10016() {
    let env = TestEnv::start().await;
    let (client, auth) = wsfe_client(&env).await;
    assert_eq!(client.fe_dummy().await.unwrap().app_server.as_deref(), Some("OK"));
    assert_eq!(client.fe_comp_tot_x_request(&auth).await.unwrap().reg_x_req, 250);
    assert_eq!(client.fe_comp_ultimo_autorizado(&auth, 1, 6).await.unwrap().cbte_nro, 0);

    let response = client
        .fe_cae_solicitar(&auth, request((1..=250).map(factura_b).collect()))
        .await
        .unwrap();
    assert_eq!(response.fe_cab_resp.as_ref().unwrap().resultado, Resultado::A);
    let caes: std::collections::HashSet<_> = response
        .fe_det_resp
        .iter()
        .map(|d| d.cae.clone().expect("CAE"))
        .collect();
    assert_eq!(caes.len(), 250, "250 distinct CAEs");
    assert!(
        caes.iter()
            .all(|cae| cae.len() == 14 && cae.bytes().all(|b| b.is_ascii_digit()))
    );
    let first = &response.fe_det_resp[0];
    assert_eq!(first.cae_fch_vto, Some(today() + chrono::Duration::days(10)));
    assert_eq!(
        client.fe_comp_ultimo_autorizado(&auth, 1, 6).await.unwrap().cbte_nro,
        250
    );

    // Re-sending an approved voucher: rejected with 10016 in Errors; ARCA still has it.
    let again = client
        .fe_cae_solicitar(&auth, request(vec![factura_b(250)]))
        .await
        .unwrap();
    assert_eq!(again.fe_cab_resp.as_ref().unwrap().resultado, Resultado::R);
    assert_eq!(again.errors.iter().map(|e| e.code).collect::<Vec<_>>(), [10016]);
    assert!(again.fe_det_resp[0].cae.is_none());
    let stored = client
        .fe_comp_consultar(&auth, 6, 1, 250)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(
        stored.cod_autorizacion.as_deref(),
        response.fe_det_resp[249].cae.as_deref()
    );
    assert_eq!(stored.detail.imp_total, money("1210").amount());
    assert!(
        client.fe_comp_consultar(&auth, 6, 1, 251).await.unwrap().is_none(),
        "602 reads as not found"
    );
}

#[tokio::test]
async fn a_batch_stops_at_its_first_invalid_voucher_and_answers_partial() {
    let env = TestEnv::start().await;
    let (client, auth) = wsfe_client(&env).await;
    let mut vouchers: Vec<Voucher> = (1..=150).map(factura_b).collect();
    // The 101st does not add up (10048): rejected, and everything after it is not processed.
    vouchers[100].imp_total = money("1300.00");
    let response = client.fe_cae_solicitar(&auth, request(vouchers)).await.unwrap();
    assert_eq!(response.fe_cab_resp.as_ref().unwrap().resultado, Resultado::P);
    let approved = response
        .fe_det_resp
        .iter()
        .filter(|d| d.detail.resultado == Resultado::A)
        .count();
    assert_eq!(approved, 100);
    assert!(
        response.fe_det_resp[100]
            .detail
            .observaciones
            .iter()
            .any(|o| o.code == 10048)
    );
    assert!(
        response.fe_det_resp[101..]
            .iter()
            .all(|d| d.detail.resultado == Resultado::R && d.cae.is_none())
    );
    assert_eq!(
        client.fe_comp_ultimo_autorizado(&auth, 1, 6).await.unwrap().cbte_nro,
        100
    );
}

#[tokio::test]
async fn commit_then_drop_loses_the_answer_but_arca_has_the_voucher() {
    let env = TestEnv::start().await;
    let (client, auth) = wsfe_client(&env).await;
    env.simulator
        .add_fault(fault("FECAESolicitar", FaultAction::CommitThenDrop));
    let error = client
        .fe_cae_solicitar(&auth, request(vec![factura_b(1)]))
        .await
        .unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");
    let stored = client
        .fe_comp_consultar(&auth, 6, 1, 1)
        .await
        .unwrap()
        .expect("authorised despite the lost answer");
    assert_eq!(stored.resultado, Some(Resultado::A));
    assert_eq!(stored.cod_autorizacion.as_ref().map(String::len), Some(14));
    assert_eq!(client.fe_comp_ultimo_autorizado(&auth, 1, 6).await.unwrap().cbte_nro, 1);
}

#[tokio::test]
async fn infrastructure_faults_are_classified() {
    let env = TestEnv::start().await;
    let (client, auth) = wsfe_client(&env).await;

    env.simulator
        .add_fault(fault("FECAESolicitar", FaultAction::ArcaError { code: 501 }));
    let error = client
        .fe_cae_solicitar(&auth, request(vec![factura_b(1)]))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::ArcaInternal { .. }) && error.retryable(),
        "{error:?}"
    );

    env.simulator
        .add_fault(fault("FECompUltimoAutorizado", FaultAction::Http503));
    let error = client.fe_comp_ultimo_autorizado(&auth, 1, 6).await.unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 503, .. }) && error.retryable(),
        "{error:?}"
    );

    env.simulator
        .add_fault(fault("FECompUltimoAutorizado", FaultAction::Reset));
    assert!(
        client
            .fe_comp_ultimo_autorizado(&auth, 1, 6)
            .await
            .unwrap_err()
            .is_outcome_unknown()
    );

    env.simulator.add_fault(fault("FEDummy", FaultAction::Timeout));
    let impatient =
        arca_protocol::wsfe::WsfeClient::new(env.simulator.wsfe_url(), super::support::short_timeout_transport(300));
    assert!(impatient.fe_dummy().await.unwrap_err().is_outcome_unknown());

    // Nothing was authorised by the failed calls.
    assert_eq!(client.fe_comp_ultimo_autorizado(&auth, 1, 6).await.unwrap().cbte_nro, 0);
}

#[tokio::test]
async fn forged_expired_and_foreign_tickets_get_600() {
    let env = TestEnv::start().await;
    let (client, auth) = wsfe_client(&env).await;
    client
        .fe_comp_ultimo_autorizado(&auth, 1, 6)
        .await
        .expect("a good ticket works");

    let other_cuit = arca_protocol::Cuit::parse("30000000007").unwrap();
    let foreign = arca_protocol::wsfe::Auth {
        cuit: other_cuit,
        ..auth.clone()
    };
    let error = client.fe_comp_ultimo_autorizado(&foreign, 1, 6).await.unwrap_err();
    // 600 all the same, but the ticket is good: a relation is missing, a new ticket would not help.
    assert!(matches!(error, arca_protocol::Error::TokenRejected { .. }), "{error:?}");
    assert!(!error.needs_new_ticket(), "{error:?}");
    assert!(format!("{error:?}").contains("No apareció CUIT en lista de relaciones: 30000000007"));

    let forged = arca_protocol::wsfe::Auth {
        sign: arca_protocol::secret::Secret::new("AAAA"),
        ..auth.clone()
    };
    let error = client.fe_comp_ultimo_autorizado(&forged, 1, 6).await.unwrap_err();
    assert!(format!("{error:?}").contains("Error al verificar hash"), "{error:?}");

    env.simulator.advance_clock(chrono::Duration::hours(13));
    let error = client.fe_comp_ultimo_autorizado(&auth, 1, 6).await.unwrap_err();
    assert!(
        format!("{error:?}").contains("No validaron las fechas del token"),
        "{error:?}"
    );
}

#[tokio::test]
async fn missing_auth_and_unknown_actions_get_arcas_answers() {
    let env = TestEnv::start().await;
    let url = env.simulator.wsfe_url();
    let envelope = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><FECompUltimoAutorizado xmlns="http://ar.gov.afip.dif.FEV1/"><PtoVta>1</PtoVta><CbteTipo>6</CbteTipo></FECompUltimoAutorizado></soap:Body></soap:Envelope>"#;
    let headers = [
        ("Content-Type", "text/xml; charset=utf-8"),
        ("SOAPAction", "\"http://ar.gov.afip.dif.FEV1/FECompUltimoAutorizado\""),
    ];
    let (status, body) = super::support::post_raw(&url, &headers, envelope.into()).await;
    assert_eq!(status, 200);
    assert!(body.contains("<PtoVta>0</PtoVta><CbteTipo>0</CbteTipo><CbteNro>0</CbteNro><Errors><Err><Code>500</Code><Msg>Campo Auth no fue ingresado o esta mal formado.</Msg>"), "{body}");

    let unknown = [
        ("Content-Type", "text/xml; charset=utf-8"),
        ("SOAPAction", "\"http://ar.gov.afip.dif.FEV1/FEMagic\""),
    ];
    let empty_body =
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>"#;
    let (status, body) = super::support::post_raw(&url, &unknown, empty_body.into()).await;
    assert_eq!(status, 500);
    assert!(
        body.contains("Server did not recognize the value of HTTP Header SOAPAction"),
        "{body}"
    );

    // The recorded FEDummy has an empty body and is routed by its SOAPAction alone.
    let dummy = [
        ("Content-Type", "text/xml; charset=utf-8"),
        ("SOAPAction", "\"http://ar.gov.afip.dif.FEV1/FEDummy\""),
    ];
    let (status, body) = super::support::post_raw(&url, &dummy, empty_body.into()).await;
    assert_eq!(status, 200);
    assert!(body.contains("<AppServer>OK</AppServer>"), "{body}");

    let (status, _) = super::support::post_raw(&url, &dummy, "<soap:Envelope".into()).await;
    assert_eq!(status, 400, "truncated XML");

    let response = transport().post(&format!("{url}?WSDL"), &[], String::new()).await;
    assert!(response.is_ok());
}

#[tokio::test]
async fn caea_is_granted_once_per_fortnight_reported_and_informed_without_movement() {
    use arca_protocol::wsfe::{FECAEADetRequest, FECAEARequest, FECAEDetRequest, FECabRequest};
    use arca_simulator::PointOfSale;
    use chrono::Datelike;
    let env = TestEnv::start().await;
    // A CAE point of sale (the main modality) and two CAEA ones (15003, 15016, 701).
    let caea_point = |nro| PointOfSale {
        emision_tipo: "CAEA - Ri Iva - Contingencias".into(),
        ..PointOfSale::cae(nro)
    };
    env.simulator
        .set_points_of_sale(vec![PointOfSale::cae(1), caea_point(5), caea_point(6)]);
    let (client, auth) = wsfe_client(&env).await;
    let day = today();
    let periodo = day.year() * 100 + day.month() as i32;
    let orden = if day.day() <= 15 { 1 } else { 2 };

    let granted = client.fe_caea_solicitar(&auth, periodo, orden).await.expect("CAEA");
    let caea = granted.caea.clone().expect("a CAEA code");
    assert_eq!(caea.len(), 14);
    assert!(granted.fch_vig_desde.unwrap() <= day && day <= granted.fch_vig_hasta.unwrap());
    let again = client.fe_caea_solicitar(&auth, periodo, orden).await.unwrap_err();
    assert_eq!(again.arca_errors().iter().map(|e| e.code).collect::<Vec<_>>(), [15008]);
    assert_eq!(
        client
            .fe_caea_consultar(&auth, periodo, orden)
            .await
            .unwrap()
            .and_then(|g| g.caea),
        Some(caea.clone())
    );
    let far = client.fe_caea_solicitar(&auth, periodo + 100, orden).await.unwrap_err();
    assert_eq!(
        far.arca_errors().iter().map(|e| e.code).collect::<Vec<_>>(),
        [15006],
        "outside the request window"
    );

    // Report one voucher issued under the CAEA on point of sale 5.
    let detail = FECAEDetRequest::try_from(&Voucher {
        punto_venta: 5,
        ..factura_b(1)
    })
    .unwrap();
    let report = FECAEARequest {
        fe_cab_req: FECabRequest {
            cant_reg: 1,
            pto_vta: 5,
            cbte_tipo: 6,
        },
        fe_det_req: vec![FECAEADetRequest {
            detail,
            caea: caea.clone(),
            // Generated a minute ago (1440 without it).
            cbte_fch_hs_gen: Some(
                (chrono::Utc::now() - chrono::Duration::hours(3) - chrono::Duration::minutes(1)).naive_utc(),
            ),
        }],
    };
    let reported = client.fe_caea_reg_informativo(&auth, report).await.unwrap();
    assert_eq!(reported.fe_det_resp[0].detail.resultado, Resultado::A, "{reported:?}");
    let stored = client
        .fe_comp_consultar(&auth, 6, 5, 1)
        .await
        .unwrap()
        .expect("reported voucher");
    assert_eq!(stored.emision_tipo.as_deref(), Some("CAEA"));
    assert_eq!(stored.cod_autorizacion.as_deref(), Some(caea.as_str()));

    // Point of sale 6 had no movement: informed once; the used one cannot be.
    let informed = client.fe_caea_sin_movimiento_informar(&auth, 6, &caea).await.unwrap();
    assert_eq!(informed.resultado, Some(Resultado::A));
    let twice = client
        .fe_caea_sin_movimiento_informar(&auth, 6, &caea)
        .await
        .unwrap_err();
    assert_eq!(twice.arca_errors().iter().map(|e| e.code).collect::<Vec<_>>(), [1209]);
    let used = client
        .fe_caea_sin_movimiento_informar(&auth, 5, &caea)
        .await
        .unwrap_err();
    assert_eq!(used.arca_errors().iter().map(|e| e.code).collect::<Vec<_>>(), [1202]);
    let listed = client
        .fe_caea_sin_movimiento_consultar(&auth, Some(&caea), 6)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn a_restarted_simulator_keeps_its_vouchers_in_the_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let env = TestEnv::start_with(|s| s.state_file(state.clone())).await;
    let (client, auth) = wsfe_client(&env).await;
    client
        .fe_cae_solicitar(&auth, request((1..=3).map(factura_b).collect()))
        .await
        .unwrap();
    let ca_dir = env.dir.path().join("ca");
    env.simulator.stop().await;

    let restarted = arca_simulator::Simulator::from_ca_dir(&ca_dir)
        .unwrap()
        .preventive_window(chrono::Duration::zero())
        .state_file(state)
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let wsaa = arca_protocol::wsaa::WsaaClient::new(restarted.wsaa_url(), transport());
    let ticket = wsaa.login(&env.credentials, "wsfe", chrono::Utc::now()).await.unwrap();
    let auth = arca_protocol::wsfe::Auth::from_ticket(&ticket, env.credentials.cuit());
    let client = arca_protocol::wsfe::WsfeClient::new(restarted.wsfe_url(), transport());
    assert_eq!(client.fe_comp_ultimo_autorizado(&auth, 1, 6).await.unwrap().cbte_nro, 3);
    assert!(client.fe_comp_consultar(&auth, 6, 1, 2).await.unwrap().is_some());
}
