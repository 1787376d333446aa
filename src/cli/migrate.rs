//! `arca-api migrate up | down [N] | status`: the database schema, forwards and back.

use anyhow::Context;
use arca_service::Storage;
use arca_service::config::{Config, DatabaseConfig};
use arca_service::storage::migrations;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Apply every pending migration.
    Up,
    /// Revert the N most recent migrations (1 by default).
    Down {
        #[arg(default_value_t = 1)]
        count: usize,
    },
    /// List applied and pending migrations.
    Status,
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    let (database, _) = Config::database_from_env()?;
    let storage = Storage::connect(&database)
        .await
        .context("connecting to the database")?;
    match command {
        Command::Up => {
            let pending = migrations::pending(&storage).await?;
            migrations::up(&storage).await?;
            if pending.is_empty() {
                println!("up to date");
            }
            for name in pending {
                println!("applied {name}");
            }
        }
        Command::Down { count } => {
            let reverted = migrations::down(&storage, count).await?;
            println!("reverted {reverted} migration(s)");
        }
        Command::Status => {
            for migration in migrations::status(&storage).await? {
                let state = if migration.applied { "applied" } else { "pending" };
                println!("{state:<8} {}", migration.name());
            }
        }
    }
    storage.close().await;
    Ok(())
}

/// Connects and refuses to go on while migrations are pending (commands other than `serve
/// --migrate` never change the schema behind the operator's back).
pub async fn connect_current(database: &DatabaseConfig) -> anyhow::Result<Storage> {
    let storage = Storage::connect(database).await.context("connecting to the database")?;
    let pending = migrations::pending(&storage).await?;
    if !pending.is_empty() {
        return Err(arca_service::Error::PendingMigrations(pending).into());
    }
    Ok(storage)
}
