//! [`SimulatorClock`]: a clock several processes share and a test moves, for the multi-process
//! and kill tests (`SIMULATOR_CLOCK_FILE`, README "Webhooks"). It is the machine's time plus an
//! offset in milliseconds read from a file on every `now()`; writing another number into the
//! file moves every process that reads it at once. Missing, empty or unreadable: no offset.
//!
//! Honoured only in simulator mode: the configuration refuses `SIMULATOR_CLOCK_FILE` with any
//! other `ARCA_ENVIRONMENT`, so a production instance never takes its time from a file.

use std::path::PathBuf;

use arca_protocol::clock::Clock;
use chrono::{DateTime, Utc};

/// The machine's time shifted by the offset (ms) in `path`.
#[derive(Debug, Clone)]
pub struct SimulatorClock {
    path: PathBuf,
}

impl SimulatorClock {
    pub fn new(path: PathBuf) -> SimulatorClock {
        SimulatorClock { path }
    }

    /// The offset the file holds now (0 when it holds none).
    pub fn offset_ms(&self) -> i64 {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|text| text.trim().parse::<i64>().ok())
            .unwrap_or(0)
    }

    /// Writes `offset_ms` into `path` (what a test does to move every process's time).
    pub fn set_offset(path: &std::path::Path, offset_ms: i64) -> std::io::Result<()> {
        // Written whole and renamed into place, so a reader never sees half a number.
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, offset_ms.to_string())?;
        std::fs::rename(&temporary, path)
    }
}

impl Clock for SimulatorClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_in_the_file_moves_the_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clock");
        let clock = SimulatorClock::new(path.clone());
        assert_eq!(clock.offset_ms(), 0, "no file: no offset");
        SimulatorClock::set_offset(&path, 86_400_000).unwrap();
        assert_eq!(clock.offset_ms(), 86_400_000);
        let ahead = clock.now() - Utc::now();
        assert!(ahead > chrono::Duration::hours(23), "{ahead}");
    }
}
