//! The simulated WSFEv1 (`/wsfev1/service.asmx`), docs/arca.md §A.3, §C–§H.
//!
//! Requests are routed by the body's operation element (or, for an empty body, by the SOAP
//! action), faults are applied, the `Auth` token is checked against the tickets this
//! simulator's WSAA signed, and the operation runs against [`store::WsfeState`].

mod auth;
mod batch;
mod cae;
mod caea;
pub mod envelope;
pub mod params;
pub mod registry;
pub mod request;
pub mod rules;
pub mod store;

use std::sync::Arc;

use axum::extract::{Extension, RawQuery, State as AxumState};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use crate::faults::FaultAction;
use crate::server::{ConnectionControl, serve_wsdl, suffer};
use crate::soap::Document;
use crate::state::State;
use envelope::{AsmxRequest, Xml, asmx_fault, respond};
use request::ParseError;

/// The 22 operations of the WSDL.
pub const OPERATIONS: [&str; 22] = [
    "FECAESolicitar",
    "FECompTotXRequest",
    "FEDummy",
    "FECompUltimoAutorizado",
    "FECompConsultar",
    "FECAEARegInformativo",
    "FECAEASolicitar",
    "FECAEASinMovimientoConsultar",
    "FECAEASinMovimientoInformar",
    "FECAEAConsultar",
    "FEParamGetCotizacion",
    "FEParamGetTiposTributos",
    "FEParamGetTiposMonedas",
    "FEParamGetTiposIva",
    "FEParamGetTiposOpcional",
    "FEParamGetTiposConcepto",
    "FEParamGetPtosVenta",
    "FEParamGetTiposCbte",
    "FEParamGetCondicionIvaReceptor",
    "FEParamGetTiposDoc",
    "FEParamGetTiposPaises",
    "FEParamGetActividades",
];

/// `POST /wsfev1/service.asmx`.
pub async fn service(
    AxumState(state): AxumState<Arc<State>>,
    Extension(connection): Extension<ConnectionControl>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let AsmxRequest {
        document,
        version,
        operation_index,
        action,
    } = match AsmxRequest::read(&headers, &body) {
        Ok(request) => request,
        Err(status) => return status.into_response(),
    };
    let operation = match operation_index {
        Some(index) => document.nodes[index].name.clone(),
        None => action.rsplit('/').next().unwrap_or_default().to_string(),
    };
    if !OPERATIONS.contains(&operation.as_str()) {
        let message = format!("Server did not recognize the value of HTTP Header SOAPAction: {action}.");
        return asmx_fault(version, &message);
    }
    state.count_call(&operation);
    let decision = state.faults.decide(&operation);
    if let Some(response) = suffer(&decision, &connection).await {
        return response;
    }
    if state.outage.blocks(&operation) {
        // A failing ARCA front: nothing is processed.
        return outage_page();
    }
    let now = state.clock.now();
    match decision.action {
        Some(FaultAction::ArcaError { code }) => {
            let mut xml = Xml::new();
            xml.errors(&[(code, internal_error_message(code, &operation))]);
            return respond(version, &operation, &xml.into_string(), now);
        }
        Some(FaultAction::Maintenance | FaultAction::WsaaUnavailable) => {
            return envelope::unavailable_page();
        }
        _ => {}
    }
    let result = handle(&state, &document, operation_index, &operation, now);
    let response = match result {
        Ok(xml) => respond(version, &operation, &xml, now),
        Err(ParseError(message)) => asmx_fault(version, &message),
    };
    if decision.action == Some(FaultAction::CommitThenDrop) {
        // The voucher is stored and its CAE granted; the answer is lost on the way.
        connection.cut(false);
        std::future::pending::<()>().await;
    }
    response
}

/// What a WSFEv1 operation taken down by `/_sim/outage` answers: HTTP 503 with an HTML page.
fn outage_page() -> Response {
    let page = "<html><body><h1>503 Service Unavailable</h1></body></html>";
    (
        http::StatusCode::SERVICE_UNAVAILABLE,
        [(http::header::CONTENT_TYPE, "text/html")],
        page,
    )
        .into_response()
}

/// `GET /wsfev1/service.asmx?WSDL`: ARCA's WSDL with both addresses pointing here.
pub async fn wsdl(RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let page = "<html><body>Service</body></html>";
    let address = "https://wswhomo.afip.gov.ar/wsfev1/service.asmx";
    let ours = |host: &str| format!("http://{host}/wsfev1/service.asmx");
    serve_wsdl(query, &headers, include_str!("../wsdl/wsfe.wsdl"), address, ours, page)
}

/// The action from `SOAPAction` (1.1) or the `action` parameter of the content type (1.2).
pub(crate) fn soap_action(headers: &HeaderMap, content_type: &str) -> String {
    let header_action = headers
        .get("soapaction")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_matches('"').to_string());
    let content_type_action = content_type
        .split(';')
        .filter_map(|part| part.trim().strip_prefix("action="))
        .map(|value| value.trim_matches('"').to_string())
        .next();
    header_action
        .filter(|a| !a.is_empty())
        .or(content_type_action)
        .unwrap_or_default()
}

fn internal_error_message(code: u32, operation: &str) -> String {
    match code {
        500 => "Error interno de aplicación".to_string(),
        501 => format!("Error interno de base de datos - {operation}"),
        502 => "Error interno de base de datos - Autorizador CAE / Régimen CAEA – Transacción Activa".to_string(),
        other => format!("Error {other}"),
    }
}

/// Runs one operation; the result is the inner XML of `{operation}Result`.
fn handle(
    state: &State,
    document: &Document,
    index: Option<usize>,
    operation: &str,
    now: DateTime<Utc>,
) -> Result<String, ParseError> {
    if operation == "FEDummy" {
        // While the CAE front is down (`/_sim/outage`) the application server is not OK; the
        // database and authentication servers still are.
        let app_server = if state.outage.state().cae { "NO" } else { "OK" };
        let mut xml = Xml::new();
        xml.text("AppServer", app_server)
            .text("DbServer", "OK")
            .text("AuthServer", "OK");
        return Ok(xml.into_string());
    }
    let Some(index) = index else {
        return Ok(auth::refusal(operation, 500, auth::MISSING_AUTH));
    };
    let cuit = match auth::authenticate(state, document, index, now) {
        Ok(cuit) => cuit,
        Err((code, message)) => return Ok(auth::refusal(operation, code, &message)),
    };
    let fields = request::Fields::of(document, index);
    match operation {
        "FECompUltimoAutorizado" => cae::last_authorized(state, &fields, cuit),
        "FECompTotXRequest" => Ok(cae::records_per_request(state)),
        "FECAESolicitar" => cae::request_cae(state, document, &fields, cuit, now),
        "FECompConsultar" => cae::consult(state, &fields, cuit),
        "FECAEASolicitar" => caea::request(state, &fields, cuit, now),
        "FECAEAConsultar" => caea::consult(state, &fields, cuit),
        "FECAEARegInformativo" => caea::report(state, document, &fields, cuit, now),
        "FECAEASinMovimientoInformar" => caea::inform_no_movement(state, &fields, cuit, now),
        "FECAEASinMovimientoConsultar" => caea::consult_no_movement(state, &fields, cuit),
        parameter => Ok(params_result(state, parameter, &fields, cuit, now)),
    }
}

/// `FEParamGet*` (§C.2): the static tables, the points of sale configured for `cuit` and rates.
fn params_result(
    state: &State,
    operation: &str,
    fields: &request::Fields<'_>,
    cuit: i64,
    now: DateTime<Utc>,
) -> String {
    let rendered = match operation {
        "FEParamGetPtosVenta" => {
            let wsfe = crate::state::lock(&state.wsfe);
            let points: Vec<(i64, &str, bool, Option<&str>)> = wsfe
                .points_of_sale
                .iter()
                .filter(|p| p.belongs_to(cuit))
                .map(|p| (p.nro, p.emision_tipo.as_str(), p.bloqueado, p.fch_baja.as_deref()))
                .collect();
            params::render_points_of_sale(&points)
        }
        "FEParamGetCotizacion" => {
            let mon_id = fields.text("MonId").unwrap_or_default();
            let rate = crate::state::lock(&state.wsfe).rates.get(&mon_id).copied();
            // The rate of the business day before (§E.5): the day before the requested date.
            let asked = fields.text("FchCotiz").and_then(|d| cae::parse_yyyymmdd(&d));
            let day = asked.unwrap_or_else(|| cae::argentina_date(now)) - chrono::Duration::days(1);
            params::render_cotizacion(&mon_id, rate, &cae::yyyymmdd(day))
        }
        other => params::render_as_of(
            other,
            fields.text("ClaseCmp").as_deref(),
            &cae::yyyymmdd(cae::argentina_date(now)),
        )
        .unwrap_or_else(|| Err((602, format!("Sin Resultados: - Metodo {other}")))),
    };
    match rendered {
        Ok(xml) => xml,
        Err(error) => {
            let mut xml = Xml::new();
            xml.errors(&[error]);
            xml.into_string()
        }
    }
}
