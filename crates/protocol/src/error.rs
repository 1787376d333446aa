//! The protocol's one error type. Its variants answer the question the issuance engine must ask
//! before it may send anything again: was the request *not sent*, is the *outcome unknown*, or
//! did *ARCA answer*?
//!
//! | Variant | Meaning for the engine |
//! |---|---|
//! | [`Error::NotSent`], [`Error::Credentials`], [`Error::Signing`], [`Error::InvalidRequest`] | not sent: ARCA cannot have acted on it (only `NotSent` is worth sending again unchanged) |
//! | [`Error::OutcomeUnknown`], [`Error::Malformed`], [`Error::Http`] 5xx (unless a `Client` fault) | outcome unknown: reconcile first |
//! | [`Error::ArcaInternal`], [`Error::TokenRejected`], [`Error::Rejected`], [`Error::Wsaa`], [`Error::Padron`] | ARCA answered: it did not authorise anything |

use std::fmt;

use crate::padron::PadronFault;
use crate::wsaa::WsaaFault;
use crate::wsfe::ArcaErr;

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

    /// ARCA's HTTP layer answered with an error status (load balancer 502/503, HTML error
    /// pages, ASMX plumbing). `fault` holds the SOAP fault when the body is one: ASMX answers
    /// 500 with `soap:Client` "Server did not recognize the value of HTTP Header SOAPAction" or
    /// "Server was unable to read request" when the method never ran.
    #[error("ARCA answered HTTP {status}{}", fault.as_ref().map(|f| format!(": {f}")).unwrap_or_default())]
    Http {
        status: u16,
        body_excerpt: String,
        fault: Option<SoapFault>,
    },

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

    /// WSFEv1 answered with an internal error (Err 500, 501, 502: application, database,
    /// "transacción activa") and no result. Nothing was authorised; trying again later, with
    /// the same content and number, can succeed.
    #[error("ARCA internal error: {}", list(errors))]
    ArcaInternal { errors: Vec<ArcaErr> },

    /// WSFEv1 refused the access ticket (Err 600, 601: expired, sign mismatch, CUIT not among
    /// the ticket's relations). Retrying helps only with a new ticket: see
    /// [`Error::needs_new_ticket`].
    #[error("ARCA refused the access ticket: {}", list(errors))]
    TokenRejected { errors: Vec<ArcaErr> },

    /// The padrón (A5, A13) answered with a SOAP fault; `fault` types its text, `message` is the
    /// text as ARCA wrote it. Only [`PadronFault::Other`] (server-side) is retryable, and only
    /// [`PadronFault::TokenRejected`] asks for a new ticket.
    #[error("padrón fault {}: {message}", fault.code())]
    Padron { fault: PadronFault, message: String },

    /// The request was refused here, before sending, because ARCA would refuse it too (an empty
    /// or over-long id list, ...). Not retryable unchanged.
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// WSFEv1 answered with business errors and no result (bad parameters, issuer not enabled,
    /// CAEA window closed, ...). Not retryable unchanged; the codes say what to fix (see
    /// [`crate::wsfe::describe_error`]).
    #[error("ARCA rejected the request: {}", list(errors))]
    Rejected { errors: Vec<ArcaErr> },
}

/// A SOAP fault as ASMX (or any SOAP stack in front of ARCA) writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapFault {
    /// `faultcode`, e.g. `soap:Client` or `soap:Server`.
    pub code: String,
    /// `faultstring`.
    pub message: String,
}

impl SoapFault {
    /// A `Client` fault: the SOAP stack refused the request before the method ran.
    pub fn is_client(&self) -> bool {
        self.code.rsplit(':').next() == Some("Client")
    }
}

impl fmt::Display for SoapFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.message)
    }
}

fn list(errors: &[ArcaErr]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl Error {
    /// Whether trying again later, unchanged, can succeed.
    pub fn retryable(&self) -> bool {
        match self {
            Error::NotSent(_) | Error::OutcomeUnknown(_) => true,
            // A `Client` fault is our request's fault: sending it again unchanged fails again.
            Error::Http { fault: Some(fault), .. } if fault.is_client() => false,
            Error::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            Error::Wsaa { fault, .. } => fault.retry_policy().is_retryable(),
            Error::Malformed(_) => true,
            Error::ArcaInternal { .. } => true,
            Error::Padron { fault, .. } => fault.retryable(),
            Error::Credentials(_)
            | Error::Signing(_)
            | Error::InvalidRequest(_)
            | Error::TokenRejected { .. }
            | Error::Rejected { .. } => false,
        }
    }

    /// The request may have been acted upon by ARCA without us knowing the result.
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            Error::OutcomeUnknown(_) | Error::Malformed(_) => true,
            // A `Client` fault comes from the SOAP stack before the method runs.
            Error::Http { fault: Some(fault), .. } if fault.is_client() => false,
            Error::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// ARCA read the request and answered with errors: it authorised nothing.
    pub fn is_arca_answer(&self) -> bool {
        matches!(
            self,
            Error::ArcaInternal { .. }
                | Error::TokenRejected { .. }
                | Error::Rejected { .. }
                | Error::Wsaa { .. }
                | Error::Padron { .. }
        )
    }

    /// The access ticket was refused (WSFEv1 600/601, WSCDC 600, a padrón token fault): get a
    /// new one before trying again. Not for WSFEv1's 600 "No apareció CUIT en lista de
    /// relaciones" ([`crate::wsfe::outcome::is_missing_relation`]): that ticket is good.
    pub fn needs_new_ticket(&self) -> bool {
        match self {
            // A represented CUIT missing from the relations is not the ticket's fault.
            Error::TokenRejected { errors } => !errors.iter().all(crate::wsfe::outcome::is_missing_relation),
            Error::Padron { fault, .. } => fault.needs_new_ticket(),
            _ => false,
        }
    }

    /// ARCA's `Errors`, when ARCA answered with some.
    pub fn arca_errors(&self) -> &[ArcaErr] {
        match self {
            Error::ArcaInternal { errors } | Error::TokenRejected { errors } | Error::Rejected { errors } => errors,
            _ => &[],
        }
    }

    /// ARCA certainly did not act on the request.
    pub fn is_not_sent(&self) -> bool {
        matches!(
            self,
            Error::NotSent(_) | Error::Credentials(_) | Error::Signing(_) | Error::InvalidRequest(_)
        )
    }
}

impl From<openssl::error::ErrorStack> for Error {
    fn from(e: openssl::error::ErrorStack) -> Self {
        Error::Signing(e.to_string())
    }
}
