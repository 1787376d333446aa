//! Sessions in the browser: the sign-in form (its error next to the field, the session it
//! opens), forms whose CSRF token was removed before submitting, sign-out, the 404 page, and
//! another account's objects by URL.

use arca_test_support::samples::invoice_request;
use arca_test_support::{CUIT_A, CUIT_B, TestApp};
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

    // Signed in, the sign-out form without its token: refused, the session lives on.
    browser.sign_in(&key, "/dashboard/customers").await;
    browser
        .execute(
            "document.querySelector('form.signout input[name=_csrf]').remove();",
            vec![],
        )
        .await;
    browser.click("form.signout button").await;
    browser.wait_for_title("No permitido").await;
    browser.goto("/dashboard/customers").await;
    browser.find("form.signout").await;

    // With its token, sign-out ends the session and says so on the sign-in form.
    browser.click("form.signout button").await;
    browser.find_text("p.notice", "Cerraste la sesión").await;
    assert!(browser.path().await.starts_with("/dashboard/login"));
    browser.goto("/dashboard/customers").await;
    browser.find("#api_key").await;

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

#[tokio::test]
async fn a_session_of_one_account_cannot_open_another_accounts_objects_by_url() {
    let Some(mut browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::builder()
        .env("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
        .start()
        .await;
    browser.on(&app);
    let (_, key_a, _) = app.account_with_certificate("Cuenta A", CUIT_A).await;
    let (_, key_b, _) = app.account_with_certificate("Cuenta B", CUIT_B).await;
    let invoice = app.post_json("/v1/invoices", &key_b, &invoice_request(1)).await;
    assert_eq!(invoice.status, 201, "{}", invoice.text());
    let invoice_id = invoice.json()["id"].as_str().unwrap().to_string();
    let webhook = app
        .post_json(
            "/v1/webhooks",
            &key_b,
            &json!({"url": "http://127.0.0.1:9/hooks", "events": ["*"]}),
        )
        .await;
    assert_eq!(webhook.status, 201, "{}", webhook.text());
    let webhook_id = webhook.json()["id"].as_str().unwrap().to_string();
    let customer = app
        .post_json(
            "/v1/customers",
            &key_b,
            &json!({"documento_tipo": 96, "documento_numero": "28123456",
                    "razon_social": "Cliente de B", "condicion_iva": "consumidor_final"}),
        )
        .await;
    assert_eq!(customer.status, 201, "{}", customer.text());
    let customer_id = customer.json()["id"].as_str().unwrap().to_string();

    browser.sign_in(&key_a, "/dashboard/customers").await;
    for path in [
        format!("/dashboard/invoices/{invoice_id}"),
        format!("/dashboard/webhooks/{webhook_id}"),
        format!("/dashboard/customers/{customer_id}"),
    ] {
        browser.goto(&path).await;
        browser.wait_for_title("No encontrado").await;
        let body = browser.text("body").await;
        assert!(
            !body.contains("Cuenta B") && !body.contains("Cliente de B"),
            "{path}: {body}"
        );
    }
    browser.close().await;
}
