//! Health probes behind `GET /health`, `/health/database`, `/health/redis` and `/health/arca`:
//! each returns what it found with the keys of ARCHITECTURE.md "Operations surface", and whether
//! it is healthy; `http/health.rs` turns that into 200 or 503.
//!
//! Every probe is bounded (a hung database, Redis or ARCA must make a probe answer 503, not
//! hang the load balancer's check), and none writes anything or logs in to WSAA: `/health/arca`
//! uses `FEDummy`, which needs no ticket, and reads the ticket store.
//!
//! `/health/arca` is unauthenticated, so it never calls ARCA at a client's pace: one `FEDummy`
//! result answers every probe for `ARCA_HEALTH_CACHE_MS` ([`crate::arca::probe`]), and concurrent
//! probes that find it stale share one call. The ticket store, the breaker and the certificates
//! are local, and read on every probe.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;
use serde::Serialize;

use crate::arca::probe::{self, ProbeOutcome};
use crate::state::AppContext;
use crate::storage::{access_tickets, certificates};

/// Bound on the database ping.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);
/// Bound on the Redis commands of one probe (the connection manager's own bound is 500 ms).
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);
/// A certificate expiring within this many days counts as expiring soon (the first
/// `certificate.expiring` notice is sent 30 days ahead).
pub const EXPIRING_SOON_DAYS: i64 = 30;

/// `GET /health/database`.
#[derive(Debug, Clone, Serialize)]
pub struct DatabaseHealth {
    /// `ok` or `unhealthy`.
    pub status: &'static str,
    /// `connected` or `unreachable`.
    pub connection: &'static str,
    pub pool: PoolHealth,
    pub latency_ms: Option<f64>,
    /// When the probe's own query succeeded.
    pub last_query: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolHealth {
    /// Open connections.
    pub total: u32,
    pub idle: u32,
    /// Connections in use.
    pub active: u32,
}

/// `GET /health/redis`.
#[derive(Debug, Clone, Serialize)]
pub struct RedisHealth {
    /// `ok` or `unhealthy`; `ok` when Redis is not configured (it is optional).
    pub status: &'static str,
    /// `connected`, `unreachable` or `not_configured`.
    pub connection: &'static str,
    pub latency_ms: Option<f64>,
    pub memory_used_mb: Option<f64>,
    /// `null` when Redis has no `maxmemory` limit.
    pub memory_max_mb: Option<f64>,
    /// keyspace_hits / (hits + misses) since Redis started; `null` before any lookup.
    pub hit_rate: Option<f64>,
    /// Keys in the Redis database (`DBSIZE`; other deployments sharing it are counted too).
    pub keys_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `GET /health/arca`.
#[derive(Debug, Clone, Serialize)]
pub struct ArcaHealth {
    /// `ok` or `unhealthy`.
    pub status: &'static str,
    pub arca_reachable: bool,
    pub arca_environment: &'static str,
    /// Whether a WSAA ticket valid now is stored (shared by every instance).
    pub token_cached: bool,
    /// When WSAA last granted a ticket (the newest stored ticket's generation time).
    pub last_auth_success: Option<DateTime<Utc>>,
    /// FEDummy's round trip, when it answered.
    pub response_time_ms: Option<f64>,
    /// `closed`, `open` or `half_open`.
    pub circuit_breaker: &'static str,
    pub certificates: CertificatesHealth,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Present when unreachable: whether trying again later may help.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_recommended: Option<bool>,
}

/// Days to expiry of the active certificates of every account, summarised: the health endpoint
/// is unauthenticated, so it names no account, CUIT or certificate.
#[derive(Debug, Clone, Serialize)]
pub struct CertificatesHealth {
    pub active: usize,
    /// Days left on the certificate that expires first; `null` without certificates.
    pub min_days_to_expiry: Option<i64>,
    /// Active certificates with 30 days or less left.
    pub expiring_soon: usize,
    /// Certificates past their expiry (unusable until replaced).
    pub expired: usize,
}

impl DatabaseHealth {
    pub fn is_healthy(&self) -> bool {
        self.status == "ok"
    }
}

impl RedisHealth {
    pub fn is_healthy(&self) -> bool {
        self.status == "ok"
    }
}

impl ArcaHealth {
    pub fn is_healthy(&self) -> bool {
        self.status == "ok"
    }
}

/// Pings the database (bounded) and reads the pool's usage.
pub async fn database(state: &AppContext) -> DatabaseHealth {
    let started = Instant::now();
    let ping = tokio::time::timeout(DATABASE_TIMEOUT, state.storage.ping()).await;
    let latency = milliseconds(started.elapsed());
    let (total, idle) = state.storage.pool_usage();
    let pool = PoolHealth {
        total,
        idle,
        active: total.saturating_sub(idle),
    };
    let error = match ping {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(format!("the database refused the health query: {error}")),
        Err(_) => Some(format!("no answer within {} ms", DATABASE_TIMEOUT.as_millis())),
    };
    match error {
        None => DatabaseHealth {
            status: "ok",
            connection: "connected",
            pool,
            latency_ms: Some(latency),
            last_query: Some(Utc::now()),
            error: None,
        },
        Some(error) => DatabaseHealth {
            status: "unhealthy",
            connection: "unreachable",
            pool,
            latency_ms: None,
            last_query: None,
            error: Some(error),
        },
    }
}

/// Without Redis: `ok`, `not_configured`. With it: `PING` latency, then memory, hit rate and
/// key count from `INFO` and `DBSIZE`.
pub async fn redis(state: &AppContext) -> RedisHealth {
    let Some((connection, _)) = &state.redis else {
        return RedisHealth {
            status: "ok",
            connection: "not_configured",
            latency_ms: None,
            memory_used_mb: None,
            memory_max_mb: None,
            hit_rate: None,
            keys_count: None,
            error: None,
        };
    };
    match tokio::time::timeout(REDIS_TIMEOUT, redis_details(connection.clone())).await {
        Ok(Ok(healthy)) => healthy,
        Ok(Err(error)) => redis_unreachable(format!("Redis failed: {error}")),
        Err(_) => redis_unreachable(format!("no answer within {} ms", REDIS_TIMEOUT.as_millis())),
    }
}

fn redis_unreachable(error: String) -> RedisHealth {
    RedisHealth {
        status: "unhealthy",
        connection: "unreachable",
        latency_ms: None,
        memory_used_mb: None,
        memory_max_mb: None,
        hit_rate: None,
        keys_count: None,
        error: Some(error),
    }
}

async fn redis_details(mut connection: ConnectionManager) -> Result<RedisHealth, redis::RedisError> {
    let started = Instant::now();
    let _: String = redis::cmd("PING").query_async(&mut connection).await?;
    let latency = milliseconds(started.elapsed());
    let memory: String = redis::cmd("INFO").arg("memory").query_async(&mut connection).await?;
    let stats: String = redis::cmd("INFO").arg("stats").query_async(&mut connection).await?;
    let keys: u64 = redis::cmd("DBSIZE").query_async(&mut connection).await?;
    let megabytes = |bytes: u64| round2(bytes as f64 / (1024.0 * 1024.0));
    let hits = info_value(&stats, "keyspace_hits").unwrap_or(0);
    let misses = info_value(&stats, "keyspace_misses").unwrap_or(0);
    Ok(RedisHealth {
        status: "ok",
        connection: "connected",
        latency_ms: Some(latency),
        memory_used_mb: info_value(&memory, "used_memory").map(megabytes),
        // `maxmemory:0` means no limit.
        memory_max_mb: info_value(&memory, "maxmemory").filter(|max| *max > 0).map(megabytes),
        hit_rate: (hits + misses > 0).then(|| round2(hits as f64 / (hits + misses) as f64)),
        keys_count: Some(keys),
        error: None,
    })
}

/// A numeric field of Redis' `INFO` text (`name:value` lines).
fn info_value(info: &str, name: &str) -> Option<u64> {
    info.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|value| value.trim().parse().ok())
}

/// `FEDummy` within `ARCA_HEALTH_TIMEOUT_MS` (its result cached for `ARCA_HEALTH_CACHE_MS`),
/// the stored tickets, the breaker and the certificates' expiry.
pub async fn arca(state: &AppContext) -> ArcaHealth {
    let ProbeOutcome {
        failure,
        retry_helps,
        elapsed_ms: elapsed,
    } = state
        .arca_probe
        .get_or_probe(probe::fe_dummy(&state.arca, state.config.arca.health_timeout))
        .await;
    let now = Utc::now();
    let environment = state.arca.environment().as_str();
    // The ticket store and certificates are read from the database: if it is down, /health/arca
    // still answers (with what ARCA said) and /health/database tells why.
    let ticket = access_tickets::newest(&state.storage, environment).await.ok().flatten();
    let expiries: Vec<DateTime<Utc>> = certificates::active_expiries(&state.storage)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(_, expiry)| expiry)
        .collect();
    let reachable = failure.is_none();
    ArcaHealth {
        status: if reachable { "ok" } else { "unhealthy" },
        arca_reachable: reachable,
        arca_environment: environment,
        token_cached: ticket.is_some_and(|(_, expires)| expires > now),
        last_auth_success: ticket.map(|(generated, _)| generated),
        response_time_ms: reachable.then_some(elapsed),
        circuit_breaker: circuit_breaker_state(state),
        certificates: summarise(&expiries, now),
        retry_recommended: (!reachable).then_some(retry_helps),
        error: failure,
    }
}

/// The ARCA circuit breaker's state: `closed`, `open` or `half_open`.
pub fn circuit_breaker_state(state: &AppContext) -> &'static str {
    state.breaker.state().as_str()
}

/// Active certificates' expiries summarised without naming any (also what `/metrics` publishes
/// to a scrape without `METRICS_TOKEN`).
pub fn summarise(expiries: &[DateTime<Utc>], now: DateTime<Utc>) -> CertificatesHealth {
    let days: Vec<i64> = expiries.iter().map(|expiry| (*expiry - now).num_days()).collect();
    let expired = expiries.iter().filter(|expiry| **expiry <= now).count();
    CertificatesHealth {
        active: expiries.len() - expired,
        min_days_to_expiry: days.iter().copied().filter(|days| *days >= 0).min(),
        expiring_soon: expiries
            .iter()
            .zip(&days)
            .filter(|(expiry, days)| **expiry > now && **days <= EXPIRING_SOON_DAYS)
            .count(),
        expired,
    }
}

fn milliseconds(elapsed: Duration) -> f64 {
    round2(elapsed.as_secs_f64() * 1000.0)
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_info_fields_are_read_by_name() {
        let info = "# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nmaxmemory:0\r\n";
        assert_eq!(info_value(info, "used_memory"), Some(1_048_576));
        assert_eq!(info_value(info, "maxmemory"), Some(0));
        assert_eq!(info_value(info, "keyspace_hits"), None);
    }

    #[test]
    fn certificates_are_summarised_without_naming_them() {
        let now = Utc::now();
        let summary = summarise(
            &[
                now + chrono::Duration::days(400),
                now + chrono::Duration::days(10),
                now - chrono::Duration::days(1),
            ],
            now,
        );
        assert_eq!(summary.active, 2);
        assert_eq!(summary.expired, 1);
        assert_eq!(summary.expiring_soon, 1);
        assert_eq!(summary.min_days_to_expiry, Some(10));
    }
}
