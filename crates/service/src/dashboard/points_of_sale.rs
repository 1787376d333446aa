//! The points of sale page: the account's points of sale as `GET /v1/points-of-sale` pages them
//! (number, emission type, blocked, closed, source, contingency), and the "Sincronizar con ARCA"
//! button, which runs [`crate::points_of_sale::sync_from_arca`] — the API's sync — for the
//! session's account.
//!
//! It never talks to ARCA itself and never decides what a sync writes: a refusal (no
//! certificate, a certificate not authorized, ARCA down) is shown above the list as the API
//! describes it.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::format;
use super::lists::{FormFailure, Pager, pagination_of, render_with};
use super::page::{Layout, Nav, Notice, PageError, redirect_with, render};
use super::session::{Posted, Session};
use crate::http::pagination::Pagination;
use crate::points_of_sale::{self, contingency_verified};
use crate::state::AppState;
use crate::storage::points_of_sale::PointOfSaleRow;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard/points-of-sale", get(list_page))
        .route("/dashboard/points-of-sale/sync", post(sync))
}

/// A point of sale as the list shows it.
struct Row {
    id: String,
    numero: String,
    descripcion: String,
    tipo_emision: String,
    bloqueado: bool,
    fecha_baja: String,
    /// "ARCA" or "Manual".
    origen: &'static str,
    /// "Sí (verificado por ARCA)", "Sí", or "No".
    contingencia: &'static str,
}

impl Row {
    fn of(row: PointOfSaleRow) -> Row {
        let contingencia = match (row.contingencia, contingency_verified(&row)) {
            (true, true) => "Sí (ARCA la registró para CAEA)",
            (true, false) => "Sí",
            (false, _) => "No",
        };
        Row {
            numero: format!("{:05}", row.numero),
            descripcion: row.descripcion.unwrap_or_default(),
            tipo_emision: row.tipo_emision,
            bloqueado: row.bloqueado,
            fecha_baja: row.fecha_baja.as_ref().map(format::date).unwrap_or_default(),
            origen: if row.origin == "arca" { "ARCA" } else { "Manual" },
            contingencia,
            id: row.id,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "dashboard/points_of_sale.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
    /// Why the last sync failed (shown above the list).
    failure: FormFailure,
}

async fn list_page(
    State(state): State<AppState>,
    session: Session,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let pagination = pagination_of(query.as_deref())?;
    let page = list(&state, &session, pagination, FormFailure::default()).await?;
    render(&page)
}

async fn list(
    state: &AppState,
    session: &Session,
    pagination: Pagination,
    failure: FormFailure,
) -> Result<ListPage, PageError> {
    let (rows, total) =
        points_of_sale::list(&state.storage, &session.account_id, pagination.limit, pagination.offset).await?;
    let pager = Pager::new("/dashboard/points-of-sale", &[], pagination, rows.len(), total);
    Ok(ListPage {
        layout: Layout::new(session, Nav::PointsOfSale, "Puntos de venta"),
        rows: rows.into_iter().map(Row::of).collect(),
        pager,
        failure,
    })
}

/// Reads the account's points of sale from ARCA; a refusal is shown on the list.
async fn sync(State(state): State<AppState>, posted: Posted<serde::de::IgnoredAny>) -> Response {
    let session = posted.session;
    let error = match points_of_sale::sync_from_arca(&state.storage, &state.arca, &session.account_id).await {
        Ok(_) => return redirect_with("/dashboard/points-of-sale", Notice::Synced),
        Err(error) => PageError::from(error),
    };
    let (status, failure) = match FormFailure::of(error, &[], &[]) {
        Ok(shown) => shown,
        Err(error) => return error.into_response(),
    };
    let first = Pagination {
        limit: crate::http::pagination::DEFAULT_LIMIT,
        offset: 0,
    };
    match list(&state, &session, first, failure).await {
        Ok(page) => render_with(
            if status.is_success() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                status
            },
            &page,
        ),
        Err(error) => error.into_response(),
    }
}
