//! A real SMTP server for the email tests: aiosmtpd (`tests/smtp/server.py`), in the virtual
//! environment `scripts/python-venv.sh smtp` creates (`SMTP_TEST_VENV`, else `<target dir>/smtp-venv`),
//! on 127.0.0.1 at a free port. The first test that needs it runs that script (once per test
//! process), so `cargo test --workspace` on a fresh clone works with `python3` and `venv`; if the
//! script fails, the tests fail with its output.
//!
//! Every message the server accepts is in `out/N.eml` (as received) and `out/N.json` (Python's
//! email package's reading of it) before its 250 reply, so a test that saw a delivery recorded
//! reads them with no waiting.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

pub struct SmtpServer {
    pub port: u16,
    pub out: PathBuf,
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
}

/// How the server behaves.
#[derive(Default)]
pub struct SmtpOptions {
    /// STARTTLS offered and required, with this certificate and key (PEM files).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// AUTH required with these credentials.
    pub auth: Option<(String, String)>,
    /// DATA answered with this reply for the first `n` messages (`None`: always).
    pub refuse: Option<(String, Option<u32>)>,
}

/// The email tests' virtual environment: `SMTP_TEST_VENV`, else `<target dir>/smtp-venv`, created
/// on first use (`scripts/python-venv.sh smtp`; the email tests need it: no skip).
pub fn venv() -> PathBuf {
    crate::integration::support::python_venv("smtp", "SMTP_TEST_VENV")
        .unwrap_or_else(|why| panic!("the SMTP test server cannot be installed:\n{why}"))
}

impl SmtpServer {
    pub async fn start(options: SmtpOptions) -> SmtpServer {
        let python = venv().join("bin/python");
        assert!(
            python.is_file(),
            "the SMTP test server's virtual environment is missing at {}: run scripts/python-venv.sh smtp \
             (with the same CARGO_TARGET_DIR, or SMTP_TEST_VENV; .ci/run does)",
            venv().display()
        );
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("received");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
        let mut command = tokio::process::Command::new(python);
        command.arg(script).arg("--out").arg(&out);
        if let Some((cert, key)) = &options.tls {
            command.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
        }
        if let Some((user, password)) = &options.auth {
            command.arg("--auth").arg(format!("{user}:{password}"));
        }
        if let Some((reply, count)) = &options.refuse {
            command.arg("--refuse").arg(reply);
            command
                .arg("--refuse-count")
                .arg(count.map_or(-1, i64::from).to_string());
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SMTP test server");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).await.unwrap();
        let port = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP test server did not start: {line:?}"));
        SmtpServer {
            port,
            out,
            _child: child,
            _dir: dir,
        }
    }

    /// The messages accepted so far, in order: (raw bytes, the parsed summary).
    pub fn received(&self) -> Vec<(Vec<u8>, Value)> {
        let mut messages = Vec::new();
        for number in 1.. {
            let json = self.out.join(format!("{number}.json"));
            if !json.is_file() {
                break;
            }
            let raw = std::fs::read(self.out.join(format!("{number}.eml"))).unwrap();
            let summary = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
            messages.push((raw, summary));
        }
        messages
    }
}

/// A CA and a certificate for `localhost` signed by it, made by `openssl` now: (CA PEM path,
/// certificate path, key path), in `dir`.
pub fn localhost_certificate(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl");
        assert!(status.success(), "openssl {args:?}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=arca-api test SMTP CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(dir.join("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key"))
}
