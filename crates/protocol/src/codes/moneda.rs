//! Monedas (FEParamGetTiposMonedas): the currencies a voucher may be issued in (`MonId`).

/// A currency ARCA lists; only obtainable from the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Moneda(&'static str);

/// (`Id`, ARCA's `Desc`), 50 rows in the 2021 capture's order.
const ROWS: [(&str, &str); 50] = [
    ("PES", "Pesos Argentinos"),
    ("DOL", "Dólar Estadounidense"),
    ("002", "Dólar Libre EEUU"),
    ("007", "Florines Holandeses"),
    ("009", "Franco Suizo"),
    ("010", "Pesos Mejicanos"),
    ("011", "Pesos Uruguayos"),
    ("012", "Real"),
    ("014", "Coronas Danesas"),
    ("015", "Coronas Noruegas"),
    ("016", "Coronas Suecas"),
    ("018", "Dólar Canadiense"),
    ("019", "Yens"),
    ("021", "Libra Esterlina"),
    ("023", "Bolívar Venezolano"),
    ("024", "Corona Checa"),
    ("025", "Dinar Yugoslavo"),
    ("026", "Dólar Australiano"),
    ("027", "Dracma Griego"),
    ("028", "Florín (Antillas Holandesas)"),
    ("029", "Güaraní"),
    ("030", "Shekel (Israel)"),
    ("031", "Peso Boliviano"),
    ("032", "Peso Colombiano"),
    ("033", "Peso Chileno"),
    ("034", "Rand Sudafricano"),
    ("035", "Nuevo Sol Peruano"),
    ("036", "Sucre Ecuatoriano"),
    ("040", "Lei Rumano"),
    ("041", "Derechos Especiales de Giro"),
    ("042", "Peso Dominicano"),
    ("043", "Balboas Panameñas"),
    ("044", "Córdoba Nicaragüense"),
    ("045", "Dirham Marroquí"),
    ("046", "Libra Egipcia"),
    ("047", "Riyal Saudita"),
    ("049", "Gramos de Oro Fino"),
    ("051", "Dólar de Hong Kong"),
    ("052", "Dólar de Singapur"),
    ("053", "Dólar de Jamaica"),
    ("054", "Dólar de Taiwan"),
    ("055", "Quetzal Guatemalteco"),
    ("056", "Forint (Hungría)"),
    ("057", "Baht (Tailandia)"),
    ("059", "Dinar Kuwaiti"),
    ("060", "Euro"),
    ("061", "Zloty Polaco"),
    ("062", "Rupia Hindú"),
    ("063", "Lempira Hondureña"),
    ("064", "Yuan (Rep. Pop. China)"),
];

impl Moneda {
    /// Argentine pesos: `MonCotiz` must be 1 (10039).
    pub const PES: Moneda = Moneda("PES");
    pub const DOL: Moneda = Moneda("DOL");
    pub const EURO: Moneda = Moneda("060");

    /// Every row, in ARCA's order.
    pub const ALL: [Moneda; 50] = {
        let mut all = [Moneda(""); 50];
        let mut i = 0;
        while i < ROWS.len() {
            all[i] = Moneda(ROWS[i].0);
            i += 1;
        }
        all
    };

    /// The currency with this `MonId` (exact, case-sensitive as ARCA compares it).
    pub fn from_code(code: &str) -> Option<Moneda> {
        ROWS.iter().find(|row| row.0 == code).map(|row| Moneda(row.0))
    }

    /// ARCA's `Id` (`PES`, `DOL`, `060`).
    pub fn code(self) -> &'static str {
        self.0
    }

    /// ARCA's `Desc`.
    pub fn description(self) -> &'static str {
        ROWS.iter().find(|row| row.0 == self.0).map_or("", |row| row.1)
    }

    pub fn is_pesos(self) -> bool {
        self == Moneda::PES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookups() {
        assert_eq!(Moneda::from_code("060"), Some(Moneda::EURO));
        assert_eq!(Moneda::EURO.description(), "Euro");
        assert_eq!(Moneda::from_code("pes"), None);
        assert_eq!(Moneda::from_code("USD"), None);
        for moneda in Moneda::ALL {
            assert_eq!(Moneda::from_code(moneda.code()), Some(moneda));
        }
    }
}
