//! `arca-api wsaa login`: one real login, for checking a certificate against an environment.

use std::path::PathBuf;

use anyhow::Context;
use arca_protocol::certificate::Credentials;
use arca_protocol::secret::Secret;
use arca_protocol::transport::{HttpTransport, Timeouts};
use arca_protocol::wsaa::WsaaClient;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Ask WSAA for a ticket and print its validity (never the token or the sign).
    Login {
        #[arg(long, env = "ARCA_WSAA_URL")]
        wsaa_url: String,
        /// PEM certificate (with --key).
        #[arg(long, required_unless_present = "pkcs12")]
        cert: Option<PathBuf>,
        /// PEM private key (with --cert).
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
        /// PKCS#12 bundle instead of --cert/--key; its passphrase comes from
        /// ARCA_CERTIFICATE_PASSPHRASE.
        #[arg(long, conflicts_with = "cert")]
        pkcs12: Option<PathBuf>,
        #[arg(long, default_value = arca_protocol::wsaa::WSFE_SERVICE)]
        service: String,
        /// Hosts that need OpenSSL's lowered security level (comma-separated).
        #[arg(long, env = "ARCA_TLS_LEGACY_HOSTS", value_delimiter = ',')]
        tls_legacy_hosts: Vec<String>,
    },
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    let Command::Login {
        wsaa_url,
        cert,
        key,
        pkcs12,
        service,
        tls_legacy_hosts,
    } = command;
    let credentials = match (cert, key, pkcs12) {
        (_, _, Some(bundle)) => {
            let passphrase = Secret::new(std::env::var("ARCA_CERTIFICATE_PASSPHRASE").unwrap_or_default());
            let der = std::fs::read(&bundle).with_context(|| format!("reading {}", bundle.display()))?;
            Credentials::from_pkcs12(&der, &passphrase)?
        }
        (Some(cert), Some(key), None) => {
            let cert_pem = std::fs::read(&cert).with_context(|| format!("reading {}", cert.display()))?;
            let key_pem = std::fs::read(&key).with_context(|| format!("reading {}", key.display()))?;
            Credentials::from_pem(&cert_pem, &key_pem)?
        }
        _ => anyhow::bail!("give --cert and --key, or --pkcs12"),
    };
    let transport = HttpTransport::new(Timeouts::default(), tls_legacy_hosts)?;
    let client = WsaaClient::new(wsaa_url, transport);
    let ticket = client
        .login(&credentials, &service, chrono::Utc::now())
        .await
        .map_err(|error| {
            let hint = match &error {
                arca_protocol::Error::Wsaa { fault, .. } => format!(" (hint: {})", fault.hint()),
                _ => String::new(),
            };
            anyhow::anyhow!("{error}{hint}")
        })?;
    println!("ticket granted for CUIT {} and service {service}", credentials.cuit());
    println!("generated: {}", ticket.generation_time.to_rfc3339());
    println!("expires:   {}", ticket.expiration_time.to_rfc3339());
    Ok(())
}
