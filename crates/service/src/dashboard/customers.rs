//! The customers pages: the account's customers (filters and pagination as `GET /v1/customers`),
//! the create and edit form, delete.
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
use super::lists::{FormFailure, Pager, filled, pagination, render_with};
use super::page::{FieldErrors, Layout, Nav, Notice, PageError, redirect_with, render};
use super::session::{Posted, Session, parse_form};
use crate::customers::{self, CustomerChanges, CustomerDraft, CustomerFilter};
use crate::http::error::FieldError;
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
