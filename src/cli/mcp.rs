//! `arca-api mcp`: a Model Context Protocol server over stdio, for coding assistants, working
//! against a running arca-api (`ARCA_API_URL`, `ARCA_API_KEY`).
//!
//! Its tools are the API's operations (validate, draft from a sentence, create, read, list, the
//! padrón, ARCA's code tables) plus `explain_arca_error`, answered from the project's catalogue
//! of WSFEv1 codes. Its resources are the OpenAPI document, the code tables and that catalogue.
//! Each tool's input is a strict JSON schema (unknown fields refused); what the API refuses comes
//! back as the tool's error with the API's problem as it was (status, `code`, `errors`,
//! `retryable`).
//!
//! It never writes to stdout anything but the protocol (logs go to stderr), never issues an
//! invoice with a live key (`arca_live_…`) unless started with `--allow-live`, and never shows
//! the API key in a tool's answer or a log line. It holds no rule of its own: every check is the
//! API's.

mod catalogue;
mod tools;

use std::time::Duration;

use anyhow::Context;
use rmcp::ServiceExt;

use super::http_client::HttpClient;
pub use tools::ArcaMcp;

/// `arca-api mcp`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The arca-api to work against (scheme, host and port).
    #[arg(long, env = "ARCA_API_URL", default_value = "http://127.0.0.1:3000")]
    api_url: String,
    /// The API key the tools use (`arca_test_…`; a live key issues real invoices only with
    /// `--allow-live`).
    #[arg(long, env = "ARCA_API_KEY", hide_env_values = true)]
    api_key: String,
    /// Let `create_invoice` issue with a live key (`arca_live_…`): real invoices, legally binding.
    #[arg(long)]
    allow_live: bool,
    /// How long one API request may take, in seconds (an invoice waits up to 10 s for ARCA).
    #[arg(long, default_value_t = 30)]
    timeout_seconds: u64,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let client = HttpClient::new(&args.api_url)?.with_timeout(Duration::from_secs(args.timeout_seconds.clamp(1, 120)));
    let server = ArcaMcp::new(client, &args.api_key, args.allow_live);
    tracing::info!(api_url = %args.api_url, allow_live = args.allow_live, "MCP server on stdio");
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .context("starting the MCP session on stdio")?;
    running.waiting().await.context("the MCP session")?;
    Ok(())
}
