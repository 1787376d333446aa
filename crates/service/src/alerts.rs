//! Alerts that ride on webhooks (ARCHITECTURE.md "Webhook events"), and the scheduled jobs that
//! check for them:
//!
//! - `quota.warning` (90 % of the month's quota) and `quota.exhausted` (100 %), once per account
//!   and month: fired by the transaction that counts the invoice crossing the threshold
//!   ([`quota_crossed`], from `Engine::submit`) and, to catch quota changes, by the `quota` job.
//! - `certificate.expiring` 30, 15, 7 and 1 days before `not_after` and `certificate.expired`,
//!   once each per certificate: the `certificate_expiry` job.
//! - `arca.unavailable` / `arca.recovered`: [`announce_availability`], called when this
//!   instance's circuit breaker opens or closes; the shared `arca_availability` row makes each
//!   transition announced once across instances, to every account with queued invoices.
//!
//! "Once" is a row of `alert_marks` inserted in the transaction that emits (first insert wins),
//! so two instances, or a job run twice, never fire an alert twice, and a rolled-back emission
//! leaves no mark. [`Jobs`] runs each job on one instance at a time (a lease in `job_leases`),
//! at start-up and every `ALERTS_CHECK_INTERVAL_MS`; adding a job is one line in [`JOBS`].
//!
//! It never sends anything (the outbox's dispatcher does) and reads time only from the clock it
//! is given.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use arca_protocol::clock::Clock;
use chrono::{DateTime, Utc};

use crate::Error;
use crate::accounts::Account;
use crate::config::WebhookConfig;
use crate::storage::{self, Storage, Transaction};
use crate::webhooks::data;
use crate::webhooks::events::{self, Event, EventType};

/// Days before a certificate's `not_after` at which `certificate.expiring` fires, once each.
pub const EXPIRY_WARNING_DAYS: [i64; 4] = [30, 15, 7, 1];

/// The share of the quota (in tenths) at which `quota.warning` fires.
const WARNING_TENTHS: i64 = 9;

/// The count at which `quota.warning` fires for `quota`: 90 %, rounded up.
pub fn warning_at(quota: i64) -> i64 {
    (quota * WARNING_TENTHS + 9) / 10
}

/// After the account's usage in `month` became `used` (in `transaction`, or before it: usage
/// only grows within a month): fires `quota.warning` and `quota.exhausted` if `used` reached
/// them and they have not fired this month. `subscriptions`: the account's enabled ones, read
/// in `transaction`, or `None` to read them only once a mark is taken — the mark's INSERT is
/// then the transaction's first statement, so on SQLite it holds the writer lock before reading
/// (a read-then-write transaction fails there when another connection wrote in between). The
/// event shows the count as the transaction reads it. Returns how many events were stored.
#[allow(clippy::too_many_arguments)]
pub async fn quota_crossed(
    transaction: &mut Transaction<'_>,
    subscriptions: Option<&[(String, String)]>,
    account_id: &str,
    month: &str,
    used: i64,
    quota: i64,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    if used <= 0 {
        return Ok(0);
    }
    let mut due = Vec::new();
    if used >= warning_at(quota) {
        due.push(EventType::QuotaWarning);
    }
    if used >= quota {
        due.push(EventType::QuotaExhausted);
    }
    let mut stored = 0;
    let mut loaded: Option<Vec<(String, String)>> = None;
    for event_type in due {
        let key = format!("{}:{account_id}:{month}", event_type.as_str());
        if !storage::webhooks::mark_once(transaction, &key, now).await? {
            continue;
        }
        let subscriptions = match subscriptions {
            Some(subscriptions) => subscriptions,
            None => {
                if loaded.is_none() {
                    loaded = Some(storage::webhooks::enabled_for_account(transaction, account_id).await?);
                }
                loaded.as_deref().unwrap_or_default()
            }
        };
        if !subscriptions
            .iter()
            .any(|(_, events)| events::subscribed(events, event_type))
        {
            continue;
        }
        let Some(row) = storage::alerts::account_in(transaction, account_id).await? else {
            continue;
        };
        let invoices = storage::alerts::usage_in(transaction, account_id, month).await?;
        let event = Event {
            account_id: account_id.to_string(),
            event_type,
            data: data::account(row, month.to_string(), invoices)?,
        };
        if events::emit_with(transaction, subscriptions, &event, now)
            .await?
            .is_some()
        {
            stored += 1;
        }
    }
    Ok(stored)
}

/// The `quota` job: every account that used invoices this month, checked against its quota as
/// it is now (a lowered quota fires what the increments did not).
pub async fn check_quotas(storage: &Storage, now: DateTime<Utc>) -> Result<usize, Error> {
    let month = crate::usage::month_of(now);
    let mut stored = 0;
    for usage in storage::alerts::usage_in_month(storage, &month).await? {
        let account = Account::from_row(usage.account.clone())?;
        let Some(quota) = account.monthly_quota else { continue };
        if usage.invoices < warning_at(quota) {
            continue;
        }
        let mut transaction = storage.begin().await?;
        stored += quota_crossed(&mut transaction, None, &account.id, &month, usage.invoices, quota, now).await?;
        transaction.commit().await?;
    }
    Ok(stored)
}

/// Which expiry alert a certificate owes at `now`: `certificate.expired` once past `not_after`,
/// else `certificate.expiring` at the smallest threshold of [`EXPIRY_WARNING_DAYS`] reached
/// (a certificate uploaded 10 days before its end gets the 15-day one, not 30 as well). The
/// mark key names the certificate and the threshold.
pub fn expiry_alert(certificate_id: &str, not_after: DateTime<Utc>, now: DateTime<Utc>) -> Option<(EventType, String)> {
    if not_after <= now {
        return Some((
            EventType::CertificateExpired,
            format!("certificate.expired:{certificate_id}"),
        ));
    }
    let left = not_after - now;
    EXPIRY_WARNING_DAYS
        .iter()
        .rev()
        .find(|days| left <= chrono::Duration::days(**days))
        .map(|days| {
            (
                EventType::CertificateExpiring,
                format!("certificate.expiring:{certificate_id}:{days}"),
            )
        })
}

/// The `certificate_expiry` job: every active certificate whose expiry alert is due and not yet
/// fired fires it, with the certificate as `GET /v1/certificates/{id}` shows it.
pub async fn check_certificates(storage: &Storage, now: DateTime<Utc>) -> Result<usize, Error> {
    let mut stored = 0;
    for row in storage::alerts::active_certificates(storage).await? {
        let Some(not_after) = row.not_after else { continue };
        let Some((event_type, key)) = expiry_alert(&row.id, not_after, now) else {
            continue;
        };
        let mut transaction = storage.begin().await?;
        if storage::webhooks::mark_once(&mut transaction, &key, now).await? {
            let event = Event {
                account_id: row.account_id.clone(),
                event_type,
                data: data::certificate(row, now),
            };
            if events::emit(&mut transaction, &event, now).await?.is_some() {
                stored += 1;
            }
        }
        transaction.commit().await?;
    }
    Ok(stored)
}

/// ARCA's availability as this instance's breaker just saw it change: if the shared row still
/// said otherwise, this call flips it and, in the same transaction, emits `arca.unavailable` to
/// every account with queued invoices, or `arca.recovered` to those and to every account told
/// of the outage — once per transition across instances. `data`: `{"available", "since",
/// "queued_invoices"}`. Returns how many events were stored.
pub async fn announce_availability(storage: &Storage, available: bool, now: DateTime<Utc>) -> Result<usize, Error> {
    let mut transaction = storage.begin().await?;
    if !storage::alerts::flip_availability(&mut transaction, available, now).await? {
        return Ok(0);
    }
    let event_type = if available {
        EventType::ArcaRecovered
    } else {
        EventType::ArcaUnavailable
    };
    let mut recipients = storage::alerts::queued_by_account(&mut transaction).await?;
    if available {
        for account_id in storage::alerts::told_of_last_outage(&mut transaction).await? {
            if !recipients.iter().any(|(queued, _)| *queued == account_id) {
                recipients.push((account_id, 0));
            }
        }
    }
    let mut stored = 0;
    for (account_id, queued) in recipients {
        let event = Event {
            account_id,
            event_type,
            data: serde_json::json!({
                "available": available,
                "since": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "queued_invoices": queued,
            }),
        };
        if events::emit(&mut transaction, &event, now).await?.is_some() {
            stored += 1;
        }
    }
    transaction.commit().await?;
    if stored > 0 {
        crate::outbox::wake_all();
    }
    Ok(stored)
}

/// What a job gets: the database and the webhook settings (retention, ...).
#[derive(Clone)]
pub struct JobContext {
    pub storage: Storage,
    pub config: WebhookConfig,
}

/// A job's pass at `now`: how many things it did (events stored, rows purged).
pub type JobFuture = Pin<Box<dyn Future<Output = Result<usize, Error>> + Send>>;

/// A scheduled job: its name (the `job_leases` key, at most 64 characters) and its pass.
pub type Job = (&'static str, fn(JobContext, DateTime<Utc>) -> JobFuture);

/// The scheduled jobs. Adding one is adding a line.
pub const JOBS: &[Job] = &[
    ("certificate_expiry", |context, now| {
        Box::pin(async move { check_certificates(&context.storage, now).await })
    }),
    ("quota", |context, now| {
        Box::pin(async move { check_quotas(&context.storage, now).await })
    }),
    ("webhook_retention", |context, now| {
        Box::pin(async move {
            let retention = crate::outbox::retention::days(context.config.retention_days);
            let purged = crate::outbox::purge(&context.storage, now, retention).await?;
            if purged.deliveries > 0 || purged.events > 0 {
                tracing::info!(
                    deliveries = purged.deliveries,
                    events = purged.events,
                    "old webhook deliveries and events purged"
                );
            }
            Ok(usize::try_from(purged.deliveries.saturating_add(purged.events)).unwrap_or(usize::MAX))
        })
    }),
    ("taxpayer_cache", |context, now| {
        Box::pin(async move {
            let before = now - chrono::Duration::from_std(crate::config::TAXPAYER_CACHE_TTL_MAX).unwrap_or_default();
            let purged = crate::storage::taxpayers::purge_before(&context.storage, before).await?;
            Ok(usize::try_from(purged).unwrap_or(usize::MAX))
        })
    }),
    ("fce_obligations", |context, now| {
        Box::pin(async move {
            let before = now - chrono::Duration::from_std(crate::fce::OBLIGATION_TTL).unwrap_or_default();
            let purged = crate::storage::fce::purge_before(&context.storage, before).await?;
            Ok(usize::try_from(purged).unwrap_or(usize::MAX))
        })
    }),
];

/// The scheduled jobs of this instance. Cloning shares it.
#[derive(Clone)]
pub struct Jobs {
    context: JobContext,
    clock: Arc<dyn Clock>,
    owner: String,
    task: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

/// How long a job's lease lasts: a crashed instance's job is taken over after it.
const JOB_LEASE: Duration = Duration::from_secs(300);

impl Jobs {
    pub fn new(storage: Storage, config: WebhookConfig, clock: Arc<dyn Clock>) -> Jobs {
        Jobs {
            context: JobContext { storage, config },
            clock,
            owner: storage::new_id("jobs"),
            task: Arc::default(),
        }
    }

    /// Starts [`Jobs::run_periodically`] in the background (once).
    pub fn spawn(&self) {
        let mut task = self.task.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if task.is_none() {
            *task = Some(tokio::spawn(self.clone().run_periodically()));
        }
    }

    /// Stops the background runs (a job in progress stops at its next await; its lease expires).
    pub fn stop(&self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take() {
            task.abort();
        }
    }

    /// Runs every job now on this instance, unless another instance is running it at this
    /// moment (its lease is live). Returns (job, what it did) for the jobs that ran.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<Vec<(&'static str, usize)>, Error> {
        self.run(now, now).await
    }

    /// Runs the jobs that no instance ran since `ran_before`, then records the run.
    async fn run(&self, now: DateTime<Utc>, ran_before: DateTime<Utc>) -> Result<Vec<(&'static str, usize)>, Error> {
        let now_ms = now.timestamp_millis();
        let expires = now_ms.saturating_add(i64::try_from(JOB_LEASE.as_millis()).unwrap_or(i64::MAX));
        let mut ran = Vec::new();
        for (name, job) in JOBS {
            let storage = &self.context.storage;
            if !storage::alerts::claim_job(
                storage,
                name,
                &self.owner,
                now_ms,
                expires,
                ran_before.timestamp_millis(),
            )
            .await?
            {
                continue;
            }
            match job(self.context.clone(), now).await {
                Ok(done) => {
                    storage::alerts::finish_job(storage, name, &self.owner, now_ms).await?;
                    if done > 0 {
                        crate::outbox::wake_all();
                    }
                    ran.push((*name, done));
                }
                Err(error) => {
                    storage::alerts::abandon_job(storage, name, &self.owner).await?;
                    return Err(error);
                }
            }
        }
        Ok(ran)
    }

    /// Runs the jobs at start-up and then every `ALERTS_CHECK_INTERVAL_MS`; a job another
    /// instance ran within the interval is skipped. Until the task is aborted.
    pub async fn run_periodically(self) {
        let interval = self.context.config.alerts_interval;
        loop {
            let now = self.clock.now();
            let ran_before =
                now - chrono::Duration::from_std(interval).unwrap_or_default() + chrono::Duration::seconds(1);
            if let Err(error) = self.run(now, ran_before).await {
                tracing::warn!(error = %error, "scheduled alert jobs failed; retrying at the next interval");
            }
            tokio::time::sleep(interval).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_is_at_ninety_percent_rounded_up() {
        assert_eq!(warning_at(10), 9);
        assert_eq!(warning_at(100), 90);
        assert_eq!(warning_at(15), 14);
        assert_eq!(warning_at(1), 1);
    }

    #[test]
    fn a_certificate_owes_the_smallest_threshold_reached() {
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let at = |days: i64| now + chrono::Duration::days(days);
        assert_eq!(expiry_alert("c", at(31), now), None);
        assert_eq!(
            expiry_alert("c", at(30), now).map(|(_, key)| key),
            Some("certificate.expiring:c:30".into())
        );
        assert_eq!(
            expiry_alert("c", at(10), now).map(|(_, key)| key),
            Some("certificate.expiring:c:15".into())
        );
        assert_eq!(
            expiry_alert("c", at(1), now).map(|(_, key)| key),
            Some("certificate.expiring:c:1".into())
        );
        assert_eq!(
            expiry_alert("c", at(0), now),
            Some((EventType::CertificateExpired, "certificate.expired:c".into()))
        );
    }
}
