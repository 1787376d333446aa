//! Local pre-validation of a `FECAESolicitar` request, mirroring ARCA's rules with ARCA's codes.
//!
//! [`validate`] runs every rule family (one file each under `validate/`) and returns every issue
//! found, so a caller can refuse a voucher ARCA would reject without spending a round trip or a
//! number. It is a subset of ARCA's checks: whatever needs ARCA's registry (is the receiver
//! active, is the point of sale of type RECE, the official exchange rate) is left to ARCA. A clean
//! result is therefore necessary, not sufficient, for approval.
//!
//! Rules are pure functions of the request and a [`ValidationContext`]; they never read the system
//! clock (the Argentine calendar date is `ctx.today`), never call ARCA and never change the
//! request.
//!
//! # Field paths
//!
//! [`ValidationIssue::field`] names the offending element with ARCA's element names:
//! `FeCabReq.CantReg` for the header, `FeDetReq` for the list of details, and
//! `FeDetReq[i].Element` for detail `i` (0-based), with arrays as `FeDetReq[i].Iva[j].Importe`,
//! `FeDetReq[i].Tributos[j].Importe`, `FeDetReq[i].CbtesAsoc[j].Tipo`,
//! `FeDetReq[i].PeriodoAsoc.FchHasta`. A rule about several fields names the one ARCA's message
//! is about (`ImpTotal` for the total identity).

mod amounts;
mod associated;
mod class;
mod currency;
mod dates;
mod fce;
mod header;
mod iva_and_tributos;
mod numbering;
mod receiver;
mod receiver_iva_condition;
#[cfg(test)]
mod recorded_tests;

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::Cuit;
use crate::codes::{CONSUMIDOR_FINAL_THRESHOLD_PESOS, CbteTipo, DEFAULT_MAX_RECORDS_PER_REQUEST};
use crate::money::Money;
use crate::voucher::CaeRequest;

pub use fce::{TRANSFER_OPTIONS, is_valid_cbu};

/// One rule a request breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationIssue {
    /// Where: see the module docs for the path format.
    pub field: String,
    /// ARCA's code for the rule (`10048`, …).
    pub code: u32,
    /// ARCA's literal message where the reference quotes it, otherwise a plain Spanish one.
    pub message: String,
    /// Where ARCA would report it.
    pub kind: IssueKind,
}

/// Where ARCA reports a rule. Every issue this module returns is one ARCA rejects for; the kind
/// only says where its answer would carry the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IssueKind {
    /// In `Errors/Err`: the whole request is rejected (header rules, numbering).
    Err,
    /// In the detail's `Observaciones/Obs`, with the detail rejected (`Resultado R`).
    Obs,
}

/// The issuer's IVA registration, which decides the voucher classes it may issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IssuerIvaCondition {
    /// Issues A, B, M (and FCE A/B) and 49.
    ResponsableInscripto,
    /// Issues C (and FCE C) and 49.
    Monotributo,
    /// Issues C (and FCE C) and 49.
    Exento,
}

impl IssuerIvaCondition {
    /// Whether this issuer may issue vouchers of `class` (rule 10007).
    pub fn may_issue(self, class: crate::codes::CbteClass) -> bool {
        use crate::codes::CbteClass;
        match self {
            IssuerIvaCondition::ResponsableInscripto => {
                matches!(
                    class,
                    CbteClass::A | CbteClass::B | CbteClass::M | CbteClass::BienesUsados
                )
            }
            IssuerIvaCondition::Monotributo | IssuerIvaCondition::Exento => {
                matches!(class, CbteClass::C | CbteClass::BienesUsados)
            }
        }
    }
}

/// A numbering series: ARCA numbers vouchers per CUIT + point of sale + voucher type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Series {
    pub punto_venta: u32,
    pub cbte_tipo: CbteTipo,
}

/// The last voucher ARCA authorized in a series (`FECompUltimoAutorizado`, and its date from
/// `FECompConsultar` or local records).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastAuthorized {
    /// 0 when the series was never used.
    pub number: u64,
    pub date: Option<NaiveDate>,
}

/// What the rules need besides the request.
#[derive(Clone, Debug)]
pub struct ValidationContext {
    /// The issuing CUIT (`Auth/Cuit`).
    pub issuer: Cuit,
    /// The issuer's IVA condition, if known; class rules that depend on it are skipped otherwise.
    pub issuer_iva_condition: Option<IssuerIvaCondition>,
    /// "N" of ARCA's date windows: the Argentine (UTC−3) calendar date the request is sent on.
    /// Injected by the caller (e.g. from [`crate::clock::Clock`] in [`crate::clock::argentina`]).
    pub today: NaiveDate,
    /// Last authorized voucher per series, where known; numbering rules are skipped otherwise.
    pub last_authorized: HashMap<Series, LastAuthorized>,
    /// Consumidor-final identification threshold in pesos (§D.7), compared with
    /// `ImpTotal × MonCotiz`. Defaults to RG 5700's $10.000.000.
    pub consumidor_final_threshold: Money,
    /// `FECompTotXRequest.RegXReq`; 250 by default.
    pub max_records_per_request: u32,
}

impl ValidationContext {
    /// A context with defaults for everything but the issuer and the date.
    pub fn new(issuer: Cuit, today: NaiveDate) -> ValidationContext {
        ValidationContext {
            issuer,
            issuer_iva_condition: None,
            today,
            last_authorized: HashMap::new(),
            consumidor_final_threshold: Money::from_units(CONSUMIDOR_FINAL_THRESHOLD_PESOS),
            max_records_per_request: DEFAULT_MAX_RECORDS_PER_REQUEST,
        }
    }

    pub fn with_issuer_iva_condition(mut self, condition: IssuerIvaCondition) -> ValidationContext {
        self.issuer_iva_condition = Some(condition);
        self
    }

    pub fn with_last_authorized(mut self, series: Series, last: LastAuthorized) -> ValidationContext {
        self.last_authorized.insert(series, last);
        self
    }

    /// The last authorized voucher of the request's series, if known.
    fn last_of(&self, request: &CaeRequest) -> Option<LastAuthorized> {
        let series = Series {
            punto_venta: request.punto_venta(),
            cbte_tipo: request.cbte_tipo(),
        };
        self.last_authorized.get(&series).copied()
    }
}

/// Every issue ARCA's rules find in `request`, header first, then detail by detail; empty when
/// none of the local checks fails.
pub fn validate(request: &CaeRequest, ctx: &ValidationContext) -> Vec<ValidationIssue> {
    let mut issues = Vec::new();
    header::check(request, ctx, &mut issues);
    numbering::check(request, ctx, &mut issues);
    for (index, voucher) in request.vouchers().iter().enumerate() {
        let detail = Detail { index, voucher, ctx };
        class::check(&detail, &mut issues);
        receiver::check(&detail, &mut issues);
        dates::check(&detail, &mut issues);
        amounts::check(&detail, &mut issues);
        iva_and_tributos::check(&detail, &mut issues);
        currency::check(&detail, &mut issues);
        receiver_iva_condition::check(&detail, &mut issues);
        associated::check(&detail, &mut issues);
        fce::check(&detail, &mut issues);
    }
    issues
}

/// One detail under validation, with its position for field paths.
struct Detail<'a> {
    index: usize,
    voucher: &'a crate::voucher::Voucher,
    ctx: &'a ValidationContext,
}

impl Detail<'_> {
    /// `FeDetReq[i].Element`.
    fn field(&self, element: &str) -> String {
        format!("FeDetReq[{}].{element}", self.index)
    }

    /// An excluding observation on this detail.
    fn obs(&self, element: &str, code: u32, message: impl Into<String>) -> ValidationIssue {
        ValidationIssue {
            field: self.field(element),
            code,
            message: message.into(),
            kind: IssueKind::Obs,
        }
    }

    /// The voucher date ARCA will use: the one sent or, when absent, the processing date.
    fn cbte_fch(&self) -> NaiveDate {
        self.voucher.cbte_fch.unwrap_or(self.ctx.today)
    }
}

impl ValidationIssue {
    fn err(field: impl Into<String>, code: u32, message: impl Into<String>) -> ValidationIssue {
        ValidationIssue {
            field: field.into(),
            code,
            message: message.into(),
            kind: IssueKind::Err,
        }
    }
}

/// The shared fixture and `check` helper of the rule tests: a real voucher ARCA approved
/// (homologation, 2021-07-01, `test_autorizar_comprobante.yaml`) and mutations of it.
#[cfg(test)]
pub(crate) mod testing {
    use std::str::FromStr;

    use super::*;
    use crate::codes::{Concepto, IvaRate, TributoTipo};
    use crate::money::Decimal;
    use crate::voucher::{AlicIva, Tributo, Voucher};

    pub fn money(text: &str) -> Money {
        Money::parse(text).expect("test amount")
    }

    pub fn decimal(text: &str) -> Decimal {
        Decimal::from_str(text).expect("test decimal")
    }

    pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).expect("test date")
    }

    /// The recorded Factura A 4000-1836: Concepto 3, 100 + 21 IVA + 1 tributo = 122.
    pub fn factura_a() -> Voucher {
        Voucher {
            cbte_tipo: CbteTipo::FacturaA,
            punto_venta: 4000,
            concepto: Concepto::ProductosYServicios,
            doc_tipo: 80,
            doc_nro: 30_000_000_007,
            cbte_desde: 1836,
            cbte_hasta: 1836,
            cbte_fch: Some(date(2021, 7, 1)),
            imp_total: money("122.00"),
            imp_tot_conc: money("0.00"),
            imp_neto: money("100.00"),
            imp_op_ex: money("0.00"),
            imp_trib: money("1.00"),
            imp_iva: money("21.00"),
            fch_serv_desde: Some(date(2021, 7, 1)),
            fch_serv_hasta: Some(date(2021, 7, 1)),
            fch_vto_pago: Some(date(2021, 7, 1)),
            mon_id: "PES".to_owned(),
            mon_cotiz: Some(decimal("1.000")),
            can_mis_mon_ext: None,
            condicion_iva_receptor_id: Some(1),
            cbtes_asoc: vec![],
            tributos: vec![Tributo {
                id: TributoTipo::Otro,
                desc: Some("Impuesto Municipal Matanza".to_owned()),
                base_imp: money("100.00"),
                alic: decimal("1.00"),
                importe: money("1.00"),
            }],
            iva: vec![AlicIva {
                id: IvaRate::Veintiuno,
                base_imp: money("100"),
                importe: money("21"),
            }],
            opcionales: vec![],
            compradores: vec![],
            periodo_asoc: None,
            actividades: vec![],
        }
    }

    /// Opcionales a correct FCE invoice carries: a valid CBU (2101) and the transfer option (27).
    pub fn fce_invoice_opcionales() -> Vec<crate::voucher::Opcional> {
        [("2101", "2850590940090418135201"), ("27", "SCA")]
            .into_iter()
            .map(|(id, valor)| crate::voucher::Opcional {
                id: id.to_owned(),
                valor: valor.to_owned(),
            })
            .collect()
    }

    /// A Factura B to an unidentified consumidor final, products, 1000 + 210 IVA.
    pub fn factura_b() -> Voucher {
        Voucher {
            cbte_tipo: CbteTipo::FacturaB,
            concepto: Concepto::Productos,
            doc_tipo: 99,
            doc_nro: 0,
            imp_total: money("1210.00"),
            imp_neto: money("1000.00"),
            imp_trib: Money::ZERO,
            imp_iva: money("210.00"),
            fch_serv_desde: None,
            fch_serv_hasta: None,
            fch_vto_pago: None,
            condicion_iva_receptor_id: Some(5),
            tributos: vec![],
            iva: vec![AlicIva {
                id: IvaRate::Veintiuno,
                base_imp: money("1000"),
                importe: money("210"),
            }],
            ..factura_a()
        }
    }

    /// A Factura C (monotributista issuer): no IVA, total = neto.
    pub fn factura_c() -> Voucher {
        Voucher {
            cbte_tipo: CbteTipo::FacturaC,
            imp_total: money("500.00"),
            imp_neto: money("500.00"),
            imp_iva: Money::ZERO,
            iva: vec![],
            ..factura_b()
        }
    }

    /// The context the recording was made in: issuer 20267565393 (RI), sent 2021-07-01, last
    /// authorized 1835 in every fixture series.
    pub fn context() -> ValidationContext {
        let last = LastAuthorized {
            number: 1835,
            date: Some(date(2021, 6, 30)),
        };
        let mut ctx = ValidationContext::new(Cuit::parse("20267565393").expect("test CUIT"), date(2021, 7, 1))
            .with_issuer_iva_condition(IssuerIvaCondition::ResponsableInscripto);
        for cbte_tipo in CbteTipo::ALL {
            ctx = ctx.with_last_authorized(
                Series {
                    punto_venta: 4000,
                    cbte_tipo,
                },
                last,
            );
        }
        ctx
    }

    /// Validates `vouchers` as one request and asserts the exact multiset of codes found.
    pub fn check_request(request: &CaeRequest, ctx: &ValidationContext, expected: &[u32]) {
        let issues = validate(request, ctx);
        let mut found: Vec<u32> = issues.iter().map(|issue| issue.code).collect();
        found.sort_unstable();
        let mut wanted = expected.to_vec();
        wanted.sort_unstable();
        assert_eq!(found, wanted, "issues: {issues:#?}");
    }

    /// Mutates `voucher` and the default context, validates the single-voucher request and asserts
    /// the exact codes found.
    pub fn check(voucher: Voucher, mutate: impl FnOnce(&mut Voucher, &mut ValidationContext), expected: &[u32]) {
        let mut voucher = voucher;
        let mut ctx = context();
        mutate(&mut voucher, &mut ctx);
        let request = CaeRequest::new(vec![voucher]).expect("one voucher");
        check_request(&request, &ctx, expected);
    }

    #[test]
    fn the_fixtures_are_valid() {
        check(factura_a(), |_, _| {}, &[]);
        check(factura_b(), |_, _| {}, &[]);
        check(
            factura_c(),
            |_, ctx| ctx.issuer_iva_condition = Some(IssuerIvaCondition::Monotributo),
            &[],
        );
    }

    #[test]
    fn issues_name_the_field_and_kind() {
        let mut voucher = factura_a();
        voucher.imp_total = money("123.00");
        let issues = validate(&CaeRequest::new(vec![voucher]).expect("one voucher"), &context());
        assert_eq!(
            issues,
            vec![ValidationIssue {
                field: "FeDetReq[0].ImpTotal".to_owned(),
                code: 10048,
                message: issues[0].message.clone(),
                kind: IssueKind::Obs,
            }]
        );
    }
}
