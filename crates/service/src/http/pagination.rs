//! `limit` (1–100, default 20) and `offset` query parameters, and the list envelope
//! `{data, pagination: {total, limit, offset}}`. Lists are newest first.
//!
//! As an extractor, [`Pagination`] is the whole query string of a list without filters: any
//! other parameter is refused (400 naming it). Lists with filters read `limit` and `offset`
//! through their filters' type and [`Pagination::parse`].

use std::ops::RangeInclusive;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, FieldError};
use super::extract::parse_query;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// Which page of a list to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    pub limit: i64,
    pub offset: i64,
}

/// The documented form of [`Pagination`] (both parameters optional).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100 (20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip (0).
    #[param(minimum = 0, maximum = 9_007_199_254_740_991_i64, default = 0)]
    pub offset: Option<i64>,
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

    /// `limit` and `offset` as the query string gave them (absent: the defaults), reporting
    /// every bad value.
    pub fn parse(limit: Option<&str>, offset: Option<&str>) -> Result<Pagination, ApiError> {
        let mut errors = Vec::new();
        let mut read =
            |name: &str, value: Option<&str>, default: i64, range: RangeInclusive<i64>, message: &str| match value {
                None => default,
                Some(text) => match text.parse::<i64>() {
                    Ok(number) if range.contains(&number) => number,
                    _ => {
                        errors.push(FieldError {
                            field: name.to_string(),
                            message: message.to_string(),
                        });
                        default
                    }
                },
            };
        let limit = read(
            "limit",
            limit,
            DEFAULT_LIMIT,
            1..=MAX_LIMIT,
            "must be a whole number from 1 to 100",
        );
        let offset = read(
            "offset",
            offset,
            0,
            0..=MAX_OFFSET,
            "must be a whole number from 0 to 9007199254740991",
        );
        if errors.is_empty() {
            Ok(Pagination { limit, offset })
        } else {
            Err(ApiError::validation(errors))
        }
    }

    /// A query string of `limit` and `offset` only.
    fn from_query(query: &str) -> Result<Pagination, ApiError> {
        let PageQuery { limit, offset } = parse_query(query)?;
        Pagination::parse(limit.as_deref(), offset.as_deref())
    }
}

/// The largest `offset`: 2^53 − 1, so that every client's JSON number can hold it.
pub const MAX_OFFSET: i64 = 9_007_199_254_740_991;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    limit: Option<String>,
    offset: Option<String>,
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
            Pagination::from_query("limit=5&offset=10").unwrap(),
            Pagination { limit: 5, offset: 10 }
        );
        let unknown = Pagination::from_query("limit=5&x=y").unwrap_err();
        assert_eq!(unknown.problem().errors[0].field, "x");
        let error = Pagination::from_query("limit=0&offset=-1").unwrap_err();
        let fields: Vec<String> = error.problem().errors.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["limit", "offset"]);
        assert!(Pagination::from_query("limit=101").is_err());
    }
}
