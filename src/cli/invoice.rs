//! `arca-api invoice pdf ID --out FILE [--copias N]`: an approved invoice's PDF written to a
//! file by the operator, from the database (`DATABASE_URL`) and the secrets `serve` reads, with
//! no API key and whatever the invoice's account. It also prints the invoice's public link.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use arca_service::config::Config;
use arca_service::crypto::Secrets;
use arca_service::documents::Documents;
use arca_service::invoice_pdfs::{self, InvoicePdfs, MAX_COPIES};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Write an approved invoice's PDF (ARCA's printed representation, with its QR) to a file.
    Pdf(PdfArgs),
}

#[derive(Debug, clap::Args)]
pub struct PdfArgs {
    /// The invoice's id (`inv_…`), of any account.
    id: String,
    /// Where to write the PDF (replaced if it exists).
    #[arg(long)]
    out: PathBuf,
    /// Copies in the PDF: 1 the ORIGINAL, 2 adds the DUPLICADO, 3 the TRIPLICADO.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=i64::from(MAX_COPIES)))]
    copias: u8,
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    let Command::Pdf(args) = command;
    let config = Config::from_env()?;
    let secrets = Secrets::from_base64(&config.security.secrets_encryption_key)?;
    let storage = super::migrate::connect_current(&config.database).await?;
    let pdfs = InvoicePdfs::configured(
        &config,
        &secrets,
        storage.clone(),
        Documents::new(storage.clone()),
        Arc::new(arca_protocol::clock::SystemClock),
    );
    let copies = invoice_pdfs::copies(args.copias).context("--copias must be 1, 2 or 3")?;
    let rendered = pdfs.for_operator(&args.id, copies).await;
    storage.close().await;
    let pdf = rendered.with_context(|| format!("invoice {}", args.id))?;
    std::fs::write(&args.out, &pdf.bytes).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "wrote {} ({} bytes, {})",
        args.out.display(),
        pdf.bytes.len(),
        pdf.filename
    );
    println!(
        "public link (valid {} days): {}",
        config.public_link_ttl_days,
        pdfs.public_url(&args.id)
    );
    Ok(())
}
