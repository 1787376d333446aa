//! The size limits of an invoice request, checked before anything is composed or stored, so
//! what a tenant can store — and every list that shows it — stays small whatever it sends.
//! Where ARCA has a limit, it is ARCA's (tributo `Desc` 80 characters, `PtoVta` 5 digits); the
//! rest are the service's, documented in docs/ARCHITECTURE.md ("Input rules and limits").
//!
//! It only counts and measures: text content (control characters) is `crate::text`'s, checked
//! on the whole body before this runs; it never touches storage.

use serde_json::Value;

use super::request::CreateInvoice;

/// Items per invoice.
pub const ITEMS_MAX: usize = 200;
/// Tributo lines per invoice.
pub const TRIBUTOS_MAX: usize = 20;
/// Associated vouchers per note.
pub const ASOCIADOS_MAX: usize = 50;
/// An item's description, in characters.
pub const DESCRIPCION_MAX: usize = 500;
/// The receiver's name (`cliente.razon_social`), as for customers.
pub const RAZON_SOCIAL_MAX: usize = 200;
/// ARCA's tributo `Desc`.
pub const TRIBUTO_DESCRIPCION_MAX: usize = 80;
/// ARCA's `MonId`.
pub const MONEDA_MAX: usize = 3;
/// ARCA's `PtoVta`: 1 to 99998 (10004).
pub const PUNTO_VENTA_MAX: u32 = 99_998;
/// `cliente.domicilio`, in characters (as a customer's `direccion`).
pub const CLIENTE_DOMICILIO_MAX: usize = 300;
/// An item's `codigo`, in characters.
pub const ITEM_CODIGO_MAX: usize = 50;
/// An item's `unidad`, in characters.
pub const ITEM_UNIDAD_MAX: usize = 30;
/// `metadata`: keys per object.
pub const METADATA_KEYS_MAX: usize = 50;
/// `metadata`: characters per key.
pub const METADATA_KEY_MAX: usize = 40;
/// `metadata`: characters per string value.
pub const METADATA_VALUE_MAX: usize = 500;

/// Pushes a (field, message) for every limit `request` exceeds.
pub fn check(request: &CreateInvoice, errors: &mut Vec<(String, String)>) {
    let mut problem = |field: String, message: String| errors.push((field, message));
    if request.items.len() > ITEMS_MAX {
        problem("items".into(), format!("at most {ITEMS_MAX} items per invoice"));
    }
    if request.tributos.len() > TRIBUTOS_MAX {
        problem(
            "tributos".into(),
            format!("at most {TRIBUTOS_MAX} tributos per invoice"),
        );
    }
    if request.comprobantes_asociados.len() > ASOCIADOS_MAX {
        problem(
            "comprobantes_asociados".into(),
            format!("at most {ASOCIADOS_MAX} associated vouchers"),
        );
    }
    for (index, item) in request.items.iter().enumerate().take(ITEMS_MAX) {
        if item.descripcion.chars().count() > DESCRIPCION_MAX {
            problem(
                format!("items[{index}].descripcion"),
                format!("must be at most {DESCRIPCION_MAX} characters"),
            );
        }
        if let Some(message) = printed_line_problem(item.codigo.as_deref(), ITEM_CODIGO_MAX) {
            problem(format!("items[{index}].codigo"), message);
        }
        if let Some(message) = printed_line_problem(item.unidad.as_deref(), ITEM_UNIDAD_MAX) {
            problem(format!("items[{index}].unidad"), message);
        }
    }
    if let Some(message) = printed_line_problem(request.cliente.domicilio.as_deref(), CLIENTE_DOMICILIO_MAX) {
        problem("cliente.domicilio".into(), message);
    }
    for (index, tributo) in request.tributos.iter().enumerate().take(TRIBUTOS_MAX) {
        if tributo
            .descripcion
            .as_ref()
            .is_some_and(|text| text.chars().count() > TRIBUTO_DESCRIPCION_MAX)
        {
            problem(
                format!("tributos[{index}].descripcion"),
                format!("must be at most {TRIBUTO_DESCRIPCION_MAX} characters (ARCA's Desc)"),
            );
        }
    }
    if let Some(name) = &request.cliente.razon_social
        && (name.trim().is_empty() || name.chars().count() > RAZON_SOCIAL_MAX)
    {
        problem(
            "cliente.razon_social".into(),
            format!("must be 1 to {RAZON_SOCIAL_MAX} characters (leave it out when there is none)"),
        );
    }
    if request
        .cliente
        .documento_numero
        .as_ref()
        .is_some_and(|numero| numero.chars().count() > 20)
    {
        problem(
            "cliente.documento_numero".into(),
            "must be at most 20 characters (11 digits with dashes or dots)".into(),
        );
    }
    if let Some(email) = &request.cliente.email
        && let Err(message) = crate::email::request::address_problem(&email.0)
    {
        problem("cliente.email".into(), message);
    }
    if request.moneda.as_ref().is_some_and(|m| m.chars().count() > MONEDA_MAX) {
        problem(
            "moneda".into(),
            format!("ARCA's currency code has {MONEDA_MAX} characters"),
        );
    }
    if let Some(metadata) = &request.metadata {
        metadata_problems(metadata, &mut problem);
    }
}

/// An optional printed text (single-line by `crate::text`, checked on the whole body before):
/// when given, 1 to `max` characters and not blank.
fn printed_line_problem(text: Option<&str>, max: usize) -> Option<String> {
    let text = text?;
    (text.trim().is_empty() || text.chars().count() > max)
        .then(|| format!("must be 1 to {max} characters (leave it out when there is none)"))
}

/// `metadata`: a flat object (or null) of at most [`METADATA_KEYS_MAX`] keys of 1 to
/// [`METADATA_KEY_MAX`] characters, each value a string of at most [`METADATA_VALUE_MAX`]
/// characters, a number, a boolean or null — no nested objects or arrays.
fn metadata_problems(metadata: &Value, problem: &mut impl FnMut(String, String)) {
    let fields = match metadata {
        Value::Null => return,
        Value::Object(fields) => fields,
        _ => {
            problem("metadata".into(), "must be an object (or null)".into());
            return;
        }
    };
    if fields.len() > METADATA_KEYS_MAX {
        problem("metadata".into(), format!("at most {METADATA_KEYS_MAX} keys"));
        return;
    }
    for (key, value) in fields {
        let length = key.chars().count();
        if length == 0 || length > METADATA_KEY_MAX {
            problem(
                "metadata".into(),
                format!("keys are 1 to {METADATA_KEY_MAX} characters"),
            );
            continue;
        }
        let field = format!("metadata.{key}");
        match value {
            Value::String(text) if text.chars().count() > METADATA_VALUE_MAX => {
                problem(field, format!("must be at most {METADATA_VALUE_MAX} characters"));
            }
            Value::Array(_) | Value::Object(_) => {
                problem(field, "must be a string, number, boolean or null (no nesting)".into());
            }
            _ => {}
        }
    }
}
