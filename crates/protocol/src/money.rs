//! Exact money amounts as ARCA's `double` amount fields carry them (13 integer digits + 2
//! decimals).
//!
//! [`Money`] wraps a [`Decimal`], so sums and products are exact; rounding happens only where ARCA
//! rounds (to two decimals, half away from zero — see [`Money::round`]). This module never uses
//! floating point: amounts are parsed from text or built from integers.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Mul, Neg, Sub};
use std::str::FromStr;

pub use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;

/// An exact amount in some currency (the voucher's `MonId`). It may carry more than two
/// decimals while it is an intermediate result (`BaseImp × 0.105`); [`Money::round`] brings it to
/// ARCA's two decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a plain decimal number (`1500`, `1500.5`, `-3.25`); exponents, thousands separators
    /// and decimal commas are refused rather than guessed.
    #[error("not a decimal amount: {0:?}")]
    Format(String),
}

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// ARCA's amounts have two decimals.
    pub const SCALE: u32 = 2;

    /// Wraps an exact decimal unchanged.
    pub fn new(amount: Decimal) -> Money {
        Money(amount)
    }

    /// `from_cents(150000)` is 1500.00.
    pub fn from_cents(cents: i64) -> Money {
        Money(Decimal::new(cents, Self::SCALE))
    }

    /// Whole units: `from_units(1500)` is 1500.00.
    pub fn from_units(units: i64) -> Money {
        let mut amount = Decimal::from(units);
        amount.rescale(Self::SCALE);
        Money(amount)
    }

    /// Parses `"1500.00"`, `"1500"`, `"-3.5"`, `" 21 "`. Only digits, one optional leading sign
    /// and one optional decimal point: no exponents, no `,`.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        parse_plain_decimal(text)
            .map(Money)
            .ok_or_else(|| MoneyError::Format(text.to_owned()))
    }

    /// The exact value.
    pub fn amount(self) -> Decimal {
        self.0
    }

    /// Rounded to two decimals, half away from zero (`0.125` → `0.13`, `-0.125` → `-0.13`), the
    /// way ARCA's manual and its reference clients round amounts.
    pub fn round(self) -> Money {
        Money(
            self.0
                .round_dp_with_strategy(Self::SCALE, RoundingStrategy::MidpointAwayFromZero),
        )
    }

    /// Whether the value has no more than two significant decimals (ARCA's 13+2 format, code
    /// 10056); trailing zeros do not count (`1.500` fits).
    pub fn fits_two_decimals(self) -> bool {
        self.0.normalize().scale() <= Self::SCALE
    }

    /// Whether the integer part has at most 13 digits (ARCA's 13+2 format).
    pub fn fits_arca_width(self) -> bool {
        self.0.abs().trunc() < Decimal::from(10_000_000_000_000_i64)
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn is_positive(self) -> bool {
        self.0.is_sign_positive() && !self.0.is_zero()
    }

    /// The absolute value.
    pub fn abs(self) -> Money {
        Money(self.0.abs())
    }

    /// The amount as sent on the wire: two decimals, `.` separator (`1500.00`).
    pub fn to_wire(self) -> String {
        format!("{:.2}", self.round().0)
    }
}

/// Parses `[+-]digits[.digits]` exactly; `None` for anything else.
pub(crate) fn parse_plain_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if integer.is_empty() || !digits_only(integer) || !digits_only(fraction) {
        return None;
    }
    if unsigned.ends_with('.') {
        return None;
    }
    Decimal::from_str(text).ok()
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(text: &str) -> Result<Money, MoneyError> {
        Money::parse(text)
    }
}

impl From<Decimal> for Money {
    fn from(amount: Decimal) -> Money {
        Money(amount)
    }
}

impl From<i64> for Money {
    fn from(units: i64) -> Money {
        Money::from_units(units)
    }
}

impl fmt::Display for Money {
    /// Two decimals, rounded the ARCA way: `1500.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_wire())
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(self.0 + other.0)
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        Money(self.0 - other.0)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

/// Amount × rate (an IVA or tributo rate, an exchange rate); exact, not rounded.
impl Mul<Decimal> for Money {
    type Output = Money;
    fn mul(self, rate: Decimal) -> Money {
        Money(self.0 * rate)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    #[test]
    fn parses_plain_decimals_and_refuses_the_rest() {
        assert_eq!(money("1500.00"), Money::from_cents(150_000));
        assert_eq!(money("1500"), Money::from_units(1500));
        assert_eq!(money(" -3.5 "), Money::from_cents(-350));
        for bad in ["", "1,5", "1e3", "abc", "1.", ".5", "1.2.3", "--1", "NaN"] {
            assert!(Money::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(money("0.125").round(), money("0.13"));
        assert_eq!(money("0.135").round(), money("0.14"));
        assert_eq!(money("-0.125").round(), money("-0.13"));
        assert_eq!(money("2.344").round(), money("2.34"));
        // 10.5 % of 33.33 is 3.49965: the exact product, then ARCA's rounding.
        let iva = money("33.33") * Decimal::from_str("0.105").unwrap();
        assert_eq!(iva.amount(), Decimal::from_str("3.49965").unwrap());
        assert_eq!(iva.round().to_wire(), "3.50");
    }

    #[test]
    fn sums_are_exact() {
        // The classic float trap: 0.1 + 0.2.
        let total: Money = [money("0.1"), money("0.2")].iter().sum();
        assert_eq!(total, money("0.3"));
    }

    #[test]
    fn formats_with_two_decimals() {
        assert_eq!(money("122").to_string(), "122.00");
        assert_eq!(money("1.005").to_wire(), "1.01");
        assert!(money("1.500").fits_two_decimals());
        assert!(!money("1.505").fits_two_decimals());
        assert!(money("9999999999999.99").fits_arca_width());
        assert!(!money("10000000000000").fits_arca_width());
    }
}
