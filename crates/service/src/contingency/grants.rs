//! Obtaining the CAEA (docs/arca.md §G): for every opted-in account (an active contingency
//! point of sale and an active certificate), the CAEA of the current fortnight and, once ARCA's
//! window opened, of the next one; the contingency series primed with ARCA's last numbers while
//! ARCA answers; and `contingency.caea_missing` when a fortnight is near (or has begun) without
//! one.
//!
//! [`Grants`] runs a pass at start-up and every `CAEA_CHECK_INTERVAL_MS`, on one instance at a
//! time (the `caea_grants` job lease of `job_leases`, as the alert jobs). A pass, per account
//! and fortnight without a stored grant: `FECAEASolicitar`; its answer is stored as ARCA gave it
//! (dates, `FchTopeInf`, observations). 15008 ("already granted": an earlier answer was lost)
//! → `FECAEAConsultar`, whose grant is stored. A transport failure stores nothing: the next pass
//! asks again and meets 15008. Any other refusal (15003, 15016, …) is kept in memory per
//! instance (what `GET /v1/contingency` shows as `ultimo_error`), counted and logged once per
//! account, fortnight and set of codes.
//!
//! The decisions are the pure functions at the top ([`fortnights_to_alert`],
//! [`voucher_types`], [`needs_priming`]); the rest is I/O around them. It never issues or
//! reports vouchers (`issue`, `report`), never reads the machine's clock (every `now` comes
//! from the App's clock or the caller), and never lowers a series' last number.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arca_protocol::clock::Clock;
use arca_protocol::wsfe::FECAEAGet;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use super::calendar::{self, Fortnight};
use crate::Error;
use crate::arca::{Arca, ArcaSession};
use crate::config::ContingencyConfig;
use crate::issuer_profiles::CondicionIva;
use crate::storage::contingency::{CaeaGrantRow, OptedInAccount};
use crate::storage::{self, Storage};
use crate::webhooks::events::{self, Event, EventType};

/// The `job_leases` name of the pass.
pub const JOB_NAME: &str = "caea_grants";

/// ARCA's "a CAEA was already granted for this CUIT, period and fortnight" (FECAEAConsultar).
pub const ALREADY_GRANTED: i32 = 15008;

/// The most observations stored with a grant (the migration's documented limit).
pub const OBSERVATIONS_MAX: usize = 50;

/// How long a pass's lease lasts: a crashed instance's pass is taken over after it.
const LEASE: Duration = Duration::from_secs(300);

/// Voucher types of a Responsable Inscripto (A and B: invoices, debit and credit notes).
pub const RI_TYPES: [i32; 6] = [1, 2, 3, 6, 7, 8];
/// Voucher types of a Monotributista or an exempt issuer (C).
pub const C_TYPES: [i32; 3] = [11, 12, 13];
/// FCE MiPyMEs and M types: primed only for an account that ever issued them.
pub const IF_ISSUED_TYPES: [i32; 12] = [51, 52, 53, 201, 202, 203, 206, 207, 208, 211, 212, 213];

/// The voucher types whose contingency series are primed for an issuer of `condition`: its
/// classes' invoices and notes (both A/B and C when the account has no issuer profile yet),
/// plus whichever FCE or M types it ever issued (`issued`). Sorted, without repeats.
pub fn voucher_types(condition: Option<CondicionIva>, issued: &[i32]) -> Vec<i32> {
    let mut types: BTreeSet<i32> = match condition {
        Some(CondicionIva::ResponsableInscripto) => RI_TYPES.into_iter().collect(),
        Some(CondicionIva::Monotributo | CondicionIva::Exento) => C_TYPES.into_iter().collect(),
        None => RI_TYPES.into_iter().chain(C_TYPES).collect(),
    };
    types.extend(issued.iter().filter(|tipo| IF_ISSUED_TYPES.contains(tipo)));
    types.into_iter().collect()
}

/// The fortnights whose missing CAEA is worth an alert on `today` (Argentina's day): the
/// current one (it has begun), and the next one once it starts within `alert_days` days.
pub fn fortnights_to_alert(today: NaiveDate, alert_days: u32) -> Vec<Fortnight> {
    let current = Fortnight::containing(today);
    let next = current.next();
    let mut due = vec![current];
    if (next.first_day() - today).num_days() <= i64::from(alert_days) {
        due.push(next);
    }
    due
}

/// The instant `fortnight` begins: midnight of its first day in Argentina.
pub fn starts_at(fortnight: Fortnight) -> DateTime<Utc> {
    let midnight = fortnight.first_day().and_hms_opt(0, 0, 0).unwrap_or_default();
    arca_protocol::clock::argentina()
        .from_local_datetime(&midnight)
        .single()
        .map(|time| time.with_timezone(&Utc))
        .unwrap_or_default()
}

/// Whether a series primed at `primed_at` (never: `None`) is primed again at `now`: when it was
/// primed before the current fortnight began.
pub fn needs_priming(primed_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    let current = Fortnight::containing(calendar::argentina_today(now));
    primed_at.is_none_or(|primed| primed < starts_at(current))
}

/// ARCA's last refusal of a CAEA request for an account (in memory, per instance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub periodo: i32,
    pub orden: i16,
    /// ARCA's codes and messages, as answered.
    pub codes: Vec<(i32, String)>,
    pub at: DateTime<Utc>,
}

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Opted-in accounts looked at.
    pub accounts: usize,
    /// Grants stored from `FECAEASolicitar`: (account, fortnight).
    pub granted: Vec<(String, Fortnight)>,
    /// Grants stored from `FECAEAConsultar` after 15008 (a lost answer).
    pub recovered: Vec<(String, Fortnight)>,
    /// Requests ARCA refused (codes other than 15008).
    pub refused: Vec<(String, Fortnight)>,
    /// Requests with no answer (transport failure, ARCA internal error): asked again next pass.
    pub failed: usize,
    /// Contingency series primed.
    pub primed: usize,
    /// `contingency.caea_missing` alerts fired.
    pub alerts: usize,
}

/// The CAEA keeper of this instance. Cloning shares it.
#[derive(Clone)]
pub struct Grants {
    inner: Arc<Inner>,
}

struct Inner {
    storage: Storage,
    arca: Arc<Arca>,
    clock: Arc<dyn Clock>,
    config: ContingencyConfig,
    owner: String,
    /// The last refusal per account.
    refusals: Mutex<HashMap<String, Refusal>>,
    /// (account, fortnight, codes) already logged: a refusal is logged once, not every pass.
    logged: Mutex<HashSet<(String, Fortnight, Vec<i32>)>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How one request for a fortnight ended.
enum Obtained {
    Stored {
        recovered: bool,
    },
    Refused,
    /// Nothing known: transport failure, ARCA internal error, a malformed grant.
    Failed,
}

impl Grants {
    pub fn new(storage: Storage, arca: Arc<Arca>, clock: Arc<dyn Clock>, config: ContingencyConfig) -> Grants {
        Grants {
            inner: Arc::new(Inner {
                storage,
                arca,
                clock,
                config,
                owner: storage::new_id("caea"),
                refusals: Mutex::default(),
                logged: Mutex::default(),
                task: Mutex::default(),
            }),
        }
    }

    /// Starts [`Grants::run_periodically`] in the background (once).
    pub fn spawn(&self) {
        let mut task = locked(&self.inner.task);
        if task.is_none() {
            *task = Some(tokio::spawn(self.clone().run_periodically()));
        }
    }

    /// Stops the background passes (a pass in progress stops at its next await; its lease
    /// expires).
    pub fn stop(&self) {
        if let Some(task) = locked(&self.inner.task).take() {
            task.abort();
        }
    }

    /// ARCA's last refusal of a CAEA request for the account, as this instance saw it.
    pub fn last_refusal(&self, account_id: &str) -> Option<Refusal> {
        locked(&self.inner.refusals).get(account_id).cloned()
    }

    /// A pass at `now` unless another instance is running one (`None` then).
    pub async fn pass(&self, now: DateTime<Utc>) -> Result<Option<PassReport>, Error> {
        self.pass_unless_ran_after(now, now).await
    }

    async fn pass_unless_ran_after(
        &self,
        now: DateTime<Utc>,
        ran_before: DateTime<Utc>,
    ) -> Result<Option<PassReport>, Error> {
        let storage = &self.inner.storage;
        let now_ms = now.timestamp_millis();
        let expires = now_ms.saturating_add(i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX));
        let owner = &self.inner.owner;
        if !storage::alerts::claim_job(storage, JOB_NAME, owner, now_ms, expires, ran_before.timestamp_millis()).await?
        {
            return Ok(None);
        }
        match self.run_pass(now).await {
            Ok(report) => {
                storage::alerts::finish_job(storage, JOB_NAME, owner, now_ms).await?;
                if report.alerts > 0 {
                    crate::outbox::wake_all();
                }
                Ok(Some(report))
            }
            Err(error) => {
                storage::alerts::abandon_job(storage, JOB_NAME, owner).await?;
                Err(error)
            }
        }
    }

    /// A pass at start-up and then every `CAEA_CHECK_INTERVAL_MS`; skipped when another instance
    /// ran one within the interval. Until the task is aborted.
    pub async fn run_periodically(self) {
        let interval = self.inner.config.check_interval;
        loop {
            let now = self.inner.clock.now();
            let ran_before =
                now - chrono::Duration::from_std(interval).unwrap_or_default() + chrono::Duration::seconds(1);
            if let Err(error) = self.pass_unless_ran_after(now, ran_before).await {
                tracing::warn!(error = %error, "CAEA pass failed; retrying at the next interval");
            }
            tokio::time::sleep(interval).await;
        }
    }

    async fn run_pass(&self, now: DateTime<Utc>) -> Result<PassReport, Error> {
        let mut report = PassReport::default();
        for account in storage::contingency::opted_in_accounts(&self.inner.storage).await? {
            report.accounts += 1;
            self.check_account(&account, now, &mut report).await?;
        }
        Ok(report)
    }

    /// One account: its missing grants, its series, its alerts. ARCA's failures end the
    /// account's turn (the next pass retries); database failures end the pass.
    async fn check_account(
        &self,
        account: &OptedInAccount,
        now: DateTime<Utc>,
        report: &mut PassReport,
    ) -> Result<(), Error> {
        let today = calendar::argentina_today(now);
        let mut session: Option<ArcaSession> = None;
        let mut held = 0;
        for fortnight in Fortnight::to_request(today) {
            if self.stored(account, fortnight).await?.is_some() {
                held += 1;
                continue;
            }
            let Some(current) = self.session(account, &mut session).await else {
                break;
            };
            match self.obtain(account, &current, fortnight, now).await? {
                Obtained::Stored { recovered } => {
                    held += 1;
                    let list = if recovered {
                        &mut report.recovered
                    } else {
                        &mut report.granted
                    };
                    list.push((account.account_id.clone(), fortnight));
                }
                Obtained::Refused => report.refused.push((account.account_id.clone(), fortnight)),
                Obtained::Failed => {
                    report.failed += 1;
                    break;
                }
            }
        }
        if held > 0 {
            report.primed += self.prime(account, &mut session, now).await?;
        }
        for fortnight in fortnights_to_alert(today, self.inner.config.alert_days) {
            if self.stored(account, fortnight).await?.is_none() && self.alert_missing(account, fortnight, now).await? {
                report.alerts += 1;
            }
        }
        Ok(())
    }

    async fn stored(&self, account: &OptedInAccount, fortnight: Fortnight) -> Result<Option<CaeaGrantRow>, Error> {
        storage::contingency::find_grant(
            &self.inner.storage,
            &account.account_id,
            fortnight.periodo(),
            i32::from(fortnight.orden()),
        )
        .await
    }

    /// The account's WSFEv1 session, opened once per pass; `None` when there is none to be had
    /// (no usable certificate, WSAA refused or unreachable: logged).
    async fn session(&self, account: &OptedInAccount, session: &mut Option<ArcaSession>) -> Option<ArcaSession> {
        if let Some(open) = session {
            return Some(open.clone());
        }
        match self.inner.arca.session(&account.account_id).await {
            Ok(open) => {
                *session = Some(open.clone());
                Some(open)
            }
            Err(Error::NoCertificate) => None,
            Err(error) => {
                tracing::warn!(account_id = %account.account_id, error = %error, "no ARCA session to ask for the CAEA");
                None
            }
        }
    }

    /// `FECAEASolicitar` for `fortnight`; after 15008, `FECAEAConsultar`. Stores what ARCA
    /// granted.
    async fn obtain(
        &self,
        account: &OptedInAccount,
        session: &ArcaSession,
        fortnight: Fortnight,
        now: DateTime<Utc>,
    ) -> Result<Obtained, Error> {
        let (periodo, orden) = (fortnight.periodo(), fortnight.orden());
        let answer = session.client.fe_caea_solicitar(&session.auth, periodo, orden).await;
        let (granted, recovered) = match answer {
            Ok(granted) => (granted, false),
            Err(arca_protocol::Error::Rejected { errors }) if errors.iter().any(|e| e.code == ALREADY_GRANTED) => {
                match session.client.fe_caea_consultar(&session.auth, periodo, orden).await {
                    Ok(Some(granted)) => (granted, true),
                    Ok(None) => {
                        let codes = errors.iter().map(|e| (e.code, e.msg.clone())).collect();
                        self.refused(account, fortnight, codes, now);
                        return Ok(Obtained::Refused);
                    }
                    Err(error) => return Ok(self.failed(account, fortnight, &error).await),
                }
            }
            Err(arca_protocol::Error::Rejected { errors }) => {
                let codes = errors.iter().map(|e| (e.code, e.msg.clone())).collect();
                self.refused(account, fortnight, codes, now);
                return Ok(Obtained::Refused);
            }
            Err(error) => return Ok(self.failed(account, fortnight, &error).await),
        };
        let Some(row) = grant_row(account, fortnight, &granted, now) else {
            tracing::warn!(
                account_id = %account.account_id,
                fortnight = %fortnight,
                "ARCA's CAEA answer lacks the code or a date, or names another fortnight: not stored"
            );
            return Ok(Obtained::Failed);
        };
        if granted.observaciones.len() > OBSERVATIONS_MAX {
            tracing::warn!(
                account_id = %account.account_id,
                fortnight = %fortnight,
                observations = granted.observaciones.len(),
                kept = OBSERVATIONS_MAX,
                "ARCA answered more observations with the CAEA than are stored"
            );
        }
        storage::contingency::insert_grant(&self.inner.storage, &row).await?;
        locked(&self.inner.refusals).remove(&account.account_id);
        tracing::info!(account_id = %account.account_id, fortnight = %fortnight, recovered, "CAEA obtained");
        crate::metrics::record_caea_granted(recovered);
        Ok(Obtained::Stored { recovered })
    }

    /// A refusal: kept as the account's last, counted, logged once per fortnight and codes.
    fn refused(&self, account: &OptedInAccount, fortnight: Fortnight, codes: Vec<(i32, String)>, now: DateTime<Utc>) {
        crate::metrics::record_caea_refused();
        let numbers: Vec<i32> = codes.iter().map(|(code, _)| *code).collect();
        let first = locked(&self.inner.logged).insert((account.account_id.clone(), fortnight, numbers.clone()));
        if first {
            tracing::warn!(
                account_id = %account.account_id,
                fortnight = %fortnight,
                codes = ?numbers,
                errors = %codes.iter().map(|(code, msg)| format!("{code}: {msg}")).collect::<Vec<_>>().join("; "),
                "ARCA refused the CAEA"
            );
        }
        locked(&self.inner.refusals).insert(
            account.account_id.clone(),
            Refusal {
                periodo: fortnight.periodo(),
                orden: fortnight.orden(),
                codes,
                at: now,
            },
        );
    }

    /// No answer: nothing stored, the next pass asks again (a lost grant then meets 15008).
    async fn failed(&self, account: &OptedInAccount, fortnight: Fortnight, error: &arca_protocol::Error) -> Obtained {
        if error.needs_new_ticket()
            && let Err(discard) = self.inner.arca.discard_ticket(&account.account_id).await
        {
            tracing::warn!(error = %discard, "could not discard a refused access ticket");
        }
        tracing::warn!(
            account_id = %account.account_id,
            fortnight = %fortnight,
            error = %error,
            "no answer to the CAEA request; asking again at the next pass"
        );
        Obtained::Failed
    }

    /// Primes the account's contingency series that were never primed or not since the current
    /// fortnight began, with `FECompUltimoAutorizado`. Stops at ARCA's first failure (the next
    /// pass goes on). Returns how many it primed.
    async fn prime(
        &self,
        account: &OptedInAccount,
        session: &mut Option<ArcaSession>,
        now: DateTime<Utc>,
    ) -> Result<usize, Error> {
        let storage = &self.inner.storage;
        let points = storage::contingency::contingency_points(storage, &account.account_id).await?;
        if points.is_empty() {
            return Ok(0);
        }
        let condition = storage::issuer_profiles::find(storage, &account.account_id)
            .await?
            .and_then(|profile| CondicionIva::parse(&profile.condicion_iva));
        let issued = storage::contingency::issued_types(storage, &account.account_id, &IF_ISSUED_TYPES).await?;
        let types = voucher_types(condition, &issued);
        let primed_at: HashMap<(i32, i32), DateTime<Utc>> = storage::contingency::series_of(storage, &account.cuit)
            .await?
            .into_iter()
            .map(|row| ((row.punto_venta, row.cbte_tipo), row.primed_at))
            .collect();
        let mut primed = 0;
        for punto_venta in points {
            for &cbte_tipo in &types {
                if !needs_priming(primed_at.get(&(punto_venta, cbte_tipo)).copied(), now) {
                    continue;
                }
                let Some(open) = self.session(account, session).await else {
                    return Ok(primed);
                };
                match open
                    .client
                    .fe_comp_ultimo_autorizado(&open.auth, punto_venta, cbte_tipo)
                    .await
                {
                    Ok(last) => {
                        storage::contingency::prime_series(
                            storage,
                            &account.cuit,
                            punto_venta,
                            cbte_tipo,
                            last.cbte_nro,
                            now,
                        )
                        .await?;
                        primed += 1;
                    }
                    Err(error) => {
                        tracing::warn!(
                            account_id = %account.account_id,
                            punto_venta,
                            cbte_tipo,
                            error = %error,
                            "could not prime a contingency series; trying again at the next pass"
                        );
                        return Ok(primed);
                    }
                }
            }
        }
        Ok(primed)
    }

    /// `contingency.caea_missing` for the account and fortnight, once (an `alert_marks` row in
    /// the emitting transaction), with a warning and a metric. `true` when it fired now.
    async fn alert_missing(
        &self,
        account: &OptedInAccount,
        fortnight: Fortnight,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let key = format!(
            "{}:{}:{}-{}",
            EventType::ContingencyCaeaMissing.as_str(),
            account.account_id,
            fortnight.periodo(),
            fortnight.orden()
        );
        let refusal = self
            .last_refusal(&account.account_id)
            .filter(|refusal| (refusal.periodo, refusal.orden) == (fortnight.periodo(), fortnight.orden()));
        let mut transaction = self.inner.storage.begin().await?;
        if !storage::webhooks::mark_once(&mut transaction, &key, now).await? {
            transaction.commit().await?;
            return Ok(false);
        }
        let event = Event {
            account_id: account.account_id.clone(),
            event_type: EventType::ContingencyCaeaMissing,
            data: missing_data(fortnight, refusal.as_ref()),
        };
        events::emit(&mut transaction, &event, now).await?;
        transaction.commit().await?;
        crate::metrics::record_caea_missing();
        tracing::warn!(
            account_id = %account.account_id,
            fortnight = %fortnight,
            starts = %fortnight.first_day(),
            "no CAEA for a fortnight that is near or has begun"
        );
        Ok(true)
    }
}

/// An account's contingency as `GET /v1/contingency` shows it (the handler adds the queue mode
/// and the breaker's state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// Its active contingency points of sale (opted in when not empty).
    pub points: Vec<i32>,
    /// The grant of the fortnight `now` falls in, and of the next one.
    pub current: Option<CaeaGrantRow>,
    pub next: Option<CaeaGrantRow>,
    /// Its contingency series.
    pub series: Vec<crate::storage::contingency::CaeaSeriesRow>,
    /// ARCA's last refusal of its CAEA requests, as this instance saw it.
    pub last_refusal: Option<Refusal>,
}

impl Grants {
    /// The account's contingency at `now` (its own rows only).
    pub async fn overview(&self, account_id: &str, now: DateTime<Utc>) -> Result<Overview, Error> {
        let storage = &self.inner.storage;
        let account = crate::accounts::find(storage, account_id).await?;
        let current = Fortnight::containing(calendar::argentina_today(now));
        let grant = |fortnight: Fortnight| {
            storage::contingency::find_grant(storage, account_id, fortnight.periodo(), i32::from(fortnight.orden()))
        };
        Ok(Overview {
            points: storage::contingency::contingency_points(storage, account_id).await?,
            current: grant(current).await?,
            next: grant(current.next()).await?,
            series: storage::contingency::series_of(storage, &account.cuit.to_string()).await?,
            last_refusal: self.last_refusal(account_id),
        })
    }
}

/// `contingency.caea_missing`'s data: `{"periodo", "orden", "fecha_inicio", "errores":
/// [{"code", "message"}]}` (ARCA's last refusal for that fortnight; empty when none).
pub fn missing_data(fortnight: Fortnight, refusal: Option<&Refusal>) -> serde_json::Value {
    let errores: Vec<serde_json::Value> = refusal
        .map(|refusal| {
            refusal
                .codes
                .iter()
                .map(|(code, message)| serde_json::json!({"code": code, "message": message}))
                .collect()
        })
        .unwrap_or_default();
    serde_json::json!({
        "periodo": fortnight.periodo(),
        "orden": fortnight.orden(),
        "fecha_inicio": fortnight.first_day().to_string(),
        "errores": errores,
    })
}

/// ARCA's grant as a row: `None` when it lacks the code (14 digits) or a date, or names another
/// fortnight. At most [`OBSERVATIONS_MAX`] observations.
fn grant_row(
    account: &OptedInAccount,
    fortnight: Fortnight,
    granted: &FECAEAGet,
    now: DateTime<Utc>,
) -> Option<CaeaGrantRow> {
    let caea = granted
        .caea
        .as_ref()
        .map(|code| code.trim().to_string())
        .filter(|code| code.len() == 14 && code.bytes().all(|byte| byte.is_ascii_digit()))?;
    if (granted.periodo, granted.orden) != (fortnight.periodo(), fortnight.orden()) {
        return None;
    }
    let observaciones = (!granted.observaciones.is_empty()).then(|| {
        let list: Vec<serde_json::Value> = granted
            .observaciones
            .iter()
            .take(OBSERVATIONS_MAX)
            .map(|obs| serde_json::json!({"code": obs.code, "msg": obs.msg}))
            .collect();
        serde_json::Value::Array(list).to_string()
    });
    Some(CaeaGrantRow {
        id: storage::new_id("caea"),
        account_id: account.account_id.clone(),
        cuit: account.cuit.clone(),
        periodo: fortnight.periodo(),
        orden: i32::from(fortnight.orden()),
        caea,
        fch_vig_desde: granted.fch_vig_desde?,
        fch_vig_hasta: granted.fch_vig_hasta?,
        fch_tope_inf: granted.fch_tope_inf?,
        fch_proceso: granted.fch_proceso.map(|time| time.format("%Y%m%d%H%M%S").to_string()),
        observaciones,
        obtained_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn types_follow_the_issuer_condition() {
        assert_eq!(
            voucher_types(Some(CondicionIva::ResponsableInscripto), &[]),
            RI_TYPES.to_vec()
        );
        assert_eq!(voucher_types(Some(CondicionIva::Monotributo), &[]), C_TYPES.to_vec());
        assert_eq!(voucher_types(Some(CondicionIva::Exento), &[]), C_TYPES.to_vec());
        assert_eq!(voucher_types(None, &[]), vec![1, 2, 3, 6, 7, 8, 11, 12, 13]);
        assert_eq!(
            voucher_types(Some(CondicionIva::ResponsableInscripto), &[201, 51, 1, 99]),
            vec![1, 2, 3, 6, 7, 8, 51, 201]
        );
    }

    #[test]
    fn the_current_fortnight_and_a_near_next_one_are_alerted() {
        let current = Fortnight::containing(day("2026-12-10"));
        assert_eq!(fortnights_to_alert(day("2026-12-10"), 2), vec![current]);
        assert_eq!(fortnights_to_alert(day("2026-12-14"), 2), vec![current, current.next()]);
        assert_eq!(fortnights_to_alert(day("2026-12-13"), 2).len(), 1);
        assert_eq!(fortnights_to_alert(day("2026-12-15"), 0), vec![current]);
        assert_eq!(fortnights_to_alert(day("2026-12-11"), 5).len(), 2);
    }

    #[test]
    fn a_series_is_primed_again_once_per_fortnight() {
        // 2026-12-16 00:00 in Argentina is 03:00 UTC.
        let start: DateTime<Utc> = "2026-12-16T03:00:00Z".parse().expect("a time");
        assert_eq!(starts_at(Fortnight::containing(day("2026-12-20"))), start);
        let now = start + chrono::Duration::hours(5);
        assert!(needs_priming(None, now));
        assert!(needs_priming(Some(start - chrono::Duration::seconds(1)), now));
        assert!(!needs_priming(Some(start), now));
    }

    #[test]
    fn a_grant_needs_its_code_dates_and_fortnight() {
        let account = OptedInAccount {
            account_id: "acct_1".into(),
            cuit: "20111111112".into(),
        };
        let fortnight = Fortnight::containing(day("2026-12-20"));
        let now = Utc::now();
        let good = FECAEAGet {
            caea: Some("21504012345678".into()),
            periodo: 202612,
            orden: 2,
            fch_vig_desde: Some(day("2026-12-16")),
            fch_vig_hasta: Some(day("2026-12-31")),
            fch_tope_inf: Some(day("2027-01-08")),
            fch_proceso: None,
            observaciones: (0..60)
                .map(|n| arca_protocol::wsfe::Obs {
                    code: 15014 + n,
                    msg: "obs".into(),
                })
                .collect(),
        };
        let row = grant_row(&account, fortnight, &good, now).expect("stored");
        assert_eq!(row.fch_tope_inf, day("2027-01-08"));
        let stored: Vec<serde_json::Value> =
            serde_json::from_str(row.observaciones.as_deref().unwrap_or("[]")).expect("json");
        assert_eq!(stored.len(), OBSERVATIONS_MAX);
        assert!(
            grant_row(
                &account,
                fortnight,
                &FECAEAGet {
                    caea: Some("123".into()),
                    ..good.clone()
                },
                now
            )
            .is_none()
        );
        assert!(
            grant_row(
                &account,
                fortnight,
                &FECAEAGet {
                    orden: 1,
                    ..good.clone()
                },
                now
            )
            .is_none()
        );
        assert!(
            grant_row(
                &account,
                fortnight,
                &FECAEAGet {
                    fch_tope_inf: None,
                    ..good
                },
                now
            )
            .is_none()
        );
    }

    #[test]
    fn the_alert_names_the_fortnight_and_arcas_codes() {
        let fortnight = Fortnight::containing(day("2027-01-01"));
        let refusal = Refusal {
            periodo: 202701,
            orden: 1,
            codes: vec![(15016, "no habilitado".into())],
            at: Utc::now(),
        };
        let data = missing_data(fortnight, Some(&refusal));
        assert_eq!(data["periodo"], 202701);
        assert_eq!(data["orden"], 1);
        assert_eq!(data["fecha_inicio"], "2027-01-01");
        assert_eq!(data["errores"][0]["code"], 15016);
        assert_eq!(missing_data(fortnight, None)["errores"], serde_json::json!([]));
    }
}
