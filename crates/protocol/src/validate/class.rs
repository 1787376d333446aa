//! Voucher class rules: 10007 (the type is one the issuer may use), 10011 (class B ranges:
//! `CbteHasta ≥ CbteDesde`), 10012 (A, C, M, 49 and FCE: one voucher per detail), 10013 (class A
//! and M go to a CUIT, `DocTipo` 80; an FCE A's is 10015, as for every FCE).
//!
//! 10007 reading: ARCA's 10007 checks that `CbteTipo` is in its list of authorizable types, which
//! a [`crate::codes::CbteTipo`] always is. What remains checkable locally is the class against the
//! issuer's IVA condition (RI: A/B/M; monotributo and exento: C; anyone: 49), which ARCA reports
//! under 10000's sub-messages ("no se encuentra inscripto en IVA", …) — we report it as 10007 so
//! that one code means "this voucher type is not for this issuer". Skipped when the condition is
//! unknown.

use super::{Detail, ValidationIssue};
use crate::codes::{CbteClass, DocTipo};

pub(super) fn check(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let voucher = detail.voucher;
    let class = voucher.cbte_tipo.class();

    // 10007: the issuer's IVA condition decides the classes it may issue.
    if let Some(condition) = detail.ctx.issuer_iva_condition {
        let allowed = condition.may_issue(class);
        if !allowed {
            issues.push(ValidationIssue::err(
                "FeCabReq.CbteTipo",
                10007,
                format!(
                    "Campo CbteTipo: el emisor no esta habilitado a emitir comprobantes clase {}.",
                    class.clase_cmp()
                ),
            ));
        }
    }

    // 10012 / 10011: only class B (non-FCE) may authorize a range in one detail.
    let single_only = voucher.cbte_tipo.is_fce() || class != CbteClass::B;
    if single_only && voucher.cbte_desde != voucher.cbte_hasta {
        issues.push(detail.obs(
            "CbteHasta",
            10012,
            "Para comprobantes clase A, C, M, 49 y FCE el campo CbteDesde debe ser igual a CbteHasta.",
        ));
    } else if voucher.cbte_hasta < voucher.cbte_desde {
        issues.push(detail.obs(
            "CbteHasta",
            10011,
            "Campo CbteHasta debe ser mayor o igual a CbteDesde.",
        ));
    }

    // 10013: class A and A-con-leyenda identify the receiver by CUIT (FCE: 10015, `receiver.rs`).
    if matches!(class, CbteClass::A | CbteClass::M)
        && !voucher.cbte_tipo.is_fce()
        && voucher.doc_tipo != DocTipo::CUIT.code()
    {
        issues.push(detail.obs(
            "DocTipo",
            10013,
            "Para comprobantes clase A y M el campo DocTipo debe ser igual a 80 (CUIT).",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::IssuerIvaCondition;
    use super::super::testing::{check, factura_a, factura_b, factura_c};

    #[test]
    fn issuer_condition_decides_the_class_10007() {
        // A monotributista cannot issue a Factura A…
        check(
            factura_a(),
            |_, ctx| ctx.issuer_iva_condition = Some(IssuerIvaCondition::Monotributo),
            &[10007],
        );
        // …nor a responsable inscripto a Factura C.
        check(factura_c(), |_, _| {}, &[10007]);
        // Unknown condition: not checked.
        check(factura_c(), |_, ctx| ctx.issuer_iva_condition = None, &[]);
    }

    #[test]
    fn class_a_is_one_voucher_per_detail_10012() {
        check(factura_a(), |v, _| v.cbte_hasta = 1837, &[10012]);
    }

    #[test]
    fn class_b_ranges_go_upwards_10011() {
        // A range of B vouchers to consumidores finales is fine…
        check(
            factura_b(),
            |v, _| {
                v.cbte_hasta = 1837;
            },
            &[],
        );
        // …but not backwards (the number itself is the next one, so only 10011 fires).
        check(factura_b(), |v, _| v.cbte_hasta = 1835, &[10011]);
    }

    #[test]
    fn class_a_receivers_have_a_cuit_10013() {
        check(
            factura_a(),
            |v, _| {
                v.doc_tipo = 96;
                v.doc_nro = 30_000_000;
            },
            &[10013],
        );
    }
}
