//! The simulated WSCDC (`/WSCDC/service.asmx`, docs/arca.md §K): constatación de comprobantes
//! over SOAP 1.1 and 1.2, ASMX-style like WSFEv1 (routing by body element or SOAP action,
//! `FEHeaderInfo` in the header, `Events` in every result).
//!
//! `ComprobanteConstatar` answers from the vouchers this simulator's WSFEv1 authorised: `A` when
//! every field matches, `R` with observations otherwise, `R` with `Errors` 1–8 when a field is
//! malformed. It never invents vouchers and never changes WSFEv1's state.

mod params;

use std::sync::Arc;

use axum::extract::{Extension, State as AxumState};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::faults::FaultAction;
use crate::server::{ConnectionControl, suffer};
use crate::soap::{Document, SoapVersion};
use crate::state::{State, lock};
use crate::wsaa::verify_token;
use crate::wsfe::envelope::{AsmxRequest, Xml, asmx_fault, envelope, unavailable_page};
use crate::wsfe::params::format_double;
use crate::wsfe::store::SeriesKey;

pub const NAMESPACE: &str = "http://servicios1.afip.gob.ar/wscdc/";

/// The six operations of the WSDL.
pub const OPERATIONS: [&str; 6] = [
    "ComprobanteConstatar",
    "ComprobantesModalidadConsultar",
    "ComprobantesTipoConsultar",
    "DocumentosTipoConsultar",
    "OpcionalesTipoConsultar",
    "ComprobanteDummy",
];

const NOT_FOUND: &str = "El N° de CAI/CAE/CAEA consultado no existe en las bases del organismo.";

/// `POST /WSCDC/service.asmx`.
pub(crate) async fn service(
    AxumState(state): AxumState<Arc<State>>,
    Extension(connection): Extension<ConnectionControl>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let AsmxRequest {
        document,
        version,
        operation_index: index,
        action,
    } = match AsmxRequest::read(&headers, &body) {
        Ok(request) => request,
        Err(status) => return status.into_response(),
    };
    let operation = match index {
        Some(index) if document.nodes[index].namespace == NAMESPACE => document.nodes[index].name.clone(),
        Some(_) => String::new(),
        None => action.strip_prefix(NAMESPACE).unwrap_or_default().to_string(),
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
    let now = state.clock.now();
    let result = match decision.action {
        Some(FaultAction::ArcaError { code }) => {
            let mut xml = Xml::new();
            xml.errors(&[(code, internal_error(code, &operation))]);
            events(&mut xml);
            xml.into_string()
        }
        Some(FaultAction::Maintenance | FaultAction::WsaaUnavailable) => {
            return unavailable_page();
        }
        _ => handle(&state, &document, index, &operation, now),
    };
    let response = respond(version, &operation, &result, now);
    if decision.action == Some(FaultAction::CommitThenDrop) {
        connection.cut(false);
        std::future::pending::<()>().await;
    }
    response
}

/// `GET /WSCDC/service.asmx`: the service page (no WSDL copy is embedded).
pub(crate) async fn page() -> Response {
    let page = "<html><body>Web Service Orientado a la Constatacion de Comprobantes (arca-simulator)</body></html>";
    ([(header::CONTENT_TYPE, "text/html")], page).into_response()
}

fn internal_error(code: u32, operation: &str) -> String {
    match code {
        500 => "Error interno de aplicación".to_string(),
        501 => format!("Error interno de base de datos - {operation}"),
        other => format!("Error interno - {other}"),
    }
}

/// The text of the WSCDC element at `path` below the operation (ASMX sees only elements in
/// the service's namespace).
struct Request<'a> {
    document: &'a Document,
    base: String,
}

impl Request<'_> {
    fn text(&self, path: &str) -> Option<String> {
        let full = format!("{}/{path}", self.base);
        self.document
            .nodes
            .iter()
            .find(|n| n.path == full && n.namespace == NAMESPACE)
            .map(|n| n.text.trim().to_string())
    }

    fn all(&self, path: &str) -> Vec<&crate::soap::Node> {
        let full = format!("{}/{path}", self.base);
        self.document
            .nodes
            .iter()
            .filter(|n| n.path == full && n.namespace == NAMESPACE)
            .collect()
    }
}

/// Every recorded result ends its lists with this event.
fn events(xml: &mut Xml) {
    xml.raw("<Events><Evt><Code>0</Code></Evt></Events>");
}

fn handle(state: &State, document: &Document, index: Option<usize>, operation: &str, now: DateTime<Utc>) -> String {
    let mut xml = Xml::new();
    if operation == "ComprobanteDummy" {
        xml.text("AppServer", "OK")
            .text("DbServer", "OK")
            .text("AuthServer", "OK");
        return xml.into_string();
    }
    let request = Request {
        document,
        base: index.map(|i| document.nodes[i].path.clone()).unwrap_or_default(),
    };
    if let Err(error) = authenticate(state, &request, now) {
        xml.errors(&[error]);
        events(&mut xml);
        return xml.into_string();
    }
    match operation {
        "ComprobanteConstatar" => return constatar(state, &request, now),
        "ComprobantesModalidadConsultar" => {
            xml.element("ResultGet", |xml| {
                for (cod, desc) in params::MODALIDADES {
                    xml.element("FacModTipo", |xml| {
                        xml.text("Cod", cod).text("Desc", desc);
                    });
                }
            });
        }
        "ComprobantesTipoConsultar" => {
            xml.element("ResultGet", |xml| {
                for (id, desc) in params::TIPOS_COMPROBANTE {
                    xml.element("CbteTipo", |xml| {
                        xml.text("Id", id).text("Desc", desc);
                    });
                }
            });
        }
        "DocumentosTipoConsultar" => {
            xml.element("ResultGet", |xml| {
                for (id, desc) in params::TIPOS_DOCUMENTO {
                    xml.element("DocTipo", |xml| {
                        xml.text("Id", id).text("Desc", desc);
                    });
                }
            });
        }
        other => {
            xml.errors(&[(503, format!("Sin Resultados: - Metodo {other}"))]);
        }
    }
    events(&mut xml);
    xml.into_string()
}

/// `Auth{Token, Sign, Cuit}`: 600 bad ticket, 601 CUIT not in the ticket, 602 CUIT not active.
fn authenticate(state: &State, request: &Request<'_>, now: DateTime<Utc>) -> Result<(), (u32, String)> {
    let token = request.text("Auth/Token").unwrap_or_default();
    let sign = request.text("Auth/Sign").unwrap_or_default();
    let claims = verify_token(state, &token, &sign, now).map_err(|r| (r.code, r.message))?;
    if claims.service != "wscdc" {
        return Err((
            600,
            format!(
                "ValidacionDeToken: No valido Id Sistema: wscdc(Id Sistema de token es: {})",
                claims.service
            ),
        ));
    }
    let cuit = request.text("Auth/Cuit").unwrap_or_default();
    if !claims.relations.contains(&cuit) {
        return Err((601, format!("CUIT representada no incluida en Token: {cuit}")));
    }
    let inactive = cuit
        .parse::<i64>()
        .ok()
        .and_then(|id| lock(&state.wsfe).padron.get(&id).map(|record| !record.is_active()))
        .unwrap_or(false);
    if inactive {
        return Err((602, format!("CUIT representada no activa: {cuit}")));
    }
    Ok(())
}

/// The `CmpReq` fields as sent (for the echo) and as read (for the checks).
struct CmpReq {
    modo: Option<String>,
    cuit_emisor: Option<String>,
    pto_vta: Option<String>,
    cbte_tipo: Option<String>,
    cbte_nro: Option<String>,
    cbte_fch: Option<String>,
    imp_total: Option<String>,
    cod_autorizacion: Option<String>,
    doc_tipo_receptor: Option<String>,
    doc_nro_receptor: Option<String>,
    opcionales: Vec<(String, String)>,
}

impl CmpReq {
    fn read(request: &Request<'_>) -> CmpReq {
        let field = |name: &str| request.text(&format!("CmpReq/{name}"));
        let opcionales = request
            .all("CmpReq/Opcionales/Opcional")
            .into_iter()
            .filter_map(|node| {
                let index = request.document.nodes.iter().position(|n| std::ptr::eq(n, node))?;
                let children = request.document.children(index);
                let child = |name: &str| {
                    children
                        .iter()
                        .map(|i| &request.document.nodes[*i])
                        .find(|n| n.name == name)
                        .map(|n| n.text.trim().to_string())
                        .unwrap_or_default()
                };
                Some((child("Id"), child("Valor")))
            })
            .collect();
        CmpReq {
            modo: field("CbteModo"),
            cuit_emisor: field("CuitEmisor"),
            pto_vta: field("PtoVta"),
            cbte_tipo: field("CbteTipo"),
            cbte_nro: field("CbteNro"),
            cbte_fch: field("CbteFch"),
            imp_total: field("ImpTotal"),
            cod_autorizacion: field("CodAutorizacion"),
            doc_tipo_receptor: field("DocTipoReceptor"),
            doc_nro_receptor: field("DocNroReceptor"),
            opcionales,
        }
    }

    /// `CmpResp`: the request echoed in `CmpDatos` order (numbers as .NET prints them).
    fn echo(&self, checked: Option<&Checked>, xml: &mut Xml) {
        xml.element("CmpResp", |xml| {
            xml.optional("CbteModo", self.modo.as_deref());
            match checked {
                Some(c) => {
                    xml.text("CuitEmisor", c.cuit_emisor)
                        .text("PtoVta", c.pto_vta)
                        .text("CbteTipo", c.cbte_tipo)
                        .text("CbteNro", c.cbte_nro);
                }
                None => {
                    let number = |text: &Option<String>| text.clone().unwrap_or_else(|| "0".into());
                    xml.text("CuitEmisor", number(&self.cuit_emisor))
                        .text("PtoVta", number(&self.pto_vta))
                        .text("CbteTipo", number(&self.cbte_tipo))
                        .text("CbteNro", number(&self.cbte_nro));
                }
            }
            xml.optional("CbteFch", self.cbte_fch.as_deref());
            match checked {
                Some(c) => xml.text("ImpTotal", format_double(c.imp_total)),
                None => xml.text("ImpTotal", self.imp_total.clone().unwrap_or_else(|| "0".into())),
            };
            xml.optional("CodAutorizacion", self.cod_autorizacion.as_deref())
                .optional("DocTipoReceptor", self.doc_tipo_receptor.as_deref())
                .optional("DocNroReceptor", self.doc_nro_receptor.as_deref());
            if !self.opcionales.is_empty() {
                xml.element("Opcionales", |xml| {
                    for (id, valor) in &self.opcionales {
                        xml.element("Opcional", |xml| {
                            xml.text("Id", id).text("Valor", valor);
                        });
                    }
                });
            }
        });
    }

    /// Format checks 1–8, in field order.
    fn check(&self) -> Result<Checked, Vec<(u32, String)>> {
        let mut errors = Vec::new();
        let modo = self.modo.clone().unwrap_or_default();
        if !matches!(modo.as_str(), "CAE" | "CAEA" | "CAI") {
            errors.push((
                1,
                "El campo CbteModo es obligatorio y debe ser CAE, CAEA o CAI.".to_string(),
            ));
        }
        let cuit_emisor = self
            .cuit_emisor
            .as_deref()
            .filter(|c| crate::padron::valid_cuit(c))
            .and_then(|c| c.parse::<i64>().ok());
        if cuit_emisor.is_none() {
            errors.push((2, "El campo CuitEmisor es invalido.".to_string()));
        }
        let number = |text: &Option<String>, max: i64| {
            text.as_deref()
                .and_then(|t| t.parse::<i64>().ok())
                .filter(|n| (1..=max).contains(n))
        };
        let pto_vta = number(&self.pto_vta, 99_998);
        if pto_vta.is_none() {
            errors.push((3, "El campo PtoVta debe estar comprendido entre 1 y 99998.".to_string()));
        }
        let cbte_tipo =
            number(&self.cbte_tipo, 999).filter(|t| params::TIPOS_COMPROBANTE.iter().any(|(id, _)| id == t));
        if cbte_tipo.is_none() {
            errors.push((
                4,
                "El campo CbteTipo es invalido. Consultar metodo ComprobantesTipoConsultar.".to_string(),
            ));
        }
        let cbte_nro = number(&self.cbte_nro, 99_999_999);
        if cbte_nro.is_none() {
            errors.push((
                5,
                "El campo CbteNro debe estar comprendido entre 1 y 99999999.".to_string(),
            ));
        }
        let cbte_fch = self
            .cbte_fch
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok());
        if cbte_fch.is_none() {
            errors.push((
                6,
                "El campo CbteFch es obligatorio y debe tener formato yyyymmdd.".to_string(),
            ));
        }
        let imp_total = self
            .imp_total
            .as_deref()
            .and_then(|t| t.parse::<Decimal>().ok())
            .filter(|t| !t.is_sign_negative());
        if imp_total.is_none() {
            errors.push((
                7,
                "El campo ImpTotal es obligatorio y no puede ser negativo.".to_string(),
            ));
        }
        let code = self
            .cod_autorizacion
            .clone()
            .filter(|c| c.len() == 14 && c.chars().all(|d| d.is_ascii_digit()));
        if code.is_none() {
            errors.push((
                8,
                "El campo CodAutorizacion es obligatorio y debe tener 14 digitos.".to_string(),
            ));
        }
        match (cuit_emisor, pto_vta, cbte_tipo, cbte_nro, cbte_fch, imp_total, code) {
            (
                Some(cuit_emisor),
                Some(pto_vta),
                Some(cbte_tipo),
                Some(cbte_nro),
                Some(cbte_fch),
                Some(imp_total),
                Some(code),
            ) if errors.is_empty() => Ok(Checked {
                modo,
                cuit_emisor,
                pto_vta,
                cbte_tipo,
                cbte_nro,
                cbte_fch,
                imp_total,
                code,
            }),
            _ => Err(errors),
        }
    }
}

/// A well-formed `CmpReq`.
struct Checked {
    modo: String,
    cuit_emisor: i64,
    pto_vta: i64,
    cbte_tipo: i64,
    cbte_nro: i64,
    cbte_fch: NaiveDate,
    imp_total: Decimal,
    code: String,
}

/// What WSFEv1 stored under an authorisation code.
struct Authorised {
    key: SeriesKey,
    number: i64,
    date: Option<NaiveDate>,
    total: Decimal,
}

/// The observations (100–110) of a well-formed request against WSFEv1's vouchers.
fn observations(state: &State, cmp: &Checked) -> Vec<(u32, String)> {
    let mut observations = Vec::new();
    if cmp.cbte_fch < NaiveDate::from_ymd_opt(2013, 1, 1).unwrap_or_default() {
        observations.push((
            101,
            "La fecha del comprobante debe ser igual o posterior al 20130101.".to_string(),
        ));
    }
    let asked = SeriesKey {
        cuit: cmp.cuit_emisor,
        pto_vta: cmp.pto_vta,
        cbte_tipo: cmp.cbte_tipo,
    };
    let candidates: Vec<Authorised> = {
        let wsfe = lock(&state.wsfe);
        wsfe.all_series()
            .flat_map(|(key, series)| {
                series.vouchers.values().filter_map(move |voucher| {
                    let emitted = if voucher.emision_tipo.eq_ignore_ascii_case("CAEA") {
                        "CAEA"
                    } else {
                        "CAE"
                    };
                    (voucher.cod_autorizacion == cmp.code && voucher.resultado == "A" && emitted == cmp.modo).then(
                        || Authorised {
                            key,
                            number: if (voucher.detail.cbte_desde..=voucher.detail.cbte_hasta).contains(&cmp.cbte_nro) {
                                cmp.cbte_nro
                            } else {
                                voucher.detail.cbte_desde
                            },
                            date: voucher
                                .detail
                                .cbte_fch
                                .as_deref()
                                .and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok()),
                            total: voucher.detail.imp_total,
                        },
                    )
                })
            })
            .collect()
    };
    let best = candidates
        .iter()
        .find(|c| c.key == asked && c.number == cmp.cbte_nro)
        .or_else(|| candidates.iter().find(|c| c.key.cuit == asked.cuit))
        .or_else(|| candidates.first());
    let Some(found) = best else {
        observations.push((100, NOT_FOUND.to_string()));
        return observations;
    };
    if found.key.cuit != asked.cuit {
        observations.push((
            102,
            "La CUIT emisora informada no corresponde al código de autorización.".to_string(),
        ));
    }
    if found.key.cbte_tipo != asked.cbte_tipo {
        observations.push((
            103,
            "El tipo de comprobante informado no corresponde al código de autorización.".to_string(),
        ));
    }
    if found.key.pto_vta != asked.pto_vta {
        observations.push((
            104,
            "El punto de venta informado no corresponde al código de autorización.".to_string(),
        ));
    }
    if found.number != cmp.cbte_nro {
        observations.push((
            105,
            "El número de comprobante informado no corresponde al código de autorización.".to_string(),
        ));
    }
    if found.date.is_some_and(|date| date != cmp.cbte_fch) {
        observations.push((
            109,
            "La fecha del comprobante informada no corresponde a la autorizada.".to_string(),
        ));
    }
    if found.total != cmp.imp_total {
        observations.push((
            110,
            "El importe total informado no corresponde al autorizado.".to_string(),
        ));
    }
    observations
}

fn constatar(state: &State, request: &Request<'_>, now: DateTime<Utc>) -> String {
    let cmp = CmpReq::read(request);
    let argentina = chrono::FixedOffset::west_opt(3 * 3600).expect("UTC-3 is a valid offset");
    let fch_proceso = now.with_timezone(&argentina).format("%Y%m%d%H%M%S").to_string();
    let mut xml = Xml::new();
    match cmp.check() {
        Ok(checked) => {
            let observations = observations(state, &checked);
            cmp.echo(Some(&checked), &mut xml);
            xml.text("Resultado", if observations.is_empty() { "A" } else { "R" });
            xml.observations(&observations);
            xml.text("FchProceso", &fch_proceso);
            events(&mut xml);
        }
        Err(errors) => {
            cmp.echo(None, &mut xml);
            xml.text("Resultado", "R");
            xml.text("FchProceso", &fch_proceso);
            events(&mut xml);
            xml.errors(&errors);
        }
    }
    xml.into_string()
}

/// The ASMX envelope with WSCDC's `FEHeaderInfo`, typed as ARCA's IIS types it.
fn respond(version: SoapVersion, operation: &str, result: &str, now: DateTime<Utc>) -> Response {
    let content_type = match version {
        SoapVersion::V11 => "text/xml; charset=utf-8",
        SoapVersion::V12 => "application/soap+xml; charset=utf-8",
    };
    let body = envelope(version, NAMESPACE, operation, result, now);
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}
