//! wsfecred, ARCA's FCE MiPyMEs service (Facturas de Crédito Electrónicas, docs/arca.md §M.2):
//! whether a buyer is obliged to receive FCE and from which amount, the FCE vouchers a CUIT
//! issued or received, and the buyer's acceptance or rejection of one.
//!
//! - [`WsfecredClient::consultar_monto_obligado_recepcion`]: a CUIT's obligation on a date
//!   ([`MontoObligado`]); [`WsfecredClient::consultar_obligado_recepcion`] without the amount.
//! - [`WsfecredClient::consultar_comprobantes`]: one page of ARCA's FCE account
//!   ([`ComprobantesPage`], ARCA's page size, `hay_mas` when another page follows).
//! - [`WsfecredClient::aceptar`] / [`WsfecredClient::rechazar`]: ARCA's verdict as an
//!   [`Operacion`]; a refusal (`resultado R` with `arrayErrores`) is an `Ok`, shown to the user.
//! - ARCA's `arrayErrores` that end a call are classified in [`wire`]: a refused token or sign
//!   → [`crate::Error::TokenRejected`] (new ticket); a CUIT the ticket may not represent →
//!   [`crate::Error::Rejected`] recognised by [`is_not_represented`]; ARCA's own failures →
//!   [`crate::Error::ArcaInternal`] (retryable); anything else → [`crate::Error::Rejected`].
//!
//! Java (CXF-style), SOAP 1.1, `SOAPAction` = [`NAMESPACE`] + operation; only the operation
//! element (`{operation}Request`) carries the namespace, its children are unqualified, and
//! `authRequest{token, sign, cuitRepresentada}` comes first. This module never keeps state,
//! never retries and never rounds an amount: an amount ARCA's type cannot hold is refused
//! before sending ([`crate::Error::InvalidRequest`]).

mod client;
mod types;
pub mod wire;

#[cfg(test)]
mod client_tests;

pub use client::WsfecredClient;
pub use types::{
    Aceptacion, CodigoDescripcion, ComprobanteFce, ComprobantesPage, ComprobantesQuery, EstadoCmp, IdFactura,
    MontoObligado, MotivoRechazo, ObligadoRecepcion, Operacion, Rechazo, ResultadoOperacion, Rol,
};
pub use wire::is_not_represented;

/// The namespace of wsfecred's operation elements (and only of them).
pub const NAMESPACE: &str = "http://ar.gob.afip.wsfecred/FECredService/";

/// The WSAA service name of wsfecred.
pub const WSAA_SERVICE: &str = "wsfecred";

/// ARCA's page size in `consultarComprobantes` (docs/arca.md §M.2).
pub const PAGE_SIZE: usize = 10;

/// The most `motivoRechazo` one rejection carries here (the WSDL has no bound; the API's).
pub const MAX_MOTIVOS: usize = 10;
