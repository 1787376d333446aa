//! `GET /v1/contingency/reports`: per CAEA fortnight of the caller's account, what is pending,
//! informed and rejected, and the deadline (`contingency::report::view` builds it). The handler
//! never reads another account's data, never writes and never calls ARCA.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use super::extract::ApiQuery;
use crate::contingency::calendar;
use crate::contingency::report::view::{self, DEFAULT_LIMIT, GrantReport, MAX_LIMIT};
use crate::state::AppState;

/// The query: `limit`, the number of fortnights (1–24, default 6).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsQuery {
    limit: Option<String>,
}

/// The documented form of [`ReportsQuery`].
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportsParams {
    /// Fortnights to show, newest first: 1–24 (default 6).
    #[param(minimum = 1, maximum = 24, default = 6)]
    pub limit: Option<i64>,
}

/// The fortnights, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportsView {
    pub data: Vec<GrantReport>,
}

/// The CAEA reporting of the account's newest fortnights: per CAEA, its validity and ARCA's
/// deadline (`FchTopeInf`), vouchers pending, informed and rejected (with ARCA's codes), where
/// reporting is blocked, and the no-movement notices of unused contingency points of sale.
#[utoipa::path(
    get,
    path = "/v1/contingency/reports",
    tag = "contingency",
    security(("api_key" = []), ("x_api_key" = [])),
    params(ReportsParams),
    responses(
        (status = 200, body = ReportsView),
        (status = 400, description = "`limit` is not a whole number from 1 to 24, or an unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_contingency_reports(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiQuery(query): ApiQuery<ReportsQuery>,
) -> Result<Json<ReportsView>, ApiError> {
    let limit = match query.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|limit| (1..=MAX_LIMIT).contains(limit))
            .ok_or_else(|| ApiError::field("limit", "must be a whole number from 1 to 24"))?,
    };
    let today = calendar::argentina_today(state.clock.now());
    let data = view::reports(&state.storage, tenant.account_id(), limit, today).await?;
    Ok(Json(ReportsView { data }))
}
