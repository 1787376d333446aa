//! Requests per minute per API key: fixed one-minute windows.
//!
//! With Redis the counters are shared by every instance (`INCR` then `EXPIRE` on the window's
//! key); without it they live in this process, which serves a single instance. A Redis error
//! degrades to the in-process counter for that request (logged), it does not refuse traffic.

use std::collections::HashMap;
use std::sync::Mutex;

use redis::aio::ConnectionManager;

/// The window length, in seconds.
const WINDOW_SECONDS: i64 = 60;

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: i64,
    pub remaining: i64,
    /// Unix time (seconds) when the window ends and the counter starts over.
    pub reset_at: i64,
    /// Seconds until then (at least 1): the `Retry-After` of a 429.
    pub retry_after: i64,
}

/// Counts requests per key and window.
pub struct RateLimiter {
    redis: Option<(ConnectionManager, String)>,
    local: Mutex<HashMap<String, (i64, i64)>>,
}

impl RateLimiter {
    pub fn in_process() -> RateLimiter {
        RateLimiter {
            redis: None,
            local: Mutex::new(HashMap::new()),
        }
    }

    /// Counters in Redis under `{key_prefix}rate:{key_id}:{window}`.
    pub fn redis(connection: ConnectionManager, key_prefix: &str) -> RateLimiter {
        RateLimiter {
            redis: Some((connection, key_prefix.to_string())),
            local: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `key_id` at `now_unix` against `limit` per minute.
    pub async fn hit(&self, key_id: &str, limit: i64, now_unix: i64) -> Decision {
        let window = now_unix.div_euclid(WINDOW_SECONDS);
        let count = match &self.redis {
            Some((connection, prefix)) => {
                let key = format!("{prefix}rate:{key_id}:{window}");
                match count_in_redis(connection.clone(), &key).await {
                    Ok(count) => count,
                    Err(error) => {
                        tracing::warn!(%error, "rate limit: Redis unavailable, counting in process");
                        self.count_locally(key_id, window)
                    }
                }
            }
            None => self.count_locally(key_id, window),
        };
        let reset_at = (window + 1) * WINDOW_SECONDS;
        Decision {
            allowed: count <= limit,
            limit,
            remaining: (limit - count).max(0),
            reset_at,
            retry_after: (reset_at - now_unix).max(1),
        }
    }

    fn count_locally(&self, key_id: &str, window: i64) -> i64 {
        let mut counters = self.local.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Counters of past windows are dead weight: drop them once the map grows.
        if counters.len() > 10_000 {
            counters.retain(|_, (counted_window, _)| *counted_window == window);
        }
        let entry = counters.entry(key_id.to_string()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        entry.1
    }
}

/// `INCR` and `EXPIRE` in one round trip; the key outlives its window a little so a slow clock
/// on one instance still finds it.
async fn count_in_redis(mut connection: ConnectionManager, key: &str) -> Result<i64, redis::RedisError> {
    let (count,): (i64,) = redis::pipe()
        .atomic()
        .incr(key, 1)
        .expire(key, WINDOW_SECONDS * 2)
        .ignore()
        .query_async(&mut connection)
        .await?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fixed_window_counts_and_resets() {
        let limiter = RateLimiter::in_process();
        // 1_800_000_000 is a window boundary (a multiple of 60).
        let start = 1_800_000_010;
        for expected_remaining in [1, 0] {
            let decision = limiter.hit("key_a", 2, start).await;
            assert!(decision.allowed);
            assert_eq!(decision.remaining, expected_remaining);
        }
        let refused = limiter.hit("key_a", 2, start + 5).await;
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after, 45);
        assert_eq!(refused.reset_at, start + 50);
        assert!(limiter.hit("key_b", 2, start).await.allowed, "keys count separately");
        assert!(
            limiter.hit("key_a", 2, start + 50).await.allowed,
            "a new window starts over"
        );
    }
}
