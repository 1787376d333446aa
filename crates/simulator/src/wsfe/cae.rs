//! CAE authorisation: `FECAESolicitar`, `FECompUltimoAutorizado`, `FECompConsultar`,
//! `FECompTotXRequest` (docs/arca.md §C.2–§C.4, §D.1, §D.4).

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::batch::{self, Grant, Submission};
use super::envelope::Xml;
use super::request::{Detail, Fields, ParseError, parse_cae_request};
use super::rules::Context;
use super::store::{SeriesKey, StoredVoucher, WsfeState};
use crate::soap::Document;
use crate::state::{State, lock};

/// Voucher types WSFEv1 authorises (§D.3, 10007); anything else is unknown to it.
const AUTHORISABLE: [i64; 36] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 34, 35, 39, 40, 49, 51, 52, 53, 54, 60, 61, 63, 64, 201, 202, 203,
    206, 207, 208, 211, 212, 213,
];

/// 10005 for a CAEA point of sale in `FECAESolicitar`. The simulator's own text: the manual
/// names the rule (point of sale registered and of the RECE type, §D.3) without a text we could
/// verify. UNVERIFIED.
const CAEA_POINT_FOR_CAE: &str = "El punto de venta informado no se encuentra habilitado para solicitar CAE: es un punto de venta CAEA. Consultar metodo FEParamGetPtosVenta.";

/// Argentina's calendar day at `now`: N in ARCA's date rules (§H.3).
pub fn argentina_date(now: DateTime<Utc>) -> NaiveDate {
    (now - Duration::hours(3)).date_naive()
}

pub fn yyyymmdd(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

pub fn parse_yyyymmdd(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y%m%d").ok()
}

/// `yyyymmddhhmiss` in Argentina's time.
pub fn processing_time(now: DateTime<Utc>) -> String {
    (now - Duration::hours(3)).format("%Y%m%d%H%M%S").to_string()
}

/// `FECompUltimoAutorizado`: the last number of a series (0 if never used).
pub fn last_authorized(state: &State, fields: &Fields<'_>, cuit: i64) -> Result<String, ParseError> {
    let pto_vta = fields.int("PtoVta")?;
    let cbte_tipo = fields.int("CbteTipo")?;
    let mut xml = Xml::new();
    let error = if !(1..=99_998).contains(&pto_vta) {
        // 11000: PtoVta out of range.
        Some((
            11000,
            "Campo PtoVta debe ser un valor numerico entre 1 y 99998.".to_string(),
        ))
    } else if !AUTHORISABLE.contains(&cbte_tipo) {
        // 11001: voucher type not enabled.
        Some((
            11001,
            "Campo CbteTipo no se encuentra habilitado. Consultar metodo FEParamGetTiposCbte.".to_string(),
        ))
    } else {
        None
    };
    let last = lock(&state.wsfe)
        .series(SeriesKey {
            cuit,
            pto_vta,
            cbte_tipo,
        })
        .map_or(0, |s| s.last);
    xml.text("PtoVta", pto_vta)
        .text("CbteTipo", cbte_tipo)
        .text("CbteNro", if error.is_some() { 0 } else { last });
    xml.errors(&error.into_iter().collect::<Vec<_>>());
    Ok(xml.into_string())
}

/// `FECompTotXRequest`.
pub fn records_per_request(state: &State) -> String {
    let mut xml = Xml::new();
    xml.text("RegXReq", state.settings().reg_x_req);
    xml.into_string()
}

/// `FECAESolicitar` (§C.3); a CAEA point of sale is refused (10005).
pub fn request_cae(
    state: &State,
    document: &Document,
    fields: &Fields<'_>,
    cuit: i64,
    now: DateTime<Utc>,
) -> Result<String, ParseError> {
    let (header, details) = match fields.index("FeCAEReq") {
        Some(request) => parse_cae_request(document, request, "FECAEDetRequest")?,
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
            batch::CAE_SEQUENCE,
            |wsfe, _, _| {
                // 10005: a point of sale registered as a CAEA one is not enabled for CAE. Points
                // not registered at all pass, as homologation lets them (§H.5).
                if wsfe
                    .point_of_sale(cuit, header.pto_vta)
                    .is_some_and(super::store::PointOfSale::is_caea)
                {
                    return Err(batch::Refusal::Error(10005, CAEA_POINT_FOR_CAE.into()));
                }
                Ok(Grant {
                    emision_tipo: "CAE",
                    code: None,
                    fch_vto: None,
                })
            },
        )
    };
    let mut xml = Xml::new();
    batch.write_header(&mut xml, cuit, &header);
    batch.write_details(&mut xml, &details, "FECAEDetResponse", |xml, _, outcome| {
        xml.or_empty("CAE", outcome.code.as_ref())
            .or_empty("CAEFchVto", outcome.expiry.as_ref());
    });
    xml.errors(&batch.errors);
    Ok(xml.into_string())
}

/// Runs `check` with the rules' view of the state: the registry, stored vouchers, rates.
pub fn with_rules_context<R>(
    wsfe: &WsfeState,
    cuit: i64,
    header: &super::request::Header,
    today: NaiveDate,
    settings: &crate::state::Settings,
    check: impl FnOnce(&Context<'_>) -> R,
) -> R {
    let taxpayer = |c| wsfe.taxpayer(c);
    let stored = |tipo, pto_vta, nro| {
        wsfe.series(SeriesKey {
            cuit,
            pto_vta,
            cbte_tipo: tipo,
        })
        .and_then(|s| s.find(nro))
        .map(|v: &StoredVoucher| (v.detail.cbte_fch.clone().unwrap_or_default(), v.detail.imp_total))
    };
    let fce_threshold = |receiver: i64, fecha: NaiveDate| {
        (wsfe.fce.obligado(receiver, fecha) && !wsfe.fce.no_mipyme.contains(&cuit)).then_some(wsfe.fce.threshold)
    };
    check(&Context {
        today,
        issuer_cuit: cuit,
        header,
        reg_x_req: settings.reg_x_req,
        consumidor_final_threshold: settings.consumidor_final_threshold,
        rates: &wsfe.rates,
        taxpayer: &taxpayer,
        stored_voucher: &stored,
        fce_threshold: &fce_threshold,
    })
}

/// `FECompConsultar`: the stored voucher exactly as it was authorised (§C.4), or 602.
pub fn consult(state: &State, fields: &Fields<'_>, cuit: i64) -> Result<String, ParseError> {
    let request = fields.nested("FeCompConsReq");
    let (cbte_tipo, numero, pto_vta) = match &request {
        Some(r) => (r.int("CbteTipo")?, r.int("CbteNro")?, r.int("PtoVta")?),
        None => (0, 0, 0),
    };
    let mut xml = Xml::new();
    let wsfe = lock(&state.wsfe);
    let found = wsfe
        .series(SeriesKey {
            cuit,
            pto_vta,
            cbte_tipo,
        })
        .and_then(|s| s.find(numero));
    match found {
        Some(voucher) => {
            xml.element("ResultGet", |xml| {
                write_detail(xml, &voucher.detail);
                xml.text("Resultado", &voucher.resultado)
                    .text("CodAutorizacion", &voucher.cod_autorizacion)
                    .text("EmisionTipo", &voucher.emision_tipo)
                    .text("FchVto", &voucher.fch_vto)
                    .text("FchProceso", &voucher.fch_proceso)
                    .observations(&voucher.observaciones)
                    .text("PtoVta", pto_vta)
                    .text("CbteTipo", cbte_tipo);
            });
        }
        None => {
            xml.errors(&[(
                602,
                "No existen datos en nuestros registros para los parametros ingresados.".to_string(),
            )]);
        }
    }
    Ok(xml.into_string())
}

/// The 26 `FECAEDetRequest` fields in schema order, as stored (`FECompConsResponse` extends it).
pub fn write_detail(xml: &mut Xml, d: &Detail) {
    xml.text("Concepto", d.concepto)
        .text("DocTipo", d.doc_tipo)
        .text("DocNro", d.doc_nro)
        .text("CbteDesde", d.cbte_desde)
        .text("CbteHasta", d.cbte_hasta)
        .optional("CbteFch", d.cbte_fch.as_ref())
        .double("ImpTotal", d.imp_total)
        .double("ImpTotConc", d.imp_tot_conc)
        .double("ImpNeto", d.imp_neto)
        .double("ImpOpEx", d.imp_op_ex)
        .double("ImpTrib", d.imp_trib)
        .double("ImpIVA", d.imp_iva)
        .or_empty("FchServDesde", d.fch_serv_desde.as_ref())
        .or_empty("FchServHasta", d.fch_serv_hasta.as_ref())
        .or_empty("FchVtoPago", d.fch_vto_pago.as_ref())
        .optional("MonId", d.mon_id.as_ref());
    if let Some(cotiz) = d.mon_cotiz {
        xml.double("MonCotiz", cotiz);
    }
    xml.optional("CanMisMonExt", d.can_mis_mon_ext.as_ref())
        .optional("CondicionIVAReceptorId", d.condicion_iva_receptor_id);
    if let Some(associated) = &d.cbtes_asoc {
        xml.element("CbtesAsoc", |xml| {
            for a in associated {
                xml.element("CbteAsoc", |xml| {
                    xml.text("Tipo", a.tipo)
                        .text("PtoVta", a.pto_vta)
                        .text("Nro", a.nro)
                        .optional("Cuit", a.cuit.as_ref())
                        .optional("CbteFch", a.cbte_fch.as_ref());
                });
            }
        });
    }
    if let Some(tributos) = &d.tributos {
        xml.element("Tributos", |xml| {
            for t in tributos {
                xml.element("Tributo", |xml| {
                    xml.text("Id", t.id)
                        .optional("Desc", t.desc.as_ref())
                        .double("BaseImp", t.base_imp)
                        .double("Alic", t.alic)
                        .double("Importe", t.importe);
                });
            }
        });
    }
    if let Some(iva) = &d.iva {
        xml.element("Iva", |xml| {
            for a in iva {
                xml.element("AlicIva", |xml| {
                    xml.text("Id", a.id)
                        .double("BaseImp", a.base_imp)
                        .double("Importe", a.importe);
                });
            }
        });
    }
    if let Some(opcionales) = &d.opcionales {
        xml.element("Opcionales", |xml| {
            for o in opcionales {
                xml.element("Opcional", |xml| {
                    xml.text("Id", &o.id).text("Valor", &o.valor);
                });
            }
        });
    }
    if let Some(compradores) = &d.compradores {
        xml.element("Compradores", |xml| {
            for c in compradores {
                xml.element("Comprador", |xml| {
                    xml.text("DocTipo", c.doc_tipo)
                        .text("DocNro", c.doc_nro)
                        .double("Porcentaje", c.porcentaje);
                });
            }
        });
    }
    if let Some(periodo) = &d.periodo_asoc {
        xml.element("PeriodoAsoc", |xml| {
            xml.or_empty("FchDesde", periodo.fch_desde.as_ref())
                .or_empty("FchHasta", periodo.fch_hasta.as_ref());
        });
    }
    if let Some(actividades) = &d.actividades {
        xml.element("Actividades", |xml| {
            for id in actividades {
                xml.element("Actividad", |xml| {
                    xml.text("Id", id);
                });
            }
        });
    }
}
