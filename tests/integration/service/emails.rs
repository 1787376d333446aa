//! Invoice emails through the outbox, against a real SMTP server (aiosmtpd, `smtp_server.rs`):
//! the MIME message and its PDF, STARTTLS with a CA made by `openssl` now, temporary and
//! permanent refusals, the lease between dispatchers, the email on approval, the `.eml` folder
//! of simulator mode, `NOT_CONFIGURED`, bad bodies and tenant isolation.
//!
//! The app's own dispatcher is stopped: each test drives passes (`run_once`) and moves the app's
//! clock between them, so nothing waits on time. The clock starts an hour ahead of the machine's,
//! so what the API enqueues now (at the machine's time) is already due for it.

use std::sync::Arc;

use arca_protocol::clock::ManualClock;
use arca_service::outbox::Dispatcher;
use arca_service::outbox::dispatcher::Pass;
use base64::Engine;
use serde_json::{Value, json};

use crate::integration::smtp_server::{SmtpOptions, SmtpServer, localhost_certificate};
use arca_test_support::{CUIT_A, CUIT_B, TestApp, TestAppBuilder};

/// An hour ahead, on a whole millisecond (the outbox keeps its times in milliseconds).
fn ahead_clock() -> Arc<ManualClock> {
    let ahead = (chrono::Utc::now() + chrono::Duration::hours(1)).timestamp_millis();
    Arc::new(ManualClock::new(
        chrono::DateTime::from_timestamp_millis(ahead).unwrap(),
    ))
}

fn smtp_url(server: &SmtpServer) -> String {
    format!("smtp://127.0.0.1:{}", server.port)
}

/// An app whose dispatcher the test drives, on `clock`.
fn builder(clock: &Arc<ManualClock>) -> TestAppBuilder {
    TestApp::builder().without_dispatcher().clock(clock.clone())
}

/// The issuer profile every printed invoice needs.
async fn with_profile(app: &TestApp, key: &str) {
    let profile = json!({
        "razon_social": "Almacén Demo S.A.",
        "domicilio_comercial": "Av. Rivadavia 1000, CABA",
        "condicion_iva": "responsable_inscripto",
        "ingresos_brutos": "exento",
        "inicio_actividades": "2019-04-01"
    });
    let response = app.put_json("/v1/account/issuer-profile", key, &profile).await;
    assert_eq!(response.status, 200, "{}", response.text());
}

/// An approved Factura B of a fresh account with an issuer profile: (key, invoice).
async fn approved_invoice(app: &TestApp, cuit: &str) -> (String, Value) {
    let (_, key, _) = app.account_with_certificate("Almacén", cuit).await;
    with_profile(app, &key).await;
    let created = app
        .post_json("/v1/invoices", &key, &arca_test_support::samples::invoice_request(1))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    (key, created.json())
}

async fn send(app: &TestApp, key: &str, invoice_id: &str, body: &Value) -> arca_test_support::TestResponse {
    app.post_json(&format!("/v1/invoices/{invoice_id}/email"), key, body)
        .await
}

async fn emails(app: &TestApp, key: &str, invoice_id: &str) -> Vec<Value> {
    let list = app.get(&format!("/v1/invoices/{invoice_id}/emails"), key).await;
    assert_eq!(list.status, 200, "{}", list.text());
    list.json()["data"].as_array().unwrap().clone()
}

async fn pass(dispatcher: &Dispatcher) -> Pass {
    dispatcher.run_once().await.expect("a dispatcher pass")
}

/// The PDF the email must carry: what the documents module renders for the invoice.
async fn invoice_pdf(app: &TestApp, account_id: &str, invoice_id: &str) -> Vec<u8> {
    arca_service::documents::Documents::new(app.storage.clone())
        .invoice_pdf(account_id, invoice_id, &[arca_pdf::Copy::Original])
        .await
        .expect("the invoice's PDF")
}

async fn account_id(app: &TestApp, key: &str) -> String {
    app.get("/v1/account", key).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_invoice_email_reaches_a_real_smtp_server_as_mime_with_the_pdf() {
    let server = SmtpServer::start(SmtpOptions::default()).await;
    let clock = ahead_clock();
    let app = builder(&clock)
        .env("SMTP_URL", &smtp_url(&server))
        .env("EMAIL_FROM", "Almacén Demo <facturas@almacen.example>")
        .start()
        .await;
    let (key, invoice) = approved_invoice(&app, CUIT_A).await;
    let id = invoice["id"].as_str().unwrap();

    let queued = send(
        &app,
        &key,
        id,
        &json!({"to": ["cliente@example.com"], "cc": ["contador@example.com"]}),
    )
    .await;
    assert_eq!(queued.status, 202, "{}", queued.text());
    let queued = queued.json();
    assert_eq!(queued["status"], "pending");
    assert_eq!(queued["asunto"], "Factura B 00001-00000001");
    assert_eq!(queued["adjunto"], "factura-00001-00000001.pdf");
    assert_eq!(queued["origen"], "api");
    assert!(
        queued["mensaje"]
            .as_str()
            .unwrap()
            .contains(invoice["cae"].as_str().unwrap())
    );

    let done = pass(&app.state.dispatcher).await;
    assert_eq!(done.delivered, 1, "{done:?}");

    let received = server.received();
    assert_eq!(received.len(), 1);
    let (_, message) = &received[0];
    assert_eq!(message["content_type"], "multipart/mixed");
    assert_eq!(message["headers"]["To"], "cliente@example.com");
    assert_eq!(message["headers"]["Cc"], "contador@example.com");
    assert_eq!(message["headers"]["Subject"], "Factura B 00001-00000001");
    let message_id = format!("<{}@arca-api>", queued["id"].as_str().unwrap());
    assert_eq!(message["headers"]["Message-ID"], message_id.as_str());
    assert_eq!(message["mail_from"], "facturas@almacen.example");
    let mut recipients: Vec<&str> = message["rcpt_tos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    recipients.sort_unstable();
    assert_eq!(recipients, ["cliente@example.com", "contador@example.com"]);
    let parts = message["parts"].as_array().unwrap();
    let text = parts
        .iter()
        .find(|p| p["content_type"] == "text/plain")
        .expect("a text part");
    let text = base64::engine::general_purpose::STANDARD
        .decode(text["data_base64"].as_str().unwrap())
        .unwrap();
    assert!(String::from_utf8(text).unwrap().contains("Factura B 00001-00000001"));
    let pdf = parts
        .iter()
        .find(|p| p["content_type"] == "application/pdf")
        .expect("a PDF part");
    assert_eq!(pdf["filename"], "factura-00001-00000001.pdf");
    assert_eq!(pdf["disposition"], "attachment");
    let attached = base64::engine::general_purpose::STANDARD
        .decode(pdf["data_base64"].as_str().unwrap())
        .unwrap();
    let account = account_id(&app, &key).await;
    assert_eq!(
        attached,
        invoice_pdf(&app, &account, id).await,
        "the attachment is the invoice's PDF, byte for byte"
    );

    let listed = emails(&app, &key, id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "delivered");
    assert!(listed[0]["delivered_at"].is_string());
    let attempts = listed[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["outcome"], "delivered");
    assert!(
        attempts[0]["reply"].as_str().unwrap().starts_with("250 "),
        "{}",
        attempts[0]
    );

    // Nothing is due any more: another pass attempts nothing.
    assert_eq!(pass(&app.state.dispatcher).await, Pass::default());
}

#[tokio::test]
async fn starttls_with_a_private_ca_and_auth_keeps_the_password_out_of_answers() {
    let certificates = tempfile::tempdir().unwrap();
    let (ca, cert, key_file) = localhost_certificate(certificates.path());
    let password = "s3cret-smtp-pass";
    let server = SmtpServer::start(SmtpOptions {
        tls: Some((cert, key_file)),
        auth: Some(("facturas".into(), password.into())),
        refuse: None,
    })
    .await;
    let clock = ahead_clock();
    let app = builder(&clock)
        .env(
            "SMTP_URL",
            &format!("smtp://facturas:{password}@localhost:{}?tls=required", server.port),
        )
        .env("EMAIL_FROM", "facturas@almacen.example")
        .env("SMTP_TLS_ROOT_CERT", ca.to_str().unwrap())
        .start()
        .await;
    let (key, invoice) = approved_invoice(&app, CUIT_A).await;
    let id = invoice["id"].as_str().unwrap();
    let queued = send(
        &app,
        &key,
        id,
        &json!({"to": ["cliente@example.com"], "asunto": "Su factura", "mensaje": "Hola.\nGracias."}),
    )
    .await;
    assert_eq!(queued.status, 202, "{}", queued.text());
    assert_eq!(pass(&app.state.dispatcher).await.delivered, 1);

    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].1["tls"], true, "sent after STARTTLS");
    assert_eq!(received[0].1["authenticated"], true);
    assert_eq!(received[0].1["headers"]["Subject"], "Su factura");
    let listed = app.get(&format!("/v1/invoices/{id}/emails"), &key).await;
    assert!(!listed.text().contains(password));
    assert_eq!(listed.json()["data"][0]["status"], "delivered");

    // Without the private CA the server's certificate is not trusted: a transient failure whose
    // reply names TLS, never the password.
    let untrusting = builder(&clock)
        .env(
            "SMTP_URL",
            &format!("smtp://facturas:{password}@localhost:{}?tls=required", server.port),
        )
        .env("EMAIL_FROM", "facturas@almacen.example")
        .start()
        .await;
    let (key, invoice) = approved_invoice(&untrusting, CUIT_B).await;
    let id = invoice["id"].as_str().unwrap();
    assert_eq!(
        send(&untrusting, &key, id, &json!({"to": ["cliente@example.com"]}))
            .await
            .status,
        202
    );
    assert_eq!(pass(&untrusting.state.dispatcher).await.transient, 1);
    let listed = untrusting.get(&format!("/v1/invoices/{id}/emails"), &key).await;
    assert!(!listed.text().contains(password), "{}", listed.text());
    let email = &listed.json()["data"][0];
    assert_eq!(email["status"], "pending");
    assert!(
        email["last_error"].as_str().unwrap().to_lowercase().contains("tls"),
        "{email}"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_with_growing_delays_then_delivered() {
    let server = SmtpServer::start(SmtpOptions {
        refuse: Some(("451 4.3.0 Mailbox busy, try again later".into(), Some(2))),
        ..SmtpOptions::default()
    })
    .await;
    let clock = ahead_clock();
    let app = builder(&clock)
        .env("SMTP_URL", &smtp_url(&server))
        .env("EMAIL_FROM", "facturas@almacen.example")
        .start()
        .await;
    let (key, invoice) = approved_invoice(&app, CUIT_A).await;
    let id = invoice["id"].as_str().unwrap();
    assert_eq!(
        send(&app, &key, id, &json!({"to": ["cliente@example.com"]}))
            .await
            .status,
        202
    );
    let dispatcher = &app.state.dispatcher;

    assert_eq!(pass(dispatcher).await.transient, 1);
    let email = emails(&app, &key, id).await.remove(0);
    assert_eq!(email["status"], "pending");
    assert!(email["last_error"].as_str().unwrap().contains("451"), "{email}");
    assert!(
        email["last_error"].as_str().unwrap().contains("Mailbox busy"),
        "{email}"
    );
    let next: chrono::DateTime<chrono::Utc> = email["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        (next - clock_now(&clock)).num_seconds(),
        60,
        "the first retry waits a minute"
    );

    // Not yet due: nothing is attempted.
    clock.advance(chrono::Duration::seconds(59));
    assert_eq!(pass(dispatcher).await, Pass::default());
    clock.advance(chrono::Duration::seconds(1));
    assert_eq!(pass(dispatcher).await.transient, 1);
    let email = emails(&app, &key, id).await.remove(0);
    let next: chrono::DateTime<chrono::Utc> = email["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        (next - clock_now(&clock)).num_seconds(),
        300,
        "the second waits five minutes"
    );

    clock.advance(chrono::Duration::minutes(5));
    assert_eq!(pass(dispatcher).await.delivered, 1);
    let email = emails(&app, &key, id).await.remove(0);
    assert_eq!(email["status"], "delivered");
    let outcomes: Vec<&str> = email["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["transient", "transient", "delivered"]);
    assert_eq!(server.received().len(), 1);
}

fn clock_now(clock: &ManualClock) -> chrono::DateTime<chrono::Utc> {
    arca_protocol::clock::Clock::now(clock)
}

#[tokio::test]
async fn a_permanent_refusal_fails_at_once_and_retries_are_bounded() {
    let refusing = SmtpServer::start(SmtpOptions {
        refuse: Some((
            "550 5.1.1 <cliente@example.com>: Recipient address rejected".into(),
            None,
        )),
        ..SmtpOptions::default()
    })
    .await;
    let clock = ahead_clock();
    let app = builder(&clock)
        .env("SMTP_URL", &smtp_url(&refusing))
        .env("EMAIL_FROM", "facturas@almacen.example")
        .start()
        .await;
    let (key, invoice) = approved_invoice(&app, CUIT_A).await;
    let id = invoice["id"].as_str().unwrap();
    assert_eq!(
        send(&app, &key, id, &json!({"to": ["cliente@example.com"]}))
            .await
            .status,
        202
    );
    assert_eq!(pass(&app.state.dispatcher).await.permanent, 1);
    let email = emails(&app, &key, id).await.remove(0);
    assert_eq!(email["status"], "failed");
    assert!(email["next_attempt_at"].is_null());
    let error = email["last_error"].as_str().unwrap();
    assert!(
        error.contains("550") && error.contains("Recipient address rejected"),
        "{error}"
    );
    assert_eq!(email["attempts"][0]["outcome"], "permanent");
    clock.advance(chrono::Duration::hours(7));
    assert_eq!(
        pass(&app.state.dispatcher).await,
        Pass::default(),
        "a failed email is final"
    );

    // Always 451 with one retry allowed: the second attempt ends it.
    let busy = SmtpServer::start(SmtpOptions {
        refuse: Some(("451 4.7.1 Greylisted".into(), None)),
        ..SmtpOptions::default()
    })
    .await;
    let bounded = builder(&clock)
        .env("SMTP_URL", &smtp_url(&busy))
        .env("EMAIL_FROM", "facturas@almacen.example")
        .env("OUTBOX_MAX_RETRIES", "1")
        .start()
        .await;
    let (key, invoice) = approved_invoice(&bounded, CUIT_B).await;
    let id = invoice["id"].as_str().unwrap();
    assert_eq!(
        send(&bounded, &key, id, &json!({"to": ["cliente@example.com"]}))
            .await
            .status,
        202
    );
    assert_eq!(pass(&bounded.state.dispatcher).await.transient, 1);
    clock.advance(chrono::Duration::minutes(1));
    assert_eq!(pass(&bounded.state.dispatcher).await.transient, 1);
    let email = emails(&bounded, &key, id).await.remove(0);
    assert_eq!(email["status"], "failed");
    assert!(email["last_error"].as_str().unwrap().contains("Greylisted"));
    assert_eq!(email["attempts"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn one_attempt_per_message_across_dispatchers_and_an_expired_lease_is_taken_over() {
    let server = SmtpServer::start(SmtpOptions::default()).await;
    let clock = ahead_clock();
    let app = builder(&clock)
        .env("SMTP_URL", &smtp_url(&server))
        .env("EMAIL_FROM", "facturas@almacen.example")
        .env("OUTBOX_LEASE_TTL_MS", "60000")
        .start()
        .await;
    // A second instance on the same database, its dispatcher driven too. Its issuance engine is
    // stopped: it has a simulator of its own, and on PostgreSQL it would be woken to compete for
    // the first app's series with that other ARCA.
    let other = builder(&clock)
        .instance_of(&app)
        .without_engine()
        .env("SMTP_URL", &smtp_url(&server))
        .env("EMAIL_FROM", "facturas@almacen.example")
        .env("OUTBOX_LEASE_TTL_MS", "60000")
        .start()
        .await;
    let (key, invoice) = approved_invoice(&app, CUIT_A).await;
    let id = invoice["id"].as_str().unwrap();

    // An instance took the first email and died before recording anything.
    let first = send(&app, &key, id, &json!({"to": ["uno@example.com"]})).await.json();
    let first_id = first["id"].as_str().unwrap();
    let now = clock_now(&clock);
    let claimed = arca_service::storage::outbox::claim(
        &app.storage,
        first_id,
        "dead-instance",
        now,
        now.timestamp_millis() + 60_000,
    )
    .await
    .unwrap();
    assert!(claimed.is_some());
    assert_eq!(pass(&app.state.dispatcher).await, Pass::default(), "its lease holds");
    assert_eq!(
        pass(&other.state.dispatcher).await,
        Pass::default(),
        "on every instance"
    );
    clock.advance(chrono::Duration::seconds(60));
    assert_eq!(
        pass(&other.state.dispatcher).await.delivered,
        1,
        "taken over once the lease expired"
    );
    let email = emails(&app, &key, id).await.remove(0);
    assert_eq!(email["status"], "delivered");
    let outcomes: Vec<&str> = email["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["abandoned", "delivered"]);
    // The dead instance's late report changes nothing.
    let late = arca_service::storage::outbox::finish(
        &app.storage,
        first_id,
        "dead-instance",
        1,
        &arca_service::storage::outbox::AttemptRecord {
            outcome: arca_service::outbox::AttemptOutcome::Transient,
            reply: "late",
            http_status: None,
            duration_ms: 0,
        },
        &arca_service::storage::outbox::Settlement::RetryAt(0),
        clock_now(&clock),
    )
    .await
    .unwrap();
    assert!(!late);
    assert_eq!(emails(&app, &key, id).await[0]["status"], "delivered");

    // Ten emails, two dispatchers passing at once: each email is attempted exactly once.
    for n in 0..10 {
        let response = send(&app, &key, id, &json!({"to": [format!("cliente{n}@example.com")]})).await;
        assert_eq!(response.status, 202);
    }
    let (a, b) = tokio::join!(pass(&app.state.dispatcher), pass(&other.state.dispatcher));
    assert_eq!(a.delivered + b.delivered, 10, "{a:?} {b:?}");
    assert_eq!(a.attempts() + b.attempts(), 10);
    let listed = emails(&app, &key, id).await;
    assert_eq!(listed.len(), 11);
    for email in &listed[..10] {
        assert_eq!(email["status"], "delivered");
        assert_eq!(email["attempts"].as_array().unwrap().len(), 1, "{email}");
    }
    let received = server.received();
    assert_eq!(received.len(), 11);
    let mut ids: Vec<String> = received
        .iter()
        .map(|(_, m)| m["headers"]["Message-ID"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 11, "no message sent twice");
}

#[tokio::test]
async fn approval_emails_the_customer_when_the_account_asks_and_simulator_mode_writes_eml_files() {
    let clock = ahead_clock();
    // Simulator mode (the tests' default) without SMTP_URL: mail goes to DATA_DIR/outbox/.
    let app = builder(&clock).start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    with_profile(&app, &key).await;
    let account = app.get("/v1/account", &key).await.json();
    assert_eq!(account["enviar_email_automatico"], false);
    let mut request = arca_test_support::samples::invoice_request(1);
    request["cliente"]["email"] = json!("cliente@example.com");

    // Off by default: an approval sends nothing.
    let quiet = app.post_json("/v1/invoices", &key, &request).await.json();
    assert_eq!(quiet["status"], "approved");
    assert!(emails(&app, &key, quiet["id"].as_str().unwrap()).await.is_empty());

    let changed = app
        .patch_json("/v1/account", &key, &json!({"enviar_email_automatico": true}))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.json()["enviar_email_automatico"], true);
    assert_eq!(
        app.get("/v1/account", &key).await.json()["enviar_email_automatico"],
        true
    );

    let invoice = app.post_json("/v1/invoices", &key, &request).await.json();
    assert_eq!(invoice["status"], "approved");
    let id = invoice["id"].as_str().unwrap();
    let queued = emails(&app, &key, id).await;
    assert_eq!(queued.len(), 1, "enqueued with the approval");
    assert_eq!(queued[0]["origen"], "aprobacion");
    assert_eq!(queued[0]["to"], json!(["cliente@example.com"]));
    assert_eq!(queued[0]["asunto"], "Factura B 00001-00000002");
    // An invoice without cliente.email gets none.
    let without = app
        .post_json("/v1/invoices", &key, &arca_test_support::samples::invoice_request(1))
        .await
        .json();
    assert!(emails(&app, &key, without["id"].as_str().unwrap()).await.is_empty());

    assert_eq!(pass(&app.state.dispatcher).await.delivered, 1);
    let email = emails(&app, &key, id).await.remove(0);
    assert_eq!(email["status"], "delivered");
    let file = app
        .data_dir
        .join("outbox")
        .join(format!("{}.eml", email["id"].as_str().unwrap()));
    assert!(
        email["attempts"][0]["reply"].as_str().unwrap().contains("outbox"),
        "{email}"
    );
    let eml = String::from_utf8_lossy(&std::fs::read(&file).expect("the .eml file")).into_owned();
    assert!(eml.contains("To: cliente@example.com"), "{eml}");
    assert!(eml.contains("Subject: Factura B 00001-00000002"));
    assert!(eml.contains("multipart/mixed"));
    assert!(eml.contains("filename=\"factura-00001-00000002.pdf\""));

    // A bad address is refused with the invoice, naming the field.
    request["cliente"]["email"] = json!("not an address");
    let refused = app.post_json("/v1/invoices", &key, &request).await;
    refused.problem(400, "VALIDATION_ERROR");
    assert!(
        refused.error_fields().contains(&"cliente.email".to_string()),
        "{}",
        refused.text()
    );
}

#[tokio::test]
async fn without_smtp_outside_the_simulator_the_endpoint_is_not_configured() {
    for (vars, missing) in [
        (vec![], vec!["SMTP_URL", "EMAIL_FROM"]),
        (vec![("SMTP_URL", "smtp://127.0.0.1:2525")], vec!["EMAIL_FROM"]),
    ] {
        let mut builder = TestApp::builder()
            .without_dispatcher()
            .env("ARCA_ENVIRONMENT", "homologacion");
        for (name, value) in vars {
            builder = builder.env(name, value);
        }
        let app = builder.start().await;
        let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
        let response = send(&app, &key, "inv_0123", &json!({"to": ["cliente@example.com"]})).await;
        let problem = response.problem(422, "NOT_CONFIGURED");
        assert_eq!(response.error_fields(), missing, "{problem}");
    }
}

#[tokio::test]
async fn bad_bodies_unapproved_invoices_and_other_tenants_are_refused() {
    let clock = ahead_clock();
    let app = builder(&clock).start().await;
    let (key, invoice) = approved_invoice(&app, CUIT_A).await;
    let id = invoice["id"].as_str().unwrap();

    let eleven: Vec<String> = (0..11).map(|n| format!("c{n}@example.com")).collect();
    let response = send(
        &app,
        &key,
        id,
        &json!({"to": [], "cc": eleven, "asunto": "x".repeat(201), "mensaje": "x".repeat(5001)}),
    )
    .await;
    response.problem(400, "VALIDATION_ERROR");
    let fields = response.error_fields();
    for field in ["to", "cc", "asunto", "mensaje"] {
        assert!(fields.contains(&field.to_string()), "{field}: {fields:?}");
    }
    // A subject is one line (the body's text check names it before anything else).
    let response = send(
        &app,
        &key,
        id,
        &json!({"to": ["ok@example.com"], "asunto": "dos\nlíneas"}),
    )
    .await;
    response.problem(400, "VALIDATION_ERROR");
    assert_eq!(response.error_fields(), ["asunto"]);
    let response = send(
        &app,
        &key,
        id,
        &json!({"to": ["ok@example.com", "no-arroba"], "cc": ["a@b"]}),
    )
    .await;
    response.problem(400, "VALIDATION_ERROR");
    assert_eq!(response.error_fields(), ["to[1]", "cc[0]"]);
    let long = format!("{}@example.com", "a".repeat(250));
    assert_eq!(
        send(&app, &key, id, &json!({"to": [long]})).await.error_fields(),
        ["to[0]"]
    );
    let response = send(
        &app,
        &key,
        id,
        &json!({"to": ["ok@example.com"], "bcc": ["x@example.com"]}),
    )
    .await;
    response.problem(400, "VALIDATION_ERROR");
    assert!(emails(&app, &key, id).await.is_empty(), "nothing was queued");

    send(&app, &key, "inv_missing", &json!({"to": ["ok@example.com"]}))
        .await
        .problem(404, "NOT_FOUND");
    app.get("/v1/invoices/inv_missing/emails", &key)
        .await
        .problem(404, "NOT_FOUND");

    // Only approved invoices: one still pending (its series' worker stopped) is a conflict.
    let pending_app = TestApp::builder().without_dispatcher().without_engine().start().await;
    let (_, pending_key, _) = pending_app.account_with_certificate("Otro", CUIT_B).await;
    let pending = pending_app
        .post_json_with(
            "/v1/invoices",
            &pending_key,
            &arca_test_support::samples::invoice_request(1),
            &[("prefer", "respond-async")],
        )
        .await;
    assert_eq!(pending.status, 202, "{}", pending.text());
    let pending_id = pending.json()["id"].as_str().unwrap().to_string();
    send(
        &pending_app,
        &pending_key,
        &pending_id,
        &json!({"to": ["ok@example.com"]}),
    )
    .await
    .problem(409, "CONFLICT");

    // An invoice approved before its account had an issuer profile has no PDF: refused upfront.
    let (_, other_key, _) = app.account_with_certificate("Sin perfil", CUIT_B).await;
    let bare = app
        .post_json(
            "/v1/invoices",
            &other_key,
            &arca_test_support::samples::invoice_request(1),
        )
        .await;
    assert_eq!(bare.status, 201, "{}", bare.text());
    let bare_id = bare.json()["id"].as_str().unwrap().to_string();
    send(&app, &other_key, &bare_id, &json!({"to": ["ok@example.com"]}))
        .await
        .problem(422, "ISSUER_PROFILE_REQUIRED");

    // Another tenant sees neither the invoice nor its emails.
    assert_eq!(
        send(&app, &key, id, &json!({"to": ["ok@example.com"]})).await.status,
        202
    );
    send(&app, &other_key, id, &json!({"to": ["intruso@example.com"]}))
        .await
        .problem(404, "NOT_FOUND");
    app.get(&format!("/v1/invoices/{id}/emails"), &other_key)
        .await
        .problem(404, "NOT_FOUND");
    assert_eq!(emails(&app, &key, id).await.len(), 1);
}
