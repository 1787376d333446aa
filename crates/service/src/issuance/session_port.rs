//! [`SessionPort`]: the engine's port over each account's certificate and ticket. A series is
//! (CUIT, point of sale, voucher type); the CUIT names the account whose `Arca::session` answers.

use std::sync::Arc;

use arca_protocol::Error;
use arca_protocol::wsfe::{FECAERequest, FECAEResponse, FECompConsResponse};

use super::port::{ArcaFuture, ArcaPort, DirectArca};
use crate::arca::Arca;
use crate::storage::series::SeriesKey;
use crate::storage::{self, Storage};

/// Resolves each call's series to its account's session, reading the account and certificate
/// through `storage` (the engine's worker pool in the service).
pub struct SessionPort {
    arca: Arc<Arca>,
    storage: Storage,
}

impl SessionPort {
    pub fn new(arca: Arc<Arca>, storage: Storage) -> SessionPort {
        SessionPort { arca, storage }
    }

    /// The session of the account that issues under this CUIT. Failing to get one means nothing
    /// was sent to WSFEv1 (no certificate, WSAA refused or unreachable).
    async fn direct(&self, series: &SeriesKey) -> Result<DirectArca, Error> {
        let account = storage::accounts::find_by_cuit(&self.storage, &series.cuit)
            .await
            .map_err(|e| Error::NotSent(format!("account lookup: {e}")))?
            .ok_or_else(|| Error::Credentials(format!("no account issues under CUIT {}", series.cuit)))?;
        match self.arca.session_using(&self.storage, &account.id).await {
            Ok(session) => Ok(DirectArca::new(session.client, session.auth)),
            Err(crate::Error::Arca(error)) => Err(error),
            Err(crate::Error::NoCertificate) => Err(Error::Credentials(format!(
                "account {} has no usable certificate",
                account.id
            ))),
            Err(other) => Err(Error::NotSent(other.to_string())),
        }
    }
}

impl ArcaPort for SessionPort {
    fn last_authorized<'a>(&'a self, series: &'a SeriesKey) -> ArcaFuture<'a, u64> {
        Box::pin(async move { self.direct(series).await?.last_authorized(series).await })
    }

    fn authorize<'a>(&'a self, series: &'a SeriesKey, request: FECAERequest) -> ArcaFuture<'a, FECAEResponse> {
        Box::pin(async move { self.direct(series).await?.authorize(series, request).await })
    }

    fn consult<'a>(&'a self, series: &'a SeriesKey, number: u64) -> ArcaFuture<'a, Option<FECompConsResponse>> {
        Box::pin(async move { self.direct(series).await?.consult(series, number).await })
    }

    fn records_per_request<'a>(&'a self, series: &'a SeriesKey) -> ArcaFuture<'a, u32> {
        Box::pin(async move { self.direct(series).await?.records_per_request(series).await })
    }
}
