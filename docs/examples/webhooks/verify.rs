//! Verifying arca-api's `X-ARCA-Signature` in Rust, with the `hmac` and `sha2` crates.
//!
//! README "Verifying signatures" shows `verify`; the integration tests compile this file in
//! (tests/integration/service/webhook_signatures.rs) and run it on deliveries signed by the service.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const TOLERANCE_SECONDS: u64 = 5 * 60;

/// Whether `signature` (`X-ARCA-Signature`) signs the raw `body` sent at `timestamp`
/// (`X-ARCA-Timestamp`) with `secret` (`whsec_…`, the whole string is the key); `now` in unix
/// seconds.
pub fn verify(secret: &str, timestamp: &str, signature: &str, body: &[u8], now: i64) -> bool {
    let Ok(seconds) = timestamp.parse::<i64>() else {
        return false;
    };
    if now.abs_diff(seconds) > TOLERANCE_SECONDS {
        return false; // too old to be anything but a replay
    }
    // While a secret is being rotated the header carries two values, comma-separated.
    signature
        .split(',')
        .filter_map(|value| value.trim().strip_prefix("sha256="))
        .filter_map(decode_hex)
        .any(|given| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
            mac.update(format!("{timestamp}.").as_bytes());
            mac.update(body);
            mac.verify_slice(&given).is_ok() // constant time
        })
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}
