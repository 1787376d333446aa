//! `Opcionales` (§D.9, basics): 10068 only for the voucher types that may carry them, 10052 at
//! least one `Opcional`, 10053 Id from `FEParamGetTiposOpcional`, 10054 no repeated Id (1801,
//! 1802, 23, 2901 and 2902 may repeat), 10055 Valor present. The per-regime value domains
//! (10064–10132, 10162–10173, …) are not simulated.

use super::{Finding, Voucher};
use crate::wsfe::params;

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

pub(super) fn check(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
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
}
