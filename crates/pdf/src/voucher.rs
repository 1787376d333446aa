//! ARCA's voucher types (`CbteTipo`) as a printed invoice names them: the letter of the box, the
//! name under "COD. 001", and the traits the layout follows (a class that itemises IVA, a note that
//! cites associated vouchers). `docs/arca.md §N.1` lists the same table.
//!
//! It never decides whether a type may be issued: that is ARCA's rules, in the protocol crate.

/// The letter printed in the box, which decides the IVA treatment of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Letter {
    A,
    B,
    C,
    /// "A con leyenda": class A with "OPERACIÓN SUJETA A RETENCIÓN".
    M,
    /// Exports (WSFEXv1's 19, 20, 21): printed for completeness, not issued through WSFEv1.
    E,
    /// No letter: the used-goods purchase voucher (49).
    None,
}

impl Letter {
    /// The character in the box ("" for none).
    pub fn as_str(self) -> &'static str {
        match self {
            Letter::A => "A",
            Letter::B => "B",
            Letter::C => "C",
            Letter::M => "M",
            Letter::E => "E",
            Letter::None => "",
        }
    }

    /// Classes A and M discriminate IVA: an IVA column per item and IVA per rate in the totals.
    pub fn itemises_iva(self) -> bool {
        matches!(self, Letter::A | Letter::M)
    }
}

/// What the layout needs to know about one `CbteTipo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoucherType {
    pub code: i32,
    pub letter: Letter,
    /// The name printed in capitals, without its letter ("FACTURA", "NOTA DE CRÉDITO").
    pub name: &'static str,
    /// The name in the document title ("Factura", "Nota de Crédito").
    pub title: &'static str,
}

const fn t(code: i32, letter: Letter, name: &'static str, title: &'static str) -> VoucherType {
    VoucherType {
        code,
        letter,
        name,
        title,
    }
}

/// Every `CbteTipo` WSFEv1 authorises (`FEParamGetTiposCbte`), plus the export classes of WSFEXv1.
const TYPES: &[VoucherType] = &[
    t(1, Letter::A, "FACTURA", "Factura"),
    t(2, Letter::A, "NOTA DE DÉBITO", "Nota de Débito"),
    t(3, Letter::A, "NOTA DE CRÉDITO", "Nota de Crédito"),
    t(4, Letter::A, "RECIBO", "Recibo"),
    t(5, Letter::A, "NOTA DE VENTA AL CONTADO", "Nota de Venta al Contado"),
    t(6, Letter::B, "FACTURA", "Factura"),
    t(7, Letter::B, "NOTA DE DÉBITO", "Nota de Débito"),
    t(8, Letter::B, "NOTA DE CRÉDITO", "Nota de Crédito"),
    t(9, Letter::B, "RECIBO", "Recibo"),
    t(10, Letter::B, "NOTA DE VENTA AL CONTADO", "Nota de Venta al Contado"),
    t(11, Letter::C, "FACTURA", "Factura"),
    t(12, Letter::C, "NOTA DE DÉBITO", "Nota de Débito"),
    t(13, Letter::C, "NOTA DE CRÉDITO", "Nota de Crédito"),
    t(15, Letter::C, "RECIBO", "Recibo"),
    t(19, Letter::E, "FACTURA DE EXPORTACIÓN", "Factura de Exportación"),
    t(
        20,
        Letter::E,
        "NOTA DE DÉBITO POR OPERACIONES CON EL EXTERIOR",
        "Nota de Débito",
    ),
    t(
        21,
        Letter::E,
        "NOTA DE CRÉDITO POR OPERACIONES CON EL EXTERIOR",
        "Nota de Crédito",
    ),
    t(
        34,
        Letter::A,
        "COMPROBANTE DEL ANEXO I, APARTADO A, INC. F), RG 1415",
        "Comprobante",
    ),
    t(
        35,
        Letter::B,
        "COMPROBANTE DEL ANEXO I, APARTADO A, INC. F), RG 1415",
        "Comprobante",
    ),
    t(
        39,
        Letter::A,
        "OTROS COMPROBANTES QUE CUMPLEN CON LA RG 1415",
        "Comprobante",
    ),
    t(
        40,
        Letter::B,
        "OTROS COMPROBANTES QUE CUMPLEN CON LA RG 1415",
        "Comprobante",
    ),
    t(
        49,
        Letter::None,
        "COMPROBANTE DE COMPRA DE BIENES USADOS A CONSUMIDOR FINAL",
        "Comprobante de Compra de Bienes Usados",
    ),
    t(51, Letter::M, "FACTURA", "Factura"),
    t(52, Letter::M, "NOTA DE DÉBITO", "Nota de Débito"),
    t(53, Letter::M, "NOTA DE CRÉDITO", "Nota de Crédito"),
    t(54, Letter::M, "RECIBO", "Recibo"),
    t(
        60,
        Letter::A,
        "CUENTA DE VENTA Y LÍQUIDO PRODUCTO",
        "Cuenta de Venta y Líquido Producto",
    ),
    t(
        61,
        Letter::B,
        "CUENTA DE VENTA Y LÍQUIDO PRODUCTO",
        "Cuenta de Venta y Líquido Producto",
    ),
    t(63, Letter::A, "LIQUIDACIÓN", "Liquidación"),
    t(64, Letter::B, "LIQUIDACIÓN", "Liquidación"),
    t(
        201,
        Letter::A,
        "FACTURA DE CRÉDITO ELECTRÓNICA MiPyMEs (FCE)",
        "Factura de Crédito Electrónica MiPyMEs (FCE)",
    ),
    t(
        202,
        Letter::A,
        "NOTA DE DÉBITO ELECTRÓNICA MiPyMEs (FCE)",
        "Nota de Débito Electrónica MiPyMEs (FCE)",
    ),
    t(
        203,
        Letter::A,
        "NOTA DE CRÉDITO ELECTRÓNICA MiPyMEs (FCE)",
        "Nota de Crédito Electrónica MiPyMEs (FCE)",
    ),
    t(
        206,
        Letter::B,
        "FACTURA DE CRÉDITO ELECTRÓNICA MiPyMEs (FCE)",
        "Factura de Crédito Electrónica MiPyMEs (FCE)",
    ),
    t(
        207,
        Letter::B,
        "NOTA DE DÉBITO ELECTRÓNICA MiPyMEs (FCE)",
        "Nota de Débito Electrónica MiPyMEs (FCE)",
    ),
    t(
        208,
        Letter::B,
        "NOTA DE CRÉDITO ELECTRÓNICA MiPyMEs (FCE)",
        "Nota de Crédito Electrónica MiPyMEs (FCE)",
    ),
    t(
        211,
        Letter::C,
        "FACTURA DE CRÉDITO ELECTRÓNICA MiPyMEs (FCE)",
        "Factura de Crédito Electrónica MiPyMEs (FCE)",
    ),
    t(
        212,
        Letter::C,
        "NOTA DE DÉBITO ELECTRÓNICA MiPyMEs (FCE)",
        "Nota de Débito Electrónica MiPyMEs (FCE)",
    ),
    t(
        213,
        Letter::C,
        "NOTA DE CRÉDITO ELECTRÓNICA MiPyMEs (FCE)",
        "Nota de Crédito Electrónica MiPyMEs (FCE)",
    ),
];

/// The type for `code`, or a generic "COMPROBANTE" without a letter for a code the table lacks
/// (the renderer prints what it is given; deciding what may be issued is not its job).
pub fn voucher_type(code: i32) -> VoucherType {
    TYPES
        .iter()
        .copied()
        .find(|entry| entry.code == code)
        .unwrap_or(VoucherType {
            code,
            letter: Letter::None,
            name: "COMPROBANTE",
            title: "Comprobante",
        })
}

/// Every type in the table, in `CbteTipo` order (for the docs and tests).
pub fn all() -> &'static [VoucherType] {
    TYPES
}

/// The FCE MiPyMEs classes (201–213).
pub fn is_fce(code: i32) -> bool {
    (201..=213).contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_without_duplicates() {
        for pair in TYPES.windows(2) {
            assert!(pair[0].code < pair[1].code, "{} before {}", pair[0].code, pair[1].code);
        }
    }

    #[test]
    fn letters_follow_the_classes() {
        assert_eq!(voucher_type(1).letter, Letter::A);
        assert_eq!(voucher_type(8).letter, Letter::B);
        assert_eq!(voucher_type(11).letter, Letter::C);
        assert_eq!(voucher_type(51).letter, Letter::M);
        assert_eq!(voucher_type(206).letter, Letter::B);
        assert_eq!(voucher_type(999).name, "COMPROBANTE");
    }
}
