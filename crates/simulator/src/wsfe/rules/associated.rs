//! Associated vouchers and periods (§D.9): 10040 which types may carry `CbtesAsoc` and with
//! which associated types, 10062 at least one `CbteAsoc`, 10057–10060 each association's
//! fields and duplicates, 10151 its `Cuit`, 10197 notes need `CbtesAsoc` or `PeriodoAsoc`,
//! 10198 invoices carry no `PeriodoAsoc`, 10199/10203–10208 the period's dates, and the
//! observations 10041 (the associated electronic voucher does not exist) and 10237 (a credit
//! note over its associated vouchers). FCE notes (202/203, 207/208, 212/213, §M.1): 10158 each
//! `CbteAsoc` carries its `CbteFch`, 10159 the note is not dated before the associated voucher
//! (its stored date when the simulator authorised it, else the date sent), and 10160 an
//! associated FCE voucher of this issuer must exist — excluding, where 10041 only observes.
//!
//! Our reading of 10041: the simulator only knows the vouchers it authorised for this issuer,
//! so an association is looked up only when it is of this issuer (`Cuit` absent or equal to
//! `Auth/Cuit`) and of a type WSFEv1 authorises (remitos 88, 91, 99x are not electronic
//! vouchers of this service). Any point of sale is looked up: the store is keyed by it.

use rust_decimal::Decimal;

use super::{Finding, Voucher, close_enough, parse_date};
use crate::wsfe::params::{self, Kind};

pub(super) fn check(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    check_associations(voucher, findings);
    check_period(voucher, findings);
    check_existence(voucher, findings);
    check_fce_note_dates(voucher, findings);
}

/// Whether the voucher is an FCE debit or credit note.
fn is_fce_note(voucher: &Voucher<'_>) -> bool {
    voucher.fce && voucher.kind != Kind::Invoice
}

/// 10158 and 10159 on an FCE note's associations.
fn check_fce_note_dates(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    if !is_fce_note(voucher) {
        return;
    }
    let issuer = voucher.context.issuer_cuit.to_string();
    let note_date = voucher.date();
    for item in voucher.detail.cbtes_asoc.iter().flatten() {
        let sent = match item.cbte_fch.as_deref() {
            None => {
                findings.push(Finding::new(
                    10158,
                    "El campo CbteAsoc.CbteFch es obligatorio informar si es una Factura de Credito.",
                ));
                None
            }
            Some(text) => {
                let date = parse_date(text);
                if date.is_none() {
                    findings.push(Finding::new(
                        10158,
                        "El campo CbteAsoc.CbteFch debe informarse con formato yyyymmdd si es una Factura de Credito.",
                    ));
                }
                date
            }
        };
        let stored = (item.cuit.as_deref() == Some(issuer.as_str()))
            .then(|| (voucher.context.stored_voucher)(item.tipo, item.pto_vta, item.nro))
            .flatten()
            .and_then(|(date, _)| parse_date(&date));
        if let (Some(associated), Some(note)) = (stored.or(sent), note_date)
            && note < associated
        {
            findings.push(Finding::new(
                10159,
                format!(
                    "El campo CbteFch ({}) no puede ser anterior a la fecha del comprobante asociado ({}).",
                    note.format("%Y%m%d"),
                    associated.format("%Y%m%d")
                ),
            ));
        }
    }
}

/// The types a voucher of type `tipo` may be associated with; `None` when it may carry no
/// `CbtesAsoc` at all.
fn allowed_associations(tipo: i64) -> Option<&'static [i64]> {
    const A: &[i64] = &[1, 2, 3, 4, 5, 34, 39, 60, 63, 88, 991];
    const B: &[i64] = &[6, 7, 8, 9, 10, 35, 40, 61, 64, 88, 991];
    const C: &[i64] = &[11, 12, 13, 15];
    const ALEY: &[i64] = &[51, 52, 53, 54, 88, 991];
    const REMITOS: &[i64] = &[88, 991];
    const FCE_INVOICE: &[i64] = &[91, 990, 991, 993, 994, 995];
    const FCE_A: &[i64] = &[201, 202, 203];
    const FCE_B: &[i64] = &[206, 207, 208];
    const FCE_C: &[i64] = &[211, 212, 213];
    Some(match tipo {
        2 | 3 => A,
        7 | 8 => B,
        12 | 13 => C,
        52 | 53 => ALEY,
        1 | 6 | 51 => REMITOS,
        201 | 206 | 211 => FCE_INVOICE,
        202 | 203 => FCE_A,
        207 | 208 => FCE_B,
        212 | 213 => FCE_C,
        _ => return None,
    })
}

fn check_associations(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let Some(items) = voucher.detail.cbtes_asoc.as_deref() else {
        return;
    };
    let Some(allowed) = allowed_associations(voucher.tipo) else {
        findings.push(Finding::new(
            10040,
            format!(
                "Para el tipo de comprobante {} no debe informarse el objeto CbtesAsoc.",
                voucher.tipo
            ),
        ));
        return;
    };
    // 10062: the array holds at least one CbteAsoc.
    if items.is_empty() {
        findings.push(Finding::new(
            10062,
            "Si informa el objeto CbtesAsoc debe informar al menos un CbteAsoc.",
        ));
    }
    let mut seen: Vec<(i64, i64, i64)> = Vec::new();
    for item in items {
        if item.tipo <= 0 {
            findings.push(Finding::new(
                10057,
                "Campo Tipo de CbteAsoc es obligatorio y debe ser mayor a 0.",
            ));
        } else if !allowed.contains(&item.tipo) {
            findings.push(Finding::new(
                10040,
                format!(
                    "El comprobante asociado de tipo {} no puede asociarse a un comprobante de tipo {}.",
                    item.tipo, voucher.tipo
                ),
            ));
        }
        if !(1..=99_998).contains(&item.pto_vta) {
            findings.push(Finding::new(
                10058,
                "Campo PtoVta de CbteAsoc debe estar comprendido entre 1 y 99998.",
            ));
        }
        if !(1..=99_999_998).contains(&item.nro) {
            findings.push(Finding::new(
                10059,
                "Campo Nro de CbteAsoc debe estar comprendido entre 1 y 99999998.",
            ));
        }
        let key = (item.tipo, item.pto_vta, item.nro);
        if seen.contains(&key) {
            findings.push(Finding::new(
                10060,
                format!(
                    "El comprobante asociado Tipo {}, PtoVta {}, Nro {} esta repetido.",
                    item.tipo, item.pto_vta, item.nro
                ),
            ));
        } else {
            seen.push(key);
        }
        // 10151: a CUIT has 11 digits; FCE notes must name the associated invoice's issuer.
        let fce_note = voucher.fce && voucher.kind != Kind::Invoice;
        match item.cuit.as_deref() {
            Some(cuit) if cuit.len() != 11 || !cuit.bytes().all(|b| b.is_ascii_digit()) => {
                findings.push(Finding::new(
                    10151,
                    "Campo Cuit de CbteAsoc debe tener 11 digitos numericos.",
                ));
            }
            None if fce_note => findings.push(Finding::new(
                10151,
                "Campo Cuit de CbteAsoc es obligatorio para Notas de Debito y Credito FCE.",
            )),
            _ => {}
        }
    }
}

fn check_period(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let d = voucher.detail;
    let is_note = matches!(voucher.kind, Kind::DebitNote | Kind::CreditNote);
    let has_associations = d.cbtes_asoc.as_deref().is_some_and(|items| !items.is_empty());
    // 10197: a note says what it corrects, by voucher or by period.
    if is_note && !has_associations && d.periodo_asoc.is_none() {
        findings.push(Finding::new(
            10197,
            "Para Notas de Debito y Credito es obligatorio informar CbtesAsoc o PeriodoAsoc.",
        ));
    }
    let Some(period) = &d.periodo_asoc else {
        return;
    };
    // 10198
    if voucher.kind == Kind::Invoice {
        findings.push(Finding::new(
            10198,
            "Para Facturas no debe informarse el objeto PeriodoAsoc.",
        ));
    }
    // 10199/10203 present, 10204/10205 yyyymmdd.
    let desde = match period.fch_desde.as_deref() {
        None => {
            findings.push(Finding::new(10199, "Campo FchDesde de PeriodoAsoc es obligatorio."));
            None
        }
        Some(text) => {
            let date = parse_date(text);
            if date.is_none() {
                findings.push(Finding::new(
                    10204,
                    "Campo FchDesde de PeriodoAsoc debe tener formato yyyymmdd.",
                ));
            }
            date
        }
    };
    let hasta = match period.fch_hasta.as_deref() {
        None => {
            findings.push(Finding::new(10203, "Campo FchHasta de PeriodoAsoc es obligatorio."));
            None
        }
        Some(text) => {
            let date = parse_date(text);
            if date.is_none() {
                findings.push(Finding::new(
                    10205,
                    "Campo FchHasta de PeriodoAsoc debe tener formato yyyymmdd.",
                ));
            }
            date
        }
    };
    // 10206: the regime starts in 2006.
    let start = chrono::NaiveDate::from_ymd_opt(2006, 1, 1);
    if desde.is_some_and(|desde| Some(desde) <= start) {
        findings.push(Finding::new(
            10206,
            "Campo FchDesde de PeriodoAsoc debe ser posterior al 01/01/2006.",
        ));
    }
    if let (Some(desde), Some(hasta)) = (desde, hasta)
        && hasta < desde
    {
        findings.push(Finding::new(
            10207,
            "Campo FchHasta de PeriodoAsoc debe ser mayor o igual a FchDesde.",
        ));
    }
    if let (Some(hasta), Some(date)) = (hasta, voucher.date())
        && hasta > date
    {
        findings.push(Finding::new(
            10208,
            "Campo FchHasta de PeriodoAsoc debe ser menor o igual a CbteFch.",
        ));
    }
}

/// 10041 and 10237 (observations).
fn check_existence(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let context = voucher.context;
    let issuer = context.issuer_cuit.to_string();
    let mut associated_total = Decimal::ZERO;
    let mut all_found = true;
    let mut looked_up = false;
    for item in voucher.detail.cbtes_asoc.iter().flatten() {
        let of_this_issuer = item.cuit.as_deref().is_none_or(|cuit| cuit == issuer);
        if !of_this_issuer || params::cbte_class(item.tipo).is_none() {
            all_found = false;
            continue;
        }
        looked_up = true;
        match (context.stored_voucher)(item.tipo, item.pto_vta, item.nro) {
            Some((_, total)) => associated_total += total,
            None if is_fce_note(voucher) => {
                all_found = false;
                findings.push(Finding::new(
                    10160,
                    format!(
                        "El comprobante asociado Tipo {}, PtoVta {}, Nro {} no existe: una Nota de Debito o Credito FCE debe asociarse a un comprobante FCE autorizado.",
                        item.tipo, item.pto_vta, item.nro
                    ),
                ));
            }
            None => {
                all_found = false;
                findings.push(Finding::new(
                    10041,
                    format!(
                        "El comprobante asociado Tipo {}, PtoVta {}, Nro {} no se encuentra registrado como comprobante electronico autorizado.",
                        item.tipo, item.pto_vta, item.nro
                    ),
                ));
            }
        }
    }
    // 10237: compared only when every association is a known voucher of this issuer.
    if voucher.kind == Kind::CreditNote
        && looked_up
        && all_found
        && voucher.detail.imp_total > associated_total
        && !close_enough(associated_total, voucher.detail.imp_total, Decimal::new(1, 2))
    {
        findings.push(Finding::new(
            10237,
            "El importe total de la Nota de Credito supera el importe total de los comprobantes asociados.",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{ISSUER, check, day, dec, finding};
    use crate::wsfe::request::{CbteAsoc, Detail, PeriodoAsoc};

    fn association(tipo: i64, nro: i64) -> CbteAsoc {
        CbteAsoc {
            tipo,
            pto_vta: 1,
            nro,
            cuit: None,
            cbte_fch: None,
        }
    }

    fn period(d: &mut Detail, desde: Option<&str>, hasta: Option<&str>) {
        d.cbtes_asoc = None;
        d.periodo_asoc = Some(PeriodoAsoc {
            fch_desde: desde.map(str::to_string),
            fch_hasta: hasta.map(str::to_string),
        });
    }

    #[test]
    fn associations_not_allowed_are_10040() {
        // A Factura C carries none; a Nota de Crédito A does not correct a Factura B.
        check(11, |d| d.cbtes_asoc = Some(vec![association(11, 10)]), &[10040]);
        check(3, |d| d.cbtes_asoc = Some(vec![association(6, 10)]), &[10040]);
        // A Factura A may name its remito (not an electronic voucher: no 10041).
        check(1, |d| d.cbtes_asoc = Some(vec![association(91, 5)]), &[10040]);
        check(1, |d| d.cbtes_asoc = Some(vec![association(88, 5)]), &[]);
    }

    #[test]
    fn association_fields_are_10057_to_10060_and_10062() {
        check(3, |d| d.cbtes_asoc = Some(vec![]), &[10062, 10197]);
        check(3, |d| d.cbtes_asoc = Some(vec![association(0, 10)]), &[10057]);
        check(
            3,
            |d| d.cbtes_asoc.as_mut().expect("asoc")[0].pto_vta = 99_999,
            &[10058, 10041],
        );
        check(3, |d| d.cbtes_asoc = Some(vec![association(1, 0)]), &[10059, 10041]);
        check(
            3,
            |d| d.cbtes_asoc = Some(vec![association(1, 10), association(1, 10)]),
            &[10060],
        );
    }

    #[test]
    fn association_cuit_is_10151() {
        check(
            3,
            |d| d.cbtes_asoc.as_mut().expect("asoc")[0].cuit = Some("2026756539".into()),
            &[10151],
        );
        check(203, |d| d.cbtes_asoc.as_mut().expect("asoc")[0].cuit = None, &[10151]);
    }

    #[test]
    fn fce_note_association_dates_are_10158_and_10159() {
        check(
            203,
            |d| d.cbtes_asoc.as_mut().expect("asoc")[0].cbte_fch = None,
            &[10158],
        );
        check(
            203,
            |d| d.cbtes_asoc.as_mut().expect("asoc")[0].cbte_fch = Some("2026-11-24".into()),
            &[10158],
        );
        // Dated before the stored invoice (N−3).
        check(208, |d| d.cbte_fch = Some(day(-4)), &[10159]);
        // Another issuer's voucher: the date sent is what counts.
        check(
            213,
            |d| {
                let asoc = &mut d.cbtes_asoc.as_mut().expect("asoc")[0];
                asoc.cuit = Some("30000000007".into());
                asoc.cbte_fch = Some(day(1));
            },
            &[10159],
        );
        // Ordinary notes need no date.
        check(3, |d| d.cbtes_asoc.as_mut().expect("asoc")[0].cbte_fch = None, &[]);
    }

    #[test]
    fn fce_note_of_an_unknown_invoice_is_10160() {
        let found = finding(203, |d| d.cbtes_asoc.as_mut().expect("asoc")[0].nro = 9, 10160);
        assert!(found.excluding);
    }

    #[test]
    fn notes_need_associations_or_a_period_10197() {
        check(8, |d| d.cbtes_asoc = None, &[10197]);
        check(8, |d| period(d, Some(&day(-30)), Some(&day(0))), &[]);
    }

    #[test]
    fn invoices_carry_no_period_10198() {
        check(1, |d| period(d, Some(&day(-30)), Some(&day(0))), &[10198]);
    }

    #[test]
    fn period_dates_are_10199_and_10203_to_10208() {
        check(3, |d| period(d, None, Some(&day(0))), &[10199]);
        check(3, |d| period(d, Some(&day(-30)), None), &[10203]);
        check(3, |d| period(d, Some("2026-01-01"), Some(&day(0))), &[10204]);
        check(3, |d| period(d, Some(&day(-30)), Some("x")), &[10205]);
        check(3, |d| period(d, Some("20050101"), Some(&day(0))), &[10206]);
        check(3, |d| period(d, Some(&day(0)), Some(&day(-1))), &[10207]);
        check(3, |d| period(d, Some(&day(-1)), Some(&day(1))), &[10208]);
    }

    #[test]
    fn unknown_associated_voucher_is_observation_10041() {
        let found = finding(3, |d| d.cbtes_asoc.as_mut().expect("asoc")[0].nro = 9, 10041);
        assert!(!found.excluding);
        // Another issuer's voucher is not ours to look up.
        check(
            3,
            |d| {
                let asoc = &mut d.cbtes_asoc.as_mut().expect("asoc")[0];
                asoc.nro = 9;
                asoc.cuit = Some("30000000007".into());
            },
            &[],
        );
        check(
            3,
            |d| d.cbtes_asoc.as_mut().expect("asoc")[0].cuit = Some(ISSUER.to_string()),
            &[],
        );
    }

    #[test]
    fn credit_note_over_its_invoice_is_observation_10237() {
        let bigger = |d: &mut Detail| {
            d.imp_total = dec("1210");
            d.imp_neto = dec("1000");
            d.imp_iva = dec("210");
            d.iva.as_mut().expect("iva")[0].base_imp = dec("1000");
            d.iva.as_mut().expect("iva")[0].importe = dec("210");
        };
        let found = finding(3, bigger, 10237);
        assert!(!found.excluding);
        // Debit notes may exceed it.
        check(2, bigger, &[]);
    }
}
