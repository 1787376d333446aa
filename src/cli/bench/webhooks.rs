//! `arca-api bench webhooks`: how many webhook events a second the outbox delivers, from the
//! commit of the transaction that wrote them to a local receiver's 2xx, and the delay of each
//! (p50, p99), on SQLite or PostgreSQL.
//!
//! Everything runs in this process: the service ([`super::setup::World`], its dispatcher with
//! the real HTTP delivery, signing every request), a real HTTP receiver on 127.0.0.1:0 that
//! answers 204 at once ([`super::receiver`]), and `--producers` tasks that each commit transactions of
//! `--events-per-transaction` events written by `webhooks::events::emit` after a row standing for
//! the change that causes them (an `alert_marks` row), as the service's own changes do, then wake
//! the dispatcher (`outbox::wake_all`). There are `--subscriptions`
//! subscriptions of the one account, each taking one event type, so every event has exactly one
//! delivery and the endpoints share the load (`WEBHOOK_ENDPOINT_CONCURRENCY` each).
//!
//! The figures: events per second from the first commit to the last 2xx, and each event's delay
//! from its commit to its first 2xx. It is a tool, not a test: it asserts no timing; it fails
//! only when an event is not delivered within `--timeout-secs`. The producers, the receiver and
//! the database share the machine's cores with the dispatcher, so the figures are a floor.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use arca_service::webhooks::events::{Event, EventType, emit};
use serde_json::json;

use super::receiver::{Receiver, subscribe};
use super::setup::{Scratch, Settings, World};
use super::stats::{ms, percentile};

/// Every invoice event: `bench webhooks`' subscriptions take one each (in this order),
/// `bench issuance`'s subscription all of them.
pub(super) const INVOICE_EVENTS: [EventType; 6] = [
    EventType::InvoiceCreated,
    EventType::InvoiceApproved,
    EventType::InvoiceFailed,
    EventType::InvoicePendingRetry,
    EventType::InvoiceUpdated,
    EventType::InvoiceCancelled,
];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Events written (and delivered, once each).
    #[arg(long, default_value_t = 20_000)]
    events: usize,
    /// Subscriptions of the account (1 to 6), each taking one event type: the events are spread
    /// over them round-robin.
    #[arg(long, default_value_t = 4)]
    subscriptions: usize,
    /// Tasks committing events at once.
    #[arg(long, default_value_t = 4)]
    producers: usize,
    /// Events per transaction (an approval batch writes many in one).
    #[arg(long, default_value_t = 1)]
    events_per_transaction: usize,
    /// Deliveries in flight to one endpoint per instance (`WEBHOOK_ENDPOINT_CONCURRENCY`).
    #[arg(long, default_value_t = 4)]
    endpoint_concurrency: u32,
    /// `postgres://host:port/db` (a fresh database `arca_bench_<random>` is created there and
    /// dropped at the end) or `sqlite://FILE`. Default: a fresh SQLite file in a temporary
    /// directory.
    #[arg(long)]
    database_url: Option<String>,
    /// Connections in the service's pool (`DATABASE_POOL_SIZE`).
    #[arg(long, default_value_t = 20)]
    pool_size: u32,
    /// Give up when the events are not all delivered after this long.
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if args.events == 0 || args.producers == 0 || args.events_per_transaction == 0 {
        return Err(anyhow!(
            "--events, --producers and --events-per-transaction must be at least 1"
        ));
    }
    if !(1..=INVOICE_EVENTS.len()).contains(&args.subscriptions) {
        return Err(anyhow!(
            "--subscriptions must be between 1 and {}",
            INVOICE_EVENTS.len()
        ));
    }
    let scratch = Scratch::create(args.database_url.as_deref()).await?;
    let result = measure(&args, &scratch).await;
    scratch.remove().await;
    result
}

async fn measure(args: &Args, scratch: &Scratch) -> anyhow::Result<()> {
    let settings = Settings {
        pool_size: args.pool_size,
        redis_url: None,
        latency_ms: 0,
        requests_per_minute: 10_000,
        accounts: 1,
        extra: vec![
            ("WEBHOOK_ENDPOINT_CONCURRENCY", args.endpoint_concurrency.to_string()),
            // The receiver is on 127.0.0.1 (simulator mode allows it anyway).
            ("WEBHOOK_ALLOW_PRIVATE_URLS", "true".to_string()),
        ],
    };
    eprintln!("starting the service ...");
    let world = World::start(&settings, scratch).await?;
    let result = measure_in(args, &world).await;
    world.stop().await;
    result
}

async fn measure_in(args: &Args, world: &World) -> anyhow::Result<()> {
    let receiver = Receiver::start().await?;
    for (index, event_type) in INVOICE_EVENTS.iter().take(args.subscriptions).enumerate() {
        let url = receiver.url(&format!("/hook/{index}"));
        subscribe(world, &world.accounts[0].id, &url, &[event_type.as_str()])
            .await
            .with_context(|| format!("subscribing {url}"))?;
    }
    eprintln!(
        "{} events, {} producers, {} per transaction, {} subscriptions at {} in flight each, on {} ...",
        args.events,
        args.producers,
        args.events_per_transaction,
        args.subscriptions,
        args.endpoint_concurrency,
        world.dialect
    );
    let committed: Arc<Mutex<HashMap<String, Instant>>> = Arc::new(Mutex::new(HashMap::with_capacity(args.events)));
    let run = arca_service::storage::new_id("bench");
    let started = Instant::now();
    let mut producers = tokio::task::JoinSet::new();
    let per_producer = args.events.div_ceil(args.producers);
    for producer in 0..args.producers {
        let first = producer * per_producer;
        let last = (first + per_producer).min(args.events);
        let (storage, account, committed) = (
            world.state.storage.clone(),
            world.accounts[0].id.clone(),
            committed.clone(),
        );
        let (batch, subscriptions, run) = (args.events_per_transaction, args.subscriptions, run.clone());
        producers.spawn(async move {
            let mut index = first;
            while index < last {
                let end = (index + batch).min(last);
                let mut transaction = storage.begin().await?;
                let now = chrono::Utc::now();
                let mut ids = Vec::with_capacity(end - index);
                // The change the events are about comes first, as in every real cause (an
                // invoice row, an approval): a row of its own. On SQLite a transaction that
                // read first could not then write once another writer had committed.
                arca_service::storage::webhooks::mark_once(&mut transaction, &format!("bench:{run}:{index}"), now)
                    .await?;
                for n in index..end {
                    let event = Event {
                        account_id: account.clone(),
                        event_type: INVOICE_EVENTS[n % subscriptions],
                        data: json!({"id": format!("inv_bench_{n}"), "status": "approved", "numero": n}),
                    };
                    if let Some(id) = emit(&mut transaction, &event, now).await? {
                        ids.push(id);
                    }
                }
                transaction.commit().await?;
                let at = Instant::now();
                arca_service::outbox::wake_all();
                let mut committed = committed.lock().unwrap_or_else(PoisonError::into_inner);
                for id in ids {
                    committed.insert(id, at);
                }
                index = end;
            }
            Ok::<(), arca_service::Error>(())
        });
    }
    while let Some(joined) = producers.join_next().await {
        joined.context("a producer stopped")??;
    }
    let produced = started.elapsed();
    let expected = committed.lock().unwrap_or_else(PoisonError::into_inner).len();
    if expected != args.events {
        return Err(anyhow!(
            "{} events had no subscriber (expected {})",
            args.events - expected,
            args.events
        ));
    }
    let arrived = receiver
        .wait_for(expected, Duration::from_secs(args.timeout_secs))
        .await;
    let wall = started.elapsed();
    let committed = committed.lock().unwrap_or_else(PoisonError::into_inner);
    let mut delays = Vec::with_capacity(expected);
    let mut missing = 0;
    for (id, at) in committed.iter() {
        match arrived.get(id) {
            Some(first) => delays.push(first.saturating_duration_since(*at)),
            None => missing += 1,
        }
    }
    delays.sort();
    let requests = receiver.requests();
    let last_arrival = arrived.values().max().copied().unwrap_or(started);
    let span = last_arrival.saturating_duration_since(started);
    println!();
    println!(
        "webhooks on {}: {} events, {} subscriptions, endpoint concurrency {}, {} producers x {} per transaction",
        world.dialect,
        args.events,
        args.subscriptions,
        args.endpoint_concurrency,
        args.producers,
        args.events_per_transaction
    );
    println!(
        "  written in {:.2} s ({:.0} events/s committed)",
        produced.as_secs_f64(),
        args.events as f64 / produced.as_secs_f64().max(f64::EPSILON)
    );
    println!(
        "  delivered in {:.2} s from the first commit: {:.0} events/s (commit to 2xx)",
        span.as_secs_f64(),
        (expected - missing) as f64 / span.as_secs_f64().max(f64::EPSILON)
    );
    println!(
        "  delay commit -> 2xx: p50 {} ms, p99 {} ms, max {} ms",
        ms(percentile(&delays, 50.0)),
        ms(percentile(&delays, 99.0)),
        ms(delays.last().copied().unwrap_or_default())
    );
    println!(
        "  requests received {} (duplicates {}), waited {:.2} s in all",
        requests,
        requests.saturating_sub(arrived.len()),
        wall.as_secs_f64()
    );
    if missing > 0 {
        return Err(anyhow!(
            "{missing} events were not delivered within {} s",
            args.timeout_secs
        ));
    }
    Ok(())
}
