//! WSCDC, ARCA's constatación de comprobantes: asks whether a voucher with these data was
//! authorised (docs/arca.md §K).
//!
//! - [`CmpDatos`]: the voucher to check, built by hand or from a decoded QR
//!   ([`CmpDatos::from_qr`]); [`WscdcClient::constatar`] answers a [`ConstatarResult`] whose
//!   `resultado` is `A` (it matches what ARCA authorised) or `R` (with `Observaciones` saying
//!   what did not match, e.g. 100 "the code does not exist").
//! - The parameter look-ups (modalidades, voucher types, document types, opcionales) answer
//!   [`CodeDesc`] lists; "sin resultados" (503) is an empty list.
//! - ARCA's `Errors` are classified in [`wire`]: 600 → [`crate::Error::TokenRejected`] (new
//!   ticket), 601 and 602 → [`crate::Error::Rejected`] (not represented / CUIT not active: no
//!   new ticket, not retryable), 500–502 → [`crate::Error::ArcaInternal`] (retryable).
//!
//! ASMX, SOAP 1.1, namespace `http://servicios1.afip.gob.ar/wscdc/` (`gob`, unlike the hosts)
//! on every element, `SOAPAction` = namespace + operation. This module never keeps state and
//! never retries.

mod client;
mod types;
pub mod wire;

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod recorded_tests;

pub use client::WscdcClient;
pub use types::{CbteModo, CmpDatos, CodeDesc, ConstatarResult, WscdcObs};

/// The namespace of every WSCDC element (exact: `gob`, not `gov`).
pub const NAMESPACE: &str = "http://servicios1.afip.gob.ar/wscdc/";
