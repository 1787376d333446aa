//! What the webhook events and the scheduled alert jobs read and write besides the events
//! themselves (ARCHITECTURE.md "Webhook events"): the `job_leases` rows that let one instance
//! run a job at a time, the `arca_availability` row that makes an ARCA transition announced
//! once across instances, and the reads the alerts need (certificates near expiry, the month's
//! usage, the accounts with queued invoices, the subscribers of a batch of invoices).
//!
//! It never decides when an alert fires (`crate::alerts` and `crate::webhooks::invoice_events`
//! do) and never reads the clock: times come from the caller. Every query is written once for
//! both dialects.

use chrono::{DateTime, Utc};

use super::accounts::AccountRow;
use super::certificates::CertificateRow;
use super::invoices::InvoiceStatus;
use super::series::Fenced;
use super::transaction::{Transaction, with_transaction};
use super::{Storage, with_pool};
use crate::Error;

/// Takes job `name`'s lease for `owner` until `expires_ms` when nobody holds a live one and the
/// job last ran at or before `ran_before_ms` (or never). `true`: this caller runs the job now.
/// A conditional UPDATE, like the series' and the outbox's leases: two instances never both win.
pub async fn claim_job(
    storage: &Storage,
    name: &str,
    owner: &str,
    now_ms: i64,
    expires_ms: i64,
    ran_before_ms: i64,
) -> Result<bool, Error> {
    const ENSURE: &str = "INSERT INTO job_leases (name, lease_expires_at) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING";
    const CLAIM: &str = "UPDATE job_leases SET owner = $2, lease_expires_at = $4 \
         WHERE name = $1 AND lease_expires_at <= $3 AND (last_run_at IS NULL OR last_run_at <= $5)";
    Ok(with_pool!(storage, pool => {
        sqlx::query(ENSURE).bind(name).execute(pool).await?;
        sqlx::query(CLAIM)
            .bind(name)
            .bind(owner)
            .bind(now_ms)
            .bind(expires_ms)
            .bind(ran_before_ms)
            .execute(pool)
            .await?
            .rows_affected()
            == 1
    }))
}

/// Records that `owner` ran job `name` at `ran_ms` and lets its lease go.
pub async fn finish_job(storage: &Storage, name: &str, owner: &str, ran_ms: i64) -> Result<(), Error> {
    const SQL: &str = "UPDATE job_leases SET owner = NULL, lease_expires_at = 0, last_run_at = $3 \
         WHERE name = $1 AND owner = $2";
    with_pool!(storage, pool => {
        sqlx::query(SQL).bind(name).bind(owner).bind(ran_ms).execute(pool).await?;
    });
    Ok(())
}

/// Lets job `name`'s lease go without recording a run (the job failed: the next pass retries).
pub async fn abandon_job(storage: &Storage, name: &str, owner: &str) -> Result<(), Error> {
    const SQL: &str = "UPDATE job_leases SET owner = NULL, lease_expires_at = 0 WHERE name = $1 AND owner = $2";
    with_pool!(storage, pool => {
        sqlx::query(SQL).bind(name).bind(owner).execute(pool).await?;
    });
    Ok(())
}

/// Sets ARCA's shared availability to `available` (at `now`) if it was the other value; `true`
/// when this call changed it: the caller announces the transition, in this transaction. (On
/// PostgreSQL a concurrent flip waits for the row and then finds nothing to change.)
pub async fn flip_availability(
    transaction: &mut Transaction<'_>,
    available: bool,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    const SQL: &str = "UPDATE arca_availability SET available = $1, changed_at = $2 WHERE id = 1 AND available <> $1";
    Ok(with_transaction!(transaction, connection => {
        sqlx::query(SQL).bind(available).bind(now).execute(connection).await?.rows_affected() == 1
    }))
}

/// The accounts told of the last outage (the latest `arca.unavailable` events, all written
/// together with one time), read in the caller's transaction: the outage being over, they are
/// told it is.
pub async fn told_of_last_outage(transaction: &mut Transaction<'_>) -> Result<Vec<String>, Error> {
    const SQL: &str = "SELECT DISTINCT account_id FROM webhook_events WHERE type = 'arca.unavailable' \
         AND created_at = (SELECT MAX(created_at) FROM webhook_events WHERE type = 'arca.unavailable') \
         ORDER BY account_id";
    Ok(with_transaction!(transaction, connection => {
        sqlx::query_scalar::<_, String>(SQL).fetch_all(connection).await?
    }))
}

/// ARCA's shared availability: (available, since).
pub async fn availability(storage: &Storage) -> Result<(bool, DateTime<Utc>), Error> {
    const SQL: &str = "SELECT available, changed_at FROM arca_availability WHERE id = 1";
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, (bool, DateTime<Utc>)>(SQL).fetch_one(pool).await?
    }))
}

/// The accounts with queued invoices (pending, pending_retry, in flight) and how many each has,
/// read in the caller's transaction.
pub async fn queued_by_account(transaction: &mut Transaction<'_>) -> Result<Vec<(String, i64)>, Error> {
    const SQL: &str = "SELECT account_id, COUNT(*) FROM invoices WHERE status IN ('pending', 'pending_retry') \
         GROUP BY account_id ORDER BY account_id";
    Ok(with_transaction!(transaction, connection => {
        sqlx::query_as::<_, (String, i64)>(SQL).fetch_all(connection).await?
    }))
}

/// Every account's active certificates with an expiry (the expiry job filters by date: the
/// dialects store times differently, so the comparison is made on read values).
pub async fn active_certificates(storage: &Storage) -> Result<Vec<CertificateRow>, Error> {
    let sql = format!(
        "SELECT {} FROM certificates WHERE status = 'active' AND not_after IS NOT NULL ORDER BY id",
        super::certificates::COLUMNS
    );
    Ok(with_pool!(storage, pool => sqlx::query_as::<_, CertificateRow>(&sql).fetch_all(pool).await?))
}

/// One account with its count of invoices in a month.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountUsage {
    #[sqlx(flatten)]
    pub account: AccountRow,
    pub invoices: i64,
}

const ACCOUNT_COLUMNS: &str =
    "a.id, a.name, a.cuit, a.tier, a.monthly_quota, a.requests_per_minute, a.created_at, a.send_email_on_approval";

/// Every account that accepted invoices in `month`, with the count.
pub async fn usage_in_month(storage: &Storage, month: &str) -> Result<Vec<AccountUsage>, Error> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS}, u.invoices FROM accounts a JOIN \
         (SELECT account_id, CAST(SUM(invoices) AS BIGINT) AS invoices FROM usage WHERE month = $1 GROUP BY account_id) u \
         ON u.account_id = a.id ORDER BY a.id"
    );
    Ok(with_pool!(storage, pool => sqlx::query_as::<_, AccountUsage>(&sql).bind(month).fetch_all(pool).await?))
}

/// The account `id`, read in the caller's transaction.
pub async fn account_in(transaction: &mut Transaction<'_>, id: &str) -> Result<Option<AccountRow>, Error> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1");
    Ok(with_transaction!(transaction, connection => {
        sqlx::query_as::<_, AccountRow>(&sql).bind(id).fetch_optional(connection).await?
    }))
}

/// The account's count of invoices in `month`, read in the caller's transaction.
pub async fn usage_in(transaction: &mut Transaction<'_>, account_id: &str, month: &str) -> Result<i64, Error> {
    const SQL: &str =
        "SELECT CAST(COALESCE(SUM(invoices), 0) AS BIGINT) FROM usage WHERE account_id = $1 AND month = $2";
    Ok(with_transaction!(transaction, connection => {
        sqlx::query_scalar::<_, i64>(SQL).bind(account_id).bind(month).fetch_one(connection).await?
    }))
}

/// One enabled subscription of an account: (account id, subscription id, events JSON).
pub type AccountSubscription = (String, String, String);

/// The enabled subscriptions of the accounts that own any of `ids` (invoices), in the caller's
/// transaction: one query for a whole batch, empty (and nothing more to do) when none of those
/// accounts listens.
pub async fn subscriptions_for_invoices(
    transaction: &mut Transaction<'_>,
    ids: &[String],
) -> Result<Vec<AccountSubscription>, Error> {
    let mut found: Vec<AccountSubscription> = Vec::new();
    for chunk in ids.chunks(250) {
        let placeholders = super::placeholders(1, chunk.len());
        let sql = format!(
            "SELECT account_id, id, events FROM webhook_subscriptions WHERE enabled AND account_id IN \
             (SELECT account_id FROM invoices WHERE id IN ({placeholders})) ORDER BY account_id, id"
        );
        let rows = with_transaction!(&mut *transaction, connection => {
            let mut query = sqlx::query_as::<_, AccountSubscription>(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            query.fetch_all(connection).await?
        });
        for row in rows {
            if !found.contains(&row) {
                found.push(row);
            }
        }
    }
    Ok(found)
}

/// Emits the `invoice.*` events for statuses a series worker records, in its fenced transaction
/// (`crate::webhooks::invoice_events::announce`): the worker never sees the transaction itself.
pub async fn announce_statuses(
    fenced: &mut Fenced<'_>,
    statuses: &[(InvoiceStatus, Vec<String>)],
    links: &crate::webhooks::data::InvoiceLinker,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    crate::webhooks::invoice_events::announce(fenced.transaction(), statuses, links, now).await
}
