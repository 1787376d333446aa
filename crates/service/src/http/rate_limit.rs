//! Requests per minute per API key, by the account's tier (or its override).
//!
//! Every tenant answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` (unix seconds); a refused request gets 429 `RATE_LIMIT_EXCEEDED` with
//! `Retry-After` as well. Runs after `require_api_key`, which says whose key it is.
//!
//! Public links have no key: [`public_link`] counts each invoice's requests instead, once its
//! link is verified (so only links this service signed make counters), on the same counters
//! and one-minute windows.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::api_keys::Authenticated;
use crate::rate_limit::Decision;
use crate::state::AppState;

pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(authenticated) = request.extensions().get::<Authenticated>().cloned() else {
        return next.run(request).await;
    };
    if !state.config.security.rate_limit_enabled {
        return next.run(request).await;
    }
    let now = chrono::Utc::now().timestamp();
    let decision = state
        .rate_limiter
        .hit(&authenticated.key_id, authenticated.requests_per_minute, now)
        .await;
    let mut response = if decision.allowed {
        next.run(request).await
    } else {
        ApiError::rate_limited(decision.limit, decision.retry_after).into_response()
    };
    add_headers(response.headers_mut(), &decision);
    response
}

/// Counts a request through a verified public link of `invoice_id` against `limit` per minute,
/// at the state's clock; `None` when rate limits are off (`RATE_LIMIT_ENABLED=false`).
pub async fn public_link(state: &AppState, invoice_id: &str, limit: i64) -> Option<Decision> {
    if !state.config.security.rate_limit_enabled {
        return None;
    }
    let now = state.clock.now().timestamp();
    Some(
        state
            .rate_limiter
            .hit(&format!("public-link:{invoice_id}"), limit, now)
            .await,
    )
}

pub fn add_headers(headers: &mut HeaderMap, decision: &Decision) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(decision.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(decision.remaining));
    headers.insert("x-ratelimit-reset", HeaderValue::from(decision.reset_at));
}
