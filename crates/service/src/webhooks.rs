//! Webhooks: an account's endpoints (subscriptions), the events they receive and their signed
//! deliveries (ARCHITECTURE.md "Webhooks"; README "Webhooks").
//!
//! - [`events`]: the event types and [`events::emit`], which writes an event and its
//!   deliveries in the transaction of the change that causes it.
//! - [`signature`]: the `whsec_` secret and the two signatures (`X-ARCA-Signature`, Standard
//!   Webhooks' `webhook-signature`).
//!
//! - [`ssrf`]: the SSRF guard (which URLs may be subscribed, which addresses a delivery may
//!   reach).
//! - [`subscriptions`]: an account's endpoints and the view the API shows of one.
//! - [`delivery`]: the signed HTTP POST of one delivery (the outbox's way out for webhooks).
//!
//! A delivery is an outbox message of kind `webhook`: the outbox's dispatcher attempts it, at
//! least once, and records each attempt. It never speaks HTTP to clients itself (`http/` does).

pub mod delivery;
pub mod events;
pub mod signature;
pub mod ssrf;
pub mod subscriptions;

pub use events::{Event, EventType};
