//! Dashboard sessions: sign-in with an API key, the [`Session`] every page extracts, the CSRF
//! check of every form ([`Posted`], [`Session::check_csrf`]), sign-out.
//!
//! - The cookie `arca_session` holds 32 random bytes (base64url); the database keeps only their
//!   SHA-256, so a copy of the table opens no session. `HttpOnly`, `SameSite=Strict`,
//!   `Path=/dashboard`, and `Secure` outside development.
//! - A session ends when its key is revoked, after `DASHBOARD_SESSION_IDLE_MINUTES` unused, at
//!   `DASHBOARD_SESSION_MAX_HOURS` after sign-in, or at sign-out (storage/dashboard_sessions.rs).
//! - Every form carries `_csrf`, the session's token, compared in constant time; a POST whose
//!   `Origin` names another host, or that the browser marks `Sec-Fetch-Site: cross-site`, is
//!   refused before that. The sign-in form, before any session exists, is protected the same
//!   way by a token in its own short-lived cookie (double submit).
//!
//! It never logs or echoes the key typed into the sign-in form, and never tells a revoked key
//! from one that never existed.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::page::{self, Notice, PageError, render};
use crate::api_keys::KeyMode;
use crate::state::AppState;
use crate::storage::{self, dashboard_sessions};

/// The session cookie.
pub const COOKIE: &str = "arca_session";
/// The sign-in form's CSRF cookie (before a session exists).
const LOGIN_COOKIE: &str = "arca_login";
/// How long a sign-in form stays usable (seconds).
const LOGIN_FORM_SECONDS: u32 = 3600;
/// A form body is small text; files go through the certificate upload's own limit.
pub const FORM_BODY_LIMIT: usize = 64 * 1024;
/// `last_seen_at` is written at most this often per session.
const TOUCH_EVERY: TimeDelta = TimeDelta::seconds(60);

/// A live session: who the pages are for.
#[derive(Debug, Clone)]
pub struct Session {
    /// SHA-256 (hex) of the cookie's token.
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    /// The API key the session was opened with.
    pub key_id: String,
    /// The token every form of this session carries as `_csrf`.
    pub csrf: String,
    /// The notice a redirect asked the next page to show (`?aviso=…`).
    pub notice: Option<Notice>,
}

impl Session {
    /// Refuses a form whose `_csrf` is not this session's token (403), in constant time.
    pub fn check_csrf(&self, presented: &str) -> Result<(), PageError> {
        if same(presented, &self.csrf) {
            Ok(())
        } else {
            Err(PageError::csrf())
        }
    }
}

fn same(presented: &str, expected: &str) -> bool {
    Sha256::digest(presented.as_bytes())
        .ct_eq(&Sha256::digest(expected.as_bytes()))
        .into()
}

/// 32 random bytes, base64url (43 characters).
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn session_id(token: &str) -> String {
    storage::hex(&Sha256::digest(token.as_bytes()))
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn set_cookie(name: &str, value: &str, path: &str, max_age: Option<u32>, secure: bool) -> HeaderValue {
    let mut text = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn clear_cookie(name: &str, path: &str, secure: bool) -> HeaderValue {
    set_cookie(name, "", path, Some(0), secure)
}

/// Where a request without a live session goes: the sign-in page, coming back here afterwards
/// (only for a page read; a form post lands on the invoices after sign-in).
fn to_sign_in(parts: &Parts, state: &AppState, expired: bool) -> Response {
    let mut location = String::from("/dashboard/login");
    let mut query = form_urlencoded::Serializer::new(String::new());
    if parts.method == Method::GET && safe_next(parts.uri.path()).is_some() {
        let next = parts
            .uri
            .path_and_query()
            .map(|path| path.as_str())
            .unwrap_or("/dashboard");
        query.append_pair("next", next);
    }
    if expired {
        query.append_pair("aviso", Notice::SessionEnded.code());
    }
    let query = query.finish();
    if !query.is_empty() {
        location.push('?');
        location.push_str(&query);
    }
    let mut response = page::redirect(&location);
    if expired {
        response.headers_mut().append(
            header::SET_COOKIE,
            clear_cookie(COOKIE, "/dashboard", state.config.dashboard.secure_cookie),
        );
    }
    response
}

/// `next` if it is a dashboard path of this origin (never `//host` or a scheme).
fn safe_next(next: &str) -> Option<&str> {
    let path = next.split(['?', '#']).next().unwrap_or_default();
    ((path == "/dashboard" || path.starts_with("/dashboard/"))
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && path != "/dashboard/login"
        && path != "/dashboard/logout")
        .then_some(next)
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Session, Response> {
        let Some(token) = cookie(&parts.headers, COOKIE) else {
            return Err(to_sign_in(parts, state, false));
        };
        let id = session_id(token);
        let now = state.clock.now();
        let idle = TimeDelta::from_std(state.config.dashboard.session_idle).unwrap_or(TimeDelta::MAX);
        let row = dashboard_sessions::find_live(&state.storage, &id, now, now - idle)
            .await
            .map_err(|error| PageError::from(error).into_response())?;
        let Some(row) = row else {
            return Err(to_sign_in(parts, state, true));
        };
        if now - row.last_seen_at >= TOUCH_EVERY {
            dashboard_sessions::touch(&state.storage, &id, now)
                .await
                .map_err(|error| PageError::from(error).into_response())?;
        }
        let notice = parts.uri.query().and_then(|query| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == "aviso")
                .and_then(|(_, code)| Notice::from_code(&code))
        });
        Ok(Session {
            id,
            account_id: row.account_id,
            account_name: row.account_name,
            key_id: row.api_key_id,
            csrf: row.csrf_token,
            notice,
        })
    }
}

/// A form post of a live session: `Origin` and `Sec-Fetch-Site` checked, `_csrf` checked, the
/// other fields deserialized into `T` (an unreadable form is a 400 page naming the field).
pub struct Posted<T> {
    pub session: Session,
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Posted<T>, Response> {
        let (mut parts, body) = request.into_parts();
        same_origin(&parts.headers).map_err(IntoResponse::into_response)?;
        let session = Session::from_request_parts(&mut parts, state).await?;
        let body = read_form(body).await.map_err(IntoResponse::into_response)?;
        let (csrf, rest) = split_csrf(&body);
        session.check_csrf(&csrf).map_err(IntoResponse::into_response)?;
        let form = parse_form::<T>(&rest).map_err(IntoResponse::into_response)?;
        Ok(Posted { session, form })
    }
}

async fn read_form(body: axum::body::Body) -> Result<Bytes, PageError> {
    axum::body::to_bytes(body, FORM_BODY_LIMIT)
        .await
        .map_err(|_| PageError::bad_request("el formulario es demasiado grande (máximo 64 KiB)"))
}

/// `_csrf` and the other pairs of a form body, re-encoded.
fn split_csrf(body: &[u8]) -> (String, String) {
    let mut csrf = String::new();
    let mut rest = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(body) {
        if key == "_csrf" {
            csrf = value.into_owned();
        } else {
            rest.append_pair(&key, &value);
        }
    }
    (csrf, rest.finish())
}

/// A form's fields into `T`; a field that does not fit is a 400 naming it.
pub fn parse_form<T: DeserializeOwned>(encoded: &str) -> Result<T, PageError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        PageError::bad_request(format!(
            "el campo «{}» del formulario no es válido: {}",
            error.path(),
            error.inner()
        ))
    })
}

/// Refuses a post from another site: an `Origin` whose host is not this request's `Host`, or
/// `Sec-Fetch-Site: cross-site`. Both are set by browsers, not by an attacker's page.
pub fn same_origin(headers: &HeaderMap) -> Result<(), PageError> {
    let fetch_site = headers.get("sec-fetch-site").and_then(|value| value.to_str().ok());
    if fetch_site.is_some_and(|site| site.eq_ignore_ascii_case("cross-site")) {
        return Err(PageError::csrf());
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|value| value.to_str().ok()) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    match (origin_host, host) {
        (Some(origin_host), Some(host)) if origin_host.eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(PageError::csrf()),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard/login", get(sign_in_page).post(sign_in))
        .route("/dashboard/logout", post(sign_out))
}

#[derive(askama::Template)]
#[template(path = "dashboard/login.html")]
struct SignInPage {
    csrf: String,
    next: String,
    error: Option<String>,
    notice: Option<Notice>,
    assets: page::AssetUrls,
}

#[derive(Deserialize)]
struct SignInQuery {
    next: Option<String>,
    aviso: Option<String>,
}

/// The sign-in form, with a fresh CSRF token in its own cookie.
async fn sign_in_page(
    State(state): State<AppState>,
    axum::extract::Query(query): axum::extract::Query<SignInQuery>,
) -> Response {
    let next = query
        .next
        .as_deref()
        .and_then(safe_next)
        .unwrap_or("/dashboard/invoices");
    let notice = query.aviso.as_deref().and_then(Notice::from_code);
    sign_in_form(&state, next, None, notice, StatusCode::OK)
}

fn sign_in_form(
    state: &AppState,
    next: &str,
    error: Option<String>,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let csrf = random_token();
    let page = SignInPage {
        csrf: csrf.clone(),
        next: next.to_string(),
        error,
        notice,
        assets: page::AssetUrls::get(),
    };
    let mut response = match render(&page) {
        Ok(response) => response,
        Err(error) => return error.into_response(),
    };
    *response.status_mut() = status;
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LOGIN_COOKIE,
            &csrf,
            "/dashboard/login",
            Some(LOGIN_FORM_SECONDS),
            state.config.dashboard.secure_cookie,
        ),
    );
    response
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    next: String,
}

/// Checks the form's token against its cookie, then the key; opens the session.
async fn sign_in(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(error) = same_origin(&headers) {
        return error.into_response();
    }
    let (csrf, rest) = split_csrf(&body);
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same(&csrf, expected) {
        return PageError::csrf().into_response();
    }
    let form = match parse_form::<SignInForm>(&rest) {
        Ok(form) => form,
        Err(error) => return error.into_response(),
    };
    let next = safe_next(&form.next).unwrap_or("/dashboard/invoices").to_string();
    let presented = form.api_key.trim();
    let refuse = |message: &str| sign_in_form(&state, &next, Some(message.to_string()), None, StatusCode::UNAUTHORIZED);
    if presented.is_empty() {
        return refuse("Ingresá una clave API.");
    }
    let instance_mode = state.keys.mode();
    if let Some(key_mode) = KeyMode::of_key(presented)
        && key_mode != instance_mode
    {
        return refuse(match instance_mode {
            KeyMode::Test => {
                "Esta instancia usa el simulador u homologación: ingresá una clave de prueba (arca_test_…)."
            }
            KeyMode::Live => "Esta instancia usa ARCA en producción: ingresá una clave de producción (arca_live_…).",
        });
    }
    let authenticated = match state.keys.authenticate(presented).await {
        Ok(Some(authenticated)) => authenticated,
        Ok(None) => return refuse("La clave API no es válida o fue revocada."),
        Err(error) => return PageError::from(error).into_response(),
    };
    let token = random_token();
    let now = state.clock.now();
    let config = &state.config.dashboard;
    let idle = TimeDelta::from_std(config.session_idle).unwrap_or(TimeDelta::MAX);
    let max = TimeDelta::from_std(config.session_max).unwrap_or(TimeDelta::MAX);
    let opened = open(
        &state,
        &token,
        &authenticated.account_id,
        &authenticated.key_id,
        now,
        now + max,
        now - idle,
    )
    .await;
    if let Err(error) = opened {
        return error.into_response();
    }
    let mut response = page::redirect(&next);
    let headers = response.headers_mut();
    let max_age = u32::try_from(config.session_max.as_secs()).unwrap_or(u32::MAX);
    headers.append(
        header::SET_COOKIE,
        set_cookie(COOKIE, &token, "/dashboard", Some(max_age), config.secure_cookie),
    );
    headers.append(
        header::SET_COOKIE,
        clear_cookie(LOGIN_COOKIE, "/dashboard/login", config.secure_cookie),
    );
    response
}

async fn open(
    state: &AppState,
    token: &str,
    account_id: &str,
    key_id: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<(), PageError> {
    let csrf = random_token();
    dashboard_sessions::insert(
        &state.storage,
        &session_id(token),
        account_id,
        key_id,
        &csrf,
        now,
        expires_at,
        idle_since,
    )
    .await?;
    Ok(())
}

/// Ends the session and forgets its cookie.
async fn sign_out(State(state): State<AppState>, posted: Posted<serde::de::IgnoredAny>) -> Response {
    if let Err(error) = dashboard_sessions::delete(&state.storage, &posted.session.id).await {
        return PageError::from(error).into_response();
    }
    let mut response = page::redirect(&format!("/dashboard/login?aviso={}", Notice::SignedOut.code()));
    response.headers_mut().append(
        header::SET_COOKIE,
        clear_cookie(COOKIE, "/dashboard", state.config.dashboard.secure_cookie),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_the_dashboard() {
        assert_eq!(
            safe_next("/dashboard/invoices?estado=approved"),
            Some("/dashboard/invoices?estado=approved")
        );
        assert_eq!(safe_next("//evil.example/dashboard"), None);
        assert_eq!(safe_next("https://evil.example/dashboard"), None);
        assert_eq!(safe_next("/dashboard\\..\\x"), None);
        assert_eq!(safe_next("/v1/account"), None);
        assert_eq!(safe_next("/dashboard/login"), None);
        assert_eq!(safe_next("/dashboardx"), None);
    }

    #[test]
    fn csrf_is_split_from_the_form() {
        let (csrf, rest) = split_csrf(b"_csrf=abc&name=Juan+P%C3%A9rez&x=1");
        assert_eq!(csrf, "abc");
        assert_eq!(rest, "name=Juan+P%C3%A9rez&x=1");
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
        assert!(same_origin(&headers).is_ok());
        headers.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:3000"));
        assert!(same_origin(&headers).is_ok());
        headers.insert(header::ORIGIN, HeaderValue::from_static("http://evil.example"));
        assert!(same_origin(&headers).is_err());
        headers.remove(header::ORIGIN);
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(same_origin(&headers).is_err());
    }
}
