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

#[cfg(test)]
mod recorded_tests;
