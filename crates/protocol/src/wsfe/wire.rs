//! How WSFEv1 values look on the wire, both ways: the request writer (every element in the FEV1
//! namespace), number and date formatting, and tolerant readers for what ASMX sends back.
//!
//! This module knows nothing about operations; it never decides what a value means.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::Error;
use crate::xml::{Element, escape};

/// The namespace of every WSFEv1 element, request and response (§A.3; exact case).
pub const NAMESPACE: &str = "http://ar.gov.afip.dif.FEV1/";

/// The prefix bound to [`NAMESPACE`] in the envelopes we build.
const PREFIX: &str = "ar";

/// Decimal places ARCA keeps for amounts (13+2), tributo rates and buyer shares (§D.5).
pub const AMOUNT_DECIMALS: u32 = 2;
/// Decimal places ARCA keeps for `MonCotiz` (4+6).
pub const RATE_DECIMALS: u32 = 6;

/// Appends namespace-qualified elements to a request body. ASMX ignores elements outside the
/// FEV1 namespace (a bare `<Auth>` yields Err 500), so every element is written prefixed.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// An empty body.
    pub fn new() -> XmlWriter {
        XmlWriter::default()
    }

    /// `<ar:name>`.
    pub fn open(&mut self, name: &str) {
        self.out.push_str(&format!("<{PREFIX}:{name}>"));
    }

    /// `</ar:name>`.
    pub fn close(&mut self, name: &str) {
        self.out.push_str(&format!("</{PREFIX}:{name}>"));
    }

    /// `<ar:name>text</ar:name>`, the text escaped.
    pub fn leaf(&mut self, name: &str, text: impl std::fmt::Display) {
        self.out.push_str(&format!(
            "<{PREFIX}:{name}>{}</{PREFIX}:{name}>",
            escape(&text.to_string())
        ));
    }

    /// Writes the element only when there is a value: absent optional elements are omitted, not
    /// sent empty (ARCA complains about some empty ones, e.g. `MonCotiz`).
    pub fn optional_leaf(&mut self, name: &str, text: Option<impl std::fmt::Display>) {
        if let Some(text) = text {
            self.leaf(name, text);
        }
    }

    /// The written XML fragment.
    pub fn into_string(self) -> String {
        self.out
    }
}

/// An amount as ARCA accepts it: plain digits, at most 2 decimals, no exponent (`121`, `121.5`).
/// Extra decimals are rounded half-to-even, the rounding ARCA's tolerance annex uses.
pub fn amount(value: Decimal) -> String {
    plain(value, AMOUNT_DECIMALS)
}

/// A currency rate (`MonCotiz`): at most 6 decimals.
pub fn rate(value: Decimal) -> String {
    plain(value, RATE_DECIMALS)
}

fn plain(value: Decimal, decimals: u32) -> String {
    // `Decimal`'s Display never uses an exponent; normalising drops trailing zeros.
    value
        .round_dp_with_strategy(decimals, RoundingStrategy::MidpointNearestEven)
        .normalize()
        .to_string()
}

/// `yyyymmdd`, the only date form WSFEv1 knows.
pub fn date(value: NaiveDate) -> String {
    value.format("%Y%m%d").to_string()
}

/// `yyyymmddhhmiss` (`CbteFchHsGen`, `FchProceso`).
pub fn timestamp(value: NaiveDateTime) -> String {
    value.format("%Y%m%d%H%M%S").to_string()
}

/// `S` / `N`, ARCA's booleans.
pub fn yes_no(value: bool) -> &'static str {
    if value { "S" } else { "N" }
}

/// Parses a `yyyymmdd` date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y%m%d").ok()
}

/// Parses `yyyymmddhhmiss`, or a bare `yyyymmdd` (midnight): `FchProceso` comes both ways
/// (`FECAESolicitar` gives 14 digits, `FECAEASinMovimientoInformar` 8).
pub fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S")
        .ok()
        .or_else(|| parse_date(text).and_then(|d| d.and_hms_opt(0, 0, 0)))
}

/// Parses a .NET double into an exact decimal: `122`, `101.202`, and, defensively, the
/// exponent form (`1E-05`) .NET uses for very small values.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    Decimal::from_str(text)
        .ok()
        .or_else(|| Decimal::from_scientific(text).ok())
}

/// Reads the children of one response or request element, with the .NET quirks in one place:
/// empty elements (`<CAE />`) and the literal `NULL` mean "no value"; a required value that is
/// missing or unparsable is [`Error::Malformed`], naming the element.
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    element: &'a Element,
}

impl<'a> Fields<'a> {
    /// Reads the children of `element`.
    pub fn of(element: &'a Element) -> Fields<'a> {
        Fields { element }
    }

    /// The element itself, for nested structures.
    pub fn element(&self) -> &'a Element {
        self.element
    }

    /// The child's text when it carries a value (not absent, empty or `NULL`).
    pub fn text(&self, name: &str) -> Option<&'a str> {
        let text = self.element.child(name)?.text.trim();
        (!text.is_empty() && text != "NULL").then_some(text)
    }

    /// An optional string.
    pub fn string(&self, name: &str) -> Option<String> {
        self.text(name).map(str::to_owned)
    }

    /// A string that must be there.
    pub fn required_string(&self, name: &str) -> Result<String, Error> {
        self.string(name).ok_or_else(|| self.missing(name))
    }

    /// An optional integer.
    pub fn number<T: FromStr>(&self, name: &str) -> Result<Option<T>, Error> {
        self.text(name)
            .map(|text| text.parse::<T>().map_err(|_| self.invalid(name, text)))
            .transpose()
    }

    /// An integer that must be there.
    pub fn required_number<T: FromStr>(&self, name: &str) -> Result<T, Error> {
        self.number(name)?.ok_or_else(|| self.missing(name))
    }

    /// An optional amount or rate.
    pub fn decimal(&self, name: &str) -> Result<Option<Decimal>, Error> {
        self.text(name)
            .map(|text| parse_decimal(text).ok_or_else(|| self.invalid(name, text)))
            .transpose()
    }

    /// An amount or rate that must be there.
    pub fn required_decimal(&self, name: &str) -> Result<Decimal, Error> {
        self.decimal(name)?.ok_or_else(|| self.missing(name))
    }

    /// An optional `yyyymmdd` date.
    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, Error> {
        self.text(name)
            .map(|text| parse_date(text).ok_or_else(|| self.invalid(name, text)))
            .transpose()
    }

    /// An optional `yyyymmddhhmiss` (or `yyyymmdd`) time.
    pub fn timestamp(&self, name: &str) -> Result<Option<NaiveDateTime>, Error> {
        self.text(name)
            .map(|text| parse_timestamp(text).ok_or_else(|| self.invalid(name, text)))
            .transpose()
    }

    /// `S` → true, `N` → false.
    pub fn yes_no(&self, name: &str) -> Result<Option<bool>, Error> {
        match self.text(name) {
            None => Ok(None),
            Some("S") => Ok(Some(true)),
            Some("N") => Ok(Some(false)),
            Some(other) => Err(self.invalid(name, other)),
        }
    }

    /// Parses every `item` inside the array element `array`; an absent array is empty.
    pub fn array<T>(
        &self,
        array: &str,
        item: &str,
        parse: impl Fn(Fields<'a>) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        match self.element.child(array) {
            None => Ok(Vec::new()),
            Some(array) => array
                .children
                .iter()
                .filter(|c| c.name == item)
                .map(|e| parse(Fields::of(e)))
                .collect(),
        }
    }

    fn missing(&self, name: &str) -> Error {
        Error::Malformed(format!("{} has no {name}", self.element.name))
    }

    fn invalid(&self, name: &str, text: &str) -> Error {
        Error::Malformed(format!("{}/{name} is not valid: {text:?}", self.element.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn numbers_are_plain_and_bounded() {
        assert_eq!(amount(dec("121.00")), "121");
        assert_eq!(amount(dec("0.105")), "0.1");
        assert_eq!(amount(dec("0.115")), "0.12");
        assert_eq!(amount(dec("1220000.0")), "1220000");
        assert_eq!(amount(dec("0.00000001")), "0");
        assert_eq!(amount(Decimal::new(1, 20)), "0");
        assert_eq!(rate(dec("101.2020004")), "101.202");
        assert_eq!(rate(dec("1.000")), "1");
    }

    #[test]
    fn reads_dotnet_numbers_and_dates() {
        assert_eq!(parse_decimal("122"), Some(dec("122")));
        assert_eq!(parse_decimal("101.202"), Some(dec("101.202")));
        assert_eq!(parse_decimal("1E-05"), Some(dec("0.00001")));
        assert_eq!(parse_decimal("abc"), None);
        assert_eq!(parse_date("20210711"), NaiveDate::from_ymd_opt(2021, 7, 11));
        assert_eq!(parse_date("NULL"), None);
        assert_eq!(timestamp(parse_timestamp("20210701172101").unwrap()), "20210701172101");
        assert_eq!(timestamp(parse_timestamp("20210722").unwrap()), "20210722000000");
    }

    #[test]
    fn fields_treat_empty_and_null_as_absent() {
        let element = crate::xml::parse("<R><CAE /><FchBaja>NULL</FchBaja><N> 7 </N><B>x</B></R>").unwrap();
        let fields = Fields::of(&element);
        assert_eq!(fields.string("CAE"), None);
        assert_eq!(fields.date("FchBaja").unwrap(), None);
        assert_eq!(fields.required_number::<i32>("N").unwrap(), 7);
        assert!(fields.required_number::<i32>("B").is_err());
        assert!(fields.required_number::<i32>("Missing").is_err());
        assert!(
            fields
                .array("Nope", "X", |f| f.required_string("Y"))
                .unwrap()
                .is_empty()
        );
    }
}
