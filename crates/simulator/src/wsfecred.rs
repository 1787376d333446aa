//! The simulated wsfecred (`/wsfecred/FECredService`, docs/arca.md §M.2, §M.3): ARCA's FCE
//! MiPyMEs service. It answers `dummy`, `consultarMontoObligadoRecepcion` and
//! `consultarObligadoRecepcion` from the obligation registry and threshold set through
//! `/_sim/fce`, and `consultarComprobantes`, `aceptarFECred` and `rechazarFECred` from the FCE
//! vouchers this simulator's WSFEv1 authorised (`account`), with the buyer's acceptance state
//! kept beside them (`state`).
//!
//! Like ARCA's Java servers it reads the `{operation}Request` element by namespace and its
//! children by local name (unqualified), routes an empty Body by `SOAPAction`, answers one-line
//! SOAP 1.1 with `soap:`/`ns2:` prefixes, and reports refusals in the answer's `arrayErrores`
//! (format problems in `arrayErroresFormato`); only an unreadable request or an unknown element
//! is a `soap:Fault`. The error codes are the simulator's own (UNVERIFIED). It checks tickets
//! signed by this simulator's WSAA for the service `wsfecred`; it never authorises vouchers.

mod account;
pub(crate) mod control;
pub(crate) mod state;

use std::sync::Arc;

use axum::extract::{Extension, RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::faults::FaultAction;
use crate::server::{ConnectionControl, serve_wsdl, suffer};
use crate::soap::Document;
use crate::state::{State, lock};
use crate::wsaa::verify_token;
use account::{Decision, FceVoucher, Filter, Target, VoucherId};
use state::Motivo;

pub use state::FceState;

pub const NAMESPACE: &str = "http://ar.gob.afip.wsfecred/FECredService/";
/// The WSAA service whose tickets it accepts.
pub const SERVICE: &str = "wsfecred";

/// The operations answered.
pub const OPERATIONS: [&str; 6] = [
    "dummy",
    "consultarMontoObligadoRecepcion",
    "consultarObligadoRecepcion",
    "consultarComprobantes",
    "aceptarFECred",
    "rechazarFECred",
];

/// The WSDL's other operations: known, not simulated.
const OTHER_OPERATIONS: [&str; 15] = [
    "rechazarNotaDC",
    "consultarCtasCtes",
    "consultarCtaCte",
    "informarCancelacionTotalFECred",
    "informarFacturaAgtDptoCltv",
    "consultarFacturasAgtDptoCltv",
    "consultarCuentasEnAgtDptoCltv",
    "consultarTiposRetenciones",
    "consultarTiposMotivosRechazo",
    "consultarTiposFormasCancelacion",
    "obtenerRemitos",
    "consultarHistorialEstadosComprobante",
    "consultarHistorialEstadosCtaCte",
    "consultarTiposAjustesOperacion",
    "modificarOpcionTransferencia",
];

/// Token or sign refused (WSAA's texts).
pub const TOKEN_REJECTED: i64 = 600;
/// `cuitRepresentada` is not among the ticket's relations.
pub const NOT_REPRESENTED: i64 = 601;
/// `cuitRepresentada` is not active in the padrón.
pub const INACTIVE: i64 = 602;
/// `cuitConsultada` is not a CUIT.
pub const INVALID_CUIT: i64 = 1001;

const CONTENT_TYPE: &str = "text/xml;charset=UTF-8";
/// `Texto250SimpleType`, in characters.
const TEXT_RANGE: std::ops::RangeInclusive<usize> = 3..=250;

/// `POST /wsfecred/FECredService`.
pub(crate) async fn service(
    AxumState(state): AxumState<Arc<State>>,
    Extension(connection): Extension<ConnectionControl>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let document = match Document::parse(&body) {
        Ok(document) => document,
        Err(message) => return fault("soap:Client", &format!("Unmarshalling Error: {message}")),
    };
    let index = document
        .nodes
        .iter()
        .position(|n| n.depth == 2 && n.path.starts_with("Envelope/Body/"));
    let operation = match index {
        Some(i) if document.nodes[i].namespace == NAMESPACE => {
            let name = &document.nodes[i].name;
            name.strip_suffix("Request").unwrap_or(name).to_owned()
        }
        Some(i) => format!("{{{}}}{}", document.nodes[i].namespace, document.nodes[i].name),
        None => {
            let content_type = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let action = crate::wsfe::soap_action(&headers, content_type);
            action.strip_prefix(NAMESPACE).unwrap_or(&action).to_owned()
        }
    };
    if OTHER_OPERATIONS.contains(&operation.as_str()) {
        return fault(
            "soap:Server",
            &format!("{operation}: operacion no simulada por arca-simulator"),
        );
    }
    if !OPERATIONS.contains(&operation.as_str()) {
        return fault(
            "soap:Client",
            &format!("Unexpected wrapper element {operation} found. Expected {{{NAMESPACE}}}<operacion>Request."),
        );
    }
    state.count_call(&operation);
    let decision = state.faults.decide(&operation);
    if let Some(response) = suffer(&decision, &connection).await {
        return response;
    }
    let request = Request {
        document: &document,
        base: index.map(|i| document.nodes[i].path.clone()).unwrap_or_default(),
    };
    let inner = match decision.action {
        Some(FaultAction::Maintenance | FaultAction::WsaaUnavailable) => {
            return crate::wsfe::envelope::unavailable_page();
        }
        Some(FaultAction::ArcaError { code }) => {
            let error = Refusal::Error(i64::from(code), format!("Error interno de aplicacion ({code})"));
            refusal_return(&operation, &request, &error)
        }
        _ => handle(&state, &operation, &request, state.clock.now()),
    };
    let response = respond(&operation, &inner);
    if decision.action == Some(FaultAction::CommitThenDrop) {
        connection.cut(false);
        std::future::pending::<()>().await;
    }
    response
}

/// `GET /wsfecred/FECredService?wsdl`.
pub(crate) async fn wsdl(RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let address = "https://fwshomo.afip.gov.ar:443/wsfecred/FECredService";
    let ours = |host: &str| format!("http://{host}/wsfecred/FECredService");
    let page = "<html><body>FECredService</body></html>";
    serve_wsdl(
        query,
        &headers,
        include_str!("../wsdl/wsfecred.wsdl"),
        address,
        ours,
        page,
    )
}

/// The elements below the operation element, by local path.
struct Request<'a> {
    document: &'a Document,
    base: String,
}

impl Request<'_> {
    /// The trimmed text at `path` (`authRequest/token`); empty counts as absent.
    fn text(&self, path: &str) -> Option<&str> {
        let full = format!("{}/{path}", self.base);
        self.document
            .nodes
            .iter()
            .find(|n| n.path == full)
            .map(|n| n.text.trim())
            .filter(|t| !t.is_empty())
    }

    fn present(&self, path: &str) -> bool {
        let full = format!("{}/{path}", self.base);
        self.document.nodes.iter().any(|n| n.path == full)
    }

    /// The children (name, text) of every element at `path`.
    fn items(&self, path: &str) -> Vec<Vec<(&str, &str)>> {
        let full = format!("{}/{path}", self.base);
        self.document
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.path == full)
            .map(|(i, _)| {
                self.document
                    .children(i)
                    .into_iter()
                    .map(|c| (self.document.nodes[c].name.as_str(), self.document.nodes[c].text.trim()))
                    .collect()
            })
            .collect()
    }
}

/// Why an operation did not do its work.
enum Refusal {
    /// `arrayErrores`.
    Error(i64, String),
    /// `arrayErroresFormato` (the element's name as code).
    Format(String, String),
}

impl Refusal {
    fn write(&self, out: &mut String) {
        match self {
            Refusal::Error(code, text) => out.push_str(&format!(
                "<arrayErrores><codigoDescripcion><codigo>{code}</codigo><descripcion>{}</descripcion></codigoDescripcion></arrayErrores>",
                escape(text)
            )),
            Refusal::Format(field, text) => out.push_str(&format!(
                "<arrayErroresFormato><codigoDescripcionString><codigo>{}</codigo><descripcion>{}</descripcion></codigoDescripcionString></arrayErroresFormato>",
                escape(field),
                escape(text)
            )),
        }
    }
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// The inner XML of each operation's answer.
fn handle(state: &State, operation: &str, request: &Request<'_>, now: DateTime<Utc>) -> String {
    if operation == "dummy" {
        return "<dummyReturn><appserver>OK</appserver><authserver>OK</authserver><dbserver>OK</dbserver></dummyReturn>"
            .into();
    }
    let outcome = authenticate(state, request, now).and_then(|cuit| match operation {
        "consultarMontoObligadoRecepcion" => monto_obligado(state, request),
        "consultarObligadoRecepcion" => obligado(state, request),
        "consultarComprobantes" => comprobantes(state, request, cuit),
        "aceptarFECred" | "rechazarFECred" => Ok(operacion(state, operation, request, cuit, now)),
        _ => Err(Refusal::Error(500, "Error interno de aplicacion".into())),
    });
    match outcome {
        Ok(inner) => inner,
        Err(refusal) => refusal_return(operation, request, &refusal),
    }
}

/// The answer of `operation` refused by `refusal`.
fn refusal_return(operation: &str, request: &Request<'_>, refusal: &Refusal) -> String {
    let mut inner = String::new();
    refusal.write(&mut inner);
    match operation {
        "aceptarFECred" | "rechazarFECred" => {
            format!(
                "<operacionFECredReturn><resultado>R</resultado>{}{inner}</operacionFECredReturn>",
                id_cta_cte_echo(request, None)
            )
        }
        "dummy" => {
            "<dummyReturn><appserver>OK</appserver><authserver>OK</authserver><dbserver>OK</dbserver></dummyReturn>"
                .into()
        }
        other => {
            let element = return_element(other);
            format!("<{element}>{inner}</{element}>")
        }
    }
}

fn return_element(operation: &str) -> &'static str {
    match operation {
        "consultarMontoObligadoRecepcion" => "consultarMontoObligadoRecepcionReturn",
        "consultarObligadoRecepcion" => "consultarObligadoRecepcionReturn",
        "consultarComprobantes" => "consultarCmpReturn",
        _ => "operacionFECredReturn",
    }
}

/// `authRequest{token, sign, cuitRepresentada}`: the represented CUIT, or 600 (ticket), 601
/// (not among the ticket's relations), 602 (inactive).
fn authenticate(state: &State, request: &Request<'_>, now: DateTime<Utc>) -> Result<i64, Refusal> {
    let token = request.text("authRequest/token").unwrap_or_default();
    let sign = request.text("authRequest/sign").unwrap_or_default();
    let claims = verify_token(state, token, sign, now).map_err(|r| Refusal::Error(i64::from(r.code), r.message))?;
    if claims.service != SERVICE {
        return Err(Refusal::Error(
            TOKEN_REJECTED,
            format!(
                "ValidacionDeToken: No valido Id Sistema: {SERVICE}(Id Sistema de token es: {})",
                claims.service
            ),
        ));
    }
    let cuit = request.text("authRequest/cuitRepresentada").unwrap_or_default();
    if !claims.relations.iter().any(|c| c == cuit) {
        return Err(Refusal::Error(
            NOT_REPRESENTED,
            format!("CUIT representada no incluida en Token: {cuit}"),
        ));
    }
    let id: i64 = cuit
        .parse()
        .map_err(|_| Refusal::Format("cuitRepresentada".into(), format!("{cuit} no es un numero")))?;
    let inactive = lock(&state.wsfe)
        .padron
        .get(&id)
        .is_some_and(|record| !record.is_active());
    if inactive {
        return Err(Refusal::Error(INACTIVE, format!("CUIT representada no activa: {cuit}")));
    }
    Ok(id)
}

fn cuit_consultada(request: &Request<'_>) -> Result<i64, Refusal> {
    let text = request
        .text("cuitConsultada")
        .ok_or_else(|| Refusal::Format("cuitConsultada".into(), "Es obligatorio".into()))?;
    if !crate::padron::valid_cuit(text) {
        return Err(Refusal::Error(
            INVALID_CUIT,
            format!("La CUIT consultada {text} no es valida"),
        ));
    }
    text.parse()
        .map_err(|_| Refusal::Error(INVALID_CUIT, format!("La CUIT consultada {text} no es valida")))
}

fn xsd_date(request: &Request<'_>, path: &str) -> Result<Option<NaiveDate>, Refusal> {
    request
        .text(path)
        .map(|text| {
            text.get(..10)
                .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
                .ok_or_else(|| Refusal::Format(path.into(), format!("{text} no es una fecha (aaaa-mm-dd)")))
        })
        .transpose()
}

fn required_date(request: &Request<'_>, path: &str) -> Result<NaiveDate, Refusal> {
    xsd_date(request, path)?.ok_or_else(|| Refusal::Format(path.into(), "Es obligatorio".into()))
}

/// `consultarMontoObligadoRecepcion`: `obligado` S/N on `fechaEmision`, and `montoDesde` when S.
fn monto_obligado(state: &State, request: &Request<'_>) -> Result<String, Refusal> {
    let cuit = cuit_consultada(request)?;
    let fecha = required_date(request, "fechaEmision")?;
    let wsfe = lock(&state.wsfe);
    let inner = if wsfe.fce.obligado(cuit, fecha) {
        format!(
            "<obligado>S</obligado><montoDesde>{}</montoDesde>",
            importe(wsfe.fce.threshold)
        )
    } else {
        "<obligado>N</obligado>".to_owned()
    };
    Ok(format!(
        "<consultarMontoObligadoRecepcionReturn>{inner}</consultarMontoObligadoRecepcionReturn>"
    ))
}

/// `consultarObligadoRecepcion`: `respuesta` S/N and `desde` when S.
fn obligado(state: &State, request: &Request<'_>) -> Result<String, Refusal> {
    let cuit = cuit_consultada(request)?;
    let wsfe = lock(&state.wsfe);
    let inner = match wsfe.fce.obligado_desde(cuit) {
        Some(desde) => format!("<respuesta>S</respuesta><desde>{}</desde>", desde.format("%Y-%m-%d")),
        None => "<respuesta>N</respuesta>".to_owned(),
    };
    Ok(format!(
        "<consultarObligadoRecepcionReturn>{inner}</consultarObligadoRecepcionReturn>"
    ))
}

/// An amount with its two decimals.
fn importe(value: Decimal) -> String {
    let mut value = value;
    if value.scale() < 2 {
        value.rescale(2);
    }
    value.to_string()
}

fn number<T: std::str::FromStr>(request: &Request<'_>, path: &str) -> Result<Option<T>, Refusal> {
    request
        .text(path)
        .map(|text| {
            text.parse()
                .map_err(|_| Refusal::Format(path.into(), format!("{text} no es un numero valido")))
        })
        .transpose()
}

/// `consultarComprobantes`: one page of the represented CUIT's FCE account.
fn comprobantes(state: &State, request: &Request<'_>, cuit: i64) -> Result<String, Refusal> {
    let receptor = match request.text("rolCUITRepresentada") {
        Some("Receptor") => true,
        Some("Emisor") => false,
        other => {
            return Err(Refusal::Format(
                "rolCUITRepresentada".into(),
                format!("{} no es Emisor ni Receptor", other.unwrap_or_default()),
            ));
        }
    };
    let estado = request.text("estadoCmp").map(str::to_owned);
    if let Some(estado) = &estado
        && ![
            "PendienteRecepcion",
            "Recepcionado",
            "Aceptado",
            "Rechazado",
            "InformadaAgDpto",
        ]
        .contains(&estado.as_str())
    {
        return Err(Refusal::Format(
            "estadoCmp".into(),
            format!("{estado} no es un estado valido"),
        ));
    }
    let fecha = if request.present("fecha") {
        let tipo = request
            .text("fecha/tipo")
            .ok_or_else(|| Refusal::Format("fecha/tipo".into(), "Es obligatorio".into()))?;
        Some((
            tipo.to_owned(),
            required_date(request, "fecha/desde")?,
            required_date(request, "fecha/hasta")?,
        ))
    } else {
        None
    };
    let pagina: i64 = number(request, "nroPagina")?.unwrap_or(1);
    let pagina = usize::try_from(pagina)
        .ok()
        .filter(|p| (1..=32_767).contains(p))
        .ok_or_else(|| Refusal::Format("nroPagina".into(), format!("{pagina} no es una pagina valida")))?;
    let filter = Filter {
        receptor,
        cuit,
        contraparte: number(request, "CUITContraparte")?,
        tipo: number(request, "codTipoCmp")?,
        estado,
        fecha,
        cod_cta_cte: number(request, "codCtaCte")?,
        estado_cta_cte: request.text("estadoCtaCte").map(str::to_owned),
    };
    let mut wsfe = lock(&state.wsfe);
    let (vouchers, opened) = account::all(&mut wsfe);
    if opened {
        state.persist(&wsfe);
    }
    let selected: Vec<FceVoucher> = vouchers.into_iter().filter(|v| filter.matches(v, &wsfe.fce)).collect();
    let (page, more) = account::page(selected, pagina);
    let mut out = String::from("<consultarCmpReturn>");
    if !page.is_empty() {
        out.push_str("<arrayComprobantes>");
        for voucher in &page {
            write_comprobante(&mut out, voucher, &wsfe);
        }
        out.push_str("</arrayComprobantes>");
    }
    out.push_str(&format!(
        "<nroPagina>{pagina}</nroPagina><hayMas>{}</hayMas></consultarCmpReturn>",
        if more { "S" } else { "N" }
    ));
    Ok(out)
}

/// A registry name for `cuit`, or a neutral one.
fn razon_social(wsfe: &crate::wsfe::store::WsfeState, cuit: i64) -> String {
    wsfe.padron
        .get(&cuit)
        .and_then(|record| {
            record.general("razonSocial").or_else(|| {
                let apellido = record.general("apellido")?;
                Some(match record.general("nombre") {
                    Some(nombre) => format!("{apellido} {nombre}"),
                    None => apellido,
                })
            })
        })
        .unwrap_or_else(|| format!("CONTRIBUYENTE {cuit}"))
}

fn write_id(out: &mut String, id: VoucherId, cuit: &str, pto_vta: &str) {
    out.push_str(&format!(
        "<{cuit}>{}</{cuit}><codTipoCmp>{}</codTipoCmp><{pto_vta}>{}</{pto_vta}><nroCmp>{}</nroCmp>",
        id.cuit, id.tipo, id.pto_vta, id.nro
    ));
}

/// One `comprobante`, in `ComprobanteType`'s order.
fn write_comprobante(out: &mut String, voucher: &FceVoucher, wsfe: &crate::wsfe::store::WsfeState) {
    let Some(account) = wsfe.fce.accounts.get(&voucher.account) else {
        return;
    };
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let leaf = |out: &mut String, name: &str, text: &str| {
        out.push_str(&format!("<{name}>{}</{name}>", escape(text)));
    };
    out.push_str("<comprobante>");
    leaf(out, "cuitEmisor", &voucher.id.cuit.to_string());
    leaf(out, "razonSocialEmi", &razon_social(wsfe, voucher.id.cuit));
    leaf(out, "codTipoCmp", &voucher.id.tipo.to_string());
    leaf(out, "ptovta", &voucher.id.pto_vta.to_string());
    leaf(out, "nroCmp", &voucher.id.nro.to_string());
    leaf(out, "cuitReceptor", &voucher.receptor.to_string());
    leaf(out, "razonSocialRecep", &razon_social(wsfe, voucher.receptor));
    leaf(out, "tipoCodAuto", voucher.tipo_cod_auto);
    leaf(out, "codAutorizacion", &voucher.cod_autorizacion);
    leaf(out, "fechaEmision", &day(voucher.fecha_emision));
    if let Some(d) = voucher.fecha_puesta_dispo() {
        leaf(out, "fechaPuestaDispo", &day(d));
    }
    if let Some(d) = voucher.fecha_ven_pago {
        leaf(out, "fechaVenPago", &day(d));
    }
    if let Some(d) = voucher.fecha_ven_acep() {
        leaf(out, "fechaVenAcep", &day(d));
    }
    leaf(out, "importeTotal", &importe(voucher.importe_total));
    leaf(out, "codMoneda", &voucher.cod_moneda);
    leaf(out, "cotizacionMoneda", &voucher.cotizacion.normalize().to_string());
    if let Some(cbu) = &voucher.cbu {
        leaf(out, "CBUEmisor", cbu);
    }
    if let Some(alias) = &voucher.alias {
        leaf(out, "AliasEmisor", alias);
    }
    if let Some(anulacion) = voucher.es_anulacion {
        leaf(out, "esAnulacion", if anulacion { "S" } else { "N" });
    }
    if let Some(asociado) = voucher.asociado {
        out.push_str("<idComprobanteAsociado>");
        write_id(out, asociado, "CUITEmisor", "ptoVta");
        out.push_str("</idComprobanteAsociado>");
    }
    leaf(out, "codCtaCte", &account.cod_cta_cte.to_string());
    let estado_time = account
        .fecha_hora_estado
        .clone()
        .unwrap_or_else(|| voucher.autorizado.clone());
    out.push_str(&format!(
        "<estado><estado>{}</estado><fechaHoraEstado>{estado_time}</fechaHoraEstado></estado>",
        account.estado.as_wire()
    ));
    if let Some(tipo) = &account.tipo_acep {
        leaf(out, "tipoAcep", tipo);
        leaf(out, "fechaHoraAcep", &estado_time);
    }
    if !account.motivos.is_empty() {
        out.push_str("<arrayMotivosRechazo>");
        for motivo in &account.motivos {
            out.push_str("<motivoRechazo>");
            leaf(out, "codMotivo", &motivo.codigo.to_string());
            leaf(out, "descMotivo", &motivo.descripcion);
            leaf(out, "justificacion", &motivo.justificacion);
            out.push_str("</motivoRechazo>");
        }
        out.push_str("</arrayMotivosRechazo>");
    }
    if let Some(opcion) = &voucher.opcion_transferencia {
        leaf(out, "opcionTransferencia", opcion);
    }
    out.push_str("</comprobante>");
}

/// `idCtaCte` as the answer echoes it: the account id when known, else what was sent.
fn id_cta_cte_echo(request: &Request<'_>, code: Option<i64>) -> String {
    if let Some(code) = code.or_else(|| request.text("idCtaCte/codCtaCte").and_then(|c| c.parse().ok())) {
        return format!("<idCtaCte><codCtaCte>{code}</codCtaCte></idCtaCte>");
    }
    let field = |name: &str| escape(request.text(&format!("idCtaCte/idFactura/{name}")).unwrap_or("0"));
    format!(
        "<idCtaCte><idFactura><CUITEmisor>{}</CUITEmisor><codTipoCmp>{}</codTipoCmp><ptoVta>{}</ptoVta><nroCmp>{}</nroCmp></idFactura></idCtaCte>",
        field("CUITEmisor"),
        field("codTipoCmp"),
        field("ptoVta"),
        field("nroCmp")
    )
}

fn target(request: &Request<'_>) -> Result<Target, Refusal> {
    if let Some(code) = number(request, "idCtaCte/codCtaCte")? {
        return Ok(Target::CodCtaCte(code));
    }
    let field = |name: &str| -> Result<i64, Refusal> {
        let path = format!("idCtaCte/idFactura/{name}");
        number(request, &path)?.ok_or_else(|| Refusal::Format(path, "Es obligatorio".into()))
    };
    Ok(Target::Factura(VoucherId {
        cuit: field("CUITEmisor")?,
        tipo: field("codTipoCmp")?,
        pto_vta: field("ptoVta")?,
        nro: field("nroCmp")?,
    }))
}

fn decision(operation: &str, request: &Request<'_>) -> Result<Decision, Refusal> {
    if operation == "aceptarFECred" {
        let saldo_text = request
            .text("saldoAceptado")
            .ok_or_else(|| Refusal::Format("saldoAceptado".into(), "Es obligatorio".into()))?;
        let saldo: Decimal = saldo_text
            .parse()
            .ok()
            .filter(|d: &Decimal| d.normalize().scale() <= 2)
            .ok_or_else(|| Refusal::Format("saldoAceptado".into(), format!("{saldo_text} no es un importe (15,2)")))?;
        let moneda = request
            .text("codMoneda")
            .ok_or_else(|| Refusal::Format("codMoneda".into(), "Es obligatorio".into()))?;
        if request.text("cotizacionMonedaUlt").is_none() {
            return Err(Refusal::Format("cotizacionMonedaUlt".into(), "Es obligatorio".into()));
        }
        return Ok(Decision::Accept {
            saldo,
            moneda: moneda.to_owned(),
        });
    }
    let mut motivos = Vec::new();
    for fields in request.items("arrayMotivosRechazo/motivoRechazo") {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| *t)
                .unwrap_or_default()
        };
        let codigo = get("codMotivo")
            .parse()
            .map_err(|_| Refusal::Format("codMotivo".into(), format!("{} no es un codigo", get("codMotivo"))))?;
        for name in ["descMotivo", "justificacion"] {
            let length = get(name).chars().count();
            if !TEXT_RANGE.contains(&length) {
                return Err(Refusal::Format(
                    name.into(),
                    format!("Debe tener entre 3 y 250 caracteres (tiene {length})"),
                ));
            }
        }
        motivos.push(Motivo {
            codigo,
            descripcion: get("descMotivo").to_owned(),
            justificacion: get("justificacion").to_owned(),
        });
    }
    Ok(Decision::Reject { motivos })
}

/// `aceptarFECred` / `rechazarFECred`: `resultado` A, or R with the refusal.
fn operacion(state: &State, operation: &str, request: &Request<'_>, buyer: i64, now: DateTime<Utc>) -> String {
    let now_text = (now - Duration::hours(3)).format("%Y-%m-%dT%H:%M:%S").to_string();
    let outcome = (|| {
        let target = target(request).map_err(Refused::format)?;
        let decision = decision(operation, request).map_err(Refused::format)?;
        let mut wsfe = lock(&state.wsfe);
        let result = account::decide(&mut wsfe, buyer, &target, decision, &now_text);
        state.persist(&wsfe);
        result.map_err(|(code, text, account)| Refused {
            refusal: Refusal::Error(code, text),
            account,
        })
    })();
    match outcome {
        Ok(code) => format!(
            "<operacionFECredReturn><resultado>A</resultado><idCtaCte><codCtaCte>{code}</codCtaCte></idCtaCte></operacionFECredReturn>"
        ),
        Err(Refused { refusal, account }) => {
            let mut out = format!(
                "<operacionFECredReturn><resultado>R</resultado>{}",
                id_cta_cte_echo(request, account)
            );
            refusal.write(&mut out);
            out.push_str("</operacionFECredReturn>");
            out
        }
    }
}

/// A refused operation, with the account's id when it is known.
struct Refused {
    refusal: Refusal,
    account: Option<i64>,
}

impl Refused {
    fn format(refusal: Refusal) -> Refused {
        Refused { refusal, account: None }
    }
}

/// A successful answer: one line, no XML declaration, `ns2:` on the response element only.
fn respond(operation: &str, inner: &str) -> Response {
    let body = format!(
        concat!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#,
            r#"<ns2:{op}Response xmlns:ns2="{ns}">{inner}</ns2:{op}Response></soap:Body></soap:Envelope>"#
        ),
        op = operation,
        ns = NAMESPACE,
        inner = inner
    );
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}

/// A CXF fault: HTTP 500 with `faultcode`/`faultstring`.
fn fault(code: &str, message: &str) -> Response {
    let body = format!(
        concat!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>"#,
            "<faultcode>{code}</faultcode><faultstring>{message}</faultstring>",
            "</soap:Fault></soap:Body></soap:Envelope>"
        ),
        code = code,
        message = escape(message),
    );
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        body,
    )
        .into_response()
}
