//! wsfecred end to end: the protocol's client against the simulator's wsfecred, over real HTTP.
//! The received FCE are vouchers the simulator's WSFEv1 authorised (through the protocol's
//! WSFEv1 client) from the test certificate's CUIT to a buyer it may also represent; the buyer
//! lists them, accepts one, rejects another and is refused what ARCA refuses. The obligation
//! registry and threshold are set through `/_sim/fce`.

use arca_protocol::codes::{CbteTipo, Concepto, IvaRate};
use arca_protocol::money::Decimal;
use arca_protocol::money::Money;
use arca_protocol::voucher::{AlicIva, CaeRequest, CbteAsoc, Opcional, Voucher};
use arca_protocol::wsfe::{Auth, FECAERequest};
use arca_protocol::wsfecred::{
    Aceptacion, ComprobantesQuery, EstadoCmp, IdFactura, MotivoRechazo, Rechazo, ResultadoOperacion, Rol,
    WsfecredClient, is_not_represented,
};
use arca_protocol::{Cuit, Error};
use arca_simulator::padron::samples;
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::support::{CUIT, TestEnv, money, post_raw, today, transport, wsfe_client};

/// The buyer: a company registered in IVA, represented by the test certificate too.
const BUYER: &str = samples::RI_COMPANY;
/// A 22-digit CBU with valid check digits.
const CBU: &str = "2850590940090418135201";
/// The FCE series used here.
const PTO_VTA: u32 = 2;

/// A simulator without WSAA's preventive window: the tests log in more than once per service.
async fn start() -> TestEnv {
    TestEnv::start_with(|simulator| simulator.preventive_window(Duration::zero())).await
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

fn cuit(text: &str) -> u64 {
    text.parse().unwrap()
}

/// Lets the test certificate represent the buyer, and makes the buyer obliged to receive FCE.
async fn set_up_buyer(env: &TestEnv) {
    let relation = json!({"certificate_cuit": CUIT, "represented_cuit": BUYER}).to_string();
    assert_eq!(control(env, "POST", "/_sim/relations", &relation).await.0, 201);
    let obligado = json!({"obligado": true, "desde": "2019-01-01"}).to_string();
    let (status, body) = control(env, "PUT", &format!("/_sim/fce/obligados/{BUYER}"), &obligado).await;
    assert_eq!(status, 200, "{body}");
}

/// A wsfecred client and its ticket's auth on behalf of `represented`.
async fn wsfecred(env: &TestEnv, represented: &str) -> (WsfecredClient, Auth) {
    let wsaa = arca_protocol::wsaa::WsaaClient::new(env.simulator.wsaa_url(), transport());
    let ticket = wsaa
        .login(&env.credentials, "wsfecred", chrono::Utc::now())
        .await
        .expect("a wsfecred ticket");
    let auth = Auth::from_ticket(&ticket, represented.parse::<Cuit>().unwrap());
    (WsfecredClient::new(transport(), env.simulator.wsfecred_url()), auth)
}

/// An FCE Factura A (201) number `number` to the buyer: 21 % IVA on `neto`, the issuer's CBU
/// (2101), transfer option SCA (27), payment due in 30 days.
fn fce_invoice(number: u64, neto: &str, iva: &str) -> Voucher {
    Voucher {
        cbte_tipo: CbteTipo::FceFacturaA,
        punto_venta: PTO_VTA,
        concepto: Concepto::Productos,
        doc_tipo: 80,
        doc_nro: cuit(BUYER),
        cbte_desde: number,
        cbte_hasta: number,
        cbte_fch: Some(today()),
        imp_total: money(neto) + money(iva),
        imp_tot_conc: Money::ZERO,
        imp_neto: money(neto),
        imp_op_ex: Money::ZERO,
        imp_trib: Money::ZERO,
        imp_iva: money(iva),
        fch_serv_desde: None,
        fch_serv_hasta: None,
        fch_vto_pago: Some(today() + Duration::days(30)),
        mon_id: "PES".into(),
        mon_cotiz: Some(1.into()),
        can_mis_mon_ext: None,
        condicion_iva_receptor_id: Some(1),
        cbtes_asoc: vec![],
        tributos: vec![],
        iva: vec![AlicIva {
            id: IvaRate::Veintiuno,
            base_imp: money(neto),
            importe: money(iva),
        }],
        opcionales: vec![
            Opcional {
                id: "2101".into(),
                valor: CBU.into(),
            },
            Opcional {
                id: "27".into(),
                valor: "SCA".into(),
            },
        ],
        compradores: vec![],
        periodo_asoc: None,
        actividades: vec![],
    }
}

/// An FCE Nota de Crédito A (203), not an annulment, on invoice `invoice`.
fn fce_credit_note(number: u64, invoice: u64, neto: &str, iva: &str) -> Voucher {
    Voucher {
        cbte_tipo: CbteTipo::FceNotaCreditoA,
        fch_vto_pago: None,
        cbtes_asoc: vec![CbteAsoc {
            tipo: 201,
            pto_vta: PTO_VTA,
            nro: invoice,
            cuit: Some(cuit(CUIT)),
            cbte_fch: Some(today()),
        }],
        opcionales: vec![Opcional {
            id: "22".into(),
            valor: "N".into(),
        }],
        ..fce_invoice(number, neto, iva)
    }
}

/// Authorises `voucher` through the simulator's WSFEv1; panics with ARCA's answer otherwise.
async fn authorise(env: &TestEnv, voucher: Voucher) {
    let (client, auth) = wsfe_client(env).await;
    let request = FECAERequest::try_from(&CaeRequest::new(vec![voucher]).unwrap()).unwrap();
    let response = client.fe_cae_solicitar(&auth, request).await.unwrap();
    assert!(
        response.fe_det_resp.first().and_then(|d| d.cae.as_ref()).is_some(),
        "WSFEv1 refused the FCE voucher: {response:?}"
    );
}

fn factura(number: u64, tipo: i32) -> IdFactura {
    IdFactura {
        cuit_emisor: cuit(CUIT),
        cod_tipo_cmp: tipo,
        pto_vta: PTO_VTA,
        nro_cmp: number,
    }
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn motivo() -> MotivoRechazo {
    MotivoRechazo {
        cod_motivo: 1,
        desc_motivo: "Mercaderia no recibida".into(),
        justificacion: "El remito no fue conformado".into(),
    }
}

#[tokio::test]
async fn the_buyer_lists_accepts_and_rejects_fce_the_simulator_authorised() {
    let env = start().await;
    set_up_buyer(&env).await;
    authorise(&env, fce_invoice(1, "4000000.00", "840000.00")).await;
    authorise(&env, fce_invoice(2, "5000000.00", "1050000.00")).await;
    authorise(&env, fce_credit_note(1, 1, "100000.00", "21000.00")).await;

    let (client, buyer) = wsfecred(&env, BUYER).await;
    assert!(client.dummy().await.unwrap().all_ok());

    // The received account: both invoices and the note, pending.
    let page = client
        .consultar_comprobantes(&buyer, &ComprobantesQuery::new(Rol::Receptor))
        .await
        .unwrap();
    assert_eq!((page.nro_pagina, page.hay_mas, page.comprobantes.len()), (1, false, 3));
    let first = page.comprobantes.iter().find(|c| c.id == factura(1, 201)).unwrap();
    assert_eq!(first.cuit_receptor, cuit(BUYER));
    assert_eq!(first.importe_total, dec("4840000.00"));
    assert_eq!(first.estado, Some(EstadoCmp::PendienteRecepcion));
    assert_eq!(first.cbu_emisor.as_deref(), Some(CBU));
    assert_eq!(first.opcion_transferencia.as_deref(), Some("SCA"));
    assert_eq!(first.fecha_emision, today());
    assert_eq!(first.fecha_vencimiento_pago, Some(today() + Duration::days(30)));
    assert_eq!((first.tipo_cod_auto.as_str(), first.cod_autorizacion.len()), ("E", 14));
    assert!(
        first.razon_social_emisor.contains("DEMO"),
        "{}",
        first.razon_social_emisor
    );
    let note = page.comprobantes.iter().find(|c| c.id == factura(1, 203)).unwrap();
    assert_eq!(note.comprobante_asociado, Some(factura(1, 201)));
    assert_eq!(
        note.cod_cta_cte, first.cod_cta_cte,
        "a note belongs to its invoice's account"
    );
    assert!(!note.es_anulacion);
    let second = page.comprobantes.iter().find(|c| c.id == factura(2, 201)).unwrap();
    assert_ne!(second.cod_cta_cte, first.cod_cta_cte);

    // Filters.
    let count = |query: ComprobantesQuery| {
        let client = client.clone();
        let buyer = buyer.clone();
        async move {
            client
                .consultar_comprobantes(&buyer, &query)
                .await
                .unwrap()
                .comprobantes
                .len()
        }
    };
    let receptor = ComprobantesQuery::new(Rol::Receptor);
    let invoices_only = ComprobantesQuery {
        cod_tipo_cmp: Some(201),
        ..receptor.clone()
    };
    assert_eq!(count(invoices_only).await, 2);
    let from_issuer = ComprobantesQuery {
        cuit_contraparte: Some(cuit(CUIT)),
        ..receptor.clone()
    };
    assert_eq!(count(from_issuer).await, 3);
    let from_someone_else = ComprobantesQuery {
        cuit_contraparte: Some(cuit(samples::EXENTO)),
        ..receptor.clone()
    };
    assert_eq!(count(from_someone_else).await, 0);
    let last_year = ComprobantesQuery {
        fecha_desde: Some(today() - Duration::days(400)),
        fecha_hasta: Some(today() - Duration::days(300)),
        ..receptor.clone()
    };
    assert_eq!(count(last_year).await, 0);
    let this_week = ComprobantesQuery {
        fecha_desde: Some(today() - Duration::days(7)),
        fecha_hasta: Some(today()),
        ..receptor.clone()
    };
    assert_eq!(count(this_week).await, 3);
    // The buyer issued nothing.
    assert_eq!(count(ComprobantesQuery::new(Rol::Emisor)).await, 0);

    // Accepting the invoice's total ignores the credit note: ARCA's refusal is a verdict.
    let accept_total = Aceptacion {
        factura: factura(1, 201),
        saldo_aceptado: dec("4840000.00"),
        cod_moneda: "PES".into(),
        cotizacion_moneda_ult: Decimal::ONE,
    };
    let refused = client.aceptar(&buyer, &accept_total).await.unwrap();
    assert_eq!(refused.resultado, ResultadoOperacion::Rechazado);
    assert_eq!(refused.errores[0].codigo, 2007, "{refused:?}");
    assert_eq!(refused.cod_cta_cte, first.cod_cta_cte);

    // The balance (invoice − note) is accepted.
    let accept_balance = Aceptacion {
        saldo_aceptado: dec("4719000.00"),
        ..accept_total.clone()
    };
    let accepted = client.aceptar(&buyer, &accept_balance).await.unwrap();
    assert_eq!(accepted.resultado, ResultadoOperacion::Aceptado, "{accepted:?}");
    assert_eq!(accepted.cod_cta_cte, first.cod_cta_cte);
    assert!(accepted.errores.is_empty());
    let aceptados = client
        .consultar_comprobantes(
            &buyer,
            &ComprobantesQuery {
                estado: Some(EstadoCmp::Aceptado),
                ..receptor.clone()
            },
        )
        .await
        .unwrap();
    let mut ids: Vec<IdFactura> = aceptados.comprobantes.iter().map(|c| c.id).collect();
    ids.sort_by_key(|id| id.cod_tipo_cmp);
    assert_eq!(ids, [factura(1, 201), factura(1, 203)]);
    assert!(
        aceptados
            .comprobantes
            .iter()
            .all(|c| c.tipo_aceptacion.as_deref() == Some("Expresa") && c.fecha_hora_aceptacion.is_some())
    );

    // A second acceptance is refused with its code.
    let again = client.aceptar(&buyer, &accept_balance).await.unwrap();
    assert_eq!(again.resultado, ResultadoOperacion::Rechazado);
    assert_eq!(again.errores[0].codigo, 2003, "{again:?}");
    assert!(!again.errores[0].descripcion.is_empty());

    // A note is not accepted on its own.
    let note_alone = client
        .aceptar(
            &buyer,
            &Aceptacion {
                factura: factura(1, 203),
                ..accept_balance.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(note_alone.errores[0].codigo, 2006, "{note_alone:?}");

    // Reject the other invoice, with a reason.
    let rechazo = Rechazo {
        factura: factura(2, 201),
        motivos: vec![motivo()],
    };
    let rejected = client.rechazar(&buyer, &rechazo).await.unwrap();
    assert_eq!(rejected.resultado, ResultadoOperacion::Aceptado, "{rejected:?}");
    let rechazados = client
        .consultar_comprobantes(
            &buyer,
            &ComprobantesQuery {
                estado: Some(EstadoCmp::Rechazado),
                ..receptor.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(rechazados.comprobantes.len(), 1);
    assert_eq!(rechazados.comprobantes[0].id, factura(2, 201));
    let rejected_again = client.rechazar(&buyer, &rechazo).await.unwrap();
    assert_eq!(rejected_again.errores[0].codigo, 2004, "{rejected_again:?}");
    // Nor can a rejected invoice be accepted.
    let accept_rejected = Aceptacion {
        factura: factura(2, 201),
        saldo_aceptado: dec("6050000.00"),
        ..accept_total.clone()
    };
    assert_eq!(
        client.aceptar(&buyer, &accept_rejected).await.unwrap().errores[0].codigo,
        2004
    );

    // An unknown voucher.
    let unknown = client
        .rechazar(
            &buyer,
            &Rechazo {
                factura: factura(99, 201),
                motivos: vec![motivo()],
            },
        )
        .await
        .unwrap();
    assert_eq!(unknown.resultado, ResultadoOperacion::Rechazado);
    assert_eq!(unknown.errores[0].codigo, 2001, "{unknown:?}");

    // The issuer sees what it issued, and may not accept its own invoice.
    let (_, issuer) = wsfecred(&env, CUIT).await;
    let issued = client
        .consultar_comprobantes(&issuer, &ComprobantesQuery::new(Rol::Emisor))
        .await
        .unwrap();
    assert_eq!(issued.comprobantes.len(), 3);
    assert!(issued.comprobantes.iter().all(|c| c.cuit_receptor == cuit(BUYER)));
    let not_addressed = client.aceptar(&issuer, &accept_balance).await.unwrap();
    assert_eq!(not_addressed.errores[0].codigo, 2002, "{not_addressed:?}");

    // Tickets: a CUIT the certificate may not represent, and another service's ticket.
    let (_, stranger) = wsfecred(&env, samples::RI_PERSON).await;
    let error = client
        .consultar_comprobantes(&stranger, &ComprobantesQuery::new(Rol::Receptor))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Rejected { .. }) && error.arca_errors().iter().any(is_not_represented),
        "{error:?}"
    );
    assert!(!error.needs_new_ticket());
    let (_, wsfe_auth) = wsfe_client(&env).await;
    let error = client.aceptar(&wsfe_auth, &accept_balance).await.unwrap_err();
    assert!(error.needs_new_ticket(), "{error:?}");
}

#[tokio::test]
async fn the_received_account_pages_by_ten() {
    let env = start().await;
    set_up_buyer(&env).await;
    for number in 1..=11 {
        authorise(&env, fce_invoice(number, "4000000.00", "840000.00")).await;
    }
    let (client, buyer) = wsfecred(&env, BUYER).await;
    let first = client
        .consultar_comprobantes(&buyer, &ComprobantesQuery::new(Rol::Receptor))
        .await
        .unwrap();
    assert_eq!((first.comprobantes.len(), first.hay_mas), (10, true));
    let second = client
        .consultar_comprobantes(
            &buyer,
            &ComprobantesQuery {
                nro_pagina: 2,
                ..ComprobantesQuery::new(Rol::Receptor)
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (second.nro_pagina, second.comprobantes.len(), second.hay_mas),
        (2, 1, false)
    );
    let mut all: Vec<u64> = first
        .comprobantes
        .iter()
        .chain(&second.comprobantes)
        .map(|c| c.id.nro_cmp)
        .collect();
    all.sort_unstable();
    assert_eq!(all, (1..=11).collect::<Vec<u64>>());
    let beyond = client
        .consultar_comprobantes(
            &buyer,
            &ComprobantesQuery {
                nro_pagina: 3,
                ..ComprobantesQuery::new(Rol::Receptor)
            },
        )
        .await
        .unwrap();
    assert!(beyond.comprobantes.is_empty() && !beyond.hay_mas);

    // WSAA knows the service, and its authorisation can be withdrawn for it alone.
    let refusal = json!({"cuit": CUIT, "service": "wsfecred", "authorized": false}).to_string();
    assert_eq!(control(&env, "POST", "/_sim/authorizations", &refusal).await.0, 204);
    let wsaa = arca_protocol::wsaa::WsaaClient::new(env.simulator.wsaa_url(), transport());
    let error = wsaa
        .login(&env.credentials, "wsfecred", chrono::Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Wsaa {
                fault: arca_protocol::wsaa::WsaaFault::NotAuthorized,
                ..
            }
        ),
        "{error:?}"
    );
    wsaa.login(&env.credentials, "wsfe", chrono::Utc::now())
        .await
        .expect("other services still authorised");
}

#[tokio::test]
async fn obligation_and_threshold_come_from_the_control_api() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let file = state_file.clone();
    let env = TestEnv::start_with(move |simulator| simulator.state_file(file)).await;
    let (client, auth) = wsfecred(&env, CUIT).await;
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();

    // Nobody is obliged on a fresh simulator.
    let (status, body) = control(&env, "GET", "/_sim/fce", "").await;
    assert_eq!(status, 200);
    let state: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(state["threshold"]["monto_desde"], "3958316.00");
    assert_eq!(state["obligados"], json!({}));
    let monto = client
        .consultar_monto_obligado_recepcion(&auth, cuit(BUYER), today())
        .await
        .unwrap();
    assert_eq!((monto.obligado, monto.monto_desde), (false, None));

    let threshold = json!({"monto_desde": "5000000.50"}).to_string();
    assert_eq!(control(&env, "PUT", "/_sim/fce/threshold", &threshold).await.0, 200);
    let obligado = json!({"obligado": true, "desde": "2024-03-01"}).to_string();
    assert_eq!(
        control(&env, "PUT", &format!("/_sim/fce/obligados/{BUYER}"), &obligado)
            .await
            .0,
        200
    );
    let monto = client
        .consultar_monto_obligado_recepcion(&auth, cuit(BUYER), day(2024, 3, 1))
        .await
        .unwrap();
    assert!(monto.obligado);
    assert_eq!(monto.monto_desde, Some(dec("5000000.50")));
    let before = client
        .consultar_monto_obligado_recepcion(&auth, cuit(BUYER), day(2024, 2, 29))
        .await
        .unwrap();
    assert!(!before.obligado, "not obliged before its first day");
    let other = client
        .consultar_monto_obligado_recepcion(&auth, cuit(samples::EXENTO), today())
        .await
        .unwrap();
    assert!(!other.obligado);
    let since = client.consultar_obligado_recepcion(&auth, cuit(BUYER)).await.unwrap();
    assert_eq!((since.obligado, since.desde), (true, Some(day(2024, 3, 1))));

    // A CUIT with a wrong check digit is ARCA's error, not an answer.
    let error = client
        .consultar_monto_obligado_recepcion(&auth, 30_712_345_672, today())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Rejected { .. }), "{error:?}");

    // The control API refuses what it cannot store.
    for (path, body) in [
        ("/_sim/fce/threshold", json!({"monto_desde": "-1"})),
        ("/_sim/fce/threshold", json!({"monto_desde": "10.001"})),
        ("/_sim/fce/obligados/30712345672", json!({"obligado": true})),
        (
            "/_sim/fce/obligados/30712345671",
            json!({"obligado": true, "desde": "01/03/2024"}),
        ),
    ] {
        let (status, answer) = control(&env, "PUT", path, &body.to_string()).await;
        assert_eq!(status, 400, "{path} {body}: {answer}");
    }

    // Kept across a restart with the same state file.
    env.simulator.stop().await;
    let file = state_file.clone();
    let env = TestEnv::start_with(move |simulator| simulator.state_file(file)).await;
    let (client, auth) = wsfecred(&env, CUIT).await;
    let monto = client
        .consultar_monto_obligado_recepcion(&auth, cuit(BUYER), today())
        .await
        .unwrap();
    assert_eq!((monto.obligado, monto.monto_desde), (true, Some(dec("5000000.50"))));

    // Removed.
    assert_eq!(
        control(&env, "DELETE", &format!("/_sim/fce/obligados/{BUYER}"), "")
            .await
            .0,
        204
    );
    assert_eq!(
        control(&env, "DELETE", &format!("/_sim/fce/obligados/{BUYER}"), "")
            .await
            .0,
        404
    );
    let monto = client
        .consultar_monto_obligado_recepcion(&auth, cuit(BUYER), today())
        .await
        .unwrap();
    assert!(!monto.obligado);
}

/// POSTs `body` to wsfecred with `action` as `SOAPAction`.
async fn post(url: &str, action: &str, body: &str) -> (u16, String) {
    let headers = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", action)];
    post_raw(url, &headers, body.to_owned()).await
}

/// The simulator's wsfecred read with raw SOAP, as other clients write it: qualified children, an
/// empty body routed by `SOAPAction`, unknown and unsimulated operations, and its WSDL.
#[tokio::test]
async fn the_simulator_reads_other_clients_soap() {
    const NS: &str = "http://ar.gob.afip.wsfecred/FECredService/";
    let env = start().await;
    let url = env.simulator.wsfecred_url();
    let envelope = |body: &str| {
        format!(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
        )
    };

    // An empty body is routed by SOAPAction; a `dummyRequest` element by itself.
    let (status, body) = post(&url, &format!("\"{NS}dummy\""), &envelope("")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<dummyReturn><appserver>OK</appserver>"), "{body}");
    let (status, body) = post(&url, "", &envelope(&format!(r#"<dummyRequest xmlns="{NS}"/>"#))).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!(r#"<ns2:dummyResponse xmlns:ns2="{NS}">"#)),
        "{body}"
    );

    // A default namespace qualifies the children too: they are read by local name.
    let wsaa = arca_protocol::wsaa::WsaaClient::new(env.simulator.wsaa_url(), transport());
    let ticket = wsaa
        .login(&env.credentials, "wsfecred", chrono::Utc::now())
        .await
        .unwrap();
    let request = format!(
        concat!(
            r#"<consultarObligadoRecepcionRequest xmlns="{ns}"><authRequest><token>{token}</token><sign>{sign}</sign>"#,
            "<cuitRepresentada>{cuit}</cuitRepresentada></authRequest><cuitConsultada>{buyer}</cuitConsultada>",
            "</consultarObligadoRecepcionRequest>"
        ),
        ns = NS,
        token = ticket.token.expose(),
        sign = ticket.sign.expose(),
        cuit = CUIT,
        buyer = BUYER
    );
    let (status, body) = post(
        &url,
        &format!("\"{NS}consultarObligadoRecepcion\""),
        &envelope(&request),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<respuesta>N</respuesta>"), "{body}");

    // A forged sign is ARCA's answer with an error, not a fault.
    let forged = request.replace(ticket.sign.expose(), "Zm9yZ2Vk");
    let (status, body) = post(&url, "", &envelope(&forged)).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<arrayErrores><codigoDescripcion><codigo>600</codigo>"),
        "{body}"
    );

    // Unknown elements and operations the simulator does not answer are faults.
    let (status, body) = post(&url, "", &envelope(r#"<x:fooRequest xmlns:x="urn:other"/>"#)).await;
    assert_eq!(status, 500);
    assert!(body.contains("<faultcode>soap:Client</faultcode>"), "{body}");
    let (status, body) = post(
        &url,
        "",
        &envelope(&format!(r#"<consultarCtaCteRequest xmlns="{NS}"/>"#)),
    )
    .await;
    assert_eq!(status, 500);
    assert!(body.contains("<faultcode>soap:Server</faultcode>"), "{body}");
    let (status, _) = post(&url, "", "<not xml").await;
    assert_eq!(status, 500);

    // The WSDL, its address pointing here.
    let (status, wsdl) = control(&env, "GET", "/wsfecred/FECredService?wsdl", "").await;
    assert_eq!(status, 200);
    assert!(
        wsdl.contains("http://localhost/wsfecred/FECredService"),
        "the address points here"
    );
    assert!(!wsdl.contains("fwshomo.afip.gov.ar"));
    assert!(wsdl.contains("consultarMontoObligadoRecepcion"));
}
