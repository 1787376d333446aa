//! An approved invoice's PDF over HTTP — with the API key and through its signed public link —
//! and from the operator's command, read back by real tools (poppler's `pdftotext` and
//! `pdftoppm`, zbar's `zbarimg`); the links invoice answers carry; every refusal as problem+json.
//! Expiry is reached by moving the app's `ManualClock`, never by sleeping.

use std::sync::Arc;

use arca_protocol::clock::ManualClock;
use chrono::{Duration, Utc};
use serde_json::Value;

use arca_test_support::{CUIT_A, CUIT_B, TestApp, TestResponse};

/// An approved Factura B of a fresh account with an issuer profile on `app`: (API key, the
/// invoice as answered).
async fn approved_invoice(app: &TestApp, cuit: &str) -> (String, Value) {
    let (_, key, _) = app.account_with_certificate("Almacén", cuit).await;
    let profile = serde_json::json!({
        "razon_social": "Almacén Don Pepe S.R.L.",
        "domicilio_comercial": "Av. Rivadavia 1000, CABA",
        "condicion_iva": "responsable_inscripto",
        "ingresos_brutos": "901-123456-7",
        "inicio_actividades": "2019-04-01"
    });
    let put = app.put_json("/v1/account/issuer-profile", &key, &profile).await;
    assert_eq!(put.status, 200, "{}", put.text());
    let body = arca_test_support::samples::invoice_request(1);
    let created = app.post_json("/v1/invoices", &key, &body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    (key, created.json())
}

fn id_of(invoice: &Value) -> String {
    invoice["id"].as_str().unwrap().to_string()
}

/// The public link's path and query (it is a path unless `API_URL` is set).
fn public_link(invoice: &Value) -> String {
    invoice["public_pdf_url"]
        .as_str()
        .expect("an approved invoice has a public link")
        .to_string()
}

/// GET without any credential.
async fn get_anonymous(app: &TestApp, path: &str) -> TestResponse {
    app.request("GET", path, &[], None).await
}

/// The link with `name`'s value replaced by `value` (the other parameter kept).
fn with_parameter(link: &str, name: &str, value: &str) -> String {
    let (path, query) = link.split_once('?').unwrap();
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key == name => format!("{key}={value}"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

fn parameter<'a>(link: &'a str, name: &str) -> &'a str {
    let (_, query) = link.split_once('?').unwrap();
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap()
}

fn assert_pdf(response: &TestResponse, numero_completo: &str) {
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("application/pdf"));
    assert_eq!(
        response.header("content-disposition"),
        Some(format!("inline; filename=\"factura-{numero_completo}.pdf\"").as_str())
    );
    assert_eq!(response.header("cache-control"), Some("private"));
    assert!(response.body.starts_with(b"%PDF-"), "not a PDF");
}

/// Runs a tool on `pdf` (written to a temporary file) and returns its standard output.
fn run_tool(program: &str, args_before: &[&str], pdf: &[u8], args_after: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("invoice.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new(program)
        .args(args_before)
        .arg(&path)
        .args(args_after)
        .output()
        .unwrap_or_else(|error| panic!("{program} (apt-get install poppler-utils zbar-tools): {error}"));
    assert!(
        output.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The QR codes zbar finds on page 1 rendered at 200 dpi.
fn qr_codes(pdf: &[u8]) -> Vec<String> {
    let image = run_tool("pdftoppm", &["-r", "200", "-png", "-f", "1", "-l", "1"], pdf, &[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.png");
    std::fs::write(&path, image).unwrap();
    let output = std::process::Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&path)
        .output()
        .expect("zbarimg (apt-get install zbar-tools)");
    assert!(output.status.success(), "zbarimg found no code");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn an_approved_invoice_pdf_carries_its_cae_number_and_qr() {
    let app = TestApp::start().await;
    let (key, invoice) = approved_invoice(&app, CUIT_A).await;
    let id = id_of(&invoice);
    let numero_completo = invoice["numero_completo"].as_str().unwrap();
    assert_eq!(invoice["pdf_url"], format!("/v1/invoices/{id}/pdf"));

    let response = app.get(&format!("/v1/invoices/{id}/pdf"), &key).await;
    assert_pdf(&response, numero_completo);
    let default_copies = response.body.clone();
    let explicit = app.get(&format!("/v1/invoices/{id}/pdf?copias=1"), &key).await;
    assert_eq!(
        explicit.body, default_copies,
        "copias=1 is the default, and rendering is deterministic"
    );

    let text = String::from_utf8(run_tool("pdftotext", &["-layout"], &response.body, &["-"])).unwrap();
    let cae = invoice["cae"].as_str().unwrap();
    assert!(text.contains(cae), "CAE {cae} not in:\n{text}");
    assert!(
        text.contains(numero_completo),
        "number {numero_completo} not in:\n{text}"
    );
    assert!(text.contains("ORIGINAL"), "{text}");
    assert_eq!(qr_codes(&response.body), [invoice["qr_data"].as_str().unwrap()]);

    let three = app.get(&format!("/v1/invoices/{id}/pdf?copias=3"), &key).await;
    assert_pdf(&three, numero_completo);
    let text = String::from_utf8(run_tool("pdftotext", &[], &three.body, &["-"])).unwrap();
    for copy in ["ORIGINAL", "DUPLICADO", "TRIPLICADO"] {
        assert!(text.contains(copy), "{copy} missing");
    }
}

#[tokio::test]
async fn copias_and_unknown_parameters_are_refused_naming_them() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    // Checked before the invoice is looked up: the id need not exist.
    for value in ["0", "4", "x", "1.0", "-1", "+2", "", "256", "99999999999999999999"] {
        let response = app.get(&format!("/v1/invoices/inv_x/pdf?copias={value}"), &key).await;
        response.problem(400, "VALIDATION_ERROR");
        assert_eq!(response.error_fields(), ["copias"], "copias={value}");
    }
    let response = app.get("/v1/invoices/inv_x/pdf?copies=2", &key).await;
    response.problem(400, "VALIDATION_ERROR");
    assert_eq!(response.error_fields(), ["copies"]);
    app.get("/v1/invoices/inv_x/pdf?copias=2", &key)
        .await
        .problem(404, "NOT_FOUND");
    app.request("GET", "/v1/invoices/inv_x/pdf", &[], None)
        .await
        .problem(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn an_invoice_without_a_cae_has_no_pdf_and_no_public_link() {
    // The breaker forced open: invoices are accepted as pending_retry and never sent.
    let app = TestApp::builder().env("ARCA_CIRCUIT_BREAKER", "true").start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let body = arca_test_support::samples::invoice_request(1);
    let accepted = app.post_json("/v1/invoices", &key, &body).await;
    assert_eq!(accepted.status, 202, "{}", accepted.text());
    let invoice = accepted.json();
    assert_eq!(invoice["status"], "pending_retry");
    let id = id_of(&invoice);
    assert_eq!(invoice["pdf_url"], format!("/v1/invoices/{id}/pdf"));
    assert_eq!(invoice["public_pdf_url"], Value::Null);
    let found = app.get(&format!("/v1/invoices/{id}"), &key).await.json();
    assert_eq!(found["pdf_url"], invoice["pdf_url"]);
    assert_eq!(found["public_pdf_url"], Value::Null);
    let listed = app.get("/v1/invoices", &key).await.json();
    assert_eq!(listed["data"][0]["pdf_url"], invoice["pdf_url"]);
    assert_eq!(listed["data"][0]["public_pdf_url"], Value::Null);

    let problem = app
        .get(&format!("/v1/invoices/{id}/pdf"), &key)
        .await
        .problem(409, "INVOICE_NOT_APPROVED");
    assert!(
        problem["detail"].as_str().unwrap().contains("pending_retry"),
        "{problem}"
    );
}

#[tokio::test]
async fn another_accounts_invoice_is_not_found() {
    let app = TestApp::start().await;
    let (key, invoice) = approved_invoice(&app, CUIT_A).await;
    let id = id_of(&invoice);
    let (_, other, _) = app.account_with_certificate("Otro", CUIT_B).await;
    let foreign = app.get(&format!("/v1/invoices/{id}/pdf"), &other).await;
    let missing = app.get("/v1/invoices/inv_000000000000000000000000/pdf", &other).await;
    foreign.problem(404, "NOT_FOUND");
    assert_eq!(
        foreign.json(),
        missing.problem(404, "NOT_FOUND"),
        "nothing tells them apart"
    );
    assert_eq!(app.get(&format!("/v1/invoices/{id}/pdf"), &key).await.status, 200);
}

#[tokio::test]
async fn links_appear_on_every_invoice_answer_and_the_public_one_only_when_approved() {
    let app = TestApp::start().await;
    let (key, invoice) = approved_invoice(&app, CUIT_A).await;
    let id = id_of(&invoice);
    let link = public_link(&invoice);
    assert!(
        link.starts_with(&format!("/v1/public/invoices/{id}/pdf?expires=")),
        "{link}"
    );
    let signature = parameter(&link, "signature");
    assert_eq!(signature.len(), 64);
    assert!(signature.bytes().all(|b| b.is_ascii_hexdigit()));
    let expires: i64 = parameter(&link, "expires").parse().unwrap();
    let lifetime = expires - Utc::now().timestamp();
    assert!(
        (30 * 86_400 - 60..=30 * 86_400).contains(&lifetime),
        "PUBLIC_LINK_TTL_DAYS defaults to 30: {lifetime} s"
    );
    let found = app.get(&format!("/v1/invoices/{id}"), &key).await.json();
    assert!(found["public_pdf_url"].as_str().is_some());
    assert_eq!(found["pdf_url"], format!("/v1/invoices/{id}/pdf"));
    let listed = app.get("/v1/invoices", &key).await.json();
    assert!(listed["data"][0]["public_pdf_url"].as_str().is_some());

    // With API_URL, the public link is absolute (the authenticated path stays a path).
    let absolute = TestApp::builder()
        .env("API_URL", "https://facturas.example.com/")
        .env("PUBLIC_LINK_TTL_DAYS", "7")
        .start()
        .await;
    let (_, invoice) = approved_invoice(&absolute, CUIT_A).await;
    let link = public_link(&invoice);
    assert!(
        link.starts_with("https://facturas.example.com/v1/public/invoices/"),
        "{link}"
    );
    assert!(invoice["pdf_url"].as_str().unwrap().starts_with("/v1/invoices/"));
    let expires: i64 = parameter(&link, "expires").parse().unwrap();
    assert!((7 * 86_400 - 60..=7 * 86_400).contains(&(expires - Utc::now().timestamp())));
}

#[tokio::test]
async fn a_public_link_gives_the_same_pdf_without_a_key_until_it_expires() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::builder().clock(clock.clone()).start().await;
    let (key, invoice) = approved_invoice(&app, CUIT_A).await;
    let id = id_of(&invoice);
    let link = public_link(&invoice);
    let numero_completo = invoice["numero_completo"].as_str().unwrap();

    let public = get_anonymous(&app, &link).await;
    assert_pdf(&public, numero_completo);
    assert_eq!(public.header("x-robots-tag"), Some("noindex, nofollow"));
    assert!(public.header("x-ratelimit-limit").is_some());
    let authenticated = app.get(&format!("/v1/invoices/{id}/pdf"), &key).await;
    assert_eq!(public.body, authenticated.body, "the same bytes as with the API key");

    // The last second of its lifetime still works; the next one does not.
    let expires: i64 = parameter(&link, "expires").parse().unwrap();
    clock.advance(Duration::seconds(expires - clock_now(&clock)));
    assert_eq!(get_anonymous(&app, &link).await.status, 200);
    clock.advance(Duration::seconds(1));
    let expired = get_anonymous(&app, &link).await;
    expired.problem(403, "PUBLIC_LINK_EXPIRED");
    // A fresh answer carries a fresh link, valid again.
    let found = app.get(&format!("/v1/invoices/{id}"), &key).await.json();
    assert_pdf(&get_anonymous(&app, &public_link(&found)).await, numero_completo);
}

fn clock_now(clock: &ManualClock) -> i64 {
    use arca_protocol::clock::Clock;
    clock.now().timestamp()
}

#[tokio::test]
async fn a_tampered_malformed_or_incomplete_link_is_403_whether_or_not_the_invoice_exists() {
    let app = TestApp::start().await;
    let (_, invoice) = approved_invoice(&app, CUIT_A).await;
    let id = id_of(&invoice);
    let link = public_link(&invoice);
    let signature = parameter(&link, "signature").to_string();
    let expires: i64 = parameter(&link, "expires").parse().unwrap();
    let flipped = format!(
        "{}{}",
        &signature[..63],
        if signature.ends_with('0') { "1" } else { "0" }
    );
    let other_id = "inv_000000000000000000000000";
    let query = link.split_once('?').unwrap().1;
    let tampered = [
        // Another invoice's id (it does not exist) with this link's signature.
        format!("/v1/public/invoices/{other_id}/pdf?{query}"),
        // The expiry pushed later, or earlier.
        with_parameter(&link, "expires", &(expires + 86_400).to_string()),
        with_parameter(&link, "expires", &(expires - 1).to_string()),
        // One digit of the signature changed; upper case; cut; extended; not hexadecimal.
        with_parameter(&link, "signature", &flipped),
        with_parameter(&link, "signature", &signature.to_uppercase()),
        with_parameter(&link, "signature", &signature[..62]),
        with_parameter(&link, "signature", &format!("{signature}00")),
        with_parameter(&link, "signature", &"zz".repeat(32)),
        // A malformed expiry.
        with_parameter(&link, "expires", &format!("0{expires}")),
        with_parameter(&link, "expires", "soon"),
        with_parameter(&link, "expires", &"9".repeat(40)),
        with_parameter(&link, "expires", ""),
        // Missing parts.
        format!("/v1/public/invoices/{id}/pdf?expires={expires}"),
        format!("/v1/public/invoices/{id}/pdf?signature={signature}"),
        format!("/v1/public/invoices/{id}/pdf"),
        // An id no invoice could have.
        format!("/v1/public/invoices/{}/pdf?{query}", "x".repeat(300)),
    ];
    let mut problems = Vec::new();
    for path in &tampered {
        let response = get_anonymous(&app, path).await;
        assert_eq!(response.status, 403, "{path}: {}", response.text());
        assert!(
            response.header("x-ratelimit-limit").is_none(),
            "refused before counting"
        );
        problems.push(response.problem(403, "PUBLIC_LINK_INVALID"));
    }
    assert!(
        problems.windows(2).all(|pair| pair[0] == pair[1]),
        "one answer for every bad link, existing invoice or not"
    );
    // The untouched link still works, and an API key changes nothing about a bad link.
    assert_eq!(get_anonymous(&app, &link).await.status, 200);
    let (_, key, _) = app.account_with_certificate("Otro", CUIT_B).await;
    app.get(&tampered[3], &key).await.problem(403, "PUBLIC_LINK_INVALID");
}

#[tokio::test]
async fn a_public_link_refuses_unknown_parameters_and_a_link_of_another_key() {
    let app = TestApp::start().await;
    let (_, invoice) = approved_invoice(&app, CUIT_A).await;
    let link = public_link(&invoice);
    let extra = get_anonymous(&app, &format!("{link}&copias=2")).await;
    extra.problem(400, "VALIDATION_ERROR");
    assert_eq!(extra.error_fields(), ["copias"]);
    let twice = get_anonymous(&app, &format!("{link}&expires=1")).await;
    twice.problem(400, "VALIDATION_ERROR");
    assert_eq!(twice.error_fields(), ["expires"]);

    // Another deployment (another SECRETS_ENCRYPTION_KEY) does not honour this one's links,
    // even for an invoice id it has.
    let other = TestApp::builder()
        .env("SECRETS_ENCRYPTION_KEY", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=")
        .start()
        .await;
    let (_, own) = approved_invoice(&other, CUIT_A).await;
    let own_id = id_of(&own);
    let foreign = format!(
        "/v1/public/invoices/{own_id}/pdf?{}",
        public_link(&own).split_once('?').unwrap().1
    );
    assert_eq!(get_anonymous(&other, &foreign).await.status, 200);
    let resigned = public_link(&own).replace(&own_id, &id_of(&invoice));
    get_anonymous(&app, &resigned).await.problem(403, "PUBLIC_LINK_INVALID");
    get_anonymous(&other, &link).await.problem(403, "PUBLIC_LINK_INVALID");
}

#[tokio::test]
async fn a_public_link_is_rate_limited_per_invoice() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::builder().clock(clock.clone()).start().await;
    let (_, invoice) = approved_invoice(&app, CUIT_A).await;
    let link = public_link(&invoice);
    let limit = arca_service::http::invoice_pdfs::PUBLIC_LINK_REQUESTS_PER_MINUTE;
    // Start at a window's beginning, so the whole budget falls in one window.
    let into_window = clock_now(&clock).rem_euclid(60);
    clock.advance(Duration::seconds(60 - into_window));
    for _ in 0..limit {
        assert_eq!(get_anonymous(&app, &link).await.status, 200);
    }
    let refused = get_anonymous(&app, &link).await;
    refused.problem(429, "RATE_LIMIT_EXCEEDED");
    assert!(refused.header("retry-after").is_some());
    assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
    clock.advance(Duration::seconds(60));
    assert_eq!(get_anonymous(&app, &link).await.status, 200, "a new window");
}

#[tokio::test]
async fn the_operator_command_writes_the_same_pdf() {
    let app = TestApp::start().await;
    let (key, invoice) = approved_invoice(&app, CUIT_A).await;
    let id = id_of(&invoice);
    let over_http = app.get(&format!("/v1/invoices/{id}/pdf?copias=2"), &key).await;
    assert_eq!(over_http.status, 200, "{}", over_http.text());

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("factura.pdf");
    let output = arca_api(
        &app,
        &["invoice", "pdf", &id, "--out", out.to_str().unwrap(), "--copias", "2"],
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        over_http.body,
        "the same bytes as GET …/pdf"
    );
    assert!(
        stdout.contains(&format!("/v1/public/invoices/{id}/pdf?expires=")),
        "{stdout}"
    );

    let missing = arca_api(&app, &["invoice", "pdf", "inv_nope", "--out", out.to_str().unwrap()]).await;
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such invoice"));
    let bad = arca_api(
        &app,
        &["invoice", "pdf", &id, "--out", out.to_str().unwrap(), "--copias", "4"],
    )
    .await;
    assert!(!bad.status.success());
}

/// Runs the binary against the app's database and secrets, as an operator would.
async fn arca_api(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_arca-api"));
    command
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("API_KEY_SALT", &app.api_key_salt)
        .env("DATA_DIR", &app.data_dir)
        .env("SECRETS_ENCRYPTION_KEY", &app.secrets_encryption_key)
        .env_remove("API_URL")
        .env_remove("PUBLIC_LINK_TTL_DAYS");
    tokio::task::spawn_blocking(move || command.output().expect("run arca-api"))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_openapi_document_describes_both_pdf_operations() {
    let app = TestApp::start().await;
    let document = app.request("GET", "/openapi.json", &[], None).await.json();
    let binary = &document["components"]["schemas"]["PdfDocument"];
    assert_eq!(binary["type"], "string");
    assert_eq!(binary["format"], "binary");
    let private = &document["paths"]["/v1/invoices/{id}/pdf"]["get"];
    let public = &document["paths"]["/v1/public/invoices/{id}/pdf"]["get"];
    for operation in [private, public] {
        assert_eq!(
            operation["responses"]["200"]["content"]["application/pdf"]["schema"]["$ref"],
            "#/components/schemas/PdfDocument"
        );
    }
    for status in ["400", "401", "404", "409", "429"] {
        assert!(private["responses"][status].is_object(), "{status}");
    }
    let copias = &private["parameters"][1];
    assert_eq!(copias["name"], "copias");
    assert_eq!(
        (
            copias["schema"]["minimum"].as_i64(),
            copias["schema"]["maximum"].as_i64()
        ),
        (Some(1), Some(3))
    );
    assert!(public.get("security").is_none(), "the link is the credential");
    assert!(public["responses"]["401"].is_null());
    assert!(public["responses"]["403"].is_object());
    let names: Vec<&str> = public["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|parameter| parameter["in"] == "query")
        .map(|parameter| {
            assert_eq!(parameter["required"], true);
            parameter["name"].as_str().unwrap()
        })
        .collect();
    assert_eq!(names, ["expires", "signature"]);
    let view = &document["components"]["schemas"]["InvoiceView"];
    assert!(view["required"].as_array().unwrap().contains(&"pdf_url".into()));
    assert!(view["properties"]["public_pdf_url"].is_object());
}
