use std::process::Command;

use arca_service::storage::migrations;

use arca_test_support::TestApp;

#[tokio::test]
async fn migrations_go_down_to_zero_and_up_again() {
    let app = TestApp::start().await;
    let status = migrations::status(&app.storage).await.unwrap();
    assert!(status.len() >= 2);
    assert!(status.iter().all(|migration| migration.applied));
    assert_eq!(status[0].name(), "0001_accounts");

    assert_eq!(migrations::down(&app.storage, 1).await.unwrap(), 1);
    let pending = migrations::pending(&app.storage).await.unwrap();
    assert_eq!(pending, [status.last().unwrap().name()]);

    let reverted = migrations::down(&app.storage, 100).await.unwrap();
    assert_eq!(reverted, status.len() - 1);
    assert_eq!(migrations::pending(&app.storage).await.unwrap().len(), status.len());

    migrations::up(&app.storage).await.unwrap();
    assert!(migrations::pending(&app.storage).await.unwrap().is_empty());
    // The schema is usable again.
    let (_, key) = app
        .create_account("A", arca_test_support::CUIT_A, serde_json::json!({}))
        .await;
    assert_eq!(app.get("/v1/account", &key).await.status, 200);
}

fn cli(database_url: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_arca-api"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .output()
        .expect("run arca-api");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn migrate_command_reports_and_moves_the_schema() {
    let app = TestApp::start().await;
    let url = app.database_url.clone();
    // The two newest migrations, whichever they are.
    let names: Vec<String> = migrations::status(&app.storage)
        .await
        .unwrap()
        .iter()
        .map(|migration| migration.name())
        .collect();
    let newest = &names[names.len() - 2..];
    let status = tokio::task::spawn_blocking(move || {
        let before = cli(&url, &["migrate", "status"]);
        let down = cli(&url, &["migrate", "down", "2"]);
        let middle = cli(&url, &["migrate", "status"]);
        let up = cli(&url, &["migrate", "up"]);
        let after = cli(&url, &["migrate", "status"]);
        (before, down, middle, up, after)
    })
    .await
    .unwrap();
    let (before, down, middle, up, after) = status;
    assert!(before.contains("applied  0001_accounts"), "{before}");
    assert!(before.contains("applied  0002_api_keys"), "{before}");
    assert_eq!(down.trim(), "reverted 2 migration(s)");
    assert!(middle.contains("applied  0001_accounts"), "{middle}");
    for name in newest {
        assert!(middle.contains(&format!("pending  {name}")), "{middle}");
        assert!(up.contains(&format!("applied {name}")), "{up}");
    }
    assert_eq!(after, before);
}

#[tokio::test]
async fn serve_refuses_pending_migrations_without_the_flag() {
    let app = TestApp::start().await;
    migrations::down(&app.storage, 1).await.unwrap();
    let url = app.database_url.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_arca-api"))
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("ARCA_ENVIRONMENT", "homologacion")
            .env("SECRETS_ENCRYPTION_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
            .env("API_KEY_SALT", "0123456789abcdef")
            .env("PORT", "0")
            .output()
            .expect("run arca-api")
    })
    .await
    .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("migration(s) pending") && stderr.contains("--migrate"),
        "{stderr}"
    );
}
