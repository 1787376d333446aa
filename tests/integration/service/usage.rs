//! Monthly usage (`usage` table), `GET /v1/account`'s usage block, and the quota check the
//! invoices endpoint will call (called directly here: no endpoint consumes it yet).

use arca_service::http::error::ApiError;
use arca_service::{Error, accounts, usage};
use chrono::Utc;
use serde_json::json;

use arca_test_support::{CUIT_A, CUIT_B, TestApp};

async fn count_invoices(app: &TestApp, account: &str, month: &str, invoices: usize) -> i64 {
    let mut last = 0;
    for _ in 0..invoices {
        let mut transaction = app.storage.begin().await.unwrap();
        last = usage::increment_usage(&mut transaction, account, month, 1)
            .await
            .unwrap();
        transaction.commit().await.unwrap();
    }
    last
}

#[tokio::test]
async fn usage_is_counted_per_account_and_month() {
    let app = TestApp::start().await;
    let (account, key) = app.create_account("A", CUIT_A, json!({"monthly_quota": 10})).await;
    let (other, _) = app.create_account("B", CUIT_B, json!({})).await;
    let month = usage::month_of(Utc::now());

    let before = app.get("/v1/account", &key).await.json();
    assert_eq!(
        before["usage"],
        json!({"period": month, "invoices": 0, "remaining": 10})
    );

    assert_eq!(count_invoices(&app, &account, &month, 3).await, 3, "the running count");
    count_invoices(&app, &account, "2001-01", 5).await;
    count_invoices(&app, &other, &month, 2).await;
    // Rolled back with its invoice: not counted.
    let mut transaction = app.storage.begin().await.unwrap();
    usage::increment_usage(&mut transaction, &account, &month, 1)
        .await
        .unwrap();
    drop(transaction);

    assert_eq!(usage::usage(&app.storage, &account, &month).await.unwrap(), 3);
    assert_eq!(usage::usage(&app.storage, &account, "2001-01").await.unwrap(), 5);
    assert_eq!(usage::usage(&app.storage, &account, "2001-02").await.unwrap(), 0);
    let after = app.get("/v1/account", &key).await.json();
    assert_eq!(after["usage"], json!({"period": month, "invoices": 3, "remaining": 7}));
}

#[tokio::test]
async fn an_exhausted_quota_is_402_payment_required() {
    let app = TestApp::start().await;
    let (account_id, key) = app.create_account("A", CUIT_A, json!({"monthly_quota": 2})).await;
    let account = accounts::find(&app.storage, &account_id).await.unwrap();
    let now = Utc::now();
    let month = usage::month_of(now);

    usage::check_quota(&app.storage, &account, now).await.expect("0 of 2");
    count_invoices(&app, &account_id, &month, 1).await;
    usage::check_quota(&app.storage, &account, now).await.expect("1 of 2");
    count_invoices(&app, &account_id, &month, 1).await;

    let error = usage::check_quota(&app.storage, &account, now).await.unwrap_err();
    assert!(
        matches!(&error, Error::QuotaExceeded { quota: 2, used: 2, month: counted } if *counted == month),
        "{error:?}"
    );
    let error = ApiError::from(error);
    assert_eq!(error.status().as_u16(), 402);
    let problem = serde_json::to_value(error.problem()).unwrap();
    assert_eq!(problem["code"], "PAYMENT_REQUIRED");
    assert_eq!(problem["status"], 402);
    assert_eq!(problem["retryable"], false);
    assert!(problem["detail"].as_str().unwrap().contains("quota"), "{problem}");
    assert_eq!(app.get("/v1/account", &key).await.json()["usage"]["remaining"], 0);

    // Last month's invoices do not count against this month.
    let (fresh_id, _) = app.create_account("B", CUIT_B, json!({"monthly_quota": 1})).await;
    count_invoices(&app, &fresh_id, "2001-01", 3).await;
    let fresh = accounts::find(&app.storage, &fresh_id).await.unwrap();
    usage::check_quota(&app.storage, &fresh, now)
        .await
        .expect("a new month");
}

#[tokio::test]
async fn unlimited_accounts_always_pass() {
    let app = TestApp::start().await;
    let (account_id, key) = app.create_account("A", CUIT_A, json!({"tier": "enterprise"})).await;
    count_invoices(&app, &account_id, &usage::month_of(Utc::now()), 3).await;
    let account = accounts::find(&app.storage, &account_id).await.unwrap();
    usage::check_quota(&app.storage, &account, Utc::now()).await.unwrap();
    let view = app.get("/v1/account", &key).await.json();
    assert_eq!(view["usage"]["invoices"], 3);
    assert_eq!(view["usage"]["remaining"], serde_json::Value::Null);
}

/// An account without a quota counts on shards of its month (migration 0023), so concurrent
/// acceptances do not wait on one row: the month's count is their sum, whichever shard each
/// picked; an exact increment (an account given a quota later) returns the whole count; and
/// migrating down folds the shards back into one row per month.
#[tokio::test]
async fn counts_without_a_quota_are_spread_over_shards_and_summed() {
    let app = TestApp::start().await;
    let (account, _) = app.create_account("A", CUIT_A, json!({})).await;
    let month = usage::month_of(Utc::now());
    for _ in 0..40 {
        let mut transaction = app.storage.begin().await.unwrap();
        usage::count_usage(&mut transaction, &account, &month, 1).await.unwrap();
        transaction.commit().await.unwrap();
    }
    assert_eq!(usage::usage(&app.storage, &account, &month).await.unwrap(), 40);
    let rows: i64 = match &app.storage {
        arca_service::Storage::Postgres(pool) => sqlx::query_scalar("SELECT COUNT(*) FROM usage WHERE account_id = $1")
            .bind(&account)
            .fetch_one(pool)
            .await
            .unwrap(),
        arca_service::Storage::Sqlite(pool) => sqlx::query_scalar("SELECT COUNT(*) FROM usage WHERE account_id = $1")
            .bind(&account)
            .fetch_one(pool)
            .await
            .unwrap(),
    };
    assert!(rows > 1, "40 counts on {rows} shard(s)");
    assert_eq!(
        count_invoices(&app, &account, &month, 1).await,
        41,
        "the exact count sums every shard"
    );

    use arca_service::storage::migrations;
    assert_eq!(migrations::down(&app.storage, 1).await.unwrap(), 1);
    assert_eq!(
        usage::usage(&app.storage, &account, &month).await.unwrap(),
        41,
        "folded into one row"
    );
    migrations::up(&app.storage).await.unwrap();
    assert_eq!(usage::usage(&app.storage, &account, &month).await.unwrap(), 41);
}
