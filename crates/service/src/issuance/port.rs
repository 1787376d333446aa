//! [`ArcaPort`]: the four WSFEv1 questions the engine asks, behind a trait object so tests,
//! the single-CUIT set-up and the multi-account ticket store plug in the same way.
//!
//! Methods return boxed futures (rather than `async fn` in the trait) so that
//! `Arc<dyn ArcaPort>` works: the engine holds one port for every series and passes the series,
//! whose CUIT tells a multi-account implementation which certificate and ticket to use.

use std::future::Future;
use std::pin::Pin;

use arca_protocol::Error;
use arca_protocol::wsfe::{Auth, FECAERequest, FECAEResponse, FECompConsResponse, WsfeClient};

use crate::storage::series::SeriesKey;

/// A boxed, sendable future of a WSFEv1 answer.
pub type ArcaFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// What the issuance engine needs from ARCA for one series.
pub trait ArcaPort: Send + Sync {
    /// `FECompUltimoAutorizado`: the last number ARCA authorised in the series (0 if none).
    fn last_authorized<'a>(&'a self, series: &'a SeriesKey) -> ArcaFuture<'a, u64>;

    /// `FECAESolicitar`: a rejected or partial batch is `Ok`; `Err` means no verdict.
    fn authorize<'a>(&'a self, series: &'a SeriesKey, request: FECAERequest) -> ArcaFuture<'a, FECAEResponse>;

    /// `FECompConsultar`: what ARCA stored under `number`; `None` when nothing (602).
    fn consult<'a>(&'a self, series: &'a SeriesKey, number: u64) -> ArcaFuture<'a, Option<FECompConsResponse>>;

    /// `FECompTotXRequest`: how many details one `FECAESolicitar` may carry.
    fn records_per_request<'a>(&'a self, series: &'a SeriesKey) -> ArcaFuture<'a, u32>;

    /// ARCA refused the access ticket (600/601) for this series' CUIT: an implementation backed
    /// by a ticket store drops the ticket here so the next call logs in again. Default: nothing.
    fn ticket_rejected(&self, _series: &SeriesKey) {}
}

/// A port over one WSFEv1 client and one ticket (`Auth`): the single-CUIT case, and what an
/// account's `ArcaSession { client, auth, .. }` becomes through [`DirectArca::new`].
#[derive(Debug, Clone)]
pub struct DirectArca {
    client: WsfeClient,
    auth: Auth,
}

impl DirectArca {
    pub fn new(client: WsfeClient, auth: Auth) -> DirectArca {
        DirectArca { client, auth }
    }
}

impl From<(WsfeClient, Auth)> for DirectArca {
    fn from((client, auth): (WsfeClient, Auth)) -> DirectArca {
        DirectArca::new(client, auth)
    }
}

impl ArcaPort for DirectArca {
    fn last_authorized<'a>(&'a self, series: &'a SeriesKey) -> ArcaFuture<'a, u64> {
        Box::pin(async move {
            let answer = self
                .client
                .fe_comp_ultimo_autorizado(&self.auth, series.punto_venta, series.cbte_tipo)
                .await?;
            u64::try_from(answer.cbte_nro)
                .map_err(|_| Error::Malformed(format!("negative CbteNro {}", answer.cbte_nro)))
        })
    }

    fn authorize<'a>(&'a self, _series: &'a SeriesKey, request: FECAERequest) -> ArcaFuture<'a, FECAEResponse> {
        Box::pin(self.client.fe_cae_solicitar(&self.auth, request))
    }

    fn consult<'a>(&'a self, series: &'a SeriesKey, number: u64) -> ArcaFuture<'a, Option<FECompConsResponse>> {
        Box::pin(async move {
            let number = i64::try_from(number).map_err(|_| Error::Malformed(format!("number {number} too large")))?;
            self.client
                .fe_comp_consultar(&self.auth, series.cbte_tipo, series.punto_venta, number)
                .await
        })
    }

    fn records_per_request<'a>(&'a self, _series: &'a SeriesKey) -> ArcaFuture<'a, u32> {
        Box::pin(async move {
            let answer = self.client.fe_comp_tot_x_request(&self.auth).await?;
            u32::try_from(answer.reg_x_req).map_err(|_| Error::Malformed(format!("RegXReq {}", answer.reg_x_req)))
        })
    }
}
