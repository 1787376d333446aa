//! The balance of an invoice that has notes: what of it may still be credited, per component,
//! in exact decimals.
//!
//! A voucher's amounts are split into components — the net taxed at each IVA rate with its IVA
//! (`AlicIva` by Id), the net of a class C voucher (which discriminates no IVA), the exempt
//! amount (`ImpOpEx`), the untaxed amount (`ImpTotConc`) and each tributo by (Id, Alic) with its
//! base and amount. The balance is the original's components, plus its approved debit notes,
//! minus every credit note (a cancellation or a partial credit) that is approved **or still
//! waiting** (pending, pending_retry): two notes accepted one after the other never together
//! credit more than there is, whatever ARCA answers later. A note ARCA refused (failed) counts
//! for nothing. What is *settled* counts approved notes only: the original is cancelled when
//! that reaches zero.
//!
//! It is pure: no storage, no clock, no ARCA. It never rounds: every amount it handles already
//! has ARCA's two decimals.

use std::collections::BTreeMap;
use std::fmt;

use arca_protocol::codes::IvaRate;
use arca_protocol::money::{Decimal, Money};
use arca_protocol::wsfe::FECAEDetRequest;

use crate::storage::invoices::{InvoiceStatus, NoteKind};

/// One part of a voucher's amounts that a credit note may reduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    /// Net taxed at this IVA rate (ARCA's `AlicIva` Id), with its IVA.
    Iva(i32),
    /// The net of a class C voucher (no IVA discriminated).
    Neto,
    /// `ImpOpEx`.
    Exento,
    /// `ImpTotConc`.
    NoGravado,
    /// A tributo by (Id, Alic), with its base and amount.
    Tributo(i16, Decimal),
}

impl Component {
    /// The IVA rate of an [`Component::Iva`], if ARCA's Id is one this service knows.
    pub fn iva_rate(self) -> Option<IvaRate> {
        match self {
            Component::Iva(id) => IvaRate::from_code(id),
            _ => None,
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Component::Iva(id) => match IvaRate::from_code(*id) {
                Some(rate) => write!(f, "IVA {} %", rate.percent().normalize()),
                None => write!(f, "IVA Id {id}"),
            },
            Component::Neto => f.write_str("net amount"),
            Component::Exento => f.write_str("exempt amount"),
            Component::NoGravado => f.write_str("untaxed amount"),
            Component::Tributo(id, alic) => write!(f, "tributo {id} ({} %)", alic.normalize()),
        }
    }
}

/// A component's base (the net, the exempt or untaxed amount, a tributo's base) and its tax
/// (the IVA, a tributo's amount; 0 where there is none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amount {
    pub base: Decimal,
    pub tax: Decimal,
}

impl Amount {
    pub fn is_zero(self) -> bool {
        self.base.is_zero() && self.tax.is_zero()
    }

    pub fn total(self) -> Decimal {
        self.base + self.tax
    }
}

/// Amounts by component; a component absent is zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Balance {
    components: BTreeMap<Component, Amount>,
}

impl Balance {
    /// A voucher's components.
    pub fn of(detail: &FECAEDetRequest) -> Balance {
        let mut balance = Balance::default();
        for iva in &detail.iva {
            balance.add_to(Component::Iva(iva.id), iva.base_imp, iva.importe);
        }
        if detail.iva.is_empty() {
            balance.add_to(Component::Neto, detail.imp_neto, Decimal::ZERO);
        }
        balance.add_to(Component::Exento, detail.imp_op_ex, Decimal::ZERO);
        balance.add_to(Component::NoGravado, detail.imp_tot_conc, Decimal::ZERO);
        for tributo in &detail.tributos {
            let alic = tributo.alic.unwrap_or_default().normalize();
            balance.add_to(
                Component::Tributo(tributo.id, alic),
                tributo.base_imp.unwrap_or_default(),
                tributo.importe,
            );
        }
        balance
    }

    fn add_to(&mut self, component: Component, base: Decimal, tax: Decimal) {
        if base.is_zero() && tax.is_zero() {
            return;
        }
        let amount = self.components.entry(component).or_default();
        amount.base += base;
        amount.tax += tax;
        if amount.is_zero() {
            self.components.remove(&component);
        }
    }

    pub fn add(&mut self, other: &Balance) {
        for (component, amount) in &other.components {
            self.add_to(*component, amount.base, amount.tax);
        }
    }

    pub fn subtract(&mut self, other: &Balance) {
        for (component, amount) in &other.components {
            self.add_to(*component, -amount.base, -amount.tax);
        }
    }

    /// The amount of `component` (zero when absent).
    pub fn get(&self, component: Component) -> Amount {
        self.components.get(&component).copied().unwrap_or_default()
    }

    /// Whether the voucher has this component at all.
    pub fn has(&self, component: Component) -> bool {
        self.components.contains_key(&component)
    }

    /// The components that are not zero, in a stable order (IVA by Id, then the others).
    pub fn components(&self) -> impl Iterator<Item = (Component, Amount)> + '_ {
        self.components.iter().map(|(component, amount)| (*component, *amount))
    }

    pub fn is_zero(&self) -> bool {
        self.components.is_empty()
    }

    /// What the components add up to, as the voucher's `ImpTotal` does: each base and its tax,
    /// but only the amount of a tributo (its base is what it was computed on).
    pub fn total(&self) -> Decimal {
        self.components
            .iter()
            .map(|(component, amount)| match component {
                Component::Tributo(..) => amount.tax,
                _ => amount.total(),
            })
            .sum()
    }

    /// The IVA rates (ARCA's Id) and other treatments the balance has: what an `importe` note
    /// can use when there is exactly one.
    pub fn treatments(&self) -> Vec<Component> {
        self.components
            .keys()
            .copied()
            .filter(|component| !matches!(component, Component::Tributo(..)))
            .collect()
    }
}

/// One note of the original, as the balance sees it.
#[derive(Debug, Clone)]
pub struct Note {
    pub kind: NoteKind,
    pub status: InvoiceStatus,
    pub amounts: Balance,
}

/// What may still be credited: the original, plus approved debit notes, minus every credit that
/// is approved or still waiting.
pub fn remaining(original: &Balance, notes: &[Note]) -> Balance {
    let mut balance = original.clone();
    for note in notes {
        match (note.kind.credits(), note.status) {
            (false, InvoiceStatus::Approved) => balance.add(&note.amounts),
            (true, InvoiceStatus::Approved | InvoiceStatus::Pending | InvoiceStatus::PendingRetry) => {
                balance.subtract(&note.amounts)
            }
            _ => {}
        }
    }
    balance
}

/// What ARCA's approved vouchers leave: the original, plus approved debits, minus approved
/// credits. Zero means the original is cancelled.
pub fn settled(original: &Balance, notes: &[Note]) -> Balance {
    let mut balance = original.clone();
    for note in notes.iter().filter(|note| note.status == InvoiceStatus::Approved) {
        if note.kind.credits() {
            balance.subtract(&note.amounts);
        } else {
            balance.add(&note.amounts);
        }
    }
    balance
}

/// What the invoice ever had to credit: the original and its approved debit notes.
pub fn creditable(original: &Balance, notes: &[Note]) -> Balance {
    let mut balance = original.clone();
    for note in notes {
        if !note.kind.credits() && note.status == InvoiceStatus::Approved {
            balance.add(&note.amounts);
        }
    }
    balance
}

/// Every way `credit` goes beyond what is left: a component the invoice does not have, or a
/// base or tax above the remaining one. Each message names the component and both amounts.
pub fn excess(creditable: &Balance, remaining: &Balance, credit: &Balance) -> Vec<String> {
    let mut problems = Vec::new();
    for (component, amount) in credit.components() {
        if !creditable.has(component) {
            problems.push(match component {
                Component::Iva(_) => format!("{component}: the invoice has no items at this rate"),
                Component::Tributo(..) => format!("{component}: the invoice has no such tributo"),
                _ => format!("{component}: the invoice has none"),
            });
            continue;
        }
        let left = remaining.get(component);
        let (base_name, tax_name) = match component {
            Component::Iva(_) => ("base", Some("IVA")),
            Component::Tributo(..) => ("base", Some("amount")),
            _ => ("", None),
        };
        if amount.base > left.base {
            let name = if base_name.is_empty() {
                component.to_string()
            } else {
                format!("{component} {base_name}")
            };
            problems.push(format!(
                "{name} {:.2} exceeds the remaining {:.2}",
                amount.base, left.base
            ));
        }
        if let Some(tax_name) = tax_name
            && amount.tax > left.tax
        {
            problems.push(format!(
                "{component} {tax_name} {:.2} exceeds the remaining {:.2}",
                amount.tax, left.tax
            ));
        }
    }
    problems
}

/// Every IVA rate at which crediting `credit` out of `remaining` would leave a remainder no
/// note can credit (docs/arca.md §D.5, §D.6): a base with no IVA at a non-zero rate (10018), IVA
/// with no base (10020), or — on FCE notes, which ARCA checks per rate (10051) — an IVA beyond
/// the tolerance of base × rate. Each message names the rate, what would be left, and the bases
/// that work: the whole remaining, or the largest smaller one that leaves a creditable rest.
/// (A credit's IVA is its base × rate rounded to cents, as composition computes it.)
pub fn unbalanced_remainder(remaining: &Balance, credit: &Balance, fce: bool) -> Vec<String> {
    let mut problems = Vec::new();
    for (component, amount) in credit.components() {
        let Some(rate) = component.iva_rate().map(IvaRate::rate) else {
            continue;
        };
        let left = remaining.get(component);
        let rest = Amount {
            base: left.base - amount.base,
            tax: left.tax - amount.tax,
        };
        if creditable_rest(rest, rate, fce) {
            continue;
        }
        let cent = Decimal::new(1, 2);
        let mut base = amount.base.min(left.base) - cent;
        let mut works = None;
        for _ in 0..1000 {
            if base <= Decimal::ZERO {
                break;
            }
            let rest = Amount {
                base: left.base - base,
                tax: left.tax - round2(base * rate),
            };
            if creditable_rest(rest, rate, fce) {
                works = Some(base);
                break;
            }
            base -= cent;
        }
        let smaller = works.map_or_else(String::new, |base| format!(", or a smaller base such as {base:.2}"));
        problems.push(format!(
            "{component}: crediting base {:.2} with IVA {:.2} would leave base {:.2} with IVA {:.2}, which no note can credit; credit the whole remaining base {:.2} (IVA {:.2}){smaller}",
            amount.base, amount.tax, rest.base, rest.tax, left.base, left.tax
        ));
    }
    problems
}

/// Whether what is left at a rate can still be credited by a note of its own: nothing, or a
/// base and an IVA that agree with the rate (within ARCA's tolerance on FCE notes).
fn creditable_rest(rest: Amount, rate: Decimal, fce: bool) -> bool {
    if rest.is_zero() {
        return true;
    }
    if rest.base <= Decimal::ZERO || rest.tax < Decimal::ZERO {
        return false;
    }
    if !rate.is_zero() && rest.tax.is_zero() {
        return false;
    }
    if fce {
        let expected = rest.base * rate;
        // ARCA's tolerance: 0.01, or 0.01 % of the amount (docs/arca.md §D.5).
        let tolerance = Decimal::new(1, 2).max(expected.abs() * Decimal::new(1, 4));
        return (rest.tax - expected).abs() <= tolerance;
    }
    true
}

/// The net whose IVA at `rate` (rounded to cents, half away from zero, as composition does)
/// makes exactly `importe`: `Ok(net)`, or the nearest totals that can be reached below and above.
pub fn net_for_total(importe: Decimal, rate: Decimal) -> Result<Decimal, (Decimal, Decimal)> {
    let cent = Decimal::new(1, 2);
    let total_of = |net: Decimal| net + round2(net * rate);
    let guess = round2(importe / (Decimal::ONE + rate));
    let mut below = Decimal::ZERO;
    let mut above = None;
    // The total grows by 1 or 2 cents per cent of net: the answer, if any, is next to the guess.
    for step in -3..=3 {
        let net = guess + cent * Decimal::from(step);
        if net <= Decimal::ZERO {
            continue;
        }
        let total = total_of(net);
        if total == importe {
            return Ok(net);
        }
        if total < importe {
            below = below.max(total);
        } else if above.is_none_or(|above| total < above) {
            above = Some(total);
        }
    }
    Err((below, above.unwrap_or(importe + cent)))
}

/// To cents the ARCA way ([`Money::round`]), as composition rounds a rate's IVA.
fn round2(value: Decimal) -> Decimal {
    Money::from(value).round().amount()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_protocol::wsfe::{AlicIva, Tributo};

    fn d(text: &str) -> Decimal {
        text.parse().expect("a decimal")
    }

    fn detail(iva: &[(i32, &str, &str)], exento: &str, tributos: &[(i16, &str, &str, &str)]) -> FECAEDetRequest {
        let iva: Vec<AlicIva> = iva
            .iter()
            .map(|(id, base, importe)| AlicIva {
                id: *id,
                base_imp: d(base),
                importe: d(importe),
            })
            .collect();
        let tributos: Vec<Tributo> = tributos
            .iter()
            .map(|(id, base, alic, importe)| Tributo {
                id: *id,
                desc: None,
                base_imp: Some(d(base)),
                alic: Some(d(alic)),
                importe: d(importe),
            })
            .collect();
        let neto: Decimal = iva.iter().map(|i| i.base_imp).sum();
        let imp_iva: Decimal = iva.iter().map(|i| i.importe).sum();
        let imp_trib: Decimal = tributos.iter().map(|t| t.importe).sum();
        FECAEDetRequest {
            concepto: 1,
            doc_tipo: 99,
            doc_nro: 0,
            cbte_desde: 0,
            cbte_hasta: 0,
            cbte_fch: None,
            imp_total: neto + imp_iva + imp_trib + d(exento),
            imp_tot_conc: Decimal::ZERO,
            imp_neto: neto,
            imp_op_ex: d(exento),
            imp_trib,
            imp_iva,
            fch_serv_desde: None,
            fch_serv_hasta: None,
            fch_vto_pago: None,
            mon_id: Some("PES".into()),
            mon_cotiz: Some(Decimal::ONE),
            can_mis_mon_ext: None,
            condicion_iva_receptor_id: Some(5),
            cbtes_asoc: vec![],
            tributos,
            iva,
            opcionales: vec![],
            compradores: vec![],
            periodo_asoc: None,
            actividades: vec![],
        }
    }

    fn note(kind: NoteKind, status: InvoiceStatus, voucher: &FECAEDetRequest) -> Note {
        Note {
            kind,
            status,
            amounts: Balance::of(voucher),
        }
    }

    #[test]
    fn components_of_a_voucher() {
        let original = Balance::of(&detail(
            &[(5, "1000.00", "210.00"), (4, "200.00", "21.00")],
            "50.00",
            &[(2, "1000.00", "3", "30.00")],
        ));
        assert_eq!(
            original.get(Component::Iva(5)),
            Amount {
                base: d("1000.00"),
                tax: d("210.00")
            }
        );
        assert_eq!(original.get(Component::Exento).base, d("50.00"));
        assert_eq!(original.get(Component::Tributo(2, d("3.00"))).tax, d("30.00"));
        assert_eq!(original.total(), d("1511.00"));
        assert_eq!(original.treatments().len(), 3);
        // Class C: the net without an IVA array.
        let mut c = detail(&[], "0", &[]);
        c.imp_neto = d("500.00");
        assert_eq!(Balance::of(&c).get(Component::Neto).base, d("500.00"));
    }

    #[test]
    fn pending_credits_count_failed_ones_do_not_and_debits_count_once_approved() {
        let original = Balance::of(&detail(&[(5, "1000.00", "210.00")], "0", &[]));
        let part = detail(&[(5, "300.00", "63.00")], "0", &[]);
        let debit = detail(&[(5, "100.00", "21.00")], "0", &[]);
        let notes = vec![
            note(NoteKind::Credit, InvoiceStatus::Approved, &part),
            note(NoteKind::Credit, InvoiceStatus::PendingRetry, &part),
            note(NoteKind::Credit, InvoiceStatus::Failed, &part),
            note(NoteKind::Debit, InvoiceStatus::Approved, &debit),
            note(NoteKind::Debit, InvoiceStatus::Pending, &debit),
        ];
        let left = remaining(&original, &notes);
        assert_eq!(
            left.get(Component::Iva(5)),
            Amount {
                base: d("500.00"),
                tax: d("105.00")
            }
        );
        let done = settled(&original, &notes);
        assert_eq!(done.get(Component::Iva(5)).base, d("800.00"));
        assert_eq!(creditable(&original, &notes).get(Component::Iva(5)).base, d("1100.00"));
    }

    #[test]
    fn two_notes_that_exhaust_the_balance_settle_it_to_zero() {
        let original = Balance::of(&detail(&[(5, "1000.00", "210.00")], "0", &[]));
        let part = detail(&[(5, "500.00", "105.00")], "0", &[]);
        let notes = vec![
            note(NoteKind::Credit, InvoiceStatus::Approved, &part),
            note(NoteKind::Credit, InvoiceStatus::Approved, &part),
        ];
        assert!(settled(&original, &notes).is_zero());
        assert!(remaining(&original, &notes).is_zero());
    }

    #[test]
    fn a_credit_beyond_a_component_or_at_a_rate_the_invoice_lacks_is_named() {
        let original = Balance::of(&detail(&[(5, "1000.00", "210.00")], "0", &[]));
        let left = remaining(
            &original,
            &[note(
                NoteKind::Credit,
                InvoiceStatus::Approved,
                &detail(&[(5, "700.00", "147.00")], "0", &[]),
            )],
        );
        let too_much = Balance::of(&detail(&[(5, "500.00", "105.00"), (4, "10.00", "1.05")], "0", &[]));
        let problems = excess(&original, &left, &too_much);
        assert_eq!(
            problems,
            vec![
                "IVA 10.5 %: the invoice has no items at this rate".to_string(),
                "IVA 21 % base 500.00 exceeds the remaining 300.00".to_string(),
                "IVA 21 % IVA 105.00 exceeds the remaining 63.00".to_string(),
            ]
        );
        let fits = Balance::of(&detail(&[(5, "300.00", "63.00")], "0", &[]));
        assert!(excess(&original, &left, &fits).is_empty());
    }

    #[test]
    fn a_partial_credit_that_leaves_an_uncreditable_remainder_names_what_works() {
        let original = Balance::of(&detail(&[(5, "1.00", "0.21")], "0", &[]));
        // 0.98 at 21 % is IVA 0.21: base 0.02 would be left with no IVA.
        let credit = Balance::of(&detail(&[(5, "0.98", "0.21")], "0", &[]));
        let problems = unbalanced_remainder(&original, &credit, false);
        assert_eq!(
            problems,
            vec![
                "IVA 21 %: crediting base 0.98 with IVA 0.21 would leave base 0.02 with IVA 0.00, which no note can \
                 credit; credit the whole remaining base 1.00 (IVA 0.21), or a smaller base such as 0.97"
                    .to_string()
            ]
        );
        // The amounts it names work; so does the whole remaining.
        let fits = Balance::of(&detail(&[(5, "0.97", "0.20")], "0", &[]));
        assert!(unbalanced_remainder(&original, &fits, false).is_empty());
        assert!(unbalanced_remainder(&original, &original, false).is_empty());
        // IVA with no base left.
        let tax_only = Balance::of(&detail(&[(5, "1.00", "0.20")], "0", &[]));
        assert_eq!(unbalanced_remainder(&original, &tax_only, false).len(), 1);
        // At 0 % a base with no IVA is fine.
        let zero = Balance::of(&detail(&[(3, "1.00", "0.00")], "0", &[]));
        let half = Balance::of(&detail(&[(3, "0.50", "0.00")], "0", &[]));
        assert!(unbalanced_remainder(&zero, &half, false).is_empty());
    }

    #[test]
    fn on_fce_notes_drift_beyond_the_tolerance_is_refused() {
        // Left 100.00 / 21.00, crediting 0.02 (IVA 0.00) leaves 99.98 / 21.00: 20.9958 expected,
        // within 0.01. Left 10.00 / 2.11 (drifted by earlier credits, still within tolerance):
        // the same credit leaves 9.98 / 2.11, 2.0958 expected, off by 0.0142.
        let left = Balance::of(&detail(&[(5, "100.00", "21.00")], "0", &[]));
        let small = Balance::of(&detail(&[(5, "0.02", "0.00")], "0", &[]));
        assert!(unbalanced_remainder(&left, &small, true).is_empty());
        let drifted = Balance::of(&detail(&[(5, "10.00", "2.11")], "0", &[]));
        let credit = Balance::of(&detail(&[(5, "0.02", "0.00")], "0", &[]));
        let problems = unbalanced_remainder(&drifted, &credit, true);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("would leave base 9.98 with IVA 2.11"),
            "{problems:?}"
        );
        // Not an FCE note: ARCA does not check the rate's arithmetic on it.
        assert!(unbalanced_remainder(&drifted, &credit, false).is_empty());
    }

    #[test]
    fn the_net_of_a_total_is_exact_or_the_nearest_totals_are_named() {
        let rate = d("0.21");
        assert_eq!(net_for_total(d("1210.00"), rate), Ok(d("1000.00")));
        assert_eq!(net_for_total(d("121.00"), rate), Ok(d("100.00")));
        // 0.01 of net makes 0.01 of total (IVA 0.0021 rounds to 0); 0.05 → 0.06; 0.06 → 0.07.
        assert_eq!(net_for_total(d("0.06"), rate), Ok(d("0.05")));
        // No net reaches 1.21 + ... : find one that skips a cent.
        let unreachable = (1..2000)
            .map(|cents| Decimal::new(cents, 2))
            .find(|total| net_for_total(*total, rate).is_err())
            .expect("some total is not reachable at 21 %");
        let (below, above) = net_for_total(unreachable, rate).unwrap_err();
        assert!(
            below < unreachable && unreachable < above,
            "{below} {unreachable} {above}"
        );
        assert_eq!(above - below, Decimal::new(2, 2));
        assert_eq!(net_for_total(d("100.00"), Decimal::ZERO), Ok(d("100.00")));
    }
}
