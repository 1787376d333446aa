//! Maintenance mode: with `MAINTENANCE_MODE=true`, or the shared flag set by
//! `arca-api maintenance on`, every `/v1` request gets 503 `MAINTENANCE` with `Retry-After`
//! (`MAINTENANCE_RETRY_AFTER`); health, metrics and documentation keep answering.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::state::AppState;

pub async fn refuse_during_maintenance(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/v1/") && state.maintenance.is_active().await {
        return ApiError::maintenance(state.maintenance.retry_after().as_secs()).into_response();
    }
    next.run(request).await
}
