//! arca-protocol: the ARCA (ex-AFIP) web-service protocol, as a library.
//!
//! - [`wsaa`]: the authentication service — the TRA, its CMS signature, the `loginCms` client, the
//!   access ticket (TA) and its fault codes, and a single-flight ticket cache.
//! - [`certificate`]: loading the ARCA-issued certificate (PEM or PKCS#12), reading its CUIT, and
//!   generating the key + CSR a taxpayer submits to ARCA.
//! - [`wsfe`]: the WSFEv1 client — typed requests and responses for its 22 operations, the SOAP
//!   envelope, response parsing and the classification of ARCA's error codes.
//! - [`padron`]: the taxpayer registry — A5 (constancia de inscripción: general data, taxes,
//!   error blocks) and A13 (identity, addresses, DNI → CUIT) clients, their typed faults, and the
//!   derivation of a receiver's IVA condition from A5 data (unknown when the data do not say).
//! - [`wscdc`]: the constatación de comprobantes client — whether a voucher (e.g. read from its
//!   QR) was authorised, and its parameter tables.
//! - [`wsfecred`]: the FCE MiPyMEs service — a buyer's obligation to receive FCE and its
//!   threshold, the FCE vouchers issued or received, and the buyer's acceptance or rejection.
//! - [`Cuit`]: the taxpayer id with its check digit.
//! - [`transport`]: outbound HTTP(S) with OpenSSL, the lowered security level scoped to listed hosts.
//!
//! This crate never touches a database and never serves HTTP; it is what the service and the
//! command line use to talk to ARCA (or to the simulator, which speaks the same wire format).

pub mod certificate;
pub mod clock;
pub mod codes;
pub mod compose;
mod cuit;
mod error;
pub mod money;
pub mod padron;
pub mod qr;
pub mod reconcile;
#[cfg(test)]
mod recorded;
pub mod secret;
#[cfg(test)]
mod test_server;
pub mod transport;
pub mod validate;
pub mod voucher;
pub mod wsaa;
pub mod wscdc;
pub mod wsfe;
pub mod wsfecred;
pub mod xml;

pub use cuit::{Cuit, CuitError};
pub use error::{Error, SoapFault};
