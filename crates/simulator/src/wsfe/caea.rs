//! CAEA, the anticipated authorisation code for contingencies (docs/arca.md §C.5, §G):
//! request and consult per period and fortnight, report the vouchers issued with it, and
//! inform points of sale that had no movement.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::batch::{self, Grant, Refusal, Submission};
use super::cae::{argentina_date, parse_yyyymmdd, yyyymmdd};
use super::envelope::Xml;
use super::request::{Fields, ParseError, parse_cae_request};
use super::store::{CaeaGrant, NoMovement};
use crate::soap::Document;
use crate::state::{State, lock};

const PERIOD_FORMAT: &str =
    "El campo <Periodo> debe tener el formato AAAAMM, donde AAAA indica el año y MM el mes en números.";
const ORDER_FORMAT: &str = "El campo <Orden> debe tener el valor 1 (primera quincena) o 2 (segunda quincena).";
const NOT_FOUND: &str = "No existen datos en nuestros registros para los parametros ingresados.";

/// The fortnight (`Orden` 1: days 1–15, 2: 16–end) of `periodo` (yyyymm).
fn fortnight(periodo: i64, orden: i64) -> Result<(NaiveDate, NaiveDate), (u32, String)> {
    let period_format = || (15004, PERIOD_FORMAT.to_string());
    let year = i32::try_from(periodo / 100).map_err(|_| period_format())?;
    let month = u32::try_from(periodo % 100).map_err(|_| period_format())?;
    let first = NaiveDate::from_ymd_opt(year, month, 1)
        .filter(|_| (2000..=2999).contains(&year))
        .ok_or((15004, PERIOD_FORMAT.to_string()))?;
    let next_month = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    let last = next_month
        .map(|d| d - Duration::days(1))
        .ok_or((15004, PERIOD_FORMAT.to_string()))?;
    match orden {
        1 => Ok((first, first + Duration::days(14))),
        2 => Ok((first + Duration::days(15), last)),
        _ => Err((15005, ORDER_FORMAT.to_string())),
    }
}

fn us_date(date: NaiveDate) -> String {
    format!("{}/{}/{}", date.month(), date.day(), date.year())
}

fn write_grant(xml: &mut Xml, grant: &CaeaGrant) {
    xml.element("ResultGet", |xml| {
        xml.text("CAEA", &grant.caea)
            .text("Periodo", grant.periodo)
            .text("Orden", grant.orden)
            .text("FchVigDesde", &grant.fch_vig_desde)
            .text("FchVigHasta", &grant.fch_vig_hasta)
            .text("FchTopeInf", &grant.fch_tope_inf)
            .text("FchProceso", &grant.fch_proceso);
    });
}

/// `FECAEASolicitar`: one CAEA per CUIT, period and fortnight, requested from five days before
/// the fortnight starts until its last day (15006).
pub fn request(state: &State, fields: &Fields<'_>, cuit: i64, now: DateTime<Utc>) -> Result<String, ParseError> {
    let (periodo, orden) = (fields.int("Periodo")?, fields.int("Orden")?);
    let mut xml = Xml::new();
    let (start, end) = match fortnight(periodo, orden) {
        Ok(bounds) => bounds,
        Err(error) => {
            xml.errors(&[error]);
            return Ok(xml.into_string());
        }
    };
    let today = argentina_date(now);
    if today < start - Duration::days(5) || today > end {
        let message = format!(
            "Fecha de envío podrá ser desde 5 días corridos anteriores al inicio hasta el último dia de cada quincena. Del {} hasta {}",
            us_date(start - Duration::days(5)),
            us_date(end)
        );
        xml.errors(&[(15006, message)]);
        return Ok(xml.into_string());
    }
    let mut wsfe = lock(&state.wsfe);
    if wsfe
        .caeas
        .iter()
        .any(|g| g.cuit == cuit && g.periodo == periodo && g.orden == orden)
    {
        let message = "Existe un CAEA otorgado para la CUIT solicitante con el periodo y orden informado. Consultar el metodo FECAEAConsultar.";
        xml.errors(&[(15008, message.to_string())]);
        return Ok(xml.into_string());
    }
    let grant = CaeaGrant {
        cuit,
        caea: wsfe.next_code(),
        periodo,
        orden,
        fch_vig_desde: yyyymmdd(start),
        fch_vig_hasta: yyyymmdd(end),
        // The reporting deadline rule is unverified (§G.2); eight days after the fortnight.
        fch_tope_inf: yyyymmdd(end + Duration::days(8)),
        fch_proceso: yyyymmdd(today),
    };
    write_grant(&mut xml, &grant);
    wsfe.caeas.push(grant);
    state.persist(&wsfe);
    Ok(xml.into_string())
}

/// `FECAEAConsultar`: its errors echo the requested values in `ResultGet` (§C.2, recorded for
/// 15004 and 602).
pub fn consult(state: &State, fields: &Fields<'_>, cuit: i64) -> Result<String, ParseError> {
    let (periodo, orden) = (fields.int("Periodo")?, fields.int("Orden")?);
    let mut xml = Xml::new();
    let error = match fortnight(periodo, orden) {
        Err(error) => error,
        Ok(_) => {
            let wsfe = lock(&state.wsfe);
            match wsfe
                .caeas
                .iter()
                .find(|g| g.cuit == cuit && g.periodo == periodo && g.orden == orden)
            {
                Some(grant) => {
                    write_grant(&mut xml, grant);
                    return Ok(xml.into_string());
                }
                None => (602, NOT_FOUND.to_string()),
            }
        }
    };
    xml.element("ResultGet", |xml| {
        xml.text("Periodo", periodo).text("Orden", orden);
    });
    xml.errors(&[error]);
    Ok(xml.into_string())
}

/// `FECAEARegInformativo`: vouchers issued under a CAEA, numbered like CAE vouchers.
pub fn report(
    state: &State,
    document: &Document,
    fields: &Fields<'_>,
    cuit: i64,
    now: DateTime<Utc>,
) -> Result<String, ParseError> {
    let (header, details) = match fields.index("FeCAEARegInfReq") {
        Some(request) => parse_cae_request(document, request, "FECAEADetRequest")?,
        None => Default::default(),
    };
    let batch = {
        let mut wsfe = lock(&state.wsfe);
        batch::process(
            state,
            &mut wsfe,
            Submission {
                cuit,
                header: &header,
                details: &details,
                now,
            },
            703,
            |wsfe, detail, cbte_fch| {
                // 782, the real text (§C.5).
                let caea = detail.caea.clone().filter(|c| !c.is_empty());
                let caea = caea.ok_or_else(|| Refusal::Error(782, "El <CAEA> es obligatorio informarlo.".into()))?;
                let grant = wsfe.caeas.iter().find(|g| g.cuit == cuit && g.caea == caea);
                // 705: the CAEA must be one granted to this CUIT.
                let grant = grant
                    .ok_or_else(|| Refusal::Error(705, "El CAEA informado no corresponde a la CUIT emisora.".into()))?;
                // 702: the voucher date lies within the CAEA's validity.
                if cbte_fch < grant.fch_vig_desde.as_str() || cbte_fch > grant.fch_vig_hasta.as_str() {
                    let message = "La fecha del comprobante debe estar comprendida en el periodo de vigencia del CAEA.";
                    return Err(Refusal::Observation(702, message.into()));
                }
                Ok(Grant {
                    emision_tipo: "CAEA",
                    code: Some(caea),
                    fch_vto: Some(grant.fch_vig_hasta.clone()),
                })
            },
        )
    };
    let mut xml = Xml::new();
    batch.write_header(&mut xml, cuit, &header);
    batch.write_details(&mut xml, &details, "FECAEADetResponse", |xml, detail, _| {
        xml.or_empty("CAEA", detail.caea.as_ref().filter(|c| !c.is_empty()));
    });
    xml.errors(&batch.errors);
    Ok(xml.into_string())
}

/// `FECAEASinMovimientoInformar`.
pub fn inform_no_movement(
    state: &State,
    fields: &Fields<'_>,
    cuit: i64,
    now: DateTime<Utc>,
) -> Result<String, ParseError> {
    let pto_vta = fields.int("PtoVta")?;
    let caea = fields.text("CAEA").unwrap_or_default();
    let today = argentina_date(now);
    let mut wsfe = lock(&state.wsfe);
    let grant = wsfe.caeas.iter().find(|g| g.cuit == cuit && g.caea == caea).cloned();
    // 1202: this point of sale already reported vouchers under the CAEA.
    let used = wsfe
        .all_series()
        .filter(|(key, _)| key.cuit == cuit && key.pto_vta == pto_vta)
        .flat_map(|(_, series)| series.vouchers.values())
        .any(|v| v.emision_tipo == "CAEA" && v.cod_autorizacion == caea);
    let error = match &grant {
        // 1200: a CAE, or anything that is not a CAEA of this CUIT (real text, §C.5).
        None => Some((1200, "El codigo de autorizacion debe ser del tipo CAEA".to_string())),
        Some(grant) if parse_yyyymmdd(&grant.fch_vig_desde).is_some_and(|start| today < start) => Some((
            1203,
            "No se puede informar sin movimiento antes del inicio de vigencia del CAEA.".to_string(),
        )),
        Some(_) if used => Some((1202, "El CAEA ya fue utilizado para informar comprobantes.".to_string())),
        Some(_)
            if wsfe
                .no_movement
                .iter()
                .any(|n| n.cuit == cuit && n.caea == caea && n.pto_vta == pto_vta) =>
        {
            Some((
                1209,
                "El CAEA ya fue informado sin movimiento para el punto de venta.".to_string(),
            ))
        }
        Some(_) => None,
    };
    if error.is_none() {
        wsfe.no_movement.push(NoMovement {
            cuit,
            caea: caea.clone(),
            pto_vta,
            fch_proceso: yyyymmdd(today),
        });
        state.persist(&wsfe);
    }
    let mut xml = Xml::new();
    xml.text("CAEA", &caea)
        .text("FchProceso", yyyymmdd(today))
        .text("PtoVta", pto_vta)
        .text("Resultado", if error.is_some() { "R" } else { "A" });
    xml.errors(&error.into_iter().collect::<Vec<_>>());
    Ok(xml.into_string())
}

/// `FECAEASinMovimientoConsultar`.
pub fn consult_no_movement(state: &State, fields: &Fields<'_>, cuit: i64) -> Result<String, ParseError> {
    let caea = fields.text("CAEA").unwrap_or_default();
    let pto_vta = fields.int("PtoVta")?;
    let wsfe = lock(&state.wsfe);
    let found: Vec<&NoMovement> = wsfe
        .no_movement
        .iter()
        .filter(|n| n.cuit == cuit && n.caea == caea && (pto_vta == 0 || n.pto_vta == pto_vta))
        .collect();
    let mut xml = Xml::new();
    if found.is_empty() {
        xml.errors(&[(602, NOT_FOUND.to_string())]);
    } else {
        xml.element("ResultGet", |xml| {
            for notice in found {
                xml.element("FECAEASinMov", |xml| {
                    xml.text("CAEA", &notice.caea)
                        .text("FchProceso", &notice.fch_proceso)
                        .text("PtoVta", notice.pto_vta);
                });
            }
        });
    }
    Ok(xml.into_string())
}
