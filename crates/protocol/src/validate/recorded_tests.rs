//! Golden tests against real homologation traffic (`testdata/arca/recorded/`): every recorded
//! `FECAESolicitar` is read into [`CaeRequest`] and validated with the context of its recording
//! (issuer, ARCA's processing date, the last number `FECompUltimoAutorizado` reported). Approved
//! details must pass; where ARCA rejected a detail with an observation, local validation must
//! find the same code with ARCA's literal message; where the last number is known (from
//! `FECompUltimoAutorizado` and approvals), our numbering 10016 must fire exactly when the number
//! was not the next one.
//!
//! The recordings predate RG 5616, so a missing `CondicionIVAReceptorId` is filled with a value
//! valid for the class before validating (ARCA did not require it then).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{IssueKind, IssuerIvaCondition, LastAuthorized, Series, ValidationContext, validate};
use crate::Cuit;
use crate::codes::{CbteClass, CbteTipo, Concepto, IvaRate, TributoTipo};
use crate::money::{Decimal, Money};
use crate::voucher::{AlicIva, CaeRequest, CbteAsoc, Comprador, Opcional, PeriodoAsoc, Tributo, Voucher};
use crate::xml::{self, Element};

fn text<'a>(element: &'a Element, name: &str) -> &'a str {
    element.child_text(name).unwrap_or("")
}

fn number<T: std::str::FromStr>(element: &Element, name: &str) -> T {
    text(element, name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} in {element:?}"))
}

fn money(element: &Element, name: &str) -> Money {
    // The XSD makes these doubles mandatory; .NET reads a missing one as 0.
    match text(element, name) {
        "" => Money::ZERO,
        value => Money::parse(value).unwrap(),
    }
}

fn decimal(element: &Element, name: &str) -> Option<Decimal> {
    match text(element, name) {
        "" => None,
        value => Some(value.parse().unwrap()),
    }
}

fn date(element: &Element, name: &str) -> Option<NaiveDate> {
    match text(element, name) {
        "" => None,
        value => Some(NaiveDate::parse_from_str(value, "%Y%m%d").unwrap()),
    }
}

fn array<'a>(detail: &'a Element, outer: &str, inner: &'a str) -> Vec<&'a Element> {
    detail
        .child(outer)
        .map(|e| e.children_named(inner).collect())
        .unwrap_or_default()
}

/// A recorded `FECAEDetRequest` as a [`Voucher`].
fn voucher(cbte_tipo: CbteTipo, punto_venta: u32, detail: &Element) -> Voucher {
    let condicion_default = match cbte_tipo.class() {
        CbteClass::A | CbteClass::M => 1,
        CbteClass::B | CbteClass::C | CbteClass::BienesUsados => 5,
    };
    Voucher {
        cbte_tipo,
        punto_venta,
        concepto: Concepto::from_code(number(detail, "Concepto")).unwrap(),
        doc_tipo: number(detail, "DocTipo"),
        doc_nro: number(detail, "DocNro"),
        cbte_desde: number(detail, "CbteDesde"),
        cbte_hasta: number(detail, "CbteHasta"),
        cbte_fch: date(detail, "CbteFch"),
        imp_total: money(detail, "ImpTotal"),
        imp_tot_conc: money(detail, "ImpTotConc"),
        imp_neto: money(detail, "ImpNeto"),
        imp_op_ex: money(detail, "ImpOpEx"),
        imp_trib: money(detail, "ImpTrib"),
        imp_iva: money(detail, "ImpIVA"),
        fch_serv_desde: date(detail, "FchServDesde"),
        fch_serv_hasta: date(detail, "FchServHasta"),
        fch_vto_pago: date(detail, "FchVtoPago"),
        mon_id: text(detail, "MonId").to_owned(),
        mon_cotiz: decimal(detail, "MonCotiz"),
        can_mis_mon_ext: match text(detail, "CanMisMonExt") {
            "" => None,
            value => Some(value == "S"),
        },
        condicion_iva_receptor_id: Some(match text(detail, "CondicionIVAReceptorId") {
            "" => condicion_default,
            value => value.parse().unwrap(),
        }),
        cbtes_asoc: array(detail, "CbtesAsoc", "CbteAsoc")
            .into_iter()
            .map(|e| CbteAsoc {
                tipo: number(e, "Tipo"),
                pto_vta: number(e, "PtoVta"),
                nro: number(e, "Nro"),
                cuit: text(e, "Cuit").parse().ok(),
                cbte_fch: date(e, "CbteFch"),
            })
            .collect(),
        tributos: array(detail, "Tributos", "Tributo")
            .into_iter()
            .map(|e| Tributo {
                id: TributoTipo::from_code(number(e, "Id")).unwrap(),
                desc: Some(text(e, "Desc").to_owned()).filter(|d| !d.is_empty()),
                base_imp: money(e, "BaseImp"),
                alic: decimal(e, "Alic").unwrap_or_default(),
                importe: money(e, "Importe"),
            })
            .collect(),
        iva: array(detail, "Iva", "AlicIva")
            .into_iter()
            .map(|e| AlicIva {
                id: IvaRate::from_code(number(e, "Id")).unwrap(),
                base_imp: money(e, "BaseImp"),
                importe: money(e, "Importe"),
            })
            .collect(),
        opcionales: array(detail, "Opcionales", "Opcional")
            .into_iter()
            .map(|e| Opcional {
                id: text(e, "Id").to_owned(),
                valor: text(e, "Valor").to_owned(),
            })
            .collect(),
        compradores: array(detail, "Compradores", "Comprador")
            .into_iter()
            .map(|e| Comprador {
                doc_tipo: number(e, "DocTipo"),
                doc_nro: number(e, "DocNro"),
                porcentaje: decimal(e, "Porcentaje").unwrap_or_default(),
            })
            .collect(),
        periodo_asoc: detail.child("PeriodoAsoc").map(|e| PeriodoAsoc {
            fch_desde: date(e, "FchDesde").unwrap(),
            fch_hasta: date(e, "FchHasta").unwrap(),
        }),
        actividades: vec![],
    }
}

/// What ARCA said about one request.
struct Recorded {
    name: String,
    issuer: Cuit,
    today: NaiveDate,
    request: CaeRequest,
    /// Per detail: `Resultado` and its `Obs` (code, message).
    details: Vec<(String, Vec<(u32, String)>)>,
    errors: Vec<u32>,
    /// The last number ARCA had reported for this series before this request, if any.
    last: Option<u64>,
}

/// Every recorded `FECAESolicitar`, in recording order, with the last number known at the time.
fn recorded_requests() -> Vec<Recorded> {
    let mut found = Vec::new();
    for cassette in crate::recorded::cassettes() {
        let name = cassette.file;
        // ARCA's last number per (PtoVta, CbteTipo), from FECompUltimoAutorizado and approvals.
        let mut last_numbers: HashMap<(u32, i32), u64> = HashMap::new();
        for interaction in cassette.interactions {
            let body = interaction.request;
            if body.is_empty() {
                continue;
            }
            let response = xml::parse(&interaction.response).unwrap();
            if let Some(result) = response.find("FECompUltimoAutorizadoResult") {
                if result.child("CbteNro").is_some() {
                    let key = (number(result, "PtoVta"), number(result, "CbteTipo"));
                    last_numbers.insert(key, number(result, "CbteNro"));
                }
                continue;
            }
            if !body.contains("FECAESolicitar>") {
                continue;
            }
            let request = xml::parse(&body).unwrap();
            let (Some(header), Some(details), Some(result)) = (
                request.find("FeCabReq"),
                request.find("FeDetReq"),
                response.find("FECAESolicitarResult"),
            ) else {
                continue;
            };
            let key = (number(header, "PtoVta"), number(header, "CbteTipo"));
            let cbte_tipo = CbteTipo::from_code(key.1).unwrap();
            let vouchers: Vec<Voucher> = details
                .children_named("FECAEDetRequest")
                .map(|d| voucher(cbte_tipo, key.0, d))
                .collect();
            let cant_reg = number(header, "CantReg");
            // Header or auth errors come without FeCabResp: nothing of a detail to compare.
            let Some(cab) = result.child("FeCabResp") else {
                continue;
            };
            let fch_proceso = text(cab, "FchProceso");
            let today = NaiveDate::parse_from_str(&fch_proceso[..8], "%Y%m%d").unwrap();
            let detail_results: Vec<(String, Vec<(u32, String)>)> = result
                .child("FeDetResp")
                .map(|r| r.children_named("FECAEDetResponse").collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .map(|d| {
                    let obs = array(d, "Observaciones", "Obs")
                        .into_iter()
                        .map(|o| (number(o, "Code"), text(o, "Msg").to_owned()))
                        .collect();
                    (text(d, "Resultado").to_owned(), obs)
                })
                .collect();
            let errors = array(result, "Errors", "Err")
                .into_iter()
                .map(|e| number(e, "Code"))
                .collect();
            let last = last_numbers.get(&key).copied();
            // Approved details move the series forward.
            for ((resultado, _), v) in detail_results.iter().zip(&vouchers) {
                if resultado == "A" {
                    last_numbers.insert(key, v.cbte_hasta);
                }
            }
            found.push(Recorded {
                name: name.clone(),
                issuer: Cuit::parse(text(request.find("Auth").unwrap(), "Cuit")).unwrap(),
                today,
                request: CaeRequest::new(vouchers).unwrap().with_cant_reg(cant_reg),
                details: detail_results,
                errors,
                last,
            });
        }
    }
    found
}

fn context(recorded: &Recorded) -> ValidationContext {
    let mut ctx = ValidationContext::new(recorded.issuer, recorded.today)
        .with_issuer_iva_condition(IssuerIvaCondition::ResponsableInscripto);
    if let Some(number) = recorded.last {
        let series = Series {
            punto_venta: recorded.request.punto_venta(),
            cbte_tipo: recorded.request.cbte_tipo(),
        };
        ctx = ctx.with_last_authorized(series, LastAuthorized { number, date: None });
    }
    ctx
}

#[test]
fn recorded_requests_are_judged_as_arca_judged_them() {
    let recorded = recorded_requests();
    assert!(
        recorded.len() >= 15,
        "expected the recorded FECAESolicitar calls, found {}",
        recorded.len()
    );
    let mut approved = 0;
    let mut numbering_checked = 0;
    for case in &recorded {
        let issues = validate(&case.request, &context(case));
        for (index, (resultado, observations)) in case.details.iter().enumerate() {
            let prefix = format!("FeDetReq[{index}].");
            let local: Vec<_> = issues.iter().filter(|i| i.field.starts_with(&prefix)).collect();
            if resultado == "A" {
                approved += 1;
                assert!(
                    local.is_empty(),
                    "{}: ARCA approved detail {index}, we found {local:#?}",
                    case.name
                );
            }
            for (code, message) in observations.iter().filter(|_| resultado == "R") {
                let ours = local.iter().find(|i| i.code == *code && i.kind == IssueKind::Obs);
                let ours = ours.unwrap_or_else(|| panic!("{}: ARCA observed {code}, we found {local:#?}", case.name));
                assert_eq!(&ours.message, message, "{}: message of {code}", case.name);
            }
        }
        // Err 10016 is "El numero o fecha...": when the number was not last + 1 we must say so;
        // when it was, ARCA's complaint was the date against the last voucher's date, which the
        // recording does not carry, and our numbering rule must stay quiet.
        if let Some(last) = case.last {
            let first = case.request.vouchers()[0].cbte_desde;
            let ours = issues.iter().any(|i| i.code == 10016 && i.kind == IssueKind::Err);
            if first != last + 1 {
                assert!(
                    case.errors.contains(&10016),
                    "{}: ARCA accepted {first} after {last}",
                    case.name
                );
                assert!(
                    ours,
                    "{}: {first} after {last} should be Err 10016; we found {issues:#?}",
                    case.name
                );
            } else {
                assert!(
                    !ours,
                    "{}: {first} after {last} is the next number; we found {issues:#?}",
                    case.name
                );
            }
            numbering_checked += 1;
        }
    }
    assert!(approved >= 5, "expected approved recordings, found {approved}");
    assert!(
        numbering_checked >= 10,
        "expected numbering checks, found {numbering_checked}"
    );
}

/// The recorded FCE credit note (203, opcionales 2101, 2102 and 22 = S, an association with its
/// issuer's CUIT and date; docs/arca.md §M.1): ARCA refused it only for its date window, and so
/// do we — none of the FCE rules finds anything else.
#[test]
fn the_recorded_fce_note_breaks_only_its_date_window() {
    let recorded = recorded_requests();
    let notes: Vec<&Recorded> = recorded
        .iter()
        .filter(|case| case.request.cbte_tipo() == CbteTipo::FceNotaCreditoA)
        .collect();
    assert!(!notes.is_empty(), "the recorded FCE note");
    for case in notes {
        let voucher = &case.request.vouchers()[0];
        let ids: Vec<&str> = voucher.opcionales.iter().map(|o| o.id.as_str()).collect();
        assert!(ids.contains(&"2101") && ids.contains(&"22"), "{ids:?}");
        let observed: Vec<u32> = case.details[0].1.iter().map(|(code, _)| *code).collect();
        let ours: Vec<u32> = validate(&case.request, &context(case))
            .iter()
            .filter(|issue| issue.kind == IssueKind::Obs)
            .map(|issue| issue.code)
            .collect();
        assert_eq!(ours, observed, "{}", case.name);
    }
}
