//! Currency (§D.8): 10037 MonId, 10038 MonCotiz present and positive (or, with
//! `CanMisMonExt=S`, ARCA's own rate), 10039 pesos at 1, 10119 a foreign rate within 2 %–400 %
//! of ARCA's, 10239 CanMisMonExt S/N, 10241 no `CanMisMonExt=S` in pesos.
//!
//! The rate ARCA would quote is `Context::rates` (what `FEParamGetCotizacion` serves); with no
//! rate configured for a currency, 10119 and the `CanMisMonExt=S` equality are not checked.

use rust_decimal::Decimal;

use super::{Finding, Voucher};
use crate::wsfe::params;

const PESOS: &str = "PES";

pub(super) fn check(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let d = voucher.detail;
    // 10037: a currency from FEParamGetTiposMonedas.
    let mon_id = match d.mon_id.as_deref() {
        Some(id) if params::currency_exists(id) => id,
        other => {
            findings.push(Finding::new(
                10037,
                match other {
                    None => "Campo MonId es obligatorio. Consultar metodo FEParamGetTiposMonedas.".to_string(),
                    Some(id) => format!("Campo MonId ({id}) invalido. Consultar metodo FEParamGetTiposMonedas."),
                },
            ));
            return;
        }
    };
    // 10239: CanMisMonExt is S or N.
    let same_currency = match d.can_mis_mon_ext.as_deref() {
        None | Some("N") => false,
        Some("S") => true,
        Some(_) => {
            findings.push(Finding::new(10239, "Campo CanMisMonExt debe ser S o N."));
            false
        }
    };
    let arca_rate = voucher.context.rates.get(mon_id).copied();
    match d.mon_cotiz {
        None if !same_currency => findings.push(Finding::new(
            10038,
            "Campo MonCotiz es obligatorio si CanMisMonExt no es S.",
        )),
        None => {}
        Some(cotiz) if cotiz <= Decimal::ZERO => {
            findings.push(Finding::new(10038, "Campo MonCotiz debe ser mayor a 0."))
        }
        // 10039: pesos are quoted at 1.
        Some(cotiz) if mon_id == PESOS && cotiz != Decimal::ONE => findings.push(Finding::new(
            10039,
            "Si MonId es PES, el campo MonCotiz debe ser igual a 1.",
        )),
        Some(_) if mon_id == PESOS => {}
        Some(cotiz) => {
            if let Some(rate) = arca_rate {
                if same_currency && cotiz != rate {
                    // 10038: paid in the same currency, the rate is ARCA's own.
                    findings.push(Finding::new(
                        10038,
                        format!(
                            "Si CanMisMonExt es S, el campo MonCotiz debe ser igual a la cotizacion oficial ({}) o no informarse.",
                            params::format_double(rate)
                        ),
                    ));
                } else if cotiz < rate * Decimal::new(2, 2) || cotiz > rate * Decimal::from(4) {
                    // 10119: a declared rate within 2 %–400 % of ARCA's.
                    findings.push(Finding::new(
                        10119,
                        format!(
                            "Campo MonCotiz ({}) fuera de rango: no puede ser inferior al 2% ni superior al 400% de la cotizacion oficial ({}). Consultar metodo FEParamGetCotizacion.",
                            params::format_double(cotiz),
                            params::format_double(rate)
                        ),
                    ));
                }
            }
        }
    }
    // 10241: pesos are never "the same foreign currency".
    if mon_id == PESOS && same_currency {
        findings.push(Finding::new(
            10241,
            "Si MonId es PES, el campo CanMisMonExt no debe informarse o debe ser N.",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{check, dec, finding};
    use crate::wsfe::request::Detail;

    fn dollars(d: &mut Detail, cotiz: &str) {
        d.mon_id = Some("DOL".to_string());
        d.mon_cotiz = Some(dec(cotiz));
    }

    #[test]
    fn unknown_or_missing_currency_is_10037() {
        check(1, |d| d.mon_id = Some("USD".to_string()), &[10037]);
        check(1, |d| d.mon_id = None, &[10037]);
    }

    #[test]
    fn missing_or_non_positive_rate_is_10038() {
        check(1, |d| d.mon_cotiz = None, &[10038]);
        check(1, |d| dollars(d, "0"), &[10038]);
        // Paid in dollars: ARCA's rate or nothing.
        check(
            1,
            |d| {
                dollars(d, "999");
                d.can_mis_mon_ext = Some("S".to_string());
            },
            &[10038],
        );
        check(
            1,
            |d| {
                dollars(d, "1000");
                d.can_mis_mon_ext = Some("S".to_string());
            },
            &[],
        );
        check(
            1,
            |d| {
                d.mon_id = Some("DOL".to_string());
                d.mon_cotiz = None;
                d.can_mis_mon_ext = Some("S".to_string());
            },
            &[],
        );
    }

    #[test]
    fn pesos_at_another_rate_is_10039() {
        check(1, |d| d.mon_cotiz = Some(dec("2")), &[10039]);
    }

    #[test]
    fn foreign_rate_far_from_arca_is_10119() {
        check(1, |d| dollars(d, "19.99"), &[10119]);
        check(1, |d| dollars(d, "20"), &[]);
        check(1, |d| dollars(d, "4000"), &[]);
        let found = finding(1, |d| dollars(d, "4000.01"), 10119);
        assert!(found.excluding);
        // No rate configured for the currency: nothing to compare with.
        check(
            1,
            |d| {
                d.mon_id = Some("012".to_string());
                d.mon_cotiz = Some(dec("0.001"));
            },
            &[],
        );
    }

    #[test]
    fn same_currency_flag_is_10239_and_10241() {
        check(1, |d| d.can_mis_mon_ext = Some("X".to_string()), &[10239]);
        check(1, |d| d.can_mis_mon_ext = Some("S".to_string()), &[10241]);
        check(1, |d| d.can_mis_mon_ext = Some("N".to_string()), &[]);
    }
}
