//! IVA alícuotas (FEParamGetTiposIva). ARCA's `Id` is a string in that method's schema but an
//! `int` in `AlicIva/Id`; both carry the same numbers.

use rust_decimal::Decimal;

/// An IVA rate WSFEv1 accepts in `AlicIva/Id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IvaRate {
    Cero,
    DiezComaCinco,
    Veintiuno,
    Veintisiete,
    Cinco,
    DosComaCinco,
}

impl IvaRate {
    /// In ARCA's order (3, 4, 5, 6, 8, 9).
    pub const ALL: [IvaRate; 6] = [
        IvaRate::Cero,
        IvaRate::DiezComaCinco,
        IvaRate::Veintiuno,
        IvaRate::Veintisiete,
        IvaRate::Cinco,
        IvaRate::DosComaCinco,
    ];

    pub fn from_code(code: i32) -> Option<IvaRate> {
        IvaRate::ALL.into_iter().find(|rate| rate.code() == code)
    }

    /// ARCA's `Id`.
    pub fn code(self) -> i32 {
        match self {
            IvaRate::Cero => 3,
            IvaRate::DiezComaCinco => 4,
            IvaRate::Veintiuno => 5,
            IvaRate::Veintisiete => 6,
            IvaRate::Cinco => 8,
            IvaRate::DosComaCinco => 9,
        }
    }

    /// ARCA's `Desc`.
    pub fn description(self) -> &'static str {
        match self {
            IvaRate::Cero => "0%",
            IvaRate::DiezComaCinco => "10.5%",
            IvaRate::Veintiuno => "21%",
            IvaRate::Veintisiete => "27%",
            IvaRate::Cinco => "5%",
            IvaRate::DosComaCinco => "2.5%",
        }
    }

    /// The rate as a fraction (`0.105`), exact.
    pub fn rate(self) -> Decimal {
        match self {
            IvaRate::Cero => Decimal::ZERO,
            IvaRate::DiezComaCinco => Decimal::new(105, 3),
            IvaRate::Veintiuno => Decimal::new(21, 2),
            IvaRate::Veintisiete => Decimal::new(27, 2),
            IvaRate::Cinco => Decimal::new(5, 2),
            IvaRate::DosComaCinco => Decimal::new(25, 3),
        }
    }

    /// The rate in percent (`10.5`), as the API's `iva_porcentaje` gives it.
    pub fn percent(self) -> Decimal {
        self.rate() * Decimal::ONE_HUNDRED
    }

    /// The rate whose percentage is exactly `percent` (`21`, `10.5`, `2.50`).
    pub fn from_percent(percent: Decimal) -> Option<IvaRate> {
        IvaRate::ALL.into_iter().find(|rate| rate.percent() == percent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_rates() {
        assert_eq!(IvaRate::from_code(5), Some(IvaRate::Veintiuno));
        assert_eq!(IvaRate::from_code(7), None);
        assert_eq!(IvaRate::from_code(4).map(IvaRate::rate), Some(Decimal::new(105, 3)));
        assert_eq!(IvaRate::from_percent(Decimal::new(250, 2)), Some(IvaRate::DosComaCinco));
        for rate in IvaRate::ALL {
            assert_eq!(IvaRate::from_code(rate.code()), Some(rate));
        }
    }
}
