//! The bench's world, all in this process: a fresh database, the simulator with a latency on
//! every operation, the service on 127.0.0.1:0 and an account whose certificate the simulator's
//! CA issued. Everything it creates it removes again ([`World::stop`]).

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context;
use arca_service::accounts::{self, NewAccount};
use arca_service::api_keys::KeyMode;
use arca_service::certificates;
use arca_service::config::Config;
use arca_service::storage::{self, migrations};
use arca_service::{App, Storage};
use arca_simulator::{FaultRule, RunningSimulator, Simulator};
use arca_test_support::scratch::ScratchDatabase;

/// The bench account's CUIT (a valid check digit).
pub const CUIT: &str = arca_test_support::CUIT_A;

/// What the bench is given.
pub struct Settings {
    pub pool_size: u32,
    pub redis_url: Option<String>,
    pub latency_ms: u64,
    /// Requests per minute the account may make (the rate limiter stays in the path).
    pub requests_per_minute: i64,
    /// More of the service's variables (`WEBHOOK_*` for `bench webhooks`).
    pub extra: Vec<(&'static str, String)>,
}

/// The running service and simulator, and how to reach them.
pub struct World {
    pub base_url: String,
    pub api_key: arca_protocol::secret::Secret,
    pub account_id: String,
    pub state: arca_service::app::AppState,
    pub dialect: &'static str,
    pub simulator: RunningSimulator,
    storage: Storage,
    shutdown: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
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
    /// Starts the simulator (latency on every operation), the service on a migrated database and
    /// an account with a certificate (its upload logs in at WSAA, so the ticket exists).
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
        let storage = Storage::connect(&config.database)
            .await
            .context("connecting to the database")?;
        migrations::up(&storage).await.context("migrating")?;
        let salt = config.security.api_key_salt.clone();
        let app = App::new(config, storage.clone()).await?;
        let state = app.state().clone();

        let new = NewAccount::new(
            "Bench",
            CUIT,
            Some("enterprise"),
            None,
            Some(settings.requests_per_minute),
        )?;
        let (account, key) = accounts::create(&storage, &salt, KeyMode::Test, new).await?;
        let (certificate, private_key) = simulator
            .ca()
            .issue(CUIT, "bench", chrono::Utc::now() - chrono::Duration::days(1))
            .context("issuing the bench certificate")?;
        let upload = certificates::Upload::Pem {
            certificate_pem: String::from_utf8(certificate.to_pem()?)?,
            private_key_pem: Some(arca_protocol::secret::Secret::new(String::from_utf8(
                private_key.private_key_to_pem_pkcs8()?,
            )?)),
        };
        certificates::upload(&state.storage, &state.secrets, state.arca.as_ref(), &account.id, upload)
            .await
            .context("storing the bench certificate")?;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.serve(listener, async {
            let _ = stop.await;
        }));
        Ok(World {
            base_url,
            api_key: key.key,
            account_id: account.id,
            dialect: storage.dialect(),
            state,
            simulator,
            storage,
            shutdown,
            server,
        })
    }

    /// Stops the service, its engine and the simulator, and closes the pool.
    pub async fn stop(self) {
        self.state.engine.stop();
        self.state.dispatcher.stop();
        let _ = self.shutdown.send(());
        self.server.abort();
        let _ = self.server.await;
        self.simulator.stop().await;
        self.storage.close().await;
    }
}
