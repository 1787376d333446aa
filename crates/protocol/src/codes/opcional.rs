//! Opcionales (FEParamGetTiposOpcional): extra regime-specific data (`Opcional {Id, Valor}`).
//!
//! ARCA returns long `Desc` texts for these that were not captured verbatim; the descriptions here
//! are the reference's summaries (§E.8), marked as such by [`Opcional::description`].

/// An optional-data type ARCA lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Opcional(&'static str);

/// (`Id`, summary of ARCA's `Desc`).
const ROWS: [(&str, &str); 26] = [
    ("2", "Promoción Industrial"),
    ("5", "Excepción cómputo IVA crédito fiscal"),
    ("61", "RG 3668 firmante: tipo de documento"),
    ("62", "RG 3668 firmante: número de documento"),
    ("7", "RG 3668 firmante: carácter"),
    ("10", "RG 3368 establecimientos de educación"),
    ("1011", "RG 3368 establecimientos de educación: tipo de documento"),
    ("1012", "RG 3368 establecimientos de educación: número de documento"),
    ("11", "RG 2820 operaciones de inmuebles"),
    ("12", "RG 3687 locación temporaria de inmuebles con fines turísticos"),
    ("13", "RG 2863 representantes de modelos"),
    ("14", "RG 2863 agencias de publicidad"),
    ("15", "RG 2863 personas físicas que desarrollen actividad de modelaje"),
    ("17", "RG 4004-E locación de inmuebles destino casa-habitación"),
    ("1801", "RG 4004-E locador: CUIT"),
    ("1802", "RG 4004-E locador: nombre"),
    ("91", "Bienes usados: nombre y apellido del vendedor"),
    ("92", "Bienes usados: país del vendedor"),
    ("93", "Bienes usados: domicilio del vendedor"),
    ("2101", "Factura de Crédito Electrónica MiPyMEs (FCE): CBU del emisor"),
    ("2102", "Factura de Crédito Electrónica MiPyMEs (FCE): alias del emisor"),
    ("22", "Factura de Crédito Electrónica MiPyMEs (FCE): anulación"),
    (
        "23",
        "Factura de Crédito Electrónica MiPyMEs (FCE): referencia comercial",
    ),
    (
        "27",
        "Factura de Crédito Electrónica MiPyMEs (FCE): transferencia (SCA/ADC)",
    ),
    ("2901", "Seguros de caución"),
    ("2902", "Seguros de caución"),
];

impl Opcional {
    /// FCE: the issuer's CBU, 22 digits (2101).
    pub const FCE_CBU: Opcional = Opcional("2101");
    /// FCE: the issuer's CBU alias (2102).
    pub const FCE_ALIAS: Opcional = Opcional("2102");
    /// FCE: whether a debit or credit note annuls the invoice, `S`/`N` (22).
    pub const FCE_ANULACION: Opcional = Opcional("22");
    /// FCE: a commercial reference, repeatable (23).
    pub const FCE_REFERENCIA_COMERCIAL: Opcional = Opcional("23");
    /// FCE: the transfer option, `SCA` or `ADC` (27).
    pub const FCE_TRANSFERENCIA: Opcional = Opcional("27");

    /// Every row ARCA lists (2021 plus manual v4.7's 2901/2902).
    pub const ALL: [Opcional; 26] = {
        let mut all = [Opcional(""); 26];
        let mut i = 0;
        while i < ROWS.len() {
            all[i] = Opcional(ROWS[i].0);
            i += 1;
        }
        all
    };

    pub fn from_code(code: &str) -> Option<Opcional> {
        ROWS.iter().find(|row| row.0 == code).map(|row| Opcional(row.0))
    }

    /// ARCA's `Id` (a string of up to 4 characters).
    pub fn code(self) -> &'static str {
        self.0
    }

    /// A summary of ARCA's `Desc` (the verbatim texts were not captured).
    pub fn description(self) -> &'static str {
        ROWS.iter().find(|row| row.0 == self.0).map_or("", |row| row.1)
    }

    /// Only valid on FCE vouchers (10169).
    pub fn is_fce_only(self) -> bool {
        matches!(self.0, "2101" | "2102" | "22" | "27")
    }

    /// Ids ARCA allows more than once per voucher (10054).
    pub fn may_repeat(self) -> bool {
        matches!(self.0, "1801" | "1802" | "23" | "2901" | "2902")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for opcional in Opcional::ALL {
            assert_eq!(Opcional::from_code(opcional.code()), Some(opcional));
            assert_eq!(Opcional::ALL.iter().filter(|o| **o == opcional).count(), 1);
        }
        assert!(Opcional::from_code("2101").is_some_and(Opcional::is_fce_only));
        assert_eq!(Opcional::from_code("9999"), None);
    }
}
