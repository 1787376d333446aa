//! The path parameters and query string of every routed request keep [`crate::text`]'s
//! single-line rule before any extractor or handler sees them: a NUL or other control character
//! in an id or a filter is a 400 naming the parameter on both dialects, never a value handed to
//! the database (PostgreSQL refuses NUL in text with an error that would be a 500).
//!
//! It never reads the body (`ApiJson` checks bodies) and never rewrites a value.

use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, FieldError};
use crate::text::{self, Lines};

/// Middleware: 400 when a path parameter or a query parameter (name or value) holds a
/// character single-line text may not.
pub async fn refuse_control_characters(
    params: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
    next: Next,
) -> Response {
    let mut problems = Vec::new();
    if let Ok(params) = &params {
        for (name, value) in params {
            if let Some(message) = text::problem(value, Lines::Single) {
                problems.push(FieldError {
                    field: name.to_string(),
                    message,
                });
            }
        }
    }
    if let Some(query) = request.uri().query() {
        problems.extend(query_problems(query));
    }
    if problems.is_empty() {
        next.run(request).await
    } else {
        ApiError::validation(problems).into_response()
    }
}

/// The problems of an `application/x-www-form-urlencoded` query, each named after its
/// parameter.
fn query_problems(query: &str) -> Vec<FieldError> {
    let mut problems = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name);
        let value = decode(value);
        if let Some(message) = text::problem(&name, Lines::Single) {
            problems.push(FieldError {
                field: "query".into(),
                message: format!("a parameter name {message}"),
            });
        } else if let Some(message) = text::problem(&value, Lines::Single) {
            problems.push(FieldError { field: name, message });
        }
    }
    problems
}

/// Percent-decoding with `+` as a space; invalid UTF-8 is replaced (the query extractor reports
/// it), so only the characters matter here.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(index + 1).and_then(|b| hex(*b)),
                bytes.get(index + 2).and_then(|b| hex(*b)),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    index += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    char::from(byte).to_digit(16).and_then(|digit| u8::try_from(digit).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_decoded_and_checked() {
        assert_eq!(decode("a%20b+c%4"), "a b c%4");
        assert!(query_problems("q=ACME+SA&limit=10&documento_numero=20-1").is_empty());
        let fields: Vec<String> = query_problems("q=A%00B&status=x%1B%5B0m&ok=%E2%80%AE")
            .into_iter()
            .map(|problem| problem.field)
            .collect();
        assert_eq!(fields, ["q", "status", "ok"]);
        assert_eq!(query_problems("a%00=1")[0].field, "query");
    }
}
