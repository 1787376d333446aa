//! The taxpayer's ARCA certificate: loading it, reading its CUIT, and making the CSR that ARCA
//! signs (docs/arca.md §B.4).

use std::fmt;

use chrono::{DateTime, Utc};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder, X509NameRef, X509Ref, X509ReqBuilder};

use crate::secret::Secret;
use crate::{Cuit, Error};

/// A certificate with its matching private key and the CUIT it speaks for.
#[derive(Clone)]
pub struct Credentials {
    certificate: X509,
    private_key: PKey<Private>,
    cuit: Cuit,
}

impl Credentials {
    /// From PEM text: the certificate and its (unencrypted) private key.
    pub fn from_pem(certificate_pem: &[u8], key_pem: &[u8]) -> Result<Credentials, Error> {
        let certificate = X509::from_pem(certificate_pem).map_err(|_| bad("the certificate is not PEM X.509"))?;
        let private_key = PKey::private_key_from_pem(key_pem).map_err(|_| bad("the private key is not PEM"))?;
        Credentials::new(certificate, private_key)
    }

    /// From a PKCS#12 bundle (`.p12`/`.pfx`) and its passphrase.
    pub fn from_pkcs12(der: &[u8], passphrase: &Secret) -> Result<Credentials, Error> {
        let bundle = Pkcs12::from_der(der).map_err(|_| bad("the file is not PKCS#12"))?;
        let parsed = bundle
            .parse2(passphrase.expose())
            .map_err(|_| bad("the PKCS#12 passphrase is wrong or the bundle is damaged"))?;
        match (parsed.cert, parsed.pkey) {
            (Some(certificate), Some(private_key)) => Credentials::new(certificate, private_key),
            _ => Err(bad("the PKCS#12 bundle lacks the certificate or the key")),
        }
    }

    fn new(certificate: X509, private_key: PKey<Private>) -> Result<Credentials, Error> {
        let public = certificate
            .public_key()
            .map_err(|_| bad("the certificate has no usable public key"))?;
        if !public.public_eq(&private_key) {
            return Err(bad("the private key does not belong to the certificate"));
        }
        let cuit = cuit_from_certificate(&certificate)?;
        Ok(Credentials {
            certificate,
            private_key,
            cuit,
        })
    }

    pub fn certificate(&self) -> &X509Ref {
        &self.certificate
    }

    pub fn private_key(&self) -> &PKey<Private> {
        &self.private_key
    }

    pub fn cuit(&self) -> Cuit {
        self.cuit
    }

    /// SHA-256 of the certificate's DER, lowercase hex: the certificate's identity in caches.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.certificate)
    }

    pub fn not_after(&self) -> DateTime<Utc> {
        asn1_to_utc(self.certificate.not_after())
    }

    pub fn not_before(&self) -> DateTime<Utc> {
        asn1_to_utc(self.certificate.not_before())
    }

    pub fn subject(&self) -> String {
        distinguished_name(self.certificate.subject_name())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("cuit", &self.cuit)
            .field("subject", &self.subject())
            .field("private_key", &"[redacted]")
            .finish()
    }
}

fn bad(message: &str) -> Error {
    Error::Credentials(message.to_string())
}

/// Reads `serialNumber=CUIT nnnnnnnnnnn` from the subject and checks the digit.
pub fn cuit_from_certificate(certificate: &X509Ref) -> Result<Cuit, Error> {
    let entry = certificate
        .subject_name()
        .entries_by_nid(Nid::SERIALNUMBER)
        .next()
        .ok_or_else(|| bad("the certificate subject has no serialNumber (expected `CUIT nnnnnnnnnnn`)"))?;
    let value = entry.data().to_string().map_err(|_| bad("unreadable serialNumber"))?;
    let digits = value
        .trim()
        .strip_prefix("CUIT")
        .ok_or_else(|| bad("the serialNumber does not start with `CUIT `"))?;
    Cuit::parse(digits.trim()).map_err(|e| bad(&format!("the certificate's CUIT is invalid: {e}")))
}

/// SHA-256 fingerprint of a certificate, lowercase hex.
pub fn fingerprint(certificate: &X509Ref) -> String {
    certificate
        .digest(MessageDigest::sha256())
        .map(|d| d.iter().map(|b| format!("{b:02x}")).collect())
        .unwrap_or_default()
}

/// A one-line DN (`CN=acme, serialNumber=CUIT 20…`) for display.
pub fn distinguished_name(name: &X509NameRef) -> String {
    name.entries()
        .map(|e| {
            let key = e.object().nid().short_name().unwrap_or("?");
            let value = e.data().to_string().unwrap_or_default();
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn asn1_to_utc(time: &Asn1TimeRef) -> DateTime<Utc> {
    let seconds = Asn1Time::from_unix(0)
        .and_then(|epoch| epoch.diff(time))
        .map(|d| i64::from(d.days) * 86_400 + i64::from(d.secs))
        .unwrap_or(0);
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// A new RSA key and the CSR to paste into ARCA's certificate self-service.
pub struct CertificateRequest {
    /// PKCS#8 PEM of the new private key; keep it, it never goes to ARCA.
    pub private_key_pem: Secret,
    pub csr_pem: String,
}

impl fmt::Debug for CertificateRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateRequest")
            .field("csr_pem", &self.csr_pem)
            .finish_non_exhaustive()
    }
}

/// Generates an RSA-2048 key and a CSR with subject `C=AR, O=<organization>, CN=<alias>,
/// serialNumber=CUIT <cuit>`, signed with SHA-256 (§B.4).
pub fn generate_csr(cuit: Cuit, organization: &str, common_name: &str) -> Result<CertificateRequest, Error> {
    let key = PKey::from_rsa(Rsa::generate(2048)?)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COUNTRYNAME, "AR")?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, organization)
        .map_err(|_| bad("the organization name is not valid in a certificate"))?;
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)
        .map_err(|_| bad("the alias (CN) is not valid in a certificate"))?;
    name.append_entry_by_nid(Nid::SERIALNUMBER, &format!("CUIT {cuit}"))?;
    let name = name.build();
    let mut request = X509ReqBuilder::new()?;
    request.set_subject_name(&name)?;
    request.set_pubkey(&key)?;
    request.sign(&key, MessageDigest::sha256())?;
    let csr_pem = String::from_utf8_lossy(&request.build().to_pem()?).into_owned();
    let private_key_pem = Secret::new(String::from_utf8_lossy(&key.private_key_to_pem_pkcs8()?).into_owned());
    Ok(CertificateRequest {
        private_key_pem,
        csr_pem,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::x509::X509Req;

    #[test]
    fn csr_carries_the_cuit_as_arca_expects() {
        let cuit = Cuit::parse("20267565393").unwrap();
        let request = generate_csr(cuit, "Acme SA", "acme").unwrap();
        let csr = X509Req::from_pem(request.csr_pem.as_bytes()).unwrap();
        let subject = distinguished_name(csr.subject_name());
        assert_eq!(subject, "C=AR, O=Acme SA, CN=acme, serialNumber=CUIT 20267565393");
        assert!(csr.verify(&csr.public_key().unwrap()).unwrap());
        assert!(!format!("{request:?}").contains("PRIVATE KEY"));
    }
}
