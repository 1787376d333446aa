//! Operations pages in the browser: a webhook delivery its receiver refused, retried from its
//! row's button, is delivered.

use super::driver::Browser;
use super::seed;

#[tokio::test]
async fn a_refused_webhook_delivery_is_retried_from_its_row_and_delivered() {
    let Some(mut browser) = Browser::open().await else {
        return;
    };
    let app = seed::app().await;
    browser.on(&app);
    let filled = seed::fill(&app, "Almacén Webhooks").await;
    let page = format!("/dashboard/webhooks/{}", filled.webhook_id);

    browser.sign_in(&filled.key, &page).await;
    let row = "tr[data-delivery-id]";
    browser
        .find_text(&format!("{row} td.status"), "Reintento pendiente")
        .await;
    browser.click(&format!("{row} button.retry")).await;
    browser.find_text("p.notice", "Entrega reintentada").await;

    // The next pass of the outbox delivers it (the receiver answers 200 now).
    let pass = app.state.dispatcher.run_once().await.unwrap();
    assert_eq!(pass.delivered, 1, "{pass:?}");
    assert_eq!(filled.receiver.received().len(), 2);
    browser.goto(&page).await;
    browser.find_text(&format!("{row} td.status"), "Entregada").await;
    assert!(browser.find_all(&format!("{row} button.retry")).await.is_empty());
    browser.close().await;
}
