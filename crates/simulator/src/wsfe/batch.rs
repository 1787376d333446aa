//! What `FECAESolicitar` and `FECAEARegInformativo` share (docs/arca.md §D.1): details are
//! processed in order, each must carry the next number of its series and a date not before the
//! last one, ARCA's rules judge it, and the first rejection rejects everything after it. The
//! header's `Resultado` is `A`, `R`, or `P` when some were approved.

use chrono::{DateTime, Duration, Utc};

use super::cae::{argentina_date, parse_yyyymmdd, processing_time, with_rules_context, yyyymmdd};
use super::envelope::Xml;
use super::request::{Detail, Header};
use super::rules;
use super::store::{SeriesKey, StoredVoucher, WsfeState};
use crate::state::State;

/// 10016 in `Errors`, the real text (§C.3).
pub const NUMBERING_MESSAGE: &str = "El numero o fecha del comprobante no se corresponde con el proximo a autorizar. Consultar metodo FECompUltimoAutorizado.";

/// The `CbteFch` rules relative to the day of the request (10016 in its `Obs` form, 10152),
/// which only CAE requests are subject to.
const CAE_DATE_WINDOW: [u32; 2] = [10016, 10152];

/// The `Errors` a detail out of sequence gets: a number that is not the next one, or a date
/// before the last authorised voucher's.
pub struct Sequence {
    pub number: (u32, &'static str),
    pub date: (u32, &'static str),
}

/// `FECAESolicitar`: 10016 for both, ARCA's text (§C.3).
pub const CAE_SEQUENCE: Sequence = Sequence {
    number: (10016, NUMBERING_MESSAGE),
    date: (10016, NUMBERING_MESSAGE),
};

/// How a detail that passed numbering and the rules is authorised.
pub struct Grant {
    /// `CAE` or `CAEA`.
    pub emision_tipo: &'static str,
    /// The CAEA being reported; `None` grants a new CAE.
    pub code: Option<String>,
    /// Expiry for CAEA vouchers (the CAEA's validity end); a CAE expires `CbteFch` + N days.
    pub fch_vto: Option<String>,
}

/// Why a detail is refused before the rules run.
pub enum Refusal {
    /// Goes to the response's `Errors`.
    Error(u32, String),
    /// Goes to the detail's `Observaciones`.
    Observation(u32, String),
}

/// One request's details for one series, as `Auth/Cuit` sent them at `now`.
pub struct Submission<'a> {
    pub cuit: i64,
    pub header: &'a Header,
    pub details: &'a [Detail],
    pub now: DateTime<Utc>,
}

/// What happened to one detail.
pub struct Outcome {
    pub approved: bool,
    pub observations: Vec<(u32, String)>,
    pub code: Option<String>,
    pub expiry: Option<String>,
    pub cbte_fch: Option<String>,
}

/// The result of a whole request.
pub struct Batch {
    pub outcomes: Vec<Outcome>,
    pub errors: Vec<(u32, String)>,
    pub fch_proceso: String,
}

impl Batch {
    pub fn resultado(&self) -> &'static str {
        match self.outcomes.iter().filter(|o| o.approved).count() {
            0 => "R",
            n if n == self.outcomes.len() => "A",
            _ => "P",
        }
    }

    /// `FeCabResp`.
    pub fn write_header(&self, xml: &mut Xml, cuit: i64, header: &Header) {
        xml.element("FeCabResp", |xml| {
            xml.text("Cuit", cuit)
                .text("PtoVta", header.pto_vta)
                .text("CbteTipo", header.cbte_tipo)
                .text("FchProceso", &self.fch_proceso)
                .text("CantReg", header.cant_reg)
                .text("Resultado", self.resultado())
                .text("Reproceso", "N");
        });
    }

    /// `FeDetResp` with one `element` per detail: the common fields, then `tail` (CAE or CAEA).
    pub fn write_details(
        &self,
        xml: &mut Xml,
        details: &[Detail],
        element: &str,
        tail: impl Fn(&mut Xml, &Detail, &Outcome),
    ) {
        xml.element("FeDetResp", |xml| {
            for (detail, outcome) in details.iter().zip(&self.outcomes) {
                xml.element(element, |xml| {
                    xml.text("Concepto", detail.concepto)
                        .text("DocTipo", detail.doc_tipo)
                        .text("DocNro", detail.doc_nro)
                        .text("CbteDesde", detail.cbte_desde)
                        .text("CbteHasta", detail.cbte_hasta)
                        .or_empty("CbteFch", outcome.cbte_fch.as_ref())
                        .text("Resultado", if outcome.approved { "A" } else { "R" })
                        .observations(&outcome.observations);
                    tail(xml, detail, outcome);
                });
            }
        });
    }
}

fn rejected(detail: &Detail, observations: Vec<(u32, String)>) -> Outcome {
    Outcome {
        approved: false,
        observations,
        code: None,
        expiry: None,
        cbte_fch: detail.cbte_fch.clone(),
    }
}

/// Processes `details` of one series in order, storing what is approved. `grant` decides, per
/// detail and before numbering, how it would be authorised (or refuses it).
pub fn process(
    state: &State,
    wsfe: &mut WsfeState,
    submission: Submission<'_>,
    sequence: Sequence,
    mut grant: impl FnMut(&WsfeState, &Detail, &str) -> Result<Grant, Refusal>,
) -> Batch {
    let Submission {
        cuit,
        header,
        details,
        now,
    } = submission;
    let settings = state.settings();
    let today = argentina_date(now);
    let fch_proceso = processing_time(now);
    let key = SeriesKey {
        cuit,
        pto_vta: header.pto_vta,
        cbte_tipo: header.cbte_tipo,
    };
    let mut errors: Vec<(u32, String)> = with_rules_context(wsfe, cuit, header, today, &settings, |context| {
        rules::check_header(context, details.len())
            .into_iter()
            .map(|f| (f.code, f.message))
            .collect()
    });
    let mut stop = !errors.is_empty();
    let (mut expected, mut last_date) = wsfe
        .series(key)
        .map_or((1, None), |s| (s.last + 1, s.last_date.clone()));
    let mut outcomes = Vec::with_capacity(details.len());
    for detail in details {
        if stop {
            outcomes.push(rejected(detail, Vec::new()));
            continue;
        }
        stop = true;
        let cbte_fch = detail.cbte_fch.clone().unwrap_or_else(|| yyyymmdd(today));
        let authorization = match grant(wsfe, detail, &cbte_fch) {
            Ok(authorization) => authorization,
            Err(Refusal::Error(code, message)) => {
                errors.push((code, message));
                outcomes.push(rejected(detail, Vec::new()));
                continue;
            }
            Err(Refusal::Observation(code, message)) => {
                outcomes.push(rejected(detail, vec![(code, message)]));
                continue;
            }
        };
        // Not the next number, or dated before the last authorised voucher (10016; 703 / 704).
        let out_of_sequence = if detail.cbte_desde != expected {
            Some(sequence.number)
        } else if last_date.as_deref().is_some_and(|last| cbte_fch.as_str() < last) {
            Some(sequence.date)
        } else {
            None
        };
        if let Some((code, message)) = out_of_sequence {
            errors.push((code, message.to_string()));
            outcomes.push(rejected(detail, Vec::new()));
            continue;
        }
        let mut findings = with_rules_context(wsfe, cuit, header, today, &settings, |context| {
            rules::check_detail(context, detail)
        });
        if authorization.emision_tipo == "CAEA" {
            // A reported CAEA voucher's date is judged against the CAEA's validity (702, by
            // `grant`), not against the day of the report: the CAE date window does not apply.
            findings.retain(|f| !CAE_DATE_WINDOW.contains(&f.code));
        }
        let observations: Vec<(u32, String)> = findings.iter().map(|f| (f.code, f.message.clone())).collect();
        if findings.iter().any(|f| f.excluding) {
            outcomes.push(rejected(detail, observations));
            continue;
        }
        stop = false;
        let code = authorization.code.unwrap_or_else(|| wsfe.next_code());
        let expiry = authorization
            .fch_vto
            .or_else(|| parse_yyyymmdd(&cbte_fch).map(|d| yyyymmdd(d + Duration::days(settings.cae_validity_days))));
        let mut stored = detail.clone();
        stored.cbte_fch = Some(cbte_fch.clone());
        let series = wsfe.series_mut(key);
        series.last = detail.cbte_hasta;
        series.last_date = Some(cbte_fch.clone());
        series.vouchers.insert(
            detail.cbte_desde,
            StoredVoucher {
                detail: stored,
                resultado: "A".into(),
                cod_autorizacion: code.clone(),
                emision_tipo: authorization.emision_tipo.into(),
                fch_vto: expiry.clone().unwrap_or_default(),
                fch_proceso: fch_proceso.clone(),
                observaciones: observations.clone(),
                informed_at: (authorization.emision_tipo == "CAEA").then(|| now.to_rfc3339()),
            },
        );
        expected = detail.cbte_hasta + 1;
        last_date = Some(cbte_fch.clone());
        outcomes.push(Outcome {
            approved: true,
            observations,
            code: Some(code),
            expiry,
            cbte_fch: Some(cbte_fch),
        });
    }
    if outcomes.iter().any(|o| o.approved) {
        state.persist(wsfe);
    }
    Batch {
        outcomes,
        errors,
        fch_proceso,
    }
}
