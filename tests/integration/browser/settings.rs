//! The account's settings in the browser: a certificate uploaded from files (PEM certificate and
//! key) shows its expiry; an API key created is shown once, and once revoked, the session it
//! opened is refused.

use arca_test_support::{CUIT_A, TestApp};
use serde_json::json;

use super::driver::Browser;

#[tokio::test]
async fn a_certificate_uploaded_from_files_is_listed_with_its_expiry() {
    let Some(mut browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::start().await;
    browser.on(&app);
    let (_, key) = app.create_account("Almacén Certificados", CUIT_A, json!({})).await;
    let (certificate, private_key) = app.issue_certificate(CUIT_A, "caja1");
    let dir = tempfile::tempdir().unwrap();
    let certificate_path = dir.path().join("caja1.crt");
    let key_path = dir.path().join("caja1.key");
    std::fs::write(&certificate_path, certificate).unwrap();
    std::fs::write(&key_path, private_key).unwrap();

    browser.sign_in(&key, "/dashboard/certificates").await;
    browser.find("form#upload-form").await;
    // A file input takes the file's path.
    browser
        .find("#archivo")
        .await
        .send_keys(certificate_path.to_str().unwrap())
        .await
        .unwrap();
    browser
        .find("#clave_privada")
        .await
        .send_keys(key_path.to_str().unwrap())
        .await
        .unwrap();
    browser.click("#upload").await;
    browser.find_text("p.notice", "Certificado cargado").await;

    // The row shows the days left, as the API counts them.
    let listed = app.get("/v1/certificates", &key).await.json();
    let stored = &listed["data"][0];
    let id = stored["id"].as_str().unwrap();
    let days = stored["days_to_expiry"].as_i64().unwrap();
    assert!(days > 30, "{stored}");
    let expiry = browser.text(&format!("tr[data-certificate-id='{id}'] td.expiry")).await;
    assert_eq!(expiry, format!("Faltan {days} días"));
    browser.close().await;
}

#[tokio::test]
async fn a_key_created_is_shown_once_and_once_revoked_its_session_is_refused() {
    let Some(mut browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::start().await;
    browser.on(&app);
    let (_, key) = app.create_account("Almacén Claves", CUIT_A, json!({})).await;

    browser.sign_in(&key, "/dashboard/api-keys").await;
    browser.fill("#create-key-form #name", "Caja 2").await;
    browser.click("#create-key").await;
    let created = browser.text("#new-key").await;
    assert!(created.starts_with("arca_test_"), "{created}");
    assert_eq!(app.get("/v1/account", &created).await.status, 200);
    // Shown once: the list afterwards has its prefix only.
    browser.goto("/dashboard/api-keys").await;
    browser.find("#create-key-form").await;
    assert!(browser.find_all("#new-key").await.is_empty());
    let source = browser.client.source().await.unwrap();
    assert!(!source.contains(&created), "the key is shown again");

    // A session opened with the new key; its cookie is kept aside and the first key's session
    // comes back.
    let first_session = browser.client.get_named_cookie("arca_session").await.unwrap();
    browser.client.delete_cookie("arca_session").await.unwrap();
    browser.sign_in(&created, "/dashboard/api-keys").await;
    let second_session = browser.client.get_named_cookie("arca_session").await.unwrap();
    assert_ne!(first_session.value(), second_session.value());
    browser.client.delete_cookie("arca_session").await.unwrap();
    browser.client.add_cookie(first_session).await.unwrap();

    // Revoked from the first key's session, by its row's button.
    browser.goto("/dashboard/api-keys").await;
    let keys = app.get("/v1/api-keys", &key).await.json();
    let id = keys["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|listed| listed["name"] == "Caja 2")
        .map(|listed| listed["id"].as_str().unwrap().to_string())
        .unwrap();
    browser.click(&format!("tr[data-key-id='{id}'] button.revoke")).await;
    browser.find_text("p.notice", "Clave revocada").await;
    assert!(browser.find_all(&format!("tr[data-key-id='{id}']")).await.is_empty());
    assert_eq!(app.get("/v1/account", &created).await.status, 401);

    // The revoked key's session is refused: back to the sign-in form, saying why.
    browser.client.delete_cookie("arca_session").await.unwrap();
    browser.client.add_cookie(second_session).await.unwrap();
    browser.goto("/dashboard/api-keys").await;
    browser.find("#api_key").await;
    browser.find_text("p.notice", "La sesión terminó").await;
    assert!(browser.path().await.starts_with("/dashboard/login"));
    browser.close().await;
}
