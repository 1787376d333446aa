//! The `loginCms` call (docs/arca.md §B.5).

use chrono::{DateTime, Utc};

use crate::Error;
use crate::certificate::Credentials;
use crate::transport::HttpTransport;
use crate::xml::escape;

use super::{AccessTicket, LoginTicketRequest, parse_login_cms_response, sign_tra};

/// The message namespace of `loginCms` (identical in both environments).
const WSAA_NAMESPACE: &str = "http://wsaa.view.sua.dvadac.desein.afip.gov";

/// A WSAA endpoint.
#[derive(Debug, Clone)]
pub struct WsaaClient {
    url: String,
    transport: HttpTransport,
}

impl WsaaClient {
    pub fn new(url: impl Into<String>, transport: HttpTransport) -> WsaaClient {
        WsaaClient {
            url: url.into(),
            transport,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Builds, signs and sends a TRA for `service`; returns the ticket.
    pub async fn login(
        &self,
        credentials: &Credentials,
        service: &str,
        now: DateTime<Utc>,
    ) -> Result<AccessTicket, Error> {
        let tra = LoginTicketRequest::new(service, now);
        let cms = sign_tra(&tra.to_xml(), credentials)?;
        self.login_cms(&cms).await
    }

    /// Sends an already signed CMS (Base64) and parses the answer.
    #[tracing::instrument(skip_all, fields(url = %self.url))]
    pub async fn login_cms(&self, cms_base64: &str) -> Result<AccessTicket, Error> {
        let headers = [
            ("Content-Type", "text/xml; charset=UTF-8"),
            // Axis ignores the value but faults without the header (§A.2); this is the manual's.
            ("SOAPAction", "urn:LoginCms"),
        ];
        let response = self
            .transport
            .post(&self.url, &headers, login_envelope(cms_base64))
            .await?;
        match parse_login_cms_response(&response.body) {
            // A 5xx without a SOAP fault is the infrastructure talking (proxy, load balancer).
            Err(Error::Malformed(_)) if !response.status.is_success() => Err(Error::Http {
                status: response.status.as_u16(),
                body_excerpt: response.body.chars().take(200).collect(),
                fault: None,
            }),
            result => result,
        }
    }
}

/// The SOAP 1.1 envelope of §B.5 around a Base64 CMS.
pub fn login_envelope(cms_base64: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsaa="{ns}">"#,
            "<soapenv:Header/><soapenv:Body><wsaa:loginCms><wsaa:in0>{cms}</wsaa:in0></wsaa:loginCms>",
            "</soapenv:Body></soapenv:Envelope>"
        ),
        ns = WSAA_NAMESPACE,
        cms = escape(cms_base64)
    )
}
