//! End-to-end tests of [`A5Client`] and [`A13Client`] over real HTTP, against a one-shot local
//! server answering recorded or documented bodies: what goes on the wire (path, headers, body)
//! and what the caller gets back.

use std::sync::{Arc, Mutex};

use crate::recorded::{cassettes, fixture};
use crate::secret::Secret;
use crate::test_server::serve_once;
use crate::transport::{CallRecord, HttpTransport, Timeouts};
use crate::{Cuit, Error};

use super::*;

const A5_PATH: &str = "/sr-padron/webservices/personaServiceA5";
const A13_PATH: &str = "/sr-padron/webservices/personaServiceA13";

fn cuit(text: &str) -> Cuit {
    Cuit::parse(text).unwrap()
}

fn auth() -> PadronAuth {
    PadronAuth {
        token: Secret::new("TOKEN"),
        sign: Secret::new("SIGN"),
        cuit_representada: cuit("20267565393"),
    }
}

/// A transport that records the operation name of every call it reports.
fn observed() -> (HttpTransport, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let transport = HttpTransport::new(Timeouts::default(), Vec::new())
        .unwrap()
        .with_observer(Arc::new(move |call: &CallRecord<'_>| {
            sink.lock().unwrap().push(call.operation.to_owned());
        }));
    (transport, seen)
}

/// The recorded answer for 20201797064 (`test_consultar`).
fn recorded_answer() -> String {
    cassettes()
        .into_iter()
        .find(|c| c.file == "test_ws_sr_padron__test_consultar.yaml")
        .unwrap()
        .interactions
        .remove(0)
        .response
}

#[tokio::test]
async fn a5_get_persona_sends_v2_with_an_empty_soap_action() {
    // The server answers whatever it is asked with the recorded `getPersona` answer; the
    // client looks for `getPersona_v2Response`, so rename it as the v2 service names it.
    let answer = recorded_answer().replace("getPersonaResponse", "getPersona_v2Response");
    let (url, server) = serve_once(A5_PATH, "200 OK", &answer).await;
    let (transport, seen) = observed();
    let persona = A5Client::new(transport, url)
        .get_persona(&auth(), cuit("20201797064"))
        .await
        .unwrap();
    assert_eq!(persona.id(), Some(cuit("20201797064")));
    assert_eq!(
        iva_condition(&persona).condition(),
        Some(crate::codes::CondicionIvaReceptor::ResponsableInscripto)
    );

    let request = server.await.unwrap();
    let lower = request.to_ascii_lowercase();
    assert!(request.starts_with(&format!("POST {A5_PATH} HTTP/1.1")), "{request}");
    assert!(lower.contains("\r\nsoapaction: \"\"\r\n"), "{request}");
    assert!(
        lower.contains("\r\ncontent-type: text/xml; charset=utf-8\r\n"),
        "{request}"
    );
    assert!(
        request.contains(concat!(
            "<ser:getPersona_v2><token>TOKEN</token><sign>SIGN</sign><cuitRepresentada>20267565393",
            "</cuitRepresentada><idPersona>20201797064</idPersona></ser:getPersona_v2>"
        )),
        "{request}"
    );
    assert_eq!(*seen.lock().unwrap(), ["getPersona_v2"]);
}

#[tokio::test]
async fn a5_v1_reads_the_recorded_answer_as_is() {
    let (url, server) = serve_once(A5_PATH, "200 OK", &recorded_answer()).await;
    let persona = A5Client::new(HttpTransport::new(Timeouts::default(), Vec::new()).unwrap(), url)
        .get_persona_v1(&auth(), cuit("20201797064"))
        .await
        .unwrap();
    assert_eq!(
        persona.datos_generales.unwrap().display_name().as_deref(),
        Some("VICTORIA CAROLINA DARIO")
    );
    assert!(server.await.unwrap().contains("<ser:getPersona><token>"));
}

#[tokio::test]
async fn a5_fault_is_typed_and_a_5xx_without_fault_is_http() {
    let (url, _server) = serve_once(
        A5_PATH,
        "500 Internal Server Error",
        &fixture("ws_sr_constancia_inscripcion/get_persona-fault.xml"),
    )
    .await;
    let error = A5Client::new(HttpTransport::new(Timeouts::default(), Vec::new()).unwrap(), url)
        .get_persona(&auth(), cuit("20111111112"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Padron {
                fault: PadronFault::PersonNotFound,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.retryable());

    let (url, _server) = serve_once(A5_PATH, "503 Service Unavailable", "<html>down</html>").await;
    let error = A5Client::new(HttpTransport::new(Timeouts::default(), Vec::new()).unwrap(), url)
        .get_persona(&auth(), cuit("20111111112"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Http {
                status: 503,
                fault: None,
                ..
            }
        ) && error.retryable()
    );
}

#[tokio::test]
async fn a5_list_and_dummy() {
    let answer = concat!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#,
        r#"<ns2:getPersonaList_v2Response xmlns:ns2="http://a5.soap.ws.server.puc.sr/"><personaListReturn>"#,
        "<metadata><fechaHora>2026-12-06T10:00:00-03:00</fechaHora><servidor>test</servidor></metadata>",
        "<persona><datosGenerales><idPersona>20201797064</idPersona><tipoPersona>FISICA</tipoPersona>",
        "<estadoClave>ACTIVO</estadoClave></datosGenerales></persona>",
        "<persona><errorConstancia><error>No existe persona con ese Id</error><idPersona>20111111112</idPersona>",
        "</errorConstancia></persona></personaListReturn></ns2:getPersonaList_v2Response></soap:Body></soap:Envelope>"
    );
    let (url, server) = serve_once(A5_PATH, "200 OK", answer).await;
    let (transport, seen) = observed();
    let list = A5Client::new(transport, url)
        .get_persona_list(&auth(), &[cuit("20201797064"), cuit("20111111112")])
        .await
        .unwrap();
    assert_eq!(list.personas.len(), 2);
    assert!(!list.personas[0].is_not_found() && list.personas[1].is_not_found());
    assert_eq!(list.metadata.unwrap().servidor.as_deref(), Some("test"));
    let request = server.await.unwrap();
    assert!(
        request
            .contains("<idPersona>20201797064</idPersona><idPersona>20111111112</idPersona></ser:getPersonaList_v2>"),
        "{request}"
    );
    assert_eq!(*seen.lock().unwrap(), ["getPersonaList_v2"]);

    let (url, server) = serve_once(
        A5_PATH,
        "200 OK",
        &fixture("ws_sr_constancia_inscripcion/dummy-success.xml"),
    )
    .await;
    let status = A5Client::new(HttpTransport::new(Timeouts::default(), Vec::new()).unwrap(), url)
        .dummy()
        .await
        .unwrap();
    assert!(status.all_ok());
    let request = server.await.unwrap();
    assert!(
        request.contains("<ser:dummy></ser:dummy>") && !request.contains("token"),
        "{request}"
    );
}

#[tokio::test]
async fn a13_persona_documento_and_dummy() {
    let persona_answer = concat!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#,
        r#"<ns2:getPersonaResponse xmlns:ns2="http://a13.soap.ws.server.puc.sr/"><personaReturn>"#,
        "<metadata><servidor>test</servidor></metadata><persona><apellido>GOMEZ</apellido>",
        "<domicilio><direccion>CORRIENTES 1</direccion><tipoDomicilio>FISCAL</tipoDomicilio></domicilio>",
        "<idPersona>20401234560</idPersona><nombre>ANA</nombre><numeroDocumento>40123456</numeroDocumento>",
        "<tipoDocumento>DNI</tipoDocumento></persona></personaReturn></ns2:getPersonaResponse></soap:Body></soap:Envelope>"
    );
    let (url, server) = serve_once(A13_PATH, "200 OK", persona_answer).await;
    let (transport, seen) = observed();
    let persona = A13Client::new(transport.clone(), url)
        .get_persona(&auth(), cuit("20401234560"))
        .await
        .unwrap();
    assert_eq!(persona.display_name().as_deref(), Some("GOMEZ ANA"));
    assert_eq!(persona.domicilios[0].direccion.as_deref(), Some("CORRIENTES 1"));
    let request = server.await.unwrap();
    assert!(
        request.contains(r#"xmlns:ser="http://a13.soap.ws.server.puc.sr/""#),
        "{request}"
    );
    assert!(
        request.contains("<idPersona>20401234560</idPersona></ser:getPersona>"),
        "{request}"
    );

    let ids_answer = concat!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#,
        r#"<ns2:getIdPersonaListByDocumentoResponse xmlns:ns2="http://a13.soap.ws.server.puc.sr/">"#,
        "<idPersonaListReturn><idPersona>20401234560</idPersona><metadata><servidor>t</servidor></metadata>",
        "</idPersonaListReturn></ns2:getIdPersonaListByDocumentoResponse></soap:Body></soap:Envelope>"
    );
    let (url, server) = serve_once(A13_PATH, "200 OK", ids_answer).await;
    let ids = A13Client::new(transport.clone(), url)
        .get_id_persona_list_by_documento(&auth(), "40123456")
        .await
        .unwrap();
    assert_eq!(ids, [cuit("20401234560")]);
    assert!(
        server
            .await
            .unwrap()
            .contains("<documento>40123456</documento></ser:getIdPersonaListByDocumento>")
    );

    let dummy = fixture("ws_sr_constancia_inscripcion/dummy-success.xml").replace("a5.soap", "a13.soap");
    let (url, _server) = serve_once(A13_PATH, "200 OK", &dummy).await;
    assert!(A13Client::new(transport, url).dummy().await.unwrap().all_ok());
    assert_eq!(
        *seen.lock().unwrap(),
        ["a13.getPersona", "a13.getIdPersonaListByDocumento", "a13.dummy"]
    );

    let fault = concat!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>"#,
        "<faultcode>soap:Server</faultcode><faultstring>Este token no le permite actuar en representacion de la CUIT ",
        "20111111112</faultstring></soap:Fault></soap:Body></soap:Envelope>"
    );
    let (url, _server) = serve_once(A13_PATH, "500 Internal Server Error", fault).await;
    let error = A13Client::new(HttpTransport::new(Timeouts::default(), Vec::new()).unwrap(), url)
        .get_persona(&auth(), cuit("20401234560"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Padron {
                fault: PadronFault::NotRepresented,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.retryable() && !error.needs_new_ticket());
}
