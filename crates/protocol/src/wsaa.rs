//! WSAA, ARCA's authentication service (docs/arca.md §B).
//!
//! The flow: build a TRA ([`LoginTicketRequest`]), sign it as CMS with the taxpayer's certificate
//! ([`sign_tra`]), send it with [`WsaaClient::login_cms`], and keep the resulting
//! [`AccessTicket`] for its 12 hours ([`TicketCache`]): WSAA refuses a second ticket while one is
//! valid (`coe.alreadyAuthenticated`), so losing a ticket is an outage of our own making.

mod cache;
mod client;
mod cms;
mod fault;
mod ticket;
mod tra;

pub use cache::{TicketCache, TicketKey};
pub use client::{WsaaClient, login_envelope};
pub use cms::sign_tra;
pub use fault::{RetryPolicy, WsaaFault, parse_fault};
pub use ticket::{AccessTicket, parse_login_cms_response, parse_ticket};
pub use tra::LoginTicketRequest;

/// The service name WSAA expects for WSFEv1 (not `wsfev1`, §A.2).
pub const WSFE_SERVICE: &str = "wsfe";

/// The service name for the padrón A5 (constancia de inscripción); the older alias
/// `ws_sr_padron_a5` is deprecated.
pub const PADRON_A5_SERVICE: &str = "ws_sr_constancia_inscripcion";

/// The service name for the padrón A13.
pub const PADRON_A13_SERVICE: &str = "ws_sr_padron_a13";

/// The service name for WSCDC (constatación de comprobantes).
pub const WSCDC_SERVICE: &str = "wscdc";

#[cfg(test)]
mod recorded_tests;
