//! Factura de Crédito Electrónica MiPyMEs (types 201–213): the rules only FCE vouchers follow, and
//! the one that keeps FCE's opcionales off every other voucher.
//!
//! - 10169: opcionales 2101, 2102, 22 and 27 only on FCE vouchers.
//! - 10162: an FCE voucher carries `Opcionales`.
//! - 10168: an FCE invoice carries the issuer's CBU (2101); 10165: a CBU is 22 digits whose two
//!   check digits hold ([`is_valid_cbu`]).
//! - 10170: at least one of 2101, 22 or 27 (reported only when `Opcionales` is not empty; an empty
//!   array is 10162's).
//! - 10171: no annulment flag (22) on invoices; 10173: notes carry it, `S` or `N` (our reading:
//!   a value other than `S`/`N` is 10173 too, "the flag is missing").
//! - 10216: an FCE invoice carries the transfer option (27); 10215: 27 is `SCA` or `ADC`.
//! - 10163: `FchVtoPago` on FCE invoices; 10164: not before `CbteFch` nor before N; 10175: no
//!   `FchVtoPago` on FCE notes unless they annul (22 = `S`).
//! - 10151: every `CbteAsoc` of an FCE note names the associated voucher's issuer CUIT (11
//!   digits); 10158: and its date; 10159: the note is not dated before it.
//! - 10194: no `Compradores`.
//!
//! FCE rules checked elsewhere: 10003 (one voucher per request, `header.rs`), 10012 (one number
//! per detail, `class.rs`), 10013/10015 (`DocTipo` 80, `class.rs` and `receiver.rs`), 10016 and
//! 10152 (FCE date windows, `dates.rs`), 10040 (what FCE vouchers may reference,
//! `associated.rs`), 10042 (`Tributo/Desc`, `iva_and_tributos.rs`). Left to ARCA: whether the
//! associated voucher exists (10160), the registry checks (10000 sub-message 10, 10176, 10177,
//! 10188, 10192) and the per-value checks of other opcionales (10166/10167), whose texts the
//! reference does not give.

use super::{Detail, ValidationIssue};
use crate::codes::Opcional as OpcionalTipo;
use crate::voucher::Opcional;

/// The transfer options opcional 27 takes: `SCA` (sistema de circulación abierta) and `ADC`
/// (agente de depósito colectivo).
pub const TRANSFER_OPTIONS: [&str; 2] = ["SCA", "ADC"];

/// Whether `text` is a CBU (Clave Bancaria Uniforme): 22 ASCII digits in two blocks, each ending
/// in its check digit. The first block (bank 3 + branch 4 + check) weighs its seven digits
/// 7, 1, 3, 9, 7, 1, 3; the second (account 13 + check) weighs its thirteen 3, 9, 7, 1, 3, 9, 7,
/// 1, 3, 9, 7, 1, 3; each check digit is `(10 − sum mod 10) mod 10`.
pub fn is_valid_cbu(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 22 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let digits: Vec<u32> = bytes.iter().map(|b| u32::from(b - b'0')).collect();
    block_holds(&digits[..8], &[7, 1, 3, 9, 7, 1, 3])
        && block_holds(&digits[8..], &[3, 9, 7, 1, 3, 9, 7, 1, 3, 9, 7, 1, 3])
}

/// `block`'s last digit is the check digit of the others under `weights`.
fn block_holds(block: &[u32], weights: &[u32]) -> bool {
    let Some((check, body)) = block.split_last() else {
        return false;
    };
    let sum: u32 = body.iter().zip(weights).map(|(digit, weight)| digit * weight).sum();
    (10 - sum % 10) % 10 == *check
}

pub(super) fn check(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    if !detail.voucher.cbte_tipo.is_fce() {
        check_fce_only_opcionales(detail, issues);
        return;
    }
    check_opcionales(detail, issues);
    check_due_date(detail, issues);
    if detail.voucher.cbte_tipo.is_note() {
        check_associated(detail, issues);
    }
    // 10194: an FCE is not shared among buyers.
    if !detail.voucher.compradores.is_empty() {
        issues.push(detail.obs(
            "Compradores",
            10194,
            "Para Facturas de Credito Electronicas MiPyMEs no puede informarse el array Compradores.",
        ));
    }
}

/// 10169 on vouchers that are not FCE.
fn check_fce_only_opcionales(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    for (index, opcional) in detail.voucher.opcionales.iter().enumerate() {
        if OpcionalTipo::from_code(opcional.id.trim()).is_some_and(OpcionalTipo::is_fce_only) {
            issues.push(detail.obs(
                &format!("Opcionales[{index}].Id"),
                10169,
                format!(
                    "El Opcional Id {} solo puede informarse en Facturas de Credito Electronicas MiPyMEs.",
                    opcional.id.trim()
                ),
            ));
        }
    }
}

/// The opcionales of an FCE voucher: 10162, 10165, 10168, 10170, 10171, 10173, 10215, 10216.
fn check_opcionales(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let voucher = detail.voucher;
    let opcionales = &voucher.opcionales;
    if opcionales.is_empty() {
        issues.push(detail.obs(
            "Opcionales",
            10162,
            "Para Facturas de Credito Electronicas MiPyMEs es obligatorio informar Opcionales.",
        ));
    }
    let invoice = voucher.cbte_tipo.is_invoice();
    let of = |tipo: OpcionalTipo| {
        opcionales
            .iter()
            .enumerate()
            .filter(move |(_, opcional)| opcional.id.trim() == tipo.code())
    };
    let has = |tipo: OpcionalTipo| of(tipo).next().is_some();

    // 10165: a CBU is a CBU.
    for (index, cbu) in of(OpcionalTipo::FCE_CBU) {
        if !is_valid_cbu(cbu.valor.trim()) {
            issues.push(detail.obs(
                &format!("Opcionales[{index}].Valor"),
                10165,
                "El contenido del campo VALOR para Opcionales de Facturas de Credito ID=2101. El valor correcto es un CBU valido, numerico de 22 caracteres numericos.",
            ));
        }
    }
    // 10170: at least one of CBU, annulment flag, transfer option.
    if !opcionales.is_empty()
        && ![
            OpcionalTipo::FCE_CBU,
            OpcionalTipo::FCE_ANULACION,
            OpcionalTipo::FCE_TRANSFERENCIA,
        ]
        .into_iter()
        .any(has)
    {
        issues.push(detail.obs(
            "Opcionales",
            10170,
            "Para Facturas de Credito Electronicas MiPyMEs debe informarse al menos uno de los Opcionales 2101, 22 o 27.",
        ));
    }
    if invoice {
        // 10168: the invoice says where to pay.
        if !has(OpcionalTipo::FCE_CBU) {
            issues.push(detail.obs(
                "Opcionales",
                10168,
                "Para Facturas de Credito Electronicas MiPyMEs del tipo Factura es obligatorio informar el Opcional 2101 (CBU del emisor).",
            ));
        }
        // 10171: only notes annul.
        for (index, _) in of(OpcionalTipo::FCE_ANULACION) {
            issues.push(detail.obs(
                &format!("Opcionales[{index}].Id"),
                10171,
                "El Opcional 22 (anulacion) no puede informarse en Facturas de Credito Electronicas MiPyMEs del tipo Factura.",
            ));
        }
        // 10216: the invoice names its transfer option.
        if !has(OpcionalTipo::FCE_TRANSFERENCIA) {
            issues.push(detail.obs(
                "Opcionales",
                10216,
                "Para Facturas de Credito Electronicas MiPyMEs del tipo Factura es obligatorio informar el Opcional 27 (SCA o ADC).",
            ));
        }
    } else {
        // 10173: a note says whether it annuls, S or N.
        let flags: Vec<(usize, &Opcional)> = of(OpcionalTipo::FCE_ANULACION).collect();
        if flags.is_empty() {
            issues.push(detail.obs(
                "Opcionales",
                10173,
                "Para Notas de Debito y Credito FCE es obligatorio informar el Opcional 22 (anulacion) con valor S o N.",
            ));
        }
        for (index, flag) in flags {
            if !matches!(flag.valor.trim(), "S" | "N") {
                issues.push(detail.obs(
                    &format!("Opcionales[{index}].Valor"),
                    10173,
                    "El Opcional 22 (anulacion) debe tener valor S o N.",
                ));
            }
        }
    }
    // 10215: SCA or ADC.
    for (index, option) in of(OpcionalTipo::FCE_TRANSFERENCIA) {
        if !TRANSFER_OPTIONS.contains(&option.valor.trim()) {
            issues.push(detail.obs(
                &format!("Opcionales[{index}].Valor"),
                10215,
                "El Opcional 27 (transferencia) debe tener valor SCA o ADC.",
            ));
        }
    }
}

/// Whether the voucher annuls its invoice (opcional 22 = `S`).
fn annuls(detail: &Detail<'_>) -> bool {
    detail
        .voucher
        .opcionales
        .iter()
        .any(|opcional| opcional.id.trim() == OpcionalTipo::FCE_ANULACION.code() && opcional.valor.trim() == "S")
}

/// 10163, 10164, 10175.
fn check_due_date(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let voucher = detail.voucher;
    if voucher.cbte_tipo.is_invoice() {
        match voucher.fch_vto_pago {
            None => issues.push(detail.obs(
                "FchVtoPago",
                10163,
                "El campo FchVtoPago es obligatorio informar si es una Factura de Credito.",
            )),
            Some(due) if due < detail.cbte_fch().max(detail.ctx.today) => issues.push(detail.obs(
                "FchVtoPago",
                10164,
                "Campo FchVtoPago debe ser igual o posterior a la fecha del comprobante y a la fecha de envio del pedido de autorizacion.",
            )),
            Some(_) => {}
        }
    } else if voucher.fch_vto_pago.is_some() && !annuls(detail) {
        issues.push(detail.obs(
            "FchVtoPago",
            10175,
            "Si el tipo de comprobante que está autorizando es MiPyMEs (FCE), el campo fecha de vencimiento para el pago <FchVtoPago> no debe informarse si NO es Factura de Crédito. En el caso de ser Débito o Crédito, solo puede informarse si es de Anulación.",
        ));
    }
}

/// 10151, 10158, 10159 on an FCE note's associated vouchers.
fn check_associated(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let note_date = detail.cbte_fch();
    for (index, asociado) in detail.voucher.cbtes_asoc.iter().enumerate() {
        let element = |name: &str| format!("CbtesAsoc[{index}].{name}");
        if !asociado
            .cuit
            .is_some_and(|cuit| (10_000_000_000..=99_999_999_999).contains(&cuit))
        {
            issues.push(detail.obs(
                &element("Cuit"),
                10151,
                "Si el tipo de comprobante que esta autorizando es MiPyMEs (FCE) del tipo Debito o Credito, el campo CbtesAsoc.Cuit debe informarlo.",
            ));
        }
        match asociado.cbte_fch {
            None => issues.push(detail.obs(
                &element("CbteFch"),
                10158,
                "El campo CbteAsoc.CbteFch es obligatorio informar si es una Factura de Credito.",
            )),
            Some(invoice_date) if note_date < invoice_date => issues.push(detail.obs(
                "CbteFch",
                10159,
                format!(
                    "Campo CbteFch ({}) no puede ser anterior a la fecha del comprobante asociado ({}).",
                    note_date.format("%Y%m%d"),
                    invoice_date.format("%Y%m%d")
                ),
            )),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, date, factura_a};
    use super::is_valid_cbu;
    use crate::codes::CbteTipo;
    use crate::voucher::{CbteAsoc, Comprador, Opcional, Voucher};

    /// The CBU of the recorded FCE note 203 (§M.1): both check digits hold.
    const CBU: &str = "2850590940090418135201";

    fn opcional(id: &str, valor: &str) -> Opcional {
        Opcional {
            id: id.to_owned(),
            valor: valor.to_owned(),
        }
    }

    /// The recorded Factura A as an FCE A invoice (201): products, due in 30 days, CBU and SCA.
    fn fce_invoice() -> Voucher {
        Voucher {
            cbte_tipo: CbteTipo::FceFacturaA,
            concepto: crate::codes::Concepto::Productos,
            fch_serv_desde: None,
            fch_serv_hasta: None,
            fch_vto_pago: Some(date(2021, 7, 31)),
            opcionales: vec![opcional("2101", CBU), opcional("27", "SCA")],
            ..factura_a()
        }
    }

    /// The shape of the recorded FCE credit note 203 (§M.1): opcionales 2101, 2102 and 22 = S,
    /// associated with invoice 201 with its issuer CUIT and date; annulling, so a due date is
    /// allowed.
    fn fce_note() -> Voucher {
        Voucher {
            cbte_tipo: CbteTipo::FceNotaCreditoA,
            fch_vto_pago: None,
            opcionales: vec![opcional("2101", CBU), opcional("2102", "pyafipws"), opcional("22", "S")],
            cbtes_asoc: vec![CbteAsoc {
                tipo: 201,
                pto_vta: 4000,
                nro: 1,
                cuit: Some(20_267_565_393),
                cbte_fch: Some(date(2021, 6, 30)),
            }],
            ..fce_invoice()
        }
    }

    #[test]
    fn cbu_check_digits() {
        assert!(is_valid_cbu(CBU));
        assert!(is_valid_cbu("0170001540000001234532"));
        // Each block's check digit, and the shape.
        assert!(!is_valid_cbu("2850590840090418135201"));
        assert!(!is_valid_cbu("2850590940090418135202"));
        assert!(!is_valid_cbu("285059094009041813520"));
        assert!(!is_valid_cbu("28505909400904181352011"));
        assert!(!is_valid_cbu("285059094009041813520a"));
        assert!(!is_valid_cbu(""));
    }

    #[test]
    fn a_correct_fce_invoice_and_note_pass() {
        check(fce_invoice(), |_, _| {}, &[]);
        check(fce_note(), |_, _| {}, &[]);
        check(fce_note(), |v, _| v.fch_vto_pago = Some(date(2021, 7, 31)), &[]);
        // A not-annulling note, and a commercial reference on the invoice.
        check(fce_note(), |v, _| v.opcionales = vec![opcional("22", "N")], &[]);
        check(
            fce_invoice(),
            |v, _| {
                v.opcionales.push(opcional("23", "OC 1234"));
                v.opcionales.push(opcional("23", "Remito 55"));
                v.opcionales.push(opcional("2102", "mi.alias-1"));
            },
            &[],
        );
    }

    #[test]
    fn fce_opcionales_only_on_fce_10169() {
        check(factura_a(), |v, _| v.opcionales = vec![opcional("2101", CBU)], &[10169]);
        check(
            factura_a(),
            |v, _| v.opcionales = vec![opcional("2102", "alias"), opcional("22", "N"), opcional("27", "SCA")],
            &[10169, 10169, 10169],
        );
        // 23 is not on the list.
        check(factura_a(), |v, _| v.opcionales = vec![opcional("23", "OC 1")], &[]);
    }

    #[test]
    fn fce_needs_opcionales_10162() {
        check(fce_note(), |v, _| v.opcionales = vec![], &[10162, 10173]);
        check(fce_invoice(), |v, _| v.opcionales = vec![], &[10162, 10168, 10216]);
    }

    #[test]
    fn fce_invoice_needs_the_cbu_10168() {
        check(
            fce_invoice(),
            |v, _| v.opcionales = vec![opcional("27", "ADC")],
            &[10168],
        );
    }

    #[test]
    fn the_cbu_is_22_digits_with_check_digits_10165() {
        check(
            fce_invoice(),
            |v, _| v.opcionales[0].valor = "2850590940090418135202".to_owned(),
            &[10165],
        );
        check(
            fce_invoice(),
            |v, _| v.opcionales[0].valor = "12345".to_owned(),
            &[10165],
        );
    }

    #[test]
    fn at_least_one_of_cbu_annulment_transfer_10170() {
        check(
            fce_note(),
            |v, _| v.opcionales = vec![opcional("2102", "alias")],
            &[10170, 10173],
        );
    }

    #[test]
    fn annulment_flag_forbidden_on_invoices_mandatory_on_notes_10171_10173() {
        check(fce_invoice(), |v, _| v.opcionales.push(opcional("22", "N")), &[10171]);
        check(fce_note(), |v, _| v.opcionales.truncate(2), &[10173]);
        check(fce_note(), |v, _| v.opcionales[2].valor = "X".to_owned(), &[10173]);
    }

    #[test]
    fn transfer_option_mandatory_on_invoices_and_sca_or_adc_10215_10216() {
        check(fce_invoice(), |v, _| v.opcionales.truncate(1), &[10216]);
        check(fce_invoice(), |v, _| v.opcionales[1].valor = "XYZ".to_owned(), &[10215]);
    }

    #[test]
    fn due_date_on_fce_invoices_10163_10164() {
        check(fce_invoice(), |v, _| v.fch_vto_pago = None, &[10163]);
        // Before the invoice's date, and before today with the invoice dated earlier.
        check(
            fce_invoice(),
            |v, _| {
                v.cbte_fch = Some(date(2021, 7, 2));
                v.fch_vto_pago = Some(date(2021, 7, 1));
            },
            &[10164],
        );
        check(
            fce_invoice(),
            |v, _| {
                v.cbte_fch = Some(date(2021, 6, 30));
                v.fch_vto_pago = Some(date(2021, 6, 30));
            },
            &[10164],
        );
        check(fce_invoice(), |v, _| v.fch_vto_pago = Some(date(2021, 7, 1)), &[]);
    }

    #[test]
    fn due_date_on_fce_notes_only_when_annulling_10175() {
        check(
            fce_note(),
            |v, _| {
                v.opcionales[2].valor = "N".to_owned();
                v.fch_vto_pago = Some(date(2021, 7, 31));
            },
            &[10175],
        );
    }

    #[test]
    fn fce_notes_name_the_invoice_issuer_and_date_10151_10158() {
        check(fce_note(), |v, _| v.cbtes_asoc[0].cuit = None, &[10151]);
        check(fce_note(), |v, _| v.cbtes_asoc[0].cuit = Some(123), &[10151]);
        check(fce_note(), |v, _| v.cbtes_asoc[0].cbte_fch = None, &[10158]);
        // Ordinary notes need neither.
        check(
            factura_a(),
            |v, _| {
                v.cbte_tipo = CbteTipo::NotaCreditoA;
                v.cbtes_asoc = vec![CbteAsoc {
                    tipo: 1,
                    pto_vta: 4000,
                    nro: 1,
                    cuit: None,
                    cbte_fch: None,
                }];
            },
            &[],
        );
    }

    #[test]
    fn fce_note_not_before_its_invoice_10159() {
        check(
            fce_note(),
            |v, _| v.cbtes_asoc[0].cbte_fch = Some(date(2021, 7, 2)),
            &[10159],
        );
    }

    #[test]
    fn fce_has_no_buyers_10194() {
        check(
            fce_invoice(),
            |v, _| {
                v.compradores = vec![Comprador {
                    doc_tipo: 80,
                    doc_nro: 30_000_000_007,
                    porcentaje: rust_decimal::Decimal::ONE_HUNDRED,
                }];
            },
            &[10194],
        );
    }

    #[test]
    fn fce_tributos_say_what_they_are_10042() {
        check(fce_invoice(), |v, _| v.tributos[0].desc = None, &[10042]);
    }
}
