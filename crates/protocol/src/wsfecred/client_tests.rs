//! End-to-end tests of [`WsfecredClient`] over real HTTP, against a one-shot local server that
//! answers hand-written bodies (no wsfecred traffic was ever recorded): the `SOAPAction` and the
//! body on the wire, and the caller's result or error for every operation.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Cuit;
use crate::Error;
use crate::secret::Secret;
use crate::test_server::serve_once;
use crate::transport::{HttpTransport, Timeouts};
use crate::wsfe::Auth;
use crate::xml;

use super::*;

const PATH: &str = "/wsfecred/FECredService";

fn client(url: String) -> WsfecredClient {
    WsfecredClient::new(HttpTransport::new(Timeouts::default(), Vec::new()).unwrap(), url)
}

fn auth() -> Auth {
    Auth {
        token: Secret::new("TOKEN<&>"),
        sign: Secret::new("SIGN"),
        cuit: Cuit::parse("30712345671").unwrap(),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// A Java-style answer: `ns2`-prefixed response, unqualified children, no XML declaration.
fn answer(operation: &str, inner: &str) -> String {
    format!(
        concat!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#,
            r#"<ns2:{op}Response xmlns:ns2="http://ar.gob.afip.wsfecred/FECredService/">{inner}</ns2:{op}Response>"#,
            "</soap:Body></soap:Envelope>"
        ),
        op = operation,
        inner = inner
    )
}

fn errores(items: &[(i32, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(code, text)| {
            format!("<codigoDescripcion><codigo>{code}</codigo><descripcion>{text}</descripcion></codigoDescripcion>")
        })
        .collect();
    format!("<arrayErrores>{items}</arrayErrores>")
}

/// The request's body element and the `SOAPAction` header.
fn sent(raw: &str) -> (xml::Element, String) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let action = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("SOAPAction: ")
                .or_else(|| l.strip_prefix("soapaction: "))
        })
        .unwrap()
        .to_owned();
    let envelope = xml::parse(body).unwrap();
    (envelope.path(&["Body"]).unwrap().clone(), action)
}

fn names(element: &xml::Element) -> Vec<&str> {
    element.children.iter().map(|c| c.name.as_str()).collect()
}

#[tokio::test]
async fn dummy() {
    let body = answer(
        "dummy",
        "<dummyReturn><appserver>OK</appserver><authserver>OK</authserver><dbserver>OK</dbserver></dummyReturn>",
    );
    let (url, server) = serve_once(PATH, "200 OK", &body).await;
    let status = client(url).dummy().await.unwrap();
    assert!(status.all_ok());
    let raw = server.await.unwrap();
    let (body, action) = sent(&raw);
    assert_eq!(action, "\"http://ar.gob.afip.wsfecred/FECredService/dummy\"");
    assert!(body.children.is_empty(), "the WSDL's dummy request has no part");
}

#[tokio::test]
async fn monto_obligado_sends_unqualified_children_after_auth() {
    let body = answer(
        "consultarMontoObligadoRecepcion",
        "<consultarMontoObligadoRecepcionReturn><obligado>S</obligado><montoDesde>3958316.00</montoDesde></consultarMontoObligadoRecepcionReturn>",
    );
    let (url, server) = serve_once(PATH, "200 OK", &body).await;
    let monto = client(url)
        .consultar_monto_obligado_recepcion(&auth(), 30_500_010_912, day(2026, 12, 6))
        .await
        .unwrap();
    assert!(monto.obligado);
    assert_eq!(monto.monto_desde, Some(dec("3958316.00")));
    let raw = server.await.unwrap();
    assert!(raw.contains(concat!(
        "<fec:consultarMontoObligadoRecepcionRequest><authRequest><token>TOKEN&lt;&amp;&gt;</token>",
        "<sign>SIGN</sign><cuitRepresentada>30712345671</cuitRepresentada></authRequest>",
        "<cuitConsultada>30500010912</cuitConsultada><fechaEmision>2026-12-06</fechaEmision>",
        "</fec:consultarMontoObligadoRecepcionRequest>"
    )));
    assert!(raw.contains(r#"xmlns:fec="http://ar.gob.afip.wsfecred/FECredService/""#));
    assert!(
        !raw.contains("xmlns=\""),
        "a default namespace would qualify the children"
    );
    let (_, action) = sent(&raw);
    assert_eq!(
        action,
        "\"http://ar.gob.afip.wsfecred/FECredService/consultarMontoObligadoRecepcion\""
    );

    // Not obliged: no amount.
    let body = answer(
        "consultarMontoObligadoRecepcion",
        "<consultarMontoObligadoRecepcionReturn><obligado>N</obligado></consultarMontoObligadoRecepcionReturn>",
    );
    let (url, _server) = serve_once(PATH, "200 OK", &body).await;
    let monto = client(url)
        .consultar_monto_obligado_recepcion(&auth(), 20_267_565_393, day(2026, 12, 6))
        .await
        .unwrap();
    assert_eq!((monto.obligado, monto.monto_desde), (false, None));
}

#[tokio::test]
async fn obligado() {
    let body = answer(
        "consultarObligadoRecepcion",
        "<consultarObligadoRecepcionReturn><respuesta>S</respuesta><desde>2019-01-01</desde></consultarObligadoRecepcionReturn>",
    );
    let (url, server) = serve_once(PATH, "200 OK", &body).await;
    let obligado = client(url)
        .consultar_obligado_recepcion(&auth(), 30_500_010_912)
        .await
        .unwrap();
    assert!(obligado.obligado);
    assert_eq!(obligado.desde, Some(day(2019, 1, 1)));
    let (body, _) = sent(&server.await.unwrap());
    let request = body.child("consultarObligadoRecepcionRequest").unwrap();
    assert_eq!(names(request), ["authRequest", "cuitConsultada"]);
}

/// What an error must be.
type Check = fn(&Error) -> bool;

#[tokio::test]
async fn errors_of_the_queries_are_classified() {
    let cases: [(&[(i32, &str)], Check); 10] = [
        // The text decides: the simulator's codes with a business text are ARCA's refusal,
        // neither a ticket problem nor retryable.
        (&[(600, "El comprobante ya fue aceptado")], |e| {
            matches!(e, Error::Rejected { .. }) && !e.needs_new_ticket() && !e.retryable()
        }),
        (&[(601, "El saldo aceptado no coincide")], |e| {
            matches!(e, Error::Rejected { .. }) && !e.arca_errors().iter().any(is_not_represented)
        }),
        (&[(501, "La fecha desde es posterior a la fecha hasta")], |e| {
            matches!(e, Error::Rejected { .. }) && !e.retryable()
        }),
        // Without a text, the code.
        (&[(601, "")], |e| e.arca_errors().iter().any(is_not_represented)),
        (&[(600, "ValidacionDeToken: token expirado")], |e| {
            matches!(e, Error::TokenRejected { .. }) && e.needs_new_ticket() && !e.retryable()
        }),
        // A token refusal recognised by its text alone.
        (&[(1001, "El token no es valido")], |e| {
            matches!(e, Error::TokenRejected { .. }) && e.needs_new_ticket()
        }),
        (&[(601, "CUIT representada no incluida en el token")], |e| {
            matches!(e, Error::Rejected { .. })
                && !e.needs_new_ticket()
                && !e.retryable()
                && e.arca_errors().iter().any(is_not_represented)
        }),
        (&[(502, "Error interno de base de datos")], |e| {
            matches!(e, Error::ArcaInternal { .. }) && e.retryable()
        }),
        // A business refusal that mentions the represented CUIT is not a missing relation.
        (
            &[(2002, "El comprobante no fue emitido a la CUIT representada 30712345671")],
            |e| matches!(e, Error::Rejected { .. }) && !e.arca_errors().iter().any(is_not_represented),
        ),
        (&[(1303, "La CUIT consultada no es valida")], |e| {
            matches!(e, Error::Rejected { .. })
                && e.arca_errors()[0].code == 1303
                && !e.arca_errors().iter().any(is_not_represented)
        }),
    ];
    for (errors, expected) in cases {
        let body = answer(
            "consultarMontoObligadoRecepcion",
            &format!(
                "<consultarMontoObligadoRecepcionReturn>{}</consultarMontoObligadoRecepcionReturn>",
                errores(errors)
            ),
        );
        let (url, _server) = serve_once(PATH, "200 OK", &body).await;
        let error = client(url)
            .consultar_monto_obligado_recepcion(&auth(), 30_500_010_912, day(2026, 12, 6))
            .await
            .unwrap_err();
        assert!(expected(&error), "{errors:?}: {error:?}");
    }

    // Format errors (string codes) are errors too.
    let body = answer(
        "consultarComprobantes",
        concat!(
            "<consultarCmpReturn><arrayErroresFormato><codigoDescripcionString><codigo>nroPagina</codigo>",
            "<descripcion>no es un short</descripcion></codigoDescripcionString></arrayErroresFormato></consultarCmpReturn>"
        ),
    );
    let (url, _server) = serve_once(PATH, "200 OK", &body).await;
    let error = client(url)
        .consultar_comprobantes(&auth(), &ComprobantesQuery::new(Rol::Receptor))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Rejected { .. }), "{error:?}");
    assert!(error.arca_errors()[0].msg.contains("nroPagina"));
}

#[tokio::test]
async fn faults_and_statuses() {
    let fault = |code: &str, text: &str| {
        format!(
            concat!(
                r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>"#,
                "<faultcode>{}</faultcode><faultstring>{}</faultstring></soap:Fault></soap:Body></soap:Envelope>"
            ),
            code, text
        )
    };
    let (url, _server) = serve_once(
        PATH,
        "500 Internal Server Error",
        &fault("soap:Server", "java.lang.NullPointerException"),
    )
    .await;
    let error = client(url).dummy().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Http {
                status: 500,
                fault: Some(_),
                ..
            }
        ) && error.retryable(),
        "{error:?}"
    );

    let (url, _server) = serve_once(
        PATH,
        "500 Internal Server Error",
        &fault("soap:Client", "Unmarshalling Error: unexpected element"),
    )
    .await;
    let error = client(url)
        .consultar_obligado_recepcion(&auth(), 30_500_010_912)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Http { .. }) && !error.retryable() && !error.is_outcome_unknown());

    let (url, _server) = serve_once(
        PATH,
        "500 Internal Server Error",
        &fault("soap:Server", "Token expirado"),
    )
    .await;
    let error = client(url)
        .consultar_obligado_recepcion(&auth(), 30_500_010_912)
        .await
        .unwrap_err();
    assert!(error.needs_new_ticket(), "{error:?}");

    let (url, _server) = serve_once(PATH, "502 Bad Gateway", "<html>Bad Gateway</html>").await;
    let error = client(url).dummy().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Http {
                status: 502,
                fault: None,
                ..
            }
        ) && error.retryable()
    );

    let (url, _server) = serve_once(PATH, "200 OK", "<html>").await;
    assert!(matches!(client(url).dummy().await, Err(Error::Malformed(_))));
}

const COMPROBANTE: &str = concat!(
    "<comprobante><cuitEmisor>20267565393</cuitEmisor><razonSocialEmi>PyME SRL</razonSocialEmi>",
    "<codTipoCmp>201</codTipoCmp><ptovta>2</ptovta><nroCmp>15</nroCmp><cuitReceptor>30712345671</cuitReceptor>",
    "<razonSocialRecep>GRANDE SA</razonSocialRecep><tipoCodAuto>E</tipoCodAuto><codAutorizacion>76123456789012</codAutorizacion>",
    "<fechaEmision>2026-12-01</fechaEmision><fechaPuestaDispo>2026-12-01-03:00</fechaPuestaDispo>",
    "<fechaVenPago>2026-12-31</fechaVenPago><fechaVenAcep>2027-01-01</fechaVenAcep>",
    "<importeTotal>4000000.01</importeTotal><codMoneda>PES</codMoneda><cotizacionMoneda>1</cotizacionMoneda>",
    "<CBUEmisor>0170099220000067797370</CBUEmisor><esAnulacion>N</esAnulacion><codCtaCte>1234</codCtaCte>",
    "<estado><estado>PendienteRecepcion</estado><fechaHoraEstado>2026-12-01T10:11:12.000-03:00</fechaHoraEstado></estado>",
    "<opcionTransferencia>SCA</opcionTransferencia></comprobante>"
);

#[tokio::test]
async fn comprobantes_pages_and_filters() {
    let note = COMPROBANTE
        .replace("<codTipoCmp>201</codTipoCmp>", "<codTipoCmp>203</codTipoCmp>")
        .replace("<esAnulacion>N</esAnulacion>", "<esAnulacion>S</esAnulacion>")
        .replace(
            "<codCtaCte>1234</codCtaCte>",
            "<idComprobanteAsociado><CUITEmisor>20267565393</CUITEmisor><codTipoCmp>201</codTipoCmp><ptoVta>2</ptoVta><nroCmp>15</nroCmp></idComprobanteAsociado><codCtaCte>1234</codCtaCte>",
        )
        .replace("PendienteRecepcion", "Aceptado")
        .replace("<opcionTransferencia>", "<tipoAcep>Expresa</tipoAcep><fechaHoraAcep>2026-12-02T09:00:00</fechaHoraAcep><opcionTransferencia>");
    let body = answer(
        "consultarComprobantes",
        &format!(
            "<consultarCmpReturn><arrayComprobantes>{COMPROBANTE}{note}</arrayComprobantes><nroPagina>2</nroPagina><hayMas>S</hayMas></consultarCmpReturn>"
        ),
    );
    let (url, server) = serve_once(PATH, "200 OK", &body).await;
    let query = ComprobantesQuery {
        rol: Rol::Receptor,
        cuit_contraparte: Some(20_267_565_393),
        cod_tipo_cmp: Some(201),
        estado: Some(EstadoCmp::PendienteRecepcion),
        fecha_desde: Some(day(2026, 11, 1)),
        fecha_hasta: Some(day(2026, 12, 6)),
        nro_pagina: 2,
    };
    let page = client(url).consultar_comprobantes(&auth(), &query).await.unwrap();
    assert_eq!((page.nro_pagina, page.hay_mas, page.comprobantes.len()), (2, true, 2));
    let first = &page.comprobantes[0];
    assert_eq!(
        first.id,
        IdFactura {
            cuit_emisor: 20_267_565_393,
            cod_tipo_cmp: 201,
            pto_vta: 2,
            nro_cmp: 15
        }
    );
    assert_eq!(first.razon_social_emisor, "PyME SRL");
    assert_eq!(first.cuit_receptor, 30_712_345_671);
    assert_eq!(
        (first.tipo_cod_auto.as_str(), first.cod_autorizacion.as_str()),
        ("E", "76123456789012")
    );
    assert_eq!(first.fecha_emision, day(2026, 12, 1));
    assert_eq!(first.fecha_puesta_dispo, Some(day(2026, 12, 1)));
    assert_eq!(first.fecha_vencimiento_pago, Some(day(2026, 12, 31)));
    assert_eq!(first.fecha_vencimiento_aceptacion, Some(day(2027, 1, 1)));
    assert_eq!(first.importe_total, dec("4000000.01"));
    assert_eq!((first.cod_moneda.as_str(), first.cotizacion), ("PES", Decimal::ONE));
    assert_eq!(first.cbu_emisor.as_deref(), Some("0170099220000067797370"));
    assert!(!first.es_anulacion);
    assert_eq!(first.cod_cta_cte, Some(1234));
    assert_eq!(first.estado, Some(EstadoCmp::PendienteRecepcion));
    assert!(first.fecha_hora_estado.is_some());
    assert_eq!(first.tipo_aceptacion, None);
    assert_eq!(first.opcion_transferencia.as_deref(), Some("SCA"));
    let second = &page.comprobantes[1];
    assert!(second.es_anulacion);
    assert_eq!(second.estado, Some(EstadoCmp::Aceptado));
    assert_eq!(second.tipo_aceptacion.as_deref(), Some("Expresa"));
    assert_eq!(second.comprobante_asociado, Some(first.id));

    let (body, action) = sent(&server.await.unwrap());
    assert_eq!(
        action,
        "\"http://ar.gob.afip.wsfecred/FECredService/consultarComprobantes\""
    );
    let request = body.child("consultarComprobantesRequest").unwrap();
    assert_eq!(
        names(request),
        [
            "authRequest",
            "rolCUITRepresentada",
            "CUITContraparte",
            "codTipoCmp",
            "estadoCmp",
            "fecha",
            "nroPagina"
        ]
    );
    assert_eq!(request.child_text("rolCUITRepresentada"), Some("Receptor"));
    assert_eq!(request.child_text("estadoCmp"), Some("PendienteRecepcion"));
    let fecha = request.child("fecha").unwrap();
    assert_eq!(
        (
            fecha.child_text("tipo"),
            fecha.child_text("desde"),
            fecha.child_text("hasta")
        ),
        (Some("Emision"), Some("2026-11-01"), Some("2026-12-06"))
    );

    // The last page: no `hayMas`, no array.
    let body = answer(
        "consultarComprobantes",
        "<consultarCmpReturn><nroPagina>1</nroPagina><hayMas>N</hayMas></consultarCmpReturn>",
    );
    let (url, server) = serve_once(PATH, "200 OK", &body).await;
    let page = client(url)
        .consultar_comprobantes(&auth(), &ComprobantesQuery::new(Rol::Emisor))
        .await
        .unwrap();
    assert!(page.comprobantes.is_empty() && !page.hay_mas);
    let (body, _) = sent(&server.await.unwrap());
    let request = body.child("consultarComprobantesRequest").unwrap();
    assert_eq!(names(request), ["authRequest", "rolCUITRepresentada", "nroPagina"]);
}

#[tokio::test]
async fn comprobantes_queries_arca_cannot_hold_are_not_sent() {
    // An unroutable URL: reaching the network would be NotSent, not InvalidRequest.
    let client = client("http://127.0.0.1:9/none".into());
    let only_one_date = ComprobantesQuery {
        fecha_desde: Some(day(2026, 1, 1)),
        ..ComprobantesQuery::new(Rol::Receptor)
    };
    let reversed = ComprobantesQuery {
        fecha_desde: Some(day(2026, 2, 1)),
        fecha_hasta: Some(day(2026, 1, 1)),
        ..ComprobantesQuery::new(Rol::Receptor)
    };
    let page_zero = ComprobantesQuery {
        nro_pagina: 0,
        ..ComprobantesQuery::new(Rol::Receptor)
    };
    let page_too_far = ComprobantesQuery {
        nro_pagina: 40_000,
        ..ComprobantesQuery::new(Rol::Receptor)
    };
    let bad_cuit = ComprobantesQuery {
        cuit_contraparte: Some(123),
        ..ComprobantesQuery::new(Rol::Receptor)
    };
    for query in [only_one_date, reversed, page_zero, page_too_far, bad_cuit] {
        let error = client.consultar_comprobantes(&auth(), &query).await.unwrap_err();
        assert!(
            matches!(error, Error::InvalidRequest(_)) && error.is_not_sent(),
            "{query:?}: {error:?}"
        );
    }
}

fn factura() -> IdFactura {
    IdFactura {
        cuit_emisor: 20_267_565_393,
        cod_tipo_cmp: 201,
        pto_vta: 2,
        nro_cmp: 15,
    }
}

fn operacion(resultado: &str, extra: &str) -> String {
    format!(
        "<operacionFECredReturn><resultado>{resultado}</resultado><idCtaCte><codCtaCte>1234</codCtaCte></idCtaCte>{extra}</operacionFECredReturn>"
    )
}

#[tokio::test]
async fn aceptar_sends_the_exact_balance() {
    let body = answer(
        "aceptarFECred",
        &operacion(
            "A",
            "<evento><codigo>1</codigo><descripcion>Aceptada</descripcion></evento>",
        ),
    );
    let (url, server) = serve_once(PATH, "200 OK", &body).await;
    let aceptacion = Aceptacion {
        factura: factura(),
        saldo_aceptado: dec("4000000.10"),
        cod_moneda: "PES".into(),
        cotizacion_moneda_ult: dec("1.000000"),
    };
    let verdict = client(url).aceptar(&auth(), &aceptacion).await.unwrap();
    assert_eq!(verdict.resultado, ResultadoOperacion::Aceptado);
    assert_eq!(verdict.cod_cta_cte, Some(1234));
    assert_eq!(verdict.evento.as_ref().map(|e| e.codigo), Some(1));
    assert!(verdict.errores.is_empty());

    let (body, action) = sent(&server.await.unwrap());
    assert_eq!(action, "\"http://ar.gob.afip.wsfecred/FECredService/aceptarFECred\"");
    let request = body.child("aceptarFECredRequest").unwrap();
    assert_eq!(
        names(request),
        [
            "authRequest",
            "idCtaCte",
            "saldoAceptado",
            "codMoneda",
            "cotizacionMonedaUlt"
        ]
    );
    let id = request.path(&["idCtaCte", "idFactura"]).unwrap();
    assert_eq!(names(id), ["CUITEmisor", "codTipoCmp", "ptoVta", "nroCmp"]);
    assert_eq!(request.child_text("saldoAceptado"), Some("4000000.1"));
    assert_eq!(request.child_text("cotizacionMonedaUlt"), Some("1"));
}

#[tokio::test]
async fn aceptar_verdicts() {
    // ARCA's refusal is a verdict, not an error.
    let body = answer(
        "aceptarFECred",
        &operacion("R", &errores(&[(1701, "El comprobante ya fue aceptado")])),
    );
    let (url, _server) = serve_once(PATH, "200 OK", &body).await;
    let aceptacion = Aceptacion {
        factura: factura(),
        saldo_aceptado: dec("10"),
        cod_moneda: "PES".into(),
        cotizacion_moneda_ult: Decimal::ONE,
    };
    let refused = client(url).aceptar(&auth(), &aceptacion).await.unwrap();
    assert_eq!(refused.resultado, ResultadoOperacion::Rechazado);
    assert_eq!(
        refused.errores,
        [CodigoDescripcion {
            codigo: 1701,
            descripcion: "El comprobante ya fue aceptado".into()
        }]
    );

    // With observations.
    let observed = operacion(
        "O",
        "<arrayObservaciones><codigoDescripcion><codigo>7</codigo><descripcion>obs</descripcion></codigoDescripcion></arrayObservaciones>",
    );
    let (url, _server) = serve_once(PATH, "200 OK", &answer("aceptarFECred", &observed)).await;
    let operacion_o = client(url).aceptar(&auth(), &aceptacion).await.unwrap();
    assert_eq!(operacion_o.resultado, ResultadoOperacion::ConObservaciones);
    assert_eq!(operacion_o.observaciones[0].codigo, 7);

    // A token refusal beside `resultado R` is still an error asking for a new ticket.
    let body = answer("aceptarFECred", &operacion("R", &errores(&[(600, "token vencido")])));
    let (url, _server) = serve_once(PATH, "200 OK", &body).await;
    let error = client(url).aceptar(&auth(), &aceptacion).await.unwrap_err();
    assert!(error.needs_new_ticket(), "{error:?}");

    // No `resultado` at all.
    let body = answer("aceptarFECred", "<operacionFECredReturn/>");
    let (url, _server) = serve_once(PATH, "200 OK", &body).await;
    assert!(matches!(
        client(url).aceptar(&auth(), &aceptacion).await,
        Err(Error::Malformed(_))
    ));
}

#[tokio::test]
async fn aceptar_never_rounds_or_sends_what_arca_cannot_hold() {
    let client = client("http://127.0.0.1:9/none".into());
    let base = Aceptacion {
        factura: factura(),
        saldo_aceptado: dec("10.00"),
        cod_moneda: "PES".into(),
        cotizacion_moneda_ult: Decimal::ONE,
    };
    let cases = [
        Aceptacion {
            saldo_aceptado: dec("10.005"),
            ..base.clone()
        },
        Aceptacion {
            saldo_aceptado: dec("10000000000000"),
            ..base.clone()
        },
        Aceptacion {
            cod_moneda: String::new(),
            ..base.clone()
        },
        Aceptacion {
            cotizacion_moneda_ult: Decimal::ZERO,
            ..base.clone()
        },
        Aceptacion {
            factura: IdFactura {
                pto_vta: 0,
                ..factura()
            },
            ..base.clone()
        },
        Aceptacion {
            factura: IdFactura {
                nro_cmp: 100_000_000,
                ..factura()
            },
            ..base.clone()
        },
    ];
    for aceptacion in cases {
        let error = client.aceptar(&auth(), &aceptacion).await.unwrap_err();
        assert!(matches!(error, Error::InvalidRequest(_)), "{aceptacion:?}: {error:?}");
    }
    assert_eq!(wire::importe("x", dec("9999999999999.99")).unwrap(), "9999999999999.99");
    assert_eq!(wire::importe("x", dec("-0.50")).unwrap(), "-0.5");
}

#[tokio::test]
async fn rechazar_sends_its_motivos() {
    let body = answer("rechazarFECred", &operacion("A", ""));
    let (url, server) = serve_once(PATH, "200 OK", &body).await;
    let rechazo = Rechazo {
        factura: factura(),
        motivos: vec![
            MotivoRechazo {
                cod_motivo: 1,
                desc_motivo: "Mercadería no recibida".into(),
                justificacion: "No llegó <nada> & nunca".into(),
            },
            MotivoRechazo {
                cod_motivo: 3,
                desc_motivo: "Precio".into(),
                justificacion: "No es el pactado".into(),
            },
        ],
    };
    let verdict = client(url).rechazar(&auth(), &rechazo).await.unwrap();
    assert_eq!(verdict.resultado, ResultadoOperacion::Aceptado);
    let (body, action) = sent(&server.await.unwrap());
    assert_eq!(action, "\"http://ar.gob.afip.wsfecred/FECredService/rechazarFECred\"");
    let request = body.child("rechazarFECredRequest").unwrap();
    assert_eq!(names(request), ["authRequest", "idCtaCte", "arrayMotivosRechazo"]);
    let motivos: Vec<_> = request
        .child("arrayMotivosRechazo")
        .unwrap()
        .children_named("motivoRechazo")
        .collect();
    assert_eq!(motivos.len(), 2);
    assert_eq!(names(motivos[0]), ["codMotivo", "descMotivo", "justificacion"]);
    assert_eq!(motivos[0].child_text("justificacion"), Some("No llegó <nada> & nunca"));

    // A rejection ARCA refuses is a verdict.
    let body = answer(
        "rechazarFECred",
        &operacion("R", &errores(&[(1702, "El comprobante ya fue rechazado")])),
    );
    let (url, _server) = serve_once(PATH, "200 OK", &body).await;
    let refused = super::WsfecredClient::new(HttpTransport::new(Timeouts::default(), Vec::new()).unwrap(), url)
        .rechazar(&auth(), &rechazo)
        .await
        .unwrap();
    assert_eq!(refused.resultado, ResultadoOperacion::Rechazado);
    assert_eq!(refused.errores[0].codigo, 1702);
}

#[tokio::test]
async fn rechazar_checks_before_sending() {
    let client = client("http://127.0.0.1:9/none".into());
    let motivo = MotivoRechazo {
        cod_motivo: 1,
        desc_motivo: "Precio".into(),
        justificacion: "No es el pactado".into(),
    };
    let cases = [
        Vec::new(),
        vec![motivo.clone(); MAX_MOTIVOS + 1],
        vec![MotivoRechazo {
            desc_motivo: "ab".into(),
            ..motivo.clone()
        }],
        vec![MotivoRechazo {
            justificacion: "x".repeat(251),
            ..motivo.clone()
        }],
    ];
    for motivos in cases {
        let rechazo = Rechazo {
            factura: factura(),
            motivos,
        };
        let error = client.rechazar(&auth(), &rechazo).await.unwrap_err();
        assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    }
    // 250 characters (not bytes) pass the check: it reaches the network.
    let rechazo = Rechazo {
        factura: factura(),
        motivos: vec![MotivoRechazo {
            justificacion: "ñ".repeat(250),
            ..motivo
        }],
    };
    let error = client.rechazar(&auth(), &rechazo).await.unwrap_err();
    assert!(!matches!(error, Error::InvalidRequest(_)), "{error:?}");
}
