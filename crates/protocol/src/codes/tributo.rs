//! Tributos (FEParamGetTiposTributos): other taxes and perceptions a voucher itemizes.

/// A tributo type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TributoTipo {
    ImpuestosNacionales,
    ImpuestosProvinciales,
    ImpuestosMunicipales,
    ImpuestosInternos,
    Otro,
    Iibb,
    PercepcionIva,
    PercepcionIibb,
    PercepcionesImpuestosMunicipales,
    OtrasPercepciones,
    PercepcionIvaNoCategorizado,
}

use TributoTipo as T;

/// (type, `Id`, ARCA's `Desc`), in ARCA's order.
const ROWS: [(TributoTipo, i16, &str); 11] = [
    (T::ImpuestosNacionales, 1, "Impuestos nacionales"),
    (T::ImpuestosProvinciales, 2, "Impuestos provinciales"),
    (T::ImpuestosMunicipales, 3, "Impuestos municipales"),
    (T::ImpuestosInternos, 4, "Impuestos Internos"),
    (T::Otro, 99, "Otro"),
    (T::Iibb, 5, "IIBB"),
    (T::PercepcionIva, 6, "Percepción de IVA"),
    (T::PercepcionIibb, 7, "Percepción de IIBB"),
    (
        T::PercepcionesImpuestosMunicipales,
        8,
        "Percepciones por Impuestos Municipales",
    ),
    (T::OtrasPercepciones, 9, "Otras Percepciones"),
    (
        T::PercepcionIvaNoCategorizado,
        13,
        "Percepción de IVA a no Categorizado",
    ),
];

impl TributoTipo {
    /// Every type, in ARCA's order.
    pub const ALL: [TributoTipo; 11] = {
        let mut all = [T::Otro; 11];
        let mut i = 0;
        while i < ROWS.len() {
            all[i] = ROWS[i].0;
            i += 1;
        }
        all
    };

    pub fn from_code(code: i16) -> Option<TributoTipo> {
        ROWS.iter().find(|row| row.1 == code).map(|row| row.0)
    }

    /// ARCA's `Id` (`short` in the schema).
    pub fn code(self) -> i16 {
        ROWS.iter().find(|row| row.0 == self).map_or(0, |row| row.1)
    }

    /// ARCA's `Desc`.
    pub fn description(self) -> &'static str {
        ROWS.iter().find(|row| row.0 == self).map_or("", |row| row.2)
    }

    /// A perception (6–9, 13): ARCA observes when their period spans months (10209).
    pub fn is_perception(self) -> bool {
        matches!(
            self,
            T::PercepcionIva
                | T::PercepcionIibb
                | T::PercepcionesImpuestosMunicipales
                | T::OtrasPercepciones
                | T::PercepcionIvaNoCategorizado
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for tributo in TributoTipo::ALL {
            assert_eq!(TributoTipo::from_code(tributo.code()), Some(tributo));
        }
        assert_eq!(TributoTipo::from_code(99), Some(TributoTipo::Otro));
        assert_eq!(TributoTipo::from_code(10), None);
    }
}
