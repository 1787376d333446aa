//! Why a draft cannot become a voucher: one variant per rule, each naming the API field it is
//! about ([`ComposeError::field`]) so the HTTP layer can answer `errors[] {field, message}`.

use crate::codes::{CbteTipo, CondicionIvaReceptor};

/// An input error in an [`super::InvoiceDraft`]. Indexes are 0-based positions in `items` and
/// `tributos`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// `punto_venta` outside 1..99998 (10004).
    #[error("the point of sale must be between 1 and 99998")]
    PuntoVentaOutOfRange,
    /// The named type is of a class the issuer cannot issue (10007): RI issuers issue A, B, M and
    /// 49; monotributo and exento issuers issue C and 49.
    #[error("the issuer's IVA condition does not allow issuing {} (class {})", .tipo.description(), .tipo.class().clase_cmp())]
    TypeNotForIssuer { tipo: CbteTipo },
    /// The receiver's IVA condition may not receive the type's class (10243, §E.6).
    #[error("a receiver in condition {} cannot receive {}", .condition.api_name(), .tipo.description())]
    TypeNotForReceiver {
        tipo: CbteTipo,
        condition: CondicionIvaReceptor,
    },
    /// `moneda` is not in ARCA's currency table (10037).
    #[error("unknown currency {code:?}: use ARCA's code (PES, DOL, 060, …)")]
    UnknownCurrency { code: String },
    /// A foreign currency without `cotizacion` (10038).
    #[error("a foreign currency needs its exchange rate")]
    CotizacionRequired,
    /// A foreign currency with a zero or negative rate (10038).
    #[error("the exchange rate must be greater than 0")]
    CotizacionNotPositive,
    /// More than 4 integer digits or 6 decimals (10056).
    #[error("the exchange rate has at most 4 integer digits and 6 decimals")]
    CotizacionPrecision,
    /// Pesos with a rate other than 1 (10039).
    #[error("the exchange rate of pesos is 1")]
    PesosCotizacionNotOne,
    /// A service invoice without one of its dates (10049).
    #[error("invoices that include services need this date")]
    ServiceDateMissing { field: &'static str },
    /// The service period ends before it starts (10032).
    #[error("the service period ends before it starts")]
    ServicePeriodBackwards,
    /// Payment due before the invoice date (10036).
    #[error("payment cannot be due before the invoice date")]
    PaymentDueBeforeInvoice,
    /// A debit or credit note that names neither vouchers nor a period (10197).
    #[error("a debit or credit note must name the vouchers or the period it adjusts")]
    NoteWithoutAssociation,
    /// An invoice with an associated period, which only notes carry (10198).
    #[error("only debit and credit notes carry an associated period")]
    PeriodOnInvoice,
    /// No items at all.
    #[error("an invoice needs at least one item")]
    NoItems,
    /// An item without a description.
    #[error("the item needs a description")]
    DescriptionEmpty { index: usize },
    /// A quantity of 0 or less.
    #[error("the quantity must be greater than 0")]
    QuantityNotPositive { index: usize },
    /// A negative unit price.
    #[error("the unit price cannot be negative")]
    PriceNegative { index: usize },
    /// A discount outside 0–100 %.
    #[error("the discount is a percentage between 0 and 100")]
    DiscountOutOfRange { index: usize },
    /// A positive IVA rate on a voucher that discriminates no IVA (class C, 10071; type 49 from a
    /// non-RI issuer, 10075).
    #[error("{} vouchers carry no IVA: the item must be at 0 %, exento or no gravado", .tipo.description())]
    IvaOnUndiscriminatedVoucher { index: usize, tipo: CbteTipo },
    /// A line whose net exceeds ARCA's 13 integer digits (10056), or overflows.
    #[error("the item's amount is too large (at most 13 integer digits)")]
    ItemAmountTooLarge { index: usize },
    /// A line whose net rounds to 0.00 on a voucher type where ARCA wants a positive base
    /// (10020; only notes 2, 3, 7, 8, 52 and 53 may carry 0), without a 100 % discount that
    /// makes it a free line on purpose.
    #[error("the item's amount rounds to 0.00, which {} does not allow (a free line takes bonificacion 100; only debit and credit notes A, B and M may carry 0)", .tipo.description())]
    ItemAmountZero { index: usize, tipo: CbteTipo },
    /// A tributo base that is negative or not an ARCA amount (10026, 10056).
    #[error("the taxable base must be at least 0, with at most 13 integer digits and 2 decimals")]
    TributoBaseInvalid { index: usize },
    /// A tributo rate that is negative or beyond 3 integer digits and 2 decimals (10027, 10056).
    #[error("the rate is a percentage of at least 0, with at most 3 integer digits and 2 decimals")]
    TributoRateInvalid { index: usize },
    /// No description for a tributo of type 99 "Otro" or on an FCE voucher (10042).
    #[error("this tributo needs a description")]
    TributoDescriptionMissing { index: usize },
    /// A description longer than ARCA's 80 characters.
    #[error("the description has at most 80 characters")]
    TributoDescriptionTooLong { index: usize },
    /// A header amount beyond 13 integer digits (10056).
    #[error("the invoice total is too large (at most 13 integer digits)")]
    TotalTooLarge,
    /// A voucher worth 0.00 on a type that does not allow it (see [`ComposeError::ItemAmountZero`]).
    #[error("the invoice total is 0.00, which {} does not allow (only debit and credit notes A, B and M may)", .tipo.description())]
    TotalZero { tipo: CbteTipo },
}

impl ComposeError {
    /// The API field the error is about: `items[2].cantidad`, `cotizacion`, `tributos[0].alicuota`.
    pub fn field(&self) -> String {
        use ComposeError as E;
        match self {
            E::PuntoVentaOutOfRange => "punto_venta".to_owned(),
            E::TypeNotForIssuer { .. } => "tipo_comprobante".to_owned(),
            E::TypeNotForReceiver { .. } => "cliente.condicion_iva".to_owned(),
            E::UnknownCurrency { .. } => "moneda".to_owned(),
            E::CotizacionRequired | E::CotizacionNotPositive | E::CotizacionPrecision | E::PesosCotizacionNotOne => {
                "cotizacion".to_owned()
            }
            E::ServiceDateMissing { field } => (*field).to_owned(),
            E::ServicePeriodBackwards => "fecha_servicio_hasta".to_owned(),
            E::PaymentDueBeforeInvoice => "fecha_vencimiento_pago".to_owned(),
            E::NoteWithoutAssociation => "comprobantes_asociados".to_owned(),
            E::PeriodOnInvoice => "periodo_asociado".to_owned(),
            E::NoItems => "items".to_owned(),
            E::DescriptionEmpty { index } => format!("items[{index}].descripcion"),
            E::QuantityNotPositive { index } => format!("items[{index}].cantidad"),
            E::PriceNegative { index } => format!("items[{index}].precio_unitario"),
            E::DiscountOutOfRange { index } => format!("items[{index}].bonificacion"),
            E::IvaOnUndiscriminatedVoucher { index, .. } => format!("items[{index}].iva_porcentaje"),
            E::ItemAmountTooLarge { index } | E::ItemAmountZero { index, .. } => format!("items[{index}]"),
            E::TributoBaseInvalid { index } => format!("tributos[{index}].base_imponible"),
            E::TributoRateInvalid { index } => format!("tributos[{index}].alicuota"),
            E::TributoDescriptionMissing { index } | E::TributoDescriptionTooLong { index } => {
                format!("tributos[{index}].descripcion")
            }
            E::TotalTooLarge | E::TotalZero { .. } => "total".to_owned(),
        }
    }
}
