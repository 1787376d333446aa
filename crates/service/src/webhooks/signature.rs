//! Webhook signatures: the secret's form, and the two signatures every delivery carries from
//! it (README "Webhooks"), so a receiver can check either:
//!
//! - `X-ARCA-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">`, keyed with the whole
//!   secret string (`whsec_…`, as receivers copy it);
//! - the Standard Webhooks `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
//!   keyed with the bytes the base64 after `whsec_` decodes to, as that specification says, so
//!   its official libraries verify it.
//!
//! During a rotation's overlap both secrets sign: two `sha256=` values separated by a comma,
//! two `v1,` entries separated by a space. Verification compares in constant time.
//!
//! It never logs or returns a secret, and never reads the clock (the timestamp is passed in).

use arca_protocol::secret::Secret;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// What every secret starts with.
pub const SECRET_PREFIX: &str = "whsec_";

/// Random bytes in a secret.
pub const SECRET_BYTES: usize = 32;

/// A new secret: `whsec_` and the base64 of 32 random bytes.
pub fn generate_secret() -> Secret {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::new(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
}

/// The two signature headers' values for one attempt, signed with every secret in `secrets`
/// (the current one first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signatures {
    /// `X-ARCA-Signature`.
    pub arca: String,
    /// `webhook-signature`.
    pub standard: String,
}

/// Signs `body` sent as delivery `delivery_id` at `timestamp` (unix seconds) with `secrets`.
pub fn sign(secrets: &[&Secret], delivery_id: &str, timestamp: i64, body: &[u8]) -> Signatures {
    let arca: Vec<String> = secrets
        .iter()
        .map(|secret| format!("sha256={}", hex(&arca_mac(secret.expose(), timestamp, body))))
        .collect();
    let standard: Vec<String> = secrets
        .iter()
        .map(|secret| {
            format!(
                "v1,{}",
                STANDARD.encode(standard_mac(secret.expose(), delivery_id, timestamp, body))
            )
        })
        .collect();
    Signatures {
        arca: arca.join(","),
        standard: standard.join(" "),
    }
}

/// Whether `header` (an `X-ARCA-Signature` value) holds a valid `sha256=` signature of `body`
/// at `timestamp` under `secret`.
pub fn verify_arca(secret: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let expected = hex(&arca_mac(secret, timestamp, body));
    header
        .split(',')
        .filter_map(|part| part.trim().strip_prefix("sha256="))
        .any(|given| bool::from(given.as_bytes().ct_eq(expected.as_bytes())))
}

/// Whether `header` (a `webhook-signature` value) holds a valid `v1,` signature of `body` sent
/// as `delivery_id` at `timestamp` under `secret`.
pub fn verify_standard(secret: &str, delivery_id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let expected = STANDARD.encode(standard_mac(secret, delivery_id, timestamp, body));
    header
        .split(' ')
        .filter_map(|part| part.strip_prefix("v1,"))
        .any(|given| bool::from(given.as_bytes().ct_eq(expected.as_bytes())))
}

fn arca_mac(secret: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut mac = new_mac(secret.as_bytes());
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// The Standard Webhooks key: the bytes after `whsec_`, base64-decoded (the whole string as
/// bytes if it does not decode, which no secret of ours does).
fn standard_mac(secret: &str, delivery_id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    let key = STANDARD.decode(encoded).unwrap_or_else(|_| secret.as_bytes().to_vec());
    let mut mac = new_mac(&key);
    mac.update(format!("{delivery_id}.{timestamp}.").as_bytes());
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

fn new_mac(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length")
}

fn hex(bytes: &[u8]) -> String {
    crate::storage::hex(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_whsec_and_32_bytes_of_base64() {
        let secret = generate_secret();
        let encoded = secret.expose().strip_prefix(SECRET_PREFIX).unwrap_or_default();
        assert_eq!(
            STANDARD.decode(encoded).map(|bytes| bytes.len()).ok(),
            Some(SECRET_BYTES)
        );
        assert_ne!(generate_secret().expose(), secret.expose());
    }

    #[test]
    fn each_signature_verifies_under_its_own_secret_only() {
        let (old, new) = (generate_secret(), generate_secret());
        let body = br#"{"id":"evt_1"}"#;
        let both = sign(&[&new, &old], "msg_1", 1_700_000_000, body);
        assert_eq!(both.arca.matches("sha256=").count(), 2);
        assert_eq!(both.standard.split(' ').count(), 2);
        for secret in [&old, &new] {
            assert!(verify_arca(secret.expose(), 1_700_000_000, body, &both.arca));
            assert!(verify_standard(
                secret.expose(),
                "msg_1",
                1_700_000_000,
                body,
                &both.standard
            ));
        }
        let other = generate_secret();
        assert!(!verify_arca(other.expose(), 1_700_000_000, body, &both.arca));
        assert!(!verify_arca(new.expose(), 1_700_000_001, body, &both.arca));
        assert!(!verify_standard(
            new.expose(),
            "msg_2",
            1_700_000_000,
            body,
            &both.standard
        ));
        assert!(!verify_standard(
            new.expose(),
            "msg_1",
            1_700_000_000,
            b"{}",
            &both.standard
        ));
    }
}
