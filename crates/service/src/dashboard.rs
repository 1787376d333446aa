//! The web dashboard at `/dashboard`: server-rendered pages for people who invoice without
//! driving the API by hand — invoices, customers, points of sale, certificates, API keys,
//! webhooks, usage and contingency.
//!
//! - [`session`]: sign-in with an API key opens a server-side session (an HttpOnly,
//!   `SameSite=Strict` cookie holding a random token; only its SHA-256 is stored); every form
//!   carries the session's CSRF token, checked in constant time by [`session::Posted`].
//! - [`page`]: the layout every page shares, rendering (askama templates from
//!   `templates/dashboard/`, compiled into the binary), the error page, redirects with a notice.
//! - [`assets`]: the stylesheet and the one small script, embedded, served under a name carrying
//!   their content hash (cached for a year, never stale).
//! - [`format`]: amounts and dates as Argentina writes them.
//! - one module per section, each a thin layer over the same domain modules the API uses.
//!
//! It never holds a business rule (composition, ARCA's rules, quotas and permissions are the
//! domain modules'), never shows a secret twice (a new API key is shown once, on the answer to
//! its creation), and never loads anything from another origin: the Content-Security-Policy
//! allows only this origin.

pub mod api_keys;
pub mod assets;
pub mod certificates;
pub mod contingency;
pub mod customers;
pub mod format;
pub mod invoices;
pub mod lists;
pub mod page;
pub mod points_of_sale;
pub mod session;
pub mod usage;
pub mod webhooks;

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{Next, from_fn};
use axum::response::{Redirect, Response};
use axum::routing::get;

use crate::state::AppState;

/// Every dashboard route, each section's own, behind the dashboard's headers and render timing.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(|| async { Redirect::to("/dashboard/invoices") }))
        .route("/dashboard/", get(|| async { Redirect::to("/dashboard/invoices") }))
        .merge(session::routes())
        .merge(assets::routes())
        .merge(invoices::routes())
        .merge(customers::routes())
        .merge(points_of_sale::routes())
        .merge(certificates::routes())
        .merge(api_keys::routes())
        .merge(webhooks::routes())
        .merge(usage::routes())
        .merge(contingency::routes())
        .route(
            "/dashboard/{*rest}",
            get(|| async { axum::response::IntoResponse::into_response(page::PageError::not_found()) }),
        )
        .layer(from_fn(headers_and_timing))
}

/// The policy of every dashboard answer: this origin only, no inline script, no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'; object-src 'none'";

/// Records each page's server time (`arca_dashboard_render_seconds{page}`, the matched route,
/// data loading included) and sets the security headers; pages are never cached (they carry
/// the session's data), assets set their own caching.
async fn headers_and_timing(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let started = Instant::now();
    let mut response = next.run(request).await;
    let is_asset = route.starts_with("/dashboard/assets/");
    if !is_asset {
        crate::metrics::record_dashboard_render(&route, started.elapsed());
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if !is_asset && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
