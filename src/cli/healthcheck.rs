//! `arca-api healthcheck`: asks a running instance's `GET /health` (or another URL) and exits 0
//! when it answers 200, 1 otherwise (a 503, another status, no answer within the bound). The
//! container image's HEALTHCHECK runs it, so the image needs no `curl`.
//!
//! It only reads; it never needs a key, never prints the answer's body on success and never
//! retries (the orchestrator's retries do).

use std::time::Duration;

use anyhow::anyhow;

use super::http_client::HttpClient;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The URL to ask. Default: `http://127.0.0.1:$PORT/health` (`PORT` 3000 when unset), where
    /// the container's service listens; the standalone simulator's is `/_sim/health`.
    #[arg(long)]
    url: Option<String>,
    /// How long the whole request may take, in milliseconds (100 to 60000).
    #[arg(long, default_value_t = 4000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
    timeout_ms: u64,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let url = match args.url {
        Some(url) => url,
        None => {
            let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
            let port: u16 = port.parse().map_err(|_| anyhow!("PORT={port} is not a port number"))?;
            format!("http://127.0.0.1:{port}/health")
        }
    };
    let (base, path) = split(&url)?;
    let client = HttpClient::new(base)?.with_timeout(Duration::from_millis(args.timeout_ms));
    let (status, body) = client.get_json(path, &[]).await?;
    if status == 200 {
        return Ok(());
    }
    Err(anyhow!("{url} answered {status}: {body}"))
}

/// `http://host:port/path` → (`http://host:port`, `/path`); no path is `/`.
fn split(url: &str) -> anyhow::Result<(&str, &str)> {
    let after_scheme = url
        .find("://")
        .map(|at| at + 3)
        .ok_or_else(|| anyhow!("{url}: not an http:// or https:// URL"))?;
    Ok(match url[after_scheme..].find('/') {
        Some(slash) => url.split_at(after_scheme + slash),
        None => (url, "/"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_splits_into_its_base_and_path() {
        assert_eq!(
            split("http://127.0.0.1:3000/health").unwrap(),
            ("http://127.0.0.1:3000", "/health")
        );
        assert_eq!(split("https://example.com").unwrap(), ("https://example.com", "/"));
        assert!(split("127.0.0.1:3000/health").is_err());
    }
}
