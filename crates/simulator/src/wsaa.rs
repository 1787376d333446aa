//! The simulated WSAA `loginCms` endpoint (docs/arca.md §A.2, §B).

mod ticket;
mod verify;

use std::sync::Arc;

use axum::extract::{Extension, RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::faults::FaultAction;
use crate::server::{ConnectionControl, serve_wsdl, suffer};
use crate::soap::{Document, SoapVersion, axis_fault};
use crate::state::State;

pub use ticket::verify_token;

/// A refusal, answered as an Axis fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    pub fn new(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
        }
    }
}

/// `POST /ws/services/LoginCms`.
pub async fn login_cms(
    AxumState(state): AxumState<Arc<State>>,
    Extension(connection): Extension<ConnectionControl>,
    headers: HeaderMap,
    body: String,
) -> Response {
    state.count_call("loginCms");
    let decision = state.faults.decide("loginCms");
    if let Some(response) = suffer(&decision, &connection).await {
        return response;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let declared = if content_type.contains("application/soap+xml") {
        SoapVersion::V12
    } else {
        SoapVersion::V11
    };
    let document = match Document::parse(&body) {
        Ok(document) => document,
        Err(message) => {
            return fault(
                declared,
                &Refusal::new(
                    "Server.userException",
                    format!("org.xml.sax.SAXParseException: {message}"),
                ),
            );
        }
    };
    let version = document.soap_version().unwrap_or(declared);
    if matches!(
        decision.action,
        Some(FaultAction::WsaaUnavailable | FaultAction::Maintenance)
    ) {
        return fault(
            version,
            &Refusal::new("wsaa.unavailable", "Servicio WSAA temporalmente fuera de servicio"),
        );
    }
    // Axis routes by SOAPAction and refuses a SOAP 1.1 request without the header, whatever its
    // value (§A.2). SOAP 1.2 carries the action in the content type, optionally.
    if version == SoapVersion::V11 && !headers.contains_key("soapaction") {
        return fault(version, &Refusal::new("Client.NoSOAPAction", "no SOAPAction header!"));
    }
    let Some(operation) = document.operation().filter(|op| op.name == "loginCms") else {
        let name = document.operation().map(|op| op.name.clone()).unwrap_or_default();
        return fault(version, &Refusal::new("Client", format!("No such operation '{name}'")));
    };
    let namespace = operation.namespace.clone();
    let Some(in0) = document.find("loginCms/in0") else {
        return fault(
            version,
            &Refusal::new(
                "Server.userException",
                "java.lang.IllegalArgumentException: in0 no fue informado",
            ),
        );
    };
    let outcome = verify::verify_login(&state, &in0.text).and_then(|login| ticket::issue(&state, &login));
    match outcome {
        Ok(ticket_xml) => success(version, &namespace, &ticket_xml),
        Err(refusal) => fault(version, &refusal),
    }
}

/// `GET /ws/services/LoginCms?wsdl`: ARCA's WSDL, its address pointing here.
pub async fn wsdl(RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let page = "<h1>LoginCms</h1><p>Hi there, this is an AXIS service!</p>";
    let address = r#"location="https://wsaahomo.afip.gov.ar/ws/services/LoginCms""#;
    let ours = |host: &str| format!(r#"location="http://{host}/ws/services/LoginCms""#);
    serve_wsdl(query, &headers, include_str!("../wsdl/wsaa.wsdl"), address, ours, page)
}

fn fault(version: SoapVersion, refusal: &Refusal) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, version.content_type())],
        axis_fault(version, refusal.code, &refusal.message),
    )
        .into_response()
}

/// §B.6: the ticket document escaped inside `loginCmsReturn`; the response element takes the
/// namespace the request's `loginCms` used, as Axis does.
fn success(version: SoapVersion, namespace: &str, ticket_xml: &str) -> Response {
    let body = format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{env}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            r#"<soapenv:Body><loginCmsResponse xmlns="{ns}"><loginCmsReturn>{ticket}</loginCmsReturn></loginCmsResponse></soapenv:Body></soapenv:Envelope>"#
        ),
        env = version.namespace(),
        ns = quick_xml::escape::escape(namespace),
        ticket = quick_xml::escape::escape(ticket_xml)
    );
    ([(header::CONTENT_TYPE, version.content_type())], body).into_response()
}
