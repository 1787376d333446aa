//! Sessions in the browser: the sign-in form (its error next to the field, the session it
//! opens), a form whose CSRF token was removed before submitting, the 404 page.

use arca_test_support::{CUIT_A, TestApp};
use serde_json::json;

use super::driver::Browser;

#[tokio::test]
async fn signing_in_shows_a_wrong_key_next_to_the_field_and_opens_a_session_with_the_right_one() {
    let Some(mut browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::start().await;
    browser.on(&app);
    let (_, key) = app.create_account("Almacén Browser", CUIT_A, json!({})).await;

    browser.goto("/dashboard/login").await;
    browser.assert_accessible("the sign-in form").await;
    browser
        .fill("#api_key", "arca_test_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    browser
        .click("form[action='/dashboard/login'] button[type='submit']")
        .await;
    let error = browser
        .find_text("p#api_key-error", "no es válida o fue revocada")
        .await;
    assert!(error.is_displayed().await.unwrap());
    let field = browser.find("#api_key").await;
    assert_eq!(field.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_eq!(
        field.attr("aria-describedby").await.unwrap().as_deref(),
        Some("api_key-error")
    );
    browser.assert_accessible("the sign-in form with its error").await;
    assert!(browser.client.get_named_cookie("arca_session").await.is_err());

    browser.fill("#api_key", &key).await;
    browser
        .click("form[action='/dashboard/login'] button[type='submit']")
        .await;
    browser
        .find_xpath("//main//h1[not(normalize-space()='Ingresar a arca-api')]")
        .await;
    assert_eq!(browser.path().await, "/dashboard/invoices");
    let cookie = browser.client.get_named_cookie("arca_session").await.unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    browser.close().await;
}

#[tokio::test]
async fn a_form_whose_csrf_token_was_removed_is_refused() {
    let Some(mut browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::start().await;
    browser.on(&app);
    let (_, key) = app.create_account("Almacén Browser", CUIT_A, json!({})).await;

    // The sign-in form, its hidden token removed before submitting: refused, no session.
    browser.goto("/dashboard/login").await;
    browser.fill("#api_key", &key).await;
    browser
        .execute("document.querySelector('input[name=_csrf]').remove();", vec![])
        .await;
    browser
        .click("form[action='/dashboard/login'] button[type='submit']")
        .await;
    browser.wait_for_title("No permitido").await;
    assert!(browser.client.get_named_cookie("arca_session").await.is_err());
    browser.assert_accessible("the 403 page").await;

    browser.close().await;
}

#[tokio::test]
async fn an_unknown_dashboard_page_is_the_404_page() {
    let Some(mut browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::start().await;
    browser.on(&app);
    let (_, key) = app.create_account("Almacén Browser", CUIT_A, json!({})).await;
    browser.sign_in(&key, "/dashboard/invoices").await;
    browser.goto("/dashboard/no-existe").await;
    browser.wait_for_title("No encontrado").await;
    browser.assert_accessible("the 404 page").await;
    browser.close().await;
}
