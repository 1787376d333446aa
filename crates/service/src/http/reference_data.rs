//! `GET /v1/reference-data/{table}` (ARCA's code tables, cached) and
//! `GET /v1/reference-data/exchange-rates/{currency}` (ARCA's quotation).

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use super::extract::ApiPath;
use crate::arca::reference_data::{Row, RowId, Table};
use crate::state::AppState;

/// A whole table (they are small: not paginated).
#[derive(Debug, Serialize, ToSchema)]
pub struct TableView {
    pub data: Vec<RowView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowView {
    /// ARCA's id: a number, or text for currencies (`DOL`).
    #[schema(schema_with = row_id_schema)]
    pub id: RowId,
    pub description: String,
    pub valid_from: Option<NaiveDate>,
    /// Null while current.
    pub valid_to: Option<NaiveDate>,
    /// `iva-conditions` only: the voucher classes the condition applies to (`A/M/C`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voucher_classes: Option<String>,
}

/// `id` is an integer or a string, as [`RowId`] serializes.
fn row_id_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Integer, Type::String]))
        .description(Some("ARCA's id: a number, or text for currencies (`DOL`)."))
        .build()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeRateView {
    pub currency: String,
    /// Pesos per unit of the currency, a decimal string.
    pub rate: String,
    /// The day ARCA quoted it for.
    pub date: Option<NaiveDate>,
}

/// An ARCA code table, from its `FEParamGet*` operation (cached for an hour).
#[utoipa::path(
    get,
    path = "/v1/reference-data/{table}",
    tag = "reference-data",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("table" = String, Path, description = "invoice-types, iva-rates, document-types, currencies, iva-conditions, concept-types or tax-types")),
    responses(
        (status = 200, body = TableView),
        (status = 400, description = "A path parameter holds a control character or a bidi override", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such table", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`NO_CERTIFICATE`: the account has no active certificate", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`ARCA_UNAVAILABLE` (retryable)", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "`ARCA_TIMEOUT` (retryable)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_table(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(table): ApiPath<String>,
) -> Result<Json<TableView>, ApiError> {
    let table = Table::from_slug(&table).ok_or_else(|| ApiError::not_found("no such reference table"))?;
    let rows = state
        .reference_data
        .table(&state.arca, tenant.account_id(), table)
        .await?;
    Ok(Json(TableView {
        data: rows.iter().cloned().map(RowView::from).collect(),
    }))
}

/// ARCA's latest quotation of a currency (`FEParamGetCotizacion`).
#[utoipa::path(
    get,
    path = "/v1/reference-data/exchange-rates/{currency}",
    tag = "reference-data",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("currency" = String, Path, description = "ARCA's currency id (`DOL`, `060`, …)")),
    responses(
        (status = 200, body = ExchangeRateView),
        (status = 400, description = "A path parameter holds a control character or a bidi override", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "ARCA does not know or quote the currency", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
        (status = 504, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_exchange_rate(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(currency): ApiPath<String>,
) -> Result<Json<ExchangeRateView>, ApiError> {
    let rate = state
        .reference_data
        .exchange_rate(&state.arca, tenant.account_id(), &currency)
        .await
        .map_err(|error| match error {
            crate::Error::NotFound => ApiError::not_found(format!("ARCA has no quotation for currency {currency:?}")),
            other => ApiError::from(other),
        })?;
    Ok(Json(ExchangeRateView {
        currency: rate.currency,
        rate: rate.rate,
        date: rate.date,
    }))
}

impl From<Row> for RowView {
    fn from(row: Row) -> RowView {
        RowView {
            id: row.id,
            description: row.description,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
            voucher_classes: row.voucher_classes,
        }
    }
}
