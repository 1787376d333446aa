//! wsfecred on the wire, both ways and purely: envelopes (only `{operation}Request` in
//! [`NAMESPACE`], children unqualified, `authRequest` first), the `SOAPAction`, the checks that
//! refuse what ARCA's types cannot hold before anything is sent, and the decision on an answer:
//! SOAP fault and HTTP status first, then ARCA's `arrayErrores`:
//!
//! | Error | Meaning | Result |
//! |---|---|---|
//! | a text saying the CUIT is not among the token's relations | the CUIT in `authRequest` is not among the ticket's relations | [`Error::Rejected`], [`is_not_represented`]; a new ticket does not help |
//! | a text about the token | token or sign refused, ticket expired | [`Error::TokenRejected`]: get a new ticket |
//! | a text about an internal or database error | ARCA's application or database | [`Error::ArcaInternal`]: retryable |
//! | no text: 601, 600, 500–502 | as the rows above | as the rows above |
//! | any other (`consultar*`) | ARCA refused the query | [`Error::Rejected`] |
//! | any other with `resultado` (`aceptarFECred`, `rechazarFECred`) | ARCA's verdict | `Ok(Operacion { resultado: Rechazado, .. })` |
//!
//! The text decides: the codes 500–502 and 600–601 are the simulator's (docs/arca.md §M.3,
//! UNVERIFIED: no recorded traffic), so they classify an error only when it comes without a
//! text; an error with another text is ARCA's refusal whatever its code, never shown as a
//! ticket or authorization problem or retried.
//! A SOAP fault whose text is a token or representation refusal classifies the same way; any
//! other fault is [`Error::Http`] (a `Client` fault is not retryable). No I/O here.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use crate::Error;
use crate::error::SoapFault;
use crate::padron::ServerStatus;
use crate::wsfe::wire::Fields;
use crate::wsfe::{ArcaErr, Auth};
use crate::xml::{self, Element, escape};

use super::types::{
    Aceptacion, CodigoDescripcion, ComprobanteFce, ComprobantesPage, ComprobantesQuery, EstadoCmp, IdFactura,
    MontoObligado, ObligadoRecepcion, Operacion, Rechazo, ResultadoOperacion,
};
use super::{MAX_MOTIVOS, NAMESPACE};

/// `dummy`.
pub const DUMMY: &str = "dummy";
/// `consultarMontoObligadoRecepcion`.
pub const MONTO_OBLIGADO: &str = "consultarMontoObligadoRecepcion";
/// `consultarObligadoRecepcion`.
pub const OBLIGADO: &str = "consultarObligadoRecepcion";
/// `consultarComprobantes`.
pub const COMPROBANTES: &str = "consultarComprobantes";
/// `aceptarFECred`.
pub const ACEPTAR: &str = "aceptarFECred";
/// `rechazarFECred`.
pub const RECHAZAR: &str = "rechazarFECred";

/// A refused token or sign (the simulator's code; UNVERIFIED).
pub const TOKEN_REJECTED: i32 = 600;
/// The represented CUIT is not among the ticket's relations (the simulator's code; UNVERIFIED).
pub const NOT_REPRESENTED: i32 = 601;

/// `ImporteSimpleType`: 15 digits, 2 of them decimals.
const IMPORTE_MAX: Decimal = Decimal::from_parts(2_764_472_319, 232_830, 0, false, 2); // 9999999999999.99
/// `CuitSimpleType`: more than 9 999 999 999, at most 99 999 999 999.
const CUIT_RANGE: std::ops::RangeInclusive<u64> = 10_000_000_000..=99_999_999_999;
/// `PuntoVentaSimpleType`.
const PTO_VTA_RANGE: std::ops::RangeInclusive<u32> = 1..=99_999;
/// `NumeroComprobanteSimpleType`.
const NRO_CMP_RANGE: std::ops::RangeInclusive<u64> = 1..=99_999_999;
/// `Texto250SimpleType`, in characters.
const TEXT_RANGE: std::ops::RangeInclusive<usize> = 3..=250;

/// The prefix bound to [`NAMESPACE`] in the envelopes we build.
const PREFIX: &str = "fec";

/// The `SOAPAction` header value, quoted: `"http://ar.gob.afip.wsfecred/FECredService/dummy"`.
pub fn soap_action(operation: &str) -> String {
    format!("\"{NAMESPACE}{operation}\"")
}

/// Writes unqualified children.
#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.open(name);
        self.out.push_str(&escape(text));
        self.close(name);
    }

    fn auth(&mut self, auth: &Auth) {
        self.open("authRequest");
        self.leaf("token", auth.token.expose());
        self.leaf("sign", auth.sign.expose());
        self.leaf("cuitRepresentada", &auth.cuit.to_string());
        self.close("authRequest");
    }

    fn id_cta_cte(&mut self, factura: &IdFactura) {
        self.open("idCtaCte");
        self.open("idFactura");
        self.leaf("CUITEmisor", &factura.cuit_emisor.to_string());
        self.leaf("codTipoCmp", &factura.cod_tipo_cmp.to_string());
        self.leaf("ptoVta", &factura.pto_vta.to_string());
        self.leaf("nroCmp", &factura.nro_cmp.to_string());
        self.close("idFactura");
        self.close("idCtaCte");
    }
}

/// The SOAP 1.1 envelope of `{operation}Request`, `write` filling its children.
fn envelope(operation: &str, write: impl FnOnce(&mut Writer)) -> String {
    let mut w = Writer::default();
    write(&mut w);
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:{prefix}="{ns}">"#,
            "<soapenv:Header/><soapenv:Body><{prefix}:{op}Request>{body}</{prefix}:{op}Request></soapenv:Body></soapenv:Envelope>"
        ),
        prefix = PREFIX,
        ns = NAMESPACE,
        op = operation,
        body = w.out
    )
}

/// `dummy`: the WSDL's request message has no part, so the body is empty.
pub fn dummy_envelope() -> String {
    concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">"#,
        "<soapenv:Header/><soapenv:Body/></soapenv:Envelope>"
    )
    .to_owned()
}

/// `consultarMontoObligadoRecepcion(authRequest, cuitConsultada, fechaEmision)`.
pub fn monto_obligado_envelope(auth: &Auth, cuit_consultada: u64, fecha_emision: NaiveDate) -> Result<String, Error> {
    check_cuit("cuitConsultada", cuit_consultada)?;
    Ok(envelope(MONTO_OBLIGADO, |w| {
        w.auth(auth);
        w.leaf("cuitConsultada", &cuit_consultada.to_string());
        w.leaf("fechaEmision", &date(fecha_emision));
    }))
}

/// `consultarObligadoRecepcion(authRequest, cuitConsultada)`.
pub fn obligado_envelope(auth: &Auth, cuit_consultada: u64) -> Result<String, Error> {
    check_cuit("cuitConsultada", cuit_consultada)?;
    Ok(envelope(OBLIGADO, |w| {
        w.auth(auth);
        w.leaf("cuitConsultada", &cuit_consultada.to_string());
    }))
}

/// `consultarComprobantes`, the filters in the WSDL's order; absent ones are omitted.
pub fn comprobantes_envelope(auth: &Auth, query: &ComprobantesQuery) -> Result<String, Error> {
    if let Some(cuit) = query.cuit_contraparte {
        check_cuit("CUITContraparte", cuit)?;
    }
    if let Some(tipo) = query.cod_tipo_cmp {
        check_short("codTipoCmp", i64::from(tipo))?;
    }
    if query.nro_pagina == 0 {
        return Err(Error::InvalidRequest("nroPagina counts from 1".into()));
    }
    check_short("nroPagina", i64::from(query.nro_pagina))?;
    let fecha = match (query.fecha_desde, query.fecha_hasta) {
        (None, None) => None,
        (Some(desde), Some(hasta)) if desde <= hasta => Some((desde, hasta)),
        (Some(desde), Some(hasta)) => {
            return Err(Error::InvalidRequest(format!(
                "fecha: desde {desde} is after hasta {hasta}"
            )));
        }
        _ => {
            return Err(Error::InvalidRequest(
                "fecha needs both desde and hasta (the WSDL requires both)".into(),
            ));
        }
    };
    Ok(envelope(COMPROBANTES, |w| {
        w.auth(auth);
        w.leaf("rolCUITRepresentada", query.rol.as_wire());
        if let Some(cuit) = query.cuit_contraparte {
            w.leaf("CUITContraparte", &cuit.to_string());
        }
        if let Some(tipo) = query.cod_tipo_cmp {
            w.leaf("codTipoCmp", &tipo.to_string());
        }
        if let Some(estado) = query.estado {
            w.leaf("estadoCmp", estado.as_wire());
        }
        if let Some((desde, hasta)) = fecha {
            w.open("fecha");
            w.leaf("tipo", "Emision");
            w.leaf("desde", &date(desde));
            w.leaf("hasta", &date(hasta));
            w.close("fecha");
        }
        w.leaf("nroPagina", &query.nro_pagina.to_string());
    }))
}

/// `aceptarFECred(authRequest, idCtaCte{idFactura}, saldoAceptado, codMoneda,
/// cotizacionMonedaUlt)`. An amount with more than 2 decimals or 15 digits is refused, never
/// rounded.
pub fn aceptar_envelope(auth: &Auth, aceptacion: &Aceptacion) -> Result<String, Error> {
    check_factura(&aceptacion.factura)?;
    let saldo = importe("saldoAceptado", aceptacion.saldo_aceptado)?;
    let moneda = aceptacion.cod_moneda.trim();
    if moneda.is_empty() || moneda.chars().count() > 3 {
        return Err(Error::InvalidRequest(format!(
            "codMoneda {:?} is not a currency code",
            aceptacion.cod_moneda
        )));
    }
    if aceptacion.cotizacion_moneda_ult <= Decimal::ZERO {
        return Err(Error::InvalidRequest(format!(
            "cotizacionMonedaUlt must be positive, not {}",
            aceptacion.cotizacion_moneda_ult
        )));
    }
    Ok(envelope(ACEPTAR, |w| {
        w.auth(auth);
        w.id_cta_cte(&aceptacion.factura);
        w.leaf("saldoAceptado", &saldo);
        w.leaf("codMoneda", moneda);
        // `xsd:decimal`: exactly as given, trailing zeros dropped.
        w.leaf(
            "cotizacionMonedaUlt",
            &aceptacion.cotizacion_moneda_ult.normalize().to_string(),
        );
    }))
}

/// `rechazarFECred(authRequest, idCtaCte{idFactura}, arrayMotivosRechazo)`: 1 to
/// [`MAX_MOTIVOS`] reasons, texts of 3–250 characters (never cut).
pub fn rechazar_envelope(auth: &Auth, rechazo: &Rechazo) -> Result<String, Error> {
    check_factura(&rechazo.factura)?;
    if rechazo.motivos.is_empty() || rechazo.motivos.len() > MAX_MOTIVOS {
        return Err(Error::InvalidRequest(format!(
            "arrayMotivosRechazo takes 1 to {MAX_MOTIVOS} motivos, not {}",
            rechazo.motivos.len()
        )));
    }
    for (index, motivo) in rechazo.motivos.iter().enumerate() {
        check_text(&format!("motivoRechazo[{index}].descMotivo"), &motivo.desc_motivo)?;
        check_text(&format!("motivoRechazo[{index}].justificacion"), &motivo.justificacion)?;
    }
    Ok(envelope(RECHAZAR, |w| {
        w.auth(auth);
        w.id_cta_cte(&rechazo.factura);
        w.open("arrayMotivosRechazo");
        for motivo in &rechazo.motivos {
            w.open("motivoRechazo");
            w.leaf("codMotivo", &motivo.cod_motivo.to_string());
            w.leaf("descMotivo", &motivo.desc_motivo);
            w.leaf("justificacion", &motivo.justificacion);
            w.close("motivoRechazo");
        }
        w.close("arrayMotivosRechazo");
    }))
}

/// `yyyy-mm-dd` (`xsd:date`).
pub fn date(value: NaiveDate) -> String {
    value.format("%Y-%m-%d").to_string()
}

/// An `ImporteSimpleType` as written: plain digits, no exponent; more than 2 decimals or
/// beyond ±9 999 999 999 999.99 is [`Error::InvalidRequest`], never rounded.
pub fn importe(field: &str, value: Decimal) -> Result<String, Error> {
    let normalized = value.normalize();
    if normalized.scale() > 2 {
        return Err(Error::InvalidRequest(format!(
            "{field} {value} has more than 2 decimals (ARCA's amounts have 2; it is not rounded)"
        )));
    }
    if normalized.abs() > IMPORTE_MAX {
        return Err(Error::InvalidRequest(format!(
            "{field} {value} exceeds ARCA's 15 digits"
        )));
    }
    Ok(normalized.to_string())
}

fn check_cuit(field: &str, cuit: u64) -> Result<(), Error> {
    if CUIT_RANGE.contains(&cuit) {
        Ok(())
    } else {
        Err(Error::InvalidRequest(format!("{field} {cuit} is not an 11-digit CUIT")))
    }
}

fn check_short(field: &str, value: i64) -> Result<(), Error> {
    if i16::try_from(value).is_ok() {
        Ok(())
    } else {
        Err(Error::InvalidRequest(format!(
            "{field} {value} exceeds the WSDL's short"
        )))
    }
}

fn check_factura(factura: &IdFactura) -> Result<(), Error> {
    check_cuit("CUITEmisor", factura.cuit_emisor)?;
    check_short("codTipoCmp", i64::from(factura.cod_tipo_cmp))?;
    if !PTO_VTA_RANGE.contains(&factura.pto_vta) {
        return Err(Error::InvalidRequest(format!(
            "ptoVta {} is outside 1–99999",
            factura.pto_vta
        )));
    }
    if !NRO_CMP_RANGE.contains(&factura.nro_cmp) {
        return Err(Error::InvalidRequest(format!(
            "nroCmp {} is outside 1–99999999",
            factura.nro_cmp
        )));
    }
    Ok(())
}

fn check_text(field: &str, text: &str) -> Result<(), Error> {
    let length = text.chars().count();
    if TEXT_RANGE.contains(&length) {
        Ok(())
    } else {
        Err(Error::InvalidRequest(format!(
            "{field} must have 3 to 250 characters, not {length}"
        )))
    }
}

/// Fragments (lower case, no accents) of texts saying the ticket may not act for the CUIT.
const NOT_REPRESENTED_TEXTS: [&str; 4] = [
    "representada no incluida",
    "actuar en representacion",
    "lista de relaciones",
    "no autorizado a representar",
];

/// Fragments (lower case, no accents) of texts saying ARCA's application or database failed.
const INTERNAL_TEXTS: [&str; 4] = ["error interno", "base de datos", "transaccion activa", "internal error"];

/// Whether one of ARCA's errors says the represented CUIT is not among the ticket's relations
/// (the certificate is not authorized to act for it): such a text, or code 601 without a text.
pub fn is_not_represented(error: &ArcaErr) -> bool {
    let text = fold(&error.msg);
    if text.trim().is_empty() {
        return error.code == NOT_REPRESENTED;
    }
    NOT_REPRESENTED_TEXTS.iter().any(|fragment| text.contains(fragment))
}

/// Whether one of ARCA's errors says its application or database failed: such a text, or
/// 500–502 without a text.
fn is_internal(error: &ArcaErr) -> bool {
    let text = fold(&error.msg);
    if text.trim().is_empty() {
        return matches!(error.code, 500..=502);
    }
    INTERNAL_TEXTS.iter().any(|fragment| text.contains(fragment))
}

/// Whether one of ARCA's errors refuses the token or its sign: a text about the token (or the
/// sign), or code 600 without a text.
fn is_token_refusal(error: &ArcaErr) -> bool {
    let text = fold(&error.msg);
    if text.trim().is_empty() {
        return error.code == TOKEN_REJECTED;
    }
    !is_not_represented(error) && (text.contains("token") || text.contains("firma"))
}

/// Errors that end a call even beside a `resultado`: authentication and infrastructure.
fn is_fatal(error: &ArcaErr) -> bool {
    is_internal(error) || is_token_refusal(error) || is_not_represented(error)
}

/// The error for `arrayErrores` that end the call (rules in the module docs).
pub fn error_from(errors: &[CodigoDescripcion]) -> Error {
    let errors: Vec<ArcaErr> = errors.iter().map(arca_err).collect();
    if errors.iter().any(is_token_refusal) {
        Error::TokenRejected { errors }
    } else if errors.iter().any(is_not_represented) {
        Error::Rejected { errors }
    } else if errors.iter().any(is_internal) {
        Error::ArcaInternal { errors }
    } else {
        Error::Rejected { errors }
    }
}

fn arca_err(error: &CodigoDescripcion) -> ArcaErr {
    ArcaErr {
        code: error.codigo,
        msg: error.descripcion.clone(),
    }
}

/// Lower case, accents dropped.
fn fold(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            other => other,
        })
        .collect()
}

/// Fault, HTTP status and shape: the `{operation}Response` of an answer.
pub fn response_element(status: u16, body: &str, operation: &str) -> Result<Element, Error> {
    let parsed = xml::parse(body);
    if let Some(fault) = parsed.as_ref().ok().and_then(soap_fault) {
        let as_error = ArcaErr {
            code: 0,
            msg: fault.message.clone(),
        };
        if is_not_represented(&as_error) {
            return Err(Error::Rejected { errors: vec![as_error] });
        }
        if is_token_refusal(&as_error) {
            return Err(Error::TokenRejected { errors: vec![as_error] });
        }
        return Err(Error::Http {
            status,
            body_excerpt: excerpt(body),
            fault: Some(fault),
        });
    }
    if status != 200 {
        return Err(Error::Http {
            status,
            body_excerpt: excerpt(body),
            fault: None,
        });
    }
    let envelope = parsed.map_err(|e| Error::Malformed(e.to_string()))?;
    let response = format!("{operation}Response");
    envelope
        .path(&["Body", &response])
        .cloned()
        .ok_or_else(|| Error::Malformed(format!("no {response} in wsfecred's answer")))
}

/// The one child of a response that holds its data.
fn returned<'a>(response: &'a Element, name: &str) -> Result<&'a Element, Error> {
    response
        .child(name)
        .ok_or_else(|| Error::Malformed(format!("{} has no {name}", response.name)))
}

/// `arrayErrores` and `arrayErroresFormato` together (format codes are strings: they lead the
/// text, under code 0).
fn errores(fields: Fields<'_>) -> Result<Vec<CodigoDescripcion>, Error> {
    let mut errors = codigos(fields, "arrayErrores")?;
    errors.extend(fields.array("arrayErroresFormato", "codigoDescripcionString", |f| {
        Ok(CodigoDescripcion {
            codigo: 0,
            descripcion: format!(
                "{}: {}",
                f.string("codigo").unwrap_or_default(),
                f.string("descripcion").unwrap_or_default()
            ),
        })
    })?);
    Ok(errors)
}

fn codigos(fields: Fields<'_>, array: &str) -> Result<Vec<CodigoDescripcion>, Error> {
    fields.array(array, "codigoDescripcion", codigo_descripcion)
}

fn codigo_descripcion(f: Fields<'_>) -> Result<CodigoDescripcion, Error> {
    Ok(CodigoDescripcion {
        codigo: f.required_number("codigo")?,
        descripcion: f.string("descripcion").unwrap_or_default(),
    })
}

/// The whole decision on a `dummy` answer.
pub fn interpret_dummy(status: u16, body: &str) -> Result<ServerStatus, Error> {
    let response = response_element(status, body, DUMMY)?;
    let result = returned(&response, "dummyReturn")?;
    let field = |name: &str| result.child_text(name).unwrap_or_default().to_owned();
    Ok(ServerStatus {
        appserver: field("appserver"),
        authserver: field("authserver"),
        dbserver: field("dbserver"),
    })
}

/// The whole decision on a `consultarMontoObligadoRecepcion` answer.
pub fn interpret_monto_obligado(status: u16, body: &str) -> Result<MontoObligado, Error> {
    let response = response_element(status, body, MONTO_OBLIGADO)?;
    let fields = Fields::of(returned(&response, "consultarMontoObligadoRecepcionReturn")?);
    let errors = errores(fields)?;
    if !errors.is_empty() {
        return Err(error_from(&errors));
    }
    let obligado = fields
        .yes_no("obligado")?
        .ok_or_else(|| Error::Malformed("consultarMontoObligadoRecepcionReturn has no obligado".into()))?;
    Ok(MontoObligado {
        obligado,
        monto_desde: fields.decimal("montoDesde")?,
        observaciones: codigos(fields, "arrayObservacion")?,
    })
}

/// The whole decision on a `consultarObligadoRecepcion` answer.
pub fn interpret_obligado(status: u16, body: &str) -> Result<ObligadoRecepcion, Error> {
    let response = response_element(status, body, OBLIGADO)?;
    let fields = Fields::of(returned(&response, "consultarObligadoRecepcionReturn")?);
    let errors = errores(fields)?;
    if !errors.is_empty() {
        return Err(error_from(&errors));
    }
    let obligado = fields
        .yes_no("respuesta")?
        .ok_or_else(|| Error::Malformed("consultarObligadoRecepcionReturn has no respuesta".into()))?;
    Ok(ObligadoRecepcion {
        obligado,
        desde: xsd_date(fields, "desde")?,
        observaciones: codigos(fields, "arrayObservacion")?,
    })
}

/// The whole decision on a `consultarComprobantes` answer.
pub fn interpret_comprobantes(status: u16, body: &str) -> Result<ComprobantesPage, Error> {
    let response = response_element(status, body, COMPROBANTES)?;
    let fields = Fields::of(returned(&response, "consultarCmpReturn")?);
    let errors = errores(fields)?;
    if !errors.is_empty() {
        return Err(error_from(&errors));
    }
    Ok(ComprobantesPage {
        comprobantes: fields.array("arrayComprobantes", "comprobante", comprobante)?,
        nro_pagina: fields.number("nroPagina")?.unwrap_or(1),
        hay_mas: fields.yes_no("hayMas")?.unwrap_or(false),
        observaciones: codigos(fields, "arrayObservaciones")?,
    })
}

/// The whole decision on an `aceptarFECred` or `rechazarFECred` answer: `resultado` with
/// business errors is ARCA's verdict (`Ok`); authentication and infrastructure errors are not.
pub fn interpret_operacion(status: u16, body: &str, operation: &str) -> Result<Operacion, Error> {
    let response = response_element(status, body, operation)?;
    let result = returned(&response, "operacionFECredReturn")?;
    let fields = Fields::of(result);
    let errors = errores(fields)?;
    if errors.iter().map(arca_err).any(|e| is_fatal(&e)) {
        return Err(error_from(&errors));
    }
    let resultado = match fields.text("resultado") {
        None if !errors.is_empty() => return Err(error_from(&errors)),
        None => return Err(Error::Malformed("operacionFECredReturn has no resultado".into())),
        Some(text) => ResultadoOperacion::from_wire(text)
            .ok_or_else(|| Error::Malformed(format!("wsfecred resultado {text:?}")))?,
    };
    let cod_cta_cte = result
        .child("idCtaCte")
        .map(|id| Fields::of(id).number::<i64>("codCtaCte"))
        .transpose()?
        .flatten();
    Ok(Operacion {
        resultado,
        cod_cta_cte,
        evento: result
            .child("evento")
            .map(|e| codigo_descripcion(Fields::of(e)))
            .transpose()?,
        observaciones: codigos(fields, "arrayObservaciones")?,
        errores: errors,
    })
}

fn id_factura(f: Fields<'_>, cuit: &str, pto_vta: &str) -> Result<IdFactura, Error> {
    Ok(IdFactura {
        cuit_emisor: f.required_number(cuit)?,
        cod_tipo_cmp: f.required_number("codTipoCmp")?,
        pto_vta: f.required_number(pto_vta)?,
        nro_cmp: f.required_number("nroCmp")?,
    })
}

/// One `comprobante` (`ComprobanteType`).
fn comprobante(f: Fields<'_>) -> Result<ComprobanteFce, Error> {
    let element = f.element();
    let estado = element.child("estado");
    let estado_fields = estado.map(Fields::of);
    let estado_cmp = match estado_fields.and_then(|e| e.text("estado")) {
        None => None,
        Some(text) => {
            Some(EstadoCmp::from_wire(text).ok_or_else(|| Error::Malformed(format!("comprobante estado {text:?}")))?)
        }
    };
    Ok(ComprobanteFce {
        id: id_factura(f, "cuitEmisor", "ptovta")?,
        razon_social_emisor: f.string("razonSocialEmi").unwrap_or_default(),
        cuit_receptor: f.required_number("cuitReceptor")?,
        razon_social_receptor: f.string("razonSocialRecep"),
        tipo_cod_auto: f.required_string("tipoCodAuto")?,
        cod_autorizacion: f.required_string("codAutorizacion")?,
        fecha_emision: xsd_date(f, "fechaEmision")?
            .ok_or_else(|| Error::Malformed("comprobante has no fechaEmision".into()))?,
        fecha_puesta_dispo: xsd_date(f, "fechaPuestaDispo")?,
        fecha_vencimiento_pago: xsd_date(f, "fechaVenPago")?,
        fecha_vencimiento_aceptacion: xsd_date(f, "fechaVenAcep")?,
        importe_total: f.required_decimal("importeTotal")?,
        cod_moneda: f.required_string("codMoneda")?,
        cotizacion: f.required_decimal("cotizacionMoneda")?,
        cbu_emisor: f.string("CBUEmisor"),
        alias_emisor: f.string("AliasEmisor"),
        es_anulacion: f.yes_no("esAnulacion")?.unwrap_or(false),
        comprobante_asociado: element
            .child("idComprobanteAsociado")
            .map(|id| id_factura(Fields::of(id), "CUITEmisor", "ptoVta"))
            .transpose()?,
        cod_cta_cte: f.number("codCtaCte")?,
        estado: estado_cmp,
        fecha_hora_estado: estado_fields
            .map(|e| xsd_date_time(e, "fechaHoraEstado"))
            .transpose()?
            .flatten(),
        tipo_aceptacion: f.string("tipoAcep"),
        fecha_hora_aceptacion: xsd_date_time(f, "fechaHoraAcep")?,
        opcion_transferencia: f.string("opcionTransferencia"),
    })
}

/// An optional `xsd:date` (`2026-12-06`, a zone suffix ignored: ARCA's dates are Argentina's).
fn xsd_date(f: Fields<'_>, name: &str) -> Result<Option<NaiveDate>, Error> {
    f.text(name)
        .map(|text| {
            text.get(..10)
                .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
                .ok_or_else(|| Error::Malformed(format!("{name} is not a date: {text:?}")))
        })
        .transpose()
}

/// An optional `xsd:dateTime` (`2026-12-06T10:11:12`, fractions and zone ignored).
fn xsd_date_time(f: Fields<'_>, name: &str) -> Result<Option<NaiveDateTime>, Error> {
    f.text(name)
        .map(|text| {
            text.get(..19)
                .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok())
                .ok_or_else(|| Error::Malformed(format!("{name} is not a date and time: {text:?}")))
        })
        .transpose()
}

fn soap_fault(envelope: &Element) -> Option<SoapFault> {
    let fault = envelope.path(&["Body", "Fault"])?;
    Some(SoapFault {
        code: fault.child_text("faultcode").unwrap_or_default().to_owned(),
        message: fault.child_text("faultstring").unwrap_or_default().to_owned(),
    })
}

fn excerpt(body: &str) -> String {
    body.chars().take(200).collect()
}
