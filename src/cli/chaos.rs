//! `arca-api chaos`: exactly-once issuance under crashes and lost answers, checked end to end.
//!
//! Real processes, real PostgreSQL, real HTTP and SOAP:
//! 1. a simulator process (`arca-api simulator`) whose WSFEv1 sometimes commits a request and
//!    drops the connection before answering, and sometimes answers HTTP 500 without processing;
//! 2. a fresh PostgreSQL database, migrated, with one account and its certificate;
//! 3. several `arca-api serve` instances on that database;
//! 4. clients posting invoices over many series to random instances (each with its own
//!    `Idempotency-Key`, re-posted to another instance after a connection error), while
//!    instances are killed with SIGKILL at random moments and restarted;
//! 5. once every invoice is final, the check, against what the simulator stored and what
//!    `FECompConsultar` answers: every accepted invoice has exactly one CAE, no number is used
//!    twice, numbering has no gaps, no accepted invoice is lost or left non-final.
//!
//! Every invoice has a unique amount, so the voucher ARCA stored tells which invoice it is.
//! It prints the counts and fails (exit 1) if any of them is not zero.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use arca_protocol::certificate::Credentials;
use arca_protocol::secret::Secret;
use arca_protocol::transport::{HttpTransport, Timeouts};
use arca_protocol::wsaa::WsaaClient;
use arca_protocol::wsfe::{Auth, WsfeClient};
use arca_service::accounts::{self, NewAccount};
use arca_service::api_keys::KeyMode;
use arca_service::config::{ArcaEnvironment, DatabaseConfig};
use arca_service::storage::invoices::{InvoiceRow, InvoiceStatus};
use arca_service::storage::series::SeriesKey;
use arca_service::storage::{self, Storage, migrations};
use arca_simulator::CertificateAuthority;
use arca_test_support::scratch::ScratchDatabase;
use rand::Rng;
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

use super::http_client::HttpClient;

/// The issuer (a valid check digit).
const CUIT: &str = "20267565393";
/// Factura B, to an unidentified consumidor final: the simplest valid voucher.
const FACTURA_B: i32 = 6;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Invoices to issue.
    #[arg(long, default_value_t = 1000)]
    invoices: usize,
    /// SIGKILLs of service instances during the run.
    #[arg(long, default_value_t = 5)]
    kills: usize,
    /// Service instances sharing the database.
    #[arg(long, default_value_t = 3)]
    instances: usize,
    /// Series (points of sale 1..=N, Factura B) the invoices are spread over.
    #[arg(long, default_value_t = 8)]
    series: usize,
    /// Clients posting invoices at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Chance that WSFEv1 authorises a request and then drops the connection (lost answer).
    #[arg(long, default_value_t = 0.05)]
    commit_then_drop: f64,
    /// Chance that a WSFEv1 call answers HTTP 500 without processing.
    #[arg(long, default_value_t = 0.05)]
    http_500: f64,
    /// ARCA latency: fixed part and random extra, in milliseconds.
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
    #[arg(long, default_value_t = 40)]
    jitter_ms: u64,
    /// Records per FECAESolicitar the simulator allows: small batches mean more requests, so
    /// more of them meet a fault or a kill.
    #[arg(long, default_value_t = 10)]
    records_per_request: u32,
    #[command(flatten)]
    scratch: Scratch,
    /// How long to wait, after the last kill, for every invoice to be final.
    #[arg(long, default_value_t = 300)]
    settle_timeout_secs: u64,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if args.instances < 2 || args.series == 0 || args.concurrency == 0 {
        bail!("--instances must be at least 2 (one is killed at a time), --series and --concurrency at least 1");
    }
    let report = args
        .scratch
        .run("chaos", "arca_chaos", async |work, url| run_in(&args, work, url).await)
        .await?;
    report.print();
    if !report.clean() {
        bail!("chaos: exactly-once issuance violated (see the counts above)");
    }
    Ok(())
}

/// Where a run stands: a fresh PostgreSQL database and a work directory (logs, the CA),
/// dropped at the end unless `--keep`. Every chaos scenario takes these two options.
#[derive(Debug, clap::Args)]
pub(super) struct Scratch {
    /// PostgreSQL server where a fresh database `<scenario>_<random>` is created (and dropped
    /// at the end unless --keep).
    #[arg(
        long,
        env = "CHAOS_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Keep the database and the work directory (logs, CA) for inspection.
    #[arg(long)]
    keep: bool,
}

impl Scratch {
    /// Creates the database (named `prefix_<random>`) and the work directory, runs `scenario`
    /// in them, and drops both unless `--keep`; `label` prefixes what it prints.
    pub(super) async fn run<R>(
        &self,
        label: &str,
        prefix: &str,
        scenario: impl AsyncFnOnce(&Path, &str) -> anyhow::Result<R>,
    ) -> anyhow::Result<R> {
        let work = tempdir()?;
        let database = ScratchDatabase::create(&self.postgres_url, prefix)
            .await
            .with_context(|| format!("creating a database on PostgreSQL at {}", redact(&self.postgres_url)))?;
        let database_url = database.url();
        println!(
            "{label}: database {}, work directory {}",
            database.name(),
            work.display()
        );
        let outcome = scenario(&work, &database_url).await;
        if self.keep {
            println!("{label}: kept database {} and {}", database.name(), work.display());
        } else {
            let name = database.name().to_string();
            if let Err(error) = database.drop_now().await {
                eprintln!("{label}: could not drop {name}: {error}");
            }
            let _ = std::fs::remove_dir_all(&work);
        }
        outcome
    }
}

async fn run_in(args: &Args, work: &Path, database_url: &str) -> anyhow::Result<Report> {
    let records = args.records_per_request.to_string();
    let World {
        exe,
        mut simulator,
        simulator_url,
        storage,
        salt,
        encryption_key,
        api_key,
        certificate_pem,
        key_pem,
    } = World::start(work, database_url, &["--records-per-request", &records], "Chaos", None).await?;
    let sim = HttpClient::new(&simulator_url)?.with_timeout(Duration::from_secs(10));

    let env = InstanceEnv {
        exe: exe.clone(),
        work: work.to_path_buf(),
        database_url: database_url.to_string(),
        simulator_url: simulator_url.clone(),
        salt,
        encryption_key,
        settings: vec![
            // Runs of faults may open the ARCA circuit breaker: let it probe again soon.
            ("CIRCUIT_BREAKER_OPEN_SECONDS", "2".into()),
            // The engine's info lines say what was reconciled after a lost answer.
            ("LOG_LEVEL", "warn,arca_service::issuance=info".into()),
        ],
    };
    let mut instances = Vec::new();
    for index in 0..args.instances {
        instances.push(Instance::start(&env, index).await?);
    }
    let first = HttpClient::new(&instances[0].url)?;
    let bearer = format!("Bearer {api_key}");
    let auth = [("authorization", bearer.as_str())];
    let (status, body) = first
        .post_json(
            "/v1/certificates",
            &json!({"certificate_pem": certificate_pem, "private_key_pem": key_pem}),
            &auth,
        )
        .await?;
    if status != 201 && status != 200 {
        bail!("uploading the certificate: {status} {body}");
    }

    // ARCA's bad day starts now.
    let rules = [
        json!({"operation": "*", "latency_ms": args.latency_ms, "jitter_ms": args.jitter_ms}),
        json!({"operation": "FECAESolicitar", "action": {"kind": "commit_then_drop"}, "probability": args.commit_then_drop}),
        json!({"operation": "FECAESolicitar", "action": {"kind": "http500"}, "probability": args.http_500}),
        json!({"operation": "FECompUltimoAutorizado", "action": {"kind": "http500"}, "probability": args.http_500}),
        json!({"operation": "FECompConsultar", "action": {"kind": "http500"}, "probability": args.http_500}),
    ];
    for rule in &rules {
        let (status, body) = sim.post_json("/_sim/faults", rule, &[]).await?;
        if status >= 300 {
            bail!("adding fault {rule}: {status} {body}");
        }
    }

    let urls: Vec<String> = instances.iter().map(|i| i.url.clone()).collect();
    let instances = Arc::new(Mutex::new(instances));
    let started = Instant::now();
    let load = tokio::spawn(post_invoices(
        urls,
        api_key.clone(),
        args.invoices,
        args.series,
        args.concurrency,
    ));
    let kills = kill_and_restart(instances.clone(), &env, args.kills).await?;
    let accepted = load.await.context("the load task")??;
    let submit_seconds = started.elapsed().as_secs_f64();

    // The bad day ends: what is left must now settle.
    let (status, _) = sim.delete("/_sim/faults", &[]).await?;
    if status >= 300 {
        bail!("clearing the simulator's faults: {status}");
    }
    let settled = settle(&storage, args.series, Duration::from_secs(args.settle_timeout_secs)).await?;
    let total_seconds = started.elapsed().as_secs_f64();

    let mut report = check(
        &storage,
        &sim,
        &credentials(&certificate_pem, &key_pem)?,
        &simulator_url,
        args.series,
        &accepted,
    )
    .await?;
    report.posted = args.invoices;
    report.kills = kills;
    report.submit_seconds = submit_seconds;
    report.total_seconds = total_seconds;
    report.settled = settled;
    report.reconciled = count_in_logs(work, "reconciled: ARCA had authorised it")?;
    report.faults_seen = count_in_logs(work, "FECAESolicitar brought no result")?;

    for instance in instances.lock().await.iter_mut() {
        instance.stop().await;
    }
    let _ = simulator.start_kill();
    let _ = simulator.wait().await;
    storage.close().await;
    Ok(report)
}

/// What each `serve` process is started with.
/// What a chaos run stands on: a simulator process (with the CA its client certificate comes
/// from), the migrated database, and an account of [`CUIT`] with its API key.
pub(super) struct World {
    pub(super) exe: PathBuf,
    pub(super) simulator: Child,
    pub(super) simulator_url: String,
    pub(super) storage: Storage,
    pub(super) salt: Secret,
    pub(super) encryption_key: Secret,
    pub(super) api_key: String,
    pub(super) certificate_pem: String,
    pub(super) key_pem: String,
}

impl World {
    /// Starts the simulator (with `simulator_args` besides the common ones), migrates the
    /// database and creates the account `name` (enterprise tier, `quota` invoices a month).
    pub(super) async fn start(
        work: &Path,
        database_url: &str,
        simulator_args: &[&str],
        name: &str,
        quota: Option<i64>,
    ) -> anyhow::Result<World> {
        let exe = std::env::current_exe().context("locating the arca-api binary")?;

        // The simulator's CA, and a client certificate from it, made here; the simulator
        // process loads the same CA.
        let ca_dir = work.join("simulator-ca");
        let ca = CertificateAuthority::load_or_create(&ca_dir, chrono::Utc::now())?;
        let (certificate, key) = ca.issue(CUIT, "chaos", chrono::Utc::now())?;
        let certificate_pem = String::from_utf8(certificate.to_pem()?)?;
        let key_pem = String::from_utf8(key.private_key_to_pem_pkcs8()?)?;

        let simulator_port = free_port()?;
        let simulator_url = format!("http://127.0.0.1:{simulator_port}");
        let simulator = Command::new(&exe)
            .args(["simulator", "--listen", &format!("127.0.0.1:{simulator_port}")])
            .arg("--ca-dir")
            .arg(&ca_dir)
            // Instances restarted after a kill log in again while their ticket is still valid.
            .args(["--preventive-window-secs", "0"])
            .args(simulator_args)
            .stdout(log_file(work, "simulator")?)
            .stderr(log_file(work, "simulator")?)
            .kill_on_drop(true)
            .spawn()
            .context("starting the simulator")?;
        wait_until_up(
            &HttpClient::new(&simulator_url)?.with_timeout(Duration::from_secs(10)),
            "/_sim/health",
        )
        .await?;

        let storage = Storage::connect(&DatabaseConfig::from_url(Secret::new(database_url.to_string()), 4)).await?;
        migrations::up(&storage).await?;
        let salt = Secret::new(format!("chaos-salt-{}", hex(16)));
        let encryption_key = Secret::new(base64_random(32));
        let new = NewAccount::new(name, CUIT, Some("enterprise"), quota, None)?;
        // The instances run as ARCA homologation: they accept keys of its mode only.
        let mode = KeyMode::for_environment(ArcaEnvironment::Homologacion);
        let (_, created) = accounts::create(&storage, &salt, mode, new).await?;
        Ok(World {
            exe,
            simulator,
            simulator_url,
            storage,
            salt,
            encryption_key,
            api_key: created.key.expose().to_string(),
            certificate_pem,
            key_pem,
        })
    }
}

pub(super) struct InstanceEnv {
    pub(super) exe: PathBuf,
    pub(super) work: PathBuf,
    pub(super) database_url: String,
    pub(super) simulator_url: String,
    pub(super) salt: Secret,
    pub(super) encryption_key: Secret,
    /// The run's own settings, after the common ones (lease times, log level, …).
    pub(super) settings: Vec<(&'static str, String)>,
}

/// One `serve` process of a chaos run (`chaos` and `chaos-webhooks`).
pub(super) struct Instance {
    pub(super) index: usize,
    pub(super) port: u16,
    pub(super) url: String,
    child: Child,
}

impl Instance {
    pub(super) async fn start(env: &InstanceEnv, index: usize) -> anyhow::Result<Instance> {
        let port = free_port()?;
        Instance::start_on(env, index, port).await
    }

    pub(super) async fn start_on(env: &InstanceEnv, index: usize, port: u16) -> anyhow::Result<Instance> {
        let name = format!("instance-{index}");
        let mut command = Command::new(&env.exe);
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("DATA_DIR", env.work.join(&name))
            .env("DATABASE_URL", &env.database_url)
            .env("DATABASE_POOL_SIZE", "10")
            .env("ARCA_ENVIRONMENT", "homologacion")
            .env("ARCA_WSAA_URL", format!("{}/ws/services/LoginCms", env.simulator_url))
            .env("ARCA_WSFE_URL", format!("{}/wsfev1/service.asmx", env.simulator_url))
            .env("ARCA_TIMEOUT_MS", "2000")
            // A killed instance's series are taken over this soon.
            .env("ISSUANCE_LEASE_TTL_MS", "3000")
            .env("API_KEY_SALT", env.salt.expose())
            .env("SECRETS_ENCRYPTION_KEY", env.encryption_key.expose())
            .env("RATE_LIMIT_ENABLED", "false")
            .env("LOG_FORMAT", "json")
            .envs(env.settings.iter().map(|(name, value)| (name, value)));
        let child = command
            .stdout(log_file(&env.work, &name)?)
            .stderr(log_file(&env.work, &name)?)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let url = format!("http://127.0.0.1:{port}");
        wait_until_up(&HttpClient::new(&url)?, "/openapi.json").await?;
        Ok(Instance {
            index,
            port,
            url,
            child,
        })
    }

    /// SIGKILL: no shutdown, no lease released, whatever was in flight left as it was.
    pub(super) async fn kill(&mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }

    pub(super) async fn stop(&mut self) {
        self.kill().await;
    }
}

/// Kills a random instance every 0.3–2 s and restarts it on the same port after 0.1–1 s.
pub(super) async fn kill_and_restart(
    instances: Arc<Mutex<Vec<Instance>>>,
    env: &InstanceEnv,
    kills: usize,
) -> anyhow::Result<usize> {
    let mut done = 0;
    while done < kills {
        let (pause, down) = {
            let mut rng = rand::thread_rng();
            (rng.gen_range(300..2000), rng.gen_range(100..1000))
        };
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let mut instances = instances.lock().await;
        let victim = rand::thread_rng().gen_range(0..instances.len());
        let instance = &mut instances[victim];
        instance.kill().await;
        done += 1;
        println!("chaos: kill {done}/{kills}: instance {} (SIGKILL)", instance.index);
        tokio::time::sleep(Duration::from_millis(down)).await;
        let (index, port) = (instance.index, instance.port);
        *instance = Instance::start_on(env, index, port).await?;
    }
    Ok(done)
}

/// An invoice an instance accepted: its id, its series, its unique total.
#[derive(Debug, Clone)]
struct Accepted {
    id: String,
    punto_venta: i32,
    /// `ImpTotal` as ARCA stores it, the invoice's fingerprint.
    imp_total: String,
}

/// Posts `count` invoices with `concurrency` clients to random instances; each is re-posted
/// (same key, same body) after a connection error or a 5xx until an instance accepts it.
async fn post_invoices(
    urls: Vec<String>,
    api_key: String,
    count: usize,
    series: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<Accepted>> {
    let clients = urls
        .iter()
        .map(|url| HttpClient::new(url).map(|c| c.with_timeout(Duration::from_secs(15))))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let next = Arc::new(AtomicUsize::new(0));
    let run = format!("{:x}", rand::random::<u32>());
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (clients, next, api_key, run) = (clients.clone(), next.clone(), api_key.clone(), run.clone());
        tasks.push(tokio::spawn(async move {
            let mut accepted = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= count {
                    return Ok::<_, anyhow::Error>(accepted);
                }
                let punto_venta = i32::try_from(index % series + 1).unwrap_or(1);
                // 100.00 + index cents: unique per invoice, and so is the total with 21 % IVA
                // (totals of different nets differ by at least 1.21 cents).
                let cents = 10_000 + index;
                let price = format!("{}.{:02}", cents / 100, cents % 100);
                let total = total_with_iva(cents);
                let body = json!({
                    "mode": "advanced", "tipo_comprobante": FACTURA_B, "punto_venta": punto_venta,
                    "concepto": "productos",
                    "cliente": {"documento_tipo": 99, "documento_numero": "0",
                                "razon_social": "Consumidor Final", "condicion_iva": "consumidor_final"},
                    "items": [{"descripcion": "Chaos", "cantidad": 1, "precio_unitario": price, "iva_porcentaje": 21}],
                });
                let key = format!("chaos-{run}-{index}");
                let id = post_until_accepted(&clients, &api_key, &key, &body).await?;
                accepted.push(Accepted {
                    id,
                    punto_venta,
                    imp_total: total,
                });
            }
        }));
    }
    let mut all = Vec::with_capacity(count);
    for task in tasks {
        all.extend(task.await.context("a client task")??);
    }
    Ok(all)
}

/// The total of a net of `cents` plus 21 % IVA, rounded to cents half away from zero (ARCA's
/// rounding, as the service computes it), as ARCA's `ImpTotal` text.
pub(super) fn total_with_iva(cents: usize) -> String {
    // total in hundredths of a cent: cents * 121; round to cents.
    let hundredths = cents * 121;
    let rounded = (hundredths + 50) / 100;
    format!("{}.{:02}", rounded / 100, rounded % 100)
}

pub(super) async fn post_until_accepted(
    clients: &[HttpClient],
    api_key: &str,
    key: &str,
    body: &Value,
) -> anyhow::Result<String> {
    let bearer = format!("Bearer {api_key}");
    let headers = [
        ("authorization", bearer.as_str()),
        ("idempotency-key", key),
        ("prefer", "respond-async"),
    ];
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut attempt = 0u32;
    loop {
        let client = &clients[rand::thread_rng().gen_range(0..clients.len())];
        match client.post_json("/v1/invoices", body, &headers).await {
            Ok((201 | 202, answer)) => {
                return answer["id"]
                    .as_str()
                    .map(String::from)
                    .ok_or_else(|| anyhow!("an accepted invoice without id: {answer}"));
            }
            Ok((status, answer)) if status < 500 => bail!("invoice {key} refused: {status} {answer}"),
            // 5xx or a connection cut by a kill: the same key, to another instance.
            Ok(_) | Err(_) => {}
        }
        attempt += 1;
        if Instant::now() > deadline {
            bail!("invoice {key}: no instance accepted it in 120 s ({attempt} attempts)");
        }
        tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt.min(10)))).await;
    }
}

/// Waits until no invoice is pending (a tool's bounded poll, not a test's synchronisation).
async fn settle(storage: &Storage, series: usize, timeout: Duration) -> anyhow::Result<bool> {
    let deadline = Instant::now() + timeout;
    loop {
        let mut open = 0;
        for key in series_keys(series) {
            open += storage::invoices::list_series(storage, &key)
                .await?
                .iter()
                .filter(|row| !is_final(row))
                .count();
        }
        if open == 0 {
            return Ok(true);
        }
        if Instant::now() > deadline {
            eprintln!("chaos: {open} invoices still open after {} s", timeout.as_secs());
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn is_final(row: &InvoiceRow) -> bool {
    row.status.is_final()
}

fn series_keys(series: usize) -> impl Iterator<Item = SeriesKey> {
    (1..=series).map(|punto_venta| SeriesKey {
        cuit: CUIT.into(),
        punto_venta: i32::try_from(punto_venta).unwrap_or(i32::MAX),
        cbte_tipo: FACTURA_B,
    })
}

/// The counts the run is judged by.
#[derive(Debug, Default)]
struct Report {
    posted: usize,
    accepted: usize,
    approved: usize,
    failed: usize,
    non_final: usize,
    /// Accepted invoices that are missing, or approved without ARCA holding them.
    lost: usize,
    /// Vouchers at ARCA beyond one per invoice (or belonging to no invoice).
    duplicates: usize,
    /// Numbers two approved invoices share.
    numbers_reused: usize,
    /// Missing numbers in a series' sequence at ARCA, or ARCA and the database disagreeing on it.
    gaps: usize,
    /// Approved invoices whose CAE or amount differs from what FECompConsultar answers.
    consult_mismatches: usize,
    vouchers_at_arca: usize,
    /// Requests whose answer never came (lost, 500, cut by a kill), from the instances' logs.
    faults_seen: usize,
    /// Invoices found authorised by FECompConsultar after their answer was lost.
    reconciled: usize,
    kills: usize,
    submit_seconds: f64,
    total_seconds: f64,
    settled: bool,
}

impl Report {
    fn clean(&self) -> bool {
        self.settled
            && self.accepted == self.posted
            && self.failed == 0
            && self.non_final == 0
            && self.lost == 0
            && self.duplicates == 0
            && self.numbers_reused == 0
            && self.gaps == 0
            && self.consult_mismatches == 0
    }

    fn print(&self) {
        println!(
            "chaos: {} invoices posted, {} accepted, {} kills; submitted in {:.1} s, all final after {:.1} s",
            self.posted, self.accepted, self.kills, self.submit_seconds, self.total_seconds
        );
        println!(
            "chaos: approved {}  failed {}  non-final {}  vouchers at ARCA {}",
            self.approved, self.failed, self.non_final, self.vouchers_at_arca
        );
        println!(
            "chaos: FECAESolicitar without an answer {}  lost answers reconciled {}",
            self.faults_seen, self.reconciled
        );
        println!(
            "chaos: duplicates {}  lost {}  numbers reused {}  gaps {}  FECompConsultar mismatches {}",
            self.duplicates, self.lost, self.numbers_reused, self.gaps, self.consult_mismatches
        );
        println!("chaos: {}", if self.clean() { "OK" } else { "FAILED" });
    }
}

/// A voucher as the simulator's control API lists it.
#[derive(Debug)]
struct Stored {
    number: i64,
    cae: String,
    imp_total: String,
}

async fn check(
    storage: &Storage,
    sim: &HttpClient,
    credentials: &Credentials,
    simulator_url: &str,
    series: usize,
    accepted: &[Accepted],
) -> anyhow::Result<Report> {
    let mut report = Report {
        accepted: accepted.len(),
        ..Report::default()
    };
    // The database's view.
    let mut rows: HashMap<String, InvoiceRow> = HashMap::new();
    for key in series_keys(series) {
        for row in storage::invoices::list_series(storage, &key).await? {
            rows.insert(row.id.clone(), row);
        }
    }
    // ARCA's view, per point of sale.
    let mut at_arca: BTreeMap<i32, Vec<Stored>> = BTreeMap::new();
    for key in series_keys(series) {
        let path = format!(
            "/_sim/vouchers?cuit={}&pto_vta={}&cbte_tipo={}",
            key.cuit, key.punto_venta, key.cbte_tipo
        );
        let (status, body) = sim.get_json(&path, &[]).await?;
        if status != 200 {
            bail!("listing the simulator's vouchers: {status} {body}");
        }
        let mut stored = Vec::new();
        for series in body["series"].as_array().into_iter().flatten() {
            for voucher in series["vouchers"].as_array().into_iter().flatten() {
                stored.push(Stored {
                    number: voucher["cbte_desde"].as_i64().unwrap_or(-1),
                    cae: voucher["cod_autorizacion"].as_str().unwrap_or_default().to_string(),
                    imp_total: voucher["imp_total"].as_str().unwrap_or_default().to_string(),
                });
            }
        }
        report.vouchers_at_arca += stored.len();
        at_arca.insert(key.punto_venta, stored);
    }

    // Per accepted invoice: its state, and how many vouchers ARCA holds with its amount.
    let mut by_total: HashMap<(i32, String), Vec<&Stored>> = HashMap::new();
    for (punto_venta, stored) in &at_arca {
        for voucher in stored {
            by_total
                .entry((*punto_venta, normalise(&voucher.imp_total)))
                .or_default()
                .push(voucher);
        }
    }
    let mut claimed = 0;
    let mut approved_numbers: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    let mut to_consult = Vec::new();
    for invoice in accepted {
        let Some(row) = rows.get(&invoice.id) else {
            report.lost += 1;
            continue;
        };
        let vouchers = by_total
            .get(&(invoice.punto_venta, normalise(&invoice.imp_total)))
            .map(Vec::as_slice)
            .unwrap_or_default();
        claimed += vouchers.len();
        report.duplicates += vouchers.len().saturating_sub(1);
        match row.status {
            InvoiceStatus::Approved => {
                report.approved += 1;
                let number = row.numero.unwrap_or(-1);
                approved_numbers.entry(invoice.punto_venta).or_default().push(number);
                let held = vouchers
                    .iter()
                    .any(|v| v.number == number && Some(v.cae.as_str()) == row.cae.as_deref());
                if !held {
                    report.lost += 1;
                }
                to_consult.push((invoice.punto_venta, number, row.cae.clone(), invoice.imp_total.clone()));
            }
            InvoiceStatus::Failed => report.failed += 1,
            InvoiceStatus::Pending | InvoiceStatus::PendingRetry | InvoiceStatus::Cancelled => report.non_final += 1,
        }
    }
    // Vouchers no accepted invoice accounts for are duplicates too (an invoice issued twice,
    // once under an amount nobody claims, cannot happen — unless content was mixed up).
    report.duplicates += report.vouchers_at_arca.saturating_sub(claimed);

    for (punto_venta, stored) in &at_arca {
        let mut numbers: Vec<i64> = stored.iter().map(|v| v.number).collect();
        numbers.sort_unstable();
        let expected: Vec<i64> = (1..=i64::try_from(numbers.len()).unwrap_or(0)).collect();
        report.gaps += expected.iter().filter(|n| numbers.binary_search(n).is_err()).count();
        let mut ours = approved_numbers.remove(punto_venta).unwrap_or_default();
        ours.sort_unstable();
        let before = ours.len();
        ours.dedup();
        report.numbers_reused += before - ours.len();
        // The database's approved numbers must be exactly ARCA's.
        if ours != numbers {
            report.gaps += ours.len().abs_diff(numbers.len()).max(1);
        }
    }

    // FECompConsultar for every approved invoice, as a client of ARCA would check it.
    let transport = HttpTransport::new(Timeouts::default(), Vec::new())?;
    let wsaa = WsaaClient::new(format!("{simulator_url}/ws/services/LoginCms"), transport.clone());
    let ticket = wsaa.login(credentials, "wsfe", chrono::Utc::now()).await?;
    let auth = Auth::from_ticket(&ticket, credentials.cuit());
    let wsfe = WsfeClient::new(format!("{simulator_url}/wsfev1/service.asmx"), transport);
    for (punto_venta, number, cae, imp_total) in to_consult {
        let answer = wsfe.fe_comp_consultar(&auth, FACTURA_B, punto_venta, number).await?;
        let same = answer.is_some_and(|found| {
            found.cod_autorizacion == cae && normalise(&found.detail.imp_total.to_string()) == normalise(&imp_total)
        });
        if !same {
            report.consult_mismatches += 1;
        }
    }
    Ok(report)
}

/// `1210.00`, `1210.0` and `1210` are the same amount.
pub(super) fn normalise(amount: &str) -> String {
    let amount = amount.trim();
    match amount.split_once('.') {
        Some((units, decimals)) => {
            let decimals = decimals.trim_end_matches('0');
            if decimals.is_empty() {
                units.to_string()
            } else {
                format!("{units}.{decimals}")
            }
        }
        None => amount.to_string(),
    }
}

/// Lines of the instances' logs containing `needle`.
pub(super) fn count_in_logs(work: &Path, needle: &str) -> anyhow::Result<usize> {
    let mut count = 0;
    for entry in std::fs::read_dir(work)? {
        let path = entry?.path();
        let is_instance_log = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with("instance-") && name.ends_with(".log"));
        if is_instance_log {
            count += std::fs::read_to_string(&path)?
                .lines()
                .filter(|line| line.contains(needle))
                .count();
        }
    }
    Ok(count)
}

fn credentials(certificate_pem: &str, key_pem: &str) -> anyhow::Result<Credentials> {
    Ok(Credentials::from_pem(certificate_pem.as_bytes(), key_pem.as_bytes())?)
}

pub(super) async fn wait_until_up(client: &HttpClient, path: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok((200, _)) = client.get_json(path, &[]).await {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{}{path} did not come up in 30 s", client.base_url());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A port free right now (the OS picks it; the child binds it a moment later).
pub(super) fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

pub(super) fn log_file(work: &Path, name: &str) -> anyhow::Result<Stdio> {
    let path = work.join(format!("{name}.log"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    Ok(Stdio::from(file))
}

pub(super) fn tempdir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("arca-chaos-{}", hex(6)));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

pub(super) fn hex(bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

pub(super) fn base64_random(bytes: usize) -> String {
    use base64::Engine;
    let random: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::STANDARD.encode(random)
}

/// The URL without its password, for messages.
pub(super) fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_exact_and_unique() {
        assert_eq!(total_with_iva(100_000), "1210.00");
        assert_eq!(total_with_iva(10_001), "121.01");
        let totals: std::collections::HashSet<String> = (10_000..30_000).map(total_with_iva).collect();
        assert_eq!(totals.len(), 20_000);
    }

    #[test]
    fn passwords_are_redacted_and_amounts_normalised() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(normalise("1210.00"), "1210");
        assert_eq!(normalise("121.10"), "121.1");
    }
}
