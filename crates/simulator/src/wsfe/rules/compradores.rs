//! `Compradores` (RG 4109, §D.9), basics only: the shares add up to 100 and FCE carries no
//! buyers (10194).
//!
//! The manual spreads the buyer rules over 10133–10150 and our reference does not map each
//! rule to its code: the share sum is reported as 10133, an assumption to revisit when the
//! manual's table is at hand. The other buyer rules (classes, document types, Concepto 1, the
//! receiver among the buyers with the largest share) are not simulated.

use rust_decimal::Decimal;

use super::{Finding, Voucher};

/// UNVERIFIED code for "Σ Porcentaje ≠ 100" (see the module documentation).
const SHARES_NOT_100: u32 = 10133;

pub(super) fn check(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let Some(buyers) = voucher.detail.compradores.as_deref() else {
        return;
    };
    // 10194: credit invoices are not shared among buyers.
    if voucher.fce {
        findings.push(Finding::new(
            10194,
            "Para comprobantes del tipo Factura de Credito Electronica MiPyMEs (FCE) no debe informarse el objeto Compradores.",
        ));
        return;
    }
    let total: Decimal = buyers.iter().map(|b| b.porcentaje).sum();
    if total != Decimal::from(100) {
        findings.push(Finding::new(
            SHARES_NOT_100,
            format!(
                "La suma de los porcentajes de Compradores debe ser igual a 100. Informado: {}.",
                crate::wsfe::params::format_double(total)
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{RECEIVER, check, dec};
    use crate::wsfe::request::Comprador;

    fn buyer(doc_nro: i64, porcentaje: &str) -> Comprador {
        Comprador {
            doc_tipo: 80,
            doc_nro,
            porcentaje: dec(porcentaje),
        }
    }

    #[test]
    fn shares_must_add_up_to_100() {
        check(
            1,
            |d| d.compradores = Some(vec![buyer(RECEIVER, "60"), buyer(20111111112, "40")]),
            &[],
        );
        check(
            1,
            |d| d.compradores = Some(vec![buyer(RECEIVER, "60"), buyer(20111111112, "30")]),
            &[10133],
        );
    }

    #[test]
    fn fce_carries_no_buyers_10194() {
        check(
            201,
            |d| d.compradores = Some(vec![buyer(RECEIVER, "60"), buyer(20111111112, "40")]),
            &[10194],
        );
    }
}
