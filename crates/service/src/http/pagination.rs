//! `limit` (1–100, default 20) and `offset` query parameters, and the list envelope
//! `{data, pagination: {total, limit, offset}}`. Lists are newest first.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, FieldError};

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// Which page of a list to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Pagination {
    /// Items per page, 1 to 100 (20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: i64,
    /// Items to skip (0).
    #[param(minimum = 0, default = 0)]
    pub offset: i64,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub pagination: PageInfo,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PageInfo {
    /// Items in the whole list.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl Pagination {
    pub fn page<T>(self, data: Vec<T>, total: i64) -> Page<T> {
        Page {
            data,
            pagination: PageInfo {
                total,
                limit: self.limit,
                offset: self.offset,
            },
        }
    }

    /// Reads `limit` and `offset` from a query string, reporting every bad value.
    fn from_query(query: &str) -> Result<Pagination, ApiError> {
        let mut pagination = Pagination {
            limit: DEFAULT_LIMIT,
            offset: 0,
        };
        let mut errors = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (target, range, message) = match name {
                "limit" => (
                    &mut pagination.limit,
                    1..=MAX_LIMIT,
                    "must be a whole number from 1 to 100",
                ),
                "offset" => (
                    &mut pagination.offset,
                    0..=i64::MAX,
                    "must be a whole number, 0 or more",
                ),
                _ => continue,
            };
            match value.parse::<i64>() {
                Ok(number) if range.contains(&number) => *target = number,
                _ => errors.push(FieldError {
                    field: name.to_string(),
                    message: message.to_string(),
                }),
            }
        }
        if errors.is_empty() {
            Ok(pagination)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Pagination {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Pagination::from_query(parts.uri.query().unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_and_offset() {
        assert_eq!(Pagination::from_query("").unwrap(), Pagination { limit: 20, offset: 0 });
        assert_eq!(
            Pagination::from_query("limit=5&offset=10&x=y").unwrap(),
            Pagination { limit: 5, offset: 10 }
        );
        let error = Pagination::from_query("limit=0&offset=-1").unwrap_err();
        let fields: Vec<String> = error.problem().errors.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["limit", "offset"]);
        assert!(Pagination::from_query("limit=101").is_err());
    }
}
