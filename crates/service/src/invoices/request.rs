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
    /// `advanced` (structured). A described invoice is `mode: simple` (`SimpleInvoice`, drafted
    /// by the configured AI provider).
    #[schema(value_type = InvoiceMode)]
    pub mode: String,
    /// ARCA's CbteTipo (1 Factura A, 6 Factura B, 11 Factura C, …); chosen from the issuer's and
    /// the receiver's IVA conditions when omitted. For an account whose issuer profile's `fce` has
    /// a CBU (opted in to FCE MiPyMEs), a Factura A/B/C to a CUIT obliged to receive FCE at or above
    /// ARCA's threshold becomes 201/206/211 when omitted, and is refused (400) when forced; other
    /// accounts keep the class (ARCA refuses it with 10192).
    #[schema(minimum = 1, maximum = 999)]
    pub tipo_comprobante: Option<i32>,
    #[schema(minimum = 1, maximum = 99998)]
    pub punto_venta: u32,
    /// `productos`, `servicios` or `mixto`.
    #[schema(value_type = ConceptoName)]
    pub concepto: String,
    pub cliente: Cliente,
    /// 1 to 200 lines.
    #[schema(min_items = 1, max_items = 200)]
    pub items: Vec<ItemRequest>,
    /// At most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub tributos: Vec<TributoRequest>,
    /// Voucher date (Argentina's calendar day; today when omitted).
    pub fecha: Option<NaiveDate>,
    pub fecha_servicio_desde: Option<NaiveDate>,
    pub fecha_servicio_hasta: Option<NaiveDate>,
    pub fecha_vencimiento_pago: Option<NaiveDate>,
    /// ARCA currency id (`PES`, `DOL`, `060`); `PES` when omitted.
    #[schema(min_length = 3, max_length = 3, pattern = "^[A-Za-z0-9 ]{3}$")]
    pub moneda: Option<String>,
    #[schema(value_type = Option<String>, pattern = "^(?=[0-9.]*[1-9])[0-9]{1,4}(\\.[0-9]{1,6})?$")]
    #[serde(default, deserialize_with = "decimal::optional")]
    pub cotizacion: Option<Decimal>,
    /// Vouchers a credit or debit note refers to (at most 50).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub comprobantes_asociados: Vec<AsociadoRequest>,
    /// FCE MiPyMEs data (types 201–213, docs/arca.md §M.1): the issuer's CBU, alias, transfer
    /// option and commercial references, sent as the voucher's opcionales. Each value left out
    /// is taken from the issuer profile's `fce` (the transfer option defaults to `SCA`). Only
    /// for FCE types: on any other type it is refused (ARCA 10169).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "object::optional"
    )]
    pub fce: Option<FceRequest>,
    /// The issuer's IVA condition: `responsable_inscripto` (default), `monotributo` or `exento`.
    #[schema(value_type = Option<CondicionIvaEmisor>)]
    pub condicion_iva_emisor: Option<String>,
    /// The sale condition printed on the invoice; "Contado" when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condicion_venta: Option<CondicionVenta>,
    /// Free data kept with the invoice: a flat object of at most 50 keys (1–40 characters), each
    /// value a string (at most 500 characters), number, boolean or null. Shown by
    /// `GET /v1/invoices/{id}`, never in lists.
    #[schema(schema_with = metadata_schema)]
    pub metadata: Option<serde_json::Value>,
    /// CAEA contingency (docs/arca.md §G): `true` asks to issue it at once under the account's
    /// CAEA on a contingency point of sale, accepted only while ARCA's CAE service fails (breaker
    /// open or FEDummy down; else 409 `CONTINGENCY_NOT_ACTIVE`); `false` never uses CAEA (with
    /// the breaker open it is queued or refused as `INVOICE_QUEUE_MODE` says). Omitted: CAEA only
    /// when the breaker is open and `INVOICE_QUEUE_MODE=caea`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contingencia: Option<bool>,
}

/// The document's form of `metadata`: the limits `invoices::limits` enforces, stated so that a
/// generated client never sends what the service refuses.
pub(crate) fn metadata_schema() -> utoipa::openapi::Object {
    use super::limits::{METADATA_KEY_MAX, METADATA_KEYS_MAX, METADATA_VALUE_MAX};
    use utoipa::openapi::Schema;
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Type};
    // Keys are single-line text; string values may also hold line feeds, carriage returns and tabs.
    const KEY: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$";
    const VALUE: &str =
        "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$";
    let value = OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(METADATA_VALUE_MAX))
                .pattern(Some(VALUE)),
        )
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(ObjectBuilder::new().schema_type(Type::Null));
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::Object,
            Type::Null,
        ]))
        .description(Some(
            "Free data kept with the invoice: a flat object of at most 50 keys (1–40 characters), \
             each value a string (at most 500 characters), number, boolean or null. Shown by \
             `GET /v1/invoices/{id}`, never in lists.",
        ))
        .max_properties(Some(METADATA_KEYS_MAX))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(METADATA_KEY_MAX))
                .pattern(Some(KEY)),
        ))
        .additional_properties(Some(AdditionalProperties::RefOr(Schema::OneOf(value.build()).into())))
        .build()
}

/// The values `mode` takes (documentation only: the field stays text).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum InvoiceMode {
    Advanced,
}

/// The values an item's `iva_condicion` takes (documentation only: the field stays text).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum IvaCondicionName {
    Gravado,
    Exento,
    NoGravado,
}

/// The values `concepto` takes (documentation only: the field stays text).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ConceptoName {
    Productos,
    Servicios,
    Mixto,
}

/// The sale condition (condición de venta) a printed invoice shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CondicionVenta {
    Contado,
    CuentaCorriente,
    TarjetaDebito,
    TarjetaCredito,
    Cheque,
    Transferencia,
    Otra,
}

impl CondicionVenta {
    /// As a printed invoice shows it.
    pub const fn printed(self) -> &'static str {
        match self {
            CondicionVenta::Contado => "Contado",
            CondicionVenta::CuentaCorriente => "Cuenta corriente",
            CondicionVenta::TarjetaDebito => "Tarjeta de débito",
            CondicionVenta::TarjetaCredito => "Tarjeta de crédito",
            CondicionVenta::Cheque => "Cheque",
            CondicionVenta::Transferencia => "Transferencia bancaria",
            CondicionVenta::Otra => "Otra",
        }
    }
}

/// The values `condicion_iva_emisor` takes (documentation only: the field stays text).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum CondicionIvaEmisor {
    ResponsableInscripto,
    Monotributo,
    Exento,
}

/// The receiver. Either `documento_tipo` and `documento_numero`, or only `cuit`: a receiver with
/// a CUIT whose `razon_social` or `condicion_iva` is missing is filled from ARCA's padrón
/// (name, domicilio fiscal, IVA condition) before the invoice is checked.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cliente {
    /// The receiver's CUIT (11 digits, dashes allowed, valid check digit): the same as
    /// `documento_tipo` 80 with this `documento_numero`, which may then be omitted.
    #[schema(max_length = 13, pattern = r"^-*([0-9]-*){11}$")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuit: Option<String>,
    /// ARCA DocTipo: 80 CUIT, 86 CUIL, 96 DNI, 99 unidentified consumidor final. Required
    /// unless `cuit` is given.
    #[schema(minimum = 0, maximum = 99)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documento_tipo: Option<i32>,
    /// As for customers: CUIT/CUIL with a valid check digit (80/86), 7–8 digits for a DNI (96),
    /// `0` for 99, 1–11 digits otherwise; dashes and dots allowed. Required unless `cuit` is
    /// given.
    #[schema(min_length = 1, max_length = 20, pattern = "^[0-9.-]*$")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documento_numero: Option<String>,
    /// 1 to 200 characters, single line. For a CUIT, taken from the padrón when omitted.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub razon_social: Option<String>,
    /// ARCA's receiver IVA condition (`responsable_inscripto`, `monotributo`, `exento`,
    /// `consumidor_final`, …). For a CUIT, taken from the padrón when omitted; required
    /// otherwise.
    #[schema(value_type = Option<crate::customers::CondicionIva>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condicion_iva: Option<String>,
    /// The customer's email address (at most 254 characters): with the account's
    /// `enviar_email_automatico` on, the approved invoice's PDF is emailed there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<crate::email::request::EmailAddress>,
    /// The receiver's address, printed on the invoice: 1 to 300 characters, single line.
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domicilio: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    /// 1 to 500 characters; line breaks allowed.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub descripcion: String,
    #[schema(value_type = String, pattern = "^(?=[0-9.]*[1-9])[0-9]{1,13}(\\.[0-9]{1,6})?$")]
    #[serde(deserialize_with = "decimal::required")]
    pub cantidad: Decimal,
    /// Unit price net of IVA.
    #[schema(value_type = String, pattern = "^[0-9]{1,13}(\\.[0-9]{1,6})?$")]
    #[serde(deserialize_with = "decimal::required")]
    pub precio_unitario: Decimal,
    /// Discount, percent 0–100.
    #[serde(default, deserialize_with = "decimal::required")]
    #[schema(value_type = Option<String>, nullable = false, pattern = "^(100(\\.0{1,6})?|[0-9]{1,2}(\\.[0-9]{1,6})?)$")]
    pub bonificacion: Decimal,
    /// 0, 2.5, 5, 10.5, 21 or 27; `exento` / `no_gravado` through `iva_condicion`.
    #[schema(value_type = Option<String>, pattern = "^((0|5|21|27)(\\.0{1,6})?|(2|10)\\.50{0,5})$")]
    #[serde(default, deserialize_with = "decimal::optional")]
    pub iva_porcentaje: Option<Decimal>,
    /// `gravado` (default), `exento` or `no_gravado`.
    #[schema(value_type = Option<IvaCondicionName>)]
    pub iva_condicion: Option<String>,
    /// The seller's product code, printed: 1 to 50 characters, single line.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo: Option<String>,
    /// The unit of `cantidad`, printed ("kg", "horas"): 1 to 30 characters, single line;
    /// "unidades" when omitted.
    #[schema(
        min_length = 1,
        max_length = 30,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unidad: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TributoRequest {
    /// ARCA tributo id (1–9, 13, 99).
    #[schema(minimum = 1, maximum = 99)]
    pub id: i16,
    /// At most 80 characters (ARCA's `Desc`).
    #[schema(
        max_length = 80,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub descripcion: Option<String>,
    #[schema(value_type = String, pattern = "^[0-9]{1,13}(\\.[0-9]{1,2})?$")]
    #[serde(deserialize_with = "decimal::required")]
    pub base_imponible: Decimal,
    #[schema(value_type = String, pattern = "^[0-9]{1,3}(\\.[0-9]{1,2})?$")]
    #[serde(deserialize_with = "decimal::required")]
    pub alicuota: Decimal,
}

/// The FCE MiPyMEs object of an invoice request: every field optional (see
/// [`CreateInvoice::fce`]).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FceRequest {
    /// The issuer's CBU (opcional 2101): 22 digits whose two check digits hold (ARCA 10165).
    /// Mandatory on an FCE invoice, here or in the issuer profile (ARCA 10168).
    #[schema(min_length = 22, max_length = 22, pattern = "^[0-9]{22}$")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cbu: Option<String>,
    /// The CBU's alias (opcional 2102): 6 to 20 characters of `A–Z a–z 0–9 . -`.
    #[schema(min_length = 6, max_length = 20, pattern = "^[A-Za-z0-9.-]{6,20}$")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// The transfer option (opcional 27): `SCA` or `ADC` (ARCA 10215).
    #[schema(value_type = Option<crate::issuer_profiles::Transferencia>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferencia: Option<String>,
    /// Commercial references (opcional 23, once each): at most 5, each 1 to 250 characters,
    /// single line (a purchase order, a contract, a remito).
    #[schema(schema_with = referencias_schema)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub referencias_comerciales: Vec<String>,
    /// FCE debit and credit notes only (opcional 22, mandatory on them, ARCA 10173): `true`
    /// when the note annuls the invoice (`S`), `false` otherwise (`N`). Refused on an invoice
    /// (ARCA 10171). The notes endpoints (`/v1/invoices/{id}/cancel`, `…/credit-notes`,
    /// `…/debit-notes`) set it themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anulacion: Option<bool>,
}

/// `fce.referencias_comerciales`: at most 5 single-line texts of 1 to 250 characters, not blank.
fn referencias_schema() -> utoipa::openapi::Array {
    use super::compose::{FCE_REFERENCIA_MAX, FCE_REFERENCIAS_MAX};
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    const LINE: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$";
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(FCE_REFERENCIA_MAX))
                .pattern(Some(LINE)),
        )
        .max_items(Some(FCE_REFERENCIAS_MAX))
        .description(Some(
            "Commercial references (opcional 23, once each): at most 5, each 1 to 250 characters, single line.",
        ))
        .build()
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AsociadoRequest {
    pub tipo_comprobante: i32,
    /// ARCA's `PtoVta`, 1 to 99998.
    #[schema(minimum = 1, maximum = 99998)]
    pub punto_venta: u32,
    /// ARCA's `Nro`, 1 to 99999999 (8 digits).
    #[schema(minimum = 1, maximum = 99999999)]
    pub numero: u64,
    /// The issuer's CUIT, with a valid check digit.
    #[schema(max_length = 13, pattern = r"^-*([0-9]-*){11}$")]
    pub cuit: Option<String>,
    pub fecha: Option<NaiveDate>,
}

/// Amounts and quantities arrive as decimal strings (exact) or JSON numbers (read through their
/// shortest decimal form), in one strict syntax: digits, optionally `.` and more digits — at
/// most [`decimal::INTEGER_DIGITS`] before the point and [`decimal::DECIMALS`] after it. No sign
/// (no amount the API takes is negative), no exponent, no `_`, no spaces, no leading `+` or
/// `.`: `"1_000"`, `"1e3"`, `" 5"`, `"-0.00"` are refused naming the field, never read as
/// something else. Finer rules (2 decimals for amounts, 0–100 for a discount) are composition's.
/// A nested object whose fields are all optional is read only from a JSON object (or `null`):
/// serde would also read it from an array, by position (`[null, null]`), which no client means.
pub mod object {
    use serde::Deserialize;
    use serde::de::{DeserializeOwned, Deserializer, Error};

    pub fn optional<'de, D: Deserializer<'de>, T: DeserializeOwned>(deserializer: D) -> Result<Option<T>, D::Error> {
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(value @ serde_json::Value::Object(_)) => {
                serde_json::from_value(value).map(Some).map_err(D::Error::custom)
            }
            Some(_) => Err(D::Error::custom("expected an object")),
        }
    }
}

pub mod decimal {
    use arca_protocol::money::Decimal;
    use serde::Deserialize;
    use serde::de::{Deserializer, Error};

    /// ARCA's amounts have 13 integer digits (docs/arca.md §D.5).
    pub const INTEGER_DIGITS: usize = 13;
    /// Quantities and unit prices may carry up to 6 decimals; the amounts computed from them are
    /// rounded to ARCA's 2.
    pub const DECIMALS: usize = 6;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Input {
        Text(String),
        Number(serde_json::Number),
    }

    /// `text` read strictly (see the module's rule), or why not.
    pub fn strict(text: &str) -> Result<Decimal, String> {
        let rule = || {
            format!(
                "`{text}` is not a decimal number: digits, optionally `.` and 1 to {DECIMALS} decimals, at most \
                 {INTEGER_DIGITS} integer digits; no sign, exponent, `_` or spaces"
            )
        };
        let (integer, fraction) = match text.split_once('.') {
            Some((integer, fraction)) => (integer, Some(fraction)),
            None => (text, None),
        };
        let digits =
            |part: &str, max: usize| !part.is_empty() && part.len() <= max && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(integer, INTEGER_DIGITS) || fraction.is_some_and(|fraction| !digits(fraction, DECIMALS)) {
            return Err(rule());
        }
        text.parse::<Decimal>().map_err(|_| rule())
    }

    fn parse<E: Error>(input: Input) -> Result<Decimal, E> {
        let text = match input {
            Input::Text(text) => text,
            Input::Number(number) => number.to_string(),
        };
        strict(&text).map_err(E::custom)
    }

    pub fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        parse(Input::deserialize(deserializer)?)
    }

    pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
        Option::<Input>::deserialize(deserializer)?.map(parse).transpose()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn strict_syntax() {
            for (text, value) in [
                ("2", "2"),
                ("1500.00", "1500.00"),
                ("0.000001", "0.000001"),
                ("0012.5", "12.5"),
            ] {
                assert_eq!(strict(text).unwrap(), value.parse::<Decimal>().unwrap(), "{text}");
            }
            for bad in [
                "1_000",
                "1e3",
                "1E3",
                " 5",
                "5 ",
                "+5",
                "-1",
                "-0.00",
                ".5",
                "5.",
                "1.0000001",
                "12345678901234",
                "",
                "0x10",
                "NaN",
                "1,5",
                "١",
            ] {
                assert!(strict(bad).is_err(), "{bad:?}");
            }
        }
    }
}
