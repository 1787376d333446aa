//! `arca-api accounts create`: an account and its first API key, printed once.

use arca_service::accounts::{self, NewAccount};
use arca_service::api_keys::KeyMode;
use arca_service::config::Config;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create an account; prints its first API key (shown only this once).
    Create(CreateArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The account's name.
    #[arg(long)]
    name: String,
    /// The account's CUIT (11 digits, dashes allowed).
    #[arg(long)]
    cuit: String,
    /// free, pro or enterprise.
    #[arg(long, default_value = "free")]
    tier: String,
    /// Overrides the tier's monthly invoice quota.
    #[arg(long)]
    monthly_quota: Option<i64>,
    /// Overrides the tier's requests per minute.
    #[arg(long)]
    requests_per_minute: Option<i64>,
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    let Command::Create(args) = command;
    let config = Config::from_env()?;
    let new = NewAccount::new(
        &args.name,
        &args.cuit,
        Some(args.tier.as_str()),
        args.monthly_quota,
        args.requests_per_minute,
    )?;
    let storage = super::migrate::connect_current(&config.database).await?;
    let (account, key) = accounts::create(&storage, &config.security.api_key_salt, key_mode(&config), new).await?;
    storage.close().await;
    println!(
        "account {} ({}, CUIT {}, tier {})",
        account.id,
        account.name,
        account.cuit,
        account.tier.as_str()
    );
    println!("API key (shown only this once): {}", key.key.expose());
    Ok(())
}

/// The mode of the keys an instance with this configuration accepts: the only mode to create.
pub fn key_mode(config: &Config) -> KeyMode {
    KeyMode::for_environment(config.arca.environment)
}
