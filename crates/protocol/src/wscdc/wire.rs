//! WSCDC on the wire, both ways and purely: envelopes (every element in [`NAMESPACE`]), the
//! `SOAPAction`, and the decision on an answer — HTTP status and SOAP fault first, then ARCA's
//! `Errors`:
//!
//! | `Err` code | Meaning | Result |
//! |---|---|---|
//! | 600 | token or sign refused | [`Error::TokenRejected`]: get a new ticket |
//! | 601 | the CUIT in `Auth` is not among the ticket's relations | [`Error::Rejected`]: not represented; a new ticket does not help |
//! | 602 | the represented CUIT is not active | [`Error::Rejected`] |
//! | 500–502 | ARCA's application or database | [`Error::ArcaInternal`]: retryable |
//! | 503 | "Sin Resultados" | an empty list on the parameter look-ups |
//! | 1–8 (format) with a `Resultado` | the checked data are malformed | part of the `R` verdict |
//!
//! No I/O here.

use crate::Cuit;
use crate::Error;
use crate::error::SoapFault;
use crate::padron::ServerStatus;
use crate::wsfe::wire::{Fields, date, parse_date};
use crate::wsfe::{ArcaErr, Auth, Resultado};
use crate::xml::{self, Element, escape};

use super::NAMESPACE;
use super::types::{CbteModo, CmpDatos, CodeDesc, ConstatarResult, WscdcObs};

/// `ComprobanteConstatar`.
pub const CONSTATAR: &str = "ComprobanteConstatar";
/// `ComprobanteDummy`.
pub const DUMMY: &str = "ComprobanteDummy";
/// `ComprobantesModalidadConsultar`.
pub const MODALIDADES: &str = "ComprobantesModalidadConsultar";
/// `ComprobantesTipoConsultar`.
pub const TIPOS_COMPROBANTE: &str = "ComprobantesTipoConsultar";
/// `DocumentosTipoConsultar`.
pub const TIPOS_DOCUMENTO: &str = "DocumentosTipoConsultar";
/// `OpcionalesTipoConsultar`.
pub const TIPOS_OPCIONALES: &str = "OpcionalesTipoConsultar";

/// "Sin Resultados" on a look-up.
pub const NO_RESULTS: i32 = 503;

/// The prefix bound to [`NAMESPACE`] in the envelopes we build.
const PREFIX: &str = "cdc";

/// The `SOAPAction` header value, quoted: `"http://servicios1.afip.gob.ar/wscdc/ComprobanteConstatar"`.
pub fn soap_action(operation: &str) -> String {
    format!("\"{NAMESPACE}{operation}\"")
}

#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    fn open(&mut self, name: &str) {
        self.out.push_str(&format!("<{PREFIX}:{name}>"));
    }

    fn close(&mut self, name: &str) {
        self.out.push_str(&format!("</{PREFIX}:{name}>"));
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.out
            .push_str(&format!("<{PREFIX}:{name}>{}</{PREFIX}:{name}>", escape(text)));
    }

    fn auth(&mut self, auth: &Auth) {
        self.open("Auth");
        self.leaf("Token", auth.token.expose());
        self.leaf("Sign", auth.sign.expose());
        self.leaf("Cuit", &auth.cuit.to_string());
        self.close("Auth");
    }
}

fn envelope(operation: &str, write: impl FnOnce(&mut Writer)) -> String {
    let mut w = Writer::default();
    w.open(operation);
    write(&mut w);
    w.close(operation);
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="utf-8"?>"#,
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:{prefix}="{ns}">"#,
            "<soap:Header/><soap:Body>{body}</soap:Body></soap:Envelope>"
        ),
        prefix = PREFIX,
        ns = NAMESPACE,
        body = w.out
    )
}

/// `ComprobanteConstatar(Auth, CmpReq)`, `CmpReq`'s fields in WSDL order; absent receiver
/// fields and an empty `Opcionales` are omitted.
pub fn constatar_envelope(auth: &Auth, cmp: &CmpDatos) -> String {
    envelope(CONSTATAR, |w| {
        w.auth(auth);
        w.open("CmpReq");
        w.leaf("CbteModo", cmp.cbte_modo.code());
        w.leaf("CuitEmisor", &cmp.cuit_emisor.to_string());
        w.leaf("PtoVta", &cmp.pto_vta.to_string());
        w.leaf("CbteTipo", &cmp.cbte_tipo.to_string());
        w.leaf("CbteNro", &cmp.cbte_nro.to_string());
        w.leaf("CbteFch", &date(cmp.cbte_fch));
        // Exactly as given: `normalize` only drops trailing zeros, never rounds.
        w.leaf("ImpTotal", &cmp.imp_total.normalize().to_string());
        w.leaf("CodAutorizacion", &cmp.cod_autorizacion);
        if let Some(tipo) = &cmp.doc_tipo_receptor {
            w.leaf("DocTipoReceptor", tipo);
        }
        if let Some(nro) = &cmp.doc_nro_receptor {
            w.leaf("DocNroReceptor", nro);
        }
        if !cmp.opcionales.is_empty() {
            w.open("Opcionales");
            for (id, valor) in &cmp.opcionales {
                w.open("Opcional");
                w.leaf("Id", id);
                w.leaf("Valor", valor);
                w.close("Opcional");
            }
            w.close("Opcionales");
        }
        w.close("CmpReq");
    })
}

/// A parameter look-up (`operation` one of the `*Consultar` but `ComprobanteConstatar`).
pub fn parameter_envelope(operation: &str, auth: &Auth) -> String {
    envelope(operation, |w| w.auth(auth))
}

/// `ComprobanteDummy` (no `Auth`).
pub fn dummy_envelope() -> String {
    envelope(DUMMY, |_| {})
}

/// HTTP status, SOAP fault and shape: the `{operation}Result` element of a 200 answer.
pub fn result_element(status: u16, body: &str, operation: &str) -> Result<Element, Error> {
    let parsed = xml::parse(body);
    if status != 200 {
        // ASMX answers its plumbing faults with 500 and a SOAP fault; proxies with anything.
        let fault = parsed.as_ref().ok().and_then(soap_fault);
        return Err(Error::Http {
            status,
            body_excerpt: body.chars().take(200).collect(),
            fault,
        });
    }
    let envelope = parsed.map_err(|e| Error::Malformed(e.to_string()))?;
    if let Some(fault) = soap_fault(&envelope) {
        return Err(Error::Malformed(format!("SOAP fault in a 200 answer: {fault}")));
    }
    let response = format!("{operation}Response");
    let result = format!("{operation}Result");
    envelope
        .path(&["Body", &response, &result])
        .cloned()
        .ok_or_else(|| Error::Malformed(format!("no {response}/{result} in WSCDC's answer")))
}

/// The error for `Errors` that end the call (rules in the module docs).
pub fn error_from(errors: &[WscdcObs]) -> Error {
    let codes = || errors.iter().map(|e| e.code);
    let errors: Vec<ArcaErr> = errors
        .iter()
        .map(|e| ArcaErr {
            code: e.code,
            msg: e.msg.clone(),
        })
        .collect();
    if codes().any(|c| c == 600) {
        Error::TokenRejected { errors }
    } else if codes().any(|c| matches!(c, 601 | 602)) {
        Error::Rejected { errors }
    } else if codes().any(|c| matches!(c, 500..=502)) {
        Error::ArcaInternal { errors }
    } else {
        Error::Rejected { errors }
    }
}

/// Codes that end a call even beside a `Resultado`: authentication and infrastructure.
fn is_fatal(code: i32) -> bool {
    matches!(code, 500..=503 | 600..=602)
}

/// The whole decision on a `ComprobanteConstatar` answer. `R` with `Observaciones` or format
/// `Errors` is a result; authentication and infrastructure errors are errors.
pub fn interpret_constatar(status: u16, body: &str) -> Result<ConstatarResult, Error> {
    let result = result_element(status, body, CONSTATAR)?;
    let fields = Fields::of(&result);
    let errors = messages(fields, "Errors", "Err")?;
    if errors.iter().any(|e| is_fatal(e.code)) {
        return Err(error_from(&errors));
    }
    let resultado = match fields.text("Resultado") {
        None if !errors.is_empty() => return Err(error_from(&errors)),
        None => return Err(Error::Malformed("ComprobanteConstatarResult has no Resultado".into())),
        Some(text) => match Resultado::parse(text) {
            Some(r @ (Resultado::A | Resultado::R)) => r,
            _ => return Err(Error::Malformed(format!("WSCDC Resultado {text:?}"))),
        },
    };
    Ok(ConstatarResult {
        resultado,
        observaciones: messages(fields, "Observaciones", "Obs")?,
        errors,
        events: messages(fields, "Events", "Evt")?,
        fch_proceso: fields.string("FchProceso"),
        // The echo is informative: an unreadable one does not hide the verdict.
        cmp_resp: result.child("CmpResp").and_then(|c| cmp_datos(c).ok()),
    })
}

/// The whole decision on a parameter look-up: its rows, or none on 503.
pub fn interpret_parameters(status: u16, body: &str, operation: &str) -> Result<Vec<CodeDesc>, Error> {
    let result = result_element(status, body, operation)?;
    let fields = Fields::of(&result);
    let errors = messages(fields, "Errors", "Err")?;
    if !errors.is_empty() {
        if errors.iter().all(|e| e.code == NO_RESULTS) {
            return Ok(Vec::new());
        }
        return Err(error_from(&errors));
    }
    let Some(rows) = result.child("ResultGet") else {
        return Ok(Vec::new());
    };
    rows.children
        .iter()
        .map(|row| {
            let f = Fields::of(row);
            Ok(CodeDesc {
                id: f
                    .string("Id")
                    .or_else(|| f.string("Cod"))
                    .ok_or_else(|| Error::Malformed(format!("{} has no Id or Cod", row.name)))?,
                desc: f.string("Desc").unwrap_or_default(),
                fch_desde: f.string("FchDesde"),
                fch_hasta: f.string("FchHasta"),
            })
        })
        .collect()
}

/// The whole decision on a `ComprobanteDummy` answer.
pub fn interpret_dummy(status: u16, body: &str) -> Result<ServerStatus, Error> {
    let result = result_element(status, body, DUMMY)?;
    let field = |name: &str| result.child_text(name).unwrap_or_default().to_owned();
    Ok(ServerStatus {
        appserver: field("AppServer"),
        authserver: field("AuthServer"),
        dbserver: field("DbServer"),
    })
}

/// Reads `Code`/`Msg` items of an array (`Errors/Err`, `Observaciones/Obs`, `Events/Evt`).
fn messages(fields: Fields<'_>, array: &str, item: &str) -> Result<Vec<WscdcObs>, Error> {
    fields.array(array, item, |f| {
        Ok(WscdcObs {
            code: f.required_number("Code")?,
            msg: f.string("Msg").unwrap_or_default(),
        })
    })
}

/// Reads a `CmpDatos` element (`CmpReq` or `CmpResp`).
pub fn cmp_datos(element: &Element) -> Result<CmpDatos, Error> {
    let f = Fields::of(element);
    let modo = f.required_string("CbteModo")?;
    let cuit = f.required_string("CuitEmisor")?;
    let fch = f.required_string("CbteFch")?;
    Ok(CmpDatos {
        cbte_modo: CbteModo::from_code(&modo).ok_or_else(|| Error::Malformed(format!("CbteModo {modo:?}")))?,
        cuit_emisor: Cuit::parse(&cuit).map_err(|e| Error::Malformed(format!("CuitEmisor {cuit:?}: {e}")))?,
        pto_vta: f.required_number("PtoVta")?,
        cbte_tipo: f.required_number("CbteTipo")?,
        cbte_nro: f.required_number("CbteNro")?,
        cbte_fch: parse_date(&fch).ok_or_else(|| Error::Malformed(format!("CbteFch {fch:?}")))?,
        imp_total: f.required_decimal("ImpTotal")?,
        cod_autorizacion: f.required_string("CodAutorizacion")?,
        doc_tipo_receptor: f.string("DocTipoReceptor"),
        doc_nro_receptor: f.string("DocNroReceptor"),
        opcionales: f.array("Opcionales", "Opcional", |o| {
            Ok((o.required_string("Id")?, o.string("Valor").unwrap_or_default()))
        })?,
    })
}

fn soap_fault(envelope: &Element) -> Option<SoapFault> {
    let fault = envelope.path(&["Body", "Fault"])?;
    Some(SoapFault {
        code: fault.child_text("faultcode").unwrap_or_default().to_owned(),
        message: fault.child_text("faultstring").unwrap_or_default().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn auth() -> Auth {
        Auth {
            token: Secret::new("TOKEN<&>"),
            sign: Secret::new("SIGN"),
            cuit: Cuit::parse("20267565393").unwrap(),
        }
    }

    fn cmp() -> CmpDatos {
        CmpDatos {
            cbte_modo: CbteModo::Cae,
            cuit_emisor: Cuit::parse("20267565393").unwrap(),
            pto_vta: 5,
            cbte_tipo: 1,
            cbte_nro: 2424,
            cbte_fch: NaiveDate::from_ymd_opt(2019, 8, 13).unwrap(),
            imp_total: Decimal::from_str("1754.50").unwrap(),
            cod_autorizacion: "69333775104382".into(),
            doc_tipo_receptor: Some("80".into()),
            doc_nro_receptor: Some("30712345671".into()),
            opcionales: vec![("2101".into(), "x".into())],
        }
    }

    fn body_of(envelope: &str) -> &str {
        envelope
            .split("<soap:Body>")
            .nth(1)
            .and_then(|b| b.split("</soap:Body>").next())
            .unwrap()
    }

    #[test]
    fn constatar_envelope_is_qualified_and_in_wsdl_order() {
        let envelope = constatar_envelope(&auth(), &cmp());
        assert!(envelope.contains(r#"xmlns:cdc="http://servicios1.afip.gob.ar/wscdc/""#));
        let body = body_of(&envelope);
        assert!(
            body.split('<')
                .skip(1)
                .all(|tag| tag.starts_with("cdc:") || tag.starts_with("/cdc:")),
            "{body}"
        );
        assert!(body.contains("<cdc:Token>TOKEN&lt;&amp;&gt;</cdc:Token>"));
        let parsed = xml::parse(&envelope).unwrap();
        let req = parsed.path(&["Body", CONSTATAR, "CmpReq"]).unwrap();
        let names: Vec<&str> = req.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "CbteModo",
                "CuitEmisor",
                "PtoVta",
                "CbteTipo",
                "CbteNro",
                "CbteFch",
                "ImpTotal",
                "CodAutorizacion",
                "DocTipoReceptor",
                "DocNroReceptor",
                "Opcionales"
            ]
        );
        assert_eq!(req.child_text("ImpTotal"), Some("1754.5"));
        assert_eq!(req.child_text("CbteFch"), Some("20190813"));
        // The request reads back into the same data.
        assert_eq!(cmp_datos(req).unwrap(), cmp());

        // Many decimals are kept, not rounded to two.
        let precise = CmpDatos {
            imp_total: Decimal::from_str("0.125").unwrap(),
            doc_tipo_receptor: None,
            doc_nro_receptor: None,
            opcionales: Vec::new(),
            ..cmp()
        };
        let envelope = constatar_envelope(&auth(), &precise);
        assert!(envelope.contains("<cdc:ImpTotal>0.125</cdc:ImpTotal>"));
        assert!(!envelope.contains("DocTipoReceptor") && !envelope.contains("Opcionales"));

        assert_eq!(
            soap_action(CONSTATAR),
            "\"http://servicios1.afip.gob.ar/wscdc/ComprobanteConstatar\""
        );
        assert!(!dummy_envelope().contains("Auth"));
        assert!(parameter_envelope(TIPOS_DOCUMENTO, &auth()).contains("<cdc:DocumentosTipoConsultar><cdc:Auth>"));
    }

    fn answer(operation: &str, result: &str) -> String {
        format!(
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">"#,
                r#"<soap:Body><{op}Response xmlns="http://servicios1.afip.gob.ar/wscdc/"><{op}Result>{result}"#,
                "</{op}Result></{op}Response></soap:Body></soap:Envelope>"
            ),
            op = operation,
            result = result
        )
    }

    fn err(code: i32) -> String {
        format!(
            "<Errors><Err><Code>{code}</Code><Msg>m{code}</Msg></Err></Errors><Events><Evt><Code>0</Code></Evt></Events>"
        )
    }

    #[test]
    fn errors_are_classified() {
        let token = interpret_constatar(200, &answer(CONSTATAR, &err(600))).unwrap_err();
        assert!(matches!(token, Error::TokenRejected { .. }) && token.needs_new_ticket() && !token.retryable());
        for code in [601, 602] {
            let error = interpret_constatar(200, &answer(CONSTATAR, &err(code))).unwrap_err();
            assert!(
                matches!(error, Error::Rejected { .. }) && !error.needs_new_ticket() && !error.retryable(),
                "{code}: {error:?}"
            );
            assert_eq!(error.arca_errors()[0].code, code);
        }
        for code in [500, 501, 502] {
            let error = interpret_parameters(200, &answer(MODALIDADES, &err(code)), MODALIDADES).unwrap_err();
            assert!(
                matches!(error, Error::ArcaInternal { .. }) && error.retryable(),
                "{code}"
            );
        }
        // 503 on a look-up is an empty list.
        assert_eq!(
            interpret_parameters(200, &answer(TIPOS_OPCIONALES, &err(503)), TIPOS_OPCIONALES).unwrap(),
            []
        );
        // Any other error with no verdict is a rejection.
        let error = interpret_constatar(200, &answer(CONSTATAR, &err(3))).unwrap_err();
        assert!(matches!(error, Error::Rejected { .. }));
    }

    #[test]
    fn verdicts() {
        let r_with_format_error = format!(
            "<Resultado>R</Resultado>{}<FchProceso>20210722185038</FchProceso>",
            err(5)
        );
        let result = interpret_constatar(200, &answer(CONSTATAR, &r_with_format_error)).unwrap();
        assert_eq!(result.resultado, Resultado::R);
        assert_eq!(
            result.errors,
            [WscdcObs {
                code: 5,
                msg: "m5".into()
            }]
        );
        assert_eq!(
            result.events,
            [WscdcObs {
                code: 0,
                msg: String::new()
            }]
        );
        assert_eq!(result.fch_proceso.as_deref(), Some("20210722185038"));
        assert_eq!(result.cmp_resp, None);

        let partial = interpret_constatar(200, &answer(CONSTATAR, "<Resultado>P</Resultado>")).unwrap_err();
        assert!(matches!(partial, Error::Malformed(_)));
        let empty = interpret_constatar(200, &answer(CONSTATAR, "")).unwrap_err();
        assert!(matches!(empty, Error::Malformed(_)));

        let fault = concat!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>"#,
            "<faultcode>soap:Client</faultcode><faultstring>Server did not recognize the value of HTTP Header SOAPAction</faultstring>",
            "</soap:Fault></soap:Body></soap:Envelope>"
        );
        let error = interpret_dummy(500, fault).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Http {
                    status: 500,
                    fault: Some(_),
                    ..
                }
            ) && !error.retryable()
        );
        let status = interpret_dummy(
            200,
            &answer(
                DUMMY,
                "<AppServer>OK</AppServer><DbServer>OK</DbServer><AuthServer>OK</AuthServer>",
            ),
        )
        .unwrap();
        assert!(status.all_ok());
    }
}
