//! One WSFEv1 call as a pure value: the [`Operation`] trait ties a request type to its
//! operation name, its body, its response parser and the rule that turns that response into
//! the caller's result. [`request_envelope`] and [`interpret`] are the two pure halves of a call;
//! the client only adds the HTTP exchange between them.
//!
//! Nothing here does I/O.

use crate::Error;
use crate::error::SoapFault;
use crate::xml::{self, Element};

use super::auth::Auth;
use super::wire::{Fields, NAMESPACE, XmlWriter};

/// A WSFEv1 operation: implemented by each request type (named like the WSDL's request element).
pub trait Operation {
    /// The operation name: request element, `SOAPAction` suffix, and `{NAME}Response` /
    /// `{NAME}Result` in the answer.
    const NAME: &'static str;
    /// Whether the request carries `Auth` (every operation but `FEDummy`).
    const AUTHENTICATED: bool = true;
    /// Everything the `...Result` element says, `Errors` and `Events` included.
    type Response;
    /// What a successful call returns once ARCA's `Errors` have been classified.
    type Output;

    /// Writes the request's own elements (after `Auth`).
    fn write_params(&self, w: &mut XmlWriter);

    /// Reads the `{NAME}Result` element.
    fn parse_result(result: Fields<'_>) -> Result<Self::Response, Error>;

    /// Decides whether the response is a result or an error (see [`super::outcome`]).
    fn into_output(response: Self::Response) -> Result<Self::Output, Error>;
}

/// The `SOAPAction` header value, quoted as ASMX expects: `"http://ar.gov.afip.dif.FEV1/FEDummy"`.
pub fn soap_action(operation: &str) -> String {
    format!("\"{NAMESPACE}{operation}\"")
}

/// The SOAP 1.1 envelope of a call. `auth` is written when given; pass `None` only for
/// `FEDummy`. Pure: the same inputs always give the same bytes.
pub fn request_envelope<O: Operation>(operation: &O, auth: Option<&Auth>) -> String {
    let mut w = XmlWriter::new();
    w.open(O::NAME);
    if let Some(auth) = auth {
        auth.write(&mut w);
    }
    operation.write_params(&mut w);
    w.close(O::NAME);
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="utf-8"?>"#,
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ar="{ns}">"#,
            "<soap:Header/><soap:Body>{body}</soap:Body></soap:Envelope>"
        ),
        ns = NAMESPACE,
        body = w.into_string()
    )
}

/// Reads a `200 OK` response body into the operation's full response (errors not yet judged).
pub fn parse_response<O: Operation>(body: &str) -> Result<O::Response, Error> {
    let envelope = xml::parse(body).map_err(|e| Error::Malformed(e.to_string()))?;
    if let Some(fault) = soap_fault(&envelope) {
        return Err(Error::Malformed(format!("SOAP fault in a 200 answer: {fault}")));
    }
    let response_name = format!("{}Response", O::NAME);
    let result_name = format!("{}Result", O::NAME);
    let result = envelope
        .path(&["Body", &response_name, &result_name])
        .ok_or_else(|| Error::Malformed(format!("no {response_name}/{result_name} in the answer")))?;
    O::parse_result(Fields::of(result))
}

/// The whole decision on an answer: HTTP status, SOAP fault, body, then ARCA's `Errors`.
pub fn interpret<O: Operation>(status: u16, body: &str) -> Result<O::Output, Error> {
    if status != 200 {
        // ASMX answers its plumbing faults with 500 and a SOAP fault; proxies answer with
        // anything. Either way ARCA's method did not produce an answer we can read.
        let fault = xml::parse(body).ok().and_then(|envelope| soap_fault(&envelope));
        return Err(Error::Http {
            status,
            body_excerpt: body.chars().take(200).collect(),
            fault,
        });
    }
    O::into_output(parse_response::<O>(body)?)
}

/// A `soap:Fault` in the body, if any (`faultcode`, `faultstring`, read by local name).
pub fn soap_fault(envelope: &Element) -> Option<SoapFault> {
    let fault = envelope.path(&["Body", "Fault"])?;
    Some(SoapFault {
        code: fault.child_text("faultcode").unwrap_or_default().to_owned(),
        message: fault.child_text("faultstring").unwrap_or_default().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cuit;
    use crate::secret::Secret;
    use crate::wsfe::{FECompUltimoAutorizado, FEDummy, FEParamGetTiposCbte};

    fn auth() -> Auth {
        Auth {
            token: Secret::new("TOKEN<&>"),
            sign: Secret::new("SIGN"),
            cuit: Cuit::parse("20267565393").unwrap(),
        }
    }

    #[test]
    fn envelopes_qualify_every_element_and_escape_text() {
        let envelope = request_envelope(
            &FECompUltimoAutorizado {
                pto_vta: 4000,
                cbte_tipo: 1,
            },
            Some(&auth()),
        );
        let body = envelope
            .split("<soap:Body>")
            .nth(1)
            .unwrap()
            .split("</soap:Body>")
            .next()
            .unwrap();
        assert!(
            body.split('<')
                .skip(1)
                .all(|tag| tag.starts_with("ar:") || tag.starts_with("/ar:")),
            "{body}"
        );
        assert!(envelope.contains(r#"xmlns:ar="http://ar.gov.afip.dif.FEV1/""#));
        assert!(body.contains("<ar:Token>TOKEN&lt;&amp;&gt;</ar:Token>"));
        assert!(body.ends_with("<ar:PtoVta>4000</ar:PtoVta><ar:CbteTipo>1</ar:CbteTipo></ar:FECompUltimoAutorizado>"));
        assert!(xml::parse(&envelope).is_ok());
        assert_eq!(
            soap_action("FECAESolicitar"),
            "\"http://ar.gov.afip.dif.FEV1/FECAESolicitar\""
        );
        assert!(!request_envelope(&FEDummy, None).contains("Auth"));
    }

    #[test]
    fn auth_debug_hides_the_credentials() {
        let shown = format!("{:?}", auth());
        assert!(!shown.contains("TOKEN") && !shown.contains("SIGN"), "{shown}");
        assert!(shown.contains("20267565393"));
    }

    #[test]
    fn http_failures_say_whether_the_method_ran() {
        // ASMX's answer to an unknown SOAPAction: the method never ran.
        let fault = concat!(
            r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">"#,
            "<soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Server did not recognize the value ",
            "of HTTP Header SOAPAction: x.</faultstring><detail /></soap:Fault></soap:Body></soap:Envelope>"
        );
        let error = interpret::<FEParamGetTiposCbte>(500, fault).unwrap_err();
        let Error::Http {
            status: 500,
            fault: Some(soap_fault),
            ..
        } = &error
        else {
            panic!("{error:?}")
        };
        assert!(soap_fault.message.starts_with("Server did not recognize"));
        assert!(error.to_string().contains("Server did not recognize"));
        assert!(!error.retryable() && !error.is_outcome_unknown() && !error.is_arca_answer());

        let server_fault = fault.replace("soap:Client", "soap:Server");
        let error = interpret::<FEParamGetTiposCbte>(500, &server_fault).unwrap_err();
        assert!(error.retryable() && error.is_outcome_unknown());

        let gateway = interpret::<FEParamGetTiposCbte>(503, "<html>Service Unavailable</html>").unwrap_err();
        assert!(matches!(
            gateway,
            Error::Http {
                status: 503,
                fault: None,
                ..
            }
        ));
        assert!(gateway.retryable() && gateway.is_outcome_unknown());

        let garbage = interpret::<FEParamGetTiposCbte>(200, "<html>").unwrap_err();
        assert!(matches!(garbage, Error::Malformed(_)) && garbage.is_outcome_unknown());
    }

    #[test]
    fn internal_errors_are_retryable_answers() {
        let body = concat!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#,
            r#"<FECAESolicitarResponse xmlns="http://ar.gov.afip.dif.FEV1/"><FECAESolicitarResult><Errors><Err>"#,
            "<Code>501</Code><Msg>Error interno de base de datos - FECAEcSolicitar</Msg></Err></Errors>",
            "</FECAESolicitarResult></FECAESolicitarResponse></soap:Body></soap:Envelope>"
        );
        let error = interpret::<crate::wsfe::FECAESolicitar>(200, body).unwrap_err();
        assert!(matches!(error, Error::ArcaInternal { .. }), "{error:?}");
        assert!(
            error.retryable() && error.is_arca_answer() && !error.is_outcome_unknown() && !error.needs_new_ticket()
        );
    }
}
