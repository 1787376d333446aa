//! ARCA's validation rules for `FECAESolicitar` (arca-protocol.md §D), written for the
//! simulator independently of the client's pre-validation (the two share no code).
//!
//! `check_header` gives the excluding header errors (placed in `Errors`); `check_detail` gives a
//! detail's findings (placed in its `Observaciones`; an excluding one rejects the detail).
//! Numbering against the last authorised voucher (10016 in `Errors`) is the caller's: it
//! depends on the batch being processed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::registry::Taxpayer;
use super::request::{Detail, Header};

/// One rule's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: u32,
    pub message: String,
    /// Excluding ("excluyente"): the detail is rejected. Otherwise an observation on an
    /// approved voucher.
    pub excluding: bool,
}

/// What the rules may consult besides the request itself.
pub struct Context<'a> {
    /// N: Argentina's calendar day at the server.
    pub today: NaiveDate,
    /// `Auth/Cuit`.
    pub issuer_cuit: i64,
    pub header: &'a Header,
    /// `FECompTotXRequest` (250 by default).
    pub reg_x_req: i64,
    /// Consumidor-final identification threshold in pesos (RG 5700: 10,000,000).
    pub consumidor_final_threshold: Decimal,
    /// ARCA's rates per currency id, as `FEParamGetCotizacion` gives them.
    pub rates: &'a BTreeMap<String, Decimal>,
    /// The registry entry for a CUIT.
    pub taxpayer: &'a dyn Fn(i64) -> Taxpayer,
    /// An authorised voucher of this issuer, if stored: (CbteTipo, PtoVta, Nro) → (CbteFch, ImpTotal).
    pub stored_voucher: &'a dyn Fn(i64, i64, i64) -> Option<(String, Decimal)>,
}

/// Header checks (10001–10007 …), in `Errors`; any finding rejects the whole request.
pub fn check_header(_context: &Context<'_>, _detail_count: usize) -> Vec<Finding> {
    Vec::new()
}

/// One detail's findings, in ARCA's order.
pub fn check_detail(_context: &Context<'_>, _detail: &Detail) -> Vec<Finding> {
    Vec::new()
}
