//! Invoices in the browser: the new-invoice form's live totals (app.js), the padrón fill from a
//! CUIT, an invoice issued from the form approved with its CAE in the list, and a refused field
//! shown next to it with nothing issued.

use arca_test_support::{CUIT_A, TestApp};

/// A company registered for IVA in the simulator's padrón.
const RI_COMPANY: &str = "30712345671";

use super::driver::Browser;

/// Types one item into row 0 of the new-invoice form.
async fn fill_item(browser: &Browser, descripcion: &str, cantidad: &str, precio: &str) {
    browser.fill("#items-0-descripcion", descripcion).await;
    browser.fill("#items-0-cantidad", cantidad).await;
    browser.fill("#items-0-precio_unitario", precio).await;
    browser
        .find("#items-0-alicuota_iva")
        .await
        .select_by_value("21")
        .await
        .unwrap();
}

#[tokio::test]
async fn an_invoice_issued_from_the_form_is_approved_with_its_cae_in_the_list() {
    let Some(mut browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::start().await;
    browser.on(&app);
    let (_, key, _) = app.account_with_certificate("Almacén Don Pepe SRL", CUIT_A).await;

    browser.sign_in(&key, "/dashboard/invoices/new").await;
    browser.find("form#invoice-form").await;
    browser.fill("#punto_venta", "1").await;
    fill_item(&browser, "Yerba mate 1kg", "2", "1500,50").await;
    // Live totals, es-AR, while typing: 2 × 1.500,50 = 3.001,00 + 21 % = 630,21.
    browser.find_text("#total-neto", "$ 3.001,00").await;
    browser.find_text("#total-iva", "$ 630,21").await;
    browser.find_text("#total", "$ 3.631,21").await;

    // A row added by the script's "Agregar ítem" counts too.
    let rows = browser.find_all("#items-body tr.item-row").await.len();
    browser.click("#agregar-item").await;
    assert_eq!(browser.find_all("#items-body tr.item-row").await.len(), rows + 1);
    browser.fill(&format!("#items-{rows}-descripcion"), "Bombilla").await;
    browser.fill(&format!("#items-{rows}-cantidad"), "1").await;
    browser.fill(&format!("#items-{rows}-precio_unitario"), "999.99").await;
    browser.find_text("#total", "$ 4.841,20").await;
    browser.screenshot("new-invoice").await;

    browser.click("#emitir").await;
    browser.find_text("#estado", "Aprobado").await;
    let path = browser.path().await;
    let id = path
        .strip_prefix("/dashboard/invoices/")
        .unwrap_or_else(|| panic!("not an invoice's page: {path}"))
        .to_string();
    let invoice = app.get(&format!("/v1/invoices/{id}"), &key).await.json();
    assert_eq!(invoice["status"], "approved", "{invoice}");
    assert_eq!(invoice["total"], "4841.20", "{invoice}");
    let cae = invoice["cae"].as_str().unwrap().to_string();
    assert_eq!(cae.len(), 14);
    assert_eq!(browser.text("#detalle-total").await, "$ 4.841,20");

    browser.goto("/dashboard/invoices").await;
    let row = format!("tr[data-invoice-id='{id}']");
    assert_eq!(browser.text(&format!("{row} td.status")).await, "Aprobado");
    assert_eq!(browser.text(&format!("{row} td.cae")).await, cae);
    assert_eq!(browser.text(&format!("{row} td.total")).await, "$ 4.841,20");
    browser.close().await;
}

#[tokio::test]
async fn a_refused_field_is_shown_next_to_it_and_nothing_is_issued() {
    let Some(mut browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::start().await;
    browser.on(&app);
    let (_, key, _) = app.account_with_certificate("Almacén Don Pepe SRL", CUIT_A).await;

    browser.sign_in(&key, "/dashboard/invoices/new").await;
    browser.fill("#punto_venta", "1").await;
    fill_item(&browser, "Yerba mate 1kg", "dos", "1500").await;
    // Not a number: no total for the row.
    browser.find_text("#total", "$ 0,00").await;
    browser.click("#emitir").await;

    let error = browser.find("p.field-error#items-0-cantidad-error").await;
    assert!(!error.text().await.unwrap().is_empty());
    let field = browser.find("#items-0-cantidad").await;
    assert_eq!(field.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_eq!(
        field.attr("aria-describedby").await.unwrap().as_deref(),
        Some("items-0-cantidad-error")
    );
    // Next to it: in the same cell as the field.
    let same_cell = browser
        .execute(
            "return document.getElementById('items-0-cantidad').parentElement\
               === document.getElementById('items-0-cantidad-error').parentElement;",
            vec![],
        )
        .await;
    assert_eq!(same_cell, serde_json::json!(true));
    // What was typed is still there.
    assert_eq!(
        browser
            .find("#items-0-descripcion")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Yerba mate 1kg")
    );
    browser
        .assert_accessible("the new-invoice form with a refused field")
        .await;
    let listed = app.get("/v1/invoices", &key).await.json();
    assert_eq!(listed["pagination"]["total"], 0, "{listed}");
    browser.close().await;
}

#[tokio::test]
async fn the_receiver_is_filled_from_the_padron_by_its_cuit() {
    let Some(mut browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::start().await;
    browser.on(&app);
    let (_, key, _) = app.account_with_certificate("Almacén Don Pepe SRL", CUIT_A).await;
    let expected = app.get(&format!("/v1/taxpayers/{RI_COMPANY}"), &key).await;
    assert_eq!(expected.status, 200, "{}", expected.text());
    let expected = expected.json();

    browser.sign_in(&key, "/dashboard/invoices/new").await;
    browser.fill("#cliente-documento_numero", RI_COMPANY).await;
    browser.click("#buscar-padron").await;
    browser.find_text("#padron-estado", "Padrón de ARCA").await;
    let name = browser
        .find("#cliente-razon_social")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(name, expected["nombre"].as_str().unwrap());
    let document_type = browser
        .find("#cliente-documento_tipo")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(document_type.as_deref(), Some("80"));
    let condition = browser
        .find("#cliente-condicion_iva")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(condition.as_deref(), Some("responsable_inscripto"));
    // Still the form (the script asked the padrón; nothing was submitted).
    assert_eq!(browser.path().await, "/dashboard/invoices/new");
    browser.close().await;
}
