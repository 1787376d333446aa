//! The ARCA circuit breaker (ARCHITECTURE.md "The circuit breaker").
//!
//! Closed: calls go through; `threshold` consecutive infrastructure failures (transport errors,
//! timeouts, HTTP 5xx, ARCA internal errors 500–502) open it. Business rejections, ticket
//! refusals and credential problems are ARCA or us answering, not ARCA being down: they never
//! count, and they end a run of failures like a success does.
//! Open: calls are refused without touching ARCA (as *not sent*, so the engine defers the
//! invoices as `pending_retry` and keeps in-flight ones for reconciliation) until `open_for`
//! has passed; then one call goes through as a probe (half-open). A successful probe closes the
//! breaker; a failed one opens it again for `reopen_for` (10 minutes by default).
//! Forced (`ARCA_CIRCUIT_BREAKER=true`): open until the process restarts without it.
//!
//! Each instance keeps its own breaker: it protects this process's calls, and an instance that
//! still reaches ARCA keeps issuing. [`Guarded`] puts it in front of the engine's [`ArcaPort`].

use std::sync::{Arc, Mutex};

use arca_protocol::Error;
use arca_protocol::clock::Clock;
use arca_protocol::wsfe::{FECAERequest, FECAEResponse, FECompConsResponse};
use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::config::BreakerConfig;
use crate::issuance::{ArcaFuture, ArcaPort};
use crate::storage::series::SeriesKey;

/// What the breaker is doing, as `/health/arca` and the metrics show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inner {
    Closed {
        failures: u32,
    },
    Open {
        until: DateTime<Utc>,
    },
    /// One probe is out; every other call is refused until it reports.
    HalfOpen,
}

/// The breaker. Shared (`Arc`) by the engine's port, the HTTP layer and the health check.
pub struct CircuitBreaker {
    config: BreakerConfig,
    clock: Arc<dyn Clock>,
    state: Mutex<Inner>,
    /// Woken when the breaker closes, so what it held back is sent at once.
    closed: Notify,
    /// `true` from the moment it opens until a probe closes it (an open breaker going
    /// half-open and open again stays `true`): what `arca.unavailable` / `arca.recovered`
    /// announce (`crate::alerts::announce_availability`).
    open: tokio::sync::watch::Sender<bool>,
    /// How many calls ARCA answered (not an infrastructure failure) since this breaker began.
    answered: tokio::sync::watch::Sender<u64>,
}

/// A call may go through (`probe`: it is the half-open probe).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permit {
    pub probe: bool,
}

impl CircuitBreaker {
    pub fn new(config: BreakerConfig, clock: Arc<dyn Clock>) -> CircuitBreaker {
        CircuitBreaker {
            clock,
            state: Mutex::new(Inner::Closed { failures: 0 }),
            closed: Notify::new(),
            open: tokio::sync::watch::Sender::new(config.forced_open),
            answered: tokio::sync::watch::Sender::new(0),
            config,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The state now (an open breaker whose time is up shows as half-open: the next call probes).
    pub fn state(&self) -> BreakerState {
        if self.config.forced_open {
            return BreakerState::Open;
        }
        match *self.lock() {
            Inner::Closed { .. } => BreakerState::Closed,
            Inner::Open { until } if self.clock.now() >= until => BreakerState::HalfOpen,
            Inner::Open { .. } => BreakerState::Open,
            Inner::HalfOpen => BreakerState::HalfOpen,
        }
    }

    /// Whether calls are being refused now (open, or half-open with the probe out).
    pub fn is_open(&self) -> bool {
        if self.config.forced_open {
            return true;
        }
        let now = self.clock.now();
        match *self.lock() {
            Inner::Closed { .. } => false,
            Inner::Open { until } => now < until,
            Inner::HalfOpen => true,
        }
    }

    /// When a call may next go through (for `Retry-After` and deferred invoices); `None` when
    /// closed. Forced open: `open_for` from now, as a hint.
    pub fn retry_at(&self) -> Option<DateTime<Utc>> {
        let now = self.clock.now();
        if self.config.forced_open {
            return Some(now + chrono::Duration::from_std(self.config.open_for).unwrap_or_default());
        }
        match *self.lock() {
            Inner::Closed { .. } => None,
            Inner::Open { until } => Some(until.max(now)),
            // The probe is out: ask again shortly.
            Inner::HalfOpen => Some(now + chrono::Duration::seconds(1)),
        }
    }

    /// Asks to call ARCA: a permit, or `None` while open.
    pub fn permit(&self) -> Option<Permit> {
        if self.config.forced_open {
            return None;
        }
        let mut state = self.lock();
        match *state {
            Inner::Closed { .. } => Some(Permit { probe: false }),
            Inner::Open { until } if self.clock.now() >= until => {
                *state = Inner::HalfOpen;
                Some(Permit { probe: true })
            }
            Inner::Open { .. } | Inner::HalfOpen => None,
        }
    }

    /// Reports how a permitted call went.
    pub fn record(&self, permit: Permit, outcome: Result<(), &Error>) {
        let infrastructure_failure = outcome.err().is_some_and(is_infrastructure_failure);
        let now = self.clock.now();
        let mut state = self.lock();
        *state = match (*state, infrastructure_failure) {
            (_, false) if permit.probe => Inner::Closed { failures: 0 },
            (Inner::Closed { .. }, false) => Inner::Closed { failures: 0 },
            (Inner::Closed { failures }, true) => {
                let failures = failures.saturating_add(1);
                if failures >= self.config.threshold {
                    tracing::warn!(failures, "ARCA circuit breaker opened");
                    Inner::Open {
                        until: now + chrono::Duration::from_std(self.config.open_for).unwrap_or_default(),
                    }
                } else {
                    Inner::Closed { failures }
                }
            }
            (_, true) if permit.probe => {
                tracing::warn!("ARCA circuit breaker probe failed: open again");
                Inner::Open {
                    until: now + chrono::Duration::from_std(self.config.reopen_for).unwrap_or_default(),
                }
            }
            // A call permitted before the breaker opened, answering late: it changes nothing.
            (current, _) => current,
        };
        let now_open = !matches!(*state, Inner::Closed { .. });
        drop(state);
        self.open
            .send_if_modified(|open| std::mem::replace(open, now_open) != now_open);
        if !infrastructure_failure {
            self.answered.send_modify(|count| *count = count.wrapping_add(1));
        }
        if permit.probe && !infrastructure_failure {
            tracing::info!("ARCA circuit breaker closed");
            self.closed.notify_waiters();
        }
    }

    /// The probe's call was dropped before it reported (its task aborted): the next call probes.
    fn probe_abandoned(&self) {
        let now = self.clock.now();
        let mut state = self.lock();
        if *state == Inner::HalfOpen {
            *state = Inner::Open { until: now };
        }
    }

    /// Follows the breaker opening (`true`) and closing (`false`), each transition once.
    pub fn watch_open(&self) -> tokio::sync::watch::Receiver<bool> {
        self.open.subscribe()
    }

    /// Resolves once ARCA has answered a call through this breaker (at once if one already was).
    pub async fn answered(&self) {
        let mut answered = self.answered.subscribe();
        // The sender lives as long as the breaker, which `&self` keeps alive.
        let _ = answered.wait_for(|count| *count > 0).await;
    }

    /// Resolves the next time the breaker closes.
    pub async fn closed(&self) {
        self.closed.notified().await;
    }
}

/// Transport errors, timeouts, HTTP 5xx and ARCA's internal errors: ARCA (or the way to it) is
/// down. Not a business rejection, a refused ticket or a local credentials problem.
pub fn is_infrastructure_failure(error: &Error) -> bool {
    match error {
        Error::NotSent(_) | Error::OutcomeUnknown(_) | Error::Malformed(_) | Error::ArcaInternal { .. } => true,
        Error::Http { status, .. } => *status >= 500 || *status == 408 || *status == 429,
        Error::Wsaa { fault, .. } => fault.retry_policy().is_retryable(),
        // A padrón fault ARCA could not classify is server-side; the others are answers.
        Error::Padron { fault, .. } => fault.retryable(),
        Error::Credentials(_)
        | Error::Signing(_)
        | Error::InvalidRequest(_)
        | Error::TokenRejected { .. }
        | Error::Rejected { .. } => false,
    }
}

/// The refusal an open breaker gives: *not sent*, so nothing is reconciled for it.
fn refused() -> Error {
    Error::NotSent("ARCA circuit breaker open".into())
}

/// An [`ArcaPort`] behind the breaker.
pub struct Guarded {
    inner: Arc<dyn ArcaPort>,
    breaker: Arc<CircuitBreaker>,
}

impl Guarded {
    pub fn new(inner: Arc<dyn ArcaPort>, breaker: Arc<CircuitBreaker>) -> Guarded {
        Guarded { inner, breaker }
    }

    async fn call<T>(&self, call: ArcaFuture<'_, T>) -> Result<T, Error> {
        let permit = self.breaker.permit().ok_or_else(refused)?;
        // A probe that never reports would leave the breaker half-open, refusing everything.
        let mut unreported = Unreported {
            breaker: &self.breaker,
            probe: permit.probe,
        };
        let result = call.await;
        unreported.probe = false;
        self.breaker.record(permit, result.as_ref().map(|_| ()));
        result
    }
}

/// Reports an abandoned probe when dropped before its call completed.
struct Unreported<'a> {
    breaker: &'a CircuitBreaker,
    probe: bool,
}

impl Drop for Unreported<'_> {
    fn drop(&mut self) {
        if self.probe {
            self.breaker.probe_abandoned();
        }
    }
}

impl ArcaPort for Guarded {
    fn last_authorized<'a>(&'a self, series: &'a SeriesKey) -> ArcaFuture<'a, u64> {
        Box::pin(self.call(self.inner.last_authorized(series)))
    }

    fn authorize<'a>(&'a self, series: &'a SeriesKey, request: FECAERequest) -> ArcaFuture<'a, FECAEResponse> {
        Box::pin(self.call(self.inner.authorize(series, request)))
    }

    fn consult<'a>(&'a self, series: &'a SeriesKey, number: u64) -> ArcaFuture<'a, Option<FECompConsResponse>> {
        Box::pin(self.call(self.inner.consult(series, number)))
    }

    fn records_per_request<'a>(&'a self, series: &'a SeriesKey) -> ArcaFuture<'a, u32> {
        Box::pin(self.call(self.inner.records_per_request(series)))
    }

    fn ticket_rejected(&self, series: &SeriesKey) {
        self.inner.ticket_rejected(series);
    }
}

#[cfg(test)]
mod tests {
    use arca_protocol::clock::ManualClock;
    use arca_protocol::wsfe::ArcaErr;

    use super::*;

    fn breaker() -> (CircuitBreaker, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        (CircuitBreaker::new(BreakerConfig::default(), clock.clone()), clock)
    }

    fn down() -> Error {
        Error::OutcomeUnknown("timed out".into())
    }

    fn fail(breaker: &CircuitBreaker, times: u32) {
        for _ in 0..times {
            let permit = breaker.permit().expect("closed");
            breaker.record(permit, Err(&down()));
        }
    }

    #[test]
    fn watchers_see_each_opening_and_closing_once_not_a_failed_probe() {
        let (breaker, clock) = breaker();
        let mut open = breaker.watch_open();
        assert!(!*open.borrow_and_update());
        fail(&breaker, 5);
        assert!(open.has_changed().unwrap());
        assert!(*open.borrow_and_update());
        clock.advance(chrono::Duration::seconds(300));
        let probe = breaker.permit().expect("the probe");
        breaker.record(probe, Err(&down()));
        assert!(
            !open.has_changed().unwrap(),
            "a failed probe: still open, no transition"
        );
        clock.advance(chrono::Duration::seconds(600));
        let probe = breaker.permit().expect("the probe");
        breaker.record(probe, Ok(()));
        assert!(open.has_changed().unwrap());
        assert!(!*open.borrow_and_update());
        breaker.record(breaker.permit().expect("closed"), Ok(()));
        assert!(!open.has_changed().unwrap(), "closed and staying closed: no transition");
    }

    #[test]
    fn five_consecutive_failures_open_it_for_five_minutes_then_one_probe_closes_it() {
        let (breaker, clock) = breaker();
        fail(&breaker, 4);
        assert_eq!(breaker.state(), BreakerState::Closed);
        fail(&breaker, 1);
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(breaker.permit().is_none());
        clock.advance(chrono::Duration::seconds(299));
        assert!(breaker.permit().is_none());
        clock.advance(chrono::Duration::seconds(1));
        let probe = breaker.permit().expect("the probe");
        assert!(probe.probe);
        assert!(breaker.permit().is_none(), "only one probe at a time");
        breaker.record(probe, Ok(()));
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(breaker.permit().is_some());
    }

    #[test]
    fn a_failed_probe_opens_it_for_ten_minutes() {
        let (breaker, clock) = breaker();
        fail(&breaker, 5);
        clock.advance(chrono::Duration::seconds(300));
        let probe = breaker.permit().unwrap();
        breaker.record(
            probe,
            Err(&Error::Http {
                status: 503,
                body_excerpt: String::new(),
                fault: None,
            }),
        );
        assert_eq!(breaker.state(), BreakerState::Open);
        clock.advance(chrono::Duration::seconds(599));
        assert!(breaker.permit().is_none());
        clock.advance(chrono::Duration::seconds(1));
        assert!(breaker.permit().is_some_and(|p| p.probe));
    }

    #[test]
    fn business_rejections_never_count_and_end_a_run_of_failures() {
        let (breaker, _) = breaker();
        let rejected = Error::Rejected {
            errors: vec![ArcaErr {
                code: 10016,
                msg: "numero".into(),
            }],
        };
        for _ in 0..10 {
            let permit = breaker.permit().unwrap();
            breaker.record(permit, Err(&rejected));
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        fail(&breaker, 4);
        let permit = breaker.permit().unwrap();
        breaker.record(permit, Err(&rejected));
        fail(&breaker, 4);
        assert_eq!(breaker.state(), BreakerState::Closed, "the rejection reset the count");
        let internal = Error::ArcaInternal {
            errors: vec![ArcaErr {
                code: 501,
                msg: "db".into(),
            }],
        };
        let permit = breaker.permit().unwrap();
        breaker.record(permit, Err(&internal));
        assert_eq!(breaker.state(), BreakerState::Open, "ARCA's internal errors count");
    }

    #[test]
    fn an_abandoned_probe_lets_the_next_call_probe() {
        let (breaker, clock) = breaker();
        fail(&breaker, 5);
        clock.advance(chrono::Duration::seconds(300));
        let _probe = breaker.permit().unwrap();
        assert!(breaker.permit().is_none());
        breaker.probe_abandoned();
        assert!(breaker.permit().is_some_and(|p| p.probe));
    }

    #[test]
    fn forced_open_refuses_everything() {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let config = BreakerConfig {
            forced_open: true,
            ..BreakerConfig::default()
        };
        let breaker = CircuitBreaker::new(config, clock.clone());
        assert_eq!(breaker.state(), BreakerState::Open);
        clock.advance(chrono::Duration::days(1));
        assert!(breaker.permit().is_none());
        assert!(breaker.is_open());
    }
}
