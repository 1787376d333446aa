//! Monthly usage and the invoice quota.
//!
//! Months are Argentina's calendar months (UTC−3 all year: Argentina keeps no daylight saving
//! time), as invoice dates are. The invoices endpoint is expected to call [`check_quota`] before
//! accepting an invoice and [`increment_usage`] in the transaction that stores it; comparing the
//! count `increment_usage` returns with the quota closes the window between two concurrent
//! checks (roll back when it exceeds the quota).

use chrono::{DateTime, Datelike, FixedOffset, Utc};

use crate::Error;
use crate::accounts::Account;
use crate::storage::Storage;
pub use crate::storage::usage::{increment_usage, usage};

/// Argentina's offset from UTC, west of Greenwich.
const ARGENTINA_UTC_OFFSET_SECONDS: i32 = 3 * 3600;

/// `YYYY-MM` of `now` in Argentina.
pub fn month_of(now: DateTime<Utc>) -> String {
    let argentina = FixedOffset::west_opt(ARGENTINA_UTC_OFFSET_SECONDS).expect("a valid offset");
    let local = now.with_timezone(&argentina);
    format!("{:04}-{:02}", local.year(), local.month())
}

/// Invoices the account has accepted in the month of `now`: (month, count).
pub async fn this_month(storage: &Storage, account_id: &str, now: DateTime<Utc>) -> Result<(String, i64), Error> {
    let month = month_of(now);
    let invoices = usage(storage, account_id, &month).await?;
    Ok((month, invoices))
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
}
