use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use arca_test_support::CUIT_A;

/// `arca-api serve --migrate` with no configuration at all: SQLite and secrets under ./data, the
/// simulator in-process, a demo account whose key is printed once and works; it listens on
/// 127.0.0.1 only, and the database, like the secrets, is readable by its owner only.
#[tokio::test]
async fn zero_setup_serve_prints_a_working_demo_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_arca-api"))
            .args(["serve", "--migrate"])
            .current_dir(dir.path())
            .env("PORT", "0")
            // The default bind address is what is tested.
            .env_remove("HOST")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run arca-api serve"),
    );
    let stdout = child.0.stdout.take().unwrap();
    // The banner is printed before the server accepts; reading it blocks until it is there.
    // Read up to the banner's last line, then keep draining stdout until the child exits so
    // its writes never meet a closed pipe.
    let (banner_sender, banner_receiver) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        let mut banner_sender = Some(banner_sender);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if banner_sender.is_some() {
                let done = line.contains("/docs");
                lines.push(line);
                if done && let Some(sender) = banner_sender.take() {
                    let _ = sender.send(lines.join("\n"));
                }
            }
        }
        if let Some(sender) = banner_sender {
            let _ = sender.send(lines.join("\n"));
        }
    });
    let banner = banner_receiver.await.unwrap();
    let key = banner
        .split_whitespace()
        .find(|word| word.starts_with("arca_test_"))
        .unwrap_or_else(|| panic!("no key in: {banner}"))
        .to_string();
    let url = banner
        .split(['\'', ' ', '\n'])
        .find(|word| word.starts_with("http://127.0.0.1:") && word.ends_with("/v1/account"))
        .unwrap_or_else(|| panic!("no URL in: {banner}"))
        .to_string();

    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let request = hyper::Request::get(url.as_str())
        .header("authorization", format!("Bearer {key}"))
        .body(http_body_util::Empty::new())
        .unwrap();
    let response = client.request(request).await.expect("the service answers");
    assert_eq!(response.status(), 200);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let account: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(account["cuit"], CUIT_A);

    // The demo certificate is stored through the certificates resource: the account can use ARCA.
    let base = url.trim_end_matches("/v1/account");
    let get = |path: &str| {
        let request = hyper::Request::get(format!("{base}{path}"))
            .header("authorization", format!("Bearer {key}"))
            .body(http_body_util::Empty::new())
            .unwrap();
        let response = client.request(request);
        async move {
            let response = response.await.expect("the service answers");
            let status = response.status();
            let body = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            (status, serde_json::from_slice::<serde_json::Value>(&body).unwrap())
        }
    };
    let (status, certificates) = get("/v1/certificates").await;
    assert_eq!(status, 200);
    assert_eq!(certificates["data"][0]["status"], "active", "{certificates}");
    // The demo account has a complete issuer profile, so its invoices render.
    let (status, profile) = get("/v1/account/issuer-profile").await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["condicion_iva"], "responsable_inscripto", "{profile}");
    let (status, invoice_types) = get("/v1/reference-data/invoice-types").await;
    assert_eq!(status, 200, "{invoice_types}");
    assert!(
        invoice_types["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["id"] == 6)
    );
    // The padrón of the in-process simulator: the demo company looks itself up (README).
    let (status, demo) = get("/v1/taxpayers/20267565393").await;
    assert_eq!(status, 200, "{demo}");
    assert_eq!(demo["nombre"], "DEMO COMERCIO S.R.L.", "{demo}");
    assert_eq!(demo["condicion_iva"]["id"], 1, "{demo}");
    assert_eq!(demo["clases_comprobante"][0], "A", "{demo}");
    for file in [
        "arca-api.db",
        "secrets/api-key.salt",
        "secrets/encryption.key",
        "simulator-ca/ca.crt",
        "demo-cert/cert.pem",
        "demo-cert/key.pem",
    ] {
        assert!(dir.path().join("data").join(file).exists(), "data/{file} missing");
    }
    #[cfg(unix)]
    for file in [
        "arca-api.db",
        "arca-api.db-wal",
        "secrets/api-key.salt",
        "secrets/encryption.key",
    ] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data").join(file))
            .unwrap_or_else(|error| panic!("data/{file}: {error}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "data/{file} has mode {:o}", mode & 0o777);
    }
    // Bound to 127.0.0.1, not to every address: another loopback address is refused.
    let port = base.rsplit(':').next().unwrap();
    assert!(
        tokio::net::TcpStream::connect(format!("127.0.0.2:{port}"))
            .await
            .is_err(),
        "serve listens beyond 127.0.0.1 by default"
    );
}

/// Stops the server however the test ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// `arca-api healthcheck` (the image's HEALTHCHECK, no curl): exit 0 against a healthy
/// instance, 1 with the answer named against one answering 503, 1 when nothing listens.
#[tokio::test]
async fn healthcheck_exits_0_only_when_the_instance_answers_ok() {
    let app = arca_test_support::TestApp::start().await;
    let healthcheck = |url: String| async move {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_arca-api"))
            .args(["healthcheck", "--url", &format!("{url}/health"), "--timeout-ms", "3000"])
            .output()
            .await
            .expect("run arca-api healthcheck")
    };
    let healthy = healthcheck(app.base_url.clone()).await;
    assert!(healthy.status.success(), "{}", String::from_utf8_lossy(&healthy.stderr));

    // A server that answers 503 as an unhealthy instance does.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let unhealthy_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await;
            let body = r#"{"status":"unhealthy"}"#;
            let answer = format!(
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    let unhealthy = healthcheck(unhealthy_url).await;
    assert_eq!(unhealthy.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unhealthy.stderr).contains("503"));

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nothing = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    assert_eq!(healthcheck(nothing).await.status.code(), Some(1));
}
