//! ARCA's `FEDummy` as a health probe: one bounded call ([`fe_dummy`]) and [`ProbeCache`], which
//! reuses its outcome for `ARCA_HEALTH_CACHE_MS` and lets concurrent callers that find it stale
//! share one call. `GET /health/arca` is unauthenticated: this is what keeps any client from
//! making the service call ARCA at the client's pace.
//!
//! It never logs in to WSAA (`FEDummy` needs no ticket) and never reads the clock of the machine
//! for the cache's age: the clock is injected, so tests move time instead of sleeping.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arca_protocol::clock::Clock;
use chrono::{DateTime, Utc};

use super::Arca;

/// What one `FEDummy` said: the failure (`None` when ARCA is up), whether trying again later may
/// help, and the round trip in milliseconds.
#[derive(Debug, Clone)]
pub struct ProbeOutcome {
    pub failure: Option<String>,
    pub retry_helps: bool,
    pub elapsed_ms: f64,
}

/// The last outcome, trusted for `ttl`: no caller gets ARCA asked more than once per `ttl`,
/// however many probes arrive at once. A failure is kept like a success, so a struggling ARCA
/// is not hammered either.
pub struct ProbeCache {
    ttl: Duration,
    clock: Arc<dyn Clock>,
    /// Held while a probe runs: callers that find the outcome stale queue behind the one probing
    /// and then read its outcome (single flight).
    last: tokio::sync::Mutex<Option<(DateTime<Utc>, ProbeOutcome)>>,
}

impl ProbeCache {
    pub fn new(ttl: Duration, clock: Arc<dyn Clock>) -> ProbeCache {
        ProbeCache {
            ttl,
            clock,
            last: tokio::sync::Mutex::new(None),
        }
    }

    /// The cached outcome while younger than the TTL, otherwise `probe`'s, cached from now.
    pub async fn get_or_probe(&self, probe: impl Future<Output = ProbeOutcome>) -> ProbeOutcome {
        let mut last = self.last.lock().await;
        if let Some((taken_at, outcome)) = last.as_ref() {
            // A clock that went back makes the age negative: stale, probe again.
            let age = (self.clock.now() - *taken_at).to_std().ok();
            if age.is_some_and(|age| age < self.ttl) {
                return outcome.clone();
            }
        }
        let outcome = probe.await;
        *last = Some((self.clock.now(), outcome.clone()));
        outcome
    }
}

/// One `FEDummy`, bounded by `timeout` (`ARCA_HEALTH_TIMEOUT_MS`).
pub async fn fe_dummy(arca: &Arca, timeout: Duration) -> ProbeOutcome {
    let started = Instant::now();
    let probe = tokio::time::timeout(timeout, arca.fe_dummy()).await;
    let elapsed_ms = (started.elapsed().as_secs_f64() * 100_000.0).round() / 100.0;
    // A missing configuration will not fix itself; an outage or a timeout may.
    let retry_helps = !matches!(probe, Ok(Err(crate::Error::ArcaNotConfigured)));
    let failure = match probe {
        Ok(Ok(dummy)) if dummy.is_healthy() => None,
        Ok(Ok(dummy)) => Some(format!(
            "ARCA answered FEDummy with AppServer={}, DbServer={}, AuthServer={}",
            dummy.app_server.as_deref().unwrap_or("?"),
            dummy.db_server.as_deref().unwrap_or("?"),
            dummy.auth_server.as_deref().unwrap_or("?")
        )),
        Ok(Err(error)) => Some(format!("FEDummy failed: {error}")),
        Err(_) => Some(format!("FEDummy did not answer within {} ms", timeout.as_millis())),
    };
    ProbeOutcome {
        failure,
        retry_helps,
        elapsed_ms,
    }
}

#[cfg(test)]
mod tests {
    use arca_protocol::clock::ManualClock;

    use super::*;

    fn outcome(elapsed_ms: f64) -> ProbeOutcome {
        ProbeOutcome {
            failure: None,
            retry_helps: true,
            elapsed_ms,
        }
    }

    #[tokio::test]
    async fn an_outcome_is_reused_until_the_clock_passes_the_ttl() {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let cache = ProbeCache::new(Duration::from_secs(5), clock.clone());
        assert_eq!(cache.get_or_probe(async { outcome(1.0) }).await.elapsed_ms, 1.0);
        clock.advance(chrono::Duration::seconds(4));
        assert_eq!(cache.get_or_probe(async { outcome(2.0) }).await.elapsed_ms, 1.0);
        clock.advance(chrono::Duration::seconds(1));
        assert_eq!(cache.get_or_probe(async { outcome(3.0) }).await.elapsed_ms, 3.0);
        // Time going back is not freshness.
        clock.advance(chrono::Duration::seconds(-60));
        assert_eq!(cache.get_or_probe(async { outcome(4.0) }).await.elapsed_ms, 4.0);
    }
}
