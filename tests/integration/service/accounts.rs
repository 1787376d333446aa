use serde_json::json;

use arca_test_support::{ADMIN_TOKEN, CUIT_A, TestApp};

#[tokio::test]
async fn admin_creates_an_account_whose_key_reads_it() {
    let app = TestApp::start().await;
    let response = app
        .post_json(
            "/v1/accounts",
            ADMIN_TOKEN,
            &json!({"name": "Kiosco", "cuit": "20-26756539-3"}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
    let created = response.json();
    let key = created["api_key"]["key"].as_str().unwrap();
    assert!(key.starts_with("arca_test_"), "{key}");
    assert!(key.len() >= 10 + 43, "at least 32 random bytes: {key}");
    assert!(key.starts_with(created["api_key"]["prefix"].as_str().unwrap()));
    assert_eq!(created["account"]["cuit"], CUIT_A);

    let account = app.get("/v1/account", key).await;
    assert_eq!(account.status, 200, "{}", account.text());
    let account = account.json();
    assert_eq!(account["id"], created["account"]["id"]);
    assert_eq!(account["name"], "Kiosco");
    assert_eq!(account["tier"], "free");
    assert_eq!(
        account["limits"],
        json!({"monthly_invoices": 500, "requests_per_minute": 100})
    );
    assert_eq!(account["usage"]["invoices"], 0);
    assert_eq!(account["usage"]["remaining"], 500);
    assert!(account["usage"]["period"].as_str().unwrap().len() == 7);

    // X-API-Key works as well as the bearer form.
    let by_header = app.request("GET", "/v1/account", &[("x-api-key", key)], None).await;
    assert_eq!(by_header.status, 200);
}

#[tokio::test]
async fn tiers_and_overrides_set_the_limits() {
    let app = TestApp::start().await;
    let (_, pro) = app.create_account("Pro", CUIT_A, json!({"tier": "pro"})).await;
    let account = app.get("/v1/account", &pro).await.json();
    assert_eq!(
        account["limits"],
        json!({"monthly_invoices": 10000, "requests_per_minute": 1000})
    );
    let (_, enterprise) = app
        .create_account("Big", CUIT_A, json!({"tier": "enterprise", "requests_per_minute": 50}))
        .await;
    let account = app.get("/v1/account", &enterprise).await.json();
    assert_eq!(
        account["limits"],
        json!({"monthly_invoices": null, "requests_per_minute": 50})
    );
    assert_eq!(account["usage"]["remaining"], json!(null));
}

#[tokio::test]
async fn account_creation_needs_the_admin_token() {
    let app = TestApp::start().await;
    let body = json!({"name": "X", "cuit": CUIT_A});
    let anonymous = app
        .request(
            "POST",
            "/v1/accounts",
            &[("content-type", "application/json")],
            Some(body.to_string().into_bytes()),
        )
        .await;
    anonymous.problem(401, "UNAUTHORIZED");
    app.post_json("/v1/accounts", "not-the-admin-token", &body)
        .await
        .problem(401, "UNAUTHORIZED");
    // An API key is not the admin token.
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    app.post_json("/v1/accounts", &key, &body)
        .await
        .problem(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn without_admin_token_configured_account_creation_is_closed() {
    let app = TestApp::builder().env("ADMIN_TOKEN", "").start().await;
    app.post_json("/v1/accounts", "", &json!({"name": "X", "cuit": CUIT_A}))
        .await
        .problem(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn invalid_account_fields_are_all_reported() {
    let app = TestApp::start().await;
    let response = app
        .post_json(
            "/v1/accounts",
            ADMIN_TOKEN,
            &json!({"name": "", "cuit": "20267565390", "tier": "gold"}),
        )
        .await;
    response.problem(400, "VALIDATION_ERROR");
    assert_eq!(response.error_fields(), ["name", "cuit", "tier"]);
}

#[tokio::test]
async fn accounts_create_command_prints_a_working_key_once() {
    let app = TestApp::start().await;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_arca-api"));
    command
        .args([
            "accounts", "create", "--name", "Almacén", "--cuit", CUIT_A, "--tier", "pro",
        ])
        .env("DATABASE_URL", &app.database_url)
        .env("API_KEY_SALT", &app.api_key_salt)
        .env("DATA_DIR", &app.data_dir)
        .env("SECRETS_ENCRYPTION_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    let output = tokio::task::spawn_blocking(move || command.output().expect("run arca-api"))
        .await
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let key = stdout
        .split_whitespace()
        .find(|word| word.starts_with("arca_test_"))
        .unwrap_or_else(|| panic!("no key in: {stdout}"));
    assert_eq!(stdout.matches(key).count(), 1, "printed once");
    let account = app.get("/v1/account", key).await;
    assert_eq!(account.status, 200, "{}", account.text());
    assert_eq!(account.json()["tier"], "pro");
    assert_eq!(account.json()["name"], "Almacén");
}
