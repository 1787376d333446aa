//! `arca-api serve [--migrate]`: the REST service.
//!
//! With no configuration at all it runs zero-setup: SQLite under `./data`, in-process caches,
//! and `ARCA_ENVIRONMENT=simulator`, which starts the simulator in this process (CA under
//! `./data/simulator-ca`) and, on the first start, creates a demo account with a certificate
//! from that CA, a complete issuer profile (so its invoices render as PDFs) and an API key
//! printed once.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use arca_service::accounts::{self, NewAccount};
use arca_service::config::{ArcaEnvironment, CertificateSource, Config};
use arca_service::storage::{self, migrations};
use arca_service::{App, Storage};
use arca_service::{certificates, issuer_profiles};
use arca_simulator::{CertificateAuthority, RunningSimulator, Simulator};

/// The demo account's CUIT (a valid check digit; the simulator authorizes any CUIT it issued a
/// certificate for).
const DEMO_CUIT: &str = "20267565393";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Apply pending migrations before serving (otherwise pending migrations stop start-up).
    #[arg(long)]
    migrate: bool,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let mut config = Config::from_env()?;
    let storage = Storage::connect(&config.database)
        .await
        .context("connecting to the database")?;
    let pending = migrations::pending(&storage).await?;
    if !pending.is_empty() {
        if !args.migrate {
            return Err(arca_service::Error::PendingMigrations(pending).into());
        }
        migrations::up(&storage).await?;
        tracing::info!(applied = pending.len(), "migrations applied");
    }
    let simulator = match config.arca.environment {
        ArcaEnvironment::Simulator => Some(start_simulator(&mut config).await?),
        _ => None,
    };
    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port))
        .await
        .with_context(|| format!("binding {}:{}", config.host, config.port))?;
    let addr = listener.local_addr()?;
    let demo = match &simulator {
        Some(simulator) => create_demo_account_once(&mut config, &storage, simulator.ca()).await?,
        None => None,
    };
    let app = App::new(config, storage.clone()).await?;
    if let Some(demo) = demo {
        store_demo_certificate(&app, &demo).await?;
        print_banner(&demo, addr.port());
    }
    tracing::info!(
        %addr,
        database = storage.dialect(),
        redis = app.state().config.redis.is_some(),
        arca = app.state().config.arca.environment.as_str(),
        "arca-api listening"
    );
    app.serve(listener, super::shutdown_signal()).await?;
    if let Some(simulator) = simulator {
        simulator.stop().await;
    }
    storage.close().await;
    Ok(())
}

/// The simulator side of `ARCA_ENVIRONMENT=simulator`: the simulator in this process, or — when
/// `ARCA_WSAA_URL` and `ARCA_WSFE_URL` both point elsewhere (a standalone `arca-api simulator`
/// sharing the CA directory, as docker-compose and the deployment guide run it) — only its CA,
/// for the demo certificate.
enum LocalArca {
    InProcess(RunningSimulator),
    Standalone(CertificateAuthority),
}

impl LocalArca {
    fn ca(&self) -> &CertificateAuthority {
        match self {
            LocalArca::InProcess(simulator) => simulator.ca(),
            LocalArca::Standalone(ca) => ca,
        }
    }

    async fn stop(self) {
        if let LocalArca::InProcess(simulator) = self {
            simulator.stop().await;
        }
    }
}

/// Starts the simulator on 127.0.0.1:0 with its CA and state under the data directory, and
/// points the ARCA endpoints at it — unless both are overridden: then nothing is started.
async fn start_simulator(config: &mut Config) -> anyhow::Result<LocalArca> {
    let ca_dir = config.data_dir.join("simulator-ca");
    if config.arca.wsaa_url.is_some() && config.arca.wsfe_url.is_some() {
        let ca = CertificateAuthority::load_or_create(&ca_dir, chrono::Utc::now())
            .with_context(|| format!("loading the simulator's CA in {}", ca_dir.display()))?;
        tracing::info!(
            wsaa = config.arca.wsaa_url.as_deref().unwrap_or_default(),
            wsfe = config.arca.wsfe_url.as_deref().unwrap_or_default(),
            "ARCA simulator endpoints overridden: not starting one in-process"
        );
        return Ok(LocalArca::Standalone(ca));
    }
    let simulator = Simulator::from_ca_dir(&ca_dir)
        .with_context(|| format!("loading the simulator's CA in {}", ca_dir.display()))?
        .state_file(config.data_dir.join("simulator-state.json"))
        .spawn("127.0.0.1:0".parse()?)
        .await
        .context("starting the simulator")?;
    config.arca.wsaa_url.get_or_insert_with(|| simulator.wsaa_url());
    config.arca.wsfe_url.get_or_insert_with(|| simulator.wsfe_url());
    tracing::info!(url = %simulator.base_url(), "ARCA simulator running in-process");
    Ok(LocalArca::InProcess(simulator))
}

/// The demo account made on the first start, for the banner and the certificate upload.
struct Demo {
    account_id: String,
    api_key: arca_protocol::secret::Secret,
    cert_dir: PathBuf,
    cert_path: PathBuf,
    key_path: PathBuf,
}

/// On the first start (no account yet): a demo account, its certificate from the simulator's CA
/// under `DATA_DIR/demo-cert/`, and an API key printed once. Later starts reuse the certificate.
async fn create_demo_account_once(
    config: &mut Config,
    storage: &Storage,
    ca: &CertificateAuthority,
) -> anyhow::Result<Option<Demo>> {
    let cert_dir = config.data_dir.join("demo-cert");
    let (cert_path, key_path) = (cert_dir.join("cert.pem"), cert_dir.join("key.pem"));
    if storage::accounts::count(storage).await? > 0 {
        if config.arca.certificate.is_none() && cert_path.exists() && key_path.exists() {
            use_demo_certificate(config, cert_path, key_path);
        }
        return Ok(None);
    }
    let (certificate, key) = ca
        .issue(DEMO_CUIT, "demo", chrono::Utc::now())
        .context("issuing the demo certificate")?;
    std::fs::create_dir_all(&cert_dir).with_context(|| format!("creating {}", cert_dir.display()))?;
    std::fs::write(&cert_path, certificate.to_pem()?).with_context(|| format!("writing {}", cert_path.display()))?;
    write_private(&key_path, &key.private_key_to_pem_pkcs8()?)?;
    let new = NewAccount::new("Demo", DEMO_CUIT, None, None, None)?;
    let mode = super::accounts::key_mode(config);
    let (account, api_key) = accounts::create(storage, &config.security.api_key_salt, mode, new).await?;
    use_demo_certificate(config, cert_path.clone(), key_path.clone());
    issuer_profiles::put(storage, &account.id, demo_issuer_profile())
        .await
        .context("storing the demo issuer profile")?;
    Ok(Some(Demo {
        account_id: account.id,
        api_key: api_key.key,
        cert_dir,
        cert_path,
        key_path,
    }))
}

/// The demo account's issuer profile: complete, so its first invoice renders as a PDF.
fn demo_issuer_profile() -> issuer_profiles::ProfileInput {
    issuer_profiles::ProfileInput {
        razon_social: "Demo Comercio S.R.L.".into(),
        domicilio_comercial: "Av. Corrientes 1234, C1043 Ciudad Autónoma de Buenos Aires".into(),
        condicion_iva: issuer_profiles::CondicionIva::ResponsableInscripto,
        ingresos_brutos: "901-123456-7".into(),
        inicio_actividades: chrono::NaiveDate::from_ymd_opt(2020, 3, 1).unwrap_or_default(),
        logo: None,
        fce: None,
    }
}

/// Stores the demo certificate through the certificates resource (encrypted, test login at
/// the simulator), so the demo account can talk to ARCA like any other.
async fn store_demo_certificate(app: &App, demo: &Demo) -> anyhow::Result<()> {
    let state = app.state();
    let upload = certificates::Upload::Pem {
        certificate_pem: std::fs::read_to_string(&demo.cert_path)
            .with_context(|| format!("reading {}", demo.cert_path.display()))?,
        private_key_pem: Some(arca_protocol::secret::Secret::new(
            std::fs::read_to_string(&demo.key_path).with_context(|| format!("reading {}", demo.key_path.display()))?,
        )),
    };
    certificates::upload(
        &state.storage,
        &state.secrets,
        state.arca.as_ref(),
        &demo.account_id,
        upload,
    )
    .await
    .context("storing the demo certificate")?;
    Ok(())
}

fn print_banner(demo: &Demo, port: u16) {
    let key = demo.api_key.expose();
    let banner = format!(
        "\nDemo account {} created (CUIT {DEMO_CUIT}), certificate in {}.\n\
         Its API key, shown only this once:\n\n    {key}\n\n\
         Dashboard (sign in with the key): http://127.0.0.1:{port}/dashboard\n\
         Try it:\n    curl -H 'Authorization: Bearer {key}' http://127.0.0.1:{port}/v1/account\n\
         API reference: http://127.0.0.1:{port}/docs\n\n",
        demo.account_id,
        demo.cert_dir.display()
    );
    // Not `println!`: it panics when stdout is closed (`serve | head`), and a server must not.
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(banner.as_bytes()).and_then(|()| stdout.flush());
}

fn use_demo_certificate(config: &mut Config, cert_path: PathBuf, key_path: PathBuf) {
    config.arca.cuit.get_or_insert_with(|| DEMO_CUIT.to_string());
    config.arca.certificate = Some(CertificateSource::Pem { cert_path, key_path });
}

/// Writes a private key readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(bytes)?;
    Ok(())
}
