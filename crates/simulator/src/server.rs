//! The HTTP server: routes, the accept loop, and the per-connection "kill switch" that lets a
//! handler close or reset its own connection (the dropped-response faults).

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::routing::{get, post};
use chrono::Duration;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tower::ServiceExt;

use crate::ca::CertificateAuthority;
use crate::faults::FaultRule;
use crate::state::{Settings, State, lock};
use crate::wsfe::store::WsfeState;
use crate::{SimulatorError, control, padron, wsaa, wscdc, wsfe, wsfecred};

/// A simulator to be started: configuration first, then [`Simulator::spawn`] or
/// [`Simulator::serve`].
pub struct Simulator {
    ca: CertificateAuthority,
    settings: Settings,
    faults: Vec<FaultRule>,
}

impl Simulator {
    pub fn new(ca: CertificateAuthority) -> Simulator {
        Simulator {
            ca,
            settings: Settings::default(),
            faults: Vec::new(),
        }
    }

    /// Loads (or creates) the CA in `dir`.
    pub fn from_ca_dir(dir: &Path) -> Result<Simulator, SimulatorError> {
        Ok(Simulator::new(CertificateAuthority::load_or_create(
            dir,
            chrono::Utc::now(),
        )?))
    }

    /// The WSAA preventive window (zero disables it).
    pub fn preventive_window(mut self, window: Duration) -> Simulator {
        self.settings.preventive_window = window;
        self
    }

    pub fn ticket_lifetime(mut self, lifetime: Duration) -> Simulator {
        self.settings.ticket_lifetime = lifetime;
        self
    }

    /// Keeps WSFEv1's state (vouchers, numbering, CAEAs, registry) in `path`, loading it if it
    /// exists, so a restart of the simulator keeps what ARCA would keep.
    pub fn state_file(mut self, path: std::path::PathBuf) -> Simulator {
        self.settings.state_file = Some(path);
        self
    }

    /// `FECompTotXRequest` (250 by default).
    pub fn records_per_request(mut self, reg_x_req: i64) -> Simulator {
        self.settings.reg_x_req = reg_x_req.max(1);
        self
    }

    /// A fault active from the start.
    pub fn fault(mut self, rule: FaultRule) -> Simulator {
        self.faults.push(rule);
        self
    }

    fn into_state(self) -> Result<Arc<State>, SimulatorError> {
        let stored = match &self.settings.state_file {
            Some(path) => WsfeState::load(path).map_err(|source| SimulatorError::Io {
                path: path.display().to_string(),
                source,
            })?,
            None => None,
        };
        let state = State::new(self.ca, self.settings);
        if let Some(stored) = stored {
            *lock(&state.wsfe) = stored;
        }
        for rule in self.faults {
            state.faults.add(rule);
        }
        Ok(Arc::new(state))
    }

    /// Binds `addr` (port 0 for any) and serves in the background until
    /// [`RunningSimulator::stop`] or drop.
    pub async fn spawn(self, addr: SocketAddr) -> Result<RunningSimulator, SimulatorError> {
        let io = |source| SimulatorError::Io {
            path: addr.to_string(),
            source,
        };
        let listener = TcpListener::bind(addr).await.map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        let state = self.into_state()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_until(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        Ok(RunningSimulator {
            addr,
            state,
            stop: Some(stop),
            task,
        })
    }

    /// Serves on `listener` until `shutdown` completes (the command line passes Ctrl-C/SIGTERM).
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), SimulatorError> {
        serve_until(listener, self.into_state()?, shutdown).await;
        Ok(())
    }
}

/// A simulator serving in the background.
pub struct RunningSimulator {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSimulator {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn wsaa_url(&self) -> String {
        format!("{}/ws/services/LoginCms", self.base_url())
    }

    pub fn wsfe_url(&self) -> String {
        format!("{}/wsfev1/service.asmx", self.base_url())
    }

    /// The padrón A5 (constancia de inscripción) endpoint.
    pub fn padron_a5_url(&self) -> String {
        format!("{}/sr-padron/webservices/personaServiceA5", self.base_url())
    }

    /// The padrón A13 endpoint.
    pub fn padron_a13_url(&self) -> String {
        format!("{}/sr-padron/webservices/personaServiceA13", self.base_url())
    }

    /// The WSCDC (constatación de comprobantes) endpoint.
    pub fn wscdc_url(&self) -> String {
        format!("{}/WSCDC/service.asmx", self.base_url())
    }

    /// The wsfecred (FCE MiPyMEs) endpoint.
    pub fn wsfecred_url(&self) -> String {
        format!("{}/wsfecred/FECredService", self.base_url())
    }

    pub fn ca(&self) -> &CertificateAuthority {
        &self.state.ca
    }

    /// How many times `operation` was called.
    pub fn calls(&self, operation: &str) -> u64 {
        lock(&self.state.calls).get(operation).copied().unwrap_or(0)
    }

    /// Moves the simulator's clock.
    pub fn advance_clock(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// Lifetime of the tickets WSAA issues from now on.
    pub fn set_ticket_lifetime(&self, lifetime: Duration) {
        lock(&self.state.settings).ticket_lifetime = lifetime;
    }

    pub fn add_fault(&self, rule: FaultRule) {
        self.state.faults.add(rule);
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Takes `FECAESolicitar` (`cae`) and/or the CAEA operations (`caea`) down (`true`) or up;
    /// `None` leaves a switch as it is. The same as `POST /_sim/outage`.
    pub fn set_outage(&self, cae: Option<bool>, caea: Option<bool>) {
        self.state.outage.set(cae, caea);
    }

    /// Replaces the registered points of sale (`PUT /_sim/points-of-sale`).
    pub fn set_points_of_sale(&self, points: Vec<crate::PointOfSale>) {
        let mut wsfe = lock(&self.state.wsfe);
        wsfe.points_of_sale = points;
        self.state.persist(&wsfe);
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/ws/services/LoginCms", post(wsaa::login_cms).get(wsaa::wsdl))
        .route("/wsfev1/service.asmx", post(wsfe::service).get(wsfe::wsdl))
        .route(
            "/sr-padron/webservices/personaServiceA5",
            post(padron::a5_service).get(padron::a5_wsdl),
        )
        .route(
            "/sr-padron/webservices/personaServiceA13",
            post(padron::a13_service).get(padron::a13_wsdl),
        )
        .route("/WSCDC/service.asmx", post(wscdc::service).get(wscdc::page))
        .route("/wsfecred/FECredService", post(wsfecred::service).get(wsfecred::wsdl))
        .nest("/_sim", control::router())
        .route("/", get(|| async { "arca-simulator\n" }))
        .with_state(state)
}

async fn serve_until(listener: TcpListener, state: Arc<State>, shutdown: impl Future<Output = ()>) {
    let router = router(state);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => { tokio::spawn(serve_connection(stream, router.clone())); }
                Err(error) => tracing::warn!(%error, "accept failed"),
            },
            () = &mut shutdown => break,
        }
    }
}

/// Lets a handler end its own connection without answering.
#[derive(Clone, Default)]
pub struct ConnectionControl {
    kill: Arc<Notify>,
    reset: Arc<AtomicBool>,
}

impl ConnectionControl {
    /// Closes the connection (with RST when `reset`) as soon as the handler yields. The handler
    /// should then await [`std::future::pending`].
    pub fn cut(&self, reset: bool) {
        self.reset.store(reset, Ordering::SeqCst);
        self.kill.notify_one();
    }
}

async fn serve_connection(stream: TcpStream, router: Router) {
    // A second handle on the same socket, kept to set SO_LINGER=0 for a reset: options belong to
    // the socket, not to the descriptor.
    let Ok(std_stream) = stream.into_std() else {
        return;
    };
    let Ok(duplicate) = std_stream.try_clone() else {
        return;
    };
    let Ok(stream) = TcpStream::from_std(std_stream) else {
        return;
    };
    let control = ConnectionControl::default();
    let handler_control = control.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(handler_control.clone());
        router.clone().oneshot(request.map(axum::body::Body::new))
    });
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        () = control.kill.notified() => {
            if control.reset.load(Ordering::SeqCst) {
                let _ = socket2::SockRef::from(&duplicate).set_linger(Some(std::time::Duration::ZERO));
            }
            // Dropping the connection future closes the socket with nothing written.
        }
    }
}

/// Applies a fault decision's latency and transport-level action. Returns the response to send
/// instead of the real one, or `None` to go on; for dropped connections it never returns.
pub async fn suffer(
    decision: &crate::faults::Decision,
    connection: &ConnectionControl,
) -> Option<axum::response::Response> {
    use crate::faults::FaultAction;
    use axum::response::IntoResponse;
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    match decision.action {
        Some(FaultAction::Drop) => connection.cut(false),
        Some(FaultAction::Reset) => connection.cut(true),
        Some(FaultAction::Timeout) => {}
        Some(FaultAction::Http500) => {
            let page = "<html><body><h1>500 Internal Server Error</h1></body></html>";
            return Some(
                (
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    [(http::header::CONTENT_TYPE, "text/html")],
                    page,
                )
                    .into_response(),
            );
        }
        Some(FaultAction::Http503) => {
            let page = "<html><body><h1>503 Service Unavailable</h1></body></html>";
            return Some(
                (
                    http::StatusCode::SERVICE_UNAVAILABLE,
                    [(http::header::CONTENT_TYPE, "text/html")],
                    page,
                )
                    .into_response(),
            );
        }
        _ => return None,
    }
    std::future::pending().await
}

/// `GET …?wsdl` (any case): the WSDL with ARCA's address replaced by this server's (so clients
/// that post to the `soap:address` they read come back here); without the query, `page`.
pub fn serve_wsdl(
    query: Option<String>,
    headers: &http::HeaderMap,
    wsdl: &str,
    arca_address: &str,
    our_address: impl Fn(&str) -> String,
    page: &'static str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if !query.is_some_and(|q| q.eq_ignore_ascii_case("wsdl")) {
        return ([(http::header::CONTENT_TYPE, "text/html")], page).into_response();
    }
    let host = headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let wsdl = wsdl.replace(arca_address, &our_address(host));
    ([(http::header::CONTENT_TYPE, "text/xml; charset=utf-8")], wsdl).into_response()
}
