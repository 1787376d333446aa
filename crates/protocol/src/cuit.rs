//! The CUIT (Clave Única de Identificación Tributaria): 11 digits, the last a mod-11 check digit.

use std::fmt;
use std::str::FromStr;

/// A CUIT whose check digit is valid. The only way to get one is [`Cuit::parse`] (or `FromStr`),
/// so holding a `Cuit` means the number is well formed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cuit(u64);

/// Why a string is not a CUIT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CuitError {
    /// Not 11 digits once the optional dashes are removed.
    #[error("a CUIT has 11 digits (dashes allowed as 20-12345678-9)")]
    Format,
    /// The 11th digit does not match the mod-11 check of the first ten.
    #[error("the CUIT check digit is wrong (expected {expected})")]
    CheckDigit { expected: u8 },
}

/// Weights of ARCA's mod-11 check over the first ten digits.
const WEIGHTS: [u64; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

impl Cuit {
    /// Parses `20267565393` or `20-26756539-3` and checks the verification digit.
    pub fn parse(text: &str) -> Result<Cuit, CuitError> {
        let digits: Vec<u8> = text
            .trim()
            .bytes()
            .filter(|b| *b != b'-')
            .map(|b| {
                if b.is_ascii_digit() {
                    Ok(b - b'0')
                } else {
                    Err(CuitError::Format)
                }
            })
            .collect::<Result<_, _>>()?;
        if digits.len() != 11 {
            return Err(CuitError::Format);
        }
        let expected = check_digit(&digits[..10]).ok_or(CuitError::CheckDigit { expected: 10 })?;
        if digits[10] != expected {
            return Err(CuitError::CheckDigit { expected });
        }
        Ok(Cuit(digits.iter().fold(0u64, |n, d| n * 10 + u64::from(*d))))
    }

    /// Builds a CUIT from its first ten digits by appending the right check digit. `None` when
    /// the prefix has no valid digit (the remainder 10 case, which ARCA avoids by changing the
    /// prefix to 23/24/…).
    pub fn from_prefix(first_ten: u64) -> Option<Cuit> {
        if first_ten >= 10_000_000_000 {
            return None;
        }
        let text = format!("{first_ten:010}");
        let digits: Vec<u8> = text.bytes().map(|b| b - b'0').collect();
        let check = check_digit(&digits)?;
        Some(Cuit(first_ten * 10 + u64::from(check)))
    }

    /// The CUIT as ARCA's `long` fields carry it.
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// `20-26756539-3`.
    pub fn formatted(self) -> String {
        let s = self.to_string();
        format!("{}-{}-{}", &s[..2], &s[2..10], &s[10..])
    }
}

/// The mod-11 check digit of ten digits; `None` when the remainder gives 10 (no valid digit).
fn check_digit(first_ten: &[u8]) -> Option<u8> {
    let sum: u64 = first_ten.iter().zip(WEIGHTS).map(|(d, w)| u64::from(*d) * w).sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        digit => u8::try_from(digit).ok(),
    }
}

impl FromStr for Cuit {
    type Err = CuitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cuit::parse(s)
    }
}

impl fmt::Display for Cuit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:011}", self.0)
    }
}

/// Serialised as its 11 digits in a string, the way the API shows CUITs.
impl serde::Serialize for Cuit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Read from a string (`"20267565393"` or `"20-26756539-3"`) or an integer; the check digit
/// is verified either way.
impl<'de> serde::Deserialize<'de> for Cuit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Cuit;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CUIT (11 digits with a valid check digit)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Cuit, E> {
                Cuit::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Cuit, E> {
                Cuit::parse(&format!("{v:011}")).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Cuit, E> {
                u64::try_from(v).map_err(E::custom).and_then(|v| self.visit_u64(v))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl fmt::Debug for Cuit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cuit({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, CuitError>) {
        assert_eq!(
            Cuit::parse(input).map(|c| c.to_string()),
            expected.map(String::from),
            "{input}"
        );
    }

    #[test]
    fn parses_real_cuits_and_rejects_bad_ones() {
        // The homologation certificate owner and ARCA's own CUIT, from the recorded traffic.
        check("20267565393", Ok("20267565393"));
        check("33-69345023-9", Ok("33693450239"));
        check("20267565394", Err(CuitError::CheckDigit { expected: 3 }));
        check("2026756539", Err(CuitError::Format));
        check("2026756539X", Err(CuitError::Format));
        check("", Err(CuitError::Format));
    }

    #[test]
    fn serde_round_trips_as_a_string_and_checks_the_digit() {
        let cuit = Cuit::parse("20267565393").unwrap();
        assert_eq!(serde_json::to_string(&cuit).unwrap(), "\"20267565393\"");
        assert_eq!(serde_json::from_str::<Cuit>("\"20-26756539-3\"").unwrap(), cuit);
        assert_eq!(serde_json::from_str::<Cuit>("20267565393").unwrap(), cuit);
        assert!(serde_json::from_str::<Cuit>("\"20267565394\"").is_err());
        assert!(serde_json::from_str::<Cuit>("-1").is_err());
    }

    #[test]
    fn from_prefix_appends_the_check_digit() {
        assert_eq!(Cuit::from_prefix(2026756539).unwrap().to_string(), "20267565393");
        assert_eq!(Cuit::parse("20267565393").unwrap().formatted(), "20-26756539-3");
    }
}
