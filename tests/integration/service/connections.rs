//! Connection limits over real TCP (`crates/service/src/server.rs`): a silent connection and
//! headers trickled a line at a time are closed after `HTTP_HEADER_TIMEOUT_MS`, a stalled body
//! after `HTTP_IDLE_TIMEOUT_MS`, and past `HTTP_MAX_CONNECTIONS` a new connection waits until
//! one closes. The timeouts are short here; each test waits for the server to close the socket
//! (EOF), bounded by a guard far above the timeout, never for a fixed time.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use arca_test_support::{ADMIN_TOKEN, TestApp};

/// Far above every timeout configured here: reaching it fails the test.
const GUARD: Duration = Duration::from_secs(10);

async fn app_with(header_ms: &str, idle_ms: &str, max_connections: &str) -> TestApp {
    TestApp::builder()
        .env("HTTP_HEADER_TIMEOUT_MS", header_ms)
        .env("HTTP_IDLE_TIMEOUT_MS", idle_ms)
        .env("HTTP_MAX_CONNECTIONS", max_connections)
        // The idle bound must outlast a handler's wait for ARCA: short waits, short bound.
        .env("ARCA_TIMEOUT_MS", "100")
        .env("INVOICE_WAIT_TIMEOUT_MS", "100")
        .start()
        .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base_url.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection (EOF or reset); what it sent before.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(GUARD, stream.read(&mut buffer)).await {
            Err(_) => panic!("the server kept the connection open past {GUARD:?}"),
            Ok(Ok(0) | Err(_)) => return received,
            Ok(Ok(read)) => received.extend_from_slice(&buffer[..read]),
        }
    }
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_header_timeout() {
    let app = app_with("200", "60000", "1024").await;
    let started = Instant::now();
    let mut silent = connect(&app).await;
    let received = read_until_closed(&mut silent).await;
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(150), "closed after {waited:?}");
    assert!(!String::from_utf8_lossy(&received).contains("200 OK"));
    // The service itself is fine.
    assert_eq!(app.request("GET", "/health", &[], None).await.status, 200);
}

#[tokio::test]
async fn headers_trickled_a_line_at_a_time_are_cut() {
    let app = app_with("300", "60000", "1024").await;
    let mut stream = connect(&app).await;
    let started = Instant::now();
    stream.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buffer = [0u8; 1024];
    let mut closed = false;
    // One header line every 50 ms, for up to 5 s: far longer than the timeout allows.
    for line in 0..100 {
        if stream
            .write_all(format!("X-Trickle-{line}: 1\r\n").as_bytes())
            .await
            .is_err()
        {
            closed = true;
            break;
        }
        match tokio::time::timeout(Duration::from_millis(50), stream.read(&mut buffer)).await {
            Err(_) => continue,
            Ok(Ok(0) | Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(read)) => {
                let text = String::from_utf8_lossy(&buffer[..read]).to_string();
                assert!(!text.contains("200 OK"), "answered a request never finished: {text}");
                read_until_closed(&mut stream).await;
                closed = true;
                break;
            }
        }
    }
    let waited = started.elapsed();
    assert!(
        closed,
        "headers trickled for {waited:?} and the connection is still open"
    );
    assert!(waited >= Duration::from_millis(250), "cut after {waited:?}");
    assert!(waited < Duration::from_secs(3), "cut only after {waited:?}");
}

#[tokio::test]
async fn a_stalled_body_is_closed_after_the_idle_timeout() {
    let app = app_with("30000", "400", "1024").await;
    let mut stream = connect(&app).await;
    let started = Instant::now();
    let head = format!(
        "POST /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let received = read_until_closed(&mut stream).await;
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(350), "closed after {waited:?}");
    assert!(waited < Duration::from_secs(5), "closed only after {waited:?}");
    assert!(!String::from_utf8_lossy(&received).contains("201"));
}

#[tokio::test]
async fn past_the_connection_cap_a_new_connection_waits_for_a_free_slot() {
    let app = app_with("30000", "60000", "2").await;
    // Two connections that say nothing hold both slots.
    let first = connect(&app).await;
    let _second = connect(&app).await;
    let mut third = connect(&app).await;
    third
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 4096];
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buffer)).await;
    assert!(early.is_err(), "served past the cap: {early:?}");
    // A slot frees up: the waiting connection is served.
    drop(first);
    let answer = read_until_closed(&mut third).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
