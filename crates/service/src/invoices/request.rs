//! The invoice request in the API's vocabulary (`POST /v1/invoices`, `PATCH /v1/invoices/{id}`):
//! what a client sends, and what is kept with the invoice as its document (the request's JSON).
//! Amounts are exact decimals from the first byte: they are never read as floats.
//!
//! It never checks a rule (composition does) and never touches storage.

use arca_protocol::money::Decimal;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/invoices` body (`mode: advanced`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvoice {
    /// `advanced` (structured). `simple` needs an AI provider and is not available here.
    pub mode: String,
    /// ARCA's CbteTipo (1 Factura A, 6 Factura B, 11 Factura C, …); chosen from the issuer's and
    /// the receiver's IVA conditions when omitted.
    pub tipo_comprobante: Option<i32>,
    pub punto_venta: u32,
    /// `productos`, `servicios` or `mixto`.
    pub concepto: String,
    pub cliente: Cliente,
    pub items: Vec<ItemRequest>,
    #[serde(default)]
    pub tributos: Vec<TributoRequest>,
    /// Voucher date (Argentina's calendar day; today when omitted).
    pub fecha: Option<NaiveDate>,
    pub fecha_servicio_desde: Option<NaiveDate>,
    pub fecha_servicio_hasta: Option<NaiveDate>,
    pub fecha_vencimiento_pago: Option<NaiveDate>,
    /// ARCA currency id (`PES`, `DOL`, `060`); `PES` when omitted.
    pub moneda: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "decimal::optional")]
    pub cotizacion: Option<Decimal>,
    /// Vouchers a credit or debit note refers to.
    #[serde(default)]
    pub comprobantes_asociados: Vec<AsociadoRequest>,
    /// The issuer's IVA condition: `responsable_inscripto` (default), `monotributo` or `exento`.
    pub condicion_iva_emisor: Option<String>,
    /// Free data kept with the invoice.
    pub metadata: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cliente {
    /// ARCA DocTipo: 80 CUIT, 86 CUIL, 96 DNI, 99 unidentified consumidor final.
    pub documento_tipo: i32,
    pub documento_numero: String,
    pub razon_social: Option<String>,
    /// ARCA's receiver IVA condition (`responsable_inscripto`, `monotributo`, `exento`,
    /// `consumidor_final`, …).
    pub condicion_iva: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    pub descripcion: String,
    #[schema(value_type = String)]
    #[serde(deserialize_with = "decimal::required")]
    pub cantidad: Decimal,
    /// Unit price net of IVA.
    #[schema(value_type = String)]
    #[serde(deserialize_with = "decimal::required")]
    pub precio_unitario: Decimal,
    /// Discount, percent 0–100.
    #[serde(default, deserialize_with = "decimal::required")]
    #[schema(value_type = Option<String>)]
    pub bonificacion: Decimal,
    /// 0, 2.5, 5, 10.5, 21 or 27; `exento` / `no_gravado` through `iva_condicion`.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "decimal::optional")]
    pub iva_porcentaje: Option<Decimal>,
    /// `gravado` (default), `exento` or `no_gravado`.
    pub iva_condicion: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TributoRequest {
    /// ARCA tributo id (1–9, 13, 99).
    pub id: i16,
    pub descripcion: Option<String>,
    #[schema(value_type = String)]
    #[serde(deserialize_with = "decimal::required")]
    pub base_imponible: Decimal,
    #[schema(value_type = String)]
    #[serde(deserialize_with = "decimal::required")]
    pub alicuota: Decimal,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AsociadoRequest {
    pub tipo_comprobante: i32,
    pub punto_venta: u32,
    pub numero: u64,
    pub cuit: Option<String>,
    pub fecha: Option<NaiveDate>,
}

/// Amounts arrive as decimal strings (exact) or JSON numbers (read through their shortest
/// decimal form, exact for every amount with up to 15 significant digits); never as floats
/// in the computation.
mod decimal {
    use arca_protocol::money::Decimal;
    use serde::Deserialize;
    use serde::de::{Deserializer, Error};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Input {
        Text(String),
        Number(serde_json::Number),
    }

    fn parse<E: Error>(input: Input) -> Result<Decimal, E> {
        let text = match input {
            Input::Text(text) => text,
            Input::Number(number) => number.to_string(),
        };
        text.trim()
            .parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(text.trim()))
            .map_err(|_| E::custom(format!("`{text}` is not a decimal number")))
    }

    pub fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        parse(Input::deserialize(deserializer)?)
    }

    pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
        Option::<Input>::deserialize(deserializer)?.map(parse).transpose()
    }
}
