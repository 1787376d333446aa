//! `arca-api chaos-contingency`: CAEA contingency under crashes, checked against ARCA's records.
//!
//! Real processes, real PostgreSQL, real HTTP and SOAP:
//! 1. a simulator process and a fresh PostgreSQL database with one account, its certificate and
//!    two contingency (CAEA) points of sale; every process shares one movable clock (the
//!    instances through `SIMULATOR_CLOCK_FILE`, the simulator through `/_sim/clock`), set to the
//!    evening of a fortnight's last day;
//! 2. several `arca-api serve` instances with `INVOICE_QUEUE_MODE=caea`, which obtain the
//!    fortnight's CAEA and prime the contingency series;
//! 3. invoices posted to random instances: first with ARCA healthy, then with ARCA's CAE
//!    service and its CAEA operations down (`/_sim/outage`) while instances are killed with
//!    SIGKILL and restarted, then after recovery, still with kills;
//! 4. once everything settled, the clock moves to the next fortnight, so the unused contingency
//!    point of sale is informed without movement;
//! 5. the check, against what the simulator stored (never our tables): every accepted invoice
//!    has exactly one voucher at ARCA — a CAE or a CAEA — no number is reused or skipped on any
//!    series, CAE or contingency, every CAEA voucher was informed (and before `FchTopeInf`),
//!    and exactly the unused contingency points of sale were informed without movement.
//!
//! Every invoice has a unique amount, so the voucher ARCA stored tells which invoice it is.
//! It prints the counts and fails (exit 1) if any of them is not zero.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use arca_service::simulator_clock::SimulatorClock;
use arca_service::storage::Storage;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::chaos::{
    Instance, InstanceEnv, Scratch, World, kill_and_restart, normalise, post_until_accepted, total_with_iva,
};
use super::http_client::HttpClient;

/// The issuer of [`World`].
const CUIT: &str = "20267565393";
/// Factura B, to an unidentified consumidor final.
const FACTURA_B: i32 = 6;
/// The contingency points of sale: invoices go to the first (the lowest-numbered), so the
/// second issues nothing and must be informed without movement.
const CONTINGENCY_POINTS: [i32; 2] = [101, 102];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Invoices to issue: a quarter before the outage, half during it, a quarter after.
    #[arg(long, default_value_t = 400)]
    invoices: usize,
    /// SIGKILLs of service instances, during and after the outage.
    #[arg(long, default_value_t = 4)]
    kills: usize,
    /// Service instances sharing the database.
    #[arg(long, default_value_t = 3)]
    instances: usize,
    /// CAE series (points of sale 1..=N, Factura B) the invoices are posted to.
    #[arg(long, default_value_t = 4)]
    series: usize,
    /// Clients posting invoices at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    #[command(flatten)]
    scratch: Scratch,
    /// How long to wait for each phase to settle (grants, final invoices, reports).
    #[arg(long, default_value_t = 180)]
    settle_timeout_secs: u64,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if args.instances < 2 || args.series == 0 || args.concurrency == 0 || args.invoices < 4 {
        bail!("--instances must be at least 2, --series and --concurrency at least 1, --invoices at least 4");
    }
    let report = args
        .scratch
        .run("chaos-contingency", "arca_chaos_caea", async |work, url| {
            run_in(&args, work, url).await
        })
        .await?;
    report.print();
    if !report.clean() {
        bail!("chaos-contingency: exactly-once issuance or CAEA reporting violated (see the counts above)");
    }
    Ok(())
}

/// The shared clock: the instances read the offset from a file, the simulator is told.
struct SharedClock {
    file: std::path::PathBuf,
    sim: HttpClient,
}

impl SharedClock {
    /// Sets every process's time to `at`.
    async fn set(&self, at: DateTime<Utc>) -> anyhow::Result<()> {
        // Whole seconds: the simulator takes its offset in seconds, and both clocks must agree
        // (a voucher's generation time after ARCA's processing time is refused, 1441).
        let offset_seconds = (at - Utc::now()).num_seconds();
        SimulatorClock::set_offset(&self.file, offset_seconds * 1000).context("writing the clock file")?;
        let (status, body) = self
            .sim
            .post_json("/_sim/clock", &json!({"offset_seconds": offset_seconds}), &[])
            .await?;
        if status >= 300 {
            bail!("setting the simulator's clock: {status} {body}");
        }
        Ok(())
    }
}

/// 21:00 in Argentina (UTC−3) of `day`.
fn argentina_evening(day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_time(NaiveTime::from_hms_opt(21, 0, 0).unwrap_or_default());
    Utc.from_utc_datetime(&(local + chrono::Duration::hours(3)))
}

/// The last day of the fortnight `day` falls in.
fn fortnight_end(day: NaiveDate) -> NaiveDate {
    if day.day() <= 15 {
        return day.with_day(15).unwrap_or(day);
    }
    let first_of_next = if day.month() == 12 {
        NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
    };
    first_of_next.map_or(day, |first| first - chrono::Duration::days(1))
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
    } = World::start(work, database_url, &[], "Chaos contingency", None).await?;
    let sim = HttpClient::new(&simulator_url)?.with_timeout(Duration::from_secs(10));

    // ARCA's registry: CAE points of sale 1..=series and the contingency ones.
    let mut points: Vec<Value> = (1..=args.series)
        .map(|nro| json!({"nro": nro, "emision_tipo": "CAE - Ri Iva"}))
        .collect();
    points.extend(
        CONTINGENCY_POINTS
            .iter()
            .map(|nro| json!({"nro": nro, "emision_tipo": "CAEA - Ri Iva - Contingencias"})),
    );
    let (status, body) = sim.put_json("/_sim/points-of-sale", &json!(points), &[]).await?;
    if status >= 300 {
        bail!("registering the simulator's points of sale: {status} {body}");
    }

    // The service signs its WSAA requests with the machine's time: the certificate's login
    // happens before the clocks move, and its ticket outlives the run.
    let (status, body) = sim
        .post_json("/_sim/wsaa", &json!({"ticket_lifetime_seconds": 30 * 24 * 3600}), &[])
        .await?;
    if status >= 300 {
        bail!("setting the simulator's ticket lifetime: {status} {body}");
    }
    let clock = SharedClock {
        file: work.join("clock"),
        sim: sim.clone(),
    };
    let today = (Utc::now() - chrono::Duration::hours(3)).date_naive();
    let last_day = fortnight_end(today);

    let env = InstanceEnv {
        exe,
        work: work.to_path_buf(),
        database_url: database_url.to_string(),
        simulator_url: simulator_url.clone(),
        salt,
        encryption_key,
        settings: vec![
            // Simulator mode against the standalone simulator (both URLs set): the shared clock
            // file is honoured only there.
            ("ARCA_ENVIRONMENT", "simulator".into()),
            ("SIMULATOR_CLOCK_FILE", work.join("clock").display().to_string()),
            ("INVOICE_QUEUE_MODE", "caea".into()),
            ("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "2".into()),
            ("CIRCUIT_BREAKER_OPEN_SECONDS", "2".into()),
            ("CAEA_CHECK_INTERVAL_MS", "1000".into()),
            ("CAEA_REPORT_INTERVAL_MS", "500".into()),
            ("LOG_LEVEL", "warn,arca_service::contingency=info".into()),
        ],
    };
    let mut instances = Vec::new();
    for index in 0..args.instances {
        instances.push(Instance::start(&env, index).await?);
    }
    let first = HttpClient::new(&instances[0].url)?.with_timeout(Duration::from_secs(15));
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
    // Everyone's time: the evening of the current fortnight's last day (Argentina).
    clock
        .set(argentina_evening(last_day).max(Utc::now() + chrono::Duration::minutes(1)))
        .await?;
    for numero in CONTINGENCY_POINTS {
        let point = json!({"numero": numero, "tipo_emision": "CAEA - Ri Iva - Contingencias", "contingencia": true,
                           "descripcion": "Contingencia"});
        let (status, body) = first.post_json("/v1/points-of-sale", &point, &auth).await?;
        if status != 201 {
            bail!("creating contingency point of sale {numero}: {status} {body}");
        }
    }
    let timeout = Duration::from_secs(args.settle_timeout_secs);
    let caea = wait_for_grant(&first, &auth, timeout).await?;
    println!("chaos-contingency: CAEA {caea} granted and contingency series primed");

    let urls: Vec<String> = instances.iter().map(|i| i.url.clone()).collect();
    let instances = Arc::new(Mutex::new(instances));
    let load = Load {
        urls,
        api_key: api_key.clone(),
        series: args.series,
        concurrency: args.concurrency,
        next: Arc::new(AtomicUsize::new(0)),
        run: format!("{:x}", rand::random::<u32>()),
    };
    let started = Instant::now();
    let quarter = args.invoices / 4;
    let mut accepted = load.post(quarter).await?;

    // ARCA's CAE service goes down, and its CAEA operations with it.
    set_outage(&sim, true).await?;
    let during = tokio::spawn({
        let load = load.clone();
        let count = args.invoices - 2 * quarter;
        async move { load.post(count).await }
    });
    let kills_during = kill_and_restart(instances.clone(), &env, args.kills / 2).await?;
    accepted.extend(during.await.context("the load task")??);

    // ARCA recovers; instances still die.
    set_outage(&sim, false).await?;
    let after = tokio::spawn({
        let load = load.clone();
        async move { load.post(quarter).await }
    });
    let kills_after = kill_and_restart(instances.clone(), &env, args.kills - args.kills / 2).await?;
    accepted.extend(after.await.context("the load task")??);
    let submit_seconds = started.elapsed().as_secs_f64();

    let settled = settle(&storage, timeout).await?;
    // The fortnight ends: the unused contingency point of sale is informed without movement.
    clock
        .set(argentina_evening(last_day + chrono::Duration::days(1)))
        .await?;
    let informed = wait_for_no_movement(&sim, &caea, CONTINGENCY_POINTS[1], timeout).await?;
    let total_seconds = started.elapsed().as_secs_f64();

    let today = (last_day + chrono::Duration::days(1)).format("%Y%m%d").to_string();
    let mut report = check(&first, &auth, &sim, args.series, &accepted, &today).await?;
    report.posted = args.invoices;
    report.kills = kills_during + kills_after;
    report.submit_seconds = submit_seconds;
    report.total_seconds = total_seconds;
    report.settled = settled && informed;

    for instance in instances.lock().await.iter_mut() {
        instance.stop().await;
    }
    let _ = simulator.start_kill();
    let _ = simulator.wait().await;
    storage.close().await;
    Ok(report)
}

async fn set_outage(sim: &HttpClient, down: bool) -> anyhow::Result<()> {
    let (status, body) = sim
        .post_json("/_sim/outage", &json!({"cae": down, "caea": down}), &[])
        .await?;
    if status >= 300 {
        bail!("setting the simulator's outage: {status} {body}");
    }
    println!(
        "chaos-contingency: ARCA's CAE service and CAEA operations {}",
        if down { "down" } else { "back up" }
    );
    Ok(())
}

/// Waits until the account has the current fortnight's CAEA and every contingency series of
/// Factura B is primed; returns the CAEA (a tool's bounded poll).
async fn wait_for_grant(client: &HttpClient, auth: &[(&str, &str)], timeout: Duration) -> anyhow::Result<String> {
    let deadline = Instant::now() + timeout;
    loop {
        let (status, body) = client.get_json("/v1/contingency", auth).await?;
        if status == 200 {
            let caea = body["caea_actual"]["caea"].as_str().map(String::from);
            let primed = CONTINGENCY_POINTS.iter().all(|point| {
                body["series"].as_array().into_iter().flatten().any(|series| {
                    series["punto_venta"].as_i64() == Some(i64::from(*point))
                        && series["tipo_comprobante"].as_i64() == Some(i64::from(FACTURA_B))
                })
            });
            if let (Some(caea), true) = (caea, primed) {
                return Ok(caea);
            }
        }
        if Instant::now() > deadline {
            bail!(
                "no CAEA or unprimed series after {} s: {status} {body}",
                timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Waits until the simulator holds `point`'s no-movement notice for `caea`.
async fn wait_for_no_movement(sim: &HttpClient, caea: &str, point: i32, timeout: Duration) -> anyhow::Result<bool> {
    let deadline = Instant::now() + timeout;
    loop {
        let (status, body) = sim.get_json("/_sim/caea", &[]).await?;
        if status != 200 {
            bail!("listing the simulator's CAEA records: {status} {body}");
        }
        let informed = body["no_movement"].as_array().into_iter().flatten().any(|notice| {
            notice["caea"].as_str() == Some(caea) && notice["pto_vta"].as_i64() == Some(i64::from(point))
        });
        if informed {
            return Ok(true);
        }
        if Instant::now() > deadline {
            eprintln!(
                "chaos-contingency: point of sale {point} not informed without movement after {} s",
                timeout.as_secs()
            );
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Waits until no invoice is pending and no CAEA voucher waits to be informed (a tool's bounded
/// poll of the database, for timing only: the check reads the simulator).
async fn settle(storage: &Storage, timeout: Duration) -> anyhow::Result<bool> {
    let Storage::Postgres(pool) = storage else {
        return Err(anyhow!("chaos-contingency runs on PostgreSQL"));
    };
    let deadline = Instant::now() + timeout;
    loop {
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM invoices WHERE status IN ('pending', 'pending_retry') \
             OR informe_estado IN ('pendiente', 'en_curso')",
        )
        .fetch_one(pool)
        .await?;
        if open == 0 {
            return Ok(true);
        }
        if Instant::now() > deadline {
            eprintln!(
                "chaos-contingency: {open} invoices still open or unreported after {} s",
                timeout.as_secs()
            );
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// An invoice an instance accepted: its id and its unique total.
#[derive(Debug, Clone)]
struct Accepted {
    id: String,
    imp_total: String,
}

/// Posts invoices over the CAE series to random instances, each with its own key and amount.
#[derive(Clone)]
struct Load {
    urls: Vec<String>,
    api_key: String,
    series: usize,
    concurrency: usize,
    /// The next invoice's index, over every phase: amounts never repeat.
    next: Arc<AtomicUsize>,
    run: String,
}

impl Load {
    async fn post(&self, count: usize) -> anyhow::Result<Vec<Accepted>> {
        let clients = self
            .urls
            .iter()
            .map(|url| HttpClient::new(url).map(|c| c.with_timeout(Duration::from_secs(15))))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let end = self.next.load(Ordering::Relaxed) + count;
        let mut tasks = Vec::new();
        for _ in 0..self.concurrency {
            let (clients, load) = (clients.clone(), self.clone());
            tasks.push(tokio::spawn(async move {
                let mut accepted = Vec::new();
                loop {
                    let index = load.next.fetch_add(1, Ordering::Relaxed);
                    if index >= end {
                        return Ok::<_, anyhow::Error>(accepted);
                    }
                    let punto_venta = index % load.series + 1;
                    let cents = 10_000 + index;
                    let price = format!("{}.{:02}", cents / 100, cents % 100);
                    let body = json!({
                        "mode": "advanced", "tipo_comprobante": FACTURA_B, "punto_venta": punto_venta,
                        "concepto": "productos",
                        "cliente": {"documento_tipo": 99, "documento_numero": "0",
                                    "razon_social": "Consumidor Final", "condicion_iva": "consumidor_final"},
                        "items": [{"descripcion": "Contingencia", "cantidad": 1, "precio_unitario": price,
                                   "iva_porcentaje": 21}],
                    });
                    let key = format!("caea-{}-{index}", load.run);
                    let id = post_until_accepted(&clients, &load.api_key, &key, &body).await?;
                    accepted.push(Accepted {
                        id,
                        imp_total: total_with_iva(cents),
                    });
                }
            }));
        }
        let mut all = Vec::with_capacity(count);
        for task in tasks {
            all.extend(task.await.context("a client task")??);
        }
        // Indices past `end` were taken by tasks that stopped: put the counter back.
        self.next.store(end, Ordering::Relaxed);
        Ok(all)
    }
}

/// The counts the run is judged by.
#[derive(Debug, Default)]
struct Report {
    posted: usize,
    accepted: usize,
    /// Accepted invoices ARCA holds under a CAE, and under a CAEA.
    with_cae: usize,
    with_caea: usize,
    /// Accepted invoices ARCA holds nothing for (and that are not CAEA vouchers).
    lost: usize,
    /// Vouchers at ARCA beyond one per invoice, or belonging to no invoice.
    duplicates: usize,
    /// Numbers used twice in a series at ARCA.
    numbers_reused: usize,
    /// Missing numbers in a series' sequence at ARCA.
    gaps: usize,
    /// Invoices the API shows as issued under a CAEA that ARCA was never informed of.
    uninformed: usize,
    /// CAEA vouchers informed after their CAEA's `FchTopeInf`.
    late: usize,
    /// Unused contingency points of sale not informed without movement, or used ones that were.
    no_movement_wrong: usize,
    /// Invoices whose number, point of sale or code at ARCA differs from what the API shows.
    mismatches: usize,
    vouchers_at_arca: usize,
    kills: usize,
    submit_seconds: f64,
    total_seconds: f64,
    settled: bool,
}

impl Report {
    fn clean(&self) -> bool {
        self.settled
            && self.accepted == self.posted
            && self.with_caea > 0
            && self.lost == 0
            && self.duplicates == 0
            && self.numbers_reused == 0
            && self.gaps == 0
            && self.uninformed == 0
            && self.late == 0
            && self.no_movement_wrong == 0
            && self.mismatches == 0
    }

    fn print(&self) {
        println!(
            "chaos-contingency: {} invoices posted, {} accepted, {} kills; submitted in {:.1} s, all settled and informed after {:.1} s",
            self.posted, self.accepted, self.kills, self.submit_seconds, self.total_seconds
        );
        println!(
            "chaos-contingency: at ARCA {} vouchers: {} invoices with a CAE, {} with a CAEA",
            self.vouchers_at_arca, self.with_cae, self.with_caea
        );
        println!(
            "chaos-contingency: duplicates {}  lost {}  numbers reused {}  gaps {}  uninformed {}  late {}  no-movement wrong {}  mismatches {}",
            self.duplicates,
            self.lost,
            self.numbers_reused,
            self.gaps,
            self.uninformed,
            self.late,
            self.no_movement_wrong,
            self.mismatches
        );
        println!("chaos-contingency: {}", if self.clean() { "OK" } else { "FAILED" });
    }
}

/// A voucher as the simulator's control API lists it.
#[derive(Debug)]
struct Stored {
    pto_vta: i64,
    number: i64,
    code: String,
    caea: bool,
}

async fn check(
    api: &HttpClient,
    auth: &[(&str, &str)],
    sim: &HttpClient,
    series: usize,
    accepted: &[Accepted],
    today: &str,
) -> anyhow::Result<Report> {
    let mut report = Report {
        accepted: accepted.len(),
        ..Report::default()
    };
    // ARCA's vouchers, per series: the CAE points of sale and the contingency ones.
    let points = (1..=i64::try_from(series).unwrap_or(0)).chain(CONTINGENCY_POINTS.iter().map(|p| i64::from(*p)));
    let mut by_total: HashMap<String, Vec<Stored>> = HashMap::new();
    let mut numbers: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for point in points {
        let path = format!("/_sim/vouchers?cuit={CUIT}&pto_vta={point}&cbte_tipo={FACTURA_B}");
        let (status, body) = sim.get_json(&path, &[]).await?;
        if status != 200 {
            bail!("listing the simulator's vouchers: {status} {body}");
        }
        for entry in body["series"].as_array().into_iter().flatten() {
            for voucher in entry["vouchers"].as_array().into_iter().flatten() {
                let stored = Stored {
                    pto_vta: point,
                    number: voucher["cbte_desde"].as_i64().unwrap_or(-1),
                    code: voucher["cod_autorizacion"].as_str().unwrap_or_default().to_string(),
                    caea: voucher["emision_tipo"].as_str() == Some("CAEA"),
                };
                numbers.entry(point).or_default().push(stored.number);
                report.vouchers_at_arca += 1;
                let total = normalise(voucher["imp_total"].as_str().unwrap_or_default());
                by_total.entry(total).or_default().push(stored);
            }
        }
    }
    for (_, mut used) in numbers {
        used.sort_unstable();
        let before = used.len();
        used.dedup();
        report.numbers_reused += before - used.len();
        let expected = 1..=i64::try_from(used.len()).unwrap_or(0);
        report.gaps += expected.filter(|n| used.binary_search(n).is_err()).count();
    }

    // Per accepted invoice: what ARCA holds under its amount, against what the API shows.
    let mut claimed = 0;
    for invoice in accepted {
        let (status, view) = api.get_json(&format!("/v1/invoices/{}", invoice.id), auth).await?;
        if status != 200 {
            report.lost += 1;
            continue;
        }
        let under_caea = view["tipo_autorizacion"].as_str() == Some("CAEA");
        let vouchers = by_total
            .get(&normalise(&invoice.imp_total))
            .map(Vec::as_slice)
            .unwrap_or_default();
        claimed += vouchers.len();
        report.duplicates += vouchers.len().saturating_sub(1);
        let Some(voucher) = vouchers.first() else {
            if under_caea {
                report.uninformed += 1;
            } else {
                report.lost += 1;
            }
            continue;
        };
        if voucher.caea {
            report.with_caea += 1;
        } else {
            report.with_cae += 1;
        }
        let code = view["caea"].as_str().or(view["cae"].as_str()).unwrap_or_default();
        let same = voucher.caea == under_caea
            && view["numero"].as_i64() == Some(voucher.number)
            && view["punto_venta"].as_i64() == Some(voucher.pto_vta)
            && code == voucher.code;
        if !same {
            report.mismatches += 1;
        }
    }
    report.duplicates += report.vouchers_at_arca.saturating_sub(claimed);

    // The simulator's CAEA records: when each voucher was informed, the grants' deadlines and
    // the no-movement notices.
    let (status, records) = sim.get_json("/_sim/caea", &[]).await?;
    if status != 200 {
        bail!("listing the simulator's CAEA records: {status} {records}");
    }
    let deadlines: HashMap<String, String> = records["grants"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|grant| grant["cuit"].as_i64().map(|c| c.to_string()).as_deref() == Some(CUIT))
        .filter_map(|grant| {
            Some((
                grant["caea"].as_str()?.to_string(),
                grant["fch_tope_inf"].as_str()?.to_string(),
            ))
        })
        .collect();
    for voucher in records["vouchers"].as_array().into_iter().flatten() {
        let caea = voucher["caea"].as_str().unwrap_or_default();
        let informed = voucher["informed_at"]
            .as_str()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .map(|at| {
                (at.with_timezone(&Utc) - chrono::Duration::hours(3))
                    .format("%Y%m%d")
                    .to_string()
            });
        match (deadlines.get(caea), informed) {
            (Some(deadline), Some(informed)) if informed <= *deadline => {}
            _ => report.late += 1,
        }
    }
    let notices: Vec<(String, i64)> = records["no_movement"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| Some((n["caea"].as_str()?.to_string(), n["pto_vta"].as_i64()?)))
        .collect();
    for caea in deadlines.keys() {
        for point in CONTINGENCY_POINTS.map(i64::from) {
            let used = records["vouchers"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|v| v["caea"].as_str() == Some(caea.as_str()) && v["pto_vta"].as_i64() == Some(point));
            let notified = notices.iter().any(|(c, p)| c == caea && *p == point);
            // Only the fortnight that ended is due; a later one may still be open.
            let ended = records["grants"].as_array().into_iter().flatten().any(|grant| {
                grant["caea"].as_str() == Some(caea.as_str())
                    && grant["fch_vig_hasta"].as_str().is_some_and(|until| until < today)
            });
            if (used && notified) || (ended && !used && !notified) {
                report.no_movement_wrong += 1;
            }
        }
    }
    Ok(report)
}
