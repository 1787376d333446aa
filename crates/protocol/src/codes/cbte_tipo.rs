//! `CbteTipo` (FEParamGetTiposCbte): the voucher types WSFEv1 authorizes, with their class and
//! kind. Remitos and other types that only appear as associated vouchers (88, 91, 988, 990, …) are
//! not here: they can never be authorized, and `CbtesAsoc` carries them as plain codes.

/// A voucher type WSFEv1 can authorize.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CbteTipo {
    FacturaA,
    NotaDebitoA,
    NotaCreditoA,
    FacturaB,
    NotaDebitoB,
    NotaCreditoB,
    RecibosA,
    NotasVentaContadoA,
    RecibosB,
    NotasVentaContadoB,
    LiquidacionA,
    LiquidacionB,
    AnexoIRg1415A,
    AnexoIRg1415B,
    OtrosRg1415A,
    OtrosRg1415B,
    CuentaVentaLiquidoProductoA,
    CuentaVentaLiquidoProductoB,
    FacturaC,
    NotaDebitoC,
    NotaCreditoC,
    ReciboC,
    CompraBienesUsados,
    FacturaM,
    NotaDebitoM,
    NotaCreditoM,
    ReciboM,
    FceFacturaA,
    FceNotaDebitoA,
    FceNotaCreditoA,
    FceFacturaB,
    FceNotaDebitoB,
    FceNotaCreditoB,
    FceFacturaC,
    FceNotaDebitoC,
    FceNotaCreditoC,
}

/// The letter of a voucher, which decides who may receive it and how IVA is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CbteClass {
    /// Between IVA-registered parties; IVA discriminated.
    A,
    /// From an IVA-registered issuer to anyone else (consumidor final, exento, …).
    B,
    /// From monotributistas and exempt issuers; no IVA.
    C,
    /// 51–54. Historically "M"; since manual v4.1 (RG 5762/2025) class "A con leyenda 'Operación
    /// sujeta a retención'", which ARCA's `ClaseCmp` spells `ALEY`.
    M,
    /// 49, compra de bienes usados a consumidor final: a class of its own (`ClaseCmp` `49`).
    BienesUsados,
}

/// What a voucher does, which several rules depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CbteKind {
    Factura,
    NotaDebito,
    NotaCredito,
    Recibo,
    NotaVentaContado,
    Liquidacion,
    /// 34/35/39/40, other vouchers under RG 1415.
    OtroRg1415,
    /// 60/61, cuenta de venta y líquido producto.
    CuentaVenta,
    /// 49.
    CompraBienesUsados,
}

use CbteClass as Cl;
use CbteKind as K;
use CbteTipo as T;

/// (type, code, ARCA's description, class, kind, FCE MiPyME). ARCA's order (2021 capture).
const ROWS: [(CbteTipo, i32, &str, CbteClass, CbteKind, bool); 36] = [
    (T::FacturaA, 1, "Factura A", Cl::A, K::Factura, false),
    (T::NotaDebitoA, 2, "Nota de Débito A", Cl::A, K::NotaDebito, false),
    (T::NotaCreditoA, 3, "Nota de Crédito A", Cl::A, K::NotaCredito, false),
    (T::FacturaB, 6, "Factura B", Cl::B, K::Factura, false),
    (T::NotaDebitoB, 7, "Nota de Débito B", Cl::B, K::NotaDebito, false),
    (T::NotaCreditoB, 8, "Nota de Crédito B", Cl::B, K::NotaCredito, false),
    (T::RecibosA, 4, "Recibos A", Cl::A, K::Recibo, false),
    (
        T::NotasVentaContadoA,
        5,
        "Notas de Venta al contado A",
        Cl::A,
        K::NotaVentaContado,
        false,
    ),
    (T::RecibosB, 9, "Recibos B", Cl::B, K::Recibo, false),
    (
        T::NotasVentaContadoB,
        10,
        "Notas de Venta al contado B",
        Cl::B,
        K::NotaVentaContado,
        false,
    ),
    (T::LiquidacionA, 63, "Liquidacion A", Cl::A, K::Liquidacion, false),
    (T::LiquidacionB, 64, "Liquidacion B", Cl::B, K::Liquidacion, false),
    (
        T::AnexoIRg1415A,
        34,
        "Cbtes. A del Anexo I, Apartado A,inc.f),R.G.Nro. 1415",
        Cl::A,
        K::OtroRg1415,
        false,
    ),
    (
        T::AnexoIRg1415B,
        35,
        "Cbtes. B del Anexo I,Apartado A,inc. f),R.G. Nro. 1415",
        Cl::B,
        K::OtroRg1415,
        false,
    ),
    (
        T::OtrosRg1415A,
        39,
        "Otros comprobantes A que cumplan con R.G.Nro. 1415",
        Cl::A,
        K::OtroRg1415,
        false,
    ),
    (
        T::OtrosRg1415B,
        40,
        "Otros comprobantes B que cumplan con R.G.Nro. 1415",
        Cl::B,
        K::OtroRg1415,
        false,
    ),
    (
        T::CuentaVentaLiquidoProductoA,
        60,
        "Cta de Vta y Liquido prod. A",
        Cl::A,
        K::CuentaVenta,
        false,
    ),
    (
        T::CuentaVentaLiquidoProductoB,
        61,
        "Cta de Vta y Liquido prod. B",
        Cl::B,
        K::CuentaVenta,
        false,
    ),
    (T::FacturaC, 11, "Factura C", Cl::C, K::Factura, false),
    (T::NotaDebitoC, 12, "Nota de Débito C", Cl::C, K::NotaDebito, false),
    (T::NotaCreditoC, 13, "Nota de Crédito C", Cl::C, K::NotaCredito, false),
    (T::ReciboC, 15, "Recibo C", Cl::C, K::Recibo, false),
    (
        T::CompraBienesUsados,
        49,
        "Comprobante de Compra de Bienes Usados a Consumidor Final",
        Cl::BienesUsados,
        K::CompraBienesUsados,
        false,
    ),
    // 51–54: the 2021 `Desc`; the text after RG 5762/2025 ("A con leyenda") is unverified.
    (T::FacturaM, 51, "Factura M", Cl::M, K::Factura, false),
    (T::NotaDebitoM, 52, "Nota de Débito M", Cl::M, K::NotaDebito, false),
    (T::NotaCreditoM, 53, "Nota de Crédito M", Cl::M, K::NotaCredito, false),
    (T::ReciboM, 54, "Recibo M", Cl::M, K::Recibo, false),
    (
        T::FceFacturaA,
        201,
        "Factura de Crédito electrónica MiPyMEs (FCE) A",
        Cl::A,
        K::Factura,
        true,
    ),
    (
        T::FceNotaDebitoA,
        202,
        "Nota de Débito electrónica MiPyMEs (FCE) A",
        Cl::A,
        K::NotaDebito,
        true,
    ),
    (
        T::FceNotaCreditoA,
        203,
        "Nota de Crédito electrónica MiPyMEs (FCE) A",
        Cl::A,
        K::NotaCredito,
        true,
    ),
    (
        T::FceFacturaB,
        206,
        "Factura de Crédito electrónica MiPyMEs (FCE) B",
        Cl::B,
        K::Factura,
        true,
    ),
    (
        T::FceNotaDebitoB,
        207,
        "Nota de Débito electrónica MiPyMEs (FCE) B",
        Cl::B,
        K::NotaDebito,
        true,
    ),
    (
        T::FceNotaCreditoB,
        208,
        "Nota de Crédito electrónica MiPyMEs (FCE) B",
        Cl::B,
        K::NotaCredito,
        true,
    ),
    (
        T::FceFacturaC,
        211,
        "Factura de Crédito electrónica MiPyMEs (FCE) C",
        Cl::C,
        K::Factura,
        true,
    ),
    (
        T::FceNotaDebitoC,
        212,
        "Nota de Débito electrónica MiPyMEs (FCE) C",
        Cl::C,
        K::NotaDebito,
        true,
    ),
    (
        T::FceNotaCreditoC,
        213,
        "Nota de Crédito electrónica MiPyMEs (FCE) C",
        Cl::C,
        K::NotaCredito,
        true,
    ),
];

impl CbteTipo {
    /// Every type, in the order FEParamGetTiposCbte returns them.
    pub const ALL: [CbteTipo; 36] = {
        let mut all = [CbteTipo::FacturaA; 36];
        let mut i = 0;
        while i < ROWS.len() {
            all[i] = ROWS[i].0;
            i += 1;
        }
        all
    };

    /// The type with this ARCA `Id`; `None` for codes WSFEv1 does not authorize.
    pub fn from_code(code: i32) -> Option<CbteTipo> {
        ROWS.iter().find(|row| row.1 == code).map(|row| row.0)
    }

    fn row(self) -> &'static (CbteTipo, i32, &'static str, CbteClass, CbteKind, bool) {
        // Every variant has exactly one row (checked by a test), so the fallback is unreachable;
        // it avoids a panic path all the same.
        ROWS.iter().find(|row| row.0 == self).unwrap_or(&ROWS[0])
    }

    /// ARCA's `Id`.
    pub fn code(self) -> i32 {
        self.row().1
    }

    /// ARCA's `Desc`.
    pub fn description(self) -> &'static str {
        self.row().2
    }

    pub fn class(self) -> CbteClass {
        self.row().3
    }

    pub fn kind(self) -> CbteKind {
        self.row().4
    }

    /// Factura de Crédito Electrónica MiPyMEs (201–203, 206–208, 211–213).
    pub fn is_fce(self) -> bool {
        self.row().5
    }

    pub fn is_debit_note(self) -> bool {
        self.kind() == CbteKind::NotaDebito
    }

    pub fn is_credit_note(self) -> bool {
        self.kind() == CbteKind::NotaCredito
    }

    /// A debit or credit note: must reference what it adjusts (10197).
    pub fn is_note(self) -> bool {
        self.is_debit_note() || self.is_credit_note()
    }

    pub fn is_receipt(self) -> bool {
        self.kind() == CbteKind::Recibo
    }

    pub fn is_invoice(self) -> bool {
        self.kind() == CbteKind::Factura
    }
}

impl CbteClass {
    /// The class as `FEParamGetCondicionIvaReceptor`'s `ClaseCmp` spells it.
    pub fn clase_cmp(self) -> &'static str {
        match self {
            CbteClass::A => "A",
            CbteClass::B => "B",
            CbteClass::C => "C",
            CbteClass::M => "ALEY",
            CbteClass::BienesUsados => "49",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_one_row_and_codes_round_trip() {
        for (i, tipo) in CbteTipo::ALL.iter().enumerate() {
            assert_eq!(CbteTipo::ALL.iter().filter(|t| *t == tipo).count(), 1);
            assert_eq!(CbteTipo::from_code(tipo.code()), Some(*tipo));
            assert_eq!(ROWS[i].0, *tipo);
        }
    }

    #[test]
    fn classes_and_kinds() {
        assert_eq!(CbteTipo::from_code(6), Some(CbteTipo::FacturaB));
        assert_eq!(CbteTipo::from_code(88), None); // a remito: associated only
        assert_eq!(CbteTipo::from_code(0), None);
        assert_eq!(CbteTipo::FacturaM.class().clase_cmp(), "ALEY");
        assert!(CbteTipo::FceNotaCreditoB.is_fce() && CbteTipo::FceNotaCreditoB.is_credit_note());
        assert!(CbteTipo::ReciboC.is_receipt());
        assert_eq!(CbteTipo::CompraBienesUsados.class(), CbteClass::BienesUsados);
        assert_eq!(CbteTipo::NotaDebitoA.description(), "Nota de Débito A");
    }
}
