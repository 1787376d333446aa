//! An account filled through the API, so that every dashboard page has something to show: a
//! certificate, approved invoices (one to an identified customer), customers, points of sale,
//! a second API key, a webhook with deliveries (one refused by its receiver).

use arca_test_support::receiver::{Receiver, Reply};
use arca_test_support::samples::invoice_request;
use arca_test_support::{CUIT_A, TestApp};
use serde_json::{Value, json};

/// What [`fill`] made.
pub struct Filled {
    pub key: String,
    /// A customer (ACME Argentina SA).
    pub customer_id: String,
    /// Approved invoices, oldest first.
    pub invoices: Vec<Value>,
    pub webhook_id: String,
    /// Kept alive: the webhook's deliveries go to it.
    pub receiver: Receiver,
}

/// An app whose webhooks may point at 127.0.0.1 (the receiver), and whose outbox is delivered
/// only by the test's own passes (`app.state.dispatcher.run_once()`), so that a delivery's state
/// is known when a page shows it.
pub async fn app() -> TestApp {
    TestApp::builder()
        .env("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
        .without_dispatcher()
        .start()
        .await
}

async fn created(app: &TestApp, key: &str, path: &str, body: Value) -> Value {
    let response = app.post_json(path, key, &body).await;
    assert!(
        (200..=202).contains(&response.status),
        "POST {path}: {} {}",
        response.status,
        response.text()
    );
    response.json()
}

/// Fills a new account named `name` (CUIT A).
pub async fn fill(app: &TestApp, name: &str) -> Filled {
    let (_, key, _) = app.account_with_certificate(name, CUIT_A).await;
    let customer = created(
        app,
        &key,
        "/v1/customers",
        json!({"documento_tipo": 80, "documento_numero": "30-71407534-5",
               "razon_social": "ACME Argentina SA", "condicion_iva": "responsable_inscripto",
               "email": "compras@acme.com.ar", "direccion": "Av. Corrientes 1234, CABA"}),
    )
    .await;
    created(
        app,
        &key,
        "/v1/customers",
        json!({"documento_tipo": 96, "documento_numero": "28123456",
               "razon_social": "María Gómez", "condicion_iva": "consumidor_final"}),
    )
    .await;
    created(app, &key, "/v1/points-of-sale", json!({"numero": 2})).await;

    let mut invoices = Vec::new();
    for _ in 0..3 {
        let invoice = created(app, &key, "/v1/invoices", invoice_request(1)).await;
        assert_eq!(invoice["status"], "approved", "{invoice}");
        invoices.push(invoice);
    }
    let mut to_customer = invoice_request(1);
    to_customer["tipo_comprobante"] = json!(1);
    to_customer["cliente"] = json!({"documento_tipo": 80, "documento_numero": "30714075345",
        "razon_social": "ACME Argentina SA", "condicion_iva": "responsable_inscripto"});
    to_customer["items"] = json!([
        {"descripcion": "Servicio de mantenimiento", "cantidad": 1, "precio_unitario": "125000.50", "iva_porcentaje": 21},
        {"descripcion": "Repuestos", "cantidad": 3, "precio_unitario": "8450.00", "iva_porcentaje": 10.5}
    ]);
    let invoice = created(app, &key, "/v1/invoices", to_customer).await;
    assert_eq!(invoice["status"], "approved", "{invoice}");
    invoices.push(invoice);

    created(app, &key, "/v1/api-keys", json!({"name": "Integración ERP"})).await;

    // A webhook whose receiver refuses the first delivery: the log has a failed attempt.
    let receiver = Receiver::start().await;
    receiver.reply_with([Reply::status(500)]);
    let webhook = created(
        app,
        &key,
        "/v1/webhooks",
        json!({"url": receiver.url("/hooks"), "events": ["invoice.approved"]}),
    )
    .await;
    let webhook_id = webhook["id"].as_str().unwrap().to_string();
    created(app, &key, &format!("/v1/webhooks/{webhook_id}/test"), json!({})).await;
    let pass = app.state.dispatcher.run_once().await.unwrap();
    assert_eq!(receiver.received().len(), 1, "{pass:?}");

    Filled {
        key,
        customer_id: customer["id"].as_str().unwrap().to_string(),
        invoices,
        webhook_id,
        receiver,
    }
}
