//! The customers pages: the account's customers (filters and pagination as `GET /v1/customers`),
//! the create and edit form, delete. Also the pieces the settings pages share: [`Pager`] (the
//! API's `limit`/`offset` as links) and [`FormFailure`] (a domain error shown on its form).
//!
//! Every operation is `crate::customers`' — the same calls as the API's handlers, with the
//! session's account; a customer given by its CUIT without name or IVA condition is completed
//! from ARCA's padrón there. It never checks a field itself: the messages next to the fields are
//! the domain's.

use arca_protocol::codes::{CondicionIvaReceptor, DocTipo};
use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::format;
use super::page::{FieldErrors, Layout, Nav, Notice, PageError, redirect_with, render};
use super::session::{Posted, Session, parse_form};
use crate::customers::{self, CustomerChanges, CustomerDraft, CustomerFilter};
use crate::http::error::FieldError;
use crate::http::pagination::Pagination;
use crate::state::AppState;
use crate::storage::customers::CustomerRow;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard/customers", get(list_page).post(create))
        .route("/dashboard/customers/new", get(new_page))
        .route("/dashboard/customers/{id}", get(edit_page).post(update))
        .route("/dashboard/customers/{id}/delete", post(delete))
}

// ---------------------------------------------------------------------------------------------
// Shared by the settings pages.

/// A list's position as the API pages it (`limit`, `offset`, `total`), with the links to the
/// previous and next pages (the other query parameters kept).
#[derive(Debug, Clone)]
pub struct Pager {
    /// 1-based index of the first row shown, and of the last (0 and 0 when empty).
    pub first: i64,
    pub last: i64,
    pub total: i64,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `path` with `params` (empty values left out) and the page's `limit`/`offset`.
    pub fn new(path: &str, params: &[(&str, &str)], pagination: Pagination, shown: usize, total: i64) -> Pager {
        let link = |offset: i64| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (name, value) in params.iter().filter(|(_, value)| !value.is_empty()) {
                query.append_pair(name, value);
            }
            if pagination.limit != crate::http::pagination::DEFAULT_LIMIT {
                query.append_pair("limit", &pagination.limit.to_string());
            }
            if offset > 0 {
                query.append_pair("offset", &offset.to_string());
            }
            let query = query.finish();
            if query.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{query}")
            }
        };
        let shown = i64::try_from(shown).unwrap_or(i64::MAX);
        Pager {
            first: if shown == 0 { 0 } else { pagination.offset + 1 },
            last: pagination.offset + shown,
            total,
            previous: (pagination.offset > 0).then(|| link((pagination.offset - pagination.limit).max(0))),
            next: (pagination.offset + shown < total).then(|| link(pagination.offset + pagination.limit)),
        }
    }

    /// "1–20 de 45".
    pub fn summary(&self) -> String {
        format!(
            "{}–{} de {}",
            format::thousands(&self.first.to_string()),
            format::thousands(&self.last.to_string()),
            format::thousands(&self.total.to_string())
        )
    }
}

/// `limit` and `offset` from a page's query string, as the API reads them (an empty value is
/// absent; a bad one is the API's 400).
pub fn pagination(limit: Option<&str>, offset: Option<&str>) -> Result<Pagination, PageError> {
    fn present(value: Option<&str>) -> Option<&str> {
        value.map(str::trim).filter(|value| !value.is_empty())
    }
    Ok(Pagination::parse(present(limit), present(offset))?)
}

/// A domain error shown on the form that caused it: the messages next to their fields, the rest
/// (the detail, fields the form does not have, ARCA's codes, the hint) above the form.
#[derive(Debug, Clone, Default)]
pub struct FormFailure {
    pub fields: FieldErrors,
    /// What the form shows above its fields.
    pub summary: Option<String>,
    /// Messages of fields the form does not show.
    pub others: Vec<FieldError>,
    pub arca: Vec<(String, String)>,
    pub hint: Option<String>,
}

impl FormFailure {
    /// The form's answer to `error`: 422 with the fields when the domain named them, the error's
    /// own status otherwise. A 404 (the object itself is gone) stays the error page. `known` are
    /// the form's field names; `rename` maps a domain field to the form's.
    pub fn of(
        error: PageError,
        known: &[&str],
        rename: &[(&str, &str)],
    ) -> Result<(StatusCode, FormFailure), PageError> {
        if error.status == StatusCode::NOT_FOUND || error.status == StatusCode::FORBIDDEN {
            return Err(error);
        }
        let (fields, others): (Vec<FieldError>, Vec<FieldError>) = error
            .fields
            .0
            .into_iter()
            .map(|field| FieldError {
                field: rename
                    .iter()
                    .find(|(from, _)| *from == field.field)
                    .map(|(_, to)| to.to_string())
                    .unwrap_or(field.field),
                message: field.message,
            })
            .partition(|field| known.contains(&field.field.as_str()));
        let status = if fields.is_empty() && others.is_empty() {
            error.status
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let summary = if !fields.is_empty() && others.is_empty() {
            "Revisá los campos marcados.".to_string()
        } else {
            error.detail
        };
        Ok((
            status,
            FormFailure {
                fields: FieldErrors(fields),
                summary: Some(summary),
                others,
                arca: error.arca,
                hint: error.hint,
            },
        ))
    }

    /// One field's message (for the templates).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }
}

/// A page answered with `status`.
pub fn render_with(status: StatusCode, template: &impl Template) -> Response {
    match render(template) {
        Ok(mut response) => {
            *response.status_mut() = status;
            response
        }
        Err(error) => error.into_response(),
    }
}

/// `Some(text)` unless blank.
pub fn filled(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

// ---------------------------------------------------------------------------------------------
// The list.

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    documento_numero: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

/// A customer as the list shows it.
struct Row {
    id: String,
    razon_social: String,
    documento: String,
    condicion_iva: String,
    email: String,
    created_at: String,
}

impl Row {
    fn of(row: CustomerRow) -> Row {
        Row {
            documento: document_text(row.documento_tipo, &row.documento_numero),
            condicion_iva: iva_text(&row.condicion_iva),
            email: row.email.unwrap_or_default(),
            created_at: format::datetime(&row.created_at),
            id: row.id,
            razon_social: row.razon_social,
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/customers.html")]
struct ListPage {
    layout: Layout,
    q: String,
    documento_numero: String,
    rows: Vec<Row>,
    pager: Pager,
}

async fn list_page(
    State(state): State<AppState>,
    session: Session,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let query: ListQuery = parse_form(query.as_deref().unwrap_or(""))?;
    let pagination = pagination(query.limit.as_deref(), query.offset.as_deref())?;
    let q = query.q.unwrap_or_default();
    let documento_numero = query.documento_numero.unwrap_or_default();
    let filter = CustomerFilter {
        name_contains: filled(&q),
        documento_numero: filled(&documento_numero),
    };
    let (rows, total) = customers::list(
        &state.storage,
        &session.account_id,
        filter,
        pagination.limit,
        pagination.offset,
    )
    .await?;
    let pager = Pager::new(
        "/dashboard/customers",
        &[("q", q.as_str()), ("documento_numero", documento_numero.as_str())],
        pagination,
        rows.len(),
        total,
    );
    render(&ListPage {
        layout: Layout::new(&session, Nav::Customers, "Clientes"),
        q,
        documento_numero,
        rows: rows.into_iter().map(Row::of).collect(),
        pager,
    })
}

// ---------------------------------------------------------------------------------------------
// The form.

/// The form's fields, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
struct CustomerForm {
    #[serde(default)]
    documento_tipo: String,
    #[serde(default)]
    documento_numero: String,
    #[serde(default)]
    razon_social: String,
    #[serde(default)]
    condicion_iva: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    direccion: String,
}

const FIELDS: [&str; 6] = [
    "documento_tipo",
    "documento_numero",
    "razon_social",
    "condicion_iva",
    "email",
    "direccion",
];

impl CustomerForm {
    fn of(row: &CustomerRow) -> CustomerForm {
        CustomerForm {
            documento_tipo: row.documento_tipo.to_string(),
            documento_numero: row.documento_numero.clone(),
            razon_social: row.razon_social.clone(),
            condicion_iva: row.condicion_iva.clone(),
            email: row.email.clone().unwrap_or_default(),
            direccion: row.direccion.clone().unwrap_or_default(),
        }
    }

    /// The document type as the API takes it; text that is not a number is the domain's
    /// problem to name (as an impossible code).
    fn documento_tipo(&self) -> Result<Option<i64>, FormFailure> {
        let text = self.documento_tipo.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<i64>().map(Some).map_err(|_| FormFailure {
            fields: FieldErrors(vec![FieldError {
                field: "documento_tipo".into(),
                message: "must be an ARCA document type code".into(),
            }]),
            summary: Some("Revisá los campos marcados.".into()),
            ..FormFailure::default()
        })
    }
}

/// A select's option: (value, label, selected).
type Choice = (String, String, bool);

#[derive(Template)]
#[template(path = "dashboard/customers_form.html")]
struct FormPage {
    layout: Layout,
    /// `None` for a new customer.
    id: Option<String>,
    form: CustomerForm,
    failure: FormFailure,
    document_types: Vec<Choice>,
    iva_conditions: Vec<Choice>,
}

impl FormPage {
    fn new(session: &Session, id: Option<String>, form: CustomerForm, failure: FormFailure) -> FormPage {
        let title = if id.is_some() {
            "Editar cliente"
        } else {
            "Nuevo cliente"
        };
        let document_types = DocTipo::ALL
            .iter()
            .map(|tipo| {
                let value = tipo.code().to_string();
                let selected = value == form.documento_tipo.trim();
                (value, format!("{} ({})", tipo.description(), tipo.code()), selected)
            })
            .collect();
        let iva_conditions = CondicionIvaReceptor::ALL
            .iter()
            .map(|condition| {
                let value = condition.api_name().to_string();
                let selected = value == form.condicion_iva.trim();
                (value, condition.description().to_string(), selected)
            })
            .collect();
        FormPage {
            layout: Layout::new(session, Nav::Customers, title),
            id,
            form,
            failure,
            document_types,
            iva_conditions,
        }
    }

    fn action(&self) -> String {
        match &self.id {
            Some(id) => format!("/dashboard/customers/{id}"),
            None => "/dashboard/customers".to_string(),
        }
    }

    /// `aria-invalid`/`aria-describedby` of a field with a message.
    fn error(&self, field: &str) -> Option<&str> {
        self.failure.field(field)
    }
}

async fn new_page(session: Session) -> Result<Response, PageError> {
    let form = CustomerForm {
        documento_tipo: DocTipo::CUIT.code().to_string(),
        ..CustomerForm::default()
    };
    render(&FormPage::new(&session, None, form, FormFailure::default()))
}

async fn edit_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let row = customers::find(&state.storage, &session.account_id, &id).await?;
    let form = CustomerForm::of(&row);
    render(&FormPage::new(&session, Some(row.id), form, FormFailure::default()))
}

/// The form again, with the domain's messages.
fn refused(session: &Session, id: Option<String>, form: CustomerForm, error: PageError) -> Response {
    match FormFailure::of(error, &FIELDS, &[]) {
        Ok((status, failure)) => render_with(status, &FormPage::new(session, id, form, failure)),
        Err(error) => error.into_response(),
    }
}

async fn create(State(state): State<AppState>, posted: Posted<CustomerForm>) -> Response {
    let Posted { session, form } = posted;
    let documento_tipo = match form.documento_tipo() {
        Ok(tipo) => tipo,
        Err(failure) => {
            return render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage::new(&session, None, form, failure),
            );
        }
    };
    let draft = CustomerDraft {
        cuit: None,
        documento_tipo,
        documento_numero: filled(&form.documento_numero),
        razon_social: filled(&form.razon_social),
        condicion_iva: filled(&form.condicion_iva),
        email: filled(&form.email),
        direccion: filled(&form.direccion),
    };
    match customers::create_filled(&state.storage, &state.taxpayers, &session.account_id, draft).await {
        Ok(_) => redirect_with("/dashboard/customers", Notice::Saved),
        Err(error) => refused(
            &session,
            None,
            form,
            PageError::from(crate::http::error::ApiError::from(error)),
        ),
    }
}

async fn update(State(state): State<AppState>, Path(id): Path<String>, posted: Posted<CustomerForm>) -> Response {
    let Posted { session, form } = posted;
    let documento_tipo = match form.documento_tipo() {
        Ok(tipo) => tipo,
        Err(failure) => {
            return render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage::new(&session, Some(id), form, failure),
            );
        }
    };
    // Every field is on the form: each is sent (a blank required one is the domain's problem
    // to name; a blank e-mail or address clears it).
    let changes = CustomerChanges {
        documento_tipo: Some(documento_tipo.unwrap_or(-1)),
        documento_numero: Some(form.documento_numero.clone()),
        razon_social: Some(form.razon_social.clone()),
        condicion_iva: Some(form.condicion_iva.clone()),
        email: Some(filled(&form.email)),
        direccion: Some(filled(&form.direccion)),
    };
    match customers::update(&state.storage, &session.account_id, &id, changes).await {
        Ok(_) => redirect_with("/dashboard/customers", Notice::Saved),
        Err(error) => refused(&session, Some(id), form, PageError::from(error)),
    }
}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    customers::delete(&state.storage, &posted.session.account_id, &id).await?;
    Ok(redirect_with("/dashboard/customers", Notice::Deleted))
}

/// "CUIT 20-26756539-3", "DNI 30.123.456", "Doc. (Otro) 0".
fn document_text(tipo: i32, numero: &str) -> String {
    let name = DocTipo::from_code(tipo).map_or_else(|| tipo.to_string(), |tipo| tipo.description().to_string());
    let numero = match tipo {
        80 | 86 => format::cuit(numero),
        96 => format::thousands(numero),
        _ => numero.to_string(),
    };
    format!("{name} {numero}")
}

/// ARCA's description of an IVA condition (the API name when unknown).
fn iva_text(api_name: &str) -> String {
    CondicionIvaReceptor::from_api_name(api_name).map_or_else(|| api_name.to_string(), |c| c.description().to_string())
}
