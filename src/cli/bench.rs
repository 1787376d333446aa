//! `arca-api bench issuance`: issuance throughput and latency against the simulator with a
//! configured ARCA latency, and in the same run the one-invoice-per-request way peer libraries
//! issue (ask the last number, send last + 1), for comparison (ARCHITECTURE.md "Testing layers").
//!
//! Everything runs in this process ([`setup`]): the simulator with `--latency-ms` on every
//! operation, the service on 127.0.0.1:0 over a fresh database, an account with a certificate.
//! The load ([`load`]) goes over real HTTP (the service) or real SOAP (the baseline); [`stats`]
//! turns per-request timings into the table. Runs, in order: the engine (N invoices, C in
//! flight, each waiting for its CAE); a lone invoice (one at a time); the API alone (`Prefer:
//! respond-async`) and the engine draining what it accepted; the baseline (last + 1 under a
//! lock); and last + 1 without the lock, to show the collisions (10016) the lock avoids. It is a tool, not a test: it asserts no timing, it
//! only fails when an invoice is not approved.
//!
//! The load generator shares the machine (and its cores) with the service and the simulator,
//! so the figures are a floor for what the service alone would do.
//!
//! `arca-api bench pdf` ([`pdf`]) times the invoice PDF renderer alone, in process.
//! `arca-api bench webhooks` ([`webhooks`]) measures the outbox's webhook deliveries: events per
//! second from commit to a local receiver's 2xx, and the delay of each.

mod load;
mod pdf;
mod receiver;
mod setup;
mod stats;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use arca_service::invoices::InvoiceStatus;

use self::load::Peer;
use self::setup::{Scratch, Settings, World};
use self::stats::{Run, ms};
use super::http_client::HttpClient;

/// ARCA's limit of details per `FECAESolicitar` (`FECompTotXRequest` in homologation), the
/// simulator's default: the physical bound of throughput is this many vouchers per round trip
/// per series.
const RECORDS_PER_REQUEST: f64 = 250.0;

/// The outcome of a request whose invoice got its CAE.
const APPROVED: &str = InvoiceStatus::Approved.as_str();

/// The points of sale of each mode, far apart so that their numbering never meets.
const BASELINE_POINT_OF_SALE: u32 = 101;
const RACE_POINT_OF_SALE: u32 = 201;

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
    /// Series (points of sale) the engine's invoices are spread over, round-robin.
    #[arg(long, default_value_t = 1)]
    series: u32,
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
    if args.invoices == 0 || args.concurrency == 0 || args.series == 0 {
        return Err(anyhow!("--invoices, --concurrency and --series must be at least 1"));
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
        extra: Vec::new(),
    };
    eprintln!("starting the simulator and the service ...");
    let world = World::start(&settings, scratch).await?;
    let result = measure_in(args, &world).await;
    world.stop().await;
    result
}

async fn measure_in(args: &Args, world: &World) -> anyhow::Result<()> {
    let client = HttpClient::new(&world.base_url)?.with_timeout(Duration::from_secs(120));
    eprintln!(
        "service at {}, simulator at {}",
        client.base_url(),
        world.simulator.base_url()
    );
    let bearer = format!("Bearer {}", world.api_key.expose());
    let (status, account) = client.get_json("/v1/account", &[("authorization", &bearer)]).await?;
    if status != 200 {
        return Err(anyhow!("the service refused the bench account: {account}"));
    }

    // Warm-up: one invoice per series, so that each worker knows its last number and ARCA's
    // records per request, and the connections exist.
    for series in 0..args.series {
        let outcome = load::post_invoice(&client, &bearer, 1 + series).await;
        if outcome != APPROVED {
            return Err(anyhow!("warm-up invoice on point of sale {}: {outcome}", 1 + series));
        }
    }
    let session = world.state.arca.session(&world.account_id).await?;
    let peer = Peer {
        client: session.client,
        auth: session.auth,
    };
    let round_trip = peer.round_trip(5).await?;

    // The lone invoice first, on an idle system: right after the load, the database is still
    // busy with its aftermath (autovacuum, checkpoints), which is not the engine's latency.
    eprintln!("lone invoice: {} invoices one at a time ...", args.lone_invoices);
    let lone = {
        let (client, bearer) = (client.clone(), bearer.clone());
        load::drive("engine, lone invoice", args.lone_invoices, 1, move |_| {
            let (client, bearer) = (client.clone(), bearer.clone());
            async move { load::post_invoice(&client, &bearer, 1).await }
        })
        .await
    };

    eprintln!(
        "engine: {} invoices, {} in flight, over {} series ...",
        args.invoices, args.concurrency, args.series
    );
    let engine = {
        let (client, bearer, series) = (client.clone(), bearer.clone(), args.series);
        load::drive(
            "engine (POST /v1/invoices)",
            args.invoices,
            args.concurrency,
            move |index| {
                let (client, bearer) = (client.clone(), bearer.clone());
                async move { load::post_invoice(&client, &bearer, 1 + index as u32 % series).await }
            },
        )
        .await
    };

    let queued = if args.async_invoices > 0 {
        eprintln!(
            "queue: {} invoices accepted with respond-async, then awaited ...",
            args.async_invoices
        );
        Some(accept_then_drain(args, world, &client, &bearer).await?)
    } else {
        None
    };

    eprintln!(
        "baseline: {} vouchers, last + 1 under a lock ...",
        args.baseline_invoices
    );
    let baseline = {
        let locks: Arc<Vec<tokio::sync::Mutex<()>>> =
            Arc::new((0..args.series).map(|_| tokio::sync::Mutex::new(())).collect());
        let (peer, series) = (peer.clone(), args.series);
        load::drive(
            "last+1 per request (locked)",
            args.baseline_invoices,
            args.concurrency,
            move |index| {
                let (peer, locks) = (peer.clone(), locks.clone());
                async move {
                    let series_index = index as u32 % series;
                    let _held = locks[series_index as usize].lock().await;
                    peer.issue_last_plus_one(BASELINE_POINT_OF_SALE + series_index).await
                }
            },
        )
        .await
    };

    let race = if args.race_callers > 0 {
        let peer = peer.clone();
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
    };
    print_report(args, world, &results);
    let queue_failures = results.queued.as_ref().map_or(0, |(accepted, drained)| {
        accepted.unexpected("accepted") + drained.unexpected(APPROVED)
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

/// Accepts `--async-invoices` invoices with `respond-async` at `--concurrency` (the API's own
/// rate), then awaits each through the engine in this process until it is final. The second run
/// spans from the first request to the last approval: the engine with a queue that the API
/// fills as fast as it can.
async fn accept_then_drain(
    args: &Args,
    world: &World,
    client: &HttpClient,
    bearer: &str,
) -> anyhow::Result<(Run, Run)> {
    let ids = Arc::new(std::sync::Mutex::new(Vec::with_capacity(args.async_invoices)));
    let started = std::time::Instant::now();
    let accepted = {
        let (client, bearer, series, ids) = (client.clone(), bearer.to_string(), args.series, ids.clone());
        load::drive(
            "API only (respond-async)",
            args.async_invoices,
            args.concurrency,
            move |index| {
                let (client, bearer, ids) = (client.clone(), bearer.clone(), ids.clone());
                async move {
                    let (outcome, id) = load::post_invoice_async(&client, &bearer, 1 + index as u32 % series).await;
                    if let Some(id) = id {
                        ids.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(id);
                    }
                    outcome
                }
            },
        )
        .await
    };
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
    Ok((accepted, drained))
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
}

fn print_report(args: &Args, world: &World, results: &Results) {
    let Results {
        round_trip,
        engine,
        lone,
        queued,
        baseline,
        race,
    } = results;
    let round_trip = *round_trip;
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let limit = RECORDS_PER_REQUEST * f64::from(args.series) / (args.latency_ms.max(1) as f64 / 1000.0);
    let ratio = if baseline.throughput() > 0.0 {
        engine.throughput() / baseline.throughput()
    } else {
        f64::INFINITY
    };
    let lone_p50 = lone.percentile(50.0);
    let overhead = lone_p50.as_secs_f64() - round_trip.as_secs_f64();
    let mut report = format!(
        "\narca-api bench issuance: {} database, ARCA latency {} ms, {} series, {} cores, pool {}{}\n\
         ARCA round trip (FECompUltimoAutorizado from this process, median of 5): {} ms\n\n",
        world.dialect,
        args.latency_ms,
        args.series,
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
         physical limit: {RECORDS_PER_REQUEST} vouchers per round trip per series x {} series / {} ms = {limit:.0}/s; \
         engine at {:.0} % of it\n",
        engine.throughput(),
        baseline.throughput(),
        ms(lone_p50),
        overhead * 1000.0,
        ms(lone.percentile(90.0)),
        args.series,
        args.latency_ms,
        100.0 * engine.throughput() / limit,
    ));
    report.push_str("\noutcomes:\n");
    for run in runs {
        report.push_str(&format!("  {:<28} {}\n", run.mode, run.outcome_summary()));
    }
    println!("{report}");
}
