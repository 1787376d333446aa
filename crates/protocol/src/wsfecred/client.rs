//! [`WsfecredClient`]: one async method per wsfecred operation used here, each envelope → HTTP
//! → interpret (see [`super::wire`]).
//!
//! It never retries and never decides what a verdict means to the caller.

use chrono::NaiveDate;

use crate::Error;
use crate::padron::ServerStatus;
use crate::transport::HttpTransport;
use crate::wsfe::Auth;

use super::types::{
    Aceptacion, ComprobantesPage, ComprobantesQuery, MontoObligado, ObligadoRecepcion, Operacion, Rechazo,
};
use super::wire::{self, ACEPTAR, COMPROBANTES, DUMMY, MONTO_OBLIGADO, OBLIGADO, RECHAZAR, soap_action};

/// A wsfecred endpoint (`.../wsfecred/FECredService`, ARCA's or the simulator's).
#[derive(Debug, Clone)]
pub struct WsfecredClient {
    url: String,
    transport: HttpTransport,
}

impl WsfecredClient {
    /// A client for the endpoint at `url`.
    pub fn new(transport: HttpTransport, url: impl Into<String>) -> WsfecredClient {
        WsfecredClient {
            url: url.into(),
            transport,
        }
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    async fn send(&self, operation: &str, envelope: String) -> Result<(u16, String), Error> {
        self.transport
            .post_soap(&self.url, &soap_action(operation), envelope)
            .await
    }

    /// `dummy`: health of the three servers (no ticket).
    pub async fn dummy(&self) -> Result<ServerStatus, Error> {
        let (status, body) = self.send(DUMMY, wire::dummy_envelope()).await?;
        wire::interpret_dummy(status, &body)
    }

    /// `consultarMontoObligadoRecepcion`: whether `cuit_consultada` must receive FCE for a
    /// voucher issued on `fecha_emision`, and from which total.
    pub async fn consultar_monto_obligado_recepcion(
        &self,
        auth: &Auth,
        cuit_consultada: u64,
        fecha_emision: NaiveDate,
    ) -> Result<MontoObligado, Error> {
        let envelope = wire::monto_obligado_envelope(auth, cuit_consultada, fecha_emision)?;
        let (status, body) = self.send(MONTO_OBLIGADO, envelope).await?;
        wire::interpret_monto_obligado(status, &body)
    }

    /// `consultarObligadoRecepcion`: whether `cuit_consultada` must receive FCE, and since when.
    pub async fn consultar_obligado_recepcion(
        &self,
        auth: &Auth,
        cuit_consultada: u64,
    ) -> Result<ObligadoRecepcion, Error> {
        let envelope = wire::obligado_envelope(auth, cuit_consultada)?;
        let (status, body) = self.send(OBLIGADO, envelope).await?;
        wire::interpret_obligado(status, &body)
    }

    /// `consultarComprobantes`: one page (ARCA's size, [`super::PAGE_SIZE`]) of the FCE
    /// vouchers the represented CUIT issued (`Emisor`) or received (`Receptor`).
    pub async fn consultar_comprobantes(
        &self,
        auth: &Auth,
        query: &ComprobantesQuery,
    ) -> Result<ComprobantesPage, Error> {
        let envelope = wire::comprobantes_envelope(auth, query)?;
        let (status, body) = self.send(COMPROBANTES, envelope).await?;
        wire::interpret_comprobantes(status, &body)
    }

    /// `aceptarFECred`: the buyer accepts. ARCA's refusal is `Ok` with `resultado`
    /// [`super::ResultadoOperacion::Rechazado`] and its `errores`.
    pub async fn aceptar(&self, auth: &Auth, aceptacion: &Aceptacion) -> Result<Operacion, Error> {
        let envelope = wire::aceptar_envelope(auth, aceptacion)?;
        let (status, body) = self.send(ACEPTAR, envelope).await?;
        wire::interpret_operacion(status, &body, ACEPTAR)
    }

    /// `rechazarFECred`: the buyer rejects, with reasons. ARCA's refusal is `Ok` as for
    /// [`WsfecredClient::aceptar`].
    pub async fn rechazar(&self, auth: &Auth, rechazo: &Rechazo) -> Result<Operacion, Error> {
        let envelope = wire::rechazar_envelope(auth, rechazo)?;
        let (status, body) = self.send(RECHAZAR, envelope).await?;
        wire::interpret_operacion(status, &body, RECHAZAR)
    }
}
