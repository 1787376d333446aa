//! `GET/POST /v1/points-of-sale`, `GET/PATCH/DELETE /v1/points-of-sale/{id}`: the caller's
//! points of sale. (`POST /v1/points-of-sale/sync` reads them from ARCA through
//! [`crate::points_of_sale::sync_from_arca`], as the dashboard's button does.)

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use super::extract::ApiPath;
use super::json::{ApiJson, JsonBody, not_null, nullable};
use super::pagination::{Page, PageParams, Pagination};
use crate::contingency::calendar;
use crate::points_of_sale::{self, NewPointOfSale, PointOfSaleChanges};
use crate::state::AppState;
use crate::storage::points_of_sale::PointOfSaleRow;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePointOfSaleRequest {
    /// ARCA's point of sale number (`PtoVta`), 1 to 99998, unique in the account.
    #[schema(minimum = 1, maximum = 99998)]
    pub numero: i64,
    /// A label (at most 200 characters; line breaks allowed).
    #[schema(
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub descripcion: Option<String>,
    /// Its own address (at most 300 characters, single line), printed on its invoices instead
    /// of the issuer profile's domicilio comercial.
    #[schema(
        max_length = 300,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub domicilio: Option<String>,
    /// ARCA's `EmisionTipo` (`CAE` when omitted; `CAEA`, …), at most 100 characters.
    #[schema(
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub tipo_emision: Option<String>,
    /// Blocked in ARCA (false when omitted).
    pub bloqueado: Option<bool>,
    /// The day it was closed in ARCA (`YYYY-MM-DD`); null while open.
    pub fecha_baja: Option<NaiveDate>,
    /// A CAEA contingency point of sale (false when omitted): the account opts in to CAEA
    /// contingency with it (`GET /v1/contingency`). On a manual point the account vouches that
    /// ARCA registered it for CAEA.
    pub contingencia: Option<bool>,
}

/// Only the fields present change; `null` clears `descripcion`, `domicilio` or `fecha_baja`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePointOfSaleRequest {
    #[schema(minimum = 1, maximum = 99998, nullable = false)]
    #[serde(default, deserialize_with = "not_null")]
    pub numero: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$")]
    pub descripcion: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 300, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$")]
    pub domicilio: Option<Option<String>>,
    /// ARCA's `EmisionTipo`: only on a manual point (on one read from ARCA only the sync sets it;
    /// a different value is 400 naming `tipo_emision`).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$",
        nullable = false
    )]
    pub tipo_emision: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub bloqueado: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub fecha_baja: Option<Option<NaiveDate>>,
    /// Marks or unmarks a CAEA contingency point of sale. A point read from ARCA (`origin:
    /// arca`) can be marked only if ARCA's `EmisionTipo` starts with `CAEA`. Unmarking (or
    /// blocking, closing, renumbering, deleting) is refused (409) while a CAEA of the account is
    /// live (from its first day to ARCA's reporting deadline).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub contingencia: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointOfSaleView {
    pub id: String,
    pub numero: i32,
    pub descripcion: Option<String>,
    /// Printed on its invoices instead of the issuer profile's domicilio comercial.
    pub domicilio: Option<String>,
    pub tipo_emision: String,
    pub bloqueado: bool,
    pub fecha_baja: Option<NaiveDate>,
    /// `manual` (created through the API) or `arca` (read from ARCA).
    pub origin: String,
    /// A CAEA contingency point of sale: used only to issue under the account's CAEA, never
    /// for CAE issuance.
    pub contingencia: bool,
    /// Whether ARCA vouches for `contingencia`: the point was read from ARCA with a CAEA
    /// emission type. False on a manual point (the account's word) and when not marked.
    pub contingencia_verificada: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Add a point of sale.
#[utoipa::path(
    post,
    path = "/v1/points-of-sale",
    tag = "points-of-sale",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = CreatePointOfSaleRequest,
    responses(
        (status = 201, body = PointOfSaleView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account already has this number", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_point_of_sale(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiJson(request): ApiJson<CreatePointOfSaleRequest>,
) -> Result<(StatusCode, Json<PointOfSaleView>), ApiError> {
    let new = NewPointOfSale {
        numero: request.numero,
        descripcion: request.descripcion,
        domicilio: request.domicilio,
        tipo_emision: request.tipo_emision,
        bloqueado: request.bloqueado,
        fecha_baja: request.fecha_baja,
        contingencia: request.contingencia,
    };
    let row = points_of_sale::create(&state.storage, tenant.account_id(), new).await?;
    Ok((StatusCode::CREATED, Json(PointOfSaleView::from(row))))
}

/// The account's points of sale, newest first.
#[utoipa::path(
    get,
    path = "/v1/points-of-sale",
    tag = "points-of-sale",
    security(("api_key" = []), ("x_api_key" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Page<PointOfSaleView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_points_of_sale(
    State(state): State<AppState>,
    tenant: Tenant,
    pagination: Pagination,
) -> Result<Json<Page<PointOfSaleView>>, ApiError> {
    let (rows, total) =
        points_of_sale::list(&state.storage, tenant.account_id(), pagination.limit, pagination.offset).await?;
    Ok(Json(
        pagination.page(rows.into_iter().map(PointOfSaleView::from).collect(), total),
    ))
}

/// What `POST /v1/points-of-sale/sync` did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncView {
    /// Points of sale ARCA listed for the account's CUIT (FEParamGetPtosVenta).
    pub listed_by_arca: usize,
    /// Rows created or updated here.
    pub synchronised: u64,
}

/// Reads the account's points of sale from ARCA (`FEParamGetPtosVenta`) and stores them.
/// Existing ones keep their id and description; ones ARCA no longer lists are left alone.
#[utoipa::path(
    post,
    path = "/v1/points-of-sale/sync",
    tag = "points-of-sale",
    security(("api_key" = []), ("x_api_key" = [])),
    responses(
        (status = 200, body = SyncView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn sync_points_of_sale(State(state): State<AppState>, tenant: Tenant) -> Result<Json<SyncView>, ApiError> {
    let synced = points_of_sale::sync_from_arca(&state.storage, &state.arca, tenant.account_id()).await?;
    Ok(Json(SyncView {
        listed_by_arca: synced.listed_by_arca,
        synchronised: synced.synchronised,
    }))
}

/// One point of sale.
#[utoipa::path(
    get,
    path = "/v1/points-of-sale/{id}",
    tag = "points-of-sale",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The point of sale's id (`pos_…`)")),
    responses(
        (status = 200, body = PointOfSaleView),
        (status = 400, description = "A path parameter holds a control character or a bidi override", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_point_of_sale(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PointOfSaleView>, ApiError> {
    let row = points_of_sale::find(&state.storage, tenant.account_id(), &id).await?;
    Ok(Json(PointOfSaleView::from(row)))
}

/// Change some fields of a point of sale.
#[utoipa::path(
    patch,
    path = "/v1/points-of-sale/{id}",
    tag = "points-of-sale",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The point of sale's id (`pos_…`)")),
    request_body = UpdatePointOfSaleRequest,
    responses(
        (status = 200, body = PointOfSaleView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account already has the new number, or the change unmarks, blocks, closes or renumbers a contingency point of sale that owes ARCA the report of a live CAEA", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_point_of_sale(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<UpdatePointOfSaleRequest>,
) -> Result<Json<PointOfSaleView>, ApiError> {
    let changes = PointOfSaleChanges {
        numero: request.numero,
        descripcion: request.descripcion,
        domicilio: request.domicilio,
        tipo_emision: request.tipo_emision,
        bloqueado: request.bloqueado,
        fecha_baja: request.fecha_baja,
        contingencia: request.contingencia,
    };
    let today = calendar::argentina_today(state.clock.now());
    let row = points_of_sale::update(&state.storage, tenant.account_id(), &id, changes, today).await?;
    Ok(Json(PointOfSaleView::from(row)))
}

/// Delete a point of sale.
#[utoipa::path(
    delete,
    path = "/v1/points-of-sale/{id}",
    tag = "points-of-sale",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The point of sale's id (`pos_…`)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A path parameter holds a control character or a bidi override", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A contingency point of sale that owes ARCA the report of a live CAEA", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_point_of_sale(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let today = calendar::argentina_today(state.clock.now());
    points_of_sale::delete(&state.storage, tenant.account_id(), &id, today).await?;
    Ok(StatusCode::NO_CONTENT)
}

impl From<PointOfSaleRow> for PointOfSaleView {
    fn from(row: PointOfSaleRow) -> PointOfSaleView {
        let contingencia_verificada = points_of_sale::contingency_verified(&row);
        PointOfSaleView {
            id: row.id,
            numero: row.numero,
            descripcion: row.descripcion,
            domicilio: row.domicilio,
            tipo_emision: row.tipo_emision,
            bloqueado: row.bloqueado,
            fecha_baja: row.fecha_baja,
            origin: row.origin,
            contingencia: row.contingencia,
            contingencia_verificada,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl JsonBody for CreatePointOfSaleRequest {
    const MULTI_LINE: &'static [&'static str] = &["descripcion"];
}
impl JsonBody for UpdatePointOfSaleRequest {
    const MULTI_LINE: &'static [&'static str] = &["descripcion"];
}
