//! An approved invoice's PDF for whoever may have it — its account (`GET /v1/invoices/{id}/pdf`),
//! the holder of a signed public link (`GET /v1/public/invoices/{id}/pdf`), an operator
//! (`arca-api invoice pdf`) — with its file name, and the links every invoice answer carries
//! (`pdf_url`, and `public_pdf_url` once approved).
//!
//! Which invoice, and whether it is printable, is decided here: another account's invoice is not
//! found, one that is not approved is [`Error::NotApproved`], a public link is checked
//! ([`crate::public_links`]) against the injected clock before anything is read. The rendering
//! is [`crate::documents`]'.
//!
//! It never writes, never calls ARCA and never speaks HTTP.

use std::sync::Arc;

use arca_pdf::Copy;
use arca_protocol::clock::Clock;
use arca_protocol::codes::{CbteKind, CbteTipo};

use crate::config::Config;
use crate::crypto::Secrets;
use crate::documents::Documents;
use crate::public_links::{self, LinkRefusal, PublicLinks, VerifiedLink};
use crate::storage::invoices::{InvoiceRow, InvoiceStatus};
use crate::storage::{self, Storage};

/// The most copies one PDF holds: ORIGINAL, DUPLICADO, TRIPLICADO.
pub const MAX_COPIES: u8 = 3;

/// Why no PDF is given.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such invoice (for this account).
    #[error("no such invoice")]
    NotFound,
    /// Only an approved invoice (with its CAE) has a printed representation.
    #[error("invoice {id} is {status}: only an approved invoice has a PDF")]
    NotApproved { id: String, status: InvoiceStatus },
    /// The public link is malformed, tampered with or expired.
    #[error(transparent)]
    Link(#[from] LinkRefusal),
    /// The database, or the rendering.
    #[error(transparent)]
    Service(#[from] crate::Error),
}

/// A rendered invoice and the name to save it under.
#[derive(Debug, Clone)]
pub struct InvoicePdf {
    /// `factura-00001-00000042.pdf`, `nota-de-credito-…`: the voucher's kind and number.
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// The links an invoice answer carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLinks {
    /// The authenticated path of the PDF (every invoice).
    pub pdf_url: String,
    /// The signed public link (approved invoices only).
    pub public_pdf_url: Option<String>,
}

/// The copies `copias` asks for (1 to [`MAX_COPIES`]), ORIGINAL first; `None` outside the range.
pub fn copies(copias: u8) -> Option<&'static [Copy]> {
    const ALL: [Copy; 3] = [Copy::Original, Copy::Duplicado, Copy::Triplicado];
    (1..=MAX_COPIES).contains(&copias).then(|| &ALL[..usize::from(copias)])
}

/// Invoices' PDFs and links. Cloning is cheap.
#[derive(Clone)]
pub struct InvoicePdfs {
    storage: Storage,
    documents: Documents,
    links: PublicLinks,
    clock: Arc<dyn Clock>,
}

impl InvoicePdfs {
    pub fn new(storage: Storage, documents: Documents, links: PublicLinks, clock: Arc<dyn Clock>) -> InvoicePdfs {
        InvoicePdfs {
            storage,
            documents,
            links,
            clock,
        }
    }

    /// With public links as the configuration sets them: a key derived from
    /// `SECRETS_ENCRYPTION_KEY` for [`public_links::PURPOSE`], `PUBLIC_LINK_TTL_DAYS`, `API_URL`.
    pub fn configured(
        config: &Config,
        secrets: &Secrets,
        storage: Storage,
        documents: Documents,
        clock: Arc<dyn Clock>,
    ) -> InvoicePdfs {
        let links = PublicLinks::new(
            secrets.derive_key(public_links::PURPOSE),
            config.public_link_ttl_days,
            config.api_url.as_deref(),
        );
        InvoicePdfs::new(storage, documents, links, clock)
    }

    /// `pdf_url` always; `public_pdf_url`, valid for `PUBLIC_LINK_TTL_DAYS` from now, once the
    /// invoice is approved.
    pub fn links(&self, invoice_id: &str, status: InvoiceStatus) -> InvoiceLinks {
        InvoiceLinks {
            pdf_url: PublicLinks::pdf_path(invoice_id),
            public_pdf_url: status
                .is_authorised()
                .then(|| self.links.url(invoice_id, self.clock.now())),
        }
    }

    /// The public link of an approved invoice of any account (the operator's command prints it).
    pub fn public_url(&self, invoice_id: &str) -> String {
        self.links.url(invoice_id, self.clock.now())
    }

    /// The PDF of the account's invoice `id`, one copy per entry of `copies`.
    pub async fn for_account(&self, account_id: &str, id: &str, copies: &[Copy]) -> Result<InvoicePdf, Error> {
        let row = storage::invoices::find(&self.storage, id)
            .await?
            .filter(|row| row.account_id == account_id)
            .ok_or(Error::NotFound)?;
        self.render(&row, copies).await
    }

    /// The PDF of invoice `id`, whatever its account: for the operator, who holds the database.
    pub async fn for_operator(&self, id: &str, copies: &[Copy]) -> Result<InvoicePdf, Error> {
        let row = storage::invoices::find(&self.storage, id)
            .await?
            .ok_or(Error::NotFound)?;
        self.render(&row, copies).await
    }

    /// Checks a public link's parts, as they arrived, at the clock's now. Reads nothing.
    pub fn verify(&self, id: &str, expires: Option<&str>, signature: Option<&str>) -> Result<VerifiedLink, Error> {
        Ok(self.links.verify(id, expires, signature, self.clock.now())?)
    }

    /// The ORIGINAL of the invoice a verified link names.
    pub async fn for_link(&self, link: &VerifiedLink) -> Result<InvoicePdf, Error> {
        self.for_operator(link.invoice_id(), &[Copy::Original]).await
    }

    async fn render(&self, row: &InvoiceRow, copies: &[Copy]) -> Result<InvoicePdf, Error> {
        // A cancelled invoice keeps its CAE: it is still printed (its notes say what they credit).
        let numero = match (row.status, row.numero) {
            (status, Some(numero)) if status.is_authorised() => numero,
            (status, _) => {
                return Err(Error::NotApproved {
                    id: row.id.clone(),
                    status,
                });
            }
        };
        let bytes = self
            .documents
            .invoice_pdf(&row.account_id, &row.id, copies)
            .await
            .map_err(|error| match error {
                crate::Error::NotFound => Error::NotFound,
                other => Error::Service(other),
            })?;
        Ok(InvoicePdf {
            filename: filename(row.cbte_tipo, row.punto_venta, numero),
            bytes,
        })
    }
}

/// `factura-00001-00000042.pdf`: the voucher's kind, point of sale and number; ASCII only, so
/// it needs no encoding in `Content-Disposition`.
pub fn filename(cbte_tipo: i32, punto_venta: i32, numero: i64) -> String {
    let kind = match CbteTipo::from_code(cbte_tipo).map(CbteTipo::kind) {
        Some(CbteKind::Factura) => "factura",
        Some(CbteKind::NotaDebito) => "nota-de-debito",
        Some(CbteKind::NotaCredito) => "nota-de-credito",
        Some(CbteKind::Recibo) => "recibo",
        _ => "comprobante",
    };
    format!("{kind}-{punto_venta:05}-{numero:08}.pdf")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_and_file_names() {
        assert_eq!(copies(1), Some(&[Copy::Original][..]));
        assert_eq!(
            copies(3),
            Some(&[Copy::Original, Copy::Duplicado, Copy::Triplicado][..])
        );
        assert_eq!(copies(0), None);
        assert_eq!(copies(4), None);
        assert_eq!(filename(6, 1, 42), "factura-00001-00000042.pdf");
        assert_eq!(filename(3, 12, 7), "nota-de-credito-00012-00000007.pdf");
        assert_eq!(filename(52, 2, 1), "nota-de-debito-00002-00000001.pdf");
        assert_eq!(filename(999, 1, 1), "comprobante-00001-00000001.pdf");
    }
}
