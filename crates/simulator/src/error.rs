//! Errors of the simulator's own set-up (not ARCA faults, which are answers, not errors).

/// What can stop the simulator from starting or an operator command from completing.
#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    /// Reading or writing the CA directory failed.
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// OpenSSL refused to create or load keys and certificates.
    #[error("crypto: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
    /// The input (a CSR, a CUIT) is not acceptable.
    #[error("{0}")]
    Invalid(String),
}
