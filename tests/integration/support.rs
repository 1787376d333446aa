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

/// The virtual environment of one of the tests' Python tools (`tests/<name>/requirements.txt`):
/// `$<env_var>` when set, else `<target dir>/<name>-venv`. `scripts/python-venv.sh` creates it
/// on first use in this process (at once when it is up to date). `Err(why)` when pip cannot
/// reach its package index (exit 75: the caller skips, saying so); any other failure panics
/// with the script's output.
pub fn python_venv(name: &str, env_var: &str) -> Result<PathBuf, String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static DONE: OnceLock<Mutex<HashMap<String, Result<PathBuf, String>>>> = OnceLock::new();
    let mut done = DONE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(result) = done.get(name) {
        return result.clone();
    }
    let venv = std::env::var(env_var).map(PathBuf::from).unwrap_or_else(|_| {
        // The test binary is <target dir>/debug/deps/integration-<hash>.
        let exe = std::env::current_exe().expect("the test binary's path");
        exe.ancestors()
            .nth(3)
            .expect("a target directory")
            .join(format!("{name}-venv"))
    });
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new(root.join("scripts/python-venv.sh"))
        .arg(name)
        .arg(&venv)
        .current_dir(root)
        .output()
        .expect("scripts/python-venv.sh could not be started");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let result = match output.status.code() {
        Some(0) => Ok(venv),
        Some(75) => Err(said),
        _ => panic!("scripts/python-venv.sh {name} failed:\n{said}"),
    };
    done.insert(name.to_string(), result.clone());
    result
}
