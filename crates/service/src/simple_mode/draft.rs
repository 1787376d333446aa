//! The model's draft as an advanced request: the receiver as ARCA identifies it, the lines with
//! net prices (an IVA-included price divided exactly by 1 + the rate, to 6 decimals), the point
//! of sale, the service dates, the issuer's IVA condition. What the service had to supply or
//! could not find is reported beside it, for the confidence.
//!
//! Pure: the account's context and the known customer come in; nothing is called or stored.

use arca_protocol::money::Decimal;

use super::context::Context;
use super::schema::{Read, Receptor};
use crate::invoices::limits;
use crate::invoices::request::{Cliente, CreateInvoice, ItemRequest};
use crate::storage::customers::CustomerRow;

/// The general IVA rate, when the model names none.
pub const DEFAULT_IVA: &str = "21";

/// An advanced request built from a draft, and what building it found.
#[derive(Debug, Clone)]
pub struct Built {
    pub request: CreateInvoice,
    /// The text names a receiver (by name or DNI) none of the account's customers has, or gives
    /// no usable CUIT for a CUIT receiver.
    pub receiver_not_found: bool,
    /// Services without the dates the text should give: the service used today.
    pub dates_supplied: bool,
}

/// The request for `read` (the model's answer), with `punto_venta` when the client gave it and
/// `known` when the receiver named matches one of the account's customers.
pub fn build(read: &Read, context: &Context, punto_venta: Option<u32>, known: Option<&CustomerRow>) -> Built {
    let draft = &read.draft;
    let (cliente, receiver_not_found) = cliente(read, known);
    let itemises = context.itemises_iva();
    let items = read
        .lines
        .iter()
        .map(|line| {
            let rate = line
                .iva_porcentaje
                .unwrap_or_else(|| DEFAULT_IVA.parse().unwrap_or_default());
            let precio_unitario = if itemises && line.precio_incluye_iva && !rate.is_zero() {
                let hundred = Decimal::from(100);
                (line.precio_unitario * hundred / (hundred + rate))
                    .round_dp(6)
                    .normalize()
            } else {
                line.precio_unitario
            };
            ItemRequest {
                descripcion: clean(&line.descripcion, limits::DESCRIPCION_MAX),
                cantidad: line.cantidad,
                precio_unitario,
                bonificacion: Decimal::ZERO,
                // A C voucher (monotributo, exento) carries no IVA.
                iva_porcentaje: itemises.then(|| rate.normalize()),
                iva_condicion: None,
                codigo: None,
                unidad: line
                    .unidad
                    .as_deref()
                    .map(|unidad| clean(unidad, limits::ITEM_UNIDAD_MAX))
                    .filter(|unidad| !unidad.is_empty()),
            }
        })
        .collect();
    // The point of sale: the client's, else the one the text names if the account has it, else
    // the account's first active one, else 1.
    let named = draft
        .punto_venta
        .and_then(|numero| i32::try_from(numero).ok())
        .filter(|numero| context.points_of_sale.contains(numero));
    let punto_venta = punto_venta
        .or_else(|| named.and_then(|numero| u32::try_from(numero).ok()))
        .or_else(|| {
            context
                .points_of_sale
                .first()
                .and_then(|numero| u32::try_from(*numero).ok())
        })
        .unwrap_or(1);
    let services = draft.concepto != "productos";
    let mut dates_supplied = false;
    let mut date = |date: Option<chrono::NaiveDate>| {
        if services && date.is_none() {
            dates_supplied = true;
            Some(context.today)
        } else if services {
            date
        } else {
            None
        }
    };
    let fecha_servicio_desde = date(read.fecha_servicio_desde);
    let fecha_servicio_hasta = date(read.fecha_servicio_hasta);
    let fecha_vencimiento_pago = date(read.fecha_vencimiento_pago);
    let request = CreateInvoice {
        mode: "advanced".into(),
        tipo_comprobante: draft.tipo_comprobante,
        punto_venta,
        concepto: draft.concepto.clone(),
        cliente,
        items,
        tributos: Vec::new(),
        fecha: None,
        fecha_servicio_desde,
        fecha_servicio_hasta,
        fecha_vencimiento_pago,
        moneda: None,
        cotizacion: None,
        comprobantes_asociados: Vec::new(),
        fce: None,
        condicion_iva_emisor: context.issuer.map(|condicion| condicion.as_str().to_string()),
        condicion_venta: None,
        metadata: None,
        contingencia: None,
    };
    Built {
        request,
        receiver_not_found,
        dates_supplied,
    }
}

/// The receiver, and whether one the text names was not found.
fn cliente(read: &Read, known: Option<&CustomerRow>) -> (Cliente, bool) {
    let model = &read.draft.cliente;
    let nombre = model
        .nombre
        .as_deref()
        .map(|nombre| clean(nombre, limits::RAZON_SOCIAL_MAX))
        .filter(|nombre| !nombre.is_empty());
    let condicion = model.condicion_iva.clone();
    let blank = Cliente {
        cuit: None,
        documento_tipo: None,
        documento_numero: None,
        razon_social: None,
        condicion_iva: None,
        email: None,
        domicilio: None,
    };
    let consumidor_final = |razon_social: Option<String>, condicion: Option<String>| Cliente {
        documento_tipo: Some(99),
        documento_numero: Some("0".into()),
        razon_social: Some(razon_social.unwrap_or_else(|| "Consumidor Final".into())),
        condicion_iva: Some(condicion.unwrap_or_else(|| "consumidor_final".into())),
        ..blank.clone()
    };
    let of_customer = |customer: &CustomerRow| Cliente {
        documento_tipo: Some(customer.documento_tipo),
        documento_numero: Some(customer.documento_numero.clone()),
        razon_social: Some(customer.razon_social.clone()),
        condicion_iva: Some(customer.condicion_iva.clone()),
        email: None,
        domicilio: customer.direccion.clone(),
        cuit: None,
    };
    match model.tipo {
        Receptor::ConsumidorFinal => (consumidor_final(nombre, Some("consumidor_final".into())), false),
        // ARCA's padrón names the CUIT and settles its IVA condition (`invoices::receiver`):
        // the model's guesses of both are not used.
        Receptor::Cuit => match model.cuit.as_deref().map(digits).filter(|cuit| cuit.len() == 11) {
            Some(cuit) => (
                Cliente {
                    cuit: Some(cuit),
                    ..blank.clone()
                },
                false,
            ),
            None => (consumidor_final(nombre, condicion), true),
        },
        Receptor::Dni => match (known, model.dni.as_deref().map(digits)) {
            (Some(customer), _) => (of_customer(customer), false),
            (None, Some(dni)) if !dni.is_empty() => (
                Cliente {
                    documento_tipo: Some(96),
                    documento_numero: Some(dni),
                    razon_social: Some(nombre.unwrap_or_else(|| "Consumidor Final".into())),
                    condicion_iva: Some(condicion.unwrap_or_else(|| "consumidor_final".into())),
                    ..blank.clone()
                },
                false,
            ),
            (None, _) => (consumidor_final(nombre, condicion), true),
        },
        Receptor::Nombre => match known {
            Some(customer) => (of_customer(customer), false),
            None => (consumidor_final(nombre, condicion), true),
        },
    }
}

/// The digits of a document number as the model wrote it (`20-26756539-3`, `26.756.539`).
fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Text from the model kept to the request's rules: no control character or bidirectional
/// override (each becomes a space), trimmed, at most `max` characters.
pub fn clean(text: &str, max: usize) -> String {
    let kept: String = text
        .chars()
        .map(|c| {
            if c.is_control() || ('\u{202A}'..='\u{202E}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    kept.trim().chars().take(max).collect::<String>().trim_end().to_string()
}

/// The customer of `customers` the text's receiver names: by DNI, or by name (the same name,
/// ignoring case and surrounding spaces; else the only one whose name contains it).
pub fn known_customer<'a>(read: &Read, customers: &'a [CustomerRow]) -> Option<&'a CustomerRow> {
    let model = &read.draft.cliente;
    match model.tipo {
        Receptor::Dni => {
            let dni = digits(model.dni.as_deref()?);
            customers
                .iter()
                .find(|customer| customer.documento_tipo == 96 && customer.documento_numero == dni)
        }
        Receptor::Nombre => {
            let nombre = model.nombre.as_deref()?.trim().to_lowercase();
            if nombre.is_empty() {
                return None;
            }
            let same = customers
                .iter()
                .find(|customer| customer.razon_social.trim().to_lowercase() == nombre);
            same.or_else(|| {
                let mut containing = customers
                    .iter()
                    .filter(|customer| customer.razon_social.to_lowercase().contains(&nombre));
                match (containing.next(), containing.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                }
            })
        }
        Receptor::ConsumidorFinal | Receptor::Cuit => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::json;

    use super::*;
    use crate::issuer_profiles::CondicionIva;
    use crate::simple_mode::schema;

    fn context(issuer: Option<CondicionIva>) -> Context {
        Context {
            today: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
            issuer,
            points_of_sale: vec![3, 7],
            customers: vec![customer("Juan Pérez", 96, "26756539", "consumidor_final")],
        }
    }

    fn customer(nombre: &str, tipo: i32, numero: &str, condicion: &str) -> CustomerRow {
        CustomerRow {
            id: "cus_1".into(),
            account_id: "acct_1".into(),
            documento_tipo: tipo,
            documento_numero: numero.into(),
            razon_social: nombre.into(),
            condicion_iva: condicion.into(),
            email: None,
            direccion: Some("Calle 1".into()),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    fn answer(cliente: serde_json::Value, concepto: &str, incluye: bool) -> Read {
        let certeza = json!({"certeza": 0.9, "explicito": true});
        let value = json!({
            "tipo_comprobante": null, "concepto": concepto, "punto_venta": 7,
            "cliente": cliente,
            "items": [{"descripcion": "Yerba\u{0007} mate", "cantidad": "2", "unidad": "kg", "precio_unitario": "1500",
                       "precio_incluye_iva": incluye, "iva_porcentaje": null}],
            "fecha_servicio_desde": null, "fecha_servicio_hasta": null, "fecha_vencimiento_pago": null,
            "total_indicado": null,
            "certezas": {"cliente": certeza, "items": certeza, "precios": certeza, "iva": certeza,
                         "concepto": certeza, "fechas": certeza}
        });
        schema::read(&value.to_string()).unwrap()
    }

    fn consumidor_final() -> serde_json::Value {
        json!({"tipo": "consumidor_final", "cuit": null, "dni": null, "nombre": null, "condicion_iva": null})
    }

    #[test]
    fn a_final_price_becomes_a_net_one_for_a_responsable_inscripto() {
        let built = build(
            &answer(consumidor_final(), "productos", true),
            &context(None),
            None,
            None,
        );
        let item = &built.request.items[0];
        // 1500 / 1.21, to 6 decimals.
        assert_eq!(item.precio_unitario.to_string(), "1239.669421");
        assert_eq!(item.iva_porcentaje.unwrap().to_string(), "21");
        assert_eq!(item.descripcion, "Yerba  mate", "control characters become spaces");
        assert_eq!(item.unidad.as_deref(), Some("kg"));
        assert_eq!(
            built.request.punto_venta, 7,
            "the text's point of sale, which the account has"
        );
        assert_eq!(built.request.cliente.documento_tipo, Some(99));
        assert_eq!(built.request.cliente.condicion_iva.as_deref(), Some("consumidor_final"));
        assert!(!built.receiver_not_found);
        // A net price stays; the client's point of sale wins.
        let built = build(
            &answer(consumidor_final(), "productos", false),
            &context(None),
            Some(2),
            None,
        );
        assert_eq!(built.request.items[0].precio_unitario.to_string(), "1500");
        assert_eq!(built.request.punto_venta, 2);
    }

    #[test]
    fn a_monotributista_s_lines_carry_no_iva() {
        let context = context(Some(CondicionIva::Monotributo));
        let built = build(&answer(consumidor_final(), "productos", true), &context, None, None);
        assert_eq!(built.request.items[0].precio_unitario.to_string(), "1500");
        assert_eq!(built.request.items[0].iva_porcentaje, None);
        assert_eq!(built.request.condicion_iva_emisor.as_deref(), Some("monotributo"));
    }

    #[test]
    fn receivers_by_cuit_dni_and_name() {
        let context = context(None);
        let by_cuit = answer(
            json!({"tipo": "cuit", "cuit": "20-26756539-3", "dni": null, "nombre": "X", "condicion_iva": "monotributo"}),
            "productos",
            false,
        );
        let built = build(&by_cuit, &context, None, None);
        assert_eq!(built.request.cliente.cuit.as_deref(), Some("20267565393"));
        assert_eq!(built.request.cliente.condicion_iva, None, "the padrón settles it");
        let by_name = answer(
            json!({"tipo": "nombre", "cuit": null, "dni": null, "nombre": "juan pérez ", "condicion_iva": null}),
            "productos",
            false,
        );
        let known = known_customer(&by_name, &context.customers);
        assert!(known.is_some());
        let built = build(&by_name, &context, None, known);
        assert_eq!(built.request.cliente.documento_numero.as_deref(), Some("26756539"));
        assert_eq!(built.request.cliente.razon_social.as_deref(), Some("Juan Pérez"));
        assert!(!built.receiver_not_found);
        let unknown = answer(
            json!({"tipo": "nombre", "cuit": null, "dni": null, "nombre": "María Gómez", "condicion_iva": null}),
            "productos",
            false,
        );
        assert!(known_customer(&unknown, &context.customers).is_none());
        let built = build(&unknown, &context, None, None);
        assert!(built.receiver_not_found);
        assert_eq!(built.request.cliente.razon_social.as_deref(), Some("María Gómez"));
        let by_dni = answer(
            json!({"tipo": "dni", "cuit": null, "dni": "26.756.539", "nombre": null, "condicion_iva": null}),
            "productos",
            false,
        );
        assert!(known_customer(&by_dni, &context.customers).is_some());
    }

    #[test]
    fn services_without_dates_get_today() {
        let built = build(
            &answer(consumidor_final(), "servicios", false),
            &context(None),
            None,
            None,
        );
        assert!(built.dates_supplied);
        let today = NaiveDate::from_ymd_opt(2026, 3, 10);
        assert_eq!(built.request.fecha_servicio_desde, today);
        assert_eq!(built.request.fecha_vencimiento_pago, today);
        let built = build(
            &answer(consumidor_final(), "productos", false),
            &context(None),
            None,
            None,
        );
        assert!(!built.dates_supplied);
        assert_eq!(built.request.fecha_servicio_desde, None);
    }
}
