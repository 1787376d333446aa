//! Voucher numbers and dates of a detail (§D.4): 10008/10010 number ranges, 10011/10012
//! ranges only where the class allows them, 10016 `CbteFch` window (the excluding `Obs` form;
//! the last+1 numbering check is the caller's, in `Errors`), 10152 future date within N's
//! month, 10031/10033/10035 service dates sent together, 10032 and 10036 date order, 10049
//! service dates for Concepto 2/3, 10163/10164 the FCE invoice due date, 10175 no due date on
//! an FCE note unless it annuls.
//!
//! Readings where the manual is thin: 10031/10033/10035 name the missing FchServDesde,
//! FchServHasta and FchVtoPago respectively and apply when a service date is sent with
//! Concepto 1 (a lone FchVtoPago is fine: FCE product invoices need it); with Concepto 2/3 a
//! missing or malformed service date is 10049 instead. An unreadable `CbteFch` is a 10016.

use chrono::{Datelike, Duration, NaiveDate};

use super::{Finding, Voucher, parse_date};
use crate::wsfe::params::{Class, Kind};

pub(super) fn check(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    check_numbers(voucher, findings);
    check_cbte_fch(voucher, findings);
    check_service_dates(voucher, findings);
}

fn check_numbers(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let detail = voucher.detail;
    // 10008 / 10010: numbers are 8 digits, from 1.
    if !(1..=99_999_999).contains(&detail.cbte_desde) {
        findings.push(Finding::new(
            10008,
            "Campo CbteDesde debe estar comprendido entre 1 y 99999999.",
        ));
    }
    if !(1..=99_999_999).contains(&detail.cbte_hasta) {
        findings.push(Finding::new(
            10010,
            "Campo CbteHasta debe estar comprendido entre 1 y 99999999.",
        ));
    }
    // 10012: only class B (not FCE) may authorise a range of numbers in one detail; the rest
    // (A, C, A con leyenda, 49, FCE) one number. 10011: a class B range must not run backwards.
    let single = voucher.fce || voucher.class != Class::B;
    if single && detail.cbte_desde != detail.cbte_hasta {
        findings.push(Finding::new(
            10012,
            "Para comprobantes clase A, C, A con leyenda, 49 y FCE los campos CbteDesde y CbteHasta deben ser iguales.",
        ));
    } else if !single && detail.cbte_hasta < detail.cbte_desde {
        findings.push(Finding::new(
            10011,
            "Campo CbteHasta debe ser mayor o igual a CbteDesde.",
        ));
    }
}

/// 10016 (window, `Obs` form) and 10152.
fn check_cbte_fch(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    // Absent: ARCA assigns the processing date, which is always inside the window.
    let Some(text) = &voucher.detail.cbte_fch else {
        return;
    };
    let Some(date) = parse_date(text) else {
        findings.push(Finding::new(
            10016,
            "Campo CbteFch con formato invalido. Debe informarse con formato yyyymmdd.",
        ));
        return;
    };
    let today = voucher.context.today;
    let (before, after, message) = window(voucher);
    if date < today - Duration::days(before) || date > today + Duration::days(after) {
        findings.push(Finding::new(10016, message));
    } else if (voucher.detail.concepto == 1 || voucher.fce)
        && date > today
        && (date.year(), date.month()) != (today.year(), today.month())
    {
        // 10152: a future date may not leave N's month (products and FCE).
        findings.push(Finding::new(
            10152,
            "Si el concepto es 1 (Productos) o el comprobante es FCE y CbteFch es posterior a la fecha de envio, debe corresponder al mismo mes de la fecha de envio del pedido de autorizacion.",
        ));
    }
}

/// Days allowed before and after N, and the message naming the window. The Concepto 1 and FCE
/// note texts are ARCA's (double spaces included, §C.3/§D.4); the others follow them.
fn window(voucher: &Voucher<'_>) -> (i64, i64, String) {
    if voucher.fce {
        return match voucher.kind {
            Kind::Invoice => (
                5,
                1,
                "Campo CbteFch Debe estar comprendido  en el  rango  N-5 y N+1 siendo N la fecha de envio del pedido de autorizacion para Facturas de Credito".to_string(),
            ),
            _ => (
                5,
                0,
                "Campo CbteFch Debe estar comprendido  en el  rango  N-5 y N siendo N la fecha de envio del pedido de autorizacion para Facturas de Credito del tipo Nota de Debito o Nota de Credito".to_string(),
            ),
        };
    }
    match voucher.detail.concepto {
        2 => (10, 10, products_or_services_message(10, "2 - Servicios")),
        3 => (10, 10, products_or_services_message(10, "3 - Productos y Servicios")),
        _ => (5, 5, products_or_services_message(5, "1 - Productos")),
    }
}

fn products_or_services_message(days: i64, concepto: &str) -> String {
    format!(
        "Campo CbteFch Debe estar comprendido  en el  rango  N-{days} y N+{days} siendo N la fecha de envio del pedido  de autorizacion para {concepto}"
    )
}

/// 10031/10033/10035, 10049, 10032, 10036, 10163/10164.
fn check_service_dates(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let detail = voucher.detail;
    let desde = detail.fch_serv_desde.as_deref();
    let hasta = detail.fch_serv_hasta.as_deref();
    let vto = detail.fch_vto_pago.as_deref();
    if matches!(detail.concepto, 2 | 3) {
        // 10049: services need the three dates, well formed — except an FCE voucher's due date,
        // which 10163/10164 (invoices) and 10175 (notes) rule.
        let missing: Vec<&str> = [("FchServDesde", desde), ("FchServHasta", hasta), ("FchVtoPago", vto)]
            .iter()
            .filter(|(name, _)| !(voucher.fce && *name == "FchVtoPago"))
            .filter(|(_, value)| value.and_then(parse_date).is_none())
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            findings.push(Finding::new(
                10049,
                format!(
                    "Si el concepto es 2 o 3 (Servicios / Productos y Servicios) los campos FchServDesde, FchServHasta y FchVtoPago son obligatorios con formato yyyymmdd. Revisar: {}.",
                    missing.join(", ")
                ),
            ));
        }
    } else if desde.is_some() || hasta.is_some() {
        // A service date sent with Concepto 1: the three go together.
        if desde.is_none() {
            findings.push(Finding::new(
                10031,
                "Si informa alguno de los campos FchServHasta o FchVtoPago, el campo FchServDesde es obligatorio.",
            ));
        }
        if hasta.is_none() {
            findings.push(Finding::new(
                10033,
                "Si informa alguno de los campos FchServDesde o FchVtoPago, el campo FchServHasta es obligatorio.",
            ));
        }
        if vto.is_none() {
            findings.push(Finding::new(
                10035,
                "Si informa alguno de los campos FchServDesde o FchServHasta, el campo FchVtoPago es obligatorio.",
            ));
        }
    }
    let desde = desde.and_then(parse_date);
    let hasta = hasta.and_then(parse_date);
    let vto_date = vto.and_then(parse_date);
    // 10032: the service period may not end before it starts.
    if let (Some(desde), Some(hasta)) = (desde, hasta)
        && hasta < desde
    {
        findings.push(Finding::new(
            10032,
            "Campo FchServHasta debe ser mayor o igual a FchServDesde.",
        ));
    }
    if voucher.fce && voucher.kind == Kind::Invoice {
        check_fce_due_date(voucher, vto, vto_date, findings);
        return;
    }
    // 10175: an FCE note carries a due date only when it annuls the invoice (opcional 22 = S).
    let annulment = detail
        .opcionales
        .iter()
        .flatten()
        .any(|o| o.id.trim() == "22" && o.valor.trim() == "S");
    if voucher.fce && vto.is_some() && !annulment {
        findings.push(Finding::new(
            10175,
            "Para Notas de Debito y Credito FCE el campo FchVtoPago solo puede informarse si el comprobante es de anulacion (Opcional 22 = S).",
        ));
    }
    if let (Some(vto_date), Some(date)) = (vto_date, voucher.date()) {
        // 10036: payment is not due before the voucher's date.
        if vto_date < date {
            findings.push(Finding::new(
                10036,
                "Campo FchVtoPago debe ser mayor o igual a CbteFch.",
            ));
        }
    }
}

/// 10163: FchVtoPago mandatory on FCE invoices; 10164: not before CbteFch nor before N.
fn check_fce_due_date(voucher: &Voucher<'_>, text: Option<&str>, date: Option<NaiveDate>, findings: &mut Vec<Finding>) {
    let Some(date) = date else {
        let message = if text.is_some() {
            "Campo FchVtoPago con formato invalido. Debe informarse con formato yyyymmdd para Facturas de Credito Electronicas MiPyMEs."
        } else {
            "Campo FchVtoPago es obligatorio para Facturas de Credito Electronicas MiPyMEs."
        };
        findings.push(Finding::new(10163, message));
        return;
    };
    let earliest = voucher
        .date()
        .map_or(voucher.context.today, |d| d.max(voucher.context.today));
    if date < earliest {
        findings.push(Finding::new(
            10164,
            "Campo FchVtoPago debe ser posterior o igual a la fecha del comprobante y a la fecha de envio del pedido de autorizacion.",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{check, day, finding};

    #[test]
    fn number_out_of_range_is_10008_or_10010() {
        check(6, |d| d.cbte_desde = 0, &[10008]);
        check(6, |d| d.cbte_hasta = 100_000_000, &[10010]);
    }

    #[test]
    fn class_b_range_backwards_is_10011() {
        check(6, |d| d.cbte_hasta = 10, &[10011]);
        check(6, |d| d.cbte_hasta = 20, &[]);
    }

    #[test]
    fn ranges_outside_class_b_are_10012() {
        for tipo in [1, 11, 51, 49, 206] {
            check(tipo, |d| d.cbte_hasta = 12, &[10012]);
        }
    }

    #[test]
    fn products_date_outside_five_days_is_10016_obs_with_the_real_text() {
        check(1, |d| d.cbte_fch = Some(day(-5)), &[]);
        let found = finding(1, |d| d.cbte_fch = Some(day(-6)), 10016);
        assert!(found.excluding);
        assert_eq!(
            found.message,
            "Campo CbteFch Debe estar comprendido  en el  rango  N-5 y N+5 siendo N la fecha de envio del pedido  de autorizacion para 1 - Productos"
        );
        check(1, |d| d.cbte_fch = Some("2026113".to_string()), &[10016]);
    }

    #[test]
    fn services_allow_ten_days() {
        let services = |d: &mut crate::wsfe::request::Detail| {
            d.concepto = 2;
            d.fch_serv_desde = Some(day(-40));
            d.fch_serv_hasta = Some(day(-10));
            d.fch_vto_pago = Some(day(10));
        };
        check(
            6,
            |d| {
                services(d);
                d.cbte_fch = Some(day(-10));
            },
            &[],
        );
        check(
            6,
            |d| {
                services(d);
                d.cbte_fch = Some(day(-11));
            },
            &[10016],
        );
    }

    #[test]
    fn fce_windows_are_10016() {
        check(201, |d| d.cbte_fch = Some(day(1)), &[]);
        check(201, |d| d.cbte_fch = Some(day(2)), &[10016]);
        let found = finding(203, |d| d.cbte_fch = Some(day(1)), 10016);
        assert_eq!(
            found.message,
            "Campo CbteFch Debe estar comprendido  en el  rango  N-5 y N siendo N la fecha de envio del pedido de autorizacion para Facturas de Credito del tipo Nota de Debito o Nota de Credito"
        );
    }

    #[test]
    fn future_products_date_in_another_month_is_10152() {
        // N is 2026-11-27: N+4 is in December.
        check(1, |d| d.cbte_fch = Some(day(4)), &[10152]);
        check(1, |d| d.cbte_fch = Some(day(3)), &[]);
    }

    #[test]
    fn service_dates_go_together_with_products() {
        check(1, |d| d.fch_serv_hasta = Some(day(0)), &[10031, 10035]);
        check(1, |d| d.fch_serv_desde = Some(day(0)), &[10033, 10035]);
        // A lone due date is fine (FCE product invoices carry one).
        check(1, |d| d.fch_vto_pago = Some(day(0)), &[]);
    }

    #[test]
    fn services_without_dates_are_10049() {
        check(1, |d| d.concepto = 2, &[10049]);
        check(
            1,
            |d| {
                d.concepto = 3;
                d.fch_serv_desde = Some(day(0));
                d.fch_serv_hasta = Some("2026-11-27".to_string());
                d.fch_vto_pago = Some(day(0));
            },
            &[10049],
        );
    }

    #[test]
    fn service_period_backwards_is_10032() {
        check(
            1,
            |d| {
                d.concepto = 2;
                d.fch_serv_desde = Some(day(0));
                d.fch_serv_hasta = Some(day(-1));
                d.fch_vto_pago = Some(day(0));
            },
            &[10032],
        );
    }

    #[test]
    fn due_date_before_voucher_is_10036() {
        check(1, |d| d.fch_vto_pago = Some(day(-1)), &[10036]);
    }

    #[test]
    fn fce_note_due_date_only_when_annulling_10175() {
        check(203, |d| d.fch_vto_pago = Some(day(10)), &[10175]);
        check(
            203,
            |d| {
                d.fch_vto_pago = Some(day(10));
                d.opcionales = Some(vec![crate::wsfe::request::Opcional {
                    id: "22".to_string(),
                    valor: "S".to_string(),
                }]);
            },
            &[],
        );
    }

    #[test]
    fn an_fce_note_for_services_needs_no_due_date() {
        check(
            203,
            |d| {
                d.concepto = 2;
                d.fch_serv_desde = Some(day(-1));
                d.fch_serv_hasta = Some(day(0));
                d.fch_vto_pago = None;
            },
            &[],
        );
    }

    #[test]
    fn fce_invoice_due_date_is_10163_or_10164() {
        check(201, |d| d.fch_vto_pago = None, &[10163]);
        check(
            201,
            |d| {
                d.cbte_fch = Some(day(-2));
                d.fch_vto_pago = Some(day(-1));
            },
            &[10164],
        );
    }
}
