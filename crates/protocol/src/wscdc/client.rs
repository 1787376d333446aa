//! [`WscdcClient`]: one async method per WSCDC operation, each envelope → HTTP → interpret
//! (see [`super::wire`]).
//!
//! It never retries and never decides what a verdict means to the caller.

use crate::Error;
use crate::padron::ServerStatus;
use crate::transport::HttpTransport;
use crate::wsfe::Auth;

use super::types::{CmpDatos, CodeDesc, ConstatarResult};
use super::wire::{
    self, CONSTATAR, DUMMY, MODALIDADES, TIPOS_COMPROBANTE, TIPOS_DOCUMENTO, TIPOS_OPCIONALES, soap_action,
};

/// A WSCDC endpoint (`.../WSCDC/service.asmx`, ARCA's or the simulator's).
#[derive(Debug, Clone)]
pub struct WscdcClient {
    url: String,
    transport: HttpTransport,
}

impl WscdcClient {
    /// A client for the endpoint at `url`.
    pub fn new(transport: HttpTransport, url: impl Into<String>) -> WscdcClient {
        WscdcClient {
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

    /// `ComprobanteDummy`: health of the three servers (no ticket).
    pub async fn dummy(&self) -> Result<ServerStatus, Error> {
        let (status, body) = self.send(DUMMY, wire::dummy_envelope()).await?;
        wire::interpret_dummy(status, &body)
    }

    /// `ComprobanteConstatar`: whether ARCA authorised a voucher with these data. `A` and `R`
    /// are both `Ok`; `Err` means no verdict.
    pub async fn constatar(&self, auth: &Auth, cmp: &CmpDatos) -> Result<ConstatarResult, Error> {
        let (status, body) = self.send(CONSTATAR, wire::constatar_envelope(auth, cmp)).await?;
        wire::interpret_constatar(status, &body)
    }

    async fn parameters(&self, operation: &str, auth: &Auth) -> Result<Vec<CodeDesc>, Error> {
        let (status, body) = self.send(operation, wire::parameter_envelope(operation, auth)).await?;
        wire::interpret_parameters(status, &body, operation)
    }

    /// `ComprobantesModalidadConsultar`: `CAE`, `CAEA`, `CAI`.
    pub async fn modalidades(&self, auth: &Auth) -> Result<Vec<CodeDesc>, Error> {
        self.parameters(MODALIDADES, auth).await
    }

    /// `ComprobantesTipoConsultar`: the voucher types WSCDC knows.
    pub async fn tipos_comprobante(&self, auth: &Auth) -> Result<Vec<CodeDesc>, Error> {
        self.parameters(TIPOS_COMPROBANTE, auth).await
    }

    /// `DocumentosTipoConsultar`: the receiver document types.
    pub async fn tipos_documento(&self, auth: &Auth) -> Result<Vec<CodeDesc>, Error> {
        self.parameters(TIPOS_DOCUMENTO, auth).await
    }

    /// `OpcionalesTipoConsultar`: the optional-data types (homologation had none: empty).
    pub async fn tipos_opcionales(&self, auth: &Auth) -> Result<Vec<CodeDesc>, Error> {
        self.parameters(TIPOS_OPCIONALES, auth).await
    }
}
