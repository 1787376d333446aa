//! An invoice's documents: its printed representation (the PDF of `arca_pdf`) built from what was
//! kept with the invoice when it was approved — the issuer profile's snapshot, the receiver, the
//! items and the amounts — so a later change of the profile never reprints an old invoice
//! differently.
//!
//! [`invoice_document`] is the pure conversion of a stored invoice into
//! [`arca_pdf::InvoiceDocument`]: every amount is the stored one (the voucher sent to ARCA), the
//! line subtotals are computed the way composition computed them, and the labels the service
//! decides (the receiver's IVA condition, the issuer's IVA condition, the sale condition, the
//! default unit) are set here; the renderer decides letters, voucher names, the document type's
//! name and legends.
//!
//! It never calls ARCA and writes only one thing: the issuer snapshot of an invoice approved
//! while its account had no profile, once, at its first rendering (ARCHITECTURE.md "The API
//! contract"). Rendering is deterministic: the same invoice gives the same bytes.

use arca_pdf::{
    AssociatedVoucher, Authorization, AuthorizationKind, Currency, Fce, InvoiceDocument, Issuer, Item, Receiver,
    ServicePeriod, Totals,
};
use arca_protocol::Cuit;
use arca_protocol::codes::{CbteClass, CbteTipo, CondicionIvaReceptor, IvaRate, Opcional as OpcionalTipo, TributoTipo};
use arca_protocol::money::{Decimal, Money};
use arca_protocol::wsfe::FECAEDetRequest;

use crate::invoices::request::{CondicionVenta, ItemRequest};
use crate::invoices::view::qr_url;
use crate::issuer_profiles::{self, IngresosBrutos, Logo, Snapshot, Transferencia};
use crate::storage::invoices::{self, InvoiceRow};
use crate::{Error, Storage};

/// What a printed invoice says when the request named no sale condition.
pub const CONDICION_VENTA_DEFAULT: CondicionVenta = CondicionVenta::Contado;
/// What a printed item line says when the request named no unit.
pub const UNIDAD_DEFAULT: &str = "unidades";

/// The issuer profile's fields a rendering needs (named in `ISSUER_PROFILE_REQUIRED`).
pub const PROFILE_FIELDS: [&str; 5] = [
    "razon_social",
    "domicilio_comercial",
    "condicion_iva",
    "ingresos_brutos",
    "inicio_actividades",
];

/// Renders the PDFs of approved invoices. Cloning is cheap.
#[derive(Clone)]
pub struct Documents {
    storage: Storage,
}

impl Documents {
    pub fn new(storage: Storage) -> Documents {
        Documents { storage }
    }

    /// The PDF of `invoice_id` of `account_id`, one copy per entry of `copies`. An invoice of
    /// another account is not found ([`Error::NotFound`]); one that is not approved is
    /// [`Error::InvoiceNotApproved`] (409 `INVOICE_NOT_APPROVED`); one with no issuer snapshot
    /// whose account still has no profile is [`Error::IssuerProfileRequired`] (422).
    pub async fn invoice_pdf(
        &self,
        account_id: &str,
        invoice_id: &str,
        copies: &[arca_pdf::Copy],
    ) -> Result<Vec<u8>, Error> {
        let document = self.invoice_document(account_id, invoice_id).await?;
        let copies = copies.to_vec();
        let id = invoice_id.to_string();
        // Rendering is CPU work: off the request threads.
        tokio::task::spawn_blocking(move || arca_pdf::render(&document, &copies))
            .await
            .map_err(|error| Error::Render {
                id: id.clone(),
                message: error.to_string(),
            })?
            .map_err(|error| Error::Render {
                id,
                message: error.to_string(),
            })
    }

    /// The printable document of the account's approved invoice `invoice_id` (what
    /// [`Documents::invoice_pdf`] renders).
    pub async fn invoice_document(&self, account_id: &str, invoice_id: &str) -> Result<InvoiceDocument, Error> {
        let row = invoices::find(&self.storage, invoice_id)
            .await?
            .filter(|row| row.account_id == account_id)
            .ok_or(Error::NotFound)?;
        if !row.status.is_authorised() {
            return Err(Error::InvoiceNotApproved {
                id: row.id,
                status: row.status,
            });
        }
        let render_error = |message: String| Error::Render {
            id: invoice_id.to_string(),
            message,
        };
        let snapshot = invoices::issuer_snapshot(&self.storage, account_id, invoice_id)
            .await?
            .ok_or_else(|| Error::IssuerProfileRequired(PROFILE_FIELDS.to_vec()))?;
        let snapshot = Snapshot::from_json(&snapshot).map_err(render_error)?;
        let logo = match &snapshot.perfil.logo {
            Some(logo) => Some(issuer_profiles::logo(&self.storage, account_id, &logo.sha256).await?),
            None => None,
        };
        invoice_document(&row, &snapshot, logo.as_ref()).map_err(render_error)
    }
}

/// A stored, approved invoice as the renderer's document: pure, so the same row, snapshot and
/// logo always give the same document. An error names what is missing or unreadable in the
/// stored data.
pub fn invoice_document(row: &InvoiceRow, snapshot: &Snapshot, logo: Option<&Logo>) -> Result<InvoiceDocument, String> {
    let (Some(numero), Some(cae), Some(vencimiento)) = (row.numero, &row.cae, row.cae_vencimiento) else {
        return Err("an approved invoice without its number or CAE".into());
    };
    let voucher = invoices::voucher::from_json(&row.voucher).map_err(|error| format!("stored voucher: {error}"))?;
    let request: serde_json::Value = row
        .document
        .as_deref()
        .ok_or("no stored request")
        .and_then(|text| serde_json::from_str(text).map_err(|_| "stored request is not JSON"))?;
    let fecha = row.fecha.or(voucher.cbte_fch).ok_or("no voucher date")?;
    let cuit = Cuit::parse(&row.cuit).map_err(|error| format!("issuer CUIT: {error}"))?;
    let total = voucher.imp_total;
    let qr_data = qr_url(row, cuit, total).ok_or("no QR data for an approved invoice")?;

    let perfil = &snapshot.perfil;
    let emisor = Issuer {
        razon_social: perfil.razon_social.clone(),
        cuit: row.cuit.clone(),
        domicilio_comercial: snapshot.domicilio().to_string(),
        condicion_iva: perfil.condicion_iva.printed().to_string(),
        ingresos_brutos: IngresosBrutos::parse(&perfil.ingresos_brutos)
            .map_err(|_| "snapshot's ingresos_brutos")?
            .printed(),
        inicio_actividades: perfil.inicio_actividades,
        logo: logo.map(|logo| arca_pdf::Logo {
            format: logo.format.into(),
            bytes: logo.bytes.clone(),
        }),
    };

    let text_at = |pointer: &str| request.pointer(pointer).and_then(|v| v.as_str()).map(str::to_string);
    let condicion_iva_id = voucher
        .condicion_iva_receptor_id
        .or_else(|| {
            text_at("/cliente/condicion_iva")
                .and_then(|name| CondicionIvaReceptor::from_api_name(&name))
                .map(CondicionIvaReceptor::code)
        })
        .ok_or("no receiver IVA condition")?;
    let condicion_venta = request
        .get("condicion_venta")
        .and_then(|value| serde_json::from_value::<CondicionVenta>(value.clone()).ok())
        .unwrap_or(CONDICION_VENTA_DEFAULT);
    let unidentified = row.doc_tipo == 99 && row.doc_nro == 0;
    let receptor = Receiver {
        nombre: row.cliente_nombre.clone().unwrap_or_else(|| {
            if unidentified {
                "Consumidor Final".into()
            } else {
                String::new()
            }
        }),
        documento_tipo: row.doc_tipo,
        documento_numero: row.doc_nro.to_string(),
        condicion_iva_id,
        condicion_iva: CondicionIvaReceptor::from_code(condicion_iva_id)
            .map_or_else(|| condicion_iva_id.to_string(), |c| c.description().to_string()),
        domicilio: text_at("/cliente/domicilio"),
        condicion_venta: condicion_venta.printed().to_string(),
    };

    let class = CbteTipo::from_code(row.cbte_tipo).map(CbteTipo::class);
    let items_json = request.get("items").cloned().ok_or("no items in the stored request")?;
    let requested: Vec<ItemRequest> =
        serde_json::from_value(items_json).map_err(|error| format!("stored items: {error}"))?;
    let items = requested
        .iter()
        .map(|item| line(item, class))
        .collect::<Result<Vec<_>, _>>()?;

    Ok(InvoiceDocument {
        cbte_tipo: row.cbte_tipo,
        punto_venta: u32::try_from(row.punto_venta).map_err(|_| "point of sale")?,
        numero: u32::try_from(numero).map_err(|_| "number")?,
        fecha_emision: fecha,
        emisor,
        receptor,
        concepto: voucher.concepto,
        periodo_servicio: service_period(&voucher),
        items,
        totales: totals(&voucher),
        moneda: Currency {
            codigo: voucher.mon_id.clone().unwrap_or_else(|| "PES".into()),
            cotizacion: voucher.mon_cotiz.unwrap_or(Decimal::ONE),
        },
        comprobantes_asociados: voucher
            .cbtes_asoc
            .iter()
            .map(|asociado| {
                Ok(AssociatedVoucher {
                    cbte_tipo: asociado.tipo,
                    punto_venta: u32::try_from(asociado.pto_vta).map_err(|_| "associated point of sale")?,
                    numero: u32::try_from(asociado.nro).map_err(|_| "associated number")?,
                    fecha: asociado.cbte_fch,
                })
            })
            .collect::<Result<Vec<_>, &str>>()?,
        fce: fce(row.cbte_tipo, &voucher),
        autorizacion: Authorization {
            // Issued in contingency: "CAEA N°", its validity's end, and the contingency legend.
            kind: match row.authorization.tipo_autorizacion {
                crate::storage::invoices::TipoAutorizacion::Cae => AuthorizationKind::Cae,
                crate::storage::invoices::TipoAutorizacion::Caea => AuthorizationKind::Caea,
            },
            codigo: cae.clone(),
            vencimiento,
        },
        qr_data,
    })
}

/// One printed line: its net as composition computed it (`round2(cantidad × precio × (100 −
/// bonificación) / 100)`), and with its IVA at its rate where the voucher discriminates IVA
/// (never on class C, whose prices carry none).
fn line(item: &ItemRequest, class: Option<CbteClass>) -> Result<Item, String> {
    let net = item
        .cantidad
        .checked_mul(item.precio_unitario)
        .and_then(|gross| gross.checked_mul(Decimal::ONE_HUNDRED - item.bonificacion))
        .and_then(|scaled| scaled.checked_div(Decimal::ONE_HUNDRED))
        .map(|net| Money::new(net).round().amount())
        .ok_or("an item's amount overflows")?;
    let gravado = item.iva_condicion.as_deref().unwrap_or("gravado") == "gravado";
    let rate = (gravado && class != Some(CbteClass::C))
        .then(|| item.iva_porcentaje.and_then(IvaRate::from_percent))
        .flatten();
    let iva = rate.map_or(Decimal::ZERO, |rate| Money::new(net * rate.rate()).round().amount());
    Ok(Item {
        codigo: item.codigo.clone(),
        descripcion: item.descripcion.clone(),
        cantidad: item.cantidad,
        unidad: item.unidad.clone().unwrap_or_else(|| UNIDAD_DEFAULT.to_string()),
        precio_unitario: item.precio_unitario,
        bonificacion: item.bonificacion,
        subtotal: net,
        iva_alicuota: rate.map(|rate| rate.percent().normalize()),
        subtotal_con_iva: net + iva,
    })
}

/// What an FCE voucher prints from its opcionales (docs/arca.md §M.1) and its due date; `None`
/// for other types. A transfer option ARCA would not have accepted prints as sent.
fn fce(cbte_tipo: i32, voucher: &FECAEDetRequest) -> Option<Fce> {
    if !CbteTipo::from_code(cbte_tipo).is_some_and(CbteTipo::is_fce) {
        return None;
    }
    let values = |tipo: OpcionalTipo| {
        voucher
            .opcionales
            .iter()
            .filter(move |opcional| opcional.id == tipo.code())
            .map(|opcional| opcional.valor.clone())
    };
    let first = |tipo: OpcionalTipo| values(tipo).next();
    Some(Fce {
        cbu: first(OpcionalTipo::FCE_CBU),
        alias: first(OpcionalTipo::FCE_ALIAS),
        transferencia: first(OpcionalTipo::FCE_TRANSFERENCIA)
            .map(|code| Transferencia::parse(&code).map_or(code, |option| option.printed().to_string())),
        vencimiento_pago: voucher.fch_vto_pago,
        anulacion: first(OpcionalTipo::FCE_ANULACION).map(|flag| flag == "S"),
        referencias_comerciales: values(OpcionalTipo::FCE_REFERENCIA_COMERCIAL).collect(),
    })
}

/// The service period and payment due date, for services (`Concepto` 2 and 3).
fn service_period(voucher: &FECAEDetRequest) -> Option<ServicePeriod> {
    if voucher.concepto == 1 {
        return None;
    }
    Some(ServicePeriod {
        desde: voucher.fch_serv_desde?,
        hasta: voucher.fch_serv_hasta?,
        vencimiento_pago: voucher.fch_vto_pago?,
    })
}

/// The voucher's amounts as sent to ARCA: IVA per rate (in percent), tributos by their
/// description (or ARCA's name for their type).
fn totals(voucher: &FECAEDetRequest) -> Totals {
    Totals {
        neto_gravado: voucher.imp_neto,
        no_gravado: voucher.imp_tot_conc,
        exento: voucher.imp_op_ex,
        iva: voucher
            .iva
            .iter()
            .map(|alicuota| {
                let percent = IvaRate::from_code(alicuota.id).map_or(Decimal::ZERO, |rate| rate.percent().normalize());
                (percent, alicuota.importe)
            })
            .collect(),
        tributos: voucher
            .tributos
            .iter()
            .map(|tributo| {
                let name = tributo
                    .desc
                    .clone()
                    .filter(|desc| !desc.trim().is_empty())
                    .unwrap_or_else(|| {
                        TributoTipo::from_code(tributo.id)
                            .map_or_else(|| format!("Tributo {}", tributo.id), |t| t.description().to_string())
                    });
                (name, tributo.importe)
            })
            .collect(),
        total: voucher.imp_total,
    }
}

#[cfg(test)]
mod tests {
    use arca_protocol::money::Decimal;
    use chrono::{NaiveDate, TimeZone, Utc};
    use serde_json::{Value, json};

    use super::*;
    use crate::accounts::Account;
    use crate::invoices::CreateInvoice;
    use crate::invoices::compose::checked_voucher;
    use crate::issuer_profiles::{CondicionIva, SnapshotLogo, SnapshotProfile};
    use crate::storage::invoices::InvoiceStatus;
    use crate::storage::invoices::{Amounts, SendState};

    const CUIT: &str = "20267565393";

    fn decimal(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// The request composed and checked as `POST /v1/invoices` does, stored as the engine stores
    /// it, and approved as number 7 with a CAE: the row a rendering reads.
    fn approved_row(request: Value) -> InvoiceRow {
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 15, 0, 0).unwrap();
        let account = Account {
            id: "acct_1".into(),
            name: "A".into(),
            cuit: Cuit::parse(CUIT).unwrap(),
            tier: crate::tier::Tier::Free,
            monthly_quota: None,
            requests_per_minute: 100,
            created_at: now,
            send_email_on_approval: false,
        };
        let parsed: CreateInvoice = serde_json::from_value(request).unwrap();
        let voucher = checked_voucher(&parsed, &account, now).expect("a valid request");
        let detail = FECAEDetRequest::try_from(&voucher).unwrap();
        InvoiceRow {
            id: "inv_1".into(),
            account_id: "acct_1".into(),
            status: InvoiceStatus::Approved,
            cuit: CUIT.into(),
            punto_venta: i32::try_from(voucher.punto_venta).unwrap(),
            cbte_tipo: voucher.cbte_tipo.code(),
            numero: Some(7),
            voucher: invoices::voucher::to_json(&detail),
            document: Some(serde_json::to_string(&parsed).unwrap()),
            fecha: voucher.cbte_fch,
            doc_tipo: detail.doc_tipo,
            doc_nro: detail.doc_nro,
            cliente_nombre: parsed.cliente.razon_social.clone(),
            amounts: Amounts {
                imp_total: detail.imp_total.to_string(),
                imp_tot_conc: detail.imp_tot_conc.to_string(),
                imp_neto: detail.imp_neto.to_string(),
                imp_op_ex: detail.imp_op_ex.to_string(),
                imp_trib: detail.imp_trib.to_string(),
                imp_iva: detail.imp_iva.to_string(),
            },
            cae: Some("76123456789012".into()),
            cae_vencimiento: Some(date("2026-06-25")),
            arca_observaciones: None,
            arca_errores: None,
            send_state: SendState::None,
            attempts: 0,
            next_attempt_at: None,
            idempotency_key: None,
            request_hash: None,
            created_at: now,
            updated_at: now,
            approved_at: Some(now),
            original_id: None,
            note_kind_text: None,
            authorization: Default::default(),
        }
    }

    fn snapshot(condicion_iva: CondicionIva) -> Snapshot {
        Snapshot {
            perfil: SnapshotProfile {
                razon_social: "Almacén SRL".into(),
                domicilio_comercial: "Av. Rivadavia 1000, CABA".into(),
                condicion_iva,
                ingresos_brutos: "901-123456-7".into(),
                inicio_actividades: date("2019-04-01"),
                logo: None,
            },
            domicilio_punto_venta: None,
        }
    }

    fn document(request: Value, condicion_iva: CondicionIva) -> InvoiceDocument {
        invoice_document(&approved_row(request), &snapshot(condicion_iva), None).unwrap()
    }

    #[test]
    fn an_a_invoice_with_two_rates_and_a_tributo() {
        let request = json!({
            "mode": "advanced", "tipo_comprobante": 1, "punto_venta": 3, "concepto": "productos",
            "fecha": "2026-06-15",
            "cliente": {"documento_tipo": 80, "documento_numero": "30-71407534-5", "razon_social": "Cliente SA",
                        "condicion_iva": "responsable_inscripto", "domicilio": "San Martín 50, Rosario"},
            "condicion_venta": "cuenta_corriente",
            "items": [
                {"codigo": "A-1", "descripcion": "Aceite", "cantidad": "3", "unidad": "litros",
                 "precio_unitario": "1000.00", "bonificacion": "10", "iva_porcentaje": 21},
                {"descripcion": "Pan", "cantidad": "2", "precio_unitario": "500.00", "iva_porcentaje": "10.5"}
            ],
            "tributos": [{"id": 7, "descripcion": "Percepción IIBB CABA", "base_imponible": "3700.00", "alicuota": "3.00"}]
        });
        let doc = document(request, CondicionIva::ResponsableInscripto);
        assert_eq!((doc.cbte_tipo, doc.punto_venta, doc.numero), (1, 3, 7));
        assert_eq!(doc.fecha_emision, date("2026-06-15"));
        assert_eq!(doc.emisor.cuit, CUIT);
        assert_eq!(doc.emisor.condicion_iva, "IVA Responsable Inscripto");
        assert_eq!(doc.emisor.ingresos_brutos, "901-123456-7");
        assert_eq!(doc.receptor.nombre, "Cliente SA");
        assert_eq!(doc.receptor.documento_numero, "30714075345");
        assert_eq!(doc.receptor.condicion_iva_id, 1);
        assert_eq!(doc.receptor.condicion_iva, "IVA Responsable Inscripto");
        assert_eq!(doc.receptor.domicilio.as_deref(), Some("San Martín 50, Rosario"));
        assert_eq!(doc.receptor.condicion_venta, "Cuenta corriente");

        let aceite = &doc.items[0];
        assert_eq!(aceite.codigo.as_deref(), Some("A-1"));
        assert_eq!(aceite.unidad, "litros");
        assert_eq!(aceite.subtotal, decimal("2700.00"));
        assert_eq!(aceite.iva_alicuota, Some(decimal("21")));
        assert_eq!(aceite.subtotal_con_iva, decimal("3267.00"));
        let pan = &doc.items[1];
        assert_eq!((pan.unidad.as_str(), pan.codigo.as_deref()), ("unidades", None));
        assert_eq!(pan.iva_alicuota, Some(decimal("10.5")));
        assert_eq!(pan.subtotal_con_iva, decimal("1105.00"));

        let totals = &doc.totales;
        assert_eq!(totals.neto_gravado, decimal("3700.00"));
        let mut iva = totals.iva.clone();
        iva.sort();
        assert_eq!(
            iva,
            [(decimal("10.5"), decimal("105.00")), (decimal("21"), decimal("567.00"))]
        );
        assert_eq!(
            totals.tributos,
            [("Percepción IIBB CABA".to_string(), decimal("111.00"))]
        );
        assert_eq!(totals.total, decimal("4483.00"));
        assert_eq!(
            totals.total,
            totals.neto_gravado + totals.iva_total() + totals.tributos_total()
        );
        assert_eq!(
            (doc.moneda.codigo.as_str(), doc.moneda.cotizacion),
            ("PES", Decimal::ONE)
        );
        assert_eq!(doc.autorizacion.codigo, "76123456789012");
        assert_eq!(doc.autorizacion.vencimiento, date("2026-06-25"));
        assert!(doc.qr_data.starts_with("https://www.afip.gob.ar/fe/qr/?p="));
        assert_eq!(doc.periodo_servicio, None);
        assert!(doc.comprobantes_asociados.is_empty());
    }

    #[test]
    fn a_b_invoice_to_an_unidentified_consumidor_final() {
        let mut request = json!({
            "mode": "advanced", "tipo_comprobante": 6, "punto_venta": 1, "concepto": "productos",
            "cliente": {"documento_tipo": 99, "documento_numero": "0", "condicion_iva": "consumidor_final"},
            "items": [{"descripcion": "Yerba 1kg", "cantidad": 2, "precio_unitario": "1500.00", "iva_porcentaje": 21}]
        });
        let doc = document(request.clone(), CondicionIva::ResponsableInscripto);
        assert_eq!(doc.receptor.nombre, "Consumidor Final");
        assert_eq!(doc.receptor.documento_tipo, 99);
        assert_eq!(doc.receptor.condicion_iva_id, 5);
        assert_eq!(doc.receptor.condicion_iva, "Consumidor Final");
        assert_eq!(doc.receptor.condicion_venta, "Contado", "the default");
        assert_eq!(doc.receptor.domicilio, None);
        assert_eq!(doc.items[0].subtotal, decimal("3000.00"));
        assert_eq!(doc.items[0].subtotal_con_iva, decimal("3630.00"));
        assert_eq!(doc.totales.iva, [(decimal("21"), decimal("630.00"))]);
        assert_eq!(doc.totales.total, decimal("3630.00"));

        // The point of sale's domicilio, when the snapshot has one, is the one printed.
        request["condicion_venta"] = json!("tarjeta_debito");
        let mut with_pos = snapshot(CondicionIva::ResponsableInscripto);
        with_pos.domicilio_punto_venta = Some("Sucursal Norte".into());
        let doc = invoice_document(&approved_row(request), &with_pos, None).unwrap();
        assert_eq!(doc.emisor.domicilio_comercial, "Sucursal Norte");
        assert_eq!(doc.receptor.condicion_venta, "Tarjeta de débito");
    }

    #[test]
    fn a_c_service_invoice_prints_its_period_and_no_iva() {
        let request = json!({
            "mode": "advanced", "tipo_comprobante": 11, "punto_venta": 2, "concepto": "servicios",
            "condicion_iva_emisor": "monotributo",
            "fecha": "2026-06-15", "fecha_servicio_desde": "2026-05-01", "fecha_servicio_hasta": "2026-05-31",
            "fecha_vencimiento_pago": "2026-06-30",
            "cliente": {"documento_tipo": 96, "documento_numero": "30123456", "razon_social": "Juana Pérez",
                        "condicion_iva": "consumidor_final"},
            "items": [{"descripcion": "Clases de guitarra", "cantidad": "4", "unidad": "horas", "precio_unitario": "2500"}]
        });
        let doc = document(request, CondicionIva::Monotributo);
        assert_eq!(doc.emisor.condicion_iva, "Responsable Monotributo");
        assert_eq!(doc.concepto, 2);
        assert_eq!(
            doc.periodo_servicio,
            Some(ServicePeriod {
                desde: date("2026-05-01"),
                hasta: date("2026-05-31"),
                vencimiento_pago: date("2026-06-30"),
            })
        );
        assert_eq!(doc.items[0].unidad, "horas");
        assert_eq!(doc.items[0].iva_alicuota, None, "class C carries no IVA");
        assert_eq!(doc.items[0].subtotal_con_iva, decimal("10000.00"));
        assert!(doc.totales.iva.is_empty());
        assert_eq!(doc.totales.neto_gravado, decimal("10000.00"));
        assert_eq!(doc.totales.total, decimal("10000.00"));
    }

    #[test]
    fn a_credit_note_names_its_associated_voucher() {
        let request = json!({
            "mode": "advanced", "tipo_comprobante": 3, "punto_venta": 1, "concepto": "productos",
            "fecha": "2026-06-15",
            "cliente": {"documento_tipo": 80, "documento_numero": "30714075345", "razon_social": "Cliente SA",
                        "condicion_iva": "responsable_inscripto"},
            "items": [{"descripcion": "Devolución", "cantidad": 1, "precio_unitario": "100.00", "iva_porcentaje": 21}],
            "comprobantes_asociados": [{"tipo_comprobante": 1, "punto_venta": 1, "numero": 42, "cuit": CUIT,
                                        "fecha": "2026-06-10"}]
        });
        let doc = document(request, CondicionIva::ResponsableInscripto);
        assert_eq!(doc.cbte_tipo, 3);
        assert_eq!(
            doc.comprobantes_asociados,
            [AssociatedVoucher {
                cbte_tipo: 1,
                punto_venta: 1,
                numero: 42,
                fecha: Some(date("2026-06-10")),
            }]
        );
        assert_eq!(doc.totales.total, decimal("121.00"));
    }

    #[test]
    fn a_usd_invoice_keeps_its_currency_and_rate() {
        let request = json!({
            "mode": "advanced", "tipo_comprobante": 1, "punto_venta": 1, "concepto": "productos",
            "fecha": "2026-06-15", "moneda": "DOL", "cotizacion": "1050.5",
            "cliente": {"documento_tipo": 80, "documento_numero": "30714075345", "razon_social": "Cliente SA",
                        "condicion_iva": "responsable_inscripto"},
            "items": [{"descripcion": "Licencia", "cantidad": 1, "precio_unitario": "100.00", "iva_porcentaje": 21,
                       "iva_condicion": "gravado"},
                      {"descripcion": "Libro", "cantidad": 1, "precio_unitario": "20.00", "iva_condicion": "exento"}]
        });
        let doc = document(request, CondicionIva::ResponsableInscripto);
        assert_eq!(doc.moneda.codigo, "DOL");
        assert_eq!(doc.moneda.cotizacion, decimal("1050.5"));
        assert_eq!(doc.totales.exento, decimal("20.00"));
        assert_eq!(doc.items[1].iva_alicuota, None, "exempt line");
        assert_eq!(doc.totales.total, decimal("141.00"));
        let qr = arca_protocol::qr::QrData::from_url(&doc.qr_data).unwrap();
        assert_eq!(qr.moneda, "DOL");
        assert_eq!(qr.ctz, decimal("1050.5"));
    }

    #[test]
    fn the_logo_and_labels_come_from_the_snapshot() {
        let request = arca_request_b();
        let mut with_logo = snapshot(CondicionIva::Exento);
        with_logo.perfil.ingresos_brutos = "convenio_multilateral".into();
        with_logo.perfil.logo = Some(SnapshotLogo {
            sha256: "0".repeat(64),
            formato: issuer_profiles::LogoFormat::Jpeg,
        });
        let logo = Logo {
            format: issuer_profiles::LogoFormat::Jpeg,
            bytes: vec![0xFF, 0xD8, 0xFF],
            sha256: "0".repeat(64),
        };
        let row = approved_row(request);
        let doc = invoice_document(&row, &with_logo, Some(&logo)).unwrap();
        assert_eq!(doc.emisor.condicion_iva, "IVA Exento");
        assert_eq!(doc.emisor.ingresos_brutos, "Convenio Multilateral");
        assert_eq!(
            doc.emisor.logo,
            Some(arca_pdf::Logo {
                format: arca_pdf::LogoFormat::Jpeg,
                bytes: vec![0xFF, 0xD8, 0xFF],
            })
        );
        // Pure: the same inputs, the same document.
        assert_eq!(invoice_document(&row, &with_logo, Some(&logo)).unwrap(), doc);

        // A row that is not a complete approval is an error, not a document.
        let unnumbered = InvoiceRow { numero: None, ..row };
        assert!(invoice_document(&unnumbered, &with_logo, None).is_err());
    }

    fn arca_request_b() -> Value {
        json!({
            "mode": "advanced", "tipo_comprobante": 6, "punto_venta": 1, "concepto": "productos",
            "cliente": {"documento_tipo": 99, "documento_numero": "0", "condicion_iva": "consumidor_final"},
            "items": [{"descripcion": "Yerba", "cantidad": 1, "precio_unitario": "100.00", "iva_porcentaje": 21}]
        })
    }
    #[test]
    fn an_fce_invoice_prints_its_opcionales_and_due_date() {
        let request = json!({
            "mode": "advanced", "tipo_comprobante": 201, "punto_venta": 3, "concepto": "productos",
            "fecha": "2026-06-15", "fecha_vencimiento_pago": "2026-07-15",
            "cliente": {"documento_tipo": 80, "documento_numero": "30-71407534-5", "razon_social": "Cliente SA",
                        "condicion_iva": "responsable_inscripto"},
            "fce": {"cbu": "2850590940090418135201", "alias": "almacen.pagos",
                    "referencias_comerciales": ["OC 77"]},
            "items": [{"descripcion": "Aceite", "cantidad": "3", "precio_unitario": "1000.00", "iva_porcentaje": 21}]
        });
        let doc = document(request, CondicionIva::ResponsableInscripto);
        assert_eq!(
            doc.fce,
            Some(Fce {
                cbu: Some("2850590940090418135201".into()),
                alias: Some("almacen.pagos".into()),
                transferencia: Some("Sistema de Circulación Abierta (SCA)".into()),
                vencimiento_pago: Some(date("2026-07-15")),
                anulacion: None,
                referencias_comerciales: vec!["OC 77".into()],
            })
        );
        // Ordinary vouchers carry no FCE block.
        assert_eq!(document(arca_request_b(), CondicionIva::ResponsableInscripto).fce, None);
    }
}
