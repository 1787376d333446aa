//! `FECAESolicitar`: asking ARCA to authorise vouchers and give each a CAE (§C.3).

use chrono::{NaiveDate, NaiveDateTime};

use crate::Error;

use super::messages::{ArcaErr, Evt, Obs, Resultado, parse_errors, parse_events, parse_observaciones, parse_resultado};
use super::operation::Operation;
use super::outcome::error_from;
use super::voucher::{FECAEDetRequest, FECabRequest};
use super::wire::{Fields, XmlWriter};

/// `FECAESolicitar`: one batch of vouchers sharing point of sale and type.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAESolicitar {
    pub fe_cae_req: FECAERequest,
}

/// `FeCAEReq`.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAERequest {
    pub fe_cab_req: FECabRequest,
    pub fe_det_req: Vec<FECAEDetRequest>,
}

/// `FECAEResponse`: the header and each detail's verdict. `Errors` can come alongside a result
/// (10016 does); details are in request order.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEResponse {
    pub fe_cab_resp: Option<FECabResponse>,
    pub fe_det_resp: Vec<FECAEDetResponse>,
    pub events: Vec<Evt>,
    pub errors: Vec<ArcaErr>,
}

/// `FeCabResp` (`FECabResponse`): the batch verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct FECabResponse {
    pub cuit: i64,
    pub pto_vta: i32,
    pub cbte_tipo: i32,
    pub fch_proceso: Option<NaiveDateTime>,
    pub cant_reg: i32,
    /// `A` all approved, `R` all rejected, `P` some of each.
    pub resultado: Resultado,
    /// "Not operative", always `N`.
    pub reproceso: Option<String>,
}

/// `FEDetResponse`: what both CAE and CAEA detail answers share.
#[derive(Debug, Clone, PartialEq)]
pub struct FEDetResponse {
    pub concepto: i32,
    pub doc_tipo: i32,
    pub doc_nro: i64,
    pub cbte_desde: i64,
    pub cbte_hasta: i64,
    pub cbte_fch: Option<NaiveDate>,
    pub resultado: Resultado,
    pub observaciones: Vec<Obs>,
}

/// `FECAEDetResponse`: one detail's verdict and, when approved, its CAE.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEDetResponse {
    pub detail: FEDetResponse,
    /// 14 digits; `None` when rejected (`<CAE />`).
    pub cae: Option<String>,
    pub cae_fch_vto: Option<NaiveDate>,
}

impl Operation for FECAESolicitar {
    const NAME: &'static str = "FECAESolicitar";
    type Response = FECAEResponse;
    /// The response as is: a rejected or partial batch is a result, not an error.
    type Output = FECAEResponse;

    fn write_params(&self, w: &mut XmlWriter) {
        w.open("FeCAEReq");
        self.fe_cae_req.fe_cab_req.write(w);
        w.open("FeDetReq");
        for detail in &self.fe_cae_req.fe_det_req {
            w.open("FECAEDetRequest");
            detail.write_fields(w);
            w.close("FECAEDetRequest");
        }
        w.close("FeDetReq");
        w.close("FeCAEReq");
    }

    fn parse_result(result: Fields<'_>) -> Result<FECAEResponse, Error> {
        Ok(FECAEResponse {
            fe_cab_resp: parse_cab_response(result)?,
            fe_det_resp: result.array("FeDetResp", "FECAEDetResponse", |d| {
                Ok(FECAEDetResponse {
                    detail: FEDetResponse::parse(d)?,
                    cae: d.string("CAE"),
                    cae_fch_vto: d.date("CAEFchVto")?,
                })
            })?,
            events: parse_events(result)?,
            errors: parse_errors(result)?,
        })
    }

    fn into_output(response: FECAEResponse) -> Result<FECAEResponse, Error> {
        if response.fe_cab_resp.is_none() {
            return Err(missing_header(response.errors));
        }
        Ok(response)
    }
}

impl FECAESolicitar {
    /// Reads a request back from its `FECAESolicitar` element (for tests and tools that replay
    /// traffic).
    pub fn parse(request: Fields<'_>) -> Result<FECAESolicitar, Error> {
        let req = request
            .element()
            .child("FeCAEReq")
            .map(Fields::of)
            .ok_or_else(|| Error::Malformed("FECAESolicitar has no FeCAEReq".into()))?;
        let cab = req
            .element()
            .child("FeCabReq")
            .ok_or_else(|| Error::Malformed("FeCAEReq has no FeCabReq".into()))?;
        Ok(FECAESolicitar {
            fe_cae_req: FECAERequest {
                fe_cab_req: FECabRequest::parse(Fields::of(cab))?,
                fe_det_req: req.array("FeDetReq", "FECAEDetRequest", FECAEDetRequest::parse)?,
            },
        })
    }
}

impl FEDetResponse {
    pub(crate) fn parse(d: Fields<'_>) -> Result<FEDetResponse, Error> {
        Ok(FEDetResponse {
            concepto: d.required_number("Concepto")?,
            doc_tipo: d.required_number("DocTipo")?,
            doc_nro: d.required_number("DocNro")?,
            cbte_desde: d.required_number("CbteDesde")?,
            cbte_hasta: d.required_number("CbteHasta")?,
            cbte_fch: d.date("CbteFch")?,
            resultado: parse_resultado(d)?,
            observaciones: parse_observaciones(d)?,
        })
    }
}

/// Reads `FeCabResp`, shared by `FECAESolicitar` and `FECAEARegInformativo`.
pub(crate) fn parse_cab_response(result: Fields<'_>) -> Result<Option<FECabResponse>, Error> {
    let Some(cab) = result.element().child("FeCabResp") else {
        return Ok(None);
    };
    let c = Fields::of(cab);
    Ok(Some(FECabResponse {
        cuit: c.required_number("Cuit")?,
        pto_vta: c.required_number("PtoVta")?,
        cbte_tipo: c.required_number("CbteTipo")?,
        fch_proceso: c.timestamp("FchProceso")?,
        cant_reg: c.required_number("CantReg")?,
        resultado: parse_resultado(c)?,
        reproceso: c.string("Reproceso"),
    }))
}

/// The error for an answer without `FeCabResp`: ARCA's errors, or a malformed answer.
pub(crate) fn missing_header(errors: Vec<ArcaErr>) -> Error {
    if errors.is_empty() {
        Error::Malformed("answer has neither FeCabResp nor Errors".into())
    } else {
        error_from(errors)
    }
}
