//! `arca-api bench issuance`: issuance throughput and latency against the simulator with a
//! configured ARCA latency, and in the same run the one-invoice-per-request way peer libraries
//! issue (ask the last number, send last + 1), for comparison (ARCHITECTURE.md "Testing layers");
//! and the CPU time each approved invoice costs the service and PostgreSQL ([`cpu`]).
//!
//! Everything runs in this process ([`setup`]): the simulator with `--latency-ms` on every
//! operation, the service on 127.0.0.1:0 over a fresh database (on a tokio runtime of its own,
//! so that its CPU time can be told apart), one account with a certificate, or `--accounts N`
//! each with its own CUIT and certificate. Each account is subscribed to the invoice events with
//! a local receiver that answers 204 ([`receiver`]), so the outbox does its normal work; after
//! each measured run the bench waits for the outbox to have nothing left to deliver.
//! The load ([`load`]) goes over real HTTP (the service) or real SOAP (the baseline); [`stats`]
//! turns per-request timings into the table. Runs, in order: a lone invoice (one at a time); the
//! engine (N invoices, C in flight, each waiting for its CAE); the API alone (`Prefer:
//! respond-async`) and the engine draining what it accepted; the baseline (last + 1 under a
//! lock); and last + 1 without the lock, to show the collisions (10016) the lock avoids. The
//! engine's invoices go round-robin over `--series` points of sale of one account, or over the
//! `--accounts` accounts' keys, each on point of sale 1 (not both). It is a tool, not a test: it
//! asserts no timing, it only fails when an invoice is not approved.
//!
//! The CPU table gives, for the lone, engine, API-only and queue-drain runs, the service's,
//! PostgreSQL's and the rest of the process's (simulator, load generator, receiver) user +
//! system time per invoice, read from `/proc` at the start of the run and after its webhooks
//! were delivered ([`cpu`] says what is counted where). The API-only run's window ends with its
//! last answer (no wait for the outbox): the engine is already issuing what it accepted, so its
//! figure holds part of the engine's work too; the queue-drain run spans both, from the first
//! request to the last approval and its webhooks: the whole cost of an invoice issued
//! asynchronously.
//!
//! The load generator shares the machine (and its cores) with the service and the simulator,
//! so the throughput figures are a floor for what the service alone would do.
//!
//! `arca-api bench pdf` ([`pdf`]) times the invoice PDF renderer alone, in process.
//! `arca-api bench webhooks` ([`webhooks`]) measures the outbox's webhook deliveries: events per
//! second from commit to a local receiver's 2xx, and the delay of each.

mod cpu;
mod load;
mod pdf;
mod receiver;
mod setup;
mod stats;
mod webhooks;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use arca_service::invoices::InvoiceStatus;

use self::cpu::{Meter, Usage};
use self::load::Peer;
use self::receiver::Receiver;
use self::setup::{Scratch, Settings, World};
use self::stats::{Run, ms};
use super::http_client::HttpClient;

/// ARCA's limit of details per `FECAESolicitar` (`FECompTotXRequest` in homologation), the
/// simulator's default: the physical bound of throughput is this many vouchers per round trip
/// per series.
const RECORDS_PER_REQUEST: f64 = 250.0;

/// The outcome of a request whose invoice got its CAE.
const APPROVED: &str = InvoiceStatus::Approved.as_str();

/// The outcome of a request the service accepted without waiting (`respond-async`).
const ACCEPTED: &str = "accepted";

/// The points of sale of each mode, far apart so that their numbering never meets.
const BASELINE_POINT_OF_SALE: u32 = 101;
const RACE_POINT_OF_SALE: u32 = 201;

/// How long the bench waits, after a run, for the outbox to deliver what the run caused.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Issuance throughput and latency: the engine over HTTP vs one invoice per request.
    Issuance(Args),
    /// The invoice PDF renderer alone: p50/p99, PDFs per second and bytes, for 1, 3 and 30 items.
    Pdf(pdf::Args),
    /// Webhook events per second from commit to a local receiver's 2xx, and p50/p99 delay.
    Webhooks(webhooks::Args),
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Invoices sent through the service (`POST /v1/invoices`, waiting for the CAE).
    #[arg(long, default_value_t = 2000)]
    invoices: usize,
    /// Requests in flight at once, for the engine and for the baseline.
    #[arg(long, default_value_t = 500)]
    concurrency: usize,
    /// Latency the simulator adds to every ARCA operation (WSAA and WSFEv1), in milliseconds.
    #[arg(long, default_value_t = 300)]
    latency_ms: u64,
    /// `postgres://host:port/db` (a fresh database `arca_bench_<random>` is created there and
    /// dropped at the end) or `sqlite://FILE`. Default: a fresh SQLite file in a temporary
    /// directory.
    #[arg(long)]
    database_url: Option<String>,
    /// Connections in the service's pool (`DATABASE_POOL_SIZE`).
    #[arg(long, default_value_t = 20)]
    pool_size: u32,
    /// Redis for the service's caches and rate limits (a random key prefix); default in-process.
    #[arg(long)]
    redis_url: Option<String>,
    /// Series (points of sale) of the one account the engine's invoices are spread over,
    /// round-robin.
    #[arg(long, default_value_t = 1)]
    series: u32,
    /// Accounts, each with its own CUIT, certificate and API key, the engine's invoices spread
    /// over them round-robin, each on point of sale 1 (one series each). Not with `--series`.
    #[arg(long, default_value_t = 1)]
    accounts: usize,
    /// Invoices sent one at a time (concurrency 1): the latency of a lone invoice.
    #[arg(long, default_value_t = 20)]
    lone_invoices: usize,
    /// Invoices accepted with `Prefer: respond-async` (the API alone, answering 202), then
    /// awaited until approved (the engine draining a full queue); 0 skips it.
    #[arg(long, default_value_t = 2000)]
    async_invoices: usize,
    /// Vouchers issued the peers' way (last + 1 under a lock per series); about 1.6 per second
    /// at 300 ms, so keep it small.
    #[arg(long, default_value_t = 20)]
    baseline_invoices: usize,
    /// Callers that issue last + 1 at the same moment without a lock, to show why peers need it
    /// (0 skips it).
    #[arg(long, default_value_t = 10)]
    race_callers: usize,
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Issuance(args) => issuance(args).await,
        Command::Pdf(args) => pdf::run(&args),
        Command::Webhooks(args) => webhooks::run(args).await,
    }
}

async fn issuance(args: Args) -> anyhow::Result<()> {
    if args.invoices == 0 || args.concurrency == 0 || args.series == 0 || args.accounts == 0 {
        return Err(anyhow!(
            "--invoices, --concurrency, --series and --accounts must be at least 1"
        ));
    }
    if args.accounts > 1 && args.series > 1 {
        return Err(anyhow!(
            "--accounts {} and --series {} together: --accounts N gives N accounts with one series each, \
             --series N one account with N series; choose one",
            args.accounts,
            args.series
        ));
    }
    let scratch = Scratch::create(args.database_url.as_deref()).await?;
    let result = measure(&args, &scratch).await;
    scratch.remove().await;
    result
}

async fn measure(args: &Args, scratch: &Scratch) -> anyhow::Result<()> {
    let total_requests = args.invoices + args.lone_invoices + args.series as usize;
    let settings = Settings {
        pool_size: args.pool_size,
        redis_url: args.redis_url.clone(),
        latency_ms: args.latency_ms,
        // Enterprise is 10,000 a minute; a long run must not meet the limiter, which stays in
        // the path as in production.
        requests_per_minute: i64::try_from(total_requests * 2).unwrap_or(i64::MAX).max(10_000),
        accounts: args.accounts,
        // The webhook receiver is on 127.0.0.1.
        extra: vec![("WEBHOOK_ALLOW_PRIVATE_URLS", "true".to_string())],
    };
    eprintln!("starting the simulator and the service ...");
    let world = World::start(&settings, scratch).await?;
    let meter = Meter::new(&scratch.database_url);
    let result = measure_in(args, &world, meter).await;
    world.stop().await;
    result
}

/// Where one of the engine's invoices goes: an account's key and a point of sale.
struct Lane {
    bearer: String,
    punto_venta: u32,
}

/// The engine's lanes: `--series` points of sale of the first account, or point of sale 1 of
/// each of the `--accounts` accounts.
fn lanes(args: &Args, world: &World) -> Vec<Lane> {
    if world.accounts.len() > 1 {
        world
            .accounts
            .iter()
            .map(|account| Lane {
                bearer: format!("Bearer {}", account.api_key.expose()),
                punto_venta: 1,
            })
            .collect()
    } else {
        let bearer = world
            .accounts
            .first()
            .map(|account| format!("Bearer {}", account.api_key.expose()))
            .unwrap_or_default();
        (0..args.series)
            .map(|series| Lane {
                bearer: bearer.clone(),
                punto_venta: 1 + series,
            })
            .collect()
    }
}

async fn measure_in(args: &Args, world: &World, meter: Meter) -> anyhow::Result<()> {
    let client = HttpClient::new(&world.base_url)?.with_timeout(Duration::from_secs(120));
    eprintln!(
        "service at {}, simulator at {}",
        client.base_url(),
        world.simulator.base_url()
    );
    let lanes = Arc::new(lanes(args, world));
    for account in &world.accounts {
        let bearer = format!("Bearer {}", account.api_key.expose());
        let (status, body) = client.get_json("/v1/account", &[("authorization", &bearer)]).await?;
        if status != 200 {
            return Err(anyhow!(
                "the service refused the bench account {}: {body}",
                account.cuit
            ));
        }
    }

    // Every account subscribed to its invoice events, at a receiver on this (the bench's) side.
    let receiver = Receiver::start().await.context("starting the webhook receiver")?;
    let events: Vec<&str> = webhooks::INVOICE_EVENTS.iter().map(|event| event.as_str()).collect();
    for (index, account) in world.accounts.iter().enumerate() {
        receiver::subscribe(world, &account.id, &receiver.url(&format!("/hook/{index}")), &events)
            .await
            .with_context(|| format!("subscribing account {} to its invoice events", account.cuit))?;
    }

    // Warm-up: one invoice per lane, so that each worker knows its last number and ARCA's
    // records per request, and the connections exist.
    for lane in lanes.iter() {
        let outcome = load::post_invoice(&client, &lane.bearer, lane.punto_venta).await;
        if outcome != APPROVED {
            return Err(anyhow!(
                "warm-up invoice on point of sale {}: {outcome}",
                lane.punto_venta
            ));
        }
    }
    // One WSFEv1 caller per account that the baseline uses (the first, or each of --accounts).
    let mut peers = Vec::with_capacity(world.accounts.len());
    for account in &world.accounts {
        let session = world.state.arca.session(&account.id).await?;
        peers.push(Peer {
            client: session.client,
            auth: session.auth,
        });
    }
    let Some(first_peer) = peers.first().cloned() else {
        return Err(anyhow!("no bench account"));
    };
    let round_trip = first_peer.round_trip(5).await?;
    settle(world).await;

    // The lone invoice first, on an idle system: right after the load, the database is still
    // busy with its aftermath (autovacuum, checkpoints), which is not the engine's latency.
    eprintln!("lone invoice: {} invoices one at a time ...", args.lone_invoices);
    let before = meter.sample();
    let lone = {
        let (client, lanes) = (client.clone(), lanes.clone());
        load::drive("engine, lone invoice", args.lone_invoices, 1, move |_| {
            let (client, lanes) = (client.clone(), lanes.clone());
            async move {
                match lanes.first() {
                    Some(lane) => load::post_invoice(&client, &lane.bearer, lane.punto_venta).await,
                    None => "no lane".to_string(),
                }
            }
        })
        .await
    };
    settle(world).await;
    let lone_cpu = CpuRow::of(&lone, APPROVED, meter.sample().since(&before));

    eprintln!(
        "engine: {} invoices, {} in flight, over {} ...",
        args.invoices,
        args.concurrency,
        lanes_description(args, world)
    );
    let before = meter.sample();
    let engine = {
        let (client, lanes) = (client.clone(), lanes.clone());
        load::drive(
            "engine (POST /v1/invoices)",
            args.invoices,
            args.concurrency,
            move |index| {
                let (client, lanes) = (client.clone(), lanes.clone());
                async move {
                    let lane = &lanes[index % lanes.len()];
                    load::post_invoice(&client, &lane.bearer, lane.punto_venta).await
                }
            },
        )
        .await
    };
    settle(world).await;
    // In the results table's order.
    let mut cpu = vec![CpuRow::of(&engine, APPROVED, meter.sample().since(&before)), lone_cpu];

    let queued = if args.async_invoices > 0 {
        eprintln!(
            "queue: {} invoices accepted with respond-async, then awaited ...",
            args.async_invoices
        );
        let (accepted, drained, accepted_cpu, drained_cpu) =
            accept_then_drain(args, world, &client, &lanes, meter).await?;
        cpu.push(CpuRow::of(&accepted, ACCEPTED, accepted_cpu));
        cpu.push(CpuRow::of(&drained, APPROVED, drained_cpu));
        Some((accepted, drained))
    } else {
        None
    };

    eprintln!(
        "baseline: {} vouchers, last + 1 under a lock ...",
        args.baseline_invoices
    );
    let baseline = {
        // Its series: the same count as the engine's lanes, each under its own lock: point of
        // sale 101 of each account, or 101, 102, … of the one account.
        let baseline_lanes: Arc<Vec<(Peer, u32)>> = Arc::new(if peers.len() > 1 {
            peers
                .iter()
                .map(|peer| (peer.clone(), BASELINE_POINT_OF_SALE))
                .collect()
        } else {
            (0..args.series)
                .map(|series| (first_peer.clone(), BASELINE_POINT_OF_SALE + series))
                .collect()
        });
        let locks: Arc<Vec<tokio::sync::Mutex<()>>> =
            Arc::new((0..baseline_lanes.len()).map(|_| tokio::sync::Mutex::new(())).collect());
        load::drive(
            "last+1 per request (locked)",
            args.baseline_invoices,
            args.concurrency,
            move |index| {
                let (baseline_lanes, locks) = (baseline_lanes.clone(), locks.clone());
                async move {
                    let lane = index % baseline_lanes.len();
                    let _held = locks[lane].lock().await;
                    let (peer, punto_venta) = &baseline_lanes[lane];
                    peer.issue_last_plus_one(*punto_venta).await
                }
            },
        )
        .await
    };

    let race = if args.race_callers > 0 {
        let peer = first_peer.clone();
        Some(
            load::drive(
                "last+1 without a lock",
                args.race_callers,
                args.race_callers,
                move |_| {
                    let peer = peer.clone();
                    async move { peer.issue_last_plus_one(RACE_POINT_OF_SALE).await }
                },
            )
            .await,
        )
    } else {
        None
    };

    let results = Results {
        round_trip,
        engine,
        lone,
        queued,
        baseline,
        race,
        cpu,
        webhooks: (receiver.requests(), receiver.events()),
    };
    print_report(args, world, &results);
    let queue_failures = results.queued.as_ref().map_or(0, |(accepted, drained)| {
        accepted.unexpected(ACCEPTED) + drained.unexpected(APPROVED)
    });
    let failed = results.engine.unexpected(APPROVED)
        + results.lone.unexpected(APPROVED)
        + results.baseline.unexpected(APPROVED)
        + queue_failures;
    if failed > 0 {
        return Err(anyhow!("{failed} invoices were not approved (see the outcomes above)"));
    }
    Ok(())
}

/// `1 series`, `4 series` or `3 accounts, one series each`.
fn lanes_description(args: &Args, world: &World) -> String {
    if world.accounts.len() > 1 {
        format!("{} accounts, one series each", world.accounts.len())
    } else {
        format!("{} series", args.series)
    }
}

/// Waits until the outbox has no webhook delivery waiting or in flight (every account's), so
/// that a run's CPU window holds the deliveries its invoices caused; at most [`SETTLE_TIMEOUT`].
/// Its look every 50 ms is one index probe that stops at the first outstanding delivery (not a
/// count of the queue, which over a large backlog would be a visible part of PostgreSQL's time).
async fn settle(world: &World) {
    let storage = &world.state.storage;
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    loop {
        match arca_service::storage::outbox::webhooks_outstanding(storage).await {
            Ok(false) => return,
            Ok(true) if Instant::now() >= deadline => {
                if let Ok(queue) = arca_service::storage::outbox::webhook_queue(storage).await {
                    eprintln!(
                        "warning: webhook deliveries still waiting after {} s ({} pending, {} retrying, {} in flight): \
                         the next run's CPU time includes them",
                        SETTLE_TIMEOUT.as_secs(),
                        queue.pending,
                        queue.retrying,
                        queue.delivering
                    );
                }
                return;
            }
            Ok(true) => {}
            Err(error) => {
                eprintln!("warning: cannot read the outbox's queue ({error}): not waiting for webhooks");
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Accepts `--async-invoices` invoices with `respond-async` at `--concurrency` (the API's own
/// rate), then awaits each through the engine in this process until it is final. The second run
/// spans from the first request to the last approval: the engine with a queue that the API
/// fills as fast as it can. Also returns the CPU used by each: the first until its last answer,
/// the second from the first request until the webhooks of the last approval were delivered.
async fn accept_then_drain(
    args: &Args,
    world: &World,
    client: &HttpClient,
    lanes: &Arc<Vec<Lane>>,
    meter: Meter,
) -> anyhow::Result<(Run, Run, Usage, Usage)> {
    let ids = Arc::new(std::sync::Mutex::new(Vec::with_capacity(args.async_invoices)));
    let before = meter.sample();
    let started = Instant::now();
    let accepted = {
        let (client, lanes, ids) = (client.clone(), lanes.clone(), ids.clone());
        load::drive(
            "API only (respond-async)",
            args.async_invoices,
            args.concurrency,
            move |index| {
                let (client, lanes, ids) = (client.clone(), lanes.clone(), ids.clone());
                async move {
                    let lane = &lanes[index % lanes.len()];
                    let (outcome, id) = load::post_invoice_async(&client, &lane.bearer, lane.punto_venta).await;
                    if let Some(id) = id {
                        ids.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(id);
                    }
                    outcome
                }
            },
        )
        .await
    };
    let accepted_cpu = meter.sample().since(&before);
    let ids = std::mem::take(&mut *ids.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    let mut results = Vec::with_capacity(ids.len());
    for id in &ids {
        let row = world.state.engine.wait(id, Duration::from_secs(120)).await?;
        results.push((started.elapsed(), row.status.to_string()));
    }
    // The latency column of this run is each invoice's time from the run's start to its approval
    // as seen here (awaited in order, so an upper bound).
    let drained = Run::new(
        "engine, queue filled by API",
        args.concurrency,
        started.elapsed(),
        results,
    );
    settle(world).await;
    let drained_cpu = meter.sample().since(&before);
    Ok((accepted, drained, accepted_cpu, drained_cpu))
}

/// One line of the CPU table: a run, how many invoices it counts (those that ended `counted`)
/// and what it used.
struct CpuRow {
    mode: String,
    invoices: usize,
    counted: &'static str,
    usage: Usage,
}

impl CpuRow {
    fn of(run: &Run, counted: &'static str, usage: Usage) -> CpuRow {
        CpuRow {
            mode: run.mode.clone(),
            invoices: run.outcomes.get(counted).copied().unwrap_or(0),
            counted,
            usage,
        }
    }
}

/// Every run of one bench.
struct Results {
    /// One ARCA round trip as this process sees it.
    round_trip: Duration,
    engine: Run,
    lone: Run,
    /// The API alone (respond-async) and the engine draining what it accepted.
    queued: Option<(Run, Run)>,
    baseline: Run,
    race: Option<Run>,
    /// The CPU table's lines: engine, lone, API only, queue drained.
    cpu: Vec<CpuRow>,
    /// Requests the webhook receiver got, and distinct events among them.
    webhooks: (usize, usize),
}

fn print_report(args: &Args, world: &World, results: &Results) {
    let Results {
        round_trip,
        engine,
        lone,
        queued,
        baseline,
        race,
        cpu,
        webhooks,
    } = results;
    let round_trip = *round_trip;
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let lanes = if world.accounts.len() > 1 {
        world.accounts.len() as f64
    } else {
        f64::from(args.series)
    };
    let limit = RECORDS_PER_REQUEST * lanes / (args.latency_ms.max(1) as f64 / 1000.0);
    let ratio = if baseline.throughput() > 0.0 {
        engine.throughput() / baseline.throughput()
    } else {
        f64::INFINITY
    };
    let lone_p50 = lone.percentile(50.0);
    let overhead = lone_p50.as_secs_f64() - round_trip.as_secs_f64();
    let mut report = format!(
        "\narca-api bench issuance: {} database, ARCA latency {} ms, {}, {} cores, pool {}{}\n\
         ARCA round trip (FECompUltimoAutorizado from this process, median of 5): {} ms\n\n",
        world.dialect,
        args.latency_ms,
        lanes_description(args, world),
        cores,
        args.pool_size,
        if args.redis_url.is_some() { ", Redis" } else { "" },
        ms(round_trip),
    );
    let mut runs = vec![engine, lone];
    if let Some((accepted, drained)) = queued {
        runs.push(accepted);
        runs.push(drained);
    }
    runs.push(baseline);
    runs.extend(race.as_ref());
    report.push_str(&stats::table(&runs));
    report.push_str(&format!(
        "\nthroughput engine / baseline: {:.1} / {:.2} invoices/s = {ratio:.0}x\n\
         lone invoice: p50 {} ms = round trip + {:.1} ms (p90 {} ms)\n\
         physical limit: {RECORDS_PER_REQUEST} vouchers per round trip per series x {lanes} series / {} ms = {limit:.0}/s; \
         engine at {:.0} % of it\n",
        engine.throughput(),
        baseline.throughput(),
        ms(lone_p50),
        overhead * 1000.0,
        ms(lone.percentile(90.0)),
        args.latency_ms,
        100.0 * engine.throughput() / limit,
    ));
    report.push_str("\noutcomes:\n");
    for run in runs {
        report.push_str(&format!("  {:<28} {}\n", run.mode, run.outcome_summary()));
    }
    report.push('\n');
    report.push_str(&cpu_table(cpu));
    let (requests, events) = webhooks;
    report.push_str(&format!(
        "webhooks: {requests} deliveries received ({events} distinct events), {} subscription(s) to the invoice events\n",
        world.accounts.len()
    ));
    println!("{report}");
}

/// The CPU table: per run, milliseconds of CPU (user + system) per invoice of the service, of
/// PostgreSQL and of the rest of this process, the window's wall time and the service's CPU
/// seconds per wall second.
fn cpu_table(rows: &[CpuRow]) -> String {
    let per_invoice = |used: Option<Duration>, invoices: usize| match used {
        Some(used) if invoices > 0 => format!("{:.2}", used.as_secs_f64() * 1000.0 / invoices as f64),
        _ => "n/a".to_string(),
    };
    let mut text = String::from(
        "CPU time per invoice, ms (user + system): the service (its runtime's and SQLite's threads), \
         PostgreSQL (the whole local server),\n\
         the rest of this process (simulator, load, webhook receiver); from the run's first request \
         until its webhooks were delivered (API only: its last answer)\n",
    );
    text.push_str(&format!(
        "{:<28} {:>8} {:<8} {:>10} {:>11} {:>11} {:>9} {:>13}\n",
        "mode", "invoices", "", "service", "postgres", "sim+load", "wall s", "svc CPU/wall"
    ));
    let mut exited = 0;
    for row in rows {
        let usage = &row.usage;
        let wall = usage.wall.as_secs_f64();
        let utilisation = match usage.service {
            Some(service) if wall > 0.0 => format!("{:.2}", service.as_secs_f64() / wall),
            _ => "n/a".to_string(),
        };
        text.push_str(&format!(
            "{:<28} {:>8} {:<8} {:>10} {:>11} {:>11} {:>9.2} {:>13}\n",
            row.mode,
            row.invoices,
            row.counted,
            per_invoice(usage.service, row.invoices),
            per_invoice(usage.postgres, row.invoices),
            per_invoice(usage.rest, row.invoices),
            wall,
            utilisation,
        ));
        exited += usage.exited_service_threads;
    }
    if exited > 0 {
        text.push_str(&format!(
            "warning: {exited} service threads exited within a window; their CPU time there counts under sim+load\n"
        ));
    }
    text
}
