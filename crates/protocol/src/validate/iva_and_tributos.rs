//! The `Iva` and `Tributos` arrays against the header amounts: 10018 (`ImpIVA > 0` needs `Iva`;
//! with `ImpIVA = 0` only the 0 % rate), 10070 (`ImpNeto > 0` needs `Iva`), 10071 (class C sends
//! no `Iva`), 10075 (type 49 from a monotributista sends no `Iva`), 10020 (`BaseImp > 0`), 10021
//! (`Importe ≥ 0`), 10022 (one line per rate), 10023 (`ImpIVA = Σ AlicIva/Importe`), 10061
//! (`ImpNeto = Σ AlicIva/BaseImp`), 10051 (each `Importe = BaseImp × rate`), 10024 (`Tributos`
//! present exactly when `ImpTrib > 0`), 10026–10028 (tributo amounts ≥ 0), 10029
//! (`ImpTrib = Σ Tributo/Importe`), 10042 (`Desc` for Id 99 and on FCE).
//!
//! 10061, 10051 and the `BaseImp > 0` part of 10020 do not apply to debit/credit notes A, B and M
//! (2, 3, 7, 8, 52, 53), which may adjust only the tax. Sums use [`super::amounts`]'s tolerance
//! with one cent per line.

use std::collections::HashSet;

use super::amounts::within_tolerance;
use super::{Detail, IssuerIvaCondition, ValidationIssue};
use crate::codes::{CbteClass, CbteTipo, IvaRate, TributoTipo};
use crate::money::Money;

pub(super) fn check(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    check_iva(detail, issues);
    check_tributos(detail, issues);
}

/// Notes that may adjust tax without a taxable base (manual: "no se valida para 2, 3, 7, 8, 52,
/// 53").
fn adjusts_tax_only(tipo: CbteTipo) -> bool {
    matches!(tipo.code(), 2 | 3 | 7 | 8 | 52 | 53)
}

fn check_iva(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let voucher = detail.voucher;
    let tipo = voucher.cbte_tipo;

    // 10071 / 10075: vouchers without discriminated IVA carry no IVA lines.
    if tipo.class() == CbteClass::C {
        if !voucher.iva.is_empty() {
            issues.push(detail.obs(
                "Iva",
                10071,
                "Para comprobantes clase C no debe informarse el array Iva.",
            ));
        }
        return;
    }
    if tipo == CbteTipo::CompraBienesUsados && detail.ctx.issuer_iva_condition == Some(IssuerIvaCondition::Monotributo)
    {
        if !voucher.iva.is_empty() {
            issues.push(detail.obs(
                "Iva",
                10075,
                "Para comprobantes tipo 49 de emisores monotributistas no debe informarse el array Iva.",
            ));
        }
        return;
    }

    if voucher.iva.is_empty() {
        // 10018 / 10070: a taxed amount needs its IVA breakdown.
        if voucher.imp_iva.is_positive() {
            issues.push(detail.obs("Iva", 10018, "Si ImpIVA es mayor a 0 el array Iva es obligatorio."));
        }
        if voucher.imp_neto.is_positive() {
            issues.push(detail.obs("Iva", 10070, "Si ImpNeto es mayor a 0 el array Iva es obligatorio."));
        }
        return;
    }

    // 10018: with no IVA, the only line allowed is the 0 % rate.
    if voucher.imp_iva.is_zero() && voucher.iva.iter().any(|line| line.id != IvaRate::Cero) {
        issues.push(detail.obs(
            "Iva",
            10018,
            "Si ImpIVA es igual a 0 solo puede informarse el Id 3 (0%) en el array Iva.",
        ));
    }

    let mut seen = HashSet::new();
    for (index, line) in voucher.iva.iter().enumerate() {
        let element = |name: &str| format!("Iva[{index}].{name}");
        // 10022: one line per rate, carrying that rate's total.
        if !seen.insert(line.id) {
            issues.push(detail.obs(
                &element("Id"),
                10022,
                "No puede repetirse el Id de alicuota en el array Iva.",
            ));
        }
        // 10020: a line has a taxable base (notes may adjust tax alone).
        let base_allowed = line.base_imp.is_positive() || (adjusts_tax_only(tipo) && line.base_imp.is_zero());
        if !base_allowed {
            issues.push(detail.obs(
                &element("BaseImp"),
                10020,
                "Campo BaseImp en AlicIva debe ser mayor a 0.",
            ));
        }
        // 10021
        if line.importe.is_negative() {
            issues.push(detail.obs(
                &element("Importe"),
                10021,
                "Campo Importe en AlicIva debe ser mayor o igual a 0.",
            ));
        }
        // 10051: the line's tax is its base times its rate.
        let expected = (line.base_imp * line.id.rate()).round();
        if !adjusts_tax_only(tipo) && !within_tolerance(line.importe, expected, 1) {
            issues.push(detail.obs(
                &element("Importe"),
                10051,
                format!(
                    "El importe de IVA ({}) no se corresponde con BaseImp x alicuota {} ({expected}).",
                    line.importe,
                    line.id.description()
                ),
            ));
        }
    }

    // 10023: ImpIVA is the sum of the lines.
    let lines = voucher.iva.len();
    let iva_sum: Money = voucher.iva.iter().map(|line| line.importe).sum();
    if !within_tolerance(voucher.imp_iva, iva_sum, lines) {
        issues.push(detail.obs(
            "ImpIVA",
            10023,
            format!(
                "Campo ImpIVA ({}) debe ser igual a la suma de los importes del array Iva ({iva_sum}).",
                voucher.imp_iva
            ),
        ));
    }

    // 10061: ImpNeto is the sum of the bases.
    let base_sum: Money = voucher.iva.iter().map(|line| line.base_imp).sum();
    if !adjusts_tax_only(tipo) && !within_tolerance(voucher.imp_neto, base_sum, lines) {
        issues.push(detail.obs(
            "ImpNeto",
            10061,
            format!(
                "Campo ImpNeto ({}) debe ser igual a la suma de BaseImp del array Iva ({base_sum}).",
                voucher.imp_neto
            ),
        ));
    }
}

fn check_tributos(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let voucher = detail.voucher;

    // 10024: Tributos exactly when there are tributos.
    if voucher.tributos.is_empty() {
        if voucher.imp_trib.is_positive() {
            issues.push(detail.obs(
                "Tributos",
                10024,
                "Si ImpTrib es mayor a 0 el array Tributos es obligatorio.",
            ));
        }
        return;
    }
    if voucher.imp_trib.is_zero() {
        issues.push(detail.obs(
            "Tributos",
            10024,
            "Si ImpTrib es igual a 0 no debe informarse el array Tributos.",
        ));
    }

    for (index, tributo) in voucher.tributos.iter().enumerate() {
        let element = |name: &str| format!("Tributos[{index}].{name}");
        for (name, negative, code) in [
            ("BaseImp", tributo.base_imp.is_negative(), 10026),
            (
                "Alic",
                tributo.alic.is_sign_negative() && !tributo.alic.is_zero(),
                10027,
            ),
            ("Importe", tributo.importe.is_negative(), 10028),
        ] {
            if negative {
                issues.push(detail.obs(
                    &element(name),
                    code,
                    format!("Campo {name} en Tributo debe ser mayor o igual a 0."),
                ));
            }
        }
        // 10042: "Otro" and every FCE tributo say what they are.
        let needs_desc = tributo.id == TributoTipo::Otro || voucher.cbte_tipo.is_fce();
        if needs_desc && tributo.desc.as_deref().is_none_or(|desc| desc.trim().is_empty()) {
            issues.push(detail.obs(
                &element("Desc"),
                10042,
                "Campo Desc en Tributo es obligatorio para Id 99 y para FCE.",
            ));
        }
    }

    // 10029: ImpTrib is the sum of the tributos.
    if !voucher.imp_trib.is_zero() {
        let sum: Money = voucher.tributos.iter().map(|tributo| tributo.importe).sum();
        if !within_tolerance(voucher.imp_trib, sum, voucher.tributos.len()) {
            issues.push(detail.obs(
                "ImpTrib",
                10029,
                format!(
                    "Campo ImpTrib ({}) debe ser igual a la suma de los importes del array Tributos ({sum}).",
                    voucher.imp_trib
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::IssuerIvaCondition;
    use super::super::testing::{check, factura_a, factura_b, factura_c, money};
    use crate::codes::{CbteTipo, IvaRate, TributoTipo};
    use crate::money::Money;
    use crate::voucher::{AlicIva, Tributo};

    fn line(id: IvaRate, base: &str, importe: &str) -> AlicIva {
        AlicIva {
            id,
            base_imp: money(base),
            importe: money(importe),
        }
    }

    #[test]
    fn iva_is_the_sum_of_its_lines_10023() {
        // Total kept consistent so only the IVA sum is wrong.
        check(
            factura_a(),
            |v, _| {
                v.imp_iva = money("22.00");
                v.imp_total = money("123.00");
            },
            &[10023],
        );
        check(
            factura_b(),
            |v, _| {
                v.iva = vec![
                    line(IvaRate::Veintiuno, "500", "105"),
                    line(IvaRate::DiezComaCinco, "500", "52.50"),
                ];
                v.imp_iva = money("157.50");
                v.imp_total = money("1157.50");
            },
            &[],
        );
        check(
            factura_b(),
            |v, _| {
                v.iva = vec![
                    line(IvaRate::Veintiuno, "500", "105"),
                    line(IvaRate::DiezComaCinco, "500", "52.50"),
                ];
                v.imp_iva = money("157.53");
                v.imp_total = money("1157.53");
            },
            &[10023],
        );
    }

    #[test]
    fn neto_is_the_sum_of_the_bases_10061() {
        check(
            factura_a(),
            |v, _| {
                v.imp_neto = money("101.00");
                v.imp_total = money("123.00");
            },
            &[10061],
        );
        // Not for credit notes A, which may adjust the tax alone.
        check(
            factura_a(),
            |v, _| {
                v.cbte_tipo = CbteTipo::NotaCreditoA;
                v.cbtes_asoc = vec![crate::voucher::CbteAsoc {
                    tipo: 1,
                    pto_vta: 4000,
                    nro: 1,
                    cuit: None,
                    cbte_fch: None,
                }];
                v.imp_neto = money("101.00");
                v.imp_total = money("123.00");
            },
            &[],
        );
    }

    #[test]
    fn each_line_is_base_times_rate_10051() {
        check(
            factura_a(),
            |v, _| {
                v.iva = vec![line(IvaRate::DiezComaCinco, "100", "21")];
            },
            &[10051],
        );
        // 10.5 % of 33.33 = 3.49965 → 3.50 (half away from zero) and 3.49 is within a cent.
        check(
            factura_b(),
            |v, _| {
                v.iva = vec![line(IvaRate::DiezComaCinco, "33.33", "3.49")];
                v.imp_neto = money("33.33");
                v.imp_iva = money("3.49");
                v.imp_total = money("36.82");
            },
            &[],
        );
    }

    #[test]
    fn taxed_amounts_need_iva_lines_10018_10070() {
        check(factura_a(), |v, _| v.iva = vec![], &[10018, 10070]);
        check(
            factura_b(),
            |v, _| {
                v.iva = vec![];
                v.imp_iva = Money::ZERO;
                v.imp_total = money("1000");
            },
            &[10070],
        );
        // With no IVA only the 0 % line may be sent.
        check(
            factura_b(),
            |v, _| {
                v.iva = vec![line(IvaRate::Veintiuno, "1000", "0")];
                v.imp_iva = Money::ZERO;
                v.imp_total = money("1000");
            },
            &[10018, 10051],
        );
        check(
            factura_b(),
            |v, _| {
                v.iva = vec![line(IvaRate::Cero, "1000", "0")];
                v.imp_iva = Money::ZERO;
                v.imp_total = money("1000");
            },
            &[],
        );
    }

    #[test]
    fn iva_line_amounts_10020_10021_10022() {
        check(
            factura_b(),
            |v, _| {
                v.iva = vec![line(IvaRate::Veintiuno, "1000", "210"), line(IvaRate::Cero, "0", "0")];
            },
            &[10020],
        );
        check(
            factura_b(),
            |v, _| {
                v.iva = vec![
                    line(IvaRate::Veintiuno, "500", "105"),
                    line(IvaRate::Veintiuno, "500", "105"),
                ];
            },
            &[10022],
        );
        check(
            factura_b(),
            |v, _| {
                v.iva = vec![line(IvaRate::Cero, "1000", "-0.01")];
                v.imp_iva = Money::ZERO;
                v.imp_total = money("1000");
            },
            &[10021],
        );
    }

    #[test]
    fn class_c_and_monotributista_used_goods_send_no_iva_10071_10075() {
        let monotributista = |ctx: &mut super::super::ValidationContext| {
            ctx.issuer_iva_condition = Some(IssuerIvaCondition::Monotributo);
        };
        check(
            factura_c(),
            |v, ctx| {
                monotributista(ctx);
                v.iva = vec![line(IvaRate::Cero, "500", "0")];
            },
            &[10071],
        );
        check(
            factura_c(),
            |v, ctx| {
                monotributista(ctx);
                v.cbte_tipo = CbteTipo::CompraBienesUsados;
                v.doc_tipo = 96;
                v.doc_nro = 30_000_000;
                v.imp_tot_conc = money("500");
                v.imp_neto = Money::ZERO;
                v.iva = vec![line(IvaRate::Cero, "500", "0")];
            },
            &[10075],
        );
    }

    #[test]
    fn tributos_exactly_when_imp_trib_10024() {
        check(factura_a(), |v, _| v.tributos = vec![], &[10024]);
        check(factura_b(), |v, _| v.tributos = factura_a().tributos, &[10024]);
    }

    #[test]
    fn trib_is_the_sum_of_the_tributos_10029() {
        check(
            factura_a(),
            |v, _| {
                v.imp_trib = money("2.00");
                v.imp_total = money("123.00");
            },
            &[10029],
        );
    }

    #[test]
    fn tributo_amounts_and_desc_10026_10027_10028_10042() {
        let tributo = |base: &str, alic: &str, importe: &str, desc: Option<&str>| Tributo {
            id: TributoTipo::Otro,
            desc: desc.map(str::to_owned),
            base_imp: money(base),
            alic: super::super::testing::decimal(alic),
            importe: money(importe),
        };
        check(
            factura_a(),
            |v, _| v.tributos = vec![tributo("-100", "1", "1", Some("x"))],
            &[10026],
        );
        check(
            factura_a(),
            |v, _| v.tributos = vec![tributo("100", "-1", "1", Some("x"))],
            &[10027],
        );
        check(
            factura_a(),
            |v, _| {
                v.tributos = vec![
                    tributo("100", "1", "2", Some("x")),
                    tributo("100", "1", "-1", Some("y")),
                ];
            },
            &[10028],
        );
        check(
            factura_a(),
            |v, _| v.tributos = vec![tributo("100", "1", "1", None)],
            &[10042],
        );
        check(
            factura_a(),
            |v, _| {
                v.tributos = vec![Tributo {
                    id: TributoTipo::ImpuestosMunicipales,
                    ..tributo("100", "1", "1", None)
                }];
            },
            &[],
        );
    }
}
