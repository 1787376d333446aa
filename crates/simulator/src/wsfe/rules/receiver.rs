//! The receiver (§D.7, §D.8): 10013 class A needs a CUIT, 10014/10015 batches, document types
//! and the consumidor-final identification threshold, 10069 receiver ≠ issuer,
//! 10242/10243/10246 `CondicionIVAReceptorId`, and the non-excluding registry observations on
//! class A receivers (10238, 10017, 10063, 10217).
//!
//! Our split of 10014/10015 (the manual pairs them without saying which is which): 10014 is a
//! class B batch that is not allowed (over the threshold per voucher, or not to DocTipo 99 /
//! DocNro 0); 10015 is an individual voucher's document (unknown DocTipo, DocTipo 99 with a
//! number, an unidentified receiver at or over the threshold, type 49 or FCE to the wrong
//! document type). The threshold applies to classes B and C, compared with ImpTotal × MonCotiz.

use rust_decimal::Decimal;

use super::{Finding, Voucher};
use crate::wsfe::params::{self, Class};

/// DocTipo 99 with DocNro 0: the unidentified consumidor final.
const OTHER_DOCUMENT: i64 = 99;
const CUIT: i64 = 80;

pub(super) fn check_document(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let detail = voucher.detail;
    let class_a = matches!(voucher.class, Class::A | Class::Aley);
    // 10013: class A and A con leyenda go to a CUIT (FCE: 10015 below).
    if class_a && !voucher.fce && detail.doc_tipo != CUIT {
        findings.push(Finding::new(
            10013,
            "Para comprobantes clase A y A con leyenda el campo DocTipo debe ser igual a 80 (CUIT).",
        ));
    }
    if !params::doc_tipo_exists(detail.doc_tipo) {
        findings.push(Finding::new(
            10015,
            format!(
                "Campo DocTipo ({}) invalido. Consultar metodo FEParamGetTiposDoc.",
                detail.doc_tipo
            ),
        ));
    } else if voucher.fce && detail.doc_tipo != CUIT {
        findings.push(Finding::new(
            10015,
            "Para comprobantes del tipo Factura de Credito Electronica MiPyMEs (FCE) el campo DocTipo debe ser igual a 80 (CUIT).",
        ));
    } else if voucher.class == Class::UsedGoods && detail.doc_tipo == OTHER_DOCUMENT {
        findings.push(Finding::new(
            10015,
            "Para comprobantes tipo 49 el receptor debe estar identificado: DocTipo no puede ser 99.",
        ));
    } else if detail.doc_tipo == OTHER_DOCUMENT && detail.doc_nro != 0 {
        findings.push(Finding::new(
            10015,
            "Si el campo DocTipo es 99 (Doc. Otro) el campo DocNro debe ser 0.",
        ));
    }
    if matches!(voucher.class, Class::B | Class::C) && !voucher.fce {
        check_threshold(voucher, findings);
    }
    // 10069: nobody invoices themselves.
    if detail.doc_nro != 0 && detail.doc_nro == voucher.context.issuer_cuit {
        findings.push(Finding::new(
            10069,
            "Campo DocNro no puede ser igual a la CUIT del emisor del comprobante.",
        ));
    }
}

/// 10014/10015 against the consumidor-final threshold (RG 5700; a simulator setting).
fn check_threshold(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let detail = voucher.detail;
    let context = voucher.context;
    let threshold = context.consumidor_final_threshold;
    let rate = detail
        .mon_cotiz
        .or_else(|| detail.mon_id.as_ref().and_then(|id| context.rates.get(id).copied()))
        .unwrap_or(Decimal::ONE);
    let pesos = detail.imp_total * rate;
    let count = detail.cbte_hasta - detail.cbte_desde + 1;
    if voucher.class == Class::B && count > 1 {
        if pesos / Decimal::from(count) >= threshold {
            findings.push(Finding::new(
                10014,
                format!(
                    "Para informar un lote de comprobantes clase B el importe total de cada comprobante debe ser inferior a ${threshold}."
                ),
            ));
        }
        if detail.doc_tipo != OTHER_DOCUMENT || detail.doc_nro != 0 {
            findings.push(Finding::new(
                10014,
                "Para informar un lote de comprobantes clase B los campos DocTipo y DocNro deben ser 99 y 0.",
            ));
        }
    } else if count == 1 && pesos >= threshold && detail.doc_tipo == OTHER_DOCUMENT {
        findings.push(Finding::new(
            10015,
            format!(
                "Si el importe total del comprobante es igual o superior a ${threshold} se debe identificar al receptor: DocTipo no puede ser 99."
            ),
        ));
    }
}

/// RG 5616 became mandatory in homologation on 2025-06-09 (Evt 41, §D.8); before that day an
/// absent `CondicionIVAReceptorId` was accepted, which is what the 2021 recordings show.
const CONDICION_IVA_MANDATORY_FROM: (i32, u32, u32) = (2025, 6, 9);

/// 10246 absent, 10242 not in the table, 10243 not for this class (§D.8, §E.6).
pub(super) fn check_condicion_iva(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let (year, month, day) = CONDICION_IVA_MANDATORY_FROM;
    let mandatory = chrono::NaiveDate::from_ymd_opt(year, month, day).is_some_and(|from| voucher.context.today >= from);
    let Some(id) = voucher.detail.condicion_iva_receptor_id else {
        if !mandatory {
            return;
        }
        findings.push(Finding::new(
            10246,
            "Campo Condicion Frente al IVA del receptor es obligatorio conforme a lo reglamentado por la Resolucion General N° 5616.",
        ));
        return;
    };
    if !params::condicion_iva_exists(id) {
        // ARCA's text, "Consular" included.
        findings.push(Finding::new(
            10242,
            "El campo Condicion IVA receptor no es un valor valido. Consular metodo FEParamGetCondicionIvaReceptor",
        ));
    } else if !params::condicion_iva_allows(id, voucher.class) {
        findings.push(Finding::new(
            10243,
            format!(
                "El campo Condicion IVA receptor no es valido para la clase de comprobante informado ({}). Consular metodo FEParamGetCondicionIvaReceptor",
                voucher.class.as_str()
            ),
        ));
    }
}

/// Registry observations for class A / A con leyenda receivers identified by CUIT: 10238 CUIT
/// unknown, 10017 CUIT not active, 10063 not registered in IVA or Monotributo, 10217
/// monotributista. All non-excluding.
pub(super) fn check_registry(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let detail = voucher.detail;
    if !matches!(voucher.class, Class::A | Class::Aley) || detail.doc_tipo != CUIT {
        return;
    }
    let taxpayer = (voucher.context.taxpayer)(detail.doc_nro);
    if taxpayer.nonexistent {
        findings.push(Finding::new(
            10238,
            format!(
                "El DocNro {} informado no se encuentra registrado en los padrones de ARCA.",
                detail.doc_nro
            ),
        ));
        return;
    }
    if !taxpayer.active {
        findings.push(Finding::new(
            10017,
            format!(
                "El DocNro {} informado no se encuentra activo en los padrones de ARCA.",
                detail.doc_nro
            ),
        ));
    }
    if !taxpayer.active_in_tax {
        // ARCA's text (2018).
        findings.push(Finding::new(
            10063,
            format!(
                "Factura individual, DocTipo: 80, DocNro {} no se encuentra inscripto en condicion ACTIVA en el impuesto (IVA).",
                detail.doc_nro
            ),
        ));
    }
    if taxpayer.monotributista {
        // ARCA's text (2021).
        findings.push(Finding::new(
            10217,
            "El credito fiscal discriminado en el presente comprobante solo podra ser computado a efectos del Procedimiento permanente de transicion al Regimen General.",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{
        INACTIVE, ISSUER, MONOTRIBUTISTA, NONEXISTENT, NOT_IN_IVA, check, dec, finding, findings,
    };

    #[test]
    fn class_a_needs_a_cuit_10013() {
        check(
            1,
            |d| {
                d.doc_tipo = 96;
                d.doc_nro = 12345678;
            },
            &[10013],
        );
        check(
            51,
            |d| {
                d.doc_tipo = 96;
                d.doc_nro = 12345678;
            },
            &[10013],
        );
    }

    #[test]
    fn class_b_batch_rules_are_10014() {
        // A batch to an identified receiver.
        check(
            6,
            |d| {
                d.cbte_hasta = 12;
                d.doc_tipo = 96;
                d.doc_nro = 12345678;
            },
            &[10014],
        );
        // A batch whose vouchers reach the threshold.
        check(
            6,
            |d| {
                d.cbte_hasta = 12;
                d.imp_total = dec("24200000");
                d.imp_neto = dec("20000000");
                d.imp_iva = dec("4200000");
                d.iva.as_mut().expect("iva")[0].base_imp = dec("20000000");
                d.iva.as_mut().expect("iva")[0].importe = dec("4200000");
            },
            &[10014],
        );
    }

    #[test]
    fn document_problems_are_10015() {
        check(6, |d| d.doc_tipo = 42, &[10015]);
        check(6, |d| d.doc_nro = 12345678, &[10015]);
        check(49, |d| d.doc_tipo = 99, &[10015]);
        check(
            206,
            |d| {
                d.doc_tipo = 96;
                d.doc_nro = 12345678;
            },
            &[10015],
        );
    }

    #[test]
    fn unidentified_consumidor_final_over_threshold_is_10015() {
        // 10,000 dollars at 1000 pesos: exactly the threshold.
        let in_dollars = |d: &mut crate::wsfe::request::Detail| {
            d.mon_id = Some("DOL".to_string());
            d.mon_cotiz = Some(dec("1000"));
            d.imp_total = dec("12100");
            d.imp_neto = dec("10000");
            d.imp_iva = dec("2100");
            d.iva.as_mut().expect("iva")[0].base_imp = dec("10000");
            d.iva.as_mut().expect("iva")[0].importe = dec("2100");
        };
        check(6, in_dollars, &[10015]);
        check(
            6,
            |d| {
                in_dollars(d);
                d.doc_tipo = 96;
                d.doc_nro = 12345678;
            },
            &[],
        );
        check(11, |d| d.imp_total = dec("10000000"), &[10048, 10015]);
    }

    #[test]
    fn receiver_equal_to_issuer_is_10069() {
        check(1, |d| d.doc_nro = ISSUER, &[10069]);
    }

    #[test]
    fn condicion_iva_absent_is_10246_with_the_real_text() {
        let found = finding(1, |d| d.condicion_iva_receptor_id = None, 10246);
        assert!(found.excluding);
        assert_eq!(
            found.message,
            "Campo Condicion Frente al IVA del receptor es obligatorio conforme a lo reglamentado por la Resolucion General N° 5616."
        );
    }

    #[test]
    fn condicion_iva_unknown_is_10242_with_the_real_text() {
        let found = finding(6, |d| d.condicion_iva_receptor_id = Some(2), 10242);
        assert_eq!(
            found.message,
            "El campo Condicion IVA receptor no es un valor valido. Consular metodo FEParamGetCondicionIvaReceptor"
        );
    }

    #[test]
    fn condicion_iva_of_another_class_is_10243() {
        // Consumidor final on a Factura A, RI on a Factura B, exento on type 49.
        check(1, |d| d.condicion_iva_receptor_id = Some(5), &[10243]);
        check(6, |d| d.condicion_iva_receptor_id = Some(1), &[10243]);
        check(49, |d| d.condicion_iva_receptor_id = Some(4), &[10243]);
        check(11, |d| d.condicion_iva_receptor_id = Some(6), &[]);
    }

    #[test]
    fn registry_observations_do_not_exclude() {
        let found = findings(1, |d| d.doc_nro = MONOTRIBUTISTA);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, 10217);
        assert!(!found[0].excluding);
        assert_eq!(
            found[0].message,
            "El credito fiscal discriminado en el presente comprobante solo podra ser computado a efectos del Procedimiento permanente de transicion al Regimen General."
        );
        check(1, |d| d.doc_nro = INACTIVE, &[10017]);
        check(1, |d| d.doc_nro = NONEXISTENT, &[10238]);
        let found = finding(1, |d| d.doc_nro = NOT_IN_IVA, 10063);
        assert!(!found.excluding);
        assert_eq!(
            found.message,
            "Factura individual, DocTipo: 80, DocNro 20308769608 no se encuentra inscripto en condicion ACTIVA en el impuesto (IVA)."
        );
        // Class B receivers are not looked up.
        check(
            6,
            |d| {
                d.doc_tipo = 80;
                d.doc_nro = MONOTRIBUTISTA;
            },
            &[],
        );
    }
}
