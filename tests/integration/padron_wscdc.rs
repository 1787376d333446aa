//! The simulator's padrón A5/A13 and WSCDC over real HTTP with raw SOAP: the registry cases, the
//! list limits, the SOAP variants clients send, per-service WSAA authorisations, and WSCDC
//! checking vouchers the simulator's own WSFEv1 authorised.

use arca_protocol::xml;
use arca_simulator::padron::samples;
use serde_json::json;

use super::support::{CUIT, TestEnv, post_raw, transport, wsfe_client};

const A5: &str = "http://a5.soap.ws.server.puc.sr/";
const A13: &str = "http://a13.soap.ws.server.puc.sr/";
const WSCDC: &str = "http://servicios1.afip.gob.ar/wscdc/";

/// A ticket of the test certificate for `service`.
async fn ticket(env: &TestEnv, service: &str) -> (String, String) {
    let wsaa = arca_protocol::wsaa::WsaaClient::new(env.simulator.wsaa_url(), transport());
    let ticket = wsaa
        .login(&env.credentials, service, chrono::Utc::now())
        .await
        .unwrap_or_else(|e| panic!("ticket for {service}: {e}"));
    (ticket.token.expose().to_string(), ticket.sign.expose().to_string())
}

/// A padrón request as ARCA's own examples write it: only the operation is qualified.
fn padron_request(namespace: &str, operation: &str, auth: &(String, String), represented: &str, tail: &str) -> String {
    format!(
        concat!(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ser="{ns}">"#,
            "<soapenv:Header/><soapenv:Body><ser:{op}><token>{token}</token><sign>{sign}</sign>",
            "<cuitRepresentada>{represented}</cuitRepresentada>{tail}</ser:{op}></soapenv:Body></soapenv:Envelope>"
        ),
        ns = namespace,
        op = operation,
        token = auth.0,
        sign = auth.1,
        represented = represented,
        tail = tail
    )
}

async fn post_a5(env: &TestEnv, body: String) -> (u16, String) {
    let headers = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"\"")];
    post_raw(&env.simulator.padron_a5_url(), &headers, body).await
}

/// A control-API call with any method (the protocol transport only POSTs): raw HTTP/1.1.
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

fn fault_string(body: &str) -> String {
    xml::parse(body)
        .ok()
        .and_then(|root| root.find("faultstring").map(|e| e.text.clone()))
        .unwrap_or_default()
}

fn block_names(body: &str, container: &str) -> Vec<String> {
    let root = xml::parse(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let element = root.find(container).unwrap_or_else(|| panic!("no {container}: {body}"));
    element.children.iter().map(|c| c.name.clone()).collect()
}

#[tokio::test]
async fn a5_answers_each_registry_case_with_its_blocks() {
    let env = TestEnv::start().await;
    let auth = ticket(&env, "ws_sr_constancia_inscripcion").await;
    let cases: [(&str, &[&str]); 9] = [
        (samples::DEMO, &["datosGenerales", "datosRegimenGeneral", "metadata"]),
        (
            samples::RI_COMPANY,
            &["datosGenerales", "datosRegimenGeneral", "metadata"],
        ),
        (
            samples::RI_PERSON,
            &["datosGenerales", "datosRegimenGeneral", "errorMonotributo", "metadata"],
        ),
        (
            samples::MONOTRIBUTO,
            &["datosGenerales", "datosMonotributo", "errorRegimenGeneral", "metadata"],
        ),
        (samples::EXENTO, &["datosGenerales", "datosRegimenGeneral", "metadata"]),
        (
            samples::CONSUMIDOR_FINAL,
            &["datosGenerales", "datosRegimenGeneral", "errorMonotributo", "metadata"],
        ),
        (
            samples::INACTIVE,
            &["datosGenerales", "datosRegimenGeneral", "metadata"],
        ),
        (
            samples::WITH_DNI,
            &["datosGenerales", "datosRegimenGeneral", "metadata"],
        ),
        (
            samples::ONLY_ERRORS,
            &["datosGenerales", "errorRegimenGeneral", "metadata"],
        ),
    ];
    for (cuit, blocks) in cases {
        let body = padron_request(
            A5,
            "getPersona_v2",
            &auth,
            CUIT,
            &format!("<idPersona>{cuit}</idPersona>"),
        );
        let (status, answer) = post_a5(&env, body).await;
        assert_eq!(status, 200, "{cuit}: {answer}");
        assert!(answer.starts_with("<soap:Envelope"), "{answer}");
        assert!(
            answer
                .contains(r#"<ns2:getPersona_v2Response xmlns:ns2="http://a5.soap.ws.server.puc.sr/"><personaReturn>"#)
        );
        assert_eq!(block_names(&answer, "personaReturn"), blocks, "{cuit}");
        assert!(answer.contains(&format!("<idPersona>{cuit}</idPersona>")), "{answer}");
    }
    // The blocks carry the taxes a client derives the condition from, never a condition.
    let body = padron_request(
        A5,
        "getPersona_v2",
        &auth,
        CUIT,
        &format!("<idPersona>{}</idPersona>", samples::EXENTO),
    );
    let (_, answer) = post_a5(&env, body).await;
    assert!(answer.contains("<idImpuesto>32</idImpuesto>"), "{answer}");
    assert!(!answer.to_lowercase().contains("condicioniva"), "{answer}");
    let body = padron_request(
        A5,
        "getPersona_v2",
        &auth,
        CUIT,
        &format!("<idPersona>{}</idPersona>", samples::MONOTRIBUTO),
    );
    let (_, answer) = post_a5(&env, body).await;
    assert!(
        answer.contains("<descripcionCategoria>H LOCACIONES DE SERVICIO</descripcionCategoria>"),
        "{answer}"
    );
    let body = padron_request(
        A5,
        "getPersona_v2",
        &auth,
        CUIT,
        &format!("<idPersona>{}</idPersona>", samples::INACTIVE),
    );
    let (_, answer) = post_a5(&env, body).await;
    assert!(answer.contains("<estadoClave>INACTIVO</estadoClave>"), "{answer}");
    assert_eq!(env.simulator.calls("getPersona_v2"), 12);
}

#[tokio::test]
async fn unknown_cuit_is_a_fault_alone_and_an_error_entry_in_a_list() {
    let env = TestEnv::start().await;
    let auth = ticket(&env, "ws_sr_constancia_inscripcion").await;
    for operation in ["getPersona_v2", "getPersona"] {
        let body = padron_request(
            A5,
            operation,
            &auth,
            CUIT,
            &format!("<idPersona>{}</idPersona>", samples::UNKNOWN),
        );
        let (status, answer) = post_a5(&env, body).await;
        assert_eq!(status, 500, "{answer}");
        assert!(answer.contains("<faultcode>soap:Server</faultcode>"), "{answer}");
        assert_eq!(fault_string(&answer), "No existe persona con ese Id");
    }
    let ids = format!(
        "<idPersona>{}</idPersona><idPersona>{}</idPersona>",
        samples::DEMO,
        samples::UNKNOWN
    );
    let (status, answer) = post_a5(&env, padron_request(A5, "getPersonaList_v2", &auth, CUIT, &ids)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        block_names(&answer, "personaListReturn"),
        ["metadata", "persona", "persona"]
    );
    let root = xml::parse(&answer).unwrap();
    let list = root.find("personaListReturn").unwrap();
    let unknown = list.children_named("persona").nth(1).unwrap();
    let names: Vec<&str> = unknown.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["errorConstancia"]);
    let error = unknown.child("errorConstancia").unwrap();
    assert_eq!(error.child_text("error"), Some("No existe persona con ese Id"));
    assert_eq!(error.child_text("idPersona"), Some(samples::UNKNOWN));
    // The older getPersonaList answers the same way under its own element names.
    let (status, answer) = post_a5(&env, padron_request(A5, "getPersonaList", &auth, CUIT, &ids)).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("<ns2:getPersonaListResponse"), "{answer}");
    assert_eq!(
        block_names(&answer, "personaListReturn"),
        ["metadata", "persona", "persona"]
    );
    assert_eq!(env.simulator.calls("getPersonaList"), 1);
}

#[tokio::test]
async fn a_list_of_250_in_one_call_and_251_refused() {
    let env = TestEnv::start().await;
    let auth = ticket(&env, "ws_sr_constancia_inscripcion").await;
    let ids = |n: usize| "<idPersona>20301112220</idPersona>".repeat(n);
    let (status, answer) = post_a5(&env, padron_request(A5, "getPersonaList_v2", &auth, CUIT, &ids(250))).await;
    assert_eq!(status, 200);
    assert_eq!(answer.matches("<persona>").count(), 250);
    let (status, answer) = post_a5(&env, padron_request(A5, "getPersonaList_v2", &auth, CUIT, &ids(251))).await;
    assert_eq!(status, 500, "{answer}");
    assert!(fault_string(&answer).contains("250"), "{answer}");
    assert_eq!(env.simulator.calls("getPersonaList_v2"), 2);
}

#[tokio::test]
async fn soap_action_variants_and_qualified_children_are_accepted() {
    let env = TestEnv::start().await;
    let auth = ticket(&env, "ws_sr_constancia_inscripcion").await;
    let id = format!("<idPersona>{}</idPersona>", samples::RI_COMPANY);
    for action in [Some("\"\""), Some("\"None\""), Some(""), None] {
        let mut headers = vec![("Content-Type", "text/xml; charset=utf-8")];
        if let Some(action) = action {
            headers.push(("SOAPAction", action));
        }
        let body = padron_request(A5, "getPersona_v2", &auth, CUIT, &id);
        let (status, answer) = post_raw(&env.simulator.padron_a5_url(), &headers, body).await;
        assert_eq!(status, 200, "SOAPAction {action:?}: {answer}");
    }
    // A default namespace qualifies every child: read by local name all the same.
    let qualified = format!(
        concat!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><getPersona_v2 xmlns="{}">"#,
            "<token>{}</token><sign>{}</sign><cuitRepresentada>{}</cuitRepresentada>{}</getPersona_v2></s:Body></s:Envelope>"
        ),
        A5, auth.0, auth.1, CUIT, id
    );
    let (status, answer) = post_a5(&env, qualified).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("SERVICIOS INTEGRALES DEL SUR S.A."));
    // dummy needs no ticket.
    let dummy = format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ser:dummy xmlns:ser="{A5}"/></soapenv:Body></soapenv:Envelope>"#
    );
    let (status, answer) = post_a5(&env, dummy).await;
    assert_eq!(status, 200);
    assert!(
        answer.contains("<return><appserver>OK</appserver><authserver>OK</authserver><dbserver>OK</dbserver></return>")
    );
}

#[tokio::test]
async fn padron_tickets_are_checked() {
    let env = TestEnv::start().await;
    let auth = ticket(&env, "ws_sr_constancia_inscripcion").await;
    let id = format!("<idPersona>{}</idPersona>", samples::DEMO);
    let refused = |answer: &str| fault_string(answer);
    // Not represented.
    let (status, answer) = post_a5(&env, padron_request(A5, "getPersona_v2", &auth, "30712345671", &id)).await;
    assert_eq!(status, 500);
    assert_eq!(
        refused(&answer),
        "Este token no le permite actuar en representacion de la CUIT 30712345671"
    );
    // Missing token.
    let empty = (String::new(), String::new());
    let (_, answer) = post_a5(&env, padron_request(A5, "getPersona_v2", &empty, CUIT, &id)).await;
    assert_eq!(refused(&answer), "Falta token y/o sign.");
    assert!(answer.contains("SRValidationException"), "{answer}");
    // A forged signature.
    let forged = (auth.0.clone(), "AAAA".to_string());
    let (_, answer) = post_a5(&env, padron_request(A5, "getPersona_v2", &forged, CUIT, &id)).await;
    assert_eq!(
        refused(&answer),
        "No se pudo verificar que <sign> contenga una firma valida de <token>"
    );
    assert!(!answer.contains(&auth.0), "the token must not be echoed");
    // A wsfe ticket is not an A5 ticket; the legacy A5 service name is.
    let wsfe = ticket(&env, "wsfe").await;
    let (status, _) = post_a5(&env, padron_request(A5, "getPersona_v2", &wsfe, CUIT, &id)).await;
    assert_eq!(status, 500);
    let legacy = ticket(&env, "ws_sr_padron_a5").await;
    let (status, answer) = post_a5(&env, padron_request(A5, "getPersona_v2", &legacy, CUIT, &id)).await;
    assert_eq!(status, 200, "{answer}");
    // A relation added before the ticket lets it represent another CUIT.
    let url = format!("{}/_sim/relations", env.simulator.base_url());
    let body = json!({"certificate_cuit": CUIT, "represented_cuit": "30712345671"}).to_string();
    let (status, _) = post_raw(&url, &[("Content-Type", "application/json")], body).await;
    assert_eq!(status, 201);
    let a13 = ticket(&env, "ws_sr_padron_a13").await;
    let body = padron_request(A13, "getPersona", &a13, "30712345671", &id);
    let (status, answer) = post_raw(&env.simulator.padron_a13_url(), &[("Content-Type", "text/xml")], body).await;
    assert_eq!(status, 200, "{answer}");
    // An expired ticket.
    env.simulator.advance_clock(chrono::Duration::hours(13));
    let (status, answer) = post_a5(&env, padron_request(A5, "getPersona_v2", &auth, CUIT, &id)).await;
    assert_eq!(status, 500);
    assert_eq!(refused(&answer), "No autorizado, par token/sign invalido.");
}

#[tokio::test]
async fn an_unauthorised_service_refuses_only_that_service() {
    let env = TestEnv::start().await;
    let url = format!("{}/_sim/authorizations", env.simulator.base_url());
    let body = json!({"cuit": CUIT, "service": "ws_sr_constancia_inscripcion", "authorized": false}).to_string();
    let (status, _) = post_raw(&url, &[("Content-Type", "application/json")], body).await;
    assert_eq!(status, 204);
    let wsaa = arca_protocol::wsaa::WsaaClient::new(env.simulator.wsaa_url(), transport());
    let error = wsaa
        .login(&env.credentials, "ws_sr_constancia_inscripcion", chrono::Utc::now())
        .await
        .expect_err("refused");
    assert!(
        format!("{error:?}").to_lowercase().contains("notauthorized"),
        "{error:?}"
    );
    for service in ["wsfe", "ws_sr_padron_a13", "wscdc"] {
        ticket(&env, service).await;
    }
    let body = json!({"cuit": CUIT, "service": "ws_sr_constancia_inscripcion", "authorized": true}).to_string();
    post_raw(&url, &[("Content-Type", "application/json")], body).await;
    ticket(&env, "ws_sr_constancia_inscripcion").await;
}

#[tokio::test]
async fn the_registry_is_steered_through_the_control_api() {
    let env = TestEnv::start().await;
    let (status, list) = control(&env, "GET", "/_sim/padron", "").await;
    assert_eq!(status, 200);
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert!(list.get(samples::DEMO).is_some(), "{list}");
    let person = json!({
        "datosGenerales": {"tipoPersona": "FISICA", "nombre": "ANA", "apellido": "PAZ", "estadoClave": "ACTIVO"},
        "datosMonotributo": {"impuesto": [{"idImpuesto": 20, "descripcionImpuesto": "MONOTRIBUTO"}]},
    })
    .to_string();
    let path = format!("/_sim/padron/{}", samples::UNKNOWN);
    let (status, stored) = control(&env, "PUT", &path, &person).await;
    assert_eq!(status, 200, "{stored}");
    assert!(
        stored.contains(&format!("\"idPersona\":{}", samples::UNKNOWN)),
        "{stored}"
    );
    let (status, _) = control(&env, "GET", &path, "").await;
    assert_eq!(status, 200);
    let auth = ticket(&env, "ws_sr_constancia_inscripcion").await;
    let id = format!("<idPersona>{}</idPersona>", samples::UNKNOWN);
    let (status, answer) = post_a5(&env, padron_request(A5, "getPersona_v2", &auth, CUIT, &id)).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("<apellido>PAZ</apellido>"));
    let (status, _) = control(&env, "DELETE", &path, "").await;
    assert_eq!(status, 204);
    let (status, _) = post_a5(&env, padron_request(A5, "getPersona_v2", &auth, CUIT, &id)).await;
    assert_eq!(status, 500);
    let (status, _) = control(&env, "PUT", "/_sim/padron/20111111113", &person).await;
    assert_eq!(status, 400, "a wrong check digit");
    let (status, _) = control(&env, "PUT", &path, r#"{"condicionIva": 1}"#).await;
    assert_eq!(status, 400, "only A5 blocks");
}

#[tokio::test]
async fn a13_finds_persons_and_documents() {
    let env = TestEnv::start().await;
    let auth = ticket(&env, "ws_sr_padron_a13").await;
    let url = env.simulator.padron_a13_url();
    let headers = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"\"")];
    let body = padron_request(
        A13,
        "getIdPersonaListByDocumento",
        &auth,
        CUIT,
        &format!("<documento>{}</documento>", samples::WITH_DNI_DOCUMENT),
    );
    let (status, answer) = post_raw(&url, &headers, body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(block_names(&answer, "idPersonaListReturn"), ["idPersona", "metadata"]);
    assert!(answer.contains(&format!("<idPersona>{}</idPersona>", samples::WITH_DNI)));
    let body = padron_request(
        A13,
        "getPersona",
        &auth,
        CUIT,
        &format!("<idPersona>{}</idPersona>", samples::WITH_DNI),
    );
    let (status, answer) = post_raw(&url, &headers, body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(block_names(&answer, "personaReturn"), ["metadata", "persona"]);
    assert!(answer.contains(&format!(
        "<numeroDocumento>{}</numeroDocumento>",
        samples::WITH_DNI_DOCUMENT
    )));
    assert!(answer.contains("<domicilio>"), "{answer}");
    // An A5 ticket is not an A13 ticket.
    let a5 = ticket(&env, "ws_sr_constancia_inscripcion").await;
    let body = padron_request(
        A13,
        "getPersona",
        &a5,
        CUIT,
        &format!("<idPersona>{}</idPersona>", samples::WITH_DNI),
    );
    let (status, _) = post_raw(&url, &headers, body).await;
    assert_eq!(status, 500);
    assert_eq!(env.simulator.calls("a13.getPersona"), 2);
    assert_eq!(env.simulator.calls("a13.getIdPersonaListByDocumento"), 1);
}

fn constatar(auth: &(String, String), cuit: &str, cmp: &str) -> String {
    format!(
        concat!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#,
            r#"<ComprobanteConstatar xmlns="{ns}"><Auth><Token>{token}</Token><Sign>{sign}</Sign><Cuit>{cuit}</Cuit></Auth>"#,
            "<CmpReq>{cmp}</CmpReq></ComprobanteConstatar></soap:Body></soap:Envelope>"
        ),
        ns = WSCDC,
        token = auth.0,
        sign = auth.1,
        cuit = cuit,
        cmp = cmp
    )
}

fn cmp_datos(pto_vta: u32, tipo: i32, numero: u64, fecha: &str, total: &str, cae: &str) -> String {
    format!(
        concat!(
            "<CbteModo>CAE</CbteModo><CuitEmisor>{}</CuitEmisor><PtoVta>{}</PtoVta><CbteTipo>{}</CbteTipo>",
            "<CbteNro>{}</CbteNro><CbteFch>{}</CbteFch><ImpTotal>{}</ImpTotal><CodAutorizacion>{}</CodAutorizacion>",
            "<DocTipoReceptor>99</DocTipoReceptor><DocNroReceptor>0</DocNroReceptor>"
        ),
        CUIT, pto_vta, tipo, numero, fecha, total, cae
    )
}

fn codes(answer: &str, list: &str) -> Vec<String> {
    let Ok(root) = xml::parse(answer) else {
        return Vec::new();
    };
    let Some(list) = root.find(list) else {
        return Vec::new();
    };
    list.children
        .iter()
        .filter_map(|item| item.child_text("Code").map(String::from))
        .collect()
}

#[tokio::test]
async fn wscdc_checks_vouchers_the_simulator_authorised() {
    let env = TestEnv::start().await;
    let (client, wsfe_auth) = wsfe_client(&env).await;
    let voucher = super::support::factura_b(1);
    let request = arca_protocol::wsfe::FECAERequest::try_from(
        &arca_protocol::voucher::CaeRequest::new(vec![voucher.clone()]).unwrap(),
    )
    .unwrap();
    let response = client.fe_cae_solicitar(&wsfe_auth, request).await.expect("CAE");
    let cae = response.fe_det_resp[0].cae.clone().expect("approved");
    let fecha = voucher.cbte_fch.unwrap().format("%Y%m%d").to_string();
    let total = voucher.imp_total.to_string();
    let auth = ticket(&env, "wscdc").await;
    let headers = [
        ("Content-Type", "text/xml; charset=utf-8"),
        (
            "SOAPAction",
            "\"http://servicios1.afip.gob.ar/wscdc/ComprobanteConstatar\"",
        ),
    ];
    let url = env.simulator.wscdc_url();
    let ask = |cmp: String| constatar(&auth, CUIT, &cmp);
    let (status, answer) = post_raw(&url, &headers, ask(cmp_datos(1, 6, 1, &fecha, &total, &cae))).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("<Resultado>A</Resultado>"), "{answer}");
    assert!(answer.contains("<Events><Evt><Code>0</Code></Evt></Events>"));
    // A forged CAE.
    let (_, answer) = post_raw(
        &url,
        &headers,
        ask(cmp_datos(1, 6, 1, &fecha, &total, "71234567890123")),
    )
    .await;
    assert!(answer.contains("<Resultado>R</Resultado>"), "{answer}");
    assert_eq!(codes(&answer, "Observaciones"), ["100"]);
    // A wrong total, a wrong number.
    let (_, answer) = post_raw(&url, &headers, ask(cmp_datos(1, 6, 1, &fecha, "1.23", &cae))).await;
    assert!(answer.contains("<Resultado>R</Resultado>"), "{answer}");
    assert!(!codes(&answer, "Observaciones").is_empty(), "{answer}");
    let (_, answer) = post_raw(&url, &headers, ask(cmp_datos(1, 6, 2, &fecha, &total, &cae))).await;
    assert_eq!(codes(&answer, "Observaciones"), ["105"], "{answer}");
    // Malformed fields: R with Errors.
    let (_, answer) = post_raw(&url, &headers, ask(cmp_datos(0, 6, 1, "2024-01-01", &total, &cae))).await;
    assert!(answer.contains("<Resultado>R</Resultado>"), "{answer}");
    assert_eq!(codes(&answer, "Errors"), ["3", "6"], "{answer}");
    // SOAP 1.2 with the action only in the content type.
    let body = ask(cmp_datos(1, 6, 1, &fecha, &total, &cae)).replace(
        "http://schemas.xmlsoap.org/soap/envelope/",
        "http://www.w3.org/2003/05/soap-envelope",
    );
    let soap12 = [(
        "Content-Type",
        "application/soap+xml; charset=utf-8; action=\"http://servicios1.afip.gob.ar/wscdc/ComprobanteConstatar\"",
    )];
    let (status, answer) = post_raw(&url, &soap12, body).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("http://www.w3.org/2003/05/soap-envelope"));
    assert!(answer.contains("<Resultado>A</Resultado>"), "{answer}");
    assert_eq!(env.simulator.calls("ComprobanteConstatar"), 6);
}

#[tokio::test]
async fn wscdc_dummy_parameters_and_auth_errors() {
    let env = TestEnv::start_with(|s| s.preventive_window(chrono::Duration::zero())).await;
    let url = env.simulator.wscdc_url();
    let action = |op: &str| format!("\"{WSCDC}{op}\"");
    let dummy_action = action("ComprobanteDummy");
    let headers = [
        ("Content-Type", "text/xml; charset=utf-8"),
        ("SOAPAction", dummy_action.as_str()),
    ];
    let empty = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header/><soap:Body> </soap:Body></soap:Envelope>"#;
    let (status, answer) = post_raw(&url, &headers, empty.into()).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("<AppServer>OK</AppServer>"), "{answer}");
    let auth = ticket(&env, "wscdc").await;
    let parameter = |op: &str, auth: &(String, String), cuit: &str| {
        format!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><{op} xmlns="{WSCDC}"><Auth><Token>{}</Token><Sign>{}</Sign><Cuit>{cuit}</Cuit></Auth></{op}></soap:Body></soap:Envelope>"#,
            auth.0, auth.1
        )
    };
    for (op, item, count) in [
        ("ComprobantesModalidadConsultar", "<FacModTipo>", 3),
        ("ComprobantesTipoConsultar", "<CbteTipo>", 58),
        ("DocumentosTipoConsultar", "<DocTipo>", 36),
    ] {
        let act = action(op);
        let headers = [
            ("Content-Type", "text/xml; charset=utf-8"),
            ("SOAPAction", act.as_str()),
        ];
        let (status, answer) = post_raw(&url, &headers, parameter(op, &auth, CUIT)).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer.matches(item).count(), count, "{op}");
    }
    let act = action("OpcionalesTipoConsultar");
    let headers = [
        ("Content-Type", "text/xml; charset=utf-8"),
        ("SOAPAction", act.as_str()),
    ];
    let (_, answer) = post_raw(&url, &headers, parameter("OpcionalesTipoConsultar", &auth, CUIT)).await;
    assert!(answer.contains("<Code>503</Code><Msg>Sin Resultados: - Metodo OpcionalesTipoConsultar</Msg>"));
    let act = action("ComprobantesModalidadConsultar");
    let headers = [
        ("Content-Type", "text/xml; charset=utf-8"),
        ("SOAPAction", act.as_str()),
    ];
    let forged = (auth.0.clone(), "AAAA".to_string());
    let (_, answer) = post_raw(
        &url,
        &headers,
        parameter("ComprobantesModalidadConsultar", &forged, CUIT),
    )
    .await;
    assert_eq!(codes(&answer, "Errors"), ["600"], "{answer}");
    let (_, answer) = post_raw(
        &url,
        &headers,
        parameter("ComprobantesModalidadConsultar", &auth, "30712345671"),
    )
    .await;
    assert_eq!(codes(&answer, "Errors"), ["601"], "{answer}");
    // A represented CUIT whose key is inactive in the registry: 602.
    let url_relations = format!("{}/_sim/relations", env.simulator.base_url());
    let body = json!({"certificate_cuit": CUIT, "represented_cuit": samples::INACTIVE}).to_string();
    post_raw(&url_relations, &[("Content-Type", "application/json")], body).await;
    let delegated = ticket(&env, "wscdc").await;
    let body = parameter("ComprobantesModalidadConsultar", &delegated, samples::INACTIVE);
    let (_, answer) = post_raw(&url, &headers, body).await;
    assert_eq!(codes(&answer, "Errors"), ["602"], "{answer}");
    // A wsfe ticket is not a WSCDC ticket.
    let wsfe = ticket(&env, "wsfe").await;
    let (_, answer) = post_raw(&url, &headers, parameter("ComprobantesModalidadConsultar", &wsfe, CUIT)).await;
    assert_eq!(codes(&answer, "Errors"), ["600"], "{answer}");
    // A fault rule on a WSCDC operation.
    let rule = json!({"operation": "ComprobantesModalidadConsultar", "action": {"kind": "arca_error", "code": 501}, "remaining": 1});
    let faults = format!("{}/_sim/faults", env.simulator.base_url());
    post_raw(&faults, &[("Content-Type", "application/json")], rule.to_string()).await;
    let (_, answer) = post_raw(&url, &headers, parameter("ComprobantesModalidadConsultar", &auth, CUIT)).await;
    assert_eq!(codes(&answer, "Errors"), ["501"], "{answer}");
}

#[tokio::test]
async fn padron_operations_are_counted_and_take_fault_rules() {
    let env = TestEnv::start().await;
    let auth = ticket(&env, "ws_sr_constancia_inscripcion").await;
    let faults = format!("{}/_sim/faults", env.simulator.base_url());
    let rule = json!({"operation": "getPersona_v2", "action": {"kind": "arca_error", "code": 500}, "remaining": 1});
    post_raw(&faults, &[("Content-Type", "application/json")], rule.to_string()).await;
    let rule = json!({"operation": "a13.dummy", "action": {"kind": "http503"}, "remaining": 1});
    post_raw(&faults, &[("Content-Type", "application/json")], rule.to_string()).await;
    let id = format!("<idPersona>{}</idPersona>", samples::DEMO);
    let (status, answer) = post_a5(&env, padron_request(A5, "getPersona_v2", &auth, CUIT, &id)).await;
    assert_eq!(status, 500);
    assert!(answer.contains("<faultcode>soap:Server</faultcode>"), "{answer}");
    let (status, _) = post_a5(&env, padron_request(A5, "getPersona_v2", &auth, CUIT, &id)).await;
    assert_eq!(status, 200, "the rule fired once");
    let dummy = |namespace: &str| {
        format!(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ser:dummy xmlns:ser="{namespace}"/></soapenv:Body></soapenv:Envelope>"#
        )
    };
    let url = env.simulator.padron_a13_url();
    let (status, _) = post_raw(&url, &[("Content-Type", "text/xml")], dummy(A13)).await;
    assert_eq!(status, 503);
    let (status, _) = post_raw(&url, &[("Content-Type", "text/xml")], dummy(A13)).await;
    assert_eq!(status, 200);
    // An A13 operation sent to A5 is not A5's.
    let (status, answer) = post_a5(&env, dummy(A13)).await;
    assert_eq!(status, 500);
    assert!(answer.contains("<faultcode>soap:Client</faultcode>"), "{answer}");
    let (_, stats) = control(&env, "GET", "/_sim/stats", "").await;
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(stats["calls"]["a13.dummy"], 2, "{stats}");
    assert_eq!(env.simulator.calls("getPersona_v2"), 2);
    assert_eq!(env.simulator.calls("a13.dummy"), 2);
    assert_eq!(env.simulator.calls("dummy"), 0);
}

/// The protocol crate's clients and the simulator were written apart, from the same facts: each
/// reads what the other writes.
#[tokio::test]
async fn the_protocol_clients_read_the_simulators_answers() {
    use arca_protocol::Cuit;
    use arca_protocol::Error;
    use arca_protocol::codes::CondicionIvaReceptor;
    use arca_protocol::padron::{A5Client, A13Client, IvaFinding, PadronAuth, PadronFault, iva_condition};
    use arca_protocol::wscdc::{CbteModo, CmpDatos, WscdcClient};
    use arca_protocol::wsfe::Resultado;

    let env = TestEnv::start().await;
    let cuit = |text: &str| text.parse::<Cuit>().unwrap();
    let wsaa = arca_protocol::wsaa::WsaaClient::new(env.simulator.wsaa_url(), transport());
    let now = chrono::Utc::now();
    let a5_ticket = wsaa
        .login(&env.credentials, "ws_sr_constancia_inscripcion", now)
        .await
        .unwrap();
    let auth = PadronAuth::from_ticket(&a5_ticket, env.credentials.cuit());
    let a5 = A5Client::new(transport(), env.simulator.padron_a5_url());
    assert!(a5.dummy().await.unwrap().all_ok());
    let expected = [
        (samples::DEMO, Some(CondicionIvaReceptor::ResponsableInscripto)),
        (samples::RI_PERSON, Some(CondicionIvaReceptor::ResponsableInscripto)),
        (samples::MONOTRIBUTO, Some(CondicionIvaReceptor::Monotributo)),
        (samples::EXENTO, Some(CondicionIvaReceptor::Exento)),
        (samples::CONSUMIDOR_FINAL, Some(CondicionIvaReceptor::ConsumidorFinal)),
        (samples::ONLY_ERRORS, None),
    ];
    for (id, condition) in expected {
        let persona = a5.get_persona(&auth, cuit(id)).await.unwrap();
        assert_eq!(persona.id(), Some(cuit(id)));
        match (iva_condition(&persona), condition) {
            (IvaFinding::Known { condition: found, .. }, Some(wanted)) => assert_eq!(found, wanted, "{id}"),
            (IvaFinding::Unknown { .. }, None) => {}
            (finding, wanted) => panic!("{id}: {finding:?}, expected {wanted:?}"),
        }
    }
    let v1 = a5.get_persona_v1(&auth, cuit(samples::RI_COMPANY)).await.unwrap();
    assert!(
        v1.datos_generales
            .unwrap()
            .display_name()
            .unwrap()
            .contains("SERVICIOS INTEGRALES")
    );
    match a5.get_persona(&auth, cuit(samples::UNKNOWN)).await {
        Err(Error::Padron { fault, .. }) => assert_eq!(fault, PadronFault::PersonNotFound),
        other => panic!("{other:?}"),
    }
    let list = a5
        .get_persona_list(&auth, &[cuit(samples::DEMO), cuit(samples::UNKNOWN)])
        .await
        .unwrap();
    assert_eq!(list.personas.len(), 2);
    assert!(!list.personas[0].is_not_found());
    assert!(list.personas[1].is_not_found());
    assert_eq!(list.personas[1].id(), Some(cuit(samples::UNKNOWN)));

    let a13_ticket = wsaa.login(&env.credentials, "ws_sr_padron_a13", now).await.unwrap();
    let a13_auth = PadronAuth::from_ticket(&a13_ticket, env.credentials.cuit());
    let a13 = A13Client::new(transport(), env.simulator.padron_a13_url());
    assert!(a13.dummy().await.unwrap().all_ok());
    let ids = a13
        .get_id_persona_list_by_documento(&a13_auth, samples::WITH_DNI_DOCUMENT)
        .await
        .unwrap();
    assert_eq!(ids, [cuit(samples::WITH_DNI)]);
    let person = a13.get_persona(&a13_auth, cuit(samples::WITH_DNI)).await.unwrap();
    assert_eq!(person.numero_documento.as_deref(), Some(samples::WITH_DNI_DOCUMENT));
    assert_eq!(person.display_name().as_deref(), Some("RIVERO TOMAS AGUSTIN"));
    match a13.get_persona(&a13_auth, cuit(samples::INACTIVE)).await {
        Err(Error::Padron { fault, .. }) => assert_eq!(fault, PadronFault::InactiveKey),
        other => panic!("{other:?}"),
    }

    let (client, wsfe_auth) = wsfe_client(&env).await;
    let voucher = super::support::factura_b(1);
    let request = arca_protocol::wsfe::FECAERequest::try_from(
        &arca_protocol::voucher::CaeRequest::new(vec![voucher.clone()]).unwrap(),
    )
    .unwrap();
    let response = client.fe_cae_solicitar(&wsfe_auth, request).await.unwrap();
    let cae = response.fe_det_resp[0].cae.clone().expect("approved");
    let wscdc_ticket = wsaa.login(&env.credentials, "wscdc", now).await.unwrap();
    let wscdc_auth = arca_protocol::wsfe::Auth::from_ticket(&wscdc_ticket, env.credentials.cuit());
    let wscdc = WscdcClient::new(transport(), env.simulator.wscdc_url());
    assert!(wscdc.dummy().await.unwrap().all_ok());
    let mut cmp = CmpDatos {
        cbte_modo: CbteModo::Cae,
        cuit_emisor: env.credentials.cuit(),
        pto_vta: 1,
        cbte_tipo: 6,
        cbte_nro: 1,
        cbte_fch: voucher.cbte_fch.unwrap(),
        imp_total: voucher.imp_total.to_string().parse().unwrap(),
        cod_autorizacion: cae,
        doc_tipo_receptor: Some("99".into()),
        doc_nro_receptor: Some("0".into()),
        opcionales: Vec::new(),
    };
    let checked = wscdc.constatar(&wscdc_auth, &cmp).await.unwrap();
    assert_eq!(checked.resultado, Resultado::A, "{checked:?}");
    assert_eq!(checked.cmp_resp.as_ref(), Some(&cmp));
    cmp.cod_autorizacion = "71234567890123".into();
    let forged = wscdc.constatar(&wscdc_auth, &cmp).await.unwrap();
    assert_eq!(forged.resultado, Resultado::R);
    assert_eq!(forged.observaciones.iter().map(|o| o.code).collect::<Vec<_>>(), [100]);
    assert_eq!(wscdc.modalidades(&wscdc_auth).await.unwrap().len(), 3);
    assert_eq!(wscdc.tipos_comprobante(&wscdc_auth).await.unwrap().len(), 58);
    assert_eq!(wscdc.tipos_documento(&wscdc_auth).await.unwrap().len(), 36);
    assert!(wscdc.tipos_opcionales(&wscdc_auth).await.unwrap().is_empty());
}
