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
//! - [`arca`]: ARCA access — [`arca::Arca`] hands out [`arca::ArcaSession`]s (WSFEv1 client +
//!   `Auth`) for an account; [`arca::tickets::TicketStore`]: WSAA tickets, durable and shared,
//!   renewed by one instance; [`arca::reference_data`]: ARCA's code tables and exchange rates,
//!   cached; [`arca::breaker::CircuitBreaker`] in front of the engine's port.
//! - [`rate_limit::RateLimiter`]: fixed one-minute windows per key, in Redis or in-process.
//! - [`taxpayers`]: who a CUIT or DNI is, from ARCA's padrón through the account's certificate,
//!   cached per account in the database; invoices and customers given only a CUIT are filled from it.
//! - [`invoices`]: an invoice request composed, checked with ARCA's rules, counted against the
//!   quota and submitted; the invoice as the API shows it.
//! - [`simple_mode`]: `mode: simple` invoices — a free-text description drafted by an
//!   OpenAI-compatible model (`AI_*`), checked like an advanced invoice, issued when confirmed
//!   and confident enough.
//! - [`issuer_profiles`]: the fiscal data a printed invoice shows that ARCA does not return;
//!   [`documents`]: an approved invoice's PDF, from what was kept with it at approval.
//! - [`invoice_pdfs`]: who may have an invoice's PDF (its account, a signed public link of
//!   [`public_links`], the operator) and the links invoice answers carry.
//! - [`issuance::Engine`]: numbers and authorises invoices, one worker per series, behind the
//!   ARCA circuit breaker.
//! - [`verifications`]: received vouchers checked with ARCA's WSCDC, and ARCA's answers kept.
//! - [`fce`]: FCE MiPyMEs through ARCA's wsfecred: whether an invoice must be an FCE (the
//!   buyer's obligation, cached per account, CUIT and day), and the FCEs the account received,
//!   accepted or rejected.
//! - [`text`]: the rules every stored text, filter and key obeys (no control characters or
//!   bidi overrides; line breaks only where several lines are meant).
//! - [`outbox`]: outbound messages written with the change that causes them, delivered by its
//!   dispatcher one attempt at a time across instances, retried, every attempt recorded;
//!   [`email`]: invoice PDFs by email through it (SMTP, or `.eml` files in simulator mode).
//! - [`health`], [`metrics`], [`maintenance`], [`logging`]: the operations surface — health
//!   probes, Prometheus metrics, the maintenance switch shared through the database, JSON logs.
//! - [`app::App`]: builds the [`state::AppState`] handlers share, and serves the axum router
//!   ([`http`]) until shutdown, through [`server`] (header and idle timeouts, a connection cap).
//! - [`dashboard`]: the web dashboard over the same domain modules; [`embedded`]: static files
//!   compiled into the binary, served under hashed names (the dashboard's assets, `/docs`'
//!   Swagger UI).
//!
//! It never starts the ARCA simulator (the binary does, and hands the endpoints in through the
//! configuration) and never prints secrets: keys, salts and tokens are
//! [`Secret`](arca_protocol::secret::Secret)s.

pub mod accounts;
pub mod alerts;
pub mod api_keys;
pub mod app;
pub mod arca;
pub mod certificates;
pub mod config;
pub mod contingency;
pub mod crypto;
pub mod customers;
pub mod dashboard;
pub mod documents;
pub mod email;
pub mod embedded;
mod error;
pub mod fce;
pub mod health;
pub mod http;
pub mod invoice_pdfs;
pub mod invoices;
pub mod issuance;
pub mod issuer_profiles;
pub mod logging;
pub mod maintenance;
pub mod metrics;
pub mod outbox;
pub mod points_of_sale;
pub mod public_links;
pub mod rate_limit;
pub mod redis_tls;
pub mod server;
pub mod simple_mode;
pub mod simulator_clock;
pub mod state;
pub mod storage;
pub mod taxpayers;
pub mod text;
pub mod tier;
pub mod usage;
pub mod verifications;
pub mod webhooks;

pub use app::App;
pub use config::Config;
pub use error::Error;
pub use storage::Storage;
