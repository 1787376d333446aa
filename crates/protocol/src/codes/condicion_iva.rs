//! `CondicionIVAReceptor` (FEParamGetCondicionIvaReceptor, RG 5616): the receiver's IVA status,
//! mandatory in every detail since 2025, and the voucher classes each status may receive.

use super::CbteClass;

/// The receiver's IVA condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CondicionIvaReceptor {
    ResponsableInscripto,
    Monotributo,
    MonotributistaSocial,
    MonotributoTrabajadorIndependientePromovido,
    Exento,
    SujetoNoCategorizado,
    ProveedorDelExterior,
    ClienteDelExterior,
    IvaLiberado,
    IvaNoAlcanzado,
    ConsumidorFinal,
}

use CbteClass as Cl;
use CondicionIvaReceptor as C;

/// (condition, `Id`, ARCA's `Desc`, API name, classes it may receive). The classes are the
/// manual annex's matrix; the service's `Cmp_Clase` strings are a lossy view of it (§E.6).
const ROWS: [(CondicionIvaReceptor, i32, &str, &str, &[CbteClass]); 11] = [
    (
        C::ResponsableInscripto,
        1,
        "IVA Responsable Inscripto",
        "responsable_inscripto",
        &[Cl::A, Cl::M, Cl::C],
    ),
    (
        C::Monotributo,
        6,
        "Responsable Monotributo",
        "monotributo",
        &[Cl::A, Cl::M, Cl::C],
    ),
    (
        C::MonotributistaSocial,
        13,
        "Monotributista Social",
        "monotributista_social",
        &[Cl::A, Cl::M, Cl::C],
    ),
    (
        C::MonotributoTrabajadorIndependientePromovido,
        16,
        "Monotributo Trabajador Independiente Promovido",
        "monotributo_trabajador_independiente_promovido",
        &[Cl::A, Cl::M, Cl::C],
    ),
    (C::Exento, 4, "IVA Sujeto Exento", "exento", &[Cl::B, Cl::C]),
    (
        C::SujetoNoCategorizado,
        7,
        "Sujeto No Categorizado",
        "sujeto_no_categorizado",
        &[Cl::B, Cl::C],
    ),
    (
        C::ProveedorDelExterior,
        8,
        "Proveedor del Exterior",
        "proveedor_del_exterior",
        &[Cl::B, Cl::C],
    ),
    (
        C::ClienteDelExterior,
        9,
        "Cliente del Exterior",
        "cliente_del_exterior",
        &[Cl::B, Cl::C],
    ),
    (
        C::IvaLiberado,
        10,
        "IVA Liberado – Ley N° 19.640",
        "iva_liberado",
        &[Cl::B, Cl::C],
    ),
    (
        C::IvaNoAlcanzado,
        15,
        "IVA No Alcanzado",
        "iva_no_alcanzado",
        &[Cl::B, Cl::C],
    ),
    (
        C::ConsumidorFinal,
        5,
        "Consumidor Final",
        "consumidor_final",
        &[Cl::B, Cl::C, Cl::BienesUsados],
    ),
];

impl CondicionIvaReceptor {
    /// Every condition, in the order of the manual's table.
    pub const ALL: [CondicionIvaReceptor; 11] = {
        let mut all = [C::ConsumidorFinal; 11];
        let mut i = 0;
        while i < ROWS.len() {
            all[i] = ROWS[i].0;
            i += 1;
        }
        all
    };

    pub fn from_code(code: i32) -> Option<CondicionIvaReceptor> {
        ROWS.iter().find(|row| row.1 == code).map(|row| row.0)
    }

    /// The condition the API calls `name` (`responsable_inscripto`, `consumidor_final`, …).
    pub fn from_api_name(name: &str) -> Option<CondicionIvaReceptor> {
        ROWS.iter().find(|row| row.3 == name).map(|row| row.0)
    }

    fn row(
        self,
    ) -> &'static (
        CondicionIvaReceptor,
        i32,
        &'static str,
        &'static str,
        &'static [CbteClass],
    ) {
        // One row per variant (tested); the fallback only avoids a panic path.
        ROWS.iter().find(|row| row.0 == self).unwrap_or(&ROWS[10])
    }

    /// ARCA's `Id`, sent as `CondicionIVAReceptorId`.
    pub fn code(self) -> i32 {
        self.row().1
    }

    /// ARCA's `Desc`.
    pub fn description(self) -> &'static str {
        self.row().2
    }

    /// The API's snake_case name.
    pub fn api_name(self) -> &'static str {
        self.row().3
    }

    /// The voucher classes a receiver in this condition may get (10243). Monotributistas may
    /// receive a Factura A (ARCA adds Obs 10217).
    pub fn allowed_classes(self) -> &'static [CbteClass] {
        self.row().4
    }

    pub fn allows(self, class: CbteClass) -> bool {
        self.allowed_classes().contains(&class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_names_and_classes() {
        for condition in CondicionIvaReceptor::ALL {
            assert_eq!(CondicionIvaReceptor::from_code(condition.code()), Some(condition));
            assert_eq!(
                CondicionIvaReceptor::from_api_name(condition.api_name()),
                Some(condition)
            );
            assert_eq!(CondicionIvaReceptor::ALL.iter().filter(|c| **c == condition).count(), 1);
        }
        assert_eq!(CondicionIvaReceptor::from_code(2), None);
        assert!(CondicionIvaReceptor::ConsumidorFinal.allows(CbteClass::BienesUsados));
        assert!(!CondicionIvaReceptor::ConsumidorFinal.allows(CbteClass::A));
        assert!(CondicionIvaReceptor::Monotributo.allows(CbteClass::A));
        assert!(!CondicionIvaReceptor::ResponsableInscripto.allows(CbteClass::B));
    }
}
