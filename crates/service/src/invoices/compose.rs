//! Composition: an invoice request becomes an unnumbered voucher with exact amounts, checked
//! with ARCA's rules before anything is stored, or every field problem at once (each naming the
//! field, and the ARCA code where one of ARCA's rules refused it).
//!
//! FCE MiPyMEs (docs/arca.md §M.1): on an FCE invoice the request's `fce` values, each
//! defaulting from the issuer profile's, become opcionales 2101 (CBU), 2102 (alias), 27 (transfer
//! option, SCA by default) and 23 (commercial references), through [`fce_opcionales`], which
//! the notes reuse for their own (with the annulment flag 22); the due date is mandatory. An
//! `fce` object on an explicitly non-FCE type is refused (ARCA 10169); with the type left to the
//! service it is used only if the service chooses an FCE type.
//!
//! It never touches storage and never calls ARCA.

use arca_protocol::Cuit;
use arca_protocol::codes::Opcional as OpcionalTipo;
use arca_protocol::codes::{CbteTipo, Concepto, CondicionIvaReceptor, DocTipo, IvaRate, TributoTipo};
use arca_protocol::compose::{self, InvoiceDraft, Item, ItemIva, Receiver, TributoLine};
use arca_protocol::money::Money;
use arca_protocol::validate::{IssuerIvaCondition, ValidationContext, validate};
use arca_protocol::voucher::{CaeRequest, CbteAsoc, Opcional, PeriodoAsoc, Voucher};
use arca_protocol::wsfe::MAX_CBTE_NRO;
use chrono::{DateTime, NaiveDate, Utc};

use super::limits;
use super::request::CreateInvoice;
use crate::accounts::Account;
use crate::issuer_profiles::{self, FceProfile, Transferencia};
use crate::{Error, customers, text};

/// Days from an FCE invoice's date to its payment due date when the service chose the FCE type
/// itself (the caller, unaware of FCE, gave none). An explicit FCE type gets no default: its
/// due date is the caller's (ARCA 10163).
pub const FCE_DEFAULT_PAYMENT_DAYS: i64 = 30;
/// `fce.referencias_comerciales`: at most this many (opcional 23, once each).
pub const FCE_REFERENCIAS_MAX: usize = 5;
/// `fce.referencias_comerciales`: characters per reference (ARCA's opcional `Valor` texts).
pub const FCE_REFERENCIA_MAX: usize = 250;

/// The values of an FCE voucher's opcionales, already checked. Invoices carry the CBU and the
/// transfer option and never the annulment flag; notes carry the flag (docs/arca.md §M.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FceOpcionales {
    /// 2101.
    pub cbu: Option<String>,
    /// 2102.
    pub alias: Option<String>,
    /// 27.
    pub transferencia: Option<Transferencia>,
    /// 23, one opcional each, in order.
    pub referencias_comerciales: Vec<String>,
    /// 22: `Some(true)` = `S` (the note annuls the invoice), `Some(false)` = `N`.
    pub anulacion: Option<bool>,
}

/// The `Opcionales` of an FCE voucher, in ARCA's order: 2101, 2102, 22, 27, then each 23.
pub fn fce_opcionales(values: &FceOpcionales) -> Vec<Opcional> {
    let opcional = |tipo: OpcionalTipo, valor: &str| Opcional {
        id: tipo.code().to_string(),
        valor: valor.to_string(),
    };
    let mut opcionales = Vec::new();
    if let Some(cbu) = &values.cbu {
        opcionales.push(opcional(OpcionalTipo::FCE_CBU, cbu));
    }
    if let Some(alias) = &values.alias {
        opcionales.push(opcional(OpcionalTipo::FCE_ALIAS, alias));
    }
    if let Some(anulacion) = values.anulacion {
        opcionales.push(opcional(OpcionalTipo::FCE_ANULACION, if anulacion { "S" } else { "N" }));
    }
    if let Some(transferencia) = values.transferencia {
        opcionales.push(opcional(OpcionalTipo::FCE_TRANSFERENCIA, transferencia.code()));
    }
    for referencia in &values.referencias_comerciales {
        opcionales.push(opcional(OpcionalTipo::FCE_REFERENCIA_COMERCIAL, referencia));
    }
    opcionales
}

/// The request as an unnumbered voucher with exact amounts, having passed ARCA's rules locally
/// (400 naming the field and the ARCA code otherwise). Nothing is stored here.
/// FCE defaults are none here: see [`checked_voucher_with`].
pub fn checked_voucher(request: &CreateInvoice, account: &Account, now: DateTime<Utc>) -> Result<Voucher, Error> {
    checked_voucher_with(request, account, &FceProfile::default(), now)
}

/// [`checked_voucher`] with the account's FCE defaults (its issuer profile's `fce`), which an FCE
/// invoice's opcionales take where the request's `fce` leaves a value out.
pub fn checked_voucher_with(
    request: &CreateInvoice,
    account: &Account,
    fce_defaults: &FceProfile,
    now: DateTime<Utc>,
) -> Result<Voucher, Error> {
    let today = argentina_today(now);
    let (voucher, issuer) = draft(request, fce_defaults, today).and_then(|(draft, issuer)| {
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
pub(crate) fn draft(
    request: &CreateInvoice,
    fce_defaults: &FceProfile,
    today: NaiveDate,
) -> Result<(InvoiceDraft, IssuerIvaCondition), Error> {
    let mut errors = Vec::new();
    limits::check(request, &mut errors);
    let mut problem = |field: &str, message: &str| {
        errors.push((field.to_string(), message.to_string()));
    };
    if request.mode != "advanced" {
        problem(
            "mode",
            "`advanced` for a structured invoice (`simple` takes only a description: README \"Simple mode\")",
        );
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
    // The type the voucher will have: the request's, or the one composition chooses.
    let effective_tipo =
        cbte_tipo.or_else(|| condicion_iva.map(|condicion| compose::default_cbte_tipo(issuer, condicion)));
    let fecha = request.fecha.unwrap_or(today);
    let opcionales = fce(request, effective_tipo, fce_defaults, fecha.max(today), &mut errors);
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
        opcionales,
        fecha,
    };
    Ok((draft, issuer))
}

/// The FCE opcionales of the request (docs/arca.md §M.1), or its problems, each naming the
/// request's field with ARCA's code: `fce` on an explicit non-FCE type (10169), the CBU (10165,
/// missing on an invoice 10168), the transfer option (10215), the due date of an invoice
/// (missing 10163, before `earliest_due` = max(fecha, today) 10164). An FCE invoice takes each
/// value the request leaves out from `defaults`; an FCE note only what its request gives.
fn fce(
    request: &CreateInvoice,
    tipo: Option<CbteTipo>,
    defaults: &FceProfile,
    earliest_due: NaiveDate,
    errors: &mut Vec<(String, String)>,
) -> Vec<Opcional> {
    let mut problem = |field: &str, message: String| errors.push((field.to_string(), message));
    let Some(tipo) = tipo.filter(|tipo| tipo.is_fce()) else {
        if request.tipo_comprobante.is_some() && request.fce.is_some() {
            problem(
                "fce",
                "ARCA 10169: the fce object (opcionales 2101, 2102, 27) is only for FCE MiPyMEs types 201–213".into(),
            );
        }
        return Vec::new();
    };
    let given = request.fce.clone().unwrap_or_default();
    if let Some(cbu) = &given.cbu
        && let Err(message) = issuer_profiles::check_cbu(cbu)
    {
        problem("fce.cbu", message);
    }
    if let Some(alias) = &given.alias
        && let Err(message) = issuer_profiles::check_alias(alias)
    {
        problem("fce.alias", message);
    }
    let transferencia = match given.transferencia.as_deref() {
        Some(code) => {
            let parsed = Transferencia::parse(code);
            if parsed.is_none() {
                problem(
                    "fce.transferencia",
                    "ARCA 10215: the transfer option (opcional 27) is SCA or ADC".into(),
                );
            }
            parsed
        }
        None => None,
    };
    if given.referencias_comerciales.len() > FCE_REFERENCIAS_MAX {
        problem(
            "fce.referencias_comerciales",
            format!("at most {FCE_REFERENCIAS_MAX} commercial references"),
        );
    }
    for (index, referencia) in given.referencias_comerciales.iter().enumerate() {
        let field = format!("fce.referencias_comerciales[{index}]");
        if referencia.trim().is_empty() || referencia.chars().count() > FCE_REFERENCIA_MAX {
            problem(&field, format!("must be 1 to {FCE_REFERENCIA_MAX} characters"));
        } else if let Err((field, message)) = text::check(&field, referencia, text::Lines::Single) {
            problem(&field, message);
        }
    }
    if !tipo.is_invoice() {
        // Notes: what the request gives, with the annulment flag (22) whose absence
        // pre-validation refuses (10173); the notes endpoints set their own.
        return fce_opcionales(&FceOpcionales {
            cbu: given.cbu,
            alias: given.alias,
            transferencia,
            referencias_comerciales: given.referencias_comerciales,
            anulacion: given.anulacion,
        });
    }
    if given.anulacion.is_some() {
        problem(
            "fce.anulacion",
            "ARCA 10171: the annulment flag (opcional 22) is only for FCE debit and credit notes".into(),
        );
    }
    let cbu = given.cbu.or_else(|| defaults.cbu.clone());
    if cbu.is_none() {
        problem(
            "fce.cbu",
            "ARCA 10168: an FCE invoice carries the issuer's CBU (opcional 2101): give fce.cbu or set it in the \
             issuer profile's fce (PUT /v1/account/issuer-profile)"
                .into(),
        );
    }
    match request.fecha_vencimiento_pago {
        None => problem(
            "fecha_vencimiento_pago",
            "ARCA 10163: an FCE invoice carries its payment due date (FchVtoPago)".into(),
        ),
        Some(due) if due < earliest_due => problem(
            "fecha_vencimiento_pago",
            format!(
                "ARCA 10164: an FCE invoice's payment due date may not be before its date nor before today \
                 ({earliest_due})"
            ),
        ),
        Some(_) => {}
    }
    fce_opcionales(&FceOpcionales {
        cbu,
        alias: given.alias.or_else(|| defaults.alias.clone()),
        transferencia: Some(transferencia.or(defaults.transferencia).unwrap_or(Transferencia::Sca)),
        referencias_comerciales: given.referencias_comerciales,
        anulacion: None,
    })
}

/// Argentina's calendar day (ARCA's dates are in UTC−3).
pub fn argentina_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&arca_protocol::clock::argentina()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fce_opcionales_in_arca_order() {
        let opcionales = fce_opcionales(&FceOpcionales {
            cbu: Some("2850590940090418135201".into()),
            alias: Some("mi.alias".into()),
            transferencia: Some(Transferencia::Adc),
            referencias_comerciales: vec!["OC 1".into(), "OC 2".into()],
            anulacion: Some(true),
        });
        let pairs: Vec<(&str, &str)> = opcionales
            .iter()
            .map(|opcional| (opcional.id.as_str(), opcional.valor.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("2101", "2850590940090418135201"),
                ("2102", "mi.alias"),
                ("22", "S"),
                ("27", "ADC"),
                ("23", "OC 1"),
                ("23", "OC 2"),
            ]
        );
        assert!(fce_opcionales(&FceOpcionales::default()).is_empty());
        let note = fce_opcionales(&FceOpcionales {
            anulacion: Some(false),
            ..FceOpcionales::default()
        });
        assert_eq!((note[0].id.as_str(), note[0].valor.as_str()), ("22", "N"));
    }
}
