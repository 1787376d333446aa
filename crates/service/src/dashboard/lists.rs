//! What the list and form pages share: [`Pager`] (the API's `limit`/`offset` read from a page's
//! query string and written back as links), [`FormFailure`] (a domain error shown on the form that
//! caused it), [`render_with`] (a page with another status than 200).
//!
//! It never checks a field itself: the messages it places are the domain's, and the bounds of a
//! page are the API's (`Pagination::parse`).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::format;
use super::page::{FieldErrors, PageError, render};
use super::session::parse_form;
use crate::http::error::FieldError;
use crate::http::pagination::Pagination;

/// `limit` and `offset` of a list page whose query string has nothing else.
pub fn pagination_of(query: Option<&str>) -> Result<Pagination, PageError> {
    #[derive(Debug, Default, Deserialize)]
    struct PageQuery {
        limit: Option<String>,
        offset: Option<String>,
    }
    let query: PageQuery = parse_form(query.unwrap_or(""))?;
    pagination(query.limit.as_deref(), query.offset.as_deref())
}

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
