//! The running service: shared state, built once from the configuration, and the server loop.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use arca_protocol::clock::Clock;
use redis::aio::ConnectionManager;

use crate::api_keys::{KeyMode, Keys};
use crate::arca::Arca;
use crate::arca::breaker::{CircuitBreaker, Guarded};
use crate::arca::probe::ProbeCache;
use crate::arca::reference_data::ReferenceData;
use crate::arca::session_port::SessionPort;
use crate::config::{Config, DatabaseConfig, RedisConfig};
use crate::crypto::Secrets;
use crate::documents::Documents;
use crate::email::{self, Emails};
use crate::invoice_pdfs::InvoicePdfs;
use crate::invoices::Invoices;
use crate::issuance::{self, Engine, EngineConfig};
use crate::maintenance::Maintenance;
use crate::outbox::dispatcher::DispatcherConfig;
use crate::outbox::{Deliver, Dispatcher, MessageKind};
use crate::rate_limit::RateLimiter;
pub use crate::state::{AppContext, AppState};
use crate::storage::Storage;
use crate::{Error, http};

/// Connections of the issuance engine's own pool. A series worker uses one at a time; a few
/// more let several series' workers and their ARCA session look-ups run side by side.
const WORKER_POOL_SIZE: u32 = 4;

/// How long start-up waits for Redis before giving up.
const REDIS_START_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The service, ready to serve.
pub struct App {
    state: AppState,
}

impl App {
    /// Builds the state; with `REDIS_URL`, connects to Redis (a Redis that cannot be reached at
    /// start is a configuration problem and stops start-up).
    pub async fn new(config: Config, storage: Storage) -> Result<App, Error> {
        let clock: Arc<dyn Clock> = match &config.webhooks.simulator_clock_file {
            // Simulator mode only (the configuration refuses it otherwise).
            Some(path) => Arc::new(crate::simulator_clock::SimulatorClock::new(path.clone())),
            None => Arc::new(arca_protocol::clock::SystemClock),
        };
        App::with_clock(config, storage, clock).await
    }

    /// [`App::new`] with time from `clock` for the circuit breaker, the `/health/arca` cache and
    /// public links' expiry, so tests move time instead of sleeping.
    pub async fn with_clock(config: Config, storage: Storage, clock: Arc<dyn Clock>) -> Result<App, Error> {
        let redis = match &config.redis {
            Some(redis_config) => Some((connect_redis(redis_config).await?, redis_config.key_prefix.clone())),
            None => None,
        };
        let rate_limiter = match &redis {
            Some((connection, prefix)) => RateLimiter::redis(connection.clone(), prefix),
            None => RateLimiter::in_process(),
        };
        let secrets = Secrets::from_base64(&config.security.secrets_encryption_key)?;
        let arca = Arc::new(Arca::new(
            &config.arca,
            storage.clone(),
            secrets.clone(),
            redis.clone(),
        )?);
        let mode = KeyMode::for_environment(config.arca.environment);
        let keys = Keys::new(storage.clone(), config.security.api_key_salt.clone(), mode);
        // With Redis, the API key cache is shared, so a revocation is seen by every instance.
        let keys = match &redis {
            Some((connection, prefix)) => keys.with_shared_cache(connection.clone(), prefix),
            None => keys,
        };
        let reference_data = ReferenceData::new(redis.clone());
        let breaker = Arc::new(CircuitBreaker::new(config.issuance.breaker.clone(), clock.clone()));
        let worker_storage = worker_storage(&config.database, &storage).await?;
        let session_port: Arc<dyn issuance::ArcaPort> =
            Arc::new(SessionPort::new(arca.clone(), worker_storage.clone()));
        let port = Arc::new(Guarded::new(session_port, breaker.clone()));
        let documents = Documents::new(storage.clone());
        let invoice_pdfs =
            InvoicePdfs::configured(&config, &secrets, storage.clone(), documents.clone(), clock.clone());
        let engine_config = EngineConfig {
            lease_ttl: config.issuance.lease_ttl,
            links: crate::webhooks::data::InvoiceLinker::new(invoice_pdfs.clone()),
            ..EngineConfig::default()
        };
        let engine = Engine::start_with_worker_pool(storage.clone(), worker_storage, port, engine_config)
            .await
            .map_err(|error| match error {
                issuance::Error::Storage(inner) => inner,
                other => Error::Invalid(vec![("issuance".into(), other.to_string())]),
            })?;
        // What the open breaker held back goes as soon as it closes, not at its retry time.
        tokio::spawn(drain_when_closed(breaker.clone(), engine.clone()));
        let (emails, dispatcher) = outbox(&config, &storage, &secrets, clock.clone())?;
        let taxpayers = crate::taxpayers::Taxpayers::new(
            storage.clone(),
            arca.clone(),
            clock.clone(),
            config.arca.taxpayer_cache_ttl,
        );
        let fce = crate::fce::Fce::new(storage.clone(), arca.clone(), clock.clone());
        let arca_probe = Arc::new(ProbeCache::new(config.arca.health_cache, clock.clone()));
        let invoices = Invoices::new(
            storage.clone(),
            taxpayers.clone(),
            fce.clone(),
            engine.clone(),
            breaker.clone(),
            config.issuance.queue_mode,
            config.issuance.wait,
        )
        .with_contingency(crate::invoices::CaeServiceProbe {
            arca: arca.clone(),
            probe: arca_probe.clone(),
            timeout: config.arca.health_timeout,
            clock: clock.clone(),
        });
        // `mode: simple`: the AI provider (AI_*), when configured.
        let simple_mode =
            crate::simple_mode::SimpleMode::new(storage.clone(), invoices.clone(), config.ai.as_ref(), clock.clone())?;
        // arca.unavailable / arca.recovered as this instance's breaker opens and closes.
        tokio::spawn(announce_availability(breaker.clone(), storage.clone(), clock.clone()));
        let jobs = crate::alerts::Jobs::new(storage.clone(), config.webhooks.clone(), clock.clone());
        jobs.spawn();
        // The CAEA of every opted-in account, ahead of time (docs/arca.md §G).
        let caea_grants = crate::contingency::grants::Grants::new(
            storage.clone(),
            arca.clone(),
            clock.clone(),
            config.issuance.contingency.clone(),
        );
        caea_grants.spawn();
        // CAEA reporting (contingency::report): every instance runs passes; series leases make
        // one sender per series.
        let reporter = crate::contingency::report::Reporter::new(
            storage.clone(),
            arca.clone(),
            clock.clone(),
            crate::contingency::report::ReporterConfig {
                report_interval: config.issuance.contingency.report_interval,
                lease_ttl: config.issuance.lease_ttl,
            },
        );
        reporter.spawn(breaker.clone());
        Ok(App {
            state: Arc::new(AppContext {
                storage: storage.clone(),
                keys,
                rate_limiter,
                secrets,
                arca,
                reference_data,
                engine,
                breaker,
                taxpayers,
                invoices,
                simple_mode,
                fce,
                documents,
                invoice_pdfs,
                clock: clock.clone(),
                started_at: Instant::now(),
                redis,
                maintenance: Maintenance::new(&config.maintenance, storage.clone()),
                arca_probe,
                emails,
                dispatcher,
                jobs,
                caea_grants,
                caea_reporter: reporter,
                config,
            }),
        })
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn router(&self) -> axum::Router {
        http::router(self.state.clone())
    }

    /// Serves on `listener` with the configured connection limits (`server.rs`) until
    /// `shutdown` completes, then lets requests in flight finish. The outbox's dispatcher runs
    /// for as long (unless a test stopped it first) and stops with it.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = self.router();
        let served = crate::server::serve(listener, router, self.state.config.server, shutdown).await;
        self.state.dispatcher.stop();
        self.state.jobs.stop();
        self.state.caea_grants.stop().await;
        self.state.caea_reporter.stop();
        served
    }
}

/// The outbox's dispatcher, with a way out for emails (SMTP, or `.eml` files in simulator mode;
/// none when email is not configured), started; and the emails module over it.
fn outbox(
    config: &Config,
    storage: &Storage,
    secrets: &Secrets,
    clock: Arc<dyn Clock>,
) -> Result<(Emails, Arc<Dispatcher>), Error> {
    let setup = email::Setup::from_config(config)?;
    let mut deliverers: std::collections::HashMap<MessageKind, Arc<dyn Deliver>> = std::collections::HashMap::new();
    if let email::Setup::Ready { transport, from } = &setup {
        deliverers.insert(
            MessageKind::Email,
            Arc::new(email::delivery::EmailDelivery {
                documents: Documents::new(storage.clone()),
                transport: transport.clone(),
                from: from.clone(),
            }),
        );
    }
    // Webhooks go out in every configuration (they need no SMTP), with the dispatcher's clock.
    deliverers.insert(
        MessageKind::Webhook,
        Arc::new(crate::webhooks::delivery::WebhookDelivery::new(
            storage.clone(),
            secrets.clone(),
            clock.clone(),
            config.webhooks.clone(),
        )?),
    );
    let dispatcher = Arc::new(Dispatcher::new(
        storage.clone(),
        clock,
        deliverers,
        DispatcherConfig {
            max_retries: config.email.max_retries,
            lease_ttl: config.email.lease_ttl,
            poll: config.email.poll,
            max_in_flight: crate::outbox::dispatcher::DEFAULT_MAX_IN_FLIGHT,
            endpoint_concurrency: usize::try_from(config.webhooks.endpoint_concurrency).unwrap_or(1),
            // Claimed messages wait for attempts of either kind: the longer bound counts.
            endpoint_rounds: crate::outbox::dispatcher::claim_rounds(
                config.email.lease_ttl,
                config.webhooks.timeout.max(crate::email::delivery::SMTP_TIMEOUT),
            ),
        },
    ));
    dispatcher.spawn();
    Ok((Emails::new(storage.clone(), setup, dispatcher.clone()), dispatcher))
}

/// Each time the breaker closes, sends the deferred invoices at once.
async fn drain_when_closed(breaker: Arc<CircuitBreaker>, engine: Engine) {
    loop {
        breaker.closed().await;
        if let Err(error) = engine.retry_deferred_now().await {
            tracing::warn!(error = %error, "could not reschedule deferred invoices");
        }
    }
}

/// Announces each opening and closing of the breaker (`crate::alerts::announce_availability`:
/// once per transition across instances). A breaker forced open at start announces at once. An
/// instance that starts while the shared row says "unavailable" (every instance restarted during
/// an outage) announces the recovery once ARCA answers one of its calls with its breaker closed.
async fn announce_availability(breaker: Arc<CircuitBreaker>, storage: Storage, clock: Arc<dyn Clock>) {
    let mut open = breaker.watch_open();
    let mut pending = (*open.borrow_and_update()).then_some(true);
    if pending.is_none() && matches!(crate::storage::alerts::availability(&storage).await, Ok((false, _))) {
        breaker.answered().await;
        if !breaker.is_open() {
            pending = Some(false);
        }
    }
    loop {
        let is_open = match pending.take() {
            Some(is_open) => is_open,
            None => {
                if open.changed().await.is_err() {
                    return;
                }
                *open.borrow_and_update()
            }
        };
        if let Err(error) = crate::alerts::announce_availability(&storage, !is_open, clock.now()).await {
            tracing::warn!(error = %error, "could not announce ARCA's availability");
        }
    }
}

/// The series workers' pool: the same database through connections of their own. Under load the
/// API's pool has a queue of requests waiting for a connection; a worker's queries (about ten per
/// step, one step after another) queued behind it for hundreds of milliseconds each, and the
/// worker's cycle is what bounds throughput (`arca-api bench issuance`). An in-memory SQLite
/// database cannot be opened twice, so it keeps the one pool.
async fn worker_storage(config: &DatabaseConfig, storage: &Storage) -> Result<Storage, Error> {
    let url = config.url.expose();
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(storage.clone());
    }
    Storage::connect_unchecked(&DatabaseConfig {
        pool_size: WORKER_POOL_SIZE,
        ..config.clone()
    })
    .await
}

/// Connects to Redis with short bounds: a slow or absent Redis must cost a request milliseconds
/// (callers then fall back to in-process or database paths), not seconds. A Redis that cannot be
/// reached at start is a configuration problem and stops start-up. `rediss://` is TLS: the
/// redis crate's own, trusting the system's store, or with `REDIS_TLS_ROOT_CERT` the tunnel of
/// [`crate::redis_tls`], trusting that CA only.
pub async fn connect_redis(config: &RedisConfig) -> Result<ConnectionManager, Error> {
    let client = match &config.tls_root_cert {
        None => redis::Client::open(config.url.expose())?,
        Some(root_cert) => tokio::time::timeout(
            REDIS_START_TIMEOUT,
            crate::redis_tls::client(config.url.expose(), root_cert),
        )
        .await
        .map_err(|_| Error::RedisStart(REDIS_START_TIMEOUT.as_secs()))??,
    };
    let settings = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(std::time::Duration::from_millis(500))
        .set_response_timeout(std::time::Duration::from_millis(500))
        .set_number_of_retries(2);
    // The manager keeps retrying a refused first connection: bound the wait at start.
    let connecting = ConnectionManager::new_with_config(client, settings);
    tokio::time::timeout(REDIS_START_TIMEOUT, connecting)
        .await
        .map_err(|_| Error::RedisStart(REDIS_START_TIMEOUT.as_secs()))?
        .map_err(Error::from)
}
