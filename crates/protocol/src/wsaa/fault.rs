//! WSAA's Axis faults (docs/arca.md §B.8) and what a client must do after each.

use std::fmt;

use crate::xml::Element;

/// A WSAA fault code, the part after `ns1:` in `faultcode`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WsaaFault {
    /// `coe.notAuthorized`: the certificate's alias is not authorised for the service or CUIT.
    NotAuthorized,
    /// `coe.alreadyAuthenticated`: a valid ticket exists; reuse it (WSAA never re-sends it).
    AlreadyAuthenticated,
    /// `cms.bad`: the CMS does not parse.
    CmsBad,
    /// `cms.bad.base64`: `in0` is not Base64.
    CmsBadBase64,
    /// `cms.cert.notFound`: no signer certificate inside the CMS.
    CmsCertNotFound,
    /// `cms.sign.invalid`: the signature does not verify (key and certificate do not match).
    CmsSignInvalid,
    /// `cms.cert.expired`: the certificate is past its validity.
    CmsCertExpired,
    /// `cms.cert.invalid`: the certificate is not yet valid.
    CmsCertInvalid,
    /// `cms.cert.untrusted`: not issued by the environment's CA (wrong environment, self-signed).
    CmsCertUntrusted,
    /// `xml.bad`: the TRA does not validate against its schema.
    XmlBad,
    /// `xml.source.invalid`: `source` does not match the signer.
    XmlSourceInvalid,
    /// `xml.destination.invalid`: `destination` is not this WSAA.
    XmlDestinationInvalid,
    /// `xml.version.notSupported`.
    XmlVersionNotSupported,
    /// `xml.generationTime.invalid`: in the future or older than 24 h (clock or time zone).
    XmlGenerationTimeInvalid,
    /// `xml.expirationTime.expired`: the TRA is already expired.
    XmlExpirationTimeExpired,
    /// `xml.expirationTime.invalid`: the TRA is valid for more than 24 h.
    XmlExpirationTimeInvalid,
    /// `wsn.unavailable`: the target service is temporarily down.
    WsnUnavailable,
    /// `wsn.notFound`: unknown service name.
    WsnNotFound,
    /// `wsaa.unavailable`: WSAA is temporarily down.
    WsaaUnavailable,
    /// `wsaa.internalError`.
    WsaaInternalError,
    /// `Client.NoSOAPAction` and other Axis plumbing faults.
    AxisClient(String),
    /// `Server.userException`: Axis could not read the request (malformed XML, missing `in0`).
    AxisServerUserException,
    /// A code this library does not know (WSAA "may add new codes").
    Other(String),
}

/// What a client should do after a fault (§B.8 "Retry policy").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryPolicy {
    /// Use the ticket already held; if none, wait for the preventive window to pass.
    ReuseTicket,
    /// A transient outage: do not ask WSAA again for at least this many seconds.
    WaitSeconds(u32),
    /// Retrying unchanged cannot succeed: the certificate, clock, request or authorisation must
    /// be fixed first.
    FixFirst,
}

impl RetryPolicy {
    pub fn is_retryable(self) -> bool {
        !matches!(self, RetryPolicy::FixFirst)
    }
}

impl WsaaFault {
    /// The fault for a `faultcode` text, with or without its `ns1:` prefix.
    pub fn from_code(faultcode: &str) -> WsaaFault {
        let code = faultcode.rsplit_once(':').map_or(faultcode, |(_, c)| c).trim();
        match code {
            "coe.notAuthorized" => WsaaFault::NotAuthorized,
            "coe.alreadyAuthenticated" => WsaaFault::AlreadyAuthenticated,
            "cms.bad" => WsaaFault::CmsBad,
            "cms.bad.base64" => WsaaFault::CmsBadBase64,
            "cms.cert.notFound" => WsaaFault::CmsCertNotFound,
            "cms.sign.invalid" => WsaaFault::CmsSignInvalid,
            "cms.cert.expired" => WsaaFault::CmsCertExpired,
            "cms.cert.invalid" => WsaaFault::CmsCertInvalid,
            "cms.cert.untrusted" => WsaaFault::CmsCertUntrusted,
            "xml.bad" => WsaaFault::XmlBad,
            "xml.source.invalid" => WsaaFault::XmlSourceInvalid,
            "xml.destination.invalid" => WsaaFault::XmlDestinationInvalid,
            "xml.version.notSupported" => WsaaFault::XmlVersionNotSupported,
            "xml.generationTime.invalid" => WsaaFault::XmlGenerationTimeInvalid,
            "xml.expirationTime.expired" => WsaaFault::XmlExpirationTimeExpired,
            "xml.expirationTime.invalid" => WsaaFault::XmlExpirationTimeInvalid,
            "wsn.unavailable" => WsaaFault::WsnUnavailable,
            "wsn.notFound" => WsaaFault::WsnNotFound,
            "wsaa.unavailable" => WsaaFault::WsaaUnavailable,
            "wsaa.internalError" => WsaaFault::WsaaInternalError,
            "Server.userException" => WsaaFault::AxisServerUserException,
            other if other.starts_with("Client.") => WsaaFault::AxisClient(other.to_string()),
            other => WsaaFault::Other(other.to_string()),
        }
    }

    /// The code as WSAA writes it (without `ns1:`).
    pub fn code(&self) -> &str {
        match self {
            WsaaFault::NotAuthorized => "coe.notAuthorized",
            WsaaFault::AlreadyAuthenticated => "coe.alreadyAuthenticated",
            WsaaFault::CmsBad => "cms.bad",
            WsaaFault::CmsBadBase64 => "cms.bad.base64",
            WsaaFault::CmsCertNotFound => "cms.cert.notFound",
            WsaaFault::CmsSignInvalid => "cms.sign.invalid",
            WsaaFault::CmsCertExpired => "cms.cert.expired",
            WsaaFault::CmsCertInvalid => "cms.cert.invalid",
            WsaaFault::CmsCertUntrusted => "cms.cert.untrusted",
            WsaaFault::XmlBad => "xml.bad",
            WsaaFault::XmlSourceInvalid => "xml.source.invalid",
            WsaaFault::XmlDestinationInvalid => "xml.destination.invalid",
            WsaaFault::XmlVersionNotSupported => "xml.version.notSupported",
            WsaaFault::XmlGenerationTimeInvalid => "xml.generationTime.invalid",
            WsaaFault::XmlExpirationTimeExpired => "xml.expirationTime.expired",
            WsaaFault::XmlExpirationTimeInvalid => "xml.expirationTime.invalid",
            WsaaFault::WsnUnavailable => "wsn.unavailable",
            WsaaFault::WsnNotFound => "wsn.notFound",
            WsaaFault::WsaaUnavailable => "wsaa.unavailable",
            WsaaFault::WsaaInternalError => "wsaa.internalError",
            WsaaFault::AxisServerUserException => "Server.userException",
            WsaaFault::AxisClient(code) | WsaaFault::Other(code) => code,
        }
    }

    /// §B.8: after `wsaa.*` / `wsn.unavailable` wait at least 60 s; after
    /// `coe.alreadyAuthenticated` reuse the ticket; after anything else fix the cause first.
    pub fn retry_policy(&self) -> RetryPolicy {
        match self {
            WsaaFault::AlreadyAuthenticated => RetryPolicy::ReuseTicket,
            WsaaFault::WsaaUnavailable | WsaaFault::WsaaInternalError | WsaaFault::WsnUnavailable => {
                RetryPolicy::WaitSeconds(60)
            }
            _ => RetryPolicy::FixFirst,
        }
    }

    /// A hint for an operator, in plain words.
    pub fn hint(&self) -> &'static str {
        match self {
            WsaaFault::NotAuthorized => {
                "authorise the certificate's alias for the service and the represented CUIT in ARCA"
            }
            WsaaFault::AlreadyAuthenticated => {
                "a ticket is still valid: reuse the stored one or wait for the preventive window"
            }
            WsaaFault::CmsBad | WsaaFault::CmsBadBase64 | WsaaFault::CmsCertNotFound => {
                "the signed request is malformed"
            }
            WsaaFault::CmsSignInvalid => "the private key does not match the certificate",
            WsaaFault::CmsCertExpired => "the certificate has expired: issue a new one in ARCA",
            WsaaFault::CmsCertInvalid => "the certificate is not valid yet: check the clock",
            WsaaFault::CmsCertUntrusted => {
                "the certificate is from another environment or CA (homologación vs producción)"
            }
            WsaaFault::XmlGenerationTimeInvalid | WsaaFault::XmlExpirationTimeExpired => {
                "the clock or the time zone of the TRA is wrong"
            }
            WsaaFault::WsaaUnavailable | WsaaFault::WsaaInternalError | WsaaFault::WsnUnavailable => {
                "ARCA is temporarily unavailable: retry after 60 seconds"
            }
            WsaaFault::WsnNotFound => "the service name is unknown (WSFEv1 is `wsfe`)",
            _ => "the login request was refused: fix it before retrying",
        }
    }
}

impl fmt::Display for WsaaFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Reads a SOAP fault (1.1 `faultcode`/`faultstring` or 1.2 `Code/Value`/`Reason/Text`) from a
/// parsed envelope. `None` if the body holds no fault.
pub fn parse_fault(envelope: &Element) -> Option<(WsaaFault, String)> {
    let fault = envelope.child("Body")?.child("Fault")?;
    let code = fault
        .child_text("faultcode")
        .or_else(|| fault.path(&["Code", "Subcode", "Value"]).map(|v| v.text.trim()))
        .or_else(|| fault.path(&["Code", "Value"]).map(|v| v.text.trim()))
        .unwrap_or_default();
    let message = fault
        .child_text("faultstring")
        .or_else(|| fault.path(&["Reason", "Text"]).map(|t| t.text.trim()))
        .unwrap_or_default();
    Some((WsaaFault::from_code(code), message.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real homologation fault of §B.8.
    const RECORDED_FAULT: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
   <soapenv:Body>
      <soapenv:Fault>
         <faultcode xmlns:ns1="http://xml.apache.org/axis/">ns1:cms.bad</faultcode>
         <faultstring>El CMS no es valido</faultstring>
         <detail>
            <ns2:exceptionName xmlns:ns2="http://xml.apache.org/axis/">gov.afip.desein.dvadac.sua.view.wsaa.LoginFault</ns2:exceptionName>
            <ns3:hostname xmlns:ns3="http://xml.apache.org/axis/">avaricia.afip.gov.ar</ns3:hostname>
         </detail>
      </soapenv:Fault>
   </soapenv:Body>
</soapenv:Envelope>"#;

    #[test]
    fn parses_the_recorded_fault() {
        let envelope = crate::xml::parse(RECORDED_FAULT).unwrap();
        let (fault, message) = parse_fault(&envelope).unwrap();
        assert_eq!(fault, WsaaFault::CmsBad);
        assert_eq!(message, "El CMS no es valido");
        assert_eq!(fault.retry_policy(), RetryPolicy::FixFirst);
    }

    #[test]
    fn every_known_code_round_trips_with_its_policy() {
        let codes = [
            ("coe.notAuthorized", RetryPolicy::FixFirst),
            ("coe.alreadyAuthenticated", RetryPolicy::ReuseTicket),
            ("cms.bad", RetryPolicy::FixFirst),
            ("cms.bad.base64", RetryPolicy::FixFirst),
            ("cms.cert.notFound", RetryPolicy::FixFirst),
            ("cms.sign.invalid", RetryPolicy::FixFirst),
            ("cms.cert.expired", RetryPolicy::FixFirst),
            ("cms.cert.invalid", RetryPolicy::FixFirst),
            ("cms.cert.untrusted", RetryPolicy::FixFirst),
            ("xml.bad", RetryPolicy::FixFirst),
            ("xml.source.invalid", RetryPolicy::FixFirst),
            ("xml.destination.invalid", RetryPolicy::FixFirst),
            ("xml.version.notSupported", RetryPolicy::FixFirst),
            ("xml.generationTime.invalid", RetryPolicy::FixFirst),
            ("xml.expirationTime.expired", RetryPolicy::FixFirst),
            ("xml.expirationTime.invalid", RetryPolicy::FixFirst),
            ("wsn.unavailable", RetryPolicy::WaitSeconds(60)),
            ("wsn.notFound", RetryPolicy::FixFirst),
            ("wsaa.unavailable", RetryPolicy::WaitSeconds(60)),
            ("wsaa.internalError", RetryPolicy::WaitSeconds(60)),
        ];
        for (code, policy) in codes {
            let fault = WsaaFault::from_code(&format!("ns1:{code}"));
            assert!(!matches!(fault, WsaaFault::Other(_)), "{code} is known");
            assert_eq!(fault.code(), code);
            assert_eq!(fault.retry_policy(), policy, "{code}");
        }
        assert_eq!(
            WsaaFault::from_code("ns1:Client.NoSOAPAction"),
            WsaaFault::AxisClient("Client.NoSOAPAction".into())
        );
        assert_eq!(
            WsaaFault::from_code("ns1:brand.new"),
            WsaaFault::Other("brand.new".into())
        );
    }

    #[test]
    fn parses_a_soap12_fault() {
        let doc = r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value><env:Subcode><env:Value xmlns:ns1="http://xml.apache.org/axis/">ns1:wsaa.unavailable</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">down</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>"#;
        let (fault, message) = parse_fault(&crate::xml::parse(doc).unwrap()).unwrap();
        assert_eq!(fault, WsaaFault::WsaaUnavailable);
        assert_eq!(message, "down");
    }
}
