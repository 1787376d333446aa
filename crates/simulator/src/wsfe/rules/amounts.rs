//! Amount arithmetic (§D.5), in this order: negatives 10043–10047 (and class C's zero
//! ImpTotConc/ImpOpEx/ImpIVA under the same codes), 10065 ImpTotal, 10056 precision, 10048 the
//! total's identity, then the sums 10023 (ImpIVA), 10029 (ImpTrib), 10061 (ImpNeto) and each
//! alícuota's arithmetic 10051.
//!
//! Tolerance is ARCA's: 0.01 % of the expected value or 0.01 (0.01 per item for sums). 10061
//! and 10051 are not checked for notes 2, 3, 7, 8, 52, 53 nor class C; class C computes the
//! total as ImpNeto + ImpTrib, type 49 issued by a monotributista as ImpTotConc + ImpTrib.

use rust_decimal::Decimal;

use super::{Finding, Voucher, close_enough, sum_tolerance};
use crate::wsfe::params::{self, Class};

pub(super) fn check(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    check_signs(voucher, findings);
    check_precision(voucher, findings);
    check_total(voucher, findings);
    check_sums(voucher, findings);
}

/// Type 49 issued by a monotributista: no IVA, the subtotal goes in ImpTotConc.
pub(super) fn used_goods_by_monotributista(voucher: &Voucher<'_>) -> bool {
    voucher.class == Class::UsedGoods && (voucher.context.taxpayer)(voucher.context.issuer_cuit).monotributista
}

/// 10043–10047 and 10065.
fn check_signs(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let detail = voucher.detail;
    let class_c = voucher.class == Class::C;
    let used_goods_mono = used_goods_by_monotributista(voucher);
    // (code, field, value, must be zero for this voucher)
    let fields = [
        (10043, "ImpTotConc", detail.imp_tot_conc, class_c),
        (10044, "ImpOpEx", detail.imp_op_ex, class_c || used_goods_mono),
        (10045, "ImpNeto", detail.imp_neto, used_goods_mono),
        (10046, "ImpTrib", detail.imp_trib, false),
        (10047, "ImpIVA", detail.imp_iva, class_c || used_goods_mono),
    ];
    for (code, field, value, must_be_zero) in fields {
        if value < Decimal::ZERO {
            findings.push(Finding::new(code, format!("Campo {field} debe ser mayor o igual a 0.")));
        } else if must_be_zero && !value.is_zero() {
            let voucher_description = if class_c {
                "comprobantes clase C"
            } else {
                "comprobantes tipo 49 emitidos por monotributistas"
            };
            findings.push(Finding::new(
                code,
                format!("Para {voucher_description} el campo {field} debe ser igual a 0."),
            ));
        }
    }
    if detail.imp_total < Decimal::ZERO {
        findings.push(Finding::new(10065, "Campo ImpTotal debe ser mayor o igual a 0."));
    }
}

/// 10056: 13 integer digits and 2 decimals for amounts, 4+6 for MonCotiz, 3+2 for a tributo's
/// Alic, 2+2 for a buyer's Porcentaje. One finding naming every field over its precision.
fn check_precision(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let detail = voucher.detail;
    let mut fields: Vec<(String, Decimal, u32, u32)> = vec![
        ("ImpTotal".into(), detail.imp_total, 13, 2),
        ("ImpTotConc".into(), detail.imp_tot_conc, 13, 2),
        ("ImpNeto".into(), detail.imp_neto, 13, 2),
        ("ImpOpEx".into(), detail.imp_op_ex, 13, 2),
        ("ImpTrib".into(), detail.imp_trib, 13, 2),
        ("ImpIVA".into(), detail.imp_iva, 13, 2),
    ];
    if let Some(cotiz) = detail.mon_cotiz {
        fields.push(("MonCotiz".into(), cotiz, 4, 6));
    }
    for alic in detail.iva.iter().flatten() {
        fields.push(("AlicIva/BaseImp".into(), alic.base_imp, 13, 2));
        fields.push(("AlicIva/Importe".into(), alic.importe, 13, 2));
    }
    for tributo in detail.tributos.iter().flatten() {
        fields.push(("Tributo/BaseImp".into(), tributo.base_imp, 13, 2));
        fields.push(("Tributo/Alic".into(), tributo.alic, 3, 2));
        fields.push(("Tributo/Importe".into(), tributo.importe, 13, 2));
    }
    for comprador in detail.compradores.iter().flatten() {
        fields.push(("Comprador/Porcentaje".into(), comprador.porcentaje, 2, 2));
    }
    let mut over: Vec<String> = Vec::new();
    for (name, value, integers, decimals) in fields {
        let limit = Decimal::from(10_i64.pow(integers));
        if (value.normalize().scale() > decimals || value.trunc().abs() >= limit) && !over.contains(&name) {
            over.push(name);
        }
    }
    if !over.is_empty() {
        findings.push(Finding::new(
            10056,
            format!(
                "Los importes informados exceden la cantidad de enteros y decimales permitidos (13 enteros y 2 decimales; MonCotiz 4 y 6; Alic 3 y 2; Porcentaje 2 y 2). Campos: {}.",
                over.join(", ")
            ),
        ));
    }
}

/// 10048: ImpTotal is the sum of its parts.
fn check_total(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let d = voucher.detail;
    let (expected, formula) = if voucher.class == Class::C {
        (d.imp_neto + d.imp_trib, "ImpNeto + ImpTrib")
    } else if used_goods_by_monotributista(voucher) {
        (d.imp_tot_conc + d.imp_trib, "ImpTotConc + ImpTrib")
    } else {
        (
            d.imp_tot_conc + d.imp_neto + d.imp_op_ex + d.imp_trib + d.imp_iva,
            "ImpTotConc + ImpNeto + ImpOpEx + ImpTrib + ImpIVA",
        )
    };
    if !close_enough(expected, d.imp_total, Decimal::new(1, 2)) {
        findings.push(Finding::new(
            10048,
            format!("Campo ImpTotal debe ser igual a la suma de {formula}."),
        ));
    }
}

/// 10023, 10029, 10061, 10051 (only over arrays that were sent with items; a missing array is
/// 10018/10024/10070's business).
fn check_sums(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let d = voucher.detail;
    // Class C and type 49 by a monotributista carry no Iva at all (10071/10075 say so).
    let iva_allowed = voucher.class != Class::C && !used_goods_by_monotributista(voucher);
    let iva = d.iva.as_deref().filter(|items| iva_allowed && !items.is_empty());
    let per_rate_checked = !voucher.is_relaxed_note();
    if let Some(items) = iva {
        let sum: Decimal = items.iter().map(|a| a.importe).sum();
        if !close_enough(sum, d.imp_iva, sum_tolerance(items.len())) {
            findings.push(Finding::new(
                10023,
                "Campo ImpIVA debe ser igual a la suma de los importes de AlicIva (Importe).",
            ));
        }
    }
    if let Some(items) = d.tributos.as_deref().filter(|items| !items.is_empty()) {
        let sum: Decimal = items.iter().map(|t| t.importe).sum();
        if !close_enough(sum, d.imp_trib, sum_tolerance(items.len())) {
            findings.push(Finding::new(
                10029,
                "Campo ImpTrib debe ser igual a la suma de los importes de Tributo (Importe).",
            ));
        }
    }
    let Some(items) = iva.filter(|_| per_rate_checked) else {
        return;
    };
    let bases: Decimal = items.iter().map(|a| a.base_imp).sum();
    if !close_enough(bases, d.imp_neto, sum_tolerance(items.len())) {
        findings.push(Finding::new(
            10061,
            "Campo ImpNeto debe ser igual a la suma de las bases imponibles de AlicIva (BaseImp).",
        ));
    }
    for alic in items {
        let Some(rate) = params::iva_rate(alic.id) else {
            continue; // 10019
        };
        if !close_enough(alic.base_imp * rate, alic.importe, Decimal::new(1, 2)) {
            findings.push(Finding::new(
                10051,
                format!(
                    "El Importe de AlicIva Id {} debe ser igual a BaseImp por la alicuota correspondiente.",
                    alic.id
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{MONOTRIBUTISTA, check, dec, findings_of_issuer};
    use crate::wsfe::request::{AlicIva, Tributo};

    #[test]
    fn negative_amounts_are_10043_to_10047_and_10065() {
        check(
            1,
            |d| {
                d.imp_tot_conc = dec("-1");
                d.imp_total = dec("120");
            },
            &[10043],
        );
        check(
            1,
            |d| {
                d.imp_op_ex = dec("-1");
                d.imp_total = dec("120");
            },
            &[10044],
        );
        check(6, |d| d.imp_neto = dec("-100"), &[10045, 10048, 10061]);
        check(
            1,
            |d| {
                d.imp_trib = dec("-1");
                d.imp_total = dec("120");
            },
            &[10046],
        );
        check(11, |d| d.imp_total = dec("-100"), &[10048, 10065]);
    }

    #[test]
    fn negative_iva_is_10047() {
        check(
            1,
            |d| {
                d.imp_iva = dec("-21");
                d.imp_total = dec("79");
            },
            &[10047, 10023],
        );
    }

    #[test]
    fn class_c_has_no_iva_exempt_or_untaxed_amounts() {
        check(
            11,
            |d| {
                d.imp_tot_conc = dec("10");
                d.imp_op_ex = dec("5");
                d.imp_iva = dec("1");
            },
            &[10043, 10044, 10047],
        );
    }

    #[test]
    fn used_goods_bought_by_a_monotributista_have_no_iva() {
        let codes = |mutate: fn(&mut crate::wsfe::request::Detail)| -> Vec<u32> {
            let mut codes: Vec<u32> = findings_of_issuer(MONOTRIBUTISTA, 49, mutate)
                .iter()
                .map(|f| f.code)
                .collect();
            codes.sort_unstable();
            codes
        };
        assert_eq!(codes(|_| {}), Vec::<u32>::new());
        // ImpTotal = ImpTotConc + ImpTrib; ImpNeto must stay 0.
        assert_eq!(
            codes(|d| {
                d.imp_neto = dec("10");
                d.imp_total = dec("110");
            }),
            [10045, 10048]
        );
        // 10075: no Iva array.
        assert_eq!(
            codes(|d| {
                d.iva = Some(vec![AlicIva {
                    id: 3,
                    base_imp: dec("100"),
                    importe: dec("0"),
                }])
            }),
            [10075]
        );
    }

    #[test]
    fn too_many_decimals_is_10056() {
        check(
            1,
            |d| {
                d.imp_tot_conc = dec("0.001");
            },
            &[10056],
        );
        check(1, |d| d.mon_cotiz = Some(dec("1.0000000")), &[]);
        check(
            1,
            |d| {
                d.tributos = Some(vec![Tributo {
                    id: 99,
                    desc: Some("Municipal".into()),
                    base_imp: dec("100"),
                    alic: dec("1000"),
                    importe: dec("1"),
                }]);
                d.imp_trib = dec("1");
                d.imp_total = dec("122");
            },
            &[10056],
        );
    }

    #[test]
    fn total_not_matching_its_parts_is_10048_within_tolerance() {
        check(1, |d| d.imp_total = dec("121.02"), &[10048]);
        check(1, |d| d.imp_total = dec("121.01"), &[]);
        // Class C adds ImpNeto and ImpTrib only.
        check(11, |d| d.imp_total = dec("101"), &[10048]);
        // A big total may be off by 0.01 %.
        check(
            6,
            |d| {
                d.imp_total = dec("1210000.10");
                d.imp_neto = dec("1000000");
                d.imp_iva = dec("210000");
                d.iva = Some(vec![AlicIva {
                    id: 5,
                    base_imp: dec("1000000"),
                    importe: dec("210000"),
                }]);
            },
            &[],
        );
    }

    #[test]
    fn iva_sum_is_10023() {
        check(
            1,
            |d| {
                d.imp_iva = dec("22");
                d.imp_total = dec("122");
            },
            &[10023],
        );
    }

    #[test]
    fn tributos_sum_is_10029() {
        check(
            1,
            |d| {
                d.imp_trib = dec("2");
                d.imp_total = dec("123");
                d.tributos = Some(vec![Tributo {
                    id: 99,
                    desc: Some("Impuesto Municipal Matanza".into()),
                    base_imp: dec("100"),
                    alic: dec("1"),
                    importe: dec("1"),
                }]);
            },
            &[10029],
        );
    }

    #[test]
    fn net_against_bases_is_10061_except_for_notes() {
        let two_bases = |d: &mut crate::wsfe::request::Detail| {
            d.imp_neto = dec("90");
            d.imp_total = dec("111");
        };
        check(1, two_bases, &[10061]);
        check(3, two_bases, &[]);
        check(8, two_bases, &[]);
    }

    #[test]
    fn alicuota_arithmetic_is_10051_except_for_notes() {
        let wrong_rate = |d: &mut crate::wsfe::request::Detail| {
            d.iva = Some(vec![AlicIva {
                id: 4,
                base_imp: dec("100"),
                importe: dec("21"),
            }]);
        };
        check(1, wrong_rate, &[10051]);
        check(2, wrong_rate, &[]);
        check(53, wrong_rate, &[]);
    }
}
