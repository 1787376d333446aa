//! [`ApiJson`]: `Json` whose every rejection is a problem+json answer naming the field.
//!
//! A body is a JSON object (anything else is 400 naming `body`), and every string in it keeps
//! [`crate::text`]'s rule before it is read into its request type: single-line unless the type
//! lists the field in [`JsonBody::MULTI_LINE`].

use axum::body::Bytes;
use axum::extract::{FromRequest, OptionalFromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::error::{ApiError, FieldError};
use crate::text;

/// The request body limit the router enforces (tower-http `RequestBodyLimitLayer`).
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// A request type `ApiJson` reads: a JSON object, deserialised after its strings passed
/// [`text::check_json`].
pub trait JsonBody: DeserializeOwned {
    /// The paths of the fields meant for several lines (`items[].descripcion`; a path covers
    /// everything below it). Every other string is single-line.
    const MULTI_LINE: &'static [&'static str] = &[];
}

/// A JSON request body. Wrong or missing `Content-Type` → 415; a body over
/// [`BODY_LIMIT_BYTES`] → 413; malformed JSON → 400 naming line and column; a value of the wrong
/// shape → 400 naming the field by its path (`items[0].cantidad`).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: JsonBody,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::body(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type",
                "expected application/json",
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::field("body", "the request body could not be read")
            }
        })?;
        check_text::<T>(&bytes)?;
        parse(&bytes).map(ApiJson)
    }
}

/// An optional body (`Option<ApiJson<T>>`): an empty body, with or without a `Content-Type`, or
/// `null` is `None`; anything else is read as [`ApiJson`] reads it.
impl<S, T> OptionalFromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: JsonBody,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let json = is_json(request.headers().get(header::CONTENT_TYPE));
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::field("body", "the request body could not be read")
            }
        })?;
        // No body, or JSON's `null`: none.
        if bytes.is_empty() || bytes.trim_ascii() == b"null" {
            return Ok(None);
        }
        if !json {
            return Err(ApiError::body(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type",
                "expected application/json",
            ));
        }
        check_text::<T>(&bytes)?;
        parse(&bytes).map(|value| Some(ApiJson(value)))
    }
}

/// The 413 answer, also used for the body-limit layer's own refusals.
pub fn too_large() -> ApiError {
    ApiError::body(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body",
        format!("the request body exceeds {} KiB", BODY_LIMIT_BYTES / 1024),
    )
}

fn is_json(content_type: Option<&axum::http::HeaderValue>) -> bool {
    let Some(essence) = content_type
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
    else {
        return false;
    };
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The body is one JSON object whose strings keep [`crate::text`]'s rules; malformed JSON is
/// left for [`parse`] to report with its position.
fn check_text<T: JsonBody>(bytes: &[u8]) -> Result<(), ApiError> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    if !value.is_object() {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    let problems = text::check_json(&value, T::MULTI_LINE);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(
            problems
                .into_iter()
                .map(|(field, message)| FieldError { field, message })
                .collect(),
        ))
    }
}

/// Reads the body in two steps: JSON syntax first (into a [`serde_json::Value`], refusing a key
/// given twice in one object), then the shape, so a field's problem is named by its path. A
/// number with no fractional part (`7.0`) is the whole number it writes, as JSON Schema's
/// `integer` says: it reaches an integer field as `7`.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    shape(strict_value(bytes)?)
}

/// The JSON syntax step of [`parse`]: the value, with its keys once and its whole numbers
/// as integers, or a 400 naming `body` and the position.
fn strict_value(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    let Strict(value) = serde_json::from_slice(bytes).map_err(|error| {
        let message = without_position(&error);
        let position = format!("at line {} column {}", error.line(), error.column());
        if error.is_data() {
            ApiError::field("body", format!("{message} {position}"))
        } else if message.starts_with("trailing characters") {
            ApiError::field("body", format!("unexpected characters after the JSON value {position}"))
        } else {
            ApiError::field("body", format!("malformed JSON {position}"))
        }
    })?;
    Ok(value)
}

/// The shape step of [`parse`]: `value` (already read by [`ApiJson`]) as `T`, or a 400 naming
/// the field by its path. A body whose type depends on one of its fields (`POST /v1/invoices`'
/// `mode`) is read as a [`serde_json::Value`] first and given its type here.
pub fn shape<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = without_position(&inner);
        if path != "." {
            ApiError::field(path, message)
        } else {
            // A missing field is reported at the object holding it: name the field itself.
            let missing = message
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(name, _)| name.to_string());
            ApiError::field(missing.unwrap_or_else(|| "body".into()), message)
        }
    })
}

/// A JSON value read with two rules of this API: no key twice in an object, and whole numbers
/// written with a zero fraction (`7.0`, up to 2^53) read as integers.
struct Strict(serde_json::Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Strict, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

/// 2^53: up to here every whole `f64` is exact.
const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<serde_json::Value, E> {
        Ok(value.into())
    }

    fn visit_i64<E>(self, value: i64) -> Result<serde_json::Value, E> {
        Ok(value.into())
    }

    fn visit_u64<E>(self, value: u64) -> Result<serde_json::Value, E> {
        Ok(value.into())
    }

    fn visit_f64<E>(self, value: f64) -> Result<serde_json::Value, E> {
        if value.fract() == 0.0 && value.abs() <= EXACT_FLOAT_LIMIT {
            // Exact below 2^53; written without a fraction, it parses as the same integer.
            if let Ok(whole) = format!("{value:.0}").parse::<i64>() {
                return Ok(whole.into());
            }
        }
        Ok(serde_json::Number::from_f64(value).map_or(serde_json::Value::Null, serde_json::Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<serde_json::Value, E> {
        Ok(value.into())
    }

    fn visit_string<E>(self, value: String) -> Result<serde_json::Value, E> {
        Ok(value.into())
    }

    fn visit_unit<E>(self) -> Result<serde_json::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<serde_json::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<serde_json::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(value) = map.next_value()?;
            if object.insert(key.clone(), value).is_some() {
                return Err(serde::de::Error::custom(format!("duplicate field `{key}`")));
            }
        }
        Ok(serde_json::Value::Object(object))
    }
}

/// serde_json's message without its " at line 1 column 9" tail (the path says where).
/// For PATCH bodies: `#[serde(default, deserialize_with = "nullable")]` on an
/// `Option<Option<T>>` tells an absent field (`None`: unchanged) from `null` (`Some(None)`:
/// cleared).
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

/// For PATCH bodies: `#[serde(default, deserialize_with = "not_null")]` on an `Option<T>`
/// whose field cannot be cleared: absent is `None` (unchanged), `null` is refused (400 naming
/// the field) rather than silently ignored.
pub fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    let value: Option<T> = serde::Deserialize::deserialize(deserializer)?;
    value
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("cannot be null; leave the field out to keep its value"))
}

fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(position) => message[..position].to_string(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "only the parse outcome matters")]
    struct Sample {
        name: String,
        items: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Item {
        quantity: u32,
    }

    fn check(body: &str, expected_field: &str, expected_message_start: &str) {
        let error = parse::<Sample>(body.as_bytes()).unwrap_err();
        let problem = error.problem();
        assert_eq!(problem.errors[0].field, expected_field, "{body}");
        assert!(
            problem.errors[0].message.starts_with(expected_message_start),
            "{body}: {}",
            problem.errors[0].message
        );
    }

    #[test]
    fn rejections_name_the_field() {
        check(
            r#"{"name": "x", "items": [{"quantity": "2"}]}"#,
            "items[0].quantity",
            "invalid type",
        );
        check(r#"{"items": []}"#, "name", "missing field `name`");
        check(
            r#"{"name": "x", "items": [}"#,
            "body",
            "malformed JSON at line 1 column 25",
        );
        check(r#"{"name": "x", "items": []} x"#, "body", "unexpected characters");
        check(
            r#"{"name": "x", "name": "y", "items": []}"#,
            "body",
            "duplicate field `name`",
        );
        check(
            r#"{"name": "x", "items": [{"quantity": 2.5}]}"#,
            "items[0].quantity",
            "invalid type: floating point",
        );
    }

    #[test]
    fn whole_numbers_with_a_zero_fraction_are_integers() {
        let sample: Sample = parse(br#"{"name": "x", "items": [{"quantity": 7.0}, {"quantity": 3e2}]}"#).unwrap();
        assert_eq!(
            sample.items.iter().map(|item| item.quantity).collect::<Vec<_>>(),
            [7, 300]
        );
        assert!(parse::<Sample>(br#"{"name": "x", "items": [{"quantity": 1e300}]}"#).is_err());
    }
}
