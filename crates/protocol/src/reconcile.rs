//! Reconciliation after an uncertain `FECAESolicitar`: is the voucher ARCA stored under our
//! number the one we sent?
//!
//! When a request's outcome is unknown (timeout, reset, 5xx, crash mid-flight) ARCA may have
//! authorized it and lost only the answer (§H.2). The issuance engine then asks
//! `FECompConsultar` for the number it had reserved and hands the answer to [`compare`], together
//! with the detail it sent (ARCHITECTURE.md invariant 3). [`Verdict::Same`] means ARCA authorized our
//! voucher: record its CAE, never send it again. [`Verdict::Different`] means the number holds
//! something else (another sender, a bug, a manual issue from ARCA's web form): a serious
//! inconsistency to surface to an operator, never to overwrite and never to "fix" by re-sending.
//! (A 602 "no voucher under that number" answer never reaches this module: the number is free and
//! the same content is re-sent.)
//!
//! # What is compared
//!
//! Field by field, the way pyafipws' "Reprocesar" does: `Concepto`, `DocTipo`, `DocNro`,
//! `CbteDesde`, `CbteHasta`, `CbteFch`, the six header amounts, the service dates and due date,
//! `MonId`, `MonCotiz`, `CanMisMonExt` and `CondicionIVAReceptorId`, the `Iva` lines by `Id`
//! (`BaseImp`, `Importe`), the `Tributos` by `Id` (`Importe`, and `BaseImp`/`Alic`), the
//! `CbtesAsoc` (`Tipo`, `PtoVta`, `Nro`, and `Cuit`/`CbteFch`) and `PeriodoAsoc`. The stored
//! voucher must also be an authorization: `Resultado` (when echoed) `A`, a `CodAutorizacion`
//! and its `FchVto`.
//!
//! # What ARCA normalises, and is tolerated
//!
//! - Number formats: ARCA answers `122` for the `122.00` we sent. Amounts and rates are compared
//!   as decimals, after rounding the sent value the way our wire writer rounds it
//!   ([`crate::wsfe::wire::amount`], [`crate::wsfe::wire::rate`]), since that is what ARCA read.
//! - Absent and empty arrays are the same (the parser yields an empty list for both), and lines
//!   are matched by `Id` (or by `Tipo`/`PtoVta`/`Nro`), not by position.
//! - `CbteFch` not sent: ARCA assigns the processing date, so any stored date matches.
//! - `MonCotiz` not sent (`CanMisMonExt = S`): ARCA fills in its own rate, so any stored one matches.
//! - `CondicionIVAReceptorId` and `CanMisMonExt`: compared only when both sides carry them; the
//!   field postdates vouchers stored before 2025 and ARCA's echo of it is unverified.
//! - `CbteAsoc/Cuit` and `CbteAsoc/CbteFch`, `Tributo/BaseImp` and `Tributo/Alic`: compared only
//!   when both sides carry them, since ARCA's echo may omit them and clients may not send them.
//!   A `Cuit` is compared as a number (leading zeros aside).
//! - `PeriodoAsoc`: compared only when both sides carry it (its echo is unverified).
//! - Not compared: `Tributo/Desc` (free text ARCA may re-encode or trim), `Opcionales`,
//!   `Compradores` and `Actividades` (their echo is unverified; none of them moves money). The
//!   series (`PtoVta`, `CbteTipo`) is not compared either: it is what the engine asked for.
//!
//! This module is pure: it never calls ARCA, never reads a clock and never decides what to do
//! with a verdict.

use std::collections::BTreeMap;
use std::fmt::Display;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::wsfe::{FECAEDetRequest, FECompConsResponse, Resultado, wire};

/// What ARCA's stored voucher says about ours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// ARCA authorized what we sent: record this CAE (`CodAutorizacion`) and its expiry
    /// (`FchVto`).
    Same { cae: String, cae_fch_vto: NaiveDate },
    /// The number holds another voucher (or one without an authorization): every field that
    /// differs, in schema order.
    Different(Vec<Difference>),
}

/// One field whose stored value is not the one sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// ARCA's element name, with the line's key for arrays: `ImpTotal`, `Iva[Id=5].BaseImp`,
    /// `Tributos[Id=99].Importe`, `CbtesAsoc`, `CodAutorizacion`.
    pub field: String,
    /// What we sent, as text (`(absent)` when not sent).
    pub sent: String,
    /// What ARCA stored, as text (`(absent)` when not stored).
    pub stored: String,
}

/// Compares the detail we sent with what `FECompConsultar` answered for its number.
pub fn compare(sent: &FECAEDetRequest, stored: &FECompConsResponse) -> Verdict {
    let mut differences = Differences::default();
    let echo = &stored.detail;

    differences.check("Concepto", sent.concepto, echo.concepto);
    differences.check("DocTipo", sent.doc_tipo, echo.doc_tipo);
    differences.check("DocNro", sent.doc_nro, echo.doc_nro);
    differences.check("CbteDesde", sent.cbte_desde, echo.cbte_desde);
    differences.check("CbteHasta", sent.cbte_hasta, echo.cbte_hasta);
    if sent.cbte_fch.is_some() {
        differences.check("CbteFch", date(sent.cbte_fch), date(echo.cbte_fch));
    }
    for (field, sent_amount, stored_amount) in [
        ("ImpTotal", sent.imp_total, echo.imp_total),
        ("ImpTotConc", sent.imp_tot_conc, echo.imp_tot_conc),
        ("ImpNeto", sent.imp_neto, echo.imp_neto),
        ("ImpOpEx", sent.imp_op_ex, echo.imp_op_ex),
        ("ImpTrib", sent.imp_trib, echo.imp_trib),
        ("ImpIVA", sent.imp_iva, echo.imp_iva),
    ] {
        differences.amount(field, sent_amount, stored_amount);
    }
    differences.check("FchServDesde", date(sent.fch_serv_desde), date(echo.fch_serv_desde));
    differences.check("FchServHasta", date(sent.fch_serv_hasta), date(echo.fch_serv_hasta));
    differences.check("FchVtoPago", date(sent.fch_vto_pago), date(echo.fch_vto_pago));
    differences.check(
        "MonId",
        optional(sent.mon_id.as_deref().map(str::trim)),
        optional(echo.mon_id.as_deref().map(str::trim)),
    );
    if let Some(rate) = sent.mon_cotiz {
        differences.check(
            "MonCotiz",
            as_sent_rate(rate),
            optional(echo.mon_cotiz.map(|rate| rate.normalize())),
        );
    }
    if let (Some(sent_flag), Some(stored_flag)) = (sent.can_mis_mon_ext, echo.can_mis_mon_ext) {
        differences.check("CanMisMonExt", wire::yes_no(sent_flag), wire::yes_no(stored_flag));
    }
    if let (Some(sent_id), Some(stored_id)) = (sent.condicion_iva_receptor_id, echo.condicion_iva_receptor_id) {
        differences.check("CondicionIVAReceptorId", sent_id, stored_id);
    }
    compare_cbtes_asoc(sent, echo, &mut differences);
    compare_tributos(sent, echo, &mut differences);
    compare_iva(sent, echo, &mut differences);
    if let (Some(sent_period), Some(stored_period)) = (&sent.periodo_asoc, &echo.periodo_asoc) {
        differences.check(
            "PeriodoAsoc.FchDesde",
            date(sent_period.fch_desde),
            date(stored_period.fch_desde),
        );
        differences.check(
            "PeriodoAsoc.FchHasta",
            date(sent_period.fch_hasta),
            date(stored_period.fch_hasta),
        );
    }

    // The stored voucher must be an authorization to be recorded as ours.
    if let Some(resultado) = stored.resultado
        && resultado != Resultado::A
    {
        differences.push("Resultado", "A", format!("{resultado:?}"));
    }
    let cae = stored
        .cod_autorizacion
        .as_deref()
        .map(str::trim)
        .filter(|cae| !cae.is_empty());
    if cae.is_none() {
        differences.push("CodAutorizacion", "(a CAE)", ABSENT);
    }
    if stored.fch_vto.is_none() {
        differences.push("FchVto", "(the CAE's expiry)", ABSENT);
    }

    match (differences.0.is_empty(), cae, stored.fch_vto) {
        (true, Some(cae), Some(cae_fch_vto)) => Verdict::Same {
            cae: cae.to_owned(),
            cae_fch_vto,
        },
        _ => Verdict::Different(differences.0),
    }
}

const ABSENT: &str = "(absent)";

/// The differences found so far.
#[derive(Default)]
struct Differences(Vec<Difference>);

impl Differences {
    fn push(&mut self, field: impl Into<String>, sent: impl Into<String>, stored: impl Into<String>) {
        self.0.push(Difference {
            field: field.into(),
            sent: sent.into(),
            stored: stored.into(),
        });
    }

    /// Records a difference when the two values' texts differ.
    fn check(&mut self, field: impl Into<String>, sent: impl Display, stored: impl Display) {
        let (sent, stored) = (sent.to_string(), stored.to_string());
        if sent != stored {
            self.push(field, sent, stored);
        }
    }

    /// An amount, compared as the decimal that went on the wire.
    fn amount(&mut self, field: impl Into<String>, sent: Decimal, stored: Decimal) {
        self.check(field, as_sent_amount(sent), stored.normalize());
    }
}

/// The amount ARCA read: our wire writer's rounding, normalised (`122.00` → `122`).
fn as_sent_amount(value: Decimal) -> Decimal {
    wire::parse_decimal(&wire::amount(value)).map_or(value.normalize(), |read| read.normalize())
}

/// The rate ARCA read (six decimals at most).
fn as_sent_rate(value: Decimal) -> Decimal {
    wire::parse_decimal(&wire::rate(value)).map_or(value.normalize(), |read| read.normalize())
}

fn date(value: Option<NaiveDate>) -> String {
    value.map_or_else(|| ABSENT.to_owned(), wire::date)
}

fn optional(value: Option<impl Display>) -> String {
    value.map_or_else(|| ABSENT.to_owned(), |value| value.to_string())
}

/// Lines grouped by key, in key order; within a key, in the order they came (ARCA refuses
/// repeated IVA ids, 10022, so groups have one line in practice).
fn by_key<T, K: Ord>(lines: &[T], key: impl Fn(&T) -> K) -> BTreeMap<K, Vec<&T>> {
    let mut groups: BTreeMap<K, Vec<&T>> = BTreeMap::new();
    for line in lines {
        groups.entry(key(line)).or_default().push(line);
    }
    groups
}

/// Pairs the lines of both sides by key; a key with a different count on each side is one
/// difference on the array itself (`prefix` names it), described by `describe`.
fn paired<'a, T, K: Ord + Clone + Display>(
    sent: &'a [T],
    stored: &'a [T],
    key: impl Fn(&T) -> K,
    prefix: &str,
    describe: impl Fn(&T) -> String,
    differences: &mut Differences,
) -> Vec<(K, &'a T, &'a T)> {
    let sent_groups = by_key(sent, &key);
    let stored_groups = by_key(stored, &key);
    let mut keys: Vec<&K> = sent_groups.keys().chain(stored_groups.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut pairs = Vec::new();
    for key in keys {
        let (ours, theirs) = (
            sent_groups.get(key).map_or(&[][..], Vec::as_slice),
            stored_groups.get(key).map_or(&[][..], Vec::as_slice),
        );
        if ours.len() != theirs.len() {
            let list = |lines: &[&T]| {
                if lines.is_empty() {
                    ABSENT.to_owned()
                } else {
                    lines.iter().map(|line| describe(line)).collect::<Vec<_>>().join("; ")
                }
            };
            differences.push(format!("{prefix}[{key}]"), list(ours), list(theirs));
            continue;
        }
        pairs.extend(ours.iter().zip(theirs).map(|(a, b)| (key.clone(), *a, *b)));
    }
    pairs
}

fn compare_iva(sent: &FECAEDetRequest, echo: &FECAEDetRequest, differences: &mut Differences) {
    let describe = |line: &crate::wsfe::AlicIva| format!("BaseImp {} Importe {}", line.base_imp, line.importe);
    let key = |line: &crate::wsfe::AlicIva| format!("Id={}", line.id);
    for (key, ours, theirs) in paired(&sent.iva, &echo.iva, key, "Iva", describe, differences) {
        differences.amount(format!("Iva[{key}].BaseImp"), ours.base_imp, theirs.base_imp);
        differences.amount(format!("Iva[{key}].Importe"), ours.importe, theirs.importe);
    }
}

fn compare_tributos(sent: &FECAEDetRequest, echo: &FECAEDetRequest, differences: &mut Differences) {
    let describe = |t: &crate::wsfe::Tributo| format!("Importe {}", t.importe);
    let key = |t: &crate::wsfe::Tributo| format!("Id={}", t.id);
    for (key, ours, theirs) in paired(&sent.tributos, &echo.tributos, key, "Tributos", describe, differences) {
        differences.amount(format!("Tributos[{key}].Importe"), ours.importe, theirs.importe);
        if let (Some(a), Some(b)) = (ours.base_imp, theirs.base_imp) {
            differences.amount(format!("Tributos[{key}].BaseImp"), a, b);
        }
        if let (Some(a), Some(b)) = (ours.alic, theirs.alic) {
            differences.amount(format!("Tributos[{key}].Alic"), a, b);
        }
    }
}

fn compare_cbtes_asoc(sent: &FECAEDetRequest, echo: &FECAEDetRequest, differences: &mut Differences) {
    let key = |a: &crate::wsfe::CbteAsoc| format!("Tipo={},PtoVta={},Nro={}", a.tipo, a.pto_vta, a.nro);
    let describe = |a: &crate::wsfe::CbteAsoc| key(a);
    for (key, ours, theirs) in paired(
        &sent.cbtes_asoc,
        &echo.cbtes_asoc,
        key,
        "CbtesAsoc",
        describe,
        differences,
    ) {
        if let (Some(a), Some(b)) = (&ours.cuit, &theirs.cuit) {
            let digits = |cuit: &str| cuit.trim().trim_start_matches('0').to_owned();
            differences.check(format!("CbtesAsoc[{key}].Cuit"), digits(a), digits(b));
        }
        if let (Some(a), Some(b)) = (ours.cbte_fch, theirs.cbte_fch) {
            differences.check(format!("CbtesAsoc[{key}].CbteFch"), wire::date(a), wire::date(b));
        }
    }
}

#[cfg(test)]
mod tests;
