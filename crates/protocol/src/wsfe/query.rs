//! The questions the issuance engine asks: is ARCA up (`FEDummy`), what is the last number of
//! a series (`FECompUltimoAutorizado`), how many details fit in one request
//! (`FECompTotXRequest`), and what did ARCA store under a number (`FECompConsultar`).

use chrono::{NaiveDate, NaiveDateTime};

use crate::Error;

use super::messages::{
    ArcaErr, Evt, Obs, Resultado, parse_errors, parse_events, parse_observaciones, parse_optional_resultado,
};
use super::operation::Operation;
use super::outcome::{ensure_no_errors, found};
use super::voucher::FECAEDetRequest;
use super::wire::{Fields, XmlWriter};

/// `FEDummy`: the health probe; the only call without `Auth`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FEDummy;

/// `DummyResponse`: `OK` for each healthy component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DummyResponse {
    pub app_server: Option<String>,
    pub db_server: Option<String>,
    pub auth_server: Option<String>,
}

impl DummyResponse {
    /// All three servers answered `OK`.
    pub fn is_healthy(&self) -> bool {
        [&self.app_server, &self.db_server, &self.auth_server]
            .iter()
            .all(|s| s.as_deref() == Some("OK"))
    }
}

impl Operation for FEDummy {
    const NAME: &'static str = "FEDummy";
    const AUTHENTICATED: bool = false;
    type Response = DummyResponse;
    type Output = DummyResponse;

    fn write_params(&self, _: &mut XmlWriter) {}

    fn parse_result(result: Fields<'_>) -> Result<DummyResponse, Error> {
        Ok(DummyResponse {
            app_server: result.string("AppServer"),
            db_server: result.string("DbServer"),
            auth_server: result.string("AuthServer"),
        })
    }

    fn into_output(response: DummyResponse) -> Result<DummyResponse, Error> {
        Ok(response)
    }
}

/// `FECompUltimoAutorizado`: the last authorised number of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FECompUltimoAutorizado {
    pub pto_vta: i32,
    pub cbte_tipo: i32,
}

/// `FERecuperaLastCbteResponse`. With errors ARCA still sends zeros in the numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FERecuperaLastCbteResponse {
    pub pto_vta: i32,
    pub cbte_tipo: i32,
    /// 0 when the series was never used.
    pub cbte_nro: i64,
    pub errors: Vec<ArcaErr>,
    pub events: Vec<Evt>,
}

impl Operation for FECompUltimoAutorizado {
    const NAME: &'static str = "FECompUltimoAutorizado";
    type Response = FERecuperaLastCbteResponse;
    type Output = FERecuperaLastCbteResponse;

    fn write_params(&self, w: &mut XmlWriter) {
        w.leaf("PtoVta", self.pto_vta);
        w.leaf("CbteTipo", self.cbte_tipo);
    }

    fn parse_result(result: Fields<'_>) -> Result<FERecuperaLastCbteResponse, Error> {
        Ok(FERecuperaLastCbteResponse {
            pto_vta: result.number("PtoVta")?.unwrap_or(0),
            cbte_tipo: result.number("CbteTipo")?.unwrap_or(0),
            cbte_nro: result.number("CbteNro")?.unwrap_or(0),
            errors: parse_errors(result)?,
            events: parse_events(result)?,
        })
    }

    fn into_output(response: FERecuperaLastCbteResponse) -> Result<FERecuperaLastCbteResponse, Error> {
        // The zeros sent along with errors are not an answer (a real 0 means "never used").
        ensure_no_errors(&response.errors)?;
        Ok(response)
    }
}

/// `FECompTotXRequest`: how many details one `FECAESolicitar` may carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FECompTotXRequest;

/// `FERegXReqResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FERegXReqResponse {
    /// 250 in homologation (2021).
    pub reg_x_req: i32,
    pub errors: Vec<ArcaErr>,
    pub events: Vec<Evt>,
}

impl Operation for FECompTotXRequest {
    const NAME: &'static str = "FECompTotXRequest";
    type Response = FERegXReqResponse;
    type Output = FERegXReqResponse;

    fn write_params(&self, _: &mut XmlWriter) {}

    fn parse_result(result: Fields<'_>) -> Result<FERegXReqResponse, Error> {
        Ok(FERegXReqResponse {
            reg_x_req: result.number("RegXReq")?.unwrap_or(0),
            errors: parse_errors(result)?,
            events: parse_events(result)?,
        })
    }

    fn into_output(response: FERegXReqResponse) -> Result<FERegXReqResponse, Error> {
        ensure_no_errors(&response.errors)?;
        Ok(response)
    }
}

/// `FECompConsultar` (`FeCompConsReq`): what ARCA stored under one number. The recovery call
/// after an uncertain `FECAESolicitar` (§H.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FECompConsultar {
    pub cbte_tipo: i32,
    pub cbte_nro: i64,
    pub pto_vta: i32,
}

/// `FECompConsultaResponse`.
#[derive(Debug, Clone, PartialEq)]
pub struct FECompConsultaResponse {
    pub result_get: Option<FECompConsResponse>,
    pub errors: Vec<ArcaErr>,
    pub events: Vec<Evt>,
}

/// `FECompConsResponse` (`ResultGet`): the voucher as stored, then its authorisation.
#[derive(Debug, Clone, PartialEq)]
pub struct FECompConsResponse {
    /// Everything that was sent, as ARCA stored it (amounts normalised, `CbtesAsoc` possibly
    /// without `Cuit`/`CbteFch`).
    pub detail: FECAEDetRequest,
    pub resultado: Option<Resultado>,
    /// The CAE (or CAEA).
    pub cod_autorizacion: Option<String>,
    /// `CAE` or `CAEA`.
    pub emision_tipo: Option<String>,
    /// CAE expiry (for a CAEA, the end of its validity).
    pub fch_vto: Option<NaiveDate>,
    pub fch_proceso: Option<NaiveDateTime>,
    pub observaciones: Vec<Obs>,
    pub pto_vta: i32,
    pub cbte_tipo: i32,
}

impl Operation for FECompConsultar {
    const NAME: &'static str = "FECompConsultar";
    type Response = FECompConsultaResponse;
    /// `None` when ARCA has no voucher under that number (Err 602): the number was not used,
    /// which is the answer reconciliation looks for, not a failure.
    type Output = Option<FECompConsResponse>;

    fn write_params(&self, w: &mut XmlWriter) {
        w.open("FeCompConsReq");
        w.leaf("CbteTipo", self.cbte_tipo);
        w.leaf("CbteNro", self.cbte_nro);
        w.leaf("PtoVta", self.pto_vta);
        w.close("FeCompConsReq");
    }

    fn parse_result(result: Fields<'_>) -> Result<FECompConsultaResponse, Error> {
        let result_get = match result.element().child("ResultGet") {
            None => None,
            Some(stored) => {
                let s = Fields::of(stored);
                Some(FECompConsResponse {
                    detail: FECAEDetRequest::parse(s)?,
                    resultado: parse_optional_resultado(s)?,
                    cod_autorizacion: s.string("CodAutorizacion"),
                    emision_tipo: s.string("EmisionTipo"),
                    fch_vto: s.date("FchVto")?,
                    fch_proceso: s.timestamp("FchProceso")?,
                    observaciones: parse_observaciones(s)?,
                    pto_vta: s.required_number("PtoVta")?,
                    cbte_tipo: s.required_number("CbteTipo")?,
                })
            }
        };
        Ok(FECompConsultaResponse {
            result_get,
            errors: parse_errors(result)?,
            events: parse_events(result)?,
        })
    }

    fn into_output(response: FECompConsultaResponse) -> Result<Option<FECompConsResponse>, Error> {
        if !found(&response.errors)? {
            return Ok(None);
        }
        response
            .result_get
            .map(Some)
            .ok_or_else(|| Error::Malformed("FECompConsultar answered without ResultGet".into()))
    }
}

impl FECompUltimoAutorizado {
    /// Reads a request back from its element.
    pub fn parse(request: Fields<'_>) -> Result<FECompUltimoAutorizado, Error> {
        Ok(FECompUltimoAutorizado {
            pto_vta: request.required_number("PtoVta")?,
            cbte_tipo: request.required_number("CbteTipo")?,
        })
    }
}

impl FECompConsultar {
    /// Reads a request back from its element.
    pub fn parse(request: Fields<'_>) -> Result<FECompConsultar, Error> {
        let req = request
            .element()
            .child("FeCompConsReq")
            .map(Fields::of)
            .ok_or_else(|| Error::Malformed("FECompConsultar has no FeCompConsReq".into()))?;
        Ok(FECompConsultar {
            cbte_tipo: req.required_number("CbteTipo")?,
            cbte_nro: req.required_number("CbteNro")?,
            pto_vta: req.required_number("PtoVta")?,
        })
    }
}
