//! Every dashboard page, filled with data: axe-core with its default rules (none disabled)
//! finds no serious or critical violation, and a first visit costs under 150 KB. The same walk
//! saves the README's screenshots when `ARCA_SCREENSHOTS=1`.

use super::driver::Browser;
use super::seed;

/// The most a first visit to one page may transfer (issue 17).
const PAGE_BUDGET: u64 = 150 * 1024;

#[tokio::test]
async fn every_dashboard_page_filled_with_data_passes_axe_and_weighs_under_150_kb() {
    let Some(mut browser) = Browser::open().await else {
        return;
    };
    let app = seed::app().await;
    browser.on(&app);
    let filled = seed::fill(&app, "Almacén Don Pepe SRL").await;
    browser.sign_in(&filled.key, "/dashboard/invoices").await;

    let newest = filled.invoices.last().unwrap()["id"].as_str().unwrap().to_string();
    // (path, screenshot name)
    let pages: Vec<(String, Option<&str>)> = vec![
        ("/dashboard/invoices".into(), Some("invoices")),
        ("/dashboard/invoices/new".into(), None),
        (format!("/dashboard/invoices/{newest}"), Some("invoice")),
        ("/dashboard/customers".into(), None),
        ("/dashboard/customers/new".into(), None),
        (format!("/dashboard/customers/{}", filled.customer_id), None),
        ("/dashboard/points-of-sale".into(), None),
        ("/dashboard/certificates".into(), Some("certificates")),
        ("/dashboard/api-keys".into(), None),
        ("/dashboard/webhooks".into(), None),
        (format!("/dashboard/webhooks/{}", filled.webhook_id), None),
        ("/dashboard/usage".into(), Some("usage")),
        ("/dashboard/contingency".into(), None),
    ];
    for (path, screenshot) in &pages {
        browser.goto(path).await;
        // The layout (a page of the dashboard, not the error page) with its heading.
        browser.find("form.signout").await;
        browser.find("main h1").await;
        browser.assert_accessible(path).await;
        let weight = browser.page_weight().await;
        assert!(
            weight < PAGE_BUDGET,
            "{path} costs {weight} bytes on a first visit (budget {PAGE_BUDGET})"
        );
        if let Some(name) = screenshot {
            browser.screenshot(name).await;
        }
    }

    // The check can fail: an image without a text alternative and a field without a label, added
    // to the last page, are reported.
    browser
        .execute(
            "const main = document.querySelector('main');\
             main.insertAdjacentHTML('beforeend', '<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\"><input type=\"text\">');",
            vec![],
        )
        .await;
    let found: Vec<String> = browser
        .serious_violations("the page with a broken image and field")
        .await
        .iter()
        .map(|violation| violation["id"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        found.contains(&"image-alt".to_string()) && found.contains(&"label".to_string()),
        "{found:?}"
    );
    browser.close().await;
}
