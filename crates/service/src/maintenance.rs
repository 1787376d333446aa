//! Maintenance mode: on when `MAINTENANCE_MODE=true` at start, or when the shared flag in the
//! database says so (`arca-api maintenance on|off`, see [`set`]).
//!
//! The flag lives in the database rather than only in Redis because every instance has the
//! database and Redis is optional: one indexed read per instance every `MAINTENANCE_CACHE_MS`
//! (2 s by default) is negligible, and an operator's switch reaches every instance within that
//! time without a restart.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::Error;
use crate::config::MaintenanceConfig;
use crate::storage::{self, Storage, settings};

/// The settings row that holds the flag.
const SETTING: &str = "maintenance";

/// Whether this instance is in maintenance, from the configuration and the shared flag.
pub struct Maintenance {
    storage: Storage,
    /// `MAINTENANCE_MODE=true`: on whatever the flag says.
    forced: bool,
    retry_after: Duration,
    cache_ttl: Duration,
    /// The flag as last read, and when.
    cached: Mutex<Option<(Instant, bool)>>,
}

/// The shared flag as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub enabled: bool,
    pub updated_at: DateTime<Utc>,
}

impl Maintenance {
    pub fn new(config: &MaintenanceConfig, storage: Storage) -> Maintenance {
        Maintenance {
            storage,
            forced: config.enabled,
            retry_after: config.retry_after,
            cache_ttl: config.cache_ttl,
            cached: Mutex::new(None),
        }
    }

    /// The `Retry-After` sent while in maintenance.
    pub fn retry_after(&self) -> Duration {
        self.retry_after
    }

    /// Whether `/v1` is closed now. Reads the shared flag at most once per cache TTL; when the
    /// database cannot answer, the last known value stands (the database being down is what
    /// health reports; it must not open or close the API by itself).
    pub async fn is_active(&self) -> bool {
        if self.forced {
            return true;
        }
        if let Some((read_at, enabled)) = *self.lock()
            && read_at.elapsed() < self.cache_ttl
        {
            return enabled;
        }
        let enabled = match status(&self.storage).await {
            Ok(flag) => flag.is_some_and(|flag| flag.enabled),
            Err(error) => {
                tracing::warn!(%error, "maintenance flag unreadable; keeping the last known value");
                (*self.lock()).is_some_and(|(_, enabled)| enabled)
            }
        };
        *self.lock() = Some((Instant::now(), enabled));
        enabled
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, bool)>> {
        self.cached.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Turns the shared flag on or off for every instance.
pub async fn set(storage: &Storage, enabled: bool) -> Result<(), Error> {
    let value = if enabled { "on" } else { "off" };
    settings::upsert(storage, SETTING, value, storage::now()).await
}

/// The shared flag, if it was ever set.
pub async fn status(storage: &Storage) -> Result<Option<Flag>, Error> {
    Ok(settings::find(storage, SETTING).await?.map(|row| Flag {
        enabled: row.value == "on",
        updated_at: row.updated_at,
    }))
}
