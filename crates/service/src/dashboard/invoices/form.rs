//! `GET/POST /dashboard/invoices/new`: the new-invoice form, and `GET /dashboard/taxpayers/{cuit}`,
//! the padrón look-up its "Buscar en padrón" button calls.
//!
//! The form's fields are turned into the body `POST /v1/invoices` takes ([`CreateInvoice`],
//! read by the same strict rules: amounts with `decimal::strict`, after accepting Argentina's
//! decimal comma) and given to `Invoices::create`, waiting for ARCA like the API's default; the
//! answer goes to the invoice's page. A refusal shows the form again with what was typed and each
//! of the API's field errors next to its input (`items[0].cantidad` → `#items-0-cantidad`). The
//! padrón button calls `Taxpayers::lookup` (with JavaScript through the JSON route; without it
//! the form is posted and shown again filled in).
//!
//! It never composes, computes or checks an invoice (the live totals of `app.js` are only a
//! preview): the invoices module does.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use serde_json::{Map, Value, json};

use super::{Opt, VOUCHER_TYPES, voucher_name};
use crate::dashboard::page::{Layout, Nav, PageError, redirect, render};
use crate::dashboard::session::{Posted, Session};
use crate::http::error::{ApiError, FieldError};
use crate::invoices::request::decimal;
use crate::invoices::{CreateInvoice, Respond};
use crate::state::AppState;
use crate::taxpayers::Taxpayer;

/// Item rows the form shows without JavaScript (its "Agregar ítem" adds more).
pub const ITEM_ROWS: usize = 5;
/// The most item rows a post is read with (the API takes 200 items).
const MAX_ROWS: usize = 200;

/// IVA rates and treatments an item row offers: (value, label). A rate goes to
/// `iva_porcentaje`, `exento` and `no_gravado` to `iva_condicion`.
const ALICUOTAS: [(&str, &str); 8] = [
    ("21", "21 %"),
    ("10.5", "10,5 %"),
    ("27", "27 %"),
    ("5", "5 %"),
    ("2.5", "2,5 %"),
    ("0", "0 %"),
    ("exento", "Exento"),
    ("no_gravado", "No gravado"),
];

const CONCEPTOS: [(&str, &str); 3] = [
    ("productos", "1 — Productos"),
    ("servicios", "2 — Servicios"),
    ("mixto", "3 — Productos y servicios"),
];

const EMISORES: [(&str, &str); 3] = [
    ("responsable_inscripto", "Responsable inscripto"),
    ("monotributo", "Monotributo"),
    ("exento", "Exento"),
];

const DOC_TIPOS: [(&str, &str); 4] = [
    ("80", "CUIT"),
    ("86", "CUIL"),
    ("96", "DNI"),
    ("99", "Consumidor final sin identificar"),
];

const CONDICIONES_VENTA: [(&str, &str); 7] = [
    ("", "Contado (predeterminado)"),
    ("cuenta_corriente", "Cuenta corriente"),
    ("tarjeta_debito", "Tarjeta de débito"),
    ("tarjeta_credito", "Tarjeta de crédito"),
    ("cheque", "Cheque"),
    ("transferencia", "Transferencia bancaria"),
    ("otra", "Otra"),
];

/// One input: its id (also its name), what it holds, and the message next to it.
#[derive(Debug, Clone)]
pub struct Field {
    pub id: String,
    pub value: String,
    pub error: Option<String>,
}

/// One row of items.
#[derive(Debug, Clone)]
pub struct ItemRow {
    /// 1-based, for the labels.
    pub number: usize,
    pub descripcion: Field,
    pub cantidad: Field,
    pub precio_unitario: Field,
    pub alicuota_iva: Field,
    pub alicuotas: Vec<Opt>,
}

/// An error of the summary at the top: the message, and the input it is next to.
#[derive(Debug, Clone)]
pub struct Problem {
    pub field: String,
    pub message: String,
    pub anchor: Option<String>,
}

/// The form's posted values, by input name.
#[derive(Debug, Clone, Default)]
pub struct Values(HashMap<String, String>);

impl Values {
    fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", |value| value.as_str())
    }

    /// Trimmed, `None` when empty.
    fn text(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim().to_string()).filter(|value| !value.is_empty())
    }

    fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(name.to_string(), value.into());
    }

    /// How many item rows the post carries (the highest `items-N-…` index, plus one).
    fn rows(&self) -> usize {
        self.0
            .keys()
            .filter_map(|key| key.strip_prefix("items-")?.split_once('-')?.0.parse::<usize>().ok())
            .filter(|index| *index < MAX_ROWS)
            .map(|index| index + 1)
            .max()
            .unwrap_or(0)
    }

    fn item(&self, index: usize, field: &str) -> &str {
        self.get(&format!("items-{index}-{field}"))
    }

    /// Whether row `index` was left blank (it is not sent).
    fn blank_row(&self, index: usize) -> bool {
        ["descripcion", "cantidad", "precio_unitario"]
            .iter()
            .all(|field| self.item(index, field).trim().is_empty())
    }
}

#[derive(Template)]
#[template(path = "dashboard/invoices/new.html")]
struct NewInvoicePage {
    layout: Layout,
    idempotency_key: String,
    /// The account's points of sale; none: a number input.
    puntos_venta: Vec<Opt>,
    punto_venta: Field,
    tipo_comprobante: Field,
    tipos: Vec<Opt>,
    concepto: Field,
    conceptos: Vec<Opt>,
    condicion_iva_emisor: Field,
    emisores: Vec<Opt>,
    fecha: Field,
    fecha_servicio_desde: Field,
    fecha_servicio_hasta: Field,
    fecha_vencimiento_pago: Field,
    condicion_venta: Field,
    condiciones_venta: Vec<Opt>,
    documento_tipo: Field,
    doc_tipos: Vec<Opt>,
    documento_numero: Field,
    razon_social: Field,
    condicion_iva: Field,
    condiciones_iva: Vec<Opt>,
    email: Field,
    domicilio: Field,
    items: Vec<ItemRow>,
    items_error: Option<String>,
    /// Every problem, for the summary at the top.
    problems: Vec<Problem>,
    /// A refusal that names no field (the quota, ARCA down, …).
    refusal: Option<String>,
    /// What the padrón look-up found (the form without JavaScript).
    padron: Option<String>,
}

impl NewInvoicePage {
    /// Whether the service dates are hidden at first (products only).
    fn productos(&self) -> bool {
        self.concepto.value == "productos"
    }
}

/// 32 hexadecimal digits from the OS's generator.
fn random_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("dashboard-{}", crate::storage::hex(&bytes))
}

/// The input id an API field error goes next to: `items[2].cantidad` → `items-<row>-cantidad`
/// (`rows` maps the request's items to the form's rows, blank ones skipped),
/// `items[0].iva_porcentaje` → `items-0-alicuota_iva`, `cliente.cuit` →
/// `cliente-documento_numero`, `cliente.razon_social` → `cliente-razon_social`.
pub fn input_id(field: &str, rows: &[usize]) -> String {
    if let Some(rest) = field.strip_prefix("items[")
        && let Some((index, name)) = rest.split_once("].")
        && let Ok(index) = index.parse::<usize>()
    {
        let row = rows.get(index).copied().unwrap_or(index);
        let name = match name {
            "iva_porcentaje" | "iva_condicion" => "alicuota_iva",
            other => other,
        };
        return format!("items-{row}-{name}");
    }
    if field == "cliente.cuit" || field == "cliente" {
        return "cliente-documento_numero".into();
    }
    field.replace(['.', '[', ']'], "-").replace("--", "-")
}

/// A decimal as typed in Argentina (`1.500,50`, `2,5`) in the API's syntax (`1500.50`); text
/// without a comma is left as typed (the API's strict rule judges it).
pub fn decimal_text(typed: &str) -> String {
    let typed = typed.trim();
    if typed.contains(',') {
        typed.replace('.', "").replace(',', ".")
    } else {
        typed.to_string()
    }
}

/// The body of `POST /v1/invoices` the form describes, with the form row of each item; or the
/// fields that do not even have the right form (every one named as the API names it).
pub fn request(values: &Values) -> Result<(CreateInvoice, Vec<usize>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut refuse = |field: String, message: String| errors.push(FieldError { field, message });
    let mut body = Map::new();
    body.insert("mode".into(), json!("advanced"));
    match values.get("punto_venta").trim().parse::<u32>() {
        Ok(number) => {
            body.insert("punto_venta".into(), json!(number));
        }
        Err(_) => refuse(
            "punto_venta".into(),
            "elegí un punto de venta (un número de 1 a 99998)".into(),
        ),
    }
    if let Some(tipo) = values.text("tipo_comprobante") {
        match tipo.parse::<i32>() {
            Ok(tipo) => {
                body.insert("tipo_comprobante".into(), json!(tipo));
            }
            Err(_) => refuse("tipo_comprobante".into(), "elegí un tipo de la lista".into()),
        }
    }
    let concepto = values.text("concepto").unwrap_or_else(|| "productos".into());
    let servicios = concepto != "productos";
    body.insert("concepto".into(), json!(concepto));
    for name in ["condicion_iva_emisor", "condicion_venta"] {
        if let Some(value) = values.text(name) {
            body.insert(name.into(), json!(value));
        }
    }
    let mut dates = vec!["fecha"];
    if servicios {
        dates.extend(["fecha_servicio_desde", "fecha_servicio_hasta", "fecha_vencimiento_pago"]);
    }
    for name in dates {
        if let Some(value) = values.text(name) {
            if chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d").is_err() {
                refuse(name.into(), "debe ser una fecha (aaaa-mm-dd)".into());
            } else {
                body.insert(name.into(), json!(value));
            }
        }
    }
    let mut cliente = Map::new();
    match values.text("cliente-documento_tipo").map(|tipo| tipo.parse::<i32>()) {
        Some(Ok(tipo)) => {
            cliente.insert("documento_tipo".into(), json!(tipo));
        }
        Some(Err(_)) => refuse("cliente.documento_tipo".into(), "elegí un tipo de documento".into()),
        None => {}
    }
    for name in [
        "documento_numero",
        "razon_social",
        "condicion_iva",
        "email",
        "domicilio",
    ] {
        if let Some(value) = values.text(&format!("cliente-{name}")) {
            cliente.insert(name.into(), json!(value));
        }
    }
    body.insert("cliente".into(), Value::Object(cliente));
    let mut items = Vec::new();
    let mut rows = Vec::new();
    for row in 0..values.rows().clamp(ITEM_ROWS, MAX_ROWS) {
        if values.blank_row(row) {
            continue;
        }
        let index = rows.len();
        rows.push(row);
        let mut item = Map::new();
        item.insert("descripcion".into(), json!(values.item(row, "descripcion").trim()));
        for name in ["cantidad", "precio_unitario"] {
            let text = decimal_text(values.item(row, name));
            if text.is_empty() {
                refuse(format!("items[{index}].{name}"), "required".into());
            } else if let Err(message) = decimal::strict(&text) {
                refuse(format!("items[{index}].{name}"), message);
            } else {
                item.insert(name.into(), json!(text));
            }
        }
        match values.item(row, "alicuota_iva").trim() {
            "" => {}
            treatment @ ("exento" | "no_gravado") => {
                item.insert("iva_condicion".into(), json!(treatment));
            }
            rate => {
                let rate = decimal_text(rate);
                match decimal::strict(&rate) {
                    Ok(_) => {
                        item.insert("iva_porcentaje".into(), json!(rate));
                    }
                    Err(message) => refuse(format!("items[{index}].iva_porcentaje"), message),
                }
            }
        }
        items.push(Value::Object(item));
    }
    body.insert("items".into(), Value::Array(items));
    if !errors.is_empty() {
        return Err(errors);
    }
    let parsed: Result<CreateInvoice, _> = serde_path_to_error::deserialize(Value::Object(body));
    parsed.map(|request| (request, rows)).map_err(|error| {
        vec![FieldError {
            field: error.path().to_string(),
            message: error.inner().to_string(),
        }]
    })
}

/// The form, with `values` (defaults where empty) and `errors` next to their inputs.
async fn form_page(
    state: &AppState,
    session: &Session,
    values: &Values,
    errors: &[FieldError],
    rows: &[usize],
) -> Result<NewInvoicePage, PageError> {
    let (points, _) = crate::points_of_sale::list(&state.storage, &session.account_id, 100, 0).await?;
    let today = crate::contingency::calendar::argentina_today(state.clock.now());
    let mut points: Vec<_> = points
        .into_iter()
        .filter(|point| !point.bloqueado && !point.contingencia && point.fecha_baja.is_none_or(|baja| baja > today))
        .collect();
    points.sort_by_key(|point| point.numero);
    let fresh = values.0.is_empty();
    let mut values = values.clone();
    if values.text("punto_venta").is_none() {
        values.set(
            "punto_venta",
            points
                .first()
                .map_or_else(|| "1".to_string(), |point| point.numero.to_string()),
        );
    }
    if values.text("condicion_iva_emisor").is_none() {
        let profile = crate::storage::issuer_profiles::find(&state.storage, &session.account_id).await?;
        values.set(
            "condicion_iva_emisor",
            profile.map_or_else(|| "responsable_inscripto".to_string(), |profile| profile.condicion_iva),
        );
    }
    // Placed next to an input, or in the summary only.
    let mut placed: HashMap<String, Vec<String>> = HashMap::new();
    let mut problems = Vec::new();
    for error in errors {
        let id = input_id(&error.field, rows);
        placed.entry(id.clone()).or_default().push(error.message.clone());
        problems.push(Problem {
            field: if error.field.is_empty() {
                "formulario".into()
            } else {
                error.field.clone()
            },
            message: error.message.clone(),
            anchor: Some(id),
        });
    }
    let mut known = BTreeSet::new();
    let mut field = |id: &str| {
        known.insert(id.to_string());
        Field {
            id: id.to_string(),
            value: values.get(id).to_string(),
            error: placed.get(id).map(|messages| messages.join("; ")),
        }
    };
    let options = |choices: &[(&str, &str)], current: &str| -> Vec<Opt> {
        choices
            .iter()
            .map(|(value, label)| Opt::new(*value, *label, current))
            .collect()
    };
    let row_count = values.rows().clamp(ITEM_ROWS, MAX_ROWS);
    let items = (0..row_count)
        .map(|row| {
            let alicuota = field(&format!("items-{row}-alicuota_iva"));
            let current = if alicuota.value.is_empty() {
                "21".to_string()
            } else {
                alicuota.value.clone()
            };
            ItemRow {
                number: row + 1,
                descripcion: field(&format!("items-{row}-descripcion")),
                cantidad: field(&format!("items-{row}-cantidad")),
                precio_unitario: field(&format!("items-{row}-precio_unitario")),
                alicuotas: options(&ALICUOTAS, &current),
                alicuota_iva: alicuota,
            }
        })
        .collect();
    let punto_venta = field("punto_venta");
    let tipo_comprobante = field("tipo_comprobante");
    let mut concepto = field("concepto");
    if concepto.value.is_empty() {
        concepto.value = "productos".into();
    }
    let condicion_iva_emisor = field("condicion_iva_emisor");
    let mut documento_tipo = field("cliente-documento_tipo");
    let mut documento_numero = field("cliente-documento_numero");
    let mut condicion_iva = field("cliente-condicion_iva");
    if fresh {
        documento_tipo.value = "99".into();
        documento_numero.value = "0".into();
        condicion_iva.value = "consumidor_final".into();
    }
    let page = NewInvoicePage {
        layout: Layout::new(session, Nav::NewInvoice, "Nuevo comprobante"),
        idempotency_key: values.text("idempotency_key").unwrap_or_else(random_key),
        puntos_venta: points
            .iter()
            .map(|point| {
                let label = match &point.descripcion {
                    Some(descripcion) => format!("{:05} — {descripcion}", point.numero),
                    None => format!("{:05}", point.numero),
                };
                Opt::new(point.numero.to_string(), label, &punto_venta.value)
            })
            .collect(),
        tipos: std::iter::once(Opt::new(
            "",
            "Automático (según tu condición y la del receptor)",
            &tipo_comprobante.value,
        ))
        .chain(
            VOUCHER_TYPES
                .into_iter()
                .map(|code| Opt::new(code.to_string(), voucher_name(code), &tipo_comprobante.value)),
        )
        .collect(),
        conceptos: options(&CONCEPTOS, &concepto.value),
        emisores: options(&EMISORES, &condicion_iva_emisor.value),
        doc_tipos: options(&DOC_TIPOS, &documento_tipo.value),
        condiciones_iva: std::iter::once(Opt::new("", "Según el padrón de ARCA (con CUIT)", &condicion_iva.value))
            .chain(
                arca_protocol::codes::CondicionIvaReceptor::ALL
                    .into_iter()
                    .map(|condition| Opt::new(condition.api_name(), condition.description(), &condicion_iva.value)),
            )
            .collect(),
        fecha: field("fecha"),
        fecha_servicio_desde: field("fecha_servicio_desde"),
        fecha_servicio_hasta: field("fecha_servicio_hasta"),
        fecha_vencimiento_pago: field("fecha_vencimiento_pago"),
        condiciones_venta: options(&CONDICIONES_VENTA, values.get("condicion_venta")),
        condicion_venta: field("condicion_venta"),
        razon_social: field("cliente-razon_social"),
        email: field("cliente-email"),
        domicilio: field("cliente-domicilio"),
        items_error: placed.get("items").map(|messages| messages.join("; ")),
        punto_venta,
        tipo_comprobante,
        concepto,
        condicion_iva_emisor,
        documento_tipo,
        documento_numero,
        condicion_iva,
        items,
        problems: problems
            .into_iter()
            .map(|problem| Problem {
                anchor: problem.anchor.filter(|id| known.contains(id) || id == "items"),
                ..problem
            })
            .collect(),
        refusal: None,
        padron: None,
    };
    Ok(page)
}

/// The empty form.
pub async fn page(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    render(&form_page(&state, &session, &Values::default(), &[], &[]).await?)
}

/// Emits the invoice the form describes (or, for "Buscar en padrón", shows it again filled in).
pub async fn submit(
    State(state): State<AppState>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let Posted { session, form } = posted;
    let mut values = Values(form);
    if values.get("accion") == "padron" {
        return padron_fill(&state, &session, &mut values).await;
    }
    let (request, rows) = match request(&values) {
        Ok(request) => request,
        Err(errors) => {
            let page = form_page(&state, &session, &values, &errors, &[]).await?;
            return with_status(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let created = state
        .invoices
        .create(
            &session.account_id,
            &request,
            values.text("idempotency_key"),
            Respond::Wait,
        )
        .await;
    let error = match created {
        Ok(invoice) => return Ok(redirect(&format!("/dashboard/invoices/{}", invoice.row.id))),
        Err(error) => PageError::from(ApiError::from(error)),
    };
    let mut page = form_page(&state, &session, &values, &error.fields.0, &rows).await?;
    if error.fields.is_empty() {
        let mut refusal = error.detail.clone();
        for (code, message) in &error.arca {
            refusal.push_str(&format!(" ARCA {code}: {message}."));
        }
        if let Some(hint) = &error.hint {
            refusal.push(' ');
            refusal.push_str(hint);
        }
        page.refusal = Some(refusal);
    }
    let status = if error.status == StatusCode::BAD_REQUEST {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        error.status
    };
    with_status(&page, status)
}

fn with_status(page: &NewInvoicePage, status: StatusCode) -> Result<Response, PageError> {
    let mut response = render(page)?;
    *response.status_mut() = status;
    Ok(response)
}

/// The form without JavaScript after "Buscar en padrón": the receiver's CUIT looked up, its
/// name, IVA condition and domicilio filled in.
async fn padron_fill(state: &AppState, session: &Session, values: &mut Values) -> Result<Response, PageError> {
    let cuit = values.get("cliente-documento_numero").to_string();
    match state.taxpayers.lookup(&session.account_id, &cuit).await {
        Ok(lookup) => {
            let taxpayer = lookup.taxpayer;
            values.set("cliente-documento_tipo", "80");
            values.set("cliente-documento_numero", taxpayer.cuit.clone());
            if let Some(nombre) = &taxpayer.nombre {
                values.set("cliente-razon_social", nombre.clone());
            }
            values.set(
                "cliente-condicion_iva",
                taxpayer
                    .condicion_iva
                    .as_ref()
                    .map(|condicion| condicion.name.clone())
                    .unwrap_or_default(),
            );
            if let Some(domicilio) = taxpayer.domicilio_line() {
                values.set("cliente-domicilio", domicilio);
            }
            let mut page = form_page(state, session, values, &[], &[]).await?;
            page.padron = Some(found(&taxpayer));
            render(&page)
        }
        Err(error) => {
            let error = PageError::from(ApiError::from(error));
            let message = match &error.hint {
                Some(hint) => format!("{} {hint}", error.detail),
                None => error.detail.clone(),
            };
            let errors = [FieldError {
                field: "cliente.cuit".into(),
                message,
            }];
            let page = form_page(state, session, values, &errors, &[]).await?;
            with_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// What the padrón said, in a sentence.
fn found(taxpayer: &Taxpayer) -> String {
    let nombre = taxpayer.nombre.as_deref().unwrap_or("(sin nombre)");
    match &taxpayer.condicion_iva {
        Some(condicion) => format!("Padrón de ARCA: {nombre}, {}.", condicion.description),
        None => format!(
            "Padrón de ARCA: {nombre}; no dice su condición frente al IVA ({}): elegila.",
            taxpayer.condicion_iva_unknown_reason.as_deref().unwrap_or("sin datos")
        ),
    }
}

/// `GET /dashboard/taxpayers/{cuit}`: what `GET /v1/taxpayers/{cuit}` answers, for the session's
/// account, with the domicilio in the one line an invoice takes (`domicilio`).
pub async fn taxpayer(State(state): State<AppState>, session: Session, Path(cuit): Path<String>) -> Response {
    match state.taxpayers.lookup(&session.account_id, &cuit).await {
        Ok(lookup) => {
            let domicilio = lookup.taxpayer.domicilio_line();
            let mut body = serde_json::to_value(&lookup.taxpayer).unwrap_or_default();
            if let Some(object) = body.as_object_mut() {
                object.insert("domicilio".into(), json!(domicilio));
            }
            Json(body).into_response()
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_fields_go_next_to_their_inputs() {
        let rows = [0, 2];
        assert_eq!(input_id("items[1].cantidad", &rows), "items-2-cantidad");
        assert_eq!(input_id("items[0].iva_porcentaje", &rows), "items-0-alicuota_iva");
        assert_eq!(input_id("items[0].iva_condicion", &rows), "items-0-alicuota_iva");
        assert_eq!(input_id("cliente.documento_numero", &rows), "cliente-documento_numero");
        assert_eq!(input_id("cliente.cuit", &rows), "cliente-documento_numero");
        assert_eq!(input_id("punto_venta", &rows), "punto_venta");
        assert_eq!(input_id("items", &rows), "items");
    }

    #[test]
    fn argentine_decimals_become_the_apis() {
        assert_eq!(decimal_text("1.500,50"), "1500.50");
        assert_eq!(decimal_text("2,5"), "2.5");
        assert_eq!(decimal_text("1500.50"), "1500.50");
        assert_eq!(decimal_text(" 3 "), "3");
    }

    #[test]
    fn the_form_becomes_the_apis_request() {
        let mut values = Values::default();
        for (name, value) in [
            ("punto_venta", "1"),
            ("concepto", "servicios"),
            ("fecha_servicio_desde", "2026-01-01"),
            ("cliente-documento_tipo", "99"),
            ("cliente-documento_numero", "0"),
            ("cliente-condicion_iva", "consumidor_final"),
            ("items-1-descripcion", "Horas"),
            ("items-1-cantidad", "2,5"),
            ("items-1-precio_unitario", "1000"),
            ("items-1-alicuota_iva", "exento"),
        ] {
            values.set(name, value);
        }
        let (invoice, rows) = request(&values).unwrap();
        assert_eq!(rows, [1]);
        assert_eq!(invoice.items.len(), 1);
        assert_eq!(invoice.items[0].cantidad.to_string(), "2.5");
        assert_eq!(invoice.items[0].iva_condicion.as_deref(), Some("exento"));
        assert!(invoice.fecha_servicio_desde.is_some());

        values.set("items-1-cantidad", "dos");
        values.set("items-3-descripcion", "Otra");
        let errors = request(&values).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(
            fields,
            ["items[0].cantidad", "items[1].cantidad", "items[1].precio_unitario"]
        );
    }
}
