//! `CondicionIVAReceptorId` (RG 5616): 10246 (mandatory), 10242 (a value of
//! FEParamGetCondicionIvaReceptor), 10243 (valid for the voucher's class, per the manual's matrix
//! in [`crate::codes::CondicionIvaReceptor::allowed_classes`]).
//!
//! 10246 is excluding since homologation made the field mandatory (2025-06-09) and production
//! followed (announced for 2025-07-01), so a missing value is reported, not merely observed
//! (10245, retired per manual v4.8).

use super::{Detail, ValidationIssue};
use crate::codes::CondicionIvaReceptor;

/// ARCA's literal 10246 message.
const MANDATORY_MESSAGE: &str = "Campo Condicion Frente al IVA del receptor es obligatorio conforme a lo reglamentado por la Resolucion General N° 5616.";

/// ARCA's literal 10242 message (its "Consular" typo included).
const INVALID_MESSAGE: &str =
    "El campo Condicion IVA receptor no es un valor valido. Consular metodo FEParamGetCondicionIvaReceptor";

pub(super) fn check(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let Some(code) = detail.voucher.condicion_iva_receptor_id else {
        issues.push(detail.obs("CondicionIVAReceptorId", 10246, MANDATORY_MESSAGE));
        return;
    };
    let Some(condition) = CondicionIvaReceptor::from_code(code) else {
        issues.push(detail.obs("CondicionIVAReceptorId", 10242, INVALID_MESSAGE));
        return;
    };
    let class = detail.voucher.cbte_tipo.class();
    if !condition.allows(class) {
        issues.push(detail.obs(
            "CondicionIVAReceptorId",
            10243,
            format!(
                "El campo Condicion IVA receptor ({code} - {}) no es valido para comprobantes clase {}. Consultar metodo FEParamGetCondicionIvaReceptor",
                condition.description(),
                class.clase_cmp()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, factura_a, factura_b};

    #[test]
    fn condition_is_mandatory_10246() {
        check(factura_a(), |v, _| v.condicion_iva_receptor_id = None, &[10246]);
    }

    #[test]
    fn condition_from_the_table_10242() {
        check(factura_a(), |v, _| v.condicion_iva_receptor_id = Some(2), &[10242]);
    }

    #[test]
    fn condition_fits_the_class_10243() {
        // A consumidor final cannot receive a Factura A…
        check(factura_a(), |v, _| v.condicion_iva_receptor_id = Some(5), &[10243]);
        // …nor a responsable inscripto a Factura B; a monotributista may receive an A.
        check(factura_b(), |v, _| v.condicion_iva_receptor_id = Some(1), &[10243]);
        check(factura_a(), |v, _| v.condicion_iva_receptor_id = Some(6), &[]);
    }
}
