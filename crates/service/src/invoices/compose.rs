//! Composition: an invoice request becomes an unnumbered voucher with exact amounts, checked
//! with ARCA's rules before anything is stored, or every field problem at once (each naming the
//! field, and the ARCA code where one of ARCA's rules refused it).
//!
//! It never touches storage and never calls ARCA.

use arca_protocol::Cuit;
use arca_protocol::codes::{CbteTipo, Concepto, CondicionIvaReceptor, DocTipo, IvaRate, TributoTipo};
use arca_protocol::compose::{self, InvoiceDraft, Item, ItemIva, Receiver, TributoLine};
use arca_protocol::money::Money;
use arca_protocol::validate::{IssuerIvaCondition, ValidationContext, validate};
use arca_protocol::voucher::{CaeRequest, CbteAsoc, PeriodoAsoc, Voucher};
use arca_protocol::wsfe::MAX_CBTE_NRO;
use chrono::{DateTime, NaiveDate, Utc};

use super::limits;
use super::request::CreateInvoice;
use crate::accounts::Account;
use crate::{Error, customers};

/// The request as an unnumbered voucher with exact amounts, having passed ARCA's rules locally
/// (400 naming the field and the ARCA code otherwise). Nothing is stored here.
pub fn checked_voucher(request: &CreateInvoice, account: &Account, now: DateTime<Utc>) -> Result<Voucher, Error> {
    let today = argentina_today(now);
    let (voucher, issuer) = draft(request, today).and_then(|(draft, issuer)| {
        compose::compose(&draft)
            .map(|voucher| (voucher, issuer))
            .map_err(|errors| Error::Invalid(errors.iter().map(|e| (e.field(), e.to_string())).collect()))
    })?;
    // ARCA's rules, before anything is stored (400 naming the field and the ARCA code).
    let context = ValidationContext::new(account.cuit, today).with_issuer_iva_condition(issuer);
    let numbered = compose::numbered(voucher.clone(), 1);
    let request_for_rules = CaeRequest::new(vec![numbered]).map_err(|e| Error::invalid("items", e.to_string()))?;
    let issues: Vec<(String, String)> = validate(&request_for_rules, &context)
        .into_iter()
        // Numbering is the engine's (it assigns the number); everything else is the request's.
        .filter(|issue| issue.code != 10016 || issue.field.contains("CbteFch"))
        .map(|issue| (issue.field, format!("ARCA {}: {}", issue.code, issue.message)))
        .collect();
    if !issues.is_empty() {
        return Err(Error::Invalid(issues));
    }
    Ok(voucher)
}

/// The request in the protocol's terms, or every field problem at once (also what a credit or
/// debit note's lines are composed with, `invoices::notes`).
pub(crate) fn draft(request: &CreateInvoice, today: NaiveDate) -> Result<(InvoiceDraft, IssuerIvaCondition), Error> {
    let mut errors = Vec::new();
    limits::check(request, &mut errors);
    let mut problem = |field: &str, message: &str| {
        errors.push((field.to_string(), message.to_string()));
    };
    if request.mode != "advanced" {
        problem("mode", "only `advanced` is available (`simple` needs an AI provider)");
    }
    let cbte_tipo = match request.tipo_comprobante {
        Some(code) => {
            let tipo = CbteTipo::from_code(code);
            if tipo.is_none() {
                problem(
                    "tipo_comprobante",
                    "not a voucher type WSFEv1 authorises (FEParamGetTiposCbte)",
                );
            }
            tipo
        }
        None => None,
    };
    let concepto = match request.concepto.as_str() {
        "productos" => Concepto::Productos,
        "servicios" => Concepto::Servicios,
        "mixto" => Concepto::ProductosYServicios,
        _ => {
            problem("concepto", "one of productos, servicios, mixto");
            Concepto::Productos
        }
    };
    let issuer = match request
        .condicion_iva_emisor
        .as_deref()
        .unwrap_or("responsable_inscripto")
    {
        "responsable_inscripto" => IssuerIvaCondition::ResponsableInscripto,
        "monotributo" => IssuerIvaCondition::Monotributo,
        "exento" => IssuerIvaCondition::Exento,
        _ => {
            problem(
                "condicion_iva_emisor",
                "one of responsable_inscripto, monotributo, exento",
            );
            IssuerIvaCondition::ResponsableInscripto
        }
    };
    // `cliente.cuit` was resolved into these before composition (`invoices::receiver`).
    let doc_tipo = match request.cliente.documento_tipo {
        Some(code) => {
            let tipo = DocTipo::from_code(code);
            if tipo.is_none() {
                problem(
                    "cliente.documento_tipo",
                    "not an ARCA document type (FEParamGetTiposDoc)",
                );
            }
            tipo
        }
        None => {
            problem(
                "cliente.documento_tipo",
                "required (or give cliente.cuit): 80 CUIT, 86 CUIL, 96 DNI, 99 consumidor final",
            );
            None
        }
    };
    let documento_numero = request.cliente.documento_numero.as_deref().unwrap_or_default();
    if doc_tipo.is_some() && request.cliente.documento_numero.is_none() {
        problem("cliente.documento_numero", "required (or give cliente.cuit)");
    }
    // The customers' rule (CUIT/CUIL check digit, DNI 7–8 digits, 0 for 99, else 1–11 digits),
    // so the number sent is exactly the one given, never a clamped one.
    let doc_nro = match doc_tipo.filter(|_| request.cliente.documento_numero.is_some()) {
        Some(tipo) => match customers::normalised_number(tipo, documento_numero) {
            Ok(digits) => digits.parse::<u64>().unwrap_or_else(|_| {
                problem("cliente.documento_numero", "digits only");
                0
            }),
            Err(message) => {
                problem("cliente.documento_numero", &message);
                0
            }
        },
        None => 0,
    };
    let condicion_iva = match request.cliente.condicion_iva.as_deref() {
        Some(name) => {
            let condicion = CondicionIvaReceptor::from_api_name(name);
            if condicion.is_none() {
                problem(
                    "cliente.condicion_iva",
                    "not an ARCA receiver IVA condition (e.g. consumidor_final)",
                );
            }
            condicion
        }
        None => {
            problem(
                "cliente.condicion_iva",
                "required (taken from ARCA's padrón only for a receiver with a CUIT)",
            );
            None
        }
    };
    let mut items = Vec::new();
    for (index, item) in request.items.iter().enumerate() {
        let iva = match item.iva_condicion.as_deref().unwrap_or("gravado") {
            "exento" => Some(ItemIva::Exento),
            "no_gravado" => Some(ItemIva::NoGravado),
            "gravado" => match item.iva_porcentaje.and_then(IvaRate::from_percent) {
                Some(rate) => Some(ItemIva::Gravado(rate)),
                None if issuer != IssuerIvaCondition::ResponsableInscripto && item.iva_porcentaje.is_none() => {
                    // Class C vouchers carry no IVA: the rate is irrelevant.
                    Some(ItemIva::Gravado(IvaRate::Cero))
                }
                None => {
                    problem(
                        &format!("items[{index}].iva_porcentaje"),
                        "one of 0, 2.5, 5, 10.5, 21, 27",
                    );
                    None
                }
            },
            _ => {
                problem(
                    &format!("items[{index}].iva_condicion"),
                    "one of gravado, exento, no_gravado",
                );
                None
            }
        };
        if let Some(iva) = iva {
            items.push(Item {
                descripcion: item.descripcion.clone(),
                cantidad: item.cantidad,
                precio_unitario: Money::from(item.precio_unitario),
                bonificacion: item.bonificacion,
                iva,
            });
        }
    }
    let mut tributos = Vec::new();
    for (index, tributo) in request.tributos.iter().enumerate() {
        match TributoTipo::from_code(tributo.id) {
            Some(tipo) => tributos.push(TributoLine {
                tipo,
                descripcion: tributo.descripcion.clone(),
                base_imponible: Money::from(tributo.base_imponible),
                alicuota: tributo.alicuota,
            }),
            None => problem(
                &format!("tributos[{index}].id"),
                "not an ARCA tributo (FEParamGetTiposTributos)",
            ),
        }
    }
    let mut cbtes_asoc = Vec::new();
    for (index, a) in request.comprobantes_asociados.iter().enumerate() {
        if !(1..=limits::PUNTO_VENTA_MAX).contains(&a.punto_venta) {
            problem(
                &format!("comprobantes_asociados[{index}].punto_venta"),
                &format!("must be 1 to {} (ARCA's PtoVta)", limits::PUNTO_VENTA_MAX),
            );
        }
        if !(1..=MAX_CBTE_NRO).contains(&a.numero) {
            problem(
                &format!("comprobantes_asociados[{index}].numero"),
                &format!("must be 1 to {MAX_CBTE_NRO} (ARCA's Nro, 8 digits)"),
            );
        }
        if CbteTipo::from_code(a.tipo_comprobante).is_none() {
            problem(
                &format!("comprobantes_asociados[{index}].tipo_comprobante"),
                "not a voucher type WSFEv1 authorises (FEParamGetTiposCbte)",
            );
        }
        let cuit = match a.cuit.as_deref() {
            Some(text) => match Cuit::parse(text) {
                Ok(cuit) => Some(cuit.as_u64()),
                Err(error) => {
                    problem(
                        &format!("comprobantes_asociados[{index}].cuit"),
                        &format!("not a valid CUIT: {error}"),
                    );
                    None
                }
            },
            None => None,
        };
        cbtes_asoc.push(CbteAsoc {
            tipo: a.tipo_comprobante,
            pto_vta: a.punto_venta,
            nro: a.numero,
            cuit,
            cbte_fch: a.fecha,
        });
    }
    let (Some(doc_tipo), Some(condicion_iva)) = (doc_tipo, condicion_iva) else {
        return Err(Error::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let draft = InvoiceDraft {
        cbte_tipo,
        punto_venta: request.punto_venta,
        concepto,
        issuer,
        receiver: Receiver {
            doc_tipo,
            doc_nro,
            condicion_iva,
        },
        items,
        tributos,
        servicio_desde: request.fecha_servicio_desde,
        servicio_hasta: request.fecha_servicio_hasta,
        vencimiento_pago: request.fecha_vencimiento_pago,
        moneda: request.moneda.clone(),
        cotizacion: request.cotizacion,
        cbtes_asoc,
        periodo_asoc: None::<PeriodoAsoc>,
        opcionales: vec![],
        fecha: request.fecha.unwrap_or(today),
    };
    Ok((draft, issuer))
}

/// Argentina's calendar day (ARCA's dates are in UTC−3).
pub fn argentina_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&arca_protocol::clock::argentina()).date_naive()
}
