//! What a load run measured, and how it is printed: per-request latencies, outcomes, wall time.

use std::collections::BTreeMap;
use std::time::Duration;

/// One mode's run: every request's latency and outcome, and the wall time of the whole run.
#[derive(Debug, Clone)]
pub struct Run {
    pub mode: String,
    pub concurrency: usize,
    pub wall: Duration,
    /// Sorted ascending (see [`Run::new`]).
    latencies: Vec<Duration>,
    /// How many requests ended in each outcome (`approved`, `http 503`, …).
    pub outcomes: BTreeMap<String, usize>,
}

impl Run {
    pub fn new(mode: &str, concurrency: usize, wall: Duration, results: Vec<(Duration, String)>) -> Run {
        let mut latencies = Vec::with_capacity(results.len());
        let mut outcomes = BTreeMap::new();
        for (latency, outcome) in results {
            latencies.push(latency);
            *outcomes.entry(outcome).or_insert(0) += 1;
        }
        latencies.sort_unstable();
        Run {
            mode: mode.to_string(),
            concurrency,
            wall,
            latencies,
            outcomes,
        }
    }

    pub fn count(&self) -> usize {
        self.latencies.len()
    }

    /// Requests completed per second of wall time.
    pub fn throughput(&self) -> f64 {
        let seconds = self.wall.as_secs_f64();
        if seconds > 0.0 {
            self.count() as f64 / seconds
        } else {
            0.0
        }
    }

    /// The `p`-th percentile latency (0 < p ≤ 100), by nearest rank.
    pub fn percentile(&self, p: f64) -> Duration {
        percentile(&self.latencies, p)
    }

    /// Requests whose outcome is not `expected`.
    pub fn unexpected(&self, expected: &str) -> usize {
        self.outcomes
            .iter()
            .filter(|(outcome, _)| outcome.as_str() != expected)
            .map(|(_, count)| count)
            .sum()
    }

    /// `approved: 2000` or `approved: 1990, http 503: 10`.
    pub fn outcome_summary(&self) -> String {
        self.outcomes
            .iter()
            .map(|(outcome, count)| format!("{outcome}: {count}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Nearest-rank percentile of `sorted` (ascending): the smallest value with at least `p` % of
/// the values at or below it. Zero for no values.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Milliseconds with one decimal.
pub fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

/// The results table, one line per run.
pub fn table(runs: &[&Run]) -> String {
    let mut text = format!(
        "{:<28} {:>8} {:>6} {:>9} {:>11} {:>9} {:>9} {:>9} {:>9}\n",
        "mode", "invoices", "conc.", "wall s", "invoices/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    for run in runs {
        text.push_str(&format!(
            "{:<28} {:>8} {:>6} {:>9.2} {:>11.1} {:>9} {:>9} {:>9} {:>9}\n",
            run.mode,
            run.count(),
            run.concurrency,
            run.wall.as_secs_f64(),
            run.throughput(),
            ms(run.percentile(50.0)),
            ms(run.percentile(90.0)),
            ms(run.percentile(99.0)),
            ms(run.percentile(100.0)),
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted = millis(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 90.0), Duration::from_millis(90));
        assert_eq!(percentile(&sorted, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&sorted, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&millis(&[7]), 50.0), Duration::from_millis(7));
        assert_eq!(percentile(&millis(&[1, 2, 3]), 50.0), Duration::from_millis(2));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn a_run_counts_outcomes_and_throughput() {
        let results = vec![
            (Duration::from_millis(30), "approved".to_string()),
            (Duration::from_millis(10), "approved".to_string()),
            (Duration::from_millis(20), "http 503".to_string()),
            (Duration::from_millis(40), "approved".to_string()),
        ];
        let run = Run::new("engine", 4, Duration::from_secs(2), results);
        assert_eq!(run.count(), 4);
        assert!((run.throughput() - 2.0).abs() < 1e-9);
        assert_eq!(run.percentile(50.0), Duration::from_millis(20));
        assert_eq!(run.unexpected("approved"), 1);
        assert_eq!(run.outcome_summary(), "approved: 3, http 503: 1");
        assert!(table(&[&run]).contains("engine"));
    }
}
