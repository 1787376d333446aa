//! `GET/POST /v1/customers`, `GET/PATCH/DELETE /v1/customers/{id}`: the caller's customers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Tenant;
use super::error::{ApiError, FieldError, Problem};
use super::extract::{ApiPath, ApiQuery};
use super::json::{ApiJson, JsonBody, not_null, nullable};
use super::pagination::{Page, PageParams, Pagination};
use crate::customers::{self, CustomerChanges, CustomerDraft, CustomerFilter};
use crate::state::AppState;
use crate::storage::customers::CustomerRow;

// `email`'s pattern (twice below: utoipa takes only a literal) is what the service accepts
// (`customers::looks_like_email` after trimming): empty, or text on both sides of one `@`, a dot
// inside the domain, no whitespace. Whitespace is Unicode's (what `trim` removes), written out so
// that every regex engine reads it the same way.

/// A new customer: its document (`documento_tipo` + `documento_numero`, or only `cuit`), name
/// and IVA condition. A customer with a CUIT whose `razon_social` or `condicion_iva` is missing
/// is filled from ARCA's padrón (name, IVA condition, and `direccion` when missing).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomerRequest {
    /// The customer's CUIT (11 digits, dashes allowed): the same as `documento_tipo` 80 with this
    /// `documento_numero`, which may then be omitted.
    #[schema(max_length = 13, pattern = r"^-*([0-9]-*){11}$")]
    pub cuit: Option<String>,
    /// ARCA's document type code (`DocTipo`): 80 CUIT, 86 CUIL, 96 DNI, 99 other (consumidor
    /// final), … (see `/v1/reference-data/document-types`). Required unless `cuit` is given.
    #[schema(minimum = 0, maximum = 99)]
    pub documento_tipo: Option<i64>,
    /// CUIT/CUIL with a valid check digit (dashes allowed) for 80/86; 7–8 digits for a DNI
    /// (96); `0` for 99; 1–11 digits otherwise. Stored as digits only. Required unless `cuit` is
    /// given.
    #[schema(
        min_length = 1,
        max_length = 20,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub documento_numero: Option<String>,
    /// Name or company name (1–200 characters, one line); from the padrón when omitted for a
    /// CUIT.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub razon_social: Option<String>,
    /// The receiver's IVA condition; from the padrón when omitted for a CUIT.
    #[schema(value_type = Option<crate::customers::CondicionIva>)]
    pub condicion_iva: Option<String>,
    /// An e-mail address (`name@domain`, at most 254 characters); empty is none.
    #[schema(
        max_length = 254,
        pattern = r"^[ \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$|^[ \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^@ \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]+@[^@. \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069][^@ \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*\.[^@ \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*[^@. \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069][ \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    pub email: Option<String>,
    /// Postal address (at most 300 characters, one line).
    #[schema(
        max_length = 300,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub direccion: Option<String>,
}

/// Only the fields present change (the result is checked as a whole); `null` clears `email` or
/// `direccion`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomerRequest {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(minimum = 0, maximum = 99, nullable = false)]
    pub documento_tipo: Option<i64>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(
        min_length = 1,
        max_length = 20,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$",
        nullable = false
    )]
    pub documento_numero: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$",
        nullable = false
    )]
    pub razon_social: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = crate::customers::CondicionIva, nullable = false)]
    pub condicion_iva: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 254, pattern = r"^[ \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$|^[ \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^@ \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]+@[^@. \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069][^@ \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*\.[^@ \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*[^@. \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069][ \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 300, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$")]
    pub direccion: Option<Option<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    pub id: String,
    pub documento_tipo: i32,
    pub documento_numero: String,
    pub razon_social: String,
    pub condicion_iva: String,
    pub email: Option<String>,
    pub direccion: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// List filters (with `limit` and `offset`, documented by [`PageParams`]).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CustomerQuery {
    /// Part of the name (`razon_social`), case-insensitive.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// The exact document number (dashes and dots ignored).
    #[param(max_length = 20)]
    pub documento_numero: Option<String>,
    #[param(ignore)]
    pub limit: Option<String>,
    #[param(ignore)]
    pub offset: Option<String>,
}

impl CustomerQuery {
    /// The filters' lengths, as documented.
    fn check(&self) -> Result<(), ApiError> {
        let too_long = |value: &Option<String>, max: usize| value.as_ref().is_some_and(|v| v.chars().count() > max);
        let mut errors = Vec::new();
        if too_long(&self.q, 200) {
            errors.push(FieldError {
                field: "q".into(),
                message: "must be at most 200 characters".into(),
            });
        }
        if too_long(&self.documento_numero, 20) {
            errors.push(FieldError {
                field: "documento_numero".into(),
                message: "must be at most 20 characters".into(),
            });
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Add a customer.
#[utoipa::path(
    post,
    path = "/v1/customers",
    tag = "customers",
    security(("api_key" = []), ("x_api_key" = [])),
    request_body = CreateCustomerRequest,
    responses(
        (status = 201, body = CustomerView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account has a customer with this document", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Filling from the padrón: TAXPAYER_NOT_FOUND, TAXPAYER_DATA_INCOMPLETE (`condicion_iva`), ARCA_SERVICE_NOT_AUTHORIZED, NO_CERTIFICATE", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "TAXPAYER_LOOKUP_UNAVAILABLE: the padrón did not answer and the name or IVA condition is missing; retryable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_customer(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiJson(request): ApiJson<CreateCustomerRequest>,
) -> Result<(StatusCode, Json<CustomerView>), ApiError> {
    let draft = CustomerDraft {
        cuit: request.cuit,
        documento_tipo: request.documento_tipo,
        documento_numero: request.documento_numero,
        razon_social: request.razon_social,
        condicion_iva: request.condicion_iva,
        email: request.email,
        direccion: request.direccion,
    };
    let row = customers::create_filled(&state.storage, &state.taxpayers, tenant.account_id(), draft).await?;
    Ok((StatusCode::CREATED, Json(CustomerView::from(row))))
}

/// The account's customers, newest first, optionally filtered.
#[utoipa::path(
    get,
    path = "/v1/customers",
    tag = "customers",
    security(("api_key" = []), ("x_api_key" = [])),
    params(CustomerQuery, PageParams),
    responses(
        (status = 200, body = Page<CustomerView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_customers(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiQuery(query): ApiQuery<CustomerQuery>,
) -> Result<Json<Page<CustomerView>>, ApiError> {
    let pagination = Pagination::parse(query.limit.as_deref(), query.offset.as_deref())?;
    query.check()?;
    let filter = CustomerFilter {
        name_contains: query.q,
        documento_numero: query.documento_numero,
    };
    let (rows, total) = customers::list(
        &state.storage,
        tenant.account_id(),
        filter,
        pagination.limit,
        pagination.offset,
    )
    .await?;
    Ok(Json(
        pagination.page(rows.into_iter().map(CustomerView::from).collect(), total),
    ))
}

/// One customer.
#[utoipa::path(
    get,
    path = "/v1/customers/{id}",
    tag = "customers",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The customer's id (`cus_…`)")),
    responses(
        (status = 200, body = CustomerView),
        (status = 400, description = "A path parameter holds a control character or a bidi override", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_customer(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CustomerView>, ApiError> {
    let row = customers::find(&state.storage, tenant.account_id(), &id).await?;
    Ok(Json(CustomerView::from(row)))
}

/// Change some fields of a customer.
#[utoipa::path(
    patch,
    path = "/v1/customers/{id}",
    tag = "customers",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The customer's id (`cus_…`)")),
    request_body = UpdateCustomerRequest,
    responses(
        (status = 200, body = CustomerView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account has a customer with the new document", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_customer(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<UpdateCustomerRequest>,
) -> Result<Json<CustomerView>, ApiError> {
    let changes = CustomerChanges {
        documento_tipo: request.documento_tipo,
        documento_numero: request.documento_numero,
        razon_social: request.razon_social,
        condicion_iva: request.condicion_iva,
        email: request.email,
        direccion: request.direccion,
    };
    let row = customers::update(&state.storage, tenant.account_id(), &id, changes).await?;
    Ok(Json(CustomerView::from(row)))
}

/// Delete a customer.
#[utoipa::path(
    delete,
    path = "/v1/customers/{id}",
    tag = "customers",
    security(("api_key" = []), ("x_api_key" = [])),
    params(("id" = String, Path, description = "The customer's id (`cus_…`)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A path parameter holds a control character or a bidi override", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_customer(
    State(state): State<AppState>,
    tenant: Tenant,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    customers::delete(&state.storage, tenant.account_id(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

impl From<CustomerRow> for CustomerView {
    fn from(row: CustomerRow) -> CustomerView {
        CustomerView {
            id: row.id,
            documento_tipo: row.documento_tipo,
            documento_numero: row.documento_numero,
            razon_social: row.razon_social,
            condicion_iva: row.condicion_iva,
            email: row.email,
            direccion: row.direccion,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl JsonBody for CreateCustomerRequest {}
impl JsonBody for UpdateCustomerRequest {}

#[cfg(test)]
mod tests {
    use arca_protocol::codes::CondicionIvaReceptor;

    use crate::customers::CondicionIva;

    /// The documented enum names exactly the conditions the service accepts.
    #[test]
    fn documented_iva_conditions_are_the_accepted_ones() {
        let documented: Vec<String> = CondicionIva::ALL
            .iter()
            .map(|condition| serde_json::to_value(condition).unwrap().as_str().unwrap().to_string())
            .collect();
        let accepted: Vec<&str> = CondicionIvaReceptor::ALL.iter().map(|c| c.api_name()).collect();
        assert_eq!(documented, accepted);
    }
}
