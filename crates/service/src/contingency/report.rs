//! The reporter: every voucher issued under a CAEA is informed to ARCA with
//! `FECAEARegInformativo`, once, in number order, and a lost answer is reconciled before
//! anything is sent again (docs/arca.md §G.5; ARCHITECTURE.md "CAEA contingency").
//!
//! A pass ([`Reporter::run_once`]) takes every series (CUIT, contingency point of sale, voucher
//! type) with vouchers `pendiente` or `en_curso`, each under the `series` table's lease (one
//! sender per series across instances; every write behind the fence), through the account's
//! WSFEv1 session:
//!
//! 1. **Reconcile.** `FECompUltimoAutorizado`; each `en_curso` voucher (a request carrying it may
//!    have reached ARCA) at or below ARCA's last number is looked up with `FECompConsultar`:
//!    ARCA holding it with our CAEA and content → `informado`; anything else → `rechazado` with
//!    an `INCONSISTENT` error for an operator. Above the last number → `pendiente` (not consumed).
//! 2. **Send** the `pendiente` vouchers that follow ARCA's last number without a gap, at most
//!    `FECompTotXRequest` per request: `en_curso` committed first (write-ahead), then the request.
//! 3. **Record** each detail's verdict ([`plan::read_answer`]): `informado` with observations,
//!    `rechazado` with ARCA's codes plus the `contingency.report_rejected` event in the same
//!    transaction, `pendiente` for vouchers refused only for their number; no answer leaves
//!    them `en_curso` for the next pass's reconciliation.
//!
//! Then the points of sale with no movement ([`super::no_movement`]). [`Reporter::spawn`] runs a
//! pass at start, every `CAEA_REPORT_INTERVAL_MS` (sooner, with `issuance/retry.rs`'s back-off,
//! after a failed pass) and as soon as the circuit breaker closes.
//!
//! It never issues a voucher, never changes a voucher's content or number, and never drops
//! one: a voucher leaves the queue only as `informado` or `rechazado` (with an alert).

pub mod plan;
pub mod view;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arca_protocol::clock::Clock;
use arca_protocol::wsfe::{FECAEADetRequest, FECAEARequest, FECabRequest};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::json;

use self::plan::{Reconciled, Verdict};
use super::calendar;
use crate::arca::breaker::CircuitBreaker;
use crate::arca::{Arca, ArcaSession};
use crate::issuance::batch::{ArcaMessage, capacity};
use crate::storage::contingency::{self as reports, ReportVoucher, UnreportedSeries};
use crate::storage::series::{self, Fenced, SeriesKey};
use crate::storage::{self, Storage};
use crate::webhooks::events::{Event, EventType};
use crate::{Error, metrics};

/// The reporter's settings.
#[derive(Debug, Clone, Copy)]
pub struct ReporterConfig {
    /// `CAEA_REPORT_INTERVAL_MS`: the time between passes.
    pub report_interval: Duration,
    /// `ISSUANCE_LEASE_TTL_MS`: how long a series' lease lasts without being renewed.
    pub lease_ttl: Duration,
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// Vouchers ARCA accepted (or was found holding, after a lost answer).
    pub informed: usize,
    /// Vouchers ARCA refused (or that an operator must check: `INCONSISTENT`).
    pub rejected: usize,
    /// Vouchers sent without an answer: still `en_curso`, reconciled next pass.
    pub unknown: usize,
    /// Series that could not be worked on (ARCA or the database failed): retried next pass.
    pub failed_series: usize,
    /// Points of sale informed without movement.
    pub no_movement_informed: usize,
    /// No-movement notices ARCA refused.
    pub no_movement_rejected: usize,
    /// No-movement notices whose outcome is unknown or that could not be sent: retried.
    pub no_movement_failed: usize,
}

impl Pass {
    /// Whether something failed and the next pass should come sooner (with back-off).
    pub fn failed(&self) -> bool {
        self.failed_series > 0 || self.unknown > 0 || self.no_movement_failed > 0
    }
}

/// The reporter of this instance. Cloning shares it.
#[derive(Clone)]
pub struct Reporter {
    inner: Arc<Inner>,
}

struct Inner {
    storage: Storage,
    arca: Arc<Arca>,
    clock: Arc<dyn Clock>,
    config: ReporterConfig,
    /// The lease owner of this instance's reporter (not the issuance engine's).
    owner: String,
    /// `FECompTotXRequest` per CUIT, asked once.
    capacity: Mutex<HashMap<String, u32>>,
    /// The codes of the last whole-request refusal per series (to log it once while it repeats).
    refusals: Mutex<HashMap<String, String>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Reporter {
    pub fn new(storage: Storage, arca: Arc<Arca>, clock: Arc<dyn Clock>, config: ReporterConfig) -> Reporter {
        Reporter {
            inner: Arc::new(Inner {
                storage,
                arca,
                clock,
                config,
                owner: storage::new_id("caea_reporter"),
                capacity: Mutex::new(HashMap::new()),
                refusals: Mutex::new(HashMap::new()),
                task: Mutex::new(None),
            }),
        }
    }

    /// Runs passes in the background (once): at start, every `report_interval` (after a failed
    /// pass, after `issuance::retry::delay` of the failures in a row, if sooner), and as soon as
    /// `breaker` closes. Until [`Reporter::stop`].
    pub fn spawn(&self, breaker: Arc<CircuitBreaker>) {
        let mut task = self.inner.task.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if task.is_some() {
            return;
        }
        let reporter = self.clone();
        *task = Some(tokio::spawn(async move {
            let mut open = breaker.watch_open();
            let mut failures: u32 = 0;
            loop {
                let now = reporter.inner.clock.now();
                match reporter.run_once(now).await {
                    Ok(pass) if !pass.failed() => failures = 0,
                    Ok(_) => failures = failures.saturating_add(1),
                    Err(error) => {
                        tracing::warn!(error = %error, "CAEA report pass failed; retrying");
                        failures = failures.saturating_add(1);
                    }
                }
                let interval = reporter.inner.config.report_interval;
                let wait = if failures > 0 {
                    crate::issuance::retry::delay(failures).min(interval)
                } else {
                    interval
                };
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = breaker_closes(&mut open) => {}
                }
            }
        }));
    }

    /// Stops the background passes (a pass in progress stops at its next await; its leases
    /// expire and its `en_curso` vouchers are reconciled by the next pass anywhere).
    pub fn stop(&self) {
        if let Some(task) = self
            .inner
            .task
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
        {
            task.abort();
        }
    }

    /// One pass at `now`: every series with vouchers to report is attempted once (a series
    /// another instance holds is left to it), then the points of sale without movement.
    /// Everything is recorded before it returns.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<Pass, Error> {
        let mut pass = Pass::default();
        for series in reports::unreported_series(&self.inner.storage).await? {
            if let Err(error) = self.report_series(&series, now, &mut pass).await {
                pass.failed_series += 1;
                tracing::warn!(
                    error = %error,
                    cuit = %series.cuit,
                    punto_venta = series.punto_venta,
                    cbte_tipo = series.cbte_tipo,
                    "could not report CAEA vouchers of a series; retrying next pass"
                );
            }
        }
        super::no_movement::inform_due(&self.inner.storage, &self.inner.arca, now, &mut pass).await?;
        if pass.rejected > 0 || pass.no_movement_rejected > 0 {
            crate::outbox::wake_all();
        }
        Ok(pass)
    }

    /// The series under its lease; the lease is let go at the end.
    async fn report_series(&self, series: &UnreportedSeries, now: DateTime<Utc>, pass: &mut Pass) -> Result<(), Error> {
        let storage = &self.inner.storage;
        let key = series.key();
        series::ensure(storage, &key).await?;
        // Lease times come from the clock at each step, never from the pass's start (`now`).
        let Some(token) = series::acquire_lease(
            storage,
            &key,
            &self.inner.owner,
            self.inner.clock.now().timestamp_millis(),
            self.lease_expiry(),
        )
        .await?
        else {
            // Another instance reports it now.
            return Ok(());
        };
        let result = self.report_leased(series, &key, token, now, pass).await;
        if let Err(error) = series::release_lease(
            storage,
            &key,
            &self.inner.owner,
            token,
            self.inner.clock.now().timestamp_millis(),
        )
        .await
        {
            tracing::warn!(error = %error, "could not release a series lease; it expires on its own");
        }
        result
    }

    async fn report_leased(
        &self,
        series: &UnreportedSeries,
        key: &SeriesKey,
        token: i64,
        now: DateTime<Utc>,
        pass: &mut Pass,
    ) -> Result<(), Error> {
        let storage = &self.inner.storage;
        let session = self.inner.arca.session(&series.account_id).await?;
        let mut last = self.last_authorized(&session, series, key).await?;
        let heads = reports::unreported(storage, key).await?;
        let last_i64 = i64::try_from(last).unwrap_or(i64::MAX);
        let to_check: HashSet<&str> = heads
            .iter()
            .filter(|head| head.informe_estado == "en_curso" || head.numero <= last_i64)
            .map(|head| head.id.as_str())
            .collect();
        if let (Some(first), Some(end)) = (
            heads.iter().find(|h| to_check.contains(h.id.as_str())),
            heads.iter().rev().find(|h| to_check.contains(h.id.as_str())),
        ) {
            let rows = reports::report_vouchers(storage, key, first.numero, end.numero).await?;
            for row in rows.iter().filter(|row| to_check.contains(row.id.as_str())) {
                if !self.reconcile(&session, key, token, row, last, now, pass).await? {
                    return Ok(());
                }
            }
        }
        loop {
            let heads = reports::unreported(storage, key).await?;
            if heads.iter().any(|head| head.informe_estado == "en_curso") {
                // Unresolved: the next pass reconciles first.
                return Ok(());
            }
            let pending: Vec<u64> = heads.iter().filter_map(|h| u64::try_from(h.numero).ok()).collect();
            let room = capacity(key.cbte_tipo, self.records_per_request(&session, series).await?);
            let batch = plan::next_batch(last, &pending, room);
            let (Some(&from), Some(&to)) = (batch.first(), batch.last()) else {
                return Ok(());
            };
            let (from, to) = (
                i64::try_from(from).unwrap_or(i64::MAX),
                i64::try_from(to).unwrap_or(i64::MAX),
            );
            let rows = reports::report_vouchers(storage, key, from, to).await?;
            let details = rows.iter().map(numbered_detail).collect::<Result<Vec<_>, Error>>()?;
            // Write-ahead: from here on a request carrying them may reach ARCA.
            let Some(mut fenced) = self.fence(key, token).await? else {
                return Ok(());
            };
            reports::mark_in_progress(&mut fenced, key, from, to, now).await?;
            fenced.commit().await?;
            self.warn_if_late(&rows, now);
            let sent: Vec<u64> = rows.iter().filter_map(|row| u64::try_from(row.numero).ok()).collect();
            let request = FECAEARequest {
                fe_cab_req: FECabRequest {
                    cant_reg: i32::try_from(details.len()).unwrap_or(i32::MAX),
                    pto_vta: key.punto_venta,
                    cbte_tipo: key.cbte_tipo,
                },
                fe_det_req: details,
            };
            match session.client.fe_caea_reg_informativo(&session.auth, request).await {
                Ok(response) => {
                    let mut verdicts = plan::read_answer(&sent, &response);
                    if let Some(codes) = plan::request_refusal(&response) {
                        // Not a verdict on a voucher: they wait, the pass backs off, and the
                        // capacity is asked again (it may have been lowered).
                        self.record(key, token, &rows, &verdicts, now, pass).await?;
                        self.capacities().remove(&series.cuit);
                        self.refused(key, &codes);
                        pass.failed_series += 1;
                        return Ok(());
                    }
                    if plan::numbering_refusal(&response)
                        && verdicts.iter().all(|(_, verdict)| *verdict == Verdict::Pending)
                    {
                        // We only send what follows ARCA's last number: ask again, and if our
                        // first number was right the refusal is about that voucher.
                        let again = self.last_authorized(&session, series, key).await?;
                        plan::numbering_rejection(&mut verdicts, again, &response);
                    }
                    let all_informed = verdicts.iter().all(|(_, v)| matches!(v, Verdict::Informed { .. }));
                    self.record(key, token, &rows, &verdicts, now, pass).await?;
                    if !all_informed {
                        return Ok(());
                    }
                    last = u64::try_from(to).unwrap_or(last);
                }
                Err(error) => {
                    if !error.is_outcome_unknown() {
                        // ARCA did not act on it (refused as a whole, not reached): pendiente again.
                        if let Some(mut fenced) = self.fence(key, token).await? {
                            for row in &rows {
                                reports::record_not_consumed(&mut fenced, &row.id, now).await?;
                            }
                            fenced.commit().await?;
                        }
                        if error.needs_new_ticket()
                            && let Err(discard) = self.inner.arca.discard_ticket(&series.account_id).await
                        {
                            tracing::warn!(error = %discard, "could not discard a refused access ticket");
                        }
                        tracing::warn!(error = %error, punto_venta = key.punto_venta, cbte_tipo = key.cbte_tipo,
                            "ARCA did not take a CAEA report; the vouchers wait for the next pass");
                    } else {
                        pass.unknown += rows.len();
                        metrics::record_caea_reports("unknown", rows.len());
                        tracing::warn!(error = %error, punto_venta = key.punto_venta, cbte_tipo = key.cbte_tipo,
                            "no answer to a CAEA report; reconciling next pass");
                    }
                    return Err(session.explain(error));
                }
            }
        }
    }

    /// Resolves one voucher that may be at ARCA. `false` when the lease was lost.
    #[allow(clippy::too_many_arguments)]
    async fn reconcile(
        &self,
        session: &ArcaSession,
        key: &SeriesKey,
        token: i64,
        row: &ReportVoucher,
        last: u64,
        now: DateTime<Utc>,
        pass: &mut Pass,
    ) -> Result<bool, Error> {
        let sent = numbered_detail(row)?;
        let number = u64::try_from(row.numero).unwrap_or(0);
        let stored = if number <= last {
            metrics::record_reconciliation();
            session
                .client
                .fe_comp_consultar(&session.auth, key.cbte_tipo, key.punto_venta, row.numero)
                .await
                .map_err(|error| session.explain(error))?
        } else {
            None
        };
        let Some(mut fenced) = self.fence(key, token).await? else {
            return Ok(false);
        };
        match plan::reconcile(number, last, &sent, stored.as_ref()) {
            Reconciled::Informed { observations } => {
                reports::record_informed(
                    &mut fenced,
                    &row.id,
                    ArcaMessage::to_json(&observations).as_deref(),
                    now,
                )
                .await?;
                pass.informed += 1;
                metrics::record_caea_reports("informed", 1);
            }
            Reconciled::Inconsistent(message) => {
                self.reject(&mut fenced, key, row, &[message], &[], now).await?;
                pass.rejected += 1;
            }
            Reconciled::NotConsumed => reports::record_not_consumed(&mut fenced, &row.id, now).await?,
        }
        fenced.commit().await?;
        Ok(true)
    }

    /// Records ARCA's verdicts on a request, in one fenced transaction.
    async fn record(
        &self,
        key: &SeriesKey,
        token: i64,
        rows: &[ReportVoucher],
        verdicts: &[(u64, Verdict)],
        now: DateTime<Utc>,
        pass: &mut Pass,
    ) -> Result<(), Error> {
        let Some(mut fenced) = self.fence(key, token).await? else {
            return Ok(());
        };
        for (row, (_, verdict)) in rows.iter().zip(verdicts) {
            match verdict {
                Verdict::Informed { observations } => {
                    reports::record_informed(&mut fenced, &row.id, ArcaMessage::to_json(observations).as_deref(), now)
                        .await?;
                    pass.informed += 1;
                    metrics::record_caea_reports("informed", 1);
                }
                Verdict::Rejected { errors, observations } => {
                    self.reject(&mut fenced, key, row, errors, observations, now).await?;
                    pass.rejected += 1;
                }
                Verdict::Pending => reports::record_not_consumed(&mut fenced, &row.id, now).await?,
                Verdict::Unknown => {
                    pass.unknown += 1;
                    metrics::record_caea_reports("unknown", 1);
                }
            }
        }
        fenced.commit().await
    }

    /// Logs (at error, once per series and set of codes while it repeats) and counts a request
    /// ARCA refused as a whole.
    fn refused(&self, key: &SeriesKey, codes: &[ArcaMessage]) {
        metrics::record_caea_reports("refused", 1);
        let signature = codes.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join(",");
        let series_id = format!("{}-{}-{}", key.cuit, key.punto_venta, key.cbte_tipo);
        let repeated = self
            .inner
            .refusals
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(series_id, signature.clone())
            .is_some_and(|previous| previous == signature);
        if repeated {
            tracing::warn!(punto_venta = key.punto_venta, cbte_tipo = key.cbte_tipo, codes = %signature,
                "ARCA refused a CAEA report again as a whole; the vouchers wait");
        } else {
            tracing::error!(punto_venta = key.punto_venta, cbte_tipo = key.cbte_tipo, codes = %signature,
                "ARCA refused a CAEA report as a whole; the vouchers wait (pendiente) until the cause is fixed");
        }
    }

    /// `rechazado`, the alert event, the error log and the metric.
    #[allow(clippy::too_many_arguments)]
    async fn reject(
        &self,
        fenced: &mut Fenced<'_>,
        key: &SeriesKey,
        row: &ReportVoucher,
        errors: &[ArcaMessage],
        observations: &[ArcaMessage],
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let numero_completo = format!("{:05}-{:08}", key.punto_venta, row.numero);
        // The voucher's own account: two accounts may share a CUIT (and so a series).
        let event = Event {
            account_id: row.account_id.clone(),
            event_type: EventType::ContingencyReportRejected,
            data: json!({
                "id": row.id,
                "numero_completo": numero_completo,
                "tipo_comprobante": key.cbte_tipo,
                "punto_venta": key.punto_venta,
                "caea": row.cae,
                "errores": errors,
                "observaciones": observations,
            }),
        };
        reports::record_rejected(
            fenced,
            &row.id,
            ArcaMessage::to_json(errors).as_deref(),
            ArcaMessage::to_json(observations).as_deref(),
            &event,
            now,
        )
        .await?;
        let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
        tracing::error!(
            invoice_id = %row.id,
            numero_completo = %numero_completo,
            cbte_tipo = key.cbte_tipo,
            codes = ?codes,
            "ARCA rejected a voucher issued under CAEA when it was reported"
        );
        metrics::record_caea_reports("rejected", 1);
        Ok(())
    }

    /// Counts vouchers reported after their grant's `FchTopeInf` (they are still sent), and logs
    /// them once per request.
    fn warn_if_late(&self, rows: &[ReportVoucher], now: DateTime<Utc>) {
        let today = calendar::argentina_today(now);
        let late: Vec<&ReportVoucher> = rows
            .iter()
            .filter(|row| row.fch_tope_inf.is_some_and(|deadline| today > deadline))
            .collect();
        for _ in &late {
            metrics::record_caea_late_report();
        }
        if let (Some(first), Some(last)) = (late.first(), late.last()) {
            tracing::error!(
                count = late.len(),
                first_invoice_id = %first.id,
                numero_desde = first.numero,
                numero_hasta = last.numero,
                fch_tope_inf = ?first.fch_tope_inf,
                "reporting CAEA vouchers after ARCA's deadline (FchTopeInf)"
            );
        }
    }

    async fn last_authorized(
        &self,
        session: &ArcaSession,
        series: &UnreportedSeries,
        key: &SeriesKey,
    ) -> Result<u64, Error> {
        let answer = session
            .client
            .fe_comp_ultimo_autorizado(&session.auth, key.punto_venta, key.cbte_tipo)
            .await;
        let answer = match answer {
            Ok(answer) => answer,
            Err(error) => {
                if error.needs_new_ticket() {
                    self.inner.arca.discard_ticket(&series.account_id).await.ok();
                }
                return Err(session.explain(error));
            }
        };
        u64::try_from(answer.cbte_nro).map_err(|_| {
            Error::Arca(arca_protocol::Error::Malformed(format!(
                "negative CbteNro {}",
                answer.cbte_nro
            )))
        })
    }

    /// `FECompTotXRequest` for the CUIT, asked once per process.
    async fn records_per_request(&self, session: &ArcaSession, series: &UnreportedSeries) -> Result<u32, Error> {
        if let Some(known) = self.capacities().get(&series.cuit) {
            return Ok(*known);
        }
        let answer = session
            .client
            .fe_comp_tot_x_request(&session.auth)
            .await
            .map_err(|error| session.explain(error))?;
        let records = u32::try_from(answer.reg_x_req).unwrap_or(1).max(1);
        self.capacities().insert(series.cuit.clone(), records);
        Ok(records)
    }

    fn capacities(&self) -> std::sync::MutexGuard<'_, HashMap<String, u32>> {
        self.inner
            .capacity
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn fence(&self, key: &SeriesKey, token: i64) -> Result<Option<Fenced<'static>>, Error> {
        let transaction = self.inner.storage.begin().await?;
        let fenced = series::fence(transaction, key, &self.inner.owner, token, self.lease_expiry()).await?;
        if fenced.is_none() {
            tracing::warn!(
                punto_venta = key.punto_venta,
                cbte_tipo = key.cbte_tipo,
                "lost a series lease while reporting"
            );
        }
        Ok(fenced)
    }

    /// The lease's expiry counted from the clock now (not from the pass's start).
    fn lease_expiry(&self) -> i64 {
        let ttl = i64::try_from(self.inner.config.lease_ttl.as_millis()).unwrap_or(i64::MAX);
        self.inner.clock.now().timestamp_millis().saturating_add(ttl)
    }
}

/// Completes when the breaker goes from open to closed (never, if it can no longer change).
async fn breaker_closes(open: &mut tokio::sync::watch::Receiver<bool>) {
    loop {
        if open.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
        if !*open.borrow_and_update() {
            return;
        }
    }
}

/// The detail as reported: the stored unnumbered `FECAEDetRequest` numbered `CbteDesde` =
/// `CbteHasta` = `numero`, with the CAEA and `CbteFchHsGen`.
pub fn numbered_detail(row: &ReportVoucher) -> Result<FECAEADetRequest, Error> {
    let unreadable = |why: String| Error::Invalid(vec![("voucher".into(), format!("invoice {}: {why}", row.id))]);
    let mut detail = crate::storage::invoices::voucher::from_json(&row.voucher).map_err(unreadable)?;
    detail.cbte_desde = row.numero;
    detail.cbte_hasta = row.numero;
    let caea = row.cae.clone().ok_or_else(|| unreadable("no CAEA".into()))?;
    let cbte_fch_hs_gen = row
        .cbte_fch_hs_gen
        .as_deref()
        .map(|stamp| NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S"))
        .transpose()
        .map_err(|error| unreadable(format!("cbte_fch_hs_gen: {error}")))?;
    Ok(FECAEADetRequest {
        detail,
        caea,
        cbte_fch_hs_gen,
    })
}
