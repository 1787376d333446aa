//! `arca-api maintenance on | off | status`: the maintenance flag every instance reads from the
//! database (within `MAINTENANCE_CACHE_MS`, 2 s by default); `/v1` then answers 503.

use arca_service::config::Config;
use arca_service::maintenance;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Every instance answers /v1 with 503 MAINTENANCE (health and metrics keep answering).
    On,
    /// Back to normal service.
    Off,
    /// Whether the shared flag is on, and since when.
    Status,
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    let (database, _) = Config::database_from_env()?;
    let storage = super::migrate::connect_current(&database).await?;
    match command {
        Command::On | Command::Off => {
            let enabled = matches!(command, Command::On);
            maintenance::set(&storage, enabled).await?;
            println!(
                "maintenance {}: every instance sees it within its MAINTENANCE_CACHE_MS (2 s by default)",
                if enabled { "on" } else { "off" }
            );
        }
        Command::Status => match maintenance::status(&storage).await? {
            Some(flag) => println!(
                "maintenance {} since {} (instances started with MAINTENANCE_MODE=true are on regardless)",
                if flag.enabled { "on" } else { "off" },
                flag.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            None => println!("maintenance off (never switched; MAINTENANCE_MODE=true still turns an instance on)"),
        },
    }
    storage.close().await;
    Ok(())
}
