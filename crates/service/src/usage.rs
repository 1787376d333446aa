//! Monthly usage and the invoice quota.
//!
//! Months are Argentina's calendar months (UTC−3 all year: Argentina keeps no daylight saving
//! time), as invoice dates are. The invoices endpoint is expected to call [`check_quota`] before
//! accepting an invoice and, in the transaction that stores it, [`increment_usage`] for an
//! account with a quota (comparing the count it returns with the quota closes the window between
//! two concurrent checks: roll back when it exceeds the quota) or [`count_usage`] for one without
//! (a shard of the month picked at random, so concurrent acceptances do not queue on one row).
//!
//! [`summary`] is the month's count against the quota (`GET /v1/account`'s `usage`, the
//! dashboard's usage page); [`per_day`] counts the invoices stored on each of the month's days,
//! for the usage page's chart. It never counts another account's invoices.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::Error;
use crate::accounts::Account;
use crate::storage::Storage;
pub use crate::storage::usage::{count_usage, increment_usage, usage};

/// Argentina's offset from UTC, west of Greenwich.
const ARGENTINA_UTC_OFFSET_SECONDS: i32 = 3 * 3600;

/// `YYYY-MM` of `now` in Argentina.
pub fn month_of(now: DateTime<Utc>) -> String {
    let local = now.with_timezone(&argentina());
    format!("{:04}-{:02}", local.year(), local.month())
}

/// Invoices the account has accepted in the month of `now`: (month, count).
pub async fn this_month(storage: &Storage, account_id: &str, now: DateTime<Utc>) -> Result<(String, i64), Error> {
    let month = month_of(now);
    let invoices = usage(storage, account_id, &month).await?;
    Ok((month, invoices))
}

/// The month's usage against the account's quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `YYYY-MM`, Argentina's calendar.
    pub period: String,
    /// Invoices accepted in the month (the counter the quota is checked against).
    pub invoices: i64,
    /// The monthly quota; `None` is unlimited.
    pub quota: Option<i64>,
    /// Invoices left this month (never negative); `None` is unlimited.
    pub remaining: Option<i64>,
}

impl Summary {
    pub fn new(period: String, invoices: i64, quota: Option<i64>) -> Summary {
        Summary {
            period,
            invoices,
            quota,
            remaining: quota.map(|quota| (quota - invoices).max(0)),
        }
    }

    /// Whether `quota.warning`'s mark (90 %) is reached.
    pub fn near_quota(&self) -> bool {
        self.quota
            .is_some_and(|quota| self.invoices >= crate::alerts::warning_at(quota))
    }

    /// Whether no invoice is left this month.
    pub fn exhausted(&self) -> bool {
        self.remaining == Some(0)
    }
}

/// The account's usage in the month of `now`, against its quota.
pub async fn summary(storage: &Storage, account: &Account, now: DateTime<Utc>) -> Result<Summary, Error> {
    let (period, invoices) = this_month(storage, &account.id, now).await?;
    Ok(Summary::new(period, invoices, account.monthly_quota))
}

fn argentina() -> FixedOffset {
    FixedOffset::west_opt(ARGENTINA_UTC_OFFSET_SECONDS).expect("a valid offset")
}

/// The days of the month of `now` in Argentina, first to last.
pub fn month_days(now: DateTime<Utc>) -> Vec<NaiveDate> {
    let local = now.with_timezone(&argentina()).date_naive();
    let first = local.with_day(1).unwrap_or(local);
    first
        .iter_days()
        .take_while(|day| day.month() == first.month())
        .collect()
}

/// The instant Argentina's `day` begins.
fn day_start(day: NaiveDate) -> DateTime<Utc> {
    argentina()
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .single()
        .map(|start| start.with_timezone(&Utc))
        .unwrap_or_default()
}

/// Invoices the account stored on each of Argentina's days of the month of `now`, every day of
/// the month (future ones count 0): (day, count). Counted by the invoices' `created_at` (the
/// instant each was stored; the monthly counter is kept in the same transaction), in one
/// statement bounded to one month ([`crate::storage::usage::MAX_RANGES`] days).
pub async fn per_day(storage: &Storage, account_id: &str, now: DateTime<Utc>) -> Result<Vec<(NaiveDate, i64)>, Error> {
    let days = month_days(now);
    let Some(last) = days.last() else {
        return Ok(Vec::new());
    };
    let mut bounds: Vec<DateTime<Utc>> = days.iter().map(|day| day_start(*day)).collect();
    bounds.push(day_start(*last + Duration::days(1)));
    let counts = crate::storage::usage::invoices_per_range(storage, account_id, &bounds).await?;
    Ok(days.into_iter().zip(counts).collect())
}

/// `Ok` while the account may accept another invoice this month; [`Error::QuotaExceeded`]
/// (answered 402 `PAYMENT_REQUIRED`, not retryable) once it has used its quota. Unlimited
/// accounts (enterprise, no override) always pass without a query.
pub async fn check_quota(storage: &Storage, account: &Account, now: DateTime<Utc>) -> Result<(), Error> {
    let Some(quota) = account.monthly_quota else {
        return Ok(());
    };
    let (month, used) = this_month(storage, &account.id, now).await?;
    if used < quota {
        Ok(())
    } else {
        Err(Error::QuotaExceeded { quota, used, month })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_follow_argentinas_calendar() {
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            month_of(at("2026-03-01T02:59:59Z")),
            "2026-02",
            "still February in Buenos Aires"
        );
        assert_eq!(month_of(at("2026-03-01T03:00:00Z")), "2026-03");
        assert_eq!(month_of(at("2027-01-01T01:00:00Z")), "2026-12");
    }

    #[test]
    fn a_months_days_are_argentinas() {
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        let days = month_days(at("2026-03-01T02:59:59Z"));
        assert_eq!(days.len(), 28, "February 2026 in Buenos Aires");
        assert_eq!(days[0], NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        assert_eq!(month_days(at("2028-02-10T12:00:00Z")).len(), 29);
        assert_eq!(month_days(at("2026-12-31T12:00:00Z")).len(), 31);
        assert_eq!(
            day_start(NaiveDate::from_ymd_opt(2026, 3, 5).unwrap()),
            at("2026-03-05T03:00:00Z")
        );
    }

    #[test]
    fn the_summary_bounds_what_is_left() {
        let summary = Summary::new("2026-03".into(), 460, Some(500));
        assert_eq!(summary.remaining, Some(40));
        assert!(summary.near_quota());
        assert!(!summary.exhausted());
        let over = Summary::new("2026-03".into(), 510, Some(500));
        assert_eq!(over.remaining, Some(0));
        assert!(over.exhausted());
        let unlimited = Summary::new("2026-03".into(), 10, None);
        assert_eq!(unlimited.remaining, None);
        assert!(!unlimited.near_quota() && !unlimited.exhausted());
    }
}
