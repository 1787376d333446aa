//! TLS to the data stores, against real servers: the local PostgreSQL with TLS on and a
//! redis-server speaking TLS only, both set up by `scripts/tls-services.sh` (a CA of its own,
//! a server certificate for `localhost` only, and a second CA that signed nothing).
//!
//! Gated by `ARCA_TLS_TESTS=1` (set by `.ci/run`), so the README's `cargo test --workspace`
//! passes on a machine without those servers: unset, each test prints a skip line and returns;
//! set, a missing server or file fails the test with what to run.

use std::path::PathBuf;

use arca_service::app::connect_redis;
use arca_service::config::Config;
use arca_service::storage::{Storage, migrations};
use arca_test_support::scratch::ScratchDatabase;

/// Where the TLS servers are.
struct TlsServices {
    ca: PathBuf,
    other_ca: PathBuf,
    pg_port: u16,
    redis_port: u16,
}

/// The TLS servers, or `None` (with a skip line) when `ARCA_TLS_TESTS` is not `1`.
#[allow(clippy::print_stderr)]
fn tls_services(test: &str) -> Option<TlsServices> {
    if std::env::var("ARCA_TLS_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped {test}: set ARCA_TLS_TESTS=1 after running scripts/tls-services.sh");
        return None;
    }
    let dir = PathBuf::from(std::env::var("ARCA_TLS_DIR").unwrap_or_else(|_| "/var/lib/arca-ci-tls".into()));
    let port =
        |name: &str, default: u16| std::env::var(name).map_or(default, |text| text.parse().expect("a port number"));
    let services = TlsServices {
        ca: dir.join("ca.pem"),
        other_ca: dir.join("other-ca.pem"),
        pg_port: port("ARCA_TLS_PG_PORT", 5432),
        redis_port: port("ARCA_TLS_REDIS_PORT", 6390),
    };
    for file in [&services.ca, &services.other_ca] {
        assert!(
            file.is_file(),
            "ARCA_TLS_TESTS=1 but {} is missing: run scripts/tls-services.sh",
            file.display()
        );
    }
    for port in [services.pg_port, services.redis_port] {
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
            "ARCA_TLS_TESTS=1 but nothing listens on 127.0.0.1:{port}: run scripts/tls-services.sh"
        );
    }
    Some(services)
}

impl TlsServices {
    fn pg_url(&self, host: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres{query}", self.pg_port)
    }
}

/// The service's configuration from these variables (the data directory a temporary one).
fn config(vars: &[(&str, String)]) -> Result<Config, arca_service::config::ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let mut all: Vec<(String, String)> = vars.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect();
    all.push(("DATA_DIR".into(), dir.path().display().to_string()));
    Config::from_lookup(|name| all.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
}

/// Whether the connection the pool hands out is encrypted, from the server's side.
async fn encrypted(storage: &Storage) -> bool {
    let Storage::Postgres(pool) = storage else {
        panic!("expected PostgreSQL")
    };
    sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn connect(vars: &[(&str, String)]) -> Result<Storage, arca_service::Error> {
    Storage::connect(&config(vars).unwrap().database).await
}

#[tokio::test]
async fn postgres_sslmode_require_in_the_url_encrypts() {
    let Some(tls) = tls_services("postgres_sslmode_require_in_the_url_encrypts") else {
        return;
    };
    let storage = connect(&[("DATABASE_URL", tls.pg_url("127.0.0.1", "?sslmode=require"))])
        .await
        .unwrap();
    assert!(encrypted(&storage).await);
}

#[tokio::test]
async fn postgres_verify_full_from_database_ssl_runs_the_migrations_encrypted() {
    let Some(tls) = tls_services("postgres_verify_full_from_database_ssl_runs_the_migrations_encrypted") else {
        return;
    };
    // The URL says nothing about TLS: DATABASE_SSL and DATABASE_SSL_ROOT_CERT do it all.
    let admin = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        tls.pg_url("localhost", ""),
        tls.ca.display()
    );
    let scratch = ScratchDatabase::create(&admin, "arca_tls").await.unwrap();
    let plain_url = format!("postgres://postgres@localhost:{}/{}", tls.pg_port, scratch.name());
    let storage = connect(&[
        ("DATABASE_URL", plain_url),
        ("DATABASE_SSL", "verify-full".into()),
        ("DATABASE_SSL_ROOT_CERT", tls.ca.display().to_string()),
    ])
    .await
    .unwrap();
    migrations::up(&storage).await.unwrap();
    assert!(migrations::pending(&storage).await.unwrap().is_empty());
    assert!(encrypted(&storage).await);
    storage.close().await;
    scratch.drop_now().await.unwrap();
}

#[tokio::test]
async fn postgres_verify_full_refuses_a_server_from_another_ca() {
    let Some(tls) = tls_services("postgres_verify_full_refuses_a_server_from_another_ca") else {
        return;
    };
    let error = connect(&[
        ("DATABASE_URL", tls.pg_url("localhost", "")),
        ("DATABASE_SSL", "verify-full".into()),
        ("DATABASE_SSL_ROOT_CERT", tls.other_ca.display().to_string()),
    ])
    .await
    .unwrap_err();
    assert!(error.to_string().contains("certificate verify failed"), "{error}");
    // verify-ca checks the chain too.
    let url = format!(
        "{}?sslmode=verify-ca&sslrootcert={}",
        tls.pg_url("localhost", ""),
        tls.other_ca.display()
    );
    let error = connect(&[("DATABASE_URL", url)]).await.unwrap_err();
    assert!(error.to_string().contains("certificate verify failed"), "{error}");
}

#[tokio::test]
async fn postgres_verify_full_refuses_a_host_name_the_certificate_lacks() {
    let Some(tls) = tls_services("postgres_verify_full_refuses_a_host_name_the_certificate_lacks") else {
        return;
    };
    // The certificate names localhost only; 127.0.0.1 is the same server under another name.
    let by_address = |mode: &str| {
        vec![
            ("DATABASE_URL", tls.pg_url("127.0.0.1", "")),
            ("DATABASE_SSL", mode.to_string()),
            ("DATABASE_SSL_ROOT_CERT", tls.ca.display().to_string()),
        ]
    };
    let error = connect(&by_address("verify-full")).await.unwrap_err();
    assert!(error.to_string().contains("certificate verify failed"), "{error}");
    // verify-ca checks the chain only, so the same connection passes.
    let storage = connect(&by_address("verify-ca")).await.unwrap();
    assert!(encrypted(&storage).await);
}

#[tokio::test]
async fn postgres_database_ssl_overrides_the_urls_sslmode() {
    let Some(tls) = tls_services("postgres_database_ssl_overrides_the_urls_sslmode") else {
        return;
    };
    let storage = connect(&[
        ("DATABASE_URL", tls.pg_url("127.0.0.1", "?sslmode=require")),
        ("DATABASE_SSL", "disable".into()),
    ])
    .await
    .unwrap();
    assert!(
        !encrypted(&storage).await,
        "DATABASE_SSL=disable wins over sslmode=require"
    );
    // The default (prefer) takes the TLS the server offers.
    let storage = connect(&[("DATABASE_URL", tls.pg_url("127.0.0.1", ""))]).await.unwrap();
    assert!(encrypted(&storage).await);
}

async fn redis_over(vars: &[(&str, String)]) -> Result<redis::aio::ConnectionManager, arca_service::Error> {
    let config = config(vars).unwrap().redis.expect("REDIS_URL is set");
    connect_redis(&config).await
}

/// The error connecting with these variables gives (the test fails if it connects).
async fn redis_refused(vars: &[(&str, String)]) -> String {
    match redis_over(vars).await {
        Ok(_) => panic!("connected to Redis, expected a refusal"),
        Err(error) => error.to_string(),
    }
}

async fn ping(connection: &mut redis::aio::ConnectionManager) -> String {
    redis::cmd("PING").query_async(connection).await.unwrap()
}

#[tokio::test]
async fn rediss_with_the_root_cert_works_and_redis_tls_upgrades_a_redis_url() {
    let Some(tls) = tls_services("rediss_with_the_root_cert_works_and_redis_tls_upgrades_a_redis_url") else {
        return;
    };
    let ca = tls.ca.display().to_string();
    let mut connection = redis_over(&[
        ("REDIS_URL", format!("rediss://localhost:{}", tls.redis_port)),
        ("REDIS_TLS_ROOT_CERT", ca.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(ping(&mut connection).await, "PONG");
    // The server speaks TLS only, so an answer proves the upgrade.
    let mut connection = redis_over(&[
        ("REDIS_URL", format!("redis://localhost:{}", tls.redis_port)),
        ("REDIS_TLS", "true".into()),
        ("REDIS_TLS_ROOT_CERT", ca),
    ])
    .await
    .unwrap();
    let _: () = redis::cmd("SET")
        .arg("arca-api-tls-test")
        .arg("kept")
        .query_async(&mut connection)
        .await
        .unwrap();
    let value: String = redis::cmd("GET")
        .arg("arca-api-tls-test")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(value, "kept");
}

#[tokio::test]
async fn rediss_refuses_another_ca_and_a_host_name_the_certificate_lacks() {
    let Some(tls) = tls_services("rediss_refuses_another_ca_and_a_host_name_the_certificate_lacks") else {
        return;
    };
    let error = redis_refused(&[
        ("REDIS_URL", format!("rediss://localhost:{}", tls.redis_port)),
        ("REDIS_TLS_ROOT_CERT", tls.other_ca.display().to_string()),
    ])
    .await;
    assert!(error.to_string().contains("certificate verify failed"), "{error}");
    let error = redis_refused(&[
        ("REDIS_URL", format!("rediss://127.0.0.1:{}", tls.redis_port)),
        ("REDIS_TLS_ROOT_CERT", tls.ca.display().to_string()),
    ])
    .await;
    assert!(error.to_string().contains("certificate verify failed"), "{error}");
}

#[tokio::test]
async fn rediss_without_a_root_cert_uses_the_system_store() {
    let Some(tls) = tls_services("rediss_without_a_root_cert_uses_the_system_store") else {
        return;
    };
    // The test CA is in no system store: the redis crate's own TLS refuses the server...
    let error = redis_refused(&[("REDIS_URL", format!("rediss://localhost:{}", tls.redis_port))]).await;
    assert!(!error.to_string().contains("feature"), "TLS is built in: {error}");
    // ...and speaks TLS to it when told not to verify (`#insecure`, never for production).
    let mut connection = redis_over(&[("REDIS_URL", format!("rediss://localhost:{}/#insecure", tls.redis_port))])
        .await
        .unwrap();
    assert_eq!(ping(&mut connection).await, "PONG");
}

#[test]
fn tls_settings_that_contradict_are_configuration_problems() {
    let problems = |vars: &[(&str, String)]| config(vars).unwrap_err().problems;
    let problems = problems(&[
        ("DATABASE_URL", "sqlite://x.db".into()),
        ("DATABASE_SSL", "verify-full".into()),
        ("DATABASE_SSL_ROOT_CERT", "/nonexistent/ca.pem".into()),
        ("REDIS_URL", "rediss://localhost:6390".into()),
        ("REDIS_TLS", "false".into()),
    ]);
    for name in ["DATABASE_SSL", "DATABASE_SSL_ROOT_CERT"] {
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(&format!("{name}: ")) && p.contains("postgres://")),
            "{name}: {problems:?}"
        );
    }
    assert!(problems.iter().any(|p| p.starts_with("REDIS_TLS: ")), "{problems:?}");
    let problems = config(&[
        ("DATABASE_URL", "postgres://localhost/x".into()),
        ("DATABASE_SSL", "required".into()),
        ("DATABASE_SSL_ROOT_CERT", "/nonexistent/ca.pem".into()),
        ("REDIS_URL", "redis://localhost:6379".into()),
        ("REDIS_TLS_ROOT_CERT", "/nonexistent/ca.pem".into()),
    ])
    .unwrap_err()
    .problems;
    for (name, says) in [
        ("DATABASE_SSL", "verify-full"),
        ("DATABASE_SSL_ROOT_CERT", "no such file"),
        ("REDIS_TLS_ROOT_CERT", "needs TLS"),
        ("REDIS_TLS_ROOT_CERT", "no such file"),
    ] {
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(&format!("{name}: ")) && p.contains(says)),
            "{name} {says}: {problems:?}"
        );
    }
    let config = config(&[
        ("REDIS_URL", "redis://localhost:6390".into()),
        ("REDIS_TLS", "true".into()),
    ])
    .unwrap();
    assert_eq!(config.redis.unwrap().url.expose(), "rediss://localhost:6390");
}
