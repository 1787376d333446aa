//! arca-service: arca-api's REST service.
//!
//! - [`config::Config`]: every environment variable, validated once at start.
//! - [`storage::Storage`]: PostgreSQL or SQLite behind one type, SQL visible in `storage/`,
//!   reversible migrations per dialect.
//! - [`accounts`] and [`api_keys`]: tenants, their tiers, and the keys that authenticate them.
//! - [`points_of_sale`] and [`customers`]: an account's ARCA points of sale and invoice
//!   receivers; [`usage`]: invoices per month and the quota check.
//! - [`crypto::Secrets`]: AES-256-GCM for secrets at rest (certificate keys, ticket credentials).
//! - [`certificates`]: ARCA certificates per account (upload, CSR, expiry), keys encrypted.
//! - [`tickets::TicketStore`]: WSAA tickets, durable and shared, renewed by one instance.
//! - [`arca::Arca`]: [`arca::ArcaSession`]s (WSFEv1 client + `Auth`) for an account.
//! - [`reference_data`]: ARCA's code tables and exchange rates, cached.
//! - [`rate_limit::RateLimiter`]: fixed one-minute windows per key, in Redis or in-process.
//! - [`issuance::Engine`]: numbers and authorises invoices, one worker per series, behind the
//!   ARCA [`breaker::CircuitBreaker`].
//! - [`app::App`]: the state and the axum router ([`http`]) served until shutdown.
//!
//! It never starts the ARCA simulator (the binary does, and hands the endpoints in through the
//! configuration) and never prints secrets: keys, salts and tokens are
//! [`Secret`](arca_protocol::secret::Secret)s.

pub mod accounts;
pub mod api_keys;
pub mod app;
pub mod arca;
pub mod breaker;
pub mod certificates;
pub mod config;
pub mod crypto;
pub mod customers;
mod error;
pub mod http;
pub mod issuance;
pub mod points_of_sale;
pub mod rate_limit;
pub mod reference_data;
pub mod storage;
pub mod tickets;
pub mod usage;

pub use app::App;
pub use config::Config;
pub use error::Error;
pub use storage::Storage;
