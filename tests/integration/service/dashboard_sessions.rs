//! The dashboard's sessions over real HTTP: sign-in with an API key and its cookies, the CSRF
//! token of the sign-in form and of every later form, idle and absolute expiry on the app's
//! clock, a revoked key ending its sessions, sign-out, cross-site posts, the security headers,
//! the embedded assets, and the render-time metric.

use std::sync::Arc;

use arca_protocol::clock::ManualClock;
use arca_test_support::dashboard::{DashboardClient, csrf_of, encode};
use arca_test_support::{CUIT_A, TestApp};
use chrono::{Duration, Utc};
use serde_json::json;

fn set_cookies(response: &arca_test_support::TestResponse) -> Vec<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn signing_in_opens_a_server_side_session_with_a_strict_http_only_cookie() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Dash", CUIT_A, json!({})).await;

    // No session: a page sends the reader to the sign-in form, coming back afterwards.
    let page = app.request("GET", "/dashboard/customers?page=2", &[], None).await;
    assert_eq!(page.status, 303);
    let location = page.header("location").unwrap();
    assert!(location.starts_with("/dashboard/login?next="), "{location}");

    let mut client = DashboardClient::new(&app);
    let response = client.sign_in(&key).await;
    assert_eq!(response.status, 303, "{}", response.text());
    assert_eq!(response.header("location"), Some("/dashboard/invoices"));
    let cookies = set_cookies(&response);
    let session = cookies
        .iter()
        .find(|cookie| cookie.starts_with("arca_session="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/dashboard", "Max-Age=43200"] {
        assert!(session.contains(attribute), "{session} lacks {attribute}");
    }
    // Development (the tests' APP_ENV) serves plain http on localhost: no `Secure`.
    assert!(!session.contains("Secure"), "{session}");
    // The token is random and only its hash is stored.
    let token = session.trim_start_matches("arca_session=").split(';').next().unwrap();
    assert_eq!(token.len(), 43);
    let stored: Vec<String> = match &app.storage {
        arca_service::Storage::Sqlite(pool) => sqlx::query_scalar("SELECT id FROM dashboard_sessions")
            .fetch_all(pool)
            .await
            .unwrap(),
        arca_service::Storage::Postgres(pool) => sqlx::query_scalar("SELECT id FROM dashboard_sessions")
            .fetch_all(pool)
            .await
            .unwrap(),
    };
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert_eq!(stored[0].len(), 64);

    // The page has the layout, the account's name and a form token.
    let page = client.get("/dashboard/invoices").await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("Dash"));
    assert!(client.csrf.is_some());
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let policy = page.header("content-security-policy").unwrap();
    assert!(
        policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
}

#[tokio::test]
async fn the_session_cookie_is_secure_outside_development() {
    let app = TestApp::builder().env("APP_ENV", "staging").start().await;
    let (_, key) = app.create_account("Dash", CUIT_A, json!({})).await;
    let mut client = DashboardClient::new(&app);
    let response = client.sign_in(&key).await;
    assert_eq!(response.status, 303, "{}", response.text());
    assert!(
        set_cookies(&response)
            .iter()
            .any(|cookie| cookie.starts_with("arca_session=") && cookie.contains("; Secure")),
        "{:?}",
        set_cookies(&response)
    );
}

#[tokio::test]
async fn a_wrong_key_or_a_missing_form_token_opens_nothing() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Dash", CUIT_A, json!({})).await;
    let mut client = DashboardClient::new(&app);

    let refused = client
        .sign_in("arca_test_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_eq!(refused.status, 401);
    assert!(refused.text().contains("no es válida o fue revocada"));
    assert!(client.session_cookie.is_none());

    let live = client
        .sign_in("arca_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_eq!(live.status, 401);
    assert!(live.text().contains("arca_test_"));

    // The sign-in form's token must match its cookie.
    let form = app.request("GET", "/dashboard/login", &[], None).await;
    let csrf = csrf_of(&form.text()).unwrap();
    let body = encode(&[("_csrf", &csrf), ("api_key", &key)]);
    let without_cookie = app
        .request(
            "POST",
            "/dashboard/login",
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(body.into_bytes()),
        )
        .await;
    assert_eq!(without_cookie.status, 403);
    assert!(
        set_cookies(&without_cookie)
            .iter()
            .all(|cookie| !cookie.starts_with("arca_session="))
    );

    // The key typed never comes back in a page.
    assert!(!refused.text().contains("arca_test_AAAAAAAA"));
}

#[tokio::test]
async fn forms_need_the_session_token_and_this_origin() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Dash", CUIT_A, json!({})).await;
    let mut client = DashboardClient::signed_in(&app, &key).await;
    client.get("/dashboard/invoices").await;
    let csrf = client.csrf.clone().unwrap();

    // Sign-out without the token, or with another one: refused, the session lives on.
    let missing = client.post_raw("/dashboard/logout", "").await;
    assert_eq!(missing.status, 403);
    assert!(missing.text().contains("CSRF"));
    let wrong = client.post_raw("/dashboard/logout", "_csrf=AAAA").await;
    assert_eq!(wrong.status, 403);
    assert_eq!(client.get("/dashboard/invoices").await.status, 200);

    // From another site, even with the right token.
    let cookie = client.session_cookie.clone().unwrap();
    let body = encode(&[("_csrf", &csrf)]);
    for (name, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let response = app
            .request(
                "POST",
                "/dashboard/logout",
                &[
                    ("cookie", &cookie),
                    ("content-type", "application/x-www-form-urlencoded"),
                    (name, value),
                ],
                Some(body.clone().into_bytes()),
            )
            .await;
        assert_eq!(response.status, 403, "{name}");
    }
    assert_eq!(client.get("/dashboard/invoices").await.status, 200);

    // With it: the session ends, and its cookie no longer opens a page.
    let out = client.post_form("/dashboard/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), Some("/dashboard/login?aviso=sesion-cerrada"));
    let after = client.get("/dashboard/invoices").await;
    assert_eq!(after.status, 303);
    assert!(after.header("location").unwrap().contains("aviso=sesion-vencida"));
}

#[tokio::test]
async fn sessions_end_when_idle_at_their_absolute_expiry_and_when_their_key_is_revoked() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::builder()
        .clock(clock.clone())
        .env("DASHBOARD_SESSION_IDLE_MINUTES", "30")
        .env("DASHBOARD_SESSION_MAX_HOURS", "2")
        .start()
        .await;
    let (_, key) = app.create_account("Dash", CUIT_A, json!({})).await;

    // Idle: used every 20 minutes it lives on; left alone 31 minutes it is over.
    let mut client = DashboardClient::signed_in(&app, &key).await;
    for _ in 0..3 {
        clock.advance(Duration::minutes(20));
        assert_eq!(client.get("/dashboard/invoices").await.status, 200);
    }
    clock.advance(Duration::minutes(31));
    assert_eq!(client.get("/dashboard/invoices").await.status, 303);

    // Absolute: used every 20 minutes, it still ends 2 hours after sign-in.
    let mut client = DashboardClient::signed_in(&app, &key).await;
    for _ in 0..5 {
        clock.advance(Duration::minutes(20));
        assert_eq!(client.get("/dashboard/invoices").await.status, 200);
    }
    clock.advance(Duration::minutes(21));
    assert_eq!(client.get("/dashboard/invoices").await.status, 303);

    // Revoked key: its sessions end at once, another key's session does not.
    let second = app.post_json("/v1/api-keys", &key, &json!({"name": "second"})).await;
    assert_eq!(second.status, 201, "{}", second.text());
    let second_key = second.json()["key"].as_str().unwrap().to_string();
    let second_id = second.json()["id"].as_str().unwrap().to_string();
    let mut first = DashboardClient::signed_in(&app, &key).await;
    let mut other = DashboardClient::signed_in(&app, &second_key).await;
    assert_eq!(other.get("/dashboard/invoices").await.status, 200);
    let revoked = app.delete(&format!("/v1/api-keys/{second_id}"), &key).await;
    assert!(revoked.status == 204 || revoked.status == 200, "{}", revoked.text());
    assert_eq!(other.get("/dashboard/invoices").await.status, 303);
    assert_eq!(first.get("/dashboard/invoices").await.status, 200);
    // And a revoked key cannot sign in again.
    assert_eq!(DashboardClient::new(&app).sign_in(&second_key).await.status, 401);
}

#[tokio::test]
async fn sign_in_goes_back_only_to_a_dashboard_page() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Dash", CUIT_A, json!({})).await;
    let form = app.request("GET", "/dashboard/login", &[], None).await;
    let login_cookie = set_cookies(&form)
        .into_iter()
        .find(|cookie| cookie.starts_with("arca_login="))
        .unwrap();
    let login_cookie = login_cookie.split(';').next().unwrap().to_string();
    let csrf = csrf_of(&form.text()).unwrap();
    for (next, expected) in [
        ("/dashboard/usage", "/dashboard/usage"),
        ("https://evil.example/", "/dashboard/invoices"),
        ("//evil.example/dashboard", "/dashboard/invoices"),
    ] {
        let body = encode(&[("_csrf", &csrf), ("api_key", &key), ("next", next)]);
        let response = app
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
        assert_eq!(response.status, 303);
        assert_eq!(response.header("location"), Some(expected), "next={next}");
    }
}

#[tokio::test]
async fn assets_are_embedded_hashed_and_cached_and_pages_are_timed() {
    let app = TestApp::start().await;
    let login = app.request("GET", "/dashboard/login", &[], None).await.text();
    let css = login
        .split('"')
        .find(|part| part.starts_with("/dashboard/assets/app.") && part.ends_with(".css"))
        .unwrap()
        .to_string();
    let asset = app.request("GET", &css, &[], None).await;
    assert_eq!(asset.status, 200);
    assert_eq!(asset.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(
        asset.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    // Another hash is not served.
    let stale = app
        .request("GET", "/dashboard/assets/app.0000000000000000.css", &[], None)
        .await;
    assert_eq!(stale.status, 404);
    // Nothing comes from another origin.
    assert!(!login.contains("http://") && !login.contains("https://"), "{login}");

    // The registry is the process's (other tests sign in too): at least this page's answer.
    let metrics = app.request("GET", "/metrics", &[], None).await.text();
    let count = metrics
        .lines()
        .find_map(|line| line.strip_prefix("arca_dashboard_render_seconds_count{page=\"/dashboard/login\"} "))
        .and_then(|count| count.parse::<u64>().ok());
    assert!(count.is_some_and(|count| count >= 1), "{metrics}");
    assert!(!metrics.contains("arca_dashboard_render_seconds_count{page=\"/dashboard/assets/"));
}
