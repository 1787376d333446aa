use arca_protocol::certificate::Credentials;
use arca_protocol::transport::{HttpTransport, Timeouts};
use arca_protocol::wsaa::WsaaClient;
use base64::Engine;
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use serde_json::json;

use arca_test_support::{CUIT_A, CUIT_B, TestApp, TestResponse};

/// No private key, in PEM or as its base64 body, and no passphrase in an answer.
fn assert_no_key_material(response: &TestResponse, key_pem: &str, passphrase: Option<&str>) {
    let text = response.text();
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    for line in key_pem.lines().filter(|line| !line.starts_with("-----")) {
        assert!(!text.contains(line), "a line of the key leaked: {text}");
    }
    if let Some(passphrase) = passphrase {
        assert!(!text.contains(passphrase));
    }
}

/// The stored key column of every certificate row.
async fn stored_keys(app: &TestApp) -> Vec<Vec<u8>> {
    const SQL: &str = "SELECT private_key_encrypted FROM certificates";
    match &app.storage {
        arca_service::Storage::Postgres(pool) => sqlx::query_scalar(SQL).fetch_all(pool).await.unwrap(),
        arca_service::Storage::Sqlite(pool) => sqlx::query_scalar(SQL).fetch_all(pool).await.unwrap(),
    }
}

#[tokio::test]
async fn upload_pem_and_pkcs12_store_the_key_encrypted_and_never_show_it() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;

    let (certificate_pem, key_pem) = app.issue_certificate(CUIT_A, "pem");
    let body = json!({"certificate_pem": certificate_pem, "private_key_pem": key_pem});
    let created = app.post_json("/v1/certificates", &key, &body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_no_key_material(&created, &key_pem, None);
    let created = created.json();
    assert_eq!(created["status"], "active");
    assert_eq!(created["cuit"], CUIT_A);
    assert!(created["subject"].as_str().unwrap().contains("CUIT 20267565393"));
    assert_eq!(created["fingerprint"].as_str().unwrap().len(), 64);
    let days = created["days_to_expiry"].as_i64().unwrap();
    assert!((690..=700).contains(&days), "{days}");
    let pem_id = created["id"].as_str().unwrap().to_string();

    // The same certificate twice: a conflict.
    app.post_json("/v1/certificates", &key, &body)
        .await
        .problem(409, "CONFLICT");

    // PKCS#12: the bundle is opened once; the passphrase is never stored.
    let (certificate, private_key) = app
        .simulator
        .ca()
        .issue(CUIT_A, "p12", chrono::Utc::now() - chrono::Duration::days(1))
        .unwrap();
    let bundle = Pkcs12::builder()
        .name("arca")
        .pkey(&private_key)
        .cert(&certificate)
        .build2("s3cret-passphrase")
        .unwrap()
        .to_der()
        .unwrap();
    let bundle = base64::engine::general_purpose::STANDARD.encode(bundle);
    let wrong = app
        .post_json(
            "/v1/certificates",
            &key,
            &json!({"pkcs12_base64": bundle, "passphrase": "wrong"}),
        )
        .await;
    wrong.problem(400, "VALIDATION_ERROR");
    assert_eq!(wrong.error_fields(), ["passphrase"]);
    let p12_key_pem = String::from_utf8(private_key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let created = app
        .post_json(
            "/v1/certificates",
            &key,
            &json!({"pkcs12_base64": bundle, "passphrase": "s3cret-passphrase"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_no_key_material(&created, &p12_key_pem, Some("s3cret-passphrase"));

    let list = app.get("/v1/certificates", &key).await;
    assert_eq!(list.status, 200);
    assert_no_key_material(&list, &key_pem, None);
    assert_no_key_material(&list, &p12_key_pem, Some("s3cret-passphrase"));
    let list = list.json();
    assert_eq!(list["pagination"], json!({"total": 2, "limit": 20, "offset": 0}));
    assert_eq!(list["data"][1]["id"], pem_id.as_str(), "newest first");

    let one = app.get(&format!("/v1/certificates/{pem_id}"), &key).await;
    assert_eq!(one.status, 200);
    assert_no_key_material(&one, &key_pem, None);
    assert_eq!(one.json()["status"], "active");

    // At rest: sealed bytes, no PEM, no key material.
    let stored = stored_keys(&app).await;
    assert_eq!(stored.len(), 2);
    for sealed in &stored {
        let text = String::from_utf8_lossy(sealed);
        assert!(!text.contains("PRIVATE KEY"));
        assert!(!text.contains(key_pem.lines().nth(1).unwrap()));
        assert!(!text.contains("s3cret-passphrase"));
        assert!(sealed.len() > 28 + 1000, "nonce, ciphertext and tag");
    }

    assert_eq!(
        app.delete(&format!("/v1/certificates/{pem_id}"), &key).await.status,
        204
    );
    app.get(&format!("/v1/certificates/{pem_id}"), &key)
        .await
        .problem(404, "NOT_FOUND");
    assert_eq!(app.get("/v1/certificates", &key).await.json()["pagination"]["total"], 1);
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_with_wsaas_code_and_nothing_is_stored() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    let (certificate_pem, key_pem) = self_signed(CUIT_A);
    let response = app
        .post_json(
            "/v1/certificates",
            &key,
            &json!({"certificate_pem": certificate_pem, "private_key_pem": key_pem}),
        )
        .await;
    let problem = response.problem(422, "CERTIFICATE_REJECTED");
    assert_eq!(problem["arca_errors"][0]["code"], "cms.cert.untrusted", "{problem}");
    assert!(problem["hint"].as_str().unwrap().contains("environment"), "{problem}");
    assert_eq!(problem["retryable"], false);
    assert_no_key_material(&response, &key_pem, None);
    assert_eq!(app.get("/v1/certificates", &key).await.json()["pagination"]["total"], 0);
    assert!(stored_keys(&app).await.is_empty());

    // Unreadable input is a validation problem naming the field.
    let bad = app
        .post_json(
            "/v1/certificates",
            &key,
            &json!({"certificate_pem": "nope", "private_key_pem": key_pem}),
        )
        .await;
    bad.problem(400, "VALIDATION_ERROR");
    assert_eq!(bad.error_fields(), ["certificate_pem"]);
    let neither = app.post_json("/v1/certificates", &key, &json!({})).await;
    neither.problem(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_csr_is_completed_by_the_certificate_arca_signs() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    let pending = app
        .post_json(
            "/v1/certificates/csr",
            &key,
            &json!({"cuit": CUIT_A, "organization": "Acme SA", "common_name": "acme"}),
        )
        .await;
    assert_eq!(pending.status, 201, "{}", pending.text());
    assert!(!pending.text().contains("PRIVATE KEY"));
    let pending = pending.json();
    assert_eq!(pending["status"], "pending");
    assert!(pending["fingerprint"].is_null());
    let id = pending["id"].as_str().unwrap().to_string();
    let csr_pem = pending["csr_pem"].as_str().unwrap();
    assert!(csr_pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));

    // A session needs an active certificate: pending is not one.
    app.get("/v1/reference-data/invoice-types", &key)
        .await
        .problem(422, "NO_CERTIFICATE");

    // ARCA's self-service (the simulator's) signs the CSR; the certificate alone completes it.
    let (status, signed) = app
        .post_json_to(
            &format!("{}/_sim/certificates", app.simulator.base_url()),
            &json!({"csr_pem": csr_pem}),
        )
        .await;
    assert_eq!(status, 201, "{signed}");
    let certificate_pem = signed["certificate_pem"].as_str().unwrap();
    let completed = app
        .post_json("/v1/certificates", &key, &json!({"certificate_pem": certificate_pem}))
        .await;
    assert_eq!(completed.status, 201, "{}", completed.text());
    assert!(!completed.text().contains("PRIVATE KEY"));
    let completed = completed.json();
    assert_eq!(completed["id"], id.as_str(), "the pending certificate became active");
    assert_eq!(completed["status"], "active");
    assert!(completed["csr_pem"].is_null());
    assert_eq!(app.get("/v1/certificates", &key).await.json()["pagination"]["total"], 1);
    assert_eq!(app.get("/v1/reference-data/concept-types", &key).await.status, 200);

    // A certificate alone that matches no pending key needs its key.
    let (other_pem, _) = app.issue_certificate(CUIT_A, "other");
    let orphan = app
        .post_json("/v1/certificates", &key, &json!({"certificate_pem": other_pem}))
        .await;
    orphan.problem(400, "VALIDATION_ERROR");
    assert_eq!(orphan.error_fields(), ["private_key_pem"]);

    let invalid = app
        .post_json(
            "/v1/certificates/csr",
            &key,
            &json!({"cuit": "123", "organization": "", "common_name": "x"}),
        )
        .await;
    invalid.problem(400, "VALIDATION_ERROR");
    assert_eq!(invalid.error_fields(), ["cuit", "organization"]);
}

#[tokio::test]
async fn already_authenticated_on_upload_counts_as_a_working_certificate() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    let (certificate_pem, key_pem) = app.issue_certificate(CUIT_A, "elsewhere");
    // Another system already holds this certificate's ticket.
    let credentials = Credentials::from_pem(certificate_pem.as_bytes(), key_pem.as_bytes()).unwrap();
    let transport = HttpTransport::new(Timeouts::default(), Vec::new()).unwrap();
    WsaaClient::new(app.simulator.wsaa_url(), transport)
        .login(&credentials, "wsfe", chrono::Utc::now())
        .await
        .unwrap();
    let response = app
        .post_json(
            "/v1/certificates",
            &key,
            &json!({"certificate_pem": certificate_pem, "private_key_pem": key_pem}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
    assert_eq!(app.simulator.calls("loginCms"), 2);
    // No ticket is held for it: a session must wait out WSAA's preventive window.
    let problem = app
        .get("/v1/reference-data/invoice-types", &key)
        .await
        .problem(503, "ARCA_UNAVAILABLE");
    assert_eq!(problem["retryable"], true);
    assert!(problem["detail"].as_str().unwrap().contains("preventive window"));
}

#[tokio::test]
async fn tenants_cannot_see_or_touch_each_others_certificates() {
    let app = TestApp::start().await;
    let (_, key_a, certificate_a) = app.account_with_certificate("A", CUIT_A).await;
    let (_, key_b) = app.create_account("B", CUIT_B, json!({})).await;
    app.get(&format!("/v1/certificates/{certificate_a}"), &key_b)
        .await
        .problem(404, "NOT_FOUND");
    app.delete(&format!("/v1/certificates/{certificate_a}"), &key_b)
        .await
        .problem(404, "NOT_FOUND");
    assert_eq!(
        app.get("/v1/certificates", &key_b).await.json()["pagination"]["total"],
        0
    );
    // B cannot use A's certificate to talk to ARCA.
    app.get("/v1/reference-data/iva-rates", &key_b)
        .await
        .problem(422, "NO_CERTIFICATE");
    assert_eq!(
        app.get(&format!("/v1/certificates/{certificate_a}"), &key_a)
            .await
            .status,
        200
    );
}

/// A certificate with the right subject but signed by no one ARCA trusts.
fn self_signed(cuit: &str) -> (String, String) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, "self").unwrap();
    name.append_entry_by_nid(Nid::SERIALNUMBER, &format!("CUIT {cuit}"))
        .unwrap();
    let name = name.build();
    let mut builder = X509::builder().unwrap();
    builder.set_version(2).unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_issuer_name(&name).unwrap();
    builder.set_pubkey(&key).unwrap();
    let now = chrono::Utc::now().timestamp();
    builder
        .set_not_before(&Asn1Time::from_unix(now - 86_400).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::from_unix(now + 86_400 * 365).unwrap())
        .unwrap();
    builder.sign(&key, MessageDigest::sha256()).unwrap();
    (
        String::from_utf8(builder.build().to_pem().unwrap()).unwrap(),
        String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap(),
    )
}
