//! The arithmetic of [`super::compose`]: item nets, the per-rate IVA breakdown, tributos and the
//! header amounts (the module docs of `compose` say why each is computed the way it is).
//!
//! Every product that user input can make large is checked (`checked_mul`), so a silly quantity
//! becomes an error rather than a panic.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{ComposeError, InvoiceDraft, Item, ItemIva, TributoLine};
use crate::codes::{CbteClass, CbteTipo, IvaRate, TributoTipo};
use crate::money::Money;
use crate::validate::IssuerIvaCondition;
use crate::voucher::{AlicIva, Tributo};

/// ARCA's `Desc` of a tributo holds 80 characters.
const TRIBUTO_DESC_MAX_CHARS: usize = 80;

/// The voucher types whose `AlicIva.BaseImp` ARCA lets be 0 (10020's exceptions: debit and
/// credit notes A, B and M). On every other type a line or a voucher worth 0.00 is refused.
pub const ZERO_ALLOWED: [i32; 6] = [2, 3, 7, 8, 52, 53];

fn zero_allowed(tipo: CbteTipo) -> bool {
    ZERO_ALLOWED.contains(&tipo.code())
}

/// Where a voucher type puts the items' nets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Layout {
    /// IVA discriminated per rate (A, B, M, and 49 from an RI issuer).
    Discriminated,
    /// Class C: no IVA, the subtotal is `ImpNeto` (§D.5).
    SubtotalAsNeto,
    /// Type 49 from a monotributo or exento issuer: no IVA, the subtotal is `ImpTotConc`
    /// (10048's special case, 10075).
    SubtotalAsNoGravado,
}

impl Layout {
    pub(super) fn of(tipo: CbteTipo, issuer: IssuerIvaCondition) -> Layout {
        match tipo.class() {
            CbteClass::C => Layout::SubtotalAsNeto,
            CbteClass::BienesUsados if issuer != IssuerIvaCondition::ResponsableInscripto => {
                Layout::SubtotalAsNoGravado
            }
            _ => Layout::Discriminated,
        }
    }
}

/// The header amounts and arrays of a voucher.
pub(super) struct Amounts {
    pub imp_total: Money,
    pub imp_tot_conc: Money,
    pub imp_neto: Money,
    pub imp_op_ex: Money,
    pub imp_trib: Money,
    pub imp_iva: Money,
    pub iva: Vec<AlicIva>,
    pub tributos: Vec<Tributo>,
}

/// The amounts of `draft` as a `tipo` voucher; `None` when an item or tributo is in error (the
/// errors are pushed).
pub(super) fn compute(
    draft: &InvoiceDraft,
    tipo: CbteTipo,
    layout: Layout,
    errors: &mut Vec<ComposeError>,
) -> Option<Amounts> {
    if draft.items.is_empty() {
        errors.push(ComposeError::NoItems);
    }
    let nets: Vec<Option<(ItemIva, Money)>> = draft
        .items
        .iter()
        .enumerate()
        .map(|(index, item)| item_net(index, item, tipo, layout, errors).map(|net| (item.iva, net)))
        .collect();
    let tributos = tributos(&draft.tributos, tipo, errors);
    let nets: Vec<(ItemIva, Money)> = nets.into_iter().collect::<Option<_>>()?;
    let mut tributos = tributos?;
    if draft.items.is_empty() {
        return None;
    }

    // Group the nets: per IVA rate, exento, no gravado, or one subtotal when no IVA is shown.
    let mut bases: BTreeMap<IvaRate, Money> = BTreeMap::new();
    let (mut exento, mut no_gravado, mut subtotal) = (Money::ZERO, Money::ZERO, Money::ZERO);
    for (iva, net) in nets {
        match (layout, iva) {
            (Layout::Discriminated, ItemIva::Gravado(rate)) => {
                let base = bases.entry(rate).or_insert(Money::ZERO);
                *base = *base + net;
            }
            (Layout::Discriminated, ItemIva::Exento) => exento = exento + net,
            (Layout::Discriminated, ItemIva::NoGravado) => no_gravado = no_gravado + net,
            (Layout::SubtotalAsNeto | Layout::SubtotalAsNoGravado, _) => subtotal = subtotal + net,
        }
    }

    // One AlicIva per rate, its IVA rounded once from the rate's whole base (10051 exactly). A
    // zero base (items priced at 0) is no line at all: BaseImp must be positive (10020).
    let iva: Vec<AlicIva> = bases
        .into_iter()
        .filter(|(_, base)| base.is_positive())
        .map(|(rate, base)| AlicIva {
            id: rate,
            base_imp: base,
            importe: (base * rate.rate()).round(),
        })
        .collect();

    let (imp_neto, imp_tot_conc, imp_op_ex) = match layout {
        Layout::Discriminated => (iva.iter().map(|line| line.base_imp).sum(), no_gravado, exento),
        Layout::SubtotalAsNeto => (subtotal, Money::ZERO, Money::ZERO),
        Layout::SubtotalAsNoGravado => (Money::ZERO, subtotal, Money::ZERO),
    };
    let imp_iva: Money = iva.iter().map(|line| line.importe).sum();
    let imp_trib: Money = tributos.iter().map(|tributo| tributo.importe).sum();
    // 10024: with ImpTrib = 0 the Tributos array must not be sent.
    if imp_trib.is_zero() {
        tributos.clear();
    }
    let imp_total = imp_tot_conc + imp_neto + imp_op_ex + imp_trib + imp_iva;
    if !imp_total.fits_arca_width() {
        errors.push(ComposeError::TotalTooLarge);
        return None;
    }
    if imp_total.is_zero() && !zero_allowed(tipo) {
        errors.push(ComposeError::TotalZero { tipo });
        return None;
    }
    Some(Amounts {
        imp_total,
        imp_tot_conc,
        imp_neto,
        imp_op_ex,
        imp_trib,
        imp_iva,
        iva,
        tributos,
    })
}

/// `round2(cantidad × precio_unitario × (1 − bonificacion / 100))`, or `None` with the item's
/// errors pushed.
fn item_net(
    index: usize,
    item: &Item,
    tipo: CbteTipo,
    layout: Layout,
    errors: &mut Vec<ComposeError>,
) -> Option<Money> {
    let before = errors.len();
    if item.descripcion.trim().is_empty() {
        errors.push(ComposeError::DescriptionEmpty { index });
    }
    if item.cantidad <= Decimal::ZERO {
        errors.push(ComposeError::QuantityNotPositive { index });
    }
    if item.precio_unitario.is_negative() {
        errors.push(ComposeError::PriceNegative { index });
    }
    if item.bonificacion < Decimal::ZERO || item.bonificacion > Decimal::ONE_HUNDRED {
        errors.push(ComposeError::DiscountOutOfRange { index });
    }
    let positive_rate = matches!(item.iva, ItemIva::Gravado(rate) if rate.rate() > Decimal::ZERO);
    if layout != Layout::Discriminated && positive_rate {
        errors.push(ComposeError::IvaOnUndiscriminatedVoucher { index, tipo });
    }
    if errors.len() > before {
        return None;
    }

    // (cantidad × precio × (100 − bonificación)) / 100: one division, by a power of ten, so the
    // product stays exact until the single rounding.
    let net = item
        .cantidad
        .checked_mul(item.precio_unitario.amount())
        .and_then(|gross| gross.checked_mul(Decimal::ONE_HUNDRED - item.bonificacion))
        .and_then(|scaled| scaled.checked_div(Decimal::ONE_HUNDRED))
        .map(|net| Money::new(net).round());
    match net {
        // A line worth 0.00 is a mistake (a price of 0.001, a quantity of 0.0000001) unless it
        // says it is free (a 100 % discount) or the type allows 0; the voucher's total is
        // checked on its own.
        Some(net) if net.is_zero() && item.bonificacion != Decimal::ONE_HUNDRED && !zero_allowed(tipo) => {
            errors.push(ComposeError::ItemAmountZero { index, tipo });
            None
        }
        Some(net) if net.fits_arca_width() => Some(net),
        _ => {
            errors.push(ComposeError::ItemAmountTooLarge { index });
            None
        }
    }
}

/// The `Tributo` lines, `Importe = round2(base × alícuota / 100)`; `None` with errors pushed.
fn tributos(lines: &[TributoLine], tipo: CbteTipo, errors: &mut Vec<ComposeError>) -> Option<Vec<Tributo>> {
    let before = errors.len();
    let mut tributos = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        let base = line.base_imponible;
        if base.is_negative() || !base.fits_two_decimals() || !base.fits_arca_width() {
            errors.push(ComposeError::TributoBaseInvalid { index });
        }
        let alic = line.alicuota;
        if alic < Decimal::ZERO || alic.normalize().scale() > 2 || alic >= Decimal::ONE_THOUSAND {
            errors.push(ComposeError::TributoRateInvalid { index });
        }
        let desc = line
            .descripcion
            .as_deref()
            .map(str::trim)
            .filter(|desc| !desc.is_empty());
        match desc {
            None if line.tipo == TributoTipo::Otro || tipo.is_fce() => {
                errors.push(ComposeError::TributoDescriptionMissing { index });
            }
            Some(desc) if desc.chars().count() > TRIBUTO_DESC_MAX_CHARS => {
                errors.push(ComposeError::TributoDescriptionTooLong { index });
            }
            _ => {}
        }
        tributos.push(Tributo {
            id: line.tipo,
            desc: desc.map(str::to_owned),
            base_imp: base,
            alic,
            // Bounded by the checks above when they pass (13 digits × 999.99); the value is
            // discarded otherwise, so compute it only then.
            importe: if errors.len() == before {
                (base * (alic / Decimal::ONE_HUNDRED)).round()
            } else {
                Money::ZERO
            },
        });
    }
    (errors.len() == before).then_some(tributos)
}
