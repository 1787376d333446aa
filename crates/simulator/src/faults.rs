//! Fault injection: what ARCA does on a bad day, on demand.
//!
//! A rule matches an operation (`loginCms`, a WSFEv1 operation name, or `*`) and adds latency
//! and/or an action. Rules are set at start-up or at runtime through `POST /_sim/faults`.
//!
//! Apart from the rules, an [`Outage`] takes WSFEv1's CAE front (`FECAESolicitar`) or its CAEA
//! operations down on demand (`/_sim/outage`), the contingency the CAEA regime exists for.
//! Nothing here decides an operation's answer: it only says whether to answer at all.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// What to do instead of (or after) answering normally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FaultAction {
    /// WSAA answers the `wsaa.unavailable` fault.
    WsaaUnavailable,
    /// Plain HTTP 500 with an HTML body, as a failing load balancer or IIS does.
    Http500,
    /// HTTP 503 Service Unavailable.
    Http503,
    /// Close the connection without answering (FIN).
    Drop,
    /// Reset the connection (RST).
    Reset,
    /// Never answer: the client's timeout decides.
    Timeout,
    /// WSFEv1 answers HTTP 200 with this ARCA internal error code (500, 501, 502).
    ArcaError { code: u32 },
    /// The service is "in maintenance": WSFEv1 Err 502-style answer / WSAA `wsaa.unavailable`.
    Maintenance,
    /// Process the request fully (store the voucher, grant the CAE), then cut the connection
    /// before answering: the lost-response case every client must survive.
    CommitThenDrop,
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Operation name (`loginCms`, `FECAESolicitar`, …) or `*` for all.
    pub operation: String,
    /// Fixed latency added before answering.
    #[serde(default)]
    pub latency_ms: u64,
    /// Extra uniformly distributed latency on top, `0..=jitter`.
    #[serde(default)]
    pub jitter_ms: u64,
    #[serde(default)]
    pub action: Option<FaultAction>,
    /// Chance that the action fires on a matching call (1.0 = always).
    #[serde(default = "always")]
    pub probability: f64,
    /// How many more times the action may fire; absent = unlimited.
    #[serde(default)]
    pub remaining: Option<u32>,
}

fn always() -> f64 {
    1.0
}

impl FaultRule {
    /// `latency_ms` added to every call of `operation` (`*` for all), nothing else.
    pub fn latency(operation: &str, latency_ms: u64) -> FaultRule {
        FaultRule {
            operation: operation.into(),
            latency_ms,
            jitter_ms: 0,
            action: None,
            probability: 1.0,
            remaining: None,
        }
    }
}

/// What a call should suffer.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Decision {
    pub latency: Duration,
    pub action: Option<FaultAction>,
}

/// The active rules.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    pub fn add(&self, rule: FaultRule) {
        self.lock().push(rule);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    /// Latency adds up over matching rules; the first matching rule whose action fires (by
    /// probability and remaining count) gives the action.
    pub fn decide(&self, operation: &str) -> Decision {
        let mut rules = self.lock();
        let mut rng = rand::thread_rng();
        let mut decision = Decision::default();
        for rule in rules
            .iter_mut()
            .filter(|r| r.operation == "*" || r.operation == operation)
        {
            let jitter = if rule.jitter_ms > 0 {
                rng.gen_range(0..=rule.jitter_ms)
            } else {
                0
            };
            decision.latency += Duration::from_millis(rule.latency_ms + jitter);
            if decision.action.is_some() || rule.action.is_none() || rule.remaining == Some(0) {
                continue;
            }
            if rule.probability >= 1.0 || rng.gen_bool(rule.probability.clamp(0.0, 1.0)) {
                decision.action = rule.action.clone();
                if let Some(remaining) = rule.remaining.as_mut() {
                    *remaining -= 1;
                }
            }
        }
        decision
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The WSFEv1 operations the `caea` switch of an [`Outage`] takes down.
pub const CAEA_OPERATIONS: [&str; 5] = [
    "FECAEASolicitar",
    "FECAEAConsultar",
    "FECAEARegInformativo",
    "FECAEASinMovimientoInformar",
    "FECAEASinMovimientoConsultar",
];

/// Which parts of WSFEv1 are down: while `cae` is, `FECAESolicitar` answers HTTP 503 and
/// `FEDummy` reports its `AppServer` not OK; while `caea` is, the five CAEA operations answer
/// HTTP 503. Every other operation keeps working. Both up by default.
#[derive(Debug, Default)]
pub struct Outage {
    cae: AtomicBool,
    caea: AtomicBool,
}

/// An [`Outage`]'s switches, as `/_sim/outage` shows and takes them (`true`: down).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutageState {
    pub cae: bool,
    pub caea: bool,
}

impl Outage {
    /// Changes the switches given; `None` leaves one as it is.
    pub fn set(&self, cae: Option<bool>, caea: Option<bool>) {
        if let Some(down) = cae {
            self.cae.store(down, Ordering::SeqCst);
        }
        if let Some(down) = caea {
            self.caea.store(down, Ordering::SeqCst);
        }
    }

    pub fn state(&self) -> OutageState {
        OutageState {
            cae: self.cae.load(Ordering::SeqCst),
            caea: self.caea.load(Ordering::SeqCst),
        }
    }

    /// Whether `operation` must answer HTTP 503 without being processed.
    pub fn blocks(&self, operation: &str) -> bool {
        let state = self.state();
        (state.cae && operation == "FECAESolicitar") || (state.caea && CAEA_OPERATIONS.contains(&operation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_rules_fire_then_stop_and_latency_adds_up() {
        let faults = Faults::default();
        faults.add(FaultRule {
            operation: "loginCms".into(),
            latency_ms: 10,
            jitter_ms: 0,
            action: Some(FaultAction::WsaaUnavailable),
            probability: 1.0,
            remaining: Some(1),
        });
        faults.add(FaultRule {
            operation: "*".into(),
            latency_ms: 5,
            jitter_ms: 0,
            action: None,
            probability: 1.0,
            remaining: None,
        });
        let first = faults.decide("loginCms");
        assert_eq!(first.action, Some(FaultAction::WsaaUnavailable));
        assert_eq!(first.latency, Duration::from_millis(15));
        assert_eq!(faults.decide("loginCms").action, None);
        assert_eq!(faults.decide("FEDummy").latency, Duration::from_millis(5));
    }

    #[test]
    fn an_outage_blocks_only_its_operations() {
        let outage = Outage::default();
        assert!(!outage.blocks("FECAESolicitar"));
        outage.set(Some(true), None);
        assert!(outage.blocks("FECAESolicitar"));
        assert!(!outage.blocks("FECAEARegInformativo"));
        assert!(!outage.blocks("FECompUltimoAutorizado"));
        assert!(!outage.blocks("FEDummy"));
        outage.set(Some(false), Some(true));
        assert!(!outage.blocks("FECAESolicitar"));
        for operation in CAEA_OPERATIONS {
            assert!(outage.blocks(operation), "{operation}");
        }
        assert_eq!(outage.state(), OutageState { cae: false, caea: true });
    }
}
