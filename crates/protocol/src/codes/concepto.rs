//! `Concepto` (FEParamGetTiposConcepto): what the voucher bills.

/// Products, services or both; services need the service period and a due date (10049).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Concepto {
    Productos,
    Servicios,
    ProductosYServicios,
}

impl Concepto {
    /// In ARCA's order.
    pub const ALL: [Concepto; 3] = [Concepto::Productos, Concepto::Servicios, Concepto::ProductosYServicios];

    pub fn from_code(code: i32) -> Option<Concepto> {
        Concepto::ALL.into_iter().find(|c| c.code() == code)
    }

    /// ARCA's `Id`.
    pub fn code(self) -> i32 {
        match self {
            Concepto::Productos => 1,
            Concepto::Servicios => 2,
            Concepto::ProductosYServicios => 3,
        }
    }

    /// ARCA's `Desc`.
    pub fn description(self) -> &'static str {
        match self {
            Concepto::Productos => "Producto",
            Concepto::Servicios => "Servicios",
            Concepto::ProductosYServicios => "Productos y Servicios",
        }
    }

    /// The API's name (`productos`, `servicios`, `mixto`).
    pub fn api_name(self) -> &'static str {
        match self {
            Concepto::Productos => "productos",
            Concepto::Servicios => "servicios",
            Concepto::ProductosYServicios => "mixto",
        }
    }

    pub fn from_api_name(name: &str) -> Option<Concepto> {
        Concepto::ALL.into_iter().find(|c| c.api_name() == name)
    }

    /// Whether `FchServDesde`, `FchServHasta` and `FchVtoPago` are mandatory (10049).
    pub fn includes_services(self) -> bool {
        self != Concepto::Productos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip() {
        for concepto in Concepto::ALL {
            assert_eq!(Concepto::from_code(concepto.code()), Some(concepto));
            assert_eq!(Concepto::from_api_name(concepto.api_name()), Some(concepto));
        }
        assert_eq!(Concepto::from_code(4), None);
    }
}
