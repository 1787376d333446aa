//! WSFEv1, ARCA's electronic-invoice service (docs/arca.md §A.3, §C, §D).
//!
//! - Requests: one type per operation, named like the WSDL's request element
//!   ([`FECAESolicitar`], [`FECompConsultar`], [`FEParamGetTiposCbte`], ...), implementing
//!   [`Operation`]. [`request_envelope`] turns one into a SOAP 1.1 envelope, purely.
//! - Responses: typed after the WSDL ([`FECAEResponse`], [`FECompConsResponse`], ...), read by
//!   local element names and tolerant of ASMX's quirks (`<CAE />`, `NULL`, normalised numbers,
//!   absent arrays). Amounts are [`rust_decimal::Decimal`], dates [`chrono::NaiveDate`].
//! - Outcomes: [`interpret`] turns status + body into the caller's result, classifying ARCA's
//!   `Errors` into [`crate::Error`] variants (rules in [`outcome`]); [`describe_error`] explains
//!   a code.
//! - [`WsfeClient`]: one async method per operation over [`crate::transport::HttpTransport`].
//!
//! This module never validates vouchers, never keeps state between calls and never retries: the
//! issuance engine decides what to do with each outcome.

mod auth;
mod cae;
mod caea;
mod client;
mod codes;
mod from_voucher;
mod messages;
mod operation;
pub mod outcome;
mod params;
mod query;
#[cfg(test)]
mod recorded;
mod voucher;
pub mod wire;

pub use auth::Auth;
pub use cae::{FECAEDetResponse, FECAERequest, FECAEResponse, FECAESolicitar, FECabResponse, FEDetResponse};
pub use caea::{
    FECAEAConsultar, FECAEADetResponse, FECAEAGet, FECAEAGetResponse, FECAEARegInformativo, FECAEARequest,
    FECAEAResponse, FECAEASinMov, FECAEASinMovConsResponse, FECAEASinMovResponse, FECAEASinMovimientoConsultar,
    FECAEASinMovimientoInformar, FECAEASolicitar,
};
pub use client::WsfeClient;
pub use codes::{ErrorDescription, ErrorKind, describe_error, known_codes};
pub use from_voucher::{MAX_CBTE_NRO, MAX_DOC_NRO, MAX_PTO_VTA, OutOfRange};
pub use messages::{ArcaErr, Evt, Obs, Resultado};
pub use operation::{Operation, interpret, parse_response, request_envelope, soap_action};
pub use params::{
    ActividadesTipo, CbteTipo, ConceptoTipo, CondicionIvaReceptor, Cotizacion, DocTipo, FECotizacionResponse,
    FEParamGetActividades, FEParamGetCondicionIvaReceptor, FEParamGetCotizacion, FEParamGetPtosVenta,
    FEParamGetTiposCbte, FEParamGetTiposConcepto, FEParamGetTiposDoc, FEParamGetTiposIva, FEParamGetTiposMonedas,
    FEParamGetTiposOpcional, FEParamGetTiposPaises, FEParamGetTiposTributos, IvaTipo, Moneda, OpcionalTipo, PaisTipo,
    ParamResponse, PtoVenta, TributoTipo,
};
pub use query::{
    DummyResponse, FECompConsResponse, FECompConsultaResponse, FECompConsultar, FECompTotXRequest,
    FECompUltimoAutorizado, FEDummy, FERecuperaLastCbteResponse, FERegXReqResponse,
};
pub use voucher::{
    Actividad, AlicIva, CbteAsoc, Comprador, FECAEADetRequest, FECAEDetRequest, FECabRequest, Opcional, Periodo,
    Tributo,
};
pub use wire::NAMESPACE;
