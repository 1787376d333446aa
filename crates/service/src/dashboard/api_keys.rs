//! The API keys page: the account's active keys as `GET /v1/api-keys` pages them (name, prefix,
//! mode, created, last used), the form that creates one — its answer shows the whole key once —
//! and a revoke button per key.
//!
//! Every operation is `Keys`' — the API's calls, with the session's account: a new key has the
//! instance's mode; revoking one ends its dashboard sessions in the same transaction (so
//! revoking the session's own key signs this browser out on its next page). It never shows a key
//! after the answer to its creation, never logs one, and never keeps one in a page other than
//! that answer (pages are `no-store`).

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::format;
use super::lists::{FormFailure, Pager, pagination_of, render_with};
use super::page::{Layout, Nav, Notice, PageError, redirect_with, render};
use super::session::{Posted, Session};
use crate::api_keys::{ApiKey, CreatedKey, KeyMode};
use crate::http::pagination::{DEFAULT_LIMIT, Pagination};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard/api-keys", get(list_page).post(create))
        .route("/dashboard/api-keys/{id}/revoke", post(revoke))
}

/// A key as the list shows it: never the key.
struct Row {
    id: String,
    name: String,
    prefix: String,
    mode: &'static str,
    created_at: String,
    last_used_at: String,
    /// The key this session was opened with.
    this_session: bool,
}

impl Row {
    fn of(key: ApiKey, session: &Session) -> Row {
        Row {
            this_session: key.id == session.key_id,
            mode: mode_text(&key.mode),
            created_at: format::datetime(&key.created_at),
            last_used_at: key
                .last_used_at
                .as_ref()
                .map(format::datetime)
                .unwrap_or_else(|| "Nunca".to_string()),
            id: key.id,
            name: key.name,
            prefix: key.prefix,
        }
    }
}

fn mode_text(mode: &str) -> &'static str {
    if mode == KeyMode::Live.as_str() {
        "Producción"
    } else {
        "Prueba"
    }
}

/// The key just created, shown once.
struct NewKey {
    key: String,
    name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
}

#[derive(askama::Template)]
#[template(path = "dashboard/api_keys.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
    /// The instance's mode: the only one a new key can have.
    mode: &'static str,
    marker: &'static str,
    new_key: Option<NewKey>,
    name: String,
    failure: FormFailure,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.failure.field(field)
    }
}

async fn list_page(
    State(state): State<AppState>,
    session: Session,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let pagination = pagination_of(query.as_deref())?;
    render(
        &list(
            &state,
            &session,
            pagination,
            None,
            String::new(),
            FormFailure::default(),
        )
        .await?,
    )
}

async fn list(
    state: &AppState,
    session: &Session,
    pagination: Pagination,
    new_key: Option<NewKey>,
    name: String,
    failure: FormFailure,
) -> Result<ListPage, PageError> {
    let (keys, total) = state
        .keys
        .list(&session.account_id, pagination.limit, pagination.offset)
        .await?;
    let pager = Pager::new("/dashboard/api-keys", &[], pagination, keys.len(), total);
    let mode = state.keys.mode();
    Ok(ListPage {
        layout: Layout::new(session, Nav::ApiKeys, "Claves API"),
        rows: keys.into_iter().map(|key| Row::of(key, session)).collect(),
        pager,
        mode: mode_text(mode.as_str()),
        marker: match mode {
            KeyMode::Test => "arca_test_…",
            KeyMode::Live => "arca_live_…",
        },
        new_key,
        name,
        failure,
    })
}

const FIRST_PAGE: Pagination = Pagination {
    limit: DEFAULT_LIMIT,
    offset: 0,
};

/// Creates a key; the answer (not a redirect: nothing else may carry the key) shows it once.
async fn create(State(state): State<AppState>, posted: Posted<CreateForm>) -> Response {
    let Posted { session, form } = posted;
    let (status, new_key, name, failure) = match state.keys.create(&session.account_id, &form.name).await {
        Ok(CreatedKey { key, name, .. }) => (
            StatusCode::CREATED,
            Some(NewKey {
                key: key.expose().to_string(),
                name,
            }),
            String::new(),
            FormFailure::default(),
        ),
        Err(error) => match FormFailure::of(PageError::from(error), &["name"], &[]) {
            Ok((status, failure)) => (status, None, form.name, failure),
            Err(error) => return error.into_response(),
        },
    };
    match list(&state, &session, FIRST_PAGE, new_key, name, failure).await {
        Ok(page) => render_with(status, &page),
        Err(error) => error.into_response(),
    }
}

/// Revokes the account's key `id` (another account's is a 404). Its sessions end with it: when
/// it is this session's key, the next page read goes to the sign-in form.
async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    state.keys.revoke(&posted.session.account_id, &id).await?;
    Ok(redirect_with("/dashboard/api-keys", Notice::KeyRevoked))
}
