//! The receiver's document: 10014 (class B/C batches go to unidentified consumidores finales below
//! the threshold), 10015 (`DocTipo` from the table; 99 goes with `DocNro` 0; identification at or
//! above the consumidor-final threshold; type 49 identifies the seller; FCE needs a CUIT), 10069
//! (the receiver is not the issuer).
//!
//! Readings (§D.7): the manual lists 10014/10015 together; we give 10014 to batch rules and 10015
//! to single-voucher ones. The threshold is compared with `ImpTotal × MonCotiz` in pesos
//! ("monto en pesos resultante según RG4444") and applied to class B and C — the manual's text
//! names B, its CAEA equivalents "B o C" — with "at or above" as the identifying case (RG 5700's
//! wording). With a foreign currency and no `MonCotiz` (`CanMisMonExt = S`) the peso amount is
//! unknown locally and the threshold is not checked.

use super::{Detail, ValidationIssue};
use crate::codes::{CONSUMIDOR_FINAL_DOC_NRO, CbteClass, DocTipo, Moneda};
use crate::money::Money;

pub(super) fn check(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let voucher = detail.voucher;
    let class = voucher.cbte_tipo.class();
    let unidentified = voucher.doc_tipo == DocTipo::OTRO.code();

    // 10015: the type must be one ARCA lists.
    if DocTipo::from_code(voucher.doc_tipo).is_none() {
        issues.push(detail.obs(
            "DocTipo",
            10015,
            format!(
                "Campo DocTipo ({}) invalido. Consultar metodo FEParamGetTiposDoc.",
                voucher.doc_tipo
            ),
        ));
        return;
    }

    // 10015: FCE goes to a CUIT (every class: an FCE A gets 10015, not 10013).
    if voucher.cbte_tipo.is_fce() && voucher.doc_tipo != DocTipo::CUIT.code() {
        issues.push(detail.obs(
            "DocTipo",
            10015,
            "Para Facturas de Credito Electronicas el campo DocTipo debe ser 80 (CUIT).",
        ));
    }

    // 10015: type 49 (buying used goods from a consumidor final) identifies the seller.
    if class == CbteClass::BienesUsados && unidentified {
        issues.push(detail.obs(
            "DocTipo",
            10015,
            "Para comprobantes tipo 49 el campo DocTipo no puede ser 99.",
        ));
    }

    // 10015: 99 means "not identified", so it carries no number.
    if unidentified && voucher.doc_nro != CONSUMIDOR_FINAL_DOC_NRO {
        issues.push(detail.obs("DocNro", 10015, "Si DocTipo es 99 el campo DocNro debe ser 0."));
    }

    if matches!(class, CbteClass::B | CbteClass::C) && !voucher.cbte_tipo.is_fce() {
        check_consumidor_final(detail, unidentified, issues);
    }

    // 10069: nobody invoices themselves.
    if voucher.doc_nro == detail.ctx.issuer.as_u64() {
        issues.push(detail.obs("DocNro", 10069, "Campo DocNro no puede ser igual a la CUIT del emisor."));
    }
}

/// The consumidor-final threshold and batches (10014, 10015).
fn check_consumidor_final(detail: &Detail<'_>, unidentified: bool, issues: &mut Vec<ValidationIssue>) {
    let voucher = detail.voucher;
    let threshold = detail.ctx.consumidor_final_threshold;
    let cotiz = voucher
        .mon_cotiz
        .or_else(|| (Moneda::from_code(&voucher.mon_id) == Some(Moneda::PES)).then_some(rust_decimal::Decimal::ONE));
    let batch = voucher.cbte_desde != voucher.cbte_hasta;

    if batch {
        if !unidentified {
            issues.push(detail.obs(
                "DocTipo",
                10014,
                "Para lotes de comprobantes clase B el campo DocTipo debe ser 99 y DocNro 0.",
            ));
        }
        // The average per voucher must stay under the threshold.
        let count = voucher.cbte_hasta.saturating_sub(voucher.cbte_desde).saturating_add(1);
        if let Some(cotiz) = cotiz {
            let per_voucher = Money::new(voucher.imp_total.amount() * cotiz / rust_decimal::Decimal::from(count));
            if per_voucher >= threshold {
                issues.push(detail.obs(
                    "ImpTotal",
                    10014,
                    format!("Lote de comprobantes: el importe por comprobante debe ser menor a {threshold} pesos."),
                ));
            }
        }
        return;
    }

    if let Some(cotiz) = cotiz
        && unidentified
        && voucher.imp_total * cotiz >= threshold
    {
        issues.push(detail.obs(
                "DocTipo",
                10015,
                format!("Comprobantes de importe igual o superior a {threshold} pesos deben identificar al receptor (DocTipo distinto de 99)."),
            ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, factura_a, factura_b, money};
    use crate::codes::CbteTipo;

    #[test]
    fn doc_tipo_must_be_in_the_table_10015() {
        check(factura_b(), |v, _| v.doc_tipo = 15, &[10015]);
    }

    #[test]
    fn unidentified_means_doc_nro_zero_10015() {
        check(factura_b(), |v, _| v.doc_nro = 12_345_678, &[10015]);
    }

    #[test]
    fn above_the_threshold_the_receiver_is_identified_10015() {
        check(
            factura_b(),
            |_, ctx| ctx.consumidor_final_threshold = money("1210.00"),
            &[10015],
        );
        check(
            factura_b(),
            |_, ctx| ctx.consumidor_final_threshold = money("1210.01"),
            &[],
        );
        // Identified receivers are fine at any amount.
        check(
            factura_b(),
            |v, ctx| {
                ctx.consumidor_final_threshold = money("1000");
                v.doc_tipo = 96;
                v.doc_nro = 30_000_000;
            },
            &[],
        );
    }

    #[test]
    fn batches_only_for_unidentified_consumidores_finales_10014() {
        check(
            factura_b(),
            |v, _| {
                v.cbte_hasta = 1837;
                v.doc_tipo = 96;
                v.doc_nro = 30_000_000;
            },
            &[10014],
        );
        // Two vouchers of 605 each, threshold 605: the average is not below it.
        check(
            factura_b(),
            |v, ctx| {
                v.cbte_hasta = 1837;
                ctx.consumidor_final_threshold = money("605");
            },
            &[10014],
        );
    }

    #[test]
    fn used_goods_identify_the_seller_10015() {
        check(
            factura_b(),
            |v, _| {
                v.cbte_tipo = CbteTipo::CompraBienesUsados;
            },
            &[10015],
        );
    }

    #[test]
    fn fce_goes_to_a_cuit_10015() {
        check(
            factura_b(),
            |v, _| {
                v.cbte_tipo = CbteTipo::FceFacturaB;
                v.fch_vto_pago = v.cbte_fch;
                v.opcionales = crate::validate::testing::fce_invoice_opcionales();
                v.doc_tipo = 96;
                v.doc_nro = 30_000_000;
            },
            &[10015],
        );
    }

    #[test]
    fn not_to_oneself_10069() {
        check(factura_a(), |v, _| v.doc_nro = 20_267_565_393, &[10069]);
    }
}
