//! Static files compiled into the binary and served under a name carrying their content's hash
//! (`/dashboard/assets/app.<hash>.css`, `/docs/assets/swagger-ui-bundle.<hash>.js`): the first
//! 16 hex digits of the SHA-256, so a file is cached for a year (`immutable`) and a new build's
//! pages ask for new names. The dashboard's assets and `/docs`' vendored Swagger UI use it.
//!
//! It never reads the file system at run time and never serves a file under another name than
//! its current hashed one (the callers answer 404).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One embedded file and the URL it is served at.
#[derive(Debug)]
pub struct Embedded {
    url: String,
    body: &'static [u8],
    content_type: &'static str,
}

impl Embedded {
    /// `body` served at `{prefix}/{name}.{hash}.{extension}` as `content_type`.
    pub fn new(prefix: &str, name: &str, extension: &str, body: &'static [u8], content_type: &'static str) -> Embedded {
        let digest = Sha256::digest(body);
        let hash = crate::storage::hex(&digest[..8]);
        Embedded {
            url: format!("{prefix}/{name}.{hash}.{extension}"),
            body,
            content_type,
        }
    }

    /// The hashed URL pages link to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The file, with its content type and a year's `immutable` caching.
    pub fn response(&self) -> Response {
        let mut response = self.body.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
        response
    }
}

/// The file of `assets` served at `url`, if any.
pub fn find<'a>(assets: &'a [Embedded], url: &str) -> Option<&'a Embedded> {
    assets.iter().find(|asset| asset.url == url)
}
