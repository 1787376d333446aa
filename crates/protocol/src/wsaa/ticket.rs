//! The access ticket (TA, `loginTicketResponse`), docs/arca.md §B.6.

use chrono::{DateTime, FixedOffset, Utc};

use crate::Error;
use crate::secret::Secret;
use crate::xml::{self, Element};

use super::fault::parse_fault;

/// What WSAA grants: `token` and `sign` go into every WSFEv1 `Auth`. Both are credentials and
/// never print (see [`Secret`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AccessTicket {
    pub token: Secret,
    pub sign: Secret,
    pub generation_time: DateTime<FixedOffset>,
    pub expiration_time: DateTime<FixedOffset>,
    pub unique_id: u32,
    /// WSAA's DN.
    pub source: String,
    /// The certificate's DN as WSAA saw it.
    pub destination: String,
}

impl AccessTicket {
    /// Valid at `now` with at least `margin` to spare.
    pub fn is_valid_for(&self, now: DateTime<Utc>, margin: chrono::Duration) -> bool {
        now + margin < self.expiration_time.with_timezone(&Utc)
    }
}

/// Reads the ticket out of a whole `loginCms` response envelope. A fault in the body becomes
/// [`Error::Wsaa`]; anything else unexpected becomes [`Error::Malformed`].
pub fn parse_login_cms_response(envelope_xml: &str) -> Result<AccessTicket, Error> {
    let envelope = xml::parse(envelope_xml).map_err(|e| Error::Malformed(e.to_string()))?;
    if let Some((fault, message)) = parse_fault(&envelope) {
        return Err(Error::Wsaa { fault, message });
    }
    // Matched by local name: the response element's namespace echoes the request's (§A.2).
    let ticket_xml = envelope
        .find("loginCmsReturn")
        .ok_or_else(|| Error::Malformed("no loginCmsReturn in the response".into()))?;
    parse_ticket(ticket_xml.text.trim())
}

/// Parses the `loginTicketResponse` document (already unescaped).
pub fn parse_ticket(ticket_xml: &str) -> Result<AccessTicket, Error> {
    let malformed = |what: &str| Error::Malformed(format!("loginTicketResponse: {what}"));
    let root = xml::parse(ticket_xml).map_err(|e| malformed(&e.to_string()))?;
    if root.name != "loginTicketResponse" {
        return Err(malformed("unexpected root element"));
    }
    let header = root.child("header").ok_or_else(|| malformed("no header"))?;
    let credentials = root.child("credentials").ok_or_else(|| malformed("no credentials"))?;
    let text = |element: &Element, name: &str| -> Result<String, Error> {
        element
            .child_text(name)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .ok_or_else(|| malformed(&format!("no {name}")))
    };
    let time = |name: &str| -> Result<DateTime<FixedOffset>, Error> {
        let value = text(header, name)?;
        DateTime::parse_from_rfc3339(&value).map_err(|_| malformed(&format!("{name} is not a date-time with offset")))
    };
    Ok(AccessTicket {
        token: Secret::new(text(credentials, "token")?),
        sign: Secret::new(text(credentials, "sign")?),
        generation_time: time("generationTime")?,
        expiration_time: time("expirationTime")?,
        unique_id: text(header, "uniqueId")?
            .parse()
            .map_err(|_| malformed("uniqueId is not a number"))?,
        source: header.child_text("source").unwrap_or_default().to_string(),
        destination: header.child_text("destination").unwrap_or_default().to_string(),
    })
}
