//! `GET /health` (liveness with the required dependencies), `/health/database`,
//! `/health/redis` and `/health/arca`: 200 when healthy, 503 otherwise, with the keys of
//! ARCHITECTURE.md "Operations surface". None of them needs a key, and none is refused in maintenance (they report it).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::health;
use crate::state::AppState;

/// Cheap enough for a load balancer to call every few seconds: a `SELECT 1` and a Redis `PING`,
/// each bounded. 503 when the database is down, or when Redis is configured and down: the
/// service would keep issuing on the database, but an instance configured to share its caches
/// and locks through Redis that cannot reach it is not healthy as deployed (the Redis runbook
/// relies on this answer).
pub async fn liveness(State(state): State<AppState>) -> Response {
    let (database, redis) = tokio::join!(health::database(&state), health::redis(&state));
    let maintenance = state.maintenance.is_active().await;
    let mut errors = Vec::new();
    for (service, status, error) in [
        ("database", database.status, &database.error),
        ("redis", redis.status, &redis.error),
    ] {
        if let Some(message) = error {
            errors.push(json!({"service": service, "status": status, "message": message}));
        }
    }
    let (code, status) = if errors.is_empty() {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unhealthy")
    };
    let redis_service = if redis.connection == "not_configured" {
        "not_configured"
    } else {
        redis.status
    };
    let mut body = json!({
        "status": status,
        "environment": state.config.app_env.as_str(),
        "version": env!("CARGO_PKG_VERSION"),
        "uptime": state.started_at.elapsed().as_secs(),
        "timestamp": chrono::Utc::now(),
        "services": {"database": database.status, "redis": redis_service},
        "maintenance": maintenance,
    });
    if !errors.is_empty() {
        body["errors"] = errors.into();
    }
    (code, Json(body)).into_response()
}

pub async fn database(State(state): State<AppState>) -> Response {
    let report = health::database(&state).await;
    (status_code(report.is_healthy()), Json(report)).into_response()
}

pub async fn redis(State(state): State<AppState>) -> Response {
    let report = health::redis(&state).await;
    (status_code(report.is_healthy()), Json(report)).into_response()
}

pub async fn arca(State(state): State<AppState>) -> Response {
    let report = health::arca(&state).await;
    (status_code(report.is_healthy()), Json(report)).into_response()
}

fn status_code(healthy: bool) -> StatusCode {
    if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}
