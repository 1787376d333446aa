//! Dates of one detail: the `CbteFch` windows around the sending date N (10016 in its observation
//! form; 10152 for a future date in another month), the service period and due date (10031–10036)
//! and their presence for services (10049).
//!
//! Windows (§D.4): Concepto 1 [N−5, N+5]; Concepto 2/3 [N−10, N+10]; FCE invoices [N−5, N+1]; FCE
//! debit/credit notes [N−5, N]. An absent `CbteFch` is assigned N by ARCA, so it always passes.
//! Code map within 10031–10036 (our reading of "if one is sent the others are required"):
//! 10031 `FchServDesde` missing, 10033 `FchServHasta` missing, 10035 `FchVtoPago` missing, 10032
//! `FchServDesde ≤ FchServHasta`, 10036 `FchVtoPago ≥ CbteFch`; 10034 is not documented and not
//! checked. On FCE vouchers the due date has its own rules (10163/10164/10175, `fce.rs`): it does
//! not call for the service dates, and on invoices it is not reported as 10035/10036.

use chrono::{Datelike, Duration, NaiveDate};

use super::{Detail, ValidationIssue};
use crate::codes::Concepto;

/// ARCA's literal message for a Concepto 1 date outside its window (recorded 2021, double spaces
/// included).
const PRODUCTOS_WINDOW_MESSAGE: &str = "Campo CbteFch Debe estar comprendido  en el  rango  N-5 y N+5 siendo N la fecha de envio del pedido  de autorizacion para 1 - Productos";

/// ARCA's literal message for FCE notes.
const FCE_NOTE_WINDOW_MESSAGE: &str = "Campo CbteFch Debe estar comprendido  en el  rango  N-5 y N siendo N la fecha de envio del pedido de autorizacion para Facturas de Credito del tipo Nota de Debito o Nota de Credito";

pub(super) fn check(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    check_cbte_fch_window(detail, issues);
    check_service_dates(detail, issues);
}

/// 10016 (window) and 10152.
fn check_cbte_fch_window(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let Some(cbte_fch) = detail.voucher.cbte_fch else {
        return;
    };
    let today = detail.ctx.today;
    let tipo = detail.voucher.cbte_tipo;
    let concepto = detail.voucher.concepto;
    let (before, after, message) = if tipo.is_fce() && tipo.is_note() {
        (5, 0, FCE_NOTE_WINDOW_MESSAGE.to_owned())
    } else if tipo.is_fce() {
        // ARCA's exact text for FCE invoices is not recorded; same shape as the others.
        (5, 1, "Campo CbteFch Debe estar comprendido  en el  rango  N-5 y N+1 siendo N la fecha de envio del pedido de autorizacion para Facturas de Credito".to_owned())
    } else if concepto == Concepto::Productos {
        (5, 5, PRODUCTOS_WINDOW_MESSAGE.to_owned())
    } else {
        // Text modelled on the recorded Concepto 1 message (unverified).
        (
            10,
            10,
            format!(
                "Campo CbteFch Debe estar comprendido  en el  rango  N-10 y N+10 siendo N la fecha de envio del pedido  de autorizacion para {} - {}",
                concepto.code(),
                concepto.description()
            ),
        )
    };
    if cbte_fch < today - Duration::days(before) || cbte_fch > today + Duration::days(after) {
        issues.push(detail.obs("CbteFch", 10016, message));
        return;
    }

    // 10152: products (and FCE) may be dated ahead only within the sending month.
    if (concepto == Concepto::Productos || tipo.is_fce()) && cbte_fch > today && !same_month(cbte_fch, today) {
        issues.push(detail.obs(
            "CbteFch",
            10152,
            "Si el campo CbteFch es posterior a la fecha de envio debe corresponder al mismo mes.",
        ));
    }
}

/// 10031–10036, 10049.
fn check_service_dates(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let voucher = detail.voucher;
    let dates = [
        ("FchServDesde", voucher.fch_serv_desde, 10031),
        ("FchServHasta", voucher.fch_serv_hasta, 10033),
        ("FchVtoPago", voucher.fch_vto_pago, 10035),
    ];
    let services = voucher.concepto.includes_services();
    // On FCE the due date has rules of its own (10163/10164/10175, `fce.rs`): only a service
    // date calls for the others, and an FCE voucher's due date is never 10035/10036/10049's — an
    // FCE note carries none unless it annuls (10175), whatever its concepto.
    let fce = voucher.cbte_tipo.is_fce();
    let fce_invoice = fce && voucher.cbte_tipo.is_invoice();
    let any_sent = dates
        .iter()
        .any(|(element, date, _)| date.is_some() && !(fce && *element == "FchVtoPago"));
    for (element, date, code_if_partial) in dates {
        if date.is_some() || (fce && element == "FchVtoPago") {
            continue;
        }
        if services {
            // 10049: services always carry the period and the due date.
            issues.push(detail.obs(
                element,
                10049,
                format!("Para Concepto 2 o 3 el campo {element} es obligatorio (formato yyyymmdd)."),
            ));
        } else if any_sent {
            issues.push(detail.obs(
                element,
                code_if_partial,
                format!("Si se informa alguna de las fechas de servicio o de vencimiento de pago, el campo {element} es obligatorio."),
            ));
        }
    }

    // 10032: the service period runs forwards.
    if let (Some(desde), Some(hasta)) = (voucher.fch_serv_desde, voucher.fch_serv_hasta)
        && desde > hasta
    {
        issues.push(detail.obs(
            "FchServDesde",
            10032,
            "Campo FchServDesde debe ser menor o igual a FchServHasta.",
        ));
    }

    // 10036: payment is not due before the voucher date (10164 on FCE invoices).
    if let Some(vto) = voucher.fch_vto_pago
        && !fce_invoice
        && vto < detail.cbte_fch()
    {
        issues.push(detail.obs(
            "FchVtoPago",
            10036,
            "Campo FchVtoPago debe ser igual o posterior a CbteFch.",
        ));
    }
}

fn same_month(a: NaiveDate, b: NaiveDate) -> bool {
    a.year() == b.year() && a.month() == b.month()
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, date, factura_a, factura_b};
    use crate::codes::{CbteTipo, Concepto};

    #[test]
    fn products_window_is_five_days_10016() {
        // The recorded rejection: CbteFch 2021-07-01 sent on 2021-07-22.
        check(factura_b(), |_, ctx| ctx.today = date(2021, 7, 22), &[10016]);
        check(factura_b(), |_, ctx| ctx.today = date(2021, 7, 6), &[]);
        check(factura_b(), |_, ctx| ctx.today = date(2021, 7, 7), &[10016]);
        check(factura_b(), |v, _| v.cbte_fch = Some(date(2021, 7, 7)), &[10016]);
        // Absent CbteFch: ARCA assigns N.
        check(
            factura_b(),
            |v, ctx| {
                v.cbte_fch = None;
                ctx.today = date(2021, 7, 22);
            },
            &[],
        );
    }

    #[test]
    fn services_window_is_ten_days_10016() {
        check(factura_a(), |_, ctx| ctx.today = date(2021, 7, 11), &[]);
        check(factura_a(), |_, ctx| ctx.today = date(2021, 7, 12), &[10016]);
    }

    #[test]
    fn fce_windows_10016() {
        let fce_invoice = |v: &mut crate::voucher::Voucher| {
            v.cbte_tipo = CbteTipo::FceFacturaA;
            v.opcionales = crate::validate::testing::fce_invoice_opcionales();
        };
        check(
            factura_a(),
            |v, _| {
                fce_invoice(v);
                v.cbte_fch = Some(date(2021, 7, 2));
                v.fch_vto_pago = Some(date(2021, 7, 2));
            },
            &[],
        );
        check(
            factura_a(),
            |v, _| {
                fce_invoice(v);
                v.cbte_fch = Some(date(2021, 7, 3));
                v.fch_vto_pago = Some(date(2021, 7, 3));
            },
            &[10016],
        );
    }

    #[test]
    fn an_fce_note_for_services_carries_no_due_date_unless_it_annuls() {
        // Concepto 3 asks for the three dates (10049), but an FCE note that does not annul may
        // not carry FchVtoPago (10175): the FCE rule wins.
        check(
            factura_a(),
            |v, _| {
                v.cbte_tipo = CbteTipo::FceNotaCreditoA;
                v.fch_vto_pago = None;
                v.opcionales = vec![crate::voucher::Opcional {
                    id: "22".to_owned(),
                    valor: "N".to_owned(),
                }];
                v.cbtes_asoc = vec![crate::voucher::CbteAsoc {
                    tipo: 201,
                    pto_vta: 4000,
                    nro: 1,
                    cuit: Some(20_267_565_393),
                    cbte_fch: v.cbte_fch,
                }];
            },
            &[],
        );
    }

    #[test]
    fn future_products_date_stays_in_the_month_10152() {
        check(
            factura_b(),
            |v, ctx| {
                ctx.today = date(2021, 6, 29);
                v.cbte_fch = Some(date(2021, 7, 1));
            },
            &[10152],
        );
    }

    #[test]
    fn partial_service_dates_10031_10033_10035() {
        let products = |v: &mut crate::voucher::Voucher| v.concepto = Concepto::Productos;
        check(factura_a(), |v, _| products(v), &[]);
        check(
            factura_a(),
            |v, _| {
                products(v);
                v.fch_serv_desde = None;
            },
            &[10031],
        );
        check(
            factura_a(),
            |v, _| {
                products(v);
                v.fch_serv_hasta = None;
            },
            &[10033],
        );
        check(
            factura_a(),
            |v, _| {
                products(v);
                v.fch_vto_pago = None;
            },
            &[10035],
        );
    }

    #[test]
    fn service_period_runs_forwards_10032() {
        check(factura_a(), |v, _| v.fch_serv_desde = Some(date(2021, 7, 2)), &[10032]);
    }

    #[test]
    fn payment_due_not_before_the_voucher_10036() {
        check(factura_a(), |v, _| v.fch_vto_pago = Some(date(2021, 6, 30)), &[10036]);
    }

    #[test]
    fn services_need_their_dates_10049() {
        check(
            factura_a(),
            |v, _| {
                v.fch_serv_desde = None;
                v.fch_vto_pago = None;
            },
            &[10049, 10049],
        );
    }
}
