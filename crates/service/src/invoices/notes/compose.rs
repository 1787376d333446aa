//! A note's voucher: its class from the original's ([`note_type`]), its header copied from the
//! original (point of sale, receiver, concepto, currency and rate, service dates), `CbtesAsoc`
//! naming the original with its issuer `Cuit` and `CbteFch` (and, on a cancellation, its approved
//! debit notes), FCE's annulment flag (Opcional 22), and its amounts — exactly the remaining
//! components, at the voucher level, for a cancellation; composed from lines like an invoice's
//! otherwise — checked with ARCA's rules (docs/arca.md §D.9). The document it returns is what the
//! note is printed from.
//!
//! It never touches storage, never reads the clock (the day is an input) and never decides
//! whether the original may get the note (`notes` does).

use arca_protocol::Cuit;
use arca_protocol::codes::{CbteClass, CbteTipo, Concepto, CondicionIvaReceptor, IvaRate, TributoTipo};
use arca_protocol::compose::{self, numbered};
use arca_protocol::money::{Decimal, Money};
use arca_protocol::validate::{IssuerIvaCondition, ValidationContext, validate};
use arca_protocol::voucher::{AlicIva, CaeRequest, CbteAsoc, Opcional, Tributo, Voucher};
use arca_protocol::wsfe::FECAEDetRequest;
use chrono::NaiveDate;

use super::balance::{self, Balance, Component};
use super::request::{CreateNote, check_motivo};
use crate::accounts::Account;
use crate::invoices::request::{AsociadoRequest, Cliente, CondicionVenta, CreateInvoice, ItemRequest, TributoRequest};
use crate::invoices::view::PrintedFields;
use crate::invoices::{Error, compose as invoice_compose, limits};
use crate::issuance;
use crate::storage::invoices::{InvoiceRow, InvoiceStatus, NoteKind};

/// The note class of each Factura: (factura, credit note, debit note). Class letters A 1/3/2,
/// B 6/8/7, C 11/13/12, M 51/53/52, and FCE's own notes A 201/203/202, B 206/208/207,
/// C 211/213/212.
const NOTE_TYPES: [(i32, i32, i32); 7] = [
    (1, 3, 2),
    (6, 8, 7),
    (11, 13, 12),
    (51, 53, 52),
    (201, 203, 202),
    (206, 208, 207),
    (211, 213, 212),
];

/// The type of a `kind` note against a Factura of type `factura`; `None` when that type gets no
/// notes here.
pub fn note_type(factura: i32, kind: NoteKind) -> Option<CbteTipo> {
    let (_, credit, debit) = NOTE_TYPES.iter().find(|(code, _, _)| *code == factura)?;
    CbteTipo::from_code(if kind.credits() { *credit } else { *debit })
}

/// ARCA's rules on the note, as on an invoice (400 naming the field and the ARCA code).
pub(super) fn check_rules(
    voucher: &Voucher,
    cuit: Cuit,
    issuer: IssuerIvaCondition,
    today: NaiveDate,
) -> Result<(), Error> {
    let context = ValidationContext::new(cuit, today).with_issuer_iva_condition(issuer);
    let request = CaeRequest::new(vec![numbered(voucher.clone(), 1)])
        .map_err(|e| crate::Error::invalid("items", e.to_string()))?;
    let issues: Vec<(String, String)> = validate(&request, &context)
        .into_iter()
        // Numbering is the engine's; everything else is the note's.
        .filter(|issue| issue.code != 10016 || issue.field.contains("CbteFch"))
        .map(|issue| (issue.field, format!("ARCA {}: {}", issue.code, issue.message)))
        .collect();
    if issues.is_empty() {
        Ok(())
    } else {
        Err(crate::Error::Invalid(issues).into())
    }
}

/// What every note of one original shares: its header, taken from the original.
pub(super) struct Context<'a> {
    original: &'a InvoiceRow,
    detail: &'a FECAEDetRequest,
    tipo: CbteTipo,
    kind: NoteKind,
    concepto: Concepto,
    pub(super) issuer: IssuerIvaCondition,
    fecha: NaiveDate,
    /// `CbtesAsoc`: the original, and on a cancellation its approved debit notes.
    asociados: Vec<AsociadoRequest>,
    /// The tributos of the approved debit notes a cancellation lists: where a `Desc` of a
    /// tributo the original lacks comes from (10042).
    debit_tributos: Vec<arca_protocol::wsfe::Tributo>,
    /// `FchVtoPago` for services; none on a partial FCE note (10175).
    vencimiento_pago: Option<NaiveDate>,
    /// The original's request as stored (the printed fields, the receiver's address and email).
    document: serde_json::Value,
}

impl<'a> Context<'a> {
    pub(super) fn new(
        account: &Account,
        original: &'a InvoiceRow,
        detail: &'a FECAEDetRequest,
        tipo: CbteTipo,
        kind: NoteKind,
        notes: &[InvoiceRow],
        fecha: NaiveDate,
    ) -> Result<Context<'a>, Error> {
        let corrupt = |reason: &str| issuance::Error::Corrupt {
            id: original.id.clone(),
            reason: reason.to_string(),
        };
        let concepto = Concepto::from_code(detail.concepto).ok_or_else(|| corrupt("unknown concepto"))?;
        let document: serde_json::Value = original
            .document
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or(serde_json::Value::Null);
        let issuer = match document.pointer("/condicion_iva_emisor").and_then(|v| v.as_str()) {
            Some("monotributo") => IssuerIvaCondition::Monotributo,
            Some("exento") => IssuerIvaCondition::Exento,
            Some(_) => IssuerIvaCondition::ResponsableInscripto,
            None if tipo.class() == CbteClass::C => IssuerIvaCondition::Monotributo,
            None => IssuerIvaCondition::ResponsableInscripto,
        };
        let asociado = |row: &InvoiceRow| -> Result<AsociadoRequest, Error> {
            Ok(AsociadoRequest {
                tipo_comprobante: row.cbte_tipo,
                punto_venta: u32::try_from(row.punto_venta).map_err(|_| corrupt("punto de venta"))?,
                numero: row
                    .numero
                    .and_then(|n| u64::try_from(n).ok())
                    .ok_or_else(|| corrupt("approved without a number"))?,
                cuit: Some(account.cuit.to_string()),
                fecha: row.fecha,
            })
        };
        let mut asociados = vec![asociado(original)?];
        let mut debit_tributos = Vec::new();
        if kind == NoteKind::Cancellation {
            for debit in notes
                .iter()
                .filter(|n| n.note_kind() == Some(NoteKind::Debit) && n.status == InvoiceStatus::Approved)
            {
                asociados.push(asociado(debit)?);
                if let Ok(voucher) = crate::storage::invoices::voucher::from_json(&debit.voucher) {
                    debit_tributos.extend(voucher.tributos);
                }
            }
        }
        let vencimiento_pago = (concepto.includes_services() && !(tipo.is_fce() && kind != NoteKind::Cancellation))
            .then(|| detail.fch_vto_pago.map_or(fecha, |due| due.max(fecha)));
        Ok(Context {
            original,
            detail,
            tipo,
            kind,
            concepto,
            issuer,
            fecha,
            asociados,
            debit_tributos,
            vencimiento_pago,
            document,
        })
    }

    /// `Factura B 00001-00000012`, as the note's text names the original.
    fn original_name(&self) -> String {
        let name = CbteTipo::from_code(self.original.cbte_tipo).map_or("Factura", CbteTipo::description);
        let numero = self
            .original
            .numero
            .map(|n| format!("{:05}-{:08}", self.original.punto_venta, n))
            .unwrap_or_default();
        format!("{name} {numero}")
    }

    /// FCE notes: the annulment flag (Opcional 22), `S` on a cancellation, `N` otherwise.
    fn opcionales(&self) -> Vec<Opcional> {
        if !self.tipo.is_fce() {
            return Vec::new();
        }
        let annuls = if self.kind == NoteKind::Cancellation { "S" } else { "N" };
        vec![Opcional {
            id: "22".into(),
            valor: annuls.into(),
        }]
    }

    /// The note's request in the invoices' terms (what is stored as its document).
    fn request(
        &self,
        items: Vec<ItemRequest>,
        tributos: Vec<TributoRequest>,
        metadata: Option<serde_json::Value>,
    ) -> CreateInvoice {
        let detail = self.detail;
        let text = |pointer: &str| {
            self.document
                .pointer(pointer)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        CreateInvoice {
            mode: "advanced".into(),
            tipo_comprobante: Some(self.tipo.code()),
            punto_venta: u32::try_from(self.original.punto_venta).unwrap_or_default(),
            concepto: self.concepto.api_name().into(),
            cliente: Cliente {
                cuit: None,
                documento_tipo: Some(detail.doc_tipo),
                documento_numero: Some(detail.doc_nro.to_string()),
                razon_social: self.original.cliente_nombre.clone(),
                condicion_iva: detail
                    .condicion_iva_receptor_id
                    .and_then(CondicionIvaReceptor::from_code)
                    .map(|condicion| condicion.api_name().to_string()),
                email: self
                    .document
                    .pointer("/cliente/email")
                    .and_then(|v| serde_json::from_value(v.clone()).ok()),
                domicilio: text("/cliente/domicilio"),
            },
            items,
            tributos,
            // A note's FCE opcionales (22) are its own (`opcionales`), never the invoice's.
            fce: None,
            fecha: Some(self.fecha),
            fecha_servicio_desde: detail.fch_serv_desde,
            fecha_servicio_hasta: detail.fch_serv_hasta,
            fecha_vencimiento_pago: self.vencimiento_pago,
            moneda: detail.mon_id.clone(),
            cotizacion: detail.mon_cotiz,
            comprobantes_asociados: self.asociados.clone(),
            condicion_iva_emisor: Some(
                match self.issuer {
                    IssuerIvaCondition::ResponsableInscripto => "responsable_inscripto",
                    IssuerIvaCondition::Monotributo => "monotributo",
                    IssuerIvaCondition::Exento => "exento",
                }
                .into(),
            ),
            condicion_venta: self
                .document
                .pointer("/condicion_venta")
                .and_then(|v| serde_json::from_value::<CondicionVenta>(v.clone()).ok()),
            metadata,
            // Notes are never issued under CAEA (`contingency::issue`).
            contingencia: None,
        }
    }

    /// The stored document: the note's request, with its kind, original and `motivo`.
    fn document(&self, request: &CreateInvoice, motivo: Option<&str>) -> serde_json::Value {
        let mut document = serde_json::to_value(request).unwrap_or_default();
        if let Some(object) = document.as_object_mut() {
            object.insert("tipo_nota".into(), self.kind.as_str().into());
            object.insert("comprobante_original".into(), self.original.id.clone().into());
            if let Some(motivo) = motivo {
                object.insert("motivo".into(), motivo.into());
            }
        }
        document
    }

    /// The cancellation: exactly the remaining components, built at the voucher level.
    pub(super) fn cancellation(
        &self,
        remaining: &Balance,
        untouched: bool,
        motivo: Option<&str>,
    ) -> Result<(Voucher, serde_json::Value), Error> {
        let corrupt = |reason: String| issuance::Error::Corrupt {
            id: self.original.id.clone(),
            reason,
        };
        let mut iva = Vec::new();
        let mut tributos = Vec::new();
        let (mut neto, mut imp_iva, mut exento, mut no_gravado, mut imp_trib) =
            (Money::ZERO, Money::ZERO, Money::ZERO, Money::ZERO, Money::ZERO);
        let mut lines = Vec::new();
        let name = self.original_name();
        for (component, amount) in remaining.components() {
            let (base, tax) = (Money::from(amount.base), Money::from(amount.tax));
            let line = |iva_porcentaje: Option<Decimal>, iva_condicion: Option<&str>| ItemRequest {
                descripcion: format!("Anulación saldo {name} — {component}"),
                cantidad: Decimal::ONE,
                precio_unitario: amount.base,
                bonificacion: Decimal::ZERO,
                iva_porcentaje,
                iva_condicion: iva_condicion.map(str::to_string),
                codigo: None,
                unidad: None,
            };
            match component {
                Component::Iva(id) => {
                    let rate = IvaRate::from_code(id).ok_or_else(|| corrupt(format!("IVA Id {id}")))?;
                    iva.push(AlicIva {
                        id: rate,
                        base_imp: base,
                        importe: tax,
                    });
                    neto = neto + base;
                    imp_iva = imp_iva + tax;
                    lines.push(line(Some(rate.percent()), None));
                }
                Component::Neto => {
                    neto = neto + base;
                    lines.push(line(None, None));
                }
                Component::Exento => {
                    exento = exento + base;
                    lines.push(line(None, Some("exento")));
                }
                Component::NoGravado => {
                    no_gravado = no_gravado + base;
                    lines.push(line(None, Some("no_gravado")));
                }
                Component::Tributo(id, alic) => {
                    let tipo = TributoTipo::from_code(id).ok_or_else(|| corrupt(format!("tributo Id {id}")))?;
                    // The original's Desc, or the debit note's that introduced the tributo.
                    let desc = self
                        .detail
                        .tributos
                        .iter()
                        .chain(&self.debit_tributos)
                        .filter(|t| t.id == id && t.alic.unwrap_or_default().normalize() == alic)
                        .find_map(|t| t.desc.clone());
                    tributos.push(Tributo {
                        id: tipo,
                        desc,
                        base_imp: base,
                        alic,
                        importe: tax,
                    });
                    imp_trib = imp_trib + tax;
                }
            }
        }
        let printed_tributos = tributos
            .iter()
            .map(|t| TributoRequest {
                id: t.id.code(),
                descripcion: t.desc.clone(),
                base_imponible: t.base_imp.amount(),
                alicuota: t.alic,
            })
            .collect();
        // The printed lines: the invoice's own when nothing was credited or debited before,
        // else one per remaining component.
        let items = if untouched {
            PrintedFields::from_document(&self.document)
                .map(|printed| printed.items)
                .filter(|items| !items.is_empty())
                .unwrap_or(lines)
        } else {
            lines
        };
        let request = self.request(items, printed_tributos, None);
        let detail = self.detail;
        let asociados = self
            .asociados
            .iter()
            .map(|a| CbteAsoc {
                tipo: a.tipo_comprobante,
                pto_vta: a.punto_venta,
                nro: a.numero,
                cuit: a.cuit.as_deref().and_then(|cuit| cuit.parse().ok()),
                cbte_fch: a.fecha,
            })
            .collect();
        let voucher = Voucher {
            cbte_tipo: self.tipo,
            punto_venta: request.punto_venta,
            concepto: self.concepto,
            doc_tipo: detail.doc_tipo,
            doc_nro: u64::try_from(detail.doc_nro).map_err(|_| corrupt("DocNro".into()))?,
            cbte_desde: compose::UNNUMBERED,
            cbte_hasta: compose::UNNUMBERED,
            cbte_fch: Some(self.fecha),
            imp_total: neto + imp_iva + exento + no_gravado + imp_trib,
            imp_tot_conc: no_gravado,
            imp_neto: neto,
            imp_op_ex: exento,
            imp_trib,
            imp_iva,
            fch_serv_desde: detail.fch_serv_desde,
            fch_serv_hasta: detail.fch_serv_hasta,
            fch_vto_pago: self.vencimiento_pago,
            mon_id: detail.mon_id.clone().unwrap_or_else(|| "PES".into()),
            mon_cotiz: detail.mon_cotiz.or(Some(Decimal::ONE)),
            can_mis_mon_ext: None,
            condicion_iva_receptor_id: detail.condicion_iva_receptor_id,
            cbtes_asoc: asociados,
            tributos,
            iva,
            opcionales: self.opcionales(),
            compradores: vec![],
            periodo_asoc: None,
            actividades: vec![],
        };
        Ok((voucher, self.document(&request, motivo)))
    }

    /// A partial note's lines: its `items`, or one line making exactly its `importe`; and the
    /// field problems are named by.
    pub(super) fn lines(
        &self,
        note: &CreateNote,
        creditable: &Balance,
    ) -> Result<(Vec<ItemRequest>, &'static str), Error> {
        let mut errors = Vec::new();
        check_motivo(note.motivo.as_deref())?;
        match (&note.items, note.importe) {
            (Some(_), Some(_)) => errors.push(("items", "give either items or importe, not both".to_string())),
            (None, None) => errors.push(("items", "give items (1 to 200 lines) or importe".to_string())),
            (Some(items), None) => {
                if items.is_empty() || items.len() > limits::ITEMS_MAX {
                    errors.push(("items", format!("1 to {} lines", limits::ITEMS_MAX)));
                }
                if note.descripcion.is_some() {
                    errors.push((
                        "descripcion",
                        "goes with importe; give each item its descripcion".into(),
                    ));
                }
            }
            (None, Some(_)) => {
                if !note.tributos.is_empty() {
                    errors.push(("tributos", "go with items, not with importe".into()));
                }
                if note
                    .descripcion
                    .as_ref()
                    .is_some_and(|d| d.trim().is_empty() || d.chars().count() > limits::DESCRIPCION_MAX)
                {
                    errors.push((
                        "descripcion",
                        format!("must be 1 to {} characters", limits::DESCRIPCION_MAX),
                    ));
                }
            }
        }
        if !errors.is_empty() {
            return Err(crate::Error::Invalid(errors.into_iter().map(|(f, m)| (f.to_string(), m)).collect()).into());
        }
        if let Some(items) = &note.items {
            return Ok((items.clone(), "items"));
        }
        let importe = note.importe.unwrap_or_default();
        if importe <= Decimal::ZERO || importe.normalize().scale() > 2 {
            return Err(crate::Error::invalid("importe", "must be more than 0, with at most 2 decimals").into());
        }
        let treatments = creditable.treatments();
        let [treatment] = treatments.as_slice() else {
            let named: Vec<String> = treatments.iter().map(ToString::to_string).collect();
            return Err(crate::Error::invalid(
                "importe",
                format!(
                    "the invoice has several IVA rates or treatments ({}): give items instead",
                    named.join(", ")
                ),
            )
            .into());
        };
        let rate = treatment.iva_rate().map_or(Decimal::ZERO, IvaRate::rate);
        let net = balance::net_for_total(importe, rate).map_err(|(below, above)| {
            crate::Error::invalid(
                "importe",
                format!(
                    "no net amount at {treatment} makes exactly {importe:.2}: the nearest totals are {below:.2} and {above:.2}"
                ),
            )
        })?;
        let verb = if self.kind == NoteKind::Debit {
            "Débito"
        } else {
            "Crédito"
        };
        let (iva_porcentaje, iva_condicion) = match treatment {
            Component::Iva(_) => (treatment.iva_rate().map(IvaRate::percent), None),
            Component::Exento => (None, Some("exento".to_string())),
            Component::NoGravado => (None, Some("no_gravado".to_string())),
            _ => (None, None),
        };
        Ok((
            vec![ItemRequest {
                descripcion: note
                    .descripcion
                    .clone()
                    .unwrap_or_else(|| format!("{verb} sobre {}", self.original_name())),
                cantidad: Decimal::ONE,
                precio_unitario: net,
                bonificacion: Decimal::ZERO,
                iva_porcentaje,
                iva_condicion,
                codigo: None,
                unidad: None,
            }],
            "importe",
        ))
    }

    /// A partial note composed from its lines like an invoice (class, IVA rates, amounts).
    pub(super) fn partial(
        &self,
        note: &CreateNote,
        items: Vec<ItemRequest>,
        today: NaiveDate,
    ) -> Result<(Voucher, serde_json::Value), Error> {
        let request = self.request(items, note.tributos.clone(), note.metadata.clone());
        let (mut draft, _) = invoice_compose::draft(&request, &crate::issuer_profiles::FceProfile::default(), today)?;
        draft.opcionales = self.opcionales();
        // FCE notes that do not annul carry no FchVtoPago (10175), which composition asks of
        // services (10049): composed with the note's date, then left out.
        let without_due = self.concepto.includes_services() && self.vencimiento_pago.is_none();
        if without_due {
            draft.vencimiento_pago = Some(self.fecha);
        }
        let mut voucher = compose::compose(&draft)
            .map_err(|errors| crate::Error::Invalid(errors.iter().map(|e| (e.field(), e.to_string())).collect()))?;
        if without_due {
            voucher.fch_vto_pago = None;
        }
        Ok((voucher, self.document(&request, note.motivo.as_deref())))
    }
}

#[cfg(test)]
mod tests {
    use arca_protocol::wsfe::AlicIva as WireAlicIva;
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::storage::invoices::{Amounts, SendState};

    const ISSUER: &str = "20267565393";

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    fn d(text: &str) -> Decimal {
        text.parse().expect("a decimal")
    }

    /// An approved FCE B (206) for services, number 7 of point of sale 1, 1000.00 + 21 % IVA to
    /// an IVA-exempt company, due 2026-07-15.
    fn fce_b() -> (Account, InvoiceRow, FECAEDetRequest) {
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 15, 0, 0).unwrap();
        let account = Account {
            id: "acct_1".into(),
            name: "A".into(),
            cuit: Cuit::parse(ISSUER).unwrap(),
            tier: crate::tier::Tier::Free,
            monthly_quota: None,
            requests_per_minute: 100,
            created_at: now,
            send_email_on_approval: false,
        };
        let detail = FECAEDetRequest {
            concepto: 2,
            doc_tipo: 80,
            doc_nro: 30712345671,
            cbte_desde: 0,
            cbte_hasta: 0,
            cbte_fch: Some(date("2026-06-15")),
            imp_total: d("1210.00"),
            imp_tot_conc: Decimal::ZERO,
            imp_neto: d("1000.00"),
            imp_op_ex: Decimal::ZERO,
            imp_trib: Decimal::ZERO,
            imp_iva: d("210.00"),
            fch_serv_desde: Some(date("2026-06-01")),
            fch_serv_hasta: Some(date("2026-06-30")),
            fch_vto_pago: Some(date("2026-07-15")),
            mon_id: Some("PES".into()),
            mon_cotiz: Some(Decimal::ONE),
            can_mis_mon_ext: None,
            condicion_iva_receptor_id: Some(4),
            cbtes_asoc: vec![],
            tributos: vec![],
            iva: vec![WireAlicIva {
                id: 5,
                base_imp: d("1000.00"),
                importe: d("210.00"),
            }],
            opcionales: vec![],
            compradores: vec![],
            periodo_asoc: None,
            actividades: vec![],
        };
        let row = InvoiceRow {
            id: "inv_1".into(),
            account_id: "acct_1".into(),
            status: InvoiceStatus::Approved,
            cuit: ISSUER.into(),
            punto_venta: 1,
            cbte_tipo: 206,
            numero: Some(7),
            voucher: crate::storage::invoices::voucher::to_json(&detail),
            document: None,
            fecha: detail.cbte_fch,
            doc_tipo: 80,
            doc_nro: 30712345671,
            cliente_nombre: Some("Compradora S.A.".into()),
            amounts: Amounts {
                imp_total: "1210.00".into(),
                imp_tot_conc: "0".into(),
                imp_neto: "1000.00".into(),
                imp_op_ex: "0".into(),
                imp_trib: "0".into(),
                imp_iva: "210.00".into(),
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
        };
        (account, row, detail)
    }

    #[test]
    fn fce_notes_carry_the_annulment_flag_and_a_due_date_only_when_annulling() {
        let (account, row, detail) = fce_b();
        let fecha = date("2026-06-16");
        let balance = Balance::of(&detail);
        let associated = vec![CbteAsoc {
            tipo: 206,
            pto_vta: 1,
            nro: 7,
            cuit: Some(20267565393),
            cbte_fch: Some(date("2026-06-15")),
        }];

        let tipo = note_type(206, NoteKind::Credit).unwrap();
        let context = Context::new(&account, &row, &detail, tipo, NoteKind::Credit, &[], fecha).unwrap();
        let note: CreateNote = serde_json::from_value(serde_json::json!({"importe": "121.00"})).unwrap();
        let (items, field) = context.lines(&note, &balance).unwrap();
        assert_eq!(field, "importe");
        assert_eq!(items[0].precio_unitario, d("100.00"));
        let (partial, document) = context.partial(&note, items, fecha).unwrap();
        assert_eq!(partial.cbte_tipo, CbteTipo::FceNotaCreditoB);
        assert_eq!(partial.imp_total.amount(), d("121.00"));
        assert_eq!(
            partial.opcionales,
            vec![Opcional {
                id: "22".into(),
                valor: "N".into()
            }]
        );
        assert_eq!(
            partial.fch_vto_pago, None,
            "a partial FCE note carries no FchVtoPago (10175)"
        );
        assert_eq!(partial.fch_serv_desde, detail.fch_serv_desde);
        assert_eq!(partial.cbtes_asoc, associated);
        assert_eq!(document["tipo_nota"], "credit");
        check_rules(&partial, account.cuit, context.issuer, fecha).expect("the partial note passes ARCA's rules");

        let context = Context::new(&account, &row, &detail, tipo, NoteKind::Cancellation, &[], fecha).unwrap();
        let (cancellation, _) = context.cancellation(&balance, true, Some("anulación")).unwrap();
        assert_eq!(cancellation.imp_total.amount(), d("1210.00"));
        assert_eq!(cancellation.imp_iva.amount(), d("210.00"));
        assert_eq!(cancellation.opcionales[0].valor, "S");
        assert_eq!(
            cancellation.fch_vto_pago,
            Some(date("2026-07-15")),
            "an annulment may carry it"
        );
        assert_eq!(cancellation.cbtes_asoc, associated);
        check_rules(&cancellation, account.cuit, context.issuer, fecha).expect("the cancellation passes ARCA's rules");
    }

    #[test]
    fn each_factura_gets_notes_of_its_own_class() {
        for (factura, credit, debit) in [
            (1, 3, 2),
            (6, 8, 7),
            (11, 13, 12),
            (51, 53, 52),
            (201, 203, 202),
            (206, 208, 207),
            (211, 213, 212),
        ] {
            let nc = note_type(factura, NoteKind::Cancellation).expect("a credit note type");
            assert_eq!(nc.code(), credit);
            assert!(nc.is_credit_note());
            assert_eq!(note_type(factura, NoteKind::Credit), Some(nc));
            let nd = note_type(factura, NoteKind::Debit).expect("a debit note type");
            assert_eq!(nd.code(), debit);
            assert!(nd.is_debit_note());
            let original = CbteTipo::from_code(factura).expect("a Factura");
            assert_eq!(nc.class(), original.class());
            assert_eq!(nc.is_fce(), original.is_fce());
        }
        for not_a_factura in [2, 3, 8, 13, 15, 49, 203, 0] {
            assert_eq!(note_type(not_a_factura, NoteKind::Credit), None, "{not_a_factura}");
        }
    }
}
