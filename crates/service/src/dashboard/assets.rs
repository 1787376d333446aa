//! The dashboard's stylesheet and script, embedded in the binary and served as
//! `/dashboard/assets/app.<hash>.css` and `…/app.<hash>.js`: the name carries the first 16 hex
//! digits of the content's SHA-256, so the files are cached for a year and a new build's pages
//! ask for new names.
//!
//! It never serves a file it does not embed, nor an embedded file under a stale hash (404).

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::page::PageError;
use crate::state::AppState;

const CSS: &[u8] = include_bytes!("../../assets/dashboard/app.css");
const JS: &[u8] = include_bytes!("../../assets/dashboard/app.js");

struct Asset {
    url: String,
    body: &'static [u8],
    content_type: &'static str,
}

fn asset(name: &str, extension: &str, body: &'static [u8], content_type: &'static str) -> Asset {
    let digest = Sha256::digest(body);
    let hash = crate::storage::hex(&digest[..8]);
    Asset {
        url: format!("/dashboard/assets/{name}.{hash}.{extension}"),
        body,
        content_type,
    }
}

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [
        asset("app", "css", CSS, "text/css; charset=utf-8"),
        asset("app", "js", JS, "text/javascript; charset=utf-8"),
    ]
});

pub fn css_url() -> &'static str {
    &ASSETS[0].url
}

pub fn js_url() -> &'static str {
    &ASSETS[1].url
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard/assets/{file}", get(serve))
}

async fn serve(Path(file): Path<String>) -> Response {
    let wanted = format!("/dashboard/assets/{file}");
    let Some(asset) = ASSETS.iter().find(|asset| asset.url == wanted) else {
        return PageError::not_found().into_response();
    };
    let mut response = asset.body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}
