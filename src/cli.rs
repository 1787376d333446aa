//! The command line: one module per subcommand, one `match` to dispatch.

mod accounts;
// Load-generator arithmetic on small counts (indexes, series, percentiles); nothing it computes
// is a fiscal value.
#[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap, clippy::cast_sign_loss)]
mod bench;
mod cert;
mod chaos;
mod chaos_contingency;
mod chaos_webhooks;
mod healthcheck;
pub mod http_client;
mod invoice;
mod maintenance;
mod mcp;
mod migrate;
mod serve;
mod simulator;
mod smoke;
mod webhooks;
mod wsaa;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "arca-api",
    version,
    about = "Argentine electronic invoices through ARCA, as a REST service"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the REST service (zero setup: SQLite under ./data and the simulator in-process).
    Serve(serve::Args),
    /// Database migrations: up, down [N], status.
    #[command(subcommand)]
    Migrate(migrate::Command),
    /// Accounts and their first API key.
    #[command(subcommand)]
    Accounts(accounts::Command),
    /// Run the offline ARCA simulator (WSAA + control API) over HTTP.
    Simulator(simulator::Args),
    /// Certificates: the simulator's CA, client certificates, CSRs for ARCA.
    #[command(subcommand)]
    Cert(cert::Command),
    /// Talk to WSAA directly.
    #[command(subcommand)]
    Wsaa(wsaa::Command),
    /// Benchmarks against the in-process simulator.
    #[command(subcommand)]
    Bench(bench::Command),
    /// Kill service instances while they issue, then check exactly-once issuance (PostgreSQL).
    Chaos(chaos::Args),
    /// Kill service instances while they deliver webhooks, then check that every committed event
    /// was delivered and none invented (PostgreSQL).
    ChaosWebhooks(chaos_webhooks::Args),
    /// Take ARCA's CAE service down while instances issue and are killed, then check that every
    /// invoice got exactly one CAE or CAEA and every CAEA voucher was reported (PostgreSQL).
    ChaosContingency(chaos_contingency::Args),
    /// Invoices, for operators: `invoice pdf ID --out FILE` writes an approved invoice's PDF.
    #[command(subcommand)]
    Invoice(invoice::Command),
    /// Maintenance mode for every instance: on, off, status.
    #[command(subcommand)]
    Maintenance(maintenance::Command),
    /// A Model Context Protocol server over stdio for AI assistants, working against a running
    /// arca-api (`ARCA_API_URL`, `ARCA_API_KEY`).
    Mcp(mcp::Args),
    /// Exit 0 when a running instance's `/health` answers 200 `ok`, 1 otherwise (the container
    /// image's HEALTHCHECK).
    Healthcheck(healthcheck::Args),
    /// Issue one sandbox invoice through a running service and check its CAE (exit 0/1).
    Smoke(smoke::Args),
    /// Webhooks, for development: `webhooks listen --port P [--secret whsec_…]` receives,
    /// verifies and prints deliveries.
    #[command(subcommand)]
    Webhooks(webhooks::Command),
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Migrate(command) => migrate::run(command).await,
            Command::Accounts(command) => accounts::run(command).await,
            Command::Simulator(args) => simulator::run(args).await,
            Command::Cert(command) => cert::run(command),
            Command::Wsaa(command) => wsaa::run(command).await,
            Command::Bench(command) => bench::run(command).await,
            Command::Chaos(args) => chaos::run(args).await,
            Command::ChaosWebhooks(args) => chaos_webhooks::run(args).await,
            Command::ChaosContingency(args) => chaos_contingency::run(args).await,
            Command::Invoice(command) => invoice::run(command).await,
            Command::Maintenance(command) => maintenance::run(command).await,
            Command::Smoke(args) => smoke::run(args).await,
            Command::Mcp(args) => mcp::run(args).await,
            Command::Healthcheck(args) => healthcheck::run(args).await,
            Command::Webhooks(command) => webhooks::run(command).await,
        }
    }
}

impl Cli {
    /// The log filter when neither `LOG_LEVEL` nor `RUST_LOG` sets one: `info`, except for the
    /// benchmark, whose per-request log lines would bury its report (and cost it time), and the
    /// MCP server.
    pub fn default_log_level(&self) -> &'static str {
        match self.command {
            Command::Bench(_) => "warn",
            // An assistant shows an MCP server's stderr as its log: warnings and errors only.
            Command::Mcp(_) | Command::Healthcheck(_) => "warn",
            _ => "info",
        }
    }
}

/// Logs to stderr; `LOG_LEVEL` (or `RUST_LOG`) sets the filter, else `default_level`;
/// `LOG_FORMAT=json` the format (one object per line: `timestamp`, `level`, `service`,
/// `trace_id`, `message`, context).
pub fn init_logging(default_level: &str) {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = std::env::var("LOG_LEVEL")
        .ok()
        .and_then(|level| EnvFilter::try_new(level).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new(default_level));
    // PostgreSQL's notices ("relation _sqlx_migrations already exists, skipping") are noise.
    let filter = match "sqlx::postgres::notice=warn".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    if std::env::var("LOG_FORMAT").is_ok_and(|f| f == "json") {
        arca_service::logging::json_subscriber(filter, std::io::stderr).init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
