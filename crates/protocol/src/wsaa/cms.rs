//! CMS SignedData over the TRA, docs/arca.md §B.3: content attached (not detached), the
//! signer certificate included, SHA-256, DER then Base64.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use openssl::cms::{CMSOptions, CmsContentInfo};

use crate::Error;
use crate::certificate::Credentials;

/// Signs `tra_xml` and returns the Base64 text that goes into `loginCms/in0`.
pub fn sign_tra(tra_xml: &str, credentials: &Credentials) -> Result<String, Error> {
    // BINARY: sign the bytes as they are; without it OpenSSL would canonicalise line endings
    // as for S/MIME text. No DETACHED flag: WSAA needs the TRA inside the CMS.
    let cms = CmsContentInfo::sign(
        Some(credentials.certificate()),
        Some(credentials.private_key()),
        None,
        Some(tra_xml.as_bytes()),
        CMSOptions::BINARY,
    )?;
    Ok(STANDARD.encode(cms.to_der()?))
}
