//! What an attempt's outcome means for its message, and when the next attempt goes: pure, with
//! `now` passed in (like `issuance/retry.rs`), so tests move time instead of sleeping.
//!
//! Delays grow 1 min, 5 min, 15 min, 1 h, 6 h (then stay at 6 h); a message gets at most
//! `max_retries` retries after its first attempt (`OUTBOX_MAX_RETRIES`, 5), so with the default
//! the last attempt is about 7 h 21 min after the first. A permanent refusal is never retried.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::storage::outbox::{AttemptOutcome, Settlement};

/// The waits before the first, second, … retry; past the last, the last again.
pub const DELAYS: [Duration; 5] = [
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(15 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(6 * 60 * 60),
];

/// The wait before retry number `retry` (1 for the first retry).
pub fn delay(retry: u32) -> Duration {
    let index = usize::try_from(retry.saturating_sub(1)).unwrap_or(usize::MAX);
    DELAYS[index.min(DELAYS.len() - 1)]
}

/// What attempt number `attempt` (1 for the first) ending in `outcome` at `now` does to its
/// message, with at most `max_retries` retries after the first attempt.
pub fn settle(outcome: AttemptOutcome, attempt: u32, max_retries: u32, now: DateTime<Utc>) -> Settlement {
    match outcome {
        AttemptOutcome::Delivered => Settlement::Delivered,
        AttemptOutcome::Permanent => Settlement::Failed,
        // An abandoned attempt is never settled by its own (dead) instance; if one is passed
        // here it counts as transient.
        AttemptOutcome::Transient | AttemptOutcome::Abandoned => {
            if attempt > max_retries {
                return Settlement::Failed;
            }
            let wait = chrono::Duration::from_std(delay(attempt)).unwrap_or(chrono::Duration::MAX);
            Settlement::RetryAt((now + wait).timestamp_millis())
        }
    }
}

/// The longest reply an attempt keeps (and the `CHECK` on `outbox_attempts.reply` allows).
pub const MAX_REPLY_CHARS: usize = 2000;

/// What a cut reply ends with, so a reader knows it was cut.
pub const TRUNCATED_MARKER: &str = " […truncated]";

/// `reply` as stored: at most [`MAX_REPLY_CHARS`] characters, a longer one cut and marked with
/// [`TRUNCATED_MARKER`].
pub fn bounded_reply(reply: &str) -> String {
    if reply.chars().count() <= MAX_REPLY_CHARS {
        return reply.to_string();
    }
    let keep = MAX_REPLY_CHARS - TRUNCATED_MARKER.chars().count();
    let mut text: String = reply.chars().take(keep).collect();
    text.push_str(TRUNCATED_MARKER);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default() + chrono::Duration::minutes(minutes)
    }

    #[test]
    fn delays_grow_then_stay_at_six_hours() {
        let minutes: Vec<u64> = (1..=7).map(|retry| delay(retry).as_secs() / 60).collect();
        assert_eq!(minutes, [1, 5, 15, 60, 360, 360, 360]);
        assert_eq!(delay(0), Duration::from_secs(60));
        assert_eq!(delay(u32::MAX), Duration::from_secs(6 * 3600));
    }

    #[test]
    fn transient_failures_retry_until_the_bound_then_fail() {
        let now = at(0);
        assert_eq!(
            settle(AttemptOutcome::Transient, 1, 5, now),
            Settlement::RetryAt(at(1).timestamp_millis())
        );
        assert_eq!(
            settle(AttemptOutcome::Transient, 5, 5, now),
            Settlement::RetryAt(at(360).timestamp_millis())
        );
        assert_eq!(settle(AttemptOutcome::Transient, 6, 5, now), Settlement::Failed);
        assert_eq!(settle(AttemptOutcome::Transient, 1, 0, now), Settlement::Failed);
    }

    #[test]
    fn delivered_and_permanent_are_final_at_once() {
        assert_eq!(settle(AttemptOutcome::Delivered, 3, 5, at(0)), Settlement::Delivered);
        assert_eq!(settle(AttemptOutcome::Permanent, 1, 5, at(0)), Settlement::Failed);
    }

    #[test]
    fn long_replies_are_cut_with_a_visible_marker() {
        assert_eq!(bounded_reply("250 OK"), "250 OK");
        let long = "é".repeat(MAX_REPLY_CHARS + 1);
        let cut = bounded_reply(&long);
        assert_eq!(cut.chars().count(), MAX_REPLY_CHARS);
        assert!(cut.ends_with(TRUNCATED_MARKER));
        assert_eq!(bounded_reply(&"x".repeat(MAX_REPLY_CHARS)).len(), MAX_REPLY_CHARS);
    }
}
