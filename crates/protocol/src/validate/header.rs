//! The header (`FeCabReq`): 10001 (`CantReg` in 1..9998), 10002 (`CantReg` = number of details),
//! 10003 (details ≤ `FECompTotXRequest.RegXReq`; FCE: one per request), 10004 (`PtoVta` in
//! 1..99998). ARCA reports these in `Errors`.

use super::{ValidationContext, ValidationIssue};
use crate::codes::{MAX_CANT_REG, PTO_VTA_RANGE};
use crate::voucher::CaeRequest;

pub(super) fn check(request: &CaeRequest, ctx: &ValidationContext, issues: &mut Vec<ValidationIssue>) {
    let cant_reg = request.cant_reg();
    let details = request.vouchers().len();

    // 10001: CantReg must be in 1..9998.
    if !(1..=MAX_CANT_REG).contains(&cant_reg) {
        issues.push(ValidationIssue::err(
            "FeCabReq.CantReg",
            10001,
            format!("Campo CantReg debe estar comprendido entre 1 y {MAX_CANT_REG}."),
        ));
    }

    // 10002: CantReg must equal the details sent. The manual's example reads "Informado: 2,
    // Enviado:3"; which number is which is not stated — we read "Informado" as CantReg.
    if usize::try_from(cant_reg).ok() != Some(details) {
        issues.push(ValidationIssue::err(
            "FeCabReq.CantReg",
            10002,
            format!("Campo CantReg debe ser igual a lo informado en detalle. Informado: {cant_reg}, Enviado:{details}"),
        ));
    }

    // 10004: the point of sale's range (whether it is registered, 10005, is ARCA's to say).
    if !PTO_VTA_RANGE.contains(&request.punto_venta()) {
        issues.push(ValidationIssue::err(
            "FeCabReq.PtoVta",
            10004,
            "Campo PtoVta debe estar comprendido entre 1 y 99998.",
        ));
    }

    // 10003: at most RegXReq details, and FCE goes one voucher per request.
    let limit = if request.cbte_tipo().is_fce() {
        1
    } else {
        ctx.max_records_per_request
    };
    if usize::try_from(limit).is_ok_and(|limit| details > limit) {
        issues.push(ValidationIssue::err(
            "FeDetReq",
            10003,
            format!(
                "La cantidad de registros del detalle ({details}) supera el maximo permitido por request ({limit}). Consultar metodo FECompTotXRequest."
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_request, context, factura_a};
    use crate::codes::CbteTipo;
    use crate::voucher::{CaeRequest, Voucher};

    fn consecutive(first: Voucher, count: u64) -> Vec<Voucher> {
        (0..count)
            .map(|i| Voucher {
                cbte_desde: first.cbte_desde + i,
                cbte_hasta: first.cbte_hasta + i,
                ..first.clone()
            })
            .collect()
    }

    #[test]
    fn cant_reg_must_be_at_least_one_and_match_10001_10002() {
        let request = CaeRequest::new(vec![factura_a()]).unwrap().with_cant_reg(0);
        check_request(&request, &context(), &[10001, 10002]);
    }

    #[test]
    fn cant_reg_must_match_the_details_10002() {
        let request = CaeRequest::new(consecutive(factura_a(), 3)).unwrap().with_cant_reg(2);
        check_request(&request, &context(), &[10002]);
        let request = CaeRequest::new(consecutive(factura_a(), 3)).unwrap();
        check_request(&request, &context(), &[]);
    }

    #[test]
    fn details_over_reg_x_req_10003() {
        let mut ctx = context();
        ctx.max_records_per_request = 2;
        let request = CaeRequest::new(consecutive(factura_a(), 3)).unwrap();
        check_request(&request, &ctx, &[10003]);
    }

    #[test]
    fn point_of_sale_range_10004() {
        // The series is unknown to the context, so numbering stays quiet.
        check(factura_a(), |v, _| v.punto_venta = 0, &[10004]);
        check(factura_a(), |v, _| v.punto_venta = 99_999, &[10004]);
        check(
            factura_a(),
            |v, ctx| {
                v.punto_venta = 99_998;
                ctx.last_authorized.clear();
            },
            &[],
        );
    }

    #[test]
    fn fce_goes_one_per_request_10003() {
        let fce = |v: &mut Voucher| {
            v.cbte_tipo = CbteTipo::FceFacturaA;
            v.opcionales = crate::validate::testing::fce_invoice_opcionales();
        };
        check(factura_a(), |v, _| fce(v), &[]);
        let mut first = factura_a();
        fce(&mut first);
        let request = CaeRequest::new(consecutive(first, 2)).unwrap();
        check_request(&request, &context(), &[10003]);
    }
}
