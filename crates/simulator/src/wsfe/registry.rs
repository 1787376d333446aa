//! The taxpayer registry the receiver checks consult (docs/arca.md §D.7). Tests seed it
//! through `POST /_sim/taxpayers`; a CUIT not in it is treated as an active Responsable
//! Inscripto, so ordinary tests need no seeding.

use serde::{Deserialize, Serialize};

/// What ARCA's registry says about one CUIT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taxpayer {
    pub cuit: i64,
    /// Active CUIT (10017 / 10247 when not).
    #[serde(default = "yes")]
    pub active: bool,
    /// Registered in IVA or Monotributo (10063 when neither).
    #[serde(default = "yes")]
    pub active_in_tax: bool,
    /// Monotributista: Factura A to it carries Obs 10217.
    #[serde(default)]
    pub monotributista: bool,
    /// `CondicionIVAReceptor` id of the taxpayer (1 RI, 4 exento, 6 monotributo, …).
    #[serde(default = "responsable_inscripto")]
    pub iva_condition: i64,
    /// The CUIT does not exist at all (Obs 10238).
    #[serde(default)]
    pub nonexistent: bool,
}

fn yes() -> bool {
    true
}

fn responsable_inscripto() -> i64 {
    1
}

impl Taxpayer {
    /// The default for CUITs nobody seeded.
    pub fn assumed(cuit: i64) -> Taxpayer {
        Taxpayer {
            cuit,
            active: true,
            active_in_tax: true,
            monotributista: false,
            iva_condition: 1,
            nonexistent: false,
        }
    }
}
