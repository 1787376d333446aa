//! [`AppState`]: what every handler can reach — the configuration, storage, keys, rate limiter,
//! ARCA access, the taxpayers (padrón) module, the invoices module, FCE (wsfecred), its documents and their links, the engine, the clock, the
//! breaker, Redis, the maintenance switch, the cache of `/health/arca`'s probe, and the outbox's
//! dispatcher with the emails it carries, and the CAEA keeper.
//! [`crate::app::App`] builds it once; the HTTP layer and the health checks read it.
//!
//! It never builds anything and never serves: it is the shape both sides agree on.

use std::sync::Arc;
use std::time::Instant;

use arca_protocol::clock::Clock;
use redis::aio::ConnectionManager;

use crate::api_keys::Keys;
use crate::arca::Arca;
use crate::arca::breaker::CircuitBreaker;
use crate::arca::probe::ProbeCache;
use crate::arca::reference_data::ReferenceData;
use crate::config::Config;
use crate::crypto::Secrets;
use crate::documents::Documents;
use crate::email::Emails;
use crate::invoice_pdfs::InvoicePdfs;
use crate::invoices::Invoices;
use crate::issuance::Engine;
use crate::maintenance::Maintenance;
use crate::outbox::Dispatcher;
use crate::rate_limit::RateLimiter;
use crate::storage::Storage;

/// What every handler can reach. Cloning is cheap (one `Arc`).
pub type AppState = Arc<AppContext>;

pub struct AppContext {
    pub config: Config,
    pub storage: Storage,
    pub keys: Keys,
    pub rate_limiter: RateLimiter,
    pub secrets: Secrets,
    pub arca: Arc<Arca>,
    pub reference_data: ReferenceData,
    /// Numbers and authorises invoices; resumed at start.
    pub engine: Engine,
    /// Stands between the engine and ARCA; the HTTP layer and health checks read it.
    pub breaker: Arc<CircuitBreaker>,
    /// ARCA's padrón through each account's certificate, cached per account in the database.
    pub taxpayers: crate::taxpayers::Taxpayers,
    /// Invoices: composition, ARCA's rules, the quota, submission and the wait for the result.
    pub invoices: Invoices,
    /// `mode: simple` invoices: the AI provider's drafts, checked and issued through `invoices`.
    pub simple_mode: crate::simple_mode::SimpleMode,
    /// FCE MiPyMEs through wsfecred: the buyer's obligation (cached) and the received FCEs.
    pub fce: crate::fce::Fce,
    /// Renders approved invoices' PDFs.
    pub documents: Documents,
    /// Who may have an invoice's PDF (its account, a signed public link), and the links.
    pub invoice_pdfs: InvoicePdfs,
    /// "Now" for public links' expiry (and the breaker's): a `ManualClock` in tests.
    pub clock: Arc<dyn Clock>,
    pub started_at: Instant,
    /// Redis and the key prefix, when `REDIS_URL` is set (health reads it).
    pub redis: Option<(ConnectionManager, String)>,
    /// `MAINTENANCE_MODE` and the shared flag of `arca-api maintenance on|off`.
    pub maintenance: Maintenance,
    /// The last `FEDummy` of `/health/arca`, shared by probes for `ARCA_HEALTH_CACHE_MS`.
    /// Shared with the invoices module (an explicit `"contingencia"` asks it whether ARCA's CAE
    /// service is down).
    pub arca_probe: Arc<ProbeCache>,
    /// Invoice emails: queued through the outbox.
    pub emails: Emails,
    /// Delivers the outbox; runs while the app serves (tests may stop it and drive passes).
    pub dispatcher: Arc<Dispatcher>,
    /// The scheduled alert jobs (certificate expiry, quota), one instance at a time; tests call
    /// `run_once(now)`.
    pub jobs: crate::alerts::Jobs,
    /// The CAEA keeper (obtains, primes, alerts), one instance at a time; tests stop it and
    /// call `pass(now)`.
    pub caea_grants: crate::contingency::grants::Grants,
    /// The CAEA reporter's background passes (every instance; series leases make one sender per
    /// series); tests stop it and call `run_once(now)` so that only their passes report.
    pub caea_reporter: crate::contingency::report::Reporter,
}
