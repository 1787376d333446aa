//! WSFEv1 answers as ASMX writes them (docs/arca.md §A.3, §C.1): one line, the `soap:`
//! prefix, `FEHeaderInfo` in the header, the response element in the FEV1 default namespace,
//! null strings omitted, empty strings as `<X />`, doubles normalised.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::params::format_double;

use crate::soap::{Document, SoapVersion};

/// An ASMX request (WSFEv1, WSCDC) read as ASMX reads it: the SOAP version from the envelope,
/// else from the content type; the operation element, if the Body has one; the action from
/// `SOAPAction` (1.1) or the content type's `action` (1.2), which routes an empty Body.
pub struct AsmxRequest {
    pub document: Document,
    pub version: SoapVersion,
    /// The index in `document.nodes` of the Body's first child.
    pub operation_index: Option<usize>,
    pub action: String,
}

impl AsmxRequest {
    /// Truncated or malformed XML is ASMX's 400 with an empty body (§A.3): the status to answer.
    pub fn read(headers: &HeaderMap, body: &str) -> Result<AsmxRequest, StatusCode> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let declared = if content_type.contains("application/soap+xml") {
            SoapVersion::V12
        } else {
            SoapVersion::V11
        };
        let document = Document::parse(body).map_err(|_| StatusCode::BAD_REQUEST)?;
        let version = document.soap_version().unwrap_or(declared);
        let operation_index = document
            .nodes
            .iter()
            .position(|n| n.depth == 2 && n.path.starts_with("Envelope/Body/"));
        let action = super::soap_action(headers, content_type);
        Ok(AsmxRequest {
            document,
            version,
            operation_index,
            action,
        })
    }
}

/// The load balancer's page while a service is down for maintenance (a fault rule's
/// `Maintenance` or `WsaaUnavailable`).
pub fn unavailable_page() -> Response {
    let page = "<html><body><h1>Service Unavailable</h1></body></html>";
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/html")],
        page,
    )
        .into_response()
}

/// Builds the inner XML of a result element.
#[derive(Debug, Default)]
pub struct Xml(String);

impl Xml {
    pub fn new() -> Xml {
        Xml(String::new())
    }

    /// `<name>text</name>`, escaped.
    pub fn text(&mut self, name: &str, value: impl std::fmt::Display) -> &mut Xml {
        let value = value.to_string();
        self.0
            .push_str(&format!("<{name}>{}</{name}>", quick_xml::escape::escape(&value)));
        self
    }

    /// `<name>text</name>` when present, nothing when absent (.NET omits null strings).
    pub fn optional(&mut self, name: &str, value: Option<impl std::fmt::Display>) -> &mut Xml {
        if let Some(value) = value {
            self.text(name, value);
        }
        self
    }

    /// `<name>text</name>`, or `<name />` when absent (an empty string, as `<CAE />`).
    pub fn or_empty(&mut self, name: &str, value: Option<impl std::fmt::Display>) -> &mut Xml {
        match value {
            Some(value) => self.text(name, value),
            None => self.raw(&format!("<{name} />")),
        }
    }

    /// A double as .NET prints it: `122`, `101.202`, never `122.00`.
    pub fn double(&mut self, name: &str, value: Decimal) -> &mut Xml {
        self.text(name, format_double(value))
    }

    /// A nested element around what `inner` writes.
    pub fn element(&mut self, name: &str, inner: impl FnOnce(&mut Xml)) -> &mut Xml {
        self.0.push_str(&format!("<{name}>"));
        inner(self);
        self.0.push_str(&format!("</{name}>"));
        self
    }

    pub fn raw(&mut self, xml: &str) -> &mut Xml {
        self.0.push_str(xml);
        self
    }

    /// `<Errors><Err><Code/><Msg/></Err>…</Errors>` (nothing when empty).
    pub fn errors(&mut self, errors: &[(u32, String)]) -> &mut Xml {
        self.messages("Errors", "Err", errors)
    }

    /// `<Observaciones><Obs>…</Obs></Observaciones>` (nothing when empty).
    pub fn observations(&mut self, observations: &[(u32, String)]) -> &mut Xml {
        self.messages("Observaciones", "Obs", observations)
    }

    fn messages(&mut self, list: &str, item: &str, messages: &[(u32, String)]) -> &mut Xml {
        if messages.is_empty() {
            return self;
        }
        self.element(list, |xml| {
            for (code, message) in messages {
                xml.element(item, |xml| {
                    xml.text("Code", code).text("Msg", message);
                });
            }
        })
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The whole envelope for `operation` with `result` as the inner XML of `{operation}Result`.
pub fn respond(version: SoapVersion, operation: &str, result: &str, now: DateTime<Utc>) -> Response {
    let body = envelope(version, "http://ar.gov.afip.dif.FEV1/", operation, result, now);
    ([(header::CONTENT_TYPE, version.content_type())], body).into_response()
}

/// An ASMX answer of the service whose namespace is `namespace` (WSFEv1, WSCDC): one line, the
/// `soap:` prefix, `FEHeaderInfo` in the header, the response element in the default namespace.
pub fn envelope(version: SoapVersion, namespace: &str, operation: &str, result: &str, now: DateTime<Utc>) -> String {
    let argentina = chrono::FixedOffset::west_opt(3 * 3600).expect("UTC-3 is a valid offset");
    let fecha = now.with_timezone(&argentina).format("%Y-%m-%dT%H:%M:%S%.f%:z");
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{env}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">"#,
            r#"<soap:Header><FEHeaderInfo xmlns="{ns}"><ambiente>HomologacionExterno - simulador</ambiente><fecha>{fecha}</fecha><id>arca-simulator</id></FEHeaderInfo></soap:Header>"#,
            r#"<soap:Body><{op}Response xmlns="{ns}"><{op}Result>{result}</{op}Result></{op}Response></soap:Body></soap:Envelope>"#
        ),
        env = version.namespace(),
        ns = namespace,
        fecha = fecha,
        op = operation,
        result = result
    )
}

/// An ASMX plumbing fault (unknown action, unreadable request): HTTP 500 with `soap:Client`.
pub fn asmx_fault(version: SoapVersion, message: &str) -> Response {
    let message = quick_xml::escape::escape(message);
    let body = match version {
        SoapVersion::V11 => format!(
            r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>{message}</faultstring><detail /></soap:Fault></soap:Body></soap:Envelope>"#,
            version.namespace()
        ),
        SoapVersion::V12 => format!(
            r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">{message}</soap:Text></soap:Reason><soap:Detail /></soap:Fault></soap:Body></soap:Envelope>"#,
            version.namespace()
        ),
    };
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, version.content_type())],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_strings_and_nulls() {
        let mut xml = Xml::new();
        xml.or_empty("CAE", None::<String>)
            .optional("Desc", None::<String>)
            .text("A", "x & y");
        assert_eq!(xml.into_string(), "<CAE /><A>x &amp; y</A>");
    }
}
