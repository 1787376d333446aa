//! One typed [`Config`] from environment variables, validated once at start.
//!
//! Two visible steps: every variable is read and parsed, collecting each problem instead of
//! stopping at the first; then, when nothing is wrong, the validated settings are assembled. A
//! bad configuration yields one [`ConfigError`] that lists every missing or invalid variable.
//! Every variable is documented where it is read, and in `.env.example` at the repository root.

mod local_secrets;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use arca_protocol::secret::Secret;
use base64::Engine;

/// The longest `TAXPAYER_CACHE_TTL_SECONDS` (30 days); the scheduled job drops cached padrón
/// answers older than this, which no configuration can still consider fresh.
pub const TAXPAYER_CACHE_TTL_MAX: Duration = Duration::from_secs(30 * 86_400);

/// The service's settings, validated. Secrets are [`Secret`]s: `Debug` never prints them.
#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: AppEnv,
    /// Address to bind (`HOST`, 127.0.0.1 unless told otherwise) and port (`PORT`).
    pub host: String,
    pub port: u16,
    /// Public base URL of the service, used in links (`API_URL`, an http(s) URL with no query):
    /// with it, an invoice's `public_pdf_url` is absolute; without it, a path.
    pub api_url: Option<String>,
    /// How long a signed public link to an invoice's PDF stays valid (`PUBLIC_LINK_TTL_DAYS`,
    /// 1–365, 30).
    pub public_link_ttl_days: u32,
    pub log_level: String,
    pub log_format: LogFormat,
    /// Where local state lives: the default SQLite file, generated secrets, the simulator's CA.
    pub data_dir: PathBuf,
    pub database: DatabaseConfig,
    pub redis: Option<RedisConfig>,
    pub arca: ArcaConfig,
    pub security: SecurityConfig,
    pub maintenance: MaintenanceConfig,
    pub issuance: IssuanceConfig,
    /// Connection limits of the HTTP server.
    pub server: ServerConfig,
    /// CORS origins allowed to call the API (`ALLOWED_ORIGINS`, comma-separated; `*` for any).
    pub allowed_origins: Vec<String>,
    /// Outbound email and the outbox's dispatcher.
    pub email: EmailConfig,
    /// Webhook deliveries and the alerts' scheduled checks.
    pub webhooks: WebhookConfig,
    /// The web dashboard's sessions (`/dashboard`).
    pub dashboard: DashboardConfig,
    /// The AI provider of `mode: simple` invoices (`AI_*`); `None` when `AI_BASE_URL` and
    /// `AI_MODEL` are unset (simple mode then answers 422 `NOT_CONFIGURED`).
    pub ai: Option<AiConfig>,
}

/// The settings `mode: simple` needs, named by its `NOT_CONFIGURED` answer.
pub const AI_REQUIRED_SETTINGS: [&str; 2] = ["AI_BASE_URL", "AI_MODEL"];

/// The AI provider of `mode: simple` invoices (README "Simple mode"): any OpenAI-compatible Chat
/// Completions endpoint — OpenAI, a local Ollama or llama.cpp server.
#[derive(Debug, Clone)]
pub struct AiConfig {
    /// `AI_BASE_URL`: the API's base URL, `/chat/completions` appended
    /// (`https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`).
    pub base_url: String,
    /// `AI_API_KEY`: sent as `Authorization: Bearer …` when set (a local server needs none). A
    /// secret: never printed.
    pub api_key: Option<Secret>,
    /// `AI_MODEL`: the model named in every request (`gpt-4o-mini`, `qwen2.5:7b-instruct`).
    pub model: String,
    /// `AI_TIMEOUT_MS`: one call's whole bound, connect to last byte (30000, 100–600000).
    pub timeout: Duration,
    /// `AI_MIN_CONFIDENCE`: the confidence `confirmar: true` needs to issue (0.8, 0–1).
    pub min_confidence: f64,
}

/// The dashboard's server-side sessions (`DASHBOARD_SESSION_*`).
#[derive(Debug, Clone)]
pub struct DashboardConfig {
    /// `DASHBOARD_SESSION_IDLE_MINUTES`: a session unused this long is over (30, 1–1440).
    pub session_idle: Duration,
    /// `DASHBOARD_SESSION_MAX_HOURS`: a session is over this long after sign-in, used or not
    /// (12, 1–720).
    pub session_max: Duration,
    /// Whether the session cookie carries `Secure` (every `APP_ENV` but development).
    pub secure_cookie: bool,
}

/// Webhooks (`WEBHOOK_*`, README "Webhooks") and the scheduled alert checks.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// `WEBHOOK_MAX_RETRIES`: retries after a delivery's first attempt on 5xx, 408, 429,
    /// timeouts and network errors (5), waiting 1 min, 5 min, 15 min, 1 h, then 6 h.
    pub max_retries: u32,
    /// `WEBHOOK_TIMEOUT_MS`: one attempt's whole bound, connect to last byte (30000).
    pub timeout: Duration,
    /// `WEBHOOK_RETENTION_DAYS`: deliveries and events older than this are purged (30, 1–3650).
    pub retention_days: u32,
    /// `WEBHOOK_DISABLE_AFTER_HOURS`: an endpoint whose every delivery failed for this long is
    /// disabled (72, 1–8760).
    pub disable_after_hours: u32,
    /// `WEBHOOK_ALLOW_PRIVATE_URLS`: `http://` and loopback or private addresses accepted
    /// (local development). Always on in simulator mode; metadata addresses never.
    pub allow_private_urls: bool,
    /// `WEBHOOK_ENDPOINT_CONCURRENCY`: deliveries to one endpoint at once per instance (4, 1–64).
    pub endpoint_concurrency: u32,
    /// `ALERTS_CHECK_INTERVAL_MS`: how often one instance checks certificate expiry and quota
    /// (and purges old deliveries) (3600000; at least 1000).
    pub alerts_interval: Duration,
    /// `SIMULATOR_CLOCK_FILE`: simulator mode only (refused otherwise): the app's clock is the
    /// machine's plus the offset (ms) this file holds (`crate::simulator_clock`), so several
    /// processes share a time a test moves.
    pub simulator_clock_file: Option<PathBuf>,
}

/// Email (`SMTP_URL`, `EMAIL_FROM`, `SMTP_TLS_ROOT_CERT`) and the outbox dispatcher's knobs.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// `SMTP_URL`, in lettre's form (README "Email"): `smtp://[user:pass@]host[:port]` plain (port
    /// 25), `?tls=required` STARTTLS or no delivery, `?tls=opportunistic` STARTTLS when offered
    /// (both port 587), `smtps://…` implicit TLS (port 465). A secret: it may carry a password.
    pub smtp_url: Option<Secret>,
    /// `EMAIL_FROM`: the sender, `facturas@example.com` or `Mi Empresa <facturas@example.com>`.
    pub from: Option<String>,
    /// `SMTP_TLS_ROOT_CERT`: PEM file of the CA that signs the SMTP server's certificate,
    /// trusted instead of the system's store. Only with TLS in `SMTP_URL`.
    pub tls_root_cert: Option<PathBuf>,
    /// `OUTBOX_MAX_RETRIES`: retries after a message's first attempt on transient failures (5).
    pub max_retries: u32,
    /// `OUTBOX_LEASE_TTL_MS`: how long one attempt holds its message before another instance may
    /// take it over (300000; above the SMTP timeout, 60 s).
    pub lease_ttl: Duration,
    /// `OUTBOX_POLL_MS`: how often an idle dispatcher looks for due messages written by another
    /// instance or by an approval (5000).
    pub poll: Duration,
}

/// How long a connection may stay silent, and how many may be open: what keeps a slowloris
/// (connections opened and never finished) from exhausting the service without a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerConfig {
    /// A connection must deliver a request's complete headers within this time of its first
    /// byte (or of opening) (`HTTP_HEADER_TIMEOUT_MS`, 10000).
    pub header_timeout: Duration,
    /// A connection that moves no byte in either direction for this long is closed (a stalled
    /// body, a client that stops reading) (`HTTP_IDLE_TIMEOUT_MS`, 60000; at least twice the
    /// longer of `ARCA_TIMEOUT_MS` and `INVOICE_WAIT_TIMEOUT_MS`, the silences of a handler
    /// waiting for ARCA). Between requests, the header timeout bounds a kept-alive connection.
    pub idle_timeout: Duration,
    /// Connections served at once (`HTTP_MAX_CONNECTIONS`, 1024); beyond it new connections
    /// wait in the kernel's accept queue until one closes.
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Staging,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `postgres://…` or `sqlite://path` (the URL may carry a password, hence a secret).
    pub url: Secret,
    pub pool_size: u32,
    /// TLS to PostgreSQL (`DATABASE_SSL`): overrides the URL's `sslmode` when set.
    pub ssl_mode: Option<DatabaseSsl>,
    /// The CA that signs the server's certificate (`DATABASE_SSL_ROOT_CERT`, PEM): overrides
    /// the URL's `sslrootcert` when set. Without either, the system's trust store is used.
    pub ssl_root_cert: Option<PathBuf>,
}

impl DatabaseConfig {
    /// A database at `url` with no TLS settings beyond those the URL carries.
    pub fn from_url(url: Secret, pool_size: u32) -> DatabaseConfig {
        DatabaseConfig {
            url,
            pool_size,
            ssl_mode: None,
            ssl_root_cert: None,
        }
    }
}

/// PostgreSQL's `sslmode`, the subset that means something to a client: whether TLS is used,
/// and how much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseSsl {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, plain otherwise; the certificate is not checked.
    Prefer,
    /// TLS or no connection; the certificate is not checked.
    Require,
    /// TLS, and the certificate must chain to the trusted CA.
    VerifyCa,
    /// `VerifyCa`, and the certificate must name the host connected to.
    VerifyFull,
}

impl DatabaseSsl {
    pub fn parse(text: &str) -> Result<DatabaseSsl, String> {
        match text {
            "disable" => Ok(DatabaseSsl::Disable),
            "prefer" => Ok(DatabaseSsl::Prefer),
            "require" => Ok(DatabaseSsl::Require),
            "verify-ca" => Ok(DatabaseSsl::VerifyCa),
            "verify-full" => Ok(DatabaseSsl::VerifyFull),
            _ => Err("expected disable, prefer, require, verify-ca or verify-full".into()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// `redis://…` or `rediss://…` (TLS); `REDIS_TLS=true` has already turned the first into
    /// the second.
    pub url: Secret,
    /// Prepended to every key, so several deployments (or test runs) can share one Redis.
    pub key_prefix: String,
    /// The CA that signs the server's certificate (`REDIS_TLS_ROOT_CERT`, PEM), trusted instead
    /// of the system's store. Only with a `rediss://` URL.
    pub tls_root_cert: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArcaEnvironment {
    /// The built-in simulator, started in-process.
    Simulator,
    Homologacion,
    Production,
}

#[derive(Debug, Clone)]
pub struct ArcaConfig {
    pub environment: ArcaEnvironment,
    /// WSAA and WSFEv1 endpoints: the override, else the environment's default. In simulator
    /// mode they stay `None` until `serve` starts the simulator and fills them in.
    pub wsaa_url: Option<String>,
    pub wsfe_url: Option<String>,
    /// The padrón (`ws_sr_constancia_inscripcion`, A5; `ws_sr_padron_a13`, A13), WSCDC and
    /// wsfecred endpoints: the override, else the environment's default. In simulator mode,
    /// unset, they are the simulator's paths at `wsfe_url`'s origin (see
    /// [`ArcaConfig::service_urls`]).
    pub padron_a5_url: Option<String>,
    pub padron_a13_url: Option<String>,
    pub wscdc_url: Option<String>,
    pub wsfecred_url: Option<String>,
    /// How long a padrón answer is served from the cache (`TAXPAYER_CACHE_TTL_SECONDS`, 86400).
    pub taxpayer_cache_ttl: Duration,
    pub timeout: Duration,
    /// Bound on `GET /health/arca`'s FEDummy, so the probe answers 503 rather than hang.
    pub health_timeout: Duration,
    /// How long one FEDummy result answers `GET /health/arca` (`ARCA_HEALTH_CACHE_MS`, 5000), so
    /// no client can make the service call ARCA more often than this.
    pub health_cache: Duration,
    pub token_renew_before: Duration,
    /// Hosts that need OpenSSL's lowered security level (`DEFAULT@SECLEVEL=1`), and only those.
    pub tls_legacy_hosts: Vec<String>,
    /// The single-company set-up: the issuer's CUIT and certificate. In simulator mode `serve`
    /// fills these with the demo account's certificate. (Certificates as an API resource, per
    /// account, come next.)
    pub cuit: Option<String>,
    pub certificate: Option<CertificateSource>,
}

impl ArcaConfig {
    /// The A5, A13, WSCDC and wsfecred endpoints: as configured, else — in simulator mode — the
    /// simulator's own paths at the origin of `wsfe_url` (the simulator serves every service on
    /// one port).
    pub fn service_urls(&self) -> [Option<String>; 4] {
        let sibling = |path: &str| {
            if self.environment != ArcaEnvironment::Simulator {
                return None;
            }
            let wsfe = self.wsfe_url.as_deref()?;
            let origin_end = wsfe.find("://").map(|scheme| scheme + 3)?;
            let path_start = wsfe[origin_end..].find('/').map_or(wsfe.len(), |i| origin_end + i);
            Some(format!("{}{path}", &wsfe[..path_start]))
        };
        [
            self.padron_a5_url
                .clone()
                .or_else(|| sibling("/sr-padron/webservices/personaServiceA5")),
            self.padron_a13_url
                .clone()
                .or_else(|| sibling("/sr-padron/webservices/personaServiceA13")),
            self.wscdc_url.clone().or_else(|| sibling("/WSCDC/service.asmx")),
            self.wsfecred_url.clone().or_else(|| sibling("/wsfecred/FECredService")),
        ]
    }
}

/// Where the single-company certificate is.
#[derive(Debug, Clone)]
pub enum CertificateSource {
    Pem { cert_path: PathBuf, key_path: PathBuf },
    Pkcs12 { path: PathBuf, passphrase: Option<Secret> },
}

#[derive(Debug, Clone)]
pub struct SecurityConfig {
    /// 32 bytes, base64: encrypts secrets at rest (AES-256-GCM).
    pub secrets_encryption_key: Secret,
    /// The pepper of API-key hashes (HMAC-SHA256 key).
    pub api_key_salt: Secret,
    /// Bearer token for `POST /v1/accounts`; without it account creation over HTTP is closed.
    pub admin_token: Option<Secret>,
    /// Bearer token for `GET /metrics`: when set, a scrape without it gets 401, and only a scrape
    /// with it sees per-tenant series (`arca_certificate_expiry_days{cuit}`).
    pub metrics_token: Option<Secret>,
    pub rate_limit_enabled: bool,
}

#[derive(Debug, Clone)]
pub struct MaintenanceConfig {
    pub enabled: bool,
    pub retry_after: Duration,
    /// How long an instance trusts the shared maintenance flag it last read.
    pub cache_ttl: Duration,
}

/// The issuance engine's knobs.
#[derive(Debug, Clone)]
pub struct IssuanceConfig {
    /// How long `POST /v1/invoices` waits for ARCA's answer before answering 202.
    pub wait: Duration,
    /// How long a series lease lasts without renewal: how soon another instance takes over a
    /// series whose instance died. Keep it above `ARCA_TIMEOUT_MS`, so that a live sender is not
    /// taken over mid-call (safety does not depend on it: every write is fenced).
    pub lease_ttl: Duration,
    /// The ARCA circuit breaker's thresholds (and whether it is forced open).
    pub breaker: BreakerConfig,
    /// What `POST /v1/invoices` does while the breaker is open.
    pub queue_mode: QueueMode,
    /// CAEA contingency: how often it looks at grants and reports, and when it alerts.
    pub contingency: ContingencyConfig,
}

/// CAEA contingency's timing (`CAEA_*`, README "CAEA contingency").
#[derive(Debug, Clone)]
pub struct ContingencyConfig {
    /// `CAEA_CHECK_INTERVAL_MS`: how often each instance makes sure every opted-in account has
    /// the CAEA of the current and (inside ARCA's window) the next fortnight, primes its
    /// contingency series and alerts on a missing one (60000, at least 1000).
    pub check_interval: Duration,
    /// `CAEA_REPORT_INTERVAL_MS`: how often each instance looks for CAEA vouchers and points of
    /// sale to report (30000, at least 100); it also looks as soon as the breaker closes.
    pub report_interval: Duration,
    /// `CAEA_ALERT_DAYS`: alert when a fortnight starts within this many days and the account has
    /// no CAEA for it yet (2, 0–5: ARCA grants it from 5 days before).
    pub alert_days: u32,
}

impl Default for ContingencyConfig {
    fn default() -> Self {
        ContingencyConfig {
            check_interval: Duration::from_secs(60),
            report_interval: Duration::from_secs(30),
            alert_days: 2,
        }
    }
}

/// The ARCA circuit breaker's thresholds and durations.
#[derive(Debug, Clone)]
pub struct BreakerConfig {
    /// Consecutive infrastructure failures that open it (`CIRCUIT_BREAKER_FAILURE_THRESHOLD`, 5).
    pub threshold: u32,
    /// How long it stays open before a probe (`CIRCUIT_BREAKER_OPEN_SECONDS`, 300).
    pub open_for: Duration,
    /// How long it stays open again after a failed probe (twice `open_for`: 10 minutes).
    pub reopen_for: Duration,
    /// `ARCA_CIRCUIT_BREAKER=true`: open, whatever happens.
    pub forced_open: bool,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            threshold: 5,
            open_for: Duration::from_secs(300),
            reopen_for: Duration::from_secs(600),
            forced_open: false,
        }
    }
}

/// `INVOICE_QUEUE_MODE`: while the ARCA circuit breaker is open, accept invoices as
/// `pending_retry` (202, sent when it closes), refuse them (503 `ARCA_UNAVAILABLE`), or issue
/// them under the account's CAEA on a contingency point of sale (`caea`; accounts without one,
/// or without a usable CAEA, are queued as with `queue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueMode {
    Queue,
    Reject,
    Caea,
}

/// Every problem found in the environment, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration ({} problem(s)):", self.problems.len())?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl AppEnv {
    pub fn as_str(self) -> &'static str {
        match self {
            AppEnv::Development => "development",
            AppEnv::Staging => "staging",
            AppEnv::Production => "production",
        }
    }
}

impl ArcaEnvironment {
    pub fn as_str(self) -> &'static str {
        match self {
            ArcaEnvironment::Simulator => "simulator",
            ArcaEnvironment::Homologacion => "homologacion",
            ArcaEnvironment::Production => "production",
        }
    }

    /// The A5, A13, WSCDC and wsfecred endpoints of the environment (docs/arca.md §J.1, §K,
    /// §M.2); none for the simulator, whose address is known only once it runs.
    fn default_service_urls(self) -> [Option<&'static str>; 4] {
        match self {
            ArcaEnvironment::Simulator => [None, None, None, None],
            ArcaEnvironment::Homologacion => [
                Some("https://awshomo.afip.gov.ar/sr-padron/webservices/personaServiceA5"),
                Some("https://awshomo.afip.gov.ar/sr-padron/webservices/personaServiceA13"),
                Some("https://wswhomo.afip.gov.ar/WSCDC/service.asmx"),
                Some("https://fwshomo.afip.gov.ar/wsfecred/FECredService"),
            ],
            ArcaEnvironment::Production => [
                Some("https://aws.afip.gov.ar/sr-padron/webservices/personaServiceA5"),
                Some("https://aws.afip.gov.ar/sr-padron/webservices/personaServiceA13"),
                Some("https://servicios1.afip.gov.ar/WSCDC/service.asmx"),
                Some("https://serviciosjava.afip.gob.ar/wsfecred/FECredService"),
            ],
        }
    }

    fn default_urls(self) -> (Option<&'static str>, Option<&'static str>) {
        match self {
            ArcaEnvironment::Simulator => (None, None),
            ArcaEnvironment::Homologacion => (
                Some("https://wsaahomo.afip.gov.ar/ws/services/LoginCms"),
                Some("https://wswhomo.afip.gov.ar/wsfev1/service.asmx"),
            ),
            ArcaEnvironment::Production => (
                Some("https://wsaa.afip.gov.ar/ws/services/LoginCms"),
                Some("https://servicios1.afip.gov.ar/wsfev1/service.asmx"),
            ),
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup` (tests pass a map). In simulator mode outside
    /// production, a missing `SECRETS_ENCRYPTION_KEY` or `API_KEY_SALT` is generated once and
    /// kept under `DATA_DIR/secrets/`, so restarts keep decrypting and recognising keys.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut reader = Reader {
            lookup: &lookup,
            problems: Vec::new(),
        };
        let config = reader.read();
        match config {
            Some(config) if reader.problems.is_empty() => Ok(config),
            _ => Err(ConfigError {
                problems: reader.problems,
            }),
        }
    }

    /// The database settings alone, for commands (`migrate`) that need nothing else.
    pub fn database_from_env() -> Result<(DatabaseConfig, PathBuf), ConfigError> {
        let lookup = |name: &str| std::env::var(name).ok();
        let mut reader = Reader {
            lookup: &lookup,
            problems: Vec::new(),
        };
        let data_dir = reader.data_dir();
        let database = reader.database(&data_dir);
        if reader.problems.is_empty() {
            Ok((database, data_dir))
        } else {
            Err(ConfigError {
                problems: reader.problems,
            })
        }
    }
}

struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<String>,
}

impl Reader<'_> {
    fn read(&mut self) -> Option<Config> {
        // APP_ENV: development (default) | staging | production.
        let app_env = self.parsed("APP_ENV", AppEnv::Development, |text| match text {
            "development" => Ok(AppEnv::Development),
            "staging" => Ok(AppEnv::Staging),
            "production" => Ok(AppEnv::Production),
            _ => Err("expected development, staging or production".into()),
        });
        // HOST: address to bind (127.0.0.1: this machine only; the container image sets
        // 0.0.0.0). PORT: port to listen on (3000; 0 picks a free one).
        let host = self.text("HOST").unwrap_or_else(|| "127.0.0.1".into());
        let port = self.number("PORT", 3000u16);
        // API_URL: the public base URL (optional), e.g. https://api.example.com: the base of the
        // public links in responses (`public_pdf_url`), which are paths without it.
        let api_url = self.url("API_URL");
        if api_url.as_ref().is_some_and(|url| url.contains(['?', '#'])) {
            self.problem("API_URL", "a base URL carries no query or fragment");
        }
        // PUBLIC_LINK_TTL_DAYS: how long a signed public link to an invoice's PDF is valid (30).
        let public_link_ttl_days = self.number("PUBLIC_LINK_TTL_DAYS", 30u32);
        if !crate::public_links::TTL_DAYS.contains(&public_link_ttl_days) {
            self.problem("PUBLIC_LINK_TTL_DAYS", "must be a whole number of days from 1 to 365");
        }
        // LOG_LEVEL: a tracing filter (info). LOG_FORMAT: json | pretty (pretty).
        let log_level = self.text("LOG_LEVEL").unwrap_or_else(|| "info".into());
        let log_format = self.parsed("LOG_FORMAT", LogFormat::Pretty, |text| match text {
            "json" => Ok(LogFormat::Json),
            "pretty" => Ok(LogFormat::Pretty),
            _ => Err("expected json or pretty".into()),
        });
        let data_dir = self.data_dir();
        let database = self.database(&data_dir);
        let redis = self.redis();
        let arca = self.arca();
        let security = self.security(app_env, arca.environment, &data_dir);
        // MAINTENANCE_MODE: true answers every /v1 request with 503 MAINTENANCE.
        // MAINTENANCE_RETRY_AFTER: the Retry-After it sends, in seconds (120).
        // MAINTENANCE_CACHE_MS: how long the shared flag (`arca-api maintenance on|off`) is
        // cached per instance, so a switch reaches every instance within it (2000).
        let maintenance = MaintenanceConfig {
            enabled: self.boolean("MAINTENANCE_MODE", false),
            retry_after: Duration::from_secs(self.number("MAINTENANCE_RETRY_AFTER", 120u64)),
            cache_ttl: Duration::from_millis(self.number("MAINTENANCE_CACHE_MS", 2_000u64)),
        };
        // INVOICE_WAIT_TIMEOUT_MS: how long POST /v1/invoices waits for ARCA before 202 (10000).
        // ISSUANCE_LEASE_TTL_MS: how soon another instance takes over a dead one's series (30000).
        // ARCA_CIRCUIT_BREAKER: true forces the breaker open (false).
        // CIRCUIT_BREAKER_FAILURE_THRESHOLD: consecutive ARCA failures that open it (5).
        // CIRCUIT_BREAKER_OPEN_SECONDS: how long it stays open before a probe (300; a failed
        // probe opens it for twice as long).
        // INVOICE_QUEUE_MODE: queue (202 pending_retry while open) | reject (503).
        let open_for = Duration::from_secs(self.number("CIRCUIT_BREAKER_OPEN_SECONDS", 300u64));
        let threshold = self.number("CIRCUIT_BREAKER_FAILURE_THRESHOLD", 5u32);
        if threshold == 0 {
            self.problem("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "must be at least 1");
        }
        let issuance = IssuanceConfig {
            wait: Duration::from_millis(self.number("INVOICE_WAIT_TIMEOUT_MS", 10_000u64)),
            lease_ttl: Duration::from_millis(self.number("ISSUANCE_LEASE_TTL_MS", 30_000u64).max(1)),
            breaker: BreakerConfig {
                threshold: threshold.max(1),
                open_for,
                reopen_for: open_for * 2,
                forced_open: self.boolean("ARCA_CIRCUIT_BREAKER", false),
            },
            queue_mode: self.parsed("INVOICE_QUEUE_MODE", QueueMode::Queue, |text| match text {
                "queue" => Ok(QueueMode::Queue),
                "reject" => Ok(QueueMode::Reject),
                "caea" => Ok(QueueMode::Caea),
                _ => Err("expected queue, reject or caea".into()),
            }),
            contingency: self.contingency(),
        };
        // ALLOWED_ORIGINS: comma-separated CORS origins (none by default; `*` for any).
        let allowed_origins = self.list("ALLOWED_ORIGINS");
        let server = self.server();
        let email = self.email();
        let webhooks = self.webhooks(arca.environment == ArcaEnvironment::Simulator);
        if webhooks.timeout >= email.lease_ttl {
            self.problem(
                "WEBHOOK_TIMEOUT_MS",
                "must be below OUTBOX_LEASE_TTL_MS (an attempt must end before its lease does)",
            );
        }
        let ai = self.ai();
        // A handler waiting for ARCA (or the AI provider) moves no byte: the idle bound must
        // outlast those waits.
        let ai_timeout = ai.as_ref().map_or(Duration::ZERO, |ai| ai.timeout);
        let longest_wait = arca.timeout.max(issuance.wait).max(ai_timeout) * 2;
        if server.idle_timeout < longest_wait {
            self.problem(
                "HTTP_IDLE_TIMEOUT_MS",
                &format!(
                    "must be at least twice the longest of ARCA_TIMEOUT_MS, INVOICE_WAIT_TIMEOUT_MS and AI_TIMEOUT_MS ({} ms)",
                    longest_wait.as_millis()
                ),
            );
        }
        let dashboard = self.dashboard(app_env);
        Some(Config {
            app_env,
            host,
            port,
            api_url,
            public_link_ttl_days,
            log_level,
            log_format,
            data_dir,
            database,
            redis,
            arca,
            security: security?,
            maintenance,
            issuance,
            server,
            allowed_origins,
            email,
            webhooks,
            dashboard,
            ai,
        })
    }

    fn ai(&mut self) -> Option<AiConfig> {
        // AI_BASE_URL and AI_MODEL: both or neither (without them `mode: simple` answers 422
        // NOT_CONFIGURED). AI_API_KEY: optional bearer token (secret). AI_TIMEOUT_MS (30000,
        // 100–600000). AI_MIN_CONFIDENCE (0.8, 0–1).
        let base_url = self.url("AI_BASE_URL");
        if base_url.as_ref().is_some_and(|url| url.contains(['?', '#'])) {
            self.problem("AI_BASE_URL", "a base URL carries no query or fragment");
        }
        let model = self.text("AI_MODEL").map(|model| model.trim().to_string());
        let api_key = self.text("AI_API_KEY").map(|key| Secret::new(key.trim().to_string()));
        let timeout_ms = self.number("AI_TIMEOUT_MS", 30_000u64);
        if !(100..=600_000).contains(&timeout_ms) {
            self.problem("AI_TIMEOUT_MS", "must be between 100 and 600000");
        }
        let min_confidence = self.parsed("AI_MIN_CONFIDENCE", 0.8f64, |text| {
            text.parse::<f64>()
                .ok()
                .filter(|value| (0.0..=1.0).contains(value))
                .ok_or_else(|| "expected a number from 0 to 1".to_string())
        });
        match (base_url, model) {
            (Some(base_url), Some(model)) => Some(AiConfig {
                base_url: base_url.trim_end_matches('/').to_string(),
                api_key,
                model,
                timeout: Duration::from_millis(timeout_ms.clamp(100, 600_000)),
                min_confidence,
            }),
            (None, None) => {
                if api_key.is_some() {
                    self.problem("AI_API_KEY", "needs AI_BASE_URL and AI_MODEL");
                }
                None
            }
            (Some(_), None) => {
                self.problem("AI_MODEL", "required with AI_BASE_URL (the model every request names)");
                None
            }
            (None, Some(_)) => {
                self.problem(
                    "AI_BASE_URL",
                    "required with AI_MODEL (the provider's OpenAI-compatible API)",
                );
                None
            }
        }
    }

    fn dashboard(&mut self, app_env: AppEnv) -> DashboardConfig {
        // DASHBOARD_SESSION_IDLE_MINUTES (30, 1–1440), DASHBOARD_SESSION_MAX_HOURS (12, 1–720).
        let idle_minutes = self.number("DASHBOARD_SESSION_IDLE_MINUTES", 30u64);
        if !(1..=1440).contains(&idle_minutes) {
            self.problem("DASHBOARD_SESSION_IDLE_MINUTES", "must be between 1 and 1440");
        }
        let max_hours = self.number("DASHBOARD_SESSION_MAX_HOURS", 12u64);
        if !(1..=720).contains(&max_hours) {
            self.problem("DASHBOARD_SESSION_MAX_HOURS", "must be between 1 and 720");
        }
        DashboardConfig {
            session_idle: Duration::from_secs(idle_minutes.clamp(1, 1440) * 60),
            session_max: Duration::from_secs(max_hours.clamp(1, 720) * 3600),
            secure_cookie: app_env != AppEnv::Development,
        }
    }

    fn webhooks(&mut self, simulator: bool) -> WebhookConfig {
        // WEBHOOK_MAX_RETRIES (5), WEBHOOK_TIMEOUT_MS (30000), WEBHOOK_RETENTION_DAYS (30),
        // WEBHOOK_DISABLE_AFTER_HOURS (72), WEBHOOK_ALLOW_PRIVATE_URLS (false; simulator mode
        // implies it), WEBHOOK_ENDPOINT_CONCURRENCY (4), ALERTS_CHECK_INTERVAL_MS (3600000).
        let max_retries = self.number("WEBHOOK_MAX_RETRIES", 5u32);
        let timeout_ms = self.number("WEBHOOK_TIMEOUT_MS", 30_000u64);
        let retention_days = self.number("WEBHOOK_RETENTION_DAYS", 30u32);
        let disable_after_hours = self.number("WEBHOOK_DISABLE_AFTER_HOURS", 72u32);
        let allow_private_urls = self.boolean("WEBHOOK_ALLOW_PRIVATE_URLS", false) || simulator;
        let endpoint_concurrency = self.number("WEBHOOK_ENDPOINT_CONCURRENCY", 4u32);
        let alerts_ms = self.number("ALERTS_CHECK_INTERVAL_MS", 3_600_000u64);
        if !(100..=600_000).contains(&timeout_ms) {
            self.problem("WEBHOOK_TIMEOUT_MS", "must be between 100 and 600000");
        }
        if !(1..=3650).contains(&retention_days) {
            self.problem("WEBHOOK_RETENTION_DAYS", "must be between 1 and 3650");
        }
        if !(1..=8760).contains(&disable_after_hours) {
            self.problem("WEBHOOK_DISABLE_AFTER_HOURS", "must be between 1 and 8760");
        }
        if !(1..=64).contains(&endpoint_concurrency) {
            self.problem("WEBHOOK_ENDPOINT_CONCURRENCY", "must be between 1 and 64");
        }
        if alerts_ms < 1000 {
            self.problem("ALERTS_CHECK_INTERVAL_MS", "must be at least 1000");
        }
        // SIMULATOR_CLOCK_FILE: a shared, movable clock for tests; never outside the simulator.
        let simulator_clock_file = self.text("SIMULATOR_CLOCK_FILE").map(PathBuf::from);
        if simulator_clock_file.is_some() && !simulator {
            self.problem(
                "SIMULATOR_CLOCK_FILE",
                "only in simulator mode (ARCA_ENVIRONMENT=simulator): production time never comes from a file",
            );
        }
        WebhookConfig {
            max_retries,
            timeout: Duration::from_millis(timeout_ms),
            retention_days,
            disable_after_hours,
            allow_private_urls,
            endpoint_concurrency,
            alerts_interval: Duration::from_millis(alerts_ms),
            simulator_clock_file,
        }
    }

    fn email(&mut self) -> EmailConfig {
        // SMTP_URL: the SMTP server (README "Email"): smtp://user:pass@host:port plain,
        // smtp://…?tls=required STARTTLS, smtps://… implicit TLS. Unset in simulator mode: mail is
        // written to DATA_DIR/outbox/ as .eml files. Never printed: it may carry a password.
        // EMAIL_FROM: the sender address (`Name <address>` or `address`).
        // SMTP_TLS_ROOT_CERT: PEM file of the CA to trust for the SMTP server instead of the
        // system's store.
        let smtp_url = self.text("SMTP_URL");
        let tls = smtp_url.as_deref().map(|url| {
            smtp_tls(url).unwrap_or_else(|message| {
                self.problem("SMTP_URL", &message);
                SmtpTls::None
            })
        });
        let from = self.text("EMAIL_FROM").map(|from| from.trim().to_string());
        if let Some(from) = &from
            && from.parse::<lettre::message::Mailbox>().is_err()
        {
            self.problem("EMAIL_FROM", "expected an address, or a name and an address in <>");
        }
        let tls_root_cert = self.text("SMTP_TLS_ROOT_CERT").map(PathBuf::from);
        if let Some(path) = &tls_root_cert {
            if matches!(tls, None | Some(SmtpTls::None)) {
                self.problem(
                    "SMTP_TLS_ROOT_CERT",
                    "needs TLS: an smtps:// SMTP_URL or one with ?tls=required or ?tls=opportunistic",
                );
            }
            if !path.is_file() {
                self.problem("SMTP_TLS_ROOT_CERT", &format!("no such file: {}", path.display()));
            }
        }
        // OUTBOX_MAX_RETRIES: retries after the first attempt on transient failures (5), waiting
        // 1 min, 5 min, 15 min, 1 h, then 6 h. OUTBOX_LEASE_TTL_MS: how soon another instance
        // takes over an attempt whose instance died (300000). OUTBOX_POLL_MS: how often an idle
        // dispatcher looks for due messages (5000).
        let max_retries = self.number("OUTBOX_MAX_RETRIES", 5u32);
        let lease_ms = self.number("OUTBOX_LEASE_TTL_MS", 300_000u64);
        let poll_ms = self.number("OUTBOX_POLL_MS", 5_000u64);
        for (name, value) in [("OUTBOX_LEASE_TTL_MS", lease_ms), ("OUTBOX_POLL_MS", poll_ms)] {
            if value == 0 {
                self.problem(name, "must be at least 1");
            }
        }
        EmailConfig {
            smtp_url: smtp_url.map(Secret::new),
            from,
            tls_root_cert,
            max_retries,
            lease_ttl: Duration::from_millis(lease_ms.max(1)),
            poll: Duration::from_millis(poll_ms.max(1)),
        }
    }

    fn server(&mut self) -> ServerConfig {
        let defaults = ServerConfig::default();
        // HTTP_HEADER_TIMEOUT_MS: a request's headers must arrive within this time (10000).
        // HTTP_IDLE_TIMEOUT_MS: a connection moving no byte for this long is closed (60000).
        // HTTP_MAX_CONNECTIONS: connections served at once; more wait to be accepted (1024).
        let header_ms = self.number("HTTP_HEADER_TIMEOUT_MS", millis(defaults.header_timeout));
        let idle_ms = self.number("HTTP_IDLE_TIMEOUT_MS", millis(defaults.idle_timeout));
        let max_connections = self.number("HTTP_MAX_CONNECTIONS", defaults.max_connections);
        for (name, value) in [("HTTP_HEADER_TIMEOUT_MS", header_ms), ("HTTP_IDLE_TIMEOUT_MS", idle_ms)] {
            if value == 0 {
                self.problem(name, "must be at least 1");
            }
        }
        if max_connections == 0 {
            self.problem("HTTP_MAX_CONNECTIONS", "must be at least 1");
        }
        ServerConfig {
            header_timeout: Duration::from_millis(header_ms.max(1)),
            idle_timeout: Duration::from_millis(idle_ms.max(1)),
            max_connections: max_connections.max(1),
        }
    }

    fn data_dir(&mut self) -> PathBuf {
        // DATA_DIR: local state (default SQLite file, generated secrets, simulator CA) (./data).
        self.text("DATA_DIR")
            .map_or_else(|| PathBuf::from("data"), PathBuf::from)
    }

    fn redis(&mut self) -> Option<RedisConfig> {
        // REDIS_URL: optional; without it caches and rate limits are in-process. rediss:// is
        // TLS (the server's certificate checked against the system's trust store).
        // REDIS_KEY_PREFIX: prepended to every Redis key (arca-api:).
        // REDIS_TLS: true turns a redis:// URL into rediss://; false refuses a rediss:// URL
        // (unset: the URL decides).
        // REDIS_TLS_ROOT_CERT: PEM file of the CA to trust instead of the system's store.
        let tls = self.text("REDIS_TLS").map(|_| self.boolean("REDIS_TLS", false));
        let tls_root_cert = self.text("REDIS_TLS_ROOT_CERT").map(PathBuf::from);
        let Some(mut url) = self.text("REDIS_URL") else {
            if tls == Some(true) || tls_root_cert.is_some() {
                self.problem("REDIS_URL", "REDIS_TLS and REDIS_TLS_ROOT_CERT need a REDIS_URL");
            }
            return None;
        };
        if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
            self.problem("REDIS_URL", "expected redis://… or rediss://…");
        }
        match tls {
            Some(true) => {
                if let Some(rest) = url.strip_prefix("redis://") {
                    url = format!("rediss://{rest}");
                }
            }
            Some(false) if url.starts_with("rediss://") => {
                self.problem("REDIS_TLS", "false contradicts a rediss:// REDIS_URL");
            }
            _ => {}
        }
        if let Some(path) = &tls_root_cert {
            if !url.starts_with("rediss://") {
                self.problem(
                    "REDIS_TLS_ROOT_CERT",
                    "needs TLS: a rediss:// REDIS_URL or REDIS_TLS=true",
                );
            }
            if !path.is_file() {
                self.problem("REDIS_TLS_ROOT_CERT", &format!("no such file: {}", path.display()));
            }
        }
        Some(RedisConfig {
            url: Secret::new(url),
            key_prefix: self.text("REDIS_KEY_PREFIX").unwrap_or_else(|| "arca-api:".into()),
            tls_root_cert,
        })
    }

    fn database(&mut self, data_dir: &std::path::Path) -> DatabaseConfig {
        // DATABASE_URL: postgres://… or sqlite://FILE (sqlite://DATA_DIR/arca-api.db, created
        // if missing). DATABASE_POOL_SIZE: connections in the pool (20).
        let url = self
            .text("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("arca-api.db").display()));
        if !["postgres://", "postgresql://", "sqlite:"]
            .iter()
            .any(|scheme| url.starts_with(scheme))
        {
            self.problem("DATABASE_URL", "expected postgres://… or sqlite://…");
        }
        let pool_size = self.number("DATABASE_POOL_SIZE", 20u32);
        if pool_size == 0 {
            self.problem("DATABASE_POOL_SIZE", "must be at least 1");
        }
        // DATABASE_SSL: disable | prefer | require | verify-ca | verify-full: TLS to PostgreSQL,
        // overriding the URL's sslmode (unset: the URL's sslmode, else prefer).
        // DATABASE_SSL_ROOT_CERT: PEM file of the CA for verify-ca / verify-full, overriding
        // the URL's sslrootcert (unset: the system's trust store).
        let ssl_mode = self.text("DATABASE_SSL").and_then(|text| {
            DatabaseSsl::parse(text.trim())
                .map_err(|message| self.problem("DATABASE_SSL", &format!("{message} (got {text:?})")))
                .ok()
        });
        let ssl_root_cert = self.text("DATABASE_SSL_ROOT_CERT").map(PathBuf::from);
        let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
        if !postgres {
            for (name, set) in [
                ("DATABASE_SSL", ssl_mode.is_some()),
                ("DATABASE_SSL_ROOT_CERT", ssl_root_cert.is_some()),
            ] {
                if set {
                    self.problem(name, "applies to a postgres:// DATABASE_URL only");
                }
            }
        }
        if let Some(path) = &ssl_root_cert
            && !path.is_file()
        {
            self.problem("DATABASE_SSL_ROOT_CERT", &format!("no such file: {}", path.display()));
        }
        DatabaseConfig {
            url: Secret::new(url),
            pool_size,
            ssl_mode,
            ssl_root_cert,
        }
    }

    fn arca(&mut self) -> ArcaConfig {
        // ARCA_ENVIRONMENT: simulator (default, in-process) | homologacion | production.
        let environment = self.parsed("ARCA_ENVIRONMENT", ArcaEnvironment::Simulator, |text| match text {
            "simulator" => Ok(ArcaEnvironment::Simulator),
            "homologacion" => Ok(ArcaEnvironment::Homologacion),
            "production" => Ok(ArcaEnvironment::Production),
            _ => Err("expected simulator, homologacion or production".into()),
        });
        let (default_wsaa, default_wsfe) = environment.default_urls();
        // ARCA_WSAA_URL, ARCA_WSFE_URL: endpoint overrides.
        let wsaa_url = self.url("ARCA_WSAA_URL").or(default_wsaa.map(String::from));
        let wsfe_url = self.url("ARCA_WSFE_URL").or(default_wsfe.map(String::from));
        // ARCA_PADRON_A5_URL, ARCA_PADRON_A13_URL, ARCA_WSCDC_URL, ARCA_WSFECRED_URL: endpoint
        // overrides of the padrón, voucher-verification and FCE (wsfecred) services.
        let [default_a5, default_a13, default_wscdc, default_wsfecred] = environment.default_service_urls();
        let padron_a5_url = self.url("ARCA_PADRON_A5_URL").or(default_a5.map(String::from));
        let padron_a13_url = self.url("ARCA_PADRON_A13_URL").or(default_a13.map(String::from));
        let wscdc_url = self.url("ARCA_WSCDC_URL").or(default_wscdc.map(String::from));
        let wsfecred_url = self.url("ARCA_WSFECRED_URL").or(default_wsfecred.map(String::from));
        // TAXPAYER_CACHE_TTL_SECONDS: how long a padrón answer is reused (86400, 1 day; 0..=30 days).
        let taxpayer_cache_ttl = Duration::from_secs(self.number("TAXPAYER_CACHE_TTL_SECONDS", 86_400u64));
        if taxpayer_cache_ttl > TAXPAYER_CACHE_TTL_MAX {
            self.problem("TAXPAYER_CACHE_TTL_SECONDS", "at most 2592000 (30 days)");
        }
        // ARCA_TIMEOUT_MS: bound on one ARCA call (10000).
        let timeout = Duration::from_millis(self.number("ARCA_TIMEOUT_MS", 10_000u64));
        // ARCA_HEALTH_TIMEOUT_MS: bound on the FEDummy of GET /health/arca (3000).
        let health_timeout = Duration::from_millis(self.number("ARCA_HEALTH_TIMEOUT_MS", 3_000u64));
        // ARCA_HEALTH_CACHE_MS: how long one FEDummy result answers GET /health/arca (5000).
        let health_cache = Duration::from_millis(self.number("ARCA_HEALTH_CACHE_MS", 5_000u64));
        // ARCA_TOKEN_RENEW_BEFORE_SECONDS: renew access tickets this long before expiry (600).
        let token_renew_before = Duration::from_secs(self.number("ARCA_TOKEN_RENEW_BEFORE_SECONDS", 600u64));
        // ARCA_TLS_LEGACY_HOSTS: comma-separated hosts that need OpenSSL's SECLEVEL=1.
        let tls_legacy_hosts = self.list("ARCA_TLS_LEGACY_HOSTS");
        // ARCA_CUIT: the issuer's CUIT in the single-company set-up.
        let cuit = self.text("ARCA_CUIT");
        if let Some(text) = &cuit
            && arca_protocol::Cuit::parse(text).is_err()
        {
            self.problem("ARCA_CUIT", "not a valid CUIT (11 digits with a correct check digit)");
        }
        // ARCA_CERT_PATH + ARCA_KEY_PATH (PEM), or ARCA_CERTIFICATE_PATH (PKCS#12) with
        // ARCA_CERTIFICATE_PASSPHRASE: the single-company certificate.
        let certificate = match (
            self.text("ARCA_CERT_PATH"),
            self.text("ARCA_KEY_PATH"),
            self.text("ARCA_CERTIFICATE_PATH"),
        ) {
            (None, None, None) => None,
            (Some(cert_path), Some(key_path), None) => Some(CertificateSource::Pem {
                cert_path: cert_path.into(),
                key_path: key_path.into(),
            }),
            (None, None, Some(path)) => Some(CertificateSource::Pkcs12 {
                path: path.into(),
                passphrase: self.text("ARCA_CERTIFICATE_PASSPHRASE").map(Secret::new),
            }),
            _ => {
                self.problem(
                    "ARCA_CERT_PATH",
                    "set ARCA_CERT_PATH and ARCA_KEY_PATH together, or ARCA_CERTIFICATE_PATH alone",
                );
                None
            }
        };
        ArcaConfig {
            cuit,
            certificate,
            environment,
            wsaa_url,
            wsfe_url,
            padron_a5_url,
            padron_a13_url,
            wscdc_url,
            wsfecred_url,
            taxpayer_cache_ttl,
            timeout,
            health_timeout,
            health_cache,
            token_renew_before,
            tls_legacy_hosts,
        }
    }

    fn security(
        &mut self,
        app_env: AppEnv,
        environment: ArcaEnvironment,
        data_dir: &std::path::Path,
    ) -> Option<SecurityConfig> {
        // Secrets may be generated only for a local simulator set-up, never in production.
        let may_generate = environment == ArcaEnvironment::Simulator && app_env != AppEnv::Production;
        // SECRETS_ENCRYPTION_KEY: 32 random bytes, base64 (`openssl rand -base64 32`).
        let secrets_encryption_key = match self.text("SECRETS_ENCRYPTION_KEY") {
            Some(text) => {
                let decoded = base64::engine::general_purpose::STANDARD.decode(text.trim());
                if !decoded.is_ok_and(|bytes| bytes.len() == 32) {
                    self.problem("SECRETS_ENCRYPTION_KEY", "expected 32 bytes, base64-encoded");
                }
                Some(Secret::new(text.trim()))
            }
            None if may_generate => self.local_secret("SECRETS_ENCRYPTION_KEY", data_dir, "encryption.key"),
            None => {
                self.problem("SECRETS_ENCRYPTION_KEY", "required outside the simulator");
                None
            }
        };
        // API_KEY_SALT: the pepper of API-key hashes, at least 16 characters (32 random bytes,
        // base64, recommended). Changing it invalidates every key.
        let api_key_salt = match self.text("API_KEY_SALT") {
            Some(text) => {
                if text.len() < 16 {
                    self.problem("API_KEY_SALT", "must be at least 16 characters");
                }
                Some(Secret::new(text))
            }
            None if may_generate => self.local_secret("API_KEY_SALT", data_dir, "api-key.salt"),
            None => {
                self.problem("API_KEY_SALT", "required outside the simulator");
                None
            }
        };
        // ADMIN_TOKEN: bearer token that creates accounts over HTTP (at least 16 characters).
        let admin_token = self.text("ADMIN_TOKEN").map(|token| {
            if token.len() < 16 {
                self.problem("ADMIN_TOKEN", "must be at least 16 characters");
            }
            Secret::new(token)
        });
        // METRICS_TOKEN: bearer token for GET /metrics (at least 16 characters); unset leaves
        // /metrics open, with no per-tenant series.
        let metrics_token = self.text("METRICS_TOKEN").map(|token| {
            if token.len() < 16 {
                self.problem("METRICS_TOKEN", "must be at least 16 characters");
            }
            Secret::new(token)
        });
        // RATE_LIMIT_ENABLED: per-key request limits by tier (true).
        let rate_limit_enabled = self.boolean("RATE_LIMIT_ENABLED", true);
        Some(SecurityConfig {
            secrets_encryption_key: secrets_encryption_key?,
            api_key_salt: api_key_salt?,
            admin_token,
            metrics_token,
            rate_limit_enabled,
        })
    }

    fn local_secret(&mut self, name: &str, data_dir: &std::path::Path, file: &str) -> Option<Secret> {
        match local_secrets::load_or_create(&data_dir.join("secrets").join(file)) {
            Ok(secret) => Some(secret),
            Err(error) => {
                self.problem(
                    name,
                    &format!(
                        "not set, and generating one under {} failed: {error}",
                        data_dir.display()
                    ),
                );
                None
            }
        }
    }

    fn problem(&mut self, name: &str, message: &str) {
        self.problems.push(format!("{name}: {message}"));
    }

    /// A variable's value; empty counts as unset.
    fn text(&mut self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|value| !value.trim().is_empty())
    }

    fn contingency(&mut self) -> ContingencyConfig {
        let check_ms = self.number("CAEA_CHECK_INTERVAL_MS", 60_000u64);
        if check_ms < 1000 {
            self.problem("CAEA_CHECK_INTERVAL_MS", "must be at least 1000");
        }
        let report_ms = self.number("CAEA_REPORT_INTERVAL_MS", 30_000u64);
        if report_ms < 100 {
            self.problem("CAEA_REPORT_INTERVAL_MS", "must be at least 100");
        }
        let alert_days = self.number("CAEA_ALERT_DAYS", 2u32);
        if alert_days > 5 {
            self.problem("CAEA_ALERT_DAYS", "must be between 0 and 5");
        }
        ContingencyConfig {
            check_interval: Duration::from_millis(check_ms.max(1000)),
            report_interval: Duration::from_millis(report_ms.max(100)),
            alert_days: alert_days.min(5),
        }
    }

    fn parsed<T>(&mut self, name: &str, default: T, parse: impl Fn(&str) -> Result<T, String>) -> T {
        match self.text(name) {
            None => default,
            Some(text) => parse(text.trim()).unwrap_or_else(|message| {
                self.problem(name, &format!("{message} (got {text:?})"));
                default
            }),
        }
    }

    fn number<T: FromStr + Copy>(&mut self, name: &str, default: T) -> T {
        self.parsed(name, default, |text| {
            text.parse::<T>()
                .map_err(|_| "expected a non-negative whole number".into())
        })
    }

    fn boolean(&mut self, name: &str, default: bool) -> bool {
        self.parsed(name, default, |text| match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err("expected true or false".into()),
        })
    }

    fn url(&mut self, name: &str) -> Option<String> {
        let url = self.text(name)?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            self.problem(name, "expected an http:// or https:// URL");
        }
        Some(url)
    }

    fn list(&mut self, name: &str) -> Vec<String> {
        self.text(name)
            .map(|text| {
                text.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// How an `SMTP_URL` asks for TLS, in lettre's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// `smtp://` without `tls`: plain text.
    None,
    /// `smtp://…?tls=required`: STARTTLS, or no delivery.
    Required,
    /// `smtp://…?tls=opportunistic`: STARTTLS when the server offers it.
    Opportunistic,
    /// `smtps://`: TLS from the first byte.
    Wrapper,
}

/// The TLS an `SMTP_URL` asks for, or why lettre would refuse it. The message never repeats the
/// URL (it may carry a password).
pub fn smtp_tls(url: &str) -> Result<SmtpTls, String> {
    let parsed = url::Url::parse(url).map_err(|error| format!("not a URL ({error})"))?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("names no host".into());
    }
    let tls = parsed
        .query_pairs()
        .find(|(name, _)| name == "tls")
        .map(|(_, value)| value.into_owned());
    match (parsed.scheme(), tls.as_deref()) {
        ("smtp", None) => Ok(SmtpTls::None),
        ("smtp", Some("required")) => Ok(SmtpTls::Required),
        ("smtp", Some("opportunistic")) => Ok(SmtpTls::Opportunistic),
        ("smtps", _) => Ok(SmtpTls::Wrapper),
        ("smtp", Some(_)) => Err("tls= must be required or opportunistic".into()),
        _ => Err("expected smtp://… or smtps://…".into()),
    }
}

/// A default duration in whole milliseconds, for [`Reader::number`].
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn check(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_generate_local_secrets_in_simulator_mode() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().to_str().unwrap();
        let config = check(&[("DATA_DIR", data_dir)]).unwrap();
        assert_eq!(config.port, 3000);
        assert_eq!(config.host, "127.0.0.1", "only this machine unless HOST says otherwise");
        assert_eq!(config.server, ServerConfig::default());
        assert_eq!(config.arca.health_cache, Duration::from_secs(5));
        assert!(config.security.metrics_token.is_none());
        assert_eq!(config.arca.environment, ArcaEnvironment::Simulator);
        assert!(config.database.url.expose().starts_with("sqlite://"));
        assert!(config.redis.is_none());
        let again = check(&[("DATA_DIR", data_dir)]).unwrap();
        assert_eq!(
            config.security.api_key_salt.expose(),
            again.security.api_key_salt.expose(),
            "a generated salt is persisted and reused"
        );
        assert!(!format!("{config:?}").contains(config.security.api_key_salt.expose()));
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let error = check(&[
            ("PORT", "http"),
            ("APP_ENV", "prod"),
            ("ARCA_ENVIRONMENT", "production"),
            ("DATABASE_URL", "mysql://x"),
            ("RATE_LIMIT_ENABLED", "maybe"),
            ("HTTP_MAX_CONNECTIONS", "0"),
        ])
        .unwrap_err();
        let names: Vec<&str> = error.problems.iter().map(|p| p.split(':').next().unwrap()).collect();
        assert_eq!(
            names,
            [
                "APP_ENV",
                "PORT",
                "DATABASE_URL",
                "SECRETS_ENCRYPTION_KEY",
                "API_KEY_SALT",
                "RATE_LIMIT_ENABLED",
                "HTTP_MAX_CONNECTIONS"
            ]
        );
        assert!(error.to_string().starts_with("invalid configuration (7 problem(s)):"));
    }

    #[test]
    fn production_endpoints_and_explicit_secrets() {
        let config = check(&[
            ("ARCA_ENVIRONMENT", "production"),
            ("SECRETS_ENCRYPTION_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            ("API_KEY_SALT", "0123456789abcdef0123"),
            ("ARCA_TLS_LEGACY_HOSTS", "servicios1.afip.gov.ar, ,other"),
        ])
        .unwrap();
        assert_eq!(
            config.arca.wsfe_url.as_deref(),
            Some("https://servicios1.afip.gov.ar/wsfev1/service.asmx")
        );
        assert_eq!(config.arca.tls_legacy_hosts, ["servicios1.afip.gov.ar", "other"]);
        assert_eq!(config.arca.environment, ArcaEnvironment::Production);
    }

    #[test]
    fn the_shared_simulator_clock_is_refused_outside_simulator_mode() {
        let config = check(&[("SIMULATOR_CLOCK_FILE", "/tmp/arca-clock")]).unwrap();
        assert_eq!(
            config.webhooks.simulator_clock_file,
            Some(PathBuf::from("/tmp/arca-clock"))
        );
        let error = check(&[
            ("ARCA_ENVIRONMENT", "production"),
            ("SECRETS_ENCRYPTION_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            ("API_KEY_SALT", "0123456789abcdef0123"),
            ("SIMULATOR_CLOCK_FILE", "/tmp/arca-clock"),
        ])
        .unwrap_err();
        assert!(
            error.problems.iter().any(|p| p.starts_with("SIMULATOR_CLOCK_FILE")),
            "{error}"
        );
    }

    #[test]
    fn smtp_settings_follow_lettre_and_never_echo_the_password() {
        let config = check(&[
            ("SMTP_URL", "smtp://user:s3cret-pass@mail.example.com:2525?tls=required"),
            ("EMAIL_FROM", "Mi Empresa <facturas@example.com>"),
        ])
        .unwrap();
        assert_eq!(config.email.from.as_deref(), Some("Mi Empresa <facturas@example.com>"));
        assert_eq!(config.email.max_retries, 5);
        assert!(!format!("{config:?}").contains("s3cret-pass"));
        assert_eq!(smtp_tls("smtps://mail.example.com"), Ok(SmtpTls::Wrapper));
        assert_eq!(smtp_tls("smtp://mail.example.com"), Ok(SmtpTls::None));
        assert_eq!(smtp_tls("smtp://h?tls=opportunistic"), Ok(SmtpTls::Opportunistic));
        let error = check(&[
            ("SMTP_URL", "http://user:s3cret-pass@mail.example.com"),
            ("EMAIL_FROM", "not an address"),
            ("SMTP_TLS_ROOT_CERT", "/nonexistent/ca.pem"),
        ])
        .unwrap_err();
        let text = error.to_string();
        assert!(!text.contains("s3cret-pass"), "{text}");
        let names: Vec<&str> = error.problems.iter().map(|p| p.split(':').next().unwrap()).collect();
        assert_eq!(
            names,
            ["SMTP_URL", "EMAIL_FROM", "SMTP_TLS_ROOT_CERT", "SMTP_TLS_ROOT_CERT"]
        );
    }

    #[test]
    fn public_links_settings_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().to_str().unwrap();
        let config = check(&[("DATA_DIR", data_dir)]).unwrap();
        assert_eq!(config.public_link_ttl_days, 30);
        assert_eq!(config.api_url, None);
        let config = check(&[
            ("DATA_DIR", data_dir),
            ("PUBLIC_LINK_TTL_DAYS", "365"),
            ("API_URL", "https://api.example.com"),
        ])
        .unwrap();
        assert_eq!(config.public_link_ttl_days, 365);
        assert_eq!(config.api_url.as_deref(), Some("https://api.example.com"));
        for (name, value) in [
            ("PUBLIC_LINK_TTL_DAYS", "0"),
            ("PUBLIC_LINK_TTL_DAYS", "366"),
            ("PUBLIC_LINK_TTL_DAYS", "-1"),
            ("API_URL", "api.example.com"),
            ("API_URL", "https://api.example.com/?x=1"),
        ] {
            let error = check(&[("DATA_DIR", data_dir), (name, value)]).unwrap_err();
            assert_eq!(error.problems.len(), 1, "{name}={value}: {error}");
            assert!(error.problems[0].starts_with(name), "{error}");
        }
    }

    #[test]
    fn ai_settings_are_both_or_neither_and_never_echo_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().to_str().unwrap();
        assert!(check(&[("DATA_DIR", data_dir)]).unwrap().ai.is_none());
        let config = check(&[
            ("DATA_DIR", data_dir),
            ("AI_BASE_URL", "http://127.0.0.1:11434/v1/"),
            ("AI_MODEL", "qwen2.5:7b-instruct"),
        ])
        .unwrap();
        let ai = config.ai.unwrap();
        assert_eq!(ai.base_url, "http://127.0.0.1:11434/v1", "the trailing slash goes");
        assert!(ai.api_key.is_none());
        assert_eq!(ai.timeout, Duration::from_secs(30));
        assert!((ai.min_confidence - 0.8).abs() < f64::EPSILON);
        let config = check(&[
            ("DATA_DIR", data_dir),
            ("AI_BASE_URL", "https://api.openai.com/v1"),
            ("AI_MODEL", "gpt-4o-mini"),
            ("AI_API_KEY", "sk-test-do-not-print-0123456789"),
            ("AI_MIN_CONFIDENCE", "0.95"),
            ("AI_TIMEOUT_MS", "5000"),
        ])
        .unwrap();
        assert!(!format!("{config:?}").contains("sk-test-do-not-print"));
        let ai = config.ai.unwrap();
        assert_eq!(ai.api_key.unwrap().expose(), "sk-test-do-not-print-0123456789");
        assert_eq!(ai.timeout, Duration::from_millis(5000));
        for vars in [
            vec![("AI_BASE_URL", "https://api.openai.com/v1")],
            vec![("AI_MODEL", "gpt-4o-mini")],
            vec![("AI_API_KEY", "sk-test-0123456789")],
            vec![("AI_BASE_URL", "api.openai.com"), ("AI_MODEL", "m")],
            vec![
                ("AI_BASE_URL", "http://x/v1"),
                ("AI_MODEL", "m"),
                ("AI_MIN_CONFIDENCE", "1.5"),
            ],
            vec![
                ("AI_BASE_URL", "http://x/v1"),
                ("AI_MODEL", "m"),
                ("AI_MIN_CONFIDENCE", "NaN"),
            ],
            vec![
                ("AI_BASE_URL", "http://x/v1"),
                ("AI_MODEL", "m"),
                ("AI_TIMEOUT_MS", "50"),
            ],
        ] {
            let mut all = vec![("DATA_DIR", data_dir)];
            all.extend(vars.iter().copied());
            let error = check(&all).unwrap_err();
            assert_eq!(error.problems.len(), 1, "{vars:?}: {error}");
            assert!(error.problems[0].starts_with("AI_"), "{error}");
            assert!(!error.to_string().contains("sk-test"), "{error}");
        }
        // The handler waits for the provider: the idle bound must outlast it.
        let error = check(&[
            ("DATA_DIR", data_dir),
            ("AI_BASE_URL", "http://x/v1"),
            ("AI_MODEL", "m"),
            ("AI_TIMEOUT_MS", "40000"),
        ])
        .unwrap_err();
        assert!(error.problems[0].starts_with("HTTP_IDLE_TIMEOUT_MS"), "{error}");
    }

    #[test]
    fn short_encryption_key_is_rejected() {
        let error = check(&[("SECRETS_ENCRYPTION_KEY", "c2hvcnQ=")]).unwrap_err();
        assert_eq!(error.problems.len(), 1);
        assert!(error.problems[0].starts_with("SECRETS_ENCRYPTION_KEY"));
    }
}
