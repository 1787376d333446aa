//! Secrets at rest: AES-256-GCM under `SECRETS_ENCRYPTION_KEY`.
//!
//! Each value gets a fresh random 96-bit nonce and is stored as `nonce ‖ ciphertext ‖ tag`
//! (12 + n + 16 bytes). The caller names the record the value belongs to (its id, and the
//! column when a row holds several secrets) as associated data: a ciphertext copied into
//! another row, or into another column of the same row, fails to open. OpenSSL's `symm` does
//! the work (already a dependency for CMS and TLS), so no second cipher crate is linked.
//!
//! The same master key also yields keys for other purposes ([`Secrets::derive_key`]: HMAC-SHA256
//! of the master key over a purpose label), so a key that signs public links never doubles as the
//! one that seals secrets.

use std::fmt;

use arca_protocol::secret::Secret;
use base64::Engine;
use hmac::{Hmac, Mac};
use openssl::symm::{Cipher, decrypt_aead, encrypt_aead};
use rand::RngCore;
use sha2::Sha256;

use crate::Error;

const NONCE_BYTES: usize = 12;
const TAG_BYTES: usize = 16;

/// The encryption key. `Debug` never prints it.
#[derive(Clone)]
pub struct Secrets {
    key: [u8; 32],
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secrets([redacted])")
    }
}

impl Secrets {
    /// From `SECRETS_ENCRYPTION_KEY` (32 bytes, base64; the configuration checked the length).
    pub fn from_base64(encoded: &Secret) -> Result<Secrets, Error> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.expose().trim())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| Error::invalid("SECRETS_ENCRYPTION_KEY", "expected 32 bytes, base64-encoded"))?;
        Ok(Secrets { key: bytes })
    }

    /// A 32-byte key for `purpose` (a fixed label such as `"arca-api public invoice link v1"`):
    /// HMAC-SHA256 of the master key over the label. Another label gives an unrelated key, and
    /// neither reveals the master key.
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Encrypts `plaintext` for the record named `associated`.
    pub fn seal(&self, plaintext: &[u8], associated: &str) -> Result<Vec<u8>, Error> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut tag = [0u8; TAG_BYTES];
        let ciphertext = encrypt_aead(
            Cipher::aes_256_gcm(),
            &self.key,
            Some(&nonce),
            associated.as_bytes(),
            plaintext,
            &mut tag,
        )
        .map_err(|_| Error::Crypto("encryption failed".into()))?;
        let mut sealed = Vec::with_capacity(NONCE_BYTES + ciphertext.len() + TAG_BYTES);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed.extend_from_slice(&tag);
        Ok(sealed)
    }

    /// Decrypts a value sealed for `associated`; fails if the key, the record or a byte differs.
    pub fn open(&self, sealed: &[u8], associated: &str) -> Result<Secret, Error> {
        let refused = || {
            Error::Crypto(format!(
                "a stored secret of {associated} does not decrypt (wrong SECRETS_ENCRYPTION_KEY, or moved between records)"
            ))
        };
        if sealed.len() < NONCE_BYTES + TAG_BYTES {
            return Err(refused());
        }
        let (nonce, rest) = sealed.split_at(NONCE_BYTES);
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_BYTES);
        let plaintext = decrypt_aead(
            Cipher::aes_256_gcm(),
            &self.key,
            Some(nonce),
            associated.as_bytes(),
            ciphertext,
            tag,
        )
        .map_err(|_| refused())?;
        String::from_utf8(plaintext).map(Secret::new).map_err(|_| refused())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(fill: u8) -> Secrets {
        Secrets { key: [fill; 32] }
    }

    #[test]
    fn round_trips_and_refuses_another_record_or_key() {
        let secrets = secrets(7);
        let sealed = secrets.seal(b"-----BEGIN PRIVATE KEY-----", "cert_1").unwrap();
        assert_eq!(sealed.len(), 12 + 27 + 16);
        assert!(!sealed.windows(5).any(|window| window == b"BEGIN"));
        assert_eq!(
            secrets.open(&sealed, "cert_1").unwrap().expose(),
            "-----BEGIN PRIVATE KEY-----"
        );
        assert!(secrets.open(&sealed, "cert_2").is_err(), "bound to its record");
        assert!(self::secrets(8).open(&sealed, "cert_1").is_err(), "bound to the key");
        let mut tampered = sealed.clone();
        tampered[14] ^= 1;
        assert!(secrets.open(&tampered, "cert_1").is_err());
        assert_ne!(
            secrets.seal(b"same", "x").unwrap(),
            secrets.seal(b"same", "x").unwrap(),
            "fresh nonce"
        );
        assert!(!format!("{secrets:?}").contains('7'));
        assert!(Secrets::from_base64(&Secret::new("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")).is_ok());
        assert!(Secrets::from_base64(&Secret::new("c2hvcnQ=")).is_err());
    }

    #[test]
    fn derived_keys_depend_on_the_purpose_and_the_master_key() {
        let link = secrets(7).derive_key("arca-api public invoice link v1");
        assert_eq!(link, secrets(7).derive_key("arca-api public invoice link v1"));
        assert_ne!(link, secrets(7).derive_key("another purpose"));
        assert_ne!(link, secrets(8).derive_key("arca-api public invoice link v1"));
        assert_ne!(link, [7u8; 32], "never the master key itself");
    }
}
