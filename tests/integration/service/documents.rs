use arca_service::Error;
use arca_service::documents::Documents;
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp};

const PROFILE: &str = "/v1/account/issuer-profile";

fn profile(razon_social: &str) -> Value {
    json!({
        "razon_social": razon_social,
        "domicilio_comercial": "Av. Rivadavia 1000, CABA",
        "condicion_iva": "responsable_inscripto",
        "ingresos_brutos": "exento",
        "inicio_actividades": "2019-04-01"
    })
}

async fn approved(app: &TestApp, key: &str, request: &Value) -> String {
    let created = app.post_json("/v1/invoices", key, request).await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()["id"].as_str().unwrap().to_string()
}

async fn snapshot(app: &TestApp, account: &str, id: &str) -> Option<String> {
    arca_service::storage::invoices::issuer_snapshot(&app.storage, account, id)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_profile_is_kept_with_the_approval_and_a_later_put_changes_nothing() {
    let app = TestApp::start().await;
    let (account, key, _) = app.account_with_certificate("A", CUIT_A).await;
    assert_eq!(app.put_json(PROFILE, &key, &profile("Primera S.A.")).await.status, 200);
    let pos = app
        .post_json(
            "/v1/points-of-sale",
            &key,
            &json!({"numero": 1, "domicilio": "Sucursal \"Centro\", Florida 1 \\ CABA"}),
        )
        .await;
    assert_eq!(pos.status, 201, "{}", pos.text());
    let mut request = arca_test_support::samples::invoice_request(1);
    request["cliente"]["domicilio"] = json!("Av. Santa Fe 1234");
    request["condicion_venta"] = json!("transferencia");
    request["items"][0]["codigo"] = json!("YER-1");
    let id = approved(&app, &key, &request).await;

    // Written by the approval itself, the point of sale's domicilio in it (JSON-escaped by SQL).
    let taken = snapshot(&app, &account, &id).await.expect("a snapshot at approval");
    let parsed: Value = serde_json::from_str(&taken).unwrap();
    assert_eq!(parsed["perfil"]["razon_social"], "Primera S.A.");
    assert_eq!(
        parsed["domicilio_punto_venta"],
        "Sucursal \"Centro\", Florida 1 \\ CABA"
    );

    let documents = Documents::new(app.storage.clone());
    let before = documents.invoice_document(&account, &id).await.unwrap();
    assert_eq!(before.emisor.razon_social, "Primera S.A.");
    assert_eq!(
        before.emisor.domicilio_comercial,
        "Sucursal \"Centro\", Florida 1 \\ CABA"
    );
    assert_eq!(before.emisor.condicion_iva, "IVA Responsable Inscripto");
    assert_eq!(before.emisor.ingresos_brutos, "Exento");
    assert_eq!(before.emisor.cuit, CUIT_A);
    assert_eq!(before.receptor.condicion_iva, "Consumidor Final");
    assert_eq!(before.receptor.domicilio.as_deref(), Some("Av. Santa Fe 1234"));
    assert_eq!(before.receptor.condicion_venta, "Transferencia bancaria");
    assert_eq!(before.items[0].codigo.as_deref(), Some("YER-1"));
    assert_eq!(before.items[0].unidad, "unidades");
    assert_eq!(before.totales.total.to_string(), "3630.00");

    let pdf = documents
        .invoice_pdf(&account, &id, arca_pdf::Copy::first(1))
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");

    // A new profile and a new point-of-sale domicilio: the approved invoice keeps its own.
    assert_eq!(app.put_json(PROFILE, &key, &profile("Segunda S.A.")).await.status, 200);
    let pos_id = pos.json()["id"].as_str().unwrap().to_string();
    let moved = app
        .patch_json(
            &format!("/v1/points-of-sale/{pos_id}"),
            &key,
            &json!({"domicilio": "Otra"}),
        )
        .await;
    assert_eq!(moved.status, 200);
    assert_eq!(snapshot(&app, &account, &id).await.as_deref(), Some(taken.as_str()));
    assert_eq!(documents.invoice_document(&account, &id).await.unwrap(), before);
    let again = documents
        .invoice_pdf(&account, &id, arca_pdf::Copy::first(1))
        .await
        .unwrap();
    assert!(again == pdf, "byte-identical after the profile changed");

    // The next invoice is approved with the profile of its time.
    let next = approved(&app, &key, &arca_test_support::samples::invoice_request(1)).await;
    let next = documents.invoice_document(&account, &next).await.unwrap();
    assert_eq!(next.emisor.razon_social, "Segunda S.A.");
    assert_eq!(next.emisor.domicilio_comercial, "Otra");

    // Another account finds none of it.
    let (other, _, _) = app.account_with_certificate("B", CUIT_B).await;
    assert!(matches!(
        documents.invoice_document(&other, &id).await,
        Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn an_invoice_approved_without_a_profile_takes_one_at_its_first_rendering() {
    let app = TestApp::start().await;
    let (account, key, _) = app.account_with_certificate("A", CUIT_A).await;
    let id = approved(&app, &key, &arca_test_support::samples::invoice_request(1)).await;
    assert_eq!(snapshot(&app, &account, &id).await, None);

    let documents = Documents::new(app.storage.clone());
    match documents.invoice_pdf(&account, &id, arca_pdf::Copy::first(1)).await {
        Err(Error::IssuerProfileRequired(fields)) => {
            assert_eq!(
                fields,
                [
                    "razon_social",
                    "domicilio_comercial",
                    "condicion_iva",
                    "ingresos_brutos",
                    "inicio_actividades"
                ]
            );
        }
        other => panic!("expected ISSUER_PROFILE_REQUIRED, got {other:?}"),
    }

    assert_eq!(app.put_json(PROFILE, &key, &profile("Tardía S.A.")).await.status, 200);
    let first = documents.invoice_document(&account, &id).await.unwrap();
    assert_eq!(first.emisor.razon_social, "Tardía S.A.");
    assert_eq!(first.emisor.domicilio_comercial, "Av. Rivadavia 1000, CABA");
    let taken = snapshot(&app, &account, &id)
        .await
        .expect("written at the first rendering");

    // Written once: a later profile does not replace it.
    assert_eq!(app.put_json(PROFILE, &key, &profile("Otra S.A.")).await.status, 200);
    assert_eq!(snapshot(&app, &account, &id).await, Some(taken));
    assert_eq!(documents.invoice_document(&account, &id).await.unwrap(), first);
}

#[tokio::test]
async fn only_approved_invoices_have_a_document() {
    let app = TestApp::builder().without_engine().start().await;
    let (account, key, _) = app.account_with_certificate("A", CUIT_A).await;
    assert_eq!(app.put_json(PROFILE, &key, &profile("A S.A.")).await.status, 200);
    let pending = app
        .post_json_with(
            "/v1/invoices",
            &key,
            &arca_test_support::samples::invoice_request(1),
            &[("prefer", "respond-async")],
        )
        .await;
    assert_eq!(pending.status, 202, "{}", pending.text());
    let id = pending.json()["id"].as_str().unwrap().to_string();
    let documents = Documents::new(app.storage.clone());
    let refused = documents.invoice_pdf(&account, &id, arca_pdf::Copy::first(1)).await;
    assert!(matches!(refused, Err(Error::InvoiceNotApproved { .. })), "{refused:?}");
    let problem = arca_service::http::error::ApiError::from(refused.unwrap_err()).problem();
    assert_eq!((problem.status, problem.code.as_str()), (409, "INVOICE_NOT_APPROVED"));
    assert!(matches!(
        documents
            .invoice_pdf(&account, "inv_none", arca_pdf::Copy::first(1))
            .await,
        Err(Error::NotFound)
    ));
    let required = arca_service::http::error::ApiError::from(Error::IssuerProfileRequired(vec!["razon_social"]));
    assert_eq!(
        (required.problem().status, required.problem().code.as_str()),
        (422, "ISSUER_PROFILE_REQUIRED")
    );
}

/// A 1 × 1 grey PNG, valid down to its CRCs.
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==";

#[tokio::test]
async fn an_approved_invoice_renders_the_same_pdf_every_time() {
    let app = TestApp::start().await;
    let (account, key, _) = app.account_with_certificate("A", CUIT_A).await;
    let mut with_logo = profile("Con Logo S.A.");
    with_logo["logo"] = json!({"tipo": "image/png", "contenido_base64": PNG_1X1});
    let put = app.put_json(PROFILE, &key, &with_logo).await;
    assert_eq!(put.status, 200, "{}", put.text());
    let id = approved(&app, &key, &arca_test_support::samples::invoice_request(1)).await;

    let documents = Documents::new(app.storage.clone());
    let first = documents
        .invoice_pdf(&account, &id, arca_pdf::Copy::first(1))
        .await
        .unwrap();
    assert!(first.starts_with(b"%PDF-"), "{:?}", &first[..first.len().min(16)]);
    let second = documents
        .invoice_pdf(&account, &id, arca_pdf::Copy::first(1))
        .await
        .unwrap();
    assert!(first == second, "the same invoice gives the same bytes");
    let three = documents
        .invoice_pdf(&account, &id, arca_pdf::Copy::first(3))
        .await
        .unwrap();
    assert!(
        three.starts_with(b"%PDF-") && three != first,
        "three copies are another file"
    );

    // A later logo never reaches the approved invoice.
    assert_eq!(app.put_json(PROFILE, &key, &profile("Sin Logo S.A.")).await.status, 200);
    let after = documents
        .invoice_pdf(&account, &id, arca_pdf::Copy::first(1))
        .await
        .unwrap();
    assert!(after == first, "byte-identical after the logo was removed");
}
