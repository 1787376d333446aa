//! Retention: webhook deliveries that are over (delivered or failed for good) and webhook events
//! older than `WEBHOOK_RETENTION_DAYS` are deleted, in bounded chunks so no statement holds the
//! tables for long.
//!
//! [`purge`] is one run, with `now` passed in (tests move an injected clock). It never deletes a
//! delivery still pending or delivering, nor the event such a delivery sends, and never touches
//! emails (kept with their invoice).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::Error;
use crate::storage::{self, Storage};

/// Rows per DELETE.
pub const PURGE_CHUNK: i64 = 1000;

/// What one [`purge`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub deliveries: u64,
    pub events: u64,
}

/// Deletes the final webhook deliveries and the webhook events created more than `retention`
/// before `now`, [`PURGE_CHUNK`] rows per statement until none is left.
pub async fn purge(storage: &Storage, now: DateTime<Utc>, retention: Duration) -> Result<Purged, Error> {
    let before = now - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    let mut purged = Purged::default();
    loop {
        let deleted = storage::outbox::purge_webhook_deliveries(storage, before, PURGE_CHUNK).await?;
        purged.deliveries += deleted;
        if deleted < PURGE_CHUNK as u64 {
            break;
        }
    }
    loop {
        let deleted = storage::webhooks::purge_events(storage, before, PURGE_CHUNK).await?;
        purged.events += deleted;
        if deleted < PURGE_CHUNK as u64 {
            break;
        }
    }
    Ok(purged)
}

/// The retention period of `days` days.
pub fn days(days: u32) -> Duration {
    Duration::from_secs(u64::from(days) * 86_400)
}
