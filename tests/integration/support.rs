//! Shared set-up: a simulator on 127.0.0.1:0 with a fresh CA and a client certificate from it.

use std::path::PathBuf;

use arca_protocol::certificate::Credentials;
use arca_protocol::transport::{HttpTransport, Timeouts};
use arca_simulator::{RunningSimulator, Simulator};
use tempfile::TempDir;

pub const CUIT: &str = "20267565393";

pub struct TestEnv {
    pub simulator: RunningSimulator,
    pub dir: TempDir,
    pub credentials: Credentials,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
}

impl TestEnv {
    pub async fn start() -> TestEnv {
        TestEnv::start_with(|simulator| simulator).await
    }

    pub async fn start_with(configure: impl FnOnce(Simulator) -> Simulator) -> TestEnv {
        TestEnv::start_at(None, configure).await
    }

    /// A simulator whose clock reads `at`, with a certificate valid then.
    pub async fn start_at(
        at: Option<chrono::DateTime<chrono::Utc>>,
        configure: impl FnOnce(Simulator) -> Simulator,
    ) -> TestEnv {
        let dir = tempfile::tempdir().expect("temp dir");
        let simulator = Simulator::from_ca_dir(&dir.path().join("ca")).expect("CA");
        let simulator = configure(simulator)
            .spawn("127.0.0.1:0".parse().unwrap())
            .await
            .expect("bind");
        // The simulator's clock moves only when asked: a tiny negative offset would put it a
        // second behind certificates made by other tools just now.
        if let Some(at) = at {
            simulator.advance_clock(at - chrono::Utc::now());
        }
        let at = at.unwrap_or_else(chrono::Utc::now);
        // Valid from a month earlier, so tests may also move the clock back a little.
        let (certificate, key) = simulator
            .ca()
            .issue(CUIT, "tests", at - chrono::Duration::days(30))
            .expect("issue");
        let cert_pem = certificate.to_pem().unwrap();
        let key_pem = key.private_key_to_pem_pkcs8().unwrap();
        let cert_path = dir.path().join("cert.pem");
        let key_path = dir.path().join("key.pem");
        std::fs::write(&cert_path, &cert_pem).unwrap();
        std::fs::write(&key_path, &key_pem).unwrap();
        let credentials = Credentials::from_pem(&cert_pem, &key_pem).expect("credentials");
        TestEnv {
            simulator,
            dir,
            credentials,
            cert_path,
            key_path,
        }
    }
}

pub fn transport() -> HttpTransport {
    HttpTransport::new(Timeouts::default(), Vec::new()).expect("transport")
}

pub fn short_timeout_transport(millis: u64) -> HttpTransport {
    let timeouts = Timeouts {
        connect: std::time::Duration::from_millis(millis),
        total: std::time::Duration::from_millis(millis),
    };
    HttpTransport::new(timeouts, Vec::new()).expect("transport")
}

/// POSTs a raw body to the simulator and returns (status, body).
pub async fn post_raw(url: &str, headers: &[(&str, &str)], body: String) -> (u16, String) {
    let response = transport().post(url, headers, body).await.expect("simulator answers");
    (response.status.as_u16(), response.body)
}

/// A WSFEv1 client with a fresh ticket for the test certificate's CUIT.
pub async fn wsfe_client(env: &TestEnv) -> (arca_protocol::wsfe::WsfeClient, arca_protocol::wsfe::Auth) {
    let wsaa = arca_protocol::wsaa::WsaaClient::new(env.simulator.wsaa_url(), transport());
    let ticket = wsaa
        .login(&env.credentials, "wsfe", chrono::Utc::now())
        .await
        .expect("ticket");
    let auth = arca_protocol::wsfe::Auth::from_ticket(&ticket, env.credentials.cuit());
    (
        arca_protocol::wsfe::WsfeClient::new(env.simulator.wsfe_url(), transport()),
        auth,
    )
}

pub use arca_test_support::samples::{factura_b, money, today};
