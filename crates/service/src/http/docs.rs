//! `/openapi.json` (OpenAPI 3.1, generated from the handlers) and `/docs`, a small static page
//! that renders it in the browser with no assets from elsewhere (the build is offline).

use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Document-level parts the handlers don't carry: title, security schemes.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "arca-api",
        description = "Argentine electronic invoices through ARCA (ex-AFIP). Errors are RFC 7807 \
                       application/problem+json with a stable `code`."
    ),
    components(schemas(super::error::Problem, super::error::FieldError, super::error::ArcaErrorView)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "accounts", description = "Accounts, tiers and usage"),
        (name = "api-keys", description = "API keys of the caller's account"),
        (name = "points-of-sale", description = "The caller's ARCA points of sale"),
        (name = "customers", description = "The caller's customers (invoice receivers)"),
        (name = "certificates", description = "ARCA certificates of the caller's account; keys encrypted at rest, never returned"),
        (name = "reference-data", description = "ARCA's code tables and exchange rates"),
        (name = "invoices", description = "Invoices: composed, pre-validated, numbered and authorised with ARCA"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

/// What the key schemes say about modes (`api_keys.rs`).
const API_KEY_MODES: &str = "An API key. Instances on ARCA's simulator or homologation accept only test keys \
                             (`arca_test_…`), production instances only live keys (`arca_live_…`); a key of the \
                             other mode gets 401 with code API_KEY_MODE_MISMATCH.";

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(description))
                    .build(),
            )
        };
        components.add_security_scheme("api_key", bearer(API_KEY_MODES));
        components.add_security_scheme(
            "x_api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                API_KEY_MODES,
            ))),
        );
        components.add_security_scheme("admin_token", bearer("The operator's ADMIN_TOKEN."));
    }
}

/// The serialized document, computed once.
pub fn openapi_json(document: &OpenApi) -> Arc<String> {
    Arc::new(document.to_pretty_json().unwrap_or_else(|_| "{}".into()))
}

pub fn openapi_response(json: &str) -> Response {
    let mut response = json.to_string().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub async fn docs_page() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}
