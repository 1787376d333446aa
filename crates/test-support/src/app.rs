//! [`TestApp`]: the service on 127.0.0.1:0 against a fresh database, and a small HTTP client.
//! It never shares a database, a Redis key prefix or a simulator between two apps unless told
//! to ([`TestAppBuilder::instance_of`]).
//!
//! `TEST_DATABASE=postgres` switches to PostgreSQL (`TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`: a database `arca_test_<random>` is created
//! there and dropped when the app is) plus Redis (`TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`, under a random key prefix so runs never share counters).
//!
//! Every app talks to its own in-process ARCA simulator (`TestApp::simulator`), as `serve` does
//! in simulator mode; [`TestApp::account_with_certificate`] makes an account that can use it.

use std::collections::HashMap;

use arca_service::config::Config;
use arca_service::storage::migrations;
use arca_service::{App, Storage};
use arca_simulator::{RunningSimulator, Simulator};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::HeaderMap;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand::RngCore;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::scratch::ScratchDatabase;

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

pub struct TestApp {
    pub base_url: String,
    /// The running service's state (its issuance engine, for awaiting results without polling).
    pub state: arca_service::app::AppState,
    pub storage: Storage,
    pub database_url: String,
    /// `REDIS_URL` and `REDIS_KEY_PREFIX`, when the app uses Redis.
    pub redis: Option<(String, String)>,
    /// The service's `API_KEY_SALT` and `DATA_DIR`, for running the CLI against the same data.
    pub api_key_salt: String,
    pub data_dir: std::path::PathBuf,
    /// The ARCA simulator the app's WSAA and WSFEv1 endpoints point at.
    pub simulator: RunningSimulator,
    /// The service's `SECRETS_ENCRYPTION_KEY`.
    pub secrets_encryption_key: String,
    client: Client<HttpConnector, Full<Bytes>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
    postgres_database: Option<ScratchDatabase>,
    _dir: TempDir,
}

/// Knobs: extra environment variables for the service's configuration, Redis, and running as
/// a second instance of another app.
#[derive(Default)]
pub struct TestAppBuilder {
    vars: Vec<(String, String)>,
    redis: bool,
    shared: Option<Shared>,
    without_engine: bool,
    without_dispatcher: bool,
    clock: Option<std::sync::Arc<dyn arca_protocol::clock::Clock>>,
}

/// What a second instance takes from the first: database, salt and Redis.
struct Shared {
    database_url: String,
    api_key_salt: String,
    redis: Option<(String, String)>,
}

/// `TEST_REDIS_URL`, default `redis://127.0.0.1:6379`.
fn test_redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

pub fn uses_postgres() -> bool {
    std::env::var("TEST_DATABASE").is_ok_and(|value| value == "postgres")
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    buffer.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl TestAppBuilder {
    pub fn env(mut self, name: &str, value: &str) -> TestAppBuilder {
        self.vars.push((name.to_string(), value.to_string()));
        self
    }

    /// Uses Redis (`TEST_REDIS_URL`) even on SQLite, under a fresh key prefix.
    pub fn redis(mut self) -> TestAppBuilder {
        self.redis = true;
        self
    }

    /// Runs as another instance of `app`: the same database (never dropped by this one), the
    /// same `API_KEY_SALT` and the same Redis and key prefix, if any.
    pub fn instance_of(mut self, app: &TestApp) -> TestAppBuilder {
        self.shared = Some(Shared {
            database_url: app.database_url.clone(),
            api_key_salt: app.api_key_salt.clone(),
            redis: app.redis.clone(),
        });
        self
    }

    /// Stops the app's issuance engine before it serves: the engines a test builds itself are
    /// then the only ones (the app's own would be woken by their notifications on PostgreSQL and
    /// compete for the series with another ARCA).
    pub fn without_engine(mut self) -> TestAppBuilder {
        self.without_engine = true;
        self
    }

    /// Stops the app's outbox dispatcher before it serves: the test drives passes itself
    /// (`app.state.dispatcher.run_once()`), moving the app's clock between them.
    pub fn without_dispatcher(mut self) -> TestAppBuilder {
        self.without_dispatcher = true;
        self
    }

    /// Time for the app's circuit breaker, `/health/arca` cache and outbox dispatcher (a
    /// `ManualClock` the test moves), instead of the machine's.
    pub fn clock(mut self, clock: std::sync::Arc<dyn arca_protocol::clock::Clock>) -> TestAppBuilder {
        self.clock = Some(clock);
        self
    }

    pub async fn start(self) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut vars: HashMap<String, String> = HashMap::new();
        let mut set = |name: &str, value: String| vars.insert(name.to_string(), value);
        set("DATA_DIR", dir.path().display().to_string());
        set("ADMIN_TOKEN", ADMIN_TOKEN.into());
        set("API_KEY_SALT", random_hex(16));
        set(
            "SECRETS_ENCRYPTION_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        );
        set("DATABASE_POOL_SIZE", "5".into());
        let postgres_database = if let Some(shared) = &self.shared {
            set("DATABASE_URL", shared.database_url.clone());
            set("API_KEY_SALT", shared.api_key_salt.clone());
            if let Some((url, prefix)) = &shared.redis {
                set("REDIS_URL", url.clone());
                set("REDIS_KEY_PREFIX", prefix.clone());
            }
            None
        } else if uses_postgres() {
            let admin_url = std::env::var("TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let database = ScratchDatabase::create(&admin_url, "arca_test")
                .await
                .expect("create a test database on PostgreSQL at TEST_POSTGRES_URL");
            set("DATABASE_URL", database.url());
            set("REDIS_URL", test_redis_url());
            set("REDIS_KEY_PREFIX", format!("arca-test-{}:", random_hex(8)));
            Some(database)
        } else {
            set(
                "DATABASE_URL",
                format!("sqlite://{}", dir.path().join("arca-api.db").display()),
            );
            if self.redis {
                set("REDIS_URL", test_redis_url());
                set("REDIS_KEY_PREFIX", format!("arca-test-{}:", random_hex(8)));
            }
            None
        };
        let simulator = Simulator::from_ca_dir(&dir.path().join("simulator-ca"))
            .expect("simulator CA")
            .spawn("127.0.0.1:0".parse().unwrap())
            .await
            .expect("simulator");
        set("ARCA_WSAA_URL", simulator.wsaa_url());
        set("ARCA_WSFE_URL", simulator.wsfe_url());
        for (name, value) in self.vars {
            vars.insert(name, value);
        }
        let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("test configuration");
        let database_url = config.database.url.expose().to_string();
        let redis = config
            .redis
            .as_ref()
            .map(|redis| (redis.url.expose().to_string(), redis.key_prefix.clone()));
        let api_key_salt = config.security.api_key_salt.expose().to_string();
        let data_dir = config.data_dir.clone();
        let secrets_encryption_key = config.security.secrets_encryption_key.expose().to_string();
        let storage = Storage::connect(&config.database).await.expect("connect");
        migrations::up(&storage).await.expect("migrate");
        let app = match self.clock {
            Some(clock) => App::with_clock(config, storage.clone(), clock).await,
            None => App::new(config, storage.clone()).await,
        }
        .expect("app");
        let state = app.state().clone();
        if self.without_engine {
            state.engine.stop();
        }
        if self.without_dispatcher {
            state.dispatcher.stop();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.serve(listener, async {
                let _ = stop.await;
            })
            .await
            .expect("serve");
        });
        TestApp {
            base_url,
            state,
            storage,
            database_url,
            redis,
            api_key_salt,
            data_dir,
            simulator,
            secrets_encryption_key,
            client: Client::builder(TokioExecutor::new()).build_http(),
            shutdown: Some(shutdown),
            server,
            postgres_database,
            _dir: dir,
        }
    }
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    pub async fn start() -> TestApp {
        TestApp::builder().start().await
    }

    /// Sends a request; a 500 fails the test whatever it asserts next.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> TestResponse {
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base_url));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(Full::new(Bytes::from(body.unwrap_or_default()))).unwrap();
        let response = self.client.request(request).await.expect("the service answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("body").to_bytes();
        assert_ne!(
            status,
            500,
            "{method} {path} answered 500: {}",
            String::from_utf8_lossy(&body)
        );
        TestResponse { status, headers, body }
    }

    pub async fn get(&self, path: &str, key: &str) -> TestResponse {
        let bearer = format!("Bearer {key}");
        self.request("GET", path, &[("authorization", &bearer)], None).await
    }

    pub async fn delete(&self, path: &str, key: &str) -> TestResponse {
        let bearer = format!("Bearer {key}");
        self.request("DELETE", path, &[("authorization", &bearer)], None).await
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> TestResponse {
        self.post_json_with(path, token, body, &[]).await
    }

    /// [`TestApp::post_json`] with more headers (an `Idempotency-Key`, say).
    pub async fn post_json_with(&self, path: &str, token: &str, body: &Value, extra: &[(&str, &str)]) -> TestResponse {
        let bearer = format!("Bearer {token}");
        let mut headers = vec![("authorization", bearer.as_str()), ("content-type", "application/json")];
        headers.extend_from_slice(extra);
        self.request("POST", path, &headers, Some(serde_json::to_vec(body).unwrap()))
            .await
    }

    pub async fn patch_json(&self, path: &str, key: &str, body: &Value) -> TestResponse {
        let bearer = format!("Bearer {key}");
        let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];
        self.request("PATCH", path, &headers, Some(serde_json::to_vec(body).unwrap()))
            .await
    }

    pub async fn put_json(&self, path: &str, key: &str, body: &Value) -> TestResponse {
        let bearer = format!("Bearer {key}");
        let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];
        self.request("PUT", path, &headers, Some(serde_json::to_vec(body).unwrap()))
            .await
    }

    /// A certificate for `cuit` from the simulator's CA (valid from a month ago): (cert, key) PEM.
    pub fn issue_certificate(&self, cuit: &str, alias: &str) -> (String, String) {
        let (certificate, key) = self
            .simulator
            .ca()
            .issue(cuit, alias, chrono::Utc::now() - chrono::Duration::days(30))
            .expect("issue");
        (
            String::from_utf8(certificate.to_pem().unwrap()).unwrap(),
            String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap(),
        )
    }

    /// An account with CUIT `cuit` and an uploaded certificate: (account id, key, certificate id).
    pub async fn account_with_certificate(&self, name: &str, cuit: &str) -> (String, String, String) {
        let (account, key) = self.create_account(name, cuit, json!({})).await;
        let (certificate_pem, private_key_pem) = self.issue_certificate(cuit, name);
        let body = json!({"certificate_pem": certificate_pem, "private_key_pem": private_key_pem});
        let response = self.post_json("/v1/certificates", &key, &body).await;
        assert_eq!(response.status, 201, "{}", response.text());
        let id = response.json()["id"].as_str().unwrap().to_string();
        (account, key, id)
    }

    /// POSTs JSON to any URL (the simulator's control API): (status, body).
    pub async fn post_json_to(&self, url: &str, body: &Value) -> (u16, Value) {
        self.send_json_to("POST", url, body).await
    }

    /// Sends JSON with `method` to any URL (the simulator's control API): (status, body).
    pub async fn send_json_to(&self, method: &str, url: &str, body: &Value) -> (u16, Value) {
        let request = hyper::Request::builder()
            .method(method)
            .uri(url)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(serde_json::to_vec(body).unwrap())))
            .unwrap();
        let response = self.client.request(request).await.expect("answers");
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.expect("body").to_bytes();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// Creates an account through the admin API; returns (account id, its first key).
    pub async fn create_account(&self, name: &str, cuit: &str, extra: Value) -> (String, String) {
        let mut body = json!({"name": name, "cuit": cuit});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let response = self.post_json("/v1/accounts", ADMIN_TOKEN, &body).await;
        assert_eq!(response.status, 201, "{}", response.text());
        let created = response.json();
        (
            created["account"]["id"].as_str().unwrap().to_string(),
            created["api_key"]["key"].as_str().unwrap().to_string(),
        )
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.server.abort();
        if let Some(database) = self.postgres_database.take() {
            // Drop runs inside the test's runtime: the database is dropped from a thread of its own.
            database.drop_blocking();
        }
    }
}

pub struct TestResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Checks the problem+json shape and returns the problem.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.header("content-type"), Some("application/problem+json"));
        let problem = self.json();
        assert_eq!(problem["status"], status);
        assert_eq!(problem["code"], code, "{problem}");
        for field in ["type", "title", "detail"] {
            assert!(problem[field].is_string(), "{field} missing: {problem}");
        }
        assert!(problem["retryable"].is_boolean());
        problem
    }

    /// The `field` names of a validation problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|error| error["field"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}
