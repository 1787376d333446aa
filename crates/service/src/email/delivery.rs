//! How invoice emails leave: over SMTP (`SMTP_URL`, lettre on tokio, TLS through native-tls and
//! so OpenSSL, with `SMTP_TLS_ROOT_CERT` as the only trusted CA when set), or, in simulator mode
//! without `SMTP_URL`, into `DATA_DIR/outbox/` as `.eml` files a newcomer can open.
//!
//! [`EmailDelivery`] is the outbox's [`Deliver`] for emails: it renders the invoice's PDF
//! (`Documents::invoice_pdf`, deterministic, so the attachment is the bytes `GET …/pdf` serves),
//! builds the message and sends it once, and says what the server answered. SMTP 4xx, network
//! and TLS failures are transient; 5xx, and a message that cannot be built, permanent.
//!
//! It never retries (the dispatcher does) and never prints `SMTP_URL` (it may carry a password).

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use lettre::message::Mailbox;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::message::{self, EmailPayload};
use crate::config::{ArcaEnvironment, Config, SmtpTls};
use crate::documents::Documents;
use crate::outbox::{AttemptOutcome, Attempted, Deliver, MessageRow, Prepared};

/// Where emails go.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in this folder (simulator mode without `SMTP_URL`).
    Folder(PathBuf),
}

/// The sender used in simulator mode when `EMAIL_FROM` is not set.
pub const SIMULATOR_FROM: &str = "arca-api simulador <facturas@arca-api.invalid>";

/// Email as configured: a transport and a sender, or the settings that are missing.
// Built once at start and held once: the size of the larger variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub enum Setup {
    Ready {
        transport: Transport,
        from: Mailbox,
    },
    /// Outside simulator mode without `SMTP_URL` and `EMAIL_FROM`: the missing ones, named.
    NotConfigured(Vec<&'static str>),
}

impl Setup {
    /// From the configuration. A broken `SMTP_TLS_ROOT_CERT` file is a start-up error; the
    /// message never carries `SMTP_URL`.
    pub fn from_config(config: &Config) -> Result<Setup, crate::Error> {
        let email = &config.email;
        let from = email
            .from
            .as_deref()
            .map(str::parse::<Mailbox>)
            .transpose()
            .map_err(|_| crate::Error::invalid("EMAIL_FROM", "expected an address, or a name and an address in <>"))?;
        let simulator = config.arca.environment == ArcaEnvironment::Simulator;
        match (&email.smtp_url, from) {
            (Some(url), Some(from)) => Ok(Setup::Ready {
                transport: Transport::Smtp(smtp_transport(url.expose(), email.tls_root_cert.as_deref())?),
                from,
            }),
            (None, from) if simulator => Ok(Setup::Ready {
                transport: Transport::Folder(config.data_dir.join("outbox")),
                from: match from {
                    Some(from) => from,
                    None => SIMULATOR_FROM
                        .parse()
                        .map_err(|_| crate::Error::invalid("EMAIL_FROM", "the simulator's default sender"))?,
                },
            }),
            (url, from) => {
                let mut missing = Vec::new();
                if url.is_none() {
                    missing.push("SMTP_URL");
                }
                if from.is_none() {
                    missing.push("EMAIL_FROM");
                }
                Ok(Setup::NotConfigured(missing))
            }
        }
    }
}

/// How long one SMTP command may take (lettre's default, set here so the dispatcher can count
/// on it: `outbox::dispatcher::claim_rounds`).
pub const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// lettre's transport for `url` (`AsyncSmtpTransport::from_url`), with TLS trusting only the CA
/// in `root_cert` when given, and [`SMTP_TIMEOUT`].
fn smtp_transport(
    url: &str,
    root_cert: Option<&std::path::Path>,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, crate::Error> {
    // lettre's messages about a URL do not repeat it; ours never do.
    let refuse = |message: String| crate::Error::invalid("SMTP_URL", message);
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|error| refuse(format!("not usable: {error}")))?
        .timeout(Some(SMTP_TIMEOUT));
    if let Some(path) = root_cert {
        let pem = std::fs::read(path).map_err(|source| crate::Error::Io {
            context: format!("reading SMTP_TLS_ROOT_CERT {}", path.display()),
            source,
        })?;
        let certificate = Certificate::from_pem(&pem)
            .map_err(|error| crate::Error::invalid("SMTP_TLS_ROOT_CERT", format!("not a PEM certificate: {error}")))?;
        let host = url::Url::parse(url)
            .ok()
            .and_then(|parsed| parsed.host_str().map(String::from))
            .ok_or_else(|| refuse("names no host".into()))?;
        let parameters = TlsParameters::builder(host)
            .certificate_store(CertificateStore::None)
            .add_root_certificate(certificate)
            .build_native()
            .map_err(|error| crate::Error::invalid("SMTP_TLS_ROOT_CERT", format!("unusable: {error}")))?;
        let tls = match crate::config::smtp_tls(url).map_err(refuse)? {
            SmtpTls::Required => Tls::Required(parameters),
            SmtpTls::Opportunistic => Tls::Opportunistic(parameters),
            SmtpTls::Wrapper => Tls::Wrapper(parameters),
            SmtpTls::None => return Err(crate::Error::invalid("SMTP_TLS_ROOT_CERT", "needs TLS in SMTP_URL")),
        };
        builder = builder.tls(tls);
    }
    Ok(builder.build())
}

/// The outbox's way out for [`crate::outbox::MessageKind::Email`].
pub struct EmailDelivery {
    pub documents: Documents,
    pub transport: Transport,
    pub from: Mailbox,
}

impl Deliver for EmailDelivery {
    fn deliver<'a>(
        &'a self,
        message: &'a MessageRow,
        _prepared: &'a Prepared,
    ) -> Pin<Box<dyn Future<Output = Attempted> + Send + 'a>> {
        Box::pin(self.send(message))
    }
}

impl EmailDelivery {
    async fn send(&self, row: &MessageRow) -> Attempted {
        let permanent = |reply: String| Attempted {
            outcome: AttemptOutcome::Permanent,
            reply,
            http_status: None,
        };
        let payload: EmailPayload = match serde_json::from_str(&row.payload) {
            Ok(payload) => payload,
            Err(error) => return permanent(format!("unreadable email payload: {error}")),
        };
        let pdf = match self
            .documents
            .invoice_pdf(&row.account_id, &row.subject_id, &[arca_pdf::Copy::Original])
            .await
        {
            Ok(pdf) => pdf,
            // What the approval recorded decides these: a retry cannot change them.
            Err(
                error @ (crate::Error::NotFound
                | crate::Error::InvoiceNotApproved { .. }
                | crate::Error::IssuerProfileRequired(_)
                | crate::Error::Render { .. }),
            ) => {
                return permanent(format!("the invoice's PDF could not be produced: {error}"));
            }
            Err(error) => {
                return Attempted {
                    outcome: AttemptOutcome::Transient,
                    reply: format!("the invoice's PDF could not be produced: {error}"),
                    http_status: None,
                };
            }
        };
        let email = match message::build(&payload, &self.from, &row.id, pdf) {
            Ok(email) => email,
            Err(error) => return permanent(error.to_string()),
        };
        match &self.transport {
            Transport::Smtp(transport) => match transport.send(email).await {
                Ok(response) => Attempted {
                    outcome: AttemptOutcome::Delivered,
                    reply: format!(
                        "{} {}",
                        response.code(),
                        response.message().collect::<Vec<_>>().join(" ")
                    ),
                    http_status: None,
                },
                Err(error) => Attempted {
                    outcome: if error.is_permanent() {
                        AttemptOutcome::Permanent
                    } else {
                        AttemptOutcome::Transient
                    },
                    reply: smtp_error_text(&error),
                    http_status: None,
                },
            },
            Transport::Folder(folder) => write_eml(folder, &row.id, &email.formatted()).await,
        }
    }
}

/// The error with its causes (lettre puts the server's reply in the first), one line.
fn smtp_error_text(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.replace(['\r', '\n'], " ")
}

/// Writes `<folder>/<id>.eml` (through a temporary name, so a reader never sees half a file).
async fn write_eml(folder: &std::path::Path, id: &str, bytes: &[u8]) -> Attempted {
    let path = folder.join(format!("{id}.eml"));
    let partial = folder.join(format!(".{id}.eml.partial"));
    let written = async {
        tokio::fs::create_dir_all(folder).await?;
        tokio::fs::write(&partial, bytes).await?;
        tokio::fs::rename(&partial, &path).await
    }
    .await;
    match written {
        Ok(()) => Attempted {
            outcome: AttemptOutcome::Delivered,
            reply: format!("written to {} (simulator mode, no SMTP_URL)", path.display()),
            http_status: None,
        },
        Err(error) => Attempted {
            outcome: AttemptOutcome::Transient,
            reply: format!("could not write {}: {error}", path.display()),
            http_status: None,
        },
    }
}
