//! `FeCabReq` checks (§D.3): 10001 CantReg range, 10002 CantReg against the details sent,
//! 10003 details per request (RegXReq; one for FCE), 10004 PtoVta range, 10006/10007 CbteTipo.
//! All excluding, reported in `Errors`. 10000 (issuer registry) and 10005 (point of sale
//! registered) are not simulated: homologation accepts unlisted points of sale (§H.5).

use super::{Context, Finding};
use crate::wsfe::params;

pub(super) fn check(context: &Context<'_>, detail_count: usize) -> Vec<Finding> {
    let header = context.header;
    let mut findings = Vec::new();
    // 10001: CantReg within 1..9998.
    if !(1..=9998).contains(&header.cant_reg) {
        findings.push(Finding::new(
            10001,
            "Campo CantReg debe estar comprendido entre 1 y 9998.",
        ));
    }
    // 10002: the manual's text; "Informado" is CantReg and "Enviado" the details counted
    // (our reading: the example has no other way to tell them apart).
    if usize::try_from(header.cant_reg).ok() != Some(detail_count) {
        findings.push(Finding::new(
            10002,
            format!(
                "Campo CantReg debe ser igual a lo informado en detalle. Informado: {}, Enviado:{}",
                header.cant_reg, detail_count
            ),
        ));
    }
    // 10003: no more details than FECompTotXRequest allows; FCE goes one per request.
    let count = i64::try_from(detail_count).unwrap_or(i64::MAX);
    if count > context.reg_x_req {
        findings.push(Finding::new(
            10003,
            format!(
                "La cantidad de comprobantes informados supera el maximo permitido por request ({}). Consultar metodo FECompTotXRequest.",
                context.reg_x_req
            ),
        ));
    } else if params::is_fce(header.cbte_tipo) && count > 1 {
        findings.push(Finding::new(
            10003,
            "Para comprobantes del tipo Factura de Credito Electronica MiPyMEs (FCE) solo se permite informar un comprobante por request.",
        ));
    }
    // 10004: PtoVta within 1..99998.
    if !(1..=99998).contains(&header.pto_vta) {
        findings.push(Finding::new(
            10004,
            "Campo PtoVta debe estar comprendido entre 1 y 99998.",
        ));
    }
    // 10006 CbteTipo present (> 0); 10007 one of the types this service authorises.
    if header.cbte_tipo <= 0 {
        findings.push(Finding::new(
            10006,
            "Campo CbteTipo es obligatorio y debe ser mayor a 0.",
        ));
    } else if params::cbte_class(header.cbte_tipo).is_none() {
        findings.push(Finding::new(
            10007,
            format!(
                "Campo CbteTipo ({}) invalido. Consultar metodo FEParamGetTiposCbte.",
                header.cbte_tipo
            ),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use crate::wsfe::request::Header;
    use crate::wsfe::rules::fixtures;

    fn check(header: Header, detail_count: usize, expected: &[u32]) {
        let codes: Vec<u32> = fixtures::with_context(&header, |context| {
            super::check(context, detail_count).iter().map(|f| f.code).collect()
        });
        assert_eq!(codes, expected);
    }

    fn header(cant_reg: i64, pto_vta: i64, cbte_tipo: i64) -> Header {
        Header {
            cant_reg,
            pto_vta,
            cbte_tipo,
        }
    }

    #[test]
    fn valid_header_passes() {
        check(header(1, 1, 1), 1, &[]);
        check(header(250, 99998, 6), 250, &[]);
    }

    #[test]
    fn cant_reg_out_of_range_is_10001() {
        check(header(0, 1, 1), 0, &[10001]);
        check(header(9999, 1, 6), 9999, &[10001, 10003]);
    }

    #[test]
    fn cant_reg_not_matching_details_is_10002_with_the_manual_text() {
        let header = header(2, 1, 6);
        let findings = fixtures::with_context(&header, |context| super::check(context, 3));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, 10002);
        assert!(findings[0].excluding);
        assert_eq!(
            findings[0].message,
            "Campo CantReg debe ser igual a lo informado en detalle. Informado: 2, Enviado:3"
        );
    }

    #[test]
    fn too_many_details_and_fce_batches_are_10003() {
        check(header(251, 1, 6), 251, &[10003]);
        check(header(2, 1, 201), 2, &[10003]);
        check(header(1, 1, 201), 1, &[]);
    }

    #[test]
    fn point_of_sale_out_of_range_is_10004() {
        check(header(1, 0, 1), 1, &[10004]);
        check(header(1, 99999, 1), 1, &[10004]);
    }

    #[test]
    fn missing_or_unknown_voucher_type_is_10006_or_10007() {
        check(header(1, 1, 0), 1, &[10006]);
        check(header(1, 1, 14), 1, &[10007]);
        // Remitos are only valid as associated vouchers.
        check(header(1, 1, 91), 1, &[10007]);
    }
}
