//! The `usage` table: invoices accepted per account and month (`YYYY-MM`, Argentina's calendar),
//! and the per-day counts of the usage page, read from `invoices`.

use chrono::{DateTime, Utc};

use super::transaction::{Transaction, with_transaction};
use super::{Storage, with_pool};
use crate::Error;

/// The rows one account's month is spread over when it has no quota (migration 0023).
pub const SHARDS: i16 = 16;

/// The month's count: the sum of its shards, 0 when none (an `i64` on both dialects).
const SUM_SQL: &str =
    "SELECT CAST(COALESCE(SUM(invoices), 0) AS BIGINT) FROM usage WHERE account_id = $1 AND month = $2";

/// Adds `$4` invoices to `shard` of the account's `month`, in the caller's transaction.
const INCREMENT_SQL: &str = "INSERT INTO usage (account_id, month, shard, invoices) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (account_id, month, shard) DO UPDATE SET invoices = usage.invoices + excluded.invoices";

/// Counts `count` accepted invoices for an account **with a quota** in `month`, inside the caller's
/// transaction (the one that stores the invoice, so the count and the invoice commit together),
/// on shard 0: its row's lock makes the account's accepting transactions take turns, so the
/// count returned — the month's whole count, including this one — is exact, and the caller may
/// compare it with the quota to close the race between two concurrent
/// [`crate::usage::check_quota`] calls.
pub async fn increment_usage(
    transaction: &mut Transaction<'_>,
    account_id: &str,
    month: &str,
    count: i64,
) -> Result<i64, Error> {
    Ok(with_transaction!(transaction, connection => {
        sqlx::query(INCREMENT_SQL).bind(account_id).bind(month).bind(0_i16).bind(count).execute(&mut *connection).await?;
        sqlx::query_scalar::<_, i64>(SUM_SQL).bind(account_id).bind(month).fetch_one(&mut *connection).await?
    }))
}

/// Counts `count` accepted invoices for an account **without a quota** in `month`, inside the
/// caller's transaction, on a shard picked at random: concurrent acceptances of one account wait
/// for one another only when they pick the same shard. Nothing is compared, so nothing returned.
pub async fn count_usage(
    transaction: &mut Transaction<'_>,
    account_id: &str,
    month: &str,
    count: i64,
) -> Result<(), Error> {
    let shard: i16 = rand::Rng::gen_range(&mut rand::thread_rng(), 0..SHARDS);
    with_transaction!(transaction, connection => {
        sqlx::query(INCREMENT_SQL).bind(account_id).bind(month).bind(shard).bind(count).execute(connection).await?;
    });
    Ok(())
}

/// Invoices the account had accepted in `month` (0 when none).
pub async fn usage(storage: &Storage, account_id: &str, month: &str) -> Result<i64, Error> {
    Ok(with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i64>(SUM_SQL).bind(account_id).bind(month).fetch_one(pool).await?
    }))
}

/// The most ranges [`invoices_per_range`] counts at once: a month's days.
pub const MAX_RANGES: usize = 31;

/// The account's invoices whose `created_at` falls in each range `[bounds[i], bounds[i + 1])`:
/// one count per range, in order. One statement, the same text on both dialects: a `UNION ALL`
/// of one `COUNT(*)` per range, each a range scan of `invoices_account_created` (account,
/// created_at). At most [`MAX_RANGES`] ranges (a month of days): more is refused.
pub async fn invoices_per_range(
    storage: &Storage,
    account_id: &str,
    bounds: &[DateTime<Utc>],
) -> Result<Vec<i64>, Error> {
    let ranges = bounds.len().saturating_sub(1);
    if ranges == 0 {
        return Ok(Vec::new());
    }
    if ranges > MAX_RANGES {
        return Err(Error::invalid(
            "bounds",
            format!("at most {MAX_RANGES} ranges are counted at once"),
        ));
    }
    let sql = (0..ranges)
        .map(|index| {
            format!(
                "SELECT CAST({index} AS BIGINT) AS range_index, COUNT(*) AS invoices FROM invoices \
                 WHERE account_id = $1 AND created_at >= ${} AND created_at < ${}",
                index + 2,
                index + 3
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows: Vec<(i64, i64)> = with_pool!(storage, pool => {
        let mut query = sqlx::query_as::<_, (i64, i64)>(&sql).bind(account_id);
        for bound in bounds {
            query = query.bind(*bound);
        }
        query.fetch_all(pool).await?
    });
    let mut counts = vec![0; ranges];
    for (index, count) in rows {
        if let Some(slot) = usize::try_from(index).ok().and_then(|index| counts.get_mut(index)) {
            *slot = count;
        }
    }
    Ok(counts)
}
