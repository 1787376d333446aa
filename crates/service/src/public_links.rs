//! Signed, expiring links to an approved invoice's PDF that need no API key:
//! `/v1/public/invoices/{id}/pdf?expires=<unix seconds>&signature=<hex>`.
//!
//! The signature is HMAC-SHA256, under a key of its own (derived from `SECRETS_ENCRYPTION_KEY`
//! for [`PURPOSE`], `crypto::Secrets::derive_key`), over the invoice id and the expiry, written
//! unambiguously (`<id length>:<id>:<expires>`). A link is accepted only when it is well formed,
//! its signature matches — compared in constant time — and it has not expired; a link that
//! fails any check is [`LinkRefusal::Invalid`], checked before the expiry, so an expired
//! answer is given only for a link this service did sign. Nothing here depends on whether the
//! invoice exists.
//!
//! It never reads a clock, a database or the configuration: the caller passes the key, the
//! lifetime, the base URL and "now", so the same inputs give the same answers.

use std::fmt;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The label the link key is derived under; a new label (`v2`) invalidates every link.
pub const PURPOSE: &str = "arca-api public invoice link v1";

/// The longest invoice id a link may name (ids are `inv_` and 24 hex digits).
pub const MAX_ID_LENGTH: usize = 64;

/// The shortest and longest lifetime `PUBLIC_LINK_TTL_DAYS` may set.
pub const TTL_DAYS: std::ops::RangeInclusive<u32> = 1..=365;

/// The longest `expires` accepted: 12 digits (unix seconds up to the year 33658).
const MAX_EXPIRES_DIGITS: usize = 12;

/// The signer and checker of public links. `Debug` never prints the key.
#[derive(Clone)]
pub struct PublicLinks {
    key: [u8; 32],
    ttl_days: u32,
    /// `API_URL` without its trailing `/`: links are absolute with it, paths without it.
    base_url: Option<String>,
}

impl fmt::Debug for PublicLinks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicLinks")
            .field("key", &"[redacted]")
            .field("ttl_days", &self.ttl_days)
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// A link's parts, as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedLink {
    pub invoice_id: String,
    /// Unix seconds after which the link is refused.
    pub expires: i64,
    /// 64 lower-case hexadecimal digits.
    pub signature: String,
}

/// A link that passed every check: the only way to name an invoice without an API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedLink {
    invoice_id: String,
}

impl VerifiedLink {
    pub fn invoice_id(&self) -> &str {
        &self.invoice_id
    }
}

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefusal {
    /// Missing or malformed parameters, or a signature that does not match the id and expiry.
    #[error("the link is not valid")]
    Invalid,
    /// A link this service signed, past its expiry.
    #[error("the link has expired")]
    Expired,
}

impl PublicLinks {
    /// Links signed with `key`, valid `ttl_days` days, absolute under `base_url` when given.
    pub fn new(key: [u8; 32], ttl_days: u32, base_url: Option<&str>) -> PublicLinks {
        PublicLinks {
            key,
            ttl_days,
            base_url: base_url.map(|url| url.trim_end_matches('/').to_string()),
        }
    }

    /// The authenticated path of an invoice's PDF (the API client knows its base URL).
    pub fn pdf_path(invoice_id: &str) -> String {
        format!("/v1/invoices/{invoice_id}/pdf")
    }

    /// The link's parts for `invoice_id`, expiring `ttl_days` after `now`.
    pub fn sign(&self, invoice_id: &str, now: DateTime<Utc>) -> SignedLink {
        let expires = now.timestamp() + i64::from(self.ttl_days) * 86_400;
        SignedLink {
            invoice_id: invoice_id.to_string(),
            expires,
            signature: hex(&self.mac(invoice_id, expires)),
        }
    }

    /// The public URL of `invoice_id`'s PDF, expiring `ttl_days` after `now`.
    pub fn url(&self, invoice_id: &str, now: DateTime<Utc>) -> String {
        let link = self.sign(invoice_id, now);
        format!(
            "{}/v1/public/invoices/{}/pdf?expires={}&signature={}",
            self.base_url.as_deref().unwrap_or(""),
            link.invoice_id,
            link.expires,
            link.signature
        )
    }

    /// Checks a link's parts as they arrived (query values not yet parsed) at `now`.
    pub fn verify(
        &self,
        invoice_id: &str,
        expires: Option<&str>,
        signature: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<VerifiedLink, LinkRefusal> {
        let (Some(expires_text), Some(signature)) = (expires, signature) else {
            return Err(LinkRefusal::Invalid);
        };
        if !plausible_id(invoice_id) {
            return Err(LinkRefusal::Invalid);
        }
        let expires = canonical_number(expires_text).ok_or(LinkRefusal::Invalid)?;
        let presented = unhex(signature).ok_or(LinkRefusal::Invalid)?;
        let expected = self.mac(invoice_id, expires);
        if !bool::from(expected.ct_eq(&presented)) {
            return Err(LinkRefusal::Invalid);
        }
        if now.timestamp() > expires {
            return Err(LinkRefusal::Expired);
        }
        Ok(VerifiedLink {
            invoice_id: invoice_id.to_string(),
        })
    }

    fn mac(&self, invoice_id: &str, expires: i64) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(format!("{}:{invoice_id}:{expires}", invoice_id.len()).as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// An id the service could have made: 1 to [`MAX_ID_LENGTH`] ASCII letters, digits, `_` or `-`.
fn plausible_id(id: &str) -> bool {
    (1..=MAX_ID_LENGTH).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Unix seconds as the service writes them: 1 to 12 digits, no sign, no leading zero.
fn canonical_number(text: &str) -> Option<i64> {
    let digits = (1..=MAX_EXPIRES_DIGITS).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

/// 64 lower-case hexadecimal digits as 32 bytes.
fn unhex(text: &str) -> Option<[u8; 32]> {
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (index, pair) in bytes.chunks_exact(2).enumerate() {
        out[index] = digit(pair[0])? * 16 + digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    const ID: &str = "inv_0123456789abcdef01234567";

    fn links() -> PublicLinks {
        PublicLinks::new([7; 32], 30, None)
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap()
    }

    fn check(
        links: &PublicLinks,
        id: &str,
        expires: &str,
        signature: &str,
        at: DateTime<Utc>,
    ) -> Result<(), LinkRefusal> {
        links.verify(id, Some(expires), Some(signature), at).map(|verified| {
            assert_eq!(verified.invoice_id(), id);
        })
    }

    /// Flips the last hexadecimal digit.
    fn flip_last(text: &str) -> String {
        let (head, last) = text.split_at(text.len() - 1);
        format!("{head}{}", if last == "0" { "1" } else { "0" })
    }

    #[test]
    fn a_signed_link_is_valid_until_it_expires() {
        let link = links().sign(ID, now());
        assert_eq!(link.expires, now().timestamp() + 30 * 86_400);
        assert_eq!(link.signature.len(), 64);
        let expires = link.expires.to_string();
        assert_eq!(check(&links(), ID, &expires, &link.signature, now()), Ok(()));
        let last_second = now() + Duration::days(30);
        assert_eq!(check(&links(), ID, &expires, &link.signature, last_second), Ok(()));
        assert_eq!(
            check(
                &links(),
                ID,
                &expires,
                &link.signature,
                last_second + Duration::seconds(1)
            ),
            Err(LinkRefusal::Expired)
        );
        assert_eq!(links().sign(ID, now()), link, "deterministic");
    }

    #[test]
    fn tampering_with_any_part_or_another_key_is_refused() {
        let link = links().sign(ID, now());
        let expires = link.expires.to_string();
        let other_id = "inv_0123456789abcdef01234568";
        assert_eq!(
            check(&links(), other_id, &expires, &link.signature, now()),
            Err(LinkRefusal::Invalid),
            "tampered id"
        );
        let later = (link.expires + 86_400).to_string();
        assert_eq!(
            check(&links(), ID, &later, &link.signature, now()),
            Err(LinkRefusal::Invalid),
            "tampered expiry"
        );
        assert_eq!(
            check(&links(), ID, &expires, &flip_last(&link.signature), now()),
            Err(LinkRefusal::Invalid),
            "tampered signature"
        );
        let other_key = PublicLinks::new([8; 32], 30, None);
        assert_eq!(
            check(&other_key, ID, &expires, &link.signature, now()),
            Err(LinkRefusal::Invalid),
            "another key"
        );
        // An expired link whose signature is also wrong is invalid, not expired.
        let after = now() + Duration::days(31);
        assert_eq!(
            check(&links(), ID, &expires, &flip_last(&link.signature), after),
            Err(LinkRefusal::Invalid)
        );
    }

    #[test]
    fn malformed_or_missing_parts_are_refused() {
        let link = links().sign(ID, now());
        let expires = link.expires.to_string();
        let signature = link.signature.as_str();
        let at = now();
        for (id, expires, signature) in [
            (ID, format!("0{expires}"), signature.to_string()),
            (ID, format!("+{expires}"), signature.to_string()),
            (ID, format!("{expires}.0"), signature.to_string()),
            (ID, "1".repeat(13), signature.to_string()),
            (ID, String::new(), signature.to_string()),
            (ID, expires.clone(), signature.to_uppercase()),
            (ID, expires.clone(), signature[..62].to_string()),
            (ID, expires.clone(), format!("{signature}00")),
            (ID, expires.clone(), "zz".repeat(32)),
            ("", expires.clone(), signature.to_string()),
            ("inv/../x", expires.clone(), signature.to_string()),
        ] {
            assert_eq!(
                check(&links(), id, &expires, &signature, at),
                Err(LinkRefusal::Invalid),
                "{id} {expires} {signature}"
            );
        }
        let long_id = "i".repeat(MAX_ID_LENGTH + 1);
        assert_eq!(
            links().verify(&long_id, Some(&expires), Some(signature), at),
            Err(LinkRefusal::Invalid)
        );
        assert_eq!(links().verify(ID, None, Some(signature), at), Err(LinkRefusal::Invalid));
        assert_eq!(links().verify(ID, Some(&expires), None, at), Err(LinkRefusal::Invalid));
    }

    #[test]
    fn urls_are_paths_or_absolute_under_the_base_url() {
        let link = links().sign(ID, now());
        let path = links().url(ID, now());
        assert_eq!(
            path,
            format!(
                "/v1/public/invoices/{ID}/pdf?expires={}&signature={}",
                link.expires, link.signature
            )
        );
        let absolute = PublicLinks::new([7; 32], 30, Some("https://api.example.com/")).url(ID, now());
        assert_eq!(absolute, format!("https://api.example.com{path}"));
        assert_eq!(PublicLinks::pdf_path(ID), format!("/v1/invoices/{ID}/pdf"));
        assert!(!format!("{:?}", links()).contains("7, 7"), "the key is never printed");
    }
}
