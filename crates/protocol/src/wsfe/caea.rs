//! The CAEA (anticipated CAE) operations (§G): request and look up a CAEA for a fortnight,
//! report the vouchers issued under it, and declare points of sale that issued none.

use chrono::{NaiveDate, NaiveDateTime};

use crate::Error;

use super::cae::{FECabResponse, FEDetResponse, missing_header, parse_cab_response};
use super::messages::{
    ArcaErr, Evt, Obs, Resultado, parse_errors, parse_events, parse_observaciones, parse_optional_resultado,
};
use super::operation::Operation;
use super::outcome::{ensure_no_errors, found};
use super::voucher::{FECAEADetRequest, FECAEDetRequest, FECabRequest};
use super::wire::{Fields, XmlWriter};

/// `FECAEASolicitar`: asks for the CAEA of a fortnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FECAEASolicitar {
    /// `yyyymm`.
    pub periodo: i32,
    /// 1: days 1–15; 2: day 16 to the end of the month.
    pub orden: i16,
}

/// `FECAEAConsultar`: looks up the CAEA already granted for a fortnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FECAEAConsultar {
    pub periodo: i32,
    pub orden: i16,
}

/// `FECAEAGetResponse`, the answer of both.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEAGetResponse {
    /// Present on success; with some errors ARCA echoes only `Periodo`/`Orden` here.
    pub result_get: Option<FECAEAGet>,
    pub errors: Vec<ArcaErr>,
    pub events: Vec<Evt>,
}

/// `FECAEAGet`: a granted CAEA.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEAGet {
    /// 14 digits.
    pub caea: Option<String>,
    pub periodo: i32,
    pub orden: i16,
    pub fch_vig_desde: Option<NaiveDate>,
    pub fch_vig_hasta: Option<NaiveDate>,
    /// Deadline to report the vouchers issued under it.
    pub fch_tope_inf: Option<NaiveDate>,
    pub fch_proceso: Option<NaiveDateTime>,
    pub observaciones: Vec<Obs>,
}

fn write_period(w: &mut XmlWriter, periodo: i32, orden: i16) {
    w.leaf("Periodo", periodo);
    w.leaf("Orden", orden);
}

fn parse_caea_get(result: Fields<'_>) -> Result<FECAEAGetResponse, Error> {
    let result_get = match result.element().child("ResultGet") {
        None => None,
        Some(get) => {
            let g = Fields::of(get);
            Some(FECAEAGet {
                caea: g.string("CAEA"),
                periodo: g.number("Periodo")?.unwrap_or(0),
                orden: g.number("Orden")?.unwrap_or(0),
                fch_vig_desde: g.date("FchVigDesde")?,
                fch_vig_hasta: g.date("FchVigHasta")?,
                fch_tope_inf: g.date("FchTopeInf")?,
                fch_proceso: g.timestamp("FchProceso")?,
                observaciones: parse_observaciones(g)?,
            })
        }
    };
    Ok(FECAEAGetResponse {
        result_get,
        errors: parse_errors(result)?,
        events: parse_events(result)?,
    })
}

fn granted(response: FECAEAGetResponse) -> Result<FECAEAGet, Error> {
    response
        .result_get
        .ok_or_else(|| Error::Malformed("CAEA answer without ResultGet".into()))
}

impl Operation for FECAEASolicitar {
    const NAME: &'static str = "FECAEASolicitar";
    type Response = FECAEAGetResponse;
    type Output = FECAEAGet;

    fn write_params(&self, w: &mut XmlWriter) {
        write_period(w, self.periodo, self.orden);
    }

    fn parse_result(result: Fields<'_>) -> Result<FECAEAGetResponse, Error> {
        parse_caea_get(result)
    }

    /// 15008 (already granted) is an error like any other: the caller then asks
    /// `FECAEAConsultar`.
    fn into_output(response: FECAEAGetResponse) -> Result<FECAEAGet, Error> {
        ensure_no_errors(&response.errors)?;
        granted(response)
    }
}

impl Operation for FECAEAConsultar {
    const NAME: &'static str = "FECAEAConsultar";
    type Response = FECAEAGetResponse;
    /// `None` when no CAEA was granted for the fortnight (602).
    type Output = Option<FECAEAGet>;

    fn write_params(&self, w: &mut XmlWriter) {
        write_period(w, self.periodo, self.orden);
    }

    fn parse_result(result: Fields<'_>) -> Result<FECAEAGetResponse, Error> {
        parse_caea_get(result)
    }

    fn into_output(response: FECAEAGetResponse) -> Result<Option<FECAEAGet>, Error> {
        if !found(&response.errors)? {
            return Ok(None);
        }
        granted(response).map(Some)
    }
}

/// `FECAEARegInformativo`: reports vouchers issued under a CAEA.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEARegInformativo {
    pub fe_caea_reg_inf_req: FECAEARequest,
}

/// `FeCAEARegInfReq` (`FECAEARequest`).
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEARequest {
    pub fe_cab_req: FECabRequest,
    pub fe_det_req: Vec<FECAEADetRequest>,
}

/// `FECAEAResponse`: like the CAE answer, per detail with the CAEA instead of a CAE.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEAResponse {
    pub fe_cab_resp: Option<FECabResponse>,
    pub fe_det_resp: Vec<FECAEADetResponse>,
    pub events: Vec<Evt>,
    pub errors: Vec<ArcaErr>,
}

/// `FECAEADetResponse`.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEADetResponse {
    pub detail: FEDetResponse,
    pub caea: Option<String>,
}

impl Operation for FECAEARegInformativo {
    const NAME: &'static str = "FECAEARegInformativo";
    type Response = FECAEAResponse;
    /// A report with `FeCabResp` is a result (the caller reads each detail), as in
    /// `FECAESolicitar`.
    type Output = FECAEAResponse;

    fn write_params(&self, w: &mut XmlWriter) {
        w.open("FeCAEARegInfReq");
        self.fe_caea_reg_inf_req.fe_cab_req.write(w);
        w.open("FeDetReq");
        for detail in &self.fe_caea_reg_inf_req.fe_det_req {
            detail.write(w);
        }
        w.close("FeDetReq");
        w.close("FeCAEARegInfReq");
    }

    fn parse_result(result: Fields<'_>) -> Result<FECAEAResponse, Error> {
        Ok(FECAEAResponse {
            fe_cab_resp: parse_cab_response(result)?,
            fe_det_resp: result.array("FeDetResp", "FECAEADetResponse", |d| {
                Ok(FECAEADetResponse {
                    detail: FEDetResponse::parse(d)?,
                    caea: d.string("CAEA"),
                })
            })?,
            events: parse_events(result)?,
            errors: parse_errors(result)?,
        })
    }

    fn into_output(response: FECAEAResponse) -> Result<FECAEAResponse, Error> {
        if response.fe_cab_resp.is_none() {
            return Err(missing_header(response.errors));
        }
        Ok(response)
    }
}

impl FECAEARegInformativo {
    /// Reads a request back from its element.
    pub fn parse(request: Fields<'_>) -> Result<FECAEARegInformativo, Error> {
        let req = request
            .element()
            .child("FeCAEARegInfReq")
            .map(Fields::of)
            .ok_or_else(|| Error::Malformed("FECAEARegInformativo has no FeCAEARegInfReq".into()))?;
        let cab = req
            .element()
            .child("FeCabReq")
            .ok_or_else(|| Error::Malformed("FeCAEARegInfReq has no FeCabReq".into()))?;
        Ok(FECAEARegInformativo {
            fe_caea_reg_inf_req: FECAEARequest {
                fe_cab_req: FECabRequest::parse(Fields::of(cab))?,
                fe_det_req: req.array("FeDetReq", "FECAEADetRequest", |d| {
                    Ok(FECAEADetRequest {
                        detail: FECAEDetRequest::parse(d)?,
                        caea: d.string("CAEA").unwrap_or_default(),
                        cbte_fch_hs_gen: d.timestamp("CbteFchHsGen")?,
                    })
                })?,
            },
        })
    }
}

/// `FECAEASinMovimientoInformar`: declares that a point of sale issued nothing under a CAEA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FECAEASinMovimientoInformar {
    pub pto_vta: i32,
    pub caea: String,
}

/// `FECAEASinMovResponse`.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEASinMovResponse {
    pub caea: Option<String>,
    /// Comes as a bare date (`20210722`).
    pub fch_proceso: Option<NaiveDateTime>,
    pub pto_vta: i32,
    pub resultado: Option<Resultado>,
    pub errors: Vec<ArcaErr>,
    pub events: Vec<Evt>,
}

impl Operation for FECAEASinMovimientoInformar {
    const NAME: &'static str = "FECAEASinMovimientoInformar";
    type Response = FECAEASinMovResponse;
    /// Errors make it an error: a single declaration is either accepted or not (ARCA answers
    /// `Resultado R` together with the `Err`).
    type Output = FECAEASinMovResponse;

    fn write_params(&self, w: &mut XmlWriter) {
        w.leaf("PtoVta", self.pto_vta);
        w.leaf("CAEA", &self.caea);
    }

    fn parse_result(result: Fields<'_>) -> Result<FECAEASinMovResponse, Error> {
        Ok(FECAEASinMovResponse {
            caea: result.string("CAEA"),
            fch_proceso: result.timestamp("FchProceso")?,
            pto_vta: result.number("PtoVta")?.unwrap_or(0),
            resultado: parse_optional_resultado(result)?,
            errors: parse_errors(result)?,
            events: parse_events(result)?,
        })
    }

    fn into_output(response: FECAEASinMovResponse) -> Result<FECAEASinMovResponse, Error> {
        ensure_no_errors(&response.errors)?;
        Ok(response)
    }
}

/// `FECAEASinMovimientoConsultar`: the "no movement" declarations of a CAEA / point of sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FECAEASinMovimientoConsultar {
    pub caea: Option<String>,
    pub pto_vta: i32,
}

/// `FECAEASinMovConsResponse`.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEASinMovConsResponse {
    pub result_get: Vec<FECAEASinMov>,
    pub errors: Vec<ArcaErr>,
    pub events: Vec<Evt>,
}

/// `FECAEASinMov`: one declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEASinMov {
    pub caea: Option<String>,
    pub fch_proceso: Option<NaiveDateTime>,
    pub pto_vta: i32,
}

impl Operation for FECAEASinMovimientoConsultar {
    const NAME: &'static str = "FECAEASinMovimientoConsultar";
    type Response = FECAEASinMovConsResponse;
    /// Empty when there are none (602).
    type Output = Vec<FECAEASinMov>;

    fn write_params(&self, w: &mut XmlWriter) {
        w.optional_leaf("CAEA", self.caea.as_deref());
        w.leaf("PtoVta", self.pto_vta);
    }

    fn parse_result(result: Fields<'_>) -> Result<FECAEASinMovConsResponse, Error> {
        Ok(FECAEASinMovConsResponse {
            result_get: result.array("ResultGet", "FECAEASinMov", |m| {
                Ok(FECAEASinMov {
                    caea: m.string("CAEA"),
                    fch_proceso: m.timestamp("FchProceso")?,
                    pto_vta: m.number("PtoVta")?.unwrap_or(0),
                })
            })?,
            errors: parse_errors(result)?,
            events: parse_events(result)?,
        })
    }

    fn into_output(response: FECAEASinMovConsResponse) -> Result<Vec<FECAEASinMov>, Error> {
        if !found(&response.errors)? {
            return Ok(Vec::new());
        }
        Ok(response.result_get)
    }
}

impl FECAEASolicitar {
    /// Reads a request back from its element.
    pub fn parse(request: Fields<'_>) -> Result<FECAEASolicitar, Error> {
        Ok(FECAEASolicitar {
            periodo: request.required_number("Periodo")?,
            orden: request.required_number("Orden")?,
        })
    }
}

impl FECAEAConsultar {
    /// Reads a request back from its element.
    pub fn parse(request: Fields<'_>) -> Result<FECAEAConsultar, Error> {
        Ok(FECAEAConsultar {
            periodo: request.required_number("Periodo")?,
            orden: request.required_number("Orden")?,
        })
    }
}

impl FECAEASinMovimientoInformar {
    /// Reads a request back from its element.
    pub fn parse(request: Fields<'_>) -> Result<FECAEASinMovimientoInformar, Error> {
        Ok(FECAEASinMovimientoInformar {
            pto_vta: request.required_number("PtoVta")?,
            caea: request.string("CAEA").unwrap_or_default(),
        })
    }
}
