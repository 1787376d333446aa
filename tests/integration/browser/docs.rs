//! `/docs` in the browser: Swagger UI renders `/openapi.json` from the binary's own assets, and
//! its try-it-out of `GET /v1/account`, authorized with an API key, answers 200.

use arca_test_support::{CUIT_A, TestApp};
use serde_json::json;

use super::driver::Browser;

#[tokio::test]
async fn docs_renders_the_api_and_try_it_out_of_get_account_answers_200() {
    let Some(mut browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::start().await;
    browser.on(&app);
    let (_, key) = app.create_account("Almacén Docs", CUIT_A, json!({})).await;

    // Deep link: the operation opens expanded (try-it-out is on for every operation).
    browser.goto("/docs#/accounts/get_account").await;
    browser.find_text("h1.title", "arca-api").await;
    let operation = "#operations-accounts-get_account";
    browser.find(&format!("{operation} .opblock-body")).await;
    // Everything the page loaded came from this origin.
    let foreign = browser
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name)\
               .filter(u => !u.startsWith(location.origin + '/'));",
            vec![],
        )
        .await;
    assert_eq!(foreign, json!([]), "/docs loaded from another origin");

    // Authorize with the key as a bearer token (the `api_key` scheme).
    browser.click(".auth-wrapper button.authorize").await;
    let scheme = "//div[contains(@class,'auth-container')][.//h4[contains(normalize-space(), 'api_key')] \
                  and not(.//h4[contains(normalize-space(), 'x_api_key')])]";
    let input = browser
        .find_xpath(&format!("{scheme}//input[@aria-label='auth-bearer-value']"))
        .await;
    input.send_keys(&key).await.unwrap();
    browser
        .find_xpath(&format!("{scheme}//button[contains(@class,'authorize')]"))
        .await
        .click()
        .await
        .unwrap();
    browser
        .find_xpath(&format!("{scheme}//button[@aria-label='Remove authorization']"))
        .await;
    browser.click(".dialog-ux button.btn-done").await;

    browser.click(&format!("{operation} button.execute")).await;
    browser
        .find_text(
            &format!("{operation} .live-responses-table td.response-col_status"),
            "200",
        )
        .await;
    // The answer's body is the account.
    browser
        .find_text(&format!("{operation} .live-responses-table"), "Almacén Docs")
        .await;
    browser.close().await;
}
