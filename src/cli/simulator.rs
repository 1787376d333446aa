//! `arca-api simulator`: ARCA's homologation, offline.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use arca_simulator::{FaultRule, Simulator};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, env = "SIMULATOR_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory of the simulator's CA (`ca.crt`, `ca.key`, `wsaa-ticket.key`); created on first run.
    #[arg(long, env = "SIMULATOR_CA_DIR", default_value = "data/simulator-ca")]
    ca_dir: PathBuf,
    /// WSAA preventive window in seconds: a second login for the same certificate and service
    /// within it, while the ticket is valid, gets `coe.alreadyAuthenticated` (0 disables).
    #[arg(long, default_value_t = 600)]
    preventive_window_secs: i64,
    /// Lifetime of the tickets WSAA issues, in seconds.
    #[arg(long, default_value_t = 43_200)]
    ticket_lifetime_secs: i64,
    /// Keep WSFEv1's state (vouchers, numbering, CAEAs, registries, the padrón) in this JSON
    /// file, so a restart keeps it.
    #[arg(long, env = "SIMULATOR_STATE_FILE")]
    state_file: Option<PathBuf>,
    /// Records per FECAESolicitar (`FECompTotXRequest`).
    #[arg(long, default_value_t = 250)]
    records_per_request: i64,
    /// Latency added to every ARCA call, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// A fault rule as JSON (repeatable), e.g. '{"operation":"loginCms","action":{"kind":"drop"},"remaining":1}'.
    #[arg(long = "fault")]
    faults: Vec<String>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let mut simulator = Simulator::from_ca_dir(&args.ca_dir)
        .with_context(|| format!("loading the CA in {}", args.ca_dir.display()))?
        .preventive_window(chrono::Duration::seconds(args.preventive_window_secs.max(0)))
        .ticket_lifetime(chrono::Duration::seconds(args.ticket_lifetime_secs.max(1)))
        .records_per_request(args.records_per_request);
    if let Some(path) = args.state_file {
        simulator = simulator.state_file(path);
    }
    if args.latency_ms > 0 {
        simulator = simulator.fault(FaultRule::latency("*", args.latency_ms));
    }
    for fault in &args.faults {
        simulator = simulator.fault(serde_json::from_str(fault).with_context(|| format!("--fault {fault}"))?);
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    eprintln!("arca-simulator listening on http://{addr}");
    eprintln!("  WSAA     http://{addr}/ws/services/LoginCms   (?wsdl)");
    eprintln!("  WSFEv1   http://{addr}/wsfev1/service.asmx   (?WSDL)");
    eprintln!("  A5       http://{addr}/sr-padron/webservices/personaServiceA5   (?wsdl)");
    eprintln!("  A13      http://{addr}/sr-padron/webservices/personaServiceA13   (?wsdl)");
    eprintln!("  WSCDC    http://{addr}/WSCDC/service.asmx");
    eprintln!("  wsfecred http://{addr}/wsfecred/FECredService   (?wsdl)");
    eprintln!("  control  http://{addr}/_sim/");
    eprintln!("  CA       {}", args.ca_dir.join("ca.crt").display());
    simulator.serve(listener, super::shutdown_signal()).await?;
    Ok(())
}
