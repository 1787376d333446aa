//! CAEA, the anticipated authorisation code for contingencies (docs/arca.md §C.5, §G):
//! request and consult per period and fortnight, report the vouchers issued with it, and
//! inform points of sale that had no movement.
//!
//! The registry rules (15003, 15016, Obs 15017/15018, 701, 1204–1206) read the points of sale
//! registered for the CUIT (`/_sim/points-of-sale`); the generation-time rules (1440, 1441)
//! are pure functions of the detail, the CAEA and the processing time. This module never
//! answers for an operation the outage switch took down (that is decided before it runs), and
//! never grants or stores anything for a request it refuses.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};

use super::batch::{self, Grant, Refusal, Submission};
use super::cae::{argentina_date, parse_yyyymmdd, yyyymmdd};
use super::envelope::Xml;
use super::request::{Fields, ParseError, parse_cae_request};
use super::store::{CaeaGrant, NoMovement, PointOfSale};
use crate::soap::Document;
use crate::state::{State, lock};

const PERIOD_FORMAT: &str =
    "El campo <Periodo> debe tener el formato AAAAMM, donde AAAA indica el año y MM el mes en números.";
const ORDER_FORMAT: &str = "El campo <Orden> debe tener el valor 1 (primera quincena) o 2 (segunda quincena).";
const NOT_FOUND: &str = "No existen datos en nuestros registros para los parametros ingresados.";

// The texts below are the simulator's own: the manual lists these codes without texts we could
// verify (docs/arca.md §G.11). UNVERIFIED.
const NO_CAEA_POINT: &str =
    "La CUIT solicitante no posee puntos de venta CAEA activos. Consultar metodo FEParamGetPtosVenta.";
const NO_MAIN_POINT: &str = "La CUIT solicitante debe poseer al menos un punto de venta activo CAE o Controlador Fiscal Nueva Tecnologia como modalidad principal (RG 5782/2025).";
const INFORM_GENERATION: &str =
    "Recuerde que debe informar la fecha y hora de generacion (CbteFchHsGen) de cada comprobante emitido con el CAEA.";
const NOT_A_CAEA_POINT: &str = "El punto de venta informado no es del tipo CAEA. Consultar metodo FEParamGetPtosVenta.";
const DATE_BEFORE_LAST: &str = "La fecha del comprobante no puede ser anterior a la del ultimo comprobante informado para el punto de venta y tipo.";
const GENERATION_MISSING: &str = "El campo CbteFchHsGen es obligatorio para los comprobantes de puntos de venta CAEA.";
const GENERATION_FORMAT: &str =
    "El campo CbteFchHsGen debe tener el formato AAAAMMDDHHMMSS y ser una fecha y hora validas.";
const GENERATION_FUTURE: &str = "El campo CbteFchHsGen no puede ser posterior a la fecha y hora de proceso.";
const GENERATION_VALIDITY: &str =
    "La fecha de generacion del comprobante (CbteFchHsGen) debe estar comprendida en el periodo de vigencia del CAEA.";

/// `(code, message)` pairs, as `Errors` or `Observaciones` carry them.
type Messages = Vec<(u32, String)>;

/// What the registry says about a CAEA request by a CUIT whose points of sale are `points`:
/// the refusals (15003 no active CAEA point of sale, 15016 no active CAE point of sale as the
/// main modality) and the observations of a grant (15017 per active CAEA point without a linked
/// domicile, then the 15018 reminder, always).
pub fn request_findings(points: &[&PointOfSale]) -> (Messages, Messages) {
    let active_caea: Vec<&&PointOfSale> = points.iter().filter(|p| p.is_caea() && p.is_active()).collect();
    let mut errors = Vec::new();
    if active_caea.is_empty() {
        errors.push((15003, NO_CAEA_POINT.to_string()));
    }
    if !points.iter().any(|p| !p.is_caea() && p.is_active()) {
        errors.push((15016, NO_MAIN_POINT.to_string()));
    }
    let mut observations: Messages = active_caea
        .iter()
        .filter(|p| !p.domicilio)
        .map(|p| {
            (
                15017,
                format!("El punto de venta CAEA {} no tiene un domicilio asociado.", p.nro),
            )
        })
        .collect();
    observations.push((15018, INFORM_GENERATION.to_string()));
    (errors, observations)
}

/// `yyyymmddhhmiss`, fourteen digits and a real date and time.
fn parse_generation(text: &str) -> Option<NaiveDateTime> {
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S").ok()
}

/// The generation-time rules of a reported CAEA voucher: 1440 missing, 1441 not
/// `yyyymmddhhmiss` or after `processed` (Argentina's time of the report), 702 its day outside
/// the CAEA's validity `from..=to`. All exclude the voucher (an `Obs`).
pub fn generation_finding(
    cbte_fch_hs_gen: Option<&str>,
    processed: NaiveDateTime,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Option<(u32, String)> {
    let text = cbte_fch_hs_gen.map(str::trim).filter(|t| !t.is_empty());
    let Some(text) = text else {
        return Some((1440, GENERATION_MISSING.to_string()));
    };
    let Some(generated) = parse_generation(text) else {
        return Some((1441, GENERATION_FORMAT.to_string()));
    };
    if generated > processed {
        return Some((1441, GENERATION_FUTURE.to_string()));
    }
    let day = generated.date();
    if from.is_some_and(|from| day < from) || to.is_some_and(|to| day > to) {
        return Some((702, GENERATION_VALIDITY.to_string()));
    }
    None
}

/// Argentina's wall-clock time at `now` (UTC−3), as ARCA's processing stamps read.
fn argentina_time(now: DateTime<Utc>) -> NaiveDateTime {
    (now - Duration::hours(3)).naive_utc()
}

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
            .text("FchProceso", &grant.fch_proceso)
            .observations(&grant.observaciones);
    });
}

/// `FECAEASolicitar`: one CAEA per CUIT, period and fortnight, requested from five days before
/// the fortnight starts until its last day (15006), by a CUIT with an active CAEA point of sale
/// (15003) and an active CAE one (15016); a second request gets 15008.
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
    let points: Vec<&PointOfSale> = wsfe.points_of_sale.iter().filter(|p| p.belongs_to(cuit)).collect();
    let (refusals, observaciones) = request_findings(&points);
    if !refusals.is_empty() {
        xml.errors(&refusals);
        return Ok(xml.into_string());
    }
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
        // The reporting deadline rule is unverified (§G.9): the fortnight's end plus the
        // configured days (`/_sim/wsfe` `caea_report_days`, 8 by default).
        fch_tope_inf: yyyymmdd(end + Duration::days(state.settings().caea_report_days)),
        fch_proceso: yyyymmdd(today),
        observaciones,
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

/// `FECAEARegInformativo`: vouchers issued under a CAEA, numbered like CAE vouchers, on a CAEA
/// point of sale of the CUIT (701), each with its generation time (1440, 1441). The time of the
/// report is kept with each voucher (`GET /_sim/caea`).
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
            batch::Sequence {
                // 703 with the CAE text (§D.1); 704 with the simulator's own (UNVERIFIED).
                number: (703, batch::NUMBERING_MESSAGE),
                date: (704, DATE_BEFORE_LAST),
            },
            |wsfe, detail, cbte_fch| {
                // 701: the point of sale is a CAEA one of this CUIT. One not registered at all
                // is refused too: production does not report on unknown points (§G.11).
                if !wsfe
                    .point_of_sale(cuit, header.pto_vta)
                    .is_some_and(PointOfSale::is_caea)
                {
                    return Err(Refusal::Error(701, NOT_A_CAEA_POINT.into()));
                }
                // 782, the real text (§C.5).
                let caea = detail.caea.clone().filter(|c| !c.is_empty());
                let caea = caea.ok_or_else(|| Refusal::Error(782, "El <CAEA> es obligatorio informarlo.".into()))?;
                let grant = wsfe.caeas.iter().find(|g| g.cuit == cuit && g.caea == caea);
                // 705: the CAEA must be one granted to this CUIT.
                let grant = grant
                    .ok_or_else(|| Refusal::Error(705, "El CAEA informado no corresponde a la CUIT emisora.".into()))?;
                // 783: CbteFch is yyyymmdd (text UNVERIFIED).
                if parse_yyyymmdd(cbte_fch).is_none() || cbte_fch.len() != 8 {
                    let message = "Campo CbteFch con formato invalido. Debe informarse con formato yyyymmdd.";
                    return Err(Refusal::Observation(783, message.into()));
                }
                // 702: the voucher date lies within the CAEA's validity.
                if cbte_fch < grant.fch_vig_desde.as_str() || cbte_fch > grant.fch_vig_hasta.as_str() {
                    let message = "La fecha del comprobante debe estar comprendida en el periodo de vigencia del CAEA.";
                    return Err(Refusal::Observation(702, message.into()));
                }
                // 1440/1441: the generation date-time, mandatory since RG 5782/2025.
                let validity = (
                    parse_yyyymmdd(&grant.fch_vig_desde),
                    parse_yyyymmdd(&grant.fch_vig_hasta),
                );
                let processed = argentina_time(now);
                if let Some((code, message)) =
                    generation_finding(detail.cbte_fch_hs_gen.as_deref(), processed, validity.0, validity.1)
                {
                    return Err(Refusal::Observation(code, message));
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

/// `FECAEASinMovimientoInformar`: a CAEA point of sale of the CUIT, active (1204–1206), that
/// reported nothing under the CAEA (1202), after the CAEA's start (1203), once (1209).
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
    let point = wsfe.point_of_sale(cuit, pto_vta);
    let error = match &grant {
        // 1200: a CAE, or anything that is not a CAEA of this CUIT (real text, §C.5).
        None => Some((1200, "El codigo de autorizacion debe ser del tipo CAEA".to_string())),
        // 1206, 1204, 1205: the point of sale (texts UNVERIFIED).
        Some(_) if !(1..=99_998).contains(&pto_vta) => Some((
            1206,
            "Campo PtoVta debe ser un valor numerico entre 1 y 99998.".to_string(),
        )),
        Some(_) if !point.is_some_and(PointOfSale::is_caea) => Some((1204, NOT_A_CAEA_POINT.to_string())),
        Some(_) if !point.is_some_and(PointOfSale::is_active) => Some((
            1205,
            "El punto de venta informado no se encuentra activo (bloqueado o dado de baja).".to_string(),
        )),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn point(nro: i64, emision_tipo: &str) -> PointOfSale {
        PointOfSale {
            emision_tipo: emision_tipo.into(),
            ..PointOfSale::cae(nro)
        }
    }

    fn codes(findings: &[(u32, String)]) -> Vec<u32> {
        findings.iter().map(|(code, _)| *code).collect()
    }

    #[test]
    fn a_request_needs_an_active_caea_point_and_an_active_cae_point() {
        let cae = point(1, "CAE - Ri Iva");
        let caea = point(5, "CAEA - Ri Iva - Contingencias");
        let blocked = PointOfSale {
            bloqueado: true,
            ..point(6, "CAEA - Ri Iva - Contingencias")
        };
        let closed = PointOfSale {
            fch_baja: Some("20260101".into()),
            ..point(7, "CAEA - Monotributo - Contingencias")
        };
        let (errors, observations) = request_findings(&[&cae, &caea]);
        assert!(errors.is_empty());
        assert_eq!(codes(&observations), [15018]);
        assert_eq!(codes(&request_findings(&[&cae]).0), [15003]);
        assert_eq!(codes(&request_findings(&[&cae, &blocked, &closed]).0), [15003]);
        assert_eq!(codes(&request_findings(&[&caea]).0), [15016]);
        assert_eq!(codes(&request_findings(&[]).0), [15003, 15016]);
        let unlinked = PointOfSale {
            domicilio: false,
            ..caea.clone()
        };
        let (errors, observations) = request_findings(&[&cae, &unlinked, &blocked]);
        assert!(errors.is_empty());
        assert_eq!(codes(&observations), [15017, 15018]);
        assert!(observations[0].1.contains(" 5 "));
    }

    #[test]
    fn the_generation_time_is_required_well_formed_past_and_within_the_validity() {
        let processed = NaiveDateTime::parse_from_str("20270105150000", "%Y%m%d%H%M%S").expect("time");
        let from = NaiveDate::from_ymd_opt(2027, 1, 1);
        let to = NaiveDate::from_ymd_opt(2027, 1, 15);
        let check = |text: Option<&str>| generation_finding(text, processed, from, to).map(|(code, _)| code);
        assert_eq!(check(Some("20270105112000")), None);
        assert_eq!(check(Some("20270105150000")), None, "the processing second itself");
        assert_eq!(check(None), Some(1440));
        assert_eq!(check(Some("  ")), Some(1440));
        for malformed in [
            "202701051120",
            "2027-01-05T11",
            "20270132112000",
            "20270105256000",
            "+2027010511200",
        ] {
            assert_eq!(check(Some(malformed)), Some(1441), "{malformed}");
        }
        assert_eq!(check(Some("20270105150001")), Some(1441), "after the processing time");
        assert_eq!(check(Some("20261231235959")), Some(702), "before the validity");
        let late = NaiveDateTime::parse_from_str("20270120100000", "%Y%m%d%H%M%S").expect("time");
        let after = generation_finding(Some("20270116000000"), late, from, to).map(|(code, _)| code);
        assert_eq!(after, Some(702), "after the validity");
    }

    #[test]
    fn caea_points_of_sale_are_those_whose_type_starts_with_caea() {
        assert!(point(5, "CAEA - Ri Iva - Contingencias").is_caea());
        assert!(point(5, "CAEA - Fact. Elect. (RECE) - RI IVA").is_caea());
        assert!(!point(1, "CAE - Ri Iva").is_caea());
        assert!(!point(1, "Factura en Linea - Monotributo").is_caea());
        assert!(point(1, "CAE - Ri Iva").is_active());
        let baja = PointOfSale {
            fch_baja: Some("20260101".into()),
            ..point(1, "CAE - Ri Iva")
        };
        assert!(!baja.is_active());
    }
}
