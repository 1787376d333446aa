//! The dashboard's stylesheet and script, embedded in the binary and served as
//! `/dashboard/assets/app.<hash>.css` and `…/app.<hash>.js`: the name carries the first 16 hex
//! digits of the content's SHA-256, so the files are cached for a year and a new build's pages
//! ask for new names.
//!
//! Served through [`crate::embedded`]. It never serves a file it does not embed, nor an
//! embedded file under a stale hash (404).

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::page::PageError;
use crate::embedded::{self, Embedded};
use crate::state::AppState;

const CSS: &[u8] = include_bytes!("../../assets/dashboard/app.css");
const JS: &[u8] = include_bytes!("../../assets/dashboard/app.js");
const PREFIX: &str = "/dashboard/assets";

static ASSETS: LazyLock<[Embedded; 2]> = LazyLock::new(|| {
    [
        Embedded::new(PREFIX, "app", "css", CSS, "text/css; charset=utf-8"),
        Embedded::new(PREFIX, "app", "js", JS, "text/javascript; charset=utf-8"),
    ]
});

pub fn css_url() -> &'static str {
    ASSETS[0].url()
}

pub fn js_url() -> &'static str {
    ASSETS[1].url()
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard/assets/{file}", get(serve))
}

async fn serve(Path(file): Path<String>) -> Response {
    match embedded::find(&*ASSETS, &format!("{PREFIX}/{file}")) {
        Some(asset) => asset.response(),
        None => PageError::not_found().into_response(),
    }
}
