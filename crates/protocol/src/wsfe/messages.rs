//! What ARCA says besides the data: `Errors/Err`, `Events/Evt`, per-detail
//! `Observaciones/Obs` (§C.1), and the `A`/`R`/`P` verdict.
//!
//! These are plain values; deciding what an error means for the caller happens in
//! [`super::outcome`] and [`super::codes`], never here.

use std::fmt;

use crate::Error;

use super::wire::Fields;

/// One `Errors/Err`: a request-level error (`Code`, `Msg`).
///
/// Named `ArcaErr` rather than ARCA's `Err`, which would shadow `Result::Err`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArcaErr {
    pub code: i32,
    pub msg: String,
}

/// One `Events/Evt`: an announcement from ARCA (e.g. Evt 41 on RG 5616), not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evt {
    pub code: i32,
    pub msg: String,
}

/// One `Observaciones/Obs` of a detail: why it was rejected, or a non-excluding remark on an
/// approved one (e.g. 10217).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obs {
    pub code: i32,
    pub msg: String,
}

impl fmt::Display for ArcaErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.msg)
    }
}

/// ARCA's verdict on a request or one detail. Serialised as its letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Resultado {
    /// `A`: approved (possibly with observations).
    A,
    /// `R`: rejected.
    R,
    /// `P`: partial, some details approved and some rejected (header only).
    P,
}

impl Resultado {
    /// `A`, `R` or `P`.
    pub fn parse(text: &str) -> Option<Resultado> {
        match text.trim() {
            "A" => Some(Resultado::A),
            "R" => Some(Resultado::R),
            "P" => Some(Resultado::P),
            _ => None,
        }
    }

    /// The wire letter.
    pub fn as_str(self) -> &'static str {
        match self {
            Resultado::A => "A",
            Resultado::R => "R",
            Resultado::P => "P",
        }
    }
}

/// Reads `Errors/Err` of a `...Result` element (absent → empty).
pub(crate) fn parse_errors(result: Fields<'_>) -> Result<Vec<ArcaErr>, Error> {
    result.array("Errors", "Err", |f| {
        Ok(ArcaErr {
            code: f.required_number("Code")?,
            msg: f.string("Msg").unwrap_or_default(),
        })
    })
}

/// Reads `Events/Evt` (absent → empty).
pub(crate) fn parse_events(result: Fields<'_>) -> Result<Vec<Evt>, Error> {
    result.array("Events", "Evt", |f| {
        Ok(Evt {
            code: f.required_number("Code")?,
            msg: f.string("Msg").unwrap_or_default(),
        })
    })
}

/// Reads `Observaciones/Obs` (absent → empty).
pub(crate) fn parse_observaciones(detail: Fields<'_>) -> Result<Vec<Obs>, Error> {
    detail.array("Observaciones", "Obs", |f| {
        Ok(Obs {
            code: f.required_number("Code")?,
            msg: f.string("Msg").unwrap_or_default(),
        })
    })
}

/// Reads a required `Resultado`.
pub(crate) fn parse_resultado(fields: Fields<'_>) -> Result<Resultado, Error> {
    let text = fields.required_string("Resultado")?;
    Resultado::parse(&text).ok_or_else(|| Error::Malformed(format!("unknown Resultado {text:?}")))
}

/// Reads an optional `Resultado` (empty or absent → `None`).
pub(crate) fn parse_optional_resultado(fields: Fields<'_>) -> Result<Option<Resultado>, Error> {
    match fields.text("Resultado") {
        None => Ok(None),
        Some(_) => parse_resultado(fields).map(Some),
    }
}
