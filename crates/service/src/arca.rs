//! ARCA access: everything the service needs to talk to ARCA on an account's behalf.
//!
//! - [`Arca`] (here): built once from the configuration (environment, WSAA and WSFEv1
//!   endpoints — in simulator mode those of the simulator `serve` started —, `ARCA_TIMEOUT_MS`,
//!   `ARCA_TLS_LEGACY_HOSTS`) around the durable [`TicketStore`]. Callers (reference data,
//!   points-of-sale sync, the issuance engine) ask for an [`ArcaSession`] and make WSFEv1 calls
//!   with it:
//!
//! ```text
//! let session = state.arca.session(account_id).await?;
//! let types = session.client.fe_param_get_tipos_cbte(&session.auth).await?;
//! ```
//!
//!   A session is cheap: the ticket comes from memory after the first call, and is renewed by
//!   exactly one instance when it nears expiry.
//! - [`services`]: the ARCA services the product uses ([`ArcaService`]): one ticket per
//!   certificate and service.
//! - [`authorization`]: whether a certificate may use each service ([`Arca::check_services`]),
//!   and ARCA's "not authorized" answers as fix-it errors naming the service and the CUIT.
//! - [`tickets`]: WSAA tickets, durable and shared by every instance, renewed by one.
//! - [`session_port`]: the issuance engine's [`ArcaPort`](crate::issuance::ArcaPort) over each
//!   account's session.
//! - [`breaker`]: the circuit breaker in front of that port.
//! - [`probe`]: `FEDummy` for `/health/arca`, its outcome cached and shared (single flight).
//! - [`reference_data`]: ARCA's code tables and exchange rates, cached.
//!
//! It never decides an invoice's fate (the issuance engine does) and never serves HTTP.

pub mod authorization;
pub mod breaker;
pub mod probe;
pub mod reference_data;
pub mod services;
pub mod session_port;
pub mod tickets;

use std::sync::Arc;

use arca_protocol::Cuit;
use arca_protocol::certificate::Credentials;
use arca_protocol::clock::{Clock, SystemClock};
use arca_protocol::transport::{HttpTransport, Timeouts};
use arca_protocol::wsaa::{WsaaClient, WsaaFault};
use arca_protocol::wsfe::{Auth, WsfeClient};
use redis::aio::ConnectionManager;

use crate::config::{ArcaConfig, ArcaEnvironment};
use crate::crypto::Secrets;
use crate::storage::Storage;
use crate::{Error, accounts, certificates};
pub use services::ArcaService;
use tickets::TicketStore;

/// Longest wait for a TCP connection (and TLS handshake) to ARCA, within `ARCA_TIMEOUT_MS`.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Everything a WSFEv1 call needs for one account.
#[derive(Debug, Clone)]
pub struct ArcaSession {
    pub client: WsfeClient,
    /// Token and sign of the certificate's ticket, on behalf of the account's CUIT.
    pub auth: Auth,
    /// The account's CUIT: the issuer represented in every call.
    pub cuit: Cuit,
    /// The certificate the ticket was obtained with.
    pub certificate_id: String,
}

impl ArcaSession {
    /// A WSFEv1 call's failure as the service's error: 600 "No apareció CUIT en lista de
    /// relaciones" becomes [`Error::ServiceNotAuthorized`] naming this session's CUIT.
    pub fn explain(&self, error: arca_protocol::Error) -> Error {
        authorization::classify(ArcaService::Wsfe, error, Some(self.cuit), None)
    }
}

/// The credentials of a call to any ARCA service on an account's behalf: the ticket of that
/// service for the account's certificate, on behalf of the account's CUIT.
#[derive(Debug, Clone)]
pub struct ServiceSession {
    pub service: ArcaService,
    /// Token and sign of the certificate's ticket for `service`, on behalf of `cuit`.
    pub auth: Auth,
    /// The account's CUIT (`cuitRepresentada` for the padrón, `Cuit` for WSCDC and WSFEv1).
    pub cuit: Cuit,
    pub certificate_id: String,
}

/// ARCA, as configured for this deployment.
pub struct Arca {
    storage: Storage,
    secrets: Secrets,
    environment: ArcaEnvironment,
    clock: Arc<dyn Clock>,
    endpoints: Option<Endpoints>,
}

struct Endpoints {
    wsfe: WsfeClient,
    tickets: TicketStore,
    /// For the clients of the other services (padrón A5, A13, WSCDC, wsfecred): one connection pool.
    transport: HttpTransport,
    /// `[A5, A13, WSCDC, wsfecred]` endpoints ([`ArcaConfig::service_urls`]); `None` when not
    /// configured.
    service_urls: [Option<String>; 4],
}

impl Arca {
    /// From the configuration. Without endpoints (simulator mode with no simulator started)
    /// every call answers [`Error::ArcaNotConfigured`]. `redis` shares the ticket lock between
    /// instances.
    pub fn new(
        config: &ArcaConfig,
        storage: Storage,
        secrets: Secrets,
        redis: Option<(ConnectionManager, String)>,
    ) -> Result<Arca, Error> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let timeouts = Timeouts {
            connect: CONNECT_TIMEOUT.min(config.timeout),
            total: config.timeout,
        };
        let endpoints = match (&config.wsaa_url, &config.wsfe_url) {
            (Some(wsaa_url), Some(wsfe_url)) => {
                let transport = HttpTransport::new(timeouts, config.tls_legacy_hosts.clone())?
                    .with_observer(Arc::new(crate::metrics::record_arca_call));
                let tickets = TicketStore::new(
                    storage.clone(),
                    secrets.clone(),
                    WsaaClient::new(wsaa_url, transport.clone()),
                    config.environment.as_str(),
                    config.token_renew_before,
                    clock.clone(),
                    redis,
                );
                Some(Endpoints {
                    wsfe: WsfeClient::new(wsfe_url, transport.clone()),
                    tickets,
                    transport,
                    service_urls: config.service_urls(),
                })
            }
            _ => None,
        };
        Ok(Arca {
            storage,
            secrets,
            environment: config.environment,
            clock,
            endpoints,
        })
    }

    pub fn environment(&self) -> ArcaEnvironment {
        self.environment
    }

    /// A WSFEv1 client and `Auth` for the account, with its newest active, unexpired
    /// certificate. [`Error::NoCertificate`] when it has none; ARCA's refusals and outages as
    /// [`Error::Arca`].
    pub async fn session(&self, account_id: &str) -> Result<ArcaSession, Error> {
        self.session_using(&self.storage, account_id).await
    }

    /// [`Arca::session`], reading the account and its certificate through `storage`: the
    /// issuance engine passes its own pool, so that its calls do not wait for the API's.
    pub async fn session_using(&self, storage: &Storage, account_id: &str) -> Result<ArcaSession, Error> {
        let endpoints = self.endpoints()?;
        let account = accounts::find(storage, account_id).await?;
        let (certificate_id, credentials) =
            certificates::usable_credentials(storage, &self.secrets, account_id, self.clock.now())
                .await?
                .ok_or(Error::NoCertificate)?;
        let ticket = self
            .ticket_with(&credentials, ArcaService::Wsfe, Some(account.cuit))
            .await?;
        Ok(ArcaSession {
            client: endpoints.wsfe.clone(),
            auth: Auth::from_ticket(&ticket, account.cuit),
            cuit: account.cuit,
            certificate_id,
        })
    }

    /// The ticket of `service` for the account's newest usable certificate, on behalf of the
    /// account's CUIT: from memory, the database or one login (ARCHITECTURE.md invariants 8–10).
    pub async fn service_session(&self, account_id: &str, service: ArcaService) -> Result<ServiceSession, Error> {
        self.endpoints()?;
        let account = accounts::find(&self.storage, account_id).await?;
        let (certificate_id, credentials) =
            certificates::usable_credentials(&self.storage, &self.secrets, account_id, self.clock.now())
                .await?
                .ok_or(Error::NoCertificate)?;
        let ticket = self.ticket_with(&credentials, service, Some(account.cuit)).await?;
        Ok(ServiceSession {
            service,
            auth: Auth::from_ticket(&ticket, account.cuit),
            cuit: account.cuit,
            certificate_id,
        })
    }

    /// The ticket of `service` for `credentials` (a given certificate, not necessarily the
    /// account's newest): from memory, the database, or one login whose ticket is stored.
    pub async fn ticket_for(
        &self,
        credentials: &Credentials,
        service: ArcaService,
    ) -> Result<arca_protocol::wsaa::AccessTicket, Error> {
        self.ticket_with(credentials, service, None).await
    }

    /// The ticket of `service` for `credentials`, WSAA's refusals that need a fix in ARCA made
    /// fix-it errors: `coe.notAuthorized` → [`Error::ServiceNotAuthorized`] naming `service`,
    /// `represented` (the account's CUIT, when known) and the certificate's CUIT;
    /// `cms.cert.untrusted` → [`Error::CertificateUntrusted`] naming this server's environment.
    async fn ticket_with(
        &self,
        credentials: &Credentials,
        service: ArcaService,
        represented: Option<Cuit>,
    ) -> Result<arca_protocol::wsaa::AccessTicket, Error> {
        match self.endpoints()?.tickets.get_ticket(credentials, service).await {
            Err(Error::Arca(arca_protocol::Error::Wsaa {
                fault: WsaaFault::CmsCertUntrusted,
                message,
            })) => Err(Error::CertificateUntrusted {
                environment: self.environment,
                message,
            }),
            Err(Error::Arca(error)) => Err(authorization::classify(
                service,
                error,
                represented,
                Some(credentials.cuit()),
            )),
            other => other,
        }
    }

    /// The endpoint of `service` (not WSFEv1's), with the shared transport; [`Error::ArcaNotConfigured`]
    /// when unknown.
    pub fn service_endpoint(&self, service: ArcaService) -> Result<(String, HttpTransport), Error> {
        let endpoints = self.endpoints()?;
        let url = match service {
            ArcaService::Wsfe => Some(endpoints.wsfe.url().to_string()),
            ArcaService::PadronA5 => endpoints.service_urls[0].clone(),
            ArcaService::PadronA13 => endpoints.service_urls[1].clone(),
            ArcaService::Wscdc => endpoints.service_urls[2].clone(),
            ArcaService::Wsfecred => endpoints.service_urls[3].clone(),
        };
        Ok((url.ok_or(Error::ArcaNotConfigured)?, endpoints.transport.clone()))
    }

    /// WSFEv1 refused the account's ticket (600): the next session logs in again.
    pub async fn discard_ticket(&self, account_id: &str) -> Result<(), Error> {
        self.discard_service_ticket(account_id, ArcaService::Wsfe).await
    }

    /// `service` refused the account's ticket: the next session of that service logs in again.
    pub async fn discard_service_ticket(&self, account_id: &str, service: ArcaService) -> Result<(), Error> {
        let endpoints = self.endpoints()?;
        if let Some((_, credentials)) =
            certificates::usable_credentials(&self.storage, &self.secrets, account_id, self.clock.now()).await?
        {
            endpoints.tickets.discard(&credentials, service).await?;
        }
        Ok(())
    }

    /// Logs in with `credentials` (keeping the ticket for later sessions) to prove WSAA accepts
    /// them. `coe.alreadyAuthenticated` proves it too: WSAA recognised the certificate.
    pub async fn check_login(&self, credentials: &Credentials) -> Result<(), Error> {
        match self.ticket_with(credentials, ArcaService::Wsfe, None).await {
            Ok(_)
            | Err(Error::Arca(arca_protocol::Error::Wsaa {
                fault: WsaaFault::AlreadyAuthenticated,
                ..
            })) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// `FEDummy` (no ticket needed): whether ARCA's application, database and authentication
    /// servers answer `OK`. Bounded by the transport's `ARCA_TIMEOUT_MS`; callers that must
    /// answer sooner wrap it in their own timeout.
    pub async fn fe_dummy(&self) -> Result<arca_protocol::wsfe::DummyResponse, Error> {
        Ok(self.endpoints()?.wsfe.fe_dummy().await?)
    }

    fn endpoints(&self) -> Result<&Endpoints, Error> {
        self.endpoints.as_ref().ok_or(Error::ArcaNotConfigured)
    }
}

impl certificates::LoginCheck for Arca {
    fn check_login(&self, credentials: &Credentials) -> impl Future<Output = Result<(), Error>> + Send {
        Arca::check_login(self, credentials)
    }
}
