//! Authentication: API keys for tenants, the admin token for account creation.
//!
//! [`require_api_key`] runs before every tenant route: it reads `Authorization: Bearer <key>`
//! or `X-API-Key: <key>`, resolves the key (cache, then database) and leaves the
//! [`Authenticated`] owner in the request for the rate limit and for the [`Tenant`] extractor,
//! through which handlers get the account id that every query filters by. A key of the other
//! mode (a test key on a production instance, a live key on a sandbox one) is refused by its
//! prefix alone, with `API_KEY_MODE_MISMATCH`, before any look-up.

use arca_protocol::secret::Secret;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use crate::api_keys::{Authenticated, KeyMode};
use crate::state::AppState;

/// The account (and key) a request is made for.
#[derive(Debug, Clone)]
pub struct Tenant(pub Authenticated);

impl Tenant {
    pub fn account_id(&self) -> &str {
        &self.0.account_id
    }
}

/// Refuses requests without an active API key (401), otherwise records who made it.
pub async fn require_api_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let presented = presented_key(request.headers()).ok_or_else(|| {
        ApiError::unauthorized("send an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`")
    })?;
    let instance_mode = state.keys.mode();
    if let Some(key_mode) = KeyMode::of_key(&presented)
        && key_mode != instance_mode
    {
        return Err(ApiError::key_mode_mismatch(key_mode.as_str(), instance_mode.as_str()));
    }
    let authenticated = state
        .keys
        .authenticate(&presented)
        .await?
        .ok_or_else(|| ApiError::unauthorized("the API key is invalid or has been revoked"))?;
    request.extensions_mut().insert(authenticated);
    Ok(next.run(request).await)
}

impl<S: Send + Sync> FromRequestParts<S> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Present on every route behind `require_api_key`; a route without it has no tenant.
        parts
            .extensions
            .get::<Authenticated>()
            .cloned()
            .map(Tenant)
            .ok_or_else(|| ApiError::unauthorized("this route needs an API key"))
    }
}

/// The operator, holding `ADMIN_TOKEN`.
#[derive(Debug)]
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(expected) = &state.config.security.admin_token else {
            return Err(ApiError::unauthorized(
                "account creation over HTTP is disabled: the operator has not set ADMIN_TOKEN",
            ));
        };
        let presented = bearer(&parts.headers).unwrap_or_default();
        if same_secret(&presented, expected) {
            Ok(Admin)
        } else {
            Err(ApiError::unauthorized(
                "send the admin token as `Authorization: Bearer <token>`",
            ))
        }
    }
}

/// Whether `presented` is `expected`, in constant time: comparing digests keeps it so whatever
/// the lengths.
pub(super) fn same_secret(presented: &str, expected: &Secret) -> bool {
    Sha256::digest(presented.as_bytes())
        .ct_eq(&Sha256::digest(expected.expose().as_bytes()))
        .into()
}

fn presented_key(headers: &HeaderMap) -> Option<String> {
    bearer(headers).or_else(|| {
        headers
            .get("x-api-key")
            .and_then(|value| value.to_str().ok())
            .map(|value| value.trim().to_string())
    })
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}
