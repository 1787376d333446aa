//! The simulator's certificate authority: it plays "Computadores Test", the CA behind ARCA's
//! homologation certificates, and holds the key that signs the tickets WSAA issues.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509, X509Builder, X509NameBuilder, X509NameRef, X509ReqRef};

use crate::SimulatorError;

const CA_CERT_FILE: &str = "ca.crt";
const CA_KEY_FILE: &str = "ca.key";
const TICKET_KEY_FILE: &str = "wsaa-ticket.key";

/// A CA certificate and key, plus the ticket-signing key of the simulated WSAA.
#[derive(Clone)]
pub struct CertificateAuthority {
    certificate: X509,
    key: PKey<Private>,
    ticket_key: PKey<Private>,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority").finish_non_exhaustive()
    }
}

impl CertificateAuthority {
    /// A new CA valid for ten years from `now`.
    pub fn create(now: DateTime<Utc>) -> Result<CertificateAuthority, SimulatorError> {
        let key = PKey::from_rsa(Rsa::generate(2048)?)?;
        let mut name = X509NameBuilder::new()?;
        name.append_entry_by_nid(Nid::COMMONNAME, "Computadores Test Simulador")?;
        name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "AFIP")?;
        name.append_entry_by_nid(Nid::COUNTRYNAME, "AR")?;
        let name = name.build();
        let mut builder = base_builder(&name, &name, now - Duration::days(1), now + Duration::days(3650))?;
        builder.set_pubkey(&key)?;
        builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        builder.append_extension(KeyUsage::new().critical().key_cert_sign().crl_sign().build()?)?;
        let ski = SubjectKeyIdentifier::new().build(&builder.x509v3_context(None, None))?;
        builder.append_extension(ski)?;
        builder.sign(&key, MessageDigest::sha256())?;
        // RSA-1024 signs tickets: the sign WSAA hands out is ~172 Base64 characters (§B.6), the
        // size of a 1024-bit signature.
        let ticket_key = PKey::from_rsa(Rsa::generate(1024)?)?;
        Ok(CertificateAuthority {
            certificate: builder.build(),
            key,
            ticket_key,
        })
    }

    /// Loads the CA from `dir`, creating and saving a new one if the directory has none.
    pub fn load_or_create(dir: &Path, now: DateTime<Utc>) -> Result<CertificateAuthority, SimulatorError> {
        if dir.join(CA_CERT_FILE).exists() {
            return CertificateAuthority::load(dir);
        }
        let ca = CertificateAuthority::create(now)?;
        ca.save(dir)?;
        Ok(ca)
    }

    pub fn load(dir: &Path) -> Result<CertificateAuthority, SimulatorError> {
        Ok(CertificateAuthority {
            certificate: X509::from_pem(&read(&dir.join(CA_CERT_FILE))?)?,
            key: PKey::private_key_from_pem(&read(&dir.join(CA_KEY_FILE))?)?,
            ticket_key: PKey::private_key_from_pem(&read(&dir.join(TICKET_KEY_FILE))?)?,
        })
    }

    pub fn save(&self, dir: &Path) -> Result<(), SimulatorError> {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        write(&dir.join(CA_CERT_FILE), &self.certificate.to_pem()?, false)?;
        write(&dir.join(CA_KEY_FILE), &self.key.private_key_to_pem_pkcs8()?, true)?;
        write(
            &dir.join(TICKET_KEY_FILE),
            &self.ticket_key.private_key_to_pem_pkcs8()?,
            true,
        )
    }

    pub fn certificate(&self) -> &X509 {
        &self.certificate
    }

    pub(crate) fn ticket_key(&self) -> &PKey<Private> {
        &self.ticket_key
    }

    /// Signs a CSR the way ARCA's certificate self-service does: the new certificate keeps only
    /// `CN=<alias>` and `serialNumber=CUIT …` of the requested subject (§B.4), valid two years.
    pub fn sign_csr(&self, csr: &X509ReqRef, now: DateTime<Utc>) -> Result<X509, SimulatorError> {
        let public = csr.public_key()?;
        if !csr.verify(&public)? {
            return Err(SimulatorError::Invalid("the CSR's signature does not verify".into()));
        }
        let requested = csr.subject_name();
        let text = |nid: Nid| {
            requested
                .entries_by_nid(nid)
                .next()
                .and_then(|e| e.data().to_string().ok())
        };
        let serial = text(Nid::SERIALNUMBER)
            .filter(|s| s.starts_with("CUIT "))
            .ok_or_else(|| SimulatorError::Invalid("the CSR subject lacks serialNumber=CUIT nnnnnnnnnnn".into()))?;
        let alias = text(Nid::COMMONNAME).ok_or_else(|| SimulatorError::Invalid("the CSR subject lacks CN".into()))?;
        let mut subject = X509NameBuilder::new()?;
        subject.append_entry_by_nid(Nid::COMMONNAME, &alias)?;
        subject.append_entry_by_nid(Nid::SERIALNUMBER, &serial)?;
        let subject = subject.build();
        let mut builder = base_builder(
            self.certificate.subject_name(),
            &subject,
            now - Duration::minutes(5),
            now + Duration::days(730),
        )?;
        builder.set_pubkey(&public)?;
        builder.append_extension(BasicConstraints::new().critical().build()?)?;
        builder.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .non_repudiation()
                .key_encipherment()
                .build()?,
        )?;
        let aki = AuthorityKeyIdentifier::new()
            .keyid(false)
            .build(&builder.x509v3_context(Some(&self.certificate), None))?;
        builder.append_extension(aki)?;
        builder.sign(&self.key, MessageDigest::sha256())?;
        Ok(builder.build())
    }

    /// Issues a client certificate with a fresh RSA-2048 key for `cuit` (11 digits) and `alias`.
    pub fn issue(&self, cuit: &str, alias: &str, now: DateTime<Utc>) -> Result<(X509, PKey<Private>), SimulatorError> {
        if cuit.len() != 11 || !cuit.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SimulatorError::Invalid(format!("`{cuit}` is not an 11-digit CUIT")));
        }
        let key = PKey::from_rsa(Rsa::generate(2048)?)?;
        let mut subject = X509NameBuilder::new()?;
        subject.append_entry_by_nid(Nid::COUNTRYNAME, "AR")?;
        subject.append_entry_by_nid(Nid::COMMONNAME, alias)?;
        subject.append_entry_by_nid(Nid::SERIALNUMBER, &format!("CUIT {cuit}"))?;
        let subject = subject.build();
        let mut csr = openssl::x509::X509ReqBuilder::new()?;
        csr.set_subject_name(&subject)?;
        csr.set_pubkey(&key)?;
        csr.sign(&key, MessageDigest::sha256())?;
        Ok((self.sign_csr(&csr.build(), now)?, key))
    }
}

fn base_builder(
    issuer: &X509NameRef,
    subject: &X509NameRef,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
) -> Result<X509Builder, SimulatorError> {
    let mut builder = X509Builder::new()?;
    builder.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(63, MsbOption::MAYBE_ZERO, false)?;
    let serial = Asn1Integer::from_bn(&serial)?;
    builder.set_serial_number(&serial)?;
    builder.set_issuer_name(issuer)?;
    builder.set_subject_name(subject)?;
    let (not_before, not_after) = (
        Asn1Time::from_unix(not_before.timestamp())?,
        Asn1Time::from_unix(not_after.timestamp())?,
    );
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    Ok(builder)
}

fn io(path: &Path, source: std::io::Error) -> SimulatorError {
    SimulatorError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn read(path: &Path) -> Result<Vec<u8>, SimulatorError> {
    std::fs::read(path).map_err(|e| io(path, e))
}

/// Writes a file; private keys get mode 0600.
pub(crate) fn write(path: &Path, contents: &[u8], private: bool) -> Result<(), SimulatorError> {
    std::fs::write(path, contents).map_err(|e| io(path, e))?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| io(path, e))?;
    }
    Ok(())
}
