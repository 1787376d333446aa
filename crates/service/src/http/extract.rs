//! [`ApiPath`] and [`ApiQuery`]: axum's `Path` and `Query` whose rejections are problem+json
//! 400s naming the parameter, instead of axum's `text/plain` answers.
//!
//! A query string may carry only the parameters its type declares: the types deny unknown
//! fields, so a misspelt filter (`limt=5`) is refused rather than silently ignored. These
//! extractors never look at the values beyond deserialising them; the rules are the handlers'.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Path parameters; a value that does not deserialise → 400 naming the parameter.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(error)) => {
                let (field, message) = match error.into_kind() {
                    ErrorKind::ParseErrorAtKey { key, expected_type, .. } => {
                        (key, format!("must be {}", expected(expected_type)))
                    }
                    ErrorKind::InvalidUtf8InPathParam { key } => (key, "must be valid UTF-8".into()),
                    ErrorKind::DeserializeError { key, message, .. } => (key, message),
                    other => ("path".into(), other.to_string()),
                };
                Err(ApiError::field(field, message))
            }
            Err(other) => Err(ApiError::field("path", other.body_text())),
        }
    }
}

/// The query string; an unknown parameter or a value that does not deserialise → 400 naming
/// the parameter.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or("")).map(ApiQuery)
    }
}

/// Deserialises a query string, naming the parameter a problem is about.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = error.inner().to_string();
        let field = if path != "." {
            Some(path)
        } else {
            // serde names unknown and missing fields in the message, not the path.
            ["unknown field `", "missing field `", "duplicate field `"]
                .iter()
                .find_map(|prefix| message.strip_prefix(prefix))
                .and_then(|rest| rest.split_once('`'))
                .map(|(name, _)| name.to_string())
        };
        let message = if message.starts_with("unknown field") {
            "not a parameter of this operation".to_string()
        } else {
            message
        };
        ApiError::field(field.unwrap_or_else(|| "query".into()), message)
    })
}

fn expected(type_name: &str) -> &'static str {
    if type_name.starts_with('i') || type_name.starts_with('u') {
        "a whole number"
    } else {
        "text"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only the parse outcome matters")]
    struct Filters {
        status: Option<String>,
        punto_venta: Option<i32>,
    }

    fn field_of(query: &str) -> (String, String) {
        let problem = parse_query::<Filters>(query).unwrap_err().problem();
        (problem.errors[0].field.clone(), problem.errors[0].message.clone())
    }

    #[test]
    fn rejections_name_the_parameter() {
        assert!(parse_query::<Filters>("status=approved&punto_venta=2").is_ok());
        assert_eq!(field_of("punto_venta=x").0, "punto_venta");
        assert_eq!(field_of("punto_venta=99999999999").0, "punto_venta");
        assert_eq!(
            field_of("limt=5"),
            ("limt".into(), "not a parameter of this operation".into())
        );
        assert_eq!(field_of("status=a&status=b").0, "status");
    }
}
