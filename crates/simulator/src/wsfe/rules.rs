//! ARCA's validation rules for `FECAESolicitar` (docs/arca.md §D), written for the
//! simulator independently of the client's pre-validation (the two share no code).
//!
//! `check_header` gives the excluding header errors (placed in `Errors`); `check_detail` gives a
//! detail's findings (placed in its `Observaciones`; an excluding one rejects the detail).
//! Numbering against the last authorised voucher (10016 in `Errors`) is the caller's: it
//! depends on the batch being processed.
//!
//! One module per rule family, named for what it checks. `check_detail` runs them in the order
//! of the fields they look at in `FECAEDetRequest` (the order the manual lists its detail
//! validations in): numbers and dates, receiver and document, amounts, IVA and tributos,
//! currency, `CondicionIVAReceptorId`, associated vouchers and periods, opcionales, compradores,
//! and last the registry observations on the receiver, which only ever add non-excluding
//! `Obs`. Within a family, findings come in the order its module documentation gives (field
//! order, then code order). Every applicable finding is reported, not only the first: ARCA's
//! order among several `Obs` is not documented (§Open points 4).

mod amounts;
mod associated;
mod compradores;
mod currency;
mod fce_obligation;
#[cfg(test)]
mod fixtures;
mod header;
mod iva_tributos;
mod numbering_dates;
mod opcionales;
mod receiver;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::params::{self, Class, Kind};
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

impl Finding {
    /// A finding whose excluding flag follows §D.1: only the codes in [`NON_EXCLUDING`] let
    /// the voucher through.
    pub fn new(code: u32, message: impl Into<String>) -> Finding {
        Finding {
            code,
            message: message.into(),
            excluding: !NON_EXCLUDING.contains(&code),
        }
    }
}

/// The codes ARCA reports as observations on an approved voucher (§D.1).
pub const NON_EXCLUDING: &[u32] = &[
    10017, 10041, 10063, 10188, 10209, 10217, 10234, 10235, 10236, 10237, 10238, 10245, 10249, 10283,
];

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
    /// The total in pesos from which this issuer must invoice the receiver CUIT with FCE on a
    /// date (wsfecred's registry; `None`: not obliged, or the issuer is not a MiPyME).
    pub fce_threshold: &'a dyn Fn(i64, NaiveDate) -> Option<Decimal>,
}

/// Header checks (10001–10007), in `Errors`; any finding rejects the whole request.
pub fn check_header(context: &Context<'_>, detail_count: usize) -> Vec<Finding> {
    header::check(context, detail_count)
}

/// One detail's findings, in ARCA's order (see the module documentation).
///
/// A voucher type `FECAESolicitar` does not authorise gives no findings here: the header
/// (10006/10007) already rejects the request.
pub fn check_detail(context: &Context<'_>, detail: &Detail) -> Vec<Finding> {
    let tipo = context.header.cbte_tipo;
    let Some(class) = params::cbte_class(tipo) else {
        return Vec::new();
    };
    let voucher = Voucher {
        context,
        detail,
        tipo,
        class,
        kind: params::cbte_kind(tipo),
        fce: params::is_fce(tipo),
    };
    let mut findings = Vec::new();
    numbering_dates::check(&voucher, &mut findings);
    receiver::check_document(&voucher, &mut findings);
    amounts::check(&voucher, &mut findings);
    iva_tributos::check(&voucher, &mut findings);
    currency::check(&voucher, &mut findings);
    receiver::check_condicion_iva(&voucher, &mut findings);
    associated::check(&voucher, &mut findings);
    opcionales::check(&voucher, &mut findings);
    compradores::check(&voucher, &mut findings);
    fce_obligation::check(&voucher, &mut findings);
    receiver::check_registry(&voucher, &mut findings);
    findings
}

/// The detail under validation with what its header says about it.
struct Voucher<'a> {
    context: &'a Context<'a>,
    detail: &'a Detail,
    /// `FeCabReq/CbteTipo`.
    tipo: i64,
    class: Class,
    kind: Kind,
    /// Factura de Crédito Electrónica MiPyMEs.
    fce: bool,
}

impl Voucher<'_> {
    /// Notes of types 2, 3, 7, 8, 52 and 53, which the manual exempts from the per-rate IVA
    /// arithmetic (10051, 10061) and whose `AlicIva` Id and BaseImp may be 0 (10019, 10020).
    fn is_relaxed_note(&self) -> bool {
        matches!(self.tipo, 2 | 3 | 7 | 8 | 52 | 53)
    }

    /// The voucher date: `CbteFch`, or N when absent (ARCA assigns the processing date).
    fn date(&self) -> Option<NaiveDate> {
        match &self.detail.cbte_fch {
            Some(text) => parse_date(text),
            None => Some(self.context.today),
        }
    }
}

/// A `yyyymmdd` date; `None` when the text is not exactly that.
fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y%m%d").ok()
}

/// ARCA's tolerance for computed amounts (§D.5): within `absolute` (0.01, or 0.01 per item for
/// sums) or within 0.01 % of the expected value.
fn close_enough(expected: Decimal, actual: Decimal, absolute: Decimal) -> bool {
    let difference = (expected - actual).abs();
    difference <= absolute || difference <= expected.abs() * Decimal::new(1, 4)
}

/// 0.01 per item of a sum (at least one item's worth).
fn sum_tolerance(items: usize) -> Decimal {
    Decimal::new(1, 2) * Decimal::from(items.max(1))
}

#[cfg(test)]
mod tests {
    use super::Finding;
    use super::fixtures::{MONOTRIBUTISTA, day, dec, findings};

    #[test]
    fn findings_come_in_field_order() {
        let found = findings(1, |d| {
            d.doc_nro = MONOTRIBUTISTA; // 10217, registry (last)
            d.condicion_iva_receptor_id = None; // 10246
            d.mon_id = Some("USD".to_string()); // 10037
            d.imp_total = dec("500"); // 10048
            d.cbte_fch = Some(day(-9)); // 10016
        });
        let codes: Vec<u32> = found.iter().map(|f| f.code).collect();
        assert_eq!(codes, [10016, 10048, 10037, 10246, 10217]);
    }

    #[test]
    fn excluding_follows_section_d1() {
        for code in [10017, 10041, 10063, 10217, 10237, 10238, 10283] {
            assert!(!Finding::new(code, "").excluding, "{code}");
        }
        for code in [10016, 10048, 10067, 10242, 10246] {
            assert!(Finding::new(code, "").excluding, "{code}");
        }
    }
}
