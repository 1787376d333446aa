//! The bench's world, all in this process: a fresh database, the simulator with a latency on
//! every operation, the service on 127.0.0.1:0 and one or more accounts (`Settings::accounts`),
//! each with its own CUIT and a certificate the simulator's CA issued. Everything it creates it
//! removes again ([`World::stop`]).
//!
//! The service runs on a tokio runtime of its own whose threads are named
//! [`cpu::SERVICE_THREAD`]: `Storage::connect`, the migrations, `App::new` (and every task it
//! spawns: the engine's workers, the outbox's dispatcher, the jobs), the accounts' creation and
//! `App::serve` all run there, so [`super::cpu`] can tell the service's CPU time from the
//! simulator's and the load generator's, which stay on the caller's (main) runtime. Its blocking
//! threads are kept alive for the whole bench (a thread that exits takes its CPU time with it).
//! The bench still calls into `World::state` from its own runtime for a few things (waiting for
//! invoices, ARCA sessions for the baseline, the outbox's queue): that work counts under the
//! bench's side, except the SQLite queries it makes, which run on SQLite's connection threads
//! and count as the service.
//!
//! It never reads the service's configuration from the environment (only from the map built
//! here) and never leaves the runtime running: [`World::stop`] shuts it down, and a `World`
//! dropped without it shuts it down in the background.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use arca_service::accounts::{self, NewAccount};
use arca_service::api_keys::KeyMode;
use arca_service::certificates;
use arca_service::config::Config;
use arca_service::storage::{self, migrations};
use arca_service::{App, Storage};
use arca_simulator::{FaultRule, RunningSimulator, Simulator};
use arca_test_support::scratch::ScratchDatabase;

use super::cpu;

/// The first bench account's CUIT (a valid check digit).
pub const CUIT: &str = arca_test_support::CUIT_A;

/// How long the service runtime's idle blocking threads live: longer than any bench.
const SERVICE_THREAD_KEEP_ALIVE: Duration = Duration::from_secs(24 * 3600);

/// How long [`World::stop`] waits for the service runtime's threads to end.
const SERVICE_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// What the bench is given.
pub struct Settings {
    pub pool_size: u32,
    pub redis_url: Option<String>,
    pub latency_ms: u64,
    /// Requests per minute each account may make (the rate limiter stays in the path).
    pub requests_per_minute: i64,
    /// Accounts to create (at least 1), each with its own CUIT and certificate.
    pub accounts: usize,
    /// More of the service's variables (`WEBHOOK_*` for `bench webhooks`).
    pub extra: Vec<(&'static str, String)>,
}

/// One bench account.
pub struct Account {
    pub id: String,
    pub cuit: String,
    pub api_key: arca_protocol::secret::Secret,
}

/// The running service and simulator, and how to reach them.
pub struct World {
    pub base_url: String,
    /// The accounts, in creation order; the first has [`CUIT`].
    pub accounts: Vec<Account>,
    pub state: arca_service::app::AppState,
    pub dialect: &'static str,
    pub simulator: RunningSimulator,
    storage: Storage,
    runtime: ServiceRuntime,
    shutdown: tokio::sync::oneshot::Sender<()>,
    /// `App::serve`, a task of the service's runtime.
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// The service's own runtime; dropped without [`World::stop`] (an error, a panic), it is shut
/// down in the background, since dropping a runtime blocks, which an async context forbids.
struct ServiceRuntime(Option<tokio::runtime::Runtime>);

impl Drop for ServiceRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// What the service's start-up, on its own runtime, hands back.
struct Started {
    base_url: String,
    accounts: Vec<Account>,
    state: arca_service::app::AppState,
    storage: Storage,
    shutdown: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// An account to create: its CUIT and its certificate and key, in PEM.
struct NewBenchAccount {
    cuit: String,
    certificate_pem: String,
    private_key_pem: String,
}

/// A database made for the bench, removed at the end.
pub struct Scratch {
    /// Data directory (SQLite file, generated secrets, simulator CA).
    pub dir: PathBuf,
    pub database_url: String,
    /// The PostgreSQL database created here, if any.
    postgres: Option<ScratchDatabase>,
}

impl Scratch {
    /// A temporary directory and, for a `postgres://` URL, a fresh database `arca_bench_<random>`
    /// on that server (the URL names the database to connect to for creating it).
    pub async fn create(database_url: Option<&str>) -> anyhow::Result<Scratch> {
        let dir = std::env::temp_dir().join(storage::new_id("arca-bench"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut scratch = Scratch {
            database_url: format!("sqlite://{}", dir.join("arca-api.db").display()),
            dir,
            postgres: None,
        };
        match database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let database = ScratchDatabase::create(url, "arca_bench")
                    .await
                    .context("creating the bench database on PostgreSQL (--database-url)")?;
                scratch.database_url = database.url();
                scratch.postgres = Some(database);
            }
            Some(url) => scratch.database_url = url.to_string(),
            None => {}
        }
        Ok(scratch)
    }

    /// Drops the PostgreSQL database and deletes the directory; problems are reported, not fatal.
    pub async fn remove(self) {
        if let Some(database) = self.postgres {
            let name = database.name().to_string();
            if let Err(error) = database.drop_now().await {
                eprintln!("warning: could not drop database {name}: {error}");
            }
        }
        if let Err(error) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("warning: could not remove {}: {error}", self.dir.display());
        }
    }
}

impl World {
    /// Starts the simulator (latency on every operation) on the caller's runtime; then, on a
    /// runtime of its own, the service on a migrated database and the accounts, each with a
    /// certificate (its upload logs in at WSAA, so the ticket exists).
    pub async fn start(settings: &Settings, scratch: &Scratch) -> anyhow::Result<World> {
        let mut simulator = Simulator::from_ca_dir(&scratch.dir.join("simulator-ca")).context("simulator CA")?;
        if settings.latency_ms > 0 {
            simulator = simulator.fault(FaultRule::latency("*", settings.latency_ms));
        }
        let simulator = simulator
            .spawn("127.0.0.1:0".parse()?)
            .await
            .context("starting the simulator")?;

        // The service's configuration comes from this map only, never from the environment, so a
        // DATABASE_URL or REDIS_URL exported for other purposes cannot leak into the bench.
        let mut vars: HashMap<&str, String> = HashMap::new();
        vars.insert("DATA_DIR", scratch.dir.display().to_string());
        vars.insert("DATABASE_URL", scratch.database_url.clone());
        vars.insert("DATABASE_POOL_SIZE", settings.pool_size.to_string());
        vars.insert("ARCA_WSAA_URL", simulator.wsaa_url());
        vars.insert("ARCA_WSFE_URL", simulator.wsfe_url());
        if let Some(url) = &settings.redis_url {
            vars.insert("REDIS_URL", url.clone());
            vars.insert("REDIS_KEY_PREFIX", format!("{}:", storage::new_id("arca-bench")));
        }
        for (name, value) in &settings.extra {
            vars.insert(name, value.clone());
        }
        let config = Config::from_lookup(|name| vars.get(name).cloned())?;

        let mut accounts = Vec::with_capacity(settings.accounts.max(1));
        for cuit in cuits(settings.accounts.max(1)) {
            let (certificate, private_key) = simulator
                .ca()
                .issue(&cuit, "bench", chrono::Utc::now() - chrono::Duration::days(1))
                .context("issuing a bench certificate")?;
            accounts.push(NewBenchAccount {
                cuit,
                certificate_pem: String::from_utf8(certificate.to_pem()?)?,
                private_key_pem: String::from_utf8(private_key.private_key_to_pem_pkcs8()?)?,
            });
        }

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .thread_name(cpu::SERVICE_THREAD)
            .thread_keep_alive(SERVICE_THREAD_KEEP_ALIVE)
            .enable_all()
            .build()
            .context("building the service's runtime")?;
        let handle = runtime.handle().clone();
        let runtime = ServiceRuntime(Some(runtime));
        let started = match handle
            .spawn(start_service(config, accounts, settings.requests_per_minute))
            .await
        {
            Ok(Ok(started)) => Ok(started),
            Ok(Err(error)) => Err(error),
            Err(error) => Err(anyhow::anyhow!("the service's start-up task failed: {error}")),
        };
        let started = match started {
            Ok(started) => started,
            Err(error) => {
                drop(runtime);
                simulator.stop().await;
                return Err(error);
            }
        };
        Ok(World {
            base_url: started.base_url,
            accounts: started.accounts,
            dialect: started.storage.dialect(),
            state: started.state,
            simulator,
            storage: started.storage,
            runtime,
            shutdown: started.shutdown,
            server: started.server,
        })
    }

    /// Stops the service, its engine and the simulator, closes the pool and shuts the service's
    /// runtime down.
    pub async fn stop(self) {
        let World {
            state,
            simulator,
            storage,
            mut runtime,
            shutdown,
            server,
            ..
        } = self;
        let Some(runtime) = runtime.0.take() else {
            return;
        };
        let stopped = runtime.spawn(async move {
            state.engine.stop();
            state.dispatcher.stop();
            let _ = shutdown.send(());
            server.abort();
            let _ = server.await;
        });
        let _ = stopped.await;
        simulator.stop().await;
        let _ = runtime.spawn(async move { storage.close().await }).await;
        // Shutting down blocks until the threads end: not on an async runtime's thread.
        let _ = tokio::task::spawn_blocking(move || runtime.shutdown_timeout(SERVICE_SHUTDOWN_TIMEOUT)).await;
    }
}

/// On the service's runtime: connects, migrates, builds the app, creates the accounts with their
/// certificates and starts serving on 127.0.0.1:0.
async fn start_service(
    config: Config,
    new_accounts: Vec<NewBenchAccount>,
    requests_per_minute: i64,
) -> anyhow::Result<Started> {
    let storage = Storage::connect(&config.database)
        .await
        .context("connecting to the database")?;
    migrations::up(&storage).await.context("migrating")?;
    let salt = config.security.api_key_salt.clone();
    let app = App::new(config, storage.clone()).await?;
    let state = app.state().clone();

    let mut accounts = Vec::with_capacity(new_accounts.len());
    for (index, new_account) in new_accounts.into_iter().enumerate() {
        let name = if index == 0 {
            "Bench".to_string()
        } else {
            format!("Bench {}", index + 1)
        };
        let new = NewAccount::new(
            &name,
            &new_account.cuit,
            Some("enterprise"),
            None,
            Some(requests_per_minute),
        )?;
        let (account, key) = accounts::create(&storage, &salt, KeyMode::Test, new).await?;
        let upload = certificates::Upload::Pem {
            certificate_pem: new_account.certificate_pem,
            private_key_pem: Some(arca_protocol::secret::Secret::new(new_account.private_key_pem)),
        };
        certificates::upload(&state.storage, &state.secrets, state.arca.as_ref(), &account.id, upload)
            .await
            .with_context(|| format!("storing the certificate of {}", new_account.cuit))?;
        accounts.push(Account {
            id: account.id,
            cuit: new_account.cuit,
            api_key: key.key,
        });
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.serve(listener, async {
        let _ = stop.await;
    }));
    Ok(Started {
        base_url,
        accounts,
        state,
        storage,
        shutdown,
        server,
    })
}

/// `count` distinct valid CUITs: [`CUIT`] first, then `20-30000000-x` upwards (prefixes whose
/// check digit would be 10 skipped).
fn cuits(count: usize) -> Vec<String> {
    let mut cuits = vec![CUIT.to_string()];
    let mut prefix = 2_030_000_000u64;
    while cuits.len() < count {
        if let Some(cuit) = arca_protocol::Cuit::from_prefix(prefix) {
            cuits.push(cuit.to_string());
        }
        prefix += 1;
    }
    cuits.truncate(count);
    cuits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_cuits_are_distinct_and_valid() {
        let cuits = cuits(12);
        assert_eq!(cuits.len(), 12);
        assert_eq!(cuits[0], CUIT);
        for cuit in &cuits {
            assert!(arca_protocol::Cuit::parse(cuit).is_ok(), "{cuit}");
        }
        let distinct: std::collections::HashSet<_> = cuits.iter().collect();
        assert_eq!(distinct.len(), 12);
        assert_eq!(super::cuits(1), vec![CUIT.to_string()]);
    }
}
