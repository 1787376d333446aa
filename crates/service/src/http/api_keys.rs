//! `POST /v1/api-keys`, `GET /v1/api-keys`, `DELETE /v1/api-keys/{id}`: the caller's keys.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use super::extract::ApiPath;
use super::json::{ApiJson, JsonBody};
use super::pagination::{Page, PageParams, Pagination};
use crate::api_keys::{ApiKey, CreatedKey};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// A label for the key (1–100 characters, one line).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub name: String,
}

/// A key just created: `key` is shown here and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewApiKeyView {
    pub id: String,
    pub key: String,
    pub prefix: String,
    /// `test` or `live`.
    pub mode: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A key as listed: its prefix, never the key.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: String,
    pub prefix: String,
    pub mode: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Create an API key (the full key is in this answer only).
#[utoipa::path(
    post,
    path = "/v1/api-keys",
    tag = "api-keys",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = CreateApiKeyRequest,
    responses(
        (status = 201, body = NewApiKeyView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_api_key(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiJson(request): ApiJson<CreateApiKeyRequest>,
) -> Result<(StatusCode, Json<NewApiKeyView>), ApiError> {
    let created = state.keys.create(tenant.account_id(), &request.name).await?;
    Ok((StatusCode::CREATED, Json(NewApiKeyView::from(created))))
}

/// The account's active keys, newest first.
#[utoipa::path(
    get,
    path = "/v1/api-keys",
    tag = "api-keys",
    security(("api_key" = []), ("x_api_key" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Page<ApiKeyView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_api_keys(
    State(state): State<AppState>,
    tenant: Tenant,
    pagination: Pagination,
) -> Result<Json<Page<ApiKeyView>>, ApiError> {
    let (keys, total) = state
        .keys
        .list(tenant.account_id(), pagination.limit, pagination.offset)
        .await?;
    Ok(Json(
        pagination.page(keys.into_iter().map(ApiKeyView::from).collect(), total),
    ))
}

/// Revoke a key: from the next request on it gets 401.
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}",
    tag = "api-keys",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The key's id (`key_…`)")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "A path parameter holds a control character or a bidi override", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The account has no such active key", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.keys.revoke(tenant.account_id(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

impl From<CreatedKey> for NewApiKeyView {
    fn from(created: CreatedKey) -> NewApiKeyView {
        NewApiKeyView {
            id: created.id,
            key: created.key.expose().to_string(),
            prefix: created.prefix,
            mode: created.mode.as_str().to_string(),
            name: created.name,
            created_at: created.created_at,
        }
    }
}

impl From<ApiKey> for ApiKeyView {
    fn from(key: ApiKey) -> ApiKeyView {
        ApiKeyView {
            id: key.id,
            prefix: key.prefix,
            mode: key.mode,
            name: key.name,
            created_at: key.created_at,
            last_used_at: key.last_used_at,
        }
    }
}

impl JsonBody for CreateApiKeyRequest {}
