//! The invoices section of the dashboard: the list with the API's filters and pagination
//! ([`list`]), one invoice with its history, ARCA's messages, PDF, email and cancellation
//! ([`detail`]), and the new-invoice form with the padrón fill ([`form`]).
//!
//! Every handler reads the session and the form, calls what `GET/POST /v1/invoices…` call
//! (`Invoices::list`, `find`, `create`, `cancel`, `Emails::send_invoice`,
//! `InvoicePdfs::for_account`, `Taxpayers::lookup`) with the session's account, and renders. It
//! never decides a status, an amount or whether an invoice may be cancelled: the invoices module
//! does, and another account's invoice is the same 404 as an unknown one.

pub mod detail;
pub mod form;
pub mod list;

use axum::Router;
use axum::routing::{get, post};

use crate::invoices::InvoiceStatus;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard/invoices", get(list::page))
        .route("/dashboard/invoices/new", get(form::page).post(form::submit))
        .route("/dashboard/invoices/{id}", get(detail::page))
        .route("/dashboard/invoices/{id}/pdf", get(detail::pdf))
        .route("/dashboard/invoices/{id}/email", post(detail::email))
        .route("/dashboard/invoices/{id}/cancel", post(detail::cancel))
        .route("/dashboard/taxpayers/{cuit}", get(form::taxpayer))
}

/// A status as the interface names it.
pub fn status_label(status: InvoiceStatus) -> &'static str {
    match status {
        InvoiceStatus::Pending => "Pendiente",
        InvoiceStatus::PendingRetry => "Reintentando",
        InvoiceStatus::Approved => "Aprobado",
        InvoiceStatus::Failed => "Rechazado",
        InvoiceStatus::Cancelled => "Anulado",
    }
}

/// The badge's class of a status (its colour).
pub fn status_class(status: InvoiceStatus) -> &'static str {
    match status {
        InvoiceStatus::Approved => "badge ok",
        InvoiceStatus::Failed => "badge bad",
        InvoiceStatus::Pending | InvoiceStatus::PendingRetry => "badge warn",
        InvoiceStatus::Cancelled => "badge",
    }
}

/// ARCA's name of a voucher type (`Factura B`), or `Comprobante N`.
pub fn voucher_name(cbte_tipo: i32) -> String {
    arca_protocol::codes::CbteTipo::from_code(cbte_tipo).map_or_else(
        || format!("Comprobante {cbte_tipo}"),
        |tipo| tipo.description().to_string(),
    )
}

/// One `<option>` of a `<select>`.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Opt {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Opt {
        let value = value.into();
        Opt {
            selected: value == current,
            label: label.into(),
            value,
        }
    }
}

/// The voucher types a form or a filter offers (ARCA's codes: Factura A, B, C and M).
pub const VOUCHER_TYPES: [i32; 4] = [1, 6, 11, 51];
