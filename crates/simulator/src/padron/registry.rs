//! The padrón registry: what ARCA's A5 service knows about each taxpayer, kept as the A5 blocks
//! themselves (`datosGenerales`, `datosRegimenGeneral`, `datosMonotributo` and the error blocks),
//! camelCase JSON shaped like the XML, and written out as XML in A5's alphabetical order.
//!
//! It never stores or answers an IVA condition: the blocks are the only truth, as on ARCA. The
//! one derivation it makes is for WSFEv1's receiver checks ([`PadronRecord::taxpayer`]), which
//! need ARCA's verdict on a receiver and would otherwise assume an active RI.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::wsfe::registry::Taxpayer;

/// The blocks A5 answers for one CUIT (all optional, as in the WSDL).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PadronRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datos_generales: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datos_monotributo: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datos_regimen_general: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_constancia: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_monotributo: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_regimen_general: Option<Map<String, Value>>,
    /// The person's DNI for A13 (not an A5 field). A persona física without it has the DNI
    /// inside its CUIT (digits 3 to 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documento: Option<String>,
}

impl PadronRecord {
    /// The blocks in A5's order (alphabetical), each with its element name.
    pub fn blocks(&self) -> Vec<(&'static str, &Map<String, Value>)> {
        [
            ("datosGenerales", &self.datos_generales),
            ("datosMonotributo", &self.datos_monotributo),
            ("datosRegimenGeneral", &self.datos_regimen_general),
            ("errorConstancia", &self.error_constancia),
            ("errorMonotributo", &self.error_monotributo),
            ("errorRegimenGeneral", &self.error_regimen_general),
        ]
        .into_iter()
        .filter_map(|(name, block)| block.as_ref().map(|b| (name, b)))
        .collect()
    }

    /// A `datosGenerales` field as text.
    pub fn general(&self, field: &str) -> Option<String> {
        self.datos_generales.as_ref()?.get(field).and_then(scalar_text)
    }

    pub fn is_active(&self) -> bool {
        self.general("estadoClave")
            .is_none_or(|s| s.eq_ignore_ascii_case("ACTIVO"))
    }

    pub fn is_fisica(&self) -> bool {
        self.general("tipoPersona")
            .is_some_and(|t| t.eq_ignore_ascii_case("FISICA"))
    }

    /// The DNI A13 reports, without leading zeros: the explicit one, else the CUIT's middle
    /// digits for a persona física.
    pub fn dni(&self, cuit: &str) -> Option<String> {
        let own = self.documento.as_deref().map(str::trim);
        let from_cuit = || {
            (self.is_fisica() && cuit.len() == 11)
                .then(|| cuit.get(2..10))
                .flatten()
        };
        own.or_else(from_cuit)
            .map(|dni| dni.trim_start_matches('0').to_string())
    }

    /// The `impuesto` ids of a block whose `estadoImpuesto` (when given) is active.
    fn active_taxes(block: Option<&Map<String, Value>>) -> Vec<i64> {
        let Some(block) = block else {
            return Vec::new();
        };
        items(block.get("impuesto"))
            .filter(|tax| {
                tax.get("estadoImpuesto")
                    .and_then(scalar_text)
                    .is_none_or(|estado| matches!(estado.as_str(), "AC" | "ACTIVO"))
            })
            .filter_map(|tax| tax.get("idImpuesto").and_then(scalar_text))
            .filter_map(|id| id.parse().ok())
            .collect()
    }

    /// How WSFEv1's receiver checks see this person (§D.7): ARCA's own verdict, read from the
    /// blocks the way ARCA's systems would.
    pub fn taxpayer(&self, cuit: i64) -> Taxpayer {
        let general = Self::active_taxes(self.datos_regimen_general.as_ref());
        let monotributo =
            self.datos_monotributo.is_some() || Self::active_taxes(self.datos_monotributo.as_ref()).contains(&20);
        let iva_condition = if general.contains(&30) {
            1
        } else if monotributo {
            6
        } else if general.contains(&32) {
            4
        } else {
            5
        };
        Taxpayer {
            cuit,
            active: self.is_active(),
            active_in_tax: general.contains(&30) || general.contains(&32) || monotributo,
            monotributista: monotributo,
            iva_condition,
            nonexistent: false,
        }
    }

    /// Checks what `PUT /_sim/padron/{cuit}` received and fills `datosGenerales/idPersona`.
    pub fn normalised(mut self, cuit: &str) -> Result<PadronRecord, String> {
        let id: i64 = cuit.parse().map_err(|_| format!("{cuit} is not a CUIT"))?;
        if let Some(general) = self.datos_generales.as_mut() {
            match general.get("idPersona").and_then(scalar_text) {
                Some(given) if given != cuit => {
                    return Err(format!("datosGenerales.idPersona {given} differs from {cuit}"));
                }
                _ => {
                    general.insert("idPersona".into(), Value::from(id));
                }
            }
        }
        if self.blocks().is_empty() {
            return Err("at least one A5 block is required".into());
        }
        Ok(self)
    }
}

/// The values of a repeated element: an array's items, or the one object given.
pub fn items(value: Option<&Value>) -> impl Iterator<Item = &Map<String, Value>> {
    let list: Vec<&Map<String, Value>> = match value {
        Some(Value::Array(values)) => values.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(object)) => vec![object],
        _ => Vec::new(),
    };
    list.into_iter()
}

/// A string, number or boolean as the XML text it becomes.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Writes `value` as the element `name`: objects with their children in alphabetical order
/// (as A5's JAXB does), arrays as the element repeated, nulls not at all.
pub fn write_element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Array(values) => {
            for value in values {
                write_element(out, name, value);
            }
        }
        Value::Object(object) => {
            out.push_str(&format!("<{name}>"));
            write_children(out, object);
            out.push_str(&format!("</{name}>"));
        }
        scalar => {
            let text = scalar_text(scalar).unwrap_or_default();
            out.push_str(&format!("<{name}>{}</{name}>", quick_xml::escape::escape(&text)));
        }
    }
}

/// The children of an object, sorted by name.
pub fn write_children(out: &mut String, object: &Map<String, Value>) {
    let mut names: Vec<&String> = object.keys().collect();
    names.sort();
    for name in names {
        write_element(out, name, &object[name.as_str()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn blocks_are_written_in_alphabetical_order_with_repeated_elements() {
        let record: PadronRecord = serde_json::from_value(json!({
            "datosGenerales": {"tipoPersona": "FISICA", "apellido": "A & B"},
            "datosRegimenGeneral": {"impuesto": [{"idImpuesto": 30}, {"idImpuesto": 11}]},
        }))
        .unwrap();
        let mut out = String::new();
        for (name, block) in record.blocks() {
            write_element(&mut out, name, &Value::Object(block.clone()));
        }
        assert_eq!(
            out,
            "<datosGenerales><apellido>A &amp; B</apellido><tipoPersona>FISICA</tipoPersona></datosGenerales>\
             <datosRegimenGeneral><impuesto><idImpuesto>30</idImpuesto></impuesto><impuesto><idImpuesto>11</idImpuesto></impuesto></datosRegimenGeneral>"
        );
        assert_eq!(record.taxpayer(1).iva_condition, 1);
        assert_eq!(record.dni("20401234560"), Some("40123456".into()));
    }

    #[test]
    fn unknown_blocks_and_mismatched_ids_are_refused() {
        assert!(serde_json::from_value::<PadronRecord>(json!({"iva": 1})).is_err());
        let record: PadronRecord =
            serde_json::from_value(json!({"datosGenerales": {"idPersona": 20111111112_i64}})).unwrap();
        assert!(record.clone().normalised("20267565393").is_err());
        assert!(record.normalised("20111111112").is_ok());
    }
}
