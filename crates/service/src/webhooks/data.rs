//! An event's `data`: the resource as the API answers it — an invoice as `GET /v1/invoices/{id}`
//! shows it, a certificate as `GET /v1/certificates/{id}`, the account and its usage as
//! `GET /v1/account` — built from rows the emitting transaction read, so an event shows what
//! that transaction committed.
//!
//! It never reads the database or the clock itself: callers pass the rows and `now`.

use std::sync::Arc;

use arca_protocol::Cuit;
use chrono::{DateTime, Utc};

use crate::Error;
use crate::accounts::Account;
use crate::certificates::Certificate;
use crate::invoice_pdfs::{InvoiceLinks, InvoicePdfs};
use crate::invoices::Invoice;
use crate::public_links::PublicLinks;
use crate::storage::accounts::AccountRow;
use crate::storage::certificates::CertificateRow;
use crate::storage::invoices::{InvoiceRow, InvoiceStatus};

/// What gives an invoice event its `pdf_url` and `public_pdf_url`, as an answer has them: the
/// app's [`InvoicePdfs`] (a signed public link for an approved invoice), or by default the
/// path alone (an engine built without the app, in tests).
#[derive(Clone, Default)]
pub struct InvoiceLinker(Option<Arc<InvoicePdfs>>);

impl InvoiceLinker {
    pub fn new(pdfs: InvoicePdfs) -> InvoiceLinker {
        InvoiceLinker(Some(Arc::new(pdfs)))
    }

    pub fn links(&self, invoice_id: &str, status: InvoiceStatus) -> InvoiceLinks {
        match &self.0 {
            Some(pdfs) => pdfs.links(invoice_id, status),
            None => InvoiceLinks {
                pdf_url: PublicLinks::pdf_path(invoice_id),
                public_pdf_url: None,
            },
        }
    }
}

impl std::fmt::Debug for InvoiceLinker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("InvoiceLinker").field(&self.0.is_some()).finish()
    }
}

/// The invoice as the API answers it (`InvoiceView`).
pub fn invoice(row: InvoiceRow, linker: &InvoiceLinker) -> Result<serde_json::Value, Error> {
    let issuer = Cuit::parse(&row.cuit).map_err(|_| Error::invalid("cuit", "stored CUIT is invalid"))?;
    let links = linker.links(&row.id, row.status);
    let view = crate::http::invoices::InvoiceView::new(Invoice::new(row, issuer), links);
    Ok(serde_json::to_value(view).unwrap_or_default())
}

/// The certificate as `GET /v1/certificates/{id}` shows it at `now`.
pub fn certificate(row: CertificateRow, now: DateTime<Utc>) -> serde_json::Value {
    let view = crate::http::certificates::CertificateView::from(Certificate::from_row(row, now));
    serde_json::to_value(view).unwrap_or_default()
}

/// The account with its usage in `period` as `GET /v1/account` shows it.
pub fn account(row: AccountRow, period: String, invoices: i64) -> Result<serde_json::Value, Error> {
    let account = Account::from_row(row)?;
    let usage = crate::usage::Summary::new(period, invoices, account.monthly_quota);
    let view = crate::http::accounts::AccountView::new(account, usage);
    Ok(serde_json::to_value(view).unwrap_or_default())
}
