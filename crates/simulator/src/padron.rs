//! The simulated padrón services (docs/arca.md §J): A5 (`ws_sr_constancia_inscripcion`) at
//! `/sr-padron/webservices/personaServiceA5` and A13 at `/sr-padron/webservices/personaServiceA13`,
//! answering from the registry of A5 blocks in [`crate::wsfe::store::WsfeState::padron`].
//!
//! Like ARCA's CXF servers it reads the operation element by namespace and its children by local
//! name only (the schema leaves them unqualified; qualified ones are read too), ignores the
//! SOAPAction, answers one-line SOAP 1.1 with the `soap:`/`ns2:` prefixes and refuses with a
//! `soap:Fault` carrying ARCA's texts under HTTP 500. It checks tickets signed by this
//! simulator's WSAA; it never computes an IVA condition (the blocks are the answer).

mod auth;
pub(crate) mod registry;
pub mod samples;

use std::sync::Arc;

use axum::extract::{Extension, RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::faults::FaultAction;
use crate::server::{ConnectionControl, serve_wsdl, suffer};
use crate::soap::Document;
use crate::state::{State, lock};
use registry::{PadronRecord, write_children, write_element};

pub const A5_NAMESPACE: &str = "http://a5.soap.ws.server.puc.sr/";
pub const A13_NAMESPACE: &str = "http://a13.soap.ws.server.puc.sr/";
/// The most `idPersona` one `getPersonaList[_v2]` may carry.
pub const MAX_PERSONA_LIST: usize = 250;

pub const NOT_FOUND: &str = "No existe persona con ese Id";
const CONTENT_TYPE: &str = "text/xml;charset=UTF-8";

/// Which of the two padrón services a request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    A5,
    A13,
}

impl Service {
    fn namespace(self) -> &'static str {
        match self {
            Service::A5 => A5_NAMESPACE,
            Service::A13 => A13_NAMESPACE,
        }
    }

    fn operations(self) -> &'static [&'static str] {
        match self {
            Service::A5 => &[
                "dummy",
                "getPersona_v2",
                "getPersonaList_v2",
                "getPersona",
                "getPersonaList",
            ],
            Service::A13 => &["dummy", "getPersona", "getIdPersonaListByDocumento"],
        }
    }

    /// The name counters and fault rules use: A5 by bare operation, A13 as `a13.<op>`.
    fn counter(self, operation: &str) -> String {
        match self {
            Service::A5 => operation.to_string(),
            Service::A13 => format!("a13.{operation}"),
        }
    }

    /// The WSAA services whose tickets it accepts.
    fn ticket_services(self) -> &'static [&'static str] {
        match self {
            Service::A5 => &["ws_sr_constancia_inscripcion", "ws_sr_padron_a5"],
            Service::A13 => &["ws_sr_padron_a13"],
        }
    }
}

/// A refusal answered as `soap:Fault`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    /// `soap:Server` or `soap:Client`.
    pub code: &'static str,
    pub message: String,
    /// Whether CXF adds `<detail><ns1:SRValidationException/></detail>`.
    pub validation: bool,
}

impl Fault {
    pub fn server(message: impl Into<String>) -> Fault {
        Fault {
            code: "soap:Server",
            message: message.into(),
            validation: false,
        }
    }

    pub fn validation(message: impl Into<String>) -> Fault {
        Fault {
            code: "soap:Server",
            message: message.into(),
            validation: true,
        }
    }

    pub fn client(message: impl Into<String>) -> Fault {
        Fault {
            code: "soap:Client",
            message: message.into(),
            validation: false,
        }
    }
}

/// `POST /sr-padron/webservices/personaServiceA5`.
pub(crate) async fn a5_service(
    state: AxumState<Arc<State>>,
    connection: Extension<ConnectionControl>,
    body: String,
) -> Response {
    service(Service::A5, state, connection, body).await
}

/// `POST /sr-padron/webservices/personaServiceA13`.
pub(crate) async fn a13_service(
    state: AxumState<Arc<State>>,
    connection: Extension<ConnectionControl>,
    body: String,
) -> Response {
    service(Service::A13, state, connection, body).await
}

/// `GET …personaServiceA5?wsdl`.
pub(crate) async fn a5_wsdl(RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let address = "https://awshomo.afip.gov.ar/sr-padron/webservices/personaServiceA5";
    let ours = |host: &str| format!("http://{host}/sr-padron/webservices/personaServiceA5");
    let page = "<html><body>PersonaServiceA5</body></html>";
    serve_wsdl(
        query,
        &headers,
        include_str!("../wsdl/padron_a5.wsdl"),
        address,
        ours,
        page,
    )
}

/// `GET …personaServiceA13?wsdl`.
pub(crate) async fn a13_wsdl(RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let address = "https://awshomo.afip.gov.ar/sr-padron/webservices/personaServiceA13";
    let ours = |host: &str| format!("http://{host}/sr-padron/webservices/personaServiceA13");
    let page = "<html><body>PersonaServiceA13</body></html>";
    serve_wsdl(
        query,
        &headers,
        include_str!("../wsdl/padron_a13.wsdl"),
        address,
        ours,
        page,
    )
}

async fn service(
    service: Service,
    AxumState(state): AxumState<Arc<State>>,
    Extension(connection): Extension<ConnectionControl>,
    body: String,
) -> Response {
    let document = match Document::parse(&body) {
        Ok(document) => document,
        Err(message) => return fault(service, &Fault::client(format!("Unmarshalling Error: {message}"))),
    };
    let Some(index) = document
        .nodes
        .iter()
        .position(|n| n.depth == 2 && n.path.starts_with("Envelope/Body/"))
    else {
        return fault(
            service,
            &Fault::client("No binding operation info while invoking unknown method with params unknown."),
        );
    };
    let operation = document.nodes[index].name.clone();
    let namespace = document.nodes[index].namespace.clone();
    if !service.operations().contains(&operation.as_str()) || namespace != service.namespace() {
        return fault(
            service,
            &Fault::client(format!(
                "Unexpected wrapper element {{{namespace}}}{operation} found.   Expected one of {}.",
                service
                    .operations()
                    .iter()
                    .map(|op| format!("{{{}}}{op}", service.namespace()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
    }
    let counter = service.counter(&operation);
    state.count_call(&counter);
    let decision = state.faults.decide(&counter);
    if let Some(response) = suffer(&decision, &connection).await {
        return response;
    }
    match decision.action {
        Some(FaultAction::ArcaError { code }) => {
            return fault(service, &Fault::server(format!("Error interno del servidor ({code})")));
        }
        Some(FaultAction::Maintenance | FaultAction::WsaaUnavailable) => {
            return crate::wsfe::envelope::unavailable_page();
        }
        _ => {}
    }
    let now = state.clock.now();
    let fields = Fields::of(&document, index);
    let outcome = match (service, operation.as_str()) {
        (_, "dummy") => Ok(dummy()),
        (Service::A5, "getPersona" | "getPersona_v2") => {
            auth::check(&state, service, &fields, now).and_then(|()| a5_persona(&state, &fields, now))
        }
        (Service::A5, _) => auth::check(&state, service, &fields, now).and_then(|()| a5_list(&state, &fields, now)),
        (Service::A13, "getPersona") => {
            auth::check(&state, service, &fields, now).and_then(|()| a13_persona(&state, &fields, now))
        }
        (Service::A13, _) => {
            auth::check(&state, service, &fields, now).and_then(|()| a13_by_document(&state, &fields, now))
        }
    };
    let response = match outcome {
        Ok(inner) => respond(service, &operation, &inner),
        Err(refusal) => fault(service, &refusal),
    };
    if decision.action == Some(FaultAction::CommitThenDrop) {
        connection.cut(false);
        std::future::pending::<()>().await;
    }
    response
}

/// The children of the operation element, by local name whatever their namespace.
pub(crate) struct Fields<'a> {
    values: Vec<(&'a str, &'a str)>,
}

impl<'a> Fields<'a> {
    fn of(document: &'a Document, index: usize) -> Fields<'a> {
        Fields {
            values: document
                .children(index)
                .into_iter()
                .map(|i| (document.nodes[i].name.as_str(), document.nodes[i].text.trim()))
                .collect(),
        }
    }

    /// The first child named `name`, trimmed; empty text counts as absent.
    pub fn text(&self, name: &str) -> Option<&'a str> {
        self.values
            .iter()
            .find(|(n, t)| *n == name && !t.is_empty())
            .map(|(_, t)| *t)
    }

    pub fn all(&self, name: &str) -> Vec<&'a str> {
        self.values
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .collect()
    }
}

/// A CUIT with its check digit right (mod 11, weights 5 4 3 2 7 6 5 4 3 2; a remainder of 10
/// is never issued).
pub fn valid_cuit(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 11 || text.len() != 11 {
        return false;
    }
    let weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => digits[10] == 0,
        10 => false,
        check => digits[10] == check,
    }
}

fn id_persona(text: Option<&str>) -> Result<i64, Fault> {
    let invalid = || Fault::validation("El Id de la persona no es valido");
    let text = text.ok_or_else(invalid)?;
    if !valid_cuit(text) {
        return Err(invalid());
    }
    text.parse().map_err(|_| invalid())
}

fn metadata(now: DateTime<Utc>) -> String {
    let argentina = chrono::FixedOffset::west_opt(3 * 3600).expect("UTC-3 is a valid offset");
    format!(
        "<metadata><fechaHora>{}</fechaHora><servidor>arca-simulator</servidor></metadata>",
        now.with_timezone(&argentina).format("%Y-%m-%dT%H:%M:%S%.3f%:z")
    )
}

fn dummy() -> String {
    "<return><appserver>OK</appserver><authserver>OK</authserver><dbserver>OK</dbserver></return>".into()
}

fn write_blocks(out: &mut String, record: &PadronRecord) {
    for (name, block) in record.blocks() {
        out.push_str(&format!("<{name}>"));
        write_children(out, block);
        out.push_str(&format!("</{name}>"));
    }
}

/// `getPersona` / `getPersona_v2`: `personaReturn` with the blocks and `metadata` last.
fn a5_persona(state: &State, fields: &Fields<'_>, now: DateTime<Utc>) -> Result<String, Fault> {
    let id = id_persona(fields.text("idPersona"))?;
    let wsfe = lock(&state.wsfe);
    let record = wsfe.padron.get(&id).ok_or_else(|| Fault::server(NOT_FOUND))?;
    let mut out = String::from("<personaReturn>");
    write_blocks(&mut out, record);
    out.push_str(&metadata(now));
    out.push_str("</personaReturn>");
    Ok(out)
}

/// `getPersonaList` / `getPersonaList_v2`: `metadata`, then one `persona` per id in the order
/// asked; an unknown id gets a `persona` holding only `errorConstancia`.
fn a5_list(state: &State, fields: &Fields<'_>, now: DateTime<Utc>) -> Result<String, Fault> {
    let ids = fields.all("idPersona");
    if ids.is_empty() {
        return Err(Fault::validation("El Id de la persona no es valido"));
    }
    if ids.len() > MAX_PERSONA_LIST {
        return Err(Fault::validation(format!(
            "La cantidad de Ids de persona no puede superar {MAX_PERSONA_LIST}"
        )));
    }
    let ids = ids
        .into_iter()
        .map(|id| id_persona(Some(id)))
        .collect::<Result<Vec<i64>, Fault>>()?;
    let wsfe = lock(&state.wsfe);
    let mut out = String::from("<personaListReturn>");
    out.push_str(&metadata(now));
    for id in ids {
        out.push_str("<persona>");
        match wsfe.padron.get(&id) {
            Some(record) => write_blocks(&mut out, record),
            None => out.push_str(&format!(
                "<errorConstancia><error>{NOT_FOUND}</error><idPersona>{id}</idPersona></errorConstancia>"
            )),
        }
        out.push_str("</persona>");
    }
    out.push_str("</personaListReturn>");
    Ok(out)
}

/// A13 `getPersona`: `personaReturn{metadata, persona}` built from the same registry.
fn a13_persona(state: &State, fields: &Fields<'_>, now: DateTime<Utc>) -> Result<String, Fault> {
    let id = id_persona(fields.text("idPersona"))?;
    let wsfe = lock(&state.wsfe);
    let record = wsfe
        .padron
        .get(&id)
        .ok_or_else(|| Fault::validation("La Clave (CUIT/CUIL) consultada es inexistente"))?;
    if !record.is_active() {
        return Err(Fault::validation(
            "La clave (CUIT/CUIL) consultada se encuentra INACTIVA",
        ));
    }
    let mut out = String::from("<personaReturn>");
    out.push_str(&metadata(now));
    write_element(&mut out, "persona", &Value::Object(a13_view(id, record)));
    out.push_str("</personaReturn>");
    Ok(out)
}

/// What A13 says of a registry person: identity, document, addresses, main activity.
fn a13_view(id: i64, record: &PadronRecord) -> serde_json::Map<String, Value> {
    let mut persona = serde_json::Map::new();
    let general = record.datos_generales.clone().unwrap_or_default();
    for field in [
        "apellido",
        "estadoClave",
        "fechaContratoSocial",
        "mesCierre",
        "nombre",
        "razonSocial",
        "tipoClave",
        "tipoPersona",
    ] {
        if let Some(value) = general.get(field) {
            persona.insert(field.into(), value.clone());
        }
    }
    persona.insert("idPersona".into(), Value::from(id));
    if let Some(dni) = record.dni(&id.to_string()) {
        persona.insert("tipoDocumento".into(), Value::from("DNI"));
        persona.insert("numeroDocumento".into(), Value::from(dni));
    }
    if let Some(fiscal) = general.get("domicilioFiscal").and_then(Value::as_object) {
        let mut domicilio = serde_json::Map::new();
        for (from, to) in [
            ("codPostal", "codigoPostal"),
            ("datoAdicional", "datoAdicional"),
            ("descripcionProvincia", "descripcionProvincia"),
            ("direccion", "direccion"),
            ("idProvincia", "idProvincia"),
            ("localidad", "localidad"),
            ("tipoDatoAdicional", "tipoDatoAdicional"),
            ("tipoDomicilio", "tipoDomicilio"),
        ] {
            if let Some(value) = fiscal.get(from) {
                domicilio.insert(to.into(), value.clone());
            }
        }
        domicilio.insert("estadoDomicilio".into(), Value::from("CONFIRMADO"));
        persona.insert("domicilio".into(), Value::Array(vec![Value::Object(domicilio)]));
    }
    let activities = [&record.datos_regimen_general, &record.datos_monotributo]
        .into_iter()
        .flatten()
        .flat_map(|block| {
            registry::items(block.get("actividad"))
                .chain(registry::items(block.get("actividadMonotributista")))
                .cloned()
                .collect::<Vec<_>>()
        })
        .min_by_key(|a| a.get("orden").and_then(Value::as_i64).unwrap_or(i64::MAX));
    if let Some(main) = activities {
        for (from, to) in [
            ("descripcionActividad", "descripcionActividadPrincipal"),
            ("idActividad", "idActividadPrincipal"),
            ("periodo", "periodoActividadPrincipal"),
        ] {
            if let Some(value) = main.get(from) {
                persona.insert(to.into(), value.clone());
            }
        }
    }
    persona
}

/// A13 `getIdPersonaListByDocumento`: every CUIT/CUIL of a DNI (none: an empty list).
fn a13_by_document(state: &State, fields: &Fields<'_>, now: DateTime<Utc>) -> Result<String, Fault> {
    let documento = fields
        .text("documento")
        .map(|d| d.trim_start_matches('0'))
        .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
        .ok_or_else(|| Fault::validation("El documento no es valido"))?;
    let wsfe = lock(&state.wsfe);
    let mut out = String::from("<idPersonaListReturn>");
    for (cuit, record) in &wsfe.padron {
        if record.dni(&cuit.to_string()).as_deref() == Some(documento) {
            out.push_str(&format!("<idPersona>{cuit}</idPersona>"));
        }
    }
    out.push_str(&metadata(now));
    out.push_str("</idPersonaListReturn>");
    Ok(out)
}

/// A successful answer: one line, no XML declaration, `ns2:` on the response element only.
fn respond(service: Service, operation: &str, inner: &str) -> Response {
    let body = format!(
        concat!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#,
            r#"<ns2:{op}Response xmlns:ns2="{ns}">{inner}</ns2:{op}Response></soap:Body></soap:Envelope>"#
        ),
        op = operation,
        ns = service.namespace(),
        inner = inner
    );
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}

/// A CXF fault: HTTP 500, `faultcode`/`faultstring`, and the validation detail when it is one.
fn fault(service: Service, fault: &Fault) -> Response {
    let detail = if fault.validation {
        format!(
            r#"<detail><ns1:SRValidationException xmlns:ns1="{}"/></detail>"#,
            service.namespace()
        )
    } else {
        String::new()
    };
    let body = format!(
        concat!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>"#,
            "<faultcode>{code}</faultcode><faultstring>{message}</faultstring>{detail}",
            "</soap:Fault></soap:Body></soap:Envelope>"
        ),
        code = fault.code,
        message = quick_xml::escape::escape(&fault.message),
        detail = detail
    );
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuit_check_digits() {
        assert!(valid_cuit("20267565393"));
        assert!(valid_cuit("30712345671"));
        assert!(!valid_cuit("20267565394"));
        assert!(!valid_cuit("2026756539"));
        assert!(!valid_cuit("2026756539x"));
    }
}
