//! The HTTP API: every route in [`router`], every layer in [`layers`], in order.
//!
//! Tenant routes sit behind `auth::require_api_key` then `rate_limit::limit`; the admin route
//! takes the `Admin` extractor; the public PDF route (`/v1/public/…`) takes a signed link
//! instead of a key; all of `/v1` answers 503 in maintenance. `/health*` and
//! `/metrics` (operations, no key) keep answering in maintenance and report it. Every error —
//! handlers', extractors', unknown paths (404), wrong methods (405), oversize bodies (413),
//! panics (500) — is `application/problem+json` (see `error.rs`).

pub mod accounts;
pub mod api_keys;
pub mod auth;
pub mod certificates;
pub mod contingency;
pub mod contingency_reports;
pub mod customers;
pub mod docs;
pub mod emails;
pub mod error;
pub mod examples;
pub mod extract;
pub mod fce;
pub mod health;
pub mod input;
pub mod invoice_pdfs;
pub mod invoices;
pub mod issuer_profiles;
pub mod json;
pub mod maintenance;
pub mod metrics;
pub mod notes;
pub mod pagination;
pub mod points_of_sale;
pub mod rate_limit;
pub mod reference_data;
pub mod simple_mode;
pub mod taxpayers;
pub mod verifications;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;
use error::ApiError;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole API, with its layers.
pub fn router(state: AppState) -> Router {
    let (router, openapi) = api_routes(state.clone()).split_for_parts();
    let openapi_json = docs::openapi_json(&openapi);
    let router = router
        .route(
            "/openapi.json",
            get(move || {
                let json = Arc::clone(&openapi_json);
                async move { docs::openapi_response(&json) }
            }),
        )
        .merge(docs::routes())
        .route("/health", get(health::liveness))
        .route("/health/database", get(health::database))
        .route("/health/redis", get(health::redis))
        .route("/health/arca", get(health::arca))
        .route("/metrics", get(metrics::metrics_text))
        .merge(crate::dashboard::router())
        .fallback(|| async { ApiError::not_found("no route for this path") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        // Per route (so the path parameters are known): NUL and other control characters in an
        // id or a filter are a 400 naming the parameter before any handler runs.
        .layer(axum::middleware::from_fn(input::refuse_control_characters))
        // Around routing, so every /v1 path (even an unknown one) answers 503 in maintenance.
        .layer(from_fn_with_state(
            state.clone(),
            maintenance::refuse_during_maintenance,
        ))
        // Outside maintenance, so its 503s are counted; `Router::layer` wraps each route, so
        // the matched route template is known here.
        .layer(axum::middleware::from_fn(metrics::track))
        .with_state(state.clone());
    layers(router, &state)
}

/// The documented `/v1` routes, each handler's OpenAPI operation collected beside it.
pub fn api_routes(state: AppState) -> OpenApiRouter<AppState> {
    // Route layers wrap matched routes only: unknown paths stay 404 rather than 401. The layer
    // added last runs first, so the key is checked before the request is counted.
    let tenant = OpenApiRouter::new()
        .routes(routes!(accounts::get_account, accounts::update_account))
        .routes(routes!(
            issuer_profiles::get_issuer_profile,
            issuer_profiles::put_issuer_profile
        ))
        .routes(routes!(api_keys::create_api_key, api_keys::list_api_keys))
        .routes(routes!(api_keys::revoke_api_key))
        .routes(routes!(
            points_of_sale::create_point_of_sale,
            points_of_sale::list_points_of_sale
        ))
        .routes(routes!(points_of_sale::sync_points_of_sale))
        .routes(routes!(
            points_of_sale::get_point_of_sale,
            points_of_sale::update_point_of_sale,
            points_of_sale::delete_point_of_sale
        ))
        .routes(routes!(customers::create_customer, customers::list_customers))
        .routes(routes!(
            customers::get_customer,
            customers::update_customer,
            customers::delete_customer
        ))
        .routes(routes!(
            certificates::upload_certificate,
            certificates::list_certificates
        ))
        .routes(routes!(certificates::create_csr))
        .routes(routes!(certificates::get_certificate, certificates::delete_certificate))
        .routes(routes!(taxpayers::get_taxpayer))
        .routes(routes!(taxpayers::lookup_taxpayers))
        .routes(routes!(taxpayers::list_taxpayers))
        .routes(routes!(certificates::get_certificate_services))
        .routes(routes!(reference_data::get_table))
        .routes(routes!(reference_data::get_exchange_rate))
        .routes(routes!(invoices::create_invoice, invoices::list_invoices))
        .routes(routes!(invoices::validate_invoice))
        .routes(routes!(invoices::get_invoice, invoices::update_invoice))
        .routes(routes!(notes::cancel_invoice))
        .routes(routes!(notes::create_credit_note))
        .routes(routes!(notes::create_debit_note))
        .routes(routes!(emails::send_invoice_email))
        .routes(routes!(emails::list_invoice_emails))
        .routes(routes!(invoice_pdfs::get_invoice_pdf))
        .routes(routes!(
            verifications::create_verification,
            verifications::list_verifications
        ))
        .routes(routes!(verifications::get_verification))
        .routes(routes!(contingency_reports::get_contingency_reports))
        .routes(routes!(fce::list_received))
        .routes(routes!(fce::accept_received))
        .routes(routes!(fce::reject_received))
        .routes(routes!(contingency::get_contingency))
        .routes(routes!(webhooks::create_webhook, webhooks::list_webhooks))
        .routes(routes!(
            webhooks::get_webhook,
            webhooks::update_webhook,
            webhooks::delete_webhook
        ))
        .routes(routes!(webhooks::rotate_webhook_secret))
        .routes(routes!(webhooks::test_webhook))
        .routes(routes!(webhooks::list_webhook_deliveries))
        .routes(routes!(webhooks::retry_webhook_delivery))
        .route_layer(from_fn_with_state(state.clone(), rate_limit::limit))
        .route_layer(from_fn_with_state(state.clone(), auth::require_api_key));
    let admin = OpenApiRouter::new().routes(routes!(accounts::create_account));
    // No key: the signed link is the credential, checked by the handler before anything is read.
    let public = OpenApiRouter::new().routes(routes!(invoice_pdfs::get_public_invoice_pdf));
    OpenApiRouter::with_openapi(docs::ApiDoc::openapi())
        .merge(tenant)
        .merge(admin)
        .merge(public)
}

/// tower-http layers, outermost first:
/// 1. credentials are marked sensitive before anything can log them;
/// 2. every request gets an `X-Request-Id` (kept if the client sent one) …
/// 3. … which the trace span records and the response carries back;
/// 4. a panic becomes a problem+json 500 instead of a dropped connection;
/// 5. CORS for `ALLOWED_ORIGINS`;
/// 6. the 1 MiB body limit, whose bare 413 is rewritten into problem+json.
fn layers(router: Router, state: &AppState) -> Router {
    let sensitive = [header::AUTHORIZATION, HeaderName::from_static("x-api-key")];
    router.layer(
        ServiceBuilder::new()
            .layer(SetSensitiveRequestHeadersLayer::new(sensitive))
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let request_id = request
                    .extensions()
                    .get::<RequestId>()
                    .and_then(|id| id.header_value().to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
            })
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
            // A 5xx is mostly a dependency's state (a 503 health check while ARCA is down, an
            // open breaker, maintenance), already logged where it is known: a warning here.
            .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(CatchPanicLayer::custom(|_panic| ApiError::internal().into_response()))
            .layer(cors(&state.config.allowed_origins))
            .layer(map_response(problem_for_bare_refusals))
            .layer(RequestBodyLimitLayer::new(json::BODY_LIMIT_BYTES)),
    )
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-api-key"),
        ])
        .expose_headers([
            REQUEST_ID,
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
            header::RETRY_AFTER,
        ]);
    if origins.iter().any(|origin| origin == "*") {
        layer.allow_origin(Any)
    } else {
        let origins: Vec<HeaderValue> = origins.iter().filter_map(|origin| origin.parse().ok()).collect();
        layer.allow_origin(AllowOrigin::list(origins))
    }
}

/// The body-limit layer answers 413 in plain text before any handler runs; give it our format.
async fn problem_for_bare_refusals<B>(response: Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/problem+json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_problem {
        return json::too_large().into_response();
    }
    response.map(axum::body::Body::new)
}
