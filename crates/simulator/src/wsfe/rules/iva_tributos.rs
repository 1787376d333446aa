//! The `Iva` and `Tributos` arrays (§D.6): 10071 no `Iva` on class C, 10075 nor on type 49 by a
//! monotributista, 10018/10070 when `Iva` is required or allowed, 10019–10022 each `AlicIva`,
//! 10024 when `Tributos` is required or forbidden, 10025–10028 and 10042 each `Tributo`, and
//! the No Categorizado perception 10067 (excluding) / 10283 (observation).

use rust_decimal::Decimal;

use super::amounts::used_goods_by_monotributista;
use super::{Finding, Voucher};
use crate::wsfe::params::{self, Class};

/// The No Categorizado receiver's DocNro (DocTipo 80).
const NO_CATEGORIZADO: i64 = 23_000_000_000;
/// Tributo "Percepción de IVA a no Categorizado".
const NO_CATEGORIZADO_PERCEPTION: i64 = 13;
/// Tributo "Otro", which needs a description.
const OTHER_TRIBUTO: i64 = 99;

pub(super) fn check(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    check_iva(voucher, findings);
    check_tributos(voucher, findings);
    check_no_categorizado(voucher, findings);
}

fn check_iva(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let d = voucher.detail;
    // 10071: class C vouchers do not discriminate IVA.
    if voucher.class == Class::C {
        if d.iva.is_some() {
            findings.push(Finding::new(
                10071,
                "Para comprobantes clase C el objeto Iva no debe informarse.",
            ));
        }
        return;
    }
    // 10075: nor does a monotributista buying used goods.
    if used_goods_by_monotributista(voucher) {
        if d.iva.is_some() {
            findings.push(Finding::new(
                10075,
                "Para comprobantes tipo 49 emitidos por monotributistas el objeto Iva no debe informarse.",
            ));
        }
        return;
    }
    let items = d.iva.as_deref().unwrap_or_default();
    // 10018: IVA amount ⇒ alícuotas; no IVA amount ⇒ only the 0 % alícuota; a sent array has items.
    if d.imp_iva > Decimal::ZERO && items.is_empty() {
        findings.push(Finding::new(
            10018,
            "Si ImpIVA es mayor a 0 el objeto Iva y AlicIva son obligatorios.",
        ));
    } else if d.iva.is_some() && items.is_empty() {
        findings.push(Finding::new(
            10018,
            "Si informa el objeto Iva debe informar al menos un AlicIva.",
        ));
    } else if d.imp_iva.is_zero() && items.iter().any(|a| a.id != 3) {
        findings.push(Finding::new(
            10018,
            "Si ImpIVA es igual a 0 el objeto Iva solo puede informarse con Id igual a 3 (0%).",
        ));
    }
    // 10070: a taxed net amount needs its alícuotas.
    if d.imp_neto > Decimal::ZERO && items.is_empty() {
        findings.push(Finding::new(
            10070,
            "Si ImpNeto es mayor a 0 el objeto Iva es obligatorio.",
        ));
    }
    let relaxed = voucher.is_relaxed_note();
    let mut seen: Vec<i64> = Vec::new();
    for alic in items {
        // 10019: a known alícuota (notes 2, 3, 7, 8, 52, 53 may leave it at 0).
        if !(relaxed && alic.id == 0) && params::iva_rate(alic.id).is_none() {
            findings.push(Finding::new(
                10019,
                format!(
                    "Campo AlicIva Id ({}) invalido. Consultar metodo FEParamGetTiposIva.",
                    alic.id
                ),
            ));
        }
        // 10020: a positive base (those notes may send 0).
        if alic.base_imp < Decimal::ZERO || (alic.base_imp.is_zero() && !relaxed) {
            findings.push(Finding::new(10020, "Campo BaseImp de AlicIva debe ser mayor a 0."));
        }
        // 10021
        if alic.importe < Decimal::ZERO {
            findings.push(Finding::new(
                10021,
                "Campo Importe de AlicIva debe ser mayor o igual a 0.",
            ));
        }
        // 10022: one entry per rate, with its total.
        if seen.contains(&alic.id) {
            findings.push(Finding::new(
                10022,
                format!(
                    "El AlicIva Id {} esta repetido. Debe informar un unico AlicIva por alicuota con el total correspondiente.",
                    alic.id
                ),
            ));
        } else {
            seen.push(alic.id);
        }
    }
}

fn check_tributos(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let d = voucher.detail;
    let items = d.tributos.as_deref().unwrap_or_default();
    // 10024: tributos exactly when ImpTrib says so.
    if d.imp_trib > Decimal::ZERO && items.is_empty() {
        findings.push(Finding::new(
            10024,
            "Si ImpTrib es mayor a 0 el objeto Tributos y Tributo son obligatorios.",
        ));
    } else if d.imp_trib.is_zero() && d.tributos.is_some() {
        findings.push(Finding::new(
            10024,
            "Si ImpTrib es igual a 0 el objeto Tributos no debe informarse.",
        ));
    }
    for tributo in items {
        if !params::tributo_exists(tributo.id) {
            findings.push(Finding::new(
                10025,
                format!(
                    "Campo Tributo Id ({}) invalido. Consultar metodo FEParamGetTiposTributos.",
                    tributo.id
                ),
            ));
        }
        if tributo.base_imp < Decimal::ZERO {
            findings.push(Finding::new(
                10026,
                "Campo BaseImp de Tributo debe ser mayor o igual a 0.",
            ));
        }
        if tributo.alic < Decimal::ZERO {
            findings.push(Finding::new(10027, "Campo Alic de Tributo debe ser mayor o igual a 0."));
        }
        if tributo.importe < Decimal::ZERO {
            findings.push(Finding::new(
                10028,
                "Campo Importe de Tributo debe ser mayor o igual a 0.",
            ));
        }
        // 10042: "Otro" always needs a description, and every FCE tributo does.
        let described = tributo.desc.as_deref().is_some_and(|s| !s.trim().is_empty());
        if (tributo.id == OTHER_TRIBUTO || voucher.fce) && !described {
            findings.push(Finding::new(
                10042,
                "Campo Desc de Tributo es obligatorio cuando el Id es 99 (Otro) o el comprobante es FCE.",
            ));
        }
    }
}

/// 10067 / 10283: a Factura/ND/NC B with IVA to the No Categorizado receiver needs the IVA
/// perception (tributo 13): rejected when there are no tributos at all, observed otherwise.
fn check_no_categorizado(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let d = voucher.detail;
    if !matches!(voucher.tipo, 6..=8)
        || d.doc_tipo != 80
        || d.doc_nro != NO_CATEGORIZADO
        || d.imp_neto + d.imp_iva <= Decimal::ZERO
    {
        return;
    }
    let perceived = d.tributos.iter().flatten().any(|t| t.id == NO_CATEGORIZADO_PERCEPTION);
    if d.imp_trib.is_zero() {
        findings.push(Finding::new(
            10067,
            "Para comprobantes clase B a un receptor No Categorizado (DocNro 23000000000) debe informarse el tributo Id 13 (Percepcion de IVA a no Categorizado).",
        ));
    } else if !perceived {
        findings.push(Finding::new(
            10283,
            "Para comprobantes clase B a un receptor No Categorizado (DocNro 23000000000) corresponde informar el tributo Id 13 (Percepcion de IVA a no Categorizado).",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{check, dec, finding};
    use crate::wsfe::request::{AlicIva, Detail, Tributo};

    fn tributo(id: i64, importe: &str) -> Tributo {
        Tributo {
            id,
            desc: Some("Percepcion".to_string()),
            base_imp: dec("100"),
            alic: dec("1"),
            importe: dec(importe),
        }
    }

    /// Adds a tributo of 1 to the fixture.
    fn with_tributo(d: &mut Detail, tributo: Tributo) {
        d.imp_trib = tributo.importe;
        d.imp_total += tributo.importe;
        d.tributos = Some(vec![tributo]);
    }

    #[test]
    fn iva_on_class_c_is_10071() {
        check(
            11,
            |d| {
                d.iva = Some(vec![AlicIva {
                    id: 3,
                    base_imp: dec("100"),
                    importe: dec("0"),
                }])
            },
            &[10071],
        );
    }

    #[test]
    fn missing_or_misplaced_iva_is_10018() {
        check(1, |d| d.iva = Some(vec![]), &[10018, 10070]);
        check(
            1,
            |d| {
                d.imp_iva = dec("0");
                d.imp_total = dec("100");
                d.iva.as_mut().expect("iva")[0].importe = dec("0");
            },
            &[10018, 10051],
        );
        // 0 % is fine without IVA.
        check(
            1,
            |d| {
                d.imp_iva = dec("0");
                d.imp_total = dec("100");
                d.iva = Some(vec![AlicIva {
                    id: 3,
                    base_imp: dec("100"),
                    importe: dec("0"),
                }]);
            },
            &[],
        );
    }

    #[test]
    fn taxed_net_without_iva_is_10070() {
        check(
            6,
            |d| {
                d.iva = None;
                d.imp_iva = dec("0");
                d.imp_total = dec("100");
            },
            &[10070],
        );
    }

    #[test]
    fn alicuota_items_are_10019_to_10022() {
        check(1, |d| d.iva.as_mut().expect("iva")[0].id = 7, &[10019]);
        // A note may leave the id at 0 and the base empty.
        check(
            3,
            |d| {
                d.iva.as_mut().expect("iva")[0].id = 0;
                d.iva.as_mut().expect("iva")[0].base_imp = dec("0");
            },
            &[],
        );
        check(
            1,
            |d| d.iva.as_mut().expect("iva")[0].base_imp = dec("0"),
            &[10020, 10051, 10061],
        );
        check(
            2,
            |d| {
                d.iva.as_mut().expect("iva")[0].importe = dec("-21");
                d.imp_iva = dec("-21");
                d.imp_total = dec("79");
            },
            &[10021, 10047],
        );
        check(
            1,
            |d| {
                d.iva = Some(vec![
                    AlicIva {
                        id: 5,
                        base_imp: dec("50"),
                        importe: dec("10.5"),
                    },
                    AlicIva {
                        id: 5,
                        base_imp: dec("50"),
                        importe: dec("10.5"),
                    },
                ])
            },
            &[10022],
        );
    }

    #[test]
    fn tributos_presence_is_10024() {
        check(
            1,
            |d| {
                d.imp_trib = dec("1");
                d.imp_total = dec("122");
            },
            &[10024],
        );
        check(1, |d| d.tributos = Some(vec![tributo(99, "0")]), &[10024]);
    }

    #[test]
    fn tributo_items_are_10025_to_10028() {
        check(1, |d| with_tributo(d, tributo(14, "1")), &[10025]);
        check(
            1,
            |d| {
                let mut t = tributo(2, "1");
                t.base_imp = dec("-1");
                with_tributo(d, t);
            },
            &[10026],
        );
        check(
            1,
            |d| {
                let mut t = tributo(2, "1");
                t.alic = dec("-1");
                with_tributo(d, t);
            },
            &[10027],
        );
        check(
            1,
            |d| {
                with_tributo(d, tributo(2, "1"));
                d.tributos.as_mut().expect("tributos")[0].importe = dec("-1");
                d.imp_trib = dec("-1");
                d.imp_total = dec("120");
            },
            &[10028, 10046],
        );
    }

    #[test]
    fn other_tributo_without_description_is_10042() {
        check(
            1,
            |d| {
                let mut t = tributo(99, "1");
                t.desc = None;
                with_tributo(d, t);
            },
            &[10042],
        );
        check(
            201,
            |d| {
                let mut t = tributo(2, "1");
                t.desc = Some(" ".into());
                with_tributo(d, t);
            },
            &[10042],
        );
    }

    #[test]
    fn no_categorizado_without_perception_is_10067_or_10283() {
        let no_categorizado = |d: &mut Detail| {
            d.doc_tipo = 80;
            d.doc_nro = 23_000_000_000;
            d.condicion_iva_receptor_id = Some(7);
        };
        let found = finding(6, no_categorizado, 10067);
        assert!(found.excluding);
        let found = finding(
            6,
            |d| {
                no_categorizado(d);
                with_tributo(d, tributo(7, "1"));
            },
            10283,
        );
        assert!(!found.excluding);
        check(
            6,
            |d| {
                no_categorizado(d);
                with_tributo(d, tributo(13, "1"));
            },
            &[],
        );
    }
}
