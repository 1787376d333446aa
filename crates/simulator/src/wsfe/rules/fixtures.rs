//! Test fixtures shared by the rule families: a valid voucher of each class, a fixed context
//! (N = 2026-11-27, a small seeded registry, one stored invoice to associate notes with) and
//! the one `check(tipo, mutate, expected_codes)` helper every family's tests go through.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Context, Finding};
use crate::wsfe::params::{self, Class, Kind};
use crate::wsfe::registry::Taxpayer;
use crate::wsfe::request::{AlicIva, CbteAsoc, Detail, Header, Opcional};

/// The issuer (`Auth/Cuit`).
pub const ISSUER: i64 = 20267565393;
/// The default class A receiver: an active Responsable Inscripto.
pub const RECEIVER: i64 = 30000000007;
/// Registry entries seeded for the registry observations.
pub const MONOTRIBUTISTA: i64 = 20111111112;
pub const INACTIVE: i64 = 20222222223;
pub const NOT_IN_IVA: i64 = 20308769608;
pub const NONEXISTENT: i64 = 20333333334;
/// A CBU whose check digits hold (the issuer's, on FCE invoices).
pub const FCE_CBU: &str = "2850590940090418135201";
/// A receiver obliged to receive FCE from [`FCE_THRESHOLD`] (from MiPyME issuers: every one but
/// [`NOT_MIPYME`]).
pub const FCE_OBLIGED: i64 = 30712345671;
pub const FCE_THRESHOLD: &str = "3958316.00";
/// An issuer that is not a MiPyME.
pub const NOT_MIPYME: i64 = 30500010912;
/// The invoice every note of the fixtures is associated with: number 10 at point of sale 1,
/// stored with ImpTotal 1000.
pub const STORED_NRO: i64 = 10;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid date")
}

/// N ± days as `yyyymmdd`.
pub fn day(offset: i64) -> String {
    (today() + chrono::Duration::days(offset)).format("%Y%m%d").to_string()
}

pub fn dec(text: &str) -> Decimal {
    text.parse().expect("decimal literal")
}

/// Runs `f` with the fixed context for `header`.
pub fn with_context<T>(header: &Header, f: impl FnOnce(&Context<'_>) -> T) -> T {
    with_issuer_context(header, ISSUER, f)
}

/// Runs `f` with the fixed context for `header` and another issuer.
pub fn with_issuer_context<T>(header: &Header, issuer: i64, f: impl FnOnce(&Context<'_>) -> T) -> T {
    let mut rates = BTreeMap::new();
    rates.insert("DOL".to_string(), dec("1000"));
    rates.insert("060".to_string(), dec("1100"));
    let taxpayer = |cuit: i64| {
        let mut entry = Taxpayer::assumed(cuit);
        match cuit {
            MONOTRIBUTISTA => {
                entry.monotributista = true;
                entry.iva_condition = 6;
            }
            INACTIVE => entry.active = false,
            NOT_IN_IVA => entry.active_in_tax = false,
            NONEXISTENT => entry.nonexistent = true,
            _ => {}
        }
        entry
    };
    let stored = |tipo: i64, pto_vta: i64, nro: i64| {
        let invoice = params::cbte_kind(tipo) == Kind::Invoice;
        (invoice && pto_vta == 1 && nro == STORED_NRO).then(|| (day(-3), dec("1000")))
    };
    let fce_threshold =
        |receiver: i64, _: NaiveDate| (receiver == FCE_OBLIGED && issuer != NOT_MIPYME).then(|| dec(FCE_THRESHOLD));
    let context = Context {
        today: today(),
        issuer_cuit: issuer,
        header,
        reg_x_req: 250,
        consumidor_final_threshold: dec("10000000"),
        rates: &rates,
        taxpayer: &taxpayer,
        stored_voucher: &stored,
        fce_threshold: &fce_threshold,
    };
    f(&context)
}

/// A valid detail of voucher type `tipo`: Factura A/B/C amounts (121 = 100 + 21 % IVA; C: 100
/// with no IVA), the receiver its class needs, and for notes an association with the stored
/// invoice of the same class.
pub fn fixture(tipo: i64) -> Detail {
    let class = params::cbte_class(tipo).expect("an authorisable type");
    let mut detail = Detail {
        concepto: 1,
        doc_tipo: 80,
        doc_nro: RECEIVER,
        cbte_desde: 11,
        cbte_hasta: 11,
        cbte_fch: Some(day(0)),
        imp_total: dec("121"),
        imp_neto: dec("100"),
        imp_iva: dec("21"),
        mon_id: Some("PES".to_string()),
        mon_cotiz: Some(dec("1")),
        condicion_iva_receptor_id: Some(1),
        iva: Some(vec![AlicIva {
            id: 5,
            base_imp: dec("100"),
            importe: dec("21"),
        }]),
        ..Detail::default()
    };
    match class {
        Class::A | Class::Aley => {}
        Class::B => {
            detail.doc_tipo = 99;
            detail.doc_nro = 0;
            detail.condicion_iva_receptor_id = Some(5);
        }
        Class::C => {
            detail.doc_tipo = 99;
            detail.doc_nro = 0;
            detail.condicion_iva_receptor_id = Some(5);
            detail.imp_total = dec("100");
            detail.imp_iva = Decimal::ZERO;
            detail.iva = None;
        }
        Class::UsedGoods => {
            detail.doc_tipo = 96;
            detail.doc_nro = 12345678;
            detail.condicion_iva_receptor_id = Some(5);
            detail.imp_total = dec("100");
            detail.imp_tot_conc = dec("100");
            detail.imp_neto = Decimal::ZERO;
            detail.imp_iva = Decimal::ZERO;
            detail.iva = None;
        }
    }
    if params::is_fce(tipo) {
        // FCE goes to an identified company and, on invoices, carries a due date and the CBU.
        detail.doc_tipo = 80;
        detail.doc_nro = RECEIVER;
        if class != Class::A {
            detail.condicion_iva_receptor_id = Some(if class == Class::B { 4 } else { 1 });
        }
        if params::cbte_kind(tipo) == Kind::Invoice {
            detail.fch_vto_pago = Some(day(30));
            detail.opcionales = Some(vec![
                Opcional {
                    id: "2101".to_string(),
                    valor: FCE_CBU.to_string(),
                },
                Opcional {
                    id: "27".to_string(),
                    valor: "SCA".to_string(),
                },
            ]);
        }
    }
    if matches!(params::cbte_kind(tipo), Kind::DebitNote | Kind::CreditNote) {
        let invoice = match (class, params::is_fce(tipo)) {
            (Class::A, true) => 201,
            (Class::B, true) => 206,
            (Class::C, true) => 211,
            (Class::A, false) => 1,
            (Class::B, false) => 6,
            (Class::C, false) => 11,
            _ => 51,
        };
        let fce = params::is_fce(tipo);
        detail.cbtes_asoc = Some(vec![CbteAsoc {
            tipo: invoice,
            pto_vta: 1,
            nro: STORED_NRO,
            cuit: Some(ISSUER.to_string()),
            // FCE notes name the invoice's date (10158): the stored one's.
            cbte_fch: fce.then(|| day(-3)),
        }]);
        if fce {
            // FCE notes say whether they annul the invoice (10173).
            detail.opcionales = Some(vec![Opcional {
                id: "22".to_string(),
                valor: "N".to_string(),
            }]);
        }
    }
    detail
}

/// Every finding for the fixture of `tipo` after `mutate`.
pub fn findings(tipo: i64, mutate: impl Fn(&mut Detail)) -> Vec<Finding> {
    findings_of_issuer(ISSUER, tipo, mutate)
}

/// Every finding for the fixture of `tipo` after `mutate`, issued by `issuer`.
pub fn findings_of_issuer(issuer: i64, tipo: i64, mutate: impl Fn(&mut Detail)) -> Vec<Finding> {
    let mut detail = fixture(tipo);
    mutate(&mut detail);
    let header = Header {
        cant_reg: 1,
        pto_vta: 1,
        cbte_tipo: tipo,
    };
    with_issuer_context(&header, issuer, |context| super::check_detail(context, &detail))
}

/// Asserts the codes found (in any order) for the fixture of `tipo` after `mutate`.
#[track_caller]
pub fn check(tipo: i64, mutate: impl Fn(&mut Detail), expected_codes: &[u32]) {
    let found = findings(tipo, mutate);
    let mut codes: Vec<u32> = found.iter().map(|f| f.code).collect();
    codes.sort_unstable();
    let mut expected = expected_codes.to_vec();
    expected.sort_unstable();
    assert_eq!(codes, expected, "findings: {found:#?}");
}

/// The single finding of `code` (asserting there is exactly one).
#[track_caller]
pub fn finding(tipo: i64, mutate: impl Fn(&mut Detail), code: u32) -> Finding {
    let found = findings(tipo, mutate);
    let matching: Vec<&Finding> = found.iter().filter(|f| f.code == code).collect();
    assert_eq!(matching.len(), 1, "findings: {found:#?}");
    matching[0].clone()
}

#[test]
fn every_fixture_is_valid() {
    for (tipo, _, _) in params::CBTE_TIPOS {
        check(*tipo, |_| {}, &[]);
    }
}
