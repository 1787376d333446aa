//! Currency of a detail: 10037 (`MonId` mandatory and from FEParamGetTiposMonedas), 10038
//! (`MonCotiz` mandatory unless `CanMisMonExt = S`, and > 0), 10039 (`PES` ⇒ `MonCotiz = 1`),
//! 10241 (`PES` ⇒ `CanMisMonExt` omitted or `N`), 10056 (`MonCotiz` at most 4 integer digits
//! and 6 decimals).
//!
//! Not checked locally: 10119/10240 and the exact-rate rule of `CanMisMonExt = S`, which compare
//! with ARCA's official rate (FEParamGetCotizacion); 10239 (`S`/`N`) is unrepresentable here.

use rust_decimal::Decimal;

use super::{Detail, ValidationIssue};
use crate::codes::Moneda;

pub(super) fn check(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let voucher = detail.voucher;

    // 10037: a currency ARCA lists.
    let Some(moneda) = Moneda::from_code(&voucher.mon_id) else {
        issues.push(detail.obs(
            "MonId",
            10037,
            format!(
                "Campo MonId ({}) es obligatorio y debe ser un valor valido. Consultar metodo FEParamGetTiposMonedas.",
                voucher.mon_id
            ),
        ));
        return;
    };

    let same_currency_payment = voucher.can_mis_mon_ext == Some(true);

    // 10241: pesos are never "paid in the same foreign currency".
    if moneda.is_pesos() && same_currency_payment {
        issues.push(detail.obs(
            "CanMisMonExt",
            10241,
            "Si MonId es PES el campo CanMisMonExt no debe informarse o debe ser N.",
        ));
    }

    match voucher.mon_cotiz {
        None if !same_currency_payment => {
            // 10038: the rate may only be left to ARCA with CanMisMonExt = S.
            issues.push(detail.obs(
                "MonCotiz",
                10038,
                "Campo MonCotiz es obligatorio si CanMisMonExt no es S.",
            ));
        }
        None => {}
        Some(cotiz) => {
            if cotiz <= Decimal::ZERO {
                issues.push(detail.obs("MonCotiz", 10038, "Campo MonCotiz debe ser mayor a 0."));
            } else if moneda.is_pesos() && cotiz != Decimal::ONE {
                // 10039 (the Decimal comparison ignores scale: 1.000 == 1).
                issues.push(detail.obs("MonCotiz", 10039, "Si MonId es PES el campo MonCotiz debe ser 1."));
            }
            // 10056: 4 integer digits, 6 decimals.
            if cotiz.normalize().scale() > 6 || cotiz.abs() >= Decimal::from(10_000) {
                issues.push(detail.obs(
                    "MonCotiz",
                    10056,
                    "Campo MonCotiz: longitud maxima 4 enteros y 6 decimales.",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, decimal, factura_b};

    #[test]
    fn currency_from_the_table_10037() {
        check(factura_b(), |v, _| v.mon_id = "USD".to_owned(), &[10037]);
        check(factura_b(), |v, _| v.mon_id = String::new(), &[10037]);
    }

    #[test]
    fn rate_is_mandatory_and_positive_10038() {
        check(factura_b(), |v, _| v.mon_cotiz = None, &[10038]);
        check(
            factura_b(),
            |v, _| {
                v.mon_id = "DOL".to_owned();
                v.mon_cotiz = Some(decimal("0"));
            },
            &[10038],
        );
        // A foreign currency paid in that currency may leave the rate to ARCA.
        check(
            factura_b(),
            |v, _| {
                v.mon_id = "DOL".to_owned();
                v.mon_cotiz = None;
                v.can_mis_mon_ext = Some(true);
            },
            &[],
        );
    }

    #[test]
    fn pesos_rate_is_one_10039() {
        check(factura_b(), |v, _| v.mon_cotiz = Some(decimal("1.5")), &[10039]);
        check(factura_b(), |v, _| v.mon_cotiz = Some(decimal("1.000000")), &[]);
    }

    #[test]
    fn pesos_are_not_paid_in_foreign_currency_10241() {
        check(factura_b(), |v, _| v.can_mis_mon_ext = Some(true), &[10241]);
        check(factura_b(), |v, _| v.can_mis_mon_ext = Some(false), &[]);
    }

    #[test]
    fn rate_precision_10056() {
        check(
            factura_b(),
            |v, _| {
                v.mon_id = "DOL".to_owned();
                v.mon_cotiz = Some(decimal("101.2020001"));
            },
            &[10056],
        );
    }
}
