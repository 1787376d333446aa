//! Voucher numbers and the date against the series: 10008 (`CbteDesde` in 1..99999999), 10010
//! (`CbteHasta` in 1..99999999), 10016 (`CbteDesde` = last authorized + 1 and `CbteFch` ≥ the last
//! authorized voucher's date; within a batch each detail continues the previous one).
//!
//! ARCA reports this 10016 in `Errors` (observed, §C.3), unlike the date-window 10016 of
//! `dates.rs`, which is a detail observation.

use super::{Detail, ValidationContext, ValidationIssue};
use crate::codes::CBTE_NRO_RANGE;
use crate::voucher::CaeRequest;

/// ARCA's literal 10016 message for numbering (recorded 2021).
const NEXT_NUMBER_MESSAGE: &str = "El numero o fecha del comprobante no se corresponde con el proximo a autorizar. Consultar metodo FECompUltimoAutorizado.";

pub(super) fn check(request: &CaeRequest, ctx: &ValidationContext, issues: &mut Vec<ValidationIssue>) {
    // What the next detail must continue from: ARCA's last authorized voucher, then each detail
    // of the batch in turn (details are processed in order and must be consecutive).
    let mut previous = ctx.last_of(request).map(|last| (last.number, last.date));
    for (index, voucher) in request.vouchers().iter().enumerate() {
        let detail = Detail { index, voucher, ctx };
        // 10008 / 10010: the number range.
        if !CBTE_NRO_RANGE.contains(&voucher.cbte_desde) {
            issues.push(ValidationIssue::err(
                detail.field("CbteDesde"),
                10008,
                "Campo CbteDesde debe estar comprendido entre 1 y 99999999.",
            ));
        }
        if !CBTE_NRO_RANGE.contains(&voucher.cbte_hasta) {
            issues.push(ValidationIssue::err(
                detail.field("CbteHasta"),
                10010,
                "Campo CbteHasta debe estar comprendido entre 1 y 99999999.",
            ));
        }

        // 10016: next number and a date not before the previous voucher's.
        let cbte_fch = detail.cbte_fch();
        if let Some((previous_number, previous_date)) = previous {
            if voucher.cbte_desde != previous_number.saturating_add(1) {
                issues.push(ValidationIssue::err(
                    detail.field("CbteDesde"),
                    10016,
                    NEXT_NUMBER_MESSAGE,
                ));
            } else if previous_date.is_some_and(|previous_date| cbte_fch < previous_date) {
                issues.push(ValidationIssue::err(
                    detail.field("CbteFch"),
                    10016,
                    NEXT_NUMBER_MESSAGE,
                ));
            }
        }
        previous = Some((voucher.cbte_hasta, Some(cbte_fch)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_request, context, date, factura_a};
    use super::super::{LastAuthorized, Series};
    use crate::codes::CbteTipo;
    use crate::voucher::{CaeRequest, Voucher};

    #[test]
    fn number_ranges_10008_10010() {
        // Unknown series, so only the ranges apply.
        check(
            factura_a(),
            |v, ctx| {
                ctx.last_authorized.clear();
                v.cbte_desde = 0;
                v.cbte_hasta = 0;
            },
            &[10008, 10010],
        );
        check(
            factura_a(),
            |v, ctx| {
                ctx.last_authorized.clear();
                v.cbte_desde = 100_000_000;
                v.cbte_hasta = 100_000_000;
            },
            &[10008, 10010],
        );
    }

    #[test]
    fn must_be_the_next_number_10016() {
        // The recorded duplicate: 1836 again after it was approved.
        check(
            factura_a(),
            |_, ctx| {
                let series = Series {
                    punto_venta: 4000,
                    cbte_tipo: CbteTipo::FacturaA,
                };
                ctx.last_authorized.insert(
                    series,
                    LastAuthorized {
                        number: 1836,
                        date: None,
                    },
                );
            },
            &[10016],
        );
        check(
            factura_a(),
            |v, _| {
                v.cbte_desde = 1838;
                v.cbte_hasta = 1838;
            },
            &[10016],
        );
    }

    #[test]
    fn date_not_before_the_last_voucher_10016() {
        check(
            factura_a(),
            |_, ctx| {
                let series = Series {
                    punto_venta: 4000,
                    cbte_tipo: CbteTipo::FacturaA,
                };
                let last = LastAuthorized {
                    number: 1835,
                    date: Some(date(2021, 7, 2)),
                };
                ctx.last_authorized.insert(series, last);
            },
            &[10016],
        );
    }

    #[test]
    fn a_batch_must_be_consecutive_10016() {
        let second = Voucher {
            cbte_desde: 1838,
            cbte_hasta: 1838,
            ..factura_a()
        };
        let request = CaeRequest::new(vec![factura_a(), second]).unwrap();
        check_request(&request, &context(), &[10016]);
    }
}
