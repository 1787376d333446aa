//! `DocTipo` (FEParamGetTiposDoc): the receiver's document type.

/// A document type ARCA lists. Only obtainable from the table ([`DocTipo::from_code`], the
/// constants, [`DocTipo::ALL`]), so it is always a type ARCA knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocTipo(i32);

/// (code, ARCA's `Desc`), in the order of the 2021 capture, then the later additions.
const ROWS: [(i32, &str); 37] = [
    (80, "CUIT"),
    (86, "CUIL"),
    (87, "CDI"),
    (89, "LE"),
    (90, "LC"),
    (91, "CI Extranjera"),
    (92, "en trámite"),
    (93, "Acta Nacimiento"),
    (95, "CI Bs. As. RNP"),
    (96, "DNI"),
    (94, "Pasaporte"),
    (0, "CI Policía Federal"),
    (1, "CI Buenos Aires"),
    (2, "CI Catamarca"),
    (3, "CI Córdoba"),
    (4, "CI Corrientes"),
    (5, "CI Entre Ríos"),
    (6, "CI Jujuy"),
    (7, "CI Mendoza"),
    (8, "CI La Rioja"),
    (9, "CI Salta"),
    (10, "CI San Juan"),
    (11, "CI San Luis"),
    (12, "CI Santa Fe"),
    (13, "CI Santiago del Estero"),
    (14, "CI Tucumán"),
    (16, "CI Chaco"),
    (17, "CI Chubut"),
    (18, "CI Formosa"),
    (19, "CI Misiones"),
    (20, "CI Neuquén"),
    (21, "CI La Pampa"),
    (22, "CI Río Negro"),
    (23, "CI Santa Cruz"),
    (24, "CI Tierra del Fuego"),
    (99, "Doc. (Otro)"),
    // Added by manual v4.5; its exact `Desc` is the manual's wording (unverified on the wire).
    (31, "Fondo Común de Inversiones CNV"),
];

impl DocTipo {
    pub const CUIT: DocTipo = DocTipo(80);
    pub const CUIL: DocTipo = DocTipo(86);
    pub const CDI: DocTipo = DocTipo(87);
    pub const PASAPORTE: DocTipo = DocTipo(94);
    pub const DNI: DocTipo = DocTipo(96);
    /// 99 "Doc. (Otro)": with `DocNro` 0, the unidentified consumidor final.
    pub const OTRO: DocTipo = DocTipo(99);

    /// Every row, in ARCA's order.
    pub const ALL: [DocTipo; 37] = {
        let mut all = [DocTipo(0); 37];
        let mut i = 0;
        while i < ROWS.len() {
            all[i] = DocTipo(ROWS[i].0);
            i += 1;
        }
        all
    };

    pub fn from_code(code: i32) -> Option<DocTipo> {
        ROWS.iter().find(|row| row.0 == code).map(|row| DocTipo(row.0))
    }

    /// ARCA's `Id`.
    pub fn code(self) -> i32 {
        self.0
    }

    /// ARCA's `Desc`.
    pub fn description(self) -> &'static str {
        ROWS.iter().find(|row| row.0 == self.0).map_or("", |row| row.1)
    }

    /// CUIT, CUIL or CDI: numbers in ARCA's taxpayer registry (checked by ARCA, not locally).
    pub fn is_tax_id(self) -> bool {
        matches!(self.0, 80 | 86 | 87)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookups() {
        assert_eq!(DocTipo::ALL.len(), 37);
        assert_eq!(DocTipo::from_code(96), Some(DocTipo::DNI));
        assert_eq!(DocTipo::from_code(15), None);
        assert_eq!(DocTipo::OTRO.description(), "Doc. (Otro)");
        for doc in DocTipo::ALL {
            assert_eq!(DocTipo::from_code(doc.code()), Some(doc));
        }
    }
}
