use arca_service::storage::invoices::InvoiceStatus;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use arca_protocol::certificate::Credentials;
use arca_protocol::clock::{Clock, ManualClock, SystemClock};
use arca_protocol::secret::Secret;
use arca_protocol::transport::{HttpTransport, Timeouts};
use arca_protocol::wsaa::WsaaClient;
use arca_service::arca::ArcaService;
use arca_service::arca::tickets::TicketStore;
use arca_service::config::RedisConfig;
use arca_service::crypto::Secrets;
use chrono::Duration;

use arca_test_support::{CUIT_A, TestApp, uses_postgres};

/// One "instance": its own store (own memory, own Redis connection) on the app's database.
async fn instance(app: &TestApp, clock: Arc<dyn Clock>, redis_prefix: &str) -> Arc<TicketStore> {
    instance_with(app, clock, Some(redis_prefix)).await
}

/// Redis only with `TEST_DATABASE=postgres` and a prefix; otherwise the database lock.
async fn instance_with(app: &TestApp, clock: Arc<dyn Clock>, redis_prefix: Option<&str>) -> Arc<TicketStore> {
    let redis = if let Some(redis_prefix) = redis_prefix.filter(|_| uses_postgres()) {
        let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let config = RedisConfig {
            url: Secret::new(url),
            key_prefix: redis_prefix.to_string(),
            tls_root_cert: None,
        };
        let connection = arca_service::app::connect_redis(&config).await.expect("Redis");
        Some((connection, redis_prefix.to_string()))
    } else {
        None
    };
    let secrets = Secrets::from_base64(&Secret::new(app.secrets_encryption_key.clone())).unwrap();
    let transport = HttpTransport::new(Timeouts::default(), Vec::new()).unwrap();
    Arc::new(TicketStore::new(
        app.storage.clone(),
        secrets,
        WsaaClient::new(app.simulator.wsaa_url(), transport),
        "simulator",
        StdDuration::from_secs(600),
        clock,
        redis,
    ))
}

fn credentials(app: &TestApp) -> Credentials {
    let (certificate_pem, key_pem) = app.issue_certificate(CUIT_A, "tickets");
    Credentials::from_pem(certificate_pem.as_bytes(), key_pem.as_bytes()).unwrap()
}

fn prefix() -> String {
    format!("arca-test-tickets-{}:", rand::random::<u64>())
}

#[tokio::test]
async fn two_instances_racing_forty_requests_cause_one_login() {
    let app = TestApp::start().await;
    let credentials = Arc::new(credentials(&app));
    let prefix = prefix();
    let first = instance(&app, Arc::new(SystemClock), &prefix).await;
    let second = instance(&app, Arc::new(SystemClock), &prefix).await;
    let mut callers = Vec::new();
    for n in 0..40 {
        let store = if n % 2 == 0 { first.clone() } else { second.clone() };
        let credentials = credentials.clone();
        callers.push(tokio::spawn(async move {
            store.get_ticket(&credentials, ArcaService::Wsfe).await
        }));
    }
    let mut tokens = Vec::new();
    for caller in callers {
        let ticket = caller.await.unwrap().expect("a ticket");
        tokens.push(ticket.token.expose().to_string());
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "everyone got the same ticket");
    assert_eq!(app.simulator.calls("loginCms"), 1);
}

/// Without Redis the database's lock (PostgreSQL advisory lock, SQLite write lock) serializes
/// the instances.
#[tokio::test]
async fn without_redis_the_database_lock_makes_it_one_login_too() {
    let app = TestApp::start().await;
    let credentials = Arc::new(credentials(&app));
    let first = instance_with(&app, Arc::new(SystemClock), None).await;
    let second = instance_with(&app, Arc::new(SystemClock), None).await;
    let mut callers = Vec::new();
    for n in 0..40 {
        let store = if n % 2 == 0 { first.clone() } else { second.clone() };
        let credentials = credentials.clone();
        callers.push(tokio::spawn(async move {
            store.get_ticket(&credentials, ArcaService::Wsfe).await
        }));
    }
    for caller in callers {
        caller.await.unwrap().expect("a ticket");
    }
    assert_eq!(app.simulator.calls("loginCms"), 1);
}

#[tokio::test]
async fn a_restart_reuses_the_stored_ticket_which_is_encrypted() {
    let app = TestApp::start().await;
    let credentials = credentials(&app);
    let before = instance(&app, Arc::new(SystemClock), &prefix()).await;
    let ticket = before.get_ticket(&credentials, ArcaService::Wsfe).await.unwrap();
    drop(before);
    let after = instance(&app, Arc::new(SystemClock), &prefix()).await;
    let again = after.get_ticket(&credentials, ArcaService::Wsfe).await.unwrap();
    assert_eq!(again, ticket);
    assert_eq!(app.simulator.calls("loginCms"), 1, "no new login after the restart");

    const SQL: &str = "SELECT token_encrypted FROM access_tickets";
    let stored: Vec<u8> = match &app.storage {
        arca_service::Storage::Postgres(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await.unwrap(),
        arca_service::Storage::Sqlite(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await.unwrap(),
    };
    let token = ticket.token.expose().as_bytes();
    assert!(
        !stored.windows(16).any(|window| window == &token[..16]),
        "the token is not stored in clear"
    );
}

#[tokio::test]
async fn the_ticket_is_renewed_inside_the_window_and_not_before() {
    let app = TestApp::start().await;
    let credentials = credentials(&app);
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let store = instance(&app, clock.clone(), &prefix()).await;
    let first = store.get_ticket(&credentials, ArcaService::Wsfe).await.unwrap();

    // 15 minutes left: more than ARCA_TOKEN_RENEW_BEFORE_SECONDS (600), so no renewal.
    let advance = |by: Duration| {
        clock.advance(by);
        app.simulator.advance_clock(by);
    };
    advance(Duration::hours(11) + Duration::minutes(45));
    assert_eq!(store.get_ticket(&credentials, ArcaService::Wsfe).await.unwrap(), first);
    assert_eq!(app.simulator.calls("loginCms"), 1);

    // 5 minutes left: inside the window, renewed once.
    advance(Duration::minutes(10));
    let renewed = store.get_ticket(&credentials, ArcaService::Wsfe).await.unwrap();
    assert_ne!(renewed.token, first.token);
    assert!(renewed.expiration_time > first.expiration_time);
    assert_eq!(
        store.get_ticket(&credentials, ArcaService::Wsfe).await.unwrap(),
        renewed
    );
    assert_eq!(app.simulator.calls("loginCms"), 2);

    // Another instance at the same moment finds the renewed ticket in the database.
    let other = instance(&app, clock.clone(), &prefix()).await;
    assert_eq!(
        other.get_ticket(&credentials, ArcaService::Wsfe).await.unwrap(),
        renewed
    );
    assert_eq!(app.simulator.calls("loginCms"), 2);
}

/// WSFEv1 refuses the stored ticket with 600 (here: ARCA's clock has moved past its expiry while
/// ours, 2 minutes behind, has not): the engine discards it, logs in again, and the invoice is
/// issued.
#[tokio::test]
async fn a_ticket_wsfe_refuses_with_600_is_discarded_and_replaced() {
    let app = TestApp::builder()
        .env("ARCA_TOKEN_RENEW_BEFORE_SECONDS", "1")
        .start()
        .await;
    app.simulator.set_ticket_lifetime(Duration::seconds(60));
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let bearer = format!("Bearer {key}");
    let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];
    let invoice = serde_json::json!({"mode": "advanced", "tipo_comprobante": 6, "punto_venta": 1,
        "concepto": "productos",
        "cliente": {"documento_tipo": 99, "documento_numero": "0", "condicion_iva": "consumidor_final"},
        "items": [{"descripcion": "Yerba", "cantidad": 1, "precio_unitario": "100.00", "iva_porcentaje": 21}]});
    let body = serde_json::to_vec(&invoice).unwrap();
    let first = app.request("POST", "/v1/invoices", &headers, Some(body.clone())).await;
    assert_eq!(first.status, 201, "{}", first.json());
    let logins_before = app.simulator.calls("loginCms");

    app.simulator.advance_clock(Duration::seconds(120));
    let second = app.request("POST", "/v1/invoices", &headers, Some(body)).await;
    let id = second.json()["id"].as_str().unwrap().to_string();
    let row = app
        .state
        .engine
        .wait_final(&id, StdDuration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(row.status, InvoiceStatus::Approved, "{row:#?}");
    assert_eq!(
        app.simulator.calls("loginCms"),
        logins_before + 1,
        "one new login replaced the refused ticket"
    );
}
