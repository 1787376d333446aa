//! `POST /v1/accounts` (admin), `GET /v1/account` (the caller's account) and `PATCH /v1/account`
//! (its settings: `enviar_email_automatico`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::api_keys::NewApiKeyView;
use super::auth::{Admin, Tenant};
use super::error::{ApiError, Problem};
use super::json::{ApiJson, JsonBody};
use crate::accounts::{self, Account, NewAccount};
use crate::state::AppState;
use crate::usage;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccountRequest {
    /// 1–200 characters, one line.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub name: String,
    /// 11 digits with a valid check digit, dashes allowed (`20-26756539-3`).
    #[schema(pattern = r"^-*([0-9]-*){11}$")]
    pub cuit: String,
    /// `free` (default), `pro` or `enterprise`.
    #[schema(value_type = Option<TierName>)]
    pub tier: Option<String>,
    /// Overrides the tier's monthly invoice quota.
    #[schema(minimum = 0)]
    pub monthly_quota: Option<i64>,
    /// Overrides the tier's requests per minute.
    #[schema(minimum = 1)]
    pub requests_per_minute: Option<i64>,
}

/// A tier's name (documents the values `tier` takes; the field stays text).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum TierName {
    Free,
    Pro,
    Enterprise,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedAccountView {
    pub account: AccountView,
    /// The account's first API key; the full key is shown only here.
    pub api_key: NewApiKeyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    pub name: String,
    pub cuit: String,
    /// `free`, `pro` or `enterprise`.
    pub tier: String,
    pub limits: LimitsView,
    pub usage: UsageView,
    /// Whether an approval emails the invoice's PDF to its `cliente.email` (false by default).
    pub enviar_email_automatico: bool,
    pub created_at: DateTime<Utc>,
}

/// The account's settings; only the fields present change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccountRequest {
    /// When true, an approved invoice whose request carried `cliente.email` is emailed there
    /// (the default subject and text, the PDF attached).
    #[serde(default, deserialize_with = "super::json::not_null")]
    #[schema(nullable = false)]
    pub enviar_email_automatico: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LimitsView {
    /// Invoices per calendar month; null is unlimited.
    pub monthly_invoices: Option<i64>,
    pub requests_per_minute: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageView {
    /// The month counted (`YYYY-MM`, Argentina's calendar).
    pub period: String,
    pub invoices: i64,
    /// Invoices left this month; null is unlimited.
    pub remaining: Option<i64>,
}

/// Create an account and its first API key (admin token).
#[utoipa::path(
    post,
    path = "/v1/accounts",
    tag = "accounts",
    security(("admin_token" = [])),
    request_body = CreateAccountRequest,
    responses(
        (status = 201, description = "Created; the key is shown once", body = CreatedAccountView),
        (status = 400, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong admin token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_account(
    State(state): State<AppState>,
    _admin: Admin,
    ApiJson(request): ApiJson<CreateAccountRequest>,
) -> Result<(StatusCode, Json<CreatedAccountView>), ApiError> {
    let new = NewAccount::new(
        &request.name,
        &request.cuit,
        request.tier.as_deref(),
        request.monthly_quota,
        request.requests_per_minute,
    )?;
    let (account, key) = accounts::create(&state.storage, state.keys.salt(), state.keys.mode(), new).await?;
    let view = CreatedAccountView {
        account: AccountView::new(
            account.clone(),
            usage::Summary::new(usage::month_of(state.clock.now()), 0, account.monthly_quota),
        ),
        api_key: NewApiKeyView::from(key),
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// The caller's account: tier, limits and usage this month.
#[utoipa::path(
    get,
    path = "/v1/account",
    tag = "accounts",
    security(("api_key" = []), ("x_api_key" = [])),
    responses(
        (status = 200, body = AccountView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_account(State(state): State<AppState>, tenant: Tenant) -> Result<Json<AccountView>, ApiError> {
    let account = accounts::find(&state.storage, tenant.account_id()).await?;
    let summary = usage::summary(&state.storage, &account, state.clock.now()).await?;
    Ok(Json(AccountView::new(account, summary)))
}

/// Change the caller's account settings.
#[utoipa::path(
    patch,
    path = "/v1/account",
    tag = "accounts",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = UpdateAccountRequest,
    responses(
        (status = 200, body = AccountView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_account(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiJson(request): ApiJson<UpdateAccountRequest>,
) -> Result<Json<AccountView>, ApiError> {
    let account =
        accounts::update_settings(&state.storage, tenant.account_id(), request.enviar_email_automatico).await?;
    let summary = usage::summary(&state.storage, &account, state.clock.now()).await?;
    Ok(Json(AccountView::new(account, summary)))
}

impl AccountView {
    pub(crate) fn new(account: Account, usage: usage::Summary) -> AccountView {
        AccountView {
            id: account.id,
            name: account.name,
            cuit: account.cuit.to_string(),
            tier: account.tier.as_str().to_string(),
            limits: LimitsView {
                monthly_invoices: account.monthly_quota,
                requests_per_minute: account.requests_per_minute,
            },
            usage: UsageView {
                period: usage.period,
                invoices: usage.invoices,
                remaining: usage.remaining,
            },
            enviar_email_automatico: account.send_email_on_approval,
            created_at: account.created_at,
        }
    }
}

impl JsonBody for CreateAccountRequest {}

impl JsonBody for UpdateAccountRequest {}
