//! What the model is asked to answer: the JSON schema sent as `response_format` (strict: every
//! property required, `null` where a value may be absent, no other property) and
//! [`ModelDraft`], the answer read back against it.
//!
//! The draft speaks the text's language, not ARCA's: who the receiver is (consumidor final, a
//! CUIT, a DNI, a name), the lines as written (a quantity, a unit price, whether that price
//! already includes IVA), the dates and total the text states, and — per field — how sure the
//! model is and whether the text said it or the model inferred it. The service turns it into an
//! advanced request (`draft.rs`) and computes the confidence (`confidence.rs`).
//!
//! It never calls the provider and never touches storage.

use arca_protocol::money::Decimal;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::invoices::request::decimal;

/// The schema's `name` in `response_format.json_schema`.
pub const SCHEMA_NAME: &str = "borrador_factura";

/// The fields the model reports its certainty on, in the schema's order.
pub const CAMPOS: [&str; 6] = ["cliente", "items", "precios", "iva", "concepto", "fechas"];

/// How many lines a draft may have (an advanced invoice's limit).
pub const MAX_ITEMS: usize = 200;

/// The receiver kinds a draft names.
const RECEPTORES: [&str; 4] = ["consumidor_final", "cuit", "dni", "nombre"];

/// The IVA rates ARCA takes, as the draft writes them.
const ALICUOTAS: [&str; 6] = ["0", "2.5", "5", "10.5", "21", "27"];

/// The JSON schema of the answer (OpenAI's strict structured outputs subset: objects with every
/// property required and `additionalProperties: false`, types, enums).
pub fn schema() -> Value {
    let nullable = |kind: &str, description: &str| json!({"type": [kind, "null"], "description": description});
    let condiciones: Vec<Value> = crate::customers::CondicionIva::ALL
        .iter()
        .filter_map(|condicion| serde_json::to_value(condicion).ok())
        .chain([Value::Null])
        .collect();
    let mut alicuotas: Vec<Value> = ALICUOTAS.iter().map(|rate| json!(rate)).collect();
    alicuotas.push(Value::Null);
    let certeza = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["certeza", "explicito"],
        "properties": {
            "certeza": {"type": "number", "description": "0 to 1: how sure you are of this field"},
            "explicito": {"type": "boolean", "description": "true if the text states it, false if you inferred it"},
        },
    });
    let certezas: serde_json::Map<String, Value> = CAMPOS
        .iter()
        .map(|campo| (campo.to_string(), certeza.clone()))
        .collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": [
            "tipo_comprobante", "concepto", "punto_venta", "cliente", "items",
            "fecha_servicio_desde", "fecha_servicio_hasta", "fecha_vencimiento_pago",
            "total_indicado", "certezas",
        ],
        "properties": {
            "tipo_comprobante": nullable("integer", "ARCA's CbteTipo only if the text names the voucher (1 Factura A, 6 Factura B, 11 Factura C); null lets the service choose"),
            "concepto": {"type": "string", "enum": ["productos", "servicios", "mixto"]},
            "punto_venta": nullable("integer", "only if the text names one of the account's points of sale"),
            "cliente": {
                "type": "object",
                "additionalProperties": false,
                "required": ["tipo", "cuit", "dni", "nombre", "condicion_iva"],
                "properties": {
                    "tipo": {"type": "string", "enum": RECEPTORES},
                    "cuit": nullable("string", "11 digits, when tipo is cuit"),
                    "dni": nullable("string", "7 or 8 digits, when tipo is dni"),
                    "nombre": nullable("string", "the receiver's name as the text or the account's customers give it"),
                    "condicion_iva": {"type": ["string", "null"], "enum": condiciones},
                },
            },
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["descripcion", "cantidad", "unidad", "precio_unitario", "precio_incluye_iva", "iva_porcentaje"],
                    "properties": {
                        "descripcion": {"type": "string"},
                        "cantidad": {"type": "string", "description": "a decimal with '.' (\"2\", \"0.5\")"},
                        "unidad": nullable("string", "the unit of cantidad as written (\"kg\", \"horas\")"),
                        "precio_unitario": {"type": "string", "description": "the price of one unit, digits and '.' for decimals, no thousands separator: \"$1.500\" is \"1500\""},
                        "precio_incluye_iva": {"type": "boolean", "description": "true when the price is final (IVA included), as prices to consumers are unless the text says + IVA or neto"},
                        "iva_porcentaje": {"type": ["string", "null"], "enum": alicuotas},
                    },
                },
            },
            "fecha_servicio_desde": nullable("string", "YYYY-MM-DD"),
            "fecha_servicio_hasta": nullable("string", "YYYY-MM-DD"),
            "fecha_vencimiento_pago": nullable("string", "YYYY-MM-DD"),
            "total_indicado": nullable("string", "the total the text states, if it states one, digits and '.'"),
            "certezas": {
                "type": "object",
                "additionalProperties": false,
                "required": CAMPOS,
                "properties": certezas,
            },
        },
    })
}

/// The receiver as the text names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Receptor {
    ConsumidorFinal,
    Cuit,
    Dni,
    Nombre,
}

/// The model's answer, read strictly: an unknown field, a missing one or a wrong type is a
/// schema violation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelDraft {
    pub tipo_comprobante: Option<i32>,
    pub concepto: String,
    pub punto_venta: Option<i64>,
    pub cliente: ModelCliente,
    pub items: Vec<ModelItem>,
    pub fecha_servicio_desde: Option<String>,
    pub fecha_servicio_hasta: Option<String>,
    pub fecha_vencimiento_pago: Option<String>,
    pub total_indicado: Option<String>,
    pub certezas: Certezas,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCliente {
    pub tipo: Receptor,
    pub cuit: Option<String>,
    pub dni: Option<String>,
    pub nombre: Option<String>,
    pub condicion_iva: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelItem {
    pub descripcion: String,
    pub cantidad: String,
    pub unidad: Option<String>,
    pub precio_unitario: String,
    pub precio_incluye_iva: bool,
    pub iva_porcentaje: Option<String>,
}

/// The model's certainty per field ([`CAMPOS`]).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certezas {
    pub cliente: Certeza,
    pub items: Certeza,
    pub precios: Certeza,
    pub iva: Certeza,
    pub concepto: Certeza,
    pub fechas: Certeza,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certeza {
    pub certeza: f64,
    pub explicito: bool,
}

impl Certezas {
    /// (field, certainty) in [`CAMPOS`]' order.
    pub fn each(&self) -> [(&'static str, Certeza); 6] {
        [
            ("cliente", self.cliente),
            ("items", self.items),
            ("precios", self.precios),
            ("iva", self.iva),
            ("concepto", self.concepto),
            ("fechas", self.fechas),
        ]
    }
}

/// A line of the draft, its numbers read exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub descripcion: String,
    pub cantidad: Decimal,
    pub unidad: Option<String>,
    pub precio_unitario: Decimal,
    pub precio_incluye_iva: bool,
    pub iva_porcentaje: Option<Decimal>,
}

/// What [`read`] checked beyond the schema's types: numbers exact, dates real.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub draft: ModelDraft,
    pub lines: Vec<Line>,
    pub fecha_servicio_desde: Option<NaiveDate>,
    pub fecha_servicio_hasta: Option<NaiveDate>,
    pub fecha_vencimiento_pago: Option<NaiveDate>,
    pub total_indicado: Option<Decimal>,
}

/// The model's answer read against the schema, or what in it violates the schema (never
/// quoting it): not JSON, a field missing, unknown or of the wrong type, a value outside its
/// enum, a number that is not a strict decimal, a date that is no date, no line or more than
/// [`MAX_ITEMS`], a certainty outside 0–1.
pub fn read(answer: &str) -> Result<Read, String> {
    let value: Value = serde_json::from_str(answer).map_err(|_| "the answer is not JSON".to_string())?;
    let draft: ModelDraft = serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        format!("the answer does not follow the schema at `{path}`")
    })?;
    if !["productos", "servicios", "mixto"].contains(&draft.concepto.as_str()) {
        return Err("the answer does not follow the schema at `concepto`".into());
    }
    if draft.items.is_empty() || draft.items.len() > MAX_ITEMS {
        return Err(format!("the answer has {} lines (1 to {MAX_ITEMS})", draft.items.len()));
    }
    for (campo, certeza) in draft.certezas.each() {
        if !(0.0..=1.0).contains(&certeza.certeza) {
            return Err(format!("the answer's certainty of `{campo}` is not between 0 and 1"));
        }
    }
    if let Some(condicion) = &draft.cliente.condicion_iva
        && !crate::customers::CondicionIva::ALL
            .iter()
            .any(|known| serde_json::to_value(known).ok().as_ref().and_then(Value::as_str) == Some(condicion))
    {
        return Err("the answer does not follow the schema at `cliente.condicion_iva`".into());
    }
    let mut lines = Vec::with_capacity(draft.items.len());
    for (i, item) in draft.items.iter().enumerate() {
        let number = |field: &str, text: &str| {
            decimal::strict(text.trim())
                .map_err(|_| format!("the answer's `items[{i}].{field}` is not a decimal number"))
        };
        let iva_porcentaje = match &item.iva_porcentaje {
            Some(rate) if ALICUOTAS.contains(&rate.as_str()) => Some(number("iva_porcentaje", rate)?),
            Some(_) => {
                return Err(format!(
                    "the answer does not follow the schema at `items[{i}].iva_porcentaje`"
                ));
            }
            None => None,
        };
        lines.push(Line {
            descripcion: item.descripcion.trim().to_string(),
            cantidad: number("cantidad", &item.cantidad)?,
            unidad: item
                .unidad
                .as_ref()
                .map(|unidad| unidad.trim().to_string())
                .filter(|u| !u.is_empty()),
            precio_unitario: number("precio_unitario", &item.precio_unitario)?,
            precio_incluye_iva: item.precio_incluye_iva,
            iva_porcentaje,
        });
    }
    let date = |field: &str, text: &Option<String>| -> Result<Option<NaiveDate>, String> {
        text.as_deref()
            .map(|text| {
                NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                    .map_err(|_| format!("the answer's `{field}` is not a date (YYYY-MM-DD)"))
            })
            .transpose()
    };
    let total_indicado = match &draft.total_indicado {
        Some(text) => Some(
            decimal::strict(text.trim())
                .map_err(|_| "the answer's `total_indicado` is not a decimal number".to_string())?,
        ),
        None => None,
    };
    Ok(Read {
        fecha_servicio_desde: date("fecha_servicio_desde", &draft.fecha_servicio_desde)?,
        fecha_servicio_hasta: date("fecha_servicio_hasta", &draft.fecha_servicio_hasta)?,
        fecha_vencimiento_pago: date("fecha_vencimiento_pago", &draft.fecha_vencimiento_pago)?,
        total_indicado,
        lines,
        draft,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yerba() -> Value {
        json!({
            "tipo_comprobante": null, "concepto": "productos", "punto_venta": null,
            "cliente": {"tipo": "consumidor_final", "cuit": null, "dni": null, "nombre": null, "condicion_iva": "consumidor_final"},
            "items": [{"descripcion": "Yerba", "cantidad": "2", "unidad": "kg", "precio_unitario": "1500",
                       "precio_incluye_iva": true, "iva_porcentaje": "21"}],
            "fecha_servicio_desde": null, "fecha_servicio_hasta": null, "fecha_vencimiento_pago": null,
            "total_indicado": null,
            "certezas": {
                "cliente": {"certeza": 0.95, "explicito": true}, "items": {"certeza": 0.95, "explicito": true},
                "precios": {"certeza": 0.9, "explicito": true}, "iva": {"certeza": 0.9, "explicito": false},
                "concepto": {"certeza": 0.95, "explicito": false}, "fechas": {"certeza": 1.0, "explicito": false}
            }
        })
    }

    #[test]
    fn the_schema_is_strict_everywhere() {
        // Every object lists every property as required and takes no other.
        fn walk(schema: &Value, at: &str) {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                assert_eq!(schema["additionalProperties"], json!(false), "{at}");
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                for name in properties.keys() {
                    assert!(required.contains(&name.as_str()), "{at}.{name} is not required");
                    walk(&properties[name], &format!("{at}.{name}"));
                }
                assert_eq!(required.len(), properties.len(), "{at}");
            }
            if let Some(items) = schema.get("items") {
                walk(items, &format!("{at}[]"));
            }
        }
        walk(&schema(), "$");
        // The example answer follows it.
        let read = read(&yerba().to_string()).unwrap();
        assert_eq!(read.lines[0].precio_unitario, "1500".parse::<Decimal>().unwrap());
        assert!(read.lines[0].precio_incluye_iva);
    }

    #[test]
    fn what_violates_the_schema_is_named_without_quoting_it() {
        let mut cases: Vec<(Value, &str)> = Vec::new();
        let with = |pointer: &str, value: Value| {
            let mut answer = yerba();
            *answer.pointer_mut(pointer).unwrap() = value;
            answer
        };
        cases.push((with("/items/0/cantidad", json!(2)), "items[0].cantidad"));
        cases.push((
            with("/items/0/precio_unitario", json!("1.500,00")),
            "items[0].precio_unitario",
        ));
        cases.push((with("/items", json!([])), "0 lines"));
        cases.push((with("/concepto", json!("bienes")), "concepto"));
        cases.push((with("/cliente/tipo", json!("empresa")), "cliente.tipo"));
        cases.push((with("/certezas/iva/certeza", json!(1.5)), "iva"));
        cases.push((
            with("/fecha_vencimiento_pago", json!("mañana")),
            "fecha_vencimiento_pago",
        ));
        cases.push((with("/items/0/iva_porcentaje", json!("19")), "items[0].iva_porcentaje"));
        let mut extra = yerba();
        extra["secreto"] = json!("x");
        cases.push((extra, "`secreto`"));
        for (answer, named) in cases {
            let error = read(&answer.to_string()).unwrap_err();
            assert!(error.contains(named), "{error} should name {named}");
            assert!(!error.contains("Yerba"), "{error}");
        }
        assert_eq!(read("{\"tipo").unwrap_err(), "the answer is not JSON");
    }
}
