//! ARCA certificates per account: upload (PEM or PKCS#12), CSR generation, listing, deletion,
//! and the credentials an [`Arca`](crate::arca::Arca) session signs with.
//!
//! The private key is kept only as PKCS#8 PEM sealed with AES-256-GCM, the row id as associated
//! data (`crypto.rs`); a PKCS#12 bundle is opened once on upload and its passphrase is never
//! stored. An upload is accepted only after a WSAA login with it succeeds (or WSAA answers
//! `coe.alreadyAuthenticated`, which also proves it knows the certificate); a refused login
//! stores nothing.

use arca_protocol::Cuit;
use arca_protocol::certificate::{Credentials, generate_csr};
use arca_protocol::secret::Secret;
use base64::Engine;
use chrono::{DateTime, Utc};
use openssl::pkey::PKey;
use openssl::x509::X509;
use tracing::instrument;

use crate::Error;
use crate::crypto::Secrets;
use crate::storage::certificates::CertificateRow;
use crate::storage::{self, Storage};

/// What an upload carries.
pub enum Upload {
    /// A PEM certificate with its unencrypted private key; without the key, the certificate
    /// must match the key of a pending CSR of the account.
    Pem {
        certificate_pem: String,
        private_key_pem: Option<Secret>,
    },
    /// A PKCS#12 bundle (DER) and its passphrase (empty when it has none).
    Pkcs12 { der: Vec<u8>, passphrase: Secret },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Usable: WSAA accepted it and it has not expired.
    Active,
    /// Past its `not_after`.
    Expired,
    /// A key and CSR waiting for ARCA's certificate.
    Pending,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Expired => "expired",
            Status::Pending => "pending",
        }
    }
}

/// A certificate as shown: never its key.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub id: String,
    pub status: Status,
    pub cuit: String,
    pub subject: Option<String>,
    pub fingerprint: Option<String>,
    pub not_before: Option<DateTime<Utc>>,
    pub not_after: Option<DateTime<Utc>>,
    /// Whole days left until `not_after` (negative once expired).
    pub days_to_expiry: Option<i64>,
    /// The CSR to paste into ARCA, while pending.
    pub csr_pem: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A test login with a certificate before it is stored: WSAA accepts it, or the upload is
/// refused. [`Arca`](crate::arca::Arca) is the one implementation; the trait keeps this module
/// from depending on ARCA access, which depends on it for the credentials it signs with.
pub trait LoginCheck {
    fn check_login(&self, credentials: &Credentials) -> impl Future<Output = Result<(), Error>> + Send;
}

/// Checks, test-logs-in and stores an uploaded certificate (or completes a pending CSR).
#[instrument(skip_all, fields(account.id = account_id))]
pub async fn upload(
    storage: &Storage,
    secrets: &Secrets,
    login: &impl LoginCheck,
    account_id: &str,
    upload: Upload,
) -> Result<Certificate, Error> {
    let (credentials, pending) = match upload {
        Upload::Pkcs12 { der, passphrase } => {
            let credentials = Credentials::from_pkcs12(&der, &passphrase).map_err(|error| {
                let field = if error.to_string().contains("passphrase") {
                    "passphrase"
                } else {
                    "pkcs12_base64"
                };
                credentials_problem(field, error)
            })?;
            (credentials, None)
        }
        Upload::Pem {
            certificate_pem,
            private_key_pem: Some(key_pem),
        } => {
            let credentials =
                Credentials::from_pem(certificate_pem.as_bytes(), key_pem.expose().as_bytes()).map_err(|error| {
                    let field = if error.to_string().contains("private key") {
                        "private_key_pem"
                    } else {
                        "certificate_pem"
                    };
                    credentials_problem(field, error)
                })?;
            (credentials, None)
        }
        Upload::Pem {
            certificate_pem,
            private_key_pem: None,
        } => {
            let certificate = X509::from_pem(certificate_pem.as_bytes())
                .map_err(|_| Error::invalid("certificate_pem", "not a PEM X.509 certificate"))?;
            let public_key = certificate
                .public_key()
                .and_then(|key| key.public_key_to_der())
                .map_err(|_| Error::invalid("certificate_pem", "the certificate has no usable public key"))?;
            let pending =
                storage::certificates::find_pending_by_public_key(storage, account_id, &sha256_hex(&public_key))
                    .await?
                    .ok_or_else(|| {
                        Error::invalid(
                            "private_key_pem",
                            "required: no pending CSR of this account matches the certificate's key",
                        )
                    })?;
            let key_pem = secrets.open(&pending.private_key_encrypted, &pending.id)?;
            let credentials = Credentials::from_pem(certificate_pem.as_bytes(), key_pem.expose().as_bytes())
                .map_err(|error| credentials_problem("certificate_pem", error))?;
            (credentials, Some(pending))
        }
    };
    login.check_login(&credentials).await?;
    let now = storage::now();
    let certificate_pem = String::from_utf8_lossy(&credentials.certificate().to_pem()?).into_owned();
    let public_key = credentials.private_key().public_key_to_der()?;
    let row = match pending {
        Some(pending) => {
            let row = CertificateRow {
                status: Status::Active.as_str().into(),
                cuit: credentials.cuit().to_string(),
                subject: Some(credentials.subject()),
                fingerprint: Some(credentials.fingerprint()),
                certificate_pem: Some(certificate_pem),
                not_before: Some(credentials.not_before()),
                not_after: Some(credentials.not_after()),
                ..pending
            };
            if !storage::certificates::complete(storage, &row).await? {
                return Err(Error::NotFound);
            }
            row
        }
        None => {
            let id = storage::new_id("cert");
            let key_pem = credentials.private_key().private_key_to_pem_pkcs8()?;
            let row = CertificateRow {
                private_key_encrypted: secrets.seal(&key_pem, &id)?,
                id,
                account_id: account_id.to_string(),
                status: Status::Active.as_str().into(),
                cuit: credentials.cuit().to_string(),
                subject: Some(credentials.subject()),
                fingerprint: Some(credentials.fingerprint()),
                public_key_sha256: sha256_hex(&public_key),
                certificate_pem: Some(certificate_pem),
                csr_pem: None,
                not_before: Some(credentials.not_before()),
                not_after: Some(credentials.not_after()),
                created_at: now,
            };
            storage::certificates::insert(storage, &row).await?;
            row
        }
    };
    tracing::info!(certificate.id = %row.id, "certificate stored");
    Ok(Certificate::from_row(row, now))
}

/// Generates an RSA key (stored encrypted, the certificate pending) and the CSR for ARCA.
#[instrument(skip_all, fields(account.id = account_id))]
pub async fn request_csr(
    storage: &Storage,
    secrets: &Secrets,
    account_id: &str,
    cuit: &str,
    organization: &str,
    common_name: &str,
) -> Result<Certificate, Error> {
    let mut problems = Vec::new();
    let parsed_cuit = Cuit::parse(cuit.trim())
        .map_err(|error| problems.push(("cuit".to_string(), format!("not a valid CUIT: {error}"))))
        .ok();
    for (field, value) in [("organization", organization), ("common_name", common_name)] {
        if value.trim().is_empty() || value.chars().count() > 64 {
            problems.push((field.to_string(), "must be 1 to 64 characters".to_string()));
        }
    }
    let Some(cuit) = parsed_cuit.filter(|_| problems.is_empty()) else {
        return Err(Error::Invalid(problems));
    };
    let request = generate_csr(cuit, organization.trim(), common_name.trim())
        .map_err(|error| credentials_problem("common_name", error))?;
    let key = PKey::private_key_from_pem(request.private_key_pem.expose().as_bytes())?;
    let id = storage::new_id("cert");
    let now = storage::now();
    let row = CertificateRow {
        private_key_encrypted: secrets.seal(request.private_key_pem.expose().as_bytes(), &id)?,
        id,
        account_id: account_id.to_string(),
        status: Status::Pending.as_str().into(),
        cuit: cuit.to_string(),
        subject: None,
        fingerprint: None,
        public_key_sha256: sha256_hex(&key.public_key_to_der()?),
        certificate_pem: None,
        csr_pem: Some(request.csr_pem),
        not_before: None,
        not_after: None,
        created_at: now,
    };
    storage::certificates::insert(storage, &row).await?;
    Ok(Certificate::from_row(row, now))
}

/// A page of the account's certificates, newest first, and how many there are.
pub async fn list(
    storage: &Storage,
    account_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Certificate>, i64), Error> {
    let rows = storage::certificates::list(storage, account_id, limit, offset).await?;
    let total = storage::certificates::count(storage, account_id).await?;
    let now = Utc::now();
    Ok((
        rows.into_iter().map(|row| Certificate::from_row(row, now)).collect(),
        total,
    ))
}

/// The account's certificate `id`.
pub async fn find(storage: &Storage, account_id: &str, id: &str) -> Result<Certificate, Error> {
    let row = storage::certificates::find(storage, account_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Certificate::from_row(row, Utc::now()))
}

/// Deletes the account's certificate `id` (its key goes with it).
pub async fn delete(storage: &Storage, account_id: &str, id: &str) -> Result<(), Error> {
    if storage::certificates::delete(storage, account_id, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// The account's newest active certificate valid at `now`, with its decrypted key.
pub async fn usable_credentials(
    storage: &Storage,
    secrets: &Secrets,
    account_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(String, Credentials)>, Error> {
    let Some(row) = storage::certificates::find_usable(storage, account_id, now).await? else {
        return Ok(None);
    };
    let key_pem = secrets.open(&row.private_key_encrypted, &row.id)?;
    let certificate_pem = row.certificate_pem.unwrap_or_default();
    let credentials = Credentials::from_pem(certificate_pem.as_bytes(), key_pem.expose().as_bytes())?;
    Ok(Some((row.id, credentials)))
}

/// The credentials of the account's certificate `id`, whatever its status or expiry: `None`
/// while it is pending (no certificate yet); [`Error::NotFound`] for another account's.
pub async fn credentials_of(
    storage: &Storage,
    secrets: &Secrets,
    account_id: &str,
    id: &str,
) -> Result<Option<Credentials>, Error> {
    let row = storage::certificates::find(storage, account_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let Some(certificate_pem) = row.certificate_pem else {
        return Ok(None);
    };
    let key_pem = secrets.open(&row.private_key_encrypted, &row.id)?;
    Ok(Some(Credentials::from_pem(
        certificate_pem.as_bytes(),
        key_pem.expose().as_bytes(),
    )?))
}

impl Certificate {
    pub(crate) fn from_row(row: CertificateRow, now: DateTime<Utc>) -> Certificate {
        let status = match (row.status.as_str(), row.not_after) {
            (stored, _) if stored == Status::Pending.as_str() => Status::Pending,
            (_, Some(not_after)) if not_after <= now => Status::Expired,
            _ => Status::Active,
        };
        Certificate {
            days_to_expiry: row.not_after.map(|not_after| (not_after - now).num_days()),
            csr_pem: row.csr_pem.filter(|_| status == Status::Pending),
            id: row.id,
            status,
            cuit: row.cuit,
            subject: row.subject,
            fingerprint: row.fingerprint,
            not_before: row.not_before,
            not_after: row.not_after,
            created_at: row.created_at,
        }
    }
}

/// Decodes the `pkcs12_base64` field (standard alphabet, whitespace ignored).
pub fn decode_pkcs12(text: &str) -> Result<Vec<u8>, Error> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| Error::invalid("pkcs12_base64", "not base64"))
}

fn credentials_problem(field: &str, error: arca_protocol::Error) -> Error {
    let message = match error {
        arca_protocol::Error::Credentials(message) => message,
        other => other.to_string(),
    };
    Error::invalid(field, message)
}

fn sha256_hex(bytes: &[u8]) -> String {
    storage::hex(&openssl::sha::sha256(bytes))
}
