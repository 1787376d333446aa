//! The library's one error type.

/// What can go wrong below the HTTP layer; `http::error` turns it into problem+json.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The environment is incomplete or invalid (every problem listed).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The database refused or failed a query, or the pool timed out.
    #[error("{0}")]
    Database(sqlx::Error),
    /// Applying or reverting migrations failed.
    #[error("{0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// `serve` found migrations not yet applied and was not told to apply them.
    #[error(
        "{} migration(s) pending ({}): run `arca-api migrate up` first, or start with `arca-api serve --migrate`",
        .0.len(),
        .0.join(", ")
    )]
    PendingMigrations(Vec<String>),
    /// Redis could not be reached or answered an error.
    #[error("{0}")]
    Redis(redis::RedisError),
    /// `REDIS_URL` is set but Redis did not accept a connection at start within the bound.
    #[error("Redis at REDIS_URL accepted no connection within {0} s")]
    RedisStart(u64),
    /// TLS to Redis with `REDIS_TLS_ROOT_CERT` failed: the certificate, the handshake or the
    /// connection (the message says which; it never holds the password).
    #[error("TLS to Redis: {0}")]
    RedisTls(String),
    /// The resource does not exist for this account (or at all).
    #[error("not found")]
    NotFound,
    /// The write would duplicate a unique value (a point of sale number, a customer's
    /// document); the message names it.
    #[error("{0}")]
    Conflict(String),
    /// The account has used its monthly invoice quota (`used` of `quota` in `month`).
    #[error("monthly invoice quota exhausted: {used} of {quota} used in {month}")]
    QuotaExceeded { quota: i64, used: i64, month: String },
    /// Values failed domain checks: (field, message) pairs, shown to the caller.
    #[error("{}", .0.iter().map(|(field, message)| format!("{field}: {message}")).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<(String, String)>),
    /// A stored secret failed to encrypt or decrypt (wrong `SECRETS_ENCRYPTION_KEY`, or a
    /// ciphertext moved to another record).
    #[error("{0}")]
    Crypto(String),
    /// ARCA (WSAA or WSFEv1) failed or refused; the protocol error says whether it was sent,
    /// whether the outcome is unknown, or what ARCA answered.
    #[error(transparent)]
    Arca(#[from] arca_protocol::Error),
    /// The certificate is not authorized for an ARCA service, or not on behalf of the account's
    /// CUIT: the facts a fix-it problem names (`ARCA_SERVICE_NOT_AUTHORIZED`).
    #[error("{}", .0.detail())]
    ServiceNotAuthorized(Box<crate::arca::authorization::NotAuthorized>),
    /// WSAA does not trust the certificate (`cms.cert.untrusted`): ARCA's CA of another
    /// environment issued it (homologación vs producción), or it is self-signed.
    #[error("WSAA does not trust the certificate (cms.cert.untrusted) in ARCA {}: {message}", .environment.as_str())]
    CertificateUntrusted {
        environment: crate::config::ArcaEnvironment,
        message: String,
    },
    /// The account has no active, unexpired certificate to talk to ARCA with.
    #[error("the account has no active certificate")]
    NoCertificate,
    /// The ARCA endpoints are unknown: simulator mode without a running simulator (only
    /// `arca-api serve` starts one).
    #[error("the ARCA endpoints are not configured")]
    ArcaNotConfigured,
    /// Email cannot be sent: outside simulator mode, these settings (`SMTP_URL`, `EMAIL_FROM`)
    /// are missing.
    #[error("email is not configured on this server: set {}", .0.join(" and "))]
    EmailNotConfigured(Vec<&'static str>),
    /// The invoice exists but is not approved, so it has no printed representation yet.
    #[error("invoice {id} is {status}: only an approved invoice has a PDF")]
    InvoiceNotApproved {
        id: String,
        status: crate::storage::invoices::InvoiceStatus,
    },
    /// Rendering needs the issuer's fiscal data and the account has no issuer profile: the
    /// fields it must provide (`PUT /v1/account/issuer-profile`).
    #[error("the account has no issuer profile: PUT /v1/account/issuer-profile with {}", .0.join(", "))]
    IssuerProfileRequired(Vec<&'static str>),
    /// A stored invoice could not become a printed one (its stored data unreadable, or the
    /// renderer failed): never the caller's fault.
    #[error("rendering invoice {id}: {message}")]
    Render { id: String, message: String },
    /// A file under the data directory could not be read or written.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

// sqlx's and redis's messages already include their causes' text, so these variants keep the
// message and not the source chain (which `{:#}` would print a second time).
impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Error {
        // Every database failure passes through here once, which makes this the place to count
        // them; "no row" is an answer, not a failure.
        if !matches!(error, sqlx::Error::RowNotFound) {
            crate::metrics::record_database_error();
        }
        Error::Database(error)
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(error: sqlx::migrate::MigrateError) -> Error {
        Error::Migrate(error)
    }
}

impl From<redis::RedisError> for Error {
    fn from(error: redis::RedisError) -> Error {
        Error::Redis(error)
    }
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Invalid(vec![(field.into(), message.into())])
    }
}

impl From<openssl::error::ErrorStack> for Error {
    fn from(error: openssl::error::ErrorStack) -> Error {
        Error::Crypto(format!("OpenSSL: {error}"))
    }
}

/// An error and its causes, `: `-joined (a refused connection, a TLS failure under a client
/// error): the text outbound HTTP clients report. It shows only what the errors display.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
