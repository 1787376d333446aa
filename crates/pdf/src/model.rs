//! What a printed invoice shows, already decided by the service: the voucher, the issuer as its
//! profile was when the invoice was approved, the receiver, items, totals and the authorisation.
//!
//! It never computes an amount: every figure is the stored, exact one.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One invoice to print.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceDocument {
    /// ARCA's `CbteTipo` (1 Factura A, 6 Factura B, 11 Factura C, 51 Factura M, 3 Nota de
    /// crédito A, 201 Factura de Crédito Electrónica MiPyMEs A, …): printed as "COD. 001" and the
    /// source of the letter and the voucher's name.
    pub cbte_tipo: i32,
    pub punto_venta: u32,
    pub numero: u32,
    pub fecha_emision: NaiveDate,
    pub emisor: Issuer,
    pub receptor: Receiver,
    /// ARCA's `Concepto`: 1 products, 2 services, 3 both. 2 and 3 print the service period.
    pub concepto: i32,
    pub periodo_servicio: Option<ServicePeriod>,
    pub items: Vec<Item>,
    pub totales: Totals,
    pub moneda: Currency,
    /// Associated vouchers (credit and debit notes), printed as references.
    pub comprobantes_asociados: Vec<AssociatedVoucher>,
    /// FCE MiPyMEs data (types 201–213), printed in the FCE block; `None` on other types.
    pub fce: Option<Fce>,
    pub autorizacion: Authorization,
    /// ARCA's QR URL (`https://www.afip.gob.ar/fe/qr/?p=…`), encoded as the QR image.
    pub qr_data: String,
}

/// The issuer, from its profile (and its point of sale's domicilio when it has one).
#[derive(Debug, Clone, PartialEq)]
pub struct Issuer {
    pub razon_social: String,
    pub cuit: String,
    pub domicilio_comercial: String,
    /// As printed: "IVA Responsable Inscripto", "Responsable Monotributo", "IVA Exento".
    pub condicion_iva: String,
    /// The number, or "Exento" / "Convenio Multilateral".
    pub ingresos_brutos: String,
    pub inicio_actividades: NaiveDate,
    pub logo: Option<Logo>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Logo {
    pub format: LogoFormat,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoFormat {
    Png,
    Jpeg,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Receiver {
    pub nombre: String,
    /// ARCA's `DocTipo` (80 CUIT, 86 CUIL, 96 DNI, 99 unidentified).
    pub documento_tipo: i32,
    pub documento_numero: String,
    /// ARCA's `CondicionIVAReceptorId` (5 consumidor final, 1 responsable inscripto, …).
    pub condicion_iva_id: i32,
    /// As printed ("Consumidor Final", "IVA Responsable Inscripto", …).
    pub condicion_iva: String,
    pub domicilio: Option<String>,
    /// As printed ("Contado", "Cuenta corriente", …).
    pub condicion_venta: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServicePeriod {
    pub desde: NaiveDate,
    pub hasta: NaiveDate,
    pub vencimiento_pago: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub codigo: Option<String>,
    pub descripcion: String,
    pub cantidad: Decimal,
    /// As printed ("unidades", "kg", "horas").
    pub unidad: String,
    /// Net of IVA.
    pub precio_unitario: Decimal,
    /// Percent, 0–100.
    pub bonificacion: Decimal,
    /// Net of IVA, after the discount.
    pub subtotal: Decimal,
    /// The IVA rate in percent for a taxed line; `None` for exempt and untaxed lines.
    pub iva_alicuota: Option<Decimal>,
    /// `subtotal` plus its IVA.
    pub subtotal_con_iva: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    pub neto_gravado: Decimal,
    pub no_gravado: Decimal,
    pub exento: Decimal,
    /// IVA per rate (rate in percent, amount), as sent to ARCA.
    pub iva: Vec<(Decimal, Decimal)>,
    /// Other taxes (description, amount), as sent to ARCA.
    pub tributos: Vec<(String, Decimal)>,
    pub total: Decimal,
}

impl Totals {
    pub fn iva_total(&self) -> Decimal {
        self.iva.iter().map(|(_, amount)| *amount).sum()
    }

    pub fn tributos_total(&self) -> Decimal {
        self.tributos.iter().map(|(_, amount)| *amount).sum()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Currency {
    /// ARCA's `MonId` ("PES", "DOL", "060", …).
    pub codigo: String,
    /// ARCA's `MonCotiz`: 1 for pesos.
    pub cotizacion: Decimal,
}

/// What an FCE MiPyMEs voucher prints besides an ordinary one (Ley 27.440): taken by the service
/// from the voucher's opcionales (2101, 2102, 27, 22, 23) and its due date.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fce {
    /// The issuer's CBU (22 digits), where payment goes.
    pub cbu: Option<String>,
    /// The CBU's alias.
    pub alias: Option<String>,
    /// The transfer option as printed ("Sistema de Circulación Abierta (SCA)", …).
    pub transferencia: Option<String>,
    /// The payment due date (`FchVtoPago`): invoices, and notes that annul.
    pub vencimiento_pago: Option<NaiveDate>,
    /// Notes: whether the note annuls its invoice (opcional 22).
    pub anulacion: Option<bool>,
    /// Commercial references (opcional 23).
    pub referencias_comerciales: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssociatedVoucher {
    pub cbte_tipo: i32,
    pub punto_venta: u32,
    pub numero: u32,
    pub fecha: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    pub kind: AuthorizationKind,
    /// The 14-digit CAE or CAEA.
    pub codigo: String,
    pub vencimiento: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationKind {
    Cae,
    Caea,
}

/// Which copy a page set is: ORIGINAL, DUPLICADO, TRIPLICADO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Copy {
    Original,
    Duplicado,
    Triplicado,
}

impl Copy {
    pub fn label(self) -> &'static str {
        match self {
            Copy::Original => "ORIGINAL",
            Copy::Duplicado => "DUPLICADO",
            Copy::Triplicado => "TRIPLICADO",
        }
    }

    /// The first `n` copies (1 to 3): ORIGINAL, then DUPLICADO, then TRIPLICADO.
    pub fn first(n: usize) -> &'static [Copy] {
        const ALL: [Copy; 3] = [Copy::Original, Copy::Duplicado, Copy::Triplicado];
        &ALL[..n.clamp(1, 3)]
    }
}
