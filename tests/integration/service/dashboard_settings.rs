//! The dashboard's settings pages over real HTTP: customers (list, filters, pagination, create,
//! edit, delete, the padrón fill), points of sale (list, sync from ARCA), certificates (upload
//! PEM or PKCS#12 with the days to expiry shown, key + CSR with the CSR downloaded), API keys
//! (created and shown once, revoked with their sessions). Each operation is checked through the
//! API; every form refuses a post without the session's token and another account's objects.

use arca_simulator::padron::samples;
use arca_test_support::dashboard::{DashboardClient, encode};
use arca_test_support::{CUIT_A, CUIT_B, TestApp, TestResponse};
use chrono::{DateTime, Utc};
use openssl::pkcs12::Pkcs12;
use serde_json::{Value, json};

/// The `<tr …>` element whose opening tag contains `marker`, up to its `</tr>`.
fn row<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no row with {marker} in {html}"));
    let start = html[..start].rfind("<tr").unwrap();
    let end = start + html[start..].find("</tr>").unwrap();
    &html[start..end]
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

fn location(response: &TestResponse) -> &str {
    response.header("location").unwrap_or_default()
}

/// The API's list of `path` for `key`.
async fn api_list(app: &TestApp, path: &str, key: &str) -> Value {
    let response = app.get(path, key).await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()
}

async fn api_total(app: &TestApp, path: &str, key: &str) -> i64 {
    api_list(app, path, key).await["pagination"]["total"].as_i64().unwrap()
}

/// A multipart body of `parts` (`(name, filename, bytes)`), without a `_csrf` unless given.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----arca-settings-boundary";
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(filename) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes())
            }
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn create_customer(app: &TestApp, key: &str, body: Value) -> Value {
    let response = app.post_json("/v1/customers", key, &body).await;
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()
}

#[tokio::test]
async fn customers_are_listed_created_edited_and_deleted_through_the_api_s_rules() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let company = create_customer(
        &app,
        &key,
        json!({"documento_tipo": 80, "documento_numero": CUIT_B, "razon_social": "Distribuidora Sur SA",
               "condicion_iva": "responsable_inscripto", "email": "compras@sur.example"}),
    )
    .await;
    let mut client = DashboardClient::signed_in(&app, &key).await;

    // The list: names, documents as Argentina writes them, ARCA's IVA descriptions.
    let page = client.get("/dashboard/customers").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    let company_row = row(
        &html,
        &format!("data-customer-id=\"{}\"", company["id"].as_str().unwrap()),
    );
    assert!(company_row.contains("Distribuidora Sur SA"), "{company_row}");
    assert!(company_row.contains("CUIT 30-71407534-5"), "{company_row}");
    assert!(company_row.contains("IVA Responsable Inscripto"), "{company_row}");
    assert!(company_row.contains("compras@sur.example"), "{company_row}");

    // Created through the form: the domain's create, redirected with a notice.
    let form = client.get("/dashboard/customers/new").await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("<label for=\"documento_numero\""));
    let created = client
        .post_form(
            "/dashboard/customers",
            &[
                ("documento_tipo", "96"),
                ("documento_numero", "30.123.456"),
                ("razon_social", "Juan Pérez"),
                ("condicion_iva", "consumidor_final"),
                ("email", "juan@example.com"),
                ("direccion", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text());
    assert_eq!(location(&created), "/dashboard/customers?aviso=guardado");
    let found = api_list(&app, "/v1/customers?documento_numero=30123456", &key).await;
    assert_eq!(found["pagination"]["total"], 1, "{found}");
    let juan = found["data"][0].clone();
    assert_eq!(juan["razon_social"], "Juan Pérez");
    assert_eq!(juan["documento_tipo"], 96);
    assert_eq!(juan["direccion"], Value::Null);
    let juan_id = juan["id"].as_str().unwrap().to_string();
    let listed = client.get("/dashboard/customers?aviso=guardado").await.text();
    assert!(listed.contains("Cambios guardados."));
    assert!(row(&listed, &format!("data-customer-id=\"{juan_id}\"")).contains("DNI 30.123.456"));

    // Refused input: 422, the domain's messages next to each field, what was typed kept,
    // nothing stored.
    let refused = client
        .post_form(
            "/dashboard/customers",
            &[
                ("documento_tipo", "80"),
                ("documento_numero", "20-12345678-0"),
                ("razon_social", "Con errores"),
                ("condicion_iva", "consumidor_final"),
                ("email", "no es un email"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    let html = refused.text();
    assert!(html.contains("id=\"documento_numero-error\""), "{html}");
    assert!(html.contains("aria-describedby=\"documento_numero-error\""), "{html}");
    assert!(html.contains("id=\"email-error\""), "{html}");
    assert!(html.contains("must be an e-mail address"), "{html}");
    assert!(!html.contains("id=\"razon_social-error\""), "{html}");
    assert!(html.contains("value=\"Con errores\""), "{html}");
    assert_eq!(api_total(&app, "/v1/customers", &key).await, 2);

    // Edited: the form shows the stored values; the domain's update; a blank e-mail clears it.
    let edit_path = format!("/dashboard/customers/{juan_id}");
    let edit = client.get(&edit_path).await;
    assert_eq!(edit.status, 200);
    assert!(edit.text().contains("value=\"juan@example.com\""));
    let saved = client
        .post_form(
            &edit_path,
            &[
                ("documento_tipo", "96"),
                ("documento_numero", "30123456"),
                ("razon_social", "Juan Ignacio Pérez"),
                ("condicion_iva", "consumidor_final"),
                ("email", ""),
                ("direccion", "Av. Siempre Viva 742"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let after = app.get(&format!("/v1/customers/{juan_id}"), &key).await.json();
    assert_eq!(after["razon_social"], "Juan Ignacio Pérez");
    assert_eq!(after["email"], Value::Null);
    assert_eq!(after["direccion"], "Av. Siempre Viva 742");
    let refused = client
        .post_form(
            &edit_path,
            &[
                ("documento_tipo", "96"),
                ("documento_numero", "12"),
                ("razon_social", "Juan Ignacio Pérez"),
                ("condicion_iva", "consumidor_final"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("id=\"documento_numero-error\""));
    assert_eq!(
        app.get(&format!("/v1/customers/{juan_id}"), &key).await.json()["documento_numero"],
        "30123456"
    );

    // Deleted.
    let deleted = client.post_form(&format!("{edit_path}/delete"), &[]).await;
    assert_eq!(deleted.status, 303);
    assert_eq!(location(&deleted), "/dashboard/customers?aviso=eliminado");
    app.get(&format!("/v1/customers/{juan_id}"), &key)
        .await
        .problem(404, "NOT_FOUND");
    assert_eq!(client.get(&edit_path).await.status, 404);
}

#[tokio::test]
async fn the_customer_list_filters_and_pages_as_the_api_does() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    for index in 1..=5 {
        create_customer(
            &app,
            &key,
            json!({"documento_tipo": 96, "documento_numero": format!("3000000{index}"),
                   "razon_social": format!("Cliente {index}"), "condicion_iva": "consumidor_final"}),
        )
        .await;
    }
    let mut client = DashboardClient::signed_in(&app, &key).await;

    let first = client.get("/dashboard/customers?limit=2").await.text();
    assert_eq!(count(&first, "data-customer-id="), 2);
    assert!(first.contains("1–2 de 5"), "{first}");
    // Newest first, as the API.
    assert!(first.contains("Cliente 5") && first.contains("Cliente 4"), "{first}");
    assert!(
        first.contains("href=\"/dashboard/customers?limit=2&#38;offset=2\""),
        "{first}"
    );
    let last = client.get("/dashboard/customers?limit=2&offset=4").await.text();
    assert_eq!(count(&last, "data-customer-id="), 1);
    assert!(last.contains("Cliente 1") && last.contains("5–5 de 5"), "{last}");
    assert!(
        last.contains("href=\"/dashboard/customers?limit=2&#38;offset=2\""),
        "{last}"
    );

    let filtered = client
        .get("/dashboard/customers?q=cliente+3&documento_numero=")
        .await
        .text();
    assert_eq!(count(&filtered, "data-customer-id="), 1, "{filtered}");
    assert!(filtered.contains("Cliente 3"));
    let by_number = client
        .get("/dashboard/customers?documento_numero=30.000.002")
        .await
        .text();
    assert_eq!(count(&by_number, "data-customer-id="), 1);
    assert!(by_number.contains("Cliente 2"));

    // The API's limits.
    assert_eq!(client.get("/dashboard/customers?limit=0").await.status, 400);
    assert_eq!(client.get("/dashboard/customers?limit=101").await.status, 400);
}

#[tokio::test]
async fn a_customer_given_by_cuit_is_completed_from_the_padron() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let mut client = DashboardClient::signed_in(&app, &key).await;
    client.get("/dashboard/customers/new").await;
    let created = client
        .post_form(
            "/dashboard/customers",
            &[
                ("documento_tipo", "80"),
                ("documento_numero", samples::RI_COMPANY),
                ("razon_social", ""),
                ("condicion_iva", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text());
    let customer = api_list(&app, "/v1/customers", &key).await["data"][0].clone();
    let taxpayer = app
        .get(&format!("/v1/taxpayers/{}", samples::RI_COMPANY), &key)
        .await
        .json();
    assert_eq!(customer["razon_social"], taxpayer["nombre"]);
    assert_eq!(customer["condicion_iva"], "responsable_inscripto");
}

#[tokio::test]
async fn customer_forms_need_the_token_and_another_account_s_customers_are_not_found() {
    let app = TestApp::start().await;
    let (_, key_a) = app.create_account("A", CUIT_A, json!({})).await;
    let (_, key_b) = app.create_account("B", CUIT_B, json!({})).await;
    let b_customer = create_customer(
        &app,
        &key_b,
        json!({"documento_tipo": 99, "documento_numero": "0", "razon_social": "Cliente de B",
               "condicion_iva": "consumidor_final"}),
    )
    .await;
    let b_id = b_customer["id"].as_str().unwrap();
    let mut client = DashboardClient::signed_in(&app, &key_a).await;

    let fields = encode(&[
        ("documento_tipo", "99"),
        ("documento_numero", "0"),
        ("razon_social", "Sin token"),
        ("condicion_iva", "consumidor_final"),
    ]);
    assert_eq!(client.post_raw("/dashboard/customers", &fields).await.status, 403);
    assert_eq!(
        client
            .post_raw("/dashboard/customers", &format!("_csrf=wrong&{fields}"))
            .await
            .status,
        403
    );
    assert_eq!(api_total(&app, "/v1/customers", &key_a).await, 0);

    // B's customer: not in A's list, and the same 404 as an unknown id for every operation.
    assert!(!client.get("/dashboard/customers").await.text().contains("Cliente de B"));
    assert_eq!(client.get(&format!("/dashboard/customers/{b_id}")).await.status, 404);
    assert_eq!(client.get("/dashboard/customers/cus_unknown").await.status, 404);
    let edited = client
        .post_form(
            &format!("/dashboard/customers/{b_id}"),
            &[
                ("documento_tipo", "99"),
                ("documento_numero", "0"),
                ("razon_social", "A was here"),
                ("condicion_iva", "consumidor_final"),
            ],
        )
        .await;
    assert_eq!(edited.status, 404);
    let deleted = client
        .post_form(&format!("/dashboard/customers/{b_id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 404);
    assert_eq!(
        app.get(&format!("/v1/customers/{b_id}"), &key_b).await.json(),
        b_customer
    );

    // A delete without the token deletes nothing either.
    let a_customer = create_customer(
        &app,
        &key_a,
        json!({"documento_tipo": 99, "documento_numero": "0", "razon_social": "De A",
               "condicion_iva": "consumidor_final"}),
    )
    .await;
    let a_id = a_customer["id"].as_str().unwrap();
    let refused = client
        .post_raw(&format!("/dashboard/customers/{a_id}/delete"), "")
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(app.get(&format!("/v1/customers/{a_id}"), &key_a).await.status, 200);
}

#[tokio::test]
async fn points_of_sale_are_listed_and_synced_from_arca() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let manual = app
        .post_json(
            "/v1/points-of-sale",
            &key,
            &json!({"numero": 7, "descripcion": "Mostrador", "bloqueado": true}),
        )
        .await
        .json();
    let mut client = DashboardClient::signed_in(&app, &key).await;

    let html = client.get("/dashboard/points-of-sale").await.text();
    let manual_row = row(
        &html,
        &format!("data-point-of-sale-id=\"{}\"", manual["id"].as_str().unwrap()),
    );
    assert!(manual_row.contains("00007"), "{manual_row}");
    assert!(manual_row.contains("Mostrador"));
    assert!(manual_row.contains("CAE"));
    assert!(manual_row.contains("Manual"));
    assert!(
        manual_row.contains("<span class=\"badge bad\">Sí</span>"),
        "blocked: {manual_row}"
    );

    // Without the token: nothing read from ARCA.
    assert_eq!(client.post_raw("/dashboard/points-of-sale/sync", "").await.status, 403);
    assert_eq!(api_total(&app, "/v1/points-of-sale", &key).await, 1);

    // The button: the API's sync (the simulator lists 1, 2 and 3).
    let synced = client.post_form("/dashboard/points-of-sale/sync", &[]).await;
    assert_eq!(synced.status, 303, "{}", synced.text());
    assert_eq!(location(&synced), "/dashboard/points-of-sale?aviso=sincronizado");
    let listed = api_list(&app, "/v1/points-of-sale", &key).await;
    assert_eq!(listed["pagination"]["total"], 4, "{listed}");
    let html = client.get(location(&synced)).await.text();
    assert!(html.contains("Puntos de venta sincronizados con ARCA."));
    for point in listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["origin"] == "arca")
    {
        let arca_row = row(
            &html,
            &format!("data-point-of-sale-id=\"{}\"", point["id"].as_str().unwrap()),
        );
        assert!(
            arca_row.contains(&format!("{:05}", point["numero"].as_i64().unwrap())),
            "{arca_row}"
        );
        assert!(arca_row.contains("<td class=\"origin\">ARCA</td>"), "{arca_row}");
    }
}

#[tokio::test]
async fn a_sync_without_a_certificate_says_why_on_the_page() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Sin certificado", CUIT_A, json!({})).await;
    let api = app
        .post_json("/v1/points-of-sale/sync", &key, &json!({}))
        .await
        .problem(422, "NO_CERTIFICATE");
    let mut client = DashboardClient::signed_in(&app, &key).await;
    client.get("/dashboard/points-of-sale").await;
    let refused = client.post_form("/dashboard/points-of-sale/sync", &[]).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    let html = refused.text();
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains(api["detail"].as_str().unwrap()), "{html}");
    assert_eq!(api_total(&app, "/v1/points-of-sale", &key).await, 0);
}

/// The certificate of `id` as the API shows it.
async fn api_certificate(app: &TestApp, key: &str, id: &str) -> Value {
    let response = app.get(&format!("/v1/certificates/{id}"), key).await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()
}

/// `not_after` as the dashboard writes it: Argentina's day, dd/mm/aaaa.
fn argentine_day(not_after: &Value) -> String {
    let instant: DateTime<Utc> = not_after.as_str().unwrap().parse().unwrap();
    (instant - chrono::Duration::hours(3)).format("%d/%m/%Y").to_string()
}

#[tokio::test]
async fn uploaded_certificates_show_their_expiry_and_days_left() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let mut client = DashboardClient::signed_in(&app, &key).await;
    let page = client.get("/dashboard/certificates").await.text();
    for contract in [
        "id=\"upload-form\"",
        "enctype=\"multipart/form-data\"",
        "id=\"archivo\"",
        "id=\"clave_privada\"",
        "id=\"passphrase\"",
        "id=\"upload\"",
    ] {
        assert!(page.contains(contract), "{contract}");
    }

    // A PEM certificate with its key: the domain's upload (a WSAA login first).
    let (certificate_pem, key_pem) = app.issue_certificate(CUIT_A, "pem");
    let uploaded = client
        .post_multipart(
            "/dashboard/certificates",
            &[
                ("archivo", Some("cert.pem"), certificate_pem.as_bytes()),
                ("clave_privada", Some("key.pem"), key_pem.as_bytes()),
                ("passphrase", None, b""),
            ],
        )
        .await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.text());
    assert_eq!(location(&uploaded), "/dashboard/certificates?aviso=certificado-cargado");
    let listed = api_list(&app, "/v1/certificates", &key).await;
    assert_eq!(listed["pagination"]["total"], 1);
    let pem = listed["data"][0].clone();
    let html = client.get(location(&uploaded)).await.text();
    assert!(html.contains("Certificado cargado."));
    assert!(!html.contains("PRIVATE KEY"));
    let pem_row = row(
        &html,
        &format!("data-certificate-id=\"{}\"", pem["id"].as_str().unwrap()),
    );
    assert!(pem_row.contains("20-26756539-3"), "{pem_row}");
    assert!(pem_row.contains(&argentine_day(&pem["not_after"])), "{pem_row}");
    let days = pem["days_to_expiry"].as_i64().unwrap();
    assert!(
        pem_row.contains(&format!("<td class=\"expiry\">Faltan {days} días</td>")),
        "{pem_row}"
    );

    // A PKCS#12 close to its end (ten days left): highlighted. A wrong passphrase first: 422,
    // the message next to the passphrase, nothing stored, the passphrase not echoed.
    let (certificate, private_key) = app
        .simulator
        .ca()
        .issue(CUIT_A, "p12", Utc::now() - chrono::Duration::days(720))
        .unwrap();
    let bundle = Pkcs12::builder()
        .name("arca")
        .pkey(&private_key)
        .cert(&certificate)
        .build2("s3cret-passphrase")
        .unwrap()
        .to_der()
        .unwrap();
    let wrong = client
        .post_multipart(
            "/dashboard/certificates",
            &[
                ("archivo", Some("cert.p12"), &bundle),
                ("clave_privada", Some(""), b""),
                ("passphrase", None, b"not-the-passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.text());
    let html = wrong.text();
    assert!(html.contains("id=\"passphrase-error\""), "{html}");
    assert!(html.contains("aria-describedby=\"passphrase-error\""), "{html}");
    assert!(!html.contains("not-the-passphrase"));
    assert!(!html.contains("id=\"archivo-error\""), "{html}");
    assert_eq!(api_total(&app, "/v1/certificates", &key).await, 1);

    let uploaded = client
        .post_multipart(
            "/dashboard/certificates",
            &[
                ("archivo", Some("cert.p12"), &bundle),
                ("passphrase", None, b"s3cret-passphrase"),
            ],
        )
        .await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.text());
    let listed = api_list(&app, "/v1/certificates", &key).await;
    let p12 = listed["data"][0].clone();
    assert_ne!(p12["id"], pem["id"]);
    let days = p12["days_to_expiry"].as_i64().unwrap();
    assert!((8..=10).contains(&days), "{days}");
    let html = client.get("/dashboard/certificates").await.text();
    let p12_row = row(
        &html,
        &format!("data-certificate-id=\"{}\"", p12["id"].as_str().unwrap()),
    );
    assert!(
        p12_row.contains(&format!("<td class=\"expiry warn\">Faltan {days} días</td>")),
        "{p12_row}"
    );
    assert!(!html.contains("s3cret-passphrase"));
}

#[tokio::test]
async fn refused_uploads_say_why_next_to_the_field_and_store_nothing() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let (_, key_b, b_certificate) = app.account_with_certificate("B", CUIT_B).await;
    let mut client = DashboardClient::signed_in(&app, &key).await;
    client.get("/dashboard/certificates").await;

    // Not a certificate.
    let refused = client
        .post_multipart(
            "/dashboard/certificates",
            &[("archivo", Some("notes.txt"), b"hello, not a certificate")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("id=\"archivo-error\""), "{}", refused.text());

    // No file at all.
    let empty = client
        .post_multipart("/dashboard/certificates", &[("archivo", Some(""), b"")])
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.text().contains("id=\"archivo-error\""));

    // A PEM certificate alone that completes no CSR: its key is needed.
    let (certificate_pem, _) = app.issue_certificate(CUIT_A, "orphan");
    let orphan = client
        .post_multipart(
            "/dashboard/certificates",
            &[("archivo", Some("cert.pem"), certificate_pem.as_bytes())],
        )
        .await;
    assert_eq!(orphan.status, 422);
    assert!(
        orphan.text().contains("id=\"clave_privada-error\""),
        "{}",
        orphan.text()
    );

    // Without the form's token: 403 before anything is read into a certificate.
    let (certificate_pem, key_pem) = app.issue_certificate(CUIT_A, "csrf");
    let (content_type, body) = multipart(&[
        ("archivo", Some("cert.pem"), certificate_pem.as_bytes()),
        ("clave_privada", Some("key.pem"), key_pem.as_bytes()),
    ]);
    let cookie = client.session_cookie.clone().unwrap();
    let headers = [("cookie", cookie.as_str()), ("content-type", content_type.as_str())];
    let forbidden = app
        .request("POST", "/dashboard/certificates", &headers, Some(body))
        .await;
    assert_eq!(forbidden.status, 403);
    let (content_type, body) = multipart(&[
        ("_csrf", None, b"not-the-token"),
        ("archivo", Some("cert.pem"), certificate_pem.as_bytes()),
        ("clave_privada", Some("key.pem"), key_pem.as_bytes()),
    ]);
    let headers = [("cookie", cookie.as_str()), ("content-type", content_type.as_str())];
    let forbidden = app
        .request("POST", "/dashboard/certificates", &headers, Some(body))
        .await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(api_total(&app, "/v1/certificates", &key).await, 0);

    // B's certificate: not deleted, its CSR not downloaded, by URL.
    let deleted = client
        .post_form(&format!("/dashboard/certificates/{b_certificate}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 404);
    assert_eq!(
        client
            .get(&format!("/dashboard/certificates/csr/{b_certificate}"))
            .await
            .status,
        404
    );
    assert_eq!(api_total(&app, "/v1/certificates", &key_b).await, 1);
}

#[tokio::test]
async fn a_key_and_csr_are_generated_the_csr_downloaded_and_completed() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Acme SA", CUIT_A, json!({})).await;
    let mut client = DashboardClient::signed_in(&app, &key).await;
    let page = client.get("/dashboard/certificates").await.text();
    assert!(page.contains("value=\"20267565393\""), "the account's CUIT is offered");

    // A bad CUIT: 422 next to the field, nothing stored.
    let refused = client
        .post_form(
            "/dashboard/certificates/csr",
            &[
                ("cuit", "20-12345678-0"),
                ("organization", "Acme SA"),
                ("common_name", "acme"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("id=\"cuit-error\""));
    assert!(refused.text().contains("value=\"20-12345678-0\""));
    assert_eq!(api_total(&app, "/v1/certificates", &key).await, 0);
    assert_eq!(
        client
            .post_raw(
                "/dashboard/certificates/csr",
                &encode(&[("cuit", CUIT_A), ("organization", "Acme SA"), ("common_name", "acme")])
            )
            .await
            .status,
        403
    );
    assert_eq!(api_total(&app, "/v1/certificates", &key).await, 0);

    let generated = client
        .post_form(
            "/dashboard/certificates/csr",
            &[("cuit", CUIT_A), ("organization", "Acme SA"), ("common_name", "acme")],
        )
        .await;
    assert_eq!(generated.status, 201, "{}", generated.text());
    let html = generated.text();
    assert!(!html.contains("PRIVATE KEY"));
    let pending = api_list(&app, "/v1/certificates", &key).await["data"][0].clone();
    assert_eq!(pending["status"], "pending");
    let id = pending["id"].as_str().unwrap();
    let download = format!("/dashboard/certificates/csr/{id}");
    assert!(html.contains(&format!("href=\"{download}\"")), "{html}");
    assert!(html.contains("-----BEGIN CERTIFICATE REQUEST-----"));

    let file = client.get(&download).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.header("content-type"), Some("application/pkcs10"));
    assert!(
        file.header("content-disposition")
            .is_some_and(|value| value.starts_with("attachment; filename=\"arca-20267565393-")),
        "{:?}",
        file.header("content-disposition")
    );
    assert_eq!(file.text(), pending["csr_pem"].as_str().unwrap());
    // The list offers it too, while pending.
    let listed = client.get("/dashboard/certificates").await.text();
    assert!(row(&listed, &format!("data-certificate-id=\"{id}\"")).contains(&download));

    // ARCA signs it; the certificate alone completes it through the upload form.
    let (status, signed) = app
        .post_json_to(
            &format!("{}/_sim/certificates", app.simulator.base_url()),
            &json!({"csr_pem": pending["csr_pem"]}),
        )
        .await;
    assert_eq!(status, 201, "{signed}");
    let completed = client
        .post_multipart(
            "/dashboard/certificates",
            &[(
                "archivo",
                Some("acme.crt"),
                signed["certificate_pem"].as_str().unwrap().as_bytes(),
            )],
        )
        .await;
    assert_eq!(completed.status, 303, "{}", completed.text());
    assert_eq!(api_certificate(&app, &key, id).await["status"], "active");
    // No longer pending: no CSR to download.
    assert_eq!(client.get(&download).await.status, 404);
}

#[tokio::test]
async fn a_new_key_is_shown_once_and_works() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let mut client = DashboardClient::signed_in(&app, &key).await;

    let page = client.get("/dashboard/api-keys").await.text();
    for contract in ["id=\"create-key-form\"", "id=\"name\"", "id=\"create-key\""] {
        assert!(page.contains(contract), "{contract}");
    }
    let own = api_list(&app, "/v1/api-keys", &key).await["data"][0].clone();
    let own_row = row(&page, &format!("data-key-id=\"{}\"", own["id"].as_str().unwrap()));
    assert!(own_row.contains(own["prefix"].as_str().unwrap()));
    assert!(own_row.contains("esta sesión"));
    assert!(own_row.contains("Prueba"));
    assert!(own_row.contains("class=\"revoke"), "{own_row}");
    assert!(!page.contains(&key), "a listed key never shows the whole key");

    // Refused: blank name (422 next to the field), no token (403); nothing created.
    let blank = client.post_form("/dashboard/api-keys", &[("name", "  ")]).await;
    assert_eq!(blank.status, 422);
    assert!(blank.text().contains("id=\"name-error\""));
    assert_eq!(client.post_raw("/dashboard/api-keys", "name=ci").await.status, 403);
    assert_eq!(api_total(&app, "/v1/api-keys", &key).await, 1);

    // Created: the answer shows it in #new-key, once.
    let created = client
        .post_form("/dashboard/api-keys", &[("name", "Integración")])
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let html = created.text();
    let at = html.find("id=\"new-key\">").expect("#new-key") + "id=\"new-key\">".len();
    let new_key = html[at..at + html[at..].find('<').unwrap()].trim().to_string();
    assert!(new_key.starts_with("arca_test_"), "{new_key}");
    assert_eq!(count(&html, &new_key), 1);
    assert_eq!(
        app.get("/v1/account", &new_key).await.status,
        200,
        "it works against the API"
    );
    let listed = api_list(&app, "/v1/api-keys", &key).await;
    assert_eq!(listed["pagination"]["total"], 2);
    assert_eq!(listed["data"][0]["name"], "Integración");
    let again = client.get("/dashboard/api-keys").await.text();
    assert!(!again.contains(&new_key), "never shown again");
    assert!(!again.contains("id=\"new-key\""));
    assert!(again.contains(listed["data"][0]["prefix"].as_str().unwrap()));
}

#[tokio::test]
async fn revoking_a_key_ends_it_and_its_sessions() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let (_, key_b) = app.create_account("B", CUIT_B, json!({})).await;
    let other = app
        .post_json("/v1/api-keys", &key, &json!({"name": "otra"}))
        .await
        .json();
    let other_key = other["key"].as_str().unwrap().to_string();
    let other_id = other["id"].as_str().unwrap().to_string();
    let b_id = api_list(&app, "/v1/api-keys", &key_b).await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut client = DashboardClient::signed_in(&app, &key).await;
    client.get("/dashboard/api-keys").await;
    let mut other_session = DashboardClient::signed_in(&app, &other_key).await;
    assert_eq!(other_session.get("/dashboard/api-keys").await.status, 200);

    // Without the token: nothing revoked. B's key by URL: 404, B's key still works.
    let revoke_path = format!("/dashboard/api-keys/{other_id}/revoke");
    assert_eq!(client.post_raw(&revoke_path, "").await.status, 403);
    assert_eq!(app.get("/v1/account", &other_key).await.status, 200);
    let not_found = client
        .post_form(&format!("/dashboard/api-keys/{b_id}/revoke"), &[])
        .await;
    assert_eq!(not_found.status, 404);
    assert_eq!(app.get("/v1/account", &key_b).await.status, 200);

    // Revoked: the API refuses it, and the session opened with it ended.
    let revoked = client.post_form(&revoke_path, &[]).await;
    assert_eq!(revoked.status, 303, "{}", revoked.text());
    assert_eq!(location(&revoked), "/dashboard/api-keys?aviso=clave-revocada");
    assert_eq!(app.get("/v1/account", &other_key).await.status, 401);
    let page = client.get(location(&revoked)).await.text();
    assert!(page.contains("Clave revocada"));
    assert!(!page.contains(&format!("data-key-id=\"{other_id}\"")));
    let ended = other_session.get("/dashboard/api-keys").await;
    assert_eq!(ended.status, 303);
    assert!(location(&ended).starts_with("/dashboard/login"), "{}", location(&ended));

    // Revoking the session's own key: the next page read goes to the sign-in form.
    let own_id = api_list(&app, "/v1/api-keys", &key).await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let revoked = client
        .post_form(&format!("/dashboard/api-keys/{own_id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, 303);
    let next = client.get(location(&revoked)).await;
    assert_eq!(next.status, 303);
    let to = location(&next);
    assert!(
        to.starts_with("/dashboard/login?") && to.contains("aviso=sesion-vencida"),
        "{to}"
    );
    assert_eq!(app.get("/v1/account", &key).await.status, 401);
}
