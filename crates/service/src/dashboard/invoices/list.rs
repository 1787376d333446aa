//! `GET /dashboard/invoices`: the account's invoices, newest first, with `GET /v1/invoices`'s
//! filters (status, point of sale, voucher type, dates, the customer's name and document) and
//! its `limit`/`offset` pages, each checked by the same rules (`invoices::ListQuery`,
//! `Pagination::parse`).
//!
//! It never filters or counts by itself: `Invoices::list` does, for the session's account.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Opt, VOUCHER_TYPES, status_class, status_label, voucher_name};
use crate::dashboard::format;
use crate::dashboard::page::{FieldErrors, Layout, Nav, PageError, render};
use crate::dashboard::session::Session;
use crate::http::error::FieldError;
use crate::http::pagination::Pagination;
use crate::invoices::{Invoice, InvoiceStatus, ListQuery};
use crate::state::AppState;

/// The list's query string as a form sends it: every value text, an empty one unset.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub punto_venta: String,
    #[serde(default)]
    pub tipo_comprobante: String,
    #[serde(default)]
    pub fecha_desde: String,
    #[serde(default)]
    pub fecha_hasta: String,
    #[serde(default)]
    pub cliente_nombre: String,
    #[serde(default)]
    pub cliente_documento: String,
    #[serde(default)]
    pub limit: String,
    #[serde(default)]
    pub offset: String,
}

impl Filters {
    /// The filters the invoices module checks, or the values that are not even of their kind.
    fn query(&self) -> Result<ListQuery, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut refuse = |field: &str, message: &str| {
            errors.push(FieldError {
                field: field.into(),
                message: message.into(),
            })
        };
        let text = |value: &str| Some(value.trim().to_string()).filter(|value| !value.is_empty());
        let status = text(&self.status).and_then(|value| {
            let status = InvoiceStatus::parse(&value);
            if status.is_none() {
                refuse("status", "elegí un estado de la lista");
            }
            status
        });
        let mut date = |field: &str, value: &str| {
            text(value).and_then(|value| {
                let date = NaiveDate::parse_from_str(&value, "%Y-%m-%d").ok();
                if date.is_none() {
                    refuse(field, "debe ser una fecha (aaaa-mm-dd)");
                }
                date
            })
        };
        let fecha_desde = date("fecha_desde", &self.fecha_desde);
        let fecha_hasta = date("fecha_hasta", &self.fecha_hasta);
        let mut number = |field: &str, value: &str| {
            text(value).and_then(|value| {
                let number = value.parse::<i32>().ok();
                if number.is_none() {
                    refuse(field, "debe ser un número entero");
                }
                number
            })
        };
        let punto_venta = number("punto_venta", &self.punto_venta);
        let tipo_comprobante = number("tipo_comprobante", &self.tipo_comprobante);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ListQuery {
            status,
            fecha_desde,
            fecha_hasta,
            cliente_nombre: text(&self.cliente_nombre),
            cliente_documento: text(&self.cliente_documento),
            punto_venta,
            tipo_comprobante,
        })
    }

    /// Whether any filter is set (paging aside).
    fn any(&self) -> bool {
        [
            &self.status,
            &self.punto_venta,
            &self.tipo_comprobante,
            &self.fecha_desde,
            &self.fecha_hasta,
            &self.cliente_nombre,
            &self.cliente_documento,
        ]
        .iter()
        .any(|value| !value.trim().is_empty())
    }

    /// `/dashboard/invoices?…` with these filters, `limit` and `offset`.
    fn link(&self, limit: i64, offset: i64) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("status", &self.status),
            ("punto_venta", &self.punto_venta),
            ("tipo_comprobante", &self.tipo_comprobante),
            ("fecha_desde", &self.fecha_desde),
            ("fecha_hasta", &self.fecha_hasta),
            ("cliente_nombre", &self.cliente_nombre),
            ("cliente_documento", &self.cliente_documento),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(name, value.trim());
            }
        }
        if limit != crate::http::pagination::DEFAULT_LIMIT {
            query.append_pair("limit", &limit.to_string());
        }
        if offset > 0 {
            query.append_pair("offset", &offset.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            "/dashboard/invoices".into()
        } else {
            format!("/dashboard/invoices?{query}")
        }
    }
}

/// A row of the list.
pub struct Row {
    pub id: String,
    pub numero: String,
    pub tipo: String,
    pub fecha: String,
    pub receptor: String,
    pub total: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub cae: String,
}

impl Row {
    fn of(invoice: &Invoice) -> Row {
        let row = &invoice.row;
        let documento = match row.doc_tipo {
            99 => String::new(),
            80 | 86 => format::cuit(&row.doc_nro.to_string()),
            _ => format::thousands(&row.doc_nro.to_string()),
        };
        let receptor = match (&row.cliente_nombre, documento.is_empty()) {
            (Some(name), true) => name.clone(),
            (Some(name), false) => format!("{name} ({documento})"),
            (None, false) => documento,
            (None, true) => "Consumidor final".into(),
        };
        Row {
            id: row.id.clone(),
            numero: invoice
                .numero_completo()
                .unwrap_or_else(|| format!("{:05}-sin número", row.punto_venta)),
            tipo: voucher_name(row.cbte_tipo),
            fecha: row.fecha.as_ref().map(format::date).unwrap_or_default(),
            receptor,
            total: format::money(&invoice.total),
            status: status_label(row.status),
            status_class: status_class(row.status),
            // A CAEA invoice shows its CAEA where the CAE goes.
            cae: row.cae.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/invoices/list.html")]
struct ListPage {
    layout: Layout,
    filters: Filters,
    errors: FieldErrors,
    statuses: Vec<Opt>,
    tipos: Vec<Opt>,
    rows: Vec<Row>,
    /// "1–20 de 45".
    range: String,
    previous: Option<String>,
    next: Option<String>,
    filtered: bool,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// The list: filtered and paged like `GET /v1/invoices`, or the filters' problems.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let statuses = std::iter::once(Opt::new("", "Todos", &filters.status))
        .chain(
            InvoiceStatus::ALL
                .into_iter()
                .map(|status| Opt::new(status.as_str(), status_label(status), &filters.status)),
        )
        .collect();
    let tipos = std::iter::once(Opt::new("", "Todos", &filters.tipo_comprobante))
        .chain(
            VOUCHER_TYPES
                .into_iter()
                .map(|code| Opt::new(code.to_string(), voucher_name(code), &filters.tipo_comprobante)),
        )
        .collect();
    let mut page = ListPage {
        layout: Layout::new(&session, Nav::Invoices, "Comprobantes"),
        filtered: filters.any(),
        filters: filters.clone(),
        errors: FieldErrors::default(),
        statuses,
        tipos,
        rows: Vec::new(),
        range: String::new(),
        previous: None,
        next: None,
    };
    let checked = filters.query().and_then(|query| {
        query.check().map_err(|error| match error {
            crate::Error::Invalid(problems) => problems
                .into_iter()
                .map(|(field, message)| FieldError { field, message })
                .collect(),
            other => vec![FieldError {
                field: String::new(),
                message: other.to_string(),
            }],
        })
    });
    let paging = Pagination::parse(
        Some(filters.limit.as_str()).filter(|value| !value.is_empty()),
        Some(filters.offset.as_str()).filter(|value| !value.is_empty()),
    );
    let (filter, pagination) = match (checked, paging) {
        (Ok(filter), Ok(pagination)) => (filter, pagination),
        (checked, paging) => {
            let mut errors = checked.err().unwrap_or_default();
            if let Err(error) = paging {
                errors.extend(PageError::from(error).fields.0);
            }
            page.errors = FieldErrors(errors);
            let mut response = render(&page)?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let (invoices, total) = state
        .invoices
        .list(&session.account_id, &filter, pagination.limit, pagination.offset)
        .await
        .map_err(crate::http::error::ApiError::from)?;
    page.rows = invoices.iter().map(Row::of).collect();
    let first = pagination.offset + 1;
    let last = pagination.offset + i64::try_from(page.rows.len()).unwrap_or(0);
    page.range = if page.rows.is_empty() {
        format!("0 de {}", format::thousands(&total.to_string()))
    } else {
        format!(
            "{}–{} de {}",
            format::thousands(&first.to_string()),
            format::thousands(&last.to_string()),
            format::thousands(&total.to_string())
        )
    };
    if pagination.offset > 0 {
        page.previous = Some(filters.link(pagination.limit, (pagination.offset - pagination.limit).max(0)));
    }
    if last < total {
        page.next = Some(filters.link(pagination.limit, pagination.offset + pagination.limit));
    }
    render(&page)
}
