//! The TRA (`loginTicketRequest`), docs/arca.md §B.2.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::clock::argentina;
use crate::xml::escape;

/// How far back the generation time is set. WSAA rejects a generation time in its future
/// (`xml.generationTime.invalid`), so a few minutes of slack absorb clock skew between us and it.
const BACKDATE: Duration = Duration::minutes(5);

/// How long the TRA itself is valid. It does not bound the ticket (always 12 h); it only has to
/// outlive the call, and WSAA refuses documents valid for over 24 h.
const TRA_VALIDITY: Duration = Duration::minutes(10);

/// A request for an access ticket to one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginTicketRequest {
    pub unique_id: u32,
    pub generation_time: DateTime<Utc>,
    pub expiration_time: DateTime<Utc>,
    pub service: String,
}

impl LoginTicketRequest {
    /// A TRA for `service` as of `now`: generation back-dated, unique id from the clock.
    pub fn new(service: &str, now: DateTime<Utc>) -> LoginTicketRequest {
        LoginTicketRequest {
            // Unix seconds, as the reference clients do; it fits `xsd:unsignedInt` until 2106 (and
            // wraps, still unique within a day, after).
            unique_id: u32::try_from(now.timestamp().rem_euclid(1 << 32)).unwrap_or_default(),
            generation_time: now - BACKDATE,
            expiration_time: now + TRA_VALIDITY,
            service: service.to_string(),
        }
    }

    /// The XML WSAA expects. Times carry Argentina's offset explicitly: converting the instant
    /// (not relabelling a UTC time with `-03:00`, the classic bug that puts generationTime three
    /// hours in the future).
    pub fn to_xml(&self) -> String {
        let time = |t: &DateTime<Utc>| {
            t.with_timezone(&argentina())
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        };
        format!(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                r#"<loginTicketRequest version="1.0"><header><uniqueId>{}</uniqueId>"#,
                "<generationTime>{}</generationTime><expirationTime>{}</expirationTime></header>",
                "<service>{}</service></loginTicketRequest>"
            ),
            self.unique_id,
            time(&self.generation_time),
            time(&self.expiration_time),
            escape(&self.service)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn tra_matches_the_recorded_shape_with_explicit_offset() {
        let now = Utc.with_ymd_and_hms(2021, 7, 26, 10, 26, 57).unwrap();
        let tra = LoginTicketRequest::new("wsfe", now);
        assert_eq!(
            tra.to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><loginTicketRequest version="1.0"><header>"#,
                "<uniqueId>1627295217</uniqueId><generationTime>2021-07-26T07:21:57-03:00</generationTime>",
                "<expirationTime>2021-07-26T07:36:57-03:00</expirationTime></header><service>wsfe</service>",
                "</loginTicketRequest>"
            )
        );
    }
}
