//! TLS to Redis with a CA of the operator's own (`REDIS_TLS_ROOT_CERT`).
//!
//! The redis crate speaks TLS itself for `rediss://` URLs, on native-tls (OpenSSL on Linux), and
//! then trusts the system's certificate store only: in redis 0.32 a root certificate of one's own
//! can be handed over on its rustls backend alone, which this build does not carry. So, and only
//! when `REDIS_TLS_ROOT_CERT` is set, this module puts a small tunnel inside the process: the
//! redis client connects to a Unix socket in a directory only this user may enter, and each
//! connection made there is carried to Redis over TLS that trusts exactly that CA and checks the
//! server's name against the URL's host.
//!
//! It never accepts a certificate it could not verify, never listens on a network port, and
//! reads nothing of what it forwards (the Redis password included).

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use redis::{ConnectionAddr, ConnectionInfo, IntoConnectionInfo};
use tokio::net::{TcpStream, UnixListener, UnixStream};

use crate::Error;

/// A redis client for the `rediss://` `url` whose server's certificate must chain to the CA in
/// `root_cert` (PEM). One handshake is made before it returns, so a wrong CA or a host name the
/// certificate does not carry stops the caller with the reason rather than with a closed
/// connection later. The tunnel lives as long as the runtime.
pub async fn client(url: &str, root_cert: &Path) -> Result<redis::Client, Error> {
    let info = url.into_connection_info()?;
    let ConnectionAddr::TcpTls { host, port, .. } = &info.addr else {
        return Err(Error::RedisTls(
            "REDIS_TLS_ROOT_CERT needs a rediss:// REDIS_URL".into(),
        ));
    };
    let pem = std::fs::read(root_cert).map_err(|source| Error::Io {
        context: format!("reading REDIS_TLS_ROOT_CERT {}", root_cert.display()),
        source,
    })?;
    let certificate = native_tls::Certificate::from_pem(&pem)
        .map_err(|error| Error::RedisTls(format!("REDIS_TLS_ROOT_CERT {}: {error}", root_cert.display())))?;
    let connector = native_tls::TlsConnector::builder()
        .add_root_certificate(certificate)
        .disable_built_in_roots(true)
        .build()
        .map_err(|error| Error::RedisTls(error.to_string()))?;
    let upstream = Upstream {
        host: host.clone(),
        port: *port,
        connector: connector.into(),
    };
    drop(upstream.connect().await?);

    let dir = SocketDir::create()?;
    let socket = dir.path.join("redis.sock");
    let listener = UnixListener::bind(&socket).map_err(|source| Error::Io {
        context: format!("listening on {}", socket.display()),
        source,
    })?;
    tokio::spawn(forward(listener, Arc::new(upstream), dir));
    let local = ConnectionInfo {
        addr: ConnectionAddr::Unix(socket),
        redis: info.redis,
    };
    Ok(redis::Client::open(local)?)
}

/// Where the tunnel's connections go.
struct Upstream {
    host: String,
    port: u16,
    connector: tokio_native_tls::TlsConnector,
}

impl Upstream {
    async fn connect(&self) -> Result<tokio_native_tls::TlsStream<TcpStream>, Error> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|error| Error::RedisTls(format!("{}:{}: {error}", self.host, self.port)))?;
        self.connector
            .connect(&self.host, tcp)
            .await
            .map_err(|error| Error::RedisTls(format!("{}:{}: {error}", self.host, self.port)))
    }
}

/// Accepts the redis client's connections and carries each to Redis over TLS. `_dir` is held so
/// the socket's directory is removed when the task ends.
async fn forward(listener: UnixListener, upstream: Arc<Upstream>, _dir: SocketDir) {
    loop {
        match listener.accept().await {
            Ok((local, _)) => {
                tokio::spawn(carry(local, Arc::clone(&upstream)));
            }
            Err(error) => {
                tracing::warn!(%error, "Redis TLS tunnel: accept failed");
                tokio::task::yield_now().await;
            }
        }
    }
}

async fn carry(mut local: UnixStream, upstream: Arc<Upstream>) {
    match upstream.connect().await {
        // A connection that ends, either side, is the redis client's to notice and redo.
        Ok(mut remote) => drop(tokio::io::copy_bidirectional(&mut local, &mut remote).await),
        Err(error) => tracing::warn!(%error, "Redis TLS tunnel: connection failed"),
    }
}

/// A directory of the tunnel's own (mode 0700) under the system's temporary directory, removed
/// on drop.
struct SocketDir {
    path: PathBuf,
}

impl SocketDir {
    fn create() -> Result<SocketDir, Error> {
        let name = format!("arca-api-redis-{}-{:016x}", std::process::id(), rand::random::<u64>());
        let path = std::env::temp_dir().join(name);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|source| Error::Io {
                context: format!("creating {}", path.display()),
                source,
            })?;
        Ok(SocketDir { path })
    }
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        // Best effort: a leftover empty directory in the temporary directory harms nothing.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
