//! The lowered OpenSSL security level reaches only the hosts listed as legacy (§A.4), tried
//! against a real `openssl s_server` that offers nothing but 1024-bit Diffie-Hellman, as ARCA's
//! production WSFEv1 does. `localhost` and `127.0.0.1` name the same server: one is listed, the
//! other is not.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use arca_protocol::Error;
use arca_protocol::transport::{HttpTransport, Timeouts};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn openssl(args: &[&str], dir: &std::path::Path) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success(), "openssl {args:?}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether the TLS handshake succeeded: a handshake failure is a connect error (*not sent*); once
/// through, `s_server -www` does not answer a POST, so the call ends in a timeout instead.
async fn handshake(transport: &HttpTransport, url: &str) -> Result<(), String> {
    match transport
        .post(url, &[("Content-Type", "text/xml")], "<x/>".into())
        .await
    {
        Err(Error::NotSent(reason)) => Err(reason),
        _ => Ok(()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legacy_security_level_applies_only_to_listed_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
        ],
        path,
    );
    openssl(&["dhparam", "-out", "dh1024.pem", "1024"], path);
    let port = free_port();
    let child = Command::new("openssl")
        .args([
            "s_server",
            "-www",
            "-tls1_2",
            "-accept",
            &port.to_string(),
            "-cert",
            "cert.pem",
            "-key",
            "key.pem",
        ])
        .args([
            "-dhparam",
            "dh1024.pem",
            "-cipher",
            "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0",
        ])
        .current_dir(path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server");
    let mut server = Server(child);
    // s_server prints ACCEPT once it listens; the rest of its output is drained so that it
    // never blocks on (or dies of) a full or closed pipe.
    let stdout = server.0.stdout.take().unwrap();
    let (ready, listening) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let mut ready = Some(ready);
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("ACCEPT")
                && let Some(ready) = ready.take()
            {
                let _ = ready.send(());
            }
        }
    });
    listening.await.expect("s_server did not start");

    let certificate = std::fs::read(path.join("cert.pem")).unwrap();
    let timeouts = Timeouts {
        connect: Duration::from_secs(5),
        total: Duration::from_millis(1500),
    };
    let listed = url("localhost", port);
    let unlisted = url("127.0.0.1", port);

    let default = HttpTransport::with_trusted_certificate(timeouts, Vec::new(), Some(&certificate)).unwrap();
    let refused = handshake(&default, &listed)
        .await
        .expect_err("the default level refuses 1024-bit DH");
    assert!(
        refused.to_lowercase().contains("dh key too small") || refused.contains("ssl"),
        "{refused}"
    );

    let scoped =
        HttpTransport::with_trusted_certificate(timeouts, vec!["localhost".into()], Some(&certificate)).unwrap();
    handshake(&scoped, &listed)
        .await
        .expect("a listed host gets the lowered level");
    handshake(&scoped, &unlisted)
        .await
        .expect_err("an unlisted host keeps the default level");
}

fn url(host: &str, port: u16) -> String {
    format!("https://{host}:{port}/wsfev1/service.asmx")
}
