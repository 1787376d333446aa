//! End-to-end tests of [`WscdcClient`] over real HTTP, against a one-shot local server that
//! answers recorded bodies: the `SOAPAction` and body on the wire, and the caller's result.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Cuit;
use crate::Error;
use crate::recorded::cassettes;
use crate::secret::Secret;
use crate::test_server::serve_once;
use crate::transport::{HttpTransport, Timeouts};
use crate::wsfe::{Auth, Resultado};

use super::*;

const PATH: &str = "/WSCDC/service.asmx";

fn client(url: String) -> WscdcClient {
    WscdcClient::new(HttpTransport::new(Timeouts::default(), Vec::new()).unwrap(), url)
}

fn auth() -> Auth {
    Auth {
        token: Secret::new("TOKEN"),
        sign: Secret::new("SIGN"),
        cuit: Cuit::parse("20267565393").unwrap(),
    }
}

/// The recorded answer of the first interaction of `file`.
fn recorded(file: &str) -> String {
    cassettes()
        .into_iter()
        .find(|c| c.file == file)
        .unwrap()
        .interactions
        .into_iter()
        .find(|i| i.method == "POST")
        .unwrap()
        .response
}

#[tokio::test]
async fn constatar_sends_the_quoted_action_and_reads_the_verdict() {
    let (url, server) = serve_once(PATH, "200 OK", &recorded("test_wscdc__test_main_prueba.yaml")).await;
    let cmp = CmpDatos {
        cbte_modo: CbteModo::Cae,
        cuit_emisor: Cuit::parse("20267565393").unwrap(),
        pto_vta: 3,
        cbte_tipo: 6,
        cbte_nro: 1,
        cbte_fch: NaiveDate::from_ymd_opt(2013, 12, 31).unwrap(),
        imp_total: Decimal::new(121, 2),
        cod_autorizacion: "63533727749637".into(),
        doc_tipo_receptor: Some("99".into()),
        doc_nro_receptor: Some("0".into()),
        opcionales: Vec::new(),
    };
    let result = client(url).constatar(&auth(), &cmp).await.unwrap();
    assert_eq!(result.resultado, Resultado::R);
    assert_eq!(result.observaciones[0].code, 100);
    assert_eq!(result.cmp_resp.as_ref(), Some(&cmp));

    let request = server.await.unwrap();
    let lower = request.to_ascii_lowercase();
    assert!(request.starts_with(&format!("POST {PATH} HTTP/1.1")), "{request}");
    assert!(
        lower.contains("\r\nsoapaction: \"http://servicios1.afip.gob.ar/wscdc/comprobanteconstatar\"\r\n"),
        "{request}"
    );
    assert!(
        request.contains("<cdc:ImpTotal>1.21</cdc:ImpTotal><cdc:CodAutorizacion>63533727749637</cdc:CodAutorizacion>"),
        "{request}"
    );
}

#[tokio::test]
async fn look_ups_and_dummy() {
    let (url, server) = serve_once(
        PATH,
        "200 OK",
        &recorded("test_wscdc__test_consultar_tipo_comprobantes.yaml"),
    )
    .await;
    assert_eq!(client(url).tipos_comprobante(&auth()).await.unwrap().len(), 58);
    assert!(
        server
            .await
            .unwrap()
            .contains("<cdc:ComprobantesTipoConsultar><cdc:Auth><cdc:Token>TOKEN</cdc:Token>")
    );

    let (url, _server) = serve_once(
        PATH,
        "200 OK",
        &recorded("test_wscdc__test_consultar_tipo_documentos.yaml"),
    )
    .await;
    assert_eq!(client(url).tipos_documento(&auth()).await.unwrap().len(), 36);

    let (url, _server) = serve_once(
        PATH,
        "200 OK",
        &recorded("test_wscdc__test_consultar_modalidad_comprobantes.yaml"),
    )
    .await;
    assert_eq!(client(url).modalidades(&auth()).await.unwrap().len(), 3);

    let (url, _server) = serve_once(
        PATH,
        "200 OK",
        &recorded("test_wscdc__test_consultar_tipo_opcionales.yaml"),
    )
    .await;
    assert!(client(url).tipos_opcionales(&auth()).await.unwrap().is_empty());

    let (url, server) = serve_once(PATH, "200 OK", &recorded("test_wscdc__test_main.yaml")).await;
    assert!(client(url).dummy().await.unwrap().all_ok());
    let request = server.await.unwrap();
    assert!(
        request
            .to_ascii_lowercase()
            .contains("soapaction: \"http://servicios1.afip.gob.ar/wscdc/comprobantedummy\""),
        "{request}"
    );
    assert!(!request.contains("Auth"), "{request}");
}

#[tokio::test]
async fn token_errors_ask_for_a_new_ticket() {
    let answer = concat!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">"#,
        r#"<soap:Body><ComprobantesTipoConsultarResponse xmlns="http://servicios1.afip.gob.ar/wscdc/">"#,
        "<ComprobantesTipoConsultarResult><Errors><Err><Code>600</Code><Msg>ValidacionDeToken: Error al verificar hash",
        "</Msg></Err></Errors></ComprobantesTipoConsultarResult></ComprobantesTipoConsultarResponse></soap:Body></soap:Envelope>"
    );
    let (url, _server) = serve_once(PATH, "200 OK", answer).await;
    let error = client(url).tipos_comprobante(&auth()).await.unwrap_err();
    assert!(
        matches!(error, Error::TokenRejected { .. }) && error.needs_new_ticket(),
        "{error:?}"
    );
}
