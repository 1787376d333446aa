//! `/openapi.json` (OpenAPI 3.1, generated from the handlers, [completed](complete) with the
//! answers every operation can give and [examples](super::examples)) and `/docs`, Swagger UI
//! rendering it: the vendored `swagger-ui-dist` (`assets/docs/`, its licence and origin beside
//! it) and a small start script, compiled into the binary and served under hashed names.
//!
//! It never loads anything from another origin: `/docs` is served with a Content-Security-Policy
//! of its own allowing only this origin (scripts from files only, no inline script or style).

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::error::ApiError;
use crate::embedded::{self, Embedded};
use crate::state::AppState;

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
        (name = "taxpayers", description = "Who a CUIT or DNI is, from ARCA's padrón (constancia de inscripción, A13), cached per account"),
        (name = "certificates", description = "ARCA certificates of the caller's account; keys encrypted at rest, never returned"),
        (name = "reference-data", description = "ARCA's code tables and exchange rates"),
        (name = "invoices", description = "Invoices: composed, pre-validated, numbered and authorised with ARCA"),
        (name = "verifications", description = "Vouchers the caller received, checked with ARCA's WSCDC, and ARCA's answers"),
        (name = "fce", description = "FCE MiPyMEs the account's CUIT received (ARCA's wsfecred account): list, accept, reject"),
        (name = "contingency", description = "CAEA contingency: opt-in, the fortnight's CAEA, contingency series, and their reporting to ARCA"),
        (name = "webhooks", description = "Signed webhook subscriptions of the caller's account and their delivery log"),
        (name = "public", description = "What needs no API key: an approved invoice's PDF through its signed, expiring link"),
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

/// The serialized document, [completed](complete) and with its [examples](super::examples::apply),
/// computed once.
pub fn openapi_json(document: &OpenApi) -> Arc<String> {
    let mut value = serde_json::to_value(document).unwrap_or_default();
    complete(&mut value);
    super::examples::apply(&mut value);
    Arc::new(serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into()))
}

/// What every operation can answer besides what its handler declares, added to each one in a
/// single place so no operation can forget it:
/// - every `{name}` of its path as a required string path parameter;
/// - 400 when it takes parameters or a body (extractors name the field), 404 when its path has
///   an id, 413 and 415 when it takes a JSON body;
/// - 401 when it needs a key or the admin token; 429 when it is rate limited (API keys);
/// - 500 (`INTERNAL_ERROR`) and 503 (`MAINTENANCE`, and the database or ARCA unavailable).
///
/// Every added answer is `application/problem+json` with the `Problem` schema; an answer the
/// handler documents itself is left as it is.
pub fn complete(document: &mut serde_json::Value) {
    let Some(paths) = document.get_mut("paths").and_then(|paths| paths.as_object_mut()) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        let path_parameters: Vec<String> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
            .collect();
        for (method, operation) in item.iter_mut() {
            if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                continue;
            }
            complete_operation(operation, &path_parameters);
        }
    }
}

/// Text with no control character (C0, DEL, C1) and no bidirectional override or isolate.
const SINGLE_LINE_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$";

fn complete_operation(operation: &mut serde_json::Value, path_parameters: &[String]) {
    use serde_json::{Value, json};
    let Some(operation) = operation.as_object_mut() else {
        return;
    };
    let parameters = operation
        .entry("parameters")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Some(parameters) = parameters.as_array_mut() {
        for name in path_parameters {
            let declared = parameters
                .iter()
                .any(|parameter| parameter["in"] == "path" && parameter["name"] == name.as_str());
            if !declared {
                parameters.push(json!({
                    "name": name, "in": "path", "required": true, "schema": {"type": "string"}
                }));
            }
        }
    }
    // Path ids and text filters follow the single-line rule (`http/input.rs`): say so where the
    // parameter's schema does not already constrain its text.
    if let Some(parameters) = operation.get_mut("parameters").and_then(Value::as_array_mut) {
        for parameter in parameters.iter_mut() {
            let is_text = parameter["schema"]["type"] == "string"
                || parameter["schema"]["type"]
                    .as_array()
                    .is_some_and(|types| types.contains(&json!("string")));
            let located = parameter["in"] == "path" || parameter["in"] == "query";
            if is_text
                && located
                && parameter["schema"].get("pattern").is_none()
                && parameter["schema"].get("format").is_none()
                && let Some(schema) = parameter["schema"].as_object_mut()
            {
                schema.insert("pattern".into(), json!(SINGLE_LINE_PATTERN));
            }
        }
    }
    let takes_parameters = operation["parameters"].as_array().is_some_and(|p| !p.is_empty());
    if !takes_parameters {
        operation.remove("parameters");
    }
    let takes_body = operation.contains_key("requestBody");
    let schemes: Vec<String> = operation
        .get("security")
        .and_then(Value::as_array)
        .map(|requirements| {
            requirements
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|requirement| requirement.keys().cloned())
                .collect()
        })
        .unwrap_or_default();
    let keyed = schemes
        .iter()
        .any(|scheme| scheme == "api_key" || scheme == "x_api_key");
    let mut answers: Vec<(&str, &str)> = Vec::new();
    if takes_parameters || takes_body {
        answers.push((
            "400",
            "`VALIDATION_ERROR`: a parameter or field is invalid (`errors` names it)",
        ));
    }
    if !schemes.is_empty() {
        answers.push(("401", "`UNAUTHORIZED`: a missing, invalid or revoked credential"));
    }
    if !path_parameters.is_empty() {
        answers.push(("404", "`NOT_FOUND`: no such resource in the caller's account"));
    }
    if takes_body {
        answers.push(("413", "The request body exceeds 1 MiB"));
        answers.push(("415", "The request body is not `application/json`"));
    }
    if keyed {
        answers.push((
            "429",
            "`RATE_LIMIT_EXCEEDED`: the key's requests per minute are used up (`Retry-After`)",
        ));
    }
    answers.push(("500", "`INTERNAL_ERROR`: logged; retryable"));
    answers.push(("503", "`MAINTENANCE`, or a dependency unavailable (`Retry-After`)"));
    let responses = operation
        .entry("responses")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    let Some(responses) = responses.as_object_mut() else {
        return;
    };
    for (status, description) in answers {
        responses.entry(status).or_insert_with(|| {
            json!({
                "description": description,
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
            })
        });
    }
}

pub fn openapi_response(json: &str) -> Response {
    let mut response = json.to_string().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

const ASSETS_PREFIX: &str = "/docs/assets";

/// Swagger UI's bundle and stylesheet (vendored, unchanged) and our start script.
static ASSETS: LazyLock<[Embedded; 3]> = LazyLock::new(|| {
    [
        Embedded::new(
            ASSETS_PREFIX,
            "swagger-ui",
            "css",
            include_bytes!("../../assets/docs/swagger-ui.css"),
            "text/css; charset=utf-8",
        ),
        Embedded::new(
            ASSETS_PREFIX,
            "swagger-ui-bundle",
            "js",
            include_bytes!("../../assets/docs/swagger-ui-bundle.js"),
            "text/javascript; charset=utf-8",
        ),
        Embedded::new(
            ASSETS_PREFIX,
            "init",
            "js",
            include_bytes!("../../assets/docs/init.js"),
            "text/javascript; charset=utf-8",
        ),
    ]
});

/// The page: Swagger UI's stylesheet, its bundle, then the script that starts it on
/// `/openapi.json`.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    let [css, bundle, init] = &*ASSETS;
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>arca-api — API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{css}">
</head>
<body>
<noscript><p>This page needs JavaScript. The OpenAPI document itself is <a href="/openapi.json">/openapi.json</a>.</p></noscript>
<div id="swagger-ui"></div>
<script src="{bundle}"></script>
<script src="{init}"></script>
</body>
</html>
"#,
        css = css.url(),
        bundle = bundle.url(),
        init = init.url(),
    )
});

/// `/docs`' policy: this origin only, scripts from files only, no inline script or style (Swagger
/// UI sets its styles through the CSSOM, which the policy allows), `data:` images (its icons), and
/// "Try it out" calls this origin only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'; object-src 'none'";

/// `/docs`, `/docs/` and `/docs/assets/{file}`, behind `/docs`' own security headers.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/docs", get(docs_page))
        .route("/docs/", get(docs_page))
        .route("/docs/assets/{file}", get(asset))
        .layer(from_fn(security_headers))
}

async fn docs_page() -> Response {
    let mut response = Html(PAGE.as_str()).into_response();
    // The page names the assets by hash: a new build's page must be fetched again.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

async fn asset(Path(file): Path<String>) -> Response {
    match embedded::find(&*ASSETS, &format!("{ASSETS_PREFIX}/{file}")) {
        Some(asset) => asset.response(),
        None => ApiError::not_found("no such file").into_response(),
    }
}

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}
