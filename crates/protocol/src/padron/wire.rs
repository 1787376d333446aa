//! The padrón's wire format, both ways: the request envelope (only the operation element
//! qualified, its children bare) and the decision on an answer (fault, HTTP status, body).
//!
//! [`envelope`] and [`interpret`] are pure; `call` only puts the HTTP exchange between them.
//! Nothing here knows what a persona is.

use crate::Error;
use crate::error::SoapFault;
use crate::transport::HttpTransport;
use crate::xml::{self, Element, escape};

use super::PadronAuth;
use super::fault::PadronFault;

/// The SOAP 1.1 envelope of a padrón call. The operation element is bound to `namespace`
/// through the `ser` prefix; `token`, `sign`, `cuitRepresentada` (when `auth` is given) and
/// `params` are written without a namespace, in that order, as the schema
/// (`elementFormDefault="unqualified"`) wants. A default `xmlns` would qualify them too.
pub fn envelope(namespace: &str, operation: &str, auth: Option<&PadronAuth>, params: &[(&str, String)]) -> String {
    let mut body = String::new();
    let mut leaf = |name: &str, text: &str| {
        body.push_str(&format!("<{name}>{}</{name}>", escape(text)));
    };
    if let Some(auth) = auth {
        leaf("token", auth.token.expose());
        leaf("sign", auth.sign.expose());
        leaf("cuitRepresentada", &auth.cuit_representada.to_string());
    }
    for (name, value) in params {
        leaf(name, value);
    }
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ser="{ns}">"#,
            "<soapenv:Header/><soapenv:Body><ser:{op}>{body}</ser:{op}></soapenv:Body></soapenv:Envelope>"
        ),
        ns = namespace,
        op = operation,
        body = body
    )
}

/// The whole decision on an answer: a `soap:Fault` (ARCA sends them with HTTP 500) becomes
/// [`Error::Padron`], typed by its text — except a `Client` fault whose text is not one of the
/// padrón's, which is the SOAP stack refusing the request ([`Error::Http`], not retryable);
/// any other non-200 status is [`Error::Http`]; a 200 must hold `{operation}Response`, which is
/// returned.
pub fn interpret(status: u16, body: &str, operation: &str) -> Result<Element, Error> {
    let parsed = xml::parse(body);
    if let Some(fault) = parsed.as_ref().ok().and_then(soap_fault) {
        let kind = PadronFault::from_text(&fault.message);
        if kind == PadronFault::Other && fault.is_client() {
            return Err(Error::Http {
                status,
                body_excerpt: excerpt(body),
                fault: Some(fault),
            });
        }
        return Err(Error::Padron {
            fault: kind,
            message: fault.message,
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
        .ok_or_else(|| Error::Malformed(format!("no {response} in the padrón's answer")))
}

/// Sends one call and returns its `{operation}Response` element. `metric` names the call for
/// the transport's observer (the padrón's `SOAPAction` is empty, so it cannot be read there).
pub(super) async fn call(
    transport: &HttpTransport,
    url: &str,
    namespace: &str,
    operation: &str,
    metric: &str,
    auth: Option<&PadronAuth>,
    params: &[(&str, String)],
) -> Result<Element, Error> {
    let headers = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"\"")];
    let response = transport
        .post_operation(metric, url, &headers, envelope(namespace, operation, auth, params))
        .await?;
    interpret(response.status.as_u16(), &response.body, operation)
}

/// The one child of a response that holds its data (`personaReturn`, `return`, ...).
pub(super) fn returned<'a>(response: &'a Element, name: &str) -> Result<&'a Element, Error> {
    response
        .child(name)
        .ok_or_else(|| Error::Malformed(format!("{} has no {name}", response.name)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cuit;
    use crate::secret::Secret;

    fn auth() -> PadronAuth {
        PadronAuth {
            token: Secret::new("T<&>"),
            sign: Secret::new("S"),
            cuit_representada: Cuit::parse("20267565393").unwrap(),
        }
    }

    #[test]
    fn only_the_operation_element_is_qualified() {
        let envelope = envelope(
            super::super::A5_NAMESPACE,
            "getPersona_v2",
            Some(&auth()),
            &[("idPersona", "20201797064".into())],
        );
        assert!(envelope.contains(concat!(
            "<soapenv:Body><ser:getPersona_v2><token>T&lt;&amp;&gt;</token><sign>S</sign>",
            "<cuitRepresentada>20267565393</cuitRepresentada><idPersona>20201797064</idPersona>",
            "</ser:getPersona_v2></soapenv:Body>"
        )));
        assert!(envelope.contains(r#"xmlns:ser="http://a5.soap.ws.server.puc.sr/""#));
        // No default namespace anywhere: it would qualify the children.
        assert!(!envelope.contains("xmlns=\""));
        let parsed = xml::parse(&envelope).unwrap();
        let op = parsed.path(&["Body", "getPersona_v2"]).unwrap();
        let names: Vec<&str> = op.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["token", "sign", "cuitRepresentada", "idPersona"]);

        let dummy = super::envelope(super::super::A13_NAMESPACE, "dummy", None, &[]);
        assert!(dummy.contains("<ser:dummy></ser:dummy>") && !dummy.contains("token"));
    }

    const FAULT: &str = concat!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>"#,
        "<faultcode>soap:Server</faultcode><faultstring>TEXT</faultstring></soap:Fault></soap:Body></soap:Envelope>"
    );

    #[test]
    fn faults_are_typed_by_text() {
        let error = interpret(
            500,
            &FAULT.replace("TEXT", "No existe persona con ese Id"),
            "getPersona",
        )
        .unwrap_err();
        let Error::Padron { fault, message } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(*fault, PadronFault::PersonNotFound);
        assert_eq!(message, "No existe persona con ese Id");
        assert!(!error.retryable() && error.is_arca_answer() && !error.needs_new_ticket());

        let error = interpret(500, &FAULT.replace("TEXT", "Token malformado"), "getPersona").unwrap_err();
        assert!(error.needs_new_ticket() && !error.retryable(), "{error:?}");

        // An unknown server-side fault is retryable; the same text as a Client fault is not.
        let error = interpret(
            500,
            &FAULT.replace("TEXT", "java.lang.NullPointerException"),
            "getPersona",
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                Error::Padron {
                    fault: PadronFault::Other,
                    ..
                }
            ) && error.retryable()
        );
        let client = FAULT
            .replace("soap:Server", "soap:Client")
            .replace("TEXT", "Unmarshalling Error");
        let error = interpret(500, &client, "getPersona").unwrap_err();
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
    }

    #[test]
    fn statuses_and_bodies() {
        let gateway = interpret(502, "<html>Bad Gateway</html>", "getPersona").unwrap_err();
        assert!(
            matches!(
                gateway,
                Error::Http {
                    status: 502,
                    fault: None,
                    ..
                }
            ) && gateway.retryable()
        );
        assert!(matches!(
            interpret(200, "<html>", "getPersona"),
            Err(Error::Malformed(_))
        ));
        let other = r#"<soap:Envelope xmlns:soap="x"><soap:Body><r/></soap:Body></soap:Envelope>"#;
        assert!(matches!(interpret(200, other, "getPersona"), Err(Error::Malformed(_))));
        let ok = r#"<soap:Envelope xmlns:soap="x"><soap:Body><ns2:dummyResponse xmlns:ns2="y"><return/></ns2:dummyResponse></soap:Body></soap:Envelope>"#;
        let response = interpret(200, ok, "dummy").unwrap();
        assert!(returned(&response, "return").is_ok());
        assert!(returned(&response, "personaReturn").is_err());
    }
}
