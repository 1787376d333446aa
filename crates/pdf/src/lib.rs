//! The printed representation of an Argentine electronic voucher ("representación impresa"):
//! an A4 PDF/A-2b, fonts embedded, with ARCA's QR, rendered in process from an
//! [`InvoiceDocument`].
//!
//! It never reads a database, calls ARCA or looks at the clock: the same document gives the same
//! bytes. What to print comes whole in the [`InvoiceDocument`]; which legends apply (class M,
//! foreign currency, Ley 27.743's transparency block) is decided here from its fields.

pub mod model;

pub use model::*;

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The logo is not a PNG or JPEG this renderer can read.
    #[error("the logo could not be read: {0}")]
    Logo(String),
    /// The QR payload does not fit a QR code.
    #[error("the QR payload could not be encoded: {0}")]
    Qr(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// Renders `document` as one PDF holding one copy per entry of `copies` (ORIGINAL first).
pub fn render(document: &InvoiceDocument, copies: &[Copy]) -> Result<Vec<u8>, RenderError> {
    let _ = (document, copies);
    Err(RenderError::Pdf("not yet implemented".into()))
}
