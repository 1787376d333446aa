//! When to try again after ARCA could not be reached or did not process a request: exponential
//! back-off per series, pure.

use std::time::Duration;

/// The first wait after a failure.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);
/// The longest wait: ARCA outages last minutes to hours (§H.1); a minute keeps recovery prompt
/// without hammering it.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// The wait after `consecutive_failures` failures in a row (1 → 1 s, 2 → 2 s, … up to 60 s).
pub fn delay(consecutive_failures: u32) -> Duration {
    let exponent = consecutive_failures.saturating_sub(1).min(16);
    FIRST_DELAY.saturating_mul(1 << exponent).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_one_second_up_to_a_minute() {
        assert_eq!(delay(1), Duration::from_secs(1));
        assert_eq!(delay(2), Duration::from_secs(2));
        assert_eq!(delay(4), Duration::from_secs(8));
        assert_eq!(delay(7), Duration::from_secs(60));
        assert_eq!(delay(u32::MAX), Duration::from_secs(60));
    }
}
