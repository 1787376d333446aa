//! Everything the simulator remembers, shared by its handlers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::ca::CertificateAuthority;
use crate::clock::SimClock;
use crate::faults::{Faults, Outage};
use crate::wsfe::store::WsfeState;

/// Settings fixed at start-up (some adjustable through `/_sim/`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// WSAA refuses a second login for the same certificate and service within this window
    /// while the previous ticket is valid (§B.7: 10 min in homologation; zero disables).
    pub preventive_window: Duration,
    /// Ticket lifetime (§B.6: exactly 12 h).
    pub ticket_lifetime: Duration,
    /// Services WSAA knows (`wsn.notFound` otherwise).
    pub services: HashSet<String>,
    /// `FECompTotXRequest` (§C.2: 250 in homologation).
    pub reg_x_req: i64,
    /// `CAEFchVto` = `CbteFch` + this many days (§C.3, observed 10).
    pub cae_validity_days: i64,
    /// Consumidor-final identification threshold in pesos (§D.7, RG 5700: 10,000,000).
    pub consumidor_final_threshold: rust_decimal::Decimal,
    /// A CAEA's `FchTopeInf` = the fortnight's last day + this many days (§G.9: 8 per third
    /// parties, unverified).
    pub caea_report_days: i64,
    /// Where WSFEv1's state is written after each change (none: memory only).
    pub state_file: Option<std::path::PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            preventive_window: Duration::minutes(10),
            ticket_lifetime: Duration::hours(12),
            services: [
                "wsfe",
                "wsfex",
                "wsmtxca",
                "ws_sr_padron_a13",
                "ws_sr_constancia_inscripcion",
                "ws_sr_padron_a5",
                "wscdc",
                "wsfecred",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            reg_x_req: 250,
            cae_validity_days: 10,
            consumidor_final_threshold: rust_decimal::Decimal::from(10_000_000),
            caea_report_days: 8,
            state_file: None,
        }
    }
}

/// A ticket WSAA handed out, remembered for the preventive window.
#[derive(Debug, Clone)]
pub struct IssuedTicket {
    pub generation_time: DateTime<Utc>,
    pub expiration_time: DateTime<Utc>,
}

/// The shared state behind every handler.
pub struct State {
    pub ca: CertificateAuthority,
    pub clock: SimClock,
    pub faults: Faults,
    /// The CAE front or the CAEA operations taken down (`/_sim/outage`).
    pub outage: Outage,
    pub settings: Mutex<Settings>,
    /// Last ticket per (certificate fingerprint, service).
    pub issued: Mutex<HashMap<(String, String), IssuedTicket>>,
    /// Extra CUITs a certificate's CUIT may represent (delegations), frozen into tickets.
    pub relations: Mutex<HashMap<String, Vec<String>>>,
    /// CUITs whose certificates are not authorised for any service (`coe.notAuthorized`).
    pub unauthorized: Mutex<HashSet<String>>,
    /// (CUIT, service) pairs refused only for that service (`coe.notAuthorized`).
    pub unauthorized_services: Mutex<HashSet<(String, String)>>,
    /// Calls per operation, for tests and the chaos checker.
    pub calls: Mutex<BTreeMap<String, u64>>,
    /// WSFEv1's numbering, vouchers, CAEAs and reference data, and the padrón registry.
    pub wsfe: Mutex<WsfeState>,
}

impl State {
    pub fn new(ca: CertificateAuthority, settings: Settings) -> State {
        State {
            ca,
            clock: SimClock::default(),
            faults: Faults::default(),
            outage: Outage::default(),
            settings: Mutex::new(settings),
            issued: Mutex::new(HashMap::new()),
            relations: Mutex::new(HashMap::new()),
            unauthorized: Mutex::new(HashSet::new()),
            unauthorized_services: Mutex::new(HashSet::new()),
            calls: Mutex::new(BTreeMap::new()),
            wsfe: Mutex::new(WsfeState::default()),
        }
    }

    /// Writes WSFEv1's state to the configured file, if any. Called with the state still locked
    /// so that what is on disk is never older than what a client was told.
    pub fn persist(&self, wsfe: &WsfeState) {
        if let Some(path) = &lock(&self.settings).state_file
            && let Err(error) = wsfe.save(path)
        {
            tracing::error!(%error, path = %path.display(), "cannot write the simulator state");
        }
    }

    pub fn count_call(&self, operation: &str) {
        *lock(&self.calls).entry(operation.to_string()).or_default() += 1;
    }

    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }
}

/// Locks a mutex, recovering the data if a handler panicked while holding it (the simulator
/// keeps serving; each update below is a single assignment, so no state is left half-written).
pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
