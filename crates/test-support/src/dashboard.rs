//! [`DashboardClient`]: the dashboard as a browser without JavaScript sees it — a cookie jar of
//! one session, the CSRF token read from the last page, forms posted url-encoded. For the
//! dashboard's HTTP-level tests; the browser tests (tests/integration/browser/) drive Chromium.

use crate::app::{TestApp, TestResponse};

pub struct DashboardClient<'a> {
    pub app: &'a TestApp,
    /// `arca_session=…` once signed in.
    pub session_cookie: Option<String>,
    /// The `_csrf` of the last page read that had a form.
    pub csrf: Option<String>,
}

/// The value of the first `name="_csrf" value="…"` in a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"_csrf\"")?;
    let rest = &html[at..];
    let start = rest.find("value=\"")? + "value=\"".len();
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].to_string())
}

/// `name=value` of a `Set-Cookie` header named `name` (attributes dropped).
fn cookie_pair(response: &TestResponse, name: &str) -> Option<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .map(|value| value.split(';').next().unwrap_or_default().trim().to_string())
        .find(|pair| pair.starts_with(&format!("{name}=")))
}

/// A url-encoded form body.
pub fn encode(fields: &[(&str, &str)]) -> String {
    let mut body = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        body.append_pair(name, value);
    }
    body.finish()
}

impl<'a> DashboardClient<'a> {
    pub fn new(app: &'a TestApp) -> DashboardClient<'a> {
        DashboardClient {
            app,
            session_cookie: None,
            csrf: None,
        }
    }

    /// Signs in with `key` through the sign-in form; panics unless it lands on a page.
    pub async fn signed_in(app: &'a TestApp, key: &str) -> DashboardClient<'a> {
        let mut client = DashboardClient::new(app);
        let response = client.sign_in(key).await;
        assert_eq!(response.status, 303, "sign-in: {}", response.text());
        assert!(client.session_cookie.is_some(), "sign-in set no session cookie");
        client
    }

    /// Reads the sign-in form and posts `key` with its token; keeps the session cookie.
    pub async fn sign_in(&mut self, key: &str) -> TestResponse {
        let form = self.app.request("GET", "/dashboard/login", &[], None).await;
        assert_eq!(form.status, 200, "{}", form.text());
        let login_cookie = cookie_pair(&form, "arca_login").expect("the sign-in form sets its CSRF cookie");
        let csrf = csrf_of(&form.text()).expect("the sign-in form carries _csrf");
        let body = encode(&[("_csrf", &csrf), ("api_key", key), ("next", "/dashboard/invoices")]);
        let response = self
            .app
            .request(
                "POST",
                "/dashboard/login",
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("cookie", &login_cookie),
                ],
                Some(body.into_bytes()),
            )
            .await;
        if let Some(pair) = cookie_pair(&response, "arca_session") {
            self.session_cookie = Some(pair);
        }
        response
    }

    fn cookie_header(&self) -> Vec<(&str, &str)> {
        self.session_cookie
            .as_deref()
            .map(|cookie| vec![("cookie", cookie)])
            .unwrap_or_default()
    }

    /// GETs a dashboard path with the session; remembers the page's CSRF token.
    pub async fn get(&mut self, path: &str) -> TestResponse {
        let headers = self.cookie_header();
        let response = self.app.request("GET", path, &headers, None).await;
        if let Some(csrf) = csrf_of(&response.text()) {
            self.csrf = Some(csrf);
        }
        response
    }

    /// POSTs a form with the session and its CSRF token (read from a page first if need be).
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        if self.csrf.is_none() {
            self.get("/dashboard/invoices").await;
        }
        let csrf = self.csrf.clone().expect("a page with a form was read");
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &encode(&all)).await
    }

    /// POSTs a url-encoded body as is (no token added): for CSRF tests.
    pub async fn post_raw(&mut self, path: &str, body: &str) -> TestResponse {
        let mut headers = self.cookie_header();
        headers.push(("content-type", "application/x-www-form-urlencoded"));
        let response = self
            .app
            .request("POST", path, &headers, Some(body.as_bytes().to_vec()))
            .await;
        if let Some(csrf) = csrf_of(&response.text()) {
            self.csrf = Some(csrf);
        }
        response
    }

    /// POSTs a multipart body (`(name, filename, bytes)` parts; a filename makes a file part)
    /// with the session; the CSRF token goes as the first part `_csrf`.
    pub async fn post_multipart(&mut self, path: &str, parts: &[(&str, Option<&str>, &[u8])]) -> TestResponse {
        if self.csrf.is_none() {
            self.get("/dashboard/invoices").await;
        }
        let csrf = self.csrf.clone().expect("a page with a form was read");
        let boundary = "----arca-test-boundary-7d1f0c";
        let mut body = Vec::new();
        let mut part = |name: &str, filename: Option<&str>, bytes: &[u8]| {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match filename {
                Some(filename) => body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => body
                    .extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
            }
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        };
        part("_csrf", None, csrf.as_bytes());
        for (name, filename, bytes) in parts {
            part(name, *filename, bytes);
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let mut headers = self.cookie_header();
        headers.push(("content-type", &content_type));
        self.app.request("POST", path, &headers, Some(body)).await
    }
}
