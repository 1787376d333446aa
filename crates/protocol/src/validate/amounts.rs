//! The header amounts of a detail: non-negative (10043 `ImpTotConc`, 10044 `ImpOpEx`, 10045
//! `ImpNeto`, 10046 `ImpTrib`, 10047 `ImpIVA`, 10065 `ImpTotal`), at most 13+2 digits (10056),
//! class C carrying no IVA, no-gravado or exento amount (10043, 10044, 10047), and the total
//! identity (10048) within ARCA's tolerance.
//!
//! 10048 (§D.5): `ImpTotal = ImpTotConc + ImpNeto + ImpOpEx + ImpTrib + ImpIVA`; class C:
//! `ImpTotal = ImpNeto + ImpTrib`; type 49 from a monotributista: `ImpTotal = ImpTotConc + ImpTrib`.
//!
//! Tolerance ([`within_tolerance`]), as the reference states the manual's "margen de error":
//! relative error ≤ 0.01 % **or** absolute error ≤ 0.01 per summed item. The relative error is
//! taken against the declared amount (the manual does not say against which side). The [3P]
//! remark that ARCA rounds half-even inside that margin changes nothing at this tolerance.

use rust_decimal::Decimal;

use super::{Detail, IssuerIvaCondition, ValidationIssue};
use crate::codes::{CbteClass, CbteTipo};
use crate::money::Money;

/// Whether `declared` matches `expected` within ARCA's margin for a sum of `items` terms (use 1
/// for a single comparison).
pub(super) fn within_tolerance(declared: Money, expected: Money, items: usize) -> bool {
    let difference = (declared - expected).abs().amount();
    let per_item = Decimal::new(1, 2);
    let absolute = per_item * Decimal::from(items.max(1));
    let relative = declared.abs().amount() * Decimal::new(1, 4);
    difference <= absolute || difference <= relative
}

pub(super) fn check(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let voucher = detail.voucher;
    let amounts = [
        ("ImpTotal", voucher.imp_total, 10065),
        ("ImpTotConc", voucher.imp_tot_conc, 10043),
        ("ImpNeto", voucher.imp_neto, 10045),
        ("ImpOpEx", voucher.imp_op_ex, 10044),
        ("ImpTrib", voucher.imp_trib, 10046),
        ("ImpIVA", voucher.imp_iva, 10047),
    ];
    for (element, amount, code) in amounts {
        if amount.is_negative() {
            issues.push(detail.obs(element, code, format!("Campo {element} debe ser mayor o igual a 0.")));
        }
        // 10056: 13 integer digits and 2 decimals.
        if !amount.fits_two_decimals() || !amount.fits_arca_width() {
            issues.push(detail.obs(
                element,
                10056,
                format!("Campo {element}: longitud maxima 13 enteros y 2 decimales."),
            ));
        }
    }

    let class_c = voucher.cbte_tipo.class() == CbteClass::C;
    if class_c {
        // Class C shows no IVA, so nothing is split into no-gravado, exento or IVA.
        for (element, amount, code) in [
            ("ImpTotConc", voucher.imp_tot_conc, 10043),
            ("ImpOpEx", voucher.imp_op_ex, 10044),
            ("ImpIVA", voucher.imp_iva, 10047),
        ] {
            if amount.is_positive() {
                issues.push(detail.obs(
                    element,
                    code,
                    format!("Para comprobantes clase C el campo {element} debe ser 0."),
                ));
            }
        }
    }

    // 10048: the total identity.
    let monotributista_used_goods = voucher.cbte_tipo == CbteTipo::CompraBienesUsados
        && detail.ctx.issuer_iva_condition == Some(IssuerIvaCondition::Monotributo);
    let (expected, formula) = if class_c {
        (voucher.imp_neto + voucher.imp_trib, "ImpNeto + ImpTrib")
    } else if monotributista_used_goods {
        (voucher.imp_tot_conc + voucher.imp_trib, "ImpTotConc + ImpTrib")
    } else {
        (
            voucher.imp_tot_conc + voucher.imp_neto + voucher.imp_op_ex + voucher.imp_trib + voucher.imp_iva,
            "ImpTotConc + ImpNeto + ImpOpEx + ImpTrib + ImpIVA",
        )
    };
    if !within_tolerance(voucher.imp_total, expected, 1) {
        issues.push(detail.obs(
            "ImpTotal",
            10048,
            format!(
                "Campo ImpTotal ({}) debe ser igual a la suma de {formula} ({}).",
                voucher.imp_total, expected
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::IssuerIvaCondition;
    use super::super::testing::{check, factura_a, factura_c, money};
    use super::within_tolerance;
    use crate::codes::CbteTipo;
    use crate::money::Money;

    fn monotributista(ctx: &mut super::super::ValidationContext) {
        ctx.issuer_iva_condition = Some(IssuerIvaCondition::Monotributo);
    }

    #[test]
    fn tolerance_is_a_cent_per_item_or_a_hundredth_of_a_percent() {
        assert!(within_tolerance(money("122.01"), money("122.00"), 1));
        assert!(!within_tolerance(money("122.02"), money("122.00"), 1));
        assert!(within_tolerance(money("122.02"), money("122.00"), 2));
        // 0.01 % of 1,000,000 is 100.
        assert!(within_tolerance(money("1000000"), money("999900"), 1));
        assert!(!within_tolerance(money("1000000"), money("999899.99"), 1));
    }

    #[test]
    fn total_identity_10048() {
        check(factura_a(), |v, _| v.imp_total = money("123.00"), &[10048]);
        check(factura_a(), |v, _| v.imp_total = money("122.01"), &[]);
        // Class C: total = neto + tributos.
        check(
            factura_c(),
            |v, ctx| {
                monotributista(ctx);
                v.imp_total = money("499.00");
            },
            &[10048],
        );
    }

    #[test]
    fn used_goods_from_a_monotributista_total_is_no_gravado_plus_tributos_10048() {
        let used_goods = |v: &mut crate::voucher::Voucher| {
            v.cbte_tipo = CbteTipo::CompraBienesUsados;
            v.doc_tipo = 96;
            v.doc_nro = 30_000_000;
            v.imp_tot_conc = money("500");
            v.imp_neto = Money::ZERO;
        };
        check(
            factura_c(),
            |v, ctx| {
                monotributista(ctx);
                used_goods(v);
            },
            &[],
        );
        check(
            factura_c(),
            |v, ctx| {
                monotributista(ctx);
                used_goods(v);
                v.imp_tot_conc = money("400");
            },
            &[10048],
        );
    }

    #[test]
    fn amounts_are_not_negative_10043_10044_10045_10046_10047_10065() {
        check(
            factura_a(),
            |v, _| {
                v.imp_tot_conc = money("-1");
                v.imp_op_ex = money("1");
            },
            &[10043],
        );
        check(
            factura_a(),
            |v, _| {
                v.imp_op_ex = money("-1");
                v.imp_tot_conc = money("1");
            },
            &[10044],
        );
        check(factura_a(), |v, _| v.imp_total = money("-122"), &[10065, 10048]);
        check(
            factura_c(),
            |v, ctx| {
                monotributista(ctx);
                v.imp_neto = money("-500");
                v.imp_total = money("-500");
            },
            &[10045, 10065],
        );
        check(
            factura_c(),
            |v, ctx| {
                monotributista(ctx);
                v.imp_trib = money("-1");
                v.imp_total = money("499");
                v.tributos = vec![];
            },
            &[10046],
        );
        check(
            factura_c(),
            |v, ctx| {
                monotributista(ctx);
                v.imp_iva = money("-1");
            },
            &[10047],
        );
    }

    #[test]
    fn two_decimals_and_thirteen_digits_10056() {
        check(
            factura_a(),
            |v, _| {
                v.imp_tot_conc = money("0.001");
                v.imp_total = money("122.001");
            },
            &[10056, 10056],
        );
    }

    #[test]
    fn class_c_has_no_iva_no_gravado_or_exento_10043_10044_10047() {
        check(
            factura_c(),
            |v, ctx| {
                monotributista(ctx);
                v.imp_tot_conc = money("10");
                v.imp_op_ex = money("10");
                v.imp_iva = money("10");
            },
            &[10043, 10044, 10047],
        );
    }
}
