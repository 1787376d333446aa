//! `arca-api chaos-webhooks`: no webhook event lost and none invented while instances die,
//! checked end to end (issue 13's kill test).
//!
//! Real processes, real PostgreSQL, real HTTP:
//! 1. a simulator process and a fresh PostgreSQL database with one account whose monthly quota
//!    is smaller than the invoices posted, so some are refused with 402 (rolled-back changes:
//!    their `invoice.created` is written in a transaction that does not commit);
//! 2. two `arca-api serve` instances on that database with a short outbox lease
//!    (`OUTBOX_LEASE_TTL_MS`), so a killed instance's deliveries are soon taken over;
//! 3. a receiver in this process (real HTTP, answering 200 after a short delay so deliveries are
//!    in flight when an instance dies), subscribed to `*` through `POST /v1/webhooks`;
//! 4. clients posting invoices (and `ping`s through `POST /v1/webhooks/{id}/test`) to random
//!    instances while one instance at a time is killed with SIGKILL and restarted;
//! 5. once nothing is left to deliver, the check: every delivery the database committed
//!    (`outbox_messages` of kind `webhook`) reached the receiver at least once under its id,
//!    every committed event (`webhook_events`) arrived, nothing arrived that the database does not
//!    have (a delivery, an event, or an event about an invoice that does not exist), and every
//!    invoice that exists had its `invoice.created` delivered when the build emits it.
//!
//! It prints the counts and fails (exit 1) if a delivery is lost or invented.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use arca_service::storage::Storage;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use rand::Rng;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::chaos::{Instance, InstanceEnv, Scratch, World, hex};
use super::http_client::HttpClient;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Invoices posted (those past the quota are refused with 402).
    #[arg(long, default_value_t = 240)]
    invoices: usize,
    /// The account's monthly quota.
    #[arg(long, default_value_t = 200)]
    quota: i64,
    /// Pings (`POST /v1/webhooks/{id}/test`) posted along with the invoices.
    #[arg(long, default_value_t = 240)]
    pings: usize,
    /// SIGKILLs of service instances during the run.
    #[arg(long, default_value_t = 4)]
    kills: usize,
    /// Clients posting at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// How long the receiver holds each request before answering 200, in milliseconds.
    #[arg(long, default_value_t = 30)]
    receiver_delay_ms: u64,
    #[command(flatten)]
    scratch: Scratch,
    /// How long to wait, after the last kill, for every delivery to be over.
    #[arg(long, default_value_t = 120)]
    settle_timeout_secs: u64,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.invoices == 0 {
        bail!("--invoices and --concurrency must be at least 1");
    }
    let report = args
        .scratch
        .run("chaos-webhooks", "arca_chaos_webhooks", async |work, url| {
            run_in(&args, work, url).await
        })
        .await?;
    report.print();
    if !report.clean() {
        bail!("chaos-webhooks: a committed event was not delivered, or a delivery was invented (see the counts above)");
    }
    Ok(())
}

async fn run_in(args: &Args, work: &Path, database_url: &str) -> anyhow::Result<Report> {
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
    } = World::start(work, database_url, &[], "Chaos webhooks", Some(args.quota)).await?;

    let env = InstanceEnv {
        exe,
        work: work.to_path_buf(),
        database_url: database_url.to_string(),
        simulator_url,
        salt,
        encryption_key,
        settings: vec![
            // A killed instance's deliveries are taken over this soon (above two attempts'
            // timeouts, as the lease must be).
            ("OUTBOX_LEASE_TTL_MS", "2500".into()),
            ("OUTBOX_POLL_MS", "200".into()),
            ("WEBHOOK_TIMEOUT_MS", "1000".into()),
            // The receiver listens on 127.0.0.1 over http://.
            ("WEBHOOK_ALLOW_PRIVATE_URLS", "true".into()),
            ("LOG_LEVEL", "warn".into()),
        ],
    };
    let mut instances = Vec::new();
    for index in 0..2 {
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

    let receiver = Receiver::start(Duration::from_millis(args.receiver_delay_ms)).await?;
    let (status, subscription) = first
        .post_json(
            "/v1/webhooks",
            &json!({"url": receiver.url("/hook"), "events": ["*"], "description": "chaos"}),
            &auth,
        )
        .await?;
    if status != 201 {
        bail!("subscribing the receiver: {status} {subscription}");
    }
    let subscription_id = subscription["id"]
        .as_str()
        .ok_or_else(|| anyhow!("a subscription without id: {subscription}"))?
        .to_string();

    let urls: Vec<String> = instances.iter().map(|i| i.url.clone()).collect();
    let instances = Arc::new(Mutex::new(instances));
    let started = Instant::now();
    let load = tokio::spawn(produce(Load {
        urls,
        api_key,
        invoices: args.invoices,
        pings: args.pings,
        concurrency: args.concurrency,
        subscription_id,
    }));
    let kills = kill_and_restart(instances.clone(), &env, args.kills).await?;
    let produced = load.await.context("the load task")??;
    let submit_seconds = started.elapsed().as_secs_f64();

    let settled = settle(&storage, Duration::from_secs(args.settle_timeout_secs)).await?;
    let mut report = check(&storage, &receiver).await?;
    report.produced = produced;
    report.kills = kills;
    report.submit_seconds = submit_seconds;
    report.total_seconds = started.elapsed().as_secs_f64();
    report.settled = settled;

    for instance in instances.lock().await.iter_mut() {
        instance.kill().await;
    }
    let _ = simulator.start_kill();
    let _ = simulator.wait().await;
    storage.close().await;
    Ok(report)
}

/// Kills one instance every 0.4–1.2 s and restarts it on the same port after 0.1–0.5 s.
async fn kill_and_restart(
    instances: Arc<Mutex<Vec<Instance>>>,
    env: &InstanceEnv,
    kills: usize,
) -> anyhow::Result<usize> {
    let mut done = 0;
    while done < kills {
        let (pause, down, victim) = {
            let mut rng = rand::thread_rng();
            (rng.gen_range(400..1200), rng.gen_range(100..500), rng.gen_range(0..2))
        };
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let mut instances = instances.lock().await;
        let instance = &mut instances[victim];
        instance.kill().await;
        done += 1;
        println!(
            "chaos-webhooks: kill {done}/{kills}: instance {} (SIGKILL)",
            instance.index
        );
        tokio::time::sleep(Duration::from_millis(down)).await;
        let (index, port) = (instance.index, instance.port);
        *instance = Instance::start_on(env, index, port).await?;
    }
    Ok(done)
}

struct Load {
    urls: Vec<String>,
    api_key: String,
    invoices: usize,
    pings: usize,
    concurrency: usize,
    subscription_id: String,
}

/// What the clients got.
#[derive(Debug, Default, Clone, Copy)]
struct Produced {
    accepted: usize,
    refused_for_quota: usize,
    pings: usize,
}

/// Posts the invoices and the pings with `concurrency` clients to random instances; a
/// connection error or a 5xx is re-posted (an invoice with the same `Idempotency-Key`).
async fn produce(load: Load) -> anyhow::Result<Produced> {
    let clients = load
        .urls
        .iter()
        .map(|url| HttpClient::new(url).map(|c| c.with_timeout(Duration::from_secs(15))))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let total = load.invoices + load.pings;
    let next = Arc::new(AtomicUsize::new(0));
    let run = hex(4);
    let load = Arc::new(load);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..load.concurrency {
        let (clients, next, load, run) = (clients.clone(), next.clone(), load.clone(), run.clone());
        tasks.spawn(async move {
            let mut produced = Produced::default();
            let bearer = format!("Bearer {}", load.api_key);
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total {
                    return Ok::<_, anyhow::Error>(produced);
                }
                // One ping every few invoices, spread over the run.
                let step = (total / load.pings.max(1)).max(1);
                let ping = load.pings > 0 && index % step == 0 && index / step < load.pings;
                let key = format!("chaos-webhooks-{run}-{index}");
                let headers = [
                    ("authorization", bearer.as_str()),
                    ("idempotency-key", key.as_str()),
                    ("prefer", "respond-async"),
                ];
                let (path, body) = if ping {
                    (format!("/v1/webhooks/{}/test", load.subscription_id), json!({}))
                } else {
                    ("/v1/invoices".to_string(), invoice(index))
                };
                let deadline = Instant::now() + Duration::from_secs(60);
                loop {
                    let client = &clients[rand::thread_rng().gen_range(0..clients.len())];
                    match client.post_json(&path, &body, &headers).await {
                        Ok((200..=299, _)) if ping => {
                            produced.pings += 1;
                            break;
                        }
                        Ok((200..=299, _)) => {
                            produced.accepted += 1;
                            break;
                        }
                        Ok((402, _)) if !ping => {
                            produced.refused_for_quota += 1;
                            break;
                        }
                        Ok((status, answer)) if status < 500 => bail!("{path} refused: {status} {answer}"),
                        Ok(_) | Err(_) => {}
                    }
                    if Instant::now() > deadline {
                        bail!("{path} ({key}): no instance answered in 60 s");
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        });
    }
    let mut all = Produced::default();
    while let Some(joined) = tasks.join_next().await {
        let produced = joined.context("a client task")??;
        all.accepted += produced.accepted;
        all.refused_for_quota += produced.refused_for_quota;
        all.pings += produced.pings;
    }
    Ok(all)
}

/// A Factura B to a consumidor final, its price unique per index.
fn invoice(index: usize) -> Value {
    let cents = 10_000 + index;
    json!({
        "mode": "advanced", "tipo_comprobante": 6, "punto_venta": 1 + index % 4,
        "concepto": "productos",
        "cliente": {"documento_tipo": 99, "documento_numero": "0",
                    "razon_social": "Consumidor Final", "condicion_iva": "consumidor_final"},
        "items": [{"descripcion": "Chaos", "cantidad": 1,
                   "precio_unitario": format!("{}.{:02}", cents / 100, cents % 100), "iva_porcentaje": 21}],
    })
}

/// Waits until no invoice is pending and no webhook delivery is pending or delivering (a tool's
/// bounded poll, not a test's synchronisation).
async fn settle(storage: &Storage, timeout: Duration) -> anyhow::Result<bool> {
    let deadline = Instant::now() + timeout;
    loop {
        let queue = arca_service::storage::outbox::webhook_queue(storage).await?;
        let open_invoices = count(
            storage,
            "SELECT COUNT(*) FROM invoices WHERE status IN ('pending', 'pending_retry')",
        )
        .await?;
        let open = queue.pending + queue.retrying + queue.delivering;
        if open == 0 && open_invoices == 0 {
            return Ok(true);
        }
        if Instant::now() > deadline {
            eprintln!(
                "chaos-webhooks: {open} deliveries and {open_invoices} invoices still open after {} s",
                timeout.as_secs()
            );
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn pool(storage: &Storage) -> anyhow::Result<&sqlx::PgPool> {
    match storage {
        Storage::Postgres(pool) => Ok(pool),
        Storage::Sqlite(_) => Err(anyhow!("chaos-webhooks runs on PostgreSQL")),
    }
}

async fn count(storage: &Storage, sql: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>(sql).fetch_one(pool(storage)?).await?)
}

/// The counts the check compares.
#[derive(Debug, Default)]
struct Report {
    produced: Produced,
    kills: usize,
    submit_seconds: f64,
    total_seconds: f64,
    settled: bool,
    invoices: usize,
    events: usize,
    deliveries: usize,
    requests: usize,
    /// Deliveries the database committed that never reached the receiver.
    lost_deliveries: usize,
    /// Committed events that never arrived.
    lost_events: usize,
    /// Deliveries still not `delivered` at the end.
    not_delivered: usize,
    /// Requests whose delivery id the database does not have.
    invented_deliveries: usize,
    /// Bodies whose event id the database does not have.
    invented_events: usize,
    /// Invoice events about an invoice that does not exist (a rolled-back change).
    rolled_back_delivered: usize,
    /// Existing invoices whose `invoice.created` never arrived (when the build emits it).
    invoices_without_created: usize,
    /// Requests delivered more than once (at least once allows it; counted, not a failure).
    duplicates: usize,
    created_emitted: bool,
    /// Attempts closed as abandoned: a killed instance's deliveries another took over.
    abandoned: i64,
}

impl Report {
    fn clean(&self) -> bool {
        self.settled
            && self.lost_deliveries == 0
            && self.lost_events == 0
            && self.not_delivered == 0
            && self.invented_deliveries == 0
            && self.invented_events == 0
            && self.rolled_back_delivered == 0
            && self.invoices_without_created == 0
            && self.deliveries > 0
    }

    fn print(&self) {
        println!("chaos-webhooks: report");
        println!(
            "  posted: {} invoices accepted, {} refused for quota (rolled back), {} pings; {} kills",
            self.produced.accepted, self.produced.refused_for_quota, self.produced.pings, self.kills
        );
        println!(
            "  load {:.1} s, total {:.1} s, everything delivered or final: {}",
            self.submit_seconds, self.total_seconds, self.settled
        );
        println!(
            "  database: {} invoices, {} events, {} deliveries; receiver: {} requests ({} duplicates)",
            self.invoices, self.events, self.deliveries, self.requests, self.duplicates
        );
        if !self.created_emitted {
            println!("  note: this build emits no invoice.created: only pings and other events are checked");
        }
        println!(
            "  attempts abandoned by a killed instance and taken over: {}",
            self.abandoned
        );
        if self.abandoned == 0 {
            println!("  note: no kill landed while a delivery was in flight this time");
        }
        println!(
            "  lost deliveries (committed, never received): {}",
            self.lost_deliveries
        );
        println!("  lost events (committed, never received): {}", self.lost_events);
        println!("  deliveries not delivered at the end: {}", self.not_delivered);
        println!(
            "  invented deliveries (unknown delivery id): {}",
            self.invented_deliveries
        );
        println!("  invented events (unknown event id): {}", self.invented_events);
        println!(
            "  deliveries about a rolled-back invoice (no such invoice): {}",
            self.rolled_back_delivered
        );
        println!(
            "  invoices whose invoice.created never arrived: {}",
            self.invoices_without_created
        );
        println!("  clean: {}", self.clean());
    }
}

async fn check(storage: &Storage, receiver: &Receiver) -> anyhow::Result<Report> {
    let pool = pool(storage)?;
    let deliveries: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, status, payload FROM outbox_messages WHERE kind = 'webhook'")
            .fetch_all(pool)
            .await?;
    let events: Vec<(String, String)> = sqlx::query_as("SELECT id, type FROM webhook_events")
        .fetch_all(pool)
        .await?;
    let invoices: Vec<String> = sqlx::query_scalar("SELECT id FROM invoices").fetch_all(pool).await?;
    let received = receiver.received();
    let abandoned: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox_attempts JOIN outbox_messages ON outbox_messages.id = outbox_attempts.message_id \
         WHERE outbox_messages.kind = 'webhook' AND outbox_attempts.outcome = 'abandoned'",
    )
    .fetch_one(pool)
    .await?;

    let delivery_ids: HashSet<&str> = deliveries.iter().map(|(id, _, _)| id.as_str()).collect();
    let event_ids: HashSet<&str> = events.iter().map(|(id, _)| id.as_str()).collect();
    let invoice_ids: HashSet<&str> = invoices.iter().map(String::as_str).collect();
    let mut by_delivery: HashMap<&str, usize> = HashMap::new();
    let mut arrived_events: HashSet<&str> = HashSet::new();
    let mut created_for: HashSet<&str> = HashSet::new();
    let mut report = Report {
        invoices: invoices.len(),
        events: events.len(),
        deliveries: deliveries.len(),
        requests: received.len(),
        created_emitted: events.iter().any(|(_, kind)| kind == "invoice.created"),
        abandoned,
        ..Report::default()
    };
    for request in &received {
        *by_delivery.entry(request.delivery_id.as_str()).or_default() += 1;
        if !delivery_ids.contains(request.delivery_id.as_str()) {
            report.invented_deliveries += 1;
        }
        if !event_ids.contains(request.event_id.as_str()) {
            report.invented_events += 1;
        }
        arrived_events.insert(request.event_id.as_str());
        if request.event_type.starts_with("invoice.") {
            if !invoice_ids.contains(request.subject.as_str()) {
                report.rolled_back_delivered += 1;
            }
            if request.event_type == "invoice.created" {
                created_for.insert(request.subject.as_str());
            }
        }
    }
    report.duplicates = by_delivery.values().map(|n| n.saturating_sub(1)).sum();
    for (id, status, _) in &deliveries {
        if !by_delivery.contains_key(id.as_str()) {
            report.lost_deliveries += 1;
        }
        if status != "delivered" {
            report.not_delivered += 1;
        }
    }
    report.lost_events = events
        .iter()
        .filter(|(id, _)| !arrived_events.contains(id.as_str()))
        .count();
    if report.created_emitted {
        report.invoices_without_created = invoices.iter().filter(|id| !created_for.contains(id.as_str())).count();
    }
    Ok(report)
}

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Request {
    /// `webhook-id` (the same as `X-ARCA-Delivery-ID`).
    delivery_id: String,
    /// The body's `id`.
    event_id: String,
    event_type: String,
    /// `data.id`: the invoice an invoice event is about.
    subject: String,
}

/// A receiver on 127.0.0.1: records every request, answers 200 after `delay`.
struct Receiver {
    address: std::net::SocketAddr,
    received: Arc<StdMutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    async fn start(delay: Duration) -> anyhow::Result<Receiver> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let received = Arc::new(StdMutex::new(Vec::new()));
        let shared = received.clone();
        let task =
            arca_test_support::http_server::serve(listener, move |request| receive(shared.clone(), delay, request));
        Ok(Receiver {
            address,
            received,
            task,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn received(&self) -> Vec<Request> {
        self.received.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

async fn receive(
    received: Arc<StdMutex<Vec<Request>>>,
    delay: Duration,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let delivery_id = request
        .headers()
        .get("webhook-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    tokio::time::sleep(delay).await;
    // Recorded when answered: a request cut by a kill before its answer was not delivered.
    received.lock().unwrap_or_else(PoisonError::into_inner).push(Request {
        delivery_id,
        event_id: text(&value["id"]),
        event_type: text(&value["type"]),
        subject: text(&value["data"]["id"]),
    });
    Ok(hyper::Response::new(Full::new(Bytes::from_static(b"ok"))))
}
