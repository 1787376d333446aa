//! `Opcionales` (§D.9, basics): 10068 only for the voucher types that may carry them, 10052 at
//! least one `Opcional`, 10053 Id from `FEParamGetTiposOpcional`, 10054 no repeated Id (1801,
//! 1802, 23, 2901 and 2902 may repeat), 10055 Valor present. Then FCE MiPyMEs (§M.1): 10169
//! opcionales 2101, 2102, 22 and 27 only on FCE types; on FCE types 10162 `Opcionales` present,
//! 10165 a CBU (2101) of 22 digits whose two check digits hold, 10168 invoices carry 2101, 10170
//! at least one of 2101/22/27 (when any opcional is sent), 10171 no 22 on invoices, 10173 notes
//! carry 22 with `S` or `N`, 10215 27 is `SCA` or `ADC`, 10216 invoices carry 27. The other
//! per-regime value domains (10064–10132, 10166/10167, …) are not simulated.

use super::{Finding, Voucher};
use crate::wsfe::params::{self, Kind};
use crate::wsfe::request::Opcional;

/// Ids that may appear more than once (RG 4004 co-owners, FCE commercial references,
/// Seguros de Caución).
const REPEATABLE: &[&str] = &["1801", "1802", "23", "2901", "2902"];

/// The voucher types that accept `Opcionales` (10068).
fn accepts_opcionales(tipo: i64) -> bool {
    matches!(
        tipo,
        1..=4 | 6..=9 | 11..=13 | 15 | 49 | 51..=54 | 63 | 64 | 201..=203 | 206..=208 | 211..=213
    )
}

/// The opcionales that belong to FCE vouchers only (10169).
const FCE_ONLY: &[&str] = &["2101", "2102", "22", "27"];

pub(super) fn check(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    check_basics(voucher, findings);
    if voucher.fce {
        check_fce(voucher, findings);
    } else {
        for item in voucher.detail.opcionales.iter().flatten() {
            let id = item.id.trim();
            if FCE_ONLY.contains(&id) {
                findings.push(Finding::new(
                    10169,
                    format!("El Opcional Id {id} solo puede informarse para comprobantes del tipo Factura de Credito Electronica MiPyMEs (FCE)."),
                ));
            }
        }
    }
}

/// A Clave Bancaria Uniforme: 22 digits; digit 8 checks digits 1–7 (weights 7 1 3 9 7 1 3) and
/// digit 22 checks digits 9–21 (weights 3 9 7 1 3 9 7 1 3 9 7 1 3), each as the complement to
/// 10 of the weighted sum's last digit.
fn is_cbu(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 22 || text.len() != 22 {
        return false;
    }
    let check_digit = |body: &[u32], weights: [u32; 13]| {
        let sum: u32 = body.iter().zip(weights).map(|(d, w)| d * w).sum();
        (10 - sum % 10) % 10
    };
    let bank = check_digit(&digits[0..7], [7, 1, 3, 9, 7, 1, 3, 0, 0, 0, 0, 0, 0]);
    let account = check_digit(&digits[8..21], [3, 9, 7, 1, 3, 9, 7, 1, 3, 9, 7, 1, 3]);
    bank == digits[7] && account == digits[21]
}

/// The FCE value rules (see the module documentation).
fn check_fce(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let items: &[Opcional] = voucher.detail.opcionales.as_deref().unwrap_or_default();
    if voucher.detail.opcionales.is_none() {
        findings.push(Finding::new(
            10162,
            "Si el tipo de comprobante que esta autorizando es MiPyMEs (FCE), es obligatorio informar el objeto Opcionales.",
        ));
    }
    let with_id = |id: &'static str| items.iter().filter(move |item| item.id.trim() == id);
    let invoice = voucher.kind == Kind::Invoice;
    for cbu in with_id("2101") {
        if !is_cbu(cbu.valor.trim()) {
            findings.push(Finding::new(
                10165,
                "El contenido del campo VALOR para Opcionales de Facturas de Credito ID=2101. El valor correcto es un CBU valido, numerico de 22 caracteres numericos.",
            ));
        }
    }
    if invoice && with_id("2101").next().is_none() {
        findings.push(Finding::new(
            10168,
            "Si el tipo de comprobante que esta autorizando es MiPyMEs (FCE) del tipo Factura, es obligatorio informar el Opcional ID=2101 (CBU del emisor).",
        ));
    }
    if !items.is_empty() && ["2101", "22", "27"].into_iter().all(|id| with_id(id).next().is_none()) {
        findings.push(Finding::new(
            10170,
            "Si el tipo de comprobante que esta autorizando es MiPyMEs (FCE), debe informar al menos uno de los Opcionales ID 2101, 22 o 27.",
        ));
    }
    let flags: Vec<&Opcional> = with_id("22").collect();
    if invoice && !flags.is_empty() {
        findings.push(Finding::new(
            10171,
            "Si el tipo de comprobante que esta autorizando es MiPyMEs (FCE) del tipo Factura, no debe informar el Opcional ID=22 (anulacion).",
        ));
    }
    let one_valid_flag = flags.len() == 1 && matches!(flags[0].valor.trim(), "S" | "N");
    if !invoice && !one_valid_flag {
        findings.push(Finding::new(
            10173,
            "Si el tipo de comprobante que esta autorizando es MiPyMEs (FCE) del tipo Debito o Credito, es obligatorio informar el Opcional ID=22 con valor S o N.",
        ));
    }
    for option in with_id("27") {
        if !matches!(option.valor.trim(), "SCA" | "ADC") {
            findings.push(Finding::new(
                10215,
                "El valor del Opcional ID=27 (transferencia) debe ser SCA (Sistema de Circulacion Abierta) o ADC (Agente de Deposito Colectivo).",
            ));
        }
    }
    if invoice && with_id("27").next().is_none() {
        findings.push(Finding::new(
            10216,
            "Si el tipo de comprobante que esta autorizando es MiPyMEs (FCE) del tipo Factura, es obligatorio informar el Opcional ID=27.",
        ));
    }
}

/// 10068, 10052–10055.
fn check_basics(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    let Some(items) = voucher.detail.opcionales.as_deref() else {
        return;
    };
    if !accepts_opcionales(voucher.tipo) {
        findings.push(Finding::new(
            10068,
            format!(
                "Para el tipo de comprobante {} no debe informarse el objeto Opcionales.",
                voucher.tipo
            ),
        ));
        return;
    }
    if items.is_empty() {
        findings.push(Finding::new(
            10052,
            "Si informa el objeto Opcionales debe informar al menos un Opcional.",
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for item in items {
        let id = item.id.trim();
        if !params::opcional_exists(id) {
            findings.push(Finding::new(
                10053,
                format!("Campo Id de Opcional ({id}) invalido. Consultar metodo FEParamGetTiposOpcional."),
            ));
        }
        if seen.contains(&id) && !REPEATABLE.contains(&id) {
            findings.push(Finding::new(10054, format!("El Opcional Id {id} esta repetido.")));
        }
        seen.push(id);
        if item.valor.trim().is_empty() {
            findings.push(Finding::new(
                10055,
                format!("Campo Valor del Opcional Id {id} es obligatorio."),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::check;
    use crate::wsfe::request::Opcional;

    fn opcional(id: &str, valor: &str) -> Opcional {
        Opcional {
            id: id.to_string(),
            valor: valor.to_string(),
        }
    }

    #[test]
    fn opcionales_on_other_types_are_10068() {
        check(5, |d| d.opcionales = Some(vec![opcional("2", "12345678")]), &[10068]);
        check(1, |d| d.opcionales = Some(vec![opcional("2", "12345678")]), &[]);
    }

    #[test]
    fn empty_opcionales_is_10052() {
        check(1, |d| d.opcionales = Some(vec![]), &[10052]);
    }

    #[test]
    fn unknown_id_is_10053() {
        check(1, |d| d.opcionales = Some(vec![opcional("3", "x")]), &[10053]);
    }

    #[test]
    fn repeated_id_is_10054_except_the_repeatable_ones() {
        check(
            1,
            |d| d.opcionales = Some(vec![opcional("2", "1"), opcional("2", "2")]),
            &[10054],
        );
        check(
            1,
            |d| d.opcionales = Some(vec![opcional("1801", "1"), opcional("1801", "2")]),
            &[],
        );
    }

    #[test]
    fn missing_value_is_10055() {
        check(1, |d| d.opcionales = Some(vec![opcional("2", " ")]), &[10055]);
    }

    const CBU: &str = super::super::fixtures::FCE_CBU;

    #[test]
    fn cbu_check_digits() {
        assert!(super::is_cbu(CBU));
        assert!(super::is_cbu("0170001540000001234532"));
        assert!(!super::is_cbu("2850590840090418135201"));
        assert!(!super::is_cbu("2850590940090418135202"));
        assert!(!super::is_cbu("28505909400904181352"));
        assert!(!super::is_cbu("285059094009041813520１"));
    }

    #[test]
    fn fce_opcionales_outside_fce_are_10169() {
        check(1, |d| d.opcionales = Some(vec![opcional("2101", CBU)]), &[10169]);
        check(
            6,
            |d| d.opcionales = Some(vec![opcional("27", "SCA"), opcional("22", "N")]),
            &[10169, 10169],
        );
        check(1, |d| d.opcionales = Some(vec![opcional("23", "OC 1")]), &[]);
    }

    #[test]
    fn fce_without_opcionales_is_10162() {
        check(201, |d| d.opcionales = None, &[10162, 10168, 10216]);
        check(203, |d| d.opcionales = None, &[10162, 10173]);
    }

    #[test]
    fn fce_cbu_is_10165_and_mandatory_on_invoices_10168() {
        check(
            201,
            |d| d.opcionales.as_mut().expect("opcionales")[0].valor = "0110012345678901234567".into(),
            &[10165],
        );
        check(206, |d| d.opcionales = Some(vec![opcional("27", "ADC")]), &[10168]);
    }

    #[test]
    fn fce_needs_one_of_cbu_annulment_transfer_10170() {
        check(
            203,
            |d| d.opcionales = Some(vec![opcional("2102", "alias.pagos")]),
            &[10170, 10173],
        );
    }

    #[test]
    fn fce_annulment_flag_is_10171_on_invoices_and_10173_on_notes() {
        check(
            211,
            |d| d.opcionales.as_mut().expect("opcionales").push(opcional("22", "N")),
            &[10171],
        );
        check(208, |d| d.opcionales = Some(vec![opcional("2101", CBU)]), &[10173]);
        check(212, |d| d.opcionales = Some(vec![opcional("22", "X")]), &[10173]);
        check(
            203,
            |d| d.opcionales = Some(vec![opcional("22", "S"), opcional("2101", CBU)]),
            &[],
        );
    }

    #[test]
    fn fce_transfer_option_is_10215_and_mandatory_on_invoices_10216() {
        check(
            201,
            |d| d.opcionales.as_mut().expect("opcionales")[1].valor = "XYZ".into(),
            &[10215],
        );
        check(
            201,
            |d| d.opcionales.as_mut().expect("opcionales").truncate(1),
            &[10216],
        );
    }
}
