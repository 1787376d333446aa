//! Maintenance mode: with `MAINTENANCE_MODE=true` every `/v1` request gets 503 `MAINTENANCE`
//! with `Retry-After` (`MAINTENANCE_RETRY_AFTER`); documentation routes keep answering.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::app::AppState;

pub async fn refuse_during_maintenance(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.config.maintenance.enabled && request.uri().path().starts_with("/v1/") {
        return ApiError::maintenance(state.config.maintenance.retry_after.as_secs()).into_response();
    }
    next.run(request).await
}
