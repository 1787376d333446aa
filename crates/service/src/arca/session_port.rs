//! [`SessionPort`]: the engine's port over each account's certificate and ticket. A series is
//! (CUIT, point of sale, voucher type); the CUIT names the account whose `Arca::session` answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arca_protocol::Error;
use arca_protocol::wsfe::{FECAERequest, FECAEResponse, FECompConsResponse};

use crate::arca::Arca;
use crate::issuance::{ArcaFuture, ArcaPort, DirectArca};
use crate::storage::series::SeriesKey;
use crate::storage::{self, Storage};

/// How long a resolved session (the account's ticket, as `Auth`) is reused for the same CUIT
/// before the account, its certificate and the ticket store are asked again. Resolving costs
/// three queries, a decryption and a key parse, paid on every ARCA call of a lone invoice.
/// The ticket itself stays valid for hours and is renewed ten minutes ahead, so reuse within
/// these seconds never sends an expired one; a certificate deleted meanwhile is still used for
/// at most this long (its ticket is still good at ARCA).
const SESSION_REUSE: Duration = Duration::from_secs(5);

/// Resolves each call's series to its account's session, reading the account and certificate
/// through `storage` (the engine's worker pool in the service).
pub struct SessionPort {
    arca: Arc<Arca>,
    storage: Storage,
    /// Recently resolved sessions by CUIT, with when they were resolved.
    recent: Arc<Mutex<HashMap<String, (Instant, DirectArca)>>>,
}

impl SessionPort {
    pub fn new(arca: Arc<Arca>, storage: Storage) -> SessionPort {
        SessionPort {
            arca,
            storage,
            recent: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// [`SessionPort::resolve`], reused for [`SESSION_REUSE`].
    async fn direct(&self, series: &SeriesKey) -> Result<DirectArca, Error> {
        if let Some((resolved_at, direct)) = self.recent().get(&series.cuit)
            && resolved_at.elapsed() < SESSION_REUSE
        {
            return Ok(direct.clone());
        }
        let direct = self.resolve(series).await?;
        self.recent()
            .insert(series.cuit.clone(), (Instant::now(), direct.clone()));
        Ok(direct)
    }

    fn recent(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, DirectArca)>> {
        self.recent.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn forget(&self, cuit: &str) {
        self.recent().remove(cuit);
    }

    /// The session of the account that issues under this CUIT. Failing to get one means nothing
    /// was sent to WSFEv1 (no certificate, WSAA refused or unreachable).
    async fn resolve(&self, series: &SeriesKey) -> Result<DirectArca, Error> {
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

    /// Drops the CUIT's reused session and discards the account's ticket in the background; the
    /// worker backs off meanwhile. The session is dropped again once the ticket is discarded, in
    /// case a call resolved the refused ticket in between.
    fn ticket_rejected(&self, series: &SeriesKey) {
        self.forget(&series.cuit);
        let (arca, storage, cuit) = (self.arca.clone(), self.storage.clone(), series.cuit.clone());
        let recent = self.recent.clone();
        tokio::spawn(async move {
            let discarded = async {
                if let Some(account) = storage::accounts::find_by_cuit(&storage, &cuit).await? {
                    arca.discard_ticket(&account.id).await?;
                }
                Ok::<_, crate::Error>(())
            };
            if let Err(error) = discarded.await {
                tracing::warn!(error = %error, "could not discard a refused access ticket");
            }
            recent
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .remove(&cuit);
        });
    }
}
