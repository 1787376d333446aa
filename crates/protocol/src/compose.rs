//! From a business invoice to a [`Voucher`]: the voucher type, the per-rate IVA breakdown and
//! every header amount, computed exactly from items, tributos and the parties' IVA conditions.
//!
//! [`compose`] takes an [`InvoiceDraft`] (what `POST /v1/invoices` carries, already mapped from
//! JSON onto Rust types by the HTTP layer) and returns the [`Voucher`] that pre-validation checks
//! and the WSFEv1 client sends, or every [`ComposeError`] found in the input, each naming the
//! API field (`items[2].cantidad`) and the rule it breaks. The voucher comes back unnumbered
//! ([`UNNUMBERED`]): numbers are the issuance engine's to assign (write-ahead, per series), with
//! [`numbered`].
//!
//! # How the amounts are computed
//!
//! - Each item's net is `round2(cantidad × precio_unitario × (1 − bonificacion / 100))`, rounded
//!   the ARCA way ([`Money::round`], half away from zero). `bonificacion` is a **percentage**
//!   (0–100), the usual meaning of "bonificación" on an Argentine invoice line.
//! - Items are grouped by IVA rate. A rate's `BaseImp` is the sum of its item nets (already two
//!   decimals, so the sum is exact) and its `Importe` is `round2(BaseImp × rate)`, computed once
//!   per rate rather than per item. That makes ARCA's checks hold with zero difference, not just
//!   within tolerance: 10051 (`Importe = BaseImp × rate`) by construction, 10061
//!   (`ImpNeto = Σ BaseImp`) and 10023 (`ImpIVA = Σ Importe`) because the header amounts are those
//!   very sums. Rounding IVA per item instead drifts by up to half a cent per item from
//!   `BaseImp × rate`, and with enough items leaves 10051's one-cent margin.
//! - The 0 % rate is *gravado* at 0: its base goes to `ImpNeto` with an `AlicIva` Id 3 line
//!   (§D.6: with `ImpIVA = 0` only Id 3 may be sent, and `ImpNeto > 0` needs the array, 10070).
//!   Items marked [`ItemIva::Exento`] go to `ImpOpEx`, [`ItemIva::NoGravado`] to `ImpTotConc`;
//!   neither gets an `AlicIva` line. A rate whose base is 0 (items priced at 0) is left out of the
//!   array, since `BaseImp` must be positive (10020).
//! - Each tributo's `Importe` is `round2(base_imponible × alicuota / 100)`; `ImpTrib` is their sum.
//!   When that sum is 0 the `Tributos` array is left out, as 10024 demands.
//! - `ImpTotal = ImpTotConc + ImpNeto + ImpOpEx + ImpTrib + ImpIVA` (10048), exactly.
//! - Zero: a line whose net rounds to 0.00 is refused ([`ComposeError::ItemAmountZero`]) unless
//!   it carries a 100 % discount (free on purpose), and so is a voucher whose total is 0.00
//!   ([`ComposeError::TotalZero`]) — except on the notes whose `BaseImp` ARCA lets be 0 (10020:
//!   types 2, 3, 7, 8, 52, 53), where both are allowed.
//! - Class C (monotributo or exento issuer) discriminates no IVA (§D.5, 10071): every item's net
//!   goes to `ImpNeto`, no `Iva` array, `ImpIVA`, `ImpOpEx` and `ImpTotConc` are 0. A positive IVA
//!   rate on such a voucher is an input error. Type 49 from a non-RI issuer works the same way
//!   with the subtotal in `ImpTotConc` (10048's special case, 10075).
//!
//! # Voucher type
//!
//! When the draft names no type, the invoice (Factura) is chosen by [`default_cbte_tipo`]: a
//! responsable inscripto issues **A** to receivers §E.6 lets receive class A (responsable
//! inscripto and the monotributo conditions) and **B** to everyone else; monotributo and exento
//! issuers issue **C**. A named type must suit the issuer (10007) and the receiver (10243).
//!
//! # Currency
//!
//! No `moneda` means pesos (`PES`) at cotización 1. Pesos accept only cotización 1 (10039); a
//! foreign currency needs a positive cotización of at most 4 integer digits and 6 decimals
//! (10038, 10056). Whether the rate is near ARCA's own (10119) is ARCA's to say.
//!
//! This module is pure: no I/O, no clock (the invoice date is an input), no ARCA call. It does not
//! check what [`crate::validate`] checks against ARCA's rules (document and class pairing,
//! consumidor-final thresholds, date windows), except where a rule shapes the computation.

mod amounts;
mod error;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::codes::{CbteClass, CbteTipo, Concepto, CondicionIvaReceptor, DocTipo, IvaRate, Moneda, TributoTipo};
use crate::money::Money;
use crate::validate::IssuerIvaCondition;
use crate::voucher::{CbteAsoc, Opcional, PeriodoAsoc, Voucher};

pub use error::ComposeError;

/// The `CbteDesde`/`CbteHasta` of a composed voucher until the engine assigns its number.
pub const UNNUMBERED: u64 = 0;

/// A business invoice, as `POST /v1/invoices` describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct InvoiceDraft {
    /// `tipo_comprobante`; `None` chooses a Factura from the parties' IVA conditions.
    pub cbte_tipo: Option<CbteTipo>,
    pub punto_venta: u32,
    pub concepto: Concepto,
    /// The issuer's IVA registration (from the account's configuration).
    pub issuer: IssuerIvaCondition,
    pub receiver: Receiver,
    pub items: Vec<Item>,
    pub tributos: Vec<TributoLine>,
    /// `fecha_servicio_desde`; mandatory when the concepto includes services.
    pub servicio_desde: Option<NaiveDate>,
    /// `fecha_servicio_hasta`; mandatory when the concepto includes services.
    pub servicio_hasta: Option<NaiveDate>,
    /// `fecha_vencimiento_pago`; mandatory when the concepto includes services.
    pub vencimiento_pago: Option<NaiveDate>,
    /// `MonId` (`PES`, `DOL`, `060`, …); `None` is pesos.
    pub moneda: Option<String>,
    /// `MonCotiz`; `None` is 1 for pesos and an error for any other currency.
    pub cotizacion: Option<Decimal>,
    /// Vouchers a note adjusts (`comprobantes_asociados`).
    pub cbtes_asoc: Vec<CbteAsoc>,
    /// The period a note adjusts instead (`periodo_asociado`).
    pub periodo_asoc: Option<PeriodoAsoc>,
    /// `Opcionales`, sent as given (FCE's 2101/2102/22/27, …).
    pub opcionales: Vec<Opcional>,
    /// `CbteFch`: the invoice date (Argentina's calendar day).
    pub fecha: NaiveDate,
}

/// The invoice's receiver (`cliente`).
#[derive(Clone, Debug, PartialEq)]
pub struct Receiver {
    /// `documento_tipo`.
    pub doc_tipo: DocTipo,
    /// `documento_numero`; 0 with [`DocTipo::OTRO`] for an unidentified consumidor final.
    pub doc_nro: u64,
    /// `condicion_iva`, sent as `CondicionIVAReceptorId`.
    pub condicion_iva: CondicionIvaReceptor,
}

/// One invoice line.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub descripcion: String,
    /// Positive; any number of decimals (3 is common for weights).
    pub cantidad: Decimal,
    /// Net of IVA; not negative.
    pub precio_unitario: Money,
    /// Discount as a percentage of the line, 0–100 (`10` is 10 % off).
    pub bonificacion: Decimal,
    pub iva: ItemIva,
}

/// How IVA treats an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemIva {
    /// Taxed at this rate (0 % included): `ImpNeto` and an `AlicIva` line.
    Gravado(IvaRate),
    /// Exempt: `ImpOpEx`.
    Exento,
    /// Not taxed: `ImpTotConc`.
    NoGravado,
}

/// One tributo (another tax or a perception) levied on the invoice.
#[derive(Clone, Debug, PartialEq)]
pub struct TributoLine {
    pub tipo: TributoTipo,
    /// `Desc`, up to 80 characters; mandatory for [`TributoTipo::Otro`] and on FCE (10042).
    pub descripcion: Option<String>,
    /// Not negative, two decimals.
    pub base_imponible: Money,
    /// Percentage (3 integer digits + 2 decimals).
    pub alicuota: Decimal,
}

/// The voucher `draft` describes, unnumbered, or every input error found.
pub fn compose(draft: &InvoiceDraft) -> Result<Voucher, Vec<ComposeError>> {
    let mut errors = Vec::new();

    if !crate::codes::PTO_VTA_RANGE.contains(&draft.punto_venta) {
        errors.push(ComposeError::PuntoVentaOutOfRange);
    }
    let cbte_tipo = cbte_tipo(draft, &mut errors);
    let (mon_id, mon_cotiz) = currency(draft, &mut errors);
    check_dates(draft, &mut errors);
    check_associations(draft, cbte_tipo, &mut errors);
    let layout = amounts::Layout::of(cbte_tipo, draft.issuer);
    let amounts = amounts::compute(draft, cbte_tipo, layout, &mut errors);

    match amounts {
        Some(amounts) if errors.is_empty() => Ok(Voucher {
            cbte_tipo,
            punto_venta: draft.punto_venta,
            concepto: draft.concepto,
            doc_tipo: draft.receiver.doc_tipo.code(),
            doc_nro: draft.receiver.doc_nro,
            cbte_desde: UNNUMBERED,
            cbte_hasta: UNNUMBERED,
            cbte_fch: Some(draft.fecha),
            imp_total: amounts.imp_total,
            imp_tot_conc: amounts.imp_tot_conc,
            imp_neto: amounts.imp_neto,
            imp_op_ex: amounts.imp_op_ex,
            imp_trib: amounts.imp_trib,
            imp_iva: amounts.imp_iva,
            fch_serv_desde: draft.servicio_desde,
            fch_serv_hasta: draft.servicio_hasta,
            fch_vto_pago: draft.vencimiento_pago,
            mon_id,
            mon_cotiz: Some(mon_cotiz),
            // Omitted: the rate is always sent, so "paid in the same currency" adds nothing.
            can_mis_mon_ext: None,
            condicion_iva_receptor_id: Some(draft.receiver.condicion_iva.code()),
            cbtes_asoc: draft.cbtes_asoc.clone(),
            tributos: amounts.tributos,
            iva: amounts.iva,
            opcionales: draft.opcionales.clone(),
            compradores: vec![],
            periodo_asoc: draft.periodo_asoc.clone(),
            actividades: vec![],
        }),
        _ => Err(errors),
    }
}

/// `voucher` with its number: a single voucher per detail, so `CbteDesde = CbteHasta`.
pub fn numbered(voucher: Voucher, number: u64) -> Voucher {
    Voucher {
        cbte_desde: number,
        cbte_hasta: number,
        ..voucher
    }
}

/// The Factura an issuer gives a receiver when the draft names no type: RI issuers give A to
/// receivers that may receive class A (§E.6: responsable inscripto and the monotributo
/// conditions) and B to the rest; monotributo and exento issuers give C.
pub fn default_cbte_tipo(issuer: IssuerIvaCondition, receiver: CondicionIvaReceptor) -> CbteTipo {
    match issuer {
        IssuerIvaCondition::ResponsableInscripto if receiver.allows(CbteClass::A) => CbteTipo::FacturaA,
        IssuerIvaCondition::ResponsableInscripto => CbteTipo::FacturaB,
        IssuerIvaCondition::Monotributo | IssuerIvaCondition::Exento => CbteTipo::FacturaC,
    }
}

/// The draft's type, or the default one; a named type must suit both parties (10007, 10243).
fn cbte_tipo(draft: &InvoiceDraft, errors: &mut Vec<ComposeError>) -> CbteTipo {
    let condition = draft.receiver.condicion_iva;
    let Some(tipo) = draft.cbte_tipo else {
        return default_cbte_tipo(draft.issuer, condition);
    };
    let class = tipo.class();
    if !draft.issuer.may_issue(class) {
        errors.push(ComposeError::TypeNotForIssuer { tipo });
    }
    if !condition.allows(class) {
        errors.push(ComposeError::TypeNotForReceiver { tipo, condition });
    }
    tipo
}

/// `MonId` and `MonCotiz` (10037, 10038, 10039, 10056).
fn currency(draft: &InvoiceDraft, errors: &mut Vec<ComposeError>) -> (String, Decimal) {
    let code = draft.moneda.as_deref().map_or(Moneda::PES.code(), str::trim);
    let Some(moneda) = Moneda::from_code(code) else {
        errors.push(ComposeError::UnknownCurrency { code: code.to_owned() });
        return (code.to_owned(), Decimal::ONE);
    };
    let rate = match draft.cotizacion {
        None if moneda.is_pesos() => Decimal::ONE,
        None => {
            errors.push(ComposeError::CotizacionRequired);
            Decimal::ONE
        }
        Some(rate) if moneda.is_pesos() => {
            if rate != Decimal::ONE {
                errors.push(ComposeError::PesosCotizacionNotOne);
            }
            Decimal::ONE
        }
        Some(rate) => {
            if rate <= Decimal::ZERO {
                errors.push(ComposeError::CotizacionNotPositive);
            } else if rate.normalize().scale() > 6 || rate >= Decimal::from(10_000) {
                errors.push(ComposeError::CotizacionPrecision);
            }
            rate.normalize()
        }
    };
    (moneda.code().to_owned(), rate)
}

/// Service period and due date: present when services are billed (10049), in order (10032,
/// 10036).
fn check_dates(draft: &InvoiceDraft, errors: &mut Vec<ComposeError>) {
    if draft.concepto.includes_services() {
        for (field, date) in [
            ("fecha_servicio_desde", draft.servicio_desde),
            ("fecha_servicio_hasta", draft.servicio_hasta),
            ("fecha_vencimiento_pago", draft.vencimiento_pago),
        ] {
            if date.is_none() {
                errors.push(ComposeError::ServiceDateMissing { field });
            }
        }
    }
    if let (Some(desde), Some(hasta)) = (draft.servicio_desde, draft.servicio_hasta)
        && desde > hasta
    {
        errors.push(ComposeError::ServicePeriodBackwards);
    }
    if draft.vencimiento_pago.is_some_and(|due| due < draft.fecha) {
        errors.push(ComposeError::PaymentDueBeforeInvoice);
    }
}

/// Notes say what they adjust (10197); invoices adjust no period (10198).
fn check_associations(draft: &InvoiceDraft, tipo: CbteTipo, errors: &mut Vec<ComposeError>) {
    if tipo.is_note() && draft.cbtes_asoc.is_empty() && draft.periodo_asoc.is_none() {
        errors.push(ComposeError::NoteWithoutAssociation);
    }
    if tipo.is_invoice() && draft.periodo_asoc.is_some() {
        errors.push(ComposeError::PeriodOnInvoice);
    }
}
