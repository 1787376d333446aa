//! The protocol's one error type. Its variants answer the question the issuance engine must ask
//! before it may send anything again: was the request *not sent*, is the *outcome unknown*, or
//! did *ARCA answer*?

use crate::wsaa::WsaaFault;

/// Everything that can go wrong talking to ARCA.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request never left this process (connection refused, DNS, TLS handshake failed).
    /// Safe to retry: ARCA cannot have acted on it.
    #[error("request not sent: {0}")]
    NotSent(String),

    /// The request may have reached ARCA but no usable answer came back (timeout, connection
    /// reset, truncated body). ARCA may have acted on it: reconcile before re-sending.
    #[error("outcome unknown: {0}")]
    OutcomeUnknown(String),

    /// ARCA's HTTP layer answered with an error status and no SOAP fault we understand
    /// (load balancer 502/503, HTML error pages, ASMX plumbing).
    #[error("ARCA answered HTTP {status}")]
    Http { status: u16, body_excerpt: String },

    /// WSAA answered with an Axis fault (`ns1:coe.alreadyAuthenticated`, `ns1:cms.bad`, …).
    #[error("WSAA fault {fault}: {message}")]
    Wsaa { fault: WsaaFault, message: String },

    /// ARCA answered 200 but the body is not what the protocol says (unparsable XML, missing
    /// elements). Treated like an unknown outcome by callers that sent a state change.
    #[error("unexpected response from ARCA: {0}")]
    Malformed(String),

    /// Local input was unusable before anything was sent: a certificate that does not load, a
    /// key that does not match, a CUIT missing from the certificate.
    #[error("invalid credentials: {0}")]
    Credentials(String),

    /// OpenSSL failed while signing locally.
    #[error("signing failed: {0}")]
    Signing(String),
}

impl Error {
    /// Whether trying again later, unchanged, can succeed.
    pub fn retryable(&self) -> bool {
        match self {
            Error::NotSent(_) | Error::OutcomeUnknown(_) => true,
            Error::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            Error::Wsaa { fault, .. } => fault.retry_policy().is_retryable(),
            Error::Malformed(_) => true,
            Error::Credentials(_) | Error::Signing(_) => false,
        }
    }

    /// The request may have been acted upon by ARCA without us knowing the result.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown(_) | Error::Malformed(_))
            || matches!(self, Error::Http { status, .. } if *status >= 500)
    }

    /// ARCA certainly did not act on the request.
    pub fn is_not_sent(&self) -> bool {
        matches!(self, Error::NotSent(_) | Error::Credentials(_) | Error::Signing(_))
    }
}

impl From<openssl::error::ErrorStack> for Error {
    fn from(e: openssl::error::ErrorStack) -> Self {
        Error::Signing(e.to_string())
    }
}
